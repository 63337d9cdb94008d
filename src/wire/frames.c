#include "wire/frames.h"

#include "util/bytes.h"

/* Lead-byte bits (WIRE.md §6.1, §6.4–6.8). */
#define UNREL_END      0x20
#define UNREL_M        0x10
#define UNREL_O        0x08
#define SEG_SSS_MASK   0x07
#define SEG_SSS_TO_END 7
#define ACK_W          0x08
#define ACK_N_EXPLICIT 7
#define LANE_EXPLICIT  7
#define ACK_EXT_MAX    100000 /* GNS kills on a larger block varint */

/* Varint with a one-byte fast path: almost every varint on this path (ack
 * block extensions, deltas, offsets, lanes) is below 128. */
static inline tern_result varint_bits(const uint8_t **q, const uint8_t *end, unsigned bits,
                                      uint64_t *v)
{
    if (*q < end && **q < 0x80) {
        *v = **q;
        (*q)++;
        return TERN_OK;
    }
    return tern_varint_decode_bits(q, end, bits, v);
}

/* The size field of §6.3 (after every other header field) and the data it
 * announces. sss 101/110 are rejected by the caller before any field is read. */
static inline tern_result seg_data(unsigned sss, const uint8_t **q, const uint8_t *end,
                                   const uint8_t **data, size_t *len)
{
    const uint8_t *s = *q;
    size_t n;
    if (sss == SEG_SSS_TO_END) {
        n = tern_left(s, end);
    } else {
        if (s >= end) return TERN_TRUNCATED;
        n = (size_t)sss << 8 | *s++;
        if (n > tern_left(s, end)) return TERN_TRUNCATED;
    }
    *data = s;
    *len = n;
    *q = s + n;
    return TERN_OK;
}

static inline bool sss_reserved(uint8_t lead)
{
    unsigned sss = lead & SEG_SSS_MASK;
    return sss == 5 || sss == 6;
}

static tern_result decode_unrel(uint8_t lead, const uint8_t **q, const uint8_t *end,
                                const tern_frame_ctx *ctx, tern_frame_unrel *f)
{
    const uint8_t *s = *q;
    if (sss_reserved(lead)) return TERN_MALFORMED;
    if (!ctx->have_msgnum) {
        if (lead & UNREL_M) {
            if (tern_left(s, end) < 4) return TERN_TRUNCATED;
            f->msgnum_form = TERN_MSGNUM_ABS32;
            f->msgnum = tern_load_le32(s);
            s += 4;
        } else {
            if (tern_left(s, end) < 2) return TERN_TRUNCATED;
            f->msgnum_form = TERN_MSGNUM_ABS16;
            f->msgnum = tern_load_le16(s);
            s += 2;
        }
    } else if (lead & UNREL_M) {
        tern_result r = varint_bits(&s, end, 64, &f->msgnum);
        if (r != TERN_OK) return r;
        f->msgnum_form = TERN_MSGNUM_DELTA;
    } else {
        f->msgnum_form = TERN_MSGNUM_NEXT;
        f->msgnum = 0;
    }
    f->offset = 0;
    if (lead & UNREL_O) {
        /* GNS holds the offset in a uint32 (and so caps the varint at 5 bytes). */
        tern_result r = varint_bits(&s, end, 32, &f->offset);
        if (r != TERN_OK) return r;
    }
    f->end = (lead & UNREL_END) != 0;
    tern_result r = seg_data(lead & SEG_SSS_MASK, &s, end, &f->data, &f->len);
    if (r != TERN_OK) return r;
    *q = s;
    return TERN_OK;
}

/* Reliable segment. Note for the caller (WIRE.md §6.4 quirk): every reliable
 * segment decoded while an unreliable message number is in context bumps that
 * number by one, so the next NEXT/DELTA unreliable segment counts from
 * cur_msgnum + 1. The raw decode here is unaffected; the expansion is not. */
