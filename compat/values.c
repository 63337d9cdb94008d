/* The value-type helpers (API.md §6, §7, §9.3): pure functions on the
 * 18-byte address and 136-byte identity, with tern's implementations of
 * GNS's string formats (wire/identity.h, API.md §16). */
#include <string.h>

#include "compat.h"
#include "wire/identity.h"

/* --- SteamNetworkingIPAddr --------------------------------------------------------------- */

GNS_API void SteamAPI_SteamNetworkingIPAddr_Clear(SteamNetworkingIPAddr *self)
{
    tern_addr_clear(self);
}

GNS_API bool SteamAPI_SteamNetworkingIPAddr_IsIPv6AllZeros(SteamNetworkingIPAddr *self)
{
    return tern_addr_is_ipv6_all_zeros(self);
}

GNS_API void SteamAPI_SteamNetworkingIPAddr_SetIPv6(SteamNetworkingIPAddr *self,
                                                    const uint8_t *ipv6, uint16_t nPort)
{
    tern_addr_set_ipv6(self, ipv6, nPort);
}

GNS_API void SteamAPI_SteamNetworkingIPAddr_SetIPv4(SteamNetworkingIPAddr *self, uint32_t nIP,
                                                    uint16_t nPort)
{
    tern_addr_set_ipv4(self, nIP, nPort);
}

GNS_API bool SteamAPI_SteamNetworkingIPAddr_IsIPv4(SteamNetworkingIPAddr *self)
{
    return tern_addr_is_ipv4(self);
}

GNS_API uint32_t SteamAPI_SteamNetworkingIPAddr_GetIPv4(SteamNetworkingIPAddr *self)
{
    return tern_addr_get_ipv4(self);
}

GNS_API void SteamAPI_SteamNetworkingIPAddr_SetIPv6LocalHost(SteamNetworkingIPAddr *self,
                                                             uint16_t nPort)
{
    tern_addr_set_ipv6_localhost(self, nPort);
}

GNS_API bool SteamAPI_SteamNetworkingIPAddr_IsLocalHost(SteamNetworkingIPAddr *self)
{
    return tern_addr_is_localhost(self);
}

GNS_API bool SteamAPI_SteamNetworkingIPAddr_IsEqualTo(SteamNetworkingIPAddr *self,
                                                      const SteamNetworkingIPAddr *x)
{
    return tern_addr_equal(self, x);
}

GNS_API void SteamAPI_SteamNetworkingIPAddr_ToString(const SteamNetworkingIPAddr *self, char *buf,
                                                     size_t cbBuf, bool bWithPort)
{
    SteamNetworkingIPAddr_ToString(self, buf, cbBuf, bWithPort);
}

GNS_API bool SteamAPI_SteamNetworkingIPAddr_ParseString(SteamNetworkingIPAddr *self,
                                                        const char *pszStr)
{
    return SteamNetworkingIPAddr_ParseString(self, pszStr);
}

GNS_API ESteamNetworkingFakeIPType
SteamAPI_SteamNetworkingIPAddr_GetFakeIPType(SteamNetworkingIPAddr *self)
{
    return SteamNetworkingIPAddr_GetFakeIPType(self);
}

GNS_API bool SteamAPI_SteamNetworkingIPAddr_IsFakeIP(SteamNetworkingIPAddr *self)
{
    return SteamNetworkingIPAddr_GetFakeIPType(self) > GNS_FAKEIP_NOT_FAKE;
}

GNS_API void SteamNetworkingIPAddr_ToString(const SteamNetworkingIPAddr *pAddr, char *buf,
                                            size_t cbBuf, bool bWithPort)
{
    if (!pAddr || !buf || !cbBuf) return;
    tern_addr_to_string(pAddr, buf, cbBuf, bWithPort);
}

GNS_API bool SteamNetworkingIPAddr_ParseString(SteamNetworkingIPAddr *pAddr, const char *pszStr)
{
    if (!pAddr) return false;
    if (!pszStr) {
        tern_addr_clear(pAddr);
        return false;
    }
    return tern_addr_parse_string(pAddr, pszStr);
}

