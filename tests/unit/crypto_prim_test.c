/* The primitives against their RFC vectors, and their failure behaviour:
 * random bytes, SHA-256, HMAC-SHA-256, Ed25519, X25519, the CA key ID and the
 * key-derivation inputs. */
#include "testutil.h"

#include <string.h>

#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/kdf.h"
#include "crypto/rand.h"
#include "crypto/x25519.h"

static void hex_exact(const char *hex, uint8_t *out, size_t n)
{
    assert_int_equal(tt_hex(hex, out, n), n);
}

static void test_rand(void **state)
{
    (void)state;
    uint8_t a[32], b[32], zero[32] = {0};
    assert_int_equal(tern_rand_bytes(a, sizeof a), TERN_OK);
    assert_int_equal(tern_rand_bytes(b, sizeof b), TERN_OK);
    assert_memory_not_equal(a, b, 32);
    assert_memory_not_equal(a, zero, 32);
    assert_int_equal(tern_rand_bytes(a, 0), TERN_OK);
}

static void test_sha256(void **state)
{
    (void)state;
    uint8_t want[32], out[32];
    hex_exact("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want, 32);
    assert_int_equal(tern_sha256("abc", 3, out), TERN_OK);
    assert_memory_equal(out, want, 32);
    hex_exact("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want, 32);
    assert_int_equal(tern_sha256(NULL, 0, out), TERN_OK);
    assert_memory_equal(out, want, 32);

    /* Pieces hash as their concatenation, however the message is split. */
    tt_rng r;
    tt_rng_seed(&r, 1);
    uint8_t msg[300], whole[32], split[32];
    for (unsigned i = 0; i < tt_seeds(200); i++) {
        size_t len = (size_t)tt_rng_below(&r, sizeof msg + 1);
        tt_rng_bytes(&r, msg, len);
        size_t cut1 = (size_t)tt_rng_below(&r, len + 1);
        size_t cut2 = cut1 + (size_t)tt_rng_below(&r, len - cut1 + 1);
        tern_piece v[3] = {{msg, cut1}, {msg + cut1, cut2 - cut1}, {msg + cut2, len - cut2}};
        assert_int_equal(tern_sha256(msg, len, whole), TERN_OK);
        assert_int_equal(tern_sha256_v(v, 3, split), TERN_OK);
        assert_memory_equal(whole, split, 32);
    }
}

static void test_hmac(void **state)
{
    (void)state;
    uint8_t key[32], want[32], out[32];
    /* RFC 4231 test case 1 and 2. */
    memset(key, 0x0b, 20);
    hex_exact("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", want, 32);
    assert_int_equal(tern_hmac_sha256(key, 20, "Hi There", 8, out), TERN_OK);
    assert_memory_equal(out, want, 32);
    hex_exact("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", want, 32);
    assert_int_equal(
        tern_hmac_sha256((const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28, out),
        TERN_OK);
    assert_memory_equal(out, want, 32);
    /* Empty key and message. */
    hex_exact("b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad", want, 32);
    assert_int_equal(tern_hmac_sha256(NULL, 0, NULL, 0, out), TERN_OK);
    assert_memory_equal(out, want, 32);
    /* Pieces, and an output that aliases the key and a piece. */
    tern_piece v[3] = {{"what do ", 8}, {NULL, 0}, {"ya want for nothing?", 20}};
    memcpy(out, "Jefe", 4);
    hex_exact("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", want, 32);
    assert_int_equal(tern_hmac_sha256_v(out, 4, v, 3, out), TERN_OK);
    assert_memory_equal(out, want, 32);
    uint8_t chain[32];
    memcpy(chain, want, 32);
    tern_piece self = {chain, 32};
    assert_int_equal(tern_hmac_sha256_v(key, 20, &self, 1, chain), TERN_OK);
    assert_int_equal(tern_hmac_sha256(key, 20, want, 32, out), TERN_OK);
    assert_memory_equal(chain, out, 32);

    /* One key, several MACs: each run starts from the key alone. */
    tern_hmac h;
    assert_int_equal(tern_hmac_sha256_key(&h, (const uint8_t *)"Jefe", 4), TERN_OK);
    for (int i = 0; i < 3; i++) {
        memset(out, 0, 32);
        assert_int_equal(tern_hmac_sha256_run(&h, v, 3, out), TERN_OK);
        assert_memory_equal(out, want, 32);
    }
    tern_hmac_sha256_free(&h);
    tern_hmac_sha256_free(&h); /* twice is fine */
    assert_int_equal(tern_hmac_sha256_run(&h, v, 3, out), TERN_CRYPTO);
    assert_int_equal(tern_hmac_sha256_key(&h, NULL, 0), TERN_OK);
    hex_exact("b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad", want, 32);
    assert_int_equal(tern_hmac_sha256_run(&h, NULL, 0, out), TERN_OK);
    assert_memory_equal(out, want, 32);
    tern_hmac_sha256_free(&h);
}

static void test_ed25519_rfc8032(void **state)
{
    (void)state;
    /* RFC 8032 section 7.1, tests 1 and 2. */
    uint8_t seed[32], pub[32], want[64], sig[64];
    tern_ed25519 k;
    hex_exact("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", seed, 32);
    hex_exact("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", pub, 32);
    hex_exact("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
              "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
              want, 64);
    assert_int_equal(tern_ed25519_from_seed(&k, seed), TERN_OK);
    assert_memory_equal(k.pub, pub, 32);
    assert_int_equal(tern_ed25519_sign(&k, "", 0, sig), TERN_OK);
    assert_memory_equal(sig, want, 64);
    assert_int_equal(tern_ed25519_verify(&k, "", 0, sig, 64), TERN_OK);
    tern_ed25519_free(&k);

    hex_exact("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", seed, 32);
    hex_exact("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", pub, 32);
    hex_exact("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
              "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
              want, 64);
    const uint8_t msg[1] = {0x72};
    assert_int_equal(tern_ed25519_from_public(&k, pub, 32), TERN_OK);
    assert_false(k.has_private);
    assert_int_equal(tern_ed25519_verify(&k, msg, 1, want, 64), TERN_OK);
    assert_int_equal(tern_ed25519_sign(&k, msg, 1, sig), TERN_INVALID_STATE);
    tern_ed25519_free(&k);
}

static void test_ed25519_generate_and_reject(void **state)
{
    (void)state;
    tern_ed25519 a, b, pa;
    uint8_t sig[64], bad[64];
    const char *msg = "session crypt info bytes";
    assert_int_equal(tern_ed25519_generate(&a), TERN_OK);
    assert_int_equal(tern_ed25519_generate(&b), TERN_OK);
    assert_memory_not_equal(a.pub, b.pub, 32);
    assert_int_equal(tern_ed25519_sign(&a, msg, strlen(msg), sig), TERN_OK);
    /* Verification through a public-only key made from the exported bytes. */
    assert_int_equal(tern_ed25519_from_public(&pa, a.pub, 32), TERN_OK);
    for (int i = 0; i < 3; i++) /* the key object is reused */
        assert_int_equal(tern_ed25519_verify(&pa, msg, strlen(msg), sig, 64), TERN_OK);
    assert_int_equal(tern_ed25519_verify(&b, msg, strlen(msg), sig, 64), TERN_CRYPTO);
    assert_int_equal(tern_ed25519_verify(&pa, msg, strlen(msg) - 1, sig, 64), TERN_CRYPTO);
    assert_int_equal(tern_ed25519_verify(&pa, msg, strlen(msg), sig, 63), TERN_CRYPTO);
    assert_int_equal(tern_ed25519_verify(&pa, msg, strlen(msg), sig, 65), TERN_CRYPTO);
    for (int i = 0; i < 64; i += 7) {
        memcpy(bad, sig, 64);
        bad[i] ^= 0x10;
        assert_int_equal(tern_ed25519_verify(&pa, msg, strlen(msg), bad, 64), TERN_CRYPTO);
    }
    /* A wrong-length public key is a bad certificate; an empty key verifies
     * nothing. */
    tern_ed25519 e;
    assert_int_equal(tern_ed25519_from_public(&e, a.pub, 31), TERN_BAD_CERT);
    assert_null(e.pkey);
    assert_int_equal(tern_ed25519_verify(&e, msg, strlen(msg), sig, 64), TERN_CRYPTO);
    assert_int_equal(tern_ed25519_sign(&e, msg, 1, sig), TERN_INVALID_STATE);
    /* A reference signs like the key, and outlives the handle it came from;
     * an empty key lends nothing. */
    tern_ed25519 ra, r2;
    assert_int_equal(tern_ed25519_ref(&ra, &a), TERN_OK);
    assert_ptr_equal(ra.pkey, a.pkey);
    assert_memory_equal(ra.pub, a.pub, 32);
    assert_true(ra.has_private);
    tern_ed25519_free(&a);
    assert_int_equal(tern_ed25519_sign(&ra, msg, strlen(msg), bad), TERN_OK);
    assert_memory_equal(bad, sig, 64);
    assert_int_equal(tern_ed25519_ref(&r2, &e), TERN_INVALID_STATE);
    assert_null(r2.pkey);
    tern_ed25519_free(&ra);
    tern_ed25519_free(&e);
    tern_ed25519_free(&pa);
    tern_ed25519_free(&b);
    tern_ed25519_free(&b); /* twice is fine */
    assert_null(b.pkey);
}

static void test_ca_key_id(void **state)
{
    (void)state;
    uint8_t pub[32];
    uint64_t id = 1;
    /* SHA-256 of the Appendix B client key begins 56 47 5a a7 54 63 47 4c. */
    hex_exact("03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8", pub, 32);
    assert_int_equal(tern_ca_key_id(pub, 32, &id), TERN_OK);
    assert_true(id == 0x4c476354a75a4756ull);
    hex_exact("29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7", pub, 32);
    assert_int_equal(tern_ca_key_id(pub, 32, &id), TERN_OK);
    assert_true(id == 0x0910fecb6aedf624ull);
    assert_int_equal(tern_ca_key_id(pub, 33, &id), TERN_INVALID_PARAM);
    assert_true(id == 0);
}

static void test_x25519_rfc7748(void **state)
{
    (void)state;
    uint8_t a_priv[32], b_priv[32], a_pub[32], b_pub[32], want[32], out[32];
    hex_exact("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a_priv, 32);
    hex_exact("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", a_pub, 32);
    hex_exact("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", b_priv, 32);
    hex_exact("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", b_pub, 32);
    hex_exact("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", want, 32);
    tern_x25519 a, b;
    assert_int_equal(tern_x25519_from_private(&a, a_priv), TERN_OK);
    assert_int_equal(tern_x25519_from_private(&b, b_priv), TERN_OK);
    assert_memory_equal(a.pub, a_pub, 32);
    assert_memory_equal(b.pub, b_pub, 32);
    assert_int_equal(tern_x25519_shared(&a, b_pub, 32, out), TERN_OK);
    assert_memory_equal(out, want, 32);
    assert_int_equal(tern_x25519_shared(&b, a_pub, 32, out), TERN_OK);
    assert_memory_equal(out, want, 32);
    tern_x25519_free(&a);
    tern_x25519_free(&b);
}

static void test_x25519_bad_peer(void **state)
{
    (void)state;
    tern_x25519 k, other;
    uint8_t peer[33] = {0}, out[32], zero[32] = {0};
    assert_int_equal(tern_x25519_generate(&k), TERN_OK);
    assert_int_equal(tern_x25519_generate(&other), TERN_OK);
    assert_memory_not_equal(k.pub, other.pub, 32);
    /* Low-order points give an all-zero secret: 0, 1, and the order-8
     * point e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800. */
    const char *low[] = {
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    };
    for (size_t i = 0; i < sizeof low / sizeof low[0]; i++) {
        hex_exact(low[i], peer, 32);
        memset(out, 0x77, sizeof out);
        assert_int_equal(tern_x25519_shared(&k, peer, 32, out), TERN_CRYPTO);
        assert_memory_equal(out, zero, 32);
        memset(out, 0x77, sizeof out);
        assert_int_equal(tern_x25519_premaster(&k, peer, 32, out), TERN_CRYPTO);
        assert_memory_equal(out, zero, 32);
    }
    memcpy(peer, other.pub, 32);
    assert_int_equal(tern_x25519_shared(&k, peer, 31, out), TERN_CRYPTO);
    assert_int_equal(tern_x25519_shared(&k, peer, 33, out), TERN_CRYPTO);
    assert_int_equal(tern_x25519_shared(&k, peer, 32, out), TERN_OK);
    uint8_t back[32];
    assert_int_equal(tern_x25519_shared(&other, k.pub, 32, back), TERN_OK);
    assert_memory_equal(out, back, 32);
    tern_x25519_free(&k);
    assert_int_equal(tern_x25519_shared(&k, peer, 32, out), TERN_CRYPTO); /* freed */
    tern_x25519_free(&k);
    tern_x25519_free(&other);
}

/* Each input of the derivation matters, and the roles are not symmetric. */
static void test_kdf_inputs(void **state)
{
    (void)state;
    uint8_t pm[32], certs[2][40], crypts[2][50];
    tt_rng r;
    tt_rng_seed(&r, 3);
    tt_rng_bytes(&r, pm, sizeof pm);
    tt_rng_bytes(&r, certs, sizeof certs);
    tt_rng_bytes(&r, crypts, sizeof crypts);
    const tern_kdf_input base = {
        .premaster = pm,
        .server_nonce = 1,
        .client_nonce = 2,
        .client_conn_id = 3,
        .server_conn_id = 4,
        .server_cert = {certs[0], 40},
        .client_cert = {certs[1], 40},
        .server_crypt = {crypts[0], 50},
        .client_crypt = {crypts[1], 50},
    };
    tern_session_keys k0, k;
    assert_int_equal(tern_kdf_derive(&base, &k0), TERN_OK);
    tern_kdf_input in;
    for (int change = 0; change < 9; change++) {
        in = base;
        switch (change) {
        case 0:
            in.server_nonce = 2, in.client_nonce = 1;
            break; /* swapped */
        case 1:
            in.client_conn_id = 4, in.server_conn_id = 3;
            break;
        case 2:
            in.server_cert = base.client_cert, in.client_cert = base.server_cert;
            break;
        case 3:
            in.server_crypt = base.client_crypt, in.client_crypt = base.server_crypt;
            break;
        case 4:
            in.server_cert.len--;
            break;
        case 5:
            in.client_crypt.len--;
            break;
        case 6:
            in.server_nonce ^= 1ull << 63;
            break;
        case 7:
            in.server_conn_id ^= 0x80000000u;
            break;
        case 8:
            /* Moving a byte from one piece to the next keeps the joined info
             * identical, so the keys must not change. */
            in.server_crypt.len = 51;
            in.client_crypt = (tern_piece){crypts[1] + 1, 49};
            break;
        }
        assert_int_equal(tern_kdf_derive(&in, &k), TERN_OK);
        if (change == 8)
            assert_memory_equal(&k, &k0, sizeof k);
        else {
            assert_memory_not_equal(k.c2s_key, k0.c2s_key, 32);
            assert_memory_not_equal(k.s2c_iv, k0.s2c_iv, 12);
        }
    }
    /* The two directions never share a key or an IV base. */
    assert_memory_not_equal(k0.c2s_key, k0.s2c_key, 32);
    assert_memory_not_equal(k0.c2s_iv, k0.s2c_iv, 12);

    in = base;
    in.premaster = NULL;
    assert_int_equal(tern_kdf_derive(&in, &k), TERN_INVALID_PARAM);
    tern_session_keys zero;
    memset(&zero, 0, sizeof zero);
    assert_memory_equal(&k, &zero, sizeof k);
    tern_piece many[17] = {{0}};
    assert_int_equal(tern_kdf_expand(pm, many, 17, &k), TERN_INVALID_PARAM);
    assert_int_equal(tern_kdf_expand(pm, many, 16, &k), TERN_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rand),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_hmac),
        cmocka_unit_test(test_ed25519_rfc8032),
        cmocka_unit_test(test_ed25519_generate_and_reject),
        cmocka_unit_test(test_ca_key_id),
        cmocka_unit_test(test_x25519_rfc7748),
        cmocka_unit_test(test_x25519_bad_peer),
        cmocka_unit_test(test_kdf_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
