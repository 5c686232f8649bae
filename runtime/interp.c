/* interp.c — the interp engine's core: building the simulation from an expanded module and the
 * step loop (docs/numerics.md, "Step order"). Models, synapses, plasticity and inputs live in their
 * own files. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"
#include "rng.h"

/* ---------------------------------------------------------------- model tables */

const rt_neuron_model *rt_neuron_model_get(ir_neuron_model m) {
  switch (m) {
  case IR_NEURON_LIF: return &rt_model_lif;
  case IR_NEURON_NALSM_LIF: return &rt_model_nalsm_lif;
  case IR_NEURON_AMSU: return &rt_model_amsu;
  default: return NULL;
  }
}

const rt_astro_model *rt_astro_model_get(ir_astro_model m) {
  switch (m) {
  case IR_ASTRO_NALSM: return &rt_astro_nalsm;
  case IR_ASTRO_TRIPARTITE: return &rt_astro_tripartite;
  case IR_ASTRO_LI_RINZEL: return &rt_astro_li_rinzel;
  default: return NULL;
  }
}

/* ---------------------------------------------------------------- helpers */

/* All engine arrays are registered for freeing through one list, so error paths stay simple. */
typedef struct rt_allocs {
  void **v;
  size_t n, cap;
} rt_allocs;

struct rt_interp_full {
  rt_interp s;
  rt_allocs allocs;
};

void *rt_alloc(rt_interp *s, size_t n, size_t size) {
  struct rt_interp_full *f = (struct rt_interp_full *)s;
  if (f->allocs.n == f->allocs.cap) {
    size_t cap = f->allocs.cap ? 2 * f->allocs.cap : 64;
    void **v = realloc(f->allocs.v, cap * sizeof(*v));
    if (!v)
      return NULL;
    f->allocs.v = v;
    f->allocs.cap = cap;
  }
  /* Zeroed and cache-line aligned, padded to whole lines: the jit engine's threads own blocks of 64
   * elements of these arrays, so with aligned bases no cache line is written by two threads. */
  if (size && (n ? n : 1) > (SIZE_MAX - 64) / size)
    return NULL;
  size_t bytes = ((n ? n : 1) * size + 63) & ~(size_t)63;
  void *p = aligned_alloc(64, bytes ? bytes : 64);
  if (p) {
    memset(p, 0, bytes);
    f->allocs.v[f->allocs.n++] = p;
  }
  return p;
}

double *rt_sample_params(const rt_interp *s, const ir_value *params, const ir_model_desc *desc, int rng_kind,
                         uint32_t index, uint32_t n) {
  uint32_t np = desc->nparams;
  double *out = malloc((size_t)(n ? n : 1) * np * sizeof(double));
  if (!out)
    return NULL;
  uint64_t stream = RNG_STREAM(rng_kind, index);
  for (uint32_t i = 0; i < n; i++)
    for (uint32_t k = 0; k < np; k++)
      out[(size_t)i * np + k] = ir_value_sample(&params[k], s->seed, stream, k, i);
  return out;
}

static void interp_destroy(void *e) {
  if (!e)
    return;
  struct rt_interp_full *f = e;
  rt_interp *s = &f->s;
  const ir_module *m = s->m;
  if (s->pops)
    for (uint32_t i = 0; i < m->npops; i++)
      if (s->pops[i].model && s->pops[i].model->destroy)
        s->pops[i].model->destroy(&s->pops[i]);
  if (s->astros)
    for (uint32_t i = 0; i < m->nastros; i++)
      if (s->astros[i].model && s->astros[i].model->destroy)
        s->astros[i].model->destroy(&s->astros[i]);
  if (s->inputs)
    for (uint32_t i = 0; i < m->ninputs; i++)
      rt_input_free(&s->inputs[i]);
  if (s->projs)
    for (uint32_t i = 0; i < m->nprojs; i++)
      rt_proj_free(&s->projs[i]);
  rt_state_free(s);
  for (size_t i = 0; i < f->allocs.n; i++)
    free(f->allocs.v[i]);
  free(f->allocs.v);
  free(f);
}

