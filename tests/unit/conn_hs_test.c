/* The handshake-crypto module: Appendix B end to end through real
 * datagrams, random handshakes for every pair of Unencrypted values, every
 * failure path with its end reason or silent drop, the identity resolution
 * order of WIRE.md §3.4, and real GNS ConnectRequest / ConnectOK captures. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn/hs.h"
#include "util/mem.h"
#include "wire/identity.h"

#define CLIENT_ID 0x11223344u
#define SERVER_ID 0x55667788u

/* --- Appendix B ------------------------------------------------------------ */

static const char *b_client_cert =
    "0801122003a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b85000";
static const char *b_server_cert =
    "0801122029acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd75000";
static const char *b_client_crypt = "080112207b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f"
                                    "74892cb0f73f13190807060504030201200d2802";
static const char *b_server_crypt = "080112200faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1"
                                    "c4cf2678570f20191817161514131211200d2802";
static const char *b_client_sig =
    "4f8d78e38ec5afa9f20075015fce16758359f3c7832bd6537e65787afb6eafec"
    "3184d27024fa0b464e326756f977fbb82a3390436b8ac3ca5a7e7eb82d655700";
static const char *b_server_sig =
    "f60a16a4cc6e464d89fa706ca631f109076302e1275729e084485d9aba9ed316"
    "b480046706a754f946153bdde206e855a787e958fe0e3a7be9b8aacf3617dd01";
static const char *b_c2s_iv = "7622ffb3f8c5ab3696f69318";
static const char *b_s2c_iv = "c350918f508b42bf864bcbc4";
static const char *b_plain = "80 01 98 01 00 ff ff 57 01 00 00 00 00 00 02 68 69";
static const char *b_udp = "808877665502004b4cce9ecc12e709aad516bb0aa97ff759d4bcdb49a374ddaf91"
                           "299222d3c93139";

static void appendix_b_secrets(tern_hs_secrets *c, tern_hs_secrets *s)
{
    for (int i = 0; i < 32; i++) {
        c->ed25519_seed[i] = (uint8_t)i;
        s->ed25519_seed[i] = (uint8_t)(0x20 + i);
    }
    memset(c->x25519_private, 0x11, 32);
    memset(s->x25519_private, 0x22, 32);
    c->nonce = 0x0102030405060708ull;
    s->nonce = 0x1112131415161718ull;
}

static void assert_hex(const uint8_t *got, size_t len, const char *hex)
{
    uint8_t want[512];
    size_t n = tt_hex(hex, want, sizeof want);
    assert_int_equal(len, n);
    assert_memory_equal(got, want, n);
}

/* --- plumbing: messages through real datagrams ------------------------------ */

static uint8_t arena_mem[TERN_PB_ARENA_FOR_DATAGRAM];
static tern_arena arena;
static uint8_t dgram[8192];

/* Encode |m| as a datagram of |kind| and decode it again into the shared
 * arena, as the state machine will receive it. */
static tern_hs_msg via_wire(tern_pkt_kind kind, void *m)
{
    tern_hs_msg in = {.kind = kind};
    in.u.any = m;
    uint8_t *e = tern_hs_encode(dgram, dgram + sizeof dgram, &in);
    assert_non_null(e);
    tern_arena_init(&arena, arena_mem, sizeof arena_mem);
    tern_hs_msg out;
    assert_int_equal(tern_hs_decode(dgram, (size_t)(e - dgram), &arena, &out), TERN_OK);
    assert_int_equal(out.kind, kind);
    return out;
}

static tern_addr client_addr, server_addr, remote_addr;

static tern_hs_check_params params(bool server_side, int allow)
{
    tern_hs_check_params p = {
        .ip_allow_without_auth = allow,
        .iplocalhost_allow_without_auth = allow,
        .peer_addr = server_side ? &client_addr : &server_addr,
        .expected_version = server_side ? 0 : TERN_HS_PROTOCOL_VERSION,
        .arena = &arena,
    };
    return p;
}

static int setup(void **state)
{
    (void)state;
    tern_addr_set_ipv4(&client_addr, 0x7f000001, 50123); /* 127.0.0.1 */
    tern_addr_set_ipv4(&server_addr, 0x7f000001, 27015);
    tern_addr_set_ipv4(&remote_addr, 0xc0000207, 4000); /* 192.0.2.7 */
    return 0;
}

static tern_identity parse_id(const char *s)
{
    tern_identity id;
    assert_true(tern_identity_parse_string(&id, sizeof id, s));
    return id;
}

static tern_identity addr_id(const tern_addr *a)
{
    tern_identity id;
    tern_identity_clear(&id);
    tern_identity_set_ip_addr(&id, a);
    return id;
}

/* Server side: the client's ConnectRequest from |l|. */
static tern_result server_checks(tern_hs_local *l, const tern_hs_check_params *prm, tern_hs_peer *p,
                                 tern_hs_error *err)
{
    Tern__ConnectRequest m = TERN__CONNECT_REQUEST__INIT;
    m.has_client_connection_id = 1;
    m.client_connection_id = CLIENT_ID;
    m.has_challenge = 1;
    m.challenge = 0x1234;
    assert_int_equal(tern_hs_fill_connect_request(l, &m), TERN_OK);
    tern_hs_msg msg = via_wire(TERN_PKT_CONNECT_REQUEST, &m);
    /* The identity travels in the cert only (§3.4). */
    assert_null(msg.u.connect_request->identity_string);
    assert_null(msg.u.connect_request->legacy_identity_binary);
    assert_int_equal(msg.u.connect_request->has_legacy_client_steam_id,
                     l->identity.type == TERN_ID_STEAMID);
    return tern_hs_check_peer(&msg, prm, p, err);
}

/* What a server keeps after the handshake (tern_hs_ok) sends the very
 * bytes the full state would. */
static void assert_kept_ok_same(const tern_hs_local *l, const Tern__ConnectOK *full)
{
    const tern_mem *mem = tern_mem_default();
    tern_hs_ok *k = tern_hs_ok_new(l, mem);
    assert_non_null(k);
    Tern__ConnectOK kept = TERN__CONNECT_OK__INIT;
    kept.has_client_connection_id = full->has_client_connection_id;
    kept.client_connection_id = full->client_connection_id;
    kept.has_server_connection_id = full->has_server_connection_id;
    kept.server_connection_id = full->server_connection_id;
    Tern__CertificateSigned cert;
    Tern__CryptInfoSigned crypt;
    tern_hs_ok_fill(k, &kept, &cert, &crypt);
    uint8_t a[TERN_DGRAM_MAX], b[TERN_DGRAM_MAX];
    tern_hs_msg ma = {.kind = TERN_PKT_CONNECT_OK}, mb = ma;
    ma.u.connect_ok = (Tern__ConnectOK *)full;
    mb.u.connect_ok = &kept;
    uint8_t *ea = tern_hs_encode(a, a + sizeof a, &ma), *eb = tern_hs_encode(b, b + sizeof b, &mb);
    assert_non_null(ea);
    assert_non_null(eb);
    assert_int_equal(ea - a, eb - b);
    assert_memory_equal(a, b, (size_t)(ea - a));
    tern_free(mem, k);
}

/* Client side: the server's ConnectOK from |l|. */
static tern_result client_checks(tern_hs_local *l, const tern_hs_check_params *prm, tern_hs_peer *p,
                                 tern_hs_error *err)
{
    Tern__ConnectOK m = TERN__CONNECT_OK__INIT;
    m.has_client_connection_id = 1;
    m.client_connection_id = CLIENT_ID;
    m.has_server_connection_id = 1;
    m.server_connection_id = SERVER_ID;
    assert_int_equal(tern_hs_fill_connect_ok(l, &m), TERN_OK);
    assert_kept_ok_same(l, &m);
    tern_hs_msg msg = via_wire(TERN_PKT_CONNECT_OK, &m);
    assert_null(msg.u.connect_ok->identity_string);
    assert_null(msg.u.connect_ok->legacy_identity_binary);
    assert_int_equal(msg.u.connect_ok->has_legacy_server_steam_id,
                     l->identity.type == TERN_ID_STEAMID);
    return tern_hs_check_peer(&msg, prm, p, err);
}

