/* engine_jit_plan.c — what the jit engine generates: which populations and projections get native code,
 * their be_cpu specs, the run-time parameter arrays (uniform or per neuron), the per-thread row tables of
 * the pushes, and the compilation through backends/cpu (cache, dumps, function lookup, the perf map). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "be_cpu_embed.h"
#include "engine_jit_int.h"
#include "rng.h"

static void *registered(rt_interp *s, ir_ref node, const char *name) {
  for (size_t k = 0; k < s->nreg; k++)
    if (s->reg[k].name && s->reg[k].node.kind == node.kind && s->reg[k].node.index == node.index &&
        strcmp(s->reg[k].name, name) == 0)
      return s->reg[k].ptr;
  return NULL;
}

/* A value that does not depend on the seed: folding it keeps the code valid for a re-run with another seed. */
static bool seed_free(const ir_value *v) {
  return v->kind == IR_VAL_CONST || v->kind == IR_VAL_UNSET;
}

/* ---------------------------------------------------------------- lif: parameters and spec */

/* The interp's float decay factor (neuron_lif.c): (4096 - off - d)/4096 when d is set, else exp(-dt/tau). */
static float decay_factor(double tau, double d, double dt, double off) {
  if (!isnan(d))
    return (float)((4096.0 - off - d) / 4096.0);
  return tau > 0 ? (float)exp(-dt / tau) : 0.0f;
}

/* Fills the parameter arrays of a population: one element for a uniform parameter (its IR value is a
 * constant, not a distribution), one per neuron otherwise, from the same draws and derivations as
 * neuron_lif.c (rt_sample_params keyed by the population, ir_fx_lif_derive). Values are data, never code:
 * "uniform" depends on the model only, so another seed or other constants reuse the compiled code. */
static bool lif_params(jit_engine *e, jit_pop *jp, be_cpu_lif *spec, ir_diag *d) {
  rt_interp *s = e->s;
  rt_pop *p = jp->p;
  const ir_value *iv = p->ip->params;
  const ir_model_desc *desc = ir_neuron_model_desc(IR_NEURON_LIF);
  spec->uniform[BE_CPU_LIF_P_DECAY_U] = seed_free(&iv[IR_P_LIF_TAU_U]) && seed_free(&iv[IR_P_LIF_DU]);
  spec->uniform[BE_CPU_LIF_P_DECAY_V] = seed_free(&iv[IR_P_LIF_TAU_V]) && seed_free(&iv[IR_P_LIF_DV]);
  spec->uniform[BE_CPU_LIF_P_VTH] = seed_free(&iv[IR_P_LIF_V_TH]);
  spec->uniform[BE_CPU_LIF_P_BIAS] = seed_free(&iv[IR_P_LIF_BIAS]);
  spec->uniform[BE_CPU_LIF_P_NREF] = seed_free(&iv[IR_P_LIF_REFRACTORY]);
  double *prm = rt_sample_params(s, iv, desc, RNG_KIND_NEURON_PARAM, p->index, p->n);
  if (!prm)
    return false;
  int32_t *arr[BE_CPU_LIF_NPARAM] = {0};
  for (int k = 0; k < BE_CPU_LIF_NPARAM; k++)
    if (!(arr[k] = rt_jit_own(e, spec->uniform[k] ? 1 : p->n, sizeof(int32_t)))) {
      free(prm);
      return false;
    }
  for (uint32_t i = 0; i < p->n; i++) {
    const double *q = prm + (size_t)i * desc->nparams;
    int64_t qv[BE_CPU_LIF_NPARAM];
    float fv[BE_CPU_LIF_NPARAM] = {0};
    if (s->fixed) {
      ir_fx_lif fx;
      const char *why = NULL;
      if (!ir_fx_lif_derive(q, s->m->dt, s->m->v_unit, &fx, &why)) { /* the interp accepted it already */
        ir_error(d, p->ip->loc, "population '%s' (neuron %u): %s", p->ip->name, i, why);
        free(prm);
        return false;
      }
      qv[BE_CPU_LIF_P_DECAY_U] = fx.du;
      qv[BE_CPU_LIF_P_DECAY_V] = fx.dv;
      qv[BE_CPU_LIF_P_VTH] = (int64_t)fx.vth_mant << 6;
      qv[BE_CPU_LIF_P_BIAS] = (int64_t)fx.bias_mant * (INT64_C(1) << fx.bias_exp);
      qv[BE_CPU_LIF_P_NREF] = fx.refractory;
    } else {
      fv[BE_CPU_LIF_P_DECAY_U] = decay_factor(q[IR_P_LIF_TAU_U], q[IR_P_LIF_DU], s->m->dt, 1);
      fv[BE_CPU_LIF_P_DECAY_V] = decay_factor(q[IR_P_LIF_TAU_V], q[IR_P_LIF_DV], s->m->dt, 0);
      fv[BE_CPU_LIF_P_VTH] = (float)q[IR_P_LIF_V_TH];
      fv[BE_CPU_LIF_P_BIAS] = (float)q[IR_P_LIF_BIAS];
      double r = round(q[IR_P_LIF_REFRACTORY] / s->m->dt);
      qv[BE_CPU_LIF_P_NREF] = r > 1e9 ? 1000000000 : (int32_t)r;
    }
    for (int k = 0; k < BE_CPU_LIF_NPARAM; k++) {
      if (spec->uniform[k] && i > 0)
        continue;
      if (!s->fixed && k != BE_CPU_LIF_P_NREF)
        memcpy(&arr[k][i], &fv[k], sizeof(float));
      else
        arr[k][i] = (int32_t)qv[k];
    }
  }
  free(prm);
  for (int k = 0; k < BE_CPU_LIF_NPARAM; k++)
    jp->ptrs[BE_CPU_LIF_PARAM0 + k] = arr[k];
  return true;
}

