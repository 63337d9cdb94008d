/* SNP engine, sender: packet assembly, the ring of sent packets, what the
 * peer's acks mean for them, loss and retransmission. */
#include <stdio.h>
#include <string.h>

#include "snp/snp_int.h"
#include "util/mem.h"

#define MIN_SEG_DATA 16 /* do not start a segment at a packet's end for fewer bytes (GNS) */

static inline tern_sent_pkt *ring_at(const tern_snp *s, int64_t pn)
{
    return &s->ring[(uint64_t)pn & (s->ring_cap - 1)];
}

static inline tern_sent_range *range_at(const tern_snp *s, uint64_t i)
{
    return &s->ranges[i & (s->ranges_cap - 1)];
}

/* Room for one more sent record (packet numbers are contiguous, so the
 * ring is indexed by packet number). */
static tern_result ring_reserve(tern_snp *s)
{
    size_t need = (size_t)(s->next_pktnum - s->ring_base) + 1;
    if (need <= s->ring_cap) return TERN_OK;
    size_t ncap = s->ring_cap ? s->ring_cap * 2 : 16;
    while (ncap < need) ncap *= 2;
    tern_sent_pkt *r = tern_malloc(s->mem, ncap * sizeof *r);
    if (!r) return TERN_NOMEM;
    for (int64_t pn = s->ring_base; pn < s->next_pktnum; pn++)
        r[(uint64_t)pn & (ncap - 1)] = *ring_at(s, pn);
    tern_free(s->mem, s->ring);
    s->ring = r;
    s->ring_cap = ncap;
    return TERN_OK;
}

/* Room for |building| + 1 ranges past ranges_head, where the first
 * |building| already hold the ranges of the packet being assembled (they
 * belong to no record yet, so they must be carried over explicitly). */
static tern_result ranges_reserve(tern_snp *s, size_t building)
{
    size_t need = (size_t)(s->ranges_head - s->ranges_tail) + building + 1;
    if (need <= s->ranges_cap) return TERN_OK;
    size_t ncap = s->ranges_cap ? s->ranges_cap * 2 : 16;
    while (ncap < need) ncap *= 2;
    tern_sent_range *r = tern_malloc(s->mem, ncap * sizeof *r);
    if (!r) return TERN_NOMEM;
    for (uint64_t i = s->ranges_tail; i < s->ranges_head + building; i++)
        r[i & (ncap - 1)] = *range_at(s, i);
    tern_free(s->mem, s->ranges);
    s->ranges = r;
    s->ranges_cap = ncap;
    return TERN_OK;
}

/* Forget records nobody can still ack: acked ones, and lost or unelicited
 * ones below the peer's ack frontier (the peer never reports below it). */
static void ring_advance(tern_snp *s)
{
    while (s->ring_base < s->next_pktnum) {
        const tern_sent_pkt *r = ring_at(s, s->ring_base);
        bool done = (r->flags & TERN_SENT_ACKED) ||
                    (s->ring_base < s->min_waiting && !(r->flags & TERN_SENT_INFLIGHT));
        if (!done) break;
        s->ring_base++;
    }
    s->ranges_tail =
        s->ring_base < s->next_pktnum ? ring_at(s, s->ring_base)->range_start : s->ranges_head;
}

/* --- reliable stream bookkeeping ------------------------------------------ */

/* Take [b, e) out of a retransmission queue (|lost| or |dup|) and out of
 * the count of bytes waiting to go again. If the set cannot split, the
 * bytes merely go once more. */
static void unqueue(tern_snp *s, tern_ranges *q, int64_t b, int64_t e)
{
    uint64_t had = tern_ranges_overlap(q, b, e);
    if (had && tern_ranges_remove(q, s->mem, b, e) == TERN_OK) s->retx_pending -= had;
}

/* The same for everything below |floor|: those bytes have arrived. */
static void unqueue_below(tern_snp *s, tern_ranges *q, int64_t floor)
{
    if (!q->n || q->r[0].begin >= floor) return;
    s->retx_pending -= tern_ranges_overlap(q, q->r[0].begin, floor);
    tern_ranges_trim_below(q, floor);
}

