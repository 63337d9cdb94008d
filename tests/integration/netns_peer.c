/* One end of the network-namespace test (netns_test.sh runs one of each in
 * two namespaces joined by an impaired veth pair).
 *
 *   tern_netns_peer server <listen-ip> <port> <n> <netem|fake>
 *   tern_netns_peer client <server-ip> <port> <n> <netem|fake>
 *
 * The client sends n reliable messages (with an unreliable one after every
 * tenth) and then waits for the server's verdict; the server checks that
 * the reliable ones arrive exactly once and in order and the unreliable
 * ones at most once, and answers "done"; the client answers "bye" and
 * both end once that is acknowledged.
 * "fake" asks for tern's own fake network conditions (the kernel has no
 * netem): 50 ms lag, 5 % loss, 25 % reordering, 2 % duplication on send.
 * Each prints a summary and exits 0 on success, 1 on failure; every wait
 * is bounded. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tern/tern.h"

#define BOUND_MS 90000

static const char *g_role;

static void die(const char *fmt, const char *a, long b)
{
    fprintf(stderr, "netns %s: FAIL: ", g_role);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    exit(1);
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "netns peer: FAIL: overall time bound reached\n";
    ssize_t r = write(2, msg, sizeof msg - 1);
    (void)r;
    _exit(1);
}

typedef struct ev_state {
    uint32_t incoming, conn;
    int state, reason;
    char debug[128];
} ev_state;

static void on_status(tern_sockets *s, const tern_status_event *e, void *user)
{
    ev_state *st = user;
    if (e->old_state == TERN_STATE_NONE && e->info.state == TERN_STATE_CONNECTING &&
        e->info.listen_socket && !st->incoming) {
        st->incoming = e->conn;
        int r = tern_accept(s, e->conn);
        if (r != TERN_OK) die("accept: %s%ld", tern_result_str(r), 0);
    }
    if (e->conn == st->conn || e->conn == st->incoming) {
        st->state = e->info.state;
        st->reason = e->info.end_reason;
        snprintf(st->debug, sizeof st->debug, "%s", e->info.end_debug);
    }
}

static int64_t ms(void)
{
    return tern_now() / 1000;
}

static void fake_conditions(void)
{
    float loss = 5, reorder = 25, dup = 2;
    int32_t lag = 50;
    if (tern_config_set(NULL, TERN_SCOPE_GLOBAL, 0, TERN_CFG_FAKE_LAG_SEND, TERN_CONFIG_INT32,
                        &lag) != TERN_OK ||
        tern_config_set(NULL, TERN_SCOPE_GLOBAL, 0, TERN_CFG_FAKE_LOSS_SEND, TERN_CONFIG_FLOAT,
                        &loss) != TERN_OK ||
        tern_config_set(NULL, TERN_SCOPE_GLOBAL, 0, TERN_CFG_FAKE_REORDER_SEND, TERN_CONFIG_FLOAT,
                        &reorder) != TERN_OK ||
        tern_config_set(NULL, TERN_SCOPE_GLOBAL, 0, TERN_CFG_FAKE_DUP_SEND, TERN_CONFIG_FLOAT,
                        &dup) != TERN_OK)
        die("cannot set the fake network options%s%ld", "", 0);
}

static void payload(uint8_t *b, uint32_t len, uint32_t k)
{
    for (uint32_t i = 0; i < len; i++) b[i] = (uint8_t)(k * 31 + i * 7);
    memcpy(b, &k, 4);
}

static uint32_t len_of(uint32_t k)
{
    return 8 + k * 37 % 1200;
}

static int run_server(tern_sockets *s, ev_state *st, const tern_addr *at, long n)
{
    uint32_t l = 0;
    tern_config_value o = {TERN_CFG_TIMEOUT_CONNECTED, TERN_CONFIG_INT32, {.i32 = 30000}};
    int r = tern_listen_ip(s, at, 1, &o, &l);
    if (r != TERN_OK) die("listen: %s%ld", tern_result_str(r), 0);
    printf("netns server: listening\n");
    fflush(stdout);
    long got = 0, unrel = 0, dups = 0;
    static unsigned char seen_unrel[1 << 16];
    int64_t dl = ms() + BOUND_MS;
    while (got < n) {
        if (ms() > dl) die("only %s%ld reliable messages by the deadline", "", got);
        tern_wait(s, 20);
        tern_run_callbacks(s);
        if (!st->incoming) continue;
        tern_message *m[64];
        int k = tern_receive(s, st->incoming, m, 64);
        if (k < 0) die("receive: %s%ld", tern_result_str(-k), 0);
        for (int i = 0; i < k; i++) {
            uint32_t idx;
            memcpy(&idx, m[i]->data, 4);
            if (m[i]->flags & TERN_SEND_RELIABLE) {
                if (idx != (uint32_t)got)
                    die("reliable message out of order or repeated:%s %ld", "",
                        (long)idx * 100000 + got);
                uint8_t want[1300];
                payload(want, len_of(idx), idx);
                if ((uint32_t)m[i]->size != len_of(idx) ||
                    memcmp(want, m[i]->data, len_of(idx)) != 0)
                    die("reliable message %s%ld has the wrong payload", "", (long)idx);
                /* one lane, numbered across reliable and unreliable messages:
                 * an unreliable one follows every tenth reliable one */
                if (m[i]->message_number != (int64_t)idx + 1 + idx / 10)
                    die("reliable message %s%ld has the wrong number", "", (long)idx);
                got++;
            } else {
                if (idx >= sizeof seen_unrel) die("unreliable index %s%ld", "", (long)idx);
                if (seen_unrel[idx]) dups++;
                if (m[i]->message_number != (int64_t)idx * 11 + 11)
                    die("unreliable message %s%ld has the wrong number", "", (long)idx);
                seen_unrel[idx] = 1;
                unrel++;
            }
            tern_message_release(m[i]);
        }
    }
    if (dups) die("%sunreliable messages delivered twice: %ld", "", dups);
    r = tern_send(s, st->incoming, "done", 4, TERN_SEND_RELIABLE, NULL);
    if (r != TERN_OK) die("send done: %s%ld", tern_result_str(r), 0);
    /* The client answers the verdict with "bye": then both are done,
     * without depending on a close packet getting through. */
    tern_message *bye = NULL;
    while (tern_receive(s, st->incoming, &bye, 1) != 1) {
        if (st->state != TERN_STATE_CONNECTED)
            die("connection ended before the client's bye: %s (%ld)", st->debug, st->reason);
        if (ms() > dl) die("no bye from the client by the deadline%s%ld", "", 0);
        tern_wait(s, 20);
        tern_run_callbacks(s);
    }
    if (bye->size != 3 || memcmp(bye->data, "bye", 3) != 0) die("bad bye%s%ld", "", bye->size);
    tern_message_release(bye);
    tern_realtime_status rs;
    tern_get_status(s, st->incoming, &rs, 0, NULL);
    /* Stay up until the client closes (or 10 s), so that our ack of its
     * bye can still be resent if lost; the verdict does not depend on it. */
    int64_t end = ms() + 10000;
    while (st->state == TERN_STATE_CONNECTED && ms() < end) {
        tern_wait(s, 20);
        tern_run_callbacks(s);
    }
    printf("netns server: OK: %ld reliable messages exactly once in order, %ld of %ld unreliable "
           "at most once; ping %d ms, local quality %.2f\n",
           got, unrel, n / 10, rs.ping_ms, rs.quality_local);
    tern_close(s, st->incoming, 0, NULL, false);
    return 0;
}

