/* Reading datagrams: hex text and the capture format (docs/wire-dump.md).
 *
 * A capture is text, one datagram per line:
 *
 *     [SECONDS] [C->S|S->C] HEX
 *
 * SECONDS is a decimal number with a '.', HEX the whole UDP payload (spaces
 * between digits allowed). Blank lines and lines starting with '#' are
 * skipped. */
#ifndef TERN_TOOLS_DUMP_INPUT_H
#define TERN_TOOLS_DUMP_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dump.h"

/* Decode the hex digits of |s| (borrowed, NUL-terminated; whitespace between
 * digits is skipped) into |out| (|cap| bytes). Returns true with *len set, or
 * false with a reason in |err| (|errcap| bytes): a character that is not a
 * hex digit, an odd number of digits, or more than |cap| bytes. */
bool dump_hex_parse(const char *s, uint8_t *out, size_t cap, size_t *len, char *err, size_t errcap);

/* True when |s| is non-empty and holds only hex digits and whitespace. */
bool dump_looks_hex(const char *s);

/* Parse one capture line (|line| borrowed, NUL-terminated, newline allowed).
 * Returns 1 with |out| filled, 0 for a blank or comment line, -1 with a
 * reason in |err|. */
int dump_capture_line(const char *line, dump_dgram *out, char *err, size_t errcap);

/* Parse a direction word: "C->S", "c2s" (and "S->C", "s2c"), any case.
 * Returns the enum dump_dir, or DUMP_DIR_UNKNOWN. */
int dump_parse_dir(const char *s);

#endif
