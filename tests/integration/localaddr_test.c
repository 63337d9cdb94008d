/* A server listening on the wildcard address ([::], dual-stack) answers
 * from the address each client sent to: clients reach it at 127.0.0.2,
 * 127.0.0.3 and ::1 although the kernel's own choice of source for a reply
 * to 127.0.0.1 would be 127.0.0.1 (a client drops a reply from anywhere but
 * the address it sent to, so the connections below only come up when the
 * replies leave from the right address). A plain UDP socket checks the
 * source of the stateless replies directly. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "itest.h"
#include "transport/transport.h"
#include "wire/handshake.h"

/* Listen on [::] at a random free port. */
static uint32_t listen_any(it_inst *sv, uint16_t *port)
{
    for (int tries = 0; tries < 200; tries++) {
        tern_addr a;
        tern_addr_clear(&a);
        a.port = (uint16_t)(20000 + rand() % 40000);
        uint32_t l = 0;
        int r = tern_listen_ip(sv->s, &a, 0, NULL, &l);
        if (r == TERN_ADDR_IN_USE) continue;
        IT_OK(r);
        *port = a.port;
        return l;
    }
    fail_msg("no free port after 200 tries");
    return 0;
}

static bool have_ipv6_loopback(void)
{
    int fd = socket(AF_INET6, SOCK_DGRAM, 0);
    if (fd < 0) return false;
    struct sockaddr_in6 sa;
    memset(&sa, 0, sizeof sa);
    sa.sin6_family = AF_INET6;
    sa.sin6_addr = in6addr_loopback;
    bool ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

/* Connect to |ip| (IPv4, or ::1 when |v6|), exchange a message each way,
 * and let the server close: every kind of datagram the server sends (the
 * handshake, data, acks, ConnectionClosed) has to reach the client. */
static void round_trip(it_inst *cl, it_inst *sv, uint32_t l, uint16_t port, uint32_t ip, bool v6)
{
    tern_addr to;
    if (v6)
        tern_addr_set_ipv6_localhost(&to, port);
    else
        tern_addr_set_ipv4(&to, ip, port);
    uint32_t c, s;
    it_connect(cl, sv, l, &to, 0, NULL, &c, &s);
    tern_conn_info info;
    IT_OK(tern_get_info(cl->s, c, &info));
    assert_true(tern_addr_equal(&info.addr_remote, &to));

    IT_OK(tern_send(cl->s, c, "ping", 4, TERN_SEND_RELIABLE, NULL));
    tern_message *m[1];
    it_recv_n(sv, s, m, 1);
    assert_int_equal(m[0]->size, 4);
    it_release_all(m, 1);
    IT_OK(tern_send(sv->s, s, "pong", 4, TERN_SEND_RELIABLE, NULL));
    it_recv_n(cl, c, m, 1);
    assert_memory_equal(m[0]->data, "pong", 4);
    it_release_all(m, 1);

    IT_OK(tern_close(sv->s, s, 1234, "server says bye", false));
    it_wait_closed_by_peer(cl, c, 1234, "server says bye");
    IT_OK(tern_close(cl->s, c, 0, NULL, false));
}

static void test_wildcard_listener_answers_from_the_address_reached(void **state)
{
    (void)state;
    it_inst *sv = it_inst_new("server", false);
    it_inst *cl = it_inst_new("client", false);
    uint16_t port;
    uint32_t l = listen_any(sv, &port);
    round_trip(cl, sv, l, port, 0x7f000002u, false);
    round_trip(cl, sv, l, port, 0x7f000003u, false);
    round_trip(cl, sv, l, port, 0x7f000001u, false);
    if (have_ipv6_loopback())
        round_trip(cl, sv, l, port, 0, true);
    else
        it_log("no ::1 here: the IPv6 case is skipped");
}

/* Connections to two addresses of the server at once, from one instance,
 * and a manual-mode server (the application's thread does the I/O). */
static void test_connections_to_several_addresses_at_once(void **state)
{
    (void)state;
    it_inst *sv = it_inst_new("server", true);
    it_inst *cl = it_inst_new("client", false);
    uint16_t port;
    uint32_t l = listen_any(sv, &port);
    enum { N = 6 };
    uint32_t c[N], s[N];
    for (int i = 0; i < N; i++) {
        tern_addr to;
        tern_addr_set_ipv4(&to, 0x7f000002u + (uint32_t)(i % 3), port);
        it_connect(cl, sv, l, &to, 0, NULL, &c[i], &s[i]);
    }
    for (int i = 0; i < N; i++) {
        uint8_t b = (uint8_t)i;
        IT_OK(tern_send(sv->s, s[i], &b, 1, TERN_SEND_RELIABLE, NULL));
    }
    for (int i = 0; i < N; i++) {
        tern_message *m[1];
        it_recv_n(cl, c[i], m, 1);
        assert_int_equal(((uint8_t *)m[0]->data)[0], i);
        it_release_all(m, 1);
    }
}

/* A plain UDP socket at |self| (AF_INET or AF_INET6) sends a padded
 * ChallengeRequest to |dst| and returns where the ChallengeReply came
 * from (0 when none came). */
static int ask_challenge(int family, const void *dst, socklen_t dlen, struct sockaddr_storage *src)
{
    int fd = socket(family, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    Tern__ChallengeRequest cr = TERN__CHALLENGE_REQUEST__INIT;
    cr.has_connection_id = 1;
    cr.connection_id = 0x1234567;
    cr.has_my_timestamp = 1;
    cr.my_timestamp = 42;
    cr.has_protocol_version = 1;
    cr.protocol_version = 11;
    tern_hs_msg m = {.kind = TERN_PKT_CHALLENGE_REQUEST, .u.challenge_request = &cr};
    uint8_t buf[TERN_PADDED_MIN + 64];
    uint8_t *e = tern_hs_encode(buf, buf + sizeof buf, &m);
    assert_non_null(e);
    int got = 0;
    for (int tries = 0; tries < 20 && !got; tries++) {
        assert_true(sendto(fd, buf, (size_t)(e - buf), 0, dst, dlen) > 0);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 200) <= 0) continue;
        uint8_t in[2048];
        socklen_t sl = sizeof *src;
        ssize_t n = recvfrom(fd, in, sizeof in, 0, (struct sockaddr *)src, &sl);
        if (n > 0 && tern_pkt_kind_of(in, (size_t)n) == TERN_PKT_CHALLENGE_REPLY) got = 1;
    }
    close(fd);
    return got;
}