/* Seal with one side, open with the other. */
static void assert_talks(tern_aead *from, tern_aead *to, tt_rng *rng)
{
    uint8_t plain[200], sealed[256], opened[256];
    size_t len = (size_t)tt_rng_below(rng, sizeof plain);
    uint64_t pkt = tt_rng_next(rng);
    tt_rng_bytes(rng, plain, len);
    ptrdiff_t n = tern_aead_seal(from, pkt, plain, len, sealed, sizeof sealed);
    assert_int_equal(n, (ptrdiff_t)(len + tern_aead_overhead(from)));
    ptrdiff_t m = tern_aead_open(to, pkt, sealed, (size_t)n, opened, sizeof opened);
    assert_int_equal(m, (ptrdiff_t)len);
    assert_memory_equal(opened, plain, len);
}

/* --- tests ------------------------------------------------------------------ */

static void test_appendix_b(void **state)
{
    (void)state;
    tern_hs_secrets cs, ss;
    appendix_b_secrets(&cs, &ss);
    tern_hs_local cl, sl;
    assert_int_equal(tern_hs_local_init(&cl, false, NULL, 0, &cs), TERN_OK);
    assert_int_equal(tern_hs_local_init(&sl, true, NULL, 0, &ss), TERN_OK);
    assert_hex(cl.cert, cl.cert_len, b_client_cert);
    assert_hex(cl.crypt, cl.crypt_len, b_client_crypt);
    assert_hex(cl.signature, sizeof cl.signature, b_client_sig);
    assert_hex(sl.cert, sl.cert_len, b_server_cert);
    assert_false(sl.finalized); /* the server signs at accept time */

    tern_hs_peer sp, cp;
    tern_hs_error err;
    tern_hs_check_params sprm = params(true, 2), cprm = params(false, 2);
    assert_int_equal(server_checks(&cl, &sprm, &sp, &err), TERN_OK);
    /* Anonymous: the client is known by its address. */
    tern_identity want = addr_id(&client_addr);
    assert_true(tern_identity_equal(&sp.identity, &want));
    assert_false(sp.identity_from_cert);
    assert_true(sp.unsigned_cert);
    assert_int_equal(sp.version, 13);
    assert_hex(sp.cert, sp.cert_len, b_client_cert);
    assert_hex(sp.crypt, sp.crypt_len, b_client_crypt);

    tern_aead sa = {0}, ca = {0};
    assert_int_equal(tern_hs_derive(&sl, &sp, CLIENT_ID, SERVER_ID, &sa, &err), TERN_OK);
    assert_hex(sl.crypt, sl.crypt_len, b_server_crypt);
    assert_hex(sl.signature, sizeof sl.signature, b_server_sig);

    assert_int_equal(client_checks(&sl, &cprm, &cp, &err), TERN_OK);
    want = addr_id(&server_addr);
    assert_true(tern_identity_equal(&cp.identity, &want));
    assert_int_equal(tern_hs_derive(&cl, &cp, CLIENT_ID, SERVER_ID, &ca, &err), TERN_OK);
    assert_int_equal(ca.cipher, TERN_CIPHER_AES_256_GCM);
    assert_int_equal(sa.cipher, TERN_CIPHER_AES_256_GCM);
    assert_hex(ca.send_iv, sizeof ca.send_iv, b_c2s_iv);
    assert_hex(ca.recv_iv, sizeof ca.recv_iv, b_s2c_iv);
    assert_hex(sa.send_iv, sizeof sa.send_iv, b_s2c_iv);
    assert_hex(sa.recv_iv, sizeof sa.recv_iv, b_c2s_iv);

    /* The Appendix B packet, sealed by the client to the exact bytes. */
    uint8_t plain[64], pkt[128], udp[128], opened[64];
    size_t plen = tt_hex(b_plain, plain, sizeof plain);
    size_t ulen = tt_hex(b_udp, udp, sizeof udp);
    memcpy(pkt, udp, 7); /* header: lead, server connection ID, packet 2 */
    ptrdiff_t n = tern_aead_seal(&ca, 2, plain, plen, pkt + 7, sizeof pkt - 7);
    assert_int_equal(n + 7, (ptrdiff_t)ulen);
    assert_memory_equal(pkt, udp, ulen);
    assert_int_equal(tern_aead_open(&sa, 2, udp + 7, ulen - 7, opened, sizeof opened),
                     (ptrdiff_t)plen);
    assert_memory_equal(opened, plain, plen);
    tt_rng rng;
    tt_rng_seed(&rng, 7);
    assert_talks(&sa, &ca, &rng);

    /* Once derived, nothing can be derived again, and the keys are gone. */
    assert_false(cl.sign_key.has_private);
    assert_null(cl.kx_key.pkey);
    tern_aead again = {0};
    assert_int_equal(tern_hs_derive(&cl, &cp, CLIENT_ID, SERVER_ID, &again, &err),
                     TERN_INVALID_STATE);
    assert_int_equal(tern_hs_derive(&sl, &sp, CLIENT_ID, SERVER_ID, &again, &err),
                     TERN_INVALID_STATE);
    /* ...but the ConnectOK can be re-sent, identical. */
    Tern__ConnectOK ok = TERN__CONNECT_OK__INIT;
    assert_int_equal(tern_hs_fill_connect_ok(&sl, &ok), TERN_OK);
    assert_int_equal(ok.crypt->info.len, sl.crypt_len);
    assert_kept_ok_same(&sl, &ok);
    assert_null(tern_hs_ok_new(&cl, tern_mem_default())); /* a client keeps nothing */
    tern_aead_free(&ca);
    tern_aead_free(&sa);
    tern_hs_local_free(&cl);
    tern_hs_local_free(&sl);
}

/* The Unencrypted table of §4.3, as lists. */
static uint32_t expected_cipher(int client_u, int server_u)
{
    uint32_t c[TERN_CIPHER_LIST_MAX], s[TERN_CIPHER_LIST_MAX];
    size_t nc = tern_cipher_list(client_u, c), ns = tern_cipher_list(server_u, s);
    for (size_t i = 0; i < ns; i++)
        for (size_t j = 0; j < nc; j++)
            if (s[i] == c[j]) return s[i];
    return TERN_CIPHER_INVALID;
}

/* A random identity, or NULL for none. */
static const tern_identity *random_identity(tt_rng *rng, tern_identity *id)
{
    char s[64];
    switch (tt_rng_below(rng, 8)) {
    case 0:
        return NULL;
    case 1:
        tern_identity_clear(id);
        tern_identity_set_localhost(id);
        return id;
    case 2:
        snprintf(s, sizeof s, "steamid:%llu",
                 (unsigned long long)(76561197960265728ull + 1 + tt_rng_below(rng, 1u << 30)));
        break;
    case 3:
        snprintf(s, sizeof s, "str:peer-%llu", (unsigned long long)tt_rng_below(rng, 1000000));
        break;
    case 4:
        snprintf(s, sizeof s, "gen:%016llx", (unsigned long long)tt_rng_next(rng));
        break;
    case 5:
        snprintf(s, sizeof s, "ip:192.0.2.%u:%u", (unsigned)tt_rng_below(rng, 250) + 1,
                 (unsigned)tt_rng_below(rng, 60000) + 1);
        break;
    case 6:
        snprintf(s, sizeof s, "xboxpwid:ABC%llu", (unsigned long long)tt_rng_below(rng, 1000));
        break;
    default:
        snprintf(s, sizeof s, "psn:%llu", (unsigned long long)tt_rng_next(rng));
        break;
    }
    *id = parse_id(s);
    return id;
}

