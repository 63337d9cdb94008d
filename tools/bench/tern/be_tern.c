/* The tern backend of the harness: tern-bench, on the native API only.
 * Variants: "" (service thread, encrypted: the defaults) and "manual"
 * (no service thread; the harness thread pumps with tern_wait). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "crypto_cost.h"
#include "tern/tern.h"

const char be_name[] = "tern";
const char be_variants[] = "(default: service thread), manual";

struct be {
    tern_sockets *s;
    bench_cb cb;
    be_opts o;
    uint32_t group;
    bool manual;
    int delivered; /* callbacks in this be_poll */
};

int be_max_conns(const be_opts *o)
{
    (void)o;
    return 1 << 20;
}

static void on_log(int level, const char *msg, void *user)
{
    (void)user;
    fprintf(stderr, "tern[%d]: %s\n", level, msg);
}

static void on_status(tern_sockets *s, const tern_status_event *ev, void *user)
{
    be *b = user;
    switch (ev->info.state) {
    case TERN_STATE_CONNECTING:
        if (ev->info.listen_socket && ev->old_state == TERN_STATE_NONE) {
            if (tern_accept(s, ev->conn) != TERN_OK) {
                tern_close(s, ev->conn, 0, NULL, false);
                break;
            }
            tern_set_pollgroup(s, ev->conn, b->group);
        }
        break;
    case TERN_STATE_CONNECTED:
        if (!ev->info.listen_socket && b->o.lanes > 1) {
            if (tern_configure_lanes(s, ev->conn, b->o.lanes, NULL, NULL) != TERN_OK)
                fprintf(stderr, "tern-bench: configure_lanes failed\n");
        }
        b->delivered++;
        b->cb.connected(b->cb.u, ev->conn);
        break;
    case TERN_STATE_CLOSED_BY_PEER:
    case TERN_STATE_PROBLEM: {
        /* why connections fail, briefly (a run of 100,000 could print a
         * line per connection) */
        static int told;
        if (ev->info.state == TERN_STATE_PROBLEM && told++ < 5)
            fprintf(stderr, "tern-bench: %s connection %u: %d %s\n",
                    ev->info.listen_socket ? "inbound" : "outbound", ev->conn, ev->info.end_reason,
                    ev->info.end_debug);
        tern_close(s, ev->conn, 0, NULL, false);
        if (ev->old_state == TERN_STATE_CONNECTED || ev->old_state == TERN_STATE_CONNECTING) {
            b->delivered++;
            b->cb.closed(b->cb.u, ev->conn);
        }
        break;
    }
    default:
        break;
    }
}

be *be_new(const bench_cb *cb, const be_opts *o)
{
    be *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->cb = *cb;
    b->o = *o;
    b->manual = o->variant && !strcmp(o->variant, "manual");
    tern_sockets_config cfg;
    tern_sockets_config_default(&cfg);
    cfg.manual_mode = b->manual;
    cfg.on_status = on_status;
    cfg.log = on_log;
    cfg.log_level = TERN_LOG_ERROR;
    cfg.user = b;
    tern_result r = tern_sockets_new(&cfg, &b->s);
    if (r != TERN_OK) {
        fprintf(stderr, "tern-bench: tern_sockets_new: %s\n", tern_result_str(r));
        free(b);
        return NULL;
    }
    if ((r = tern_pollgroup_new(b->s, &b->group)) != TERN_OK) {
        fprintf(stderr, "tern-bench: pollgroup: %s\n", tern_result_str(r));
        tern_sockets_del(b->s);
        free(b);
        return NULL;
    }
    return b;
}

void be_del(be *b)
{
    if (!b) return;
    tern_sockets_del(b->s);
    free(b);
}

int be_listen(be *b, int port)
{
    tern_addr any;
    tern_addr_clear(&any);
    any.port = (uint16_t)port;
    uint32_t ls;
    tern_result r = tern_listen_ip(b->s, &any, 0, NULL, &ls);
    if (r != TERN_OK) {
        fprintf(stderr, "tern-bench: listen on %d: %s\n", port, tern_result_str(r));
        return -1;
    }
    return 0;
}

int be_connect(be *b, const char *host, int port, uint64_t *conn)
{
    char text[128];
    snprintf(text, sizeof text, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
    tern_addr a;
    if (!tern_addr_parse_string(&a, text)) {
        fprintf(stderr, "tern-bench: bad address %s\n", text);
        return -1;
    }
    uint32_t c;
    tern_result r = tern_connect_ip(b->s, &a, 0, NULL, &c);
    if (r != TERN_OK) {
        fprintf(stderr, "tern-bench: connect: %s\n", tern_result_str(r));
        return -1;
    }
    tern_set_pollgroup(b->s, c, b->group);
    *conn = c;
    return 0;
}

int be_send(be *b, uint64_t conn, int lane, const void *data, uint32_t len, int flags)
{
    int f = (flags & BE_RELIABLE ? TERN_SEND_RELIABLE : TERN_SEND_UNRELIABLE) |
            (flags & BE_NOW ? TERN_SEND_NO_NAGLE : 0);
    tern_result r = tern_send_lane(b->s, (uint32_t)conn, (uint16_t)lane, data, len, f, NULL);
    if (r == TERN_OK) return BE_OK;
    if (r == TERN_LIMIT_EXCEEDED) return BE_FULL;
    return BE_ERR;
}

void be_flush(be *b, uint64_t conn)
{
    tern_flush(b->s, (uint32_t)conn);
}

void be_close(be *b, uint64_t conn)
{
    tern_close(b->s, (uint32_t)conn, 0, NULL, false);
}

static void deliver(be *b)
{
    tern_run_callbacks(b->s);
    tern_message *m[256];
    int n;
    while ((n = tern_receive_pollgroup(b->s, b->group, m, 256)) > 0) {
        for (int i = 0; i < n; i++) {
            b->cb.message(b->cb.u, m[i]->conn, m[i]->data, (uint32_t)m[i]->size);
            tern_message_release(m[i]);
        }
        b->delivered += n;
        if (n < 256) break;
    }
}

void be_poll(be *b, int64_t timeout_us)
{
    b->delivered = 0;
    if (b->manual) tern_sockets_poll(b->s, 0);
    deliver(b);
    if (b->delivered || timeout_us <= 0) return;
    if (b->manual) {
        tern_wait(b->s, (int)((timeout_us + 999) / 1000));
    } else {
        /* the service thread does the work; sleep on its notification fd */
        struct pollfd p = {.fd = tern_sockets_fd(b->s), .events = POLLIN};
        struct timespec ts = {(time_t)(timeout_us / 1000000), (long)(timeout_us % 1000000) * 1000};
        if (ppoll(&p, 1, &ts, NULL) < 0 && errno != EINTR) return;
    }
    deliver(b);
}

int be_extra_main(int argc, char **argv)
{
    if (!strcmp(argv[1], "crypto")) return crypto_cost_main(argc, argv);
    return -1;
}
