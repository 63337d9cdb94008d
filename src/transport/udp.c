/* UDP sockets, batched I/O and the wake-up descriptor (Linux: epoll,
 * eventfd, recvmmsg, sendmmsg), and the local address of each datagram
 * (IPV6_PKTINFO / IP_PKTINFO) both ways. */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "transport/fake.h"
#include "transport/transport.h"
#include "util/mem.h"

#define RX_BATCH     64
#define RX_BUF       2048 /* larger than any datagram we accept (GNS: 1300 + 1024) */
#define TX_BATCH     64
#define SOCK_BUFSIZE (4 << 20)
#define MAX_EVENTS   64
/* ~30 days, as GNS does: timestamps are never near zero */
#define TP_CLOCK_OFFSET 2592000000000ll

/* Socket slots live in fixed chunks that never move, so a thread that
 * resolved a slot never sees it reallocated. A closed socket's descriptor
 * is kept until nothing queued for it is left and no thread is inside a
 * system call with it (tp->users == 0): its last datagrams (a
 * ConnectionClosed) still go out, and the number cannot be reused under a
 * flusher or the poller. */
#define SLOT_CHUNK  64
#define SLOT_CHUNKS 16384 /* 1,048,576 sockets, as many as there are handles */

/* Room for one IPV6_PKTINFO or IP_PKTINFO message (and a little more for
 * anything else the kernel adds: those are skipped). */
#define CMSG_ROOM 64
typedef union cmsg_buf {
    char buf[CMSG_ROOM];
    struct cmsghdr align;
} cmsg_buf;

enum { SLOT_FREE, SLOT_OPEN, SLOT_CLOSING };

typedef struct sock_slot {
    int fd;
    int family;
    int state;
    bool pktinfo;    /* bound to the wildcard address: the kernel reports each
                        datagram's destination, and takes each one's source */
    uint32_t queued; /* datagrams queued or being sent: a closed socket waits */
    tern_addr bound; /* getsockname() */
} sock_slot;

typedef struct tx_ent {
    uint32_t sock;
    int fd, family; /* resolved when queued */
    tern_addr to;
    tern_addr from; /* all zeros: the socket's own address */
    uint32_t off, len;
} tx_ent;

typedef struct tx_queue {
    tx_ent *e;
    size_t n, cap;
    uint8_t *buf;
    size_t used, bufcap;
} tx_queue;

struct tern_tp {
    const tern_mem *mem;
    tern_tp_recv_fn recv;
    void *owner;
    int epfd, evfd;
    /* Guarded by txlock: the slots' contents, the lists, |users|, |tx|,
     * |spare|, the fake state and |st|. */
    pthread_mutex_t txlock;
    _Atomic(sock_slot *) chunk[SLOT_CHUNKS];
    uint32_t nslots;
    uint32_t *freeids, *closing;
    size_t nfree, freecap, nclosing, closingcap;
    unsigned users; /* threads in a syscall with resolved descriptors */
    tx_queue tx, spare;
    bool have_spare; /* |spare| holds buffers no flusher is using */
    bool flushing;   /* a thread is sending batches; it also sends what others queue */
    tern_fake fake;
    /* receive batch */
    uint8_t rxbuf[RX_BATCH][RX_BUF];
    struct mmsghdr rxmsg[RX_BATCH];
    struct iovec rxiov[RX_BATCH];
    struct sockaddr_in6 rxaddr[RX_BATCH];
    cmsg_buf rxctl[RX_BATCH];
    tern_rx_dgram rxd[RX_BATCH];
    tern_tp_stats st;
};

static sock_slot *slot(tern_tp *tp, uint32_t sock)
{
    if (sock == 0 || sock > tp->nslots) return NULL;
    sock_slot *c = atomic_load_explicit(&tp->chunk[(sock - 1) / SLOT_CHUNK], memory_order_acquire);
    return c ? &c[(sock - 1) % SLOT_CHUNK] : NULL;
}

/* Free the slots of closed sockets that nothing needs any more, handing
 * their descriptors (at most REAP_MAX at a time, into |fds|) to the caller
 * to close once it has let go of txlock. Under txlock. The list is walked
 * from its end and a freed entry is replaced by the last one, so a call
 * costs the sockets it frees plus the ones still waiting for their
 * datagrams, whatever the length of the list: a teardown closes a socket
 * per outbound connection, 100,000 of them at once. */
