/* tern-chat: a chat server and client on tern's public API, speaking the
 * application protocol of GameNetworkingSockets' example_chat (every line
 * is one reliable text message; the server greets newcomers and relays
 * "nick: line" to everyone else), so tern-chat and example_chat clients and
 * servers can be mixed.
 *
 *   tern-chat server [--port N]
 *   tern-chat client HOST:PORT [--name NAME]
 *
 * Client commands: /nick NAME, /stats (this connection's status; "/stats
 * full" adds the library's detailed text), /quit. The client also quits at
 * the end of its input and on Ctrl-C; it exits 1 when it could not connect
 * or lost the server, else 0. The server keeps running with stdin closed
 * and stops on /quit or Ctrl-C. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tern/tern.h"

#define DEFAULT_PORT 27020
#define MAX_CLIENTS  1024
#define LINE_MAX_LEN 1024
#define LINGER_MS    300

static volatile sig_atomic_t g_quit;

static void on_signal(int sig)
{
    (void)sig;
    g_quit = 1;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static void die(const char *what, tern_result r)
{
    fprintf(stderr, "tern-chat: %s: %s\n", what, tern_result_str(r));
    exit(1);
}

/* Reads stdin a line at a time without blocking the network. */
typedef struct input {
    char buf[LINE_MAX_LEN];
    size_t len;
    bool eof;
} input;

/* 1 and a line in |out|, 0 for nothing yet, -1 at end of input. */
static int input_line(input *in, char *out, size_t cap)
{
    for (;;) {
        char *nl = memchr(in->buf, '\n', in->len);
        if (nl) {
            size_t n = (size_t)(nl - in->buf);
            size_t k = n < cap - 1 ? n : cap - 1;
            memcpy(out, in->buf, k);
            out[k] = 0;
            if (k && out[k - 1] == '\r') out[k - 1] = 0;
            memmove(in->buf, nl + 1, in->len - n - 1);
            in->len -= n + 1;
            return 1;
        }
        if (in->eof) return -1;
        if (in->len == sizeof in->buf) in->len = 0; /* an overlong line: drop it */
        struct pollfd p = {.fd = 0, .events = POLLIN};
        if (poll(&p, 1, 0) <= 0) return 0;
        ssize_t r = read(0, in->buf + in->len, sizeof in->buf - in->len);
        if (r <= 0) {
            if (r < 0 && errno == EINTR) return 0;
            in->eof = true;
            if (in->len) { /* last line without a newline */
                in->buf[in->len++] = '\n';
                continue;
            }
            return -1;
        }
        in->len += (size_t)r;
    }
}

/* Sleep until the network, stdin or |ms| has something. */
static void wait_io(tern_sockets *s, bool use_stdin, int ms)
{
    struct pollfd p[2] = {{.fd = tern_sockets_fd(s), .events = POLLIN},
                          {.fd = 0, .events = POLLIN}};
    poll(p, use_stdin ? 2 : 1, ms);
}

/* Give lingering closes time to reach the peer before the instance goes
 * (GNS's example_chat sleeps too). tern_wait() cannot do this: it returns at
 * once while status changes are queued, and closing queues them. */
static void linger(int ms)
{
    struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {}
}

static void send_str(tern_sockets *s, uint32_t conn, const char *str)
{
    tern_send(s, conn, str, (uint32_t)strlen(str), TERN_SEND_RELIABLE, NULL);
}

/* --- server --------------------------------------------------------------------------- */

typedef struct client {
    uint32_t conn;
    char nick[64];
} client;

typedef struct server {
    tern_sockets *s;
    uint32_t group;
    client clients[MAX_CLIENTS];
    int n;
} server;

static client *find(server *sv, uint32_t conn)
{
    for (int i = 0; i < sv->n; i++)
        if (sv->clients[i].conn == conn) return &sv->clients[i];
    return NULL;
}

static void send_all(server *sv, const char *str, uint32_t except)
{
    for (int i = 0; i < sv->n; i++)
        if (sv->clients[i].conn != except) send_str(sv->s, sv->clients[i].conn, str);
}

static void drop(server *sv, uint32_t conn)
{
    client *c = find(sv, conn);
    if (c) *c = sv->clients[--sv->n];
}

