/* Fuzz tern_aead_open: arbitrary bytes opened under a fixed key (the Appendix
 * B client->server key, so the seed corpus holds real GNS-format packets) at
 * an input-chosen packet number. Whatever the input, open must fail cleanly
 * or succeed; out-of-place and in-place opens must agree; and a successful
 * open must re-seal to exactly the input.
 *
 * Input: flags (1 byte: bit 0 = NULL cipher), packet number (u64le), then
 * the ciphertext || tag. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/aead.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t c2s_key[32] = {
    0x0d, 0xb8, 0x40, 0x2f, 0x73, 0x86, 0x72, 0x90, 0xf1, 0x05, 0xb0, 0x56, 0xb9, 0x13, 0x7c, 0x67,
    0xee, 0x57, 0x3d, 0x0c, 0x4f, 0x30, 0xc1, 0x44, 0x4b, 0xf6, 0x94, 0x3f, 0x82, 0xb2, 0xe2, 0x99};
static const uint8_t c2s_iv[12] = {0x76, 0x22, 0xff, 0xb3, 0xf8, 0xc5,
                                   0xab, 0x36, 0x96, 0xf6, 0x93, 0x18};

static tern_aead client, server, plain;
static int ready;

static void setup(void)
{
    /* The keys of the other direction are irrelevant here. */
    if (tern_aead_init(&client, TERN_CIPHER_AES_256_GCM, c2s_key, c2s_iv, c2s_key, c2s_iv) !=
            TERN_OK ||
        tern_aead_init(&server, TERN_CIPHER_AES_256_GCM, c2s_key, c2s_iv, c2s_key, c2s_iv) !=
            TERN_OK ||
        tern_aead_init(&plain, TERN_CIPHER_NULL, NULL, NULL, NULL, NULL) != TERN_OK)
        abort();
    ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) setup();
    if (size < 9) return 0;
    const int null_cipher = data[0] & 1;
    const uint64_t pn = tern_load_le64(data + 1);
    const uint8_t *ct = data + 9;
    const size_t len = size - 9;
    tern_aead *rx = null_cipher ? &plain : &server;
    tern_aead *tx = null_cipher ? &plain : &client;
    const size_t overhead = tern_aead_overhead(rx);
    const size_t cap = len >= overhead ? len - overhead : 0;

    /* Exact-size heap buffers, so that ASan sees any write past the plaintext. */
    uint8_t *out = malloc(cap ? cap : 1);
    uint8_t *inplace = malloc(len ? len : 1);
    if (!out || !inplace) abort();
    memcpy(inplace, ct, len);

    ptrdiff_t a = tern_aead_open(rx, pn, ct, len, out, cap);
    ptrdiff_t b = tern_aead_open(rx, pn, inplace, len, inplace, len);
    if (a != b) abort();
    if (a >= 0) {
        if ((size_t)a != cap || memcmp(out, inplace, cap) != 0) abort();
        uint8_t *again = malloc(len ? len : 1);
        if (!again) abort();
        if (tern_aead_seal(tx, pn, out, cap, again, len) != (ptrdiff_t)len) abort();
        if (memcmp(again, ct, len) != 0) abort();
        free(again);
    } else if (a != -TERN_CRYPTO && a != -TERN_TRUNCATED) {
        abort();
    } else if (a == -TERN_TRUNCATED && len >= overhead) {
        abort();
    } else {
        /* Nothing unauthenticated may be left in the output. */
        for (size_t i = 0; i < cap; i++)
            if (out[i]) abort();
    }
    free(inplace);
    free(out);
    return 0;
}
