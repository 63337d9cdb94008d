/* Messages over loopback UDP: reliable order and exactly-once, unreliable,
 * zero-byte and maximum sizes, every documented send error, lanes, batches,
 * flushing, user data and names, info and status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

#define MAX_MSG (512 * 1024)

typedef struct pair {
    it_inst *sv, *cl;
    uint32_t l, c, s;
    tern_addr addr;
} pair;

/* A connected pair; the client is in manual mode when |manual_client|. */
static void pair_open(pair *p, bool manual_client, int nopts, const tern_config_value *opts)
{
    p->sv = it_inst_new("server", false);
    p->cl = it_inst_new(manual_client ? "client(manual)" : "client", manual_client);
    p->l = it_listen(p->sv, 0, NULL, &p->addr);
    it_connect(p->cl, p->sv, p->l, &p->addr, nopts, opts, &p->c, &p->s);
}

static void pair_close(pair *p)
{
    it_inst_del(p->cl);
    it_inst_del(p->sv);
}

/* The receiving side of a stream test: collects messages from |conn|. */
typedef struct sink {
    it_inst *in;
    uint32_t conn;
    tern_message **m;
    int n, cap;
} sink;

static void sink_poll(sink *k)
{
    if (k->n >= k->cap) return;
    int r = tern_receive(k->in->s, k->conn, k->m + k->n, k->cap - k->n);
    if (r < 0) fail_msg("tern_receive: %s", tern_result_str(-r));
    k->n += r;
}

/* Send, retrying while the send buffer is full (and draining |k| meanwhile,
 * so that a full receive queue cannot stall the sender). */
static int send_retry(it_inst *in, uint32_t conn, uint16_t lane, const void *d, uint32_t len,
                      int flags, int64_t *num, sink *k)
{
    int64_t dl = it_now_ms() + it_timeout_ms();
    for (;;) {
        int r = tern_send_lane(in->s, conn, lane, d, len, flags, num);
        if (r != TERN_LIMIT_EXCEEDED) return r;
        if (it_now_ms() > dl) fail_msg("send buffer never drained");
        it_pump(1);
        if (k) sink_poll(k);
    }
}

static int count_reliable(tern_message *const *m, int n)
{
    int r = 0;
    for (int i = 0; i < n; i++) r += m[i]->flags == TERN_SEND_RELIABLE;
    return r;
}

static void test_reliable_order(void **state)
{
    (void)state;
    pair p;
    pair_open(&p, false, 0, NULL);
    enum { N = 5000 };
    static tern_message *m[N];
    sink k = {p.sv, p.s, m, 0, N};
    uint8_t *buf = malloc(4000);
    tt_rng r;
    tt_rng_seed(&r, 11);
    static uint32_t len[N];
    for (uint32_t i = 0; i < N; i++) {
        len[i] = (uint32_t)tt_rng_below(&r, 4000);
        it_fill(buf, len[i], i);
        int64_t num = 0;
        IT_OK(send_retry(p.cl, p.c, 0, buf, len[i], TERN_SEND_RELIABLE, &num, &k));
        assert_int_equal(num, i + 1);
        sink_poll(&k);
    }
    free(buf);
    IT_WAIT((sink_poll(&k), k.n == N), "5000 reliable messages");
    tern_conn_info ci;
    IT_OK(tern_get_info(p.sv->s, p.s, &ci));
    for (int i = 0; i < N; i++) {
        if (m[i]->message_number != i + 1 || m[i]->size != (int)len[i] ||
            !it_check(m[i]->data, len[i], (uint32_t)i))
            fail_msg("message %d: number %lld, size %d (sent %u), payload %s", i,
                     (long long)m[i]->message_number, m[i]->size, len[i],
                     it_check(m[i]->data, (size_t)m[i]->size, (uint32_t)i) ? "ok" : "wrong");
        assert_int_equal(m[i]->conn, p.s);
        assert_int_equal(m[i]->flags, TERN_SEND_RELIABLE);
        assert_int_equal(m[i]->lane, 0);
        assert_int_equal(m[i]->channel, -1);
        assert_true(m[i]->time_received > 0);
        assert_true(tern_identity_equal(&m[i]->peer, &ci.identity_remote));
        if (i) assert_true(m[i]->time_received >= m[i - 1]->time_received);
    }
    it_release_all(m, N);
    /* Exactly once: nothing more is waiting once everything was acked. */
    it_wait_acked(p.cl, p.c);
    tern_message *extra;
    assert_int_equal(tern_receive(p.sv->s, p.s, &extra, 1), 0);
    pair_close(&p);
}

