/* ISteamNetworkingSockets (API.md §3): one C function per method, used both
 * as the flat export and as the vtable entry (vtables.c). |self| is ignored:
 * there is one instance, and GNS's flat functions accept any of the
 * accessors' pointers. Results map tern's codes back to what GNS answers
 * for that function. */
#include <stdlib.h>
#include <string.h>

#include "api/sockets.h"
#include "compat.h"

#define S_ ISteamNetworkingSockets *self

/* tern's result as GNS's EResult for a call whose bad-handle answer is
 * |bad_handle|. */
static EResult gns_result(tern_result r, EResult bad_handle)
{
    switch (r) {
    case TERN_BAD_HANDLE:
        return bad_handle;
    case TERN_MSG_TOO_BIG:
    case TERN_INVALID_PARAM:
        return GNS_RESULT_INVALID_PARAM;
    default:
        return (int)r < 1000 ? (EResult)r : GNS_RESULT_FAIL;
    }
}

static bool conn_exists(tern_sockets *s, HSteamNetConnection h)
{
    tern_api_lock(s);
    bool ok = tern_inst_conn(&s->core, h) != NULL;
    tern_api_unlock(s);
    return ok;
}

/* Listen or connect with GNS's rules for creation options. */
static uint32_t create(int level, const SteamNetworkingIPAddr *addr, int nOptions,
                       const SteamNetworkingConfigValue_t *pOptions)
{
    tern_sockets *s = tern_gns_inst();
    if (!s || !addr || nOptions < 0 || (nOptions && !pOptions)) return 0;
    SteamNetworkingConfigValue_t stack[16];
    SteamNetworkingConfigValue_t *native = stack;
    if (nOptions > 16 && !(native = malloc(sizeof *native * (size_t)nOptions))) return 0;
    uint32_t h = 0;
    int nn = 0;
    if (tern_gns_check_opts(level, nOptions, pOptions, native, &nn)) {
        tern_result r = level == TERN_CFGS_LISTEN ? tern_listen_ip(s, addr, nn, native, &h)
                                                  : tern_connect_ip(s, addr, nn, native, &h);
        if (r != TERN_OK)
            h = 0;
        else
            tern_gns_apply_later(level, h, nOptions, pOptions);
    }
    if (native != stack) free(native);
    return h;
}

GNS_API HSteamListenSocket SteamAPI_ISteamNetworkingSockets_CreateListenSocketIP(
    S_, const SteamNetworkingIPAddr *localAddress, int nOptions,
    const SteamNetworkingConfigValue_t *pOptions)
{
    (void)self;
    return create(TERN_CFGS_LISTEN, localAddress, nOptions, pOptions);
}

GNS_API HSteamNetConnection SteamAPI_ISteamNetworkingSockets_ConnectByIPAddress(
    S_, const SteamNetworkingIPAddr *address, int nOptions,
    const SteamNetworkingConfigValue_t *pOptions)
{
    (void)self;
    return create(TERN_CFGS_CONN, address, nOptions, pOptions);
}

GNS_API EResult SteamAPI_ISteamNetworkingSockets_AcceptConnection(S_, HSteamNetConnection hConn)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    if (!s) return GNS_RESULT_INVALID_PARAM;
    /* GNS checks the state before who initiated the connection: accepting
     * one of ours that is no longer Connecting is InvalidState, not
     * InvalidParam (src/conn/server.c checks in the other order). */
    tern_api_lock(s);
    tern_conn *c = tern_inst_conn(&s->core, hConn);
    bool wrong_state = c && c->state != TERN_CS_CONNECTING;
    tern_api_unlock(s);
    if (wrong_state) return GNS_RESULT_INVALID_STATE;
    return gns_result(tern_accept(s, hConn), GNS_RESULT_INVALID_PARAM);
}

GNS_API bool SteamAPI_ISteamNetworkingSockets_CloseConnection(S_, HSteamNetConnection hPeer,
                                                              int nReason, const char *pszDebug,
                                                              bool bEnableLinger)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    return s && tern_close(s, hPeer, nReason, pszDebug, bEnableLinger) == TERN_OK;
}

GNS_API bool SteamAPI_ISteamNetworkingSockets_CloseListenSocket(S_, HSteamListenSocket hSocket)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    return s && tern_listen_close(s, hSocket) == TERN_OK;
}

