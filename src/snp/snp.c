/* SNP engine: set-up, lanes, the send queues, and status. */
#include <string.h>

#include "snp/snp_int.h"
#include "util/mem.h"
#include "wire/relmsg.h"

void tern_snp_cfg_default(tern_snp_cfg *c)
{
    c->mtu = 1300;
    c->nagle_usec = 5000;
    c->send_buffer = 524288;
    c->recv_buffer = 1048576;
    c->recv_buffer_msgs = 1000;
    c->recv_max_msg = 524288;
    c->recv_max_segs = 1300;
    c->rate_min = 0;
    c->rate_max = 0;
    c->peer_version = 13;
    c->overhead = 7 + 16;
    c->max_send_msg = TERN_SNP_MAX_MSG_SEND;
}

static void lane_tx_init(tern_snp_lane_tx *l)
{
    memset(l, 0, sizeof *l);
    l->weight = 1;
    l->next_msgnum = 1;
    l->stream_end = l->sent_end = l->ack_floor = 1;
    tern_ranges_init(&l->acked);
    tern_ranges_init(&l->lost);
    tern_ranges_init(&l->dup);
}

tern_result tern_snp_init(tern_snp *s, const tern_snp_cfg *cfg, const tern_mem *mem,
                          tern_msgpool *pool, const tern_snp_ops *ops, void *user, int64_t now)
{
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->mem = tern_mem_or_default(mem);
    s->pool = pool;
    s->ops = *ops;
    s->user = user;
    s->nlanes = 1;
    s->tx = tern_calloc(s->mem, 1, sizeof *s->tx);
    if (!s->tx) return TERN_NOMEM;
    lane_tx_init(&s->tx[0]);
    /* Protocol >= 10: packet number 1 is consumed by the handshake in both
     * directions (WIRE.md §5.3). */
    bool v10 = cfg->peer_version >= 10;
    s->next_pktnum = v10 ? 2 : 1;
    s->ring_base = s->next_pktnum;
    s->rto_deadline = INT64_MAX;
    s->loss_deadline = INT64_MAX;
    s->last_elicit_sent = now;
    tern_rtt_init(&s->rtt);
    tern_cc_init(&s->cc, (uint32_t)cfg->mtu, cfg->rate_min, cfg->rate_max, 0, now);
    s->rx_enabled = true;
    s->max_recv = v10 ? 1 : 0;
    tern_snp_acks_init(s);
    return TERN_OK;
}

void tern_snp_free(tern_snp *s)
{
    if (!s->mem) return;
    for (unsigned i = 0; i < s->nlanes && s->tx; i++) {
        tern_snp_lane_tx *l = &s->tx[i];
        /* Unreliable messages live only in the FIFO; reliable ones in hist. */
        for (tern_sendmsg *m = l->head, *n; m; m = n) {
            n = m->next;
            if (!m->reliable) tern_free(s->mem, m);
        }
        for (size_t k = 0; k < l->hist_len; k++)
            tern_free(s->mem, l->hist[(l->hist_head + k) & (l->hist_cap - 1)]);
        tern_free(s->mem, l->hist);
        tern_ranges_free(&l->acked, s->mem);
        tern_ranges_free(&l->lost, s->mem);
        tern_ranges_free(&l->dup, s->mem);
    }
    for (int c = 0; c < TERN_SENDMSG_CLASSES; c++)
        for (tern_sendmsg *m = s->sm_free[c], *n; m; m = n) {
            n = m->next;
            tern_free(s->mem, m);
        }
    tern_free(s->mem, s->tx);
    for (unsigned i = 0; i < s->rx_cap; i++)
        if (s->rx[i]) tern_snp_rx_lane_free(s, s->rx[i]);
    tern_free(s->mem, s->rx);
    tern_free(s->mem, s->ring);
    tern_free(s->mem, s->ranges);
    tern_free(s->mem, s->gaps);
    s->mem = NULL;
}

