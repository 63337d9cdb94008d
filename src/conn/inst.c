/* The instance core: demultiplexing datagrams to listen sockets and
 * connections, the timer heap that runs connections when they are due, the
 * event queue, and logging. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conn/conn.h"
#include "util/mem.h"
#include "wire/handshake.h"
#include "wire/identity.h"

void tern_inst_logf(tern_inst *in, int level, const char *fmt, ...)
{
    if (!in->log || level > in->log_level) return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    in->log(level, buf, in->log_user);
}

tern_result tern_inst_init(tern_inst *in, const tern_mem *mem, const tern_identity *identity,
                           const tern_tx_ops *tx, tern_cfg_global *root)
{
    memset(in, 0, sizeof *in);
    in->mem = tern_mem_or_default(mem);
    in->pool = tern_msgpool_new(in->mem);
    if (!in->pool) return TERN_NOMEM;
    in->tx = *tx;
    if (identity)
        in->identity = *identity;
    else
        tern_identity_set_localhost(&in->identity);
    tern_handles_init(&in->conns, 0);
    tern_handles_init(&in->listens, 0);
    tern_handles_init(&in->groups, 0x80000000u); /* GNS marks poll groups with the top bit */
    tern_heap_init(&in->timers);
    tern_cfg_init(&in->cfg, tern_cfg_root(root), TERN_CFGS_INSTANCE, in->mem);
    tern_arena_init(&in->arena, in->arena_buf, sizeof in->arena_buf);
    in->last_spam_reply = INT64_MIN / 2;
    return TERN_OK;
}

void tern_inst_sock_set(tern_inst *in, uint32_t sock, int kind, void *obj)
{
    if (sock == 0) return;
    if (sock > in->nsocks) {
        /* Doubling: a client has a socket per connection, kept through
         * FinWait, so under a connect load the ids climb by thousands; a
         * few slots at a time copied the whole table every few connects. */
        size_t n = in->nsocks ? in->nsocks : 16;
        while (n < sock) n *= 2;
        void **o = tern_realloc(in->mem, in->socks, n * sizeof *o);
        uint8_t *k = o ? tern_realloc(in->mem, in->sock_kind, n) : NULL;
        if (!o || !k) {
            if (o) in->socks = o;
            return;
        }
        memset(o + in->nsocks, 0, (n - in->nsocks) * sizeof *o);
        memset(k + in->nsocks, 0, n - in->nsocks);
        in->socks = o;
        in->sock_kind = k;
        in->nsocks = n;
    }
    in->socks[sock - 1] = obj;
    in->sock_kind[sock - 1] = (uint8_t)kind;
}

void tern_inst_free(tern_inst *in, int64_t now)
{
    /* Tell every peer, as GNS does on shutdown. The walk goes on from the
     * slot just closed: starting over each time would look at every freed
     * slot again, O(n^2) for an instance with 100,000 connections. */
    for (uint32_t h = tern_handles_next(&in->conns, 0); h;) {
        tern_conn *c = tern_handles_get(&in->conns, h);
        if (c) tern_conn_close(c, now, TERN_END_SHUTDOWN, "SteamNetworkingSockets shutdown", false);
        h = tern_handles_next(&in->conns, h);
    }
    /* The shutdown reason is outside the application range: send it as is. */
    while (in->closing) tern_conn_destroy(in->closing);
    for (uint32_t h = tern_handles_next(&in->listens, 0); h; h = tern_handles_next(&in->listens, 0))
        tern_inst_listen_close(in, now, h);
    for (uint32_t h = tern_handles_next(&in->groups, 0); h; h = tern_handles_next(&in->groups, 0))
        tern_inst_group_del(in, h);
    tern_inst_free_events(in, tern_inst_take_events(in));
    tern_handles_free(&in->conns, in->mem);
    tern_handles_free(&in->listens, in->mem);
    tern_handles_free(&in->groups, in->mem);
    tern_heap_free(&in->timers, in->mem);
    tern_free(in->mem, in->socks);
    tern_free(in->mem, in->sock_kind);
    tern_msgpool_del(in->pool);
    in->pool = NULL;
    tern_cfg_free(&in->cfg);
    tern_ed25519_free(&in->cert_key);
}

tern_conn *tern_inst_conn(const tern_inst *in, uint32_t handle)
{
    return tern_handles_get(&in->conns, handle);
}

void tern_inst_recv(tern_inst *in, int64_t now, uint32_t sock, const tern_addr *from,
                    const tern_addr *local, const uint8_t *data, size_t len)
{
    if (sock == 0 || sock > in->nsocks || !in->socks[sock - 1]) {
        in->dropped_dgrams++;
        return;
    }
    if (in->sock_kind[sock - 1] == 1) {
        if (local && tern_addr_is_ipv6_all_zeros(local)) local = NULL;
        tern_listen *l = in->socks[sock - 1];
        tern_conn *c = tern_addrmap_get(&l->by_addr, from);
        if (c) {
            tern_conn_recv(c, now, data, len);
            tern_conn_trim(c, now);
        } else
            tern_listen_recv(in, l, now, from, local, data, len);
        return;
    }
    tern_conn *c = in->socks[sock - 1];
    /* A client socket belongs to one server: anything from elsewhere is
     * not for us (GNS drops it too, WIRE.md §1.3). */
    if (!tern_addr_equal(from, &c->remote)) {
        in->dropped_dgrams++;
        return;
    }
    tern_conn_recv(c, now, data, len);
    tern_conn_trim(c, now);
}

