/* The crypto handshake of one connection (WIRE.md §2.5-2.8, §3.4, §4): our
 * self-made certificate and signed crypt info, the checks on the peer's, and
 * the session keys.
 *
 * How the connection state machine uses it:
 *
 *   client                                   server
 *   tern_hs_local_init(is_server = false)    (ConnectRequest arrives, challenge ok)
 *     (crypt info is signed at once)         tern_hs_check_peer(ConnectRequest)
 *   ChallengeRequest / ChallengeReply          TERN_IGNORED -> drop silently
 *   tern_hs_fill_connect_request -> send       else look for a duplicate (identity,
 *   (ConnectOK arrives, ids checked)             client id) -> ConnectionClosed 5001
 *   tern_hs_check_peer(ConnectOK)              TERN_HANDSHAKE_FAILED -> drop silently
 *     TERN_IGNORED -> ignore the packet        TERN_OK -> create, tell the app
 *     TERN_HANDSHAKE_FAILED -> kill with     tern_hs_local_init(is_server = true)
 *       err.end_reason                       (app accepts)
 *   tern_hs_derive -> ready tern_aead        tern_hs_derive -> ready tern_aead, or kill
 *     (failure: kill with err.end_reason)      with err.end_reason (sends ConnectionClosed)
 *                                            tern_hs_fill_connect_ok -> send
 *
 * tern_hs_check_peer fills the peer identity before any crypto check, so the
 * caller can apply GNS's order (identity, duplicate check / state checks,
 * then crypto). Nothing here touches a socket, a clock or a global. */
#ifndef TERN_CONN_HS_H
#define TERN_CONN_HS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/aead.h"
#include "crypto/cipher.h"
#include "crypto/ed25519.h"
#include "crypto/x25519.h"
#include "tern/tern.h"
#include "util/arena.h"
#include "wire/certmsg.h"
#include "wire/handshake.h"

#define TERN_HS_PROTOCOL_VERSION     13 /* what we send (§2.10) */
#define TERN_HS_MIN_PROTOCOL_VERSION 8  /* oldest peer accepted */
#define TERN_HS_MIN_LANES_VERSION    11 /* peers below this understand one lane only */
#define TERN_HS_APP_ID               0  /* the open-source build's AppID (§4.1.3) */

/* End reasons this module reports (values of ESteamNetConnectionEnd, §8.1). */
#define TERN_HS_END_BAD_CRYPT      4002
#define TERN_HS_END_BAD_CERT       4003
#define TERN_HS_END_BAD_PROTOCOL   4006
#define TERN_HS_END_INTERNAL_ERROR 5002 /* our own library failed, not the peer */

/* Largest cert body and crypt-info body kept from a peer. A GNS datagram is
 * at most 1300 bytes, so a real peer's cert always fits; a legitimate crypt
 * info is about 51 bytes. Bigger ones fail with 4002. */
#define TERN_HS_PEER_CERT_MAX  1300
#define TERN_HS_PEER_CRYPT_MAX 256

/* Our own cert body: key, app id and an identity whose string is at most 127
 * bytes; our crypt info: key, nonce, version, up to two ciphers. */
#define TERN_HS_LOCAL_CERT_MAX  320
#define TERN_HS_LOCAL_CRYPT_MAX 64

#define TERN_HS_DEBUG_LEN 128 /* as tern_conn_info.end_debug */

/* Why a check or the derivation failed: the end reason to close with, and a
 * short English text for the connection's end_debug. */
typedef struct tern_hs_error {
    int end_reason; /* 0 when the result asks for a silent drop */
    char debug[TERN_HS_DEBUG_LEN];
} tern_hs_error;

/* Fixed secrets instead of random ones, for test vectors and for the
 * deterministic simulator. */
typedef struct tern_hs_secrets {
    uint8_t ed25519_seed[TERN_ED25519_SEED_LEN]; /* the cert key */
    uint8_t x25519_private[TERN_X25519_LEN];     /* the ephemeral key */
    uint64_t nonce;                              /* crypt-info nonce */
} tern_hs_secrets;

/* Our side of one connection's handshake. Fields are read-only outside
 * hs_*.c; the byte strings are exactly what goes on the wire. */
typedef struct tern_hs_local {
    bool is_server;
    bool finalized; /* the crypt info is serialized and signed */
    bool keys_used; /* tern_hs_derive ran; the private keys are gone */
    bool cert_has_identity;
    int unencrypted;        /* the Unencrypted value our cipher list comes from */
    tern_identity identity; /* invalid when made without one */
    tern_ed25519 sign_key;  /* the cert key: the instance's, or fresh (see below) */
    tern_x25519 kx_key;
    uint64_t nonce;
    uint32_t ciphers[TERN_CIPHER_LIST_MAX]; /* in the signed crypt info */
    size_t nciphers;
    uint8_t cert[TERN_HS_LOCAL_CERT_MAX]; /* CertificateSigned.cert */
    size_t cert_len;
    uint8_t crypt[TERN_HS_LOCAL_CRYPT_MAX]; /* CryptInfoSigned.info */
    size_t crypt_len;
    uint8_t signature[TERN_ED25519_SIG_LEN];
    /* What the fill functions point outgoing messages at. */
    Tern__CertificateSigned pb_cert;
    Tern__CryptInfoSigned pb_crypt;
} tern_hs_local;

