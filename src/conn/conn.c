/* Connections: lifecycle, the state machine's transitions and the events
 * they queue, closing, the send path into the SNP engine, and the receive
 * queues. */
#include <stdio.h>
#include <string.h>

#include "conn/conn.h"
#include "crypto/rand.h"
#include "util/mem.h"
#include "wire/identity.h"

void tern_conn_opts_default(tern_conn_opts *o)
{
    memset(o, 0, sizeof *o);
    o->mtu = 1300;
    o->nagle_usec = 5000;
    o->send_buffer = 524288;
    o->recv_buffer = 1048576;
    o->recv_buffer_msgs = 1000;
    o->recv_max_msg = 524288;
    o->recv_max_segs = 1300;
    o->timeout_initial_ms = 10000;
    o->timeout_connected_ms = 10000;
    o->allow_without_auth = 2;
    o->localhost_allow_without_auth = 2;
    o->send_time_since_prev = -1;
    o->user_data = -1;
}

void tern_conn_opts_load(const tern_cfg_scope *s, tern_conn_opts *o)
{
    o->mtu = tern_cfg_i32(s, TERN_OPT_MTU_PACKET_SIZE);
    o->nagle_usec = tern_cfg_i32(s, TERN_OPT_NAGLE_TIME);
    o->send_buffer = tern_cfg_i32(s, TERN_OPT_SEND_BUFFER_SIZE);
    o->recv_buffer = tern_cfg_i32(s, TERN_OPT_RECV_BUFFER_SIZE);
    o->recv_buffer_msgs = tern_cfg_i32(s, TERN_OPT_RECV_BUFFER_MESSAGES);
    o->recv_max_msg = tern_cfg_i32(s, TERN_OPT_RECV_MAX_MESSAGE_SIZE);
    o->recv_max_segs = tern_cfg_i32(s, TERN_OPT_RECV_MAX_SEGMENTS_PER_PACKET);
    o->rate_min = tern_cfg_i32(s, TERN_OPT_SEND_RATE_MIN);
    o->rate_max = tern_cfg_i32(s, TERN_OPT_SEND_RATE_MAX);
    o->timeout_initial_ms = tern_cfg_i32(s, TERN_OPT_TIMEOUT_INITIAL);
    o->timeout_connected_ms = tern_cfg_i32(s, TERN_OPT_TIMEOUT_CONNECTED);
    o->unencrypted = tern_cfg_i32(s, TERN_OPT_UNENCRYPTED);
    o->allow_without_auth = tern_cfg_i32(s, TERN_OPT_IP_ALLOW_WITHOUT_AUTH);
    o->localhost_allow_without_auth = tern_cfg_i32(s, TERN_OPT_IP_LOCALHOST_ALLOW_WITHOUT_AUTH);
    o->send_time_since_prev = tern_cfg_i32(s, TERN_OPT_SEND_TIME_SINCE_PREVIOUS_PACKET);
    o->user_data = tern_cfg_i64(s, TERN_OPT_CONNECTION_USER_DATA);
}

tern_result tern_cfg_apply(tern_cfg_scope *s, int nopts, const tern_config_value *opts)
{
    if (nopts < 0 || (nopts && !opts)) return TERN_INVALID_PARAM;
    for (int i = 0; i < nopts; i++) {
        const tern_config_value *v = &opts[i];
        const void *arg =
            v->type == TERN_CONFIG_STRING ? (const void *)v->val.str : (const void *)&v->val;
        tern_result r = tern_cfg_set(s, v->id, v->type, arg);
        if (r != TERN_OK) return r == TERN_NOT_SUPPORTED ? r : TERN_INVALID_PARAM;
    }
    return TERN_OK;
}

void tern_conn_refresh_opts(tern_conn *c)
{
    uint32_t g = tern_cfg_generation(&c->cfg);
    if (g == c->cfg_gen) return;
    c->cfg_gen = g;
    tern_conn_opts_load(&c->cfg, &c->opts);
    if (!c->snp_ready) return;
    /* What may change on a live connection: pacing bounds, Nagle, buffer
     * limits. The MTU of a running connection stays as negotiated. */
    tern_snp_cfg *sc = &c->snp.cfg;
    sc->nagle_usec = c->opts.nagle_usec;
    sc->send_buffer = c->opts.send_buffer;
    sc->recv_buffer = c->opts.recv_buffer;
    sc->recv_buffer_msgs = c->opts.recv_buffer_msgs;
    sc->recv_max_msg = c->opts.recv_max_msg;
    sc->recv_max_segs = c->opts.recv_max_segs;
    if (sc->rate_min != c->opts.rate_min || sc->rate_max != c->opts.rate_max) {
        sc->rate_min = c->opts.rate_min;
        sc->rate_max = c->opts.rate_max;
        tern_cc_set_rate_bounds(&c->snp.cc, sc->rate_min, sc->rate_max);
    }
}

int tern_cstate_api(int state)
{
    return state > 0 ? state : TERN_STATE_NONE;
}

tern_result tern_inst_rand(tern_inst *in, void *out, size_t n)
{
    return in->rand_bytes ? in->rand_bytes(in->rand_ctx, out, n) : tern_rand_bytes(out, n);
}

