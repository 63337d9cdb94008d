#ifndef TERN_SIM_CC_TABLE_H
#define TERN_SIM_CC_TABLE_H
#include <stdint.h>
/* Print the congestion-control table (markdown) for docs/congestion-control.md;
 * returns 0 when every row meets its target. */
int cc_table_main(uint64_t seed);
#endif
