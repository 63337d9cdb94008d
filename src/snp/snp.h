/* The SNP engine: reliability and scheduling for one connection, sans-I/O.
 *
 * It turns application messages into SNP payloads (WIRE.md §6) and SNP
 * payloads back into messages. It never touches a socket or a clock: every
 * entry point takes |now| in microseconds, packets come out of
 * tern_snp_build() as plaintext for the connection layer to frame and
 * encrypt, and received plaintext goes into tern_snp_recv().
 *
 * Send side: per-lane FIFOs of messages (reliable and unreliable share a
 * lane's message numbers), strict priority between lane priority classes and
 * weighted fair queueing inside one, Nagle, fragmentation, packets filled to
 * the size the caller allows, a ring of sent-packet records, ack processing,
 * loss detection (peer NACKs, and a retransmission timeout for the tail),
 * retransmission of lost reliable byte ranges, and congestion control with
 * pacing (cc.h).
 *
 * Receive side: packet-number expansion and the replay window (§5.3), the
 * record of received packets and the ack frames that report it (§6.7,
 * §6.12), per-lane reliable stream reassembly with GNS's buffer and gap
 * limits (§6.5), unreliable reassembly (§6.4), and delivery of whole
 * messages through a callback.
 */
#ifndef TERN_SNP_SNP_H
#define TERN_SNP_SNP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snp/cc.h"
#include "snp/ranges.h"
#include "snp/rtt.h"
#include "tern/tern.h"
#include "util/msgpool.h"
#include "wire/frames.h"

#define TERN_SNP_MAX_LANES      255   /* lanes a connection may configure */
#define TERN_SNP_UNREL_MAX      16500 /* larger unreliable messages go reliable (GNS) */
#define TERN_SNP_UNREL_RECV_MAX 26000 /* largest unreliable message accepted (20 x 1300) */
#define TERN_SNP_UNREL_FRAGS    20    /* unreliable fragments held per lane */
/* Gap bookkeeping limits. GNS's receiver tracks 62 packet gaps and refuses
 * stream data that would make a 31st gap (or split one when there are 20):
 * fine at GNS's 256 KiB/s, but at 1% loss on a fast long path there are
 * hundreds of holes per round trip, and each refusal or merged gap costs a
 * retransmission that cascades. A tern receiver allows one gap per
 * TERN_SNP_GAP_BYTES of RecvBufferSize (never fewer than GNS), so the
 * bookkeeping stays a small fraction of the buffer it describes. Senders
 * are unaffected: a GNS sender just sees fewer NACKs. */
/* Each at least: */
#define TERN_SNP_MAX_GAPS          62     /* received-packet gaps tracked */
#define TERN_SNP_STREAM_GAPS_NEW   30     /* reliable stream: gaps before refusing a new one */
#define TERN_SNP_STREAM_GAPS_SPLIT 20     /* reliable stream: gaps before refusing a split */
#define TERN_SNP_GAP_BYTES         8192   /* RecvBufferSize bytes per extra gap allowed */
#define TERN_SNP_LURCH             0x4000 /* larger packet-number jumps kill the connection */
#define TERN_SNP_NACK_GRACE_USEC   3000   /* hold a NACK this long for reordering */
#define TERN_SNP_MAX_ACK_DELAY     50000  /* ack reliable data at the latest after this */
#define TERN_SNP_ACK_DELAY_USEC    5000   /* our own delayed-ack timer */
#define TERN_SNP_MAX_MSG_SEND      (512 * 1024)
#define TERN_SNP_ACKREQ_BYTES      3     /* header cost of an ack-request stats blob */
#define TERN_SNP_PEER_ACK_DELAY    50000 /* a GNS peer may hold acks this long */

/* Per-connection settings, from the config table. */
typedef struct tern_snp_cfg {
    int32_t mtu;              /* MTU_PacketSize: the whole UDP payload */
    int32_t nagle_usec;       /* NagleTime */
    int32_t send_buffer;      /* SendBufferSize: queued unsent bytes */
    int32_t recv_buffer;      /* RecvBufferSize */
    int32_t recv_buffer_msgs; /* RecvBufferMessages */
    int32_t recv_max_msg;     /* RecvMaxMessageSize */
    int32_t recv_max_segs;    /* RecvMaxSegmentsPerPacket */
    int64_t rate_min;         /* SendRateMin, bytes/s; 0 = unset */
    int64_t rate_max;         /* SendRateMax, bytes/s; 0 = unset */
    int32_t peer_version;     /* peer's protocol version (>= 10 supported) */
    int32_t overhead;         /* bytes a packet adds around the payload (header + tag) */
    int32_t max_send_msg;     /* largest message we accept to send */
} tern_snp_cfg;

