/* Reliability scenarios for the SNP engine: two endpoints exchange a random
 * mix of messages over an impaired link, then the link heals and every
 * reliable message must arrive within a bounded time. The checkers verify
 * exactly-once in-order delivery for reliable messages and at-most-once,
 * uncorrupted delivery for unreliable ones; memory stays bounded and the
 * engines free everything they allocated. */
#include "scenarios.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_scen.h"
#include "conn_scen.h"
#include "idle_scen.h"
#include "snp_ep.h"

typedef struct corr {
    tern_snp_cfg cfg;
    wl_cfg wl[2];
    sim_link_cfg link[2]; /* a->b, b->a */
    uint16_t lanes;
    int prio[TERN_SNP_MAX_LANES];
    uint16_t weight[TERN_SNP_MAX_LANES];
    int64_t send_time;   /* the sending phase lasts at most this long */
    int64_t stall_limit; /* after the link heals, everything arrives within this */
    int64_t mem_limit;   /* bytes an endpoint may hold at its peak */
} corr;

static void corr_default(corr *c, sim_rng *r)
{
    memset(c, 0, sizeof *c);
    tern_snp_cfg_default(&c->cfg);
    for (int i = 0; i < 2; i++) {
        sim_link_cfg_default(&c->link[i]);
        c->link[i].latency = 1000 + (int64_t)sim_rng_below(r, 50000);
        c->wl[i] = (wl_cfg){.count = 150 + (uint32_t)sim_rng_below(r, 150),
                            .interval_max = 20000,
                            .p_reliable = 0.6,
                            .size_max = 4000,
                            .lanes = 1,
                            .p_nonagle = 0.2,
                            .p_nodelay = 0.05,
                            .p_zero = 0.05};
    }
    c->lanes = 1;
    c->send_time = 60000000;
    c->stall_limit = 15000000;
    c->mem_limit = 8 << 20;
}

typedef struct run_state {
    snp_ep *a, *b;
} run_state;

static bool all_sent(void *arg)
{
    run_state *st = arg;
    return snp_ep_done_sending(st->a) && snp_ep_done_sending(st->b);
}

static bool all_arrived(void *arg)
{
    run_state *st = arg;
    return chk_all_reliable_delivered(st->a->tx_chk) && chk_all_reliable_delivered(st->b->tx_chk) &&
           st->a->qlen == 0 && st->b->qlen == 0;
}

static void heal(sim_link_cfg *l)
{
    l->loss = 0;
    l->ge_p_gb = 0;
    l->nblackouts = 0;
}

