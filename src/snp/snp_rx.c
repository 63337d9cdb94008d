/* SNP engine, receiver: decode a packet's frames, reassemble each lane's
 * reliable stream and unreliable fragments, deliver whole messages. */
#include <stdio.h>
#include <string.h>

#include "snp/snp_int.h"
#include "util/mem.h"
#include "wire/relmsg.h"

#define REL_BUF_MIN      4096
#define REL_BUF_KEEP     4096 /* an emptied stream buffer up to this size is kept */
#define MAX_SEG_RECV     1300
#define RELMSG_MAX_DELTA 1000000
#define RELMSG_MAX_AHEAD 10000

static tern_result violation(tern_snp_rx *rx, int reason, const char *what)
{
    rx->end_reason = reason;
    snprintf(rx->debug, sizeof rx->debug, "%s", what);
    return TERN_PROTOCOL_VIOLATION;
}

void tern_snp_rx_lane_free(tern_snp *s, tern_snp_lane_rx *l)
{
    for (unsigned i = 0; i < l->nfrags; i++) tern_free(s->mem, l->frags[i].data);
    tern_free(s->mem, l->frags);
    tern_free(s->mem, l->buf);
    tern_ranges_free(&l->gaps, s->mem);
    tern_free(s->mem, l);
}

/* Hand one message to the application queue. False when the queue is full
 * (RecvBufferMessages / RecvBufferSize) or memory ran out: the caller then
 * leaves the packet unacknowledged, so the peer retransmits (§6.10). */
static bool deliver(tern_snp *s, int64_t now, uint32_t lane, int64_t msgnum, const uint8_t *data,
                    size_t len, bool reliable)
{
    if (s->rx_queued_msgs >= (uint32_t)s->cfg.recv_buffer_msgs ||
        s->rx_queued_bytes + len > (uint64_t)s->cfg.recv_buffer) {
        s->rx_blocked = true;
        return false;
    }
    tern_message *m = tern_msg_new(s->pool, len);
    if (!m) {
        s->rx_blocked = true;
        return false;
    }
    if (len) memcpy(m->data, data, len);
    m->message_number = msgnum;
    m->lane = (uint16_t)lane;
    m->flags = reliable ? TERN_SEND_RELIABLE : 0;
    m->time_received = now;
    s->rx_queued_bytes += len;
    s->rx_queued_msgs++;
    s->stats.msgs_recv++;
    s->ops.deliver(s->user, m);
    return true;
}

/* --- unreliable ------------------------------------------------------------ */

static void frag_drop(tern_snp *s, tern_snp_lane_rx *l, unsigned i)
{
    tern_free(s->mem, l->frags[i].data);
    l->frags[i] = l->frags[--l->nfrags];
}

static void frags_drop_msg(tern_snp *s, tern_snp_lane_rx *l, int64_t msgnum)
{
    for (unsigned i = 0; i < l->nfrags;)
        if (l->frags[i].msgnum == msgnum)
            frag_drop(s, l, i);
        else
            i++;
}

/* Deliver |msgnum| if its fragments now cover it from 0 through the end
 * fragment. Overlaps are fine: bytes are simply copied twice. */
static bool try_assemble(tern_snp *s, tern_snp_lane_rx *l, int64_t now, uint32_t lane,
                         int64_t msgnum, bool *full)
{
    uint32_t covered = 0, total = 0;
    bool progress = true, have_end = false;
    while (progress) {
        progress = false;
        for (unsigned i = 0; i < l->nfrags; i++) {
            const tern_unrel_frag *f = &l->frags[i];
            if (f->msgnum != msgnum) continue;
            if (f->end) {
                have_end = true;
                total = f->offset + f->len;
            }
            if (f->offset <= covered && f->offset + f->len > covered) {
                covered = f->offset + f->len;
                progress = true;
            }
        }
    }
    if (!have_end || covered < total) return false;
    uint8_t *tmp = tern_malloc(s->mem, total ? total : 1);
    if (!tmp) return false;
    for (unsigned i = 0; i < l->nfrags; i++) {
        const tern_unrel_frag *f = &l->frags[i];
        if (f->msgnum != msgnum || f->offset >= total) continue;
        uint32_t n = f->offset + f->len > total ? total - f->offset : f->len;
        memcpy(tmp + f->offset, f->data, n);
    }
    if (!deliver(s, now, lane, msgnum, tmp, total, false)) *full = true;
    tern_free(s->mem, tmp);
    frags_drop_msg(s, l, msgnum);
    return true;
}

