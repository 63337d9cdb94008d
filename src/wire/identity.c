/* String forms of addresses and identities. The parsers reproduce what GNS
 * does with sscanf and its own IPv6 parser, checked against the reference
 * library, but with explicit bounded code: sscanf's behaviour (whitespace,
 * signs, saturation, int truncation) is spelled out below as glibc does it on
 * 64-bit Linux, where GNS was measured, so that it cannot vary with the C
 * library and can be read for bounds. */
#include "wire/identity.h"

#include <string.h>

/* API.md §11.2-11.3: these layouts cross the compat layer byte for byte. */
_Static_assert(sizeof(tern_addr) == 18, "tern_addr is 18 bytes");
_Static_assert(_Alignof(tern_addr) == 1, "tern_addr is packed");
_Static_assert(offsetof(tern_addr, ipv6) == 0, "ipv6 at 0");
_Static_assert(offsetof(tern_addr, port) == 16, "port at 16");
_Static_assert(sizeof(tern_identity) == 136, "tern_identity is 136 bytes");
_Static_assert(_Alignof(tern_identity) == 1, "tern_identity is packed");
_Static_assert(offsetof(tern_identity, type) == 0, "type at 0");
_Static_assert(offsetof(tern_identity, size) == 4, "size at 4");
_Static_assert(offsetof(tern_identity, u) == 8, "union at 8");
_Static_assert(sizeof(((tern_identity *)0)->u) == 128, "union is 128 bytes");
_Static_assert(sizeof(((tern_identity *)0)->u.generic_string) == 32, "generic string");
_Static_assert(sizeof(((tern_identity *)0)->u.xbox_pairwise_id) == 33, "xbox id");
_Static_assert(sizeof(((tern_identity *)0)->u.generic_bytes) == 32, "generic bytes");
_Static_assert(sizeof(((tern_identity *)0)->u.unknown_raw) == TERN_IDENTITY_STRLEN, "raw");

#define ID_HEADER     8   /* type + size, before the union */
#define ID_UNION      128 /* bytes of the union */
#define ID_MIN_SIZEOF 32  /* smallest sizeof_identity GNS accepts */

/* --- character classes and number scanning ------------------------------------ */

/* isspace() in the C locale: what sscanf skips before a conversion. */
static bool c_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* The IPv6 parser skips only blanks: newlines are not accepted there. */
static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

static int dec_val(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : -1;
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static const char *skip_c_space(const char *s)
{
    while (c_space(*s)) s++;
    return s;
}

static const char *skip_blank(const char *s)
{
    while (blank(*s)) s++;
    return s;
}

/* A decimal number as sscanf's %d / %llu reads it: leading whitespace, one
 * optional sign, then digits (any number of them). |mag| saturates. */
typedef struct dec_num {
    bool neg;
    bool overflow; /* the digits exceed UINT64_MAX */
    uint64_t mag;
} dec_num;

/* The position after the number, or NULL if there is none (sscanf stops). */
static const char *scan_dec(const char *s, dec_num *n)
{
    s = skip_c_space(s);
    n->neg = false;
    n->overflow = false;
    n->mag = 0;
    if (*s == '+' || *s == '-') n->neg = *s++ == '-';
    if (dec_val(*s) < 0) return NULL;
    for (int d; (d = dec_val(*s)) >= 0; s++) {
        if (n->mag > (UINT64_MAX - (uint64_t)d) / 10)
            n->overflow = true;
        else
            n->mag = n->mag * 10 + (uint64_t)d;
    }
    return s;
}

/* The low 32 bits of what %d stores: glibc converts with strtol, which
 * saturates at the 64-bit limits, then narrows to int. The callers only
 * compare the result against small non-negative ranges, so the bit pattern is
 * all they need. */
static uint32_t dec_as_int_bits(const dec_num *n)
{
    uint64_t v;
    if (!n->neg)
        v = (n->overflow || n->mag > (uint64_t)INT64_MAX) ? (uint64_t)INT64_MAX : n->mag;
    else
        v = (n->overflow || n->mag > (uint64_t)INT64_MAX + 1) ? (uint64_t)INT64_MAX + 1
                                                              : (uint64_t)0 - n->mag;
    return (uint32_t)v;
}

/* What %llu stores (strtoull): UINT64_MAX on overflow, a sign negates modulo
 * 2^64. */
static uint64_t dec_as_ull(const dec_num *n)
{
    if (n->overflow) return UINT64_MAX;
    return n->neg ? (uint64_t)0 - n->mag : n->mag;
}

/* sscanf(s, "%2x") as glibc does it, narrowed to a byte: whitespace (not
 * counted in the width), then within two characters an optional sign, an
 * optional "0x" after a leading 0 (the x is eaten, not a digit), and hex
 * digits. False if no digit was read. */
static bool scan_hex2(const char *s, uint8_t *out)
{
    s = skip_c_space(s);
    int width = 2, digits = 0;
    bool neg = false;
    unsigned v = 0;
    if (*s == '+' || *s == '-') {
        neg = *s++ == '-';
        width--;
    }
    if (width > 0 && *s == '0') {
        s++;
        width--;
        digits++;
        if (width > 0 && (*s == 'x' || *s == 'X')) {
            s++;
            width--;
        }
    }
    for (int d; width > 0 && (d = hex_val(*s)) >= 0; s++, width--, digits++)
        v = v << 4 | (unsigned)d;
    if (digits == 0) return false;
    *out = (uint8_t)(neg ? 0u - v : v);
    return true;
}

/* --- output ------------------------------------------------------------------ */

/* Copy |text| as far as it fits with a NUL, as snprintf would; cb 0 writes
 * nothing (GNS's V_snprintf writes buf[-1] there). Returns len. */
static size_t put_cut(char *buf, size_t cb, const char *text, size_t len)
{
    if (cb == 0) return len;
    size_t n = len < cb - 1 ? len : cb - 1;
    memcpy(buf, text, n);
    buf[n] = '\0';
    return len;
}

/* Decimal digits of |v| at |p|; returns the end. */
static char *put_u64(char *p, uint64_t v)
{
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) *p++ = tmp[--n];
    return p;
}

