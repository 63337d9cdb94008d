/* bench-teardown: the cost of tearing down one instance with many
 * connections, without sockets (the connection layer over an in-memory
 * transport), so that no descriptor limit applies and no system call blurs
 * the figure.
 *
 *   bench-teardown N [free|expire]
 *
 * One instance connects N clients to its own listen socket (2N
 * connections in all; each client socket has an address of its own). Then
 * either tern_inst_free with all of them open ("free", the default), or
 * every connection closed by the application and the FIN_WAIT expiries
 * run ("expire"). Prints the time the step took. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn/conn.h"

typedef struct dgram {
    uint32_t from_sock;
    tern_addr to;
    uint16_t len;
    uint8_t data[TERN_DGRAM_MAX];
} dgram;

typedef struct env {
    tern_inst in;
    tern_cfg_global root;
    dgram *q;
    size_t nq, capq;
    uint32_t nsock;
    bool drop; /* the teardown's datagrams: not timed, not kept */
    uint64_t rng;
    int64_t now;
} env;

#define LISTEN_IP 0x7f000001u
#define LPORT     27015
#define CPORT     40000
#define CLIENT_IP 0x0a000000u /* client socket k: 10.0.0.0 + k */

static void sock_addr(uint32_t sock, tern_addr *a)
{
    if (sock == 1)
        tern_addr_set_ipv4(a, LISTEN_IP, LPORT);
    else
        tern_addr_set_ipv4(a, CLIENT_IP + sock, CPORT);
}

static void tx_send(void *ctx, uint32_t sock, const tern_addr *from, const tern_addr *to,
                    const uint8_t *d, size_t n)
{
    env *e = ctx;
    (void)from;
    if (e->drop || n > TERN_DGRAM_MAX) return;
    if (e->nq == e->capq) {
        size_t cap = e->capq ? e->capq * 2 : 1024;
        dgram *q = realloc(e->q, cap * sizeof *q);
        if (!q) return;
        e->q = q;
        e->capq = cap;
    }
    dgram *g = &e->q[e->nq++];
    g->from_sock = sock;
    g->to = *to;
    g->len = (uint16_t)n;
    memcpy(g->data, d, n);
}

static tern_result tx_open(void *ctx, const tern_addr *local, const tern_addr *remote,
                           uint32_t *sock, tern_addr *bound)
{
    env *e = ctx;
    (void)local, (void)remote;
    *sock = ++e->nsock;
    if (bound) sock_addr(*sock, bound);
    return TERN_OK;
}

static void tx_close(void *ctx, uint32_t sock)
{
    (void)ctx, (void)sock;
}

static tern_result seeded(void *ctx, void *out, size_t n)
{
    env *e = ctx;
    uint8_t *o = out;
    for (size_t i = 0; i < n; i++) {
        e->rng = e->rng * 6364136223846793005ull + 1442695040888963407ull;
        o[i] = (uint8_t)(e->rng >> 56);
    }
    return TERN_OK;
}

static uint32_t sock_of(const tern_addr *a)
{
    uint32_t ip = tern_addr_get_ipv4(a);
    return ip == LISTEN_IP ? 1 : ip - CLIENT_IP;
}

/* Deliver what is queued (and what that makes), then service once. */
static void pump(env *e)
{
    size_t done = 0;
    while (done < e->nq) {
        dgram g = e->q[done++];
        tern_addr from, to;
        sock_addr(g.from_sock, &from);
        sock_addr(sock_of(&g.to), &to);
        tern_inst_recv(&e->in, e->now, sock_of(&g.to), &from, &to, g.data, g.len);
    }
    e->nq = 0;
    e->now += 1000;
    tern_inst_service(&e->in, e->now);
    tern_event *ev = tern_inst_take_events(&e->in);
    for (tern_event *it = ev; it; it = it->next)
        if (it->ev.info.listen_socket && it->ev.info.state == TERN_STATE_CONNECTING) {
            tern_conn *c = tern_inst_conn(&e->in, it->ev.conn);
            if (c) tern_conn_accept(c, e->now);
        }
    tern_inst_free_events(&e->in, ev);
}

static double secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s N [free|expire]\n", argv[0]);
        return 2;
    }
    long n = atol(argv[1]);
    bool expire = argc > 2 && !strcmp(argv[2], "expire");
    static env e;
    e.rng = 1;
    e.now = 1000000000;
    tern_cfg_global_init(&e.root, NULL);
    tern_tx_ops tx = {&e, tx_send, tx_open, tx_close};
    if (tern_inst_init(&e.in, NULL, NULL, &tx, &e.root) != TERN_OK) return 1;
    e.in.rand_bytes = seeded;
    e.in.rand_ctx = &e;
    e.in.want_events = true;
    tern_addr la;
    tern_addr_set_ipv4(&la, LISTEN_IP, LPORT);
    uint32_t ls;
    if (tern_inst_listen(&e.in, e.now, &la, 0, NULL, &ls) != TERN_OK) return 1;
    double t0 = secs();
    for (long i = 0; i < n;) {
        /* batches well under the listen socket's pending limit */
        for (int k = 0; k < 1000 && i < n; k++, i++) {
            uint32_t h;
            if (tern_inst_connect(&e.in, e.now, &la, 0, NULL, &h) != TERN_OK) return 1;
        }
        for (int r = 0; r < 8; r++) pump(&e);
    }
    for (int r = 0; r < 50; r++) pump(&e);
    double t_conn = secs() - t0;
    long open = 0;
    for (uint32_t h = tern_handles_next(&e.in.conns, 0); h; h = tern_handles_next(&e.in.conns, h))
        open += tern_inst_conn(&e.in, h)->state == TERN_CS_CONNECTED;
    printf("bench-teardown: %ld of %ld connections connected in %.2f s\n", open, 2 * n, t_conn);
    e.drop = true;
    double t1 = secs();
    if (expire) {
        /* the application closes everything; FIN_WAIT runs out in order */
        for (uint32_t h = tern_handles_next(&e.in.conns, 0); h;) {
            tern_conn_close(tern_inst_conn(&e.in, h), e.now, 0, NULL, false);
            h = tern_handles_next(&e.in.conns, h);
        }
        double t2 = secs();
        e.now += TERN_FIN_WAIT_USEC + 1000000;
        long left = 0;
        do {
            tern_inst_service(&e.in, e.now);
            left = 0;
            for (tern_conn *c = e.in.closing; c && left < 1; c = c->closing_next) left++;
        } while (left);
        printf("bench-teardown: closed %ld connections in %.3f s, FIN_WAIT expiries %.3f s\n",
               2 * n, t2 - t1, secs() - t2);
        tern_inst_free(&e.in, e.now);
    } else {
        tern_inst_free(&e.in, e.now);
        printf("bench-teardown: tern_inst_free with %ld connections open: %.3f s\n", open,
               secs() - t1);
    }
    tern_cfg_global_free(&e.root);
    free(e.q);
    return 0;
}
