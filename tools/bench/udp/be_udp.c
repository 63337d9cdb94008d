/* The raw UDP backend (bench-udp): no protocol at all, one datagram per
 * message, so its figures are what the box itself can move. A "connection"
 * is a connected client socket; the server learns peers from the first
 * datagram. Nothing is reliable: the harness counts what arrives.
 *
 * Variants: plain-block (sendto/recv, sleep in poll() when idle; the
 * default), plain-poll (spin on non-blocking recv instead of sleeping),
 * mmsg-block and mmsg-poll (sendmmsg/recvmmsg batches of 64). Socket
 * buffers are 4 MiB like tern's. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

const char be_name[] = "udp";
const char be_variants[] = "plain-block (default), plain-poll, mmsg-block, mmsg-poll";

#define MAX_PEERS 256
#define BATCH     64
#define MAX_DGRAM 65536
#define BUFSIZE   (4 << 20)

typedef struct peer {
    struct sockaddr_storage addr;
    socklen_t len;
    int fd; /* client: its own connected socket; server: the listen socket */
    bool used;
} peer;

struct be {
    bench_cb cb;
    bool server, mmsg, spin;
    int lfd;                   /* server socket */
    peer peers[MAX_PEERS + 1]; /* id = index, 0 unused */
    uint64_t announce[MAX_PEERS];
    int nannounce;
    /* send batch (mmsg) */
    struct mmsghdr tx[BATCH];
    struct iovec txv[BATCH];
    uint8_t *txbuf;
    size_t txused;
    int ntx, txfd;
    /* receive batch */
    struct mmsghdr rx[BATCH];
    struct iovec rxv[BATCH];
    struct sockaddr_storage rxaddr[BATCH];
    uint8_t *rxbuf;
    int delivered;
};

int be_max_conns(const be_opts *o)
{
    (void)o;
    return MAX_PEERS;
}

int be_extra_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return -1;
}

be *be_new(const bench_cb *cb, const be_opts *o)
{
    be *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->cb = *cb;
    b->server = o->server;
    const char *v = o->variant ? o->variant : "";
    b->mmsg = !strncmp(v, "mmsg", 4);
    b->spin = strstr(v, "poll") != NULL;
    b->lfd = -1;
    b->txfd = -1;
    b->txbuf = malloc((size_t)BATCH * MAX_DGRAM);
    b->rxbuf = malloc((size_t)BATCH * MAX_DGRAM);
    if (!b->txbuf || !b->rxbuf) {
        free(b->txbuf);
        free(b->rxbuf);
        free(b);
        return NULL;
    }
    for (int i = 0; i < BATCH; i++) {
        b->rxv[i].iov_base = b->rxbuf + (size_t)i * MAX_DGRAM;
        b->rxv[i].iov_len = MAX_DGRAM;
        b->rx[i].msg_hdr.msg_iov = &b->rxv[i];
        b->rx[i].msg_hdr.msg_iovlen = 1;
        b->rx[i].msg_hdr.msg_name = &b->rxaddr[i];
    }
    return b;
}

static void flush_tx(be *b)
{
    int done = 0;
    while (done < b->ntx) {
        int n = sendmmsg(b->txfd, b->tx + done, (unsigned)(b->ntx - done), 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            break; /* ECONNREFUSED and the like: the datagrams are lost */
        }
        done += n;
    }
    b->ntx = 0;
    b->txused = 0;
}

void be_del(be *b)
{
    if (!b) return;
    if (b->ntx) flush_tx(b);
    if (b->lfd >= 0) close(b->lfd);
    for (int i = 1; i <= MAX_PEERS; i++)
        if (b->peers[i].used && !b->server) close(b->peers[i].fd);
    free(b->txbuf);
    free(b->rxbuf);
    free(b);
}

static void set_bufs(int fd)
{
    int v = BUFSIZE;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof v) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof v) != 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
}

int be_listen(be *b, int port)
{
    int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int off = 0;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    set_bufs(fd);
    struct sockaddr_in6 a = {0};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons((uint16_t)port);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("bench-udp: bind");
        close(fd);
        return -1;
    }
    b->lfd = fd;
    return 0;
}

