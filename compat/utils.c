/* ISteamNetworkingUtils (API.md §4): messages, time, logging, and config.
 * Every config call goes through the config table's GNS-compatible entry
 * points (conn/config.h tern_cfg_gns_*) with the scope object resolved
 * here, so ids tern does not implement answer exactly what GNS answers. */
#include <string.h>

#include "api/sockets.h"
#include "compat.h"

#define U_ ISteamNetworkingUtils *self

GNS_API SteamNetworkingMessage_t *
SteamAPI_ISteamNetworkingUtils_AllocateMessage(U_, int cbAllocateBuffer)
{
    (void)self;
    if (cbAllocateBuffer < 0) return NULL;
    /* The payload lives in the message's own allocation, so m_pfnFreeData
     * stays NULL (GNS points it at its free wrapper); an application that
     * installs its own m_pData and m_pfnFreeData is honoured on release. */
    return tern_gns_alloc_message((uint32_t)cbAllocateBuffer);
}

GNS_API SteamNetworkingMicroseconds SteamAPI_ISteamNetworkingUtils_GetLocalTimestamp(U_)
{
    (void)self;
    return tern_now();
}

GNS_API void SteamAPI_ISteamNetworkingUtils_SetDebugOutputFunction(
    U_, ESteamNetworkingSocketsDebugOutputType eDetailLevel,
    FSteamNetworkingSocketsDebugOutput pfnFunc)
{
    (void)self;
    tern_gns_set_debug_output(eDetailLevel, pfnFunc);
}

/* --- config -------------------------------------------------------------------------- */

/* The scope |scope|/|obj| names, or NULL (tern_cfg_gns_* turn NULL into
 * GNS's bad-scope answers). Below the root the instance lock is taken
 * (*locked); *conn is the connection for connection scope. */
static tern_cfg_scope *resolve(tern_sockets *s, int scope, intptr_t obj, bool *locked,
                               tern_conn **conn)
{
    *locked = false;
    *conn = NULL;
    if (scope == TERN_CFGS_GLOBAL) return tern_cfg_root(tern_api_root());
    if (!s || scope < TERN_CFGS_INSTANCE || scope > TERN_CFGS_CONN) return NULL;
    if (scope != TERN_CFGS_INSTANCE && (obj <= 0 || obj > (intptr_t)UINT32_MAX)) return NULL;
    tern_api_lock(s);
    *locked = true;
    switch (scope) {
    case TERN_CFGS_INSTANCE:
        return obj == (intptr_t)&tern_gns_sockets_obj ? &s->core.cfg : NULL;
    case TERN_CFGS_LISTEN: {
        tern_listen *l = tern_handles_get(&s->core.listens, (uint32_t)obj);
        return l ? &l->cfg : NULL;
    }
    default: {
        tern_conn *c = tern_inst_conn(&s->core, (uint32_t)obj);
        *conn = c;
        return c ? &c->cfg : NULL;
    }
    }
}

static bool set_value(int id, int scope, intptr_t obj, int type, const void *arg)
{
    tern_sockets *s = tern_gns_inst();
    bool locked;
    tern_conn *c;
    tern_cfg_scope *sc = resolve(s, scope, obj, &locked, &c);
    bool ok = tern_cfg_gns_set(sc, id, type, arg);
    if (ok && c) {
        /* Setting ConnectionUserData at a connection is SetConnectionUserData
         * (queued messages change too). */
        if (id == TERN_OPT_CONNECTION_USER_DATA)
            tern_conn_set_user_data(c, tern_cfg_i64(sc, TERN_OPT_CONNECTION_USER_DATA));
        tern_conn_refresh_opts(c);
    }
    if (locked) tern_api_unlock(s);
    if (ok && scope == TERN_CFGS_GLOBAL && s) tern_api_load_fake(s);
    return ok;
}

GNS_API bool SteamAPI_ISteamNetworkingUtils_SetConfigValue(U_, ESteamNetworkingConfigValue eValue,
                                                           ESteamNetworkingConfigScope eScopeType,
                                                           intptr_t scopeObj,
                                                           ESteamNetworkingConfigDataType eDataType,
                                                           const void *pArg)
{
    (void)self;
    return set_value(eValue, eScopeType, scopeObj, eDataType, pArg);
}

static const void *opt_arg(const SteamNetworkingConfigValue_t *opt)
{
    return opt->type == TERN_CFGT_STRING ? (const void *)opt->val.str : (const void *)&opt->val;
}

GNS_API bool
SteamAPI_ISteamNetworkingUtils_SetConfigValueStruct(U_, const SteamNetworkingConfigValue_t *opt,
                                                    ESteamNetworkingConfigScope eScopeType,
                                                    intptr_t scopeObj)
{
    (void)self;
    return opt && set_value(opt->id, eScopeType, scopeObj, opt->type, opt_arg(opt));
}