GNS_API bool SteamAPI_ISteamNetworkingSockets_SetConnectionUserData(S_, HSteamNetConnection hPeer,
                                                                    int64_t nUserData)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    return s && tern_set_user_data(s, hPeer, nUserData) == TERN_OK;
}

GNS_API int64_t SteamAPI_ISteamNetworkingSockets_GetConnectionUserData(S_,
                                                                       HSteamNetConnection hPeer)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    return s ? tern_get_user_data(s, hPeer) : -1;
}

GNS_API void SteamAPI_ISteamNetworkingSockets_SetConnectionName(S_, HSteamNetConnection hPeer,
                                                                const char *pszName)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    if (s) tern_set_name(s, hPeer, pszName);
}

GNS_API bool SteamAPI_ISteamNetworkingSockets_GetConnectionName(S_, HSteamNetConnection hPeer,
                                                                char *pszName, int nMaxLen)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    if (!s) return false;
    if (!pszName || nMaxLen <= 0) return conn_exists(s, hPeer);
    return tern_get_name(s, hPeer, pszName, (size_t)nMaxLen) == TERN_OK;
}

GNS_API EResult SteamAPI_ISteamNetworkingSockets_SendMessageToConnection(
    S_, HSteamNetConnection hConn, const void *pData, uint32_t cbData, int nSendFlags,
    int64_t *pOutMessageNumber)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    if (!s) return GNS_RESULT_INVALID_PARAM;
    return gns_result(tern_send(s, hConn, pData, cbData, nSendFlags, pOutMessageNumber),
                      GNS_RESULT_INVALID_PARAM);
}

/* API.md §3 #13, GNS's exact rules: results per slot; NULL entries and
 * connection 0 give -InvalidParam; messages go out grouped by connection
 * in ascending handle order, keeping their order within a connection;
 * after a failure on a connection its later messages are not attempted
 * (result 0); sent entries are NULLed when the caller keeps failures. */
typedef struct sort_ent {
    uint32_t conn;
    int idx;
} sort_ent;

static int sort_cmp(const void *a, const void *b)
{
    const sort_ent *x = a, *y = b;
    if (x->conn != y->conn) return x->conn < y->conn ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

GNS_API void SteamAPI_ISteamNetworkingSockets_SendMessages(S_, int nMessages,
                                                           SteamNetworkingMessage_t **pMessages,
                                                           int64_t *pOut, bool bDeleteFailed)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    if (nMessages <= 0 || !pMessages) return;
    sort_ent stack[64];
    sort_ent *ents = stack;
    if (nMessages > 64 && !(ents = malloc(sizeof *ents * (size_t)nMessages))) {
        /* GNS would not fail here; the closest honest answer is Fail. */
        for (int i = 0; i < nMessages; i++) {
            if (pOut) pOut[i] = -GNS_RESULT_FAIL;
            if (bDeleteFailed && pMessages[i]) tern_message_release(pMessages[i]);
        }
        return;
    }
    int n = 0;
    for (int i = 0; i < nMessages; i++) {
        SteamNetworkingMessage_t *m = pMessages[i];
        if (!m || m->conn == 0) {
            if (pOut) pOut[i] = -GNS_RESULT_INVALID_PARAM;
            if (m && bDeleteFailed) tern_message_release(m);
            continue;
        }
        ents[n].conn = m->conn;
        ents[n].idx = i;
        n++;
    }
    qsort(ents, (size_t)n, sizeof *ents, sort_cmp);
    uint32_t cur = 0;
    bool failed = false;
    for (int k = 0; k < n; k++) {
        int idx = ents[k].idx;
        SteamNetworkingMessage_t *m = pMessages[idx];
        if (ents[k].conn != cur) {
            cur = ents[k].conn;
            failed = false;
        }
        int64_t result = 0;
        if (!failed) {
            int64_t num = 0;
            tern_result r = s ? tern_send_lane(s, m->conn, m->lane, m->data,
                                               m->size < 0 ? 0 : (uint32_t)m->size, m->flags, &num)
                              : TERN_BAD_HANDLE;
            result = r == TERN_OK ? num : -(int64_t)gns_result(r, GNS_RESULT_INVALID_PARAM);
        }
        if (result > 0) {
            /* tern copied the payload: the message is done with. */
            tern_message_release(m);
            if (!bDeleteFailed) pMessages[idx] = NULL;
        } else {
            failed = true;
            if (bDeleteFailed) tern_message_release(m);
        }
        if (pOut) pOut[idx] = result;
    }
    if (ents != stack) free(ents);
}

