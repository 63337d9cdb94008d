#include "testutil.h"
#include "util/arena.h"
#include "util/bytes.h"

static void test_le_roundtrip(void **state)
{
    (void)state;
    uint8_t b[8];
    tern_store_le16(b, 0x1234);
    assert_int_equal(b[0], 0x34);
    assert_int_equal(tern_load_le16(b), 0x1234);
    tern_store_le24(b, 0xabcdef);
    assert_int_equal(b[2], 0xab);
    assert_int_equal(tern_load_le24(b), 0xabcdef);
    tern_store_le32(b, 0xdeadbeef);
    assert_int_equal(b[0], 0xef);
    assert_int_equal(tern_load_le32(b), 0xdeadbeef);
    tern_store_le48(b, 0x0000123456789abcull);
    assert_int_equal(b[5], 0x12);
    assert_true(tern_load_le48(b) == 0x123456789abcull);
    tern_store_le64(b, 0x0102030405060708ull);
    assert_int_equal(b[0], 0x08);
    assert_int_equal(b[7], 0x01);
    assert_true(tern_load_le64(b) == 0x0102030405060708ull);
    tern_store_be16(b, 0x1234);
    assert_int_equal(b[0], 0x12);
    assert_int_equal(tern_load_be16(b), 0x1234);
}

static void test_read_write_bounds(void **state)
{
    (void)state;
    uint8_t b[4] = {1, 2, 3, 4};
    const uint8_t *p = b;
    uint64_t v;
    assert_int_equal(tern_read_le(&p, b + 3, 4, &v), TERN_TRUNCATED);
    assert_ptr_equal(p, b);
    assert_int_equal(tern_read_le(&p, b + 4, 4, &v), TERN_OK);
    assert_true(v == 0x04030201);
    assert_ptr_equal(p, b + 4);
    uint8_t o[3];
    assert_null(tern_write_le(o, o + 3, 4, 7));
    assert_ptr_equal(tern_write_le(o, o + 3, 3, 0x030201), o + 3);
    assert_null(tern_write_u8(NULL, o + 3, 1)); /* NULL propagates */
    assert_null(tern_write_u8(o + 3, o + 3, 1));
}

static void test_varint_known(void **state)
{
    (void)state;
    uint8_t b[16];
    uint8_t *e = tern_varint_encode(b, b + sizeof b, 300);
    assert_int_equal(e - b, 2);
    assert_int_equal(b[0], 0xac);
    assert_int_equal(b[1], 0x02);
    e = tern_varint_encode(b, b + sizeof b, UINT64_MAX);
    assert_int_equal(e - b, 10);
    assert_int_equal(b[9], 0x01);
    const uint8_t *p = b;
    uint64_t v;
    assert_int_equal(tern_varint_decode(&p, e, &v), TERN_OK);
    assert_true(v == UINT64_MAX);
    /* no room */
    assert_null(tern_varint_encode(b, b + 1, 300));
}

static void test_varint_roundtrip_random(void **state)
{
    (void)state;
    tt_rng r;
    tt_rng_seed(&r, 42);
    for (unsigned i = 0; i < tt_seeds(20000); i++) {
        uint64_t x = tt_rng_next(&r) >> tt_rng_below(&r, 64);
        uint8_t b[10];
        uint8_t *e = tern_varint_encode(b, b + sizeof b, x);
        assert_non_null(e);
        assert_int_equal((unsigned)(e - b), tern_varint_len(x));
        const uint8_t *p = b;
        uint64_t y;
        assert_int_equal(tern_varint_decode(&p, e, &y), TERN_OK);
        assert_true(x == y);
        assert_ptr_equal(p, e);
        /* every truncation fails as truncated and leaves the cursor alone */
        for (const uint8_t *cut = b; cut < e; cut++) {
            p = b;
            assert_int_equal(tern_varint_decode(&p, cut, &y), TERN_TRUNCATED);
            assert_ptr_equal(p, b);
        }
    }
}

