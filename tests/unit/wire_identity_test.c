/* Address and identity helpers and string forms (API.md §6.1, §6.2, §16;
 * WIRE.md §3.2). Expected values are GNS's, measured with the reference
 * library (the quirk cases included). */
#include "testutil.h"
#include "wire/identity.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* --- helpers ----------------------------------------------------------------- */

static const char *addr_str(const tern_addr *a, bool with_port)
{
    static char buf[TERN_ADDR_STRLEN];
    tern_addr_to_string(a, buf, sizeof buf, with_port);
    return buf;
}

static const char *id_str(const tern_identity *id)
{
    static char buf[TERN_IDENTITY_STRLEN];
    tern_identity_to_string(id, buf, sizeof buf);
    return buf;
}

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i]) return false;
    return true;
}

/* A copy of |s| whose NUL is the last byte of a readable page, followed by an
 * inaccessible page: a parser that reads past the NUL faults in any build. */
typedef struct guarded {
    uint8_t *map;
    size_t page;
} guarded;

static guarded guard_open(void)
{
    guarded g;
    g.page = (size_t)sysconf(_SC_PAGESIZE);
    g.map = mmap(NULL, 2 * g.page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(g.map != MAP_FAILED);
    assert_int_equal(mprotect(g.map + g.page, g.page, PROT_NONE), 0);
    return g;
}

static const char *guard_put(guarded *g, const char *s)
{
    size_t n = strlen(s) + 1;
    assert_true(n <= g->page);
    char *p = (char *)g->map + g->page - n;
    memcpy(p, s, n);
    return p;
}

static void guard_close(guarded *g)
{
    munmap(g->map, 2 * g->page);
}

/* --- address value helpers ----------------------------------------------------- */

static void test_addr_helpers(void **state)
{
    (void)state;
    tern_addr a, b;
    memset(&a, 0xee, sizeof a);
    tern_addr_clear(&a);
    assert_true(all_zero(&a, sizeof a));
    assert_true(tern_addr_is_ipv6_all_zeros(&a));
    a.port = 9; /* the port does not count */
    assert_true(tern_addr_is_ipv6_all_zeros(&a));
    a.ipv6[15] = 1;
    assert_false(tern_addr_is_ipv6_all_zeros(&a));

    tern_addr_set_ipv4(&a, 0xC0A80102u, 27015);
    static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 1, 2};
    assert_memory_equal(a.ipv6, mapped, 16);
    assert_int_equal(a.port, 27015);
    assert_true(tern_addr_is_ipv4(&a));
    assert_true(tern_addr_get_ipv4(&a) == 0xC0A80102u);
    a.ipv6[9] = 1; /* not mapped any more */
    assert_false(tern_addr_is_ipv4(&a));
    assert_int_equal(tern_addr_get_ipv4(&a), 0);

    static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    tern_addr_set_ipv6(&a, v6, 80);
    assert_memory_equal(a.ipv6, v6, 16);
    assert_int_equal(a.port, 80);
    assert_false(tern_addr_is_ipv4(&a));
    assert_false(tern_addr_is_localhost(&a));

    tern_addr_set_ipv6_localhost(&a, 5);
    assert_true(tern_addr_is_localhost(&a));
    assert_int_equal(a.port, 5);
    assert_int_equal(a.ipv6[15], 1);
    assert_true(all_zero(a.ipv6, 15));
    tern_addr_set_ipv4(&a, 0x7f000001u, 0);
    assert_true(tern_addr_is_localhost(&a));
    tern_addr_set_ipv4(&a, 0x7f000002u, 0); /* the rest of 127/8 is not */
    assert_false(tern_addr_is_localhost(&a));
    tern_addr_set_ipv4(&a, 0x01000000u, 0); /* ::ffff:1.0.0.0 */
    assert_false(tern_addr_is_localhost(&a));

    tern_addr_set_ipv4(&a, 0x01020304u, 1);
    tern_addr_set_ipv4(&b, 0x01020304u, 1);
    assert_true(tern_addr_equal(&a, &b));
    b.port = 2;
    assert_false(tern_addr_equal(&a, &b));
    b.port = 1;
    b.ipv6[0] = 1;
    assert_false(tern_addr_equal(&a, &b));
}

/* --- address parsing --------------------------------------------------------------- */

typedef struct addr_case {
    const char *in;
    bool ok;
    const char *out; /* to_string with port, when ok */
} addr_case;

/* Every row of the API.md §16.1 table. */
static const addr_case table_16_1[] = {
    {"1.2.3.4", true, "1.2.3.4:0"},
    {"1.2.3.4:27015", true, "1.2.3.4:27015"},
    {"  1.2.3.4:5", true, "1.2.3.4:5"},
    {"1.2.3.4:garbage", true, "1.2.3.4:0"},
    {"1.2.3.4:70000", false, NULL},
    {"256.1.1.1", false, NULL},
    {"-1.2.3.4", false, NULL},
    {"1.2.3", false, NULL},
    {"0.0.0.0", true, "0.0.0.0:0"},
    {"::1", true, "[::1]:0"},
    {"[::1]", true, "[::1]:0"},
    {"[::1]:80", true, "[::1]:80"},
    {"[::1]:", false, NULL},
    {"::ffff:1.2.3.4", true, "1.2.3.4:0"},
    {"[::ffff:1.2.3.4]:9", true, "1.2.3.4:9"},
    {"2001:0db8:0000:0000:0000:0000:0000:0001", true, "[2001:db8::1]:0"},
    {"1:2:3:4:5:6:7:8:99", true, "[1:2:3:4:5:6:7:8]:99"},
    {"::1:99", true, "[::1:99]:0"},
    {"fe80::1%3", true, "[fe80::1]:0"},
    {"[fe80::1%3]:7", true, "[fe80::1]:7"},
    {"[1::2]#80", true, "[1::2]:80"},
    {"[1::2] port 80", true, "[1::2]:80"},
    {"1::2 80", false, NULL},
    {"localhost", false, NULL},
    {"", false, NULL},
};

/* Further measured behaviour: sscanf's number rules in the IPv4 path and the
 * corners of the IPv6 grammar. */
