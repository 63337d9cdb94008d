#include "util/msgpool.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "util/mem.h"

#define NCLASS 5
static const uint32_t class_cap[NCLASS] = {64, 256, 1024, 4096, 16384};
/* Bound on idle memory a pool keeps per class: a burst of messages must not
 * pin its peak forever. */
#define CLASS_CACHE_BYTES (1u << 20)

struct tern_msgpool {
    const tern_mem *mem;
    atomic_flag lock; /* guards the free lists; held for a few instructions */
    tern_msg *free[NCLASS];
    uint32_t nfree[NCLASS];
    atomic_size_t refs; /* 1 for the owner + 1 per outstanding message */
};

static void lock(tern_msgpool *p)
{
    while (atomic_flag_test_and_set_explicit(&p->lock, memory_order_acquire)) {}
}
static void unlock(tern_msgpool *p)
{
    atomic_flag_clear_explicit(&p->lock, memory_order_release);
}

tern_msgpool *tern_msgpool_new(const tern_mem *mem)
{
    mem = tern_mem_or_default(mem);
    tern_msgpool *p = tern_calloc(mem, 1, sizeof *p);
    if (!p) return NULL;
    p->mem = mem;
    atomic_flag_clear(&p->lock);
    atomic_init(&p->refs, 1);
    return p;
}

static void pool_destroy(tern_msgpool *p)
{
    for (int c = 0; c < NCLASS; c++) {
        tern_msg *m = p->free[c];
        while (m) {
            tern_msg *n = m->q_conn.next;
            tern_free(p->mem, m);
            m = n;
        }
    }
    tern_free(p->mem, p);
}

static void unref(tern_msgpool *p)
{
    if (atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) == 1) pool_destroy(p);
}

void tern_msgpool_del(tern_msgpool *p)
{
    if (p) unref(p);
}

static void msg_release(tern_message *pub)
{
    tern_msg *m = tern_msg_of(pub);
    tern_msgpool *p = m->pool;
    if (pub->free_data && pub->data) pub->free_data(pub);
    bool cached = false;
    if (m->cls != TERN_MSGPOOL_BIG) {
        lock(p);
        if ((size_t)p->nfree[m->cls] * class_cap[m->cls] < CLASS_CACHE_BYTES) {
            m->q_conn.next = p->free[m->cls];
            p->free[m->cls] = m;
            p->nfree[m->cls]++;
            cached = true;
        }
        unlock(p);
    }
    if (!cached) tern_free(p->mem, m);
    unref(p);
}

static void init_msg(tern_msg *m, tern_msgpool *p, uint8_t cls, uint32_t cap)
{
    memset(m, 0, sizeof *m);
    m->pool = p;
    m->cls = cls;
    m->cap = cap;
    m->pub.channel = -1;
    m->pub.release = msg_release;
}

tern_message *tern_msg_new(tern_msgpool *p, size_t size)
{
    if (size > INT32_MAX) return NULL;
    int cls = 0;
    while (cls < NCLASS && size > class_cap[cls]) cls++;
    tern_msg *m = NULL;
    if (cls < NCLASS) {
        lock(p);
        m = p->free[cls];
        if (m) {
            p->free[cls] = m->q_conn.next;
            p->nfree[cls]--;
        }
        unlock(p);
        if (!m) m = tern_malloc(p->mem, sizeof(tern_msg) + class_cap[cls]);
        if (!m) return NULL;
        init_msg(m, p, (uint8_t)cls, class_cap[cls]);
    } else {
        m = tern_malloc(p->mem, sizeof(tern_msg) + size);
        if (!m) return NULL;
        init_msg(m, p, TERN_MSGPOOL_BIG, (uint32_t)size);
    }
    m->pub.data = m + 1;
    m->pub.size = (int32_t)size;
    atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    return &m->pub;
}

tern_message *tern_msg_new_empty(tern_msgpool *p)
{
    tern_message *m = tern_msg_new(p, 0);
    if (m) m->data = NULL;
    return m;
}

size_t tern_msgpool_cached_bytes(tern_msgpool *p)
{
    size_t n = 0;
    lock(p);
    for (int c = 0; c < NCLASS; c++) n += (size_t)p->nfree[c] * class_cap[c];
    unlock(p);
    return n;
}