/* What the other side sees: anonymous peers become their address. */
static tern_identity seen_as(const tern_identity *id, const tern_addr *addr)
{
    if (!id || tern_identity_is_localhost(id)) return addr_id(addr);
    return *id;
}

static void test_random_handshakes(void **state)
{
    (void)state;
    tt_rng rng;
    unsigned seeds = tt_seeds(8);
    for (unsigned seed = 0; seed < seeds; seed++) {
        tt_rng_seed(&rng, 1000 + seed);
        for (int cu = 0; cu < 4; cu++) {
            for (int su = 0; su < 4; su++) {
                tern_identity cid_buf, sid_buf;
                const tern_identity *cid = random_identity(&rng, &cid_buf);
                const tern_identity *sid = random_identity(&rng, &sid_buf);
                /* The server's list may change until it accepts. */
                int su_init = (int)tt_rng_below(&rng, 4);
                tern_hs_local cl, sl;
                tern_hs_peer sp, cp;
                tern_hs_error err;
                tern_aead ca = {0}, sa = {0};
                assert_int_equal(tern_hs_local_init(&cl, false, cid, cu, NULL), TERN_OK);
                assert_int_equal(tern_hs_local_init(&sl, true, sid, su_init, NULL), TERN_OK);
                assert_int_equal(tern_hs_local_set_unencrypted(&sl, su), TERN_OK);
                tern_hs_check_params sprm = params(true, 2), cprm = params(false, 2);
                assert_int_equal(server_checks(&cl, &sprm, &sp, &err), TERN_OK);
                tern_identity want = seen_as(cid, &client_addr);
                assert_true(tern_identity_equal(&sp.identity, &want));
                uint32_t cipher = expected_cipher(cu, su);
                tern_result r = tern_hs_derive(&sl, &sp, CLIENT_ID, SERVER_ID, &sa, &err);
                if (cipher == TERN_CIPHER_INVALID) {
                    assert_int_equal(r, TERN_HANDSHAKE_FAILED);
                    assert_int_equal(err.end_reason, TERN_HS_END_BAD_CRYPT);
                    assert_false(sl.finalized); /* no ConnectOK to send */
                } else {
                    assert_int_equal(r, TERN_OK);
                    assert_int_equal(sa.cipher, cipher);
                    assert_int_equal(sl.nciphers, 1);
                    assert_int_equal(client_checks(&sl, &cprm, &cp, &err), TERN_OK);
                    want = seen_as(sid, &server_addr);
                    assert_true(tern_identity_equal(&cp.identity, &want));
                    assert_int_equal(cp.identity_from_cert, sid != NULL);
                    assert_int_equal(tern_hs_derive(&cl, &cp, CLIENT_ID, SERVER_ID, &ca, &err),
                                     TERN_OK);
                    assert_int_equal(ca.cipher, cipher);
                    assert_talks(&ca, &sa, &rng);
                    assert_talks(&sa, &ca, &rng);
                }
                tern_aead_free(&ca);
                tern_aead_free(&sa);
                tern_hs_local_free(&cl);
                tern_hs_local_free(&sl);
            }
        }
    }
}

/* Our cert for a localhost identity is GNS's observed body (§4.1.3), and
 * the one in a real GNS ConnectRequest differs from ours only in the key. */
static void test_cert_matches_gns(void **state)
{
    (void)state;
    tern_identity lh;
    tern_identity_clear(&lh);
    tern_identity_set_localhost(&lh);
    tern_hs_local l;
    assert_int_equal(tern_hs_local_init(&l, false, &lh, 0, NULL), TERN_OK);
    uint8_t want[128];
    size_t n = tt_hex("08 01 12 20", want, sizeof want);
    memcpy(want + n, l.sign_key.pub, 32);
    n += 32;
    n += tt_hex("50 00 5a 14 22 12 00000000000000000000000000000001 00 00 62 06", want + n,
                sizeof want - n);
    memcpy(want + n, "ip:::1", 6);
    n += 6;
    assert_int_equal(l.cert_len, n);
    assert_memory_equal(l.cert, want, n);

    static uint8_t file[2048];
    FILE *f = fopen(tt_source_path("tests/vectors/handshake/connect_request.bin"), "rb");
    assert_non_null(f);
    size_t flen = fread(file, 1, sizeof file, f);
    fclose(f);
    tern_arena_init(&arena, arena_mem, sizeof arena_mem);
    tern_hs_msg m;
    assert_int_equal(tern_hs_decode(file, flen, &arena, &m), TERN_OK);
    const ProtobufCBinaryData *gc = &m.u.connect_request->cert->cert;
    assert_int_equal(gc->len, n);
    assert_memory_equal(gc->data, want, 4);
    assert_memory_equal(gc->data + 36, want + 36, n - 36);
    tern_hs_local_free(&l);
}

static tern_result check_file(const char *name, bool server_side, tern_hs_check_params *prm,
                              tern_hs_peer *p, tern_hs_error *err)
{
    static uint8_t file[2048];
    char path[256];
    snprintf(path, sizeof path, "tests/vectors/handshake/%s", name);
    FILE *f = fopen(tt_source_path(path), "rb");
    assert_non_null(f);
    size_t n = fread(file, 1, sizeof file, f);
    fclose(f);
    tern_arena_init(&arena, arena_mem, sizeof arena_mem);
    tern_hs_msg m;
    assert_int_equal(tern_hs_decode(file, n, &arena, &m), TERN_OK);
    assert_int_equal(m.kind, server_side ? TERN_PKT_CONNECT_REQUEST : TERN_PKT_CONNECT_OK);
    return tern_hs_check_peer(&m, prm, p, err);
}

/* Real GNS handshakes (example_chat, no identity configured) pass. */
static void test_gns_captures(void **state)
{
    (void)state;
    tern_hs_peer p;
    tern_hs_error err;
    tern_hs_local l;
    tern_aead a = {0};

    tern_hs_check_params prm = params(true, 2);
    assert_int_equal(check_file("connect_request.bin", true, &prm, &p, &err), TERN_OK);
    tern_identity want = addr_id(&client_addr);
    assert_true(tern_identity_equal(&p.identity, &want));
    assert_true(p.identity_from_cert); /* "ip:::1", replaced */
    assert_int_equal(p.version, 13);
    assert_int_equal(p.nciphers, 1);
    assert_int_equal(p.ciphers[0], TERN_CIPHER_AES_256_GCM);
    assert_true(p.kx_key_ok);
    assert_int_equal(tern_hs_local_init(&l, true, NULL, 0, NULL), TERN_OK);
    assert_int_equal(tern_hs_derive(&l, &p, 0xa8d4, 0x5678, &a, &err), TERN_OK);
    assert_int_equal(a.cipher, TERN_CIPHER_AES_256_GCM);
    tern_aead_free(&a);
    tern_hs_local_free(&l);

    /* The ConnectOK, with the version of the captured ChallengeReply. */
    prm = params(false, 2);
    assert_int_equal(check_file("connect_ok.bin", false, &prm, &p, &err), TERN_OK);
    want = addr_id(&server_addr);
    assert_true(tern_identity_equal(&p.identity, &want));
    assert_int_equal(p.nlisted, 1);
    assert_int_equal(tern_hs_local_init(&l, false, NULL, 1, NULL), TERN_OK);
    assert_int_equal(tern_hs_derive(&l, &p, 0xa8d4, 0x5678, &a, &err), TERN_OK);
    assert_int_equal(a.cipher, TERN_CIPHER_AES_256_GCM);
    tern_aead_free(&a);
    tern_hs_local_free(&l);

    /* A client that only takes NULL refuses the server's AES. */
    assert_int_equal(check_file("connect_ok.bin", false, &prm, &p, &err), TERN_OK);
    assert_int_equal(tern_hs_local_init(&l, false, NULL, 3, NULL), TERN_OK);
    assert_int_equal(tern_hs_derive(&l, &p, 0xa8d4, 0x5678, &a, &err), TERN_HANDSHAKE_FAILED);
    assert_int_equal(err.end_reason, TERN_HS_END_BAD_CRYPT);
    tern_hs_local_free(&l);

    /* Anonymous and IP_AllowWithoutAuth 0: dropped. */
    prm = params(true, 0);
    assert_int_equal(check_file("connect_request.bin", true, &prm, &p, &err), TERN_IGNORED);
    assert_int_equal(err.end_reason, 0);
    assert_true(tern_identity_is_invalid(&p.identity));
    /* A version other than the ChallengeReply's: 4006. */
    prm = params(false, 2);
    prm.expected_version = 12;
    assert_int_equal(check_file("connect_ok.bin", false, &prm, &p, &err), TERN_HANDSHAKE_FAILED);
    assert_int_equal(err.end_reason, TERN_HS_END_BAD_PROTOCOL);
}

