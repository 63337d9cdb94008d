#include "cc_table.h"

#include <stdio.h>
#include <stdlib.h>

#include "cc_scen.h"

int cc_table_main(uint64_t seed)
{
    static const double mbit[] = {10, 100, 1000};
    static const double rtt_ms[] = {1, 10, 50, 200};
    static const double loss[] = {0, 0.01};
    int bad = 0;
    /* TERN_CC_ROW="MBIT,RTT_MS,LOSS_PCT,FLOWS" runs one row (with
     * TERN_SIM_TRACE=1 for a trace of the controller). */
    double only[4] = {0};
    const char *row = getenv("TERN_CC_ROW");
    bool one = row && sscanf(row, "%lf,%lf,%lf,%lf", &only[0], &only[1], &only[2], &only[3]) == 4;
    printf("| bottleneck | base RTT | random loss | flows | goodput | standing queue | "
           "loss caused | Jain | buffers | target |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|\n");
    for (unsigned l = 0; l < 2; l++)
        for (unsigned b = 0; b < 3; b++)
            for (unsigned r = 0; r < 4; r++)
                for (int flows = 1; flows <= (loss[l] == 0 ? 2 : 1); flows++) {
                    if (one && (only[0] != mbit[b] || only[1] != rtt_ms[r] ||
                                only[2] != 100 * loss[l] || only[3] != flows))
                        continue;
                    cc_params p = {.seed = seed,
                                   .rate = (uint64_t)(mbit[b] * 1e6 / 8),
                                   .rtt = (int64_t)(rtt_ms[r] * 1000),
                                   .loss = loss[l],
                                   .flows = flows,
                                   .duration = 10000000};
                    cc_result res;
                    char err[256] = "";
                    int ok = cc_run(&p, &res, err, sizeof err);
                    double need = loss[l] == 0 ? 0.90 : 0.70;
                    bool pass = ok && res.goodput_total >= need &&
                                res.queue_delay <= (double)p.rtt && (flows == 1 || res.jain >= 0.9);
                    if (!pass) bad++;
                    char jain[16] = "-";
                    if (flows > 1) snprintf(jain, sizeof jain, "%.3f", res.jain);
                    printf(
                        "| %.0f Mbit/s | %.0f ms | %.0f %% | %d | %.1f %% | %.2f ms | %.3f %% | %s "
                        "| %s | %s%s%s |\n",
                        mbit[b], rtt_ms[r], 100 * loss[l], flows, 100 * res.goodput_total,
                        res.queue_delay / 1000, 100 * res.loss_caused, jain,
                        res.buffers_raised ? "2 x BDP" : "default", pass ? "met" : "MISSED",
                        ok ? "" : ": ", ok ? "" : err);
                    fflush(stdout);
                }
    printf("\n%d rows missed their target\n", bad);
    return bad ? 1 : 0;
}
