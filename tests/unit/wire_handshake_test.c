/* Lead bytes, the padded layout and the six handshake/close datagrams
 * (WIRE.md §1, §2.3-2.7, §8.2-8.3), against WIRE.md's examples and datagrams
 * captured from GNS (tests/vectors/handshake/). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/pbgen.h"
#include "wire/certmsg.h"
#include "wire/handshake.h"
#include "util/bytes.h"

static uint8_t arena_buf[TERN_PB_ARENA_FOR_DATAGRAM];

static size_t load(const char *name, uint8_t *out, size_t cap)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/vectors/handshake/%s", name);
    FILE *f = fopen(tt_source_path(rel), "rb");
    if (!f) fail_msg("cannot open %s (set TERN_SOURCE_DIR)", tt_source_path(rel));
    size_t n = fread(out, 1, cap, f);
    assert_true(feof(f) || n < cap);
    fclose(f);
    return n;
}

static const char *const vector_files[] = {
    "challenge_request.bin", "challenge_reply.bin",       "connect_request.bin",
    "connect_ok.bin",        "connection_closed_app.bin", "connection_closed_shutdown.bin",
    "no_connection.bin",
};

/* Decode |dgram| (must succeed), re-encode, and require identical bytes. */
static tern_hs_msg decode_reencode(const uint8_t *dgram, size_t len, tern_arena *a)
{
    tern_hs_msg m;
    assert_int_equal(tern_hs_decode(dgram, len, a, &m), TERN_OK);
    uint8_t out[2048];
    uint8_t *e = tern_hs_encode(out, out + sizeof out, &m);
    assert_non_null(e);
    assert_int_equal(e - out, len);
    assert_memory_equal(out, dgram, len);
    return m;
}

/* --- classification and padding ----------------------------------------- */

static void test_pkt_kind(void **state)
{
    (void)state;
    uint8_t d[8] = {0};
    for (unsigned lead = 0; lead < 256; lead++) {
        d[0] = (uint8_t)lead;
        tern_pkt_kind k = tern_pkt_kind_of(d, sizeof d);
        if (lead >= 0x80)
            assert_int_equal(k, TERN_PKT_DATA);
        else if (lead >= 0x20 && lead <= 0x25)
            assert_int_equal(k, (int)lead);
        else
            assert_int_equal(k, TERN_PKT_INVALID);
        /* Anything shorter than 5 bytes is ignored before the lead byte. */
        for (size_t n = 0; n < 5; n++) assert_int_equal(tern_pkt_kind_of(d, n), TERN_PKT_INVALID);
        assert_int_equal(tern_pkt_kind_of(d, 5), k);
    }
    assert_int_equal(tern_pkt_kind_of(NULL, 100), TERN_PKT_INVALID);
    assert_true(tern_pkt_is_padded(TERN_PKT_CHALLENGE_REQUEST));
    assert_true(tern_pkt_is_padded(TERN_PKT_CONNECTION_CLOSED));
    assert_false(tern_pkt_is_padded(TERN_PKT_CHALLENGE_REPLY));
    assert_false(tern_pkt_is_padded(TERN_PKT_CONNECT_REQUEST));
    assert_false(tern_pkt_is_padded(TERN_PKT_CONNECT_OK));
    assert_false(tern_pkt_is_padded(TERN_PKT_NO_CONNECTION));
    assert_false(tern_pkt_is_padded(TERN_PKT_DATA));
}

