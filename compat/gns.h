/* GNS's public types for C (API.md §11, §12), for the compat library.
 *
 * GNS's own headers are C++ only. The value types that cross the API
 * unchanged are tern's public types, which have GNS's exact layouts (the
 * asserts at the end check every size and offset of API.md §11), so
 * messages, infos and status events pass between tern and the application
 * without copying. Enums are int32_t (API.md §0: every GNS enum is 4 bytes).
 */
#ifndef TERN_COMPAT_GNS_H
#define TERN_COMPAT_GNS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/tern.h"

/* --- handles and scalars --------------------------------------------------------- */
typedef uint32_t HSteamNetConnection;
typedef uint32_t HSteamListenSocket;
typedef uint32_t HSteamNetPollGroup;
typedef uint32_t SteamNetworkingPOPID;
typedef int64_t SteamNetworkingMicroseconds;
typedef char SteamNetworkingErrMsg[1024];
typedef int32_t EResult;
typedef int32_t ESteamNetworkingConnectionState;
typedef int32_t ESteamNetworkingAvailability;
typedef int32_t ESteamNetworkingConfigValue;
typedef int32_t ESteamNetworkingConfigScope;
typedef int32_t ESteamNetworkingConfigDataType;
typedef int32_t ESteamNetworkingGetConfigValueResult;
typedef int32_t ESteamNetworkingSocketsDebugOutputType;
typedef int32_t ESteamNetworkingFakeIPType;

#define k_HSteamNetConnection_Invalid 0u
#define k_HSteamListenSocket_Invalid  0u
#define k_HSteamNetPollGroup_Invalid  0u

/* EResult values the API produces (API.md §12.1). */
enum {
    GNS_RESULT_OK = 1,
    GNS_RESULT_FAIL = 2,
    GNS_RESULT_NO_CONNECTION = 3,
    GNS_RESULT_INVALID_PARAM = 8,
    GNS_RESULT_INVALID_STATE = 11,
    GNS_RESULT_IP_NOT_FOUND = 31,
    GNS_RESULT_DISABLED = 80,
};

/* ESteamNetworkingAvailability / ESteamNetworkingFakeIPType values we answer. */
#define GNS_AVAIL_CANNOT_TRY (-102)
#define GNS_FAKEIP_NOT_FAKE  1
#define GNS_PING_UNKNOWN     (-2)

/* --- value types: tern's, with GNS's layouts ---------------------------------------- */
typedef tern_addr SteamNetworkingIPAddr;
typedef tern_identity SteamNetworkingIdentity;
typedef tern_message SteamNetworkingMessage_t;
typedef tern_conn_info SteamNetConnectionInfo_t;
typedef tern_realtime_status SteamNetConnectionRealTimeStatus_t;
typedef tern_lane_status SteamNetConnectionRealTimeLaneStatus_t;
typedef tern_status_event SteamNetConnectionStatusChangedCallback_t;
typedef tern_config_value SteamNetworkingConfigValue_t;

#pragma pack(push, 4) /* VALVE_CALLBACK_PACK_SMALL (Linux, macOS, BSD) */
typedef struct SteamNetAuthenticationStatus_t {
    ESteamNetworkingAvailability m_eAvail;
    char m_debugMsg[256];
} SteamNetAuthenticationStatus_t;

/* Steamworks only (GetFakeIP's output); layout of API.md §11.8. */
typedef struct SteamNetworkingFakeIPResult_t {
    EResult m_eResult;
    SteamNetworkingIdentity m_identity;
    uint32_t m_unIP;
    uint16_t m_unPorts[8];
} SteamNetworkingFakeIPResult_t;
#pragma pack(pop)

typedef struct SteamRelayNetworkStatus_t {
    ESteamNetworkingAvailability m_eAvail;
    int32_t m_bPingMeasurementInProgress;
    ESteamNetworkingAvailability m_eAvailNetworkConfig;
    ESteamNetworkingAvailability m_eAvailAnyRelay;
    char m_debugMsg[256];
} SteamRelayNetworkStatus_t;

