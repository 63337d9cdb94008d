/* tern-peer: the tern side of the interop tests against GameNetworkingSockets
 * (tests/interop/, WIRE.md §11.3), the counterpart of GNS's gns_peer. Public
 * API only.
 *
 *   tern-peer server PORT [options]       accept, echo every message back on
 *                                         the same lane with the same reliability
 *   tern-peer client HOST:PORT [options]  connect, send the script, check the
 *                                         echoes, close
 *
 * The client's script, per lane: a reliable "rel L", an unreliable "unrel L",
 * a 3000-byte unreliable and a 20000-byte reliable message (then one 0-byte
 * unreliable message on lane 0). It closes once every reliable message came
 * back (and the unreliable ones, or 0.5 s after the last reliable one), or
 * when --seconds run out.
 *
 * Every event is one line "KEYWORD t=SECONDS key=value ...", and a free text
 * (debug=, text=) is always the last field, so tests can parse the output:
 *   LISTEN, CONNECTING, INCOMING, CONNECTED, STATUS, SENT, RECV, ECHO_BAD,
 *   CLOSE, BULK_PROGRESS, BULK_DONE, BULK_SENT, DETAIL, SUMMARY, EXIT.
 * Exit status 0 unless something failed locally (bad arguments, an API call
 * that should not fail). Whether the exchange was right is for the test to
 * judge from the lines. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/tern.h"

#define MAX_CONNS  64
#define MAX_LANES  255
#define BIG_UNREL  3000
#define BIG_REL    20000
#define BULK_MAGIC "BULK"
#define BULK_END   "BULKEND"

typedef struct opts {
    bool server;
    int port;
    const char *addr;
    int lanes;
    int unencrypted;
    float loss;
    int mtu;
    double seconds;
    long long bulk;
    int bulk_msg;
    int rate;
    bool timesince;
    int reason;
    const char *debug;
    bool linger;
    double linger_wait;
    bool idle;
    int msgs;
    bool no_big;
    int send_lanes[MAX_LANES];
    int nsend_lanes;
    bool once;
    bool no_accept;
    const char *welcome;
    double close_after;
    long tail;
    int timeout_initial;
    int timeout_connected;
    int log;
} opts;

/* A message the client sent and expects back. */
typedef struct sent_msg {
    uint16_t lane;
    bool rel;
    bool echoed;
    uint32_t size;
    uint8_t *data;
} sent_msg;

typedef struct peer_conn {
    uint32_t h;
    bool connected, ended, closed;
    int64_t t_connected;
    /* bulk sink */
    long long bulk_bytes, bulk_msgs, bulk_seq;
    int64_t bulk_t0, bulk_t_last;
    bool bulk_bad;
} peer_conn;

typedef struct peer {
    opts o;
    tern_sockets *s;
    int64_t t0;
    peer_conn conns[MAX_CONNS];
    int nconns;
    /* client */
    sent_msg *sent;
    int nsent, capsent;
    bool script_sent;
    int64_t t_all_rel_echoed;
    long long echo_rel, echo_unrel, echo_bad, order_bad, lane_moved;
    long long recv_msgs, recv_bytes;
    /* bulk sender */
    long long bulk_sent, bulk_seq;
    bool bulk_end_sent, bulk_done;
    int64_t bulk_t0;
    int64_t t_progress;
} peer;

static volatile sig_atomic_t g_quit;

static void on_signal(int sig)
{
    (void)sig;
    g_quit = 1;
}

static peer g_peer;

static double secs(const peer *p)
{
    return (double)(tern_now() - p->t0) / 1e6;
}

