/* Every C function the compat library exports: GNS's flat API and the
 * other C exports of libGameNetworkingSockets.so (API.md §1, §2, §6-§8),
 * the names GNS declares but does not export (§9.1), and optional names
 * bindings look for (§9.2, §9.3). Same names and C types as GNS; C++
 * references are pointers. */
#ifndef TERN_COMPAT_FLAT_H
#define TERN_COMPAT_FLAT_H

#include "gns.h"

#define GNS_API __attribute__((visibility("default")))

/* ===== lifecycle and accessors (§2) ===== */
GNS_API bool GameNetworkingSockets_Init(const SteamNetworkingIdentity *pIdentity,
                                        SteamNetworkingErrMsg errMsg);
GNS_API void GameNetworkingSockets_Kill(void);
GNS_API ISteamNetworkingSockets *SteamNetworkingSockets_LibV12(void);
GNS_API ISteamNetworkingUtils *SteamNetworkingUtils_LibV4(void);
GNS_API ISteamNetworkingMessages *SteamNetworkingMessages_LibV2(void);
GNS_API ISteamNetworkingSockets *SteamGameServerNetworkingSockets_LibV12(void);
GNS_API ISteamNetworkingMessages *SteamGameServerNetworkingMessages_LibV2(void);
GNS_API ISteamNetworkingSockets *SteamAPI_SteamNetworkingSockets_v009(void);
GNS_API ISteamNetworkingUtils *SteamAPI_SteamNetworkingUtils_v003(void);
GNS_API ISteamNetworkingMessages *SteamAPI_SteamNetworkingMessages_v002(void);
GNS_API void SteamNetworkingSockets_SetCustomMemoryAllocator(void *(*pfn_malloc)(size_t),
                                                             void (*pfn_free)(void *),
                                                             void *(*pfn_realloc)(void *, size_t));
/* Steamworks SDK accessor names (§9.3) */
GNS_API ISteamNetworkingSockets *SteamAPI_SteamNetworkingSockets_SteamAPI_v012(void);
GNS_API ISteamNetworkingSockets *SteamAPI_SteamGameServerNetworkingSockets_SteamAPI_v012(void);
GNS_API ISteamNetworkingUtils *SteamAPI_SteamNetworkingUtils_SteamAPI_v004(void);
GNS_API ISteamNetworkingMessages *SteamAPI_SteamNetworkingMessages_SteamAPI_v002(void);
GNS_API ISteamNetworkingMessages *SteamAPI_SteamGameServerNetworkingMessages_SteamAPI_v002(void);

/* ===== ISteamNetworkingSockets (§3) ===== */
#define S_ ISteamNetworkingSockets *self
GNS_API HSteamListenSocket SteamAPI_ISteamNetworkingSockets_CreateListenSocketIP(
    S_, const SteamNetworkingIPAddr *localAddress, int nOptions,
    const SteamNetworkingConfigValue_t *pOptions);
GNS_API HSteamNetConnection SteamAPI_ISteamNetworkingSockets_ConnectByIPAddress(
    S_, const SteamNetworkingIPAddr *address, int nOptions,
    const SteamNetworkingConfigValue_t *pOptions);
GNS_API HSteamListenSocket SteamAPI_ISteamNetworkingSockets_CreateListenSocketP2P(
    S_, int nLocalVirtualPort, int nOptions, const SteamNetworkingConfigValue_t *pOptions);
GNS_API HSteamNetConnection SteamAPI_ISteamNetworkingSockets_ConnectP2P(
    S_, const SteamNetworkingIdentity *identityRemote, int nRemoteVirtualPort, int nOptions,
    const SteamNetworkingConfigValue_t *pOptions);
GNS_API EResult SteamAPI_ISteamNetworkingSockets_AcceptConnection(S_, HSteamNetConnection hConn);
GNS_API bool SteamAPI_ISteamNetworkingSockets_CloseConnection(S_, HSteamNetConnection hPeer,
                                                              int nReason, const char *pszDebug,
                                                              bool bEnableLinger);
GNS_API bool SteamAPI_ISteamNetworkingSockets_CloseListenSocket(S_, HSteamListenSocket hSocket);
GNS_API bool SteamAPI_ISteamNetworkingSockets_SetConnectionUserData(S_, HSteamNetConnection hPeer,
                                                                    int64_t nUserData);