static void test_unreliable(void **state)
{
    (void)state;
    pair p;
    pair_open(&p, false, 0, NULL);
    enum { N = 300 };
    for (uint32_t i = 0; i < N; i++) {
        uint8_t buf[100];
        it_fill(buf, sizeof buf, i);
        buf[0] = (uint8_t)i;
        buf[1] = (uint8_t)(i >> 8);
        int64_t num = 0;
        IT_OK(send_retry(p.cl, p.c, 0, buf, sizeof buf, TERN_SEND_UNRELIABLE, &num, NULL));
        assert_int_equal(num, i + 1);
    }
    /* Larger than 16500 bytes: GNS sends it reliably, and so must we. */
    static uint8_t big[20000];
    it_fill(big, sizeof big, 4242);
    IT_OK(send_retry(p.cl, p.c, 0, big, sizeof big, TERN_SEND_UNRELIABLE, NULL, NULL));
    IT_OK(send_retry(p.cl, p.c, 0, "end", 3, TERN_SEND_RELIABLE, NULL, NULL));

    static tern_message *m[N + 2];
    int n = 0, reliable = 0;
    IT_WAIT((n += tern_receive(p.sv->s, p.s, m + n, N + 2 - n), reliable = count_reliable(m, n),
             reliable == 2),
            "the two reliable messages after the unreliable ones");
    static bool seen[N];
    int unrel = 0;
    for (int i = 0; i < n; i++) {
        if (m[i]->flags == TERN_SEND_RELIABLE) {
            assert_true(m[i]->size == 3 || m[i]->size == (int)sizeof big);
            if (m[i]->size == (int)sizeof big) assert_true(it_check(m[i]->data, sizeof big, 4242));
            continue;
        }
        assert_int_equal(m[i]->flags, 0);
        assert_int_equal(m[i]->size, 100);
        const uint8_t *d = m[i]->data;
        int idx = d[0] | d[1] << 8;
        assert_true(idx >= 0 && idx < N);
        /* at most once, and the number is the one the sender got */
        if (seen[idx]) fail_msg("unreliable message %d delivered twice", idx);
        seen[idx] = true;
        assert_int_equal(m[i]->message_number, idx + 1);
        unrel++;
    }
    it_log("unreliable: %d of %d arrived", unrel, N);
    assert_true(unrel > 0);
    it_release_all(m, n);
    pair_close(&p);
}

static void test_zero_byte(void **state)
{
    (void)state;
    pair p;
    pair_open(&p, false, 0, NULL);
    IT_OK(tern_send(p.cl->s, p.c, "a", 1, TERN_SEND_RELIABLE, NULL));
    IT_OK(tern_send(p.cl->s, p.c, NULL, 0, TERN_SEND_RELIABLE, NULL));
    IT_OK(tern_send(p.cl->s, p.c, "", 0, TERN_SEND_RELIABLE, NULL));
    IT_OK(tern_send(p.cl->s, p.c, NULL, 0, TERN_SEND_UNRELIABLE, NULL));
    IT_OK(tern_send(p.cl->s, p.c, "b", 1, TERN_SEND_RELIABLE, NULL));
    tern_message *m[5];
    int n = 0, rel = 0;
    IT_WAIT((n += tern_receive(p.sv->s, p.s, m + n, 5 - n), rel = count_reliable(m, n), rel == 4),
            "four reliable messages, two of them empty");
    int seq = 0;
    for (int i = 0; i < n; i++) {
        if (m[i]->flags != TERN_SEND_RELIABLE) {
            assert_int_equal(m[i]->size, 0);
            continue;
        }
        static const int sizes[] = {1, 0, 0, 1};
        assert_int_equal(m[i]->size, sizes[seq]);
        assert_int_equal(m[i]->message_number, seq < 3 ? seq + 1 : 5);
        seq++;
    }
    it_release_all(m, n);
    pair_close(&p);
}

static void test_max_size(void **state)
{
    (void)state;
    pair p;
    pair_open(&p, false, 0, NULL);
    uint8_t *buf = malloc(MAX_MSG + 1);
    it_fill(buf, MAX_MSG + 1, 99);
    IT_RES(tern_send(p.cl->s, p.c, buf, MAX_MSG + 1, TERN_SEND_RELIABLE, NULL), TERN_MSG_TOO_BIG);
    IT_RES(tern_send(p.cl->s, p.c, buf, MAX_MSG + 1, TERN_SEND_UNRELIABLE, NULL), TERN_MSG_TOO_BIG);
    IT_RES(tern_send(p.cl->s, p.c, buf, UINT32_MAX, TERN_SEND_RELIABLE, NULL), TERN_MSG_TOO_BIG);
    /* Exactly 512 KiB is allowed, on an idle connection with the default
     * send buffer (524288 bytes, as in GNS). */
    int64_t num = 0;
    IT_RES(tern_send(p.cl->s, p.c, buf, MAX_MSG, TERN_SEND_RELIABLE, &num), TERN_OK);
    assert_int_equal(num, 1);
    tern_message *m;
    it_recv_n(p.sv, p.s, &m, 1);
    assert_int_equal(m->size, MAX_MSG);
    assert_true(it_check(m->data, MAX_MSG, 99));
    tern_message_release(m);
    free(buf);
    pair_close(&p);
}

