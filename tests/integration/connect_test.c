/* Listen, connect, accept and close over loopback UDP, with the exact
 * status-change sequences of API.md §14.4 and the close reasons of §3 #6. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "itest.h"

/* A UDP socket that never answers: a port nobody listens on (from tern's
 * point of view), without racing other processes for a free port. */
static int sink_socket(tern_addr *out)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t sl = sizeof sa;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    tern_addr_set_ipv4(out, 0x7f000001u, ntohs(sa.sin_port));
    return fd;
}

/* |conn|'s events in |in| are exactly the transitions in |want| (pairs of
 * old, new). */
static void expect_sequence(const it_inst *in, uint32_t conn, const int *want, size_t npairs)
{
    const it_ev *e[16];
    size_t n = it_events_of(in, conn, e, 16);
    char got[256] = "", exp[256] = "";
    for (size_t i = 0; i < n && i < 16; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), " %d->%d", e[i]->old_state,
                 e[i]->state);
    for (size_t i = 0; i < npairs; i++)
        snprintf(exp + strlen(exp), sizeof exp - strlen(exp), " %d->%d", want[2 * i],
                 want[2 * i + 1]);
    if (strcmp(got, exp) != 0)
        fail_msg("%s: conn %u events [%s ] expected [%s ]", in->name, conn, got, exp);
}

static void test_callback_sequences(void **state)
{
    (void)state;
    it_inst *sv = it_inst_new("server", false);
    it_inst *cl = it_inst_new("client", false);
    tern_addr addr;
    uint32_t l = it_listen(sv, 0, NULL, &addr);
    uint32_t c = 0;
    IT_OK(tern_connect_ip(cl->s, &addr, 0, NULL, &c));
    /* 0 -> Connecting is queued by the call itself. */
    tern_run_callbacks(cl->s);
    const it_ev *e = it_find_ev(cl, c, TERN_STATE_CONNECTING);
    assert_non_null(e);
    assert_int_equal(e->old_state, TERN_STATE_NONE);
    assert_int_equal(e->listen, 0);
    char want[160];
    snprintf(want, sizeof want, "#%u UDP invalid@127.0.0.1:%u", c, addr.port);
    assert_string_equal(e->desc, want);

    uint32_t s = it_wait_incoming(sv, l);
    e = it_find_ev(sv, s, TERN_STATE_CONNECTING);
    assert_int_equal(e->old_state, TERN_STATE_NONE);
    assert_int_equal(e->listen, l);
    assert_true(tern_addr_is_ipv4(&e->addr));
    assert_int_equal(tern_addr_get_ipv4(&e->addr), 0x7f000001u);
    tern_conn_info info;
    IT_OK(tern_get_info(sv->s, s, &info));
    assert_int_equal(info.state, TERN_STATE_CONNECTING);
    assert_int_equal(info.listen_socket, l);

    IT_OK(tern_accept(sv->s, s));
    /* Accept changes the state at once. */
    tern_run_callbacks(sv->s);
    assert_non_null(it_find_ev(sv, s, TERN_STATE_CONNECTED));
    it_wait_ev(cl, c, TERN_STATE_CONNECTED);
    IT_OK(tern_get_info(cl->s, c, &info));
    assert_int_equal(info.state, TERN_STATE_CONNECTED);
    assert_int_equal(info.listen_socket, 0);
    snprintf(want, sizeof want, "#%u UDP 127.0.0.1:%u", c, addr.port);
    assert_string_equal(info.description, want);

    IT_OK(tern_close(cl->s, c, 1234, "bye now", false));
    tern_run_callbacks(cl->s);
    e = it_find_ev(cl, c, TERN_STATE_NONE);
    assert_non_null(e);
    assert_int_equal(e->old_state, TERN_STATE_CONNECTED);
    assert_int_equal(e->end_reason, 1234);
    assert_string_equal(e->debug, "bye now");
    IT_RES(tern_get_info(cl->s, c, &info), TERN_BAD_HANDLE);

    it_wait_closed_by_peer(sv, s, 1234, "bye now");
    IT_OK(tern_get_info(sv->s, s, &info));
    assert_int_equal(info.state, TERN_STATE_CLOSED_BY_PEER);
    assert_int_equal(info.end_reason, 1234);
    assert_string_equal(info.end_debug, "bye now");
    IT_OK(tern_close(sv->s, s, 0, NULL, false));
    tern_run_callbacks(sv->s);

    static const int cseq[] = {0, 1, 1, 3, 3, 0};
    static const int sseq[] = {0, 1, 1, 3, 3, 4, 4, 0};
    expect_sequence(cl, c, cseq, 3);
    expect_sequence(sv, s, sseq, 4);
    it_inst_del(cl);
    it_inst_del(sv);
}