static bool run_corr(uint64_t seed, corr *c, bool verbose, scen_out *out)
{
    sim *s = sim_new(seed);
    chk *ab = chk_new(0), *ba = chk_new(1);
    snp_ep *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    if (!a || !b) abort();
    snp_ep_init(a, s, 0, &c->cfg, &c->wl[0], ab, ba);
    snp_ep_init(b, s, 1, &c->cfg, &c->wl[1], ba, ab);
    snp_ep_attach(a);
    snp_ep_attach(b);
    a->peer = b->node.id;
    b->peer = a->node.id;
    sim_set_link(s, a->node.id, b->node.id, &c->link[0]);
    sim_set_link(s, b->node.id, a->node.id, &c->link[1]);
    int64_t rtt = c->link[0].latency + c->link[1].latency;
    tern_snp_rtt_sample(&a->snp, sim_now(s), rtt);
    tern_snp_rtt_sample(&b->snp, sim_now(s), rtt);
    if (c->lanes > 1) {
        if (tern_snp_configure_lanes(&a->snp, c->lanes, c->prio, c->weight) != TERN_OK ||
            tern_snp_configure_lanes(&b->snp, c->lanes, c->prio, c->weight) != TERN_OK)
            abort();
    }
    run_state st = {a, b};
    int64_t t0 = sim_now(s);
    sim_run(s, t0 + c->send_time, all_sent, &st);
    heal(sim_link(s, a->node.id, b->node.id));
    heal(sim_link(s, b->node.id, a->node.id));
    int64_t healed = sim_now(s);
    /* "No stall" means: once the link heals, what is left arrives within a
     * bound — a fixed allowance plus four times what the link needs to carry
     * the backlog at its bottleneck rate. */
    int64_t limit = c->stall_limit;
    for (int i = 0; i < 2; i++) {
        const tern_snp *n = i ? &b->snp : &a->snp;
        uint64_t rate = c->link[i].rate;
        if (!rate) continue;
        uint64_t left = n->pending_bytes;
        for (unsigned l = 0; l < n->nlanes; l++)
            left += (uint64_t)(n->tx[l].sent_end - n->tx[l].ack_floor);
        int64_t need = (int64_t)(4.0 * (double)left * 1e6 / (double)rate);
        if (c->stall_limit + need > limit) limit = c->stall_limit + need;
    }
    if (getenv("TERN_SIM_TRACE")) {
        for (int64_t t = healed; t < healed + limit && !all_arrived(&st); t += 250000) {
            sim_run(s, t, all_arrived, &st);
            for (int i = 0; i < 2; i++) {
                const tern_snp *n = i ? &b->snp : &a->snp;
                fprintf(stderr,
                        "t=%.2f ep%d mode %d bw %llu pace %llu cwnd %llu infl %llu minrtt %lld "
                        "srtt %lld rto_n %u retx %llu pend %llu lost %llu sent %llu\n",
                        (double)(t - healed) / 1e6, i, n->cc.mode, (unsigned long long)n->cc.bw,
                        (unsigned long long)n->cc.pacing_rate, (unsigned long long)n->cc.cwnd,
                        (unsigned long long)n->bytes_in_flight, (long long)n->cc.min_rtt,
                        (long long)n->rtt.smoothed, n->rto_count,
                        (unsigned long long)n->retx_pending, (unsigned long long)n->pending_bytes,
                        (unsigned long long)n->stats.pkts_lost,
                        (unsigned long long)n->stats.pkts_sent);
            }
        }
    }
    sim_run(s, healed + limit, all_arrived, &st);
    int64_t done = sim_now(s);

    bool ok = true;
    const char *e;
    if ((e = a->failed ? a->err : b->failed ? b->err : NULL)) {
        snprintf(out->err, sizeof out->err, "%s", e);
        ok = false;
    } else if ((e = chk_error(ab)) || (e = chk_error(ba))) {
        snprintf(out->err, sizeof out->err, "%s", e);
        ok = false;
    } else if (!all_sent(&st)) {
        snprintf(out->err, sizeof out->err, "sending phase did not finish in %.1f s (sent %u+%u)",
                 (double)c->send_time / 1e6, a->sent, b->sent);
        ok = false;
    } else if (!all_arrived(&st)) {
        if (verbose) {
            snp_ep *eps[2] = {a, b};
            for (int i = 0; i < 2; i++) {
                const tern_snp *n = &eps[i]->snp;
                fprintf(
                    stderr,
                    "ep%d: next_pkt %lld ring_base %lld min_waiting %lld inflight %llu cwnd %llu "
                    "retx %llu pending %llu/%u rto %lld (now %lld) max_recv %lld gaps %zu "
                    "ack_dl %lld nack_dl %lld\n",
                    i, (long long)n->next_pktnum, (long long)n->ring_base,
                    (long long)n->min_waiting, (unsigned long long)n->bytes_in_flight,
                    (unsigned long long)n->cc.cwnd, (unsigned long long)n->retx_pending,
                    (unsigned long long)n->pending_bytes, n->npending_msgs,
                    (long long)n->rto_deadline, (long long)sim_now(s), (long long)n->max_recv,
                    n->ngaps, (long long)n->ack_deadline, (long long)n->nack_deadline);
                for (unsigned l = 0; l < n->nlanes; l++) {
                    const tern_snp_lane_tx *t = &n->tx[l];
                    if (t->ack_floor == t->stream_end && !t->head) continue;
                    fprintf(stderr,
                            "  tx lane %u: floor %lld sent_end %lld stream_end %lld lost %zu acked "
                            "%zu\n",
                            l, (long long)t->ack_floor, (long long)t->sent_end,
                            (long long)t->stream_end, t->lost.n, t->acked.n);
                }
                for (unsigned l = 0; l < 256 && n->rx; l++) {
                    const tern_snp_lane_rx *r = n->rx[l];
                    if (!r || r->recv_pos == r->recv_end) continue;
                    fprintf(stderr,
                            "  rx lane %u: pos %lld end %lld gaps %zu first gap %lld-%lld\n", l,
                            (long long)r->recv_pos, (long long)r->recv_end, r->gaps.n,
                            (long long)(r->gaps.n ? r->gaps.r[0].begin : 0),
                            (long long)(r->gaps.n ? r->gaps.r[0].end : 0));
                }
            }
        }
        snprintf(out->err, sizeof out->err,
                 "stall: %.1f s after the link healed, reliable %llu/%llu and %llu/%llu arrived",
                 (double)(done - healed) / 1e6, (unsigned long long)chk_reliable_recv(ab),
                 (unsigned long long)chk_reliable_sent(ab),
                 (unsigned long long)chk_reliable_recv(ba),
                 (unsigned long long)chk_reliable_sent(ba));
        ok = false;
    } else if (a->cm.peak > c->mem_limit || b->cm.peak > c->mem_limit) {
        snprintf(out->err, sizeof out->err, "memory peak %lld bytes over the %lld limit",
                 (long long)(a->cm.peak > b->cm.peak ? a->cm.peak : b->cm.peak),
                 (long long)c->mem_limit);
        ok = false;
    }
    uint64_t rel = chk_reliable_sent(ab) + chk_reliable_sent(ba);
    uint64_t us = chk_unreliable_sent(ab) + chk_unreliable_sent(ba);
    uint64_t ur = chk_unreliable_recv(ab) + chk_unreliable_recv(ba);
    out->fig[0] = (double)rel;
    out->fig[1] = us ? 100.0 * (double)ur / (double)us : 100.0;
    out->fig[2] = (double)(done - t0) / 1e6;
    out->fig[3] = (double)(a->cm.peak > b->cm.peak ? a->cm.peak : b->cm.peak) / 1024.0;
    out->fig[4] = (double)(a->snp.stats.pkts_retx_bytes + b->snp.stats.pkts_retx_bytes) / 1024.0;
    if (verbose)
        snprintf(out->note, sizeof out->note,
                 "reliable %llu, unreliable %llu/%llu, virtual %.2f s, peak %lld B, retx %llu B, "
                 "limit-exceeded %llu, nodelay-dropped %llu",
                 (unsigned long long)rel, (unsigned long long)ur, (unsigned long long)us,
                 out->fig[2], (long long)(a->cm.peak > b->cm.peak ? a->cm.peak : b->cm.peak),
                 (unsigned long long)(a->snp.stats.pkts_retx_bytes + b->snp.stats.pkts_retx_bytes),
                 (unsigned long long)(a->limit_exceeded + b->limit_exceeded),
                 (unsigned long long)(a->ignored + b->ignored));
    snp_ep_free(a);
    snp_ep_free(b);
    /* Every byte the engines allocated must have come back. */
    if (ok && (a->cm.cur != 0 || b->cm.cur != 0)) {
        snprintf(out->err, sizeof out->err, "leak: %lld + %lld bytes still allocated",
                 (long long)a->cm.cur, (long long)b->cm.cur);
        ok = false;
    }
    free(a);
    free(b);
    chk_del(ab);
    chk_del(ba);
    sim_del(s);
    return ok;
}