static void lane_advance_floor(tern_snp *s, tern_snp_lane_tx *l)
{
    while (l->acked.n && l->acked.r[0].begin <= l->ack_floor) {
        if (l->acked.r[0].end > l->ack_floor) l->ack_floor = l->acked.r[0].end;
        tern_ranges_trim_below(&l->acked, l->ack_floor);
        if (l->acked.n && l->acked.r[0].begin < l->ack_floor) continue;
        break;
    }
    /* Queued bytes below the floor (left there when a set could not
     * split) must not go out again: their messages are about to be freed. */
    unqueue_below(s, &l->lost, l->ack_floor);
    unqueue_below(s, &l->dup, l->ack_floor);
    while (l->hist_len) {
        tern_sendmsg *m = l->hist[l->hist_head];
        if (m->pos + (int64_t)m->len > l->ack_floor) break;
        l->hist_head = (l->hist_head + 1) & (l->hist_cap - 1);
        l->hist_len--;
        tern_snp_sendmsg_free(s, m);
    }
}

/* range_acked and range_lost return false when out of memory. Both may be
 * repeated for the same range, so the caller leaves the packet's state as it
 * was and the ack (or loss) is processed again later. */
static bool range_acked(tern_snp *s, const tern_sent_range *r)
{
    if (r->lane >= s->nlanes) return true;
    tern_snp_lane_tx *l = &s->tx[r->lane];
    int64_t b = r->begin > l->ack_floor ? r->begin : l->ack_floor;
    if (b >= r->end) return true;
    if (tern_ranges_add(&l->acked, s->mem, b, r->end) != TERN_OK) return false;
    unqueue(s, &l->lost, b, r->end);
    unqueue(s, &l->dup, b, r->end);
    lane_advance_floor(s, l);
    return true;
}

static bool range_lost(tern_snp *s, const tern_sent_range *r)
{
    if (r->lane >= s->nlanes) return true;
    tern_snp_lane_tx *l = &s->tx[r->lane];
    int64_t b = r->begin > l->ack_floor ? r->begin : l->ack_floor;
    /* Queue for retransmission every byte of [b, end) not acked yet. */
    bool ok = true;
    size_t i = tern_ranges_lower(&l->acked, b);
    while (b < r->end) {
        int64_t e = r->end;
        if (i < l->acked.n && l->acked.r[i].begin < e) e = l->acked.r[i].begin;
        if (e > b) {
            uint64_t already = tern_ranges_overlap(&l->lost, b, e);
            if (tern_ranges_add(&l->lost, s->mem, b, e) == TERN_OK)
                s->retx_pending += (uint64_t)(e - b) - already;
            else
                ok = false;
        }
        if (i >= l->acked.n) break;
        b = l->acked.r[i].end;
        i++;
    }
    return ok;
}

#define REO_DECAY_USEC 5000000 /* halve the reordering window after this long without */

static void pkt_acked(tern_snp *s, int64_t now, int64_t pn)
{
    tern_sent_pkt *r = ring_at(s, pn);
    if (r->flags & TERN_SENT_ACKED) return;
    /* Without memory to record its ranges the packet stays as it is: a later
     * ack retires it, or the timer declares it lost (a spurious resend,
     * never a stalled stream). */
    bool ok = true;
    for (uint16_t k = 0; k < r->nranges; k++)
        if (!range_acked(s, range_at(s, r->range_start + k))) ok = false;
    if (!ok) return;
    if (r->flags & TERN_SENT_LOST) {
        /* It only looked lost: widen the reordering window (RACK's rule),
         * up to one smoothed RTT. */
        int64_t step = s->cc.min_rtt != INT64_MAX ? s->cc.min_rtt / 4 : 1000;
        if (step < 1000) step = 1000;
        s->reo_wnd += step;
        if (tern_rtt_known(&s->rtt) && s->reo_wnd > s->rtt.smoothed) s->reo_wnd = s->rtt.smoothed;
        s->last_spurious = now;
    }
    if (r->flags & TERN_SENT_INFLIGHT) s->bytes_in_flight -= r->bytes;
    /* A packet we gave up on but that arrived after all (reordering) was
     * delivered like any other; leaving it out would understate the rate. */
    if (r->flags & (TERN_SENT_INFLIGHT | TERN_SENT_LOST))
        tern_cc_on_acked(&s->cc, now, r->time_sent, r->bytes, &r->cc);
    if (r->flags & TERN_SENT_LOST) s->stats.pkts_spurious++;
    r->flags = (uint8_t)((r->flags | TERN_SENT_ACKED) &
                         ~(TERN_SENT_INFLIGHT | TERN_SENT_LOST | TERN_SENT_NACKED));
}

