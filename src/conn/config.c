/* Scoped config values: storage, inheritance, conversion, clamping, and the
 * native and GNS-compatible set/get (API.md §13.2). */
#include "conn/config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

#define SLOT_BIT(d) (1u << (unsigned)(d)->slot)

/* --- the root's spin lock -----------------------------------------------------------
 * The root may be shared by instances with different locks, so it guards
 * itself. Critical sections are a few loads and stores or one string copy;
 * a spin lock keeps the layer free of OS calls. */

static void root_lock(tern_cfg_global *g)
{
    while (atomic_flag_test_and_set_explicit(&g->lock, memory_order_acquire)) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
}

static void root_unlock(tern_cfg_global *g)
{
    atomic_flag_clear_explicit(&g->lock, memory_order_release);
}

static void bump(tern_cfg_global *g)
{
    /* 0 is reserved for "never cached" */
    if (atomic_fetch_add_explicit(&g->gen, 1, memory_order_acq_rel) + 1u == 0u)
        atomic_fetch_add_explicit(&g->gen, 1, memory_order_acq_rel);
}

static tern_cfg_v def_value(const tern_cfg_def *d)
{
    tern_cfg_v v;
    memset(&v, 0, sizeof v);
    switch (d->type) {
    case TERN_CFGT_INT32:
        v.i32 = (int32_t)d->def;
        break;
    case TERN_CFGT_INT64:
        v.i64 = (int64_t)d->def;
        break;
    case TERN_CFGT_FLOAT:
        v.f = (float)d->def;
        break;
    default:
        break; /* strings: NULL = ""; pointers: NULL */
    }
    return v;
}

static char *dup_str(const tern_mem *m, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = tern_malloc(m, n);
    if (p) memcpy(p, s, n);
    return p;
}

/* --- lifetime --------------------------------------------------------------------- */

void tern_cfg_global_init(tern_cfg_global *g, const tern_mem *mem)
{
    memset(&g->scope, 0, sizeof g->scope);
    g->scope.root = g;
    g->scope.mem = tern_mem_or_default(mem);
    g->scope.level = TERN_CFGS_GLOBAL;
    atomic_flag_clear(&g->lock);
    atomic_init(&g->gen, 1u);
    for (int i = 0; i < TERN_CFG_NDEFS; i++) g->val[i] = def_value(&tern_cfg_defs[i]);
}

void tern_cfg_global_free(tern_cfg_global *g)
{
    for (int i = 0; i < TERN_CFG_NDEFS; i++) {
        if (tern_cfg_defs[i].type == TERN_CFGT_STRING) {
            tern_free(g->scope.mem, g->val[i].s);
            g->val[i].s = NULL;
        }
    }
}

void tern_cfg_init(tern_cfg_scope *s, tern_cfg_scope *parent, int level, const tern_mem *mem)
{
    memset(s, 0, sizeof *s);
    s->parent = parent;
    s->root = parent->root;
    s->mem = tern_mem_or_default(mem);
    s->level = (uint8_t)level;
}

static void entry_release(const tern_cfg_scope *s, tern_cfg_entry *e)
{
    const tern_cfg_def *d = tern_cfg_def_of(e->id);
    if (d && d->type == TERN_CFGT_STRING) tern_free(s->mem, e->v.s);
}

void tern_cfg_free(tern_cfg_scope *s)
{
    for (unsigned i = 0; i < s->n; i++) entry_release(s, &s->v[i]);
    tern_free(s->mem, s->v);
    s->v = NULL;
    s->n = s->cap = 0;
    s->set_mask = s->lock_mask = 0;
}

void tern_cfg_reparent(tern_cfg_scope *s, tern_cfg_scope *parent)
{
    s->parent = parent;
    bump(s->root);
}

uint32_t tern_cfg_generation(const tern_cfg_scope *s)
{
    return atomic_load_explicit(&s->root->gen, memory_order_acquire);
}

/* --- lookup ----------------------------------------------------------------------- */

