#include "util/arena.h"

#include <stdalign.h>

void tern_arena_init(tern_arena *a, void *buf, size_t cap)
{
    a->base = buf;
    a->cap = buf ? cap : 0;
    a->used = 0;
    a->high_water = 0;
}

void tern_arena_reset(tern_arena *a)
{
    a->used = 0;
}

void *tern_arena_alloc(tern_arena *a, size_t n)
{
    const size_t align = alignof(max_align_t);
    /* Align the absolute address, not the offset: the caller's buffer may be
     * a byte array with any alignment. */
    uintptr_t start = (uintptr_t)(a->base + a->used);
    size_t pad = (size_t)((align - (start % align)) % align);
    if (n == 0) n = 1;
    if (pad > a->cap - a->used || n > a->cap - a->used - pad) return NULL;
    void *p = a->base + a->used + pad;
    a->used += pad + n;
    if (a->used > a->high_water) a->high_water = a->used;
    return p;
}
