/* lh_compile.c — from an expanded fixed-mode module to an lh_config: checks what the Loihi targets
 * can host, derives per-neuron integers and per-projection formats, keeps the exact per-core usage of
 * a core being filled (lh_fill), and drives the core assignment: the mapping passes' (lh_assign.c),
 * else a sequential fill that respects every per-core limit (docs/loihi-format.md, "Partitioning"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lh_internal.h"
#include "rng.h"

/* ---------------------------------------------------------------- checks */

static bool check_module(const ir_module *m, const lh_target *t, ir_diag *d) {
  bool ok = true;
  if (m->numerics != IR_NUMERICS_FIXED) {
    ir_error(d, m->loc, "the %s target needs fixed numerics (network.numerics: fixed, or --numerics fixed)",
             t->name);
    return false;
  }
  if (!(m->dt > 0) || !(m->v_unit > 0)) {
    ir_error(d, m->loc, "dt and v_unit must be positive");
    return false;
  }
  for (uint32_t p = 0; p < m->npops; p++)
    if (m->pops[p].model != IR_NEURON_LIF && m->pops[p].model != IR_NEURON_NALSM_LIF &&
        m->pops[p].model != IR_NEURON_AMSU) {
      ir_error(d, m->pops[p].loc, "population '%s': neuron model '%s' is not supported yet by the %s target "
               "(lif, nalsm_lif and amsu map onto Loihi compartments)", m->pops[p].name,
               ir_neuron_model_desc(m->pops[p].model)->name, t->name);
      ok = false;
    }
  for (uint32_t k = 0; k < m->ninputs; k++) {
    const ir_input *in = &m->inputs[k];
    if (in->kind == IR_INPUT_DATASET && in->size != 784 && in->size != 196 && in->size != 49) {
      ir_error(d, in->loc, "input '%s': a dataset input needs size 784, 196 or 49 (28x28 images pooled 1, 2 or 4), "
               "got %u", in->name, in->size);
      ok = false;
    }
    if (in->inject_into >= 0 &&
        ((uint32_t)in->inject_into >= m->npops || m->pops[in->inject_into].size != in->size)) {
      ir_error(d, in->loc, "input '%s': inject needs a population of the same size (%u)", in->name, in->size);
      ok = false;
    }
  }
  for (uint32_t k = 0; k < m->nastros; k++) {
    const ir_astrocyte *a = &m->astros[k];
    for (uint32_t j = 0; a->model == IR_ASTRO_TRIPARTITE && j < a->nmodulates; j++) {
      ir_ref r = a->modulates[j];
      if (r.kind == IR_NODE_PROJECTION && r.index < m->nprojs && m->projs[r.index].post.kind == IR_NODE_POPULATION &&
          m->pops[m->projs[r.index].post.index].model == IR_NEURON_NALSM_LIF) {
        ir_error(d, a->loc, "astrocyte '%s': efficacy modulation of projection '%s' into a nalsm_lif population "
                 "is not supported yet (it needs event delivery)", a->name, m->projs[r.index].name);
        ok = false;
      }
    }
    if (a->model != IR_ASTRO_NALSM && a->model != IR_ASTRO_TRIPARTITE) {
      ir_error(d, m->astros[k].loc, "astrocyte '%s': model '%s' is not supported yet by the %s target",
               m->astros[k].name, ir_astro_model_desc(m->astros[k].model)->name, t->name);
      ok = false;
    }
  }
  for (uint32_t k = 0; k < m->nprojs; k++) {
    const ir_projection *pr = &m->projs[k];
    if (!pr->csr) {
      ir_error(d, pr->loc, "projection '%s' is not expanded", pr->name);
      return false;
    }
    for (uint64_t s = 0; s < pr->csr->nsyn; s++)
      if (pr->csr->delay[s] > t->delay_max) {
        ir_error(d, pr->loc, "projection '%s': delay %u steps exceeds the %s limit of %u", pr->name,
                 pr->csr->delay[s], t->name, t->delay_max);
        ok = false;
        break;
      }
  }
  return ok;
}

/* ---------------------------------------------------------------- per-neuron and per-projection integers */