static void scen_rng(sim_rng *r, uint64_t seed)
{
    sim_rng_seed(r, seed ^ 0x5ce7a110u);
}

/* --- the scenarios ---------------------------------------------------------- */

static bool s_clean(uint64_t seed, bool v, scen_out *o)
{
    sim_rng r;
    scen_rng(&r, seed);
    corr c;
    corr_default(&c, &r);
    return run_corr(seed, &c, v, o);
}

static bool s_lossy(uint64_t seed, bool v, scen_out *o)
{
    sim_rng r;
    scen_rng(&r, seed);
    corr c;
    corr_default(&c, &r);
    double loss = 0.01 + 0.19 * sim_rng_unit(&r);
    c.link[0].loss = loss;
    c.link[1].loss = 0.01 + 0.19 * sim_rng_unit(&r);
    return run_corr(seed, &c, v, o);
}

static bool s_bursty(uint64_t seed, bool v, scen_out *o)
{
    sim_rng r;
    scen_rng(&r, seed);
    corr c;
    corr_default(&c, &r);
    for (int i = 0; i < 2; i++) {
        c.link[i].ge_p_gb = 0.005 + 0.05 * sim_rng_unit(&r);
        c.link[i].ge_p_bg = 0.1 + 0.4 * sim_rng_unit(&r);
        c.link[i].ge_loss_bad = 0.5 + 0.5 * sim_rng_unit(&r);
        c.link[i].loss = 0.005 * sim_rng_unit(&r);
    }
    return run_corr(seed, &c, v, o);
}

static bool s_reorder(uint64_t seed, bool v, scen_out *o)
{
    sim_rng r;
    scen_rng(&r, seed);
    corr c;
    corr_default(&c, &r);
    for (int i = 0; i < 2; i++) {
        c.link[i].reorder = 0.05 + 0.3 * sim_rng_unit(&r);
        c.link[i].reorder_delay = 1000 + (int64_t)sim_rng_below(&r, 30000);
        c.link[i].jitter = (int64_t)sim_rng_below(&r, 10000);
        c.link[i].loss = 0.02 * sim_rng_unit(&r);
    }
    return run_corr(seed, &c, v, o);
}