#define REAP_MAX 256
typedef struct reaped {
    int fds[REAP_MAX];
    int n;
    bool more; /* stopped at REAP_MAX with sockets left to look at */
} reaped;

static void reap(tern_tp *tp, reaped *out)
{
    out->n = 0;
    out->more = false;
    if (tp->users > 0) return;
    size_t i = tp->nclosing;
    while (i > 0 && out->n < REAP_MAX) {
        uint32_t id = tp->closing[--i];
        sock_slot *ss = slot(tp, id);
        if (ss->queued > 0) continue; /* its last datagrams go out first */
        out->fds[out->n++] = ss->fd;
        ss->fd = -1;
        ss->state = SLOT_FREE;
        tp->freeids[tp->nfree++] = id; /* room reserved when it was opened */
        tp->closing[i] = tp->closing[--tp->nclosing];
    }
    out->more = i > 0;
}

/* Close what reap() handed over, and go on reaping while it stopped short.
 * Called without txlock. */
static void close_reaped(tern_tp *tp, reaped *r)
{
    for (;;) {
        for (int i = 0; i < r->n; i++) close(r->fds[i]);
        if (!r->more) return;
        pthread_mutex_lock(&tp->txlock);
        reap(tp, r);
        pthread_mutex_unlock(&tp->txlock);
    }
}

int64_t tern_tp_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 + TP_CLOCK_OFFSET;
}

void tern_tp_addr_to_sockaddr(const tern_addr *a, struct sockaddr_in6 *sa)
{
    memset(sa, 0, sizeof *sa);
    sa->sin6_family = AF_INET6;
    memcpy(&sa->sin6_addr, a->ipv6, 16);
    sa->sin6_port = htons(a->port);
}

void tern_tp_addr_from_sockaddr(tern_addr *a, const struct sockaddr_in6 *sa)
{
    memset(a, 0, sizeof *a);
    if (sa->sin6_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
        a->ipv6[10] = a->ipv6[11] = 0xff;
        memcpy(&a->ipv6[12], &s4->sin_addr, 4);
        a->port = ntohs(s4->sin_port);
        return;
    }
    memcpy(a->ipv6, &sa->sin6_addr, 16);
    a->port = ntohs(sa->sin6_port);
}

bool tern_tp_addr_unspecified(const tern_addr *a)
{
    static const uint8_t mapped_any[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0};
    static const uint8_t any[16] = {0};
    return memcmp(a->ipv6, any, 16) == 0 || memcmp(a->ipv6, mapped_any, 16) == 0;
}

static bool is_mapped(const tern_addr *a)
{
    static const uint8_t pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a->ipv6, pfx, 12) == 0;
}

/* For an AF_INET socket (IPv6 disabled on the host), a mapped address. */
static socklen_t to_native(int family, const tern_addr *a, struct sockaddr_storage *ss)
{
    if (family == AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        memset(s4, 0, sizeof *s4);
        s4->sin_family = AF_INET;
        memcpy(&s4->sin_addr, &a->ipv6[12], 4);
        s4->sin_port = htons(a->port);
        return sizeof *s4;
    }
    tern_tp_addr_to_sockaddr(a, (struct sockaddr_in6 *)ss);
    return sizeof(struct sockaddr_in6);
}

tern_result tern_tp_new(const tern_mem *mem, tern_tp_recv_fn recv, void *owner, tern_tp **out)
{
    mem = tern_mem_or_default(mem);
    tern_tp *tp = tern_calloc(mem, 1, sizeof *tp);
    if (!tp) return TERN_NOMEM;
    tp->mem = mem;
    tp->recv = recv;
    tp->owner = owner;
    tp->epfd = epoll_create1(EPOLL_CLOEXEC);
    tp->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (tp->epfd < 0 || tp->evfd < 0) {
        tern_tp_del(tp);
        return TERN_IO;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 0};
    if (epoll_ctl(tp->epfd, EPOLL_CTL_ADD, tp->evfd, &ev) != 0) {
        tern_tp_del(tp);
        return TERN_IO;
    }
    pthread_mutex_init(&tp->txlock, NULL);
    tern_fake_init(&tp->fake, (uint64_t)tern_tp_now() ^ (uint64_t)(uintptr_t)tp);
    for (int i = 0; i < RX_BATCH; i++) {
        tp->rxiov[i].iov_base = tp->rxbuf[i];
        tp->rxiov[i].iov_len = RX_BUF;
    }
    *out = tp;
    return TERN_OK;
}

