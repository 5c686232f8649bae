/* astroc_rt.h — libastroc-rt: run an expanded network (from a model or an image) on an engine.
 *
 * The public C API of the runtime. Engines (interp today; jit, rtl, loihi later) plug in behind
 * it. A simulation borrows its module: the ir_module must outlive the rt_sim.
 */
#ifndef ASTROC_RT_H
#define ASTROC_RT_H

#include "ir.h"

typedef struct rt_sim rt_sim;

typedef struct rt_options {
  const char *engine;   /* "interp" (default when NULL) */
  int numerics;         /* -1: the module's; else an ir_numerics value */
  bool seed_set;        /* override the module's seed with `seed` */
  uint64_t seed;
  unsigned threads;     /* 0: engine default */
  const char *data_dir; /* where datasets live; NULL: default search (docs/datasets.md) */
} rt_options;

/* Creates a simulation of an expanded module (layout and expand passes done). Returns NULL after
 * reporting through d when the module cannot run: a model unsupported in this numerics mode, a
 * missing spike or dataset file, an unknown engine, out of memory. */
rt_sim *rt_sim_create(const ir_module *m, const rt_options *opt, ir_diag *d);
void rt_sim_destroy(rt_sim *s);

/* Called once per step for each population and input that spiked in that step, in model order
 * (populations, then inputs), with neuron indices ascending. `idx` is valid during the call only. */
typedef void (*rt_spike_fn)(void *ctx, uint64_t step, ir_ref source, const uint32_t *idx, uint32_t n);
void rt_sim_on_spikes(rt_sim *s, rt_spike_fn fn, void *ctx);
/* Called after every completed step (for probes and progress). */
typedef void (*rt_step_fn)(void *ctx, rt_sim *s, uint64_t step);
void rt_sim_on_step(rt_sim *s, rt_step_fn fn, void *ctx);

/* Advances nsteps steps. false on a runtime error (reported through d). */
bool rt_sim_run(rt_sim *s, uint64_t nsteps, ir_diag *d);
/* Steps completed so far. */
uint64_t rt_sim_steps(const rt_sim *s);

/* Makes neuron `idx` of population or input `source` spike at the current step (the next step to run)
 * in addition to its own dynamics. false if out of range. */
bool rt_sim_inject(rt_sim *s, ir_ref source, uint32_t idx);

/* State variables of a node ("v", "u", "a", "ca", "w", ... see docs/numerics.md): their names, the
 * number of elements, and the current values (in fixed mode the integers, exactly, as doubles; in
 * float mode canonical units). false when the node has no such variable. */
const char *const *rt_state_vars(const rt_sim *s, ir_ref node, size_t *n);
bool rt_sim_state_size(const rt_sim *s, ir_ref node, const char *var, uint64_t *n);
bool rt_sim_read_state(const rt_sim *s, ir_ref node, const char *var, double *out);

/* Checkpoint: everything needed for a restored simulation to continue with an identical raster.
 * restore requires a sim created from the same module and options; mismatches are reported. */
bool rt_sim_save(const rt_sim *s, FILE *f, ir_diag *d);
bool rt_sim_restore(rt_sim *s, FILE *f, ir_diag *d);

/* Code generation report of a `jit` simulation (false for other engines). */
typedef struct rt_jit_info {
  double compile_ms;    /* LLVM code generation, optimisation and native compilation */
  unsigned threads;
  unsigned nfunctions;  /* generated functions */
  const char *cpu;      /* host CPU targeted, static storage */
} rt_jit_info;
bool rt_jit_info_get(const rt_sim *s, rt_jit_info *out);

/* The numerics mode actually in use. */
ir_numerics rt_sim_numerics(const rt_sim *s);

/* Experiment control (runtime/control.c, docs/experiments.md): multiplies the learning rates a_plus and
 * a_minus of every plastic projection by `gain` (>= 0) relative to the model's parameters; gain 1 restores
 * them, 0 freezes the weights. false when the engine is not interp or gain is negative or not finite. */
bool rt_sim_set_plasticity_gain(rt_sim *s, double gain);

#endif