GNS_API EResult
SteamAPI_ISteamNetworkingSockets_FlushMessagesOnConnection(S_, HSteamNetConnection hConn)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    if (!s) return GNS_RESULT_INVALID_PARAM;
    return gns_result(tern_flush(s, hConn), GNS_RESULT_INVALID_PARAM);
}

GNS_API int SteamAPI_ISteamNetworkingSockets_ReceiveMessagesOnConnection(
    S_, HSteamNetConnection hConn, SteamNetworkingMessage_t **ppOutMessages, int nMaxMessages)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    if (!s) return -1;
    int n = tern_receive(s, hConn, ppOutMessages, nMaxMessages < 0 ? 0 : nMaxMessages);
    return n < 0 ? -1 : n;
}

GNS_API bool SteamAPI_ISteamNetworkingSockets_GetConnectionInfo(S_, HSteamNetConnection hConn,
                                                                SteamNetConnectionInfo_t *pInfo)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    SteamNetConnectionInfo_t tmp;
    return s && tern_get_info(s, hConn, pInfo ? pInfo : &tmp) == TERN_OK;
}

GNS_API EResult SteamAPI_ISteamNetworkingSockets_GetConnectionRealTimeStatus(
    S_, HSteamNetConnection hConn, SteamNetConnectionRealTimeStatus_t *pStats, int nLanes,
    SteamNetConnectionRealTimeLaneStatus_t *pLanes)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    if (!s) return GNS_RESULT_NO_CONNECTION;
    if (!pLanes && nLanes != 0)
        return conn_exists(s, hConn) ? GNS_RESULT_INVALID_PARAM : GNS_RESULT_NO_CONNECTION;
    return gns_result(tern_get_status(s, hConn, pStats, nLanes, pLanes), GNS_RESULT_NO_CONNECTION);
}

GNS_API bool SteamAPI_ISteamNetworkingSockets_GetQuickConnectionStatus(
    S_, HSteamNetConnection hConn, SteamNetConnectionRealTimeStatus_t *pStats)
{
    return SteamAPI_ISteamNetworkingSockets_GetConnectionRealTimeStatus(self, hConn, pStats, 0,
                                                                        NULL) == GNS_RESULT_OK;
}

GNS_API int SteamAPI_ISteamNetworkingSockets_GetDetailedConnectionStatus(S_,
                                                                         HSteamNetConnection hConn,
                                                                         char *pszBuf, int cbBuf)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    if (!s) return -1;
    int r = tern_get_detailed_status(s, hConn, pszBuf, pszBuf ? cbBuf : 0);
    /* GNS pads the size it asks for: the status may grow before the retry. */
    return r > 0 ? r + 1024 : r;
}

GNS_API bool SteamAPI_ISteamNetworkingSockets_GetListenSocketAddress(S_, HSteamListenSocket hSocket,
                                                                     SteamNetworkingIPAddr *address)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    SteamNetworkingIPAddr tmp;
    return s && tern_listen_address(s, hSocket, address ? address : &tmp) == TERN_OK;
}

GNS_API bool SteamAPI_ISteamNetworkingSockets_CreateSocketPair(
    S_, HSteamNetConnection *pOutConnection1, HSteamNetConnection *pOutConnection2,
    bool bUseNetworkLoopback, const SteamNetworkingIdentity *pIdentity1,
    const SteamNetworkingIdentity *pIdentity2)
{
    (void)self;
    if (pOutConnection1) *pOutConnection1 = 0;
    if (pOutConnection2) *pOutConnection2 = 0;
    tern_sockets *s = tern_gns_inst();
    return s && pOutConnection1 && pOutConnection2 &&
           tern_socket_pair(s, pOutConnection1, pOutConnection2, bUseNetworkLoopback, pIdentity1,
                            pIdentity2) == TERN_OK;
}

