/* The scenarios, the same for every backend.
 *
 *   <prog> server --port P [--variant V] [--lanes L]
 *   <prog> client HOST:P --scenario S --seconds N [--conns C] [--size B]
 *                 [--lanes L] [--variant V] [--procs P] [--spread] [--quit]
 *
 * Scenarios: reliable, bulk, unreliable (streams of messages; the server
 * counts what arrives), rtt (ping-pong), connect (handshakes with C in
 * flight), idle (C idle connections: server heap growth per connection and
 * CPU while idle). The client drives everything; the server reports its own
 * counters, CPU and heap through control messages on a connection, so each
 * figure comes from the process it describes. The last line printed is
 * "RESULT key=value ...". */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* Message kinds (first byte). */
#define K_DATA   'D' /* [1] reliable, [2..3] lane, [4..11] seq per lane */
#define K_PING   'P' /* [1] reliable, [2..3] lane, [4..11] seq, [12..19] send time ns */
#define K_PONG   'p' /* the ping, echoed */
#define K_CTL    'C' /* [1..4] seq, [5] op */
#define K_REPLY  'R' /* [1..4] seq, [5..] text */
#define DATA_HDR 12

static volatile sig_atomic_t g_stop;
static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Delete the backend and say how long that took with |open| connections
 * (the cost of tearing down an instance with many of them). */
static void del_timed(be *b, const char *who, long open)
{
    int64_t t0 = now_ns();
    be_del(b);
    fprintf(stderr, "%s: %s closed with %ld connections open in %.3f s\n", be_name, who, open,
            (double)(now_ns() - t0) / 1e9);
}

static void put_u64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}
static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}
static void put_u32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}
static uint32_t get_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* --- a map from connection id to a slot (linear probing, backward-shift
 * deletion, so churn leaves no tombstones). Allocated once, up front. --- */

typedef struct cmap {
    uint64_t *keys; /* 0: empty */
    int32_t *vals;
    size_t cap; /* power of two */
} cmap;

static void cmap_init(cmap *m, size_t cap)
{
    m->cap = cap;
    m->keys = calloc(cap, sizeof *m->keys);
    m->vals = calloc(cap, sizeof *m->vals);
    if (!m->keys || !m->vals) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
}

static size_t cmap_hash(const cmap *m, uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (size_t)k & (m->cap - 1);
}

static int32_t *cmap_get(cmap *m, uint64_t k)
{
    for (size_t i = cmap_hash(m, k);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == k) return &m->vals[i];
        if (!m->keys[i]) return NULL;
    }
}

static int32_t *cmap_put(cmap *m, uint64_t k)
{
    for (size_t i = cmap_hash(m, k), n = 0; n < m->cap; i = (i + 1) & (m->cap - 1), n++) {
        if (m->keys[i] == k) return &m->vals[i];
        if (!m->keys[i]) {
            m->keys[i] = k;
            m->vals[i] = 0;
            return &m->vals[i];
        }
    }
    return NULL; /* full */
}

static void cmap_del(cmap *m, uint64_t k)
{
    size_t i = cmap_hash(m, k);
    while (m->keys[i] != k) {
        if (!m->keys[i]) return;
        i = (i + 1) & (m->cap - 1);
    }
    for (;;) {
        m->keys[i] = 0;
        size_t j = i;
        for (;;) {
            j = (j + 1) & (m->cap - 1);
            if (!m->keys[j]) return;
            size_t h = cmap_hash(m, m->keys[j]);
            /* move j back to i unless its home lies cyclically in (i, j] */
            bool stay = i <= j ? (i < h && h <= j) : (i < h || h <= j);
            if (!stay) break;
        }
        m->keys[i] = m->keys[j];
        m->vals[i] = m->vals[j];
        i = j;
    }
}

/* ============================================================================ server */

#define ORD_SLOTS 1024 /* connections whose reliable order is checked */

typedef struct server {
    be *b;
    be_opts o;
    cmap conns; /* conn -> (last control seq << 11) | (ord slot + 1) */
    uint64_t next_seq[ORD_SLOTS][BENCH_MAX_LANES];
    uint64_t ord_owner[ORD_SLOTS];
    int nord;
    /* counters since the last 'B' */
    uint64_t msgs, bytes, ord_err, hs, hs_total;
    int64_t open;
    int64_t t_begin, t_last, cpu0, heap0, rss0;
    bool quit;
    int64_t quit_at;
} server;

static server *g_srv;

static void srv_connected(void *u, uint64_t conn)
{
    server *sv = u;
    int32_t *v = cmap_put(&sv->conns, conn);
    if (v) *v = 0;
    sv->open++;
    sv->hs++;
    sv->hs_total++;
}

