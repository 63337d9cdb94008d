/* The config table and scoped values: API.md §13.1 (every row) and §13.2
 * (every rule), one test per rule. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "conn/config.h"

/* --- a counting allocator ---------------------------------------------------------- */

typedef struct counting {
    long live, total;
    int fail; /* refuse every allocation */
} counting;

static void *c_malloc(size_t n, void *u)
{
    counting *c = u;
    if (c->fail) return NULL;
    void *p = malloc(n);
    if (p) c->live++, c->total++;
    return p;
}
static void c_free(void *p, void *u)
{
    counting *c = u;
    if (p) c->live--;
    free(p);
}
static void *c_calloc(size_t k, size_t n, void *u)
{
    counting *c = u;
    if (c->fail) return NULL;
    void *p = calloc(k, n);
    if (p) c->live++, c->total++;
    return p;
}
static void *c_realloc(void *p, size_t n, void *u)
{
    counting *c = u;
    if (c->fail) return NULL;
    void *q = realloc(p, n);
    if (q && !p) c->live++;
    if (q) c->total++;
    return q;
}

static tern_mem counting_mem(counting *c)
{
    memset(c, 0, sizeof *c);
    tern_mem m = {c, c_malloc, c_free, c_calloc, c_realloc};
    return m;
}

/* --- a tree: global <- instance <- listen <- conn, and an outbound conn2 ------------ */

typedef struct tree {
    tern_cfg_global g;
    tern_cfg_scope inst, listen, conn, conn2;
} tree;

static void tree_init(tree *t, const tern_mem *m)
{
    tern_cfg_global_init(&t->g, m);
    tern_cfg_init(&t->inst, tern_cfg_root(&t->g), TERN_CFGS_INSTANCE, m);
    tern_cfg_init(&t->listen, &t->inst, TERN_CFGS_LISTEN, m);
    tern_cfg_init(&t->conn, &t->listen, TERN_CFGS_CONN, m);
    tern_cfg_init(&t->conn2, &t->inst, TERN_CFGS_CONN, m);
}

static void tree_free(tree *t)
{
    tern_cfg_free(&t->conn2);
    tern_cfg_free(&t->conn);
    tern_cfg_free(&t->listen);
    tern_cfg_free(&t->inst);
    tern_cfg_global_free(&t->g);
}

static tree *new_tree(void)
{
    tree *t = malloc(sizeof *t);
    assert_non_null(t);
    tree_init(t, NULL);
    return t;
}

static void del_tree(tree *t)
{
    tree_free(t);
    free(t);
}

/* GNS-style helpers */
static bool gset_i32(tern_cfg_scope *s, int id, int32_t v)
{
    return tern_cfg_gns_set(s, id, TERN_CFGT_INT32, &v);
}
static bool gset_i64(tern_cfg_scope *s, int id, int64_t v)
{
    return tern_cfg_gns_set(s, id, TERN_CFGT_INT64, &v);
}
static bool gset_f(tern_cfg_scope *s, int id, float v)
{
    return tern_cfg_gns_set(s, id, TERN_CFGT_FLOAT, &v);
}
static bool gset_str(tern_cfg_scope *s, int id, const char *v)
{
    return tern_cfg_gns_set(s, id, TERN_CFGT_STRING, v);
}
static bool gset_ptr(tern_cfg_scope *s, int id, void *v)
{
    return tern_cfg_gns_set(s, id, TERN_CFGT_PTR, &v);
}

static int32_t gget_i32(const tern_cfg_scope *s, int id, int *res)
{
    int32_t v = -12345;
    size_t cb = sizeof v;
    *res = tern_cfg_gns_get(s, id, NULL, &v, &cb);
    if (*res > 0) assert_int_equal(cb, 4);
    return v;
}
static int64_t gget_i64(const tern_cfg_scope *s, int id, int *res)
{
    int64_t v = -12345;
    size_t cb = sizeof v;
    *res = tern_cfg_gns_get(s, id, NULL, &v, &cb);
    if (*res > 0) assert_int_equal(cb, 8);
    return v;
}
static float gget_f(const tern_cfg_scope *s, int id, int *res)
{
    float v = -12345.0f;
    size_t cb = sizeof v;
    *res = tern_cfg_gns_get(s, id, NULL, &v, &cb);
    if (*res > 0) assert_int_equal(cb, 4);
    return v;
}
static void *gget_ptr(const tern_cfg_scope *s, int id, int *res)
{
    void *v = (void *)&gget_ptr;
    size_t cb = sizeof v;
    *res = tern_cfg_gns_get(s, id, NULL, &v, &cb);
    if (*res > 0) assert_int_equal(cb, 8);
    return v;
}
static const char *gget_str(const tern_cfg_scope *s, int id, int *res)
{
    static char buf[256];
    size_t cb = sizeof buf;
    strcpy(buf, "untouched");
    *res = tern_cfg_gns_get(s, id, NULL, buf, &cb);
    if (*res > 0) assert_int_equal(cb, strlen(buf) + 1);
    return buf;
}

/* --- §13.1: the table ---------------------------------------------------------------- */

/* Every id of §13.1, independently of the table. */
static const int all_ids[] = {
    2,  3,  4,   5,   6,   7,   8,   9,   10,  11,  12,  13,  14,  15,  16,  17,  18,  19,  20,
    21, 22, 23,  24,  25,  26,  27,  28,  29,  30,  31,  32,  33,  34,  35,  36,  37,  38,  39,
    40, 41, 42,  43,  44,  45,  46,  47,  48,  49,  50,  51,  52,  53,  54,  55,  56,  57,  58,
    59, 60, 103, 104, 105, 106, 107, 108, 109, 110, 201, 202, 203, 204, 205, 206, 207, 998, 999,
};

/* The registered rows of §13.1 with their open-source defaults. */
typedef struct expect {
    int id;
    const char *name;
    int type;
    int scope;
    double def;    /* numbers */
    double lo, hi; /* range (int32 and float options) */
} expect;

#define G TERN_CFGS_GLOBAL
#define C TERN_CFGS_CONN
static const expect registered[] = {
    {2, "FakePacketLoss_Send", TERN_CFGT_FLOAT, G, 0, 0, 100},
    {3, "FakePacketLoss_Recv", TERN_CFGT_FLOAT, G, 0, 0, 100},
    {4, "FakePacketLag_Send", TERN_CFGT_INT32, G, 0, 0, 5000},
    {5, "FakePacketLag_Recv", TERN_CFGT_INT32, G, 0, 0, 5000},
    {6, "FakePacketReorder_Send", TERN_CFGT_FLOAT, G, 0, 0, 100},
    {7, "FakePacketReorder_Recv", TERN_CFGT_FLOAT, G, 0, 0, 100},
    {8, "FakePacketReorder_Time", TERN_CFGT_INT32, G, 15, 0, 5000},
    {9, "SendBufferSize", TERN_CFGT_INT32, C, 524288, 4096, 268435456},
    {10, "SendRateMin", TERN_CFGT_INT32, C, 262144, 1024, 268435456},
    {11, "SendRateMax", TERN_CFGT_INT32, C, 262144, 1024, 268435456},
    {12, "NagleTime", TERN_CFGT_INT32, C, 5000, 0, 20000},
    {13, "LogLevel_AckRTT", TERN_CFGT_INT32, C, 4, 2, 8},
    {14, "LogLevel_PacketDecode", TERN_CFGT_INT32, C, 4, 2, 8},
    {15, "LogLevel_Message", TERN_CFGT_INT32, C, 4, 2, 8},
    {16, "LogLevel_PacketGaps", TERN_CFGT_INT32, C, 4, 2, 8},
    {17, "LogLevel_P2PRendezvous", TERN_CFGT_INT32, C, 4, 2, 8},
    {23, "IP_AllowWithoutAuth", TERN_CFGT_INT32, C, 2, 0, 2},
    {24, "TimeoutInitial", TERN_CFGT_INT32, C, 10000, 0, 2147483647},
    {25, "TimeoutConnected", TERN_CFGT_INT32, C, 10000, 0, 2147483647},
    {26, "FakePacketDup_Send", TERN_CFGT_FLOAT, G, 0, 0, 100},
    {27, "FakePacketDup_Recv", TERN_CFGT_FLOAT, G, 0, 0, 100},
    {28, "FakePacketDup_TimeMax", TERN_CFGT_INT32, G, 10, 0, 5000},
    {32, "MTU_PacketSize", TERN_CFGT_INT32, C, 1300, 200, 1300},
    {34, "Unencrypted", TERN_CFGT_INT32, C, 0, 0, 3},
    {37, "SymmetricConnect", TERN_CFGT_INT32, C, 0, 0, 1},
    {38, "LocalVirtualPort", TERN_CFGT_INT32, C, -1, -1, 2147483647},
    {40, "ConnectionUserData", TERN_CFGT_INT64, C, -1, 0, 0},
    {41, "PacketTraceMaxBytes", TERN_CFGT_INT32, G, -1, -1, 99999},
    {42, "FakeRateLimit_Send_Rate", TERN_CFGT_INT32, G, 0, 0, 1073741824},
    {43, "FakeRateLimit_Send_Burst", TERN_CFGT_INT32, G, 16384, 0, 1048576},
    {44, "FakeRateLimit_Recv_Rate", TERN_CFGT_INT32, G, 0, 0, 1073741824},
    {45, "FakeRateLimit_Recv_Burst", TERN_CFGT_INT32, G, 16384, 0, 1048576},
    {47, "RecvBufferSize", TERN_CFGT_INT32, C, 1048576, 4096, 268435456},
    {48, "RecvBufferMessages", TERN_CFGT_INT32, C, 1000, 2, 268435456},
    {49, "RecvMaxMessageSize", TERN_CFGT_INT32, C, 524288, 64, 268435456},
    {50, "RecvMaxSegmentsPerPacket", TERN_CFGT_INT32, C, 1300, 1, 1300},
    {51, "OutOfOrderCorrectionWindowMicroseconds", TERN_CFGT_INT32, G, 1000, 0, 50000},
    {52, "IPLocalHost_AllowWithoutAuth", TERN_CFGT_INT32, C, 2, 0, 2},
    {53, "FakePacketJitter_Send_Avg", TERN_CFGT_FLOAT, G, 0, 0, 2000},
    {54, "FakePacketJitter_Send_Max", TERN_CFGT_FLOAT, G, 100, 0, 5000},
    {55, "FakePacketJitter_Send_Pct", TERN_CFGT_FLOAT, G, 75, 0, 100},
    {56, "FakePacketJitter_Recv_Avg", TERN_CFGT_FLOAT, G, 0, 0, 2000},
    {57, "FakePacketJitter_Recv_Max", TERN_CFGT_FLOAT, G, 100, 0, 5000},
    {58, "FakePacketJitter_Recv_Pct", TERN_CFGT_FLOAT, G, 75, 0, 100},
    {59, "SendTimeSincePreviousPacket", TERN_CFGT_INT32, C, -1, -1, 1},
    {103, "P2P_STUN_ServerList", TERN_CFGT_STRING, C, 0, 0, 0},
    {104, "P2P_Transport_ICE_Enable", TERN_CFGT_INT32, C, 2147483647, 0, 2147483647},
    {105, "P2P_Transport_ICE_Penalty", TERN_CFGT_INT32, C, 0, 0, 2147483647},
    {107, "P2P_TURN_ServerList", TERN_CFGT_STRING, C, 0, 0, 0},
    {108, "P2P_TURN_UserList", TERN_CFGT_STRING, C, 0, 0, 0},
    {109, "P2P_TURN_PassList", TERN_CFGT_STRING, C, 0, 0, 0},
    {110, "P2P_Transport_ICE_Implementation", TERN_CFGT_INT32, C, 0, 0, 2},
    {201, "Callback_ConnectionStatusChanged", TERN_CFGT_PTR, C, 0, 0, 0},
    {202, "Callback_AuthStatusChanged", TERN_CFGT_PTR, G, 0, 0, 0},
    {204, "Callback_MessagesSessionRequest", TERN_CFGT_PTR, G, 0, 0, 0},
    {205, "Callback_MessagesSessionFailed", TERN_CFGT_PTR, G, 0, 0, 0},
    {206, "Callback_CreateConnectionSignaling", TERN_CFGT_PTR, G, 0, 0, 0},
};
#undef G
#undef C
#define NREG (sizeof registered / sizeof registered[0])