const tern_hs_secrets *tern_inst_hs_secrets(tern_inst *in, tern_hs_secrets *buf)
{
    if (!in->rand_bytes) return NULL;
    if (in->rand_bytes(in->rand_ctx, buf, sizeof *buf) != TERN_OK) return NULL;
    return buf;
}

uint32_t tern_random_conn_id(tern_inst *in)
{
    /* Both 16-bit halves non-zero (GNS rejects a server ID with a zero low
     * half; the low half is its handle-table key). */
    for (;;) {
        uint32_t id = 0;
        if (tern_inst_rand(in, &id, sizeof id) != TERN_OK) id = 0x1234abcd;
        if ((id & 0xffff) && (id >> 16)) return id;
    }
}

void tern_conn_schedule(tern_conn *c, int64_t when)
{
    if (c->timer.idx && c->timer.key <= when) return;
    tern_heap_set(&c->inst->timers, c->inst->mem, &c->timer, when);
}

int64_t tern_timer_coarse(int64_t now, int64_t when, bool late_phase)
{
    int64_t ahead = when - now;
    if (ahead < TERN_COARSE_AFTER_USEC || when > INT64_MAX / 2) return when;
    int64_t grain = 1;
    while (grain <= ahead / 64) grain *= 2; /* the largest power of two <= ahead / 32 */
    int64_t off = late_phase ? grain / 2 : 0;
    return ((when - off + grain - 1) & ~(grain - 1)) + off;
}

void tern_conn_trim(tern_conn *c, int64_t now)
{
    if (c->state != TERN_CS_CONNECTED || !c->snp_ready) return;
    /* A connection that trades a message now and then keeps its buffers:
     * trimming is for connections that only exchange keepalives, never a
     * cost per message. */
    if (now - c->last_msg < TERN_IDLE_TRIM_USEC) return;
    /* At most once per TERN_IDLE_TRIM_USEC: the cipher contexts freed here
     * are made again by the next packet each way, so a peer that sends
     * empty packets quickly must not turn that into a context per packet.
     * A keepalive exchange (every TERN_KEEPALIVE_USEC) makes each context
     * once and frees it once. */
    if (now - c->trimmed_at < TERN_IDLE_TRIM_USEC) return;
    if (c->live.reply_deadline != INT64_MAX || !tern_snp_quiescent(&c->snp)) return;
    c->trimmed_at = now;
    tern_snp_trim(&c->snp);
    if (c->aead_ready) tern_aead_trim(&c->aead);
}

tern_conn *tern_conn_new(tern_inst *in, int64_t now, tern_cfg_scope *parent, int nopts,
                         const tern_config_value *opts, tern_result *err)
{
    *err = TERN_NOMEM;
    tern_conn *c = tern_calloc(in->mem, 1, sizeof *c);
    if (!c) return NULL;
    c->inst = in;
    tern_cfg_init(&c->cfg, parent, TERN_CFGS_CONN, in->mem);
    tern_result r = tern_cfg_apply(&c->cfg, nopts, opts);
    if (r != TERN_OK) {
        tern_cfg_free(&c->cfg);
        tern_free(in->mem, c);
        *err = r;
        return NULL;
    }
    /* GNS fixes the user data when the connection is created. */
    tern_cfg_snapshot(&c->cfg, TERN_OPT_CONNECTION_USER_DATA);
    c->cfg_gen = tern_cfg_generation(&c->cfg);
    tern_conn_opts_load(&c->cfg, &c->opts);
    c->handle = tern_handles_add(&in->conns, in->mem, c);
    if (!c->handle) {
        tern_cfg_free(&c->cfg);
        tern_free(in->mem, c);
        return NULL;
    }
    c->last_handle = c->handle;
    c->user_data = c->opts.user_data;
    c->created = c->state_since = c->last_msg = c->trimmed_at = now;
    c->local_id = tern_random_conn_id(in);
    c->handshake_rtt = -1;
    c->ping_est_ms = -1;
    c->live.reply_deadline = INT64_MAX;
    c->live.last_recv = now;
    c->quality_remote = -1;
    c->rate_stamp = now;
    tern_identity_clear(&c->remote_identity);
    tern_identity_clear(&c->expected_identity);
    *err = TERN_OK;
    return c;
}

/* --- events ----------------------------------------------------------------------- */

