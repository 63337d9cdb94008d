#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "wire/frames.h"
#include "wire/relmsg.h"

/* --- helpers ------------------------------------------------------------------ */

static bool seg_data_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static bool frame_eq(const tern_frame *a, const tern_frame *b)
{
    if (a->type != b->type) return false;
    switch (a->type) {
    case TERN_FRAME_UNREL: {
        const tern_frame_unrel *x = &a->u.unrel, *y = &b->u.unrel;
        return x->msgnum_form == y->msgnum_form && x->msgnum == y->msgnum &&
               x->offset == y->offset && x->end == y->end &&
               seg_data_eq(x->data, x->len, y->data, y->len);
    }
    case TERN_FRAME_REL: {
        const tern_frame_rel *x = &a->u.rel, *y = &b->u.rel;
        return x->pos_form == y->pos_form && x->pos == y->pos &&
               seg_data_eq(x->data, x->len, y->data, y->len);
    }
    case TERN_FRAME_STOP_WAITING:
        return a->u.stop_waiting.offset == b->u.stop_waiting.offset;
    case TERN_FRAME_ACK: {
        const tern_frame_ack *x = &a->u.ack, *y = &b->u.ack;
        if (x->latest16 != y->latest16 || x->latest != y->latest || x->delay != y->delay ||
            x->nblocks != y->nblocks)
            return false;
        for (unsigned i = 0; i < x->nblocks; i++)
            if (x->blocks[i].acks != y->blocks[i].acks || x->blocks[i].nacks != y->blocks[i].nacks)
                return false;
        return true;
    }
    case TERN_FRAME_LANE:
        return a->u.lane == b->u.lane;
    default:
        return false;
    }
}

static bool ctx_eq(const tern_frame_ctx *a, const tern_frame_ctx *b)
{
    return a->lane == b->lane && a->have_msgnum == b->have_msgnum && a->have_pos == b->have_pos;
}

/* Encode one frame; |last| only matters for segments. */
static uint8_t *encode_frame(uint8_t *p, uint8_t *end, const tern_frame *f, bool last)
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

/* Encoded size of a frame the encoders accept (data included). */
static size_t frame_len(const tern_frame *f, bool last)
{
    switch (f->type) {
    case TERN_FRAME_UNREL:
        return tern_frame_unrel_hdr_len(&f->u.unrel, last) + f->u.unrel.len;
    case TERN_FRAME_REL:
        return tern_frame_rel_hdr_len(&f->u.rel, last) + f->u.rel.len;
    case TERN_FRAME_ACK:
        return tern_frame_ack_len(&f->u.ack);
    default: {
        uint8_t b[16];
        uint8_t *e = encode_frame(b, b + sizeof b, f, last);
        assert_non_null(e);
        return (size_t)(e - b);
    }
    }
}

/* Decode exactly one frame from |hex| with |ctx| and check it used every byte.
 * Segment data borrows from a static buffer, valid until the next call. */
static void decode_one(const char *hex, tern_frame_ctx *ctx, tern_frame *out)
{
    static uint8_t b[2048];
    size_t n = tt_hex(hex, b, sizeof b);
    const uint8_t *p = b;
    assert_int_equal(tern_frame_decode(&p, b + n, ctx, out), TERN_OK);
    assert_ptr_equal(p, b + n);
}

/* Encode |f| and compare with |hex|. */
static void expect_encoding(const tern_frame *f, bool last, const char *hex)
{
    uint8_t want[2048], got[2048];
    size_t n = tt_hex(hex, want, sizeof want);
    uint8_t *e = encode_frame(got, got + sizeof got, f, last);
    assert_non_null(e);
    assert_int_equal((size_t)(e - got), n);
    assert_memory_equal(got, want, n);
    assert_int_equal(frame_len(f, last), n);
    /* One byte less room is refused. */
    assert_null(encode_frame(got, got + n - 1, f, last));
}

static tern_result decode_status(const uint8_t *b, size_t n, tern_frame_ctx ctx)
{
    tern_frame f;
    const uint8_t *p = b;
    tern_result r = tern_frame_decode(&p, b + n, &ctx, &f);
    if (r == TERN_OK)
        assert_true(p > b && p <= b + n);
    else
        assert_ptr_equal(p, b);
    return r;
}

static tern_result decode_hex_status(const char *hex, tern_frame_ctx ctx)
{
    uint8_t b[64];
    size_t n = tt_hex(hex, b, sizeof b);
    return decode_status(b, n, ctx);
}

/* --- WIRE.md byte examples ------------------------------------------------------ */

static void test_ack_gns_example(void **state)
{
    (void)state;
    /* §6.7: probe skipped packet 8 and sent 9. */
    tern_frame_ctx ctx = {0};
    tern_frame f;
    decode_one("99 09 00 23 01 11", &ctx, &f);
    assert_int_equal(f.type, TERN_FRAME_ACK);
    assert_true(f.u.ack.latest16);
    assert_int_equal(f.u.ack.latest, 9);
    assert_int_equal(f.u.ack.delay, 0x0123);
    assert_int_equal(f.u.ack.nblocks, 1);
    assert_int_equal(f.u.ack.blocks[0].acks, 1);
    assert_int_equal(f.u.ack.blocks[0].nacks, 1);
    expect_encoding(&f, false, "99 09 00 23 01 11");
}

static void test_initial_ack_and_stop_waiting(void **state)
{
    (void)state;
    tern_frame_ctx ctx = {0};
    tern_frame f;
    decode_one("80 01", &ctx, &f);
    assert_int_equal(f.type, TERN_FRAME_STOP_WAITING);
    assert_int_equal(f.u.stop_waiting.offset, 1);
    expect_encoding(&f, false, "80 01");

    decode_one("98 01 00 ff ff", &ctx, &f);
    assert_int_equal(f.type, TERN_FRAME_ACK);
    assert_true(f.u.ack.latest16);
    assert_int_equal(f.u.ack.latest, 1);
    assert_int_equal(f.u.ack.delay, TERN_ACK_DELAY_UNKNOWN);
    assert_int_equal(f.u.ack.nblocks, 0);
    expect_encoding(&f, false, "98 01 00 ff ff");
}