static void line(const char *kw, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(const char *kw, const char *fmt, ...)
{
    va_list ap;
    printf("%s t=%.3f ", kw, secs(&g_peer));
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static void fail(const char *what, int r)
{
    fprintf(stderr, "tern-peer: %s: %s (%d)\n", what, tern_result_str(r), r);
    printf("EXIT t=%.3f code=1\n", secs(&g_peer));
    fflush(stdout);
    exit(1);
}

static uint32_t fnv1a(const uint8_t *d, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ d[i]) * 16777619u;
    return h;
}

/* Up to 40 bytes of |d| with anything unprintable as '.'. */
static const char *printable(const uint8_t *d, size_t n, char *buf)
{
    size_t k = n < 40 ? n : 40;
    for (size_t i = 0; i < k; i++) buf[i] = d[i] >= 32 && d[i] < 127 ? (char)d[i] : '.';
    buf[k] = 0;
    return buf;
}

static void log_sink(int level, const char *msg, void *user)
{
    (void)user;
    fprintf(stderr, "tern[%d] %s\n", level, msg);
}

/* --- options --------------------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr, "usage: tern-peer server PORT [options]\n"
                    "       tern-peer client HOST:PORT [options]\n"
                    "options: --lanes N  --unencrypted 0..3  --loss PCT  --mtu N  --seconds S\n"
                    "         --bulk BYTES [--bulk-msg N]  --rate BYTES_PER_SEC  --timesince\n"
                    "         --reason N  --debug TEXT  --linger  --linger-wait S  --tail BYTES\n"
                    "         --idle  --msgs N  --no-big  --send-lanes L,L,...\n"
                    "         --once  --no-accept  --welcome TEXT  --close-after S\n"
                    "         --timeout-initial MS  --timeout-connected MS  --log LEVEL\n");
    exit(2);
}

static void parse_lanes(opts *o, const char *list)
{
    char *copy = strdup(list), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int l = atoi(tok);
        if (l < 0 || l >= MAX_LANES || o->nsend_lanes == MAX_LANES) usage();
        o->send_lanes[o->nsend_lanes++] = l;
    }
    free(copy);
}

static void parse_opts(opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->lanes = 1;
    o->unencrypted = -1;
    o->seconds = 10;
    o->bulk_msg = 16384;
    o->reason = 1000;
    o->debug = "tern-peer done";
    o->linger_wait = 1.0;
    o->close_after = -1;
    o->timeout_initial = -1;
    o->timeout_connected = -1;
    if (argc < 3) usage();
    if (strcmp(argv[1], "server") == 0) {
        o->server = true;
        o->port = atoi(argv[2]);
        if (o->port <= 0 || o->port > 65535) usage();
    } else if (strcmp(argv[1], "client") == 0) {
        o->addr = argv[2];
    } else {
        usage();
    }
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (strcmp(a, name) == 0 && v && ++i)
        if (ARG("--lanes"))
            o->lanes = atoi(v);
        else if (ARG("--unencrypted"))
            o->unencrypted = atoi(v);
        else if (ARG("--loss"))
            o->loss = (float)atof(v);
        else if (ARG("--mtu"))
            o->mtu = atoi(v);
        else if (ARG("--seconds"))
            o->seconds = atof(v);
        else if (ARG("--bulk"))
            o->bulk = atoll(v);
        else if (ARG("--bulk-msg"))
            o->bulk_msg = atoi(v);
        else if (ARG("--rate"))
            o->rate = atoi(v);
        else if (ARG("--reason"))
            o->reason = atoi(v);
        else if (ARG("--debug"))
            o->debug = v;
        else if (ARG("--linger-wait"))
            o->linger_wait = atof(v);
        else if (ARG("--msgs"))
            o->msgs = atoi(v);
        else if (ARG("--send-lanes"))
            parse_lanes(o, v);
        else if (ARG("--welcome"))
            o->welcome = v;
        else if (ARG("--close-after"))
            o->close_after = atof(v);
        else if (ARG("--tail"))
            o->tail = atol(v);
        else if (ARG("--timeout-initial"))
            o->timeout_initial = atoi(v);
        else if (ARG("--timeout-connected"))
            o->timeout_connected = atoi(v);
        else if (ARG("--log"))
            o->log = atoi(v);
        else if (strcmp(a, "--timesince") == 0)
            o->timesince = true;
        else if (strcmp(a, "--linger") == 0)
            o->linger = true;
        else if (strcmp(a, "--idle") == 0)
            o->idle = true;
        else if (strcmp(a, "--no-big") == 0)
            o->no_big = true;
        else if (strcmp(a, "--once") == 0)
            o->once = true;
        else if (strcmp(a, "--no-accept") == 0)
            o->no_accept = true;
        else
            usage();
#undef ARG
    }
    for (int i = 0; i < o->nsend_lanes; i++)
        if (o->send_lanes[i] + 1 > o->lanes) o->lanes = o->send_lanes[i] + 1;
    if (o->lanes < 1 || o->lanes > MAX_LANES || o->bulk_msg < 32 || o->bulk_msg > 512 * 1024)
        usage();
}

static void set_global_i32(int id, int32_t v)
{
    tern_result r = tern_config_set(NULL, TERN_SCOPE_GLOBAL, 0, id, TERN_CONFIG_INT32, &v);
    if (r != TERN_OK) fail(tern_config_name(id), r);
}

static void set_global_f32(int id, float v)
{
    tern_result r = tern_config_set(NULL, TERN_SCOPE_GLOBAL, 0, id, TERN_CONFIG_FLOAT, &v);
    if (r != TERN_OK) fail(tern_config_name(id), r);
}

/* Options go to the global scope, so every connection inherits them (as
 * gns_peer does with GNS's global config). */
static void apply_config(const opts *o)
{
    if (o->unencrypted >= 0) set_global_i32(TERN_CFG_UNENCRYPTED, o->unencrypted);
    if (o->loss > 0) {
        set_global_f32(TERN_CFG_FAKE_LOSS_SEND, o->loss);
        set_global_f32(TERN_CFG_FAKE_LOSS_RECV, o->loss);
    }
    if (o->mtu) set_global_i32(TERN_CFG_MTU_PACKET_SIZE, o->mtu);
    if (o->rate) {
        set_global_i32(TERN_CFG_SEND_RATE_MIN, o->rate);
        set_global_i32(TERN_CFG_SEND_RATE_MAX, o->rate);
    }
    if (o->timesince) set_global_i32(TERN_CFG_SEND_TIME_SINCE_PREVIOUS_PACKET, 1);
    if (o->timeout_initial >= 0) set_global_i32(TERN_CFG_TIMEOUT_INITIAL, o->timeout_initial);
    if (o->timeout_connected >= 0) set_global_i32(TERN_CFG_TIMEOUT_CONNECTED, o->timeout_connected);
}

/* --- connections ----------------------------------------------------------------------- */

static peer_conn *find_conn(peer *p, uint32_t h)
{
    for (int i = 0; i < p->nconns; i++)
        if (p->conns[i].h == h) return &p->conns[i];
    return NULL;
}

static peer_conn *add_conn(peer *p, uint32_t h)
{
    peer_conn *c = find_conn(p, h);
    if (c) return c;
    if (p->nconns == MAX_CONNS) return NULL;
    c = &p->conns[p->nconns++];
    memset(c, 0, sizeof *c);
    c->h = h;
    return c;
}

static void configure_lanes(peer *p, uint32_t h)
{
    if (p->o.lanes <= 1) return;
    tern_result r = tern_configure_lanes(p->s, h, p->o.lanes, NULL, NULL);
    line("LANES", "conn=%u n=%d result=%d", h, p->o.lanes, (int)r);
}

static void on_status(tern_sockets *s, const tern_status_event *ev, void *user)
{
    peer *p = user;
    const tern_conn_info *in = &ev->info;
    line("STATUS", "conn=%u old=%d new=%d end=%d debug=%s", ev->conn, ev->old_state, in->state,
         in->end_reason, in->end_debug);
    peer_conn *c = find_conn(p, ev->conn);
    switch (in->state) {
    case TERN_STATE_CONNECTING:
        if (!in->listen_socket || ev->old_state != TERN_STATE_NONE) break;
        line("INCOMING", "conn=%u accept=%d from=%s", ev->conn, !p->o.no_accept, in->description);
        if (p->o.no_accept) {
            add_conn(p, ev->conn);
            break;
        }
        c = add_conn(p, ev->conn);
        if (!c) {
            tern_close(s, ev->conn, 0, "too many", false);
            break;
        }
        configure_lanes(p, ev->conn);
        {
            tern_result r = tern_accept(s, ev->conn);
            if (r != TERN_OK) line("ACCEPT_FAIL", "conn=%u result=%d", ev->conn, (int)r);
        }
        break;
    case TERN_STATE_CONNECTED:
        if (!c) c = add_conn(p, ev->conn);
        if (!c) break;
        c->connected = true;
        c->t_connected = tern_now();
        line("CONNECTED", "conn=%u unencrypted=%d remote=%s", ev->conn,
             (in->flags & TERN_INFO_UNENCRYPTED) ? 1 : 0, in->description);
        if (p->o.server && p->o.welcome)
            tern_send(s, ev->conn, p->o.welcome, (uint32_t)strlen(p->o.welcome), TERN_SEND_RELIABLE,
                      NULL);
        break;
    case TERN_STATE_CLOSED_BY_PEER:
    case TERN_STATE_PROBLEM:
        if (c && !c->closed) {
            c->ended = true;
            c->closed = true;
            tern_close(s, ev->conn, 0, NULL, false);
        }
        break;
    case TERN_STATE_NONE:
        if (c) c->ended = true;
        break;
    default:
        break;
    }
}

/* --- message content ------------------------------------------------------------------- */

static uint8_t *fill_pattern(uint32_t size, int lane, int idx, const char *head)
{
    uint8_t *d = malloc(size ? size : 1);
    if (!d) fail("malloc", TERN_NOMEM);
    for (uint32_t i = 0; i < size; i++)
        d[i] = (uint8_t)('a' + (i + (uint32_t)lane * 7u + (uint32_t)idx) % 26);
    size_t hl = strlen(head);
    memcpy(d, head, hl < size ? hl : size);
    return d;
}

static void record_and_send(peer *p, uint32_t h, int lane, bool rel, uint8_t *data, uint32_t size)
{
    int64_t num = 0;
    tern_result r = tern_send_lane(p->s, h, (uint16_t)lane, data, size,
                                   rel ? TERN_SEND_RELIABLE : TERN_SEND_UNRELIABLE, &num);
    line("SENT", "lane=%d msgnum=%lld rel=%d size=%u hash=%08x result=%d", lane, (long long)num,
         rel, size, fnv1a(data, size), (int)r);
    if (r != TERN_OK) {
        free(data);
        return;
    }
    if (p->nsent == p->capsent) {
        p->capsent = p->capsent ? p->capsent * 2 : 64;
        p->sent = realloc(p->sent, (size_t)p->capsent * sizeof *p->sent);
        if (!p->sent) fail("realloc", TERN_NOMEM);
    }
    p->sent[p->nsent++] =
        (sent_msg){.lane = (uint16_t)lane, .rel = rel, .size = size, .data = data};
}

static void send_text(peer *p, uint32_t h, int lane, bool rel, const char *fmt, int a, int b)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, fmt, a, b);
    uint8_t *d = malloc((size_t)n + 1);
    if (!d) fail("malloc", TERN_NOMEM);
    memcpy(d, buf, (size_t)n + 1);
    record_and_send(p, h, lane, rel, d, (uint32_t)n);
}

