#include "wire/data.h"

#include "util/bytes.h"

/* Bits a sender may set; everything else is "send 0, ignore on receipt". */
#define DATA_FLAGS_KNOWN (TERN_DATA_FLAG | TERN_DATA_FLAG_STATS | TERN_DATA_FLAG_TIMEPREV)

tern_result tern_data_hdr_decode(const uint8_t **p, const uint8_t *end, tern_data_hdr *out)
{
    const uint8_t *q = *p;
    size_t left = tern_left(q, end);
    if (left == 0) return TERN_TRUNCATED;
    /* A clear high bit means "not a data packet", which no amount of further
     * bytes can fix, so it outranks a short buffer. */
    if (!(q[0] & TERN_DATA_FLAG)) return TERN_MALFORMED;
    if (left < TERN_DATA_HDR_MIN) return TERN_TRUNCATED;

    tern_data_hdr h;
    h.flags = q[0];
    h.to_conn_id = tern_load_le32(q + 1);
    h.pktnum16 = tern_load_le16(q + 5);
    h.stats = NULL;
    h.stats_len = 0;
    h.timeprev16 = 0;
    q += TERN_DATA_HDR_MIN;

    if (h.flags & TERN_DATA_FLAG_STATS) {
        /* GNS reads the length as a uint32 varint. */
        uint32_t n;
        tern_result r = tern_varint_decode32(&q, end, &n);
        if (r != TERN_OK) return r;
        if (n > tern_left(q, end)) return TERN_TRUNCATED;
        h.stats = q;
        h.stats_len = n;
        q += n;
    }
    if (h.flags & TERN_DATA_FLAG_TIMEPREV) {
        if (tern_left(q, end) < 2) return TERN_TRUNCATED;
        h.timeprev16 = tern_load_le16(q);
        q += 2;
    }
    *out = h;
    *p = q;
    return TERN_OK;
}

size_t tern_data_hdr_len(const tern_data_hdr *in)
{
    size_t n = TERN_DATA_HDR_MIN;
    if (in->flags & TERN_DATA_FLAG_STATS) n += tern_varint_len(in->stats_len) + in->stats_len;
    if (in->flags & TERN_DATA_FLAG_TIMEPREV) n += 2;
    return n;
}

uint8_t *tern_data_hdr_encode(uint8_t *p, uint8_t *end, const tern_data_hdr *in)
{
    if (!p) return NULL;
    uint8_t flags = (uint8_t)((in->flags | TERN_DATA_FLAG) & DATA_FLAGS_KNOWN);
    if (flags & TERN_DATA_FLAG_STATS) {
        /* The receiver reads a uint32 length; anything longer would not parse back. */
        if (in->stats_len > UINT32_MAX || (in->stats_len && !in->stats)) return NULL;
    }
    if (tern_left(p, end) < tern_data_hdr_len(in)) return NULL;

    p[0] = flags;
    tern_store_le32(p + 1, in->to_conn_id);
    tern_store_le16(p + 5, in->pktnum16);
    p += TERN_DATA_HDR_MIN;
    if (flags & TERN_DATA_FLAG_STATS) {
        p = tern_varint_encode(p, end, in->stats_len);
        if (in->stats_len) memcpy(p, in->stats, in->stats_len);
        p += in->stats_len;
    }
    if (flags & TERN_DATA_FLAG_TIMEPREV) {
        tern_store_le16(p, in->timeprev16);
        p += 2;
    }
    return p;
}

int64_t tern_pktnum_expand(int64_t max_recv, uint16_t w)
{
    /* Signed 16-bit distance from max_recv, computed without relying on the
     * implementation-defined narrowing to int16_t. */
    int64_t d = (int64_t)(uint16_t)(w - (uint16_t)max_recv);
    if (d >= 0x8000) d -= 0x10000;
    /* Unsigned add: wraps instead of overflowing for absurd max_recv values. */
    return (int64_t)((uint64_t)max_recv + (uint64_t)d);
}
