/* Every test vector of WIRE.md Appendix B, end to end: keys from seeds and
 * private bytes, crypt-info signatures, key exchange, key derivation in both
 * roles, IVs, and the encrypted client->server data packet. */
#include "testutil.h"

#include <string.h>

#include "crypto/aead.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/kdf.h"
#include "crypto/x25519.h"

#define CLIENT_CONN_ID 0x11223344u
#define SERVER_CONN_ID 0x55667788u
#define CLIENT_NONCE   0x0102030405060708ull
#define SERVER_NONCE   0x1112131415161718ull

static const char *client_seed_hex =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char *client_ed_pub_hex =
    "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
static const char *server_seed_hex =
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
static const char *server_ed_pub_hex =
    "29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7";
static const char *client_x_pub_hex =
    "7b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13";
static const char *server_x_pub_hex =
    "0faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f20";
static const char *client_cert_hex =
    "0801122003a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b85000";
static const char *server_cert_hex =
    "0801122029acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd75000";
static const char *client_crypt_hex = "080112207b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f"
                                      "74892cb0f73f13190807060504030201200d2802";
static const char *server_crypt_hex = "080112200faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1"
                                      "c4cf2678570f20191817161514131211200d2802";
static const char *client_sig_hex =
    "4f8d78e38ec5afa9f20075015fce16758359f3c7832bd6537e65787afb6eafec"
    "3184d27024fa0b464e326756f977fbb82a3390436b8ac3ca5a7e7eb82d655700";
static const char *server_sig_hex =
    "f60a16a4cc6e464d89fa706ca631f109076302e1275729e084485d9aba9ed316"
    "b480046706a754f946153bdde206e855a787e958fe0e3a7be9b8aacf3617dd01";
static const char *shared_hex = "9e004098efc091d4ec2663b4e9f5cfd4d7064571690b4bea97ab146ab9f35056";
static const char *premaster_hex =
    "87761d37d177f04e89f5be840cf86164f0b7acd0ef9bb434b27389573229929f";
static const char *salt_hex = "18171615141312110807060504030201";
static const char *prk_hex = "e43eb054caf032423429e3ed8e1af6644d21fa78a9cca8fe5781f4cc31a159db";
static const char *info_head_hex = "4433221188776655 537465616d20646174616772616d";
static const char *t1_hex = "0db8402f73867290f105b056b9137c67ee573d0c4f30c1444bf6943f82b2e299";
static const char *t2_hex = "63e0941f365bd81aa408169d69fcbf2976b6de07e132d8f9e2cf733ab5bd948c";
static const char *t3_hex = "7622ffb3f8c5ab3696f69318";
static const char *t4_hex = "c350918f508b42bf864bcbc4";
static const char *plain_hex = "80 01 98 01 00 ff ff 57 01 00 00 00 00 00 02 68 69";
static const char *iv2_hex = "7822ffb3f8c5ab3696f69318";
static const char *iv10005_hex = "c850928f508b42bf864bcbc4";
static const char *udp_hex = "808877665502004b4cce9ecc12e709aad516bb0aa97ff759d4bcdb49a374ddaf91"
                             "299222d3c93139";

/* Decode a vector that must be exactly |n| bytes. */
static void hex_exact(const char *hex, uint8_t *out, size_t n)
{
    assert_int_equal(tt_hex(hex, out, n), n);
}

typedef struct vec_bytes {
    uint8_t client_cert[64], server_cert[64], client_crypt[64], server_crypt[64];
    size_t client_cert_len, server_cert_len, client_crypt_len, server_crypt_len;
    uint8_t premaster[32];
} vec_bytes;

static void load_bytes(vec_bytes *v)
{
    v->client_cert_len = tt_hex(client_cert_hex, v->client_cert, sizeof v->client_cert);
    v->server_cert_len = tt_hex(server_cert_hex, v->server_cert, sizeof v->server_cert);
    v->client_crypt_len = tt_hex(client_crypt_hex, v->client_crypt, sizeof v->client_crypt);
    v->server_crypt_len = tt_hex(server_crypt_hex, v->server_crypt, sizeof v->server_crypt);
    hex_exact(premaster_hex, v->premaster, 32);
}

