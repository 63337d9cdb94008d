/* Message objects (tern_message) with their payload in the same allocation,
 * recycled through per-size-class free lists so that the hot path does not
 * call the allocator per message. Messages may be released from any thread. */
#ifndef TERN_UTIL_MSGPOOL_H
#define TERN_UTIL_MSGPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "tern/tern.h"

typedef struct tern_msgpool tern_msgpool;

/* Links for the queues a received message sits in (connection and poll
 * group); owned by whoever queues the message. */
typedef struct tern_msg_links {
    struct tern_msg *prev, *next;
} tern_msg_links;

typedef struct tern_msg {
    tern_message pub; /* must be first: the application sees only this */
    tern_msg_links q_conn, q_group;
    tern_msgpool *pool;
    uint32_t cap; /* inline payload capacity */
    uint8_t cls;  /* size class, or TERN_MSGPOOL_BIG */
    uint8_t in_conn_q, in_group_q;
    /* payload follows for pooled classes */
} tern_msg;

#define TERN_MSGPOOL_BIG 0xff

/* |mem| is borrowed for the pool's lifetime (NULL = libc). */
tern_msgpool *tern_msgpool_new(const tern_mem *mem);
/* The pool goes away once every message taken from it has been released. */
void tern_msgpool_del(tern_msgpool *p);

/* A message with |size| payload bytes at pub.data (uninitialised), channel
 * -1, every other field zero, release set. NULL when out of memory. */
tern_message *tern_msg_new(tern_msgpool *p, size_t size);

/* A message without payload storage, for callers that bring their own data
 * (pub.data/free_data are theirs to set). */
tern_message *tern_msg_new_empty(tern_msgpool *p);

static inline tern_msg *tern_msg_of(tern_message *m)
{
    return (tern_msg *)m;
}

/* Cached (free) bytes currently held, for memory accounting tests. */
size_t tern_msgpool_cached_bytes(tern_msgpool *p);

#endif
