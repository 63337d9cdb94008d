/* The SNP engine end to end: two tern_snp instances wired back to back, the
 * plaintext of one's tern_snp_build going straight into the other's
 * tern_snp_recv, with time driven by explicit |now| values. Also hostile
 * payloads fed to a lone engine, and allocation failures.
 *
 * Every engine allocates through a counting tern_mem; every test frees its
 * engines and checks that nothing is left. */
#include <stdlib.h>
#include <string.h>

#include "snp/snp.h"
#include "testutil.h"
#include "util/msgpool.h"
#include "wire/frames.h"

#define CAP   1232  /* SNP plaintext room at MTU 1300: 1300 - 52 - 16 */
#define QMAX  4096  /* delivered messages an endpoint holds */
#define DELAY 10000 /* one-way link delay in run(), usec */

/* --- counting allocator ------------------------------------------------------- */

typedef struct cmem {
    tern_mem mem;
    int64_t bytes; /* live */
    long live;
    long allocs;
    long fail_in; /* the n-th allocation from now fails; 0 = never */
} cmem;

typedef struct blk {
    size_t n;
    size_t pad; /* keeps the caller's alignment */
} blk;

static bool cm_fail(cmem *c)
{
    return c->fail_in && --c->fail_in == 0;
}
static void *cm_malloc(size_t n, void *u)
{
    cmem *c = u;
    if (cm_fail(c)) return NULL;
    blk *h = malloc(sizeof *h + n);
    if (!h) return NULL;
    h->n = n;
    c->bytes += (int64_t)n;
    c->live++;
    c->allocs++;
    return h + 1;
}
static void cm_free(void *p, void *u)
{
    if (!p) return;
    cmem *c = u;
    blk *h = (blk *)p - 1;
    c->bytes -= (int64_t)h->n;
    c->live--;
    free(h);
}
static void *cm_calloc(size_t k, size_t n, void *u)
{
    if (n && k > SIZE_MAX / n) return NULL;
    void *p = cm_malloc(k * n, u);
    if (p) memset(p, 0, k * n);
    return p;
}
static void *cm_realloc(void *p, size_t n, void *u)
{
    if (!p) return cm_malloc(n, u);
    blk *h = (blk *)p - 1;
    void *q = cm_malloc(n, u);
    if (!q) return NULL;
    memcpy(q, p, h->n < n ? h->n : n);
    cm_free(p, u);
    return q;
}

/* --- endpoints --------------------------------------------------------------- */

typedef struct ep {
    tern_snp s;
    cmem cm;
    tern_msgpool *pool;
    tern_message *q[QMAX]; /* delivered, not yet released */
    size_t nq;
    size_t total; /* ever delivered */
} ep;

static void on_deliver(void *user, tern_message *m)
{
    ep *e = user;
    assert_true(e->nq < QMAX);
    e->q[e->nq++] = m;
    e->total++;
}

static ep *ep_new(const tern_snp_cfg *cfg, int64_t now)
{
    ep *e = calloc(1, sizeof *e);
    assert_non_null(e);
    e->cm.mem = (tern_mem){&e->cm, cm_malloc, cm_free, cm_calloc, cm_realloc};
    e->pool = tern_msgpool_new(&e->cm.mem);
    assert_non_null(e->pool);
    tern_snp_cfg c;
    if (cfg)
        c = *cfg;
    else
        tern_snp_cfg_default(&c);
    tern_snp_ops ops = {on_deliver};
    assert_int_equal(tern_snp_init(&e->s, &c, &e->cm.mem, e->pool, &ops, e, now), TERN_OK);
    return e;
}

static void ep_release_all(ep *e)
{
    for (size_t i = 0; i < e->nq; i++) e->q[i]->release(e->q[i]);
    e->nq = 0;
}

static void ep_free(ep *e)
{
    ep_release_all(e);
    e->cm.fail_in = 0;
    tern_snp_free(&e->s);
    tern_msgpool_del(e->pool);
    assert_int_equal(e->cm.live, 0);
    assert_true(e->cm.bytes == 0);
    free(e);
}

static int64_t qsend(ep *e, int64_t now, const void *d, size_t n, int flags, uint16_t lane)
{
    int64_t mn = -1;
    assert_int_equal(tern_snp_send(&e->s, now, d, n, flags, lane, &mn), TERN_OK);
    assert_true(mn >= 1);
    return mn;
}

/* Payload bytes that name their message, so a mix-up shows. */
static void fill(uint8_t *b, size_t n, uint32_t tag)
{
    uint32_t x = tag * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b[i] = (uint8_t)x;
    }
}

static void check_msg(const tern_message *m, uint16_t lane, int64_t msgnum, bool reliable,
                      size_t size, uint32_t tag)
{
    assert_int_equal(m->lane, lane);
    assert_true(m->message_number == msgnum);
    assert_int_equal((m->flags & TERN_SEND_RELIABLE) != 0, reliable);
    assert_int_equal((size_t)m->size, size);
    if (size) {
        uint8_t *want = malloc(size);
        assert_non_null(want);
        fill(want, size, tag);
        assert_memory_equal(m->data, want, size);
        free(want);
    }
}

/* --- packets ----------------------------------------------------------------- */

typedef struct pkt {
    int64_t pn;
    size_t len;
    bool elicit, req;
    uint8_t b[CAP];
} pkt;

static bool build(ep *e, int64_t now, pkt *p, bool force)
{
    tern_snp_pkt out;
    memset(p, 0, sizeof *p);
    if (!tern_snp_build(&e->s, now, p->b, CAP, force, &out)) return false;
    assert_true(out.len <= CAP);
    p->pn = out.pktnum;
    p->len = out.len;
    p->elicit = out.elicits_ack;
    p->req = out.want_ack_request;
    return true;
}

/* What the connection layer does with a decrypted packet: expand the 16 wire
 * bits, filter replays, hand the payload over. TERN_IGNORED for a replay. */
static tern_result recv_pkt(ep *e, int64_t now, const pkt *p, tern_snp_rx *rx)
{
    int64_t pn = tern_snp_expand_pktnum(&e->s, (uint16_t)p->pn);
    assert_true(pn == p->pn);
    if (tern_snp_precheck(&e->s, pn) != TERN_OK) return TERN_IGNORED;
    tern_result r = tern_snp_recv(&e->s, now, pn, p->b, p->len, rx);
    if (r == TERN_OK && p->req) tern_snp_ack_request(&e->s, now, true);
    return r;
}

static void recv_ok(ep *e, int64_t now, const pkt *p, bool ack_it)
{
    tern_snp_rx rx;
    assert_int_equal(recv_pkt(e, now, p, &rx), TERN_OK);
    assert_int_equal(rx.ack_it, ack_it);
}

/* A hand-made payload under packet number |pn|. */
static tern_result recv_raw(ep *e, int64_t now, int64_t pn, const char *hex, tern_snp_rx *rx)
{
    uint8_t b[2048];
    size_t n = tt_hex(hex, b, sizeof b);
    return tern_snp_recv(&e->s, now, pn, b, n, rx);
}

/* Decoded frames of a packet (segment data points into the packet). */
typedef struct frames {
    size_t n;
    tern_frame f[64];
    uint32_t lane[64]; /* decode context lane after the frame */
    size_t off[64];    /* where the frame starts in the packet */
} frames;
static frames fr;

static const frames *parse(const pkt *p)
{
    const uint8_t *q = p->b, *end = p->b + p->len;
    tern_frame_ctx ctx = {0};
    fr.n = 0;
    while (q < end) {
        assert_true(fr.n < 64);
        fr.off[fr.n] = (size_t)(q - p->b);
        assert_int_equal(tern_frame_decode(&q, end, &ctx, &fr.f[fr.n]), TERN_OK);
        fr.lane[fr.n] = ctx.lane;
        fr.n++;
    }
    return &fr;
}