/* One population's per-neuron integers (lif, nalsm_lif or amsu). */
static bool derive_pop(lh_ctx *x, uint32_t p) {
  const ir_module *m = x->m;
  const ir_population *pop = &m->pops[p];
  bool nalsm = pop->model == IR_NEURON_NALSM_LIF, amsu = pop->model == IR_NEURON_AMSU;
  const ir_model_desc *desc = ir_neuron_model_desc(pop->model);
  size_t n = pop->size ? pop->size : 1;
  if (nalsm)
    x->nprm[p] = calloc(n, sizeof(ir_fx_nalsm_lif));
  else if (amsu)
    x->aprm[p] = calloc(n, sizeof(lh_fx_amsu));
  else
    x->prm[p] = calloc(n, sizeof(ir_fx_lif));
  if (nalsm ? !x->nprm[p] : amsu ? !x->aprm[p] : !x->prm[p])
    return false;
  uint64_t stream = RNG_STREAM(RNG_KIND_NEURON_PARAM, p);
  double q[IR_MAX_PARAMS];
  for (uint32_t i = 0; i < pop->size; i++) {
    for (uint32_t k = 0; k < desc->nparams; k++)
      q[k] = ir_value_sample(&pop->params[k], m->seed, stream, k, i);
    const char *why = NULL;
    bool ok = nalsm  ? ir_fx_nalsm_lif_derive(q, m->dt, m->v_unit, &x->nprm[p][i], &why)
              : amsu ? lh_amsu_derive(q, m->dt, m->v_unit, &x->aprm[p][i], &why)
                     : ir_fx_lif_derive(q, m->dt, m->v_unit, &x->prm[p][i], &why);
    if (!ok) {
      ir_error(x->d, pop->loc, "population '%s' (neuron %u): %s", pop->name, i, why);
      return false;
    }
  }
  return true;
}

/* The kernel table of a nalsm_lif population, shared with earlier populations when identical. */
static bool derive_kernel(lh_ctx *x, uint32_t p) {
  const ir_population *pop = &x->m->pops[p];
  const ir_value *ts = &pop->params[IR_P_NALSM_LIF_TAU_SYN], *kc = &pop->params[IR_P_NALSM_LIF_KERNEL_CUTOFF];
  if (ts->kind != IR_VAL_CONST || kc->kind != IR_VAL_CONST) {
    ir_error(x->d, pop->loc, "population '%s': tau_syn and kernel_cutoff must be constants, not distributions",
             pop->name);
    return false;
  }
  lh_kernel k = {0};
  int32_t kq[IR_FX_KERNEL_MAX];
  k.kcut = ir_fx_kernel(ts->a, kc->a, x->m->dt, kq);
  if (k.kcut < 0) {
    ir_error(x->d, pop->loc, "population '%s': kernel_cutoff must be at most %d steps", pop->name,
             IR_FX_KERNEL_MAX - 1);
    return false;
  }
  memcpy(k.kq, kq, (size_t)(k.kcut + 1) * sizeof(int32_t));
  lh_config *c = x->c;
  for (uint32_t i = 0; i < c->nkernels; i++)
    if (memcmp(&c->kernels[i], &k, sizeof k) == 0) {
      x->pop_kernel[p] = (int32_t)i;
      return true;
    }
  lh_kernel *nk = realloc(c->kernels, ((size_t)c->nkernels + 1) * sizeof *nk);
  if (!nk)
    return false;
  c->kernels = nk;
  c->kernels[c->nkernels] = k;
  x->pop_kernel[p] = (int32_t)c->nkernels++;
  return true;
}

static bool derive_neurons(lh_ctx *x) {
  for (uint32_t p = 0; p < x->m->npops; p++) {
    x->pop_kernel[p] = -1;
    if (!derive_pop(x, p) || (x->m->pops[p].model == IR_NEURON_NALSM_LIF && !derive_kernel(x, p)))
      return false;
  }
  return true;
}

uint32_t lh_pop_ncx(const lh_ctx *x, uint32_t p) { return x->aprm[p] ? 2 : 1; }

lh_cx_profile lh_neuron_profile(const lh_ctx *x, uint32_t p, uint32_t j) {
  if (x->aprm[p])
    return lh_amsu_soma_profile(&x->aprm[p][j]);
  if (x->nprm[p]) {
    const ir_fx_nalsm_lif *q = &x->nprm[p][j];
    return (lh_cx_profile){.dv = q->leak, .refractory = q->refractory, .kind = LH_CX_NALSM, .v_reset = q->v_reset};
  }
  const ir_fx_lif *q = &x->prm[p][j];
  return (lh_cx_profile){.du = q->du, .dv = q->dv, .refractory = q->refractory, .kind = LH_CX_CUBA};
}

