/* Connection-layer scenarios (whole instances on the simulator). */
#ifndef TERN_SIM_CONN_SCEN_H
#define TERN_SIM_CONN_SCEN_H

#include "scenarios.h"

bool conn_s_basic(uint64_t seed, bool verbose, scen_out *o);
bool conn_s_handshake_loss(uint64_t seed, bool verbose, scen_out *o);
bool conn_s_many(uint64_t seed, bool verbose, scen_out *o);
bool conn_s_timeouts(uint64_t seed, bool verbose, scen_out *o);
bool conn_s_hostile(uint64_t seed, bool verbose, scen_out *o);

#define CONN_SCENARIOS                                                                             \
    {"conn_basic",                                                                                 \
     conn_s_basic,                                                                                 \
     1500,                                                                                         \
     {"reliable msgs", "lanes", "virtual s", NULL},                                                \
     "handshake, lanes, messages and every close path; exact event sequences"},                    \
        {"conn_handshake_loss",                                                                    \
         conn_s_handshake_loss,                                                                    \
         300,                                                                                      \
         {"loss %", "connect s", NULL},                                                            \
         "handshake through 0-50 % loss each way"},                                                \
        {"conn_many",                                                                              \
         conn_s_many,                                                                              \
         3,                                                                                        \
         {"connections", "server KiB/conn peak", NULL},                                            \
         "1000-3000 connections to one server in one run"},                                        \
        {"conn_timeouts",                                                                          \
         conn_s_timeouts,                                                                          \
         200,                                                                                      \
         {"case", NULL},                                                                           \
         "connect timeout, accept timeout, peer vanishing idle and busy"},                         \
        {"conn_hostile",                                                                           \
         conn_s_hostile,                                                                           \
         200,                                                                                      \
         {"amplification", "flood", NULL},                                                         \
         "floods, forgeries, replays, reflection; amplification <= 1, connection unharmed"},

#endif
