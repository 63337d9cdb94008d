/* 32-bit handles for objects crossing the API: index in the low 20 bits,
 * an 11-bit generation above it (so a stale handle is detected after the
 * slot is reused), and an optional tag in bit 31 (GNS gives poll groups the
 * top bit). 0 is never a valid handle. */
#ifndef TERN_UTIL_HANDLES_H
#define TERN_UTIL_HANDLES_H

#include <stdint.h>

#include "tern/tern.h"

#define TERN_HANDLE_INDEX_BITS  20
#define TERN_HANDLE_MAX_OBJECTS ((1u << TERN_HANDLE_INDEX_BITS) - 1)

typedef struct tern_handles {
    void **obj;
    uint16_t *gen;
    uint32_t *next_free;
    uint32_t cap, count, free_head; /* free_head: index+1 of the first free slot, 0 = none */
    uint32_t tag;                   /* 0 or 0x80000000 */
} tern_handles;

void tern_handles_init(tern_handles *h, uint32_t tag);
void tern_handles_free(tern_handles *h, const tern_mem *mem);
/* A handle for |obj|, or 0 when out of memory or slots. */
uint32_t tern_handles_add(tern_handles *h, const tern_mem *mem, void *obj);
/* The object, or NULL for 0, a stale handle or another table's handle. */
void *tern_handles_get(const tern_handles *h, uint32_t handle);
void tern_handles_remove(tern_handles *h, uint32_t handle);
/* Iterate: pass 0 first; returns the next live handle or 0 at the end. */
uint32_t tern_handles_next(const tern_handles *h, uint32_t after);

#endif