static const tern_frame *find(const frames *f, int type, size_t nth)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->f[i].type == type && nth-- == 0) return &f->f[i];
    return NULL;
}

/* --- a link with delay and a loss hook --------------------------------------- */

typedef bool (*drop_fn)(void *ctx, const ep *from, const pkt *p);

typedef struct flight {
    ep *from, *to;
    int64_t at;
    pkt p;
} flight;

static struct link {
    flight *f;
    size_t n, cap;
    drop_fn drop;
    void *ctx;
} L;

static void link_reset(drop_fn drop, void *ctx)
{
    free(L.f);
    memset(&L, 0, sizeof L);
    L.drop = drop;
    L.ctx = ctx;
}

static void pump(ep *from, ep *to, int64_t now)
{
    pkt p;
    for (int i = 0; i < 1000 && build(from, now, &p, false); i++) {
        if (L.drop && L.drop(L.ctx, from, &p)) continue;
        if (L.n == L.cap) {
            L.cap = L.cap ? 2 * L.cap : 64;
            L.f = realloc(L.f, L.cap * sizeof *L.f);
            assert_non_null(L.f);
        }
        L.f[L.n++] = (flight){from, to, now + DELAY, p};
    }
}

/* Run both directions until |until| or until nothing is left to do; returns
 * the time reached. Arrivals keep their order (one delay for all). */
static int64_t run(ep *a, ep *b, int64_t now, int64_t until)
{
    for (int iter = 0; iter < 1000000; iter++) {
        size_t k = 0;
        while (k < L.n && L.f[k].at <= now) {
            tern_snp_rx rx;
            tern_result r = recv_pkt(L.f[k].to, now, &L.f[k].p, &rx);
            assert_true(r == TERN_OK || r == TERN_IGNORED);
            k++;
        }
        if (k) {
            memmove(L.f, L.f + k, (L.n - k) * sizeof *L.f);
            L.n -= k;
        }
        pump(a, b, now);
        pump(b, a, now);
        int64_t next = L.n ? L.f[0].at : INT64_MAX;
        int64_t wa = tern_snp_next_wake(&a->s, now), wb = tern_snp_next_wake(&b->s, now);
        if (wa < next) next = wa;
        if (wb < next) next = wb;
        if (next <= now) next = now + 1;
        if (next > until) return next == INT64_MAX ? now : until;
        now = next;
    }
    fail_msg("run() did not settle");
    return now;
}

/* --- tests: packets and messages -------------------------------------------- */

/* WIRE.md Appendix B: the first packet of a v13 connection carrying "hi". */
static void test_first_packet_vector(void **state)
{
    (void)state;
    ep *a = ep_new(NULL, 0), *b = ep_new(NULL, 0);
    assert_int_equal(qsend(a, 0, "hi", 2, TERN_SEND_RELIABLE | TERN_SEND_NO_NAGLE, 0), 1);
    pkt p;
    assert_true(build(a, 0, &p, false));
    assert_true(p.pn == 2);
    assert_true(p.elicit);
    uint8_t want[64];
    size_t n = tt_hex("80 01  98 01 00 ff ff  57 01 00 00 00 00 00  02 68 69", want, sizeof want);
    assert_int_equal(p.len, n);
    assert_memory_equal(p.b, want, n);
    pkt none;
    assert_false(build(a, 0, &none, false)); /* nothing else due */

    recv_ok(b, 7, &p, true);
    assert_int_equal(b->nq, 1);
    const tern_message *m = b->q[0];
    assert_int_equal(m->size, 2);
    assert_memory_equal(m->data, "hi", 2);
    assert_true(m->message_number == 1);
    assert_int_equal(m->lane, 0);
    assert_int_equal(m->flags, TERN_SEND_RELIABLE);
    assert_true(m->time_received == 7);
    ep_free(a);
    ep_free(b);
}

/* A forced packet with nothing to send: stop-waiting and the initial ack. */
static void test_keepalive(void **state)
{
    (void)state;
    ep *a = ep_new(NULL, 0);
    pkt p;
    assert_false(build(a, 0, &p, false));
    assert_true(tern_snp_next_wake(&a->s, 0) == INT64_MAX);
    assert_true(build(a, 1, &p, true));
    uint8_t want[16];
    size_t n = tt_hex("80 01 98 01 00 ff ff", want, sizeof want);
    assert_true(p.pn == 2);
    assert_false(p.elicit);
    assert_int_equal(p.len, n);
    assert_memory_equal(p.b, want, n);
    /* packet numbers advance for packets without data too */
    assert_true(build(a, 2, &p, true));
    assert_true(p.pn == 3);
    n = tt_hex("80 02 98 01 00 ff ff", want, sizeof want);
    assert_memory_equal(p.b, want, n);
    assert_true(a->s.bytes_in_flight == 0);
    ep_free(a);
}

static void test_reliable_roundtrip(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 31, 32, 100, 1131, 1132, 1500, 5000, 70000, 3};
    enum { N = sizeof sizes / sizeof sizes[0] };
    link_reset(NULL, NULL);
    ep *a = ep_new(NULL, 0), *b = ep_new(NULL, 0);
    static uint8_t buf[70000];
    for (size_t i = 0; i < N; i++) {
        fill(buf, sizes[i], (uint32_t)i);
        assert_true(qsend(a, 0, buf, sizes[i], TERN_SEND_RELIABLE, 0) == (int64_t)i + 1);
    }
    assert_true(tern_snp_reliable_outstanding(&a->s));
    run(a, b, 0, 5000000);
    assert_int_equal(b->nq, N);
    for (size_t i = 0; i < N; i++)
        check_msg(b->q[i], 0, (int64_t)i + 1, true, sizes[i], (uint32_t)i);
    /* every byte acknowledged, nothing left anywhere */
    tern_snp_lane_status st;
    tern_snp_status(&a->s, 0, &st, NULL, 0);
    assert_true(st.pending_rel == 0 && st.pending_unrel == 0 && st.sent_unacked_rel == 0);
    assert_false(tern_snp_reliable_outstanding(&a->s));
    assert_true(a->s.bytes_in_flight == 0);
    assert_true(a->s.stats.pkts_lost == 0);
    /* the acks' delay field took the receiver's hold time out of the RTT */
    assert_true(tern_rtt_known(&a->s.rtt));
    assert_true(a->s.rtt.min >= 2 * DELAY && a->s.rtt.min < 2 * DELAY + 32);
    ep_free(a);
    ep_free(b);
    link_reset(NULL, NULL);
}

/* Message numbers count per lane from 1, reliable and unreliable alike;
 * lanes of 8 and above use the explicit select-lane form. */