static char *put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

/* --- tern_addr --------------------------------------------------------------- */

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
static const uint8_t v6_loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

void tern_addr_clear(tern_addr *a)
{
    memset(a, 0, sizeof *a);
}

bool tern_addr_is_ipv6_all_zeros(const tern_addr *a)
{
    static const uint8_t zero[16];
    return memcmp(a->ipv6, zero, 16) == 0;
}

void tern_addr_set_ipv6(tern_addr *a, const uint8_t *ipv6, uint16_t port)
{
    memcpy(a->ipv6, ipv6, 16);
    a->port = port;
}

void tern_addr_set_ipv4(tern_addr *a, uint32_t ip, uint16_t port)
{
    memcpy(a->ipv6, v4_mapped_prefix, 12);
    a->ipv6[12] = (uint8_t)(ip >> 24);
    a->ipv6[13] = (uint8_t)(ip >> 16);
    a->ipv6[14] = (uint8_t)(ip >> 8);
    a->ipv6[15] = (uint8_t)ip;
    a->port = port;
}

bool tern_addr_is_ipv4(const tern_addr *a)
{
    return memcmp(a->ipv6, v4_mapped_prefix, 12) == 0;
}

uint32_t tern_addr_get_ipv4(const tern_addr *a)
{
    if (!tern_addr_is_ipv4(a)) return 0;
    return (uint32_t)a->ipv6[12] << 24 | (uint32_t)a->ipv6[13] << 16 | (uint32_t)a->ipv6[14] << 8 |
           a->ipv6[15];
}

void tern_addr_set_ipv6_localhost(tern_addr *a, uint16_t port)
{
    tern_addr_set_ipv6(a, v6_loopback, port);
}

bool tern_addr_is_localhost(const tern_addr *a)
{
    return memcmp(a->ipv6, v6_loopback, 16) == 0 || tern_addr_get_ipv4(a) == 0x7f000001u;
}

bool tern_addr_equal(const tern_addr *a, const tern_addr *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

/* RFC 5952 text of 16 address bytes (no brackets, no dotted quad); at most 39
 * characters. Returns the end of the text (not NUL-terminated). */
static char *put_ipv6(char *p, const uint8_t *ip)
{
    static const char hexd[] = "0123456789abcdef";
    unsigned g[8];
    for (int i = 0; i < 8; i++) g[i] = (unsigned)ip[2 * i] << 8 | ip[2 * i + 1];

    /* The leftmost longest run of two or more zero groups becomes "::". */
    int best = -1, best_len = 1;
    for (int i = 0; i < 8;) {
        if (g[i] != 0) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0) j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }

    for (int i = 0; i < 8;) {
        if (i == best) {
            *p++ = ':';
            *p++ = ':';
            i += best_len;
            continue;
        }
        if (i > 0 && i != best + best_len) *p++ = ':';
        bool lead = true;
        for (int shift = 12; shift >= 0; shift -= 4) {
            unsigned d = g[i] >> shift & 0xf;
            if (d == 0 && lead && shift > 0) continue;
            lead = false;
            *p++ = hexd[d];
        }
        i++;
    }
    return p;
}

