/* Fuzz tern_hs_decode with any datagram and a fixed-size arena. A failure
 * must leave the arena untouched and give one of the documented results. A
 * success must re-encode into a datagram that decodes to an equal message,
 * and re-encoding that must give the same bytes again. Cert, crypt-info and
 * legacy-identity bodies inside a decoded message are decoded as well. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pbgen.h"
#include "wire/certmsg.h"
#include "wire/handshake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Re-encoding writes packed runs unpacked (one tag per element), so the
 * re-encoded form of a message that just fit can need more arena. */
#define REDECODE_ARENA (16 * TERN_PB_ARENA_FOR_DATAGRAM)

static uint8_t *arena1, *arena2;

static void inner_bodies(const tern_hs_msg *m, tern_arena *a)
{
    const Tern__CertificateSigned *cs = NULL;
    const Tern__CryptInfoSigned *ci = NULL;
    const Tern__IdentityLegacyBinary *li = NULL;
    if (m->kind == TERN_PKT_CONNECT_REQUEST) {
        cs = m->u.connect_request->cert;
        ci = m->u.connect_request->crypt;
        li = m->u.connect_request->legacy_identity_binary;
    } else if (m->kind == TERN_PKT_CONNECT_OK) {
        cs = m->u.connect_ok->cert;
        ci = m->u.connect_ok->crypt;
        li = m->u.connect_ok->legacy_identity_binary;
    }
    tern_identity id;
    if (li) (void)tern_legacy_id_to_identity(li, &id);
    if (cs && cs->has_cert) {
        Tern__Certificate *c;
        if (tern_cert_decode(cs->cert.data, cs->cert.len, a, &c) == TERN_OK &&
            c->legacy_identity_binary)
            (void)tern_legacy_id_to_identity(c->legacy_identity_binary, &id);
    }
    if (ci && ci->has_info) {
        Tern__CryptInfo *info;
        (void)tern_crypt_info_decode(ci->info.data, ci->info.len, a, &info);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!arena1) {
        arena1 = malloc(TERN_PB_ARENA_FOR_DATAGRAM);
        arena2 = malloc(REDECODE_ARENA);
        if (!arena1 || !arena2) abort();
    }
    tern_arena a, b;
    tern_arena_init(&a, arena1, TERN_PB_ARENA_FOR_DATAGRAM);
    tern_arena_init(&b, arena2, REDECODE_ARENA);
    tern_hs_msg m;
    tern_result r = tern_hs_decode(data, size, &a, &m);
    if (r != TERN_OK) {
        if (r != TERN_MALFORMED && r != TERN_TRUNCATED && r != TERN_ARENA_FULL &&
            r != TERN_INVALID_PARAM)
            abort();
        if (m.kind != TERN_PKT_INVALID || m.u.any || a.used != 0) abort();
        if ((r == TERN_INVALID_PARAM) != (tern_pkt_kind_of(data, size) == TERN_PKT_DATA)) abort();
        return 0;
    }
    if (m.kind != tern_pkt_kind_of(data, size) || !m.u.any ||
        m.u.any->descriptor != tern_hs_descriptor(m.kind))
        abort();
    inner_bodies(&m, &a);

    /* Packed repeated fields re-encode unpacked, so allow for growth. */
    size_t cap = 2 * size + TERN_PADDED_MIN;
    uint8_t *out = malloc(cap), *out2 = malloc(cap);
    if (!out || !out2) abort();
    uint8_t *e = tern_hs_encode(out, out + cap, &m);
    if (!e) {
        /* Only a plain message whose duplicate fields collapsed below 5 bytes. */
        if (tern_pkt_is_padded(m.kind) || 1 + tern_pb_size(m.u.any) >= TERN_DGRAM_MIN) abort();
    } else {
        tern_hs_msg m2;
        size_t n = (size_t)(e - out);
        if (tern_hs_decode(out, n, &b, &m2) != TERN_OK || m2.kind != m.kind) abort();
        if (!pbgen_equal(m.u.any, m2.u.any)) abort();
        uint8_t *e2 = tern_hs_encode(out2, out2 + cap, &m2);
        if (!e2 || (size_t)(e2 - out2) != n || memcmp(out, out2, n) != 0) abort();
    }
    free(out);
    free(out2);
    return 0;
}