static void send_retry(tern_sockets *s, uint32_t c, const void *d, uint32_t len, int flags,
                       int64_t dl)
{
    int r;
    while ((r = tern_send(s, c, d, len, flags, NULL)) == TERN_LIMIT_EXCEEDED) {
        if (ms() > dl) die("send buffer full until the deadline%s%ld", "", 0);
        tern_wait(s, 5);
    }
    if (r != TERN_OK) die("send: %s%ld", tern_result_str(r), 0);
}

static int run_client(tern_sockets *s, ev_state *st, const tern_addr *to, long n)
{
    tern_config_value o[2] = {{TERN_CFG_TIMEOUT_INITIAL, TERN_CONFIG_INT32, {.i32 = 30000}},
                              {TERN_CFG_TIMEOUT_CONNECTED, TERN_CONFIG_INT32, {.i32 = 30000}}};
    uint32_t c = 0;
    int r = tern_connect_ip(s, to, 2, o, &c);
    if (r != TERN_OK) die("connect: %s%ld", tern_result_str(r), 0);
    st->conn = c;
    int64_t dl = ms() + BOUND_MS;
    while (st->state != TERN_STATE_CONNECTED) {
        if (st->state == TERN_STATE_PROBLEM || st->state == TERN_STATE_CLOSED_BY_PEER)
            die("connecting failed: %s (%ld)", st->debug, st->reason);
        if (ms() > dl) die("not connected by the deadline%s%ld", "", 0);
        tern_wait(s, 20);
        tern_run_callbacks(s);
    }
    int64_t t0 = ms();
    uint8_t buf[1300];
    uint32_t unrel = 0;
    for (uint32_t k = 0; k < (uint32_t)n; k++) {
        payload(buf, len_of(k), k);
        send_retry(s, c, buf, len_of(k), TERN_SEND_RELIABLE, dl);
        if (k % 10 == 9) {
            uint8_t u[64];
            payload(u, sizeof u, unrel);
            send_retry(s, c, u, sizeof u, TERN_SEND_UNRELIABLE, dl);
            unrel++;
        }
    }
    tern_message *m = NULL;
    while (tern_receive(s, c, &m, 1) != 1) {
        if (st->state == TERN_STATE_PROBLEM || st->state == TERN_STATE_CLOSED_BY_PEER)
            die("connection ended before the verdict: %s (%ld)", st->debug, st->reason);
        if (ms() > dl) die("no verdict from the server by the deadline%s%ld", "", 0);
        tern_wait(s, 20);
        tern_run_callbacks(s);
    }
    if (m->size != 4 || memcmp(m->data, "done", 4) != 0) die("bad verdict%s%ld", "", m->size);
    tern_message_release(m);
    send_retry(s, c, "bye", 3, TERN_SEND_RELIABLE, dl);
    tern_realtime_status rs;
    for (;;) { /* acknowledged: the server has it */
        r = tern_get_status(s, c, &rs, 0, NULL);
        if (r != TERN_OK) die("status: %s%ld", tern_result_str(r), 0);
        if (rs.pending_reliable == 0 && rs.sent_unacked_reliable == 0) break;
        if (ms() > dl) die("bye never acknowledged%s%ld", "", 0);
        tern_wait(s, 20);
        tern_run_callbacks(s);
    }

    printf("netns client: OK: %ld reliable and %u unreliable messages sent in %lld ms; ping %d ms, "
           "remote quality %.2f\n",
           n, unrel, (long long)(ms() - t0), rs.ping_ms, rs.quality_remote);
    tern_close(s, c, 1000, "netns test done", false);
    /* Let the close leave (with fake lag it waits in tern's delay queue). */
    int64_t end = ms() + 500;
    while (ms() < end) tern_wait(s, 20);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 6 || (strcmp(argv[1], "server") && strcmp(argv[1], "client"))) {
        fprintf(stderr, "usage: %s server|client <ip> <port> <n> netem|fake\n", argv[0]);
        return 2;
    }
    g_role = argv[1];
    signal(SIGALRM, on_alarm);
    alarm(BOUND_MS / 1000 + 20);
    tern_addr a;
    if (!tern_addr_parse_string(&a, argv[2])) die("bad address %s%ld", argv[2], 0);
    a.port = (uint16_t)atoi(argv[3]);
    long n = atol(argv[4]);
    if (n <= 0 || n > 100000) die("bad count %s%ld", argv[4], 0);
    if (strcmp(argv[5], "fake") == 0) fake_conditions();
    static ev_state st;
    tern_sockets_config cfg;
    tern_sockets_config_default(&cfg);
    cfg.on_status = on_status;
    cfg.user = &st;
    tern_sockets *s = NULL;
    int r = tern_sockets_new(&cfg, &s);
    if (r != TERN_OK) die("tern_sockets_new: %s%ld", tern_result_str(r), 0);
    int rc = strcmp(g_role, "server") == 0 ? run_server(s, &st, &a, n) : run_client(s, &st, &a, n);
    tern_sockets_del(s);
    return rc;
}