/* A full send buffer gives TERN_LIMIT_EXCEEDED. The client is in manual
 * mode so that nothing drains the buffer until the test pumps it. */
static void test_send_buffer_full(void **state)
{
    (void)state;
    pair p;
    tern_config_value o = it_opt_i32(TERN_CFG_SEND_BUFFER_SIZE, 4096);
    pair_open(&p, true, 1, &o);
    uint8_t buf[1000];
    int sent = 0, r = TERN_OK;
    for (int i = 0; i < 20 && r == TERN_OK; i++) {
        it_fill(buf, sizeof buf, (uint32_t)i);
        r = tern_send(p.cl->s, p.c, buf, sizeof buf, TERN_SEND_RELIABLE, NULL);
        if (r == TERN_OK) sent++;
    }
    IT_RES(r, TERN_LIMIT_EXCEEDED);
    assert_true(sent >= 3 && sent <= 4);
    IT_RES(tern_send(p.cl->s, p.c, buf, sizeof buf, TERN_SEND_UNRELIABLE, NULL),
           TERN_LIMIT_EXCEEDED);
    tern_realtime_status st;
    IT_OK(tern_get_status(p.cl->s, p.c, &st, 0, NULL));
    assert_true(st.pending_reliable >= sent * 1000);
    /* Once the queue drains, sending works again. */
    it_fill(buf, sizeof buf, (uint32_t)sent);
    IT_OK(send_retry(p.cl, p.c, 0, buf, sizeof buf, TERN_SEND_RELIABLE, NULL, NULL));
    sent++;
    tern_message *m[32];
    it_recv_n(p.sv, p.s, m, sent);
    for (int i = 0; i < sent; i++) assert_true(it_check(m[i]->data, 1000, (uint32_t)i));
    it_release_all(m, sent);
    pair_close(&p);
}

static void test_closed_and_bad_handles(void **state)
{
    (void)state;
    pair p;
    pair_open(&p, false, 0, NULL);
    it_inst *cl = p.cl;
    uint32_t c = p.c;
    /* bad handles and arguments */
    IT_RES(tern_send(cl->s, 0, "x", 1, TERN_SEND_RELIABLE, NULL), TERN_BAD_HANDLE);
    IT_RES(tern_send(cl->s, c ^ 0x5a5a0000u, "x", 1, TERN_SEND_RELIABLE, NULL), TERN_BAD_HANDLE);
    IT_RES(tern_send(NULL, c, "x", 1, TERN_SEND_RELIABLE, NULL), TERN_INVALID_PARAM);
    IT_RES(tern_send(cl->s, c, NULL, 5, TERN_SEND_RELIABLE, NULL), TERN_INVALID_PARAM);
    IT_RES(tern_send_lane(cl->s, c, 1, "x", 1, TERN_SEND_RELIABLE, NULL), TERN_INVALID_PARAM);
    IT_RES(tern_flush(cl->s, 0), TERN_BAD_HANDLE);
    tern_message *m[4];
    assert_int_equal(tern_receive(cl->s, 0, m, 4), -TERN_BAD_HANDLE);
    assert_int_equal(tern_receive(cl->s, c, m, -1), -TERN_INVALID_PARAM);
    assert_int_equal(tern_receive(cl->s, c, NULL, 1), -TERN_INVALID_PARAM);
    assert_int_equal(tern_receive(cl->s, c, NULL, 0), 0);
    assert_int_equal(tern_receive(NULL, c, m, 4), -TERN_INVALID_PARAM);

    /* closed by the peer */
    IT_OK(tern_close(p.sv->s, p.s, 1007, "server done", false));
    it_wait_closed_by_peer(cl, c, 1007, "server done");
    IT_RES(tern_send(cl->s, c, "x", 1, TERN_SEND_RELIABLE, NULL), TERN_NO_CONNECTION);
    IT_RES(tern_send(cl->s, c, "x", 1, TERN_SEND_UNRELIABLE, NULL), TERN_NO_CONNECTION);
    IT_RES(tern_flush(cl->s, c), TERN_NO_CONNECTION);
    IT_RES(tern_configure_lanes(cl->s, c, 2, NULL, NULL), TERN_INVALID_STATE);
    tern_realtime_status st;
    IT_OK(tern_get_status(cl->s, c, &st, 0, NULL));
    assert_int_equal(st.state, TERN_STATE_CLOSED_BY_PEER);
    assert_true(st.queue_time_usec == INT64_MAX);
    assert_int_equal(tern_receive(cl->s, c, m, 4), 0);
    /* closed locally: the handle is gone */
    IT_OK(tern_close(cl->s, c, 0, NULL, false));
    IT_RES(tern_send(cl->s, c, "x", 1, TERN_SEND_RELIABLE, NULL), TERN_BAD_HANDLE);
    IT_RES(tern_flush(cl->s, c), TERN_BAD_HANDLE);
    IT_RES(tern_close(cl->s, c, 0, NULL, false), TERN_BAD_HANDLE);
    assert_int_equal(tern_receive(cl->s, c, m, 4), -TERN_BAD_HANDLE);
    IT_RES(tern_get_status(cl->s, c, &st, 0, NULL), TERN_BAD_HANDLE);
    pair_close(&p);
}