static void srv_closed(void *u, uint64_t conn)
{
    server *sv = u;
    int32_t *v = cmap_get(&sv->conns, conn);
    if (v) {
        int slot = (*v & 0x7ff) - 1;
        if (slot >= 0) sv->ord_owner[slot] = 0;
        cmap_del(&sv->conns, conn);
    }
    sv->open--;
}

static void srv_check_order(server *sv, uint64_t conn, const uint8_t *d)
{
    int32_t *v = cmap_get(&sv->conns, conn);
    if (!v) v = cmap_put(&sv->conns, conn); /* UDP: no connect event before data */
    if (!v) return;
    int slot = (*v & 0x7ff) - 1;
    if (slot < 0) {
        for (int i = 0; i < ORD_SLOTS && slot < 0; i++)
            if (!sv->ord_owner[i]) slot = i;
        if (slot < 0) return;
        sv->ord_owner[slot] = conn;
        memset(sv->next_seq[slot], 0, sizeof sv->next_seq[slot]);
        *v = (*v & ~0x7ff) | (slot + 1);
    }
    uint16_t lane;
    memcpy(&lane, d + 2, 2);
    if (lane >= BENCH_MAX_LANES) {
        sv->ord_err++;
        return;
    }
    uint64_t seq = get_u64(d + 4);
    if (seq != sv->next_seq[slot][lane]) sv->ord_err++;
    sv->next_seq[slot][lane] = seq + 1;
}

static void srv_control(server *sv, uint64_t conn, const uint8_t *d, uint32_t len)
{
    if (len < 6) return;
    uint32_t seq = get_u32(d + 1);
    char op = (char)d[5];
    int32_t *v = cmap_get(&sv->conns, conn);
    if (!v) v = cmap_put(&sv->conns, conn);
    /* Requests are retried over raw UDP: do each one once, answer every copy. */
    bool again = v && (uint32_t)(*v >> 11) == (seq & 0xfffff) && seq;
    if (v && !again) *v = (int32_t)(((seq & 0xfffff) << 11) | ((uint32_t)*v & 0x7ff));
    int64_t now = bench_now_us();
    char text[512];
    text[0] = 0;
    if (op == 'B') {
        if (!again) {
            sv->msgs = sv->bytes = sv->ord_err = sv->hs = 0;
            sv->t_begin = sv->t_last = now;
            sv->cpu0 = bench_cpu_us();
            sv->heap0 = bench_heap_bytes();
            sv->rss0 = bench_rss_kb();
        }
        snprintf(text, sizeof text, "ok");
    } else if (op == 'F') {
        snprintf(text, sizeof text, "ok");
    } else if (op == 'E' || op == 'Q') {
        snprintf(text, sizeof text,
                 "msgs=%" PRIu64 " bytes=%" PRIu64 " span_us=%" PRId64 " wall_us=%" PRId64
                 " cpu_us=%" PRId64 " heap=%" PRId64 " rss_kb=%" PRId64 " open=%" PRId64
                 " hs=%" PRIu64 " ord_err=%" PRIu64,
                 sv->msgs, sv->bytes, sv->t_last - sv->t_begin, now - sv->t_begin,
                 bench_cpu_us() - sv->cpu0, bench_heap_bytes() - sv->heap0,
                 bench_rss_kb() - sv->rss0, sv->open, sv->hs, sv->ord_err);
        if (op == 'Q' && !sv->quit) {
            sv->quit = true;
            sv->quit_at = now + 300000;
        }
    } else {
        snprintf(text, sizeof text, "unknown op");
    }
    uint8_t out[600];
    out[0] = K_REPLY;
    put_u32(out + 1, seq);
    size_t n = strlen(text);
    memcpy(out + 5, text, n);
    be_send(sv->b, conn, 0, out, (uint32_t)(5 + n), BE_RELIABLE | BE_NOW);
}

static void srv_message(void *u, uint64_t conn, const uint8_t *d, uint32_t len)
{
    server *sv = u;
    if (len == 0) return;
    switch (d[0]) {
    case K_DATA:
        sv->msgs++;
        sv->bytes += len;
        sv->t_last = bench_now_us();
        if (len >= DATA_HDR && d[1]) srv_check_order(sv, conn, d);
        break;
    case K_PING: {
        static uint8_t echo[1 << 19];
        if (len > sizeof echo || len < DATA_HDR) break;
        memcpy(echo, d, len);
        echo[0] = K_PONG;
        uint16_t lane;
        memcpy(&lane, d + 2, 2);
        sv->msgs++;
        sv->bytes += len;
        sv->t_last = bench_now_us();
        be_send(sv->b, conn, lane < sv->o.lanes ? lane : 0, echo, len,
                (d[1] ? BE_RELIABLE : 0) | BE_NOW);
        break;
    }
    case K_CTL:
        srv_control(sv, conn, d, len);
        break;
    default:
        break;
    }
}

