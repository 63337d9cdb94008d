/* tern-bench crypto: what one side of a handshake costs in crypto alone. */
#ifndef TERN_BENCH_CRYPTO_COST_H
#define TERN_BENCH_CRYPTO_COST_H
int crypto_cost_main(int argc, char **argv);
#endif