static void send_script(peer *p, uint32_t h)
{
    int lanes[MAX_LANES], n = 0;
    if (p->o.nsend_lanes) {
        memcpy(lanes, p->o.send_lanes, sizeof(int) * (size_t)p->o.nsend_lanes);
        n = p->o.nsend_lanes;
    } else {
        for (int l = 0; l < p->o.lanes; l++) lanes[n++] = l;
    }
    char head[32];
    for (int i = 0; i < n; i++) {
        int l = lanes[i];
        send_text(p, h, l, true, "rel %d", l, 0);
        send_text(p, h, l, false, "unrel %d", l, 0);
        if (!p->o.no_big) {
            snprintf(head, sizeof head, "big unrel %d ", l);
            record_and_send(p, h, l, false, fill_pattern(BIG_UNREL, l, 1, head), BIG_UNREL);
            snprintf(head, sizeof head, "big rel %d ", l);
            record_and_send(p, h, l, true, fill_pattern(BIG_REL, l, 2, head), BIG_REL);
        }
        for (int k = 0; k < p->o.msgs; k++) {
            send_text(p, h, l, true, "rel %d #%d", l, k);
            send_text(p, h, l, false, "unrel %d #%d", l, k);
        }
    }
    if (!p->o.nsend_lanes && !p->o.no_big)
        record_and_send(p, h, 0, false, fill_pattern(0, 0, 0, ""), 0);
    tern_flush(p->s, h);
}

