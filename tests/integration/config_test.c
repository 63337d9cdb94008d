/* Configuration through the native API on live objects: set and get at
 * every scope, by id and by name, inheritance (global -> instance -> listen
 * socket -> accepted connection), creation options, conversions and
 * errors, options that change a live connection, the GNS-style status
 * callback (201), and the global fake network conditions. */
#include <string.h>

#include "itest.h"

static int32_t get_i32(tern_sockets *s, int scope, intptr_t obj, int id, bool *inherited)
{
    int32_t v = -12345;
    size_t size = sizeof v;
    int type = 0;
    IT_OK(tern_config_get(s, scope, obj, id, &type, &v, &size, inherited));
    assert_int_equal(type, TERN_CONFIG_INT32);
    assert_int_equal(size, sizeof v);
    return v;
}

static void set_i32(tern_sockets *s, int scope, intptr_t obj, int id, int32_t v)
{
    IT_OK(tern_config_set(s, scope, obj, id, TERN_CONFIG_INT32, &v));
}

static void test_scopes_and_inheritance(void **state)
{
    (void)state;
    it_inst *sv = it_inst_new("server", false);
    it_inst *cl = it_inst_new("client", false);
    tern_sockets *S = sv->s;
    bool inh = true;
    /* defaults, inherited from the global scope */
    assert_int_equal(get_i32(S, TERN_SCOPE_INSTANCE, (intptr_t)S, TERN_CFG_NAGLE_TIME, &inh), 5000);
    assert_true(inh);
    assert_int_equal(get_i32(S, TERN_SCOPE_GLOBAL, 0, TERN_CFG_NAGLE_TIME, &inh), 5000);
    assert_false(inh);

    set_i32(S, TERN_SCOPE_INSTANCE, (intptr_t)S, TERN_CFG_TIMEOUT_CONNECTED, 7000);
    set_i32(S, TERN_SCOPE_INSTANCE, (intptr_t)S, TERN_CFG_NAGLE_TIME, 3000);
    assert_int_equal(get_i32(S, TERN_SCOPE_INSTANCE, (intptr_t)S, TERN_CFG_NAGLE_TIME, &inh), 3000);
    assert_false(inh);

    /* creation options land at the listen socket's scope */
    tern_config_value lo[] = {it_opt_i32(TERN_CFG_NAGLE_TIME, 1234),
                              it_opt_i32(TERN_CFG_SEND_BUFFER_SIZE, 100000)};
    tern_addr addr;
    uint32_t l = it_listen(sv, 2, lo, &addr);
    assert_int_equal(get_i32(S, TERN_SCOPE_LISTEN, l, TERN_CFG_NAGLE_TIME, &inh), 1234);
    assert_false(inh);
    assert_int_equal(get_i32(S, TERN_SCOPE_LISTEN, l, TERN_CFG_SEND_BUFFER_SIZE, &inh), 100000);
    assert_int_equal(get_i32(S, TERN_SCOPE_LISTEN, l, TERN_CFG_TIMEOUT_CONNECTED, &inh), 7000);
    assert_true(inh);
    assert_int_equal(get_i32(S, TERN_SCOPE_INSTANCE, (intptr_t)S, TERN_CFG_SEND_BUFFER_SIZE, &inh),
                     524288);

    /* ... and on an outbound connection's own scope */
    tern_config_value co = it_opt_i32(TERN_CFG_NAGLE_TIME, 777);
    uint32_t c, s;
    it_connect(cl, sv, l, &addr, 1, &co, &c, &s);
    assert_int_equal(get_i32(cl->s, TERN_SCOPE_CONNECTION, c, TERN_CFG_NAGLE_TIME, &inh), 777);
    assert_false(inh);
    assert_int_equal(
        get_i32(cl->s, TERN_SCOPE_INSTANCE, (intptr_t)cl->s, TERN_CFG_NAGLE_TIME, &inh), 5000);

    /* The accepted connection inherits listen socket, instance, global. */
    assert_int_equal(get_i32(S, TERN_SCOPE_CONNECTION, s, TERN_CFG_NAGLE_TIME, &inh), 1234);
    assert_true(inh);
    assert_int_equal(get_i32(S, TERN_SCOPE_CONNECTION, s, TERN_CFG_TIMEOUT_CONNECTED, &inh), 7000);
    assert_true(inh);
    assert_int_equal(get_i32(S, TERN_SCOPE_CONNECTION, s, TERN_CFG_MTU_PACKET_SIZE, &inh), 1300);
    assert_true(inh);
    /* dynamically: a parent's later change reaches children that never set it */
    set_i32(S, TERN_SCOPE_INSTANCE, (intptr_t)S, TERN_CFG_TIMEOUT_CONNECTED, 8000);
    assert_int_equal(get_i32(S, TERN_SCOPE_CONNECTION, s, TERN_CFG_TIMEOUT_CONNECTED, &inh), 8000);
    set_i32(S, TERN_SCOPE_LISTEN, l, TERN_CFG_NAGLE_TIME, 2222);
    assert_int_equal(get_i32(S, TERN_SCOPE_CONNECTION, s, TERN_CFG_NAGLE_TIME, &inh), 2222);
    /* set at the connection, then unset with NULL: inherits again */
    set_i32(S, TERN_SCOPE_CONNECTION, s, TERN_CFG_NAGLE_TIME, 10);
    assert_int_equal(get_i32(S, TERN_SCOPE_CONNECTION, s, TERN_CFG_NAGLE_TIME, &inh), 10);
    assert_false(inh);
    IT_OK(
        tern_config_set(S, TERN_SCOPE_CONNECTION, s, TERN_CFG_NAGLE_TIME, TERN_CONFIG_INT32, NULL));
    assert_int_equal(get_i32(S, TERN_SCOPE_CONNECTION, s, TERN_CFG_NAGLE_TIME, &inh), 2222);
    assert_true(inh);

    /* by name */
    int32_t v = 4321;
    IT_OK(tern_config_set_by_name(S, TERN_SCOPE_LISTEN, l, "NagleTime", TERN_CONFIG_INT32, &v));
    assert_int_equal(get_i32(S, TERN_SCOPE_LISTEN, l, TERN_CFG_NAGLE_TIME, &inh), 4321);
    IT_RES(tern_config_set_by_name(S, TERN_SCOPE_LISTEN, l, "NoSuchOption", TERN_CONFIG_INT32, &v),
           TERN_INVALID_PARAM);
    IT_RES(tern_config_set_by_name(S, TERN_SCOPE_LISTEN, l, NULL, TERN_CONFIG_INT32, &v),
           TERN_INVALID_PARAM);
    assert_string_equal(tern_config_name(TERN_CFG_NAGLE_TIME), "NagleTime");
    assert_string_equal(tern_config_name(TERN_CFG_SEND_BUFFER_SIZE), "SendBufferSize");
    assert_int_equal(tern_config_id_by_name("TimeoutInitial"), TERN_CFG_TIMEOUT_INITIAL);
    assert_int_equal(tern_config_id_by_name("nagletime"), 0); /* case-sensitive */
    assert_null(tern_config_name(9999));
    assert_null(tern_config_name(35)); /* retired */
    IT_OK(tern_config_set_i32(S, TERN_SCOPE_CONNECTION, s, TERN_CFG_NAGLE_TIME, 55));
    assert_int_equal(get_i32(S, TERN_SCOPE_CONNECTION, s, TERN_CFG_NAGLE_TIME, &inh), 55);
    it_inst_del(cl);
    it_inst_del(sv);
}

