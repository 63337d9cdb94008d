/* Lock discipline: "under a sustained send loop the service thread never
 * holds a lock across a syscall or a callback" (sockets.h: the instance
 * lock is "never held across a syscall or a callback").
 *
 * The program is linked with --wrap for pthread_mutex_lock/unlock and the
 * I/O system calls the library makes (see CMakeLists.txt); the library is
 * linked statically, so its calls go through the wrappers below. Each
 * thread counts the mutexes it holds; a system call or an application
 * callback made while the count is non-zero is a violation, recorded with
 * the call's name, whether the instance lock was among those held, and
 * whether the thread was the application's or the library's. */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api/sockets.h" /* the instance lock's address, to name it */
#include "itest.h"

#define MAX_HELD 8
static _Thread_local pthread_mutex_t *t_held[MAX_HELD];
static _Thread_local int t_nheld;
static _Thread_local bool t_app; /* a thread of this test, not the library's */

enum { MAX_KINDS = 32 };
typedef struct violation {
    const char *what;
    bool app, instance_lock;
    atomic_ulong count;
} violation;
static violation g_v[MAX_KINDS];
static atomic_int g_nv;
static pthread_mutex_t *volatile g_inst_locks[4];

static bool is_instance_lock(pthread_mutex_t *m)
{
    for (int i = 0; i < 4; i++)
        if (g_inst_locks[i] == m) return true;
    return false;
}

static void record(const char *what)
{
    if (t_nheld <= 0) return;
    bool inst = false;
    for (int i = 0; i < t_nheld && i < MAX_HELD; i++) inst |= is_instance_lock(t_held[i]);
    int n = atomic_load(&g_nv);
    for (int i = 0; i < n; i++)
        if (g_v[i].what == what && g_v[i].app == t_app && g_v[i].instance_lock == inst) {
            atomic_fetch_add(&g_v[i].count, 1);
            return;
        }
    /* New kinds are rare; a lost race only splits a row in two. */
    int i = atomic_fetch_add(&g_nv, 1);
    if (i >= MAX_KINDS) return;
    g_v[i].what = what;
    g_v[i].app = t_app;
    g_v[i].instance_lock = inst;
    atomic_store(&g_v[i].count, 1);
}

int __real_pthread_mutex_lock(pthread_mutex_t *m);
int __real_pthread_mutex_unlock(pthread_mutex_t *m);
int __wrap_pthread_mutex_lock(pthread_mutex_t *m);
int __wrap_pthread_mutex_unlock(pthread_mutex_t *m);

int __wrap_pthread_mutex_lock(pthread_mutex_t *m)
{
    int r = __real_pthread_mutex_lock(m);
    if (r == 0) {
        if (t_nheld < MAX_HELD) t_held[t_nheld] = m;
        t_nheld++;
    }
    return r;
}

int __wrap_pthread_mutex_unlock(pthread_mutex_t *m)
{
    for (int i = (t_nheld < MAX_HELD ? t_nheld : MAX_HELD) - 1; i >= 0; i--)
        if (t_held[i] == m) {
            for (int k = i; k + 1 < t_nheld && k + 1 < MAX_HELD; k++) t_held[k] = t_held[k + 1];
            break;
        }
    t_nheld--;
    return __real_pthread_mutex_unlock(m);
}

