/* Scenarios with figures: lane shares, and congestion control (goodput as a
 * fraction of a bottleneck, standing queue delay, loss caused, fairness). */
#include "cc_scen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snp_ep.h"

typedef struct flow {
    snp_ep *tx, *rx;
    chk *fwd, *rev;
    uint64_t bytes_at_start;
} flow;

static void flow_new(flow *f, sim *s, uint32_t dir, const tern_snp_cfg *cfg, const wl_cfg *wl)
{
    wl_cfg idle = {0};
    f->fwd = chk_new(dir);
    f->rev = chk_new(dir + 1);
    f->tx = calloc(1, sizeof *f->tx);
    f->rx = calloc(1, sizeof *f->rx);
    if (!f->tx || !f->rx) abort();
    snp_ep_init(f->tx, s, dir, cfg, wl, f->fwd, f->rev);
    snp_ep_init(f->rx, s, dir + 1, cfg, &idle, f->rev, f->fwd);
    snp_ep_attach(f->tx);
    snp_ep_attach(f->rx);
    f->tx->peer = f->rx->node.id;
    f->rx->peer = f->tx->node.id;
}

static const char *flow_error(const flow *f)
{
    if (f->tx->failed) return f->tx->err;
    if (f->rx->failed) return f->rx->err;
    const char *e = chk_error(f->fwd);
    return e ? e : chk_error(f->rev);
}

static void flow_free(flow *f)
{
    snp_ep_free(f->tx);
    snp_ep_free(f->rx);
    free(f->tx);
    free(f->rx);
    chk_del(f->fwd);
    chk_del(f->rev);
}

/* Buffers must hold twice the bandwidth-delay product, or the receiver's
 * RecvBufferSize (WIRE.md §6.5) caps the rate below the link's. */
static bool size_buffers(tern_snp_cfg *cfg, uint64_t rate, int64_t rtt)
{
    uint64_t bdp = (uint64_t)((double)rate * (double)rtt / 1e6);
    if (2 * bdp <= (uint64_t)cfg->recv_buffer && 2 * bdp <= (uint64_t)cfg->send_buffer)
        return false;
    uint64_t want = 2 * bdp;
    if (want < (uint64_t)cfg->recv_buffer) want = (uint64_t)cfg->recv_buffer;
    if (want > 256u << 20) want = 256u << 20;
    cfg->recv_buffer = (int32_t)want;
    cfg->send_buffer = (int32_t)want;
    return true;
}

