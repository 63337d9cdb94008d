/* SNP frames: the plaintext payload of a data packet (WIRE.md §6).
 *
 * The codec is pure. The per-packet decode context of §6.2 (current lane,
 * whether an unreliable message number / reliable stream position has been
 * seen in this context) decides how some bits are read, so the caller keeps a
 * tern_frame_ctx and passes it to every decode call; the decoder updates the
 * context-shape flags itself. Turning truncated message numbers and stream
 * positions into full values needs per-lane receiver state, so that is left to
 * the caller, with the pure helpers tern_msgnum_expand() and
 * tern_streampos_expand() below.
 */
#ifndef TERN_WIRE_FRAMES_H
#define TERN_WIRE_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/tern.h"

#define TERN_ACK_MAX_BLOCKS      255    /* u8 count field */
#define TERN_ACK_BLOCK_MAX_COUNT 800007 /* low3 | (varint <= 100000) << 3 */
#define TERN_SEG_MAX_EXPLICIT    0x4ff  /* largest size an explicit size field holds */
#define TERN_MAX_LANE            255
#define TERN_ACK_DELAY_UNKNOWN   0xffff

enum tern_frame_type {
    TERN_FRAME_UNREL = 1,    /* 00emosss unreliable message segment */
    TERN_FRAME_REL,          /* 010mmsss reliable stream segment */
    TERN_FRAME_STOP_WAITING, /* 100000ww */
    TERN_FRAME_ACK,          /* 1001wnnn */
    TERN_FRAME_LANE,         /* 10001nnn select lane */
};

/* How an unreliable segment names its message number (§6.4). */
enum tern_msgnum_form {
    TERN_MSGNUM_ABS16 = 1, /* first in context, m=0: low 16 bits */
    TERN_MSGNUM_ABS32,     /* first in context, m=1: low 32 bits */
    TERN_MSGNUM_NEXT,      /* later, m=0: previous + 1 */
    TERN_MSGNUM_DELTA,     /* later, m=1: previous + varint */
};

/* How a reliable segment names its stream position (§6.5). */
enum tern_streampos_form {
    TERN_POS_ABS24 = 1, /* first in context: low 24/32/48 bits */
    TERN_POS_ABS32,
    TERN_POS_ABS48,
    TERN_POS_REL0, /* later: previous end + 0 / u8 / u16 / u32 */
    TERN_POS_REL8,
    TERN_POS_REL16,
    TERN_POS_REL32,
};

typedef struct tern_frame_unrel {
    uint8_t msgnum_form; /* enum tern_msgnum_form */
    uint64_t msgnum;     /* the raw field: low bits (ABS), delta (DELTA), 0 (NEXT) */
    uint64_t offset;     /* byte offset of this segment inside its message */
    bool end;            /* this segment ends the message */
    const uint8_t *data; /* borrowed from the packet buffer */
    size_t len;
} tern_frame_unrel;

typedef struct tern_frame_rel {
    uint8_t pos_form; /* enum tern_streampos_form */
    uint64_t pos;     /* the raw field: low bits (ABS) or offset from previous end (REL) */
    const uint8_t *data;
    size_t len;
} tern_frame_rel;

typedef struct tern_frame_stop_waiting {
    uint64_t offset; /* min_to_ack = packet number - offset - 1 */
} tern_frame_stop_waiting;

typedef struct tern_ack_block {
    uint32_t acks;  /* packets received */
    uint32_t nacks; /* packets missing, just older than the acked run */
} tern_ack_block;

typedef struct tern_frame_ack {
    bool latest16;   /* w bit: latest is 16 bits (else 32) */
    uint32_t latest; /* low bits of the newest packet number reported */
    uint16_t delay;  /* units of 32 us; TERN_ACK_DELAY_UNKNOWN = unknown */
    uint16_t nblocks;
    tern_ack_block blocks[TERN_ACK_MAX_BLOCKS]; /* newest first */
} tern_frame_ack;

typedef struct tern_frame {
    uint8_t type; /* enum tern_frame_type */
    union {
        tern_frame_unrel unrel;
        tern_frame_rel rel;
        tern_frame_stop_waiting stop_waiting;
        tern_frame_ack ack;
        uint32_t lane; /* TERN_FRAME_LANE: 0..TERN_MAX_LANE */
    } u;
} tern_frame;

/* The decode context shape of §6.2. Zero it at the start of every packet. The
 * decoder sets the flags after each segment and clears them (and sets |lane|)
 * on a select-lane frame. */
