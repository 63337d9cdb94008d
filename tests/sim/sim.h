/* A deterministic network simulator: nodes exchange datagrams over links on
 * a virtual clock. Everything random comes from seeded generators, so a run
 * is a pure function of its seed and replays bit for bit.
 *
 * A link (one direction between two nodes) has: base latency, jitter,
 * random loss, bursty loss (Gilbert-Elliott), reordering (an extra delay for
 * some packets), duplication, a bottleneck rate with a drop-tail queue, an
 * MTU, and blackout intervals. Nodes are callbacks: they receive datagrams,
 * say when they next want to run, and send through sim_send(). */
#ifndef TERN_SIM_SIM_H
#define TERN_SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sim_rng {
    uint64_t s[4];
} sim_rng;

void sim_rng_seed(sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(sim_rng *r);
double sim_rng_unit(sim_rng *r); /* [0,1) */
uint64_t sim_rng_below(sim_rng *r, uint64_t n);

typedef struct sim_blackout {
    int64_t from, to; /* usec */
} sim_blackout;

#define SIM_MAX_BLACKOUTS 4

typedef struct sim_link_cfg {
    int64_t latency;       /* usec, one way */
    int64_t jitter;        /* usec: uniform extra delay in [0, jitter] */
    double loss;           /* probability, independent */
    double ge_p_gb;        /* Gilbert-Elliott: P(good -> bad) per packet; 0 = off */
    double ge_p_bg;        /* P(bad -> good) */
    double ge_loss_bad;    /* loss probability in the bad state */
    double reorder;        /* probability a packet gets the extra delay */
    int64_t reorder_delay; /* usec */
    double dup;            /* probability a packet is duplicated */
    uint64_t rate;         /* bottleneck bytes/s; 0 = unlimited */
    uint64_t queue_bytes;  /* drop-tail queue capacity in front of the bottleneck */
    uint32_t mtu;          /* larger datagrams are dropped; 0 = unlimited */
    int shared;            /* 1..SIM_MAX_SHARED: links with the same value share one
                            * bottleneck queue (flows competing for a link); 0 = own */
    sim_blackout blackout[SIM_MAX_BLACKOUTS];
    int nblackouts;
} sim_link_cfg;

void sim_link_cfg_default(sim_link_cfg *c);

typedef struct sim_link_stats {
    uint64_t sent, delivered, dropped_loss, dropped_queue, dropped_mtu, dropped_blackout;
    uint64_t bytes_delivered;
    int64_t queue_delay_sum; /* usec, over delivered packets */
    int64_t queue_delay_max;
} sim_link_stats;

typedef struct sim sim;
typedef struct sim_node sim_node;

typedef struct sim_node_ops {
    /* |from|: the sending node; |sport|/|dport|: ports given to sim_send_ports (0 otherwise) */
    void (*recv)(sim_node *n, int64_t now, int from, const uint8_t *data, size_t len);
    void (*recv_ports)(sim_node *n, int64_t now, int from, uint16_t sport, uint16_t dport,
                       const uint8_t *data, size_t len); /* optional; used when set */
    int64_t (*next_wake)(sim_node *n, int64_t now);      /* INT64_MAX: nothing */
    void (*wake)(sim_node *n, int64_t now);
} sim_node_ops;

struct sim_node {
    const sim_node_ops *ops;
    void *user;
    int id;
};

#define SIM_MAX_NODES  64
#define SIM_MAX_SHARED 8

sim *sim_new(uint64_t seed);
void sim_del(sim *s);
int64_t sim_now(const sim *s);

/* Register a node; returns its id. */
int sim_add_node(sim *s, sim_node *n);
/* Configure the link from -> to (default: every link gets sim_link_cfg_default). */
void sim_set_link(sim *s, int from, int to, const sim_link_cfg *c);
sim_link_cfg *sim_link(sim *s, int from, int to);
const sim_link_stats *sim_link_stats_get(const sim *s, int from, int to);

/* Send a datagram (copied). */
void sim_send(sim *s, int from, int to, const uint8_t *data, size_t len);
/* The same, with UDP-like source and destination ports carried along. */
void sim_send_ports(sim *s, int from, int to, uint16_t sport, uint16_t dport, const uint8_t *data,
                    size_t len);

/* Run until |until| (virtual usec) or until |stop| returns true (checked
 * after every event). Returns the time reached. */
int64_t sim_run(sim *s, int64_t until, bool (*stop)(void *), void *arg);

/* The simulator's own generator, for workload randomness derived from the
 * same seed (a separate stream from the links). */
sim_rng *sim_workload_rng(sim *s);

/* Total events processed (for the report). */
uint64_t sim_events(const sim *s);

#endif
