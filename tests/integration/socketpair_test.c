/* Socket pairs, both kinds: an in-process pipe and real loopback UDP with
 * the whole protocol. Messages both ways, close propagation, identities,
 * descriptions and flags as tern.h and API.md §3 #20 document. */
#include <stdio.h>
#include <string.h>

#include "itest.h"

static void exchange(it_inst *in, uint32_t a, uint32_t b, int n, uint32_t size)
{
    static uint8_t buf[200000];
    static tern_message *m[2000];
    assert_true(size <= sizeof buf && n <= 2000);
    for (int dir = 0; dir < 2; dir++) {
        uint32_t from = dir ? b : a, to = dir ? a : b;
        for (int i = 0; i < n; i++) {
            it_fill(buf, size, (uint32_t)(i * 2 + dir));
            int64_t num = 0;
            int r;
            int64_t dl = it_now_ms() + it_timeout_ms();
            while ((r = tern_send(in->s, from, buf, size, TERN_SEND_RELIABLE, &num)) ==
                   TERN_LIMIT_EXCEEDED) {
                if (it_now_ms() > dl) fail_msg("send buffer never drained");
                it_pump(1);
            }
            IT_OK(r);
        }
        it_recv_n(in, to, m, n);
        for (int i = 0; i < n; i++) {
            assert_int_equal(m[i]->conn, to);
            assert_int_equal(m[i]->size, (int)size);
            assert_true(it_check(m[i]->data, size, (uint32_t)(i * 2 + dir)));
            assert_int_equal(m[i]->flags, TERN_SEND_RELIABLE);
        }
        it_release_all(m, n);
    }
}

static void check_pair_basics(bool network)
{
    it_inst *in = it_inst_new(network ? "netpair" : "pipe", false);
    uint32_t a = 7, b = 7;
    IT_RES(tern_socket_pair(in->s, NULL, &b, network, NULL, NULL), TERN_INVALID_PARAM);
    IT_RES(tern_socket_pair(in->s, &a, NULL, network, NULL, NULL), TERN_INVALID_PARAM);
    IT_RES(tern_socket_pair(NULL, &a, &b, network, NULL, NULL), TERN_INVALID_PARAM);
    IT_OK(tern_socket_pair(in->s, &a, &b, network, NULL, NULL));
    assert_int_not_equal(a, 0);
    assert_int_not_equal(b, 0);
    assert_int_not_equal(a, b);
    /* No status changes for their creation. */
    tern_run_callbacks(in->s);
    assert_int_equal(in->nev, 0);

    tern_conn_info ia, ib;
    IT_OK(tern_get_info(in->s, a, &ia));
    IT_OK(tern_get_info(in->s, b, &ib));
    assert_int_equal(ia.state, TERN_STATE_CONNECTED);
    assert_int_equal(ib.state, TERN_STATE_CONNECTED);
    assert_int_equal(ia.listen_socket, 0);
    /* NULL identities mean localhost. */
    assert_true(tern_identity_is_localhost(&ia.identity_remote));
    assert_true(tern_identity_is_localhost(&ib.identity_remote));
    char want[160];
    if (network) {
        snprintf(want, sizeof want, "#%u UDP 127.0.0.1:%u", a, ia.addr_remote.port);
        assert_string_equal(ia.description, want);
        assert_true(tern_addr_is_localhost(&ia.addr_remote));
        assert_int_not_equal(ia.addr_remote.port, ib.addr_remote.port);
        assert_int_equal(ia.flags, TERN_INFO_UNAUTHENTICATED | TERN_INFO_FAST);
        assert_int_equal(ib.flags, TERN_INFO_UNAUTHENTICATED | TERN_INFO_FAST);
    } else {
        snprintf(want, sizeof want, "#%u pipe", a);
        assert_string_equal(ia.description, want);
        assert_int_equal(ia.flags, TERN_INFO_LOOPBACK_BUFFERS | TERN_INFO_FAST);
        assert_int_equal(ib.flags, TERN_INFO_LOOPBACK_BUFFERS | TERN_INFO_FAST);
        tern_realtime_status st;
        IT_OK(tern_get_status(in->s, a, &st, 0, NULL));
        assert_int_equal(st.ping_ms, 0);
        assert_int_equal(st.send_rate, 104857600);
    }

    exchange(in, a, b, 2000, 300);
    exchange(in, a, b, 3, 150000);
    /* unreliable and empty messages */
    IT_OK(tern_send(in->s, a, NULL, 0, TERN_SEND_RELIABLE, NULL));
    IT_OK(tern_send(in->s, a, "u", 1, TERN_SEND_UNRELIABLE, NULL));
    IT_OK(tern_send(in->s, a, "r", 1, TERN_SEND_RELIABLE, NULL));
    tern_message *m[3];
    int n = 0;
    IT_WAIT((n += tern_receive(in->s, b, m + n, 3 - n)) == 3 ||
                (n == 2 && m[1]->size == 1 && *(const char *)m[1]->data == 'r' &&
                 m[1]->flags == TERN_SEND_RELIABLE),
            "the empty, unreliable and reliable messages");
    assert_int_equal(m[0]->size, 0);
    it_release_all(m, n);
    /* 512 KiB is the limit on pipes too (tern.h) */
    static uint8_t big[512 * 1024 + 1];
    IT_RES(tern_send(in->s, a, big, sizeof big, TERN_SEND_RELIABLE, NULL), TERN_MSG_TOO_BIG);

    /* Close one end: the other sees ClosedByPeer with the same reason. */
    IT_OK(tern_close(in->s, a, 0, NULL, false));
    tern_run_callbacks(in->s);
    const it_ev *e = it_find_ev(in, a, TERN_STATE_NONE);
    assert_non_null(e);
    assert_int_equal(e->old_state, TERN_STATE_CONNECTED);
    assert_int_equal(e->end_reason, 1000);
    assert_string_equal(e->debug, "Application closed connection");
    it_wait_closed_by_peer(in, b, 1000, "Application closed connection");
    IT_RES(tern_send(in->s, b, "x", 1, TERN_SEND_RELIABLE, NULL), TERN_NO_CONNECTION);
    IT_RES(tern_send(in->s, a, "x", 1, TERN_SEND_RELIABLE, NULL), TERN_BAD_HANDLE);
    IT_OK(tern_close(in->s, b, 0, NULL, false));
    tern_run_callbacks(in->s);
    e = it_find_ev(in, b, TERN_STATE_NONE);
    assert_non_null(e);
    assert_int_equal(e->old_state, TERN_STATE_CLOSED_BY_PEER);
    it_inst_del(in);
}

