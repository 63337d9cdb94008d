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

#define PB_FIELD_MAX 0x1fffffffu /* protobuf's largest field number */

/* protobuf-c 1.4.1 rejects field number 0 only when its tag is one byte: a
 * non-minimal tag such as 81 00 slips through as an unknown field numbered 0
 * (and would be re-encoded as 01, which it then refuses); and a 5-byte tag
 * can carry a number above 2^29-1, which does not survive re-encoding.
 * Protobuf forbids both and GNS's parser rejects them, so we do too. Our
 * schemas are not recursive, so the recursion depth is bounded by the .proto
 * files. */
static int has_bad_field_number(const ProtobufCMessage *m)
{
    for (unsigned i = 0; i < m->n_unknown_fields; i++) {
        uint32_t tag = m->unknown_fields[i].tag;
        if (tag == 0 || tag > PB_FIELD_MAX) return 1;
    }
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE) continue;
        const char *member = (const char *)m + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
            ProtobufCMessage *const *arr = *(ProtobufCMessage *const *const *)member;
            for (size_t j = 0; j < n; j++)
                if (has_bad_field_number(arr[j])) return 1;
        } else {
            const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)member;
            if (sub && has_bad_field_number(sub)) return 1;
        }
    }
    return 0;
}

tern_result tern_pb_unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                           tern_arena *arena, ProtobufCMessage **out)
{
    static const uint8_t empty[1];
    tern_pb_alloc pa;
    tern_pb_alloc_init(&pa, arena);
    size_t mark = arena->used;
    *out = protobuf_c_message_unpack(desc, &pa.base, len, len ? data : empty);
    if (*out && !has_bad_field_number(*out)) return TERN_OK;
    *out = NULL;
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
