/* Configuration through the native API: one process-wide root (GNS's
 * Global scope), and a scope per instance, listen socket and connection. */
#include <pthread.h>
#include <string.h>

#include "api/sockets.h"

static tern_cfg_global g_root;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void root_init(void)
{
    tern_cfg_global_init(&g_root, NULL);
}

tern_cfg_global *tern_api_root(void)
{
    pthread_once(&g_once, root_init);
    return &g_root;
}

/* The fake network options are global (GNS): the transport reloads them
 * whenever the root changes. */
void tern_api_load_fake(tern_sockets *s)
{
    const tern_cfg_scope *r = tern_cfg_root(tern_api_root());
    tern_fake_net f;
    memset(&f, 0, sizeof f);
    f.send.loss_pct = tern_cfg_f32(r, TERN_OPT_FAKE_PACKET_LOSS_SEND);
    f.recv.loss_pct = tern_cfg_f32(r, TERN_OPT_FAKE_PACKET_LOSS_RECV);
    f.send.lag_ms = tern_cfg_i32(r, TERN_OPT_FAKE_PACKET_LAG_SEND);
    f.recv.lag_ms = tern_cfg_i32(r, TERN_OPT_FAKE_PACKET_LAG_RECV);
    f.send.reorder_pct = tern_cfg_f32(r, TERN_OPT_FAKE_PACKET_REORDER_SEND);
    f.recv.reorder_pct = tern_cfg_f32(r, TERN_OPT_FAKE_PACKET_REORDER_RECV);
    f.send.reorder_ms = f.recv.reorder_ms = tern_cfg_i32(r, TERN_OPT_FAKE_PACKET_REORDER_TIME);
    f.send.dup_pct = tern_cfg_f32(r, TERN_OPT_FAKE_PACKET_DUP_SEND);
    f.recv.dup_pct = tern_cfg_f32(r, TERN_OPT_FAKE_PACKET_DUP_RECV);
    f.send.dup_max_ms = f.recv.dup_max_ms = tern_cfg_i32(r, TERN_OPT_FAKE_PACKET_DUP_TIME_MAX);
    f.send.jitter_avg_ms = tern_cfg_f32(r, TERN_OPT_FAKE_PACKET_JITTER_SEND_AVG);
    f.send.jitter_max_ms = tern_cfg_f32(r, TERN_OPT_FAKE_PACKET_JITTER_SEND_MAX);
    f.send.jitter_pct = tern_cfg_f32(r, TERN_OPT_FAKE_PACKET_JITTER_SEND_PCT);
    f.recv.jitter_avg_ms = tern_cfg_f32(r, TERN_OPT_FAKE_PACKET_JITTER_RECV_AVG);
    f.recv.jitter_max_ms = tern_cfg_f32(r, TERN_OPT_FAKE_PACKET_JITTER_RECV_MAX);
    f.recv.jitter_pct = tern_cfg_f32(r, TERN_OPT_FAKE_PACKET_JITTER_RECV_PCT);
    f.send.rate = tern_cfg_i32(r, TERN_OPT_FAKE_RATE_LIMIT_SEND_RATE);
    f.send.burst = tern_cfg_i32(r, TERN_OPT_FAKE_RATE_LIMIT_SEND_BURST);
    f.recv.rate = tern_cfg_i32(r, TERN_OPT_FAKE_RATE_LIMIT_RECV_RATE);
    f.recv.burst = tern_cfg_i32(r, TERN_OPT_FAKE_RATE_LIMIT_RECV_BURST);
    tern_tp_set_fake(s->tp, &f);
}

/* The scope a call names, with the instance lock taken when it is not the
 * root (*locked tells the caller to unlock). NULL: bad scope or object. */
static tern_cfg_scope *resolve(tern_sockets *s, int scope, intptr_t obj, bool *locked,
                               tern_conn **conn)
{
    *locked = false;
    *conn = NULL;
    if (scope == TERN_SCOPE_GLOBAL) return tern_cfg_root(tern_api_root());
    if (!s) return NULL;
    tern_api_lock(s);
    *locked = true;
    switch (scope) {
    case TERN_SCOPE_INSTANCE:
        return &s->core.cfg;
    case TERN_SCOPE_LISTEN: {
        tern_listen *l = tern_handles_get(&s->core.listens, (uint32_t)obj);
        return l ? &l->cfg : NULL;
    }
    case TERN_SCOPE_CONNECTION: {
        tern_conn *c = tern_inst_conn(&s->core, (uint32_t)obj);
        *conn = c;
        return c ? &c->cfg : NULL;
    }
    default:
        return NULL;
    }
}

TERN_API tern_result tern_config_set(tern_sockets *s, int scope, intptr_t obj, int id, int type,
                                     const void *value)
{
    bool locked;
    tern_conn *c;
    tern_cfg_scope *sc = resolve(s, scope, obj, &locked, &c);
    tern_result r = TERN_INVALID_PARAM;
    if (sc) {
        r = tern_cfg_set(sc, id, type, value);
        if (r == TERN_OK && c && id == TERN_OPT_CONNECTION_USER_DATA)
            tern_conn_set_user_data(c, tern_cfg_i64(sc, id));
        if (r == TERN_OK && c) tern_conn_refresh_opts(c);
    }
    if (locked) tern_api_unlock(s);
    if (r == TERN_OK && scope == TERN_SCOPE_GLOBAL && s) tern_api_load_fake(s);
    return r;
}

TERN_API tern_result tern_config_set_by_name(tern_sockets *s, int scope, intptr_t obj,
                                             const char *name, int type, const void *value)
{
    int id = tern_cfg_find(name);
    return id ? tern_config_set(s, scope, obj, id, type, value) : TERN_INVALID_PARAM;
}

TERN_API tern_result tern_config_set_i32(tern_sockets *s, int scope, intptr_t obj, int id,
                                         int32_t v)
{
    return tern_config_set(s, scope, obj, id, TERN_CONFIG_INT32, &v);
}

TERN_API tern_result tern_config_get(tern_sockets *s, int scope, intptr_t obj, int id, int *type,
                                     void *out, size_t *size, _Bool *inherited)
{
    if (!size) return TERN_INVALID_PARAM;
    bool locked;
    tern_conn *c;
    tern_cfg_scope *sc = resolve(s, scope, obj, &locked, &c);
    tern_result r = sc ? TERN_OK : TERN_INVALID_PARAM;
    if (sc) {
        int32_t t = 0;
        bool inh = false;
        r = tern_cfg_get(sc, id, &t, out, size, &inh);
        if (type) *type = t;
        if (inherited) *inherited = inh;
    }
    if (locked) tern_api_unlock(s);
    return r;
}

TERN_API const char *tern_config_name(int id)
{
    const tern_cfg_def *d = tern_cfg_def_of(id);
    return d && !(d->flags & TERN_CFGF_RETIRED) ? d->name : NULL;
}

TERN_API int tern_config_id_by_name(const char *name)
{
    return tern_cfg_find(name);
}
