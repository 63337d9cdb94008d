/* tern: connection-oriented, message-oriented networking over UDP,
 * wire-compatible with Valve's GameNetworkingSockets.
 *
 * This is the only header an application includes. Everything is prefixed
 * tern_ / TERN_; objects are opaque; every fallible call returns a tern_result.
 */
#ifndef TERN_TERN_H
#define TERN_TERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#if defined(TERN_BUILDING)
#define TERN_API __declspec(dllexport)
#else
#define TERN_API __declspec(dllimport)
#endif
#else
#define TERN_API __attribute__((visibility("default")))
#endif

#define TERN_VERSION_MAJOR 0
#define TERN_VERSION_MINOR 1
#define TERN_VERSION_PATCH 0

/* Result codes.
 *
 * Where a GNS EResult value means exactly the cause, the code has that number,
 * so TERN_OK is 1, not 0. Causes that GNS folds into one value get their own
 * code from 1000 up (the compat layer maps them back to what GNS returns).
 * tern_result_str() names every code.
 */
typedef enum tern_result {
    TERN_OK = 1,                 /* success */
    TERN_FAIL = 2,               /* generic failure (see the function's doc) */
    TERN_NO_CONNECTION = 3,      /* the connection was closed by the peer or locally */
    TERN_INVALID_PARAM = 8,      /* an argument is out of range or NULL */
    TERN_INVALID_STATE = 11,     /* the object is in the wrong state for this call */
    TERN_TIMEOUT = 16,           /* the operation timed out */
    TERN_LIMIT_EXCEEDED = 25,    /* a configured buffer limit is full; retry later */
    TERN_DUPLICATE_REQUEST = 29, /* the request was already made */
    TERN_HANDSHAKE_FAILED = 36,  /* crypto handshake failed */
    TERN_IGNORED = 41,           /* not done: e.g. NoDelay send that cannot go out now */
    TERN_NOT_SUPPORTED = 128,    /* this build or version does not do that (yet) */

    TERN_BAD_HANDLE = 1000,         /* the handle is 0, unknown, or stale */
    TERN_MSG_TOO_BIG = 1001,        /* the message exceeds the allowed size */
    TERN_NOMEM = 1002,              /* out of memory (fatal for the object) */
    TERN_TRUNCATED = 1003,          /* decoder: the input ends inside a field */
    TERN_MALFORMED = 1004,          /* decoder: the input is not a valid encoding */
    TERN_BUF_TOO_SMALL = 1005,      /* the output buffer is too small */
    TERN_CRYPTO = 1006,             /* a cryptographic check or primitive failed */
    TERN_BAD_CERT = 1007,           /* the peer certificate is not acceptable */
    TERN_BAD_PROTOCOL = 1008,       /* the peer speaks an unsupported protocol version */
    TERN_ARENA_FULL = 1009,         /* decoder: the bounded arena is exhausted */
    TERN_IO = 1010,                 /* an operating-system call failed */
    TERN_ADDR_IN_USE = 1011,        /* bind: the address or port is in use */
    TERN_PROTOCOL_VIOLATION = 1012, /* the peer broke the protocol; the connection dies */
} tern_result;

/* --- addresses and identities ------------------------------------------------
 * Both are plain values with the exact byte layout of GNS's
 * SteamNetworkingIPAddr (18 bytes) and SteamNetworkingIdentity (136 bytes), so
 * they can be copied across the compat layer unchanged. */

#pragma pack(push, 1)
/* An IPv6 address (IPv4 as ::ffff:a.b.c.d) in network byte order and a port
 * in host byte order. All zeros is [::]:0. */
typedef struct tern_addr {
    uint8_t ipv6[16];
    uint16_t port;
} tern_addr;

enum tern_identity_type {
    TERN_ID_INVALID = 0,
    TERN_ID_IP = 1,
    TERN_ID_GENERIC_STRING = 2,
    TERN_ID_GENERIC_BYTES = 3,
    TERN_ID_UNKNOWN = 4, /* "prefix:rest" kept verbatim */
    TERN_ID_STEAMID = 16,
    TERN_ID_XBOX_PAIRWISE = 17,
    TERN_ID_PSN = 18,
};

/* Who is at the end of a connection. |size| is the number of meaningful
 * bytes of the union (equality compares type, size and those bytes). */