static void pkt_lost(tern_snp *s, int64_t pn)
{
    tern_sent_pkt *r = ring_at(s, pn);
    if (r->flags & (TERN_SENT_ACKED | TERN_SENT_LOST)) return;
    /* Without memory to queue its ranges it stays in flight, for the timer. */
    bool ok = true;
    for (uint16_t k = 0; k < r->nranges; k++)
        if (!range_lost(s, range_at(s, r->range_start + k))) ok = false;
    if (!ok) return;
    if (r->flags & TERN_SENT_INFLIGHT) {
        s->bytes_in_flight -= r->bytes;
        tern_cc_on_lost(&s->cc, r->bytes);
        s->stats.pkts_lost++;
    }
    r->flags = (uint8_t)((r->flags | TERN_SENT_LOST) & ~(TERN_SENT_INFLIGHT | TERN_SENT_NACKED));
}

/* The peer reported |pn| missing. With no reordering seen, that is a loss
 * (GNS's rule: its receivers already waited 3 ms). Once reordering has
 * shown up, wait until the packet is older than an RTT plus the window. */
static void pkt_nacked(tern_snp *s, int64_t now, int64_t pn)
{
    tern_sent_pkt *r = ring_at(s, pn);
    if (r->flags & (TERN_SENT_ACKED | TERN_SENT_LOST)) return;
    int64_t due = r->time_sent + s->rtt.latest + s->reo_wnd;
    if (s->reo_wnd == 0 || now >= due) {
        pkt_lost(s, pn);
        return;
    }
    r->flags |= TERN_SENT_NACKED;
    if (due < s->loss_deadline) s->loss_deadline = due;
}

static void check_nacked(tern_snp *s, int64_t now)
{
    if (now < s->loss_deadline) return;
    s->loss_deadline = INT64_MAX;
    for (int64_t pn = s->ring_base; pn < s->next_pktnum; pn++) {
        tern_sent_pkt *r = ring_at(s, pn);
        if (!(r->flags & TERN_SENT_NACKED)) continue;
        int64_t due = r->time_sent + s->rtt.latest + s->reo_wnd;
        if (now >= due)
            pkt_lost(s, pn);
        else if (due < s->loss_deadline)
            s->loss_deadline = due;
    }
}

static int64_t rto_interval(const tern_snp *s)
{
    int64_t rto = tern_rtt_rto(&s->rtt, TERN_SNP_PEER_ACK_DELAY);
    unsigned k = s->rto_count < 6 ? s->rto_count : 6;
    return rto << k;
}

/* The tail of the flight went unanswered for a whole RTO: presume it lost. */
static void check_rto(tern_snp *s, int64_t now)
{
    if (s->bytes_in_flight == 0 || now < s->rto_deadline) return;
    for (int64_t pn = s->ring_base; pn < s->next_pktnum; pn++)
        if (ring_at(s, pn)->flags & TERN_SENT_INFLIGHT) pkt_lost(s, pn);
    tern_cc_on_rto(&s->cc, now);
    s->rto_count++;
    /* Still in flight: a packet that could not be given up (no memory). */
    s->rto_deadline = s->bytes_in_flight ? now + rto_interval(s) : INT64_MAX;
    s->bytes_since_ack_req = 0;
}

/* --- acks from the peer --------------------------------------------------- */

