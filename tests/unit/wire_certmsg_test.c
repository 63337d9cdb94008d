/* Certificate and crypt-info bodies, signed wrappers and the legacy binary
 * identity (WIRE.md §3.3, §4.1, §4.2, Appendix B). */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "fuzz/pbgen.h"
#include "util/bytes.h"
#include "wire/certmsg.h"
#include "wire/handshake.h"

static uint8_t arena_buf[TERN_PB_ARENA_FOR_DATAGRAM];

#define CLIENT_PUB "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
#define SERVER_PUB "29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7"
#define CLIENT_X   "7b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13"
#define SERVER_X   "0faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f20"

/* Appendix B. */
static const char *const cert_client_hex = "08011220" CLIENT_PUB "5000";
static const char *const cert_server_hex = "08011220" SERVER_PUB "5000";
static const char *const crypt_client_hex = "08011220" CLIENT_X "190807060504030201200d2802";
static const char *const crypt_server_hex = "08011220" SERVER_X "191817161514131211200d2802";
static const char *const client_sig_hex =
    "4f8d78e38ec5afa9f20075015fce16758359f3c7832bd6537e65787afb6eafec"
    "3184d27024fa0b464e326756f977fbb82a3390436b8ac3ca5a7e7eb82d655700";
/* §4.1.3, with the Appendix B client key: ip:::1, app 0. */
static const char *const cert_selfmade_hex = "08011220" CLIENT_PUB "5000"
                                             "5a14 2212 00000000000000000000000000000001 0000"
                                             "6206 69703a3a3a31";

static void check_cert(const char *hex, const char *pub_hex)
{
    uint8_t in[256], pub[32], out[256];
    size_t n = tt_hex(hex, in, sizeof in);
    tt_hex(pub_hex, pub, sizeof pub);
    tern_arena a;
    tern_arena_init(&a, arena_buf, sizeof arena_buf);
    Tern__Certificate *c;
    assert_int_equal(tern_cert_decode(in, n, &a, &c), TERN_OK);
    assert_true(c->has_key_type && c->key_type == TERN__CERTIFICATE__KEY_TYPE__ED25519);
    assert_true(c->has_key_data && c->key_data.len == 32);
    assert_memory_equal(c->key_data.data, pub, 32);
    assert_int_equal(c->n_app_ids, 1);
    assert_int_equal(c->app_ids[0], 0);
    assert_false(c->has_legacy_steam_id || c->has_time_created || c->has_time_expiry);
    assert_null(c->identity_string);
    assert_null(c->legacy_identity_binary);
    assert_int_equal(c->n_gameserver_datacenter_ids + c->n_ip_addresses, 0);
    uint8_t *e = tern_cert_encode(out, out + sizeof out, c);
    assert_int_equal(e - out, n);
    assert_memory_equal(out, in, n);
    /* The self-made builder without identity makes exactly these bytes. */
    e = tern_cert_selfmade_encode(out, out + sizeof out, pub, 0, NULL, NULL);
    assert_int_equal(e - out, n);
    assert_memory_equal(out, in, n);
}

static void test_appendix_b_certs(void **state)
{
    (void)state;
    check_cert(cert_client_hex, CLIENT_PUB);
    check_cert(cert_server_hex, SERVER_PUB);
}

