/* Our certificate and crypt info (WIRE.md §4.1.3, §4.2). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "conn/hs_int.h"
#include "crypto/rand.h"
#include "util/mem.h"
#include "wire/identity.h"

tern_result tern_hs_fail(tern_hs_error *err, tern_result r, int end_reason, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->end_reason = end_reason;
        va_start(ap, fmt);
        vsnprintf(err->debug, sizeof err->debug, fmt, ap);
        va_end(ap);
    }
    return r;
}

/* The cert key: the instance's when it gives one (made on first use, from
 * the first fixed seed when secrets are fixed, so simulated runs replay),
 * else a fresh one. Then the ephemeral X25519 key and the nonce, always
 * fresh, from one draw of the generator. */
static tern_result make_keys(tern_hs_local *l, const tern_hs_secrets *fixed, tern_ed25519 *cert_key)
{
    tern_result r = TERN_OK;
    if (cert_key && !cert_key->pkey)
        r = fixed ? tern_ed25519_from_seed(cert_key, fixed->ed25519_seed)
                  : tern_ed25519_generate(cert_key);
    if (r != TERN_OK) return TERN_CRYPTO;
    if (cert_key)
        r = tern_ed25519_ref(&l->sign_key, cert_key);
    else if (fixed)
        r = tern_ed25519_from_seed(&l->sign_key, fixed->ed25519_seed);
    else
        r = tern_ed25519_generate(&l->sign_key);
    if (r != TERN_OK) return TERN_CRYPTO;
    if (fixed) {
        l->nonce = fixed->nonce;
        return tern_x25519_from_private(&l->kx_key, fixed->x25519_private) == TERN_OK ? TERN_OK
                                                                                      : TERN_CRYPTO;
    }
    uint8_t rnd[TERN_X25519_LEN + 8];
    r = tern_rand_bytes(rnd, sizeof rnd);
    if (r == TERN_OK) r = tern_x25519_from_private(&l->kx_key, rnd);
    l->nonce = tern_load_le64(rnd + TERN_X25519_LEN);
    OPENSSL_cleanse(rnd, sizeof rnd);
    return r == TERN_OK ? TERN_OK : TERN_CRYPTO;
}

static tern_result make_cert(tern_hs_local *l, const tern_identity *identity)
{
    char idstr[TERN_IDENTITY_STRLEN];
    if (identity) {
        if (tern_identity_is_invalid(identity)) return TERN_INVALID_PARAM;
        tern_identity_to_string(identity, idstr, sizeof idstr);
        l->identity = *identity;
        l->cert_has_identity = true;
    }
    uint8_t *e = tern_cert_selfmade_encode(l->cert, l->cert + sizeof l->cert, l->sign_key.pub,
                                           TERN_HS_APP_ID, identity, identity ? idstr : NULL);
    /* The buffer holds any identity, so NULL means the identity was refused. */
    if (!e) return TERN_INVALID_PARAM;
    l->cert_len = (size_t)(e - l->cert);
    return TERN_OK;
}

tern_result tern_hs_local_init_keyed(tern_hs_local *l, bool is_server,
                                     const tern_identity *identity, int unencrypted,
                                     const tern_hs_secrets *fixed, tern_ed25519 *cert_key)
{
    memset(l, 0, sizeof *l);
    l->is_server = is_server;
    l->unencrypted = unencrypted;
    tern_result r = make_keys(l, fixed, cert_key);
    if (r == TERN_OK) r = make_cert(l, identity);
    if (r == TERN_OK && !is_server) {
        uint32_t list[TERN_CIPHER_LIST_MAX];
        size_t n = tern_cipher_list(unencrypted, list);
        r = tern_hs_local_finalize(l, list, n);
    }
    if (r != TERN_OK) tern_hs_local_free(l);
    return r;
}

tern_result tern_hs_local_init(tern_hs_local *l, bool is_server, const tern_identity *identity,
                               int unencrypted, const tern_hs_secrets *fixed)
{
    return tern_hs_local_init_keyed(l, is_server, identity, unencrypted, fixed, NULL);
}

tern_result tern_hs_local_set_unencrypted(tern_hs_local *l, int unencrypted)
{
    if (!l->is_server || l->finalized) return TERN_INVALID_STATE;
    l->unencrypted = unencrypted;
    return TERN_OK;
}