int cc_run(const cc_params *p, cc_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    sim *s = sim_new(p->seed);
    tern_snp_cfg cfg;
    tern_snp_cfg_default(&cfg);
    res->buffers_raised = size_buffers(&cfg, p->rate, p->rtt);
    wl_cfg wl = {.count = UINT32_MAX, .saturate = true, .sat_size = 65536, .lanes = 1};
    int nflows = p->flows < 1 ? 1 : p->flows > 2 ? 2 : p->flows;
    flow f[2];
    for (int i = 0; i < nflows; i++) {
        flow_new(&f[i], s, (uint32_t)(2 * i), &cfg, &wl);
        sim_link_cfg fwd, rev;
        sim_link_cfg_default(&fwd);
        fwd.latency = p->rtt / 2;
        fwd.rate = p->rate;
        /* a bottleneck buffer of one BDP (at least 64 packets) */
        uint64_t bdp = (uint64_t)((double)p->rate * (double)p->rtt / 1e6);
        fwd.queue_bytes = p->queue_bytes ? p->queue_bytes : (bdp > 64 * 1300 ? bdp : 64 * 1300);
        fwd.loss = p->loss;
        fwd.shared = 1;
        rev = fwd;
        rev.rate = 0;
        rev.loss = 0;
        rev.shared = 0;
        sim_set_link(s, f[i].tx->node.id, f[i].rx->node.id, &fwd);
        sim_set_link(s, f[i].rx->node.id, f[i].tx->node.id, &rev);
        /* what the handshake would have measured */
        tern_snp_rtt_sample(&f[i].tx->snp, sim_now(s), p->rtt);
        tern_snp_rtt_sample(&f[i].rx->snp, sim_now(s), p->rtt);
    }
    int64_t t0 = sim_now(s);
    int64_t warm = p->warmup ? p->warmup : (p->rtt * 30 > 3000000 ? p->rtt * 30 : 3000000);
    sim_run(s, t0 + warm, NULL, NULL);
    sim_link_stats before[2];
    for (int i = 0; i < nflows; i++) {
        f[i].bytes_at_start = chk_bytes_recv(f[i].fwd);
        before[i] = *sim_link_stats_get(s, f[i].tx->node.id, f[i].rx->node.id);
    }
    if (getenv("TERN_SIM_TRACE")) {
        const char *st = getenv("TERN_SIM_TRACE_STEP"); /* usec between lines */
        int64_t step = st && atoll(st) > 0 ? atoll(st) : 500000;
        for (int64_t t = t0 + warm; t < t0 + warm + p->duration; t += step) {
            sim_run(s, t, NULL, NULL);
            for (int i = 0; i < nflows; i++) {
                const tern_cc *c = &f[i].tx->snp.cc;
                fprintf(
                    stderr,
                    "t=%.1f f%d mode %d bw %.2f Mbit/s pace %.2f cwnd %llu infl %llu minrtt %lld "
                    "srtt %lld gain %u | sent %llu lost %llu spur %llu retxq %llu | rx gaps %zu "
                    "ooo %llu | lane0 unacked %lld reo %lld\n",
                    (double)(t - t0) / 1e6, i, c->mode, (double)c->bw * 8 / 1e6,
                    (double)c->pacing_rate * 8 / 1e6, (unsigned long long)c->cwnd,
                    (unsigned long long)f[i].tx->snp.bytes_in_flight, (long long)c->min_rtt,
                    (long long)f[i].tx->snp.rtt.smoothed, c->pacing_gain,
                    (unsigned long long)f[i].tx->snp.stats.pkts_sent,
                    (unsigned long long)f[i].tx->snp.stats.pkts_lost,
                    (unsigned long long)f[i].tx->snp.stats.pkts_spurious,
                    (unsigned long long)f[i].tx->snp.retx_pending, f[i].rx->snp.ngaps,
                    (unsigned long long)f[i].rx->snp.stats.pkts_ooo,
                    (long long)(f[i].tx->snp.tx[0].sent_end - f[i].tx->snp.tx[0].ack_floor),
                    (long long)f[i].tx->snp.reo_wnd);
            }
        }
    }
    sim_run(s, t0 + warm + p->duration, NULL, NULL);
    double secs = (double)p->duration / 1e6;
    double total = 0, sq = 0;
    uint64_t sent = 0, dropped = 0, delivered = 0;
    int64_t qsum = 0;
    int ok = 1;
    for (int i = 0; i < nflows; i++) {
        const char *e = flow_error(&f[i]);
        if (e) {
            snprintf(err, errlen, "%s", e);
            ok = 0;
        }
        double bytes = (double)(chk_bytes_recv(f[i].fwd) - f[i].bytes_at_start);
        double rate = bytes / secs;
        res->goodput[i] = rate / (double)p->rate;
        total += rate;
        sq += rate * rate;
        const sim_link_stats *st = sim_link_stats_get(s, f[i].tx->node.id, f[i].rx->node.id);
        sent += st->sent - before[i].sent;
        dropped += st->dropped_queue - before[i].dropped_queue;
        delivered += st->delivered - before[i].delivered;
        qsum += st->queue_delay_sum - before[i].queue_delay_sum;
    }
    res->goodput_total = total / (double)p->rate;
    res->jain = nflows > 1 && sq > 0 ? total * total / (nflows * sq) : 1.0;
    res->loss_caused = sent ? (double)dropped / (double)sent : 0;
    res->queue_delay = delivered ? (double)qsum / (double)delivered : 0;
    for (int i = 0; i < nflows; i++) flow_free(&f[i]);
    sim_del(s);
    return ok;
}

/* --- scenarios for tern-sim / CTest ---------------------------------------------- */

static double log_uniform(sim_rng *r, double lo, double hi)
{
    return lo * pow(hi / lo, sim_rng_unit(r));
}

static bool cc_scen(uint64_t seed, scen_out *o, double loss, int flows, double min_goodput,
                    double min_jain, uint64_t rate_max)
{
    sim_rng r;
    sim_rng_seed(&r, seed ^ 0xcc0000u);
    cc_params p = {0};
    p.seed = seed;
    p.rate = (uint64_t)log_uniform(&r, 10e6 / 8, (double)rate_max);
    p.rtt = (int64_t)log_uniform(&r, 1000, 200000);
    p.loss = loss;
    p.flows = flows;
    p.duration = 8000000;
    cc_result res;
    char err[256] = "";
    int ok = cc_run(&p, &res, err, sizeof err);
    o->fig[0] = 100 * res.goodput_total;
    o->fig[1] = res.queue_delay / 1000.0;
    o->fig[2] = 100 * res.loss_caused;
    o->fig[3] = res.jain;
    snprintf(o->note, sizeof o->note, "%.1f Mbit/s, RTT %.1f ms, loss %.1f %%%s",
             (double)p.rate * 8 / 1e6, (double)p.rtt / 1000, 100 * loss,
             res.buffers_raised ? ", buffers raised to 2 x BDP" : "");
    if (!ok) {
        snprintf(o->err, sizeof o->err, "%s (%s)", err, o->note);
        return false;
    }
    if (res.goodput_total < min_goodput) {
        snprintf(o->err, sizeof o->err, "goodput %.1f %% < %.0f %% (%s)", 100 * res.goodput_total,
                 100 * min_goodput, o->note);
        return false;
    }
    if (res.queue_delay > (double)p.rtt + 1000) {
        snprintf(o->err, sizeof o->err, "standing queue %.1f ms > base RTT (%s)",
                 res.queue_delay / 1000, o->note);
        return false;
    }
    if (flows > 1 && res.jain < min_jain) {
        snprintf(o->err, sizeof o->err, "Jain index %.3f < %.2f (%s)", res.jain, min_jain, o->note);
        return false;
    }
    return true;
}