/* Before the handshake completes: reliable messages wait and go once
 * connected; NoDelay and flush answer TERN_IGNORED. */
static void test_send_while_connecting(void **state)
{
    (void)state;
    it_inst *sv = it_inst_new("server", false);
    it_inst *cl = it_inst_new("client", false);
    tern_addr addr;
    uint32_t l = it_listen(sv, 0, NULL, &addr), c = 0;
    IT_OK(tern_connect_ip(cl->s, &addr, 0, NULL, &c));
    int64_t num = 0;
    IT_OK(tern_send(cl->s, c, "early", 5, TERN_SEND_RELIABLE, &num));
    assert_int_equal(num, 1);
    IT_RES(tern_send(cl->s, c, "nd", 2, TERN_SEND_UNRELIABLE | TERN_SEND_NO_DELAY, NULL),
           TERN_IGNORED);
    IT_RES(tern_flush(cl->s, c), TERN_IGNORED);
    tern_realtime_status st;
    IT_OK(tern_get_status(cl->s, c, &st, 0, NULL));
    assert_int_equal(st.state, TERN_STATE_CONNECTING);
    assert_true(st.queue_time_usec == INT64_MAX);
    uint32_t s = it_wait_incoming(sv, l);
    IT_OK(tern_accept(sv->s, s));
    tern_message *m;
    it_recv_n(sv, s, &m, 1);
    assert_int_equal(m->size, 5);
    assert_memory_equal(m->data, "early", 5);
    assert_int_equal(m->message_number, 1);
    tern_message_release(m);
    it_inst_del(cl);
    it_inst_del(sv);
}

static void test_lanes(void **state)
{
    (void)state;
    pair p;
    pair_open(&p, false, 0, NULL);
    it_inst *cl = p.cl;
    uint32_t c = p.c;
    static const int prio[4] = {0, 1, 1, 2};
    static const uint16_t w[4] = {1, 1, 3, 1};
    static const uint16_t w0[4] = {1, 0, 1, 1};
    IT_RES(tern_configure_lanes(cl->s, c, 0, NULL, NULL), TERN_INVALID_PARAM);
    IT_RES(tern_configure_lanes(cl->s, c, -1, NULL, NULL), TERN_INVALID_PARAM);
    IT_RES(tern_configure_lanes(cl->s, c, 256, NULL, NULL), TERN_INVALID_PARAM);
    IT_RES(tern_configure_lanes(cl->s, c, 4, prio, w0), TERN_INVALID_PARAM);
    IT_RES(tern_configure_lanes(cl->s, 0, 4, prio, w), TERN_BAD_HANDLE);
    IT_RES(tern_configure_lanes(NULL, c, 4, prio, w), TERN_INVALID_PARAM);
    IT_OK(tern_configure_lanes(cl->s, c, 4, prio, w));
    IT_RES(tern_configure_lanes(cl->s, c, 3, NULL, NULL), TERN_INVALID_PARAM);
    IT_OK(tern_configure_lanes(cl->s, c, 4, NULL, NULL)); /* same count: new weights */
    IT_OK(tern_configure_lanes(cl->s, c, 4, prio, w));
    IT_RES(tern_send_lane(cl->s, c, 4, "x", 1, TERN_SEND_RELIABLE, NULL), TERN_INVALID_PARAM);
    IT_RES(tern_send_lane(cl->s, c, 255, "x", 1, TERN_SEND_RELIABLE, NULL), TERN_INVALID_PARAM);

    tern_realtime_status st;
    tern_lane_status ls[5];
    IT_RES(tern_get_status(cl->s, c, &st, 5, ls), TERN_INVALID_PARAM);
    IT_RES(tern_get_status(cl->s, c, &st, -1, ls), TERN_INVALID_PARAM);
    IT_RES(tern_get_status(cl->s, c, &st, 4, NULL), TERN_INVALID_PARAM);
    IT_OK(tern_get_status(cl->s, c, &st, 4, ls));
    IT_OK(tern_get_status(cl->s, c, NULL, 2, ls));
    IT_OK(tern_get_status(cl->s, c, NULL, 0, NULL));

    enum { PER = 150 };
    static tern_message *m[4 * PER];
    sink k = {p.sv, p.s, m, 0, 4 * PER};
    for (uint32_t i = 0; i < PER; i++)
        for (uint16_t lane = 0; lane < 4; lane++) {
            uint8_t buf[600];
            it_fill(buf, sizeof buf, lane * 1000 + i);
            buf[0] = (uint8_t)lane;
            int64_t num = 0;
            IT_OK(send_retry(cl, c, lane, buf, sizeof buf, TERN_SEND_RELIABLE, &num, &k));
            assert_int_equal(num, i + 1); /* numbered per lane */
        }
    IT_WAIT((sink_poll(&k), k.n == 4 * PER), "messages on all four lanes");
    int64_t next[4] = {1, 1, 1, 1};
    for (int i = 0; i < k.n; i++) {
        const uint8_t *d = m[i]->data;
        uint16_t lane = m[i]->lane;
        assert_true(lane < 4);
        assert_int_equal(d[0], lane);
        if (m[i]->message_number != next[lane])
            fail_msg("lane %u: message number %lld, expected %lld", lane,
                     (long long)m[i]->message_number, (long long)next[lane]);
        uint8_t want[600];
        it_fill(want, sizeof want, (uint32_t)(lane * 1000 + next[lane] - 1));
        assert_memory_equal(d + 1, want + 1, sizeof want - 1);
        next[lane]++;
    }
    for (int lane = 0; lane < 4; lane++) assert_int_equal(next[lane], PER + 1);
    it_release_all(m, k.n);

    /* The receiving side answers on a lane it configured itself. */
    IT_OK(tern_configure_lanes(p.sv->s, p.s, 3, NULL, NULL));
    int64_t num;
    IT_OK(tern_send_lane(p.sv->s, p.s, 2, "back", 4, TERN_SEND_RELIABLE, &num));
    assert_int_equal(num, 1);
    tern_message *b;
    it_recv_n(cl, c, &b, 1);
    assert_int_equal(b->lane, 2);
    assert_int_equal(b->message_number, 1);
    tern_message_release(b);
    pair_close(&p);
}

