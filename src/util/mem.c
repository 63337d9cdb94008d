#include "util/mem.h"

#include <stdint.h>
#include <stdlib.h>

static void *d_malloc(size_t n, void *u)
{
    (void)u;
    return malloc(n);
}
static void d_free(void *p, void *u)
{
    (void)u;
    free(p);
}
static void *d_calloc(size_t k, size_t n, void *u)
{
    (void)u;
    return calloc(k, n);
}
static void *d_realloc(void *p, size_t n, void *u)
{
    (void)u;
    return realloc(p, n);
}

static const tern_mem default_mem = {NULL, d_malloc, d_free, d_calloc, d_realloc};

const tern_mem *tern_mem_default(void)
{
    return &default_mem;
}

tern_result tern_grow(const tern_mem *m, void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return TERN_OK;
    size_t ncap = *cap ? *cap : 4;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / elem) return TERN_NOMEM;
        ncap *= 2;
    }
    void *p = tern_realloc(m, *arr, ncap * elem);
    if (!p) return TERN_NOMEM;
    *arr = p;
    *cap = ncap;
    return TERN_OK;
}
