/* tern-sim: run named simulator scenarios over many seeds.
 *
 *   tern-sim --scenario NAME|all|ci [--seeds N] [--seed S] [--verbose]
 *   tern-sim --list
 *   tern-sim --scenario cc_table     (the congestion-control table)
 *
 * One line per scenario with its figures (mean, min..max over seeds), then
 * "N passed, M failed". A failure prints the command that replays it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_table.h"
#include "scenarios.h"

static int run_one(const scenario *sc, uint64_t first, unsigned n, bool verbose, unsigned *pass,
                   unsigned *fail)
{
    double sum[SCEN_MAX_FIGS] = {0}, mn[SCEN_MAX_FIGS], mx[SCEN_MAX_FIGS];
    for (int i = 0; i < SCEN_MAX_FIGS; i++) {
        mn[i] = 1e300;
        mx[i] = -1e300;
    }
    unsigned ok = 0, bad = 0;
    for (unsigned k = 0; k < n; k++) {
        uint64_t seed = first + k;
        scen_out o;
        memset(&o, 0, sizeof o);
        bool r = sc->fn(seed, verbose, &o);
        if (r) {
            ok++;
        } else {
            bad++;
            printf(
                "FAIL %s seed %llu: %s\n  replay: tern-sim --scenario %s --seed %llu --verbose\n",
                sc->name, (unsigned long long)seed, o.err, sc->name, (unsigned long long)seed);
        }
        if (verbose)
            printf("  %s seed %llu: %s %s\n", sc->name, (unsigned long long)seed,
                   r ? "ok" : "FAILED", o.note);
        for (int i = 0; i < SCEN_MAX_FIGS && sc->figs[i]; i++) {
            sum[i] += o.fig[i];
            if (o.fig[i] < mn[i]) mn[i] = o.fig[i];
            if (o.fig[i] > mx[i]) mx[i] = o.fig[i];
        }
        fflush(stdout);
    }
    printf("%-14s %5u seeds %5u ok %3u failed", sc->name, n, ok, bad);
    for (int i = 0; i < SCEN_MAX_FIGS && sc->figs[i]; i++)
        printf(" | %s %.1f (%.1f..%.1f)", sc->figs[i], n ? sum[i] / n : 0, mn[i], mx[i]);
    printf("\n");
    *pass += ok;
    *fail += bad;
    return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *name = NULL;
    long long seeds = -1;
    long long seed = -1;
    bool verbose = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--scenario") && i + 1 < argc)
            name = argv[++i];
        else if (!strcmp(argv[i], "--seeds") && i + 1 < argc)
            seeds = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--verbose"))
            verbose = true;
        else if (!strcmp(argv[i], "--list")) {
            for (const scenario *s = sim_scenarios; s->name; s++)
                printf("%-14s %s (CI: %u seeds)\n", s->name, s->desc, s->ci_seeds);
            printf("%-14s %s\n", "cc_table",
                   "the congestion-control table of docs/congestion-control.md");
            return 0;
        } else {
            fprintf(stderr, "usage: tern-sim --scenario NAME|all|ci [--seeds N] [--seed S] "
                            "[--verbose] | --list\n");
            return 2;
        }
    }
    if (!name) name = "ci";
    if (!strcmp(name, "cc_table")) return cc_table_main(seed >= 0 ? (uint64_t)seed : 1);
    unsigned pass = 0, fail = 0;
    bool all = !strcmp(name, "all") || !strcmp(name, "ci");
    bool found = false;
    for (const scenario *s = sim_scenarios; s->name; s++) {
        if (!all && strcmp(s->name, name)) continue;
        found = true;
        unsigned n = seeds > 0 ? (unsigned)seeds : seed >= 0 ? 1 : s->ci_seeds;
        uint64_t first = seed >= 0 ? (uint64_t)seed : 1;
        run_one(s, first, n, verbose, &pass, &fail);
    }
    if (!found) {
        fprintf(stderr, "no scenario named %s (try --list)\n", name);
        return 2;
    }
    printf("%u passed, %u failed\n", pass, fail);
    return fail ? 1 : 0;
}