GNS_API int64_t SteamAPI_ISteamNetworkingSockets_GetConnectionUserData(S_,
                                                                       HSteamNetConnection hPeer);
GNS_API void SteamAPI_ISteamNetworkingSockets_SetConnectionName(S_, HSteamNetConnection hPeer,
                                                                const char *pszName);
GNS_API bool SteamAPI_ISteamNetworkingSockets_GetConnectionName(S_, HSteamNetConnection hPeer,
                                                                char *pszName, int nMaxLen);
GNS_API EResult SteamAPI_ISteamNetworkingSockets_SendMessageToConnection(
    S_, HSteamNetConnection hConn, const void *pData, uint32_t cbData, int nSendFlags,
    int64_t *pOutMessageNumber);
GNS_API void SteamAPI_ISteamNetworkingSockets_SendMessages(S_, int nMessages,
                                                           SteamNetworkingMessage_t **pMessages,
                                                           int64_t *pOutMessageNumberOrResult,
                                                           bool bDeleteFailedMessages);
GNS_API EResult
SteamAPI_ISteamNetworkingSockets_FlushMessagesOnConnection(S_, HSteamNetConnection hConn);
GNS_API int SteamAPI_ISteamNetworkingSockets_ReceiveMessagesOnConnection(
    S_, HSteamNetConnection hConn, SteamNetworkingMessage_t **ppOutMessages, int nMaxMessages);
GNS_API bool SteamAPI_ISteamNetworkingSockets_GetConnectionInfo(S_, HSteamNetConnection hConn,
                                                                SteamNetConnectionInfo_t *pInfo);
GNS_API EResult SteamAPI_ISteamNetworkingSockets_GetConnectionRealTimeStatus(
    S_, HSteamNetConnection hConn, SteamNetConnectionRealTimeStatus_t *pStats, int nLanes,
    SteamNetConnectionRealTimeLaneStatus_t *pLanes);
GNS_API int SteamAPI_ISteamNetworkingSockets_GetDetailedConnectionStatus(S_,
                                                                         HSteamNetConnection hConn,
                                                                         char *pszBuf, int cbBuf);
GNS_API bool
SteamAPI_ISteamNetworkingSockets_GetListenSocketAddress(S_, HSteamListenSocket hSocket,
                                                        SteamNetworkingIPAddr *address);
GNS_API bool SteamAPI_ISteamNetworkingSockets_CreateSocketPair(
    S_, HSteamNetConnection *pOutConnection1, HSteamNetConnection *pOutConnection2,
    bool bUseNetworkLoopback, const SteamNetworkingIdentity *pIdentity1,
    const SteamNetworkingIdentity *pIdentity2);
GNS_API EResult SteamAPI_ISteamNetworkingSockets_ConfigureConnectionLanes(
    S_, HSteamNetConnection hConn, int nNumLanes, const int *pLanePriorities,
    const uint16_t *pLaneWeights);
GNS_API bool SteamAPI_ISteamNetworkingSockets_GetIdentity(S_, SteamNetworkingIdentity *pIdentity);
GNS_API ESteamNetworkingAvailability SteamAPI_ISteamNetworkingSockets_InitAuthentication(S_);
GNS_API ESteamNetworkingAvailability SteamAPI_ISteamNetworkingSockets_GetAuthenticationStatus(
    S_, SteamNetAuthenticationStatus_t *pDetails);
GNS_API HSteamNetPollGroup SteamAPI_ISteamNetworkingSockets_CreatePollGroup(S_);
GNS_API bool SteamAPI_ISteamNetworkingSockets_DestroyPollGroup(S_, HSteamNetPollGroup hPollGroup);
GNS_API bool SteamAPI_ISteamNetworkingSockets_SetConnectionPollGroup(S_, HSteamNetConnection hConn,
                                                                     HSteamNetPollGroup hPollGroup);
GNS_API int SteamAPI_ISteamNetworkingSockets_ReceiveMessagesOnPollGroup(
    S_, HSteamNetPollGroup hPollGroup, SteamNetworkingMessage_t **ppOutMessages, int nMaxMessages);
