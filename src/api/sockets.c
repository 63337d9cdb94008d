/* Instances: create/destroy, the service thread and manual pumping,
 * waiting, callbacks. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "api/sockets.h"
#include "util/mem.h"
#include "wire/identity.h"

/* --- the transport seam ------------------------------------------------------------ */

static void tx_send(void *ctx, uint32_t sock, const tern_addr *from, const tern_addr *to,
                    const uint8_t *d, size_t n)
{
    tern_sockets *s = ctx;
    tern_tp_queue(s->tp, sock, from, to, d, n);
}

static tern_result tx_open(void *ctx, const tern_addr *local, const tern_addr *remote,
                           uint32_t *sock, tern_addr *bound)
{
    tern_sockets *s = ctx;
    return tern_tp_open(s->tp, local, remote, sock, bound);
}

static void tx_close(void *ctx, uint32_t sock)
{
    tern_sockets *s = ctx;
    tern_tp_close(s->tp, sock);
}

static void on_dgrams(void *owner, int64_t now, const tern_rx_dgram *d, size_t n)
{
    tern_sockets *s = owner;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < n; i++)
        tern_inst_recv(&s->core, now, d[i].sock, &d[i].from, &d[i].local, d[i].data, d[i].len);
    /* Acks and anything else the batch made due go out right away. */
    tern_inst_service(&s->core, now);
    bool nt = tern_api_notice(s);
    pthread_mutex_unlock(&s->lock);
    tern_api_notify(s, nt);
}

/* --- notification ----------------------------------------------------------------- */

bool tern_api_notice(tern_sockets *s)
{
    bool waiting = s->core.nevents > 0 || s->core.queued_msgs > 0;
    if (waiting == atomic_load(&s->notify_want)) return false;
    atomic_store(&s->notify_want, waiting);
    return true;
}

/* Whoever holds notify_busy makes notify_fd match the latest decision; a
 * caller that finds it busy leaves notify_pending for the holder and waits
 * for it (one eventfd call), so that on return the descriptor reflects
 * this caller's decision or a newer one. No mutex is held over the system
 * call, and no decision is lost to two calls racing. */
void tern_api_notify(tern_sockets *s, bool changed)
{
    if (!changed) return;
    atomic_store(&s->notify_pending, true);
    for (;;) {
        if (atomic_exchange(&s->notify_busy, true)) {
            while (atomic_load(&s->notify_busy)) sched_yield();
            if (!atomic_load(&s->notify_pending)) return; /* taken by the holder */
            continue;
        }
        while (atomic_exchange(&s->notify_pending, false)) {
            bool want = atomic_load(&s->notify_want);
            if (want == s->notify_set) continue;
            uint64_t v = 1;
            ssize_t r = want ? write(s->notify_fd, &v, sizeof v) : read(s->notify_fd, &v, sizeof v);
            (void)r;
            s->notify_set = want;
        }
        atomic_store(&s->notify_busy, false);
        if (!atomic_load(&s->notify_pending)) return;
    }
}

void tern_api_lock(tern_sockets *s)
{
    pthread_mutex_lock(&s->lock);
}

/* Manual mode: make the application's descriptor readable at |due|.
 * |earlier_only|: only move the timer forward in time (an API call made
 * something due sooner); otherwise set it (the pump knows the next due). */
static void arm_timer(tern_sockets *s, int64_t due, bool earlier_only)
{
    pthread_mutex_lock(&s->timer_lock);
    if (!earlier_only || due < s->timer_at) {
        s->timer_at = due;
        tern_tp_timer_arm(s->timer_fd, due);
    }
    pthread_mutex_unlock(&s->timer_lock);
}

void tern_api_unlock(tern_sockets *s)
{
    int64_t due = tern_inst_next_deadline(&s->core);
    bool nt = tern_api_notice(s);
    pthread_mutex_unlock(&s->lock);
    tern_api_notify(s, nt);
    /* Send what this call queued, from this thread, outside the lock. */
    tern_tp_flush(s->tp, tern_tp_now());
    if (!s->thread_running) arm_timer(s, due, true);
    /* Wake the service thread only if it would otherwise sleep past the new
     * deadline: a send loop must not cost a syscall per message. */
    if (s->thread_running && due < atomic_load(&s->sleep_until)) {
        atomic_store(&s->sleep_until, due);
        tern_tp_wake(s->tp);
    }
}

/* --- the service thread ------------------------------------------------------------- */

