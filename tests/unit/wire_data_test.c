#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "wire/data.h"

static bool hdr_eq(const tern_data_hdr *a, const tern_data_hdr *b)
{
    if (a->flags != b->flags || a->to_conn_id != b->to_conn_id || a->pktnum16 != b->pktnum16)
        return false;
    if ((a->flags & TERN_DATA_FLAG_STATS) &&
        (a->stats_len != b->stats_len ||
         (a->stats_len && memcmp(a->stats, b->stats, a->stats_len) != 0)))
        return false;
    if ((a->flags & TERN_DATA_FLAG_TIMEPREV) && a->timeprev16 != b->timeprev16) return false;
    return true;
}

/* Decode |hex|, check the header ends |payload| bytes before the end, and
 * that re-encoding gives back the header bytes. */
static void check_vector(const char *hex, size_t payload, tern_data_hdr *out)
{
    uint8_t b[256], o[256];
    size_t n = tt_hex(hex, b, sizeof b);
    const uint8_t *p = b;
    assert_int_equal(tern_data_hdr_decode(&p, b + n, out), TERN_OK);
    assert_ptr_equal(p, b + n - payload);
    size_t hl = n - payload;
    assert_int_equal(tern_data_hdr_len(out), hl);
    uint8_t *e = tern_data_hdr_encode(o, o + sizeof o, out);
    assert_ptr_equal(e, o + hl);
    assert_memory_equal(o, b, hl);
    for (size_t room = 0; room < hl; room++) assert_null(tern_data_hdr_encode(o, o + room, out));
}

static void test_plain_header(void **state)
{
    (void)state;
    tern_data_hdr h;
    check_vector("80 88 77 66 55 02 00", 0, &h);
    assert_int_equal(h.flags, 0x80);
    assert_int_equal(h.to_conn_id, 0x55667788);
    assert_int_equal(h.pktnum16, 2);
    assert_null(h.stats);
    assert_int_equal(h.stats_len, 0);
}

static void test_appendix_b_packet(void **state)
{
    (void)state;
    /* The whole UDP payload of Appendix B: the header stops at the ciphertext. */
    tern_data_hdr h;
    check_vector("808877665502004b4cce9ecc12e709aad516bb0aa97ff759d4bcdb49a374ddaf91299222d3c93139",
                 33, &h);
    assert_int_equal(h.to_conn_id, 0x55667788);
    assert_int_equal(h.pktnum16, 2);
}

static void test_stats_and_time(void **state)
{
    (void)state;
    tern_data_hdr h;
    check_vector("81 44 33 22 11 05 00 03 0a 01 00 ee ee", 2, &h);
    assert_int_equal(h.to_conn_id, 0x11223344);
    assert_int_equal(h.pktnum16, 5);
    assert_int_equal(h.stats_len, 3);
    assert_memory_equal(h.stats, "\x0a\x01\x00", 3);

    check_vector("82 44 33 22 11 05 00 34 12 ee", 1, &h);
    assert_int_equal(h.timeprev16, 0x1234);
    assert_null(h.stats);

    /* Stats before the time field; a zero-length blob is allowed. */
    check_vector("83 44 33 22 11 05 00 00 cd ab", 0, &h);
    assert_int_equal(h.stats_len, 0);
    assert_int_equal(h.timeprev16, 0xabcd);
    check_vector("83 44 33 22 11 05 00 02 aa bb cd ab ff", 1, &h);
    assert_int_equal(h.stats_len, 2);
    assert_int_equal(h.timeprev16, 0xabcd);

    /* A two-byte length varint. */
    uint8_t b[200];
    size_t n = tt_hex("81 00 00 00 00 00 00 96 01", b, sizeof b);
    memset(b + n, 0x42, 150);
    const uint8_t *p = b;
    assert_int_equal(tern_data_hdr_decode(&p, b + n + 150, &h), TERN_OK);
    assert_int_equal(h.stats_len, 150);
    assert_ptr_equal(h.stats, b + n);
    assert_ptr_equal(p, b + n + 150);
}

