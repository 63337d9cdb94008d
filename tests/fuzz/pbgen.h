/* Test-only helpers shared by the wire unit tests and fuzz targets: build a
 * random protobuf-c message of any descriptor from a stream of bytes, and
 * compare two messages field by field. Header-only (static inline) so each
 * test or fuzz program includes it without a library of its own.
 *
 * The generator covers the field types our .proto files use (fixed32/64,
 * uint32/64, enum, string, bytes, sub-messages; optional and repeated).
 * Strings never contain NUL (protobuf-c could not carry it back). */
#ifndef TERN_TESTS_PBGEN_H
#define TERN_TESTS_PBGEN_H

#include <stdint.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>

#include "util/arena.h"

/* Bytes drive every choice; past the end they read as zero. */
typedef struct pbgen_src {
    const uint8_t *p;
    size_t n, i;
} pbgen_src;

static inline uint8_t pbgen_byte(pbgen_src *s)
{
    return s->i < s->n ? s->p[s->i++] : 0;
}

/* A value of 0..8 random bytes, so that small and large numbers both occur. */
static inline uint64_t pbgen_num(pbgen_src *s)
{
    unsigned nb = pbgen_byte(s) % 9;
    uint64_t v = 0;
    for (unsigned i = 0; i < nb; i++) v = v << 8 | pbgen_byte(s);
    return v;
}

#define PBGEN_MEMBER(msg, off) ((void *)((char *)(msg) + (off)))

static inline size_t pbgen_elt_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    default:
        return 4;
    }
}

static inline ProtobufCMessage *pbgen_message(const ProtobufCMessageDescriptor *d, pbgen_src *s,
                                              tern_arena *a, int depth);

/* Fill one value of field |f| at |dst|; 0 when the arena ran out. */
static inline int pbgen_value(const ProtobufCFieldDescriptor *f, void *dst, pbgen_src *s,
                              tern_arena *a, int depth)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        *(uint32_t *)dst = (uint32_t)pbgen_num(s);
        return 1;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        *(uint64_t *)dst = pbgen_num(s);
        return 1;
    case PROTOBUF_C_TYPE_BOOL:
        *(protobuf_c_boolean *)dst = pbgen_byte(s) & 1;
        return 1;
    case PROTOBUF_C_TYPE_FLOAT:
        *(float *)dst = (float)pbgen_byte(s);
        return 1;
    case PROTOBUF_C_TYPE_DOUBLE:
        *(double *)dst = (double)pbgen_byte(s);
        return 1;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *e = f->descriptor;
        uint8_t b = pbgen_byte(s);
        /* Mostly known values; sometimes any number (protobuf-c keeps those). */
        if (b & 0x80 || e->n_values == 0)
            *(int32_t *)dst = (int32_t)(uint32_t)pbgen_num(s);
        else
            *(int32_t *)dst = e->values[b % e->n_values].value;
        return 1;
    }
    case PROTOBUF_C_TYPE_STRING: {
        size_t n = pbgen_byte(s) % 48;
        char *str = tern_arena_alloc(a, n + 1);
        if (!str) return 0;
        for (size_t i = 0; i < n; i++) str[i] = (char)(0x20 + pbgen_byte(s) % 0x5f);
        str[n] = 0;
        *(char **)dst = str;
        return 1;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        /* data is never NULL, even for 0 bytes (see tern_pb_pack). */
        ProtobufCBinaryData *bd = dst;
        bd->len = pbgen_byte(s) % 80;
        bd->data = tern_arena_alloc(a, bd->len);
        if (!bd->data) return 0;
        for (size_t i = 0; i < bd->len; i++) bd->data[i] = pbgen_byte(s);
        return 1;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        ProtobufCMessage *m = pbgen_message(f->descriptor, s, a, depth + 1);
        *(ProtobufCMessage **)dst = m;
        return m != NULL;
    }
    }
    return 0;
}

