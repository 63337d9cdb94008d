/* Little-endian fixed-width fields, protobuf-style varints, and the bounded
 * cursor convention every codec uses:
 *
 *   decoders: tern_result x_decode(const uint8_t **p, const uint8_t *end, T *out)
 *             advance *p only on success, check every length against end first;
 *   encoders: uint8_t *x_encode(uint8_t *p, uint8_t *end, const T *in)
 *             return the advanced pointer, or NULL when out of room.
 *
 * Everything here is inline and pure. */
#ifndef TERN_UTIL_BYTES_H
#define TERN_UTIL_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tern/tern.h"

/* --- loads and stores (no bounds checks: callers check first) -------------- */

static inline uint16_t tern_load_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}
static inline uint32_t tern_load_le24(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}
static inline uint32_t tern_load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t tern_load_le48(const uint8_t *p)
{
    return (uint64_t)tern_load_le32(p) | (uint64_t)tern_load_le16(p + 4) << 32;
}
static inline uint64_t tern_load_le64(const uint8_t *p)
{
    return (uint64_t)tern_load_le32(p) | (uint64_t)tern_load_le32(p + 4) << 32;
}
static inline uint16_t tern_load_be16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline void tern_store_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void tern_store_le24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
}
static inline void tern_store_le32(uint8_t *p, uint32_t v)
{
    tern_store_le16(p, (uint16_t)v);
    tern_store_le16(p + 2, (uint16_t)(v >> 16));
}
static inline void tern_store_le48(uint8_t *p, uint64_t v)
{
    tern_store_le32(p, (uint32_t)v);
    tern_store_le16(p + 4, (uint16_t)(v >> 32));
}
static inline void tern_store_le64(uint8_t *p, uint64_t v)
{
    tern_store_le32(p, (uint32_t)v);
    tern_store_le32(p + 4, (uint32_t)(v >> 32));
}
static inline void tern_store_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* --- bounded cursor reads ---------------------------------------------------- */

static inline size_t tern_left(const uint8_t *p, const uint8_t *end)
{
    return p < end ? (size_t)(end - p) : 0;
}

/* Read |n| fixed bytes as little-endian (n in 1..8). */
static inline tern_result tern_read_le(const uint8_t **p, const uint8_t *end, unsigned n,
                                       uint64_t *out)
{
    if (tern_left(*p, end) < n) return TERN_TRUNCATED;
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) v |= (uint64_t)(*p)[i] << (8 * i);
    *p += n;
    *out = v;
    return TERN_OK;
}

static inline tern_result tern_read_u8(const uint8_t **p, const uint8_t *end, uint8_t *out)
{
    if (*p >= end) return TERN_TRUNCATED;
    *out = **p;
    (*p)++;
    return TERN_OK;
}

static inline uint8_t *tern_write_le(uint8_t *p, uint8_t *end, unsigned n, uint64_t v)
{
    if (!p || tern_left(p, end) < n) return NULL;
    for (unsigned i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
    return p + n;
}

static inline uint8_t *tern_write_u8(uint8_t *p, uint8_t *end, uint8_t v)
{
    if (!p || p >= end) return NULL;
    *p = v;
    return p + 1;
}

static inline uint8_t *tern_write_bytes(uint8_t *p, uint8_t *end, const void *src, size_t n)
{
    if (!p || tern_left(p, end) < n) return NULL;
    if (n) memcpy(p, src, n);
    return p + n;
}

/* --- varints (unsigned LEB128, protobuf's base-128) ------------------------- */

#define TERN_VARINT_MAX 10

/* Number of bytes the varint encoding of |v| takes (1..10). */
static inline unsigned tern_varint_len(uint64_t v)
{
    unsigned n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline uint8_t *tern_varint_encode(uint8_t *p, uint8_t *end, uint64_t v)
{
    if (!p || tern_left(p, end) < tern_varint_len(v)) return NULL;
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* Decode a varint of at most |max_bits| significant bits (32 or 64).
 * TERN_TRUNCATED if the input ends while the high bit says "more";
 * TERN_MALFORMED if it is longer than the type allows or overflows it. */
static inline tern_result tern_varint_decode_bits(const uint8_t **p, const uint8_t *end,
                                                  unsigned max_bits, uint64_t *out)
{
    const unsigned max_len = (max_bits + 6) / 7;
    const uint8_t *q = *p;
    uint64_t v = 0;
    for (unsigned i = 0;; i++) {
        if (i >= max_len) return TERN_MALFORMED;
        if (q >= end) return TERN_TRUNCATED;
        uint8_t b = *q++;
        unsigned shift = 7 * i;
        uint64_t bits = (uint64_t)(b & 0x7f);
        /* Bits that would fall off the top of the target type. */
        if (shift + 7 > max_bits && (bits >> (max_bits - shift)) != 0) return TERN_MALFORMED;
        v |= bits << shift;
        if (!(b & 0x80)) break;
    }
    *p = q;
    *out = v;
    return TERN_OK;
}

static inline tern_result tern_varint_decode(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    return tern_varint_decode_bits(p, end, 64, out);
}

static inline tern_result tern_varint_decode32(const uint8_t **p, const uint8_t *end, uint32_t *out)
{
    uint64_t v;
    tern_result r = tern_varint_decode_bits(p, end, 32, &v);
    if (r == TERN_OK) *out = (uint32_t)v;
    return r;
}

#endif
