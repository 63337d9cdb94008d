/* Library lifecycle (API.md §2, §7): the one global instance that
 * GameNetworkingSockets_Init creates, the interface accessors, logging,
 * manual polling, and the diagnostics hooks. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/sockets.h"
#include "compat.h"
#include "util/msgpool.h"

/* Init, Kill and the mode switches take this; method calls read g_inst
 * without it (as GNS's accessors do: using the interface across Kill is the
 * application's bug). */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static tern_sockets *_Atomic g_inst;
static bool g_manual;               /* SetManualPollMode */
static void (*g_thread_init)(void); /* SetServiceThreadInitCallback */

/* SetCustomMemoryAllocator: honoured for everything tern allocates for the
 * instance (GNS: call it once, before anything else). */
static void *(*g_malloc)(size_t);
static void (*g_free)(void *);
static void *(*g_realloc)(void *, size_t);
static tern_mem g_mem;

/* Logging. */
static _Atomic(FSteamNetworkingSocketsDebugOutput) g_log_fn;
static atomic_int g_log_level;
static _Atomic(FSteamNetworkingSocketsPreFormatDebugOutput) g_prefmt_fn;
static atomic_int g_prefmt_level;

tern_sockets *tern_gns_inst(void)
{
    return atomic_load(&g_inst);
}

/* --- memory -------------------------------------------------------------------------- */

static void *mem_malloc(size_t n, void *u)
{
    (void)u;
    return g_malloc(n);
}
static void mem_free(void *p, void *u)
{
    (void)u;
    g_free(p);
}
static void *mem_calloc(size_t n, size_t sz, void *u)
{
    (void)u;
    if (sz && n > SIZE_MAX / sz) return NULL;
    void *p = g_malloc(n * sz);
    if (p) memset(p, 0, n * sz);
    return p;
}
static void *mem_realloc(void *p, size_t n, void *u)
{
    (void)u;
    return g_realloc(p, n);
}

GNS_API void SteamNetworkingSockets_SetCustomMemoryAllocator(void *(*pfn_malloc)(size_t),
                                                             void (*pfn_free)(void *),
                                                             void *(*pfn_realloc)(void *, size_t))
{
    pthread_mutex_lock(&g_lock);
    if (!atomic_load(&g_inst) && pfn_malloc && pfn_free && pfn_realloc) {
        g_malloc = pfn_malloc;
        g_free = pfn_free;
        g_realloc = pfn_realloc;
        g_mem = (tern_mem){NULL, mem_malloc, mem_free, mem_calloc, mem_realloc};
    }
    pthread_mutex_unlock(&g_lock);
}

/* One pool for AllocateMessage, created on first use and kept for the
 * process (messages may outlive every instance). */
static tern_msgpool *g_pool;
static pthread_once_t g_pool_once = PTHREAD_ONCE_INIT;

static void pool_init(void)
{
    g_pool = tern_msgpool_new(NULL);
}

tern_message *tern_gns_alloc_message(uint32_t size)
{
    pthread_once(&g_pool_once, pool_init);
    if (!g_pool) return NULL;
    tern_message *m = tern_msg_new(g_pool, size);
    if (m) m->channel = -1;
    return m;
}

/* --- logging ---------------------------------------------------------------------------- */

static void call_prefmt(FSteamNetworkingSocketsPreFormatDebugOutput h, int level, const char *file,
                        int line, const char *msg, ...)
{
    va_list ap;
    va_start(ap, msg);
    h(level, false, file, line, msg, ap);
    va_end(ap);
}

void tern_gns_log(int level, const char *msg)
{
    FSteamNetworkingSocketsPreFormatDebugOutput h = atomic_load(&g_prefmt_fn);
    if (h) {
        if (level <= atomic_load(&g_prefmt_level)) call_prefmt(h, level, NULL, 0, msg);
        return;
    }
    FSteamNetworkingSocketsDebugOutput f = atomic_load(&g_log_fn);
    if (f && level <= atomic_load(&g_log_level)) f(level, msg);
}

static void log_tramp(int level, const char *msg, void *user)
{
    (void)user;
    tern_gns_log(level, msg);
}