/* --- a hand-made peer for the failure paths --------------------------------- */

typedef struct fake {
    tern_ed25519 key;
    tern_x25519 kx;
    Tern__Certificate cert;
    uint32_t app_ids[4];
    uint32_t pops[1];
    char *ips[128];
    Tern__IdentityLegacyBinary cert_legacy;
    tern_legacy_id legacy;
    char idstr[TERN_IDENTITY_STRLEN];
    tern_identity id;
    Tern__CryptInfo crypt;
    Tern__Cipher ciphers[400];
    uint8_t cert_bytes[4096];
    uint8_t crypt_bytes[2048];
    uint8_t sig[80];
    Tern__CertificateSigned cs;
    Tern__CryptInfoSigned cis;
    Tern__ConnectRequest req;
    Tern__ConnectOK ok;
    uint8_t ca_sig[64];
} fake;

static fake F;

static void fake_init(fake *f)
{
    static const Tern__Certificate ci = TERN__CERTIFICATE__INIT;
    static const Tern__CryptInfo cri = TERN__CRYPT_INFO__INIT;
    static const Tern__CertificateSigned csi = TERN__CERTIFICATE_SIGNED__INIT;
    static const Tern__CryptInfoSigned cisi = TERN__CRYPT_INFO_SIGNED__INIT;
    static const Tern__ConnectRequest reqi = TERN__CONNECT_REQUEST__INIT;
    static const Tern__ConnectOK oki = TERN__CONNECT_OK__INIT;
    memset(f, 0, sizeof *f);
    uint8_t seed[32], priv[32];
    memset(seed, 0x5a, sizeof seed);
    memset(priv, 0x33, sizeof priv);
    assert_int_equal(tern_ed25519_from_seed(&f->key, seed), TERN_OK);
    assert_int_equal(tern_x25519_from_private(&f->kx, priv), TERN_OK);
    f->cert = ci;
    f->cert.has_key_type = 1;
    f->cert.key_type = TERN__CERTIFICATE__KEY_TYPE__ED25519;
    f->cert.has_key_data = 1;
    f->cert.key_data.data = f->key.pub;
    f->cert.key_data.len = 32;
    f->cert.n_app_ids = 1;
    f->cert.app_ids = f->app_ids;
    f->crypt = cri;
    f->crypt.has_key_type = 1;
    f->crypt.key_type = TERN__CRYPT_INFO__KEY_TYPE__CURVE25519;
    f->crypt.has_key_data = 1;
    f->crypt.key_data.data = f->kx.pub;
    f->crypt.key_data.len = 32;
    f->crypt.has_nonce = 1;
    f->crypt.nonce = 0x1122334455667788ull;
    f->crypt.has_protocol_version = 1;
    f->crypt.protocol_version = 13;
    f->crypt.n_ciphers = 1;
    f->crypt.ciphers = f->ciphers;
    f->ciphers[0] = TERN__CIPHER__CIPHER_AES_256_GCM;
    f->cs = csi;
    f->cis = cisi;
    f->req = reqi;
    f->req.has_client_connection_id = 1;
    f->req.client_connection_id = CLIENT_ID;
    f->ok = oki;
    f->ok.has_client_connection_id = 1;
    f->ok.client_connection_id = CLIENT_ID;
    f->ok.has_server_connection_id = 1;
    f->ok.server_connection_id = SERVER_ID;
}

/* Put identity |s| in the cert the way GNS does (fields 12, 11, 4). */
static void fake_cert_identity(fake *f, const char *s)
{
    f->id = parse_id(s);
    tern_identity_to_string(&f->id, f->idstr, sizeof f->idstr);
    assert_int_equal(tern_legacy_id_from_identity(&f->legacy, &f->id), TERN_OK);
    f->cert.identity_string = f->idstr;
    f->cert.legacy_identity_binary = &f->legacy.msg;
    if (f->id.type == TERN_ID_STEAMID) {
        f->cert.has_legacy_steam_id = 1;
        f->cert.legacy_steam_id = f->id.u.steam_id;
    }
}

/* Serialize cert and crypt info, sign, and wire up both messages. */
static void fake_seal(fake *f)
{
    uint8_t *e = tern_cert_encode(f->cert_bytes, f->cert_bytes + sizeof f->cert_bytes, &f->cert);
    assert_non_null(e);
    f->cs.has_cert = 1;
    f->cs.cert.data = f->cert_bytes;
    f->cs.cert.len = (size_t)(e - f->cert_bytes);
    e = tern_crypt_info_encode(f->crypt_bytes, f->crypt_bytes + sizeof f->crypt_bytes, &f->crypt);
    assert_non_null(e);
    f->cis.has_info = 1;
    f->cis.info.data = f->crypt_bytes;
    f->cis.info.len = (size_t)(e - f->crypt_bytes);
    assert_int_equal(tern_ed25519_sign(&f->key, f->cis.info.data, f->cis.info.len, f->sig),
                     TERN_OK);
    f->cis.has_signature = 1;
    f->cis.signature.data = f->sig;
    f->cis.signature.len = 64;
    f->req.cert = &f->cs;
    f->req.crypt = &f->cis;
    f->ok.cert = &f->cs;
    f->ok.crypt = &f->cis;
}

static void fake_free(fake *f)
{
    tern_ed25519_free(&f->key);
    tern_x25519_free(&f->kx);
}

/* Check F as received by a server (its ConnectRequest) or a client. */
static tern_result check_fake(bool server_side, const tern_hs_check_params *prm, tern_hs_peer *p,
                              tern_hs_error *err)
{
    tern_hs_msg m = server_side ? via_wire(TERN_PKT_CONNECT_REQUEST, &F.req)
                                : via_wire(TERN_PKT_CONNECT_OK, &F.ok);
    return tern_hs_check_peer(&m, prm, p, err);
}

static void expect(bool server_side, int allow, tern_result want, int reason)
{
    tern_hs_check_params prm = params(server_side, allow);
    tern_hs_peer p;
    tern_hs_error err;
    tern_result r = check_fake(server_side, &prm, &p, &err);
    if (r != want || err.end_reason != reason)
        print_error("got %d/%d (%s), want %d/%d\n", r, err.end_reason, err.debug, want, reason);
    assert_int_equal(r, want);
    assert_int_equal(err.end_reason, reason);
    if (r != TERN_OK) assert_true(err.debug[0] != '\0');
    /* A crypto failure still names the peer; a drop does not. */
    assert_int_equal(tern_identity_is_invalid(&p.identity), r == TERN_IGNORED);
}

/* Both roles, same outcome. */
static void expect_both(int allow, tern_result want, int reason)
{
    expect(true, allow, want, reason);
    expect(false, allow, want, reason);
}

static int fake_setup(void **state)
{
    setup(state);
    fake_init(&F);
    return 0;
}