static tern_cfg_entry *entry_find(const tern_cfg_scope *s, int id, unsigned *pos)
{
    unsigned lo = 0, hi = s->n;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (s->v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (pos) *pos = lo;
    return lo < s->n && s->v[lo].id == id ? &s->v[lo] : NULL;
}

/* The scope at or above |s| where |d| is set, with its value in *v; or the
 * root's scope, whose value the caller reads under the root lock. */
static const tern_cfg_scope *resolve(const tern_cfg_scope *s, const tern_cfg_def *d, tern_cfg_v *v)
{
    for (; s->level != TERN_CFGS_GLOBAL; s = s->parent) {
        if (d->slot >= 0) {
            if (s->set_mask & SLOT_BIT(d)) {
                if (d->slot == TERN_CFG_SLOT_USER)
                    v->i64 = s->user_data;
                else
                    v->i32 = s->slot[d->slot];
                return s;
            }
        } else if (s->n) {
            const tern_cfg_entry *e = entry_find(s, d->id, NULL);
            if (e) {
                *v = e->v;
                return s;
            }
        }
    }
    return s;
}

/* The effective value of a non-string option; *here: set at |s| itself
 * (the root counts as set at the root). */
static tern_cfg_v effective(const tern_cfg_scope *s, const tern_cfg_def *d, bool *here)
{
    tern_cfg_v v;
    const tern_cfg_scope *w = resolve(s, d, &v);
    if (w->level == TERN_CFGS_GLOBAL) {
        root_lock(w->root);
        v = w->root->val[d - tern_cfg_defs];
        root_unlock(w->root);
    }
    if (here) *here = w == s;
    return v;
}

/* Copies the effective string into |buf|: the whole string only if it fits
 * (|whole|), else as much as fits; always NUL-terminated when cap > 0.
 * Returns strlen of the value. One critical section, so the length and the
 * bytes belong to the same value. */
static size_t str_read(const tern_cfg_scope *s, const tern_cfg_def *d, char *buf, size_t cap,
                       bool whole, bool *here)
{
    tern_cfg_v v;
    const tern_cfg_scope *w = resolve(s, d, &v);
    bool at_root = w->level == TERN_CFGS_GLOBAL;
    if (at_root) {
        root_lock(w->root);
        v = w->root->val[d - tern_cfg_defs];
    }
    const char *str = v.s ? v.s : "";
    size_t len = strlen(str);
    if (buf && cap > 0 && (!whole || cap > len)) {
        size_t k = len < cap ? len : cap - 1;
        memcpy(buf, str, k);
        buf[k] = '\0';
    }
    if (at_root) root_unlock(w->root);
    if (here) *here = w == s;
    return len;
}

static int32_t mtu_data_size(const tern_cfg_scope *s, bool *here)
{
    int32_t mtu = effective(s, tern_cfg_def_of(TERN_OPT_MTU_PACKET_SIZE), here).i32;
    return mtu > TERN_CFG_MTU_RESERVE ? mtu - TERN_CFG_MTU_RESERVE : 0;
}

/* --- typed reads ------------------------------------------------------------------ */

static const tern_cfg_def *typed_def(int id, int type)
{
    const tern_cfg_def *d = tern_cfg_def_of(id);
    return d && d->type == type ? d : NULL;
}

int32_t tern_cfg_i32(const tern_cfg_scope *s, int id)
{
    const tern_cfg_def *d = typed_def(id, TERN_CFGT_INT32);
    if (!d) return 0;
    if (id == TERN_OPT_MTU_DATA_SIZE) return mtu_data_size(s, NULL);
    return effective(s, d, NULL).i32;
}

int64_t tern_cfg_i64(const tern_cfg_scope *s, int id)
{
    const tern_cfg_def *d = typed_def(id, TERN_CFGT_INT64);
    return d ? effective(s, d, NULL).i64 : 0;
}

float tern_cfg_f32(const tern_cfg_scope *s, int id)
{
    const tern_cfg_def *d = typed_def(id, TERN_CFGT_FLOAT);
    return d ? effective(s, d, NULL).f : 0.0f;
}

void *tern_cfg_ptr(const tern_cfg_scope *s, int id)
{
    const tern_cfg_def *d = typed_def(id, TERN_CFGT_PTR);
    return d ? effective(s, d, NULL).p : NULL;
}

size_t tern_cfg_str(const tern_cfg_scope *s, int id, char *buf, size_t cap)
{
    const tern_cfg_def *d = typed_def(id, TERN_CFGT_STRING);
    if (!d) {
        if (buf && cap > 0) buf[0] = '\0';
        return 0;
    }
    return str_read(s, d, buf, cap, false, NULL);
}

/* --- conversion (§13.2) ------------------------------------------------------------ */

/* GNS rounds with floor(x + .5f) in float and converts with the x86-64
 * instruction, which yields the integer's minimum for NaN and out-of-range
 * values; C leaves that undefined, so it is spelled out. */
static int32_t float_to_i32(float x)
{
    float t = x + 0.5f;
    float r = floorf(t);
    if (r >= -2147483648.0f && r < 2147483648.0f) return (int32_t)r;
    return INT32_MIN;
}

static int64_t float_to_i64(float x)
{
    float t = x + 0.5f;
    float r = floorf(t);
    if (r >= -9223372036854775808.0f && r < 9223372036854775808.0f) return (int64_t)r;
    return INT64_MIN;
}

/* scanf's %d in glibc reads a long (saturating) and then truncates it to
 * int; strtol is the same read without scanf's undefined overflow. */
static bool parse_i32(const char *str, int32_t *out)
{
    char *end;
    long v = strtol(str, &end, 10);
    if (end == str) return false;
    *out = (int32_t)(uint32_t)(unsigned long)v;
    return true;
}

static bool parse_i64(const char *str, int64_t *out)
{
    char *end;
    long long v = strtoll(str, &end, 10);
    if (end == str) return false;
    *out = (int64_t)v;
    return true;
}

static bool parse_f32(const char *str, float *out)
{
    char *end;
    float v = strtof(str, &end);
    if (end == str) return false;
    *out = v;
    return true;
}

/* Converts |arg| of |type| to |d|'s type. For string options *str is the
 * text to store (|arg| itself, or |tmp| holding the printed number). */
static bool convert(const tern_cfg_def *d, int type, const void *arg, tern_cfg_v *v, char tmp[64],
                    const char **str)
{
    int32_t i32 = 0;
    int64_t i64 = 0;
    float f = 0.0f;
    switch (type) {
    case TERN_CFGT_INT32:
        memcpy(&i32, arg, sizeof i32);
        break;
    case TERN_CFGT_INT64:
        memcpy(&i64, arg, sizeof i64);
        break;
    case TERN_CFGT_FLOAT:
        memcpy(&f, arg, sizeof f);
        break;
    case TERN_CFGT_STRING:
    case TERN_CFGT_PTR:
        break;
    default:
        return false;
    }

    switch (d->type) {
    case TERN_CFGT_INT32:
        switch (type) {
        case TERN_CFGT_INT32:
            v->i32 = i32;
            return true;
        case TERN_CFGT_INT64:
            if (i64 < INT32_MIN || i64 > INT32_MAX) return false;
            v->i32 = (int32_t)i64;
            return true;
        case TERN_CFGT_FLOAT:
            v->i32 = float_to_i32(f);
            return true;
        case TERN_CFGT_STRING:
            return parse_i32(arg, &v->i32);
        default:
            return false;
        }
    case TERN_CFGT_INT64:
        switch (type) {
        case TERN_CFGT_INT32:
            v->i64 = i32;
            return true;
        case TERN_CFGT_INT64:
            v->i64 = i64;
            return true;
        case TERN_CFGT_FLOAT:
            v->i64 = float_to_i64(f);
            return true;
        case TERN_CFGT_STRING:
            return parse_i64(arg, &v->i64);
        default:
            return false;
        }
    case TERN_CFGT_FLOAT:
        switch (type) {
        case TERN_CFGT_INT32:
            v->f = (float)i32;
            return true;
        case TERN_CFGT_INT64:
            v->f = (float)i64;
            return true;
        case TERN_CFGT_FLOAT:
            v->f = f;
            return true;
        case TERN_CFGT_STRING:
            return parse_f32(arg, &v->f);
        default:
            return false;
        }
    case TERN_CFGT_STRING:
        switch (type) {
        case TERN_CFGT_INT32:
            snprintf(tmp, 64, "%d", (int)i32);
            break;
        case TERN_CFGT_INT64:
            snprintf(tmp, 64, "%lld", (long long)i64);
            break;
        case TERN_CFGT_FLOAT:
            snprintf(tmp, 64, "%g", (double)f);
            break;
        case TERN_CFGT_STRING:
            *str = arg;
            return true;
        default:
            return false;
        }
        *str = tmp;
        return true;
    case TERN_CFGT_PTR:
        if (type != TERN_CFGT_PTR) return false;
        memcpy(&v->p, arg, sizeof v->p);
        return true;
    default:
        return false;
    }
}

/* GNS's std::max(min, std::min(max, v)), including where NaN ends up (max). */
static void clamp(const tern_cfg_def *d, tern_cfg_v *v)
{
    if (d->type == TERN_CFGT_INT32) {
        int32_t lo = (int32_t)d->min, hi = (int32_t)d->max;
        int32_t t = v->i32 < hi ? v->i32 : hi;
        v->i32 = lo < t ? t : lo;
    } else if (d->type == TERN_CFGT_FLOAT) {
        float lo = (float)d->min, hi = (float)d->max;
        float t = v->f < hi ? v->f : hi;
        v->f = lo < t ? t : lo;
    }
}

/* --- storing ---------------------------------------------------------------------- */

/* |str|: the text for string options (NULL: back to the default). */
static tern_result root_store(tern_cfg_global *g, const tern_cfg_def *d, tern_cfg_v v,
                              const char *str)
{
    size_t i = (size_t)(d - tern_cfg_defs);
    if (d->type == TERN_CFGT_STRING) {
        char *copy = NULL;
        if (str && !(copy = dup_str(g->scope.mem, str))) return TERN_NOMEM;
        root_lock(g);
        char *old = g->val[i].s;
        g->val[i].s = copy;
        root_unlock(g);
        tern_free(g->scope.mem, old);
        return TERN_OK;
    }
    root_lock(g);
    g->val[i] = v;
    root_unlock(g);
    return TERN_OK;
}

static tern_result scope_store(tern_cfg_scope *s, const tern_cfg_def *d, tern_cfg_v v,
                               const char *str)
{
    if (d->slot >= 0) {
        if (d->slot == TERN_CFG_SLOT_USER)
            s->user_data = v.i64;
        else
            s->slot[d->slot] = v.i32;
        s->set_mask |= (uint8_t)SLOT_BIT(d);
        return TERN_OK;
    }
    if (d->type == TERN_CFGT_STRING && !(v.s = dup_str(s->mem, str))) return TERN_NOMEM;
    unsigned pos;
    tern_cfg_entry *e = entry_find(s, d->id, &pos);
    if (e) {
        entry_release(s, e);
        e->v = v;
        return TERN_OK;
    }
    if (s->n == s->cap) {
        /* at most one entry per connection-scope option: far below 255 */
        unsigned cap = s->cap ? s->cap * 2u : 2u;
        tern_cfg_entry *nv = tern_realloc(s->mem, s->v, cap * sizeof *nv);
        if (!nv) {
            if (d->type == TERN_CFGT_STRING) tern_free(s->mem, v.s);
            return TERN_NOMEM;
        }
        s->v = nv;
        s->cap = (uint8_t)cap;
    }
    memmove(&s->v[pos + 1], &s->v[pos], (s->n - pos) * sizeof *s->v);
    s->v[pos].id = d->id;
    s->v[pos].v = v;
    s->n++;
    return TERN_OK;
}

static void scope_unset(tern_cfg_scope *s, const tern_cfg_def *d)
{
    if (d->slot >= 0) {
        s->set_mask &= (uint8_t)~SLOT_BIT(d);
        return;
    }
    unsigned pos;
    tern_cfg_entry *e = entry_find(s, d->id, &pos);
    if (!e) return;
    entry_release(s, e);
    memmove(&s->v[pos], &s->v[pos + 1], (s->n - pos - 1) * sizeof *s->v);
    if (--s->n == 0) {
        /* an emptied scope goes back to costing nothing */
        tern_free(s->mem, s->v);
        s->v = NULL;
        s->cap = 0;
    }
}

static bool is_locked(const tern_cfg_scope *s, const tern_cfg_def *d)
{
    return d->slot >= 0 && (s->lock_mask & SLOT_BIT(d));
}

/* Everything of SetConfigValue after the id checks. */
static tern_result set_core(tern_cfg_scope *s, const tern_cfg_def *d, int type, const void *arg)
{
    bool root = s->level == TERN_CFGS_GLOBAL;
    if (d->scope == TERN_CFGS_GLOBAL && !root) return TERN_INVALID_PARAM;
    if (is_locked(s, d)) return TERN_INVALID_STATE;

    tern_result r;
    if (!arg) {
        if (root) {
            r = root_store(s->root, d, def_value(d), NULL);
            if (r != TERN_OK) return r;
        } else if (d->id == TERN_OPT_CONNECTION_USER_DATA && s->level == TERN_CFGS_CONN) {
            return TERN_INVALID_PARAM; /* fixed at creation; cannot inherit again */
        } else {
            scope_unset(s, d);
        }
        bump(s->root);
        return TERN_OK;
    }

    tern_cfg_v v;
    memset(&v, 0, sizeof v);
    char tmp[64];
    const char *str = NULL;
    if (!convert(d, type, arg, &v, tmp, &str)) return TERN_INVALID_PARAM;
    clamp(d, &v);
    r = root ? root_store(s->root, d, v, str) : scope_store(s, d, v, str);
    if (r != TERN_OK) return r;
    bump(s->root);
    return TERN_OK;
}

/* --- native ---------------------------------------------------------------------- */

/* The row of a native call's |id|, or the result to return. */
static tern_result native_def(int id, const tern_cfg_def **out)
{
    const tern_cfg_def *d = tern_cfg_def_of(id);
    if (!d || (d->flags & TERN_CFGF_RETIRED)) return TERN_INVALID_PARAM;
    if (!(d->flags & TERN_CFGF_IMPL)) return TERN_NOT_SUPPORTED;
    *out = d;
    return TERN_OK;
}

tern_result tern_cfg_set(tern_cfg_scope *s, int id, int type, const void *arg)
{
    const tern_cfg_def *d;
    tern_result r = native_def(id, &d);
    if (r != TERN_OK) return r;
    if (!s || (d->flags & TERN_CFGF_RO)) return TERN_INVALID_PARAM;
    return set_core(s, d, type, arg);
}

static size_t type_size(int type)
{
    switch (type) {
    case TERN_CFGT_INT64:
        return sizeof(int64_t);
    case TERN_CFGT_PTR:
        return sizeof(void *);
    default:
        return 4;
    }
}

/* Writes a scalar if it fits; *size = its size either way. */
static bool put_scalar(const tern_cfg_v *v, int type, void *out, size_t *size)
{
    size_t need = type_size(type);
    bool fits = out && *size >= need;
    if (fits) memcpy(out, v, need);
    *size = need;
    return fits;
}

/* Reads |d| at |s| into out/size: true when it fit. */
static bool get_value(const tern_cfg_scope *s, const tern_cfg_def *d, bool gns, void *out,
                      size_t *size, bool *here)
{
    if (d->type == TERN_CFGT_STRING) {
        size_t cap = out ? *size : 0;
        size_t len = str_read(s, d, out, cap, true, here);
        *size = len + 1;
        return out && cap > len;
    }
    tern_cfg_v v;
    if (d->id == TERN_OPT_MTU_DATA_SIZE)
        v.i32 = mtu_data_size(s, here);
    else
        v = effective(s, d, here);
    /* 0 is never a set value of these (clamped to >= 1024): it means unset */
    if (gns && (d->flags & TERN_CFGF_GNSDEF) && v.i32 == 0) v.i32 = (int32_t)d->gns_def;
    return put_scalar(&v, d->type, out, size);
}

tern_result tern_cfg_get(const tern_cfg_scope *s, int id, int32_t *type, void *out, size_t *size,
                         bool *inherited)
{
    const tern_cfg_def *d;
    tern_result r = native_def(id, &d);
    if (r != TERN_OK) return r;
    if (!s || !size) return TERN_INVALID_PARAM;
    if (d->scope == TERN_CFGS_GLOBAL && s->level != TERN_CFGS_GLOBAL) return TERN_INVALID_PARAM;
    if (type) *type = d->type;
    bool here;
    if (!get_value(s, d, false, out, size, &here)) return TERN_BUF_TOO_SMALL;
    if (inherited) *inherited = !here;
    return TERN_OK;
}

/* --- connection-layer hooks ------------------------------------------------------- */

static const tern_cfg_def *slot_def(const tern_cfg_scope *s, int id, bool user_ok)
{
    const tern_cfg_def *d = tern_cfg_def_of(id);
    if (!d || d->slot < 0 || s->level == TERN_CFGS_GLOBAL) return NULL;
    if (d->slot == TERN_CFG_SLOT_USER && !user_ok) return NULL;
    return d;
}

/* Store the effective value at |s| itself. */
static void pin(tern_cfg_scope *s, const tern_cfg_def *d)
{
    tern_cfg_v v = effective(s, d, NULL);
    scope_store(s, d, v, NULL); /* a slot: cannot fail */
}

tern_result tern_cfg_lock(tern_cfg_scope *s, int id)
{
    const tern_cfg_def *d = slot_def(s, id, false);
    if (!d) return TERN_INVALID_PARAM;
    if (!(s->set_mask & SLOT_BIT(d))) pin(s, d);
    s->lock_mask |= (uint8_t)SLOT_BIT(d);
    bump(s->root);
    return TERN_OK;
}

tern_result tern_cfg_unlock(tern_cfg_scope *s, int id)
{
    const tern_cfg_def *d = slot_def(s, id, false);
    if (!d) return TERN_INVALID_PARAM;
    s->lock_mask &= (uint8_t)~SLOT_BIT(d);
    bump(s->root);
    return TERN_OK;
}

tern_result tern_cfg_snapshot(tern_cfg_scope *s, int id)
{
    const tern_cfg_def *d = slot_def(s, id, true);
    if (!d) return TERN_INVALID_PARAM;
    pin(s, d);
    bump(s->root);
    return TERN_OK;
}

/* --- GNS-compatible ---------------------------------------------------------------- */

static const tern_cfg_def *gns_def(int id)
{
    const tern_cfg_def *d = tern_cfg_def_of(id);
    return d && (d->flags & TERN_CFGF_REG) ? d : NULL;
}

bool tern_cfg_gns_set(tern_cfg_scope *s, int id, int type, const void *arg)
{
    const tern_cfg_def *d = gns_def(id); /* MTU_DataSize is not registered: false */
    if (!d || !s) return false;
    return set_core(s, d, type, arg) == TERN_OK;
}

int tern_cfg_gns_get(const tern_cfg_scope *s, int id, int32_t *out_type, void *out, size_t *cb)
{
    if (!cb) return TERN_CFGR_TOO_SMALL;
    bool here;
    if (id == TERN_OPT_MTU_DATA_SIZE) {
        /* GNS reads MTU_PacketSize into a local: a bad scope leaves *cb and
         * the type alone */
        if (!s) return TERN_CFGR_BAD_SCOPE_OBJ;
        if (!get_value(s, tern_cfg_def_of(id), true, out, cb, &here)) return TERN_CFGR_TOO_SMALL;
        return here ? TERN_CFGR_OK : TERN_CFGR_OK_INHERITED;
    }
    const tern_cfg_def *d = gns_def(id);
    if (!d) return TERN_CFGR_BAD_VALUE;
    if (out_type) *out_type = d->type;
    if (!s || (d->scope == TERN_CFGS_GLOBAL && s->level != TERN_CFGS_GLOBAL)) {
        *cb = 0;
        return TERN_CFGR_BAD_SCOPE_OBJ;
    }
    if (!get_value(s, d, true, out, cb, &here)) return TERN_CFGR_TOO_SMALL;
    return here ? TERN_CFGR_OK : TERN_CFGR_OK_INHERITED;
}

const char *tern_cfg_gns_info(int id, int32_t *out_type, int32_t *out_scope)
{
    const tern_cfg_def *d = gns_def(id);
    if (!d) return NULL;
    if (out_type) *out_type = d->type;
    if (out_scope) *out_scope = d->scope;
    return d->name;
}

int tern_cfg_gns_next(int cur, bool dev)
{
    int i = 0;
    if (cur != TERN_OPT_INVALID) {
        if (!gns_def(cur)) return TERN_OPT_INVALID;
        i = tern_cfg_index(cur) + 1;
    }
    for (; i < TERN_CFG_NDEFS; i++) {
        const tern_cfg_def *d = &tern_cfg_defs[i];
        if (!(d->flags & TERN_CFGF_REG)) continue;
        if ((d->flags & TERN_CFGF_ENUM) || (dev && (d->flags & TERN_CFGF_DEV))) return d->id;
    }
    return TERN_OPT_INVALID;
}
