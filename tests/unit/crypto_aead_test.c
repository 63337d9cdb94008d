/* Per-packet protection: round trips, tampering, packet numbers, IV
 * arithmetic, buffer limits, the NULL cipher, and a speed figure. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto/aead.h"

#define MTU 1300

typedef struct pair {
    tern_aead client, server;
} pair;

static void pair_init(pair *p, tt_rng *r)
{
    tern_session_keys k;
    tt_rng_bytes(r, &k, sizeof k);
    assert_int_equal(tern_aead_init_session(&p->client, TERN_CIPHER_AES_256_GCM, &k, false),
                     TERN_OK);
    assert_int_equal(tern_aead_init_session(&p->server, TERN_CIPHER_AES_256_GCM, &k, true),
                     TERN_OK);
    tern_session_keys_wipe(&k);
}

static void pair_free(pair *p)
{
    tern_aead_free(&p->client);
    tern_aead_free(&p->server);
}

static void test_roundtrip_random(void **state)
{
    (void)state;
    tt_rng r;
    tt_rng_seed(&r, 7);
    pair p;
    pair_init(&p, &r);
    uint8_t plain[MTU], sealed[MTU + 16], opened[MTU];
    for (unsigned i = 0; i < tt_seeds(3000); i++) {
        size_t len = (size_t)tt_rng_below(&r, MTU + 1);
        uint64_t pn = tt_rng_next(&r) >> tt_rng_below(&r, 64);
        bool to_server = tt_rng_below(&r, 2);
        tern_aead *tx = to_server ? &p.client : &p.server;
        tern_aead *rx = to_server ? &p.server : &p.client;
        tt_rng_bytes(&r, plain, len);
        assert_int_equal(tern_aead_seal(tx, pn, plain, len, sealed, sizeof sealed), len + 16);
        if (len > 8) assert_memory_not_equal(sealed, plain, len);
        if (tt_rng_below(&r, 2)) {
            assert_int_equal(tern_aead_open(rx, pn, sealed, len + 16, opened, sizeof opened), len);
            assert_memory_equal(opened, plain, len);
        } else { /* in place */
            assert_int_equal(tern_aead_open(rx, pn, sealed, len + 16, sealed, sizeof sealed), len);
            assert_memory_equal(sealed, plain, len);
        }
    }
    pair_free(&p);
}

/* Sealing in place gives the same bytes as sealing into another buffer. */
static void test_seal_in_place(void **state)
{
    (void)state;
    tt_rng r;
    tt_rng_seed(&r, 8);
    pair p;
    pair_init(&p, &r);
    uint8_t buf[300], other[300];
    tt_rng_bytes(&r, buf, 284);
    assert_int_equal(tern_aead_seal(&p.client, 99, buf, 284, other, sizeof other), 300);
    assert_int_equal(tern_aead_seal(&p.client, 99, buf, 284, buf, sizeof buf), 300);
    assert_memory_equal(buf, other, 300);
    pair_free(&p);
}

/* A context reused for many packets produces what a fresh one would. */
static void test_reuse_matches_fresh(void **state)
{
    (void)state;
    uint8_t key[32], iv[12], plain[100], a[116], b[116];
    tt_rng r;
    tt_rng_seed(&r, 9);
    tt_rng_bytes(&r, key, 32);
    tt_rng_bytes(&r, iv, 12);
    tern_aead reused;
    assert_int_equal(tern_aead_init(&reused, TERN_CIPHER_AES_256_GCM, key, iv, key, iv), TERN_OK);
    for (uint64_t pn = 0; pn < 50; pn++) {
        size_t len = (size_t)tt_rng_below(&r, sizeof plain + 1);
        tt_rng_bytes(&r, plain, len);
        tern_aead fresh;
        assert_int_equal(tern_aead_init(&fresh, TERN_CIPHER_AES_256_GCM, key, iv, key, iv),
                         TERN_OK);
        assert_int_equal(tern_aead_seal(&reused, pn, plain, len, a, sizeof a), len + 16);
        assert_int_equal(tern_aead_seal(&fresh, pn, plain, len, b, sizeof b), len + 16);
        assert_memory_equal(a, b, len + 16);
        tern_aead_free(&fresh);
    }
    tern_aead_free(&reused);
}

