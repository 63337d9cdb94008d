/* The connection functions of the native API: argument checks, the lock,
 * handle lookups; the work is in the conn layer. */
#include <string.h>

#include "api/sockets.h"
#include "util/mem.h"

#define LOCKED_CONN(s, h, c)                                                                       \
    tern_conn *c;                                                                                  \
    if (!(s)) return TERN_INVALID_PARAM;                                                           \
    tern_api_lock(s);                                                                              \
    c = tern_inst_conn(&(s)->core, (h));                                                           \
    if (!c) {                                                                                      \
        tern_api_unlock(s);                                                                        \
        return TERN_BAD_HANDLE;                                                                    \
    }

TERN_API tern_result tern_listen_ip(tern_sockets *s, const tern_addr *local, int nopts,
                                    const tern_config_value *opts, uint32_t *out)
{
    if (!s || !local || !out || nopts < 0 || (nopts && !opts)) return TERN_INVALID_PARAM;
    *out = 0;
    tern_api_lock(s);
    tern_result r = tern_inst_listen(&s->core, tern_now(), local, nopts, opts, out);
    tern_api_unlock(s);
    return r;
}

TERN_API tern_result tern_listen_close(tern_sockets *s, uint32_t listen)
{
    if (!s) return TERN_INVALID_PARAM;
    tern_api_lock(s);
    tern_result r = tern_inst_listen_close(&s->core, tern_now(), listen);
    tern_api_unlock(s);
    return r;
}

TERN_API tern_result tern_listen_address(tern_sockets *s, uint32_t listen, tern_addr *out)
{
    if (!s || !out) return TERN_INVALID_PARAM;
    tern_api_lock(s);
    tern_listen *l = tern_handles_get(&s->core.listens, listen);
    if (l) *out = l->bound;
    tern_api_unlock(s);
    return l ? TERN_OK : TERN_BAD_HANDLE;
}

TERN_API tern_result tern_connect_ip(tern_sockets *s, const tern_addr *remote, int nopts,
                                     const tern_config_value *opts, uint32_t *out)
{
    if (!s || !remote || !out || nopts < 0 || (nopts && !opts)) return TERN_INVALID_PARAM;
    *out = 0;
    if (remote->port == 0 || tern_addr_is_ipv6_all_zeros(remote)) return TERN_INVALID_PARAM;
    tern_api_lock(s);
    tern_result r = tern_inst_connect(&s->core, tern_now(), remote, nopts, opts, out);
    tern_api_unlock(s);
    return r;
}

TERN_API tern_result tern_accept(tern_sockets *s, uint32_t conn)
{
    LOCKED_CONN(s, conn, c);
    tern_result r = tern_conn_accept(c, tern_now());
    tern_api_unlock(s);
    return r;
}

TERN_API tern_result tern_close(tern_sockets *s, uint32_t conn, int reason, const char *debug,
                                _Bool linger)
{
    LOCKED_CONN(s, conn, c);
    tern_result r = tern_conn_close(c, tern_now(), reason, debug, linger);
    tern_api_unlock(s);
    return r;
}

TERN_API tern_result tern_set_user_data(tern_sockets *s, uint32_t conn, int64_t data)
{
    LOCKED_CONN(s, conn, c);
    tern_conn_set_user_data(c, data);
    tern_api_unlock(s);
    return TERN_OK;
}

TERN_API int64_t tern_get_user_data(tern_sockets *s, uint32_t conn)
{
    if (!s) return -1;
    tern_api_lock(s);
    tern_conn *c = tern_inst_conn(&s->core, conn);
    int64_t v = c ? c->user_data : -1;
    tern_api_unlock(s);
    return v;
}

TERN_API tern_result tern_set_name(tern_sockets *s, uint32_t conn, const char *name)
{
    LOCKED_CONN(s, conn, c);
    size_t n = name ? strlen(name) : 0;
    if (n >= sizeof c->name) n = sizeof c->name - 1;
    if (n) memcpy(c->name, name, n);
    c->name[n] = 0;
    tern_api_unlock(s);
    return TERN_OK;
}

