/* protobuf-c glue: the arena allocator, TERN_MALFORMED vs TERN_ARENA_FULL,
 * what protobuf-c 1.4.1 accepts (packed repeated scalars, unknown fields),
 * pack bounds, and the arena size a 1300-byte datagram needs. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/pbgen.h"
#include "util/bytes.h"
#include "wire/pb.h"

#include "tern_certs.pb-c.h"
#include "tern_stats.pb-c.h"
#include "tern_udp.pb-c.h"

/* --- a tiny protobuf writer for hand-made inputs --------------------------- */

typedef struct wbuf {
    uint8_t b[32768];
    size_t n;
} wbuf;

static void w_varint(wbuf *w, uint64_t v)
{
    uint8_t *e = tern_varint_encode(w->b + w->n, w->b + sizeof w->b, v);
    assert_non_null(e);
    w->n = (size_t)(e - w->b);
}
static void w_tag(wbuf *w, unsigned field, unsigned wt)
{
    w_varint(w, (uint64_t)field << 3 | wt);
}
static void w_bytes(wbuf *w, const void *p, size_t n)
{
    assert_true(w->n + n <= sizeof w->b);
    memcpy(w->b + w->n, p, n);
    w->n += n;
}
static void w_le(wbuf *w, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) w->b[w->n++] = (uint8_t)(v >> (8 * i));
}
static void w_ld(wbuf *w, unsigned field, const void *p, size_t n)
{
    w_tag(w, field, 2);
    w_varint(w, n);
    w_bytes(w, p, n);
}

static uint8_t big_arena_buf[1 << 20];

/* --- the allocator ---------------------------------------------------------- */

static void test_allocator(void **state)
{
    (void)state;
    uint8_t buf[64];
    tern_arena a;
    tern_arena_init(&a, buf, sizeof buf);
    tern_pb_alloc pa;
    tern_pb_alloc_init(&pa, &a);
    void *p = pa.base.alloc(pa.base.allocator_data, 16);
    assert_non_null(p);
    assert_true((uint8_t *)p >= buf && (uint8_t *)p + 16 <= buf + sizeof buf);
    assert_int_equal(pa.failed, 0);
    size_t used = a.used;
    pa.base.free(pa.base.allocator_data, p); /* a no-op */
    assert_int_equal(a.used, used);
    assert_null(pa.base.alloc(pa.base.allocator_data, 100));
    assert_int_equal(pa.failed, 1);
}

/* --- unpack results ----------------------------------------------------------- */

static void test_unpack_ok_malformed_rollback(void **state)
{
    (void)state;
    uint8_t in[64];
    size_t n = tt_hex("0d 44332211 11 0807060504030201 19 1817161514131211 20 0d", in, sizeof in);
    tern_arena a;
    tern_arena_init(&a, big_arena_buf, sizeof big_arena_buf);
    ProtobufCMessage *m;
    assert_int_equal(tern_pb_unpack(&tern__challenge_reply__descriptor, in, n, &a, &m), TERN_OK);
    const Tern__ChallengeReply *r = (const Tern__ChallengeReply *)m;
    assert_true(r->has_connection_id && r->connection_id == 0x11223344);
    assert_true(r->has_challenge && r->challenge == 0x0102030405060708ull);
    assert_true(r->has_your_timestamp && r->your_timestamp == 0x1112131415161718ull);
    assert_true(r->has_protocol_version && r->protocol_version == 13);
    assert_int_equal(r->base.n_unknown_fields, 0);

    /* Every proper prefix that cuts a field fails as malformed, and leaves
     * the arena as it was. Prefixes at field boundaries are valid messages. */
    size_t used = a.used;
    for (size_t k = 0; k < n; k++) {
        tern_result res = tern_pb_unpack(&tern__challenge_reply__descriptor, in, k, &a, &m);
        int boundary = k == 0 || k == 5 || k == 14 || k == 23;
        assert_int_equal(res, boundary ? TERN_OK : TERN_MALFORMED);
        if (!boundary) {
            assert_null(m);
            assert_int_equal(a.used, used);
        }
        used = a.used;
    }

    /* A known field with the wrong wire type fails (field 1 is fixed32). */
    n = tt_hex("08 01", in, sizeof in);
    assert_int_equal(tern_pb_unpack(&tern__challenge_reply__descriptor, in, n, &a, &m),
                     TERN_MALFORMED);
    /* Wire types 6 and 7 do not exist. */
    n = tt_hex("3e 00", in, sizeof in);
    assert_int_equal(tern_pb_unpack(&tern__challenge_reply__descriptor, in, n, &a, &m),
                     TERN_MALFORMED);
    /* A length running past the end. */
    n = tt_hex("52 05 01 02", in, sizeof in);
    assert_int_equal(tern_pb_unpack(&tern__challenge_reply__descriptor, in, n, &a, &m),
                     TERN_MALFORMED);
    /* An 11-byte varint. */
    n = tt_hex("20 ff ff ff ff ff ff ff ff ff ff 01", in, sizeof in);
    assert_int_equal(tern_pb_unpack(&tern__challenge_reply__descriptor, in, n, &a, &m),
                     TERN_MALFORMED);
}

