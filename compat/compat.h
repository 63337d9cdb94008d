/* The compat library's internals: the one global tern instance behind
 * GNS's interface objects, the shape of those objects (an object whose first
 * word points to a table of functions that take the object first: the
 * Itanium C++ ABI of a class with virtual methods and no virtual
 * destructor, API.md §10), and result mapping.
 *
 * tern internals used here (the library is linked statically):
 *   api/sockets.h   struct tern_sockets (lock, core), tern_api_lock/unlock,
 *                   tern_api_set_manual, tern_api_root, tern_api_load_fake
 *   conn/conn.h     tern_inst_conn, tern_conn (cfg, lsock), tern_listen (cfg),
 *                   tern_conn_set_user_data, tern_conn_refresh_opts, core.log*
 *   conn/config.h   tern_cfg_gns_set/get/info/next, tern_cfg_def_of, scopes
 *   wire/identity.h identity helpers beyond the public ones (Xbox, PSN)
 *   util/msgpool.h  a process-wide pool for AllocateMessage before Init
 */
#ifndef TERN_COMPAT_COMPAT_H
#define TERN_COMPAT_COMPAT_H

#include "flat.h"

/* --- interface objects -------------------------------------------------------------- */

struct gns_sockets_vtbl;
struct gns_utils_vtbl;
struct gns_messages_vtbl;

struct ISteamNetworkingSockets {
    const struct gns_sockets_vtbl *vtbl;
};
struct ISteamNetworkingUtils {
    const struct gns_utils_vtbl *vtbl;
};
struct ISteamNetworkingMessages {
    const struct gns_messages_vtbl *vtbl;
};

/* The objects the accessors return (vtables.c). */
extern ISteamNetworkingSockets tern_gns_sockets_obj;
extern ISteamNetworkingUtils tern_gns_utils_obj;
extern ISteamNetworkingMessages tern_gns_messages_obj;

/* Signaling objects the application hands us are driven only through their
 * vtables (API.md §15). */
typedef struct gns_signaling_vtbl {
    bool (*SendSignal)(ISteamNetworkingConnectionSignaling *self, HSteamNetConnection hConn,
                       const SteamNetConnectionInfo_t *info, const void *pMsg, int cbMsg);
    void (*Release)(ISteamNetworkingConnectionSignaling *self);
} gns_signaling_vtbl;
struct ISteamNetworkingConnectionSignaling {
    const gns_signaling_vtbl *vtbl;
};

typedef struct gns_recv_ctx_vtbl {
    ISteamNetworkingConnectionSignaling *(*OnConnectRequest)(
        ISteamNetworkingSignalingRecvContext *self, HSteamNetConnection hConn,
        const SteamNetworkingIdentity *identityPeer, int nLocalVirtualPort);
    void (*SendRejectionSignal)(ISteamNetworkingSignalingRecvContext *self,
                                const SteamNetworkingIdentity *identityPeer, const void *pMsg,
                                int cbMsg);
} gns_recv_ctx_vtbl;
struct ISteamNetworkingSignalingRecvContext {
    const gns_recv_ctx_vtbl *vtbl;
};

/* --- the global instance (lib.c) ------------------------------------------------------ */

/* The instance created by GameNetworkingSockets_Init, or NULL. */
tern_sockets *tern_gns_inst(void);

/* Route a log line to the application (SetDebugOutputFunction /
 * SetPreFormatDebugOutputHandler). */
void tern_gns_log(int level, const char *msg);

/* SetDebugOutputFunction: |fn| at |level| (<= 0 or NULL: none). */
void tern_gns_set_debug_output(int level, FSteamNetworkingSocketsDebugOutput fn);

/* Init was given an Invalid identity (GetIdentity then answers false, as
 * GNS does; tern runs as localhost). */
bool tern_gns_identity_invalid(void);

/* The pool for AllocateMessage (process-wide: Utils works before Init). */
tern_message *tern_gns_alloc_message(uint32_t size);

/* --- config (utils.c) -------------------------------------------------------------------- */

/* GNS's creation-options rule (API.md §13.2) for a new listen socket or
 * connection: check |opts| against GNS's rules at |level| without an
 * object; split those tern implements (passed to tern at creation) from
 * the rest (stored after creation with gns_apply_later). False: GNS would
 * refuse one of them, and the creation fails. |native| has room for n. */
bool tern_gns_check_opts(int level, int n, const SteamNetworkingConfigValue_t *opts,
                         SteamNetworkingConfigValue_t *native, int *nnative);
/* Store the options tern does not implement at the new object's scope. */
void tern_gns_apply_later(int level, uint32_t handle, int n,
                          const SteamNetworkingConfigValue_t *opts);

#endif