int32_t lh_neuron_vth(const lh_ctx *x, uint32_t p, uint32_t j) {
  return x->aprm[p] ? x->aprm[p][j].vth : x->nprm[p] ? x->nprm[p][j].vth : x->prm[p][j].vth_mant;
}

bool lh_same_format(const lh_ctx *x, uint32_t pa, uint32_t pb) {
  const lh_proj_info *a = &x->pi[pa], *b = &x->pi[pb];
  return pa == pb || (a->kernel < 0 && b->kernel < 0 && a->modulated < 0 && b->modulated < 0 && a->wexp == b->wexp && a->delay_bits == b->delay_bits &&
                      a->tag_bits == b->tag_bits && a->rule == b->rule);
}

static double const_or(const ir_value *v, double def) { return v->kind == IR_VAL_CONST ? v->a : def; }

static bool derive_projections(lh_ctx *x) {
  const ir_module *m = x->m;
  uint32_t nrules = 0;
  for (uint32_t k = 0; k < m->nprojs; k++) {
    const ir_projection *pr = &m->projs[k];
    const ir_csr *c = pr->csr;
    lh_proj_info *pi = &x->pi[k];
    bool plastic = pr->plasticity != IR_PLAST_NONE;
    double lo = plastic ? const_or(&pr->plast_params[IR_P_STDP_W_MIN], -INFINITY) : -INFINITY;
    double hi = plastic ? const_or(&pr->plast_params[IR_P_STDP_W_MAX], INFINITY) : INFINITY;
    if (!ir_fx_weight_exp(c->weight, c->nsyn, lo, hi, m->v_unit, &pi->wexp)) {
      ir_error(x->d, pr->loc,
               "weights of projection '%s' exceed 127 * 2^7 * v_unit in fixed numerics; raise network.v_unit",
               pr->name);
      return false;
    }
    pi->mant = malloc(c->nsyn ? c->nsyn : 1);
    pi->frac = malloc(c->nsyn ? c->nsyn : 1);
    if (!pi->mant || !pi->frac)
      return false;
    uint32_t maxd = 0;
    for (uint64_t s = 0; s < c->nsyn; s++) {
      int32_t w16 = ir_fx_weight_w16(c->weight[s], pi->wexp, m->v_unit);
      pi->mant[s] = (int8_t)ir_fx_wmant(w16);
      pi->frac[s] = (uint8_t)(w16 & 0xff);
      if (c->delay[s] > maxd)
        maxd = c->delay[s];
    }
    pi->delay_bits = lh_delay_bits(maxd);
    pi->tag_bits = plastic ? x->t->tag_bits : 0;
    pi->rule = plastic ? (int32_t)nrules++ : -1;
    pi->kernel = x->pop_kernel[pr->post.index];
    pi->modulated = -1;
    for (uint32_t a = 0; a < m->nastros; a++)
      for (uint32_t j = 0; m->astros[a].model == IR_ASTRO_TRIPARTITE && j < m->astros[a].nmodulates; j++)
        if (m->astros[a].modulates[j].kind == IR_NODE_PROJECTION && m->astros[a].modulates[j].index == k)
          pi->modulated = (int32_t)k;
    pi->bits = x->t->index_bits + x->t->weight_bits + pi->delay_bits + pi->tag_bits;
  }
  return true;
}