static const expect *find_registered(int id)
{
    for (size_t i = 0; i < NREG; i++)
        if (registered[i].id == id) return &registered[i];
    return NULL;
}

static void test_table_has_every_id_in_order(void **state)
{
    (void)state;
    assert_int_equal(sizeof all_ids / sizeof all_ids[0], TERN_CFG_NDEFS);
    for (int i = 0; i < TERN_CFG_NDEFS; i++) {
        assert_int_equal(tern_cfg_defs[i].id, all_ids[i]);
        assert_int_equal(tern_cfg_index(all_ids[i]), i);
        assert_ptr_equal(tern_cfg_def_of(all_ids[i]), &tern_cfg_defs[i]);
        assert_non_null(tern_cfg_defs[i].name);
        assert_true(tern_cfg_defs[i].type >= TERN_CFGT_INT32 &&
                    tern_cfg_defs[i].type <= TERN_CFGT_PTR);
        assert_true(tern_cfg_defs[i].scope == TERN_CFGS_GLOBAL ||
                    tern_cfg_defs[i].scope == TERN_CFGS_CONN);
    }
    const int not_ids[] = {-1, 0, 1, 61, 100, 102, 111, 200, 208, 997, 1000, 0x7fffffff};
    for (size_t i = 0; i < sizeof not_ids / sizeof not_ids[0]; i++) {
        assert_int_equal(tern_cfg_index(not_ids[i]), -1);
        assert_null(tern_cfg_def_of(not_ids[i]));
    }
}

static void test_table_registered_rows(void **state)
{
    (void)state;
    size_t nreg = 0;
    for (int i = 0; i < TERN_CFG_NDEFS; i++) {
        const tern_cfg_def *d = &tern_cfg_defs[i];
        const expect *e = find_registered(d->id);
        assert_int_equal(!!(d->flags & TERN_CFGF_REG), e != NULL);
        if (!e) continue;
        nreg++;
        assert_string_equal(d->name, e->name);
        assert_int_equal(d->type, e->type);
        assert_int_equal(d->scope, e->scope);
        assert_true(d->gns_def == e->def);
    }
    assert_int_equal(nreg, 57); /* "57 are registered" */
}

static void test_table_unregistered_rows(void **state)
{
    (void)state;
    static const struct {
        int id;
        const char *name;
    } u[] = {
        {18, "LogLevel_SDRRelayPings"},
        {19, "SDRClient_ConsecutitivePingTimeoutsFailInitial"},
        {20, "SDRClient_ConsecutitivePingTimeoutsFail"},
        {21, "SDRClient_MinPingsBeforePingAccurate"},
        {22, "SDRClient_SingleSocket"},
        {29, "SDRClient_ForceRelayCluster"},
        {30, "SDRClient_DevTicket"},
        {31, "SDRClient_ForceProxyAddr"},
        {33, "MTU_DataSize"},
        {35, "DELETED_EnumerateDevVars"},
        {36, "SDRClient_FakeClusterPing"},
        {39, "DualWifi_Enable"},
        {46, "EnableDiagnosticsUI"},
        {60, "SDRClient_LimitPingProbesToNearestN"},
        {106, "P2P_Transport_SDR_Penalty"},
        {203, "Callback_RelayNetworkStatusChanged"},
        {207, "Callback_FakeIPResult"},
        {998, "SDRClient_EnableTOSProbes"},
        {999, "ECN"},
    };
    assert_int_equal(sizeof u / sizeof u[0] + NREG, TERN_CFG_NDEFS);
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
        const tern_cfg_def *d = tern_cfg_def_of(u[i].id);
        assert_non_null(d);
        assert_string_equal(d->name, u[i].name);
        assert_false(d->flags & TERN_CFGF_REG);
    }
    assert_true(tern_cfg_def_of(33)->flags & TERN_CFGF_RO);
    assert_true(tern_cfg_def_of(35)->flags & TERN_CFGF_RETIRED);
}

/* Every registered int32 and float option clamps at both ends of its range. */
static void test_every_range_clamps(void **state)
{
    (void)state;
    tree *t = new_tree();
    tern_cfg_scope *root = tern_cfg_root(&t->g);
    int r, n = 0;
    for (size_t i = 0; i < NREG; i++) {
        const expect *e = &registered[i];
        const tern_cfg_def *d = tern_cfg_def_of(e->id);
        if (e->type == TERN_CFGT_INT32) {
            assert_true(d->min == e->lo && d->max == e->hi);
            int64_t below = (int64_t)e->lo - 1, above = (int64_t)e->hi + 1;
            if (below >= INT32_MIN) {
                assert_true(gset_i64(root, e->id, below));
                assert_int_equal(gget_i32(root, e->id, &r), (int32_t)e->lo);
            }
            if (above <= INT32_MAX) {
                assert_true(gset_i64(root, e->id, above));
                assert_int_equal(gget_i32(root, e->id, &r), (int32_t)e->hi);
            }
            assert_true(gset_i32(root, e->id, INT32_MIN));
            assert_int_equal(gget_i32(root, e->id, &r), (int32_t)e->lo);
            assert_true(gset_i32(root, e->id, INT32_MAX));
            assert_int_equal(gget_i32(root, e->id, &r), (int32_t)e->hi);
            n++;
        } else if (e->type == TERN_CFGT_FLOAT) {
            assert_true(d->min == e->lo && d->max == e->hi);
            assert_true(gset_f(root, e->id, (float)e->lo - 0.5f));
            assert_true(gget_f(root, e->id, &r) == (float)e->lo);
            assert_true(gset_f(root, e->id, (float)e->hi + 0.5f));
            assert_true(gget_f(root, e->id, &r) == (float)e->hi);
            n++;
        }
    }
    assert_int_equal(n, 47); /* 57 registered - 4 strings - 5 ptrs - 1 int64 */
    del_tree(t);
}

static void test_name_lookup_every_id(void **state)
{
    (void)state;
    for (int i = 0; i < TERN_CFG_NDEFS; i++)
        assert_int_equal(tern_cfg_find(tern_cfg_defs[i].name), tern_cfg_defs[i].id);
    for (size_t i = 0; i < NREG; i++)
        assert_int_equal(tern_cfg_find(registered[i].name), registered[i].id);
    assert_int_equal(tern_cfg_find("NagleTime"), 12);
    assert_int_equal(tern_cfg_find("nagletime"), 0); /* exact names only */
    assert_int_equal(tern_cfg_find("k_ESteamNetworkingConfig_NagleTime"), 0);
    assert_int_equal(tern_cfg_find(""), 0);
    assert_int_equal(tern_cfg_find(NULL), 0);
    assert_int_equal(tern_cfg_find("Invalid"), 0);
}

/* --- defaults ---------------------------------------------------------------------------- */

static void test_every_default_via_gns_get_global(void **state)
{
    (void)state;
    tree *t = new_tree();
    tern_cfg_scope *root = tern_cfg_root(&t->g);
    for (size_t i = 0; i < NREG; i++) {
        const expect *e = &registered[i];
        int32_t type = -1;
        union {
            int32_t i32;
            int64_t i64;
            float f;
            void *p;
            char s[8];
        } v;
        memset(&v, 0x5a, sizeof v);
        size_t cb = sizeof v;
        int r = tern_cfg_gns_get(root, e->id, &type, &v, &cb);
        assert_int_equal(r, TERN_CFGR_OK); /* global: always 1 */
        assert_int_equal(type, e->type);
        switch (e->type) {
        case TERN_CFGT_INT32:
            assert_int_equal(cb, 4);
            assert_int_equal(v.i32, (int32_t)e->def);
            break;
        case TERN_CFGT_INT64:
            assert_int_equal(cb, 8);
            assert_true(v.i64 == (int64_t)e->def);
            break;
        case TERN_CFGT_FLOAT:
            assert_int_equal(cb, 4);
            assert_true(v.f == (float)e->def);
            break;
        case TERN_CFGT_STRING:
            assert_int_equal(cb, 1);
            assert_string_equal(v.s, "");
            break;
        case TERN_CFGT_PTR:
            assert_int_equal(cb, 8);
            assert_null(v.p);
            break;
        }
    }
    del_tree(t);
}

