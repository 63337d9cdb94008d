/* Round trip with corruption: build a valid handshake message of a kind
 * chosen by the first byte from the rest of the input, encode it, and
 * require that the clean datagram decodes back to an equal message. Then
 * flip one byte (position and mask from bytes 1-3) and decode: any result is
 * fine, but a success must re-encode to a datagram that decodes equal. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pbgen.h"
#include "wire/handshake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Re-encoding writes packed runs unpacked (one tag per element), so the
 * re-encoded form of a message that just fit can need more arena. */
#define REDECODE_ARENA (16 * TERN_PB_ARENA_FOR_DATAGRAM)

#define GEN_ARENA (1 << 17)
#define OUT_CAP   8192

static uint8_t *gen_mem, *arena1, *arena2, *out, *out2;

static const tern_pkt_kind kinds[] = {
    TERN_PKT_CHALLENGE_REQUEST, TERN_PKT_CHALLENGE_REPLY,   TERN_PKT_CONNECT_REQUEST,
    TERN_PKT_CONNECT_OK,        TERN_PKT_CONNECTION_CLOSED, TERN_PKT_NO_CONNECTION,
};

/* Decode |d|; if that works, its re-encoding must decode to an equal message. */
static void check_consistent(const uint8_t *d, size_t n)
{
    tern_arena a, b;
    tern_arena_init(&a, arena1, TERN_PB_ARENA_FOR_DATAGRAM);
    tern_arena_init(&b, arena2, REDECODE_ARENA);
    tern_hs_msg m, m2;
    if (tern_hs_decode(d, n, &a, &m) != TERN_OK) return;
    uint8_t *e = tern_hs_encode(out2, out2 + OUT_CAP, &m);
    if (!e) {
        if (tern_pkt_is_padded(m.kind) || 1 + tern_pb_size(m.u.any) >= TERN_DGRAM_MIN) abort();
        return;
    }
    if (tern_hs_decode(out2, (size_t)(e - out2), &b, &m2) != TERN_OK || m2.kind != m.kind ||
        !pbgen_equal(m.u.any, m2.u.any))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) return 0;
    if (!gen_mem) {
        gen_mem = malloc(GEN_ARENA);
        arena1 = malloc(TERN_PB_ARENA_FOR_DATAGRAM);
        arena2 = malloc(REDECODE_ARENA);
        out = malloc(OUT_CAP);
        out2 = malloc(OUT_CAP);
        if (!gen_mem || !arena1 || !arena2 || !out || !out2) abort();
    }
    tern_hs_msg m = {.kind = kinds[data[0] % 6]};
    size_t flip_at = (size_t)data[1] | (size_t)data[2] << 8;
    uint8_t mask = data[3] ? data[3] : 1;
    pbgen_src src = {data + 4, size - 4, 0};
    tern_arena g;
    tern_arena_init(&g, gen_mem, GEN_ARENA);
    m.u.any = pbgen_message(tern_hs_descriptor(m.kind), &src, &g, 0);
    if (!m.u.any) abort(); /* the generator's output is bounded well below GEN_ARENA */

    uint8_t *e = tern_hs_encode(out, out + OUT_CAP, &m);
    size_t body = tern_pb_size(m.u.any);
    if (!e) {
        if (tern_pkt_is_padded(m.kind) ? body != 0 : body + 1 >= TERN_DGRAM_MIN) abort();
        return 0;
    }
    size_t n = (size_t)(e - out);
    tern_arena a;
    tern_arena_init(&a, arena1, TERN_PB_ARENA_FOR_DATAGRAM);
    tern_hs_msg d;
    if (tern_hs_decode(out, n, &a, &d) != TERN_OK || d.kind != m.kind ||
        !pbgen_equal(m.u.any, d.u.any))
        abort();

    out[flip_at % n] ^= mask;
    check_consistent(out, n);
    return 0;
}