typedef struct tern_identity {
    int32_t type; /* enum tern_identity_type */
    int32_t size;
    union {
        uint64_t steam_id;
        uint64_t psn_id;
        char generic_string[32];
        char xbox_pairwise_id[33];
        uint8_t generic_bytes[32];
        char unknown_raw[128];
        tern_addr ip;
        uint32_t reserved[32];
    } u;
} tern_identity;
#pragma pack(pop)

#define TERN_ADDR_STRLEN     48  /* tern_addr_to_string always fits this, NUL included */
#define TERN_IDENTITY_STRLEN 128 /* tern_identity_to_string always fits this */

/* --- memory -------------------------------------------------------------------
 * An allocator the library uses for everything it allocates for an instance.
 * NULL wherever a tern_mem is taken means the C library's. The functions may
 * be called from any thread. */
typedef struct tern_mem {
    void *user_data;
    void *(*malloc)(size_t size, void *user_data);
    void (*free)(void *ptr, void *user_data);
    void *(*calloc)(size_t nmemb, size_t size, void *user_data);
    void *(*realloc)(void *ptr, size_t size, void *user_data);
} tern_mem;

/* --- messages ----------------------------------------------------------------
 * A message is a library-owned object with the exact layout of GNS's
 * SteamNetworkingMessage_t (216 bytes on 64-bit). Received messages belong to
 * the application until it calls tern_message_release(); never allocate or
 * copy one by value (private fields follow the public part). */

/* Send flags (a bit mask; same values as GNS's k_nSteamNetworkingSend_*). */
#define TERN_SEND_UNRELIABLE         0
#define TERN_SEND_NO_NAGLE           1  /* send now, with anything already queued */
#define TERN_SEND_NO_DELAY           4  /* unreliable: drop (TERN_IGNORED) if it cannot go now */
#define TERN_SEND_RELIABLE           8  /* reliable and in order within its lane */
#define TERN_SEND_USE_CURRENT_THREAD 16 /* do the send work on the calling thread */

typedef struct tern_message tern_message;
struct tern_message {
    void *data;                           /* payload */
    int32_t size;                         /* payload bytes */
    uint32_t conn;                        /* inbound: the connection; outbound: the target */
    tern_identity peer;                   /* inbound: who sent it */
    int64_t conn_user_data;               /* inbound: the connection's user data */
    int64_t time_received;                /* inbound: local microsecond timestamp */
    int64_t message_number;               /* per lane, from 1, assigned by the sender */
    void (*free_data)(tern_message *msg); /* frees |data|; may be NULL */
    void (*release)(tern_message *msg);   /* set by the library; destroys the object */
    int32_t channel;                      /* -1 on connection messages */
    int32_t flags;                        /* inbound: TERN_SEND_RELIABLE or 0 */
    int64_t user_data;                    /* application's own, for outbound messages */
    uint16_t lane;                        /* lane index */
    uint16_t pad_;
};

/* A short English description of |r|; never NULL (unknown codes get a generic
 * text). The string is static. Thread: any. */
TERN_API const char *tern_result_str(int r);

/* True for results after which the object that returned them cannot be used
 * any more (TERN_NOMEM, TERN_PROTOCOL_VIOLATION). Thread: any. */
TERN_API int tern_result_is_fatal(int r);

/* The library version as "MAJOR.MINOR.PATCH". Thread: any. */
TERN_API const char *tern_version(void);

/* ==========================================================================
 * Addresses and identities (pure helpers; thread: any)
 * ========================================================================== */

TERN_API void tern_addr_clear(tern_addr *a);
TERN_API void tern_addr_set_ipv4(tern_addr *a, uint32_t ip, uint16_t port); /* ip in host order */
TERN_API void tern_addr_set_ipv6(tern_addr *a, const uint8_t *ipv6, uint16_t port);
TERN_API void tern_addr_set_ipv6_localhost(tern_addr *a, uint16_t port);
TERN_API _Bool tern_addr_is_ipv4(const tern_addr *a);
TERN_API uint32_t tern_addr_get_ipv4(const tern_addr *a);
TERN_API _Bool tern_addr_is_localhost(const tern_addr *a);
TERN_API _Bool tern_addr_is_ipv6_all_zeros(const tern_addr *a);
TERN_API _Bool tern_addr_equal(const tern_addr *a, const tern_addr *b);
/* "1.2.3.4:5", "[::1]:5" (GNS's formats). Writes at most |cb| bytes, always
 * NUL-terminated when cb > 0; returns the length the full text needs. */
