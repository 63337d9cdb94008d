/* The flat API end to end, as a C program would use it. Built two ways:
 * as C++ against GNS's own steamnetworkingsockets_flat.h (GNS says that
 * header is C++ only, though the functions have C linkage), and as C
 * against tern's compat/flat.h. It prints only what does not depend on
 * timing, handles or ports, so its output on GNS's library and on tern's
 * must be identical; run_both.sh compares them. On stderr it names the
 * libGameNetworkingSockets.so it loaded (from /proc/self/maps). */
#ifdef __cplusplus
#include <steam/steamnetworkingsockets.h>
#include <steam/steamnetworkingsockets_flat.h>
/* Exported by GNS's library, not declared in its headers (API.md §7). */
extern "C" void SteamNetworkingSockets_SetManualPollMode(bool bFlag);
extern "C" void SteamNetworkingSockets_Poll(int msMaxWaitTime);
#define CV_SET_I32(cv, id, v) (cv).SetInt32((ESteamNetworkingConfigValue)(id), v)
#define CV_SET_F(cv, id, v)   (cv).SetFloat((ESteamNetworkingConfigValue)(id), v)
#define REF(x)                (x)
#define DEREF(p)              (*(p))
typedef SteamNetworkingMessage_t msg_t;
#define M_DATA(m)             (m)->m_pData
#define M_SIZE(m)             (m)->m_cbSize
#define M_CONN(m)             (m)->m_conn
#define M_CHAN(m)             (m)->m_nChannel
#define M_FLAGS(m)            (m)->m_nFlags
#define M_NUM(m)              (m)->m_nMessageNumber
#define M_PEER(m)             (m)->m_identityPeer
#define M_LANE(m)             (m)->m_idxLane
#define I_STATE(i)            (i).m_eState
#define I_END(i)              (i).m_eEndReason
#define I_DBG(i)              (i).m_szEndDebug
#define I_DESC(i)             (i).m_szConnectionDescription
#define I_FLAGS(i)            (i).m_nFlags
#define I_LISTEN(i)           (i).m_hListenSocket
#define I_IDREM(i)            (i).m_identityRemote
#define I_UDATA(i)            (i).m_nUserData
#define E_CONN(e)             (e)->m_hConn
#define E_INFO(e)             (e)->m_info
#define E_OLD(e)              (e)->m_eOldState
#define ST_STATE(s)           (s).m_eState
#define CV_SET_PTR(cv, id, p) (cv).SetPtr(id, p)
#define ADDR_PORT(a)          (a).m_port
#else
#include "flat.h"
typedef uint8_t uint8;
typedef uint16_t uint16;
typedef int32_t int32;
typedef int64_t int64;
#define REF(x)                 (&(x))
#define DEREF(p)               (p)
typedef SteamNetworkingMessage_t msg_t;
#define M_DATA(m)              (m)->data
#define M_SIZE(m)              (m)->size
#define M_CONN(m)              (m)->conn
#define M_CHAN(m)              (m)->channel
#define M_FLAGS(m)             (m)->flags
#define M_NUM(m)               (m)->message_number
#define M_PEER(m)              (m)->peer
#define M_LANE(m)              (m)->lane
#define I_STATE(i)             (i).state
#define I_END(i)               (i).end_reason
#define I_DBG(i)               (i).end_debug
#define I_DESC(i)              (i).description
#define I_FLAGS(i)             (i).flags
#define I_LISTEN(i)            (i).listen_socket
#define I_IDREM(i)             (i).identity_remote
#define I_UDATA(i)             (i).user_data
#define E_CONN(e)              (e)->conn
#define E_INFO(e)              (e)->info
#define E_OLD(e)               (e)->old_state
#define ST_STATE(s)            (s).state
/* (not the SDK's SteamAPI_SteamNetworkingConfigValue_t_Set*: GNS lacks them) */
#define CV_SET_PTR(cv, id_, p) ((cv).id = (id_), (cv).type = 5, (cv).val.ptr = (p))
#define CV_SET_I32(cv, id_, v) ((cv).id = (id_), (cv).type = 1, (cv).val.i32 = (v))
#define CV_SET_F(cv, id_, v)   ((cv).id = (id_), (cv).type = 3, (cv).val.f = (v))
#define ADDR_PORT(a)           (a).port
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static ISteamNetworkingSockets *S;
static ISteamNetworkingUtils *U;
static int g_port;
static unsigned g_h[8]; /* handles to hide in descriptions */

