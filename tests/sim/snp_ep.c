#include "snp_ep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/data.h"

#define FAKE_TAG           16
#define MAX_BUILD_PER_WAKE 256

/* --- counting allocator ------------------------------------------------------ */

typedef struct hdr {
    size_t n;
    size_t pad; /* keep max_align_t alignment for the caller */
} hdr;

static void *cm_malloc(size_t n, void *u)
{
    count_mem *c = u;
    hdr *h = malloc(sizeof *h + n);
    if (!h) return NULL;
    h->n = n;
    c->cur += (int64_t)n;
    if (c->cur > c->peak) c->peak = c->cur;
    c->allocs++;
    return h + 1;
}
static void cm_free(void *p, void *u)
{
    if (!p) return;
    count_mem *c = u;
    hdr *h = (hdr *)p - 1;
    c->cur -= (int64_t)h->n;
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
    hdr *h = (hdr *)p - 1;
    void *q = cm_malloc(n, u);
    if (!q) return NULL;
    memcpy(q, p, h->n < n ? h->n : n);
    cm_free(p, u);
    return q;
}

void count_mem_init(count_mem *cm)
{
    memset(cm, 0, sizeof *cm);
    cm->mem = (tern_mem){cm, cm_malloc, cm_free, cm_calloc, cm_realloc};
}

/* --- the engine's delivery callback -------------------------------------------- */

static void ep_fail(snp_ep *e, const char *what)
{
    if (e->failed) return;
    e->failed = true;
    snprintf(e->err, sizeof e->err, "dir %u: %s", e->dir, what);
}

static void consume(snp_ep *e, tern_message *m)
{
    chk_recv(e->rx_chk, m->lane, m->message_number, (m->flags & TERN_SEND_RELIABLE) != 0, m->data,
             (size_t)m->size);
    uint64_t size = (uint64_t)m->size;
    m->release(m);
    tern_snp_rx rx;
    if (tern_snp_consumed(&e->snp, sim_now(e->sim), size, 1, &rx) != TERN_OK)
        ep_fail(e, "engine rejected our own peer's stream");
}

static void on_deliver(void *user, tern_message *m)
{
    snp_ep *e = user;
    if (e->wl.consume_interval == 0) {
        consume(e, m);
        return;
    }
    if (e->qlen == e->qcap) {
        size_t ncap = e->qcap ? e->qcap * 2 : 64;
        tern_message **q = malloc(ncap * sizeof *q);
        if (!q) abort();
        for (size_t i = 0; i < e->qlen; i++) q[i] = e->q[(e->qhead + i) % e->qcap];
        free(e->q);
        e->q = q;
        e->qcap = ncap;
        e->qhead = 0;
    }
    e->q[(e->qhead + e->qlen++) % e->qcap] = m;
}

/* --- workload ----------------------------------------------------------------- */

static uint32_t pick_size(snp_ep *e, sim_rng *r)
{
    if (e->wl.saturate) return e->wl.sat_size;
    if (sim_rng_unit(r) < e->wl.p_zero) return 0;
    double u = sim_rng_unit(r);
    uint32_t max = e->wl.size_max;
    uint32_t cap = u < 0.7 ? 200 : u < 0.95 ? 2000 : max;
    if (cap > max) cap = max;
    return (uint32_t)sim_rng_below(r, (uint64_t)cap + 1);
}

static bool try_send(snp_ep *e, int64_t now, uint16_t lane, uint32_t size, int flags)
{
    static uint8_t buf[TERN_SNP_MAX_MSG_SEND];
    int64_t msgnum = 0;
    /* Generating a payload only to be told the buffer is full would cost
     * more than the whole engine; ask first (a framed message adds at most
     * a few header bytes). */
    if (e->snp.pending_bytes + size + 16 > (uint64_t)e->snp.cfg.send_buffer &&
        e->snp.pending_bytes > 0) {
        e->limit_exceeded++;
        return false;
    }
    /* The payload depends on the message number, which the engine assigns:
     * it is the lane's next one. */
    int64_t expect = e->snp.tx[lane].next_msgnum;
    chk_fill(e->dir, lane, expect, buf, size);
    tern_result r = tern_snp_send(&e->snp, now, buf, size, flags, lane, &msgnum);
    if (r == TERN_LIMIT_EXCEEDED) {
        e->limit_exceeded++;
        return false;
    }
    if (r == TERN_IGNORED) {
        e->ignored++;
        return true; /* dropped by design: NoDelay */
    }
    if (r != TERN_OK) {
        ep_fail(e, tern_result_str(r));
        return true;
    }
    if (msgnum != expect) ep_fail(e, "unexpected message number");
    bool reliable = (flags & TERN_SEND_RELIABLE) || size > TERN_SNP_UNREL_MAX;
    chk_sent(e->tx_chk, lane, msgnum, reliable, size);
    return true;
}