static void recv_unrel(tern_snp *s, tern_snp_lane_rx *l, int64_t now, uint32_t lane, int64_t msgnum,
                       const tern_frame_unrel *f, tern_snp_rx *rx)
{
    if (!s->rx_enabled) {
        rx->ack_it = false; /* linger: GNS neither keeps nor acks it */
        return;
    }
    if (f->len > MAX_SEG_RECV || f->offset + f->len > TERN_SNP_UNREL_RECV_MAX) return;
    if (f->offset == 0 && f->end) {
        if (!deliver(s, now, lane, msgnum, f->data, f->len, false)) rx->ack_it = false;
        return;
    }
    for (unsigned i = 0; i < l->nfrags; i++)
        if (l->frags[i].msgnum == msgnum && l->frags[i].offset == f->offset) return;
    if (!l->frags) {
        l->frags = tern_malloc(s->mem, TERN_SNP_UNREL_FRAGS * sizeof *l->frags);
        if (!l->frags) return;
    }
    if (l->nfrags >= TERN_SNP_UNREL_FRAGS) {
        int64_t oldest = INT64_MAX;
        for (unsigned i = 0; i < l->nfrags; i++)
            if (l->frags[i].msgnum < oldest) oldest = l->frags[i].msgnum;
        frags_drop_msg(s, l, oldest);
    }
    uint8_t *copy = tern_malloc(s->mem, f->len ? f->len : 1);
    if (!copy) return;
    if (f->len) memcpy(copy, f->data, f->len);
    l->frags[l->nfrags++] =
        (tern_unrel_frag){msgnum, (uint32_t)f->offset, (uint32_t)f->len, f->end, copy};
    bool full = false;
    try_assemble(s, l, now, lane, msgnum, &full);
    if (full) rx->ack_it = false;
}

/* --- reliable -------------------------------------------------------------- */

/* Make the lane buffer hold stream positions up to |end|. */
static bool rel_buf_fit(tern_snp *s, tern_snp_lane_rx *l, int64_t end)
{
    if (end - l->buf_base <= (int64_t)l->buf_cap) return true;
    /* Slide the unconsumed bytes to the front first. */
    size_t keep = (size_t)(l->recv_end - l->recv_pos);
    if (l->buf && l->recv_pos > l->buf_base)
        memmove(l->buf, l->buf + (l->recv_pos - l->buf_base), keep);
    l->buf_base = l->recv_pos;
    size_t need = (size_t)(end - l->buf_base);
    if (need <= l->buf_cap) return true;
    size_t ncap = l->buf_cap ? l->buf_cap : REL_BUF_MIN;
    while (ncap < need) ncap *= 2;
    uint8_t *b = tern_realloc(s->mem, l->buf, ncap);
    if (!b) return false;
    l->buf = b;
    l->buf_cap = ncap;
    return true;
}

static tern_result rel_deliver(tern_snp *s, tern_snp_lane_rx *l, int64_t now, uint32_t lane,
                               tern_snp_rx *rx)
{
    int64_t avail_end = l->gaps.n ? l->gaps.r[0].begin : l->recv_end;
    while (l->recv_pos < avail_end) {
        const uint8_t *start = l->buf + (l->recv_pos - l->buf_base);
        const uint8_t *p = start, *e = l->buf + (avail_end - l->buf_base);
        tern_relmsg_hdr h;
        tern_result r = tern_relmsg_hdr_decode(&p, e, &h);
        if (r == TERN_TRUNCATED) break;
        if (r != TERN_OK) return violation(rx, 5002, "SNP reliable message header invalid");
        if (h.msgnum_delta > RELMSG_MAX_DELTA ||
            l->last_rel_msgnum + (int64_t)h.msgnum_delta > l->highest_msgnum + RELMSG_MAX_AHEAD)
            return violation(rx, 5002, "SNP reliable message number lurch");
        if (h.size > (uint64_t)s->cfg.recv_max_msg || h.size > (uint64_t)s->cfg.recv_buffer)
            return violation(rx, 5002, "SNP reliable message too big");
        int64_t msgnum = l->last_rel_msgnum + (int64_t)h.msgnum_delta;
        if (msgnum > l->highest_msgnum) l->highest_msgnum = msgnum;
        size_t hdr = (size_t)(p - start);
        if ((int64_t)(hdr + h.size) > avail_end - l->recv_pos) break;
        if (!deliver(s, now, lane, msgnum, p, (size_t)h.size, true)) {
            rx->ack_it = false;
            break;
        }
        l->last_rel_msgnum = msgnum;
        l->recv_pos += (int64_t)(hdr + h.size);
    }
    if (l->recv_pos == l->recv_end && l->buf_cap > REL_BUF_KEEP) {
        tern_free(s->mem, l->buf);
        l->buf = NULL;
        l->buf_cap = 0;
        l->buf_base = l->recv_pos;
    }
    return TERN_OK;
}

