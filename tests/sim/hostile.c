/* conn_hostile: a server under attack while a legitimate client uses it.
 *
 * The attacker floods spoofed and forged handshake packets, replays,
 * truncates and bit-flips the client's datagrams (also with the client's
 * own source address), sends data with wrong connection IDs and forged
 * closes, and reflects challenges at a victim. Checked: nothing crashes or
 * leaks (ASan/UBSan builds), no connection state exists before a valid
 * challenge round trip, the server never sends more bytes towards an
 * address than it received from it before that address proved itself
 * (amplification <= 1), unsolicited replies are rate-limited, and the
 * legitimate connection keeps delivering messages exactly once, in order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_ep.h"
#include "conn_scen.h"
#include "wire/data.h"
#include "wire/handshake.h"

#define MAX_CAPTURE 4096

typedef struct capture {
    uint8_t *d[MAX_CAPTURE];
    size_t n[MAX_CAPTURE];
    uint16_t sport[MAX_CAPTURE];
    size_t count;
} capture;

/* A node that only counts what reaches it: the reflection victim. */
typedef struct sink {
    sim_node node;
    uint64_t bytes, dgrams;
} sink;

static void sink_recv(sim_node *n, int64_t now, int from, const uint8_t *d, size_t len)
{
    (void)now, (void)from, (void)d;
    sink *k = n->user;
    k->bytes += len;
    k->dgrams++;
}
static void sink_recv_ports(sim_node *n, int64_t now, int from, uint16_t sp, uint16_t dp,
                            const uint8_t *d, size_t len)
{
    (void)sp, (void)dp;
    sink_recv(n, now, from, d, len);
}
static int64_t sink_wake(sim_node *n, int64_t now)
{
    (void)n, (void)now;
    return INT64_MAX;
}
static void sink_run(sim_node *n, int64_t now)
{
    (void)n, (void)now;
}
static const sim_node_ops sink_ops = {sink_recv, sink_recv_ports, sink_wake, sink_run};

static capture g_cap; /* scenarios run one at a time */

static void tap_client(conn_ep *e, uint16_t sport, const tern_addr *to, const uint8_t *d, size_t n)
{
    (void)e, (void)to;
    if (g_cap.count >= MAX_CAPTURE) return;
    g_cap.d[g_cap.count] = malloc(n);
    memcpy(g_cap.d[g_cap.count], d, n);
    g_cap.n[g_cap.count] = n;
    g_cap.sport[g_cap.count] = sport;
    g_cap.count++;
}

static size_t padded(uint8_t *buf, size_t cap, tern_hs_msg *m)
{
    uint8_t *e = tern_hs_encode(buf, buf + cap, m);
    return e ? (size_t)(e - buf) : 0;
}

typedef struct hostile_app {
    conn_ep *ep;
    uint32_t conn;
    size_t seen;
    bool server;
    chk *rx;
} hostile_app;

static void happ(conn_ep *e, int64_t now)
{
    hostile_app *a = e->user;
    for (; a->seen < e->nevents; a->seen++) {
        ep_event *ev = &e->events[a->seen];
        if (a->server && ev->listen && ev->new_state == TERN_STATE_CONNECTING && !a->conn) {
            a->conn = ev->conn;
            tern_conn *c = tern_inst_conn(&e->inst, ev->conn);
            if (c) tern_conn_accept(c, now);
        }
    }
    tern_conn *c = a->conn ? tern_inst_conn(&e->inst, a->conn) : NULL;
    if (!c) return;
    tern_message *m[32];
    int n;
    while ((n = tern_conn_receive(c, now, m, 32)) > 0)
        for (int i = 0; i < n; i++) {
            chk_recv(a->rx, m[i]->lane, m[i]->message_number,
                     (m[i]->flags & TERN_SEND_RELIABLE) != 0, m[i]->data, (size_t)m[i]->size);
            m[i]->release(m[i]);
        }
}

