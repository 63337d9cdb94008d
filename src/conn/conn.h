/* The connection layer, sans-I/O: connections and their state machine
 * (API.md §12.2, §14.4; WIRE.md §2, §7, §8), listen sockets with stateless
 * challenges, handles, poll groups and message queues, and the queue of
 * status-change events. Time comes in as |now|; datagrams go out through
 * tern_tx_ops and come in through tern_inst_recv(); the owner (the API
 * layer) supplies locking and threads. */
#ifndef TERN_CONN_CONN_H
#define TERN_CONN_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn/config.h"
#include "conn/hs.h"
#include "crypto/aead.h"
#include "snp/snp.h"
#include "tern/tern.h"
#include "util/addrmap.h"
#include "util/arena.h"
#include "util/handles.h"
#include "util/heap.h"
#include "util/msgpool.h"

#define TERN_CONNECT_RETRY_USEC  500000   /* challenge/connect retry (GNS) */
#define TERN_FIN_WAIT_USEC       5000000  /* keep a closed connection this long */
#define TERN_CLOSE_RESENDS       5        /* extra copies of our ConnectionClosed */
#define TERN_CLOSE_RESEND_USEC   100000   /* the first after at least this long */
#define TERN_KEEPALIVE_USEC      10000000 /* send something after this much silence */
#define TERN_URGENT_PING_USEC    200000
#define TERN_SPAM_REPLY_USEC     250000  /* unsolicited NoConnection replies */
#define TERN_CHALLENGE_TICKS     3       /* challenge validity, 2^20-usec ticks */
#define TERN_CONNECTOK_ECHO_USEC 4000000 /* echo the request timestamp while younger */
#define TERN_MAX_PENDING_LISTEN  4096    /* not-yet-accepted connections per listen socket */
#define TERN_MAX_PENDING_PER_IP  64      /* ... per source IP address */
#define TERN_SERVICE_BURST       64      /* packets one connection sends per service call */
#define TERN_COARSE_AFTER_USEC   1000000 /* deadlines further away may be coalesced */
#define TERN_IDLE_TRIM_USEC      2000000 /* no message for this long: a connection is idle */

/* Internal states; the API sees the positive ones, the negative as NONE. */
enum tern_cstate {
    TERN_CS_NONE = 0,
    TERN_CS_CONNECTING = 1,
    TERN_CS_FINDING_ROUTE = 2,
    TERN_CS_CONNECTED = 3,
    TERN_CS_CLOSED_BY_PEER = 4,
    TERN_CS_PROBLEM = 5,
    TERN_CS_FIN_WAIT = -1,
    TERN_CS_LINGER = -2,
    TERN_CS_DEAD = -3,
};

/* The effective per-connection options (from the config table). */
typedef struct tern_conn_opts {
    int32_t mtu, nagle_usec, send_buffer, recv_buffer, recv_buffer_msgs, recv_max_msg,
        recv_max_segs;
    int64_t rate_min, rate_max; /* 0 = unset: automatic */
    int32_t timeout_initial_ms, timeout_connected_ms;
    int32_t unencrypted, allow_without_auth, localhost_allow_without_auth;
    int32_t send_time_since_prev;
    int64_t user_data;
} tern_conn_opts;

void tern_conn_opts_default(tern_conn_opts *o);
/* The effective options seen from |s|. */
void tern_conn_opts_load(const tern_cfg_scope *s, tern_conn_opts *o);
/* Apply creation options (GNS's pOptions arrays) at |s|: all or nothing is
 * not promised, but any failure is reported (TERN_INVALID_PARAM). */
tern_result tern_cfg_apply(tern_cfg_scope *s, int nopts, const tern_config_value *opts);

