/* SHA-256 and HMAC-SHA-256 (WIRE.md §4.4, §4.5). The vector forms hash
 * several pieces as if they were concatenated, so that callers never build a
 * joined copy of certificates and crypt infos. */
#ifndef TERN_CRYPTO_HASH_H
#define TERN_CRYPTO_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "tern/tern.h"

#define TERN_SHA256_LEN 32

/* One piece of a message; |p| may be NULL when |len| is 0. Borrowed. */
typedef struct tern_piece {
    const void *p;
    size_t len;
} tern_piece;

/* |out| = SHA-256 of the |n| pieces in order. Inputs borrowed, |out| written.
 * TERN_OK, or TERN_CRYPTO if OpenSSL fails (out of memory inside libcrypto);
 * |out| is then zeroed. */
tern_result tern_sha256_v(const tern_piece *v, size_t n, uint8_t out[TERN_SHA256_LEN]);

/* One-shot SHA-256 of |len| bytes at |data|; results as tern_sha256_v. */
tern_result tern_sha256(const void *data, size_t len, uint8_t out[TERN_SHA256_LEN]);

/* |out| = HMAC-SHA-256 with key |key| (|key_len| bytes, may be 0) over the |n|
 * pieces in order. Inputs borrowed, |out| written (it may alias a piece or
 * the key). TERN_OK, or TERN_CRYPTO if OpenSSL fails; |out| is then zeroed. */
tern_result tern_hmac_sha256_v(const uint8_t *key, size_t key_len, const tern_piece *v, size_t n,
                               uint8_t out[TERN_SHA256_LEN]);

/* An HMAC-SHA-256 key set up once for several MACs (the KDF's expand step
 * runs four under one key). Not for concurrent use. */
typedef struct tern_hmac {
    struct evp_mac_ctx_st *ctx;
} tern_hmac;

/* Set up |h| with |key| (|key_len| bytes, may be 0; copied). TERN_OK, or
 * TERN_CRYPTO if OpenSSL fails (|h| is then empty; freeing it is safe). */
tern_result tern_hmac_sha256_key(tern_hmac *h, const uint8_t *key, size_t key_len);

/* |out| = HMAC-SHA-256 under |h|'s key over the |n| pieces in order; |h| can
 * run again. Results and aliasing as tern_hmac_sha256_v. */
tern_result tern_hmac_sha256_run(tern_hmac *h, const tern_piece *v, size_t n,
                                 uint8_t out[TERN_SHA256_LEN]);

/* Release |h| and wipe its key state. Safe on an empty or freed one. */
void tern_hmac_sha256_free(tern_hmac *h);

/* One-shot HMAC-SHA-256; results as tern_hmac_sha256_v. */
tern_result tern_hmac_sha256(const uint8_t *key, size_t key_len, const void *msg, size_t len,
                             uint8_t out[TERN_SHA256_LEN]);

#endif