static void test_native_defaults_and_send_rate_exception(void **state)
{
    (void)state;
    tree *t = new_tree();
    tern_cfg_scope *root = tern_cfg_root(&t->g);
    for (size_t i = 0; i < NREG; i++) {
        const tern_cfg_def *d = tern_cfg_def_of(registered[i].id);
        if (!(d->flags & TERN_CFGF_IMPL) || d->type == TERN_CFGT_STRING) continue;
        char buf[16];
        size_t size = sizeof buf;
        int32_t type = 0;
        bool inh = true;
        assert_int_equal(tern_cfg_get(root, d->id, &type, buf, &size, &inh), TERN_OK);
        assert_int_equal(type, d->type);
        assert_false(inh);
        double want = registered[i].def;
        if (d->id == TERN_OPT_SEND_RATE_MIN || d->id == TERN_OPT_SEND_RATE_MAX) want = 0;
        int32_t i32;
        int64_t i64;
        float f;
        void *p;
        switch (d->type) {
        case TERN_CFGT_INT32:
            memcpy(&i32, buf, 4);
            assert_int_equal(i32, (int32_t)want);
            break;
        case TERN_CFGT_INT64:
            memcpy(&i64, buf, 8);
            assert_true(i64 == (int64_t)want);
            break;
        case TERN_CFGT_FLOAT:
            memcpy(&f, buf, 4);
            assert_true(f == (float)want);
            break;
        case TERN_CFGT_PTR:
            memcpy(&p, buf, 8);
            assert_null(p);
            break;
        }
    }
    /* tern: unset (0) natively, GNS's 262144 through the compat getter, at
     * every level, and as inherited below the root */
    assert_int_equal(tern_cfg_i32(root, TERN_OPT_SEND_RATE_MIN), 0);
    assert_int_equal(tern_cfg_i32(&t->conn, TERN_OPT_SEND_RATE_MAX), 0);
    int r;
    assert_int_equal(gget_i32(root, TERN_OPT_SEND_RATE_MIN, &r), 262144);
    assert_int_equal(r, TERN_CFGR_OK);
    assert_int_equal(gget_i32(&t->conn, TERN_OPT_SEND_RATE_MAX, &r), 262144);
    assert_int_equal(r, TERN_CFGR_OK_INHERITED);
    /* once set, both report the value; 0 cannot be set (clamped to 1024) */
    assert_true(gset_i32(&t->listen, TERN_OPT_SEND_RATE_MIN, 5000));
    assert_int_equal(gget_i32(&t->conn, TERN_OPT_SEND_RATE_MIN, &r), 5000);
    assert_int_equal(r, TERN_CFGR_OK_INHERITED);
    assert_int_equal(tern_cfg_i32(&t->conn, TERN_OPT_SEND_RATE_MIN), 5000);
    int32_t zero = 0;
    assert_int_equal(tern_cfg_set(root, TERN_OPT_SEND_RATE_MAX, TERN_CFGT_INT32, &zero), TERN_OK);
    assert_int_equal(tern_cfg_i32(root, TERN_OPT_SEND_RATE_MAX), 1024);
    /* reset: unset again */
    assert_int_equal(tern_cfg_set(root, TERN_OPT_SEND_RATE_MAX, TERN_CFGT_INT32, NULL), TERN_OK);
    assert_int_equal(tern_cfg_i32(root, TERN_OPT_SEND_RATE_MAX), 0);
    assert_int_equal(gget_i32(root, TERN_OPT_SEND_RATE_MAX, &r), 262144);
    del_tree(t);
}

/* --- §13.2 conversions ------------------------------------------------------------------- */

static void test_int32_option_conversions(void **state)
{
    (void)state;
    tree *t = new_tree();
    tern_cfg_scope *root = tern_cfg_root(&t->g);
    const int id = TERN_OPT_TIMEOUT_INITIAL; /* 0..INT32_MAX */
    int r;
    assert_true(gset_i32(root, id, 777));
    assert_int_equal(gget_i32(root, id, &r), 777);
    /* Int64 only if it fits */
    assert_true(gset_i64(root, id, 2147483647));
    assert_int_equal(gget_i32(root, id, &r), 2147483647);
    assert_false(gset_i64(root, id, 2147483648LL));
    assert_false(gset_i64(&t->conn, id, -2147483649LL));
    assert_int_equal(gget_i32(root, id, &r), 2147483647); /* unchanged */
    /* Float: floor(x + 0.5) */
    assert_true(gset_f(root, id, 2.6f));
    assert_int_equal(gget_i32(root, id, &r), 3);
    assert_true(gset_f(root, id, 2.5f));
    assert_int_equal(gget_i32(root, id, &r), 3);
    assert_true(gset_f(root, id, 2.4f));
    assert_int_equal(gget_i32(root, id, &r), 2);
    assert_true(gset_i32(root, TERN_OPT_LOCAL_VIRTUAL_PORT, 5));
    assert_true(gset_f(root, TERN_OPT_LOCAL_VIRTUAL_PORT, -0.5f)); /* floor(0) = 0 */
    assert_int_equal(gget_i32(root, TERN_OPT_LOCAL_VIRTUAL_PORT, &r), 0);
    assert_true(gset_f(root, TERN_OPT_LOCAL_VIRTUAL_PORT, -1.6f)); /* floor(-1.1) = -2 -> -1 */
    assert_int_equal(gget_i32(root, TERN_OPT_LOCAL_VIRTUAL_PORT, &r), -1);
    /* a float beyond int32 becomes INT32_MIN (x86-64), then clamped */
    assert_true(gset_f(root, id, 1e10f));
    assert_int_equal(gget_i32(root, id, &r), 0);
    assert_true(gset_f(root, id, NAN));
    assert_int_equal(gget_i32(root, id, &r), 0);
    /* String, like %d */
    assert_true(gset_str(root, id, "1234"));
    assert_int_equal(gget_i32(root, id, &r), 1234);
    assert_true(gset_str(root, id, "  +56abc"));
    assert_int_equal(gget_i32(root, id, &r), 56);
    assert_true(gset_str(root, id, "99999999999")); /* glibc: long, truncated to int */
    assert_int_equal(gget_i32(root, id, &r), 1215752191);
    assert_false(gset_str(root, id, "abc"));
    assert_false(gset_str(root, id, ""));
    assert_false(gset_str(root, id, "-"));
    assert_int_equal(gget_i32(root, id, &r), 1215752191);
    /* Ptr and unknown data types are refused */
    assert_false(gset_ptr(root, id, &r));
    int32_t v = 1;
    assert_false(tern_cfg_gns_set(root, id, 0, &v));
    assert_false(tern_cfg_gns_set(root, id, 6, &v));
    assert_int_equal(tern_cfg_set(root, id, TERN_CFGT_PTR, &v), TERN_INVALID_PARAM);
    del_tree(t);
}

static void test_int64_option_conversions(void **state)
{
    (void)state;
    tree *t = new_tree();
    tern_cfg_scope *s = &t->listen;
    const int id = TERN_OPT_CONNECTION_USER_DATA;
    int r;
    assert_true(gset_i32(s, id, -5));
    assert_true(gget_i64(s, id, &r) == -5);
    assert_true(gset_i64(s, id, INT64_MAX));
    assert_true(gget_i64(s, id, &r) == INT64_MAX);
    assert_true(gset_f(s, id, 2.6f));
    assert_true(gget_i64(s, id, &r) == 3);
    assert_true(gset_f(s, id, 1e30f)); /* out of range: INT64_MIN (x86-64) */
    assert_true(gget_i64(s, id, &r) == INT64_MIN);
    assert_true(gset_str(s, id, "-9000000000"));
    assert_true(gget_i64(s, id, &r) == -9000000000LL);
    assert_true(gset_str(s, id, "99999999999999999999")); /* strtoll saturates */
    assert_true(gget_i64(s, id, &r) == INT64_MAX);
    assert_false(gset_str(s, id, "x1"));
    assert_false(gset_ptr(s, id, s));
    assert_true(gget_i64(s, id, &r) == INT64_MAX);
    del_tree(t);
}

static void test_float_option_conversions_and_clamp(void **state)
{
    (void)state;
    tree *t = new_tree();
    tern_cfg_scope *root = tern_cfg_root(&t->g);
    const int id = TERN_OPT_FAKE_PACKET_LOSS_SEND; /* 0..100 */
    int r;
    assert_true(gset_i32(root, id, 50));
    assert_true(gget_f(root, id, &r) == 50.0f);
    assert_true(gset_i64(root, id, 7));
    assert_true(gget_f(root, id, &r) == 7.0f);
    assert_true(gset_f(root, id, 12.25f));
    assert_true(gget_f(root, id, &r) == 12.25f);
    assert_true(gset_str(root, id, "33.5"));
    assert_true(gget_f(root, id, &r) == 33.5f);
    assert_false(gset_str(root, id, "."));
    assert_false(gset_ptr(root, id, root));
    assert_true(gget_f(root, id, &r) == 33.5f);
    assert_true(gset_f(root, id, 150.0f));
    assert_true(gget_f(root, id, &r) == 100.0f);
    assert_true(gset_i32(root, id, -3));
    assert_true(gget_f(root, id, &r) == 0.0f);
    assert_true(gset_f(root, id, NAN)); /* GNS's min/max send NaN to the top */
    assert_true(gget_f(root, id, &r) == 100.0f);
    assert_true(gset_str(root, id, "1e99")); /* inf */
    assert_true(gget_f(root, id, &r) == 100.0f);
    del_tree(t);
}

static void test_string_option_conversions(void **state)
{
    (void)state;
    tree *t = new_tree();
    tern_cfg_scope *root = tern_cfg_root(&t->g);
    const int id = TERN_OPT_P2P_STUN_SERVER_LIST;
    int r;
    /* Int32 5 stores "5"; GNS reports cb = 2 */
    assert_true(gset_i32(root, id, 5));
    char buf[64];
    size_t cb = sizeof buf;
    assert_int_equal(tern_cfg_gns_get(root, id, NULL, buf, &cb), TERN_CFGR_OK);
    assert_string_equal(buf, "5");
    assert_int_equal(cb, 2);
    assert_true(gset_i64(root, id, -9000000000LL));
    assert_string_equal(gget_str(root, id, &r), "-9000000000");
    assert_true(gset_f(root, id, 0.1f));
    assert_string_equal(gget_str(root, id, &r), "0.1");
    assert_true(gset_f(root, id, 1e20f));
    assert_string_equal(gget_str(root, id, &r), "1e+20");
    assert_true(gset_str(root, id, "stun.example.com:3478"));
    assert_string_equal(gget_str(root, id, &r), "stun.example.com:3478");
    assert_false(gset_ptr(root, id, root));
    assert_string_equal(gget_str(root, id, &r), "stun.example.com:3478");
    /* at a narrower scope too */
    assert_true(gset_i32(&t->conn, id, -7));
    assert_string_equal(gget_str(&t->conn, id, &r), "-7");
    assert_int_equal(r, TERN_CFGR_OK);
    del_tree(t);
}

static void test_ptr_option_accepts_only_ptr(void **state)
{
    (void)state;
    tree *t = new_tree();
    tern_cfg_scope *root = tern_cfg_root(&t->g);
    const int id = TERN_OPT_CALLBACK_CONNECTION_STATUS_CHANGED;
    int r, x;
    assert_true(gset_ptr(root, id, &x));
    assert_ptr_equal(gget_ptr(root, id, &r), &x);
    assert_false(gset_i32(root, id, 1));
    assert_false(gset_i64(root, id, 1));
    assert_false(gset_f(root, id, 1.0f));
    assert_false(gset_str(root, id, "1"));
    assert_ptr_equal(gget_ptr(root, id, &r), &x);
    assert_true(gset_ptr(&t->conn, id, &r));
    assert_ptr_equal(gget_ptr(&t->conn, id, &r), &r);
    assert_ptr_equal(tern_cfg_ptr(&t->conn, id), &r);
    assert_ptr_equal(tern_cfg_ptr(&t->conn2, id), &x);
    del_tree(t);
}

