/* tern-dump: print GNS/tern UDP datagrams readably. See docs/wire-dump.md.
 *
 * Exit status: 0 when every datagram decoded, 1 when some did not (each
 * error is printed where it happened), 2 for bad arguments or input. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dump.h"
#include "input.h"

#define LINE_MAX_CHARS (4 * DUMP_DGRAM_MAX)

static const char usage[] =
    "usage: tern-dump [options] INPUT...\n"
    "  INPUT          a capture file (text: one '[SECONDS] [C->S|S->C] HEX' line per\n"
    "                 datagram), a raw datagram file (*.bin, or any file with --raw),\n"
    "                 '-' for a capture on stdin, or a datagram in hex\n"
    "  -x HEX         a datagram in hex (same as giving HEX as an INPUT)\n"
    "  --raw          read files as one raw datagram each\n"
    "  --dir c2s|s2c  direction of datagrams whose direction is not known\n"
    "  --keys C2S_KEY:C2S_IV:S2C_KEY:S2C_IV\n"
    "                 session keys (hex) to open AES-GCM data packets\n"
    "  --c2s KEY:IV, --s2c KEY:IV   the same, one direction at a time\n"
    "  --null         data payloads are plaintext (the NULL cipher)\n"
    "  --brief        one line per datagram\n"
    "  --hex          also print the bytes of each datagram\n"
    "  --select N[-M] print only datagrams N..M (all are still decoded, in order)\n"
    "  -h, --help     this text\n";

enum { OPT_RAW = 256, OPT_DIR, OPT_KEYS, OPT_C2S, OPT_S2C, OPT_NULL, OPT_BRIEF, OPT_HEX, OPT_SEL };

static bool parse_key_iv(const char *s, dump_opts *o, int dir)
{
    char buf[256], err[128];
    snprintf(buf, sizeof buf, "%s", s);
    char *colon = strchr(buf, ':');
    if (!colon) return false;
    *colon = 0;
    size_t n;
    if (!dump_hex_parse(buf, o->key[dir], TERN_AEAD_KEY_LEN, &n, err, sizeof err) ||
        n != TERN_AEAD_KEY_LEN)
        return false;
    if (!dump_hex_parse(colon + 1, o->iv[dir], TERN_AEAD_IV_LEN, &n, err, sizeof err) ||
        n != TERN_AEAD_IV_LEN)
        return false;
    o->have_key[dir] = true;
    return true;
}

static bool parse_keys(const char *s, dump_opts *o)
{
    /* KEY:IV:KEY:IV -> split after the second colon. */
    const char *c1 = strchr(s, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2) return false;
    char first[256];
    size_t n = (size_t)(c2 - s);
    if (n >= sizeof first) return false;
    memcpy(first, s, n);
    first[n] = 0;
    return parse_key_iv(first, o, DUMP_DIR_C2S) && parse_key_iv(c2 + 1, o, DUMP_DIR_S2C);
}

static bool parse_select(const char *s, dump_opts *o)
{
    char *e;
    unsigned long lo = strtoul(s, &e, 10);
    unsigned long hi = lo;
    if (*e == '-') hi = strtoul(e + 1, &e, 10);
    if (*e || lo == 0 || hi < lo) return false;
    o->sel_lo = lo;
    o->sel_hi = hi;
    return true;
}

/* Feed every line of a capture; returns false on a bad line (reported). */
static bool read_capture(dump_state *st, FILE *f, const char *name, dump_dgram *d)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long lineno = 0;
    bool ok = true;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        char err[160];
        int r;
        if ((size_t)n > LINE_MAX_CHARS) {
            snprintf(err, sizeof err, "line longer than %d characters", LINE_MAX_CHARS);
            r = -1;
        } else {
            r = dump_capture_line(line, d, err, sizeof err);
        }
        if (r < 0) {
            fprintf(stderr, "tern-dump: %s:%lu: %s\n", name, lineno, err);
            ok = false;
            break;
        }
        if (r > 0) dump_datagram(st, d);
    }
    free(line);
    return ok;
}

static bool read_raw(dump_state *st, FILE *f, dump_dgram *d)
{
    d->time = -1;
    d->dir = DUMP_DIR_UNKNOWN;
    d->len = fread(d->bytes, 1, sizeof d->bytes, f);
    if (ferror(f)) return false;
    if (fgetc(f) != EOF) {
        fprintf(stderr, "tern-dump: a raw file holds one datagram of at most %d bytes\n",
                DUMP_DGRAM_MAX);
        return false;
    }
    dump_datagram(st, d);
    return true;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && !strcmp(s + a - b, tail);
}