/* Match an echo against what we sent: same lane (or, counted apart, another
 * lane), same reliability, same bytes; reliable echoes must come back in the
 * order sent. */
static void check_echo(peer *p, const tern_message *m)
{
    bool rel = (m->flags & TERN_SEND_RELIABLE) != 0;
    const uint8_t *d = m->data;
    sent_msg *hit = NULL;
    for (int pass = 0; pass < 2 && !hit; pass++)
        for (int i = 0; i < p->nsent; i++) {
            sent_msg *s = &p->sent[i];
            if (s->echoed || s->rel != rel || s->size != (uint32_t)m->size) continue;
            if (pass == 0 && s->lane != m->lane) continue;
            if (s->size && memcmp(s->data, d, s->size) != 0) continue;
            hit = s;
            break;
        }
    if (!hit) {
        p->echo_bad++;
        char txt[41];
        line("ECHO_BAD", "lane=%u msgnum=%lld rel=%d size=%d text=%s", m->lane,
             (long long)m->message_number, rel, m->size, printable(d, (size_t)m->size, txt));
        return;
    }
    if (hit->lane != m->lane) p->lane_moved++;
    if (rel) {
        for (sent_msg *s = p->sent; s < hit; s++)
            if (!s->echoed && s->rel && s->lane == hit->lane) {
                p->order_bad++;
                line("ORDER_BAD", "lane=%u msgnum=%lld", m->lane, (long long)m->message_number);
                break;
            }
        p->echo_rel++;
    } else {
        p->echo_unrel++;
    }
    hit->echoed = true;
}