static void test_clamp_to_range(void **state)
{
    (void)state;
    tree *t = new_tree();
    tern_cfg_scope *root = tern_cfg_root(&t->g);
    int r;
    assert_true(gset_i32(root, TERN_OPT_NAGLE_TIME, 999999));
    assert_int_equal(gget_i32(root, TERN_OPT_NAGLE_TIME, &r), 20000);
    assert_true(gset_i32(&t->conn, TERN_OPT_NAGLE_TIME, -1));
    assert_int_equal(gget_i32(&t->conn, TERN_OPT_NAGLE_TIME, &r), 0);
    assert_true(gset_i32(&t->inst, TERN_OPT_MTU_PACKET_SIZE, 100));
    assert_int_equal(gget_i32(&t->inst, TERN_OPT_MTU_PACKET_SIZE, &r), 200);
    assert_true(gset_i32(&t->inst, TERN_OPT_MTU_PACKET_SIZE, 9000));
    assert_int_equal(gget_i32(&t->inst, TERN_OPT_MTU_PACKET_SIZE, &r), 1300);
    assert_true(gset_str(root, TERN_OPT_SEND_BUFFER_SIZE, "1"));
    assert_int_equal(gget_i32(root, TERN_OPT_SEND_BUFFER_SIZE, &r), 4096);
    assert_true(gset_i32(root, TERN_OPT_LOG_LEVEL_MESSAGE, 0));
    assert_int_equal(gget_i32(root, TERN_OPT_LOG_LEVEL_MESSAGE, &r), 2);
    assert_true(gset_i32(root, TERN_OPT_SEND_TIME_SINCE_PREVIOUS_PACKET, -9));
    assert_int_equal(gget_i32(root, TERN_OPT_SEND_TIME_SINCE_PREVIOUS_PACKET, &r), -1);
    assert_true(gset_i32(root, TERN_OPT_FAKE_RATE_LIMIT_SEND_BURST, INT32_MAX));
    assert_int_equal(gget_i32(root, TERN_OPT_FAKE_RATE_LIMIT_SEND_BURST, &r), 1048576);
    assert_true(gset_f(root, TERN_OPT_FAKE_PACKET_JITTER_SEND_AVG, 3000.0f));
    assert_true(gget_f(root, TERN_OPT_FAKE_PACKET_JITTER_SEND_AVG, &r) == 2000.0f);
    /* ConnectionUserData has no range */
    assert_true(gset_i64(root, TERN_OPT_CONNECTION_USER_DATA, INT64_MIN));
    assert_true(gget_i64(root, TERN_OPT_CONNECTION_USER_DATA, &r) == INT64_MIN);
    del_tree(t);
}

/* --- NULL: reset / unset ------------------------------------------------------------------- */

static void test_null_resets_global_and_unsets_narrower(void **state)
{
    (void)state;
    tree *t = new_tree();
    tern_cfg_scope *root = tern_cfg_root(&t->g);
    int r;
    assert_true(gset_i32(root, TERN_OPT_NAGLE_TIME, 100));
    assert_true(tern_cfg_gns_set(root, TERN_OPT_NAGLE_TIME, TERN_CFGT_INT32, NULL));
    assert_int_equal(gget_i32(root, TERN_OPT_NAGLE_TIME, &r), 5000);
    assert_int_equal(r, TERN_CFGR_OK);
    assert_true(gset_str(root, TERN_OPT_P2P_TURN_SERVER_LIST, "turn:x"));
    assert_true(tern_cfg_gns_set(root, TERN_OPT_P2P_TURN_SERVER_LIST, TERN_CFGT_STRING, NULL));
    assert_string_equal(gget_str(root, TERN_OPT_P2P_TURN_SERVER_LIST, &r), "");
    assert_true(gset_f(root, TERN_OPT_FAKE_PACKET_JITTER_RECV_PCT, 5.0f));
    assert_int_equal(
        tern_cfg_set(root, TERN_OPT_FAKE_PACKET_JITTER_RECV_PCT, TERN_CFGT_FLOAT, NULL), TERN_OK);
    assert_true(tern_cfg_f32(root, TERN_OPT_FAKE_PACKET_JITTER_RECV_PCT) == 75.0f);
    /* the data type does not matter for a NULL */
    assert_true(gset_i32(root, TERN_OPT_TIMEOUT_CONNECTED, 1));
    assert_true(tern_cfg_gns_set(root, TERN_OPT_TIMEOUT_CONNECTED, TERN_CFGT_PTR, NULL));
    assert_int_equal(tern_cfg_i32(root, TERN_OPT_TIMEOUT_CONNECTED), 10000);

    /* narrower: unset, so it inherits again */
    assert_true(gset_i32(&t->inst, TERN_OPT_NAGLE_TIME, 7));
    assert_int_equal(gget_i32(&t->inst, TERN_OPT_NAGLE_TIME, &r), 7);
    assert_int_equal(r, TERN_CFGR_OK);
    assert_true(tern_cfg_gns_set(&t->inst, TERN_OPT_NAGLE_TIME, TERN_CFGT_INT32, NULL));
    assert_int_equal(gget_i32(&t->inst, TERN_OPT_NAGLE_TIME, &r), 5000);
    assert_int_equal(r, TERN_CFGR_OK_INHERITED);
    /* unsetting what was never set is fine */
    assert_true(tern_cfg_gns_set(&t->conn, TERN_OPT_NAGLE_TIME, TERN_CFGT_INT32, NULL));
    /* strings and slots unset too */
    assert_true(gset_str(&t->listen, TERN_OPT_P2P_TURN_USER_LIST, "u"));
    assert_true(tern_cfg_gns_set(&t->listen, TERN_OPT_P2P_TURN_USER_LIST, TERN_CFGT_STRING, NULL));
    assert_string_equal(gget_str(&t->conn, TERN_OPT_P2P_TURN_USER_LIST, &r), "");
    assert_int_equal(r, TERN_CFGR_OK_INHERITED);
    assert_true(gset_i32(&t->conn, TERN_OPT_UNENCRYPTED, 2));
    assert_int_equal(tern_cfg_set(&t->conn, TERN_OPT_UNENCRYPTED, TERN_CFGT_INT32, NULL), TERN_OK);
    assert_int_equal(gget_i32(&t->conn, TERN_OPT_UNENCRYPTED, &r), 0);
    assert_int_equal(r, TERN_CFGR_OK_INHERITED);
    del_tree(t);
}

static void test_null_cannot_clear_connection_user_data(void **state)
{
    (void)state;
    tree *t = new_tree();
    int r;
    assert_true(gset_i64(&t->conn, TERN_OPT_CONNECTION_USER_DATA, 9));
    assert_false(tern_cfg_gns_set(&t->conn, TERN_OPT_CONNECTION_USER_DATA, TERN_CFGT_INT64, NULL));
    assert_int_equal(tern_cfg_set(&t->conn, TERN_OPT_CONNECTION_USER_DATA, TERN_CFGT_INT64, NULL),
                     TERN_INVALID_PARAM);
    assert_true(gget_i64(&t->conn, TERN_OPT_CONNECTION_USER_DATA, &r) == 9);
    /* at the listen socket and instance it unsets normally; at the root it resets */
    assert_true(gset_i64(&t->listen, TERN_OPT_CONNECTION_USER_DATA, 4));
    assert_true(tern_cfg_gns_set(&t->listen, TERN_OPT_CONNECTION_USER_DATA, TERN_CFGT_INT64, NULL));
    assert_true(gget_i64(&t->listen, TERN_OPT_CONNECTION_USER_DATA, &r) == -1);
    assert_int_equal(r, TERN_CFGR_OK_INHERITED);
    assert_true(gset_i64(tern_cfg_root(&t->g), TERN_OPT_CONNECTION_USER_DATA, 4));
    assert_true(tern_cfg_gns_set(tern_cfg_root(&t->g), TERN_OPT_CONNECTION_USER_DATA,
                                 TERN_CFGT_INT64, NULL));
    assert_true(gget_i64(tern_cfg_root(&t->g), TERN_OPT_CONNECTION_USER_DATA, &r) == -1);
    del_tree(t);
}

/* --- inheritance ----------------------------------------------------------------------------- */

static void test_inheritance_chain(void **state)
{
    (void)state;
    tree *t = new_tree();
    tern_cfg_scope *root = tern_cfg_root(&t->g);
    const int id = TERN_OPT_NAGLE_TIME;
    int r;
    assert_int_equal(gget_i32(&t->conn, id, &r), 5000);
    assert_int_equal(r, TERN_CFGR_OK_INHERITED);
    assert_true(gset_i32(root, id, 1000));
    assert_int_equal(gget_i32(&t->conn, id, &r), 1000);
    assert_int_equal(gget_i32(&t->conn2, id, &r), 1000);
    assert_true(gset_i32(&t->inst, id, 2000));
    assert_int_equal(gget_i32(&t->conn, id, &r), 2000);
    assert_int_equal(r, TERN_CFGR_OK_INHERITED);
    assert_true(gset_i32(&t->listen, id, 3000));
    assert_int_equal(gget_i32(&t->conn, id, &r), 3000);
    assert_int_equal(gget_i32(&t->conn2, id, &r), 2000); /* outbound: not under the listen socket */
    assert_true(gset_i32(&t->conn, id, 4000));
    assert_int_equal(gget_i32(&t->conn, id, &r), 4000);
    assert_int_equal(r, TERN_CFGR_OK);
    /* each level answers for itself */
    assert_int_equal(gget_i32(&t->listen, id, &r), 3000);
    assert_int_equal(r, TERN_CFGR_OK);
    assert_int_equal(gget_i32(&t->inst, id, &r), 2000);
    assert_int_equal(r, TERN_CFGR_OK);
    assert_int_equal(gget_i32(root, id, &r), 1000);
    assert_int_equal(r, TERN_CFGR_OK);
    /* dynamic read-through: a parent changed later */
    assert_true(tern_cfg_gns_set(&t->conn, id, TERN_CFGT_INT32, NULL));
    assert_true(gset_i32(&t->listen, id, 3500));
    assert_int_equal(gget_i32(&t->conn, id, &r), 3500);
    assert_int_equal(tern_cfg_i32(&t->conn, id), 3500);
    assert_true(tern_cfg_gns_set(&t->listen, id, TERN_CFGT_INT32, NULL));
    assert_true(tern_cfg_gns_set(&t->inst, id, TERN_CFGT_INT32, NULL));
    assert_true(gset_i32(root, id, 1500));
    assert_int_equal(tern_cfg_i32(&t->conn, id), 1500);
    assert_int_equal(tern_cfg_i32(&t->conn2, id), 1500);
    /* global-only options read through from any scope with the typed getters */
    assert_true(gset_f(root, TERN_OPT_FAKE_PACKET_LOSS_RECV, 3.0f));
    assert_true(tern_cfg_f32(&t->conn, TERN_OPT_FAKE_PACKET_LOSS_RECV) == 3.0f);
    del_tree(t);
}

