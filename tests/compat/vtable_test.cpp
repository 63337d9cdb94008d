// The C++ ABI of the interface objects (API.md §10): built with g++ against
// GNS's own headers, it calls every method through SteamNetworkingSockets(),
// SteamNetworkingUtils() and SteamNetworkingMessages() -- virtual calls
// through the vtable -- and checks each answer is the one that method gives,
// so a slot out of order fails. run_both.sh runs it on GNS's library and on
// tern's and compares the output.
#include <steam/isteamnetworkingmessages.h>
#include <steam/isteamnetworkingutils.h>
#include <steam/steamnetworkingsockets.h>

#include <cstdio>
#include <cstring>
#include <thread>
#include <chrono>

static int g_fail, g_pass;
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            g_pass++;                                                                              \
        } else {                                                                                   \
            g_fail++;                                                                              \
            printf("FAILED line %d: %s\n", __LINE__, #cond);                                       \
        }                                                                                          \
    } while (0)

static void which_library()
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[4096];
    while (f && fgets(line, sizeof line, f)) {
        char *p = strchr(line, '/');
        if (p && strstr(p, "libGameNetworkingSockets.so")) {
            fprintf(stderr, "LOADED %s", p);
            break;
        }
    }
    if (f) fclose(f);
}

static HSteamNetConnection g_accepted;
static void on_status(SteamNetConnectionStatusChangedCallback_t *e)
{
    if (e->m_info.m_hListenSocket &&
        e->m_info.m_eState == k_ESteamNetworkingConnectionState_Connecting) {
        g_accepted = e->m_hConn;
        SteamNetworkingSockets()->AcceptConnection(e->m_hConn);
    }
}

