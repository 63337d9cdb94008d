/* Congestion control and pacing: a BBR-style model-based controller.
 *
 * Why model-based: tern must find a path's rate by itself (GNS sends at a
 * fixed 256 KiB/s), and keep ≥ 70 % of the bottleneck at 1 % random loss,
 * which no loss-based controller (Reno, CUBIC) can do: their throughput falls
 * as 1/sqrt(loss). BBR estimates the bottleneck bandwidth (windowed max of
 * delivery-rate samples) and the propagation delay (windowed min RTT), paces
 * at gain x bandwidth, and caps data in flight at 2 x the bandwidth-delay
 * product, which bounds the standing queue to about one base RTT. Random loss
 * does not move the model; loss above 2 % in a startup round (a too-shallow
 * buffer) ends startup.
 * See docs/congestion-control.md.
 *
 * Delivery-rate sampling follows draft-cheng-iccrg-delivery-rate-estimation.
 * Sans-I/O: time comes in as |now| (usec).
 */
#ifndef TERN_SNP_CC_H
#define TERN_SNP_CC_H

#include <stdbool.h>
#include <stdint.h>

/* Rate-sample bookkeeping stored with every sent packet. */
typedef struct tern_cc_sample_state {
    uint64_t delivered;      /* connection's delivered bytes when this was sent */
    int64_t delivered_time;  /* time of that delivery count */
    int64_t first_sent_time; /* start of the send interval */
    uint8_t app_limited;
} tern_cc_sample_state;

enum tern_cc_mode { TERN_CC_STARTUP, TERN_CC_DRAIN, TERN_CC_PROBE_BW, TERN_CC_PROBE_RTT };

typedef struct tern_cc {
    uint32_t mss;     /* wire bytes of a full packet */
    int64_t rate_min; /* bytes/s, 0 = unset */
    int64_t rate_max; /* bytes/s, 0 = unset */

    /* delivery rate estimation */
    uint64_t delivered;
    int64_t delivered_time;
    int64_t first_sent_time;
    uint64_t app_limited; /* delivered-count mark; 0 = not app-limited */

    /* the current ack's rate sample, built while its packets are processed */
    uint64_t rs_prior_delivered;
    int64_t rs_prior_time;
    int64_t rs_send_elapsed, rs_ack_elapsed;
    bool rs_app_limited, rs_valid;
    uint64_t rs_newly_acked, rs_newly_lost;

    /* model */
    uint8_t mode;
    uint64_t bw;        /* bytes/s: windowed max of samples */
    uint64_t bw_max[3]; /* max filter: best three (value, round) */
    uint64_t bw_round[3];
    int64_t min_rtt; /* usec */
    int64_t min_rtt_stamp;
    uint64_t round_count;
    uint64_t next_round_delivered;
    bool round_start;
    uint64_t full_bw;
    uint8_t full_bw_count;
    bool filled_pipe;
    uint8_t cycle_index;
    int64_t cycle_stamp;
    int64_t probe_rtt_done;
    bool probe_rtt_round_done;
    uint64_t prior_cwnd;
    uint32_t pacing_gain; /* x256 */
    uint32_t cwnd_gain;   /* x256 */

    /* standing-queue response: the lowest RTT of a round far above the
     * base RTT, round after round, means our model overstates the path */
    int64_t round_min_rtt;
    uint8_t queue_rounds;
    uint32_t cwnd_adj; /* x256: in-flight headroom in PROBE_BW */
    uint32_t pace_adj; /* x256: cruise pacing as a fraction of the estimate */

    /* loss response */
    uint64_t round_lost, round_delivered; /* bytes this round */

    /* outputs */
    uint64_t cwnd;        /* bytes */
    uint64_t pacing_rate; /* bytes/s */

    /* pacer: a token bucket at pacing_rate */
    int64_t tokens;    /* bytes; may go negative */
    int64_t tokens_at; /* time the bucket was last filled */
} tern_cc;

/* |rtt_hint| is the handshake RTT (usec) or 0 when unknown. */
void tern_cc_init(tern_cc *c, uint32_t mss, int64_t rate_min, int64_t rate_max, int64_t rtt_hint,
                  int64_t now);
void tern_cc_set_rate_bounds(tern_cc *c, int64_t rate_min, int64_t rate_max);
/* An RTT measured outside the ack path (handshake): a base-RTT candidate,
 * and the initial pacing rate's denominator while nothing else is known. */
void tern_cc_rtt_hint(tern_cc *c, int64_t now, int64_t rtt);

/* Before a data packet goes out: may it, by the pacer and the window? */
bool tern_cc_can_send(tern_cc *c, int64_t now, uint64_t bytes_in_flight);
/* Time at which the pacer allows the next packet (<= now: already). */
int64_t tern_cc_next_send_time(const tern_cc *c, int64_t now);

/* A data packet of |bytes| goes out; fills |st| for the sent record. */
void tern_cc_on_send(tern_cc *c, int64_t now, uint32_t bytes, uint64_t bytes_in_flight,
                     bool app_limited, tern_cc_sample_state *st);
/* A packet that does not count against the window (ack-only) still spends
 * pacing tokens. */
void tern_cc_on_send_nondata(tern_cc *c, int64_t now, uint32_t bytes);

/* Processing one ack frame: call begin, then acked/lost per packet, then end. */
void tern_cc_ack_begin(tern_cc *c);
void tern_cc_on_acked(tern_cc *c, int64_t now, int64_t sent_time, uint32_t bytes,
                      const tern_cc_sample_state *st);
void tern_cc_on_lost(tern_cc *c, uint32_t bytes);
void tern_cc_ack_end(tern_cc *c, int64_t now, int64_t rtt_sample, uint64_t bytes_in_flight);

/* The retransmission timer fired: data in flight is presumed lost. */
void tern_cc_on_rto(tern_cc *c, int64_t now);

/* The sender ran out of data: samples taken now understate the path. */
void tern_cc_mark_app_limited(tern_cc *c, uint64_t bytes_in_flight);

#endif