/* The most detailed level anyone wants, for tern's own filter. */
static int wanted_level(void)
{
    int a = atomic_load(&g_log_fn) ? atomic_load(&g_log_level) : 0;
    int b = atomic_load(&g_prefmt_fn) ? atomic_load(&g_prefmt_level) : 0;
    return a > b ? a : b;
}

static void apply_log_level(void)
{
    tern_sockets *s = atomic_load(&g_inst);
    if (!s) return;
    tern_api_lock(s);
    s->core.log = log_tramp;
    s->core.log_level = wanted_level();
    tern_api_unlock(s);
}

void tern_gns_set_debug_output(int level, FSteamNetworkingSocketsDebugOutput fn)
{
    pthread_mutex_lock(&g_lock);
    atomic_store(&g_log_level, fn && level > 0 ? level : 0);
    atomic_store(&g_log_fn, level > 0 ? fn : NULL);
    apply_log_level();
    pthread_mutex_unlock(&g_lock);
}

GNS_API void SteamNetworkingSockets_SetPreFormatDebugOutputHandler(
    ESteamNetworkingSocketsDebugOutputType eDetailLevel,
    FSteamNetworkingSocketsPreFormatDebugOutput pfn_Handler)
{
    pthread_mutex_lock(&g_lock);
    atomic_store(&g_prefmt_level, eDetailLevel);
    atomic_store(&g_prefmt_fn, pfn_Handler);
    apply_log_level();
    pthread_mutex_unlock(&g_lock);
}

GNS_API void SteamNetworkingSockets_DefaultPreFormatDebugOutputHandler(
    ESteamNetworkingSocketsDebugOutputType eType, bool bFmt, const char *pstrFile, int nLine,
    const char *pMsg, va_list ap)
{
    if (!pMsg) return;
    char text[2048];
    size_t n = 0;
    if (pstrFile) {
        int k = snprintf(text, sizeof text, "%s(%d): ", pstrFile, nLine);
        n = k < 0 ? 0 : (size_t)k < sizeof text ? (size_t)k : sizeof text - 1;
    }
    if (bFmt)
        vsnprintf(text + n, sizeof text - n, pMsg, ap);
    else
        snprintf(text + n, sizeof text - n, "%s", pMsg);
    FSteamNetworkingSocketsDebugOutput f = atomic_load(&g_log_fn);
    if (f && eType <= atomic_load(&g_log_level)) f(eType, text);
}

/* --- diagnostics hooks: tern has no global lock, so nothing ever waits on
 * one; the hooks are kept and never called. --- */

static SteamNetworkingMicroseconds g_lock_warn_usec;
static FSteamNetworkingSocketsLockCallback g_lock_acquired, g_lock_held;

GNS_API void
SteamNetworkingSockets_SetLockWaitWarningThreshold(SteamNetworkingMicroseconds usecThreshold)
{
    g_lock_warn_usec = usecThreshold;
}

GNS_API void SteamNetworkingSockets_SetLockAcquiredCallback(FSteamNetworkingSocketsLockCallback cb)
{
    g_lock_acquired = cb;
}

GNS_API void SteamNetworkingSockets_SetLockHeldCallback(FSteamNetworkingSocketsLockCallback cb)
{
    g_lock_held = cb;
}

GNS_API void SteamNetworkingSockets_SetServiceThreadInitCallback(void (*cb)(void))
{
    pthread_mutex_lock(&g_lock);
    g_thread_init = cb;
    pthread_mutex_unlock(&g_lock);
}

/* --- manual polling ---------------------------------------------------------------------- */

GNS_API void SteamNetworkingSockets_SetManualPollMode(bool bFlag)
{
    pthread_mutex_lock(&g_lock);
    g_manual = bFlag;
    tern_sockets *s = atomic_load(&g_inst);
    if (s) tern_api_set_manual(s, bFlag, g_thread_init);
    pthread_mutex_unlock(&g_lock);
}

GNS_API void SteamNetworkingSockets_Poll(int msMaxWaitTime)
{
    tern_sockets *s = atomic_load(&g_inst);
    if (!s || !g_manual) return; /* GNS asserts: only valid in manual mode */
    tern_sockets_poll(s, msMaxWaitTime < 0 ? 0 : msMaxWaitTime);
}

/* --- Init / Kill ----------------------------------------------------------------------------- */

static bool g_identity_invalid; /* Init was given an Invalid identity */