static void test_native_get_inherited_flag(void **state)
{
    (void)state;
    tree *t = new_tree();
    int32_t v = 0, type = 0;
    size_t size = sizeof v;
    bool inh = false;
    assert_int_equal(tern_cfg_get(&t->conn, TERN_OPT_TIMEOUT_INITIAL, &type, &v, &size, &inh),
                     TERN_OK);
    assert_true(inh);
    assert_int_equal(v, 10000);
    assert_int_equal(type, TERN_CFGT_INT32);
    int32_t x = 42;
    assert_int_equal(tern_cfg_set(&t->conn, TERN_OPT_TIMEOUT_INITIAL, TERN_CFGT_INT32, &x),
                     TERN_OK);
    size = sizeof v;
    assert_int_equal(tern_cfg_get(&t->conn, TERN_OPT_TIMEOUT_INITIAL, NULL, &v, &size, &inh),
                     TERN_OK);
    assert_false(inh);
    assert_int_equal(v, 42);
    del_tree(t);
}

static void test_connection_user_data_snapshot(void **state)
{
    (void)state;
    tree *t = new_tree();
    const int id = TERN_OPT_CONNECTION_USER_DATA;
    int r;
    assert_true(gset_i64(&t->inst, id, 42));
    /* connection created: options applied, then the value pinned */
    assert_int_equal(tern_cfg_snapshot(&t->conn2, id), TERN_OK);
    assert_true(gget_i64(&t->conn2, id, &r) == 42);
    assert_int_equal(r, TERN_CFGR_OK);
    assert_true(gset_i64(&t->inst, id, 43));
    assert_true(gget_i64(&t->conn2, id, &r) == 42); /* not inherited any more */
    assert_true(tern_cfg_i64(&t->conn2, id) == 42);
    /* a connection created now gets the new value */
    tern_cfg_scope c3;
    tern_cfg_init(&c3, &t->inst, TERN_CFGS_CONN, NULL);
    assert_int_equal(tern_cfg_snapshot(&c3, id), TERN_OK);
    assert_true(tern_cfg_i64(&c3, id) == 43);
    /* creation options win over the parents */
    tern_cfg_scope c4;
    tern_cfg_init(&c4, &t->inst, TERN_CFGS_CONN, NULL);
    assert_true(gset_i64(&c4, id, 7));
    assert_int_equal(tern_cfg_snapshot(&c4, id), TERN_OK);
    assert_true(tern_cfg_i64(&c4, id) == 7);
    /* setting at the connection later works (SetConnectionUserData) */
    assert_true(gset_i64(&c4, id, 8));
    assert_true(tern_cfg_i64(&c4, id) == 8);
    tern_cfg_free(&c4);
    tern_cfg_free(&c3);
    del_tree(t);
}

static void test_reparent(void **state)
{
    (void)state;
    tree *t = new_tree();
    tern_cfg_scope c;
    tern_cfg_init(&c, &t->inst, TERN_CFGS_CONN, NULL);
    assert_true(gset_i32(&t->listen, TERN_OPT_NAGLE_TIME, 11));
    assert_true(gset_i32(&c, TERN_OPT_TIMEOUT_INITIAL, 12));
    assert_int_equal(tern_cfg_i32(&c, TERN_OPT_NAGLE_TIME), 5000);
    uint32_t g0 = tern_cfg_generation(&c);
    tern_cfg_reparent(&c, &t->listen);
    assert_true(tern_cfg_generation(&c) != g0);
    assert_int_equal(tern_cfg_i32(&c, TERN_OPT_NAGLE_TIME), 11);
    assert_int_equal(tern_cfg_i32(&c, TERN_OPT_TIMEOUT_INITIAL), 12); /* kept */
    tern_cfg_free(&c);
    del_tree(t);
}

/* --- scopes -------------------------------------------------------------------------------- */

static void test_global_only_option_at_narrower_scope(void **state)
{
    (void)state;
    tree *t = new_tree();
    tern_cfg_scope *narrow[] = {&t->inst, &t->listen, &t->conn};
    for (size_t i = 0; i < 3; i++) {
        assert_false(gset_i32(narrow[i], TERN_OPT_FAKE_PACKET_LAG_SEND, 5));
        assert_false(gset_ptr(narrow[i], TERN_OPT_CALLBACK_AUTH_STATUS_CHANGED, t));
        int32_t type = 0, v = 99;
        size_t cb = sizeof v;
        assert_int_equal(tern_cfg_gns_get(narrow[i], TERN_OPT_FAKE_PACKET_LAG_SEND, &type, &v, &cb),
                         TERN_CFGR_BAD_SCOPE_OBJ);
        assert_int_equal(cb, 0);
        assert_int_equal(type, TERN_CFGT_INT32); /* written before the scope check */
        assert_int_equal(v, 99);
        int32_t x = 5;
        assert_int_equal(
            tern_cfg_set(narrow[i], TERN_OPT_FAKE_PACKET_LAG_SEND, TERN_CFGT_INT32, &x),
            TERN_INVALID_PARAM);
        cb = sizeof v;
        assert_int_equal(
            tern_cfg_get(narrow[i], TERN_OPT_FAKE_PACKET_LAG_SEND, NULL, &v, &cb, NULL),
            TERN_INVALID_PARAM);
    }
    /* NULL (unset) at a narrower scope is refused as well */
    assert_false(tern_cfg_gns_set(&t->inst, TERN_OPT_FAKE_PACKET_LAG_SEND, TERN_CFGT_INT32, NULL));
    del_tree(t);
}

static void test_bad_scope_object(void **state)
{
    (void)state;
    int32_t v = 1, type = 0;
    assert_false(tern_cfg_gns_set(NULL, TERN_OPT_NAGLE_TIME, TERN_CFGT_INT32, &v));
    size_t cb = 4;
    assert_int_equal(tern_cfg_gns_get(NULL, TERN_OPT_NAGLE_TIME, &type, &v, &cb),
                     TERN_CFGR_BAD_SCOPE_OBJ);
    assert_int_equal(cb, 0);
    assert_int_equal(type, TERN_CFGT_INT32);
    assert_int_equal(tern_cfg_set(NULL, TERN_OPT_NAGLE_TIME, TERN_CFGT_INT32, &v),
                     TERN_INVALID_PARAM);
    cb = 4;
    assert_int_equal(tern_cfg_get(NULL, TERN_OPT_NAGLE_TIME, NULL, &v, &cb, NULL),
                     TERN_INVALID_PARAM);
}

/* --- get result codes ------------------------------------------------------------------------ */

static void test_get_unknown_and_unregistered_ids(void **state)
{
    (void)state;
    tree *t = new_tree();
    const int ids[] = {0, 1, 18, 29, 35, 39, 46, 60, 106, 203, 207, 998, 999, 61, 1000, -3};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        int32_t type = 77;
        char buf[16] = "zz";
        size_t cb = sizeof buf;
        assert_int_equal(tern_cfg_gns_get(tern_cfg_root(&t->g), ids[i], &type, buf, &cb),
                         TERN_CFGR_BAD_VALUE);
        assert_int_equal(type, 77); /* outputs untouched */
        assert_int_equal(cb, sizeof buf);
        assert_string_equal(buf, "zz");
        int32_t v = 1;
        assert_false(tern_cfg_gns_set(tern_cfg_root(&t->g), ids[i], TERN_CFGT_INT32, &v));
        assert_false(tern_cfg_gns_set(&t->conn, ids[i], TERN_CFGT_INT32, NULL));
        assert_null(tern_cfg_gns_info(ids[i], &type, NULL));
        assert_int_equal(type, 77);
    }
    del_tree(t);
}

static void test_get_buffer_too_small(void **state)
{
    (void)state;
    tree *t = new_tree();
    tern_cfg_scope *root = tern_cfg_root(&t->g);
    static const struct {
        int id;
        size_t need;
    } c[] = {
        {TERN_OPT_NAGLE_TIME, 4},           {TERN_OPT_FAKE_PACKET_LOSS_SEND, 4},
        {TERN_OPT_CONNECTION_USER_DATA, 8}, {TERN_OPT_CALLBACK_CONNECTION_STATUS_CHANGED, 8},
        {TERN_OPT_P2P_STUN_SERVER_LIST, 1},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        uint8_t buf[16];
        memset(buf, 0xee, sizeof buf);
        size_t cb = c[i].need - 1;
        int32_t type = 0;
        assert_int_equal(tern_cfg_gns_get(root, c[i].id, &type, buf, &cb), TERN_CFGR_TOO_SMALL);
        assert_int_equal(cb, c[i].need);
        assert_int_equal(buf[0], 0xee);
        assert_true(type > 0);
        /* NULL buffer: a size query, even with a large size */
        cb = sizeof buf;
        assert_int_equal(tern_cfg_gns_get(root, c[i].id, NULL, NULL, &cb), TERN_CFGR_TOO_SMALL);
        assert_int_equal(cb, c[i].need);
        /* exactly enough */
        cb = c[i].need;
        assert_int_equal(tern_cfg_gns_get(root, c[i].id, NULL, buf, &cb), TERN_CFGR_OK);
        assert_int_equal(cb, c[i].need);
        /* inherited, too small (global-only options are -2 there instead) */
        cb = 0;
        bool conn_scope = tern_cfg_def_of(c[i].id)->scope == TERN_CFGS_CONN;
        assert_int_equal(tern_cfg_gns_get(&t->conn, c[i].id, NULL, buf, &cb),
                         conn_scope ? TERN_CFGR_TOO_SMALL : TERN_CFGR_BAD_SCOPE_OBJ);
        assert_int_equal(cb, conn_scope ? c[i].need : 0);
    }
    /* strings: strlen + 1 */
    assert_true(gset_str(&t->listen, TERN_OPT_P2P_TURN_PASS_LIST, "secret"));
    char s[8];
    size_t cb = 6;
    assert_int_equal(tern_cfg_gns_get(&t->conn, TERN_OPT_P2P_TURN_PASS_LIST, NULL, s, &cb),
                     TERN_CFGR_TOO_SMALL);
    assert_int_equal(cb, 7);
    cb = 7;
    assert_int_equal(tern_cfg_gns_get(&t->conn, TERN_OPT_P2P_TURN_PASS_LIST, NULL, s, &cb),
                     TERN_CFGR_OK_INHERITED);
    assert_string_equal(s, "secret");
    /* native: TERN_BUF_TOO_SMALL with the size needed */
    int32_t i = 0;
    cb = 2;
    assert_int_equal(tern_cfg_get(&t->conn, TERN_OPT_NAGLE_TIME, NULL, &i, &cb, NULL),
                     TERN_BUF_TOO_SMALL);
    assert_int_equal(cb, 4);
    cb = 4;
    assert_int_equal(tern_cfg_get(&t->conn, TERN_OPT_NAGLE_TIME, NULL, NULL, &cb, NULL),
                     TERN_BUF_TOO_SMALL);
    assert_int_equal(tern_cfg_get(&t->conn, TERN_OPT_NAGLE_TIME, NULL, &i, NULL, NULL),
                     TERN_INVALID_PARAM);
    assert_int_equal(tern_cfg_gns_get(&t->conn, TERN_OPT_NAGLE_TIME, NULL, &i, NULL),
                     TERN_CFGR_TOO_SMALL);
    del_tree(t);
}

