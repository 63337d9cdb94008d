#include "crypto/x25519.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/hash.h"
#include "crypto/rand.h"

tern_result tern_x25519_from_private(tern_x25519 *k, const uint8_t priv[TERN_X25519_LEN])
{
    memset(k, 0, sizeof *k);
    EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, TERN_X25519_LEN);
    size_t publen = sizeof k->pub;
    if (!pkey || EVP_PKEY_get_raw_public_key(pkey, k->pub, &publen) != 1 ||
        publen != sizeof k->pub) {
        EVP_PKEY_free(pkey);
        ERR_clear_error();
        memset(k, 0, sizeof *k);
        return TERN_CRYPTO;
    }
    k->pkey = pkey;
    return TERN_OK;
}

tern_result tern_x25519_generate(tern_x25519 *k)
{
    uint8_t priv[TERN_X25519_LEN];
    memset(k, 0, sizeof *k);
    tern_result r = tern_rand_bytes(priv, sizeof priv);
    if (r == TERN_OK) r = tern_x25519_from_private(k, priv);
    OPENSSL_cleanse(priv, sizeof priv);
    return r;
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) acc |= p[i];
    return acc == 0;
}

tern_result tern_x25519_shared(const tern_x25519 *k, const uint8_t *peer, size_t peer_len,
                               uint8_t out[TERN_X25519_LEN])
{
    memset(out, 0, TERN_X25519_LEN);
    if (!k->pkey || peer_len != TERN_X25519_LEN) return TERN_CRYPTO;
    EVP_PKEY *peer_key = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, peer_len);
    EVP_PKEY_CTX *ctx = peer_key ? EVP_PKEY_CTX_new(k->pkey, NULL) : NULL;
    size_t outlen = TERN_X25519_LEN;
    /* OpenSSL already refuses a result of all zeros (a low-order peer point);
     * the explicit check keeps that guarantee independent of the library. */
    int ok = ctx && EVP_PKEY_derive_init(ctx) == 1 &&
             EVP_PKEY_derive_set_peer(ctx, peer_key) == 1 &&
             EVP_PKEY_derive(ctx, out, &outlen) == 1 && outlen == TERN_X25519_LEN &&
             !all_zero(out, TERN_X25519_LEN);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(peer_key);
    if (!ok) {
        ERR_clear_error();
        OPENSSL_cleanse(out, TERN_X25519_LEN);
        return TERN_CRYPTO;
    }
    return TERN_OK;
}

tern_result tern_x25519_premaster(const tern_x25519 *k, const uint8_t *peer, size_t peer_len,
                                  uint8_t out[TERN_X25519_LEN])
{
    uint8_t shared[TERN_X25519_LEN];
    tern_result r = tern_x25519_shared(k, peer, peer_len, shared);
    if (r == TERN_OK)
        r = tern_sha256(shared, sizeof shared, out);
    else
        memset(out, 0, TERN_X25519_LEN);
    OPENSSL_cleanse(shared, sizeof shared);
    return r;
}

void tern_x25519_free(tern_x25519 *k)
{
    EVP_PKEY_free(k->pkey);
    OPENSSL_cleanse(k, sizeof *k);
}