/* The transport seam. |sock| ids come from open(). */
typedef struct tern_tx_ops {
    void *ctx;
    /* |from|: the source address (a socket bound to the wildcard address
     * has several); NULL: the socket's own, or the kernel's choice. */
    void (*send)(void *ctx, uint32_t sock, const tern_addr *from, const tern_addr *to,
                 const uint8_t *data, size_t len);
    /* local NULL: any address, ephemeral port; with |remote|, a socket for
     * that one peer (bound to the address the route to it uses). */
    tern_result (*open)(void *ctx, const tern_addr *local, const tern_addr *remote, uint32_t *sock,
                        tern_addr *bound);
    void (*close)(void *ctx, uint32_t sock);
} tern_tx_ops;

typedef struct tern_inst tern_inst;
typedef struct tern_conn tern_conn;

/* A queued status change. |gns_cb| is the option-201 callback captured when
 * the change happened (called with the event, GNS-style), or NULL. */
typedef struct tern_event {
    struct tern_event *next;
    void *gns_cb;
    tern_status_event ev;
} tern_event;

typedef struct tern_listen {
    uint32_t handle;
    uint32_t sock;
    tern_addr bound;
    uint8_t secret[16];      /* challenge key */
    tern_addrmap by_addr;    /* remote address -> tern_conn (every state until destroyed) */
    tern_addrmap pending_ip; /* source IP (port 0) -> pending count */
    uint32_t npending;
    tern_cfg_scope cfg;  /* listen-socket scope; accepted connections inherit it */
    tern_conn_opts opts; /* effective options, loaded when a connection arrives */
} tern_listen;

typedef struct tern_group {
    uint32_t handle;
    tern_msg *head, *tail;
    uint32_t count;
} tern_group;

/* Liveness bookkeeping (WIRE.md §7.3). */
typedef struct tern_live {
    int64_t last_recv;       /* a valid packet from the peer */
    int64_t reply_deadline;  /* INT64_MAX: no reply expected */
    int64_t timeout_started; /* 0: no reply timeout yet */
    uint32_t reply_timeouts;
    int64_t next_urgent;
} tern_live;

struct tern_conn {
    tern_inst *inst;
    uint32_t handle;      /* 0 once the application closed it */
    uint32_t last_handle; /* the handle events carry after close */
    int8_t state;         /* enum tern_cstate */
    bool is_server, is_pipe, accepted, snp_ready, aead_ready;
    bool rx_seen_data;  /* server: the client has our ConnectOK */
    bool pending;       /* server: counted against the listen socket's pending limits */
    uint32_t listen;    /* handle of the listen socket it came through */
    tern_listen *lsock; /* NULL once that socket is closed */
    uint32_t sock;      /* transport socket */
    tern_addr remote;
    uint32_t local_id, remote_id;
    uint64_t failed_batch; /* API layer: the tern_send_messages call that failed on it */
    uint16_t pipe_lanes;   /* pipes: lanes configured (1 at first) */
    /* server: the address of ours the client sends to (port unused), which
     * our datagrams leave from; all zeros: not known, the socket's own. Kept
     * here rather than shared: 16 bytes of a 4 KiB connection, and nothing a
     * peer does can make it grow. */
    tern_addr local;
    tern_identity remote_identity;
    tern_identity expected_identity; /* client: invalid when none */
    bool unauthenticated;
    uint32_t peer_version;
    int64_t created, state_since;
    /* handshake */
    tern_hs_local *hs; /* freed once no longer needed */
    tern_hs_ok *hs_ok; /* server, once accepted: what resends the ConnectOK (hs is freed) */
    tern_hs_peer *peer;
    uint64_t challenge; /* client: from the ChallengeReply */
    int64_t next_retry;
    int64_t req_timestamp, req_recv_time; /* server: the ConnectRequest's my_timestamp */
    bool have_req_timestamp;
    int64_t handshake_rtt; /* usec, or -1 */
    int32_t ping_est_ms;   /* server: the client's estimate, or -1 */
    /* crypto and the engine */
    tern_aead aead;
    tern_snp snp;
    int64_t last_send; /* the last data packet */
    bool sent_data;
    int64_t last_msg;   /* a message was sent or delivered (for tern_conn_trim) */
    int64_t trimmed_at; /* tern_conn_trim last gave memory back */
    tern_live live;
    /* close */
    int end_reason;
    char end_debug[128];
    int64_t finwait_until;
    /* FIN_WAIT after we closed: our ConnectionClosed is sent again this
     * many more times, at close_resend_at and then at doubling intervals,
     * until the peer answers, so that one lost datagram does not leave the
     * peer waiting out its timeout (GNS answers only what arrives). */
    uint8_t close_resends;
    int64_t close_resend_at, close_resend_gap;
    /* identity of the app */
    int64_t user_data;
    char name[128];
    /* received messages and poll group */
    tern_msg *q_head, *q_tail;
    uint32_t q_count;
    uint32_t group;
    /* timers */
    tern_heap_node timer;
    tern_cfg_scope cfg; /* connection scope */
    uint32_t cfg_gen;   /* generation |opts| was loaded at */
    tern_conn_opts opts;
    /* socket pairs over a pipe */
    tern_conn *pipe_peer;
    int64_t *pipe_msgnum; /* [TERN_SNP_MAX_LANES] last message number sent per lane;
                             made on the first send, so other connections carry none */
    /* stats for the status */
    uint64_t pkts_sent, pkts_recv, bytes_sent, bytes_recv;
    int64_t rate_stamp;
    uint64_t rate_pkts_out, rate_bytes_out, rate_pkts_in, rate_bytes_in;
    float out_pps, out_bps, in_pps, in_bps;
    float quality_remote;
    /* list of connections the app closed; doubly linked so that leaving it
     * costs O(1), not a walk over every other closed connection */
    struct tern_conn *closing_next, **closing_pprev;
};

