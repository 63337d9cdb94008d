/* The one config table: every option of GNS's ESteamNetworkingConfigValue
 * (API.md §13.1) declared once, and the scoped value stores that hold what
 * an application sets (API.md §13.2).
 *
 * Scopes form a tree. The root is a tern_cfg_global: it holds every
 * option's global value (the table default until set). Below it hang
 * tern_cfg_scope objects, one per instance, listen socket and connection,
 * each holding only what was set at that level:
 *
 *     global  <-  instance  <-  listen socket  <-  connection (accepted)
 *                           <-  connection (outbound)
 *
 * An unset value reads through to the parent at the time of the read, so
 * changing a parent later changes every child that never set it. The
 * exception is ConnectionUserData, which the connection layer pins with
 * tern_cfg_snapshot() once the connection is created (GNS does the same).
 *
 * Option ids, names, types, scopes, defaults and ranges are GNS's, with one
 * deliberate exception: SendRateMin and SendRateMax default to 0, meaning
 * "not set" (automatic, unbounded rate). They clamp the congestion
 * controller only when set; values set are clamped to GNS's 1024..256 MiB,
 * so 0 always means unset. GNS's default (262144) is kept in the table as
 * gns_def and reported by the GNS-compatible getter.
 *
 * Two sets of entry points:
 *   - native (tern_cfg_set/tern_cfg_get): tern's own results. Options tern
 *     does not implement (yet) answer TERN_NOT_SUPPORTED, never silently.
 *   - GNS-compatible (tern_cfg_gns_*): exactly what GNS answers, for the
 *     compat layer: every option GNS registers is stored and returned, even
 *     the ones tern ignores; unregistered ids fail like unknown ones.
 *
 * Threads. A tern_cfg_global may be shared by several instances (the public
 * API makes the global scope process-wide), so it synchronizes itself with a
 * short internal spin lock: any thread may read or write it at any time. A
 * tern_cfg_scope has no lock of its own: the caller holds the lock of the
 * instance the scope belongs to (the instance lock covers the instance's
 * scope and those of all its listen sockets and connections) for every call
 * that reads or writes it, including the reads that merely pass through it
 * on the way up from a child. tern_cfg_generation() is the one call that
 * needs no lock.
 *
 * Caching. The connection layer reads a few options per packet; rather than
 * walk the tree each time it keeps its own copy and refreshes it when the
 * generation changes:
 *
 *     uint32_t g = tern_cfg_generation(&c->cfg);       // read FIRST
 *     if (g != c->cfg_gen) {
 *         c->mtu = tern_cfg_i32(&c->cfg, TERN_OPT_MTU_PACKET_SIZE);
 *         ...                                          // then the values
 *         c->cfg_gen = g;
 *     }
 *
 * The generation belongs to the root and is bumped after every change
 * anywhere in its tree, so a set that races with the refresh leaves the
 * cache marked stale and the next check refreshes again. It starts at 1, so
 * a cache initialised to 0 is stale.
 */
#ifndef TERN_CONN_CONFIG_H
#define TERN_CONN_CONFIG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/tern.h"

/* Option ids: GNS's k_ESteamNetworkingConfig_* values, so the compat layer
 * passes them through untranslated. */
