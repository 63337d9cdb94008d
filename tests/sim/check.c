#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K_NONE, K_REL, K_UNREL, K_SEEN };

typedef struct lane {
    uint8_t *kind; /* by message number */
    uint32_t *size;
    size_t cap;   /* entries */
    int64_t *rel; /* reliable message numbers in send order */
    size_t nrel, caprel, rel_next;
    uint64_t unrel_sent, unrel_recv, bytes;
} lane;

struct chk {
    uint32_t dir;
    lane *lanes[256];
    char err[256];
    bool failed;
};

chk *chk_new(uint32_t dir)
{
    chk *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->dir = dir;
    return c;
}

void chk_del(chk *c)
{
    if (!c) return;
    for (int i = 0; i < 256; i++) {
        lane *l = c->lanes[i];
        if (!l) continue;
        free(l->kind);
        free(l->size);
        free(l->rel);
        free(l);
    }
    free(c);
}

static lane *get(chk *c, uint16_t i)
{
    if (i > 255) return NULL;
    if (!c->lanes[i]) {
        c->lanes[i] = calloc(1, sizeof(lane));
        if (!c->lanes[i]) abort();
    }
    return c->lanes[i];
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

void chk_fill(uint32_t dir, uint16_t lane_i, int64_t msgnum, uint8_t *buf, size_t size)
{
    /* A cheap generator (an LCG over 64-bit words): every byte depends on
     * the message, and shifted or swapped data cannot match. */
    uint64_t h = mix(((uint64_t)dir << 56) ^ ((uint64_t)lane_i << 40) ^ (uint64_t)msgnum) | 1;
    size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        h = h * 6364136223846793005ull + 1442695040888963407ull;
        memcpy(buf + i, &h, 8);
    }
    h = h * 6364136223846793005ull + 1442695040888963407ull;
    for (; i < size; i++) buf[i] = (uint8_t)(h >> (8 * (i & 7)));
}

static void fail(chk *c, const char *fmt, long long a, long long b, long long d)
{
    if (c->failed) return;
    c->failed = true;
    snprintf(c->err, sizeof c->err, fmt, a, b, d);
}

void chk_sent(chk *c, uint16_t lane_i, int64_t msgnum, bool reliable, size_t size)
{
    lane *l = get(c, lane_i);
    if (msgnum <= 0) {
        fail(c, "dir %lld lane %lld: sender assigned message number %lld", c->dir, lane_i, msgnum);
        return;
    }
    if ((size_t)msgnum >= l->cap) {
        size_t ncap = l->cap ? l->cap : 64;
        while (ncap <= (size_t)msgnum) ncap *= 2;
        l->kind = realloc(l->kind, ncap);
        l->size = realloc(l->size, ncap * sizeof *l->size);
        if (!l->kind || !l->size) abort();
        memset(l->kind + l->cap, 0, ncap - l->cap);
        l->cap = ncap;
    }
    if (l->kind[msgnum] != K_NONE) {
        fail(c, "dir %lld lane %lld: message number %lld assigned twice", c->dir, lane_i, msgnum);
        return;
    }
    l->kind[msgnum] = reliable ? K_REL : K_UNREL;
    l->size[msgnum] = (uint32_t)size;
    if (reliable) {
        if (l->nrel == l->caprel) {
            l->caprel = l->caprel ? l->caprel * 2 : 64;
            l->rel = realloc(l->rel, l->caprel * sizeof *l->rel);
            if (!l->rel) abort();
        }
        l->rel[l->nrel++] = msgnum;
    } else {
        l->unrel_sent++;
    }
}

bool chk_recv(chk *c, uint16_t lane_i, int64_t msgnum, bool reliable, const void *data, size_t size)
{
    lane *l = get(c, lane_i);
    if (msgnum <= 0 || (size_t)msgnum >= l->cap || l->kind[msgnum] == K_NONE) {
        fail(c, "dir %lld lane %lld: received message %lld that was never sent", c->dir, lane_i,
             msgnum);
        return false;
    }
    uint8_t k = l->kind[msgnum];
    if (reliable) {
        if (k != K_REL) {
            fail(c, "dir %lld lane %lld: message %lld arrived reliable, sent unreliable", c->dir,
                 lane_i, msgnum);
            return false;
        }
        if (l->rel_next >= l->nrel || l->rel[l->rel_next] != msgnum) {
            fail(c, "dir %lld: reliable out of order: expected %lld, got %lld", c->dir,
                 l->rel_next < l->nrel ? l->rel[l->rel_next] : -1, msgnum);
            return false;
        }
        l->rel_next++;
    } else {
        if (k == K_SEEN) {
            fail(c, "dir %lld lane %lld: unreliable message %lld delivered twice", c->dir, lane_i,
                 msgnum);
            return false;
        }
        if (k != K_UNREL) {
            fail(c, "dir %lld lane %lld: message %lld arrived unreliable, sent reliable", c->dir,
                 lane_i, msgnum);
            return false;
        }
        l->kind[msgnum] = K_SEEN;
        l->unrel_recv++;
    }
    if (l->size[msgnum] != size) {
        fail(c, "dir %lld: message %lld has %lld bytes", c->dir, msgnum, (long long)size);
        return false;
    }
    uint8_t stackbuf[2048];
    uint8_t *exp = size <= sizeof stackbuf ? stackbuf : malloc(size);
    if (!exp) abort();
    chk_fill(c->dir, lane_i, msgnum, exp, size);
    bool same = size == 0 || memcmp(exp, data, size) == 0;
    if (exp != stackbuf) free(exp);
    if (!same) {
        fail(c, "dir %lld lane %lld: message %lld corrupted", c->dir, lane_i, msgnum);
        return false;
    }
    l->bytes += size;
    return true;
}

bool chk_all_reliable_delivered(const chk *c)
{
    for (int i = 0; i < 256; i++)
        if (c->lanes[i] && c->lanes[i]->rel_next != c->lanes[i]->nrel) return false;
    return true;
}

#define SUM(field)                                                                                 \
    uint64_t t = 0;                                                                                \
    for (int i = 0; i < 256; i++)                                                                  \
        if (c->lanes[i]) t += c->lanes[i]->field;                                                  \
    return t

uint64_t chk_reliable_sent(const chk *c)
{
    SUM(nrel);
}
uint64_t chk_reliable_recv(const chk *c)
{
    SUM(rel_next);
}
uint64_t chk_unreliable_sent(const chk *c)
{
    SUM(unrel_sent);
}
uint64_t chk_unreliable_recv(const chk *c)
{
    SUM(unrel_recv);
}
uint64_t chk_bytes_recv(const chk *c)
{
    SUM(bytes);
}

uint64_t chk_lane_bytes_recv(const chk *c, uint16_t lane_i)
{
    return lane_i < 256 && c->lanes[lane_i] ? c->lanes[lane_i]->bytes : 0;
}

const char *chk_error(const chk *c)
{
    return c->failed ? c->err : NULL;
}
