/* Checks one direction of traffic: the sender records every message it
 * queued, the receiver verifies every message it got against that record.
 * Reliable: exactly once and in order per lane. Unreliable: at most once.
 * Both: the right size and the exact bytes (payloads are a function of
 * direction, lane and message number, so corruption cannot hide). */
#ifndef TERN_SIM_CHECK_H
#define TERN_SIM_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/tern.h"

typedef struct chk chk;

chk *chk_new(uint32_t dir);
void chk_del(chk *c);

/* Payload bytes for a message. */
void chk_fill(uint32_t dir, uint16_t lane, int64_t msgnum, uint8_t *buf, size_t size);
/* The sender queued this message. */
void chk_sent(chk *c, uint16_t lane, int64_t msgnum, bool reliable, size_t size);
/* The receiver got this message: false (and an error recorded) if wrong. */
bool chk_recv(chk *c, uint16_t lane, int64_t msgnum, bool reliable, const void *data, size_t size);

bool chk_all_reliable_delivered(const chk *c);
uint64_t chk_reliable_sent(const chk *c);
uint64_t chk_reliable_recv(const chk *c);
uint64_t chk_unreliable_sent(const chk *c);
uint64_t chk_unreliable_recv(const chk *c);
uint64_t chk_bytes_recv(const chk *c);
uint64_t chk_lane_bytes_recv(const chk *c, uint16_t lane);
/* First error, or NULL. */
const char *chk_error(const chk *c);

#endif