enum tern_cfg_id {
    TERN_OPT_INVALID = 0,
    TERN_OPT_FAKE_PACKET_LOSS_SEND = 2,
    TERN_OPT_FAKE_PACKET_LOSS_RECV = 3,
    TERN_OPT_FAKE_PACKET_LAG_SEND = 4,
    TERN_OPT_FAKE_PACKET_LAG_RECV = 5,
    TERN_OPT_FAKE_PACKET_REORDER_SEND = 6,
    TERN_OPT_FAKE_PACKET_REORDER_RECV = 7,
    TERN_OPT_FAKE_PACKET_REORDER_TIME = 8,
    TERN_OPT_SEND_BUFFER_SIZE = 9,
    TERN_OPT_SEND_RATE_MIN = 10,
    TERN_OPT_SEND_RATE_MAX = 11,
    TERN_OPT_NAGLE_TIME = 12,
    TERN_OPT_LOG_LEVEL_ACK_RTT = 13,
    TERN_OPT_LOG_LEVEL_PACKET_DECODE = 14,
    TERN_OPT_LOG_LEVEL_MESSAGE = 15,
    TERN_OPT_LOG_LEVEL_PACKET_GAPS = 16,
    TERN_OPT_LOG_LEVEL_P2P_RENDEZVOUS = 17,
    TERN_OPT_LOG_LEVEL_SDR_RELAY_PINGS = 18,
    TERN_OPT_SDR_CONSEC_PING_TIMEOUTS_FAIL_INITIAL = 19,
    TERN_OPT_SDR_CONSEC_PING_TIMEOUTS_FAIL = 20,
    TERN_OPT_SDR_MIN_PINGS_BEFORE_PING_ACCURATE = 21,
    TERN_OPT_SDR_SINGLE_SOCKET = 22,
    TERN_OPT_IP_ALLOW_WITHOUT_AUTH = 23,
    TERN_OPT_TIMEOUT_INITIAL = 24,
    TERN_OPT_TIMEOUT_CONNECTED = 25,
    TERN_OPT_FAKE_PACKET_DUP_SEND = 26,
    TERN_OPT_FAKE_PACKET_DUP_RECV = 27,
    TERN_OPT_FAKE_PACKET_DUP_TIME_MAX = 28,
    TERN_OPT_SDR_FORCE_RELAY_CLUSTER = 29,
    TERN_OPT_SDR_DEV_TICKET = 30,
    TERN_OPT_SDR_FORCE_PROXY_ADDR = 31,
    TERN_OPT_MTU_PACKET_SIZE = 32,
    TERN_OPT_MTU_DATA_SIZE = 33,
    TERN_OPT_UNENCRYPTED = 34,
    TERN_OPT_DELETED_ENUMERATE_DEV_VARS = 35,
    TERN_OPT_SDR_FAKE_CLUSTER_PING = 36,
    TERN_OPT_SYMMETRIC_CONNECT = 37,
    TERN_OPT_LOCAL_VIRTUAL_PORT = 38,
    TERN_OPT_DUAL_WIFI_ENABLE = 39,
    TERN_OPT_CONNECTION_USER_DATA = 40,
    TERN_OPT_PACKET_TRACE_MAX_BYTES = 41,
    TERN_OPT_FAKE_RATE_LIMIT_SEND_RATE = 42,
    TERN_OPT_FAKE_RATE_LIMIT_SEND_BURST = 43,
    TERN_OPT_FAKE_RATE_LIMIT_RECV_RATE = 44,
    TERN_OPT_FAKE_RATE_LIMIT_RECV_BURST = 45,
    TERN_OPT_ENABLE_DIAGNOSTICS_UI = 46,
    TERN_OPT_RECV_BUFFER_SIZE = 47,
    TERN_OPT_RECV_BUFFER_MESSAGES = 48,
    TERN_OPT_RECV_MAX_MESSAGE_SIZE = 49,
    TERN_OPT_RECV_MAX_SEGMENTS_PER_PACKET = 50,
    TERN_OPT_OUT_OF_ORDER_CORRECTION_WINDOW_USEC = 51,
    TERN_OPT_IP_LOCALHOST_ALLOW_WITHOUT_AUTH = 52,
    TERN_OPT_FAKE_PACKET_JITTER_SEND_AVG = 53,
    TERN_OPT_FAKE_PACKET_JITTER_SEND_MAX = 54,
    TERN_OPT_FAKE_PACKET_JITTER_SEND_PCT = 55,
    TERN_OPT_FAKE_PACKET_JITTER_RECV_AVG = 56,
    TERN_OPT_FAKE_PACKET_JITTER_RECV_MAX = 57,
    TERN_OPT_FAKE_PACKET_JITTER_RECV_PCT = 58,
    TERN_OPT_SEND_TIME_SINCE_PREVIOUS_PACKET = 59,
    TERN_OPT_SDR_LIMIT_PING_PROBES_TO_NEAREST_N = 60,
    TERN_OPT_P2P_STUN_SERVER_LIST = 103,
    TERN_OPT_P2P_TRANSPORT_ICE_ENABLE = 104,
    TERN_OPT_P2P_TRANSPORT_ICE_PENALTY = 105,
    TERN_OPT_P2P_TRANSPORT_SDR_PENALTY = 106,
    TERN_OPT_P2P_TURN_SERVER_LIST = 107,
    TERN_OPT_P2P_TURN_USER_LIST = 108,
    TERN_OPT_P2P_TURN_PASS_LIST = 109,
    TERN_OPT_P2P_TRANSPORT_ICE_IMPLEMENTATION = 110,
    TERN_OPT_CALLBACK_CONNECTION_STATUS_CHANGED = 201,
    TERN_OPT_CALLBACK_AUTH_STATUS_CHANGED = 202,
    TERN_OPT_CALLBACK_RELAY_NETWORK_STATUS_CHANGED = 203,
    TERN_OPT_CALLBACK_MESSAGES_SESSION_REQUEST = 204,
    TERN_OPT_CALLBACK_MESSAGES_SESSION_FAILED = 205,
    TERN_OPT_CALLBACK_CREATE_CONNECTION_SIGNALING = 206,
    TERN_OPT_CALLBACK_FAKE_IP_RESULT = 207,
    TERN_OPT_SDR_ENABLE_TOS_PROBES = 998,
    TERN_OPT_ECN = 999,
};