static void server_status(tern_sockets *s, const tern_status_event *ev, void *user)
{
    server *sv = user;
    char msg[512];
    switch (ev->info.state) {
    case TERN_STATE_CONNECTING:
        if (!ev->info.listen_socket || ev->old_state != TERN_STATE_NONE) break;
        say("Connection request from %s", ev->info.description);
        if (sv->n == MAX_CLIENTS || tern_accept(s, ev->conn) != TERN_OK) {
            tern_close(s, ev->conn, 0, NULL, false);
            say("Can't accept connection.  (It was already closed?)");
            break;
        }
        tern_set_pollgroup(s, ev->conn, sv->group);
        {
            client *c = &sv->clients[sv->n++];
            c->conn = ev->conn;
            snprintf(c->nick, sizeof c->nick, "BraveWarrior%d", 10000 + rand() % 100000);
            snprintf(msg, sizeof msg,
                     "Welcome, stranger.  Thou art known to us for now as '%s'; upon thine "
                     "command '/nick' we shall know thee otherwise.",
                     c->nick);
            send_str(s, c->conn, msg);
            if (sv->n == 1) {
                send_str(s, c->conn, "Thou art utterly alone.");
            } else {
                for (int i = 0; i < sv->n - 1; i++) send_str(s, c->conn, sv->clients[i].nick);
            }
            snprintf(
                msg, sizeof msg,
                "Hark!  A stranger hath joined this merry host.  For now we shall call them '%s'",
                c->nick);
            send_all(sv, msg, c->conn);
            tern_set_name(s, c->conn, c->nick);
        }
        break;
    case TERN_STATE_CLOSED_BY_PEER:
    case TERN_STATE_PROBLEM:
        if (ev->old_state == TERN_STATE_CONNECTED) {
            client *c = find(sv, ev->conn);
            if (c) {
                if (ev->info.state == TERN_STATE_PROBLEM)
                    snprintf(msg, sizeof msg, "Alas, %s hath fallen into shadow.  (%s)", c->nick,
                             ev->info.end_debug);
                else
                    snprintf(msg, sizeof msg, "%s hath departed", c->nick);
                drop(sv, ev->conn);
                send_all(sv, msg, 0);
            }
        }
        say("Connection %s %s, reason %d: %s", ev->info.description,
            ev->info.state == TERN_STATE_PROBLEM ? "problem detected locally" : "closed by peer",
            ev->info.end_reason, ev->info.end_debug);
        drop(sv, ev->conn);
        tern_close(s, ev->conn, 0, NULL, false);
        break;
    default:
        break;
    }
}

static void server_messages(server *sv)
{
    tern_message *m[32];
    int n;
    char line[LINE_MAX_LEN + 1], msg[LINE_MAX_LEN + 256];
    while ((n = tern_receive_pollgroup(sv->s, sv->group, m, 32)) > 0) {
        for (int i = 0; i < n; i++) {
            size_t len = (size_t)m[i]->size < LINE_MAX_LEN ? (size_t)m[i]->size : LINE_MAX_LEN;
            memcpy(line, m[i]->data, len);
            line[len] = 0;
            uint32_t from = m[i]->conn;
            tern_message_release(m[i]);
            client *c = find(sv, from);
            if (!c) continue;
            if (strncmp(line, "/nick", 5) == 0) {
                const char *nick = line + 5;
                while (*nick == ' ' || *nick == '\t') nick++;
                snprintf(msg, sizeof msg, "%s shall henceforth be known as %s", c->nick, nick);
                send_all(sv, msg, from);
                snprintf(msg, sizeof msg, "Ye shall henceforth be known as %s", nick);
                send_str(sv->s, from, msg);
                size_t nl = strlen(nick) < sizeof c->nick - 1 ? strlen(nick) : sizeof c->nick - 1;
                memcpy(c->nick, nick, nl);
                c->nick[nl] = 0;
                tern_set_name(sv->s, from, c->nick);
                continue;
            }
            snprintf(msg, sizeof msg, "%s: %s", c->nick, line);
            send_all(sv, msg, from);
        }
    }
}

