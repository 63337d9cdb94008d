#include "crypto/cipher.h"

#include <stdbool.h>

static const uint32_t legacy_list[1] = {TERN_CIPHER_AES_256_GCM};

size_t tern_cipher_list(int unencrypted, uint32_t out[TERN_CIPHER_LIST_MAX])
{
    switch (unencrypted) {
    case 1:
        out[0] = TERN_CIPHER_AES_256_GCM;
        out[1] = TERN_CIPHER_NULL;
        return 2;
    case 2:
        out[0] = TERN_CIPHER_NULL;
        out[1] = TERN_CIPHER_AES_256_GCM;
        return 2;
    case 3:
        out[0] = TERN_CIPHER_NULL;
        return 1;
    default:
        out[0] = TERN_CIPHER_AES_256_GCM;
        return 1;
    }
}

static bool contains(const uint32_t *list, size_t n, uint32_t c)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == c) return true;
    return false;
}

tern_result tern_cipher_choose(const uint32_t *own, size_t n_own, const uint32_t *peer,
                               size_t n_peer, uint32_t *chosen)
{
    if (n_peer == 0) {
        peer = legacy_list;
        n_peer = 1;
    }
    for (size_t i = 0; i < n_own; i++) {
        /* Only ciphers we implement can be chosen, whatever our list says. */
        if (own[i] != TERN_CIPHER_NULL && own[i] != TERN_CIPHER_AES_256_GCM) continue;
        if (contains(peer, n_peer, own[i])) {
            *chosen = own[i];
            return TERN_OK;
        }
    }
    *chosen = TERN_CIPHER_INVALID;
    return TERN_HANDSHAKE_FAILED;
}

tern_result tern_cipher_check_reply(const uint32_t *own, size_t n_own, const uint32_t *server,
                                    size_t n_server, uint32_t *chosen)
{
    *chosen = TERN_CIPHER_INVALID;
    if (n_server == 0) {
        server = legacy_list;
        n_server = 1;
    }
    if (n_server != 1) return TERN_PROTOCOL_VIOLATION;
    return tern_cipher_choose(own, n_own, server, 1, chosen);
}
