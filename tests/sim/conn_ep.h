/* A whole tern connection-layer instance (tern_inst) as a simulator node:
 * its sockets are ports on the node's address 10.0.0.<id+1>, its datagrams
 * cross the simulated links, its timers run on the virtual clock. The
 * scenario's application logic runs in an |app| hook after every event. */
#ifndef TERN_SIM_CONN_EP_H
#define TERN_SIM_CONN_EP_H

#include "conn/conn.h"
#include "sim.h"
#include "snp_ep.h"

#define CONN_EP_MAX_SOCKS  8192
#define CONN_EP_MAX_EVENTS 65536

typedef struct conn_ep conn_ep;

/* A status change as the application saw it. */
typedef struct ep_event {
    uint32_t conn;
    int8_t old_state, new_state;
    int end_reason;
    char end_debug[64];
    uint32_t listen;
} ep_event;

struct conn_ep {
    sim_node node;
    sim *sim;
    tern_cfg_global root;
    tern_inst inst;
    count_mem cm;
    uint16_t port_of[CONN_EP_MAX_SOCKS + 1]; /* sock id -> port (0 = free) */
    uint32_t sock_of_port[65536];            /* port -> sock id */
    uint16_t next_port;
    void (*app)(conn_ep *e, int64_t now);
    /* optional: sees every datagram this node sends (for replay attacks) */
    void (*tap)(conn_ep *e, uint16_t sport, const tern_addr *to, const uint8_t *d, size_t n);
    void *user;
    ep_event *events;
    size_t nevents;
    uint64_t bytes_sent, bytes_recv, dgrams_sent, dgrams_recv;
    /* data packets sent; those with the time-since-previous field; that
     * field on the first one, or a value over 250 ms (both wrong) */
    uint64_t data_sent, data_timeprev, timeprev_bad;
    /* drop this many of the node's next ConnectionClosed datagrams */
    unsigned drop_closes;
};

/* The node's address for port |port|. */
void conn_ep_addr(int node_id, uint16_t port, tern_addr *out);

/* |identity| NULL: anonymous. Registers the node with the simulator. */
void conn_ep_init(conn_ep *e, sim *s, const tern_identity *identity);
/* Free everything; returns the bytes still allocated (leaks), 0 if none. */
int64_t conn_ep_free(conn_ep *e);
/* Take the queued status events into e->events (called by the node itself
 * after each event, before the app hook). */
void conn_ep_drain_events(conn_ep *e);
/* A server application: accepts what connects, closes what the peer
 * closed (events from *seen on), and echoes every message back reliably
 * on lane 0. Returns the messages echoed. */
uint64_t conn_ep_echo_server(conn_ep *e, int64_t now, size_t *seen);

#endif