static void test_errors_and_conversions(void **state)
{
    (void)state;
    it_inst *in = it_inst_new("inst", false);
    tern_sockets *S = in->s;
    intptr_t me = (intptr_t)S;
    int32_t v = 1;
    /* unknown ids */
    IT_RES(tern_config_set(S, TERN_SCOPE_INSTANCE, me, 9999, TERN_CONFIG_INT32, &v),
           TERN_INVALID_PARAM);
    IT_RES(tern_config_set(S, TERN_SCOPE_INSTANCE, me, 0, TERN_CONFIG_INT32, &v),
           TERN_INVALID_PARAM);
    IT_RES(tern_config_set(S, TERN_SCOPE_GLOBAL, 0, 1, TERN_CONFIG_INT32, &v), TERN_INVALID_PARAM);
    size_t size = 4;
    int32_t out;
    IT_RES(tern_config_get(S, TERN_SCOPE_INSTANCE, me, 9999, NULL, &out, &size, NULL),
           TERN_INVALID_PARAM);
    /* a GNS option tern does not implement */
    IT_RES(tern_config_set(S, TERN_SCOPE_INSTANCE, me, 37 /* SymmetricConnect */, TERN_CONFIG_INT32,
                           &v),
           TERN_NOT_SUPPORTED);
    size = 4;
    IT_RES(tern_config_get(S, TERN_SCOPE_INSTANCE, me, 37, NULL, &out, &size, NULL),
           TERN_NOT_SUPPORTED);
    IT_RES(tern_config_set(S, TERN_SCOPE_GLOBAL, 0, 103 /* P2P_STUN_ServerList */,
                           TERN_CONFIG_STRING, "stun.example:3478"),
           TERN_NOT_SUPPORTED);
    /* ... also in creation options: the creation fails */
    tern_config_value sym = it_opt_i32(37, 1);
    tern_addr a;
    tern_addr_set_ipv4(&a, 0x7f000001u, 9);
    uint32_t h = 5;
    int r = tern_connect_ip(S, &a, 1, &sym, &h);
    assert_true(r == TERN_NOT_SUPPORTED || r == TERN_INVALID_PARAM);
    assert_int_equal(h, 0);
    /* a global-only option below the global scope */
    float loss = 5;
    IT_RES(tern_config_set(S, TERN_SCOPE_INSTANCE, me, TERN_CFG_FAKE_LOSS_SEND, TERN_CONFIG_FLOAT,
                           &loss),
           TERN_INVALID_PARAM);
    /* read-only */
    IT_RES(
        tern_config_set(S, TERN_SCOPE_INSTANCE, me, TERN_CFG_MTU_DATA_SIZE, TERN_CONFIG_INT32, &v),
        TERN_INVALID_PARAM);
    bool inh;
    assert_int_equal(get_i32(S, TERN_SCOPE_INSTANCE, me, TERN_CFG_MTU_DATA_SIZE, &inh), 1200);
    /* wrong types: a ptr option takes only Ptr; an int32 option no big Int64 */
    IT_RES(tern_config_set(S, TERN_SCOPE_INSTANCE, me, TERN_CFG_CALLBACK_CONNECTION_STATUS_CHANGED,
                           TERN_CONFIG_INT32, &v),
           TERN_INVALID_PARAM);
    int64_t big = 1ll << 40;
    IT_RES(
        tern_config_set(S, TERN_SCOPE_INSTANCE, me, TERN_CFG_NAGLE_TIME, TERN_CONFIG_INT64, &big),
        TERN_INVALID_PARAM);
    IT_RES(tern_config_set(S, TERN_SCOPE_INSTANCE, me, TERN_CFG_NAGLE_TIME, TERN_CONFIG_STRING,
                           "not a number"),
           TERN_INVALID_PARAM);
    /* conversions and clamping (API.md §13.2) */
    float f = 2.6f;
    IT_OK(tern_config_set(S, TERN_SCOPE_INSTANCE, me, TERN_CFG_NAGLE_TIME, TERN_CONFIG_FLOAT, &f));
    assert_int_equal(get_i32(S, TERN_SCOPE_INSTANCE, me, TERN_CFG_NAGLE_TIME, &inh), 3);
    IT_OK(tern_config_set(S, TERN_SCOPE_INSTANCE, me, TERN_CFG_NAGLE_TIME, TERN_CONFIG_STRING,
                          "1234"));
    assert_int_equal(get_i32(S, TERN_SCOPE_INSTANCE, me, TERN_CFG_NAGLE_TIME, &inh), 1234);
    int64_t small = 4000;
    IT_OK(tern_config_set(S, TERN_SCOPE_INSTANCE, me, TERN_CFG_NAGLE_TIME, TERN_CONFIG_INT64,
                          &small));
    assert_int_equal(get_i32(S, TERN_SCOPE_INSTANCE, me, TERN_CFG_NAGLE_TIME, &inh), 4000);
    set_i32(S, TERN_SCOPE_INSTANCE, me, TERN_CFG_NAGLE_TIME, 999999);
    assert_int_equal(get_i32(S, TERN_SCOPE_INSTANCE, me, TERN_CFG_NAGLE_TIME, &inh), 20000);
    /* the size contract of get */
    size = 2;
    int type = 0;
    IT_RES(
        tern_config_get(S, TERN_SCOPE_INSTANCE, me, TERN_CFG_NAGLE_TIME, &type, &out, &size, NULL),
        TERN_BUF_TOO_SMALL);
    assert_int_equal(size, 4);
    assert_int_equal(type, TERN_CONFIG_INT32);
    size = 0;
    IT_RES(
        tern_config_get(S, TERN_SCOPE_INSTANCE, me, TERN_CFG_NAGLE_TIME, NULL, NULL, &size, NULL),
        TERN_BUF_TOO_SMALL);
    assert_int_equal(size, 4);
    IT_RES(tern_config_get(S, TERN_SCOPE_INSTANCE, me, TERN_CFG_NAGLE_TIME, NULL, &out, NULL, NULL),
           TERN_INVALID_PARAM);
    int64_t ud = 0;
    size = sizeof ud;
    IT_OK(tern_config_get(S, TERN_SCOPE_INSTANCE, me, TERN_CFG_CONNECTION_USER_DATA, &type, &ud,
                          &size, NULL));
    assert_int_equal(type, TERN_CONFIG_INT64);
    assert_int_equal(size, 8);
    assert_true(ud == -1);
    it_inst_del(in);
}