TERN_API size_t tern_addr_to_string(const tern_addr *a, char *buf, size_t cb, _Bool with_port);
/* IPv4 "a.b.c.d[:port]" or IPv6 with optional [brackets] and port; no name
 * resolution. False (and *a zeroed) when not an address. */
TERN_API _Bool tern_addr_parse_string(tern_addr *a, const char *str);

TERN_API void tern_identity_clear(tern_identity *id);
TERN_API _Bool tern_identity_is_invalid(const tern_identity *id);
TERN_API void tern_identity_set_ip_addr(tern_identity *id, const tern_addr *addr);
TERN_API const tern_addr *tern_identity_get_ip_addr(const tern_identity *id);
TERN_API void tern_identity_set_localhost(tern_identity *id);
TERN_API _Bool tern_identity_is_localhost(const tern_identity *id);
TERN_API void tern_identity_set_steam_id(tern_identity *id, uint64_t steam_id);
TERN_API uint64_t tern_identity_get_steam_id(const tern_identity *id);
TERN_API _Bool tern_identity_set_generic_string(tern_identity *id, const char *s);
TERN_API const char *tern_identity_get_generic_string(const tern_identity *id);
TERN_API _Bool tern_identity_set_generic_bytes(tern_identity *id, const void *data, size_t len);
TERN_API const uint8_t *tern_identity_get_generic_bytes(const tern_identity *id, int *len);
TERN_API _Bool tern_identity_equal(const tern_identity *a, const tern_identity *b);
/* "ip:1.2.3.4:5", "str:name", "steamid:...", ... (GNS's formats). */
TERN_API void tern_identity_to_string(const tern_identity *id, char *buf, size_t cb);
/* |sizeof_identity|: pass sizeof(tern_identity). */
TERN_API _Bool tern_identity_parse_string(tern_identity *id, size_t sizeof_identity,
                                          const char *str);

/* ==========================================================================
 * Connection state, info and status (layouts equal GNS's on Linux/macOS)
 * ========================================================================== */

/* States an application sees. */
enum tern_state {
    TERN_STATE_NONE = 0,          /* no such connection, or closed by this side */
    TERN_STATE_CONNECTING = 1,    /* handshake; inbound: waiting for tern_accept() */
    TERN_STATE_FINDING_ROUTE = 2, /* (P2P only) */
    TERN_STATE_CONNECTED = 3,
    TERN_STATE_CLOSED_BY_PEER = 4, /* call tern_close() to free it */
    TERN_STATE_PROBLEM = 5,        /* timeout or local failure; call tern_close() */
};

/* End reasons (GNS's ESteamNetConnectionEnd values). Applications close
 * with 1000..2999; the rest are the library's. */
enum tern_end {
    TERN_END_APP_GENERIC = 1000,
    TERN_END_APP_EXCEPTION = 2000,
    TERN_END_SHUTDOWN = 2999, /* the instance was destroyed */
    TERN_END_REMOTE_TIMEOUT = 4001,
    TERN_END_REMOTE_BAD_CRYPT = 4002,
    TERN_END_REMOTE_BAD_CERT = 4003,
    TERN_END_REMOTE_BAD_PROTOCOL = 4006,
    TERN_END_MISC_GENERIC = 5001,
    TERN_END_MISC_INTERNAL = 5002, /* the peer broke the protocol */
    TERN_END_MISC_TIMEOUT = 5003,  /* connect timed out, or the peer went silent */
    TERN_END_PEER_SENT_NO_CONNECTION = 5010,
};

/* tern_conn_info.flags */
#define TERN_INFO_UNAUTHENTICATED  1
#define TERN_INFO_UNENCRYPTED      2
#define TERN_INFO_LOOPBACK_BUFFERS 4
#define TERN_INFO_FAST             8

