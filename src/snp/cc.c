#include "snp/cc.h"

#define GAIN_UNIT        256
#define HIGH_GAIN        739 /* 2/ln(2) = 2.885: doubles the rate every round in startup */
#define DRAIN_GAIN       89  /* 1/2.885: drains the startup queue in about a round */
#define CWND_GAIN        512 /* 2 x BDP in flight: covers delayed and aggregated acks */
#define BW_WINDOW_ROUNDS 10
#define MIN_RTT_WINDOW   10000000 /* 10 s */
#define PROBE_RTT_TIME   200000   /* 200 ms */
#define MIN_CWND_PKTS    4
#define INIT_CWND_PKTS   10
#define STARTUP_LOSS_PCT 2 /* loss above this in a startup round means the pipe is full */
#define MAX_BURST_PKTS   64
#define QUEUE_ROUNDS     2   /* rounds of standing queue before the model shrinks */
#define QUEUE_FLOOR_US   200 /* queue delay always tolerated (timer noise) */
#define CWND_ADJ_MIN     384 /* 1.5 x BDP */
#define PACE_ADJ_MIN     218 /* cruise at >= 0.85 x the estimate */

static const uint32_t cycle_gain[8] = {320, 192, 256, 256, 256, 256, 256, 256};

static uint64_t bdp(const tern_cc *c, uint32_t gain)
{
    if (c->bw == 0 || c->min_rtt == INT64_MAX) return (uint64_t)INIT_CWND_PKTS * c->mss;
    /* bw (bytes/s) x min_rtt (us) without overflow for any realistic pair */
    uint64_t b = (uint64_t)((__uint128_t)c->bw * (uint64_t)c->min_rtt / 1000000u);
    return (uint64_t)((__uint128_t)b * gain / GAIN_UNIT);
}

static void clamp_rate(tern_cc *c)
{
    if (c->rate_max > 0 && c->pacing_rate > (uint64_t)c->rate_max)
        c->pacing_rate = (uint64_t)c->rate_max;
    if (c->rate_min > 0 && c->pacing_rate < (uint64_t)c->rate_min)
        c->pacing_rate = (uint64_t)c->rate_min;
    if (c->pacing_rate < 1000) c->pacing_rate = 1000;
}

void tern_cc_set_rate_bounds(tern_cc *c, int64_t rate_min, int64_t rate_max)
{
    c->rate_min = rate_min;
    c->rate_max = rate_max;
    clamp_rate(c);
}

void tern_cc_init(tern_cc *c, uint32_t mss, int64_t rate_min, int64_t rate_max, int64_t rtt_hint,
                  int64_t now)
{
    *c = (tern_cc){0};
    c->mss = mss;
    c->rate_min = rate_min;
    c->rate_max = rate_max;
    c->min_rtt = rtt_hint > 0 ? rtt_hint : INT64_MAX;
    c->min_rtt_stamp = now;
    c->mode = TERN_CC_STARTUP;
    c->pacing_gain = HIGH_GAIN;
    c->cwnd_gain = HIGH_GAIN;
    c->cwnd = (uint64_t)INIT_CWND_PKTS * mss;
    int64_t rtt = rtt_hint > 0 ? rtt_hint : 1000;
    if (rtt < 1000) rtt = 1000;
    c->pacing_rate =
        (uint64_t)((__uint128_t)c->cwnd * HIGH_GAIN / GAIN_UNIT * 1000000u / (uint64_t)rtt);
    clamp_rate(c);
    c->tokens = (int64_t)(2 * mss);
    c->tokens_at = now;
    c->round_min_rtt = INT64_MAX;
    c->cwnd_adj = CWND_GAIN;
    c->pace_adj = GAIN_UNIT;
}

void tern_cc_rtt_hint(tern_cc *c, int64_t now, int64_t rtt)
{
    if (rtt <= 0) rtt = 1;
    if (rtt < c->min_rtt) {
        c->min_rtt = rtt;
        c->min_rtt_stamp = now;
    }
    if (c->bw == 0) {
        int64_t r = rtt < 1000 ? 1000 : rtt;
        c->pacing_rate =
            (uint64_t)((__uint128_t)c->cwnd * HIGH_GAIN / GAIN_UNIT * 1000000u / (uint64_t)r);
        clamp_rate(c);
    }
}

