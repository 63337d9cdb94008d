/* The interface objects and their vtables, in the slot order of API.md §10
 * (GNS's C++ headers; no virtual destructors, so slot 0 is the first
 * method). Each entry is the same C function as the flat export: the
 * object comes first, as the Itanium ABI passes |this|. Every member's type
 * is taken from the flat function it holds, so the compiler checks them. */
#include "compat.h"

#define SLOT(iface, name) __typeof__(&SteamAPI_##iface##_##name) name

struct gns_sockets_vtbl {
    SLOT(ISteamNetworkingSockets, CreateListenSocketIP);                    /* 0 */
    SLOT(ISteamNetworkingSockets, ConnectByIPAddress);                      /* 1 */
    SLOT(ISteamNetworkingSockets, CreateListenSocketP2P);                   /* 2 */
    SLOT(ISteamNetworkingSockets, ConnectP2P);                              /* 3 */
    SLOT(ISteamNetworkingSockets, AcceptConnection);                        /* 4 */
    SLOT(ISteamNetworkingSockets, CloseConnection);                         /* 5 */
    SLOT(ISteamNetworkingSockets, CloseListenSocket);                       /* 6 */
    SLOT(ISteamNetworkingSockets, SetConnectionUserData);                   /* 7 */
    SLOT(ISteamNetworkingSockets, GetConnectionUserData);                   /* 8 */
    SLOT(ISteamNetworkingSockets, SetConnectionName);                       /* 9 */
    SLOT(ISteamNetworkingSockets, GetConnectionName);                       /* 10 */
    SLOT(ISteamNetworkingSockets, SendMessageToConnection);                 /* 11 */
    SLOT(ISteamNetworkingSockets, SendMessages);                            /* 12 */
    SLOT(ISteamNetworkingSockets, FlushMessagesOnConnection);               /* 13 */
    SLOT(ISteamNetworkingSockets, ReceiveMessagesOnConnection);             /* 14 */
    SLOT(ISteamNetworkingSockets, GetConnectionInfo);                       /* 15 */
    SLOT(ISteamNetworkingSockets, GetConnectionRealTimeStatus);             /* 16 */
    SLOT(ISteamNetworkingSockets, GetDetailedConnectionStatus);             /* 17 */
    SLOT(ISteamNetworkingSockets, GetListenSocketAddress);                  /* 18 */
    SLOT(ISteamNetworkingSockets, CreateSocketPair);                        /* 19 */
    SLOT(ISteamNetworkingSockets, ConfigureConnectionLanes);                /* 20 */
    SLOT(ISteamNetworkingSockets, GetIdentity);                             /* 21 */
    SLOT(ISteamNetworkingSockets, InitAuthentication);                      /* 22 */
    SLOT(ISteamNetworkingSockets, GetAuthenticationStatus);                 /* 23 */
    SLOT(ISteamNetworkingSockets, CreatePollGroup);                         /* 24 */
    SLOT(ISteamNetworkingSockets, DestroyPollGroup);                        /* 25 */
    SLOT(ISteamNetworkingSockets, SetConnectionPollGroup);                  /* 26 */
    SLOT(ISteamNetworkingSockets, ReceiveMessagesOnPollGroup);              /* 27 */
    SLOT(ISteamNetworkingSockets, ReceivedRelayAuthTicket);                 /* 28 */
    SLOT(ISteamNetworkingSockets, FindRelayAuthTicketForServer);            /* 29 */
    SLOT(ISteamNetworkingSockets, ConnectToHostedDedicatedServer);          /* 30 */
    SLOT(ISteamNetworkingSockets, GetHostedDedicatedServerPort);            /* 31 */
    SLOT(ISteamNetworkingSockets, GetHostedDedicatedServerPOPID);           /* 32 */
    SLOT(ISteamNetworkingSockets, GetHostedDedicatedServerAddress);         /* 33 */
    SLOT(ISteamNetworkingSockets, CreateHostedDedicatedServerListenSocket); /* 34 */
    SLOT(ISteamNetworkingSockets, GetGameCoordinatorServerLogin);           /* 35 */
    SLOT(ISteamNetworkingSockets, ConnectP2PCustomSignaling);               /* 36 */
    SLOT(ISteamNetworkingSockets, ReceivedP2PCustomSignal);                 /* 37 */
    SLOT(ISteamNetworkingSockets, GetCertificateRequest);                   /* 38 */
    SLOT(ISteamNetworkingSockets, SetCertificate);                          /* 39 */
    SLOT(ISteamNetworkingSockets, ResetIdentity);                           /* 40 */
    SLOT(ISteamNetworkingSockets, RunCallbacks);                            /* 41 */
    SLOT(ISteamNetworkingSockets, BeginAsyncRequestFakeIP);                 /* 42 */
    SLOT(ISteamNetworkingSockets, GetFakeIP);                               /* 43 */
    SLOT(ISteamNetworkingSockets, CreateListenSocketP2PFakeIP);             /* 44 */
    SLOT(ISteamNetworkingSockets, GetRemoteFakeIPForConnection);            /* 45 */
    SLOT(ISteamNetworkingSockets, CreateFakeUDPPort);                       /* 46 */
};
_Static_assert(sizeof(struct gns_sockets_vtbl) == 47 * sizeof(void (*)(void)), "47 slots");

