/* Session key derivation (WIRE.md §4.5): HKDF-like with HMAC-SHA-256, but the
 * extract step keys the HMAC with the premaster and hashes the salt (the
 * reverse of RFC 5869), exactly as GNS does.
 *
 *   salt = u64le(server_nonce) || u64le(client_nonce)
 *   PRK  = HMAC(key = premaster, msg = salt)
 *   info = u32le(C) || u32le(S) || "Steam datagram"
 *          || server_cert || client_cert || server_crypt || client_crypt
 *   Ti   = HMAC(key = PRK, msg = T(i-1) || info || i),  T0 empty, i = 1..4
 *
 * T1 is the client->server key, T2 the server->client key, T3[0..11] and
 * T4[0..11] their IV bases. The order is fixed by role, not by which side
 * computes it, so both sides produce identical tern_session_keys. */
#ifndef TERN_CRYPTO_KDF_H
#define TERN_CRYPTO_KDF_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/hash.h"
#include "tern/tern.h"

#define TERN_AEAD_KEY_LEN    32
#define TERN_AEAD_IV_LEN     12
#define TERN_KDF_SALT_LEN    16
#define TERN_KDF_LABEL       "Steam datagram" /* 14 bytes, no NUL on the wire */
#define TERN_KDF_HEAD_LEN    22               /* two connection IDs + label */
#define TERN_KDF_INFO_PIECES 5                /* head, 2 certs, 2 crypt infos */

/* Everything both sides agree on after the handshake. All pointers are
 * borrowed for the duration of the call. The four byte strings are exactly
 * what travelled: the `cert` field of each signed certificate and the `info`
 * field of each signed crypt info, not re-serialized copies. */
typedef struct tern_kdf_input {
    const uint8_t *premaster; /* 32 bytes from tern_x25519_premaster; the caller
                                 wipes it once the keys are derived */
    uint64_t server_nonce;    /* the `nonce` of the server's crypt info */
    uint64_t client_nonce;
    uint32_t client_conn_id;
    uint32_t server_conn_id;
    tern_piece server_cert;
    tern_piece client_cert;
    tern_piece server_crypt;
    tern_piece client_crypt;
} tern_kdf_input;

/* The derived secrets, named by direction. Wipe with tern_session_keys_wipe
 * once they are loaded into a tern_aead. */
typedef struct tern_session_keys {
    uint8_t c2s_key[TERN_AEAD_KEY_LEN]; /* T1: client send key = server recv key */
    uint8_t s2c_key[TERN_AEAD_KEY_LEN]; /* T2 */
    uint8_t c2s_iv[TERN_AEAD_IV_LEN];   /* T3[0..11] */
    uint8_t s2c_iv[TERN_AEAD_IV_LEN];   /* T4[0..11] */
} tern_session_keys;

/* Derive all four secrets into |out| (written). TERN_OK; TERN_INVALID_PARAM
 * when |in->premaster| is NULL; TERN_CRYPTO if OpenSSL fails. On failure
 * |out| is wiped. Intermediate secrets are wiped before returning. */
tern_result tern_kdf_derive(const tern_kdf_input *in, tern_session_keys *out);

/* The steps of tern_kdf_derive, exposed for the test vectors. */

/* |out| = u64le(server_nonce) || u64le(client_nonce). */
void tern_kdf_salt(uint64_t server_nonce, uint64_t client_nonce, uint8_t out[TERN_KDF_SALT_LEN]);

/* |prk| = HMAC(key = premaster, msg = salt). TERN_OK or TERN_CRYPTO. */
tern_result tern_kdf_extract(const uint8_t premaster[32], const uint8_t salt[TERN_KDF_SALT_LEN],
                             uint8_t prk[TERN_SHA256_LEN]);

/* Describe info as pieces without joining them: fills |head| (the connection
 * IDs and label) and |pieces| (head first; they borrow |head| and |in|'s
 * byte strings) and returns the total info length. */
size_t tern_kdf_info(const tern_kdf_input *in, uint8_t head[TERN_KDF_HEAD_LEN],
                     tern_piece pieces[TERN_KDF_INFO_PIECES]);

/* T1..T4 from |prk| and the |n| info pieces (borrowed) into |out|. TERN_OK;
 * TERN_INVALID_PARAM when |n| > 16; TERN_CRYPTO if OpenSSL fails. On
 * failure |out| is wiped. */
tern_result tern_kdf_expand(const uint8_t prk[TERN_SHA256_LEN], const tern_piece *info, size_t n,
                            tern_session_keys *out);

/* Overwrite |k| with zeros in a way the compiler cannot drop. */
void tern_session_keys_wipe(tern_session_keys *k);

#endif
