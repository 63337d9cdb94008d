#include "crypto/aead.h"

#include <limits.h>
#include <stdatomic.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

/* OpenSSL takes int lengths. */
#define AEAD_MAX_LEN ((size_t)INT_MAX - TERN_AEAD_TAG_LEN)

/* The cipher, fetched once for the process: a fetch per context would
 * cost a method-store lookup each time an idle connection wakes up. */
static _Atomic(EVP_CIPHER *) gcm_alg;

static EVP_CIPHER *gcm(void)
{
    EVP_CIPHER *alg = atomic_load(&gcm_alg);
    if (alg) return alg;
    alg = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    if (!alg) {
        ERR_clear_error();
        return NULL;
    }
    EVP_CIPHER *none = NULL;
    if (!atomic_compare_exchange_strong(&gcm_alg, &none, alg)) {
        EVP_CIPHER_free(alg); /* another thread was first */
        return none;
    }
    return alg;
}

static EVP_CIPHER_CTX *new_ctx(const uint8_t *key, int enc)
{
    EVP_CIPHER *alg = gcm();
    EVP_CIPHER_CTX *c = alg ? EVP_CIPHER_CTX_new() : NULL;
    /* Key now, IV per packet: the key schedule is computed once per
     * context. 12 bytes is GCM's default IV length, set anyway so that a
     * changed default could never silently change the nonce. */
    if (!c || EVP_CipherInit_ex(c, alg, NULL, NULL, NULL, enc) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, TERN_AEAD_IV_LEN, NULL) != 1 ||
        EVP_CipherInit_ex(c, NULL, NULL, key, NULL, enc) != 1) {
        EVP_CIPHER_CTX_free(c);
        ERR_clear_error();
        return NULL;
    }
    return c;
}

tern_result tern_aead_init(tern_aead *a, uint32_t cipher, const uint8_t *send_key,
                           const uint8_t *send_iv, const uint8_t *recv_key, const uint8_t *recv_iv)
{
    memset(a, 0, sizeof *a);
    if (cipher == TERN_CIPHER_NULL) {
        a->cipher = TERN_CIPHER_NULL;
        return TERN_OK;
    }
    if (cipher != TERN_CIPHER_AES_256_GCM || !send_key || !send_iv || !recv_key || !recv_iv)
        return TERN_INVALID_PARAM;
    if (!gcm()) return TERN_CRYPTO;
    memcpy(a->send_key, send_key, TERN_AEAD_KEY_LEN);
    memcpy(a->recv_key, recv_key, TERN_AEAD_KEY_LEN);
    memcpy(a->send_iv, send_iv, TERN_AEAD_IV_LEN);
    memcpy(a->recv_iv, recv_iv, TERN_AEAD_IV_LEN);
    a->cipher = TERN_CIPHER_AES_256_GCM;
    return TERN_OK;
}

tern_result tern_aead_init_session(tern_aead *a, uint32_t cipher, const tern_session_keys *k,
                                   bool is_server)
{
    if (is_server) return tern_aead_init(a, cipher, k->s2c_key, k->s2c_iv, k->c2s_key, k->c2s_iv);
    return tern_aead_init(a, cipher, k->c2s_key, k->c2s_iv, k->s2c_key, k->s2c_iv);
}

static ptrdiff_t copy_plain(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    if (cap < len) return -(ptrdiff_t)TERN_BUF_TOO_SMALL;
    if (len > (size_t)PTRDIFF_MAX) return -(ptrdiff_t)TERN_MSG_TOO_BIG;
    if (len && (!out || !in)) return -(ptrdiff_t)TERN_INVALID_PARAM;
    if (len && out != in) memmove(out, in, len);
    return (ptrdiff_t)len;
}

