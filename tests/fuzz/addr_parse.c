/* tern_addr_parse_string on arbitrary bytes, and tern_addr_to_string on
 * arbitrary addresses: whatever parses must print and parse back to the same
 * value (API.md §16.1 has no lossy form for a parsed address). */
#include <stdlib.h>
#include <string.h>

#include "wire/identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const tern_addr *a)
{
    char buf[TERN_ADDR_STRLEN];
    tern_addr b;
    size_t len = tern_addr_to_string(a, buf, sizeof buf, true);
    if (len >= sizeof buf || strlen(buf) != len) abort();
    if (!tern_addr_parse_string(&b, buf) || !tern_addr_equal(a, &b)) abort();
    tern_addr_to_string(a, buf, sizeof buf, false);
    if (!tern_addr_parse_string(&b, buf) || memcmp(a->ipv6, b.ipv6, 16) != 0 || b.port != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so that a read past the NUL is caught. */
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    tern_addr a;
    if (tern_addr_parse_string(&a, s))
        roundtrip(&a);
    else if (!tern_addr_is_ipv6_all_zeros(&a) || a.port != 0)
        abort(); /* failure zeroes the struct */
    free(s);

    if (size >= sizeof a) {
        memcpy(&a, data, sizeof a);
        roundtrip(&a);
        /* Cut output: NUL-terminated inside the buffer, nothing written past it. */
        size_t cb = data[0] % (TERN_ADDR_STRLEN + 1);
        char buf[TERN_ADDR_STRLEN + 1];
        memset(buf, 0x7f, sizeof buf);
        tern_addr_to_string(&a, buf, cb, data[1] & 1);
        if (cb && !memchr(buf, '\0', cb)) abort();
        for (size_t i = cb; i < sizeof buf; i++)
            if (buf[i] != 0x7f) abort();
    }
    return 0;
}