typedef struct SteamNetworkPingLocation_t {
    uint8_t m_data[512];
} SteamNetworkPingLocation_t;

#pragma pack(push, 1)
typedef struct SteamNetworkingMessagesSessionRequest_t {
    SteamNetworkingIdentity m_identityRemote;
} SteamNetworkingMessagesSessionRequest_t;

typedef struct SteamNetworkingMessagesSessionFailed_t {
    SteamNetConnectionInfo_t m_info;
} SteamNetworkingMessagesSessionFailed_t;
#pragma pack(pop)

/* Steamworks SDK types GNS only forward-declares; never dereferenced here
 * except HostedAddress, whose layout the SDK fixes. */
typedef struct SteamDatagramHostedAddress {
    int32_t m_cbSize;
    char m_data[128];
} SteamDatagramHostedAddress;
typedef struct SteamDatagramRelayAuthTicket SteamDatagramRelayAuthTicket;
typedef struct SteamDatagramGameCoordinatorServerLogin SteamDatagramGameCoordinatorServerLogin;

/* --- interfaces (opaque to C callers; see compat.h for their shape) ------------------- */
typedef struct ISteamNetworkingSockets ISteamNetworkingSockets;
typedef struct ISteamNetworkingUtils ISteamNetworkingUtils;
typedef struct ISteamNetworkingMessages ISteamNetworkingMessages;
typedef struct ISteamNetworkingConnectionSignaling ISteamNetworkingConnectionSignaling;
typedef struct ISteamNetworkingSignalingRecvContext ISteamNetworkingSignalingRecvContext;
typedef struct ISteamNetworkingFakeUDPPort ISteamNetworkingFakeUDPPort;

/* --- callbacks (API.md §14.1, §8) ---------------------------------------------------- */
typedef void (*FSteamNetworkingSocketsDebugOutput)(ESteamNetworkingSocketsDebugOutputType nType,
                                                   const char *pszMsg);
typedef void (*FnSteamNetConnectionStatusChanged)(SteamNetConnectionStatusChangedCallback_t *);
typedef void (*FnSteamNetAuthenticationStatusChanged)(SteamNetAuthenticationStatus_t *);
typedef void (*FnSteamRelayNetworkStatusChanged)(SteamRelayNetworkStatus_t *);
typedef void (*FnSteamNetworkingMessagesSessionRequest)(SteamNetworkingMessagesSessionRequest_t *);
typedef void (*FnSteamNetworkingMessagesSessionFailed)(SteamNetworkingMessagesSessionFailed_t *);
typedef void (*FnSteamNetworkingFakeIPResult)(SteamNetworkingFakeIPResult_t *);
typedef void (*FSteamNetworkingSocketsPreFormatDebugOutput)(
    ESteamNetworkingSocketsDebugOutputType eType, bool bFmt, const char *pstrFile, int nLine,
    const char *pMsg, va_list ap);
typedef void (*FSteamNetworkingSocketsLockCallback)(const char *tags,
                                                    SteamNetworkingMicroseconds usecWaited);

typedef bool (*FSteamNetworkingSocketsCustomSignaling_SendSignal)(
    void *ctx, HSteamNetConnection hConn, const SteamNetConnectionInfo_t *info, const void *pMsg,
    int cbMsg);
typedef void (*FSteamNetworkingSocketsCustomSignaling_Release)(void *ctx);
typedef ISteamNetworkingConnectionSignaling *(
    *FSteamNetworkingCustomSignalingRecvContext_OnConnectRequest)(
    void *ctx, HSteamNetConnection hConn, const SteamNetworkingIdentity *identityPeer,
    int nLocalVirtualPort);
typedef void (*FSteamNetworkingCustomSignalingRecvContext_SendRejectionSignal)(
    void *ctx, const SteamNetworkingIdentity *identityPeer, const void *pMsg, int cbMsg);

/* --- layouts (API.md §11; x86-64 Linux, pack(4) callback region) ---------------------- */
#define GNS_CHECK(type, field, off) _Static_assert(offsetof(type, field) == (off), #type "." #field)
#define GNS_SIZE(type, size)        _Static_assert(sizeof(type) == (size), "sizeof " #type)

