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

tern_result tern_pb_unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                           tern_arena *arena, ProtobufCMessage **out)
{
    static const uint8_t empty[1];
    tern_pb_alloc pa;
    tern_pb_alloc_init(&pa, arena);
    size_t mark = arena->used;
    *out = protobuf_c_message_unpack(desc, &pa.base, len, len ? data : empty);
    if (*out) return TERN_OK;
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