static void test_appendix_b_plaintext(void **state)
{
    (void)state;
    static const char hex[] = "80 01 98 01 00 ff ff 57 01 00 00 00 00 00 02 68 69";
    uint8_t b[64];
    size_t n = tt_hex(hex, b, sizeof b);
    const uint8_t *p = b, *end = b + n;
    tern_frame_ctx ctx = {0};
    tern_frame f[3];

    assert_int_equal(tern_frame_decode(&p, end, &ctx, &f[0]), TERN_OK);
    assert_int_equal(f[0].type, TERN_FRAME_STOP_WAITING);
    assert_int_equal(f[0].u.stop_waiting.offset, 1);

    assert_int_equal(tern_frame_decode(&p, end, &ctx, &f[1]), TERN_OK);
    assert_int_equal(f[1].type, TERN_FRAME_ACK);
    assert_int_equal(f[1].u.ack.latest, 1);
    assert_int_equal(f[1].u.ack.delay, 0xffff);
    assert_int_equal(f[1].u.ack.nblocks, 0);

    assert_false(ctx.have_pos);
    assert_int_equal(tern_frame_decode(&p, end, &ctx, &f[2]), TERN_OK);
    assert_int_equal(f[2].type, TERN_FRAME_REL);
    assert_int_equal(f[2].u.rel.pos_form, TERN_POS_ABS48);
    assert_int_equal(f[2].u.rel.pos, 1);
    assert_int_equal(f[2].u.rel.len, 3);
    assert_ptr_equal(p, end);
    assert_true(ctx.have_pos);
    assert_int_equal(ctx.lane, 0);
    assert_int_equal(tern_streampos_expand(1, f[2].u.rel.pos, 48), 1);

    /* The segment data is the stream's first message: header 02 + "hi". */
    const uint8_t *q = f[2].u.rel.data;
    tern_relmsg_hdr h;
    assert_int_equal(tern_relmsg_hdr_decode(&q, f[2].u.rel.data + f[2].u.rel.len, &h), TERN_OK);
    assert_int_equal(h.msgnum_delta, 1);
    assert_int_equal(h.size, 2);
    assert_memory_equal(q, "hi", 2);

    /* Re-encode the packet exactly as GNS did. */
    uint8_t out[64];
    uint8_t *o = out, *oe = out + sizeof out;
    o = tern_frame_stop_waiting_encode(o, oe, &f[0].u.stop_waiting);
    o = tern_frame_ack_encode(o, oe, &f[1].u.ack);
    o = tern_frame_rel_encode(o, oe, &f[2].u.rel, true);
    assert_non_null(o);
    assert_int_equal((size_t)(o - out), n);
    assert_memory_equal(out, b, n);
}

static void test_zero_length_unreliable(void **state)
{
    (void)state;
    /* GNS: first segment of the context uses the 32-bit form; e=1, sss=111. */
    tern_frame_ctx ctx = {0};
    tern_frame f;
    decode_one("37 05 00 00 00", &ctx, &f);
    assert_int_equal(f.type, TERN_FRAME_UNREL);
    assert_int_equal(f.u.unrel.msgnum_form, TERN_MSGNUM_ABS32);
    assert_int_equal(f.u.unrel.msgnum, 5);
    assert_int_equal(f.u.unrel.offset, 0);
    assert_true(f.u.unrel.end);
    assert_int_equal(f.u.unrel.len, 0);
    assert_true(ctx.have_msgnum);
    expect_encoding(&f, true, "37 05 00 00 00");
    /* The same message as a non-final frame carries an explicit size 0. */
    expect_encoding(&f, false, "30 05 00 00 00 00");
}

static void test_select_lane_vectors(void **state)
{
    (void)state;
    char hex[8];
    for (unsigned lane = 1; lane <= 7; lane++) {
        snprintf(hex, sizeof hex, "%02x", 0x88 + lane - 1);
        tern_frame_ctx ctx = {.lane = 3, .have_msgnum = true, .have_pos = true};
        tern_frame f;
        decode_one(hex, &ctx, &f);
        assert_int_equal(f.type, TERN_FRAME_LANE);
        assert_int_equal(f.u.lane, lane);
        assert_int_equal(ctx.lane, lane);
        assert_false(ctx.have_msgnum);
        assert_false(ctx.have_pos);
        expect_encoding(&f, false, hex);
    }
    static const struct {
        const char *hex;
        uint32_t lane;
    } v[] = {{"8f 08", 8}, {"8f 09", 9}, {"8f c8 01", 200}, {"8f 00", 0}, {"8f ff 01", 255}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        tern_frame_ctx ctx = {.lane = 1, .have_msgnum = true};
        tern_frame f;
        decode_one(v[i].hex, &ctx, &f);
        assert_int_equal(f.u.lane, v[i].lane);
        assert_int_equal(ctx.lane, v[i].lane);
        assert_false(ctx.have_msgnum);
        expect_encoding(&f, false, v[i].hex);
    }
    /* Non-minimal varints still name the lane. */
    tern_frame_ctx ctx = {0};
    tern_frame f;
    decode_one("8f 83 00", &ctx, &f);
    assert_int_equal(f.u.lane, 3);
    /* > 255 kills; so does a varint wider than GNS's 32-bit read. */
    assert_int_equal(decode_hex_status("8f 80 02", ctx), TERN_MALFORMED);
    assert_int_equal(decode_hex_status("8f 80 80 80 80 10", ctx), TERN_MALFORMED);
    assert_int_equal(decode_hex_status("8f", ctx), TERN_TRUNCATED);
    assert_int_equal(decode_hex_status("8f 80", ctx), TERN_TRUNCATED);
    uint8_t b[8];
    assert_null(tern_frame_lane_encode(b, b + sizeof b, 256));
    assert_null(tern_frame_lane_encode(b, b + 1, 8));
    assert_null(tern_frame_lane_encode(b, b, 1));
}

/* --- decode rules ----------------------------------------------------------------- */

static void test_reserved_lead_bytes(void **state)
{
    (void)state;
    static uint8_t b[2048]; /* zeros: the largest explicit size fits */
    for (unsigned lead = 0; lead < 256; lead++) {
        bool reserved =
            (lead >= 0x60 && lead <= 0x7f) || (lead >= 0x84 && lead <= 0x87) || lead >= 0xa0;
        b[0] = (uint8_t)lead;
        for (unsigned flags = 0; flags < 4; flags++) {
            tern_frame_ctx ctx = {.have_msgnum = flags & 1, .have_pos = (flags & 2) != 0};
            tern_result r = decode_status(b, sizeof b, ctx);
            if (reserved) assert_int_equal(r, TERN_MALFORMED);
            /* Everything else decodes from zeros, except reserved size bits and a
             * first reliable segment with mm=11. */
            unsigned sss = lead & 7;
            bool seg = lead < 0x60;
            bool bad_sss = seg && (sss == 5 || sss == 6);
            bool bad_mm = lead >= 0x40 && lead < 0x60 && ((lead >> 3) & 3) == 3 && !(flags & 2);
            if (!reserved) assert_int_equal(r, (bad_sss || bad_mm) ? TERN_MALFORMED : TERN_OK);
        }
    }
}