/* Set up our side: a fresh Ed25519 key and the unsigned cert of §4.1.3 for
 * it (key_type, key_data, app_ids = [0] and, when |identity| is not NULL,
 * the identity in fields 12, 11 and 4), and a fresh X25519 key and nonce.
 * Pass the local identity as GNS does: a peer with no configured identity
 * is localhost (its cert says "ip:::1"); NULL makes the minimal cert of
 * Appendix B, which peers read as anonymous too. A client's crypt info is
 * finalized (cipher list from |unencrypted|, signed) here, before its first
 * ChallengeRequest; a server's is finalized by tern_hs_derive at accept time.
 * |identity| and |fixed| are copied; |fixed| NULL means random secrets.
 *   TERN_OK            |l| is ready (free it with tern_hs_local_free).
 *   TERN_INVALID_PARAM |identity| cannot be put in a cert (invalid, or a
 *                      SteamID that is not valid for an identity).
 *   TERN_CRYPTO        the random generator or OpenSSL failed.
 * On failure |l| is left freed. */
tern_result tern_hs_local_init(tern_hs_local *l, bool is_server, const tern_identity *identity,
                               int unencrypted, const tern_hs_secrets *fixed);

/* As tern_hs_local_init, but the cert is for |cert_key|, the instance's
 * long-lived Ed25519 key, instead of a key made for this connection alone.
 * GNS makes a fresh key per connection for its unsigned certs and shares one
 * key between all connections when it has a CA-issued cert; the wire and the
 * peer's checks are the same either way, and the key only signs our crypt
 * info, whose X25519 key and nonce stay fresh per connection (forward
 * secrecy is the X25519 key's). Sharing saves an Ed25519 key generation
 * (about a tenth of one side's CPU) per handshake. What it gives up: the
 * cert travels in clear, so an observer can tell that two connections come
 * from one instance even when its identity is anonymous; with an unsigned
 * cert nothing else depends on the key (anyone can make one for any
 * identity).
 * An empty |cert_key| is made on first use: from fixed->ed25519_seed when
 * |fixed| is given (so seeded runs replay), else at random. |l| holds its own
 * reference; the caller frees |cert_key| (tern_ed25519_free) with the
 * instance, after its connections. |cert_key| NULL: tern_hs_local_init. */
tern_result tern_hs_local_init_keyed(tern_hs_local *l, bool is_server,
                                     const tern_identity *identity, int unencrypted,
                                     const tern_hs_secrets *fixed, tern_ed25519 *cert_key);

/* Server only: the connection's Unencrypted value changed before the
 * application accepted (GNS reads it at accept). TERN_OK, or
 * TERN_INVALID_STATE on a client or once the crypt info is final. */
tern_result tern_hs_local_set_unencrypted(tern_hs_local *l, int unencrypted);

/* Point the cert and crypt fields of an outgoing ConnectRequest (client) or
 * ConnectOK (server) at |l| (borrowed: |m| is valid while |l| lives and is
 * not reinitialised), and set legacy_*_steam_id when our identity is a
 * SteamID. The identity itself always travels in the cert, so the message's
 * identity fields stay absent. Other fields are the caller's.
 *   TERN_OK             filled.
 *   TERN_INVALID_STATE  wrong role, or (server) tern_hs_derive has not
 *                       finalized the crypt info yet. */
tern_result tern_hs_fill_connect_request(tern_hs_local *l, Tern__ConnectRequest *m);
tern_result tern_hs_fill_connect_ok(tern_hs_local *l, Tern__ConnectOK *m);

/* What a server keeps, once its side of the handshake is done, to send its
 * ConnectOK again when the client repeats its ConnectRequest (until the
 * client's first data packet): the cert and crypt-info bytes, the signature
 * and the legacy SteamID, about a quarter of a tern_hs_local (904 bytes,
 * mostly fixed-size buffers and key objects no longer needed). */
typedef struct tern_hs_ok {
    uint64_t steam_id;
    bool has_steam_id;
    uint16_t cert_len, crypt_len;
    uint8_t signature[TERN_ED25519_SIG_LEN];
    uint8_t bytes[]; /* cert, then crypt info */
} tern_hs_ok;

/* A tern_hs_ok from a server's finalized |l| (which stays as it is), from
 * |mem|; free it with tern_free. NULL when |l| is no finalized server side
 * or memory is short. */
tern_hs_ok *tern_hs_ok_new(const tern_hs_local *l, const tern_mem *mem);

/* tern_hs_fill_connect_ok from what |k| kept; |cert| and |crypt| are the
 * caller's storage for the wrappers |m| points at. */
void tern_hs_ok_fill(const tern_hs_ok *k, Tern__ConnectOK *m, Tern__CertificateSigned *cert,
                     Tern__CryptInfoSigned *crypt);

