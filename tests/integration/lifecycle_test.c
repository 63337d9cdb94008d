/* Instances over real UDP: creation and its errors, deletion with open
 * connections, two instances in one process, manual mode driven only by
 * tern_sockets_poll, the notification descriptor and tern_wait. */
#include <poll.h>
#include <string.h>

#include "itest.h"

static void test_new_defaults(void **state)
{
    (void)state;
    tern_sockets *s = NULL;
    IT_OK(tern_sockets_new(NULL, &s));
    assert_non_null(s);
    assert_true(tern_sockets_fd(s) >= 0);
    tern_identity id;
    IT_OK(tern_sockets_identity(s, &id));
    assert_true(tern_identity_is_localhost(&id));
    /* A service thread runs: manual pumping is refused. */
    IT_RES(tern_sockets_poll(s, 0), TERN_INVALID_STATE);
    /* Nothing can be waiting on a fresh instance. */
    IT_RES(tern_wait(s, 0), TERN_TIMEOUT);
    tern_run_callbacks(s);
    tern_sockets_del(s);

    tern_sockets_config cfg;
    tern_sockets_config_default(&cfg);
    assert_int_equal(cfg.size, sizeof cfg);
    assert_int_equal(cfg.manual_mode, 0);
    assert_null(cfg.identity);
    assert_null(cfg.on_status);
    IT_OK(tern_sockets_new(&cfg, &s));
    tern_sockets_del(s);

    assert_int_equal(tern_sockets_fd(NULL), -1);
    IT_RES(tern_wait(NULL, 0), TERN_INVALID_PARAM);
    IT_RES(tern_sockets_poll(NULL, 0), TERN_INVALID_PARAM);
    IT_RES(tern_sockets_identity(NULL, &id), TERN_INVALID_PARAM);
    tern_run_callbacks(NULL);
    tern_sockets_del(NULL);
    assert_string_equal(tern_version(), "0.1.0");
}

static void test_new_errors(void **state)
{
    (void)state;
    tern_sockets_config cfg;
    tern_sockets_config_default(&cfg);
    IT_RES(tern_sockets_new(&cfg, NULL), TERN_INVALID_PARAM);
    IT_RES(tern_sockets_new(NULL, NULL), TERN_INVALID_PARAM);

    tern_sockets *s = (tern_sockets *)&cfg; /* must be overwritten with NULL */
    cfg.size = 0;
    IT_RES(tern_sockets_new(&cfg, &s), TERN_INVALID_PARAM);
    assert_null(s);
    cfg.size = 4;
    IT_RES(tern_sockets_new(&cfg, &s), TERN_INVALID_PARAM);
    /* Larger than this library knows: a future ABI it cannot honour. */
    struct {
        tern_sockets_config c;
        char more[64];
    } big;
    memset(&big, 0, sizeof big);
    tern_sockets_config_default(&big.c);
    big.c.size = sizeof big;
    IT_RES(tern_sockets_new(&big.c, &s), TERN_INVALID_PARAM);

    tern_sockets_config_default(&cfg);
    tern_identity bad;
    memset(&bad, 0, sizeof bad); /* TERN_ID_INVALID */
    cfg.identity = &bad;
    IT_RES(tern_sockets_new(&cfg, &s), TERN_INVALID_PARAM);
    assert_null(s);

    /* A valid identity is what the instance reports. */
    tern_identity me;
    tern_identity_clear(&me);
    assert_true(tern_identity_set_generic_string(&me, "lifecycle-test"));
    cfg.identity = &me;
    IT_OK(tern_sockets_new(&cfg, &s));
    tern_identity got;
    IT_OK(tern_sockets_identity(s, &got));
    assert_true(tern_identity_equal(&got, &me));
    tern_sockets_del(s);
}