static void test_padded_rules(void **state)
{
    (void)state;
    uint8_t d[700];
    const uint8_t *body;
    size_t blen;
    memset(d, 0, sizeof d);
    d[0] = TERN_LEAD_CHALLENGE_REQUEST;
    tern_store_le16(d + 1, 6);
    memcpy(d + 3, "\x0d\x01\x02\x03\x04\x00", 6);
    /* < 512 bytes: ignore. */
    assert_int_equal(tern_padded_decode(d, 511, &body, &blen), TERN_MALFORMED);
    assert_int_equal(tern_padded_decode(d, 512, &body, &blen), TERN_OK);
    assert_ptr_equal(body, d + 3);
    assert_int_equal(blen, 6);
    /* Larger than 512 is fine; bytes after the body are not checked. */
    d[600] = 0x77;
    assert_int_equal(tern_padded_decode(d, 700, &body, &blen), TERN_OK);
    /* N = 0: ignore. */
    tern_store_le16(d + 1, 0);
    assert_int_equal(tern_padded_decode(d, 512, &body, &blen), TERN_MALFORMED);
    /* 3 + N = size is the largest allowed; one more runs past the end. */
    tern_store_le16(d + 1, 509);
    assert_int_equal(tern_padded_decode(d, 512, &body, &blen), TERN_OK);
    assert_int_equal(blen, 509);
    tern_store_le16(d + 1, 510);
    assert_int_equal(tern_padded_decode(d, 512, &body, &blen), TERN_TRUNCATED);
    tern_store_le16(d + 1, 0xffff);
    assert_int_equal(tern_padded_decode(d, 700, &body, &blen), TERN_TRUNCATED);

    /* Encoding: exactly 512 bytes, zero-filled; longer bodies are not padded. */
    uint8_t out[1024];
    memset(out, 0xee, sizeof out);
    uint8_t *e = tern_padded_encode(out, out + sizeof out, 0x24, (const uint8_t *)"abc", 3);
    assert_ptr_equal(e, out + 512);
    assert_int_equal(out[0], 0x24);
    assert_int_equal(tern_load_le16(out + 1), 3);
    assert_memory_equal(out + 3, "abc", 3);
    for (size_t i = 6; i < 512; i++) assert_int_equal(out[i], 0);
    assert_int_equal(out[512], 0xee);
    assert_null(tern_padded_encode(out, out + 511, 0x24, (const uint8_t *)"abc", 3));
    assert_null(tern_padded_encode(out, out + sizeof out, 0x24, (const uint8_t *)"", 0));
    static uint8_t big[600];
    e = tern_padded_encode(out, out + sizeof out, 0x20, big, sizeof big);
    assert_ptr_equal(e, out + 603);
    assert_null(tern_padded_encode(out, out + 602, 0x20, big, sizeof big));
}

/* --- WIRE.md and captured vectors ------------------------------------------- */

/* WIRE.md §8.2: 24 2e 00 12 1f "SteamNetworkingSockets shutdown" 18 b7 17
 * 25 <to> 2d <from>, zeros to 512 (to/from chosen here). */
static void test_connection_closed_example(void **state)
{
    (void)state;
    uint8_t exp[512] = {0};
    size_t n =
        tt_hex("24 2e 00 12 1f 537465616d4e6574776f726b696e67536f636b6574732073687574646f776e"
               "18 b7 17 25 44332211 2d 88776655",
               exp, sizeof exp);
    assert_int_equal(n, 3 + 0x2e);
    tern_arena a;
    tern_arena_init(&a, arena_buf, sizeof arena_buf);
    tern_hs_msg m = decode_reencode(exp, sizeof exp, &a);
    assert_int_equal(m.kind, TERN_PKT_CONNECTION_CLOSED);
    const Tern__ConnectionClosed *cc = m.u.connection_closed;
    assert_string_equal(cc->debug, "SteamNetworkingSockets shutdown");
    assert_true(cc->has_reason_code && cc->reason_code == 2999);
    assert_true(cc->has_to_connection_id && cc->to_connection_id == 0x11223344);
    assert_true(cc->has_from_connection_id && cc->from_connection_id == 0x55667788);

    /* The same bytes from a struct built by hand. */
    Tern__ConnectionClosed b = TERN__CONNECTION_CLOSED__INIT;
    b.debug = "SteamNetworkingSockets shutdown";
    b.has_reason_code = 1;
    b.reason_code = 2999;
    b.has_to_connection_id = 1;
    b.to_connection_id = 0x11223344;
    b.has_from_connection_id = 1;
    b.from_connection_id = 0x55667788;
    tern_hs_msg in = {.kind = TERN_PKT_CONNECTION_CLOSED, .u.connection_closed = &b};
    uint8_t out[600];
    memset(out, 0xcc, sizeof out);
    uint8_t *e = tern_hs_encode(out, out + sizeof out, &in);
    assert_ptr_equal(e, out + 512);
    assert_memory_equal(out, exp, 512);
}