bool conn_s_hostile(uint64_t seed, bool verbose, scen_out *o)
{
    sim_rng r;
    sim_rng_seed(&r, seed ^ 0xbad5eedu);
    sim *s = sim_new(seed);
    conn_ep *sv = calloc(1, sizeof *sv), *cl = calloc(1, sizeof *cl);
    conn_ep_init(sv, s, NULL); /* node 0: 10.0.0.1 */
    conn_ep_init(cl, s, NULL); /* node 1 */
    sink *victim = calloc(1, sizeof *victim);
    victim->node.ops = &sink_ops;
    victim->node.user = victim;
    sim_add_node(s, &victim->node); /* node 2: the reflection victim */
    int attacker = victim->node.id + 1;
    sink *att = calloc(1, sizeof *att);
    att->node.ops = &sink_ops;
    att->node.user = att;
    sim_add_node(s, &att->node); /* node 3: where the attacker hears replies */
    chk *c2s = chk_new(0);
    hostile_app sa = {.ep = sv, .server = true, .rx = c2s}, ca = {.ep = cl, .rx = chk_new(1)};
    sv->user = &sa;
    sv->app = happ;
    cl->user = &ca;
    cl->app = happ;
    memset(&g_cap, 0, sizeof g_cap);
    cl->tap = tap_client;
    char err[512] = "";
    int64_t t0 = sim_now(s);
    tern_addr la;
    conn_ep_addr(sv->node.id, 27015, &la);
    uint32_t lh;
    if (tern_inst_listen(&sv->inst, t0, &la, 0, NULL, &lh) != TERN_OK) abort();

    /* 1. Before anyone legitimate: spoofed ChallengeRequest floods, reflected
     *    at the victim, and forged ConnectRequests. */
    uint8_t buf[1400];
    uint64_t to_victim_before = 0;
    int flood = 200 + (int)sim_rng_below(&r, 800);
    for (int i = 0; i < flood; i++) {
        Tern__ChallengeRequest cr = TERN__CHALLENGE_REQUEST__INIT;
        cr.has_connection_id = 1;
        cr.connection_id = (uint32_t)sim_rng_next(&r) | 0x10001u;
        cr.has_my_timestamp = 1;
        cr.my_timestamp = sim_rng_next(&r);
        tern_hs_msg m = {.kind = TERN_PKT_CHALLENGE_REQUEST, .u.challenge_request = &cr};
        size_t n = padded(buf, sizeof buf, &m);
        /* spoofed as the victim: the server answers the victim */
        sim_send_ports(s, victim->node.id, sv->node.id, (uint16_t)(1024 + i), 27015, buf, n);
        to_victim_before += n;
        /* a forged ConnectRequest with a made-up challenge */
        Tern__ConnectRequest req = TERN__CONNECT_REQUEST__INIT;
        req.has_client_connection_id = 1;
        req.client_connection_id = cr.connection_id;
        req.has_challenge = 1;
        req.challenge = sim_rng_next(&r);
        m = (tern_hs_msg){.kind = TERN_PKT_CONNECT_REQUEST, .u.connect_request = &req};
        uint8_t *e = tern_hs_encode(buf, buf + sizeof buf, &m);
        if (e)
            sim_send_ports(s, attacker, sv->node.id, (uint16_t)(2000 + i), 27015, buf,
                           (size_t)(e - buf));
        /* garbage of every size */
        size_t g = (size_t)sim_rng_below(&r, 1400);
        for (size_t k = 0; k < g; k++) buf[k] = (uint8_t)sim_rng_next(&r);
        sim_send_ports(s, attacker, sv->node.id, 3000, 27015, buf, g);
        if (i % 50 == 0) sim_run(s, sim_now(s) + 1000, NULL, NULL);
    }
    sim_run(s, sim_now(s) + 1000000, NULL, NULL);
    if (sv->inst.conns.count || sv->nevents) {
        snprintf(err, sizeof err,
                 "state created before any valid challenge: %u connections, %zu events",
                 sv->inst.conns.count, sv->nevents);
        goto done;
    }
    if (victim->bytes > to_victim_before) {
        snprintf(err, sizeof err, "amplification: victim got %llu bytes for %llu sent in its name",
                 (unsigned long long)victim->bytes, (unsigned long long)to_victim_before);
        goto done;
    }
    double amp = to_victim_before ? (double)victim->bytes / (double)to_victim_before : 0;
    uint64_t att_before = att->bytes;

    /* 2. The legitimate client connects and sends; the attacker keeps going. */
    if (tern_inst_connect(&cl->inst, sim_now(s), &la, 0, NULL, &ca.conn) != TERN_OK) abort();
    sim_run(s, sim_now(s) + 3000000, NULL, NULL);
    tern_conn *cc = tern_inst_conn(&cl->inst, ca.conn);
    if (!cc || cc->state != TERN_CS_CONNECTED || !sa.conn) {
        snprintf(err, sizeof err, "legitimate client did not connect under attack");
        goto done;
    }
    static uint8_t msg[4000];
    int nmsg = 100 + (int)sim_rng_below(&r, 200);
    for (int i = 0; i < nmsg; i++) {
        int64_t now = sim_now(s);
        size_t size = (size_t)sim_rng_below(&r, 3000);
        int64_t num = cc->snp_ready ? cc->snp.tx[0].next_msgnum : 1;
        chk_fill(0, 0, num, msg, size);
        if (tern_conn_send(cc, now, 0, msg, (uint32_t)size, TERN_SEND_RELIABLE, &num) != TERN_OK)
            break;
        chk_sent(c2s, 0, num, true, size);
        /* the attacker's mix, interleaved */
        if (g_cap.count) {
            size_t k = (size_t)sim_rng_below(&r, g_cap.count);
            uint8_t *d = g_cap.d[k];
            size_t n = g_cap.n[k];
            switch (sim_rng_below(&r, 6)) {
            case 0: /* exact replay from the client's own address */
                sim_send_ports(s, cl->node.id, sv->node.id, g_cap.sport[k], 27015, d, n);
                break;
            case 1: /* replay from elsewhere */
                sim_send_ports(s, attacker, sv->node.id, 4000, 27015, d, n);
                break;
            case 2: { /* truncated, from the client's address */
                size_t t = n ? (size_t)sim_rng_below(&r, n) : 0;
                sim_send_ports(s, cl->node.id, sv->node.id, g_cap.sport[k], 27015, d, t);
                break;
            }
            case 3: { /* one byte flipped, from the client's address */
                memcpy(buf, d, n);
                if (n) buf[sim_rng_below(&r, n)] ^= (uint8_t)(1 + sim_rng_below(&r, 255));
                sim_send_ports(s, cl->node.id, sv->node.id, g_cap.sport[k], 27015, buf, n);
                break;
            }
            case 4: { /* a data packet for a wrong connection ID */
                tern_data_hdr h = {.flags = TERN_DATA_FLAG,
                                   .to_conn_id = (uint32_t)sim_rng_next(&r),
                                   .pktnum16 = (uint16_t)sim_rng_next(&r)};
                uint8_t *p = tern_data_hdr_encode(buf, buf + sizeof buf, &h);
                size_t extra = (size_t)sim_rng_below(&r, 200);
                for (size_t q = 0; q < extra; q++) p[q] = (uint8_t)sim_rng_next(&r);
                sim_send_ports(s, cl->node.id, sv->node.id, g_cap.sport[k], 27015, buf,
                               (size_t)(p - buf) + extra);
                break;
            }
            default: { /* a forged ConnectionClosed with made-up IDs */
                Tern__ConnectionClosed fc = TERN__CONNECTION_CLOSED__INIT;
                fc.has_to_connection_id = 1;
                fc.to_connection_id = (uint32_t)sim_rng_next(&r);
                fc.has_from_connection_id = 1;
                fc.from_connection_id = (uint32_t)sim_rng_next(&r);
                fc.has_reason_code = 1;
                fc.reason_code = 1000;
                tern_hs_msg m = {.kind = TERN_PKT_CONNECTION_CLOSED, .u.connection_closed = &fc};
                size_t pn = padded(buf, sizeof buf, &m);
                sim_send_ports(s, cl->node.id, sv->node.id, g_cap.sport[k], 27015, buf, pn);
                break;
            }
            }
        }
        tern_conn_schedule(cc, now);
        sim_run(s, now + 2000, NULL, NULL);
    }
    sim_run(s, sim_now(s) + 20000000, NULL, NULL);
    const char *e = chk_error(c2s);
    if (e) {
        snprintf(err, sizeof err, "%s", e);
        goto done;
    }
    if (!chk_all_reliable_delivered(c2s)) {
        snprintf(err, sizeof err, "under attack only %llu of %llu reliable messages arrived",
                 (unsigned long long)chk_reliable_recv(c2s),
                 (unsigned long long)chk_reliable_sent(c2s));
        goto done;
    }
    cc = tern_inst_conn(&cl->inst, ca.conn);
    if (!cc || cc->state != TERN_CS_CONNECTED) {
        snprintf(err, sizeof err, "the attack broke the legitimate connection");
        goto done;
    }
    if (sv->inst.conns.count != 1) {
        snprintf(err, sizeof err, "%u server connections after the attack (want 1)",
                 sv->inst.conns.count);
        goto done;
    }
    /* unsolicited replies to the attacker are rate-limited: one per 250 ms */
    double secs = (double)(sim_now(s) - t0) / 1e6;
    if ((double)(att->dgrams) > secs * 4 + 8) {
        snprintf(err, sizeof err, "attacker got %llu replies in %.1f s",
                 (unsigned long long)att->dgrams, secs);
        goto done;
    }
    (void)att_before;
    o->fig[0] = amp;
    o->fig[1] = (double)flood;
done:
    if (verbose)
        snprintf(o->note, sizeof o->note, "flood %d, amplification %.3f, attacker replies %llu",
                 flood, o->fig[0], (unsigned long long)att->dgrams);
    cl->tap = NULL; /* the closes sent while freeing are not captured */
    for (size_t i = 0; i < g_cap.count; i++) free(g_cap.d[i]);
    g_cap.count = 0;
    int64_t leak = conn_ep_free(cl) + conn_ep_free(sv);
    if (!err[0] && leak) snprintf(err, sizeof err, "leak: %lld bytes", (long long)leak);
    free(cl);
    free(sv);
    free(victim);
    free(att);
    chk_del(c2s);
    chk_del(ca.rx);
    sim_del(s);
    if (err[0]) snprintf(o->err, sizeof o->err, "%s", err);
    return !err[0];
}
