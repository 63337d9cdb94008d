/* Data packets (WIRE.md §5, §7): framing and sealing what the SNP engine
 * builds, opening and feeding what arrives, the inline stats blob (ack
 * requests, keepalives), liveness and timeouts, and servicing a connection
 * when its timer fires. */
#include <string.h>

#include "conn/conn.h"
#include "util/bytes.h"
#include "util/mem.h"
#include "wire/data.h"
#include "wire/stats.h"

void tern_conn_deliver(void *user, tern_message *pub);

tern_result tern_conn_start_snp(tern_conn *c, int64_t now)
{
    if (c->snp_ready) return TERN_OK;
    tern_snp_cfg cfg;
    tern_snp_cfg_default(&cfg);
    const tern_conn_opts *o = &c->opts;
    cfg.mtu = o->mtu;
    cfg.nagle_usec = o->nagle_usec;
    cfg.send_buffer = o->send_buffer;
    cfg.recv_buffer = o->recv_buffer;
    cfg.recv_buffer_msgs = o->recv_buffer_msgs;
    cfg.recv_max_msg = o->recv_max_msg;
    cfg.recv_max_segs = o->recv_max_segs;
    cfg.rate_min = o->rate_min;
    cfg.rate_max = o->rate_max;
    cfg.peer_version = c->peer_version ? (int32_t)c->peer_version : TERN_HS_PROTOCOL_VERSION;
    tern_snp_ops ops = {tern_conn_deliver};
    tern_result r = tern_snp_init(&c->snp, &cfg, c->inst->mem, c->inst->pool, &ops, c, now);
    if (r != TERN_OK) return r;
    c->snp_ready = true;
    if (c->handshake_rtt >= 0) tern_snp_rtt_sample(&c->snp, now, c->handshake_rtt);
    return TERN_OK;
}

/* How long to wait for an answer to something that asks for one (§7.3). */
static int64_t reply_timeout(const tern_conn *c, bool immediate)
{
    int64_t t = 1250000;
    if (c->snp_ready && tern_rtt_known(&c->snp.rtt)) {
        int64_t worst = c->snp.rtt.smoothed + c->snp.rtt.var * 2;
        if (2 * worst + 250000 < t) t = 2 * worst + 250000;
    }
    return immediate ? t : t + 200000;
}

bool tern_conn_send_packet(tern_conn *c, int64_t now, bool force, uint32_t blob_flags)
{
    if (!c->snp_ready || !c->aead_ready) return false;
    uint8_t pt[TERN_DGRAM_MAX];
    uint8_t dg[TERN_DGRAM_MAX + 64];
    uint8_t blob[16];
    size_t bloblen = 0;
    Tern__UdpStats st = TERN__UDP_STATS__INIT;
    if (blob_flags) {
        tern_stats_set_flags(&st, blob_flags);
        uint8_t *e = tern_stats_encode(blob, blob + sizeof blob, &st);
        if (e) bloblen = (size_t)(e - blob);
    }
    tern_data_hdr h = {.flags = TERN_DATA_FLAG, .to_conn_id = c->remote_id};
    /* Peers before version 12 cannot skip the field (WIRE.md §5.1). */
    /* Threads read the clock before they take the instance lock, so the
     * previous packet may carry a slightly later |now|: count that as 0. */
    int64_t since = now > c->last_send ? now - c->last_send : 0;
    if (c->opts.send_time_since_prev > 0 && c->sent_data && c->peer_version >= 12 &&
        since <= TERN_TIMEPREV_MAX_USEC) {
        h.flags |= TERN_DATA_FLAG_TIMEPREV;
        h.timeprev16 = (uint16_t)(since >> 4);
    }
    size_t tag = tern_aead_overhead(&c->aead);
    size_t hdr = TERN_DATA_HDR_MIN + (bloblen ? tern_varint_len(bloblen) + bloblen : 0) +
                 (h.flags & TERN_DATA_FLAG_TIMEPREV ? 2 : 0);
    size_t mtu = (size_t)c->opts.mtu;
    size_t cap = mtu - hdr - tag;
    if (cap > mtu - 52 - tag) cap = mtu - 52 - tag; /* GNS's reserve (§5.2) */
    tern_snp_pkt pkt;
    if (!tern_snp_build(&c->snp, now, pt, cap, force, &pkt)) return false;
    if (pkt.want_ack_request) {
        blob_flags |= TERN_STATS_ACK_REQUEST_E2E | TERN_STATS_ACK_REQUEST_IMMEDIATE;
        tern_stats_set_flags(&st, blob_flags);
        uint8_t *e = tern_stats_encode(blob, blob + sizeof blob, &st);
        bloblen = e ? (size_t)(e - blob) : 0;
    }
    if (bloblen) {
        h.flags |= TERN_DATA_FLAG_STATS;
        h.stats = blob;
        h.stats_len = bloblen;
    }
    h.pktnum16 = (uint16_t)pkt.pktnum;
    uint8_t *p = tern_data_hdr_encode(dg, dg + sizeof dg, &h);
    if (!p) return false;
    ptrdiff_t n = tern_aead_seal(&c->aead, (uint64_t)pkt.pktnum, pt, pkt.len, p,
                                 (size_t)(dg + sizeof dg - p));
    if (n < 0) return false;
    size_t total = (size_t)(p - dg) + (size_t)n;
    tern_conn_tx(c, dg, total);
    c->last_send = now;
    c->sent_data = true;
    /* Something that wants an answer: expect one in time (§7.3). */
    bool asks = pkt.elicits_ack || (blob_flags & TERN_STATS_ACK_REQUEST_E2E);
    if (asks && c->live.reply_deadline == INT64_MAX)
        c->live.reply_deadline =
            now + reply_timeout(c, (blob_flags & TERN_STATS_ACK_REQUEST_IMMEDIATE) != 0);
    return true;
}

