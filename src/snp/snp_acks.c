/* SNP engine, receiver's packet bookkeeping: the replay window (WIRE.md
 * §5.3), the gaps between received packet numbers, the peer's stop-waiting
 * point (§6.6), and the ack frames that report all of it (§6.7, §6.12). */
#include <stdio.h>
#include <string.h>

#include "snp/snp_int.h"
#include "util/mem.h"

void tern_snp_acks_init(tern_snp *s)
{
    s->max_recv_time = -1;
    s->min_to_ack = 0;
    s->min_to_ack_from = 0;
    s->ack_deadline = INT64_MAX;
    s->nack_deadline = INT64_MAX;
    s->window[0] = s->window[1] = 0;
    /* Packet 1 counts as received for protocol >= 10. */
    if (s->max_recv > 0) {
        int64_t base = (s->max_recv & ~(int64_t)63) - 64;
        int64_t idx = s->max_recv - base;
        s->window[idx >> 6] |= 1ull << (idx & 63);
    }
}

int64_t tern_snp_expand_pktnum(const tern_snp *s, uint16_t w)
{
    return s->max_recv + (int16_t)(uint16_t)(w - (uint16_t)s->max_recv);
}

tern_result tern_snp_precheck(const tern_snp *s, int64_t pktnum)
{
    if (pktnum > s->max_recv) return TERN_OK;
    int64_t base = (s->max_recv & ~(int64_t)63) - 64;
    if (pktnum < base) return TERN_IGNORED; /* too old to tell: treat as a replay */
    int64_t idx = pktnum - base;
    if (s->window[idx >> 6] & (1ull << (idx & 63))) return TERN_IGNORED;
    return TERN_OK;
}

static void window_mark(tern_snp *s, int64_t pktnum)
{
    if (pktnum > s->max_recv) {
        int64_t shift = ((pktnum & ~(int64_t)63) - (s->max_recv & ~(int64_t)63)) >> 6;
        if (shift == 1) {
            s->window[0] = s->window[1];
            s->window[1] = 0;
        } else if (shift >= 2) {
            s->window[0] = s->window[1] = 0;
        }
        int64_t base = (pktnum & ~(int64_t)63) - 64;
        int64_t idx = pktnum - base;
        s->window[idx >> 6] |= 1ull << (idx & 63);
    } else {
        int64_t base = (s->max_recv & ~(int64_t)63) - 64;
        if (pktnum < base) return;
        int64_t idx = pktnum - base;
        s->window[idx >> 6] |= 1ull << (idx & 63);
    }
}

/* How long a gap is held back as possible reordering before it is
 * reported (GNS: 3 ms). Packets above a young gap cannot be acked without
 * reporting it, so on a short path 3 ms of withheld acks would be several
 * round trips of stalled window: hold it a quarter of the minimum RTT
 * there, never under 200 us. */
static int64_t nack_grace(const tern_snp *s)
{
    if (!tern_rtt_known(&s->rtt)) return TERN_SNP_NACK_GRACE_USEC;
    int64_t g = s->rtt.min / 4;
    if (g < 200) g = 200;
    return g < TERN_SNP_NACK_GRACE_USEC ? g : TERN_SNP_NACK_GRACE_USEC;
}

static void gap_remove(tern_snp *s, size_t i)
{
    memmove(&s->gaps[i], &s->gaps[i + 1], (s->ngaps - i - 1) * sizeof *s->gaps);
    s->ngaps--;
}

/* Too many gaps: report the smallest received run between two of the
 * oldest ones as missing instead (WIRE.md §6.12). The sender retransmits a
 * little; a hostile sender cannot make us track unbounded gaps. */
static void gaps_cap(tern_snp *s)
{
    size_t limit = tern_snp_gap_limit(s, TERN_SNP_MAX_GAPS);
    while (s->ngaps > limit) {
        size_t best = 0;
        int64_t best_len = INT64_MAX;
        for (size_t i = 0; i + 1 < s->ngaps && i < 10; i++) {
            int64_t run = s->gaps[i + 1].begin - s->gaps[i].end;
            if (run < best_len) {
                best_len = run;
                best = i;
            }
        }
        s->gaps[best].end = s->gaps[best + 1].end;
        gap_remove(s, best + 1);
    }
}

