/* Fuzz tern_relmsg_hdr_decode over a reliable byte stream: decode a header,
 * skip its payload, repeat, until the stream ends, a message is incomplete or
 * a header is bad. Each decoded header must re-encode to one that decodes to
 * the same values, and fit TERN_RELMSG_HDR_MAX. */
#include <stdint.h>
#include <stdlib.h>

#include "wire/relmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    uint8_t x = 0;
    while (p < end) {
        const uint8_t *before = p;
        tern_relmsg_hdr h;
        tern_result r = tern_relmsg_hdr_decode(&p, end, &h);
        if (r != TERN_OK) {
            if (p != before || (r != TERN_TRUNCATED && r != TERN_MALFORMED)) abort();
            break;
        }
        if (p <= before || p > end || (size_t)(p - before) > TERN_RELMSG_HDR_MAX) abort();

        uint8_t b[TERN_RELMSG_HDR_MAX];
        uint8_t *e = tern_relmsg_hdr_encode(b, b + sizeof b, &h);
        if (!e || (size_t)(e - b) != tern_relmsg_hdr_len(&h)) abort();
        const uint8_t *q = b;
        tern_relmsg_hdr d;
        if (tern_relmsg_hdr_decode(&q, e, &d) != TERN_OK || q != e ||
            d.msgnum_delta != h.msgnum_delta || d.size != h.size)
            abort();

        /* Incomplete payload: the receiver waits for more bytes. */
        if (h.size > (uint64_t)(end - p)) break;
        for (uint64_t i = 0; i < h.size; i++) x ^= p[i];
        p += h.size;
    }
    sink = x;
    return 0;
}
