/* Fuzz the whole of tern-dump: capture-line parsing, every printer, and the
 * state kept across datagrams (lanes, reassembly, packet numbers). The
 * output goes to /dev/null; what is checked is that nothing crashes, reads
 * out of bounds or leaks (ASan/UBSan).
 *
 * Input: one option byte, then either capture text (option bit 4) or records
 * of [direction byte][u16le length][bytes]. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* WIRE.md Appendix B session keys. */
static const uint8_t c2s_key[32] = {
    0x0d, 0xb8, 0x40, 0x2f, 0x73, 0x86, 0x72, 0x90, 0xf1, 0x05, 0xb0, 0x56, 0xb9, 0x13, 0x7c, 0x67,
    0xee, 0x57, 0x3d, 0x0c, 0x4f, 0x30, 0xc1, 0x44, 0x4b, 0xf6, 0x94, 0x3f, 0x82, 0xb2, 0xe2, 0x99};
static const uint8_t c2s_iv[12] = {0x76, 0x22, 0xff, 0xb3, 0xf8, 0xc5,
                                   0xab, 0x36, 0x96, 0xf6, 0x93, 0x18};

static dump_state st;
static dump_dgram dg;

static void capture_text(const uint8_t *p, size_t n)
{
    char *text = malloc(n + 1);
    if (!text) return;
    memcpy(text, p, n);
    text[n] = 0;
    char err[160];
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        if (dump_capture_line(line, &dg, err, sizeof err) > 0) dump_datagram(&st, &dg);
    }
    free(text);
}

static void records(const uint8_t *p, const uint8_t *end)
{
    while (end - p >= 3) {
        int dir = p[0] % 3;
        size_t n = (size_t)(p[1] | p[2] << 8);
        p += 3;
        if (n > (size_t)(end - p)) n = (size_t)(end - p);
        dg.time = -1;
        dg.dir = dir;
        dg.len = n;
        memcpy(dg.bytes, p, n);
        dump_datagram(&st, &dg);
        p += n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink) sink = fopen("/dev/null", "w");
    if (!sink || size < 1) return 0;
    dump_opts opt;
    memset(&opt, 0, sizeof opt);
    opt.null_cipher = data[0] & 1;
    opt.brief = data[0] & 2;
    opt.hex = data[0] & 8;
    if (data[0] & 4) {
        opt.have_key[DUMP_DIR_C2S] = true;
        memcpy(opt.key[DUMP_DIR_C2S], c2s_key, sizeof c2s_key);
        memcpy(opt.iv[DUMP_DIR_C2S], c2s_iv, sizeof c2s_iv);
    }
    if (dump_init(&st, &opt, sink) != TERN_OK) return 0;
    if (data[0] & 16)
        capture_text(data + 1, size - 1);
    else
        records(data + 1, data + size);
    dump_free(&st);
    return 0;
}
