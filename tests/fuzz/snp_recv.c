/* Fuzz the SNP engine's packet input (tern_snp_recv) with hostile packet
 * sequences, on an engine that also sends: after every packet it builds
 * again, so acks, loss detection, retransmission, the timers and pacing all
 * run on whatever state the input produced.
 *
 * Input:
 *   byte 0: packet count - 1 (1..256);
 *   byte 1: bits 0-1: room the engine gets per packet (1232, 600, 200, 80
 *           bytes); bit 2: receiving stops (linger) from the 9th packet on;
 *           bits 3-7: n > 0 makes the n-th allocation from the first packet
 *           on fail (once), for the out-of-memory paths.
 * Then per packet a 4-byte header and the payload:
 *   [0]    packet number: the engine's highest received + (int8_t)[0],
 *          through the 16-bit wire expansion, then the replay filter;
 *          -128 instead jumps 0x4000 ahead, or one more with act bit 7 (the
 *          lurch limit);
 *   [1]    actions: bits 0-3: time advances n x 2 ms first; bit 4: the
 *          application takes every delivered message first; bit 5: queue a
 *          reliable message afterwards; bit 6: an unreliable one; bit 7: the
 *          peer asked for an immediate ack (stats flag);
 *   [2..3] u16le payload length, clipped to what is left.
 *
 * Oracles: ASan/UBSan; every packet the engine builds fits its buffer and
 * decodes, without message-number deltas a receiver would reject; a fatal
 * result comes with an end reason; at most RecvBufferMessages messages wait
 * undelivered; after tern_snp_free every allocation is back (a counting
 * allocator). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snp/snp.h"
#include "util/msgpool.h"
#include "wire/frames.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP       1232 /* plaintext room at MTU 1300 */
#define RECV_MSGS 16

static const size_t caps[4] = {CAP, 600, 200, 80};

typedef struct fz {
    tern_snp s;
    tern_msgpool *pool;
    tern_mem mem;
    long live;
    long fail_in; /* the n-th allocation from now fails; 0 = never */
    tern_message *q[RECV_MSGS];
    size_t nq;
    size_t cap;
    int64_t now;
    uint32_t seq;
    uint8_t sink;
    /* the seed generator watches the packets the engine builds */
    void (*on_built)(void *user, int64_t pn, const uint8_t *p, size_t n);
    void *user;
} fz;

typedef struct blk {
    size_t n, pad;
} blk;

static void *f_malloc(size_t n, void *u)
{
    fz *f = u;
    if (f->fail_in && --f->fail_in == 0) return NULL;
    blk *h = malloc(sizeof *h + n);
    if (!h) return NULL;
    h->n = n;
    f->live++;
    return h + 1;
}
static void f_free(void *p, void *u)
{
    if (!p) return;
    fz *f = u;
    f->live--;
    free((blk *)p - 1);
}
static void *f_calloc(size_t k, size_t n, void *u)
{
    if (n && k > SIZE_MAX / n) return NULL;
    void *p = f_malloc(k * n, u);
    if (p) memset(p, 0, k * n);
    return p;
}
static void *f_realloc(void *p, size_t n, void *u)
{
    if (!p) return f_malloc(n, u);
    blk *h = (blk *)p - 1;
    void *q = f_malloc(n, u);
    if (!q) return NULL;
    memcpy(q, p, h->n < n ? h->n : n);
    f_free(p, u);
    return q;
}

static void on_deliver(void *user, tern_message *m)
{
    fz *f = user;
    const uint8_t *d = m->data;
    for (int32_t i = 0; i < m->size; i++) f->sink ^= d[i];
    /* the engine never queues more than RecvBufferMessages */
    if (f->nq == RECV_MSGS) abort();
    f->q[f->nq++] = m;
}

/* The engine never emits what a receiver would kill the connection for. */
static void check_built(const fz *f, const uint8_t *p, size_t n)
{
    if (n > f->cap) abort();
    const uint8_t *q = p, *end = p + n;
    tern_frame_ctx ctx = {0};
    tern_frame fr;
    while (q < end) {
        if (tern_frame_decode(&q, end, &ctx, &fr) != TERN_OK) abort();
        if (fr.type == TERN_FRAME_UNREL && fr.u.unrel.msgnum_form == TERN_MSGNUM_DELTA &&
            fr.u.unrel.msgnum > (1ull << 40))
            abort();
        if (fr.type == TERN_FRAME_REL && fr.u.rel.pos_form == TERN_POS_ABS48 && fr.u.rel.pos == 0)
            abort();
    }
}

static void build_some(fz *f, bool force)
{
    uint8_t *buf = malloc(f->cap); /* exact size: ASan sees a write past it */
    if (!buf) abort();
    for (int i = 0; i < 3; i++) {
        tern_snp_pkt out;
        if (!tern_snp_build(&f->s, f->now, buf, f->cap, force && i == 0, &out)) break;
        check_built(f, buf, out.len);
        if (f->on_built) f->on_built(f->user, out.pktnum, buf, out.len);
    }
    free(buf);
}

