/* The inline stats blob, CMsgSteamSockets_UDP_Stats (WIRE.md §7.1). */
#include "testutil.h"

#include <string.h>

#include "fuzz/pbgen.h"
#include "wire/stats.h"

static uint8_t arena_buf[TERN_PB_ARENA_FOR_DATAGRAM];

/* The keepalive blob GNS sends: flags = ACK_REQUEST_E2E. */
static void test_keepalive_blob(void **state)
{
    (void)state;
    uint8_t in[2] = {0x18, 0x02}, out[16];
    tern_arena a;
    tern_arena_init(&a, arena_buf, sizeof arena_buf);
    Tern__UdpStats *s;
    assert_int_equal(tern_stats_decode(in, 2, &a, &s), TERN_OK);
    assert_null(s->stats);
    assert_true(s->has_flags && s->flags == TERN_STATS_ACK_REQUEST_E2E);
    assert_true(tern_stats_is_ack_request(s));
    assert_int_equal(tern_stats_effective_flags(s), 2);
    assert_ptr_equal(tern_stats_encode(out, out + sizeof out, s), out + 2);
    assert_memory_equal(out, in, 2);

    /* Built the way a sender would. */
    Tern__UdpStats k = TERN__UDP_STATS__INIT;
    tern_stats_set_flags(&k, TERN_STATS_ACK_REQUEST_E2E);
    assert_ptr_equal(tern_stats_encode(out, out + sizeof out, &k), out + 2);
    assert_memory_equal(out, in, 2);
    assert_null(tern_stats_encode(out, out + 1, &k));
    /* Urgent ping: 2 | 4 = 18 06. */
    tern_stats_set_flags(&k, TERN_STATS_ACK_REQUEST_E2E | TERN_STATS_ACK_REQUEST_IMMEDIATE);
    assert_ptr_equal(tern_stats_encode(out, out + sizeof out, &k), out + 2);
    assert_int_equal(out[0], 0x18);
    assert_int_equal(out[1], 0x06);
}

static void test_flag_values(void **state)
{
    (void)state;
    assert_int_equal(TERN_STATS_ACK_REQUEST_E2E, 2);
    assert_int_equal(TERN_STATS_ACK_REQUEST_IMMEDIATE, 4);
    assert_int_equal(TERN_STATS_NOT_PRIMARY_TRANSPORT_E2E, 16);
}

/* §7.1: |stats| present implies ACK_REQUEST_E2E, and GNS then omits |flags|. */
static void test_implied_flag(void **state)
{
    (void)state;
    tern_arena a;
    tern_arena_init(&a, arena_buf, sizeof arena_buf);
    Tern__UdpStats *s;
    uint8_t in[32], out[64];
    /* stats { instantaneous { ping_ms: 25 } }, no flags */
    size_t n = tt_hex("0a 04 0a 02 28 19", in, sizeof in);
    assert_int_equal(tern_stats_decode(in, n, &a, &s), TERN_OK);
    assert_non_null(s->stats);
    assert_non_null(s->stats->instantaneous);
    assert_null(s->stats->lifetime);
    assert_true(s->stats->instantaneous->has_ping_ms);
    assert_int_equal(s->stats->instantaneous->ping_ms, 25);
    assert_false(s->has_flags);
    assert_true(tern_stats_is_ack_request(s));
    assert_int_equal(tern_stats_effective_flags(s), TERN_STATS_ACK_REQUEST_E2E);
    assert_ptr_equal(tern_stats_encode(out, out + sizeof out, s), out + n);
    assert_memory_equal(out, in, n);

    /* Even an empty |stats| counts. */
    n = tt_hex("0a 00", in, sizeof in);
    assert_int_equal(tern_stats_decode(in, n, &a, &s), TERN_OK);
    assert_true(tern_stats_is_ack_request(s));

    /* No stats, no flags, or only other flags: not an ack request. */
    assert_int_equal(tern_stats_decode(in, 0, &a, &s), TERN_OK);
    assert_false(tern_stats_is_ack_request(s));
    n = tt_hex("18 10", in, sizeof in);
    assert_int_equal(tern_stats_decode(in, n, &a, &s), TERN_OK);
    assert_false(tern_stats_is_ack_request(s));
    assert_int_equal(tern_stats_effective_flags(s), TERN_STATS_NOT_PRIMARY_TRANSPORT_E2E);

    /* The sender helper leaves flags out when they are all implied. */
    Tern__UdpStats b = TERN__UDP_STATS__INIT;
    Tern__ConnectionQuality q = TERN__CONNECTION_QUALITY__INIT;
    b.stats = &q;
    tern_stats_set_flags(&b, TERN_STATS_ACK_REQUEST_E2E);
    assert_false(b.has_flags);
    assert_ptr_equal(tern_stats_encode(out, out + sizeof out, &b), out + 2);
    tern_stats_set_flags(&b, TERN_STATS_ACK_REQUEST_E2E | TERN_STATS_ACK_REQUEST_IMMEDIATE);
    assert_true(b.has_flags);
    assert_int_equal(b.flags, 6);
    tern_stats_set_flags(&b, 0);
    assert_false(b.has_flags);
}

