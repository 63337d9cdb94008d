#include "dump.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "wire/handshake.h"

tern_result dump_init(dump_state *st, const dump_opts *opt, FILE *out)
{
    memset(st, 0, sizeof *st);
    st->opt = *opt;
    st->out = out;
    st->arena_buf = malloc(DUMP_ARENA);
    if (!st->arena_buf) return TERN_NOMEM;
    tern_arena_init(&st->arena, st->arena_buf, DUMP_ARENA);
    for (int d = 0; d < 3; d++) {
        st->side[d].max_pktnum = 1; /* §5.3: packet 1 counts as received */
        if (!opt->have_key[d]) continue;
        /* Each side's tern_aead only ever opens packets of its direction. */
        tern_result r = tern_aead_init(&st->side[d].aead, TERN_CIPHER_AES_256_GCM, opt->key[d],
                                       opt->iv[d], opt->key[d], opt->iv[d]);
        if (r != TERN_OK) {
            dump_free(st);
            return r;
        }
        st->side[d].have_aead = true;
    }
    return TERN_OK;
}

void dump_free(dump_state *st)
{
    for (int d = 0; d < 3; d++) {
        tern_aead_free(&st->side[d].aead);
        dump_lanes_free(&st->side[d]);
    }
    free(st->arena_buf);
    st->arena_buf = NULL;
}

bool dump_detail(const dump_state *st)
{
    return st->show && !st->opt.brief;
}

void dump_line(dump_state *st, int indent, const char *fmt, ...)
{
    if (!dump_detail(st)) return;
    fprintf(st->out, "%*s", 2 + 2 * indent, "");
    va_list ap;
    va_start(ap, fmt);
    vfprintf(st->out, fmt, ap);
    va_end(ap);
    fputc('\n', st->out);
}