static int64_t burst(const tern_cc *c)
{
    /* Up to 1 ms worth of data may leave together: it lets the transport
     * batch sends (sendmmsg, GSO) without building a queue anywhere. */
    uint64_t b = c->pacing_rate / 1000;
    if (b < 2ull * c->mss) b = 2ull * c->mss;
    if (b > (uint64_t)MAX_BURST_PKTS * c->mss) b = (uint64_t)MAX_BURST_PKTS * c->mss;
    return (int64_t)b;
}

/* Tokens earned in |dt| usec. Not capped at any interval: below one packet
 * per second (SendRateMax may be 1024 B/s) a debt takes longer than a
 * second to repay, and a cap would lose the time already waited. */
static __uint128_t earned(const tern_cc *c, int64_t dt)
{
    return (__uint128_t)c->pacing_rate * (uint64_t)dt / 1000000u;
}

static void refill(tern_cc *c, int64_t now)
{
    int64_t dt = now - c->tokens_at;
    if (dt <= 0) return;
    int64_t cap = burst(c);
    __uint128_t add = earned(c, dt);
    if (c->tokens >= cap || add >= (__uint128_t)(cap - c->tokens))
        c->tokens = cap;
    else
        c->tokens += (int64_t)add;
    c->tokens_at = now;
}

bool tern_cc_can_send(tern_cc *c, int64_t now, uint64_t bytes_in_flight)
{
    if (bytes_in_flight >= c->cwnd) return false;
    refill(c, now);
    return c->tokens >= 0;
}

int64_t tern_cc_next_send_time(const tern_cc *c, int64_t now)
{
    if (c->tokens >= 0) return now;
    uint64_t debt = (uint64_t)-c->tokens;
    int64_t dt = now - c->tokens_at;
    if (dt > 0) {
        __uint128_t add = earned(c, dt);
        if (add >= debt) return now;
        debt -= (uint64_t)add;
    }
    return now + (int64_t)((__uint128_t)debt * 1000000u / c->pacing_rate) + 1;
}

void tern_cc_on_send(tern_cc *c, int64_t now, uint32_t bytes, uint64_t bytes_in_flight,
                     bool app_limited, tern_cc_sample_state *st)
{
    if (bytes_in_flight == 0) c->first_sent_time = c->delivered_time = now;
    if (app_limited) tern_cc_mark_app_limited(c, bytes_in_flight);
    st->delivered = c->delivered;
    st->delivered_time = c->delivered_time;
    st->first_sent_time = c->first_sent_time;
    st->app_limited = c->app_limited != 0;
    refill(c, now);
    c->tokens -= bytes;
}

void tern_cc_on_send_nondata(tern_cc *c, int64_t now, uint32_t bytes)
{
    refill(c, now);
    c->tokens -= bytes;
}

void tern_cc_mark_app_limited(tern_cc *c, uint64_t bytes_in_flight)
{
    uint64_t mark = c->delivered + bytes_in_flight;
    c->app_limited = mark ? mark : 1;
}

void tern_cc_ack_begin(tern_cc *c)
{
    c->rs_valid = false;
    c->rs_prior_delivered = 0;
    c->rs_newly_acked = 0;
    c->rs_newly_lost = 0;
}

void tern_cc_on_acked(tern_cc *c, int64_t now, int64_t sent_time, uint32_t bytes,
                      const tern_cc_sample_state *st)
{
    c->delivered += bytes;
    c->delivered_time = now;
    c->rs_newly_acked += bytes;
    c->round_delivered += bytes;
    /* The sample is taken from the most recently sent of the acked packets. */
    if (!c->rs_valid || st->delivered >= c->rs_prior_delivered) {
        c->rs_valid = true;
        c->rs_prior_delivered = st->delivered;
        c->rs_prior_time = st->delivered_time;
        c->rs_app_limited = st->app_limited;
        c->rs_send_elapsed = sent_time - st->first_sent_time;
        c->rs_ack_elapsed = now - st->delivered_time;
        c->first_sent_time = sent_time;
    }
}