static void workload(snp_ep *e, int64_t now)
{
    sim_rng *r = sim_workload_rng(e->sim);
    if (now < e->wl.start_at) return;
    if (e->wl.stop_at && now >= e->wl.stop_at) return;
    for (int guard = 0; guard < 100000; guard++) {
        if (e->have_retry) {
            if (!try_send(e, now, e->retry_lane, e->retry_size, e->retry_flags)) return;
            e->have_retry = false;
            e->sent++;
            continue;
        }
        if (e->sent >= e->wl.count || now < e->next_send) return;
        uint16_t lane = (uint16_t)sim_rng_below(r, e->wl.lanes ? e->wl.lanes : 1);
        if (e->wl.saturate) {
            /* keep every lane backlogged: refill the emptiest */
            uint64_t least = UINT64_MAX;
            for (uint16_t k = 0; k < (e->wl.lanes ? e->wl.lanes : 1); k++) {
                uint64_t q = e->snp.tx[k].pending_rel + e->snp.tx[k].pending_unrel;
                if (q < least) {
                    least = q;
                    lane = k;
                }
            }
        }
        uint32_t size = pick_size(e, r);
        int flags = 0;
        if (e->wl.saturate || sim_rng_unit(r) < e->wl.p_reliable) flags |= TERN_SEND_RELIABLE;
        if (sim_rng_unit(r) < e->wl.p_nonagle) flags |= TERN_SEND_NO_NAGLE;
        if (!(flags & TERN_SEND_RELIABLE) && sim_rng_unit(r) < e->wl.p_nodelay)
            flags |= TERN_SEND_NO_DELAY;
        if (!e->wl.saturate)
            e->next_send = now + (int64_t)sim_rng_below(r, (uint64_t)e->wl.interval_max + 1);
        if (!try_send(e, now, lane, size, flags)) {
            e->have_retry = true;
            e->retry_lane = lane;
            e->retry_size = size;
            e->retry_flags = flags & ~TERN_SEND_NO_DELAY;
            return;
        }
        e->sent++;
    }
}

/* --- the node ---------------------------------------------------------------- */

static void send_packets(snp_ep *e, int64_t now)
{
    uint8_t pkt[1400];
    for (int i = 0; i < MAX_BUILD_PER_WAKE; i++) {
        tern_data_hdr h = {.flags = TERN_DATA_FLAG, .to_conn_id = 0x55667788u + e->dir};
        size_t hdr_len = tern_data_hdr_len(&h);
        size_t cap = (size_t)e->snp.cfg.mtu - hdr_len - FAKE_TAG;
        if (cap > (size_t)e->snp.cfg.mtu - 52 - FAKE_TAG)
            cap = (size_t)e->snp.cfg.mtu - 52 - FAKE_TAG;
        uint8_t payload[1400];
        tern_snp_pkt out;
        if (!tern_snp_build(&e->snp, now, payload, cap, false, &out)) break;
        static const uint8_t ackreq[2] = {0x18, 0x06};
        if (out.want_ack_request) {
            h.flags |= TERN_DATA_FLAG_STATS;
            h.stats = ackreq;
            h.stats_len = sizeof ackreq;
        }
        h.pktnum16 = (uint16_t)out.pktnum;
        uint8_t *p = tern_data_hdr_encode(pkt, pkt + sizeof pkt, &h);
        if (!p || (size_t)(pkt + sizeof pkt - p) < out.len + FAKE_TAG) {
            ep_fail(e, "packet does not fit");
            return;
        }
        memcpy(p, payload, out.len);
        memset(p + out.len, 0, FAKE_TAG);
        size_t total = (size_t)(p - pkt) + out.len + FAKE_TAG;
        if (total > (size_t)e->snp.cfg.mtu) ep_fail(e, "packet exceeds MTU");
        e->wire_bytes_sent += total;
        sim_send(e->sim, e->node.id, e->peer, pkt, total);
        workload(e, now);
    }
}