static int fake_teardown(void **state)
{
    (void)state;
    fake_free(&F);
    return 0;
}

static void test_fake_ok(void **state)
{
    (void)state;
    fake_seal(&F);
    expect_both(2, TERN_OK, 0);
    expect_both(1, TERN_OK, 0);
}

static void test_missing_cert_or_crypt(void **state)
{
    (void)state;
    fake_seal(&F);
    F.req.cert = F.ok.cert = NULL; /* anonymous, then no cert: 4002 */
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT);
    F.req.cert = F.ok.cert = &F.cs;
    F.cs.has_cert = 0; /* wrapper without field 4 */
    F.cs.has_ca_key_id = 1;
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT);
    F.cs.has_cert = 1;
    F.req.crypt = F.ok.crypt = NULL;
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT);
    F.req.crypt = F.ok.crypt = &F.cis;
    F.cis.has_info = 0;
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT);
    F.cis.has_info = 1;
    expect_both(2, TERN_OK, 0);
}

static void test_bad_signatures(void **state)
{
    (void)state;
    fake_seal(&F);
    F.sig[10] ^= 1;
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT);
    F.sig[10] ^= 1;
    F.cis.signature.len = 63;
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT);
    F.cis.signature.len = 65;
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT);
    F.cis.signature.len = 0;
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT);
    F.cis.signature.len = 64;
    F.cis.has_signature = 0;
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT);
    F.cis.has_signature = 1;
    /* A signature over other bytes than those sent (a re-serialization). */
    expect_both(2, TERN_OK, 0);
    F.crypt.nonce++;
    uint8_t *e =
        tern_crypt_info_encode(F.crypt_bytes, F.crypt_bytes + sizeof F.crypt_bytes, &F.crypt);
    assert_non_null(e);
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT);
}

static void test_cert_key(void **state)
{
    (void)state;
    F.cert.key_type = TERN__CERTIFICATE__KEY_TYPE__INVALID;
    fake_seal(&F);
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT);
    F.cert.has_key_type = 0;
    fake_seal(&F);
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT);
    F.cert.has_key_type = 1;
    F.cert.key_type = (Tern__Certificate__KeyType)7; /* unknown to GNS: absent */
    fake_seal(&F);
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT);
    F.cert.key_type = TERN__CERTIFICATE__KEY_TYPE__ED25519;
    F.cert.key_data.len = 31;
    fake_seal(&F);
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT);
    F.cert.has_key_data = 0;
    fake_seal(&F);
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT);
    /* Another key than the one that signed. */
    static const uint8_t other[32] = {9};
    tern_ed25519 k2 = {0};
    assert_int_equal(tern_ed25519_from_seed(&k2, other), TERN_OK);
    F.cert.has_key_data = 1;
    F.cert.key_data.data = k2.pub;
    F.cert.key_data.len = 32;
    fake_seal(&F); /* signs with F.key */
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT);
    tern_ed25519_free(&k2);
}

/* Key type and key are checked when GNS checks them: at derivation. */
static void expect_derive(bool server_side, tern_result want)
{
    tern_hs_check_params prm = params(server_side, 2);
    tern_hs_peer p;
    tern_hs_error err;
    assert_int_equal(check_fake(server_side, &prm, &p, &err), TERN_OK);
    tern_hs_local l;
    assert_int_equal(tern_hs_local_init(&l, server_side, NULL, 0, NULL), TERN_OK);
    tern_aead a = {0};
    tern_result r = tern_hs_derive(&l, &p, CLIENT_ID, SERVER_ID, &a, &err);
    assert_int_equal(r, want);
    if (r != TERN_OK) {
        assert_int_equal(err.end_reason, TERN_HS_END_BAD_CRYPT);
        assert_int_equal(a.cipher, TERN_CIPHER_INVALID);
    }
    assert_null(l.kx_key.pkey); /* wiped either way */
    tern_aead_free(&a);
    tern_hs_local_free(&l);
}

static void test_crypt_key(void **state)
{
    (void)state;
    fake_seal(&F);
    expect_derive(true, TERN_OK);
    expect_derive(false, TERN_OK);
    F.crypt.key_type = TERN__CRYPT_INFO__KEY_TYPE__INVALID;
    fake_seal(&F);
    expect_derive(true, TERN_HANDSHAKE_FAILED);
    expect_derive(false, TERN_HANDSHAKE_FAILED);
    F.crypt.has_key_type = 0;
    fake_seal(&F);
    expect_derive(true, TERN_HANDSHAKE_FAILED);
    F.crypt.has_key_type = 1;
    F.crypt.key_type = TERN__CRYPT_INFO__KEY_TYPE__CURVE25519;
    F.crypt.key_data.len = 31;
    fake_seal(&F);
    expect_derive(true, TERN_HANDSHAKE_FAILED);
    expect_derive(false, TERN_HANDSHAKE_FAILED);
    static const uint8_t zero[32];
    F.crypt.key_data.data = (uint8_t *)zero; /* a low-order point: all-zero secret */
    F.crypt.key_data.len = 32;
    fake_seal(&F);
    expect_derive(true, TERN_HANDSHAKE_FAILED);
    expect_derive(false, TERN_HANDSHAKE_FAILED);
    F.crypt.has_key_data = 0;
    fake_seal(&F);
    expect_derive(false, TERN_HANDSHAKE_FAILED);
}

static void test_versions(void **state)
{
    (void)state;
    F.crypt.protocol_version = 7;
    fake_seal(&F);
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_PROTOCOL);
    F.crypt.has_protocol_version = 0;
    fake_seal(&F);
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_PROTOCOL);
    F.crypt.has_protocol_version = 1;
    F.crypt.protocol_version = 8; /* oldest accepted, but not what ChallengeReply said */
    fake_seal(&F);
    expect(true, 2, TERN_OK, 0);
    expect(false, 2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_PROTOCOL);

    tern_hs_check_params prm = params(false, 2);
    tern_hs_peer p;
    tern_hs_error err;
    prm.expected_version = 8;
    assert_int_equal(check_fake(false, &prm, &p, &err), TERN_OK);
    assert_int_equal(p.version, 8);
    /* Lanes need version 11. */
    F.crypt.protocol_version = 10;
    fake_seal(&F);
    prm = params(true, 2);
    prm.local_lanes = 2;
    assert_int_equal(check_fake(true, &prm, &p, &err), TERN_HANDSHAKE_FAILED);
    assert_int_equal(err.end_reason, TERN_HS_END_BAD_PROTOCOL);
    prm.local_lanes = 1;
    assert_int_equal(check_fake(true, &prm, &p, &err), TERN_OK);
    F.crypt.protocol_version = 11;
    fake_seal(&F);
    prm.local_lanes = 3;
    assert_int_equal(check_fake(true, &prm, &p, &err), TERN_OK);
}

static void test_app_ids(void **state)
{
    (void)state;
    fake_cert_identity(&F, "str:alice");
    F.cert.n_app_ids = 0; /* an identity needs an AppID */
    fake_seal(&F);
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CERT);
    F.cert.n_app_ids = 1;
    F.app_ids[0] = 480;
    fake_seal(&F);
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CERT);
    F.cert.n_app_ids = 3;
    F.app_ids[1] = 7;
    F.app_ids[2] = 0;
    fake_seal(&F);
    expect_both(2, TERN_OK, 0);
    /* Without an identity, no AppIDs is fine, but listed ones must include 0. */
    F.cert.identity_string = NULL;
    F.cert.legacy_identity_binary = NULL;
    F.cert.n_app_ids = 0;
    fake_seal(&F);
    expect_both(2, TERN_OK, 0);
    F.cert.n_app_ids = 1;
    F.app_ids[0] = 480;
    fake_seal(&F);
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CERT);
}