static void test_stateless_reply_source(void **state)
{
    (void)state;
    it_inst *sv = it_inst_new("server", false);
    uint16_t port;
    listen_any(sv, &port);
    for (uint32_t ip = 0x7f000001u; ip <= 0x7f000003u; ip++) {
        struct sockaddr_in to;
        memset(&to, 0, sizeof to);
        to.sin_family = AF_INET;
        to.sin_addr.s_addr = htonl(ip);
        to.sin_port = htons(port);
        struct sockaddr_storage src;
        if (!ask_challenge(AF_INET, &to, sizeof to, &src)) fail_msg("no ChallengeReply");
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)&src;
        assert_int_equal(s4->sin_family, AF_INET);
        assert_int_equal(ntohl(s4->sin_addr.s_addr), ip);
        assert_int_equal(ntohs(s4->sin_port), port);
    }
    if (!have_ipv6_loopback()) {
        it_log("no ::1 here: the IPv6 case is skipped");
        return;
    }
    struct sockaddr_in6 to6;
    memset(&to6, 0, sizeof to6);
    to6.sin6_family = AF_INET6;
    to6.sin6_addr = in6addr_loopback;
    to6.sin6_port = htons(port);
    struct sockaddr_storage src;
    if (!ask_challenge(AF_INET6, &to6, sizeof to6, &src)) fail_msg("no ChallengeReply over ::1");
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&src;
    assert_int_equal(s6->sin6_family, AF_INET6);
    assert_memory_equal(&s6->sin6_addr, &in6addr_loopback, 16);
    assert_int_equal(ntohs(s6->sin6_port), port);
}

/* --- the transport on its own ------------------------------------------------------- */

typedef struct rx_log {
    tern_rx_dgram d[8];
    uint8_t data[8][64];
    int n;
} rx_log;

static void on_rx(void *owner, int64_t now, const tern_rx_dgram *d, size_t n)
{
    (void)now;
    rx_log *log = owner;
    for (size_t i = 0; i < n; i++) {
        if (log->n == 8) return;
        log->d[log->n] = d[i];
        size_t len = d[i].len < 64 ? d[i].len : 64;
        memcpy(log->data[log->n], d[i].data, len);
        log->d[log->n].data = log->data[log->n];
        log->n++;
    }
}

/* Poll |tp| until |log| holds |want| datagrams (bounded). */
static void tp_wait(tern_tp *tp, rx_log *log, int want)
{
    int64_t dl = it_now_ms() + it_timeout_ms();
    while (log->n < want) {
        if (it_now_ms() > dl) fail_msg("the transport received %d of %d datagrams", log->n, want);
        tern_tp_poll(tp, 10000);
    }
}