static int run_server(int port, const be_opts *o)
{
    static server sv;
    g_srv = &sv;
    sv.o = *o;
    cmap_init(&sv.conns, (size_t)1 << 19);
    bench_raise_nofile(1 << 20);
    bench_cb cb = {&sv, srv_connected, srv_closed, srv_message};
    sv.b = be_new(&cb, o);
    if (!sv.b) return 1;
    if (be_listen(sv.b, port) != 0) return 1;
    sv.t_begin = sv.t_last = bench_now_us();
    sv.cpu0 = bench_cpu_us();
    sv.heap0 = bench_heap_bytes();
    printf("READY %s port=%d\n", be_name, port);
    fflush(stdout);
    while (!g_stop && !(sv.quit && bench_now_us() >= sv.quit_at)) be_poll(sv.b, 100000);
    del_timed(sv.b, "server", (long)sv.open);
    return 0;
}

/* ============================================================================ client */

typedef struct cconn {
    uint64_t id;
    int state; /* 0 connecting, 1 connected, 2 gone */
    uint64_t seq[BENCH_MAX_LANES];
} cconn;

typedef struct client {
    be *b;
    be_opts o;
    const char *scenario;
    char host[64];
    int port;
    cmap map; /* id -> index in conns */
    cconn *conns;
    int nconns, cap;
    int connected, failed, inflight;
    bool close_on_connect; /* the connect scenario */
    int64_t hs_done;
    /* control */
    uint32_t ctl_seq;
    bool ctl_got;
    char ctl_reply[600];
    /* rtt */
    uint64_t ping_seq;
    bool pong_got;
    int64_t pong_rtt_ns;
} client;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", be_name);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static int cl_add(client *c, uint64_t id)
{
    if (c->nconns == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->conns = realloc(c->conns, (size_t)c->cap * sizeof *c->conns);
        if (!c->conns) die("out of memory");
    }
    int i = c->nconns++;
    memset(&c->conns[i], 0, sizeof c->conns[i]);
    c->conns[i].id = id;
    int32_t *v = cmap_put(&c->map, id);
    if (!v) die("connection map full");
    *v = i;
    return i;
}

static void cl_connected(void *u, uint64_t id)
{
    client *c = u;
    int32_t *v = cmap_get(&c->map, id);
    if (!v) return;
    cconn *k = &c->conns[*v];
    if (k->state != 0) return;
    k->state = 1;
    c->connected++;
    c->inflight--;
    if (c->close_on_connect && *v != 0) {
        c->hs_done++;
        be_close(c->b, id);
        k->state = 2;
        cmap_del(&c->map, id);
    }
}

static void cl_closed(void *u, uint64_t id)
{
    client *c = u;
    int32_t *v = cmap_get(&c->map, id);
    if (!v) return;
    cconn *k = &c->conns[*v];
    if (k->state == 0) {
        c->failed++;
        c->inflight--;
    } else if (k->state == 1) {
        c->connected--;
    }
    k->state = 2;
    cmap_del(&c->map, id);
}

static void cl_message(void *u, uint64_t id, const uint8_t *d, uint32_t len)
{
    client *c = u;
    (void)id;
    if (len == 0) return;
    if (d[0] == K_REPLY && len >= 5 && get_u32(d + 1) == c->ctl_seq && !c->ctl_got) {
        size_t n = len - 5 < sizeof c->ctl_reply - 1 ? len - 5 : sizeof c->ctl_reply - 1;
        memcpy(c->ctl_reply, d + 5, n);
        c->ctl_reply[n] = 0;
        c->ctl_got = true;
    } else if (d[0] == K_PONG && len >= 20 && get_u64(d + 4) == c->ping_seq && !c->pong_got) {
        c->pong_rtt_ns = now_ns() - (int64_t)get_u64(d + 12);
        c->pong_got = true;
    }
}

/* A control request on connection |idx|, retried every 500 ms (raw UDP
 * may lose it); the reply text is left in c->ctl_reply. */
static void ctl(client *c, int idx, char op)
{
    uint8_t m[6];
    m[0] = K_CTL;
    put_u32(m + 1, ++c->ctl_seq);
    m[5] = (uint8_t)op;
    c->ctl_got = false;
    int64_t start = bench_now_us(), last = 0;
    while (!c->ctl_got) {
        int64_t now = bench_now_us();
        if (now - start > 60000000) die("no reply to control '%c' in 60 s", op);
        if (c->conns[idx].state != 1) die("the control connection closed");
        if (now - last >= 500000) {
            int r = be_send(c->b, c->conns[idx].id, 0, m, sizeof m, BE_RELIABLE | BE_NOW);
            if (r == BE_ERR) die("control send failed");
            if (r == BE_OK) last = now;
        }
        be_poll(c->b, 1000);
    }
}

static long long kv(const char *text, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = text; (p = strstr(p, key)); p += kl)
        if ((p == text || p[-1] == ' ') && p[kl] == '=') return atoll(p + kl + 1);
    return -1;
}

