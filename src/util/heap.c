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

static void place(tern_heap *h, size_t i, tern_heap_node *n)
{
    h->a[i] = n;
    n->idx = i + 1;
}

static void sift_up(tern_heap *h, size_t i)
{
    tern_heap_node *n = h->a[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h->a[p]->key <= n->key) break;
        place(h, i, h->a[p]);
        i = p;
    }
    place(h, i, n);
}

static void sift_down(tern_heap *h, size_t i)
{
    tern_heap_node *n = h->a[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        int64_t best = n->key;
        if (l < h->n && h->a[l]->key < best) {
            m = l;
            best = h->a[l]->key;
        }
        if (r < h->n && h->a[r]->key < best) m = r;
        if (m == i) break;
        place(h, i, h->a[m]);
        i = m;
    }
    place(h, i, n);
}

tern_result tern_heap_set(tern_heap *h, const tern_mem *mem, tern_heap_node *n, int64_t key)
{
    if (n->idx) {
        int64_t old = n->key;
        n->key = key;
        if (key < old)
            sift_up(h, n->idx - 1);
        else if (key > old)
            sift_down(h, n->idx - 1);
        return TERN_OK;
    }
    if (tern_grow(mem, (void **)&h->a, &h->cap, h->n + 1, sizeof *h->a) != TERN_OK)
        return TERN_NOMEM;
    n->key = key;
    place(h, h->n++, n);
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
    tern_heap_node *last = h->a[h->n];
    place(h, i, last);
    if (i > 0 && h->a[(i - 1) / 2]->key > last->key)
        sift_up(h, i);
    else
        sift_down(h, i);
}
