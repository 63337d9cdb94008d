/* The client side of the handshake (WIRE.md §2.3-2.8) and the close
 * packets both sides handle alike (§8.4). */
#include <stdio.h>
#include <string.h>

#include "conn/conn.h"
#include "util/mem.h"

tern_result tern_inst_connect(tern_inst *in, int64_t now, const tern_addr *remote, int nopts,
                              const tern_config_value *opts, uint32_t *out)
{
    tern_result r;
    tern_conn *c = tern_conn_new(in, now, &in->cfg, nopts, opts, &r);
    if (!c) return r;
    c->remote = *remote;
    /* One UDP socket per outgoing connection, as GNS does: a server that
     * keeps a closed connection for its address ignores new handshakes from
     * the same port (WIRE.md §10 pitfall 12). */
    tern_addr bound;
    r = in->tx.open(in->tx.ctx, NULL, remote, &c->sock, &bound);
    if (r != TERN_OK) {
        c->sock = 0;
        tern_conn_destroy(c);
        return r;
    }
    tern_inst_sock_set(in, c->sock, 2, c);
    c->hs = tern_calloc(in->mem, 1, sizeof *c->hs);
    if (!c->hs) {
        tern_conn_destroy(c);
        return TERN_NOMEM;
    }
    /* The client signs its crypt info before its first ChallengeRequest. */
    tern_hs_secrets sec;
    r = tern_hs_local_init_keyed(c->hs, false, &in->identity, c->opts.unencrypted,
                                 tern_inst_hs_secrets(in, &sec), &in->cert_key);
    if (r != TERN_OK) {
        tern_free(in->mem, c->hs);
        c->hs = NULL;
        tern_conn_destroy(c);
        return r;
    }
    tern_conn_set_state(c, now, TERN_CS_CONNECTING);
    tern_client_send_challenge(c, now);
    c->next_retry = now + TERN_CONNECT_RETRY_USEC;
    tern_conn_schedule(c, c->next_retry);
    *out = c->handle;
    return TERN_OK;
}

void tern_client_send_challenge(tern_conn *c, int64_t now)
{
    Tern__ChallengeRequest cr = TERN__CHALLENGE_REQUEST__INIT;
    cr.has_connection_id = 1;
    cr.connection_id = c->local_id;
    cr.has_my_timestamp = 1;
    cr.my_timestamp = (uint64_t)now;
    cr.has_protocol_version = 1;
    cr.protocol_version = TERN_HS_PROTOCOL_VERSION;
    tern_hs_msg m = {.kind = TERN_PKT_CHALLENGE_REQUEST, .u.challenge_request = &cr};
    uint8_t buf[TERN_PADDED_MIN + 64];
    uint8_t *e = tern_hs_encode(buf, buf + sizeof buf, &m);
    if (e) tern_conn_tx(c, buf, (size_t)(e - buf));
}

static void send_connect_request(tern_conn *c, int64_t now)
{
    Tern__ConnectRequest req = TERN__CONNECT_REQUEST__INIT;
    req.has_client_connection_id = 1;
    req.client_connection_id = c->local_id;
    req.has_challenge = 1;
    req.challenge = c->challenge;
    req.has_my_timestamp = 1;
    req.my_timestamp = (uint64_t)now;
    if (c->handshake_rtt >= 0) {
        req.has_ping_est_ms = 1;
        req.ping_est_ms = (uint32_t)((c->handshake_rtt + 500) / 1000);
    }
    if (tern_hs_fill_connect_request(c->hs, &req) != TERN_OK) return;
    tern_hs_msg m = {.kind = TERN_PKT_CONNECT_REQUEST, .u.connect_request = &req};
    uint8_t buf[TERN_DGRAM_MAX];
    uint8_t *e = tern_hs_encode(buf, buf + sizeof buf, &m);
    if (e) tern_conn_tx(c, buf, (size_t)(e - buf));
}

static void handshake_sample(tern_conn *c, int64_t rtt)
{
    if (rtt >= 0 && rtt <= 2000000) c->handshake_rtt = rtt;
}

static void on_connect_ok(tern_conn *c, int64_t now, const tern_hs_msg *m)
{
    tern_inst *in = c->inst;
    const Tern__ConnectOK *ok = m->u.connect_ok;
    if (!ok->has_client_connection_id || ok->client_connection_id != c->local_id) return;
    switch (c->state) {
    case TERN_CS_CONNECTED:
    case TERN_CS_LINGER:
        return; /* a duplicate */
    case TERN_CS_CLOSED_BY_PEER:
        tern_conn_reply_no_connection(c, c->local_id, c->remote_id);
        return;
    case TERN_CS_PROBLEM:
    case TERN_CS_FIN_WAIT:
        tern_conn_send_closed(c);
        return;
    case TERN_CS_CONNECTING:
        break;
    default:
        return;
    }
    if (!c->hs) return;
    /* What we learn of the server is only needed until the keys are made,
     * within this call: no heap copy. */
    tern_hs_peer peer;
    tern_hs_check_params prm = {
        .ip_allow_without_auth = c->opts.allow_without_auth,
        .iplocalhost_allow_without_auth = c->opts.localhost_allow_without_auth,
        .peer_addr = &c->remote,
        .expected_version = c->peer_version,
        .expected_identity =
            tern_identity_is_invalid(&c->expected_identity) ? NULL : &c->expected_identity,
        .local_lanes = c->snp_ready ? c->snp.nlanes : 1,
        .arena = &in->arena,
    };
    tern_hs_error err;
    tern_result r = tern_hs_check_peer(m, &prm, &peer, &err);
    if (r == TERN_IGNORED || r == TERN_INVALID_PARAM) return;
    if (ok->has_your_timestamp)
        handshake_sample(c, now - (int64_t)ok->your_timestamp -
                                (ok->has_delay_time_usec ? (int64_t)ok->delay_time_usec : 0));
    if (!ok->has_server_connection_id || (ok->server_connection_id & 0xffff) == 0) {
        tern_conn_problem(c, now, TERN_END_REMOTE_BAD_CRYPT, "Bad server connection ID");
        return;
    }
    if (r != TERN_OK) {
        tern_conn_problem(c, now, err.end_reason, err.debug);
        return;
    }
    c->remote_id = ok->server_connection_id;
    c->remote_identity = peer.identity;
    c->unauthenticated = peer.unsigned_cert;
    c->peer_version = peer.version;
    r = tern_hs_derive(c->hs, &peer, c->local_id, c->remote_id, &c->aead, &err);
    tern_hs_local_free(c->hs);
    tern_free(in->mem, c->hs);
    c->hs = NULL;
    if (r != TERN_OK) {
        tern_conn_problem(c, now, err.end_reason, err.debug);
        return;
    }
    c->aead_ready = true;
    if (tern_conn_start_snp(c, now) != TERN_OK) {
        tern_conn_problem(c, now, TERN_END_MISC_INTERNAL, "Out of memory");
        return;
    }
    if (c->handshake_rtt >= 0) tern_snp_rtt_sample(&c->snp, now, c->handshake_rtt);
    c->live.last_recv = now;
    tern_conn_set_state(c, now, TERN_CS_CONNECTED);
    tern_conn_schedule(c, now);
}

