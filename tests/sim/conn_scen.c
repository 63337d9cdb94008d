/* Connection-layer scenarios: whole tern instances on the simulator. */
#include "conn_scen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_ep.h"

typedef struct app {
    conn_ep *ep;
    bool server;
    bool accept;   /* server: accept incoming connections */
    uint32_t conn; /* our connection (client: from connect; server: accepted) */
    size_t seen;   /* events handled so far */
    chk *rx;       /* what the peer sent, verified here */
    chk *tx;       /* what we send */
    uint32_t dir;
    uint64_t received;
} app;

static void app_hook(conn_ep *e, int64_t now)
{
    app *a = e->user;
    for (; a->seen < e->nevents; a->seen++) {
        ep_event *ev = &e->events[a->seen];
        if (a->server && ev->listen && ev->old_state == 0 && ev->new_state == 1 && !a->conn) {
            a->conn = ev->conn;
            if (a->accept) {
                tern_conn *c = tern_inst_conn(&e->inst, ev->conn);
                if (c) tern_conn_accept(c, now);
            }
        }
    }
    if (!a->conn) return;
    tern_conn *c = tern_inst_conn(&e->inst, a->conn);
    if (!c) return;
    tern_message *m[64];
    int n;
    while ((n = tern_conn_receive(c, now, m, 64)) > 0) {
        for (int i = 0; i < n; i++) {
            chk_recv(a->rx, m[i]->lane, m[i]->message_number,
                     (m[i]->flags & TERN_SEND_RELIABLE) != 0, m[i]->data, (size_t)m[i]->size);
            a->received++;
            m[i]->release(m[i]);
        }
    }
}

static int send_some(app *a, sim_rng *r, int64_t now, int count, int lanes, size_t max_size)
{
    static uint8_t buf[65536];
    tern_conn *c = tern_inst_conn(&a->ep->inst, a->conn);
    if (!c) return 0;
    int sent = 0;
    for (int i = 0; i < count; i++) {
        uint16_t lane = (uint16_t)sim_rng_below(r, (uint64_t)lanes);
        size_t size = (size_t)sim_rng_below(r, max_size + 1);
        bool rel = sim_rng_unit(r) < 0.7;
        int64_t expect = c->snp_ready ? c->snp.tx[lane].next_msgnum : 1;
        chk_fill(a->dir, lane, expect, buf, size);
        int64_t num = 0;
        tern_result res =
            tern_conn_send(c, now, lane, buf, (uint32_t)size, rel ? TERN_SEND_RELIABLE : 0, &num);
        if (res == TERN_LIMIT_EXCEEDED) break;
        if (res != TERN_OK) return -1;
        chk_sent(a->tx, lane, num, rel || size > TERN_SNP_UNREL_MAX, size);
        sent++;
    }
    return sent;
}

typedef struct run2 {
    sim *s;
    conn_ep *cl, *sv;
    app *ca, *sa;
} run2;

static bool both_connected(void *arg)
{
    run2 *r = arg;
    tern_conn *c = r->ca->conn ? tern_inst_conn(&r->cl->inst, r->ca->conn) : NULL;
    tern_conn *d = r->sa->conn ? tern_inst_conn(&r->sv->inst, r->sa->conn) : NULL;
    return c && d && c->state == TERN_CS_CONNECTED && d->state == TERN_CS_CONNECTED;
}

static bool all_delivered(void *arg)
{
    run2 *r = arg;
    return chk_all_reliable_delivered(r->ca->tx) && chk_all_reliable_delivered(r->sa->tx);
}

/* The events one connection handle saw, as "a>b,c>d,..." */
static void seq_of(const conn_ep *e, uint32_t conn, char *out, size_t cap, int *reason, char *debug,
                   size_t dcap)
{
    size_t k = 0;
    out[0] = 0;
    for (size_t i = 0; i < e->nevents; i++) {
        const ep_event *ev = &e->events[i];
        if (ev->conn != conn) continue;
        int n = snprintf(out + k, cap - k, "%s%d>%d", k ? "," : "", ev->old_state, ev->new_state);
        if (n > 0 && (size_t)n < cap - k) k += (size_t)n;
        if (ev->new_state == TERN_STATE_CLOSED_BY_PEER || ev->new_state == TERN_STATE_PROBLEM) {
            *reason = ev->end_reason;
            snprintf(debug, dcap, "%s", ev->end_debug);
        }
    }
}