/* Manual mode: nothing moves unless the application calls tern_sockets_poll. */
static void manual_round(it_inst *a, it_inst *b)
{
    IT_OK(tern_sockets_poll(a->s, 1));
    IT_OK(tern_sockets_poll(b->s, 1));
    tern_run_callbacks(a->s);
    tern_run_callbacks(b->s);
}

#define MANUAL_WAIT(a, b, cond, what)                                                              \
    do {                                                                                           \
        int64_t dl_ = it_now_ms() + it_timeout_ms();                                               \
        while (!(cond)) {                                                                          \
            if (it_now_ms() > dl_) fail_msg("manual mode: timed out waiting for %s", what);        \
            manual_round(a, b);                                                                    \
        }                                                                                          \
    } while (0)

static void test_manual_mode(void **state)
{
    (void)state;
    it_inst *sv = it_inst_new("server", true);
    it_inst *cl = it_inst_new("client", true);
    IT_OK(tern_sockets_poll(sv->s, 0));
    IT_OK(tern_sockets_poll(sv->s, -0));
    tern_addr addr;
    uint32_t l = it_listen(sv, 0, NULL, &addr);
    uint32_t c = 0;
    IT_OK(tern_connect_ip(cl->s, &addr, 0, NULL, &c));
    uint32_t s = 0;
    MANUAL_WAIT(sv, cl, sv->nev > 0, "the server's incoming connection");
    s = sv->ev[0].conn;
    assert_int_equal(sv->ev[0].listen, l);
    IT_OK(tern_accept(sv->s, s));
    MANUAL_WAIT(sv, cl, it_find_ev(cl, c, TERN_STATE_CONNECTED), "the client connected");

    enum { N = 300 };
    for (uint32_t i = 0; i < N; i++) {
        uint8_t buf[700];
        it_fill(buf, sizeof buf, i);
        IT_OK(tern_send(cl->s, c, buf, sizeof buf, TERN_SEND_RELIABLE, NULL));
    }
    tern_message *m[N];
    int got = 0;
    MANUAL_WAIT(sv, cl, (got += tern_receive(sv->s, s, m + got, N - got)) == N,
                "300 messages in manual mode");
    for (int i = 0; i < N; i++) {
        assert_int_equal(m[i]->size, 700);
        assert_true(it_check(m[i]->data, 700, (uint32_t)i));
        assert_int_equal(m[i]->message_number, i + 1);
    }
    it_release_all(m, N);

    IT_OK(tern_close(cl->s, c, 1001, "manual bye", false));
    MANUAL_WAIT(sv, cl, it_find_ev(sv, s, TERN_STATE_CLOSED_BY_PEER), "server sees the close");
    assert_int_equal(it_find_ev(sv, s, TERN_STATE_CLOSED_BY_PEER)->end_reason, 1001);
    IT_OK(tern_close(sv->s, s, 0, NULL, false));
    it_inst_del(cl);
    it_inst_del(sv);
}

static void drain(it_inst *in, uint32_t conn)
{
    tern_run_callbacks(in->s);
    tern_message *m[16];
    int n;
    while ((n = tern_receive(in->s, conn, m, 16)) > 0) it_release_all(m, n);
}

static bool readable(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, timeout_ms);
    assert_true(r >= 0);
    return r > 0 && (p.revents & POLLIN);
}

/* Wait (bounded) for |fd| to poll readable, without calling into tern. A
 * datagram on loopback arrives in microseconds: 5 s is generous. */
static bool becomes_readable(int fd)
{
    int64_t dl = it_now_ms() + (it_timeout_ms() < 5000 ? it_timeout_ms() : 5000);
    while (it_now_ms() < dl)
        if (readable(fd, 100)) return true;
    return false;
}