#pragma pack(push, 4)
typedef struct tern_conn_info {
    tern_identity identity_remote; /* invalid until known */
    int64_t user_data;
    uint32_t listen_socket; /* the listen socket it arrived on; 0 if we connected */
    tern_addr addr_remote;
    uint16_t pad1_;
    uint32_t pop_remote, pop_relay; /* always 0 (relays) */
    int32_t state;                  /* enum tern_state */
    int32_t end_reason;             /* enum tern_end, or the application's code */
    char end_debug[128];
    char description[128]; /* "#<handle> UDP 1.2.3.4:5 'name'" */
    int32_t flags;         /* TERN_INFO_* */
    uint32_t reserved[63];
} tern_conn_info;

typedef struct tern_realtime_status {
    int32_t state;
    int32_t ping_ms;      /* smoothed RTT; -1 before any sample */
    float quality_local;  /* 0..1 of packets in order, -1 until measured */
    float quality_remote; /* the peer's figure, -1 if not received */
    float out_packets_per_sec, out_bytes_per_sec;
    float in_packets_per_sec, in_bytes_per_sec;
    int32_t send_rate;             /* bytes/s the congestion controller allows now */
    int32_t pending_unreliable;    /* queued bytes not yet on the wire */
    int32_t pending_reliable;      /* ... including data waiting for retransmission */
    int32_t sent_unacked_reliable; /* reliable bytes in flight */
    int64_t queue_time_usec;       /* wait before a message queued now starts going out */
    int32_t max_jitter_usec;       /* since the previous call; -1 none */
    uint32_t reserved[15];
} tern_realtime_status;

typedef struct tern_lane_status {
    int32_t pending_unreliable;
    int32_t pending_reliable;
    int32_t sent_unacked_reliable;
    int32_t pad_;
    int64_t queue_time_usec;
    uint32_t reserved[10];
} tern_lane_status;

/* A state change, delivered by tern_run_callbacks(). |info| is a snapshot
 * taken when the change happened. */
typedef struct tern_status_event {
    uint32_t conn;
    tern_conn_info info;
    int32_t old_state;
} tern_status_event;
#pragma pack(pop)

/* ==========================================================================
 * Configuration (GNS's option ids, types and scopes)
 * ========================================================================== */

enum tern_config_scope {
    TERN_SCOPE_GLOBAL = 1,
    TERN_SCOPE_INSTANCE = 2,   /* object: the tern_sockets pointer */
    TERN_SCOPE_LISTEN = 3,     /* object: a listen-socket handle */
    TERN_SCOPE_CONNECTION = 4, /* object: a connection handle */
};

enum tern_config_type {
    TERN_CONFIG_INT32 = 1,
    TERN_CONFIG_INT64 = 2,
    TERN_CONFIG_FLOAT = 3,
    TERN_CONFIG_STRING = 4,
    TERN_CONFIG_PTR = 5,
};

/* Option ids (GNS's ESteamNetworkingConfigValue); the table in
 * docs/config.md lists every one with its default and range. */
enum tern_config_id {
    TERN_CFG_FAKE_LOSS_SEND = 2,
    TERN_CFG_FAKE_LOSS_RECV = 3,
    TERN_CFG_FAKE_LAG_SEND = 4,
    TERN_CFG_FAKE_LAG_RECV = 5,
    TERN_CFG_FAKE_REORDER_SEND = 6,
    TERN_CFG_FAKE_REORDER_RECV = 7,
    TERN_CFG_FAKE_REORDER_TIME = 8,
    TERN_CFG_SEND_BUFFER_SIZE = 9,
    TERN_CFG_SEND_RATE_MIN = 10,
    TERN_CFG_SEND_RATE_MAX = 11,
    TERN_CFG_NAGLE_TIME = 12,
    TERN_CFG_IP_ALLOW_WITHOUT_AUTH = 23,
    TERN_CFG_TIMEOUT_INITIAL = 24,
    TERN_CFG_TIMEOUT_CONNECTED = 25,
    TERN_CFG_FAKE_DUP_SEND = 26,
    TERN_CFG_FAKE_DUP_RECV = 27,
    TERN_CFG_FAKE_DUP_TIME_MAX = 28,
    TERN_CFG_MTU_PACKET_SIZE = 32,
    TERN_CFG_MTU_DATA_SIZE = 33,
    TERN_CFG_UNENCRYPTED = 34,
    TERN_CFG_CONNECTION_USER_DATA = 40,
    TERN_CFG_FAKE_RATE_SEND = 42,
    TERN_CFG_FAKE_RATE_SEND_BURST = 43,
    TERN_CFG_FAKE_RATE_RECV = 44,
    TERN_CFG_FAKE_RATE_RECV_BURST = 45,
    TERN_CFG_RECV_BUFFER_SIZE = 47,
    TERN_CFG_RECV_BUFFER_MESSAGES = 48,
    TERN_CFG_RECV_MAX_MESSAGE_SIZE = 49,
    TERN_CFG_RECV_MAX_SEGMENTS_PER_PACKET = 50,
    TERN_CFG_IPLOCALHOST_ALLOW_WITHOUT_AUTH = 52,
    TERN_CFG_FAKE_JITTER_SEND_AVG = 53,
    TERN_CFG_FAKE_JITTER_SEND_MAX = 54,
    TERN_CFG_FAKE_JITTER_SEND_PCT = 55,
    TERN_CFG_FAKE_JITTER_RECV_AVG = 56,
    TERN_CFG_FAKE_JITTER_RECV_MAX = 57,
    TERN_CFG_FAKE_JITTER_RECV_PCT = 58,
    TERN_CFG_SEND_TIME_SINCE_PREVIOUS_PACKET = 59,
    TERN_CFG_CALLBACK_CONNECTION_STATUS_CHANGED = 201,
};