/* GNS sends repeated scalars unpacked; WIRE.md §0 requires accepting the
 * packed form as well. protobuf-c 1.4.1 does, for fields not declared packed. */
static void test_packed_repeated_accepted(void **state)
{
    (void)state;
    tern_arena a;
    tern_arena_init(&a, big_arena_buf, sizeof big_arena_buf);
    uint8_t in[64], out[64];
    ProtobufCMessage *m;

    /* Certificate.app_ids (uint32, field 10): packed, then mixed. */
    size_t n = tt_hex("52 03 01 02 03", in, sizeof in);
    assert_int_equal(tern_pb_unpack(&tern__certificate__descriptor, in, n, &a, &m), TERN_OK);
    Tern__Certificate *c = (Tern__Certificate *)m;
    assert_int_equal(c->n_app_ids, 3);
    assert_int_equal(c->app_ids[0], 1);
    assert_int_equal(c->app_ids[2], 3);
    n = tt_hex("50 05 52 03 06 87 01 50 08", in, sizeof in);
    assert_int_equal(tern_pb_unpack(&tern__certificate__descriptor, in, n, &a, &m), TERN_OK);
    c = (Tern__Certificate *)m;
    assert_int_equal(c->n_app_ids, 4);
    assert_int_equal(c->app_ids[0], 5);
    assert_int_equal(c->app_ids[1], 6);
    assert_int_equal(c->app_ids[2], 135);
    assert_int_equal(c->app_ids[3], 8);
    /* We write them unpacked, like GNS. */
    uint8_t exp[32];
    size_t en = tt_hex("50 05 50 06 50 87 01 50 08", exp, sizeof exp);
    uint8_t *e = tern_pb_pack(out, out + sizeof out, m);
    assert_non_null(e);
    assert_int_equal(e - out, en);
    assert_memory_equal(out, exp, en);

    /* Certificate.gameserver_datacenter_ids (fixed32, field 5) packed. */
    n = tt_hex("2a 08 01000000 02000000", in, sizeof in);
    assert_int_equal(tern_pb_unpack(&tern__certificate__descriptor, in, n, &a, &m), TERN_OK);
    c = (Tern__Certificate *)m;
    assert_int_equal(c->n_gameserver_datacenter_ids, 2);
    assert_int_equal(c->gameserver_datacenter_ids[1], 2);
    /* ... whose length is not a multiple of 4 is malformed. */
    n = tt_hex("2a 07 01000000 020000", in, sizeof in);
    assert_int_equal(tern_pb_unpack(&tern__certificate__descriptor, in, n, &a, &m), TERN_MALFORMED);

    /* CryptInfo.ciphers (enum, field 5) packed. */
    n = tt_hex("2a 02 02 01", in, sizeof in);
    assert_int_equal(tern_pb_unpack(&tern__crypt_info__descriptor, in, n, &a, &m), TERN_OK);
    Tern__CryptInfo *ci = (Tern__CryptInfo *)m;
    assert_int_equal(ci->n_ciphers, 2);
    assert_int_equal(ci->ciphers[0], TERN__CIPHER__CIPHER_AES_256_GCM);
    assert_int_equal(ci->ciphers[1], TERN__CIPHER__CIPHER_NULL);
    en = tt_hex("28 02 28 01", exp, sizeof exp);
    e = tern_pb_pack(out, out + sizeof out, m);
    assert_int_equal(e - out, en);
    assert_memory_equal(out, exp, en);

    /* LifetimeStats.multipath_packets_recv_sequenced (uint64, field 12) packed. */
    n = tt_hex("62 03 01 81 01", in, sizeof in);
    assert_int_equal(tern_pb_unpack(&tern__lifetime_stats__descriptor, in, n, &a, &m), TERN_OK);
    Tern__LifetimeStats *ls = (Tern__LifetimeStats *)m;
    assert_int_equal(ls->n_multipath_packets_recv_sequenced, 2);
    assert_true(ls->multipath_packets_recv_sequenced[1] == 129);

    /* An empty bytes field is present, with non-NULL data (protobuf-c would
     * leave NULL there and later memcpy from it when re-packing). */
    n = tt_hex("22 00", in, sizeof in);
    assert_int_equal(tern_pb_unpack(&tern__certificate_signed__descriptor, in, n, &a, &m), TERN_OK);
    Tern__CertificateSigned *cs = (Tern__CertificateSigned *)m;
    assert_true(cs->has_cert);
    assert_int_equal(cs->cert.len, 0);
    assert_non_null(cs->cert.data);
    assert_ptr_equal(tern_pb_pack(out, out + sizeof out, m), out + 2);

    /* An empty packed run is refused (see pb.h), wherever it is. */
    n = tt_hex("52 00", in, sizeof in);
    assert_int_equal(tern_pb_unpack(&tern__certificate__descriptor, in, n, &a, &m), TERN_MALFORMED);
    n = tt_hex("0a 04 12 02 62 00", in, sizeof in);
    assert_int_equal(tern_pb_unpack(&tern__udp_stats__descriptor, in, n, &a, &m), TERN_MALFORMED);
    /* ... but an empty repeated string is just an empty string. */
    n = tt_hex("6a 00", in, sizeof in);
    assert_int_equal(tern_pb_unpack(&tern__certificate__descriptor, in, n, &a, &m), TERN_OK);
    assert_int_equal(((Tern__Certificate *)m)->n_ip_addresses, 1);
    assert_string_equal(((Tern__Certificate *)m)->ip_addresses[0], "");

    /* Runs without a single whole element (found by fuzzing protobuf-c). */
    n = tt_hex("52 02 c2 f3", in, sizeof in);
    assert_int_equal(tern_pb_unpack(&tern__certificate__descriptor, in, n, &a, &m), TERN_MALFORMED);
    n = tt_hex("2a 03 010203", in, sizeof in);
    assert_int_equal(tern_pb_unpack(&tern__certificate__descriptor, in, n, &a, &m), TERN_MALFORMED);
    n = tt_hex("52 0b 8080808080808080808001", in, sizeof in); /* an 11-byte varint */
    assert_int_equal(tern_pb_unpack(&tern__certificate__descriptor, in, n, &a, &m), TERN_MALFORMED);
    n = tt_hex("52 0a 80808080808080808001", in, sizeof in); /* 10 bytes: fine */
    assert_int_equal(tern_pb_unpack(&tern__certificate__descriptor, in, n, &a, &m), TERN_OK);

    /* A packed run whose last varint is cut is malformed. */
    n = tt_hex("52 02 81 81", in, sizeof in);
    assert_int_equal(tern_pb_unpack(&tern__certificate__descriptor, in, n, &a, &m), TERN_MALFORMED);
}