static void setup2(run2 *r, sim *s, app *ca, app *sa, conn_ep *cl, conn_ep *sv, chk *c2s, chk *s2c)
{
    conn_ep_init(sv, s, NULL);
    conn_ep_init(cl, s, NULL);
    *sa = (app){.ep = sv, .server = true, .accept = true, .rx = c2s, .tx = s2c, .dir = 1};
    *ca = (app){.ep = cl, .rx = s2c, .tx = c2s, .dir = 0};
    sv->user = sa;
    cl->user = ca;
    sv->app = app_hook;
    cl->app = app_hook;
    *r = (run2){s, cl, sv, ca, sa};
}

static int listen_and_connect(run2 *r, int64_t now, int nopts, const tern_config_value *opts)
{
    tern_addr la, ra;
    conn_ep_addr(r->sv->node.id, 27015, &la);
    uint32_t lh;
    if (tern_inst_listen(&r->sv->inst, now, &la, nopts, opts, &lh) != TERN_OK) return -1;
    ra = la;
    if (tern_inst_connect(&r->cl->inst, now, &ra, nopts, opts, &r->ca->conn) != TERN_OK) return -1;
    return 0;
}

/* --- conn_basic ------------------------------------------------------------------------------ */

/* Connections in FinWait on |e|; -1 if one of them still holds its engine,
 * keys or handshake (tern_conn_finwait frees them on entry). */
static int finwait_lean(const conn_ep *e)
{
    int n = 0;
    for (const tern_conn *c = e->inst.closing; c; c = c->closing_next) {
        if (c->state != TERN_CS_FIN_WAIT) continue;
        if (c->snp_ready || c->aead_ready || c->hs || c->hs_ok || c->peer) return -1;
        n++;
    }
    return n;
}

enum close_path { CLOSE_CLIENT, CLOSE_SERVER, CLOSE_CLIENT_LINGER, CLOSE_BOTH, NCLOSE };

static const char *path_name[NCLOSE] = {"client closes", "server closes", "client lingers",
                                        "both close"};