/* Incoming synapses of every neuron (post side), projections in model order, rows ascending. */
static bool build_incoming(lh_ctx *x) {
  const ir_module *m = x->m;
  for (uint32_t p = 0; p < m->npops; p++) {
    uint32_t n = m->pops[p].size;
    uint64_t *ptr = calloc((size_t)n + 1, sizeof(uint64_t));
    if (!ptr)
      return false;
    x->in_ptr[p] = ptr;
    for (uint32_t k = 0; k < m->nprojs; k++)
      if (m->projs[k].post.index == p)
        for (uint64_t s = 0; s < m->projs[k].csr->nsyn; s++)
          ptr[m->projs[k].csr->col[s] + 1]++;
    for (uint32_t j = 0; j < n; j++)
      ptr[j + 1] += ptr[j];
    uint64_t *fill = malloc(((size_t)n + 1) * sizeof(uint64_t));
    x->in_proj[p] = malloc((ptr[n] ? ptr[n] : 1) * sizeof(uint32_t));
    x->in_syn[p] = malloc((ptr[n] ? ptr[n] : 1) * sizeof(uint64_t));
    if (!fill || !x->in_proj[p] || !x->in_syn[p]) {
      free(fill);
      return false;
    }
    memcpy(fill, ptr, ((size_t)n + 1) * sizeof(uint64_t));
    for (uint32_t k = 0; k < m->nprojs; k++) {
      const ir_csr *c = m->projs[k].csr;
      if (m->projs[k].post.index != p)
        continue;
      for (uint32_t i = 0; i < c->npre; i++)
        for (uint64_t s = c->row_ptr[i]; s < c->row_ptr[i + 1]; s++) {
          uint64_t at = fill[c->col[s]]++;
          x->in_proj[p][at] = k;
          x->in_syn[p][at] = s;
        }
    }
    free(fill);
  }
  return true;
}

/* ---------------------------------------------------------------- sequential fill */

typedef lh_fill fill;

static bool touch(fill *f, uint32_t p, uint32_t i) {
  if (f->ntouch == f->captouch) {
    uint64_t cap = f->captouch ? 2 * f->captouch : 1024;
    uint32_t *a = realloc(f->tp, cap * sizeof(uint32_t)), *b = a ? realloc(f->ti, cap * sizeof(uint32_t)) : NULL;
    if (a)
      f->tp = a;
    if (!a || !b)
      return false;
    f->ti = b;
    f->captouch = cap;
  }
  f->tp[f->ntouch] = p;
  f->ti[f->ntouch++] = i;
  return true;
}

void lh_fill_next_core(lh_fill *f, const ir_module *m) {
  for (uint64_t k = 0; k < f->ntouch; k++)
    f->cnt[f->tp[k]][f->ti[k]] = 0;
  for (uint32_t k = 0; k < f->use[LH_RES_FORMATS]; k++)
    f->fmt_of[f->tfmt[k]] = -1;
  f->ntouch = 0;
  memset(f->use, 0, sizeof f->use);
  (void)m;
}

static bool over(const fill *f, const lh_target *t, uint32_t cx_cap, lh_resource *which) {
  if (f->use[LH_RES_CX] > cx_cap) {
    *which = LH_RES_CX;
    return true;
  }
  for (int r = 0; r < LH_RES_COUNT; r++)
    if (f->use[r] > t->limit[r]) {
      *which = (lh_resource)r;
      return true;
    }
  return false;
}

/* Adds neuron j of population p to the current core. Returns false with the core unchanged when a
 * limit would be exceeded (*which says which); *oom on allocation failure. */
