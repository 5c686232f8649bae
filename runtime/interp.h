/* interp.h — the interp engine's data structures (structure of arrays) shared by its files:
 * sources and spike lists, populations, projections (weights, delay rings, transposed index,
 * plasticity), inputs, astrocytes, and the state registry used by probes and checkpoints. */
#ifndef ASTROC_RT_INTERP_H
#define ASTROC_RT_INTERP_H

#include "engine.h"
#include "fixed.h"

#define RT_NEVER (INT64_MIN / 4) /* last-spike step of a neuron that never spiked */

typedef struct rt_interp rt_interp;
typedef struct rt_neuron_model rt_neuron_model;
typedef struct rt_astro_model rt_astro_model;

/* A spike source: a population or an input. */
typedef struct rt_src {
  ir_ref ref;
  uint32_t n;
  uint8_t *spk;    /* spikes of the current step, 0/1 */
  uint8_t *forced; /* rt_sim_inject requests for the current step */
  uint32_t *idx;   /* the spiking neurons of the current step, ascending */
  uint32_t nspk;
  int64_t *last;   /* step of each neuron's last spike, RT_NEVER if none */
} rt_src;

typedef struct rt_pop {
  const ir_population *ip;
  uint32_t index, n;
  const rt_neuron_model *model;
  void *st;     /* model-owned state */
  rt_src *src;
  /* Synaptic input and injected current of the current step (one pair used, by numerics). */
  float *syn_f, *inj_f;
  int64_t *syn_i, *inj_i; /* fine units (v_unit / 64) */
  /* Kernel-delivery models (nalsm_lif): table k[0..kcut]. */
  int32_t kcut;
  float kf[IR_FX_KERNEL_MAX];
  int32_t kq[IR_FX_KERNEL_MAX];
  /* Event-counting models (amsu): synaptic events delivered to each neuron this step (phase 2). */
  int32_t *nev;
} rt_pop;

typedef struct rt_stdp {
  bool astro;    /* astro_stdp: a_minus scaled by the modulator's state */
  bool anti;     /* anti_hebbian form */
  uint32_t modulator;
  float f_pre, f_post, inc, a_plus, a_minus, w_lo, w_hi; /* float mode */
  ir_fx_stdp q;                                         /* fixed mode */
  float *xpre_f, *xpost_f;
  int32_t *xpre_q, *xpost_q;
  /* Traces equal by construction (same source neurons, decay and increment) share one array; the
   * first projection to use it owns it and updates it (rt_stdp_traces). */
  bool own_pre, own_post;
  /* Transposed index: post j's incoming synapses are tsyn[tptr[j]..tptr[j+1]), from tpre[]. */
  uint64_t *tptr, *tsyn;
  uint32_t *tpre;
} rt_stdp;

typedef struct rt_proj {
  const ir_projection *ip;
  uint32_t index;
  rt_src *pre;
  rt_pop *post;
  const ir_csr *csr;
  float *w_f;    /* float mode: weights in mV */
  int32_t *w_q;  /* fixed mode: w16 words */
  int32_t wexp;  /* fixed mode: weight exponent */
  uint32_t maxdelay;
  /* Event delivery: ring of R = maxdelay + 1 slots of npost sums (mV or mantissa sums). */
  uint32_t nring;
  float *ring_f;
  int64_t *ring_i;
  int64_t *acc_i; /* kernel delivery, fixed: per-post accumulator */
  /* csr->col narrowed to 16 bits when the post population has at most 65536 neurons, else NULL: the
   * per-step row walks (kernel delivery, the plasticity pre pass) stream 6 bytes per synapse, not 8. */
  uint16_t *col16;
  rt_stdp *stdp;  /* NULL when not plastic */
  /* Modulated delivery (docs/numerics.md, "Astrocyte outputs"). A projection is `modulated` when a
   * tripartite astrocyte scales its efficacy (scale_f / scale_q: the factor of each post neuron for
   * the current step, 1.0 / Q16 65536 when unmodulated) or when its post model counts incoming events
   * (amsu: cnt_ring, R x npost events due per slot). Unmodulated projections never touch these and
   * keep the plain delivery loop. */
  bool modulated;
  float *scale_f;
  int32_t *scale_q;
  int32_t *cnt_ring;
} rt_proj;

typedef struct rt_input {
  const ir_input *ii;
  uint32_t index;
  rt_src *src;
  uint64_t *p_q;        /* poisson/bernoulli: per-neuron Q32 probability per step */
  uint64_t *ev_step;    /* spikes file: events sorted by (step, neuron) */
  uint32_t *ev_neuron;
  uint64_t nev, cursor;
  void *dataset;        /* dataset hook state */
  rt_pop *inject;       /* one-to-one current target, or NULL */
  float *cur_f;         /* injected current per neuron (mV) */
  int64_t *cur_i;       /* fine units */
} rt_input;

typedef struct rt_astro {
  const ir_astrocyte *ia;
  uint32_t index, n;
  const rt_astro_model *model;
  void *st;
} rt_astro;

/* The state registry: every array that makes up the simulation state, in a fixed order. Named
 * entries are probe-readable state variables; all entries are checkpointed. */
typedef enum rt_type { RT_U8, RT_I32, RT_I64, RT_U64, RT_F32 } rt_type;
typedef struct rt_state_entry {
  ir_ref node;
  const char *name; /* NULL: internal */
  rt_type type;
  void *ptr;
  uint64_t n;
} rt_state_entry;

