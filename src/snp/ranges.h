/* A set of disjoint half-open int64 ranges kept sorted in a growable array.
 * Used for acknowledged and lost stream bytes on the send side and for the
 * gaps of a reliable stream on the receive side. Sets stay small (they are
 * bounded by segments in flight or by the gap limits), so a sorted array
 * with binary search beats a tree here. */
#ifndef TERN_SNP_RANGES_H
#define TERN_SNP_RANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/tern.h"

typedef struct tern_range {
    int64_t begin, end;
} tern_range;

typedef struct tern_ranges {
    tern_range *r;
    size_t n, cap;
} tern_ranges;

void tern_ranges_init(tern_ranges *s);
void tern_ranges_free(tern_ranges *s, const tern_mem *mem);
/* Add [b,e), merging with neighbours. TERN_NOMEM leaves the set unchanged. */
tern_result tern_ranges_add(tern_ranges *s, const tern_mem *mem, int64_t b, int64_t e);
/* Remove [b,e); may split a range. */
tern_result tern_ranges_remove(tern_ranges *s, const tern_mem *mem, int64_t b, int64_t e);
/* Drop everything below |b|. */
void tern_ranges_trim_below(tern_ranges *s, int64_t b);
/* Index of the first range whose end is > x (s->n if none). */
size_t tern_ranges_lower(const tern_ranges *s, int64_t x);
/* Total length of the ranges. */
uint64_t tern_ranges_total(const tern_ranges *s);
/* Length of the overlap of [b,e) with the set. */
uint64_t tern_ranges_overlap(const tern_ranges *s, int64_t b, int64_t e);
bool tern_ranges_contains(const tern_ranges *s, int64_t x);

#endif
