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

/* Every neuron of every population is in exactly one piece (counted over all pieces); returns the
 * piece of each neuron (malloc'd per population, free with test_free_pof). */
uint32_t **test_check_each_neuron_once(const ir_module *m, const map_plan *pl);
void test_free_pof(const ir_module *m, uint32_t **pof);
/* Every spike route reaches all its targets: for each population piece, the destinations of its
 * route.table entry are walked hop by hop (XY) over loaded links, and the set of cores reached
 * equals the set of cores hosting a postsynaptic neuron (or a listening astrocyte) of a neuron of
 * the piece, computed from the CSR. */
void test_check_routes(const ir_module *m, const map_target *t, const map_plan *pl, uint32_t **pof);

#endif