/* One option for the |opts| arrays of tern_listen_ip / tern_connect_ip:
 * 16 bytes, GNS's SteamNetworkingConfigValue_t. */
typedef struct tern_config_value {
    int32_t id;   /* enum tern_config_id */
    int32_t type; /* enum tern_config_type */
    union {
        int32_t i32;
        int64_t i64;
        float f;
        const char *str;
        void *ptr;
    } val;
} tern_config_value;

/* ==========================================================================
 * Instances
 * ========================================================================== */

typedef struct tern_sockets tern_sockets;

/* Log levels (GNS's ESteamNetworkingSocketsDebugOutputType). */
enum tern_log_level {
    TERN_LOG_NONE = 0,
    TERN_LOG_BUG = 1,
    TERN_LOG_ERROR = 2,
    TERN_LOG_IMPORTANT = 3,
    TERN_LOG_WARNING = 4,
    TERN_LOG_MSG = 5,
    TERN_LOG_VERBOSE = 6,
    TERN_LOG_DEBUG = 7,
    TERN_LOG_EVERYTHING = 8,
};

typedef struct tern_sockets_config {
    uint32_t size;                 /* sizeof(tern_sockets_config): the ABI may grow */
    const tern_mem *mem;           /* NULL: libc. Borrowed for the instance's life. */
    int manual_mode;               /* 1: no service thread; pump with tern_sockets_poll() */
    const tern_identity *identity; /* NULL: anonymous (localhost). Copied. */
    /* Log sink: any thread, possibly with library locks held, so it must be
     * quick and must not call tern_ functions. NULL: no logging. */
    void (*log)(int level, const char *msg, void *user);
    int log_level; /* enum tern_log_level: the most detailed level wanted */
    /* Status changes, run only inside tern_run_callbacks() on the calling
     * thread, in the order they happened. The event is valid during the call.
     * The callback may call any tern_ function. NULL: none. */
    void (*on_status)(tern_sockets *s, const tern_status_event *ev, void *user);
    void *user; /* passed to log and on_status */
} tern_sockets_config;

/* Fill |cfg| with the defaults (service thread, anonymous, no callbacks). */
TERN_API void tern_sockets_config_default(tern_sockets_config *cfg);

/* A new instance. Several may live in one process; they share nothing but
 * the process-wide global configuration (TERN_SCOPE_GLOBAL).
 * Returns TERN_OK and *out; TERN_INVALID_PARAM (NULL out, bad cfg->size,
 * invalid identity); TERN_NOMEM; TERN_IO (could not create the wake-up
 * descriptor or start the service thread). Thread: any. */
TERN_API tern_result tern_sockets_new(const tern_sockets_config *cfg, tern_sockets **out);

/* Close every connection (reason 2999, "SteamNetworkingSockets shutdown"),
 * listen socket and poll group, stop the service thread, free everything.
 * Messages the application still holds stay valid until released. Must not
 * be called from inside a callback. NULL is ignored. */
TERN_API void tern_sockets_del(tern_sockets *s);