tern_result tern_snp_on_ack(tern_snp *s, int64_t now, const void *frame, tern_snp_rx *rx)
{
    const tern_frame_ack *f = frame;
    int64_t next = s->next_pktnum;
    int64_t latest = f->latest16 ? next + (int16_t)(uint16_t)((uint16_t)f->latest - (uint16_t)next)
                                 : next + (int32_t)(uint32_t)(f->latest - (uint32_t)next);
    if (latest < 0) {
        rx->end_reason = 5002;
        snprintf(rx->debug, sizeof rx->debug, "SNP ack latest %lld < 0", (long long)latest);
        return TERN_PROTOCOL_VIOLATION;
    }
    /* Acking a packet we never sent: GNS abandons the rest of the packet
     * without killing the connection. So do we. */
    if (latest >= next) return TERN_IGNORED;

    tern_cc_ack_begin(&s->cc);
    int64_t rtt_sample = -1;
    if (latest >= s->ring_base && f->delay != TERN_ACK_DELAY_UNKNOWN) {
        const tern_sent_pkt *r = ring_at(s, latest);
        if (!(r->flags & TERN_SENT_ACKED)) {
            int64_t rtt = now - r->time_sent - ((int64_t)f->delay << 5);
            if (rtt >= -1000 && rtt <= 2000000) rtt_sample = rtt < 0 ? 0 : rtt;
        }
    }
    uint64_t acked_before = s->cc.delivered;

    int64_t e = latest + 1;
    for (unsigned i = 0; i <= f->nblocks; i++) {
        int64_t ab, nb;
        if (i < f->nblocks) {
            ab = e - (int64_t)f->blocks[i].acks;
            nb = ab - (int64_t)f->blocks[i].nacks;
            if (nb < 0) {
                rx->end_reason = 5002;
                snprintf(rx->debug, sizeof rx->debug, "SNP ack block underflow");
                return TERN_PROTOCOL_VIOLATION;
            }
        } else {
            /* The implicit last block: everything down to our stop-waiting
             * point was received. */
            ab = nb = e > s->min_waiting ? s->min_waiting : e;
        }
        int64_t lo = ab > s->ring_base ? ab : s->ring_base;
        for (int64_t pn = lo; pn < e; pn++) pkt_acked(s, now, pn);
        lo = nb > s->ring_base ? nb : s->ring_base;
        int64_t hi = ab < e ? ab : e;
        for (int64_t pn = lo; pn < hi; pn++) pkt_nacked(s, now, pn);
        e = nb;
    }
    /* Stop-waiting must not pass a packet still waiting out its reordering
     * window, nor one given up for lost in the last two RTTs: if it does
     * arrive, the peer must still report it, or reordering would never be
     * noticed and every reordered packet would be sent twice. */
    int64_t stop = latest;
    int64_t hold = tern_rtt_known(&s->rtt) ? 2 * s->rtt.smoothed : 0;
    for (int64_t pn = s->ring_base; pn < latest; pn++) {
        const tern_sent_pkt *r = ring_at(s, pn);
        if ((r->flags & TERN_SENT_NACKED) ||
            ((r->flags & TERN_SENT_LOST) && now - r->time_sent < hold)) {
            stop = pn;
            break;
        }
    }
    if (stop > s->min_waiting) s->min_waiting = stop;
    if (s->reo_wnd && now - s->last_spurious > REO_DECAY_USEC) {
        s->reo_wnd /= 2;
        s->last_spurious = now;
    }
    if (rtt_sample >= 0) tern_rtt_sample(&s->rtt, rtt_sample);
    if (s->cc.delivered > acked_before) {
        s->rto_count = 0;
        s->bytes_since_ack_req = 0;
    }
    s->rto_deadline = s->bytes_in_flight ? now + rto_interval(s) : INT64_MAX;
    ring_advance(s);
    tern_cc_ack_end(&s->cc, now, rtt_sample, s->bytes_in_flight);
    /* The peer is still reporting losses: our stop-waiting should reach it
     * soon so that it can forget them (§6.7). */
    if (f->nblocks) {
        int64_t due = now + 250000 / f->nblocks;
        if (due < s->ack_deadline) s->ack_deadline = due;
    }
    return TERN_OK;
}

/* --- building packets ----------------------------------------------------- */

typedef struct enc {
    uint8_t *p, *end;
    uint32_t lane;
    bool have_msgnum, have_pos;
    int64_t cur_msgnum, prev_end;
    uint8_t *last_lead; /* the last frame, if it is a segment with a size byte */
    size_t last_len;
    uint16_t nrng;
    bool any_data;
    /* retransmissions to repeat in the next packet (fill_retx) */
    tern_sent_range redo[8];
    unsigned nredo;
} enc;

static bool select_lane(enc *e, uint32_t lane)
{
    if (e->lane == lane) return true;
    uint8_t *q = tern_frame_lane_encode(e->p, e->end, lane);
    if (!q) return false;
    e->p = q;
    e->lane = lane;
    e->have_msgnum = e->have_pos = false;
    e->last_lead = NULL;
    return true;
}

static size_t room(const enc *e)
{
    return (size_t)(e->end - e->p);
}

static bool add_range(tern_snp *s, enc *e, uint16_t lane, int64_t b, int64_t en)
{
    if (e->nrng) {
        tern_sent_range *last = range_at(s, s->ranges_head + e->nrng - 1);
        if (last->lane == lane && last->end == b) {
            last->end = en;
            return true;
        }
    }
    if (e->nrng == UINT16_MAX || ranges_reserve(s, e->nrng) != TERN_OK) return false;
    /* ranges_head advances only when the packet is recorded, so the slots
     * after it belong to the packet being built. */
    tern_sent_range *r = range_at(s, s->ranges_head + e->nrng);
    r->begin = b;
    r->end = en;
    r->lane = lane;
    e->nrng++;
    return true;
}