static tern_result recv_rel(tern_snp *s, tern_snp_lane_rx *l, int64_t now, uint32_t lane,
                            int64_t pos, const uint8_t *data, size_t len, tern_snp_rx *rx)
{
    if (len == 0 || !s->rx_enabled) return TERN_OK;
    int64_t end = pos + (int64_t)len;
    if (end <= l->recv_pos) {
        /* All old: a retransmission we already have. But after a failed
         * delivery (no memory for the message) a complete message may wait
         * at recv_pos whose bytes came in a packet that was acked; then this
         * retransmission of the refused packet is the only arrival left to
         * retry it. */
        return s->rx_blocked ? rel_deliver(s, l, now, lane, rx) : TERN_OK;
    }
    if (pos < l->recv_pos) {
        data += l->recv_pos - pos;
        pos = l->recv_pos;
    }
    /* GNS's limits (§6.5): bounded buffer and bounded gap bookkeeping. */
    if (end - l->recv_pos > (int64_t)s->cfg.recv_buffer) goto refuse;
    if (pos > l->recv_end) {
        if (l->gaps.n >= tern_snp_gap_limit(s, TERN_SNP_STREAM_GAPS_NEW)) goto refuse;
    } else if (l->gaps.n >= tern_snp_gap_limit(s, TERN_SNP_STREAM_GAPS_SPLIT * 3 / 2) * 2 / 3) {
        size_t i = tern_ranges_lower(&l->gaps, pos);
        if (i < l->gaps.n && l->gaps.r[i].begin < pos && end < l->gaps.r[i].end) goto refuse;
    }
    if (!rel_buf_fit(s, l, end)) goto refuse;
    if (pos > l->recv_end && tern_ranges_add(&l->gaps, s->mem, l->recv_end, pos) != TERN_OK)
        goto refuse;
    if (tern_ranges_remove(&l->gaps, s->mem, pos, end) != TERN_OK) goto refuse;
    memcpy(l->buf + (pos - l->buf_base), data, (size_t)(end - pos));
    if (end > l->recv_end) l->recv_end = end;
    return rel_deliver(s, l, now, lane, rx);
refuse:
    rx->ack_it = false;
    return TERN_OK;
}

tern_result tern_snp_rx_resume(tern_snp *s, int64_t now, tern_snp_rx *rx)
{
    /* A message completed while the queue was full stays in its lane's
     * buffer; its packet went unacked, but the retransmission may carry only
     * bytes already consumed, so no arrival would ever deliver it. */
    s->rx_blocked = false;
    rx->ack_it = true;
    rx->end_reason = 0;
    rx->debug[0] = 0;
    s->in_rx = true;
    tern_result r = TERN_OK;
    for (unsigned i = 0; i < s->rx_cap && r == TERN_OK; i++) {
        tern_snp_lane_rx *l = s->rx[i];
        if (!l || l->recv_pos == l->recv_end) continue;
        r = rel_deliver(s, l, now, i, rx);
        if (s->rx_blocked) break;
    }
    s->in_rx = false;
    return r;
}

/* --- the packet ------------------------------------------------------------ */

static tern_result recv_frames(tern_snp *s, int64_t now, int64_t pktnum, const uint8_t *payload,
                               size_t len, tern_snp_rx *rx);

tern_result tern_snp_recv(tern_snp *s, int64_t now, int64_t pktnum, const uint8_t *payload,
                          size_t len, tern_snp_rx *rx)
{
    rx->ack_it = true;
    rx->end_reason = 0;
    rx->debug[0] = 0;
    if (pktnum - s->max_recv > TERN_SNP_LURCH) return violation(rx, 5001, "packet number lurch");
    /* Room for the one gap record this packet may add, before anything is
     * applied: recorded without it, the packets it skipped would be acked
     * as received. Without memory the packet is dropped, as if lost. */
    if (tern_grow(s->mem, (void **)&s->gaps, &s->gaps_cap, s->ngaps + 1, sizeof *s->gaps) !=
        TERN_OK) {
        rx->ack_it = false;
        return TERN_OK;
    }
    s->in_rx = true;
    tern_result res = recv_frames(s, now, pktnum, payload, len, rx);
    s->in_rx = false;
    return res;
}