GNS_API bool SteamAPI_ISteamNetworkingSockets_ReceivedRelayAuthTicket(
    S_, const void *pvTicket, int cbTicket, SteamDatagramRelayAuthTicket *pOutParsedTicket);
GNS_API int SteamAPI_ISteamNetworkingSockets_FindRelayAuthTicketForServer(
    S_, const SteamNetworkingIdentity *identityGameServer, int nRemoteVirtualPort,
    SteamDatagramRelayAuthTicket *pOutParsedTicket);
GNS_API HSteamNetConnection SteamAPI_ISteamNetworkingSockets_ConnectToHostedDedicatedServer(
    S_, const SteamNetworkingIdentity *identityTarget, int nRemoteVirtualPort, int nOptions,
    const SteamNetworkingConfigValue_t *pOptions);
GNS_API uint16_t SteamAPI_ISteamNetworkingSockets_GetHostedDedicatedServerPort(S_);
GNS_API SteamNetworkingPOPID SteamAPI_ISteamNetworkingSockets_GetHostedDedicatedServerPOPID(S_);
GNS_API EResult SteamAPI_ISteamNetworkingSockets_GetHostedDedicatedServerAddress(
    S_, SteamDatagramHostedAddress *pRouting);
GNS_API HSteamListenSocket SteamAPI_ISteamNetworkingSockets_CreateHostedDedicatedServerListenSocket(
    S_, int nLocalVirtualPort, int nOptions, const SteamNetworkingConfigValue_t *pOptions);
GNS_API EResult SteamAPI_ISteamNetworkingSockets_GetGameCoordinatorServerLogin(
    S_, SteamDatagramGameCoordinatorServerLogin *pLoginInfo, int *pcbSignedBlob, void *pBlob);
GNS_API HSteamNetConnection SteamAPI_ISteamNetworkingSockets_ConnectP2PCustomSignaling(
    S_, ISteamNetworkingConnectionSignaling *pSignaling,
    const SteamNetworkingIdentity *pPeerIdentity, int nRemoteVirtualPort, int nOptions,
    const SteamNetworkingConfigValue_t *pOptions);
GNS_API bool SteamAPI_ISteamNetworkingSockets_ReceivedP2PCustomSignal(
    S_, const void *pMsg, int cbMsg, ISteamNetworkingSignalingRecvContext *pContext);
GNS_API bool SteamAPI_ISteamNetworkingSockets_GetCertificateRequest(S_, int *pcbBlob, void *pBlob,
                                                                    SteamNetworkingErrMsg errMsg);
GNS_API bool SteamAPI_ISteamNetworkingSockets_SetCertificate(S_, const void *pCertificate,
                                                             int cbCertificate,
                                                             SteamNetworkingErrMsg errMsg);
GNS_API void SteamAPI_ISteamNetworkingSockets_RunCallbacks(S_);
/* custom signaling helpers (§8) */
GNS_API ISteamNetworkingConnectionSignaling *SteamAPI_ISteamNetworkingSockets_CreateCustomSignaling(
    void *ctx, FSteamNetworkingSocketsCustomSignaling_SendSignal fnSendSignal,
    FSteamNetworkingSocketsCustomSignaling_Release fnRelease);
GNS_API bool SteamAPI_ISteamNetworkingSockets_ReceivedP2PCustomSignal2(
    S_, const void *pMsg, int cbMsg, void *ctx,
    FSteamNetworkingCustomSignalingRecvContext_OnConnectRequest fnOnConnectRequest,
    FSteamNetworkingCustomSignalingRecvContext_SendRejectionSignal fnSendRejectionSignal);
/* legacy (§9.2) and Steamworks-only (§9.3) */
GNS_API bool SteamAPI_ISteamNetworkingSockets_GetQuickConnectionStatus(
    S_, HSteamNetConnection hConn, SteamNetConnectionRealTimeStatus_t *pStats);
GNS_API bool
SteamAPI_ISteamNetworkingSockets_ResetIdentity(S_, const SteamNetworkingIdentity *pIdentity);
GNS_API bool SteamAPI_ISteamNetworkingSockets_BeginAsyncRequestFakeIP(S_, int nNumPorts);
GNS_API void SteamAPI_ISteamNetworkingSockets_GetFakeIP(S_, int idxFirstPort,
                                                        SteamNetworkingFakeIPResult_t *pInfo);
