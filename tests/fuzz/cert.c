/* Fuzz the certificate, crypt-info, signed-wrapper and legacy-identity
 * decoders; the first byte picks which one gets the rest. A success must
 * re-encode to bytes that decode to an equal message; a legacy identity that
 * converts to a tern_identity must convert back to the same identity. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pbgen.h"
#include "wire/certmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Re-encoding writes packed runs unpacked (one tag per element), so the
 * re-encoded form of a message that just fit can need more arena. */
#define REDECODE_ARENA (16 * TERN_PB_ARENA_FOR_DATAGRAM)

static uint8_t *arena1, *arena2;

static tern_result decode(unsigned which, const uint8_t *in, size_t n, tern_arena *a,
                          ProtobufCMessage **out)
{
    switch (which) {
    case 0:
        return tern_cert_decode(in, n, a, (Tern__Certificate **)out);
    case 1:
        return tern_cert_signed_decode(in, n, a, (Tern__CertificateSigned **)out);
    case 2:
        return tern_crypt_info_decode(in, n, a, (Tern__CryptInfo **)out);
    case 3:
        return tern_crypt_info_signed_decode(in, n, a, (Tern__CryptInfoSigned **)out);
    default:
        return tern_legacy_id_decode(in, n, a, (Tern__IdentityLegacyBinary **)out);
    }
}

static uint8_t *encode(unsigned which, uint8_t *p, uint8_t *end, const ProtobufCMessage *m)
{
    switch (which) {
    case 0:
        return tern_cert_encode(p, end, (const Tern__Certificate *)m);
    case 1:
        return tern_cert_signed_encode(p, end, (const Tern__CertificateSigned *)m);
    case 2:
        return tern_crypt_info_encode(p, end, (const Tern__CryptInfo *)m);
    case 3:
        return tern_crypt_info_signed_encode(p, end, (const Tern__CryptInfoSigned *)m);
    default:
        return tern_legacy_id_encode(p, end, (const Tern__IdentityLegacyBinary *)m);
    }
}

static void identity_roundtrip(const Tern__IdentityLegacyBinary *l)
{
    tern_identity id, back;
    tern_result r = tern_legacy_id_to_identity(l, &id);
    if (r != TERN_OK) {
        if (r != TERN_MALFORMED && r != TERN_NOT_SUPPORTED) abort();
        return;
    }
    tern_legacy_id lid;
    if (tern_legacy_id_from_identity(&lid, &id) != TERN_OK) abort();
    if (tern_legacy_id_to_identity(&lid.msg, &back) != TERN_OK) abort();
    if (memcmp(&id, &back, sizeof id) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    if (!arena1) {
        arena1 = malloc(TERN_PB_ARENA_FOR_DATAGRAM);
        arena2 = malloc(REDECODE_ARENA);
        if (!arena1 || !arena2) abort();
    }
    unsigned which = data[0] % 5;
    tern_arena a;
    tern_arena_init(&a, arena1, TERN_PB_ARENA_FOR_DATAGRAM);
    ProtobufCMessage *m;
    tern_result r = decode(which, data + 1, size - 1, &a, &m);
    if (r != TERN_OK) {
        if ((r != TERN_MALFORMED && r != TERN_ARENA_FULL) || m || a.used != 0) abort();
        return 0;
    }
    if (which == 0 && ((Tern__Certificate *)m)->legacy_identity_binary)
        identity_roundtrip(((Tern__Certificate *)m)->legacy_identity_binary);
    if (which == 1 && ((Tern__CertificateSigned *)m)->has_cert) {
        Tern__Certificate *c;
        const ProtobufCBinaryData *b = &((Tern__CertificateSigned *)m)->cert;
        (void)tern_cert_decode(b->data, b->len, &a, &c);
    }
    if (which == 3 && ((Tern__CryptInfoSigned *)m)->has_info) {
        Tern__CryptInfo *ci;
        const ProtobufCBinaryData *b = &((Tern__CryptInfoSigned *)m)->info;
        (void)tern_crypt_info_decode(b->data, b->len, &a, &ci);
    }
    if (which == 4) identity_roundtrip((Tern__IdentityLegacyBinary *)m);

    size_t cap = 2 * size + 16, n = tern_pb_size(m);
    uint8_t *out = malloc(cap);
    if (!out) abort();
    uint8_t *e = encode(which, out, out + cap, m);
    if (!e || (size_t)(e - out) != n) abort();
    ProtobufCMessage *m2;
    tern_arena_init(&a, arena2, REDECODE_ARENA);
    if (decode(which, out, n, &a, &m2) != TERN_OK || !pbgen_equal(m, m2)) abort();
    free(out);
    return 0;
}