void tern_tp_del(tern_tp *tp)
{
    if (!tp) return;
    for (uint32_t id = 1; id <= tp->nslots; id++) {
        sock_slot *ss = slot(tp, id);
        if (ss && ss->state != SLOT_FREE) close(ss->fd);
    }
    for (size_t c = 0; c < SLOT_CHUNKS; c++) tern_free(tp->mem, atomic_load(&tp->chunk[c]));
    if (tp->epfd >= 0) close(tp->epfd);
    if (tp->evfd >= 0) close(tp->evfd);
    tern_free(tp->mem, tp->freeids);
    tern_free(tp->mem, tp->closing);
    tern_free(tp->mem, tp->tx.e);
    tern_free(tp->mem, tp->tx.buf);
    tern_free(tp->mem, tp->spare.e);
    tern_free(tp->mem, tp->spare.buf);
    tern_fake_free(&tp->fake, tp->mem);
    pthread_mutex_destroy(&tp->txlock);
    tern_free(tp->mem, tp);
}

static void set_bufsize(int fd)
{
    /* The congestion controller paces, but a burst of acks or a busy
     * application can still leave the receive side behind for a moment:
     * give the kernel room (FORCE works for root, past rmem_max). */
    int v = SOCK_BUFSIZE;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof v) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof v) != 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
}

/* The port may still be held by a socket closed a moment ago whose
 * descriptor waits for a flusher or the poller (see reap): wait for that,
 * briefly. True when there was such a socket and none is left. */
static bool wait_reaped(tern_tp *tp)
{
    for (int i = 0; i < 200; i++) {
        reaped rp;
        pthread_mutex_lock(&tp->txlock);
        bool had = tp->nclosing > 0;
        reap(tp, &rp);
        pthread_mutex_unlock(&tp->txlock);
        close_reaped(tp, &rp);
        pthread_mutex_lock(&tp->txlock);
        size_t left = tp->nclosing;
        pthread_mutex_unlock(&tp->txlock);
        if (!had) return false;
        if (left == 0) return true;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return false;
}

static int new_socket(int *family)
{
    *family = AF_INET6;
    int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 && (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)) {
        /* IPv6 is disabled on this host: IPv4 only. */
        *family = AF_INET;
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    }
    if (fd >= 0 && *family == AF_INET6) {
        int off = 0;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    }
    return fd;
}

/* The source address the kernel picks for |remote|: what a throwaway
 * socket connected to it is bound to. (Connecting the real socket instead
 * would not do: a UDP connect draws its port while the socket is still
 * bound to the wildcard address, from the port space shared by all.) */
static bool route_source(int family, const tern_addr *remote, tern_addr *src)
{
    if (family == AF_INET && !is_mapped(remote)) return false;
    int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    if (family == AF_INET6) {
        int off = 0;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    }
    struct sockaddr_storage ss;
    socklen_t sl = to_native(family, remote, &ss);
    bool ok = connect(fd, (struct sockaddr *)&ss, sl) == 0;
    sl = sizeof ss;
    ok = ok && getsockname(fd, (struct sockaddr *)&ss, &sl) == 0;
    close(fd);
    if (!ok) return false;
    tern_tp_addr_from_sockaddr(src, (const struct sockaddr_in6 *)&ss);
    src->port = 0;
    return !tern_tp_addr_unspecified(src);
}

/* Bind |fd| to |local|, waiting out a just-closed holder of the port. */
static int bind_to(tern_tp *tp, int fd, int family, const tern_addr *local)
{
    struct sockaddr_storage ss;
    socklen_t sl = to_native(family, local, &ss);
    int br = bind(fd, (struct sockaddr *)&ss, sl);
    if (br != 0 && errno == EADDRINUSE && wait_reaped(tp))
        br = bind(fd, (struct sockaddr *)&ss, sl);
    return br == 0 ? 0 : errno;
}

