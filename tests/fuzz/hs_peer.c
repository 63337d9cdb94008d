/* Fuzz the handshake checks: decode any datagram with tern_hs_decode and, for
 * a ConnectRequest or ConnectOK, run tern_hs_check_peer in the role that
 * receives it under three auth policies, then tern_hs_derive when it passes;
 * then again with the crypt info re-signed (see resign()). The
 * result must be one of the documented ones with a consistent end reason and
 * identity; memory stays within the fixed arena. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conn/hs.h"
#include "wire/identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *arena_mem;

static void derive_once(bool is_server, const tern_hs_peer *p)
{
    /* Fixed secrets keep each run cheap and reproducible. */
    static const tern_hs_secrets fixed = {{1}, {2}, 3};
    tern_hs_local l;
    if (tern_hs_local_init(&l, is_server, NULL, is_server ? 1 : 2, &fixed) != TERN_OK) abort();
    tern_aead a = {0};
    tern_hs_error err;
    tern_result r = tern_hs_derive(&l, p, 0x11223344, 0x55667788, &a, &err);
    if (r == TERN_OK) {
        uint8_t buf[64];
        if (tern_aead_seal(&a, 2, (const uint8_t *)"hi", 2, buf, sizeof buf) <= 0) abort();
        if (is_server && !l.finalized) abort();
    } else if (r != TERN_HANDSHAKE_FAILED || err.end_reason != TERN_HS_END_BAD_CRYPT) {
        abort();
    }
    tern_aead_free(&a);
    tern_hs_local_free(&l);
}

/* |a| holds the decoded message; the check takes its scratch from the rest,
 * as the connection layer will. */
static void check(const tern_hs_msg *m, tern_arena *a, int allow, int localhost_allow,
                  const tern_addr *addr, int lanes)
{
    bool is_server = m->kind == TERN_PKT_CONNECT_REQUEST;
    size_t mark = a->used;
    tern_hs_check_params prm = {
        .ip_allow_without_auth = allow,
        .iplocalhost_allow_without_auth = localhost_allow,
        .peer_addr = addr,
        .expected_version = is_server ? 0 : TERN_HS_PROTOCOL_VERSION,
        .local_lanes = lanes,
        .arena = a,
    };
    tern_hs_peer p;
    tern_hs_error err;
    tern_result r = tern_hs_check_peer(m, &prm, &p, &err);
    if (a->used > a->cap) abort();
    a->used = mark;
    switch (r) {
    case TERN_IGNORED:
        if (err.end_reason != 0 || !tern_identity_is_invalid(&p.identity)) abort();
        return;
    case TERN_HANDSHAKE_FAILED:
        if (err.end_reason != TERN_HS_END_BAD_CRYPT && err.end_reason != TERN_HS_END_BAD_CERT &&
            err.end_reason != TERN_HS_END_BAD_PROTOCOL)
            abort();
        if (tern_identity_is_invalid(&p.identity) || err.debug[0] == '\0') abort();
        return;
    case TERN_OK:
        break;
    default:
        abort();
    }
    if (tern_identity_is_invalid(&p.identity) || p.version < TERN_HS_MIN_PROTOCOL_VERSION ||
        p.nciphers < 1 || p.nciphers > 3 || p.nlisted < p.nciphers ||
        (!is_server && p.nlisted != 1) || p.cert_len > sizeof p.cert ||
        p.crypt_len > sizeof p.crypt || err.end_reason != 0)
        abort();
    /* Anonymous peers are always renamed to their address, and only a cert
     * may name a specific IP. */
    if (p.identity.type == TERN_ID_IP &&
        (!p.identity_from_cert || tern_identity_is_localhost(&p.identity)) &&
        !tern_addr_equal(&p.identity.u.ip, addr))
        abort();
    derive_once(is_server, &p);
}

/* A fuzzer cannot forge signatures, so a second pass makes the input's cert
 * carry our key and signs its crypt info with it: everything after the
 * signature check (crypt-info decode, versions, ciphers, key exchange) is
 * then reachable from any input. */
static bool resign(tern_hs_msg *m, tern_arena *a)
{
    static tern_ed25519 key;
    if (!key.has_private) {
        static const uint8_t seed[32] = {7};
        if (tern_ed25519_from_seed(&key, seed) != TERN_OK) abort();
    }
    Tern__CertificateSigned *cs;
    Tern__CryptInfoSigned *cis;
    if (m->kind == TERN_PKT_CONNECT_REQUEST) {
        cs = m->u.connect_request->cert;
        cis = m->u.connect_request->crypt;
    } else {
        cs = m->u.connect_ok->cert;
        cis = m->u.connect_ok->crypt;
    }
    Tern__Certificate *c;
    if (!cs || !cs->has_cert || !cis || !cis->has_info ||
        tern_cert_decode(cs->cert.data, cs->cert.len, a, &c) != TERN_OK)
        return false;
    c->has_key_data = 1;
    c->key_data.data = key.pub;
    c->key_data.len = sizeof key.pub;
    size_t n = tern_pb_size(&c->base);
    uint8_t *body = tern_arena_alloc(a, n ? n : 1);
    uint8_t *sig = tern_arena_alloc(a, TERN_ED25519_SIG_LEN);
    if (!body || !sig || tern_cert_encode(body, body + n, c) != body + n) return false;
    if (tern_ed25519_sign(&key, cis->info.data, cis->info.len, sig) != TERN_OK) abort();
    cs->cert.data = body;
    cs->cert.len = n;
    cis->has_signature = 1;
    cis->signature.data = sig;
    cis->signature.len = TERN_ED25519_SIG_LEN;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!arena_mem) {
        arena_mem = malloc(TERN_PB_ARENA_FOR_DATAGRAM);
        if (!arena_mem) abort();
    }
    tern_arena a;
    tern_arena_init(&a, arena_mem, TERN_PB_ARENA_FOR_DATAGRAM);
    tern_hs_msg m;
    if (tern_hs_decode(data, size, &a, &m) != TERN_OK) return 0;
    if (m.kind != TERN_PKT_CONNECT_REQUEST && m.kind != TERN_PKT_CONNECT_OK) {
        tern_hs_check_params prm = {.peer_addr = NULL};
        tern_hs_peer p;
        if (tern_hs_check_peer(&m, &prm, &p, NULL) != TERN_INVALID_PARAM) abort();
        return 0;
    }
    tern_addr lo, remote;
    tern_addr_set_ipv4(&lo, 0x7f000001, 27015);
    tern_addr_set_ipv4(&remote, 0xc0000207, 4000);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && !resign(&m, &a)) break;
        check(&m, &a, 0, 0, &lo, 1);     /* no unauthenticated peers */
        check(&m, &a, 1, 0, &remote, 2); /* allowed with a warning; two lanes */
        check(&m, &a, 0, 2, &lo, 1);     /* allowed for loopback peers */
    }
    return 0;
}
