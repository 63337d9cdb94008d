#include "wire/handshake.h"

#include <string.h>

#include "util/bytes.h"

tern_pkt_kind tern_pkt_kind_of(const uint8_t *dgram, size_t len)
{
    if (!dgram || len < TERN_DGRAM_MIN) return TERN_PKT_INVALID;
    uint8_t lead = dgram[0];
    if (lead & TERN_LEAD_DATA_BIT) return TERN_PKT_DATA;
    if (lead >= TERN_LEAD_CHALLENGE_REQUEST && lead <= TERN_LEAD_NO_CONNECTION)
        return (tern_pkt_kind)lead;
    return TERN_PKT_INVALID;
}

int tern_pkt_is_padded(tern_pkt_kind kind)
{
    return kind == TERN_PKT_CHALLENGE_REQUEST || kind == TERN_PKT_CONNECTION_CLOSED;
}

tern_result tern_padded_decode(const uint8_t *dgram, size_t len, const uint8_t **body,
                               size_t *body_len)
{
    if (len < TERN_PADDED_MIN) return TERN_MALFORMED;
    size_t n = tern_load_le16(dgram + 1);
    if (n == 0) return TERN_MALFORMED;
    if (n > len - TERN_PADDED_HDR) return TERN_TRUNCATED;
    *body = dgram + TERN_PADDED_HDR;
    *body_len = n;
    return TERN_OK;
}

uint8_t *tern_padded_encode(uint8_t *p, uint8_t *end, uint8_t lead, const uint8_t *body,
                            size_t body_len)
{
    if (!p || body_len == 0 || body_len > UINT16_MAX) return NULL;
    size_t total = TERN_PADDED_HDR + body_len;
    if (total < TERN_PADDED_MIN) total = TERN_PADDED_MIN;
    if (tern_left(p, end) < total) return NULL;
    /* memmove: the caller may have packed the body in place at p + 3. */
    memmove(p + TERN_PADDED_HDR, body, body_len);
    p[0] = lead;
    tern_store_le16(p + 1, (uint16_t)body_len);
    memset(p + TERN_PADDED_HDR + body_len, 0, total - TERN_PADDED_HDR - body_len);
    return p + total;
}

const ProtobufCMessageDescriptor *tern_hs_descriptor(tern_pkt_kind kind)
{
    switch (kind) {
    case TERN_PKT_CHALLENGE_REQUEST:
        return &tern__challenge_request__descriptor;
    case TERN_PKT_CHALLENGE_REPLY:
        return &tern__challenge_reply__descriptor;
    case TERN_PKT_CONNECT_REQUEST:
        return &tern__connect_request__descriptor;
    case TERN_PKT_CONNECT_OK:
        return &tern__connect_ok__descriptor;
    case TERN_PKT_CONNECTION_CLOSED:
        return &tern__connection_closed__descriptor;
    case TERN_PKT_NO_CONNECTION:
        return &tern__no_connection__descriptor;
    case TERN_PKT_INVALID:
    case TERN_PKT_DATA:
        break;
    }
    return NULL;
}

tern_result tern_hs_decode(const uint8_t *dgram, size_t len, tern_arena *arena, tern_hs_msg *out)
{
    out->kind = TERN_PKT_INVALID;
    out->u.any = NULL;
    tern_pkt_kind kind = tern_pkt_kind_of(dgram, len);
    if (kind == TERN_PKT_DATA) return TERN_INVALID_PARAM;
    const ProtobufCMessageDescriptor *desc = tern_hs_descriptor(kind);
    if (!desc) return TERN_MALFORMED;

    const uint8_t *body = dgram + 1;
    size_t body_len = len - 1;
    if (tern_pkt_is_padded(kind)) {
        tern_result r = tern_padded_decode(dgram, len, &body, &body_len);
        if (r != TERN_OK) return r;
    }
    ProtobufCMessage *m;
    tern_result r = tern_pb_unpack(desc, body, body_len, arena, &m);
    if (r != TERN_OK) return r;
    out->kind = kind;
    out->u.any = m;
    return TERN_OK;
}

uint8_t *tern_hs_encode(uint8_t *p, uint8_t *end, const tern_hs_msg *in)
{
    const ProtobufCMessageDescriptor *desc = tern_hs_descriptor(in->kind);
    if (!p || !desc || !in->u.any || in->u.any->descriptor != desc) return NULL;
    if (!tern_pkt_is_padded(in->kind)) {
        uint8_t *q = tern_pb_pack(tern_write_u8(p, end, (uint8_t)in->kind), end, in->u.any);
        /* A receiver ignores anything shorter; sending it would be a bug. */
        return q && q - p >= TERN_DGRAM_MIN ? q : NULL;
    }
    /* Pack straight into place behind the padded header, then frame it. */
    if (tern_left(p, end) < TERN_PADDED_HDR) return NULL;
    uint8_t *body = p + TERN_PADDED_HDR;
    uint8_t *q = tern_pb_pack(body, end, in->u.any);
    if (!q) return NULL;
    return tern_padded_encode(p, end, (uint8_t)in->kind, body, (size_t)(q - body));
}