size_t tern_addr_to_string(const tern_addr *a, char *buf, size_t cb, bool with_port)
{
    char text[TERN_ADDR_STRLEN];
    char *p = text;
    if (tern_addr_is_ipv4(a)) {
        for (int i = 12; i < 16; i++) {
            if (i > 12) *p++ = '.';
            p = put_u64(p, a->ipv6[i]);
        }
        if (with_port) {
            *p++ = ':';
            p = put_u64(p, a->port);
        }
    } else if (with_port) {
        *p++ = '[';
        p = put_ipv6(p, a->ipv6);
        *p++ = ']';
        *p++ = ':';
        p = put_u64(p, a->port);
    } else {
        p = put_ipv6(p, a->ipv6);
    }
    return put_cut(buf, cb, text, (size_t)(p - text));
}

/* "%d.%d.%d.%d:%d" with sscanf's rules. Returns how many numbers converted;
 * |bits| gets the low 32 bits of each. */
static int scan_ipv4(const char *s, uint32_t bits[5])
{
    static const char sep[5] = {0, '.', '.', '.', ':'};
    int got = 0;
    for (; got < 5; got++) {
        if (got > 0) {
            if (*s != sep[got]) break;
            s++;
        }
        dec_num n;
        s = scan_dec(s, &n);
        if (!s) break;
        bits[got] = dec_as_int_bits(&n);
    }
    return got;
}

/* Up to three decimal digits of a dotted-quad octet inside an IPv6 address. */
static const char *v6_octet(const char *s, uint8_t *out)
{
    int v = dec_val(*s);
    if (v < 0) return NULL;
    s++;
    for (int k = 0, d; k < 2 && (d = dec_val(*s)) >= 0; k++, s++) v = v * 10 + d;
    if (v > 255) return NULL;
    *out = (uint8_t)v;
    return s;
}

/* The GNS IPv6 grammar (API.md §16.1). *port is -1 when absent. */
static bool parse_ipv6(const char *text, uint8_t out[16], int *port)
{
    const char *s = skip_blank(text);
    const bool bracket = *s == '[';
    if (bracket) s = skip_blank(s + 1);

    uint8_t ip[16];
    int n = 0;    /* bytes stored */
    int gap = -1; /* where "::" stood, in bytes */
    bool need_group = true;
    if (s[0] == ':' && s[1] == ':') {
        gap = 0;
        s += 2;
        need_group = false;
    }
    for (;;) {
        if (hex_val(*s) < 0) {
            if (need_group) return false;
            break;
        }
        if (n >= 16) return false;
        const char *group = s;
        unsigned g = 0;
        for (int k = 0, d; k < 4 && (d = hex_val(*s)) >= 0; k++, s++) g = g << 4 | (unsigned)d;
        if (*s == '.') {
            /* The group was the first octet of a trailing dotted quad. */
            if (n + 4 > 16) return false;
            s = group;
            for (int k = 0; k < 4; k++) {
                if (k > 0 && *s++ != '.') return false;
                if (!(s = v6_octet(s, &ip[n++]))) return false;
            }
            break;
        }
        ip[n++] = (uint8_t)(g >> 8);
        ip[n++] = (uint8_t)g;
        if (*s != ':') break;
        if (s[1] == ':') {
            if (gap >= 0) return false;
            s += 2;
            gap = n;
            need_group = false;
        } else if (gap < 0 && n == 16) {
            break; /* eight full groups: this ':' introduces the port */
        } else {
            s++;
            need_group = true;
        }
    }
    if (gap >= 0) {
        int zeros = 16 - n;
        if (zeros <= 0) return false;
        memmove(ip + gap + zeros, ip + gap, (size_t)(n - gap));
        memset(ip + gap, 0, (size_t)zeros);
    } else if (n != 16) {
        return false;
    }

    if (*s == '%') { /* zone: decimal, parsed and dropped */
        s++;
        if (dec_val(*s) < 0) return false;
        for (s++; *s && *s != ']' && !blank(*s); s++)
            if (dec_val(*s) < 0) return false;
    }
    if (bracket) {
        s = skip_blank(s);
        if (*s != ']') return false;
        s++;
    }

    if (*s == ':' || *s == '#' || *s == '.' || *s == 'p' || *s == 'P') {
        s++;
    } else {
        s = skip_blank(s);
        if (*s == '\0') {
            memcpy(out, ip, 16);
            *port = -1;
            return true;
        }
        if (!(s[0] == 'p' && s[1] == 'o' && s[2] == 'r' && s[3] == 't')) return false;
        s = skip_blank(s + 4);
    }
    int v = dec_val(*s);
    if (v < 0) return false;
    for (s++; *s && !blank(*s); s++) {
        int d = dec_val(*s);
        if (d < 0) return false;
        v = v * 10 + d;
        if (v > 0xffff) return false;
    }
    if (*skip_blank(s) != '\0') return false;
    memcpy(out, ip, 16);
    *port = v;
    return true;
}