int main()
{
    which_library();
    ISteamNetworkingUtils *u = SteamNetworkingUtils();
    CHECK(u != nullptr);
    CHECK(SteamNetworkingSockets_LibV12() == nullptr);
    SteamNetworkingErrMsg err;
    CHECK(GameNetworkingSockets_Init(nullptr, err));
    ISteamNetworkingSockets *s = SteamNetworkingSockets();
    CHECK(s != nullptr);

    // Utils, slot by slot
    SteamNetworkingMessage_t *m = u->AllocateMessage(10); // 0
    CHECK(m && m->m_cbSize == 10 && m->m_nChannel == -1 && m->m_pfnRelease);
    m->Release();
    SteamRelayNetworkStatus_t rs;
    u->GetRelayNetworkStatus(&rs); // 1
    SteamNetworkPingLocation_t loc;
    CHECK(u->GetLocalPingLocation(loc) < 0);                     // 2
    CHECK(u->EstimatePingTimeBetweenTwoLocations(loc, loc) < 0); // 3
    CHECK(u->EstimatePingTimeFromLocalHost(loc) < 0);            // 4
    char buf[256] = "x";
    u->ConvertPingLocationToString(loc, buf, sizeof buf); // 5
    CHECK(!u->ParsePingLocationString("nonsense", loc));  // 6
    CHECK(!u->CheckPingDataUpToDate(1.0f));               // 7
    SteamNetworkingPOPID via;
    CHECK(u->GetPingToDataCenter(0x646576, &via) < 0);       // 8
    CHECK(u->GetDirectPingToPOP(0x646576) < 0);              // 9
    CHECK(u->GetPOPCount() == 0);                            // 10
    CHECK(u->GetPOPList(&via, 1) == 0);                      // 11
    SteamNetworkingMicroseconds t0 = u->GetLocalTimestamp(); // 12
    CHECK(t0 > 0);
    u->SetDebugOutputFunction(k_ESteamNetworkingSocketsDebugOutputType_None, nullptr); // 13
    CHECK(u->GetIPv4FakeIPType(0x01020304) == k_ESteamNetworkingFakeIPType_NotFake);   // 14
    SteamNetworkingIPAddr a;
    a.SetIPv4(0x7f000001, 1);
    SteamNetworkingIdentity id;
    CHECK(u->GetRealIdentityForFakeIP(a, &id) == k_EResultDisabled);               // 15
    CHECK(u->SetGlobalConfigValueInt32(k_ESteamNetworkingConfig_NagleTime, 1234)); // 16
    int32 v = 0;
    size_t cb = sizeof v;
    ESteamNetworkingConfigDataType t;
    CHECK(u->GetConfigValue(k_ESteamNetworkingConfig_NagleTime, k_ESteamNetworkingConfig_Global, 0,
                            &t, &v, &cb) == k_ESteamNetworkingGetConfigValue_OK); // 17
    CHECK(v == 1234 && t == k_ESteamNetworkingConfig_Int32);
    CHECK(!strcmp(u->GetConfigValueInfo(k_ESteamNetworkingConfig_NagleTime, &t, nullptr),
                  "NagleTime")); // 18
    CHECK(u->IterateGenericEditableConfigValues(k_ESteamNetworkingConfig_Invalid, false) ==
          k_ESteamNetworkingConfig_FakePacketLoss_Send);         // 19
    u->SteamNetworkingIPAddr_ToString(a, buf, sizeof buf, true); // 20
    CHECK(!strcmp(buf, "127.0.0.1:1"));
    CHECK(u->SteamNetworkingIPAddr_ParseString(&a, "[::1]:5") && a.m_port == 5);              // 21
    CHECK(u->SteamNetworkingIPAddr_GetFakeIPType(a) == k_ESteamNetworkingFakeIPType_NotFake); // 22
    CHECK(u->SteamNetworkingIdentity_ParseString(&id, "str:hello"));                          // 24
    u->SteamNetworkingIdentity_ToString(id, buf, sizeof buf);                                 // 23
    CHECK(!strcmp(buf, "str:hello"));
    CHECK(u->SetGlobalCallback_SteamNetConnectionStatusChanged(on_status));

    // Sockets
    HSteamNetConnection c1 = 0, c2 = 0;
    CHECK(s->CreateSocketPair(&c1, &c2, false, nullptr, nullptr));          // 19
    CHECK(s->SetConnectionUserData(c1, 77));                                // 7
    CHECK(s->GetConnectionUserData(c1) == 77);                              // 8
    s->SetConnectionName(c1, "vt");                                         // 9
    CHECK(s->GetConnectionName(c1, buf, sizeof buf) && !strcmp(buf, "vt")); // 10
    int64 num = 0;
    CHECK(s->SendMessageToConnection(c1, "hi", 2, k_nSteamNetworkingSend_Reliable, &num) ==
              k_EResultOK &&
          num == 1); // 11
    SteamNetworkingMessage_t *batch[1] = {u->AllocateMessage(3)};
    memcpy(batch[0]->m_pData, "abc", 3);
    batch[0]->m_conn = c1;
    batch[0]->m_nFlags = k_nSteamNetworkingSend_Reliable;
    int64 res = 0;
    s->SendMessages(1, batch, &res, true); // 12
    CHECK(res == 2);
    CHECK(s->FlushMessagesOnConnection(c1) == k_EResultOK); // 13
    SteamNetworkingMessage_t *in[4];
    int n = 0;
    for (int i = 0; i < 200 && n < 2; i++) {
        int k = s->ReceiveMessagesOnConnection(c2, in + n, 4 - n); // 14
        if (k > 0)
            n += k;
        else
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK(n == 2 && in[0]->m_cbSize == 2 && in[1]->m_cbSize == 3);
    for (int i = 0; i < n; i++) in[i]->Release();
    SteamNetConnectionInfo_t info;
    CHECK(s->GetConnectionInfo(c1, &info) && info.m_nFlags == 12); // 15
    SteamNetConnectionRealTimeStatus_t st;
    CHECK(s->GetConnectionRealTimeStatus(c1, &st, 0, nullptr) == k_EResultOK);               // 16
    CHECK(s->GetDetailedConnectionStatus(12345, buf, sizeof buf) == -1);                     // 17
    CHECK(s->GetListenSocketAddress(12345, &a) == false);                                    // 18
    CHECK(s->ConfigureConnectionLanes(12345, 1, nullptr, nullptr) == k_EResultNoConnection); // 20
    CHECK(s->GetIdentity(&id));                                                              // 21
    s->GetIdentity(&id);
    id.ToString(buf, sizeof buf);
    CHECK(!strcmp(buf, "ip:::1"));
    CHECK(s->InitAuthentication() == k_ESteamNetworkingAvailability_CannotTry); // 22
    SteamNetAuthenticationStatus_t as;
    CHECK(s->GetAuthenticationStatus(&as) == k_ESteamNetworkingAvailability_CannotTry); // 23
    HSteamNetPollGroup pg = s->CreatePollGroup();                                       // 24
    CHECK(pg != 0);
    CHECK(s->SetConnectionPollGroup(c2, pg));                              // 26
    CHECK(s->ReceiveMessagesOnPollGroup(pg, in, 4) == 0);                  // 27
    CHECK(s->DestroyPollGroup(pg));                                        // 25
    CHECK(!s->ReceivedRelayAuthTicket("x", 1, nullptr));                   // 28
    CHECK(s->FindRelayAuthTicketForServer(id, 0, nullptr) == 0);           // 29
    CHECK(s->GetHostedDedicatedServerPort() == 0);                         // 31
    CHECK(s->GetHostedDedicatedServerPOPID() == 0);                        // 32
    CHECK(s->GetHostedDedicatedServerAddress(nullptr) == k_EResultFail);   // 33
    CHECK(s->CreateHostedDedicatedServerListenSocket(0, 0, nullptr) == 0); // 34
    int cbBlob = 0;
    CHECK(s->GetGameCoordinatorServerLogin(nullptr, &cbBlob, nullptr) == k_EResultFail); // 35
    CHECK(s->ConnectP2PCustomSignaling(nullptr, &id, 0, 0, nullptr) == 0);               // 36
    CHECK(!s->SetCertificate("x", 1, err));                                              // 39
    CHECK(s->CloseConnection(c1, 0, nullptr, false));                                    // 5
    CHECK(s->CloseConnection(c2, 0, nullptr, false));

    // listen / connect / accept (in the status callback, from RunCallbacks)
    SteamNetworkingIPAddr bind;
    bind.Clear();
    bind.m_port =
        31000 + (uint16)(std::chrono::steady_clock::now().time_since_epoch().count() % 20000);
    HSteamListenSocket ls = s->CreateListenSocketIP(bind, 0, nullptr); // 0
    CHECK(ls != 0);
    CHECK(s->GetListenSocketAddress(ls, &a) && a.m_port == bind.m_port); // 18
    SteamNetworkingIPAddr to;
    to.SetIPv4(0x7f000001, bind.m_port);
    HSteamNetConnection cli = s->ConnectByIPAddress(to, 0, nullptr); // 1
    CHECK(cli != 0);
    for (int i = 0; i < 500; i++) {
        s->RunCallbacks(); // 41
        if (g_accepted && s->GetConnectionInfo(cli, &info) &&
            info.m_eState == k_ESteamNetworkingConnectionState_Connected)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(g_accepted != 0);
    CHECK(s->GetConnectionInfo(cli, &info) &&
          info.m_eState == k_ESteamNetworkingConnectionState_Connected);
    CHECK(s->AcceptConnection(cli) == k_EResultInvalidState); // 4
    CHECK(s->CloseListenSocket(ls));                          // 6
    CHECK(s->CloseConnection(cli, 0, nullptr, false));

    // P2P and FakeIP slots: their failure values
    CHECK(s->CreateListenSocketP2PFakeIP(0, 0, nullptr) == 0);                  // 44
    CHECK(s->GetRemoteFakeIPForConnection(12345, &a) == k_EResultInvalidParam); // 45
    CHECK(s->CreateFakeUDPPort(0) == nullptr);                                  // 46
    CHECK(s->ConnectP2P(id, 0, 0, nullptr) == 0);                               // 3

    // Messages
    ISteamNetworkingMessages *msgs = SteamNetworkingMessages();
    CHECK(msgs != nullptr);
    SteamNetworkingIdentity bad;
    bad.Clear();
    CHECK(msgs->SendMessageToUser(bad, "x", 1, 0, 0) == k_EResultInvalidParam); // 0
    CHECK(msgs->ReceiveMessagesOnChannel(0, in, 4) == 0);                       // 1
    CHECK(!msgs->AcceptSessionWithUser(id));                                    // 2
    CHECK(!msgs->CloseSessionWithUser(id));                                     // 3
    CHECK(!msgs->CloseChannelWithUser(id, 0));                                  // 4
    CHECK(msgs->GetSessionConnectionInfo(id, &info, &st) ==
          k_ESteamNetworkingConnectionState_None); // 5

    GameNetworkingSockets_Kill();
    CHECK(SteamNetworkingSockets_LibV12() == nullptr);
    printf("vtable: %d checks, %d failed\n", g_pass + g_fail, g_fail);
    return g_fail ? 1 : 0;
}