static void test_close_reasons(void **state)
{
    (void)state;
    static const struct {
        int reason;
        const char *debug;
        int want;
        const char *want_debug;
    } cases[] = {
        {0, NULL, 1000, "Application closed connection"},
        {0, "zero", 1000, "zero"},
        {1500, NULL, 1500, "Application closed connection"},
        {1999, "", 1999, "Application closed connection"},
        {2000, NULL, 2000, "Application closed connection in an unusual way"},
        {2500, "", 2500, "Application closed connection in an unusual way"},
        {2999, "custom", 2999, "custom"},
        {5000, "ignored", 1999, "Invalid numeric reason code"},
        {999, NULL, 1999, "Invalid numeric reason code"},
        {3000, NULL, 1999, "Invalid numeric reason code"},
        {-5, "neg", 1999, "Invalid numeric reason code"},
    };
    it_inst *sv = it_inst_new("server", false);
    it_inst *cl = it_inst_new("client", false);
    tern_addr addr;
    uint32_t l = it_listen(sv, 0, NULL, &addr);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t c, s;
        it_connect(cl, sv, l, &addr, 0, NULL, &c, &s);
        IT_OK(tern_close(cl->s, c, cases[i].reason, cases[i].debug, false));
        tern_run_callbacks(cl->s);
        const it_ev *e = it_find_ev(cl, c, TERN_STATE_NONE);
        assert_non_null(e);
        if (e->end_reason != cases[i].want || strcmp(e->debug, cases[i].want_debug) != 0)
            fail_msg("close(%d, %s): closer saw %d \"%s\", expected %d \"%s\"", cases[i].reason,
                     cases[i].debug ? cases[i].debug : "NULL", e->end_reason, e->debug,
                     cases[i].want, cases[i].want_debug);
        it_wait_closed_by_peer(sv, s, cases[i].want, cases[i].want_debug);
        IT_OK(tern_close(sv->s, s, 0, NULL, false));
    }
    it_inst_del(cl);
    it_inst_del(sv);
}

static void test_accept_errors(void **state)
{
    (void)state;
    it_inst *sv = it_inst_new("server", false);
    it_inst *cl = it_inst_new("client", false);
    tern_addr addr;
    uint32_t l = it_listen(sv, 0, NULL, &addr);
    IT_RES(tern_accept(sv->s, 0), TERN_BAD_HANDLE);
    IT_RES(tern_accept(sv->s, 0x7654321), TERN_BAD_HANDLE);
    IT_RES(tern_accept(NULL, 1), TERN_INVALID_PARAM);

    uint32_t c = 0;
    IT_OK(tern_connect_ip(cl->s, &addr, 0, NULL, &c));
    IT_RES(tern_accept(cl->s, c), TERN_INVALID_PARAM); /* we initiated it */
    uint32_t s = it_wait_incoming(sv, l);
    IT_OK(tern_accept(sv->s, s));
    IT_RES(tern_accept(sv->s, s), TERN_INVALID_STATE);
    it_wait_ev(cl, c, TERN_STATE_CONNECTED);
    /* GNS checks the state before who initiated it (compat.flat_api
     * compares this on both libraries). */
    IT_RES(tern_accept(cl->s, c), TERN_INVALID_STATE);
    IT_OK(tern_close(sv->s, s, 0, NULL, false));
    IT_RES(tern_accept(sv->s, s), TERN_BAD_HANDLE);
    it_wait_closed_by_peer(cl, c, 1000, "Application closed connection");
    IT_OK(tern_close(cl->s, c, 0, NULL, false));

    /* The peer gave up before the application accepted. */
    IT_OK(tern_connect_ip(cl->s, &addr, 0, NULL, &c));
    s = it_wait_incoming(sv, l);
    IT_OK(tern_close(cl->s, c, 1003, "changed my mind", false));
    it_wait_closed_by_peer(sv, s, 1003, "changed my mind");
    IT_RES(tern_accept(sv->s, s), TERN_INVALID_STATE);
    IT_OK(tern_close(sv->s, s, 0, NULL, false));
    it_inst_del(cl);
    it_inst_del(sv);
}

