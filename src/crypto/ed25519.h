/* Ed25519 keys and signatures (WIRE.md §4.1, §4.2): certificate keys sign the
 * session crypt info, CA keys sign certificates. Keys and signatures travel as
 * raw RFC 8032 bytes. A key object wraps one OpenSSL key made once and then
 * reused for every signature or verification with it. */
#ifndef TERN_CRYPTO_ED25519_H
#define TERN_CRYPTO_ED25519_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/tern.h"

#define TERN_ED25519_SEED_LEN 32
#define TERN_ED25519_PUB_LEN  32
#define TERN_ED25519_SIG_LEN  64

struct evp_pkey_st;

/* A public key, or a key pair when |has_private|. Zero-initialise it (or call
 * one of the constructors) before tern_ed25519_free. Not shared between
 * threads while being created or freed; signing and verifying with one key
 * from several threads at once is fine. */
typedef struct tern_ed25519 {
    struct evp_pkey_st *pkey;
    uint8_t pub[TERN_ED25519_PUB_LEN]; /* the raw public key, for export */
    bool has_private;
} tern_ed25519;

/* Key pair from a 32-byte RFC 8032 seed (the "private key" of the RFC; |seed|
 * is copied). TERN_OK; TERN_CRYPTO if OpenSSL fails; then |k| is left empty
 * (safe to free). */
tern_result tern_ed25519_from_seed(tern_ed25519 *k, const uint8_t seed[TERN_ED25519_SEED_LEN]);

/* Fresh random key pair. TERN_OK; TERN_CRYPTO if the random generator or
 * OpenSSL fails (|k| left empty). */
tern_result tern_ed25519_generate(tern_ed25519 *k);

/* Public key only, from |len| raw bytes (copied), e.g. a certificate's
 * key_data. TERN_OK; TERN_BAD_CERT when |len| is not 32 or the bytes are
 * not a point OpenSSL accepts (|k| left empty); TERN_CRYPTO if OpenSSL fails
 * otherwise. */
tern_result tern_ed25519_from_public(tern_ed25519 *k, const uint8_t *pub, size_t len);

/* Make |dst| another handle on |src|'s key (one more reference to the same
 * OpenSSL key: no copy, no parsing), so that a long-lived key can be lent
 * to short-lived users who each free their own handle. TERN_OK;
 * TERN_INVALID_STATE when |src| is empty, TERN_CRYPTO if OpenSSL cannot
 * count the reference; then |dst| is left empty. */
tern_result tern_ed25519_ref(tern_ed25519 *dst, const tern_ed25519 *src);

/* Sign |len| bytes at |msg| (borrowed) into |sig| (64 bytes, written).
 * Ed25519 is deterministic: one key and message always give one signature.
 * TERN_OK; TERN_INVALID_STATE when |k| has no private key; TERN_CRYPTO if
 * OpenSSL fails (|sig| zeroed). */
tern_result tern_ed25519_sign(const tern_ed25519 *k, const void *msg, size_t len,
                              uint8_t sig[TERN_ED25519_SIG_LEN]);

/* Verify the |sig_len|-byte signature |sig| over |len| bytes at |msg| (all
 * borrowed). TERN_OK when it verifies; TERN_CRYPTO when it does not, when
 * |sig_len| is not 64, or when |k| is empty. The caller maps TERN_CRYPTO to
 * end reason 4002 (crypt info) or 4003 (CA signature). */
tern_result tern_ed25519_verify(const tern_ed25519 *k, const void *msg, size_t len,
                                const uint8_t *sig, size_t sig_len);

/* Release the OpenSSL key (its private half is wiped by OpenSSL) and wipe
 * |k|. Safe on a zeroed or already freed key. */
void tern_ed25519_free(tern_ed25519 *k);

/* The key ID that names a CA key in a signed certificate's ca_key_id (§4.1.2):
 * the first 8 bytes of SHA-256 of the raw 32-byte public key, read as u64le.
 * TERN_OK; TERN_INVALID_PARAM when |len| is not 32 (*out = 0); TERN_CRYPTO
 * if hashing fails (*out = 0). */
tern_result tern_ca_key_id(const uint8_t *pub, size_t len, uint64_t *out);

#endif