bool tern_addr_parse_string(tern_addr *a, const char *str)
{
    tern_addr_clear(a);
    if (!str) return false;

    uint32_t v[5];
    int got = scan_ipv4(str, v);
    if (got >= 4) {
        uint32_t port = got == 5 ? v[4] : 0;
        if (port > 0xffff) return false;
        if ((v[0] | v[1] | v[2] | v[3]) > 0xff) return false;
        tern_addr_set_ipv4(a, v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3], (uint16_t)port);
        return true;
    }

    int port;
    if (!parse_ipv6(str, a->ipv6, &port)) return false;
    a->port = port < 0 ? 0 : (uint16_t)port;
    return true;
}

/* --- tern_identity ------------------------------------------------------------ */

void tern_identity_clear(tern_identity *id)
{
    memset(id, 0, sizeof *id);
}

bool tern_identity_is_invalid(const tern_identity *id)
{
    return id->type == TERN_ID_INVALID;
}

void tern_identity_set_steam_id(tern_identity *id, uint64_t steam_id)
{
    id->type = TERN_ID_STEAMID;
    id->size = 8;
    id->u.steam_id = steam_id;
}

uint64_t tern_identity_get_steam_id(const tern_identity *id)
{
    return id->type == TERN_ID_STEAMID ? id->u.steam_id : 0;
}

void tern_identity_set_steam_id64(tern_identity *id, uint64_t steam_id)
{
    tern_identity_set_steam_id(id, steam_id);
}

uint64_t tern_identity_get_steam_id64(const tern_identity *id)
{
    return tern_identity_get_steam_id(id);
}

void tern_identity_set_psn_id(tern_identity *id, uint64_t psn_id)
{
    id->type = TERN_ID_PSN;
    id->size = 8;
    id->u.psn_id = psn_id;
}

uint64_t tern_identity_get_psn_id(const tern_identity *id)
{
    return id->type == TERN_ID_PSN ? id->u.psn_id : 0;
}

bool tern_identity_set_xbox_pairwise_id(tern_identity *id, const char *s)
{
    if (!s) return false;
    size_t len = strnlen(s, TERN_IDENTITY_MAX_XBOX_ID);
    if (len < 1 || len >= TERN_IDENTITY_MAX_XBOX_ID) return false;
    id->type = TERN_ID_XBOX_PAIRWISE;
    id->size = (int32_t)len + 1;
    memcpy(id->u.xbox_pairwise_id, s, len + 1);
    return true;
}

const char *tern_identity_get_xbox_pairwise_id(const tern_identity *id)
{
    return id->type == TERN_ID_XBOX_PAIRWISE ? id->u.xbox_pairwise_id : NULL;
}

void tern_identity_set_ip_addr(tern_identity *id, const tern_addr *addr)
{
    id->type = TERN_ID_IP;
    id->size = (int32_t)sizeof(tern_addr);
    id->u.ip = *addr;
}

const tern_addr *tern_identity_get_ip_addr(const tern_identity *id)
{
    return id->type == TERN_ID_IP ? &id->u.ip : NULL;
}

void tern_identity_set_ipv4_addr(tern_identity *id, uint32_t ip, uint16_t port)
{
    id->type = TERN_ID_IP;
    id->size = (int32_t)sizeof(tern_addr);
    tern_addr_set_ipv4(&id->u.ip, ip, port);
}

