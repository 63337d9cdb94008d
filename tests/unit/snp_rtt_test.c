/* The RTT estimator: RFC 6298 smoothing (1/8, 1/4), a minimum, jitter, and
 * the retransmission timeout before and after samples. */
#include "snp/rtt.h"
#include "testutil.h"

static void test_initial(void **state)
{
    (void)state;
    tern_rtt r;
    tern_rtt_init(&r);
    assert_false(tern_rtt_known(&r));
    assert_int_equal(r.samples, 0);
    assert_true(r.min == INT64_MAX);
    assert_true(r.max_jitter == -1);
    /* 1 s before any sample, whatever the peer's ack delay */
    assert_true(tern_rtt_rto(&r, 0) == 1000000);
    assert_true(tern_rtt_rto(&r, 50000) == 1000000);
}

static void test_first_sample(void **state)
{
    (void)state;
    tern_rtt r;
    tern_rtt_init(&r);
    tern_rtt_sample(&r, 100000);
    assert_true(tern_rtt_known(&r));
    assert_true(r.latest == 100000);
    assert_true(r.smoothed == 100000);
    assert_true(r.var == 50000); /* RFC 6298: RTTVAR = R/2 */
    assert_true(r.min == 100000);
    assert_true(r.max_jitter == -1); /* nothing to deviate from yet */
    /* smoothed + 4 x var + the peer's ack delay */
    assert_true(tern_rtt_rto(&r, 0) == 300000);
    assert_true(tern_rtt_rto(&r, 50000) == 350000);
}

static void test_smoothing(void **state)
{
    (void)state;
    tern_rtt r;
    tern_rtt_init(&r);
    tern_rtt_sample(&r, 100000);
    tern_rtt_sample(&r, 20000);
    /* var = (3 x 50000 + 80000) / 4, smoothed = (7 x 100000 + 20000) / 8 */
    assert_true(r.var == 57500);
    assert_true(r.smoothed == 90000);
    assert_true(r.latest == 20000);
    assert_true(r.min == 20000);
    assert_true(r.max_jitter == 80000);
    assert_int_equal(r.samples, 2);
    tern_rtt_sample(&r, 130000);
    assert_true(r.var == (3 * 57500 + 40000) / 4);
    assert_true(r.smoothed == (7 * 90000 + 130000) / 8);
    assert_true(r.min == 20000);        /* min never rises */
    assert_true(r.max_jitter == 80000); /* 40000 is below the max so far */
}

static void test_converges(void **state)
{
    (void)state;
    tern_rtt r;
    tern_rtt_init(&r);
    tern_rtt_sample(&r, 200000);
    for (int i = 0; i < 200; i++) tern_rtt_sample(&r, 50000);
    /* integer smoothing may stop a few usec short; never on the far side */
    assert_true(r.smoothed >= 50000 && r.smoothed < 50008);
    assert_true(r.var < 8);
    assert_true(r.min == 50000);
    /* the deviation term never drops below the 1 ms timer granularity */
    assert_true(tern_rtt_rto(&r, 0) == r.smoothed + 1000);
    assert_true(tern_rtt_rto(&r, 50000) == r.smoothed + 51000);
}

static void test_negative_clamped(void **state)
{
    (void)state;
    tern_rtt r;
    tern_rtt_init(&r);
    tern_rtt_sample(&r, -5000);
    assert_true(r.latest == 0);
    assert_true(r.smoothed == 0);
    assert_true(r.var == 0);
    assert_true(r.min == 0);
    assert_true(tern_rtt_rto(&r, 0) == 1000);
    tern_rtt_init(&r);
    tern_rtt_sample(&r, 8000);
    tern_rtt_sample(&r, INT64_MIN);
    assert_true(r.latest == 0);
    assert_true(r.min == 0);
    assert_true(r.smoothed == 7000); /* (7 x 8000 + 0) / 8 */
    assert_true(r.max_jitter == 8000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initial),          cmocka_unit_test(test_first_sample),
        cmocka_unit_test(test_smoothing),        cmocka_unit_test(test_converges),
        cmocka_unit_test(test_negative_clamped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