/* Open-source GNS has no FakeIP: every address is NotFake. */
GNS_API ESteamNetworkingFakeIPType
SteamNetworkingIPAddr_GetFakeIPType(const SteamNetworkingIPAddr *pAddr)
{
    (void)pAddr;
    return GNS_FAKEIP_NOT_FAKE;
}

/* --- SteamNetworkingIdentity --------------------------------------------------------------- */

GNS_API void SteamAPI_SteamNetworkingIdentity_Clear(SteamNetworkingIdentity *self)
{
    tern_identity_clear(self);
}

GNS_API bool SteamAPI_SteamNetworkingIdentity_IsInvalid(SteamNetworkingIdentity *self)
{
    return tern_identity_is_invalid(self);
}

GNS_API void SteamAPI_SteamNetworkingIdentity_SetSteamID(SteamNetworkingIdentity *self,
                                                         uint64_t steamID)
{
    tern_identity_set_steam_id(self, steamID);
}

GNS_API uint64_t SteamAPI_SteamNetworkingIdentity_GetSteamID(SteamNetworkingIdentity *self)
{
    return tern_identity_get_steam_id(self);
}

GNS_API void SteamAPI_SteamNetworkingIdentity_SetSteamID64(SteamNetworkingIdentity *self,
                                                           uint64_t steamID)
{
    tern_identity_set_steam_id64(self, steamID);
}

GNS_API uint64_t SteamAPI_SteamNetworkingIdentity_GetSteamID64(SteamNetworkingIdentity *self)
{
    return tern_identity_get_steam_id64(self);
}

GNS_API bool SteamAPI_SteamNetworkingIdentity_SetXboxPairwiseID(SteamNetworkingIdentity *self,
                                                                const char *pszString)
{
    return pszString && tern_identity_set_xbox_pairwise_id(self, pszString);
}

GNS_API const char *
SteamAPI_SteamNetworkingIdentity_GetXboxPairwiseID(SteamNetworkingIdentity *self)
{
    return tern_identity_get_xbox_pairwise_id(self);
}

GNS_API void SteamAPI_SteamNetworkingIdentity_SetIPAddr(SteamNetworkingIdentity *self,
                                                        const SteamNetworkingIPAddr *addr)
{
    tern_identity_set_ip_addr(self, addr);
}

GNS_API const SteamNetworkingIPAddr *
SteamAPI_SteamNetworkingIdentity_GetIPAddr(SteamNetworkingIdentity *self)
{
    return tern_identity_get_ip_addr(self);
}

GNS_API void SteamAPI_SteamNetworkingIdentity_SetLocalHost(SteamNetworkingIdentity *self)
{
    tern_identity_set_localhost(self);
}

GNS_API bool SteamAPI_SteamNetworkingIdentity_IsLocalHost(SteamNetworkingIdentity *self)
{
    return tern_identity_is_localhost(self);
}

GNS_API bool SteamAPI_SteamNetworkingIdentity_SetGenericString(SteamNetworkingIdentity *self,
                                                               const char *pszString)
{
    return tern_identity_set_generic_string(self, pszString);
}

GNS_API const char *SteamAPI_SteamNetworkingIdentity_GetGenericString(SteamNetworkingIdentity *self)
{
    return tern_identity_get_generic_string(self);
}

GNS_API bool SteamAPI_SteamNetworkingIdentity_SetGenericBytes(SteamNetworkingIdentity *self,
                                                              const void *data, uint32_t cbLen)
{
    return tern_identity_set_generic_bytes(self, data, cbLen);
}

GNS_API const uint8_t *
SteamAPI_SteamNetworkingIdentity_GetGenericBytes(SteamNetworkingIdentity *self, int *cbLen)
{
    int dummy;
    return tern_identity_get_generic_bytes(self, cbLen ? cbLen : &dummy);
}

GNS_API bool SteamAPI_SteamNetworkingIdentity_IsEqualTo(SteamNetworkingIdentity *self,
                                                        const SteamNetworkingIdentity *x)
{
    return tern_identity_equal(self, x);
}

GNS_API void SteamAPI_SteamNetworkingIdentity_ToString(const SteamNetworkingIdentity *self,
                                                       char *buf, size_t cbBuf)
{
    SteamNetworkingIdentity_ToString(self, buf, cbBuf);
}