/* CI runs the cheaper end of the range (<= 100 Mbit/s); tern-sim --scenario
 * cc_table covers up to 1 Gbit/s. */
bool cc_s_clean(uint64_t seed, bool v, scen_out *o)
{
    (void)v;
    return cc_scen(seed, o, 0, 1, 0.90, 0, 100e6 / 8);
}

bool cc_s_loss1(uint64_t seed, bool v, scen_out *o)
{
    (void)v;
    return cc_scen(seed, o, 0.01, 1, 0.70, 0, 100e6 / 8);
}

bool cc_s_fair(uint64_t seed, bool v, scen_out *o)
{
    (void)v;
    return cc_scen(seed, o, 0, 2, 0.90, 0.9, 100e6 / 8);
}

/* Lane shares: saturated lanes of one priority share bytes by weight;
 * a saturated higher-priority lane starves lower ones. */
bool cc_s_lane_share(uint64_t seed, bool v, scen_out *o)
{
    (void)v;
    sim_rng r;
    sim_rng_seed(&r, seed ^ 0x1a1eu);
    sim *s = sim_new(seed);
    tern_snp_cfg cfg;
    tern_snp_cfg_default(&cfg);
    int nl = 2 + (int)sim_rng_below(&r, 4);
    int prio[8];
    uint16_t w[8];
    bool with_prio = sim_rng_unit(&r) < 0.3;
    for (int i = 0; i < nl; i++) {
        prio[i] = with_prio && i == nl - 1 ? -1 : 0; /* last lane urgent */
        w[i] = (uint16_t)(1 + sim_rng_below(&r, 8));
    }
    wl_cfg wl = {.count = UINT32_MAX, .saturate = true, .sat_size = 1000, .lanes = (uint16_t)nl};
    flow f;
    flow_new(&f, s, 0, &cfg, &wl);
    if (tern_snp_configure_lanes(&f.tx->snp, nl, prio, w) != TERN_OK) abort();
    sim_link_cfg fwd;
    sim_link_cfg_default(&fwd);
    fwd.latency = 5000 + (int64_t)sim_rng_below(&r, 40000);
    fwd.rate = 200000 + sim_rng_below(&r, 2000000);
    fwd.queue_bytes = 100000;
    sim_link_cfg rev = fwd;
    rev.rate = 0;
    sim_set_link(s, f.tx->node.id, f.rx->node.id, &fwd);
    sim_set_link(s, f.rx->node.id, f.tx->node.id, &rev);
    int64_t t0 = sim_now(s);
    sim_run(s, t0 + 2000000, NULL, NULL);
    uint64_t start[8];
    for (int i = 0; i < nl; i++) start[i] = chk_lane_bytes_recv(f.fwd, (uint16_t)i);
    sim_run(s, t0 + 8000000, NULL, NULL);
    double got[8], tot = 0;
    for (int i = 0; i < nl; i++) {
        got[i] = (double)(chk_lane_bytes_recv(f.fwd, (uint16_t)i) - start[i]);
        tot += got[i];
    }
    bool ok = true;
    const char *e = flow_error(&f);
    double worst = 0;
    if (e) {
        snprintf(o->err, sizeof o->err, "%s", e);
        ok = false;
    } else if (with_prio) {
        /* the urgent lane takes (nearly) everything */
        double share = got[nl - 1] / tot;
        worst = 1 - share;
        if (share < 0.95) {
            snprintf(o->err, sizeof o->err, "priority lane got %.1f %% of the link", 100 * share);
            ok = false;
        }
    } else {
        double wsum = 0;
        for (int i = 0; i < nl; i++) wsum += w[i];
        for (int i = 0; i < nl; i++) {
            double want = w[i] / wsum, have = got[i] / tot;
            double dev = fabs(have - want) / want;
            if (dev > worst) worst = dev;
        }
        if (worst > 0.10) {
            snprintf(o->err, sizeof o->err, "lane share off by %.1f %% of its weight", 100 * worst);
            ok = false;
        }
    }
    o->fig[0] = nl;
    o->fig[1] = 100 * worst;
    int k = snprintf(o->note, sizeof o->note, "%s", with_prio ? "last lane urgent;" : "");
    for (int i = 0; i < nl && k >= 0 && (size_t)k < sizeof o->note; i++)
        k += snprintf(o->note + k, sizeof o->note - (size_t)k, " w%u %.1f%%", w[i],
                      100 * got[i] / tot);
    flow_free(&f);
    sim_del(s);
    return ok;
}