/* tern.h, tern_config_set/get: "TERN_INVALID_PARAM (unknown id, wrong
 * type, bad scope object, ...)". */
static void test_bad_scope_objects(void **state)
{
    (void)state;
    it_inst *in = it_inst_new("inst", false);
    tern_sockets *S = in->s;
    intptr_t me = (intptr_t)S;
    int32_t v = 1, out;
    size_t size;
    /* a scope that does not exist, and objects that do not exist */
    IT_RES(tern_config_set(S, 99, me, TERN_CFG_NAGLE_TIME, TERN_CONFIG_INT32, &v),
           TERN_INVALID_PARAM);
    IT_RES(
        tern_config_set(S, TERN_SCOPE_LISTEN, 0x12345, TERN_CFG_NAGLE_TIME, TERN_CONFIG_INT32, &v),
        TERN_INVALID_PARAM);
    IT_RES(tern_config_set(S, TERN_SCOPE_CONNECTION, 0x12345, TERN_CFG_NAGLE_TIME,
                           TERN_CONFIG_INT32, &v),
           TERN_INVALID_PARAM);
    size = 4;
    IT_RES(tern_config_get(S, TERN_SCOPE_CONNECTION, 0x12345, TERN_CFG_NAGLE_TIME, NULL, &out,
                           &size, NULL),
           TERN_INVALID_PARAM);
    it_inst_del(in);
}