static void check_crypt(const char *hex, const char *key_hex, uint64_t nonce)
{
    uint8_t in[256], key[32], out[256];
    size_t n = tt_hex(hex, in, sizeof in);
    tt_hex(key_hex, key, sizeof key);
    tern_arena a;
    tern_arena_init(&a, arena_buf, sizeof arena_buf);
    Tern__CryptInfo *ci;
    assert_int_equal(tern_crypt_info_decode(in, n, &a, &ci), TERN_OK);
    assert_true(ci->has_key_type && ci->key_type == TERN__CRYPT_INFO__KEY_TYPE__CURVE25519);
    assert_true(ci->has_key_data && ci->key_data.len == 32);
    assert_memory_equal(ci->key_data.data, key, 32);
    assert_true(ci->has_nonce && ci->nonce == nonce);
    assert_true(ci->has_protocol_version && ci->protocol_version == 13);
    assert_int_equal(ci->n_ciphers, 1);
    assert_int_equal(ci->ciphers[0], TERN__CIPHER__CIPHER_AES_256_GCM);
    uint8_t *e = tern_crypt_info_encode(out, out + sizeof out, ci);
    assert_int_equal(e - out, n);
    assert_memory_equal(out, in, n);

    /* Built by hand, the same bytes. */
    Tern__CryptInfo b = TERN__CRYPT_INFO__INIT;
    Tern__Cipher aes = TERN__CIPHER__CIPHER_AES_256_GCM;
    b.has_key_type = b.has_key_data = b.has_nonce = b.has_protocol_version = 1;
    b.key_type = TERN__CRYPT_INFO__KEY_TYPE__CURVE25519;
    b.key_data.data = key;
    b.key_data.len = 32;
    b.nonce = nonce;
    b.protocol_version = 13;
    b.n_ciphers = 1;
    b.ciphers = &aes;
    e = tern_crypt_info_encode(out, out + sizeof out, &b);
    assert_int_equal(e - out, n);
    assert_memory_equal(out, in, n);
}

static void test_appendix_b_crypt_info(void **state)
{
    (void)state;
    check_crypt(crypt_client_hex, CLIENT_X, 0x0102030405060708ull);
    check_crypt(crypt_server_hex, SERVER_X, 0x1112131415161718ull);
}

static void test_signed_wrappers(void **state)
{
    (void)state;
    uint8_t info[128], sig[64], cert[128], out[512];
    size_t ni = tt_hex(crypt_client_hex, info, sizeof info);
    tt_hex(client_sig_hex, sig, sizeof sig);
    size_t nc = tt_hex(cert_client_hex, cert, sizeof cert);
    tern_arena a;
    tern_arena_init(&a, arena_buf, sizeof arena_buf);

    Tern__CryptInfoSigned cs = TERN__CRYPT_INFO_SIGNED__INIT;
    cs.has_info = cs.has_signature = 1;
    cs.info = (ProtobufCBinaryData){ni, info};
    cs.signature = (ProtobufCBinaryData){64, sig};
    uint8_t *e = tern_crypt_info_signed_encode(out, out + sizeof out, &cs);
    assert_non_null(e);
    assert_int_equal(e - out, 2 + ni + 2 + 64);
    assert_int_equal(out[0], 0x0a);
    assert_int_equal(out[1], ni);
    assert_memory_equal(out + 2, info, ni);
    assert_int_equal(out[2 + ni], 0x12);
    assert_int_equal(out[3 + ni], 0x40);
    Tern__CryptInfoSigned *csd;
    assert_int_equal(tern_crypt_info_signed_decode(out, (size_t)(e - out), &a, &csd), TERN_OK);
    assert_true(pbgen_equal(&cs.base, &csd->base));
    /* The kept bytes are a copy in the arena, exactly what was signed. */
    assert_true(csd->info.data >= arena_buf && csd->info.data < arena_buf + sizeof arena_buf);
    assert_memory_equal(csd->info.data, info, ni);

    /* An unsigned cert travels as field 4 only. */
    Tern__CertificateSigned s = TERN__CERTIFICATE_SIGNED__INIT;
    s.has_cert = 1;
    s.cert = (ProtobufCBinaryData){nc, cert};
    e = tern_cert_signed_encode(out, out + sizeof out, &s);
    assert_int_equal(e - out, 2 + nc);
    assert_int_equal(out[0], 0x22);
    assert_int_equal(out[1], nc);
    /* A CA-signed one adds 5 (fixed64) and 6. */
    s.has_ca_key_id = s.has_ca_signature = 1;
    s.ca_key_id = 0x0807060504030201ull;
    s.ca_signature = (ProtobufCBinaryData){64, sig};
    e = tern_cert_signed_encode(out, out + sizeof out, &s);
    assert_int_equal(e - out, 2 + nc + 9 + 66);
    assert_int_equal(out[2 + nc], 0x29);
    assert_int_equal(out[3 + nc], 0x01);
    assert_int_equal(out[11 + nc], 0x32);
    Tern__CertificateSigned *sd;
    assert_int_equal(tern_cert_signed_decode(out, (size_t)(e - out), &a, &sd), TERN_OK);
    assert_true(pbgen_equal(&s.base, &sd->base));
    /* Encoders check what they are given. */
    assert_null(tern_cert_signed_encode(out, out + sizeof out, (const void *)&cs));
    assert_null(tern_cert_encode(out, out + sizeof out, NULL));
}

