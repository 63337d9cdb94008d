/* A bump allocator over a caller-supplied buffer. Decoders that must allocate
 * (protobuf-c) take one, so that a hostile input can never make us use more
 * memory than the caller set aside: when the buffer is used up, allocation
 * fails and the decode fails with TERN_ARENA_FULL. Freeing is a no-op; reset
 * the arena to reuse it. */
#ifndef TERN_UTIL_ARENA_H
#define TERN_UTIL_ARENA_H

#include <stddef.h>
#include <stdint.h>

typedef struct tern_arena {
    uint8_t *base;
    size_t cap;
    size_t used;
    size_t high_water; /* largest |used| ever seen, for sizing arenas */
} tern_arena;

/* |buf| is borrowed for the arena's lifetime. */
void tern_arena_init(tern_arena *a, void *buf, size_t cap);
/* Forget every allocation; the memory is reused. */
void tern_arena_reset(tern_arena *a);
/* |n| bytes aligned for any scalar type, or NULL when the arena is full. */
void *tern_arena_alloc(tern_arena *a, size_t n);

#endif
