/* An indexed 4-ary min-heap of deadlines: each element embeds a
 * tern_heap_node and can be updated or removed in O(log n). The instance
 * keeps every connection's next deadline here, so the service loop finds
 * the earliest one without looking at idle connections. */
#ifndef TERN_UTIL_HEAP_H
#define TERN_UTIL_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "tern/tern.h"

typedef struct tern_heap_node {
    int64_t key;
    size_t idx; /* position + 1; 0 = not in the heap */
} tern_heap_node;

/* The array holds each key beside its node, four children per parent:
 * with 10,000 idle connections a sift reads one cache line per level of
 * the array (7 levels, not 14 scattered tern_conn reads), which made the
 * pointer-chasing binary heap a visible share of an idle server's CPU. */
typedef struct tern_heap_slot {
    int64_t key;
    tern_heap_node *node;
} tern_heap_slot;

typedef struct tern_heap {
    tern_heap_slot *a;
    size_t n, cap;
} tern_heap;

void tern_heap_init(tern_heap *h);
void tern_heap_free(tern_heap *h, const tern_mem *mem);
/* Insert, or move if already in: the node's key becomes |key|. */
tern_result tern_heap_set(tern_heap *h, const tern_mem *mem, tern_heap_node *n, int64_t key);
void tern_heap_remove(tern_heap *h, tern_heap_node *n);
static inline tern_heap_node *tern_heap_top(const tern_heap *h)
{
    return h->n ? h->a[0].node : NULL;
}

#endif
