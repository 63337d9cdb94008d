#include "crypto/ed25519.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/hash.h"
#include "crypto/rand.h"
#include "util/bytes.h"

tern_result tern_ed25519_from_seed(tern_ed25519 *k, const uint8_t seed[TERN_ED25519_SEED_LEN])
{
    memset(k, 0, sizeof *k);
    EVP_PKEY *pkey =
        EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, TERN_ED25519_SEED_LEN);
    size_t publen = sizeof k->pub;
    if (!pkey || EVP_PKEY_get_raw_public_key(pkey, k->pub, &publen) != 1 ||
        publen != sizeof k->pub) {
        EVP_PKEY_free(pkey);
        ERR_clear_error();
        memset(k, 0, sizeof *k);
        return TERN_CRYPTO;
    }
    k->pkey = pkey;
    k->has_private = true;
    return TERN_OK;
}

tern_result tern_ed25519_generate(tern_ed25519 *k)
{
    uint8_t seed[TERN_ED25519_SEED_LEN];
    memset(k, 0, sizeof *k);
    tern_result r = tern_rand_bytes(seed, sizeof seed);
    if (r == TERN_OK) r = tern_ed25519_from_seed(k, seed);
    OPENSSL_cleanse(seed, sizeof seed);
    return r;
}

tern_result tern_ed25519_from_public(tern_ed25519 *k, const uint8_t *pub, size_t len)
{
    memset(k, 0, sizeof *k);
    if (len != TERN_ED25519_PUB_LEN) return TERN_BAD_CERT;
    EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, len);
    if (!pkey) {
        ERR_clear_error();
        return TERN_BAD_CERT;
    }
    k->pkey = pkey;
    memcpy(k->pub, pub, len);
    return TERN_OK;
}

tern_result tern_ed25519_ref(tern_ed25519 *dst, const tern_ed25519 *src)
{
    memset(dst, 0, sizeof *dst);
    if (!src->pkey) return TERN_INVALID_STATE;
    if (EVP_PKEY_up_ref(src->pkey) != 1) {
        ERR_clear_error();
        return TERN_CRYPTO;
    }
    *dst = *src;
    return TERN_OK;
}

tern_result tern_ed25519_sign(const tern_ed25519 *k, const void *msg, size_t len,
                              uint8_t sig[TERN_ED25519_SIG_LEN])
{
    if (!k->pkey || !k->has_private) return TERN_INVALID_STATE;
    /* Ed25519 is a one-shot signature in OpenSSL: no digest, no streaming, so
     * a digest context per call is the API; the key itself is reused. */
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t siglen = TERN_ED25519_SIG_LEN;
    int ok = md && EVP_DigestSignInit(md, NULL, NULL, NULL, k->pkey) == 1 &&
             EVP_DigestSign(md, sig, &siglen, msg, len) == 1 && siglen == TERN_ED25519_SIG_LEN;
    EVP_MD_CTX_free(md);
    if (!ok) {
        ERR_clear_error();
        memset(sig, 0, TERN_ED25519_SIG_LEN);
        return TERN_CRYPTO;
    }
    return TERN_OK;
}

tern_result tern_ed25519_verify(const tern_ed25519 *k, const void *msg, size_t len,
                                const uint8_t *sig, size_t sig_len)
{
    if (!k->pkey || sig_len != TERN_ED25519_SIG_LEN) return TERN_CRYPTO;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, k->pkey) == 1 &&
             EVP_DigestVerify(md, sig, sig_len, msg, len) == 1;
    EVP_MD_CTX_free(md);
    if (!ok) {
        /* A bad signature leaves an error on the thread's queue; do not let it
         * surface in some later, unrelated OpenSSL call. */
        ERR_clear_error();
        return TERN_CRYPTO;
    }
    return TERN_OK;
}

void tern_ed25519_free(tern_ed25519 *k)
{
    EVP_PKEY_free(k->pkey);
    OPENSSL_cleanse(k, sizeof *k);
}

tern_result tern_ca_key_id(const uint8_t *pub, size_t len, uint64_t *out)
{
    uint8_t d[TERN_SHA256_LEN];
    *out = 0;
    if (len != TERN_ED25519_PUB_LEN) return TERN_INVALID_PARAM;
    tern_result r = tern_sha256(pub, len, d);
    if (r != TERN_OK) return r;
    *out = tern_load_le64(d);
    return TERN_OK;
}
