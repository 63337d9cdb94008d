/* SipHash-2-4 (Aumasson & Bernstein): a keyed 64-bit PRF, fast on short
 * inputs. Used for stateless handshake challenges and for hash tables keyed
 * by peer addresses (so a flood of crafted addresses cannot collide). */
#ifndef TERN_UTIL_SIPHASH_H
#define TERN_UTIL_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t tern_siphash24(const uint8_t key[16], const void *data, size_t len);

#endif