static void test_other_flag_bits(void **state)
{
    (void)state;
    /* Unknown bits are kept in |flags| but announce nothing. */
    tern_data_hdr h;
    uint8_t b[16];
    size_t n = tt_hex("fc 01 00 00 00 07 00 aa", b, sizeof b);
    const uint8_t *p = b;
    assert_int_equal(tern_data_hdr_decode(&p, b + n, &h), TERN_OK);
    assert_int_equal(h.flags, 0xfc);
    assert_ptr_equal(p, b + 7);
    /* The encoder sends them as 0 and forces the data bit. */
    uint8_t o[16];
    h.flags = 0x7d; /* stats + junk, no 0x80 */
    h.stats = b;
    h.stats_len = 1;
    assert_ptr_equal(tern_data_hdr_encode(o, o + sizeof o, &h), o + 9);
    assert_int_equal(o[0], 0x81);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        tern_result r;
    } v[] = {
        {"", TERN_TRUNCATED},
        {"00 88 77 66 55 02 00", TERN_MALFORMED},
        {"7f", TERN_MALFORMED},
        {"80 88 77 66 55 02", TERN_TRUNCATED},
        {"81 88 77 66 55 02 00", TERN_TRUNCATED},
        {"81 88 77 66 55 02 00 80", TERN_TRUNCATED},
        {"81 88 77 66 55 02 00 03 aa bb", TERN_TRUNCATED},
        /* Length must fit GNS's uint32. */
        {"81 88 77 66 55 02 00 80 80 80 80 10", TERN_MALFORMED},
        {"81 88 77 66 55 02 00 80 80 80 80 80 01", TERN_MALFORMED},
        {"82 88 77 66 55 02 00 01", TERN_TRUNCATED},
        {"83 88 77 66 55 02 00 01 aa 01", TERN_TRUNCATED},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t b[32];
        size_t n = tt_hex(v[i].hex, b, sizeof b);
        tern_data_hdr h;
        const uint8_t *p = b;
        assert_int_equal(tern_data_hdr_decode(&p, b + n, &h), v[i].r);
        assert_ptr_equal(p, b);
    }
    /* Encoder refusals. */
    uint8_t o[32];
    tern_data_hdr h = {.flags = TERN_DATA_FLAG_STATS, .stats = NULL, .stats_len = 3};
    assert_null(tern_data_hdr_encode(o, o + sizeof o, &h));
    assert_null(tern_data_hdr_encode(NULL, o + sizeof o, &h));
}

static void test_roundtrip_random(void **state)
{
    (void)state;
    tt_rng r;
    tt_rng_seed(&r, 17);
    static uint8_t blob[400], buf[512];
    tt_rng_bytes(&r, blob, sizeof blob);
    for (unsigned i = 0; i < tt_seeds(20000); i++) {
        tern_data_hdr h = {0}, d;
        h.flags = (uint8_t)(TERN_DATA_FLAG | tt_rng_below(&r, 4));
        h.to_conn_id = (uint32_t)tt_rng_next(&r);
        h.pktnum16 = (uint16_t)tt_rng_next(&r);
        if (h.flags & TERN_DATA_FLAG_STATS) {
            h.stats_len = (size_t)tt_rng_below(&r, sizeof blob + 1);
            h.stats = blob + tt_rng_below(&r, sizeof blob - h.stats_len + 1);
        }
        if (h.flags & TERN_DATA_FLAG_TIMEPREV) h.timeprev16 = (uint16_t)tt_rng_next(&r);
        size_t payload = (size_t)tt_rng_below(&r, 50);
        uint8_t *e = tern_data_hdr_encode(buf, buf + sizeof buf, &h);
        assert_non_null(e);
        assert_int_equal((size_t)(e - buf), tern_data_hdr_len(&h));
        memset(e, 0xa5, payload);
        const uint8_t *p = buf;
        assert_int_equal(tern_data_hdr_decode(&p, e + payload, &d), TERN_OK);
        assert_ptr_equal(p, e);
        assert_true(hdr_eq(&h, &d));
        assert_null(tern_data_hdr_encode(buf, buf + tt_rng_below(&r, (uint64_t)(e - buf)), &h));
    }
}