void tern_cc_on_lost(tern_cc *c, uint32_t bytes)
{
    c->rs_newly_lost += bytes;
    c->round_lost += bytes;
}

static void bw_filter_update(tern_cc *c, uint64_t rate)
{
    uint64_t r = c->round_count;
    /* Kathleen Nichols' windowed max with three samples (as in BBR). */
    if (rate >= c->bw_max[0] || r - c->bw_round[2] > BW_WINDOW_ROUNDS) {
        c->bw_max[0] = c->bw_max[1] = c->bw_max[2] = rate;
        c->bw_round[0] = c->bw_round[1] = c->bw_round[2] = r;
    } else {
        if (rate >= c->bw_max[1]) {
            c->bw_max[1] = c->bw_max[2] = rate;
            c->bw_round[1] = c->bw_round[2] = r;
        } else if (rate >= c->bw_max[2]) {
            c->bw_max[2] = rate;
            c->bw_round[2] = r;
        }
        if (r - c->bw_round[0] > BW_WINDOW_ROUNDS) {
            c->bw_max[0] = c->bw_max[1];
            c->bw_round[0] = c->bw_round[1];
            c->bw_max[1] = c->bw_max[2];
            c->bw_round[1] = c->bw_round[2];
            c->bw_max[2] = rate;
            c->bw_round[2] = r;
        } else if (c->bw_max[1] == c->bw_max[0] && r - c->bw_round[1] > BW_WINDOW_ROUNDS / 4) {
            c->bw_max[1] = c->bw_max[2] = rate;
            c->bw_round[1] = c->bw_round[2] = r;
        } else if (c->bw_max[2] == c->bw_max[1] && r - c->bw_round[2] > BW_WINDOW_ROUNDS / 2) {
            c->bw_max[2] = rate;
            c->bw_round[2] = r;
        }
    }
    c->bw = c->bw_max[0];
}

static void enter_probe_bw(tern_cc *c, int64_t now)
{
    c->mode = TERN_CC_PROBE_BW;
    c->cwnd_gain = CWND_GAIN;
    /* Start at a pseudo-random phase other than the draining one, so that
     * flows sharing a bottleneck do not probe in lockstep. Deterministic,
     * so simulations replay bit for bit. */
    uint64_t h = (c->delivered ^ (uint64_t)now) * 0x9e3779b97f4a7c15ull;
    uint8_t idx = (uint8_t)((h >> 33) % 7);
    if (idx >= 1) idx++;
    c->cycle_index = idx;
    c->cycle_stamp = now;
    c->pacing_gain = cycle_gain[idx];
}

static void update_state(tern_cc *c, int64_t now, uint64_t inflight)
{
    /* startup: the pipe is full when bandwidth stops growing 25 % a round,
     * or when a startup round loses more than a few percent */
    if (c->round_start && !c->filled_pipe) {
        if (!c->rs_app_limited) {
            if (c->bw >= c->full_bw + c->full_bw / 4) {
                c->full_bw = c->bw;
                c->full_bw_count = 0;
            } else if (++c->full_bw_count >= 3) {
                c->filled_pipe = true;
            }
        }
    }
    if (c->mode == TERN_CC_STARTUP && c->filled_pipe) {
        c->mode = TERN_CC_DRAIN;
        c->pacing_gain = DRAIN_GAIN;
        c->cwnd_gain = HIGH_GAIN;
    }
    if (c->mode == TERN_CC_DRAIN && inflight <= bdp(c, GAIN_UNIT)) enter_probe_bw(c, now);

    if (c->mode == TERN_CC_PROBE_BW && c->min_rtt != INT64_MAX) {
        bool full = now - c->cycle_stamp > c->min_rtt;
        bool next;
        if (c->pacing_gain > GAIN_UNIT)
            next = full && (c->rs_newly_lost > 0 || inflight >= bdp(c, c->pacing_gain));
        else if (c->pacing_gain < GAIN_UNIT)
            next = full || inflight <= bdp(c, GAIN_UNIT);
        else
            next = full;
        if (next) {
            c->cycle_index = (uint8_t)((c->cycle_index + 1) & 7);
            c->cycle_stamp = now;
            c->pacing_gain = cycle_gain[c->cycle_index];
        }
    }
}

