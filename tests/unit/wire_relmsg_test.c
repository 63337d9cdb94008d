#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "wire/relmsg.h"

static void check_vector(const char *hex, uint64_t delta, uint64_t size)
{
    uint8_t b[32], o[32];
    size_t n = tt_hex(hex, b, sizeof b);
    tern_relmsg_hdr h;
    const uint8_t *p = b;
    assert_int_equal(tern_relmsg_hdr_decode(&p, b + n, &h), TERN_OK);
    assert_ptr_equal(p, b + n);
    assert_true(h.msgnum_delta == delta);
    assert_true(h.size == size);
    assert_int_equal(tern_relmsg_hdr_len(&h), n);
    assert_ptr_equal(tern_relmsg_hdr_encode(o, o + sizeof o, &h), o + n);
    assert_memory_equal(o, b, n);
    for (size_t room = 0; room < n; room++) assert_null(tern_relmsg_hdr_encode(o, o + room, &h));
    /* Every proper prefix means "wait for more". */
    for (size_t cut = 0; cut < n; cut++) {
        p = b;
        assert_int_equal(tern_relmsg_hdr_decode(&p, b + cut, &h), TERN_TRUNCATED);
        assert_ptr_equal(p, b);
    }
}

static void test_wire_examples(void **state)
{
    (void)state;
    /* §6.10: first message, 5 bytes; 129 bytes after it; #7 after #4, 3 bytes. */
    check_vector("05", 1, 5);
    check_vector("21 04", 1, 129);
    check_vector("43 03", 3, 3);
    /* Appendix B: "hi". */
    check_vector("02", 1, 2);
    /* Zero-size message. */
    check_vector("00", 1, 0);
    /* Edges of the one-byte size. */
    check_vector("1f", 1, 31);
    check_vector("20 01", 1, 32);
    /* Both varints: delta first, then size. */
    check_vector("61 ac 02 04", 300, 129);
    /* An explicit delta of 0 is a value, as in GNS. */
    check_vector("45 00", 0, 5);
    check_vector("7f ff ff ff ff ff ff ff ff ff 01 ff ff ff ff ff ff ff ff 07", UINT64_MAX,
                 UINT64_MAX);
}

static void test_non_gns_forms_decode(void **state)
{
    (void)state;
    /* Explicit delta 1 and a zero size varint: legal, just not what GNS sends. */
    uint8_t b[8];
    size_t n = tt_hex("65 01 00", b, sizeof b);
    tern_relmsg_hdr h;
    const uint8_t *p = b;
    assert_int_equal(tern_relmsg_hdr_decode(&p, b + n, &h), TERN_OK);
    assert_int_equal(h.msgnum_delta, 1);
    assert_int_equal(h.size, 5);
    assert_ptr_equal(p, b + n);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        tern_result r;
    } v[] = {
        {"", TERN_TRUNCATED},
        {"80", TERN_MALFORMED},
        {"ff 01 01", TERN_MALFORMED},
        {"40", TERN_TRUNCATED},
        {"40 80", TERN_TRUNCATED},
        {"60 01", TERN_TRUNCATED},
        {"20 80 80", TERN_TRUNCATED},
        /* Eleven-byte varint: never completes, so it is bad, not incomplete. */
        {"40 80 80 80 80 80 80 80 80 80 80", TERN_MALFORMED},
        {"40 80 80 80 80 80 80 80 80 80 02", TERN_MALFORMED},
        /* size << 5 must fit 64 bits. */
        {"20 ff ff ff ff ff ff ff ff 08", TERN_MALFORMED},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t b[32];
        size_t n = tt_hex(v[i].hex, b, sizeof b);
        tern_relmsg_hdr h;
        const uint8_t *p = b;
        assert_int_equal(tern_relmsg_hdr_decode(&p, b + n, &h), v[i].r);
        assert_ptr_equal(p, b);
    }
    tern_relmsg_hdr h = {.msgnum_delta = 1, .size = 1};
    assert_null(tern_relmsg_hdr_encode(NULL, NULL, &h));
}