/* ---------------------------------------------------------------- create */

static bool create_sources(rt_interp *s, ir_diag *d) {
  const ir_module *m = s->m;
  uint32_t nsrc = m->npops + m->ninputs;
  s->srcs = rt_alloc(s, nsrc, sizeof(rt_src));
  if (!s->srcs)
    return false;
  for (uint32_t k = 0; k < nsrc; k++) {
    rt_src *c = &s->srcs[k];
    c->ref = k < m->npops ? (ir_ref){IR_NODE_POPULATION, k} : (ir_ref){IR_NODE_INPUT, k - m->npops};
    c->n = (uint32_t)ir_node_size(m, c->ref);
    c->spk = rt_alloc(s, c->n, 1);
    c->forced = rt_alloc(s, c->n, 1);
    c->idx = rt_alloc(s, c->n, sizeof(uint32_t));
    c->last = rt_alloc(s, c->n, sizeof(int64_t));
    if (!c->spk || !c->forced || !c->idx || !c->last)
      return false;
    for (uint32_t i = 0; i < c->n; i++)
      c->last[i] = RT_NEVER;
    if (!rt_register(s, c->ref, NULL, RT_I64, c->last, c->n) ||
        !rt_register(s, c->ref, NULL, RT_U8, c->forced, c->n))
      return false;
  }
  (void)d;
  return true;
}

static bool create_pops(rt_interp *s, ir_diag *d) {
  const ir_module *m = s->m;
  s->pops = rt_alloc(s, m->npops, sizeof(rt_pop));
  if (!s->pops)
    return false;
  for (uint32_t k = 0; k < m->npops; k++) {
    rt_pop *p = &s->pops[k];
    p->ip = &m->pops[k];
    p->index = k;
    p->n = p->ip->size;
    p->src = &s->srcs[k];
    p->model = rt_neuron_model_get(p->ip->model);
    if (!p->model) {
      const ir_model_desc *md = ir_neuron_model_desc(p->ip->model);
      ir_error(d, p->ip->loc, "neuron model '%s' of population '%s' is not supported yet by the interp engine",
               md ? md->name : "?", p->ip->name);
      return false;
    }
    if (s->fixed) {
      p->syn_i = rt_alloc(s, p->n, sizeof(int64_t));
      p->inj_i = rt_alloc(s, p->n, sizeof(int64_t));
    } else {
      p->syn_f = rt_alloc(s, p->n, sizeof(float));
      p->inj_f = rt_alloc(s, p->n, sizeof(float));
    }
    if (!(s->fixed ? p->syn_i && p->inj_i : p->syn_f && p->inj_f))
      return false;
    if (p->model->count_events && !(p->nev = rt_alloc(s, p->n, sizeof(int32_t))))
      return false;
    if (!p->model->create(s, p, d))
      return false;
  }
  return true;
}

static bool create_astros(rt_interp *s, ir_diag *d) {
  const ir_module *m = s->m;
  s->astros = rt_alloc(s, m->nastros, sizeof(rt_astro));
  if (!s->astros)
    return false;
  for (uint32_t k = 0; k < m->nastros; k++) {
    rt_astro *a = &s->astros[k];
    a->ia = &m->astros[k];
    a->index = k;
    a->n = a->ia->size;
    a->model = rt_astro_model_get(a->ia->model);
    if (!a->model) {
      const ir_model_desc *md = ir_astro_model_desc(a->ia->model);
      ir_error(d, a->ia->loc, "astrocyte model '%s' of '%s' is not supported yet by the interp engine",
               md ? md->name : "?", a->ia->name);
      return false;
    }
    if (!a->model->create(s, a, d))
      return false;
  }
  return true;
}