static const addr_case quirks[] = {
    /* %d goes through strtol (saturating at 64 bits) and is narrowed to int */
    {"4294967297.2.3.4", true, "1.2.3.4:0"},
    {"-4294967295.2.3.4", true, "1.2.3.4:0"},
    {"99999999999999999999.1.1.1", false, NULL},
    {"-99999999999999999999.1.1.1", true, "0.1.1.1:0"},
    {"1.2.3.4:4294967296", true, "1.2.3.4:0"},
    {"1.2.3.4:-0", true, "1.2.3.4:0"},
    {"1.2.3.4:-1", false, NULL},
    {"1.2.3.4:65535", true, "1.2.3.4:65535"},
    {"1.2.3.4:65536", false, NULL},
    {"+1.+2. 3.\n4", true, "1.2.3.4:0"},
    {"\t\n\v\f\r1.2.3.4", true, "1.2.3.4:0"},
    {"1 .2.3.4", false, NULL},
    {"1.2.3.4.5", true, "1.2.3.4:0"},
    {"1.2.3.4::", true, "1.2.3.4:0"},
    {"001.002.003.004", true, "1.2.3.4:0"},
    {"1.2.3.-0", true, "1.2.3.0:0"},
    {"+.1.2.3", false, NULL},
    /* IPv6 */
    {"::", true, "[::]:0"},
    {"[::]", true, "[::]:0"},
    {"1::", true, "[1::]:0"},
    {":::5", true, "[::]:5"},
    {"::1.2.3.4", true, "[::102:304]:0"},
    {"::1.2.3.4.5", true, "[::102:304]:5"},
    {"::ffff:1.2.3.256", false, NULL},
    {"::ffff:1.2.3", false, NULL},
    {"1:2:3:4:5:6:7::", true, "[1:2:3:4:5:6:7:0]:0"},
    {"1:2:3:4:5:6:7:8::", false, NULL},
    {"1:2:3:4:5:6:7:8:9:10", false, NULL},
    {"1:2:3:4:5:6:7", false, NULL},
    {"1::2::3", false, NULL},
    {"12345::", false, NULL},
    {"1:", false, NULL},
    {"AbCd::EF", true, "[abcd::ef]:0"},
    {"::1 port 5", true, "[::1]:5"},
    {"::1 port", false, NULL},
    {"[::1]port 80", false, NULL},
    {"[::1] p80", false, NULL},
    {"[::1]p80", true, "[::1]:80"},
    {"[::1]P80", true, "[::1]:80"},
    {"[::1].80", true, "[::1]:80"},
    {"[ ::1 ]:80", true, "[::1]:80"},
    {" \t[::1]", true, "[::1]:0"},
    {"[::1] :80", false, NULL},
    {"[::1%3 ]:5", true, "[::1]:5"},
    {"[::1]:065535", true, "[::1]:65535"},
    {"[::1]:65536", false, NULL},
    {"[::1]:5 \t", true, "[::1]:5"},
    {"[::1]:5\n", false, NULL},
    {"::1\n", false, NULL},
    {"[::1]:5x", false, NULL},
    {"[::1]:5 x", false, NULL},
    {"::1%", false, NULL},
    {"::1%x", false, NULL},
    {"fe80::1%3:7", false, NULL},
    {"fe80::1%4294967296", true, "[fe80::1]:0"},
    {"[::1", false, NULL},
    {"::1]", false, NULL},
    {"::1 :5", false, NULL},
    {"1.2.3.4.5.6.7.8", true, "1.2.3.4:0"},
};

static void check_addr_cases(const addr_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const addr_case *c = &cases[i];
        tern_addr a;
        memset(&a, 0xa5, sizeof a);
        bool ok = tern_addr_parse_string(&a, c->in);
        if (ok != c->ok) fail_msg("parse \"%s\": got %d", c->in, ok);
        if (ok)
            assert_string_equal(addr_str(&a, true), c->out);
        else
            assert_true(all_zero(&a, sizeof a)); /* failure zeroes the struct */
    }
}

static void test_addr_parse_table(void **state)
{
    (void)state;
    check_addr_cases(table_16_1, sizeof table_16_1 / sizeof *table_16_1);
    /* Values behind a few printed forms. */
    tern_addr a;
    assert_true(tern_addr_parse_string(&a, "::1:99"));
    assert_int_equal(a.ipv6[13], 0x01);
    assert_int_equal(a.ipv6[14], 0x00);
    assert_int_equal(a.ipv6[15], 0x99);
    assert_int_equal(a.port, 0);
    assert_true(tern_addr_parse_string(&a, "1.2.3.4:27015"));
    assert_true(tern_addr_is_ipv4(&a));
    assert_true(tern_addr_get_ipv4(&a) == 0x01020304u);
    assert_int_equal(a.port, 27015);
    memset(&a, 0xa5, sizeof a);
    assert_false(tern_addr_parse_string(&a, NULL));
    assert_true(all_zero(&a, sizeof a));
}

static void test_addr_parse_quirks(void **state)
{
    (void)state;
    check_addr_cases(quirks, sizeof quirks / sizeof *quirks);
}

/* --- address formatting ------------------------------------------------------------ */

static void set_groups(tern_addr *a, const uint16_t g[8], uint16_t port)
{
    for (int i = 0; i < 8; i++) {
        a->ipv6[2 * i] = (uint8_t)(g[i] >> 8);
        a->ipv6[2 * i + 1] = (uint8_t)g[i];
    }
    a->port = port;
}

static void test_addr_to_string(void **state)
{
    (void)state;
    static const struct {
        uint16_t g[8];
        const char *bare;
    } v6[] = {
        {{0, 0, 0, 0, 0, 0, 0, 0}, "::"},
        {{0, 0, 0, 0, 0, 0, 0, 1}, "::1"},
        {{1, 0, 0, 0, 0, 0, 0, 0}, "1::"},
        {{0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}, "2001:db8::1"},
        {{0x2001, 0xdb8, 0, 0, 1, 0, 0, 1}, "2001:db8::1:0:0:1"},    /* tie: leftmost */
        {{0x2001, 0xdb8, 0, 1, 1, 1, 1, 1}, "2001:db8:0:1:1:1:1:1"}, /* one zero group stays */
        {{1, 0, 0, 2, 0, 0, 0, 3}, "1:0:0:2::3"},                    /* longest run wins */
        {{0xabcd, 0x0123, 0x00f0, 0x000f, 0x1000, 0xffff, 0x0010, 0x0100},
         "abcd:123:f0:f:1000:ffff:10:100"},
        {{0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304}, "1.2.3.4"},          /* mapped: dotted */
        {{0, 0, 0, 0, 0xffff, 0, 0x0102, 0x0304}, "::ffff:0:102:304"}, /* not mapped */
        {{0, 0, 0, 0, 0, 0, 0x0102, 0x0304}, "::102:304"},             /* no dotted quad */
        {{0, 1, 0, 1, 0, 1, 0, 1}, "0:1:0:1:0:1:0:1"},
    };
    char want[64];
    for (size_t i = 0; i < sizeof v6 / sizeof *v6; i++) {
        tern_addr a;
        set_groups(&a, v6[i].g, 0);
        assert_string_equal(addr_str(&a, false), v6[i].bare);
        bool v4 = tern_addr_is_ipv4(&a);
        snprintf(want, sizeof want, v4 ? "%s:0" : "[%s]:0", v6[i].bare); /* port 0 printed */
        assert_string_equal(addr_str(&a, true), want);
        a.port = 65535;
        snprintf(want, sizeof want, v4 ? "%s:65535" : "[%s]:65535", v6[i].bare);
        assert_string_equal(addr_str(&a, true), want);
    }

    /* The longest form is 47 characters; cbBuf 10 gives "[abab:aba" (measured). */
    static const uint16_t ab[8] = {0xabab, 0xabab, 0xabab, 0xabab, 0xabab, 0xabab, 0xabab, 0xabab};
    tern_addr a;
    set_groups(&a, ab, 65535);
    char buf[TERN_ADDR_STRLEN];
    assert_int_equal(tern_addr_to_string(&a, buf, sizeof buf, true), 47);
    assert_string_equal(buf, "[abab:abab:abab:abab:abab:abab:abab:abab]:65535");
    assert_int_equal(tern_addr_to_string(&a, buf, 10, true), 47);
    assert_string_equal(buf, "[abab:aba");
    tern_addr_set_ipv4(&a, 0xffffffffu, 65535);
    assert_int_equal(tern_addr_to_string(&a, buf, sizeof buf, true), 21);
    assert_string_equal(buf, "255.255.255.255:65535");
}

