#include "util/handles.h"

#include <string.h>

#include "util/mem.h"

#define GEN_BITS 11
#define GEN_MASK ((1u << GEN_BITS) - 1)
#define IDX_MASK ((1u << TERN_HANDLE_INDEX_BITS) - 1)

void tern_handles_init(tern_handles *h, uint32_t tag)
{
    memset(h, 0, sizeof *h);
    h->tag = tag;
}

void tern_handles_free(tern_handles *h, const tern_mem *mem)
{
    tern_free(mem, h->obj);
    tern_free(mem, h->gen);
    tern_free(mem, h->next_free);
    tern_handles_init(h, h->tag);
}

static uint32_t make(const tern_handles *h, uint32_t idx)
{
    return h->tag | (uint32_t)h->gen[idx] << TERN_HANDLE_INDEX_BITS | (idx + 1);
}

static tern_result grow(tern_handles *h, const tern_mem *mem)
{
    uint32_t ncap = h->cap ? h->cap * 2 : 16;
    if (ncap > TERN_HANDLE_MAX_OBJECTS) ncap = TERN_HANDLE_MAX_OBJECTS;
    if (ncap <= h->cap) return TERN_NOMEM;
    void **o = tern_realloc(mem, h->obj, ncap * sizeof *o);
    if (!o) return TERN_NOMEM;
    h->obj = o;
    uint16_t *g = tern_realloc(mem, h->gen, ncap * sizeof *g);
    if (!g) return TERN_NOMEM;
    h->gen = g;
    uint32_t *n = tern_realloc(mem, h->next_free, ncap * sizeof *n);
    if (!n) return TERN_NOMEM;
    h->next_free = n;
    for (uint32_t i = h->cap; i < ncap; i++) {
        h->obj[i] = NULL;
        h->gen[i] = 1;
        h->next_free[i] = i + 1 < ncap ? i + 2 : h->free_head;
    }
    h->free_head = h->cap + 1;
    h->cap = ncap;
    return TERN_OK;
}

uint32_t tern_handles_add(tern_handles *h, const tern_mem *mem, void *obj)
{
    if (!h->free_head && grow(h, mem) != TERN_OK) return 0;
    uint32_t idx = h->free_head - 1;
    h->free_head = h->next_free[idx];
    h->obj[idx] = obj;
    h->count++;
    return make(h, idx);
}

void *tern_handles_get(const tern_handles *h, uint32_t handle)
{
    if ((handle & 0x80000000u) != h->tag) return NULL;
    uint32_t low = handle & IDX_MASK;
    if (low == 0 || low > h->cap) return NULL;
    uint32_t idx = low - 1;
    uint32_t gen = (handle >> TERN_HANDLE_INDEX_BITS) & GEN_MASK;
    if (!h->obj[idx] || h->gen[idx] != gen) return NULL;
    return h->obj[idx];
}

void tern_handles_remove(tern_handles *h, uint32_t handle)
{
    if (!tern_handles_get(h, handle)) return;
    uint32_t idx = (handle & IDX_MASK) - 1;
    h->obj[idx] = NULL;
    /* Generations skip 0 so that no handle is ever 0. */
    h->gen[idx] = (uint16_t)((h->gen[idx] % GEN_MASK) + 1);
    h->next_free[idx] = h->free_head;
    h->free_head = idx + 1;
    h->count--;
}

uint32_t tern_handles_next(const tern_handles *h, uint32_t after)
{
    uint32_t start = after ? (after & IDX_MASK) : 0;
    for (uint32_t i = start; i < h->cap; i++)
        if (h->obj[i]) return make(h, i);
    return 0;
}