static void test_mtu_data_size(void **state)
{
    (void)state;
    tree *t = new_tree();
    tern_cfg_scope *root = tern_cfg_root(&t->g);
    const int id = TERN_OPT_MTU_DATA_SIZE;
    int32_t type = 77, v = 0;
    size_t cb = sizeof v;
    assert_int_equal(tern_cfg_gns_get(root, id, &type, &v, &cb), TERN_CFGR_OK);
    assert_int_equal(v, 1200);
    assert_int_equal(cb, 4);
    assert_int_equal(type, 77); /* GNS does not write the type here */
    /* at any scope, with MTU_PacketSize's inheritance */
    assert_true(gset_i32(&t->inst, TERN_OPT_MTU_PACKET_SIZE, 500));
    cb = 4;
    assert_int_equal(tern_cfg_gns_get(&t->conn, id, &type, &v, &cb), TERN_CFGR_OK_INHERITED);
    assert_int_equal(v, 400);
    cb = 4;
    assert_int_equal(tern_cfg_gns_get(&t->inst, id, &type, &v, &cb), TERN_CFGR_OK);
    assert_int_equal(v, 400);
    assert_int_equal(tern_cfg_i32(&t->conn, id), 400);
    assert_true(gset_i32(&t->conn, TERN_OPT_MTU_PACKET_SIZE, 200));
    assert_int_equal(tern_cfg_i32(&t->conn, id), 100);
    /* bad scope: -2, and *cb left alone */
    cb = 4;
    assert_int_equal(tern_cfg_gns_get(NULL, id, &type, &v, &cb), TERN_CFGR_BAD_SCOPE_OBJ);
    assert_int_equal(cb, 4);
    /* too small: -3 with 4 */
    cb = 3;
    assert_int_equal(tern_cfg_gns_get(&t->conn, id, NULL, &v, &cb), TERN_CFGR_TOO_SMALL);
    assert_int_equal(cb, 4);
    cb = 4;
    assert_int_equal(tern_cfg_gns_get(&t->conn, id, NULL, NULL, &cb), TERN_CFGR_TOO_SMALL);
    /* read-only, unregistered */
    assert_false(gset_i32(root, id, 1000));
    assert_false(tern_cfg_gns_set(root, id, TERN_CFGT_INT32, NULL));
    assert_int_equal(tern_cfg_set(root, id, TERN_CFGT_INT32, &v), TERN_INVALID_PARAM);
    assert_null(tern_cfg_gns_info(id, NULL, NULL));
    /* native get works and reports the type */
    type = 0;
    cb = 4;
    bool inh = false;
    assert_int_equal(tern_cfg_get(&t->listen, id, &type, &v, &cb, &inh), TERN_OK);
    assert_int_equal(type, TERN_CFGT_INT32);
    assert_int_equal(v, 400);
    assert_true(inh);
    del_tree(t);
}

/* --- iteration and info ------------------------------------------------------------------------
 */

static void test_iterate_without_dev_vars(void **state)
{
    (void)state;
    static const int want[] = {2,  3,  4,  5,  6,  7,  8,  9,  10,  11,  12,  13,  14,  15,  16, 17,
                               24, 25, 26, 27, 28, 32, 41, 42, 43,  44,  45,  47,  48,  49,  50, 51,
                               52, 53, 54, 55, 56, 57, 58, 59, 103, 104, 105, 107, 108, 109, 110};
    size_t n = 0;
    for (int id = tern_cfg_gns_next(0, false); id; id = tern_cfg_gns_next(id, false)) {
        assert_true(n < sizeof want / sizeof want[0]);
        assert_int_equal(id, want[n]);
        n++;
    }
    assert_int_equal(n, sizeof want / sizeof want[0]);
}

static void test_iterate_with_dev_vars(void **state)
{
    (void)state;
    int prev = 0;
    size_t n = 0;
    bool saw23 = false, saw34 = false;
    for (int id = tern_cfg_gns_next(0, true); id; id = tern_cfg_gns_next(id, true)) {
        assert_true(id > prev); /* ascending */
        prev = id;
        const tern_cfg_def *d = tern_cfg_def_of(id);
        assert_true(d->flags & TERN_CFGF_REG);
        assert_int_not_equal(d->type, TERN_CFGT_PTR);
        assert_int_not_equal(id, 37);
        assert_int_not_equal(id, 38);
        assert_int_not_equal(id, 40);
        assert_int_not_equal(id, 33);
        saw23 |= id == 23;
        saw34 |= id == 34;
        n++;
    }
    assert_true(saw23 && saw34);
    assert_int_equal(n, 49);
    /* from a registered but not enumerated id: continue after it */
    assert_int_equal(tern_cfg_gns_next(37, false), 41);
    assert_int_equal(tern_cfg_gns_next(23, false), 24);
    assert_int_equal(tern_cfg_gns_next(17, true), 23);
    assert_int_equal(tern_cfg_gns_next(110, true), 0);
    assert_int_equal(tern_cfg_gns_next(201, true), 0);
    /* from an id GNS does not register: the end */
    assert_int_equal(tern_cfg_gns_next(1, true), 0);
    assert_int_equal(tern_cfg_gns_next(18, true), 0);
    assert_int_equal(tern_cfg_gns_next(33, true), 0);
    assert_int_equal(tern_cfg_gns_next(5000, true), 0);
}

static void test_info(void **state)
{
    (void)state;
    for (size_t i = 0; i < NREG; i++) {
        int32_t type = 0, scope = 0;
        const char *name = tern_cfg_gns_info(registered[i].id, &type, &scope);
        assert_non_null(name);
        assert_string_equal(name, registered[i].name);
        assert_int_equal(type, registered[i].type);
        assert_int_equal(scope, registered[i].scope);
        assert_ptr_equal(tern_cfg_gns_info(registered[i].id, NULL, NULL), name);
    }
    for (int i = 0; i < TERN_CFG_NDEFS; i++)
        if (!(tern_cfg_defs[i].flags & TERN_CFGF_REG))
            assert_null(tern_cfg_gns_info(tern_cfg_defs[i].id, NULL, NULL));
}

/* --- native: not supported
 * ------------------------------------------------------------------------ */

static void test_native_not_supported_vs_gns(void **state)
{
    (void)state;
    tree *t = new_tree();
    tern_cfg_scope *root = tern_cfg_root(&t->g);
    /* every row: native NOT_SUPPORTED exactly for the unimplemented ones */
    for (int i = 0; i < TERN_CFG_NDEFS; i++) {
        const tern_cfg_def *d = &tern_cfg_defs[i];
        size_t size = 64;
        char buf[64];
        tern_result want;
        if (d->flags & TERN_CFGF_RETIRED)
            want = TERN_INVALID_PARAM;
        else if (!(d->flags & TERN_CFGF_IMPL))
            want = TERN_NOT_SUPPORTED;
        else
            want = TERN_OK;
        assert_int_equal(tern_cfg_get(root, d->id, NULL, buf, &size, NULL), want);
        if (d->flags & TERN_CFGF_RO) want = TERN_INVALID_PARAM;
        assert_int_equal(tern_cfg_set(root, d->id, TERN_CFGT_INT32, NULL), want);
    }
    /* the implemented set matches the list */
    static const int unimpl_reg[] = {37,  38,  41,  51,  103, 104, 105,
                                     107, 108, 109, 110, 204, 205, 206};
    for (size_t i = 0; i < sizeof unimpl_reg / sizeof unimpl_reg[0]; i++) {
        const tern_cfg_def *d = tern_cfg_def_of(unimpl_reg[i]);
        assert_true(d->flags & TERN_CFGF_REG);
        assert_false(d->flags & TERN_CFGF_IMPL);
    }
    int n_impl = 0;
    for (int i = 0; i < TERN_CFG_NDEFS; i++) n_impl += !!(tern_cfg_defs[i].flags & TERN_CFGF_IMPL);
    assert_int_equal(n_impl, 57 - 14 + 1); /* registered minus the above, plus MTU_DataSize */

    /* GNS-compatible: stored and read back */
    int r;
    assert_true(gset_str(&t->conn, TERN_OPT_P2P_STUN_SERVER_LIST, "stun:1"));
    assert_string_equal(gget_str(&t->conn, TERN_OPT_P2P_STUN_SERVER_LIST, &r), "stun:1");
    assert_true(gset_i32(root, TERN_OPT_PACKET_TRACE_MAX_BYTES, 64));
    assert_int_equal(gget_i32(root, TERN_OPT_PACKET_TRACE_MAX_BYTES, &r), 64);
    /* natively refused, and nothing stored */
    int32_t v = 3;
    assert_int_equal(tern_cfg_set(&t->conn, TERN_OPT_SYMMETRIC_CONNECT, TERN_CFGT_INT32, &v),
                     TERN_NOT_SUPPORTED);
    assert_int_equal(gget_i32(&t->conn, TERN_OPT_SYMMETRIC_CONNECT, &r), 0);
    assert_int_equal(r, TERN_CFGR_OK_INHERITED);
    /* unregistered: native NOT_SUPPORTED, GNS false */
    assert_int_equal(tern_cfg_set(root, TERN_OPT_ECN, TERN_CFGT_INT32, &v), TERN_NOT_SUPPORTED);
    assert_false(gset_i32(root, TERN_OPT_ECN, 1));
    assert_false(gset_ptr(root, TERN_OPT_CALLBACK_RELAY_NETWORK_STATUS_CHANGED, root));
    /* not an option at all */
    assert_int_equal(tern_cfg_set(root, 0, TERN_CFGT_INT32, &v), TERN_INVALID_PARAM);
    assert_int_equal(tern_cfg_set(root, 1000, TERN_CFGT_INT32, &v), TERN_INVALID_PARAM);
    del_tree(t);
}

