/* engine_jit.c — the `jit` engine: the interp's data structures and step order, with the hot loops of lif
 * populations (event delivery + neuron update) and of their incoming projections (spike push into delay
 * rings) replaced by native code generated for this network by backends/cpu (LLVM), optionally over
 * several threads. Everything else (inputs, kernel models, plasticity, astrocytes, probes, checkpoints)
 * is the interp's own code on the same arrays, so it is bit-exact by construction; the generated loops
 * follow docs/numerics.md operation for operation (docs/jit.md). This file: the engine vtable, creation
 * and destruction, the step loop, native code offered by an image, rt_jit_info_get; the other parts are
 * listed in engine_jit_int.h. */
#include <errno.h>
#include <stdio.h>

#include "be_cpu_embed.h"
#include "engine_jit_int.h"
#include "image.h"

/* ---------------------------------------------------------------- registry for rt_jit_info_get */

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static jit_engine *registry;

static void registry_add(jit_engine *e) {
  pthread_mutex_lock(&registry_lock);
  e->next = registry;
  registry = e;
  pthread_mutex_unlock(&registry_lock);
}

static void registry_remove(jit_engine *e) {
  pthread_mutex_lock(&registry_lock);
  for (jit_engine **pp = &registry; *pp; pp = &(*pp)->next)
    if (*pp == e) {
      *pp = e->next;
      break;
    }
  pthread_mutex_unlock(&registry_lock);
}

bool rt_jit_info_get(const rt_sim *sim, rt_jit_info *out) {
  bool found = false;
  pthread_mutex_lock(&registry_lock);
  for (jit_engine *e = registry; e; e = e->next)
    if (e->sim == sim) {
      out->compile_ms = e->compile_ms;
      out->threads = e->nthreads;
      out->nfunctions = e->nfunctions;
      out->cpu = be_cpu_host_cpu();
      found = true;
      break;
    }
  pthread_mutex_unlock(&registry_lock);
  return found;
}

static jit_engine *find(const rt_sim *sim) { /* caller holds registry_lock */
  jit_engine *e = registry;
  while (e && e->sim != sim)
    e = e->next;
  return e;
}

const char *rt_jit_origin(const rt_sim *sim) {
  pthread_mutex_lock(&registry_lock);
  jit_engine *e = find(sim);
  const char *o = e ? rt_jit_origin_name(e->origin) : NULL;
  pthread_mutex_unlock(&registry_lock);
  return o;
}

bool rt_jit_native_section(const rt_sim *sim, void **out, size_t *len) {
  pthread_mutex_lock(&registry_lock);
  jit_engine *e = find(sim);
  const void *obj;
  size_t n;
  uint64_t key;
  bool ok = e && e->jit && be_cpu_jit_object(e->jit, &obj, &n, &key) && key != 0 &&
            be_cpu_native_encode(key, obj, n, out, len);
  pthread_mutex_unlock(&registry_lock);
  return ok;
}

bool rt_jit_native_for(const ir_module *m, void **out, size_t *len, char *note, size_t notelen) {
  ir_diag *quiet = ir_diag_create(NULL);
  rt_options opt = {.engine = "jit", .numerics = -1, .threads = 1};
  rt_sim *sim = quiet ? rt_sim_create(m, &opt, quiet) : NULL;
  bool ok = sim && rt_jit_native_section(sim, out, len);
  if (!ok)
    snprintf(note, notelen, "%s", !quiet ? "out of memory" : !sim ? ir_diag_last(quiet) : "no object code");
  rt_sim_destroy(sim);
  ir_diag_destroy(quiet);
  return ok;
}

/* The whole file at path (malloc'd) or NULL after reporting. */
static void *slurp(const char *path, size_t *len, ir_diag *d) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    ir_error(d, (ir_loc){.file = path}, "cannot open: %s", strerror(errno));
    return NULL;
  }
  size_t cap = 1 << 16, n = 0, got;
  unsigned char *p = malloc(cap);
  while (p && (got = fread(p + n, 1, cap - n, f)) > 0)
    if ((n += got) == cap) {
      unsigned char *q = realloc(p, cap *= 2);
      if (!q)
        free(p);
      p = q;
    }
  bool bad = ferror(f) || !p;
  fclose(f);
  if (bad) {
    free(p);
    ir_error(d, (ir_loc){.file = path}, "cannot read the image");
    return NULL;
  }
  *len = n;
  return p;
}

