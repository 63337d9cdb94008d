#include "wire/certmsg.h"

#include <string.h>

#include "util/bytes.h"

#define DECODER(name, type, desc)                                                                  \
    tern_result name(const uint8_t *data, size_t len, tern_arena *arena, type **out)               \
    {                                                                                              \
        ProtobufCMessage *m;                                                                       \
        tern_result r = tern_pb_unpack(&desc, data, len, arena, &m);                               \
        *out = (type *)m;                                                                          \
        return r;                                                                                  \
    }

#define ENCODER(name, type, desc)                                                                  \
    uint8_t *name(uint8_t *p, uint8_t *end, const type *in)                                        \
    {                                                                                              \
        if (!in || in->base.descriptor != &desc) return NULL;                                      \
        return tern_pb_pack(p, end, &in->base);                                                    \
    }

DECODER(tern_cert_decode, Tern__Certificate, tern__certificate__descriptor)
ENCODER(tern_cert_encode, Tern__Certificate, tern__certificate__descriptor)
DECODER(tern_cert_signed_decode, Tern__CertificateSigned, tern__certificate_signed__descriptor)
ENCODER(tern_cert_signed_encode, Tern__CertificateSigned, tern__certificate_signed__descriptor)
DECODER(tern_crypt_info_decode, Tern__CryptInfo, tern__crypt_info__descriptor)
ENCODER(tern_crypt_info_encode, Tern__CryptInfo, tern__crypt_info__descriptor)
DECODER(tern_crypt_info_signed_decode, Tern__CryptInfoSigned, tern__crypt_info_signed__descriptor)
ENCODER(tern_crypt_info_signed_encode, Tern__CryptInfoSigned, tern__crypt_info_signed__descriptor)
DECODER(tern_legacy_id_decode, Tern__IdentityLegacyBinary, tern__identity_legacy_binary__descriptor)
ENCODER(tern_legacy_id_encode, Tern__IdentityLegacyBinary, tern__identity_legacy_binary__descriptor)

/* GNS's IsValidSteamIDForIdentity: non-zero account ID, and the account type
 * (bits 52..55) individual (1), console user (9), game server (3) or
 * anonymous game server (4). */
static int steamid_ok(uint64_t sid)
{
    unsigned type = (unsigned)(sid >> 52) & 0xf;
    return (uint32_t)sid != 0 && (type == 1 || type == 9 || type == 3 || type == 4);
}

tern_result tern_legacy_id_to_identity(const Tern__IdentityLegacyBinary *in, tern_identity *out)
{
    tern_identity id;
    memset(&id, 0, sizeof id);
    if (in->has_steam_id) {
        if (!steamid_ok(in->steam_id)) return TERN_MALFORMED;
        id.type = TERN_ID_STEAMID;
        id.size = (int32_t)sizeof id.u.steam_id;
        id.u.steam_id = in->steam_id;
    } else if (in->generic_string) {
        /* protobuf-c stops the string at an embedded NUL, as c_str() does in GNS. */
        size_t n = strlen(in->generic_string);
        if (n >= sizeof id.u.generic_string) return TERN_MALFORMED;
        id.type = TERN_ID_GENERIC_STRING;
        id.size = (int32_t)(n + 1);
        memcpy(id.u.generic_string, in->generic_string, n + 1);
    } else if (in->has_generic_bytes) {
        if (in->generic_bytes.len > sizeof id.u.generic_bytes) return TERN_MALFORMED;
        id.type = TERN_ID_GENERIC_BYTES;
        id.size = (int32_t)in->generic_bytes.len;
        if (in->generic_bytes.len)
            memcpy(id.u.generic_bytes, in->generic_bytes.data, in->generic_bytes.len);
    } else if (in->has_ipv6_and_port) {
        if (in->ipv6_and_port.len != TERN_LEGACY_IP_LEN) return TERN_MALFORMED;
        id.type = TERN_ID_IP;
        id.size = (int32_t)sizeof id.u.ip;
        memcpy(id.u.ip.ipv6, in->ipv6_and_port.data, sizeof id.u.ip.ipv6);
        id.u.ip.port = tern_load_be16(in->ipv6_and_port.data + sizeof id.u.ip.ipv6);
    } else {
        return TERN_NOT_SUPPORTED;
    }
    *out = id;
    return TERN_OK;
}