static void test_unreliable_context_forms(void **state)
{
    (void)state;
    tern_frame_ctx ctx = {0};
    tern_frame f;
    /* First in context, m=0: u16; explicit size 2. */
    decode_one("00 34 12 02 aa bb", &ctx, &f);
    assert_int_equal(f.u.unrel.msgnum_form, TERN_MSGNUM_ABS16);
    assert_int_equal(f.u.unrel.msgnum, 0x1234);
    assert_false(f.u.unrel.end);
    assert_int_equal(f.u.unrel.len, 2);
    assert_memory_equal(f.u.unrel.data, "\xaa\xbb", 2);
    expect_encoding(&f, false, "00 34 12 02 aa bb");
    /* Later, m=0: next; o=1 offset varint 300, e=1, size 1. */
    decode_one("28 ac 02 01 cc", &ctx, &f);
    assert_int_equal(f.u.unrel.msgnum_form, TERN_MSGNUM_NEXT);
    assert_int_equal(f.u.unrel.msgnum, 0);
    assert_int_equal(f.u.unrel.offset, 300);
    assert_true(f.u.unrel.end);
    expect_encoding(&f, false, "28 ac 02 01 cc");
    /* Later, m=1: varint delta (0 allowed), then offset, then size byte. */
    decode_one("18 00 05 00", &ctx, &f);
    assert_int_equal(f.u.unrel.msgnum_form, TERN_MSGNUM_DELTA);
    assert_int_equal(f.u.unrel.msgnum, 0);
    assert_int_equal(f.u.unrel.offset, 5);
    assert_int_equal(f.u.unrel.len, 0);
    expect_encoding(&f, false, "18 00 05 00");
    /* A select-lane frame brings back the absolute form. */
    decode_one("88", &ctx, &f);
    decode_one("10 ff ff ff ff 00", &ctx, &f);
    assert_int_equal(f.u.unrel.msgnum_form, TERN_MSGNUM_ABS32);
    assert_int_equal(f.u.unrel.msgnum, 0xffffffffu);
    /* Reliable segments do not change the unreliable shape (the +1 quirk of
     * §6.4 is the caller's expansion business). */
    decode_one("40 01 00 00 00", &ctx, &f);
    assert_true(ctx.have_msgnum && ctx.have_pos);
    decode_one("00 00", &ctx, &f);
    assert_int_equal(f.u.unrel.msgnum_form, TERN_MSGNUM_NEXT);
    /* o=1 with an explicit 0 offset decodes (GNS never sends it). */
    decode_one("08 00 00", &ctx, &f);
    assert_int_equal(f.u.unrel.offset, 0);
    /* Offsets are 32-bit in GNS: 2^32 does not fit. */
    assert_int_equal(decode_hex_status("08 80 80 80 80 10 00", ctx), TERN_MALFORMED);
    assert_int_equal(decode_hex_status("08 ff ff ff ff 0f 00", ctx), TERN_OK);
}

static void test_size_field(void **state)
{
    (void)state;
    tern_frame_ctx ctx = {.have_msgnum = true};
    static uint8_t b[2 + 0x4ff + 4];
    /* sss=100 + byte ff: 0x4ff bytes. */
    b[0] = 0x04;
    b[1] = 0xff;
    memset(b + 2, 0x5a, 0x4ff);
    tern_frame f;
    const uint8_t *p = b;
    assert_int_equal(tern_frame_decode(&p, b + 2 + 0x4ff, &ctx, &f), TERN_OK);
    assert_int_equal(f.u.unrel.len, 0x4ff);
    assert_ptr_equal(f.u.unrel.data, b + 2);
    assert_ptr_equal(p, b + 2 + 0x4ff);
    /* One data byte short. */
    p = b;
    assert_int_equal(tern_frame_decode(&p, b + 1 + 0x4ff, &ctx, &f), TERN_TRUNCATED);
    assert_ptr_equal(p, b);
    /* The size byte comes after every other header field: m|o|sss=001,
     * delta 5, offset 7, size byte 02 -> 0x102 bytes. */
    b[0] = 0x19;
    b[1] = 0x05;
    b[2] = 0x07;
    b[3] = 0x02;
    p = b;
    assert_int_equal(tern_frame_decode(&p, b + 4 + 0x102, &ctx, &f), TERN_OK);
    assert_int_equal(f.u.unrel.msgnum_form, TERN_MSGNUM_DELTA);
    assert_int_equal(f.u.unrel.msgnum, 5);
    assert_int_equal(f.u.unrel.offset, 7);
    assert_int_equal(f.u.unrel.len, 0x102);
    assert_ptr_equal(f.u.unrel.data, b + 4);
    /* Reserved size bits, whatever follows. */
    for (unsigned lead = 0; lead < 0x60; lead++) {
        if ((lead & 7) != 5 && (lead & 7) != 6) continue;
        b[0] = (uint8_t)lead;
        tern_frame_ctx c = {.have_pos = true};
        assert_int_equal(decode_status(b, sizeof b, c), TERN_MALFORMED);
    }
    /* To-end: everything left, including nothing. */
    b[0] = 0x07;
    tern_frame_ctx c = {.have_msgnum = true};
    p = b;
    assert_int_equal(tern_frame_decode(&p, b + 1, &c, &f), TERN_OK);
    assert_int_equal(f.u.unrel.len, 0);
    assert_ptr_equal(p, b + 1);
}