/* Unknown fields of every wire type are skipped (and kept, see pb.h). */
static void test_unknown_fields_skipped(void **state)
{
    (void)state;
    tern_arena a;
    tern_arena_init(&a, big_arena_buf, sizeof big_arena_buf);
    uint8_t in[64], out[64];
    /* field 1 = 0x11223344, retired field 2 (fixed64), 9 (varint), 10 (bytes),
     * 11 (fixed32), and field 4 = 13 last. */
    size_t n = tt_hex("0d 44332211 11 0102030405060708 48 96 01 52 03 616263 5d 01020304 20 0d", in,
                      sizeof in);
    ProtobufCMessage *m;
    assert_int_equal(tern_pb_unpack(&tern__challenge_request__descriptor, in, n, &a, &m), TERN_OK);
    Tern__ChallengeRequest *cr = (Tern__ChallengeRequest *)m;
    assert_true(cr->has_connection_id && cr->connection_id == 0x11223344);
    assert_true(cr->has_protocol_version && cr->protocol_version == 13);
    assert_false(cr->has_my_timestamp);
    assert_int_equal(cr->base.n_unknown_fields, 4);
    /* Re-packing writes them back (after the known fields), same size. */
    uint8_t *e = tern_pb_pack(out, out + sizeof out, m);
    assert_non_null(e);
    assert_int_equal(e - out, n);
    ProtobufCMessage *m2;
    assert_int_equal(
        tern_pb_unpack(&tern__challenge_request__descriptor, out, (size_t)(e - out), &a, &m2),
        TERN_OK);
    assert_true(pbgen_equal(m, m2));

    /* Field number 0 and numbers above 2^29-1 are not protobuf, even when
     * protobuf-c's tag parser lets them through (non-minimal or 5-byte tags);
     * also inside a sub-message. */
    static const char *const bad[] = {
        "0d 44332211 81 00 0102030405060708",
        "0d 44332211 80 00 01",
        "0d 44332211 f8 ff ff ff 1f 01",
        "0d 44332211 f8 ff ff ff 7f 01",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        n = tt_hex(bad[i], in, sizeof in);
        assert_int_equal(tern_pb_unpack(&tern__challenge_request__descriptor, in, n, &a, &m),
                         TERN_MALFORMED);
    }
    n = tt_hex("0d 44332211 f8 ff ff ff 0f 01", in, sizeof in); /* 2^29-1: fine */
    assert_int_equal(tern_pb_unpack(&tern__challenge_request__descriptor, in, n, &a, &m), TERN_OK);
    n = tt_hex("22 03 81 00 01", in, sizeof in); /* ConnectRequest.cert { field 0 } */
    assert_int_equal(tern_pb_unpack(&tern__connect_request__descriptor, in, n, &a, &m),
                     TERN_MALFORMED);

    /* Groups (wire types 3/4) are obsolete and nobody sends them;
     * protobuf-c 1.4.1 rejects them even in unknown fields. */
    n = tt_hex("0d 44332211 3b 3c", in, sizeof in);
    assert_int_equal(tern_pb_unpack(&tern__challenge_request__descriptor, in, n, &a, &m),
                     TERN_MALFORMED);
}