GNS_API HSteamListenSocket SteamAPI_ISteamNetworkingSockets_CreateListenSocketP2PFakeIP(
    S_, int idxFakePort, int nOptions, const SteamNetworkingConfigValue_t *pOptions);
GNS_API EResult SteamAPI_ISteamNetworkingSockets_GetRemoteFakeIPForConnection(
    S_, HSteamNetConnection hConn, SteamNetworkingIPAddr *pOutAddr);
GNS_API ISteamNetworkingFakeUDPPort *
SteamAPI_ISteamNetworkingSockets_CreateFakeUDPPort(S_, int idxFakeServerPort);
#undef S_

/* ===== ISteamNetworkingUtils (§4) ===== */
#define U_ ISteamNetworkingUtils *self
GNS_API SteamNetworkingMessage_t *
SteamAPI_ISteamNetworkingUtils_AllocateMessage(U_, int cbAllocateBuffer);
GNS_API void SteamAPI_ISteamNetworkingUtils_InitRelayNetworkAccess(U_);
GNS_API ESteamNetworkingAvailability
SteamAPI_ISteamNetworkingUtils_GetRelayNetworkStatus(U_, SteamRelayNetworkStatus_t *pDetails);
GNS_API float
SteamAPI_ISteamNetworkingUtils_GetLocalPingLocation(U_, SteamNetworkPingLocation_t *result);
GNS_API int SteamAPI_ISteamNetworkingUtils_EstimatePingTimeBetweenTwoLocations(
    U_, const SteamNetworkPingLocation_t *location1, const SteamNetworkPingLocation_t *location2);
GNS_API int SteamAPI_ISteamNetworkingUtils_EstimatePingTimeFromLocalHost(
    U_, const SteamNetworkPingLocation_t *remoteLocation);
GNS_API void SteamAPI_ISteamNetworkingUtils_ConvertPingLocationToString(
    U_, const SteamNetworkPingLocation_t *location, char *pszBuf, int cchBufSize);
GNS_API bool
SteamAPI_ISteamNetworkingUtils_ParsePingLocationString(U_, const char *pszString,
                                                       SteamNetworkPingLocation_t *result);
GNS_API bool SteamAPI_ISteamNetworkingUtils_CheckPingDataUpToDate(U_, float flMaxAgeSeconds);
GNS_API int SteamAPI_ISteamNetworkingUtils_GetPingToDataCenter(U_, SteamNetworkingPOPID popID,
                                                               SteamNetworkingPOPID *pViaRelayPoP);
GNS_API int SteamAPI_ISteamNetworkingUtils_GetDirectPingToPOP(U_, SteamNetworkingPOPID popID);
GNS_API int SteamAPI_ISteamNetworkingUtils_GetPOPCount(U_);
GNS_API int SteamAPI_ISteamNetworkingUtils_GetPOPList(U_, SteamNetworkingPOPID *list, int nListSz);
GNS_API SteamNetworkingMicroseconds SteamAPI_ISteamNetworkingUtils_GetLocalTimestamp(U_);
GNS_API void SteamAPI_ISteamNetworkingUtils_SetDebugOutputFunction(
    U_, ESteamNetworkingSocketsDebugOutputType eDetailLevel,
    FSteamNetworkingSocketsDebugOutput pfnFunc);
GNS_API bool
SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValueInt32(U_, ESteamNetworkingConfigValue eValue,
                                                         int32_t val);
GNS_API bool
SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValueFloat(U_, ESteamNetworkingConfigValue eValue,
                                                         float val);
GNS_API bool
SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValueString(U_, ESteamNetworkingConfigValue eValue,
                                                          const char *val);
GNS_API bool
SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValuePtr(U_, ESteamNetworkingConfigValue eValue,
                                                       void *val);
GNS_API bool SteamAPI_ISteamNetworkingUtils_SetConnectionConfigValueInt32(
    U_, HSteamNetConnection hConn, ESteamNetworkingConfigValue eValue, int32_t val);
GNS_API bool SteamAPI_ISteamNetworkingUtils_SetConnectionConfigValueFloat(
    U_, HSteamNetConnection hConn, ESteamNetworkingConfigValue eValue, float val);
