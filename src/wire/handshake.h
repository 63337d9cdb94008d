/* Lead bytes, the padded layout, and the six handshake/close packets of
 * direct UDP connections (WIRE.md §1, §2.3-2.7, §8.2-8.3).
 *
 * Decoding is purely syntactic: a message that parses is returned even if it
 * lacks fields the protocol needs (a ChallengeRequest without connection_id,
 * a ConnectRequest without cert); the connection layer applies those rules,
 * because what GNS does about each one differs (§2.6, §2.8, §8.4). */
#ifndef TERN_WIRE_HANDSHAKE_H
#define TERN_WIRE_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#include "tern/tern.h"
#include "util/arena.h"
#include "wire/pb.h"

#include "tern_udp.pb-c.h"

/* Lead bytes (§1.1). */
#define TERN_LEAD_CHALLENGE_REQUEST 0x20
#define TERN_LEAD_CHALLENGE_REPLY   0x21
#define TERN_LEAD_CONNECT_REQUEST   0x22
#define TERN_LEAD_CONNECT_OK        0x23
#define TERN_LEAD_CONNECTION_CLOSED 0x24
#define TERN_LEAD_NO_CONNECTION     0x25
#define TERN_LEAD_DATA_BIT          0x80

#define TERN_DGRAM_MIN  5    /* GNS ignores anything shorter */
#define TERN_DGRAM_MAX  1300 /* GNS never sends more */
#define TERN_PADDED_MIN 512  /* padded kinds: minimum datagram size */
#define TERN_PADDED_HDR 3    /* lead byte + u16le length */

/* What a datagram is, from its size and lead byte. The handshake kinds have
 * the value of their lead byte. */
typedef enum tern_pkt_kind {
    TERN_PKT_INVALID = 0, /* shorter than 5 bytes, or an unassigned lead byte: ignore */
    TERN_PKT_CHALLENGE_REQUEST = TERN_LEAD_CHALLENGE_REQUEST,
    TERN_PKT_CHALLENGE_REPLY = TERN_LEAD_CHALLENGE_REPLY,
    TERN_PKT_CONNECT_REQUEST = TERN_LEAD_CONNECT_REQUEST,
    TERN_PKT_CONNECT_OK = TERN_LEAD_CONNECT_OK,
    TERN_PKT_CONNECTION_CLOSED = TERN_LEAD_CONNECTION_CLOSED,
    TERN_PKT_NO_CONNECTION = TERN_LEAD_NO_CONNECTION,
    TERN_PKT_DATA = TERN_LEAD_DATA_BIT, /* any lead byte with the high bit set (§5) */
} tern_pkt_kind;

/* Classify a datagram of |len| bytes at |dgram| (borrowed). Never fails. */
tern_pkt_kind tern_pkt_kind_of(const uint8_t *dgram, size_t len);

/* True for the kinds that use the padded layout (ChallengeRequest,
 * ConnectionClosed). */
int tern_pkt_is_padded(tern_pkt_kind kind);

/* --- the padded layout (§1.1) --------------------------------------------- */

/* Find the protobuf inside a padded datagram. On TERN_OK, *body and *body_len
 * point into |dgram| (borrowed). The lead byte is not checked here.
 *   TERN_MALFORMED  the datagram is shorter than 512 bytes, or N = 0.
 *   TERN_TRUNCATED  3 + N is larger than the datagram. */
tern_result tern_padded_decode(const uint8_t *dgram, size_t len, const uint8_t **body,
                               size_t *body_len);

/* Write lead byte, u16le N, the N body bytes and zeros up to 512 bytes in
 * total (GNS pads to exactly 512; a body longer than 509 bytes is not padded
 * further). NULL when out of room, or when N is 0 or larger than 65535:
 * senders never send an empty padded body. */
uint8_t *tern_padded_encode(uint8_t *p, uint8_t *end, uint8_t lead, const uint8_t *body,
                            size_t body_len);

/* --- whole handshake datagrams -------------------------------------------- */

/* One decoded handshake/close packet: |kind| says which member of |u| is set.
 * Build one to encode by setting |kind| and pointing the matching member at a
 * message initialised with its TERN__..._INIT macro. */
typedef struct tern_hs_msg {
    tern_pkt_kind kind;
    union {
        ProtobufCMessage *any;
        Tern__ChallengeRequest *challenge_request;
        Tern__ChallengeReply *challenge_reply;
        Tern__ConnectRequest *connect_request;
        Tern__ConnectOK *connect_ok;
        Tern__ConnectionClosed *connection_closed;
        Tern__NoConnection *no_connection;
    } u;
} tern_hs_msg;

/* The protobuf-c descriptor of the message a handshake kind carries, or NULL
 * for data packets and invalid kinds. */
const ProtobufCMessageDescriptor *tern_hs_descriptor(tern_pkt_kind kind);

/* Decode a whole handshake/close datagram of |len| bytes at |dgram|
 * (borrowed for the call). The message, and every string and bytes field in
 * it, is allocated in |arena| and valid until the arena is reset: in
 * particular ConnectRequest/ConnectOK cert->cert and crypt->info are the exact
 * bytes that were signed. On failure *out is {TERN_PKT_INVALID, NULL} and the
 * arena is unchanged.
 *   TERN_OK            decoded; out->kind says which message.
 *   TERN_INVALID_PARAM the datagram is a data packet (high bit set): that is
 *                      not for this decoder (classify with tern_pkt_kind_of).
 *   TERN_MALFORMED     shorter than 5 bytes, unassigned lead byte, a padded
 *                      kind shorter than 512 bytes or with N = 0, or a
 *                      protobuf that does not parse. GNS ignores all of these.
 *   TERN_TRUNCATED     a padded kind whose length N runs past the datagram.
 *   TERN_ARENA_FULL    |arena| is too small for this message (size it with
 *                      TERN_PB_ARENA_FOR_DATAGRAM; drop the datagram). */
tern_result tern_hs_decode(const uint8_t *dgram, size_t len, tern_arena *arena, tern_hs_msg *out);

/* Encode |in| (borrowed) as a whole datagram: lead byte, then the protobuf,
 * plain or padded to 512 bytes as the kind requires. Returns the end of the
 * datagram, or NULL when it does not fit in [p, end), when in->kind is not a
 * handshake kind, when in->u.any is not a message of that kind, when a
 * padded kind would have an empty body, or when a plain kind would make a
 * datagram shorter than 5 bytes (receivers ignore both: set more fields). */
uint8_t *tern_hs_encode(uint8_t *p, uint8_t *end, const tern_hs_msg *in);

#endif