int be_connect(be *b, const char *host, int port, uint64_t *conn)
{
    int id = 1;
    while (id <= MAX_PEERS && b->peers[id].used) id++;
    if (id > MAX_PEERS) return -1;
    peer *p = &b->peers[id];
    unsigned len;
    if (bench_parse_host(host, port, &p->addr, &len) != 0) return -1;
    p->len = len;
    int fd = socket(p->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    set_bufs(fd);
    if (connect(fd, (struct sockaddr *)&p->addr, p->len) != 0) {
        close(fd);
        return -1;
    }
    p->fd = fd;
    p->used = true;
    b->announce[b->nannounce++] = (uint64_t)id;
    *conn = (uint64_t)id;
    return 0;
}

int be_send(be *b, uint64_t conn, int lane, const void *data, uint32_t len, int flags)
{
    (void)lane;
    if (conn == 0 || conn > MAX_PEERS || !b->peers[conn].used) return BE_ERR;
    if (len > MAX_DGRAM - 64) return BE_ERR;
    peer *p = &b->peers[conn];
    bool connected_fd = !b->server;
    if (!b->mmsg) {
        ssize_t r;
        do {
            r = connected_fd ? send(p->fd, data, len, 0)
                             : sendto(p->fd, data, len, 0, (struct sockaddr *)&p->addr, p->len);
        } while (r < 0 && errno == EINTR);
        return BE_OK; /* a refused or dropped datagram is loss, not an error */
    }
    if (b->ntx && (b->txfd != p->fd || b->txused + len > (size_t)BATCH * MAX_DGRAM)) flush_tx(b);
    int i = b->ntx++;
    b->txfd = p->fd;
    memcpy(b->txbuf + b->txused, data, len);
    b->txv[i].iov_base = b->txbuf + b->txused;
    b->txv[i].iov_len = len;
    b->txused += len;
    memset(&b->tx[i], 0, sizeof b->tx[i]);
    b->tx[i].msg_hdr.msg_iov = &b->txv[i];
    b->tx[i].msg_hdr.msg_iovlen = 1;
    if (!connected_fd) {
        b->tx[i].msg_hdr.msg_name = &p->addr;
        b->tx[i].msg_hdr.msg_namelen = p->len;
    }
    if (b->ntx == BATCH || (flags & BE_NOW)) flush_tx(b);
    return BE_OK;
}

void be_flush(be *b, uint64_t conn)
{
    (void)conn;
    if (b->ntx) flush_tx(b);
}

void be_close(be *b, uint64_t conn)
{
    if (conn == 0 || conn > MAX_PEERS || !b->peers[conn].used) return;
    if (b->ntx) flush_tx(b);
    if (!b->server) close(b->peers[conn].fd);
    b->peers[conn].used = false;
}

static uint64_t peer_of(be *b, const struct sockaddr_storage *a, socklen_t len)
{
    int free_id = 0;
    for (int i = 1; i <= MAX_PEERS; i++) {
        if (!b->peers[i].used) {
            if (!free_id) free_id = i;
            continue;
        }
        if (b->peers[i].len == len && !memcmp(&b->peers[i].addr, a, len)) return (uint64_t)i;
    }
    if (!free_id) return 0;
    peer *p = &b->peers[free_id];
    memcpy(&p->addr, a, len);
    p->len = len;
    p->fd = b->lfd;
    p->used = true;
    b->cb.connected(b->cb.u, (uint64_t)free_id);
    return (uint64_t)free_id;
}

/* Read what is waiting on |fd| (client: the peer |id|); returns datagrams. */
static int drain_fd(be *b, int fd, uint64_t id)
{
    int total = 0;
    for (int rounds = 0; rounds < 64; rounds++) {
        int n;
        if (b->mmsg) {
            for (int i = 0; i < BATCH; i++) b->rx[i].msg_hdr.msg_namelen = sizeof b->rxaddr[i];
            n = recvmmsg(fd, b->rx, BATCH, MSG_DONTWAIT, NULL);
        } else {
            b->rx[0].msg_hdr.msg_namelen = sizeof b->rxaddr[0];
            ssize_t r = recvmsg(fd, &b->rx[0].msg_hdr, MSG_DONTWAIT);
            if (r >= 0) b->rx[0].msg_len = (unsigned)r;
            n = r < 0 ? -1 : 1;
        }
        if (n <= 0) break;
        for (int i = 0; i < n; i++) {
            uint64_t from = id ? id : peer_of(b, &b->rxaddr[i], b->rx[i].msg_hdr.msg_namelen);
            if (from) b->cb.message(b->cb.u, from, b->rxv[i].iov_base, b->rx[i].msg_len);
        }
        total += n;
        if (n < (b->mmsg ? BATCH : 1)) break;
    }
    return total;
}

static int drain_all(be *b)
{
    int n = 0;
    if (b->server) return drain_fd(b, b->lfd, 0);
    for (int i = 1; i <= MAX_PEERS; i++)
        if (b->peers[i].used) n += drain_fd(b, b->peers[i].fd, (uint64_t)i);
    return n;
}

void be_poll(be *b, int64_t timeout_us)
{
    if (b->ntx) flush_tx(b);
    int n = 0;
    while (b->nannounce) {
        uint64_t id = b->announce[--b->nannounce];
        b->cb.connected(b->cb.u, id);
        n++;
    }
    n += drain_all(b);
    if (n || timeout_us <= 0) return;
    if (b->spin) {
        int64_t end = bench_now_us() + timeout_us;
        while (!drain_all(b) && bench_now_us() < end) {}
        return;
    }
    struct pollfd p[MAX_PEERS];
    int np = 0;
    if (b->server) {
        p[np++] = (struct pollfd){.fd = b->lfd, .events = POLLIN};
    } else {
        for (int i = 1; i <= MAX_PEERS; i++)
            if (b->peers[i].used) p[np++] = (struct pollfd){.fd = b->peers[i].fd, .events = POLLIN};
    }
    struct timespec ts = {(time_t)(timeout_us / 1000000), (long)(timeout_us % 1000000) * 1000};
    if (ppoll(p, (nfds_t)np, &ts, NULL) > 0) drain_all(b);
}
