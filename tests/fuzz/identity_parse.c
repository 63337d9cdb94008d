/* tern_identity_parse_string / tern_identity_parse on arbitrary bytes, and
 * tern_identity_to_string on arbitrary structs. Whatever parses must print and
 * parse back to an equal identity. (The forms that do not survive a round trip,
 * "invalid", "gen:" for zero bytes and SteamIDs that fail validation, cannot
 * come out of a successful parse, so no exception is needed here.) */
#include <stdlib.h>
#include <string.h>

#include "wire/identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const tern_identity *id)
{
    char buf[TERN_IDENTITY_STRLEN];
    tern_identity back;
    tern_identity_to_string(id, buf, sizeof buf);
    if (strlen(buf) >= sizeof buf - 1 && id->type != TERN_ID_UNKNOWN) abort();
    if (!tern_identity_parse_string(&back, sizeof back, buf)) abort();
    if (!tern_identity_equal(id, &back)) abort();
    if (tern_identity_parse(&back, buf, strlen(buf)) != TERN_OK) abort();
    if (!tern_identity_equal(id, &back)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1); /* exact size: a read past the NUL is caught */
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    tern_identity id;
    bool ok = tern_identity_parse_string(&id, sizeof id, s);
    if (ok) roundtrip(&id);

    /* The network form agrees with the string form within its bounds. */
    tern_identity net;
    tern_result r = tern_identity_parse(&net, (const char *)data, size);
    bool want = size <= 127 && strlen(s) == size && ok;
    if ((r == TERN_OK) != want) abort();
    if (want && !tern_identity_equal(&id, &net)) abort();

    /* A smaller caller struct: only its bytes are written. */
    if (size > 0) {
        size_t sz = 32 + data[0] % (sizeof id - 32);
        uint8_t raw[sizeof id];
        memset(raw, 0x7f, sizeof raw);
        bool ok2 = tern_identity_parse_string((tern_identity *)raw, sz, s);
        for (size_t i = sz; i < sizeof raw; i++)
            if (raw[i] != 0x7f) abort();
        if (ok2 && !ok) abort(); /* less room can only reject more */
    }
    free(s);

    /* Any struct prints within the buffer, with a NUL. */
    if (size >= 8) {
        memset(&id, 0, sizeof id);
        memcpy(&id, data, size < sizeof id ? size : sizeof id);
        char buf[TERN_IDENTITY_STRLEN + 40];
        size_t cb = data[size - 1] % sizeof buf;
        memset(buf, 0x7f, sizeof buf);
        tern_identity_to_string(&id, buf, cb);
        if (cb && !memchr(buf, '\0', cb)) abort();
        for (size_t i = cb; i < sizeof buf; i++)
            if (buf[i] != 0x7f) abort();
    }
    return 0;
}