ptrdiff_t tern_aead_seal(tern_aead *a, uint64_t pktnum, const uint8_t *in, size_t len, uint8_t *out,
                         size_t cap)
{
    if (a->cipher == TERN_CIPHER_NULL) return copy_plain(in, len, out, cap);
    if (a->cipher != TERN_CIPHER_AES_256_GCM) return -(ptrdiff_t)TERN_INVALID_STATE;
    if (len > AEAD_MAX_LEN) return -(ptrdiff_t)TERN_MSG_TOO_BIG;
    if (cap < len + TERN_AEAD_TAG_LEN) return -(ptrdiff_t)TERN_BUF_TOO_SMALL;
    if (!out || (len && !in)) return -(ptrdiff_t)TERN_INVALID_PARAM;
    if (!a->enc && !(a->enc = new_ctx(a->send_key, 1))) return -(ptrdiff_t)TERN_CRYPTO;

    uint8_t iv[TERN_AEAD_IV_LEN], none[TERN_AEAD_TAG_LEN];
    int n = 0, fin = 0;
    tern_aead_iv(a->send_iv, pktnum, iv);
    /* EncryptUpdate with out == NULL means "this is AAD", which would
     * silently produce a packet GNS cannot open: hence the NULL checks above
     * and no update at all for an empty payload. GCM's Final writes nothing;
     * it gets a scratch buffer. */
    int ok =
        EVP_EncryptInit_ex(a->enc, NULL, NULL, NULL, iv) == 1 &&
        (len == 0 || (EVP_EncryptUpdate(a->enc, out, &n, in, (int)len) == 1 && (size_t)n == len)) &&
        EVP_EncryptFinal_ex(a->enc, none, &fin) == 1 && fin == 0 &&
        EVP_CIPHER_CTX_ctrl(a->enc, EVP_CTRL_GCM_GET_TAG, TERN_AEAD_TAG_LEN, out + len) == 1;
    if (!ok) {
        ERR_clear_error();
        return -(ptrdiff_t)TERN_CRYPTO;
    }
    return (ptrdiff_t)(len + TERN_AEAD_TAG_LEN);
}

ptrdiff_t tern_aead_open(tern_aead *a, uint64_t pktnum, const uint8_t *in, size_t len, uint8_t *out,
                         size_t cap)
{
    if (a->cipher == TERN_CIPHER_NULL) return copy_plain(in, len, out, cap);
    if (a->cipher != TERN_CIPHER_AES_256_GCM) return -(ptrdiff_t)TERN_INVALID_STATE;
    if (len < TERN_AEAD_TAG_LEN) return -(ptrdiff_t)TERN_TRUNCATED;
    size_t plen = len - TERN_AEAD_TAG_LEN;
    if (plen > AEAD_MAX_LEN) return -(ptrdiff_t)TERN_MSG_TOO_BIG;
    if (cap < plen) return -(ptrdiff_t)TERN_BUF_TOO_SMALL;
    if (!in || (plen && !out)) return -(ptrdiff_t)TERN_INVALID_PARAM;
    if (!a->dec && !(a->dec = new_ctx(a->recv_key, 0))) return -(ptrdiff_t)TERN_CRYPTO;

    uint8_t iv[TERN_AEAD_IV_LEN], tag[TERN_AEAD_TAG_LEN], none[TERN_AEAD_TAG_LEN];
    int n = 0, fin = 0;
    tern_aead_iv(a->recv_iv, pktnum, iv);
    /* A private copy of the tag: SET_TAG wants a mutable pointer, and the
     * caller's buffer must not be written beyond the plaintext. */
    memcpy(tag, in + plen, TERN_AEAD_TAG_LEN);
    /* Re-setting the IV also resets the GCM state, so a context whose last
     * open failed is fine for the next packet. */
    int ok = EVP_DecryptInit_ex(a->dec, NULL, NULL, NULL, iv) == 1 &&
             (plen == 0 ||
              (EVP_DecryptUpdate(a->dec, out, &n, in, (int)plen) == 1 && (size_t)n == plen)) &&
             EVP_CIPHER_CTX_ctrl(a->dec, EVP_CTRL_GCM_SET_TAG, TERN_AEAD_TAG_LEN, tag) == 1 &&
             EVP_DecryptFinal_ex(a->dec, none, &fin) == 1 && fin == 0;
    if (!ok) {
        ERR_clear_error();
        if (plen) memset(out, 0, plen);
        return -(ptrdiff_t)TERN_CRYPTO;
    }
    return (ptrdiff_t)plen;
}

void tern_aead_trim(tern_aead *a)
{
    EVP_CIPHER_CTX_free(a->enc);
    EVP_CIPHER_CTX_free(a->dec);
    a->enc = a->dec = NULL;
}

void tern_aead_free(tern_aead *a)
{
    tern_aead_trim(a);
    OPENSSL_cleanse(a, sizeof *a);
}
