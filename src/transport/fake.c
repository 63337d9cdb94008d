#include "transport/fake.h"

#include <math.h>
#include <string.h>

#include "util/mem.h"

void tern_fake_init(tern_fake *f, uint64_t seed)
{
    memset(f, 0, sizeof *f);
    f->rng = seed | 1;
}

void tern_fake_free(tern_fake *f, const tern_mem *mem)
{
    for (int d = 0; d < 2; d++) {
        for (size_t i = 0; i < f->q[d].n; i++) tern_free(mem, f->q[d].h[i].data);
        tern_free(mem, f->q[d].h);
        f->q[d].h = NULL;
        f->q[d].n = f->q[d].cap = 0;
    }
}

void tern_fake_configure(tern_fake *f, const tern_fake_net *cfg)
{
    f->cfg = *cfg;
}

static const tern_fake_dir *dir_cfg(const tern_fake *f, int dir)
{
    return dir ? &f->cfg.recv : &f->cfg.send;
}

bool tern_fake_active(const tern_fake *f, int dir)
{
    const tern_fake_dir *c = dir_cfg(f, dir);
    return c->loss_pct > 0 || c->lag_ms > 0 || c->reorder_pct > 0 || c->dup_pct > 0 ||
           (c->jitter_avg_ms > 0 && c->jitter_pct > 0) || c->rate > 0 || f->q[dir].n > 0;
}

static double unit(tern_fake *f)
{
    f->rng ^= f->rng << 13;
    f->rng ^= f->rng >> 7;
    f->rng ^= f->rng << 17;
    return (double)(f->rng >> 11) * (1.0 / 9007199254740992.0);
}

static bool less(const tern_fake_pkt *a, const tern_fake_pkt *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void push(tern_fake *f, const tern_mem *mem, int dir, tern_fake_pkt p)
{
    tern_fake_q *q = &f->q[dir];
    if (tern_grow(mem, (void **)&q->h, &q->cap, q->n + 1, sizeof *q->h) != TERN_OK) {
        tern_free(mem, p.data);
        f->dropped++;
        return;
    }
    size_t i = q->n++;
    while (i > 0 && less(&p, &q->h[(i - 1) / 2])) {
        q->h[i] = q->h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    q->h[i] = p;
}

void tern_fake_push(tern_fake *f, const tern_mem *mem, int dir, int64_t now, uint32_t sock,
                    const tern_addr *addr, const tern_addr *local, const uint8_t *data, size_t len)
{
    tern_addr none = {{0}, 0};
    const tern_fake_dir *c = dir_cfg(f, dir);
    tern_fake_q *q = &f->q[dir];
    if (c->loss_pct > 0 && unit(f) * 100 < c->loss_pct) {
        f->dropped++;
        return;
    }
    if (c->rate > 0) {
        /* A policer: a token bucket of |burst| bytes refilled at |rate|;
         * what does not fit is dropped, as an overloaded link drops. */
        if (q->tokens_at == 0) q->tokens = c->burst;
        q->tokens += (double)(now - q->tokens_at) * c->rate / 1e6;
        if (q->tokens > c->burst) q->tokens = c->burst;
        q->tokens_at = now;
        if (q->tokens < (double)len) {
            f->dropped++;
            return;
        }
        q->tokens -= (double)len;
    }
    int copies = (c->dup_pct > 0 && unit(f) * 100 < c->dup_pct) ? 2 : 1;
    for (int k = 0; k < copies; k++) {
        int64_t delay = (int64_t)c->lag_ms * 1000;
        if (c->reorder_pct > 0 && unit(f) * 100 < c->reorder_pct)
            delay += (int64_t)c->reorder_ms * 1000;
        if (c->jitter_avg_ms > 0 && unit(f) * 100 < c->jitter_pct) {
            double j = -log(1.0 - unit(f)) * c->jitter_avg_ms;
            if (j > c->jitter_max_ms) j = c->jitter_max_ms;
            delay += (int64_t)(j * 1000);
        }
        if (k > 0) delay += (int64_t)(unit(f) * c->dup_max_ms * 1000);
        uint8_t *copy = tern_malloc(mem, len ? len : 1);
        if (!copy) {
            f->dropped++;
            return;
        }
        memcpy(copy, data, len);
        push(f, mem, dir,
             (tern_fake_pkt){now + delay, f->seq++, sock, *addr, local ? *local : none, copy, len});
    }
}

bool tern_fake_pending(const tern_fake *f, int dir)
{
    return f->q[dir].n > 0;
}

bool tern_fake_pop_due(tern_fake *f, int dir, int64_t now, tern_fake_pkt *out)
{
    tern_fake_q *q = &f->q[dir];
    if (!q->n || q->h[0].due > now) return false;
    *out = q->h[0];
    tern_fake_pkt last = q->h[--q->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const tern_fake_pkt *best = &last;
        if (l < q->n && less(&q->h[l], best)) {
            m = l;
            best = &q->h[l];
        }
        if (r < q->n && less(&q->h[r], best)) m = r;
        if (m == i) break;
        q->h[i] = q->h[m];
        i = m;
    }
    if (q->n) q->h[i] = last;
    return true;
}

void tern_fake_pkt_free(tern_fake *f, const tern_mem *mem, tern_fake_pkt *p)
{
    (void)f;
    tern_free(mem, p->data);
    p->data = NULL;
}

int64_t tern_fake_next_due(const tern_fake *f)
{
    int64_t t = INT64_MAX;
    for (int d = 0; d < 2; d++)
        if (f->q[d].n && f->q[d].h[0].due < t) t = f->q[d].h[0].due;
    return t;
}

uint64_t tern_fake_dropped(const tern_fake *f)
{
    return f->dropped;
}