/* Manual mode only: do the network and timer work that is due, waiting up
 * to |timeout_ms| (0: don't wait, -1: until something happens) for packets.
 * TERN_OK; TERN_INVALID_STATE when the instance has a service thread.
 * Not reentrant: one thread at a time. */
TERN_API tern_result tern_sockets_poll(tern_sockets *s, int timeout_ms);

/* A file descriptor that polls readable while callbacks or received messages
 * are waiting (in manual mode: also while network work is due, datagrams
 * or a timer, so an application can sleep in its own poll/epoll and then
 * call tern_sockets_poll). Manual mode has its own descriptor: ask again
 * after switching modes. Owned by the instance; do not close it. -1 on
 * NULL. */
TERN_API int tern_sockets_fd(tern_sockets *s);

/* Sleep until a callback or message is waiting, or |timeout_ms| passes
 * (-1: forever). In manual mode it also does the network work. Returns
 * TERN_OK when woken by work, TERN_TIMEOUT otherwise. */
TERN_API tern_result tern_wait(tern_sockets *s, int timeout_ms);

/* Deliver queued status changes to cfg.on_status (and to connections'
 * GNS-style callbacks set with option 201) on this thread. Not reentrant
 * per instance: a callback calling tern_run_callbacks() returns at once. */
TERN_API void tern_run_callbacks(tern_sockets *s);

/* The local identity (what peers see, before localhost is replaced by the
 * address). TERN_OK. */
TERN_API tern_result tern_sockets_identity(tern_sockets *s, tern_identity *out);

/* Monotonic microseconds, the clock of time_received and the stats. */
TERN_API int64_t tern_now(void);

/* ==========================================================================
 * Listen sockets and connections. Thread: any, unless noted.
 * Handles are 32-bit, 0 is invalid; a stale handle gives TERN_BAD_HANDLE.
 * ========================================================================== */

/* Listen for UDP connections on |local| (port must be non-zero; [::] means
 * dual-stack any). |opts| are applied at listen-socket scope first.
 * TERN_OK and *out; TERN_INVALID_PARAM (NULL, port 0, bad option);
 * TERN_ADDR_IN_USE; TERN_IO; TERN_NOMEM. */
TERN_API tern_result tern_listen_ip(tern_sockets *s, const tern_addr *local, int nopts,
                                    const tern_config_value *opts, uint32_t *out);

/* Close a listen socket; connections that arrived through it and are still
 * open are closed at once (no linger). TERN_OK; TERN_BAD_HANDLE. */
TERN_API tern_result tern_listen_close(tern_sockets *s, uint32_t listen);

/* The bound address. TERN_OK; TERN_BAD_HANDLE; TERN_INVALID_PARAM. */
TERN_API tern_result tern_listen_address(tern_sockets *s, uint32_t listen, tern_addr *out);

/* Start connecting to |remote|; a status change 0 -> CONNECTING is queued
 * at once, CONNECTING -> CONNECTED when the server accepts. TERN_OK and
 * *out; TERN_INVALID_PARAM; TERN_IO; TERN_NOMEM. */
TERN_API tern_result tern_connect_ip(tern_sockets *s, const tern_addr *remote, int nopts,
                                     const tern_config_value *opts, uint32_t *out);

/* Accept an inbound connection (state CONNECTING, from a listen socket).
 * TERN_OK; TERN_BAD_HANDLE; TERN_INVALID_PARAM (we initiated it);
 * TERN_INVALID_STATE (not CONNECTING, e.g. the peer already gave up);
 * TERN_HANDSHAKE_FAILED (no common cipher: the connection is now PROBLEM). */
TERN_API tern_result tern_accept(tern_sockets *s, uint32_t conn);

/* Close a connection and free its handle. |reason| 0 or 1000..2999 (others
 * become 1999); |debug| may be NULL. With |linger|, reliable data still
 * queued is delivered first. The state seen through the handle becomes
 * NONE (a status change old -> NONE is queued). TERN_OK; TERN_BAD_HANDLE. */
TERN_API tern_result tern_close(tern_sockets *s, uint32_t conn, int reason, const char *debug,
                                _Bool linger);