void tern_snp_cfg_default(tern_snp_cfg *c);

typedef struct tern_snp_ops {
    /* A complete message; ownership passes to the callee. */
    void (*deliver)(void *user, tern_message *msg);
} tern_snp_ops;

/* --- send side ----------------------------------------------------------------- */

/* Send records come from per-engine free lists by size class, so a steady
 * stream of small messages does not call the allocator per message. */
#define TERN_SENDMSG_CLASSES 3    /* payload capacities 128, 512, 2048 */
#define TERN_SENDMSG_BIG     0xff /* sized exactly, never pooled */
#define TERN_SENDMSG_KEEP    256  /* free records kept per class */

/* A queued outgoing message. Reliable ones hold their framed bytes (relmsg
 * header + payload) and stay alive until every byte is acknowledged. */
typedef struct tern_sendmsg {
    struct tern_sendmsg *next; /* pending FIFO of its lane */
    int64_t msgnum;
    int64_t queued_at; /* for queue time */
    int64_t ready_at;  /* Nagle: may trigger a packet from then on */
    uint64_t seq;      /* connection-wide queue order, for flush */
    int64_t pos;       /* reliable: stream position of data[0] */
    uint32_t len;      /* bytes in data[] */
    uint32_t sent;     /* first-transmission progress */
    uint8_t reliable;
    uint8_t cls; /* size class, or TERN_SENDMSG_BIG */
    uint8_t data[];
} tern_sendmsg;

typedef struct tern_snp_lane_tx {
    int32_t priority;
    uint16_t weight;
    int64_t next_msgnum;                  /* next message number to assign (from 1) */
    int64_t last_rel_msgnum;              /* for the reliable framing's delta */
    tern_sendmsg *head, *tail;            /* not yet (fully) sent once */
    uint64_t pending_unrel;               /* bytes of unsent unreliable messages */
    uint64_t pending_rel;                 /* bytes of reliable stream not yet sent once */
    int64_t stream_end;                   /* next stream position to assign (from 1) */
    int64_t sent_end;                     /* first-transmission frontier of the stream */
    int64_t ack_floor;                    /* every stream byte below is acknowledged */
    tern_ranges acked;                    /* acked stream ranges above ack_floor */
    tern_ranges lost;                     /* stream ranges waiting for retransmission */
    tern_sendmsg **hist;                  /* reliable messages from ack_floor on, by position */
    size_t hist_head, hist_len, hist_cap; /* ring of pointers */
    tern_ranges dup;                      /* retransmissions to send a second time */
    uint64_t vtime;                       /* weighted fair queueing virtual time */
    uint8_t active;                       /* in the scheduler's active set */
} tern_snp_lane_tx;

/* One reliable stream range carried by a sent packet. */
typedef struct tern_sent_range {
    int64_t begin, end;
    uint16_t lane;
} tern_sent_range;

#define TERN_SENT_INFLIGHT 0x01 /* counted in bytes_in_flight */
#define TERN_SENT_ACKED    0x02
#define TERN_SENT_LOST     0x04
#define TERN_SENT_APPLTD   0x08 /* sent while application-limited */
#define TERN_SENT_ELICIT   0x10 /* carried data the peer should ack */
#define TERN_SENT_NACKED   0x20 /* reported missing; lost once the reordering window passes */

typedef struct tern_sent_pkt {
    int64_t time_sent;
    tern_cc_sample_state cc; /* delivery-rate bookkeeping at send time */
    uint64_t range_start;    /* index into the range ring */
    uint32_t bytes;          /* wire bytes */
    uint16_t nranges;
    uint8_t flags;
} tern_sent_pkt;

/* --- receive side -------------------------------------------------------------- */

typedef struct tern_unrel_frag {
    int64_t msgnum;
    uint32_t offset, len;
    uint8_t end;
    uint8_t *data;
} tern_unrel_frag;

typedef struct tern_snp_lane_rx {
    int64_t highest_msgnum;  /* H of §6.4: highest message number seen */
    int64_t last_rel_msgnum; /* previous reliable message number */
    int64_t recv_pos;        /* consumed stream position (from 1) */
    int64_t recv_end;        /* one past the highest stream byte received */
    uint8_t *buf;            /* stream bytes from buf_base */
    int64_t buf_base;
    size_t buf_cap;
    tern_ranges gaps;       /* missing ranges inside [recv_pos, recv_end) */
    tern_unrel_frag *frags; /* unreliable reassembly, up to TERN_SNP_UNREL_FRAGS */
    uint8_t nfrags;
} tern_snp_lane_rx;

