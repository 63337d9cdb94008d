#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- generator: xoshiro256** ------------------------------------------------ */

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void sim_rng_seed(sim_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) r->s[i] = splitmix(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t sim_rng_next(sim_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double sim_rng_unit(sim_rng *r)
{
    return (double)(sim_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

uint64_t sim_rng_below(sim_rng *r, uint64_t n)
{
    return n ? sim_rng_next(r) % n : 0;
}

/* --- links and events --------------------------------------------------------- */

void sim_link_cfg_default(sim_link_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->latency = 10000;
}

typedef struct link {
    sim_link_cfg cfg;
    sim_link_stats st;
    sim_rng rng;
    int64_t busy_until_ns; /* bottleneck transmitter busy until */
    bool ge_bad;
} link;

typedef struct event {
    int64_t at;
    uint64_t seq;
    int from, to;
    uint16_t sport, dport;
    size_t len;
    uint8_t *data;
    int64_t qdelay;
} event;

struct sim {
    int64_t now;
    uint64_t seq;
    uint64_t events;
    sim_node *nodes[SIM_MAX_NODES];
    int nnodes;
    link links[SIM_MAX_NODES][SIM_MAX_NODES];
    event *heap;
    size_t nheap, capheap;
    sim_rng workload;
    uint64_t seed;
    int64_t shared_busy_ns[SIM_MAX_SHARED + 1];
};

sim *sim_new(uint64_t seed)
{
    sim *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->seed = seed;
    uint64_t x = seed;
    for (int i = 0; i < SIM_MAX_NODES; i++)
        for (int j = 0; j < SIM_MAX_NODES; j++) {
            sim_link_cfg_default(&s->links[i][j].cfg);
            sim_rng_seed(&s->links[i][j].rng, splitmix(&x) ^ (uint64_t)(i * 131 + j));
        }
    sim_rng_seed(&s->workload, splitmix(&x));
    /* Start the clock far from zero, like a real monotonic clock, so that
     * nothing depends on time 0. */
    s->now = 1000000000;
    return s;
}

void sim_del(sim *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->nheap; i++) free(s->heap[i].data);
    free(s->heap);
    free(s);
}

int64_t sim_now(const sim *s)
{
    return s->now;
}

int sim_add_node(sim *s, sim_node *n)
{
    if (s->nnodes >= SIM_MAX_NODES) abort();
    n->id = s->nnodes;
    s->nodes[s->nnodes] = n;
    return s->nnodes++;
}

void sim_set_link(sim *s, int from, int to, const sim_link_cfg *c)
{
    s->links[from][to].cfg = *c;
}

sim_link_cfg *sim_link(sim *s, int from, int to)
{
    return &s->links[from][to].cfg;
}

const sim_link_stats *sim_link_stats_get(const sim *s, int from, int to)
{
    return &s->links[from][to].st;
}

sim_rng *sim_workload_rng(sim *s)
{
    return &s->workload;
}

uint64_t sim_events(const sim *s)
{
    return s->events;
}

static bool ev_less(const event *a, const event *b)
{
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void heap_push(sim *s, event ev)
{
    if (s->nheap == s->capheap) {
        s->capheap = s->capheap ? s->capheap * 2 : 256;
        s->heap = realloc(s->heap, s->capheap * sizeof *s->heap);
        if (!s->heap) abort();
    }
    size_t i = s->nheap++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!ev_less(&ev, &s->heap[p])) break;
        s->heap[i] = s->heap[p];
        i = p;
    }
    s->heap[i] = ev;
}

static event heap_pop(sim *s)
{
    event top = s->heap[0];
    event last = s->heap[--s->nheap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const event *best = &last;
        if (l < s->nheap && ev_less(&s->heap[l], best)) {
            m = l;
            best = &s->heap[l];
        }
        if (r < s->nheap && ev_less(&s->heap[r], best)) m = r;
        if (m == i) break;
        s->heap[i] = s->heap[m];
        i = m;
    }
    if (s->nheap) s->heap[i] = last;
    return top;
}

static bool in_blackout(const sim_link_cfg *c, int64_t t)
{
    for (int i = 0; i < c->nblackouts; i++)
        if (t >= c->blackout[i].from && t < c->blackout[i].to) return true;
    return false;
}

void sim_send(sim *s, int from, int to, const uint8_t *data, size_t len)
{
    sim_send_ports(s, from, to, 0, 0, data, len);
}

void sim_send_ports(sim *s, int from, int to, uint16_t sport, uint16_t dport, const uint8_t *data,
                    size_t len)
{
    link *l = &s->links[from][to];
    const sim_link_cfg *c = &l->cfg;
    l->st.sent++;
    if (c->mtu && len > c->mtu) {
        l->st.dropped_mtu++;
        return;
    }
    if (in_blackout(c, s->now)) {
        l->st.dropped_blackout++;
        return;
    }
    double lose = c->loss;
    if (c->ge_p_gb > 0) {
        if (!l->ge_bad && sim_rng_unit(&l->rng) < c->ge_p_gb)
            l->ge_bad = true;
        else if (l->ge_bad && sim_rng_unit(&l->rng) < c->ge_p_bg)
            l->ge_bad = false;
        if (l->ge_bad && c->ge_loss_bad > lose) lose = c->ge_loss_bad;
    }
    if (lose > 0 && sim_rng_unit(&l->rng) < lose) {
        l->st.dropped_loss++;
        return;
    }
    int copies = (c->dup > 0 && sim_rng_unit(&l->rng) < c->dup) ? 2 : 1;
    for (int k = 0; k < copies; k++) {
        int64_t depart = s->now;
        int64_t qdelay = 0;
        if (c->rate) {
            int64_t *busy = c->shared > 0 && c->shared <= SIM_MAX_SHARED
                                ? &s->shared_busy_ns[c->shared]
                                : &l->busy_until_ns;
            int64_t now_ns = s->now * 1000;
            int64_t backlog_ns = *busy > now_ns ? *busy - now_ns : 0;
            uint64_t backlog =
                (uint64_t)((__uint128_t)(uint64_t)backlog_ns * c->rate / 1000000000u);
            /* drop-tail; an idle link always takes a packet */
            if (backlog > 0 && backlog + len > c->queue_bytes) {
                l->st.dropped_queue++;
                continue;
            }
            int64_t start = *busy > now_ns ? *busy : now_ns;
            *busy = start + (int64_t)((__uint128_t)len * 1000000000u / c->rate);
            depart = (*busy + 999) / 1000;
            qdelay = (start - now_ns) / 1000;
        }
        int64_t at = depart + c->latency;
        if (c->jitter) at += (int64_t)sim_rng_below(&l->rng, (uint64_t)c->jitter + 1);
        if (c->reorder > 0 && sim_rng_unit(&l->rng) < c->reorder) at += c->reorder_delay;
        if (k > 0) at += (int64_t)sim_rng_below(&l->rng, (uint64_t)c->latency / 2 + 1);
        uint8_t *copy = malloc(len ? len : 1);
        if (!copy) abort();
        memcpy(copy, data, len);
        heap_push(s, (event){at, s->seq++, from, to, sport, dport, len, copy, qdelay});
    }
}

int64_t sim_run(sim *s, int64_t until, bool (*stop)(void *), void *arg)
{
    uint64_t spin = 0;
    int64_t last = s->now;
    for (;;) {
        int64_t t_pkt = s->nheap ? s->heap[0].at : INT64_MAX;
        int64_t t_wake = INT64_MAX;
        int waker = -1;
        for (int i = 0; i < s->nnodes; i++) {
            int64_t w = s->nodes[i]->ops->next_wake(s->nodes[i], s->now);
            if (w < t_wake) {
                t_wake = w;
                waker = i;
            }
        }
        int64_t t = t_pkt < t_wake ? t_pkt : t_wake;
        if (t > until) {
            s->now = until;
            break;
        }
        if (t > s->now) s->now = t;
        if (s->now == last) {
            /* Time must move: a node that keeps asking to run now without
             * doing anything is a livelock bug, reported, not hung on. */
            if (++spin > 200000) {
                fprintf(stderr, "sim: livelock at t=%lld\n", (long long)s->now);
                abort();
            }
        } else {
            spin = 0;
            last = s->now;
        }
        s->events++;
        if (t_pkt <= t_wake) {
            event ev = heap_pop(s);
            link *l = &s->links[ev.from][ev.to];
            l->st.delivered++;
            l->st.bytes_delivered += ev.len;
            l->st.queue_delay_sum += ev.qdelay;
            if (ev.qdelay > l->st.queue_delay_max) l->st.queue_delay_max = ev.qdelay;
            sim_node *n = s->nodes[ev.to];
            if (n->ops->recv_ports)
                n->ops->recv_ports(n, s->now, ev.from, ev.sport, ev.dport, ev.data, ev.len);
            else
                n->ops->recv(n, s->now, ev.from, ev.data, ev.len);
            free(ev.data);
        } else {
            sim_node *n = s->nodes[waker];
            n->ops->wake(n, s->now);
        }
        if (stop && stop(arg)) break;
    }
    return s->now;
}