static tern_result decode_rel(uint8_t lead, const uint8_t **q, const uint8_t *end,
                              const tern_frame_ctx *ctx, tern_frame_rel *f)
{
    static const uint8_t abs_len[4] = {3, 4, 6, 0};
    static const uint8_t rel_len[4] = {0, 1, 2, 4};
    const uint8_t *s = *q;
    unsigned mm = (lead >> 3) & 3;
    if (sss_reserved(lead)) return TERN_MALFORMED;
    unsigned n;
    if (!ctx->have_pos) {
        if (mm == 3) return TERN_MALFORMED;
        n = abs_len[mm];
        f->pos_form = (uint8_t)(TERN_POS_ABS24 + mm);
    } else {
        n = rel_len[mm];
        f->pos_form = (uint8_t)(TERN_POS_REL0 + mm);
    }
    if (tern_left(s, end) < n) return TERN_TRUNCATED;
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) v |= (uint64_t)s[i] << (8 * i);
    f->pos = v;
    s += n;
    tern_result r = seg_data(lead & SEG_SSS_MASK, &s, end, &f->data, &f->len);
    if (r != TERN_OK) return r;
    *q = s;
    return TERN_OK;
}

static tern_result decode_stop_waiting(uint8_t lead, const uint8_t **q, const uint8_t *end,
                                       tern_frame_stop_waiting *f)
{
    static const uint8_t width[4] = {1, 2, 3, 8};
    return tern_read_le(q, end, width[lead & 3], &f->offset);
}

static inline tern_result ack_count(const uint8_t **q, const uint8_t *end, unsigned low3, bool ext,
                                    uint32_t *out)
{
    if (!ext) {
        *out = low3;
        return TERN_OK;
    }
    uint64_t v;
    tern_result r = varint_bits(q, end, 64, &v);
    if (r != TERN_OK) return r;
    if (v > ACK_EXT_MAX) return TERN_MALFORMED;
    *out = low3 | (uint32_t)v << 3;
    return TERN_OK;
}

static tern_result decode_ack(uint8_t lead, const uint8_t **q, const uint8_t *end,
                              tern_frame_ack *f)
{
    const uint8_t *s = *q;
    bool w = (lead & ACK_W) != 0;
    unsigned lw = w ? 2 : 4;
    if (tern_left(s, end) < lw + 2) return TERN_TRUNCATED;
    f->latest16 = w;
    f->latest = w ? tern_load_le16(s) : tern_load_le32(s);
    s += lw;
    f->delay = tern_load_le16(s);
    s += 2;
    unsigned nblocks = lead & 7;
    if (nblocks == ACK_N_EXPLICIT) {
        if (s >= end) return TERN_TRUNCATED;
        nblocks = *s++;
    }
    f->nblocks = (uint16_t)nblocks;
    for (unsigned i = 0; i < nblocks; i++) {
        if (s >= end) return TERN_TRUNCATED;
        uint8_t b = *s++;
        tern_ack_block *blk = &f->blocks[i];
        /* Extension varints come ack first, then nack. */
        tern_result r = ack_count(&s, end, (b >> 4) & 7, (b & 0x80) != 0, &blk->acks);
        if (r != TERN_OK) return r;
        r = ack_count(&s, end, b & 7, (b & 0x08) != 0, &blk->nacks);
        if (r != TERN_OK) return r;
    }
    *q = s;
    return TERN_OK;
}

static tern_result decode_lane(uint8_t lead, const uint8_t **q, const uint8_t *end, uint32_t *lane)
{
    unsigned nnn = lead & 7;
    if (nnn != LANE_EXPLICIT) {
        *lane = nnn + 1;
        return TERN_OK;
    }
    /* GNS reads the lane into an unsigned int, so at most a 5-byte varint. */
    uint64_t v;
    tern_result r = varint_bits(q, end, 32, &v);
    if (r != TERN_OK) return r;
    if (v > TERN_MAX_LANE) return TERN_MALFORMED;
    *lane = (uint32_t)v;
    return TERN_OK;
}

