/* models.h — the per-model interface of the interp engine: how a neuron or astrocyte model plugs in.
 *
 * A neuron model is a table of functions over one population (rt_pop). The engine calls them in the
 * step order of docs/numerics.md:
 *
 *   phase 1  inputs: p->inj_f / p->inj_i hold this step's injected current (mV or fine units)
 *   phase 2  event delivery: for event models p->syn_f / p->syn_i hold the synaptic input arriving now
 *   phase 3a fire(p)    (optional) decide spikes from the state left by the previous step
 *   phase 3b update(p)  for event models: integrate syn/inj and decide spikes
 *            the engine records last-spike times of every source
 *   phase 3c for kernel models (kernel_delivery): the engine fills syn from the kernel table the model
 *            set up in create (p->kcut, p->kf / p->kq), then calls update(p) to integrate
 *
 * A spike is reported by setting p->src->spk[i] = 1; p->src->forced[i] (rt_sim_inject) must be
 * treated as a spike with the model's usual after-spike effects. create() samples its parameters
 * (rt_sample_params), allocates its state in p->st and registers every state array with
 * rt_register (named ones become probe variables); it reports user errors through d. Both numerics
 * must be implemented (s->fixed). A model with count_events (amsu) also gets p->nev: the number of
 * synaptic events delivered to each neuron in phase 2 (the engine keeps a count ring per projection).
 *
 * An astrocyte model works the same way over an rt_astro; its update(a) runs in phase 5 and may read
 * the spike lists of every source; output(a) (optional) runs in phase 1b, after the inputs, and acts
 * on the network from the state left by the previous step: it multiplies the efficacy factors
 * p->scale_f / p->scale_q of the projections it modulates (only when the model sets
 * scales_efficacy, which makes the engine allocate them) and adds slow currents to p->inj_f / inj_i.
 * modulation() gives the factor that astro_stdp multiplies a_minus by (float, and Q16 for fixed).
 */
#ifndef ASTROC_RT_MODELS_H
#define ASTROC_RT_MODELS_H

#include "interp.h"

struct rt_neuron_model {
  const char *name;
  bool kernel_delivery; /* synaptic input from last-spike kernels (nalsm_lif) instead of events */
  bool count_events;    /* p->nev: synaptic events delivered to each neuron this step (amsu) */
  bool (*create)(rt_interp *s, rt_pop *p, ir_diag *d);
  void (*fire)(rt_interp *s, rt_pop *p); /* may be NULL */
  void (*update)(rt_interp *s, rt_pop *p);
  void (*destroy)(rt_pop *p);
};

struct rt_astro_model {
  const char *name;
  bool scales_efficacy; /* the projections in `modulates` get per-post efficacy factors */
  bool (*create)(rt_interp *s, rt_astro *a, ir_diag *d);
  void (*update)(rt_interp *s, rt_astro *a);
  void (*output)(rt_interp *s, rt_astro *a); /* phase 1b; may be NULL */
  void (*modulation)(const rt_astro *a, float *f, int32_t *q16);
  void (*destroy)(rt_astro *a);
};

/* Indexed by ir_neuron_model / ir_astro_model; NULL: not supported yet. */
extern const rt_neuron_model rt_model_lif, rt_model_nalsm_lif, rt_model_amsu;
extern const rt_astro_model rt_astro_nalsm, rt_astro_tripartite, rt_astro_li_rinzel;
const rt_neuron_model *rt_neuron_model_get(ir_neuron_model m);
const rt_astro_model *rt_astro_model_get(ir_astro_model m);

/* ---------------------------------------------------------------- astrocyte domains (astro_domain.c)
 *
 * Element k of an astrocyte population of size n owns neuron j of a population (or the synapses
 * into post neuron j of a projection) iff j mod n == k (docs/numerics.md, "Astrocyte domains"). */

/* cnt[k] = signed number of events of step t in astrocyte k's domain: each spike of a listened
 * population/input neuron i counts for k = i mod n; each spike of the presynaptic neuron of a
 * synapse (i -> j) of a listened projection counts for k = j mod n (once per synapse). */
void rt_domain_count(const rt_interp *s, const ir_astrocyte *ia, uint32_t n, int64_t *cnt);

/* The distinct populations an astrocyte's `modulates` reaches (the populations it names and the
 * posts of the projections it names), in first-mention order. Fills out[] (capacity npops) and
 * returns the count. */
uint32_t rt_domain_targets(rt_interp *s, const ir_astrocyte *ia, rt_pop **out);

/* True iff astrocyte `ia` lists projection index `proj` in `modulates`. */
bool rt_domain_modulates(const ir_astrocyte *ia, uint32_t proj);

/* Q16 helpers of the astrocyte-coupled models (docs/numerics.md, "Fixed-point tables"). */
#define RT_Q31_MAX INT64_C(2147483647)
static inline int64_t rt_clamp31(int64_t x) { return x > RT_Q31_MAX ? RT_Q31_MAX : x < -RT_Q31_MAX ? -RT_Q31_MAX : x; }
/* decay16(x, f) = sign(x) * ((|x| * f) >> 16): truncation toward zero, so a state always decays to 0. */
static inline int64_t rt_decay16(int64_t x, int64_t f) { return x >= 0 ? (x * f) >> 16 : -(((-x) * f) >> 16); }
/* round(65536 * exp(-dt/tau)); tau == 0 -> 0 (no memory). */
int32_t rt_fx_factor16(double tau, double dt);
/* Q16 of a dimensionless value, or fine units of a voltage, checked to fit +-(2^31 - 1). */
bool rt_fx_q16_checked(double x, int32_t *out);
bool rt_fx_fine_checked(double mv, double v_unit, int32_t *out);

#endif