/* §4.1.3: the observed unsigned cert body, identity ip:::1. */
static void test_selfmade_localhost(void **state)
{
    (void)state;
    uint8_t exp[256], pub[32], out[256];
    size_t n = tt_hex(cert_selfmade_hex, exp, sizeof exp);
    tt_hex(CLIENT_PUB, pub, sizeof pub);
    tern_arena a;
    tern_arena_init(&a, arena_buf, sizeof arena_buf);
    Tern__Certificate *c;
    assert_int_equal(tern_cert_decode(exp, n, &a, &c), TERN_OK);
    assert_string_equal(c->identity_string, "ip:::1");
    assert_non_null(c->legacy_identity_binary);
    assert_int_equal(c->n_app_ids, 1);
    tern_identity id;
    assert_int_equal(tern_legacy_id_to_identity(c->legacy_identity_binary, &id), TERN_OK);
    assert_int_equal(id.type, TERN_ID_IP);
    assert_int_equal(id.size, 18);
    static const uint8_t lo[16] = {[15] = 1};
    assert_memory_equal(id.u.ip.ipv6, lo, 16);
    assert_int_equal(id.u.ip.port, 0);
    uint8_t *e = tern_cert_encode(out, out + sizeof out, c);
    assert_int_equal(e - out, n);
    assert_memory_equal(out, exp, n);

    e = tern_cert_selfmade_encode(out, out + sizeof out, pub, 0, &id, "ip:::1");
    assert_int_equal(e - out, n);
    assert_memory_equal(out, exp, n);
    for (size_t cap = 0; cap < n; cap++)
        assert_null(tern_cert_selfmade_encode(out, out + cap, pub, 0, &id, "ip:::1"));
    assert_null(tern_cert_selfmade_encode(out, out + sizeof out, NULL, 0, &id, "ip:::1"));
    assert_null(tern_cert_selfmade_encode(out, out + sizeof out, pub, 0, &id, NULL));

    /* The cert body GNS sent in a real ConnectRequest, rebuilt from its key. */
    uint8_t d[512];
    FILE *f = fopen(tt_source_path("tests/vectors/handshake/connect_request.bin"), "rb");
    assert_non_null(f);
    size_t dn = fread(d, 1, sizeof d, f);
    fclose(f);
    tern_hs_msg m;
    assert_int_equal(tern_hs_decode(d, dn, &a, &m), TERN_OK);
    const ProtobufCBinaryData *body = &m.u.connect_request->cert->cert;
    assert_int_equal(tern_cert_decode(body->data, body->len, &a, &c), TERN_OK);
    e = tern_cert_selfmade_encode(out, out + sizeof out, c->key_data.data, 0, &id, "ip:::1");
    assert_int_equal(e - out, body->len);
    assert_memory_equal(out, body->data, body->len);
}