static tern_kdf_input kdf_input(const vec_bytes *v, const uint8_t *premaster)
{
    tern_kdf_input in = {
        .premaster = premaster,
        .server_nonce = SERVER_NONCE,
        .client_nonce = CLIENT_NONCE,
        .client_conn_id = CLIENT_CONN_ID,
        .server_conn_id = SERVER_CONN_ID,
        .server_cert = {v->server_cert, v->server_cert_len},
        .client_cert = {v->client_cert, v->client_cert_len},
        .server_crypt = {v->server_crypt, v->server_crypt_len},
        .client_crypt = {v->client_crypt, v->client_crypt_len},
    };
    return in;
}

static void test_ed25519_public_from_seed(void **state)
{
    (void)state;
    uint8_t seed[32], want[32];
    tern_ed25519 k;
    hex_exact(client_seed_hex, seed, 32);
    hex_exact(client_ed_pub_hex, want, 32);
    assert_int_equal(tern_ed25519_from_seed(&k, seed), TERN_OK);
    assert_memory_equal(k.pub, want, 32);
    tern_ed25519_free(&k);
    hex_exact(server_seed_hex, seed, 32);
    hex_exact(server_ed_pub_hex, want, 32);
    assert_int_equal(tern_ed25519_from_seed(&k, seed), TERN_OK);
    assert_memory_equal(k.pub, want, 32);
    tern_ed25519_free(&k);
}

/* The certs embed the Ed25519 public keys: a cross-check of the vectors. */
static void test_certs_carry_the_keys(void **state)
{
    (void)state;
    vec_bytes v;
    uint8_t pub[32];
    load_bytes(&v);
    assert_int_equal(v.client_cert_len, 38);
    hex_exact(client_ed_pub_hex, pub, 32);
    assert_memory_equal(v.client_cert + 4, pub, 32);
    hex_exact(server_ed_pub_hex, pub, 32);
    assert_memory_equal(v.server_cert + 4, pub, 32);
}

static void check_signature(const char *seed_hex, const uint8_t *msg, size_t len,
                            const char *sig_hex)
{
    uint8_t seed[32], want[64], sig[64];
    tern_ed25519 k, pub;
    hex_exact(seed_hex, seed, 32);
    hex_exact(sig_hex, want, 64);
    assert_int_equal(tern_ed25519_from_seed(&k, seed), TERN_OK);
    assert_int_equal(tern_ed25519_sign(&k, msg, len, sig), TERN_OK);
    assert_memory_equal(sig, want, 64);
    /* A verifier that only knows the public key accepts it... */
    assert_int_equal(tern_ed25519_from_public(&pub, k.pub, 32), TERN_OK);
    assert_int_equal(tern_ed25519_verify(&pub, msg, len, sig, 64), TERN_OK);
    /* ...and not over one changed bit of the crypt info. */
    uint8_t copy[64];
    memcpy(copy, msg, len);
    copy[len - 1] ^= 1;
    assert_int_equal(tern_ed25519_verify(&pub, copy, len, sig, 64), TERN_CRYPTO);
    tern_ed25519_free(&pub);
    tern_ed25519_free(&k);
}

static void test_crypt_info_signatures(void **state)
{
    (void)state;
    vec_bytes v;
    load_bytes(&v);
    assert_int_equal(v.client_crypt_len, 49);
    assert_int_equal(v.server_crypt_len, 49);
    check_signature(client_seed_hex, v.client_crypt, v.client_crypt_len, client_sig_hex);
    check_signature(server_seed_hex, v.server_crypt, v.server_crypt_len, server_sig_hex);
}

static void test_x25519_publics(void **state)
{
    (void)state;
    uint8_t priv[32], want[32];
    tern_x25519 k;
    memset(priv, 0x11, 32);
    hex_exact(client_x_pub_hex, want, 32);
    assert_int_equal(tern_x25519_from_private(&k, priv), TERN_OK);
    assert_memory_equal(k.pub, want, 32);
    tern_x25519_free(&k);
    memset(priv, 0x22, 32);
    hex_exact(server_x_pub_hex, want, 32);
    assert_int_equal(tern_x25519_from_private(&k, priv), TERN_OK);
    assert_memory_equal(k.pub, want, 32);
    tern_x25519_free(&k);
}