bool conn_s_basic(uint64_t seed, bool verbose, scen_out *o)
{
    sim_rng r;
    sim_rng_seed(&r, seed ^ 0xc0cafeu);
    sim *s = sim_new(seed);
    conn_ep *cl = calloc(1, sizeof *cl), *sv = calloc(1, sizeof *sv);
    app ca, sa;
    chk *c2s = chk_new(0), *s2c = chk_new(1);
    run2 rr;
    setup2(&rr, s, &ca, &sa, cl, sv, c2s, s2c);
    for (int d = 0; d < 2; d++) {
        sim_link_cfg l;
        sim_link_cfg_default(&l);
        l.latency = 1000 + (int64_t)sim_rng_below(&r, 40000);
        l.loss = sim_rng_unit(&r) < 0.5 ? 0 : 0.1 * sim_rng_unit(&r);
        l.jitter = (int64_t)sim_rng_below(&r, 3000);
        sim_set_link(s, d ? cl->node.id : sv->node.id, d ? sv->node.id : cl->node.id, &l);
    }
    int lanes = 1 + (int)sim_rng_below(&r, 4);
    enum close_path path = (enum close_path)sim_rng_below(&r, NCLOSE);
    int reason = sim_rng_unit(&r) < 0.2 ? 0 : 1000 + (int)sim_rng_below(&r, 2000);
    const char *debug = sim_rng_unit(&r) < 0.3 ? NULL : "closing for the test";
    /* From the seed, not the stream, so that the other draws stay as they were. */
    bool timeprev = (seed >> 3) & 1;
    tern_config_value tp_opt = {
        TERN_OPT_SEND_TIME_SINCE_PREVIOUS_PACKET, TERN_CFGT_INT32, {.i32 = 1}};
    char err[512] = "";
    int64_t t0 = sim_now(s);
    if (listen_and_connect(&rr, t0, timeprev ? 1 : 0, timeprev ? &tp_opt : NULL) != 0) {
        snprintf(err, sizeof err, "listen/connect failed");
        goto done;
    }
    sim_run(s, t0 + 30000000, both_connected, &rr);
    if (!both_connected(&rr)) {
        snprintf(err, sizeof err, "not connected after 30 s");
        goto done;
    }
    tern_conn *cc = tern_inst_conn(&cl->inst, ca.conn), *sc = tern_inst_conn(&sv->inst, sa.conn);
    if (lanes > 1 && (tern_conn_configure_lanes(cc, lanes, NULL, NULL) != TERN_OK ||
                      tern_conn_configure_lanes(sc, lanes, NULL, NULL) != TERN_OK)) {
        snprintf(err, sizeof err, "configure lanes failed");
        goto done;
    }
    int total = 100 + (int)sim_rng_below(&r, 200);
    for (int sent = 0; sent < total;) {
        int64_t now = sim_now(s);
        int a = send_some(&ca, &r, now, 5, lanes, 3000);
        int b = send_some(&sa, &r, now, 5, lanes, 3000);
        if (a < 0 || b < 0) {
            snprintf(err, sizeof err, "send failed");
            goto done;
        }
        sent += a + b;
        tern_conn_schedule(cc, now);
        tern_conn_schedule(sc, now);
        sim_run(s, now + 5000, NULL, NULL);
    }
    if (path != CLOSE_CLIENT_LINGER) {
        sim_run(s, sim_now(s) + 60000000, all_delivered, &rr);
        if (!all_delivered(&rr)) {
            snprintf(err, sizeof err, "reliable messages not all delivered before close");
            goto done;
        }
    }
    /* the close */
    int64_t now = sim_now(s);
    int expect_reason = reason == 0 ? 1000 : reason;
    const char *expect_debug = debug ? debug
                               : expect_reason >= 2000
                                   ? "Application closed connection in an unusual way"
                                   : "Application closed connection";
    uint32_t cconn = ca.conn, sconn = sa.conn;
    /* The closer's first ConnectionClosed (or two) never leaves: it says it
     * again, and the peer still hears the close rather than timing out. */
    unsigned drop = (unsigned)(seed >> 4) % 3;
    if (path == CLOSE_SERVER)
        sv->drop_closes = drop;
    else if (path != CLOSE_BOTH)
        cl->drop_closes = drop;
    switch (path) {
    case CLOSE_CLIENT:
        tern_conn_close(cc, now, reason, debug, false);
        break;
    case CLOSE_SERVER:
        tern_conn_close(sc, now, reason, debug, false);
        break;
    case CLOSE_CLIENT_LINGER:
        /* more reliable data, then close with linger: all of it must arrive */
        send_some(&ca, &r, now, 20, lanes, 2000);
        tern_conn_close(cc, now, reason, debug, true);
        break;
    case CLOSE_BOTH:
        tern_conn_close(cc, now, reason, debug, false);
        tern_conn_close(sc, now, reason, debug, false);
        break;
    default:
        break;
    }
    if (path == CLOSE_CLIENT || path == CLOSE_CLIENT_LINGER) ca.conn = 0;
    if (path == CLOSE_SERVER) sa.conn = 0;
    if (path == CLOSE_BOTH) ca.conn = sa.conn = 0;
    /* let the close travel, then the peer's application closes too; every
     * connection that reaches FinWait on the way must be lean there */
    int finwaits = 0;
    for (int64_t until = sim_now(s) + 30000000; sim_now(s) < until;) {
        sim_run(s, sim_now(s) + 100000, NULL, NULL);
        int a = finwait_lean(cl), b = finwait_lean(sv);
        if (a < 0 || b < 0) {
            snprintf(err, sizeof err, "%s: a connection in FinWait still holds its engine or keys",
                     path_name[path]);
            goto done;
        }
        finwaits += a + b;
    }
    if (finwaits == 0) {
        snprintf(err, sizeof err, "%s: no connection seen in FinWait", path_name[path]);
        goto done;
    }
    if (ca.conn) {
        tern_conn *c = tern_inst_conn(&cl->inst, ca.conn);
        if (c) tern_conn_close(c, sim_now(s), 0, NULL, false);
    }
    if (sa.conn) {
        tern_conn *c = tern_inst_conn(&sv->inst, sa.conn);
        if (c) tern_conn_close(c, sim_now(s), 0, NULL, false);
    }
    sim_run(s, sim_now(s) + 10000000, NULL, NULL); /* FIN_WAIT expires */
    char cseq[128], sseq[128], cdbg[64] = "", sdbg[64] = "";
    int creason = 0, sreason = 0;
    seq_of(cl, cconn, cseq, sizeof cseq, &creason, cdbg, sizeof cdbg);
    seq_of(sv, sconn, sseq, sizeof sseq, &sreason, sdbg, sizeof sdbg);
    const char *want_c, *want_s;
    switch (path) {
    case CLOSE_SERVER:
        want_c = "0>1,1>3,3>4,4>0";
        want_s = "0>1,1>3,3>0";
        break;
    case CLOSE_BOTH:
        want_c = "0>1,1>3,3>0";
        want_s = "0>1,1>3,3>0";
        break;
    default:
        want_c = "0>1,1>3,3>0";
        want_s = "0>1,1>3,3>4,4>0";
        break;
    }
    if (strcmp(cseq, want_c) || strcmp(sseq, want_s)) {
        snprintf(err, sizeof err,
                 "%s: client saw %s (want %s; end %d '%s'), server saw %s (want %s; end %d '%s')",
                 path_name[path], cseq, want_c, creason, cdbg, sseq, want_s, sreason, sdbg);
        goto done;
    }
    int peer_reason = path == CLOSE_SERVER ? creason : sreason;
    const char *peer_dbg = path == CLOSE_SERVER ? cdbg : sdbg;
    if (path != CLOSE_BOTH &&
        (peer_reason != expect_reason || strncmp(peer_dbg, expect_debug, sizeof cdbg - 1))) {
        snprintf(err, sizeof err, "%s: peer saw reason %d '%s', want %d '%s'", path_name[path],
                 peer_reason, peer_dbg, expect_reason, expect_debug);
        goto done;
    }
    const char *e;
    if ((e = chk_error(c2s)) || (e = chk_error(s2c))) {
        snprintf(err, sizeof err, "%s", e);
        goto done;
    }
    if (path == CLOSE_CLIENT_LINGER && !chk_all_reliable_delivered(c2s)) {
        snprintf(err, sizeof err, "linger: %llu of %llu reliable messages arrived",
                 (unsigned long long)chk_reliable_recv(c2s),
                 (unsigned long long)chk_reliable_sent(c2s));
        goto done;
    }
    if (cl->inst.conns.count || sv->inst.conns.count || cl->inst.closing || sv->inst.closing) {
        snprintf(err, sizeof err, "connections left after everything closed");
        goto done;
    }
    /* SendTimeSincePreviousPacket: on every data packet but a side's first
     * that follows its previous one within 250 ms, and never when off. */
    if (cl->timeprev_bad || sv->timeprev_bad ||
        (timeprev ? !cl->data_timeprev || !sv->data_timeprev
                  : cl->data_timeprev || sv->data_timeprev)) {
        snprintf(err, sizeof err,
                 "time-since-previous %s: client %llu of %llu data packets (%llu wrong), "
                 "server %llu of %llu (%llu wrong)",
                 timeprev ? "on" : "off", (unsigned long long)cl->data_timeprev,
                 (unsigned long long)cl->data_sent, (unsigned long long)cl->timeprev_bad,
                 (unsigned long long)sv->data_timeprev, (unsigned long long)sv->data_sent,
                 (unsigned long long)sv->timeprev_bad);
        goto done;
    }
done:
    o->fig[0] = (double)(chk_reliable_recv(c2s) + chk_reliable_recv(s2c));
    o->fig[1] = (double)lanes;
    o->fig[2] = (double)(sim_now(s) - t0) / 1e6;
    if (verbose)
        snprintf(o->note, sizeof o->note, "%s, reason %d, %d lanes", path_name[path], reason,
                 lanes);
    int64_t leak = conn_ep_free(cl) + conn_ep_free(sv);
    if (!err[0] && leak) snprintf(err, sizeof err, "leak: %lld bytes", (long long)leak);
    free(cl);
    free(sv);
    chk_del(c2s);
    chk_del(s2c);
    sim_del(s);
    if (err[0]) snprintf(o->err, sizeof o->err, "%s", err);
    return !err[0];
}