static void test_selfmade_steamid(void **state)
{
    (void)state;
    uint8_t pub[32], out[256];
    tt_hex(SERVER_PUB, pub, sizeof pub);
    tern_identity id;
    memset(&id, 0, sizeof id);
    id.type = TERN_ID_STEAMID;
    id.size = 8;
    id.u.steam_id = 76561197960287930ull;
    const char *str = "steamid:76561197960287930";
    uint8_t *e = tern_cert_selfmade_encode(out, out + sizeof out, pub, 480, &id, str);
    assert_non_null(e);
    uint8_t exp[256];
    size_t n = tt_hex("08011220" SERVER_PUB "21 ba56000001001001 50 e003"
                      "5a0a 8101 ba56000001001001",
                      exp, sizeof exp);
    assert_memory_equal(out, exp, n);
    assert_int_equal(out[n], 0x62);
    assert_int_equal(out[n + 1], strlen(str));
    assert_memory_equal(out + n + 2, str, strlen(str));
    assert_int_equal(e - out, n + 2 + strlen(str));
    tern_arena a;
    tern_arena_init(&a, arena_buf, sizeof arena_buf);
    Tern__Certificate *c;
    assert_int_equal(tern_cert_decode(out, (size_t)(e - out), &a, &c), TERN_OK);
    assert_true(c->has_legacy_steam_id && c->legacy_steam_id == id.u.steam_id);
    assert_int_equal(c->app_ids[0], 480);
    tern_identity back;
    assert_int_equal(tern_legacy_id_to_identity(c->legacy_identity_binary, &back), TERN_OK);
    assert_memory_equal(&back, &id, sizeof id);
}

/* --- legacy identity --------------------------------------------------------- */

static void legacy_bytes(const tern_identity *id, const char *exp_hex)
{
    uint8_t exp[64], out[64];
    size_t n = tt_hex(exp_hex, exp, sizeof exp);
    tern_legacy_id l;
    assert_int_equal(tern_legacy_id_from_identity(&l, id), TERN_OK);
    uint8_t *e = tern_legacy_id_encode(out, out + sizeof out, &l.msg);
    assert_non_null(e);
    assert_int_equal(e - out, n);
    assert_memory_equal(out, exp, n);
    tern_arena a;
    tern_arena_init(&a, arena_buf, sizeof arena_buf);
    Tern__IdentityLegacyBinary *d;
    assert_int_equal(tern_legacy_id_decode(out, n, &a, &d), TERN_OK);
    tern_identity back;
    memset(&back, 0x5a, sizeof back);
    tern_result r = tern_legacy_id_to_identity(d, &back);
    if (n == 0) {
        assert_int_equal(r, TERN_NOT_SUPPORTED);
        return;
    }
    assert_int_equal(r, TERN_OK);
    assert_int_equal(back.type, id->type);
    assert_int_equal(back.size, id->size);
    assert_memory_equal(&back.u, &id->u, (size_t)id->size);
}

static void test_legacy_identity_forms(void **state)
{
    (void)state;
    tern_identity id;
    memset(&id, 0, sizeof id);
    id.type = TERN_ID_STEAMID;
    id.size = 8;
    id.u.steam_id = 76561197960287930ull; /* 0x01100001000056ba */
    legacy_bytes(&id, "8101 ba56000001001001");

    memset(&id, 0, sizeof id);
    id.type = TERN_ID_IP;
    id.size = 18;
    id.u.ip.ipv6[10] = id.u.ip.ipv6[11] = 0xff;
    id.u.ip.ipv6[12] = 1, id.u.ip.ipv6[13] = 2, id.u.ip.ipv6[14] = 3, id.u.ip.ipv6[15] = 4;
    id.u.ip.port = 27015; /* 0x6987: big-endian on the wire */
    legacy_bytes(&id, "2212 00000000000000000000ffff01020304 6987");

    memset(&id, 0, sizeof id);
    id.type = TERN_ID_GENERIC_STRING;
    strcpy(id.u.generic_string, "Locke Lamora");
    id.size = 13;
    legacy_bytes(&id, "1a0c 4c6f636b65204c616d6f7261");
    memset(&id, 0, sizeof id);
    id.type = TERN_ID_GENERIC_STRING;
    id.size = 1; /* "" is a valid generic string in GNS */
    legacy_bytes(&id, "1a00");

    memset(&id, 0, sizeof id);
    id.type = TERN_ID_GENERIC_BYTES;
    id.size = 3;
    memcpy(id.u.generic_bytes, "\x0a\x0b\x0c", 3);
    legacy_bytes(&id, "1203 0a0b0c");
    id.size = 32;
    memset(id.u.generic_bytes, 0x77, 32);
    legacy_bytes(&id, "1220 7777777777777777777777777777777777777777777777777777777777777777");

    /* Types without a legacy form: the empty message. */
    static const int32_t no_legacy[] = {TERN_ID_XBOX_PAIRWISE, TERN_ID_PSN, TERN_ID_UNKNOWN};
    for (size_t i = 0; i < 3; i++) {
        memset(&id, 0, sizeof id);
        id.type = no_legacy[i];
        id.size = 8;
        legacy_bytes(&id, "");
    }
}

