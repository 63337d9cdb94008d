/* Application threads and the service threads at once: several threads
 * send on their own connections, one thread receives through a poll group,
 * one reads status, one opens and closes connections, and the main thread
 * runs the callbacks. Run it under ThreadSanitizer (label "threads").
 *
 * Worker threads never call cmocka (its asserts long-jump to the main
 * thread's stack): they record what went wrong and the main thread fails. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "itest.h"

enum { SENDERS = 4, PER = 3000, CHURN = 40 };

typedef struct shared {
    it_inst *sv, *cl;
    tern_addr addr;
    uint32_t group;
    uint32_t c[SENDERS], s[SENDERS];
    int64_t deadline;
    atomic_int senders_done, receiver_done, status_done, churn_done;
    atomic_int stop;
    char err[256];
    atomic_int failed;
} shared;

static void failf(shared *sh, const char *fmt, int a, int b)
{
    if (atomic_exchange(&sh->failed, 1) == 0) snprintf(sh->err, sizeof sh->err, fmt, a, b);
}

static void nap(void)
{
    struct timespec ts = {0, 200000};
    nanosleep(&ts, NULL);
}

typedef struct sender_arg {
    shared *sh;
    int idx;
} sender_arg;

static void *sender(void *p)
{
    sender_arg *a = p;
    shared *sh = a->sh;
    uint8_t buf[900];
    for (int k = 0; k < PER && !atomic_load(&sh->failed); k++) {
        uint32_t len = 8 + (uint32_t)(k * 7 % 800);
        it_fill(buf, len, (uint32_t)(a->idx * 100000 + k));
        buf[0] = (uint8_t)a->idx;
        memcpy(buf + 1, &k, sizeof k);
        int flags = TERN_SEND_RELIABLE | (k % 97 == 0 ? TERN_SEND_NO_NAGLE : 0);
        int64_t num = 0;
        int r;
        while ((r = tern_send(sh->cl->s, sh->c[a->idx], buf, len, flags, &num)) ==
               TERN_LIMIT_EXCEEDED) {
            if (it_now_ms() > sh->deadline) {
                failf(sh, "sender %d: send buffer full until the deadline (message %d)", a->idx, k);
                break;
            }
            nap();
        }
        if (r != TERN_OK) {
            failf(sh, "sender %d: tern_send failed with %d", a->idx, r);
            break;
        }
        if (num != k + 1) failf(sh, "sender %d: message number %d", a->idx, (int)num);
    }
    atomic_fetch_add(&sh->senders_done, 1);
    return NULL;
}

static int index_of(const shared *sh, uint32_t conn)
{
    for (int i = 0; i < SENDERS; i++)
        if (sh->s[i] == conn) return i;
    return -1;
}

static void *receiver(void *p)
{
    shared *sh = p;
    int next[SENDERS] = {0};
    int total = 0;
    while (total < SENDERS * PER && !atomic_load(&sh->failed)) {
        tern_message *m[32];
        int n = tern_receive_pollgroup(sh->sv->s, sh->group, m, 32);
        if (n < 0) {
            failf(sh, "receiver: tern_receive_pollgroup %d%c", n, ' ');
            break;
        }
        for (int j = 0; j < n; j++) {
            int i = index_of(sh, m[j]->conn);
            const uint8_t *d = m[j]->data;
            int k;
            memcpy(&k, d + 1, sizeof k);
            if (i < 0 || d[0] != i)
                failf(sh, "receiver: message from connection index %d tagged %d", i, d[0]);
            else if (k != next[i])
                failf(sh, "receiver: got message %d, expected %d", k, next[i]);
            else if (m[j]->message_number != k + 1)
                failf(sh, "receiver: message %d numbered %d", k, (int)m[j]->message_number);
            else {
                uint32_t len = 8 + (uint32_t)(k * 7 % 800);
                uint8_t want[900];
                it_fill(want, len, (uint32_t)(i * 100000 + k));
                if (m[j]->size != (int)len || memcmp(want + 5, d + 5, len - 5) != 0)
                    failf(sh, "receiver: payload of message %d of connection %d", k, i);
                next[i]++;
            }
            tern_message_release(m[j]);
        }
        total += n;
        if (n == 0) {
            if (it_now_ms() > sh->deadline) {
                failf(sh, "receiver: %d of %d messages by the deadline", total, SENDERS * PER);
                break;
            }
            tern_wait(sh->sv->s, 5);
        }
    }
    atomic_store(&sh->receiver_done, 1);
    return NULL;
}

/* Reads status and info of every connection while traffic flows. */
static void *status_reader(void *p)
{
    shared *sh = p;
    char text[4096];
    int rounds = 0;
    while (atomic_load(&sh->senders_done) < SENDERS && !atomic_load(&sh->failed)) {
        for (int i = 0; i < SENDERS; i++) {
            tern_realtime_status st;
            tern_conn_info info;
            int r = tern_get_status(sh->cl->s, sh->c[i], &st, 0, NULL);
            if (r != TERN_OK) failf(sh, "status reader: get_status %d on %d", r, i);
            r = tern_get_info(sh->sv->s, sh->s[i], &info);
            if (r != TERN_OK || info.state != TERN_STATE_CONNECTED)
                failf(sh, "status reader: get_info %d, state %d", r, info.state);
            if (tern_get_detailed_status(sh->cl->s, sh->c[i], text, sizeof text) != 0)
                failf(sh, "status reader: detailed status did not fit%c%c", ' ', ' ');
            tern_set_user_data(sh->sv->s, sh->s[i], rounds);
        }
        rounds++;
        nap();
    }
    atomic_store(&sh->status_done, 1);
    return NULL;
}

