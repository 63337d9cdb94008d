#include "tern/tern.h"

#define STR2(x) #x
#define STR(x)  STR2(x)

TERN_API const char *tern_result_str(int r)
{
    switch (r) {
    case TERN_OK:
        return "OK";
    case TERN_FAIL:
        return "failed";
    case TERN_NO_CONNECTION:
        return "the connection is closed";
    case TERN_INVALID_PARAM:
        return "invalid parameter";
    case TERN_INVALID_STATE:
        return "invalid state for this call";
    case TERN_TIMEOUT:
        return "timed out";
    case TERN_LIMIT_EXCEEDED:
        return "a buffer limit is full; try again later";
    case TERN_DUPLICATE_REQUEST:
        return "duplicate request";
    case TERN_HANDSHAKE_FAILED:
        return "crypto handshake failed";
    case TERN_IGNORED:
        return "ignored";
    case TERN_NOT_SUPPORTED:
        return "not supported";
    case TERN_BAD_HANDLE:
        return "bad or stale handle";
    case TERN_MSG_TOO_BIG:
        return "message too big";
    case TERN_NOMEM:
        return "out of memory";
    case TERN_TRUNCATED:
        return "input truncated";
    case TERN_MALFORMED:
        return "malformed input";
    case TERN_BUF_TOO_SMALL:
        return "output buffer too small";
    case TERN_CRYPTO:
        return "cryptographic failure";
    case TERN_BAD_CERT:
        return "unacceptable certificate";
    case TERN_BAD_PROTOCOL:
        return "unsupported protocol version";
    case TERN_ARENA_FULL:
        return "decode arena exhausted";
    case TERN_IO:
        return "operating-system I/O error";
    case TERN_ADDR_IN_USE:
        return "address already in use";
    case TERN_PROTOCOL_VIOLATION:
        return "peer violated the protocol";
    default:
        return "unknown result code";
    }
}

TERN_API int tern_result_is_fatal(int r)
{
    return r == TERN_NOMEM || r == TERN_PROTOCOL_VIOLATION;
}

TERN_API const char *tern_version(void)
{
    return STR(TERN_VERSION_MAJOR) "." STR(TERN_VERSION_MINOR) "." STR(TERN_VERSION_PATCH);
}