static int64_t service_once(tern_sockets *s, int64_t max_wait)
{
    pthread_mutex_lock(&s->lock);
    int64_t now = tern_tp_now();
    tern_inst_service(&s->core, now);
    int64_t due = tern_inst_next_deadline(&s->core);
    bool nt = tern_api_notice(s);
    atomic_store(&s->sleep_until, due);
    pthread_mutex_unlock(&s->lock);
    tern_api_notify(s, nt);
    tern_tp_flush(s->tp, now);
    int64_t fake = tern_tp_next_due(s->tp);
    if (fake < due) due = fake;
    if (!s->thread_running) arm_timer(s, due, false);
    int64_t wait = due == INT64_MAX ? -1 : due - tern_tp_now();
    if (wait < 0 && due != INT64_MAX) wait = 0;
    if (max_wait >= 0 && (wait < 0 || wait > max_wait)) wait = max_wait;
    return wait;
}

static void *service_main(void *arg)
{
    tern_sockets *s = arg;
    if (s->thread_init) s->thread_init();
    while (!atomic_load(&s->stop)) {
        int64_t wait = service_once(s, -1);
        if (tern_tp_poll(s->tp, wait) < 0) break;
        tern_tp_flush(s->tp, tern_tp_now());
    }
    return NULL;
}

/* --- lifecycle ---------------------------------------------------------------------------- */

TERN_API void tern_sockets_config_default(tern_sockets_config *cfg)
{
    if (!cfg) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->size = sizeof *cfg;
    cfg->log_level = TERN_LOG_WARNING;
}

/* The descriptors the application may poll (see tern_sockets_fd). */
static int open_fds(tern_sockets *s)
{
    s->notify_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    s->timer_fd = tern_tp_timer_new();
    s->app_fd = epoll_create1(EPOLL_CLOEXEC);
    if (s->notify_fd < 0 || s->timer_fd < 0 || s->app_fd < 0) return -1;
    int fds[3] = {s->notify_fd, s->timer_fd, tern_tp_fd(s->tp)};
    for (int i = 0; i < 3; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fds[i]};
        if (epoll_ctl(s->app_fd, EPOLL_CTL_ADD, fds[i], &ev) != 0) return -1;
    }
    return 0;
}

/* Everything but the connection core. */
static void free_shell(tern_sockets *s)
{
    tern_tp_del(s->tp);
    if (s->notify_fd >= 0) close(s->notify_fd);
    if (s->timer_fd >= 0) close(s->timer_fd);
    if (s->app_fd >= 0) close(s->app_fd);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->timer_lock);
    tern_free(s->cfg.mem, s);
}

TERN_API tern_result tern_sockets_new(const tern_sockets_config *cfg, tern_sockets **out)
{
    if (!out) return TERN_INVALID_PARAM;
    *out = NULL;
    tern_sockets_config c;
    tern_sockets_config_default(&c);
    if (cfg) {
        if (cfg->size < offsetof(tern_sockets_config, user) + sizeof(void *) ||
            cfg->size > sizeof c)
            return TERN_INVALID_PARAM;
        memcpy(&c, cfg, cfg->size);
    }
    if (c.identity && tern_identity_is_invalid(c.identity)) return TERN_INVALID_PARAM;
    const tern_mem *mem = tern_mem_or_default(c.mem);
    tern_sockets *s = tern_calloc(mem, 1, sizeof *s);
    if (!s) return TERN_NOMEM;
    s->cfg = c;
    s->cfg.mem = mem;
    if (c.identity)
        s->identity = *c.identity;
    else
        tern_identity_set_localhost(&s->identity);
    s->cfg.identity = &s->identity;
    s->notify_fd = s->app_fd = s->timer_fd = -1;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->timer_lock, NULL);
    atomic_init(&s->notify_want, false);
    atomic_init(&s->notify_busy, false);
    atomic_init(&s->notify_pending, false);
    s->timer_at = INT64_MAX;
    atomic_init(&s->stop, false);
    atomic_init(&s->sleep_until, INT64_MAX);
    tern_result r = tern_tp_new(mem, on_dgrams, s, &s->tp);
    if (r == TERN_OK && open_fds(s) != 0) r = TERN_IO;
    if (r != TERN_OK) {
        free_shell(s);
        return r;
    }
    tern_tx_ops tx = {s, tx_send, tx_open, tx_close};
    r = tern_inst_init(&s->core, mem, &s->identity, &tx, tern_api_root());
    if (r != TERN_OK) {
        free_shell(s);
        return r;
    }
    s->core.log = c.log;
    s->core.log_level = c.log ? c.log_level : TERN_LOG_NONE;
    s->core.log_user = c.user;
    s->core.want_events = c.on_status != NULL;
    tern_api_load_fake(s);
    if (!c.manual_mode) {
        s->thread_running = true; /* before the thread reads it */
        if (pthread_create(&s->thread, NULL, service_main, s) != 0) {
            tern_inst_free(&s->core, tern_tp_now());
            free_shell(s);
            return TERN_IO;
        }
    }
    *out = s;
    return TERN_OK;
}