/* Closing an incoming connection instead of accepting it rejects it. */
static void test_reject(void **state)
{
    (void)state;
    it_inst *sv = it_inst_new("server", false);
    it_inst *cl = it_inst_new("client", false);
    tern_addr addr;
    uint32_t l = it_listen(sv, 0, NULL, &addr);
    uint32_t c = 0;
    IT_OK(tern_connect_ip(cl->s, &addr, 0, NULL, &c));
    uint32_t s = it_wait_incoming(sv, l);
    IT_OK(tern_close(sv->s, s, 1002, "go away", false));
    tern_run_callbacks(sv->s);
    const it_ev *e = it_find_ev(sv, s, TERN_STATE_NONE);
    assert_non_null(e);
    assert_int_equal(e->old_state, TERN_STATE_CONNECTING);
    it_wait_closed_by_peer(cl, c, 1002, "go away");
    static const int cseq[] = {0, 1, 1, 4};
    expect_sequence(cl, c, cseq, 2);
    IT_RES(tern_send(cl->s, c, "x", 1, TERN_SEND_RELIABLE, NULL), TERN_NO_CONNECTION);
    IT_OK(tern_close(cl->s, c, 0, NULL, false));
    it_inst_del(cl);
    it_inst_del(sv);
}

/* The server application never accepts: its connection times out after
 * TimeoutInitial (set on the listen socket) and the client hears of it. */
static void test_never_accepted(void **state)
{
    (void)state;
    it_inst *sv = it_inst_new("server", false);
    it_inst *cl = it_inst_new("client", false);
    tern_config_value o = it_opt_i32(TERN_CFG_TIMEOUT_INITIAL, 1000);
    tern_addr addr;
    uint32_t l = it_listen(sv, 1, &o, &addr);
    uint32_t c = 0;
    IT_OK(tern_connect_ip(cl->s, &addr, 0, NULL, &c));
    uint32_t s = it_wait_incoming(sv, l);
    it_ev e = it_wait_ev(sv, s, TERN_STATE_PROBLEM);
    assert_int_equal(e.old_state, TERN_STATE_CONNECTING);
    assert_int_equal(e.end_reason, TERN_END_MISC_TIMEOUT);
    it_wait_closed_by_peer(cl, c, TERN_END_MISC_TIMEOUT, NULL);
    IT_RES(tern_accept(sv->s, s), TERN_INVALID_STATE);
    IT_OK(tern_close(sv->s, s, 0, NULL, false));
    IT_OK(tern_close(cl->s, c, 0, NULL, false));
    it_inst_del(cl);
    it_inst_del(sv);
}

static void test_connect_timeout(void **state)
{
    (void)state;
    it_inst *cl = it_inst_new("client", false);
    tern_addr sink;
    int fd = sink_socket(&sink);
    tern_config_value o = it_opt_i32(TERN_CFG_TIMEOUT_INITIAL, 1000);
    uint32_t c = 0;
    IT_OK(tern_connect_ip(cl->s, &sink, 1, &o, &c));
    it_ev e = it_wait_ev(cl, c, TERN_STATE_PROBLEM);
    assert_int_equal(e.old_state, TERN_STATE_CONNECTING);
    assert_int_equal(e.end_reason, TERN_END_MISC_TIMEOUT);
    assert_string_equal(e.debug, "Timed out attempting to connect");
    tern_conn_info info;
    IT_OK(tern_get_info(cl->s, c, &info));
    assert_int_equal(info.state, TERN_STATE_PROBLEM);
    assert_int_equal(info.end_reason, TERN_END_MISC_TIMEOUT);
    IT_RES(tern_send(cl->s, c, "x", 1, TERN_SEND_RELIABLE, NULL), TERN_NO_CONNECTION);
    IT_RES(tern_flush(cl->s, c), TERN_NO_CONNECTION);
    IT_OK(tern_close(cl->s, c, 0, NULL, false));
    tern_run_callbacks(cl->s);
    static const int seq[] = {0, 1, 1, 5, 5, 0};
    expect_sequence(cl, c, seq, 3);
    close(fd);
    it_inst_del(cl);
}