GNS_API ESteamNetworkingGetConfigValueResult SteamAPI_ISteamNetworkingUtils_GetConfigValue(
    U_, ESteamNetworkingConfigValue eValue, ESteamNetworkingConfigScope eScopeType,
    intptr_t scopeObj, ESteamNetworkingConfigDataType *pOutDataType, void *pResult,
    size_t *cbResult)
{
    (void)self;
    if (!cbResult) return TERN_CFGR_BAD_VALUE; /* GNS dereferences it; we refuse */
    tern_sockets *s = tern_gns_inst();
    bool locked;
    tern_conn *c;
    tern_cfg_scope *sc = resolve(s, eScopeType, scopeObj, &locked, &c);
    int r = tern_cfg_gns_get(sc, eValue, pOutDataType, pResult, cbResult);
    if (locked) tern_api_unlock(s);
    return r;
}

GNS_API const char *
SteamAPI_ISteamNetworkingUtils_GetConfigValueInfo(U_, ESteamNetworkingConfigValue eValue,
                                                  ESteamNetworkingConfigDataType *pOutDataType,
                                                  ESteamNetworkingConfigScope *pOutScope)
{
    (void)self;
    return tern_cfg_gns_info(eValue, pOutDataType, pOutScope);
}

GNS_API ESteamNetworkingConfigValue
SteamAPI_ISteamNetworkingUtils_IterateGenericEditableConfigValues(
    U_, ESteamNetworkingConfigValue eCurrent, bool bEnumerateDevVars)
{
    (void)self;
    return tern_cfg_gns_next(eCurrent, bEnumerateDevVars);
}

GNS_API ESteamNetworkingConfigValue SteamAPI_ISteamNetworkingUtils_GetFirstConfigValue(U_)
{
    (void)self;
    return tern_cfg_gns_next(0, true);
}

/* The inline helpers of GNS's header, exported flat. */
GNS_API bool
SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValueInt32(U_, ESteamNetworkingConfigValue eValue,
                                                         int32_t val)
{
    (void)self;
    return set_value(eValue, TERN_CFGS_GLOBAL, 0, TERN_CFGT_INT32, &val);
}

GNS_API bool
SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValueFloat(U_, ESteamNetworkingConfigValue eValue,
                                                         float val)
{
    (void)self;
    return set_value(eValue, TERN_CFGS_GLOBAL, 0, TERN_CFGT_FLOAT, &val);
}

GNS_API bool
SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValueString(U_, ESteamNetworkingConfigValue eValue,
                                                          const char *val)
{
    (void)self;
    return set_value(eValue, TERN_CFGS_GLOBAL, 0, TERN_CFGT_STRING, val);
}

GNS_API bool
SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValuePtr(U_, ESteamNetworkingConfigValue eValue,
                                                       void *val)
{
    (void)self;
    return set_value(eValue, TERN_CFGS_GLOBAL, 0, TERN_CFGT_PTR, &val);
}

GNS_API bool SteamAPI_ISteamNetworkingUtils_SetConnectionConfigValueInt32(
    U_, HSteamNetConnection hConn, ESteamNetworkingConfigValue eValue, int32_t val)
{
    (void)self;
    return set_value(eValue, TERN_CFGS_CONN, hConn, TERN_CFGT_INT32, &val);
}

GNS_API bool SteamAPI_ISteamNetworkingUtils_SetConnectionConfigValueFloat(
    U_, HSteamNetConnection hConn, ESteamNetworkingConfigValue eValue, float val)
{
    (void)self;
    return set_value(eValue, TERN_CFGS_CONN, hConn, TERN_CFGT_FLOAT, &val);
}

GNS_API bool SteamAPI_ISteamNetworkingUtils_SetConnectionConfigValueString(
    U_, HSteamNetConnection hConn, ESteamNetworkingConfigValue eValue, const char *val)
{
    (void)self;
    return set_value(eValue, TERN_CFGS_CONN, hConn, TERN_CFGT_STRING, val);
}

static bool set_global_ptr(int id, void *fn)
{
    return set_value(id, TERN_CFGS_GLOBAL, 0, TERN_CFGT_PTR, &fn);
}

GNS_API bool SteamAPI_ISteamNetworkingUtils_SetGlobalCallback_SteamNetConnectionStatusChanged(
    U_, FnSteamNetConnectionStatusChanged fnCallback)
{
    (void)self;
    return set_global_ptr(TERN_OPT_CALLBACK_CONNECTION_STATUS_CHANGED, (void *)fnCallback);
}

