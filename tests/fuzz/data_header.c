/* Fuzz tern_data_hdr_decode: decode one data-packet header and stop (the rest
 * is ciphertext). A success must stay inside the input, borrow a stats blob
 * that lies inside it, and re-encode to a header that decodes to the same
 * fields (flags compared on the bits the encoder sends). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    tern_data_hdr h;
    tern_result r = tern_data_hdr_decode(&p, end, &h);
    if (r != TERN_OK) {
        if (p != data || (r != TERN_TRUNCATED && r != TERN_MALFORMED)) abort();
        return 0;
    }
    if (p < data + TERN_DATA_HDR_MIN || p > end) abort();
    uint8_t x = 0;
    for (size_t i = 0; i < h.stats_len; i++) x ^= h.stats[i];
    sink = x;
    if (h.stats_len && (h.stats < data + TERN_DATA_HDR_MIN || h.stats + h.stats_len > p)) abort();

    size_t n = tern_data_hdr_len(&h);
    uint8_t *buf = malloc(n);
    if (!buf) return 0;
    uint8_t *e = tern_data_hdr_encode(buf, buf + n, &h);
    if (e != buf + n) abort();
    const uint8_t *q = buf;
    tern_data_hdr d;
    if (tern_data_hdr_decode(&q, e, &d) != TERN_OK || q != e) abort();
    const uint8_t known = TERN_DATA_FLAG | TERN_DATA_FLAG_STATS | TERN_DATA_FLAG_TIMEPREV;
    if (d.flags != (h.flags & known) || d.to_conn_id != h.to_conn_id || d.pktnum16 != h.pktnum16 ||
        d.stats_len != h.stats_len || (h.stats_len && memcmp(d.stats, h.stats, h.stats_len) != 0) ||
        d.timeprev16 != h.timeprev16)
        abort();
    free(buf);
    return 0;
}
