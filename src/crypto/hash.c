#include "crypto/hash.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

tern_result tern_sha256_v(const tern_piece *v, size_t n, uint8_t out[TERN_SHA256_LEN])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int outl = 0;
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    for (size_t i = 0; ok && i < n; i++)
        if (v[i].len) ok = EVP_DigestUpdate(md, v[i].p, v[i].len) == 1;
    ok = ok && EVP_DigestFinal_ex(md, out, &outl) == 1 && outl == TERN_SHA256_LEN;
    EVP_MD_CTX_free(md);
    if (!ok) {
        ERR_clear_error();
        memset(out, 0, TERN_SHA256_LEN);
        return TERN_CRYPTO;
    }
    return TERN_OK;
}

tern_result tern_sha256(const void *data, size_t len, uint8_t out[TERN_SHA256_LEN])
{
    tern_piece one = {data, len};
    return tern_sha256_v(&one, 1, out);
}

/* A context keyed with |key|, or NULL. */
static EVP_MAC_CTX *hmac_new(const uint8_t *key, size_t key_len)
{
    /* EVP_MAC_init treats a NULL key as "keep the previous key", which a fresh
     * context does not have; an empty key must still be a real pointer. */
    static const uint8_t empty_key[1];
    EVP_MAC *alg = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
    EVP_MAC_CTX *ctx = alg ? EVP_MAC_CTX_new(alg) : NULL;
    EVP_MAC_free(alg); /* the context holds its own reference */
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    if (ctx && EVP_MAC_init(ctx, key_len ? key : empty_key, key_len, params) == 1) return ctx;
    EVP_MAC_CTX_free(ctx);
    return NULL;
}

/* Feed the pieces to |ctx| (consumed: freed here) and finish into |out|. */
static tern_result hmac_finish(EVP_MAC_CTX *ctx, const tern_piece *v, size_t n,
                               uint8_t out[TERN_SHA256_LEN])
{
    uint8_t mac[TERN_SHA256_LEN];
    size_t macl = 0;
    int ok = ctx != NULL;
    for (size_t i = 0; ok && i < n; i++)
        if (v[i].len) ok = EVP_MAC_update(ctx, v[i].p, v[i].len) == 1;
    /* Into a local first: |out| may alias an input that is still being read. */
    ok = ok && EVP_MAC_final(ctx, mac, &macl, sizeof mac) == 1 && macl == sizeof mac;
    EVP_MAC_CTX_free(ctx); /* wipes the key pads */
    if (!ok) {
        ERR_clear_error();
        memset(out, 0, TERN_SHA256_LEN);
        return TERN_CRYPTO;
    }
    memcpy(out, mac, sizeof mac);
    OPENSSL_cleanse(mac, sizeof mac);
    return TERN_OK;
}

tern_result tern_hmac_sha256_key(tern_hmac *h, const uint8_t *key, size_t key_len)
{
    h->ctx = hmac_new(key, key_len);
    if (h->ctx) return TERN_OK;
    ERR_clear_error();
    return TERN_CRYPTO;
}

tern_result tern_hmac_sha256_run(tern_hmac *h, const tern_piece *v, size_t n,
                                 uint8_t out[TERN_SHA256_LEN])
{
    /* A copy of the keyed context starts where the key pads left off. (A
     * re-init with a NULL key would be cheaper still, but some OpenSSL 3.0
     * releases ignore it and keep the finished state.) */
    return hmac_finish(h->ctx ? EVP_MAC_CTX_dup(h->ctx) : NULL, v, n, out);
}

void tern_hmac_sha256_free(tern_hmac *h)
{
    EVP_MAC_CTX_free(h->ctx);
    h->ctx = NULL;
}

tern_result tern_hmac_sha256_v(const uint8_t *key, size_t key_len, const tern_piece *v, size_t n,
                               uint8_t out[TERN_SHA256_LEN])
{
    return hmac_finish(hmac_new(key, key_len), v, n, out);
}

tern_result tern_hmac_sha256(const uint8_t *key, size_t key_len, const void *msg, size_t len,
                             uint8_t out[TERN_SHA256_LEN])
{
    tern_piece one = {msg, len};
    return tern_hmac_sha256_v(key, key_len, &one, 1, out);
}