/* A slot for |fd|, under txlock. */
static tern_result take_slot(tern_tp *tp, uint32_t *out)
{
    uint32_t id = 0;
    bool fresh = false;
    tern_result r = TERN_OK;
    if (tp->nfree > 0) {
        id = tp->freeids[--tp->nfree];
    } else if (tp->nslots == SLOT_CHUNK * SLOT_CHUNKS) {
        r = TERN_LIMIT_EXCEEDED;
    } else {
        size_t c = tp->nslots / SLOT_CHUNK;
        if (!atomic_load_explicit(&tp->chunk[c], memory_order_relaxed)) {
            sock_slot *ch = tern_calloc(tp->mem, SLOT_CHUNK, sizeof *ch);
            if (ch)
                atomic_store_explicit(&tp->chunk[c], ch, memory_order_release);
            else
                r = TERN_NOMEM;
        }
        if (r == TERN_OK) {
            id = ++tp->nslots;
            fresh = true;
        }
    }
    /* Room for the id on the closing and free lists later, so that closing
     * can never fail. */
    if (r == TERN_OK && (tern_grow(tp->mem, (void **)&tp->freeids, &tp->freecap, tp->nslots,
                                   sizeof(uint32_t)) != TERN_OK ||
                         tern_grow(tp->mem, (void **)&tp->closing, &tp->closingcap, tp->nslots,
                                   sizeof(uint32_t)) != TERN_OK))
        r = TERN_NOMEM;
    if (r != TERN_OK) {
        if (fresh)
            tp->nslots--;
        else if (id)
            tp->freeids[tp->nfree++] = id; /* where it came from */
        return r;
    }
    *out = id;
    return TERN_OK;
}

tern_result tern_tp_open(tern_tp *tp, const tern_addr *local, const tern_addr *remote,
                         uint32_t *sock, tern_addr *bound)
{
    tern_addr any = {{0}, 0}, src;
    int family;
    int fd = new_socket(&family);
    if (fd < 0) return TERN_IO;
    set_bufsize(fd);
    bool peer = !local && remote && route_source(family, remote, &src);
    int e = bind_to(tp, fd, family, peer ? &src : local ? local : &any);
    if (e == EADDRNOTAVAIL && peer) {
        /* The source went away since the probe: the wildcard, as before. */
        peer = false;
        e = bind_to(tp, fd, family, &any);
    }
    if (e != 0) {
        close(fd);
        return e == EADDRINUSE ? TERN_ADDR_IN_USE : TERN_IO;
    }
    if (peer) {
        /* Best effort: unconnected, the socket works all the same (the
         * connection layer checks the source of every datagram itself). */
        struct sockaddr_storage rs;
        socklen_t rl = to_native(family, remote, &rs);
        (void)connect(fd, (struct sockaddr *)&rs, rl);
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
        close(fd);
        return TERN_IO;
    }
    tern_addr me;
    tern_tp_addr_from_sockaddr(&me, (const struct sockaddr_in6 *)&ss);
    bool pktinfo = tern_tp_addr_unspecified(&me);
    if (pktinfo) {
        /* A wildcard socket: learn where each datagram was sent, so that
         * the reply can leave from there (a multi-homed host would
         * otherwise answer from its primary address, and the peer would
         * drop it). */
        int on = 1;
        int ok = family == AF_INET6 ? setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on)
                                    : setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
        if (ok != 0) pktinfo = false;
    }
    pthread_mutex_lock(&tp->txlock);
    uint32_t id;
    tern_result r = take_slot(tp, &id);
    if (r != TERN_OK) {
        pthread_mutex_unlock(&tp->txlock);
        close(fd);
        return r;
    }
    sock_slot *slt = slot(tp, id);
    slt->fd = fd;
    slt->family = family;
    slt->state = SLOT_OPEN;
    slt->pktinfo = pktinfo;
    slt->queued = 0;
    slt->bound = me;
    pthread_mutex_unlock(&tp->txlock);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = id};
    if (epoll_ctl(tp->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        pthread_mutex_lock(&tp->txlock);
        slt->state = SLOT_FREE;
        slt->fd = -1;
        tp->freeids[tp->nfree++] = id;
        pthread_mutex_unlock(&tp->txlock);
        close(fd);
        return TERN_IO;
    }
    if (bound) *bound = me;
    *sock = id;
    return TERN_OK;
}