typedef struct tern_frame_ctx {
    uint32_t lane;
    bool have_msgnum; /* an unreliable segment was decoded in this context */
    bool have_pos;    /* a reliable segment was decoded in this context */
} tern_frame_ctx;
/* Expansion quirk (WIRE.md §6.4/§6.5) that the raw decode does not apply:
 * every reliable segment decoded while an unreliable message number is in
 * context (have_msgnum) increments the caller's cur_msgnum by one, so a later
 * TERN_MSGNUM_NEXT / TERN_MSGNUM_DELTA segment counts from that bumped value.
 * An encoder choosing NEXT/DELTA must model the same bump. */

/* Decode one frame at *p. Segment data is borrowed from the input. On success
 * *p advances past the frame (for a size-to-end segment, to |end|).
 * TERN_TRUNCATED: a field runs past |end|.
 * TERN_MALFORMED: reserved lead byte, reserved size bits, mm=11 in a first
 * reliable segment, overlong or out-of-range varint, lane > 255, ack block
 * varint > 100000. Every error is fatal for the connection per WIRE.md §6.1. */
tern_result tern_frame_decode(const uint8_t **p, const uint8_t *end, tern_frame_ctx *ctx,
                              tern_frame *out);

/* Encoders. |last| selects the size-to-end form (sss=111) for a segment that
 * is the packet's final frame. Segment encoders write the header and then
 * copy |len| bytes from |data| (NULL allowed only when len is 0). Each returns
 * NULL when out of room or when the frame would not decode back to the same
 * fields: an explicit size > 0x4ff, a value wider than its form (ABS16 >= 2^16,
 * ABS24 >= 2^24, REL8 >= 256, ...), NEXT or REL0 with a non-zero value, an
 * unknown form, an unreliable offset >= 2^32, lane > 255, latest16 with
 * latest > 0xffff, nblocks > 255, a block count > TERN_ACK_BLOCK_MAX_COUNT.
 * The encoder does not track context; the caller chooses forms that match it
 * (see tern_msgnum_form / tern_streampos_form). Output is GNS's byte-for-byte
 * where GNS has a choice: o=1 only for a non-zero offset, ack lead 0x98|n for
 * n <= 6 blocks else 0x9F + u8 count, extension varints only for counts >= 8,
 * select lane 0x88+lane-1 for lanes 1..7 else 0x8F + varint. */
uint8_t *tern_frame_unrel_encode(uint8_t *p, uint8_t *end, const tern_frame_unrel *f, bool last);
uint8_t *tern_frame_rel_encode(uint8_t *p, uint8_t *end, const tern_frame_rel *f, bool last);
/* Uses the narrowest ww width that holds |offset|. */
uint8_t *tern_frame_stop_waiting_encode(uint8_t *p, uint8_t *end, const tern_frame_stop_waiting *f);
uint8_t *tern_frame_ack_encode(uint8_t *p, uint8_t *end, const tern_frame_ack *f);
uint8_t *tern_frame_lane_encode(uint8_t *p, uint8_t *end, uint32_t lane);

/* Write only a segment's header, sized for f->len data bytes that the
 * caller then places at the returned pointer (f->data is not read). This
 * lets the sender gather a segment from several buffers without a bounce
 * copy. NULL when header and data do not both fit. */
uint8_t *tern_frame_unrel_encode_hdr(uint8_t *p, uint8_t *end, const tern_frame_unrel *f,
                                     bool last);
uint8_t *tern_frame_rel_encode_hdr(uint8_t *p, uint8_t *end, const tern_frame_rel *f, bool last);

/* Header sizes (segment data excluded, size byte included unless |last|), for
 * packing decisions before encoding; 0 when the encoder would refuse the frame.
 * tern_frame_ack_len is the whole frame. */
size_t tern_frame_unrel_hdr_len(const tern_frame_unrel *f, bool last);
size_t tern_frame_rel_hdr_len(const tern_frame_rel *f, bool last);
size_t tern_frame_ack_len(const tern_frame_ack *f);

/* Full message number from the low |bits| (16 or 32) against the lane's
 * highest message number seen |h| (§6.4): the nearest value with those low
 * bits. May be <= 0, which the caller treats as fatal. */
int64_t tern_msgnum_expand(int64_t h, uint64_t low, unsigned bits);

/* Full reliable stream position from the low |bits| (24, 32 or 48) against
 * |e|, one past the highest stream byte received (§6.5, GNS's round-up-only
 * rule). */
int64_t tern_streampos_expand(int64_t e, uint64_t low, unsigned bits);

#endif
