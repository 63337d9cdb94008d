/* Addresses (tern_addr) and identities (tern_identity): small value helpers
 * and their string forms (API.md §6.1, §6.2, §16; WIRE.md §3.2).
 *
 * The semantics are GNS's, including the lenient ones, because applications
 * store and compare these strings and the compat layer forwards to these
 * functions unchanged. Every parser here is total: it reads the input only up
 * to its NUL (or |len|), never aborts and never allocates. */
#ifndef TERN_WIRE_IDENTITY_H
#define TERN_WIRE_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/tern.h"

#define TERN_IDENTITY_MAX_GENERIC_STRING 32 /* NUL included */
#define TERN_IDENTITY_MAX_XBOX_ID        33 /* NUL included */
#define TERN_IDENTITY_MAX_GENERIC_BYTES  32

/* --- tern_addr -------------------------------------------------------------- */

/* Zero all 18 bytes: [::]:0. */
void tern_addr_clear(tern_addr *a);
/* True if the 16 address bytes are zero; the port is ignored. */
bool tern_addr_is_ipv6_all_zeros(const tern_addr *a);
/* Copy 16 network-order bytes (|ipv6|, copied) and set the port. */
void tern_addr_set_ipv6(tern_addr *a, const uint8_t *ipv6, uint16_t port);
/* Store ::ffff:a.b.c.d for the host-order |ip| 0xaabbccdd. */
void tern_addr_set_ipv4(tern_addr *a, uint32_t ip, uint16_t port);
/* True for IPv4-mapped addresses (::ffff:0:0/96). */
bool tern_addr_is_ipv4(const tern_addr *a);
/* The host-order IPv4 address if mapped, else 0. */
uint32_t tern_addr_get_ipv4(const tern_addr *a);
void tern_addr_set_ipv6_localhost(tern_addr *a, uint16_t port);
/* True for ::1 and for exactly the mapped 127.0.0.1 (not the rest of 127/8). */
bool tern_addr_is_localhost(const tern_addr *a);
/* All 18 bytes equal. */
bool tern_addr_equal(const tern_addr *a, const tern_addr *b);

/* Write the text form into |buf| (|cb| bytes): "a.b.c.d[:port]" for mapped
 * IPv4 (the port is written even when 0), else RFC 5952 "addr" or
 * "[addr]:port". Output longer than cb-1 is cut and NUL-terminated; cb 0
 * writes nothing. TERN_ADDR_STRLEN always fits. Returns the length the full
 * text has (like snprintf), so a return >= cb means it was cut. */
size_t tern_addr_to_string(const tern_addr *a, char *buf, size_t cb, bool with_port);

/* Parse |str| (NUL-terminated, borrowed) per API.md §16.1: first as
 * "%d.%d.%d.%d:%d" with sscanf's rules (trailing garbage ignored), else as
 * IPv6 with optional brackets, zone and port. False, with |a| zeroed, on any
 * failure or when |str| is NULL. No name resolution. */
bool tern_addr_parse_string(tern_addr *a, const char *str);

/* --- tern_identity ---------------------------------------------------------- */

/* Zero all 136 bytes (type invalid). */
void tern_identity_clear(tern_identity *id);
bool tern_identity_is_invalid(const tern_identity *id);

/* The setters below set type and size and write only the bytes they store
 * (the rest of the union is left as it was, as in GNS; equality never reads
 * it). None validates a SteamID. */
void tern_identity_set_steam_id(tern_identity *id, uint64_t steam_id);
uint64_t tern_identity_get_steam_id(const tern_identity *id); /* 0 unless type SteamID */
void tern_identity_set_steam_id64(tern_identity *id, uint64_t steam_id);
uint64_t tern_identity_get_steam_id64(const tern_identity *id);
void tern_identity_set_psn_id(tern_identity *id, uint64_t psn_id);
uint64_t tern_identity_get_psn_id(const tern_identity *id); /* 0 unless type PSN */

/* False (|id| untouched) unless 1 <= strlen(s) <= 32; |s| is copied. */
bool tern_identity_set_xbox_pairwise_id(tern_identity *id, const char *s);
/* Borrowed pointer into |id|, or NULL unless type Xbox. */
const char *tern_identity_get_xbox_pairwise_id(const tern_identity *id);

void tern_identity_set_ip_addr(tern_identity *id, const tern_addr *addr); /* copied */
/* Borrowed pointer into |id|, or NULL unless type IP. */
const tern_addr *tern_identity_get_ip_addr(const tern_identity *id);
void tern_identity_set_ipv4_addr(tern_identity *id, uint32_t ip, uint16_t port);
uint32_t tern_identity_get_ipv4(const tern_identity *id); /* 0 unless a mapped IP identity */
/* IP identity ::1 port 0: the anonymous identity (WIRE.md §3.2). */
void tern_identity_set_localhost(tern_identity *id);
bool tern_identity_is_localhost(const tern_identity *id);

/* False (|id| untouched) if |s| is NULL or strlen(s) >= 32; "" is allowed. */
bool tern_identity_set_generic_string(tern_identity *id, const char *s);
const char *tern_identity_get_generic_string(const tern_identity *id);

/* False (|id| untouched) if len > 32, or if |data| is NULL with len > 0. */
bool tern_identity_set_generic_bytes(tern_identity *id, const void *data, size_t len);
/* Borrowed pointer and *len = size if type GenericBytes; else NULL and *len
 * untouched. */
const uint8_t *tern_identity_get_generic_bytes(const tern_identity *id, int *len);

/* Types equal, sizes equal, and the first |size| union bytes equal. A size
 * outside 0..128 (a corrupt value) is compared as if clamped to that range,
 * where GNS would read out of bounds. */
bool tern_identity_equal(const tern_identity *a, const tern_identity *b);

/* Write "prefix:data" per API.md §16.2 into |buf| (|cb| bytes), cut and
 * NUL-terminated like tern_addr_to_string; "gen:" writes whole bytes only
 * ((cb-5)/2 of them). TERN_IDENTITY_STRLEN always fits. String fields are read
 * at most to the end of the union even if a corrupt struct lacks their NUL. */
void tern_identity_to_string(const tern_identity *id, char *buf, size_t cb);

/* Parse |str| (NUL-terminated, borrowed) per API.md §16.2. |sizeof_identity|
 * is the caller's struct size (pass sizeof(tern_identity)): below 32 (or a
 * NULL |id|) returns false without touching |id|; otherwise its first
 * sizeof_identity bytes are zeroed before parsing and nothing past them is
 * written. "invalid" and "" parse as false. */
bool tern_identity_parse_string(tern_identity *id, size_t sizeof_identity, const char *str);

/* Parse an identity string that arrived from the network (|len| bytes, no NUL
 * needed). TERN_OK; TERN_MALFORMED if |len| > 127 (WIRE.md §3.2's bound: GNS
 * would parse longer strings whose tail it ignores), if it holds a NUL byte, or
 * if tern_identity_parse_string rejects it. |out| is zeroed on failure. */
tern_result tern_identity_parse(tern_identity *out, const char *s, size_t len);

/* CSteamID::IsValid: account type 1..10, universe 1..4; individual needs
 * account id != 0 and instance 1; clan needs account id != 0 and instance 0;
 * game server needs account id != 0. */
bool tern_steamid_is_valid(uint64_t steam_id);

#endif
