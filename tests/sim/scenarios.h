/* Named simulator scenarios. Each runs one seed and says pass or fail, with
 * figures the runner aggregates over seeds. */
#ifndef TERN_SIM_SCENARIOS_H
#define TERN_SIM_SCENARIOS_H

#include <stdbool.h>
#include <stdint.h>

#define SCEN_MAX_FIGS 6

typedef struct scen_out {
    double fig[SCEN_MAX_FIGS];
    char err[512];
    char note[256]; /* per-run detail printed with --verbose */
} scen_out;

typedef bool (*scen_fn)(uint64_t seed, bool verbose, scen_out *out);

typedef struct scenario {
    const char *name;
    scen_fn fn;
    unsigned ci_seeds;               /* seeds `make test` runs */
    const char *figs[SCEN_MAX_FIGS]; /* names of the figures, NULL-terminated */
    const char *desc;
} scenario;

extern const scenario sim_scenarios[];
const scenario *sim_scenario_find(const char *name);

#endif
