/* ISteamNetworkingMessages (API.md §5): its transport is P2P, which tern
 * does not have yet, so every call answers what GNS answers when no
 * session can exist (no signaling to create one). */
#include <string.h>

#include "compat.h"

#define M_ ISteamNetworkingMessages *self

GNS_API EResult SteamAPI_ISteamNetworkingMessages_SendMessageToUser(
    M_, const SteamNetworkingIdentity *identityRemote, const void *pubData, uint32_t cubData,
    int nSendFlags, int nRemoteChannel)
{
    (void)self, (void)pubData, (void)nSendFlags, (void)nRemoteChannel;
    if (!identityRemote || tern_identity_is_invalid(identityRemote) || cubData > 512 * 1024)
        return GNS_RESULT_INVALID_PARAM;
    return GNS_RESULT_FAIL; /* GNS: no connection could be created */
}

GNS_API int SteamAPI_ISteamNetworkingMessages_ReceiveMessagesOnChannel(
    M_, int nLocalChannel, SteamNetworkingMessage_t **ppOutMessages, int nMaxMessages)
{
    (void)self, (void)nLocalChannel, (void)ppOutMessages, (void)nMaxMessages;
    return 0;
}

GNS_API bool SteamAPI_ISteamNetworkingMessages_AcceptSessionWithUser(
    M_, const SteamNetworkingIdentity *identityRemote)
{
    (void)self, (void)identityRemote;
    return false;
}

GNS_API bool SteamAPI_ISteamNetworkingMessages_CloseSessionWithUser(
    M_, const SteamNetworkingIdentity *identityRemote)
{
    (void)self, (void)identityRemote;
    return false;
}

GNS_API bool SteamAPI_ISteamNetworkingMessages_CloseChannelWithUser(
    M_, const SteamNetworkingIdentity *identityRemote, int nLocalChannel)
{
    (void)self, (void)identityRemote, (void)nLocalChannel;
    return false;
}

GNS_API ESteamNetworkingConnectionState SteamAPI_ISteamNetworkingMessages_GetSessionConnectionInfo(
    M_, const SteamNetworkingIdentity *identityRemote, SteamNetConnectionInfo_t *pConnectionInfo,
    SteamNetConnectionRealTimeStatus_t *pQuickStatus)
{
    (void)self, (void)identityRemote;
    if (pConnectionInfo) memset(pConnectionInfo, 0, sizeof *pConnectionInfo);
    if (pQuickStatus) memset(pQuickStatus, 0, sizeof *pQuickStatus);
    return TERN_STATE_NONE;
}
