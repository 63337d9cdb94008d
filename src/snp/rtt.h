/* Round-trip time estimation (RFC 6298 smoothing plus a minimum), fed by the
 * handshake timestamps and by ack frames (WIRE.md §2.12, §6.7). */
#ifndef TERN_SNP_RTT_H
#define TERN_SNP_RTT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct tern_rtt {
    int64_t latest;   /* usec, last sample */
    int64_t smoothed; /* usec */
    int64_t var;      /* usec, mean deviation */
    int64_t min;      /* usec, lowest sample ever */
    uint32_t samples;
    int64_t max_jitter; /* usec, largest |sample - smoothed| since last read; -1 none */
} tern_rtt;

void tern_rtt_init(tern_rtt *r);
/* A sample of |usec| (negative samples are clamped to 0). */
void tern_rtt_sample(tern_rtt *r, int64_t usec);
static inline bool tern_rtt_known(const tern_rtt *r)
{
    return r->samples > 0;
}
/* Retransmission timeout: smoothed + 4 x deviation + the peer's ack delay,
 * 1 s before any sample (GNS uses the same 1 s). */
int64_t tern_rtt_rto(const tern_rtt *r, int64_t peer_ack_delay);

#endif