tern_result tern_hs_local_finalize(tern_hs_local *l, const uint32_t *ciphers, size_t n)
{
    if (l->finalized || !l->sign_key.has_private || !l->kx_key.pkey) return TERN_INVALID_STATE;
    if (n == 0 || n > TERN_CIPHER_LIST_MAX) return TERN_INVALID_PARAM;
    Tern__Cipher list[TERN_CIPHER_LIST_MAX];
    Tern__CryptInfo ci = TERN__CRYPT_INFO__INIT;
    ci.has_key_type = 1;
    ci.key_type = TERN__CRYPT_INFO__KEY_TYPE__CURVE25519;
    ci.has_key_data = 1;
    ci.key_data.data = l->kx_key.pub;
    ci.key_data.len = sizeof l->kx_key.pub;
    ci.has_nonce = 1;
    ci.nonce = l->nonce;
    ci.has_protocol_version = 1;
    ci.protocol_version = TERN_HS_PROTOCOL_VERSION;
    for (size_t i = 0; i < n; i++) {
        l->ciphers[i] = ciphers[i];
        list[i] = (Tern__Cipher)ciphers[i];
    }
    l->nciphers = n;
    ci.n_ciphers = n;
    ci.ciphers = list;
    uint8_t *e = tern_crypt_info_encode(l->crypt, l->crypt + sizeof l->crypt, &ci);
    if (!e) return TERN_INVALID_PARAM; /* cannot happen: the buffer fits two ciphers */
    l->crypt_len = (size_t)(e - l->crypt);
    if (tern_ed25519_sign(&l->sign_key, l->crypt, l->crypt_len, l->signature) != TERN_OK)
        return TERN_CRYPTO;
    l->finalized = true;
    return TERN_OK;
}

/* The wrappers that travel: field 4 only for our unsigned cert (§4.1.3). */
static void point_messages(tern_hs_local *l)
{
    static const Tern__CertificateSigned cert_init = TERN__CERTIFICATE_SIGNED__INIT;
    static const Tern__CryptInfoSigned crypt_init = TERN__CRYPT_INFO_SIGNED__INIT;
    l->pb_cert = cert_init;
    l->pb_cert.has_cert = 1;
    l->pb_cert.cert.data = l->cert;
    l->pb_cert.cert.len = l->cert_len;
    l->pb_crypt = crypt_init;
    l->pb_crypt.has_info = 1;
    l->pb_crypt.info.data = l->crypt;
    l->pb_crypt.info.len = l->crypt_len;
    l->pb_crypt.has_signature = 1;
    l->pb_crypt.signature.data = l->signature;
    l->pb_crypt.signature.len = sizeof l->signature;
}

/* GNS sets the legacy SteamID field of the message even though the cert has
 * the identity, for old peers. */
static bool steam_id(const tern_hs_local *l, uint64_t *out)
{
    if (l->identity.type != TERN_ID_STEAMID) return false;
    *out = l->identity.u.steam_id;
    return true;
}

tern_result tern_hs_fill_connect_request(tern_hs_local *l, Tern__ConnectRequest *m)
{
    if (l->is_server || !l->finalized) return TERN_INVALID_STATE;
    point_messages(l);
    m->cert = &l->pb_cert;
    m->crypt = &l->pb_crypt;
    if (steam_id(l, &m->legacy_client_steam_id)) m->has_legacy_client_steam_id = 1;
    return TERN_OK;
}

tern_result tern_hs_fill_connect_ok(tern_hs_local *l, Tern__ConnectOK *m)
{
    if (!l->is_server || !l->finalized) return TERN_INVALID_STATE;
    point_messages(l);
    m->cert = &l->pb_cert;
    m->crypt = &l->pb_crypt;
    if (steam_id(l, &m->legacy_server_steam_id)) m->has_legacy_server_steam_id = 1;
    return TERN_OK;
}

tern_hs_ok *tern_hs_ok_new(const tern_hs_local *l, const tern_mem *mem)
{
    if (!l->is_server || !l->finalized) return NULL;
    tern_hs_ok *k = tern_malloc(mem, sizeof *k + l->cert_len + l->crypt_len);
    if (!k) return NULL;
    k->has_steam_id = steam_id(l, &k->steam_id);
    k->cert_len = (uint16_t)l->cert_len;
    k->crypt_len = (uint16_t)l->crypt_len;
    memcpy(k->signature, l->signature, sizeof k->signature);
    memcpy(k->bytes, l->cert, l->cert_len);
    memcpy(k->bytes + l->cert_len, l->crypt, l->crypt_len);
    return k;
}

void tern_hs_ok_fill(const tern_hs_ok *k, Tern__ConnectOK *m, Tern__CertificateSigned *cert,
                     Tern__CryptInfoSigned *crypt)
{
    static const Tern__CertificateSigned cert_init = TERN__CERTIFICATE_SIGNED__INIT;
    static const Tern__CryptInfoSigned crypt_init = TERN__CRYPT_INFO_SIGNED__INIT;
    *cert = cert_init;
    cert->has_cert = 1;
    cert->cert.data = (uint8_t *)k->bytes;
    cert->cert.len = k->cert_len;
    *crypt = crypt_init;
    crypt->has_info = 1;
    crypt->info.data = (uint8_t *)k->bytes + k->cert_len;
    crypt->info.len = k->crypt_len;
    crypt->has_signature = 1;
    crypt->signature.data = (uint8_t *)k->signature;
    crypt->signature.len = sizeof k->signature;
    m->cert = cert;
    m->crypt = crypt;
    if (k->has_steam_id) {
        m->has_legacy_server_steam_id = 1;
        m->legacy_server_steam_id = k->steam_id;
    }
}

void tern_hs_local_free(tern_hs_local *l)
{
    tern_ed25519_free(&l->sign_key);
    tern_x25519_free(&l->kx_key);
    OPENSSL_cleanse(l, sizeof *l);
}
