#!/usr/bin/python3
"""What a language binding does: load libGameNetworkingSockets.so by name with
ctypes (Debian's python3, nothing else) and chat over loopback UDP through the
flat API -- a listen socket, a client, status callbacks from RunCallbacks,
accept, messages both ways, close. Prints only what does not depend on timing
or handles, so GNS's library and tern's give the same output (run_both.sh
compares them); names the library it loaded on stderr."""
import ctypes
import os
import sys
import time

lib = ctypes.CDLL("libGameNetworkingSockets.so")
with open("/proc/self/maps") as f:
    for line in f:
        if "libGameNetworkingSockets.so" in line:
            print("LOADED " + line[line.index("/"):].strip(), file=sys.stderr)
            break


class IPAddr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("ipv6", ctypes.c_uint8 * 16), ("port", ctypes.c_uint16)]


class Identity(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("type", ctypes.c_int32), ("size", ctypes.c_int32), ("data", ctypes.c_uint8 * 128)]


class ConnInfo(ctypes.Structure):
    _pack_ = 4
    _fields_ = [("identity_remote", Identity), ("user_data", ctypes.c_int64),
                ("listen_socket", ctypes.c_uint32), ("addr_remote", IPAddr),
                ("pad1", ctypes.c_uint16), ("pop_remote", ctypes.c_uint32),
                ("pop_relay", ctypes.c_uint32), ("state", ctypes.c_int32),
                ("end_reason", ctypes.c_int32), ("end_debug", ctypes.c_char * 128),
                ("description", ctypes.c_char * 128), ("flags", ctypes.c_int32),
                ("reserved", ctypes.c_uint32 * 63)]


class StatusChanged(ctypes.Structure):
    _pack_ = 4
    _fields_ = [("conn", ctypes.c_uint32), ("info", ConnInfo), ("old_state", ctypes.c_int32)]


class Message(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("size", ctypes.c_int32), ("conn", ctypes.c_uint32),
                ("peer", Identity), ("conn_user_data", ctypes.c_int64),
                ("time_received", ctypes.c_int64), ("message_number", ctypes.c_int64),
                ("free_data", ctypes.c_void_p), ("release", ctypes.c_void_p),
                ("channel", ctypes.c_int32), ("flags", ctypes.c_int32),
                ("user_data", ctypes.c_int64), ("lane", ctypes.c_uint16), ("pad", ctypes.c_uint16)]


class ConfigValue(ctypes.Structure):
    _fields_ = [("id", ctypes.c_int32), ("type", ctypes.c_int32), ("ptr", ctypes.c_void_p)]


assert ctypes.sizeof(IPAddr) == 18 and ctypes.sizeof(Identity) == 136
assert ctypes.sizeof(ConnInfo) == 696 and ctypes.sizeof(StatusChanged) == 704
assert ctypes.sizeof(Message) == 216 and ctypes.sizeof(ConfigValue) == 16

P = ctypes.c_void_p
B = ctypes.c_bool
U32 = ctypes.c_uint32
STATUS_CB = ctypes.CFUNCTYPE(None, ctypes.POINTER(StatusChanged))


