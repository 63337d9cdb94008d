#include "itest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static it_inst *g_insts[IT_MAX_INST];

int64_t it_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int it_timeout_ms(void)
{
    const char *e = getenv("TERN_IT_TIMEOUT_MS");
    int v = e ? atoi(e) : 0;
    return v > 0 ? v : 30000;
}

void it_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void on_status(tern_sockets *s, const tern_status_event *e, void *user)
{
    it_inst *in = user;
    if (in->nev == in->cap) {
        size_t ncap = in->cap ? in->cap * 2 : 64;
        it_ev *n = realloc(in->ev, ncap * sizeof *n);
        assert_non_null(n);
        in->ev = n;
        in->cap = ncap;
    }
    it_ev *v = &in->ev[in->nev++];
    memset(v, 0, sizeof *v);
    v->conn = e->conn;
    v->old_state = e->old_state;
    v->state = e->info.state;
    v->end_reason = e->info.end_reason;
    v->listen = e->info.listen_socket;
    v->user_data = e->info.user_data;
    v->flags = e->info.flags;
    v->addr = e->info.addr_remote;
    v->identity = e->info.identity_remote;
    memcpy(v->debug, e->info.end_debug, sizeof v->debug);
    v->debug[sizeof v->debug - 1] = 0;
    memcpy(v->desc, e->info.description, sizeof v->desc);
    v->desc[sizeof v->desc - 1] = 0;
    if (in->auto_accept && e->old_state == TERN_STATE_NONE &&
        e->info.state == TERN_STATE_CONNECTING && e->info.listen_socket) {
        v->taken = true;
        int r = tern_accept(s, e->conn);
        /* The peer may have given up already; anything else is a failure. */
        if (r != TERN_OK && r != TERN_INVALID_STATE && r != TERN_BAD_HANDLE)
            fail_msg("auto-accept of %u: %s", e->conn, tern_result_str(r));
        if (r == TERN_OK) {
            in->accepted++;
            if (in->auto_group) IT_OK(tern_set_pollgroup(s, e->conn, in->auto_group));
        }
    }
}

static void log_fn(int level, const char *msg, void *user)
{
    it_inst *in = user;
    fprintf(stderr, "[%s %d] %s\n", in->name, level, msg);
}

it_inst *it_inst_new_cfg(const char *name, tern_sockets_config *cfg)
{
    it_inst *in = calloc(1, sizeof *in);
    assert_non_null(in);
    in->name = name;
    const char *lv = getenv("TERN_IT_LOG");
    if (lv && !cfg->log) {
        cfg->log = log_fn;
        cfg->log_level = atoi(lv);
    }
    in->manual = cfg->manual_mode != 0;
    cfg->on_status = on_status;
    cfg->user = in;
    IT_OK(tern_sockets_new(cfg, &in->s));
    assert_non_null(in->s);
    for (int i = 0; i < IT_MAX_INST; i++)
        if (!g_insts[i]) {
            g_insts[i] = in;
            return in;
        }
    fail_msg("more than %d instances", IT_MAX_INST);
    return NULL;
}

it_inst *it_inst_new(const char *name, bool manual)
{
    tern_sockets_config cfg;
    tern_sockets_config_default(&cfg);
    cfg.manual_mode = manual;
    return it_inst_new_cfg(name, &cfg);
}

int it_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < IT_MAX_INST; i++)
        if (g_insts[i]) it_inst_del(g_insts[i]);
    return 0;
}

void it_inst_del(it_inst *in)
{
    for (int i = 0; i < IT_MAX_INST; i++)
        if (g_insts[i] == in) g_insts[i] = NULL;
    tern_sockets_del(in->s);
    free(in->ev);
    free(in);
}

