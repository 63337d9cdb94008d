/* 1000 client connections (each with its own UDP socket) to one server in
 * one process: all connect, each sends one message and gets it echoed, all
 * close, and the server sees every close. Both instances run their service
 * threads; the server accepts from its status callback into a poll group. */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "itest.h"

enum { N = 1000 };

static size_t count_state(const it_inst *in, int state)
{
    size_t n = 0;
    for (size_t i = 0; i < in->nev; i++) n += in->ev[i].state == state;
    return n;
}

static void raise_nofile(rlim_t want)
{
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur >= want) return;
    rl.rlim_cur = want;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) rl.rlim_max = want;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        fail_msg("cannot raise RLIMIT_NOFILE to %lu: the test needs ~%d descriptors",
                 (unsigned long)want, N + 100);
}

static void test_thousand_connections(void **state)
{
    (void)state;
    raise_nofile(4096);
    int64_t t0 = it_now_ms();
    it_inst *sv = it_inst_new("server", false);
    it_inst *cl = it_inst_new("clients", false);
    uint32_t sg, cg;
    IT_OK(tern_pollgroup_new(sv->s, &sg));
    IT_OK(tern_pollgroup_new(cl->s, &cg));
    sv->auto_accept = true;
    sv->auto_group = sg;
    tern_addr addr;
    it_listen(sv, 0, NULL, &addr);

    static uint32_t c[N];
    for (int i = 0; i < N; i++) {
        IT_OK(tern_connect_ip(cl->s, &addr, 0, NULL, &c[i]));
        IT_OK(tern_set_user_data(cl->s, c[i], i));
        IT_OK(tern_set_pollgroup(cl->s, c[i], cg));
        if (i % 50 == 49) it_pump(0); /* let the server accept as they come */
    }
    IT_WAIT(sv->accepted == N && count_state(cl, TERN_STATE_CONNECTED) == N,
            "1000 connections accepted and connected");
    int64_t t1 = it_now_ms();
    assert_int_equal(count_state(cl, TERN_STATE_PROBLEM), 0);
    assert_int_equal(count_state(cl, TERN_STATE_CLOSED_BY_PEER), 0);

    for (int i = 0; i < N; i++) {
        uint32_t v = (uint32_t)i;
        IT_OK(tern_send(cl->s, c[i], &v, sizeof v, TERN_SEND_RELIABLE, NULL));
    }
    /* The server echoes whatever arrives on the connection it came from. */
    static bool echoed[N], back[N];
    int nechoed = 0, nback = 0;
    int64_t dl = it_now_ms() + it_timeout_ms() * 2;
    while (nback < N) {
        tern_message *m[64];
        int n = tern_receive_pollgroup(sv->s, sg, m, 64);
        assert_true(n >= 0);
        for (int k = 0; k < n; k++) {
            uint32_t v;
            assert_int_equal(m[k]->size, 4);
            memcpy(&v, m[k]->data, 4);
            assert_true(v < N);
            if (echoed[v]) fail_msg("client %u's message arrived twice", v);
            echoed[v] = true;
            nechoed++;
            IT_OK(tern_send(sv->s, m[k]->conn, &v, sizeof v, TERN_SEND_RELIABLE, NULL));
        }
        it_release_all(m, n);
        n = tern_receive_pollgroup(cl->s, cg, m, 64);
        assert_true(n >= 0);
        for (int k = 0; k < n; k++) {
            uint32_t v;
            memcpy(&v, m[k]->data, 4);
            assert_true(v < N);
            /* back on the connection that sent it, with its user data */
            assert_int_equal(m[k]->conn, c[v]);
            assert_int_equal(m[k]->conn_user_data, v);
            if (back[v]) fail_msg("echo for client %u arrived twice", v);
            back[v] = true;
            nback++;
        }
        it_release_all(m, n);
        if (it_now_ms() > dl)
            fail_msg("echoes: %d sent back by the server, %d received", nechoed, nback);
        it_pump(1);
    }
    int64_t t2 = it_now_ms();

    for (int i = 0; i < N; i++) IT_OK(tern_close(cl->s, c[i], 1042, "scale done", false));
    IT_WAIT(count_state(sv, TERN_STATE_CLOSED_BY_PEER) == N, "the server seeing 1000 closes");
    for (size_t i = 0; i < sv->nev; i++)
        if (sv->ev[i].state == TERN_STATE_CLOSED_BY_PEER) {
            assert_int_equal(sv->ev[i].end_reason, 1042);
            IT_OK(tern_close(sv->s, sv->ev[i].conn, 0, NULL, false));
        }
    int64_t t3 = it_now_ms();
    it_inst_del(cl);
    it_inst_del(sv);
    int64_t t4 = it_now_ms();
    fprintf(stderr,
            "scale: %d connections: connect %lld ms, echo %lld ms, close %lld ms, teardown %lld "
            "ms, total %lld ms\n",
            N, (long long)(t1 - t0), (long long)(t2 - t1), (long long)(t3 - t2),
            (long long)(t4 - t3), (long long)(t4 - t0));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        IT_TEST(test_thousand_connections),
    };
    return IT_MAIN(tests);
}
