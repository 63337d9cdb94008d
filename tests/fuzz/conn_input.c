/* Fuzz the connection layer's packet input: a client and a server in one
 * instance, connected over an in-memory transport with the NULL cipher
 * (both sides Unencrypted = 3) so fuzzed payloads reach the SNP decoder,
 * and a seeded generator so connection IDs are the same in every run and
 * the seeds stay meaningful. The input is a list of datagrams, each with a
 * byte choosing where it goes (the server's listen socket from the
 * client's address or another one, or the client's socket from the server)
 * and how far the clock moves. Nothing may crash or leak; the instance is
 * freed at the end with every byte returned. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn/conn.h"
#include "wire/identity.h"

#define MAXQ 256

typedef struct dgram {
    uint32_t sock;
    tern_addr to;
    uint8_t data[1400];
    size_t len;
} dgram;

typedef struct env {
    tern_inst in;
    tern_cfg_global root;
    dgram q[MAXQ];
    size_t nq;
    tern_addr addr[8];
    uint32_t nsock;
    uint64_t rng;
    int64_t now;
    uint32_t client, server;
} env;

/* TERN_FUZZ_DUMP=dir: write every datagram the setup sends as a seed in
 * this target's input format (how the committed corpus was made). */
static void dump_seed(uint32_t sock, const uint8_t *d, size_t n)
{
    static int count;
    const char *dir = getenv("TERN_FUZZ_DUMP");
    if (!dir) return;
    char path[512];
    snprintf(path, sizeof path, "%s/setup-%03d", dir, count++);
    FILE *f = fopen(path, "wb");
    if (!f) return;
    uint8_t hdr[3] = {(uint8_t)(sock == 2 ? 0 : 1), (uint8_t)n, (uint8_t)(n >> 8)};
    fwrite(hdr, 1, 3, f);
    fwrite(d, 1, n, f);
    fclose(f);
}

static void tx_send(void *ctx, uint32_t sock, const tern_addr *from, const tern_addr *to,
                    const uint8_t *d, size_t n)
{
    env *e = ctx;
    (void)from;
    dump_seed(sock, d, n);
    if (e->nq >= MAXQ || n > sizeof e->q[0].data) return;
    dgram *g = &e->q[e->nq++];
    g->sock = sock;
    g->to = *to;
    memcpy(g->data, d, n);
    g->len = n;
}