static void which_library(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[4096];
    while (f && fgets(line, sizeof line, f)) {
        char *p = strstr(line, "/");
        if (p && strstr(p, "libGameNetworkingSockets.so")) {
            fprintf(stderr, "LOADED %s", p);
            break;
        }
    }
    if (f) fclose(f);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Text with handles and the test port replaced, so runs compare. */
static const char *norm(const char *in)
{
    static char out[4][512];
    static int k;
    char *o = out[k++ & 3];
    size_t n = 0;
    char port[16];
    snprintf(port, sizeof port, "%d", g_port);
    while (*in && n < 500) {
        int replaced = 0;
        if (*in >= '0' && *in <= '9') {
            char *end;
            unsigned long v = strtoul(in, &end, 10);
            for (int i = 0; i < 8 && !replaced; i++)
                if (g_h[i] && v == g_h[i]) {
                    n += (size_t)snprintf(o + n, 512 - n, "H");
                    in = end;
                    replaced = 1;
                }
            if (!replaced && (size_t)(end - in) == strlen(port) &&
                strncmp(in, port, strlen(port)) == 0) {
                n += (size_t)snprintf(o + n, 512 - n, "PORT");
                in = end;
                replaced = 1;
            }
            if (!replaced && n >= 10 && strncmp(o + n - 10, "127.0.0.1:", 10) == 0) {
                n += (size_t)snprintf(o + n, 512 - n, "EPHEMERAL");
                in = end;
                replaced = 1;
            }
            if (!replaced) {
                memcpy(o + n, in, (size_t)(end - in));
                n += (size_t)(end - in);
                in = end;
            }
            continue;
        }
        o[n++] = *in++;
    }
    o[n] = 0;
    return o;
}

static void hide(unsigned h)
{
    for (int i = 0; i < 8; i++)
        if (!g_h[i]) {
            g_h[i] = h;
            return;
        }
}

/* --- status callbacks, logged per role so the order between roles does not matter --- */
static char g_log[3][4096];
static unsigned g_role_conn[3];
static int g_last_state[3];

static void on_status(SteamNetConnectionStatusChangedCallback_t *e)
{
    int r = -1;
    for (int i = 0; i < 3; i++)
        if (g_role_conn[i] == E_CONN(e)) r = i;
    if (r < 0 && I_LISTEN(E_INFO(e)) != 0) { /* a new connection on our listen socket */
        r = 1;
        g_role_conn[1] = E_CONN(e);
        hide(E_CONN(e));
    }
    if (r < 0) return;
    size_t n = strlen(g_log[r]);
    snprintf(g_log[r] + n, sizeof g_log[r] - n, "  %d->%d end=%d dbg='%s' listen=%s desc='%s'\n",
             E_OLD(e), I_STATE(E_INFO(e)), I_END(E_INFO(e)), I_DBG(E_INFO(e)),
             I_LISTEN(E_INFO(e)) ? "yes" : "no", norm(I_DESC(E_INFO(e))));
    g_last_state[r] = I_STATE(E_INFO(e));
    if (r == 1 && I_STATE(E_INFO(e)) == 1)
        printf("accept: %d\n",
               (int)SteamAPI_ISteamNetworkingSockets_AcceptConnection(S, E_CONN(e)));
}

static void flush_log(int r, const char *name)
{
    printf("events %s:\n%s", name, g_log[r]);
    g_log[r][0] = 0;
}

static int wait_for(int r, int state)
{
    for (int i = 0; i < 500; i++) {
        SteamAPI_ISteamNetworkingSockets_RunCallbacks(S);
        if (g_last_state[r] == state) return 1;
        sleep_ms(10);
    }
    return 0;
}

static int recv_some(unsigned conn, msg_t **m, int max, int want)
{
    int got = 0;
    for (int i = 0; i < 500 && got < want; i++) {
        int n = SteamAPI_ISteamNetworkingSockets_ReceiveMessagesOnConnection(S, conn, m + got,
                                                                             max - got);
        if (n < 0) return n;
        got += n;
        if (got < want) sleep_ms(10);
    }
    return got;
}

static int by_text(const void *a, const void *b)
{
    msg_t *x = *(msg_t *const *)a, *y = *(msg_t *const *)b;
    int r = memcmp(M_DATA(x), M_DATA(y), (size_t)(M_SIZE(x) < M_SIZE(y) ? M_SIZE(x) : M_SIZE(y)));
    return r ? r : M_SIZE(x) - M_SIZE(y);
}

/* Order across lanes is not defined: messages print sorted by text. */
static void print_msgs(msg_t **m, int n, unsigned conn)
{
    if (n > 1) qsort(m, (size_t)n, sizeof *m, by_text);
    for (int i = 0; i < n; i++) {
        char id[128];
        SteamAPI_SteamNetworkingIdentity_ToString(&M_PEER(m[i]), id, sizeof id);
        /* Inbound flags: only Reliable (8) is meaningful (API.md §11.6); GNS's
         * pipes pass the sender's other bits through. */
        printf("  msg '%.*s' size=%d num=%lld chan=%d flags=%d lane=%d conn=%s peer=%s\n",
               M_SIZE(m[i]), (const char *)M_DATA(m[i]), M_SIZE(m[i]), (long long)M_NUM(m[i]),
               M_CHAN(m[i]), M_FLAGS(m[i]) & 8, M_LANE(m[i]), M_CONN(m[i]) == conn ? "ok" : "WRONG",
               norm(id));
        SteamAPI_SteamNetworkingMessage_t_Release(m[i]);
    }
}

static void print_info(const char *what, unsigned h)
{
    SteamNetConnectionInfo_t info;
    bool ok = SteamAPI_ISteamNetworkingSockets_GetConnectionInfo(S, h, &info);
    char id[128];
    SteamAPI_SteamNetworkingIdentity_ToString(&I_IDREM(info), id, sizeof id);
    printf("info %s: ok=%d state=%d flags=%d end=%d listen=%s remote=%s udata=%lld desc='%s'\n",
           what, ok, I_STATE(info), I_FLAGS(info), I_END(info), I_LISTEN(info) ? "yes" : "no",
           norm(id), (long long)I_UDATA(info), norm(I_DESC(info)));
}

/* --- strings ---------------------------------------------------------------------------- */
static void strings(void)
{
    static const char *addrs[] = {"1.2.3.4",
                                  "1.2.3.4:27015",
                                  "  1.2.3.4:5",
                                  "1.2.3.4:garbage",
                                  "1.2.3.4:70000",
                                  "256.1.1.1",
                                  "-1.2.3.4",
                                  "1.2.3",
                                  "0.0.0.0",
                                  "::1",
                                  "[::1]",
                                  "[::1]:80",
                                  "[::1]:",
                                  "::ffff:1.2.3.4",
                                  "[::ffff:1.2.3.4]:9",
                                  "2001:0db8:0000:0000:0000:0000:0000:0001",
                                  "1:2:3:4:5:6:7:8:99",
                                  "::1:99",
                                  "fe80::1%3",
                                  "[fe80::1%3]:7",
                                  "[1::2]#80",
                                  "[1::2] port 80",
                                  "1::2 80",
                                  "localhost",
                                  ""};
    for (size_t i = 0; i < sizeof addrs / sizeof *addrs; i++) {
        SteamNetworkingIPAddr a;
        bool ok = SteamAPI_SteamNetworkingIPAddr_ParseString(&a, addrs[i]);
        char s1[48], s2[48];
        SteamAPI_SteamNetworkingIPAddr_ToString(&a, s1, sizeof s1, true);
        SteamAPI_SteamNetworkingIPAddr_ToString(&a, s2, sizeof s2, false);
        printf("addr '%s' -> %d '%s' '%s' v4=%d lh=%d\n", addrs[i], ok, s1, s2,
               SteamAPI_SteamNetworkingIPAddr_IsIPv4(&a),
               SteamAPI_SteamNetworkingIPAddr_IsLocalHost(&a));
    }
    SteamNetworkingIPAddr a;
    SteamAPI_SteamNetworkingIPAddr_ParseString(&a,
                                               "[abab:abab:abab:abab:abab:abab:abab:abab]:65535");
    char small[10];
    SteamAPI_SteamNetworkingIPAddr_ToString(&a, small, sizeof small, true);
    printf("addr truncated '%s'\n", small);
    static const char *ids[] = {"steamid:76561197960287930",
                                "steamid:0",
                                "xboxpwid:abc",
                                "psn:12345",
                                "ip:1.2.3.4:5",
                                "ip:::1",
                                "ip:[::1]:5",
                                "str:hello",
                                "str:",
                                "gen:0102FF",
                                "gen:1",
                                "foo:bar",
                                "Foo:bar",
                                "nocolon",
                                "invalid",
                                "",
                                "abcdefghijklmnopq:x"};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        SteamNetworkingIdentity id;
        bool ok = SteamAPI_SteamNetworkingIdentity_ParseString(&id, sizeof id, ids[i]);
        char s[128];
        SteamAPI_SteamNetworkingIdentity_ToString(&id, s, sizeof s);
        printf("identity '%s' -> %d '%s' steamid=%llu\n", ids[i], ok, s,
               (unsigned long long)SteamAPI_SteamNetworkingIdentity_GetSteamID(&id));
    }
    SteamNetworkingIdentity id;
    SteamAPI_SteamNetworkingIdentity_Clear(&id);
    printf("generic string 32 chars: %d\n", SteamAPI_SteamNetworkingIdentity_SetGenericString(
                                                &id, "0123456789abcdef0123456789abcdef"));
    printf("generic bytes 32: %d\n", SteamAPI_SteamNetworkingIdentity_SetGenericBytes(
                                         &id, "0123456789abcdef0123456789abcdef", 32));
    int len = -7;
    const uint8 *b = SteamAPI_SteamNetworkingIdentity_GetGenericBytes(&id, DEREF(&len));
    printf("generic bytes back: %d len=%d\n", b != NULL, len);
    printf("xbox 33 chars: %d\n", SteamAPI_SteamNetworkingIdentity_SetXboxPairwiseID(
                                      &id, "0123456789abcdef0123456789abcdefX"));
    SteamAPI_SteamNetworkingIdentity_SetLocalHost(&id);
    printf("localhost identity is localhost: %d\n",
           SteamAPI_SteamNetworkingIdentity_IsLocalHost(&id));
}

