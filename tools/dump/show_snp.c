/* SNP frames (WIRE.md §6) with the receiver state needed to read them:
 * message numbers are expanded per lane (§6.4), stream positions too (§6.5),
 * and each lane's reliable stream is reassembled so that the reliable
 * messages inside it (§6.10) are shown when they complete. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "wire/data.h"
#include "wire/frames.h"
#include "wire/relmsg.h"

/* GNS's receive limits that end a connection (§6.10), and the unreliable
 * reassembly limit (§6.4). */
#define GNS_MAX_MSG       (512 * 1024)
#define GNS_MAX_DELTA     1000000
#define GNS_MSGNUM_AHEAD  10000
#define GNS_UNREL_MAX_END 26000

static dump_lane *lane_get(dump_side *s, uint32_t idx)
{
    if (idx >= DUMP_LANES) return NULL;
    if (!s->lanes[idx]) {
        dump_lane *l = calloc(1, sizeof *l);
        if (!l) return NULL;
        l->consumed = l->recv_end = 1; /* a lane's stream starts at position 1 */
        s->lanes[idx] = l;
    }
    return s->lanes[idx];
}

void dump_lanes_free(dump_side *s)
{
    for (int i = 0; i < DUMP_LANES; i++) {
        if (!s->lanes[i]) continue;
        free(s->lanes[i]->buf);
        free(s->lanes[i]->have);
        free(s->lanes[i]);
        s->lanes[i] = NULL;
    }
}

/* Make room for |need| bytes from |head| on; compacts when the consumed
 * prefix is what is in the way, so each byte is moved O(1) times. */
static bool lane_reserve(dump_lane *l, size_t need)
{
    if (l->head + need <= l->cap) return true;
    if (l->head) {
        size_t used = l->filled - l->head;
        memmove(l->buf, l->buf + l->head, used);
        memmove(l->have, l->have + l->head, used);
        memset(l->have + used, 0, l->cap - used);
        l->filled = used;
        l->head = 0;
        if (need <= l->cap) return true;
    }
    size_t cap = l->cap ? l->cap : 4096;
    while (cap < need) cap *= 2;
    if (cap > DUMP_LANE_WINDOW) cap = DUMP_LANE_WINDOW;
    uint8_t *b = realloc(l->buf, cap);
    if (!b) return false;
    l->buf = b;
    uint8_t *h = realloc(l->have, cap);
    if (!h) return false;
    memset(h + l->cap, 0, cap - l->cap);
    l->have = h;
    l->cap = cap;
    return true;
}

static tern_result stop_parsing(dump_state *st, dump_lane *l, const char *why, tern_result r)
{
    l->broken = true;
    dump_line(st, 3, "error: %s", why);
    dump_note(st, " error: %s", why);
    return r;
}

/* Show every reliable message now complete at the front of the stream. */
static tern_result parse_messages(dump_state *st, dump_lane *l)
{
    while (!l->broken && l->contig) {
        const uint8_t *front = l->buf + l->head, *q = front;
        tern_relmsg_hdr h;
        tern_result r = tern_relmsg_hdr_decode(&q, front + l->contig, &h);
        if (r == TERN_TRUNCATED) return TERN_OK; /* the rest comes later */
        char why[160];
        if (r != TERN_OK) {
            snprintf(why, sizeof why,
                     "reliable message header at stream position %" PRId64 ": %s (GNS: 5002)",
                     l->consumed, dump_result_name(r));
            return stop_parsing(st, l, why, r);
        }
        if (h.size > GNS_MAX_MSG || h.msgnum_delta > GNS_MAX_DELTA ||
            l->rel_msgnum + (int64_t)h.msgnum_delta > l->highest_msgnum + GNS_MSGNUM_AHEAD) {
            snprintf(why, sizeof why,
                     "reliable message at stream position %" PRId64 " (size %" PRIu64
                     ", number delta %" PRIu64 ") breaks GNS's limits (GNS: 5002)",
                     l->consumed, h.size, h.msgnum_delta);
            return stop_parsing(st, l, why, TERN_PROTOCOL_VIOLATION);
        }
        size_t hlen = (size_t)(q - front);
        if (l->contig < hlen + h.size) return TERN_OK;
        int64_t num = l->rel_msgnum + (int64_t)h.msgnum_delta;
        l->rel_msgnum = num;
        if (num > l->highest_msgnum) l->highest_msgnum = num;
        char prev[96];
        dump_preview(q, (size_t)h.size, prev, sizeof prev);
        dump_line(st, 3, "=> reliable message %" PRId64 ", %" PRIu64 " byte%s: %s", num, h.size,
                  dump_s(h.size), prev);
        dump_note(st, " =>rel#%" PRId64 "(%" PRIu64 "B)", num, h.size);
        size_t k = hlen + (size_t)h.size;
        l->head += k;
        l->contig -= k;
        l->consumed += (int64_t)k;
    }
    return TERN_OK;
}