static tern_result tx_open(void *ctx, const tern_addr *local, const tern_addr *remote,
                           uint32_t *sock, tern_addr *bound)
{
    env *e = ctx;
    (void)remote;
    if (e->nsock >= 8) return TERN_IO;
    uint32_t id = ++e->nsock;
    tern_addr_set_ipv4(&e->addr[id - 1], 0x7f000001,
                       local && local->port ? local->port : (uint16_t)(40000 + id));
    *sock = id;
    if (bound) *bound = e->addr[id - 1];
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

static uint32_t sock_of(env *e, const tern_addr *a)
{
    for (uint32_t i = 0; i < e->nsock; i++)
        if (tern_addr_equal(&e->addr[i], a)) return i + 1;
    return 0;
}

/* Deliver queued datagrams (bounded) and run timers. */
static void pump(env *e, int rounds)
{
    for (int r = 0; r < rounds; r++) {
        size_t n = e->nq;
        dgram *copy = malloc(sizeof(dgram) * (n ? n : 1));
        if (!copy) abort();
        memcpy(copy, e->q, sizeof(dgram) * n);
        e->nq = 0;
        for (size_t i = 0; i < n; i++) {
            uint32_t dst = sock_of(e, &copy[i].to);
            if (dst)
                tern_inst_recv(&e->in, e->now, dst, &e->addr[copy[i].sock - 1], &e->addr[dst - 1],
                               copy[i].data, copy[i].len);
        }
        free(copy);
        e->now += 1000;
        tern_inst_service(&e->in, e->now);
        tern_event *ev = tern_inst_take_events(&e->in);
        for (tern_event *it = ev; it; it = it->next)
            if (it->ev.info.listen_socket && it->ev.info.state == TERN_STATE_CONNECTING) {
                tern_conn *c = tern_inst_conn(&e->in, it->ev.conn);
                if (c && tern_conn_accept(c, e->now) == TERN_OK) e->server = it->ev.conn;
            }
        tern_inst_free_events(&e->in, ev);
    }
}

static void drain(env *e, uint32_t h)
{
    tern_conn *c = tern_inst_conn(&e->in, h);
    if (!c) return;
    tern_message *m[16];
    int n;
    while ((n = tern_conn_receive(c, e->now, m, 16)) > 0)
        for (int i = 0; i < n; i++) m[i]->release(m[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static env e;
    memset(&e, 0, sizeof e);
    e.rng = 0x7e57;
    e.now = 1000000000;
    tern_cfg_global_init(&e.root, NULL);
    int32_t plain = 3;
    tern_cfg_set(tern_cfg_root(&e.root), TERN_OPT_UNENCRYPTED, TERN_CFGT_INT32, &plain);
    tern_tx_ops tx = {&e, tx_send, tx_open, tx_close};
    if (tern_inst_init(&e.in, NULL, NULL, &tx, &e.root) != TERN_OK) abort();
    e.in.rand_bytes = seeded;
    e.in.rand_ctx = &e;
    e.in.want_events = true;
    tern_addr la;
    tern_addr_set_ipv4(&la, 0x7f000001, 27015);
    uint32_t lh;
    if (tern_inst_listen(&e.in, e.now, &la, 0, NULL, &lh) != TERN_OK) abort();
    if (tern_inst_connect(&e.in, e.now, &la, 0, NULL, &e.client) != TERN_OK) abort();
    pump(&e, 20);
    /* some traffic, so there is stream state to disturb */
    tern_conn *c = tern_inst_conn(&e.in, e.client);
    if (c) tern_conn_send(c, e.now, 0, "hello", 5, TERN_SEND_RELIABLE, NULL);
    pump(&e, 5);

    const uint8_t *p = data, *end = data + size;
    while (end - p >= 3) {
        uint8_t sel = p[0];
        size_t len = (size_t)p[1] | (size_t)p[2] << 8;
        p += 3;
        if (len > (size_t)(end - p)) len = (size_t)(end - p);
        tern_addr from, local = la;
        uint32_t sock;
        /* where a datagram for the server arrived: the listen address,
         * another address of the host, IPv6 loopback, or not known */
        switch (sel >> 6) {
        case 1:
            tern_addr_set_ipv4(&local, 0x7f000002, la.port);
            break;
        case 2:
            tern_addr_set_ipv6_localhost(&local, la.port);
            break;
        case 3:
            tern_addr_clear(&local);
            break;
        default:
            break;
        }
        switch (sel & 3) {
        case 0: /* to the server, from the client's socket address */
            sock = 1;
            from = e.addr[1];
            break;
        case 1: /* to the client, from the server */
            sock = 2;
            from = la;
            local = e.addr[1];
            break;
        case 2: /* to the server, from a stranger */
            sock = 1;
            tern_addr_set_ipv4(&from, 0x0a000001u + (sel >> 4), (uint16_t)(1000 + sel));
            break;
        default: /* to a socket that is not open */
            sock = 7;
            from = la;
            break;
        }
        tern_inst_recv(&e.in, e.now, sock, &from, &local, p, len);
        p += len;
        e.now += (int64_t)((sel >> 2) & 3) * 5000;
        tern_inst_service(&e.in, e.now);
        e.nq = 0; /* replies go nowhere */
        tern_inst_free_events(&e.in, tern_inst_take_events(&e.in));
        drain(&e, e.client);
        drain(&e, e.server);
    }
    /* run the clock forward through every timer, then free everything */
    for (int i = 0; i < 40; i++) {
        e.now += 500000;
        tern_inst_service(&e.in, e.now);
        e.nq = 0;
        tern_inst_free_events(&e.in, tern_inst_take_events(&e.in));
    }
    tern_inst_free(&e.in, e.now);
    tern_cfg_global_free(&e.root);
    return 0;
}