void tern_tp_close(tern_tp *tp, uint32_t sock)
{
    pthread_mutex_lock(&tp->txlock);
    sock_slot *ss = slot(tp, sock);
    if (ss && ss->state == SLOT_OPEN) {
        /* No more reading; the descriptor goes (and leaves the epoll set)
         * at the next flush or poll that finds its queue sent, so the
         * caller, who may hold the instance lock, makes no system call. */
        ss->state = SLOT_CLOSING;
        tp->closing[tp->nclosing++] = sock;
    }
    pthread_mutex_unlock(&tp->txlock);
}

/* --- sending ------------------------------------------------------------------ */

static bool txq_append(tern_tp *tp, tx_queue *q, uint32_t sock, const tern_addr *from,
                       const tern_addr *to, const uint8_t *data, size_t len)
{
    sock_slot *ss = slot(tp, sock);
    if (!ss || ss->state == SLOT_FREE) return false;
    if (tern_grow(tp->mem, (void **)&q->e, &q->cap, q->n + 1, sizeof *q->e) != TERN_OK)
        return false;
    if (tern_grow(tp->mem, (void **)&q->buf, &q->bufcap, q->used + len, 1) != TERN_OK) return false;
    memcpy(q->buf + q->used, data, len);
    tx_ent *e = &q->e[q->n++];
    e->sock = sock;
    e->fd = ss->fd;
    e->family = ss->family;
    e->to = *to;
    /* Only a wildcard socket needs telling; a source of the other family
     * than the destination's would make the kernel refuse the datagram. */
    if (from && ss->pktinfo && !tern_tp_addr_unspecified(from) && is_mapped(from) == is_mapped(to))
        e->from = *from;
    else
        memset(&e->from, 0, sizeof e->from);
    e->off = (uint32_t)q->used;
    e->len = (uint32_t)len;
    q->used += len;
    ss->queued++;
    return true;
}

void tern_tp_queue(tern_tp *tp, uint32_t sock, const tern_addr *from, const tern_addr *to,
                   const uint8_t *data, size_t len)
{
    pthread_mutex_lock(&tp->txlock);
    if (!tern_fake_active(&tp->fake, 0)) {
        txq_append(tp, &tp->tx, sock, from, to, data, len);
    } else {
        /* Fake send conditions: the packet may be dropped, delayed or
         * doubled; delayed ones wait in the fake queue. */
        tern_fake_push(&tp->fake, tp->mem, 0, tern_tp_now(), sock, to, from, data, len);
    }
    pthread_mutex_unlock(&tp->txlock);
}

/* The source address of one datagram, as a control message. */
static size_t put_source(int family, const tern_addr *from, cmsg_buf *cb)
{
    memset(cb, 0, sizeof *cb);
    struct cmsghdr *cm = &cb->align;
    if (family == AF_INET6) {
        struct in6_pktinfo pi = {.ipi6_ifindex = 0};
        memcpy(&pi.ipi6_addr, from->ipv6, 16);
        cm->cmsg_level = IPPROTO_IPV6;
        cm->cmsg_type = IPV6_PKTINFO;
        cm->cmsg_len = CMSG_LEN(sizeof pi);
        memcpy(CMSG_DATA(cm), &pi, sizeof pi);
        return CMSG_SPACE(sizeof pi);
    }
    struct in_pktinfo pi = {.ipi_ifindex = 0};
    memcpy(&pi.ipi_spec_dst, &from->ipv6[12], 4);
    cm->cmsg_level = IPPROTO_IP;
    cm->cmsg_type = IP_PKTINFO;
    cm->cmsg_len = CMSG_LEN(sizeof pi);
    memcpy(CMSG_DATA(cm), &pi, sizeof pi);
    return CMSG_SPACE(sizeof pi);
}

/* Sends one taken batch; the descriptors in it stay open meanwhile
 * (tp->users). Counts into |st|, which the caller adds under the lock. */