tern_snp_lane_rx *tern_snp_lane_rx_get(tern_snp *s, uint32_t lane)
{
    if (lane > TERN_MAX_LANE) return NULL;
    if (lane >= s->rx_cap) {
        /* Most connections use lane 0 only: one pointer, not 256. */
        tern_snp_lane_rx **t = tern_realloc(s->mem, s->rx, (lane + 1) * sizeof *t);
        if (!t) return NULL;
        memset(t + s->rx_cap, 0, (lane + 1 - s->rx_cap) * sizeof *t);
        s->rx = t;
        s->rx_cap = (uint16_t)(lane + 1);
    }
    tern_snp_lane_rx *l = s->rx[lane];
    if (!l) {
        l = tern_calloc(s->mem, 1, sizeof *l);
        if (!l) return NULL;
        l->recv_pos = l->recv_end = l->buf_base = 1;
        tern_ranges_init(&l->gaps);
        s->rx[lane] = l;
    }
    return l;
}

tern_result tern_snp_configure_lanes(tern_snp *s, int n, const int *priorities,
                                     const uint16_t *weights)
{
    if (n < 1 || n > TERN_SNP_MAX_LANES || n < s->nlanes) return TERN_INVALID_PARAM;
    if (weights)
        for (int i = 0; i < n; i++)
            if (weights[i] == 0) return TERN_INVALID_PARAM;
    if (n > 1 && s->cfg.peer_version < 11) return TERN_FAIL;
    if (n > s->nlanes) {
        tern_snp_lane_tx *t = tern_realloc(s->mem, s->tx, (size_t)n * sizeof *t);
        if (!t) return TERN_NOMEM;
        s->tx = t;
        for (int i = s->nlanes; i < n; i++) lane_tx_init(&s->tx[i]);
        s->nlanes = (uint16_t)n;
    }
    for (int i = 0; i < n; i++) {
        s->tx[i].priority = priorities ? priorities[i] : 0;
        s->tx[i].weight = weights ? weights[i] : 1;
    }
    return TERN_OK;
}

void tern_snp_lane_activate(tern_snp *s, tern_snp_lane_tx *l)
{
    if (l->active) return;
    /* A lane that was idle must not bank credit: start it at the lowest
     * virtual time among busy lanes of its priority class. */
    uint64_t vmin = UINT64_MAX;
    for (unsigned i = 0; i < s->nlanes; i++) {
        tern_snp_lane_tx *o = &s->tx[i];
        if (o->active && o->priority == l->priority && o->vtime < vmin) vmin = o->vtime;
    }
    if (vmin != UINT64_MAX && l->vtime < vmin) l->vtime = vmin;
    l->active = 1;
}

static const uint32_t sm_class_cap[TERN_SENDMSG_CLASSES] = {128, 512, 2048};

static tern_sendmsg *sendmsg_alloc(tern_snp *s, size_t len)
{
    for (uint8_t c = 0; c < TERN_SENDMSG_CLASSES; c++) {
        if (len > sm_class_cap[c]) continue;
        tern_sendmsg *m = s->sm_free[c];
        if (m) {
            s->sm_free[c] = m->next;
            s->sm_nfree[c]--;
        } else {
            m = tern_malloc(s->mem, sizeof *m + sm_class_cap[c]);
            if (!m) return NULL;
        }
        memset(m, 0, sizeof *m);
        m->cls = c;
        return m;
    }
    tern_sendmsg *m = tern_malloc(s->mem, sizeof *m + (len ? len : 1));
    if (!m) return NULL;
    memset(m, 0, sizeof *m);
    m->cls = TERN_SENDMSG_BIG;
    return m;
}

