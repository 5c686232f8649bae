/* present.c — showing one data-set sample to a simulation: per-pixel event probabilities of the model's
 * dataset input, events injected with draws keyed by (seed, phase, split, sample, step in sample, pixel)
 * so a sample's response does not depend on which thread ran it or what ran before; spike counting and
 * recording through the rt_sim callbacks. */
#include <stdlib.h>
#include <string.h>

#include "ex_internal.h"
#include "fixed.h"
#include "rng.h"

/* ---------------------------------------------------------------- the stimulus */

static uint32_t pool_for(uint32_t size) {
  for (uint32_t pool = 1; pool <= 28; pool++)
    if (28 % pool == 0 && (28 / pool) * (28 / pool) == size)
      return pool;
  return 0;
}

bool ex_stim_open(ex_stim *st, ir_module *m, const char *data_dir, ir_diag *d) {
  memset(st, 0, sizeof(*st));
  ir_input *ii = NULL;
  for (uint32_t k = 0; k < m->ninputs && !ii; k++)
    if (m->inputs[k].kind == IR_INPUT_DATASET) {
      ii = &m->inputs[k];
      st->input = (ir_ref){IR_NODE_INPUT, k};
    }
  if (!ii) {
    ir_error(d, m->loc, "an experiment needs an input of kind 'dataset' (the samples it presents)");
    return false;
  }
  uint32_t pool = pool_for(ii->size);
  if (!pool) {
    ir_error(d, ii->loc, "input '%s': a dataset input needs size 784, 196 or 49, got %u", ii->name, ii->size);
    return false;
  }
  if ((ii->encoding == IR_ENC_RATE && ii->rate.kind != IR_VAL_CONST) ||
      (ii->encoding == IR_ENC_BERNOULLI && ii->p.kind != IR_VAL_CONST)) {
    ir_error(d, ii->loc, "input '%s': the dataset encoding needs a constant max_rate / p_max", ii->name);
    return false;
  }
  st->npix = ii->size;
  st->enc = ii->encoding;
  st->scale = ii->encoding == IR_ENC_RATE ? ii->rate.a * m->dt : ii->p.a;
  st->seed = m->seed;
  static const char *const names[3] = {"train", "validation", "test"};
  for (int s = 0; s < 3; s++) {
    st->ds[s] = rt_dataset_load_pooled(ii->dataset ? ii->dataset : "", names[s], data_dir, pool, d);
    if (!st->ds[s]) {
      ex_stim_close(st);
      return false;
    }
  }
  /* The runner presents samples itself (rt_sim_inject): the engine's own draws are switched off. */
  ii->kind = IR_INPUT_BERNOULLI;
  ii->p = ir_value_const(0, IR_DIM_NONE);
  return true;
}

void ex_stim_close(ex_stim *st) {
  for (int s = 0; s < 3; s++) {
    rt_dataset_free(st->ds[s]);
    st->ds[s] = NULL;
  }
}

static void sample_probs(const ex_stim *st, rt_split split, uint32_t sample, uint64_t *pq) {
  const rt_dataset *ds = st->ds[split];
  const float *img = ds->pixels + (size_t)sample * st->npix;
  float p[784];
  IR_ASSERT(st->npix <= 784);
  if (st->enc == IR_ENC_NALSM)
    rt_dataset_nalsm_encode_image(img, st->npix, ds->nalsm_max, p);
  else
    for (uint32_t i = 0; i < st->npix; i++)
      p[i] = (float)((double)img[i] * st->scale);
  for (uint32_t i = 0; i < st->npix; i++)
    pq[i] = ir_fx_prob(p[i]);
}

/* ---------------------------------------------------------------- observing */