static tern_result recv_frames(tern_snp *s, int64_t now, int64_t pktnum, const uint8_t *payload,
                               size_t len, tern_snp_rx *rx)
{

    const uint8_t *p = payload, *end = payload + len;
    tern_frame_ctx ctx = {0};
    int64_t cur_msgnum = 0, prev_end = 0;
    int segs = 0;
    bool elicit = false;
    tern_frame f;
    while (p < end) {
        tern_result r = tern_frame_decode(&p, end, &ctx, &f);
        if (r != TERN_OK) return violation(rx, 5002, "SNP decode error");
        switch (f.type) {
        case TERN_FRAME_STOP_WAITING:
            r = tern_snp_stop_waiting(s, pktnum, f.u.stop_waiting.offset, rx);
            if (r != TERN_OK) return r;
            break;
        case TERN_FRAME_ACK:
            r = tern_snp_on_ack(s, now, &f.u.ack, rx);
            if (r == TERN_PROTOCOL_VIOLATION) return r;
            if (r == TERN_IGNORED) {
                rx->ack_it = false;
                goto done;
            }
            break;
        case TERN_FRAME_LANE:
            cur_msgnum = 0;
            prev_end = 0;
            break;
        case TERN_FRAME_UNREL: {
            if (++segs > s->cfg.recv_max_segs) {
                rx->ack_it = false;
                goto done;
            }
            tern_snp_lane_rx *l = tern_snp_lane_rx_get(s, ctx.lane);
            if (!l) {
                rx->ack_it = false;
                goto done;
            }
            const tern_frame_unrel *u = &f.u.unrel;
            int64_t msgnum;
            switch (u->msgnum_form) {
            case TERN_MSGNUM_ABS16:
                msgnum = tern_msgnum_expand(l->highest_msgnum, u->msgnum, 16);
                break;
            case TERN_MSGNUM_ABS32:
                msgnum = tern_msgnum_expand(l->highest_msgnum, u->msgnum, 32);
                break;
            case TERN_MSGNUM_NEXT:
                msgnum = cur_msgnum + 1;
                break;
            default:
                if (u->msgnum > (uint64_t)(INT64_MAX / 2))
                    return violation(rx, 5002, "SNP unreliable msgnum delta");
                msgnum = cur_msgnum + (int64_t)u->msgnum;
                break;
            }
            if (msgnum <= 0) return violation(rx, 5002, "SNP decode unreliable msgnum underflow");
            cur_msgnum = msgnum;
            if (msgnum > l->highest_msgnum) l->highest_msgnum = msgnum;
            elicit = true;
            recv_unrel(s, l, now, ctx.lane, msgnum, u, rx);
            break;
        }
        case TERN_FRAME_REL: {
            if (++segs > s->cfg.recv_max_segs) {
                rx->ack_it = false;
                goto done;
            }
            tern_snp_lane_rx *l = tern_snp_lane_rx_get(s, ctx.lane);
            if (!l) {
                rx->ack_it = false;
                goto done;
            }
            const tern_frame_rel *g = &f.u.rel;
            int64_t pos;
            switch (g->pos_form) {
            case TERN_POS_ABS24:
                pos = tern_streampos_expand(l->recv_end, g->pos, 24);
                break;
            case TERN_POS_ABS32:
                pos = tern_streampos_expand(l->recv_end, g->pos, 32);
                break;
            case TERN_POS_ABS48:
                pos = tern_streampos_expand(l->recv_end, g->pos, 48);
                break;
            default:
                pos = prev_end + (int64_t)g->pos;
                break;
            }
            if (pos <= 0 || pos > INT64_MAX / 2)
                return violation(rx, 5002, "SNP reliable stream position invalid");
            prev_end = pos + (int64_t)g->len;
            if (cur_msgnum > 0) cur_msgnum++; /* §6.4 quirk */
            elicit = true;
            r = recv_rel(s, l, now, ctx.lane, pos, g->data, g->len, rx);
            if (r != TERN_OK) return r;
            break;
        }
        default:
            return violation(rx, 5002, "SNP unknown frame");
        }
    }
done:
    s->stats.pkts_recv++;
    s->stats.bytes_recv += len;
    if (rx->ack_it) {
        tern_snp_record_received(s, now, pktnum, elicit);
    } else {
        tern_snp_record_refused(s, now, pktnum);
        /* A refused packet: report the hole soon so the peer resends
         * (GNS: within 2 x (ping + 5 ms), ping at most 100 ms). */
        int64_t ping = tern_rtt_known(&s->rtt) ? s->rtt.smoothed : 100000;
        if (ping > 100000) ping = 100000;
        int64_t due = now + 2 * (ping + 5000);
        if (due < s->ack_deadline) s->ack_deadline = due;
    }
    return TERN_OK;
}

void tern_snp_ack_request(tern_snp *s, int64_t now, bool immediate)
{
    /* The delay lets one ack cover the data packets that follow. A packet
     * that brought data has already set ack_deadline in tern_snp_recv, so
     * nothing owed here means a request on a packet without data (a
     * keepalive): it has nothing to wait for, and answered now it costs no
     * wake-up of its own 5 ms later, which for thousands of idle
     * connections is most of their wake-ups. */
    bool nothing_owed = s->ack_deadline == INT64_MAX;
    int64_t due = immediate || nothing_owed ? now : now + TERN_SNP_ACK_DELAY_USEC;
    if (due < s->ack_deadline) s->ack_deadline = due;
}