/* Thousands of fields in a small arena: TERN_ARENA_FULL, never an overrun
 * (the arena sits inside a buffer with guard bytes on both sides). */
static void test_arena_exhaustion(void **state)
{
    (void)state;
    static wbuf w;
    static uint8_t guarded[4096 + 2 * 64];
    const size_t cap = 4096;
    ProtobufCMessage *m;
    struct {
        const ProtobufCMessageDescriptor *desc;
        unsigned field, wt;
    } cases[] = {
        {&tern__certificate__descriptor, 10, 0},       /* repeated app_ids */
        {&tern__certificate__descriptor, 13, 2},       /* repeated ip_addresses */
        {&tern__challenge_request__descriptor, 15, 0}, /* unknown varints */
        {&tern__connection_closed__descriptor, 9, 2},  /* unknown bytes */
        {&tern__lifetime_stats__descriptor, 12, 0},    /* repeated uint64 */
        {&tern__challenge_reply__descriptor, 4, 0},    /* one optional, repeated */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        w.n = 0;
        for (int i = 0; i < 3000; i++) {
            w_tag(&w, cases[c].field, cases[c].wt);
            if (cases[c].wt == 2)
                w_bytes(&w, "\x01x", 2);
            else
                w_varint(&w, (uint64_t)i);
        }
        memset(guarded, 0xa5, sizeof guarded);
        tern_arena a;
        tern_arena_init(&a, guarded + 64, cap);
        tern_result r = tern_pb_unpack(cases[c].desc, w.b, w.n, &a, &m);
        for (size_t i = 0; i < 64; i++) {
            assert_int_equal(guarded[i], 0xa5);
            assert_int_equal(guarded[64 + cap + i], 0xa5);
        }
        assert_true(a.high_water <= cap);
        assert_int_equal(a.used, 0);
        /* A single repeated optional scalar keeps the last value and needs
         * only the scan tables, which still exceed 4 KiB for 3000 fields. */
        assert_int_equal(r, TERN_ARENA_FULL);
        assert_null(m);
        /* The same input decodes in a big arena. */
        tern_arena big;
        tern_arena_init(&big, big_arena_buf, sizeof big_arena_buf);
        assert_int_equal(tern_pb_unpack(cases[c].desc, w.b, w.n, &big, &m), TERN_OK);
    }
}

