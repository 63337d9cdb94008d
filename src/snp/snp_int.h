/* Functions shared between the SNP engine's files; not for other layers. */
#ifndef TERN_SNP_SNP_INT_H
#define TERN_SNP_SNP_INT_H

#include "snp/snp.h"

/* snp.c */
tern_snp_lane_rx *tern_snp_lane_rx_get(tern_snp *s, uint32_t lane);
void tern_snp_sendmsg_free(tern_snp *s, tern_sendmsg *m);
void tern_snp_lane_activate(tern_snp *s, tern_snp_lane_tx *l);

/* snp_acks.c: what we received and how we report it */
void tern_snp_acks_init(tern_snp *s);
void tern_snp_record_received(tern_snp *s, int64_t now, int64_t pktnum, bool elicit);
/* A packet that decoded but must not be acknowledged (§6.5, §6.10). */
void tern_snp_record_refused(tern_snp *s, int64_t now, int64_t pktnum);
/* A stop-waiting frame from packet |pktnum|; TERN_PROTOCOL_VIOLATION on a bad value. */
tern_result tern_snp_stop_waiting(tern_snp *s, int64_t pktnum, uint64_t offset, tern_snp_rx *rx);
uint8_t *tern_snp_write_ack(tern_snp *s, int64_t now, uint8_t *p, uint8_t *end);
bool tern_snp_ack_due(const tern_snp *s, int64_t now);
int64_t tern_snp_ack_wake(const tern_snp *s);

/* snp_tx.c: the sender's view of acks */
/* Returns TERN_OK, TERN_IGNORED (ack of a packet never sent: abandon the
 * rest of the packet) or TERN_PROTOCOL_VIOLATION. */
tern_result tern_snp_on_ack(tern_snp *s, int64_t now, const void *ack_frame, tern_snp_rx *rx);

/* snp_rx.c */
/* Deliver what the reliable streams hold now that the queue has room. */
tern_result tern_snp_rx_resume(tern_snp *s, int64_t now, tern_snp_rx *rx);
void tern_snp_rx_lane_free(tern_snp *s, tern_snp_lane_rx *l);

#endif
