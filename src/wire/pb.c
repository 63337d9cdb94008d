#include "wire/pb.h"

#include "util/bytes.h"

static void *pb_alloc(void *data, size_t n)
{
    tern_pb_alloc *pa = data;
    void *p = tern_arena_alloc(pa->arena, n);
    if (!p) pa->failed = 1;
    return p;
}

static void pb_free(void *data, void *p)
{
    (void)data;
    (void)p;
}

void tern_pb_alloc_init(tern_pb_alloc *pa, tern_arena *arena)
{
    pa->base.alloc = pb_alloc;
    pa->base.free = pb_free;
    pa->base.allocator_data = pa;
    pa->arena = arena;
    pa->failed = 0;
}

/* Our schemas are not recursive, so nesting deeper than this is never
 * legitimate; it only bounds the recursion below. */
#define PB_MAX_DEPTH 8

/* A length-delimited run of a repeated field of |type|. For scalars (a
 * packed run) it must hold at least one element and only whole elements:
 * protobuf-c sizes the array from the complete elements and, when there are
 * none, adds an offset to a NULL array pointer (undefined) before noticing
 * the bad run. An empty packed run would mean "no elements"; nobody sends
 * one (GNS does not pack at all), so refusing it costs nothing. */
static int packed_ok(ProtobufCType type, const uint8_t *p, size_t len)
{
    switch (type) {
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_BYTES:
    case PROTOBUF_C_TYPE_MESSAGE:
        return 1; /* not packable: one element per field */
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
        return len > 0 && len % 4 == 0;
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return len > 0 && len % 8 == 0;
    default: {
        /* varints, at most 10 bytes each, the last one terminated */
        unsigned run = 0;
        for (size_t i = 0; i < len; i++) {
            if (++run > 10) return 0;
            if (!(p[i] & 0x80)) run = 0;
        }
        return len > 0 && run == 0;
    }
    }
}

/* Check the framing of every field before protobuf-c sees it, recursing into
 * the fields |d| declares as sub-messages. protobuf-c 1.4.1 accepts field
 * number 0 when the tag is non-minimal (81 00 slips through as an unknown
 * field that it re-encodes as 01 and then refuses), and a 5-byte tag whose
 * last byte is 0x40 or more overflows an int shift in its tag parser. Keys
 * here must fit 32 bits (so field numbers stay within protobuf's 2^29-1) and
 * name a field other than 0; wire types are 0, 1, 2 or 5; lengths must fit.
 * GNS's parser rejects all of these too. */
static int framing_ok(const ProtobufCMessageDescriptor *d, const uint8_t *p, const uint8_t *end,
                      int depth)
{
    if (depth > PB_MAX_DEPTH) return 0;
    while (p < end) {
        uint64_t key, len;
        if (tern_varint_decode_bits(&p, end, 32, &key) != TERN_OK || key >> 3 == 0) return 0;
        switch (key & 7) {
        case 0: {
            /* Like protobuf-c: at most 10 bytes, no overflow check. */
            unsigned i = 0;
            while (i < 10 && p + i < end && (p[i] & 0x80)) i++;
            if (i == 10 || p + i >= end) return 0;
            p += i + 1;
            break;
        }
        case 1:
            if (tern_left(p, end) < 8) return 0;
            p += 8;
            break;
        case 5:
            if (tern_left(p, end) < 4) return 0;
            p += 4;
            break;
        case 2: {
            if (tern_varint_decode_bits(&p, end, 32, &len) != TERN_OK || len > tern_left(p, end))
                return 0;
            const ProtobufCFieldDescriptor *f =
                protobuf_c_message_descriptor_get_field(d, (unsigned)(key >> 3));
            if (f && f->type == PROTOBUF_C_TYPE_MESSAGE &&
                !framing_ok(f->descriptor, p, p + len, depth + 1))
                return 0;
            if (f && f->label == PROTOBUF_C_LABEL_REPEATED && !packed_ok(f->type, p, (size_t)len))
                return 0;
            p += len;
            break;
        }
        default:
            return 0; /* groups (3, 4) are obsolete; 6 and 7 do not exist */
        }
    }
    return 1;
}

/* protobuf-c leaves data NULL for an empty bytes field, and its packer then
 * calls memcpy(out, NULL, 0), which is undefined. Point such fields at a
 * static empty array so that decoded messages can be re-encoded safely. */
static const uint8_t empty_bytes[1];

static void fix_empty_bytes(ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        char *member = (char *)m + f->offset;
        size_t n = 1;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            n = *(size_t *)((char *)m + f->quantifier_offset);
            member = *(char **)member;
        }
        for (size_t j = 0; j < n; j++) {
            if (f->type == PROTOBUF_C_TYPE_BYTES) {
                ProtobufCBinaryData *bd = (ProtobufCBinaryData *)member + j;
                if (!bd->data) bd->data = (uint8_t *)empty_bytes;
            } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
                ProtobufCMessage *sub = ((ProtobufCMessage **)member)[j];
                if (sub) fix_empty_bytes(sub);
            }
        }
    }
}

tern_result tern_pb_unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                           tern_arena *arena, ProtobufCMessage **out)
{
    *out = NULL;
    if (len && !framing_ok(desc, data, data + len, 0)) return TERN_MALFORMED;
    tern_pb_alloc pa;
    tern_pb_alloc_init(&pa, arena);
    size_t mark = arena->used;
    *out = protobuf_c_message_unpack(desc, &pa.base, len, len ? data : empty_bytes);
    if (*out) {
        fix_empty_bytes(*out);
        return TERN_OK;
    }
    /* Nothing from the failed unpack is referenced any more, and free is a
     * no-op, so give its memory back. */
    arena->used = mark;
    return pa.failed ? TERN_ARENA_FULL : TERN_MALFORMED;
}

size_t tern_pb_size(const ProtobufCMessage *msg)
{
    return protobuf_c_message_get_packed_size(msg);
}

uint8_t *tern_pb_pack(uint8_t *p, uint8_t *end, const ProtobufCMessage *msg)
{
    if (!p) return NULL;
    size_t n = protobuf_c_message_get_packed_size(msg);
    if (n > tern_left(p, end)) return NULL;
    size_t w = protobuf_c_message_pack(msg, p);
    return w == n ? p + n : NULL;
}