static bool s_dup(uint64_t seed, bool v, scen_out *o)
{
    sim_rng r;
    scen_rng(&r, seed);
    corr c;
    corr_default(&c, &r);
    for (int i = 0; i < 2; i++) {
        c.link[i].dup = 0.05 + 0.3 * sim_rng_unit(&r);
        c.link[i].loss = 0.03 * sim_rng_unit(&r);
        c.link[i].jitter = (int64_t)sim_rng_below(&r, 5000);
    }
    return run_corr(seed, &c, v, o);
}

static bool s_tiny_mtu(uint64_t seed, bool v, scen_out *o)
{
    sim_rng r;
    scen_rng(&r, seed);
    corr c;
    corr_default(&c, &r);
    c.cfg.mtu = 200 + (int32_t)sim_rng_below(&r, 201);
    for (int i = 0; i < 2; i++) {
        c.link[i].mtu = (uint32_t)c.cfg.mtu;
        c.link[i].loss = 0.05 * sim_rng_unit(&r);
    }
    return run_corr(seed, &c, v, o);
}

static bool s_blackout(uint64_t seed, bool v, scen_out *o)
{
    sim_rng r;
    scen_rng(&r, seed);
    corr c;
    corr_default(&c, &r);
    int64_t t0 = 1000000000 + 500000 + (int64_t)sim_rng_below(&r, 2000000);
    int64_t len = 2000000 + (int64_t)sim_rng_below(&r, 6000000);
    for (int i = 0; i < 2; i++) {
        c.link[i].blackout[0] = (sim_blackout){t0, t0 + len};
        c.link[i].nblackouts = 1;
        c.link[i].loss = 0.02 * sim_rng_unit(&r);
        /* keep sending through the blackout */
        c.wl[i].interval_max = 60000;
    }
    return run_corr(seed, &c, v, o);
}

static bool s_bottleneck(uint64_t seed, bool v, scen_out *o)
{
    sim_rng r;
    scen_rng(&r, seed);
    corr c;
    corr_default(&c, &r);
    for (int i = 0; i < 2; i++) {
        c.link[i].rate = 50000 + sim_rng_below(&r, 2000000);
        c.link[i].queue_bytes = 8000 + sim_rng_below(&r, 100000);
        c.link[i].loss = 0.01 * sim_rng_unit(&r);
        c.wl[i].interval_max = 5000;
        c.wl[i].size_max = 20000;
    }
    return run_corr(seed, &c, v, o);
}

static bool s_lanes(uint64_t seed, bool v, scen_out *o)
{
    sim_rng r;
    scen_rng(&r, seed);
    corr c;
    corr_default(&c, &r);
    c.lanes = (uint16_t)(2 + sim_rng_below(&r, sim_rng_unit(&r) < 0.3 ? 254 : 15));
    for (int i = 0; i < c.lanes; i++) {
        c.prio[i] = (int)sim_rng_below(&r, 4);
        c.weight[i] = (uint16_t)(1 + sim_rng_below(&r, 100));
    }
    for (int i = 0; i < 2; i++) {
        c.wl[i].lanes = c.lanes;
        c.wl[i].count = 300 + (uint32_t)sim_rng_below(&r, 300);
        c.wl[i].interval_max = 8000;
        c.link[i].loss = 0.05 * sim_rng_unit(&r);
        c.link[i].reorder = 0.05 * sim_rng_unit(&r);
        c.link[i].reorder_delay = 5000;
    }
    return run_corr(seed, &c, v, o);
}

static bool s_huge(uint64_t seed, bool v, scen_out *o)
{
    sim_rng r;
    scen_rng(&r, seed);
    corr c;
    corr_default(&c, &r);
    c.cfg.send_buffer = 4 << 20;
    c.cfg.recv_buffer = 4 << 20;
    c.mem_limit = 32 << 20;
    for (int i = 0; i < 2; i++) {
        c.wl[i].count = 12 + (uint32_t)sim_rng_below(&r, 20);
        c.wl[i].size_max = TERN_SNP_MAX_MSG_SEND;
        c.wl[i].p_zero = 0.25;
        c.wl[i].p_reliable = 0.5; /* unreliable > 16500 goes reliable */
        c.wl[i].interval_max = 50000;
        c.link[i].loss = 0.03 * sim_rng_unit(&r);
    }
    return run_corr(seed, &c, v, o);
}