static void test_legacy_identity_rejects(void **state)
{
    (void)state;
    tern_arena a;
    tern_arena_init(&a, arena_buf, sizeof arena_buf);
    tern_identity id, out;
    memset(&out, 0x5a, sizeof out);
    static const struct {
        const char *hex;
        tern_result r;
    } cases[] = {
        {"", TERN_NOT_SUPPORTED},                  /* empty */
        {"2801", TERN_NOT_SUPPORTED},              /* only an unknown field */
        {"8101 0000000000001001", TERN_MALFORMED}, /* account ID 0 */
        {"8101 ba5c0b0100007001", TERN_MALFORMED}, /* type 7 (chat) */
        {"8101 ba5c0b0100002001", TERN_MALFORMED}, /* type 2 (multiseat) */
        {"8101 ba5c0b0100003001", TERN_OK},        /* game server */
        {"8101 ba5c0b0100004001", TERN_OK},        /* anonymous game server */
        {"8101 ba5c0b0100009001", TERN_OK},        /* console user */
        {"2211 0000000000000000000000000000000100"
         "",
         TERN_MALFORMED},                                                /* 17 bytes */
        {"2213 00000000000000000000000000000001000000", TERN_MALFORMED}, /* 19 */
        {"2200", TERN_MALFORMED},
        {"1221 000000000000000000000000000000000000000000000000000000000000000000",
         TERN_MALFORMED},  /* 33 generic bytes */
        {"1200", TERN_OK}, /* 0 generic bytes, as GNS */
        {"1a20 3031323334353637383930313233343536373839303132333435363738393031",
         TERN_MALFORMED}, /* 32-char generic string */
        {"1a1f 30313233343536373839303132333435363738393031323334353637383930",
         TERN_OK},                /* 31 chars */
        {"1a03 610062", TERN_OK}, /* embedded NUL: reads "a" */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t in[64];
        size_t n = tt_hex(cases[i].hex, in, sizeof in);
        Tern__IdentityLegacyBinary *l;
        assert_int_equal(tern_legacy_id_decode(in, n, &a, &l), TERN_OK);
        tern_identity before = out;
        tern_result r = tern_legacy_id_to_identity(l, &out);
        if (r != cases[i].r) fail_msg("case %zu (%s): got %d", i, cases[i].hex, r);
        if (r != TERN_OK) assert_memory_equal(&out, &before, sizeof out);
    }
    uint8_t in[64];
    Tern__IdentityLegacyBinary *l;
    size_t n = tt_hex("1a03 610062", in, sizeof in);
    assert_int_equal(tern_legacy_id_decode(in, n, &a, &l), TERN_OK);
    assert_int_equal(tern_legacy_id_to_identity(l, &id), TERN_OK);
    assert_int_equal(id.size, 2);
    assert_string_equal(id.u.generic_string, "a");

    /* GNS's order when several are set: steam_id, generic_string,
     * generic_bytes, ipv6_and_port. */
    n = tt_hex("1201aa 1a0162 8101 ba56000001001001", in, sizeof in);
    assert_int_equal(tern_legacy_id_decode(in, n, &a, &l), TERN_OK);
    assert_int_equal(tern_legacy_id_to_identity(l, &id), TERN_OK);
    assert_int_equal(id.type, TERN_ID_STEAMID);
    n = tt_hex("2212 00000000000000000000000000000001 0000 1201aa 1a0162", in, sizeof in);
    assert_int_equal(tern_legacy_id_decode(in, n, &a, &l), TERN_OK);
    assert_int_equal(tern_legacy_id_to_identity(l, &id), TERN_OK);
    assert_int_equal(id.type, TERN_ID_GENERIC_STRING);
    n = tt_hex("2212 00000000000000000000000000000001 0000 1201aa", in, sizeof in);
    assert_int_equal(tern_legacy_id_decode(in, n, &a, &l), TERN_OK);
    assert_int_equal(tern_legacy_id_to_identity(l, &id), TERN_OK);
    assert_int_equal(id.type, TERN_ID_GENERIC_BYTES);

    /* Identities that cannot be written. */
    tern_legacy_id lid;
    memset(&id, 0, sizeof id);
    assert_int_equal(tern_legacy_id_from_identity(&lid, &id), TERN_INVALID_PARAM);
    id.type = TERN_ID_STEAMID;
    id.size = 8;
    id.u.steam_id = 0x0110000100000000ull; /* account 0 */
    assert_int_equal(tern_legacy_id_from_identity(&lid, &id), TERN_INVALID_PARAM);
    assert_int_equal(tern_pb_size(&lid.msg.base), 0);
    id.type = TERN_ID_IP;
    id.size = 16;
    assert_int_equal(tern_legacy_id_from_identity(&lid, &id), TERN_INVALID_PARAM);
    id.type = TERN_ID_GENERIC_STRING;
    memset(id.u.generic_string, 'x', sizeof id.u.generic_string); /* no NUL */
    id.size = 32;
    assert_int_equal(tern_legacy_id_from_identity(&lid, &id), TERN_INVALID_PARAM);
    strcpy(id.u.generic_string, "abc");
    id.size = 3; /* must be strlen + 1 */
    assert_int_equal(tern_legacy_id_from_identity(&lid, &id), TERN_INVALID_PARAM);
    id.type = TERN_ID_GENERIC_BYTES;
    id.size = 33;
    assert_int_equal(tern_legacy_id_from_identity(&lid, &id), TERN_INVALID_PARAM);
    id.size = -1;
    assert_int_equal(tern_legacy_id_from_identity(&lid, &id), TERN_INVALID_PARAM);
    id.type = 99;
    assert_int_equal(tern_legacy_id_from_identity(&lid, &id), TERN_INVALID_PARAM);
    uint8_t pub[32] = {0}, buf[128];
    assert_null(tern_cert_selfmade_encode(buf, buf + sizeof buf, pub, 0, &id, "x"));
}