static void test_reliable_context_forms(void **state)
{
    (void)state;
    tern_frame_ctx ctx = {0};
    tern_frame f;
    decode_one("40 03 02 01 00", &ctx, &f);
    assert_int_equal(f.u.rel.pos_form, TERN_POS_ABS24);
    assert_int_equal(f.u.rel.pos, 0x010203);
    assert_int_equal(f.u.rel.len, 0);
    expect_encoding(&f, false, "40 03 02 01 00");
    ctx.have_pos = false;
    decode_one("48 04 03 02 01 01 ee", &ctx, &f);
    assert_int_equal(f.u.rel.pos_form, TERN_POS_ABS32);
    assert_int_equal(f.u.rel.pos, 0x01020304);
    assert_int_equal(f.u.rel.len, 1);
    expect_encoding(&f, false, "48 04 03 02 01 01 ee");
    ctx.have_pos = false;
    decode_one("50 06 05 04 03 02 01 00", &ctx, &f);
    assert_int_equal(f.u.rel.pos_form, TERN_POS_ABS48);
    assert_int_equal(f.u.rel.pos, 0x010203040506ull);
    expect_encoding(&f, false, "50 06 05 04 03 02 01 00");
    ctx.have_pos = false;
    assert_int_equal(decode_hex_status("58 00 00 00 00 00 00 00", ctx), TERN_MALFORMED);
    /* Later segments: offsets from the previous end. */
    ctx.have_pos = true;
    decode_one("40 00", &ctx, &f);
    assert_int_equal(f.u.rel.pos_form, TERN_POS_REL0);
    assert_int_equal(f.u.rel.pos, 0);
    expect_encoding(&f, false, "40 00");
    decode_one("48 ff 00", &ctx, &f);
    assert_int_equal(f.u.rel.pos_form, TERN_POS_REL8);
    assert_int_equal(f.u.rel.pos, 0xff);
    expect_encoding(&f, false, "48 ff 00");
    decode_one("50 34 12 00", &ctx, &f);
    assert_int_equal(f.u.rel.pos_form, TERN_POS_REL16);
    assert_int_equal(f.u.rel.pos, 0x1234);
    expect_encoding(&f, false, "50 34 12 00");
    decode_one("58 78 56 34 12 00", &ctx, &f);
    assert_int_equal(f.u.rel.pos_form, TERN_POS_REL32);
    assert_int_equal(f.u.rel.pos, 0x12345678);
    expect_encoding(&f, false, "58 78 56 34 12 00");
    /* To-end form. */
    decode_one("5f 01 00 00 00 61 62 63", &ctx, &f);
    assert_int_equal(f.u.rel.len, 3);
    expect_encoding(&f, true, "5f 01 00 00 00 61 62 63");
}

static void test_stop_waiting_widths(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        uint64_t v;
    } v[] = {
        {"80 00", 0},
        {"80 ff", 0xff},
        {"81 00 01", 0x100},
        {"81 ff ff", 0xffff},
        {"82 00 00 01", 0x10000},
        {"82 ff ff ff", 0xffffff},
        {"83 00 00 00 01 00 00 00 00", 0x1000000},
        {"83 ff ff ff ff ff ff ff ff", UINT64_MAX},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        tern_frame_ctx ctx = {0};
        tern_frame f;
        decode_one(v[i].hex, &ctx, &f);
        assert_int_equal(f.type, TERN_FRAME_STOP_WAITING);
        assert_true(f.u.stop_waiting.offset == v[i].v);
        expect_encoding(&f, false, v[i].hex);
    }
    /* A wider-than-needed form decodes to the same value. */
    tern_frame_ctx ctx = {0};
    tern_frame f;
    decode_one("83 05 00 00 00 00 00 00 00", &ctx, &f);
    assert_int_equal(f.u.stop_waiting.offset, 5);
}

static void test_ack_forms(void **state)
{
    (void)state;
    tern_frame_ctx ctx = {0};
    tern_frame f;
    /* w=0: 32-bit latest. */
    decode_one("90 04 03 02 01 10 00", &ctx, &f);
    assert_false(f.u.ack.latest16);
    assert_int_equal(f.u.ack.latest, 0x01020304);
    assert_int_equal(f.u.ack.delay, 0x10);
    expect_encoding(&f, false, "90 04 03 02 01 10 00");
    /* Extended counts: ack varint first, then nack varint.
     * 0xb9: ext-ack, ack low3 = 3, ext-nack, nack low3 = 1.
     * acks = 3 | 2<<3 = 19, nacks = 1 | 300<<3 = 2401. */
    decode_one("99 09 00 00 00 b9 02 ac 02", &ctx, &f);
    assert_int_equal(f.u.ack.blocks[0].acks, 19);
    assert_int_equal(f.u.ack.blocks[0].nacks, 2401);
    expect_encoding(&f, false, "99 09 00 00 00 b9 02 ac 02");
    /* Limits: 100000 is fine, 100001 kills. */
    decode_one("99 00 00 00 00 80 a0 8d 06", &ctx, &f);
    assert_int_equal(f.u.ack.blocks[0].acks, 800000);
    decode_one("99 00 00 00 00 08 a0 8d 06", &ctx, &f);
    assert_int_equal(f.u.ack.blocks[0].nacks, 800000);
    assert_int_equal(decode_hex_status("99 00 00 00 00 80 a1 8d 06", ctx), TERN_MALFORMED);
    assert_int_equal(decode_hex_status("99 00 00 00 00 08 a1 8d 06", ctx), TERN_MALFORMED);
    /* Explicit count (GNS only uses it above 6, but any value decodes). */
    decode_one("9f 01 00 00 00 02 11 22", &ctx, &f);
    assert_int_equal(f.u.ack.nblocks, 2);
    assert_int_equal(f.u.ack.blocks[1].acks, 2);
    assert_int_equal(f.u.ack.blocks[1].nacks, 2);
    decode_one("9f 01 00 00 00 00", &ctx, &f);
    assert_int_equal(f.u.ack.nblocks, 0);
    assert_int_equal(decode_hex_status("9f 01 00 00 00", ctx), TERN_TRUNCATED);
    assert_int_equal(decode_hex_status("9f 01 00 00 00 01", ctx), TERN_TRUNCATED);
    assert_int_equal(decode_hex_status("99 01 00 00 00 80", ctx), TERN_TRUNCATED);
    assert_int_equal(decode_hex_status("99 01 00 00 00 88 01", ctx), TERN_TRUNCATED);
    assert_int_equal(decode_hex_status("90 01 00 00", ctx), TERN_TRUNCATED);

    /* Encoder chooses 0x98|n for n <= 6 and 0x9F + count above. */
    tern_frame a = {.type = TERN_FRAME_ACK};
    a.u.ack.latest16 = true;
    a.u.ack.latest = 0x1234;
    a.u.ack.delay = 7;
    for (unsigned n = 0; n <= TERN_ACK_MAX_BLOCKS; n++) {
        a.u.ack.nblocks = (uint16_t)n;
        if (n) a.u.ack.blocks[n - 1] = (tern_ack_block){.acks = n, .nacks = 1};
        uint8_t b[2048];
        uint8_t *e = tern_frame_ack_encode(b, b + sizeof b, &a.u.ack);
        assert_non_null(e);
        assert_int_equal(b[0], n <= 6 ? 0x98 + n : 0x9f);
        if (n > 6) assert_int_equal(b[5], n);
        assert_int_equal((size_t)(e - b), tern_frame_ack_len(&a.u.ack));
        tern_frame d;
        const uint8_t *p = b;
        assert_int_equal(tern_frame_decode(&p, e, &ctx, &d), TERN_OK);
        assert_ptr_equal(p, e);
        assert_true(frame_eq(&a, &d));
    }
}