/* --- config ----------------------------------------------------------------------------- */
static void print_value(const char *what, int id, int scope, intptr_t obj)
{
    ESteamNetworkingConfigDataType t = (ESteamNetworkingConfigDataType)0;
    char buf[256];
    size_t cb = sizeof buf;
    int r = SteamAPI_ISteamNetworkingUtils_GetConfigValue(
        U, (ESteamNetworkingConfigValue)id, (ESteamNetworkingConfigScope)scope, obj, &t, buf, &cb);
    printf("%s %d: r=%d type=%d cb=%d", what, id, r, (int)t, (int)cb);
    if (r > 0) {
        if (t == 1) printf(" i32=%d", *(int32 *)(void *)buf);
        if (t == 2) printf(" i64=%lld", (long long)*(int64 *)(void *)buf);
        if (t == 3) printf(" f=%g", (double)*(float *)(void *)buf);
        if (t == 4) printf(" s='%s'", buf);
        if (t == 5) printf(" p=%s", *(void **)(void *)buf ? "set" : "null");
    }
    printf("\n");
}

static void config(void)
{
    for (int dev = 0; dev < 2; dev++) {
        printf("iterate dev=%d:", dev);
        int id = 0;
        while ((id = SteamAPI_ISteamNetworkingUtils_IterateGenericEditableConfigValues(
                    U, (ESteamNetworkingConfigValue)id, dev != 0)) != 0)
            printf(" %d", id);
        printf("\n");
    }
    for (int id = 0; id <= 1000; id++) {
        ESteamNetworkingConfigDataType t = (ESteamNetworkingConfigDataType)0;
        ESteamNetworkingConfigScope sc = (ESteamNetworkingConfigScope)0;
        const char *name = SteamAPI_ISteamNetworkingUtils_GetConfigValueInfo(
            U, (ESteamNetworkingConfigValue)id, &t, &sc);
        if (!name) continue;
        printf("option %d %s type=%d scope=%d\n", id, name, (int)t, (int)sc);
        print_value("  global", id, 1, 0);
    }
    print_value("mtu data size", 33, 1, 0);
    print_value("unregistered", 18, 1, 0);
    print_value("relay callback", 203, 1, 0);
    float f = 2.6f;
    printf("set nagle float: %d\n",
           SteamAPI_ISteamNetworkingUtils_SetConfigValue(U, (ESteamNetworkingConfigValue)12,
                                                         (ESteamNetworkingConfigScope)1, 0,
                                                         (ESteamNetworkingConfigDataType)3, &f));
    print_value("  nagle", 12, 1, 0);
    printf("set nagle string: %d\n", SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValueString(
                                         U, (ESteamNetworkingConfigValue)12, "1234"));
    print_value("  nagle", 12, 1, 0);
    printf("set nagle big: %d\n", SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValueInt32(
                                      U, (ESteamNetworkingConfigValue)12, 999999));
    print_value("  nagle", 12, 1, 0);
    printf("reset nagle: %d\n",
           SteamAPI_ISteamNetworkingUtils_SetConfigValue(U, (ESteamNetworkingConfigValue)12,
                                                         (ESteamNetworkingConfigScope)1, 0,
                                                         (ESteamNetworkingConfigDataType)1, NULL));
    print_value("  nagle", 12, 1, 0);
    int64 big = 1ll << 40;
    printf("set int32 option from big int64: %d\n",
           SteamAPI_ISteamNetworkingUtils_SetConfigValue(U, (ESteamNetworkingConfigValue)12,
                                                         (ESteamNetworkingConfigScope)1, 0,
                                                         (ESteamNetworkingConfigDataType)2, &big));
    int32 five = 5;
    printf("set string option from int: %d\n",
           SteamAPI_ISteamNetworkingUtils_SetConfigValue(U, (ESteamNetworkingConfigValue)103,
                                                         (ESteamNetworkingConfigScope)1, 0,
                                                         (ESteamNetworkingConfigDataType)1, &five));
    print_value("  stun", 103, 1, 0);
    char small[1];
    size_t cb = 1;
    ESteamNetworkingConfigDataType t;
    printf("get too small: %d cb=%d\n",
           (int)SteamAPI_ISteamNetworkingUtils_GetConfigValue(U, (ESteamNetworkingConfigValue)103,
                                                              (ESteamNetworkingConfigScope)1, 0, &t,
                                                              small, &cb),
           (int)cb);
    SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValueString(U, (ESteamNetworkingConfigValue)103,
                                                              "");
    printf("set ptr option from int: %d\n",
           SteamAPI_ISteamNetworkingUtils_SetConfigValue(U, (ESteamNetworkingConfigValue)201,
                                                         (ESteamNetworkingConfigScope)1, 0,
                                                         (ESteamNetworkingConfigDataType)1, &five));
    printf("set global-only at connection scope: %d\n",
           SteamAPI_ISteamNetworkingUtils_SetConnectionConfigValueFloat(
               U, 1, (ESteamNetworkingConfigValue)2, 1.0f));
    printf("set unregistered: %d\n", SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValueInt32(
                                         U, (ESteamNetworkingConfigValue)18, 1));
    printf("set mtu data size: %d\n", SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValueInt32(
                                          U, (ESteamNetworkingConfigValue)33, 1000));
    printf(
        "relay callback: %d\n",
        SteamAPI_ISteamNetworkingUtils_SetGlobalCallback_SteamRelayNetworkStatusChanged(U, NULL));
    SteamNetworkingConfigValue_t cv;
    CV_SET_PTR(cv, (ESteamNetworkingConfigValue)201, NULL);
    printf("set struct: %d\n", SteamAPI_ISteamNetworkingUtils_SetConfigValueStruct(
                                   U, REF(cv), (ESteamNetworkingConfigScope)1, 0));
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    which_library();
    g_port = 20000 + (int)(getpid() % 20000);
    U = SteamAPI_SteamNetworkingUtils_v003();
    printf("sockets before init: %s, utils: %s\n",
           SteamAPI_SteamNetworkingSockets_v009() ? "set" : "null", U ? "set" : "null");
    strings();
    config();

    SteamNetworkingErrMsg err;
    if (!GameNetworkingSockets_Init(NULL, err)) {
        printf("init failed: %s\n", err);
        return 1;
    }
    S = SteamAPI_SteamNetworkingSockets_v009();
    printf("sockets after init: %s\n", S ? "set" : "null");
    SteamNetworkingIdentity me;
    bool ok = SteamAPI_ISteamNetworkingSockets_GetIdentity(S, &me);
    char s[128];
    SteamAPI_SteamNetworkingIdentity_ToString(&me, s, sizeof s);
    printf("identity: %d %s\n", ok, s);
    printf("init auth: %d\n", (int)SteamAPI_ISteamNetworkingSockets_InitAuthentication(S));
    SteamNetAuthenticationStatus_t as;
    printf("auth status: %d",
           (int)SteamAPI_ISteamNetworkingSockets_GetAuthenticationStatus(S, &as));
    printf(" '%s'\n", as.m_debugMsg);
    print_value("instance nagle", 12, 2, (intptr_t)S);
    /* (GNS dereferences a bad SocketsInterface scope object: not asked) */
    print_value("instance global-only", 2, 2, (intptr_t)S);
    print_value("conn bad handle", 12, 4, 12345);
    printf("global status callback: %d\n",
           SteamAPI_ISteamNetworkingUtils_SetGlobalCallback_SteamNetConnectionStatusChanged(
               U, on_status));

    /* bad handles */
    printf(
        "bad: accept=%d close=%d closels=%d setud=%d getud=%lld getname=%d send=%d flush=%d "
        "recv=%d "
        "info=%d rts=%d detail=%d lsaddr=%d lanes=%d destroypg=%d setpg=%d recvpg=%d\n",
        (int)SteamAPI_ISteamNetworkingSockets_AcceptConnection(S, 12345),
        SteamAPI_ISteamNetworkingSockets_CloseConnection(S, 12345, 0, NULL, false),
        SteamAPI_ISteamNetworkingSockets_CloseListenSocket(S, 12345),
        SteamAPI_ISteamNetworkingSockets_SetConnectionUserData(S, 12345, 1),
        (long long)SteamAPI_ISteamNetworkingSockets_GetConnectionUserData(S, 12345),
        SteamAPI_ISteamNetworkingSockets_GetConnectionName(S, 12345, s, sizeof s),
        (int)SteamAPI_ISteamNetworkingSockets_SendMessageToConnection(S, 12345, "x", 1, 8, NULL),
        (int)SteamAPI_ISteamNetworkingSockets_FlushMessagesOnConnection(S, 12345),
        SteamAPI_ISteamNetworkingSockets_ReceiveMessagesOnConnection(S, 12345, NULL, 0),
        SteamAPI_ISteamNetworkingSockets_GetConnectionInfo(S, 12345, NULL),
        (int)SteamAPI_ISteamNetworkingSockets_GetConnectionRealTimeStatus(S, 12345, NULL, 0, NULL),
        SteamAPI_ISteamNetworkingSockets_GetDetailedConnectionStatus(S, 12345, NULL, 0),
        SteamAPI_ISteamNetworkingSockets_GetListenSocketAddress(S, 12345, NULL),
        (int)SteamAPI_ISteamNetworkingSockets_ConfigureConnectionLanes(S, 12345, 2, NULL, NULL),
        SteamAPI_ISteamNetworkingSockets_DestroyPollGroup(S, 12345),
        SteamAPI_ISteamNetworkingSockets_SetConnectionPollGroup(S, 12345, 0),
        SteamAPI_ISteamNetworkingSockets_ReceiveMessagesOnPollGroup(S, 12345, NULL, 0));
    /* (CreateListenSocketP2P works in GNS; tern has no P2P yet: not compared) */
    printf("p2p: connect=%u cert=%d\n",
           SteamAPI_ISteamNetworkingSockets_ConnectP2P(S, REF(me), 0, 0, NULL),
           SteamAPI_ISteamNetworkingSockets_SetCertificate(S, "x", 1, err));

    /* --- a pipe pair --- */
    HSteamNetConnection c1 = 99, c2 = 99;
    ok = SteamAPI_ISteamNetworkingSockets_CreateSocketPair(S, &c1, &c2, false, NULL, NULL);
    hide(c1);
    hide(c2);
    g_role_conn[0] = c1;
    g_role_conn[2] = c2;
    printf("pair: %d distinct=%d\n", ok, c1 && c2 && c1 != c2);
    print_info("pipe1", c1);
    printf("userdata default %lld",
           (long long)SteamAPI_ISteamNetworkingSockets_GetConnectionUserData(S, c1));
    printf(", set %d", SteamAPI_ISteamNetworkingSockets_SetConnectionUserData(S, c1, 42));
    printf(", now %lld\n",
           (long long)SteamAPI_ISteamNetworkingSockets_GetConnectionUserData(S, c1));
    SteamAPI_ISteamNetworkingSockets_SetConnectionName(S, c1, "myname");
    char name[4];
    ok = SteamAPI_ISteamNetworkingSockets_GetConnectionName(S, c1, name, sizeof name);
    printf("name: %d '%s'\n", ok, name);
    print_info("pipe1 named", c1);
    int64 num[4] = {0, 0, 0, 0};
    printf("send: %d", (int)SteamAPI_ISteamNetworkingSockets_SendMessageToConnection(
                           S, c1, "one", 3, 8, &num[0]));
    printf(" %d", (int)SteamAPI_ISteamNetworkingSockets_SendMessageToConnection(S, c1, "two", 3, 0,
                                                                                &num[1]));
    printf(" %d\n", (int)SteamAPI_ISteamNetworkingSockets_SendMessageToConnection(S, c1, "three", 5,
                                                                                  9, &num[2]));
    printf("numbers: %lld %lld %lld\n", (long long)num[0], (long long)num[1], (long long)num[2]);
    msg_t *m[16];
    int n = recv_some(c2, m, 16, 3);
    printf("received %d\n", n);
    print_msgs(m, n, c2);
    SteamNetConnectionRealTimeStatus_t st;
    SteamNetConnectionRealTimeLaneStatus_t lanes[4];
    printf("rts: %d",
           (int)SteamAPI_ISteamNetworkingSockets_GetConnectionRealTimeStatus(S, c1, &st, 0, NULL));
    printf(" state=%d\n", ST_STATE(st));
    printf("rts lanes NULL n=1: %d\n",
           (int)SteamAPI_ISteamNetworkingSockets_GetConnectionRealTimeStatus(S, c1, &st, 1, NULL));
    printf("rts lanes 2 of 1: %d\n",
           (int)SteamAPI_ISteamNetworkingSockets_GetConnectionRealTimeStatus(S, c1, &st, 2, lanes));
    printf("lanes 0: %d\n",
           (int)SteamAPI_ISteamNetworkingSockets_ConfigureConnectionLanes(S, c1, 0, NULL, NULL));
    uint16 w[2] = {1, 0};
    printf("lanes weight 0: %d\n",
           (int)SteamAPI_ISteamNetworkingSockets_ConfigureConnectionLanes(S, c1, 2, NULL, w));
    printf("lanes 2: %d\n",
           (int)SteamAPI_ISteamNetworkingSockets_ConfigureConnectionLanes(S, c1, 2, NULL, NULL));
    printf("detailed NULL: %s\n",
           SteamAPI_ISteamNetworkingSockets_GetDetailedConnectionStatus(S, c1, NULL, 0) > 1024
               ? ">1024"
               : "small");
    printf("flush: %d\n", (int)SteamAPI_ISteamNetworkingSockets_FlushMessagesOnConnection(S, c1));

    /* SendMessages: GNS's ordering and failure rules */
    msg_t *batch[7];
    const char *texts[7] = {"b0", "b1", "b2", "b3", "b4", "b5", "b6"};
    unsigned to[7] = {c1, 0, 0, 12345, 12345, c1, c2};
    for (int i = 0; i < 7; i++) {
        if (i == 1) {
            batch[i] = NULL;
            continue;
        }
        batch[i] = SteamAPI_ISteamNetworkingUtils_AllocateMessage(U, 2);
        memcpy(M_DATA(batch[i]), texts[i], 2);
        M_CONN(batch[i]) = to[i];
        M_FLAGS(batch[i]) = 8;
        M_LANE(batch[i]) = i == 5 ? 1 : 0;
    }
    printf("allocated: chan=%d num=%lld\n", M_CHAN(batch[0]), (long long)M_NUM(batch[0]));
    int64 res[7];
    SteamAPI_ISteamNetworkingSockets_SendMessages(S, 7, batch, res, false);
    printf("sendmessages:");
    for (int i = 0; i < 7; i++) printf(" %s%lld", batch[i] ? "kept:" : "", (long long)res[i]);
    printf("\n");
    for (int i = 0; i < 7; i++)
        if (batch[i]) SteamAPI_SteamNetworkingMessage_t_Release(batch[i]);
    n = recv_some(c2, m, 16, 2);
    printf("received %d\n", n);
    print_msgs(m, n, c2);
    n = recv_some(c1, m, 16, 1);
    printf("received %d\n", n);
    print_msgs(m, n, c1);

    /* poll group */
    HSteamNetPollGroup pg = SteamAPI_ISteamNetworkingSockets_CreatePollGroup(S);
    printf("pollgroup: %s\n", pg ? "ok" : "0");
    SteamAPI_ISteamNetworkingSockets_SendMessageToConnection(S, c1, "pg", 2, 8, NULL);
    sleep_ms(50);
    printf("set pg: %d", SteamAPI_ISteamNetworkingSockets_SetConnectionPollGroup(S, c2, pg));
    printf(", bad pg: %d\n", SteamAPI_ISteamNetworkingSockets_SetConnectionPollGroup(S, c2, 12345));
    n = 0;
    for (int i = 0; i < 100 && n == 0; i++) {
        n = SteamAPI_ISteamNetworkingSockets_ReceiveMessagesOnPollGroup(S, pg, m, 16);
        if (!n) sleep_ms(10);
    }
    printf("pg received %d\n", n);
    print_msgs(m, n, c2);
    printf("destroy pg: %d\n", SteamAPI_ISteamNetworkingSockets_DestroyPollGroup(S, pg));

    /* close one end */
    printf("close pipe1: %d\n",
           SteamAPI_ISteamNetworkingSockets_CloseConnection(S, c1, 0, NULL, false));
    wait_for(2, 4);
    flush_log(0, "pipe1");
    flush_log(2, "pipe2");
    print_info("pipe2 after peer close", c2);
    printf("send on closed: %d\n",
           (int)SteamAPI_ISteamNetworkingSockets_SendMessageToConnection(S, c2, "x", 1, 8, NULL));
    printf("close pipe2: %d\n",
           SteamAPI_ISteamNetworkingSockets_CloseConnection(S, c2, 5555, "odd", false));
    SteamAPI_ISteamNetworkingSockets_RunCallbacks(S);
    flush_log(2, "pipe2");

    /* --- UDP over loopback --- */
    memset(g_log, 0, sizeof g_log);
    memset(g_role_conn, 0, sizeof g_role_conn);
    memset(g_last_state, 0, sizeof g_last_state);
    SteamNetworkingIPAddr bind;
    SteamAPI_SteamNetworkingIPAddr_Clear(&bind);
    printf("listen port 0: %u\n",
           SteamAPI_ISteamNetworkingSockets_CreateListenSocketIP(S, REF(bind), 0, NULL));
    ADDR_PORT(bind) = (uint16)g_port;
    SteamNetworkingConfigValue_t bad;
    CV_SET_F(bad, 2, 1.0f);
    printf("listen with global-only option: %u\n",
           SteamAPI_ISteamNetworkingSockets_CreateListenSocketIP(S, REF(bind), 1, &bad));
    SteamNetworkingConfigValue_t lopts[2];
    CV_SET_I32(lopts[0], 13, 6);
    CV_SET_I32(lopts[1], 12, 1000);
    HSteamListenSocket ls =
        SteamAPI_ISteamNetworkingSockets_CreateListenSocketIP(S, REF(bind), 2, lopts);
    printf("listen: %s\n", ls ? "ok" : "0");
    hide(ls);
    print_value("listen loglevel", 13, 3, ls);
    print_value("listen nagle", 12, 3, ls);
    print_value("listen sendbuf", 9, 3, ls);
    SteamNetworkingIPAddr got;
    ok = SteamAPI_ISteamNetworkingSockets_GetListenSocketAddress(S, ls, &got);
    SteamAPI_SteamNetworkingIPAddr_ToString(&got, s, 48, true);
    printf("listen address: %d %s\n", ok, norm(s));
    SteamNetworkingIPAddr to_addr;
    SteamAPI_SteamNetworkingIPAddr_SetIPv4(&to_addr, 0x7f000001, (uint16)g_port);
    HSteamNetConnection cli =
        SteamAPI_ISteamNetworkingSockets_ConnectByIPAddress(S, REF(to_addr), 0, NULL);
    g_role_conn[0] = cli;
    hide(cli);
    printf("connect: %s\n", cli ? "ok" : "0");
    print_value("conn nagle (global)", 12, 4, cli);
    print_value("conn user data", 40, 4, cli);
    if (!wait_for(0, 3) || !wait_for(1, 3)) printf("connect timed out\n");
    flush_log(0, "client");
    flush_log(1, "server");
    HSteamNetConnection srv = g_role_conn[1];
    print_info("client", cli);
    print_info("server", srv);
    print_value("server conn nagle (listen)", 12, 4, srv);
    printf("udp lanes 2: %d\n",
           (int)SteamAPI_ISteamNetworkingSockets_ConfigureConnectionLanes(S, cli, 2, NULL, NULL));
    printf("udp lanes 1 after 2: %d\n",
           (int)SteamAPI_ISteamNetworkingSockets_ConfigureConnectionLanes(S, cli, 1, NULL, NULL));
    printf(
        "udp rts lanes 2 of 2: %d\n",
        (int)SteamAPI_ISteamNetworkingSockets_GetConnectionRealTimeStatus(S, cli, &st, 2, lanes));
    printf(
        "udp rts lanes 3 of 2: %d\n",
        (int)SteamAPI_ISteamNetworkingSockets_GetConnectionRealTimeStatus(S, cli, &st, 3, lanes));
    printf("udp rts state=%d\n", ST_STATE(st));
    void *big = calloc(1, 524289);
    printf("send too big: %d\n", (int)SteamAPI_ISteamNetworkingSockets_SendMessageToConnection(
                                     S, cli, big, 524289, 8, NULL));
    free(big);
    printf("send c->s: %d", (int)SteamAPI_ISteamNetworkingSockets_SendMessageToConnection(
                                S, cli, "hello server", 12, 8, NULL));
    printf(", s->c: %d\n", (int)SteamAPI_ISteamNetworkingSockets_SendMessageToConnection(
                               S, srv, "hello client", 12, 9, NULL));
    n = recv_some(srv, m, 16, 1);
    printf("server received %d\n", n);
    print_msgs(m, n, srv);
    n = recv_some(cli, m, 16, 1);
    printf("client received %d\n", n);
    print_msgs(m, n, cli);
    printf("close client: %d\n",
           SteamAPI_ISteamNetworkingSockets_CloseConnection(S, cli, 1234, "bye now", false));
    if (!wait_for(1, 4)) printf("close timed out\n");
    flush_log(0, "client");
    flush_log(1, "server");
    printf("close server: %d\n",
           SteamAPI_ISteamNetworkingSockets_CloseConnection(S, srv, 0, NULL, false));
    printf("close listen: %d", SteamAPI_ISteamNetworkingSockets_CloseListenSocket(S, ls));
    printf(", again: %d\n", SteamAPI_ISteamNetworkingSockets_CloseListenSocket(S, ls));
    GameNetworkingSockets_Kill();
    printf("sockets after kill: %s\n", SteamAPI_SteamNetworkingSockets_v009() ? "set" : "null");

    /* Manual polling: chosen before Init, then switched off and on again on
     * the live instance. Nothing happens unless Poll is called. */
    SteamNetworkingSockets_SetManualPollMode(true);
    printf("init manual: %d\n", GameNetworkingSockets_Init(NULL, err));
    S = SteamAPI_SteamNetworkingSockets_v009();
    memset(g_log, 0, sizeof g_log);
    memset(g_role_conn, 0, sizeof g_role_conn);
    memset(g_last_state, 0, sizeof g_last_state);
    ls = SteamAPI_ISteamNetworkingSockets_CreateListenSocketIP(S, REF(bind), 0, NULL);
    cli = SteamAPI_ISteamNetworkingSockets_ConnectByIPAddress(S, REF(to_addr), 0, NULL);
    g_role_conn[0] = cli;
    hide(cli);
    for (int i = 0; i < 500 && !(g_last_state[0] == 3 && g_last_state[1] == 3); i++) {
        SteamNetworkingSockets_Poll(10);
        SteamAPI_ISteamNetworkingSockets_RunCallbacks(S);
    }
    flush_log(0, "manual client");
    flush_log(1, "manual server");
    SteamNetworkingSockets_SetManualPollMode(false); /* the service thread again */
    printf("send: %d\n", (int)SteamAPI_ISteamNetworkingSockets_SendMessageToConnection(
                             S, cli, "auto", 4, 8, NULL));
    n = recv_some(g_role_conn[1], m, 16, 1);
    printf("received with the service thread: %d\n", n);
    print_msgs(m, n, g_role_conn[1]);
    SteamNetworkingSockets_SetManualPollMode(true); /* and stopped again */
    printf("send: %d\n", (int)SteamAPI_ISteamNetworkingSockets_SendMessageToConnection(
                             S, g_role_conn[1], "manual", 6, 8, NULL));
    n = 0;
    for (int i = 0; i < 500 && n == 0; i++) {
        SteamNetworkingSockets_Poll(10);
        n = SteamAPI_ISteamNetworkingSockets_ReceiveMessagesOnConnection(S, cli, m, 16);
    }
    printf("received polling by hand: %d\n", n);
    print_msgs(m, n, cli);
    GameNetworkingSockets_Kill();
    SteamNetworkingSockets_SetManualPollMode(false);
    return 0;
}