uint32_t tern_identity_get_ipv4(const tern_identity *id)
{
    return id->type == TERN_ID_IP ? tern_addr_get_ipv4(&id->u.ip) : 0;
}

void tern_identity_set_localhost(tern_identity *id)
{
    id->type = TERN_ID_IP;
    id->size = (int32_t)sizeof(tern_addr);
    tern_addr_set_ipv6_localhost(&id->u.ip, 0);
}

bool tern_identity_is_localhost(const tern_identity *id)
{
    return id->type == TERN_ID_IP && tern_addr_is_localhost(&id->u.ip);
}

bool tern_identity_set_generic_string(tern_identity *id, const char *s)
{
    if (!s) return false;
    size_t len = strnlen(s, TERN_IDENTITY_MAX_GENERIC_STRING);
    if (len >= TERN_IDENTITY_MAX_GENERIC_STRING) return false;
    id->type = TERN_ID_GENERIC_STRING;
    id->size = (int32_t)len + 1;
    memcpy(id->u.generic_string, s, len + 1);
    return true;
}

const char *tern_identity_get_generic_string(const tern_identity *id)
{
    return id->type == TERN_ID_GENERIC_STRING ? id->u.generic_string : NULL;
}

bool tern_identity_set_generic_bytes(tern_identity *id, const void *data, size_t len)
{
    if (len > TERN_IDENTITY_MAX_GENERIC_BYTES || (!data && len > 0)) return false;
    id->type = TERN_ID_GENERIC_BYTES;
    id->size = (int32_t)len;
    if (len) memcpy(id->u.generic_bytes, data, len);
    return true;
}

const uint8_t *tern_identity_get_generic_bytes(const tern_identity *id, int *len)
{
    if (id->type != TERN_ID_GENERIC_BYTES) return NULL;
    *len = id->size;
    return id->u.generic_bytes;
}

/* |size| limited to the union, for reads of a possibly corrupt struct. */
static size_t union_len(int32_t size)
{
    return size < 0 ? 0 : size > ID_UNION ? ID_UNION : (size_t)size;
}

bool tern_identity_equal(const tern_identity *a, const tern_identity *b)
{
    return a->type == b->type && a->size == b->size &&
           memcmp(&a->u, &b->u, union_len(a->size)) == 0;
}

void tern_identity_to_string(const tern_identity *id, char *buf, size_t cb)
{
    static const char hexd[] = "0123456789abcdef";
    /* Room for the longest form: "bad_type:" or a 9-char prefix + 128 bytes. */
    char text[16 + ID_UNION];
    char *p = text;
    const char *raw = (const char *)&id->u;
    switch (id->type) {
    case TERN_ID_INVALID:
        p = put_str(p, "invalid");
        break;
    case TERN_ID_STEAMID:
        p = put_u64(put_str(p, "steamid:"), id->u.steam_id);
        break;
    case TERN_ID_PSN:
        p = put_u64(put_str(p, "psn:"), id->u.psn_id);
        break;
    case TERN_ID_XBOX_PAIRWISE:
    case TERN_ID_GENERIC_STRING: {
        p = put_str(p, id->type == TERN_ID_GENERIC_STRING ? "str:" : "xboxpwid:");
        size_t n = strnlen(raw, ID_UNION);
        memcpy(p, raw, n);
        p += n;
        break;
    }
    case TERN_ID_UNKNOWN: {
        size_t n = strnlen(raw, ID_UNION);
        memcpy(p, raw, n);
        p += n;
        break;
    }
    case TERN_ID_IP:
        p = put_str(p, "ip:");
        p += tern_addr_to_string(&id->u.ip, p, TERN_ADDR_STRLEN, id->u.ip.port != 0);
        break;
    case TERN_ID_GENERIC_BYTES: {
        /* GNS writes only whole bytes, as many as fit in (cb-5)/2. */
        if (cb <= 5) {
            put_cut(buf, cb, "gen:", 4);
            return;
        }
        size_t n = union_len(id->size);
        if (n > (cb - 5) / 2) n = (cb - 5) / 2;
        memcpy(buf, "gen:", 4);
        char *d = buf + 4;
        /* Through the whole union: a corrupt size may exceed generic_bytes. */
        const uint8_t *b = (const uint8_t *)&id->u;
        for (size_t i = 0; i < n; i++) {
            *d++ = hexd[b[i] >> 4];
            *d++ = hexd[b[i] & 0xf];
        }
        *d = '\0';
        return;
    }
    default: {
        p = put_str(p, "bad_type:");
        uint32_t t = (uint32_t)id->type;
        if (id->type < 0) {
            *p++ = '-';
            t = 0u - t;
        }
        p = put_u64(p, t);
        break;
    }
    }
    put_cut(buf, cb, text, (size_t)(p - text));
}

