/* Listen sockets and the server side of the handshake (WIRE.md §2.4,
 * §2.6-2.7): stateless challenges, ConnectRequest checks, the pending
 * limits, accept, and ConnectOK (re)sends. */
#include <stdio.h>
#include <string.h>

#include "conn/conn.h"
#include "crypto/rand.h"
#include "util/bytes.h"
#include "util/mem.h"
#include "util/siphash.h"

void tern_conn_on_close_packets(tern_conn *c, int64_t now, const tern_hs_msg *m);

tern_result tern_inst_listen(tern_inst *in, int64_t now, const tern_addr *local, int nopts,
                             const tern_config_value *opts, uint32_t *out)
{
    (void)now;
    if (local->port == 0) return TERN_INVALID_PARAM;
    tern_listen *l = tern_calloc(in->mem, 1, sizeof *l);
    if (!l) return TERN_NOMEM;
    tern_cfg_init(&l->cfg, &in->cfg, TERN_CFGS_LISTEN, in->mem);
    tern_result r = tern_cfg_apply(&l->cfg, nopts, opts);
    if (r != TERN_OK) {
        tern_cfg_free(&l->cfg);
        tern_free(in->mem, l);
        return r;
    }
    uint8_t k1[16], k2[16];
    if (tern_inst_rand(in, l->secret, sizeof l->secret) != TERN_OK ||
        tern_inst_rand(in, k1, sizeof k1) != TERN_OK ||
        tern_inst_rand(in, k2, sizeof k2) != TERN_OK) {
        tern_cfg_free(&l->cfg);
        tern_free(in->mem, l);
        return TERN_CRYPTO;
    }
    tern_addrmap_init(&l->by_addr, k1);
    tern_addrmap_init(&l->pending_ip, k2);
    r = in->tx.open(in->tx.ctx, local, NULL, &l->sock, &l->bound);
    if (r != TERN_OK) {
        tern_cfg_free(&l->cfg);
        tern_free(in->mem, l);
        return r;
    }
    l->handle = tern_handles_add(&in->listens, in->mem, l);
    if (!l->handle) {
        in->tx.close(in->tx.ctx, l->sock);
        tern_cfg_free(&l->cfg);
        tern_free(in->mem, l);
        return TERN_NOMEM;
    }
    tern_inst_sock_set(in, l->sock, 1, l);
    *out = l->handle;
    return TERN_OK;
}

tern_result tern_inst_listen_close(tern_inst *in, int64_t now, uint32_t handle)
{
    tern_listen *l = tern_handles_get(&in->listens, handle);
    if (!l) return TERN_BAD_HANDLE;
    /* Its connections go with it, abruptly: the socket they use is gone. */
    for (size_t i = 0; i < l->by_addr.cap; i++) {
        if (l->by_addr.s[i].state != 1) continue;
        tern_conn *c = l->by_addr.s[i].val;
        if (c->handle) tern_conn_close(c, now, TERN_END_APP_GENERIC, "Listen socket closed", false);
        tern_listen_unpend(c);
        c->lsock = NULL;
        tern_conn_destroy(c);
    }
    tern_addrmap_free(&l->by_addr, in->mem);
    tern_addrmap_free(&l->pending_ip, in->mem);
    tern_inst_sock_set(in, l->sock, 0, NULL);
    in->tx.close(in->tx.ctx, l->sock);
    tern_handles_remove(&in->listens, handle);
    tern_cfg_free(&l->cfg);
    tern_free(in->mem, l);
    return TERN_OK;
}

/* --- stateless challenges (§2.4) ---------------------------------------------------- */

static uint64_t challenge_for(const tern_listen *l, const tern_addr *from, uint16_t t16)
{
    uint8_t in[20];
    tern_store_le16(in, t16);
    tern_store_le16(in + 2, from->port);
    memcpy(in + 4, from->ipv6, 16);
    uint64_t h = tern_siphash24(l->secret, in, sizeof in);
    return (h & ~(uint64_t)0xffff) | t16;
}

static bool challenge_ok(const tern_listen *l, const tern_addr *from, uint64_t challenge,
                         int64_t now)
{
    uint16_t t16 = (uint16_t)(challenge & 0xffff);
    uint16_t elapsed = (uint16_t)((uint16_t)(now >> 20) - t16);
    if (elapsed > TERN_CHALLENGE_TICKS) return false;
    return challenge_for(l, from, t16) == challenge;
}