/* Slots 20 and 23 take size_t in C++; the Steamworks flat names take uint32. */
static void vt_addr_to_string(ISteamNetworkingUtils *self, const SteamNetworkingIPAddr *addr,
                              char *buf, size_t cbBuf, bool bWithPort)
{
    (void)self;
    SteamNetworkingIPAddr_ToString(addr, buf, cbBuf, bWithPort);
}

static void vt_identity_to_string(ISteamNetworkingUtils *self,
                                  const SteamNetworkingIdentity *identity, char *buf, size_t cbBuf)
{
    (void)self;
    SteamNetworkingIdentity_ToString(identity, buf, cbBuf);
}

struct gns_utils_vtbl {
    SLOT(ISteamNetworkingUtils, AllocateMessage);                        /* 0 */
    SLOT(ISteamNetworkingUtils, GetRelayNetworkStatus);                  /* 1 */
    SLOT(ISteamNetworkingUtils, GetLocalPingLocation);                   /* 2 */
    SLOT(ISteamNetworkingUtils, EstimatePingTimeBetweenTwoLocations);    /* 3 */
    SLOT(ISteamNetworkingUtils, EstimatePingTimeFromLocalHost);          /* 4 */
    SLOT(ISteamNetworkingUtils, ConvertPingLocationToString);            /* 5 */
    SLOT(ISteamNetworkingUtils, ParsePingLocationString);                /* 6 */
    SLOT(ISteamNetworkingUtils, CheckPingDataUpToDate);                  /* 7 */
    SLOT(ISteamNetworkingUtils, GetPingToDataCenter);                    /* 8 */
    SLOT(ISteamNetworkingUtils, GetDirectPingToPOP);                     /* 9 */
    SLOT(ISteamNetworkingUtils, GetPOPCount);                            /* 10 */
    SLOT(ISteamNetworkingUtils, GetPOPList);                             /* 11 */
    SLOT(ISteamNetworkingUtils, GetLocalTimestamp);                      /* 12 */
    SLOT(ISteamNetworkingUtils, SetDebugOutputFunction);                 /* 13 */
    SLOT(ISteamNetworkingUtils, GetIPv4FakeIPType);                      /* 14 */
    SLOT(ISteamNetworkingUtils, GetRealIdentityForFakeIP);               /* 15 */
    SLOT(ISteamNetworkingUtils, SetConfigValue);                         /* 16 */
    SLOT(ISteamNetworkingUtils, GetConfigValue);                         /* 17 */
    SLOT(ISteamNetworkingUtils, GetConfigValueInfo);                     /* 18 */
    SLOT(ISteamNetworkingUtils, IterateGenericEditableConfigValues);     /* 19 */
    __typeof__(&vt_addr_to_string) SteamNetworkingIPAddr_ToString;       /* 20 */
    SLOT(ISteamNetworkingUtils, SteamNetworkingIPAddr_ParseString);      /* 21 */
    SLOT(ISteamNetworkingUtils, SteamNetworkingIPAddr_GetFakeIPType);    /* 22 */
    __typeof__(&vt_identity_to_string) SteamNetworkingIdentity_ToString; /* 23 */
    SLOT(ISteamNetworkingUtils, SteamNetworkingIdentity_ParseString);    /* 24 */
};
_Static_assert(sizeof(struct gns_utils_vtbl) == 25 * sizeof(void (*)(void)), "25 slots");

