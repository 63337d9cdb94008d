/* Socket pairs: two connections in one instance that are connected from the
 * start. Over a pipe, messages go straight into the other end's queue. Over
 * the network, each end has its own loopback UDP socket and the whole
 * protocol runs (encryption, SNP); the handshake is done in-process, with
 * the same code and checks as over the wire. */
#include <string.h>

#include "conn/conn.h"
#include "util/mem.h"
#include "wire/identity.h"

static tern_result pipe_pair(tern_inst *in, int64_t now, const tern_identity *id1,
                             const tern_identity *id2, uint32_t *out1, uint32_t *out2)
{
    tern_result r;
    tern_conn *a = tern_conn_new(in, now, &in->cfg, 0, NULL, &r);
    tern_conn *b = a ? tern_conn_new(in, now, &in->cfg, 0, NULL, &r) : NULL;
    if (!b) {
        if (a) tern_conn_destroy(a);
        return TERN_NOMEM;
    }
    a->is_pipe = b->is_pipe = true;
    a->pipe_lanes = b->pipe_lanes = 1;
    a->pipe_peer = b;
    b->pipe_peer = a;
    /* id1 is what connection 1 sees as its peer (API.md §3 #20). */
    if (id1)
        a->remote_identity = *id1;
    else
        tern_identity_set_localhost(&a->remote_identity);
    if (id2)
        b->remote_identity = *id2;
    else
        tern_identity_set_localhost(&b->remote_identity);
    a->state = b->state = TERN_CS_CONNECTED; /* no events for pairs (GNS) */
    *out1 = a->handle;
    *out2 = b->handle;
    return TERN_OK;
}

/* Run the handshake between |cl| (client role) and |sv| (server role) in
 * memory: encode the client's ConnectRequest and the server's ConnectOK,
 * decode and check them as the peer would, derive both sides' keys. */
static tern_result local_handshake(tern_inst *in, tern_conn *cl, tern_conn *sv,
                                   const tern_identity *cl_id, const tern_identity *sv_id)
{
    tern_hs_local *hc = tern_calloc(in->mem, 1, sizeof *hc);
    tern_hs_local *hsv = tern_calloc(in->mem, 1, sizeof *hsv);
    tern_hs_peer *pc = tern_malloc(in->mem, sizeof *pc);
    tern_hs_peer *ps = tern_malloc(in->mem, sizeof *ps);
    tern_result r = TERN_NOMEM;
    if (!hc || !hsv || !pc || !ps) goto out;
    tern_hs_secrets sec1, sec2;
    r = tern_hs_local_init(hc, false, cl_id, 0, tern_inst_hs_secrets(in, &sec1));
    if (r != TERN_OK) goto out;
    r = tern_hs_local_init(hsv, true, sv_id, 0, tern_inst_hs_secrets(in, &sec2));
    if (r != TERN_OK) goto out;
    uint8_t buf[TERN_DGRAM_MAX];
    tern_hs_msg m;
    tern_hs_error err;
    /* client -> server */
    Tern__ConnectRequest req = TERN__CONNECT_REQUEST__INIT;
    req.has_client_connection_id = 1;
    req.client_connection_id = cl->local_id;
    tern_hs_fill_connect_request(hc, &req);
    m = (tern_hs_msg){.kind = TERN_PKT_CONNECT_REQUEST, .u.connect_request = &req};
    uint8_t *e = tern_hs_encode(buf, buf + sizeof buf, &m);
    tern_arena_reset(&in->arena);
    r = TERN_FAIL;
    if (!e || tern_hs_decode(buf, (size_t)(e - buf), &in->arena, &m) != TERN_OK) goto out;
    tern_hs_check_params prm = {.ip_allow_without_auth = 2,
                                .iplocalhost_allow_without_auth = 2,
                                .peer_addr = &sv->remote,
                                .local_lanes = 1,
                                .arena = &in->arena};
    if (tern_hs_check_peer(&m, &prm, ps, &err) != TERN_OK) goto out;
    if (tern_hs_derive(hsv, ps, cl->local_id, sv->local_id, &sv->aead, &err) != TERN_OK) goto out;
    sv->aead_ready = true;
    /* server -> client */
    Tern__ConnectOK ok = TERN__CONNECT_OK__INIT;
    ok.has_client_connection_id = 1;
    ok.client_connection_id = cl->local_id;
    ok.has_server_connection_id = 1;
    ok.server_connection_id = sv->local_id;
    tern_hs_fill_connect_ok(hsv, &ok);
    m = (tern_hs_msg){.kind = TERN_PKT_CONNECT_OK, .u.connect_ok = &ok};
    e = tern_hs_encode(buf, buf + sizeof buf, &m);
    tern_arena_reset(&in->arena);
    if (!e || tern_hs_decode(buf, (size_t)(e - buf), &in->arena, &m) != TERN_OK) goto out;
    prm.peer_addr = &cl->remote;
    prm.expected_version = TERN_HS_PROTOCOL_VERSION;
    if (tern_hs_check_peer(&m, &prm, pc, &err) != TERN_OK) goto out;
    if (tern_hs_derive(hc, pc, cl->local_id, sv->local_id, &cl->aead, &err) != TERN_OK) goto out;
    cl->aead_ready = true;
    cl->remote_id = sv->local_id;
    sv->remote_id = cl->local_id;
    cl->peer_version = sv->peer_version = TERN_HS_PROTOCOL_VERSION;
    r = TERN_OK;
out:
    if (hc) tern_hs_local_free(hc);
    if (hsv) tern_hs_local_free(hsv);
    tern_free(in->mem, hc);
    tern_free(in->mem, hsv);
    tern_free(in->mem, pc);
    tern_free(in->mem, ps);
    return r;
}