tern_result tern_frame_decode(const uint8_t **p, const uint8_t *end, tern_frame_ctx *ctx,
                              tern_frame *out)
{
    const uint8_t *q = *p;
    if (q >= end) return TERN_TRUNCATED;
    uint8_t lead = *q++;
    tern_result r;
    switch (lead >> 3) {
    case 0x00:
    case 0x01:
    case 0x02:
    case 0x03: /* 00emosss */
    case 0x04:
    case 0x05:
    case 0x06:
    case 0x07:
        r = decode_unrel(lead, &q, end, ctx, &out->u.unrel);
        if (r != TERN_OK) return r;
        out->type = TERN_FRAME_UNREL;
        ctx->have_msgnum = true;
        break;
    case 0x08:
    case 0x09:
    case 0x0a:
    case 0x0b: /* 010mmsss */
        r = decode_rel(lead, &q, end, ctx, &out->u.rel);
        if (r != TERN_OK) return r;
        out->type = TERN_FRAME_REL;
        ctx->have_pos = true;
        break;
    case 0x10: /* 100000ww, or reserved 100001xx */
        if (lead & 0x04) return TERN_MALFORMED;
        r = decode_stop_waiting(lead, &q, end, &out->u.stop_waiting);
        if (r != TERN_OK) return r;
        out->type = TERN_FRAME_STOP_WAITING;
        break;
    case 0x11: /* 10001nnn */
        r = decode_lane(lead, &q, end, &out->u.lane);
        if (r != TERN_OK) return r;
        out->type = TERN_FRAME_LANE;
        ctx->lane = out->u.lane;
        ctx->have_msgnum = false;
        ctx->have_pos = false;
        break;
    case 0x12:
    case 0x13: /* 1001wnnn */
        r = decode_ack(lead, &q, end, &out->u.ack);
        if (r != TERN_OK) return r;
        out->type = TERN_FRAME_ACK;
        break;
    default: /* 011xxxxx, 101xxxxx, 11xxxxxx */
        return TERN_MALFORMED;
    }
    *p = q;
    return TERN_OK;
}

/* --- encoders ---------------------------------------------------------------- */

/* Header bytes of a segment's size field, or 0 with *sss unset if the size
 * cannot be expressed. */
static inline size_t seg_size_len(size_t len, bool last, unsigned *sss)
{
    if (last) {
        *sss = SEG_SSS_TO_END;
        return 0;
    }
    if (len > TERN_SEG_MAX_EXPLICIT) return SIZE_MAX;
    *sss = (unsigned)(len >> 8);
    return 1;
}

/* Header length and lead byte of an unreliable segment; 0 if the encoder
 * must refuse it (it would not decode back to the same fields). */
static size_t unrel_hdr(const tern_frame_unrel *f, bool last, uint8_t *lead_out)
{
    uint8_t lead = f->end ? UNREL_END : 0;
    size_t n = 1;
    switch (f->msgnum_form) {
    case TERN_MSGNUM_ABS16:
        if (f->msgnum > 0xffff) return 0;
        n += 2;
        break;
    case TERN_MSGNUM_ABS32:
        if (f->msgnum > 0xffffffffu) return 0;
        lead |= UNREL_M;
        n += 4;
        break;
    case TERN_MSGNUM_NEXT:
        if (f->msgnum != 0) return 0;
        break;
    case TERN_MSGNUM_DELTA:
        lead |= UNREL_M;
        n += tern_varint_len(f->msgnum);
        break;
    default:
        return 0;
    }
    if (f->offset > UINT32_MAX) return 0;
    if (f->offset) {
        lead |= UNREL_O;
        n += tern_varint_len(f->offset);
    }
    unsigned sss;
    size_t sz = seg_size_len(f->len, last, &sss);
    if (sz == SIZE_MAX) return 0;
    *lead_out = (uint8_t)(lead | sss);
    return n + sz;
}

static const uint8_t pos_width[] = {
    [TERN_POS_ABS24] = 3, [TERN_POS_ABS32] = 4, [TERN_POS_ABS48] = 6, [TERN_POS_REL0] = 0,
    [TERN_POS_REL8] = 1,  [TERN_POS_REL16] = 2, [TERN_POS_REL32] = 4,
};

static size_t rel_hdr(const tern_frame_rel *f, bool last, uint8_t *lead_out)
{
    unsigned mm;
    if (f->pos_form >= TERN_POS_ABS24 && f->pos_form <= TERN_POS_ABS48)
        mm = f->pos_form - TERN_POS_ABS24;
    else if (f->pos_form >= TERN_POS_REL0 && f->pos_form <= TERN_POS_REL32)
        mm = f->pos_form - TERN_POS_REL0;
    else
        return 0;
    unsigned w = pos_width[f->pos_form];
    if (w < 8 && (f->pos >> (8 * w)) != 0) return 0;
    unsigned sss;
    size_t sz = seg_size_len(f->len, last, &sss);
    if (sz == SIZE_MAX) return 0;
    *lead_out = (uint8_t)(0x40 | mm << 3 | sss);
    return 1 + w + sz;
}