bool lh_fill_add(lh_ctx *x, lh_fill *f, uint32_t p, uint32_t j, lh_resource *which, bool *oom) {
  lh_cx_profile q = lh_neuron_profile(x, p, j);
  int32_t vth = lh_neuron_vth(x, p, j);
  uint32_t save[LH_RES_COUNT];
  memcpy(save, f->use, sizeof save);
  uint64_t touch0 = f->ntouch;
  uint32_t fmt0 = f->use[LH_RES_FORMATS];
  f->use[LH_RES_CX] += lh_pop_ncx(x, p);
  uint32_t k;
  lh_cx_profile qs[2] = {q, {0}};
  if (x->aprm[p])
    qs[1] = lh_amsu_astro_profile(&x->aprm[p][j]);
  for (uint32_t e = 0; e < lh_pop_ncx(x, p); e++) {
    for (k = 0; k < f->use[LH_RES_CXPROF]; k++)
      if (memcmp(&f->cxp[k], &qs[e], sizeof qs[e]) == 0)
        break;
    if (k == f->use[LH_RES_CXPROF] && k < LH_PROFILES_CAP)
      f->cxp[f->use[LH_RES_CXPROF]++] = qs[e];
  }
  for (k = 0; k < f->use[LH_RES_VTHPROF]; k++)
    if (f->vthp[k] == vth)
      break;
  if (k == f->use[LH_RES_VTHPROF] && k < LH_PROFILES_CAP)
    f->vthp[f->use[LH_RES_VTHPROF]++] = vth;
  uint64_t words = f->use[LH_RES_WORDS];
  for (uint64_t e = x->in_ptr[p][j]; e < x->in_ptr[p][j + 1]; e++) {
    uint32_t pr = x->in_proj[p][e];
    uint64_t s = x->in_syn[p][e];
    const ir_csr *c = x->m->projs[pr].csr;
    /* the presynaptic neuron of synapse s: binary search of the row */
    uint32_t lo = 0, hi = c->npre;
    while (hi - lo > 1) {
      uint32_t mid = lo + (hi - lo) / 2;
      if (c->row_ptr[mid] <= s)
        lo = mid;
      else
        hi = mid;
    }
    uint32_t *cn = &f->cnt[pr][lo];
    if (*cn == 0 && !touch(f, pr, lo)) {
      *oom = true;
      return false;
    }
    const lh_proj_info *pi = &x->pi[pr];
    words += lh_syn_words(x->t, pi->bits, *cn + 1) - lh_syn_words(x->t, pi->bits, *cn);
    (*cn)++;
    if (f->fmt_of[pr] < 0) {
      /* formats are shared by projections with identical fields */
      int32_t same = -1;
      for (uint32_t g = 0; g < f->use[LH_RES_FORMATS] && same < 0; g++) {
        if (lh_same_format(x, f->tfmt[g], pr))
          same = f->fmt_of[f->tfmt[g]];
      }
      if (same < 0) {
        uint32_t distinct = 0;
        for (uint32_t g = 0; g < f->use[LH_RES_FORMATS]; g++)
          distinct = (uint32_t)f->fmt_of[f->tfmt[g]] + 1 > distinct ? (uint32_t)f->fmt_of[f->tfmt[g]] + 1 : distinct;
        same = (int32_t)distinct;
      }
      f->fmt_of[pr] = same;
      f->tfmt[f->use[LH_RES_FORMATS]++] = pr;
    }
  }
  f->use[LH_RES_WORDS] = words > UINT32_MAX ? UINT32_MAX : (uint32_t)words;
  f->use[LH_RES_AXIN] = (uint32_t)f->ntouch;
  /* FORMATS counts projections above; the resource is the number of distinct formats */
  uint32_t distinct = 0;
  for (uint32_t g = 0; g < f->use[LH_RES_FORMATS]; g++)
    if ((uint32_t)f->fmt_of[f->tfmt[g]] + 1 > distinct)
      distinct = (uint32_t)f->fmt_of[f->tfmt[g]] + 1;
  uint32_t nproj_fmt = f->use[LH_RES_FORMATS];
  f->use[LH_RES_FORMATS] = distinct;
  bool bad = over(f, x->t, x->cx_cap, which);
  f->use[LH_RES_FORMATS] = nproj_fmt;
  if (!bad)
    return true;
  /* roll back: synapse counts of this neuron, touched pairs, formats, profiles */
  for (uint64_t e = x->in_ptr[p][j]; e < x->in_ptr[p][j + 1]; e++) {
    uint32_t pr = x->in_proj[p][e];
    uint64_t s = x->in_syn[p][e];
    const ir_csr *c = x->m->projs[pr].csr;
    uint32_t lo = 0, hi = c->npre;
    while (hi - lo > 1) {
      uint32_t mid = lo + (hi - lo) / 2;
      if (c->row_ptr[mid] <= s)
        lo = mid;
      else
        hi = mid;
    }
    f->cnt[pr][lo]--;
  }
  f->ntouch = touch0;
  for (uint32_t g = fmt0; g < f->use[LH_RES_FORMATS]; g++)
    f->fmt_of[f->tfmt[g]] = -1;
  memcpy(f->use, save, sizeof save);
  f->use[LH_RES_FORMATS] = fmt0;
  return false;
}

void lh_fill_report_alone(lh_ctx *x, uint32_t core, uint32_t p, uint32_t j, lh_resource r) {
  ir_error(x->d, x->m->pops[p].loc,
           "core %u: neuron %u of population '%s' alone needs more %s than a %s core has (limit %u)", core, j,
           x->m->pops[p].name, lh_resource_phrase(r), x->t->name, x->t->limit[r]);
}