bool rt_jit_offer_image(const char *path, int *state, char *note, size_t notelen, ir_diag *d) {
  *state = 0;
  size_t len = 0, slen = 0;
  const void *sec = NULL;
  void *data = slurp(path, &len, d);
  bool ok = data && ir_image_find_section(data, len, IR_IMAGE_SECTION_NATIVE, path, &sec, &slen, d);
  if (ok && sec) {
    be_cpu_native nat;
    char err[256];
    if (!be_cpu_native_decode(sec, slen, &nat, err, sizeof err)) {
      ir_error(d, (ir_loc){.file = path}, "image corrupt: %s", err);
      ok = false;
    } else if (!be_cpu_native_matches_host(&nat, note, notelen)) {
      *state = 2;
    } else if (!be_cpu_offer_object(nat.key, nat.obj, nat.objlen)) {
      ir_error(d, (ir_loc){.file = path}, "out of memory reading the image's native code");
      ok = false;
    } else {
      *state = 1;
    }
  }
  free(data);
  return ok;
}

/* ---------------------------------------------------------------- helpers */

/* Zeroed, LINE-aligned and padded to whole LINEs, freed with the engine: arrays cut into per-thread
 * blocks of 64 elements then never share a cache line between threads. */
void *rt_jit_own_aligned(jit_engine *e, size_t n, size_t size, size_t align) {
  void **v = realloc(e->owned, (e->nowned + 1) * sizeof(*v));
  if (!v)
    return NULL;
  e->owned = v;
  if (size && (n ? n : 1) > (SIZE_MAX - align) / size)
    return NULL;
  size_t bytes = ((n ? n : 1) * size + align - 1) / align * align;
  void *p = aligned_alloc(align, bytes);
  if (p) {
    memset(p, 0, bytes);
    e->owned[e->nowned++] = p;
  }
  return p;
}

void *rt_jit_own(jit_engine *e, size_t n, size_t size) { return rt_jit_own_aligned(e, n, size, LINE); }

/* ---------------------------------------------------------------- the step loop */

static void compact(rt_src *c, uint64_t t) { c->nspk = rt_jit_compact_range(c->spk, c->n, 0, c->idx, c->last, t); }

static void clear_step(jit_engine *e) {
  rt_interp *s = e->s;
  const ir_module *m = s->m;
  for (uint32_t k = 0; k < m->npops + m->ninputs; k++) {
    rt_src *c = &s->srcs[k];
    if (k >= m->npops || !e->pops[k].gen) /* generated updates write every spike flag */
      memset(c->spk, 0, c->n);
    c->nspk = 0;
  }
  for (uint32_t k = 0; k < m->npops; k++) {
    rt_pop *p = &s->pops[k];
    bool gen = e->pops[k].gen;
    size_t w = s->fixed ? sizeof(int64_t) : sizeof(float);
    if (!gen)
      memset(s->fixed ? (void *)p->syn_i : (void *)p->syn_f, 0, p->n * w);
    if (!gen || e->pops[k].has_inj)
      memset(s->fixed ? (void *)p->inj_i : (void *)p->inj_f, 0, p->n * w);
    if (p->nev)
      memset(p->nev, 0, p->n * sizeof(int32_t));
  }
}

