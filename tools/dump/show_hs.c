/* Handshake and close datagrams (WIRE.md §2, §8). */
#include <inttypes.h>
#include <string.h>

#include "crypto/ed25519.h"
#include "dump.h"
#include "wire/certmsg.h"
#include "wire/handshake.h"

static const char *cipher_name(uint32_t c)
{
    return c == TERN_CIPHER_AES_256_GCM ? "AES-256-GCM"
           : c == TERN_CIPHER_NULL      ? "NULL (no encryption)"
                                        : "unknown";
}

/* Check the crypt-info signature with the certificate's key, as a receiver
 * does (WIRE.md §4.6), and say what it found. */
static void check_signature(dump_state *st, const Tern__CertificateSigned *cert,
                            const Tern__CryptInfoSigned *crypt)
{
    if (!cert || !crypt || !cert->has_cert || !crypt->has_info || !crypt->has_signature) return;
    Tern__Certificate *body;
    if (tern_cert_decode(cert->cert.data, cert->cert.len, &st->arena, &body) != TERN_OK) return;
    if (!body->has_key_data) return;
    tern_ed25519 k = {0};
    const char *verdict;
    if (tern_ed25519_from_public(&k, body->key_data.data, body->key_data.len) != TERN_OK)
        verdict = "cannot check: the certificate's key is not an Ed25519 key";
    else if (tern_ed25519_verify(&k, crypt->info.data, crypt->info.len, crypt->signature.data,
                                 crypt->signature.len) == TERN_OK)
        verdict = "verifies with the certificate's key";
    else
        verdict = "does NOT verify with the certificate's key";
    tern_ed25519_free(&k);
    dump_line(st, 1, "=> crypt signature %s", verdict);
    dump_note(st, " sig %s", strstr(verdict, "NOT") ? "BAD" : "ok");
}

/* The cipher the server chose: its crypt info lists exactly one (§4.3). */
static void note_cipher(dump_state *st, const Tern__CryptInfoSigned *crypt)
{
    if (!crypt || !crypt->has_info) return;
    Tern__CryptInfo *ci;
    if (tern_crypt_info_decode(crypt->info.data, crypt->info.len, &st->arena, &ci) != TERN_OK)
        return;
    uint32_t c = ci->n_ciphers == 1   ? (uint32_t)ci->ciphers[0]
                 : ci->n_ciphers == 0 ? TERN_CIPHER_AES_256_GCM /* empty = legacy [AES] */
                                      : 0;
    if (!c) {
        dump_line(st, 1, "=> the server listed %zu ciphers: a client must refuse that",
                  ci->n_ciphers);
        return;
    }
    st->cipher = c;
    dump_line(st, 1, "=> cipher for data packets: %s", cipher_name(c));
    dump_note(st, " cipher %s", cipher_name(c));
}

static void track(dump_state *st, const tern_hs_msg *m)
{
    switch (m->kind) {
    case TERN_PKT_CHALLENGE_REQUEST: {
        const Tern__ChallengeRequest *x = m->u.challenge_request;
        if (x->has_connection_id) st->client_id = x->connection_id;
        dump_note(st, " conn 0x%08" PRIx32 " v%" PRIu32, x->connection_id, x->protocol_version);
        break;
    }
    case TERN_PKT_CHALLENGE_REPLY: {
        const Tern__ChallengeReply *x = m->u.challenge_reply;
        dump_note(st, " conn 0x%08" PRIx32 " challenge 0x%016" PRIx64 " v%" PRIu32,
                  x->connection_id, x->challenge, x->protocol_version);
        break;
    }
    case TERN_PKT_CONNECT_REQUEST: {
        const Tern__ConnectRequest *x = m->u.connect_request;
        if (x->has_client_connection_id) st->client_id = x->client_connection_id;
        dump_note(st, " client 0x%08" PRIx32 " challenge 0x%016" PRIx64, x->client_connection_id,
                  x->challenge);
        check_signature(st, x->cert, x->crypt);
        break;
    }
    case TERN_PKT_CONNECT_OK: {
        const Tern__ConnectOK *x = m->u.connect_ok;
        if (x->has_server_connection_id) st->server_id = x->server_connection_id;
        if (x->has_client_connection_id) st->client_id = x->client_connection_id;
        dump_note(st, " client 0x%08" PRIx32 " server 0x%08" PRIx32, x->client_connection_id,
                  x->server_connection_id);
        check_signature(st, x->cert, x->crypt);
        note_cipher(st, x->crypt);
        break;
    }
    case TERN_PKT_CONNECTION_CLOSED: {
        const Tern__ConnectionClosed *x = m->u.connection_closed;
        dump_note(st, " to 0x%08" PRIx32 " from 0x%08" PRIx32 " reason %" PRIu32 " %s \"%s\"",
                  x->to_connection_id, x->from_connection_id, x->reason_code,
                  dump_reason_name(x->reason_code), x->debug ? x->debug : "");
        break;
    }
    case TERN_PKT_NO_CONNECTION: {
        const Tern__NoConnection *x = m->u.no_connection;
        dump_note(st, " from 0x%08" PRIx32 " to 0x%08" PRIx32, x->from_connection_id,
                  x->to_connection_id);
        break;
    }
    default:
        break;
    }
}

tern_result dump_handshake(dump_state *st, const dump_dgram *d)
{
    tern_pkt_kind k = tern_pkt_kind_of(d->bytes, d->len);
    if (tern_pkt_is_padded(k)) {
        const uint8_t *body;
        size_t n;
        tern_result r = tern_padded_decode(d->bytes, d->len, &body, &n);
        if (r != TERN_OK) {
            size_t said = tern_load_le16(d->bytes + 1);
            if (d->len < TERN_PADDED_MIN)
                dump_line(st, 1,
                          "error: %s: a padded kind must be at least %d bytes (GNS ignores it)",
                          dump_result_name(r), TERN_PADDED_MIN);
            else if (said == 0)
                dump_line(st, 1, "error: %s: body length 0", dump_result_name(r));
            else
                dump_line(st, 1, "error: %s: body length %zu runs past the datagram",
                          dump_result_name(r), said);
            dump_note(st, "  error: bad padded layout: %s", dump_result_name(r));
            return r;
        }
        size_t pad = d->len - TERN_PADDED_HDR - n, nonzero = 0;
        for (size_t i = TERN_PADDED_HDR + n; i < d->len; i++) nonzero += d->bytes[i] != 0;
        dump_line(st, 1, "%-*s %zu-byte body, then %zu bytes of padding%s", 24, "layout", n, pad,
                  nonzero ? " (some not zero: receivers ignore them)" : "");
    }
    tern_hs_msg m;
    tern_result r = tern_hs_decode(d->bytes, d->len, &st->arena, &m);
    if (r != TERN_OK) {
        dump_line(st, 1, "error: the protobuf does not decode: %s", dump_result_name(r));
        dump_note(st, "  error: protobuf: %s", dump_result_name(r));
        return r;
    }
    dump_pb(st, m.u.any, 1);
    track(st, &m);
    return TERN_OK;
}