/* Every field number and wire type of the nested messages, checked by
 * encoding a full blob and comparing against hand-assembled bytes. */
static void test_full_blob_layout(void **state)
{
    (void)state;
    Tern__InstantaneousStats is = TERN__INSTANTANEOUS_STATS__INIT;
    is.has_out_packets_per_sec_x10 = 1, is.out_packets_per_sec_x10 = 1;
    is.has_out_bytes_per_sec = 1, is.out_bytes_per_sec = 2;
    is.has_in_packets_per_sec_x10 = 1, is.in_packets_per_sec_x10 = 3;
    is.has_in_bytes_per_sec = 1, is.in_bytes_per_sec = 4;
    is.has_ping_ms = 1, is.ping_ms = 5;
    is.has_packets_dropped_pct = 1, is.packets_dropped_pct = 6;
    is.has_packets_weird_sequence_pct = 1, is.packets_weird_sequence_pct = 7;
    is.has_peak_jitter_usec = 1, is.peak_jitter_usec = 300; /* ac 02 */
    Tern__LifetimeStats ls = TERN__LIFETIME_STATS__INIT;
    ls.has_connected_seconds = 1, ls.connected_seconds = 2;
    ls.has_packets_sent = 1, ls.packets_sent = 1ull << 35; /* 80 80 80 80 80 01 */
    ls.has_packets_recv_out_of_order_corrected = 1, ls.packets_recv_out_of_order_corrected = 15;
    uint64_t mp[2] = {12, 13};
    ls.n_multipath_packets_recv_sequenced = 2, ls.multipath_packets_recv_sequenced = mp;
    ls.has_multipath_send_enabled = 1, ls.multipath_send_enabled = 1;
    ls.has_quality_histogram_100 = 1, ls.quality_histogram_100 = 21;
    ls.has_quality_ntile_50th = 1, ls.quality_ntile_50th = 33;
    ls.has_ping_histogram_25 = 1, ls.ping_histogram_25 = 41;
    ls.has_ping_ntile_98th = 1, ls.ping_ntile_98th = 54;
    ls.has_jitter_histogram_negligible = 1, ls.jitter_histogram_negligible = 61;
    ls.has_jitter_histogram_20 = 1, ls.jitter_histogram_20 = 66;
    Tern__ConnectionQuality q = TERN__CONNECTION_QUALITY__INIT;
    q.instantaneous = &is;
    q.lifetime = &ls;
    Tern__UdpStats s = TERN__UDP_STATS__INIT;
    s.stats = &q;
    tern_stats_set_flags(&s, TERN_STATS_ACK_REQUEST_E2E | TERN_STATS_ACK_REQUEST_IMMEDIATE);

    uint8_t inst[64], life[128], qb[256], exp[256], out[256];
    size_t ni = tt_hex("0801 1002 1803 2004 2805 3006 3807 40ac02", inst, sizeof inst);
    /* tags: 2 → 10, 3 → 18, 12 → 60 (unpacked, one tag each), 14 → 70, 15 → 78,
     * 21 → a8 01, 33 → 88 02, 41 → c8 02, 54 → b0 03, 61 → e8 03, 66 → 90 04 */
    size_t nl = tt_hex("1002 18808080808001 600c 600d 7001 780f a80115 880221 c80229 b00336"
                       "e8033d 900442",
                       life, sizeof life);
    size_t nq = 0;
    qb[nq++] = 0x0a, qb[nq++] = (uint8_t)ni;
    memcpy(qb + nq, inst, ni), nq += ni;
    qb[nq++] = 0x12, qb[nq++] = (uint8_t)nl;
    memcpy(qb + nq, life, nl), nq += nl;
    size_t ne = 0;
    exp[ne++] = 0x0a, exp[ne++] = (uint8_t)nq;
    memcpy(exp + ne, qb, nq), ne += nq;
    exp[ne++] = 0x18, exp[ne++] = 0x06;

    uint8_t *e = tern_stats_encode(out, out + sizeof out, &s);
    assert_non_null(e);
    assert_int_equal(e - out, ne);
    assert_memory_equal(out, exp, ne);
    tern_arena a;
    tern_arena_init(&a, arena_buf, sizeof arena_buf);
    Tern__UdpStats *d;
    assert_int_equal(tern_stats_decode(exp, ne, &a, &d), TERN_OK);
    assert_true(pbgen_equal(&s.base, &d->base));
    assert_int_equal(tern_stats_effective_flags(d), 6);
    for (size_t cap = 0; cap < ne; cap++) assert_null(tern_stats_encode(out, out + cap, &s));
}