TERN_API tern_result tern_set_user_data(tern_sockets *s, uint32_t conn, int64_t data);
/* -1 for a bad handle (GNS's convention), else the value (default -1). */
TERN_API int64_t tern_get_user_data(tern_sockets *s, uint32_t conn);
/* |name| is copied (at most 127 bytes). TERN_OK; TERN_BAD_HANDLE. */
TERN_API tern_result tern_set_name(tern_sockets *s, uint32_t conn, const char *name);
/* Copies the name, truncated and NUL-terminated. TERN_OK; TERN_BAD_HANDLE. */
TERN_API tern_result tern_get_name(tern_sockets *s, uint32_t conn, char *buf, size_t cap);

/* Send one message on lane 0 (tern_send_lane for others). The data is
 * copied. TERN_OK and *msgnum (may be NULL); TERN_BAD_HANDLE;
 * TERN_INVALID_PARAM (NULL data with len > 0, lane not configured);
 * TERN_MSG_TOO_BIG (over 512 KiB); TERN_LIMIT_EXCEEDED (SendBufferSize is
 * full: retry later); TERN_NO_CONNECTION (closed by the peer or locally);
 * TERN_INVALID_STATE (connecting and not a reliable or plain unreliable
 * message); TERN_IGNORED (NO_DELAY and it could not go out now: dropped). */
TERN_API tern_result tern_send(tern_sockets *s, uint32_t conn, const void *data, uint32_t len,
                               int flags, int64_t *msgnum);
TERN_API tern_result tern_send_lane(tern_sockets *s, uint32_t conn, uint16_t lane, const void *data,
                                    uint32_t len, int flags, int64_t *msgnum);

/* A message to fill and pass to tern_send_messages (zero copy): |size|
 * payload bytes at ->data, freed by the library. Set ->conn, ->flags and
 * ->lane. NULL when out of memory. Thread: any. */
TERN_API tern_message *tern_message_alloc(tern_sockets *s, uint32_t size);

/* Release a message (received, or allocated and not sent). NULL ignored. */
TERN_API void tern_message_release(tern_message *msg);

/* Send |n| messages; ownership of every message passes to the library
 * (sent ones are freed after use, failed ones at once). results[i] (may be
 * NULL) gets the message number (> 0) or -tern_result. After a failure on a
 * connection, its later messages in the batch are not attempted (result 0). */
TERN_API void tern_send_messages(tern_sockets *s, int n, tern_message *const *msgs,
                                 int64_t *results);

/* Send whatever Nagle is holding now. TERN_OK; TERN_BAD_HANDLE;
 * TERN_NO_CONNECTION; TERN_IGNORED (not connected yet: it will go once
 * connected). */
TERN_API tern_result tern_flush(tern_sockets *s, uint32_t conn);

/* Up to |max| received messages, in delivery order; the caller releases
 * each. Returns the count (>= 0) or -TERN_BAD_HANDLE / -TERN_INVALID_PARAM. */
TERN_API int tern_receive(tern_sockets *s, uint32_t conn, tern_message **out, int max);

/* Lanes: 1..255, never fewer than now; priorities (lower first; NULL all
 * 0) and weights (share inside a priority; NULL all 1; 0 invalid).
 * TERN_OK; TERN_BAD_HANDLE; TERN_INVALID_PARAM; TERN_INVALID_STATE (not
 * connecting/connected); TERN_FAIL (peer too old for lanes). */
TERN_API tern_result tern_configure_lanes(tern_sockets *s, uint32_t conn, int n,
                                          const int *priorities, const uint16_t *weights);

/* TERN_OK and *out; TERN_BAD_HANDLE; TERN_INVALID_PARAM. */
TERN_API tern_result tern_get_info(tern_sockets *s, uint32_t conn, tern_conn_info *out);
/* |status| may be NULL; |lanes| may be NULL when |nlanes| is 0.
 * TERN_OK; TERN_BAD_HANDLE; TERN_INVALID_PARAM (nlanes outside
 * 0..configured lanes). */
TERN_API tern_result tern_get_status(tern_sockets *s, uint32_t conn, tern_realtime_status *status,
                                     int nlanes, tern_lane_status *lanes);
/* Human-readable multi-line status. Returns 0 when it fit (NUL-terminated),
 * -1 for a bad handle, else the size needed (incl. NUL); |buf| may be NULL. */
TERN_API int tern_get_detailed_status(tern_sockets *s, uint32_t conn, char *buf, int cap);

/* Two connected connections in this instance, without a handshake: over
 * an in-process pipe, or (use_network) over real loopback UDP with the full
 * protocol. No status changes are queued for their creation. id1/id2 (may
 * be NULL = localhost): the remote identity each end sees. TERN_OK. */