/* --- pending limits ------------------------------------------------------------------- */

static tern_addr ip_key(const tern_addr *a)
{
    tern_addr k = *a;
    k.port = 0;
    return k;
}

static uint32_t pending_of(tern_listen *l, const tern_addr *from)
{
    tern_addr k = ip_key(from);
    return (uint32_t)(uintptr_t)tern_addrmap_get(&l->pending_ip, &k);
}

static void pending_adjust(tern_inst *in, tern_listen *l, const tern_addr *from, int delta)
{
    tern_addr k = ip_key(from);
    uint32_t n = pending_of(l, from);
    n = delta < 0 ? (n ? n - 1 : 0) : n + 1;
    if (n)
        tern_addrmap_put(&l->pending_ip, in->mem, &k, (void *)(uintptr_t)n);
    else
        tern_addrmap_del(&l->pending_ip, &k);
    if (delta < 0 && l->npending)
        l->npending--;
    else if (delta > 0)
        l->npending++;
}

void tern_listen_unpend(tern_conn *c)
{
    if (!c->pending) return;
    c->pending = false;
    if (c->lsock) pending_adjust(c->inst, c->lsock, &c->remote, -1);
}

/* --- datagrams for addresses with no connection yet ------------------------------------- */

static void reply_challenge(tern_inst *in, tern_listen *l, int64_t now, const tern_addr *from,
                            const tern_addr *local, const Tern__ChallengeRequest *req)
{
    if (!req->has_connection_id || req->connection_id == 0) return;
    Tern__ChallengeReply rep = TERN__CHALLENGE_REPLY__INIT;
    rep.has_connection_id = 1;
    rep.connection_id = req->connection_id;
    rep.has_challenge = 1;
    rep.challenge = challenge_for(l, from, (uint16_t)(now >> 20));
    if (req->has_my_timestamp) {
        rep.has_your_timestamp = 1;
        rep.your_timestamp = req->my_timestamp;
    }
    rep.has_protocol_version = 1;
    rep.protocol_version = TERN_HS_PROTOCOL_VERSION;
    tern_hs_msg m = {.kind = TERN_PKT_CHALLENGE_REPLY, .u.challenge_reply = &rep};
    uint8_t buf[64];
    uint8_t *e = tern_hs_encode(buf, buf + sizeof buf, &m);
    /* The request was padded to >= 512 bytes; this reply is ~26: no
     * amplification (§2.11). */
    if (e) in->tx.send(in->tx.ctx, l->sock, local, from, buf, (size_t)(e - buf));
    in->hs_replies++;
}

