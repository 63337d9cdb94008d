/* The congestion controller and pacer, driven through tern_cc_* with explicit
 * times: the initial window and rate, the token bucket, startup growth, the
 * bandwidth model on a simulated bottleneck, the startup exit rule, rate
 * bounds, the retransmission timeout and application-limited samples. */
#include <stdlib.h>
#include <string.h>

#include "snp/cc.h"
#include "testutil.h"

#define MSS    1300u
#define RTT_US 100000

/* One synthetic ack that makes a delivery-rate sample of exactly |rate|
 * bytes/s over one RTT and starts a new round: the acked packet left when
 * the connection had delivered everything delivered so far. */
static void round_sample(tern_cc *c, int64_t now, uint64_t rate, bool app_limited,
                         uint64_t inflight)
{
    tern_cc_sample_state st = {
        .delivered = c->delivered,
        .delivered_time = now - RTT_US,
        .first_sent_time = now - RTT_US,
        .app_limited = app_limited,
    };
    uint32_t bytes = (uint32_t)(rate * RTT_US / 1000000);
    tern_cc_ack_begin(c);
    tern_cc_on_acked(c, now, now - RTT_US, bytes, &st);
    tern_cc_ack_end(c, now, -1, inflight);
    assert_true(c->round_start);
}

static void test_initial(void **state)
{
    (void)state;
    tern_cc c;
    /* no RTT known: ten packets, paced at 2.885 x (10 packets per ms) */
    tern_cc_init(&c, MSS, 0, 0, 0, 0);
    assert_int_equal(c.mode, TERN_CC_STARTUP);
    assert_true(c.cwnd == 10 * MSS);
    assert_true(c.pacing_rate == 10ull * MSS * 739 / 256 * 1000000 / 1000);
    assert_true(c.min_rtt == INT64_MAX);
    assert_true(c.bw == 0);
    /* two packets may leave at once */
    assert_true(c.tokens == 2 * MSS);

    /* a handshake RTT sets the denominator */
    tern_cc_init(&c, MSS, 0, 0, RTT_US, 0);
    assert_true(c.min_rtt == RTT_US);
    assert_true(c.cwnd == 10 * MSS);
    assert_true(c.pacing_rate == 10ull * MSS * 739 / 256 * 1000000 / RTT_US);
    /* below 1 ms counts as 1 ms */
    tern_cc_init(&c, MSS, 0, 0, 10, 0);
    assert_true(c.pacing_rate == 10ull * MSS * 739 / 256 * 1000000 / 1000);
    assert_true(c.min_rtt == 10);

    /* a later hint lowers min RTT and, with no bandwidth sample yet, re-derives the rate */
    tern_cc_init(&c, MSS, 0, 0, 0, 0);
    tern_cc_rtt_hint(&c, 5, 50000);
    assert_true(c.min_rtt == 50000);
    assert_true(c.pacing_rate == 10ull * MSS * 739 / 256 * 1000000 / 50000);
    tern_cc_rtt_hint(&c, 6, 80000); /* higher: min RTT stays */
    assert_true(c.min_rtt == 50000);
}

/* Send back to back at |now| until the pacer says no; returns the count. */
static int drain_bucket(tern_cc *c, int64_t now)
{
    int n = 0;
    while (tern_cc_can_send(c, now, 0)) {
        tern_cc_on_send_nondata(c, now, MSS);
        n++;
        assert_true(n < 1000);
    }
    return n;
}

static void test_pacing_bucket(void **state)
{
    (void)state;
    tern_cc c;
    tern_cc_init(&c, MSS, 0, 0, 0, 0);
    /* 1 byte per usec makes every token exact */
    tern_cc_set_rate_bounds(&c, 1000000, 1000000);
    assert_true(c.pacing_rate == 1000000);

    /* After a long idle the bucket holds one burst (2 packets at this rate),
     * and a packet may go whenever the bucket is not negative. */
    int64_t t0 = 10000000;
    assert_int_equal(drain_bucket(&c, t0), 3);
    assert_true(c.tokens == -(int64_t)MSS);
    int64_t next = tern_cc_next_send_time(&c, t0);
    assert_true(next >= t0 + MSS && next <= t0 + MSS + 1);
    assert_false(tern_cc_can_send(&c, t0 + MSS - 1, 0));
    assert_true(tern_cc_can_send(&c, next, 0));
    assert_true(tern_cc_next_send_time(&c, next) == next);
    tern_cc_on_send_nondata(&c, next, MSS);

    /* The window overrides the pacer. */
    assert_false(tern_cc_can_send(&c, t0 + 5000000, c.cwnd));

    /* Burst = max(2 packets, 1 ms of data), at most 64 packets. */
    tern_cc_set_rate_bounds(&c, 10000000, 10000000);
    assert_int_equal(drain_bucket(&c, 2 * t0), 8); /* 10000 bytes: 7.7 packets, then one more */
    tern_cc_set_rate_bounds(&c, 200000000, 200000000);
    assert_int_equal(drain_bucket(&c, 3 * t0), 65);
}