static void test_legacy_identity_random(void **state)
{
    (void)state;
    tt_rng r;
    tt_rng_seed(&r, 0x1d);
    tern_arena a;
    tern_arena_init(&a, arena_buf, sizeof arena_buf);
    for (unsigned s = 0; s < tt_seeds(5000); s++) {
        tern_identity id;
        memset(&id, 0, sizeof id);
        switch (s % 4) {
        case 0: {
            uint64_t types[] = {1, 3, 4, 9};
            id.type = TERN_ID_STEAMID;
            id.size = 8;
            id.u.steam_id = (tt_rng_next(&r) & 0xff0fffff00000000ull) |
                            types[tt_rng_below(&r, 4)] << 52 | (1 + tt_rng_below(&r, 0xfffffffe));
            break;
        }
        case 1:
            id.type = TERN_ID_IP;
            id.size = 18;
            tt_rng_bytes(&r, &id.u.ip, sizeof id.u.ip);
            break;
        case 2: {
            size_t n = tt_rng_below(&r, 32);
            for (size_t i = 0; i < n; i++)
                id.u.generic_string[i] = (char)(1 + tt_rng_below(&r, 255));
            id.type = TERN_ID_GENERIC_STRING;
            id.size = (int32_t)n + 1;
            break;
        }
        default:
            id.type = TERN_ID_GENERIC_BYTES;
            id.size = (int32_t)tt_rng_below(&r, 33);
            tt_rng_bytes(&r, id.u.generic_bytes, (size_t)id.size);
        }
        tern_legacy_id l;
        assert_int_equal(tern_legacy_id_from_identity(&l, &id), TERN_OK);
        uint8_t out[64];
        uint8_t *e = tern_legacy_id_encode(out, out + sizeof out, &l.msg);
        assert_non_null(e);
        tern_arena_reset(&a);
        Tern__IdentityLegacyBinary *d;
        assert_int_equal(tern_legacy_id_decode(out, (size_t)(e - out), &a, &d), TERN_OK);
        tern_identity back;
        assert_int_equal(tern_legacy_id_to_identity(d, &back), TERN_OK);
        assert_memory_equal(&back, &id, sizeof id);
    }
}

