/* The transport: the only layer that touches sockets, clocks and threads.
 *
 * One tern_tp per instance owns its UDP sockets (dual-stack IPv6 with
 * IPv4-mapped addresses), an epoll set, an eventfd for wake-ups, batched
 * receive (recvmmsg) and send (sendmmsg), and the fake network conditions
 * of the config table (loss, lag, jitter, reordering, duplication, rate
 * limits) applied per direction.
 *
 * Locking: tern_tp_queue() may be called by any thread (it takes a short
 * internal lock to append to the send batch); tern_tp_flush() swaps the
 * batch out under that lock and makes the system calls without it, so no
 * lock is ever held across a syscall. tern_tp_poll() is called by one
 * thread at a time (the service thread, or the application in manual
 * mode). */
#ifndef TERN_TRANSPORT_TRANSPORT_H
#define TERN_TRANSPORT_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/tern.h"

typedef struct tern_tp tern_tp;

/* Received datagrams are handed over in batches: the callee processes the
 * whole batch under its own lock. |local| is the address the datagram was
 * sent to (port: the socket's): from IPV6_PKTINFO/IP_PKTINFO on a socket
 * bound to the wildcard address, the socket's own address otherwise; all
 * zeros when it is not known (no control message, or a multicast or
 * broadcast destination). A reply to |from| that names |local| as its
 * source leaves from the address the peer used, whichever addresses the
 * host has. */
typedef struct tern_rx_dgram {
    uint32_t sock;
    tern_addr from;
    tern_addr local;
    const uint8_t *data;
    size_t len;
} tern_rx_dgram;

typedef void (*tern_tp_recv_fn)(void *owner, int64_t now, const tern_rx_dgram *d, size_t n);

/* Fake network conditions for one direction (GNS's FakePacket* options). */
typedef struct tern_fake_dir {
    float loss_pct; /* 0..100 */
    int32_t lag_ms;
    float reorder_pct; /* extra delay for some packets */
    int32_t reorder_ms;
    float dup_pct;
    int32_t dup_max_ms;
    float jitter_avg_ms, jitter_max_ms, jitter_pct;
    int32_t rate;  /* bytes/s, 0 = unlimited */
    int32_t burst; /* bytes */
} tern_fake_dir;

typedef struct tern_fake_net {
    tern_fake_dir send, recv;
} tern_fake_net;

/* Monotonic microseconds, starting far from zero (like GNS's clock) so
 * that no code can mistake a timestamp for "unset". */
int64_t tern_tp_now(void);

/* |mem| borrowed. TERN_OK; TERN_NOMEM; TERN_IO (epoll/eventfd failed). */
tern_result tern_tp_new(const tern_mem *mem, tern_tp_recv_fn recv, void *owner, tern_tp **out);
void tern_tp_del(tern_tp *tp);

/* Open a UDP socket bound to |local| (NULL: any address, ephemeral port).
 * With |remote| (and no |local|), a socket for talking to that one peer:
 * bound to the local address the route to |remote| uses, with an
 * ephemeral port, and connected to |remote|. Ports are then drawn per
 * local address, not from the one port space that wildcard sockets share,
 * and the kernel drops datagrams from anyone else. Where no route source
 * can be found, it falls back to the wildcard address.
 * TERN_OK with *sock and *bound; TERN_ADDR_IN_USE; TERN_LIMIT_EXCEEDED;
 * TERN_IO. */
tern_result tern_tp_open(tern_tp *tp, const tern_addr *local, const tern_addr *remote,
                         uint32_t *sock, tern_addr *bound);
void tern_tp_close(tern_tp *tp, uint32_t sock);

/* Queue one datagram (copied) for the next flush, to leave from |from|
 * (IPV6_PKTINFO/IP_PKTINFO; NULL or all zeros: the socket's own address,
 * the kernel's choice for a wildcard socket). Fake send conditions apply
 * here. Any thread. */
void tern_tp_queue(tern_tp *tp, uint32_t sock, const tern_addr *from, const tern_addr *to,
                   const uint8_t *data, size_t len);
/* Send everything queued and due. Any thread; no lock held over syscalls. */
void tern_tp_flush(tern_tp *tp, int64_t now);

/* Wait up to |timeout_usec| (-1: forever) for datagrams or a wake-up, then
 * hand every datagram that arrived (and delayed ones now due) to the recv
 * callback. Returns the number of datagrams delivered, or -1 on a fatal
 * error. One thread at a time. */
int tern_tp_poll(tern_tp *tp, int64_t timeout_usec);

/* Make a tern_tp_poll() that is waiting (or the next one) return at once.
 * Any thread; async-signal-safe. */
void tern_tp_wake(tern_tp *tp);

/* The epoll descriptor: readable when a socket has data or a wake-up is
 * pending, for applications that sleep in their own poll loop. */
int tern_tp_fd(const tern_tp *tp);

/* A timer descriptor (timerfd) that polls readable from time |at|
 * (tern_tp_now() clock; INT64_MAX disarms) until armed again. -1 on
 * failure. */
int tern_tp_timer_new(void);
void tern_tp_timer_arm(int fd, int64_t at);

/* Earliest time a delayed (fake lag) packet is due, INT64_MAX if none. */
int64_t tern_tp_next_due(tern_tp *tp);

/* Replace the fake network conditions (copied). Any thread. */
void tern_tp_set_fake(tern_tp *tp, const tern_fake_net *f);

/* Counters for the detailed status and tests. */
typedef struct tern_tp_stats {
    uint64_t dgrams_sent, dgrams_recv, bytes_sent, bytes_recv;
    uint64_t send_errors, fake_dropped, syscalls_send, syscalls_recv;
} tern_tp_stats;
void tern_tp_get_stats(tern_tp *tp, tern_tp_stats *out);

/* An address that names no host: all zeros, or IPv4-mapped 0.0.0.0. */
bool tern_tp_addr_unspecified(const tern_addr *a);

/* Address conversions (exposed for tests). */
struct sockaddr_in6;
void tern_tp_addr_to_sockaddr(const tern_addr *a, struct sockaddr_in6 *sa);
void tern_tp_addr_from_sockaddr(tern_addr *a, const struct sockaddr_in6 *sa);

#endif