static int g_freed;
static void count_free(tern_message *m)
{
    free(m->data);
    g_freed++;
}

static tern_message *mk(tern_sockets *s, uint32_t conn, uint16_t lane, uint32_t size, uint32_t seed)
{
    tern_message *m = tern_message_alloc(s, size);
    assert_non_null(m);
    assert_int_equal(m->size, (int)size);
    it_fill(m->data, size, seed);
    m->conn = conn;
    m->flags = TERN_SEND_RELIABLE;
    m->lane = lane;
    return m;
}

static void test_send_messages(void **state)
{
    (void)state;
    pair p;
    pair_open(&p, false, 0, NULL);
    tern_sockets *cs = p.cl->s;
    uint32_t a = p.c, b;
    uint32_t b_srv;
    it_connect(p.cl, p.sv, p.l, &p.addr, 0, NULL, &b, &b_srv);

    /* The application's own buffer, freed by the library through free_data. */
    tern_message *own = tern_message_alloc(cs, 0);
    assert_non_null(own);
    own->data = malloc(64);
    it_fill(own->data, 64, 501);
    own->size = 64;
    own->free_data = count_free;
    own->conn = b;
    own->flags = TERN_SEND_RELIABLE;
    g_freed = 0;

    tern_message *zero_conn = mk(cs, 0, 0, 8, 0);
    tern_message *msgs[] = {
        mk(cs, a, 0, 100, 1),         /* 0: ok, A #1 */
        mk(cs, 0x7fff1234u, 0, 8, 2), /* 1: bad handle */
        NULL,                         /* 2: NULL entry */
        zero_conn,                    /* 3: conn 0 */
        mk(cs, a, 0, MAX_MSG + 1, 3), /* 4: too big: A has failed */
        mk(cs, a, 0, 100, 4),         /* 5: not attempted (0) */
        own,                          /* 6: ok, B #1 */
        mk(cs, b, 7, 8, 5),           /* 7: lane 7 not configured: B has failed */
        mk(cs, b, 0, 8, 6),           /* 8: not attempted (0) */
        mk(cs, a, 0, 100, 7),         /* 9: A failed earlier in the batch: 0 */
    };
    enum { N = sizeof msgs / sizeof msgs[0] };
    int64_t res[N];
    memset(res, 0x55, sizeof res);
    tern_send_messages(cs, N, msgs, res);
    const int64_t want[N] = {1,
                             -TERN_BAD_HANDLE,
                             -TERN_INVALID_PARAM,
                             -TERN_INVALID_PARAM,
                             -TERN_MSG_TOO_BIG,
                             0,
                             1,
                             -TERN_INVALID_PARAM,
                             0,
                             0};
    for (int i = 0; i < N; i++)
        if (res[i] != want[i])
            fail_msg("tern_send_messages: result[%d] = %lld, expected %lld", i, (long long)res[i],
                     (long long)want[i]);
    IT_WAIT(g_freed == 1, "free_data of the sent application buffer");

    tern_message *m;
    it_recv_n(p.sv, p.s, &m, 1);
    assert_int_equal(m->size, 100);
    assert_true(it_check(m->data, 100, 1));
    tern_message_release(m);
    it_recv_n(p.sv, b_srv, &m, 1);
    assert_int_equal(m->size, 64);
    assert_true(it_check(m->data, 64, 501));
    tern_message_release(m);
    /* Exactly those two: a marker behind them on each connection comes next. */
    IT_OK(tern_send(cs, a, "A", 1, TERN_SEND_RELIABLE, NULL));
    IT_OK(tern_send(cs, b, "B", 1, TERN_SEND_RELIABLE, NULL));
    it_recv_n(p.sv, p.s, &m, 1);
    assert_memory_equal(m->data, "A", 1);
    assert_int_equal(m->message_number, 2);
    tern_message_release(m);
    it_recv_n(p.sv, b_srv, &m, 1);
    assert_memory_equal(m->data, "B", 1);
    assert_int_equal(m->message_number, 2);
    tern_message_release(m);

    tern_send_messages(cs, 0, msgs, res);
    tern_send_messages(cs, 1, NULL, res);
    tern_message *one = mk(cs, a, 0, 4, 9);
    tern_send_messages(cs, 1, &one, NULL); /* results may be NULL */
    it_recv_n(p.sv, p.s, &m, 1);
    assert_true(it_check(m->data, 4, 9));
    tern_message_release(m);
    tern_message_release(tern_message_alloc(cs, 10)); /* allocated, never sent */
    tern_message_release(NULL);
    pair_close(&p);
}