static void test_shared_and_premaster(void **state)
{
    (void)state;
    uint8_t priv[32], want_shared[32], want_pm[32], out[32];
    tern_x25519 c, s;
    memset(priv, 0x11, 32);
    assert_int_equal(tern_x25519_from_private(&c, priv), TERN_OK);
    memset(priv, 0x22, 32);
    assert_int_equal(tern_x25519_from_private(&s, priv), TERN_OK);
    hex_exact(shared_hex, want_shared, 32);
    hex_exact(premaster_hex, want_pm, 32);

    assert_int_equal(tern_x25519_shared(&c, s.pub, 32, out), TERN_OK);
    assert_memory_equal(out, want_shared, 32);
    assert_int_equal(tern_x25519_shared(&s, c.pub, 32, out), TERN_OK);
    assert_memory_equal(out, want_shared, 32);

    assert_int_equal(tern_sha256(want_shared, 32, out), TERN_OK);
    assert_memory_equal(out, want_pm, 32);
    assert_int_equal(tern_x25519_premaster(&c, s.pub, 32, out), TERN_OK);
    assert_memory_equal(out, want_pm, 32);
    assert_int_equal(tern_x25519_premaster(&s, c.pub, 32, out), TERN_OK);
    assert_memory_equal(out, want_pm, 32);
    tern_x25519_free(&c);
    tern_x25519_free(&s);
}

static void test_salt_and_prk(void **state)
{
    (void)state;
    uint8_t salt[16], want_salt[16], prk[32], want_prk[32], pm[32];
    hex_exact(salt_hex, want_salt, 16);
    hex_exact(prk_hex, want_prk, 32);
    hex_exact(premaster_hex, pm, 32);
    tern_kdf_salt(SERVER_NONCE, CLIENT_NONCE, salt);
    assert_memory_equal(salt, want_salt, 16);
    assert_int_equal(tern_kdf_extract(pm, salt, prk), TERN_OK);
    assert_memory_equal(prk, want_prk, 32);
    /* The quirk: RFC 5869 order (key = salt) gives something else. */
    assert_int_equal(tern_hmac_sha256(salt, 16, pm, 32, prk), TERN_OK);
    assert_memory_not_equal(prk, want_prk, 32);
}

static void test_info(void **state)
{
    (void)state;
    vec_bytes v;
    load_bytes(&v);
    tern_kdf_input in = kdf_input(&v, v.premaster);
    uint8_t head[TERN_KDF_HEAD_LEN], want[22], joined[256];
    tern_piece pieces[TERN_KDF_INFO_PIECES];
    assert_int_equal(tern_kdf_info(&in, head, pieces), 196);
    size_t n = 0;
    for (int i = 0; i < TERN_KDF_INFO_PIECES; i++) {
        memcpy(joined + n, pieces[i].p, pieces[i].len);
        n += pieces[i].len;
    }
    assert_int_equal(n, 196);
    hex_exact(info_head_hex, want, 22);
    assert_memory_equal(joined, want, 22);
    /* Then server cert, client cert, server crypt, client crypt. */
    assert_memory_equal(joined + 22, v.server_cert, 38);
    assert_memory_equal(joined + 60, v.client_cert, 38);
    assert_memory_equal(joined + 98, v.server_crypt, 49);
    assert_memory_equal(joined + 147, v.client_crypt, 49);
}

static void check_keys(const tern_session_keys *k)
{
    uint8_t t1[32], t2[32], t3[12], t4[12];
    hex_exact(t1_hex, t1, 32);
    hex_exact(t2_hex, t2, 32);
    hex_exact(t3_hex, t3, 12);
    hex_exact(t4_hex, t4, 12);
    assert_memory_equal(k->c2s_key, t1, 32);
    assert_memory_equal(k->s2c_key, t2, 32);
    assert_memory_equal(k->c2s_iv, t3, 12);
    assert_memory_equal(k->s2c_iv, t4, 12);
}

static void test_expand_and_derive(void **state)
{
    (void)state;
    vec_bytes v;
    load_bytes(&v);
    tern_kdf_input in = kdf_input(&v, v.premaster);
    tern_session_keys k;

    /* Step by step, T1..T4 from the published PRK. */
    uint8_t prk[32], head[TERN_KDF_HEAD_LEN];
    tern_piece info[TERN_KDF_INFO_PIECES];
    hex_exact(prk_hex, prk, 32);
    tern_kdf_info(&in, head, info);
    assert_int_equal(tern_kdf_expand(prk, info, TERN_KDF_INFO_PIECES, &k), TERN_OK);
    check_keys(&k);

    /* T2 by hand from T1: HMAC(PRK, T1 || info || 0x02) over one joined
     * buffer, which checks the pieces/counter plumbing of expand. */
    uint8_t joined[32 + 196 + 1], t[32];
    memcpy(joined, k.c2s_key, 32);
    size_t n = 32;
    for (int i = 0; i < TERN_KDF_INFO_PIECES; i++) {
        memcpy(joined + n, info[i].p, info[i].len);
        n += info[i].len;
    }
    joined[n++] = 2;
    assert_int_equal(tern_hmac_sha256(prk, 32, joined, n, t), TERN_OK);
    assert_memory_equal(t, k.s2c_key, 32);

    memset(&k, 0xaa, sizeof k);
    assert_int_equal(tern_kdf_derive(&in, &k), TERN_OK);
    check_keys(&k);
    tern_session_keys_wipe(&k);
    uint8_t zero[sizeof k] = {0};
    assert_memory_equal(&k, zero, sizeof k);
}

