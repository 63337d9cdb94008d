/* Cipher choice, key exchange and session keys (WIRE.md §4.3-4.5), done by
 * the server when its application accepts and by the client on ConnectOK. */
#include <string.h>

#include <openssl/crypto.h>

#include "conn/hs_int.h"

/* The server picks from its own list (read now: the application may have
 * changed Unencrypted before accepting) and signs its crypt info with just
 * that cipher; the client checks the server's one cipher against its offer. */
static tern_result negotiate(tern_hs_local *l, const tern_hs_peer *p, uint32_t *chosen,
                             tern_hs_error *err)
{
    if (l->is_server) {
        uint32_t own[TERN_CIPHER_LIST_MAX];
        size_t n = tern_cipher_list(l->unencrypted, own);
        if (tern_cipher_choose(own, n, p->ciphers, p->nciphers, chosen) != TERN_OK)
            return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT,
                                "Failed to negotiate mutually-agreeable cipher");
        tern_result r = tern_hs_local_finalize(l, chosen, 1);
        if (r != TERN_OK)
            return tern_hs_fail(err, r, TERN_HS_END_INTERNAL_ERROR, "Signing crypt info failed");
        return TERN_OK;
    }
    if (p->nlisted != 1)
        return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT,
                            "Server must select exactly only one cipher");
    if (tern_cipher_check_reply(l->ciphers, l->nciphers, p->ciphers, 1, chosen) != TERN_OK)
        return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT,
                            "Failed to negotiate mutually-agreeable cipher");
    return TERN_OK;
}

static tern_result make_keys(const tern_hs_local *l, const tern_hs_peer *p, uint32_t client_id,
                             uint32_t server_id, tern_session_keys *keys, tern_hs_error *err)
{
    if (p->kx_key_type != TERN__CRYPT_INFO__KEY_TYPE__CURVE25519)
        return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT,
                            "Unsupported DH key type %u", p->kx_key_type);
    if (!p->kx_key_ok)
        return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT, "Invalid DH key");
    uint8_t premaster[TERN_X25519_LEN];
    if (tern_x25519_premaster(&l->kx_key, p->kx_key, sizeof p->kx_key, premaster) != TERN_OK)
        return tern_hs_fail(err, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT,
                            "Key exchange failed");
    /* Both sides order everything by role, not by who computes (§4.5). */
    tern_piece own_cert = {l->cert, l->cert_len}, own_crypt = {l->crypt, l->crypt_len};
    tern_piece peer_cert = {p->cert, p->cert_len}, peer_crypt = {p->crypt, p->crypt_len};
    tern_kdf_input in = {
        .premaster = premaster,
        .server_nonce = l->is_server ? l->nonce : p->nonce,
        .client_nonce = l->is_server ? p->nonce : l->nonce,
        .client_conn_id = client_id,
        .server_conn_id = server_id,
        .server_cert = l->is_server ? own_cert : peer_cert,
        .client_cert = l->is_server ? peer_cert : own_cert,
        .server_crypt = l->is_server ? own_crypt : peer_crypt,
        .client_crypt = l->is_server ? peer_crypt : own_crypt,
    };
    tern_result r = tern_kdf_derive(&in, keys);
    OPENSSL_cleanse(premaster, sizeof premaster);
    if (r != TERN_OK)
        return tern_hs_fail(err, TERN_CRYPTO, TERN_HS_END_INTERNAL_ERROR, "Key derivation failed");
    return TERN_OK;
}

tern_result tern_hs_derive(tern_hs_local *l, const tern_hs_peer *p, uint32_t client_conn_id,
                           uint32_t server_conn_id, tern_aead *out, tern_hs_error *err)
{
    if (err) memset(err, 0, sizeof *err);
    /* A client signed its crypt info at init; a server signs it here. */
    bool ready = l->is_server ? !l->finalized : l->finalized;
    if (l->keys_used || !l->kx_key.pkey || !ready)
        return tern_hs_fail(err, TERN_INVALID_STATE, TERN_HS_END_INTERNAL_ERROR,
                            "Handshake state does not allow key derivation");
    uint32_t chosen = TERN_CIPHER_INVALID;
    tern_session_keys keys;
    memset(&keys, 0, sizeof keys);
    tern_result r = negotiate(l, p, &chosen, err);
    if (r == TERN_OK) r = make_keys(l, p, client_conn_id, server_conn_id, &keys, err);
    if (r == TERN_OK) {
        r = tern_aead_init_session(out, chosen, &keys, l->is_server);
        if (r != TERN_OK) {
            if (r != TERN_NOMEM) r = TERN_CRYPTO;
            tern_hs_fail(err, r, TERN_HS_END_INTERNAL_ERROR, "Error initializing crypto");
        }
    }
    tern_session_keys_wipe(&keys);
    /* Never needed again, as in GNS: wipe the private keys now (an instance
     * cert key only loses this reference). */
    tern_ed25519_free(&l->sign_key);
    tern_x25519_free(&l->kx_key);
    l->keys_used = true;
    return r;
}
