/* lh_internal.h — the compile context shared by the partitioner (lh_compile.c) and the table
 * builder (lh_tables.c). Not part of the backend's public interface. */
#ifndef ASTROC_LH_INTERNAL_H
#define ASTROC_LH_INTERNAL_H

#include "fixed.h"
#include "lh.h"

typedef struct lh_proj_info {
  int32_t wexp;
  uint32_t delay_bits, tag_bits, bits; /* bits per synapse in the format */
  int32_t rule;                        /* -1 when not plastic */
  int32_t kernel;                      /* into a nalsm_lif population: its kernel (c->kernels), else -1 */
  int8_t *mant;                        /* per synapse: weight mantissa */
  uint8_t *frac;                       /* per synapse: weight-word fraction (the tag of plastic ones) */
} lh_proj_info;

typedef struct lh_ctx {
  const ir_module *m;
  const lh_target *t;
  ir_diag *d;
  lh_config *c;
  lh_proj_info *pi;       /* per projection */
  ir_fx_lif **prm;        /* per lif population, per neuron (NULL for nalsm_lif) */
  ir_fx_nalsm_lif **nprm; /* per nalsm_lif population, per neuron (NULL for lif) */
  int32_t *pop_kernel;    /* per population: its kernel table (nalsm_lif), else -1 */
  uint32_t **core_of;     /* per population, per neuron: core */
  uint32_t **cx_of;       /* per population, per neuron: compartment within the core */
  /* incoming synapses of every neuron, per population: in_ptr[pop][j..j+1) into in_proj/in_syn */
  uint32_t cx_cap;         /* compartments per core in this attempt (<= the limit) */
  uint32_t axout_core, axout_used; /* set by lh_build_tables when a core has too many output axons */
  bool axout_over;
  uint64_t **in_ptr;
  uint32_t **in_proj;
  uint64_t **in_syn;
} lh_ctx;

/* lh_compile.c: the compartment profile and threshold-profile value of neuron j of population p. */
lh_cx_profile lh_neuron_profile(const lh_ctx *x, uint32_t p, uint32_t j);
int32_t lh_neuron_vth(const lh_ctx *x, uint32_t p, uint32_t j);
/* Whether projections pa and pb may share a synapse format in a core: the same projection, or equal
 * fields and no kernel (each kernel projection is rounded on its own, docs/numerics.md "Kernel
 * delivery", so it needs its own accumulator: its own format). */
bool lh_same_format(const lh_ctx *x, uint32_t pa, uint32_t pb);

/* lh_tables.c: fills c->cores (given core_of/cx_of and c->ncores), inputs' and compartments'
 * output axons, rules and astrocytes. false after reporting. */
bool lh_build_tables(lh_ctx *x);
/* Frees the tables lh_build_tables made (cores, inputs, pops, rules, astrocytes) and zeroes counts. */
void lh_tables_reset(lh_config *c);
/* Spike file of an input as sorted, de-duplicated events. false after reporting. */
bool lh_load_events(const ir_input *in, lh_input *out, ir_diag *d);

#endif