/* A plain UDP socket bound to |ip| (IPv4, or ::1 when |v6|), port 0. */
static int plain_socket(uint32_t ip, bool v6, uint16_t *port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl;
    int fd;
    if (v6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_addr = in6addr_loopback;
        sl = sizeof *s6;
        fd = socket(AF_INET6, SOCK_DGRAM, 0);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_addr.s_addr = htonl(ip);
        sl = sizeof *s4;
        fd = socket(AF_INET, SOCK_DGRAM, 0);
    }
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&ss, sl), 0);
    sl = sizeof ss;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
    *port =
        ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

static void plain_send(int fd, const tern_addr *to, const char *text)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl;
    if (tern_addr_is_ipv4(to)) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_addr.s_addr = htonl(tern_addr_get_ipv4(to));
        s4->sin_port = htons(to->port);
        sl = sizeof *s4;
    } else {
        tern_tp_addr_to_sockaddr(to, (struct sockaddr_in6 *)&ss);
        sl = sizeof(struct sockaddr_in6);
    }
    assert_true(sendto(fd, text, strlen(text), 0, (struct sockaddr *)&ss, sl) > 0);
}

/* Receive one datagram on a plain socket (bounded); its source into *from. */
static void plain_recv(int fd, tern_addr *from, char *text, size_t cap)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, it_timeout_ms()) != 1) fail_msg("no datagram on the plain socket");
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    ssize_t n = recvfrom(fd, text, cap - 1, 0, (struct sockaddr *)&ss, &sl);
    assert_true(n >= 0);
    text[n] = 0;
    tern_tp_addr_from_sockaddr(from, (const struct sockaddr_in6 *)&ss);
}

static bool plain_pending(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1;
}

/* One exchange with a wildcard transport socket at |tport|: a plain socket
 * at |cip| sends to |dst|; the datagram is reported as sent to |dst|; the
 * reply names |src| (NULL: the reported address) as its source and must
 * arrive from |want|. */
static void exchange(tern_tp *tp, rx_log *log, uint32_t sock, int cfd, const tern_addr *dst,
                     const tern_addr *src, const tern_addr *want)
{
    log->n = 0;
    plain_send(cfd, dst, "hello");
    tp_wait(tp, log, 1);
    assert_int_equal(log->d[0].sock, sock);
    assert_memory_equal(log->d[0].local.ipv6, dst->ipv6, 16);
    assert_int_equal(log->d[0].local.port, dst->port);
    tern_tp_queue(tp, sock, src ? src : &log->d[0].local, &log->d[0].from, (const uint8_t *)"re",
                  2);
    tern_tp_flush(tp, tern_tp_now());
    tern_addr got;
    char text[16];
    plain_recv(cfd, &got, text, sizeof text);
    assert_string_equal(text, "re");
    assert_memory_equal(got.ipv6, want->ipv6, 16);
    assert_int_equal(got.port, dst->port);
}

static void test_transport_reports_and_uses_the_local_address(void **state)
{
    (void)state;
    rx_log log = {.n = 0};
    tern_tp *tp;
    IT_OK(tern_tp_new(NULL, on_rx, &log, &tp));
    uint32_t sock;
    tern_addr bound;
    IT_OK(tern_tp_open(tp, NULL, NULL, &sock, &bound));
    assert_true(tern_tp_addr_unspecified(&bound));
    uint16_t cport;
    int c4 = plain_socket(0x7f000001u, false, &cport);
    for (uint32_t ip = 0x7f000001u; ip <= 0x7f000004u; ip++) {
        tern_addr dst;
        tern_addr_set_ipv4(&dst, ip, bound.port);
        exchange(tp, &log, sock, c4, &dst, NULL, &dst);
    }
    /* A source of the other family than the destination's is not named
     * (the kernel would refuse the datagram): the kernel's choice. */
    tern_addr dst, v6, lo4;
    tern_addr_set_ipv4(&dst, 0x7f000002u, bound.port);
    tern_addr_set_ipv6_localhost(&v6, 0);
    tern_addr_set_ipv4(&lo4, 0x7f000001u, 0);
    exchange(tp, &log, sock, c4, &dst, &v6, &lo4);
    close(c4);
    if (have_ipv6_loopback()) {
        int c6 = plain_socket(0, true, &cport);
        tern_addr_set_ipv6_localhost(&dst, bound.port);
        exchange(tp, &log, sock, c6, &dst, NULL, &dst);
        close(c6);
    } else {
        it_log("no ::1 here: the IPv6 case is skipped");
    }
    tern_tp_del(tp);
}

/* A socket bound to one address reports that address, and its datagrams
 * leave from it whatever source is asked for. */