static bool all_echoed(const peer *p, bool rel)
{
    for (int i = 0; i < p->nsent; i++)
        if (p->sent[i].rel == rel && !p->sent[i].echoed) return false;
    return true;
}

/* --- bulk ------------------------------------------------------------------------------ */

static void put64(uint8_t *d, uint64_t v)
{
    for (int i = 0; i < 8; i++) d[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *d)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)d[i] << (8 * i);
    return v;
}

/* Bulk messages: "BULK", u64le sequence number, then byte i = (seq + i) & 255. */
static void bulk_pump(peer *p, uint32_t h)
{
    static uint8_t *buf;
    if (!buf && !(buf = malloc((size_t)p->o.bulk_msg))) fail("malloc", TERN_NOMEM);
    if (!p->bulk_t0) p->bulk_t0 = tern_now();
    while (p->bulk_sent < p->o.bulk) {
        long long left = p->o.bulk - p->bulk_sent;
        uint32_t n = left < p->o.bulk_msg ? (uint32_t)left : (uint32_t)p->o.bulk_msg;
        if (n < 12) n = 12;
        memcpy(buf, BULK_MAGIC, 4);
        put64(buf + 4, (uint64_t)p->bulk_seq);
        for (uint32_t i = 12; i < n; i++) buf[i] = (uint8_t)(p->bulk_seq + i);
        tern_result r = tern_send(p->s, h, buf, n, TERN_SEND_RELIABLE, NULL);
        if (r == TERN_LIMIT_EXCEEDED) return; /* send buffer full: later */
        if (r != TERN_OK) {
            line("BULK_SEND_FAIL", "result=%d", (int)r);
            p->bulk_sent = p->o.bulk;
            break;
        }
        p->bulk_sent += n;
        p->bulk_seq++;
    }
    if (!p->bulk_end_sent) {
        uint8_t end[7 + 16];
        memcpy(end, BULK_END, 7);
        put64(end + 7, (uint64_t)p->bulk_sent);
        put64(end + 15, (uint64_t)p->bulk_seq);
        if (tern_send(p->s, h, end, sizeof end, TERN_SEND_RELIABLE, NULL) == TERN_OK) {
            p->bulk_end_sent = true;
            line("BULK_QUEUED", "bytes=%lld msgs=%lld secs=%.3f", p->bulk_sent, p->bulk_seq,
                 (double)(tern_now() - p->bulk_t0) / 1e6);
        }
    }
}