GNS_API bool SteamAPI_ISteamNetworkingUtils_SetConnectionConfigValueString(
    U_, HSteamNetConnection hConn, ESteamNetworkingConfigValue eValue, const char *val);
GNS_API bool SteamAPI_ISteamNetworkingUtils_SetGlobalCallback_SteamNetConnectionStatusChanged(
    U_, FnSteamNetConnectionStatusChanged fnCallback);
GNS_API bool SteamAPI_ISteamNetworkingUtils_SetGlobalCallback_SteamNetAuthenticationStatusChanged(
    U_, FnSteamNetAuthenticationStatusChanged fnCallback);
GNS_API bool SteamAPI_ISteamNetworkingUtils_SetGlobalCallback_SteamRelayNetworkStatusChanged(
    U_, FnSteamRelayNetworkStatusChanged fnCallback);
GNS_API bool SteamAPI_ISteamNetworkingUtils_SetConfigValue(U_, ESteamNetworkingConfigValue eValue,
                                                           ESteamNetworkingConfigScope eScopeType,
                                                           intptr_t scopeObj,
                                                           ESteamNetworkingConfigDataType eDataType,
                                                           const void *pArg);
GNS_API bool
SteamAPI_ISteamNetworkingUtils_SetConfigValueStruct(U_, const SteamNetworkingConfigValue_t *opt,
                                                    ESteamNetworkingConfigScope eScopeType,
                                                    intptr_t scopeObj);
GNS_API ESteamNetworkingGetConfigValueResult SteamAPI_ISteamNetworkingUtils_GetConfigValue(
    U_, ESteamNetworkingConfigValue eValue, ESteamNetworkingConfigScope eScopeType,
    intptr_t scopeObj, ESteamNetworkingConfigDataType *pOutDataType, void *pResult,
    size_t *cbResult);
GNS_API const char *
SteamAPI_ISteamNetworkingUtils_GetConfigValueInfo(U_, ESteamNetworkingConfigValue eValue,
                                                  ESteamNetworkingConfigDataType *pOutDataType,
                                                  ESteamNetworkingConfigScope *pOutScope);
GNS_API ESteamNetworkingConfigValue
SteamAPI_ISteamNetworkingUtils_IterateGenericEditableConfigValues(
    U_, ESteamNetworkingConfigValue eCurrent, bool bEnumerateDevVars);
/* legacy (§9.2) and Steamworks-only (§9.3) */
GNS_API ESteamNetworkingConfigValue SteamAPI_ISteamNetworkingUtils_GetFirstConfigValue(U_);
GNS_API bool SteamAPI_ISteamNetworkingUtils_IsFakeIPv4(U_, uint32_t nIPv4);
GNS_API ESteamNetworkingFakeIPType SteamAPI_ISteamNetworkingUtils_GetIPv4FakeIPType(U_,
                                                                                    uint32_t nIPv4);
GNS_API EResult SteamAPI_ISteamNetworkingUtils_GetRealIdentityForFakeIP(
    U_, const SteamNetworkingIPAddr *fakeIP, SteamNetworkingIdentity *pOutRealIdentity);
GNS_API bool SteamAPI_ISteamNetworkingUtils_SetGlobalCallback_FakeIPResult(
    U_, FnSteamNetworkingFakeIPResult fnCallback);
GNS_API bool SteamAPI_ISteamNetworkingUtils_SetGlobalCallback_MessagesSessionRequest(
    U_, FnSteamNetworkingMessagesSessionRequest fnCallback);
GNS_API bool SteamAPI_ISteamNetworkingUtils_SetGlobalCallback_MessagesSessionFailed(
    U_, FnSteamNetworkingMessagesSessionFailed fnCallback);
GNS_API void SteamAPI_ISteamNetworkingUtils_SteamNetworkingIPAddr_ToString(
    U_, const SteamNetworkingIPAddr *addr, char *buf, uint32_t cbBuf, bool bWithPort);
GNS_API bool
SteamAPI_ISteamNetworkingUtils_SteamNetworkingIPAddr_ParseString(U_, SteamNetworkingIPAddr *pAddr,
                                                                 const char *pszStr);
