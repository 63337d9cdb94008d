/* Poll groups over loopback UDP: create and delete, receiving across
 * connections, moving a connection with messages waiting, bad handles. */
#include <string.h>

#include "itest.h"

enum { NCONN = 3 };

typedef struct world {
    it_inst *sv, *cl;
    uint32_t l;
    tern_addr addr;
    uint32_t c[NCONN], s[NCONN];
} world;

static void world_open(world *w)
{
    w->sv = it_inst_new("server", false);
    w->cl = it_inst_new("client", false);
    w->l = it_listen(w->sv, 0, NULL, &w->addr);
    for (int i = 0; i < NCONN; i++)
        it_connect(w->cl, w->sv, w->l, &w->addr, 0, NULL, &w->c[i], &w->s[i]);
}

static void world_close(world *w)
{
    it_inst_del(w->cl);
    it_inst_del(w->sv);
}

/* Message k of connection i carries (i, k). */
static void send_n(world *w, int i, int n, int from)
{
    for (int k = from; k < from + n; k++) {
        uint8_t b[8] = {(uint8_t)i, (uint8_t)k, (uint8_t)(k >> 8)};
        IT_OK(tern_send(w->cl->s, w->c[i], b, sizeof b, TERN_SEND_RELIABLE, NULL));
    }
}

static int conn_index(const world *w, uint32_t server_conn)
{
    for (int i = 0; i < NCONN; i++)
        if (w->s[i] == server_conn) return i;
    fail_msg("message from unknown connection %u", server_conn);
    return -1;
}

/* Receive |want| messages from |g| and check per-connection order. */
static void recv_group(world *w, uint32_t g, int want, int *next)
{
    tern_message *m[64];
    int got = 0;
    int64_t dl = it_now_ms() + it_timeout_ms();
    while (got < want) {
        int n = tern_receive_pollgroup(w->sv->s, g, m, want - got < 64 ? want - got : 64);
        if (n < 0) fail_msg("tern_receive_pollgroup: %d", n);
        for (int j = 0; j < n; j++) {
            int i = conn_index(w, m[j]->conn);
            const uint8_t *d = m[j]->data;
            assert_int_equal(d[0], i);
            int k = d[1] | d[2] << 8;
            if (k != next[i]) fail_msg("conn %d: message %d, expected %d", i, k, next[i]);
            next[i]++;
        }
        it_release_all(m, n);
        got += n;
        if (got < want) {
            if (it_now_ms() > dl) fail_msg("poll group: %d of %d messages", got, want);
            it_pump(2);
        }
    }
}

static void test_create_delete_bad_handles(void **state)
{
    (void)state;
    it_inst *in = it_inst_new("inst", false);
    uint32_t g1, g2;
    IT_OK(tern_pollgroup_new(in->s, &g1));
    IT_OK(tern_pollgroup_new(in->s, &g2));
    assert_int_not_equal(g1, 0);
    assert_int_not_equal(g1, g2);
    IT_RES(tern_pollgroup_new(in->s, NULL), TERN_INVALID_PARAM);
    IT_RES(tern_pollgroup_new(NULL, &g1), TERN_INVALID_PARAM);
    tern_message *m[4];
    assert_int_equal(tern_receive_pollgroup(in->s, g1, m, 4), 0);
    assert_int_equal(tern_receive_pollgroup(in->s, g1, m, -1), -TERN_INVALID_PARAM);
    assert_int_equal(tern_receive_pollgroup(in->s, g1, NULL, 4), -TERN_INVALID_PARAM);
    assert_int_equal(tern_receive_pollgroup(in->s, 0, m, 4), -TERN_BAD_HANDLE);
    assert_int_equal(tern_receive_pollgroup(NULL, g1, m, 4), -TERN_INVALID_PARAM);
    IT_OK(tern_pollgroup_del(in->s, g1));
    IT_RES(tern_pollgroup_del(in->s, g1), TERN_BAD_HANDLE);
    IT_RES(tern_pollgroup_del(in->s, 0), TERN_BAD_HANDLE);
    assert_int_equal(tern_receive_pollgroup(in->s, g1, m, 4), -TERN_BAD_HANDLE);

    uint32_t a, b;
    IT_OK(tern_socket_pair(in->s, &a, &b, false, NULL, NULL));
    IT_RES(tern_set_pollgroup(in->s, a, g1), TERN_BAD_HANDLE); /* deleted group */
    IT_RES(tern_set_pollgroup(in->s, 0, g2), TERN_BAD_HANDLE);
    IT_RES(tern_set_pollgroup(in->s, a, 0x80001234u), TERN_BAD_HANDLE);
    IT_OK(tern_set_pollgroup(in->s, a, g2));
    IT_OK(tern_set_pollgroup(in->s, a, g2)); /* again: no change */
    IT_OK(tern_set_pollgroup(in->s, a, 0));  /* detach */
    IT_OK(tern_set_pollgroup(in->s, a, 0));
    IT_OK(tern_pollgroup_del(in->s, g2));
    it_inst_del(in);
}