static void test_captured_gns_datagrams(void **state)
{
    (void)state;
    uint8_t d[2048];
    tern_arena a;
    tern_arena_init(&a, arena_buf, sizeof arena_buf);
    tern_hs_msg m;

    size_t n = load("challenge_request.bin", d, sizeof d);
    assert_int_equal(n, 512);
    m = decode_reencode(d, n, &a);
    assert_int_equal(m.kind, TERN_PKT_CHALLENGE_REQUEST);
    assert_int_equal(tern_load_le16(d + 1), 16);
    assert_true(m.u.challenge_request->has_connection_id);
    assert_int_equal(m.u.challenge_request->connection_id, 0xa84fa8d4);
    assert_true(m.u.challenge_request->my_timestamp == 0x000002ba7df7217aull);
    assert_int_equal(m.u.challenge_request->protocol_version, 13);

    n = load("challenge_reply.bin", d, sizeof d);
    assert_int_equal(n, 26); /* WIRE.md §2.11 */
    m = decode_reencode(d, n, &a);
    assert_int_equal(m.kind, TERN_PKT_CHALLENGE_REPLY);
    const Tern__ChallengeReply *cr = m.u.challenge_reply;
    assert_int_equal(cr->connection_id, 0xa84fa8d4);
    assert_true(cr->has_challenge && cr->challenge == 0x440bc10225d9a7e0ull);
    assert_true(cr->has_your_timestamp && cr->your_timestamp == 0x000002ba7df7217aull);
    assert_true(cr->has_protocol_version && cr->protocol_version == 13);

    n = load("connect_request.bin", d, sizeof d);
    assert_int_equal(n, 217);
    m = decode_reencode(d, n, &a);
    assert_int_equal(m.kind, TERN_PKT_CONNECT_REQUEST);
    const Tern__ConnectRequest *rq = m.u.connect_request;
    assert_int_equal(rq->client_connection_id, 0xa84fa8d4);
    assert_true(rq->challenge == 0x440bc10225d9a7e0ull);
    assert_true(rq->has_my_timestamp && rq->my_timestamp == 0x000002ba7df725c7ull);
    assert_true(rq->has_ping_est_ms && rq->ping_est_ms == 1);
    assert_false(rq->has_legacy_client_steam_id);
    assert_null(rq->identity_string);
    assert_null(rq->legacy_identity_binary);
    assert_non_null(rq->cert);
    assert_true(rq->cert->has_cert && !rq->cert->has_ca_signature && !rq->cert->has_ca_key_id);
    /* The signed bytes are kept exactly: they sit at offset 1+5+9+2+2. */
    assert_int_equal(rq->cert->cert.len, 68);
    assert_memory_equal(rq->cert->cert.data, d + 19, 68);
    assert_non_null(rq->crypt);
    assert_int_equal(rq->crypt->info.len, 49);
    assert_int_equal(rq->crypt->signature.len, 64);
    assert_memory_equal(rq->crypt->info.data, d + 217 - 64 - 2 - 49, 49);
    Tern__Certificate *cert;
    assert_int_equal(tern_cert_decode(rq->cert->cert.data, rq->cert->cert.len, &a, &cert), TERN_OK);
    assert_string_equal(cert->identity_string, "ip:::1");
    Tern__CryptInfo *ci;
    assert_int_equal(tern_crypt_info_decode(rq->crypt->info.data, rq->crypt->info.len, &a, &ci),
                     TERN_OK);
    assert_int_equal(ci->protocol_version, 13);
    assert_int_equal(ci->n_ciphers, 1);
    assert_int_equal(ci->ciphers[0], TERN__CIPHER__CIPHER_AES_256_GCM);

    n = load("connect_ok.bin", d, sizeof d);
    assert_int_equal(n, 214);
    m = decode_reencode(d, n, &a);
    assert_int_equal(m.kind, TERN_PKT_CONNECT_OK);
    const Tern__ConnectOK *ok = m.u.connect_ok;
    assert_int_equal(ok->client_connection_id, 0xa84fa8d4);
    assert_true(ok->has_server_connection_id && ok->server_connection_id == 0x89ce8a18);
    assert_true(ok->has_your_timestamp && ok->your_timestamp == 0x000002ba7df725c7ull);
    assert_true(ok->has_delay_time_usec && ok->delay_time_usec == 9665);
    assert_non_null(ok->cert);
    assert_non_null(ok->crypt);
    assert_int_equal(ok->cert->cert.len, 68);
    assert_memory_equal(ok->cert->cert.data, d + 214 - 68, 68);
    assert_false(ok->has_legacy_server_steam_id);

    n = load("connection_closed_app.bin", d, sizeof d);
    m = decode_reencode(d, n, &a);
    assert_int_equal(m.kind, TERN_PKT_CONNECTION_CLOSED);
    assert_string_equal(m.u.connection_closed->debug, "Goodbye");
    assert_int_equal(m.u.connection_closed->reason_code, 1000);
    assert_int_equal(m.u.connection_closed->to_connection_id, 0x89ce8a18);
    assert_int_equal(m.u.connection_closed->from_connection_id, 0xa84fa8d4);

    n = load("connection_closed_shutdown.bin", d, sizeof d);
    m = decode_reencode(d, n, &a);
    assert_string_equal(m.u.connection_closed->debug, "SteamNetworkingSockets shutdown");
    assert_int_equal(m.u.connection_closed->reason_code, 2999);

    n = load("no_connection.bin", d, sizeof d);
    assert_int_equal(n, 11); /* WIRE.md §8.3: "11 bytes typically" */
    m = decode_reencode(d, n, &a);
    assert_int_equal(m.kind, TERN_PKT_NO_CONNECTION);
    assert_true(m.u.no_connection->has_from_connection_id);
    assert_int_equal(m.u.no_connection->from_connection_id, 0x89ce8a18);
    assert_int_equal(m.u.no_connection->to_connection_id, 0xa84fa8d4);
}