static void test_fd_thread_mode(void **state)
{
    (void)state;
    it_inst *sv = it_inst_new("server", false);
    it_inst *cl = it_inst_new("client", false);
    tern_addr addr;
    uint32_t l = it_listen(sv, 0, NULL, &addr), c, s;
    it_connect(cl, sv, l, &addr, 0, NULL, &c, &s);
    drain(sv, s);
    int fd = tern_sockets_fd(sv->s);
    assert_true(fd >= 0);
    /* Nothing is waiting now: the descriptor says so at once. */
    assert_false(readable(fd, 0));

    IT_OK(tern_send(cl->s, c, "ping", 4, TERN_SEND_RELIABLE, NULL));
    if (!becomes_readable(fd)) fail_msg("tern_sockets_fd never became readable for a message");
    tern_message *m = NULL;
    assert_int_equal(tern_receive(sv->s, s, &m, 1), 1);
    assert_memory_equal(m->data, "ping", 4);
    tern_message_release(m);
    /* Taken: the descriptor is quiet again. */
    assert_false(readable(fd, 0));

    /* A status change also makes it readable. */
    IT_OK(tern_close(cl->s, c, 1000, NULL, false));
    if (!becomes_readable(fd)) fail_msg("tern_sockets_fd never became readable for a close");
    tern_run_callbacks(sv->s);
    assert_non_null(it_find_ev(sv, s, TERN_STATE_CLOSED_BY_PEER));
    assert_false(readable(fd, 0));
    IT_OK(tern_close(sv->s, s, 0, NULL, false));
    it_inst_del(cl);
    it_inst_del(sv);
}

/* tern.h: in manual mode the descriptor is also readable "while network
 * work is due, so an application can sleep in its own poll/epoll and then
 * call tern_sockets_poll". */
static void test_fd_manual_mode(void **state)
{
    (void)state;
    it_inst *sv = it_inst_new("server(manual)", true);
    it_inst *cl = it_inst_new("client", false);
    tern_addr addr;
    uint32_t l = it_listen(sv, 0, NULL, &addr), c, s;
    it_connect(cl, sv, l, &addr, 0, NULL, &c, &s);
    it_wait_acked(cl, c);
    drain(sv, s);
    int fd = tern_sockets_fd(sv->s);
    assert_true(fd >= 0);

    IT_OK(tern_send(cl->s, c, "wake", 4, TERN_SEND_RELIABLE | TERN_SEND_NO_NAGLE, NULL));
    /* The datagram sits in the server's socket: network work is due. */
    bool woke = becomes_readable(fd);
    tern_message *m = NULL;
    IT_WAIT(tern_receive(sv->s, s, &m, 1) == 1, "the message, pumped by tern_wait");
    assert_memory_equal(m->data, "wake", 4);
    tern_message_release(m);
    if (!woke)
        fail_msg("manual mode: tern_sockets_fd did not become readable while a datagram was "
                 "waiting (network work due)");
    IT_OK(tern_close(cl->s, c, 0, NULL, false));
    IT_OK(tern_close(sv->s, s, 0, NULL, false));
    it_inst_del(cl);
    it_inst_del(sv);
}

static void test_wait(void **state)
{
    (void)state;
    it_inst *sv = it_inst_new("server", false);
    it_inst *cl = it_inst_new("client(manual)", true);
    tern_addr addr;
    uint32_t l = it_listen(sv, 0, NULL, &addr);
    sv->auto_accept = true;
    uint32_t c = 0;
    IT_OK(tern_connect_ip(cl->s, &addr, 0, NULL, &c));
    /* tern_wait alone drives a manual instance through the handshake. */
    int64_t dl = it_now_ms() + it_timeout_ms();
    while (!it_find_ev(cl, c, TERN_STATE_CONNECTED)) {
        if (it_now_ms() > dl) fail_msg("manual client never connected through tern_wait");
        int r = tern_wait(cl->s, 20);
        assert_true(r == TERN_OK || r == TERN_TIMEOUT);
        tern_run_callbacks(cl->s);
        tern_run_callbacks(sv->s);
    }
    assert_int_equal(sv->accepted, 1);
    uint32_t s = sv->ev[0].conn;
    (void)l;
    IT_WAIT(it_find_ev(sv, s, TERN_STATE_CONNECTED), "server connected");
    drain(sv, s);

    /* Thread mode: TERN_OK as soon as a message waits. */
    IT_OK(tern_send(cl->s, c, "x", 1, TERN_SEND_RELIABLE | TERN_SEND_NO_NAGLE, NULL));
    dl = it_now_ms() + it_timeout_ms();
    int r;
    while ((r = tern_wait(sv->s, 50)) != TERN_OK) {
        IT_RES(r, TERN_TIMEOUT);
        if (it_now_ms() > dl) fail_msg("tern_wait never reported the message");
        r = tern_wait(cl->s, 0); /* keep the manual client's timers running */
        assert_true(r == TERN_OK || r == TERN_TIMEOUT);
    }
    tern_message *m = NULL;
    assert_int_equal(tern_receive(sv->s, s, &m, 1), 1);
    tern_message_release(m);
    IT_OK(tern_close(cl->s, c, 0, NULL, false));
    IT_OK(tern_close(sv->s, s, 0, NULL, false));
    it_inst_del(cl);
    it_inst_del(sv);
}