/* --- encoder refusals ---------------------------------------------------------------- */

static void test_encoder_refusals(void **state)
{
    (void)state;
    uint8_t b[4096];
    uint8_t *e = b + sizeof b;
    static const uint8_t data[0x600];

    tern_frame_unrel u = {.msgnum_form = TERN_MSGNUM_ABS16, .msgnum = 0x10000};
    assert_null(tern_frame_unrel_encode(b, e, &u, false));
    assert_int_equal(tern_frame_unrel_hdr_len(&u, false), 0);
    u.msgnum = 0xffff;
    assert_non_null(tern_frame_unrel_encode(b, e, &u, false));
    u.msgnum_form = TERN_MSGNUM_ABS32;
    u.msgnum = 0x100000000ull;
    assert_null(tern_frame_unrel_encode(b, e, &u, false));
    u.msgnum_form = TERN_MSGNUM_NEXT;
    u.msgnum = 1;
    assert_null(tern_frame_unrel_encode(b, e, &u, false));
    u.msgnum = 0;
    assert_non_null(tern_frame_unrel_encode(b, e, &u, false));
    u.msgnum_form = 0;
    assert_null(tern_frame_unrel_encode(b, e, &u, false));
    u.msgnum_form = TERN_MSGNUM_DELTA + 1;
    assert_null(tern_frame_unrel_encode(b, e, &u, false));
    u.msgnum_form = TERN_MSGNUM_DELTA;
    u.msgnum = UINT64_MAX;
    assert_non_null(tern_frame_unrel_encode(b, e, &u, false));
    u.offset = 0x100000000ull;
    assert_null(tern_frame_unrel_encode(b, e, &u, false));
    u.offset = 0xffffffffu;
    u.data = data;
    u.len = TERN_SEG_MAX_EXPLICIT + 1;
    assert_null(tern_frame_unrel_encode(b, e, &u, false));
    assert_non_null(tern_frame_unrel_encode(b, e, &u, true));
    u.len = TERN_SEG_MAX_EXPLICIT;
    assert_non_null(tern_frame_unrel_encode(b, e, &u, false));
    u.data = NULL;
    assert_null(tern_frame_unrel_encode(b, e, &u, false));
    assert_null(tern_frame_unrel_encode(NULL, e, &u, false));

    tern_frame_rel r = {.pos_form = TERN_POS_ABS24, .pos = 0x1000000};
    assert_null(tern_frame_rel_encode(b, e, &r, false));
    assert_int_equal(tern_frame_rel_hdr_len(&r, false), 0);
    r.pos_form = TERN_POS_ABS32;
    assert_non_null(tern_frame_rel_encode(b, e, &r, false));
    r.pos = 0x100000000ull;
    assert_null(tern_frame_rel_encode(b, e, &r, false));
    r.pos_form = TERN_POS_ABS48;
    assert_non_null(tern_frame_rel_encode(b, e, &r, false));
    r.pos = 1ull << 48;
    assert_null(tern_frame_rel_encode(b, e, &r, false));
    r.pos_form = TERN_POS_REL0;
    r.pos = 1;
    assert_null(tern_frame_rel_encode(b, e, &r, false));
    r.pos_form = TERN_POS_REL8;
    r.pos = 0x100;
    assert_null(tern_frame_rel_encode(b, e, &r, false));
    r.pos_form = TERN_POS_REL16;
    assert_non_null(tern_frame_rel_encode(b, e, &r, false));
    r.pos = 0x10000;
    assert_null(tern_frame_rel_encode(b, e, &r, false));
    r.pos_form = TERN_POS_REL32;
    assert_non_null(tern_frame_rel_encode(b, e, &r, false));
    r.pos = 0x100000000ull;
    assert_null(tern_frame_rel_encode(b, e, &r, false));
    r.pos_form = 0;
    r.pos = 0;
    assert_null(tern_frame_rel_encode(b, e, &r, false));
    r.pos_form = TERN_POS_REL32 + 1;
    assert_null(tern_frame_rel_encode(b, e, &r, false));
    r.pos_form = TERN_POS_REL0;
    r.data = data;
    r.len = TERN_SEG_MAX_EXPLICIT + 1;
    assert_null(tern_frame_rel_encode(b, e, &r, false));
    assert_non_null(tern_frame_rel_encode(b, e, &r, true));

    static tern_frame_ack a;
    a.latest16 = true;
    a.latest = 0x10000;
    assert_null(tern_frame_ack_encode(b, e, &a));
    assert_int_equal(tern_frame_ack_len(&a), 0);
    a.latest16 = false;
    assert_non_null(tern_frame_ack_encode(b, e, &a));
    a.nblocks = TERN_ACK_MAX_BLOCKS + 1;
    assert_null(tern_frame_ack_encode(b, e, &a));
    a.nblocks = 1;
    a.blocks[0].acks = TERN_ACK_BLOCK_MAX_COUNT;
    a.blocks[0].nacks = TERN_ACK_BLOCK_MAX_COUNT;
    assert_non_null(tern_frame_ack_encode(b, e, &a));
    a.blocks[0].acks = TERN_ACK_BLOCK_MAX_COUNT + 1;
    assert_null(tern_frame_ack_encode(b, e, &a));
    a.blocks[0].acks = 0;
    a.blocks[0].nacks = TERN_ACK_BLOCK_MAX_COUNT + 1;
    assert_null(tern_frame_ack_encode(b, e, &a));

    tern_frame_stop_waiting s = {.offset = 1};
    assert_null(tern_frame_stop_waiting_encode(b, b + 1, &s));
    assert_null(tern_frame_stop_waiting_encode(NULL, e, &s));
}