void it_pump(int wait_ms)
{
    int live = 0;
    for (int i = 0; i < IT_MAX_INST; i++) live += g_insts[i] != NULL;
    for (int i = 0; i < IT_MAX_INST; i++) {
        it_inst *in = g_insts[i];
        if (!in) continue;
        /* tern_wait returns at once while anything is waiting, without the
         * network work (see lifecycle's wait_manual_does_network_work):
         * pump a manual instance explicitly. */
        if (in->manual) IT_OK(tern_sockets_poll(in->s, 0));
        /* Split the wait so that several instances all get their turn. */
        int r = tern_wait(in->s, live > 1 ? (wait_ms + 1) / 2 : wait_ms);
        if (r != TERN_OK && r != TERN_TIMEOUT)
            fail_msg("tern_wait(%s): %s", in->name, tern_result_str(r));
        tern_run_callbacks(in->s);
    }
}

const it_ev *it_find_ev(const it_inst *in, uint32_t conn, int state)
{
    for (size_t i = 0; i < in->nev; i++)
        if (in->ev[i].conn == conn && in->ev[i].state == state) return &in->ev[i];
    return NULL;
}

it_ev it_wait_ev(it_inst *in, uint32_t conn, int state)
{
    char what[96];
    snprintf(what, sizeof what, "%s: conn %u entering state %d", in->name, conn, state);
    IT_WAIT(it_find_ev(in, conn, state), what);
    return *it_find_ev(in, conn, state);
}

static const it_ev *end_ev(const it_inst *in, uint32_t conn)
{
    const it_ev *e = it_find_ev(in, conn, TERN_STATE_CLOSED_BY_PEER);
    return e ? e : it_find_ev(in, conn, TERN_STATE_PROBLEM);
}

it_ev it_wait_closed_by_peer(it_inst *in, uint32_t conn, int reason, const char *debug)
{
    char what[96];
    snprintf(what, sizeof what, "%s: conn %u closed by peer", in->name, conn);
    IT_WAIT(end_ev(in, conn), what);
    it_ev e = *end_ev(in, conn);
    if (e.state != TERN_STATE_CLOSED_BY_PEER || e.end_reason != reason ||
        (debug && strcmp(e.debug, debug) != 0))
        fail_msg("%s: conn %u ended in state %d, reason %d \"%s\"; expected ClosedByPeer (4), "
                 "reason %d \"%s\"",
                 in->name, conn, e.state, e.end_reason, e.debug, reason, debug ? debug : "*");
    return e;
}

size_t it_count_ev(const it_inst *in, uint32_t conn, int state)
{
    size_t n = 0;
    for (size_t i = 0; i < in->nev; i++)
        if (in->ev[i].conn == conn && (state < 0 || in->ev[i].state == state)) n++;
    return n;
}

size_t it_events_of(const it_inst *in, uint32_t conn, const it_ev **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < in->nev; i++)
        if (in->ev[i].conn == conn) {
            if (n < max) out[n] = &in->ev[i];
            n++;
        }
    return n;
}

void it_clear_ev(it_inst *in)
{
    in->nev = 0;
}

static it_ev *unclaimed_incoming(it_inst *in, uint32_t listen)
{
    for (size_t i = 0; i < in->nev; i++) {
        it_ev *v = &in->ev[i];
        if (!v->taken && v->old_state == TERN_STATE_NONE && v->state == TERN_STATE_CONNECTING &&
            v->listen == listen)
            return v;
    }
    return NULL;
}

uint32_t it_wait_incoming(it_inst *in, uint32_t listen)
{
    IT_WAIT(unclaimed_incoming(in, listen), "an incoming connection");
    it_ev *v = unclaimed_incoming(in, listen);
    v->taken = true;
    return v->conn;
}

