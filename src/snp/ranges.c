#include "snp/ranges.h"

#include <string.h>

#include "util/mem.h"

void tern_ranges_init(tern_ranges *s)
{
    s->r = NULL;
    s->n = s->cap = 0;
}

void tern_ranges_free(tern_ranges *s, const tern_mem *mem)
{
    tern_free(mem, s->r);
    tern_ranges_init(s);
}

size_t tern_ranges_lower(const tern_ranges *s, int64_t x)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->r[mid].end > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

tern_result tern_ranges_add(tern_ranges *s, const tern_mem *mem, int64_t b, int64_t e)
{
    if (b >= e) return TERN_OK;
    /* first range that touches or follows b (end >= b) */
    size_t i = tern_ranges_lower(s, b - 1);
    size_t j = i;
    while (j < s->n && s->r[j].begin <= e) {
        if (s->r[j].begin < b) b = s->r[j].begin;
        if (s->r[j].end > e) e = s->r[j].end;
        j++;
    }
    if (j == i) { /* insert */
        if (tern_grow(mem, (void **)&s->r, &s->cap, s->n + 1, sizeof *s->r) != TERN_OK)
            return TERN_NOMEM;
        memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof *s->r);
        s->n++;
    } else if (j > i + 1) { /* merged several */
        memmove(&s->r[i + 1], &s->r[j], (s->n - j) * sizeof *s->r);
        s->n -= j - i - 1;
    }
    s->r[i].begin = b;
    s->r[i].end = e;
    return TERN_OK;
}

tern_result tern_ranges_remove(tern_ranges *s, const tern_mem *mem, int64_t b, int64_t e)
{
    if (b >= e) return TERN_OK;
    size_t i = tern_ranges_lower(s, b);
    if (i < s->n && s->r[i].begin < b && s->r[i].end > e) { /* split */
        if (tern_grow(mem, (void **)&s->r, &s->cap, s->n + 1, sizeof *s->r) != TERN_OK)
            return TERN_NOMEM;
        memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof *s->r);
        s->n++;
        s->r[i].end = b;
        s->r[i + 1].begin = e;
        return TERN_OK;
    }
    if (i < s->n && s->r[i].begin < b) {
        s->r[i].end = b;
        i++;
    }
    size_t j = i;
    while (j < s->n && s->r[j].end <= e) j++;
    if (j < s->n && s->r[j].begin < e) s->r[j].begin = e;
    if (j > i) {
        memmove(&s->r[i], &s->r[j], (s->n - j) * sizeof *s->r);
        s->n -= j - i;
    }
    return TERN_OK;
}

void tern_ranges_trim_below(tern_ranges *s, int64_t b)
{
    size_t i = tern_ranges_lower(s, b);
    if (i > 0) {
        memmove(&s->r[0], &s->r[i], (s->n - i) * sizeof *s->r);
        s->n -= i;
    }
    if (s->n && s->r[0].begin < b) s->r[0].begin = b;
}

uint64_t tern_ranges_total(const tern_ranges *s)
{
    uint64_t t = 0;
    for (size_t i = 0; i < s->n; i++) t += (uint64_t)(s->r[i].end - s->r[i].begin);
    return t;
}

uint64_t tern_ranges_overlap(const tern_ranges *s, int64_t b, int64_t e)
{
    uint64_t t = 0;
    for (size_t i = tern_ranges_lower(s, b); i < s->n && s->r[i].begin < e; i++) {
        int64_t lo = s->r[i].begin > b ? s->r[i].begin : b;
        int64_t hi = s->r[i].end < e ? s->r[i].end : e;
        if (hi > lo) t += (uint64_t)(hi - lo);
    }
    return t;
}

bool tern_ranges_contains(const tern_ranges *s, int64_t x)
{
    size_t i = tern_ranges_lower(s, x);
    return i < s->n && s->r[i].begin <= x;
}