/* Reliable segment header for stream position |pos|; choose the form the
 * decoder's context requires (§6.5). */
static void rel_form(const enc *e, int64_t pos, tern_frame_rel *f)
{
    if (!e->have_pos) {
        f->pos_form = TERN_POS_ABS48;
        f->pos = (uint64_t)pos & 0xffffffffffffull;
        return;
    }
    uint64_t off = (uint64_t)(pos - e->prev_end);
    f->pos = off;
    f->pos_form = off == 0        ? TERN_POS_REL0
                  : off < 0x100   ? TERN_POS_REL8
                  : off < 0x10000 ? TERN_POS_REL16
                                  : TERN_POS_REL32;
}

/* Copy stream bytes [pos, pos+n) of lane |l| from the messages that hold them. */
static void copy_stream(const tern_snp_lane_tx *l, int64_t pos, size_t n, uint8_t *dst)
{
    size_t lo = 0, hi = l->hist_len;
    while (lo + 1 < hi) { /* last message with m->pos <= pos */
        size_t mid = (lo + hi) / 2;
        if (l->hist[(l->hist_head + mid) & (l->hist_cap - 1)]->pos <= pos)
            lo = mid;
        else
            hi = mid;
    }
    for (size_t i = lo; n > 0 && i < l->hist_len; i++) {
        const tern_sendmsg *m = l->hist[(l->hist_head + i) & (l->hist_cap - 1)];
        size_t off = (size_t)(pos - m->pos);
        size_t take = m->len - off < n ? m->len - off : n;
        memcpy(dst, m->data + off, take);
        dst += take;
        pos += (int64_t)take;
        n -= take;
    }
}

/* Emit one reliable segment of lane |lane| starting at |pos| with at most
 * |avail| bytes. Returns the bytes emitted (0: no room; nothing written). */
static size_t emit_rel(tern_snp *s, enc *e, uint16_t lane, int64_t pos, size_t avail)
{
    tern_snp_lane_tx *l = &s->tx[lane];
    enc saved = *e;
    tern_frame_rel f = {0};
    size_t n, hdr;
    uint8_t *lead, *d;
    if (!select_lane(e, lane)) goto fail;
    rel_form(e, pos, &f);
    if (f.pos_form == TERN_POS_REL32 && f.pos > UINT32_MAX) {
        /* Behind or too far from the previous segment: a fresh context
         * allows an absolute position again. */
        e->lane = UINT32_MAX;
        if (!select_lane(e, lane)) goto fail;
        rel_form(e, pos, &f);
    }
    hdr = tern_frame_rel_hdr_len(&f, false);
    if (room(e) <= hdr) goto fail;
    n = room(e) - hdr;
    if (n > TERN_SEG_MAX_EXPLICIT) n = TERN_SEG_MAX_EXPLICIT;
    if (n > avail) n = avail;
    if (n < avail && n < MIN_SEG_DATA) goto fail;
    f.len = n;
    lead = e->p;
    d = tern_frame_rel_encode_hdr(e->p, e->end, &f, false);
    if (!d || !add_range(s, e, lane, pos, pos + (int64_t)n)) goto fail;
    copy_stream(l, pos, n, d);
    e->p = d + n;
    e->last_lead = lead;
    e->last_len = n;
    e->have_pos = true;
    e->prev_end = pos + (int64_t)n;
    if (e->have_msgnum) e->cur_msgnum++; /* the §6.4 quirk, mirrored */
    e->any_data = true;
    return n;
fail:
    *e = saved;
    return 0;
}

static void pop_head(tern_snp *s, tern_snp_lane_tx *l)
{
    tern_sendmsg *m = l->head;
    l->head = m->next;
    if (!l->head) l->tail = NULL;
    m->next = NULL;
    s->npending_msgs--;
    if (!m->reliable) tern_snp_sendmsg_free(s, m);
}

/* Emit a segment of the unreliable message at the lane's head. Returns
 * false when it did not fit. */