static void update_probe_rtt(tern_cc *c, int64_t now, uint64_t inflight, bool expired)
{
    if (c->mode != TERN_CC_PROBE_RTT && expired && c->app_limited == 0) {
        c->mode = TERN_CC_PROBE_RTT;
        c->pacing_gain = GAIN_UNIT;
        c->prior_cwnd = c->cwnd > c->prior_cwnd ? c->cwnd : c->prior_cwnd;
        c->probe_rtt_done = 0;
    }
    if (c->mode != TERN_CC_PROBE_RTT) return;
    if (c->probe_rtt_done == 0 && inflight <= (uint64_t)MIN_CWND_PKTS * c->mss) {
        c->probe_rtt_done = now + PROBE_RTT_TIME;
        c->probe_rtt_round_done = false;
        c->next_round_delivered = c->delivered;
    } else if (c->probe_rtt_done != 0) {
        if (c->round_start) c->probe_rtt_round_done = true;
        if (c->probe_rtt_round_done && now >= c->probe_rtt_done) {
            c->min_rtt_stamp = now;
            if (c->prior_cwnd > c->cwnd) c->cwnd = c->prior_cwnd;
            c->prior_cwnd = 0;
            if (c->filled_pipe) {
                enter_probe_bw(c, now);
            } else {
                c->mode = TERN_CC_STARTUP;
                c->pacing_gain = c->cwnd_gain = HIGH_GAIN;
            }
        }
    }
}

static void set_pacing_rate(tern_cc *c)
{
    if (c->bw == 0) return;
    uint32_t gain = c->pacing_gain;
    /* Cruising (not probing): leave the headroom the queue signal asked for. */
    if (c->mode == TERN_CC_PROBE_BW && gain == GAIN_UNIT) gain = c->pace_adj;
    uint64_t rate = (uint64_t)((__uint128_t)c->bw * gain / GAIN_UNIT);
    if (c->filled_pipe || rate > c->pacing_rate) c->pacing_rate = rate;
    clamp_rate(c);
}

static void set_cwnd(tern_cc *c, uint64_t acked)
{
    uint32_t gain =
        c->mode == TERN_CC_PROBE_BW && c->cwnd_adj < c->cwnd_gain ? c->cwnd_adj : c->cwnd_gain;
    /* Room for three packets beyond the model, for ack aggregation; it
     * shrinks with the headroom, or at tiny BDPs the spare packets of a few
     * flows alone would be a standing queue. */
    uint64_t quanta = 3ull * c->mss * gain / CWND_GAIN;
    if (quanta < c->mss) quanta = c->mss;
    uint64_t target = bdp(c, gain) + quanta;
    uint64_t floor = (uint64_t)MIN_CWND_PKTS * c->mss;
    /* A configured minimum rate must not be throttled by the window. */
    if (c->rate_min > 0 && c->min_rtt != INT64_MAX) {
        int64_t rtt = c->min_rtt > 1000 ? c->min_rtt : 1000;
        uint64_t need =
            (uint64_t)((__uint128_t)(uint64_t)c->rate_min * (uint64_t)rtt * 2 / 1000000u);
        if (target < need) target = need;
    }
    if (c->filled_pipe) {
        c->cwnd = c->cwnd + acked < target ? c->cwnd + acked : target;
    } else if (c->cwnd < target || c->delivered < (uint64_t)INIT_CWND_PKTS * c->mss) {
        c->cwnd += acked;
    }
    if (c->cwnd < floor) c->cwnd = floor;
    if (c->mode == TERN_CC_PROBE_RTT && c->cwnd > floor) c->cwnd = floor;
}