static int run_server(int port)
{
    static server sv;
    tern_sockets_config cfg;
    tern_sockets_config_default(&cfg);
    cfg.on_status = server_status;
    cfg.user = &sv;
    tern_result r = tern_sockets_new(&cfg, &sv.s);
    if (r != TERN_OK) die("cannot create the instance", r);
    tern_addr any;
    tern_addr_clear(&any);
    any.port = (uint16_t)port;
    uint32_t ls;
    if ((r = tern_listen_ip(sv.s, &any, 0, NULL, &ls)) != TERN_OK) die("cannot listen", r);
    if ((r = tern_pollgroup_new(sv.s, &sv.group)) != TERN_OK) die("poll group", r);
    say("Server listening on port %d", port);
    input in = {0};
    char line[LINE_MAX_LEN];
    while (!g_quit) {
        tern_run_callbacks(sv.s);
        server_messages(&sv);
        int got;
        while (!in.eof && (got = input_line(&in, line, sizeof line)) == 1) {
            if (strcmp(line, "/quit") == 0) {
                say("Shutting down server");
                g_quit = 1;
            } else {
                say("The server only knows one command: '/quit'");
            }
        }
        if (!g_quit) wait_io(sv.s, !in.eof, 100);
    }
    say("Closing connections...");
    for (int i = 0; i < sv.n; i++) {
        send_str(sv.s, sv.clients[i].conn, "Server is shutting down.  Goodbye.");
        tern_close(sv.s, sv.clients[i].conn, 0, "Server Shutdown", true);
    }
    linger(LINGER_MS);
    tern_listen_close(sv.s, ls);
    tern_sockets_del(sv.s);
    return 0;
}

/* --- client ----------------------------------------------------------------------------- */

typedef struct chat_client {
    tern_sockets *s;
    uint32_t conn;
    bool done;
    bool failed; /* never connected, or lost the server: exit status 1 */
    const char *name;
} chat_client;

static void client_status(tern_sockets *s, const tern_status_event *ev, void *user)
{
    chat_client *cc = user;
    if (ev->conn != cc->conn) return;
    switch (ev->info.state) {
    case TERN_STATE_CONNECTED:
        say("Connected to server OK");
        if (cc->name) {
            char cmd[128];
            snprintf(cmd, sizeof cmd, "/nick %s", cc->name);
            send_str(s, cc->conn, cmd);
        }
        break;
    case TERN_STATE_CLOSED_BY_PEER:
    case TERN_STATE_PROBLEM:
        if (ev->old_state == TERN_STATE_CONNECTING)
            say("We sought the remote host, yet our efforts were met with defeat.  (%s)",
                ev->info.end_debug);
        else if (ev->info.state == TERN_STATE_PROBLEM)
            say("Alas, troubles beset us; we have lost contact with the host.  (%s)",
                ev->info.end_debug);
        else
            say("The host hath bidden us farewell.  (%s)", ev->info.end_debug);
        cc->failed = ev->old_state == TERN_STATE_CONNECTING || ev->info.state == TERN_STATE_PROBLEM;
        tern_close(s, cc->conn, 0, NULL, false);
        cc->conn = 0;
        cc->done = true;
        break;
    default:
        break;
    }
}

/* "12.3 KB/s": bytes per second in the unit that keeps the number short. */
static const char *rate_str(char *buf, size_t cap, double bps)
{
    if (bps < 1000)
        snprintf(buf, cap, "%.0f B/s", bps);
    else if (bps < 1000 * 1024)
        snprintf(buf, cap, "%.1f KB/s", bps / 1024);
    else
        snprintf(buf, cap, "%.1f MB/s", bps / (1024 * 1024));
    return buf;
}