/* --- randomized round trips ------------------------------------------------------------ */

static uint8_t pool[0x2000];

/* A value of random magnitude below 2^bits. */
static uint64_t rand_mag(tt_rng *r, unsigned bits)
{
    unsigned k = (unsigned)tt_rng_below(r, bits + 1);
    if (k == 0) return 0;
    uint64_t v = tt_rng_next(r) >> (64 - k);
    return v;
}

static size_t rand_len(tt_rng *r, bool last)
{
    switch (tt_rng_below(r, 4)) {
    case 0:
        return 0;
    case 1:
        return (size_t)tt_rng_below(r, 20);
    case 2:
        return (size_t)tt_rng_below(r, TERN_SEG_MAX_EXPLICIT + 1);
    default:
        return last ? (size_t)tt_rng_below(r, sizeof pool) : TERN_SEG_MAX_EXPLICIT;
    }
}

/* A random frame that the encoders accept, shaped for |ctx| (which it updates
 * as the decoder will). */
static void rand_frame(tt_rng *r, tern_frame_ctx *ctx, tern_frame *f, bool last, int kind)
{
    memset(f, 0, sizeof *f);
    f->type = (uint8_t)(kind ? kind : 1 + (int)tt_rng_below(r, 5));
    switch (f->type) {
    case TERN_FRAME_UNREL: {
        tern_frame_unrel *u = &f->u.unrel;
        if (!ctx->have_msgnum) {
            bool w32 = tt_rng_below(r, 2);
            u->msgnum_form = w32 ? TERN_MSGNUM_ABS32 : TERN_MSGNUM_ABS16;
            u->msgnum = rand_mag(r, w32 ? 32 : 16);
        } else if (tt_rng_below(r, 2)) {
            u->msgnum_form = TERN_MSGNUM_NEXT;
        } else {
            u->msgnum_form = TERN_MSGNUM_DELTA;
            u->msgnum = rand_mag(r, 64);
        }
        u->offset = tt_rng_below(r, 2) ? 0 : rand_mag(r, 32);
        u->end = tt_rng_below(r, 2);
        u->len = rand_len(r, last);
        u->data = pool + tt_rng_below(r, sizeof pool - u->len + 1);
        ctx->have_msgnum = true;
        break;
    }
    case TERN_FRAME_REL: {
        tern_frame_rel *s = &f->u.rel;
        static const unsigned abs_bits[] = {24, 32, 48};
        static const unsigned rel_bits[] = {0, 8, 16, 32};
        if (!ctx->have_pos) {
            unsigned i = (unsigned)tt_rng_below(r, 3);
            s->pos_form = (uint8_t)(TERN_POS_ABS24 + i);
            s->pos = rand_mag(r, abs_bits[i]);
        } else {
            unsigned i = (unsigned)tt_rng_below(r, 4);
            s->pos_form = (uint8_t)(TERN_POS_REL0 + i);
            s->pos = rand_mag(r, rel_bits[i]);
        }
        s->len = rand_len(r, last);
        s->data = pool + tt_rng_below(r, sizeof pool - s->len + 1);
        ctx->have_pos = true;
        break;
    }
    case TERN_FRAME_STOP_WAITING:
        f->u.stop_waiting.offset = rand_mag(r, 64);
        break;
    case TERN_FRAME_ACK: {
        tern_frame_ack *a = &f->u.ack;
        a->latest16 = tt_rng_below(r, 2);
        a->latest = (uint32_t)rand_mag(r, a->latest16 ? 16 : 32);
        a->delay = (uint16_t)tt_rng_next(r);
        a->nblocks = (uint16_t)(tt_rng_below(r, 4) ? tt_rng_below(r, 9) : tt_rng_below(r, 256));
        for (unsigned i = 0; i < a->nblocks; i++) {
            a->blocks[i].acks =
                (uint32_t)(tt_rng_below(r, 2) ? tt_rng_below(r, 8) : rand_mag(r, 20) % 800008);
            a->blocks[i].nacks =
                (uint32_t)(tt_rng_below(r, 2) ? tt_rng_below(r, 8) : rand_mag(r, 20) % 800008);
        }
        break;
    }
    case TERN_FRAME_LANE:
        f->u.lane = (uint32_t)tt_rng_below(r, 256);
        ctx->lane = f->u.lane;
        ctx->have_msgnum = false;
        ctx->have_pos = false;
        break;
    }
}

static void test_roundtrip_each_kind(void **state)
{
    (void)state;
    tt_rng r;
    tt_rng_seed(&r, 7);
    static uint8_t buf[sizeof pool + 64];
    unsigned seeds = tt_seeds(20000);
    for (unsigned i = 0; i < seeds; i++) {
        int kind = 1 + (int)(i % 5);
        tern_frame_ctx ctx = {.have_msgnum = tt_rng_below(&r, 2), .have_pos = tt_rng_below(&r, 2)};
        tern_frame_ctx dctx = ctx;
        bool last = tt_rng_below(&r, 2);
        tern_frame f, d;
        rand_frame(&r, &ctx, &f, last, kind);
        uint8_t *e = encode_frame(buf, buf + sizeof buf, &f, last);
        assert_non_null(e);
        assert_int_equal((size_t)(e - buf), frame_len(&f, last));
        const uint8_t *p = buf;
        assert_int_equal(tern_frame_decode(&p, e, &dctx, &d), TERN_OK);
        assert_ptr_equal(p, e);
        assert_true(frame_eq(&f, &d));
        assert_true(ctx_eq(&ctx, &dctx));
        /* Too little room is refused, never overrun. */
        size_t n = (size_t)(e - buf);
        assert_null(encode_frame(buf, buf + tt_rng_below(&r, n), &f, last));
        /* Header-only encoding: same header bytes, data left to the caller,
         * room for the data still required. */
        if (f.type == TERN_FRAME_UNREL || f.type == TERN_FRAME_REL) {
            static uint8_t hb[sizeof buf];
            bool un = f.type == TERN_FRAME_UNREL;
            tern_frame g = f;
            if (un)
                g.u.unrel.data = NULL;
            else
                g.u.rel.data = NULL;
            size_t hl = un ? tern_frame_unrel_hdr_len(&f.u.unrel, last)
                           : tern_frame_rel_hdr_len(&f.u.rel, last);
            size_t len = un ? f.u.unrel.len : f.u.rel.len;
            uint8_t *h = un ? tern_frame_unrel_encode_hdr(hb, hb + n, &g.u.unrel, last)
                            : tern_frame_rel_encode_hdr(hb, hb + n, &g.u.rel, last);
            assert_ptr_equal(h, hb + hl);
            assert_memory_equal(hb, buf, hl);
            assert_int_equal(hl + len, n);
            h = un ? tern_frame_unrel_encode_hdr(hb, hb + n - 1, &g.u.unrel, last)
                   : tern_frame_rel_encode_hdr(hb, hb + n - 1, &g.u.rel, last);
            assert_null(h);
        }
    }
}

