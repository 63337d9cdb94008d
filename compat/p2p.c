/* What tern does not do yet: P2P and signaling, certificates, SDR (never in
 * open-source GNS), FakeIP. Each answers GNS's failure value for the call
 * (API.md §3, §8, §9) until its own issue. The custom-signaling adapters of
 * §8 are real: they are plain objects with a two-slot vtable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"

#define S_ ISteamNetworkingSockets *self

static void err(SteamNetworkingErrMsg errMsg, const char *text)
{
    if (errMsg) snprintf(errMsg, sizeof(SteamNetworkingErrMsg), "%s", text);
}

/* --- P2P ------------------------------------------------------------------------------- */

GNS_API HSteamListenSocket SteamAPI_ISteamNetworkingSockets_CreateListenSocketP2P(
    S_, int nLocalVirtualPort, int nOptions, const SteamNetworkingConfigValue_t *pOptions)
{
    (void)self, (void)nLocalVirtualPort, (void)nOptions, (void)pOptions;
    tern_gns_log(TERN_LOG_ERROR, "CreateListenSocketP2P: P2P is not in this tern release");
    return 0;
}

GNS_API HSteamNetConnection SteamAPI_ISteamNetworkingSockets_ConnectP2P(
    S_, const SteamNetworkingIdentity *identityRemote, int nRemoteVirtualPort, int nOptions,
    const SteamNetworkingConfigValue_t *pOptions)
{
    (void)self, (void)identityRemote, (void)nRemoteVirtualPort, (void)nOptions, (void)pOptions;
    tern_gns_log(TERN_LOG_ERROR, "ConnectP2P: P2P is not in this tern release");
    return 0;
}

GNS_API HSteamNetConnection SteamAPI_ISteamNetworkingSockets_ConnectP2PCustomSignaling(
    S_, ISteamNetworkingConnectionSignaling *pSignaling,
    const SteamNetworkingIdentity *pPeerIdentity, int nRemoteVirtualPort, int nOptions,
    const SteamNetworkingConfigValue_t *pOptions)
{
    (void)self, (void)pPeerIdentity, (void)nRemoteVirtualPort, (void)nOptions, (void)pOptions;
    /* We own the signaling object, and the call failed: release it now. */
    if (pSignaling) pSignaling->vtbl->Release(pSignaling);
    return 0;
}

GNS_API bool SteamAPI_ISteamNetworkingSockets_ReceivedP2PCustomSignal(
    S_, const void *pMsg, int cbMsg, ISteamNetworkingSignalingRecvContext *pContext)
{
    (void)self, (void)pMsg, (void)cbMsg, (void)pContext;
    return false;
}

/* --- the C signaling adapters (§8) ----------------------------------------------------------- */

typedef struct flat_signaling {
    ISteamNetworkingConnectionSignaling base;
    void *ctx;
    FSteamNetworkingSocketsCustomSignaling_SendSignal send;
    FSteamNetworkingSocketsCustomSignaling_Release release;
} flat_signaling;

static bool fs_send(ISteamNetworkingConnectionSignaling *self, HSteamNetConnection hConn,
                    const SteamNetConnectionInfo_t *info, const void *pMsg, int cbMsg)
{
    flat_signaling *f = (flat_signaling *)self;
    return f->send(f->ctx, hConn, info, pMsg, cbMsg);
}

static void fs_release(ISteamNetworkingConnectionSignaling *self)
{
    flat_signaling *f = (flat_signaling *)self;
    if (f->release) f->release(f->ctx);
    free(f);
}

static const gns_signaling_vtbl fs_vtbl = {fs_send, fs_release};

GNS_API ISteamNetworkingConnectionSignaling *SteamAPI_ISteamNetworkingSockets_CreateCustomSignaling(
    void *ctx, FSteamNetworkingSocketsCustomSignaling_SendSignal fnSendSignal,
    FSteamNetworkingSocketsCustomSignaling_Release fnRelease)
{
    if (!fnSendSignal) return NULL;
    flat_signaling *f = malloc(sizeof *f);
    if (!f) return NULL;
    f->base.vtbl = &fs_vtbl;
    f->ctx = ctx;
    f->send = fnSendSignal;
    f->release = fnRelease;
    return &f->base;
}

typedef struct flat_recv_ctx {
    ISteamNetworkingSignalingRecvContext base;
    void *ctx;
    FSteamNetworkingCustomSignalingRecvContext_OnConnectRequest on_request;
    FSteamNetworkingCustomSignalingRecvContext_SendRejectionSignal reject;
} flat_recv_ctx;

