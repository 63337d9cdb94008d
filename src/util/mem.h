/* Allocation through an instance's tern_mem (NULL = libc). */
#ifndef TERN_UTIL_MEM_H
#define TERN_UTIL_MEM_H

#include <stddef.h>

#include "tern/tern.h"

/* The process-wide libc allocator, used when a caller passes NULL. */
const tern_mem *tern_mem_default(void);

static inline const tern_mem *tern_mem_or_default(const tern_mem *m)
{
    return m ? m : tern_mem_default();
}
static inline void *tern_malloc(const tern_mem *m, size_t n)
{
    return m->malloc(n, m->user_data);
}
static inline void *tern_calloc(const tern_mem *m, size_t k, size_t n)
{
    return m->calloc(k, n, m->user_data);
}
static inline void *tern_realloc(const tern_mem *m, void *p, size_t n)
{
    return m->realloc(p, n, m->user_data);
}
static inline void tern_free(const tern_mem *m, void *p)
{
    if (p) m->free(p, m->user_data);
}

/* Grow *arr (of |elem| bytes each) to hold at least |need| elements,
 * doubling; *cap is updated. TERN_NOMEM on failure (the array is unchanged). */
tern_result tern_grow(const tern_mem *m, void **arr, size_t *cap, size_t need, size_t elem);

#endif