static void print_stats(chat_client *cc, bool full)
{
    tern_realtime_status st;
    if (!cc->conn || tern_get_status(cc->s, cc->conn, &st, 0, NULL) != TERN_OK) {
        say("(no connection)");
        return;
    }
    char r1[32], r2[32], q1[48], q2[48];
    if (st.quality_local < 0)
        snprintf(q1, sizeof q1, "not measured yet");
    else
        snprintf(q1, sizeof q1, "%.0f%%", st.quality_local * 100);
    if (st.quality_remote < 0)
        snprintf(q2, sizeof q2, "not reported yet");
    else
        snprintf(q2, sizeof q2, "%.0f%%", st.quality_remote * 100);
    say("Connection status:");
    if (st.ping_ms < 0)
        say("  ping        not measured yet");
    else
        say("  ping        %d ms", st.ping_ms);
    say("  quality     here %s, at the server %s (packets delivered in order)", q1, q2);
    say("  sending     %.1f packets/s, %s", st.out_packets_per_sec,
        rate_str(r1, sizeof r1, st.out_bytes_per_sec));
    say("  receiving   %.1f packets/s, %s", st.in_packets_per_sec,
        rate_str(r2, sizeof r2, st.in_bytes_per_sec));
    say("  send rate   %s (what congestion control allows now)",
        rate_str(r1, sizeof r1, st.send_rate));
    say("  pending     %d B reliable, %d B unreliable queued; %d B sent, not yet acked",
        st.pending_reliable, st.pending_unreliable, st.sent_unacked_reliable);
    if (!full) return;
    char buf[4096];
    if (tern_get_detailed_status(cc->s, cc->conn, buf, sizeof buf) != 0) return;
    say("Detailed status:");
    fputs(buf, stdout);
    fflush(stdout);
}

static int run_client(const char *addr, const char *name)
{
    static chat_client cc;
    cc.name = name;
    tern_addr remote;
    if (!tern_addr_parse_string(&remote, addr) || remote.port == 0) {
        fprintf(stderr, "tern-chat: '%s' is not an address with a port (like 127.0.0.1:27020)\n",
                addr);
        return 2;
    }
    tern_sockets_config cfg;
    tern_sockets_config_default(&cfg);
    cfg.on_status = client_status;
    cfg.user = &cc;
    tern_result r = tern_sockets_new(&cfg, &cc.s);
    if (r != TERN_OK) die("cannot create the instance", r);
    say("Connecting to chat server at %s", addr);
    if ((r = tern_connect_ip(cc.s, &remote, 0, NULL, &cc.conn)) != TERN_OK) die("connect", r);
    input in = {0};
    char line[LINE_MAX_LEN];
    while (!g_quit && !cc.done) {
        tern_run_callbacks(cc.s);
        tern_message *m[32];
        int n;
        while (cc.conn && (n = tern_receive(cc.s, cc.conn, m, 32)) > 0)
            for (int i = 0; i < n; i++) {
                say("%.*s", m[i]->size, (const char *)m[i]->data);
                tern_message_release(m[i]);
            }
        int got;
        while (!cc.done && (got = input_line(&in, line, sizeof line)) != 0) {
            if (got < 0 || strcmp(line, "/quit") == 0) {
                say("Disconnecting from chat server");
                tern_close(cc.s, cc.conn, 0, "Goodbye", true);
                cc.conn = 0;
                cc.done = true;
                break;
            }
            if (strcmp(line, "/stats") == 0 || strcmp(line, "/stats full") == 0) {
                print_stats(&cc, line[6] != 0);
                continue;
            }
            if (!line[0]) continue;
            if (cc.conn) send_str(cc.s, cc.conn, line);
        }
        if (!cc.done && !g_quit) wait_io(cc.s, !in.eof, 100);
    }
    if (cc.conn) tern_close(cc.s, cc.conn, 0, "Goodbye", true);
    linger(LINGER_MS);
    tern_sockets_del(cc.s);
    return cc.failed ? 1 : 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: tern-chat server [--port N]\n"
                    "       tern-chat client HOST:PORT [--name NAME]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    srand((unsigned)getpid());
    if (argc < 2) usage();
    if (strcmp(argv[1], "server") == 0) {
        int port = DEFAULT_PORT;
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
                port = atoi(argv[++i]);
            else
                usage();
        }
        if (port <= 0 || port > 65535) usage();
        return run_server(port);
    }
    if (strcmp(argv[1], "client") == 0) {
        const char *addr = NULL, *name = NULL;
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
                name = argv[++i];
            else if (!addr)
                addr = argv[i];
            else
                usage();
        }
        if (!addr) usage();
        return run_client(addr, name);
    }
    usage();
    return 2;
}