static void test_random_roundtrip(void **state)
{
    (void)state;
    static uint8_t gen_buf[1 << 16], src_bytes[2048], out[8192];
    tern_arena ga, a;
    tern_arena_init(&a, arena_buf, sizeof arena_buf);
    tt_rng rng;
    tt_rng_seed(&rng, 0x57a7);
    for (unsigned i = 0; i < tt_seeds(3000); i++) {
        tt_rng_bytes(&rng, src_bytes, sizeof src_bytes);
        pbgen_src src = {src_bytes, sizeof src_bytes, 0};
        tern_arena_init(&ga, gen_buf, sizeof gen_buf);
        Tern__UdpStats *s =
            (Tern__UdpStats *)pbgen_message(&tern__udp_stats__descriptor, &src, &ga, 0);
        assert_non_null(s);
        uint8_t *e = tern_stats_encode(out, out + sizeof out, s);
        assert_non_null(e);
        tern_arena_reset(&a);
        Tern__UdpStats *d;
        assert_int_equal(tern_stats_decode(out, (size_t)(e - out), &a, &d), TERN_OK);
        assert_true(pbgen_equal(&s->base, &d->base));
        assert_int_equal(tern_stats_effective_flags(d), tern_stats_effective_flags(s));
        assert_int_equal(tern_stats_is_ack_request(d),
                         (s->has_flags && (s->flags & 2)) || s->stats != NULL);
    }
}

static void test_truncate_and_flip(void **state)
{
    (void)state;
    static const char *const vecs[] = {
        "18 02",
        "0a 04 0a 02 28 19",
        ("0a 2b 0a 09 0801 1002 2805 40ac02 12 1e 1002 18808080808001 600c 600d 780f a80115 "
         "880221 c80229 b00336 900442 18 06"),
    };
    tern_arena a;
    tern_arena_init(&a, arena_buf, sizeof arena_buf);
    for (size_t v = 0; v < sizeof vecs / sizeof vecs[0]; v++) {
        uint8_t in[128], c[128], out[512];
        size_t n = tt_hex(vecs[v], in, sizeof in);
        Tern__UdpStats *s, *s2;
        assert_int_equal(tern_stats_decode(in, n, &a, &s), TERN_OK);
        for (size_t k = 0; k <= 4 * n; k++) {
            size_t len = k <= n ? k : n;
            memcpy(c, in, len);
            if (k > n) c[(k - n - 1) / 3] ^= (uint8_t[]){0x01, 0x80, 0xff}[(k - n - 1) % 3];
            tern_arena_reset(&a);
            tern_result r = tern_stats_decode(c, len, &a, &s);
            if (r != TERN_OK) {
                assert_int_equal(r, TERN_MALFORMED);
                continue;
            }
            uint8_t *e = tern_stats_encode(out, out + sizeof out, s);
            assert_non_null(e);
            assert_int_equal(tern_stats_decode(out, (size_t)(e - out), &a, &s2), TERN_OK);
            assert_true(pbgen_equal(&s->base, &s2->base));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keepalive_blob),   cmocka_unit_test(test_flag_values),
        cmocka_unit_test(test_implied_flag),     cmocka_unit_test(test_full_blob_layout),
        cmocka_unit_test(test_random_roundtrip), cmocka_unit_test(test_truncate_and_flip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
