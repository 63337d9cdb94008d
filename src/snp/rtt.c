#include "snp/rtt.h"

#define RTO_INITIAL 1000000
#define RTO_MIN_VAR 1000 /* timer granularity floor for the deviation term */

void tern_rtt_init(tern_rtt *r)
{
    r->latest = r->smoothed = r->var = 0;
    r->min = INT64_MAX;
    r->samples = 0;
    r->max_jitter = -1;
}

void tern_rtt_sample(tern_rtt *r, int64_t usec)
{
    if (usec < 0) usec = 0;
    r->latest = usec;
    if (usec < r->min) r->min = usec;
    if (r->samples == 0) {
        r->smoothed = usec;
        r->var = usec / 2;
    } else {
        int64_t dev = usec > r->smoothed ? usec - r->smoothed : r->smoothed - usec;
        if (dev > r->max_jitter) r->max_jitter = dev;
        r->var = (3 * r->var + dev) / 4;
        r->smoothed = (7 * r->smoothed + usec) / 8;
    }
    r->samples++;
}

int64_t tern_rtt_rto(const tern_rtt *r, int64_t peer_ack_delay)
{
    if (r->samples == 0) return RTO_INITIAL;
    int64_t v = 4 * r->var;
    if (v < RTO_MIN_VAR) v = RTO_MIN_VAR;
    return r->smoothed + v + peer_ack_delay;
}