static void test_ca_signed(void **state)
{
    (void)state;
    /* No identity: only anonymous gameservers scoped to PoPs. */
    fake_seal(&F);
    F.cs.has_ca_key_id = 1;
    F.cs.ca_key_id = 42;
    F.cs.has_ca_signature = 1;
    F.cs.ca_signature.data = F.ca_sig;
    F.cs.ca_signature.len = sizeof F.ca_sig;
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CERT);
    /* Unverifiable CA signature and no unsigned certs allowed: 4003 (from
     * loopback with a named identity, so the identity step passes). */
    fake_cert_identity(&F, "str:bob");
    fake_seal(&F);
    tern_hs_check_params prm = params(true, 0);
    tern_hs_peer p;
    tern_hs_error err;
    assert_int_equal(check_fake(true, &prm, &p, &err), TERN_HANDSHAKE_FAILED);
    assert_int_equal(err.end_reason, TERN_HS_END_BAD_CERT);
    assert_non_null(strstr(err.debug, "Bad cert")); /* the CA check comes first */
    /* Allowed unsigned: treated as unsigned and accepted. */
    expect_both(2, TERN_OK, 0);

    /* An anonymous gameserver SteamID from the message, cert scoped to a PoP. */
    F.cert.identity_string = NULL;
    F.cert.legacy_identity_binary = NULL;
    uint64_t anon_gs = (1ull << 56) | (4ull << 52) | 1234;
    F.req.has_legacy_client_steam_id = 1;
    F.req.legacy_client_steam_id = anon_gs;
    F.ok.has_legacy_server_steam_id = 1;
    F.ok.legacy_server_steam_id = anon_gs;
    fake_seal(&F);
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CERT);
    F.cert.n_gameserver_datacenter_ids = 1;
    F.cert.gameserver_datacenter_ids = F.pops;
    fake_seal(&F);
    expect_both(2, TERN_OK, 0);
    /* An individual SteamID may not use such a cert. */
    F.req.legacy_client_steam_id = F.ok.legacy_server_steam_id = 76561197960287930ull;
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CERT);
}

static void test_auth_policy(void **state)
{
    (void)state;
    fake_seal(&F); /* no identity: anonymous */
    expect_both(0, TERN_IGNORED, 0);
    expect_both(1, TERN_OK, 0);
    /* A named identity with policy 0: the unsigned cert is refused with 4003. */
    fake_cert_identity(&F, "str:carol");
    fake_seal(&F);
    expect_both(0, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CERT);

    /* IPLocalHost_AllowWithoutAuth applies to loopback peers only; a server
     * counts all of 127/8, a client's anonymous check only 127.0.0.1 / ::1. */
    fake_free(&F);
    fake_init(&F);
    fake_seal(&F);
    tern_hs_check_params prm = params(true, 0);
    prm.iplocalhost_allow_without_auth = 2;
    tern_hs_peer p;
    tern_hs_error err;
    assert_int_equal(check_fake(true, &prm, &p, &err), TERN_OK);
    tern_addr a;
    tern_addr_set_ipv4(&a, 0x7f000002, 9); /* 127.0.0.2 */
    prm.peer_addr = &a;
    assert_int_equal(check_fake(true, &prm, &p, &err), TERN_OK);
    tern_identity want = addr_id(&a);
    assert_true(tern_identity_equal(&p.identity, &want));
    prm = params(false, 0);
    prm.iplocalhost_allow_without_auth = 2;
    assert_int_equal(check_fake(false, &prm, &p, &err), TERN_OK);
    prm.peer_addr = &a;
    assert_int_equal(check_fake(false, &prm, &p, &err), TERN_IGNORED);
    prm.peer_addr = &remote_addr;
    assert_int_equal(check_fake(false, &prm, &p, &err), TERN_IGNORED);
    prm = params(true, 0);
    prm.iplocalhost_allow_without_auth = 2;
    prm.peer_addr = &remote_addr;
    assert_int_equal(check_fake(true, &prm, &p, &err), TERN_IGNORED);
    tern_addr v6lo;
    tern_addr_set_ipv6_localhost(&v6lo, 7);
    prm.peer_addr = &v6lo;
    assert_int_equal(check_fake(true, &prm, &p, &err), TERN_OK);
    want = addr_id(&v6lo);
    assert_true(tern_identity_equal(&p.identity, &want));
}

static void test_ip_identity(void **state)
{
    (void)state;
    /* A specific IP in the message (not the cert): dropped. */
    fake_seal(&F);
    F.req.identity_string = F.ok.identity_string = (char *)"ip:192.0.2.7:4000";
    expect_both(2, TERN_IGNORED, 0);
    /* The same in the cert: taken as is, not replaced by the address. */
    F.req.identity_string = F.ok.identity_string = NULL;
    fake_cert_identity(&F, "ip:192.0.2.99:1234");
    fake_seal(&F);
    tern_hs_check_params prm = params(true, 2);
    tern_hs_peer p;
    tern_hs_error err;
    assert_int_equal(check_fake(true, &prm, &p, &err), TERN_OK);
    assert_true(tern_identity_equal(&p.identity, &F.id));
    assert_true(p.identity_from_cert);
    /* "ip:127.0.0.1" in the cert counts as anonymous. */
    fake_cert_identity(&F, "ip:127.0.0.1");
    fake_seal(&F);
    prm.peer_addr = &remote_addr;
    assert_int_equal(check_fake(true, &prm, &p, &err), TERN_OK);
    tern_identity want = addr_id(&remote_addr);
    assert_true(tern_identity_equal(&p.identity, &want));
}

static void test_identity_errors(void **state)
{
    (void)state;
    fake_seal(&F);
    F.cert.identity_string = (char *)"nonsense"; /* no prefix */
    fake_seal(&F);
    expect_both(2, TERN_IGNORED, 0);
    F.cert.identity_string = NULL;
    F.cert.legacy_identity_binary = &F.cert_legacy; /* present but empty */
    tern__identity_legacy_binary__init(&F.cert_legacy);
    fake_seal(&F);
    expect_both(2, TERN_IGNORED, 0);
    F.cert.legacy_identity_binary = NULL;
    F.cert.has_legacy_steam_id = 1;
    F.cert.legacy_steam_id = 5; /* not a valid SteamID */
    fake_seal(&F);
    expect_both(2, TERN_IGNORED, 0);
    F.cert.has_legacy_steam_id = 0;
    fake_seal(&F);
    F.req.has_legacy_client_steam_id = F.ok.has_legacy_server_steam_id = 1;
    F.req.legacy_client_steam_id = F.ok.legacy_server_steam_id = 0;
    expect_both(2, TERN_IGNORED, 0);
    F.req.has_legacy_client_steam_id = F.ok.has_legacy_server_steam_id = 0;
    F.req.identity_string = F.ok.identity_string = (char *)"steamid:0";
    expect_both(2, TERN_IGNORED, 0);
    F.req.identity_string = F.ok.identity_string = NULL;
    expect_both(2, TERN_OK, 0);
    /* A cert that is not a protobuf: dropped like a bad identity. */
    F.cert_bytes[0] = 0x07;
    expect_both(2, TERN_IGNORED, 0);
}

static void test_expected_identity(void **state)
{
    (void)state;
    fake_cert_identity(&F, "str:dave");
    fake_seal(&F);
    tern_hs_check_params prm = params(false, 2);
    tern_hs_peer p;
    tern_hs_error err;
    tern_identity other = parse_id("str:eve");
    prm.expected_identity = &other;
    assert_int_equal(check_fake(false, &prm, &p, &err), TERN_IGNORED);
    prm.expected_identity = &F.id;
    assert_int_equal(check_fake(false, &prm, &p, &err), TERN_OK);
    tern_identity none;
    tern_identity_clear(&none); /* invalid = no expectation */
    prm.expected_identity = &none;
    assert_int_equal(check_fake(false, &prm, &p, &err), TERN_OK);
}

/* §3.4: cert first (string, legacy binary, legacy SteamID), then the
 * message (the same order), else anonymous. */