/* --- locks -------------------------------------------------------------------------------------
 */

static void test_locked_values(void **state)
{
    (void)state;
    tree *t = new_tree();
    tern_cfg_scope *root = tern_cfg_root(&t->g);
    int r;
    assert_true(gset_i32(&t->inst, TERN_OPT_UNENCRYPTED, 1));
    assert_int_equal(tern_cfg_lock(&t->conn, TERN_OPT_UNENCRYPTED), TERN_OK);
    /* frozen: parents no longer matter, and it reads as set here */
    assert_true(gset_i32(&t->inst, TERN_OPT_UNENCRYPTED, 3));
    assert_int_equal(gget_i32(&t->conn, TERN_OPT_UNENCRYPTED, &r), 1);
    assert_int_equal(r, TERN_CFGR_OK);
    /* sets fail, NULL too */
    int32_t v = 2;
    assert_false(gset_i32(&t->conn, TERN_OPT_UNENCRYPTED, 2));
    assert_false(tern_cfg_gns_set(&t->conn, TERN_OPT_UNENCRYPTED, TERN_CFGT_INT32, NULL));
    assert_int_equal(tern_cfg_set(&t->conn, TERN_OPT_UNENCRYPTED, TERN_CFGT_INT32, &v),
                     TERN_INVALID_STATE);
    assert_int_equal(tern_cfg_i32(&t->conn, TERN_OPT_UNENCRYPTED), 1);
    /* a value already set keeps its own value when locked */
    assert_true(gset_i32(&t->listen, TERN_OPT_SYMMETRIC_CONNECT, 1));
    assert_int_equal(tern_cfg_lock(&t->listen, TERN_OPT_SYMMETRIC_CONNECT), TERN_OK);
    assert_false(gset_i32(&t->listen, TERN_OPT_SYMMETRIC_CONNECT, 0));
    assert_int_equal(gget_i32(&t->conn, TERN_OPT_SYMMETRIC_CONNECT, &r), 1);
    /* the other lockable options */
    const int lockable[] = {23, 34, 37, 38, 52, 104, 110};
    for (size_t i = 0; i < sizeof lockable / sizeof lockable[0]; i++) {
        assert_int_equal(tern_cfg_lock(&t->conn2, lockable[i]), TERN_OK);
        assert_false(tern_cfg_gns_set(&t->conn2, lockable[i], TERN_CFGT_INT32, &v));
    }
    assert_int_equal(tern_cfg_i32(&t->conn2, TERN_OPT_P2P_TRANSPORT_ICE_ENABLE), 0x7fffffff);
    assert_int_equal(tern_cfg_i32(&t->conn2, TERN_OPT_LOCAL_VIRTUAL_PORT), -1);
    /* unlock: set again, still holding the locked value */
    assert_int_equal(tern_cfg_unlock(&t->conn, TERN_OPT_UNENCRYPTED), TERN_OK);
    assert_int_equal(gget_i32(&t->conn, TERN_OPT_UNENCRYPTED, &r), 1);
    assert_int_equal(r, TERN_CFGR_OK);
    assert_true(gset_i32(&t->conn, TERN_OPT_UNENCRYPTED, 2));
    assert_int_equal(tern_cfg_i32(&t->conn, TERN_OPT_UNENCRYPTED), 2);
    /* only the lockable options, only below the root */
    assert_int_equal(tern_cfg_lock(&t->conn, TERN_OPT_NAGLE_TIME), TERN_INVALID_PARAM);
    assert_int_equal(tern_cfg_lock(&t->conn, TERN_OPT_CONNECTION_USER_DATA), TERN_INVALID_PARAM);
    assert_int_equal(tern_cfg_lock(root, TERN_OPT_UNENCRYPTED), TERN_INVALID_PARAM);
    assert_int_equal(tern_cfg_lock(&t->conn, 1000), TERN_INVALID_PARAM);
    assert_int_equal(tern_cfg_unlock(&t->conn, TERN_OPT_NAGLE_TIME), TERN_INVALID_PARAM);
    assert_int_equal(tern_cfg_snapshot(&t->conn, TERN_OPT_NAGLE_TIME), TERN_INVALID_PARAM);
    assert_int_equal(tern_cfg_snapshot(root, TERN_OPT_CONNECTION_USER_DATA), TERN_INVALID_PARAM);
    del_tree(t);
}

/* --- memory -------------------------------------------------------------------------------------
 */

static void test_idle_scope_costs_no_allocation(void **state)
{
    (void)state;
    counting c;
    tern_mem m = counting_mem(&c);
    tree *t = malloc(sizeof *t);
    assert_non_null(t);
    tree_init(t, &m);
    assert_int_equal(c.total, 0);
    /* what every connection carries: a few pointers, the lockable values, user data */
    assert_true(sizeof(tern_cfg_scope) <= 88);
    /* reads, locks and the user-data snapshot allocate nothing */
    char buf[64];
    for (int i = 0; i < TERN_CFG_NDEFS; i++) {
        size_t cb = sizeof buf;
        (void)tern_cfg_gns_get(&t->conn, tern_cfg_defs[i].id, NULL, buf, &cb);
    }
    assert_int_equal(tern_cfg_lock(&t->conn, TERN_OPT_UNENCRYPTED), TERN_OK);
    assert_int_equal(tern_cfg_lock(&t->conn, TERN_OPT_IP_ALLOW_WITHOUT_AUTH), TERN_OK);
    assert_int_equal(tern_cfg_snapshot(&t->conn, TERN_OPT_CONNECTION_USER_DATA), TERN_OK);
    assert_true(gset_i64(&t->conn, TERN_OPT_CONNECTION_USER_DATA, 5));
    assert_int_equal(c.total, 0);
    assert_null(t->conn.v);
    /* a set allocates; unsetting the last value gives it back */
    assert_true(gset_i32(&t->conn, TERN_OPT_NAGLE_TIME, 1));
    assert_true(gset_i32(&t->conn, TERN_OPT_TIMEOUT_INITIAL, 1));
    assert_true(gset_i32(&t->conn, TERN_OPT_TIMEOUT_CONNECTED, 1));
    assert_true(c.live > 0);
    assert_true(tern_cfg_gns_set(&t->conn, TERN_OPT_NAGLE_TIME, TERN_CFGT_INT32, NULL));
    assert_true(tern_cfg_gns_set(&t->conn, TERN_OPT_TIMEOUT_INITIAL, TERN_CFGT_INT32, NULL));
    assert_true(tern_cfg_gns_set(&t->conn, TERN_OPT_TIMEOUT_CONNECTED, TERN_CFGT_INT32, NULL));
    assert_int_equal(c.live, 0);
    assert_null(t->conn.v);
    /* strings are owned and freed */
    assert_true(gset_str(&t->conn, TERN_OPT_P2P_TURN_SERVER_LIST, "a"));
    assert_true(gset_str(&t->conn, TERN_OPT_P2P_TURN_SERVER_LIST, "b"));
    assert_true(gset_str(tern_cfg_root(&t->g), TERN_OPT_P2P_TURN_SERVER_LIST, "c"));
    assert_true(gset_str(tern_cfg_root(&t->g), TERN_OPT_P2P_TURN_SERVER_LIST, "d"));
    assert_true(gset_i32(&t->listen, TERN_OPT_NAGLE_TIME, 1));
    tree_free(t);
    assert_int_equal(c.live, 0);
    free(t);
}

static void test_out_of_memory_changes_nothing(void **state)
{
    (void)state;
    counting c;
    tern_mem m = counting_mem(&c);
    tree *t = malloc(sizeof *t);
    assert_non_null(t);
    tree_init(t, &m);
    assert_true(gset_str(tern_cfg_root(&t->g), TERN_OPT_P2P_TURN_SERVER_LIST, "old"));
    assert_true(gset_str(&t->conn, TERN_OPT_P2P_TURN_USER_LIST, "old"));
    uint32_t g0 = tern_cfg_generation(&t->conn);
    c.fail = 1;
    int32_t v = 7;
    assert_int_equal(tern_cfg_set(&t->listen, TERN_OPT_NAGLE_TIME, TERN_CFGT_INT32, &v),
                     TERN_NOMEM);
    assert_null(t->listen.v);
    assert_false(gset_str(tern_cfg_root(&t->g), TERN_OPT_P2P_TURN_SERVER_LIST, "new"));
    assert_false(gset_str(&t->conn, TERN_OPT_P2P_TURN_USER_LIST, "new"));
    assert_false(gset_str(&t->conn, TERN_OPT_P2P_TURN_PASS_LIST, "new"));
    /* slots never allocate */
    assert_int_equal(tern_cfg_set(&t->conn, TERN_OPT_UNENCRYPTED, TERN_CFGT_INT32, &v), TERN_OK);
    c.fail = 0;
    assert_int_equal(tern_cfg_generation(&t->conn), g0 + 1);
    int r;
    assert_int_equal(gget_i32(&t->listen, TERN_OPT_NAGLE_TIME, &r), 5000);
    assert_int_equal(r, TERN_CFGR_OK_INHERITED);
    assert_string_equal(gget_str(&t->conn, TERN_OPT_P2P_TURN_SERVER_LIST, &r), "old");
    assert_string_equal(gget_str(&t->conn, TERN_OPT_P2P_TURN_USER_LIST, &r), "old");
    assert_string_equal(gget_str(&t->conn, TERN_OPT_P2P_TURN_PASS_LIST, &r), "");
    tree_free(t);
    assert_int_equal(c.live, 0);
    free(t);
}

static void test_many_values_in_one_scope(void **state)
{
    (void)state;
    tree *t = new_tree();
    /* set every connection-scope registered option at a connection, in
     * descending id order, and read each back */
    for (int i = TERN_CFG_NDEFS - 1; i >= 0; i--) {
        const tern_cfg_def *d = &tern_cfg_defs[i];
        if (!(d->flags & TERN_CFGF_REG) || d->scope != TERN_CFGS_CONN) continue;
        if (d->type == TERN_CFGT_PTR)
            assert_true(gset_ptr(&t->conn, d->id, (void *)(uintptr_t)d->id));
        else
            assert_true(gset_i32(&t->conn, d->id, d->id));
    }
    for (int i = 0; i < TERN_CFG_NDEFS; i++) {
        const tern_cfg_def *d = &tern_cfg_defs[i];
        if (!(d->flags & TERN_CFGF_REG) || d->scope != TERN_CFGS_CONN) continue;
        int r;
        char want[16];
        snprintf(want, sizeof want, "%d", d->id);
        switch (d->type) {
        case TERN_CFGT_INT32: {
            int32_t lo = (int32_t)d->min, hi = (int32_t)d->max;
            int32_t exp = d->id < lo ? lo : d->id > hi ? hi : d->id;
            assert_int_equal(gget_i32(&t->conn, d->id, &r), exp);
            break;
        }
        case TERN_CFGT_INT64:
            assert_true(gget_i64(&t->conn, d->id, &r) == d->id);
            break;
        case TERN_CFGT_STRING:
            assert_string_equal(gget_str(&t->conn, d->id, &r), want);
            break;
        case TERN_CFGT_PTR:
            assert_ptr_equal(gget_ptr(&t->conn, d->id, &r), (void *)(uintptr_t)d->id);
            break;
        }
        assert_int_equal(r, TERN_CFGR_OK);
    }
    assert_true(t->conn.n <= t->conn.cap);
    del_tree(t);
}

