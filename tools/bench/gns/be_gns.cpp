/* The GNS-API backend (bench-gns): written against GNS's flat API
 * (steamnetworkingsockets_flat.h), which is C linkage but C++-only as a
 * header, so this one file is compiled as C++ while using only the flat
 * functions. It links libGameNetworkingSockets.so and runs unchanged on
 * GNS's own library or on tern's compat library (LD_LIBRARY_PATH picks).
 *
 * GNS has no descriptor or call to sleep on until a message arrives, so
 * when idle the harness polls every 50 us (RunCallbacks + receive).
 * Variants: "" (GNS defaults: SendRateMin/Max 256 KiB/s) and "fast"
 * (SendRateMin = SendRateMax = 256 MiB/s, GNS's documented way to go fast
 * on a link you know). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <steam/steamnetworkingsockets.h>
#include <steam/steamnetworkingsockets_flat.h>

#include "bench.h"

extern "C" {
const char be_name[] = "gns";
const char be_variants[] = "(default: GNS defaults), fast (SendRateMin/Max 256 MiB/s)";
}

struct be {
    bench_cb cb;
    be_opts o;
    ISteamNetworkingSockets *s;
    ISteamNetworkingUtils *u;
    HSteamNetPollGroup group;
    int delivered;
};

static be *g_be; /* GNS is one instance per process; so is this */

extern "C" int be_max_conns(const be_opts *o)
{
    (void)o;
    return 1 << 20;
}

extern "C" int be_extra_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return -1;
}

static void on_debug(ESteamNetworkingSocketsDebugOutputType type, const char *msg)
{
    fprintf(stderr, "gns[%d]: %s\n", (int)type, msg);
}

static void on_status(SteamNetConnectionStatusChangedCallback_t *ev)
{
    be *b = g_be;
    if (!b) return;
    HSteamNetConnection c = ev->m_hConn;
    switch (ev->m_info.m_eState) {
    case k_ESteamNetworkingConnectionState_Connecting:
        if (ev->m_info.m_hListenSocket &&
            ev->m_eOldState == k_ESteamNetworkingConnectionState_None) {
            if (SteamAPI_ISteamNetworkingSockets_AcceptConnection(b->s, c) != k_EResultOK) {
                SteamAPI_ISteamNetworkingSockets_CloseConnection(b->s, c, 0, NULL, false);
                break;
            }
            SteamAPI_ISteamNetworkingSockets_SetConnectionPollGroup(b->s, c, b->group);
        }
        break;
    case k_ESteamNetworkingConnectionState_Connected:
        if (!ev->m_info.m_hListenSocket && b->o.lanes > 1)
            SteamAPI_ISteamNetworkingSockets_ConfigureConnectionLanes(b->s, c, b->o.lanes, NULL,
                                                                      NULL);
        b->delivered++;
        b->cb.connected(b->cb.u, c);
        break;
    case k_ESteamNetworkingConnectionState_ClosedByPeer:
    case k_ESteamNetworkingConnectionState_ProblemDetectedLocally:
        SteamAPI_ISteamNetworkingSockets_CloseConnection(b->s, c, 0, NULL, false);
        if (ev->m_eOldState == k_ESteamNetworkingConnectionState_Connected ||
            ev->m_eOldState == k_ESteamNetworkingConnectionState_Connecting) {
            b->delivered++;
            b->cb.closed(b->cb.u, c);
        }
        break;
    default:
        break;
    }
}

extern "C" be *be_new(const bench_cb *cb, const be_opts *o)
{
    SteamNetworkingErrMsg err;
    if (!GameNetworkingSockets_Init(NULL, err)) {
        fprintf(stderr, "bench-gns: GameNetworkingSockets_Init: %s\n", err);
        return NULL;
    }
    be *b = (be *)calloc(1, sizeof *b);
    if (!b) return NULL;
    b->cb = *cb;
    b->o = *o;
    b->s = SteamAPI_SteamNetworkingSockets_v009();
    b->u = SteamAPI_SteamNetworkingUtils_v003();
    g_be = b;
    SteamAPI_ISteamNetworkingUtils_SetDebugOutputFunction(
        b->u, k_ESteamNetworkingSocketsDebugOutputType_Error, on_debug);
    SteamAPI_ISteamNetworkingUtils_SetGlobalCallback_SteamNetConnectionStatusChanged(b->u,
                                                                                     on_status);
    SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValueInt32(
        b->u, k_ESteamNetworkingConfig_IP_AllowWithoutAuth, 1);
    if (o->variant && !strcmp(o->variant, "fast")) {
        SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValueInt32(
            b->u, k_ESteamNetworkingConfig_SendRateMin, 256 << 20);
        SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValueInt32(
            b->u, k_ESteamNetworkingConfig_SendRateMax, 256 << 20);
    }
    b->group = SteamAPI_ISteamNetworkingSockets_CreatePollGroup(b->s);
    return b;
}