static bool one_hex(dump_state *st, const char *hex, dump_dgram *d)
{
    char err[160];
    d->time = -1;
    d->dir = DUMP_DIR_UNKNOWN;
    if (!dump_hex_parse(hex, d->bytes, sizeof d->bytes, &d->len, err, sizeof err)) {
        fprintf(stderr, "tern-dump: bad hex datagram: %s\n", err);
        return false;
    }
    dump_datagram(st, d);
    return true;
}

static bool one_input(dump_state *st, const char *arg, bool raw, dump_dgram *d)
{
    if (!strcmp(arg, "-")) return read_capture(st, stdin, "stdin", d);
    struct stat sb;
    if (stat(arg, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
        FILE *f = fopen(arg, raw || ends_with(arg, ".bin") ? "rb" : "r");
        if (!f) {
            fprintf(stderr, "tern-dump: %s: %s\n", arg, strerror(errno));
            return false;
        }
        bool ok = raw || ends_with(arg, ".bin") ? read_raw(st, f, d) : read_capture(st, f, arg, d);
        fclose(f);
        return ok;
    }
    if (dump_looks_hex(arg)) return one_hex(st, arg, d);
    fprintf(stderr, "tern-dump: %s: no such file, and not a hex datagram\n", arg);
    return false;
}

static const char *opt_name(const struct option *o, int c)
{
    for (; o->name; o++)
        if (o->val == c) return o->name;
    return "?";
}

/* Parse the options into |opt|, collecting INPUTs (and -x values, marked in
 * |is_hex|) in order. Returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv, dump_opts *opt, bool *raw, const char **inputs,
                      bool *is_hex, int *ninputs)
{
    static const struct option longopts[] = {{"raw", no_argument, NULL, OPT_RAW},
                                             {"dir", required_argument, NULL, OPT_DIR},
                                             {"keys", required_argument, NULL, OPT_KEYS},
                                             {"c2s", required_argument, NULL, OPT_C2S},
                                             {"s2c", required_argument, NULL, OPT_S2C},
                                             {"null", no_argument, NULL, OPT_NULL},
                                             {"brief", no_argument, NULL, OPT_BRIEF},
                                             {"hex", no_argument, NULL, OPT_HEX},
                                             {"select", required_argument, NULL, OPT_SEL},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "-x:h", longopts, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 1:
            inputs[(*ninputs)++] = optarg;
            break;
        case 'x':
            is_hex[*ninputs] = true;
            inputs[(*ninputs)++] = optarg;
            break;
        case OPT_RAW:
            *raw = true;
            break;
        case OPT_DIR:
            opt->default_dir = dump_parse_dir(optarg);
            ok = opt->default_dir != DUMP_DIR_UNKNOWN;
            break;
        case OPT_KEYS:
            ok = parse_keys(optarg, opt);
            break;
        case OPT_C2S:
            ok = parse_key_iv(optarg, opt, DUMP_DIR_C2S);
            break;
        case OPT_S2C:
            ok = parse_key_iv(optarg, opt, DUMP_DIR_S2C);
            break;
        case OPT_NULL:
            opt->null_cipher = true;
            break;
        case OPT_BRIEF:
            opt->brief = true;
            break;
        case OPT_HEX:
            opt->hex = true;
            break;
        case OPT_SEL:
            ok = parse_select(optarg, opt);
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            ok = false;
            break;
        }
        if (!ok) {
            if (c != '?')
                fprintf(stderr, "tern-dump: bad value for --%s: %s\n", opt_name(longopts, c),
                        optarg);
            fputs(usage, stderr);
            return 2;
        }
    }
    if (!*ninputs) {
        fputs(usage, stderr);
        return 2;
    }
    return -1;
}

int main(int argc, char **argv)
{
    dump_opts opt;
    memset(&opt, 0, sizeof opt);
    bool raw = false;
    int ninputs = 0, status = 2;
    const char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    bool *is_hex = calloc((size_t)argc + 1, sizeof *is_hex);
    dump_state *st = malloc(sizeof *st);
    dump_dgram *d = malloc(sizeof *d);
    if (!inputs || !is_hex || !st || !d) goto out;
    status = parse_args(argc, argv, &opt, &raw, inputs, is_hex, &ninputs);
    if (status >= 0) goto out;
    status = 2;
    tern_result r = dump_init(st, &opt, stdout);
    if (r != TERN_OK) {
        fprintf(stderr, "tern-dump: cannot load the keys: %s\n", dump_result_name(r));
        goto out;
    }
    bool ok = true;
    for (int i = 0; i < ninputs && ok; i++)
        ok = is_hex[i] ? one_hex(st, inputs[i], d) : one_input(st, inputs[i], raw, d);
    if (st->errors)
        printf("%u of %lu datagram%s did not decode\n", st->errors, st->index, dump_s(st->index));
    status = !ok ? 2 : st->errors ? 1 : 0;
    dump_free(st);
out:
    free(st);
    free(d);
    free(inputs);
    free(is_hex);
    return status;
}