static void on_connect_request(tern_inst *in, tern_listen *l, int64_t now, const tern_addr *from,
                               const tern_addr *local, const tern_hs_msg *m)
{
    const Tern__ConnectRequest *req = m->u.connect_request;
    if (!req->has_challenge || !challenge_ok(l, from, req->challenge, now)) return;
    if (!req->has_client_connection_id || req->client_connection_id == 0) return;
    if (l->npending >= TERN_MAX_PENDING_LISTEN || pending_of(l, from) >= TERN_MAX_PENDING_PER_IP) {
        tern_inst_logf(in, TERN_LOG_WARNING, "listen %u: too many pending connections, dropped",
                       l->handle);
        return;
    }
    tern_hs_peer *peer = tern_malloc(in->mem, sizeof *peer);
    if (!peer) return;
    tern_conn_opts_load(&l->cfg, &l->opts);
    tern_hs_check_params prm = {
        .ip_allow_without_auth = l->opts.allow_without_auth,
        .iplocalhost_allow_without_auth = l->opts.localhost_allow_without_auth,
        .peer_addr = from,
        .expected_version = 0,
        .local_lanes = 1,
        .arena = &in->arena,
    };
    tern_hs_error err;
    tern_result r = tern_hs_check_peer(m, &prm, peer, &err);
    if (r != TERN_OK) {
        /* GNS drops a bad ConnectRequest silently; the client retries and
         * times out (§2.6 step 6, WIRE.md §10 pitfall 14). */
        tern_inst_logf(in, TERN_LOG_VERBOSE, "listen %u: ConnectRequest rejected: %s", l->handle,
                       err.debug);
        tern_free(in->mem, peer);
        return;
    }
    if (peer->version < 10) {
        tern_free(in->mem, peer);
        return;
    }
    tern_result cr;
    tern_conn *c = tern_conn_new(in, now, &l->cfg, 0, NULL, &cr);
    if (!c) {
        tern_free(in->mem, peer);
        return;
    }
    c->is_server = true;
    c->lsock = l;
    c->listen = l->handle;
    c->sock = l->sock;
    c->remote = *from;
    if (local) {
        memcpy(c->local.ipv6, local->ipv6, 16);
        c->local.port = 0;
    }
    c->remote_id = req->client_connection_id;
    c->remote_identity = peer->identity;
    c->unauthenticated = peer->unsigned_cert;
    c->peer_version = peer->version;
    c->peer = peer;
    if (req->has_my_timestamp) {
        c->have_req_timestamp = true;
        c->req_timestamp = (int64_t)req->my_timestamp;
        c->req_recv_time = now;
    }
    if (req->has_ping_est_ms && req->ping_est_ms <= 1500) {
        c->ping_est_ms = (int32_t)req->ping_est_ms;
        c->handshake_rtt = (int64_t)req->ping_est_ms * 1000;
    }
    if (tern_addrmap_put(&l->by_addr, in->mem, from, c) != TERN_OK) {
        c->lsock = NULL;
        tern_conn_destroy(c);
        return;
    }
    pending_adjust(in, l, from, +1);
    c->pending = true;
    tern_conn_set_state(c, now, TERN_CS_CONNECTING);
    tern_conn_schedule(c, now + (int64_t)c->opts.timeout_initial_ms * 1000);
}

void tern_listen_recv(tern_inst *in, tern_listen *l, int64_t now, const tern_addr *from,
                      const tern_addr *local, const uint8_t *data, size_t len)
{
    tern_pkt_kind kind = tern_pkt_kind_of(data, len);
    if (kind == TERN_PKT_INVALID || kind == TERN_PKT_DATA) return; /* strays */
    if (kind != TERN_PKT_CHALLENGE_REQUEST && kind != TERN_PKT_CONNECT_REQUEST &&
        kind != TERN_PKT_CONNECTION_CLOSED)
        return;
    tern_arena_reset(&in->arena);
    tern_hs_msg m;
    if (tern_hs_decode(data, len, &in->arena, &m) != TERN_OK) return;
    switch (m.kind) {
    case TERN_PKT_CHALLENGE_REQUEST:
        reply_challenge(in, l, now, from, local, m.u.challenge_request);
        break;
    case TERN_PKT_CONNECT_REQUEST:
        on_connect_request(in, l, now, from, local, &m);
        break;
    case TERN_PKT_CONNECTION_CLOSED: {
        /* Acknowledge, echoing the IDs; the request was padded (§8.4). */
        const Tern__ConnectionClosed *cc = m.u.connection_closed;
        tern_conn_send_no_connection(in, l->sock, local, from,
                                     cc->has_to_connection_id ? cc->to_connection_id : 0,
                                     cc->has_from_connection_id ? cc->from_connection_id : 0);
        break;
    }
    default:
        break;
    }
}

/* --- an existing connection on a listen socket ---------------------------------------------- */

void tern_server_send_connect_ok(tern_conn *c, int64_t now)
{
    if (!c->hs && !c->hs_ok) return;
    Tern__ConnectOK ok = TERN__CONNECT_OK__INIT;
    ok.has_client_connection_id = 1;
    ok.client_connection_id = c->remote_id;
    ok.has_server_connection_id = 1;
    ok.server_connection_id = c->local_id;
    if (c->have_req_timestamp && now - c->req_recv_time < TERN_CONNECTOK_ECHO_USEC) {
        ok.has_your_timestamp = 1;
        ok.your_timestamp = (uint64_t)c->req_timestamp;
        ok.has_delay_time_usec = 1;
        ok.delay_time_usec = (uint32_t)(now - c->req_recv_time);
    }
    Tern__CertificateSigned cert;
    Tern__CryptInfoSigned crypt;
    if (c->hs_ok)
        tern_hs_ok_fill(c->hs_ok, &ok, &cert, &crypt);
    else if (tern_hs_fill_connect_ok(c->hs, &ok) != TERN_OK)
        return;
    tern_hs_msg m = {.kind = TERN_PKT_CONNECT_OK, .u.connect_ok = &ok};
    uint8_t buf[TERN_DGRAM_MAX];
    uint8_t *e = tern_hs_encode(buf, buf + sizeof buf, &m);
    if (e) tern_conn_tx(c, buf, (size_t)(e - buf));
}

