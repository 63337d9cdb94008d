#include "util/heap.h"

#include "util/mem.h"

void tern_heap_init(tern_heap *h)
{
    h->a = NULL;
    h->n = h->cap = 0;
}

void tern_heap_free(tern_heap *h, const tern_mem *mem)
{
    tern_free(mem, h->a);
    tern_heap_init(h);
}

#define ARITY 4

static void place(tern_heap *h, size_t i, tern_heap_slot s)
{
    h->a[i] = s;
    s.node->idx = i + 1;
}

static void sift_up(tern_heap *h, size_t i)
{
    tern_heap_slot s = h->a[i];
    while (i > 0) {
        size_t p = (i - 1) / ARITY;
        if (h->a[p].key <= s.key) break;
        place(h, i, h->a[p]);
        i = p;
    }
    place(h, i, s);
}

static void sift_down(tern_heap *h, size_t i)
{
    tern_heap_slot s = h->a[i];
    for (;;) {
        size_t first = ARITY * i + 1, m = i;
        int64_t best = s.key;
        size_t last = first + ARITY < h->n ? first + ARITY : h->n;
        for (size_t c = first; c < last; c++)
            if (h->a[c].key < best) {
                m = c;
                best = h->a[c].key;
            }
        if (m == i) break;
        place(h, i, h->a[m]);
        i = m;
    }
    place(h, i, s);
}

tern_result tern_heap_set(tern_heap *h, const tern_mem *mem, tern_heap_node *n, int64_t key)
{
    if (n->idx) {
        int64_t old = n->key;
        n->key = h->a[n->idx - 1].key = key;
        if (key < old)
            sift_up(h, n->idx - 1);
        else if (key > old)
            sift_down(h, n->idx - 1);
        return TERN_OK;
    }
    if (tern_grow(mem, (void **)&h->a, &h->cap, h->n + 1, sizeof *h->a) != TERN_OK)
        return TERN_NOMEM;
    n->key = key;
    place(h, h->n++, (tern_heap_slot){key, n});
    sift_up(h, h->n - 1);
    return TERN_OK;
}

void tern_heap_remove(tern_heap *h, tern_heap_node *n)
{
    if (!n->idx) return;
    size_t i = n->idx - 1;
    n->idx = 0;
    h->n--;
    if (i == h->n) return;
    tern_heap_slot last = h->a[h->n];
    place(h, i, last);
    if (i > 0 && h->a[(i - 1) / ARITY].key > last.key)
        sift_up(h, i);
    else
        sift_down(h, i);
}