static void send_batch(tx_queue *q, tern_tp_stats *st)
{
    struct mmsghdr msg[TX_BATCH];
    struct iovec iov[TX_BATCH];
    struct sockaddr_storage addr[TX_BATCH];
    cmsg_buf ctl[TX_BATCH];
    size_t i = 0;
    while (i < q->n) {
        int fd = q->e[i].fd;
        /* One sendmmsg per run of datagrams from the same socket. */
        unsigned k = 0;
        while (i + k < q->n && k < TX_BATCH && q->e[i + k].fd == fd) {
            tx_ent *e = &q->e[i + k];
            iov[k].iov_base = q->buf + e->off;
            iov[k].iov_len = e->len;
            memset(&msg[k], 0, sizeof msg[k]);
            msg[k].msg_hdr.msg_iov = &iov[k];
            msg[k].msg_hdr.msg_iovlen = 1;
            msg[k].msg_hdr.msg_name = &addr[k];
            msg[k].msg_hdr.msg_namelen = to_native(e->family, &e->to, &addr[k]);
            if (!tern_tp_addr_unspecified(&e->from)) {
                msg[k].msg_hdr.msg_control = &ctl[k];
                msg[k].msg_hdr.msg_controllen = put_source(e->family, &e->from, &ctl[k]);
            }
            k++;
        }
        unsigned done = 0;
        while (done < k) {
            int r = sendmmsg(fd, msg + done, k - done, 0);
            st->syscalls_send++;
            if (r < 0) {
                if (errno == EINTR) continue;
                /* A datagram that cannot go (EAGAIN: the socket buffer is
                 * full; unreachable destination) is lost, as UDP loses it;
                 * the reliability layer recovers. Skip it. */
                st->send_errors++;
                done++;
                continue;
            }
            for (int j = 0; j < r; j++) st->bytes_sent += msg[done + (unsigned)j].msg_len;
            st->dgrams_sent += (uint64_t)r;
            done += (unsigned)r;
        }
        i += k;
    }
}

/* The sockets of a sent batch no longer wait for it. Under txlock. */
static void batch_sent(tern_tp *tp, tx_queue *q)
{
    for (size_t i = 0; i < q->n; i++) {
        sock_slot *ss = slot(tp, q->e[i].sock);
        if (ss && ss->queued > 0) ss->queued--;
    }
    q->n = 0;
    q->used = 0;
}

static void add_tx_stats(tern_tp_stats *to, const tern_tp_stats *st)
{
    to->syscalls_send += st->syscalls_send;
    to->send_errors += st->send_errors;
    to->bytes_sent += st->bytes_sent;
    to->dgrams_sent += st->dgrams_sent;
}

void tern_tp_flush(tern_tp *tp, int64_t now)
{
    pthread_mutex_lock(&tp->txlock);
    /* Release fake-delayed sends that are due into the batch. */
    if (tern_fake_pending(&tp->fake, 0)) {
        tern_fake_pkt p;
        while (tern_fake_pop_due(&tp->fake, 0, now, &p)) {
            txq_append(tp, &tp->tx, p.sock, &p.local, &p.addr, p.data, p.len);
            tern_fake_pkt_free(&tp->fake, tp->mem, &p);
        }
    }
    reaped rp;
    /* One flusher at a time, so datagrams leave in the order they were
     * queued: with two threads each sending a batch, a connection's
     * ConnectionClosed could overtake the data queued before it. A thread
     * that finds another flushing leaves its datagrams to that one, which
     * looks for more before it stops. No lock is held over the syscall. */
    if (tp->flushing || tp->tx.n == 0) {
        reap(tp, &rp);
        pthread_mutex_unlock(&tp->txlock);
        close_reaped(tp, &rp);
        return;
    }
    tp->flushing = true;
    tp->users++;
    for (;;) {
        /* Take the batch; leave behind the spare buffers (or an empty
         * queue) for the threads queueing meanwhile. */
        tx_queue q = tp->tx;
        if (tp->have_spare) {
            tp->tx = tp->spare;
            memset(&tp->spare, 0, sizeof tp->spare);
            tp->have_spare = false;
        } else {
            memset(&tp->tx, 0, sizeof tp->tx);
        }
        pthread_mutex_unlock(&tp->txlock);
        tern_tp_stats st = {0};
        send_batch(&q, &st);
        pthread_mutex_lock(&tp->txlock);
        add_tx_stats(&tp->st, &st);
        batch_sent(tp, &q);
        if (!tp->have_spare) {
            tp->spare = q;
            tp->have_spare = true;
            q.e = NULL;
            q.buf = NULL;
        }
        bool more = tp->tx.n > 0;
        if (!more) {
            tp->flushing = false;
            tp->users--;
            reap(tp, &rp);
        }
        pthread_mutex_unlock(&tp->txlock);
        tern_free(tp->mem, q.e);
        tern_free(tp->mem, q.buf);
        if (!more) break;
        pthread_mutex_lock(&tp->txlock);
    }
    close_reaped(tp, &rp);
}