/* Options that act on a live connection. */
static void test_live_connection_options(void **state)
{
    (void)state;
    it_inst *sv = it_inst_new("server", false);
    it_inst *cl = it_inst_new("client(manual)", true);
    tern_addr addr;
    uint32_t l = it_listen(sv, 0, NULL, &addr), c, s;
    it_connect(cl, sv, l, &addr, 0, NULL, &c, &s);
    /* ConnectionUserData through the config API is the user data */
    int64_t ud = 99;
    IT_OK(tern_config_set(sv->s, TERN_SCOPE_CONNECTION, s, TERN_CFG_CONNECTION_USER_DATA,
                          TERN_CONFIG_INT64, &ud));
    assert_true(tern_get_user_data(sv->s, s) == 99);
    IT_RES(tern_config_set(sv->s, TERN_SCOPE_CONNECTION, s, TERN_CFG_CONNECTION_USER_DATA,
                           TERN_CONFIG_INT64, NULL),
           TERN_INVALID_PARAM);
    /* a smaller send buffer takes effect on the running connection */
    set_i32(cl->s, TERN_SCOPE_CONNECTION, c, TERN_CFG_SEND_BUFFER_SIZE, 4096);
    uint8_t buf[1000] = {0};
    int r = TERN_OK, n = 0;
    while (r == TERN_OK && n < 50) {
        r = tern_send(cl->s, c, buf, sizeof buf, TERN_SEND_RELIABLE, NULL);
        n++;
    }
    IT_RES(r, TERN_LIMIT_EXCEEDED);
    assert_true(n <= 6);
    it_inst_del(cl);
    it_inst_del(sv);
}

/* The GNS-style per-connection status callback, option 201, with no
 * instance-level on_status. */
static int g_cb_calls, g_cb_states[8];
static void gns_cb(tern_status_event *e)
{
    if (g_cb_calls < 8) g_cb_states[g_cb_calls] = e->old_state * 10 + e->info.state;
    g_cb_calls++;
}

