#include "conn_ep.h"

#include "wire/data.h"
#include "wire/handshake.h"

#include <stdlib.h>
#include <string.h>

void conn_ep_addr(int node_id, uint16_t port, tern_addr *out)
{
    tern_addr_set_ipv4(out, 0x0a000001u + (uint32_t)node_id, port);
}

static int node_of(const tern_addr *a)
{
    if (!tern_addr_is_ipv4(a)) return -1;
    uint32_t ip = tern_addr_get_ipv4(a);
    if ((ip & 0xffffff00u) != 0x0a000000u) return -1;
    return (int)(ip & 0xff) - 1;
}

static void count_timeprev(conn_ep *e, const uint8_t *d, size_t n)
{
    tern_data_hdr h;
    const uint8_t *p = d;
    if (n == 0 || !(d[0] & TERN_DATA_FLAG) || tern_data_hdr_decode(&p, d + n, &h) != TERN_OK)
        return;
    e->data_sent++;
    if (!(h.flags & TERN_DATA_FLAG_TIMEPREV)) return;
    e->data_timeprev++;
    if (e->data_sent == 1 || (uint32_t)h.timeprev16 << 4 > TERN_TIMEPREV_MAX_USEC)
        e->timeprev_bad++;
}

static void tx_send(void *ctx, uint32_t sock, const tern_addr *from, const tern_addr *to,
                    const uint8_t *d, size_t n)
{
    conn_ep *e = ctx;
    (void)from; /* one address per node */
    int dst = node_of(to);
    if (sock == 0 || sock > CONN_EP_MAX_SOCKS || !e->port_of[sock] || dst < 0) return;
    e->bytes_sent += n;
    if (e->drop_closes && n && d[0] == TERN_PKT_CONNECTION_CLOSED) {
        e->drop_closes--;
        return;
    }
    e->dgrams_sent++;
    count_timeprev(e, d, n);
    if (e->tap) e->tap(e, e->port_of[sock], to, d, n);
    sim_send_ports(e->sim, e->node.id, dst, e->port_of[sock], to->port, d, n);
}

static tern_result tx_open(void *ctx, const tern_addr *local, const tern_addr *remote,
                           uint32_t *sock, tern_addr *bound)
{
    conn_ep *e = ctx;
    (void)remote;
    uint16_t port = local ? local->port : 0;
    if (port && e->sock_of_port[port]) return TERN_ADDR_IN_USE;
    if (!port) {
        for (int tries = 0; tries < 65536 && !port; tries++) {
            uint16_t p = e->next_port++;
            if (e->next_port < 1024) e->next_port = 1024;
            if (p >= 1024 && !e->sock_of_port[p]) port = p;
        }
        if (!port) return TERN_IO;
    }
    uint32_t id = 1;
    while (id <= CONN_EP_MAX_SOCKS && e->port_of[id]) id++;
    if (id > CONN_EP_MAX_SOCKS) return TERN_IO;
    e->port_of[id] = port;
    e->sock_of_port[port] = id;
    *sock = id;
    if (bound) conn_ep_addr(e->node.id, port, bound);
    return TERN_OK;
}

static void tx_close(void *ctx, uint32_t sock)
{
    conn_ep *e = ctx;
    if (sock == 0 || sock > CONN_EP_MAX_SOCKS || !e->port_of[sock]) return;
    e->sock_of_port[e->port_of[sock]] = 0;
    e->port_of[sock] = 0;
}

void conn_ep_drain_events(conn_ep *e)
{
    tern_event *list = tern_inst_take_events(&e->inst);
    for (tern_event *it = list; it; it = it->next) {
        if (e->nevents >= CONN_EP_MAX_EVENTS) break;
        ep_event *ev = &e->events[e->nevents++];
        ev->conn = it->ev.conn;
        ev->old_state = (int8_t)it->ev.old_state;
        ev->new_state = (int8_t)it->ev.info.state;
        ev->end_reason = it->ev.info.end_reason;
        ev->listen = it->ev.info.listen_socket;
        memcpy(ev->end_debug, it->ev.info.end_debug, sizeof ev->end_debug - 1);
        ev->end_debug[sizeof ev->end_debug - 1] = 0;
    }
    tern_inst_free_events(&e->inst, list);
}