uint32_t it_listen(it_inst *in, int nopts, const tern_config_value *opts, tern_addr *connect_to)
{
    static bool seeded;
    if (!seeded) {
        srand((unsigned)getpid() ^ (unsigned)it_now_ms());
        seeded = true;
    }
    for (int tries = 0; tries < 200; tries++) {
        uint16_t port = (uint16_t)(20000 + rand() % 40000);
        tern_addr a;
        tern_addr_set_ipv4(&a, 0x7f000001u, port);
        uint32_t l = 0;
        int r = tern_listen_ip(in->s, &a, nopts, opts, &l);
        if (r == TERN_ADDR_IN_USE) continue;
        IT_RES(r, TERN_OK);
        assert_int_not_equal(l, 0);
        tern_addr bound;
        IT_OK(tern_listen_address(in->s, l, &bound));
        assert_int_equal(bound.port, port);
        if (connect_to) *connect_to = a;
        return l;
    }
    fail_msg("no free port after 200 tries");
    return 0;
}

void it_connect(it_inst *cl, it_inst *sv, uint32_t listen, const tern_addr *addr, int nopts,
                const tern_config_value *opts, uint32_t *c_conn, uint32_t *s_conn)
{
    uint32_t c = 0;
    IT_OK(tern_connect_ip(cl->s, addr, nopts, opts, &c));
    assert_int_not_equal(c, 0);
    uint32_t s = it_wait_incoming(sv, listen);
    IT_OK(tern_accept(sv->s, s));
    it_wait_ev(cl, c, TERN_STATE_CONNECTED);
    it_wait_ev(sv, s, TERN_STATE_CONNECTED);
    *c_conn = c;
    *s_conn = s;
}

void it_recv_n(it_inst *in, uint32_t conn, tern_message **out, int want)
{
    int got = 0;
    char what[96];
    snprintf(what, sizeof what, "%s: %d messages on conn %u", in->name, want, conn);
    int64_t dl = it_now_ms() + it_timeout_ms();
    while (got < want) {
        int n = tern_receive(in->s, conn, out + got, want - got);
        if (n < 0) fail_msg("tern_receive(%u): %d (%s)", conn, n, tern_result_str(-n));
        got += n;
        if (got >= want) break;
        if (it_now_ms() > dl) fail_msg("timed out waiting for %s (got %d)", what, got);
        it_pump(2);
    }
}

void it_release_all(tern_message **m, int n)
{
    for (int i = 0; i < n; i++) {
        tern_message_release(m[i]);
        m[i] = NULL;
    }
}

static bool all_acked(it_inst *in, uint32_t conn)
{
    tern_realtime_status st;
    IT_OK(tern_get_status(in->s, conn, &st, 0, NULL));
    return st.pending_reliable == 0 && st.pending_unreliable == 0 && st.sent_unacked_reliable == 0;
}

void it_wait_acked(it_inst *in, uint32_t conn)
{
    IT_WAIT(all_acked(in, conn), "every reliable byte acknowledged");
}

static uint8_t pat(size_t i, uint32_t seed)
{
    uint32_t x = (uint32_t)i * 2654435761u ^ seed * 40503u;
    return (uint8_t)(x >> 13 ^ x);
}

void it_fill(void *buf, size_t len, uint32_t seed)
{
    uint8_t *b = buf;
    for (size_t i = 0; i < len; i++) b[i] = pat(i, seed);
}

bool it_check(const void *buf, size_t len, uint32_t seed)
{
    const uint8_t *b = buf;
    for (size_t i = 0; i < len; i++)
        if (b[i] != pat(i, seed)) return false;
    return true;
}

tern_config_value it_opt_i32(int id, int32_t v)
{
    tern_config_value o;
    memset(&o, 0, sizeof o);
    o.id = id;
    o.type = TERN_CONFIG_INT32;
    o.val.i32 = v;
    return o;
}

tern_config_value it_opt_i64(int id, int64_t v)
{
    tern_config_value o;
    memset(&o, 0, sizeof o);
    o.id = id;
    o.type = TERN_CONFIG_INT64;
    o.val.i64 = v;
    return o;
}

int it_main(int argc, char **argv, const struct CMUnitTest *tests, size_t n)
{
    if (argc > 1) cmocka_set_test_filter(argv[1]);
    return _cmocka_run_group_tests("integration", tests, n, NULL, NULL);
}