/* A bulk message at the sink: count and check it. True when it was one. */
static bool bulk_sink(peer *p, peer_conn *c, const tern_message *m)
{
    const uint8_t *d = m->data;
    if (m->size >= 12 && memcmp(d, BULK_MAGIC, 4) == 0 && memcmp(d, BULK_END, 7) != 0) {
        if (!c->bulk_t0) c->bulk_t0 = tern_now();
        uint64_t seq = get64(d + 4);
        bool ok = seq == (uint64_t)c->bulk_seq && (m->flags & TERN_SEND_RELIABLE);
        for (int32_t i = 12; ok && i < m->size; i++) ok = d[i] == (uint8_t)(seq + (uint64_t)i);
        if (!ok && !c->bulk_bad)
            line("BULK_BAD", "conn=%u seq=%llu expected=%lld", c->h, (unsigned long long)seq,
                 c->bulk_seq);
        if (!ok) c->bulk_bad = true;
        c->bulk_seq = (long long)seq + 1;
        c->bulk_bytes += m->size;
        c->bulk_msgs++;
        c->bulk_t_last = tern_now();
        return true;
    }
    if (m->size == 7 + 16 && memcmp(d, BULK_END, 7) == 0) {
        long long want = (long long)get64(d + 7), msgs = (long long)get64(d + 15);
        double sec = c->bulk_t0 ? (double)(c->bulk_t_last - c->bulk_t0) / 1e6 : 0;
        bool ok = !c->bulk_bad && want == c->bulk_bytes && msgs == c->bulk_msgs;
        line("BULK_DONE", "conn=%u bytes=%lld msgs=%lld secs=%.3f rate=%.0f ok=%d", c->h,
             c->bulk_bytes, c->bulk_msgs, sec, sec > 0 ? (double)c->bulk_bytes / sec : 0, ok);
        tern_send_lane(p->s, c->h, 0, d, (uint32_t)m->size, TERN_SEND_RELIABLE, NULL);
        return true;
    }
    return false;
}

/* --- the loop -------------------------------------------------------------------------- */

static void print_detail(peer *p, uint32_t h)
{
    char buf[4096];
    if (tern_get_detailed_status(p->s, h, buf, sizeof buf) != 0) return;
    for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        line("DETAIL", "conn=%u text=%s", h, l);
}