TERN_API tern_result tern_get_name(tern_sockets *s, uint32_t conn, char *buf, size_t cap)
{
    if (!buf || !cap) return TERN_INVALID_PARAM;
    LOCKED_CONN(s, conn, c);
    size_t n = strlen(c->name);
    if (n >= cap) n = cap - 1;
    memcpy(buf, c->name, n);
    buf[n] = 0;
    tern_api_unlock(s);
    return TERN_OK;
}

static tern_result send_locked(tern_sockets *s, tern_conn *c, uint16_t lane, const void *data,
                               uint32_t len, int flags, int64_t *msgnum)
{
    int64_t now = tern_now();
    tern_result r = tern_conn_send(c, now, lane, data, len, flags, msgnum);
    /* UseCurrentThread and NoNagle: do the packet work here, now, rather
     * than waking the service thread for it. */
    if (r == TERN_OK && (flags & (TERN_SEND_USE_CURRENT_THREAD | TERN_SEND_NO_NAGLE)) &&
        c->state == TERN_CS_CONNECTED) {
        tern_heap_remove(&s->core.timers, &c->timer);
        tern_conn_service(c, now);
    }
    return r;
}

TERN_API tern_result tern_send(tern_sockets *s, uint32_t conn, const void *data, uint32_t len,
                               int flags, int64_t *msgnum)
{
    return tern_send_lane(s, conn, 0, data, len, flags, msgnum);
}

TERN_API tern_result tern_send_lane(tern_sockets *s, uint32_t conn, uint16_t lane, const void *data,
                                    uint32_t len, int flags, int64_t *msgnum)
{
    if (len && !data) return TERN_INVALID_PARAM;
    LOCKED_CONN(s, conn, c);
    tern_result r = send_locked(s, c, lane, data, len, flags, msgnum);
    tern_api_unlock(s);
    return r;
}

TERN_API tern_message *tern_message_alloc(tern_sockets *s, uint32_t size)
{
    if (!s) return NULL;
    /* The pool is thread-safe; no instance lock needed. */
    tern_message *m = tern_msg_new(s->core.pool, size);
    if (m) m->channel = -1;
    return m;
}

TERN_API void tern_message_release(tern_message *msg)
{
    if (msg && msg->release) msg->release(msg);
}

TERN_API void tern_send_messages(tern_sockets *s, int n, tern_message *const *msgs,
                                 int64_t *results)
{
    if (!s || n <= 0 || !msgs) return;
    tern_api_lock(s);
    /* A connection that failed is marked with this call's number: its
     * later messages in the batch are not attempted (GNS keeps order per
     * connection this way). */
    uint64_t batch = ++s->send_batches;
    for (int i = 0; i < n; i++) {
        tern_message *m = msgs[i];
        int64_t res;
        tern_conn *c = m && m->conn ? tern_inst_conn(&s->core, m->conn) : NULL;
        if (!m || m->conn == 0) {
            res = -TERN_INVALID_PARAM;
        } else if (!c) {
            res = -TERN_BAD_HANDLE;
        } else if (c->failed_batch == batch) {
            res = 0;
        } else {
            int64_t num = 0;
            tern_result r = send_locked(s, c, m->lane, m->data, (uint32_t)m->size, m->flags, &num);
            res = r == TERN_OK ? num : -(int64_t)r;
            if (r != TERN_OK) c->failed_batch = batch;
        }
        if (results) results[i] = res;
    }
    tern_api_unlock(s);
    /* Sent ones were copied into the engine. Released outside the lock:
     * the application's free_data may call back into the library. */
    for (int i = 0; i < n; i++)
        if (msgs[i]) msgs[i]->release(msgs[i]);
}

