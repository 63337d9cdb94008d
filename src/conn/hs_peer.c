/* Checking the peer's ConnectRequest / ConnectOK (WIRE.md §2.6, §2.8, §3.4,
 * §4.1.4, §4.6), in the order GNS checks, because which failure wins decides
 * between a silent drop and an end reason. */
#include <string.h>

#include "conn/hs_int.h"
#include "wire/identity.h"

#define STEAMID_TYPE_ANON_GAMESERVER 4

/* The parts of a ConnectRequest or ConnectOK this module reads. */
typedef struct peer_msg {
    bool is_server; /* we are the server: the message is a ConnectRequest */
    const Tern__CertificateSigned *cert;
    const Tern__CryptInfoSigned *crypt;
    const char *identity_string;
    const Tern__IdentityLegacyBinary *legacy_identity;
    bool has_legacy_steam_id;
    uint64_t legacy_steam_id;
} peer_msg;

static bool view_msg(const tern_hs_msg *msg, peer_msg *v)
{
    memset(v, 0, sizeof *v);
    if (msg->kind == TERN_PKT_CONNECT_REQUEST && msg->u.connect_request) {
        const Tern__ConnectRequest *m = msg->u.connect_request;
        v->is_server = true;
        v->cert = m->cert;
        v->crypt = m->crypt;
        v->identity_string = m->identity_string;
        v->legacy_identity = m->legacy_identity_binary;
        v->has_legacy_steam_id = m->has_legacy_client_steam_id;
        v->legacy_steam_id = m->legacy_client_steam_id;
        return true;
    }
    if (msg->kind == TERN_PKT_CONNECT_OK && msg->u.connect_ok) {
        const Tern__ConnectOK *m = msg->u.connect_ok;
        v->cert = m->cert;
        v->crypt = m->crypt;
        v->identity_string = m->identity_string;
        v->legacy_identity = m->legacy_identity_binary;
        v->has_legacy_steam_id = m->has_legacy_server_steam_id;
        v->legacy_steam_id = m->legacy_server_steam_id;
        return true;
    }
    return false;
}

/* The first present of identity string, legacy binary identity and legacy
 * SteamID decides (§3.4). 1 found, 0 none, -1 the deciding field is bad. */
static int identity_from(const char *str, const Tern__IdentityLegacyBinary *legacy, bool has_sid,
                         uint64_t sid, tern_identity *out)
{
    if (str) return tern_identity_parse(out, str, strlen(str)) == TERN_OK ? 1 : -1;
    if (legacy) return tern_legacy_id_to_identity(legacy, out) == TERN_OK ? 1 : -1;
    if (has_sid) {
        /* The legacy field obeys the same SteamID rule as the binary form. */
        Tern__IdentityLegacyBinary tmp = TERN__IDENTITY_LEGACY_BINARY__INIT;
        tmp.has_steam_id = 1;
        tmp.steam_id = sid;
        return tern_legacy_id_to_identity(&tmp, out) == TERN_OK ? 1 : -1;
    }
    return 0;
}

/* GNS's netadr IsLoopback: all of 127/8 (mapped or not) and ::1. It decides
 * which AllowWithoutAuth applies to certs, and to anonymous clients on a
 * server; a client's anonymous check uses the narrower tern_addr_is_localhost. */
static bool is_loopback(const tern_addr *a)
{
    if (tern_addr_is_ipv4(a)) return (tern_addr_get_ipv4(a) >> 24) == 127;
    return tern_addr_is_localhost(a);
}

static int allow_level(const tern_hs_check_params *prm, bool peer_is_local)
{
    int v = prm->ip_allow_without_auth;
    if (peer_is_local && prm->iplocalhost_allow_without_auth > v)
        v = prm->iplocalhost_allow_without_auth;
    return v;
}