/* Wipe the private keys and |l| (a shared cert key is only let go of).
 * Safe on a zeroed or freed struct. */
void tern_hs_local_free(tern_hs_local *l);

/* --- the peer ------------------------------------------------------------- */

/* Inputs to tern_hs_check_peer besides the message. */
typedef struct tern_hs_check_params {
    int ip_allow_without_auth;              /* IP_AllowWithoutAuth, 0..2 */
    int iplocalhost_allow_without_auth;     /* IPLocalHost_AllowWithoutAuth, 0..2 */
    const tern_addr *peer_addr;             /* the peer's UDP address (borrowed) */
    uint32_t expected_version;              /* client: ChallengeReply's protocol_version;
                                               server: 0 (nothing seen before) */
    const tern_identity *expected_identity; /* client: the identity the app asked
                                               to connect to, or NULL (borrowed) */
    int local_lanes;                        /* lanes configured here; > 1 needs a peer >= 11 */
    tern_arena *arena; /* scratch for the cert and crypt-info bodies (borrowed for
                          the call; the message's own arena, sized
                          TERN_PB_ARENA_FOR_DATAGRAM, is the intended one) */
} tern_hs_check_params;

/* What we keep from the peer's ConnectRequest / ConnectOK. */
typedef struct tern_hs_peer {
    tern_identity identity; /* after §3.4, localhost replaced by the real address */
    bool identity_from_cert;
    bool unsigned_cert; /* no trusted CA signature (always, until a CA store exists) */
    uint32_t version;   /* crypt-info protocol_version */
    /* The cipher list as GNS reads it: values it does not know (3 and up)
     * are dropped, an empty list means [AES-GCM]. |ciphers| holds each value
     * once in order of first appearance; |nlisted| counts the entries. */
    uint32_t ciphers[3];
    size_t nciphers;
    size_t nlisted;
    bool kx_key_ok; /* key_type CURVE25519 and 32 bytes of key_data */
    uint32_t kx_key_type;
    uint8_t kx_key[TERN_X25519_LEN];
    uint64_t nonce;
    uint8_t cert[TERN_HS_PEER_CERT_MAX]; /* the exact CertificateSigned.cert bytes */
    size_t cert_len;
    uint8_t crypt[TERN_HS_PEER_CRYPT_MAX]; /* the exact CryptInfoSigned.info bytes */
    size_t crypt_len;
} tern_hs_peer;

/* Check the peer's ConnectRequest (|msg| of that kind: we are the server) or
 * ConnectOK (we are the client), decoded by tern_hs_decode (borrowed for the
 * call), in GNS's order: identity (§3.4, §2.6 step 3-4, §2.8 step 2), then
 * the crypto of §4.1.4 and §4.6 steps 1-9. Key type, key and cipher are
 * checked by tern_hs_derive, when GNS checks them.
 *   TERN_OK               every check passed; |out| is complete.
 *   TERN_IGNORED          drop the datagram silently (err->end_reason 0): the
 *                         identity in the cert or the message does not parse,
 *                         the peer is anonymous and unauthenticated peers are
 *                         not allowed, a non-localhost IP identity did not
 *                         come from the cert, or it is not |expected_identity|.
 *   TERN_HANDSHAKE_FAILED out->identity is set, the crypto failed with
 *                         err->end_reason 4002, 4003 or 4006. A server drops
 *                         the request silently (after its duplicate check); a
 *                         client kills the connection with that reason.
 *   TERN_INVALID_PARAM    |msg| is not a ConnectRequest / ConnectOK, or a
 *                         required pointer is NULL.
 * |out| and |err| (may be NULL) are always written. */
tern_result tern_hs_check_peer(const tern_hs_msg *msg, const tern_hs_check_params *prm,
                               tern_hs_peer *out, tern_hs_error *err);

/* Finish the handshake (§4.3-4.5) and key |out| (zeroed or freed first).
 * Server, when the application accepts: choose the cipher from our list and
 * the client's, then finalize and sign our crypt info with that one cipher.
 * Client, on ConnectOK: the server's one cipher must be one we offered. Then
 * both: the peer's key type and X25519 key, premaster, session keys, AEAD.
 * The private keys are wiped afterwards, whatever the outcome (a shared cert
 * key is only let go of). |p| borrowed.
 *   TERN_OK               |out| is ready; out->cipher is the cipher.
 *   TERN_HANDSHAKE_FAILED err->end_reason 4002: no common cipher, a cipher we
 *                         did not offer, key_type not CURVE25519, a key that is
 *                         not 32 bytes or gives an all-zero secret.
 *   TERN_INVALID_STATE    called twice, or |l| is not set up.
 *   TERN_CRYPTO, TERN_NOMEM  OpenSSL failed here (err->end_reason 5002).
 * |err| may be NULL. */
tern_result tern_hs_derive(tern_hs_local *l, const tern_hs_peer *p, uint32_t client_conn_id,
                           uint32_t server_conn_id, tern_aead *out, tern_hs_error *err);

#endif