static void test_identity_order(void **state)
{
    (void)state;
    tern_hs_check_params prm = params(true, 2);
    tern_hs_peer p;
    tern_hs_error err;
    tern_identity a = parse_id("str:from-string"), b = parse_id("str:from-legacy");
    tern_identity sid = parse_id("steamid:76561197960287930");
    tern_legacy_id la, lb;
    assert_int_equal(tern_legacy_id_from_identity(&lb, &b), TERN_OK);
    assert_int_equal(tern_legacy_id_from_identity(&la, &a), TERN_OK);

    /* message fields: string > legacy binary > legacy SteamID */
    F.req.identity_string = (char *)"str:from-string";
    F.req.legacy_identity_binary = &lb.msg;
    F.req.has_legacy_client_steam_id = 1;
    F.req.legacy_client_steam_id = sid.u.steam_id;
    fake_seal(&F);
    assert_int_equal(check_fake(true, &prm, &p, &err), TERN_OK);
    assert_true(tern_identity_equal(&p.identity, &a));
    assert_false(p.identity_from_cert);
    F.req.identity_string = NULL;
    assert_int_equal(check_fake(true, &prm, &p, &err), TERN_OK);
    assert_true(tern_identity_equal(&p.identity, &b));
    F.req.legacy_identity_binary = NULL;
    assert_int_equal(check_fake(true, &prm, &p, &err), TERN_OK);
    assert_true(tern_identity_equal(&p.identity, &sid));
    /* a bad first field is an error even if a later one is good */
    F.req.identity_string = (char *)"steamid:0";
    assert_int_equal(check_fake(true, &prm, &p, &err), TERN_IGNORED);
    F.req.identity_string = NULL;

    /* the cert beats the message, in the same order inside the cert */
    F.cert.identity_string = (char *)"str:cert-string";
    F.cert.legacy_identity_binary = &la.msg;
    F.cert.has_legacy_steam_id = 1;
    F.cert.legacy_steam_id = sid.u.steam_id;
    fake_seal(&F);
    tern_identity c = parse_id("str:cert-string");
    assert_int_equal(check_fake(true, &prm, &p, &err), TERN_OK);
    assert_true(tern_identity_equal(&p.identity, &c));
    assert_true(p.identity_from_cert);
    F.cert.identity_string = NULL;
    fake_seal(&F);
    assert_int_equal(check_fake(true, &prm, &p, &err), TERN_OK);
    assert_true(tern_identity_equal(&p.identity, &a));
    F.cert.legacy_identity_binary = NULL;
    fake_seal(&F);
    assert_int_equal(check_fake(true, &prm, &p, &err), TERN_OK);
    assert_true(tern_identity_equal(&p.identity, &sid));
    assert_true(p.identity_from_cert);

    /* nothing anywhere: anonymous, known by address */
    F.cert.has_legacy_steam_id = 0;
    F.req.has_legacy_client_steam_id = 0;
    fake_seal(&F);
    prm.peer_addr = &remote_addr;
    assert_int_equal(check_fake(true, &prm, &p, &err), TERN_OK);
    tern_identity want = addr_id(&remote_addr);
    assert_true(tern_identity_equal(&p.identity, &want));
}

static void test_server_ciphers(void **state)
{
    (void)state;
    tern_hs_check_params prm = params(false, 2);
    tern_hs_peer p;
    tern_hs_error err;
    /* Two ciphers from a server: 4002, even the same one twice. */
    F.crypt.n_ciphers = 2;
    F.ciphers[1] = TERN__CIPHER__CIPHER_NULL;
    fake_seal(&F);
    expect(false, 2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT);
    expect(true, 2, TERN_OK, 0); /* a client may list two */
    F.ciphers[1] = TERN__CIPHER__CIPHER_AES_256_GCM;
    fake_seal(&F);
    expect(false, 2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT);
    /* Derivation refuses such a list too, if handed one. */
    F.crypt.n_ciphers = 1;
    fake_seal(&F);
    assert_int_equal(check_fake(false, &prm, &p, &err), TERN_OK);
    p.nlisted = 2;
    tern_hs_local l;
    tern_aead a = {0};
    assert_int_equal(tern_hs_local_init(&l, false, NULL, 0, NULL), TERN_OK);
    assert_int_equal(tern_hs_derive(&l, &p, CLIENT_ID, SERVER_ID, &a, &err), TERN_HANDSHAKE_FAILED);
    assert_int_equal(err.end_reason, TERN_HS_END_BAD_CRYPT);
    tern_hs_local_free(&l);
    F.crypt.n_ciphers = 2;
    /* Unknown values vanish, as in GNS: [3, 2] is [2]; [3] is [] = [2]. */
    F.ciphers[0] = (Tern__Cipher)3;
    fake_seal(&F);
    assert_int_equal(check_fake(false, &prm, &p, &err), TERN_OK);
    assert_int_equal(p.nlisted, 1);
    F.crypt.n_ciphers = 1;
    fake_seal(&F);
    assert_int_equal(check_fake(false, &prm, &p, &err), TERN_OK);
    assert_int_equal(p.ciphers[0], TERN_CIPHER_AES_256_GCM);
    F.crypt.n_ciphers = 0;
    fake_seal(&F);
    assert_int_equal(check_fake(false, &prm, &p, &err), TERN_OK);
    assert_int_equal(p.ciphers[0], TERN_CIPHER_AES_256_GCM);
    /* One cipher the client did not offer: 4002 at derivation. */
    F.crypt.n_ciphers = 1;
    F.ciphers[0] = TERN__CIPHER__CIPHER_NULL;
    fake_seal(&F);
    expect_derive(false, TERN_HANDSHAKE_FAILED);
    F.ciphers[0] = TERN__CIPHER__CIPHER_INVALID;
    fake_seal(&F);
    expect_derive(false, TERN_HANDSHAKE_FAILED);
    /* A server with [AES] facing a client that offers only NULL. */
    F.ciphers[0] = TERN__CIPHER__CIPHER_NULL;
    fake_seal(&F);
    expect_derive(true, TERN_HANDSHAKE_FAILED);
}

static void test_oversized(void **state)
{
    (void)state;
    /* A cert body over TERN_HS_PEER_CERT_MAX. */
    static char ipbuf[128][16];
    for (int i = 0; i < 128; i++) {
        snprintf(ipbuf[i], sizeof ipbuf[i], "10.0.%d.%d", i / 250, i % 250);
        F.ips[i] = ipbuf[i];
    }
    F.cert.n_ip_addresses = 128;
    F.cert.ip_addresses = F.ips;
    fake_seal(&F);
    assert_true(F.cs.cert.len > TERN_HS_PEER_CERT_MAX);
    expect_both(2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT);
    F.cert.n_ip_addresses = 80;
    fake_seal(&F);
    assert_true(F.cs.cert.len <= TERN_HS_PEER_CERT_MAX);
    expect(true, 2, TERN_OK, 0);
    /* A crypt info over TERN_HS_PEER_CRYPT_MAX. */
    F.crypt.n_ciphers = 200;
    for (int i = 0; i < 200; i++) F.ciphers[i] = TERN__CIPHER__CIPHER_AES_256_GCM;
    fake_seal(&F);
    assert_true(F.cis.info.len > TERN_HS_PEER_CRYPT_MAX);
    expect(true, 2, TERN_HANDSHAKE_FAILED, TERN_HS_END_BAD_CRYPT);
}