/* Data types: GNS's ESteamNetworkingConfigDataType values. */
enum tern_cfg_type {
    TERN_CFGT_INT32 = 1,
    TERN_CFGT_INT64 = 2,
    TERN_CFGT_FLOAT = 3,
    TERN_CFGT_STRING = 4,
    TERN_CFGT_PTR = 5,
};

/* Scope levels: GNS's ESteamNetworkingConfigScope values. An option's own
 * scope in the table is either GLOBAL (settable only at the root) or CONN
 * (settable at every level, inherited down the tree). */
enum tern_cfg_level {
    TERN_CFGS_GLOBAL = 1,
    TERN_CFGS_INSTANCE = 2, /* GNS: SocketsInterface */
    TERN_CFGS_LISTEN = 3,
    TERN_CFGS_CONN = 4,
};

/* Table flags. */
#define TERN_CFGF_REG     0x01 /* registered in the open-source Linux GNS */
#define TERN_CFGF_ENUM    0x02 /* listed by IterateGenericEditableConfigValues */
#define TERN_CFGF_DEV     0x04 /* a dev var: listed only when dev vars are asked for */
#define TERN_CFGF_IMPL    0x08 /* tern implements it (native set/get work) */
#define TERN_CFGF_RO      0x10 /* read-only, computed (MTU_DataSize) */
#define TERN_CFGF_RETIRED 0x20 /* a retired id: not an option at all */
#define TERN_CFGF_GNSDEF  0x40 /* tern's default differs; GNS's is gns_def */

/* GNS's ESteamNetworkingGetConfigValueResult. */
#define TERN_CFGR_BAD_VALUE     (-1) /* no such option */
#define TERN_CFGR_BAD_SCOPE_OBJ (-2) /* bad scope object, or not an option of that scope */
#define TERN_CFGR_TOO_SMALL     (-3) /* buffer too small; *cb is the size needed */
#define TERN_CFGR_OK            1    /* set at the queried level */
#define TERN_CFGR_OK_INHERITED  2    /* came from a parent level */

#define TERN_CFG_NDEFS       76  /* rows of the table: every id of §13.1 */
#define TERN_CFG_MTU_RESERVE 100 /* MTU_DataSize = MTU_PacketSize - this (GNS) */

/* One row of the table. Numbers are doubles because every default and
 * bound (int32, float, and the one int64 default, -1) is exact in one.
 * Unregistered options (no TERN_CFGF_REG) carry the type and scope GNS's
 * header documents and a nominal default; GNS never exposes them. */
typedef struct tern_cfg_def {
    uint16_t id;
    uint8_t type;     /* enum tern_cfg_type */
    uint8_t scope;    /* TERN_CFGS_GLOBAL or TERN_CFGS_CONN */
    uint8_t flags;    /* TERN_CFGF_* */
    int8_t slot;      /* inline slot in every tern_cfg_scope, or -1 */
    const char *name; /* GNS's name without the k_ESteamNetworkingConfig_ prefix */
    double def;       /* tern's default; strings default to "", pointers to NULL */
    double min, max;  /* clamp range (int32 and float options only) */
    double gns_def;   /* GNS's default (equals def unless TERN_CFGF_GNSDEF) */
} tern_cfg_def;

/* Every row, in ascending id order. */
extern const tern_cfg_def tern_cfg_defs[TERN_CFG_NDEFS];

/* The row of |id|, or NULL when |id| is not in §13.1 (retired 35 is in). */
const tern_cfg_def *tern_cfg_def_of(int id);
/* Its index in tern_cfg_defs[], or -1. */
int tern_cfg_index(int id);

/* The id named |name| (GNS's exact, case-sensitive name, e.g. "NagleTime"),
 * or TERN_OPT_INVALID. Every row's name is found, registered or not.
 * |name| is borrowed for the call; NULL gives TERN_OPT_INVALID. */
int tern_cfg_find(const char *name);

