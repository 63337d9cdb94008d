/* Helpers shared by the hs_*.c files; not for other modules. */
#ifndef TERN_CONN_HS_INT_H
#define TERN_CONN_HS_INT_H

#include "conn/hs.h"

/* Record |end_reason| and a printf-style text in |err| (may be NULL) and
 * return |r|, so that every failure path is one statement. */
tern_result tern_hs_fail(tern_hs_error *err, tern_result r, int end_reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Serialize and sign our crypt info with the cipher list |ciphers| (|n|
 * entries, copied). TERN_OK; TERN_INVALID_STATE if already final or the keys
 * are gone; TERN_CRYPTO if signing fails; TERN_BUF_TOO_SMALL cannot happen
 * with n <= TERN_CIPHER_LIST_MAX (returned as TERN_INVALID_PARAM otherwise). */
tern_result tern_hs_local_finalize(tern_hs_local *l, const uint32_t *ciphers, size_t n);

#endif