/* Received-packet gaps, newest last: [begin, end) missing since |when|. */
typedef struct tern_pkt_gap {
    int64_t begin, end;
    int64_t when;
} tern_pkt_gap;

/* Result of processing one received packet. */
typedef struct tern_snp_rx {
    bool ack_it;    /* false: do not count this packet as received */
    int end_reason; /* when tern_snp_recv failed fatally */
    char debug[128];
} tern_snp_rx;

/* What tern_snp_build produced. */
typedef struct tern_snp_pkt {
    int64_t pktnum;
    size_t len;
    bool elicits_ack;      /* carries data the peer should acknowledge */
    bool want_ack_request; /* ask the peer to ack at once (stats flag 2|4) */
} tern_snp_pkt;

/* Counters behind the real-time status (per lane and total). */
typedef struct tern_snp_lane_status {
    uint64_t pending_unrel, pending_rel, sent_unacked_rel;
    int64_t queue_time_usec;
} tern_snp_lane_status;

typedef struct tern_snp_stats {
    uint64_t pkts_sent, pkts_recv, bytes_sent, bytes_recv;
    uint64_t pkts_lost, pkts_retx_bytes, pkts_dup, pkts_ooo, pkts_spurious;
    uint64_t msgs_sent, msgs_recv;
} tern_snp_stats;

typedef struct tern_snp {
    tern_snp_cfg cfg;
    const tern_mem *mem;
    tern_msgpool *pool;
    tern_snp_ops ops;
    void *user;

    /* lanes: send config is per connection; receive lanes appear on demand */
    uint16_t nlanes;       /* configured send lanes (>= 1) */
    uint16_t rx_cap;       /* receive lanes [0, rx_cap) have a slot in rx */
    tern_snp_lane_tx *tx;  /* [nlanes] */
    tern_snp_lane_rx **rx; /* [rx_cap], grown to the highest lane seen; entries
                              allocated on first use */
    uint64_t queue_seq, flushed_seq;
    tern_sendmsg *sm_free[TERN_SENDMSG_CLASSES];
    uint16_t sm_nfree[TERN_SENDMSG_CLASSES];
    uint64_t pending_bytes; /* all unsent bytes: checked against send_buffer */
    uint32_t npending_msgs;
    int64_t pending_unrel_nodelay;

    /* sent packets: ring indexed by packet number */
    int64_t next_pktnum; /* next packet number to use */
    int64_t ring_base;   /* oldest record kept */
    tern_sent_pkt *ring;
    size_t ring_cap;         /* power of two */
    tern_sent_range *ranges; /* ring of reliable ranges, indexed by uint64 */
    size_t ranges_cap;       /* power of two */
    uint64_t ranges_head, ranges_tail;
    int64_t min_waiting; /* highest 'latest' the peer acked: our stop-waiting */
    uint64_t bytes_in_flight;
    int64_t last_elicit_sent; /* time the newest ack-eliciting packet went out */
    int64_t rto_deadline;     /* tail-loss timer */
    uint32_t rto_count;       /* consecutive timeouts, for backoff */
    uint64_t bytes_since_ack_req;
    uint64_t retx_pending; /* bytes of lost (and dup) ranges queued */
    int64_t reo_wnd;       /* reordering window (usec): 0 = a NACK means lost */
    int64_t last_spurious; /* time of the last loss that proved spurious */
    int64_t loss_deadline; /* a NACKed packet's window ends */

    tern_rtt rtt;
    tern_cc cc;

    /* receive: packets */
    int64_t max_recv; /* highest packet number accepted */
    int64_t max_recv_time;
    uint64_t window[2];      /* replay bits for [base-64, base+64) where base = max_recv & ~63 */
    int64_t min_to_ack;      /* peer's stop-waiting */
    int64_t min_to_ack_from; /* packet number that carried it */
    tern_pkt_gap *gaps;
    size_t ngaps, gaps_cap;
    int64_t ack_deadline;     /* INT64_MAX: none due */
    uint32_t unacked_elicit;  /* ack-eliciting packets received since our last ack */
    int64_t nack_deadline;    /* a gap's grace period ends */
    uint64_t rx_queued_bytes; /* delivered, not yet taken by the app */
    uint32_t rx_queued_msgs;
    bool rx_enabled; /* false in linger: drop incoming message data */
    bool rx_blocked; /* a delivery failed on a full queue */
    bool in_rx;      /* delivering: ops.deliver must not re-enter delivery */

    tern_snp_stats stats;
} tern_snp;