static ISteamNetworkingConnectionSignaling *frc_request(ISteamNetworkingSignalingRecvContext *self,
                                                        HSteamNetConnection hConn,
                                                        const SteamNetworkingIdentity *peer,
                                                        int vport)
{
    flat_recv_ctx *f = (flat_recv_ctx *)self;
    return f->on_request(f->ctx, hConn, peer, vport);
}

static void frc_reject(ISteamNetworkingSignalingRecvContext *self,
                       const SteamNetworkingIdentity *peer, const void *pMsg, int cbMsg)
{
    flat_recv_ctx *f = (flat_recv_ctx *)self;
    if (f->reject) f->reject(f->ctx, peer, pMsg, cbMsg);
}

static const gns_recv_ctx_vtbl frc_vtbl = {frc_request, frc_reject};

GNS_API bool SteamAPI_ISteamNetworkingSockets_ReceivedP2PCustomSignal2(
    S_, const void *pMsg, int cbMsg, void *ctx,
    FSteamNetworkingCustomSignalingRecvContext_OnConnectRequest fnOnConnectRequest,
    FSteamNetworkingCustomSignalingRecvContext_SendRejectionSignal fnSendRejectionSignal)
{
    if (!fnOnConnectRequest) return false;
    flat_recv_ctx f = {{&frc_vtbl}, ctx, fnOnConnectRequest, fnSendRejectionSignal};
    return SteamAPI_ISteamNetworkingSockets_ReceivedP2PCustomSignal(self, pMsg, cbMsg, &f.base);
}

/* --- certificates ------------------------------------------------------------------------------
 */

GNS_API bool SteamAPI_ISteamNetworkingSockets_GetCertificateRequest(S_, int *pcbBlob, void *pBlob,
                                                                    SteamNetworkingErrMsg errMsg)
{
    (void)self, (void)pcbBlob, (void)pBlob;
    err(errMsg, "Certificate requests are not in this tern release");
    return false;
}

GNS_API bool SteamAPI_ISteamNetworkingSockets_SetCertificate(S_, const void *pCertificate,
                                                             int cbCertificate,
                                                             SteamNetworkingErrMsg errMsg)
{
    (void)self, (void)pCertificate, (void)cbCertificate;
    err(errMsg, "Certificates are not in this tern release");
    return false;
}

/* --- SDR: compiled out of open-source GNS; its C++ stubs' values -------------------------------
 */

GNS_API bool SteamAPI_ISteamNetworkingSockets_ReceivedRelayAuthTicket(
    S_, const void *pvTicket, int cbTicket, SteamDatagramRelayAuthTicket *pOutParsedTicket)
{
    (void)self, (void)pvTicket, (void)cbTicket, (void)pOutParsedTicket;
    return false;
}

GNS_API int SteamAPI_ISteamNetworkingSockets_FindRelayAuthTicketForServer(
    S_, const SteamNetworkingIdentity *identityGameServer, int nRemoteVirtualPort,
    SteamDatagramRelayAuthTicket *pOutParsedTicket)
{
    (void)self, (void)identityGameServer, (void)nRemoteVirtualPort, (void)pOutParsedTicket;
    return 0;
}

GNS_API HSteamNetConnection SteamAPI_ISteamNetworkingSockets_ConnectToHostedDedicatedServer(
    S_, const SteamNetworkingIdentity *identityTarget, int nRemoteVirtualPort, int nOptions,
    const SteamNetworkingConfigValue_t *pOptions)
{
    (void)self, (void)identityTarget, (void)nRemoteVirtualPort, (void)nOptions, (void)pOptions;
    return 0;
}

GNS_API uint16_t SteamAPI_ISteamNetworkingSockets_GetHostedDedicatedServerPort(S_)
{
    (void)self;
    return 0;
}

GNS_API SteamNetworkingPOPID SteamAPI_ISteamNetworkingSockets_GetHostedDedicatedServerPOPID(S_)
{
    (void)self;
    return 0;
}

GNS_API EResult SteamAPI_ISteamNetworkingSockets_GetHostedDedicatedServerAddress(
    S_, SteamDatagramHostedAddress *pRouting)
{
    (void)self, (void)pRouting;
    return GNS_RESULT_FAIL;
}

GNS_API HSteamListenSocket SteamAPI_ISteamNetworkingSockets_CreateHostedDedicatedServerListenSocket(
    S_, int nLocalVirtualPort, int nOptions, const SteamNetworkingConfigValue_t *pOptions)
{
    (void)self, (void)nLocalVirtualPort, (void)nOptions, (void)pOptions;
    return 0;
}