/* --- sizes ------------------------------------------------------------------ */

static void test_sizes(void **state)
{
    (void)state;
    uint8_t out[1500];
    Tern__ChallengeRequest rq = TERN__CHALLENGE_REQUEST__INIT;
    rq.has_connection_id = rq.has_my_timestamp = rq.has_protocol_version = 1;
    rq.connection_id = 0x11223344;
    rq.my_timestamp = 3000000000000ull;
    rq.protocol_version = 13;
    tern_hs_msg m = {.kind = TERN_PKT_CHALLENGE_REQUEST, .u.challenge_request = &rq};
    assert_ptr_equal(tern_hs_encode(out, out + sizeof out, &m), out + 512);

    Tern__ChallengeReply rp = TERN__CHALLENGE_REPLY__INIT;
    rp.has_connection_id = rp.has_challenge = rp.has_your_timestamp = rp.has_protocol_version = 1;
    rp.connection_id = 0xffffffff;
    rp.challenge = UINT64_MAX;
    rp.your_timestamp = UINT64_MAX;
    rp.protocol_version = 13;
    m = (tern_hs_msg){.kind = TERN_PKT_CHALLENGE_REPLY, .u.challenge_reply = &rp};
    /* §2.11: 26 bytes in answer to >= 512. */
    assert_ptr_equal(tern_hs_encode(out, out + sizeof out, &m), out + 26);

    Tern__NoConnection nc = TERN__NO_CONNECTION__INIT;
    nc.has_from_connection_id = nc.has_to_connection_id = 1;
    m = (tern_hs_msg){.kind = TERN_PKT_NO_CONNECTION, .u.no_connection = &nc};
    assert_ptr_equal(tern_hs_encode(out, out + sizeof out, &m), out + 11);
}