static void test_msgnums_and_lanes(void **state)
{
    (void)state;
    static const struct {
        uint16_t lane;
        bool rel;
        int64_t num;
    } plan[] = {{0, true, 1},  {0, false, 2}, {1, false, 1}, {9, true, 1}, {0, true, 3},
                {9, false, 2}, {1, true, 2},  {0, false, 4}, {9, true, 3}};
    enum { N = sizeof plan / sizeof plan[0] };
    link_reset(NULL, NULL);
    ep *a = ep_new(NULL, 0), *b = ep_new(NULL, 0);
    assert_int_equal(tern_snp_configure_lanes(&a->s, 10, NULL, NULL), TERN_OK);
    uint8_t buf[40];
    for (size_t i = 0; i < N; i++) {
        fill(buf, sizeof buf, (uint32_t)(plan[i].lane * 100 + plan[i].num));
        int flags = plan[i].rel ? TERN_SEND_RELIABLE : 0;
        assert_true(qsend(a, 0, buf, sizeof buf, flags, plan[i].lane) == plan[i].num);
    }
    tern_snp_flush(&a->s);
    pkt p;
    assert_true(build(a, 0, &p, false));
    /* lane 1 is selected by 0x88, lane 9 by 0x8f + varint 9 (§6.8) */
    const frames *f = parse(&p);
    bool saw1 = false, saw9 = false;
    for (size_t i = 0; i < f->n; i++) {
        if (f->f[i].type != TERN_FRAME_LANE) continue;
        const uint8_t *at = p.b + f->off[i];
        if (f->f[i].u.lane == 1) saw1 = at[0] == 0x88;
        if (f->f[i].u.lane == 9) saw9 = at[0] == 0x8f && at[1] == 0x09;
    }
    assert_true(saw1 && saw9);
    recv_ok(b, 0, &p, true);
    run(a, b, 0, 1000000);

    assert_int_equal(b->nq, N);
    for (size_t i = 0; i < N; i++) {
        const tern_message *m = NULL;
        for (size_t k = 0; k < b->nq; k++)
            if (b->q[k]->lane == plan[i].lane && b->q[k]->message_number == plan[i].num)
                m = b->q[k];
        assert_non_null(m);
        check_msg(m, plan[i].lane, plan[i].num, plan[i].rel, sizeof buf,
                  (uint32_t)(plan[i].lane * 100 + plan[i].num));
    }
    ep_free(a);
    ep_free(b);
    link_reset(NULL, NULL);
}

static void test_send_errors(void **state)
{
    (void)state;
    tern_snp_cfg cfg;
    tern_snp_cfg_default(&cfg);
    cfg.max_send_msg = 1000;
    cfg.send_buffer = 3000;
    ep *a = ep_new(&cfg, 0);
    uint8_t buf[1001] = {0};
    int64_t mn = 77;
    assert_int_equal(tern_snp_send(&a->s, 0, buf, 10, 0, 1, &mn), TERN_INVALID_PARAM);
    assert_int_equal(tern_snp_send(&a->s, 0, buf, 1001, TERN_SEND_RELIABLE, 0, &mn),
                     TERN_MSG_TOO_BIG);
    assert_int_equal(tern_snp_send(&a->s, 0, buf, 1001, 0, 0, &mn), TERN_MSG_TOO_BIG);
    assert_int_equal(tern_snp_send(&a->s, 0, NULL, 5, 0, 0, &mn), TERN_INVALID_PARAM);
    assert_true(mn == 77);                                              /* untouched on failure */
    assert_int_equal(qsend(a, 0, buf, 1000, TERN_SEND_RELIABLE, 0), 1); /* 1002 framed */
    assert_int_equal(qsend(a, 0, buf, 1000, 0, 0), 2);
    /* queued bytes count framed, 2002 here; 999 more do not fit in 3000
     * (whether the new message counts framed, 1001, or bare as in GNS) */
    assert_int_equal(tern_snp_send(&a->s, 0, buf, 999, TERN_SEND_RELIABLE, 0, &mn),
                     TERN_LIMIT_EXCEEDED);
    /* refused, not dropped: nothing was queued and no number was spent */
    tern_snp_lane_status st;
    tern_snp_status(&a->s, 0, &st, NULL, 0);
    assert_true(st.pending_rel == 1002 && st.pending_unrel == 1000);
    assert_int_equal(qsend(a, 0, buf, 998, 0, 0), 3); /* exactly full */
    assert_int_equal(qsend(a, 0, buf, 0, 0, 0), 4);   /* zero bytes fit a full buffer */
    assert_int_equal(tern_snp_send(&a->s, 0, buf, 1, 0, 0, &mn), TERN_LIMIT_EXCEEDED);
    assert_int_equal(tern_snp_send(&a->s, 0, buf, 1, TERN_SEND_RELIABLE, 0, &mn),
                     TERN_LIMIT_EXCEEDED);
    /* sending frees the buffer */
    tern_snp_flush(&a->s);
    pkt p;
    int n = 0;
    while (build(a, 0, &p, false)) n++;
    assert_true(n >= 3);
    assert_true(a->s.pending_bytes == 0);
    assert_int_equal(qsend(a, 0, buf, 999, TERN_SEND_RELIABLE, 0), 5);
    ep_free(a);
}

/* Fill the engine's window or bucket with one-packet messages. */
static void send_until(ep *a, int64_t *now, bool (*done)(const ep *), int flags, int64_t step)
{
    uint8_t buf[1100] = {0};
    pkt p;
    for (int i = 0; i < 1000 && !done(a); i++) {
        qsend(a, *now, buf, sizeof buf, flags | TERN_SEND_NO_NAGLE, 0);
        while (build(a, *now, &p, false)) {}
        *now += step;
    }
    assert_true(done(a));
}

static bool window_full(const ep *a)
{
    return a->s.bytes_in_flight >= a->s.cc.cwnd && a->s.pending_bytes == 0;
}

static bool bucket_empty(const ep *a)
{
    return a->s.cc.tokens < 0 && a->s.pending_bytes == 0;
}

static void test_nodelay(void **state)
{
    (void)state;
    uint8_t buf[10] = {1};
    int64_t mn = 0;
    ep *a = ep_new(NULL, 0);
    /* nothing queued, pacer and window open: accepted */
    assert_int_equal(qsend(a, 0, buf, 10, TERN_SEND_NO_DELAY, 0), 1);
    /* something queued ahead: dropped, nothing queued */
    assert_int_equal(tern_snp_send(&a->s, 0, buf, 10, TERN_SEND_NO_DELAY, 0, &mn), TERN_IGNORED);
    assert_true(a->s.pending_bytes == 10);
    /* the flag means nothing to a reliable message */
    assert_int_equal(qsend(a, 0, buf, 10, TERN_SEND_NO_DELAY | TERN_SEND_RELIABLE, 0), 2);
    pkt p;
    assert_true(build(a, 0, &p, false)); /* NoDelay implies NoNagle */
    const frames *f = parse(&p);
    assert_non_null(find(f, TERN_FRAME_UNREL, 0));
    assert_non_null(find(f, TERN_FRAME_REL, 0));
    assert_null(find(f, TERN_FRAME_UNREL, 1)); /* the dropped one never left */
    ep_free(a);

    /* the pacer says no */
    tern_snp_cfg cfg;
    tern_snp_cfg_default(&cfg);
    cfg.rate_max = 20000;
    a = ep_new(&cfg, 0);
    int64_t now = 0;
    send_until(a, &now, bucket_empty, 0, 0);
    assert_int_equal(tern_snp_send(&a->s, now, buf, 10, TERN_SEND_NO_DELAY, 0, &mn), TERN_IGNORED);
    assert_true(a->s.pending_bytes == 0);
    int64_t later = tern_cc_next_send_time(&a->s.cc, now);
    assert_true(later > now);
    assert_int_equal(tern_snp_send(&a->s, later, buf, 10, TERN_SEND_NO_DELAY, 0, &mn), TERN_OK);
    ep_free(a);

    /* the window says no */
    a = ep_new(NULL, 0);
    now = 0;
    send_until(a, &now, window_full, TERN_SEND_RELIABLE, 1000);
    assert_int_equal(tern_snp_send(&a->s, now + 100000, buf, 10, TERN_SEND_NO_DELAY, 0, &mn),
                     TERN_IGNORED);
    assert_true(a->s.pending_bytes == 0);
    ep_free(a);
}