size_t tern_frame_unrel_hdr_len(const tern_frame_unrel *f, bool last)
{
    uint8_t lead;
    return unrel_hdr(f, last, &lead);
}

size_t tern_frame_rel_hdr_len(const tern_frame_rel *f, bool last)
{
    uint8_t lead;
    return rel_hdr(f, last, &lead);
}

uint8_t *tern_frame_unrel_encode_hdr(uint8_t *p, uint8_t *end, const tern_frame_unrel *f, bool last)
{
    uint8_t lead;
    size_t h = unrel_hdr(f, last, &lead);
    if (!p || !h) return NULL;
    size_t left = tern_left(p, end);
    if (left < h || left - h < f->len) return NULL;
    *p++ = lead;
    switch (f->msgnum_form) {
    case TERN_MSGNUM_ABS16:
        tern_store_le16(p, (uint16_t)f->msgnum);
        p += 2;
        break;
    case TERN_MSGNUM_ABS32:
        tern_store_le32(p, (uint32_t)f->msgnum);
        p += 4;
        break;
    case TERN_MSGNUM_DELTA:
        p = tern_varint_encode(p, end, f->msgnum);
        break;
    default:
        break;
    }
    if (f->offset) p = tern_varint_encode(p, end, f->offset);
    if (!last) *p++ = (uint8_t)f->len;
    return p;
}

uint8_t *tern_frame_rel_encode_hdr(uint8_t *p, uint8_t *end, const tern_frame_rel *f, bool last)
{
    uint8_t lead;
    size_t h = rel_hdr(f, last, &lead);
    if (!p || !h) return NULL;
    size_t left = tern_left(p, end);
    if (left < h || left - h < f->len) return NULL;
    *p++ = lead;
    unsigned w = pos_width[f->pos_form];
    for (unsigned i = 0; i < w; i++) *p++ = (uint8_t)(f->pos >> (8 * i));
    if (!last) *p++ = (uint8_t)f->len;
    return p;
}

uint8_t *tern_frame_unrel_encode(uint8_t *p, uint8_t *end, const tern_frame_unrel *f, bool last)
{
    if (f->len && !f->data) return NULL;
    p = tern_frame_unrel_encode_hdr(p, end, f, last);
    if (p && f->len) memcpy(p, f->data, f->len);
    return p ? p + f->len : NULL;
}

uint8_t *tern_frame_rel_encode(uint8_t *p, uint8_t *end, const tern_frame_rel *f, bool last)
{
    if (f->len && !f->data) return NULL;
    p = tern_frame_rel_encode_hdr(p, end, f, last);
    if (p && f->len) memcpy(p, f->data, f->len);
    return p ? p + f->len : NULL;
}

