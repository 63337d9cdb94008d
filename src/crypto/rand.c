#include "crypto/rand.h"

#include <limits.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rand.h>

tern_result tern_rand_bytes(void *out, size_t n)
{
    unsigned char *p = out;
    while (n > 0) {
        /* RAND_bytes takes an int length. */
        int chunk = n > (size_t)INT_MAX ? INT_MAX : (int)n;
        if (RAND_bytes(p, chunk) != 1) {
            ERR_clear_error();
            memset(out, 0, (size_t)(p - (unsigned char *)out) + n);
            return TERN_CRYPTO;
        }
        p += chunk;
        n -= (size_t)chunk;
    }
    return TERN_OK;
}
