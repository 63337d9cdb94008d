/* Random bytes from OpenSSL's DRBG: connection IDs, nonces, ephemeral keys. */
#ifndef TERN_CRYPTO_RAND_H
#define TERN_CRYPTO_RAND_H

#include <stddef.h>

#include "tern/tern.h"

/* Fill |out| (|n| bytes, written) with cryptographically strong random bytes.
 * TERN_OK, or TERN_CRYPTO when the generator cannot produce them (it is not
 * seeded, or failed); then |out| is zeroed and must not be used. */
tern_result tern_rand_bytes(void *out, size_t n);

#endif