/* The 1-16 character [a-z0-9_] prefix and ':' of an unknown identity type. */
static bool unknown_prefix_ok(const char *s)
{
    for (int i = 0; i < 16; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
        if (s[i + 1] == ':') return true;
    }
    return false;
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool tern_identity_parse_string(tern_identity *id, size_t sizeof_identity, const char *str)
{
    if (!id || sizeof_identity < ID_MIN_SIZEOF) return false;
    memset(id, 0, sizeof_identity);
    if (!str || *str == '\0') return false;
    /* Every payload written below fits in this many bytes of the union. */
    const size_t room = sizeof_identity - ID_HEADER;
    dec_num n;

    if (has_prefix(str, "steamid:")) {
        if (!scan_dec(str + 8, &n)) return false;
        uint64_t v = dec_as_ull(&n);
        if (!tern_steamid_is_valid(v)) return false;
        tern_identity_set_steam_id(id, v);
        return true;
    }
    if (has_prefix(str, "xboxpwid:")) {
        if (strnlen(str + 9, room) >= room) return false;
        return tern_identity_set_xbox_pairwise_id(id, str + 9);
    }
    if (has_prefix(str, "psn:")) {
        if (!scan_dec(str + 4, &n)) return false;
        tern_identity_set_psn_id(id, dec_as_ull(&n));
        return true;
    }
    if (has_prefix(str, "ip:")) {
        tern_addr addr;
        if (room < sizeof addr || !tern_addr_parse_string(&addr, str + 3)) return false;
        tern_identity_set_ip_addr(id, &addr);
        return true;
    }
    if (has_prefix(str, "str:")) {
        if (strnlen(str + 4, room) >= room) return false;
        return tern_identity_set_generic_string(id, str + 4);
    }
    if (has_prefix(str, "gen:")) {
        const char *h = str + 4;
        size_t len = strnlen(h, 2 * TERN_IDENTITY_MAX_GENERIC_BYTES + 1);
        if (len < 2 || (len & 1) || len > 2 * TERN_IDENTITY_MAX_GENERIC_BYTES) return false;
        size_t nbytes = len / 2;
        if (nbytes >= room) return false;
        uint8_t bytes[TERN_IDENTITY_MAX_GENERIC_BYTES];
        for (size_t i = 0; i < nbytes; i++)
            if (!scan_hex2(h + 2 * i, &bytes[i])) return false;
        return tern_identity_set_generic_bytes(id, bytes, nbytes);
    }

    if (!unknown_prefix_ok(str)) return false;
    size_t len = strnlen(str, TERN_IDENTITY_STRLEN);
    if (len + 1 > TERN_IDENTITY_STRLEN || len + 1 > room) return false;
    id->type = TERN_ID_UNKNOWN;
    id->size = (int32_t)len + 1;
    memcpy(id->u.unknown_raw, str, len + 1);
    return true;
}

tern_result tern_identity_parse(tern_identity *out, const char *s, size_t len)
{
    char text[TERN_IDENTITY_STRLEN];
    if (len >= sizeof text || (len && memchr(s, '\0', len))) {
        tern_identity_clear(out);
        return TERN_MALFORMED;
    }
    if (len) memcpy(text, s, len);
    text[len] = '\0';
    return tern_identity_parse_string(out, sizeof *out, text) ? TERN_OK : TERN_MALFORMED;
}

bool tern_steamid_is_valid(uint64_t steam_id)
{
    uint32_t account = (uint32_t)steam_id;
    uint32_t instance = (uint32_t)(steam_id >> 32) & 0xfffff;
    unsigned type = (unsigned)(steam_id >> 52) & 0xf;
    unsigned universe = (unsigned)(steam_id >> 56);
    if (type < 1 || type > 10 || universe < 1 || universe > 4) return false;
    switch (type) {
    case 1: /* individual */
        return account != 0 && instance == 1;
    case 7: /* clan */
        return account != 0 && instance == 0;
    case 3: /* game server */
        return account != 0;
    default:
        return true;
    }
}