/* Over a long run a sender that always waits for the pacer gets the rate,
 * give or take one burst. */
static void check_long_run(int64_t rate)
{
    tern_cc c;
    tern_cc_init(&c, MSS, 0, 0, 0, 0);
    tern_cc_set_rate_bounds(&c, rate, rate);
    int64_t t = 1000000, start = t, dur = 3000000;
    uint64_t bytes = 0;
    for (;;) {
        int64_t n = tern_cc_next_send_time(&c, t);
        assert_true(n >= t);
        t = n;
        if (t >= start + dur) break;
        assert_true(tern_cc_can_send(&c, t, 0));
        tern_cc_on_send_nondata(&c, t, MSS);
        bytes += MSS;
    }
    uint64_t want = (uint64_t)rate * (uint64_t)dur / 1000000;
    uint64_t burst = (uint64_t)rate / 1000 > 2 * MSS ? (uint64_t)rate / 1000 : 2 * MSS;
    assert_true(bytes + MSS >= want);
    assert_true(bytes <= want + burst + MSS);
}

static void test_pacing_rate_respected(void **state)
{
    (void)state;
    check_long_run(1000000);
    check_long_run(333333); /* fractional tokens per usec */
    check_long_run(25000000);
    check_long_run(1000);
}

static void ack_all(tern_cc *c, int64_t now, int64_t *sent, tern_cc_sample_state *st, int n,
                    uint64_t *inflight)
{
    tern_cc_ack_begin(c);
    for (int i = 0; i < n; i++) {
        tern_cc_on_acked(c, now, sent[i], MSS, &st[i]);
        *inflight -= MSS;
    }
    tern_cc_ack_end(c, now, RTT_US, *inflight);
}

static void test_startup_grows(void **state)
{
    (void)state;
    tern_cc c;
    tern_cc_init(&c, MSS, 0, 0, RTT_US, 0);
    enum { MAXP = 2048 };
    static int64_t sent[MAXP];
    static tern_cc_sample_state st[MAXP];
    int64_t t = 0;
    uint64_t inflight = 0, prev_bw = 0;
    for (int round = 0; round < 6; round++) {
        uint64_t cwnd = c.cwnd;
        int n = (int)(cwnd / MSS);
        assert_true(n <= MAXP);
        for (int i = 0; i < n; i++) {
            tern_cc_on_send(&c, t, MSS, inflight, false, &st[i]);
            sent[i] = t;
            inflight += MSS;
        }
        t += RTT_US;
        ack_all(&c, t, sent, st, n, &inflight);
        /* a whole window acked in one RTT: the window grows by what was
         * acked, doubling every round, and the model sees that rate */
        assert_true(c.cwnd == 2 * cwnd);
        assert_true(c.bw == (uint64_t)n * MSS * 1000000 / RTT_US);
        assert_true(c.bw > prev_bw);
        assert_true(c.pacing_rate >= c.bw * 2);
        assert_int_equal(c.mode, TERN_CC_STARTUP);
        prev_bw = c.bw;
    }
    assert_true(c.round_count == 6);
}

/* A FIFO bottleneck of |rate| bytes/s and a fixed |rtt|, each packet acked on
 * its own. Returns the controller after |dur| usec of a saturating sender. */
static void run_bottleneck(tern_cc *c, uint64_t rate, int64_t rtt, int64_t dur)
{
    enum { MAXP = 1 << 16 };
    typedef struct pkt {
        int64_t sent, ack_at;
        tern_cc_sample_state st;
    } pkt;
    pkt *q = calloc(MAXP, sizeof *q);
    assert_non_null(q);
    size_t head = 0, tail = 0;
    uint64_t inflight = 0;
    int64_t link_free = 0, t = 0;
    int64_t ser = (int64_t)((uint64_t)MSS * 1000000 / rate);
    tern_cc_init(c, MSS, 0, 0, 0, 0);
    while (t < dur) {
        while (head < tail && q[head % MAXP].ack_at <= t) {
            pkt *p = &q[head++ % MAXP];
            inflight -= MSS;
            tern_cc_ack_begin(c);
            tern_cc_on_acked(c, p->ack_at, p->sent, MSS, &p->st);
            tern_cc_ack_end(c, p->ack_at, p->ack_at - p->sent, inflight);
        }
        while (tern_cc_can_send(c, t, inflight)) {
            assert_true(tail - head < MAXP);
            pkt *p = &q[tail++ % MAXP];
            tern_cc_on_send(c, t, MSS, inflight, false, &p->st);
            inflight += MSS;
            p->sent = t;
            link_free = (link_free > t ? link_free : t) + ser;
            p->ack_at = link_free + rtt;
        }
        int64_t next = head < tail ? q[head % MAXP].ack_at : INT64_MAX;
        if (inflight < c->cwnd) {
            int64_t ps = tern_cc_next_send_time(c, t);
            if (ps < next) next = ps;
        }
        assert_true(next > t && next != INT64_MAX);
        t = next;
    }
    free(q);
}

