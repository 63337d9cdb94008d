/* The connection layer's source-address bookkeeping, sans-I/O: a server
 * listening on the wildcard address answers every datagram from the local
 * address it was sent to (stateless replies, handshake, data, close), and
 * an outbound connection asks the transport for a socket for its one peer.
 *
 * The transport here models a host with addresses 127.0.0.1-9 and ::1: a
 * datagram leaves a wildcard socket from the address the sender names, or
 * else from the kernel's choice (127.0.0.1, or ::1 towards ::1), and a
 * client socket, connected to its server, takes only datagrams from the
 * address it sent to. Without the bookkeeping, a client that reached the
 * server at 127.0.0.2 never connects. */
#include <string.h>

#include "conn/conn.h"
#include "testutil.h"
#include "wire/handshake.h"

#define MAXQ   512
#define MAXS   16
#define LPORT  27015
#define LPORT2 27016

typedef struct sent {
    uint32_t sock;
    bool has_from;
    tern_addr from, to, src; /* src: where it appears to come from */
    uint8_t data[1400];
    size_t len;
} sent;

typedef struct env {
    tern_inst in;
    tern_cfg_global root;
    tern_addr bound[MAXS + 1]; /* per socket id */
    tern_addr peer[MAXS + 1];  /* open(remote): the peer a client socket is for */
    bool has_peer[MAXS + 1];
    bool listening[MAXS + 1];
    uint32_t nsock;
    bool no_pktinfo; /* the transport cannot tell where datagrams arrived */
    sent q[MAXQ];
    size_t nq;
    sent log[4 * MAXQ]; /* everything the listen sockets sent */
    size_t nlog;
    tt_rng rng;
    int64_t now;
} env;

static env g;

static bool wildcard(const tern_addr *a)
{
    static const uint8_t any[16] = {0};
    return memcmp(a->ipv6, any, 16) == 0;
}

static bool same_ip(const tern_addr *a, const tern_addr *b)
{
    return memcmp(a->ipv6, b->ipv6, 16) == 0;
}

static void tx_send(void *ctx, uint32_t sock, const tern_addr *from, const tern_addr *to,
                    const uint8_t *d, size_t n)
{
    env *e = ctx;
    assert_true(sock >= 1 && sock <= e->nsock);
    assert_true(e->nq < MAXQ && n <= sizeof e->q[0].data);
    sent *s = &e->q[e->nq++];
    memset(s, 0, sizeof *s);
    s->sock = sock;
    s->has_from = from != NULL;
    if (from) s->from = *from;
    s->to = *to;
    /* the kernel: a wildcard socket sends from the address asked for, or
     * from its own choice; a bound socket from its own address */
    s->src = e->bound[sock];
    if (wildcard(&s->src)) {
        if (from && !wildcard(from))
            memcpy(s->src.ipv6, from->ipv6, 16);
        else if (tern_addr_is_ipv4(to))
            tern_addr_set_ipv4(&s->src, 0x7f000001, e->bound[sock].port);
        else
            tern_addr_set_ipv6_localhost(&s->src, e->bound[sock].port);
    }
    memcpy(s->data, d, n);
    s->len = n;
    if (e->listening[sock] && e->nlog < sizeof e->log / sizeof e->log[0]) e->log[e->nlog++] = *s;
}

static tern_result tx_open(void *ctx, const tern_addr *local, const tern_addr *remote,
                           uint32_t *sock, tern_addr *bound)
{
    env *e = ctx;
    if (e->nsock >= MAXS) return TERN_IO;
    uint32_t id = ++e->nsock;
    if (local) {
        e->bound[id] = *local;
        e->listening[id] = true;
    } else {
        /* a client socket: the route source for any 127/8 address is
         * 127.0.0.1 on a stock host, ::1 for ::1 */
        assert_non_null(remote);
        if (tern_addr_is_ipv4(remote))
            tern_addr_set_ipv4(&e->bound[id], 0x7f000001, (uint16_t)(40000 + id));
        else
            tern_addr_set_ipv6_localhost(&e->bound[id], (uint16_t)(40000 + id));
    }
    e->has_peer[id] = remote != NULL;
    if (remote) e->peer[id] = *remote;
    *sock = id;
    if (bound) *bound = e->bound[id];
    return TERN_OK;
}

static void tx_close(void *ctx, uint32_t sock)
{
    (void)ctx, (void)sock;
}

static tern_result seeded(void *ctx, void *out, size_t n)
{
    env *e = ctx;
    tt_rng_bytes(&e->rng, out, n);
    return TERN_OK;
}

