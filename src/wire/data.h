/* The data packet header (WIRE.md §5.1) and packet-number arithmetic (§5.3).
 * The SNP payload after the header is encrypted; see crypto/. */
#ifndef TERN_WIRE_DATA_H
#define TERN_WIRE_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/tern.h"

#define TERN_DATA_FLAG          0x80 /* always set on a data packet */
#define TERN_DATA_FLAG_STATS    0x01 /* inline stats blob follows the packet number */
#define TERN_DATA_FLAG_TIMEPREV 0x02 /* u16 time since previous packet follows */
#define TERN_DATA_HDR_MIN       7
#define TERN_TIMEPREV_MAX_USEC  250000

typedef struct tern_data_hdr {
    uint8_t flags;        /* raw lead byte; other bits are ignored on receipt */
    uint32_t to_conn_id;  /* the recipient's connection ID */
    uint16_t pktnum16;    /* low 16 bits of the packet number */
    const uint8_t *stats; /* if flags & STATS: the protobuf blob, borrowed */
    size_t stats_len;
    uint16_t timeprev16; /* if flags & TIMEPREV: usec >> 4 */
} tern_data_hdr;

/* Decode the header; *p is left at the encrypted payload.
 * TERN_TRUNCATED: shorter than the fields the flags announce.
 * TERN_MALFORMED: high bit clear, or a bad stats length varint. */
tern_result tern_data_hdr_decode(const uint8_t **p, const uint8_t *end, tern_data_hdr *out);

/* Encode the header. The stats/time fields are written iff their flag is set
 * in |in->flags| (the 0x80 bit is forced on, unknown bits are sent as 0).
 * The stats blob is copied. NULL when out of room, or stats_len > UINT32_MAX
 * (GNS reads a uint32 length), or stats is NULL with a non-zero stats_len. */
uint8_t *tern_data_hdr_encode(uint8_t *p, uint8_t *end, const tern_data_hdr *in);

/* Encoded size of a header with these fields. */
size_t tern_data_hdr_len(const tern_data_hdr *in);

/* The full packet number nearest |max_recv| with low 16 bits |w| (§5.3). */
int64_t tern_pktnum_expand(int64_t max_recv, uint16_t w);

#endif