/* Contexts are made by the first seal and the first open, not by init;
 * after tern_aead_trim (a connection gone idle) the next packets each way
 * make them again and still seal and open what the peer expects. */
static void test_trim_then_reuse(void **state)
{
    (void)state;
    tt_rng r;
    tt_rng_seed(&r, 10);
    pair p;
    pair_init(&p, &r);
    assert_null(p.client.enc);
    assert_null(p.server.dec);
    uint8_t plain[200], sealed[216], opened[200];
    for (uint64_t pn = 1; pn <= 20; pn++) {
        size_t len = (size_t)tt_rng_below(&r, sizeof plain + 1);
        tt_rng_bytes(&r, plain, len);
        assert_int_equal(tern_aead_seal(&p.client, pn, plain, len, sealed, sizeof sealed),
                         len + 16);
        assert_non_null(p.client.enc);
        assert_int_equal(tern_aead_open(&p.server, pn, sealed, len + 16, opened, sizeof opened),
                         len);
        assert_non_null(p.server.dec);
        assert_memory_equal(opened, plain, len);
        if (pn % 3 == 0) tern_aead_trim(&p.client);
        if (pn % 4 == 0) tern_aead_trim(&p.server);
        if (pn % 4 == 0) assert_null(p.server.dec);
    }
    /* a trimmed end still rejects a forgery */
    tern_aead_trim(&p.server);
    assert_int_equal(tern_aead_seal(&p.client, 21, plain, 10, sealed, sizeof sealed), 26);
    sealed[3] ^= 1;
    assert_true(tern_aead_open(&p.server, 21, sealed, 26, opened, sizeof opened) < 0);
    pair_free(&p);
    tern_aead_trim(&p.client); /* safe on a freed one */
}

static void test_tamper_every_byte(void **state)
{
    (void)state;
    tt_rng r;
    tt_rng_seed(&r, 10);
    pair p;
    pair_init(&p, &r);
    uint8_t plain[40], sealed[56], work[56], out[40];
    tt_rng_bytes(&r, plain, sizeof plain);
    assert_int_equal(tern_aead_seal(&p.client, 5, plain, 40, sealed, sizeof sealed), 56);
    for (size_t i = 0; i < sizeof sealed; i++) {
        memcpy(work, sealed, sizeof work);
        work[i] ^= (uint8_t)(1u << tt_rng_below(&r, 8));
        memset(out, 0x55, sizeof out);
        assert_int_equal(tern_aead_open(&p.server, 5, work, 56, out, sizeof out), -TERN_CRYPTO);
        /* No unauthenticated plaintext is left behind. */
        for (size_t j = 0; j < sizeof out; j++) assert_int_equal(out[j], 0);
    }
    /* Truncated by one byte, or extended by one: both fail. */
    assert_int_equal(tern_aead_open(&p.server, 5, sealed, 55, out, sizeof out), -TERN_CRYPTO);
    /* The context is still good after all those failures. */
    assert_int_equal(tern_aead_open(&p.server, 5, sealed, 56, out, sizeof out), 40);
    assert_memory_equal(out, plain, 40);
    pair_free(&p);
}

static void test_wrong_packet_number(void **state)
{
    (void)state;
    tt_rng r;
    tt_rng_seed(&r, 11);
    pair p;
    pair_init(&p, &r);
    uint8_t plain[20] = {1, 2, 3}, sealed[36], out[20];
    assert_int_equal(tern_aead_seal(&p.server, 1000, plain, 20, sealed, sizeof sealed), 36);
    const uint64_t wrong[] = {999, 1001, 1000 + 0x10000, 1000ull << 32, 0};
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++)
        assert_int_equal(tern_aead_open(&p.client, wrong[i], sealed, 36, out, sizeof out),
                         -TERN_CRYPTO);
    assert_int_equal(tern_aead_open(&p.client, 1000, sealed, 36, out, sizeof out), 20);
    pair_free(&p);
}