GNS_SIZE(SteamNetworkingIPAddr, 18);
GNS_CHECK(SteamNetworkingIPAddr, ipv6, 0);
GNS_CHECK(SteamNetworkingIPAddr, port, 16);
_Static_assert(_Alignof(SteamNetworkingIPAddr) == 1, "IPAddr align 1");

GNS_SIZE(SteamNetworkingIdentity, 136);
GNS_CHECK(SteamNetworkingIdentity, type, 0);
GNS_CHECK(SteamNetworkingIdentity, size, 4);
GNS_CHECK(SteamNetworkingIdentity, u, 8);
GNS_CHECK(SteamNetworkingIdentity, u.steam_id, 8);
GNS_CHECK(SteamNetworkingIdentity, u.generic_string, 8);
GNS_CHECK(SteamNetworkingIdentity, u.ip, 8);
_Static_assert(sizeof(((SteamNetworkingIdentity *)0)->u.xbox_pairwise_id) == 33, "xbox id");
_Static_assert(sizeof(((SteamNetworkingIdentity *)0)->u.unknown_raw) == 128, "raw string");
_Static_assert(_Alignof(SteamNetworkingIdentity) == 1, "Identity align 1");

GNS_SIZE(SteamNetConnectionInfo_t, 696);
GNS_CHECK(SteamNetConnectionInfo_t, identity_remote, 0);
GNS_CHECK(SteamNetConnectionInfo_t, user_data, 136);
GNS_CHECK(SteamNetConnectionInfo_t, listen_socket, 144);
GNS_CHECK(SteamNetConnectionInfo_t, addr_remote, 148);
GNS_CHECK(SteamNetConnectionInfo_t, pad1_, 166);
GNS_CHECK(SteamNetConnectionInfo_t, pop_remote, 168);
GNS_CHECK(SteamNetConnectionInfo_t, pop_relay, 172);
GNS_CHECK(SteamNetConnectionInfo_t, state, 176);
GNS_CHECK(SteamNetConnectionInfo_t, end_reason, 180);
GNS_CHECK(SteamNetConnectionInfo_t, end_debug, 184);
GNS_CHECK(SteamNetConnectionInfo_t, description, 312);
GNS_CHECK(SteamNetConnectionInfo_t, flags, 440);
GNS_CHECK(SteamNetConnectionInfo_t, reserved, 444);
_Static_assert(_Alignof(SteamNetConnectionInfo_t) == 4, "ConnectionInfo align 4");

GNS_SIZE(SteamNetConnectionRealTimeStatus_t, 120);
GNS_CHECK(SteamNetConnectionRealTimeStatus_t, state, 0);
GNS_CHECK(SteamNetConnectionRealTimeStatus_t, ping_ms, 4);
GNS_CHECK(SteamNetConnectionRealTimeStatus_t, quality_local, 8);
GNS_CHECK(SteamNetConnectionRealTimeStatus_t, quality_remote, 12);
GNS_CHECK(SteamNetConnectionRealTimeStatus_t, out_packets_per_sec, 16);
GNS_CHECK(SteamNetConnectionRealTimeStatus_t, out_bytes_per_sec, 20);
GNS_CHECK(SteamNetConnectionRealTimeStatus_t, in_packets_per_sec, 24);
GNS_CHECK(SteamNetConnectionRealTimeStatus_t, in_bytes_per_sec, 28);
GNS_CHECK(SteamNetConnectionRealTimeStatus_t, send_rate, 32);
GNS_CHECK(SteamNetConnectionRealTimeStatus_t, pending_unreliable, 36);
GNS_CHECK(SteamNetConnectionRealTimeStatus_t, pending_reliable, 40);
GNS_CHECK(SteamNetConnectionRealTimeStatus_t, sent_unacked_reliable, 44);
GNS_CHECK(SteamNetConnectionRealTimeStatus_t, queue_time_usec, 48);
GNS_CHECK(SteamNetConnectionRealTimeStatus_t, max_jitter_usec, 56);
GNS_CHECK(SteamNetConnectionRealTimeStatus_t, reserved, 60);