uint8_t *tern_frame_stop_waiting_encode(uint8_t *p, uint8_t *end, const tern_frame_stop_waiting *f)
{
    /* GNS's choice: the narrowest of u8/u16/u24, else u64 (there is no u32). */
    uint64_t v = f->offset;
    unsigned ww, w;
    if (v < 0x100) {
        ww = 0, w = 1;
    } else if (v < 0x10000) {
        ww = 1, w = 2;
    } else if (v < 0x1000000) {
        ww = 2, w = 3;
    } else {
        ww = 3, w = 8;
    }
    if (!p || tern_left(p, end) < 1 + w) return NULL;
    *p++ = (uint8_t)(0x80 | ww);
    for (unsigned i = 0; i < w; i++) *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

static inline size_t ack_count_len(uint32_t c)
{
    return c < 8 ? 0 : tern_varint_len(c >> 3);
}

size_t tern_frame_ack_len(const tern_frame_ack *f)
{
    if (f->nblocks > TERN_ACK_MAX_BLOCKS) return 0;
    if (f->latest16 && f->latest > 0xffff) return 0;
    size_t n = 1 + (f->latest16 ? 2 : 4) + 2 + (f->nblocks > 6);
    for (unsigned i = 0; i < f->nblocks; i++) {
        const tern_ack_block *b = &f->blocks[i];
        if (b->acks > TERN_ACK_BLOCK_MAX_COUNT || b->nacks > TERN_ACK_BLOCK_MAX_COUNT) return 0;
        n += 1 + ack_count_len(b->acks) + ack_count_len(b->nacks);
    }
    return n;
}

uint8_t *tern_frame_ack_encode(uint8_t *p, uint8_t *end, const tern_frame_ack *f)
{
    size_t n = tern_frame_ack_len(f);
    if (!p || !n || tern_left(p, end) < n) return NULL;
    /* GNS: 0x98|blocks up to 6, else nnn=111 and a u8 count. */
    uint8_t lead = 0x90 | (f->latest16 ? ACK_W : 0);
    bool explicit_n = f->nblocks > 6;
    *p++ = (uint8_t)(lead | (explicit_n ? ACK_N_EXPLICIT : f->nblocks));
    if (f->latest16) {
        tern_store_le16(p, (uint16_t)f->latest);
        p += 2;
    } else {
        tern_store_le32(p, f->latest);
        p += 4;
    }
    tern_store_le16(p, f->delay);
    p += 2;
    if (explicit_n) *p++ = (uint8_t)f->nblocks;
    for (unsigned i = 0; i < f->nblocks; i++) {
        const tern_ack_block *b = &f->blocks[i];
        uint8_t hb = (uint8_t)((b->acks & 7) << 4 | (b->nacks & 7));
        if (b->acks >= 8) hb |= 0x80;
        if (b->nacks >= 8) hb |= 0x08;
        *p++ = hb;
        if (b->acks >= 8) p = tern_varint_encode(p, end, b->acks >> 3);
        if (b->nacks >= 8) p = tern_varint_encode(p, end, b->nacks >> 3);
    }
    return p;
}

uint8_t *tern_frame_lane_encode(uint8_t *p, uint8_t *end, uint32_t lane)
{
    if (!p || lane > TERN_MAX_LANE) return NULL;
    if (lane >= 1 && lane <= 7) return tern_write_u8(p, end, (uint8_t)(0x88 + lane - 1));
    /* Lane 0 (explicit) and lanes >= 8: 0x8F + varint (which GNS itself gets
     * wrong when sending, WIRE.md §6.8). */
    if (tern_left(p, end) < 1 + tern_varint_len(lane)) return NULL;
    *p++ = 0x8f;
    return tern_varint_encode(p, end, lane);
}

/* --- expansion helpers -------------------------------------------------------- */

int64_t tern_msgnum_expand(int64_t h, uint64_t low, unsigned bits)
{
    if (bits == 0 || bits >= 64) return (int64_t)low;
    const uint64_t mask = (UINT64_C(1) << bits) - 1;
    /* h + (intN_t)(low - (uintN_t)h), sign-extended by hand. */
    uint64_t d = (low - (uint64_t)h) & mask;
    if (d > mask >> 1) d -= mask + 1; /* wraps to the negative distance */
    return (int64_t)((uint64_t)h + d);
}

/* Checked against GNS (steamnetworkingsockets_snp.cpp, the first reliable
 * segment of a decode context), which computes in int64:
 *   pos = (E & ~mask) + low;  if (pos + (mask >> 1) < E) pos += mask + 1;
 * The candidate starts in E's aligned block and is only ever moved one block
 * *up*, when it lies more than mask/2 below E; it is never moved down. So when
 * E sits in the lower half of its block, a low value far above E stays far
 * ahead instead of meaning "a bit behind E" in the previous block. Boundary:
 * pos == E - mask/2 is kept, pos == E - mask/2 - 1 is moved up. There is no
 * check that the result is near E (GNS only logs); a result <= 0 is for the
 * caller to reject (GNS kills the connection). The arithmetic is done
 * unsigned so absurd inputs wrap instead of overflowing. */
int64_t tern_streampos_expand(int64_t e, uint64_t low, unsigned bits)
{
    if (bits == 0 || bits >= 63) return (int64_t)low;
    const uint64_t mask = (UINT64_C(1) << bits) - 1;
    uint64_t pos = ((uint64_t)e & ~mask) + (low & mask);
    if ((int64_t)(pos + (mask >> 1)) < e) pos += mask + 1;
    return (int64_t)pos;
}
