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
 * must be implemented (s->fixed). An astrocyte model works the same way over an rt_astro; its
 * update(a) runs in phase 5 and may read the spike lists of every source; modulation() gives the
 * factor that astro_stdp multiplies a_minus by (float, and Q16 for fixed).
 */
#ifndef ASTROC_RT_MODELS_H
#define ASTROC_RT_MODELS_H

#include "interp.h"

struct rt_neuron_model {
  const char *name;
  bool kernel_delivery; /* synaptic input from last-spike kernels (nalsm_lif) instead of events */
  bool (*create)(rt_interp *s, rt_pop *p, ir_diag *d);
  void (*fire)(rt_interp *s, rt_pop *p); /* may be NULL */
  void (*update)(rt_interp *s, rt_pop *p);
  void (*destroy)(rt_pop *p);
};

struct rt_astro_model {
  const char *name;
  bool (*create)(rt_interp *s, rt_astro *a, ir_diag *d);
  void (*update)(rt_interp *s, rt_astro *a);
  void (*modulation)(const rt_astro *a, float *f, int32_t *q16);
  void (*destroy)(rt_astro *a);
};

/* Indexed by ir_neuron_model / ir_astro_model; NULL: not supported yet. */
extern const rt_neuron_model rt_model_lif, rt_model_nalsm_lif;
extern const rt_astro_model rt_astro_nalsm;
const rt_neuron_model *rt_neuron_model_get(ir_neuron_model m);
const rt_astro_model *rt_astro_model_get(ir_astro_model m);

#endif