/* GNS sends unreliable messages above 16500 bytes reliably (§6.13). */
static void test_big_unreliable(void **state)
{
    (void)state;
    link_reset(NULL, NULL);
    ep *a = ep_new(NULL, 0), *b = ep_new(NULL, 0);
    static uint8_t buf[16501];
    fill(buf, 16501, 1);
    assert_int_equal(qsend(a, 0, buf, 16501, 0, 0), 1);
    tern_snp_lane_status st;
    tern_snp_status(&a->s, 0, &st, NULL, 0);
    assert_true(st.pending_unrel == 0);
    assert_true(st.pending_rel == 16501 + 3); /* 0x20|low5, varint 515 */
    fill(buf, 16500, 2);
    assert_int_equal(qsend(a, 0, buf, 16500, 0, 0), 2);
    tern_snp_status(&a->s, 0, &st, NULL, 0);
    assert_true(st.pending_unrel == 16500);
    run(a, b, 0, 2000000);
    assert_int_equal(b->nq, 2);
    check_msg(b->q[0], 0, 1, true, 16501, 1);
    check_msg(b->q[1], 0, 2, false, 16500, 2); /* fragments reassembled */
    ep_free(a);
    ep_free(b);
    link_reset(NULL, NULL);
}

static void test_zero_bytes(void **state)
{
    (void)state;
    ep *a = ep_new(NULL, 0), *b = ep_new(NULL, 0);
    /* a zero-byte unreliable message alone: one segment, end set, no data */
    assert_int_equal(qsend(a, 0, NULL, 0, TERN_SEND_NO_NAGLE, 0), 1);
    pkt p;
    assert_true(build(a, 0, &p, false));
    const frames *f = parse(&p);
    const tern_frame *u = find(f, TERN_FRAME_UNREL, 0);
    assert_non_null(u);
    assert_true(u->u.unrel.end && u->u.unrel.len == 0 && u->u.unrel.offset == 0);
    assert_int_equal(p.b[p.len - 5], 0x37); /* e|m|sss=111: GNS's form, to the end */
    recv_ok(b, 0, &p, true);
    /* then a mix in one packet */
    assert_int_equal(qsend(a, 1, NULL, 0, TERN_SEND_RELIABLE, 0), 2);
    assert_int_equal(qsend(a, 1, NULL, 0, 0, 0), 3);
    assert_int_equal(qsend(a, 1, NULL, 0, TERN_SEND_RELIABLE, 0), 4);
    assert_int_equal(qsend(a, 1, NULL, 0, TERN_SEND_NO_NAGLE, 0), 5);
    assert_true(build(a, 1, &p, false));
    recv_ok(b, 1, &p, true);
    assert_int_equal(b->nq, 5);
    static const bool rel[5] = {false, true, false, true, false};
    for (size_t i = 0; i < 5; i++) check_msg(b->q[i], 0, (int64_t)i + 1, rel[i], 0, 0);
    ep_free(a);
    ep_free(b);
}

static void test_nagle(void **state)
{
    (void)state;
    ep *a = ep_new(NULL, 0); /* NagleTime 5000 us */
    uint8_t buf[1300] = {0};
    pkt p;
    qsend(a, 1000, buf, 10, TERN_SEND_RELIABLE, 0);
    assert_false(build(a, 1000, &p, false));
    assert_true(tern_snp_next_wake(&a->s, 1000) == 6000);
    assert_false(build(a, 5999, &p, false));
    assert_true(build(a, 6000, &p, false));
    assert_false(build(a, 6000, &p, false));

    /* NoNagle takes what is queued ahead of it along */
    qsend(a, 10000, buf, 10, 0, 0);
    assert_false(build(a, 11000, &p, false));
    qsend(a, 11000, buf, 10, TERN_SEND_NO_NAGLE, 0);
    assert_true(build(a, 11000, &p, false));
    const frames *f = parse(&p);
    assert_non_null(find(f, TERN_FRAME_UNREL, 1));

    /* flush: everything queued so far goes at once */
    qsend(a, 20000, buf, 10, TERN_SEND_RELIABLE, 0);
    assert_false(build(a, 20000, &p, false));
    tern_snp_flush(&a->s);
    assert_true(build(a, 20000, &p, false));

    /* a full packet's worth does not wait, nor does the rest of a message
     * whose first fragment left */
    qsend(a, 30000, buf, 1300, 0, 0);
    assert_true(build(a, 30000, &p, false));
    assert_true(build(a, 30000, &p, false));
    assert_false(build(a, 30000, &p, false));
    assert_true(a->s.pending_bytes == 0);
    ep_free(a);

    /* NagleTime 0 */
    tern_snp_cfg cfg;
    tern_snp_cfg_default(&cfg);
    cfg.nagle_usec = 0;
    a = ep_new(&cfg, 0);
    qsend(a, 5, buf, 10, 0, 0);
    assert_true(build(a, 5, &p, false));
    ep_free(a);
}

static void test_configure_lanes(void **state)
{
    (void)state;
    ep *a = ep_new(NULL, 0);
    uint16_t w[255];
    int prio[255];
    for (int i = 0; i < 255; i++) w[i] = 1, prio[i] = i % 3;
    assert_int_equal(tern_snp_configure_lanes(&a->s, 0, NULL, NULL), TERN_INVALID_PARAM);
    assert_int_equal(tern_snp_configure_lanes(&a->s, -1, NULL, NULL), TERN_INVALID_PARAM);
    assert_int_equal(tern_snp_configure_lanes(&a->s, 256, NULL, NULL), TERN_INVALID_PARAM);
    assert_int_equal(a->s.nlanes, 1);
    assert_int_equal(tern_snp_configure_lanes(&a->s, 4, prio, w), TERN_OK);
    assert_int_equal(a->s.nlanes, 4);
    assert_int_equal(a->s.tx[2].priority, 2);
    assert_int_equal(tern_snp_configure_lanes(&a->s, 3, NULL, NULL), TERN_INVALID_PARAM);
    w[1] = 0;
    assert_int_equal(tern_snp_configure_lanes(&a->s, 5, prio, w), TERN_INVALID_PARAM);
    assert_int_equal(a->s.nlanes, 4);
    w[1] = 7;
    /* the same count again may change priorities and weights */
    assert_int_equal(tern_snp_configure_lanes(&a->s, 4, NULL, w), TERN_OK);
    assert_int_equal(a->s.tx[2].priority, 0);
    assert_int_equal(a->s.tx[1].weight, 7);
    assert_int_equal(tern_snp_configure_lanes(&a->s, 255, NULL, NULL), TERN_OK);
    assert_int_equal(qsend(a, 0, "x", 1, 0, 254), 1);
    ep_free(a);

    /* a peer before protocol 11 knows one lane only */
    tern_snp_cfg cfg;
    tern_snp_cfg_default(&cfg);
    cfg.peer_version = 10;
    a = ep_new(&cfg, 0);
    assert_int_equal(tern_snp_configure_lanes(&a->s, 2, NULL, NULL), TERN_FAIL);
    assert_int_equal(a->s.nlanes, 1);
    assert_int_equal(tern_snp_configure_lanes(&a->s, 1, NULL, NULL), TERN_OK);
    ep_free(a);
}

/* --- tests: loss, acks, duplicates ------------------------------------------- */