bool tern_gns_identity_invalid(void)
{
    return g_identity_invalid;
}

GNS_API bool GameNetworkingSockets_Init(const SteamNetworkingIdentity *pIdentity,
                                        SteamNetworkingErrMsg errMsg)
{
    pthread_mutex_lock(&g_lock);
    if (atomic_load(&g_inst)) { /* GNS asserts "Initted interface twice?" and succeeds */
        pthread_mutex_unlock(&g_lock);
        return true;
    }
    tern_sockets_config cfg;
    tern_sockets_config_default(&cfg);
    cfg.mem = g_malloc ? &g_mem : NULL;
    cfg.manual_mode = 1; /* the service thread starts below, with the init hook */
    g_identity_invalid = pIdentity && tern_identity_is_invalid(pIdentity);
    cfg.identity = pIdentity && !g_identity_invalid ? pIdentity : NULL;
    cfg.log = log_tramp;
    cfg.log_level = wanted_level();
    tern_sockets *s = NULL;
    tern_result r = tern_sockets_new(&cfg, &s);
    if (r == TERN_OK && !g_manual) {
        r = tern_api_set_manual(s, false, g_thread_init);
        if (r != TERN_OK) {
            tern_sockets_del(s);
            s = NULL;
        }
    }
    if (r != TERN_OK) {
        if (errMsg)
            snprintf(errMsg, sizeof(SteamNetworkingErrMsg), "tern: cannot start: %s",
                     tern_result_str(r));
        pthread_mutex_unlock(&g_lock);
        return false;
    }
    atomic_store(&g_inst, s);
    pthread_mutex_unlock(&g_lock);
    return true;
}

GNS_API void GameNetworkingSockets_Kill(void)
{
    pthread_mutex_lock(&g_lock);
    tern_sockets *s = atomic_exchange(&g_inst, NULL);
    if (s) tern_sockets_del(s);
    pthread_mutex_unlock(&g_lock);
}

/* --- accessors ----------------------------------------------------------------------------- */

GNS_API ISteamNetworkingSockets *SteamNetworkingSockets_LibV12(void)
{
    return atomic_load(&g_inst) ? &tern_gns_sockets_obj : NULL;
}

GNS_API ISteamNetworkingUtils *SteamNetworkingUtils_LibV4(void)
{
    return &tern_gns_utils_obj;
}

GNS_API ISteamNetworkingMessages *SteamNetworkingMessages_LibV2(void)
{
    return atomic_load(&g_inst) ? &tern_gns_messages_obj : NULL;
}

GNS_API ISteamNetworkingSockets *SteamGameServerNetworkingSockets_LibV12(void)
{
    return SteamNetworkingSockets_LibV12();
}

GNS_API ISteamNetworkingMessages *SteamGameServerNetworkingMessages_LibV2(void)
{
    return SteamNetworkingMessages_LibV2();
}

GNS_API ISteamNetworkingSockets *SteamAPI_SteamNetworkingSockets_v009(void)
{
    return SteamNetworkingSockets_LibV12();
}

GNS_API ISteamNetworkingUtils *SteamAPI_SteamNetworkingUtils_v003(void)
{
    return SteamNetworkingUtils_LibV4();
}

GNS_API ISteamNetworkingMessages *SteamAPI_SteamNetworkingMessages_v002(void)
{
    return SteamNetworkingMessages_LibV2();
}

GNS_API ISteamNetworkingSockets *SteamAPI_SteamNetworkingSockets_SteamAPI_v012(void)
{
    return SteamNetworkingSockets_LibV12();
}

GNS_API ISteamNetworkingSockets *SteamAPI_SteamGameServerNetworkingSockets_SteamAPI_v012(void)
{
    return SteamNetworkingSockets_LibV12();
}

GNS_API ISteamNetworkingUtils *SteamAPI_SteamNetworkingUtils_SteamAPI_v004(void)
{
    return SteamNetworkingUtils_LibV4();
}

GNS_API ISteamNetworkingMessages *SteamAPI_SteamNetworkingMessages_SteamAPI_v002(void)
{
    return SteamNetworkingMessages_LibV2();
}

GNS_API ISteamNetworkingMessages *SteamAPI_SteamGameServerNetworkingMessages_SteamAPI_v002(void)
{
    return SteamNetworkingMessages_LibV2();
}
