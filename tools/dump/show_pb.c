/* Protobuf messages, field by field, driven by the protobuf-c descriptors of
 * our own .proto files, so every field of every message is shown without a
 * printer per message. A few fields get a reading that their number alone
 * does not give: IDs in hex, timestamps in microseconds, nested certificate
 * and crypt-info bodies decoded, addresses and end reasons named. */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "dump.h"
#include "util/bytes.h"
#include "wire/certmsg.h"
#include "wire/identity.h"
#include "wire/stats.h"

#define NAME_COL 26

static bool is(const ProtobufCFieldDescriptor *f, const char *name)
{
    return strcmp(f->name, name) == 0;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

static void stats_flags(uint32_t v, char *buf, size_t cb)
{
    size_t o = (size_t)snprintf(buf, cb, "0x%" PRIx32, v);
    const char *sep = " (";
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {{TERN_STATS_ACK_REQUEST_E2E, "ACK_REQUEST_E2E"},
                 {TERN_STATS_ACK_REQUEST_IMMEDIATE, "ACK_REQUEST_IMMEDIATE"},
                 {TERN_STATS_NOT_PRIMARY_TRANSPORT_E2E, "NOT_PRIMARY_TRANSPORT_E2E"}};
    uint32_t rest = v;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && o < cb; i++) {
        if (!(v & names[i].bit)) continue;
        o += (size_t)snprintf(buf + o, cb - o, "%s%s", sep, names[i].name);
        sep = "|";
        rest &= ~names[i].bit;
    }
    if (rest && o < cb) {
        o += (size_t)snprintf(buf + o, cb - o, "%sreserved 0x%" PRIx32, sep, rest);
        sep = "|";
    }
    if (*sep == '|' && o < cb) snprintf(buf + o, cb - o, ")");
}

/* One scalar value as text. */
static void scalar(const ProtobufCFieldDescriptor *f, const void *v, char *buf, size_t cb)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32: {
        int32_t x;
        memcpy(&x, v, sizeof x);
        snprintf(buf, cb, "%" PRId32, x);
        break;
    }
    case PROTOBUF_C_TYPE_UINT32: {
        uint32_t x;
        memcpy(&x, v, sizeof x);
        if (is(f, "reason_code"))
            snprintf(buf, cb, "%" PRIu32 " %s", x, dump_reason_name(x));
        else if (is(f, "delay_time_usec"))
            snprintf(buf, cb, "%" PRIu32 " us", x);
        else if (is(f, "ping_est_ms") || is(f, "ping_ms"))
            snprintf(buf, cb, "%" PRIu32 " ms", x);
        else if (is(f, "flags"))
            stats_flags(x, buf, cb);
        else
            snprintf(buf, cb, "%" PRIu32, x);
        break;
    }
    case PROTOBUF_C_TYPE_FIXED32: {
        uint32_t x;
        memcpy(&x, v, sizeof x);
        if (is(f, "time_created") || is(f, "time_expiry")) {
            time_t t = (time_t)x;
            struct tm tm;
            char when[32] = "?";
            if (gmtime_r(&t, &tm)) strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
            snprintf(buf, cb, "%" PRIu32 " (%s)", x, when);
        } else {
            snprintf(buf, cb, "0x%08" PRIx32, x);
        }
        break;
    }
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64: {
        int64_t x;
        memcpy(&x, v, sizeof x);
        snprintf(buf, cb, "%" PRId64, x);
        break;
    }
    case PROTOBUF_C_TYPE_UINT64: {
        uint64_t x;
        memcpy(&x, v, sizeof x);
        snprintf(buf, cb, "%" PRIu64, x);
        break;
    }
    case PROTOBUF_C_TYPE_FIXED64: {
        uint64_t x;
        memcpy(&x, v, sizeof x);
        if (ends_with(f->name, "timestamp"))
            snprintf(buf, cb, "%" PRIu64 " us", x);
        else if (ends_with(f->name, "steam_id"))
            snprintf(buf, cb, "%" PRIu64, x);
        else
            snprintf(buf, cb, "0x%016" PRIx64, x);
        break;
    }
    case PROTOBUF_C_TYPE_BOOL: {
        protobuf_c_boolean x;
        memcpy(&x, v, sizeof x);
        snprintf(buf, cb, "%s", x ? "true" : "false");
        break;
    }
    case PROTOBUF_C_TYPE_FLOAT: {
        float x;
        memcpy(&x, v, sizeof x);
        snprintf(buf, cb, "%g", (double)x);
        break;
    }
    case PROTOBUF_C_TYPE_DOUBLE: {
        double x;
        memcpy(&x, v, sizeof x);
        snprintf(buf, cb, "%g", x);
        break;
    }
    case PROTOBUF_C_TYPE_ENUM: {
        int32_t x; /* protobuf-c stores enums as int */
        memcpy(&x, v, sizeof x);
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(f->descriptor, x);
        snprintf(buf, cb, "%s (%" PRId32 ")", ev ? ev->name : "unknown value", x);
        break;
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(const char *const *)v;
        /* Whole strings: GNS's are short (debug text is at most 127 bytes). */
        dump_preview_n((const uint8_t *)s, strlen(s), 256, buf, cb);
        if (!*s) snprintf(buf, cb, "\"\"");
        break;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = v;
        dump_hex_abbrev(b->data, b->len, buf, cb);
        break;
    }
    default:
        snprintf(buf, cb, "?");
        break;
    }
}