static void test_roundtrip_packets(void **state)
{
    (void)state;
    tt_rng r;
    tt_rng_seed(&r, 11);
    static uint8_t buf[256 * 1024];
    static tern_frame frames[40], got;
    unsigned seeds = tt_seeds(3000);
    for (unsigned i = 0; i < seeds; i++) {
        tern_frame_ctx ctx = {0};
        unsigned n = 1 + (unsigned)tt_rng_below(&r, 40);
        bool last_to_end = tt_rng_below(&r, 2);
        uint8_t *p = buf, *end = buf + sizeof buf;
        for (unsigned k = 0; k < n; k++) {
            bool last = last_to_end && k == n - 1;
            rand_frame(&r, &ctx, &frames[k], last, 0);
            p = encode_frame(p, end, &frames[k], last);
            assert_non_null(p);
        }
        tern_frame_ctx dctx = {0};
        const uint8_t *q = buf;
        for (unsigned k = 0; k < n; k++) {
            assert_int_equal(tern_frame_decode(&q, p, &dctx, &got), TERN_OK);
            assert_true(frame_eq(&frames[k], &got));
        }
        assert_ptr_equal(q, p);
        assert_true(ctx_eq(&ctx, &dctx));
    }
}

/* --- robustness of every vector: truncation and single-byte changes -------------------- */

static const char *const vectors[] = {
    "99 09 00 23 01 11",
    "80 01",
    "98 01 00 ff ff",
    "80 01 98 01 00 ff ff 57 01 00 00 00 00 00 02 68 69",
    "37 05 00 00 00",
    "88",
    "8e",
    "8f 08",
    "8f c8 01",
    "8f 00",
    "00 34 12 02 aa bb 28 ac 02 01 cc 18 00 05 00",
    "40 03 02 01 00 48 ff 00 50 34 12 00 58 78 56 34 12 00 5f 01 00 00 00 61 62 63",
    "99 09 00 00 00 b9 02 ac 02",
    "9f 01 00 00 00 02 11 22",
    "83 ff ff ff ff ff ff ff ff 82 ff ff ff 81 ff ff",
};

static volatile unsigned sink;

/* Decode a whole buffer with a context; return the first non-OK result. Checks
 * that every OK frame stays inside the buffer and touches its data. */
static tern_result decode_packet(const uint8_t *b, size_t n, unsigned ctx_bits)
{
    tern_frame_ctx ctx = {.have_msgnum = ctx_bits & 1, .have_pos = (ctx_bits & 2) != 0};
    const uint8_t *p = b, *end = b + n;
    static tern_frame f;
    unsigned sum = 0;
    while (p < end) {
        const uint8_t *before = p;
        tern_result r = tern_frame_decode(&p, end, &ctx, &f);
        if (r != TERN_OK) {
            assert_true(r == TERN_TRUNCATED || r == TERN_MALFORMED);
            assert_ptr_equal(p, before);
            return r;
        }
        assert_true(p > before && p <= end);
        const uint8_t *d = NULL;
        size_t len = 0;
        if (f.type == TERN_FRAME_UNREL) d = f.u.unrel.data, len = f.u.unrel.len;
        if (f.type == TERN_FRAME_REL) d = f.u.rel.data, len = f.u.rel.len;
        if (len) assert_true(d >= before && d + len <= p);
        for (size_t i = 0; i < len; i++) sum += d[i];
        if (f.type == TERN_FRAME_ACK) assert_true(f.u.ack.nblocks <= TERN_ACK_MAX_BLOCKS);
        if (f.type == TERN_FRAME_LANE) assert_true(f.u.lane <= TERN_MAX_LANE);
    }
    sink = sum;
    return TERN_OK;
}

static void test_vectors_truncated_and_flipped(void **state)
{
    (void)state;
    for (size_t v = 0; v < sizeof vectors / sizeof vectors[0]; v++) {
        uint8_t src[256];
        size_t n = tt_hex(vectors[v], src, sizeof src);
        assert_int_equal(decode_packet(src, n, 0), TERN_OK);
        for (size_t cut = 0; cut < n; cut++) {
            /* Exact-size heap copies so ASan sees any read past the end. */
            uint8_t *b = malloc(cut ? cut : 1);
            assert_non_null(b);
            memcpy(b, src, cut);
            for (unsigned c = 0; c < 4; c++) decode_packet(b, cut, c);
            free(b);
        }
        for (size_t i = 0; i < n; i++) {
            uint8_t *b = malloc(n);
            assert_non_null(b);
            for (unsigned x = 1; x < 256; x++) {
                memcpy(b, src, n);
                b[i] ^= (uint8_t)x;
                for (unsigned c = 0; c < 4; c++) decode_packet(b, n, c);
            }
            free(b);
        }
    }
}

static void test_truncated_fields_report_truncated(void **state)
{
    (void)state;
    /* Frames without a to-end segment: every proper prefix of one frame is
     * TRUNCATED, never MALFORMED or OK. */
    static const char *const one[] = {
        "99 09 00 23 01 11",       "80 01",
        "98 01 00 ff ff",          "8f c8 01",
        "90 04 03 02 01 10 00",    "99 09 00 00 00 b9 02 ac 02",
        "9f 01 00 00 00 02 11 22", "83 ff ff ff ff ff ff ff ff",
        "00 34 12 02 aa bb",       "50 06 05 04 03 02 01 00",
    };
    for (size_t v = 0; v < sizeof one / sizeof one[0]; v++) {
        uint8_t src[64];
        size_t n = tt_hex(one[v], src, sizeof src);
        for (size_t cut = 0; cut < n; cut++) {
            tern_frame_ctx ctx = {0};
            assert_int_equal(decode_status(src, cut, ctx), TERN_TRUNCATED);
        }
    }
}

/* --- expansion helpers -------------------------------------------------------------- */