static void test_encode_errors(void **state)
{
    (void)state;
    uint8_t out[1024];
    Tern__ChallengeRequest rq = TERN__CHALLENGE_REQUEST__INIT;
    tern_hs_msg m = {.kind = TERN_PKT_CHALLENGE_REQUEST, .u.challenge_request = &rq};
    /* An empty padded body is never sent. */
    assert_null(tern_hs_encode(out, out + sizeof out, &m));
    rq.has_protocol_version = 1;
    rq.protocol_version = 13;
    assert_ptr_equal(tern_hs_encode(out, out + sizeof out, &m), out + 512);
    assert_int_equal(tern_load_le16(out + 1), 2);
    /* Room for everything but the padding. */
    for (size_t cap = 0; cap < 512; cap++) assert_null(tern_hs_encode(out, out + cap, &m));
    /* A message of another kind. */
    m.kind = TERN_PKT_CONNECTION_CLOSED;
    assert_null(tern_hs_encode(out, out + sizeof out, &m));
    m.kind = TERN_PKT_DATA;
    assert_null(tern_hs_encode(out, out + sizeof out, &m));
    m.kind = TERN_PKT_INVALID;
    assert_null(tern_hs_encode(out, out + sizeof out, &m));
    m.kind = TERN_PKT_CHALLENGE_REQUEST;
    m.u.any = NULL;
    assert_null(tern_hs_encode(out, out + sizeof out, &m));
    /* Plain datagrams shorter than 5 bytes would be ignored by the peer. */
    Tern__NoConnection nc = TERN__NO_CONNECTION__INIT;
    m = (tern_hs_msg){.kind = TERN_PKT_NO_CONNECTION, .u.no_connection = &nc};
    assert_null(tern_hs_encode(out, out + sizeof out, &m));
    nc.has_from_connection_id = 1;
    assert_ptr_equal(tern_hs_encode(out, out + sizeof out, &m), out + 6);
    for (size_t cap = 0; cap < 6; cap++) assert_null(tern_hs_encode(out, out + cap, &m));
    assert_null(tern_hs_encode(NULL, out + sizeof out, &m));
}

static void test_decode_errors(void **state)
{
    (void)state;
    uint8_t d[600] = {0};
    tern_arena a;
    tern_arena_init(&a, arena_buf, sizeof arena_buf);
    tern_hs_msg m;
    d[0] = 0x81;
    assert_int_equal(tern_hs_decode(d, 40, &a, &m), TERN_INVALID_PARAM);
    assert_int_equal(m.kind, TERN_PKT_INVALID);
    assert_null(m.u.any);
    d[0] = 0x26;
    assert_int_equal(tern_hs_decode(d, 40, &a, &m), TERN_MALFORMED);
    d[0] = 0x25;
    assert_int_equal(tern_hs_decode(d, 4, &a, &m), TERN_MALFORMED);
    memcpy(d + 1, "\x15\x01\x02\x03\x04", 5);
    assert_int_equal(tern_hs_decode(d, 6, &a, &m), TERN_OK);
    assert_int_equal(tern_hs_decode(d, 5, &a, &m), TERN_MALFORMED); /* cut fixed32 */
    /* Padded kind: 511 bytes, N = 0, N too long. */
    d[0] = 0x24;
    tern_store_le16(d + 1, 5);
    memcpy(d + 3, "\x18\xe8\x07\x20\x01", 5); /* reason 1000, then field 4 as a varint */
    assert_int_equal(tern_hs_decode(d, 511, &a, &m), TERN_MALFORMED);
    /* Field 4 (to_connection_id) is fixed32: a varint there is malformed. */
    assert_int_equal(tern_hs_decode(d, 512, &a, &m), TERN_MALFORMED);
    tern_store_le16(d + 1, 3);
    assert_int_equal(tern_hs_decode(d, 512, &a, &m), TERN_OK);
    assert_int_equal(m.u.connection_closed->reason_code, 1000);
    tern_store_le16(d + 1, 0);
    assert_int_equal(tern_hs_decode(d, 512, &a, &m), TERN_MALFORMED);
    tern_store_le16(d + 1, 510);
    assert_int_equal(tern_hs_decode(d, 512, &a, &m), TERN_TRUNCATED);

    /* Arena too small for a ConnectRequest: TERN_ARENA_FULL, arena unchanged. */
    uint8_t dg[2048], small[256];
    size_t n = load("connect_request.bin", dg, sizeof dg);
    tern_arena sa;
    tern_arena_init(&sa, small, sizeof small);
    assert_int_equal(tern_hs_decode(dg, n, &sa, &m), TERN_ARENA_FULL);
    assert_int_equal(sa.used, 0);
    assert_null(m.u.any);
}

/* --- robustness ------------------------------------------------------------- */

