/* Certificate and session crypt-info bodies, their signed wrappers, and the
 * legacy binary identity (WIRE.md §3.3, §4.1, §4.2, Appendix B).
 *
 * The decoders are syntactic (a cert with key_type 0 decodes fine); what a
 * receiver must check on a certificate (§4.1.4) is the crypto layer's job.
 * All decoders allocate in the caller's arena (see wire/pb.h) and return
 *   TERN_OK, TERN_MALFORMED (does not parse) or TERN_ARENA_FULL.
 * All encoders write exactly the protobuf bytes (no framing) and return the
 * end of what they wrote, or NULL when out of room. */
#ifndef TERN_WIRE_CERTMSG_H
#define TERN_WIRE_CERTMSG_H

#include <stddef.h>
#include <stdint.h>

#include "tern/tern.h"
#include "util/arena.h"
#include "wire/pb.h"

#include "tern_certs.pb-c.h"

#define TERN_ED25519_KEY_LEN 32
#define TERN_ED25519_SIG_LEN 64
#define TERN_X25519_KEY_LEN  32
#define TERN_LEGACY_IP_LEN   18 /* ipv6_and_port: 16-byte address + big-endian port */

/* CMsgSteamDatagramCertificate, the body inside CertificateSigned.cert. */
tern_result tern_cert_decode(const uint8_t *data, size_t len, tern_arena *arena,
                             Tern__Certificate **out);
uint8_t *tern_cert_encode(uint8_t *p, uint8_t *end, const Tern__Certificate *in);

/* CMsgSteamDatagramCertificateSigned. */
tern_result tern_cert_signed_decode(const uint8_t *data, size_t len, tern_arena *arena,
                                    Tern__CertificateSigned **out);
uint8_t *tern_cert_signed_encode(uint8_t *p, uint8_t *end, const Tern__CertificateSigned *in);

/* CMsgSteamDatagramSessionCryptInfo, the body inside CryptInfoSigned.info.
 * |ciphers| holds every number received. GNS (proto2 C++) drops values it
 * does not know from that list, so to it [3] is the empty list, which means
 * the legacy [AES_256_GCM] (WIRE.md §4.2): cipher negotiation should skip
 * unknown values and apply the empty-list rule to what remains. Likewise an
 * unknown key_type reads as absent to GNS; both are rejected anyway. */
tern_result tern_crypt_info_decode(const uint8_t *data, size_t len, tern_arena *arena,
                                   Tern__CryptInfo **out);
uint8_t *tern_crypt_info_encode(uint8_t *p, uint8_t *end, const Tern__CryptInfo *in);

/* CMsgSteamDatagramSessionCryptInfoSigned. */
tern_result tern_crypt_info_signed_decode(const uint8_t *data, size_t len, tern_arena *arena,
                                          Tern__CryptInfoSigned **out);
uint8_t *tern_crypt_info_signed_encode(uint8_t *p, uint8_t *end, const Tern__CryptInfoSigned *in);

/* CMsgSteamNetworkingIdentityLegacyBinary on its own. */
tern_result tern_legacy_id_decode(const uint8_t *data, size_t len, tern_arena *arena,
                                  Tern__IdentityLegacyBinary **out);
uint8_t *tern_legacy_id_encode(uint8_t *p, uint8_t *end, const Tern__IdentityLegacyBinary *in);

/* --- legacy binary identity <-> tern_identity (§3.3) ---------------------- */

/* Read the identity a legacy message carries (|in| borrowed, |out| written
 * only on success). Like GNS, the first present of steam_id, generic_string,
 * generic_bytes, ipv6_and_port decides.
 *   TERN_OK            *out is the identity.
 *   TERN_MALFORMED     the field that decides is bad: a SteamID that is not
 *                      an individual or game-server account with a non-zero
 *                      account ID, a generic string of 32 bytes or more,
 *                      generic bytes over 32 bytes, ipv6_and_port not exactly
 *                      18 bytes.
 *   TERN_NOT_SUPPORTED none of the four fields is set (an empty message, as
 *                      sent for identity types without a legacy form, or a
 *                      newer form we do not know). §3.4: that is an error
 *                      when the message was present. */
tern_result tern_legacy_id_to_identity(const Tern__IdentityLegacyBinary *in, tern_identity *out);

/* A legacy identity message plus the storage its ipv6_and_port points to. */
typedef struct tern_legacy_id {
    Tern__IdentityLegacyBinary msg;
    uint8_t ipv6_and_port[TERN_LEGACY_IP_LEN];
} tern_legacy_id;

/* Fill |out| with the legacy form of |id| (borrowed: generic string and bytes
 * point into it, so it must outlive any use of out->msg). SteamID, IP,
 * generic string and generic bytes get their field; Xbox, PSN and unknown
 * types get the empty message, as GNS sends them.
 *   TERN_OK            out->msg is ready to embed or encode.
 *   TERN_INVALID_PARAM |id| is the invalid identity, a SteamID that is not
 *                      valid for an identity, or its size does not match its
 *                      type (out is then an empty message). */
tern_result tern_legacy_id_from_identity(tern_legacy_id *out, const tern_identity *id);

/* --- the self-made unsigned certificate (§4.1.3) -------------------------- */

/* Encode the body of the unsigned certificate GNS makes for itself:
 * key_type = ED25519, key_data = |pubkey| (32 bytes, copied), then, when |id|
 * is not NULL, legacy_steam_id (SteamID identities only), app_ids = [app_id],
 * legacy_identity_binary from |id| and identity_string = |id_string|
 * (the string form of |id|, made by the identity module; borrowed). With
 * |id| NULL the body is key_type, key_data and app_ids = [app_id]. The open
 * source build of GNS uses app_id 0. Returns NULL when out of room or when
 * |id| cannot be put in legacy form (see tern_legacy_id_from_identity) or
 * |id_string| is NULL while |id| is not. */
uint8_t *tern_cert_selfmade_encode(uint8_t *p, uint8_t *end, const uint8_t *pubkey, uint32_t app_id,
                                   const tern_identity *id, const char *id_string);

#endif
