/* Per-packet protection of data packets (WIRE.md §4.8). One tern_aead per
 * connection holds an AES-256-GCM context per direction, keyed when first
 * used; each packet only sets its nonce:
 *
 *   IV(P) = u64le(u64le_read(IVbase[0..7]) + P mod 2^64) || IVbase[8..11]
 *
 * No AAD (nothing of the header is authenticated), 16-byte tag appended.
 * With the NULL cipher the payload travels as plaintext without a tag. */
#ifndef TERN_CRYPTO_AEAD_H
#define TERN_CRYPTO_AEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto/cipher.h"
#include "crypto/kdf.h"
#include "tern/tern.h"
#include "util/bytes.h"

#define TERN_AEAD_TAG_LEN 16

struct evp_cipher_ctx_st;

/* Zero-initialise (or tern_aead_init) before use. Sealing and opening use
 * separate contexts, so one thread may seal while another opens; two
 * concurrent seals (or opens) on one tern_aead are not allowed.
 *
 * An OpenSSL AES-GCM context costs over a kilobyte of heap (key schedule,
 * GHASH tables). A connection that only exchanges a keepalive every ten
 * seconds must not hold two of them, so the keys are kept here and each
 * context is made on its first use; tern_aead_trim() gives them back when
 * the connection goes quiet. */
typedef struct tern_aead {
    struct evp_cipher_ctx_st *enc; /* AES only; NULL until needed */
    struct evp_cipher_ctx_st *dec;
    uint8_t send_key[TERN_AEAD_KEY_LEN];
    uint8_t recv_key[TERN_AEAD_KEY_LEN];
    uint8_t send_iv[TERN_AEAD_IV_LEN];
    uint8_t recv_iv[TERN_AEAD_IV_LEN];
    uint32_t cipher; /* enum tern_cipher; INVALID until initialised */
} tern_aead;

/* The nonce for packet number |pktnum| from a 12-byte IV base. */
static inline void tern_aead_iv(const uint8_t base[TERN_AEAD_IV_LEN], uint64_t pktnum,
                                uint8_t out[TERN_AEAD_IV_LEN])
{
    tern_store_le64(out, tern_load_le64(base) + pktnum); /* unsigned: wraps mod 2^64 */
    memcpy(out + 8, base + 8, 4);
}

/* Set up |a| for |cipher| (TERN_CIPHER_AES_256_GCM or TERN_CIPHER_NULL) with
 * this side's send key and IV base and the peer's (its recv key and IV base).
 * Keys and IVs are copied; for the NULL cipher they are ignored and may be
 * NULL. TERN_OK; TERN_INVALID_PARAM for any other cipher value or a NULL
 * key/IV with AES; TERN_CRYPTO if OpenSSL has no AES-256-GCM. On failure |a|
 * is left freed (cipher INVALID), safe to free again. The OpenSSL contexts
 * are made by the first seal and the first open. */
tern_result tern_aead_init(tern_aead *a, uint32_t cipher, const uint8_t *send_key,
                           const uint8_t *send_iv, const uint8_t *recv_key, const uint8_t *recv_iv);

/* tern_aead_init with the keys of |k| (borrowed) picked for this side's role:
 * a client sends with c2s and receives with s2c, a server the other way. */
tern_result tern_aead_init_session(tern_aead *a, uint32_t cipher, const tern_session_keys *k,
                                   bool is_server);

/* Bytes added to every payload: 16 for AES-GCM, 0 for NULL. */
static inline size_t tern_aead_overhead(const tern_aead *a)
{
    return a->cipher == TERN_CIPHER_AES_256_GCM ? TERN_AEAD_TAG_LEN : 0;
}

/* Protect |len| bytes of plaintext at |in| as packet |pktnum| into |out|
 * (|cap| bytes). |out| may equal |in| (in-place) but must not otherwise
 * overlap it. Returns the bytes written (len + overhead), or a negative
 * result: -TERN_BUF_TOO_SMALL when |cap| is short (nothing written);
 * -TERN_MSG_TOO_BIG when |len| exceeds what OpenSSL takes (~2 GB);
 * -TERN_INVALID_STATE when |a| is not initialised; -TERN_INVALID_PARAM for
 * a NULL |out| (or NULL |in| with |len| > 0); -TERN_CRYPTO if OpenSSL
 * fails (out of memory for the context, or a bug; drop the packet). The caller must never seal two
 * packets with one packet number. */
ptrdiff_t tern_aead_seal(tern_aead *a, uint64_t pktnum, const uint8_t *in, size_t len, uint8_t *out,
                         size_t cap);

/* Check and decrypt |len| bytes (ciphertext || tag) at |in| received as packet
 * |pktnum| into |out| (|cap| bytes). |out| may equal |in|. Returns the
 * plaintext length, or a negative result: -TERN_CRYPTO when authentication
 * fails (tampered, wrong packet number, wrong key; |out| is zeroed up to the
 * plaintext length so unauthenticated bytes never leak out);
 * -TERN_TRUNCATED when |len| is shorter than the tag; -TERN_BUF_TOO_SMALL
 * when |cap| is short; -TERN_MSG_TOO_BIG as for seal; -TERN_INVALID_STATE
 * when |a| is not initialised; -TERN_INVALID_PARAM for NULL buffers. Every failure means: drop the
 * datagram. */
ptrdiff_t tern_aead_open(tern_aead *a, uint64_t pktnum, const uint8_t *in, size_t len, uint8_t *out,
                         size_t cap);

/* Free the OpenSSL contexts (they wipe their key schedules) and keep only
 * the keys: the next seal or open makes its context again. For a connection
 * gone quiet. */
void tern_aead_trim(tern_aead *a);

/* Free the OpenSSL contexts and wipe |a|. Safe on a zeroed or already freed
 * tern_aead. */
void tern_aead_free(tern_aead *a);

#endif