static bool create_rest(rt_interp *s, ir_diag *d) {
  const ir_module *m = s->m;
  s->inputs = rt_alloc(s, m->ninputs, sizeof(rt_input));
  s->projs = rt_alloc(s, m->nprojs, sizeof(rt_proj));
  if (!s->inputs || !s->projs)
    return false;
  for (uint32_t k = 0; k < m->ninputs; k++) {
    s->inputs[k].ii = &m->inputs[k];
    s->inputs[k].index = k;
    s->inputs[k].src = &s->srcs[m->npops + k];
    if (!rt_input_create(s, &s->inputs[k], d))
      return false;
  }
  for (uint32_t k = 0; k < m->nprojs; k++) {
    s->projs[k].ip = &m->projs[k];
    s->projs[k].index = k;
    if (!rt_proj_create(s, &s->projs[k], d))
      return false;
  }
  return true;
}

static void *interp_create(rt_sim *sim, const ir_module *m, ir_numerics numerics, uint64_t seed,
                           const rt_options *opt, ir_diag *d) {
  struct rt_interp_full *f = calloc(1, sizeof(*f));
  if (!f) {
    ir_error(d, m->loc, "out of memory creating the simulation");
    return NULL;
  }
  rt_interp *s = &f->s;
  s->sim = sim;
  s->m = m;
  s->fixed = numerics == IR_NUMERICS_FIXED;
  s->seed = seed;
  s->data_dir = opt ? opt->data_dir : NULL;
  unsigned before = ir_diag_error_count(d);
  if (!(m->dt > 0)) {
    ir_error(d, m->loc, "the time step dt must be positive");
    goto fail;
  }
  if (s->fixed && !(m->v_unit > 0)) {
    ir_error(d, m->loc, "v_unit must be positive in fixed numerics");
    goto fail;
  }
  if (create_sources(s, d) && create_pops(s, d) && create_astros(s, d) && create_rest(s, d) && rt_state_finish(s))
    return f;
fail:
  if (ir_diag_error_count(d) == before)
    ir_error(d, m->loc, "out of memory creating the simulation");
  interp_destroy(f);
  return NULL;
}

/* ---------------------------------------------------------------- the step loop */

/* The spike flags into the ascending index list; most steps most flags are 0, so 8 flags are tested
 * at once. */
static void compact(rt_src *c, uint64_t t) {
  uint32_t n = 0, i = 0;
  const uint8_t *spk = c->spk;
  for (; i + 8 <= c->n; i += 8) {
    uint64_t w;
    memcpy(&w, spk + i, 8);
    for (uint32_t j = i; w && j < i + 8; j++)
      if (spk[j]) {
        c->idx[n++] = j;
        c->last[j] = (int64_t)t;
      }
  }
  for (; i < c->n; i++)
    if (spk[i]) {
      c->idx[n++] = i;
      c->last[i] = (int64_t)t;
    }
  c->nspk = n;
}

static void clear_step(rt_interp *s) {
  const ir_module *m = s->m;
  for (uint32_t k = 0; k < m->npops + m->ninputs; k++) {
    memset(s->srcs[k].spk, 0, s->srcs[k].n);
    s->srcs[k].nspk = 0;
  }
  for (uint32_t k = 0; k < m->npops; k++) {
    rt_pop *p = &s->pops[k];
    if (s->fixed) {
      memset(p->syn_i, 0, p->n * sizeof(int64_t));
      memset(p->inj_i, 0, p->n * sizeof(int64_t));
    } else {
      memset(p->syn_f, 0, p->n * sizeof(float));
      memset(p->inj_f, 0, p->n * sizeof(float));
    }
    if (p->nev)
      memset(p->nev, 0, p->n * sizeof(int32_t));
  }
}

void rt_astro_outputs(rt_interp *s) {
  rt_syn_reset_scales(s);
  for (uint32_t k = 0; k < s->m->nastros; k++)
    if (s->astros[k].model->output)
      s->astros[k].model->output(s, &s->astros[k]);
}

bool rt_interp_step_inputs(rt_interp *s, ir_diag *d) {
  for (uint32_t k = 0; k < s->m->ninputs; k++) /* (1) inputs */
    if (!rt_input_step(s, &s->inputs[k], d))
      return false;
  for (uint32_t k = 0; k < s->m->ninputs; k++)
    compact(s->inputs[k].src, s->step);
  rt_astro_outputs(s); /* (1b) astrocyte outputs from the state left by step t-1 */
  return true;
}