static void test_iv_wraps_in_first_8_bytes(void **state)
{
    (void)state;
    uint8_t base[12] = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xa1, 0xa2, 0xa3, 0xa4};
    uint8_t iv[12];
    tern_aead_iv(base, 1, iv);
    const uint8_t want1[12] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                               0xff, 0xff, 0xa1, 0xa2, 0xa3, 0xa4};
    assert_memory_equal(iv, want1, 12);
    tern_aead_iv(base, 5, iv); /* 2^64 - 2 + 5 = 3 mod 2^64; no carry into byte 8 */
    const uint8_t want3[12] = {3, 0, 0, 0, 0, 0, 0, 0, 0xa1, 0xa2, 0xa3, 0xa4};
    assert_memory_equal(iv, want3, 12);
    tern_aead_iv(base, UINT64_MAX, iv); /* 2^64 - 2 - 1 */
    const uint8_t wantm[12] = {0xfd, 0xff, 0xff, 0xff, 0xff, 0xff,
                               0xff, 0xff, 0xa1, 0xa2, 0xa3, 0xa4};
    assert_memory_equal(iv, wantm, 12);

    /* End to end: (base, P near 2^64) and (base', small P) with the same IV
     * seal identically, and each opens the other's packet. */
    uint8_t key[32], base2[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0xa1, 0xa2, 0xa3, 0xa4};
    memset(key, 0x42, sizeof key);
    memset(base, 0, 8);
    base[0] = 0x10; /* first 8 bytes: 0x10, so P close to 2^64 wraps */
    tern_aead a, b;
    assert_int_equal(tern_aead_init(&a, TERN_CIPHER_AES_256_GCM, key, base, key, base), TERN_OK);
    assert_int_equal(tern_aead_init(&b, TERN_CIPHER_AES_256_GCM, key, base2, key, base2), TERN_OK);
    const uint64_t pa = UINT64_MAX - 0x0f + 7; /* 0x10 + pa = 7 mod 2^64 */
    uint8_t plain[24] = "wrap inside 8 bytes", sa[40], sb[40], out[24];
    assert_int_equal(tern_aead_seal(&a, pa, plain, 24, sa, sizeof sa), 40);
    assert_int_equal(tern_aead_seal(&b, 7, plain, 24, sb, sizeof sb), 40);
    assert_memory_equal(sa, sb, 40);
    assert_int_equal(tern_aead_open(&b, 7, sa, 40, out, sizeof out), 24);
    assert_int_equal(tern_aead_open(&a, pa, sb, 40, out, sizeof out), 24);
    assert_memory_equal(out, plain, 24);
    tern_aead_free(&a);
    tern_aead_free(&b);
}

static void test_empty_payload(void **state)
{
    (void)state;
    tt_rng r;
    tt_rng_seed(&r, 12);
    pair p;
    pair_init(&p, &r);
    uint8_t tag[16], out[1];
    assert_int_equal(tern_aead_seal(&p.client, 3, NULL, 0, tag, sizeof tag), 16);
    assert_int_equal(tern_aead_open(&p.server, 3, tag, 16, out, 0), 0);
    assert_int_equal(tern_aead_open(&p.server, 4, tag, 16, out, 0), -TERN_CRYPTO);
    tag[15] ^= 0x80;
    assert_int_equal(tern_aead_open(&p.server, 3, tag, 16, out, 0), -TERN_CRYPTO);
    pair_free(&p);
}

static void test_limits(void **state)
{
    (void)state;
    tt_rng r;
    tt_rng_seed(&r, 13);
    pair p;
    pair_init(&p, &r);
    uint8_t plain[64] = {0}, sealed[80], out[64];
    memset(sealed, 0xee, sizeof sealed);
    assert_int_equal(tern_aead_seal(&p.client, 1, plain, 64, sealed, 79), -TERN_BUF_TOO_SMALL);
    assert_int_equal(sealed[0], 0xee); /* nothing written */
    assert_int_equal(tern_aead_seal(&p.client, 1, plain, 64, NULL, 80), -TERN_INVALID_PARAM);
    assert_int_equal(tern_aead_seal(&p.client, 1, plain, 64, sealed, 80), 80);
    assert_int_equal(tern_aead_open(&p.server, 1, sealed, 80, out, 63), -TERN_BUF_TOO_SMALL);
    for (size_t n = 0; n < 16; n++)
        assert_int_equal(tern_aead_open(&p.server, 1, sealed, n, out, sizeof out), -TERN_TRUNCATED);
    assert_int_equal(tern_aead_open(&p.server, 1, sealed, 80, out, 64), 64);
    pair_free(&p);
}