typedef struct rt_var_list {
  const char **names;
  size_t n;
} rt_var_list;

struct rt_interp {
  rt_sim *sim;
  const ir_module *m;
  const char *data_dir; /* rt_options.data_dir: where datasets live, NULL for the default search */
  bool fixed;
  uint64_t seed;
  uint64_t step;
  /* Some forced flag may be set (rt_sim_inject, a restored checkpoint): the flags are cleared after the
   * step only then, not every step (a memset of every source per step was 2% of a jit CUBA step). */
  bool forced_dirty;
  rt_src *srcs; /* npops + ninputs: populations first */
  rt_pop *pops;
  rt_proj *projs;
  rt_input *inputs;
  rt_astro *astros;
  rt_state_entry *reg;
  size_t nreg, capreg;
  rt_var_list *vars[IR_NODE_KIND_COUNT];
  /* state.c: the bytes of the last checkpoint restored, verified, and a read buffer. Restoring the same
   * checkpoint again (the experiment runner does it before every sample) compares bytes instead of
   * re-checking the checksum. */
  unsigned char *ckpt_last, *ckpt_read;
  size_t ckpt_nlast, ckpt_capread;
};

/* ---------------------------------------------------------------- helpers (interp.c, state.c) */

void *rt_alloc(rt_interp *s, size_t n, size_t size); /* zeroed; NULL on OOM (no diag) */
bool rt_register(rt_interp *s, ir_ref node, const char *name, rt_type type, void *ptr, uint64_t n);
/* Draws every parameter of every element once: out[i * desc->nparams + k] (malloc'd, caller frees).
 * Keys: (seed, RNG_STREAM(kind, index), k, i), kind RNG_KIND_NEURON_PARAM or RNG_KIND_ASTRO_PARAM. */
double *rt_sample_params(const rt_interp *s, const ir_value *params, const ir_model_desc *desc, int rng_kind,
                         uint32_t index, uint32_t n);
bool rt_state_finish(rt_interp *s); /* builds the per-node variable lists */
void rt_state_free(rt_interp *s);
const char *const *rt_interp_state_vars(const void *e, ir_ref node, size_t *n);
bool rt_interp_state_size(const void *e, ir_ref node, const char *var, uint64_t *n);
bool rt_interp_read_state(const void *e, ir_ref node, const char *var, double *out);
bool rt_interp_save(const void *e, FILE *f, ir_diag *d);
bool rt_interp_restore(void *e, FILE *f, ir_diag *d);

/* The parts of a step every engine built on the interp shares (interp.c; docs/numerics.md, "Step order"):
 * (1) inputs and (1b) astrocyte outputs; and (4) plasticity, (5) astrocytes, (6) callbacks, step + 1. */
bool rt_interp_step_inputs(rt_interp *s, ir_diag *d);
void rt_interp_step_finish(rt_interp *s);

/* synapses.c */
bool rt_proj_create(rt_interp *s, rt_proj *p, ir_diag *d);
void rt_proj_free(rt_proj *p);
void rt_syn_reset_scales(rt_interp *s);    /* phase 1b, before the astrocyte outputs */
void rt_syn_deliver_events(rt_interp *s);  /* phase 2: rt_syn_deliver_proj of every event projection */
void rt_syn_deliver_proj(rt_interp *s, rt_proj *p); /* phase 2, one projection (plain or modulated) */
void rt_syn_push_proj(rt_interp *s, rt_proj *p);    /* after phase 3, one projection (weights and counts) */
void rt_syn_deliver_kernel(rt_interp *s, rt_pop *post); /* phase 3c, one kernel population */
void rt_syn_push(rt_interp *s);            /* after phase 3: spikes into delay rings */

/* interp.c: phase 1b, the astrocyte outputs (efficacy factors reset to 1, then each astrocyte's
 * output hook). An engine with its own step loop calls it after the inputs. */
void rt_astro_outputs(rt_interp *s);
/* astro_domain.c: true iff population p takes astrocyte coupling an engine must not bypass: an
 * incoming modulated projection, an astrocyte output (slow current) into it, or an event-counting
 * model. Such populations must run through rt_syn_deliver_proj / the model's update. */
bool rt_pop_astro_coupled(const rt_interp *s, const rt_pop *p);

/* plasticity.c */
bool rt_stdp_create(rt_interp *s, rt_proj *p, ir_diag *d);
void rt_stdp_free(rt_stdp *st);
void rt_stdp_step(rt_interp *s, rt_proj *p); /* phase 4: the weights of every projection, ... */
void rt_stdp_traces(rt_interp *s, rt_proj *p); /* ... then the traces it owns */

/* inputs.c */
bool rt_input_create(rt_interp *s, rt_input *in, ir_diag *d);
void rt_input_free(rt_input *in);
bool rt_input_step(rt_interp *s, rt_input *in, ir_diag *d); /* phase 1 */
void rt_input_restored(rt_interp *s, rt_input *in);        /* re-derive cursors after restore */

/* input_dataset.c: the dataset hook (see that file). */
void *rt_input_dataset_open(rt_interp *s, rt_input *in, ir_diag *d);
bool rt_input_dataset_step(rt_interp *s, rt_input *in, ir_diag *d);
void rt_input_dataset_close(void *ds);

#endif