GNS_API bool SteamAPI_ISteamNetworkingUtils_SetGlobalCallback_SteamNetAuthenticationStatusChanged(
    U_, FnSteamNetAuthenticationStatusChanged fnCallback)
{
    (void)self;
    return set_global_ptr(TERN_OPT_CALLBACK_AUTH_STATUS_CHANGED, (void *)fnCallback);
}

/* Unregistered in open-source GNS, so this is false there and here. */
GNS_API bool SteamAPI_ISteamNetworkingUtils_SetGlobalCallback_SteamRelayNetworkStatusChanged(
    U_, FnSteamRelayNetworkStatusChanged fnCallback)
{
    (void)self;
    return set_global_ptr(TERN_OPT_CALLBACK_RELAY_NETWORK_STATUS_CHANGED, (void *)fnCallback);
}

GNS_API bool SteamAPI_ISteamNetworkingUtils_SetGlobalCallback_FakeIPResult(
    U_, FnSteamNetworkingFakeIPResult fnCallback)
{
    (void)self;
    return set_global_ptr(TERN_OPT_CALLBACK_FAKE_IP_RESULT, (void *)fnCallback);
}

GNS_API bool SteamAPI_ISteamNetworkingUtils_SetGlobalCallback_MessagesSessionRequest(
    U_, FnSteamNetworkingMessagesSessionRequest fnCallback)
{
    (void)self;
    return set_global_ptr(TERN_OPT_CALLBACK_MESSAGES_SESSION_REQUEST, (void *)fnCallback);
}

GNS_API bool SteamAPI_ISteamNetworkingUtils_SetGlobalCallback_MessagesSessionFailed(
    U_, FnSteamNetworkingMessagesSessionFailed fnCallback)
{
    (void)self;
    return set_global_ptr(TERN_OPT_CALLBACK_MESSAGES_SESSION_FAILED, (void *)fnCallback);
}

/* --- creation options (compat.h) ----------------------------------------------------------- */

static bool implemented(int id)
{
    const tern_cfg_def *d = tern_cfg_def_of(id);
    return d && (d->flags & TERN_CFGF_IMPL);
}

bool tern_gns_check_opts(int level, int n, const SteamNetworkingConfigValue_t *opts,
                         SteamNetworkingConfigValue_t *native, int *nnative)
{
    /* A scratch scope of the new object's level: GNS's checks (type,
     * conversion, scope) without an object to apply them to. */
    tern_cfg_scope tmp;
    tern_cfg_init(&tmp, tern_cfg_root(tern_api_root()), level, NULL);
    bool ok = true;
    *nnative = 0;
    for (int i = 0; i < n && ok; i++) {
        ok = tern_cfg_gns_set(&tmp, opts[i].id, opts[i].type, opt_arg(&opts[i]));
        if (ok && implemented(opts[i].id)) native[(*nnative)++] = opts[i];
    }
    tern_cfg_free(&tmp);
    return ok;
}

void tern_gns_apply_later(int level, uint32_t handle, int n,
                          const SteamNetworkingConfigValue_t *opts)
{
    tern_sockets *s = tern_gns_inst();
    bool locked;
    tern_conn *c;
    tern_cfg_scope *sc = resolve(s, level, handle, &locked, &c);
    for (int i = 0; sc && i < n; i++)
        if (!implemented(opts[i].id))
            tern_cfg_gns_set(sc, opts[i].id, opts[i].type, opt_arg(&opts[i]));
    if (locked) tern_api_unlock(s);
}

/* --- relays and pings: SDR only, compiled out of open-source GNS ------------------------ */

GNS_API void SteamAPI_ISteamNetworkingUtils_InitRelayNetworkAccess(U_)
{
    (void)self;
}

GNS_API ESteamNetworkingAvailability
SteamAPI_ISteamNetworkingUtils_GetRelayNetworkStatus(U_, SteamRelayNetworkStatus_t *pDetails)
{
    (void)self;
    if (pDetails) {
        memset(pDetails, 0, sizeof *pDetails);
        pDetails->m_eAvail = pDetails->m_eAvailNetworkConfig = pDetails->m_eAvailAnyRelay =
            GNS_AVAIL_CANNOT_TRY;
    }
    return GNS_AVAIL_CANNOT_TRY;
}

GNS_API float
SteamAPI_ISteamNetworkingUtils_GetLocalPingLocation(U_, SteamNetworkPingLocation_t *result)
{
    (void)self, (void)result;
    return -1.0f;
}

GNS_API int SteamAPI_ISteamNetworkingUtils_EstimatePingTimeBetweenTwoLocations(
    U_, const SteamNetworkPingLocation_t *location1, const SteamNetworkPingLocation_t *location2)
{
    (void)self, (void)location1, (void)location2;
    return GNS_PING_UNKNOWN;
}