static void test_receive_across_connections(void **state)
{
    (void)state;
    world w;
    world_open(&w);
    uint32_t g;
    IT_OK(tern_pollgroup_new(w.sv->s, &g));
    for (int i = 0; i < NCONN; i++) IT_OK(tern_set_pollgroup(w.sv->s, w.s[i], g));
    enum { PER = 200 };
    for (int i = 0; i < NCONN; i++) send_n(&w, i, PER, 0);
    int next[NCONN] = {0};
    recv_group(&w, g, NCONN * PER, next);
    for (int i = 0; i < NCONN; i++) assert_int_equal(next[i], PER);
    /* What the group delivered is gone from the connections too. */
    tern_message *m;
    for (int i = 0; i < NCONN; i++) assert_int_equal(tern_receive(w.sv->s, w.s[i], &m, 1), 0);

    /* Receiving on a member connection directly takes from the group too. */
    send_n(&w, 0, 5, PER);
    it_wait_acked(w.cl, w.c[0]);
    tern_message *mm[5];
    assert_int_equal(tern_receive(w.sv->s, w.s[0], mm, 2), 2);
    it_release_all(mm, 2);
    next[0] = PER + 2;
    recv_group(&w, g, 3, next);
    world_close(&w);
}

/* Messages already waiting on a connection move with it, in order. */
static void test_move_with_queued_messages(void **state)
{
    (void)state;
    world w;
    world_open(&w);
    uint32_t g1, g2;
    IT_OK(tern_pollgroup_new(w.sv->s, &g1));
    IT_OK(tern_pollgroup_new(w.sv->s, &g2));
    send_n(&w, 0, 50, 0);
    send_n(&w, 1, 30, 0);
    it_wait_acked(w.cl, w.c[0]);
    it_wait_acked(w.cl, w.c[1]);
    /* Acknowledged means delivered into the connection's queue. */
    IT_OK(tern_set_pollgroup(w.sv->s, w.s[0], g1));
    IT_OK(tern_set_pollgroup(w.sv->s, w.s[1], g1));
    int next[NCONN] = {0};
    recv_group(&w, g1, 20, next); /* some of them */
    /* conn 0 moves to g2 with the rest of its messages */
    IT_OK(tern_set_pollgroup(w.sv->s, w.s[0], g2));
    int left0 = 50 - next[0], left1 = 30 - next[1];
    int n2[NCONN] = {next[0], next[1], 0};
    recv_group(&w, g2, left0, n2);
    assert_int_equal(n2[0], 50);
    recv_group(&w, g1, left1, next);
    assert_int_equal(next[1], 30);
    tern_message *m[4];
    assert_int_equal(tern_receive_pollgroup(w.sv->s, g1, m, 4), 0);
    assert_int_equal(tern_receive_pollgroup(w.sv->s, g2, m, 4), 0);

    /* Detaching leaves the messages on the connection. */
    send_n(&w, 2, 10, 0);
    IT_OK(tern_set_pollgroup(w.sv->s, w.s[2], g1));
    it_wait_acked(w.cl, w.c[2]);
    IT_OK(tern_set_pollgroup(w.sv->s, w.s[2], 0));
    assert_int_equal(tern_receive_pollgroup(w.sv->s, g1, m, 4), 0);
    tern_message *q[10];
    it_recv_n(w.sv, w.s[2], q, 10);
    for (int k = 0; k < 10; k++) assert_int_equal(((const uint8_t *)q[k]->data)[1], k);
    it_release_all(q, 10);

    /* Deleting a group detaches its members; their messages stay. */
    send_n(&w, 1, 4, 30);
    it_wait_acked(w.cl, w.c[1]);
    IT_OK(tern_pollgroup_del(w.sv->s, g1));
    it_recv_n(w.sv, w.s[1], q, 4);
    for (int k = 0; k < 4; k++) assert_int_equal(((const uint8_t *)q[k]->data)[1], 30 + k);
    it_release_all(q, 4);
    /* Closing a member drops its messages from the group. */
    send_n(&w, 0, 6, 50);
    it_wait_acked(w.cl, w.c[0]);
    IT_OK(tern_close(w.sv->s, w.s[0], 0, NULL, false));
    assert_int_equal(tern_receive_pollgroup(w.sv->s, g2, m, 4), 0);
    world_close(&w);
}

