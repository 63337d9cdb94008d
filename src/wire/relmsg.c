#include "wire/relmsg.h"

#include "util/bytes.h"

#define RELMSG_RESERVED 0x80
#define RELMSG_DELTA    0x40
#define RELMSG_BIGSIZE  0x20
#define RELMSG_LOW5     0x1f

tern_result tern_relmsg_hdr_decode(const uint8_t **p, const uint8_t *end, tern_relmsg_hdr *out)
{
    const uint8_t *q = *p;
    if (q >= end) return TERN_TRUNCATED;
    uint8_t b = *q++;
    if (b & RELMSG_RESERVED) return TERN_MALFORMED;
    uint64_t delta = 1, size = b & RELMSG_LOW5;
    if (b & RELMSG_DELTA) {
        tern_result r = tern_varint_decode(&q, end, &delta);
        if (r != TERN_OK) return r;
    }
    if (b & RELMSG_BIGSIZE) {
        uint64_t hi;
        tern_result r = tern_varint_decode(&q, end, &hi);
        if (r != TERN_OK) return r;
        /* The shifted value must fit; GNS guards the same overflow (with a
         * far lower limit, which the caller applies as the size limit). */
        if (hi > UINT64_MAX >> 5) return TERN_MALFORMED;
        size |= hi << 5;
    }
    out->msgnum_delta = delta;
    out->size = size;
    *p = q;
    return TERN_OK;
}

size_t tern_relmsg_hdr_len(const tern_relmsg_hdr *in)
{
    size_t n = 1;
    if (in->msgnum_delta != 1) n += tern_varint_len(in->msgnum_delta);
    if (in->size > RELMSG_LOW5) n += tern_varint_len(in->size >> 5);
    return n;
}

uint8_t *tern_relmsg_hdr_encode(uint8_t *p, uint8_t *end, const tern_relmsg_hdr *in)
{
    if (!p || tern_left(p, end) < tern_relmsg_hdr_len(in)) return NULL;
    uint8_t *h = p++;
    uint8_t b = 0;
    if (in->msgnum_delta != 1) {
        b |= RELMSG_DELTA;
        p = tern_varint_encode(p, end, in->msgnum_delta);
    }
    if (in->size > RELMSG_LOW5) {
        b |= RELMSG_BIGSIZE | (uint8_t)(in->size & RELMSG_LOW5);
        p = tern_varint_encode(p, end, in->size >> 5);
    } else {
        b |= (uint8_t)in->size;
    }
    *h = b;
    return p;
}