static void test_loss_nack_retransmit(void **state)
{
    (void)state;
    ep *a = ep_new(NULL, 0), *b = ep_new(NULL, 0);
    uint8_t buf[100];
    pkt p, q, ack;
    fill(buf, 100, 1);
    qsend(a, 0, buf, 100, TERN_SEND_RELIABLE | TERN_SEND_NO_NAGLE, 0);
    assert_true(build(a, 0, &p, false)); /* packet 2: lost */
    fill(buf, 100, 2);
    qsend(a, 1000, buf, 100, TERN_SEND_RELIABLE | TERN_SEND_NO_NAGLE, 0);
    assert_true(build(a, 1000, &q, false)); /* packet 3 */
    assert_true(q.pn == 3);
    recv_ok(b, 1000, &q, true);
    assert_int_equal(b->nq, 0); /* message 2 waits behind the hole in the stream */

    /* within the 3 ms grace the hole may be reordering: no NACK yet */
    assert_false(build(b, 3999, &ack, false));
    assert_true(build(b, 2000, &ack, true));
    const tern_frame *f = find(parse(&ack), TERN_FRAME_ACK, 0);
    assert_non_null(f);
    assert_true(f->u.ack.latest == 1 && f->u.ack.nblocks == 0);
    assert_true(tern_snp_next_wake(&b->s, 2000) == 4000);

    /* after it: latest 3, one block = 1 acked (3), 1 missing (2) */
    assert_true(build(b, 4000, &ack, false));
    f = find(parse(&ack), TERN_FRAME_ACK, 0);
    assert_non_null(f);
    assert_true(f->u.ack.latest == 3);
    assert_int_equal(f->u.ack.nblocks, 1);
    assert_int_equal(f->u.ack.blocks[0].acks, 1);
    assert_int_equal(f->u.ack.blocks[0].nacks, 1);
    assert_int_equal(f->u.ack.delay, (4000 - 1000) >> 5);

    recv_ok(a, 4000, &ack, true);
    assert_true(a->s.stats.pkts_lost == 1);
    assert_true(a->s.retx_pending == 102);
    tern_snp_lane_status st;
    tern_snp_status(&a->s, 4000, &st, NULL, 0);
    assert_true(st.pending_rel == 102);    /* lost bytes wait to go again */
    assert_true(st.sent_unacked_rel == 0); /* 1..102 lost, 103..204 acked */

    /* the same stream bytes go out again, under a new packet number */
    assert_true(build(a, 4000, &p, false));
    assert_true(p.pn == 4);
    const tern_frame *r = find(parse(&p), TERN_FRAME_REL, 0);
    assert_non_null(r);
    assert_int_equal(r->u.rel.pos_form, TERN_POS_ABS48);
    assert_true(r->u.rel.pos == 1 && r->u.rel.len == 102);
    assert_int_equal(r->u.rel.data[0], 0x20 | (100 & 31)); /* relmsg header of message 1 */
    assert_true(a->s.retx_pending == 0);
    assert_true(a->s.stats.pkts_retx_bytes == 102);

    recv_ok(b, 4000, &p, true);
    assert_int_equal(b->nq, 2);
    check_msg(b->q[0], 0, 1, true, 100, 1);
    check_msg(b->q[1], 0, 2, true, 100, 2);
    ep_free(a);
    ep_free(b);
}

/* Nothing comes back at all: the retransmission timer (1 s before any RTT
 * sample), then backoff. */
static void test_rto(void **state)
{
    (void)state;
    ep *a = ep_new(NULL, 0);
    uint8_t buf[100];
    fill(buf, 100, 1);
    pkt p;
    qsend(a, 0, buf, 100, TERN_SEND_RELIABLE | TERN_SEND_NO_NAGLE, 0);
    assert_true(build(a, 0, &p, false));
    assert_true(tern_snp_next_wake(&a->s, 0) == 1000000);
    assert_false(build(a, 999999, &p, false));
    uint64_t cwnd = a->s.cc.cwnd;
    assert_true(build(a, 1000000, &p, false));
    assert_true(p.pn == 3);
    const tern_frame *r = find(parse(&p), TERN_FRAME_REL, 0);
    assert_non_null(r);
    assert_true(r->u.rel.pos == 1 && r->u.rel.len == 102);
    assert_true(a->s.stats.pkts_lost == 1);
    assert_true(a->s.cc.cwnd < cwnd);
    assert_true(a->s.cc.cwnd == 4ull * 1300);
    /* doubled for the next try */
    assert_true(tern_snp_next_wake(&a->s, 1000000) == 3000000);
    ep_free(a);
}

/* The RTT from an ack: now - sent - the ack's delay field (x 32 us). */
static void test_rtt_from_ack(void **state)
{
    (void)state;
    ep *a = ep_new(NULL, 0), *b = ep_new(NULL, 0);
    pkt p, ack;
    qsend(a, 0, "x", 1, TERN_SEND_RELIABLE | TERN_SEND_NO_NAGLE, 0);
    assert_true(build(a, 0, &p, false));
    recv_ok(b, 10000, &p, true);
    assert_true(tern_snp_next_wake(&b->s, 10000) == 15000); /* our own 5 ms ack delay */
    assert_true(build(b, 15000, &ack, false));
    assert_int_equal(find(parse(&ack), TERN_FRAME_ACK, 0)->u.ack.delay, 5000 >> 5);
    recv_ok(a, 25000, &ack, true);
    assert_true(a->s.rtt.latest == 25000 - ((5000 >> 5) << 5));
    assert_false(tern_snp_reliable_outstanding(&a->s));
    ep_free(a);
    ep_free(b);
}

static void test_duplicates(void **state)
{
    (void)state;
    ep *a = ep_new(NULL, 0), *b = ep_new(NULL, 0);
    pkt p[3];
    for (int i = 0; i < 3; i++) {
        qsend(a, i, "u", 1, TERN_SEND_NO_NAGLE, 0);
        assert_true(build(a, i, &p[i], false));
    }
    tern_snp_rx rx;
    assert_int_equal(tern_snp_precheck(&b->s, 1), TERN_IGNORED); /* the handshake's */
    assert_int_equal(tern_snp_precheck(&b->s, 3), TERN_OK);
    recv_ok(b, 10, &p[1], true);
    assert_int_equal(tern_snp_precheck(&b->s, 3), TERN_IGNORED);
    assert_int_equal(recv_pkt(b, 10, &p[1], &rx), TERN_IGNORED);
    assert_int_equal(tern_snp_precheck(&b->s, 2), TERN_OK); /* late, never seen */
    recv_ok(b, 11, &p[0], true);
    assert_int_equal(tern_snp_precheck(&b->s, 2), TERN_IGNORED);
    recv_ok(b, 12, &p[2], true);
    assert_int_equal(b->nq, 3);

    /* the window is 64..128 packets deep */
    for (int64_t pn = 5; pn <= 200; pn++) {
        assert_int_equal(tern_snp_precheck(&b->s, pn), TERN_OK);
        assert_int_equal(recv_raw(b, 20, pn, "80 00", &rx), TERN_OK);
        if (pn == 150) pn = 189; /* leave 151..189 unseen */
    }
    assert_int_equal(tern_snp_precheck(&b->s, 127), TERN_IGNORED); /* below the window */
    assert_int_equal(tern_snp_precheck(&b->s, 128), TERN_IGNORED); /* seen */
    assert_int_equal(tern_snp_precheck(&b->s, 151), TERN_OK);
    assert_int_equal(tern_snp_precheck(&b->s, 200), TERN_IGNORED);
    assert_int_equal(tern_snp_precheck(&b->s, 201), TERN_OK);
    /* 16-bit expansion is nearest to the highest seen */
    assert_true(tern_snp_expand_pktnum(&b->s, 201) == 201);
    assert_true(tern_snp_expand_pktnum(&b->s, 100) == 100);
    assert_true(tern_snp_expand_pktnum(&b->s, (uint16_t)(200 + 32767)) == 200 + 32767);
    assert_true(tern_snp_expand_pktnum(&b->s, (uint16_t)(200 + 32768)) == 200 - 32768);
    ep_free(a);
    ep_free(b);
}