static bool step_once(jit_engine *e, ir_diag *d) {
  rt_interp *s = e->s;
  const ir_module *m = s->m;
  uint64_t t = s->step;
  clear_step(e);
  if (!rt_interp_step_inputs(s, d)) /* (1) inputs, (1b) astrocyte outputs */
    return false;
  for (uint32_t k = 0; k < m->nprojs; k++) /* (2) delivery into populations not generated */
    if (s->projs[k].nring && !e->pops[s->projs[k].post->index].gen)
      rt_syn_deliver_proj(s, &s->projs[k]);
  for (uint32_t k = 0; k < m->npops; k++) /* (3a) fire-first models */
    if (s->pops[k].model->fire)
      s->pops[k].model->fire(s, &s->pops[k]);
  /* (2)+(3b) generated, and their compaction; fused: pushes the last step's spikes first. The interp
   * clears every forced flag after every step (main thread): a worker reading them would fetch those
   * lines from the main thread's cache every step, so the update runs the loop that does not read them
   * unless a neuron may be forced (update_block, BE_CPU_LIF_ANY_FORCED). */
  if (t - e->epoch >= e->epoch_steps)
    rt_jit_rebase_epoch(e, t);
  rt_jit_run_phase(e, e->fused ? PHASE_STEP : PHASE_UPDATE);
  e->state_step = t + 1; /* callbacks read the state after the update */
  rt_jit_gather_spikes(e);
  for (uint32_t k = 0; k < m->npops; k++) /* (3b) event models not generated */
    if (!e->pops[k].gen && !s->pops[k].model->kernel_delivery)
      s->pops[k].model->update(s, &s->pops[k]);
  for (uint32_t k = 0; k < m->npops; k++)
    if (!e->pops[k].gen)
      compact(s->pops[k].src, t);
  for (uint32_t k = 0; k < m->npops; k++) /* (3c) kernel models */
    if (s->pops[k].model->kernel_delivery) {
      rt_syn_deliver_kernel(s, &s->pops[k]);
      s->pops[k].model->update(s, &s->pops[k]);
    }
  bool any = false; /* (3e) push; fused: deferred to the next parallel phase */
  for (uint32_t k = 0; k < m->nprojs; k++) {
    rt_proj *p = &s->projs[k];
    jit_proj *jq = &e->projs[k];
    if (jq->gen && e->fused) {
      e->pend[k] = p->pre->nspk; /* pushed to slot (t + 1) % nring in the next phase */
    } else if (jq->gen)
      any |= p->pre->nspk != 0;
    else if (p->nring)
      rt_syn_push_proj(s, p);
  }
  if (any)
    rt_jit_run_phase(e, PHASE_PUSH);
  e->injected = false; /* the interp clears the forced flags before its callbacks, which may inject */
  rt_interp_step_finish(s); /* (4) plasticity, (5) astrocytes, (6) callbacks */
  return true;
}

/* ---------------------------------------------------------------- engine ops */

static void jit_destroy(void *v) {
  jit_engine *e = v;
  if (!e)
    return;
  registry_remove(e);
  if (e->nthreads > 1 && env_on("ASTROC_JIT_VERBOSE"))
    fprintf(stderr, "astroc: jit: %llu back-off(s) to one thread (workers preempted)\n",
            (unsigned long long)e->backoffs);
  rt_jit_stop_threads(e);
  be_cpu_jit_destroy(e->jit);
  pthread_mutex_destroy(&e->mu);
  pthread_cond_destroy(&e->wake);
  if (e->interp)
    rt_engine_interp.destroy(e->interp);
  for (size_t k = 0; k < e->nowned; k++)
    free(e->owned[k]);
  free(e->owned);
  free(e);
}

static void *jit_create(rt_sim *sim, const ir_module *m, ir_numerics numerics, uint64_t seed, const rt_options *opt,
                        ir_diag *d) {
  size_t esize = (sizeof(jit_engine) + LINE - 1) / LINE * LINE;
  jit_engine *e = aligned_alloc(LINE, esize);
  if (!e) {
    ir_error(d, m->loc, "out of memory creating the simulation");
    return NULL;
  }
  memset(e, 0, esize);
  e->sim = sim;
  pthread_mutex_init(&e->mu, NULL);
  pthread_cond_init(&e->wake, NULL);
  e->nthreads = opt && opt->threads ? opt->threads : 1;
  if (e->nthreads > MAX_THREADS) {
    ir_error(d, m->loc, "jit engine: at most %d threads (got %u)", MAX_THREADS, e->nthreads);
    free(e);
    return NULL;
  }
  /* The interp engine object: its first member is the rt_interp (interp.c casts it the same way). */
  e->interp = rt_engine_interp.create(sim, m, numerics, seed, opt, d);
  if (!e->interp) {
    free(e);
    return NULL;
  }
  e->s = e->interp;
  e->state_step = e->s->step;
  e->epoch_steps = EPOCH_STEPS;
  const char *es = getenv("ASTROC_JIT_EPOCH_STEPS"); /* tests: move the refractory clock often */
  long long n = es ? atoll(es) : 0;
  if (n > 0 && n < EPOCH_STEPS)
    e->epoch_steps = (uint64_t)n;
  e->npops = m->npops;
  e->nprojs = m->nprojs;
  e->fixed = e->s->fixed;
  e->pops = rt_jit_own(e, m->npops, sizeof(jit_pop));
  e->projs = rt_jit_own(e, m->nprojs, sizeof(jit_proj));
  if (!e->pops || !e->projs) {
    ir_error(d, m->loc, "out of memory creating the simulation");
    jit_destroy(e);
    return NULL;
  }
  for (uint32_t k = 0; k < m->npops; k++)
    e->pops[k].p = &e->s->pops[k];
  for (uint32_t k = 0; k < m->nprojs; k++)
    e->projs[k].p = &e->s->projs[k];
  e->pool = rt_jit_own_aligned(e, 1, sizeof(jit_pool), PAGE); /* the lines every thread writes: pages of their own */
  e->pend = rt_jit_own(e, m->nprojs, sizeof(uint32_t));
  if (!e->pool || !e->pend) {
    ir_error(d, m->loc, "out of memory creating the simulation");
    jit_destroy(e);
    return NULL;
  }
  atomic_init(&e->pool->gen.v, 0);
  atomic_init(&e->pool->sleepers.v, 0);
  for (unsigned t = 0; t < MAX_THREADS; t++)
    atomic_init(&e->pool->claim[t].v, 0);
  unsigned before = ir_diag_error_count(d);
  bool compiled = rt_jit_compile(e, d) && rt_jit_build_blocks(e);
  e->fused = compiled && rt_jit_plan_fused(e);
  if (!compiled || !rt_jit_start_threads(e)) {
    if (ir_diag_error_count(d) == before)
      ir_error(d, m->loc, "jit engine: out of memory or threads");
    jit_destroy(e);
    return NULL;
  }
  registry_add(e);
  return e;
}