static size_t type_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(void *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    default:
        return 4;
    }
}

static void name_line(dump_state *st, int indent, const char *name, const char *text)
{
    dump_line(st, indent, "%-*s %s", NAME_COL - 2 * indent, name, text);
}

/* A bytes field that holds a protobuf body of its own: decode and show it. */
static bool nested_body(dump_state *st, const ProtobufCMessageDescriptor *md,
                        const ProtobufCFieldDescriptor *f, const ProtobufCBinaryData *b, int indent)
{
    ProtobufCMessage *m = NULL;
    tern_result r;
    const char *what;
    if (md == &tern__certificate_signed__descriptor && is(f, "cert")) {
        what = "Certificate";
        r = tern_cert_decode(b->data, b->len, &st->arena, (Tern__Certificate **)&m);
    } else if (md == &tern__crypt_info_signed__descriptor && is(f, "info")) {
        what = "CryptInfo";
        r = tern_crypt_info_decode(b->data, b->len, &st->arena, (Tern__CryptInfo **)&m);
    } else {
        return false;
    }
    char text[96];
    if (r != TERN_OK) {
        snprintf(text, sizeof text, "%zu bytes that do not decode as a %s: %s", b->len, what,
                 dump_result_name(r));
        name_line(st, indent, f->name, text);
        return true;
    }
    snprintf(text, sizeof text, "%zu bytes, a %s:", b->len, what);
    name_line(st, indent, f->name, text);
    dump_pb(st, m, indent + 1);
    return true;
}

static void bytes_field(dump_state *st, const ProtobufCMessageDescriptor *md,
                        const ProtobufCFieldDescriptor *f, const ProtobufCBinaryData *b, int indent)
{
    if (nested_body(st, md, f, b, indent)) return;
    char text[160];
    if (is(f, "ipv6_and_port") && b->len == TERN_LEGACY_IP_LEN) {
        tern_addr a;
        tern_addr_set_ipv6(&a, b->data, tern_load_be16(b->data + 16));
        char addr[TERN_ADDR_STRLEN];
        tern_addr_to_string(&a, addr, sizeof addr, true);
        snprintf(text, sizeof text, "%s", addr);
    } else {
        dump_hex_abbrev(b->data, b->len, text, sizeof text);
        if (is(f, "private_key_data"))
            snprintf(text + strlen(text), sizeof text - strlen(text),
                     " (a private key: never sent by GNS)");
    }
    name_line(st, indent, f->name, text);
}

