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
  int32_t modulated;                   /* its own index when a tripartite astrocyte scales its efficacy, else -1 */
  int8_t *mant;                        /* per synapse: weight mantissa */
  uint8_t *frac;                       /* per synapse: weight-word fraction (the tag of plastic ones) */
} lh_proj_info;

/* The integers of one amsu unit, derived as runtime/neuron_amsu.c derives them (docs/numerics.md, "amsu";
 * lh_amsu.c); the conformance tests prove the two derivations agree. */
typedef struct lh_fx_amsu {
  int32_t du, dv, refractory;
  int32_t vth, tgain, acur, v_init; /* fine units */
  int32_t fa, a_spike, a_pre, gain; /* Q16 */
} lh_fx_amsu;
/* From the unit's parameters (indexed by IR_P_AMSU_*, canonical units). false with *why on a value the
 * fixed numerics cannot hold (the interpreter's messages). */
bool lh_amsu_derive(const double *q, double dt, double v_unit, lh_fx_amsu *out, const char **why);
/* The profiles of the unit's soma (AMSU) and astrocyte (ASTRO) compartments. */
lh_cx_profile lh_amsu_soma_profile(const lh_fx_amsu *q);
lh_cx_profile lh_amsu_astro_profile(const lh_fx_amsu *q);

typedef struct lh_ctx {
  const ir_module *m;
  const lh_target *t;
  ir_diag *d;
  lh_config *c;
  lh_proj_info *pi;       /* per projection */
  ir_fx_lif **prm;        /* per lif population, per neuron (NULL for nalsm_lif) */
  ir_fx_nalsm_lif **nprm; /* per nalsm_lif population, per neuron (NULL for lif) */
  lh_fx_amsu **aprm;      /* per amsu population, per neuron (NULL otherwise) */
  int32_t *pop_kernel;    /* per population: its kernel table (nalsm_lif), else -1 */
  uint32_t **core_of;     /* per population, per neuron: core */
  uint32_t **cx_of;       /* per population, per neuron: compartment within the core */
  /* incoming synapses of every neuron, per population: in_ptr[pop][j..j+1) into in_proj/in_syn */
  uint32_t *mesh_id;       /* per core: its mesh core (lh_assign_mapped), or NULL: core k is mesh core k */
  uint32_t cx_cap;         /* compartments per core in this attempt (<= the limit) */
  uint32_t axout_core, axout_used; /* set by lh_build_tables when a core has too many output axons */
  bool axout_over;
  uint64_t **in_ptr;
  uint32_t **in_proj;
  uint64_t **in_syn;
} lh_ctx;

/* A core being filled (lh_compile.c): the exact per-core usage of the neurons added so far, with the
 * profiles, formats and (projection, pre) input axons it holds. */
typedef struct lh_fill {
  uint32_t use[LH_RES_COUNT];
  lh_cx_profile cxp[LH_PROFILES_CAP + 1];
  int32_t vthp[LH_PROFILES_CAP + 1];
  int32_t *fmt_of; /* per projection: format slot in this core, -1 */
  uint32_t **cnt;  /* per projection, per presynaptic neuron: synapses into this core */
  uint32_t *tp;    /* touched (projection, pre) pairs: the core's input axons */
  uint32_t *ti;
  uint32_t *tfmt;  /* projections whose format this core holds, in order */
  uint64_t ntouch, captouch;
} lh_fill;
bool lh_fill_init(lh_fill *f, const ir_module *m); /* false on allocation failure (then lh_fill_free) */
void lh_fill_free(lh_fill *f, const ir_module *m);
void lh_fill_next_core(lh_fill *f, const ir_module *m); /* empties the core */
/* Adds neuron j of population p to the core; false with the core unchanged when a limit would be
 * exceeded (*which says which), or with *oom set on allocation failure. */
bool lh_fill_add(lh_ctx *x, lh_fill *f, uint32_t p, uint32_t j, lh_resource *which, bool *oom);
/* The error of a neuron that does not fit even an empty core. */
void lh_fill_report_alone(lh_ctx *x, uint32_t core, uint32_t p, uint32_t j, lh_resource r);

/* lh_assign.c: core assignment by the mapping passes (quantise, partition, place; docs/mapping.md):
 * each placed piece fills its mesh core in the pieces' neuron order, checked with the exact per-core
 * usage; a neuron the exact usage refuses opens a spill core on the first free mesh core. Sets
 * core_of, cx_of, mesh_id, c->ncores, c->nchips. place_iterations: the annealing budget (0: default). false without a diagnostic when the passes fail or
 * the mesh has no free core (the caller falls back to the sequential fill); *oom on allocation failure. */
bool lh_assign_mapped(lh_ctx *x, uint64_t place_iterations, bool *oom);

/* lh_compile.c: the compartment profile and threshold-profile value of neuron j of population p (amsu:
 * of its soma). */
lh_cx_profile lh_neuron_profile(const lh_ctx *x, uint32_t p, uint32_t j);
/* Compartments per neuron of population p: 2 for amsu (soma, astrocyte), else 1. */
uint32_t lh_pop_ncx(const lh_ctx *x, uint32_t p);
int32_t lh_neuron_vth(const lh_ctx *x, uint32_t p, uint32_t j);
/* Whether projections pa and pb may share a synapse format in a core: the same projection, or equal
 * fields and no kernel (each kernel projection is rounded on its own, docs/numerics.md "Kernel
 * delivery", so it needs its own accumulator: its own format). */
bool lh_same_format(const lh_ctx *x, uint32_t pa, uint32_t pb);

/* lh_tri.c: the tables of tripartite astrocyte k (elements' integers, listened sources, modulated
 * projections, current targets). false after reporting. */
bool lh_build_tripartite(lh_ctx *x, uint32_t k, lh_astro *h);

/* lh_tables.c: fills c->cores (given core_of/cx_of and c->ncores), inputs' and compartments'
 * output axons, rules and astrocytes. false after reporting. */
bool lh_build_tables(lh_ctx *x);
/* Frees the tables lh_build_tables made (cores, inputs, pops, rules, astrocytes) and zeroes counts. */
void lh_tables_reset(lh_config *c);
/* Spike file of an input as sorted, de-duplicated events. false after reporting. */
bool lh_load_events(const ir_input *in, lh_input *out, ir_diag *d);

#endif