void dump_note(dump_state *st, const char *fmt, ...)
{
    if (!st->show || !st->opt.brief) return;
    size_t room = sizeof st->brief - st->brief_len;
    if (room <= 1) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(st->brief + st->brief_len, room, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    st->brief_len += (size_t)n < room ? (size_t)n : room - 1;
}

void dump_hex_abbrev(const uint8_t *p, size_t len, char *buf, size_t cb)
{
    size_t o = 0;
    o += (size_t)snprintf(buf, cb, "%zu byte%s", len, dump_s(len));
    if (len) o += (size_t)snprintf(buf + (o < cb ? o : cb), o < cb ? cb - o : 0, " ");
    size_t head = len <= 16 ? len : 8, tail = len <= 16 ? 0 : 4;
    for (size_t i = 0; i < head && o < cb; i++)
        o += (size_t)snprintf(buf + o, cb - o, "%02x", p[i]);
    if (tail && o < cb) o += (size_t)snprintf(buf + o, cb - o, "...");
    for (size_t i = len - tail; tail && i < len && o < cb; i++)
        o += (size_t)snprintf(buf + o, cb - o, "%02x", p[i]);
}

void dump_preview(const uint8_t *p, size_t len, char *buf, size_t cb)
{
    dump_preview_n(p, len, DUMP_PREVIEW_MAX, buf, cb);
}

void dump_preview_n(const uint8_t *p, size_t len, size_t max, char *buf, size_t cb)
{
    size_t printable = 0;
    for (size_t i = 0; i < len; i++)
        if (isprint(p[i]) || p[i] == '\n' || p[i] == '\t') printable++;
    if (len && printable < len) {
        dump_hex_abbrev(p, len, buf, cb);
        return;
    }
    size_t o = 0;
    if (cb < 8) {
        if (cb) buf[0] = 0;
        return;
    }
    buf[o++] = '"';
    size_t shown = len < max ? len : max;
    for (size_t i = 0; i < shown && o + 6 < cb; i++) {
        if (p[i] == '\n') {
            buf[o++] = '\\';
            buf[o++] = 'n';
        } else if (p[i] == '\t') {
            buf[o++] = '\\';
            buf[o++] = 't';
        } else {
            if (p[i] == '"' || p[i] == '\\') buf[o++] = '\\';
            buf[o++] = (char)p[i];
        }
    }
    buf[o++] = '"';
    if (shown < len && o + 4 < cb) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = 0;
}

const char *dump_result_name(tern_result r)
{
    switch (r) {
    case TERN_OK:
        return "TERN_OK";
    case TERN_TRUNCATED:
        return "TERN_TRUNCATED (input truncated)";
    case TERN_MALFORMED:
        return "TERN_MALFORMED (malformed input)";
    case TERN_ARENA_FULL:
        return "TERN_ARENA_FULL (decode arena exhausted)";
    case TERN_INVALID_PARAM:
        return "TERN_INVALID_PARAM (invalid parameter)";
    case TERN_CRYPTO:
        return "TERN_CRYPTO (authentication failed)";
    case TERN_NOT_SUPPORTED:
        return "TERN_NOT_SUPPORTED (not supported)";
    case TERN_BAD_CERT:
        return "TERN_BAD_CERT (unacceptable certificate)";
    default:
        return tern_result_str((int)r);
    }
}

const char *dump_reason_name(uint32_t code)
{
    switch (code) {
    case 0:
        return "Invalid";
    case 1000:
        return "App_Generic";
    case 1999:
        return "App_Max (GNS: invalid numeric reason code)";
    case 2000:
        return "AppException_Generic";
    case 2999:
        return "AppException_Max (GNS: library shutdown)";
    case 3001:
        return "Local_OfflineMode";
    case 3002:
        return "Local_ManyRelayConnectivity";
    case 3003:
        return "Local_HostedServerPrimaryRelay";
    case 3004:
        return "Local_NetworkConfig";
    case 3005:
        return "Local_Rights";
    case 3006:
        return "Local_P2P_ICE_NoPublicAddresses";
    case 4001:
        return "Remote_Timeout";
    case 4002:
        return "Remote_BadCrypt";
    case 4003:
        return "Remote_BadCert";
    case 4006:
        return "Remote_BadProtocolVersion";
    case 4007:
        return "Remote_P2P_ICE_NoPublicAddresses";
    case 5001:
        return "Misc_Generic";
    case 5002:
        return "Misc_InternalError";
    case 5003:
        return "Misc_Timeout";
    case 5005:
        return "Misc_SteamConnectivity";
    case 5006:
        return "Misc_NoRelaySessionsToClient";
    case 5008:
        return "Misc_P2P_Rendezvous";
    case 5009:
        return "Misc_P2P_NAT_Firewall";
    case 5010:
        return "Misc_PeerSentNoConnection";
    }
    if (code >= 1000 && code < 2000) return "App (application-defined)";
    if (code >= 2000 && code < 3000) return "AppException (application-defined)";
    if (code >= 3000 && code < 4000) return "Local (unassigned)";
    if (code >= 4000 && code < 5000) return "Remote (unassigned)";
    if (code >= 5000 && code < 6000) return "Misc (unassigned)";
    return "not an ESteamNetConnectionEnd value";
}

const char *dump_dir_name(int dir)
{
    return dir == DUMP_DIR_C2S ? "C->S" : dir == DUMP_DIR_S2C ? "S->C" : "    ";
}

static const char *kind_name(tern_pkt_kind k)
{
    switch (k) {
    case TERN_PKT_CHALLENGE_REQUEST:
        return "ChallengeRequest";
    case TERN_PKT_CHALLENGE_REPLY:
        return "ChallengeReply";
    case TERN_PKT_CONNECT_REQUEST:
        return "ConnectRequest";
    case TERN_PKT_CONNECT_OK:
        return "ConnectOK";
    case TERN_PKT_CONNECTION_CLOSED:
        return "ConnectionClosed";
    case TERN_PKT_NO_CONNECTION:
        return "NoConnection";
    case TERN_PKT_DATA:
        return "data";
    default:
        return "invalid";
    }
}

static void print_hex_lines(dump_state *st, const dump_dgram *d)
{
    for (size_t i = 0; i < d->len; i += 16) {
        char line[64];
        size_t o = 0;
        for (size_t j = i; j < d->len && j < i + 16; j++)
            o += (size_t)snprintf(line + o, sizeof line - o, "%s%02x", j > i ? " " : "",
                                  d->bytes[j]);
        dump_line(st, 1, "%04zx  %s", i, line);
    }
}

/* The direction a datagram travels, from what it says and what the
 * handshake showed. */
static int infer_dir(const dump_state *st, const dump_dgram *d, tern_pkt_kind k)
{
    if (d->dir != DUMP_DIR_UNKNOWN) return d->dir;
    switch (k) {
    case TERN_PKT_CHALLENGE_REQUEST:
    case TERN_PKT_CONNECT_REQUEST:
        return DUMP_DIR_C2S;
    case TERN_PKT_CHALLENGE_REPLY:
    case TERN_PKT_CONNECT_OK:
        return DUMP_DIR_S2C;
    case TERN_PKT_DATA:
        if (d->len >= 5) {
            uint32_t to = tern_load_le32(d->bytes + 1);
            if (st->server_id && to == st->server_id) return DUMP_DIR_C2S;
            if (st->client_id && to == st->client_id) return DUMP_DIR_S2C;
        }
        break;
    default:
        break;
    }
    return st->opt.default_dir;
}

void dump_datagram(dump_state *st, const dump_dgram *d)
{
    st->index++;
    st->show = (!st->opt.sel_lo || st->index >= st->opt.sel_lo) &&
               (!st->opt.sel_hi || st->index <= st->opt.sel_hi);
    st->brief_len = 0;
    st->brief[0] = 0;
    tern_arena_reset(&st->arena);

    tern_pkt_kind k = tern_pkt_kind_of(d->bytes, d->len);
    int dir = infer_dir(st, d, k);
    if (st->show) {
        char when[32] = "";
        if (d->time >= 0) snprintf(when, sizeof when, " %10.6f", d->time);
        fprintf(st->out, "#%-3lu%s %s %5zu B  %s", st->index, when, dump_dir_name(dir), d->len,
                kind_name(k));
        if (k == TERN_PKT_INVALID)
            fprintf(st->out, " (lead byte 0x%02x)", d->len ? d->bytes[0] : 0);
        else if (k != TERN_PKT_DATA)
            fprintf(st->out, " (0x%02x%s)", d->bytes[0], tern_pkt_is_padded(k) ? ", padded" : "");
        if (!st->opt.brief) fputc('\n', st->out);
    }
    if (st->opt.hex) print_hex_lines(st, d);

    tern_result r;
    if (k == TERN_PKT_INVALID) {
        r = TERN_MALFORMED;
        if (d->len < TERN_DGRAM_MIN) {
            dump_line(st, 1, "error: %zu bytes is shorter than %d: GNS ignores it", d->len,
                      TERN_DGRAM_MIN);
            dump_note(st, "  error: shorter than %d bytes", TERN_DGRAM_MIN);
        } else {
            dump_line(st, 1, "error: lead byte 0x%02x is not assigned (WIRE.md §1.1)", d->bytes[0]);
            dump_note(st, "  error: unassigned lead byte");
        }
    } else if (k == TERN_PKT_DATA) {
        r = dump_data(st, d, dir);
    } else {
        r = dump_handshake(st, d);
    }
    if (r != TERN_OK) st->errors++;
    if (st->show && st->opt.brief) fprintf(st->out, "%s\n", st->brief);
}
