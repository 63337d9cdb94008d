#include "util/addrmap.h"

#include <string.h>

#include "util/mem.h"
#include "util/siphash.h"

void tern_addrmap_init(tern_addrmap *m, const uint8_t hash_key[16])
{
    memset(m, 0, sizeof *m);
    memcpy(m->key, hash_key, 16);
}

void tern_addrmap_free(tern_addrmap *m, const tern_mem *mem)
{
    tern_free(mem, m->s);
    m->s = NULL;
    m->cap = m->used = m->tomb = 0;
}

static size_t slot_of(const tern_addrmap *m, const tern_addr *k)
{
    return (size_t)tern_siphash24(m->key, k, sizeof *k) & (m->cap - 1);
}

static tern_addrmap_slot *find(const tern_addrmap *m, const tern_addr *k)
{
    if (!m->cap) return NULL;
    for (size_t i = slot_of(m, k), n = 0; n < m->cap; i = (i + 1) & (m->cap - 1), n++) {
        tern_addrmap_slot *s = &m->s[i];
        if (s->state == 0) return NULL;
        if (s->state == 1 && memcmp(&s->key, k, sizeof *k) == 0) return s;
    }
    return NULL;
}

void *tern_addrmap_get(const tern_addrmap *m, const tern_addr *k)
{
    tern_addrmap_slot *s = find(m, k);
    return s ? s->val : NULL;
}

static tern_result rehash(tern_addrmap *m, const tern_mem *mem, size_t ncap)
{
    tern_addrmap_slot *ns = tern_calloc(mem, ncap, sizeof *ns);
    if (!ns) return TERN_NOMEM;
    tern_addrmap_slot *old = m->s;
    size_t ocap = m->cap;
    m->s = ns;
    m->cap = ncap;
    m->used = m->tomb = 0;
    for (size_t i = 0; i < ocap; i++) {
        if (old[i].state != 1) continue;
        size_t j = slot_of(m, &old[i].key);
        while (m->s[j].state) j = (j + 1) & (m->cap - 1);
        m->s[j] = old[i];
        m->used++;
    }
    tern_free(mem, old);
    return TERN_OK;
}

tern_result tern_addrmap_put(tern_addrmap *m, const tern_mem *mem, const tern_addr *k, void *v)
{
    tern_addrmap_slot *s = find(m, k);
    if (s) {
        s->val = v;
        return TERN_OK;
    }
    if ((m->used + m->tomb + 1) * 4 > m->cap * 3) {
        size_t ncap = m->cap ? m->cap : 16;
        while ((m->used + 1) * 2 > ncap) ncap *= 2;
        if (rehash(m, mem, ncap) != TERN_OK) return TERN_NOMEM;
    }
    size_t i = slot_of(m, k);
    while (m->s[i].state == 1) i = (i + 1) & (m->cap - 1);
    if (m->s[i].state == 2) m->tomb--;
    m->s[i].key = *k;
    m->s[i].val = v;
    m->s[i].state = 1;
    m->used++;
    return TERN_OK;
}

void tern_addrmap_del(tern_addrmap *m, const tern_addr *k)
{
    tern_addrmap_slot *s = find(m, k);
    if (!s) return;
    s->state = 2;
    s->val = NULL;
    m->used--;
    m->tomb++;
}