/* For every buffer size 0..len+1: the output is the full text cut to cb-1
 * characters plus a NUL, and nothing at or past buf[cb] is written. */
static void check_cut(const char *full, const char *got, size_t cb)
{
    size_t len = strlen(full);
    if (cb == 0) {
        assert_int_equal((uint8_t)got[0], 0xcc);
        return;
    }
    size_t n = len < cb - 1 ? len : cb - 1;
    assert_memory_equal(got, full, n);
    assert_int_equal(got[n], '\0');
    for (size_t i = cb; i < cb + 8; i++) assert_int_equal((uint8_t)got[i], 0xcc);
}

static void test_addr_to_string_truncation(void **state)
{
    (void)state;
    static const char *samples[] = {"[abab:abab:abab:abab:abab:abab:abab:abab]:65535",
                                    "255.255.255.255:65535", "[::]:0", "[2001:db8::1]:27015",
                                    "1.2.3.4:0"};
    for (size_t s = 0; s < sizeof samples / sizeof *samples; s++) {
        tern_addr a;
        assert_true(tern_addr_parse_string(&a, samples[s]));
        for (int wp = 0; wp < 2; wp++) {
            char full[TERN_ADDR_STRLEN];
            size_t len = tern_addr_to_string(&a, full, sizeof full, wp);
            assert_int_equal(len, strlen(full));
            for (size_t cb = 0; cb <= len + 1; cb++) {
                char buf[TERN_ADDR_STRLEN + 16];
                memset(buf, 0xcc, sizeof buf);
                assert_int_equal(tern_addr_to_string(&a, buf, cb, wp), len);
                check_cut(full, buf, cb);
            }
        }
    }
}

static void random_addr(tt_rng *r, tern_addr *a)
{
    tern_addr_clear(a);
    if (tt_rng_below(r, 3) == 0) {
        tern_addr_set_ipv4(a, (uint32_t)tt_rng_next(r), (uint16_t)tt_rng_next(r));
    } else {
        /* Groups that are often zero, so that every compression case occurs. */
        for (int i = 0; i < 16; i += 2) {
            uint64_t k = tt_rng_below(r, 4);
            uint16_t g = k == 0 ? 0 : k == 1 ? (uint16_t)tt_rng_next(r) : (uint16_t)(k * 7);
            a->ipv6[i] = (uint8_t)(g >> 8);
            a->ipv6[i + 1] = (uint8_t)g;
        }
        a->port = tt_rng_below(r, 2) ? (uint16_t)tt_rng_next(r) : 0;
    }
}

static void test_addr_roundtrip_random(void **state)
{
    (void)state;
    tt_rng r;
    tt_rng_seed(&r, 0x1d);
    for (unsigned i = 0; i < tt_seeds(20000); i++) {
        tern_addr a, b;
        random_addr(&r, &a);
        char buf[TERN_ADDR_STRLEN];
        tern_addr_to_string(&a, buf, sizeof buf, true);
        memset(&b, 0xa5, sizeof b);
        assert_true(tern_addr_parse_string(&b, buf));
        if (!tern_addr_equal(&a, &b)) fail_msg("round trip of %s", buf);
        /* Without the port the address survives and the port is 0. */
        tern_addr_to_string(&a, buf, sizeof buf, false);
        assert_true(tern_addr_parse_string(&b, buf));
        assert_memory_equal(a.ipv6, b.ipv6, 16);
        assert_int_equal(b.port, 0);
    }
}

/* --- identity value helpers ------------------------------------------------------------ */