static void after(conn_ep *e, int64_t now)
{
    tern_inst_service(&e->inst, now);
    conn_ep_drain_events(e);
    if (e->app) e->app(e, now);
}

static void node_recv_ports(sim_node *n, int64_t now, int from, uint16_t sport, uint16_t dport,
                            const uint8_t *d, size_t len)
{
    conn_ep *e = n->user;
    e->bytes_recv += len;
    e->dgrams_recv++;
    uint32_t sock = e->sock_of_port[dport];
    if (sock) {
        tern_addr src, dst;
        conn_ep_addr(from, sport, &src);
        conn_ep_addr(e->node.id, dport, &dst);
        tern_inst_recv(&e->inst, now, sock, &src, &dst, d, len);
    }
    after(e, now);
}

static void node_recv(sim_node *n, int64_t now, int from, const uint8_t *d, size_t len)
{
    (void)n, (void)now, (void)from, (void)d, (void)len;
}

static int64_t node_next_wake(sim_node *n, int64_t now)
{
    conn_ep *e = n->user;
    int64_t t = tern_inst_next_deadline(&e->inst);
    return t < now ? now : t;
}

static void node_wake(sim_node *n, int64_t now)
{
    after(n->user, now);
}

static tern_result seeded_rand(void *ctx, void *out, size_t n)
{
    conn_ep *e = ctx;
    uint8_t *o = out;
    for (size_t i = 0; i < n; i++) o[i] = (uint8_t)sim_rng_next(sim_workload_rng(e->sim));
    return TERN_OK;
}

static const sim_node_ops conn_ops = {node_recv, node_recv_ports, node_next_wake, node_wake};

void conn_ep_init(conn_ep *e, sim *s, const tern_identity *identity)
{
    memset(e, 0, sizeof *e);
    e->sim = s;
    count_mem_init(&e->cm);
    e->next_port = 40000;
    e->events = calloc(CONN_EP_MAX_EVENTS, sizeof *e->events);
    if (!e->events) abort();
    e->node.ops = &conn_ops;
    e->node.user = e;
    sim_add_node(s, &e->node);
    tern_cfg_global_init(&e->root, &e->cm.mem);
    tern_tx_ops tx = {e, tx_send, tx_open, tx_close};
    if (tern_inst_init(&e->inst, &e->cm.mem, identity, &tx, &e->root) != TERN_OK) abort();
    e->inst.rand_bytes = seeded_rand;
    e->inst.want_events = true;
    e->inst.rand_ctx = e;
}

int64_t conn_ep_free(conn_ep *e)
{
    tern_inst_free(&e->inst, sim_now(e->sim));
    tern_cfg_global_free(&e->root);
    free(e->events);
    return e->cm.cur;
}

uint64_t conn_ep_echo_server(conn_ep *e, int64_t now, size_t *seen)
{
    for (; *seen < e->nevents; (*seen)++) {
        ep_event *ev = &e->events[*seen];
        tern_conn *c = tern_inst_conn(&e->inst, ev->conn);
        if (!c) continue;
        if (ev->listen && ev->new_state == TERN_STATE_CONNECTING) tern_conn_accept(c, now);
        if (ev->new_state == TERN_STATE_CLOSED_BY_PEER) tern_conn_close(c, now, 0, NULL, false);
    }
    if (!e->inst.queued_msgs) return 0; /* no walk over idle connections */
    uint64_t echoed = 0;
    for (uint32_t h = tern_handles_next(&e->inst.conns, 0); h;
         h = tern_handles_next(&e->inst.conns, h)) {
        tern_conn *c = tern_inst_conn(&e->inst, h);
        tern_message *m[8];
        int n;
        while ((n = tern_conn_receive(c, now, m, 8)) > 0)
            for (int i = 0; i < n; i++) {
                tern_conn_send(c, now, 0, m[i]->data, (uint32_t)m[i]->size, TERN_SEND_RELIABLE,
                               NULL);
                m[i]->release(m[i]);
                echoed++;
            }
    }
    return echoed;
}