/* Opens connections (new UDP sockets) and socket pairs and closes them
 * while the service threads poll. */
static void *churn(void *p)
{
    shared *sh = p;
    for (int i = 0; i < CHURN && !atomic_load(&sh->failed); i++) {
        uint32_t c = 0, a = 0, b = 0;
        int r = tern_connect_ip(sh->cl->s, &sh->addr, 0, NULL, &c);
        if (r != TERN_OK) failf(sh, "churn: connect %d at %d", r, i);
        r = tern_socket_pair(sh->cl->s, &a, &b, true, NULL, NULL);
        if (r != TERN_OK) failf(sh, "churn: socket pair %d at %d", r, i);
        r = tern_send(sh->cl->s, a, "churn", 5, TERN_SEND_RELIABLE, NULL);
        if (r != TERN_OK) failf(sh, "churn: send on pair %d at %d", r, i);
        nap();
        tern_close(sh->cl->s, a, 0, NULL, false);
        tern_close(sh->cl->s, b, 0, NULL, false);
        tern_close(sh->cl->s, c, 0, NULL, false);
    }
    atomic_store(&sh->churn_done, 1);
    return NULL;
}

static void test_concurrent_senders(void **state)
{
    (void)state;
    static shared sh;
    memset(&sh, 0, sizeof sh);
    sh.sv = it_inst_new("server", false);
    sh.cl = it_inst_new("client", false);
    uint32_t l = it_listen(sh.sv, 0, NULL, &sh.addr);
    IT_OK(tern_pollgroup_new(sh.sv->s, &sh.group));
    for (int i = 0; i < SENDERS; i++) {
        it_connect(sh.cl, sh.sv, l, &sh.addr, 0, NULL, &sh.c[i], &sh.s[i]);
        IT_OK(tern_set_pollgroup(sh.sv->s, sh.s[i], sh.group));
    }
    sh.sv->auto_accept = true; /* the churn thread's connections */
    sh.deadline = it_now_ms() + it_timeout_ms() * 3;

    pthread_t ts[SENDERS], tr, tst, tch;
    sender_arg args[SENDERS];
    int64_t t0 = it_now_ms();
    assert_int_equal(pthread_create(&tr, NULL, receiver, &sh), 0);
    for (int i = 0; i < SENDERS; i++) {
        args[i] = (sender_arg){&sh, i};
        assert_int_equal(pthread_create(&ts[i], NULL, sender, &args[i]), 0);
    }
    assert_int_equal(pthread_create(&tst, NULL, status_reader, &sh), 0);
    assert_int_equal(pthread_create(&tch, NULL, churn, &sh), 0);
    /* The main thread runs the callbacks (the server accepts churn
     * connections from inside them) until everyone is done. */
    while (!(atomic_load(&sh.receiver_done) && atomic_load(&sh.churn_done) &&
             atomic_load(&sh.status_done) && atomic_load(&sh.senders_done) == SENDERS)) {
        tern_run_callbacks(sh.sv->s);
        tern_run_callbacks(sh.cl->s);
        if (it_now_ms() > sh.deadline + 5000) break;
        nap();
    }
    for (int i = 0; i < SENDERS; i++) pthread_join(ts[i], NULL);
    pthread_join(tr, NULL);
    pthread_join(tst, NULL);
    pthread_join(tch, NULL);
    int64_t t1 = it_now_ms();
    if (atomic_load(&sh.failed)) fail_msg("%s", sh.err);
    assert_int_equal(atomic_load(&sh.senders_done), SENDERS);
    assert_true(atomic_load(&sh.receiver_done));
    fprintf(stderr, "threads: %d senders x %d messages, %d churn rounds: %lld ms\n", SENDERS, PER,
            CHURN, (long long)(t1 - t0));
    it_inst_del(sh.cl);
    it_inst_del(sh.sv);
}

/* Messages released on a thread other than the one that received them,
 * after the connection and the instance are gone. */
static void *releaser(void *p)
{
    tern_message **m = p;
    for (int i = 0; i < 100; i++) tern_message_release(m[i]);
    return NULL;
}

static void test_release_on_other_thread(void **state)
{
    (void)state;
    it_inst *in = it_inst_new("inst", false);
    uint32_t a, b;
    IT_OK(tern_socket_pair(in->s, &a, &b, true, NULL, NULL));
    for (int i = 0; i < 100; i++)
        IT_OK(tern_send(in->s, a, &i, sizeof i, TERN_SEND_RELIABLE, NULL));
    static tern_message *m[100];
    it_recv_n(in, b, m, 100);
    it_inst_del(in);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, releaser, m), 0);
    pthread_join(t, NULL);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        IT_TEST(test_concurrent_senders),
        IT_TEST(test_release_on_other_thread),
    };
    return IT_MAIN(tests);
}