static void receive_all(peer *p)
{
    tern_message *m[64];
    char txt[41];
    for (int i = 0; i < p->nconns; i++) {
        peer_conn *c = &p->conns[i];
        if (c->closed) continue;
        int n;
        while ((n = tern_receive(p->s, c->h, m, 64)) > 0) {
            for (int k = 0; k < n; k++) {
                const tern_message *msg = m[k];
                bool rel = (msg->flags & TERN_SEND_RELIABLE) != 0;
                p->recv_msgs++;
                p->recv_bytes += msg->size;
                if (p->o.server && bulk_sink(p, c, msg)) {
                    tern_message_release(m[k]);
                    continue;
                }
                if (!p->o.server && msg->size == 7 + 16 && memcmp(msg->data, BULK_END, 7) == 0) {
                    p->bulk_done = true;
                    line("BULK_SENT", "bytes=%lld secs=%.3f rate=%.0f", p->bulk_sent,
                         (double)(tern_now() - p->bulk_t0) / 1e6,
                         (double)p->bulk_sent * 1e6 / (double)(tern_now() - p->bulk_t0));
                    tern_message_release(m[k]);
                    continue;
                }
                line("RECV", "conn=%u lane=%u msgnum=%lld rel=%d size=%d hash=%08x text=%s", c->h,
                     msg->lane, (long long)msg->message_number, rel, msg->size,
                     fnv1a(msg->data, (size_t)msg->size),
                     printable(msg->data, (size_t)msg->size, txt));
                if (p->o.server) {
                    uint16_t lane = msg->lane < p->o.lanes ? msg->lane : 0;
                    tern_result r = tern_send_lane(p->s, c->h, lane, msg->data, (uint32_t)msg->size,
                                                   rel ? TERN_SEND_RELIABLE : 0, NULL);
                    if (r != TERN_OK)
                        line("ECHO_FAIL", "conn=%u lane=%u result=%d", c->h, lane, (int)r);
                } else {
                    check_echo(p, msg);
                }
                tern_message_release(m[k]);
            }
        }
    }
}

static void bulk_progress(peer *p)
{
    int64_t now = tern_now();
    if (now - p->t_progress < 500000) return;
    p->t_progress = now;
    for (int i = 0; i < p->nconns; i++)
        if (p->conns[i].bulk_t0)
            line("BULK_PROGRESS", "conn=%u bytes=%lld", p->conns[i].h, p->conns[i].bulk_bytes);
    if (!p->o.server && p->o.bulk && p->bulk_t0) line("BULK_PROGRESS", "sent=%lld", p->bulk_sent);
}

static void close_conn(peer *p, peer_conn *c)
{
    if (p->o.tail > 0) {
        uint8_t *d = fill_pattern((uint32_t)p->o.tail, 0, 3, "tail ");
        tern_result r = tern_send(p->s, c->h, d, (uint32_t)p->o.tail, TERN_SEND_RELIABLE, NULL);
        line("SENT", "lane=0 msgnum=0 rel=1 size=%ld hash=%08x result=%d tail=1", p->o.tail,
             fnv1a(d, (size_t)p->o.tail), (int)r);
        free(d);
    }
    print_detail(p, c->h);
    tern_result r = tern_close(p->s, c->h, p->o.reason, p->o.debug, p->o.linger);
    line("CLOSE", "conn=%u reason=%d linger=%d result=%d debug=%s", c->h, p->o.reason, p->o.linger,
         (int)r, p->o.debug);
    c->closed = true;
    c->ended = true;
}

/* Keep the instance running (lingering connections flush, NoConnection
 * replies arrive) without touching handles. */
static void pump_for(peer *p, double s)
{
    int64_t end = tern_now() + (int64_t)(s * 1e6);
    while (tern_now() < end) {
        tern_run_callbacks(p->s);
        tern_wait(p->s, 20);
    }
}

static bool client_done(peer *p, peer_conn *c)
{
    if (c->ended) return true;
    if (!c->connected || p->o.idle) return false;
    if (p->o.bulk) return p->bulk_done;
    if (!p->script_sent || !all_echoed(p, true)) return false;
    if (!p->t_all_rel_echoed) p->t_all_rel_echoed = tern_now();
    return all_echoed(p, false) || tern_now() - p->t_all_rel_echoed > 500000;
}