/* --- tests: hostile input ----------------------------------------------------- */

static void expect_violation(ep *e, int64_t pn, const char *hex, int reason)
{
    tern_snp_rx rx;
    tern_result r = recv_raw(e, 0, pn, hex, &rx);
    if (r != TERN_PROTOCOL_VIOLATION) fail_msg("%s: got %d, want a violation", hex, r);
    assert_int_equal(rx.end_reason, reason);
    assert_true(rx.debug[0] != 0);
}

static void one_violation(const tern_snp_cfg *cfg, const char *hex, int reason)
{
    ep *e = ep_new(cfg, 0);
    expect_violation(e, 2, hex, reason);
    ep_free(e);
}

static void test_hostile_frames(void **state)
{
    (void)state;
    static const char *bad[] = {
        /* reserved lead bytes */
        "80 00 60",
        "80 00 7f",
        "84 00",
        "87",
        "a0",
        "c0 00 00",
        "ff",
        /* reserved size bits */
        "05 01 00 00",
        "46 01 00 00 00",
        /* mm = 11 on a first reliable segment */
        "5f 00",
        /* truncated fields */
        "98 01",
        "80",
        "20 01",
        "57 01 00",
        /* lane above 255, ack varint above 100000 */
        "8f 80 02",
        "99 01 00 ff ff 80 a1 8d 06",
        /* stop-waiting at or past the packet's own number (here 2) */
        "80 02",
        "83 ff ff ff ff ff ff ff ff",
        /* unreliable message numbers that expand to <= 0 (H = 0) */
        "27 00 00",
        "27 ff ff",
        "37 00 00 00 00",
        "37 00 00 00 80",
        /* a delta past any sane range */
        "30 01 00 00 00 00 17 ff ff ff ff ff ff ff ff ff 01",
        /* reliable stream position 0 */
        "47 00 00 00 01",
        /* reliable message header with bit 7 set */
        "57 01 00 00 00 00 00 80",
        /* reliable message number lurch: explicit delta > 1000000, and
         * > highest seen + 10000 */
        "57 01 00 00 00 00 00 40 c1 84 3d",
        "57 01 00 00 00 00 00 40 91 4e",
        /* ack latest expanding below 0 (next to send is 2) */
        "98 f0 ff ff ff",
        "90 f0 ff ff ff ff ff",
        /* ack blocks running below packet 0 */
        "99 01 00 ff ff 15",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) one_violation(NULL, bad[i], 5002);

    /* the limits themselves are fine */
    ep *e = ep_new(NULL, 0);
    tern_snp_rx rx;
    assert_int_equal(recv_raw(e, 0, 2, "57 01 00 00 00 00 00 40 90 4e", &rx), TERN_OK);
    assert_true(rx.ack_it);
    assert_int_equal(recv_raw(e, 0, 3, "80 01 99 01 00 ff ff 11", &rx), TERN_OK);
    ep_free(e);
}

static void test_hostile_sizes(void **state)
{
    (void)state;
    tern_snp_cfg cfg;
    tern_snp_cfg_default(&cfg);
    cfg.recv_max_msg = 100;
    /* 101 bytes announced: killed before the payload is even there */
    one_violation(&cfg, "57 01 00 00 00 00 00 25 03", 5002);
    /* 100 is allowed (and waits for its payload) */
    ep *e = ep_new(&cfg, 0);
    tern_snp_rx rx;
    assert_int_equal(recv_raw(e, 0, 2, "57 01 00 00 00 00 00 24 03", &rx), TERN_OK);
    assert_int_equal(e->nq, 0);
    ep_free(e);
    /* larger than the receive buffer */
    tern_snp_cfg_default(&cfg);
    cfg.recv_buffer = 1000;
    one_violation(&cfg, "57 01 00 00 00 00 00 29 1f", 5002); /* 9 | 31 << 5 = 1001 */
}

static void test_hostile_stop_waiting(void **state)
{
    (void)state;
    ep *e = ep_new(NULL, 0);
    tern_snp_rx rx;
    for (int64_t pn = 2; pn <= 10; pn++)
        assert_int_equal(recv_raw(e, 0, pn, "80 00", &rx), TERN_OK);
    assert_int_equal(recv_raw(e, 0, 20, "80 09", &rx), TERN_OK); /* min 10 */
    assert_true(e->s.min_to_ack == 10);
    /* lower, but from an older packet: ignored */
    assert_int_equal(recv_raw(e, 0, 15, "80 0b", &rx), TERN_OK); /* min 3 */
    assert_true(e->s.min_to_ack == 10);
    /* the same, from a newer one: killed */
    expect_violation(e, 21, "80 0f", 5002); /* min 5 */
    ep_free(e);
}

static void test_hostile_lurch(void **state)
{
    (void)state;
    ep *e = ep_new(NULL, 0);
    tern_snp_rx rx;
    /* highest seen is 1: a jump of exactly 0x4000 passes, one more kills */
    expect_violation(e, 1 + 0x4001, "80 00", 5001);
    assert_int_equal(recv_raw(e, 0, 1 + 0x4000, "80 00", &rx), TERN_OK);
    expect_violation(e, 1 + 0x8001, "80 00", 5001);
    ep_free(e);
}

/* An ack of a packet we never sent: the rest of the packet is abandoned and
 * the packet counts as not received; frames before it stand. */
static void test_ack_never_sent(void **state)
{
    (void)state;
    ep *e = ep_new(NULL, 0);
    tern_snp_rx rx;
    /* unreliable "A" (#1), ack of packet 5, unreliable "B" (#2) */
    assert_int_equal(recv_raw(e, 0, 2, "80 00 20 01 00 01 41 98 05 00 ff ff 27 42", &rx), TERN_OK);
    assert_false(rx.ack_it);
    assert_int_equal(e->nq, 1);
    assert_int_equal(((const uint8_t *)e->q[0]->data)[0], 'A');
    assert_int_equal(tern_snp_precheck(&e->s, 2), TERN_IGNORED);
    /* and our ack does not claim it */
    pkt p;
    assert_true(build(e, 1, &p, true));
    const tern_frame *f = find(parse(&p), TERN_FRAME_ACK, 0);
    assert_true(f->u.ack.latest == 1);
    assert_int_equal(f->u.ack.nblocks, 0);
    ep_free(e);
}

/* GNS's receive rules that drop data without killing the connection. */
static void test_receive_limits(void **state)
{
    (void)state;
    tern_snp_cfg cfg;
    tern_snp_cfg_default(&cfg);
    cfg.recv_max_segs = 2;
    ep *e = ep_new(&cfg, 0);
    tern_snp_rx rx;
    /* three segments over a limit of two: not received */
    assert_int_equal(recv_raw(e, 0, 2, "20 01 00 01 41 20 01 42 27 43", &rx), TERN_OK);
    assert_false(rx.ack_it);
    for (size_t i = 0; i < e->nq; i++) assert_true(((uint8_t *)e->q[i]->data)[0] != 'C');
    ep_release_all(e);
    /* an unreliable segment reaching past 26000 bytes is ignored, packet acked */
    assert_int_equal(recv_raw(e, 0, 3, "3f 09 00 00 00 90 cb 01 41", &rx), TERN_OK);
    assert_true(rx.ack_it);
    assert_int_equal(e->nq, 0);
    /* ... and up to it is fine (a fragment waiting for the rest) */
    assert_int_equal(recv_raw(e, 0, 4, "3f 0a 00 00 00 8f cb 01 41", &rx), TERN_OK);
    assert_true(rx.ack_it);
    assert_int_equal(e->s.rx[0]->nfrags, 1);
    ep_free(e);
}