static void test_identity_helpers(void **state)
{
    (void)state;
    tern_identity id, id2;
    memset(&id, 0xee, sizeof id);
    tern_identity_clear(&id);
    assert_true(all_zero(&id, sizeof id));
    assert_true(tern_identity_is_invalid(&id));

    tern_identity_set_steam_id(&id, 76561197960287930ull);
    assert_int_equal(id.type, TERN_ID_STEAMID);
    assert_int_equal(id.size, 8);
    assert_true(tern_identity_get_steam_id(&id) == 76561197960287930ull);
    assert_true(tern_identity_get_steam_id64(&id) == 76561197960287930ull);
    assert_int_equal(tern_identity_get_psn_id(&id), 0);
    tern_identity_set_steam_id64(&id, 0); /* no validity check */
    assert_int_equal(id.type, TERN_ID_STEAMID);
    assert_false(tern_identity_is_invalid(&id));

    tern_identity_set_psn_id(&id, UINT64_MAX);
    assert_int_equal(id.type, TERN_ID_PSN);
    assert_int_equal(id.size, 8);
    assert_true(tern_identity_get_psn_id(&id) == UINT64_MAX);
    assert_int_equal(tern_identity_get_steam_id(&id), 0);

    /* Xbox: 1..32 characters; failure leaves the identity as it was. */
    char s33[34];
    memset(s33, 'x', 33);
    s33[33] = '\0';
    memcpy(&id2, &id, sizeof id);
    assert_false(tern_identity_set_xbox_pairwise_id(&id, ""));
    assert_false(tern_identity_set_xbox_pairwise_id(&id, s33));
    assert_false(tern_identity_set_xbox_pairwise_id(&id, NULL));
    assert_memory_equal(&id, &id2, sizeof id);
    assert_null(tern_identity_get_xbox_pairwise_id(&id));
    assert_true(tern_identity_set_xbox_pairwise_id(&id, s33 + 1));
    assert_int_equal(id.type, TERN_ID_XBOX_PAIRWISE);
    assert_int_equal(id.size, 33);
    assert_string_equal(tern_identity_get_xbox_pairwise_id(&id), s33 + 1);
    assert_true(tern_identity_set_xbox_pairwise_id(&id, "a"));
    assert_int_equal(id.size, 2);

    /* IP */
    tern_addr a;
    tern_addr_set_ipv4(&a, 0x01020304u, 5);
    assert_null(tern_identity_get_ip_addr(&id));
    assert_int_equal(tern_identity_get_ipv4(&id), 0);
    tern_identity_set_ip_addr(&id, &a);
    assert_int_equal(id.type, TERN_ID_IP);
    assert_int_equal(id.size, 18);
    assert_true(tern_addr_equal(tern_identity_get_ip_addr(&id), &a));
    assert_ptr_equal(tern_identity_get_ip_addr(&id), &id.u.ip);
    assert_true(tern_identity_get_ipv4(&id) == 0x01020304u);
    assert_false(tern_identity_is_localhost(&id));
    tern_identity_set_ipv4_addr(&id2, 0x01020304u, 5);
    assert_true(tern_identity_equal(&id, &id2));
    tern_identity_set_localhost(&id);
    assert_int_equal(id.type, TERN_ID_IP);
    assert_int_equal(id.size, 18);
    assert_true(tern_identity_is_localhost(&id));
    assert_string_equal(id_str(&id), "ip:::1");
    tern_identity_set_ipv4_addr(&id, 0x7f000001u, 9); /* mapped 127.0.0.1 counts */
    assert_true(tern_identity_is_localhost(&id));
    tern_identity_set_steam_id(&id, 1);
    assert_false(tern_identity_is_localhost(&id));

    /* Generic string: 0..31 characters. */
    char s32[33];
    memset(s32, 's', 32);
    s32[32] = '\0';
    memcpy(&id2, &id, sizeof id);
    assert_false(tern_identity_set_generic_string(&id, s32));
    assert_false(tern_identity_set_generic_string(&id, NULL));
    assert_memory_equal(&id, &id2, sizeof id);
    assert_null(tern_identity_get_generic_string(&id));
    assert_true(tern_identity_set_generic_string(&id, s32 + 1));
    assert_int_equal(id.type, TERN_ID_GENERIC_STRING);
    assert_int_equal(id.size, 32);
    assert_string_equal(tern_identity_get_generic_string(&id), s32 + 1);
    assert_true(tern_identity_set_generic_string(&id, ""));
    assert_int_equal(id.size, 1);
    assert_string_equal(tern_identity_get_generic_string(&id), "");

    /* Generic bytes: 0..32; get leaves *len alone for another type. */
    uint8_t bytes[33];
    for (int i = 0; i < 33; i++) bytes[i] = (uint8_t)(i * 37);
    int len = -5;
    assert_null(tern_identity_get_generic_bytes(&id, &len));
    assert_int_equal(len, -5);
    memcpy(&id2, &id, sizeof id);
    assert_false(tern_identity_set_generic_bytes(&id, bytes, 33));
    assert_false(tern_identity_set_generic_bytes(&id, NULL, 1));
    assert_memory_equal(&id, &id2, sizeof id);
    assert_true(tern_identity_set_generic_bytes(&id, bytes, 32));
    assert_int_equal(id.type, TERN_ID_GENERIC_BYTES);
    assert_int_equal(id.size, 32);
    const uint8_t *got = tern_identity_get_generic_bytes(&id, &len);
    assert_int_equal(len, 32);
    assert_memory_equal(got, bytes, 32);
    assert_true(tern_identity_set_generic_bytes(&id, NULL, 0));
    assert_int_equal(id.size, 0);
    assert_non_null(tern_identity_get_generic_bytes(&id, &len));
    assert_int_equal(len, 0);
}

static void test_identity_equal(void **state)
{
    (void)state;
    tern_identity a, b;
    memset(&a, 0x11, sizeof a);
    memset(&b, 0x22, sizeof b);
    /* Bytes past |size| are ignored. */
    assert_true(tern_identity_set_generic_string(&a, "abc"));
    assert_true(tern_identity_set_generic_string(&b, "abc"));
    assert_true(tern_identity_equal(&a, &b));
    assert_true(tern_identity_set_generic_string(&b, "abd"));
    assert_false(tern_identity_equal(&a, &b));
    /* Same bytes, different type or size. */
    tern_identity_set_steam_id(&a, 7);
    tern_identity_set_psn_id(&b, 7);
    assert_false(tern_identity_equal(&a, &b));
    tern_identity_set_steam_id(&b, 7);
    assert_true(tern_identity_equal(&a, &b));
    b.size = 9;
    assert_false(tern_identity_equal(&a, &b));
    /* Invalid identities are equal whatever their union holds. */
    tern_identity_clear(&a);
    tern_identity_clear(&b);
    b.u.steam_id = 5;
    assert_true(tern_identity_equal(&a, &b));
    /* A corrupt size is compared within the union, not past it. */
    memset(&a, 0x33, sizeof a);
    memset(&b, 0x33, sizeof b);
    a.size = b.size = -1;
    assert_true(tern_identity_equal(&a, &b));
    a.size = b.size = 100000;
    assert_true(tern_identity_equal(&a, &b));
    b.u.unknown_raw[127] = 0;
    assert_false(tern_identity_equal(&a, &b));
}

/* --- identity formatting ------------------------------------------------------------- */

static void test_identity_to_string(void **state)
{
    (void)state;
    tern_identity id;
    tern_identity_clear(&id);
    assert_string_equal(id_str(&id), "invalid");
    tern_identity_set_steam_id(&id, 76561197960287930ull);
    assert_string_equal(id_str(&id), "steamid:76561197960287930");
    tern_identity_set_steam_id(&id, UINT64_MAX);
    assert_string_equal(id_str(&id), "steamid:18446744073709551615");
    tern_identity_set_psn_id(&id, 0);
    assert_string_equal(id_str(&id), "psn:0");
    tern_identity_set_psn_id(&id, UINT64_MAX);
    assert_string_equal(id_str(&id), "psn:18446744073709551615");
    assert_true(tern_identity_set_xbox_pairwise_id(&id, "x1"));
    assert_string_equal(id_str(&id), "xboxpwid:x1");
    assert_true(tern_identity_set_generic_string(&id, "Locke Lamora"));
    assert_string_equal(id_str(&id), "str:Locke Lamora");
    assert_true(tern_identity_set_generic_string(&id, ""));
    assert_string_equal(id_str(&id), "str:");
    static const uint8_t g[3] = {1, 2, 0xff};
    assert_true(tern_identity_set_generic_bytes(&id, g, 3));
    assert_string_equal(id_str(&id), "gen:0102ff");
    assert_true(tern_identity_set_generic_bytes(&id, g, 0));
    assert_string_equal(id_str(&id), "gen:");

    /* IP: the port only when non-zero. */
    tern_addr a;
    tern_addr_set_ipv4(&a, 0x01020304u, 5);
    tern_identity_set_ip_addr(&id, &a);
    assert_string_equal(id_str(&id), "ip:1.2.3.4:5");
    tern_addr_set_ipv4(&a, 0x7f000001u, 0);
    tern_identity_set_ip_addr(&id, &a);
    assert_string_equal(id_str(&id), "ip:127.0.0.1");
    tern_identity_set_localhost(&id);
    assert_string_equal(id_str(&id), "ip:::1");
    id.u.ip.port = 5;
    assert_string_equal(id_str(&id), "ip:[::1]:5");
    assert_true(tern_addr_parse_string(&a, "[2001:db8::1]:27015"));
    tern_identity_set_ip_addr(&id, &a);
    assert_string_equal(id_str(&id), "ip:[2001:db8::1]:27015");

    assert_true(tern_identity_parse_string(&id, sizeof id, "foo:Bar baz"));
    assert_string_equal(id_str(&id), "foo:Bar baz");

    tern_identity_clear(&id);
    id.type = 5;
    assert_string_equal(id_str(&id), "bad_type:5");
    id.type = -1;
    assert_string_equal(id_str(&id), "bad_type:-1");
    id.type = INT32_MIN;
    assert_string_equal(id_str(&id), "bad_type:-2147483648");
    id.type = 19;
    assert_string_equal(id_str(&id), "bad_type:19");

    /* A corrupt struct: a string without its NUL is read to the union's end only. */
    memset(&id, 'q', sizeof id);
    id.type = TERN_ID_UNKNOWN;
    char buf[TERN_IDENTITY_STRLEN + 32];
    tern_identity_to_string(&id, buf, sizeof buf);
    assert_int_equal(strlen(buf), 128);
    id.type = TERN_ID_GENERIC_BYTES;
    id.size = 1000;
    tern_identity_to_string(&id, buf, sizeof buf);
    assert_int_equal(strlen(buf), 4 + 2 * ((sizeof buf - 5) / 2));
}

