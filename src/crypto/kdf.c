#include "crypto/kdf.h"

#include <string.h>

#include <openssl/crypto.h>

#include "util/bytes.h"

void tern_kdf_salt(uint64_t server_nonce, uint64_t client_nonce, uint8_t out[TERN_KDF_SALT_LEN])
{
    tern_store_le64(out, server_nonce);
    tern_store_le64(out + 8, client_nonce);
}

tern_result tern_kdf_extract(const uint8_t premaster[32], const uint8_t salt[TERN_KDF_SALT_LEN],
                             uint8_t prk[TERN_SHA256_LEN])
{
    return tern_hmac_sha256(premaster, 32, salt, TERN_KDF_SALT_LEN, prk);
}

size_t tern_kdf_info(const tern_kdf_input *in, uint8_t head[TERN_KDF_HEAD_LEN],
                     tern_piece pieces[TERN_KDF_INFO_PIECES])
{
    tern_store_le32(head, in->client_conn_id);
    tern_store_le32(head + 4, in->server_conn_id);
    memcpy(head + 8, TERN_KDF_LABEL, TERN_KDF_HEAD_LEN - 8);
    pieces[0] = (tern_piece){head, TERN_KDF_HEAD_LEN};
    pieces[1] = in->server_cert;
    pieces[2] = in->client_cert;
    pieces[3] = in->server_crypt;
    pieces[4] = in->client_crypt;
    size_t total = 0;
    for (int i = 0; i < TERN_KDF_INFO_PIECES; i++) total += pieces[i].len;
    return total;
}

tern_result tern_kdf_expand(const uint8_t prk[TERN_SHA256_LEN], const tern_piece *info, size_t n,
                            tern_session_keys *out)
{
    /* Message i is T(i-1) || info... || i; the pieces array holds it without
     * copying info. Slot 0 is the previous block (empty for T1). */
    enum { MAX_PIECES = 2 + 16 };
    tern_piece msg[MAX_PIECES];
    uint8_t t[TERN_SHA256_LEN];
    uint8_t counter;
    uint8_t *dst[4] = {out->c2s_key, out->s2c_key, out->c2s_iv, out->s2c_iv};
    const size_t dst_len[4] = {TERN_AEAD_KEY_LEN, TERN_AEAD_KEY_LEN, TERN_AEAD_IV_LEN,
                               TERN_AEAD_IV_LEN};
    if (n > MAX_PIECES - 2) {
        tern_session_keys_wipe(out);
        return TERN_INVALID_PARAM;
    }
    msg[0] = (tern_piece){t, 0};
    for (size_t i = 0; i < n; i++) msg[1 + i] = info[i];
    msg[1 + n] = (tern_piece){&counter, 1};
    /* All four blocks are keyed with the PRK: set the key up once. */
    tern_hmac mac;
    tern_result r = tern_hmac_sha256_key(&mac, prk, TERN_SHA256_LEN);
    for (int i = 0; i < 4 && r == TERN_OK; i++) {
        counter = (uint8_t)(i + 1);
        r = tern_hmac_sha256_run(&mac, msg, n + 2, t);
        memcpy(dst[i], t, dst_len[i]);
        msg[0].len = TERN_SHA256_LEN;
    }
    tern_hmac_sha256_free(&mac);
    OPENSSL_cleanse(t, sizeof t);
    if (r != TERN_OK) tern_session_keys_wipe(out);
    return r;
}

tern_result tern_kdf_derive(const tern_kdf_input *in, tern_session_keys *out)
{
    uint8_t salt[TERN_KDF_SALT_LEN], prk[TERN_SHA256_LEN], head[TERN_KDF_HEAD_LEN];
    tern_piece info[TERN_KDF_INFO_PIECES];
    if (!in->premaster) {
        tern_session_keys_wipe(out);
        return TERN_INVALID_PARAM;
    }
    tern_kdf_salt(in->server_nonce, in->client_nonce, salt);
    tern_result r = tern_kdf_extract(in->premaster, salt, prk);
    if (r == TERN_OK) {
        tern_kdf_info(in, head, info);
        r = tern_kdf_expand(prk, info, TERN_KDF_INFO_PIECES, out);
    } else {
        tern_session_keys_wipe(out);
    }
    OPENSSL_cleanse(prk, sizeof prk);
    return r;
}

void tern_session_keys_wipe(tern_session_keys *k)
{
    OPENSSL_cleanse(k, sizeof *k);
}
