/* tern-bench crypto [--seconds N]: the cost of the crypto one side of a
 * handshake does, measured with the same OpenSSL tern uses, so the connect
 * scenario can be compared with its own floor. Per side and per connection
 * (WIRE.md §4: a fresh key exchange key, the crypt info signed, the peer's
 * verified, the shared secret derived, HKDF-SHA256 into two keys and two
 * IVs, two AES-GCM contexts):
 *   X25519 keygen + Ed25519 sign + Ed25519 verify + X25519 derive
 *   + 5 HMAC-SHA256 (extract, 4 expand blocks over ~600 B of certs and
 *   crypt infos) + 2 AES-256-GCM key setups.
 * That is tern's handshake: its cert key is made once per instance. GNS
 * also makes a fresh Ed25519 cert key per connection for its unsigned
 * certs; that variant is timed too (gns_style_us_per_side).
 * With client and server on their own cores, handshakes/s cannot exceed
 * 1e6 / (µs per side); that is the figure printed as crypto_hs_per_s. */
#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "crypto_cost.h"

static void fail(const char *what)
{
    fprintf(stderr, "tern-bench crypto: %s failed\n", what);
    exit(1);
}

static EVP_PKEY *keygen(int type)
{
    EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_id(type, NULL);
    EVP_PKEY *k = NULL;
    if (!kc || EVP_PKEY_keygen_init(kc) <= 0 || EVP_PKEY_keygen(kc, &k) <= 0) fail("keygen");
    EVP_PKEY_CTX_free(kc);
    return k;
}

/* One side's work; |peer_sig| / |peer_key| are a real peer's so the verify
 * succeeds, |peer_kx| the peer's X25519 key. |cert_key| signs, or NULL for
 * a fresh cert key made here. */
static void one_side(const uint8_t *msg, size_t msg_len, EVP_PKEY *peer_sign,
                     const uint8_t *peer_sig, EVP_PKEY *peer_kx, EVP_PKEY *cert_key)
{
    EVP_PKEY *sign = cert_key ? cert_key : keygen(EVP_PKEY_ED25519);
    EVP_PKEY *kx = keygen(EVP_PKEY_X25519);
    uint8_t sig[64];
    size_t sl = sizeof sig;
    EVP_MD_CTX *mc = EVP_MD_CTX_new();
    if (!mc || EVP_DigestSignInit(mc, NULL, NULL, NULL, sign) <= 0 ||
        EVP_DigestSign(mc, sig, &sl, msg, msg_len) <= 0)
        fail("sign");
    EVP_MD_CTX_free(mc);
    mc = EVP_MD_CTX_new();
    if (!mc || EVP_DigestVerifyInit(mc, NULL, NULL, NULL, peer_sign) <= 0 ||
        EVP_DigestVerify(mc, peer_sig, 64, msg, msg_len) != 1)
        fail("verify");
    EVP_MD_CTX_free(mc);
    uint8_t secret[32];
    size_t secl = sizeof secret;
    EVP_PKEY_CTX *dc = EVP_PKEY_CTX_new(kx, NULL);
    if (!dc || EVP_PKEY_derive_init(dc) <= 0 || EVP_PKEY_derive_set_peer(dc, peer_kx) <= 0 ||
        EVP_PKEY_derive(dc, secret, &secl) <= 0)
        fail("derive");
    EVP_PKEY_CTX_free(dc);
    static uint8_t info[600];
    uint8_t prk[32], t[32];
    unsigned tl;
    HMAC(EVP_sha256(), secret, 32, info, 16, prk, &tl);
    for (int i = 0; i < 4; i++) HMAC(EVP_sha256(), prk, 32, info, sizeof info, t, &tl);
    for (int i = 0; i < 2; i++) {
        EVP_CIPHER_CTX *cc = EVP_CIPHER_CTX_new();
        if (!cc || EVP_EncryptInit_ex(cc, EVP_aes_256_gcm(), NULL, t, t) <= 0) fail("aes");
        EVP_CIPHER_CTX_free(cc);
    }
    if (!cert_key) EVP_PKEY_free(sign);
    EVP_PKEY_free(kx);
}

/* CPU us per side over |secs| seconds. */
static double time_side(double secs, const uint8_t *msg, size_t msg_len, EVP_PKEY *peer_sign,
                        const uint8_t *peer_sig, EVP_PKEY *peer_kx, EVP_PKEY *cert_key,
                        uint64_t *rounds)
{
    for (int i = 0; i < 50; i++) one_side(msg, msg_len, peer_sign, peer_sig, peer_kx, cert_key);
    uint64_t n = 0;
    int64_t cpu0 = bench_cpu_us(), t0 = bench_now_us(), end = t0 + (int64_t)(secs * 1e6);
    while (bench_now_us() < end)
        for (int i = 0; i < 20; i++, n++)
            one_side(msg, msg_len, peer_sign, peer_sig, peer_kx, cert_key);
    *rounds = n;
    return (double)(bench_cpu_us() - cpu0) / (double)n;
}

int crypto_cost_main(int argc, char **argv)
{
    double secs = 2;
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--seconds") && i + 1 < argc) secs = atof(argv[++i]);
    uint8_t msg[80];
    for (size_t i = 0; i < sizeof msg; i++) msg[i] = (uint8_t)i;
    EVP_PKEY *peer_sign = keygen(EVP_PKEY_ED25519), *peer_kx = keygen(EVP_PKEY_X25519);
    uint8_t peer_sig[64];
    size_t sl = sizeof peer_sig;
    EVP_MD_CTX *mc = EVP_MD_CTX_new();
    if (!mc || EVP_DigestSignInit(mc, NULL, NULL, NULL, peer_sign) <= 0 ||
        EVP_DigestSign(mc, peer_sig, &sl, msg, sizeof msg) <= 0)
        fail("sign");
    EVP_MD_CTX_free(mc);
    EVP_PKEY *cert_key = keygen(EVP_PKEY_ED25519);
    uint64_t n, n_gns;
    /* Half the time each, alternating halves of that, so that a change in
     * the machine's load touches both alike. */
    double us = 0, gns = 0;
    for (int half = 0; half < 2; half++) {
        uint64_t k;
        us += time_side(secs / 4, msg, sizeof msg, peer_sign, peer_sig, peer_kx, cert_key, &k) / 2;
        n = half ? n + k : k;
        gns += time_side(secs / 4, msg, sizeof msg, peer_sign, peer_sig, peer_kx, NULL, &k) / 2;
        n_gns = half ? n_gns + k : k;
    }
    printf("handshake crypto, one side: %.1f us CPU (%" PRIu64 " rounds); "
           "with a fresh cert key per connection as GNS: %.1f us (%" PRIu64 " rounds)\n",
           us, n, gns, n_gns);
    printf("RESULT peer=openssl scenario=crypto rounds=%" PRIu64
           " crypto_us_per_side=%.2f crypto_hs_per_s=%.0f gns_style_us_per_side=%.2f"
           " gns_style_hs_per_s=%.0f ok=1\n",
           n, us, 1e6 / us, gns, 1e6 / gns);
    EVP_PKEY_free(cert_key);
    EVP_PKEY_free(peer_sign);
    EVP_PKEY_free(peer_kx);
    return 0;
}