static int open_conns(client *c, int n, int max_inflight, int64_t timeout_us)
{
    int64_t start = bench_now_us();
    int started = 0;
    while (!g_stop) {
        while (started < n && c->inflight < max_inflight) {
            uint64_t id;
            if (be_connect(c->b, c->host, c->port, &id) != 0) {
                fprintf(stderr, "%s: connect %d failed\n", be_name, started);
                return started;
            }
            c->inflight++;
            started++;
            cl_add(c, id);
        }
        if (started == n && c->inflight == 0) break;
        if (bench_now_us() - start > timeout_us) {
            fprintf(stderr, "%s: %d connections still connecting after %.0f s\n", be_name,
                    c->inflight, timeout_us / 1e6);
            break;
        }
        be_poll(c->b, 2000);
    }
    return started;
}

/* --- results --- */

typedef struct result {
    char line[4096];
    size_t len;
} result;

static void res_add(result *r, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void res_add(result *r, const char *key, const char *fmt, ...)
{
    char val[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(val, sizeof val, fmt, ap);
    va_end(ap);
    printf("  %-22s %s\n", key, val);
    r->len += (size_t)snprintf(r->line + r->len, sizeof r->line - r->len, " %s=%s", key, val);
}

static const char *peer_name(const be_opts *o)
{
    static char name[96];
    if (o->variant && *o->variant)
        snprintf(name, sizeof name, "%s-%s", be_name, o->variant);
    else
        snprintf(name, sizeof name, "%s", be_name);
    return name;
}

static void res_head(result *r, const client *c, int size, int conns, double secs)
{
    printf("%s %s: size %d B, %d connection(s), %.1f s, %d lane(s)\n", peer_name(&c->o),
           c->scenario, size, conns, secs, c->o.lanes);
    r->len = (size_t)snprintf(r->line, sizeof r->line,
                              "RESULT peer=%s scenario=%s size=%d conns=%d seconds=%g lanes=%d",
                              peer_name(&c->o), c->scenario, size, conns, secs, c->o.lanes);
}

static void res_cpu(result *r, double srv_cpu_s, double cli_cpu_s, double msgs)
{
    res_add(r, "srv_cpu_s", "%.3f", srv_cpu_s);
    res_add(r, "cli_cpu_s", "%.3f", cli_cpu_s);
    if (msgs > 0) {
        res_add(r, "srv_cpu_s_per_Mmsg", "%.3f", srv_cpu_s / (msgs / 1e6));
        res_add(r, "cli_cpu_s_per_Mmsg", "%.3f", cli_cpu_s / (msgs / 1e6));
    }
}

/* --- stream: reliable, bulk, unreliable --- */

static int sc_stream(client *c, int size, int nconns, double secs, bool reliable, result *r)
{
    if (size < DATA_HDR) size = DATA_HDR;
    if (open_conns(c, nconns, 64, 20000000) != nconns || c->connected != nconns)
        die("only %d of %d connections came up", c->connected, nconns);
    ctl(c, 0, 'B');
    uint8_t *msg = calloc(1, (size_t)size);
    if (!msg) die("out of memory");
    for (int i = DATA_HDR; i < size; i++) msg[i] = (uint8_t)i;
    msg[0] = K_DATA;
    msg[1] = reliable;
    int flags = reliable ? BE_RELIABLE : 0;
    uint64_t sent = 0, full = 0;
    int64_t cpu0 = bench_cpu_us(), t0 = bench_now_us(), t_end = t0 + (int64_t)(secs * 1e6);
    int ci = 0, lane = 0;
    while (!g_stop && bench_now_us() < t_end) {
        for (int k = 0; k < 64; k++) {
            cconn *cc = &c->conns[ci];
            uint16_t l = (uint16_t)lane;
            memcpy(msg + 2, &l, 2);
            put_u64(msg + 4, cc->seq[lane]);
            int rr = be_send(c->b, cc->id, lane, msg, (uint32_t)size, flags);
            if (rr == BE_OK) {
                sent++;
                cc->seq[lane]++;
                if (++lane == c->o.lanes) {
                    lane = 0;
                    if (++ci == nconns) ci = 0;
                }
            } else if (rr == BE_FULL) {
                full++;
                be_poll(c->b, 200);
                break;
            } else {
                die("send failed after %" PRIu64 " messages", sent);
            }
        }
        be_poll(c->b, 0);
    }
    int64_t t_send_end = bench_now_us();
    for (int i = 0; i < nconns; i++) be_flush(c->b, c->conns[i].id);
    if (!reliable) { /* let the last unreliable messages land */
        int64_t until = bench_now_us() + 300000;
        while (bench_now_us() < until) be_poll(c->b, 10000);
    }
    for (int i = 0; i < nconns; i++) ctl(c, i, 'F');
    ctl(c, 0, 'E');
    double cli_cpu = (bench_cpu_us() - cpu0) / 1e6;
    const char *t = c->ctl_reply;
    double delivered = (double)kv(t, "msgs"), span = (double)kv(t, "span_us") / 1e6;
    double bytes = (double)kv(t, "bytes");
    if (span <= 0) span = (t_send_end - t0) / 1e6;
    res_head(r, c, size, nconns, secs);
    res_add(r, "sent", "%" PRIu64, sent);
    res_add(r, "delivered", "%.0f", delivered);
    res_add(r, "msgs_per_s", "%.0f", delivered / span);
    res_add(r, "mb_per_s", "%.2f", bytes / span / 1e6);
    res_add(r, "loss_pct", "%.3f", sent ? 100.0 * (1.0 - delivered / (double)sent) : 0.0);
    res_add(r, "span_s", "%.3f", span);
    res_add(r, "send_full", "%" PRIu64, full);
    res_cpu(r, kv(t, "cpu_us") / 1e6, cli_cpu, delivered);
    long long oe = kv(t, "ord_err");
    res_add(r, "order_errors", "%lld", oe);
    free(msg);
    if (reliable && (delivered != (double)sent || oe != 0)) {
        fprintf(stderr, "%s: reliable: %" PRIu64 " sent, %.0f delivered, %lld out of order\n",
                be_name, sent, delivered, oe);
        return 1;
    }
    if (delivered <= 0) {
        fprintf(stderr, "%s: nothing was delivered\n", be_name);
        return 1;
    }
    return 0;
}

/* --- rtt --- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(const int64_t *s, size_t n, double p)
{
    if (!n) return 0;
    size_t i = (size_t)ceil(p / 100.0 * (double)n);
    if (i > 0) i--;
    if (i >= n) i = n - 1;
    return (double)s[i] / 1000.0;
}

static int sc_rtt(client *c, int size, double secs, bool reliable, result *r)
{
    if (size < 20) size = 20;
    if (open_conns(c, 1, 1, 20000000) != 1 || c->connected != 1) die("no connection");
    ctl(c, 0, 'B');
    size_t cap = 1 << 22, n = 0;
    int64_t *samples = malloc(cap * sizeof *samples);
    uint8_t *msg = calloc(1, (size_t)size);
    if (!samples || !msg) die("out of memory");
    msg[0] = K_PING;
    msg[1] = reliable;
    uint64_t lost = 0;
    int64_t cpu0 = bench_cpu_us(), t0 = bench_now_us(), t_end = t0 + (int64_t)(secs * 1e6);
    /* a few untimed round trips first, so connection warm-up is not measured */
    for (int warm = 8; !g_stop && bench_now_us() < t_end; warm = warm > 0 ? warm - 1 : 0) {
        put_u64(msg + 4, ++c->ping_seq);
        put_u64(msg + 12, (uint64_t)now_ns());
        c->pong_got = false;
        if (be_send(c->b, c->conns[0].id, 0, msg, (uint32_t)size,
                    (reliable ? BE_RELIABLE : 0) | BE_NOW) == BE_ERR)
            die("send failed");
        int64_t give_up = bench_now_us() + (reliable ? 5000000 : 200000);
        while (!c->pong_got && bench_now_us() < give_up) be_poll(c->b, 200000);
        if (!c->pong_got) {
            if (reliable) die("no pong in 5 s");
            lost++;
            continue;
        }
        if (!warm && n < cap) samples[n++] = c->pong_rtt_ns;
    }
    ctl(c, 0, 'E');
    double cli_cpu = (bench_cpu_us() - cpu0) / 1e6, wall = (bench_now_us() - t0) / 1e6;
    qsort(samples, n, sizeof *samples, cmp_i64);
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += (double)samples[i];
    res_head(r, c, size, 1, secs);
    res_add(r, "sent", "%" PRIu64, c->ping_seq);
    res_add(r, "delivered", "%" PRIu64, c->ping_seq - lost);
    res_add(r, "samples", "%zu", n);
    res_add(r, "msgs_per_s", "%.0f", (double)n / wall);
    res_add(r, "loss_pct", "%.3f", c->ping_seq ? 100.0 * (double)lost / (double)c->ping_seq : 0);
    res_add(r, "min_us", "%.1f", n ? samples[0] / 1000.0 : 0);
    res_add(r, "mean_us", "%.1f", n ? sum / (double)n / 1000.0 : 0);
    res_add(r, "p50_us", "%.1f", pct(samples, n, 50));
    res_add(r, "p90_us", "%.1f", pct(samples, n, 90));
    res_add(r, "p99_us", "%.1f", pct(samples, n, 99));
    res_add(r, "p999_us", "%.1f", pct(samples, n, 99.9));
    res_add(r, "max_us", "%.1f", n ? samples[n - 1] / 1000.0 : 0);
    res_cpu(r, kv(c->ctl_reply, "cpu_us") / 1e6, cli_cpu, 2.0 * (double)n);
    /* the distribution for the plots: BENCH_RTT_DUMP=file */
    const char *dump = getenv("BENCH_RTT_DUMP");
    if (dump && *dump) {
        FILE *f = fopen(dump, "w");
        if (f) {
            /* 1000 quantiles keep the file small and the tail visible */
            for (int q = 0; q <= 1000 && n; q++)
                fprintf(f, "%.1f %.2f\n", q / 10.0, pct(samples, n, q / 10.0));
            fclose(f);
        }
    }
    free(samples);
    free(msg);
    return n > 0 ? 0 : 1;
}

/* --- connect --- */

static int sc_connect(client *c, int inflight, double secs, result *r)
{
    if (open_conns(c, 1, 1, 20000000) != 1 || c->connected != 1) die("no control connection");
    ctl(c, 0, 'B');
    c->close_on_connect = true;
    int64_t cpu0 = bench_cpu_us(), t0 = bench_now_us(), t_end = t0 + (int64_t)(secs * 1e6);
    int64_t started = 0, connect_err = 0;
    while (!g_stop && bench_now_us() < t_end) {
        while (c->inflight < inflight) {
            uint64_t id;
            if (be_connect(c->b, c->host, c->port, &id) != 0) {
                connect_err++;
                break;
            }
            c->inflight++;
            started++;
            cl_add(c, id);
        }
        be_poll(c->b, 1000);
    }
    int64_t done = c->hs_done;
    double wall = (bench_now_us() - t0) / 1e6;
    int64_t drain = bench_now_us() + 3000000;
    while (c->inflight > 0 && bench_now_us() < drain) be_poll(c->b, 2000);
    /* settle: let the server see the last closes */
    int64_t settle = bench_now_us() + 200000;
    while (bench_now_us() < settle) be_poll(c->b, 10000);
    ctl(c, 0, 'E');
    double cli_cpu = (bench_cpu_us() - cpu0) / 1e6;
    long long srv_hs = kv(c->ctl_reply, "hs");
    res_head(r, c, 0, inflight, secs);
    res_add(r, "started", "%" PRId64, started);
    res_add(r, "sent", "%" PRId64, started);
    res_add(r, "delivered", "%" PRId64, c->hs_done);
    res_add(r, "failed", "%d", c->failed);
    res_add(r, "connect_errors", "%" PRId64, connect_err);
    res_add(r, "srv_handshakes", "%lld", srv_hs);
    res_add(r, "handshakes_per_s", "%.0f", (double)done / wall);
    double srv_cpu = kv(c->ctl_reply, "cpu_us") / 1e6;
    res_add(r, "srv_cpu_s", "%.3f", srv_cpu);
    res_add(r, "cli_cpu_s", "%.3f", cli_cpu);
    if (c->hs_done > 0) {
        res_add(r, "srv_cpu_us_per_hs", "%.1f", srv_cpu * 1e6 / (double)c->hs_done);
        res_add(r, "cli_cpu_us_per_hs", "%.1f", cli_cpu * 1e6 / (double)c->hs_done);
    }
    return c->hs_done > 0 ? 0 : 1;
}

/* --- idle --- */

typedef struct child {
    pid_t pid;
    int to, from; /* pipes */
} child;

static void child_main(client *c, int n, int rfd, int wfd)
{
    /* Runs in a forked process with a backend of its own. */
    bench_cb cb = {c, cl_connected, cl_closed, cl_message};
    c->b = be_new(&cb, &c->o);
    if (!c->b) _exit(1);
    char go;
    if (read(rfd, &go, 1) != 1) _exit(1);
    /* At most 48 handshakes in flight: with --spread every child is a
     * source address of its own, and tern's server drops ConnectRequests
     * beyond 64 not-yet-accepted connections per address. The deadline
     * grows with the share (100,000 over 8 children take minutes). */
    open_conns(c, n, 48, 120000000 + (int64_t)n * 20000);
    char line[128];
    int len = snprintf(line, sizeof line, "%d %d\n", c->connected, c->failed);
    if (write(wfd, line, (size_t)len) != len) _exit(1);
    fcntl(rfd, F_SETFL, O_NONBLOCK);
    int64_t cpu0 = bench_cpu_us();
    for (;;) {
        char cmd;
        ssize_t k = read(rfd, &cmd, 1);
        if (k == 0) break;
        if (k == 1 && cmd == 'm') cpu0 = bench_cpu_us();
        if (k == 1 && cmd == 'q') break;
        be_poll(c->b, 50000);
    }
    len = snprintf(line, sizeof line, "%" PRId64 " %d\n", bench_cpu_us() - cpu0, c->connected);
    if (write(wfd, line, (size_t)len) != len) _exit(1);
    del_timed(c->b, "client process", (long)c->connected);
    _exit(0);
}

static int read_line(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t k = read(fd, buf + n, 1);
        if (k <= 0) break;
        if (buf[n] == '\n') break;
        n++;
    }
    buf[n] = 0;
    return (int)n;
}