static void test_identity_to_string_truncation(void **state)
{
    (void)state;
    static const char *samples[] = {
        "steamid:76561197960287930",
        "psn:18446744073709551615",
        "xboxpwid:abc",
        "ip:[abab:abab:abab:abab:abab:abab:abab:abab]:65535",
        "ip:1.2.3.4",
        "ip:::1",
        "str:Locke Lamora",
        "foo:bar",
    };
    char full[TERN_IDENTITY_STRLEN], buf[TERN_IDENTITY_STRLEN + 16];
    for (size_t s = 0; s < sizeof samples / sizeof *samples; s++) {
        tern_identity id;
        assert_true(tern_identity_parse_string(&id, sizeof id, samples[s]));
        tern_identity_to_string(&id, full, sizeof full);
        assert_string_equal(full, samples[s]);
        for (size_t cb = 0; cb <= strlen(full) + 1; cb++) {
            memset(buf, 0xcc, sizeof buf);
            tern_identity_to_string(&id, buf, cb);
            check_cut(full, buf, cb);
        }
    }
    tern_identity id;
    tern_identity_clear(&id);
    for (size_t cb = 0; cb <= 8; cb++) {
        memset(buf, 0xcc, sizeof buf);
        tern_identity_to_string(&id, buf, cb);
        check_cut("invalid", buf, cb);
    }
    id.type = 77;
    for (size_t cb = 0; cb <= 12; cb++) {
        memset(buf, 0xcc, sizeof buf);
        tern_identity_to_string(&id, buf, cb);
        check_cut("bad_type:77", buf, cb);
    }

    /* gen: only whole bytes, as many as (cb-5)/2. */
    static const uint8_t g[3] = {1, 2, 0xff};
    assert_true(tern_identity_set_generic_bytes(&id, g, 3));
    static const char *want[] = {"",         "",           "g",         "ge",     "gen",
                                 "gen:",     "gen:",       "gen:01",    "gen:01", "gen:0102",
                                 "gen:0102", "gen:0102ff", "gen:0102ff"};
    for (size_t cb = 1; cb < sizeof want / sizeof *want; cb++) {
        memset(buf, 0xcc, sizeof buf);
        tern_identity_to_string(&id, buf, cb);
        assert_string_equal(buf, want[cb]);
        for (size_t i = strlen(want[cb]) + 1; i < cb + 8; i++)
            assert_int_equal((uint8_t)buf[i], 0xcc);
    }
    memset(buf, 0xcc, sizeof buf);
    tern_identity_to_string(&id, buf, 0);
    assert_int_equal((uint8_t)buf[0], 0xcc);

    /* ip: with cb <= 4 only the cut "ip:" is written. */
    tern_identity_set_localhost(&id);
    static const char *ipwant[] = {"", "i", "ip", "ip:", "ip::"};
    for (size_t cb = 1; cb <= 5; cb++) {
        tern_identity_to_string(&id, buf, cb);
        assert_string_equal(buf, ipwant[cb - 1]);
    }
}

/* --- identity parsing ------------------------------------------------------------------- */

static void test_identity_parse_size_rule(void **state)
{
    (void)state;
    uint8_t raw[200];
    /* < 32 or NULL: false, nothing touched. */
    memset(raw, 0xa5, sizeof raw);
    assert_false(tern_identity_parse_string((tern_identity *)raw, 31, "str:x"));
    assert_false(tern_identity_parse_string((tern_identity *)raw, 0, "str:x"));
    for (size_t i = 0; i < sizeof raw; i++) assert_int_equal(raw[i], 0xa5);
    assert_false(tern_identity_parse_string(NULL, 136, "str:x"));

    /* The first sizeof bytes are zeroed, even when the parse fails; the rest
     * is not touched. */
    static const size_t sizes[] = {32, 40, 136, 150};
    for (size_t k = 0; k < 4; k++) {
        size_t sz = sizes[k];
        memset(raw, 0xa5, sizeof raw);
        assert_false(tern_identity_parse_string((tern_identity *)raw, sz, "nope"));
        assert_true(all_zero(raw, sz));
        for (size_t i = sz; i < sizeof raw; i++) assert_int_equal(raw[i], 0xa5);
    }

    /* sizeof 32 leaves 24 bytes of payload, and each form is limited to it. */
    tern_identity *id = (tern_identity *)raw;
    memset(raw, 0xa5, sizeof raw);
    assert_true(tern_identity_parse_string(id, 32, "str:01234567890123456789012"));
    assert_int_equal(id->size, 24);
    assert_int_equal(raw[32], 0xa5);
    assert_false(tern_identity_parse_string(id, 32, "str:012345678901234567890123"));
    assert_true(tern_identity_parse_string(id, 32, "xboxpwid:01234567890123456789012"));
    assert_false(tern_identity_parse_string(id, 32, "xboxpwid:012345678901234567890123"));
    assert_true(
        tern_identity_parse_string(id, 32, "gen:0102030405060708091011121314151617181920212223"));
    assert_int_equal(id->size, 23);
    assert_false(
        tern_identity_parse_string(id, 32, "gen:010203040506070809101112131415161718192021222324"));
    assert_true(tern_identity_parse_string(id, 32, "abc:0123456789012345678"));
    assert_int_equal(id->size, 24);
    assert_false(tern_identity_parse_string(id, 32, "abc:01234567890123456789"));
    assert_true(
        tern_identity_parse_string(id, 32, "ip:[abab:abab:abab:abab:abab:abab:abab:abab]:65535"));
    assert_int_equal(id->size, 18);
    assert_true(tern_identity_parse_string(id, 32, "steamid:76561197960287930"));
    assert_true(tern_identity_parse_string(id, 32, "psn:5"));
    assert_int_equal(raw[32], 0xa5);
}

