/* An SNP engine on the simulator: the engine plus the least of a connection
 * around it (a data-packet header, a 16-byte stand-in for the AEAD tag so
 * sizes on the wire are real, and the ack-request stats flag), a workload
 * that sends messages, and a consumer that takes delivered ones. */
#ifndef TERN_SIM_SNP_EP_H
#define TERN_SIM_SNP_EP_H

#include "check.h"
#include "sim.h"
#include "snp/snp.h"

typedef struct wl_cfg {
    uint32_t count;       /* messages to send; UINT32_MAX with saturate */
    int64_t interval_max; /* usec between sends, uniform in [0, max] */
    double p_reliable;
    uint32_t size_max; /* largest message; the size mix favours small ones */
    uint16_t lanes;    /* send on lanes [0, lanes) */
    double p_nonagle;
    double p_nodelay;
    double p_zero; /* probability of a zero-byte message */
    bool saturate; /* keep the send buffer full (bulk transfer) */
    uint32_t sat_size;
    int64_t start_at, stop_at; /* absolute usec; stop_at 0 = never */
    int64_t consume_interval;  /* usec per consumed message; 0 = immediately */
} wl_cfg;

/* Counts what the engine allocates, for memory bounds and leak checks. */
typedef struct count_mem {
    tern_mem mem;
    int64_t cur, peak;
    uint64_t allocs;
} count_mem;

void count_mem_init(count_mem *cm);

typedef struct snp_ep {
    sim_node node;
    sim *sim;
    int peer;
    uint32_t dir;
    tern_snp snp;
    tern_msgpool *pool;
    count_mem cm;
    chk *tx_chk; /* what this side sent (the peer verifies against it) */
    chk *rx_chk; /* what the peer sent (this side verifies) */
    wl_cfg wl;
    uint32_t sent;
    int64_t next_send;
    bool have_retry;
    uint16_t retry_lane;
    uint32_t retry_size;
    int retry_flags;
    /* delivered but not yet consumed */
    tern_message **q;
    size_t qhead, qlen, qcap;
    int64_t next_consume;
    uint64_t limit_exceeded, ignored;
    char err[256];
    bool failed;
    uint64_t wire_bytes_sent;
} snp_ep;

/* |cfg| may be NULL for defaults. */
void snp_ep_init(snp_ep *e, sim *s, uint32_t dir, const tern_snp_cfg *cfg, const wl_cfg *wl,
                 chk *tx, chk *rx);
void snp_ep_free(snp_ep *e);
/* Set up the network side (node registration); call for both, then link. */
int snp_ep_attach(snp_ep *e);
bool snp_ep_done_sending(const snp_ep *e);

#endif