struct gns_messages_vtbl {
    SLOT(ISteamNetworkingMessages, SendMessageToUser);        /* 0 */
    SLOT(ISteamNetworkingMessages, ReceiveMessagesOnChannel); /* 1 */
    SLOT(ISteamNetworkingMessages, AcceptSessionWithUser);    /* 2 */
    SLOT(ISteamNetworkingMessages, CloseSessionWithUser);     /* 3 */
    SLOT(ISteamNetworkingMessages, CloseChannelWithUser);     /* 4 */
    SLOT(ISteamNetworkingMessages, GetSessionConnectionInfo); /* 5 */
};
_Static_assert(sizeof(struct gns_messages_vtbl) == 6 * sizeof(void (*)(void)), "6 slots");

#define FN(iface, name) .name = SteamAPI_##iface##_##name

static const struct gns_sockets_vtbl sockets_vtbl = {
    FN(ISteamNetworkingSockets, CreateListenSocketIP),
    FN(ISteamNetworkingSockets, ConnectByIPAddress),
    FN(ISteamNetworkingSockets, CreateListenSocketP2P),
    FN(ISteamNetworkingSockets, ConnectP2P),
    FN(ISteamNetworkingSockets, AcceptConnection),
    FN(ISteamNetworkingSockets, CloseConnection),
    FN(ISteamNetworkingSockets, CloseListenSocket),
    FN(ISteamNetworkingSockets, SetConnectionUserData),
    FN(ISteamNetworkingSockets, GetConnectionUserData),
    FN(ISteamNetworkingSockets, SetConnectionName),
    FN(ISteamNetworkingSockets, GetConnectionName),
    FN(ISteamNetworkingSockets, SendMessageToConnection),
    FN(ISteamNetworkingSockets, SendMessages),
    FN(ISteamNetworkingSockets, FlushMessagesOnConnection),
    FN(ISteamNetworkingSockets, ReceiveMessagesOnConnection),
    FN(ISteamNetworkingSockets, GetConnectionInfo),
    FN(ISteamNetworkingSockets, GetConnectionRealTimeStatus),
    FN(ISteamNetworkingSockets, GetDetailedConnectionStatus),
    FN(ISteamNetworkingSockets, GetListenSocketAddress),
    FN(ISteamNetworkingSockets, CreateSocketPair),
    FN(ISteamNetworkingSockets, ConfigureConnectionLanes),
    FN(ISteamNetworkingSockets, GetIdentity),
    FN(ISteamNetworkingSockets, InitAuthentication),
    FN(ISteamNetworkingSockets, GetAuthenticationStatus),
    FN(ISteamNetworkingSockets, CreatePollGroup),
    FN(ISteamNetworkingSockets, DestroyPollGroup),
    FN(ISteamNetworkingSockets, SetConnectionPollGroup),
    FN(ISteamNetworkingSockets, ReceiveMessagesOnPollGroup),
    FN(ISteamNetworkingSockets, ReceivedRelayAuthTicket),
    FN(ISteamNetworkingSockets, FindRelayAuthTicketForServer),
    FN(ISteamNetworkingSockets, ConnectToHostedDedicatedServer),
    FN(ISteamNetworkingSockets, GetHostedDedicatedServerPort),
    FN(ISteamNetworkingSockets, GetHostedDedicatedServerPOPID),
    FN(ISteamNetworkingSockets, GetHostedDedicatedServerAddress),
    FN(ISteamNetworkingSockets, CreateHostedDedicatedServerListenSocket),
    FN(ISteamNetworkingSockets, GetGameCoordinatorServerLogin),
    FN(ISteamNetworkingSockets, ConnectP2PCustomSignaling),
    FN(ISteamNetworkingSockets, ReceivedP2PCustomSignal),
    FN(ISteamNetworkingSockets, GetCertificateRequest),
    FN(ISteamNetworkingSockets, SetCertificate),
    FN(ISteamNetworkingSockets, ResetIdentity),
    FN(ISteamNetworkingSockets, RunCallbacks),
    FN(ISteamNetworkingSockets, BeginAsyncRequestFakeIP),
    FN(ISteamNetworkingSockets, GetFakeIP),
    FN(ISteamNetworkingSockets, CreateListenSocketP2PFakeIP),
    FN(ISteamNetworkingSockets, GetRemoteFakeIPForConnection),
    FN(ISteamNetworkingSockets, CreateFakeUDPPort),
};