void tern_inst_service(tern_inst *in, int64_t now)
{
    /* Bounded: a connection rescheduling itself at |now| runs again on the
     * next call, not in a loop here. */
    size_t budget = in->timers.n + 16;
    while (budget--) {
        tern_heap_node *top = tern_heap_top(&in->timers);
        if (!top || top->key > now) break;
        tern_conn *c = (tern_conn *)((char *)top - offsetof(tern_conn, timer));
        tern_heap_remove(&in->timers, top);
        /* Only a connection in FIN_WAIT can be gone after its service. */
        bool may_go = c->state == TERN_CS_FIN_WAIT;
        tern_conn_service(c, now);
        if (!may_go) tern_conn_trim(c, now);
    }
}

int64_t tern_inst_next_deadline(const tern_inst *in)
{
    tern_heap_node *top = tern_heap_top(&in->timers);
    return top ? top->key : INT64_MAX;
}

tern_event *tern_inst_take_events(tern_inst *in)
{
    tern_event *e = in->ev_head;
    in->ev_head = in->ev_tail = NULL;
    in->nevents = 0;
    return e;
}

void tern_inst_free_events(tern_inst *in, tern_event *e)
{
    while (e) {
        tern_event *n = e->next;
        tern_free(in->mem, e);
        e = n;
    }
}

/* Dispatch one datagram that belongs to connection |c| (WIRE.md §1.3). */
void tern_conn_recv(tern_conn *c, int64_t now, const uint8_t *data, size_t len)
{
    tern_inst *in = c->inst;
    tern_pkt_kind kind = tern_pkt_kind_of(data, len);
    if (kind == TERN_PKT_INVALID) return;
    if (kind == TERN_PKT_DATA) {
        tern_conn_recv_data(c, now, data, len);
        return;
    }
    tern_arena_reset(&in->arena);
    tern_hs_msg m;
    if (tern_hs_decode(data, len, &in->arena, &m) != TERN_OK) return;
    if (c->is_server)
        tern_server_conn_recv(c, now, &m);
    else
        tern_client_recv(c, now, &m);
}

const tern_addr *tern_conn_src(const tern_conn *c)
{
    return tern_addr_is_ipv6_all_zeros(&c->local) ? NULL : &c->local;
}

void tern_conn_tx(tern_conn *c, const uint8_t *data, size_t len)
{
    tern_inst *in = c->inst;
    in->tx.send(in->tx.ctx, c->sock, tern_conn_src(c), &c->remote, data, len);
}

void tern_conn_reply_no_connection(tern_conn *c, uint32_t from_id, uint32_t to_id)
{
    tern_conn_send_no_connection(c->inst, c->sock, tern_conn_src(c), &c->remote, from_id, to_id);
}

void tern_conn_send_no_connection(tern_inst *in, uint32_t sock, const tern_addr *src,
                                  const tern_addr *to, uint32_t from_id, uint32_t to_id)
{
    Tern__NoConnection nc = TERN__NO_CONNECTION__INIT;
    if (from_id) {
        nc.has_from_connection_id = 1;
        nc.from_connection_id = from_id;
    }
    if (to_id) {
        nc.has_to_connection_id = 1;
        nc.to_connection_id = to_id;
    }
    tern_hs_msg m = {.kind = TERN_PKT_NO_CONNECTION, .u.no_connection = &nc};
    uint8_t buf[64];
    uint8_t *e = tern_hs_encode(buf, buf + sizeof buf, &m);
    if (e) in->tx.send(in->tx.ctx, sock, src, to, buf, (size_t)(e - buf));
}

void tern_conn_send_closed(tern_conn *c)
{
    Tern__ConnectionClosed cc = TERN__CONNECTION_CLOSED__INIT;
    if (c->remote_id) {
        cc.has_to_connection_id = 1;
        cc.to_connection_id = c->remote_id;
    }
    cc.has_from_connection_id = 1;
    cc.from_connection_id = c->local_id;
    cc.has_reason_code = 1;
    cc.reason_code = (uint32_t)c->end_reason;
    char dbg[128];
    snprintf(dbg, sizeof dbg, "%s", c->end_debug);
    if (dbg[0]) cc.debug = dbg;
    tern_hs_msg m = {.kind = TERN_PKT_CONNECTION_CLOSED, .u.connection_closed = &cc};
    uint8_t buf[TERN_PADDED_MIN + 64];
    uint8_t *e = tern_hs_encode(buf, buf + sizeof buf, &m);
    if (e) tern_conn_tx(c, buf, (size_t)(e - buf));
}