#define WRAP(ret, name, params, args)                                                              \
    ret __real_##name params;                                                                      \
    ret __wrap_##name params;                                                                      \
    ret __wrap_##name params                                                                       \
    {                                                                                              \
        record(#name);                                                                             \
        return __real_##name args;                                                                 \
    }

WRAP(ssize_t, write, (int fd, const void *b, size_t n), (fd, b, n))
WRAP(ssize_t, read, (int fd, void *b, size_t n), (fd, b, n))
WRAP(int, close, (int fd), (fd))
WRAP(int, poll, (struct pollfd * p, nfds_t n, int t), (p, n, t))
WRAP(int, socket, (int d, int t, int p), (d, t, p))
WRAP(int, bind, (int fd, const struct sockaddr *a, socklen_t l), (fd, a, l))
WRAP(int, connect, (int fd, const struct sockaddr *a, socklen_t l), (fd, a, l))
WRAP(int, getsockname, (int fd, struct sockaddr *a, socklen_t *l), (fd, a, l))
WRAP(int, setsockopt, (int fd, int lv, int o, const void *v, socklen_t l), (fd, lv, o, v, l))
WRAP(int, epoll_ctl, (int e, int op, int fd, struct epoll_event *ev), (e, op, fd, ev))
WRAP(int, epoll_wait, (int e, struct epoll_event *ev, int n, int t), (e, ev, n, t))
WRAP(int, epoll_pwait2,
     (int e, struct epoll_event *ev, int n, const struct timespec *t, const sigset_t *s),
     (e, ev, n, t, s))
WRAP(int, sendmmsg, (int fd, struct mmsghdr *m, unsigned n, int f), (fd, m, n, f))
WRAP(int, recvmmsg, (int fd, struct mmsghdr *m, unsigned n, int f, struct timespec *t),
     (fd, m, n, f, t))

static void reset(void)
{
    int n = atomic_load(&g_nv);
    for (int i = 0; i < n && i < MAX_KINDS; i++) atomic_store(&g_v[i].count, 0);
}

/* Print every violation (once, when |title| is set); return how many
 * there were on |app| threads (|callbacks|: only the callback rows). */
static unsigned long report(const char *title, bool app, bool callbacks)
{
    unsigned long total = 0;
    int n = atomic_load(&g_nv);
    for (int i = 0; i < n && i < MAX_KINDS; i++) {
        unsigned long c = atomic_load(&g_v[i].count);
        if (!c) continue;
        bool cb = strncmp(g_v[i].what, "callback", 8) == 0;
        if (title)
            fprintf(stderr, "%s: %s thread, %s held, %s: %lu times\n", title,
                    g_v[i].app ? "application" : "service",
                    g_v[i].instance_lock ? "instance lock" : "another mutex", g_v[i].what, c);
        if (g_v[i].app == app && cb == callbacks) total += c;
    }
    return total;
}

static atomic_int g_recv_done;
static it_inst *g_sv;
static uint32_t g_s;
enum { LOOP = 20000 };

static void *receiver(void *p)
{
    (void)p;
    t_app = true;
    int got = 0;
    int64_t dl = it_now_ms() + it_timeout_ms() * 2;
    while (got < LOOP && it_now_ms() < dl) {
        tern_message *m[64];
        int n = tern_receive(g_sv->s, g_s, m, 64);
        if (n < 0) break;
        for (int i = 0; i < n; i++) tern_message_release(m[i]);
        got += n;
        if (n == 0) tern_wait(g_sv->s, 5);
    }
    atomic_store(&g_recv_done, got);
    return NULL;
}

static void test_service_thread_during_send_loop(void **state)
{
    (void)state;
    t_app = true;
    it_inst *sv = it_inst_new("server", false);
    it_inst *cl = it_inst_new("client", false);
    g_inst_locks[0] = &sv->s->lock;
    g_inst_locks[1] = &cl->s->lock;
    tern_addr addr;
    uint32_t l = it_listen(sv, 0, NULL, &addr), c, s;
    it_connect(cl, sv, l, &addr, 0, NULL, &c, &s);
    g_sv = sv;
    g_s = s;
    atomic_store(&g_recv_done, -1);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, receiver, NULL), 0);
    reset();
    uint8_t buf[1000];
    memset(buf, 7, sizeof buf);
    int64_t dl = it_now_ms() + it_timeout_ms();
    for (int i = 0; i < LOOP; i++) {
        int r;
        while ((r = tern_send(cl->s, c, buf, 200 + (uint32_t)(i % 800), TERN_SEND_RELIABLE,
                              NULL)) == TERN_LIMIT_EXCEEDED) {
            if (it_now_ms() > dl) fail_msg("send loop stalled at %d", i);
            struct timespec ts = {0, 200000};
            nanosleep(&ts, NULL);
        }
        IT_OK(r);
    }
    pthread_join(t, NULL);
    assert_int_equal(atomic_load(&g_recv_done), LOOP);
    unsigned long app = report("send loop", true, false);
    unsigned long svc = report(NULL, false, false);
    it_inst_del(cl);
    it_inst_del(sv);
    g_inst_locks[0] = g_inst_locks[1] = NULL;
    it_log("send loop: %lu system calls under a mutex on application threads (not asserted)", app);
    if (svc)
        fail_msg("the service threads made %lu system calls while holding a mutex (table above)",
                 svc);
}

/* Callbacks the application supplies run without library locks held
 * (the log callback is documented to run with locks held: not checked). */
static void on_status_check(tern_sockets *s, const tern_status_event *e, void *u)
{
    (void)s, (void)e, (void)u;
    record("callback on_status");
}

static atomic_int g_freed;
static void free_data_check(tern_message *m)
{
    record("callback free_data");
    free(m->data);
    atomic_fetch_add(&g_freed, 1);
}

static void test_callbacks_run_unlocked(void **state)
{
    (void)state;
    t_app = true;
    reset();
    tern_sockets_config cfg;
    tern_sockets_config_default(&cfg);
    cfg.on_status = on_status_check;
    tern_sockets *s;
    IT_OK(tern_sockets_new(&cfg, &s));
    g_inst_locks[0] = &s->lock;
    uint32_t a, b;
    IT_OK(tern_socket_pair(s, &a, &b, true, NULL, NULL));
    tern_message *m[3];
    for (int i = 0; i < 3; i++) {
        m[i] = tern_message_alloc(s, 0);
        m[i]->data = malloc(16);
        memset(m[i]->data, i, 16);
        m[i]->size = 16;
        m[i]->free_data = free_data_check;
        m[i]->conn = i == 2 ? 0x7fffffffu : a; /* the last one fails */
        m[i]->flags = TERN_SEND_RELIABLE;
    }
    atomic_store(&g_freed, 0);
    tern_send_messages(s, 3, m, NULL);
    IT_OK(tern_close(s, a, 0, NULL, false));
    int64_t dl = it_now_ms() + it_timeout_ms();
    while (atomic_load(&g_freed) < 3 && it_now_ms() < dl) tern_wait(s, 5);
    assert_int_equal(atomic_load(&g_freed), 3);
    tern_run_callbacks(s); /* the close events */
    tern_sockets_del(s);
    g_inst_locks[0] = NULL;
    unsigned long n = report("callbacks", true, true) + report(NULL, false, true);
    if (n) fail_msg("%lu application callbacks ran with a library mutex held (table above)", n);
}

int main(int argc, char **argv)
{
    t_app = true;
    const struct CMUnitTest tests[] = {
        IT_TEST(test_service_thread_during_send_loop),
        IT_TEST(test_callbacks_run_unlocked),
    };
    return IT_MAIN(tests);
}