static bool gap_insert(tern_snp *s, size_t at, tern_pkt_gap g)
{
    if (tern_grow(s->mem, (void **)&s->gaps, &s->gaps_cap, s->ngaps + 1, sizeof *s->gaps) !=
        TERN_OK)
        return false;
    memmove(&s->gaps[at + 1], &s->gaps[at], (s->ngaps - at) * sizeof *s->gaps);
    s->gaps[at] = g;
    s->ngaps++;
    return true;
}

void tern_snp_record_received(tern_snp *s, int64_t now, int64_t pktnum, bool elicit)
{
    if (pktnum > s->max_recv) {
        if (pktnum > s->max_recv + 1) {
            tern_pkt_gap g = {s->max_recv + 1, pktnum, now};
            /* Cannot fail: tern_snp_recv reserved the room. */
            if (gap_insert(s, s->ngaps, g)) gaps_cap(s);
            if (now + nack_grace(s) < s->nack_deadline) s->nack_deadline = now + nack_grace(s);
        }
        window_mark(s, pktnum);
        s->max_recv = pktnum;
        s->max_recv_time = now;
    } else {
        window_mark(s, pktnum);
        s->stats.pkts_ooo++;
        /* Fill the gap it belongs to. */
        size_t lo = 0, hi = s->ngaps;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (s->gaps[mid].end <= pktnum)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < s->ngaps && s->gaps[lo].begin <= pktnum) {
            tern_pkt_gap *g = &s->gaps[lo];
            if (g->begin == pktnum && g->end == pktnum + 1) {
                gap_remove(s, lo);
            } else if (g->begin == pktnum) {
                g->begin++;
            } else if (g->end == pktnum + 1) {
                g->end--;
            } else {
                tern_pkt_gap upper = {pktnum + 1, g->end, g->when};
                g->end = pktnum;
                if (gap_insert(s, lo + 1, upper)) gaps_cap(s);
            }
        }
    }
    if (elicit) {
        s->unacked_elicit++;
        int64_t due = s->unacked_elicit >= 2 ? now : now + TERN_SNP_ACK_DELAY_USEC;
        if (due < s->ack_deadline) s->ack_deadline = due;
    }
}

void tern_snp_record_refused(tern_snp *s, int64_t now, int64_t pktnum)
{
    /* Replays of it must still be filtered (its unreliable messages may have
     * been delivered), but the ack must report it missing so that the peer
     * resends its reliable data. A gap does both. Its grace is already over:
     * this is not reordering. */
    window_mark(s, pktnum);
    if (pktnum > s->max_recv) {
        tern_pkt_gap g = {s->max_recv + 1, pktnum + 1, now - nack_grace(s)};
        if (s->ngaps && s->gaps[s->ngaps - 1].end == g.begin) {
            s->gaps[s->ngaps - 1].end = g.end;
        } else if (gap_insert(s, s->ngaps, g)) {
            gaps_cap(s);
        }
        s->max_recv = pktnum;
        s->max_recv_time = -1;
    }
}

tern_result tern_snp_stop_waiting(tern_snp *s, int64_t pktnum, uint64_t offset, tern_snp_rx *rx)
{
    uint64_t umin = (uint64_t)pktnum - offset - 1;
    if (umin >= (uint64_t)pktnum) {
        rx->end_reason = 5002;
        snprintf(rx->debug, sizeof rx->debug, "SNP stop_waiting pkt %lld offset %llu",
                 (long long)pktnum, (unsigned long long)offset);
        return TERN_PROTOCOL_VIOLATION;
    }
    int64_t min = (int64_t)umin;
    /* Asking for acks from beyond what we have seen is odd but legal; acking
     * from an earlier point than asked is always allowed. */
    if (min > s->max_recv) min = s->max_recv;
    if (min == s->min_to_ack) return TERN_OK;
    if (min < s->min_to_ack) {
        if (pktnum >= s->min_to_ack_from) {
            rx->end_reason = 5002;
            snprintf(rx->debug, sizeof rx->debug, "SNP stop waiting reduced %lld -> %lld",
                     (long long)s->min_to_ack, (long long)min);
            return TERN_PROTOCOL_VIOLATION;
        }
        return TERN_OK;
    }
    s->min_to_ack = min;
    s->min_to_ack_from = pktnum;
    size_t drop = 0;
    while (drop < s->ngaps && s->gaps[drop].end <= min) drop++;
    if (drop) {
        memmove(&s->gaps[0], &s->gaps[drop], (s->ngaps - drop) * sizeof *s->gaps);
        s->ngaps -= drop;
    }
    if (s->ngaps && s->gaps[0].begin < min) s->gaps[0].begin = min;
    return TERN_OK;
}

