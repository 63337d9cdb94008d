/* Round-trip fuzz of the SNP frame codecs: the input steers a generator that
 * builds a valid packet (a frame list whose forms match the decode context,
 * as a sender must choose them), which is encoded, then
 *   1. decoded as is: every frame must come back equal and the payload must
 *      be used exactly (abort() on any mismatch, so the fuzzer reports it);
 *   2. decoded with one byte changed (position and XOR value from the input):
 *      any result is fine as long as nothing crashes or reads out of bounds.
 *
 * Input: byte 0 bit 0 = last segment runs to the end; then per frame a kind
 * byte and the bytes its fields need (zeros once the input runs out); the
 * last 3 bytes choose the corruption. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/frames.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FRAMES 48

typedef struct reader {
    const uint8_t *p, *end;
} reader;

static uint64_t take(reader *r, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n && r->p < r->end; i++) v |= (uint64_t)*r->p++ << (8 * i);
    return v;
}

/* A value of input-chosen magnitude below 2^bits. */
static uint64_t take_mag(reader *r, unsigned bits)
{
    unsigned k = (unsigned)(take(r, 1) % (bits + 1));
    uint64_t v = take(r, (k + 7) / 8);
    return k == 64 ? v : v & ((UINT64_C(1) << k) - 1);
}

static uint8_t pool[0x800];

static void make_frame(reader *r, tern_frame_ctx *ctx, tern_frame *f, bool last)
{
    memset(f, 0, sizeof *f);
    f->type = (uint8_t)(1 + take(r, 1) % 5);
    switch (f->type) {
    case TERN_FRAME_UNREL: {
        tern_frame_unrel *u = &f->u.unrel;
        unsigned sel = (unsigned)take(r, 1);
        if (!ctx->have_msgnum) {
            u->msgnum_form = (sel & 1) ? TERN_MSGNUM_ABS32 : TERN_MSGNUM_ABS16;
            u->msgnum = take_mag(r, (sel & 1) ? 32 : 16);
        } else if (sel & 1) {
            u->msgnum_form = TERN_MSGNUM_DELTA;
            u->msgnum = take_mag(r, 64);
        } else {
            u->msgnum_form = TERN_MSGNUM_NEXT;
        }
        u->end = (sel & 2) != 0;
        u->offset = (sel & 4) ? take_mag(r, 32) : 0;
        u->len = (size_t)(take(r, 2) % (last ? sizeof pool : TERN_SEG_MAX_EXPLICIT + 1));
        u->data = pool + (sizeof pool - u->len);
        ctx->have_msgnum = true;
        break;
    }
    case TERN_FRAME_REL: {
        tern_frame_rel *s = &f->u.rel;
        static const unsigned abs_bits[3] = {24, 32, 48}, rel_bits[4] = {0, 8, 16, 32};
        unsigned sel = (unsigned)take(r, 1);
        if (!ctx->have_pos) {
            s->pos_form = (uint8_t)(TERN_POS_ABS24 + sel % 3);
            s->pos = take_mag(r, abs_bits[sel % 3]);
        } else {
            s->pos_form = (uint8_t)(TERN_POS_REL0 + sel % 4);
            s->pos = take_mag(r, rel_bits[sel % 4]);
        }
        s->len = (size_t)(take(r, 2) % (last ? sizeof pool : TERN_SEG_MAX_EXPLICIT + 1));
        s->data = pool + (sizeof pool - s->len);
        ctx->have_pos = true;
        break;
    }
    case TERN_FRAME_STOP_WAITING:
        f->u.stop_waiting.offset = take_mag(r, 64);
        break;
    case TERN_FRAME_ACK: {
        tern_frame_ack *a = &f->u.ack;
        a->latest16 = take(r, 1) & 1;
        a->latest = (uint32_t)take_mag(r, a->latest16 ? 16 : 32);
        a->delay = (uint16_t)take(r, 2);
        a->nblocks = (uint16_t)take(r, 1);
        for (unsigned i = 0; i < a->nblocks; i++) {
            a->blocks[i].acks = (uint32_t)(take_mag(r, 20) % (TERN_ACK_BLOCK_MAX_COUNT + 1));
            a->blocks[i].nacks = (uint32_t)(take_mag(r, 20) % (TERN_ACK_BLOCK_MAX_COUNT + 1));
        }
        break;
    }
    case TERN_FRAME_LANE:
        f->u.lane = (uint32_t)take(r, 1);
        ctx->lane = f->u.lane;
        ctx->have_msgnum = false;
        ctx->have_pos = false;
        break;
    }
}

static uint8_t *encode(uint8_t *p, uint8_t *end, const tern_frame *f, bool last)
{
    switch (f->type) {
    case TERN_FRAME_UNREL:
        return tern_frame_unrel_encode(p, end, &f->u.unrel, last);
    case TERN_FRAME_REL:
        return tern_frame_rel_encode(p, end, &f->u.rel, last);
    case TERN_FRAME_STOP_WAITING:
        return tern_frame_stop_waiting_encode(p, end, &f->u.stop_waiting);
    case TERN_FRAME_ACK:
        return tern_frame_ack_encode(p, end, &f->u.ack);
    case TERN_FRAME_LANE:
        return tern_frame_lane_encode(p, end, f->u.lane);
    default:
        return NULL;
    }
}