GNS_API EResult SteamAPI_ISteamNetworkingSockets_GetGameCoordinatorServerLogin(
    S_, SteamDatagramGameCoordinatorServerLogin *pLoginInfo, int *pcbSignedBlob, void *pBlob)
{
    (void)self, (void)pLoginInfo, (void)pcbSignedBlob, (void)pBlob;
    return GNS_RESULT_FAIL;
}

GNS_API void SteamAPI_SteamDatagramHostedAddress_Clear(SteamDatagramHostedAddress *self)
{
    if (self) memset(self, 0, sizeof *self);
}

GNS_API SteamNetworkingPOPID
SteamAPI_SteamDatagramHostedAddress_GetPopID(SteamDatagramHostedAddress *self)
{
    (void)self;
    return 0;
}

GNS_API void SteamAPI_SteamDatagramHostedAddress_SetDevAddress(SteamDatagramHostedAddress *self,
                                                               uint32_t nIP, uint16_t nPort,
                                                               SteamNetworkingPOPID popid)
{
    (void)self, (void)nIP, (void)nPort, (void)popid;
}

/* --- FakeIP (Steam only) ---------------------------------------------------------------------- */

GNS_API bool SteamAPI_ISteamNetworkingSockets_BeginAsyncRequestFakeIP(S_, int nNumPorts)
{
    (void)self, (void)nNumPorts;
    return false;
}

/* GNS leaves *pInfo untouched (API.md §3 notes); we say Disabled instead. */
GNS_API void SteamAPI_ISteamNetworkingSockets_GetFakeIP(S_, int idxFirstPort,
                                                        SteamNetworkingFakeIPResult_t *pInfo)
{
    (void)idxFirstPort;
    if (!pInfo) return;
    memset(pInfo, 0, sizeof *pInfo);
    pInfo->m_eResult = GNS_RESULT_DISABLED;
    SteamAPI_ISteamNetworkingSockets_GetIdentity(self, &pInfo->m_identity);
}

GNS_API HSteamListenSocket SteamAPI_ISteamNetworkingSockets_CreateListenSocketP2PFakeIP(
    S_, int idxFakePort, int nOptions, const SteamNetworkingConfigValue_t *pOptions)
{
    (void)self, (void)idxFakePort, (void)nOptions, (void)pOptions;
    return 0;
}

GNS_API EResult SteamAPI_ISteamNetworkingSockets_GetRemoteFakeIPForConnection(
    S_, HSteamNetConnection hConn, SteamNetworkingIPAddr *pOutAddr)
{
    if (pOutAddr) tern_addr_clear(pOutAddr);
    if (!SteamAPI_ISteamNetworkingSockets_GetConnectionInfo(self, hConn, NULL))
        return GNS_RESULT_INVALID_PARAM;
    return GNS_RESULT_IP_NOT_FOUND;
}

GNS_API ISteamNetworkingFakeUDPPort *
SteamAPI_ISteamNetworkingSockets_CreateFakeUDPPort(S_, int idxFakeServerPort)
{
    (void)self, (void)idxFakeServerPort;
    return NULL;
}

GNS_API void
SteamAPI_ISteamNetworkingFakeUDPPort_DestroyFakeUDPPort(ISteamNetworkingFakeUDPPort *self)
{
    (void)self;
}

GNS_API EResult SteamAPI_ISteamNetworkingFakeUDPPort_SendMessageToFakeIP(
    ISteamNetworkingFakeUDPPort *self, const SteamNetworkingIPAddr *remoteAddress,
    const void *pData, uint32_t cbData, int nSendFlags)
{
    (void)self, (void)remoteAddress, (void)pData, (void)cbData, (void)nSendFlags;
    return GNS_RESULT_FAIL;
}

GNS_API int SteamAPI_ISteamNetworkingFakeUDPPort_ReceiveMessages(
    ISteamNetworkingFakeUDPPort *self, SteamNetworkingMessage_t **ppOutMessages, int nMaxMessages)
{
    (void)self, (void)ppOutMessages, (void)nMaxMessages;
    return 0;
}

GNS_API void
SteamAPI_ISteamNetworkingFakeUDPPort_ScheduleCleanup(ISteamNetworkingFakeUDPPort *self,
                                                     const SteamNetworkingIPAddr *remoteAddress)
{
    (void)self, (void)remoteAddress;
}