static bool plan_pop(jit_engine *e, jit_pop *jp, be_cpu_lif *spec, char *name, ir_diag *d) {
  rt_interp *s = e->s;
  rt_pop *p = jp->p;
  if (p->ip->model != IR_NEURON_LIF || rt_pop_astro_coupled(s, p))
    return true; /* astrocyte coupling (modulated delivery, slow currents) stays in the interp's loops */
  for (uint32_t k = 0; k < s->m->nprojs; k++)
    if (s->projs[k].post == p && s->projs[k].nring) {
      if (jp->nin == MAX_IN)
        return true; /* too many inputs for one generated loop: the interp path runs this population */
      jp->in[jp->nin++] = &s->projs[k];
      if (s->fixed && s->projs[k].csr->nsyn > RING_SUMS_MAX)
        return true; /* its ring sums might not fit the generated code's int32 cells: the interp runs it */
    }
  for (uint32_t k = 0; k < s->m->ninputs; k++)
    if (s->inputs[k].inject == p)
      jp->has_inj = true;
  ir_ref node = {IR_NODE_POPULATION, p->index};
  jp->ptrs[BE_CPU_LIF_V] = registered(s, node, "v");
  jp->ptrs[BE_CPU_LIF_U] = registered(s, node, "u");
  jp->ptrs[BE_CPU_LIF_REF] = registered(s, node, "ref");
  if (!jp->ptrs[BE_CPU_LIF_V] || !jp->ptrs[BE_CPU_LIF_U] || !jp->ptrs[BE_CPU_LIF_REF])
    return true; /* not the lif state this engine knows: leave it to the interp */
  jp->ptrs[BE_CPU_LIF_INJ] = s->fixed ? (void *)p->inj_i : (void *)p->inj_f;
  jp->ptrs[BE_CPU_LIF_FORCED] = p->src->forced;
  /* BE_CPU_LIF_SPK: the blocks' own spike bits (engine_jit_sync.c), never the interp's byte flags */
  int64_t *shift = rt_jit_own(e, MAX_IN, sizeof(int64_t));
  if (!shift)
    return false;
  for (uint32_t k = 0; k < jp->nin; k++)
    shift[k] = 6 + jp->in[k]->wexp;
  jp->ptrs[BE_CPU_LIF_SHIFT] = shift;
  snprintf(name, 32, "astroc_lif_%u", p->index);
  *spec = (be_cpu_lif){.name = name, .fixed = s->fixed, .nin = jp->nin, .has_inj = jp->has_inj};
  if (!lif_params(e, jp, spec, d))
    return false;
  const int32_t *nref = jp->ptrs[BE_CPU_LIF_PARAM0 + BE_CPU_LIF_P_NREF];
  for (uint32_t i = 0; i < (spec->uniform[BE_CPU_LIF_P_NREF] ? 1 : p->n); i++)
    if (nref[i] > MAX_NREF)
      return true; /* beyond the refractory clock's range (EPOCH_STEPS): the interp runs this population */
  memcpy(jp->uniform, spec->uniform, sizeof(jp->uniform));
  jp->gen = true; /* the address comes after compilation */
  unsigned T = e->nthreads;
  for (unsigned t = 0; t <= T; t++) {
    uint64_t b = (uint64_t)p->n * t / T;
    jp->blk[t] = t == T ? p->n : (uint32_t)(b / BLOCK_ALIGN * BLOCK_ALIGN);
  }
  return true;
}