/* Close with linger: reliable data still queued is delivered first. */
static void test_linger(void **state)
{
    (void)state;
    it_inst *sv = it_inst_new("server", false);
    it_inst *cl = it_inst_new("client", false);
    tern_addr addr;
    uint32_t l = it_listen(sv, 0, NULL, &addr), c, s;
    it_connect(cl, sv, l, &addr, 0, NULL, &c, &s);
    enum { N = 400, SZ = 1200 };
    for (uint32_t i = 0; i < N; i++) {
        uint8_t buf[SZ];
        it_fill(buf, SZ, i);
        IT_OK(tern_send(cl->s, c, buf, SZ, TERN_SEND_RELIABLE, NULL));
    }
    tern_realtime_status st;
    IT_OK(tern_get_status(cl->s, c, &st, 0, NULL));
    it_log("linger: %d reliable bytes pending and %d in flight at close", st.pending_reliable,
           st.sent_unacked_reliable);
    IT_OK(tern_close(cl->s, c, 1005, "lingering", true));
    IT_RES(tern_send(cl->s, c, "x", 1, TERN_SEND_RELIABLE, NULL), TERN_BAD_HANDLE);
    static tern_message *m[N];
    it_recv_n(sv, s, m, N);
    for (int i = 0; i < N; i++) {
        assert_int_equal(m[i]->size, SZ);
        assert_true(it_check(m[i]->data, SZ, (uint32_t)i));
    }
    it_release_all(m, N);
    it_wait_closed_by_peer(sv, s, 1005, "lingering");
    IT_OK(tern_close(sv->s, s, 0, NULL, false));
    it_inst_del(cl);
    it_inst_del(sv);
}

static void test_listen_connect_errors(void **state)
{
    (void)state;
    it_inst *sv = it_inst_new("server", false);
    tern_addr addr, a;
    uint32_t l = it_listen(sv, 0, NULL, &addr), h = 7;
    IT_RES(tern_listen_ip(sv->s, &addr, 0, NULL, &h), TERN_ADDR_IN_USE);
    assert_int_equal(h, 0);
    tern_addr_set_ipv4(&a, 0x7f000001u, 0);
    IT_RES(tern_listen_ip(sv->s, &a, 0, NULL, &h), TERN_INVALID_PARAM);
    IT_RES(tern_listen_ip(sv->s, NULL, 0, NULL, &h), TERN_INVALID_PARAM);
    IT_RES(tern_listen_ip(sv->s, &addr, 0, NULL, NULL), TERN_INVALID_PARAM);
    IT_RES(tern_listen_ip(NULL, &addr, 0, NULL, &h), TERN_INVALID_PARAM);
    IT_RES(tern_listen_ip(sv->s, &addr, 1, NULL, &h), TERN_INVALID_PARAM);
    tern_config_value bad = it_opt_i32(9999, 1);
    a.port = (uint16_t)(addr.port == 65535 ? 65534 : addr.port + 1);
    IT_RES(tern_listen_ip(sv->s, &a, 1, &bad, &h), TERN_INVALID_PARAM);
    tern_addr got;
    IT_RES(tern_listen_address(sv->s, 0, &got), TERN_BAD_HANDLE);
    IT_RES(tern_listen_address(sv->s, l + 12345, &got), TERN_BAD_HANDLE);
    IT_RES(tern_listen_address(sv->s, l, NULL), TERN_INVALID_PARAM);
    IT_RES(tern_listen_close(sv->s, 0), TERN_BAD_HANDLE);

    uint32_t c = 9;
    IT_RES(tern_connect_ip(sv->s, NULL, 0, NULL, &c), TERN_INVALID_PARAM);
    IT_RES(tern_connect_ip(sv->s, &addr, 0, NULL, NULL), TERN_INVALID_PARAM);
    tern_addr zero_port = addr;
    zero_port.port = 0;
    IT_RES(tern_connect_ip(sv->s, &zero_port, 0, NULL, &c), TERN_INVALID_PARAM);
    assert_int_equal(c, 0);
    tern_addr any;
    tern_addr_clear(&any);
    any.port = 5000;
    IT_RES(tern_connect_ip(sv->s, &any, 0, NULL, &c), TERN_INVALID_PARAM);
    IT_RES(tern_connect_ip(sv->s, &addr, 1, &bad, &c), TERN_INVALID_PARAM);
    IT_RES(tern_connect_ip(sv->s, &addr, 2, NULL, &c), TERN_INVALID_PARAM);
    IT_RES(tern_connect_ip(NULL, &addr, 0, NULL, &c), TERN_INVALID_PARAM);
    /* Nothing was created by the failed calls. */
    tern_run_callbacks(sv->s);
    assert_int_equal(sv->nev, 0);

    IT_OK(tern_listen_close(sv->s, l));
    IT_RES(tern_listen_close(sv->s, l), TERN_BAD_HANDLE);
    IT_RES(tern_listen_address(sv->s, l, &got), TERN_BAD_HANDLE);
    /* The port is free again. */
    IT_OK(tern_listen_ip(sv->s, &addr, 0, NULL, &h));
    IT_OK(tern_listen_close(sv->s, h));
    it_inst_del(sv);
}

