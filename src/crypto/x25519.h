/* X25519 ephemeral key exchange (WIRE.md §4.4): each side makes a fresh key
 * pair per connection, sends the raw public key in its crypt info, and both
 * compute premaster = SHA-256(X25519(own private, peer public)). */
#ifndef TERN_CRYPTO_X25519_H
#define TERN_CRYPTO_X25519_H

#include <stddef.h>
#include <stdint.h>

#include "tern/tern.h"

#define TERN_X25519_LEN 32 /* private key, public key and shared secret */

struct evp_pkey_st;

/* A key pair. Zero-initialise it (or call a constructor) before
 * tern_x25519_free. One thread at a time. */
typedef struct tern_x25519 {
    struct evp_pkey_st *pkey;
    uint8_t pub[TERN_X25519_LEN]; /* the raw public key, for the crypt info */
} tern_x25519;

/* Fresh random key pair. TERN_OK; TERN_CRYPTO if the random generator or
 * OpenSSL fails (|k| left empty, safe to free). */
tern_result tern_x25519_generate(tern_x25519 *k);

/* Key pair from 32 raw private bytes (copied; clamped as RFC 7748 says).
 * TERN_OK; TERN_CRYPTO if OpenSSL fails (|k| left empty). */
tern_result tern_x25519_from_private(tern_x25519 *k, const uint8_t priv[TERN_X25519_LEN]);

/* The raw shared secret with the peer's |peer_len|-byte public key (borrowed)
 * into |out| (32 bytes, written). TERN_OK; TERN_CRYPTO when |k| is empty,
 * |peer_len| is not 32, or the peer key is a low-order point that gives an
 * all-zero secret (end reason 4002 for the caller); |out| is then zeroed. */
tern_result tern_x25519_shared(const tern_x25519 *k, const uint8_t *peer, size_t peer_len,
                               uint8_t out[TERN_X25519_LEN]);

/* premaster = SHA-256(shared secret) into |out| (32 bytes, written); the raw
 * secret never leaves this call. Results as tern_x25519_shared. */
tern_result tern_x25519_premaster(const tern_x25519 *k, const uint8_t *peer, size_t peer_len,
                                  uint8_t out[TERN_X25519_LEN]);

/* Release the key (OpenSSL wipes the private half) and wipe |k|. Safe on a
 * zeroed or already freed key. */
void tern_x25519_free(tern_x25519 *k);

#endif