static void test_varint_overlong(void **state)
{
    (void)state;
    uint64_t v;
    uint32_t v32;
    /* 11 continuation bytes: longer than any uint64 */
    uint8_t a[11] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    const uint8_t *p = a;
    assert_int_equal(tern_varint_decode(&p, a + 11, &v), TERN_MALFORMED);
    /* 10th byte carrying more than the top bit overflows uint64 */
    uint8_t b[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    p = b;
    assert_int_equal(tern_varint_decode(&p, b + 10, &v), TERN_MALFORMED);
    /* 2^32 does not fit a 32-bit field */
    uint8_t c[5] = {0x80, 0x80, 0x80, 0x80, 0x10};
    p = c;
    assert_int_equal(tern_varint_decode32(&p, c + 5, &v32), TERN_MALFORMED);
    uint8_t d[5] = {0xff, 0xff, 0xff, 0xff, 0x0f};
    p = d;
    assert_int_equal(tern_varint_decode32(&p, d + 5, &v32), TERN_OK);
    assert_true(v32 == UINT32_MAX);
    /* six bytes for a 32-bit field is too long even if the value is small */
    uint8_t e[6] = {0x81, 0x80, 0x80, 0x80, 0x80, 0x00};
    p = e;
    assert_int_equal(tern_varint_decode32(&p, e + 6, &v32), TERN_MALFORMED);
}

static void test_arena(void **state)
{
    (void)state;
    uint8_t buf[256];
    tern_arena a;
    tern_arena_init(&a, buf + 1, sizeof buf - 1); /* deliberately misaligned */
    void *x = tern_arena_alloc(&a, 10);
    assert_non_null(x);
    assert_int_equal((uintptr_t)x % _Alignof(max_align_t), 0);
    void *y = tern_arena_alloc(&a, 10);
    assert_true((uint8_t *)y >= (uint8_t *)x + 10);
    assert_null(tern_arena_alloc(&a, 1000));
    assert_null(tern_arena_alloc(&a, SIZE_MAX));
    size_t hw = a.high_water;
    tern_arena_reset(&a);
    assert_int_equal(a.used, 0);
    assert_int_equal(a.high_water, hw);
    /* fill it exactly: allocation stops, never overruns */
    size_t total = 0;
    while (tern_arena_alloc(&a, 7)) total += 7;
    assert_true(total <= sizeof buf);
    assert_true(a.used <= a.cap);
    tern_arena empty;
    tern_arena_init(&empty, NULL, 100);
    assert_null(tern_arena_alloc(&empty, 1));
}

static void test_result_str(void **state)
{
    (void)state;
    static const int codes[] = {TERN_OK,
                                TERN_FAIL,
                                TERN_NO_CONNECTION,
                                TERN_INVALID_PARAM,
                                TERN_INVALID_STATE,
                                TERN_LIMIT_EXCEEDED,
                                TERN_BAD_HANDLE,
                                TERN_MSG_TOO_BIG,
                                TERN_TRUNCATED,
                                TERN_MALFORMED,
                                TERN_PROTOCOL_VIOLATION,
                                TERN_NOT_SUPPORTED};
    const char *unknown = tern_result_str(-12345);
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        assert_non_null(tern_result_str(codes[i]));
        assert_string_not_equal(tern_result_str(codes[i]), unknown);
    }
    assert_true(tern_result_is_fatal(TERN_NOMEM));
    assert_false(tern_result_is_fatal(TERN_OK));
    assert_string_equal(tern_version(), "0.1.0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_le_roundtrip),    cmocka_unit_test(test_read_write_bounds),
        cmocka_unit_test(test_varint_known),    cmocka_unit_test(test_varint_roundtrip_random),
        cmocka_unit_test(test_varint_overlong), cmocka_unit_test(test_arena),
        cmocka_unit_test(test_result_str),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