GNS_API ESteamNetworkingFakeIPType
SteamAPI_ISteamNetworkingUtils_SteamNetworkingIPAddr_GetFakeIPType(
    U_, const SteamNetworkingIPAddr *addr);
GNS_API void SteamAPI_ISteamNetworkingUtils_SteamNetworkingIdentity_ToString(
    U_, const SteamNetworkingIdentity *identity, char *buf, uint32_t cbBuf);
GNS_API bool SteamAPI_ISteamNetworkingUtils_SteamNetworkingIdentity_ParseString(
    U_, SteamNetworkingIdentity *pIdentity, const char *pszStr);
#undef U_

/* ===== ISteamNetworkingMessages (§5) ===== */
#define M_ ISteamNetworkingMessages *self
GNS_API EResult SteamAPI_ISteamNetworkingMessages_SendMessageToUser(
    M_, const SteamNetworkingIdentity *identityRemote, const void *pubData, uint32_t cubData,
    int nSendFlags, int nRemoteChannel);
GNS_API int SteamAPI_ISteamNetworkingMessages_ReceiveMessagesOnChannel(
    M_, int nLocalChannel, SteamNetworkingMessage_t **ppOutMessages, int nMaxMessages);
GNS_API bool SteamAPI_ISteamNetworkingMessages_AcceptSessionWithUser(
    M_, const SteamNetworkingIdentity *identityRemote);
GNS_API bool SteamAPI_ISteamNetworkingMessages_CloseSessionWithUser(
    M_, const SteamNetworkingIdentity *identityRemote);
GNS_API bool SteamAPI_ISteamNetworkingMessages_CloseChannelWithUser(
    M_, const SteamNetworkingIdentity *identityRemote, int nLocalChannel);
GNS_API ESteamNetworkingConnectionState SteamAPI_ISteamNetworkingMessages_GetSessionConnectionInfo(
    M_, const SteamNetworkingIdentity *identityRemote, SteamNetConnectionInfo_t *pConnectionInfo,
    SteamNetConnectionRealTimeStatus_t *pQuickStatus);
#undef M_

/* ===== value types (§6) ===== */
GNS_API void SteamAPI_SteamNetworkingIPAddr_Clear(SteamNetworkingIPAddr *self);
GNS_API bool SteamAPI_SteamNetworkingIPAddr_IsIPv6AllZeros(SteamNetworkingIPAddr *self);
GNS_API void SteamAPI_SteamNetworkingIPAddr_SetIPv6(SteamNetworkingIPAddr *self,
                                                    const uint8_t *ipv6, uint16_t nPort);
GNS_API void SteamAPI_SteamNetworkingIPAddr_SetIPv4(SteamNetworkingIPAddr *self, uint32_t nIP,
                                                    uint16_t nPort);
GNS_API bool SteamAPI_SteamNetworkingIPAddr_IsIPv4(SteamNetworkingIPAddr *self);
GNS_API uint32_t SteamAPI_SteamNetworkingIPAddr_GetIPv4(SteamNetworkingIPAddr *self);
GNS_API void SteamAPI_SteamNetworkingIPAddr_SetIPv6LocalHost(SteamNetworkingIPAddr *self,
                                                             uint16_t nPort);
GNS_API bool SteamAPI_SteamNetworkingIPAddr_IsLocalHost(SteamNetworkingIPAddr *self);
GNS_API bool SteamAPI_SteamNetworkingIPAddr_IsEqualTo(SteamNetworkingIPAddr *self,
                                                      const SteamNetworkingIPAddr *x);
GNS_API void SteamAPI_SteamNetworkingIPAddr_ToString(const SteamNetworkingIPAddr *self, char *buf,
                                                     size_t cbBuf, bool bWithPort);
GNS_API bool SteamAPI_SteamNetworkingIPAddr_ParseString(SteamNetworkingIPAddr *self,
                                                        const char *pszStr);
GNS_API ESteamNetworkingFakeIPType
SteamAPI_SteamNetworkingIPAddr_GetFakeIPType(SteamNetworkingIPAddr *self);
GNS_API bool SteamAPI_SteamNetworkingIPAddr_IsFakeIP(SteamNetworkingIPAddr *self);