static void test_status_callback_option(void **state)
{
    (void)state;
    it_inst *sv = it_inst_new("server", false);
    sv->auto_accept = true;
    tern_addr addr;
    it_listen(sv, 0, NULL, &addr);
    tern_sockets *cs;
    IT_OK(tern_sockets_new(NULL, &cs));
    tern_config_value o;
    memset(&o, 0, sizeof o);
    o.id = TERN_CFG_CALLBACK_CONNECTION_STATUS_CHANGED;
    o.type = TERN_CONFIG_PTR;
    o.val.ptr = (void *)gns_cb;
    g_cb_calls = 0;
    uint32_t c;
    IT_OK(tern_connect_ip(cs, &addr, 1, &o, &c));
    int64_t dl = it_now_ms() + it_timeout_ms();
    while (g_cb_calls < 2) {
        if (it_now_ms() > dl) {
            tern_sockets_del(cs);
            fail_msg("option-201 callback: %d calls", g_cb_calls);
        }
        it_pump(2);
        tern_wait(cs, 2);
        tern_run_callbacks(cs);
    }
    assert_int_equal(g_cb_states[0], 1);  /* 0 -> 1 */
    assert_int_equal(g_cb_states[1], 13); /* 1 -> 3 */
    IT_OK(tern_close(cs, c, 0, NULL, false));
    tern_run_callbacks(cs);
    assert_int_equal(g_cb_calls, 3);
    assert_int_equal(g_cb_states[2], 30);
    tern_sockets_del(cs);
    it_inst_del(sv);
}

/* Global fake network conditions (process-wide, read by instances created
 * afterwards): reliable messages still arrive exactly once, in order. */
static void test_global_fake_network(void **state)
{
    (void)state;
    float loss = 10, dup = 5, reorder = 10;
    int32_t lag = 10;
    IT_OK(tern_config_set(NULL, TERN_SCOPE_GLOBAL, 0, TERN_CFG_FAKE_LOSS_SEND, TERN_CONFIG_FLOAT,
                          &loss));
    IT_OK(tern_config_set(NULL, TERN_SCOPE_GLOBAL, 0, TERN_CFG_FAKE_DUP_SEND, TERN_CONFIG_FLOAT,
                          &dup));
    IT_OK(tern_config_set(NULL, TERN_SCOPE_GLOBAL, 0, TERN_CFG_FAKE_REORDER_SEND, TERN_CONFIG_FLOAT,
                          &reorder));
    IT_OK(tern_config_set(NULL, TERN_SCOPE_GLOBAL, 0, TERN_CFG_FAKE_LAG_SEND, TERN_CONFIG_INT32,
                          &lag));
    it_inst *sv = it_inst_new("server", false);
    it_inst *cl = it_inst_new("client", false);
    bool inh;
    assert_int_equal(get_i32(sv->s, TERN_SCOPE_GLOBAL, 0, TERN_CFG_FAKE_LAG_SEND, &inh), 10);
    tern_addr addr;
    uint32_t l = it_listen(sv, 0, NULL, &addr), c, s;
    it_connect(cl, sv, l, &addr, 0, NULL, &c, &s);
    enum { N = 400 };
    for (uint32_t i = 0; i < N; i++) {
        uint8_t b[500];
        it_fill(b, sizeof b, i);
        IT_OK(tern_send(cl->s, c, b, sizeof b, TERN_SEND_RELIABLE, NULL));
    }
    static tern_message *m[N];
    it_recv_n(sv, s, m, N);
    for (int i = 0; i < N; i++) {
        assert_int_equal(m[i]->message_number, i + 1);
        assert_true(it_check(m[i]->data, 500, (uint32_t)i));
    }
    it_release_all(m, N);
    it_inst_del(cl);
    it_inst_del(sv);
    int ids[] = {TERN_CFG_FAKE_LOSS_SEND, TERN_CFG_FAKE_DUP_SEND, TERN_CFG_FAKE_REORDER_SEND,
                 TERN_CFG_FAKE_LAG_SEND};
    for (int i = 0; i < 4; i++)
        IT_OK(tern_config_set(NULL, TERN_SCOPE_GLOBAL, 0, ids[i], TERN_CONFIG_INT32, NULL));
    int32_t v = -1;
    size_t size = sizeof v;
    IT_OK(
        tern_config_get(NULL, TERN_SCOPE_GLOBAL, 0, TERN_CFG_FAKE_LAG_SEND, NULL, &v, &size, NULL));
    assert_int_equal(v, 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        IT_TEST(test_scopes_and_inheritance), IT_TEST(test_errors_and_conversions),
        IT_TEST(test_bad_scope_objects),      IT_TEST(test_live_connection_options),
        IT_TEST(test_status_callback_option), IT_TEST(test_global_fake_network),
    };
    return IT_MAIN(tests);
}