static void test_msgnum_expand(void **state)
{
    (void)state;
    assert_int_equal(tern_msgnum_expand(0, 1, 16), 1);
    assert_int_equal(tern_msgnum_expand(5, 5, 16), 5);
    /* Forward across the 16-bit wrap. */
    assert_int_equal(tern_msgnum_expand(0xfffe, 0x0003, 16), 0x10003);
    /* Backward across it. */
    assert_int_equal(tern_msgnum_expand(0x10002, 0xfffd, 16), 0xfffd);
    /* Below zero: the caller kills. */
    assert_true(tern_msgnum_expand(0, 0xffff, 16) == -1);
    /* Window edges: +32767 ahead, -32768 behind. */
    assert_int_equal(tern_msgnum_expand(100000, (100000 + 32767) & 0xffff, 16), 100000 + 32767);
    assert_int_equal(tern_msgnum_expand(100000, (100000 + 32768) & 0xffff, 16), 100000 - 32768);
    /* 32-bit. */
    assert_true(tern_msgnum_expand(0xfffffff0ll, 0x10, 32) == 0x100000010ll);
    assert_true(tern_msgnum_expand(0x100000010ll, 0xfffffff0u, 32) == 0xfffffff0ll);
    assert_true(tern_msgnum_expand(0x300000000ll + 5, 0x80000005u, 32) == 0x280000005ll);
    assert_true(tern_msgnum_expand(0x300000000ll + 5, 0x80000004u, 32) == 0x380000004ll);

    tt_rng r;
    tt_rng_seed(&r, 3);
    for (unsigned i = 0; i < tt_seeds(20000); i++) {
        unsigned bits = tt_rng_below(&r, 2) ? 16 : 32;
        int64_t h = (int64_t)(tt_rng_next(&r) >> 20);
        int64_t want = h + (int64_t)tt_rng_below(&r, 1ull << bits) - (1ll << (bits - 1));
        uint64_t low = (uint64_t)want & ((1ull << bits) - 1);
        assert_true(tern_msgnum_expand(h, low, bits) == want);
    }
}

static void test_streampos_expand(void **state)
{
    (void)state;
    const int64_t m24 = 0xffffff, half = m24 >> 1;
    assert_int_equal(tern_streampos_expand(1, 1, 24), 1);
    assert_int_equal(tern_streampos_expand(1, 1, 48), 1);
    /* Forward across the wrap: E just below 2^24, low small. */
    assert_int_equal(tern_streampos_expand(0xfffff0, 0x10, 24), 0x1000010);
    /* Backward across the wrap: E just above 2^24, low near the top. */
    assert_int_equal(tern_streampos_expand(0x1000010, 0xfffff0, 24), 0x1fffff0);
    /* ... stays ahead: GNS only rounds up (§6.5), it never goes a block down. */
    assert_int_equal(tern_streampos_expand(0x1000010, 0x000005, 24), 0x1000005);
    /* Boundary: pos == E - mask/2 is kept, one less is moved up a block. */
    const int64_t e = 0x3000000 + 0x900000;
    assert_int_equal(tern_streampos_expand(e, (uint64_t)(e - half) & m24, 24), e - half);
    assert_int_equal(tern_streampos_expand(e, (uint64_t)(e - half - 1) & m24, 24),
                     e - half - 1 + m24 + 1);
    /* With E in the lower half of its block, far-ahead values stay ahead. */
    assert_int_equal(tern_streampos_expand(0x3000010, 0xfffff0, 24), 0x3fffff0);
    /* Nothing received yet (E = 1) and low 0: position 0, which the caller rejects. */
    assert_int_equal(tern_streampos_expand(1, 0, 24), 0);
    /* 32 and 48 bits. */
    assert_true(tern_streampos_expand(0x1ffffff00ll, 0x10, 32) == 0x200000010ll);
    assert_true(tern_streampos_expand(0x200000010ll, 0xffffff00u, 32) == 0x2ffffff00ll);
    assert_true(tern_streampos_expand(0xfffffffffff0ll, 0x5, 48) == 0x1000000000005ll);

    /* Properties over random inputs: same low bits, never below E - mask/2,
     * and within one block above E's block. */
    tt_rng r;
    tt_rng_seed(&r, 5);
    static const unsigned widths[] = {24, 32, 48};
    for (unsigned i = 0; i < tt_seeds(20000); i++) {
        unsigned bits = widths[tt_rng_below(&r, 3)];
        int64_t mask = (int64_t)((1ull << bits) - 1);
        int64_t E = 1 + (int64_t)(tt_rng_next(&r) >> 14);
        uint64_t low = tt_rng_next(&r) & (uint64_t)mask;
        int64_t pos = tern_streampos_expand(E, low, bits);
        assert_true(((uint64_t)pos & (uint64_t)mask) == low);
        assert_true(pos >= E - (mask >> 1));
        assert_true(pos >= (E & ~mask));
        assert_true(pos <= (E & ~mask) + 2 * mask + 1);
        /* A position from mask/2 behind E up to mask/2 ahead comes back
         * exactly, unless it lies below E's aligned block: GNS never rounds
         * down, so that one comes back one block up. */
        int64_t base = E & ~mask;
        int64_t near = E - (mask >> 1) + (int64_t)tt_rng_below(&r, (uint64_t)mask);
        int64_t got = tern_streampos_expand(E, (uint64_t)near & (uint64_t)mask, bits);
        if (near >= base)
            assert_true(got == near);
        else
            assert_true(got == near + mask + 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ack_gns_example),
        cmocka_unit_test(test_initial_ack_and_stop_waiting),
        cmocka_unit_test(test_appendix_b_plaintext),
        cmocka_unit_test(test_zero_length_unreliable),
        cmocka_unit_test(test_select_lane_vectors),
        cmocka_unit_test(test_reserved_lead_bytes),
        cmocka_unit_test(test_unreliable_context_forms),
        cmocka_unit_test(test_size_field),
        cmocka_unit_test(test_reliable_context_forms),
        cmocka_unit_test(test_stop_waiting_widths),
        cmocka_unit_test(test_ack_forms),
        cmocka_unit_test(test_encoder_refusals),
        cmocka_unit_test(test_roundtrip_each_kind),
        cmocka_unit_test(test_roundtrip_packets),
        cmocka_unit_test(test_vectors_truncated_and_flipped),
        cmocka_unit_test(test_truncated_fields_report_truncated),
        cmocka_unit_test(test_msgnum_expand),
        cmocka_unit_test(test_streampos_expand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