GNS_API EResult SteamAPI_ISteamNetworkingSockets_ConfigureConnectionLanes(
    S_, HSteamNetConnection hConn, int nNumLanes, const int *pLanePriorities,
    const uint16_t *pLaneWeights)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    if (!s) return GNS_RESULT_NO_CONNECTION;
    /* GNS refuses a zero weight whatever the transport (tern's pipes do not
     * check weights). */
    for (int i = 0; pLaneWeights && i < nNumLanes && i < 255; i++)
        if (pLaneWeights[i] == 0)
            return conn_exists(s, hConn) ? GNS_RESULT_INVALID_PARAM : GNS_RESULT_NO_CONNECTION;
    return gns_result(tern_configure_lanes(s, hConn, nNumLanes, pLanePriorities, pLaneWeights),
                      GNS_RESULT_NO_CONNECTION);
}

GNS_API bool SteamAPI_ISteamNetworkingSockets_GetIdentity(S_, SteamNetworkingIdentity *pIdentity)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    SteamNetworkingIdentity id;
    tern_identity_clear(&id);
    if (s && !tern_gns_identity_invalid()) tern_sockets_identity(s, &id);
    if (pIdentity) *pIdentity = id;
    return !tern_identity_is_invalid(&id);
}

/* The open-source GNS has no certificate authority (API.md §3 #23-24). */
GNS_API ESteamNetworkingAvailability SteamAPI_ISteamNetworkingSockets_InitAuthentication(S_)
{
    (void)self;
    return GNS_AVAIL_CANNOT_TRY;
}

GNS_API ESteamNetworkingAvailability SteamAPI_ISteamNetworkingSockets_GetAuthenticationStatus(
    S_, SteamNetAuthenticationStatus_t *pDetails)
{
    (void)self;
    if (pDetails) {
        memset(pDetails, 0, sizeof *pDetails);
        pDetails->m_eAvail = GNS_AVAIL_CANNOT_TRY;
        strcpy(pDetails->m_debugMsg, "No certificate authority");
    }
    return GNS_AVAIL_CANNOT_TRY;
}

GNS_API HSteamNetPollGroup SteamAPI_ISteamNetworkingSockets_CreatePollGroup(S_)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    uint32_t g = 0;
    return s && tern_pollgroup_new(s, &g) == TERN_OK ? g : 0;
}

GNS_API bool SteamAPI_ISteamNetworkingSockets_DestroyPollGroup(S_, HSteamNetPollGroup hPollGroup)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    return s && tern_pollgroup_del(s, hPollGroup) == TERN_OK;
}

GNS_API bool SteamAPI_ISteamNetworkingSockets_SetConnectionPollGroup(S_, HSteamNetConnection hConn,
                                                                     HSteamNetPollGroup hPollGroup)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    return s && tern_set_pollgroup(s, hConn, hPollGroup) == TERN_OK;
}

GNS_API int SteamAPI_ISteamNetworkingSockets_ReceiveMessagesOnPollGroup(
    S_, HSteamNetPollGroup hPollGroup, SteamNetworkingMessage_t **ppOutMessages, int nMaxMessages)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    if (!s) return -1;
    int n =
        tern_receive_pollgroup(s, hPollGroup, ppOutMessages, nMaxMessages < 0 ? 0 : nMaxMessages);
    return n < 0 ? -1 : n;
}

GNS_API void SteamAPI_ISteamNetworkingSockets_RunCallbacks(S_)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    if (s) tern_run_callbacks(s);
}

/* ResetIdentity (vtable only in GNS; a Steamworks flat name): the new
 * identity applies to connections made from now on. GNS also closes every
 * connection; tern keeps them (they keep the identity they were made with). */
GNS_API bool
SteamAPI_ISteamNetworkingSockets_ResetIdentity(S_, const SteamNetworkingIdentity *pIdentity)
{
    (void)self;
    tern_sockets *s = tern_gns_inst();
    if (!s) return false;
    SteamNetworkingIdentity id;
    if (pIdentity && !tern_identity_is_invalid(pIdentity))
        id = *pIdentity;
    else
        tern_identity_set_localhost(&id);
    tern_api_lock(s);
    s->identity = id;
    s->core.identity = id;
    tern_api_unlock(s);
    return true;
}