/* --- tests: receive back-pressure and status --------------------------------- */

static void test_backpressure(void **state)
{
    (void)state;
    tern_snp_cfg cfg;
    tern_snp_cfg_default(&cfg);
    cfg.recv_buffer_msgs = 2;
    ep *a = ep_new(NULL, 0), *b = ep_new(&cfg, 0);
    uint8_t buf[50];
    pkt p[3], ack;
    for (int i = 0; i < 3; i++) {
        fill(buf, 50, (uint32_t)i + 1);
        qsend(a, i * 1000, buf, 50, TERN_SEND_RELIABLE | TERN_SEND_NO_NAGLE, 0);
        assert_true(build(a, i * 1000, &p[i], false));
    }
    recv_ok(b, 2000, &p[0], true);
    recv_ok(b, 2000, &p[1], true);
    recv_ok(b, 2000, &p[2], false); /* the queue is full: not acked */
    assert_int_equal(b->nq, 2);
    assert_true(build(b, 2000, &ack, false)); /* two eliciting packets: ack now */
    const tern_frame *f = find(parse(&ack), TERN_FRAME_ACK, 0);
    assert_true(f->u.ack.latest == 3);
    assert_int_equal(f->u.ack.nblocks, 0);
    recv_ok(a, 3000, &ack, true);
    tern_snp_lane_status st;
    tern_snp_status(&a->s, 3000, &st, NULL, 0);
    assert_true(st.sent_unacked_rel == 52); /* message 3 is still the sender's */

    /* the application takes one: message 3 comes out of the stream buffer,
     * without any packet arriving */
    size_t size = (size_t)b->q[0]->size;
    b->q[0]->release(b->q[0]);
    b->q[0] = b->q[1];
    b->nq = 1;
    tern_snp_rx rx;
    assert_int_equal(tern_snp_consumed(&b->s, 4000, size, 1, &rx), TERN_OK);
    assert_int_equal(b->nq, 2);
    check_msg(b->q[1], 0, 3, true, 50, 3);

    /* and the retransmission it provokes is not delivered twice */
    link_reset(NULL, NULL);
    run(a, b, 4000, 10000000);
    assert_int_equal(b->total, 3);
    assert_false(tern_snp_reliable_outstanding(&a->s));
    ep_free(a);
    ep_free(b);
    link_reset(NULL, NULL);
}

static void test_status(void **state)
{
    (void)state;
    ep *a = ep_new(NULL, 0), *b = ep_new(NULL, 0);
    assert_int_equal(tern_snp_configure_lanes(&a->s, 2, (const int[]){0, 1}, NULL), TERN_OK);
    uint8_t buf[100] = {0};
    tern_snp_lane_status t, l[3];
    memset(l, 0xee, sizeof l);
    tern_snp_status(&a->s, 0, &t, l, 3);
    assert_true(t.pending_unrel == 0 && t.pending_rel == 0 && t.sent_unacked_rel == 0);
    assert_true(t.queue_time_usec == 0);
    assert_true(l[2].pending_rel == 0xeeeeeeeeeeeeeeeeull); /* only nlanes entries */

    qsend(a, 0, buf, 100, 0, 0);
    qsend(a, 0, buf, 50, TERN_SEND_RELIABLE, 1);
    tern_snp_status(&a->s, 0, &t, l, 2);
    assert_true(t.pending_unrel == 100 && t.pending_rel == 52 && t.sent_unacked_rel == 0);
    assert_true(l[0].pending_unrel == 100 && l[0].pending_rel == 0);
    assert_true(l[1].pending_unrel == 0 && l[1].pending_rel == 52);
    assert_true(t.queue_time_usec > 0);
    /* lane 1 waits behind lane 0 (higher priority) */
    assert_true(l[1].queue_time_usec > l[0].queue_time_usec);

    tern_snp_flush(&a->s);
    pkt p, ack;
    assert_true(build(a, 0, &p, false));
    tern_snp_status(&a->s, 0, &t, l, 2);
    assert_true(t.pending_unrel == 0 && t.pending_rel == 0);
    assert_true(t.sent_unacked_rel == 52 && l[1].sent_unacked_rel == 52);
    assert_true(l[0].sent_unacked_rel == 0);
    assert_true(tern_snp_reliable_outstanding(&a->s));

    recv_ok(b, 100, &p, true);
    assert_true(build(b, 5100, &ack, false));
    recv_ok(a, 5200, &ack, true);
    tern_snp_status(&a->s, 5200, &t, NULL, 0);
    assert_true(t.sent_unacked_rel == 0);
    assert_false(tern_snp_reliable_outstanding(&a->s));
    ep_free(a);
    ep_free(b);
}

/* --- tests: a lossy link and allocation failures ------------------------------ */

/* A message whose delivery failed for lack of memory waits at the stream's
 * read position. The bytes that completed it came in an acked packet; the
 * packet that was refused is resent, carrying only bytes consumed by now,
 * and that arrival must retry the delivery. */
static void test_nomem_delivery_retry(void **state)
{
    (void)state;
    ep *b = ep_new(NULL, 0);
    tern_snp_rx rx;
    /* message 2 ("B", stream 3..4) first, behind a hole */
    assert_int_equal(recv_raw(b, 0, 2, "57 03 00 00 00 00 00 01 42", &rx), TERN_OK);
    assert_true(rx.ack_it);
    assert_int_equal(b->nq, 0);
    /* the hole fills: message 1 is delivered, message 2 finds no memory */
    b->cm.fail_in = 2;
    assert_int_equal(recv_raw(b, 1, 3, "57 01 00 00 00 00 00 01 41", &rx), TERN_OK);
    assert_false(rx.ack_it);
    assert_int_equal(b->nq, 1);
    assert_int_equal(b->cm.fail_in, 0);
    /* packet 3 again, under a new number */
    assert_int_equal(recv_raw(b, 2, 4, "57 01 00 00 00 00 00 01 41", &rx), TERN_OK);
    assert_true(rx.ack_it);
    assert_int_equal(b->nq, 2);
    assert_true(b->q[1]->message_number == 2);
    assert_int_equal(((const uint8_t *)b->q[1]->data)[0], 'B');
    ep_free(b);
}

/* The sender cannot record an ack (|which| = 1: the acked set cannot grow)
 * or a loss (2: the lost set cannot grow). Neither may stall the stream: the
 * packet stays in flight and is dealt with again later. */
static void nomem_ack_bookkeeping(long which)
{
    ep *a = ep_new(NULL, 0), *b = ep_new(NULL, 0);
    uint8_t buf[100];
    pkt p, q, ack;
    assert_true(build(b, 0, &ack, true)); /* a's receive side set up first */
    recv_ok(a, 0, &ack, true);
    fill(buf, 100, 1);
    qsend(a, 0, buf, 100, TERN_SEND_RELIABLE | TERN_SEND_NO_NAGLE, 0);
    assert_true(build(a, 0, &p, false)); /* lost */
    fill(buf, 100, 2);
    qsend(a, 1000, buf, 100, TERN_SEND_RELIABLE | TERN_SEND_NO_NAGLE, 0);
    assert_true(build(a, 1000, &q, false));
    recv_ok(b, 1000, &q, true);
    assert_true(build(b, 4000, &ack, false)); /* acks 3, NACKs 2 */
    a->cm.fail_in = which;
    recv_ok(a, 4000, &ack, true);
    assert_int_equal(a->cm.fail_in, 0);
    link_reset(NULL, NULL);
    run(a, b, 4000, 30000000);
    assert_false(tern_snp_reliable_outstanding(&a->s));
    assert_true(a->s.retx_pending == 0);
    assert_int_equal(b->nq, 2);
    check_msg(b->q[0], 0, 1, true, 100, 1);
    check_msg(b->q[1], 0, 2, true, 100, 2);
    ep_free(a);
    ep_free(b);
    link_reset(NULL, NULL);
}