static uint64_t rand_mag(tt_rng *r)
{
    unsigned k = (unsigned)tt_rng_below(r, 65);
    return k ? tt_rng_next(r) >> (64 - k) : 0;
}

static void test_roundtrip_stream(void **state)
{
    (void)state;
    tt_rng r;
    tt_rng_seed(&r, 31);
    static uint8_t buf[64 * 1024];
    static tern_relmsg_hdr want[256];
    for (unsigned i = 0; i < tt_seeds(2000); i++) {
        /* A stream of messages: header + payload, as it sits in a lane buffer. */
        unsigned n = 1 + (unsigned)tt_rng_below(&r, 256);
        uint8_t *p = buf, *end = buf + sizeof buf;
        for (unsigned k = 0; k < n; k++) {
            tern_relmsg_hdr *h = &want[k];
            h->msgnum_delta = tt_rng_below(&r, 3) ? 1 : rand_mag(&r);
            h->size = tt_rng_below(&r, 2) ? tt_rng_below(&r, 40) : tt_rng_below(&r, 200);
            uint8_t *e = tern_relmsg_hdr_encode(p, end, h);
            assert_non_null(e);
            assert_int_equal((size_t)(e - p), tern_relmsg_hdr_len(h));
            assert_true((size_t)(e - p) <= TERN_RELMSG_HDR_MAX);
            memset(e, (int)k, h->size);
            p = e + h->size;
        }
        const uint8_t *q = buf;
        for (unsigned k = 0; k < n; k++) {
            tern_relmsg_hdr h;
            assert_int_equal(tern_relmsg_hdr_decode(&q, p, &h), TERN_OK);
            assert_true(h.msgnum_delta == want[k].msgnum_delta);
            assert_true(h.size == want[k].size);
            q += h.size;
        }
        assert_ptr_equal(q, p);
    }
    /* Large values too (headers only). */
    for (unsigned i = 0; i < tt_seeds(20000); i++) {
        tern_relmsg_hdr h = {.msgnum_delta = rand_mag(&r), .size = rand_mag(&r)}, d;
        uint8_t b[TERN_RELMSG_HDR_MAX];
        uint8_t *e = tern_relmsg_hdr_encode(b, b + sizeof b, &h);
        assert_non_null(e);
        const uint8_t *q = b;
        assert_int_equal(tern_relmsg_hdr_decode(&q, e, &d), TERN_OK);
        assert_ptr_equal(q, e);
        assert_true(d.msgnum_delta == h.msgnum_delta && d.size == h.size);
    }
}

static void test_flipped_bytes(void **state)
{
    (void)state;
    static const char *const vectors[] = {"05", "21 04", "43 03", "61 ac 02 04",
                                          "7f ff ff ff ff ff ff ff ff ff 01 ff 07"};
    for (size_t v = 0; v < sizeof vectors / sizeof vectors[0]; v++) {
        uint8_t src[32];
        size_t n = tt_hex(vectors[v], src, sizeof src);
        uint8_t *b = malloc(n);
        assert_non_null(b);
        for (size_t i = 0; i < n; i++) {
            for (unsigned x = 1; x < 256; x++) {
                memcpy(b, src, n);
                b[i] ^= (uint8_t)x;
                for (size_t cut = 0; cut <= n; cut++) {
                    tern_relmsg_hdr h;
                    const uint8_t *p = b;
                    tern_result r = tern_relmsg_hdr_decode(&p, b + cut, &h);
                    if (r == TERN_OK)
                        assert_true(p > b && p <= b + cut);
                    else
                        assert_true((r == TERN_TRUNCATED || r == TERN_MALFORMED) && p == b);
                    /* Bit 7 always kills, whatever follows. */
                    if (cut && (b[0] & 0x80)) assert_int_equal(r, TERN_MALFORMED);
                }
            }
        }
        free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wire_examples), cmocka_unit_test(test_non_gns_forms_decode),
        cmocka_unit_test(test_errors),        cmocka_unit_test(test_roundtrip_stream),
        cmocka_unit_test(test_flipped_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
