/* Fuzz tern_stats_decode with any blob. A success must re-encode to bytes
 * that decode to an equal blob with the same effective flags. */
#include <stdint.h>
#include <stdlib.h>

#include "pbgen.h"
#include "wire/stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Re-encoding writes packed runs unpacked (one tag per element), so the
 * re-encoded form of a message that just fit can need more arena. */
#define REDECODE_ARENA (16 * TERN_PB_ARENA_FOR_DATAGRAM)

static uint8_t *arena1, *arena2;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!arena1) {
        arena1 = malloc(TERN_PB_ARENA_FOR_DATAGRAM);
        arena2 = malloc(REDECODE_ARENA);
        if (!arena1 || !arena2) abort();
    }
    tern_arena a, b;
    tern_arena_init(&a, arena1, TERN_PB_ARENA_FOR_DATAGRAM);
    tern_arena_init(&b, arena2, REDECODE_ARENA);
    Tern__UdpStats *s, *s2;
    tern_result r = tern_stats_decode(data, size, &a, &s);
    if (r != TERN_OK) {
        if ((r != TERN_MALFORMED && r != TERN_ARENA_FULL) || s || a.used != 0) abort();
        return 0;
    }
    uint32_t flags = tern_stats_effective_flags(s);
    if (tern_stats_is_ack_request(s) != ((flags & TERN_STATS_ACK_REQUEST_E2E) != 0)) abort();
    if (s->stats && !(flags & TERN_STATS_ACK_REQUEST_E2E)) abort();

    size_t cap = 2 * size + 16, n = tern_pb_size(&s->base);
    uint8_t *out = malloc(cap);
    if (!out) abort();
    uint8_t *e = tern_stats_encode(out, out + cap, s);
    if (!e || (size_t)(e - out) != n) abort();
    if (tern_stats_decode(out, n, &b, &s2) != TERN_OK || !pbgen_equal(&s->base, &s2->base) ||
        tern_stats_effective_flags(s2) != flags)
        abort();
    free(out);
    return 0;
}
