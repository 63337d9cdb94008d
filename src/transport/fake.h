/* Fake network conditions (GNS's FakePacketLoss/Lag/Reorder/Dup/Jitter and
 * FakeRateLimit options), per direction: 0 = send, 1 = receive. Packets that
 * survive are held in a queue until their delay has passed. Callers
 * serialise access (the transport holds its tx lock). */
#ifndef TERN_TRANSPORT_FAKE_H
#define TERN_TRANSPORT_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport/transport.h"

typedef struct tern_fake_pkt {
    int64_t due;
    uint64_t seq;
    uint32_t sock;
    tern_addr addr;  /* send: the destination; receive: the source */
    tern_addr local; /* send: the source asked for; receive: where it arrived */
    uint8_t *data;
    size_t len;
} tern_fake_pkt;

typedef struct tern_fake_q {
    tern_fake_pkt *h;
    size_t n, cap;
    double tokens;
    int64_t tokens_at;
} tern_fake_q;

typedef struct tern_fake {
    tern_fake_net cfg;
    uint64_t rng;
    uint64_t seq;
    uint64_t dropped;
    tern_fake_q q[2];
} tern_fake;

void tern_fake_init(tern_fake *f, uint64_t seed);
void tern_fake_free(tern_fake *f, const tern_mem *mem);
void tern_fake_configure(tern_fake *f, const tern_fake_net *cfg);
/* Any condition set for direction |dir|? */
bool tern_fake_active(const tern_fake *f, int dir);
/* Apply the conditions to one packet (copied); it may be dropped. */
void tern_fake_push(tern_fake *f, const tern_mem *mem, int dir, int64_t now, uint32_t sock,
                    const tern_addr *addr, const tern_addr *local, const uint8_t *data, size_t len);
bool tern_fake_pending(const tern_fake *f, int dir);
/* The earliest queued packet if due by |now| (ownership to the caller). */
bool tern_fake_pop_due(tern_fake *f, int dir, int64_t now, tern_fake_pkt *out);
void tern_fake_pkt_free(tern_fake *f, const tern_mem *mem, tern_fake_pkt *p);
int64_t tern_fake_next_due(const tern_fake *f);
uint64_t tern_fake_dropped(const tern_fake *f);

#endif