/* --- conn_handshake_loss: connecting through up to 50 % loss each way ------------------ */

bool conn_s_handshake_loss(uint64_t seed, bool verbose, scen_out *o)
{
    sim_rng r;
    sim_rng_seed(&r, seed ^ 0x1055u);
    sim *s = sim_new(seed);
    conn_ep *cl = calloc(1, sizeof *cl), *sv = calloc(1, sizeof *sv);
    app ca, sa;
    chk *c2s = chk_new(0), *s2c = chk_new(1);
    run2 rr;
    setup2(&rr, s, &ca, &sa, cl, sv, c2s, s2c);
    double loss = 0.5 * sim_rng_unit(&r);
    for (int d = 0; d < 2; d++) {
        sim_link_cfg l;
        sim_link_cfg_default(&l);
        l.latency = 1000 + (int64_t)sim_rng_below(&r, 30000);
        l.loss = loss;
        sim_set_link(s, d ? cl->node.id : sv->node.id, d ? sv->node.id : cl->node.id, &l);
    }
    /* At 50 % loss each way a handshake round (4 datagrams) succeeds 1 time
     * in 16; allow it enough attempts (0.5 s apart) to be sure. */
    int32_t t_init = 300000;
    tern_config_value opt = {TERN_OPT_TIMEOUT_INITIAL, TERN_CFGT_INT32, {.i32 = t_init}};
    char err[256] = "";
    int64_t t0 = sim_now(s);
    if (listen_and_connect(&rr, t0, 1, &opt) != 0) {
        snprintf(err, sizeof err, "listen/connect failed");
    } else {
        sim_run(s, t0 + (int64_t)t_init * 1000, both_connected, &rr);
        if (!both_connected(&rr))
            snprintf(err, sizeof err, "loss %.0f %%: not connected", 100 * loss);
    }
    int64_t took = sim_now(s) - t0;
    if (!err[0]) {
        /* and the connection works: a reliable message each way */
        tern_conn *cc = tern_inst_conn(&cl->inst, ca.conn),
                  *sc = tern_inst_conn(&sv->inst, sa.conn);
        (void)cc, (void)sc;
        send_some(&ca, &r, sim_now(s), 3, 1, 500);
        send_some(&sa, &r, sim_now(s), 3, 1, 500);
        sim_run(s, sim_now(s) + 120000000, all_delivered, &rr);
        if (!all_delivered(&rr)) snprintf(err, sizeof err, "connected but messages stalled");
        const char *e;
        if (!err[0] && ((e = chk_error(c2s)) || (e = chk_error(s2c))))
            snprintf(err, sizeof err, "%s", e);
    }
    o->fig[0] = 100 * loss;
    o->fig[1] = (double)took / 1e6;
    if (verbose)
        snprintf(o->note, sizeof o->note, "loss %.1f %%, connected in %.2f s", 100 * loss,
                 (double)took / 1e6);
    int64_t leak = conn_ep_free(cl) + conn_ep_free(sv);
    if (!err[0] && leak) snprintf(err, sizeof err, "leak: %lld bytes", (long long)leak);
    free(cl);
    free(sv);
    chk_del(c2s);
    chk_del(s2c);
    sim_del(s);
    if (err[0]) snprintf(o->err, sizeof o->err, "%s", err);
    return !err[0];
}