bool lh_fill_init(lh_fill *f, const ir_module *m) {
  *f = (lh_fill){0};
  f->fmt_of = malloc((m->nprojs ? m->nprojs : 1) * sizeof(int32_t));
  f->tfmt = malloc((m->nprojs ? m->nprojs : 1) * sizeof(uint32_t));
  f->cnt = calloc(m->nprojs ? m->nprojs : 1, sizeof(uint32_t *));
  if (!f->fmt_of || !f->tfmt || !f->cnt)
    return false;
  for (uint32_t k = 0; k < m->nprojs; k++) {
    f->fmt_of[k] = -1;
    f->cnt[k] = calloc(m->projs[k].csr->npre ? m->projs[k].csr->npre : 1, sizeof(uint32_t));
    if (!f->cnt[k])
      return false;
  }
  return true;
}

void lh_fill_free(lh_fill *f, const ir_module *m) {
  for (uint32_t k = 0; f->cnt && k < m->nprojs; k++)
    free(f->cnt[k]);
  free(f->cnt);
  free(f->fmt_of);
  free(f->tfmt);
  free(f->tp);
  free(f->ti);
}

static bool partition(lh_ctx *x) {
  const ir_module *m = x->m;
  fill f;
  bool ok = false, oom = false;
  if (!lh_fill_init(&f, m))
    goto done;
  uint32_t core = 0, ncx = 0;
  for (uint32_t p = 0; p < m->npops; p++) {
    x->core_of[p] = malloc((m->pops[p].size ? m->pops[p].size : 1) * sizeof(uint32_t));
    x->cx_of[p] = malloc((m->pops[p].size ? m->pops[p].size : 1) * sizeof(uint32_t));
    if (!x->core_of[p] || !x->cx_of[p])
      goto done;
    for (uint32_t j = 0; j < m->pops[p].size; j++) {
      lh_resource r;
      if (!lh_fill_add(x, &f, p, j, &r, &oom)) {
        if (oom)
          goto done;
        if (ncx == 0) {
          lh_fill_report_alone(x, core, p, j, r);
          goto done;
        }
        lh_fill_next_core(&f, m);
        core++;
        ncx = 0;
        if (!lh_fill_add(x, &f, p, j, &r, &oom)) {
          if (!oom)
            lh_fill_report_alone(x, core, p, j, r);
          goto done;
        }
      }
      x->core_of[p][j] = core;
      x->cx_of[p][j] = ncx;
      ncx += lh_pop_ncx(x, p);
    }
  }
  x->c->ncores = ncx ? core + 1 : core;
  uint64_t maxc = (uint64_t)x->t->chips_max * x->t->cores_per_chip;
  if (x->c->ncores > maxc) {
    ir_error(x->d, m->loc, "the network needs %u cores; %s has at most %llu (%u chips of %u cores), %llu too many",
             x->c->ncores, x->t->name, (unsigned long long)maxc, x->t->chips_max, x->t->cores_per_chip,
             (unsigned long long)(x->c->ncores - maxc));
    goto done;
  }
  x->c->nchips = (x->c->ncores + x->t->cores_per_chip - 1) / x->t->cores_per_chip;
  ok = true;
done:
  if (oom)
    ir_error(x->d, m->loc, "out of memory partitioning the network");
  lh_fill_free(&f, m);
  return ok;
}

/* ---------------------------------------------------------------- driver */

/* Forgets a core assignment and the tables built from it. */
static void reset_assignment(lh_ctx *x) {
  lh_tables_reset(x->c);
  for (uint32_t p = 0; p < x->m->npops; p++) {
    free(x->core_of[p]);
    free(x->cx_of[p]);
    x->core_of[p] = x->cx_of[p] = NULL;
  }
  free(x->mesh_id);
  x->mesh_id = NULL;
}

/* The sequential fill, redone with proportionally fewer compartments per core while a core has more
 * output axons than the limit (they are known only once every neuron has a core). */