static int run(peer *p)
{
    tern_sockets_config cfg;
    tern_sockets_config_default(&cfg);
    cfg.on_status = on_status;
    cfg.user = p;
    if (p->o.log) {
        cfg.log = log_sink;
        cfg.log_level = p->o.log;
    }
    tern_result r = tern_sockets_new(&cfg, &p->s);
    if (r != TERN_OK) fail("tern_sockets_new", r);
    uint32_t listen = 0, h = 0;
    if (p->o.server) {
        tern_addr any;
        tern_addr_clear(&any);
        any.port = (uint16_t)p->o.port;
        if ((r = tern_listen_ip(p->s, &any, 0, NULL, &listen)) != TERN_OK) fail("listen", r);
        line("LISTEN", "port=%d", p->o.port);
    } else {
        tern_addr remote;
        if (!tern_addr_parse_string(&remote, p->o.addr) || !remote.port) {
            fprintf(stderr, "tern-peer: bad address %s\n", p->o.addr);
            return 2;
        }
        if ((r = tern_connect_ip(p->s, &remote, 0, NULL, &h)) != TERN_OK) fail("connect", r);
        add_conn(p, h);
        configure_lanes(p, h);
        line("CONNECTING", "conn=%u to=%s", h, p->o.addr);
    }
    int64_t deadline = p->t0 + (int64_t)(p->o.seconds * 1e6), t_ended = 0;
    while (!g_quit && tern_now() < deadline) {
        tern_run_callbacks(p->s);
        receive_all(p);
        if (p->o.server) {
            for (int i = 0; i < p->nconns; i++) {
                peer_conn *c = &p->conns[i];
                if (p->o.close_after >= 0 && c->connected && !c->closed &&
                    tern_now() - c->t_connected >= (int64_t)(p->o.close_after * 1e6))
                    close_conn(p, c);
                if (c->ended && !t_ended) t_ended = tern_now();
            }
            if (p->o.once && t_ended && tern_now() - t_ended > 300000) break;
        } else {
            peer_conn *c = &p->conns[0];
            if (c->connected && !c->ended && !p->o.idle) {
                if (p->o.bulk)
                    bulk_pump(p, c->h);
                else if (!p->script_sent) {
                    p->script_sent = true;
                    send_script(p, c->h);
                }
            }
            if (client_done(p, c)) break;
        }
        bulk_progress(p);
        tern_wait(p->s, p->o.bulk ? 2 : 10);
    }
    receive_all(p);
    for (int i = 0; i < p->nconns; i++) {
        peer_conn *c = &p->conns[i];
        if (!c->closed && (c->connected || !p->o.server)) close_conn(p, c);
    }
    pump_for(p, p->o.linger_wait);
    if (!p->o.server)
        line("SUMMARY",
             "role=client sent=%d echo_rel=%lld echo_unrel=%lld echo_bad=%lld order_bad=%lld "
             "lane_moved=%lld all_rel=%d all_unrel=%d recv=%lld",
             p->nsent, p->echo_rel, p->echo_unrel, p->echo_bad, p->order_bad, p->lane_moved,
             all_echoed(p, true), all_echoed(p, false), p->recv_msgs);
    else
        line("SUMMARY", "role=server conns=%d recv=%lld bytes=%lld", p->nconns, p->recv_msgs,
             p->recv_bytes);
    if (listen) tern_listen_close(p->s, listen);
    tern_sockets_del(p->s);
    for (int i = 0; i < p->nsent; i++) free(p->sent[i].data);
    free(p->sent);
    line("EXIT", "code=0");
    return 0;
}

int main(int argc, char **argv)
{
    peer *p = &g_peer;
    p->t0 = tern_now();
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    parse_opts(&p->o, argc, argv);
    apply_config(&p->o);
    return run(p);
}
