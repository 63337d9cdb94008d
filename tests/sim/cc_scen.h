/* Congestion-control and lane-share scenarios. */
#ifndef TERN_SIM_CC_SCEN_H
#define TERN_SIM_CC_SCEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenarios.h"

typedef struct cc_params {
    uint64_t seed;
    uint64_t rate;        /* bottleneck bytes/s */
    int64_t rtt;          /* base round trip, usec */
    double loss;          /* random loss on the bottleneck direction */
    int flows;            /* 1 or 2 flows sharing the bottleneck */
    uint64_t queue_bytes; /* 0: one BDP, at least 64 packets */
    int64_t warmup;       /* 0: max(3 s, 30 RTT) */
    int64_t duration;     /* measured interval */
} cc_params;

typedef struct cc_result {
    double goodput[2]; /* per flow, fraction of the bottleneck */
    double goodput_total;
    double queue_delay; /* usec, mean standing queue at the bottleneck */
    double loss_caused; /* fraction of packets the bottleneck queue dropped */
    double jain;
    bool buffers_raised; /* send/receive buffers raised to 2 x BDP */
} cc_result;

/* 1 when the run completed without a correctness error. */
int cc_run(const cc_params *p, cc_result *res, char *err, size_t errlen);

bool cc_s_clean(uint64_t seed, bool v, scen_out *o);
bool cc_s_loss1(uint64_t seed, bool v, scen_out *o);
bool cc_s_fair(uint64_t seed, bool v, scen_out *o);
bool cc_s_lane_share(uint64_t seed, bool v, scen_out *o);

#define CC_FIGS                                                                                    \
    {                                                                                              \
        "goodput %", "queue ms", "loss caused %", "Jain", NULL                                     \
    }
#define CC_SCENARIOS                                                                               \
    {"lane_share",                                                                                 \
     cc_s_lane_share,                                                                              \
     40,                                                                                           \
     {"lanes", "worst share error %", NULL},                                                       \
     "saturated lanes share by weight; priority wins"},                                            \
        {"cc_clean", cc_s_clean, 12, CC_FIGS, "one flow, 10-100 Mbit/s, RTT 1-200 ms, no loss"},   \
        {"cc_loss1", cc_s_loss1, 12, CC_FIGS, "one flow, 1 % random loss"},                        \
        {"cc_fair", cc_s_fair, 8, CC_FIGS, "two flows share a bottleneck"},

#endif