static void one_field(dump_state *st, const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
                      int indent)
{
    const char *base = (const char *)m;
    const void *member = base + f->offset;
    char text[512];
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t n;
        memcpy(&n, base + f->quantifier_offset, sizeof n);
        if (!n) return;
        const char *arr = *(const char *const *)member;
        if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_BYTES) {
            for (size_t i = 0; i < n; i++) {
                char name[64];
                snprintf(name, sizeof name, "%s[%zu]", f->name, i);
                if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
                    name_line(st, indent, name, "");
                    dump_pb(st, ((ProtobufCMessage *const *)(const void *)arr)[i], indent + 1);
                } else {
                    char hex[96];
                    dump_hex_abbrev(((const ProtobufCBinaryData *)(const void *)arr)[i].data,
                                    ((const ProtobufCBinaryData *)(const void *)arr)[i].len, hex,
                                    sizeof hex);
                    name_line(st, indent, name, hex);
                }
            }
            return;
        }
        size_t o = (size_t)snprintf(text, sizeof text, "[");
        size_t sz = type_size(f->type);
        for (size_t i = 0; i < n && o < sizeof text; i++) {
            char one[128];
            scalar(f, arr + i * sz, one, sizeof one);
            o += (size_t)snprintf(text + o, sizeof text - o, "%s%s", i ? ", " : "", one);
        }
        if (o < sizeof text) snprintf(text + o, sizeof text - o, "]");
        name_line(st, indent, f->name, text);
        return;
    }
    /* Optional (proto2): pointers are NULL when absent, scalars have has_. */
    if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING) {
        const void *ptr = *(const void *const *)member;
        if (!ptr || (f->default_value && ptr == f->default_value)) return;
        if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
            const ProtobufCMessageDescriptor *sub = f->descriptor;
            snprintf(text, sizeof text, "%s %s:", strchr("AEIOU", sub->short_name[0]) ? "an" : "a",
                     sub->short_name);
            name_line(st, indent, f->name, text);
            dump_pb(st, ptr, indent + 1);
            return;
        }
    } else if (f->label == PROTOBUF_C_LABEL_OPTIONAL) {
        protobuf_c_boolean has;
        memcpy(&has, base + f->quantifier_offset, sizeof has);
        if (!has) return;
    }
    if (f->type == PROTOBUF_C_TYPE_BYTES) {
        bytes_field(st, m->descriptor, f, member, indent);
        return;
    }
    scalar(f, member, text, sizeof text);
    name_line(st, indent, f->name, text);
}

/* What a legacy identity message means, as GNS reads it (WIRE.md §3.3). */
static void legacy_identity(dump_state *st, const ProtobufCMessage *m, int indent)
{
    tern_identity id;
    tern_result r = tern_legacy_id_to_identity((const Tern__IdentityLegacyBinary *)m, &id);
    if (r == TERN_OK) {
        char s[TERN_IDENTITY_STRLEN];
        tern_identity_to_string(&id, s, sizeof s);
        name_line(st, indent, "= identity", s);
    } else {
        name_line(st, indent, "= identity", dump_result_name(r));
    }
}

void dump_pb(dump_state *st, const ProtobufCMessage *m, int indent)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) one_field(st, m, &d->fields[i], indent);
    for (size_t i = 0; i < m->n_unknown_fields; i++) {
        const ProtobufCMessageUnknownField *u = &m->unknown_fields[i];
        char text[96];
        snprintf(text, sizeof text, "wire type %d, %zu bytes (not in our .proto; kept)",
                 (int)u->wire_type, u->len);
        char name[40];
        snprintf(name, sizeof name, "field %" PRIu32 "?", u->tag);
        name_line(st, indent, name, text);
    }
    if (d == &tern__identity_legacy_binary__descriptor) legacy_identity(st, m, indent);
    if (d == &tern__certificate_signed__descriptor) {
        const Tern__CertificateSigned *c = (const void *)m;
        if (!c->has_ca_signature)
            name_line(st, indent, "(no CA signature)",
                      "a self-made, unsigned certificate (WIRE.md §4.1.3)");
    }
}