static bool emit_unrel(tern_snp *s, enc *e, uint16_t lane)
{
    tern_snp_lane_tx *l = &s->tx[lane];
    tern_sendmsg *m = l->head;
    enc saved = *e;
    if (!select_lane(e, lane)) return false;
    tern_frame_unrel f = {0};
    if (!e->have_msgnum) {
        f.msgnum_form = TERN_MSGNUM_ABS32; /* GNS's choice for a first segment */
        f.msgnum = (uint64_t)m->msgnum & 0xffffffffu;
    } else if (m->msgnum == e->cur_msgnum + 1) {
        f.msgnum_form = TERN_MSGNUM_NEXT;
    } else {
        f.msgnum_form = TERN_MSGNUM_DELTA;
        f.msgnum = (uint64_t)(m->msgnum - e->cur_msgnum);
    }
    f.offset = m->sent;
    size_t remaining = m->len - m->sent;
    size_t hdr = tern_frame_unrel_hdr_len(&f, false);
    size_t n = room(e) > hdr ? room(e) - hdr : 0;
    if (n > TERN_SEG_MAX_EXPLICIT) n = TERN_SEG_MAX_EXPLICIT;
    if (n > remaining) n = remaining;
    uint8_t *lead = e->p, *d = NULL;
    if (room(e) >= hdr && (n == remaining || n >= MIN_SEG_DATA)) {
        f.len = n;
        f.end = m->sent + n == m->len;
        d = tern_frame_unrel_encode_hdr(e->p, e->end, &f, false);
    }
    if (!d) {
        *e = saved;
        return false;
    }
    if (n) memcpy(d, m->data + m->sent, n);
    e->p = d + n;
    e->last_lead = lead;
    e->last_len = n;
    e->have_msgnum = true;
    e->cur_msgnum = m->msgnum;
    e->any_data = true;
    m->sent += (uint32_t)n;
    l->pending_unrel -= n;
    s->pending_bytes -= n;
    if (m->sent == m->len) pop_head(s, l);
    return true;
}

/* Stream bytes a lane may still send before the receiver would refuse
 * them: a receiver keeps at most RecvBufferSize bytes past its first hole
 * (WIRE.md §6.5) and refuses the packet that would exceed it, and each
 * refusal is a retransmission that makes the next hole live longer. The
 * peer's setting is not on the wire; ours stands in for it (both sides
 * default to GNS's 1 MiB, and an application that raises one for a long
 * fat path raises both). Everything below ack_floor has arrived, so staying
 * within ack_floor + RecvBufferSize can never be refused. */
static int64_t rel_window(const tern_snp *s, const tern_snp_lane_tx *l)
{
    return l->ack_floor + (int64_t)s->cfg.recv_buffer - l->sent_end;
}

/* Has the lane something it may send now (window permitting)? */
static bool lane_sendable(const tern_snp *s, const tern_snp_lane_tx *l)
{
    return l->head && (!l->head->reliable || rel_window(s, l) > 0);
}

/* New reliable data at the lane head: the run of reliable messages there is
 * one contiguous stretch of the stream, so one segment can carry many. */
static bool emit_rel_new(tern_snp *s, enc *e, uint16_t lane)
{
    tern_snp_lane_tx *l = &s->tx[lane];
    size_t avail = 0;
    for (tern_sendmsg *m = l->head; m && m->reliable; m = m->next) {
        avail += m->len - m->sent;
        if (avail > TERN_SEG_MAX_EXPLICIT) break;
    }
    int64_t win = rel_window(s, l);
    if (win <= 0) return false;
    if ((int64_t)avail > win) avail = (size_t)win;
    size_t n = emit_rel(s, e, lane, l->sent_end, avail);
    if (n == 0) return false;
    l->sent_end += (int64_t)n;
    l->pending_rel -= n;
    s->pending_bytes -= n;
    while (n > 0) {
        tern_sendmsg *m = l->head;
        size_t take = m->len - m->sent < n ? m->len - m->sent : n;
        m->sent += (uint32_t)take;
        n -= take;
        if (m->sent == m->len) pop_head(s, l);
    }
    return true;
}

/* Zero-length reliable messages have a one-byte header, so 'avail' is
 * never 0 for a reliable head; zero-length unreliable ones are handled by
 * emit_unrel. */

static int pick_lane(const tern_snp *s)
{
    int best = -1;
    for (unsigned i = 0; i < s->nlanes; i++) {
        const tern_snp_lane_tx *l = &s->tx[i];
        if (!lane_sendable(s, l)) continue;
        if (best < 0 || l->priority < s->tx[best].priority ||
            (l->priority == s->tx[best].priority && l->vtime < s->tx[best].vtime))
            best = (int)i;
    }
    return best;
}

/* Send a lane's queue of retransmissions (|lost| or |dup|) in stream order;
 * |redo|: remember each piece for its copy in the next packet. False when
 * the packet is full. */