/* The socket a datagram to |to| reaches, 0 if none. */
static uint32_t sock_for(const env *e, const tern_addr *to)
{
    for (uint32_t i = 1; i <= e->nsock; i++) {
        const tern_addr *b = &e->bound[i];
        if (b->port != to->port) continue;
        if (wildcard(b) || same_ip(b, to)) return i;
    }
    return 0;
}

static void deliver(env *e, const sent *s)
{
    uint32_t dst = sock_for(e, &s->to);
    if (!dst) return;
    /* a connected client socket: the kernel drops the rest */
    if (e->has_peer[dst] && !tern_addr_equal(&s->src, &e->peer[dst])) return;
    tern_inst_recv(&e->in, e->now, dst, &s->src, e->no_pktinfo ? NULL : &s->to, s->data, s->len);
}

static void pump(env *e, int rounds)
{
    static sent copy[MAXQ];
    for (int r = 0; r < rounds; r++) {
        size_t n = e->nq;
        memcpy(copy, e->q, sizeof(sent) * n);
        e->nq = 0;
        for (size_t i = 0; i < n; i++) deliver(e, &copy[i]);
        e->now += 1000;
        tern_inst_service(&e->in, e->now);
        tern_event *ev = tern_inst_take_events(&e->in);
        for (tern_event *it = ev; it; it = it->next)
            if (it->ev.info.listen_socket && it->ev.info.state == TERN_STATE_CONNECTING) {
                tern_conn *c = tern_inst_conn(&e->in, it->ev.conn);
                if (c) assert_int_equal(tern_conn_accept(c, e->now), TERN_OK);
            }
        tern_inst_free_events(&e->in, ev);
    }
}

static uint32_t g_listen;