/* Both roles, each from its own key objects, reach the same keys. */
static void test_both_roles_derive_the_same(void **state)
{
    (void)state;
    vec_bytes v;
    load_bytes(&v);
    uint8_t priv[32], pm_c[32], pm_s[32];
    tern_x25519 c, s;
    memset(priv, 0x11, 32);
    assert_int_equal(tern_x25519_from_private(&c, priv), TERN_OK);
    memset(priv, 0x22, 32);
    assert_int_equal(tern_x25519_from_private(&s, priv), TERN_OK);
    assert_int_equal(tern_x25519_premaster(&c, s.pub, 32, pm_c), TERN_OK);
    assert_int_equal(tern_x25519_premaster(&s, c.pub, 32, pm_s), TERN_OK);
    tern_kdf_input in_c = kdf_input(&v, pm_c), in_s = kdf_input(&v, pm_s);
    tern_session_keys kc, ks;
    assert_int_equal(tern_kdf_derive(&in_c, &kc), TERN_OK);
    assert_int_equal(tern_kdf_derive(&in_s, &ks), TERN_OK);
    assert_memory_equal(&kc, &ks, sizeof kc);
    check_keys(&kc);
    tern_x25519_free(&c);
    tern_x25519_free(&s);
}

static void test_ivs(void **state)
{
    (void)state;
    uint8_t base[12], want[12], iv[12];
    hex_exact(t3_hex, base, 12);
    hex_exact(iv2_hex, want, 12);
    tern_aead_iv(base, 2, iv);
    assert_memory_equal(iv, want, 12);
    hex_exact(t4_hex, base, 12);
    hex_exact(iv10005_hex, want, 12);
    tern_aead_iv(base, 0x10005, iv);
    assert_memory_equal(iv, want, 12);
}

static void test_packet(void **state)
{
    (void)state;
    vec_bytes v;
    load_bytes(&v);
    tern_kdf_input in = kdf_input(&v, v.premaster);
    tern_session_keys k;
    assert_int_equal(tern_kdf_derive(&in, &k), TERN_OK);

    uint8_t plain[17], udp[64], out[64];
    hex_exact(plain_hex, plain, 17);
    hex_exact(udp_hex, udp, 7 + 17 + 16);
    assert_int_equal(udp[0], 0x80);

    tern_aead client, server;
    assert_int_equal(tern_aead_init_session(&client, TERN_CIPHER_AES_256_GCM, &k, false), TERN_OK);
    assert_int_equal(tern_aead_init_session(&server, TERN_CIPHER_AES_256_GCM, &k, true), TERN_OK);
    tern_session_keys_wipe(&k);

    assert_int_equal(tern_aead_seal(&client, 2, plain, 17, out, sizeof out), 33);
    assert_memory_equal(out, udp + 7, 33);
    memset(out, 0, sizeof out);
    assert_int_equal(tern_aead_open(&server, 2, udp + 7, 33, out, sizeof out), 17);
    assert_memory_equal(out, plain, 17);

    /* The client cannot open its own packet: directions have their own keys. */
    assert_int_equal(tern_aead_open(&client, 2, udp + 7, 33, out, sizeof out), -TERN_CRYPTO);
    tern_aead_free(&client);
    tern_aead_free(&server);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ed25519_public_from_seed),
        cmocka_unit_test(test_certs_carry_the_keys),
        cmocka_unit_test(test_crypt_info_signatures),
        cmocka_unit_test(test_x25519_publics),
        cmocka_unit_test(test_shared_and_premaster),
        cmocka_unit_test(test_salt_and_prk),
        cmocka_unit_test(test_info),
        cmocka_unit_test(test_expand_and_derive),
        cmocka_unit_test(test_both_roles_derive_the_same),
        cmocka_unit_test(test_ivs),
        cmocka_unit_test(test_packet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