static void test_local_api(void **state)
{
    (void)state;
    tern_hs_local l;
    tern_identity bad;
    tern_identity_clear(&bad);
    assert_int_equal(tern_hs_local_init(&l, false, &bad, 0, NULL), TERN_INVALID_PARAM);
    assert_null(l.kx_key.pkey);
    tern_identity_set_steam_id(&bad, 5); /* not valid for an identity */
    assert_int_equal(tern_hs_local_init(&l, true, &bad, 0, NULL), TERN_INVALID_PARAM);

    tern_identity sid = parse_id("steamid:76561197960287930");
    assert_int_equal(tern_hs_local_init(&l, false, &sid, 2, NULL), TERN_OK);
    assert_true(l.finalized);
    assert_int_equal(l.nciphers, 2);
    assert_int_equal(l.ciphers[0], TERN_CIPHER_NULL);
    assert_int_equal(tern_hs_local_set_unencrypted(&l, 0), TERN_INVALID_STATE);
    Tern__ConnectOK ok = TERN__CONNECT_OK__INIT;
    assert_int_equal(tern_hs_fill_connect_ok(&l, &ok), TERN_INVALID_STATE);
    Tern__ConnectRequest req = TERN__CONNECT_REQUEST__INIT;
    assert_int_equal(tern_hs_fill_connect_request(&l, &req), TERN_OK);
    assert_true(req.has_legacy_client_steam_id);
    assert_true(req.legacy_client_steam_id == sid.u.steam_id);
    assert_false(req.cert->has_ca_signature);
    assert_false(req.cert->has_ca_key_id);
    assert_false(req.cert->has_private_key_data);
    assert_int_equal(req.crypt->signature.len, 64);
    /* The cert carries the identity, all three ways. */
    tern_arena_init(&arena, arena_mem, sizeof arena_mem);
    Tern__Certificate *c;
    assert_int_equal(tern_cert_decode(l.cert, l.cert_len, &arena, &c), TERN_OK);
    assert_string_equal(c->identity_string, "steamid:76561197960287930");
    assert_true(c->has_legacy_steam_id);
    assert_non_null(c->legacy_identity_binary);
    assert_int_equal(c->n_app_ids, 1);
    assert_int_equal(c->app_ids[0], 0);
    assert_false(c->has_time_created || c->has_time_expiry);
    tern_hs_local_free(&l);
    tern_hs_local_free(&l); /* twice is fine */

    /* Random keys differ between connections. */
    tern_hs_local a, b;
    assert_int_equal(tern_hs_local_init(&a, false, NULL, 0, NULL), TERN_OK);
    assert_int_equal(tern_hs_local_init(&b, false, NULL, 0, NULL), TERN_OK);
    assert_memory_not_equal(a.sign_key.pub, b.sign_key.pub, 32);
    assert_memory_not_equal(a.kx_key.pub, b.kx_key.pub, 32);
    assert_true(a.nonce != b.nonce);
    tern_hs_local_free(&a);
    tern_hs_local_free(&b);

    /* A server cannot send ConnectOK before it accepted. */
    assert_int_equal(tern_hs_local_init(&l, true, NULL, 0, NULL), TERN_OK);
    assert_int_equal(tern_hs_fill_connect_ok(&l, &ok), TERN_INVALID_STATE);
    assert_int_equal(tern_hs_fill_connect_request(&l, &req), TERN_INVALID_STATE);
    tern_hs_local_free(&l);

    /* Not a ConnectRequest / ConnectOK. */
    Tern__ChallengeReply cr = TERN__CHALLENGE_REPLY__INIT;
    tern_hs_msg m = {.kind = TERN_PKT_CHALLENGE_REPLY};
    m.u.challenge_reply = &cr;
    tern_hs_check_params prm = params(true, 2);
    tern_hs_peer p;
    tern_hs_error err;
    assert_int_equal(tern_hs_check_peer(&m, &prm, &p, &err), TERN_INVALID_PARAM);
}

/* An instance's cert key serves all its connections: made on first use
 * (from the first fixed seed when secrets are fixed), shared by reference,
 * never let go of by a connection; the X25519 key and the nonce stay fresh
 * per connection, and handshakes with it complete as with fresh keys. */
static void test_instance_cert_key(void **state)
{
    (void)state;
    tern_ed25519 ck = {0};
    tern_hs_local a, b;
    assert_int_equal(tern_hs_local_init_keyed(&a, false, NULL, 0, NULL, &ck), TERN_OK);
    assert_non_null(ck.pkey);
    assert_true(ck.has_private);
    assert_int_equal(tern_hs_local_init_keyed(&b, true, NULL, 0, NULL, &ck), TERN_OK);
    assert_memory_equal(a.sign_key.pub, ck.pub, 32);
    assert_memory_equal(b.sign_key.pub, ck.pub, 32);
    assert_memory_equal(a.cert, b.cert, a.cert_len); /* same identity, same key */
    assert_memory_not_equal(a.kx_key.pub, b.kx_key.pub, 32);
    assert_true(a.nonce != b.nonce);

    /* A full handshake between the two; deriving and freeing them leaves
     * the instance key whole. */
    tern_hs_peer sp, cp;
    tern_hs_error err;
    tern_hs_check_params sprm = params(true, 2), cprm = params(false, 2);
    assert_int_equal(server_checks(&a, &sprm, &sp, &err), TERN_OK);
    tern_aead sa = {0}, ca = {0};
    assert_int_equal(tern_hs_derive(&b, &sp, CLIENT_ID, SERVER_ID, &sa, &err), TERN_OK);
    assert_int_equal(client_checks(&b, &cprm, &cp, &err), TERN_OK);
    assert_int_equal(tern_hs_derive(&a, &cp, CLIENT_ID, SERVER_ID, &ca, &err), TERN_OK);
    tt_rng rng;
    tt_rng_seed(&rng, 11);
    assert_talks(&ca, &sa, &rng);
    assert_talks(&sa, &ca, &rng);
    assert_false(a.sign_key.has_private);
    tern_hs_local_free(&a);
    tern_hs_local_free(&b);
    tern_aead_free(&sa);
    tern_aead_free(&ca);
    uint8_t sig[TERN_ED25519_SIG_LEN];
    assert_int_equal(tern_ed25519_sign(&ck, "x", 1, sig), TERN_OK);
    tern_ed25519_free(&ck);

    /* Fixed secrets: the key comes from the first seed, so runs replay;
     * later seeds only feed the X25519 key and nonce. */
    tern_hs_secrets cs, ss;
    appendix_b_secrets(&cs, &ss);
    assert_int_equal(tern_hs_local_init_keyed(&a, false, NULL, 0, &cs, &ck), TERN_OK);
    assert_hex(a.cert, a.cert_len, b_client_cert);
    assert_hex(a.crypt, a.crypt_len, b_client_crypt);
    assert_hex(a.signature, sizeof a.signature, b_client_sig);
    assert_int_equal(tern_hs_local_init_keyed(&b, true, NULL, 0, &ss, &ck), TERN_OK);
    assert_hex(b.cert, b.cert_len, b_client_cert); /* the instance key, not ss's */
    tern_x25519 want_kx;
    assert_int_equal(tern_x25519_from_private(&want_kx, ss.x25519_private), TERN_OK);
    assert_memory_equal(b.kx_key.pub, want_kx.pub, 32);
    assert_int_equal(b.nonce, ss.nonce);
    tern_x25519_free(&want_kx);
    tern_hs_local_free(&a);
    tern_hs_local_free(&b);
    tern_ed25519_free(&ck);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_appendix_b, setup),
        cmocka_unit_test_setup(test_random_handshakes, setup),
        cmocka_unit_test_setup(test_cert_matches_gns, setup),
        cmocka_unit_test_setup(test_gns_captures, setup),
        cmocka_unit_test_setup_teardown(test_fake_ok, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_missing_cert_or_crypt, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_bad_signatures, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_cert_key, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_crypt_key, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_versions, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_app_ids, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_ca_signed, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_auth_policy, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_ip_identity, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_identity_errors, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_expected_identity, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_identity_order, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_server_ciphers, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_oversized, fake_setup, fake_teardown),
        cmocka_unit_test_setup(test_local_api, setup),
        cmocka_unit_test_setup(test_instance_cert_key, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