static void test_pipe_pair(void **state)
{
    (void)state;
    check_pair_basics(false);
}

static void test_network_pair(void **state)
{
    (void)state;
    check_pair_basics(true);
}

/* id1 is the remote identity connection 1 sees (the local identity of
 * connection 2), and the reverse for id2; messages carry the sender. */
static void check_identities(bool network)
{
    it_inst *in = it_inst_new("ids", false);
    tern_identity id1, id2;
    tern_identity_clear(&id1);
    tern_identity_clear(&id2);
    assert_true(tern_identity_set_generic_string(&id1, "one"));
    tern_identity_set_steam_id(&id2, 76561197960265729ull);
    uint32_t a, b;
    IT_OK(tern_socket_pair(in->s, &a, &b, network, &id1, &id2));
    tern_conn_info ia, ib;
    IT_OK(tern_get_info(in->s, a, &ia));
    IT_OK(tern_get_info(in->s, b, &ib));
    char s1[TERN_IDENTITY_STRLEN], s2[TERN_IDENTITY_STRLEN];
    tern_identity_to_string(&ia.identity_remote, s1, sizeof s1);
    tern_identity_to_string(&ib.identity_remote, s2, sizeof s2);
    if (!tern_identity_equal(&ia.identity_remote, &id1) ||
        !tern_identity_equal(&ib.identity_remote, &id2))
        fail_msg("%s pair: conn1 sees %s, conn2 sees %s; expected str:one and steamid:...",
                 network ? "network" : "pipe", s1, s2);
    if (network) {
        char want[200];
        snprintf(want, sizeof want, "#%u UDP str:one@127.0.0.1:%u", a, ia.addr_remote.port);
        assert_string_equal(ia.description, want);
    }
    IT_OK(tern_send(in->s, a, "to b", 4, TERN_SEND_RELIABLE, NULL));
    IT_OK(tern_send(in->s, b, "to a", 4, TERN_SEND_RELIABLE, NULL));
    tern_message *m;
    it_recv_n(in, b, &m, 1);
    assert_true(tern_identity_equal(&m->peer, &id2)); /* b's peer is a */
    tern_message_release(m);
    it_recv_n(in, a, &m, 1);
    assert_true(tern_identity_equal(&m->peer, &id1));
    tern_message_release(m);
    it_inst_del(in);
}

static void test_pipe_identities(void **state)
{
    (void)state;
    check_identities(false);
}

static void test_network_identities(void **state)
{
    (void)state;
    check_identities(true);
}

/* Pairs in a manual-mode instance, many of them, closed with the
 * instance still holding some. */
static void test_many_pairs_manual(void **state)
{
    (void)state;
    it_inst *in = it_inst_new("manual", true);
    enum { N = 20 };
    uint32_t a[N], b[N];
    for (int i = 0; i < N; i++)
        IT_OK(tern_socket_pair(in->s, &a[i], &b[i], (i & 1) != 0, NULL, NULL));
    for (int i = 0; i < N; i++) {
        uint8_t v = (uint8_t)i;
        IT_OK(tern_send(in->s, a[i], &v, 1, TERN_SEND_RELIABLE, NULL));
    }
    for (int i = 0; i < N; i++) {
        tern_message *m;
        it_recv_n(in, b[i], &m, 1);
        assert_int_equal(*(const uint8_t *)m->data, i);
        tern_message_release(m);
    }
    for (int i = 0; i < N; i += 2) IT_OK(tern_close(in->s, a[i], 1234, "half", false));
    for (int i = 0; i < N; i += 2) it_wait_closed_by_peer(in, b[i], 1234, "half");
    it_inst_del(in);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        IT_TEST(test_pipe_pair),         IT_TEST(test_network_pair),
        IT_TEST(test_pipe_identities),   IT_TEST(test_network_identities),
        IT_TEST(test_many_pairs_manual),
    };
    return IT_MAIN(tests);
}