void tern_cc_ack_end(tern_cc *c, int64_t now, int64_t rtt_sample, uint64_t bytes_in_flight)
{
    if (c->app_limited && c->delivered > c->app_limited) c->app_limited = 0;

    c->round_start = false;
    if (c->rs_valid && c->rs_prior_delivered >= c->next_round_delivered) {
        c->next_round_delivered = c->delivered;
        c->round_count++;
        c->round_start = true;
    }

    /* min RTT over a 10 s window */
    bool expired = now - c->min_rtt_stamp > MIN_RTT_WINDOW;
    if (rtt_sample >= 0 && (rtt_sample <= c->min_rtt || expired)) {
        c->min_rtt = rtt_sample > 0 ? rtt_sample : 1;
        c->min_rtt_stamp = now;
    }

    /* delivery rate sample */
    if (c->rs_valid) {
        int64_t interval =
            c->rs_send_elapsed > c->rs_ack_elapsed ? c->rs_send_elapsed : c->rs_ack_elapsed;
        uint64_t dlv = c->delivered - c->rs_prior_delivered;
        /* An interval shorter than the minimum RTT is a compressed burst of
         * acks; it would overstate the rate. */
        if (interval > 0 && (c->min_rtt == INT64_MAX || interval >= c->min_rtt)) {
            uint64_t rate = (uint64_t)((__uint128_t)dlv * 1000000u / (uint64_t)interval);
            if (rate >= c->bw || !c->rs_app_limited) bw_filter_update(c, rate);
        }
    }

    if (rtt_sample >= 0 && rtt_sample < c->round_min_rtt) c->round_min_rtt = rtt_sample;
    if (c->round_start) {
        /* Pacing at the estimated bandwidth should leave no queue, but
         * several flows sharing a bottleneck each pace at their own
         * (noisy, probe-inflated) estimate, together a little above
         * capacity, until their windows stop them: 2 x BDP in flight, a
         * full BDP of standing queue (BBRv1's known weakness). A queue that
         * outlives whole rounds, drain phases included, is that signal:
         * shrink the in-flight headroom multiplicatively while it lasts,
         * regrow it slowly when it is gone. Flows sharing the queue all see
         * it, so they shrink alike and stay fair. */
        if (c->mode == TERN_CC_PROBE_BW && c->round_min_rtt != INT64_MAX &&
            c->min_rtt != INT64_MAX) {
            int64_t allowed = c->min_rtt / 2 > QUEUE_FLOOR_US ? c->min_rtt / 2 : QUEUE_FLOOR_US;
            /* The minimum may come from a small packet; a full one also
             * spends its own transmission time at the bottleneck (1 ms at
             * 10 Mbit/s), which is no queue. */
            if (c->bw) allowed += (int64_t)((uint64_t)c->mss * 1000000u / c->bw);
            if (c->round_min_rtt - c->min_rtt > allowed) {
                if (++c->queue_rounds >= QUEUE_ROUNDS) {
                    c->cwnd_adj -= c->cwnd_adj / 8;
                    if (c->cwnd_adj < CWND_ADJ_MIN) c->cwnd_adj = CWND_ADJ_MIN;
                    c->pace_adj -= c->pace_adj / 16;
                    if (c->pace_adj < PACE_ADJ_MIN) c->pace_adj = PACE_ADJ_MIN;
                    c->queue_rounds = 0;
                }
            } else {
                c->queue_rounds = 0;
                c->cwnd_adj += 8;
                if (c->cwnd_adj > CWND_GAIN) c->cwnd_adj = CWND_GAIN;
                c->pace_adj += 2;
                if (c->pace_adj > GAIN_UNIT) c->pace_adj = GAIN_UNIT;
            }
        }
        c->round_min_rtt = INT64_MAX;
        uint64_t total = c->round_delivered + c->round_lost;
        if (!c->filled_pipe && c->round_lost >= 3ull * c->mss &&
            c->round_lost * 100 > total * STARTUP_LOSS_PCT)
            c->filled_pipe = true;
        c->round_delivered = c->round_lost = 0;
    }

    update_state(c, now, bytes_in_flight);
    update_probe_rtt(c, now, bytes_in_flight, expired);
    set_pacing_rate(c);
    set_cwnd(c, c->rs_newly_acked);
}

void tern_cc_on_rto(tern_cc *c, int64_t now)
{
    (void)now;
    if (c->cwnd > c->prior_cwnd) c->prior_cwnd = c->cwnd;
    c->cwnd = (uint64_t)MIN_CWND_PKTS * c->mss;
}