typedef struct id_case {
    const char *in;
    int type; /* 0 = parse fails */
    int size;
    const char *out; /* to_string after a successful parse */
} id_case;

static const id_case id_cases[] = {
    {"", 0, 0, NULL},
    {"invalid", 0, 0, NULL},
    /* steamid: %llu, then CSteamID validity */
    {"steamid:76561197960287930", TERN_ID_STEAMID, 8, "steamid:76561197960287930"},
    {"steamid:0", 0, 0, NULL},
    {"steamid:", 0, 0, NULL},
    {"steamid:x", 0, 0, NULL},
    {"steamid: +76561197960287930x", TERN_ID_STEAMID, 8, "steamid:76561197960287930"},
    {"steamid:0076561197960287930", TERN_ID_STEAMID, 8, "steamid:76561197960287930"},
    {"steamid:-1", 0, 0, NULL},                   /* UINT64_MAX: universe 255 */
    {"steamid:18446744073709551616", 0, 0, NULL}, /* saturates to UINT64_MAX */
    {"steamid:-18370182875749263686", TERN_ID_STEAMID, 8, "steamid:76561197960287930"},
    {"STEAMID:76561197960287930", 0, 0, NULL},
    /* psn: %llu, any value */
    {"psn:0", TERN_ID_PSN, 8, "psn:0"},
    {"psn:18446744073709551615", TERN_ID_PSN, 8, "psn:18446744073709551615"},
    {"psn:18446744073709551616", TERN_ID_PSN, 8, "psn:18446744073709551615"},
    {"psn:-1", TERN_ID_PSN, 8, "psn:18446744073709551615"},
    {"psn:-18446744073709551615", TERN_ID_PSN, 8, "psn:1"},
    {"psn:0x5", TERN_ID_PSN, 8, "psn:0"},
    {"psn:\v7z", TERN_ID_PSN, 8, "psn:7"},
    {"psn:", 0, 0, NULL},
    {"psn: ", 0, 0, NULL},
    {"psn:+", 0, 0, NULL},
    /* xboxpwid: 1..32 of anything */
    {"xboxpwid:", 0, 0, NULL},
    {"xboxpwid:a", TERN_ID_XBOX_PAIRWISE, 2, "xboxpwid:a"},
    {"xboxpwid:01234567890123456789012345678901", TERN_ID_XBOX_PAIRWISE, 33,
     "xboxpwid:01234567890123456789012345678901"},
    {"xboxpwid:012345678901234567890123456789012", 0, 0, NULL},
    /* ip: the §16.1 rules */
    {"ip:", 0, 0, NULL},
    {"ip:::1", TERN_ID_IP, 18, "ip:::1"},
    {"ip:1.2.3.4:5", TERN_ID_IP, 18, "ip:1.2.3.4:5"},
    {"ip:1.2.3.4:garbage", TERN_ID_IP, 18, "ip:1.2.3.4"},
    {"ip:[::1]:0", TERN_ID_IP, 18, "ip:::1"},
    {"ip:localhost", 0, 0, NULL},
    /* str: 0..31 */
    {"str:", TERN_ID_GENERIC_STRING, 1, "str:"},
    {"str:Locke Lamora", TERN_ID_GENERIC_STRING, 13, "str:Locke Lamora"},
    {"str:0123456789012345678901234567890", TERN_ID_GENERIC_STRING, 32,
     "str:0123456789012345678901234567890"},
    {"str:01234567890123456789012345678901", 0, 0, NULL},
    /* gen: an even number >= 2 of hex digits, at most 64 */
    {"gen:", 0, 0, NULL},
    {"gen:0", 0, 0, NULL},
    {"gen:012", 0, 0, NULL},
    {"gen:00", TERN_ID_GENERIC_BYTES, 1, "gen:00"},
    {"gen:0A0b0C", TERN_ID_GENERIC_BYTES, 3, "gen:0a0b0c"},
    {"gen:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", TERN_ID_GENERIC_BYTES,
     32, "gen:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"},
    {"gen:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", 0, 0, NULL},
    {"gen:g1", 0, 0, NULL},
    {"gen:zz", 0, 0, NULL},
    /* ... each pair read as sscanf("%2x") does */
    {"gen:1g", TERN_ID_GENERIC_BYTES, 1, "gen:01"},
    {"gen:0x", TERN_ID_GENERIC_BYTES, 1, "gen:00"},
    {"gen:0X0x", TERN_ID_GENERIC_BYTES, 2, "gen:0000"},
    {"gen:-1", TERN_ID_GENERIC_BYTES, 1, "gen:ff"},
    {"gen:-f", TERN_ID_GENERIC_BYTES, 1, "gen:f1"},
    {"gen:+f", TERN_ID_GENERIC_BYTES, 1, "gen:0f"},
    {"gen: 1", TERN_ID_GENERIC_BYTES, 1, "gen:01"},
    {"gen:  12", TERN_ID_GENERIC_BYTES, 2, "gen:1212"},
    {"gen:\n1", TERN_ID_GENERIC_BYTES, 1, "gen:01"},
    {"gen:+-", 0, 0, NULL},
    {"gen:  ", 0, 0, NULL},
    /* unknown prefix: 1-16 of [a-z0-9_], ':', whole string <= 127 characters */
    {"foo:bar", TERN_ID_UNKNOWN, 8, "foo:bar"},
    {"a:", TERN_ID_UNKNOWN, 3, "a:"},
    {"a_9:\x01\xff", TERN_ID_UNKNOWN, 7, "a_9:\x01\xff"},
    {"Foo:bar", 0, 0, NULL},
    {"nocolon", 0, 0, NULL},
    {":x", 0, 0, NULL},
    {"fo-o:x", 0, 0, NULL},
    {"abcdefghijklmnop:x", TERN_ID_UNKNOWN, 19, "abcdefghijklmnop:x"},
    {"abcdefghijklmnopq:x", 0, 0, NULL},
    {"1:2:3:4:5:6:7::", TERN_ID_UNKNOWN, 16, "1:2:3:4:5:6:7::"},
    {"bad_type:5", TERN_ID_UNKNOWN, 11, "bad_type:5"},
};