static bool fill_sequential(lh_ctx *x) {
  const lh_target *t = x->t;
  for (;;) {
    x->axout_over = false;
    if (!partition(x) || !lh_build_tables(x))
      return false;
    if (!x->axout_over)
      return true;
    uint32_t lim = t->limit[LH_RES_AXOUT], cap = x->cx_cap;
    uint64_t next = (uint64_t)cap * lim / x->axout_used * 97 / 100;
    if (cap <= 1) {
      ir_error(x->d, x->m->loc, "core %u: %u output axons exceed the %s limit of %u by %u even with one "
               "compartment per core", x->axout_core, x->axout_used, t->name, lim, x->axout_used - lim);
      return false;
    }
    x->cx_cap = next >= cap ? cap - 1 : next < 1 ? 1 : (uint32_t)next;
    reset_assignment(x);
  }
}

static void ctx_free(lh_ctx *x) {
  const ir_module *m = x->m;
  for (uint32_t k = 0; x->pi && k < m->nprojs; k++) {
    free(x->pi[k].mant);
    free(x->pi[k].frac);
  }
  free(x->pi);
  free(x->mesh_id);
  for (uint32_t p = 0; p < m->npops; p++) {
    if (x->prm) free(x->prm[p]);
    if (x->nprm) free(x->nprm[p]);
    if (x->aprm) free(x->aprm[p]);
    if (x->core_of) free(x->core_of[p]);
    if (x->cx_of) free(x->cx_of[p]);
    if (x->in_ptr) free(x->in_ptr[p]);
    if (x->in_proj) free(x->in_proj[p]);
    if (x->in_syn) free(x->in_syn[p]);
  }
  free(x->prm);
  free(x->nprm);
  free(x->aprm);
  free(x->pop_kernel);
  free(x->core_of);
  free(x->cx_of);
  free(x->in_ptr);
  free(x->in_proj);
  free(x->in_syn);
}

static char *dupstr(const char *s) {
  size_t n = strlen(s ? s : "") + 1;
  char *r = malloc(n);
  if (r)
    memcpy(r, s ? s : "", n);
  return r;
}

lh_config *lh_compile(const ir_module *m, const lh_target *t, ir_diag *d) { return lh_compile_opt(m, t, NULL, d); }

lh_config *lh_compile_opt(const ir_module *m, const lh_target *t, const lh_options *opt, ir_diag *d) {
  if (!check_module(m, t, d))
    return NULL;
  lh_config *c = calloc(1, sizeof *c);
  lh_ctx x = {.m = m, .t = t, .d = d, .c = c};
  size_t np = m->npops ? m->npops : 1;
  x.pi = calloc(m->nprojs ? m->nprojs : 1, sizeof *x.pi);
  x.prm = calloc(np, sizeof *x.prm);
  x.nprm = calloc(np, sizeof *x.nprm);
  x.aprm = calloc(np, sizeof *x.aprm);
  x.pop_kernel = calloc(np, sizeof *x.pop_kernel);
  x.core_of = calloc(np, sizeof *x.core_of);
  x.cx_of = calloc(np, sizeof *x.cx_of);
  x.in_ptr = calloc(np, sizeof *x.in_ptr);
  x.in_proj = calloc(np, sizeof *x.in_proj);
  x.in_syn = calloc(np, sizeof *x.in_syn);
  unsigned before = ir_diag_error_count(d);
  bool ok = c && x.pi && x.prm && x.nprm && x.aprm && x.pop_kernel && x.core_of && x.cx_of && x.in_ptr && x.in_proj && x.in_syn;
  if (ok) {
    c->target = t;
    c->name = dupstr(m->name);
    c->dt = m->dt;
    c->v_unit = m->v_unit;
    c->seed = m->seed;
    ok = c->name && derive_neurons(&x) && derive_projections(&x) && build_incoming(&x);
    x.cx_cap = t->limit[LH_RES_CX];
    bool oom = false;
    if (ok && !(opt && opt->sequential) && lh_assign_mapped(&x, opt ? opt->place_iterations : 0, &oom)) {
      x.axout_over = false;
      ok = lh_build_tables(&x);
      c->mapped = ok && !x.axout_over;
    } else
      ok = ok && !oom;
    if (ok && !c->mapped) {
      reset_assignment(&x);
      ok = fill_sequential(&x);
    }
  }
  if (!ok && ir_diag_error_count(d) == before)
    ir_error(d, m->loc, "out of memory building the %s configuration", t->name);
  ctx_free(&x);
  if (!ok) {
    lh_config_free(c);
    return NULL;
  }
  return c;
}
