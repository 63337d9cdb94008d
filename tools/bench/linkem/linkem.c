/* bench-linkem: a user-space link emulator (netem's delay, rate, loss and
 * drop-tail queue) between two network namespaces, for kernels built
 * without sch_netem. It creates a TUN device in each namespace and moves
 * IP packets between them:
 *
 *   bench-linkem NS_A NS_B --rate-mbit R --delay-ms D --loss-pct L
 *                [--buffer-kb B] [--seed S]
 *
 * Each direction is a full-duplex link of R Mbit/s: a packet leaves when
 * the previous one has been serialized, arrives D ms later, and is dropped
 * at entry with probability L % (both directions) or when more than B KiB
 * wait to be serialized (default: one bandwidth-delay product of the round
 * trip). Devices are "tbem" in both namespaces; the caller gives them
 * addresses. Runs until SIGTERM/SIGINT, then prints what it did. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 16384
#define MTU   2048

typedef struct pkt {
    int64_t due; /* ns: when it arrives at the far end */
    uint16_t len;
    uint8_t data[MTU];
} pkt;

typedef struct dir {
    int in, out; /* read from |in|, write to |out| */
    pkt *ring;
    unsigned head, tail; /* head: next to deliver */
    int64_t free_at;     /* ns: when the serializer is free */
    uint64_t rx, tx, lost, dropped;
} dir;

static volatile sig_atomic_t g_stop;
static void on_sig(int s)
{
    (void)s;
    g_stop = 1;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t g_rng = 0x9e3779b97f4a7c15ULL;
static double rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (double)(g_rng >> 11) / 9007199254740992.0;
}

static int tun_in(const char *ns)
{
    char path[256];
    snprintf(path, sizeof path, "/var/run/netns/%s", ns);
    int nfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nfd < 0 || setns(nfd, CLONE_NEWNET) != 0) {
        perror(path);
        exit(1);
    }
    close(nfd);
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        perror("/dev/net/tun");
        exit(1);
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "tbem");
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        perror("TUNSETIFF");
        exit(1);
    }
    return fd;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench-linkem NS_A NS_B --rate-mbit R --delay-ms D --loss-pct L "
                        "[--buffer-kb B] [--seed S]\n");
        return 2;
    }
    double rate_mbit = 100, delay_ms = 20, loss = 0, buffer_kb = -1;
    for (int i = 3; i + 1 < argc; i += 2) {
        double v = atof(argv[i + 1]);
        if (!strcmp(argv[i], "--rate-mbit"))
            rate_mbit = v;
        else if (!strcmp(argv[i], "--delay-ms"))
            delay_ms = v;
        else if (!strcmp(argv[i], "--loss-pct"))
            loss = v / 100.0;
        else if (!strcmp(argv[i], "--buffer-kb"))
            buffer_kb = v;
        else if (!strcmp(argv[i], "--seed"))
            g_rng ^= (uint64_t)v * 0x2545F4914F6CDD1DULL;
    }
    if (buffer_kb < 0) buffer_kb = rate_mbit * 1e6 / 8 * (2 * delay_ms / 1000) / 1024;
    double ns_per_byte = 8e9 / (rate_mbit * 1e6);
    int64_t delay = (int64_t)(delay_ms * 1e6);
    int64_t max_backlog = (int64_t)(buffer_kb * 1024 * ns_per_byte); /* ns of queue */
    int a = tun_in(argv[1]), b = tun_in(argv[2]);
    signal(SIGTERM, on_sig);
    signal(SIGINT, on_sig);
    dir d[2] = {{.in = a, .out = b}, {.in = b, .out = a}};
    for (int i = 0; i < 2; i++) {
        d[i].ring = calloc(SLOTS, sizeof(pkt));
        if (!d[i].ring) return 1;
    }
    printf("READY rate=%.0fMbit delay=%.1fms loss=%.2f%% buffer=%.0fKiB\n", rate_mbit, delay_ms,
           loss * 100, buffer_kb);
    fflush(stdout);
    while (!g_stop) {
        int64_t now = now_ns(), next = now + 100000000;
        for (int i = 0; i < 2; i++) {
            dir *x = &d[i];
            /* deliver what is due */
            while (x->head != x->tail && x->ring[x->head % SLOTS].due <= now) {
                pkt *p = &x->ring[x->head % SLOTS];
                if (write(x->out, p->data, p->len) == p->len) x->tx++;
                x->head++;
            }
            if (x->head != x->tail && x->ring[x->head % SLOTS].due < next)
                next = x->ring[x->head % SLOTS].due;
            /* admit what arrived */
            for (int k = 0; k < 256; k++) {
                if (x->tail - x->head >= SLOTS) break;
                pkt *p = &x->ring[x->tail % SLOTS];
                ssize_t n = read(x->in, p->data, MTU);
                if (n <= 0) break;
                x->rx++;
                if (loss > 0 && rnd() < loss) {
                    x->lost++;
                    continue;
                }
                if (x->free_at < now) x->free_at = now;
                if (x->free_at - now > max_backlog) {
                    x->dropped++;
                    continue;
                }
                x->free_at += (int64_t)((double)n * ns_per_byte);
                p->len = (uint16_t)n;
                p->due = x->free_at + delay;
                if (p->due < next) next = p->due;
                x->tail++;
            }
        }
        struct pollfd pf[2] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}};
        int64_t wait = next - now_ns();
        if (wait < 0) wait = 0;
        struct timespec ts = {(time_t)(wait / 1000000000), (long)(wait % 1000000000)};
        if (ppoll(pf, 2, &ts, NULL) < 0 && errno != EINTR) break;
    }
    for (int i = 0; i < 2; i++)
        printf("dir %s->%s: in %llu, out %llu, random loss %llu, queue drops %llu\n",
               i ? argv[2] : argv[1], i ? argv[1] : argv[2], (unsigned long long)d[i].rx,
               (unsigned long long)d[i].tx, (unsigned long long)d[i].lost,
               (unsigned long long)d[i].dropped);
    return 0;
}
