/* Cipher negotiation (WIRE.md §4.3): the lists per `Unencrypted` value, the
 * server's choice for all 16 combinations, and the client's check of the
 * server's answer. */
#include "testutil.h"

#include "crypto/cipher.h"

enum { AES = TERN_CIPHER_AES_256_GCM, NUL = TERN_CIPHER_NULL, NONE = TERN_CIPHER_INVALID };

static void test_lists(void **state)
{
    (void)state;
    uint32_t l[TERN_CIPHER_LIST_MAX];
    assert_int_equal(tern_cipher_list(0, l), 1);
    assert_int_equal(l[0], AES);
    assert_int_equal(tern_cipher_list(1, l), 2);
    assert_int_equal(l[0], AES);
    assert_int_equal(l[1], NUL);
    assert_int_equal(tern_cipher_list(2, l), 2);
    assert_int_equal(l[0], NUL);
    assert_int_equal(l[1], AES);
    assert_int_equal(tern_cipher_list(3, l), 1);
    assert_int_equal(l[0], NUL);
    /* Out of range behaves as the default, like GNS. */
    assert_int_equal(tern_cipher_list(4, l), 1);
    assert_int_equal(l[0], AES);
    assert_int_equal(tern_cipher_list(-1, l), 1);
    assert_int_equal(l[0], AES);
}

/* expect[client][server]: the negotiated cipher, NONE = 4002. */
static const uint32_t expect[4][4] = {
    /* server:  0    1    2    3 */
    /* c0 */ {AES, AES, AES, NONE},
    /* c1 */ {AES, AES, NUL, NUL},
    /* c2 */ {AES, AES, NUL, NUL},
    /* c3 */ {NONE, NUL, NUL, NUL},
};

static void test_all_16_combinations(void **state)
{
    (void)state;
    for (int c = 0; c < 4; c++) {
        for (int s = 0; s < 4; s++) {
            uint32_t cl[TERN_CIPHER_LIST_MAX], sl[TERN_CIPHER_LIST_MAX], chosen = 99, got = 99;
            size_t nc = tern_cipher_list(c, cl), ns = tern_cipher_list(s, sl);
            tern_result r = tern_cipher_choose(sl, ns, cl, nc, &chosen);
            if (expect[c][s] == NONE) {
                assert_int_equal(r, TERN_HANDSHAKE_FAILED);
                assert_int_equal(chosen, NONE);
                continue;
            }
            assert_int_equal(r, TERN_OK);
            assert_int_equal(chosen, expect[c][s]);
            /* The server's crypt info lists just |chosen|; the client takes it. */
            assert_int_equal(tern_cipher_check_reply(cl, nc, &chosen, 1, &got), TERN_OK);
            assert_int_equal(got, chosen);
        }
    }
}

static void test_legacy_and_unknown(void **state)
{
    (void)state;
    uint32_t chosen;
    const uint32_t s0[] = {AES}, s3[] = {NUL}, s2[] = {NUL, AES};
    /* An empty client list is a legacy client: [AES]. */
    assert_int_equal(tern_cipher_choose(s0, 1, NULL, 0, &chosen), TERN_OK);
    assert_int_equal(chosen, AES);
    assert_int_equal(tern_cipher_choose(s2, 2, NULL, 0, &chosen), TERN_OK);
    assert_int_equal(chosen, AES);
    assert_int_equal(tern_cipher_choose(s3, 1, NULL, 0, &chosen), TERN_HANDSHAKE_FAILED);
    /* Values we do not know are skipped, never chosen. */
    const uint32_t odd_client[] = {3, 0, 7777, NUL};
    assert_int_equal(tern_cipher_choose(s2, 2, odd_client, 4, &chosen), TERN_OK);
    assert_int_equal(chosen, NUL);
    const uint32_t odd_server[] = {3, 0, AES};
    const uint32_t odd_client2[] = {3, 0, AES};
    assert_int_equal(tern_cipher_choose(odd_server, 3, odd_client2, 3, &chosen), TERN_OK);
    assert_int_equal(chosen, AES);
    const uint32_t only_odd[] = {3};
    assert_int_equal(tern_cipher_choose(only_odd, 1, only_odd, 1, &chosen), TERN_HANDSHAKE_FAILED);
    assert_int_equal(tern_cipher_choose(NULL, 0, s0, 1, &chosen), TERN_HANDSHAKE_FAILED);
}

static void test_client_check(void **state)
{
    (void)state;
    uint32_t chosen;
    const uint32_t c0[] = {AES}, c1[] = {AES, NUL}, c3[] = {NUL};
    const uint32_t both[] = {AES, NUL}, aes[] = {AES}, nul[] = {NUL}, bogus[] = {3};
    /* Empty server list: legacy server, [AES]. */
    assert_int_equal(tern_cipher_check_reply(c0, 1, NULL, 0, &chosen), TERN_OK);
    assert_int_equal(chosen, AES);
    assert_int_equal(tern_cipher_check_reply(c3, 1, NULL, 0, &chosen), TERN_HANDSHAKE_FAILED);
    assert_int_equal(chosen, NONE);
    /* More than one entry is refused even if all were offered. */
    assert_int_equal(tern_cipher_check_reply(c1, 2, both, 2, &chosen), TERN_PROTOCOL_VIOLATION);
    assert_int_equal(chosen, NONE);
    /* One entry the client did not offer. */
    assert_int_equal(tern_cipher_check_reply(c0, 1, nul, 1, &chosen), TERN_HANDSHAKE_FAILED);
    assert_int_equal(tern_cipher_check_reply(c3, 1, aes, 1, &chosen), TERN_HANDSHAKE_FAILED);
    assert_int_equal(tern_cipher_check_reply(c1, 2, bogus, 1, &chosen), TERN_HANDSHAKE_FAILED);
    /* A server may pick the client's second choice. */
    assert_int_equal(tern_cipher_check_reply(c1, 2, nul, 1, &chosen), TERN_OK);
    assert_int_equal(chosen, NUL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_all_16_combinations),
        cmocka_unit_test(test_legacy_and_unknown),
        cmocka_unit_test(test_client_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
