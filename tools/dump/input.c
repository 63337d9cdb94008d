#include "input.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool dump_hex_parse(const char *s, uint8_t *out, size_t cap, size_t *len, char *err, size_t errcap)
{
    size_t n = 0, digits = 0;
    int hi = -1;
    for (const char *c = s; *c; c++) {
        if (isspace((unsigned char)*c)) continue;
        int v = hexval((unsigned char)*c);
        if (v < 0) {
            if (isprint((unsigned char)*c))
                snprintf(err, errcap, "'%c' is not a hex digit", *c);
            else
                snprintf(err, errcap, "byte 0x%02x is not a hex digit", (unsigned char)*c);
            return false;
        }
        digits++;
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (n == cap) {
            snprintf(err, errcap, "more than %zu bytes (the largest UDP datagram)", cap);
            return false;
        }
        out[n++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    if (hi >= 0) {
        snprintf(err, errcap, "odd number of hex digits (%zu)", digits);
        return false;
    }
    *len = n;
    return true;
}

bool dump_looks_hex(const char *s)
{
    bool any = false;
    for (; *s; s++) {
        if (isspace((unsigned char)*s)) continue;
        if (hexval((unsigned char)*s) < 0) return false;
        any = true;
    }
    return any;
}

int dump_parse_dir(const char *s)
{
    if (!strcasecmp(s, "C->S") || !strcasecmp(s, "c2s")) return DUMP_DIR_C2S;
    if (!strcasecmp(s, "S->C") || !strcasecmp(s, "s2c")) return DUMP_DIR_S2C;
    return DUMP_DIR_UNKNOWN;
}

/* The next whitespace-delimited token of *p, copied into |tok|; false at the
 * end of the line. */
static bool next_token(const char **p, char *tok, size_t cb)
{
    const char *s = *p;
    while (*s && isspace((unsigned char)*s)) s++;
    if (!*s) return false;
    size_t n = 0;
    while (s[n] && !isspace((unsigned char)s[n])) n++;
    size_t k = n < cb - 1 ? n : cb - 1;
    memcpy(tok, s, k);
    tok[k] = 0;
    *p = s + n;
    return true;
}

int dump_capture_line(const char *line, dump_dgram *out, char *err, size_t errcap)
{
    const char *p = line;
    while (*p && isspace((unsigned char)*p)) p++;
    if (!*p || *p == '#') return 0;
    out->time = -1;
    out->dir = DUMP_DIR_UNKNOWN;
    char tok[64];
    const char *rest = p;
    /* A time has a '.', which no hex datagram has. */
    if (next_token(&rest, tok, sizeof tok) && strchr(tok, '.')) {
        char *e;
        double t = strtod(tok, &e);
        if (*e || t < 0) {
            snprintf(err, errcap, "'%s' is not a time in seconds", tok);
            return -1;
        }
        out->time = t;
        p = rest;
    }
    rest = p;
    if (next_token(&rest, tok, sizeof tok) && strchr(tok, '>')) {
        out->dir = dump_parse_dir(tok);
        if (out->dir == DUMP_DIR_UNKNOWN) {
            snprintf(err, errcap, "'%s' is not a direction (C->S or S->C)", tok);
            return -1;
        }
        p = rest;
    }
    while (*p && isspace((unsigned char)*p)) p++;
    if (!*p) {
        snprintf(err, errcap, "no datagram on the line");
        return -1;
    }
    if (!dump_hex_parse(p, out->bytes, sizeof out->bytes, &out->len, err, errcap)) return -1;
    return 1;
}
