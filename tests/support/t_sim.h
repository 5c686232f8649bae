/* t_sim.h — running a module in a test: a raster recorded from the spike callback, and creating and
 * stepping a simulation in fixed numerics where any diagnostic fails the test. */
#ifndef ASTROC_T_SIM_H
#define ASTROC_T_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "astroc_rt.h"

/* The spikes of a run in callback order; each event is step << 32 | kind << 28 | node << 20 | neuron,
 * so that two rasters compare as integer arrays. Zero-initialise; free(r.e) when done. */
typedef struct t_raster {
  uint64_t *e;
  size_t n, cap;
} t_raster;

/* An rt_spike_fn: appends to the t_raster `ctx`. */
void t_on_spikes(void *ctx, uint64_t step, ir_ref src, const uint32_t *idx, uint32_t n);

/* rt_sim_create on `engine` in fixed numerics; fails the test (diagnostics on stderr) if it cannot. */
rt_sim *t_create(const ir_module *m, const char *engine);
/* n steps; fails the test on an error. */
void t_run(rt_sim *s, uint64_t n);
/* rt_sim_create on `engine` with numerics `num` must fail with a diagnostic containing `what`. */
void t_expect_create_error(const ir_module *m, const char *engine, ir_numerics num, const char *what);

/* Whether this run starts every register and memory bit of a Verilated model at random: Verilator's
 * plusarg +verilator+rand+reset+2 among argv, or ASTROC_RTL_RAND_RESET set and not "0"; *seed is that
 * variable's value (strtoull, base 0) or 1. */
bool t_rand_reset(int argc, char **argv, uint64_t *seed);

#endif