static void test_null_cipher(void **state)
{
    (void)state;
    tern_aead a;
    assert_int_equal(tern_aead_init(&a, TERN_CIPHER_NULL, NULL, NULL, NULL, NULL), TERN_OK);
    assert_int_equal(tern_aead_overhead(&a), 0);
    uint8_t plain[10] = "plaintext", out[10];
    assert_int_equal(tern_aead_seal(&a, 1, plain, 10, out, sizeof out), 10);
    assert_memory_equal(out, plain, 10);
    assert_int_equal(tern_aead_seal(&a, 1, plain, 10, plain, sizeof plain), 10);
    assert_int_equal(tern_aead_open(&a, 77, out, 10, out, sizeof out), 10);
    assert_memory_equal(out, "plaintext", 10);
    assert_int_equal(tern_aead_open(&a, 77, out, 10, plain, 9), -TERN_BUF_TOO_SMALL);
    assert_int_equal(tern_aead_open(&a, 77, out, 0, NULL, 0), 0);
    assert_int_equal(tern_aead_seal(&a, 1, plain, 10, NULL, 10), -TERN_INVALID_PARAM);
    tern_aead_free(&a);
}

static void test_bad_init_and_state(void **state)
{
    (void)state;
    uint8_t key[32] = {0}, iv[12] = {0}, buf[32] = {0};
    tern_aead a;
    memset(&a, 0, sizeof a);
    assert_int_equal(tern_aead_seal(&a, 0, buf, 1, buf, sizeof buf), -TERN_INVALID_STATE);
    assert_int_equal(tern_aead_open(&a, 0, buf, 17, buf, sizeof buf), -TERN_INVALID_STATE);
    assert_int_equal(tern_aead_init(&a, TERN_CIPHER_INVALID, key, iv, key, iv), TERN_INVALID_PARAM);
    assert_int_equal(tern_aead_init(&a, 3, key, iv, key, iv), TERN_INVALID_PARAM);
    assert_int_equal(tern_aead_init(&a, TERN_CIPHER_AES_256_GCM, key, NULL, key, iv),
                     TERN_INVALID_PARAM);
    assert_int_equal(tern_aead_seal(&a, 0, buf, 1, buf, sizeof buf), -TERN_INVALID_STATE);
    tern_aead_free(&a);
    assert_int_equal(tern_aead_init(&a, TERN_CIPHER_AES_256_GCM, key, iv, key, iv), TERN_OK);
    assert_int_equal(tern_aead_overhead(&a), 16);
    tern_aead_free(&a);
    tern_aead_free(&a); /* twice is fine */
    assert_int_equal(tern_aead_seal(&a, 0, buf, 1, buf, sizeof buf), -TERN_INVALID_STATE);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Prints the cost of one 1200-byte seal + open; asserts only correctness. */
static void test_speed_figure(void **state)
{
    (void)state;
    tt_rng r;
    tt_rng_seed(&r, 14);
    pair p;
    pair_init(&p, &r);
    uint8_t buf[1200 + 16], plain[1200];
    tt_rng_bytes(&r, plain, sizeof plain);
    const unsigned n = tt_seeds(20000);
    double t0 = now_ns();
    for (unsigned i = 0; i < n; i++) {
        memcpy(buf, plain, sizeof plain);
        ptrdiff_t s = tern_aead_seal(&p.client, i, buf, 1200, buf, sizeof buf);
        ptrdiff_t o = tern_aead_open(&p.server, i, buf, (size_t)s, buf, sizeof buf);
        if (s != 1216 || o != 1200) fail();
    }
    double t1 = now_ns();
    assert_memory_equal(buf, plain, sizeof plain);
    printf("aead: %.0f ns per 1200-byte packet (seal + open), %u packets\n", (t1 - t0) / n, n);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_random),
        cmocka_unit_test(test_seal_in_place),
        cmocka_unit_test(test_reuse_matches_fresh),
        cmocka_unit_test(test_trim_then_reuse),
        cmocka_unit_test(test_tamper_every_byte),
        cmocka_unit_test(test_wrong_packet_number),
        cmocka_unit_test(test_iv_wraps_in_first_8_bytes),
        cmocka_unit_test(test_empty_payload),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_null_cipher),
        cmocka_unit_test(test_bad_init_and_state),
        cmocka_unit_test(test_speed_figure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