/* A random message of type |d|, allocated in |a|; NULL if |a| ran out. */
static inline ProtobufCMessage *pbgen_message(const ProtobufCMessageDescriptor *d, pbgen_src *s,
                                              tern_arena *a, int depth)
{
    ProtobufCMessage *m = tern_arena_alloc(a, d->sizeof_message);
    if (!m) return NULL;
    protobuf_c_message_init(d, m);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        void *member = PBGEN_MEMBER(m, f->offset);
        uint8_t b = pbgen_byte(s);
        if (f->type == PROTOBUF_C_TYPE_MESSAGE && depth >= 3) continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = b % 6, sz = pbgen_elt_size(f->type);
            if (n == 0) continue;
            void *arr = tern_arena_alloc(a, n * sz);
            if (!arr) return NULL;
            memset(arr, 0, n * sz);
            for (size_t j = 0; j < n; j++)
                if (!pbgen_value(f, (char *)arr + j * sz, s, a, depth)) return NULL;
            *(size_t *)PBGEN_MEMBER(m, f->quantifier_offset) = n;
            *(void **)member = arr;
            continue;
        }
        if (!(b & 1)) continue;
        if (!pbgen_value(f, member, s, a, depth)) return NULL;
        if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
            *(protobuf_c_boolean *)PBGEN_MEMBER(m, f->quantifier_offset) = 1;
    }
    return m;
}

static inline int pbgen_equal(const ProtobufCMessage *x, const ProtobufCMessage *y);

static inline int pbgen_value_equal(const ProtobufCFieldDescriptor *f, const void *x, const void *y)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *a = *(char *const *)x, *b = *(char *const *)y;
        if (!a || !b) return a == b;
        return strcmp(a, b) == 0;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *a = x, *b = y;
        return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *a = *(ProtobufCMessage *const *)x;
        const ProtobufCMessage *b = *(ProtobufCMessage *const *)y;
        if (!a || !b) return a == b;
        return pbgen_equal(a, b);
    }
    default:
        return memcmp(x, y, pbgen_elt_size(f->type)) == 0;
    }
}

/* Field-by-field equality (presence, values, repeated elements in order,
 * sub-messages, and unknown fields as kept by protobuf-c). */
static inline int pbgen_equal(const ProtobufCMessage *x, const ProtobufCMessage *y)
{
    if (x->descriptor != y->descriptor) return 0;
    const ProtobufCMessageDescriptor *d = x->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const void *mx = PBGEN_MEMBER(x, f->offset), *my = PBGEN_MEMBER(y, f->offset);
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t nx = *(const size_t *)PBGEN_MEMBER(x, f->quantifier_offset);
            size_t ny = *(const size_t *)PBGEN_MEMBER(y, f->quantifier_offset);
            if (nx != ny) return 0;
            size_t sz = pbgen_elt_size(f->type);
            const char *ax = *(char *const *)mx, *ay = *(char *const *)my;
            for (size_t j = 0; j < nx; j++)
                if (!pbgen_value_equal(f, ax + j * sz, ay + j * sz)) return 0;
            continue;
        }
        if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE) {
            protobuf_c_boolean hx =
                *(const protobuf_c_boolean *)PBGEN_MEMBER(x, f->quantifier_offset);
            protobuf_c_boolean hy =
                *(const protobuf_c_boolean *)PBGEN_MEMBER(y, f->quantifier_offset);
            if (hx != hy) return 0;
            if (!hx) continue;
        }
        if (!pbgen_value_equal(f, mx, my)) return 0;
    }
    if (x->n_unknown_fields != y->n_unknown_fields) return 0;
    for (unsigned i = 0; i < x->n_unknown_fields; i++) {
        const ProtobufCMessageUnknownField *a = &x->unknown_fields[i], *b = &y->unknown_fields[i];
        if (a->tag != b->tag || a->wire_type != b->wire_type || a->len != b->len) return 0;
        if (a->len && memcmp(a->data, b->data, a->len) != 0) return 0;
    }
    return 1;
}

#endif