/* A value as stored. Strings are owned by the scope that holds them. */
typedef union tern_cfg_v {
    int32_t i32;
    int64_t i64;
    float f;
    char *s;
    void *p;
} tern_cfg_v;

typedef struct tern_cfg_entry {
    int32_t id;
    tern_cfg_v v;
} tern_cfg_entry;

/* Options that GNS locks, and ConnectionUserData, live inline in every
 * scope so that locking and the user-data snapshot never allocate: an idle
 * connection's config is this struct and nothing else. */
#define TERN_CFG_SLOTS32   7 /* 23, 34, 37, 38, 52, 104, 110 */
#define TERN_CFG_SLOT_USER 7 /* ConnectionUserData */

typedef struct tern_cfg_global tern_cfg_global;

/* The values set at one level below the root. Embed it; treat the fields
 * as private. */
typedef struct tern_cfg_scope {
    struct tern_cfg_scope *parent; /* NULL only for the root's own scope */
    tern_cfg_global *root;
    const tern_mem *mem;
    tern_cfg_entry *v;              /* sorted by id; NULL until something is set */
    int64_t user_data;              /* ConnectionUserData, if set here */
    int32_t slot[TERN_CFG_SLOTS32]; /* lockable int32 options, if set here */
    uint8_t n, cap;                 /* entries in v */
    uint8_t level;                  /* enum tern_cfg_level */
    uint8_t set_mask;               /* bit i: slot i is set here */
    uint8_t lock_mask;              /* bit i: slot i is locked here */
} tern_cfg_scope;

/* The root: every option's global value. Treat the fields as private. */
struct tern_cfg_global {
    tern_cfg_scope scope; /* level TERN_CFGS_GLOBAL; what tern_cfg_root() returns */
    atomic_flag lock;     /* guards val[] */
    atomic_uint gen;
    tern_cfg_v val[TERN_CFG_NDEFS]; /* by table row; strings: NULL = default "" */
};

/* --- lifetime ------------------------------------------------------------------ */

/* Every option at its default. |mem| (NULL = libc) is borrowed until
 * tern_cfg_global_free() and is used for global string values. */
void tern_cfg_global_init(tern_cfg_global *g, const tern_mem *mem);
/* Frees the global strings. Every scope below must be freed first. */
void tern_cfg_global_free(tern_cfg_global *g);

/* The root as a scope, for the calls below (GNS's Global scope). */
static inline tern_cfg_scope *tern_cfg_root(tern_cfg_global *g)
{
    return &g->scope;
}

/* An empty scope at |level| (INSTANCE, LISTEN or CONN) below |parent|
 * (borrowed: it must outlive |s|, or |s| must be reparented first). Nothing
 * is allocated. |mem| (NULL = libc) is borrowed until tern_cfg_free(). */
void tern_cfg_init(tern_cfg_scope *s, tern_cfg_scope *parent, int level, const tern_mem *mem);
/* Frees what |s| holds. Children must be freed or reparented first. */
void tern_cfg_free(tern_cfg_scope *s);

/* Move |s| under another parent of the same root (a connection that GNS
 * first creates under the instance and then hands to its listen socket).
 * Values set at |s| stay. */
void tern_cfg_reparent(tern_cfg_scope *s, tern_cfg_scope *parent);

/* The root's generation (see "Caching" above). Thread: any, no lock. */
uint32_t tern_cfg_generation(const tern_cfg_scope *s);

/* --- hot-path reads --------------------------------------------------------------
 * The effective value of |id| seen from |s| (set here, or inherited), for
 * every row of the table whether implemented or not. They never fail: an
 * unknown id or a getter of the wrong type gives 0 (NULL, ""). MTU_DataSize
 * is computed from MTU_PacketSize. */
int32_t tern_cfg_i32(const tern_cfg_scope *s, int id);
int64_t tern_cfg_i64(const tern_cfg_scope *s, int id);
float tern_cfg_f32(const tern_cfg_scope *s, int id);
void *tern_cfg_ptr(const tern_cfg_scope *s, int id);
/* Copies the string into |buf| (|cap| bytes, NUL-terminated when cap > 0,
 * truncated if needed) and returns its full length. */
size_t tern_cfg_str(const tern_cfg_scope *s, int id, char *buf, size_t cap);