/* tern.h: "In manual mode it also does the network work." It must do so
 * even while an unrelated message is already waiting. */
static void test_wait_manual_does_network_work(void **state)
{
    (void)state;
    tern_sockets_config cfg;
    tern_sockets_config_default(&cfg);
    cfg.manual_mode = 1;
    tern_sockets *s;
    IT_OK(tern_sockets_new(&cfg, &s));
    uint32_t pa, pb, na, nb;
    IT_OK(tern_socket_pair(s, &pa, &pb, false, NULL, NULL));
    IT_OK(tern_socket_pair(s, &na, &nb, true, NULL, NULL));
    IT_OK(tern_send(s, pa, "unread", 6, TERN_SEND_RELIABLE, NULL)); /* waits on pb */
    IT_OK(tern_send(s, na, "net", 3, TERN_SEND_RELIABLE | TERN_SEND_NO_NAGLE, NULL));
    tern_message *m = NULL;
    int64_t dl = it_now_ms() + it_timeout_ms();
    while (tern_receive(s, nb, &m, 1) == 0) {
        if (it_now_ms() > dl) {
            tern_sockets_del(s);
            fail_msg("manual mode: tern_wait returned at once (a message waits on another "
                     "connection) and never did the network work");
        }
        int r = tern_wait(s, 10);
        assert_true(r == TERN_OK || r == TERN_TIMEOUT);
    }
    assert_memory_equal(m->data, "net", 3);
    tern_message_release(m);
    tern_sockets_del(s);
}

static void test_del_client_with_open_connections(void **state)
{
    (void)state;
    it_inst *sv = it_inst_new("server", false);
    it_inst *cl = it_inst_new("client", false);
    tern_addr addr;
    uint32_t l = it_listen(sv, 0, NULL, &addr), c1, s1, c2, s2;
    it_connect(cl, sv, l, &addr, 0, NULL, &c1, &s1);
    it_connect(cl, sv, l, &addr, 0, NULL, &c2, &s2);
    /* Extra objects that deletion must free: a poll group, a listen socket,
     * an outbound connection still connecting, messages held by the app. */
    uint32_t g;
    IT_OK(tern_pollgroup_new(cl->s, &g));
    IT_OK(tern_set_pollgroup(cl->s, c2, g));
    tern_addr a2;
    it_listen(cl, 0, NULL, &a2);
    uint32_t dangling; /* to its own listen socket: never accepted */
    IT_OK(tern_connect_ip(cl->s, &a2, 0, NULL, &dangling));
    uint8_t big[5000];
    it_fill(big, sizeof big, 77);
    IT_OK(tern_send(sv->s, s1, big, sizeof big, TERN_SEND_RELIABLE, NULL));
    tern_message *held = NULL;
    it_recv_n(cl, c1, &held, 1);
    IT_OK(tern_send(sv->s, s2, "queued", 6, TERN_SEND_RELIABLE, NULL)); /* left unread */
    it_wait_acked(sv, s2);

    it_inst_del(cl);
    /* The held message outlives its instance. */
    assert_int_equal(held->size, (int)sizeof big);
    assert_true(it_check(held->data, sizeof big, 77));
    tern_message_release(held);

    it_wait_closed_by_peer(sv, s1, TERN_END_SHUTDOWN, "SteamNetworkingSockets shutdown");
    it_wait_closed_by_peer(sv, s2, TERN_END_SHUTDOWN, "SteamNetworkingSockets shutdown");
    IT_OK(tern_close(sv->s, s1, 0, NULL, false));
    IT_OK(tern_close(sv->s, s2, 0, NULL, false));
    it_inst_del(sv);
}

