/* The inline stats blob of a data packet header, CMsgSteamSockets_UDP_Stats
 * (WIRE.md §7.1). The header codec (wire/data.h) hands over the blob's bytes;
 * this decodes them into the generated structs, allocated in the caller's
 * arena (wire/pb.h). */
#ifndef TERN_WIRE_STATS_H
#define TERN_WIRE_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "tern/tern.h"
#include "util/arena.h"
#include "wire/pb.h"

#include "tern_stats.pb-c.h"

/* Bits of Tern__UdpStats.flags. 1 and 8 are reserved for relay variants and
 * never used on direct UDP. */
#define TERN_STATS_ACK_REQUEST_E2E           2  /* please ack (delay ≤ 50 ms is fine) */
#define TERN_STATS_ACK_REQUEST_IMMEDIATE     4  /* ... right away (sent with 2) */
#define TERN_STATS_NOT_PRIMARY_TRANSPORT_E2E 16 /* came over a non-selected transport */

/* Decode a blob of |len| bytes at |data| (borrowed for the call).
 *   TERN_OK, TERN_MALFORMED (does not parse), TERN_ARENA_FULL. */
tern_result tern_stats_decode(const uint8_t *data, size_t len, tern_arena *arena,
                              Tern__UdpStats **out);

/* Encode |in| (borrowed); NULL when out of room. */
uint8_t *tern_stats_encode(uint8_t *p, uint8_t *end, const Tern__UdpStats *in);

/* The flags a blob means: the explicit |flags| field, plus ACK_REQUEST_E2E
 * when |stats| is present (the implied flag of §7.1). */
uint32_t tern_stats_effective_flags(const Tern__UdpStats *s);

/* True when the blob asks for an ack: explicit flag 2, or |stats| present. */
int tern_stats_is_ack_request(const Tern__UdpStats *s);

/* Set |flags| on a blob the way GNS does: the field is written only if some
 * wanted flag is not already implied by s->stats, so set s->stats first. */
void tern_stats_set_flags(Tern__UdpStats *s, uint32_t flags);

#endif