static int sc_idle(client *c, int nconns, int procs, bool spread, double secs, result *r)
{
    child *kids = NULL;
    if (procs > 1) {
        kids = calloc((size_t)procs, sizeof *kids);
        for (int i = 0; i < procs; i++) {
            int a[2], b[2];
            if (pipe(a) || pipe(b)) die("pipe");
            int share = nconns / procs + (i < nconns % procs);
            fflush(stdout);
            pid_t pid = fork();
            if (pid < 0) die("fork");
            if (pid == 0) {
                close(a[1]);
                close(b[0]);
                if (spread && strncmp(c->host, "127.", 4) == 0)
                    snprintf(c->host, sizeof c->host, "127.0.0.%d", 2 + i % 8);
                child_main(c, share, a[0], b[1]);
            }
            close(a[0]);
            close(b[1]);
            kids[i] = (child){pid, a[1], b[0]};
        }
    }
    bench_cb cb = {c, cl_connected, cl_closed, cl_message};
    c->b = be_new(&cb, &c->o);
    if (!c->b) die("backend");
    if (open_conns(c, 1, 1, 20000000) != 1 || c->connected != 1) die("no control connection");
    ctl(c, 0, 'B');
    int64_t t_conn0 = bench_now_us();
    int up = 0, failed = 0;
    if (kids) {
        for (int i = 0; i < procs; i++)
            if (write(kids[i].to, "g", 1) != 1) die("pipe");
        for (int i = 0; i < procs; i++) {
            char line[128];
            read_line(kids[i].from, line, sizeof line);
            int u = 0, f = 0;
            sscanf(line, "%d %d", &u, &f);
            up += u;
            failed += f;
        }
    } else {
        /* 48 in flight, as in child_main: one source address */
        open_conns(c, nconns, 48, 120000000 + (int64_t)nconns * 20000);
        up = c->connected - 1;
        failed = c->failed;
    }
    double t_conn = (bench_now_us() - t_conn0) / 1e6;
    int64_t settle = bench_now_us() + 1000000;
    while (bench_now_us() < settle) be_poll(c->b, 20000);
    ctl(c, 0, 'E');
    long long heap = kv(c->ctl_reply, "heap"), rss = kv(c->ctl_reply, "rss_kb");
    long long srv_open = kv(c->ctl_reply, "open");
    /* the idle window */
    ctl(c, 0, 'B');
    if (kids)
        for (int i = 0; i < procs; i++)
            if (write(kids[i].to, "m", 1) != 1) die("pipe");
    int64_t cpu0 = bench_cpu_us(), t0 = bench_now_us(), t_end = t0 + (int64_t)(secs * 1e6);
    while (!g_stop && bench_now_us() < t_end) be_poll(c->b, 100000);
    ctl(c, 0, 'E');
    double wall = (bench_now_us() - t0) / 1e6;
    double cli_cpu = (bench_cpu_us() - cpu0) / 1e6;
    long long srv_open_after = kv(c->ctl_reply, "open");
    double srv_cpu = kv(c->ctl_reply, "cpu_us") / 1e6;
    if (kids) {
        for (int i = 0; i < procs; i++)
            if (write(kids[i].to, "q", 1) != 1) die("pipe");
        for (int i = 0; i < procs; i++) {
            char line[128];
            read_line(kids[i].from, line, sizeof line);
            cli_cpu += atoll(line) / 1e6;
            waitpid(kids[i].pid, NULL, 0);
        }
    }
    res_head(r, c, 0, nconns, secs);
    res_add(r, "sent", "%d", nconns);
    res_add(r, "delivered", "%d", up);
    res_add(r, "failed", "%d", failed);
    res_add(r, "connect_s", "%.2f", t_conn);
    res_add(r, "procs", "%d", procs);
    res_add(r, "srv_open", "%lld", srv_open);
    res_add(r, "srv_open_after_idle", "%lld", srv_open_after);
    res_add(r, "kb_per_conn", "%.3f", up > 0 ? (double)heap / up / 1024.0 : 0);
    res_add(r, "rss_kb_per_conn", "%.3f", up > 0 ? (double)rss / up : 0);
    res_add(r, "idle_cpu_pct", "%.3f", 100.0 * srv_cpu / wall);
    res_add(r, "cli_idle_cpu_pct", "%.3f", 100.0 * cli_cpu / wall);
    res_add(r, "srv_cpu_s", "%.3f", srv_cpu);
    res_add(r, "cli_cpu_s", "%.3f", cli_cpu);
    free(kids);
    return up == nconns ? 0 : 1;
}

