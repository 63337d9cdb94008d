/* Cipher negotiation (WIRE.md §4.3). Cipher lists are the raw values of the
 * crypt info's repeated `ciphers` field, so a peer's unknown values pass
 * through untouched and simply never match. */
#ifndef TERN_CRYPTO_CIPHER_H
#define TERN_CRYPTO_CIPHER_H

#include <stddef.h>
#include <stdint.h>

#include "tern/tern.h"

/* ESteamNetworkingSocketsCipher. */
enum tern_cipher {
    TERN_CIPHER_INVALID = 0,
    TERN_CIPHER_NULL = 1,        /* no encryption, no authentication */
    TERN_CIPHER_AES_256_GCM = 2, /* the default */
};

#define TERN_CIPHER_LIST_MAX 2 /* longest list tern_cipher_list produces */

/* Write this side's list, in preference order, for the `Unencrypted` config
 * value |unencrypted|: 0 -> [AES], 1 -> [AES, NULL], 2 -> [NULL, AES],
 * 3 -> [NULL]. Any other value is treated as 0, as GNS does (the config
 * table keeps it in range anyway). Returns the number of entries (1 or 2)
 * written to |out|. */
size_t tern_cipher_list(int unencrypted, uint32_t out[TERN_CIPHER_LIST_MAX]);

/* Server side: walk the server's own list |own| (|n_own| entries) in order
 * and pick the first cipher the client's list |peer| (|n_peer| entries) also
 * contains; an empty client list means [AES] (a legacy client). Lists are
 * borrowed. TERN_OK with *chosen set; TERN_HANDSHAKE_FAILED when nothing
 * matches (*chosen = INVALID): the server kills the connection with 4002. */
tern_result tern_cipher_choose(const uint32_t *own, size_t n_own, const uint32_t *peer,
                               size_t n_peer, uint32_t *chosen);

/* Client side: check the server's crypt-info list |server| (|n_server|
 * entries) against the list the client offered, |own|. An empty server list
 * means [AES]. Lists are borrowed. TERN_OK with *chosen set;
 * TERN_PROTOCOL_VIOLATION when the server listed more than one cipher;
 * TERN_HANDSHAKE_FAILED when its one cipher is not one the client offered.
 * On failure *chosen = INVALID and the client kills the connection with 4002. */
tern_result tern_cipher_check_reply(const uint32_t *own, size_t n_own, const uint32_t *server,
                                    size_t n_server, uint32_t *chosen);

#endif