static bool s_slow_consumer(uint64_t seed, bool v, scen_out *o)
{
    sim_rng r;
    scen_rng(&r, seed);
    corr c;
    corr_default(&c, &r);
    c.cfg.recv_buffer_msgs = 4 + (int32_t)sim_rng_below(&r, 40);
    c.cfg.recv_buffer = 4096 + (int32_t)sim_rng_below(&r, 60000);
    c.stall_limit = 60000000;
    for (int i = 0; i < 2; i++) {
        c.wl[i].consume_interval = 500 + (int64_t)sim_rng_below(&r, 5000);
        c.wl[i].size_max = 3000;
        c.wl[i].interval_max = 3000;
        c.link[i].loss = 0.03 * sim_rng_unit(&r);
    }
    return run_corr(seed, &c, v, o);
}

static bool s_chaos(uint64_t seed, bool v, scen_out *o)
{
    sim_rng r;
    scen_rng(&r, seed);
    corr c;
    corr_default(&c, &r);
    if (sim_rng_unit(&r) < 0.3) c.cfg.mtu = 200 + (int32_t)sim_rng_below(&r, 1100);
    if (sim_rng_unit(&r) < 0.5) c.cfg.nagle_usec = (int32_t)sim_rng_below(&r, 20000);
    c.lanes = (uint16_t)(1 + sim_rng_below(&r, 8));
    for (int i = 0; i < c.lanes; i++) {
        c.prio[i] = (int)sim_rng_below(&r, 3);
        c.weight[i] = (uint16_t)(1 + sim_rng_below(&r, 10));
    }
    for (int i = 0; i < 2; i++) {
        sim_link_cfg *l = &c.link[i];
        l->mtu = (uint32_t)c.cfg.mtu;
        l->loss = 0.1 * sim_rng_unit(&r);
        l->jitter = (int64_t)sim_rng_below(&r, 20000);
        l->dup = 0.1 * sim_rng_unit(&r);
        l->reorder = 0.1 * sim_rng_unit(&r);
        l->reorder_delay = (int64_t)sim_rng_below(&r, 20000);
        if (sim_rng_unit(&r) < 0.3) {
            l->ge_p_gb = 0.02;
            l->ge_p_bg = 0.3;
            l->ge_loss_bad = 0.8;
        }
        if (sim_rng_unit(&r) < 0.4) {
            l->rate = 100000 + sim_rng_below(&r, 5000000);
            l->queue_bytes = 10000 + sim_rng_below(&r, 200000);
        }
        c.wl[i].lanes = c.lanes;
        c.wl[i].size_max = sim_rng_unit(&r) < 0.2 ? 100000 : 3000;
        c.wl[i].p_reliable = sim_rng_unit(&r);
    }
    return run_corr(seed, &c, v, o);
}

#define CORR_FIGS                                                                                  \
    {                                                                                              \
        "reliable msgs", "unreliable delivered %", "virtual s", "peak KiB", "retx KiB", NULL       \
    }

const scenario sim_scenarios[] = {
    {"clean", s_clean, 800, CORR_FIGS, "no impairment, 1-50 ms latency"},
    {"lossy", s_lossy, 1000, CORR_FIGS, "random loss 1-20 % each way"},
    {"bursty", s_bursty, 800, CORR_FIGS, "Gilbert-Elliott burst loss"},
    {"reorder", s_reorder, 800, CORR_FIGS, "reordering and jitter"},
    {"dup", s_dup, 800, CORR_FIGS, "duplication 5-35 %"},
    {"tiny_mtu", s_tiny_mtu, 800, CORR_FIGS, "MTU 200-400 bytes"},
    {"blackout", s_blackout, 600, CORR_FIGS, "a 2-8 s blackout both ways"},
    {"bottleneck", s_bottleneck, 600, CORR_FIGS, "50 KB/s-2 MB/s bottleneck, drop-tail"},
    {"lanes", s_lanes, 800, CORR_FIGS, "2-255 lanes, random priorities and weights"},
    {"huge", s_huge, 300, CORR_FIGS, "messages up to 512 KiB and zero-byte ones"},
    {"slow_consumer", s_slow_consumer, 500, CORR_FIGS, "tiny receive buffers, slow application"},
    {"chaos", s_chaos, 1500, CORR_FIGS, "every impairment at once"},
    CC_SCENARIOS CONN_SCENARIOS IDLE_SCENARIOS{NULL, NULL, 0, {NULL}, NULL},
};

const scenario *sim_scenario_find(const char *name)
{
    for (const scenario *s = sim_scenarios; s->name; s++)
        if (strcmp(s->name, name) == 0) return s;
    return NULL;
}
