/* The table of every config option (API.md §13.1), and lookups into it.
 *
 * What tern implements (TERN_CFGF_IMPL): the fake network (loss, lag,
 * reorder, duplication, jitter, rate limits, both directions; honoured by
 * the transport), the connection behaviour options (SendBufferSize, send
 * rates, NagleTime, timeouts, MTU, Recv* limits, Unencrypted,
 * IP[LocalHost]_AllowWithoutAuth, SendTimeSincePreviousPacket,
 * ConnectionUserData), LogLevel_*, and the status/auth callbacks.
 *
 * Registered in GNS but not implemented by tern yet, so the native API
 * answers TERN_NOT_SUPPORTED while the GNS-compatible one stores them:
 *   - P2P, ICE and signaling: SymmetricConnect (37), LocalVirtualPort (38),
 *     P2P_STUN_ServerList (103), P2P_Transport_ICE_Enable (104),
 *     P2P_Transport_ICE_Penalty (105), P2P_TURN_* (107-109),
 *     P2P_Transport_ICE_Implementation (110),
 *     Callback_CreateConnectionSignaling (206);
 *   - the Messages interface: Callback_MessagesSession{Request,Failed}
 *     (204, 205);
 *   - PacketTraceMaxBytes (41): tern has no packet trace;
 *   - OutOfOrderCorrectionWindowMicroseconds (51): the transport's
 *     reordering hold is not written yet.
 * Not registered in GNS's open-source build (SDR, FakeIP, dual wifi,
 * diagnostics UI, ECN, the relay-status callback): not implemented by tern
 * either; GNS and tern both refuse them.
 */
#include "conn/config.h"

#include <string.h>

enum {
    G = TERN_CFGS_GLOBAL,
    C = TERN_CFGS_CONN,
    I32 = TERN_CFGT_INT32,
    I64 = TERN_CFGT_INT64,
    F = TERN_CFGT_FLOAT,
    S = TERN_CFGT_STRING,
    P = TERN_CFGT_PTR,
    /* Reg/Enum columns of §13.1 */
    Y = TERN_CFGF_REG | TERN_CFGF_ENUM,
    D = TERN_CFGF_REG | TERN_CFGF_DEV,
    N = TERN_CFGF_REG,
    U = 0,
    IM = TERN_CFGF_IMPL,
};

#define ROW(id_, name_, type_, scope_, def_, min_, max_, flags_, slot_)                            \
    {                                                                                              \
        .id = (id_), .type = (type_), .scope = (scope_), .flags = (flags_), .slot = (slot_),       \
        .name = (name_), .def = (def_), .min = (min_), .max = (max_), .gns_def = (def_)            \
    }
#define R(id, name, type, scope, def, min, max, flags)                                             \
    ROW(id, name, type, scope, def, min, max, flags, -1)
/* tern's default differs from GNS's (|gdef|) */
#define RX(id_, name_, type_, scope_, def_, min_, max_, flags_, gdef_)                             \
    {                                                                                              \
        .id = (id_), .type = (type_), .scope = (scope_), .flags = (flags_) | TERN_CFGF_GNSDEF,     \
        .slot = -1, .name = (name_), .def = (def_), .min = (min_), .max = (max_),                  \
        .gns_def = (gdef_)                                                                         \
    }

#define I32MAX 2147483647.0
#define MIB256 268435456.0 /* 0x10000000 */

