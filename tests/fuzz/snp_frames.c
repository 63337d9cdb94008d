/* Fuzz tern_frame_decode over a whole SNP payload, as the receiver loops.
 *
 * Input: one byte that sets the starting decode context (bit 0: an unreliable
 * message number is in context, bit 1: a reliable position is, bits 2..7: the
 * lane), then the plaintext payload. Every borrowed data byte is read so ASan
 * sees any out-of-bounds view. Each decoded frame is re-encoded (size-to-end
 * when it ran to the end) and decoded again in the same context: it must give
 * the same frame, or the codec pair disagrees. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/frames.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

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

static bool same_ctx(const tern_frame_ctx *a, const tern_frame_ctx *b)
{
    return a->lane == b->lane && a->have_msgnum == b->have_msgnum && a->have_pos == b->have_pos;
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

static tern_frame f, g;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    tern_frame_ctx ctx = {
        .lane = data[0] >> 2, .have_msgnum = data[0] & 1, .have_pos = (data[0] & 2) != 0};
    const uint8_t *p = data + 1, *end = data + size;
    uint8_t x = 0;
    while (p < end) {
        const uint8_t *before = p;
        tern_frame_ctx before_ctx = ctx;
        tern_result r = tern_frame_decode(&p, end, &ctx, &f);
        if (r != TERN_OK) {
            if (p != before || (r != TERN_TRUNCATED && r != TERN_MALFORMED)) abort();
            if (!same_ctx(&ctx, &before_ctx)) abort();
            break;
        }
        if (p <= before || p > end) abort();
        const uint8_t *d = NULL;
        size_t len = 0;
        if (f.type == TERN_FRAME_UNREL) d = f.u.unrel.data, len = f.u.unrel.len;
        if (f.type == TERN_FRAME_REL) d = f.u.rel.data, len = f.u.rel.len;
        for (size_t i = 0; i < len; i++) x ^= d[i];
        if (len && (d <= before || d + len > p)) abort();
        if (f.type == TERN_FRAME_ACK && f.u.ack.nblocks > TERN_ACK_MAX_BLOCKS) abort();
        if (f.type == TERN_FRAME_LANE && (f.u.lane > TERN_MAX_LANE || ctx.lane != f.u.lane))
            abort();

        /* Decode -> encode -> decode. */
        size_t n = (size_t)(p - before) + 16;
        uint8_t *buf = malloc(n);
        if (!buf) break;
        uint8_t *e = encode(buf, buf + n, &f, p == end);
        if (!e) abort();
        const uint8_t *q = buf;
        tern_frame_ctx c2 = before_ctx;
        if (tern_frame_decode(&q, e, &c2, &g) != TERN_OK || q != e || !same_frame(&f, &g) ||
            !same_ctx(&c2, &ctx))
            abort();
        free(buf);
    }
    sink = x;
    return 0;
}