/* |mem| and |pool| are borrowed for the engine's lifetime. |cfg| is copied.
 * TERN_NOMEM on allocation failure. */
tern_result tern_snp_init(tern_snp *s, const tern_snp_cfg *cfg, const tern_mem *mem,
                          tern_msgpool *pool, const tern_snp_ops *ops, void *user, int64_t now);
void tern_snp_free(tern_snp *s);

/* Queue a message (copied). TERN_OK and *msgnum; TERN_MSG_TOO_BIG; TERN_LIMIT_EXCEEDED
 * (send buffer full); TERN_INVALID_PARAM (lane not configured); TERN_IGNORED (NO_DELAY
 * message that cannot go out now: dropped). */
tern_result tern_snp_send(tern_snp *s, int64_t now, const void *data, size_t len, int flags,
                          uint16_t lane, int64_t *msgnum);

/* ConfigureConnectionLanes: 1..255 lanes, never fewer than configured now;
 * priorities (NULL = all 0), weights (NULL = all 1, 0 is invalid). */
tern_result tern_snp_configure_lanes(tern_snp *s, int n, const int *priorities,
                                     const uint16_t *weights);

/* Everything queued so far may go out without waiting for Nagle. */
void tern_snp_flush(tern_snp *s);

/* Build the next packet's SNP plaintext into buf[0..cap) if one is due now,
 * or always when |force| (keepalive, ack request). Returns 1 when a packet
 * was built (*out filled), 0 when nothing is due. */
int tern_snp_build(tern_snp *s, int64_t now, uint8_t *buf, size_t cap, bool force,
                   tern_snp_pkt *out);

/* When tern_snp_build should be called next (absolute usec; INT64_MAX if
 * nothing is scheduled). */
int64_t tern_snp_next_wake(tern_snp *s, int64_t now);

/* Full packet number for the 16 wire bits. */
int64_t tern_snp_expand_pktnum(const tern_snp *s, uint16_t w);

/* Replay filter before decryption: TERN_OK, or TERN_IGNORED for a duplicate
 * or a packet older than the window. */
tern_result tern_snp_precheck(const tern_snp *s, int64_t pktnum);

/* Process a decrypted payload. TERN_OK (see rx->ack_it), or
 * TERN_PROTOCOL_VIOLATION with rx->end_reason and rx->debug: the connection
 * must be killed. */
tern_result tern_snp_recv(tern_snp *s, int64_t now, int64_t pktnum, const uint8_t *payload,
                          size_t len, tern_snp_rx *rx);

/* The gap limits above for this engine's RecvBufferSize. */
static inline size_t tern_snp_gap_limit(const tern_snp *s, size_t at_least)
{
    size_t n = (size_t)s->cfg.recv_buffer / TERN_SNP_GAP_BYTES;
    return n > at_least ? n : at_least;
}

/* The peer asked for an ack (stats blob flags): within 50 ms, or now. */
void tern_snp_ack_request(tern_snp *s, int64_t now, bool immediate);

/* An RTT sample from outside the data path: the handshake's timestamps
 * (WIRE.md §2.12). It seeds the estimator and the controller's base RTT. */
void tern_snp_rtt_sample(tern_snp *s, int64_t now, int64_t rtt_usec);

/* The application took |n| messages of |bytes| total off the receive queue.
 * If delivery had stopped on a full queue, complete messages waiting in the
 * reliable streams are delivered now (through ops.deliver, before this
 * returns). TERN_OK, or TERN_PROTOCOL_VIOLATION (rx filled) when a message
 * header reached only now is invalid: the connection must be killed. */
tern_result tern_snp_consumed(tern_snp *s, int64_t now, uint64_t bytes, uint32_t n,
                              tern_snp_rx *rx);

/* Status counters. |lanes| may be NULL; otherwise min(n, nlanes) entries are
 * filled. */
void tern_snp_status(const tern_snp *s, int64_t now, tern_snp_lane_status *total,
                     tern_snp_lane_status *lanes, int n);

/* True when reliable data is still unacknowledged or unsent (for linger). */
bool tern_snp_reliable_outstanding(const tern_snp *s);

/* Nothing to send, nothing in flight, no ack owed, nothing waiting in a
 * receive buffer: the engine would do nothing until a packet or a message
 * arrives. */
bool tern_snp_quiescent(const tern_snp *s);

/* Give back memory a quiet engine does not need: cached send records,
 * empty buffers and bookkeeping arrays, and the sent-packet ring cut down
 * to the records it still holds. Everything grows again on demand, so
 * behaviour is unchanged; for connections gone idle, not per packet. */
void tern_snp_trim(tern_snp *s);

#endif