static bool send_queued(tern_snp *s, enc *e, uint16_t lane, tern_ranges *q, bool redo)
{
    while (q->n) {
        tern_range r = q->r[0];
        size_t n = emit_rel(s, e, lane, r.begin, (size_t)(r.end - r.begin));
        if (n == 0) return false;
        tern_ranges_remove(q, s->mem, r.begin, r.begin + (int64_t)n);
        s->retx_pending -= n;
        s->stats.pkts_retx_bytes += n;
        if (redo && e->nredo < sizeof e->redo / sizeof e->redo[0])
            e->redo[e->nredo++] = (tern_sent_range){r.begin, r.begin + (int64_t)n, lane};
    }
    return true;
}

static void fill_retx(tern_snp *s, enc *e)
{
    /* Lanes in priority order; within a lane, ascending positions (the
     * relative position forms cannot go backwards). */
    for (;;) {
        int best = -1;
        for (unsigned i = 0; i < s->nlanes; i++)
            if ((s->tx[i].lost.n || s->tx[i].dup.n) &&
                (best < 0 || s->tx[i].priority < s->tx[best].priority))
                best = (int)i;
        if (best < 0) return;
        tern_snp_lane_tx *l = &s->tx[best];
        /* With the receiver's window more than half used, a hole whose
         * retransmission is lost too outlives the window and stalls the
         * lane for a round trip: send each retransmission twice (the copy
         * in the next packet). It costs the loss rate again in bytes. */
        bool tight = (l->sent_end - l->ack_floor) * 2 > (int64_t)s->cfg.recv_buffer;
        if (!send_queued(s, e, (uint16_t)best, &l->lost, tight) ||
            !send_queued(s, e, (uint16_t)best, &l->dup, false))
            return;
    }
}

static void fill_new(tern_snp *s, enc *e)
{
    for (;;) {
        int lane = pick_lane(s);
        if (lane < 0) return;
        tern_snp_lane_tx *l = &s->tx[lane];
        uint8_t *before = e->p;
        bool ok = l->head->reliable ? emit_rel_new(s, e, (uint16_t)lane)
                                    : emit_unrel(s, e, (uint16_t)lane);
        if (!ok) return;
        /* weighted fair queueing on bytes */
        l->vtime += (uint64_t)(e->p - before) * 65536u / l->weight;
        if (!l->head) l->active = 0;
    }
}

/* A full packet's worth of plaintext (WIRE.md §5.2). */
static size_t full_payload(const tern_snp *s)
{
    int32_t tag = s->cfg.overhead - 7;
    int32_t a = s->cfg.mtu - s->cfg.overhead, b = s->cfg.mtu - 52 - tag;
    return (size_t)(a < b ? a : b);
}

/* When may the head of a lane trigger a packet? Nagle holds small messages
 * back; a flushed message, or one whose first fragment already left, goes
 * at once. */
static int64_t head_ready_at(const tern_snp *s, const tern_sendmsg *m, int64_t now)
{
    return (m->seq <= s->flushed_seq || m->sent > 0) ? now : m->ready_at;
}

/* When new data may trigger a packet (INT64_MAX: none may). A full
 * packet's worth goes at once, unless a lane holding it waits for the
 * receiver's window. */
static int64_t data_ready_at(const tern_snp *s, int64_t now)
{
    if (s->npending_msgs == 0) return INT64_MAX;
    bool blocked = false;
    int64_t ready = INT64_MAX;
    for (unsigned i = 0; i < s->nlanes; i++) {
        const tern_snp_lane_tx *l = &s->tx[i];
        if (!l->head) continue;
        if (!lane_sendable(s, l)) {
            blocked = true;
            continue;
        }
        int64_t r = head_ready_at(s, l->head, now);
        if (r < ready) ready = r;
    }
    if (!blocked && s->pending_bytes >= full_payload(s)) return now;
    return ready;
}

static bool data_ready(const tern_snp *s, int64_t now)
{
    return data_ready_at(s, now) <= now;
}

int64_t tern_snp_next_wake(tern_snp *s, int64_t now)
{
    int64_t t = tern_snp_ack_wake(s);
    if (s->retx_pending || s->npending_msgs) {
        int64_t ready = s->retx_pending ? now : data_ready_at(s, now);
        if (ready != INT64_MAX && s->bytes_in_flight < s->cc.cwnd) {
            int64_t pace = tern_cc_next_send_time(&s->cc, now);
            int64_t w = ready > pace ? ready : pace;
            if (w < t) t = w;
        }
    }
    if (s->bytes_in_flight && s->rto_deadline < t) t = s->rto_deadline;
    if (s->loss_deadline < t) t = s->loss_deadline;
    return t;
}

