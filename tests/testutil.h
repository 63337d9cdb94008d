/* Shared helpers for unit tests: cmocka includes, hex conversion, a seeded RNG
 * and the per-run seed count. */
#ifndef TERN_TESTUTIL_H
#define TERN_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* Decode a hex string (spaces allowed) into |out|; returns the byte count,
 * or fails the test on bad input or overflow. */
size_t tt_hex(const char *hex, uint8_t *out, size_t cap);

/* Deterministic xoshiro-style generator for randomized round trips. */
typedef struct tt_rng {
    uint64_t s[4];
} tt_rng;
void tt_rng_seed(tt_rng *r, uint64_t seed);
uint64_t tt_rng_next(tt_rng *r);
/* Uniform in [0, n) (n > 0). */
uint64_t tt_rng_below(tt_rng *r, uint64_t n);
void tt_rng_bytes(tt_rng *r, void *out, size_t n);

/* How many seeds randomized tests run: TERN_TEST_SEEDS from the environment,
 * else |dflt|. */
unsigned tt_seeds(unsigned dflt);

/* Path of a file under the source tree (TERN_SOURCE_DIR set by CTest). The
 * result is a static buffer. */
const char *tt_source_path(const char *rel);

#endif