/* ---------------------------------------------------------------- push: spec and per-thread rows */

static bool all_equal_u16(const uint16_t *v, uint64_t n) {
  for (uint64_t k = 1; k < n; k++)
    if (v[k] != v[0])
      return false;
  return true;
}

static bool plan_proj(jit_engine *e, jit_proj *jq, be_cpu_push *spec, char *name) {
  rt_interp *s = e->s;
  rt_proj *p = jq->p;
  jit_pop *post = &e->pops[p->post->index];
  if (!p->nring || !post->gen || p->modulated)
    return true;
  const ir_csr *c = p->csr;
  const ir_projection *ip = p->ip;
  bool list = ip->rule.kind == IR_CONN_LIST;
  snprintf(name, 32, "astroc_push_%u", p->index);
  *spec = (be_cpu_push){.name = name, .fixed = s->fixed};
  /* Uniform delays / weights are read from element 0 of their arrays; "uniform" is decided from the model
   * (a constant, not a distribution), so the choice, and the code, does not change with the seed. */
  spec->delay_uniform = (list || seed_free(&ip->delay)) && all_equal_u16(c->delay, c->nsyn);
  bool wu = ip->plasticity == IR_PLAST_NONE && (list || seed_free(&ip->weight));
  for (uint64_t k = 1; wu && k < c->nsyn; k++)
    wu = s->fixed ? p->w_q[k] == p->w_q[0] : memcmp(&p->w_f[k], &p->w_f[0], sizeof(float)) == 0;
  spec->w_uniform = wu;
  jq->ptrs[BE_CPU_PUSH_IDX] = p->pre->idx;
  jq->ptrs[BE_CPU_PUSH_COL] = c->col;
  /* Columns as uint16 when the post population allows: the push reads half the bytes (rows come from
   * L3 or memory: a step touches a few random rows of a CSR that does not fit the L2). */
  if (c->npost <= 65536 && c->nsyn > 0 && !env_on("ASTROC_JIT_COL32")) {
    uint16_t *c16 = rt_jit_own(e, (size_t)c->nsyn, sizeof(uint16_t));
    if (!c16)
      return false;
    for (uint64_t k = 0; k < c->nsyn; k++)
      c16[k] = (uint16_t)c->col[k];
    jq->ptrs[BE_CPU_PUSH_COL] = c16;
    spec->col16 = true;
  }
  jq->ptrs[BE_CPU_PUSH_DELAY] = c->delay;
  jq->ptrs[BE_CPU_PUSH_W] = s->fixed ? (void *)p->w_q : (void *)p->w_f;
  jq->ptrs[BE_CPU_PUSH_RING] = s->fixed ? (void *)p->ring_i : (void *)p->ring_f;
  unsigned T = e->nthreads;
  if (T == 1) {
    jq->ptrs[BE_CPU_PUSH_RP] = c->row_ptr;
    jq->stride = 1;
  } else { /* thread t's part of row i: the synapses whose post is in its block (cols ascend in a row) */
    uint64_t *rp = rt_jit_own(e, (size_t)c->npre * (T + 1) + 1, sizeof(uint64_t));
    if (!rp)
      return false;
    for (uint32_t i = 0; i < c->npre; i++) {
      uint64_t k = c->row_ptr[i];
      for (unsigned t = 0; t < T; t++) {
        while (k < c->row_ptr[i + 1] && c->col[k] < post->blk[t])
          k++;
        rp[(size_t)i * (T + 1) + t] = k;
      }
      rp[(size_t)i * (T + 1) + T] = c->row_ptr[i + 1];
    }
    jq->ptrs[BE_CPU_PUSH_RP] = rp;
    jq->stride = T + 1;
  }
  jq->nring = p->nring;
  if (ip->pre.kind == IR_NODE_POPULATION && e->pops[ip->pre.index].gen)
    jq->pre_gen = &e->pops[ip->pre.index];
  jq->gen = true;
  return true;
}