int tern_snp_build(tern_snp *s, int64_t now, uint8_t *buf, size_t cap, bool force,
                   tern_snp_pkt *out)
{
    check_nacked(s, now);
    check_rto(s, now);
    bool ack_due = tern_snp_ack_due(s, now);
    bool have_data = s->retx_pending > 0 || s->npending_msgs > 0;
    bool ready = s->retx_pending > 0 || data_ready(s, now);
    bool cc_ok = have_data && tern_cc_can_send(&s->cc, now, s->bytes_in_flight);
    if (!force && !ack_due && !(cc_ok && ready)) return 0;
    if (ring_reserve(s) != TERN_OK) return 0;

    int64_t pn = s->next_pktnum;
    /* Ask for a prompt ack every quarter window of data, so that a peer
     * that acks only reliable data (GNS) still clocks our window. */
    uint64_t quarter = s->cc.cwnd / 4 > 2ull * s->cc.mss ? s->cc.cwnd / 4 : 2ull * s->cc.mss;
    bool want_req = cc_ok && s->bytes_since_ack_req + cap >= quarter && cap > TERN_SNP_ACKREQ_BYTES;
    size_t usable = want_req ? cap - TERN_SNP_ACKREQ_BYTES : cap;

    enc e = {.p = buf, .end = buf + usable, .lane = 0};
    tern_frame_stop_waiting sw = {.offset = (uint64_t)(pn - s->min_waiting - 1)};
    uint8_t *q = tern_frame_stop_waiting_encode(e.p, e.end, &sw);
    if (!q) return 0;
    e.p = q;
    e.p = tern_snp_write_ack(s, now, e.p, e.end);
    if (cc_ok) {
        fill_retx(s, &e);
        fill_new(s, &e);
    }
    /* queued after this packet was filled, so the copies go in the next */
    for (unsigned i = 0; i < e.nredo; i++) {
        tern_snp_lane_tx *dl = &s->tx[e.redo[i].lane];
        uint64_t before = tern_ranges_total(&dl->dup);
        if (tern_ranges_add(&dl->dup, s->mem, e.redo[i].begin, e.redo[i].end) == TERN_OK)
            s->retx_pending += tern_ranges_total(&dl->dup) - before;
    }
    /* The packet's last segment needs no size byte (sss = 111). */
    if (e.last_lead) {
        uint8_t *size_byte = e.p - e.last_len - 1;
        *e.last_lead = (uint8_t)(*e.last_lead | 0x07);
        memmove(size_byte, size_byte + 1, e.last_len);
        e.p--;
    }

    size_t len = (size_t)(e.p - buf);
    tern_sent_pkt *r = ring_at(s, pn);
    memset(r, 0, sizeof *r);
    r->time_sent = now;
    r->range_start = s->ranges_head;
    r->nranges = e.nrng;
    s->ranges_head += e.nrng;
    uint32_t wire = (uint32_t)(len + (size_t)s->cfg.overhead +
                               (want_req && e.any_data ? TERN_SNP_ACKREQ_BYTES : 0));
    r->bytes = wire;
    s->next_pktnum++;
    if (e.any_data) {
        r->flags = TERN_SENT_INFLIGHT | TERN_SENT_ELICIT;
        /* Out of data, or the rest waits for the receiver's window: the
         * rate samples taken now understate the path. */
        bool app_limited = data_ready_at(s, now) == INT64_MAX && s->retx_pending == 0 &&
                           s->bytes_in_flight + wire < s->cc.cwnd;
        tern_cc_on_send(&s->cc, now, wire, s->bytes_in_flight, app_limited, &r->cc);
        s->bytes_in_flight += wire;
        s->last_elicit_sent = now;
        s->bytes_since_ack_req += wire;
        if (s->rto_deadline == INT64_MAX) s->rto_deadline = now + rto_interval(s);
    } else {
        tern_cc_on_send_nondata(&s->cc, now, wire);
    }
    bool req = want_req && e.any_data;
    if (req) s->bytes_since_ack_req = 0;
    s->stats.pkts_sent++;
    s->stats.bytes_sent += wire;

    out->pktnum = pn;
    out->len = len;
    out->elicits_ack = e.any_data;
    out->want_ack_request = req;
    return 1;
}