def fn(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


Init = fn("GameNetworkingSockets_Init", B, P, ctypes.c_char_p)
Kill = fn("GameNetworkingSockets_Kill", None)
Sockets = fn("SteamAPI_SteamNetworkingSockets_v009", P)
Utils = fn("SteamAPI_SteamNetworkingUtils_v003", P)
SetGlobalStatus = fn("SteamAPI_ISteamNetworkingUtils_SetGlobalCallback_SteamNetConnectionStatusChanged", B, P, STATUS_CB)
GetConfigValueInfo = fn("SteamAPI_ISteamNetworkingUtils_GetConfigValueInfo", ctypes.c_char_p, P, ctypes.c_int32, P, P)
AddrParse = fn("SteamAPI_SteamNetworkingIPAddr_ParseString", B, ctypes.POINTER(IPAddr), ctypes.c_char_p)
AddrToString = fn("SteamAPI_SteamNetworkingIPAddr_ToString", None, ctypes.POINTER(IPAddr), ctypes.c_char_p, ctypes.c_size_t, B)
IdToString = fn("SteamAPI_SteamNetworkingIdentity_ToString", None, ctypes.POINTER(Identity), ctypes.c_char_p, ctypes.c_size_t)
Listen = fn("SteamAPI_ISteamNetworkingSockets_CreateListenSocketIP", U32, P, ctypes.POINTER(IPAddr), ctypes.c_int, ctypes.POINTER(ConfigValue))
Connect = fn("SteamAPI_ISteamNetworkingSockets_ConnectByIPAddress", U32, P, ctypes.POINTER(IPAddr), ctypes.c_int, ctypes.POINTER(ConfigValue))
Accept = fn("SteamAPI_ISteamNetworkingSockets_AcceptConnection", ctypes.c_int, P, U32)
Close = fn("SteamAPI_ISteamNetworkingSockets_CloseConnection", B, P, U32, ctypes.c_int, ctypes.c_char_p, B)
CloseListen = fn("SteamAPI_ISteamNetworkingSockets_CloseListenSocket", B, P, U32)
Send = fn("SteamAPI_ISteamNetworkingSockets_SendMessageToConnection", ctypes.c_int, P, U32, ctypes.c_char_p, U32, ctypes.c_int, ctypes.POINTER(ctypes.c_int64))
Receive = fn("SteamAPI_ISteamNetworkingSockets_ReceiveMessagesOnConnection", ctypes.c_int, P, U32, ctypes.POINTER(ctypes.POINTER(Message)), ctypes.c_int)
Release = fn("SteamAPI_SteamNetworkingMessage_t_Release", None, ctypes.POINTER(Message))
RunCallbacks = fn("SteamAPI_ISteamNetworkingSockets_RunCallbacks", None, P)
GetInfo = fn("SteamAPI_ISteamNetworkingSockets_GetConnectionInfo", B, P, U32, ctypes.POINTER(ConnInfo))
SetName = fn("SteamAPI_ISteamNetworkingSockets_SetConnectionName", None, P, U32, ctypes.c_char_p)

print("utils before init:", "set" if Utils() else "null", "sockets:", "set" if Sockets() else "null")
print("option 12:", GetConfigValueInfo(Utils(), 12, None, None).decode())
addr = IPAddr()
for text in ["127.0.0.1:27020", "[::1]:80", "nonsense"]:
    ok = AddrParse(ctypes.byref(addr), text.encode())
    buf = ctypes.create_string_buffer(48)
    AddrToString(ctypes.byref(addr), buf, 48, True)
    print("parse %s -> %s %s" % (text, ok, buf.value.decode()))

err = ctypes.create_string_buffer(1024)
if not Init(None, err):
    print("init failed:", err.value.decode())
    sys.exit(1)
S = Sockets()
events = {"client": [], "server": []}
roles = {}
listen_handle = [0]


@STATUS_CB
def on_status(p):
    e = p.contents
    if e.conn not in roles and e.info.listen_socket:
        roles[e.conn] = "server"
    role = roles.get(e.conn)
    if role is None:
        return
    events[role].append("%d->%d end=%d dbg=%r" % (e.old_state, e.info.state, e.info.end_reason,
                                                  e.info.end_debug.decode()))
    if role == "server" and e.info.state == 1:
        events[role].append("accept -> %d" % Accept(S, e.conn))


print("set callback:", SetGlobalStatus(Utils(), on_status))
port = 40000 + os.getpid() % 20000
bind = IPAddr()
bind.port = port
ls = Listen(S, ctypes.byref(bind), 0, None)
print("listen:", "ok" if ls else "failed")
AddrParse(ctypes.byref(addr), ("127.0.0.1:%d" % port).encode())
cli = Connect(S, ctypes.byref(addr), 0, None)
roles[cli] = "client"
print("connect:", "ok" if cli else "failed")


def state(h):
    info = ConnInfo()
    return info.state if GetInfo(S, h, ctypes.byref(info)) else -1


def pump(cond, seconds=5.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        RunCallbacks(S)
        if cond():
            return True
        time.sleep(0.01)
    return False


pump(lambda: all(any(e.startswith("1->3") for e in events[r]) for r in ("client", "server")))
srv = [h for h, r in roles.items() if r == "server"][0]
for role in ("client", "server"):
    print("events %s: %s" % (role, "; ".join(events[role])))
    events[role].clear()
SetName(S, cli, b"py")
info = ConnInfo()
GetInfo(S, cli, ctypes.byref(info))
ident = ctypes.create_string_buffer(128)
IdToString(ctypes.byref(info.identity_remote), ident, 128)
print("client info: state=%d flags=%d remote=%s named=%s" % (
    info.state, info.flags, ident.value.decode().replace(str(port), "PORT"),
    info.description.decode().endswith("'py'")))


def receive(h, want):
    got = []
    ptrs = (ctypes.POINTER(Message) * 8)()

    def more():
        n = Receive(S, h, ptrs, 8)
        for i in range(n):
            m = ptrs[i].contents
            got.append("%r num=%d chan=%d reliable=%d" % (
                ctypes.string_at(m.data, m.size).decode(), m.message_number, m.channel, m.flags & 8))
            Release(ptrs[i])
        return len(got) >= want
    pump(more)
    return got


num = ctypes.c_int64()
for i, line in enumerate(["hello from python", "/nick py", "second line"]):
    r = Send(S, cli, line.encode(), len(line), 8, ctypes.byref(num))
    print("client send %r -> %d num=%d" % (line, r, num.value))
print("server got:", receive(srv, 3))
print("server reply ->", Send(S, srv, b"welcome, py", 11, 8, None))
print("client got:", receive(cli, 1))
print("close client:", Close(S, cli, 1001, b"see you", False))
pump(lambda: any(e.startswith("3->4") for e in events["server"]) and events["client"])
for role in ("client", "server"):
    print("events %s: %s" % (role, "; ".join(events[role])))
print("close server:", Close(S, srv, 0, None, False), "listen:", CloseListen(S, ls))
Kill()
print("sockets after kill:", "set" if Sockets() else "null")