void tern_snp_sendmsg_free(tern_snp *s, tern_sendmsg *m)
{
    uint8_t c = m->cls;
    if (c < TERN_SENDMSG_CLASSES && s->sm_nfree[c] < TERN_SENDMSG_KEEP) {
        m->next = s->sm_free[c];
        s->sm_free[c] = m;
        s->sm_nfree[c]++;
        return;
    }
    tern_free(s->mem, m);
}

static tern_result hist_push(tern_snp *s, tern_snp_lane_tx *l, tern_sendmsg *m)
{
    if (l->hist_len == l->hist_cap) {
        size_t ncap = l->hist_cap ? l->hist_cap * 2 : 8;
        tern_sendmsg **h = tern_malloc(s->mem, ncap * sizeof *h);
        if (!h) return TERN_NOMEM;
        for (size_t k = 0; k < l->hist_len; k++)
            h[k] = l->hist[(l->hist_head + k) & (l->hist_cap - 1)];
        tern_free(s->mem, l->hist);
        l->hist = h;
        l->hist_cap = ncap;
        l->hist_head = 0;
    }
    l->hist[(l->hist_head + l->hist_len) & (l->hist_cap - 1)] = m;
    l->hist_len++;
    return TERN_OK;
}

tern_result tern_snp_send(tern_snp *s, int64_t now, const void *data, size_t len, int flags,
                          uint16_t lane, int64_t *msgnum)
{
    if (lane >= s->nlanes) return TERN_INVALID_PARAM;
    if (len > (size_t)s->cfg.max_send_msg) return TERN_MSG_TOO_BIG;
    if (len && !data) return TERN_INVALID_PARAM;
    bool reliable = (flags & TERN_SEND_RELIABLE) != 0;
    /* GNS silently sends big unreliable messages reliably; a GNS receiver
     * could not reassemble them otherwise (WIRE.md §6.13). */
    if (!reliable && len > TERN_SNP_UNREL_MAX) reliable = true;
    tern_snp_lane_tx *l = &s->tx[lane];

    size_t framed = len;
    tern_relmsg_hdr h = {0};
    if (reliable) {
        h.msgnum_delta = (uint64_t)(l->next_msgnum - l->last_rel_msgnum);
        h.size = len;
        framed += tern_relmsg_hdr_len(&h);
    }
    /* Like GNS, the payload (not its framing) is what must fit: a message
     * of the maximum size fits an empty buffer of the default size. */
    if (s->pending_bytes + len > (uint64_t)s->cfg.send_buffer) return TERN_LIMIT_EXCEEDED;

    if (!reliable && (flags & TERN_SEND_NO_DELAY)) {
        /* "Cannot go out now": anything already queued ahead of it, or the
         * pacer / window saying no. Then it is dropped, not queued. */
        if (s->pending_bytes > 0 || s->retx_pending > 0 ||
            !tern_cc_can_send(&s->cc, now, s->bytes_in_flight))
            return TERN_IGNORED;
    }

    tern_sendmsg *m = sendmsg_alloc(s, framed);
    if (!m) return TERN_NOMEM;
    m->msgnum = l->next_msgnum++;
    m->queued_at = now;
    m->seq = ++s->queue_seq;
    bool nonagle = (flags & (TERN_SEND_NO_NAGLE | TERN_SEND_NO_DELAY)) || s->cfg.nagle_usec <= 0;
    m->ready_at = nonagle ? now : now + s->cfg.nagle_usec;
    if (nonagle) s->flushed_seq = m->seq;
    m->len = (uint32_t)framed;
    m->reliable = reliable;
    if (reliable) {
        uint8_t *p = tern_relmsg_hdr_encode(m->data, m->data + framed, &h);
        if (len) memcpy(p, data, len);
        m->pos = l->stream_end;
        if (hist_push(s, l, m) != TERN_OK) {
            l->next_msgnum--;
            tern_snp_sendmsg_free(s, m);
            return TERN_NOMEM;
        }
        l->stream_end += (int64_t)framed;
        l->last_rel_msgnum = m->msgnum;
        l->pending_rel += framed;
    } else {
        if (len) memcpy(m->data, data, len);
        l->pending_unrel += framed;
    }
    if (l->tail)
        l->tail->next = m;
    else
        l->head = m;
    l->tail = m;
    s->pending_bytes += framed;
    s->npending_msgs++;
    s->stats.msgs_sent++;
    tern_snp_lane_activate(s, l);
    if (msgnum) *msgnum = m->msgnum;
    return TERN_OK;
}