static int setup(void **state)
{
    (void)state;
    memset(&g, 0, sizeof g);
    tt_rng_seed(&g.rng, 0x10ca1);
    g.now = 1000000000;
    tern_cfg_global_init(&g.root, NULL);
    tern_tx_ops tx = {&g, tx_send, tx_open, tx_close};
    assert_int_equal(tern_inst_init(&g.in, NULL, NULL, &tx, &g.root), TERN_OK);
    g.in.rand_bytes = seeded;
    g.in.rand_ctx = &g;
    g.in.want_events = true;
    tern_addr any;
    tern_addr_clear(&any);
    any.port = LPORT;
    assert_int_equal(tern_inst_listen(&g.in, g.now, &any, 0, NULL, &g_listen), TERN_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tern_inst_free(&g.in, g.now);
    tern_cfg_global_free(&g.root);
    return 0;
}

static uint32_t connect_addr(const tern_addr *server)
{
    uint32_t h;
    assert_int_equal(tern_inst_connect(&g.in, g.now, server, 0, NULL, &h), TERN_OK);
    return h;
}

static uint32_t connect_to(uint32_t ip, tern_addr *server)
{
    tern_addr_set_ipv4(server, ip, LPORT);
    return connect_addr(server);
}

static int state_of(uint32_t h)
{
    tern_conn *c = tern_inst_conn(&g.in, h);
    return c ? c->state : TERN_CS_DEAD;
}

/* Every datagram a listen socket sent to a client socket named the
 * address that client sent to as its source; returns how many. */
static size_t assert_sources_match(void)
{
    size_t checked = 0;
    for (size_t i = 0; i < g.nlog; i++) {
        uint32_t dst = sock_for(&g, &g.log[i].to);
        if (!dst || !g.has_peer[dst]) continue;
        assert_true(g.log[i].has_from);
        assert_memory_equal(g.log[i].from.ipv6, g.peer[dst].ipv6, 16);
        checked++;
    }
    assert_true(checked > 0);
    return checked;
}

/* The server side of the connection whose client socket is |client_sock|. */
static tern_conn *server_conn_of(uint32_t client_handle)
{
    tern_conn *cl = tern_inst_conn(&g.in, client_handle);
    assert_non_null(cl);
    for (uint32_t h = tern_handles_next(&g.in.conns, 0); h; h = tern_handles_next(&g.in.conns, h)) {
        tern_conn *k = tern_inst_conn(&g.in, h);
        if (k->is_server && k->remote.port == g.bound[cl->sock].port) return k;
    }
    fail_msg("no server connection for client %u", client_handle);
    return NULL;
}

static void test_handshake_from_the_address_reached(void **state)
{
    (void)state;
    tern_addr s2, s3, s2b;
    uint32_t a = connect_to(0x7f000002, &s2);
    uint32_t b = connect_to(0x7f000003, &s3);
    uint32_t c = connect_to(0x7f000002, &s2b);
    pump(&g, 30);
    assert_int_equal(state_of(a), TERN_CS_CONNECTED);
    assert_int_equal(state_of(b), TERN_CS_CONNECTED);
    assert_int_equal(state_of(c), TERN_CS_CONNECTED);
    /* each outbound socket was opened for its one peer */
    for (uint32_t i = 2; i <= g.nsock; i++) {
        assert_true(g.has_peer[i]);
        assert_false(g.listening[i]);
    }
    assert_sources_match();
    /* each server connection keeps the address its client used */
    assert_memory_equal(tern_conn_src(server_conn_of(a))->ipv6, s2.ipv6, 16);
    assert_memory_equal(tern_conn_src(server_conn_of(b))->ipv6, s3.ipv6, 16);
    assert_memory_equal(tern_conn_src(server_conn_of(c))->ipv6, s2.ipv6, 16);
    /* a client connection names no source: its socket has one address */
    assert_null(tern_conn_src(tern_inst_conn(&g.in, a)));
    /* data both ways, the server's from the right address too */
    size_t before = g.nlog;
    for (uint32_t h = tern_handles_next(&g.in.conns, 0); h; h = tern_handles_next(&g.in.conns, h)) {
        tern_conn *k = tern_inst_conn(&g.in, h);
        assert_int_equal(tern_conn_send(k, g.now, 0, "ping", 4, TERN_SEND_RELIABLE, NULL), TERN_OK);
        tern_conn_flush(k, g.now);
    }
    pump(&g, 10);
    assert_true(g.nlog > before);
    assert_sources_match();
}

static void test_ipv6_and_ipv4_on_one_socket(void **state)
{
    (void)state;
    tern_addr s6, s4;
    tern_addr_set_ipv6_localhost(&s6, LPORT);
    uint32_t a = connect_addr(&s6);
    uint32_t b = connect_to(0x7f000005, &s4);
    pump(&g, 30);
    assert_int_equal(state_of(a), TERN_CS_CONNECTED);
    assert_int_equal(state_of(b), TERN_CS_CONNECTED);
    assert_sources_match();
    const tern_addr *src6 = tern_conn_src(server_conn_of(a));
    assert_non_null(src6);
    assert_false(tern_addr_is_ipv4(src6));
    assert_memory_equal(src6->ipv6, s6.ipv6, 16);
    assert_memory_equal(tern_conn_src(server_conn_of(b))->ipv6, s4.ipv6, 16);
}

static void test_close_from_the_address_reached(void **state)
{
    (void)state;
    tern_addr s3;
    uint32_t a = connect_to(0x7f000003, &s3);
    pump(&g, 30);
    assert_int_equal(state_of(a), TERN_CS_CONNECTED);
    /* the server closes: its ConnectionClosed reaches the client */
    tern_conn *srv = server_conn_of(a);
    size_t before = g.nlog;
    assert_int_equal(tern_conn_close(srv, g.now, 1000, "bye", false), TERN_OK);
    assert_true(g.nlog > before);
    assert_int_equal(tern_pkt_kind_of(g.log[g.nlog - 1].data, g.log[g.nlog - 1].len),
                     TERN_PKT_CONNECTION_CLOSED);
    pump(&g, 5);
    assert_int_equal(state_of(a), TERN_CS_CLOSED_BY_PEER);
    assert_sources_match();
}

/* A datagram from the client's address to another address of ours does not
 * move the connection: its replies still leave from where it began, which
 * is where the client's socket is connected. */
static void test_address_kept_for_the_connection(void **state)
{
    (void)state;
    tern_addr s2;
    uint32_t a = connect_to(0x7f000002, &s2);
    pump(&g, 30);
    assert_int_equal(state_of(a), TERN_CS_CONNECTED);
    tern_conn *cl = tern_inst_conn(&g.in, a);
    tern_conn *srv = server_conn_of(a);
    /* the client's next datagram arrives at 127.0.0.7 instead */
    assert_int_equal(tern_conn_send(cl, g.now, 0, "x", 1, TERN_SEND_RELIABLE, NULL), TERN_OK);
    tern_conn_flush(cl, g.now);
    for (int i = 0; i < 10 && g.nq == 0; i++) {
        g.now += 1000;
        tern_inst_service(&g.in, g.now);
    }
    assert_true(g.nq > 0);
    for (size_t i = 0; i < g.nq; i++) tern_addr_set_ipv4(&g.q[i].to, 0x7f000007, LPORT);
    pump(&g, 10);
    assert_memory_equal(tern_conn_src(srv)->ipv6, s2.ipv6, 16);
    assert_sources_match();
    assert_int_equal(state_of(a), TERN_CS_CONNECTED);
}

/* No PKTINFO (the transport reports no local address): nothing is named,
 * the kernel's choice applies, and a client of the primary address still
 * connects. */
static void test_local_address_not_known(void **state)
{
    (void)state;
    g.no_pktinfo = true;
    tern_addr s1;
    uint32_t a = connect_to(0x7f000001, &s1);
    pump(&g, 30);
    assert_int_equal(state_of(a), TERN_CS_CONNECTED);
    assert_null(tern_conn_src(server_conn_of(a)));
    assert_true(g.nlog > 0);
    for (size_t i = 0; i < g.nlog; i++) assert_false(g.log[i].has_from);
}

/* A listen socket bound to one address: replies name that address (the
 * transport ignores the source for a socket that has one address). */
static void test_listen_on_a_specific_address(void **state)
{
    (void)state;
    tern_addr at, s;
    tern_addr_set_ipv4(&at, 0x7f000004, LPORT2);
    uint32_t l2;
    assert_int_equal(tern_inst_listen(&g.in, g.now, &at, 0, NULL, &l2), TERN_OK);
    s = at;
    uint32_t a = connect_addr(&s);
    pump(&g, 30);
    assert_int_equal(state_of(a), TERN_CS_CONNECTED);
    assert_memory_equal(tern_conn_src(server_conn_of(a))->ipv6, at.ipv6, 16);
    assert_sources_match();
}

/* A datagram from nobody in particular, to |local|, on the listen socket. */
static void stray(const tern_addr *local, const tern_hs_msg *m)
{
    uint8_t buf[TERN_PADDED_MIN + 64];
    uint8_t *e = tern_hs_encode(buf, buf + sizeof buf, m);
    assert_non_null(e);
    tern_addr from;
    tern_addr_set_ipv4(&from, 0x0a000001, 999);
    g.nq = 0;
    tern_inst_recv(&g.in, g.now, 1, &from, local, buf, (size_t)(e - buf));
}

static void test_stateless_replies_from_the_address_reached(void **state)
{
    (void)state;
    tern_addr to4, to6;
    tern_addr_set_ipv4(&to4, 0x7f000004, LPORT);
    tern_addr_set_ipv6_localhost(&to6, LPORT);

    Tern__ChallengeRequest cr = TERN__CHALLENGE_REQUEST__INIT;
    cr.has_connection_id = 1;
    cr.connection_id = 77;
    tern_hs_msg m = {.kind = TERN_PKT_CHALLENGE_REQUEST, .u.challenge_request = &cr};
    stray(&to6, &m);
    assert_int_equal(g.nq, 1);
    assert_true(g.q[0].has_from);
    assert_memory_equal(g.q[0].from.ipv6, to6.ipv6, 16);
    assert_int_equal(tern_pkt_kind_of(g.q[0].data, g.q[0].len), TERN_PKT_CHALLENGE_REPLY);

    Tern__ConnectionClosed cc = TERN__CONNECTION_CLOSED__INIT;
    cc.has_from_connection_id = 1;
    cc.from_connection_id = 78;
    tern_hs_msg m2 = {.kind = TERN_PKT_CONNECTION_CLOSED, .u.connection_closed = &cc};
    stray(&to4, &m2);
    assert_int_equal(g.nq, 1);
    assert_true(g.q[0].has_from);
    assert_memory_equal(g.q[0].from.ipv6, to4.ipv6, 16);
    assert_int_equal(tern_pkt_kind_of(g.q[0].data, g.q[0].len), TERN_PKT_NO_CONNECTION);

    /* not known: the socket's own address (no source named) */
    stray(NULL, &m);
    assert_int_equal(g.nq, 1);
    assert_false(g.q[0].has_from);
    tern_addr none;
    tern_addr_clear(&none);
    stray(&none, &m);
    assert_int_equal(g.nq, 1);
    assert_false(g.q[0].has_from);
    /* stateless replies keep no state */
    assert_int_equal(g.in.conns.count, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_handshake_from_the_address_reached),
        T(test_ipv6_and_ipv4_on_one_socket),
        T(test_close_from_the_address_reached),
        T(test_address_kept_for_the_connection),
        T(test_local_address_not_known),
        T(test_listen_on_a_specific_address),
        T(test_stateless_replies_from_the_address_reached),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
