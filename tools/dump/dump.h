/* tern-dump: print GNS/tern datagrams readably (docs/wire-dump.md).
 *
 * Every byte is decoded by the library's own total decoders (src/wire/,
 * src/crypto/); this tool only keeps the state a reader needs across
 * datagrams (who is client and server, the negotiated cipher, packet
 * numbers, per-lane message numbers and reliable streams) and prints. It is
 * a development tool, so it uses the internal headers. */
#ifndef TERN_TOOLS_DUMP_H
#define TERN_TOOLS_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <protobuf-c/protobuf-c.h>

#include "crypto/aead.h"
#include "tern/tern.h"
#include "util/arena.h"

#define DUMP_DGRAM_MAX   65535     /* the largest UDP payload */
#define DUMP_LANES       256       /* lane indices 0..255 (WIRE.md §6.8) */
#define DUMP_ARENA       (1 << 20) /* protobuf arena per datagram */
#define DUMP_LANE_WINDOW (1 << 20) /* reliable stream bytes kept per lane */
#define DUMP_BRIEF_MAX   2048      /* one summary line */
#define DUMP_PREVIEW_MAX 40        /* payload characters shown */

enum dump_dir { DUMP_DIR_UNKNOWN = 0, DUMP_DIR_C2S = 1, DUMP_DIR_S2C = 2 };

/* One datagram as read from the input. */
typedef struct dump_dgram {
    double time; /* seconds, from the capture; < 0 when not given */
    int dir;     /* enum dump_dir */
    size_t len;
    uint8_t bytes[DUMP_DGRAM_MAX];
} dump_dgram;

typedef struct dump_opts {
    bool brief;                   /* one line per datagram */
    bool hex;                     /* also print the bytes */
    bool null_cipher;             /* payloads are plaintext even without a handshake */
    int default_dir;              /* for datagrams whose direction is not known */
    unsigned long sel_lo, sel_hi; /* print only datagrams lo..hi (1-based); 0 = all */
    bool have_key[3];             /* indexed by enum dump_dir */
    uint8_t key[3][TERN_AEAD_KEY_LEN];
    uint8_t iv[3][TERN_AEAD_IV_LEN];
} dump_opts;

/* A lane's receive state in one direction, as a receiver keeps it. */
typedef struct dump_lane {
    int64_t highest_msgnum; /* H of WIRE.md §6.4 */
    int64_t rel_msgnum;     /* number of the last reliable message parsed */
    int64_t recv_end;       /* E of §6.5: one past the highest stream byte seen */
    int64_t consumed;       /* stream position of the next message header */
    uint8_t *buf;           /* stream bytes; buf[head] is position |consumed| */
    uint8_t *have;          /* one flag per byte of |buf| */
    size_t cap;
    size_t head;   /* index in |buf| of position |consumed| */
    size_t filled; /* one past the highest index written */
    size_t contig; /* bytes present from |head| on without a gap */
    bool broken;   /* parsing stopped (reason printed once) */
} dump_lane;

/* What one direction of the connection has shown so far. */
typedef struct dump_side {
    tern_aead aead;
    bool have_aead;
    int64_t max_pktnum; /* highest data packet number seen (starts at 1, §5.3) */
    dump_lane *lanes[DUMP_LANES];
} dump_side;

typedef struct dump_state {
    dump_opts opt;
    FILE *out;
    unsigned long index; /* 1-based number of the current datagram */
    bool show;           /* print details of the current datagram */
    char brief[DUMP_BRIEF_MAX];
    size_t brief_len;

    uint32_t client_id, server_id; /* 0 until the handshake shows them */
    uint32_t cipher;               /* from the server's ConnectOK; 0 = unknown */
    dump_side side[3];             /* indexed by enum dump_dir */
    unsigned errors;               /* datagrams that did not decode */

    tern_arena arena;
    uint8_t *arena_buf;
    uint8_t plain[DUMP_DGRAM_MAX];
} dump_state;

/* --- dump.c: the driver ----------------------------------------------------- */

/* Set up |st| with |opt| (copied), printing to |out|. TERN_OK; TERN_NOMEM;
 * TERN_CRYPTO when a key cannot be loaded. */
tern_result dump_init(dump_state *st, const dump_opts *opt, FILE *out);
void dump_free(dump_state *st);

/* Decode and print one datagram (borrowed). Counts it in st->errors when
 * any part of it does not decode. */
void dump_datagram(dump_state *st, const dump_dgram *d);

/* Printing: a detail line at |indent| levels (only when st->show and not
 * brief), and a token for the one-line summary (brief mode only). */
void dump_line(dump_state *st, int indent, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void dump_note(dump_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool dump_detail(const dump_state *st);

/* Text helpers writing into |buf| (|cb| bytes, always NUL-terminated). */
/* "N bytes 0011…eeff" style; short values in full. */
void dump_hex_abbrev(const uint8_t *p, size_t len, char *buf, size_t cb);
/* A quoted printable preview of at most |max| characters (then "..."), or an
 * abbreviated hex form for binary data. */
void dump_preview_n(const uint8_t *p, size_t len, size_t max, char *buf, size_t cb);
/* dump_preview_n with DUMP_PREVIEW_MAX, for message payloads. */
void dump_preview(const uint8_t *p, size_t len, char *buf, size_t cb);
/* "TERN_MALFORMED (malformed input)". */
const char *dump_result_name(tern_result r);
/* ESteamNetConnectionEnd name for a reason code (WIRE.md §8.1). */
const char *dump_reason_name(uint32_t code);
const char *dump_dir_name(int dir);
/* "s" unless |n| is 1, for "%zu byte%s". */
static inline const char *dump_s(uint64_t n)
{
    return n == 1 ? "" : "s";
}

/* --- show_hs.c: the six handshake/close kinds ---------------------------- */

/* Each returns TERN_OK or the decode error (already printed). */
tern_result dump_handshake(dump_state *st, const dump_dgram *d);

/* --- show_data.c: data packets ---------------------------------------------- */

tern_result dump_data(dump_state *st, const dump_dgram *d, int dir);

/* --- show_snp.c: SNP frames and reliable message framing ----------------- */

/* Print the frames of one plaintext payload sent in direction |dir| as
 * packet |pktnum| (0 when not known). TERN_OK or the decode error. */
tern_result dump_snp(dump_state *st, int dir, int64_t pktnum, const uint8_t *p, size_t len);
void dump_lanes_free(dump_side *s);

/* --- show_pb.c: protobuf messages field by field -------------------------- */

void dump_pb(dump_state *st, const ProtobufCMessage *m, int indent);

#endif