bool tern_snp_ack_due(const tern_snp *s, int64_t now)
{
    return s->ack_deadline <= now || s->nack_deadline <= now;
}

int64_t tern_snp_ack_wake(const tern_snp *s)
{
    return s->ack_deadline < s->nack_deadline ? s->ack_deadline : s->nack_deadline;
}

uint8_t *tern_snp_write_ack(tern_snp *s, int64_t now, uint8_t *p, uint8_t *end)
{
    /* Walk down from the newest packet: a gap younger than the grace period
     * may be reordering, not loss, so report only below it and come back
     * when its grace ends (§6.12); a gap reaching the top (a refused packet)
     * is reported below it too. */
    size_t usable = s->ngaps;
    int64_t latest = s->max_recv;
    int64_t nack_at = INT64_MAX;
    while (usable > 0) {
        const tern_pkt_gap *g = &s->gaps[usable - 1];
        if (g->end <= latest && g->when + nack_grace(s) <= now) break;
        if (g->end <= latest) nack_at = g->when + nack_grace(s);
        usable--;
        latest = g->begin - 1;
    }
    if (latest < 0) latest = 0;
    /* The lowest gap the peer still waits on: with more gaps than an ack
     * has blocks, the last block reports everything from its gap down to
     * there as missing. Nearly all of those older packets were reported
     * exactly in earlier acks (each was the newest once), so the sender
     * already knows them and ignores the claim; the rest are at worst sent
     * once more. The newest packets are always acked (lowering 'latest'
     * instead would starve the sender's clock). */
    size_t first = 0;
    while (first < usable && s->gaps[first].end <= s->min_to_ack) first++;
    int64_t bottom = first < usable ? s->gaps[first].begin : 0;
    if (bottom < s->min_to_ack) bottom = s->min_to_ack;

    tern_frame_ack f;
    f.latest16 = true; /* GNS always sends 16 bits, and peers < 13 need it */
    f.nblocks = 0;
    int64_t e = latest + 1;
    for (size_t i = usable; i > 0; i--) {
        const tern_pkt_gap *g = &s->gaps[i - 1];
        if (g->end <= s->min_to_ack || g->end > e) break;
        int64_t gb = g->begin > s->min_to_ack ? g->begin : s->min_to_ack;
        bool last = f.nblocks == TERN_ACK_MAX_BLOCKS - 1;
        if (last) gb = bottom;
        int64_t acks = e - g->end, nacks = g->end - gb;
        if (acks > TERN_ACK_BLOCK_MAX_COUNT || nacks > TERN_ACK_BLOCK_MAX_COUNT) {
            /* Not expressible (only a peer that never advances its
             * stop-waiting gets here). Reporting less would mean claiming
             * packets we never got, so report nothing. */
            s->ack_deadline = s->nack_deadline = INT64_MAX;
            s->unacked_elicit = 0;
            return p;
        }
        f.blocks[f.nblocks].acks = (uint32_t)acks;
        f.blocks[f.nblocks].nacks = (uint32_t)nacks;
        f.nblocks++;
        e = gb;
        if (last) break;
    }
    /* No room for every block: keep the oldest ones and lower 'latest'
     * below the newest ones, as GNS does. */
    bool lowered = false;
    while (f.nblocks > 0 && tern_frame_ack_len(&f) > (size_t)(end - p)) {
        latest -= (int64_t)f.blocks[0].acks + f.blocks[0].nacks;
        memmove(&f.blocks[0], &f.blocks[1], (size_t)(f.nblocks - 1) * sizeof f.blocks[0]);
        f.nblocks--;
        lowered = true;
    }
    f.latest = (uint32_t)((uint64_t)latest & 0xffff);
    if (latest == s->max_recv && s->max_recv_time >= 0 && !lowered) {
        int64_t d = (now - s->max_recv_time) >> 5;
        f.delay = (uint16_t)(d < 0 ? 0 : d >= 0xffff ? 0xfffe : d);
    } else {
        f.delay = TERN_ACK_DELAY_UNKNOWN;
    }
    uint8_t *q = tern_frame_ack_encode(p, end, &f);
    /* Even when it did not fit, the deadline is spent: a retry in the same
     * instant could not fit either, and a packet per instant is a spin. */
    s->ack_deadline = INT64_MAX;
    s->unacked_elicit = 0;
    s->nack_deadline = nack_at;
    return q ? q : p;
}
