/* t_compare.h — a module run on the interp engine and on an engine under test (rtl, serial, ...) with
 * the same forced spikes, requiring identical rasters and identical final state; a difference fails the
 * test naming the seed and the first spike or state element that differs. */
#ifndef ASTROC_T_COMPARE_H
#define ASTROC_T_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "astroc_rt.h"

typedef struct t_compare_opts {
  const char *engine; /* the engine under test, against "interp" */
  bool inject_inputs; /* half way, also force a spike of every input (not only of every population) */
  /* Also astrocytes (a, or ca and g for tripartite) and projections (w; x_pre and x_post of plastic
   * ones; a static projection whose weights move fails). Without it: populations only. */
  bool all_state;
  void (*inspect)(rt_sim *tested, void *ctx); /* called with the tested simulation after the runs (NULL: not) */
  void *ctx;
} t_compare_opts;

typedef struct t_diff {
  size_t spikes;      /* in the (identical) rasters */
  uint64_t w_changed; /* all_state: plastic weights that left their initial value */
  uint64_t g_nonzero; /* all_state: tripartite elements whose g is not 0 at the end */
} t_diff;

/* Runs m for `steps` steps on both engines; at steps / 2 forces a spike of neuron (seed + p) % size of
 * every population p (and seed % size of every input with inject_inputs). Compares the rasters and the
 * final v, u (not of nalsm_lif), ref, a (amsu) of every population, then what all_state adds. */
t_diff t_compare(const ir_module *m, uint64_t steps, uint64_t seed, const t_compare_opts *o);

#endif