struct tern_inst {
    const tern_mem *mem;
    tern_msgpool *pool;
    tern_tx_ops tx;
    tern_identity identity;
    tern_ed25519 cert_key; /* signs our certs' crypt infos; made at first use (hs.h) */
    tern_handles conns, listens, groups;
    tern_heap timers;
    tern_conn *closing; /* closed by the app, waiting out FIN_WAIT/linger */
    void **socks;       /* transport socket id -> tern_conn* or tern_listen* */
    uint8_t *sock_kind; /* 1 listen, 2 client connection */
    size_t nsocks;
    tern_event *ev_head, *ev_tail;
    size_t nevents;
    uint64_t queued_msgs; /* received messages waiting in all connections' queues */
    bool want_events;     /* an on_status callback exists at instance level */
    int64_t last_spam_reply;
    tern_cfg_scope cfg; /* instance scope, below the process-wide root */
    uint8_t arena_buf[16384];
    tern_arena arena;      /* scratch for decoding one handshake datagram */
    uint8_t scratch[2048]; /* one packet */
    void (*log)(int level, const char *msg, void *user);
    int log_level;
    void *log_user;
    /* Randomness for IDs, secrets and keys: NULL = the system's (OpenSSL);
     * the simulator installs a seeded generator so runs replay exactly. */
    tern_result (*rand_bytes)(void *ctx, void *out, size_t n);
    void *rand_ctx;
    /* counters */
    uint64_t hs_replies, dropped_dgrams;
};

/* --- instance ---------------------------------------------------------------- */
tern_result tern_inst_init(tern_inst *in, const tern_mem *mem, const tern_identity *identity,
                           const tern_tx_ops *tx, tern_cfg_global *root);
/* Close everything (2999 "SteamNetworkingSockets shutdown"), free it all. */
void tern_inst_free(tern_inst *in, int64_t now);
/* |local|: the address the datagram was sent to (NULL or all zeros: not
 * known); replies leave from it. */
void tern_inst_recv(tern_inst *in, int64_t now, uint32_t sock, const tern_addr *from,
                    const tern_addr *local, const uint8_t *data, size_t len);