/* --- native set and get -----------------------------------------------------------
 * tern_cfg_set: |arg| points to an int32_t, int64_t, float or void * as
 * |type| says, or for TERN_CFGT_STRING is the const char * itself (copied).
 * The value is converted to the option's type and clamped as GNS does
 * (§13.2): an int32 option takes Int32; Int64 only if it fits; Float
 * rounded floor(x + 0.5); String read like scanf %d. An int64 option takes
 * the same (String like %lld). A float option takes numbers and strings
 * (%f). A string option takes anything but Ptr (numbers printed %d, %lld,
 * %g). A ptr option takes only Ptr. A float that does not fit the integer
 * becomes its minimum, as GNS's conversion does on x86-64, and is then
 * clamped. |arg| NULL resets the option to its default at the root and
 * unsets it at a narrower scope (so it inherits again).
 * Returns:
 *   TERN_OK
 *   TERN_NOT_SUPPORTED   a GNS option tern does not implement yet (the rows
 *                        without TERN_CFGF_IMPL; see config_table.c)
 *   TERN_INVALID_PARAM   |id| is not an option; or the option is global-only
 *                        and |s| is not the root; or MTU_DataSize (read-only);
 *                        or the value cannot be converted (type not taken,
 *                        string not a number, Int64 too big for int32); or
 *                        NULL for ConnectionUserData at a connection
 *   TERN_INVALID_STATE   the value is locked at |s| (tern_cfg_lock)
 *   TERN_NOMEM           nothing changed
 * Setting ConnectionUserData at a connection is the same as the
 * connection's set-user-data call: the caller also updates the messages
 * that connection has queued. */
tern_result tern_cfg_set(tern_cfg_scope *s, int id, int type, const void *arg);

/* tern_cfg_get: *type (may be NULL) receives the option's type; |out|
 * (may be NULL to ask for the size) the value: int32/int64/float/void * or
 * the NUL-terminated string; *size holds out's capacity on entry and the
 * bytes written or needed on return (4, 8, or strlen + 1); *inherited (may
 * be NULL) whether the value came from a parent level (always false at the
 * root). SendRateMin/Max report 0 while unset. MTU_DataSize works at every
 * scope and reports MTU_PacketSize's inheritance.
 * Returns TERN_OK; TERN_BUF_TOO_SMALL (*size = bytes needed, |out| not
 * written); TERN_NOT_SUPPORTED (as for set); TERN_INVALID_PARAM (|id| not an
 * option, global-only option below the root, or |size| NULL). */
tern_result tern_cfg_get(const tern_cfg_scope *s, int id, int32_t *type, void *out, size_t *size,
                         bool *inherited);

/* --- connection-layer hooks ---------------------------------------------------------
 * Only for the inline-slot options (23, 34, 37, 38, 52, 104, 110; 40 for
 * snapshot) at a non-root scope; they never allocate. Each returns TERN_OK,
 * or TERN_INVALID_PARAM for another id or the root. */

/* Freeze the effective value at |s|: later sets at |s| fail (locked) and
 * parents no longer matter (GNS's ConfigValue::Lock). */
tern_result tern_cfg_lock(tern_cfg_scope *s, int id);
/* Locked becomes plain set (GNS's Unlock). */
tern_result tern_cfg_unlock(tern_cfg_scope *s, int id);
/* Pin the effective value at |s| as if set there: ConnectionUserData once a
 * connection is created, after its creation options are applied. */
tern_result tern_cfg_snapshot(tern_cfg_scope *s, int id);

/* --- GNS-compatible entry points (the compat layer) --------------------------------
 * |s| NULL means the scope type or object did not resolve (bad handle, bad
 * scope type). They behave as API.md §13.2 describes GNS, including the
 * order of checks. */

/* SetConfigValue. Registered options tern does not implement are stored
 * and read back like any other. As with tern_cfg_set, ConnectionUserData
 * set at a connection also obliges the caller to update that connection's
 * queued messages. */
bool tern_cfg_gns_set(tern_cfg_scope *s, int id, int type, const void *arg);
/* GetConfigValue: TERN_CFGR_*. |cb| must not be NULL. SendRateMin/Max
 * report GNS's 262144 while unset. */
int tern_cfg_gns_get(const tern_cfg_scope *s, int id, int32_t *out_type, void *out, size_t *cb);
/* GetConfigValueInfo: the name, or NULL for an unregistered id (33 too). */
const char *tern_cfg_gns_info(int id, int32_t *out_type, int32_t *out_scope);
/* IterateGenericEditableConfigValues: the next registered option after
 * |cur| (0 = start) in ascending order, skipping Ptr options and 37, 38,
 * 40, and dev vars unless |dev|; 0 at the end or when |cur| is not
 * registered. */
int tern_cfg_gns_next(int cur, bool dev);

#endif