/* Nagle, flush and NoDelay. The client is in manual mode: nothing leaves
 * until it is pumped, so "queued" is a fact, not a race. */
static void test_flush_nagle_nodelay(void **state)
{
    (void)state;
    pair p;
    tern_config_value o = it_opt_i32(TERN_CFG_NAGLE_TIME, 20000);
    pair_open(&p, true, 1, &o);
    IT_OK(tern_send(p.cl->s, p.c, "held", 4, TERN_SEND_RELIABLE, NULL));
    /* Something is queued ahead: an unreliable NoDelay message cannot go now. */
    IT_RES(tern_send(p.cl->s, p.c, "nd", 2, TERN_SEND_UNRELIABLE | TERN_SEND_NO_DELAY, NULL),
           TERN_IGNORED);
    IT_OK(tern_flush(p.cl->s, p.c));
    tern_message *m;
    it_recv_n(p.sv, p.s, &m, 1);
    assert_memory_equal(m->data, "held", 4);
    tern_message_release(m);
    it_wait_acked(p.cl, p.c);
    IT_OK(tern_send(p.cl->s, p.c, "now", 3, TERN_SEND_RELIABLE | TERN_SEND_NO_NAGLE, NULL));
    IT_OK(tern_send(p.cl->s, p.c, "cur", 3,
                    TERN_SEND_RELIABLE | TERN_SEND_NO_NAGLE | TERN_SEND_USE_CURRENT_THREAD, NULL));
    tern_message *mm[2];
    it_recv_n(p.sv, p.s, mm, 2);
    assert_memory_equal(mm[0]->data, "now", 3);
    assert_memory_equal(mm[1]->data, "cur", 3);
    it_release_all(mm, 2);
    /* On an idle connection a NoDelay message may go at once or be refused;
     * nothing else is allowed. */
    it_wait_acked(p.cl, p.c);
    int r = tern_send(p.cl->s, p.c, "nd", 2, TERN_SEND_UNRELIABLE | TERN_SEND_NO_DELAY, NULL);
    assert_true(r == TERN_OK || r == TERN_IGNORED);
    pair_close(&p);
}