static void node_recv(sim_node *n, int64_t now, int from, const uint8_t *d, size_t len)
{
    (void)from;
    snp_ep *e = n->user;
    const uint8_t *p = d, *end = d + len;
    tern_data_hdr h;
    if (tern_data_hdr_decode(&p, end, &h) != TERN_OK || (size_t)(end - p) < FAKE_TAG) {
        ep_fail(e, "bad header from our own peer");
        return;
    }
    int64_t pn = tern_snp_expand_pktnum(&e->snp, h.pktnum16);
    if (tern_snp_precheck(&e->snp, pn) != TERN_OK) return; /* duplicate */
    tern_snp_rx rx;
    tern_result r = tern_snp_recv(&e->snp, now, pn, p, (size_t)(end - p) - FAKE_TAG, &rx);
    if (r != TERN_OK) {
        char msg[200];
        snprintf(msg, sizeof msg, "engine rejected our own peer: %d %s", rx.end_reason, rx.debug);
        ep_fail(e, msg);
        return;
    }
    if (h.flags & TERN_DATA_FLAG_STATS) tern_snp_ack_request(&e->snp, now, true);
    send_packets(e, now);
}

static int64_t node_next_wake(sim_node *n, int64_t now)
{
    snp_ep *e = n->user;
    int64_t t = tern_snp_next_wake(&e->snp, now);
    if (e->have_retry) {
        /* The send buffer frees up as packets go out; the engine's own wake
         * covers that, so nothing extra here. */
    } else if (e->sent < e->wl.count && (!e->wl.stop_at || e->next_send < e->wl.stop_at)) {
        int64_t w = e->next_send > e->wl.start_at ? e->next_send : e->wl.start_at;
        if (w < t) t = w;
    }
    if (e->qlen && e->next_consume < t) t = e->next_consume;
    return t < now ? now : t;
}

static void node_wake(sim_node *n, int64_t now)
{
    snp_ep *e = n->user;
    if (e->qlen && now >= e->next_consume) {
        tern_message *m = e->q[e->qhead];
        e->qhead = (e->qhead + 1) % e->qcap;
        e->qlen--;
        consume(e, m);
        e->next_consume = now + e->wl.consume_interval;
    }
    workload(e, now);
    send_packets(e, now);
}

static const sim_node_ops ep_ops = {node_recv, NULL, node_next_wake, node_wake};

void snp_ep_init(snp_ep *e, sim *s, uint32_t dir, const tern_snp_cfg *cfg, const wl_cfg *wl,
                 chk *tx, chk *rx)
{
    memset(e, 0, sizeof *e);
    e->sim = s;
    e->dir = dir;
    count_mem_init(&e->cm);
    e->pool = tern_msgpool_new(&e->cm.mem);
    tern_snp_cfg c;
    if (cfg)
        c = *cfg;
    else
        tern_snp_cfg_default(&c);
    tern_snp_ops ops = {on_deliver};
    if (tern_snp_init(&e->snp, &c, &e->cm.mem, e->pool, &ops, e, sim_now(s)) != TERN_OK) abort();
    if (wl) e->wl = *wl;
    e->tx_chk = tx;
    e->rx_chk = rx;
    e->node.ops = &ep_ops;
    e->node.user = e;
}

int snp_ep_attach(snp_ep *e)
{
    return sim_add_node(e->sim, &e->node);
}

bool snp_ep_done_sending(const snp_ep *e)
{
    return e->sent >= e->wl.count && !e->have_retry;
}

void snp_ep_free(snp_ep *e)
{
    for (size_t i = 0; i < e->qlen; i++)
        e->q[(e->qhead + i) % e->qcap]->release(e->q[(e->qhead + i) % e->qcap]);
    free(e->q);
    tern_snp_free(&e->snp);
    tern_msgpool_del(e->pool);
}