/* Decode |d|; if it decodes, its re-encoding must decode to an equal message. */
static void decode_consistent(const uint8_t *d, size_t n, tern_arena *a)
{
    tern_hs_msg m, m2;
    tern_arena_reset(a);
    tern_result r = tern_hs_decode(d, n, a, &m);
    if (r != TERN_OK) {
        assert_true(r == TERN_MALFORMED || r == TERN_TRUNCATED || r == TERN_INVALID_PARAM ||
                    r == TERN_ARENA_FULL);
        return;
    }
    static uint8_t out[4096];
    uint8_t *e = tern_hs_encode(out, out + sizeof out, &m);
    if (!e) {
        /* Only a plain message that shrank below 5 bytes (duplicate fields
         * collapsed) may fail to encode. */
        assert_false(tern_pkt_is_padded(m.kind));
        assert_true(1 + tern_pb_size(m.u.any) < TERN_DGRAM_MIN);
        return;
    }
    assert_int_equal(tern_hs_decode(out, (size_t)(e - out), a, &m2), TERN_OK);
    assert_int_equal(m2.kind, m.kind);
    assert_true(pbgen_equal(m.u.any, m2.u.any));
}

static void test_truncate_and_flip_vectors(void **state)
{
    (void)state;
    uint8_t d[2048], c[2048];
    tern_arena a;
    tern_arena_init(&a, arena_buf, sizeof arena_buf);
    for (size_t v = 0; v < sizeof vector_files / sizeof vector_files[0]; v++) {
        size_t n = load(vector_files[v], d, sizeof d);
        for (size_t k = 0; k <= n; k++) {
            memcpy(c, d, k); /* exact-length copy is what ASan would check */
            decode_consistent(c, k, &a);
        }
        for (size_t i = 0; i < n; i++) {
            static const uint8_t flips[] = {0x01, 0x80, 0xff};
            for (size_t f = 0; f < sizeof flips; f++) {
                memcpy(c, d, n);
                c[i] ^= flips[f];
                decode_consistent(c, n, &a);
            }
        }
    }
}

static const tern_pkt_kind all_kinds[] = {
    TERN_PKT_CHALLENGE_REQUEST, TERN_PKT_CHALLENGE_REPLY,   TERN_PKT_CONNECT_REQUEST,
    TERN_PKT_CONNECT_OK,        TERN_PKT_CONNECTION_CLOSED, TERN_PKT_NO_CONNECTION,
};

static void test_random_roundtrip(void **state)
{
    (void)state;
    static uint8_t gen_buf[1 << 16], src_bytes[4096], out[8192];
    tern_arena ga, a;
    tern_arena_init(&a, arena_buf, sizeof arena_buf);
    tt_rng rng;
    tt_rng_seed(&rng, 0x4853);
    unsigned encoded = 0;
    for (unsigned s = 0; s < tt_seeds(3000); s++) {
        tern_pkt_kind kind = all_kinds[s % 6];
        tt_rng_bytes(&rng, src_bytes, sizeof src_bytes);
        pbgen_src src = {src_bytes, sizeof src_bytes, 0};
        tern_arena_init(&ga, gen_buf, sizeof gen_buf);
        tern_hs_msg m = {.kind = kind};
        m.u.any = pbgen_message(tern_hs_descriptor(kind), &src, &ga, 0);
        assert_non_null(m.u.any);
        uint8_t *e = tern_hs_encode(out, out + sizeof out, &m);
        size_t body = tern_pb_size(m.u.any);
        if (!e) {
            assert_true(tern_pkt_is_padded(kind) ? body == 0 : body + 1 < 5);
            continue;
        }
        encoded++;
        size_t len = (size_t)(e - out);
        if (tern_pkt_is_padded(kind))
            assert_int_equal(len, body + 3 > 512 ? body + 3 : 512);
        else
            assert_int_equal(len, body + 1);
        tern_hs_msg d;
        tern_arena_reset(&a);
        assert_int_equal(tern_hs_decode(out, len, &a, &d), TERN_OK);
        assert_int_equal(d.kind, kind);
        assert_true(pbgen_equal(m.u.any, d.u.any));
    }
    assert_true(encoded > tt_seeds(3000) / 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pkt_kind),
        cmocka_unit_test(test_padded_rules),
        cmocka_unit_test(test_connection_closed_example),
        cmocka_unit_test(test_captured_gns_datagrams),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_truncate_and_flip_vectors),
        cmocka_unit_test(test_random_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