static void test_pack_bounds(void **state)
{
    (void)state;
    Tern__ConnectionClosed cc = TERN__CONNECTION_CLOSED__INIT;
    cc.debug = "bye";
    cc.has_reason_code = 1;
    cc.reason_code = 1000;
    size_t need = tern_pb_size(&cc.base);
    assert_int_equal(need, 2 + 3 + 3);
    uint8_t out[64];
    for (size_t cap = 0; cap < need; cap++) assert_null(tern_pb_pack(out, out + cap, &cc.base));
    assert_ptr_equal(tern_pb_pack(out, out + need, &cc.base), out + need);
    assert_null(tern_pb_pack(NULL, out + need, &cc.base));
    Tern__NoConnection empty = TERN__NO_CONNECTION__INIT;
    assert_ptr_equal(tern_pb_pack(out, out, &empty.base), out); /* empty message, 0 bytes */
}

/* --- arena sizing --------------------------------------------------------- */

static size_t measure(const ProtobufCMessageDescriptor *desc, const wbuf *w, const char *what)
{
    tern_arena a;
    tern_arena_init(&a, big_arena_buf, sizeof big_arena_buf);
    ProtobufCMessage *m;
    assert_true(w->n <= 1300);
    assert_int_equal(tern_pb_unpack(desc, w->b, w->n, &a, &m), TERN_OK);
    if (getenv("TERN_PB_VERBOSE"))
        printf("arena for %-44s (%4zu bytes): %6zu\n", what, w->n, a.high_water);
    /* It must also decode in exactly that much, and in the advertised size. */
    static uint8_t exact[1 << 20];
    tern_arena_init(&a, exact, a.high_water + 16);
    assert_int_equal(tern_pb_unpack(desc, w->b, w->n, &a, &m), TERN_OK);
    return a.high_water;
}

static void fill_cert_head(wbuf *w)
{
    uint8_t key[32];
    memset(key, 0x42, sizeof key);
    w->n = 0;
    w_tag(w, 1, 0);
    w_varint(w, 1);
    w_ld(w, 2, key, sizeof key);
}

static void test_arena_sizing(void **state)
{
    (void)state;
    static wbuf w;
    size_t worst = 0, s;

    /* A certificate body that fills a datagram with app_ids. */
    fill_cert_head(&w);
    while (w.n + 2 <= 1300) {
        w_tag(&w, 10, 0);
        w_varint(&w, 0);
    }
    s = measure(&tern__certificate__descriptor, &w, "cert body, ~630 app_ids");
    if (s > worst) worst = s;

    /* ... with data-center IDs. */
    fill_cert_head(&w);
    while (w.n + 5 <= 1300) {
        w_tag(&w, 5, 5);
        w_le(&w, 7, 4);
    }
    s = measure(&tern__certificate__descriptor, &w, "cert body, ~250 datacenter ids");
    if (s > worst) worst = s;

    /* ... with IP address strings. */
    fill_cert_head(&w);
    while (w.n + 2 + 15 <= 1300) w_ld(&w, 13, "255.255.255.255", 15);
    s = measure(&tern__certificate__descriptor, &w, "cert body, ~75 ip_addresses");
    if (s > worst) worst = s;

    /* A stats blob: every scalar, then multipath arrays filling the rest. */
    {
        static wbuf life, inst, q;
        life.n = inst.n = q.n = 0;
        for (unsigned f = 1; f <= 8; f++) {
            w_tag(&inst, f, 0);
            w_varint(&inst, 0xffffffffu);
        }
        static const unsigned scal[] = {2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 14, 15, 21, 22, 23,
                                        24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 41, 42, 43, 44, 45,
                                        46, 47, 48, 49, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 66};
        for (size_t i = 0; i < sizeof scal / sizeof scal[0]; i++) {
            w_tag(&life, scal[i], 0);
            w_varint(&life, 1000000);
        }
        while (inst.n + life.n + 2 + 16 < 1300) {
            w_tag(&life, 12 + (unsigned)(life.n & 1), 0);
            w_varint(&life, 1);
        }
        w_ld(&q, 1, inst.b, inst.n);
        w_ld(&q, 2, life.b, life.n);
        w.n = 0;
        w_ld(&w, 1, q.b, q.n);
        w_tag(&w, 3, 0);
        w_varint(&w, 6);
        s = measure(&tern__udp_stats__descriptor, &w, "stats blob, all fields + multipath");
        if (s > worst) worst = s;
    }

    /* A ConnectOK filling a datagram: CA-signed cert, crypt info, identities
     * (a 127-byte identity string); the cert body takes the rest. */
    {
        static wbuf cs, cr, li;
        static uint8_t body[1300];
        static char id[127];
        uint8_t sig[64];
        memset(sig, 1, sizeof sig);
        memset(body, 2, sizeof body);
        memset(id, 'x', sizeof id);
        for (size_t blen = 1100;; blen--) {
            cs.n = cr.n = li.n = 0;
            w_ld(&cs, 4, body, blen);
            w_tag(&cs, 5, 1);
            w_le(&cs, 0x1234, 8);
            w_ld(&cs, 6, sig, sizeof sig);
            w_ld(&cr, 1, body, 50);
            w_ld(&cr, 2, sig, sizeof sig);
            w_ld(&li, 3, "0123456789012345678901234567890", 31);
            w.n = 0;
            w_tag(&w, 1, 5);
            w_le(&w, 1, 4);
            w_tag(&w, 2, 1);
            w_le(&w, 2, 8);
            w_tag(&w, 3, 1);
            w_le(&w, 3, 8);
            w_tag(&w, 4, 0);
            w_varint(&w, 12345);
            w_tag(&w, 5, 5);
            w_le(&w, 5, 4);
            w_ld(&w, 7, cr.b, cr.n);
            w_ld(&w, 8, cs.b, cs.n);
            w_ld(&w, 10, li.b, li.n);
            w_ld(&w, 11, id, sizeof id);
            if (w.n <= 1299) break;
        }
        s = measure(&tern__connect_ok__descriptor, &w, "ConnectOK, up to 1299 bytes");
        if (s > worst) worst = s;
    }

    if (getenv("TERN_PB_VERBOSE")) printf("worst legitimate: %zu\n", worst);
    /* "Comfortably enough": at least 1.5x the worst case measured here. */
    assert_true(worst + worst / 2 <= TERN_PB_ARENA_FOR_DATAGRAM);
}