TERN_API void tern_sockets_del(tern_sockets *s)
{
    if (!s) return;
    if (s->thread_running) {
        atomic_store(&s->stop, true);
        tern_tp_wake(s->tp);
        pthread_join(s->thread, NULL);
        s->thread_running = false;
    }
    pthread_mutex_lock(&s->lock);
    tern_inst_free(&s->core, tern_tp_now());
    pthread_mutex_unlock(&s->lock);
    /* The shutdown ConnectionCloseds; the closed sockets' descriptors are
     * kept until then. */
    tern_tp_flush(s->tp, tern_tp_now());
    free_shell(s);
}

tern_result tern_api_set_manual(tern_sockets *s, bool manual, void (*thread_init)(void))
{
    if (!s) return TERN_INVALID_PARAM;
    if (manual && s->thread_running) {
        atomic_store(&s->stop, true);
        tern_tp_wake(s->tp);
        pthread_join(s->thread, NULL);
        s->thread_running = false;
    } else if (!manual && !s->thread_running) {
        atomic_store(&s->stop, false);
        s->thread_init = thread_init;
        s->thread_running = true;
        if (pthread_create(&s->thread, NULL, service_main, s) != 0) {
            s->thread_running = false;
            return TERN_IO;
        }
    }
    return TERN_OK;
}

TERN_API tern_result tern_sockets_poll(tern_sockets *s, int timeout_ms)
{
    if (!s) return TERN_INVALID_PARAM;
    if (s->thread_running) return TERN_INVALID_STATE;
    int64_t max = timeout_ms < 0 ? -1 : (int64_t)timeout_ms * 1000;
    int64_t wait = service_once(s, max);
    if (tern_tp_poll(s->tp, wait) < 0) return TERN_IO;
    service_once(s, 0);
    return TERN_OK;
}

TERN_API int tern_sockets_fd(tern_sockets *s)
{
    if (!s) return -1;
    return s->thread_running ? s->notify_fd : s->app_fd;
}

TERN_API tern_result tern_wait(tern_sockets *s, int timeout_ms)
{
    if (!s) return TERN_INVALID_PARAM;
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : tern_tp_now() + (int64_t)timeout_ms * 1000;
    for (;;) {
        /* Manual mode: the network work first, or a message left unread
         * would stop every connection of an application that pumps with
         * tern_wait alone. */
        if (!s->thread_running) {
            if (tern_tp_poll(s->tp, 0) < 0) return TERN_IO;
            service_once(s, 0);
        }
        pthread_mutex_lock(&s->lock);
        bool ready = s->core.nevents > 0 || s->core.queued_msgs > 0;
        pthread_mutex_unlock(&s->lock);
        if (ready) return TERN_OK;
        int64_t now = tern_tp_now();
        if (now >= deadline) return TERN_TIMEOUT;
        int64_t left = deadline == INT64_MAX ? -1 : deadline - now;
        if (s->thread_running) {
            struct pollfd p = {.fd = s->notify_fd, .events = POLLIN};
            int ms = left < 0 ? -1 : (int)((left + 999) / 1000);
            if (poll(&p, 1, ms) < 0 && errno != EINTR) return TERN_IO;
        } else {
            int64_t wait = service_once(s, left);
            if (tern_tp_poll(s->tp, wait) < 0) return TERN_IO;
            service_once(s, 0);
        }
    }
}

TERN_API void tern_run_callbacks(tern_sockets *s)
{
    if (!s) return;
    pthread_mutex_lock(&s->lock);
    if (s->in_callbacks && pthread_equal(s->cb_thread, pthread_self())) {
        pthread_mutex_unlock(&s->lock); /* called from inside a callback */
        return;
    }
    tern_event *e = tern_inst_take_events(&s->core);
    s->in_callbacks = true;
    s->cb_thread = pthread_self();
    bool nt = tern_api_notice(s);
    pthread_mutex_unlock(&s->lock);
    tern_api_notify(s, nt);
    /* Run them without the lock: a callback may call anything. */
    for (tern_event *it = e; it; it = it->next) {
        if (s->cfg.on_status) s->cfg.on_status(s, &it->ev, s->cfg.user);
        if (it->gns_cb) ((void (*)(tern_status_event *))it->gns_cb)(&it->ev);
    }
    pthread_mutex_lock(&s->lock);
    s->in_callbacks = false;
    tern_inst_free_events(&s->core, e);
    pthread_mutex_unlock(&s->lock);
}

TERN_API tern_result tern_sockets_identity(tern_sockets *s, tern_identity *out)
{
    if (!s || !out) return TERN_INVALID_PARAM;
    *out = s->identity;
    return TERN_OK;
}

TERN_API int64_t tern_now(void)
{
    return tern_tp_now();
}