/* --- driver --- */

static void usage(void)
{
    fprintf(stderr,
            "usage: %s server --port P [--variant V] [--lanes L]\n"
            "       %s client HOST:PORT --scenario S --seconds N [--conns C] [--size B]\n"
            "             [--lanes L] [--variant V] [--procs P] [--spread] [--quit]\n"
            "scenarios: reliable bulk unreliable rtt connect idle\n"
            "variants: %s\n",
            be_name, be_name, be_variants);
    exit(2);
}

static int run_client(const char *target, const char *scenario, double secs, int conns, int size,
                      int procs, bool spread, bool quit, const be_opts *o)
{
    static client c;
    c.o = *o;
    c.scenario = scenario;
    const char *colon = strrchr(target, ':');
    if (!colon || colon == target) usage();
    size_t hl = (size_t)(colon - target);
    if (target[0] == '[' && hl >= 2 && target[hl - 1] == ']') {
        target++;
        hl -= 2;
    }
    if (hl >= sizeof c.host) usage();
    memcpy(c.host, target, hl);
    c.host[hl] = 0;
    c.port = atoi(colon + 1);
    cmap_init(&c.map, (size_t)1 << 18);
    bench_raise_nofile((long)conns + 4096 > 65536 ? (long)conns + 4096 : 65536);
    bool stream = !strcmp(scenario, "reliable") || !strcmp(scenario, "bulk") ||
                  !strcmp(scenario, "unreliable");
    if (!stream && strcmp(scenario, "rtt") && strcmp(scenario, "connect") &&
        strcmp(scenario, "idle"))
        usage();
    if (conns < 1) conns = 1;
    int maxc = be_max_conns(o);
    if (!strcmp(scenario, "idle") && conns > maxc * (procs > 1 ? procs : 1)) {
        fprintf(stderr, "%s: %d connections asked for, %d is this backend's limit per process\n",
                be_name, conns, maxc);
        conns = maxc * (procs > 1 ? procs : 1);
    }
    result r = {{0}, 0};
    int rc;
    if (!strcmp(scenario, "idle")) {
        rc = sc_idle(&c, conns, procs, spread, secs, &r);
    } else {
        bench_cb cb = {&c, cl_connected, cl_closed, cl_message};
        c.b = be_new(&cb, o);
        if (!c.b) return 1;
        if (stream) {
            if (size <= 0)
                size = !strcmp(scenario, "reliable") ? 64 : !strcmp(scenario, "bulk") ? 65536 : 200;
            rc = sc_stream(&c, size, conns, secs, strcmp(scenario, "unreliable") != 0, &r);
        } else if (!strcmp(scenario, "rtt")) {
            rc = sc_rtt(&c, size > 0 ? size : 32, secs, true, &r);
        } else {
            rc = sc_connect(&c, conns, secs, &r);
        }
    }
    if (quit && c.conns && c.conns[0].state == 1) ctl(&c, 0, 'Q');
    printf("%s ok=%d\n", r.line, rc == 0);
    fflush(stdout);
    if (c.conns && c.conns[0].state == 1) be_close(c.b, c.conns[0].id);
    del_timed(c.b, "client", (long)c.connected);
    return rc;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) usage();
    int extra = be_extra_main(argc, argv);
    if (extra >= 0) return extra;
    be_opts o = {"", 1, false};
    int port = 27100, conns = 1, size = 0, procs = 1;
    double secs = 3;
    bool spread = false, quit = false;
    const char *scenario = NULL, *target = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (!strcmp(a, "--port") && more)
            port = atoi(argv[++i]);
        else if (!strcmp(a, "--variant") && more)
            o.variant = argv[++i];
        else if (!strcmp(a, "--lanes") && more)
            o.lanes = atoi(argv[++i]);
        else if (!strcmp(a, "--scenario") && more)
            scenario = argv[++i];
        else if (!strcmp(a, "--seconds") && more)
            secs = atof(argv[++i]);
        else if (!strcmp(a, "--conns") && more)
            conns = atoi(argv[++i]);
        else if (!strcmp(a, "--size") && more)
            size = atoi(argv[++i]);
        else if (!strcmp(a, "--procs") && more)
            procs = atoi(argv[++i]);
        else if (!strcmp(a, "--spread"))
            spread = true;
        else if (!strcmp(a, "--quit"))
            quit = true;
        else if (a[0] != '-' && !target)
            target = a;
        else
            usage();
    }
    if (o.lanes < 1 || o.lanes > BENCH_MAX_LANES) usage();
    if (!strcmp(argv[1], "server")) {
        o.server = true;
        return run_server(port, &o);
    }
    if (!strcmp(argv[1], "client") && target && scenario)
        return run_client(target, scenario, secs, conns, size, procs, spread, quit, &o);
    usage();
    return 2;
}