/* §3.4: who the peer is. TERN_OK with out->identity set, or TERN_IGNORED. */
static tern_result resolve_identity(const peer_msg *v, const Tern__Certificate *cert,
                                    const tern_hs_check_params *prm, tern_hs_peer *out,
                                    tern_hs_error *err)
{
    tern_identity *id = &out->identity;
    int r = identity_from(cert->identity_string, cert->legacy_identity_binary,
                          cert->has_legacy_steam_id, cert->legacy_steam_id, id);
    if (r < 0) return tern_hs_fail(err, TERN_IGNORED, 0, "Bad identity in cert");
    out->identity_from_cert = r > 0;
    if (r == 0) {
        r = identity_from(v->identity_string, v->legacy_identity, v->has_legacy_steam_id,
                          v->legacy_steam_id, id);
        if (r < 0) return tern_hs_fail(err, TERN_IGNORED, 0, "Bad identity");
        if (r == 0) tern_identity_set_localhost(id); /* anonymous */
    }
    if (id->type == TERN_ID_IP) {
        if (tern_identity_is_localhost(id)) {
            bool local =
                v->is_server ? is_loopback(prm->peer_addr) : tern_addr_is_localhost(prm->peer_addr);
            if (allow_level(prm, local) == 0)
                return tern_hs_fail(err, TERN_IGNORED, 0,
                                    "Unauthenticated connections not allowed");
            tern_identity_set_ip_addr(id, prm->peer_addr);
        } else if (!out->identity_from_cert) {
            return tern_hs_fail(err, TERN_IGNORED, 0, "Cannot use specific IP address");
        }
    }
    if (prm->expected_identity && !tern_identity_is_invalid(prm->expected_identity) &&
        !tern_identity_equal(prm->expected_identity, id))
        return tern_hs_fail(err, TERN_IGNORED, 0, "Peer identity is not the one expected");
    return TERN_OK;
}

static bool has_app_id(const Tern__Certificate *c, uint32_t app)
{
    for (size_t i = 0; i < c->n_app_ids; i++)
        if (c->app_ids[i] == app) return true;
    return false;
}

/* §4.1.4 steps 2-6. tern has no CA trust store, so every CA signature is
 * unverifiable and the cert counts as unsigned. */
static tern_result check_cert(const peer_msg *v, const Tern__Certificate *cert,
                              const tern_hs_peer *out, int level, tern_hs_error *err)
{
    bool ca_signed = v->cert->has_ca_signature;
    if (ca_signed && level == 0)
        return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CERT,
                            "Bad cert: no trusted CA key");
    tern_identity cert_id;
    int r = identity_from(cert->identity_string, cert->legacy_identity_binary,
                          cert->has_legacy_steam_id, cert->legacy_steam_id, &cert_id);
    if (r > 0 && !tern_identity_is_localhost(&cert_id)) {
        if (!tern_identity_equal(&cert_id, &out->identity))
            return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CERT,
                                "Cert was issued to another identity");
        if (cert->n_app_ids == 0)
            return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CERT,
                                "Cert must be bound to an AppID");
    } else if (ca_signed) {
        uint64_t sid = tern_identity_get_steam_id(&out->identity);
        if (((sid >> 52) & 0xF) != STEAMID_TYPE_ANON_GAMESERVER)
            return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CERT,
                                "Certs with no identity can only be anonymous gameservers");
        if (cert->n_gameserver_datacenter_ids == 0)
            return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CERT,
                                "Cert with no identity must be scoped to PoPID");
    }
    if (cert->n_app_ids > 0 && !has_app_id(cert, TERN_HS_APP_ID))
        return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CERT,
                            "Cert is not authorized for appid %u", TERN_HS_APP_ID);
    if (level == 0)
        return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CERT,
                            "Unsigned certs are not allowed");
    return TERN_OK;
}

/* §4.1.4 step 7: the crypt info is signed by the cert's own key. */
static tern_result check_signature(const Tern__CryptInfoSigned *ci, const Tern__Certificate *cert,
                                   tern_hs_error *err)
{
    const char *why = NULL;
    if (!ci->has_signature || ci->signature.len == 0)
        why = "No signature";
    else if (!cert->has_key_data || cert->key_data.len == 0)
        why = "No public key";
    else if (!cert->has_key_type || cert->key_type != TERN__CERTIFICATE__KEY_TYPE__ED25519)
        why = "Unsupported key type";
    else if (ci->signature.len != TERN_ED25519_SIG_LEN)
        why = "Signature has invalid length";
    if (why) return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT, "%s", why);
    tern_ed25519 key = {0};
    if (tern_ed25519_from_public(&key, cert->key_data.data, cert->key_data.len) != TERN_OK)
        return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT,
                            "Invalid public key");
    tern_result r = tern_ed25519_verify(&key, ci->info.data, ci->info.len, ci->signature.data,
                                        ci->signature.len);
    tern_ed25519_free(&key);
    if (r != TERN_OK)
        return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT, "Invalid signature");
    return TERN_OK;
}

/* GNS (proto2 C++) drops enum values it does not know from the list. */
static void read_ciphers(const Tern__CryptInfo *ci, tern_hs_peer *out)
{
    for (size_t i = 0; i < ci->n_ciphers; i++) {
        uint32_t c = (uint32_t)ci->ciphers[i];
        if (c > TERN_CIPHER_AES_256_GCM) continue;
        out->nlisted++;
        bool seen = false;
        for (size_t j = 0; j < out->nciphers; j++) seen |= out->ciphers[j] == c;
        if (!seen) out->ciphers[out->nciphers++] = c;
    }
    if (out->nlisted == 0) { /* a legacy peer */
        out->ciphers[0] = TERN_CIPHER_AES_256_GCM;
        out->nciphers = out->nlisted = 1;
    }
}

