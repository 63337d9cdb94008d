#include "wire/stats.h"

tern_result tern_stats_decode(const uint8_t *data, size_t len, tern_arena *arena,
                              Tern__UdpStats **out)
{
    ProtobufCMessage *m;
    tern_result r = tern_pb_unpack(&tern__udp_stats__descriptor, data, len, arena, &m);
    *out = (Tern__UdpStats *)m;
    return r;
}

uint8_t *tern_stats_encode(uint8_t *p, uint8_t *end, const Tern__UdpStats *in)
{
    if (!in || in->base.descriptor != &tern__udp_stats__descriptor) return NULL;
    return tern_pb_pack(p, end, &in->base);
}

static uint32_t implied(const Tern__UdpStats *s)
{
    return s->stats ? TERN_STATS_ACK_REQUEST_E2E : 0;
}

uint32_t tern_stats_effective_flags(const Tern__UdpStats *s)
{
    return (s->has_flags ? s->flags : 0) | implied(s);
}

int tern_stats_is_ack_request(const Tern__UdpStats *s)
{
    return (tern_stats_effective_flags(s) & TERN_STATS_ACK_REQUEST_E2E) != 0;
}

void tern_stats_set_flags(Tern__UdpStats *s, uint32_t flags)
{
    s->has_flags = (flags & ~implied(s)) != 0;
    s->flags = s->has_flags ? flags : 0;
}