GNS_API void SteamAPI_SteamNetworkingIdentity_Clear(SteamNetworkingIdentity *self);
GNS_API bool SteamAPI_SteamNetworkingIdentity_IsInvalid(SteamNetworkingIdentity *self);
GNS_API void SteamAPI_SteamNetworkingIdentity_SetSteamID(SteamNetworkingIdentity *self,
                                                         uint64_t steamID);
GNS_API uint64_t SteamAPI_SteamNetworkingIdentity_GetSteamID(SteamNetworkingIdentity *self);
GNS_API void SteamAPI_SteamNetworkingIdentity_SetSteamID64(SteamNetworkingIdentity *self,
                                                           uint64_t steamID);
GNS_API uint64_t SteamAPI_SteamNetworkingIdentity_GetSteamID64(SteamNetworkingIdentity *self);
GNS_API bool SteamAPI_SteamNetworkingIdentity_SetXboxPairwiseID(SteamNetworkingIdentity *self,
                                                                const char *pszString);
GNS_API const char *
SteamAPI_SteamNetworkingIdentity_GetXboxPairwiseID(SteamNetworkingIdentity *self);
GNS_API void SteamAPI_SteamNetworkingIdentity_SetIPAddr(SteamNetworkingIdentity *self,
                                                        const SteamNetworkingIPAddr *addr);
GNS_API const SteamNetworkingIPAddr *
SteamAPI_SteamNetworkingIdentity_GetIPAddr(SteamNetworkingIdentity *self);
GNS_API void SteamAPI_SteamNetworkingIdentity_SetLocalHost(SteamNetworkingIdentity *self);
GNS_API bool SteamAPI_SteamNetworkingIdentity_IsLocalHost(SteamNetworkingIdentity *self);
GNS_API bool SteamAPI_SteamNetworkingIdentity_SetGenericString(SteamNetworkingIdentity *self,
                                                               const char *pszString);
GNS_API const char *
SteamAPI_SteamNetworkingIdentity_GetGenericString(SteamNetworkingIdentity *self);
GNS_API bool SteamAPI_SteamNetworkingIdentity_SetGenericBytes(SteamNetworkingIdentity *self,
                                                              const void *data, uint32_t cbLen);
GNS_API const uint8_t *
SteamAPI_SteamNetworkingIdentity_GetGenericBytes(SteamNetworkingIdentity *self, int *cbLen);
GNS_API bool SteamAPI_SteamNetworkingIdentity_IsEqualTo(SteamNetworkingIdentity *self,
                                                        const SteamNetworkingIdentity *x);
GNS_API void SteamAPI_SteamNetworkingIdentity_ToString(const SteamNetworkingIdentity *self,
                                                       char *buf, size_t cbBuf);
GNS_API bool SteamAPI_SteamNetworkingIdentity_ParseString(SteamNetworkingIdentity *self,
                                                          size_t sizeofIdentity,
                                                          const char *pszStr);
GNS_API void SteamAPI_SteamNetworkingIdentity_SetPSNID(SteamNetworkingIdentity *self, uint64_t id);
GNS_API uint64_t SteamAPI_SteamNetworkingIdentity_GetPSNID(SteamNetworkingIdentity *self);
GNS_API void SteamAPI_SteamNetworkingIdentity_SetIPv4Addr(SteamNetworkingIdentity *self,
                                                          uint32_t nIPv4, uint16_t nPort);
GNS_API uint32_t SteamAPI_SteamNetworkingIdentity_GetIPv4(SteamNetworkingIdentity *self);
GNS_API ESteamNetworkingFakeIPType
SteamAPI_SteamNetworkingIdentity_GetFakeIPType(SteamNetworkingIdentity *self);
GNS_API bool SteamAPI_SteamNetworkingIdentity_IsFakeIP(SteamNetworkingIdentity *self);

GNS_API void SteamAPI_SteamNetworkingMessage_t_Release(SteamNetworkingMessage_t *self);

GNS_API void SteamAPI_SteamDatagramHostedAddress_Clear(SteamDatagramHostedAddress *self);
GNS_API SteamNetworkingPOPID
SteamAPI_SteamDatagramHostedAddress_GetPopID(SteamDatagramHostedAddress *self);
GNS_API void SteamAPI_SteamDatagramHostedAddress_SetDevAddress(SteamDatagramHostedAddress *self,
                                                               uint32_t nIP, uint16_t nPort,
                                                               SteamNetworkingPOPID popid);