/* --- conn_many: thousands of connections in one run ------------------------------------ */

typedef struct many_app {
    uint32_t connected, accepted, closed_by_peer;
} many_app;

static void many_server_hook(conn_ep *e, int64_t now)
{
    app *a = e->user;
    conn_ep_echo_server(e, now, &a->seen);
}

bool conn_s_many(uint64_t seed, bool verbose, scen_out *o)
{
    sim_rng r;
    sim_rng_seed(&r, seed ^ 0x3a11u);
    sim *s = sim_new(seed);
    conn_ep *cl = calloc(1, sizeof *cl), *sv = calloc(1, sizeof *sv);
    conn_ep_init(sv, s, NULL);
    conn_ep_init(cl, s, NULL);
    app sa = {.ep = sv, .server = true};
    sv->user = &sa;
    sv->app = many_server_hook;
    uint32_t n = 1000 + (uint32_t)sim_rng_below(&r, 2000);
    for (int d = 0; d < 2; d++) {
        sim_link_cfg l;
        sim_link_cfg_default(&l);
        l.latency = 2000 + (int64_t)sim_rng_below(&r, 20000);
        l.loss = 0.01 * sim_rng_unit(&r);
        sim_set_link(s, d ? cl->node.id : sv->node.id, d ? sv->node.id : cl->node.id, &l);
    }
    char err[256] = "";
    int64_t t0 = sim_now(s);
    tern_addr la;
    conn_ep_addr(sv->node.id, 27015, &la);
    uint32_t lh;
    uint32_t *h = calloc(n, sizeof *h);
    if (tern_inst_listen(&sv->inst, t0, &la, 0, NULL, &lh) != TERN_OK) abort();
    for (uint32_t i = 0; i < n; i++) {
        if (tern_inst_connect(&cl->inst, t0 + i * 100, &la, 0, NULL, &h[i]) != TERN_OK) {
            snprintf(err, sizeof err, "connect %u failed", i);
            break;
        }
        sim_run(s, t0 + (i + 1) * 100, NULL, NULL);
    }
    sim_run(s, sim_now(s) + 20000000, NULL, NULL);
    uint32_t up = 0;
    for (uint32_t i = 0; i < n && !err[0]; i++) {
        tern_conn *c = tern_inst_conn(&cl->inst, h[i]);
        if (c && c->state == TERN_CS_CONNECTED) {
            up++;
            uint8_t b[8] = {0};
            memcpy(b, &i, 4);
            tern_conn_send(c, sim_now(s), 0, b, 8, TERN_SEND_RELIABLE, NULL);
        }
    }
    if (!err[0] && up != n) snprintf(err, sizeof err, "%u of %u connected", up, n);
    sim_run(s, sim_now(s) + 10000000, NULL, NULL);
    uint32_t echoed = 0;
    for (uint32_t i = 0; i < n && !err[0]; i++) {
        tern_conn *c = tern_inst_conn(&cl->inst, h[i]);
        tern_message *m[4];
        int k = c ? tern_conn_receive(c, sim_now(s), m, 4) : 0;
        for (int j = 0; j < k; j++) {
            uint32_t v;
            memcpy(&v, m[j]->data, 4);
            if (v == i && m[j]->size == 8) echoed++;
            m[j]->release(m[j]);
        }
        if (c) tern_conn_close(c, sim_now(s), 0, NULL, false);
    }
    if (!err[0] && echoed != n) snprintf(err, sizeof err, "%u of %u echoes", echoed, n);
    sim_run(s, sim_now(s) + 15000000, NULL, NULL);
    if (!err[0] &&
        (sv->inst.conns.count || cl->inst.conns.count || sv->inst.closing || cl->inst.closing))
        snprintf(err, sizeof err, "%u server / %u client connections left after closing",
                 sv->inst.conns.count, cl->inst.conns.count);
    o->fig[0] = n;
    o->fig[1] = (double)sv->cm.peak / n / 1024.0;
    if (verbose)
        snprintf(o->note, sizeof o->note, "%u connections, server peak %.1f KiB per connection", n,
                 o->fig[1]);
    free(h);
    int64_t leak = conn_ep_free(cl) + conn_ep_free(sv);
    if (!err[0] && leak) snprintf(err, sizeof err, "leak: %lld bytes", (long long)leak);
    free(cl);
    free(sv);
    sim_del(s);
    if (err[0]) snprintf(o->err, sizeof o->err, "%s", err);
    return !err[0];
}