void rt_interp_step_finish(rt_interp *s) {
  const ir_module *m = s->m;
  uint64_t t = s->step;
  for (uint32_t k = 0; k < m->nprojs; k++) /* (4) plasticity: weights, then traces (they may be shared) */
    if (s->projs[k].stdp)
      rt_stdp_step(s, &s->projs[k]);
  for (uint32_t k = 0; k < m->nprojs; k++)
    if (s->projs[k].stdp)
      rt_stdp_traces(s, &s->projs[k]);
  for (uint32_t k = 0; k < m->nastros; k++) /* (5) astrocytes */
    s->astros[k].model->update(s, &s->astros[k]);
  for (uint32_t k = 0; s->forced_dirty && k < m->npops + m->ninputs; k++)
    memset(s->srcs[k].forced, 0, s->srcs[k].n);
  s->forced_dirty = false;
  for (uint32_t k = 0; k < m->npops + m->ninputs; k++) { /* (6) callbacks */
    rt_src *c = &s->srcs[k];
    if (c->nspk)
      rt_sim_emit_spikes(s->sim, t, c->ref, c->idx, c->nspk);
  }
  s->step = t + 1;
  rt_sim_emit_step(s->sim, t);
}

static bool step_once(rt_interp *s, ir_diag *d) {
  const ir_module *m = s->m;
  uint64_t t = s->step;
  clear_step(s);
  if (!rt_interp_step_inputs(s, d)) /* (1), (1b) */
    return false;
  rt_syn_deliver_events(s); /* (2) synaptic input arriving at t */
  for (uint32_t k = 0; k < m->npops; k++) /* (3a) fire-first models */
    if (s->pops[k].model->fire)
      s->pops[k].model->fire(s, &s->pops[k]);
  for (uint32_t k = 0; k < m->npops; k++) /* (3b) event models */
    if (!s->pops[k].model->kernel_delivery)
      s->pops[k].model->update(s, &s->pops[k]);
  for (uint32_t k = 0; k < m->npops; k++)
    compact(s->pops[k].src, t);
  for (uint32_t k = 0; k < m->npops; k++) /* (3c) kernel models */
    if (s->pops[k].model->kernel_delivery) {
      rt_syn_deliver_kernel(s, &s->pops[k]);
      s->pops[k].model->update(s, &s->pops[k]);
    }
  rt_syn_push(s);
  rt_interp_step_finish(s); /* (4) plasticity, (5) astrocytes, (6) callbacks */
  return true;
}

static bool interp_run(void *e, uint64_t nsteps, ir_diag *d) {
  rt_interp *s = e;
  for (uint64_t k = 0; k < nsteps; k++)
    if (!step_once(s, d))
      return false;
  return true;
}

static uint64_t interp_steps(const void *e) { return ((const rt_interp *)e)->step; }

static bool interp_inject(void *e, ir_ref source, uint32_t idx) {
  rt_interp *s = e;
  uint32_t k;
  if (source.kind == IR_NODE_POPULATION && source.index < s->m->npops)
    k = source.index;
  else if (source.kind == IR_NODE_INPUT && source.index < s->m->ninputs)
    k = s->m->npops + source.index;
  else
    return false;
  if (idx >= s->srcs[k].n)
    return false;
  s->srcs[k].forced[idx] = 1;
  s->forced_dirty = true;
  return true;
}

/* A checkpoint carries the forced flags of its step: after a restore they may be set. */
static bool interp_restore(void *e, FILE *f, ir_diag *d) {
  ((rt_interp *)e)->forced_dirty = true;
  return rt_interp_restore(e, f, d);
}

const rt_engine_ops rt_engine_interp = {
    .name = "interp",
    .create = interp_create,
    .run = interp_run,
    .steps = interp_steps,
    .inject = interp_inject,
    .state_vars = rt_interp_state_vars,
    .state_size = rt_interp_state_size,
    .read_state = rt_interp_read_state,
    .save = rt_interp_save,
    .restore = interp_restore,
    .destroy = interp_destroy,
};
