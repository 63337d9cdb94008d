/* Data packets: the clear header, then the payload opened with the keys the
 * user gave (or read directly when the NULL cipher is in use). WIRE.md §5. */
#include <inttypes.h>
#include <string.h>

#include "dump.h"
#include "wire/data.h"
#include "wire/stats.h"

static void flags_text(uint8_t f, char *buf, size_t cb)
{
    size_t o = (size_t)snprintf(buf, cb, "0x%02x (data", f);
    if (f & TERN_DATA_FLAG_STATS && o < cb) o += (size_t)snprintf(buf + o, cb - o, ", stats");
    if (f & TERN_DATA_FLAG_TIMEPREV && o < cb)
        o += (size_t)snprintf(buf + o, cb - o, ", time since previous");
    uint8_t other =
        f & (uint8_t) ~(TERN_DATA_FLAG | TERN_DATA_FLAG_STATS | TERN_DATA_FLAG_TIMEPREV);
    if (other && o < cb)
        o += (size_t)snprintf(buf + o, cb - o, ", unknown bits 0x%02x ignored", other);
    if (o < cb) snprintf(buf + o, cb - o, ")");
}

static void header(dump_state *st, const tern_data_hdr *h, int64_t pktnum)
{
    char text[96];
    flags_text(h->flags, text, sizeof text);
    dump_line(st, 1, "%-24s %s", "flags", text);
    const char *whose = h->to_conn_id == st->server_id && st->server_id   ? " (the server's ID)"
                        : h->to_conn_id == st->client_id && st->client_id ? " (the client's ID)"
                                                                          : "";
    dump_line(st, 1, "%-24s 0x%08" PRIx32 "%s", "to connection", h->to_conn_id, whose);
    dump_line(st, 1, "%-24s %" PRId64 " (wire 0x%04x)", "packet number", pktnum, h->pktnum16);
    dump_note(st, " to 0x%08" PRIx32 " pkt %" PRId64, h->to_conn_id, pktnum);
}

static tern_result stats(dump_state *st, const tern_data_hdr *h)
{
    Tern__UdpStats *s;
    tern_result r = tern_stats_decode(h->stats, h->stats_len, &st->arena, &s);
    if (r != TERN_OK) {
        dump_line(st, 1,
                  "error: the %zu-byte stats blob does not decode: %s (GNS ignores the packet)",
                  h->stats_len, dump_result_name(r));
        dump_note(st, "  error: stats blob: %s", dump_result_name(r));
        return r;
    }
    dump_line(st, 1, "%-24s %zu byte%s, in the clear%s", "stats", h->stats_len,
              dump_s(h->stats_len), tern_stats_is_ack_request(s) ? ": asks for an ack" : "");
    dump_pb(st, &s->base, 2);
    dump_note(st, " stats(%zuB%s)", h->stats_len, tern_stats_is_ack_request(s) ? ",ack-req" : "");
    return TERN_OK;
}

/* Open the payload with the key of direction |dir|. Returns the plaintext
 * length or a negative result. */
static ptrdiff_t open_dir(dump_state *st, int dir, uint16_t w, const uint8_t *p, size_t len,
                          int64_t *pktnum)
{
    dump_side *s = &st->side[dir];
    if (!s->have_aead) return -TERN_INVALID_STATE;
    *pktnum = tern_pktnum_expand(s->max_pktnum, w);
    return tern_aead_open(&s->aead, (uint64_t)*pktnum, p, len, st->plain, sizeof st->plain);
}

tern_result dump_data(dump_state *st, const dump_dgram *d, int dir)
{
    const uint8_t *p = d->bytes, *end = d->bytes + d->len;
    tern_data_hdr h;
    tern_result r = tern_data_hdr_decode(&p, end, &h);
    if (r != TERN_OK) {
        dump_line(st, 1, "error: the header does not decode: %s%s", dump_result_name(r),
                  d->len < TERN_DATA_HDR_MIN ? " (shorter than the 7-byte header)" : "");
        dump_note(st, "  error: header: %s", dump_result_name(r));
        return r;
    }
    size_t len = (size_t)(end - p);
    bool plain = st->cipher == TERN_CIPHER_NULL || st->opt.null_cipher;
    bool keys = st->side[dir].have_aead ||
                (dir == DUMP_DIR_UNKNOWN &&
                 (st->side[DUMP_DIR_C2S].have_aead || st->side[DUMP_DIR_S2C].have_aead));
    int64_t pktnum = tern_pktnum_expand(st->side[dir].max_pktnum, h.pktnum16);
    ptrdiff_t n = 0;
    int opened_dir = dir;
    if (!plain && keys) {
        if (dir != DUMP_DIR_UNKNOWN) {
            n = open_dir(st, dir, h.pktnum16, p, len, &pktnum);
        } else {
            /* The tag tells which direction's key is the right one. */
            int64_t pn;
            n = -TERN_CRYPTO;
            for (int k = DUMP_DIR_C2S; k <= DUMP_DIR_S2C && n < 0; k++) {
                n = open_dir(st, k, h.pktnum16, p, len, &pn);
                if (n >= 0) {
                    opened_dir = k;
                    pktnum = pn;
                }
            }
        }
    }
    header(st, &h, pktnum);
    if (h.flags & TERN_DATA_FLAG_STATS) {
        r = stats(st, &h);
        if (r != TERN_OK) return r;
    }
    if (h.flags & TERN_DATA_FLAG_TIMEPREV)
        dump_line(st, 1, "%-24s %u x 16 us = %u us", "time since previous", h.timeprev16,
                  (unsigned)h.timeprev16 * 16u);

    dump_side *s = &st->side[opened_dir];
    if (pktnum > s->max_pktnum) s->max_pktnum = pktnum;
    if (plain) {
        dump_line(st, 1, "%-24s %zu byte%s in the clear (NULL cipher):", "payload", len,
                  dump_s(len));
        return dump_snp(st, opened_dir, pktnum, p, len);
    }
    if (!keys) {
        dump_line(st, 1, "%-24s %zu byte%s, encrypted%s", "payload", len, dump_s(len),
                  len >= TERN_AEAD_TAG_LEN ? " (SNP frames + 16-byte AES-GCM tag); no keys given"
                                           : ", shorter than the AES-GCM tag");
        dump_note(st, " encrypted %zuB", len);
        return TERN_OK;
    }
    if (n < 0) {
        r = (tern_result)-n;
        dump_line(st, 1, "%-24s %zu byte%s, encrypted", "payload", len, dump_s(len));
        dump_line(st, 1,
                  "error: does not open: %s (wrong key or direction, or not packet %" PRId64 ")",
                  dump_result_name(r), pktnum);
        dump_note(st, " error: does not open: %s", dump_result_name(r));
        return r;
    }
    dump_line(st, 1,
              "%-24s %zu bytes: %td byte%s of SNP frames + 16-byte tag, opened with the %s key",
              "payload", len, n, dump_s((uint64_t)n), dump_dir_name(opened_dir));
    return dump_snp(st, opened_dir, pktnum, st->plain, (size_t)n);
}
