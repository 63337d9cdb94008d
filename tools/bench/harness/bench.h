/* The benchmark harness: one set of scenarios (harness.c) driven over one
 * of several backends (tern, ENet, raw UDP, the GNS flat API), so every
 * peer runs exactly the same client and server logic.
 *
 * A backend gives connections, reliable/unreliable messages and a poll
 * that delivers callbacks. It is linked statically into its own program
 * (tern-bench, bench-enet, bench-udp, bench-gns). */
#ifndef TERN_BENCH_BENCH_H
#define TERN_BENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BENCH_MAX_LANES 8

/* be_send flags */
#define BE_RELIABLE 1
#define BE_NOW      2 /* no Nagle / batching: out as soon as possible */

/* be_send results */
#define BE_OK   0
#define BE_FULL 1  /* the backend's send buffer is full: poll and retry */
#define BE_ERR  -1 /* the connection is gone */

typedef struct bench_cb {
    void *u;
    /* An outbound connection completed, or an inbound one was accepted and
     * completed. */
    void (*connected)(void *u, uint64_t conn);
    /* The connection ended (peer closed, timeout, failure). The backend has
     * released it; the id must not be used again. */
    void (*closed)(void *u, uint64_t conn);
    void (*message)(void *u, uint64_t conn, const uint8_t *data, uint32_t len);
} bench_cb;

typedef struct be_opts {
    const char *variant; /* backend-specific, see each backend's be_usage */
    int lanes;           /* 1..BENCH_MAX_LANES */
    bool server;
} be_opts;

typedef struct be be;

/* Names and option help of the linked backend. */
extern const char be_name[];
extern const char be_variants[];
/* The most connections one process can hold (ENet: its peer limit). */
int be_max_conns(const be_opts *o);

be *be_new(const bench_cb *cb, const be_opts *o);
void be_del(be *b);
/* 0 or -1 (with a message on stderr). */
int be_listen(be *b, int port);
/* Start connecting; 0 and *conn, or -1 (out of sockets, ...). */
int be_connect(be *b, const char *host, int port, uint64_t *conn);
/* lane < opts.lanes. BE_OK, BE_FULL, BE_ERR. */
int be_send(be *b, uint64_t conn, int lane, const void *data, uint32_t len, int flags);
void be_flush(be *b, uint64_t conn);
void be_close(be *b, uint64_t conn);
/* Do pending work and deliver callbacks; when nothing was delivered, wait
 * up to |timeout_us| (0: don't) for something and deliver that. */
void be_poll(be *b, int64_t timeout_us);

/* Commands of this program beyond server/client (tern-bench: crypto).
 * Returns the exit code, or -1 when argv[1] is not one of them. */
int be_extra_main(int argc, char **argv);

/* --- helpers shared by the harness and backends (util.c) --- */
int64_t bench_now_us(void);
void bench_sleep_us(int64_t us);
/* user+system CPU of the whole process, microseconds */
int64_t bench_cpu_us(void);
/* bytes the C heap has handed out (all arenas, mmapped chunks included) */
int64_t bench_heap_bytes(void);
int64_t bench_rss_kb(void);
void bench_raise_nofile(long want);
/* Resolve "a.b.c.d" or "::1" with |port| into a sockaddr; 0 or -1. */
int bench_parse_host(const char *host, int port, void *sockaddr_storage, unsigned *len);

#ifdef __cplusplus
}
#endif
#endif