/* §4.6 steps 4-9 on the signed crypt-info bytes. */
static tern_result check_crypt(const peer_msg *v, const Tern__CryptInfoSigned *cis,
                               const tern_hs_check_params *prm, tern_hs_peer *out,
                               tern_hs_error *err)
{
    Tern__CryptInfo *ci;
    if (tern_crypt_info_decode(cis->info.data, cis->info.len, prm->arena, &ci) != TERN_OK)
        return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT,
                            "Crypt info failed protobuf decode");
    out->version = ci->has_protocol_version ? ci->protocol_version : 0;
    if (out->version < TERN_HS_MIN_PROTOCOL_VERSION)
        return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_PROTOCOL,
                            "Peer is running old software (V%u, >=V%u is required)", out->version,
                            TERN_HS_MIN_PROTOCOL_VERSION);
    if (prm->expected_version != 0 && prm->expected_version != out->version)
        return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_PROTOCOL,
                            "Claiming protocol V%u now, but earlier was using V%u", out->version,
                            prm->expected_version);
    if (prm->local_lanes > 1 && out->version < TERN_HS_MIN_LANES_VERSION)
        return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_PROTOCOL,
                            "Peer is using old protocol and cannot receive multiple lanes");
    read_ciphers(ci, out);
    if (!v->is_server && out->nlisted != 1)
        return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT,
                            "Server must select exactly only one cipher");
    /* An unknown key_type reads as absent to GNS; either way only 1 passes. */
    out->kx_key_type = ci->has_key_type ? (uint32_t)ci->key_type : 0;
    out->kx_key_ok = out->kx_key_type == TERN__CRYPT_INFO__KEY_TYPE__CURVE25519 &&
                     ci->has_key_data && ci->key_data.len == TERN_X25519_LEN;
    if (out->kx_key_ok) memcpy(out->kx_key, ci->key_data.data, TERN_X25519_LEN);
    out->nonce = ci->has_nonce ? ci->nonce : 0;
    return TERN_OK;
}

tern_result tern_hs_check_peer(const tern_hs_msg *msg, const tern_hs_check_params *prm,
                               tern_hs_peer *out, tern_hs_error *err)
{
    if (err) memset(err, 0, sizeof *err);
    if (!out) return TERN_INVALID_PARAM;
    memset(out, 0, sizeof *out);
    peer_msg v;
    if (!msg || !prm || !prm->peer_addr || !prm->arena || !view_msg(msg, &v))
        return tern_hs_fail(err, TERN_INVALID_PARAM, 0, "Not a ConnectRequest or ConnectOK");

    /* An absent cert reads as an empty one (no identity); the crypto checks
     * below then fail it. A cert that does not parse is an identity error. */
    static const uint8_t none[1];
    const Tern__CertificateSigned *cs = v.cert;
    bool has_cert = cs && cs->has_cert;
    Tern__Certificate *cert;
    tern_result r = tern_cert_decode(has_cert ? cs->cert.data : none, has_cert ? cs->cert.len : 0,
                                     prm->arena, &cert);
    if (r != TERN_OK) return tern_hs_fail(err, TERN_IGNORED, 0, "Cert failed protobuf parse");
    r = resolve_identity(&v, cert, prm, out, err);
    if (r != TERN_OK) {
        tern_identity_clear(&out->identity);
        return r;
    }

    /* §4.6: from here on a failure has an end reason. */
    const Tern__CryptInfoSigned *cis = v.crypt;
    if (!has_cert || !cis || !cis->has_info)
        return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT,
                            "Crypto handshake missing cert or session data");
    if (cs->cert.len > sizeof out->cert || cis->info.len > sizeof out->crypt)
        return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT,
                            "Cert (%zu bytes) or crypt info (%zu bytes) too large", cs->cert.len,
                            cis->info.len);
    out->unsigned_cert = true;
    r = check_cert(&v, cert, out, allow_level(prm, is_loopback(prm->peer_addr)), err);
    if (r == TERN_OK) r = check_signature(cis, cert, err);
    if (r == TERN_OK) r = check_crypt(&v, cis, prm, out, err);
    if (r != TERN_OK) return r;
    if (cs->cert.len) memcpy(out->cert, cs->cert.data, cs->cert.len);
    out->cert_len = cs->cert.len;
    if (cis->info.len) memcpy(out->crypt, cis->info.data, cis->info.len);
    out->crypt_len = cis->info.len;
    return TERN_OK;
}