/* Accepted connections put straight into a group from the status
 * callback; a client's events, messages and close through the group. */
static void test_group_from_callback(void **state)
{
    (void)state;
    it_inst *sv = it_inst_new("server", false);
    it_inst *cl = it_inst_new("client", false);
    uint32_t g;
    IT_OK(tern_pollgroup_new(sv->s, &g));
    sv->auto_accept = true;
    sv->auto_group = g;
    tern_addr addr;
    it_listen(sv, 0, NULL, &addr);
    uint32_t c[4];
    for (int i = 0; i < 4; i++) IT_OK(tern_connect_ip(cl->s, &addr, 0, NULL, &c[i]));
    for (int i = 0; i < 4; i++) it_wait_ev(cl, c[i], TERN_STATE_CONNECTED);
    for (int i = 0; i < 4; i++) {
        IT_OK(tern_set_user_data(cl->s, c[i], i));
        uint8_t b = (uint8_t)i;
        IT_OK(tern_send(cl->s, c[i], &b, 1, TERN_SEND_RELIABLE, NULL));
    }
    tern_message *m[4];
    int got = 0;
    IT_WAIT((got += tern_receive_pollgroup(sv->s, g, m + got, 4 - got)) == 4, "4 messages");
    bool seen[4] = {false};
    for (int i = 0; i < 4; i++) {
        uint8_t b = *(const uint8_t *)m[i]->data;
        assert_true(b < 4 && !seen[b]);
        seen[b] = true;
        /* answer on the connection the message came from */
        IT_OK(tern_send(sv->s, m[i]->conn, &b, 1, TERN_SEND_RELIABLE, NULL));
    }
    it_release_all(m, 4);
    for (int i = 0; i < 4; i++) {
        it_recv_n(cl, c[i], m, 1);
        assert_int_equal(*(const uint8_t *)m[0]->data, i);
        assert_int_equal(m[0]->conn_user_data, i);
        tern_message_release(m[0]);
    }
    it_inst_del(cl);
    it_inst_del(sv);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        IT_TEST(test_create_delete_bad_handles),
        IT_TEST(test_receive_across_connections),
        IT_TEST(test_move_with_queued_messages),
        IT_TEST(test_group_from_callback),
    };
    return IT_MAIN(tests);
}