static tern_result reliable_bytes(dump_state *st, dump_lane *l, int64_t pos, const uint8_t *data,
                                  size_t len)
{
    if (l->broken || !len) return TERN_OK;
    int64_t end = pos + (int64_t)len;
    if (end <= l->consumed) {
        dump_line(st, 3, "(bytes already delivered: a retransmission)");
        return TERN_OK;
    }
    int64_t from = pos > l->consumed ? pos : l->consumed;
    if (from - l->consumed >= DUMP_LANE_WINDOW) {
        dump_line(st, 3, "(beyond the 1 MiB this tool reassembles: not shown)");
        return TERN_OK;
    }
    int64_t to = end < l->consumed + DUMP_LANE_WINDOW ? end : l->consumed + DUMP_LANE_WINDOW;
    if (!lane_reserve(l, (size_t)(to - l->consumed)))
        return stop_parsing(st, l, "out of memory", TERN_NOMEM);
    size_t at = l->head + (size_t)(from - l->consumed), n = (size_t)(to - from);
    memcpy(l->buf + at, data + (from - pos), n);
    memset(l->have + at, 1, n);
    if (at + n > l->filled) l->filled = at + n;
    while (l->head + l->contig < l->filled && l->have[l->head + l->contig]) l->contig++;
    if (from > l->consumed + (int64_t)l->contig)
        dump_line(st, 3, "(after a gap: held until the missing bytes arrive)");
    return parse_messages(st, l);
}

static void range_text(int64_t lo, int64_t hi, char *buf, size_t cb)
{
    if (lo == hi)
        snprintf(buf, cb, "%" PRId64, lo);
    else
        snprintf(buf, cb, "%" PRId64 "..%" PRId64, lo, hi);
}

static void show_ack(dump_state *st, const tern_frame_ack *a, int64_t peer_max)
{
    /* |latest| names a packet of the other direction (§6.7). */
    int64_t L;
    if (a->latest16)
        L = tern_pktnum_expand(peer_max, (uint16_t)a->latest);
    else
        L = peer_max + (int32_t)(a->latest - (uint32_t)peer_max);
    char delay[48];
    if (a->delay == TERN_ACK_DELAY_UNKNOWN)
        snprintf(delay, sizeof delay, "unknown (0xffff)");
    else
        snprintf(delay, sizeof delay, "%u x 32 us = %.2f ms", a->delay, a->delay * 0.032);
    dump_line(st, 2, "%-22s latest %" PRId64 " (wire 0x%0*" PRIx32 "), delay %s, %u block%s", "ack",
              L, a->latest16 ? 4 : 8, a->latest, delay, a->nblocks, a->nblocks == 1 ? "" : "s");
    dump_note(st, " ack<=%" PRId64, L);
    int64_t end = L + 1;
    for (unsigned i = 0; i < a->nblocks; i++) {
        const tern_ack_block *b = &a->blocks[i];
        char got[48] = "none", miss[48] = "none";
        if (b->acks) range_text(end - b->acks, end - 1, got, sizeof got);
        if (b->nacks) range_text(end - b->acks - b->nacks, end - b->acks - 1, miss, sizeof miss);
        dump_line(st, 3, "block %-3u received %s; missing %s", i + 1, got, miss);
        if (b->nacks) dump_note(st, " -%s", miss);
        end -= (int64_t)b->acks + (int64_t)b->nacks;
    }
    dump_line(st, 3, "older packets, down to the stop-waiting point: received");
}

static const char *msgnum_form(uint8_t f)
{
    switch (f) {
    case TERN_MSGNUM_ABS16:
        return "low 16 bits";
    case TERN_MSGNUM_ABS32:
        return "low 32 bits";
    case TERN_MSGNUM_NEXT:
        return "previous + 1";
    default:
        return "previous + delta";
    }
}

static unsigned pos_bits(uint8_t f)
{
    return f == TERN_POS_ABS24 ? 24 : f == TERN_POS_ABS32 ? 32 : f == TERN_POS_ABS48 ? 48 : 0;
}

static const char *pos_form(uint8_t f)
{
    switch (f) {
    case TERN_POS_ABS24:
        return "low 24 bits";
    case TERN_POS_ABS32:
        return "low 32 bits";
    case TERN_POS_ABS48:
        return "low 48 bits";
    case TERN_POS_REL0:
        return "right after the previous segment";
    default:
        return "after the previous segment + offset";
    }
}