/* --- receiving ----------------------------------------------------------------- */

/* A socket resolved for one poll: its descriptor and where datagrams to it
 * arrive. */
typedef struct rx_sock {
    int fd;
    bool pktinfo;
    tern_addr bound;
} rx_sock;

/* The destination of a datagram from its IPV6_PKTINFO / IP_PKTINFO
 * message; all zeros when there is none, or when it is a multicast or
 * broadcast address, which cannot be the source of a reply. */
static void read_local(struct msghdr *mh, tern_addr *local)
{
    memset(local->ipv6, 0, 16);
    if (mh->msg_flags & MSG_CTRUNC) return;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
        if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO &&
            cm->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
            struct in6_pktinfo pi;
            memcpy(&pi, CMSG_DATA(cm), sizeof pi);
            memcpy(local->ipv6, &pi.ipi6_addr, 16);
            break;
        }
        if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO &&
            cm->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(cm), sizeof pi);
            local->ipv6[10] = local->ipv6[11] = 0xff;
            memcpy(&local->ipv6[12], &pi.ipi_addr, 4);
            break;
        }
    }
    bool multi = is_mapped(local) ? local->ipv6[12] >= 224 : local->ipv6[0] == 0xff;
    if (multi) memset(local->ipv6, 0, 16); /* class D and E, 255.255.255.255, ff00::/8 */
}

static int drain_socket(tern_tp *tp, uint32_t sock, const rx_sock *rs, int64_t now)
{
    int total = 0;
    for (int rounds = 0; rounds < 16; rounds++) {
        for (int i = 0; i < RX_BATCH; i++) {
            memset(&tp->rxmsg[i], 0, sizeof tp->rxmsg[i]);
            tp->rxmsg[i].msg_hdr.msg_iov = &tp->rxiov[i];
            tp->rxmsg[i].msg_hdr.msg_iovlen = 1;
            tp->rxmsg[i].msg_hdr.msg_name = &tp->rxaddr[i];
            tp->rxmsg[i].msg_hdr.msg_namelen = sizeof tp->rxaddr[i];
            if (rs->pktinfo) {
                tp->rxmsg[i].msg_hdr.msg_control = &tp->rxctl[i];
                tp->rxmsg[i].msg_hdr.msg_controllen = sizeof tp->rxctl[i];
            }
        }
        int fd = rs->fd;
        int r = recvmmsg(fd, tp->rxmsg, RX_BATCH, MSG_DONTWAIT, NULL);
        uint64_t bytes = 0;
        if (r <= 0) {
            pthread_mutex_lock(&tp->txlock);
            tp->st.syscalls_recv++;
            pthread_mutex_unlock(&tp->txlock);
            break;
        }
        size_t n = 0;
        for (int i = 0; i < r; i++) {
            if (tp->rxmsg[i].msg_hdr.msg_flags & MSG_TRUNC) continue; /* oversized: not ours */
            tern_rx_dgram *d = &tp->rxd[n];
            d->sock = sock;
            tern_tp_addr_from_sockaddr(&d->from, &tp->rxaddr[i]);
            d->local = rs->bound;
            if (rs->pktinfo) read_local(&tp->rxmsg[i].msg_hdr, &d->local);
            d->data = tp->rxbuf[i];
            d->len = tp->rxmsg[i].msg_len;
            bytes += d->len;
            n++;
        }
        pthread_mutex_lock(&tp->txlock);
        tp->st.syscalls_recv++;
        tp->st.bytes_recv += bytes;
        tp->st.dgrams_recv += (uint64_t)r;
        bool fake = tern_fake_active(&tp->fake, 1);
        if (fake)
            for (size_t i = 0; i < n; i++)
                tern_fake_push(&tp->fake, tp->mem, 1, now, tp->rxd[i].sock, &tp->rxd[i].from,
                               &tp->rxd[i].local, tp->rxd[i].data, tp->rxd[i].len);
        pthread_mutex_unlock(&tp->txlock);
        if (!fake && n) {
            tp->recv(tp->owner, now, tp->rxd, n);
        }
        total += r;
        if (r < RX_BATCH) break;
    }
    return total;
}