/* Run every connection whose deadline has come. */
void tern_inst_service(tern_inst *in, int64_t now);
int64_t tern_inst_next_deadline(const tern_inst *in);
/* Take the queued events (a list the caller frees with tern_inst_free_events). */
tern_event *tern_inst_take_events(tern_inst *in);
void tern_inst_free_events(tern_inst *in, tern_event *e);
void tern_inst_logf(tern_inst *in, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* --- listen sockets -------------------------------------------------------------- */
tern_result tern_inst_listen(tern_inst *in, int64_t now, const tern_addr *local, int nopts,
                             const tern_config_value *opts, uint32_t *out);
tern_result tern_inst_listen_close(tern_inst *in, int64_t now, uint32_t handle);
void tern_listen_recv(tern_inst *in, tern_listen *l, int64_t now, const tern_addr *from,
                      const tern_addr *local, const uint8_t *data, size_t len);

/* --- connections ---------------------------------------------------------------- */
tern_result tern_inst_connect(tern_inst *in, int64_t now, const tern_addr *remote, int nopts,
                              const tern_config_value *opts, uint32_t *out);
tern_conn *tern_inst_conn(const tern_inst *in, uint32_t handle);
tern_result tern_conn_accept(tern_conn *c, int64_t now);
tern_result tern_conn_close(tern_conn *c, int64_t now, int reason, const char *debug, bool linger);
tern_result tern_conn_send(tern_conn *c, int64_t now, uint16_t lane, const void *data, uint32_t len,
                           int flags, int64_t *msgnum);
tern_result tern_conn_flush(tern_conn *c, int64_t now);
int tern_conn_receive(tern_conn *c, int64_t now, tern_message **out, int max);
tern_result tern_conn_configure_lanes(tern_conn *c, int n, const int *prio, const uint16_t *w);
void tern_conn_fill_info(const tern_conn *c, tern_conn_info *out);
tern_result tern_conn_status(tern_conn *c, int64_t now, tern_realtime_status *st, int nlanes,
                             tern_lane_status *lanes);
int tern_conn_detailed_status(tern_conn *c, int64_t now, char *buf, int cap);
void tern_conn_set_user_data(tern_conn *c, int64_t v);
tern_result tern_inst_socket_pair(tern_inst *in, int64_t now, bool network,
                                  const tern_identity *id1, const tern_identity *id2,
                                  uint32_t *out1, uint32_t *out2);

/* --- poll groups ------------------------------------------------------------------ */
tern_result tern_inst_group_new(tern_inst *in, uint32_t *out);
tern_result tern_inst_group_del(tern_inst *in, uint32_t handle);
tern_result tern_conn_set_group(tern_conn *c, uint32_t group);
int tern_inst_group_receive(tern_inst *in, int64_t now, uint32_t group, tern_message **out,
                            int max);

/* --- internal, shared between the conn files ---------------------------------------- */
int tern_cstate_api(int state);
void tern_conn_set_state(tern_conn *c, int64_t now, int state);
void tern_conn_problem(tern_conn *c, int64_t now, int reason, const char *debug);
void tern_conn_schedule(tern_conn *c, int64_t when);
/* |when|, a deadline seen at |now|, rounded up for coalescing when it is at
 * least TERN_COARSE_AFTER_USEC away: by less than 1/32 of the wait, to a
 * power-of-two grid, so that thousands of idle connections' keepalives come
 * due in a few shared wake-ups instead of one each. |late_phase| shifts the
 * grid by half a step: the two ends of a connection use opposite phases, so
 * their keepalive timers never fire together (each end sends one only after
 * ten seconds of silence; fired together, both would, doubling the packets;
 * half a step apart, the first one's packet arrives before the other fires
 * unless the one-way delay exceeds half a step, 131 ms for the 262 ms step
 * of a ten-second keepalive). */
int64_t tern_timer_coarse(int64_t now, int64_t when, bool late_phase);
/* An idle connection (no message for TERN_IDLE_TRIM_USEC, nothing in flight,
 * no reply awaited) gives back the memory only traffic needs: the engine's
 * buffers and caches and the two OpenSSL AES-GCM contexts (1144 bytes each
 * with OpenSSL 3.0, more than the rest of an idle connection). Called after
 * each datagram and each timer; a no-op on a busy connection, and it acts
 * at most once per TERN_IDLE_TRIM_USEC, so the contexts are still made
 * once per connection while it carries traffic, and at most once per
 * direction per idle period (one keepalive exchange) after that. */
void tern_conn_trim(tern_conn *c, int64_t now);
void tern_conn_recv(tern_conn *c, int64_t now, const uint8_t *data, size_t len);
void tern_conn_service(tern_conn *c, int64_t now);
void tern_conn_destroy(tern_conn *c);
tern_result tern_conn_start_snp(tern_conn *c, int64_t now);
void tern_conn_send_closed(tern_conn *c);
/* Enter FIN_WAIT; |resend|: we close (not the peer): send our ConnectionClosed now and
 * repeat it.
 * Frees what that state no longer uses (the handle is gone, all that is
 * left to send is ConnectionClosed / NoConnection): the transport engine,
 * the keys, the handshake. */
void tern_conn_finwait(tern_conn *c, int64_t now, bool resend);
/* Repeat the close if due; the next time it is due (INT64_MAX: never). */
int64_t tern_conn_finwait_resend(tern_conn *c, int64_t now);
/* |src|: the source address (NULL: the socket's). */
void tern_conn_send_no_connection(tern_inst *in, uint32_t sock, const tern_addr *src,
                                  const tern_addr *to, uint32_t from_id, uint32_t to_id);
/* A NoConnection to |c|'s peer, from |c|'s address. */
void tern_conn_reply_no_connection(tern_conn *c, uint32_t from_id, uint32_t to_id);
/* One datagram to |c|'s peer, from the local address the peer uses. */
void tern_conn_tx(tern_conn *c, const uint8_t *data, size_t len);
/* That address (NULL: the socket's own). */
const tern_addr *tern_conn_src(const tern_conn *c);
/* A new connection with its config scope under |parent| (the instance's or
 * a listen socket's) and |opts| applied there. NULL: out of memory or a bad
 * option (*err says which). */
tern_conn *tern_conn_new(tern_inst *in, int64_t now, tern_cfg_scope *parent, int nopts,
                         const tern_config_value *opts, tern_result *err);
/* Reload c->opts if the config changed, and pass it on to the engine. */
void tern_conn_refresh_opts(tern_conn *c);
uint32_t tern_random_conn_id(tern_inst *in);
tern_result tern_inst_rand(tern_inst *in, void *out, size_t n);
/* Fixed handshake secrets from the instance's generator when it has its
 * own (the simulator), else NULL: the handshake draws its own. */
const tern_hs_secrets *tern_inst_hs_secrets(tern_inst *in, tern_hs_secrets *buf);
void tern_inst_sock_set(tern_inst *in, uint32_t sock, int kind, void *obj);
/* data path (datapath.c) */
bool tern_conn_send_packet(tern_conn *c, int64_t now, bool force, uint32_t blob_flags);
void tern_conn_recv_data(tern_conn *c, int64_t now, const uint8_t *data, size_t len);
void tern_conn_liveness(tern_conn *c, int64_t now);
/* handshake (client.c, server.c) */
void tern_client_send_challenge(tern_conn *c, int64_t now);
void tern_client_recv(tern_conn *c, int64_t now, const tern_hs_msg *m);
void tern_server_conn_recv(tern_conn *c, int64_t now, const tern_hs_msg *m);
void tern_server_send_connect_ok(tern_conn *c, int64_t now);
/* No longer a not-yet-accepted connection (accepted, closed or gone). */
void tern_listen_unpend(tern_conn *c);

#endif
