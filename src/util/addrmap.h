/* A hash map from a peer address (tern_addr) to an object, with open
 * addressing and a keyed hash (SipHash with a random per-map key), so that a
 * peer choosing its source addresses cannot force collisions. */
#ifndef TERN_UTIL_ADDRMAP_H
#define TERN_UTIL_ADDRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "tern/tern.h"

typedef struct tern_addrmap_slot {
    tern_addr key;
    uint8_t state; /* 0 empty, 1 used, 2 deleted */
    void *val;
} tern_addrmap_slot;

typedef struct tern_addrmap {
    tern_addrmap_slot *s;
    size_t cap, used, tomb;
    uint8_t key[16];
} tern_addrmap;

/* |hash_key|: 16 random bytes. */
void tern_addrmap_init(tern_addrmap *m, const uint8_t hash_key[16]);
void tern_addrmap_free(tern_addrmap *m, const tern_mem *mem);
void *tern_addrmap_get(const tern_addrmap *m, const tern_addr *k);
/* Insert or replace. TERN_NOMEM leaves the map unchanged. */
tern_result tern_addrmap_put(tern_addrmap *m, const tern_mem *mem, const tern_addr *k, void *v);
void tern_addrmap_del(tern_addrmap *m, const tern_addr *k);

#endif