static const char *const vectors[] = {
    "80 88 77 66 55 02 00",
    "808877665502004b4cce9ecc12e709aad516bb0aa97ff759d4bcdb49a374ddaf91299222d3c93139",
    "81 44 33 22 11 05 00 03 0a 01 00 ee ee",
    "82 44 33 22 11 05 00 34 12 ee",
    "83 44 33 22 11 05 00 02 aa bb cd ab ff",
};

static volatile unsigned sink;

static void decode_checked(const uint8_t *b, size_t n)
{
    tern_data_hdr h;
    const uint8_t *p = b;
    tern_result r = tern_data_hdr_decode(&p, b + n, &h);
    if (r != TERN_OK) {
        assert_true(r == TERN_TRUNCATED || r == TERN_MALFORMED);
        assert_ptr_equal(p, b);
        return;
    }
    assert_true(p >= b + TERN_DATA_HDR_MIN && p <= b + n);
    unsigned s = 0;
    for (size_t i = 0; i < h.stats_len; i++) s += h.stats[i];
    if (h.stats_len) assert_true(h.stats > b && h.stats + h.stats_len <= p);
    sink = s;
}

static void test_vectors_truncated_and_flipped(void **state)
{
    (void)state;
    for (size_t v = 0; v < sizeof vectors / sizeof vectors[0]; v++) {
        uint8_t src[128];
        size_t n = tt_hex(vectors[v], src, sizeof src);
        for (size_t cut = 0; cut <= n; cut++) {
            uint8_t *b = malloc(cut ? cut : 1);
            assert_non_null(b);
            memcpy(b, src, cut);
            decode_checked(b, cut);
            free(b);
        }
        uint8_t *b = malloc(n);
        assert_non_null(b);
        for (size_t i = 0; i < n; i++) {
            for (unsigned x = 1; x < 256; x++) {
                memcpy(b, src, n);
                b[i] ^= (uint8_t)x;
                decode_checked(b, n);
            }
        }
        free(b);
    }
}

static void test_pktnum_expand(void **state)
{
    (void)state;
    /* First packet of a v>=10 connection. */
    assert_int_equal(tern_pktnum_expand(1, 2), 2);
    /* Appendix B: 65541 travels as 05 00. */
    assert_int_equal(tern_pktnum_expand(65540, 5), 65541);
    /* Forward across the wrap and backward across it. */
    assert_int_equal(tern_pktnum_expand(0xffff, 0), 0x10000);
    assert_int_equal(tern_pktnum_expand(0x10005, 0xfffe), 0xfffe);
    assert_int_equal(tern_pktnum_expand(0x2fff0, 0x0010), 0x30010);
    /* Window: -32768 ... +32767 around max_recv. */
    assert_int_equal(tern_pktnum_expand(100000, (uint16_t)(100000 + 32767)), 100000 + 32767);
    assert_int_equal(tern_pktnum_expand(100000, (uint16_t)(100000 + 32768)), 100000 - 32768);
    /* Near zero, a value "behind" is negative: the caller drops it. */
    assert_true(tern_pktnum_expand(1, 0xffff) == -1);

    tt_rng r;
    tt_rng_seed(&r, 23);
    for (unsigned i = 0; i < tt_seeds(20000); i++) {
        int64_t m = (int64_t)(tt_rng_next(&r) >> 16);
        int64_t want = m + (int64_t)tt_rng_below(&r, 65536) - 32768;
        assert_true(tern_pktnum_expand(m, (uint16_t)want) == want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_header),
        cmocka_unit_test(test_appendix_b_packet),
        cmocka_unit_test(test_stats_and_time),
        cmocka_unit_test(test_other_flag_bits),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_roundtrip_random),
        cmocka_unit_test(test_vectors_truncated_and_flipped),
        cmocka_unit_test(test_pktnum_expand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