static void test_identity_parse_rules(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof id_cases / sizeof *id_cases; i++) {
        const id_case *c = &id_cases[i];
        tern_identity id;
        memset(&id, 0xa5, sizeof id);
        bool ok = tern_identity_parse_string(&id, sizeof id, c->in);
        if (ok != (c->type != 0)) fail_msg("parse \"%s\": got %d", c->in, ok);
        if (!ok) {
            assert_true(all_zero(&id, sizeof id));
            continue;
        }
        assert_int_equal(id.type, c->type);
        assert_int_equal(id.size, c->size);
        assert_string_equal(id_str(&id), c->out);
        /* Only the payload is written: the rest of the union stays zero. */
        assert_true(all_zero(id.u.unknown_raw + c->size, sizeof id.u - (size_t)c->size));
    }
    tern_identity id;
    assert_false(tern_identity_parse_string(&id, sizeof id, NULL));
    assert_true(all_zero(&id, sizeof id));

    /* The unknown form keeps the whole string, up to 127 characters. */
    char s[200];
    memset(s, 'x', sizeof s);
    memcpy(s, "abc:", 4);
    s[127] = '\0';
    assert_true(tern_identity_parse_string(&id, sizeof id, s));
    assert_int_equal(id.type, TERN_ID_UNKNOWN);
    assert_int_equal(id.size, 128);
    assert_string_equal(id.u.unknown_raw, s);
    assert_string_equal(id_str(&id), s);
    s[127] = 'x';
    s[128] = '\0';
    assert_false(tern_identity_parse_string(&id, sizeof id, s));

    /* Decoded values. */
    assert_true(tern_identity_parse_string(&id, sizeof id, "gen:0102ff"));
    int len = 0;
    const uint8_t *b = tern_identity_get_generic_bytes(&id, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(b, "\x01\x02\xff", 3);
    assert_true(tern_identity_parse_string(&id, sizeof id, "ip:[::1]:80"));
    assert_true(tern_identity_is_localhost(&id));
    assert_int_equal(tern_identity_get_ip_addr(&id)->port, 80);
    assert_true(tern_identity_parse_string(&id, sizeof id, "steamid:76561197960287930"));
    assert_true(tern_identity_get_steam_id(&id) == 76561197960287930ull);
}

static uint64_t make_steamid(unsigned universe, unsigned type, uint32_t instance, uint32_t account)
{
    return (uint64_t)universe << 56 | (uint64_t)type << 52 | (uint64_t)instance << 32 | account;
}

static void test_steamid_validity(void **state)
{
    (void)state;
    assert_true(tern_steamid_is_valid(76561197960287930ull));
    assert_false(tern_steamid_is_valid(0));
    /* account type 1..10, universe 1..4 */
    for (unsigned t = 0; t < 16; t++)
        for (unsigned u = 0; u < 256; u++) {
            uint32_t inst = t == 7 ? 0 : 1;
            bool want = t >= 1 && t <= 10 && u >= 1 && u <= 4;
            assert_int_equal(tern_steamid_is_valid(make_steamid(u, t, inst, 5)), want);
        }
    /* individual: account != 0 and instance 1 */
    assert_true(tern_steamid_is_valid(make_steamid(1, 1, 1, 1)));
    assert_false(tern_steamid_is_valid(make_steamid(1, 1, 1, 0)));
    assert_false(tern_steamid_is_valid(make_steamid(1, 1, 0, 1)));
    assert_false(tern_steamid_is_valid(make_steamid(1, 1, 2, 1)));
    /* clan: account != 0 and instance 0 */
    assert_true(tern_steamid_is_valid(make_steamid(1, 7, 0, 1)));
    assert_false(tern_steamid_is_valid(make_steamid(1, 7, 0, 0)));
    assert_false(tern_steamid_is_valid(make_steamid(1, 7, 1, 1)));
    /* game server: account != 0, any instance */
    assert_true(tern_steamid_is_valid(make_steamid(2, 3, 0xfffff, 1)));
    assert_false(tern_steamid_is_valid(make_steamid(2, 3, 0, 0)));
    /* the other types take any account and instance */
    assert_true(tern_steamid_is_valid(make_steamid(4, 4, 0, 0)));
    assert_true(tern_steamid_is_valid(make_steamid(3, 10, 0xfffff, 0)));
    assert_true(tern_steamid_is_valid(make_steamid(1, 2, 7, 0)));

    /* The steamid: prefix applies exactly this rule. */
    char s[64];
    tern_identity id;
    uint64_t samples[] = {make_steamid(1, 1, 1, 0), make_steamid(1, 1, 1, 9),
                          make_steamid(1, 7, 1, 9), make_steamid(1, 7, 0, 9),
                          make_steamid(5, 1, 1, 9), make_steamid(1, 11, 0, 9),
                          make_steamid(4, 3, 3, 0), make_steamid(4, 4, 3, 0)};
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        snprintf(s, sizeof s, "steamid:%llu", (unsigned long long)samples[i]);
        assert_int_equal(tern_identity_parse_string(&id, sizeof id, s),
                         tern_steamid_is_valid(samples[i]));
    }
}

static void test_identity_parse_bytes(void **state)
{
    (void)state;
    tern_identity id;
    assert_int_equal(tern_identity_parse(&id, "str:abcXYZ", 7), TERN_OK); /* no NUL needed */
    assert_string_equal(tern_identity_get_generic_string(&id), "abc");
    assert_int_equal(tern_identity_parse(&id, "str:a\0b", 7), TERN_MALFORMED);
    assert_true(all_zero(&id, sizeof id));
    assert_int_equal(tern_identity_parse(&id, "", 0), TERN_MALFORMED);
    assert_int_equal(tern_identity_parse(&id, "invalid", 7), TERN_MALFORMED);
    /* 127 characters is the limit, even where GNS would ignore a long tail. */
    char s[200];
    memset(s, ' ', sizeof s);
    memcpy(s, "ip:1.2.3.4", 10);
    assert_int_equal(tern_identity_parse(&id, s, 127), TERN_OK);
    assert_true(tern_identity_get_ipv4(&id) == 0x01020304u);
    assert_int_equal(tern_identity_parse(&id, s, 128), TERN_MALFORMED);
    assert_true(all_zero(&id, sizeof id));
    memset(s, 'y', sizeof s);
    memcpy(s, "abc:", 4);
    assert_int_equal(tern_identity_parse(&id, s, 127), TERN_OK);
    assert_int_equal(id.size, 128);
}

/* --- no reads past the NUL --------------------------------------------------------------- */

