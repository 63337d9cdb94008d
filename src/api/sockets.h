/* The API layer's instance: the connection core plus the transport, one
 * lock, the service thread (or manual pumping), wake-ups and the
 * application's notification descriptor. */
#ifndef TERN_API_SOCKETS_H
#define TERN_API_SOCKETS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "conn/conn.h"
#include "tern/tern.h"
#include "transport/transport.h"

struct tern_sockets {
    tern_inst core;
    tern_tp *tp;
    pthread_mutex_t lock; /* guards |core|; never held across a syscall or a callback */
    pthread_t thread;
    atomic_bool thread_running; /* read by any thread */
    atomic_bool stop;
    tern_sockets_config cfg;
    tern_identity identity;
    int notify_fd;           /* readable while callbacks or messages wait */
    atomic_bool notify_want; /* the latest decision, made under |lock| */
    atomic_bool notify_busy; /* someone is applying it (tern_api_notify) */
    atomic_bool notify_pending;
    bool notify_set; /* notify_fd is readable; only notify_busy's holder */
    /* Manual mode's descriptor: an epoll set of notify_fd, the transport's
     * sockets and a timer armed at the next deadline (timer_at, under
     * timer_lock, which is held across the arming call only). */
    int app_fd, timer_fd;
    pthread_mutex_t timer_lock;
    int64_t timer_at;
    atomic_llong sleep_until; /* when the service thread plans to wake */
    pthread_t cb_thread;
    bool in_callbacks;
    tern_fake_net fake;
    uint64_t send_batches;     /* tern_send_messages calls, numbering conn->failed_batch */
    void (*thread_init)(void); /* run first on the service thread (tern_api_set_manual) */
};

/* Whether notify_fd should be readable: decided under the lock (true: the
 * decision changed) and applied after it, so no system call is made under
 * a lock. */
bool tern_api_notice(tern_sockets *s);
void tern_api_notify(tern_sockets *s, bool changed);

/* Lock / unlock the instance. Unlocking sends what was queued (outside the
 * lock) and wakes the service thread if new work is due before it planned
 * to wake. */
void tern_api_lock(tern_sockets *s);
void tern_api_unlock(tern_sockets *s);

/* Stop the service thread (|manual|: the application pumps with
 * tern_sockets_poll) or start it, running |thread_init| (may be NULL) first
 * on the new thread. Not while another thread is inside tern_sockets_poll.
 * TERN_OK; TERN_IO (the thread could not start). For the GNS compat layer
 * (SteamNetworkingSockets_SetManualPollMode on a live instance). */
tern_result tern_api_set_manual(tern_sockets *s, bool manual, void (*thread_init)(void));

/* The process-wide config root (GNS's Global scope). */
tern_cfg_global *tern_api_root(void);
/* Reload the fake-network options from the root into |s|'s transport. */
void tern_api_load_fake(tern_sockets *s);

#endif