/* Closed states answer every data packet with a close (§8.5). */
static void answer_closed(tern_conn *c)
{
    if (c->state == TERN_CS_CLOSED_BY_PEER)
        tern_conn_reply_no_connection(c, c->local_id, c->remote_id);
    else
        tern_conn_send_closed(c);
}

void tern_conn_recv_data(tern_conn *c, int64_t now, const uint8_t *data, size_t len)
{
    tern_inst *in = c->inst;
    const uint8_t *p = data, *end = data + len;
    tern_data_hdr h;
    if (len < TERN_DATA_HDR_MIN || tern_data_hdr_decode(&p, end, &h) != TERN_OK) return;
    if (h.to_conn_id != c->local_id) {
        /* Not ours. At most one unsolicited reply per 250 ms (§5.4). */
        if (now - in->last_spam_reply >= TERN_SPAM_REPLY_USEC) {
            in->last_spam_reply = now;
            tern_conn_reply_no_connection(c, h.to_conn_id, 0);
        }
        return;
    }
    switch (c->state) {
    case TERN_CS_CONNECTED:
    case TERN_CS_LINGER:
        break;
    case TERN_CS_CLOSED_BY_PEER:
    case TERN_CS_PROBLEM:
    case TERN_CS_FIN_WAIT:
        answer_closed(c);
        return;
    default:
        return; /* connecting: the ConnectOK may still be on its way */
    }
    if (!c->snp_ready || !c->aead_ready) return;
    uint32_t stats_flags = 0;
    if (h.flags & TERN_DATA_FLAG_STATS) {
        tern_arena_reset(&in->arena);
        Tern__UdpStats *st = NULL;
        if (tern_stats_decode(h.stats, h.stats_len, &in->arena, &st) != TERN_OK) return;
        stats_flags = tern_stats_effective_flags(st);
        if (st->stats && st->stats->instantaneous &&
            st->stats->instantaneous->has_packets_dropped_pct) {
            uint32_t d = st->stats->instantaneous->packets_dropped_pct;
            uint32_t w = st->stats->instantaneous->has_packets_weird_sequence_pct
                             ? st->stats->instantaneous->packets_weird_sequence_pct
                             : 0;
            c->quality_remote = d + w >= 100 ? 0.0f : (float)(100 - d - w) / 100.0f;
        }
    }
    if (h.flags & TERN_DATA_FLAG_TIMEPREV) {
        /* present and parsed; the value is informational */
    }
    int64_t pn = tern_snp_expand_pktnum(&c->snp, h.pktnum16);
    if (tern_snp_precheck(&c->snp, pn) != TERN_OK) return;
    size_t clen = (size_t)(end - p);
    if (clen > TERN_DGRAM_MAX + 16) return;
    ptrdiff_t n = tern_aead_open(&c->aead, (uint64_t)pn, p, clen, in->scratch, sizeof in->scratch);
    if (n < 0) return; /* forged, corrupted, or not ours: silently ignored (§4.8) */
    tern_snp_rx rx;
    if (tern_snp_recv(&c->snp, now, pn, in->scratch, (size_t)n, &rx) != TERN_OK) {
        tern_conn_problem(c, now, rx.end_reason, rx.debug);
        return;
    }
    c->live.last_recv = now;
    c->live.reply_deadline = INT64_MAX;
    c->live.timeout_started = 0;
    c->live.reply_timeouts = 0;
    if (c->is_server && !c->rx_seen_data && (c->hs || c->hs_ok)) {
        /* The client's first data packet: it has our ConnectOK, so no resend
         * will ever be needed; drop the handshake state (most of an idle
         * connection's memory). */
        c->rx_seen_data = true;
        if (c->hs) tern_hs_local_free(c->hs);
        tern_free(in->mem, c->hs);
        c->hs = NULL;
        tern_free(in->mem, c->hs_ok);
        c->hs_ok = NULL;
    }
    if (stats_flags & (TERN_STATS_ACK_REQUEST_E2E | TERN_STATS_ACK_REQUEST_IMMEDIATE))
        tern_snp_ack_request(&c->snp, now, (stats_flags & TERN_STATS_ACK_REQUEST_IMMEDIATE) != 0);
    tern_conn_schedule(c, now);
}