static void test_transport_socket_on_one_address(void **state)
{
    (void)state;
    rx_log log = {.n = 0};
    tern_tp *tp;
    IT_OK(tern_tp_new(NULL, on_rx, &log, &tp));
    tern_addr at, bound;
    tern_addr_set_ipv4(&at, 0x7f000003u, 0);
    uint32_t sock;
    IT_OK(tern_tp_open(tp, &at, NULL, &sock, &bound));
    assert_memory_equal(bound.ipv6, at.ipv6, 16);
    uint16_t cport;
    int c4 = plain_socket(0x7f000001u, false, &cport);
    tern_addr other;
    tern_addr_set_ipv4(&other, 0x7f000004u, 0);
    exchange(tp, &log, sock, c4, &bound, &other, &bound);
    close(c4);
    tern_tp_del(tp);
}

/* A socket for one peer: bound to the route's source address with a port
 * of its own, and connected, so that the kernel drops datagrams from
 * anyone else. */
static void test_transport_socket_for_one_peer(void **state)
{
    (void)state;
    rx_log log = {.n = 0};
    tern_tp *tp;
    IT_OK(tern_tp_new(NULL, on_rx, &log, &tp));
    uint16_t pport, sport;
    int peer = plain_socket(0x7f000003u, false, &pport);
    int stranger = plain_socket(0x7f000003u, false, &sport);
    tern_addr remote;
    tern_addr_set_ipv4(&remote, 0x7f000003u, pport);
    uint32_t sock;
    tern_addr bound;
    IT_OK(tern_tp_open(tp, NULL, &remote, &sock, &bound));
    assert_false(tern_tp_addr_unspecified(&bound));
    assert_true(tern_addr_is_ipv4(&bound));
    assert_int_not_equal(bound.port, 0);
    tern_tp_queue(tp, sock, NULL, &remote, (const uint8_t *)"hi", 2);
    tern_tp_flush(tp, tern_tp_now());
    tern_addr got;
    char text[16];
    plain_recv(peer, &got, text, sizeof text);
    assert_string_equal(text, "hi");
    assert_true(tern_addr_equal(&got, &bound));
    /* the stranger's datagram goes first; only the peer's arrives */
    plain_send(stranger, &bound, "stranger");
    plain_send(peer, &bound, "peer");
    tp_wait(tp, &log, 1);
    assert_memory_equal(log.data[0], "peer", 4);
    assert_true(tern_addr_equal(&log.d[0].from, &remote));
    assert_memory_equal(log.d[0].local.ipv6, bound.ipv6, 16);
    close(peer);
    close(stranger);
    tern_tp_del(tp);
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    int n = 0;
    while (readdir(d)) n++;
    closedir(d);
    return n;
}

/* Closed sockets keep their descriptors until their last datagrams are
 * sent, then all of them go, however many were closed at once. */
static void test_transport_closes_many_sockets(void **state)
{
    (void)state;
    enum { N = 1000 }; /* several reaping rounds */
    rx_log log = {.n = 0};
    tern_tp *tp;
    IT_OK(tern_tp_new(NULL, on_rx, &log, &tp));
    uint16_t kport;
    int sink = plain_socket(0x7f000001u, false, &kport);
    int rcv = 1 << 21;
    setsockopt(sink, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    tern_addr to;
    tern_addr_set_ipv4(&to, 0x7f000001u, kport);
    int before = count_fds();
    if (before < 0) {
        it_log("no /proc/self/fd: skipped");
        close(sink);
        tern_tp_del(tp);
        return;
    }
    static uint32_t socks[N];
    for (int i = 0; i < N; i++) {
        if (tern_tp_open(tp, NULL, &to, &socks[i], NULL) != TERN_OK) {
            fail_msg("socket %d of %d did not open (descriptor limit?)", i, N);
        }
    }
    assert_int_equal(count_fds(), before + N);
    for (int i = 0; i < N; i++) {
        tern_tp_queue(tp, socks[i], NULL, &to, (const uint8_t *)"bye", 3);
        tern_tp_close(tp, socks[i]);
    }
    /* queued: nothing is closed before it is sent */
    tern_tp_poll(tp, 0);
    assert_int_equal(count_fds(), before + N);
    tern_tp_flush(tp, tern_tp_now());
    assert_int_equal(count_fds(), before);
    int got = 0;
    char buf[16];
    while (plain_pending(sink) && recv(sink, buf, sizeof buf, 0) == 3) got++;
    assert_int_equal(got, N);
    close(sink);
    tern_tp_del(tp);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        IT_TEST(test_wildcard_listener_answers_from_the_address_reached),
        IT_TEST(test_connections_to_several_addresses_at_once),
        IT_TEST(test_stateless_reply_source),
        IT_TEST(test_transport_reports_and_uses_the_local_address),
        IT_TEST(test_transport_socket_on_one_address),
        IT_TEST(test_transport_socket_for_one_peer),
        IT_TEST(test_transport_closes_many_sockets),
    };
    return IT_MAIN(tests);
}
