/* Glue between protobuf-c and tern's bounded arenas (WIRE.md §0).
 *
 * Every protobuf message tern receives is unpacked by protobuf-c into a
 * caller-supplied tern_arena, never the heap: a hostile datagram can make a
 * decode fail, but never make it use more memory than the caller set aside.
 * The decoded structs (and every string, bytes field and array they point to)
 * live in the arena until it is reset. Bytes fields are copied into the arena,
 * so they stay valid after the input buffer is reused.
 *
 * Protobuf messages are not self-delimiting (a message is "the whole buffer"),
 * so decoders here take (data, len) instead of the cursor form of bytes.h.
 *
 * What protobuf-c 1.4.1 does with the input, as the tests pin down:
 *  - repeated scalars are accepted both unpacked (what GNS sends) and packed,
 *    even though our .proto files do not declare them packed. An empty packed
 *    run (length 0) is refused, because protobuf-c handles it with undefined
 *    pointer arithmetic (GNS would read it as no elements), and so is a run
 *    that is not a whole number of elements;
 *  - unknown fields are skipped, but kept (copied into the arena, counted in
 *    base.n_unknown_fields) and written back out by tern_pb_pack: re-encoding a
 *    decoded message reproduces them (after the known fields). Messages built
 *    by hand have none;
 *  - a field that repeats an optional scalar keeps the last value; an optional
 *    sub-message that appears twice is merged (protobuf rules);
 *  - a known field with the wrong wire type (C++ protobuf, and so GNS, would
 *    keep it as an unknown field), a truncated field, a wire type 6/7, or a
 *    group (wire types 3/4, obsolete; C++ would skip an unknown one) makes the
 *    whole message fail (TERN_MALFORMED). GNS never sends any of these;
 *  - enum fields keep any number, where GNS's proto2 C++ code treats a value
 *    it does not know as absent (see CryptInfo.ciphers in wire/certmsg.h);
 *  - field number 0 or above 2^29-1 fails too: protobuf-c lets both through
 *    in a non-minimal or 5-byte tag (and a 5-byte tag can overflow a shift in
 *    its parser), so tern_pb_unpack checks every tag, at every level, first;
 *  - strings are stored NUL-terminated; a string with an embedded NUL reads
 *    as its prefix (GNS's identity parsing uses c_str(), so it sees the same).
 *
 * Arena sizing, measured on x86-64 (wire_pb_test.c test_arena_sizing; run
 * it with TERN_PB_VERBOSE=1 to print the figures). Every allocation costs a
 * 16-byte-aligned slot, and protobuf-c allocates its per-field scan table in
 * doubling slabs, so what matters is the number of fields, not the bytes:
 *   ConnectOK filling 1299 bytes (CA-signed cert, crypt, identities)  1.7 KiB
 *   cert body of 1300 bytes with ~75 ip_addresses                      4.9 KiB
 *   cert body of 1296 bytes with ~250 gameserver_datacenter_ids       16.2 KiB
 *   cert body of 1300 bytes with ~630 app_ids                         33.7 KiB
 *   stats blob of 1293 bytes, every field + ~590 multipath values     35.7 KiB
 * Hostile inputs can need more: 650 unknown fields take 56.5 KiB (fits), and
 * duplicated sub-messages, which protobuf-c merges by copying the repeated
 * fields gathered so far, reach 100-310 KiB from 1300 bytes. Those fail with
 * TERN_ARENA_FULL, which is the intended outcome (test_hostile_inputs_bounded).
 * TERN_PB_ARENA_FOR_DATAGRAM is 1.75x the worst legitimate case: enough for
 * any legitimate message of up to 1300 bytes, or for a handshake message plus
 * the cert and crypt-info bodies decoded from it into the same arena. */
#ifndef TERN_WIRE_PB_H
#define TERN_WIRE_PB_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "tern/tern.h"
#include "util/arena.h"

/* Bytes of arena that always suffice to decode any legitimate protobuf
 * message carried in one datagram (≤ 1300 bytes), including a certificate or
 * crypt-info body taken from it. */
#define TERN_PB_ARENA_FOR_DATAGRAM (64 * 1024)

/* A protobuf-c allocator that takes memory from |arena| (borrowed for the
 * allocator's lifetime). free is a no-op; |failed| records that an allocation
 * was refused, which is how a decode tells TERN_ARENA_FULL from
 * TERN_MALFORMED. */
typedef struct tern_pb_alloc {
    ProtobufCAllocator base;
    tern_arena *arena;
    int failed;
} tern_pb_alloc;

void tern_pb_alloc_init(tern_pb_alloc *pa, tern_arena *arena);

/* Unpack |len| bytes at |data| (borrowed for the call) as a message of type
 * |desc|; the message is allocated in |arena| and stored in *out, which the
 * caller casts to the generated type. On failure *out is NULL and the arena
 * is left exactly as it was.
 *   TERN_OK          decoded.
 *   TERN_MALFORMED   not a valid encoding of |desc| (drop the input).
 *   TERN_ARENA_FULL  the arena ran out first (the input is too big or hostile
 *                    for this arena: drop it, or retry with a larger arena). */
tern_result tern_pb_unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                           tern_arena *arena, ProtobufCMessage **out);

/* Pack |msg| (borrowed) into [p, end). Returns the end of what was written,
 * or NULL when it does not fit (or p is NULL). Fields go out in ascending
 * field-number order, repeated scalars unpacked, as GNS does. A present bytes
 * field must have non-NULL data even when its len is 0 (protobuf-c copies
 * from it); messages from tern_pb_unpack always do. */
uint8_t *tern_pb_pack(uint8_t *p, uint8_t *end, const ProtobufCMessage *msg);

/* The packed size of |msg| in bytes. */
size_t tern_pb_size(const ProtobufCMessage *msg);

#endif