/* --- conn_timeouts: every timeout, on the virtual clock --------------------------------- */

enum tmo_case {
    TMO_NO_SERVER,
    TMO_NO_ACCEPT,
    TMO_PEER_VANISHES_IDLE,
    TMO_PEER_VANISHES_BUSY,
    NTMO
};

bool conn_s_timeouts(uint64_t seed, bool verbose, scen_out *o)
{
    sim_rng r;
    sim_rng_seed(&r, seed ^ 0x7130u);
    enum tmo_case tc = (enum tmo_case)(seed % NTMO);
    sim *s = sim_new(seed);
    conn_ep *cl = calloc(1, sizeof *cl), *sv = calloc(1, sizeof *sv);
    app ca, sa;
    chk *c2s = chk_new(0), *s2c = chk_new(1);
    run2 rr;
    setup2(&rr, s, &ca, &sa, cl, sv, c2s, s2c);
    sa.accept = tc != TMO_NO_ACCEPT;
    int64_t lat = 1000 + (int64_t)sim_rng_below(&r, 40000);
    for (int d = 0; d < 2; d++) {
        sim_link_cfg l;
        sim_link_cfg_default(&l);
        l.latency = lat;
        sim_set_link(s, d ? cl->node.id : sv->node.id, d ? sv->node.id : cl->node.id, &l);
    }
    char err[1024] = "";
    int64_t t0 = sim_now(s);
    int64_t vanish = 0, seen_at = 0;
    tern_addr la;
    conn_ep_addr(sv->node.id, 27015, &la);
    uint32_t lh;
    if (tc != TMO_NO_SERVER) tern_inst_listen(&sv->inst, t0, &la, 0, NULL, &lh);
    tern_inst_connect(&cl->inst, t0, &la, 0, NULL, &ca.conn);
    if (tc == TMO_PEER_VANISHES_IDLE || tc == TMO_PEER_VANISHES_BUSY) {
        sim_run(s, t0 + 5000000, both_connected, &rr);
        if (!both_connected(&rr)) snprintf(err, sizeof err, "did not connect");
        sim_run(s, sim_now(s) + 3000000, NULL, NULL);
        if (tc == TMO_PEER_VANISHES_BUSY) send_some(&ca, &r, sim_now(s), 20, 1, 1000);
        /* the server's host disappears: every datagram to and from it is lost */
        vanish = sim_now(s);
        for (int d = 0; d < 2; d++) {
            sim_link_cfg *l =
                sim_link(s, d ? cl->node.id : sv->node.id, d ? sv->node.id : cl->node.id);
            l->blackout[0] = (sim_blackout){vanish, INT64_MAX};
            l->nblackouts = 1;
        }
    }
    sim_run(s, sim_now(s) + 60000000, NULL, NULL);
    /* what did the client see? */
    int reason = 0;
    char cseq[128], dbg[64] = "";
    seq_of(cl, ca.conn, cseq, sizeof cseq, &reason, dbg, sizeof dbg);
    for (size_t i = 0; i < cl->nevents; i++)
        if (cl->events[i].conn == ca.conn && cl->events[i].new_state >= 4 && !seen_at) seen_at = 1;
    const char *want = NULL;
    int want_reason = 0;
    const char *want_dbg = NULL;
    switch (tc) {
    case TMO_NO_SERVER:
        want = "0>1,1>5";
        want_reason = TERN_END_MISC_TIMEOUT;
        want_dbg = "Timed out attempting to connect";
        break;
    case TMO_NO_ACCEPT:
        /* the server gives up on its application and tells the client */
        want = "0>1,1>4";
        want_reason = TERN_END_MISC_TIMEOUT;
        want_dbg = "App didn't accept or close incoming connection in time";
        break;
    default:
        want = "0>1,1>3,3>5";
        want_reason = TERN_END_MISC_TIMEOUT;
        want_dbg = "Connection dropped";
        break;
    }
    if (tc == TMO_NO_ACCEPT) {
        /* WIRE.md T12: whichever timeout fires first, and the other side
         * hears it through the ConnectionClosed. The client started first,
         * so its connect timeout usually wins. */
        int sr = 0;
        char sseq[128], sdbg[64] = "";
        seq_of(sv, sa.conn, sseq, sizeof sseq, &sr, sdbg, sizeof sdbg);
        const char *ct = "Timed out attempting to connect";
        const char *st = "App didn't accept or close incoming connection in time";
        bool client_first = !strcmp(cseq, "0>1,1>5") && !strcmp(dbg, ct) &&
                            !strcmp(sseq, "0>1,1>4") && !strcmp(sdbg, ct);
        bool server_first = !strcmp(cseq, "0>1,1>4") && !strcmp(dbg, st) &&
                            !strcmp(sseq, "0>1,1>5") && !strcmp(sdbg, st);
        if (!client_first && !server_first)
            snprintf(err, sizeof err, "no accept: client saw %s '%s', server saw %s '%s'", cseq,
                     dbg, sseq, sdbg);
        else if (reason != TERN_END_MISC_TIMEOUT || sr != TERN_END_MISC_TIMEOUT)
            snprintf(err, sizeof err, "no accept: reasons %d / %d", reason, sr);
    } else if (!err[0] && (strcmp(cseq, want) || reason != want_reason || strcmp(dbg, want_dbg))) {
        snprintf(err, sizeof err, "case %d: client saw %s reason %d '%s', want %s %d '%s'", tc,
                 cseq, reason, dbg, want, want_reason, want_dbg);
    }
    o->fig[0] = tc;
    int64_t leak = conn_ep_free(cl) + conn_ep_free(sv);
    if (!err[0] && leak) snprintf(err, sizeof err, "leak: %lld bytes", (long long)leak);
    if (verbose) snprintf(o->note, sizeof o->note, "case %d: %s reason %d", tc, cseq, reason);
    free(cl);
    free(sv);
    chk_del(c2s);
    chk_del(s2c);
    sim_del(s);
    if (err[0]) snprintf(o->err, sizeof o->err, "%s", err);
    return !err[0];
}