static void test_bw_converges(void **state)
{
    (void)state;
    static const struct {
        uint64_t rate;
        int64_t rtt;
    } paths[] = {{1250000, 20000}, {250000, 100000}, {12500000, 5000}};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        tern_cc c;
        run_bottleneck(&c, paths[i].rate, paths[i].rtt, 4000000);
        /* the model found the bottleneck and the path's base RTT */
        assert_true(c.filled_pipe);
        assert_true(c.mode == TERN_CC_PROBE_BW || c.mode == TERN_CC_DRAIN);
        assert_true(c.bw * 100 >= paths[i].rate * 95);
        assert_true(c.bw * 100 <= paths[i].rate * 105);
        assert_true(c.min_rtt >= paths[i].rtt);
        assert_true(c.min_rtt <= paths[i].rtt + 2 * (int64_t)(MSS * 1000000 / paths[i].rate));
        /* and it does not overrun the path by much */
        assert_true(c.pacing_rate <= paths[i].rate * 13 / 10);
    }
}

static void test_startup_exit(void **state)
{
    (void)state;
    tern_cc c;
    tern_cc_init(&c, MSS, 0, 0, RTT_US, 0);
    int64_t t = 0;
    uint64_t big = 100000000; /* data in flight: keeps DRAIN observable */
    /* growth of at least 25 % a round keeps startup going */
    round_sample(&c, t += RTT_US, 100000, false, big);
    round_sample(&c, t += RTT_US, 200000, false, big);
    round_sample(&c, t += RTT_US, 400000, false, big);
    /* two rounds below 25 %, then exactly 25 % resets the count */
    round_sample(&c, t += RTT_US, 450000, false, big);
    round_sample(&c, t += RTT_US, 480000, false, big);
    round_sample(&c, t += RTT_US, 500000, false, big);
    assert_int_equal(c.mode, TERN_CC_STARTUP);
    /* application-limited rounds do not count */
    for (int i = 0; i < 5; i++) round_sample(&c, t += RTT_US, 100000, true, big);
    assert_int_equal(c.mode, TERN_CC_STARTUP);
    assert_false(c.filled_pipe);
    /* three rounds without 25 % growth: the pipe is full */
    round_sample(&c, t += RTT_US, 520000, false, big);
    round_sample(&c, t += RTT_US, 560000, false, big);
    assert_int_equal(c.mode, TERN_CC_STARTUP);
    assert_false(c.filled_pipe);
    round_sample(&c, t += RTT_US, 600000, false, big);
    assert_true(c.filled_pipe);
    assert_int_equal(c.mode, TERN_CC_DRAIN);
    /* drain paces below the estimate */
    assert_true(c.pacing_rate < c.bw);
    /* once in flight falls to the model's BDP, cruise */
    round_sample(&c, t += RTT_US, 600000, false, 0);
    assert_int_equal(c.mode, TERN_CC_PROBE_BW);
}

static void test_startup_exit_on_loss(void **state)
{
    (void)state;
    tern_cc c;
    tern_cc_init(&c, MSS, 0, 0, RTT_US, 0);
    int64_t t = 0;
    round_sample(&c, t += RTT_US, 100000, false, 0);
    /* growing bandwidth, but 10 % of the round lost: the buffer overflowed */
    for (int i = 0; i < 5; i++) tern_cc_on_lost(&c, MSS);
    round_sample(&c, t += RTT_US, 600000, false, 1000000);
    assert_true(c.filled_pipe);
    assert_true(c.mode != TERN_CC_STARTUP);
}