static bool same_frame(const tern_frame *a, const tern_frame *b)
{
    if (a->type != b->type) return false;
    switch (a->type) {
    case TERN_FRAME_UNREL:
        return a->u.unrel.msgnum_form == b->u.unrel.msgnum_form &&
               a->u.unrel.msgnum == b->u.unrel.msgnum && a->u.unrel.offset == b->u.unrel.offset &&
               a->u.unrel.end == b->u.unrel.end && a->u.unrel.len == b->u.unrel.len &&
               (a->u.unrel.len == 0 ||
                memcmp(a->u.unrel.data, b->u.unrel.data, a->u.unrel.len) == 0);
    case TERN_FRAME_REL:
        return a->u.rel.pos_form == b->u.rel.pos_form && a->u.rel.pos == b->u.rel.pos &&
               a->u.rel.len == b->u.rel.len &&
               (a->u.rel.len == 0 || memcmp(a->u.rel.data, b->u.rel.data, a->u.rel.len) == 0);
    case TERN_FRAME_STOP_WAITING:
        return a->u.stop_waiting.offset == b->u.stop_waiting.offset;
    case TERN_FRAME_ACK:
        if (a->u.ack.latest16 != b->u.ack.latest16 || a->u.ack.latest != b->u.ack.latest ||
            a->u.ack.delay != b->u.ack.delay || a->u.ack.nblocks != b->u.ack.nblocks)
            return false;
        return memcmp(a->u.ack.blocks, b->u.ack.blocks,
                      a->u.ack.nblocks * sizeof a->u.ack.blocks[0]) == 0;
    case TERN_FRAME_LANE:
        return a->u.lane == b->u.lane;
    default:
        return false;
    }
}

static tern_frame frames[MAX_FRAMES], got;
static uint8_t out[MAX_FRAMES * 1800 + sizeof pool];
static volatile uint8_t sink;

/* Decode a whole payload, reading every borrowed byte. */
static void decode_all(const uint8_t *b, size_t n)
{
    tern_frame_ctx ctx = {0};
    const uint8_t *p = b, *end = b + n;
    uint8_t x = 0;
    while (p < end) {
        const uint8_t *before = p;
        if (tern_frame_decode(&p, end, &ctx, &got) != TERN_OK) {
            if (p != before) abort();
            break;
        }
        if (p <= before || p > end) abort();
        if (got.type == TERN_FRAME_UNREL)
            for (size_t i = 0; i < got.u.unrel.len; i++) x ^= got.u.unrel.data[i];
        if (got.type == TERN_FRAME_REL)
            for (size_t i = 0; i < got.u.rel.len; i++) x ^= got.u.rel.data[i];
    }
    sink = x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) return 0;
    for (size_t i = 0; i < sizeof pool; i++) pool[i] = (uint8_t)(i * 7 + 1);
    /* The corruption choice sits at the end so the generator owns the rest. */
    size_t cpos = (size_t)data[size - 3] | (size_t)data[size - 2] << 8;
    uint8_t cxor = data[size - 1] ? data[size - 1] : 0x80;
    reader r = {data + 1, data + size - 3};
    bool to_end = data[0] & 1;

    tern_frame_ctx ctx = {0};
    unsigned n = 0;
    uint8_t *p = out, *end = out + sizeof out;
    while (n < MAX_FRAMES && r.p < r.end) {
        bool last = to_end && (n == MAX_FRAMES - 1 || r.end - r.p <= 1);
        make_frame(&r, &ctx, &frames[n], last);
        /* Only a segment may run to the end, and only as the final frame. */
        bool seg = frames[n].type == TERN_FRAME_UNREL || frames[n].type == TERN_FRAME_REL;
        p = encode(p, end, &frames[n], last && seg);
        if (!p) abort();
        n++;
        if (last) break;
    }
    size_t len = (size_t)(p - out);
    if (len == 0) return 0;

    /* Exact-size copy so ASan catches any read past the payload. */
    uint8_t *b = malloc(len);
    if (!b) return 0;
    memcpy(b, out, len);

    tern_frame_ctx dctx = {0};
    const uint8_t *q = b;
    for (unsigned k = 0; k < n; k++) {
        if (tern_frame_decode(&q, b + len, &dctx, &got) != TERN_OK) abort();
        if (!same_frame(&frames[k], &got)) abort();
    }
    if (q != b + len) abort();
    if (dctx.lane != ctx.lane || dctx.have_msgnum != ctx.have_msgnum ||
        dctx.have_pos != ctx.have_pos)
        abort();

    b[cpos % len] ^= cxor;
    decode_all(b, len);
    free(b);
    return 0;
}