void tern_conn_liveness(tern_conn *c, int64_t now)
{
    tern_live *L = &c->live;
    if (L->reply_deadline != INT64_MAX && now >= L->reply_deadline) {
        if (!L->timeout_started) L->timeout_started = now;
        L->reply_timeouts++;
        L->reply_deadline = INT64_MAX;
        L->next_urgent = now;
    }
    int64_t since = L->timeout_started > L->last_recv ? L->timeout_started : L->last_recv;
    if (L->reply_timeouts >= 4 && now >= since + (int64_t)c->opts.timeout_connected_ms * 1000) {
        tern_conn_problem(c, now, TERN_END_MISC_TIMEOUT, "Connection dropped");
        return;
    }
    if (L->timeout_started && now >= L->next_urgent) {
        /* The peer owes us an answer: ask for one at once, every 200 ms. */
        L->next_urgent = now + TERN_URGENT_PING_USEC;
        tern_conn_send_packet(c, now, true,
                              TERN_STATS_ACK_REQUEST_E2E | TERN_STATS_ACK_REQUEST_IMMEDIATE);
    } else if (L->reply_deadline == INT64_MAX && now - L->last_recv >= TERN_KEEPALIVE_USEC &&
               now - c->last_send >= 0) {
        tern_conn_send_packet(c, now, true, TERN_STATS_ACK_REQUEST_E2E);
    }
}

static int64_t liveness_wake(const tern_conn *c)
{
    const tern_live *L = &c->live;
    int64_t t = INT64_MAX;
    if (L->reply_deadline != INT64_MAX) t = L->reply_deadline;
    if (L->timeout_started) {
        if (L->next_urgent < t) t = L->next_urgent;
        int64_t since = L->timeout_started > L->last_recv ? L->timeout_started : L->last_recv;
        int64_t dead = since + (int64_t)c->opts.timeout_connected_ms * 1000;
        if (dead < t) t = dead;
    } else if (L->reply_deadline == INT64_MAX) {
        int64_t ka = L->last_recv + TERN_KEEPALIVE_USEC;
        if (ka < t) t = ka;
    }
    return t;
}

void tern_conn_service(tern_conn *c, int64_t now)
{
    tern_conn_refresh_opts(c);
    switch (c->state) {
    case TERN_CS_CONNECTING: {
        int64_t limit = c->created + (int64_t)c->opts.timeout_initial_ms * 1000;
        if (c->is_server) {
            if (!c->accepted && now >= limit) {
                tern_conn_problem(c, now, TERN_END_MISC_TIMEOUT,
                                  "App didn't accept or close incoming connection in time");
                return;
            }
            tern_conn_schedule(c, limit);
            return;
        }
        if (now >= limit) {
            tern_conn_problem(c, now, TERN_END_MISC_TIMEOUT, "Timed out attempting to connect");
            return;
        }
        if (now >= c->next_retry) {
            /* No ConnectOK in time: start over with a fresh challenge. */
            tern_client_send_challenge(c, now);
            c->next_retry = now + TERN_CONNECT_RETRY_USEC;
        }
        tern_conn_schedule(c, c->next_retry < limit ? c->next_retry : limit);
        return;
    }
    case TERN_CS_CONNECTED:
    case TERN_CS_LINGER: {
        tern_conn_liveness(c, now);
        if (c->state != TERN_CS_CONNECTED && c->state != TERN_CS_LINGER) return;
        int sent = 0;
        while (sent < TERN_SERVICE_BURST && tern_conn_send_packet(c, now, false, 0)) sent++;
        if (c->state == TERN_CS_LINGER && !tern_snp_reliable_outstanding(&c->snp)) {
            tern_conn_finwait(c, now, true);
            return;
        }
        int64_t next = sent >= TERN_SERVICE_BURST ? now : tern_snp_next_wake(&c->snp, now);
        int64_t lw = liveness_wake(c);
        if (lw < next) next = lw;
        if (c->state == TERN_CS_LINGER) {
            /* a linger that cannot finish ends with the connection timeout */
            int64_t limit = c->state_since + (int64_t)c->opts.timeout_connected_ms * 1000;
            if (now >= limit) {
                tern_conn_finwait(c, now, true);
                return;
            } else if (limit < next) {
                next = limit;
            }
        }
        if (next != INT64_MAX)
            tern_conn_schedule(c, next < now ? now : tern_timer_coarse(now, next, !c->is_server));
        return;
    }
    case TERN_CS_FIN_WAIT: {
        if (now >= c->finwait_until) {
            tern_conn_destroy(c);
            return;
        }
        int64_t next = tern_conn_finwait_resend(c, now);
        int64_t until = tern_timer_coarse(now, c->finwait_until, !c->is_server);
        tern_conn_schedule(c, next < until ? next : until);
        return;
    }
    default:
        return; /* closed by peer / problem: the application closes it */
    }
}