static tern_result net_pair(tern_inst *in, int64_t now, const tern_identity *id1,
                            const tern_identity *id2, uint32_t *out1, uint32_t *out2)
{
    tern_result r;
    tern_conn *a = tern_conn_new(in, now, &in->cfg, 0, NULL, &r);
    tern_conn *b = a ? tern_conn_new(in, now, &in->cfg, 0, NULL, &r) : NULL;
    if (!b) goto fail;
    tern_addr lo, ba, bb;
    tern_addr_set_ipv4(&lo, 0x7f000001, 0);
    r = in->tx.open(in->tx.ctx, &lo, NULL, &a->sock, &ba);
    if (r != TERN_OK) {
        a->sock = 0;
        goto fail;
    }
    tern_inst_sock_set(in, a->sock, 2, a);
    r = in->tx.open(in->tx.ctx, &lo, NULL, &b->sock, &bb);
    if (r != TERN_OK) {
        b->sock = 0;
        goto fail;
    }
    tern_inst_sock_set(in, b->sock, 2, b);
    a->remote = bb;
    b->remote = ba;
    /* Each end's certificate carries the identity the other end is to see. */
    r = local_handshake(in, a, b, id2, id1);
    if (r != TERN_OK) goto fail;
    if (id1)
        a->remote_identity = *id1;
    else
        tern_identity_set_ip_addr(&a->remote_identity, &bb);
    if (id2)
        b->remote_identity = *id2;
    else
        tern_identity_set_ip_addr(&b->remote_identity, &ba);
    a->unauthenticated = b->unauthenticated = true;
    if (tern_conn_start_snp(a, now) != TERN_OK || tern_conn_start_snp(b, now) != TERN_OK) {
        r = TERN_NOMEM;
        goto fail;
    }
    a->state = b->state = TERN_CS_CONNECTED;
    a->live.last_recv = b->live.last_recv = now;
    tern_conn_schedule(a, now);
    tern_conn_schedule(b, now);
    *out1 = a->handle;
    *out2 = b->handle;
    return TERN_OK;
fail:
    if (a) tern_conn_destroy(a);
    if (b) tern_conn_destroy(b);
    return r;
}

tern_result tern_inst_socket_pair(tern_inst *in, int64_t now, bool network,
                                  const tern_identity *id1, const tern_identity *id2,
                                  uint32_t *out1, uint32_t *out2)
{
    *out1 = *out2 = 0;
    return network ? net_pair(in, now, id1, id2, out1, out2)
                   : pipe_pair(in, now, id1, id2, out1, out2);
}