static const struct gns_utils_vtbl utils_vtbl = {
    FN(ISteamNetworkingUtils, AllocateMessage),
    FN(ISteamNetworkingUtils, GetRelayNetworkStatus),
    FN(ISteamNetworkingUtils, GetLocalPingLocation),
    FN(ISteamNetworkingUtils, EstimatePingTimeBetweenTwoLocations),
    FN(ISteamNetworkingUtils, EstimatePingTimeFromLocalHost),
    FN(ISteamNetworkingUtils, ConvertPingLocationToString),
    FN(ISteamNetworkingUtils, ParsePingLocationString),
    FN(ISteamNetworkingUtils, CheckPingDataUpToDate),
    FN(ISteamNetworkingUtils, GetPingToDataCenter),
    FN(ISteamNetworkingUtils, GetDirectPingToPOP),
    FN(ISteamNetworkingUtils, GetPOPCount),
    FN(ISteamNetworkingUtils, GetPOPList),
    FN(ISteamNetworkingUtils, GetLocalTimestamp),
    FN(ISteamNetworkingUtils, SetDebugOutputFunction),
    FN(ISteamNetworkingUtils, GetIPv4FakeIPType),
    FN(ISteamNetworkingUtils, GetRealIdentityForFakeIP),
    FN(ISteamNetworkingUtils, SetConfigValue),
    FN(ISteamNetworkingUtils, GetConfigValue),
    FN(ISteamNetworkingUtils, GetConfigValueInfo),
    FN(ISteamNetworkingUtils, IterateGenericEditableConfigValues),
    .SteamNetworkingIPAddr_ToString = vt_addr_to_string,
    FN(ISteamNetworkingUtils, SteamNetworkingIPAddr_ParseString),
    FN(ISteamNetworkingUtils, SteamNetworkingIPAddr_GetFakeIPType),
    .SteamNetworkingIdentity_ToString = vt_identity_to_string,
    FN(ISteamNetworkingUtils, SteamNetworkingIdentity_ParseString),
};

static const struct gns_messages_vtbl messages_vtbl = {
    FN(ISteamNetworkingMessages, SendMessageToUser),
    FN(ISteamNetworkingMessages, ReceiveMessagesOnChannel),
    FN(ISteamNetworkingMessages, AcceptSessionWithUser),
    FN(ISteamNetworkingMessages, CloseSessionWithUser),
    FN(ISteamNetworkingMessages, CloseChannelWithUser),
    FN(ISteamNetworkingMessages, GetSessionConnectionInfo),
};

ISteamNetworkingSockets tern_gns_sockets_obj = {&sockets_vtbl};
ISteamNetworkingUtils tern_gns_utils_obj = {&utils_vtbl};
ISteamNetworkingMessages tern_gns_messages_obj = {&messages_vtbl};