GNS_SIZE(SteamNetConnectionRealTimeLaneStatus_t, 64);
GNS_CHECK(SteamNetConnectionRealTimeLaneStatus_t, pending_unreliable, 0);
GNS_CHECK(SteamNetConnectionRealTimeLaneStatus_t, pending_reliable, 4);
GNS_CHECK(SteamNetConnectionRealTimeLaneStatus_t, sent_unacked_reliable, 8);
GNS_CHECK(SteamNetConnectionRealTimeLaneStatus_t, queue_time_usec, 16);
GNS_CHECK(SteamNetConnectionRealTimeLaneStatus_t, reserved, 24);

GNS_SIZE(SteamNetworkingMessage_t, 216);
GNS_CHECK(SteamNetworkingMessage_t, data, 0);
GNS_CHECK(SteamNetworkingMessage_t, size, 8);
GNS_CHECK(SteamNetworkingMessage_t, conn, 12);
GNS_CHECK(SteamNetworkingMessage_t, peer, 16);
GNS_CHECK(SteamNetworkingMessage_t, conn_user_data, 152);
GNS_CHECK(SteamNetworkingMessage_t, time_received, 160);
GNS_CHECK(SteamNetworkingMessage_t, message_number, 168);
GNS_CHECK(SteamNetworkingMessage_t, free_data, 176);
GNS_CHECK(SteamNetworkingMessage_t, release, 184);
GNS_CHECK(SteamNetworkingMessage_t, channel, 192);
GNS_CHECK(SteamNetworkingMessage_t, flags, 196);
GNS_CHECK(SteamNetworkingMessage_t, user_data, 200);
GNS_CHECK(SteamNetworkingMessage_t, lane, 208);
_Static_assert(_Alignof(SteamNetworkingMessage_t) == 8, "Message align 8");

GNS_SIZE(SteamNetworkingConfigValue_t, 16);
GNS_CHECK(SteamNetworkingConfigValue_t, id, 0);
GNS_CHECK(SteamNetworkingConfigValue_t, type, 4);
GNS_CHECK(SteamNetworkingConfigValue_t, val, 8);
_Static_assert(_Alignof(SteamNetworkingConfigValue_t) == 8, "ConfigValue align 8");

GNS_SIZE(SteamNetConnectionStatusChangedCallback_t, 704);
GNS_CHECK(SteamNetConnectionStatusChangedCallback_t, conn, 0);
GNS_CHECK(SteamNetConnectionStatusChangedCallback_t, info, 4);
GNS_CHECK(SteamNetConnectionStatusChangedCallback_t, old_state, 700);

GNS_SIZE(SteamNetAuthenticationStatus_t, 260);
GNS_CHECK(SteamNetAuthenticationStatus_t, m_debugMsg, 4);
GNS_SIZE(SteamNetworkingFakeIPResult_t, 160);
GNS_CHECK(SteamNetworkingFakeIPResult_t, m_identity, 4);
GNS_CHECK(SteamNetworkingFakeIPResult_t, m_unIP, 140);
GNS_CHECK(SteamNetworkingFakeIPResult_t, m_unPorts, 144);
GNS_SIZE(SteamNetworkingMessagesSessionRequest_t, 136);
GNS_SIZE(SteamNetworkingMessagesSessionFailed_t, 696);
GNS_SIZE(SteamRelayNetworkStatus_t, 272);
GNS_CHECK(SteamRelayNetworkStatus_t, m_bPingMeasurementInProgress, 4);
GNS_CHECK(SteamRelayNetworkStatus_t, m_eAvailNetworkConfig, 8);
GNS_CHECK(SteamRelayNetworkStatus_t, m_eAvailAnyRelay, 12);
GNS_CHECK(SteamRelayNetworkStatus_t, m_debugMsg, 16);
GNS_SIZE(SteamNetworkPingLocation_t, 512);
GNS_SIZE(SteamDatagramHostedAddress, 132);
GNS_SIZE(SteamNetworkingErrMsg, 1024);

#endif