tern_result tern_legacy_id_from_identity(tern_legacy_id *out, const tern_identity *id)
{
    static const Tern__IdentityLegacyBinary empty = TERN__IDENTITY_LEGACY_BINARY__INIT;
    out->msg = empty;
    memset(out->ipv6_and_port, 0, sizeof out->ipv6_and_port);
    switch (id->type) {
    case TERN_ID_STEAMID:
        if (id->size != (int32_t)sizeof id->u.steam_id || !steamid_ok(id->u.steam_id))
            return TERN_INVALID_PARAM;
        out->msg.has_steam_id = 1;
        out->msg.steam_id = id->u.steam_id;
        return TERN_OK;
    case TERN_ID_IP:
        if (id->size != (int32_t)sizeof id->u.ip) return TERN_INVALID_PARAM;
        memcpy(out->ipv6_and_port, id->u.ip.ipv6, sizeof id->u.ip.ipv6);
        tern_store_be16(out->ipv6_and_port + sizeof id->u.ip.ipv6, id->u.ip.port);
        out->msg.has_ipv6_and_port = 1;
        out->msg.ipv6_and_port.data = out->ipv6_and_port;
        out->msg.ipv6_and_port.len = sizeof out->ipv6_and_port;
        return TERN_OK;
    case TERN_ID_GENERIC_STRING: {
        size_t n = strnlen(id->u.generic_string, sizeof id->u.generic_string);
        if (n >= sizeof id->u.generic_string || id->size != (int32_t)(n + 1))
            return TERN_INVALID_PARAM;
        out->msg.generic_string = (char *)id->u.generic_string;
        return TERN_OK;
    }
    case TERN_ID_GENERIC_BYTES:
        if (id->size < 0 || id->size > (int32_t)sizeof id->u.generic_bytes)
            return TERN_INVALID_PARAM;
        out->msg.has_generic_bytes = 1;
        out->msg.generic_bytes.data = (uint8_t *)id->u.generic_bytes;
        out->msg.generic_bytes.len = (size_t)id->size;
        return TERN_OK;
    case TERN_ID_XBOX_PAIRWISE:
    case TERN_ID_PSN:
    case TERN_ID_UNKNOWN:
        return TERN_OK; /* no legacy form: the empty message */
    default:
        return TERN_INVALID_PARAM;
    }
}

uint8_t *tern_cert_selfmade_encode(uint8_t *p, uint8_t *end, const uint8_t *pubkey, uint32_t app_id,
                                   const tern_identity *id, const char *id_string)
{
    Tern__Certificate c = TERN__CERTIFICATE__INIT;
    tern_legacy_id legacy;
    if (!pubkey) return NULL;
    c.has_key_type = 1;
    c.key_type = TERN__CERTIFICATE__KEY_TYPE__ED25519;
    c.has_key_data = 1;
    c.key_data.data = (uint8_t *)pubkey;
    c.key_data.len = TERN_ED25519_KEY_LEN;
    c.n_app_ids = 1;
    c.app_ids = &app_id;
    if (id) {
        if (!id_string || tern_legacy_id_from_identity(&legacy, id) != TERN_OK) return NULL;
        if (id->type == TERN_ID_STEAMID) {
            c.has_legacy_steam_id = 1;
            c.legacy_steam_id = id->u.steam_id;
        }
        c.legacy_identity_binary = &legacy.msg;
        c.identity_string = (char *)id_string;
    }
    return tern_cert_encode(p, end, &c);
}
