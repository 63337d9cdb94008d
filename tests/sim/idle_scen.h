/* Idle connections: what an established, quiet connection costs a server. */
#ifndef TERN_SIM_IDLE_SCEN_H
#define TERN_SIM_IDLE_SCEN_H

#include "scenarios.h"

bool conn_s_idle(uint64_t seed, bool verbose, scen_out *o);

#define IDLE_SCENARIOS                                                                             \
    {"conn_idle",                                                                                  \
     conn_s_idle,                                                                                  \
     4,                                                                                            \
     {"connections", "server KiB/conn fresh", "server KiB/conn idle", "server wakes/s",            \
      "server dgrams/conn/10s", NULL},                                                             \
     "200-500 idle connections to one server: heap per connection, wake-ups, keepalives"},

#endif