static void test_parse_stays_before_nul(void **state)
{
    (void)state;
    guarded g = guard_open();
    tern_addr a;
    tern_identity id;
    for (size_t i = 0; i < sizeof table_16_1 / sizeof *table_16_1; i++)
        tern_addr_parse_string(&a, guard_put(&g, table_16_1[i].in));
    for (size_t i = 0; i < sizeof quirks / sizeof *quirks; i++)
        tern_addr_parse_string(&a, guard_put(&g, quirks[i].in));
    for (size_t i = 0; i < sizeof id_cases / sizeof *id_cases; i++)
        tern_identity_parse_string(&id, sizeof id, guard_put(&g, id_cases[i].in));
    /* Every prefix of inputs that stop in each state of the parsers. */
    static const char *longs[] = {
        "[fe80:0:0:0:0:0:0:1%12 ]  port  65535  ",
        "1.2.3.4:5",
        "::ffff:1.2.3.4#9",
        "  +1. -2.\t3.4:+99",
        "ip:[::1] port 80",
        "gen:0x0X-1+f 1",
        "steamid:  76561197960287930",
        "psn:-",
        "abcdefghijklmnop:",
        "xboxpwid:abc",
        "str:abc",
        "1:2:3:4:5:6:7:8p1",
    };
    char buf[64];
    for (size_t i = 0; i < sizeof longs / sizeof *longs; i++)
        for (size_t n = 0; n <= strlen(longs[i]); n++) {
            memcpy(buf, longs[i], n);
            buf[n] = '\0';
            tern_addr_parse_string(&a, guard_put(&g, buf));
            tern_identity_parse_string(&id, sizeof id, guard_put(&g, buf));
            if (strncmp(buf, "ip:", 3) == 0) tern_addr_parse_string(&a, guard_put(&g, buf + 3));
        }
    guard_close(&g);
}

/* --- identity round trips ------------------------------------------------------------------ */

static void random_text(tt_rng *r, char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) s[i] = (char)(1 + tt_rng_below(r, 255));
    s[len] = '\0';
}

/* A random identity of |type| whose string form parses back (invalid
 * SteamIDs and zero generic bytes do not: they print but fail to parse). */
static void random_identity(tt_rng *r, int type, tern_identity *id)
{
    char s[TERN_IDENTITY_STRLEN];
    memset(id, (int)tt_rng_below(r, 256), sizeof *id); /* garbage past size is ignored */
    switch (type) {
    case TERN_ID_STEAMID: {
        uint64_t v;
        do
            v = tt_rng_below(r, 2) ? tt_rng_next(r)
                                   : 0x0110000100000000ull | (uint32_t)tt_rng_next(r);
        while (!tern_steamid_is_valid(v));
        tern_identity_set_steam_id(id, v);
        break;
    }
    case TERN_ID_PSN:
        tern_identity_set_psn_id(id, tt_rng_next(r) >> tt_rng_below(r, 64));
        break;
    case TERN_ID_XBOX_PAIRWISE:
        random_text(r, s, 1 + tt_rng_below(r, 32));
        assert_true(tern_identity_set_xbox_pairwise_id(id, s));
        break;
    case TERN_ID_GENERIC_STRING:
        random_text(r, s, tt_rng_below(r, 32));
        assert_true(tern_identity_set_generic_string(id, s));
        break;
    case TERN_ID_GENERIC_BYTES: {
        uint8_t b[32];
        size_t n = 1 + tt_rng_below(r, 32);
        tt_rng_bytes(r, b, n);
        assert_true(tern_identity_set_generic_bytes(id, b, n));
        break;
    }
    case TERN_ID_IP: {
        tern_addr a;
        random_addr(r, &a);
        tern_identity_set_ip_addr(id, &a);
        break;
    }
    default: { /* unknown: a fresh prefix and any tail */
        static const char pc[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
        size_t plen = 1 + tt_rng_below(r, 16), tlen = tt_rng_below(r, 127 - plen);
        for (size_t i = 0; i < plen; i++) s[i] = pc[tt_rng_below(r, sizeof pc - 1)];
        s[plen] = ':';
        random_text(r, s + plen + 1, tlen);
        static const char *known[] = {"steamid:", "xboxpwid:", "psn:", "ip:", "str:", "gen:"};
        for (size_t k = 0; k < sizeof known / sizeof *known; k++)
            if (strncmp(s, known[k], strlen(known[k])) == 0) s[0] = '_';
        assert_true(tern_identity_parse_string(id, sizeof *id, s));
        assert_int_equal(id->type, TERN_ID_UNKNOWN);
    }
    }
}

static void test_identity_roundtrip_random(void **state)
{
    (void)state;
    static const int types[] = {
        TERN_ID_STEAMID,       TERN_ID_PSN, TERN_ID_XBOX_PAIRWISE, TERN_ID_GENERIC_STRING,
        TERN_ID_GENERIC_BYTES, TERN_ID_IP,  TERN_ID_UNKNOWN};
    tt_rng r;
    tt_rng_seed(&r, 0x1de);
    for (unsigned i = 0; i < tt_seeds(5000); i++) {
        for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
            tern_identity a, b;
            random_identity(&r, types[t], &a);
            char buf[TERN_IDENTITY_STRLEN];
            tern_identity_to_string(&a, buf, sizeof buf);
            assert_true(strlen(buf) < TERN_IDENTITY_STRLEN);
            memset(&b, 0xa5, sizeof b);
            if (!tern_identity_parse_string(&b, sizeof b, buf)) fail_msg("reparse \"%s\"", buf);
            if (!tern_identity_equal(&a, &b)) fail_msg("round trip \"%s\"", buf);
            assert_int_equal(tern_identity_parse(&b, buf, strlen(buf)), TERN_OK);
            assert_true(tern_identity_equal(&a, &b));
        }
    }
}

/* Forms that print but do not parse back (by GNS's design). */
static void test_identity_lossy_forms(void **state)
{
    (void)state;
    tern_identity id, back;
    tern_identity_clear(&id);
    assert_false(tern_identity_parse_string(&back, sizeof back, id_str(&id))); /* "invalid" */
    tern_identity_set_steam_id(&id, 0);
    assert_false(tern_identity_parse_string(&back, sizeof back, id_str(&id)));
    assert_true(tern_identity_set_generic_bytes(&id, NULL, 0));
    assert_false(tern_identity_parse_string(&back, sizeof back, id_str(&id))); /* "gen:" */
    id.type = 5;
    assert_true(tern_identity_parse_string(&back, sizeof back, id_str(&id)));
    assert_int_equal(back.type, TERN_ID_UNKNOWN); /* "bad_type:5" is a valid unknown form */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addr_helpers),
        cmocka_unit_test(test_addr_parse_table),
        cmocka_unit_test(test_addr_parse_quirks),
        cmocka_unit_test(test_addr_to_string),
        cmocka_unit_test(test_addr_to_string_truncation),
        cmocka_unit_test(test_addr_roundtrip_random),
        cmocka_unit_test(test_identity_helpers),
        cmocka_unit_test(test_identity_equal),
        cmocka_unit_test(test_identity_to_string),
        cmocka_unit_test(test_identity_to_string_truncation),
        cmocka_unit_test(test_identity_parse_size_rule),
        cmocka_unit_test(test_identity_parse_rules),
        cmocka_unit_test(test_steamid_validity),
        cmocka_unit_test(test_identity_parse_bytes),
        cmocka_unit_test(test_parse_stays_before_nul),
        cmocka_unit_test(test_identity_roundtrip_random),
        cmocka_unit_test(test_identity_lossy_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