static void test_nomem_ack_bookkeeping(void **state)
{
    (void)state;
    nomem_ack_bookkeeping(1);
    nomem_ack_bookkeeping(2);
}

/* The receiver runs out of memory while a packet opens a gap in the packet
 * numbers (here: at each of the first allocations from that packet on). The
 * missing packet must never be reported as received. */
static void nomem_packet_gap(long k)
{
    ep *a = ep_new(NULL, 0), *b = ep_new(NULL, 0);
    uint8_t buf[100];
    pkt p[3];
    for (int i = 0; i < 3; i++) {
        fill(buf, 100, (uint32_t)i + 1);
        qsend(a, i, buf, 100, TERN_SEND_RELIABLE | TERN_SEND_NO_NAGLE, 0);
        assert_true(build(a, i, &p[i], false));
    }
    recv_ok(b, 10, &p[0], true);
    b->cm.fail_in = k; /* packet 3 is lost, packet 4 arrives */
    tern_snp_rx rx;
    assert_int_equal(recv_pkt(b, 12, &p[2], &rx), TERN_OK);
    link_reset(NULL, NULL);
    run(a, b, 12, 30000000);
    assert_int_equal(b->nq, 3);
    for (int i = 0; i < 3; i++) check_msg(b->q[i], 0, i + 1, true, 100, (uint32_t)i + 1);
    assert_false(tern_snp_reliable_outstanding(&a->s));
    ep_free(a);
    ep_free(b);
    link_reset(NULL, NULL);
}

static void test_nomem_packet_gap(void **state)
{
    (void)state;
    for (long k = 1; k <= 8; k++) nomem_packet_gap(k);
}

typedef struct lossy {
    tt_rng rng;
    unsigned pct;
} lossy;

static bool drop_some(void *ctx, const ep *from, const pkt *p)
{
    (void)from;
    (void)p;
    lossy *l = ctx;
    return tt_rng_below(&l->rng, 100) < l->pct;
}

typedef struct sent_rec {
    uint16_t lane;
    int64_t num;
    uint32_t size;
    bool rel;
} sent_rec;

/* A mixed workload over a lossy link; every accepted reliable message must
 * arrive once, in order per lane, intact; unreliable ones at most once. The
 * sender's (or receiver's) allocator may fail once, at allocation |fail_at|. */
static void workload(uint64_t seed, unsigned loss, long fail_a, long fail_b, long *allocs)
{
    enum { NMSG = 60 };
    lossy lo;
    tt_rng_seed(&lo.rng, seed);
    lo.pct = loss;
    link_reset(drop_some, &lo);
    ep *a = ep_new(NULL, 0), *b = ep_new(NULL, 0);
    assert_int_equal(tern_snp_configure_lanes(&a->s, 3, (const int[]){0, 0, 1}, NULL), TERN_OK);
    a->cm.fail_in = fail_a;
    b->cm.fail_in = fail_b;
    long a0 = a->cm.allocs, b0 = b->cm.allocs;
    static uint8_t buf[20000];
    sent_rec rec[NMSG];
    size_t nrec = 0;
    int64_t now = 0;
    tt_rng r;
    tt_rng_seed(&r, seed ^ 0xabcdef);
    for (int i = 0; i < NMSG; i++) {
        uint16_t lane = (uint16_t)tt_rng_below(&r, 3);
        uint32_t size = tt_rng_below(&r, 8) ? (uint32_t)tt_rng_below(&r, 1500)
                                            : (uint32_t)tt_rng_below(&r, sizeof buf);
        bool rel = tt_rng_below(&r, 3) != 0;
        int flags = (rel ? TERN_SEND_RELIABLE : 0) | (tt_rng_below(&r, 4) ? 0 : TERN_SEND_NO_NAGLE);
        int64_t expect = a->s.tx[lane].next_msgnum;
        fill(buf, size, (uint32_t)(lane * 1000 + expect));
        int64_t mn = 0;
        tern_result res = tern_snp_send(&a->s, now, buf, size, flags, lane, &mn);
        if (res == TERN_OK) {
            assert_true(mn == expect);
            rec[nrec++] = (sent_rec){lane, mn, size, rel || size > TERN_SNP_UNREL_MAX};
        } else {
            assert_int_equal(res, TERN_NOMEM);
        }
        now = run(a, b, now, now + (int64_t)tt_rng_below(&r, 20000));
    }
    run(a, b, now, now + 60000000);
    assert_false(tern_snp_reliable_outstanding(&a->s));

    int64_t last[3] = {0, 0, 0};
    size_t got_rel = 0;
    for (size_t i = 0; i < b->nq; i++) {
        const tern_message *m = b->q[i];
        const sent_rec *s = NULL;
        for (size_t k = 0; k < nrec; k++)
            if (rec[k].lane == m->lane && rec[k].num == m->message_number) s = &rec[k];
        assert_non_null(s);
        check_msg(m, s->lane, s->num, s->rel, s->size, (uint32_t)(s->lane * 1000 + s->num));
        if (s->rel) {
            assert_true(m->message_number > last[s->lane]); /* in order, once */
            last[s->lane] = m->message_number;
            got_rel++;
        }
        for (size_t k = 0; k < i; k++)
            assert_false(b->q[k]->lane == m->lane && b->q[k]->message_number == m->message_number);
    }
    size_t want_rel = 0;
    for (size_t k = 0; k < nrec; k++) want_rel += rec[k].rel;
    assert_int_equal(got_rel, want_rel);
    if (allocs) allocs[0] = a->cm.allocs - a0, allocs[1] = b->cm.allocs - b0;
    ep_free(a);
    ep_free(b);
    link_reset(NULL, NULL);
}

static void test_lossy_link(void **state)
{
    (void)state;
    for (unsigned seed = 0; seed < tt_seeds(40); seed++)
        workload(seed, seed % 4 == 0 ? 0 : 5 + seed % 20, 0, 0, NULL);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    long allocs[2];
    workload(7, 10, 0, 0, allocs);
    /* one failure at every allocation point of either side, in turn */
    for (long k = 1; k <= allocs[0]; k++) workload(7, 10, k, 0, NULL);
    for (long k = 1; k <= allocs[1]; k++) workload(7, 10, 0, k, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_packet_vector),
        cmocka_unit_test(test_keepalive),
        cmocka_unit_test(test_reliable_roundtrip),
        cmocka_unit_test(test_msgnums_and_lanes),
        cmocka_unit_test(test_send_errors),
        cmocka_unit_test(test_nodelay),
        cmocka_unit_test(test_big_unreliable),
        cmocka_unit_test(test_zero_bytes),
        cmocka_unit_test(test_nagle),
        cmocka_unit_test(test_configure_lanes),
        cmocka_unit_test(test_loss_nack_retransmit),
        cmocka_unit_test(test_rto),
        cmocka_unit_test(test_rtt_from_ack),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_hostile_frames),
        cmocka_unit_test(test_hostile_sizes),
        cmocka_unit_test(test_hostile_stop_waiting),
        cmocka_unit_test(test_hostile_lurch),
        cmocka_unit_test(test_ack_never_sent),
        cmocka_unit_test(test_receive_limits),
        cmocka_unit_test(test_backpressure),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_nomem_delivery_retry),
        cmocka_unit_test(test_nomem_ack_bookkeeping),
        cmocka_unit_test(test_nomem_packet_gap),
        cmocka_unit_test(test_lossy_link),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