static void on_spikes(void *ctx, uint64_t step, ir_ref src, const uint32_t *idx, uint32_t n) {
  ex_obs *o = ctx;
  if (src.kind != IR_NODE_POPULATION || o->offset[src.index] < 0)
    return;
  uint32_t base = (uint32_t)o->offset[src.index];
  for (uint32_t k = 0; k < n; k++)
    if (o->counts[base + idx[k]] < UINT16_MAX)
      o->counts[base + idx[k]]++;
  if (!o->record)
    return;
  if (o->nsp + n > o->cap) {
    size_t cap = (o->cap ? o->cap * 2 : 4096) + n;
    ex_spike *sp = realloc(o->sp, cap * sizeof(*sp));
    if (!sp) {
      o->oom = true;
      return;
    }
    o->sp = sp;
    o->cap = cap;
  }
  for (uint32_t k = 0; k < n; k++)
    o->sp[o->nsp++] = (ex_spike){(uint32_t)(step - o->step0), base + idx[k]};
}

static void on_step(void *ctx, rt_sim *s, uint64_t step) {
  ex_obs *o = ctx;
  if (!o->record || o->astro < 0 || !o->trace)
    return;
  double a[64];
  ir_ref r = {IR_NODE_ASTROCYTE, (uint32_t)o->astro};
  if (rt_sim_read_state(s, r, "a", a))
    o->trace[step - o->step0] = a[0] * o->gain;
}

bool ex_worker_init(ex_worker *w, const ir_module *m, const rt_options *ro, const ex_stim *st, const int64_t *offset,
                    uint32_t nfeat, int32_t astro, uint32_t max_steps, ir_diag *d) {
  memset(w, 0, sizeof(*w));
  w->obs.offset = offset;
  w->obs.nfeat = nfeat;
  w->obs.astro = astro >= 0 && m->astros[astro].size <= 64 ? astro : -1;
  w->obs.counts = calloc(nfeat ? nfeat : 1, sizeof(uint16_t));
  w->obs.trace = calloc(max_steps ? max_steps : 1, sizeof(double));
  w->pq = calloc(st->npix, sizeof(uint64_t));
  if (!w->obs.counts || !w->obs.trace || !w->pq) {
    ir_error(d, m->loc, "out of memory creating an experiment worker");
    ex_worker_free(w);
    return false;
  }
  w->sim = rt_sim_create(m, ro, d);
  if (!w->sim) {
    ex_worker_free(w);
    return false;
  }
  rt_sim_on_spikes(w->sim, on_spikes, &w->obs);
  rt_sim_on_step(w->sim, on_step, &w->obs);
  return true;
}

void ex_worker_free(ex_worker *w) {
  rt_sim_destroy(w->sim);
  free(w->obs.counts);
  free(w->obs.trace);
  free(w->obs.sp);
  free(w->pq);
  memset(w, 0, sizeof(*w));
}

/* ---------------------------------------------------------------- one sample */

bool ex_present(ex_worker *w, const ex_stim *st, int tag, rt_split split, uint32_t sample, uint32_t steps,
                const ex_phase_cfg *ph, ir_diag *d) {
  ex_obs *o = &w->obs;
  memset(o->counts, 0, o->nfeat * sizeof(uint16_t));
  o->nsp = 0;
  o->step0 = rt_sim_steps(w->sim);
  sample_probs(st, split, sample, w->pq);
  uint64_t stream = RNG_STREAM(RNG_KIND_RUNTIME, 0xE0000u | ((uint32_t)tag << 8) | (uint32_t)split);
  uint64_t prefix = rng_hash_prefix(st->seed, stream ^ ((uint64_t)st->input.index << 24), sample);
  double g = ph->plasticity ? 1.0 : 0.0;
  for (uint32_t t = 0; t < steps; t++) {
    if ((t == 0 || (ph->rate_decay != 1.0 && g > 0)) && !rt_sim_set_plasticity_gain(w->sim, g)) {
      ir_error(d, ph->loc, "phase '%s': the engine cannot scale learning rates (use the interp engine)", ph->name);
      return false;
    }
    o->gain = g;
    for (uint32_t i = 0; i < st->npix; i++)
      if (w->pq[i] && ir_fx_draw(rng_hash_finish(prefix, ((uint64_t)t << 32) | i), w->pq[i]))
        rt_sim_inject(w->sim, st->input, i);
    if (!rt_sim_run(w->sim, 1, d))
      return false;
    g *= ph->rate_decay;
  }
  if (o->oom) {
    ir_error(d, ph->loc, "out of memory recording a sample");
    return false;
  }
  return true;
}