tern_result dump_snp(dump_state *st, int dir, int64_t pktnum, const uint8_t *p, size_t len)
{
    dump_side *s = &st->side[dir];
    int other = dir == DUMP_DIR_C2S ? DUMP_DIR_S2C : dir == DUMP_DIR_S2C ? DUMP_DIR_C2S : dir;
    int64_t peer_max = st->side[other].max_pktnum;
    const uint8_t *q = p, *end = p + len;
    tern_frame_ctx ctx = {0};
    int64_t cur_msgnum = 0, prev_end = 0; /* §6.2 decode context */
    char why[160], prev[96];
    while (q < end) {
        size_t off = (size_t)(q - p);
        tern_frame f;
        tern_result r = tern_frame_decode(&q, end, &ctx, &f);
        if (r != TERN_OK) {
            dump_line(st, 2,
                      "error at payload byte %zu (0x%02x): %s: GNS ends the connection (5002)", off,
                      p[off], dump_result_name(r));
            dump_note(st, " error: frame at byte %zu: %s", off, dump_result_name(r));
            return r;
        }
        switch (f.type) {
        case TERN_FRAME_STOP_WAITING: {
            uint64_t o = f.u.stop_waiting.offset;
            if (pktnum > 0)
                dump_line(st, 2, "%-22s offset %" PRIu64 ": no acks needed below packet %" PRId64,
                          "stop_waiting", o, pktnum - (int64_t)o - 1);
            else
                dump_line(st, 2, "%-22s offset %" PRIu64, "stop_waiting", o);
            dump_note(st, " sw");
            break;
        }
        case TERN_FRAME_ACK:
            show_ack(st, &f.u.ack, peer_max);
            break;
        case TERN_FRAME_LANE:
            cur_msgnum = prev_end = 0;
            dump_line(st, 2, "%-22s %" PRIu32, "select lane", f.u.lane);
            dump_note(st, " lane%" PRIu32, f.u.lane);
            break;
        case TERN_FRAME_UNREL: {
            const tern_frame_unrel *u = &f.u.unrel;
            dump_lane *l = lane_get(s, ctx.lane);
            if (!l) return TERN_NOMEM;
            int64_t num = u->msgnum_form == TERN_MSGNUM_ABS16
                              ? tern_msgnum_expand(l->highest_msgnum, u->msgnum, 16)
                          : u->msgnum_form == TERN_MSGNUM_ABS32
                              ? tern_msgnum_expand(l->highest_msgnum, u->msgnum, 32)
                          : u->msgnum_form == TERN_MSGNUM_NEXT ? cur_msgnum + 1
                                                               : cur_msgnum + (int64_t)u->msgnum;
            if (num <= 0) {
                snprintf(why, sizeof why, "unreliable message number %" PRId64 " (GNS: 5002)", num);
                dump_line(st, 2, "error: %s", why);
                dump_note(st, " error: %s", why);
                return TERN_PROTOCOL_VIOLATION;
            }
            cur_msgnum = num;
            if (num > l->highest_msgnum) l->highest_msgnum = num;
            dump_preview(u->data, u->len, prev, sizeof prev);
            char tail[64];
            if (u->end)
                snprintf(tail, sizeof tail, "%s", u->offset ? "last piece" : "the whole message");
            else
                snprintf(tail, sizeof tail, "more follows");
            dump_line(st, 2,
                      "%-22s lane %" PRIu32 ", message %" PRId64 " (%s), offset %" PRIu64
                      ", %zu byte%s, %s: %s",
                      "unreliable", ctx.lane, num, msgnum_form(u->msgnum_form), u->offset, u->len,
                      dump_s(u->len), tail, prev);
            if (u->end && u->offset)
                dump_line(st, 3, "=> message %" PRId64 " is %" PRIu64 " bytes", num,
                          u->offset + u->len);
            if (u->offset + u->len > GNS_UNREL_MAX_END)
                dump_line(st, 3, "(ends past %d bytes: GNS ignores this segment)",
                          GNS_UNREL_MAX_END);
            dump_note(st, " unrel#%" PRId64 "@%" PRIu64 "+%zu%s", num, u->offset, u->len,
                      u->end ? "" : "..");
            break;
        }
        case TERN_FRAME_REL: {
            const tern_frame_rel *g = &f.u.rel;
            dump_lane *l = lane_get(s, ctx.lane);
            if (!l) return TERN_NOMEM;
            unsigned bits = pos_bits(g->pos_form);
            int64_t pos = bits ? tern_streampos_expand(l->recv_end, g->pos, bits)
                               : prev_end + (int64_t)g->pos;
            if (pos <= 0 || pos > INT64_MAX / 2) {
                snprintf(why, sizeof why, "reliable stream position %" PRId64 " (GNS: 5002)", pos);
                dump_line(st, 2, "error: %s", why);
                dump_note(st, " error: %s", why);
                return TERN_PROTOCOL_VIOLATION;
            }
            prev_end = pos + (int64_t)g->len;
            if (cur_msgnum > 0) cur_msgnum++; /* the §6.4 quirk */
            if (prev_end > l->recv_end) l->recv_end = prev_end;
            if (g->len)
                dump_line(st, 2,
                          "%-22s lane %" PRIu32 ", stream bytes %" PRId64 "..%" PRId64
                          " (%zu byte%s; position: %s)",
                          "reliable", ctx.lane, pos, prev_end - 1, g->len, dump_s(g->len),
                          pos_form(g->pos_form));
            else
                dump_line(st, 2, "%-22s lane %" PRIu32 ", 0 bytes at %" PRId64 " (ignored)",
                          "reliable", ctx.lane, pos);
            dump_note(st, " rel@%" PRId64 "+%zu", pos, g->len);
            r = reliable_bytes(st, l, pos, g->data, g->len);
            if (r != TERN_OK) return r;
            break;
        }
        default:
            return TERN_MALFORMED; /* the decoder returns only the types above */
        }
    }
    return TERN_OK;
}
