/* tern: connection-oriented, message-oriented networking over UDP,
 * wire-compatible with Valve's GameNetworkingSockets.
 *
 * This is the only header an application includes. Everything is prefixed
 * tern_ / TERN_; objects are opaque; every fallible call returns a tern_result.
 */
#ifndef TERN_TERN_H
#define TERN_TERN_H

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
    TERN_OK = 1,                  /* success */
    TERN_FAIL = 2,                /* generic failure (see the function's doc) */
    TERN_NO_CONNECTION = 3,       /* the connection was closed by the peer or locally */
    TERN_INVALID_PARAM = 8,       /* an argument is out of range or NULL */
    TERN_INVALID_STATE = 11,      /* the object is in the wrong state for this call */
    TERN_TIMEOUT = 16,            /* the operation timed out */
    TERN_LIMIT_EXCEEDED = 25,     /* a configured buffer limit is full; retry later */
    TERN_DUPLICATE_REQUEST = 29,  /* the request was already made */
    TERN_HANDSHAKE_FAILED = 36,   /* crypto handshake failed */
    TERN_IGNORED = 41,            /* not done: e.g. NoDelay send that cannot go out now */
    TERN_NOT_SUPPORTED = 128,     /* this build or version does not do that (yet) */

    TERN_BAD_HANDLE = 1000,       /* the handle is 0, unknown, or stale */
    TERN_MSG_TOO_BIG = 1001,      /* the message exceeds the allowed size */
    TERN_NOMEM = 1002,            /* out of memory (fatal for the object) */
    TERN_TRUNCATED = 1003,        /* decoder: the input ends inside a field */
    TERN_MALFORMED = 1004,        /* decoder: the input is not a valid encoding */
    TERN_BUF_TOO_SMALL = 1005,    /* the output buffer is too small */
    TERN_CRYPTO = 1006,           /* a cryptographic check or primitive failed */
    TERN_BAD_CERT = 1007,         /* the peer certificate is not acceptable */
    TERN_BAD_PROTOCOL = 1008,     /* the peer speaks an unsupported protocol version */
    TERN_ARENA_FULL = 1009,       /* decoder: the bounded arena is exhausted */
    TERN_IO = 1010,               /* an operating-system call failed */
    TERN_ADDR_IN_USE = 1011,      /* bind: the address or port is in use */
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

#ifdef __cplusplus
}
#endif
#endif /* TERN_TERN_H */