void tern_snp_rtt_sample(tern_snp *s, int64_t now, int64_t rtt_usec)
{
    if (rtt_usec < 0) return;
    tern_rtt_sample(&s->rtt, rtt_usec);
    tern_cc_rtt_hint(&s->cc, now, rtt_usec);
}

void tern_snp_flush(tern_snp *s)
{
    s->flushed_seq = s->queue_seq;
}

tern_result tern_snp_consumed(tern_snp *s, int64_t now, uint64_t bytes, uint32_t n, tern_snp_rx *rx)
{
    s->rx_queued_bytes = bytes > s->rx_queued_bytes ? 0 : s->rx_queued_bytes - bytes;
    s->rx_queued_msgs = n > s->rx_queued_msgs ? 0 : s->rx_queued_msgs - n;
    /* Called from inside ops.deliver: the delivery loop on the stack picks
     * the room up itself. */
    if (!s->rx_blocked || s->in_rx) return TERN_OK;
    return tern_snp_rx_resume(s, now, rx);
}

bool tern_snp_reliable_outstanding(const tern_snp *s)
{
    for (unsigned i = 0; i < s->nlanes; i++)
        if (s->tx[i].ack_floor < s->tx[i].stream_end) return true;
    return false;
}

bool tern_snp_quiescent(const tern_snp *s)
{
    if (s->npending_msgs || s->retx_pending || s->bytes_in_flight) return false;
    if (s->ack_deadline != INT64_MAX || s->nack_deadline != INT64_MAX ||
        s->loss_deadline != INT64_MAX)
        return false;
    for (unsigned i = 0; i < s->rx_cap; i++)
        if (s->rx[i] && (s->rx[i]->recv_pos != s->rx[i]->recv_end || s->rx[i]->nfrags))
            return false;
    return true;
}

/* The smallest power of two holding |n| (at least 1). */
static size_t pow2_at_least(size_t n)
{
    size_t c = 1;
    while (c < n) c *= 2;
    return c;
}

/* Cut the sent-packet ring (indexed by packet number modulo its capacity)
 * down to the records from ring_base on. */
static void trim_ring(tern_snp *s)
{
    size_t n = (size_t)(s->next_pktnum - s->ring_base);
    if (n == 0) {
        tern_free(s->mem, s->ring);
        s->ring = NULL;
        s->ring_cap = 0;
        return;
    }
    size_t ncap = pow2_at_least(n);
    if (ncap >= s->ring_cap) return;
    tern_sent_pkt *r = tern_malloc(s->mem, ncap * sizeof *r);
    if (!r) return; /* keeping the big one is fine */
    for (int64_t pn = s->ring_base; pn < s->next_pktnum; pn++)
        r[(uint64_t)pn & (ncap - 1)] = s->ring[(uint64_t)pn & (s->ring_cap - 1)];
    tern_free(s->mem, s->ring);
    s->ring = r;
    s->ring_cap = ncap;
}

/* The same for the ring of reliable ranges (indexed by a running count). */
static void trim_ranges(tern_snp *s)
{
    size_t n = (size_t)(s->ranges_head - s->ranges_tail);
    if (n == 0) {
        tern_free(s->mem, s->ranges);
        s->ranges = NULL;
        s->ranges_cap = 0;
        return;
    }
    size_t ncap = pow2_at_least(n);
    if (ncap >= s->ranges_cap) return;
    tern_sent_range *r = tern_malloc(s->mem, ncap * sizeof *r);
    if (!r) return;
    for (uint64_t i = s->ranges_tail; i < s->ranges_head; i++)
        r[i & (ncap - 1)] = s->ranges[i & (s->ranges_cap - 1)];
    tern_free(s->mem, s->ranges);
    s->ranges = r;
    s->ranges_cap = ncap;
}