static void test_user_data_and_names(void **state)
{
    (void)state;
    pair p;
    tern_config_value o = it_opt_i64(TERN_CFG_CONNECTION_USER_DATA, 0x1122334455667788ll);
    pair_open(&p, false, 1, &o);
    it_inst *cl = p.cl, *sv = p.sv;
    /* Creation option: set before the first event. */
    assert_true(tern_get_user_data(cl->s, p.c) == 0x1122334455667788ll);
    assert_true(it_find_ev(cl, p.c, TERN_STATE_CONNECTING)->user_data == 0x1122334455667788ll);
    assert_true(tern_get_user_data(sv->s, p.s) == -1); /* default */
    assert_true(tern_get_user_data(sv->s, 0) == -1);
    assert_true(tern_get_user_data(NULL, p.s) == -1);
    IT_RES(tern_set_user_data(sv->s, 0, 5), TERN_BAD_HANDLE);
    IT_OK(tern_set_user_data(sv->s, p.s, 42));
    assert_true(tern_get_user_data(sv->s, p.s) == 42);

    /* Messages carry the receiving connection's user data, and a change
     * rewrites the messages already waiting. */
    IT_OK(tern_send(cl->s, p.c, "1", 1, TERN_SEND_RELIABLE, NULL));
    IT_OK(tern_send(cl->s, p.c, "2", 1, TERN_SEND_RELIABLE, NULL));
    it_wait_acked(cl, p.c);
    IT_OK(tern_set_user_data(sv->s, p.s, 77));
    tern_message *m[2];
    it_recv_n(sv, p.s, m, 2);
    assert_true(m[0]->conn_user_data == 77 && m[1]->conn_user_data == 77);
    it_release_all(m, 2);
    IT_OK(tern_send(sv->s, p.s, "3", 1, TERN_SEND_RELIABLE, NULL));
    it_recv_n(cl, p.c, m, 1);
    assert_true(m[0]->conn_user_data == 0x1122334455667788ll);
    tern_message_release(m[0]);

    char name[200];
    IT_OK(tern_get_name(sv->s, p.s, name, sizeof name));
    assert_string_equal(name, "");
    IT_OK(tern_set_name(sv->s, p.s, "alpha"));
    IT_OK(tern_get_name(sv->s, p.s, name, sizeof name));
    assert_string_equal(name, "alpha");
    IT_OK(tern_get_name(sv->s, p.s, name, 3));
    assert_string_equal(name, "al");
    IT_RES(tern_get_name(sv->s, p.s, name, 0), TERN_INVALID_PARAM);
    IT_RES(tern_get_name(sv->s, p.s, NULL, 10), TERN_INVALID_PARAM);
    IT_RES(tern_get_name(sv->s, 0, name, sizeof name), TERN_BAD_HANDLE);
    IT_RES(tern_set_name(sv->s, 0, "x"), TERN_BAD_HANDLE);
    tern_conn_info info;
    IT_OK(tern_get_info(sv->s, p.s, &info));
    assert_non_null(strstr(info.description, " 'alpha'"));
    char longname[200];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    IT_OK(tern_set_name(sv->s, p.s, longname));
    IT_OK(tern_get_name(sv->s, p.s, name, sizeof name));
    assert_int_equal(strlen(name), 127);
    IT_OK(tern_set_name(sv->s, p.s, NULL));
    IT_OK(tern_get_name(sv->s, p.s, name, sizeof name));
    assert_string_equal(name, "");
    pair_close(&p);
}

static void test_info(void **state)
{
    (void)state;
    pair p;
    pair_open(&p, false, 0, NULL);
    tern_conn_info ci, si;
    IT_OK(tern_get_info(p.cl->s, p.c, &ci));
    IT_OK(tern_get_info(p.sv->s, p.s, &si));
    IT_RES(tern_get_info(p.cl->s, p.c, NULL), TERN_INVALID_PARAM);
    IT_RES(tern_get_info(p.cl->s, 0, &ci), TERN_BAD_HANDLE);
    IT_RES(tern_get_info(NULL, p.c, &ci), TERN_INVALID_PARAM);

    char want[160];
    snprintf(want, sizeof want, "#%u UDP 127.0.0.1:%u", p.c, p.addr.port);
    assert_string_equal(ci.description, want);
    assert_true(tern_addr_equal(&ci.addr_remote, &p.addr));
    assert_int_equal(ci.state, TERN_STATE_CONNECTED);
    assert_int_equal(ci.listen_socket, 0);
    assert_int_equal(ci.end_reason, 0);
    assert_string_equal(ci.end_debug, "");
    /* anonymous peers are known by their address */
    assert_int_equal(ci.identity_remote.type, TERN_ID_IP);
    assert_true(tern_addr_equal(tern_identity_get_ip_addr(&ci.identity_remote), &p.addr));
    assert_int_equal(ci.flags, TERN_INFO_UNAUTHENTICATED | TERN_INFO_FAST);
    assert_int_equal(ci.pop_remote, 0);

    assert_int_equal(si.listen_socket, p.l);
    assert_int_equal(si.identity_remote.type, TERN_ID_IP);
    assert_true(tern_addr_equal(tern_identity_get_ip_addr(&si.identity_remote), &si.addr_remote));
    snprintf(want, sizeof want, "#%u UDP 127.0.0.1:%u", p.s, si.addr_remote.port);
    assert_string_equal(si.description, want);
    assert_int_equal(si.flags, TERN_INFO_UNAUTHENTICATED | TERN_INFO_FAST);
    for (size_t i = 0; i < sizeof ci.reserved / sizeof ci.reserved[0]; i++)
        assert_int_equal(ci.reserved[i], 0);
    pair_close(&p);
}