TERN_API tern_result tern_socket_pair(tern_sockets *s, uint32_t *conn1, uint32_t *conn2,
                                      _Bool use_network, const tern_identity *id1,
                                      const tern_identity *id2);

/* --- poll groups: receive from many connections at once --- */
TERN_API tern_result tern_pollgroup_new(tern_sockets *s, uint32_t *out);
/* Connections in it are detached (their messages stay on them). */
TERN_API tern_result tern_pollgroup_del(tern_sockets *s, uint32_t group);
/* |group| 0 detaches. A connection is in at most one group; messages
 * already waiting move with it. TERN_OK; TERN_BAD_HANDLE. */
TERN_API tern_result tern_set_pollgroup(tern_sockets *s, uint32_t conn, uint32_t group);
/* Like tern_receive, across the group's connections. */
TERN_API int tern_receive_pollgroup(tern_sockets *s, uint32_t group, tern_message **out, int max);

/* --- configuration ---
 * Set: |value| points to an int32/int64/float/void* per |type|, or is the
 * const char* itself for TERN_CONFIG_STRING; NULL resets (global) or
 * unsets (narrower scopes: inherit again). Values are converted and clamped
 * as GNS does. TERN_OK; TERN_INVALID_PARAM (unknown id, wrong type, bad
 * scope object, option not at that scope, read-only); TERN_NOT_SUPPORTED
 * (an option tern does not implement yet; see docs/config.md).
 * Scope TERN_SCOPE_GLOBAL is process-wide: the defaults every instance reads
 * through. */
TERN_API tern_result tern_config_set(tern_sockets *s, int scope, intptr_t obj, int id, int type,
                                     const void *value);
TERN_API tern_result tern_config_set_by_name(tern_sockets *s, int scope, intptr_t obj,
                                             const char *name, int type, const void *value);
TERN_API tern_result tern_config_set_i32(tern_sockets *s, int scope, intptr_t obj, int id,
                                         int32_t v);
/* Get: *type (may be NULL) gets the option's type; |out| receives the value
 * (an int32/int64/float/void*, or the NUL-terminated string) if *size is
 * big enough; *size gets the bytes written or needed; *inherited (may be
 * NULL) says whether the value came from a parent scope.
 * TERN_OK; TERN_BUF_TOO_SMALL (*size set; |out| may be NULL to ask);
 * TERN_INVALID_PARAM (unknown id, bad scope object, option not at that
 * scope); TERN_NOT_SUPPORTED. */
TERN_API tern_result tern_config_get(tern_sockets *s, int scope, intptr_t obj, int id, int *type,
                                     void *out, size_t *size, _Bool *inherited);
/* The option's name ("NagleTime"), or NULL for an unknown id. Static. */
TERN_API const char *tern_config_name(int id);
/* The id of |name|, or 0. */
TERN_API int tern_config_id_by_name(const char *name);

/* ==========================================================================
 * Not in this release (each returns TERN_NOT_SUPPORTED until its issue):
 * P2P and signaling, certificates and a CA, relays, FakeIP, the
 * connectionless Messages interface. See docs/gns-mapping.md.
 * ========================================================================== */
TERN_API tern_result tern_connect_p2p(tern_sockets *s, const tern_identity *peer, int vport,
                                      int nopts, const tern_config_value *opts, uint32_t *out);
TERN_API tern_result tern_listen_p2p(tern_sockets *s, int vport, int nopts,
                                     const tern_config_value *opts, uint32_t *out);
TERN_API tern_result tern_received_p2p_signal(tern_sockets *s, const void *msg, int len);
TERN_API tern_result tern_get_certificate_request(tern_sockets *s, void *blob, int *len);
TERN_API tern_result tern_set_certificate(tern_sockets *s, const void *cert, int len);
TERN_API tern_result tern_messages_send(tern_sockets *s, const tern_identity *peer,
                                        const void *data, uint32_t len, int flags, int channel);
TERN_API int tern_messages_receive(tern_sockets *s, int channel, tern_message **out, int max);
TERN_API tern_result tern_fake_ip_request(tern_sockets *s, int nports);

#ifdef __cplusplus
}
#endif
#endif /* TERN_TERN_H */