static void test_rate_bounds(void **state)
{
    (void)state;
    tern_cc c;
    tern_cc_init(&c, MSS, 0, 50000, 0, 0);
    assert_true(c.pacing_rate == 50000);
    tern_cc_init(&c, MSS, 100000000, 0, 0, 0);
    assert_true(c.pacing_rate == 100000000);

    /* samples far above the ceiling do not lift the rate past it */
    tern_cc_init(&c, MSS, 0, 1000000, RTT_US, 0);
    int64_t t = 0;
    for (int i = 0; i < 6; i++) round_sample(&c, t += RTT_US, 10000000u << i, false, 0);
    assert_true(c.bw >= 10000000);
    assert_true(c.pacing_rate == 1000000);

    /* samples far below the floor do not push the rate under it */
    t = 0;
    tern_cc_init(&c, MSS, 2000000, 0, RTT_US, 0);
    for (int i = 0; i < 6; i++) round_sample(&c, t += RTT_US, 100000, false, 0);
    assert_true(c.filled_pipe);
    assert_true(c.pacing_rate == 2000000);
    /* and the window grows to leave room for that floor, 2 x rate x min
     * RTT, far past the model's 2 x BDP (20 kB here) */
    for (int i = 0; i < 80; i++) round_sample(&c, t += RTT_US, 100000, false, 0);
    assert_true(c.cwnd == 2ull * 2000000 * RTT_US / 1000000);

    /* new bounds apply at once; the pacer never goes below 1000 B/s */
    tern_cc_set_rate_bounds(&c, 0, 20000);
    assert_true(c.pacing_rate == 20000);
    tern_cc_set_rate_bounds(&c, 0, 10);
    assert_true(c.pacing_rate == 1000);
    assert_true(tern_cc_next_send_time(&c, t) >= t);
}

static void test_rto_collapses(void **state)
{
    (void)state;
    tern_cc c;
    tern_cc_init(&c, MSS, 0, 0, RTT_US, 0);
    int64_t t = 0;
    for (int i = 0; i < 4; i++) round_sample(&c, t += RTT_US, 200000u << i, false, 0);
    uint64_t before = c.cwnd;
    assert_true(before > 10 * MSS);
    tern_cc_on_rto(&c, t + 1);
    assert_true(c.cwnd == 4 * MSS);
    assert_true(c.prior_cwnd == before);
    assert_false(tern_cc_can_send(&c, t + 2, 4 * MSS));
    assert_true(tern_cc_can_send(&c, t + 1000000, 3 * MSS));
}

static void test_app_limited_keeps_bw(void **state)
{
    (void)state;
    tern_cc a, b;
    tern_cc_init(&a, MSS, 0, 0, RTT_US, 0);
    int64_t t = 0;
    for (int i = 0; i < 3; i++) round_sample(&a, t += RTT_US, 100000u << i, false, 0);
    assert_true(a.bw == 400000);
    b = a;
    int64_t tb = t;
    /* fifteen rounds (more than the ten-round window) of low samples */
    for (int i = 0; i < 15; i++) {
        round_sample(&a, t += RTT_US, 50000, true, 0);
        round_sample(&b, tb += RTT_US, 50000, false, 0);
    }
    assert_true(a.bw == 400000); /* the sender, not the path, was slow */
    assert_true(b.bw == 50000);  /* the path really slowed down */
    /* an application-limited sample above the estimate still counts */
    round_sample(&a, t += RTT_US, 900000, true, 0);
    assert_true(a.bw == 900000);
}

static void test_app_limited_marking(void **state)
{
    (void)state;
    tern_cc c;
    tern_cc_init(&c, MSS, 0, 0, RTT_US, 0);
    tern_cc_sample_state s1, s2, s3;
    tern_cc_on_send(&c, 0, MSS, 0, true, &s1);
    assert_true(s1.app_limited);
    tern_cc_on_send(&c, 10, MSS, MSS, false, &s2);
    assert_true(s2.app_limited); /* still inside the app-limited stretch */
    tern_cc_ack_begin(&c);
    tern_cc_on_acked(&c, RTT_US, 0, MSS, &s1);
    tern_cc_on_acked(&c, RTT_US, 10, MSS, &s2);
    tern_cc_ack_end(&c, RTT_US, RTT_US, 0);
    /* everything in flight at the mark is delivered: the stretch is over */
    tern_cc_on_send(&c, RTT_US + 1, MSS, 0, false, &s3);
    assert_false(s3.app_limited);
    assert_true(c.app_limited == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initial),
        cmocka_unit_test(test_pacing_bucket),
        cmocka_unit_test(test_pacing_rate_respected),
        cmocka_unit_test(test_startup_grows),
        cmocka_unit_test(test_bw_converges),
        cmocka_unit_test(test_startup_exit),
        cmocka_unit_test(test_startup_exit_on_loss),
        cmocka_unit_test(test_rate_bounds),
        cmocka_unit_test(test_rto_collapses),
        cmocka_unit_test(test_app_limited_keeps_bw),
        cmocka_unit_test(test_app_limited_marking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