static void test_status(void **state)
{
    (void)state;
    pair p;
    pair_open(&p, true, 0, NULL);
    it_inst *cl = p.cl;
    uint32_t c = p.c;
    IT_RES(tern_get_status(cl->s, 0, NULL, 0, NULL), TERN_BAD_HANDLE);
    IT_RES(tern_get_status(NULL, c, NULL, 0, NULL), TERN_INVALID_PARAM);
    tern_realtime_status st;
    memset(&st, 0xab, sizeof st);
    IT_OK(tern_get_status(cl->s, c, &st, 0, NULL));
    assert_int_equal(st.state, TERN_STATE_CONNECTED);
    assert_true(st.send_rate > 0);
    assert_true(st.queue_time_usec != INT64_MAX && st.queue_time_usec >= 0);
    assert_true(st.quality_remote == -1.0f || (st.quality_remote >= 0 && st.quality_remote <= 1));
    assert_int_equal(st.reserved[0], 0xabababab); /* not written */
    /* The round-trip time becomes known once packets flow both ways. */
    IT_OK(tern_send(cl->s, c, "ping", 4, TERN_SEND_RELIABLE, NULL));
    IT_WAIT((tern_get_status(cl->s, c, &st, 0, NULL), st.ping_ms >= 0), "a ping estimate");
    tern_message *pm;
    it_recv_n(p.sv, p.s, &pm, 1);
    tern_message_release(pm);

    /* Per-lane queues, while the manual client is not pumped. */
    IT_OK(tern_configure_lanes(cl->s, c, 3, NULL, NULL));
    it_wait_acked(cl, c);
    static uint8_t buf[3000];
    IT_OK(tern_send_lane(cl->s, c, 1, buf, 1000, TERN_SEND_RELIABLE, NULL));
    IT_OK(tern_send_lane(cl->s, c, 2, buf, 3000, TERN_SEND_RELIABLE, NULL));
    IT_OK(tern_send_lane(cl->s, c, 2, buf, 500, TERN_SEND_UNRELIABLE, NULL));
    tern_lane_status ls[3];
    IT_OK(tern_get_status(cl->s, c, &st, 3, ls));
    assert_int_equal(ls[0].pending_reliable, 0);
    assert_int_equal(ls[0].pending_unreliable, 0);
    assert_true(ls[1].pending_reliable >= 1000 && ls[1].pending_reliable < 1100);
    assert_true(ls[2].pending_reliable >= 3000 && ls[2].pending_reliable < 3100);
    assert_int_equal(ls[2].pending_unreliable, 500);
    assert_int_equal(st.pending_reliable, ls[1].pending_reliable + ls[2].pending_reliable);
    assert_int_equal(st.pending_unreliable, 500);
    assert_true(ls[2].queue_time_usec >= 0 && ls[2].queue_time_usec != INT64_MAX);
    tern_message *m[3];
    int n = 0, rel = 0;
    IT_WAIT((n += tern_receive(p.sv->s, p.s, m + n, 3 - n), rel = count_reliable(m, n), rel == 2),
            "the lane messages");
    it_release_all(m, n);
    pair_close(&p);
}

static void test_detailed_status(void **state)
{
    (void)state;
    pair p;
    pair_open(&p, true, 0, NULL); /* manual client: its text does not move between calls */
    it_inst *cl = p.cl;
    assert_int_equal(tern_get_detailed_status(cl->s, 0, NULL, 0), -1);
    assert_int_equal(tern_get_detailed_status(NULL, p.c, NULL, 0), -1);
    int need = tern_get_detailed_status(cl->s, p.c, NULL, 0);
    assert_true(need > 40);
    assert_int_equal(tern_get_detailed_status(cl->s, p.c, NULL, 1000), need);
    char small[10];
    memset(small, 'x', sizeof small);
    assert_int_equal(tern_get_detailed_status(cl->s, p.c, small, sizeof small), need);
    assert_int_equal(small[9], 0);
    assert_memory_equal(small, "End-to-e", 8);
    char *buf = malloc((size_t)need);
    assert_int_equal(tern_get_detailed_status(cl->s, p.c, buf, need - 1), need);
    assert_int_equal(tern_get_detailed_status(cl->s, p.c, buf, need), 0);
    assert_int_equal(strlen(buf), (size_t)need - 1);
    assert_non_null(strstr(buf, "End-to-end connection: connected"));
    free(buf);

    IT_OK(tern_close(p.sv->s, p.s, 1111, "status test", false));
    it_wait_closed_by_peer(cl, p.c, 1111, "status test");
    char text[4096];
    assert_int_equal(tern_get_detailed_status(cl->s, p.c, text, sizeof text), 0);
    assert_non_null(strstr(text, "closed by remote host, reason code 1111"));
    pair_close(&p);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        IT_TEST(test_reliable_order),
        IT_TEST(test_unreliable),
        IT_TEST(test_zero_byte),
        IT_TEST(test_max_size),
        IT_TEST(test_send_buffer_full),
        IT_TEST(test_closed_and_bad_handles),
        IT_TEST(test_send_while_connecting),
        IT_TEST(test_lanes),
        IT_TEST(test_send_messages),
        IT_TEST(test_flush_nagle_nodelay),
        IT_TEST(test_user_data_and_names),
        IT_TEST(test_info),
        IT_TEST(test_status),
        IT_TEST(test_detailed_status),
    };
    return IT_MAIN(tests);
}