/* Fused mode: the pushes of the last step, so that between runs (checkpoints, state reads, another
 * engine restoring) the rings hold exactly what the interp's would. */
static void flush(jit_engine *e) {
  bool any = false;
  for (uint32_t k = 0; k < e->s->m->nprojs; k++)
    any |= e->pend[k] != 0;
  if (any)
    rt_jit_run_phase(e, PHASE_FLUSH);
  for (uint32_t k = 0; k < e->s->m->nprojs; k++)
    e->pend[k] = 0;
}

static bool jit_run(void *v, uint64_t nsteps, ir_diag *d) {
  jit_engine *e = v;
  bool ok = true;
  for (uint64_t k = 0; ok && k < nsteps; k++)
    ok = step_once(e, d);
  flush(e);
  rt_jit_sync_out(e);
  return ok;
}

static uint64_t jit_steps(const void *v) { return ((const jit_engine *)v)->s->step; }

static bool jit_inject(void *v, ir_ref source, uint32_t idx) {
  jit_engine *e = v;
  e->injected = true;
  return rt_engine_interp.inject(e->interp, source, idx);
}
static const char *const *jit_state_vars(const void *v, ir_ref node, size_t *n) {
  return rt_engine_interp.state_vars(((const jit_engine *)v)->interp, node, n);
}
static bool jit_state_size(const void *v, ir_ref node, const char *var, uint64_t *n) {
  return rt_engine_interp.state_size(((const jit_engine *)v)->interp, node, var, n);
}
/* A state read or a checkpoint in the middle of a run (from a callback) first brings the interp's arrays
 * up to date; the engine object is never const to its owner, only to the rt_sim API. */
static bool jit_read_state(const void *v, ir_ref node, const char *var, double *out) {
  jit_engine *e = (jit_engine *)(uintptr_t)v;
  rt_jit_sync_out(e);
  return rt_engine_interp.read_state(e->interp, node, var, out);
}
static bool jit_save(const void *v, FILE *f, ir_diag *d) {
  jit_engine *e = (jit_engine *)(uintptr_t)v;
  rt_jit_sync_out(e);
  return rt_engine_interp.save(e->interp, f, d);
}
static bool jit_restore(void *v, FILE *f, ir_diag *d) {
  jit_engine *e = v;
  e->injected = true; /* a checkpoint may carry forced flags */
  bool ok = rt_engine_interp.restore(e->interp, f, d);
  e->state_step = e->s->step;
  rt_jit_sync_blocks(e, false); /* the restored state into the blocks (also after a failed, partial restore) */
  return ok;
}

const rt_engine_ops rt_engine_jit = {
    .name = "jit",
    .create = jit_create,
    .run = jit_run,
    .steps = jit_steps,
    .inject = jit_inject,
    .state_vars = jit_state_vars,
    .state_size = jit_state_size,
    .read_state = jit_read_state,
    .save = jit_save,
    .restore = jit_restore,
    .destroy = jit_destroy,
};