extern "C" void be_del(be *b)
{
    if (!b) return;
    g_be = NULL;
    GameNetworkingSockets_Kill();
    free(b);
}

extern "C" int be_listen(be *b, int port)
{
    SteamNetworkingIPAddr a;
    SteamAPI_SteamNetworkingIPAddr_Clear(&a);
    a.m_port = (uint16)port;
    if (SteamAPI_ISteamNetworkingSockets_CreateListenSocketIP(b->s, a, 0, NULL) ==
        k_HSteamListenSocket_Invalid) {
        fprintf(stderr, "bench-gns: cannot listen on %d\n", port);
        return -1;
    }
    return 0;
}

extern "C" int be_connect(be *b, const char *host, int port, uint64_t *conn)
{
    char text[128];
    snprintf(text, sizeof text, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
    SteamNetworkingIPAddr a;
    if (!SteamAPI_SteamNetworkingIPAddr_ParseString(&a, text)) return -1;
    HSteamNetConnection c = SteamAPI_ISteamNetworkingSockets_ConnectByIPAddress(b->s, a, 0, NULL);
    if (c == k_HSteamNetConnection_Invalid) return -1;
    SteamAPI_ISteamNetworkingSockets_SetConnectionPollGroup(b->s, c, b->group);
    *conn = c;
    return 0;
}

extern "C" int be_send(be *b, uint64_t conn, int lane, const void *data, uint32_t len, int flags)
{
    int f = (flags & BE_RELIABLE ? k_nSteamNetworkingSend_Reliable
                                 : k_nSteamNetworkingSend_Unreliable) |
            (flags & BE_NOW ? k_nSteamNetworkingSend_NoNagle : 0);
    EResult r;
    if (lane == 0) {
        r = SteamAPI_ISteamNetworkingSockets_SendMessageToConnection(
            b->s, (HSteamNetConnection)conn, data, len, f, NULL);
    } else {
        SteamNetworkingMessage_t *m =
            SteamAPI_ISteamNetworkingUtils_AllocateMessage(b->u, (int)len);
        if (!m) return BE_ERR;
        memcpy(m->m_pData, data, len);
        m->m_conn = (HSteamNetConnection)conn;
        m->m_nFlags = f;
        m->m_idxLane = (uint16)lane;
        int64 res;
        SteamAPI_ISteamNetworkingSockets_SendMessages(b->s, 1, &m, &res, true);
        r = res > 0 ? k_EResultOK : (EResult)-res;
    }
    if (r == k_EResultOK) return BE_OK;
    if (r == k_EResultLimitExceeded) return BE_FULL;
    return BE_ERR;
}

extern "C" void be_flush(be *b, uint64_t conn)
{
    SteamAPI_ISteamNetworkingSockets_FlushMessagesOnConnection(b->s, (HSteamNetConnection)conn);
}

extern "C" void be_close(be *b, uint64_t conn)
{
    SteamAPI_ISteamNetworkingSockets_CloseConnection(b->s, (HSteamNetConnection)conn, 0, NULL,
                                                     false);
}

static void deliver(be *b)
{
    SteamAPI_ISteamNetworkingSockets_RunCallbacks(b->s);
    SteamNetworkingMessage_t *m[256];
    int n;
    while ((n = SteamAPI_ISteamNetworkingSockets_ReceiveMessagesOnPollGroup(b->s, b->group, m,
                                                                            256)) > 0) {
        for (int i = 0; i < n; i++) {
            b->cb.message(b->cb.u, m[i]->m_conn, (const uint8_t *)m[i]->m_pData,
                          (uint32_t)m[i]->m_cbSize);
            SteamAPI_SteamNetworkingMessage_t_Release(m[i]);
        }
        b->delivered += n;
        if (n < 256) break;
    }
}

extern "C" void be_poll(be *b, int64_t timeout_us)
{
    b->delivered = 0;
    deliver(b);
    if (b->delivered || timeout_us <= 0) return;
    int64_t end = bench_now_us() + timeout_us;
    for (;;) {
        int64_t left = end - bench_now_us();
        if (left <= 0) break;
        bench_sleep_us(left < 50 ? left : 50);
        deliver(b);
        if (b->delivered) break;
    }
}
