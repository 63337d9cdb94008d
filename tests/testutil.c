#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

size_t tt_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (const char *c = hex; *c; c++) {
        if (*c == ' ' || *c == '\n' || *c == '\t') continue;
        int v = hexval(*c);
        assert_true(v >= 0);
        if (hi < 0) {
            hi = v;
        } else {
            assert_true(n < cap);
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    assert_int_equal(hi, -1);
    return n;
}

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void tt_rng_seed(tt_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) r->s[i] = splitmix(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t tt_rng_next(tt_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t tt_rng_below(tt_rng *r, uint64_t n)
{
    return tt_rng_next(r) % n;
}

void tt_rng_bytes(tt_rng *r, void *out, size_t n)
{
    uint8_t *o = out;
    for (size_t i = 0; i < n; i++) o[i] = (uint8_t)tt_rng_next(r);
}

unsigned tt_seeds(unsigned dflt)
{
    const char *e = getenv("TERN_TEST_SEEDS");
    if (e && *e) {
        long v = strtol(e, NULL, 10);
        if (v > 0) return (unsigned)v;
    }
    return dflt;
}

const char *tt_source_path(const char *rel)
{
    static char buf[4096];
    const char *root = getenv("TERN_SOURCE_DIR");
    snprintf(buf, sizeof buf, "%s/%s", root && *root ? root : ".", rel);
    return buf;
}