/* The server instance goes away under its client. */
static void test_del_server_with_open_connections(void **state)
{
    (void)state;
    it_inst *sv = it_inst_new("server", false);
    it_inst *cl = it_inst_new("client", false);
    tern_addr addr;
    uint32_t l = it_listen(sv, 0, NULL, &addr), c1, s1;
    it_connect(cl, sv, l, &addr, 0, NULL, &c1, &s1);
    it_inst_del(sv);
    it_wait_closed_by_peer(cl, c1, TERN_END_SHUTDOWN, "SteamNetworkingSockets shutdown");
    IT_RES(tern_send(cl->s, c1, "x", 1, TERN_SEND_RELIABLE, NULL), TERN_NO_CONNECTION);
    it_inst_del(cl); /* with a closed-by-peer connection still open */
}

/* Two instances in one process, each listening and each connecting to the
 * other: four connections, messages both ways on each. */
static void test_two_instances(void **state)
{
    (void)state;
    it_inst *a = it_inst_new("A", false);
    it_inst *b = it_inst_new("B", false);
    tern_addr aa, ba;
    uint32_t la = it_listen(a, 0, NULL, &aa), lb = it_listen(b, 0, NULL, &ba);
    uint32_t ab_c, ab_s, ba_c, ba_s; /* A->B: client on A, server end on B */
    it_connect(a, b, lb, &ba, 0, NULL, &ab_c, &ab_s);
    it_connect(b, a, la, &aa, 0, NULL, &ba_c, &ba_s);
    struct {
        it_inst *from, *to;
        uint32_t fc, tc;
    } legs[4] = {{a, b, ab_c, ab_s}, {b, a, ab_s, ab_c}, {b, a, ba_c, ba_s}, {a, b, ba_s, ba_c}};
    enum { N = 200 };
    for (int k = 0; k < 4; k++)
        for (uint32_t i = 0; i < N; i++) {
            uint8_t buf[300];
            it_fill(buf, sizeof buf, i * 4 + (uint32_t)k);
            IT_OK(
                tern_send(legs[k].from->s, legs[k].fc, buf, sizeof buf, TERN_SEND_RELIABLE, NULL));
        }
    for (int k = 0; k < 4; k++) {
        tern_message *m[N];
        it_recv_n(legs[k].to, legs[k].tc, m, N);
        for (int i = 0; i < N; i++) {
            assert_int_equal(m[i]->conn, legs[k].tc);
            assert_true(it_check(m[i]->data, 300, (uint32_t)i * 4 + (uint32_t)k));
        }
        it_release_all(m, N);
    }
    it_inst_del(a);
    it_inst_del(b);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        IT_TEST(test_new_defaults),
        IT_TEST(test_new_errors),
        IT_TEST(test_manual_mode),
        IT_TEST(test_fd_thread_mode),
        IT_TEST(test_fd_manual_mode),
        IT_TEST(test_wait),
        IT_TEST(test_wait_manual_does_network_work),
        IT_TEST(test_del_client_with_open_connections),
        IT_TEST(test_del_server_with_open_connections),
        IT_TEST(test_two_instances),
    };
    return IT_MAIN(tests);
}