/* Hostile 1300-byte inputs can need far more than any legitimate message:
 * duplicated sub-messages are merged, and every merge copies the repeated
 * fields gathered so far. In a TERN_PB_ARENA_FOR_DATAGRAM arena they fail
 * with TERN_ARENA_FULL, while a big arena shows they are valid protobuf. */
static void test_hostile_inputs_bounded(void **state)
{
    (void)state;
    static wbuf w;
    static uint8_t buf[TERN_PB_ARENA_FOR_DATAGRAM];
    struct {
        const ProtobufCMessageDescriptor *desc;
        const char *elt;
        size_t elt_len;
        unsigned field;
        tern_result in_64k;
    } cases[] = {
        /* 650 unknown varint fields: 57.8 KiB, still fits. */
        {&tern__challenge_reply__descriptor, NULL, 0, 15, TERN_OK},
        /* 216 x stats{lifetime{multipath: [1]}}: 316 KiB. */
        {&tern__udp_stats__descriptor, "\x12\x02\x60\x01", 4, 1, TERN_ARENA_FULL},
        /* 650 empty certs in a ConnectRequest: 105 KiB. */
        {&tern__connect_request__descriptor, "", 0, 4, TERN_ARENA_FULL},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        w.n = 0;
        while (w.n + 2 + cases[c].elt_len <= 1300) {
            if (cases[c].elt) {
                w_ld(&w, cases[c].field, cases[c].elt, cases[c].elt_len);
            } else {
                w_tag(&w, cases[c].field, 0);
                w_varint(&w, 0);
            }
        }
        tern_arena a;
        ProtobufCMessage *m;
        tern_arena_init(&a, buf, sizeof buf);
        assert_int_equal(tern_pb_unpack(cases[c].desc, w.b, w.n, &a, &m), cases[c].in_64k);
        tern_arena_init(&a, big_arena_buf, sizeof big_arena_buf);
        assert_int_equal(tern_pb_unpack(cases[c].desc, w.b, w.n, &a, &m), TERN_OK);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allocator),
        cmocka_unit_test(test_unpack_ok_malformed_rollback),
        cmocka_unit_test(test_packed_repeated_accepted),
        cmocka_unit_test(test_unknown_fields_skipped),
        cmocka_unit_test(test_arena_exhaustion),
        cmocka_unit_test(test_pack_bounds),
        cmocka_unit_test(test_arena_sizing),
        cmocka_unit_test(test_hostile_inputs_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