void tern_snp_trim(tern_snp *s)
{
    for (int c = 0; c < TERN_SENDMSG_CLASSES; c++) {
        for (tern_sendmsg *m = s->sm_free[c], *n; m; m = n) {
            n = m->next;
            tern_free(s->mem, m);
        }
        s->sm_free[c] = NULL;
        s->sm_nfree[c] = 0;
    }
    for (unsigned i = 0; i < s->nlanes; i++) {
        tern_snp_lane_tx *l = &s->tx[i];
        if (!l->hist_len) {
            tern_free(s->mem, l->hist);
            l->hist = NULL;
            l->hist_cap = l->hist_head = 0;
        }
        if (!l->acked.n) tern_ranges_free(&l->acked, s->mem);
        if (!l->lost.n) tern_ranges_free(&l->lost, s->mem);
        if (!l->dup.n) tern_ranges_free(&l->dup, s->mem);
    }
    for (unsigned i = 0; i < s->rx_cap; i++) {
        tern_snp_lane_rx *l = s->rx[i];
        if (!l) continue;
        if (l->recv_pos == l->recv_end) {
            tern_free(s->mem, l->buf);
            l->buf = NULL;
            l->buf_cap = 0;
            l->buf_base = l->recv_pos;
            tern_ranges_free(&l->gaps, s->mem);
        }
        if (!l->nfrags) {
            tern_free(s->mem, l->frags);
            l->frags = NULL;
        }
    }
    trim_ring(s);
    trim_ranges(s);
    if (!s->ngaps) {
        tern_free(s->mem, s->gaps);
        s->gaps = NULL;
        s->gaps_cap = 0;
    }
}

static int64_t lane_queue_time(const tern_snp *s, uint64_t ahead)
{
    uint64_t rate = s->cc.pacing_rate ? s->cc.pacing_rate : 1;
    return (int64_t)((__uint128_t)ahead * 1000000u / rate);
}

void tern_snp_status(const tern_snp *s, int64_t now, tern_snp_lane_status *total,
                     tern_snp_lane_status *lanes, int n)
{
    (void)now;
    tern_snp_lane_status t = {0};
    for (unsigned i = 0; i < s->nlanes; i++) {
        const tern_snp_lane_tx *l = &s->tx[i];
        tern_snp_lane_status ls = {0};
        ls.pending_unrel = l->pending_unrel;
        uint64_t lost = tern_ranges_total(&l->lost);
        ls.pending_rel = l->pending_rel + lost;
        uint64_t unacked = (uint64_t)(l->sent_end - l->ack_floor);
        uint64_t acked = tern_ranges_total(&l->acked);
        ls.sent_unacked_rel = unacked > acked + lost ? unacked - acked - lost : 0;
        /* Bytes served before this lane's next byte: its own backlog plus
         * everything queued on lanes of strictly higher priority. */
        uint64_t ahead = ls.pending_unrel + ls.pending_rel;
        for (unsigned k = 0; k < s->nlanes; k++)
            if (s->tx[k].priority < l->priority)
                ahead += s->tx[k].pending_unrel + s->tx[k].pending_rel;
        ls.queue_time_usec = lane_queue_time(s, ahead);
        if (lanes && (int)i < n) lanes[i] = ls;
        t.pending_unrel += ls.pending_unrel;
        t.pending_rel += ls.pending_rel;
        t.sent_unacked_rel += ls.sent_unacked_rel;
    }
    t.queue_time_usec = lane_queue_time(s, t.pending_unrel + t.pending_rel);
    if (total) *total = t;
}