TERN_API tern_result tern_flush(tern_sockets *s, uint32_t conn)
{
    LOCKED_CONN(s, conn, c);
    int64_t now = tern_now();
    tern_result r = tern_conn_flush(c, now);
    if (r == TERN_OK) {
        tern_heap_remove(&s->core.timers, &c->timer);
        tern_conn_service(c, now);
    }
    tern_api_unlock(s);
    return r;
}

TERN_API int tern_receive(tern_sockets *s, uint32_t conn, tern_message **out, int max)
{
    if (!s || max < 0 || (max && !out)) return -TERN_INVALID_PARAM;
    tern_api_lock(s);
    tern_conn *c = tern_inst_conn(&s->core, conn);
    int n = c ? tern_conn_receive(c, tern_now(), out, max) : -TERN_BAD_HANDLE;
    tern_api_unlock(s);
    return n;
}

TERN_API tern_result tern_configure_lanes(tern_sockets *s, uint32_t conn, int n,
                                          const int *priorities, const uint16_t *weights)
{
    LOCKED_CONN(s, conn, c);
    tern_result r = tern_conn_configure_lanes(c, n, priorities, weights);
    tern_api_unlock(s);
    return r;
}

TERN_API tern_result tern_get_info(tern_sockets *s, uint32_t conn, tern_conn_info *out)
{
    if (!out) return TERN_INVALID_PARAM;
    LOCKED_CONN(s, conn, c);
    tern_conn_fill_info(c, out);
    tern_api_unlock(s);
    return TERN_OK;
}

TERN_API tern_result tern_get_status(tern_sockets *s, uint32_t conn, tern_realtime_status *status,
                                     int nlanes, tern_lane_status *lanes)
{
    LOCKED_CONN(s, conn, c);
    tern_result r = tern_conn_status(c, tern_now(), status, nlanes, lanes);
    tern_api_unlock(s);
    return r;
}

TERN_API int tern_get_detailed_status(tern_sockets *s, uint32_t conn, char *buf, int cap)
{
    if (!s) return -1;
    tern_api_lock(s);
    tern_conn *c = tern_inst_conn(&s->core, conn);
    int r = c ? tern_conn_detailed_status(c, tern_now(), buf, cap) : -1;
    tern_api_unlock(s);
    return r;
}

TERN_API tern_result tern_socket_pair(tern_sockets *s, uint32_t *conn1, uint32_t *conn2,
                                      _Bool use_network, const tern_identity *id1,
                                      const tern_identity *id2)
{
    if (!s || !conn1 || !conn2) return TERN_INVALID_PARAM;
    *conn1 = *conn2 = 0;
    tern_api_lock(s);
    tern_result r =
        tern_inst_socket_pair(&s->core, tern_now(), use_network, id1, id2, conn1, conn2);
    tern_api_unlock(s);
    return r;
}

TERN_API tern_result tern_pollgroup_new(tern_sockets *s, uint32_t *out)
{
    if (!s || !out) return TERN_INVALID_PARAM;
    tern_api_lock(s);
    tern_result r = tern_inst_group_new(&s->core, out);
    tern_api_unlock(s);
    return r;
}

TERN_API tern_result tern_pollgroup_del(tern_sockets *s, uint32_t group)
{
    if (!s) return TERN_INVALID_PARAM;
    tern_api_lock(s);
    tern_result r = tern_inst_group_del(&s->core, group);
    tern_api_unlock(s);
    return r;
}

TERN_API tern_result tern_set_pollgroup(tern_sockets *s, uint32_t conn, uint32_t group)
{
    LOCKED_CONN(s, conn, c);
    tern_result r = tern_conn_set_group(c, group);
    tern_api_unlock(s);
    return r;
}

TERN_API int tern_receive_pollgroup(tern_sockets *s, uint32_t group, tern_message **out, int max)
{
    if (!s || max < 0 || (max && !out)) return -TERN_INVALID_PARAM;
    tern_api_lock(s);
    int n = tern_inst_group_receive(&s->core, tern_now(), group, out, max);
    tern_api_unlock(s);
    return n;
}