static void take_all(fz *f, bool *dead)
{
    uint64_t bytes = 0;
    uint32_t n = (uint32_t)f->nq;
    for (size_t i = 0; i < f->nq; i++) {
        bytes += (uint64_t)f->q[i]->size;
        f->q[i]->release(f->q[i]);
    }
    f->nq = 0;
    tern_snp_rx rx;
    if (tern_snp_consumed(&f->s, f->now, bytes, n, &rx) != TERN_OK) {
        if (rx.end_reason == 0) abort();
        *dead = true;
    }
}

static void queue_msg(fz *f, bool reliable)
{
    static uint8_t payload[3000];
    uint32_t k = f->seq++;
    size_t len = (k * 397u) % sizeof payload;
    memset(payload, (int)k, len);
    int64_t mn;
    tern_result r =
        tern_snp_send(&f->s, f->now, payload, len,
                      reliable ? TERN_SEND_RELIABLE : TERN_SEND_NO_NAGLE, (uint16_t)(k % 3), &mn);
    if (r != TERN_OK && r != TERN_LIMIT_EXCEEDED && r != TERN_IGNORED && r != TERN_NOMEM) abort();
}

/* The engine the input talks to: small receive limits (so that they are
 * reached), three send lanes, and some data already sent so that the
 * input's acks have something to ack. */
static void fz_setup(fz *f, uint8_t conf,
                     void (*on_built)(void *, int64_t, const uint8_t *, size_t), void *user)
{
    memset(f, 0, sizeof *f);
    f->on_built = on_built;
    f->user = user;
    f->cap = caps[conf & 3];
    f->mem = (tern_mem){f, f_malloc, f_free, f_calloc, f_realloc};
    f->pool = tern_msgpool_new(&f->mem);
    if (!f->pool) abort();
    tern_snp_cfg cfg;
    tern_snp_cfg_default(&cfg);
    cfg.send_buffer = 65536;
    cfg.recv_buffer = 8192;
    cfg.recv_buffer_msgs = RECV_MSGS;
    cfg.recv_max_msg = 6000;
    cfg.recv_max_segs = 64;
    tern_snp_ops ops = {on_deliver};
    if (tern_snp_init(&f->s, &cfg, &f->mem, f->pool, &ops, f, 0) != TERN_OK) abort();
    if (tern_snp_configure_lanes(&f->s, 3, (const int[]){0, 0, 1}, NULL) != TERN_OK) abort();
    for (int i = 0; i < 6; i++) queue_msg(f, i % 3 != 1);
    build_some(f, false);
    f->now = 3000;
    build_some(f, false);
    f->fail_in = conf >> 3;
}

static void fz_teardown(fz *f)
{
    for (size_t i = 0; i < f->nq; i++) f->q[i]->release(f->q[i]);
    f->nq = 0;
    f->fail_in = 0;
    tern_snp_free(&f->s);
    tern_msgpool_del(f->pool);
    if (f->live != 0) abort(); /* leaked (or double-freed) */
}

/* One input packet; false once the connection is dead. */
static bool fz_packet(fz *f, uint8_t delta, uint8_t act, const uint8_t *p, size_t n)
{
    bool dead = false;
    f->now += (int64_t)(act & 15) * 2000;
    if (act & 0x10) take_all(f, &dead);
    if (dead) return false;
    int64_t pn;
    if (delta == 0x80)
        pn = f->s.max_recv + 0x4000 + (act >> 7);
    else
        pn = tern_snp_expand_pktnum(&f->s, (uint16_t)(f->s.max_recv + (int8_t)delta));
    if (tern_snp_precheck(&f->s, pn) == TERN_OK) {
        /* an exact-size copy so that ASan sees any read past the end */
        uint8_t *copy = malloc(n ? n : 1);
        if (!copy) abort();
        if (n) memcpy(copy, p, n);
        tern_snp_rx rx;
        tern_result r = tern_snp_recv(&f->s, f->now, pn, copy, n, &rx);
        free(copy);
        if (r != TERN_OK) {
            if (r != TERN_PROTOCOL_VIOLATION || rx.end_reason == 0) abort();
            return false;
        }
        if (act & 0x80) tern_snp_ack_request(&f->s, f->now, true);
    }
    if (act & 0x20) queue_msg(f, true);
    if (act & 0x40) queue_msg(f, false);
    build_some(f, false);
    /* whatever timer is due next (ack, NACK grace, RTO, pacing), if soon */
    int64_t w = tern_snp_next_wake(&f->s, f->now);
    if (w <= f->now + 1000000) {
        if (w > f->now) f->now = w;
        build_some(f, false);
    }
    tern_snp_lane_status st[3];
    tern_snp_status(&f->s, f->now, NULL, st, 3);
    (void)tern_snp_reliable_outstanding(&f->s);
    return true;
}

static fz F;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    unsigned npkts = data[0] + 1u;
    fz_setup(&F, data[1], NULL, NULL);
    size_t off = 2;
    for (unsigned i = 0; i < npkts && off + 4 <= size; i++) {
        uint8_t delta = data[off], act = data[off + 1];
        size_t len = (size_t)data[off + 2] | (size_t)data[off + 3] << 8;
        off += 4;
        if (len > size - off) len = size - off;
        if (i == 8 && (data[1] & 4)) F.s.rx_enabled = false;
        bool alive = fz_packet(&F, delta, act, data + off, len);
        off += len;
        if (!alive) break;
    }
    fz_teardown(&F);
    return 0;
}