/* ---------------------------------------------------------------- compilation */

static bool jit_fail(ir_diag *d, const ir_module *m, const char *what, const char *err) {
  ir_error(d, m->loc, "jit engine: %s: %s", what, err);
  return false;
}

/* The disk cache folder: $ASTROC_JIT_CACHE ("off" or "0": none), else $XDG_CACHE_HOME/astroc/jit, else
 * $HOME/.cache/astroc/jit, else none. Written into buf. */
static const char *cache_dir(char *buf, size_t n) {
  const char *v = getenv("ASTROC_JIT_CACHE"), *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
  if (v)
    return *v && strcmp(v, "0") != 0 && strcmp(v, "off") != 0 ? v : NULL;
  if (x && *x)
    snprintf(buf, n, "%s/astroc/jit", x);
  else if (h && *h)
    snprintf(buf, n, "%s/.cache/astroc/jit", h);
  else
    return NULL;
  return buf;
}

const char *rt_jit_origin_name(be_cpu_origin o) {
  switch (o) {
  case BE_CPU_CACHED: return "cached object";
  case BE_CPU_SHARED: return "shared in process";
  case BE_CPU_EMBEDDED: return "embedded object";
  case BE_CPU_COMPILED: break;
  }
  return "compiled";
}

/* ASTROC_JIT_DUMP: optimise here to print the IR, then compile without any cache. */
static be_cpu_jit *build_dumped(be_cpu_program *prog, char *err, size_t n) {
  if (!be_cpu_optimize(prog, err, n))
    return NULL;
  char *ir = be_cpu_print_ir(prog);
  if (ir)
    fputs(ir, stderr);
  free(ir);
  return be_cpu_jit_create(prog, err, n);
}

/* The address of generated function k (populations first, then projections; names[] order), 0 when
 * that node is not generated. */
static uintptr_t fn_address(const jit_engine *e, uint32_t k) {
  uint32_t np = e->s->m->npops;
  be_cpu_fn fn = k < np ? e->pops[k].fn : e->projs[k - np].fn;
  uintptr_t a = 0;
  if (fn)
    memcpy(&a, &fn, sizeof a); /* function -> integer without a pedantic cast warning */
  return a;
}

/* ASTROC_JIT_PERFMAP=1: appends the generated functions to /tmp/perf-PID.map — "address size name" per
 * line, the file perf reads for code it finds no symbols for — so that `perf report` names them. The
 * sizes come from the symbol table of the object code LLJIT loaded. */
static void write_perf_map(const jit_engine *e, char (*names)[32], ir_diag *d) {
  const ir_module *m = e->s->m;
  const void *obj;
  size_t len;
  uint64_t key;
  if (!be_cpu_jit_object(e->jit, &obj, &len, &key)) {
    ir_warning(d, m->loc, "ASTROC_JIT_PERFMAP: no object code to read function sizes from (ASTROC_JIT_DUMP "
                          "compiles in process): no perf map");
    return;
  }
  char path[64];
  snprintf(path, sizeof path, "/tmp/perf-%ld.map", (long)getpid());
  FILE *f = fopen(path, "a");
  if (!f) {
    ir_warning(d, m->loc, "ASTROC_JIT_PERFMAP: cannot write %s: %s", path, strerror(errno));
    return;
  }
  for (uint32_t k = 0; k < m->npops + m->nprojs; k++) {
    uintptr_t a = fn_address(e, k);
    uint64_t size;
    if (a && be_cpu_object_symbol_size(obj, len, names[k], &size))
      fprintf(f, "%llx %llx %s\n", (unsigned long long)a, (unsigned long long)size, names[k]);
  }
  if (fclose(f) != 0)
    ir_warning(d, m->loc, "ASTROC_JIT_PERFMAP: cannot write %s", path);
}