/* ConnectionClosed / NoConnection, for either role (§8.4). */
static void peer_closed(tern_conn *c, int64_t now, int reason, const char *debug)
{
    switch (c->state) {
    case TERN_CS_CONNECTING:
    case TERN_CS_CONNECTED:
    case TERN_CS_FINDING_ROUTE:
        c->end_reason = reason;
        snprintf(c->end_debug, sizeof c->end_debug, "%s", debug ? debug : "");
        tern_conn_set_state(c, now, TERN_CS_CLOSED_BY_PEER);
        tern_conn_schedule(c, now);
        break;
    case TERN_CS_LINGER:
        tern_conn_finwait(c, now, false);
        break;
    case TERN_CS_FIN_WAIT:
        c->close_resends = 0; /* it has heard our close */
        break;
    default:
        break;
    }
}

static void on_close_packets(tern_conn *c, int64_t now, const tern_hs_msg *m)
{
    tern_inst *in = c->inst;
    if (m->kind == TERN_PKT_CONNECTION_CLOSED) {
        const Tern__ConnectionClosed *cc = m->u.connection_closed;
        uint32_t to = cc->has_to_connection_id ? cc->to_connection_id : 0;
        uint32_t from = cc->has_from_connection_id ? cc->from_connection_id : 0;
        bool match = (to && to == c->local_id) || (!to && from && from == c->remote_id);
        if (match || now - in->last_spam_reply >= TERN_SPAM_REPLY_USEC) {
            if (!match) in->last_spam_reply = now;
            tern_conn_reply_no_connection(c, to, from);
        }
        if (match)
            peer_closed(c, now, cc->has_reason_code ? (int)cc->reason_code : 0,
                        cc->debug ? cc->debug : "");
        return;
    }
    const Tern__NoConnection *nc = m->u.no_connection;
    uint32_t to = nc->has_to_connection_id ? nc->to_connection_id : 0;
    uint32_t from = nc->has_from_connection_id ? nc->from_connection_id : 0;
    if (to == c->local_id && from == c->remote_id)
        peer_closed(c, now, TERN_END_PEER_SENT_NO_CONNECTION, "Peer sent NoConnection");
}

void tern_client_recv(tern_conn *c, int64_t now, const tern_hs_msg *m)
{
    switch (m->kind) {
    case TERN_PKT_CHALLENGE_REPLY: {
        const Tern__ChallengeReply *rep = m->u.challenge_reply;
        if (c->state != TERN_CS_CONNECTING || !rep->has_connection_id ||
            rep->connection_id != c->local_id || !c->hs)
            return;
        uint32_t v = rep->has_protocol_version ? rep->protocol_version : 0;
        if (v < TERN_HS_MIN_PROTOCOL_VERSION) {
            tern_conn_problem(c, now, TERN_END_MISC_GENERIC,
                              "The server is running old software and cannot talk to us");
            return;
        }
        if (v < 10) {
            /* Protocols 8-9 number packets from 1 (WIRE.md §2.10); tern
             * speaks 10 and later only. */
            tern_conn_problem(c, now, TERN_END_REMOTE_BAD_PROTOCOL,
                              "Server protocol version below 10 is not supported");
            return;
        }
        c->peer_version = v;
        if (rep->has_your_timestamp) handshake_sample(c, now - (int64_t)rep->your_timestamp);
        c->challenge = rep->challenge;
        send_connect_request(c, now);
        c->next_retry = now + TERN_CONNECT_RETRY_USEC;
        tern_conn_schedule(c, c->next_retry);
        return;
    }
    case TERN_PKT_CONNECT_OK:
        on_connect_ok(c, now, m);
        return;
    case TERN_PKT_CONNECTION_CLOSED:
    case TERN_PKT_NO_CONNECTION:
        on_close_packets(c, now, m);
        return;
    default:
        return; /* a client ignores handshake requests */
    }
}

/* Shared with the server side. */
void tern_conn_on_close_packets(tern_conn *c, int64_t now, const tern_hs_msg *m);
void tern_conn_on_close_packets(tern_conn *c, int64_t now, const tern_hs_msg *m)
{
    on_close_packets(c, now, m);
}