/* --- randomized round trips and robustness ----------------------------------- */

static const ProtobufCMessageDescriptor *const descs[] = {
    &tern__certificate__descriptor,
    &tern__certificate_signed__descriptor,
    &tern__crypt_info__descriptor,
    &tern__crypt_info_signed__descriptor,
    &tern__identity_legacy_binary__descriptor,
};

/* The typed decoders/encoders, reached generically by descriptor. */
static tern_result decode_any(const ProtobufCMessageDescriptor *d, const uint8_t *in, size_t n,
                              tern_arena *a, ProtobufCMessage **out)
{
    if (d == &tern__certificate__descriptor)
        return tern_cert_decode(in, n, a, (Tern__Certificate **)out);
    if (d == &tern__certificate_signed__descriptor)
        return tern_cert_signed_decode(in, n, a, (Tern__CertificateSigned **)out);
    if (d == &tern__crypt_info__descriptor)
        return tern_crypt_info_decode(in, n, a, (Tern__CryptInfo **)out);
    if (d == &tern__crypt_info_signed__descriptor)
        return tern_crypt_info_signed_decode(in, n, a, (Tern__CryptInfoSigned **)out);
    return tern_legacy_id_decode(in, n, a, (Tern__IdentityLegacyBinary **)out);
}

static uint8_t *encode_any(uint8_t *p, uint8_t *end, const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    if (d == &tern__certificate__descriptor)
        return tern_cert_encode(p, end, (const Tern__Certificate *)m);
    if (d == &tern__certificate_signed__descriptor)
        return tern_cert_signed_encode(p, end, (const Tern__CertificateSigned *)m);
    if (d == &tern__crypt_info__descriptor)
        return tern_crypt_info_encode(p, end, (const Tern__CryptInfo *)m);
    if (d == &tern__crypt_info_signed__descriptor)
        return tern_crypt_info_signed_encode(p, end, (const Tern__CryptInfoSigned *)m);
    return tern_legacy_id_encode(p, end, (const Tern__IdentityLegacyBinary *)m);
}

static void test_random_roundtrip(void **state)
{
    (void)state;
    static uint8_t gen_buf[1 << 16], src_bytes[2048], out[8192];
    tern_arena ga, a;
    tern_arena_init(&a, arena_buf, sizeof arena_buf);
    tt_rng rng;
    tt_rng_seed(&rng, 0xce27);
    for (unsigned s = 0; s < tt_seeds(3000); s++) {
        const ProtobufCMessageDescriptor *d = descs[s % 5];
        tt_rng_bytes(&rng, src_bytes, sizeof src_bytes);
        pbgen_src src = {src_bytes, sizeof src_bytes, 0};
        tern_arena_init(&ga, gen_buf, sizeof gen_buf);
        ProtobufCMessage *m = pbgen_message(d, &src, &ga, 0);
        assert_non_null(m);
        uint8_t *e = encode_any(out, out + sizeof out, m);
        assert_non_null(e);
        assert_int_equal(e - out, tern_pb_size(m));
        ProtobufCMessage *back;
        tern_arena_reset(&a);
        assert_int_equal(decode_any(d, out, (size_t)(e - out), &a, &back), TERN_OK);
        assert_true(pbgen_equal(m, back));
        /* Too little room: NULL, for a few sizes below the need. */
        size_t need = (size_t)(e - out);
        if (need) assert_null(encode_any(out, out + need - 1, m));
    }
}

