/* helpers.h — shared by the mapping tests: small targets and random networks. */
#ifndef ASTROC_TEST_MAPPING_HELPERS_H
#define ASTROC_TEST_MAPPING_HELPERS_H

#include "mapping.h"

/* A loihi1-like target with the given limits on an nx x ny single-chip mesh. */
map_target test_small_target(uint32_t nx, uint32_t ny);
/* Runs the mapping pipeline on m with t; diagnostics to `out` (may be NULL). */
bool test_map(ir_module *m, const map_target *t, uint64_t seed, FILE *out);
/* Loads a built-in target or fails the test. */
map_target test_builtin(const char *name);

#endif