GNS_API bool SteamAPI_SteamNetworkingIdentity_ParseString(SteamNetworkingIdentity *self,
                                                          size_t sizeofIdentity, const char *pszStr)
{
    return SteamNetworkingIdentity_ParseString(self, sizeofIdentity, pszStr);
}

GNS_API void SteamAPI_SteamNetworkingIdentity_SetPSNID(SteamNetworkingIdentity *self, uint64_t id)
{
    tern_identity_set_psn_id(self, id);
}

GNS_API uint64_t SteamAPI_SteamNetworkingIdentity_GetPSNID(SteamNetworkingIdentity *self)
{
    return tern_identity_get_psn_id(self);
}

GNS_API void SteamAPI_SteamNetworkingIdentity_SetIPv4Addr(SteamNetworkingIdentity *self,
                                                          uint32_t nIPv4, uint16_t nPort)
{
    tern_identity_set_ipv4_addr(self, nIPv4, nPort);
}

GNS_API uint32_t SteamAPI_SteamNetworkingIdentity_GetIPv4(SteamNetworkingIdentity *self)
{
    return tern_identity_get_ipv4(self);
}

GNS_API ESteamNetworkingFakeIPType
SteamAPI_SteamNetworkingIdentity_GetFakeIPType(SteamNetworkingIdentity *self)
{
    return self && self->type == TERN_ID_IP ? SteamNetworkingIPAddr_GetFakeIPType(&self->u.ip) : 0;
}

GNS_API bool SteamAPI_SteamNetworkingIdentity_IsFakeIP(SteamNetworkingIdentity *self)
{
    return SteamAPI_SteamNetworkingIdentity_GetFakeIPType(self) > GNS_FAKEIP_NOT_FAKE;
}

GNS_API void SteamNetworkingIdentity_ToString(const SteamNetworkingIdentity *pIdentity, char *buf,
                                              size_t cbBuf)
{
    if (!pIdentity || !buf || !cbBuf) return;
    tern_identity_to_string(pIdentity, buf, cbBuf);
}

GNS_API bool SteamNetworkingIdentity_ParseString(SteamNetworkingIdentity *pIdentity,
                                                 size_t sizeofIdentity, const char *pszStr)
{
    return tern_identity_parse_string(pIdentity, sizeofIdentity, pszStr);
}

/* --- messages and config values --------------------------------------------------------------- */

GNS_API void SteamAPI_SteamNetworkingMessage_t_Release(SteamNetworkingMessage_t *self)
{
    tern_message_release(self);
}

GNS_API void SteamAPI_SteamNetworkingConfigValue_t_SetInt32(SteamNetworkingConfigValue_t *self,
                                                            ESteamNetworkingConfigValue eVal,
                                                            int32_t data)
{
    self->id = eVal;
    self->type = TERN_CONFIG_INT32;
    self->val.i32 = data;
}

GNS_API void SteamAPI_SteamNetworkingConfigValue_t_SetInt64(SteamNetworkingConfigValue_t *self,
                                                            ESteamNetworkingConfigValue eVal,
                                                            int64_t data)
{
    self->id = eVal;
    self->type = TERN_CONFIG_INT64;
    self->val.i64 = data;
}

GNS_API void SteamAPI_SteamNetworkingConfigValue_t_SetFloat(SteamNetworkingConfigValue_t *self,
                                                            ESteamNetworkingConfigValue eVal,
                                                            float data)
{
    self->id = eVal;
    self->type = TERN_CONFIG_FLOAT;
    self->val.f = data;
}

GNS_API void SteamAPI_SteamNetworkingConfigValue_t_SetPtr(SteamNetworkingConfigValue_t *self,
                                                          ESteamNetworkingConfigValue eVal,
                                                          void *data)
{
    self->id = eVal;
    self->type = TERN_CONFIG_PTR;
    self->val.ptr = data;
}

GNS_API void SteamAPI_SteamNetworkingConfigValue_t_SetString(SteamNetworkingConfigValue_t *self,
                                                             ESteamNetworkingConfigValue eVal,
                                                             const char *data)
{
    self->id = eVal;
    self->type = TERN_CONFIG_STRING;
    self->val.str = data;
}