void tern_server_conn_recv(tern_conn *c, int64_t now, const tern_hs_msg *m)
{
    uint32_t id = 0;
    switch (m->kind) {
    case TERN_PKT_CHALLENGE_REQUEST:
        id = m->u.challenge_request->has_connection_id ? m->u.challenge_request->connection_id : 0;
        break;
    case TERN_PKT_CONNECT_REQUEST:
        id = m->u.connect_request->has_client_connection_id
                 ? m->u.connect_request->client_connection_id
                 : 0;
        break;
    case TERN_PKT_CONNECTION_CLOSED:
    case TERN_PKT_NO_CONNECTION:
        tern_conn_on_close_packets(c, now, m);
        return;
    default:
        return;
    }
    /* Another client on the same address: ignored until this connection
     * object is gone (§1.3). */
    if (id != c->remote_id) return;
    switch (c->state) {
    case TERN_CS_CONNECTING:
        return; /* the application has not accepted yet */
    case TERN_CS_CONNECTED:
    case TERN_CS_LINGER:
        tern_server_send_connect_ok(c, now);
        return; /* ours was lost */
    case TERN_CS_CLOSED_BY_PEER:
        tern_conn_reply_no_connection(c, c->local_id, c->remote_id);
        return;
    case TERN_CS_PROBLEM:
    case TERN_CS_FIN_WAIT:
        tern_conn_send_closed(c);
        return;
    default:
        return;
    }
}

tern_result tern_conn_accept(tern_conn *c, int64_t now)
{
    tern_inst *in = c->inst;
    /* GNS checks the state first: accepting a connection that is already
     * connected is InvalidState whichever side started it. */
    if (c->state != TERN_CS_CONNECTING) return TERN_INVALID_STATE;
    if (!c->is_server || c->is_pipe) return TERN_INVALID_PARAM;
    if (c->accepted || !c->peer) return TERN_INVALID_STATE;
    c->hs = tern_calloc(in->mem, 1, sizeof *c->hs);
    if (!c->hs) return TERN_NOMEM;
    tern_hs_secrets sec;
    tern_result r = tern_hs_local_init_keyed(c->hs, true, &in->identity, c->opts.unencrypted,
                                             tern_inst_hs_secrets(in, &sec), &in->cert_key);
    if (r != TERN_OK) {
        tern_free(in->mem, c->hs);
        c->hs = NULL;
        return TERN_NOMEM;
    }
    tern_hs_error err;
    r = tern_hs_derive(c->hs, c->peer, c->remote_id, c->local_id, &c->aead, &err);
    tern_free(in->mem, c->peer);
    c->peer = NULL;
    c->accepted = true;
    tern_listen_unpend(c);
    if (r != TERN_OK) {
        tern_conn_problem(c, now, err.end_reason ? err.end_reason : TERN_END_REMOTE_BAD_CRYPT,
                          err.debug);
        return TERN_HANDSHAKE_FAILED;
    }
    c->aead_ready = true;
    if (tern_conn_start_snp(c, now) != TERN_OK) {
        tern_conn_problem(c, now, TERN_END_MISC_INTERNAL, "Out of memory");
        return TERN_NOMEM;
    }
    c->live.last_recv = now;
    tern_server_send_connect_ok(c, now);
    /* Until the client's first data packet only the ConnectOK may be needed
     * again: keep its bytes, not the whole handshake state (on a server
     * whose clients are idle this was a third of each connection). If that
     * allocation fails, the full state stays. */
    c->hs_ok = tern_hs_ok_new(c->hs, in->mem);
    if (c->hs_ok) {
        tern_hs_local_free(c->hs);
        tern_free(in->mem, c->hs);
        c->hs = NULL;
    }
    tern_conn_set_state(c, now, TERN_CS_CONNECTED);
    tern_conn_schedule(c, now);
    return TERN_OK;
}