static void robust(const ProtobufCMessageDescriptor *d, const uint8_t *in, size_t n)
{
    static uint8_t c[512], out[2048];
    tern_arena a;
    tern_arena_init(&a, arena_buf, sizeof arena_buf);
    for (size_t k = 0; k <= n + 3 * n; k++) {
        size_t len = k <= n ? k : n;
        memcpy(c, in, len);
        if (k > n) c[(k - n - 1) / 3] ^= (uint8_t[]){0x01, 0x80, 0xff}[(k - n - 1) % 3];
        tern_arena_reset(&a);
        ProtobufCMessage *m, *m2;
        tern_result r = decode_any(d, c, len, &a, &m);
        if (r != TERN_OK) {
            assert_int_equal(r, TERN_MALFORMED);
            continue;
        }
        uint8_t *e = encode_any(out, out + sizeof out, m);
        assert_non_null(e);
        assert_int_equal(decode_any(d, out, (size_t)(e - out), &a, &m2), TERN_OK);
        assert_true(pbgen_equal(m, m2));
        if (d == &tern__identity_legacy_binary__descriptor) {
            tern_identity id;
            tern_result ri = tern_legacy_id_to_identity((Tern__IdentityLegacyBinary *)m, &id);
            assert_true(ri == TERN_OK || ri == TERN_MALFORMED || ri == TERN_NOT_SUPPORTED);
        }
    }
}

static void test_truncate_and_flip(void **state)
{
    (void)state;
    uint8_t in[256];
    size_t n;
    n = tt_hex(cert_client_hex, in, sizeof in);
    robust(&tern__certificate__descriptor, in, n);
    n = tt_hex(cert_server_hex, in, sizeof in);
    robust(&tern__certificate__descriptor, in, n);
    n = tt_hex(cert_selfmade_hex, in, sizeof in);
    robust(&tern__certificate__descriptor, in, n);
    n = tt_hex(crypt_client_hex, in, sizeof in);
    robust(&tern__crypt_info__descriptor, in, n);
    n = tt_hex(crypt_server_hex, in, sizeof in);
    robust(&tern__crypt_info__descriptor, in, n);
    n = tt_hex("2212 00000000000000000000ffff01020304 6987", in, sizeof in);
    robust(&tern__identity_legacy_binary__descriptor, in, n);
    n = tt_hex("8101 ba56000001001001", in, sizeof in);
    robust(&tern__identity_legacy_binary__descriptor, in, n);
    /* Signed wrappers around the Appendix B bodies. */
    uint8_t w[256];
    size_t nb = tt_hex(crypt_client_hex, in, sizeof in);
    w[0] = 0x0a;
    w[1] = (uint8_t)nb;
    memcpy(w + 2, in, nb);
    w[2 + nb] = 0x12;
    w[3 + nb] = 0x40;
    tt_hex(client_sig_hex, w + 4 + nb, 64);
    robust(&tern__crypt_info_signed__descriptor, w, 4 + nb + 64);
    nb = tt_hex(cert_selfmade_hex, in, sizeof in);
    w[0] = 0x22;
    w[1] = (uint8_t)nb;
    memcpy(w + 2, in, nb);
    robust(&tern__certificate_signed__descriptor, w, 2 + nb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appendix_b_certs),
        cmocka_unit_test(test_appendix_b_crypt_info),
        cmocka_unit_test(test_signed_wrappers),
        cmocka_unit_test(test_selfmade_localhost),
        cmocka_unit_test(test_selfmade_steamid),
        cmocka_unit_test(test_legacy_identity_forms),
        cmocka_unit_test(test_legacy_identity_rejects),
        cmocka_unit_test(test_legacy_identity_random),
        cmocka_unit_test(test_random_roundtrip),
        cmocka_unit_test(test_truncate_and_flip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