const tern_cfg_def tern_cfg_defs[TERN_CFG_NDEFS] = {
    R(2, "FakePacketLoss_Send", F, G, 0, 0, 100, Y | IM),
    R(3, "FakePacketLoss_Recv", F, G, 0, 0, 100, Y | IM),
    R(4, "FakePacketLag_Send", I32, G, 0, 0, 5000, Y | IM),
    R(5, "FakePacketLag_Recv", I32, G, 0, 0, 5000, Y | IM),
    R(6, "FakePacketReorder_Send", F, G, 0, 0, 100, Y | IM),
    R(7, "FakePacketReorder_Recv", F, G, 0, 0, 100, Y | IM),
    R(8, "FakePacketReorder_Time", I32, G, 15, 0, 5000, Y | IM),
    R(9, "SendBufferSize", I32, C, 524288, 4096, MIB256, Y | IM),
    /* tern's exception: unset (0) by default; GNS's 262144 in gns_def */
    RX(10, "SendRateMin", I32, C, 0, 1024, MIB256, Y | IM, 262144),
    RX(11, "SendRateMax", I32, C, 0, 1024, MIB256, Y | IM, 262144),
    R(12, "NagleTime", I32, C, 5000, 0, 20000, Y | IM),
    /* log levels: Warning (4), Error (2) .. Everything (8) */
    R(13, "LogLevel_AckRTT", I32, C, 4, 2, 8, Y | IM),
    R(14, "LogLevel_PacketDecode", I32, C, 4, 2, 8, Y | IM),
    R(15, "LogLevel_Message", I32, C, 4, 2, 8, Y | IM),
    R(16, "LogLevel_PacketGaps", I32, C, 4, 2, 8, Y | IM),
    R(17, "LogLevel_P2PRendezvous", I32, C, 4, 2, 8, Y | IM),
    R(18, "LogLevel_SDRRelayPings", I32, G, 4, 2, 8, U),
    R(19, "SDRClient_ConsecutitivePingTimeoutsFailInitial", I32, G, 0, 0, I32MAX, U),
    R(20, "SDRClient_ConsecutitivePingTimeoutsFail", I32, G, 0, 0, I32MAX, U),
    R(21, "SDRClient_MinPingsBeforePingAccurate", I32, G, 0, 0, I32MAX, U),
    R(22, "SDRClient_SingleSocket", I32, G, 0, 0, 1, U),
    ROW(23, "IP_AllowWithoutAuth", I32, C, 2, 0, 2, D | IM, 0),
    R(24, "TimeoutInitial", I32, C, 10000, 0, I32MAX, Y | IM),
    R(25, "TimeoutConnected", I32, C, 10000, 0, I32MAX, Y | IM),
    R(26, "FakePacketDup_Send", F, G, 0, 0, 100, Y | IM),
    R(27, "FakePacketDup_Recv", F, G, 0, 0, 100, Y | IM),
    R(28, "FakePacketDup_TimeMax", I32, G, 10, 0, 5000, Y | IM),
    R(29, "SDRClient_ForceRelayCluster", S, G, 0, 0, 0, U),
    R(30, "SDRClient_DevTicket", S, C, 0, 0, 0, U),
    R(31, "SDRClient_ForceProxyAddr", S, G, 0, 0, 0, U),
    R(32, "MTU_PacketSize", I32, C, 1300, 200, 1300, Y | IM),
    /* computed: max(0, MTU_PacketSize - 100); GNS does not register it */
    R(33, "MTU_DataSize", I32, C, 1200, 0, 0, TERN_CFGF_RO | IM),
    ROW(34, "Unencrypted", I32, C, 0, 0, 3, D | IM, 1),
    R(35, "DELETED_EnumerateDevVars", I32, G, 0, 0, 0, TERN_CFGF_RETIRED),
    R(36, "SDRClient_FakeClusterPing", S, G, 0, 0, 0, U | TERN_CFGF_DEV),
    ROW(37, "SymmetricConnect", I32, C, 0, 0, 1, N, 2),
    ROW(38, "LocalVirtualPort", I32, C, -1, -1, I32MAX, N, 3),
    R(39, "DualWifi_Enable", I32, C, 1, 0, 4, U),
    ROW(40, "ConnectionUserData", I64, C, -1, 0, 0, N | IM, TERN_CFG_SLOT_USER),
    R(41, "PacketTraceMaxBytes", I32, G, -1, -1, 99999, Y),
    R(42, "FakeRateLimit_Send_Rate", I32, G, 0, 0, 1073741824, Y | IM),
    R(43, "FakeRateLimit_Send_Burst", I32, G, 16384, 0, 1048576, Y | IM),
    R(44, "FakeRateLimit_Recv_Rate", I32, G, 0, 0, 1073741824, Y | IM),
    R(45, "FakeRateLimit_Recv_Burst", I32, G, 16384, 0, 1048576, Y | IM),
    R(46, "EnableDiagnosticsUI", I32, C, 1, 0, 1, U),
    R(47, "RecvBufferSize", I32, C, 1048576, 4096, MIB256, Y | IM),
    R(48, "RecvBufferMessages", I32, C, 1000, 2, MIB256, Y | IM),
    R(49, "RecvMaxMessageSize", I32, C, 524288, 64, MIB256, Y | IM),
    R(50, "RecvMaxSegmentsPerPacket", I32, C, 1300, 1, 1300, Y | IM),
    R(51, "OutOfOrderCorrectionWindowMicroseconds", I32, G, 1000, 0, 50000, Y),
    ROW(52, "IPLocalHost_AllowWithoutAuth", I32, C, 2, 0, 2, Y | IM, 4),
    R(53, "FakePacketJitter_Send_Avg", F, G, 0, 0, 2000, Y | IM),
    R(54, "FakePacketJitter_Send_Max", F, G, 100, 0, 5000, Y | IM),
    R(55, "FakePacketJitter_Send_Pct", F, G, 75, 0, 100, Y | IM),
    R(56, "FakePacketJitter_Recv_Avg", F, G, 0, 0, 2000, Y | IM),
    R(57, "FakePacketJitter_Recv_Max", F, G, 100, 0, 5000, Y | IM),
    R(58, "FakePacketJitter_Recv_Pct", F, G, 75, 0, 100, Y | IM),
    R(59, "SendTimeSincePreviousPacket", I32, C, -1, -1, 1, Y | IM),
    R(60, "SDRClient_LimitPingProbesToNearestN", I32, G, 0, 0, I32MAX, U),
    R(103, "P2P_STUN_ServerList", S, C, 0, 0, 0, Y),
    ROW(104, "P2P_Transport_ICE_Enable", I32, C, I32MAX, 0, I32MAX, Y, 5),
    R(105, "P2P_Transport_ICE_Penalty", I32, C, 0, 0, I32MAX, Y),
    R(106, "P2P_Transport_SDR_Penalty", I32, C, 0, 0, I32MAX, U),
    R(107, "P2P_TURN_ServerList", S, C, 0, 0, 0, Y),
    R(108, "P2P_TURN_UserList", S, C, 0, 0, 0, Y),
    R(109, "P2P_TURN_PassList", S, C, 0, 0, 0, Y),
    ROW(110, "P2P_Transport_ICE_Implementation", I32, C, 0, 0, 2, Y, 6),
    R(201, "Callback_ConnectionStatusChanged", P, C, 0, 0, 0, N | IM),
    R(202, "Callback_AuthStatusChanged", P, G, 0, 0, 0, N | IM),
    R(203, "Callback_RelayNetworkStatusChanged", P, G, 0, 0, 0, U),
    R(204, "Callback_MessagesSessionRequest", P, G, 0, 0, 0, N),
    R(205, "Callback_MessagesSessionFailed", P, G, 0, 0, 0, N),
    R(206, "Callback_CreateConnectionSignaling", P, G, 0, 0, 0, N),
    R(207, "Callback_FakeIPResult", P, G, 0, 0, 0, U),
    R(998, "SDRClient_EnableTOSProbes", I32, G, 0, 0, 1, U),
    R(999, "ECN", I32, G, -1, -1, 2, U),
};

/* Rows are dense per id block: 2..60, 103..110, 201..207, 998..999. */
int tern_cfg_index(int id)
{
    if (id >= 2 && id <= 60) return id - 2;
    if (id >= 103 && id <= 110) return id - 103 + 59;
    if (id >= 201 && id <= 207) return id - 201 + 67;
    if (id >= 998 && id <= 999) return id - 998 + 74;
    return -1;
}

const tern_cfg_def *tern_cfg_def_of(int id)
{
    int i = tern_cfg_index(id);
    return i < 0 ? NULL : &tern_cfg_defs[i];
}

int tern_cfg_find(const char *name)
{
    if (!name) return TERN_OPT_INVALID;
    for (int i = 0; i < TERN_CFG_NDEFS; i++)
        if (strcmp(tern_cfg_defs[i].name, name) == 0) return tern_cfg_defs[i].id;
    return TERN_OPT_INVALID;
}