GNS_API int SteamAPI_ISteamNetworkingUtils_EstimatePingTimeFromLocalHost(
    U_, const SteamNetworkPingLocation_t *remoteLocation)
{
    (void)self, (void)remoteLocation;
    return GNS_PING_UNKNOWN;
}

GNS_API void SteamAPI_ISteamNetworkingUtils_ConvertPingLocationToString(
    U_, const SteamNetworkPingLocation_t *location, char *pszBuf, int cchBufSize)
{
    (void)self, (void)location;
    if (pszBuf && cchBufSize > 0) pszBuf[0] = 0;
}

GNS_API bool
SteamAPI_ISteamNetworkingUtils_ParsePingLocationString(U_, const char *pszString,
                                                       SteamNetworkPingLocation_t *result)
{
    (void)self, (void)pszString, (void)result;
    return false;
}

GNS_API bool SteamAPI_ISteamNetworkingUtils_CheckPingDataUpToDate(U_, float flMaxAgeSeconds)
{
    (void)self, (void)flMaxAgeSeconds;
    return false;
}

GNS_API int SteamAPI_ISteamNetworkingUtils_GetPingToDataCenter(U_, SteamNetworkingPOPID popID,
                                                               SteamNetworkingPOPID *pViaRelayPoP)
{
    (void)self, (void)popID, (void)pViaRelayPoP;
    return GNS_PING_UNKNOWN;
}

GNS_API int SteamAPI_ISteamNetworkingUtils_GetDirectPingToPOP(U_, SteamNetworkingPOPID popID)
{
    (void)self, (void)popID;
    return GNS_PING_UNKNOWN;
}

GNS_API int SteamAPI_ISteamNetworkingUtils_GetPOPCount(U_)
{
    (void)self;
    return 0;
}

GNS_API int SteamAPI_ISteamNetworkingUtils_GetPOPList(U_, SteamNetworkingPOPID *list, int nListSz)
{
    (void)self, (void)list, (void)nListSz;
    return 0;
}

/* --- FakeIP (Steam only) ------------------------------------------------------------------- */

GNS_API bool SteamAPI_ISteamNetworkingUtils_IsFakeIPv4(U_, uint32_t nIPv4)
{
    (void)self, (void)nIPv4;
    return false;
}

GNS_API ESteamNetworkingFakeIPType SteamAPI_ISteamNetworkingUtils_GetIPv4FakeIPType(U_,
                                                                                    uint32_t nIPv4)
{
    (void)self, (void)nIPv4;
    return GNS_FAKEIP_NOT_FAKE;
}

GNS_API EResult SteamAPI_ISteamNetworkingUtils_GetRealIdentityForFakeIP(
    U_, const SteamNetworkingIPAddr *fakeIP, SteamNetworkingIdentity *pOutRealIdentity)
{
    (void)self, (void)fakeIP, (void)pOutRealIdentity;
    return GNS_RESULT_DISABLED;
}

/* --- the string helpers as Utils methods (vtable slots 20-24) ------------------------------- */

GNS_API void SteamAPI_ISteamNetworkingUtils_SteamNetworkingIPAddr_ToString(
    U_, const SteamNetworkingIPAddr *addr, char *buf, uint32_t cbBuf, bool bWithPort)
{
    (void)self;
    SteamNetworkingIPAddr_ToString(addr, buf, cbBuf, bWithPort);
}

GNS_API bool
SteamAPI_ISteamNetworkingUtils_SteamNetworkingIPAddr_ParseString(U_, SteamNetworkingIPAddr *pAddr,
                                                                 const char *pszStr)
{
    (void)self;
    return SteamNetworkingIPAddr_ParseString(pAddr, pszStr);
}

GNS_API ESteamNetworkingFakeIPType
SteamAPI_ISteamNetworkingUtils_SteamNetworkingIPAddr_GetFakeIPType(
    U_, const SteamNetworkingIPAddr *addr)
{
    (void)self;
    return SteamNetworkingIPAddr_GetFakeIPType(addr);
}

GNS_API void SteamAPI_ISteamNetworkingUtils_SteamNetworkingIdentity_ToString(
    U_, const SteamNetworkingIdentity *identity, char *buf, uint32_t cbBuf)
{
    (void)self;
    SteamNetworkingIdentity_ToString(identity, buf, cbBuf);
}

GNS_API bool SteamAPI_ISteamNetworkingUtils_SteamNetworkingIdentity_ParseString(
    U_, SteamNetworkingIdentity *pIdentity, const char *pszStr)
{
    (void)self;
    return SteamNetworkingIdentity_ParseString(pIdentity, sizeof *pIdentity, pszStr);
}
