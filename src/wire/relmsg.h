/* Framing of reliable messages inside a lane's reliable byte stream
 * (WIRE.md §6.10): a header byte 0msssss, optional varint message-number
 * delta, optional varint upper size bits, then the payload. */
#ifndef TERN_WIRE_RELMSG_H
#define TERN_WIRE_RELMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/tern.h"

#define TERN_RELMSG_HDR_MAX 21 /* 1 + 10 + 10 */

typedef struct tern_relmsg_hdr {
    uint64_t msgnum_delta; /* from the previous reliable message of the lane; 1 = implicit */
    uint64_t size;         /* payload bytes */
} tern_relmsg_hdr;

/* Decode a header at *p.
 * TERN_TRUNCATED: the header or its varints are incomplete (wait for more).
 * TERN_MALFORMED: bit 7 set, an overlong varint (> 10 bytes, or bits beyond
 * 64), or a size varint whose value << 5 overflows 64 bits.
 * The caller applies the sanity limits of §6.10 (delta, size); an explicit
 * delta of 0 is a value, as in GNS. */
tern_result tern_relmsg_hdr_decode(const uint8_t **p, const uint8_t *end, tern_relmsg_hdr *out);

/* Encode a header; a delta of 1 uses the implicit form. */
uint8_t *tern_relmsg_hdr_encode(uint8_t *p, uint8_t *end, const tern_relmsg_hdr *in);
size_t tern_relmsg_hdr_len(const tern_relmsg_hdr *in);

#endif