GNS_API void SteamAPI_SteamNetworkingConfigValue_t_SetInt32(SteamNetworkingConfigValue_t *self,
                                                            ESteamNetworkingConfigValue eVal,
                                                            int32_t data);
GNS_API void SteamAPI_SteamNetworkingConfigValue_t_SetInt64(SteamNetworkingConfigValue_t *self,
                                                            ESteamNetworkingConfigValue eVal,
                                                            int64_t data);
GNS_API void SteamAPI_SteamNetworkingConfigValue_t_SetFloat(SteamNetworkingConfigValue_t *self,
                                                            ESteamNetworkingConfigValue eVal,
                                                            float data);
GNS_API void SteamAPI_SteamNetworkingConfigValue_t_SetPtr(SteamNetworkingConfigValue_t *self,
                                                          ESteamNetworkingConfigValue eVal,
                                                          void *data);
GNS_API void SteamAPI_SteamNetworkingConfigValue_t_SetString(SteamNetworkingConfigValue_t *self,
                                                             ESteamNetworkingConfigValue eVal,
                                                             const char *data);

/* FakeUDPPort objects are never created (CreateFakeUDPPort returns NULL). */
GNS_API void
SteamAPI_ISteamNetworkingFakeUDPPort_DestroyFakeUDPPort(ISteamNetworkingFakeUDPPort *self);
GNS_API EResult SteamAPI_ISteamNetworkingFakeUDPPort_SendMessageToFakeIP(
    ISteamNetworkingFakeUDPPort *self, const SteamNetworkingIPAddr *remoteAddress,
    const void *pData, uint32_t cbData, int nSendFlags);
GNS_API int SteamAPI_ISteamNetworkingFakeUDPPort_ReceiveMessages(
    ISteamNetworkingFakeUDPPort *self, SteamNetworkingMessage_t **ppOutMessages, int nMaxMessages);
GNS_API void
SteamAPI_ISteamNetworkingFakeUDPPort_ScheduleCleanup(ISteamNetworkingFakeUDPPort *self,
                                                     const SteamNetworkingIPAddr *remoteAddress);

/* ===== other C exports (§7) ===== */
GNS_API void SteamNetworkingIPAddr_ToString(const SteamNetworkingIPAddr *pAddr, char *buf,
                                            size_t cbBuf, bool bWithPort);
GNS_API bool SteamNetworkingIPAddr_ParseString(SteamNetworkingIPAddr *pAddr, const char *pszStr);
GNS_API ESteamNetworkingFakeIPType
SteamNetworkingIPAddr_GetFakeIPType(const SteamNetworkingIPAddr *pAddr);
GNS_API void SteamNetworkingIdentity_ToString(const SteamNetworkingIdentity *pIdentity, char *buf,
                                              size_t cbBuf);
GNS_API bool SteamNetworkingIdentity_ParseString(SteamNetworkingIdentity *pIdentity,
                                                 size_t sizeofIdentity, const char *pszStr);
GNS_API void
SteamNetworkingSockets_SetLockWaitWarningThreshold(SteamNetworkingMicroseconds usecThreshold);
GNS_API void SteamNetworkingSockets_SetLockAcquiredCallback(FSteamNetworkingSocketsLockCallback cb);
GNS_API void SteamNetworkingSockets_SetLockHeldCallback(FSteamNetworkingSocketsLockCallback cb);
GNS_API void SteamNetworkingSockets_SetServiceThreadInitCallback(void (*cb)(void));
GNS_API void SteamNetworkingSockets_SetManualPollMode(bool bFlag);
GNS_API void SteamNetworkingSockets_Poll(int msMaxWaitTime);
GNS_API void SteamNetworkingSockets_SetPreFormatDebugOutputHandler(
    ESteamNetworkingSocketsDebugOutputType eDetailLevel,
    FSteamNetworkingSocketsPreFormatDebugOutput pfn_Handler);
GNS_API void SteamNetworkingSockets_DefaultPreFormatDebugOutputHandler(
    ESteamNetworkingSocketsDebugOutputType eType, bool bFmt, const char *pstrFile, int nLine,
    const char *pMsg, va_list ap);

#endif