/* --- typed getters and the generation ----------------------------------------------------------
 */

static void test_typed_getters(void **state)
{
    (void)state;
    tree *t = new_tree();
    assert_int_equal(tern_cfg_i32(&t->conn, TERN_OPT_MTU_PACKET_SIZE), 1300);
    assert_true(tern_cfg_i64(&t->conn, TERN_OPT_CONNECTION_USER_DATA) == -1);
    assert_true(tern_cfg_f32(&t->conn, TERN_OPT_FAKE_PACKET_JITTER_SEND_PCT) == 75.0f);
    assert_null(tern_cfg_ptr(&t->conn, TERN_OPT_CALLBACK_CONNECTION_STATUS_CHANGED));
    /* wrong type or unknown id: 0 */
    assert_int_equal(tern_cfg_i32(&t->conn, TERN_OPT_CONNECTION_USER_DATA), 0);
    assert_true(tern_cfg_i64(&t->conn, TERN_OPT_NAGLE_TIME) == 0);
    assert_true(tern_cfg_f32(&t->conn, TERN_OPT_NAGLE_TIME) == 0.0f);
    assert_null(tern_cfg_ptr(&t->conn, TERN_OPT_NAGLE_TIME));
    assert_int_equal(tern_cfg_i32(&t->conn, 1000), 0);
    char buf[8] = "xx";
    assert_int_equal(tern_cfg_str(&t->conn, TERN_OPT_NAGLE_TIME, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    /* strings: truncated copy, full length returned */
    assert_true(gset_str(tern_cfg_root(&t->g), TERN_OPT_P2P_STUN_SERVER_LIST, "0123456789"));
    assert_int_equal(tern_cfg_str(&t->conn, TERN_OPT_P2P_STUN_SERVER_LIST, buf, sizeof buf), 10);
    assert_string_equal(buf, "0123456");
    assert_int_equal(tern_cfg_str(&t->conn, TERN_OPT_P2P_STUN_SERVER_LIST, NULL, 0), 10);
    assert_true(gset_str(&t->listen, TERN_OPT_P2P_STUN_SERVER_LIST, "ab"));
    assert_int_equal(tern_cfg_str(&t->conn, TERN_OPT_P2P_STUN_SERVER_LIST, buf, sizeof buf), 2);
    assert_string_equal(buf, "ab");
    /* native string get: all or nothing */
    size_t size = 2;
    assert_int_equal(tern_cfg_get(&t->conn, TERN_OPT_P2P_STUN_SERVER_LIST, NULL, buf, &size, NULL),
                     TERN_NOT_SUPPORTED); /* P2P is not in tern yet */
    del_tree(t);
}

static void test_generation(void **state)
{
    (void)state;
    tree *t = new_tree();
    tern_cfg_scope *root = tern_cfg_root(&t->g);
    uint32_t g = tern_cfg_generation(&t->conn);
    assert_true(g != 0);
    assert_int_equal(tern_cfg_generation(root), g);
    /* every successful change anywhere in the tree bumps it */
    assert_true(gset_i32(root, TERN_OPT_NAGLE_TIME, 1));
    assert_true(tern_cfg_generation(&t->conn) == g + 1);
    assert_true(gset_i32(&t->conn2, TERN_OPT_NAGLE_TIME, 1));
    assert_true(tern_cfg_generation(&t->conn) == g + 2);
    assert_true(tern_cfg_gns_set(&t->conn2, TERN_OPT_NAGLE_TIME, TERN_CFGT_INT32, NULL));
    assert_true(tern_cfg_generation(&t->conn) == g + 3);
    assert_int_equal(tern_cfg_lock(&t->conn, TERN_OPT_UNENCRYPTED), TERN_OK);
    assert_true(tern_cfg_generation(&t->conn) == g + 4);
    /* failures and reads do not */
    assert_false(gset_i32(&t->conn, TERN_OPT_UNENCRYPTED, 1));
    assert_false(gset_str(root, TERN_OPT_NAGLE_TIME, "x"));
    assert_false(gset_i32(&t->conn, TERN_OPT_FAKE_PACKET_LAG_RECV, 1));
    int r;
    (void)gget_i32(&t->conn, TERN_OPT_NAGLE_TIME, &r);
    (void)tern_cfg_i32(&t->conn, TERN_OPT_NAGLE_TIME);
    assert_true(tern_cfg_generation(&t->conn) == g + 4);
    del_tree(t);
}

/* --- threads: the root is shared; each instance's scopes are behind its lock ----------------- */

typedef struct instance {
    pthread_mutex_t lock;
    tern_cfg_scope inst, conn;
    tern_cfg_global *g;
    int bad;
} instance;

static const char *const patterns[] = {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbb",
                                       "c"};

static void *root_writer(void *arg)
{
    tern_cfg_global *g = arg;
    for (int i = 0; i < 20000; i++) {
        int32_t v = 1000 + i % 7;
        tern_cfg_gns_set(tern_cfg_root(g), TERN_OPT_NAGLE_TIME, TERN_CFGT_INT32, &v);
        tern_cfg_gns_set(tern_cfg_root(g), TERN_OPT_P2P_STUN_SERVER_LIST, TERN_CFGT_STRING,
                         patterns[i % 3]);
        float f = (float)(i % 50);
        tern_cfg_gns_set(tern_cfg_root(g), TERN_OPT_FAKE_PACKET_LOSS_SEND, TERN_CFGT_FLOAT, &f);
    }
    return NULL;
}

static void *instance_reader(void *arg)
{
    instance *in = arg;
    uint32_t cached = 0;
    int32_t nagle = 0;
    for (int i = 0; i < 20000; i++) {
        pthread_mutex_lock(&in->lock);
        uint32_t g = tern_cfg_generation(&in->conn);
        if (g != cached) {
            nagle = tern_cfg_i32(&in->conn, TERN_OPT_NAGLE_TIME);
            cached = g;
        }
        if (nagle != 5000 && (nagle < 1000 || nagle > 1006)) in->bad++;
        char buf[64];
        size_t len = tern_cfg_str(&in->conn, TERN_OPT_P2P_STUN_SERVER_LIST, buf, sizeof buf);
        bool ok = len == 0;
        for (int k = 0; k < 3; k++) ok |= strcmp(buf, patterns[k]) == 0;
        if (!ok) in->bad++; /* never a torn string */
        float f = tern_cfg_f32(&in->conn, TERN_OPT_FAKE_PACKET_LOSS_SEND);
        if (f < 0 || f > 49) in->bad++;
        /* and the application thread's sets at this instance */
        int32_t t = 1 + i % 100;
        tern_cfg_set(&in->inst, TERN_OPT_TIMEOUT_INITIAL, TERN_CFGT_INT32, &t);
        pthread_mutex_unlock(&in->lock);
    }
    return NULL;
}

static void test_threads_shared_root(void **state)
{
    (void)state;
    tern_cfg_global g;
    tern_cfg_global_init(&g, NULL);
    instance in[2];
    for (int i = 0; i < 2; i++) {
        pthread_mutex_init(&in[i].lock, NULL);
        tern_cfg_init(&in[i].inst, tern_cfg_root(&g), TERN_CFGS_INSTANCE, NULL);
        tern_cfg_init(&in[i].conn, &in[i].inst, TERN_CFGS_CONN, NULL);
        in[i].g = &g;
        in[i].bad = 0;
    }
    pthread_t w, r[2];
    assert_int_equal(pthread_create(&w, NULL, root_writer, &g), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&r[i], NULL, instance_reader, &in[i]), 0);
    pthread_join(w, NULL);
    for (int i = 0; i < 2; i++) pthread_join(r[i], NULL);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(in[i].bad, 0);
        assert_int_equal(tern_cfg_i32(&in[i].conn, TERN_OPT_NAGLE_TIME), 1000 + 19999 % 7);
        tern_cfg_free(&in[i].conn);
        tern_cfg_free(&in[i].inst);
        pthread_mutex_destroy(&in[i].lock);
    }
    tern_cfg_global_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_has_every_id_in_order),
        cmocka_unit_test(test_table_registered_rows),
        cmocka_unit_test(test_table_unregistered_rows),
        cmocka_unit_test(test_every_range_clamps),
        cmocka_unit_test(test_name_lookup_every_id),
        cmocka_unit_test(test_every_default_via_gns_get_global),
        cmocka_unit_test(test_native_defaults_and_send_rate_exception),
        cmocka_unit_test(test_int32_option_conversions),
        cmocka_unit_test(test_int64_option_conversions),
        cmocka_unit_test(test_float_option_conversions_and_clamp),
        cmocka_unit_test(test_string_option_conversions),
        cmocka_unit_test(test_ptr_option_accepts_only_ptr),
        cmocka_unit_test(test_clamp_to_range),
        cmocka_unit_test(test_null_resets_global_and_unsets_narrower),
        cmocka_unit_test(test_null_cannot_clear_connection_user_data),
        cmocka_unit_test(test_inheritance_chain),
        cmocka_unit_test(test_native_get_inherited_flag),
        cmocka_unit_test(test_connection_user_data_snapshot),
        cmocka_unit_test(test_reparent),
        cmocka_unit_test(test_global_only_option_at_narrower_scope),
        cmocka_unit_test(test_bad_scope_object),
        cmocka_unit_test(test_get_unknown_and_unregistered_ids),
        cmocka_unit_test(test_get_buffer_too_small),
        cmocka_unit_test(test_mtu_data_size),
        cmocka_unit_test(test_iterate_without_dev_vars),
        cmocka_unit_test(test_iterate_with_dev_vars),
        cmocka_unit_test(test_info),
        cmocka_unit_test(test_native_not_supported_vs_gns),
        cmocka_unit_test(test_locked_values),
        cmocka_unit_test(test_idle_scope_costs_no_allocation),
        cmocka_unit_test(test_out_of_memory_changes_nothing),
        cmocka_unit_test(test_many_values_in_one_scope),
        cmocka_unit_test(test_typed_getters),
        cmocka_unit_test(test_generation),
        cmocka_unit_test(test_threads_shared_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