/* [::] listens dual-stack: IPv6 and IPv4 clients both get in. */
static void test_dual_stack(void **state)
{
    (void)state;
    it_inst *sv = it_inst_new("server", false);
    it_inst *cl = it_inst_new("client", false);
    uint32_t l = 0;
    tern_addr any;
    for (int tries = 0; tries < 100; tries++) {
        tern_addr_clear(&any);
        any.port = (uint16_t)(20000 + (it_now_ms() * 7919 + tries * 104729) % 40000);
        int r = tern_listen_ip(sv->s, &any, 0, NULL, &l);
        if (r == TERN_ADDR_IN_USE) continue;
        IT_OK(r);
        break;
    }
    assert_int_not_equal(l, 0);
    tern_addr bound;
    IT_OK(tern_listen_address(sv->s, l, &bound));
    assert_true(tern_addr_is_ipv6_all_zeros(&bound));
    assert_int_equal(bound.port, any.port);

    tern_addr v6, v4;
    tern_addr_set_ipv6_localhost(&v6, any.port);
    tern_addr_set_ipv4(&v4, 0x7f000001u, any.port);
    uint32_t c6, s6, c4, s4;
    it_connect(cl, sv, l, &v6, 0, NULL, &c6, &s6);
    it_connect(cl, sv, l, &v4, 0, NULL, &c4, &s4);
    tern_conn_info info;
    IT_OK(tern_get_info(cl->s, c6, &info));
    char want[160];
    snprintf(want, sizeof want, "#%u UDP [::1]:%u", c6, any.port);
    assert_string_equal(info.description, want);
    IT_OK(tern_send(cl->s, c6, "six", 3, TERN_SEND_RELIABLE, NULL));
    IT_OK(tern_send(cl->s, c4, "four", 4, TERN_SEND_RELIABLE, NULL));
    tern_message *m;
    it_recv_n(sv, s6, &m, 1);
    assert_memory_equal(m->data, "six", 3);
    tern_message_release(m);
    it_recv_n(sv, s4, &m, 1);
    assert_memory_equal(m->data, "four", 4);
    tern_message_release(m);
    it_inst_del(cl);
    it_inst_del(sv);
}

/* Closing a listen socket closes what came through it, at once. */
static void test_listen_close_with_connections(void **state)
{
    (void)state;
    it_inst *sv = it_inst_new("server", false);
    it_inst *cl = it_inst_new("client", false);
    tern_addr addr;
    uint32_t l = it_listen(sv, 0, NULL, &addr), c, s;
    it_connect(cl, sv, l, &addr, 0, NULL, &c, &s);
    uint32_t c2 = 0;
    IT_OK(tern_connect_ip(cl->s, &addr, 0, NULL, &c2));
    uint32_t pending = it_wait_incoming(sv, l);
    IT_OK(tern_listen_close(sv->s, l));
    tern_conn_info info;
    IT_RES(tern_get_info(sv->s, s, &info), TERN_BAD_HANDLE);
    IT_RES(tern_get_info(sv->s, pending, &info), TERN_BAD_HANDLE);
    IT_RES(tern_send(sv->s, s, "x", 1, TERN_SEND_RELIABLE, NULL), TERN_BAD_HANDLE);
    it_inst_del(cl);
    it_inst_del(sv);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        IT_TEST(test_callback_sequences),
        IT_TEST(test_close_reasons),
        IT_TEST(test_accept_errors),
        IT_TEST(test_reject),
        IT_TEST(test_never_accepted),
        IT_TEST(test_connect_timeout),
        IT_TEST(test_linger),
        IT_TEST(test_listen_connect_errors),
        IT_TEST(test_dual_stack),
        IT_TEST(test_listen_close_with_connections),
    };
    return IT_MAIN(tests);
}