bool rt_jit_compile(jit_engine *e, ir_diag *d) {
  rt_interp *s = e->s;
  const ir_module *m = s->m;
  double t0 = now_ms();
  char err[512] = "", dir[4096];
  /* One module name for every network: the code (and its cache key) depends on the structure only. */
  be_cpu_program *prog = be_cpu_program_create("astroc", err, sizeof err);
  if (!prog)
    return jit_fail(d, m, "cannot start LLVM", err);
  char (*names)[32] = rt_jit_own(e, (size_t)m->npops + m->nprojs + 1, 32);
  bool ok = names != NULL;
  for (uint32_t k = 0; ok && k < m->npops; k++) {
    be_cpu_lif spec;
    ok = plan_pop(e, &e->pops[k], &spec, names[k], d);
    if (ok && e->pops[k].gen && !(ok = be_cpu_add_lif(prog, &spec, err, sizeof err)))
      jit_fail(d, m, "code generation", err);
  }
  for (uint32_t k = 0; ok && k < m->nprojs; k++) {
    be_cpu_push spec;
    ok = plan_proj(e, &e->projs[k], &spec, names[m->npops + k]);
    if (ok && e->projs[k].gen && !(ok = be_cpu_add_push(prog, &spec, err, sizeof err)))
      jit_fail(d, m, "code generation", err);
  }
  e->origin = BE_CPU_COMPILED;
  if (ok) {
    e->jit = env_on("ASTROC_JIT_DUMP") ? build_dumped(prog, err, sizeof err)
                                       : be_cpu_jit_build(prog, cache_dir(dir, sizeof dir), &e->origin, err, sizeof err);
    if (!e->jit)
      ok = jit_fail(d, m, "native code generation", err);
  }
  be_cpu_program_destroy(prog);
  for (uint32_t k = 0; ok && k < m->npops; k++)
    if (e->pops[k].gen && !(e->pops[k].fn = be_cpu_jit_lookup(e->jit, names[k], err, sizeof err)))
      ok = jit_fail(d, m, "native code generation", err);
  for (uint32_t k = 0; ok && k < m->nprojs; k++)
    if (e->projs[k].gen && !(e->projs[k].fn = be_cpu_jit_lookup(e->jit, names[m->npops + k], err, sizeof err)))
      ok = jit_fail(d, m, "native code generation", err);
  for (uint32_t k = 0; k < m->npops; k++)
    e->nfunctions += e->pops[k].gen;
  for (uint32_t k = 0; k < m->nprojs; k++)
    e->nfunctions += e->projs[k].gen;
  e->compile_ms = now_ms() - t0;
  for (uint32_t k = 0; ok && env_on("ASTROC_JIT_ADDR") && k < m->npops + m->nprojs; k++)
    if (fn_address(e, k))
      fprintf(stderr, "astroc: jit: %s at %#llx\n", names[k], (unsigned long long)fn_address(e, k));
  if (ok && env_on("ASTROC_JIT_PERFMAP"))
    write_perf_map(e, names, d);
  if (ok && env_on("ASTROC_JIT_VERBOSE"))
    fprintf(stderr, "astroc: jit: %u functions for %s, code: %s, %.1f ms, %u thread(s)\n", e->nfunctions,
            be_cpu_host_cpu(), rt_jit_origin_name(e->origin), e->compile_ms, e->nthreads);
  return ok;
}

/* Fused mode defers a generated projection's push from the end of step t to the start of step t+1's
 * parallel phase. Between the two run the interp's plasticity, the next step's inputs and clearing:
 * the push must read the same weights (no plasticity on the projection) and the same spike list (a
 * population's idx is only rewritten by the next compaction; an input's by the next step's inputs).
 * ASTROC_JIT_TWO_PHASE=1 forces the two-phase mode. */
bool rt_jit_plan_fused(const jit_engine *e) {
  if (env_on("ASTROC_JIT_TWO_PHASE"))
    return false;
  for (uint32_t k = 0; k < e->s->m->nprojs; k++) {
    const jit_proj *jq = &e->projs[k];
    if (jq->gen && (jq->p->ip->plasticity != IR_PLAST_NONE || jq->p->ip->pre.kind != IR_NODE_POPULATION))
      return false;
  }
  return true;
}