/* Truncating copy (descriptions and debug texts are cut, never overrun). */
static void copy_trunc(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static void describe(const tern_conn *c, char *out, size_t cap)
{
    char addr[TERN_ADDR_STRLEN], id[TERN_IDENTITY_STRLEN], tmp[512];
    int k;
    if (c->is_pipe) {
        k = snprintf(tmp, sizeof tmp, "#%u pipe", c->last_handle);
    } else {
        tern_addr_to_string(&c->remote, addr, sizeof addr, true);
        const tern_addr *ip = tern_identity_get_ip_addr(&c->remote_identity);
        if (tern_identity_is_invalid(&c->remote_identity)) {
            k = snprintf(tmp, sizeof tmp, "#%u UDP invalid@%s", c->last_handle, addr);
        } else if (ip && tern_addr_equal(ip, &c->remote)) {
            k = snprintf(tmp, sizeof tmp, "#%u UDP %s", c->last_handle, addr);
        } else {
            tern_identity_to_string(&c->remote_identity, id, sizeof id);
            k = snprintf(tmp, sizeof tmp, "#%u UDP %s@%s", c->last_handle, id, addr);
        }
    }
    if (c->name[0] && k > 0 && (size_t)k < sizeof tmp)
        snprintf(tmp + k, sizeof tmp - (size_t)k, " '%.32s'", c->name);
    copy_trunc(out, cap, tmp);
}

void tern_conn_fill_info(const tern_conn *c, tern_conn_info *out)
{
    memset(out, 0, sizeof *out);
    out->identity_remote = c->remote_identity;
    out->user_data = c->user_data;
    out->listen_socket = c->listen;
    if (!c->is_pipe) out->addr_remote = c->remote;
    out->state = tern_cstate_api(c->state);
    out->end_reason = c->end_reason;
    memcpy(out->end_debug, c->end_debug, sizeof out->end_debug);
    describe(c, out->description, sizeof out->description);
    int flags = 0;
    if (c->is_pipe) {
        flags = TERN_INFO_LOOPBACK_BUFFERS | TERN_INFO_FAST;
    } else {
        if (c->unauthenticated || tern_identity_is_invalid(&c->remote_identity) ||
            c->remote_identity.type == TERN_ID_IP)
            flags |= TERN_INFO_UNAUTHENTICATED;
        if (c->aead_ready && c->aead.cipher == TERN_CIPHER_NULL) flags |= TERN_INFO_UNENCRYPTED;
        if (tern_addr_is_localhost(&c->remote) ||
            (c->snp_ready && tern_rtt_known(&c->snp.rtt) && c->snp.rtt.smoothed < 5000))
            flags |= TERN_INFO_FAST;
    }
    out->flags = flags;
}

static void queue_event(tern_conn *c, int old_api, int new_api)
{
    tern_inst *in = c->inst;
    /* Read now, not from the cached options: GNS looks the callback up
     * when it posts, so one set globally after the connection was made
     * still gets this change. */
    void *cb = tern_cfg_ptr(&c->cfg, TERN_OPT_CALLBACK_CONNECTION_STATUS_CHANGED);
    if (!cb && !in->want_events) return; /* nobody listens: GNS queues nothing */
    tern_event *e = tern_malloc(in->mem, sizeof *e);
    if (!e) return;
    e->next = NULL;
    e->gns_cb = cb;
    e->ev.conn = c->last_handle;
    tern_conn_fill_info(c, &e->ev.info);
    e->ev.info.state = new_api;
    e->ev.old_state = old_api;
    if (in->ev_tail)
        in->ev_tail->next = e;
    else
        in->ev_head = e;
    in->ev_tail = e;
    in->nevents++;
}

void tern_conn_set_state(tern_conn *c, int64_t now, int state)
{
    int old = c->state;
    if (old == state) return;
    c->state = (int8_t)state;
    c->state_since = now;
    int a_old = tern_cstate_api(old), a_new = tern_cstate_api(state);
    /* Only a change the application can see is an event; once it closed
     * the handle (handle 0) it hears nothing more. */
    if (a_old != a_new && c->handle) queue_event(c, a_old, a_new);
}

/* --- teardown ------------------------------------------------------------------------ */

static void drop_queue(tern_conn *c);

void tern_conn_destroy(tern_conn *c)
{
    tern_inst *in = c->inst;
    tern_heap_remove(&in->timers, &c->timer);
    if (c->handle) tern_handles_remove(&in->conns, c->handle);
    if (c->lsock) {
        if (tern_addrmap_get(&c->lsock->by_addr, &c->remote) == c)
            tern_addrmap_del(&c->lsock->by_addr, &c->remote);
        tern_listen_unpend(c);
    } else if (!c->is_server && !c->is_pipe && c->sock) {
        tern_inst_sock_set(in, c->sock, 0, NULL);
        in->tx.close(in->tx.ctx, c->sock);
    }
    if (c->pipe_peer) c->pipe_peer->pipe_peer = NULL;
    tern_free(in->mem, c->pipe_msgnum);
    drop_queue(c);
    if (c->hs) {
        tern_hs_local_free(c->hs);
        tern_free(in->mem, c->hs);
    }
    tern_free(in->mem, c->hs_ok);
    tern_free(in->mem, c->peer);
    if (c->aead_ready) tern_aead_free(&c->aead);
    if (c->snp_ready) tern_snp_free(&c->snp);
    tern_cfg_free(&c->cfg);
    /* unlink from the closing list */
    if (c->closing_pprev) {
        *c->closing_pprev = c->closing_next;
        if (c->closing_next) c->closing_next->closing_pprev = c->closing_pprev;
    }
    tern_free(in->mem, c);
}

/* A local problem (timeout, decode error, failed crypto): tell the peer,
 * enter ProblemDetectedLocally, and let the application close it. */
void tern_conn_problem(tern_conn *c, int64_t now, int reason, const char *debug)
{
    if (c->state != TERN_CS_CONNECTING && c->state != TERN_CS_CONNECTED &&
        c->state != TERN_CS_FINDING_ROUTE && c->state != TERN_CS_LINGER)
        return;
    c->end_reason = reason;
    snprintf(c->end_debug, sizeof c->end_debug, "%s", debug ? debug : "");
    tern_inst_logf(c->inst, TERN_LOG_MSG, "[#%u] problem detected locally (%d): %s", c->last_handle,
                   reason, c->end_debug);
    if (c->pipe_peer) {
        tern_conn *p = c->pipe_peer;
        p->end_reason = reason;
        snprintf(p->end_debug, sizeof p->end_debug, "%s", c->end_debug);
        tern_conn_set_state(p, now, TERN_CS_CLOSED_BY_PEER);
    }
    if (c->state == TERN_CS_LINGER) {
        tern_conn_finwait(c, now, !c->pipe_peer);
    } else {
        if (!c->pipe_peer) tern_conn_send_closed(c);
        tern_conn_set_state(c, now, TERN_CS_PROBLEM);
    }
    tern_conn_schedule(c, now);
}

static void fix_reason(int *reason, const char **debug)
{
    if (*reason == 0) *reason = TERN_END_APP_GENERIC;
    if (*reason < 1000 || *reason > 2999) {
        *reason = 1999;
        *debug = "Invalid numeric reason code";
    }
    if (!*debug || !**debug)
        *debug = *reason >= 2000 ? "Application closed connection in an unusual way"
                                 : "Application closed connection";
}

tern_result tern_conn_close(tern_conn *c, int64_t now, int reason, const char *debug, bool linger)
{
    tern_inst *in = c->inst;
    int st = c->state;
    bool open = st == TERN_CS_CONNECTING || st == TERN_CS_CONNECTED || st == TERN_CS_FINDING_ROUTE;
    if (open) {
        fix_reason(&reason, &debug);
        c->end_reason = reason;
        snprintf(c->end_debug, sizeof c->end_debug, "%s", debug);
    }
    /* The application sees NONE from now on: the event goes out while the
     * handle is still attached, then the handle is freed. */
    int a_old = tern_cstate_api(st);
    if (a_old != TERN_STATE_NONE && c->handle) queue_event(c, a_old, TERN_STATE_NONE);
    tern_handles_remove(&in->conns, c->handle);
    c->handle = 0;
    drop_queue(c);
    if (c->group) tern_conn_set_group(c, 0);
    tern_listen_unpend(c);

    if (c->is_pipe) {
        if (c->pipe_peer && open) {
            tern_conn *p = c->pipe_peer;
            p->end_reason = c->end_reason;
            snprintf(p->end_debug, sizeof p->end_debug, "%s", c->end_debug);
            tern_conn_set_state(p, now, TERN_CS_CLOSED_BY_PEER);
        }
        tern_conn_destroy(c);
        return TERN_OK;
    }
    c->closing_next = in->closing;
    if (in->closing) in->closing->closing_pprev = &c->closing_next;
    c->closing_pprev = &in->closing;
    in->closing = c;
    if (open && linger && st == TERN_CS_CONNECTED && c->snp_ready &&
        tern_snp_reliable_outstanding(&c->snp)) {
        /* Linger: keep sending until every reliable byte is acknowledged;
         * incoming message data is dropped (GNS does the same). */
        c->snp.rx_enabled = false;
        tern_snp_flush(&c->snp);
        c->state = TERN_CS_LINGER;
        c->state_since = now;
        tern_conn_schedule(c, now);
        return TERN_OK;
    }
    if (st == TERN_CS_CLOSED_BY_PEER) tern_conn_reply_no_connection(c, c->local_id, c->remote_id);
    tern_conn_finwait(c, now, st != TERN_CS_CLOSED_BY_PEER);
    return TERN_OK;
}

void tern_conn_finwait(tern_conn *c, int64_t now, bool resend)
{
    if (resend) tern_conn_send_closed(c);
    c->state = TERN_CS_FIN_WAIT;
    c->state_since = now;
    c->finwait_until = now + TERN_FIN_WAIT_USEC;
    c->close_resends = resend ? TERN_CLOSE_RESENDS : 0;
    int64_t gap = TERN_CLOSE_RESEND_USEC;
    if (c->snp_ready && tern_rtt_known(&c->snp.rtt) && 2 * c->snp.rtt.smoothed > gap)
        gap = 2 * c->snp.rtt.smoothed;
    c->close_resend_gap = gap;
    c->close_resend_at = now + gap;
    /* Every packet in FinWait is answered from the ids alone. Freed now
     * rather than in 5 s: a server that closes connections at a high rate
     * would otherwise hold 5 s worth of engines and cipher contexts, and its
     * heap would keep growing (on this kind of machine a fresh page costs a
     * 20 us fault). */
    tern_inst *in = c->inst;
    if (c->snp_ready) {
        tern_snp_free(&c->snp);
        c->snp_ready = false;
    }
    if (c->aead_ready) {
        tern_aead_free(&c->aead);
        c->aead_ready = false;
    }
    if (c->hs) {
        tern_hs_local_free(c->hs);
        tern_free(in->mem, c->hs);
        c->hs = NULL;
    }
    tern_free(in->mem, c->hs_ok);
    c->hs_ok = NULL;
    tern_free(in->mem, c->peer);
    c->peer = NULL;
    tern_conn_schedule(c, c->close_resends ? c->close_resend_at : c->finwait_until);
}

int64_t tern_conn_finwait_resend(tern_conn *c, int64_t now)
{
    if (!c->close_resends) return INT64_MAX;
    if (now >= c->close_resend_at) {
        tern_conn_send_closed(c);
        c->close_resends--;
        c->close_resend_gap *= 2;
        c->close_resend_at = now + c->close_resend_gap;
    }
    return c->close_resends ? c->close_resend_at : INT64_MAX;
}

/* --- sending ---------------------------------------------------------------------------- */

static tern_result pipe_send(tern_conn *c, int64_t now, uint16_t lane, const void *data,
                             uint32_t len, int flags, int64_t *msgnum)
{
    tern_conn *p = c->pipe_peer;
    if (!p) return TERN_NO_CONNECTION;
    tern_message *m = tern_msg_new(c->inst->pool, len);
    if (!m) return TERN_NOMEM;
    if (len) memcpy(m->data, data, len);
    if (!c->pipe_msgnum) {
        c->pipe_msgnum = tern_calloc(c->inst->mem, TERN_SNP_MAX_LANES, sizeof *c->pipe_msgnum);
        if (!c->pipe_msgnum) {
            m->release(m);
            return TERN_NOMEM;
        }
    }
    int64_t n = ++c->pipe_msgnum[lane];
    m->message_number = n;
    m->lane = lane;
    m->flags = flags & TERN_SEND_RELIABLE;
    m->time_received = now;
    m->conn = p->handle;
    m->peer = p->remote_identity;
    m->conn_user_data = p->user_data;
    tern_msg *tm = tern_msg_of(m);
    tm->q_conn.prev = p->q_tail;
    tm->in_conn_q = 1;
    if (p->q_tail)
        p->q_tail->q_conn.next = tm;
    else
        p->q_head = tm;
    p->q_tail = tm;
    p->q_count++;
    c->inst->queued_msgs++;
    if (p->group) {
        tern_group *g = tern_handles_get(&c->inst->groups, p->group);
        if (g) {
            tm->q_group.prev = g->tail;
            tm->in_group_q = 1;
            if (g->tail)
                g->tail->q_group.next = tm;
            else
                g->head = tm;
            g->tail = tm;
            g->count++;
        }
    }
    c->pkts_sent++;
    c->bytes_sent += len;
    if (msgnum) *msgnum = n;
    return TERN_OK;
}

tern_result tern_conn_send(tern_conn *c, int64_t now, uint16_t lane, const void *data, uint32_t len,
                           int flags, int64_t *msgnum)
{
    if (len && !data) return TERN_INVALID_PARAM;
    switch (c->state) {
    case TERN_CS_CONNECTED:
        break;
    case TERN_CS_CONNECTING:
    case TERN_CS_FINDING_ROUTE:
        if (flags & TERN_SEND_NO_DELAY) return TERN_IGNORED;
        break;
    case TERN_CS_CLOSED_BY_PEER:
    case TERN_CS_PROBLEM:
        return TERN_NO_CONNECTION;
    default:
        return TERN_INVALID_STATE;
    }
    if (len > TERN_SNP_MAX_MSG_SEND) return TERN_MSG_TOO_BIG;
    if (c->is_pipe) {
        if (lane >= c->pipe_lanes) return TERN_INVALID_PARAM;
        return pipe_send(c, now, lane, data, len, flags, msgnum);
    }
    if (!c->snp_ready) {
        /* Before the handshake finishes, messages wait in an engine created
         * early with our defaults; the peer's version arrives with ConnectOK. */
        tern_result r = tern_conn_start_snp(c, now);
        if (r != TERN_OK) return r;
    }
    tern_result r = tern_snp_send(&c->snp, now, data, len, flags, lane, msgnum);
    if (r == TERN_OK) c->last_msg = now;
    if (r == TERN_OK && c->state == TERN_CS_CONNECTED) tern_conn_schedule(c, now);
    return r;
}

tern_result tern_conn_flush(tern_conn *c, int64_t now)
{
    if (c->state == TERN_CS_CLOSED_BY_PEER || c->state == TERN_CS_PROBLEM)
        return TERN_NO_CONNECTION;
    if (c->state == TERN_CS_CONNECTING || c->state == TERN_CS_FINDING_ROUTE) {
        if (c->snp_ready) tern_snp_flush(&c->snp);
        return TERN_IGNORED;
    }
    if (c->state != TERN_CS_CONNECTED) return TERN_INVALID_STATE;
    if (c->snp_ready) {
        tern_snp_flush(&c->snp);
        tern_conn_schedule(c, now);
    }
    return TERN_OK;
}

tern_result tern_conn_configure_lanes(tern_conn *c, int n, const int *prio, const uint16_t *w)
{
    if (c->state != TERN_CS_CONNECTED && c->state != TERN_CS_CONNECTING &&
        c->state != TERN_CS_FINDING_ROUTE)
        return TERN_INVALID_STATE;
    if (c->is_pipe) {
        /* The engine's rules, though a pipe has no scheduler to use them. */
        if (n < 1 || n > TERN_SNP_MAX_LANES || n < c->pipe_lanes) return TERN_INVALID_PARAM;
        for (int i = 0; w && i < n; i++)
            if (w[i] == 0) return TERN_INVALID_PARAM;
        c->pipe_lanes = (uint16_t)n;
        return TERN_OK;
    }
    if (!c->snp_ready) {
        tern_result r = tern_conn_start_snp(c, c->state_since);
        if (r != TERN_OK) return r;
    }
    tern_result r = tern_snp_configure_lanes(&c->snp, n, prio, w);
    if (r == TERN_FAIL)
        tern_conn_problem(c, c->state_since, TERN_END_REMOTE_BAD_PROTOCOL,
                          "Peer is too old to understand lanes");
    return r;
}

void tern_conn_set_user_data(tern_conn *c, int64_t v)
{
    c->user_data = v;
    for (tern_msg *m = c->q_head; m; m = m->q_conn.next) m->pub.conn_user_data = v;
}

/* --- receive queues -------------------------------------------------------------------------- */

static void unlink_conn_q(tern_conn *c, tern_msg *m)
{
    if (!m->in_conn_q) return;
    if (m->q_conn.prev)
        m->q_conn.prev->q_conn.next = m->q_conn.next;
    else
        c->q_head = m->q_conn.next;
    if (m->q_conn.next)
        m->q_conn.next->q_conn.prev = m->q_conn.prev;
    else
        c->q_tail = m->q_conn.prev;
    m->q_conn.prev = m->q_conn.next = NULL;
    m->in_conn_q = 0;
    c->q_count--;
    c->inst->queued_msgs--;
}

static void unlink_group_q(tern_group *g, tern_msg *m)
{
    if (!m->in_group_q) return;
    if (m->q_group.prev)
        m->q_group.prev->q_group.next = m->q_group.next;
    else
        g->head = m->q_group.next;
    if (m->q_group.next)
        m->q_group.next->q_group.prev = m->q_group.prev;
    else
        g->tail = m->q_group.prev;
    m->q_group.prev = m->q_group.next = NULL;
    m->in_group_q = 0;
    g->count--;
}

static void append_group(tern_group *g, tern_msg *m)
{
    m->q_group.prev = g->tail;
    m->q_group.next = NULL;
    m->in_group_q = 1;
    if (g->tail)
        g->tail->q_group.next = m;
    else
        g->head = m;
    g->tail = m;
    g->count++;
}

/* The engine's delivery callback: a whole message for the application. */
void tern_conn_deliver(void *user, tern_message *pub);
void tern_conn_deliver(void *user, tern_message *pub)
{
    tern_conn *c = user;
    tern_msg *m = tern_msg_of(pub);
    pub->conn = c->handle ? c->handle : c->last_handle;
    pub->peer = c->remote_identity;
    pub->conn_user_data = c->user_data;
    c->last_msg = pub->time_received;
    if (!c->handle) { /* closed by the application: nobody will read it */
        pub->release(pub);
        return;
    }
    m->q_conn.prev = c->q_tail;
    m->q_conn.next = NULL;
    m->in_conn_q = 1;
    if (c->q_tail)
        c->q_tail->q_conn.next = m;
    else
        c->q_head = m;
    c->q_tail = m;
    c->q_count++;
    c->inst->queued_msgs++;
    if (c->group) {
        tern_group *g = tern_handles_get(&c->inst->groups, c->group);
        if (g) append_group(g, m);
    }
}

static void consumed(tern_conn *c, int64_t now, uint64_t bytes, uint32_t n)
{
    if (!c->snp_ready) return;
    tern_snp_rx rx;
    if (tern_snp_consumed(&c->snp, now, bytes, n, &rx) != TERN_OK)
        tern_conn_problem(c, now, rx.end_reason, rx.debug);
}

static void drop_queue(tern_conn *c)
{
    tern_group *g = c->group ? tern_handles_get(&c->inst->groups, c->group) : NULL;
    while (c->q_head) {
        tern_msg *m = c->q_head;
        unlink_conn_q(c, m);
        if (g) unlink_group_q(g, m);
        m->pub.release(&m->pub);
    }
}

int tern_conn_receive(tern_conn *c, int64_t now, tern_message **out, int max)
{
    tern_group *g = c->group ? tern_handles_get(&c->inst->groups, c->group) : NULL;
    int n = 0;
    uint64_t bytes = 0;
    while (n < max && c->q_head) {
        tern_msg *m = c->q_head;
        unlink_conn_q(c, m);
        if (g) unlink_group_q(g, m);
        bytes += (uint64_t)m->pub.size;
        out[n++] = &m->pub;
    }
    if (n) consumed(c, now, bytes, (uint32_t)n);
    return n;
}

tern_result tern_inst_group_new(tern_inst *in, uint32_t *out)
{
    tern_group *g = tern_calloc(in->mem, 1, sizeof *g);
    if (!g) return TERN_NOMEM;
    g->handle = tern_handles_add(&in->groups, in->mem, g);
    if (!g->handle) {
        tern_free(in->mem, g);
        return TERN_NOMEM;
    }
    *out = g->handle;
    return TERN_OK;
}

tern_result tern_inst_group_del(tern_inst *in, uint32_t handle)
{
    tern_group *g = tern_handles_get(&in->groups, handle);
    if (!g) return TERN_BAD_HANDLE;
    for (uint32_t h = tern_handles_next(&in->conns, 0); h; h = tern_handles_next(&in->conns, h)) {
        tern_conn *c = tern_handles_get(&in->conns, h);
        if (c && c->group == handle) c->group = 0;
    }
    while (g->head) unlink_group_q(g, g->head);
    tern_handles_remove(&in->groups, handle);
    tern_free(in->mem, g);
    return TERN_OK;
}

tern_result tern_conn_set_group(tern_conn *c, uint32_t group)
{
    tern_inst *in = c->inst;
    tern_group *ng = NULL;
    if (group) {
        ng = tern_handles_get(&in->groups, group);
        if (!ng) return TERN_BAD_HANDLE;
    }
    tern_group *og = c->group ? tern_handles_get(&in->groups, c->group) : NULL;
    if (og)
        for (tern_msg *m = c->q_head; m; m = m->q_conn.next) unlink_group_q(og, m);
    c->group = group;
    /* Messages already waiting move with the connection, in arrival order
     * among themselves. */
    if (ng)
        for (tern_msg *m = c->q_head; m; m = m->q_conn.next) append_group(ng, m);
    return TERN_OK;
}

int tern_inst_group_receive(tern_inst *in, int64_t now, uint32_t group, tern_message **out, int max)
{
    tern_group *g = tern_handles_get(&in->groups, group);
    if (!g) return -TERN_BAD_HANDLE;
    int n = 0;
    while (n < max && g->head) {
        tern_msg *m = g->head;
        unlink_group_q(g, m);
        tern_conn *c = tern_handles_get(&in->conns, m->pub.conn);
        if (c) {
            unlink_conn_q(c, m);
            consumed(c, now, (uint64_t)m->pub.size, 1);
        }
        out[n++] = &m->pub;
    }
    return n;
}

/* --- status ----------------------------------------------------------------------------------- */

static void update_rates(tern_conn *c, int64_t now)
{
    int64_t dt = now - c->rate_stamp;
    if (dt < 1000000) return;
    uint64_t po = c->pkts_sent, bo = c->bytes_sent, pi = c->pkts_recv, bi = c->bytes_recv;
    if (c->snp_ready) {
        po = c->snp.stats.pkts_sent;
        bo = c->snp.stats.bytes_sent;
        pi = c->snp.stats.pkts_recv;
        bi = c->snp.stats.bytes_recv;
    }
    double s = (double)dt / 1e6;
    c->out_pps = (float)((double)(po - c->rate_pkts_out) / s);
    c->out_bps = (float)((double)(bo - c->rate_bytes_out) / s);
    c->in_pps = (float)((double)(pi - c->rate_pkts_in) / s);
    c->in_bps = (float)((double)(bi - c->rate_bytes_in) / s);
    c->rate_pkts_out = po;
    c->rate_bytes_out = bo;
    c->rate_pkts_in = pi;
    c->rate_bytes_in = bi;
    c->rate_stamp = now;
}

tern_result tern_conn_status(tern_conn *c, int64_t now, tern_realtime_status *st, int nlanes,
                             tern_lane_status *lanes)
{
    int configured = c->is_pipe ? c->pipe_lanes : c->snp_ready ? c->snp.nlanes : 1;
    if (nlanes < 0 || nlanes > configured || (nlanes && !lanes)) return TERN_INVALID_PARAM;
    update_rates(c, now);
    tern_snp_lane_status total = {0};
    tern_snp_lane_status ls[TERN_SNP_MAX_LANES];
    memset(ls, 0, (size_t)nlanes * sizeof ls[0]); /* no engine yet: all zero */
    if (c->snp_ready) tern_snp_status(&c->snp, now, &total, ls, nlanes);
    bool connected = c->state == TERN_CS_CONNECTED;
    if (st) {
        tern_realtime_status s;
        memset(&s, 0, offsetof(tern_realtime_status, reserved));
        s.state = tern_cstate_api(c->state);
        s.ping_ms = -1;
        if (c->is_pipe) {
            s.ping_ms = 0;
        } else if (c->snp_ready && tern_rtt_known(&c->snp.rtt)) {
            s.ping_ms = (int32_t)(c->snp.rtt.smoothed / 1000);
        } else if (c->handshake_rtt >= 0) {
            s.ping_ms = (int32_t)(c->handshake_rtt / 1000);
        }
        if (c->snp_ready && c->snp.stats.pkts_recv > 0 && c->snp.max_recv > 1) {
            /* packets that arrived, of those the peer numbered (its first is 2) */
            double q = (double)c->snp.stats.pkts_recv / (double)(c->snp.max_recv - 1);
            s.quality_local = (float)(q > 1 ? 1 : q);
        } else {
            s.quality_local = -1;
        }
        s.quality_remote = c->quality_remote;
        s.out_packets_per_sec = c->out_pps;
        s.out_bytes_per_sec = c->out_bps;
        s.in_packets_per_sec = c->in_pps;
        s.in_bytes_per_sec = c->in_bps;
        uint64_t rate = c->is_pipe ? 104857600u : c->snp_ready ? c->snp.cc.pacing_rate : 0;
        s.send_rate = rate > INT32_MAX ? INT32_MAX : (int32_t)rate;
        s.pending_unreliable = (int32_t)total.pending_unrel;
        s.pending_reliable = (int32_t)total.pending_rel;
        s.sent_unacked_reliable = (int32_t)total.sent_unacked_rel;
        s.queue_time_usec = connected ? total.queue_time_usec : INT64_MAX;
        s.max_jitter_usec = -1;
        if (c->snp_ready) {
            s.max_jitter_usec = (int32_t)c->snp.rtt.max_jitter;
            c->snp.rtt.max_jitter = -1; /* reset by each call (GNS) */
        }
        memcpy(st, &s, offsetof(tern_realtime_status, reserved));
    }
    for (int i = 0; i < nlanes; i++) {
        memset(&lanes[i], 0, offsetof(tern_lane_status, reserved));
        lanes[i].pending_unreliable = (int32_t)ls[i].pending_unrel;
        lanes[i].pending_reliable = (int32_t)ls[i].pending_rel;
        lanes[i].sent_unacked_reliable = (int32_t)ls[i].sent_unacked_rel;
        lanes[i].queue_time_usec = connected ? ls[i].queue_time_usec : INT64_MAX;
    }
    return TERN_OK;
}

static int put(char *buf, int cap, int at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#include <stdarg.h>
static int put(char *buf, int cap, int at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf && at < cap ? buf + at : NULL, buf && at < cap ? (size_t)(cap - at) : 0,
                      fmt, ap);
    va_end(ap);
    return at + (n > 0 ? n : 0);
}

int tern_conn_detailed_status(tern_conn *c, int64_t now, char *buf, int cap)
{
    tern_realtime_status s;
    tern_conn_status(c, now, &s, 0, NULL);
    int at = 0;
    const char *st = "closed";
    switch (c->state) {
    case TERN_CS_CONNECTING:
        st = "connecting";
        break;
    case TERN_CS_CONNECTED:
        st = "connected";
        break;
    default:
        break;
    }
    if (c->state == TERN_CS_CLOSED_BY_PEER)
        at = put(buf, cap, at,
                 "End-to-end connection: closed by remote host, reason code %d.  (%s)\n",
                 c->end_reason, c->end_debug);
    else if (c->state == TERN_CS_PROBLEM)
        at = put(buf, cap, at,
                 "End-to-end connection: closed due to problem detected locally, reason code %d.  "
                 "(%s)\n",
                 c->end_reason, c->end_debug);
    else
        at = put(buf, cap, at, "End-to-end connection: %s\n", st);
    at = put(buf, cap, at, "    Current rates:\n");
    at = put(buf, cap, at, "        Sent: %6.1f pkts/sec %8.1f K/sec\n", s.out_packets_per_sec,
             s.out_bytes_per_sec / 1024);
    at = put(buf, cap, at, "        Recv: %6.1f pkts/sec %8.1f K/sec\n", s.in_packets_per_sec,
             s.in_bytes_per_sec / 1024);
    if (s.ping_ms >= 0)
        at = put(buf, cap, at, "        Ping:%dms\n", s.ping_ms);
    else
        at = put(buf, cap, at, "        Ping:???\n");
    at = put(buf, cap, at, "        Est avail bandwidth: %.1fKB/s\n", s.send_rate / 1024.0);
    at = put(buf, cap, at, "        Bytes buffered: %d\n",
             s.pending_reliable + s.pending_unreliable);
    if (c->snp_ready) {
        const tern_snp *n = &c->snp;
        const char *mode[] = {"startup", "drain", "probe_bw", "probe_rtt"};
        at = put(buf, cap, at,
                 "    Congestion control: %s, bw %.1f KB/s, cwnd %llu B, in flight %llu B, min RTT "
                 "%.2f ms\n",
                 mode[n->cc.mode & 3], (double)n->cc.bw / 1024, (unsigned long long)n->cc.cwnd,
                 (unsigned long long)n->bytes_in_flight,
                 n->cc.min_rtt == INT64_MAX ? -1.0 : (double)n->cc.min_rtt / 1000);
        at = put(buf, cap, at, "    Lifetime stats:\n");
        at = put(buf, cap, at, "        Sent: %llu pkts %llu bytes\n",
                 (unsigned long long)n->stats.pkts_sent, (unsigned long long)n->stats.bytes_sent);
        at = put(buf, cap, at, "        Recv: %llu pkts %llu bytes\n",
                 (unsigned long long)n->stats.pkts_recv, (unsigned long long)n->stats.bytes_recv);
        at = put(buf, cap, at,
                 "        Lost: %llu pkts (%llu later arrived), %llu bytes retransmitted\n",
                 (unsigned long long)n->stats.pkts_lost, (unsigned long long)n->stats.pkts_spurious,
                 (unsigned long long)n->stats.pkts_retx_bytes);
        at = put(buf, cap, at, "        Messages: %llu sent, %llu received\n",
                 (unsigned long long)n->stats.msgs_sent, (unsigned long long)n->stats.msgs_recv);
    }
    if (buf && cap > 0 && at < cap) return 0;
    if (buf && cap > 0) buf[cap - 1] = 0;
    return at + 1;
}