static int deliver_delayed(tern_tp *tp, int64_t now)
{
    int n = 0;
    for (;;) {
        tern_fake_pkt p;
        pthread_mutex_lock(&tp->txlock);
        bool got = tern_fake_pop_due(&tp->fake, 1, now, &p);
        pthread_mutex_unlock(&tp->txlock);
        if (!got) break;
        tern_rx_dgram d = {p.sock, p.addr, p.local, p.data, p.len};
        tp->recv(tp->owner, now, &d, 1);
        tern_free(tp->mem, p.data);
        n++;
    }
    return n;
}

int tern_tp_poll(tern_tp *tp, int64_t timeout_usec)
{
    int64_t now = tern_tp_now();
    int64_t due = tern_tp_next_due(tp);
    if (due != INT64_MAX) {
        int64_t until = due - now;
        if (until < 0) until = 0;
        if (timeout_usec < 0 || until < timeout_usec) timeout_usec = until;
    }
    struct epoll_event ev[MAX_EVENTS];
    int n;
    if (timeout_usec < 0) {
        n = epoll_wait(tp->epfd, ev, MAX_EVENTS, -1);
    } else {
        struct timespec ts = {(time_t)(timeout_usec / 1000000),
                              (long)(timeout_usec % 1000000) * 1000};
        n = epoll_pwait2(tp->epfd, ev, MAX_EVENTS, &ts, NULL);
        if (n < 0 && errno == ENOSYS)
            n = epoll_wait(tp->epfd, ev, MAX_EVENTS, (int)((timeout_usec + 999) / 1000));
    }
    if (n < 0) return errno == EINTR ? 0 : -1;
    now = tern_tp_now();
    int got = 0;
    /* Resolve the sockets once; their descriptors stay open until
     * tp->users drops back. */
    rx_sock rs[MAX_EVENTS];
    pthread_mutex_lock(&tp->txlock);
    for (int i = 0; i < n; i++) {
        sock_slot *ss = slot(tp, ev[i].data.u32);
        rs[i].fd = ss && ss->state == SLOT_OPEN ? ss->fd : -1;
        if (rs[i].fd < 0) continue;
        rs[i].pktinfo = ss->pktinfo;
        rs[i].bound = ss->bound;
    }
    tp->users++;
    pthread_mutex_unlock(&tp->txlock);
    for (int i = 0; i < n; i++) {
        uint32_t id = ev[i].data.u32;
        if (id == 0) {
            uint64_t v;
            while (read(tp->evfd, &v, sizeof v) > 0) {}
            continue;
        }
        if (rs[i].fd >= 0) got += drain_socket(tp, id, &rs[i], now);
    }
    reaped rp;
    pthread_mutex_lock(&tp->txlock);
    tp->users--;
    reap(tp, &rp);
    pthread_mutex_unlock(&tp->txlock);
    close_reaped(tp, &rp);
    got += deliver_delayed(tp, now);
    return got;
}

void tern_tp_wake(tern_tp *tp)
{
    uint64_t one = 1;
    ssize_t r = write(tp->evfd, &one, sizeof one);
    (void)r; /* a full counter already means "wake" */
}

int tern_tp_fd(const tern_tp *tp)
{
    return tp->epfd;
}

int tern_tp_timer_new(void)
{
    return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
}

void tern_tp_timer_arm(int fd, int64_t at)
{
    struct itimerspec its = {{0, 0}, {0, 0}};
    if (at != INT64_MAX) {
        int64_t mono = at - TP_CLOCK_OFFSET;
        if (mono < 1) mono = 1; /* zero would disarm */
        its.it_value.tv_sec = (time_t)(mono / 1000000);
        its.it_value.tv_nsec = (long)(mono % 1000000) * 1000;
    }
    timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
}

int64_t tern_tp_next_due(tern_tp *tp)
{
    pthread_mutex_lock(&tp->txlock);
    int64_t t = tern_fake_next_due(&tp->fake);
    pthread_mutex_unlock(&tp->txlock);
    return t;
}

void tern_tp_set_fake(tern_tp *tp, const tern_fake_net *f)
{
    pthread_mutex_lock(&tp->txlock);
    tern_fake_configure(&tp->fake, f);
    pthread_mutex_unlock(&tp->txlock);
}

void tern_tp_get_stats(tern_tp *tp, tern_tp_stats *out)
{
    pthread_mutex_lock(&tp->txlock);
    *out = tp->st;
    out->fake_dropped = tern_fake_dropped(&tp->fake);
    pthread_mutex_unlock(&tp->txlock);
}
