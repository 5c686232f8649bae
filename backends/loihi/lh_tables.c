/* lh_tables.c — builds the per-core tables once neurons have cores: compartments and profiles,
 * input axons with their synapse memory (encoded bit-exactly, lh_synmem.c's layout), output axons
 * (routes), external inputs, learning rules and astrocyte compartments. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lh_internal.h"
#include "rng.h"

/* ---------------------------------------------------------------- compartments and profiles */

static uint8_t find_cxp(lh_core *k, const lh_cx_profile *q) {
  for (uint32_t i = 0; i < k->ncxp; i++)
    if (memcmp(&k->cxp[i], q, sizeof *q) == 0)
      return (uint8_t)i;
  k->cxp[k->ncxp] = *q;
  return (uint8_t)k->ncxp++;
}

static uint8_t find_vthp(lh_core *k, int32_t vth) {
  for (uint32_t i = 0; i < k->nvthp; i++)
    if (k->vthp[i] == vth)
      return (uint8_t)i;
  k->vthp[k->nvthp] = vth;
  return (uint8_t)k->nvthp++;
}

static bool build_compartments(lh_ctx *x) {
  lh_config *c = x->c;
  const ir_module *m = x->m;
  for (uint32_t p = 0; p < m->npops; p++)
    for (uint32_t j = 0; j < m->pops[p].size; j++)
      c->cores[x->core_of[p][j]].ncx += lh_pop_ncx(x, p);
  for (uint32_t k = 0; k < c->ncores; k++) {
    lh_core *core = &c->cores[k];
    core->id = x->mesh_id ? x->mesh_id[k] : k;
    core->chip = core->id / x->t->cores_per_chip;
    core->index_in_chip = core->id % x->t->cores_per_chip;
    core->cx = calloc(core->ncx ? core->ncx : 1, sizeof(lh_cx));
    core->out_ptr = calloc((size_t)core->ncx + 1, sizeof(uint32_t));
    if (!core->cx || !core->out_ptr)
      return false;
  }
  for (uint32_t p = 0; p < m->npops; p++)
    for (uint32_t j = 0; j < m->pops[p].size; j++) {
      lh_core *core = &c->cores[x->core_of[p][j]];
      lh_cx *cx = &core->cx[x->cx_of[p][j]];
      if (x->nprm[p])
        *cx = (lh_cx){.pop = p, .neuron = j, .v_init = x->nprm[p][j].v_init};
      else if (x->aprm[p])
        *cx = (lh_cx){.pop = p, .neuron = j, .v_init = x->aprm[p][j].v_init};
      else {
        const ir_fx_lif *q = &x->prm[p][j];
        *cx = (lh_cx){.pop = p, .neuron = j, .bias_mant = q->bias_mant, .bias_exp = q->bias_exp,
                      .v_init = q->v_init, .u_init = q->u_init};
      }
      lh_cx_profile prof = lh_neuron_profile(x, p, j);
      cx->cxp = find_cxp(core, &prof);
      cx->vthp = find_vthp(core, lh_neuron_vth(x, p, j));
      if (x->aprm[p]) { /* the unit's astrocyte compartment, next to its soma; state a starts at 0 */
        lh_cx_profile ap = lh_amsu_astro_profile(&x->aprm[p][j]);
        cx[1] = (lh_cx){.pop = p, .neuron = j, .cxp = find_cxp(core, &ap), .vthp = cx->vthp};
      }
    }
  return true;
}

/* ---------------------------------------------------------------- input axons and synapse memory */

static uint32_t post_core(const lh_ctx *x, uint32_t proj, uint32_t col) {
  return x->core_of[x->m->projs[proj].post.index][col];
}

/* Input axons of every core: (projection, pre) pairs with synapses there, in that order. */
static bool build_axons(lh_ctx *x) {
  lh_config *c = x->c;
  const ir_module *m = x->m;
  uint32_t *cap = calloc(c->ncores ? c->ncores : 1, sizeof(uint32_t));
  uint64_t *last = malloc((c->ncores ? c->ncores : 1) * sizeof(uint64_t));
  if (!cap || !last) {
    free(cap);
    free(last);
    return false;
  }
  for (uint32_t k = 0; k < c->ncores; k++)
    last[k] = UINT64_MAX;
  bool ok = true;
  for (uint32_t p = 0; ok && p < m->nprojs; p++) {
    const ir_csr *csr = m->projs[p].csr;
    for (uint32_t i = 0; ok && i < csr->npre; i++)
      for (uint64_t s = csr->row_ptr[i]; ok && s < csr->row_ptr[i + 1]; s++) {
        uint32_t k = post_core(x, p, csr->col[s]);
        lh_core *core = &c->cores[k];
        uint64_t key = ((uint64_t)p << 32) | i;
        if (last[k] != key) {
          if (core->naxin == cap[k]) {
            cap[k] = cap[k] ? 2 * cap[k] : 64;
            lh_axin *a = realloc(core->axin, cap[k] * sizeof(lh_axin));
            if (!a) {
              ok = false;
              break;
            }
            core->axin = a;
          }
          core->axin[core->naxin++] = (lh_axin){.proj = p, .pre = i};
          last[k] = key;
        }
        core->axin[core->naxin - 1].nsyn++;
      }
  }
  free(cap);
  free(last);
  return ok;
}

/* The core's format for projection proj; owner[f] is the first projection that made format f. */
static uint32_t core_format(const lh_ctx *x, lh_core *core, uint32_t proj, uint32_t *owner) {
  for (uint32_t f = 0; f < core->nfmt; f++)
    if (lh_same_format(x, owner[f], proj))
      return f;
  const lh_proj_info *pi = &x->pi[proj];
  owner[core->nfmt] = proj;
  core->fmt[core->nfmt] = (lh_synfmt){pi->wexp, pi->delay_bits, pi->tag_bits, pi->rule, pi->kernel, pi->modulated};
  return core->nfmt++;
}

/* Chunks of one axon: header then synapses, each chunk from a word boundary. */
static void encode_axon(lh_ctx *x, lh_core *core, uint32_t k, const lh_axin *a, uint32_t fmt) {
  const ir_csr *csr = x->m->projs[a->proj].csr;
  const lh_proj_info *pi = &x->pi[a->proj];
  uint32_t post = x->m->projs[a->proj].post.index;
  const lh_target *t = x->t;
  lh_bits b = {core->words, (uint64_t)a->word * 64};
  uint32_t left = a->nsyn, in_chunk = 0;
  for (uint64_t s = csr->row_ptr[a->pre]; s < csr->row_ptr[a->pre + 1]; s++) {
    if (x->core_of[post][csr->col[s]] != k)
      continue;
    if (in_chunk == 0) {
      b.pos = (b.pos + 63) / 64 * 64;
      uint32_t n = left < t->chunk_max ? left : t->chunk_max;
      uint64_t h = (uint64_t)(n - 1) | ((uint64_t)(n == left) << 6) | ((uint64_t)fmt << 7);
      lh_bits_put(&b, h, t->header_bits);
      in_chunk = n;
    }
    lh_bits_put(&b, x->cx_of[post][csr->col[s]], t->index_bits);
    lh_bits_put(&b, (uint64_t)(uint8_t)pi->mant[s], t->weight_bits);
    lh_bits_put(&b, csr->delay[s], pi->delay_bits);
    lh_bits_put(&b, pi->frac[s], pi->tag_bits);
    in_chunk--;
    left--;
  }
}

static bool build_synapse_memory(lh_ctx *x) {
  lh_config *c = x->c;
  for (uint32_t k = 0; k < c->ncores; k++) {
    lh_core *core = &c->cores[k];
    uint64_t words = 0;
    uint32_t owner[LH_PROFILES_CAP];
    uint32_t *fmt = malloc((core->naxin ? core->naxin : 1) * sizeof(uint32_t));
    if (!fmt)
      return false;
    for (uint32_t a = 0; a < core->naxin; a++) {
      lh_axin *ax = &core->axin[a];
      const lh_proj_info *pi = &x->pi[ax->proj];
      fmt[a] = core_format(x, core, ax->proj, owner);
      ax->word = (uint32_t)words;
      ax->nwords = (uint32_t)lh_syn_words(x->t, pi->bits, ax->nsyn);
      words += ax->nwords;
    }
    core->nwords = (uint32_t)words;
    core->words = calloc(words ? words : 1, sizeof(uint64_t));
    if (!core->words) {
      free(fmt);
      return false;
    }
    for (uint32_t a = 0; a < core->naxin; a++)
      encode_axon(x, core, k, &core->axin[a], fmt[a]);
    free(fmt);
  }
  return true;
}

/* ---------------------------------------------------------------- output axons (routes) */

/* The output-axon list of the source neuron feeding (proj, pre): a compartment's or an input's. */
static uint32_t *out_count(lh_ctx *x, uint32_t proj, uint32_t pre, lh_axout **list) {
  const ir_projection *pr = &x->m->projs[proj];
  if (pr->pre.kind == IR_NODE_INPUT) {
    lh_input *in = &x->c->inputs[pr->pre.index];
    *list = in->out;
    return &in->out_ptr[pre + 1];
  }
  lh_core *core = &x->c->cores[x->core_of[pr->pre.index][pre]];
  *list = core->out;
  return &core->out_ptr[x->cx_of[pr->pre.index][pre] + 1];
}

static bool build_routes(lh_ctx *x) {
  lh_config *c = x->c;
  for (int pass = 0; pass < 2; pass++) {
    for (uint32_t k = 0; k < c->ncores; k++)
      for (uint32_t a = 0; a < c->cores[k].naxin; a++) {
        lh_axout *list;
        uint32_t *slot = out_count(x, c->cores[k].axin[a].proj, c->cores[k].axin[a].pre, &list);
        if (pass == 0)
          (*slot)++;
        else
          list[(*(slot - 1))++] = (lh_axout){k, a}; /* slot - 1 is the fill cursor (start of the range) */
      }
    if (pass == 0) { /* counts -> starts, then allocate */
      for (uint32_t k = 0; k < c->ncores; k++) {
        lh_core *core = &c->cores[k];
        for (uint32_t i = 0; i < core->ncx; i++)
          core->out_ptr[i + 1] += core->out_ptr[i];
        core->nout = core->out_ptr[core->ncx];
        core->out = calloc(core->nout ? core->nout : 1, sizeof(lh_axout));
        if (!core->out)
          return false;
        if (core->nout > x->t->limit[LH_RES_AXOUT] && !x->axout_over) {
          x->axout_over = true; /* the caller refills with fewer compartments per core */
          x->axout_core = k;
          x->axout_used = core->nout;
        }
      }
      for (uint32_t i = 0; i < c->ninputs; i++) {
        lh_input *in = &c->inputs[i];
        for (uint32_t j = 0; j < in->size; j++)
          in->out_ptr[j + 1] += in->out_ptr[j];
        in->nout = in->out_ptr[in->size];
        in->out = calloc(in->nout ? in->nout : 1, sizeof(lh_axout));
        if (!in->out)
          return false;
      }
    }
  }
  /* the fill advanced each start to the next range's start: shift back */
  for (uint32_t k = 0; k < c->ncores; k++) {
    lh_core *core = &c->cores[k];
    for (uint32_t i = core->ncx; i > 0; i--)
      core->out_ptr[i] = core->out_ptr[i - 1];
    core->out_ptr[0] = 0;
  }
  for (uint32_t i = 0; i < c->ninputs; i++) {
    lh_input *in = &c->inputs[i];
    for (uint32_t j = in->size; j > 0; j--)
      in->out_ptr[j] = in->out_ptr[j - 1];
    in->out_ptr[0] = 0;
  }
  return true;
}

/* ---------------------------------------------------------------- inputs */

typedef struct ev {
  uint64_t step;
  uint32_t neuron;
} ev;

static int ev_cmp(const void *a, const void *b) {
  const ev *p = a, *q = b;
  if (p->step != q->step)
    return p->step < q->step ? -1 : 1;
  return p->neuron < q->neuron ? -1 : p->neuron > q->neuron;
}

static ir_loc floc(const char *file, uint32_t line) {
  ir_loc l = {file, line, 1};
  return l;
}

bool lh_load_events(const ir_input *in, lh_input *out, ir_diag *d) {
  FILE *f = in->file ? fopen(in->file, "r") : NULL;
  if (!f) {
    ir_error(d, in->loc, "input '%s': cannot open spike file '%s'", in->name, in->file ? in->file : "(none)");
    return false;
  }
  char line[512];
  ev *v = NULL;
  size_t n = 0, cap = 0;
  uint32_t lineno = 0;
  bool ok = true;
  while (ok && fgets(line, sizeof line, f)) {
    lineno++;
    line[strcspn(line, "\r\n")] = 0;
    if (lineno == 1) {
      if (strcmp(line, "step,neuron") != 0) {
        ir_error(d, floc(in->file, 1), "expected the header 'step,neuron'");
        ok = false;
      }
      continue;
    }
    if (!line[0])
      continue;
    unsigned long long st, ne;
    char tail;
    if (sscanf(line, "%llu,%llu%c", &st, &ne, &tail) != 2 || ne >= in->size) {
      ir_error(d, floc(in->file, lineno), "expected 'step,neuron' with neuron < %u, got '%s'", in->size,
               line);
      ok = false;
      break;
    }
    if (n == cap) {
      cap = cap ? 2 * cap : 256;
      ev *nv = realloc(v, cap * sizeof *v);
      if (!nv) {
        ok = false;
        break;
      }
      v = nv;
    }
    v[n++] = (ev){st, (uint32_t)ne};
  }
  fclose(f);
  if (ok && lineno == 0) {
    ir_error(d, floc(in->file, 1), "expected the header 'step,neuron'; the file is empty");
    ok = false;
  }
  if (ok) {
    qsort(v, n, sizeof *v, ev_cmp);
    out->ev_step = malloc((n ? n : 1) * sizeof(uint64_t));
    out->ev_neuron = malloc((n ? n : 1) * sizeof(uint32_t));
    ok = out->ev_step && out->ev_neuron;
    for (size_t k = 0; ok && k < n; k++)
      if (k == 0 || ev_cmp(&v[k], &v[k - 1]) != 0) {
        out->ev_step[out->nev] = v[k].step;
        out->ev_neuron[out->nev++] = v[k].neuron;
      }
  }
  free(v);
  return ok;
}

static char *dupstr(const char *s) {
  size_t n = strlen(s) + 1;
  char *r = malloc(n);
  if (r)
    memcpy(r, s, n);
  return r;
}

/* Current injection (docs/numerics.md, "Injection"): per input neuron, fine units, drawn as the
 * interpreter draws them (stream RNG_KIND_RUNTIME of the input, a = 1). */
static bool build_inject(lh_ctx *x, const ir_input *ii, lh_input *in) {
  const ir_module *m = x->m;
  in->inject = calloc(ii->size ? ii->size : 1, sizeof(int32_t));
  if (!in->inject)
    return false;
  uint64_t stream = RNG_STREAM(RNG_KIND_RUNTIME, in->stream);
  for (uint32_t i = 0; i < ii->size; i++) {
    double c = ir_value_sample(&ii->inject_current, m->seed, stream, 1, i);
    in->inject[i] = isnan(c) ? 0 : (int32_t)ir_fx_sat24(ir_fx_fine(c, m->v_unit));
  }
  return true;
}

/* A dataset input is described, not expanded: the host side of the engine loads and encodes the images
 * (the data set is not part of the chip's configuration). */
static bool build_dataset(lh_ctx *x, const ir_input *ii, lh_input *in) {
  const ir_module *m = x->m;
  if ((ii->encoding == IR_ENC_RATE && ii->rate.kind != IR_VAL_CONST) ||
      (ii->encoding == IR_ENC_BERNOULLI && ii->p.kind != IR_VAL_CONST)) {
    ir_error(x->d, ii->loc, "input '%s': the dataset encoding needs a constant max_rate / p_max", ii->name);
    return false;
  }
  in->kind = LH_IN_DATASET;
  in->dataset = dupstr(ii->dataset ? ii->dataset : "");
  in->split = dupstr(ii->split ? ii->split : "train");
  in->encoding = (uint32_t)ii->encoding;
  in->scale = ii->encoding == IR_ENC_RATE ? ii->rate.a * m->dt : ii->encoding == IR_ENC_BERNOULLI ? ii->p.a : 0;
  double T = ii->sample_time.kind == IR_VAL_CONST ? ii->sample_time.a : m->dt;
  int64_t steps = ir_fx_steps(T, m->dt);
  in->sample_steps = steps < 1 ? 1 : (uint64_t)steps;
  return in->dataset && in->split;
}

static bool build_inputs(lh_ctx *x) {
  const ir_module *m = x->m;
  lh_config *c = x->c;
  for (uint32_t k = 0; k < m->ninputs; k++) {
    const ir_input *ii = &m->inputs[k];
    lh_input *in = &c->inputs[k];
    size_t nl = strlen(ii->name) + 1;
    in->name = malloc(nl);
    in->out_ptr = calloc((size_t)ii->size + 1, sizeof(uint32_t));
    if (!in->name || !in->out_ptr)
      return false;
    memcpy(in->name, ii->name, nl);
    in->size = ii->size;
    in->stream = k;
    in->inject_pop = ii->inject_into;
    if (ii->inject_into >= 0 && !build_inject(x, ii, in))
      return false;
    if (ii->kind == IR_INPUT_DATASET) {
      if (!build_dataset(x, ii, in))
        return false;
      continue;
    }
    if (ii->kind == IR_INPUT_SPIKES) {
      in->kind = LH_IN_EVENTS;
      if (!lh_load_events(ii, in, x->d))
        return false;
      continue;
    }
    in->kind = LH_IN_PROB;
    in->p_q = malloc((ii->size ? ii->size : 1) * sizeof(uint64_t));
    if (!in->p_q)
      return false;
    bool rate = ii->kind == IR_INPUT_POISSON;
    uint64_t stream = RNG_STREAM(RNG_KIND_RUNTIME, k);
    for (uint32_t i = 0; i < ii->size; i++) {
      double v = ir_value_sample(rate ? &ii->rate : &ii->p, m->seed, stream, 0, i);
      in->p_q[i] = ir_fx_prob(rate ? v * m->dt : v);
    }
  }
  return true;
}

/* ---------------------------------------------------------------- learning and astrocytes */

/* s ~ mant * 2^(exp - 7) with |mant| <= 127 and the largest such mant. */
static void mant_exp(double s, int32_t *mant, int32_t *exp) {
  int32_t e = -24;
  while (e < 24 && fabs(s) / ldexp(1.0, e - 7) > 127.5)
    e++;
  *exp = e;
  *mant = (int32_t)lround(s / ldexp(1.0, e - 7));
}

static int32_t trace_decay(int32_t f_q16) { /* 12-bit decay from the Q16 factor */
  return (int32_t)lround(4096.0 * (1.0 - f_q16 / 65536.0));
}

static bool build_rules(lh_ctx *x) {
  const ir_module *m = x->m;
  lh_config *c = x->c;
  for (uint32_t k = 0; k < m->nprojs; k++) {
    const ir_projection *pr = &m->projs[k];
    if (x->pi[k].rule < 0)
      continue;
    lh_rule *r = &c->rules[x->pi[k].rule];
    double q[IR_MAX_PARAMS];
    const ir_model_desc *desc = ir_plasticity_desc(pr->plasticity);
    for (uint32_t i = 0; i < desc->nparams; i++)
      q[i] = pr->plast_params[i].kind == IR_VAL_CONST ? pr->plast_params[i].a : desc->params[i].def;
    ir_fx_stdp s;
    const char *why = NULL;
    if (!ir_fx_stdp_derive(q, m->dt, m->v_unit, x->pi[k].wexp, &s, &why)) {
      ir_error(x->d, pr->loc, "projection '%s': %s", pr->name, why);
      return false;
    }
    *r = (lh_rule){.proj = k, .pre_kind = pr->pre.kind == IR_NODE_INPUT, .pre_index = pr->pre.index,
                   .post_pop = pr->post.index, .npre = pr->csr->npre, .npost = pr->csr->npost,
                   .astro = pr->plasticity == IR_PLAST_ASTRO_STDP, .anti = pr->anti_hebbian,
                   .modulator = pr->modulator, .f_pre = s.f_pre, .f_post = s.f_post, .inc = s.inc,
                   .a_plus = s.a_plus, .a_minus = s.a_minus, .w_lo = s.w_lo, .w_hi = s.w_hi};
    /* Loihi view: trace 1.0 = 127 trace units; impulse with 8 fractional bits; the rate per trace
     * unit in mantissa units is a/256/127 (w16 has 8 fraction bits). */
    double te = q[IR_P_STDP_T_EPOCH];
    if (!isnan(te) && !lh_learn_derive(&s, te, m->dt, &r->loihi, &why)) {
      ir_error(x->d, pr->loc, "projection '%s': %s", pr->name, why);
      return false;
    }
    r->x1_impulse = (int32_t)lround(s.inc / 65536.0 * 127 * 256);
    r->y1_impulse = r->x1_impulse;
    r->x1_decay = trace_decay(s.f_pre);
    r->y1_decay = trace_decay(s.f_post);
    mant_exp(s.a_plus / 256.0 / 127.0, &r->ltp_mant, &r->ltp_exp);
    mant_exp(s.a_minus / 256.0 / 127.0, &r->ltd_mant, &r->ltd_exp);
  }
  for (uint32_t k = 0; k < m->nastros; k++) {
    const ir_astrocyte *a = &m->astros[k];
    lh_astro *h = &c->astros[k];
    size_t nl = strlen(a->name) + 1;
    h->name = malloc(nl);
    if (!h->name)
      return false;
    memcpy(h->name, a->name, nl);
    h->n = 1;
    if (a->model == IR_ASTRO_TRIPARTITE) {
      if (!lh_build_tripartite(x, k, h))
        return false;
      continue;
    }
    double q[IR_MAX_PARAMS];
    for (uint32_t i = 0; i < IR_P_NALSM_ASTRO_COUNT; i++)
      q[i] = ir_value_sample(&a->params[i], m->seed, RNG_STREAM(RNG_KIND_ASTRO_PARAM, k), i, 0);
    ir_fx_nalsm_astro s;
    const char *why = NULL;
    if (!ir_fx_nalsm_astro_derive(q, m->dt, &s, &why)) {
      ir_error(x->d, a->loc, "astrocyte '%s': %s", a->name, why);
      return false;
    }
    h->a0 = s.a0;
    h->w_a = s.w_a;
    h->b_a = s.b_a;
    h->k = s.k;
    h->dv = (int32_t)lround(4096.0 * s.k / 65536.0);
    if (a->size != 1) {
      ir_error(x->d, a->loc, "astrocyte '%s': %u elements; the loihi targets host single nalsm astrocytes only "
               "(size 1) for now", a->name, a->size);
      return false;
    }
    h->listen_kind = calloc(a->nlisten + 1, sizeof(uint32_t));
    h->listen_index = calloc(a->nlisten + 1, sizeof(uint32_t));
    h->listen_sign = calloc(a->nlisten + 1, sizeof(int32_t));
    if (!h->listen_kind || !h->listen_index || !h->listen_sign)
      return false;
    for (uint32_t l = 0; l < a->nlisten; l++) {
      ir_ref r = a->listen[l].source;
      if (r.kind == IR_NODE_PROJECTION && r.index < m->nprojs)
        r = m->projs[r.index].pre;
      if (r.kind != IR_NODE_POPULATION && r.kind != IR_NODE_INPUT)
        continue;
      h->listen_kind[h->nlisten] = r.kind == IR_NODE_INPUT;
      h->listen_index[h->nlisten] = r.index;
      h->listen_sign[h->nlisten++] = a->listen[l].sign < 0 ? -1 : 1;
    }
    h->core = 0;
    for (uint32_t l = 0; l < a->nlisten; l++)
      if (a->listen[l].source.kind == IR_NODE_POPULATION && m->pops[a->listen[l].source.index].size) {
        h->core = x->core_of[a->listen[l].source.index][0];
        break;
      }
  }
  return true;
}

bool lh_build_tables(lh_ctx *x) {
  lh_config *c = x->c;
  const ir_module *m = x->m;
  c->npops = m->npops;
  c->ninputs = m->ninputs;
  c->nastros = m->nastros;
  for (uint32_t k = 0; k < m->nprojs; k++)
    if (x->pi[k].rule >= 0)
      c->nrules++;
  c->cores = calloc(c->ncores ? c->ncores : 1, sizeof(lh_core));
  c->pops = calloc(m->npops ? m->npops : 1, sizeof(lh_pop));
  c->inputs = calloc(m->ninputs ? m->ninputs : 1, sizeof(lh_input));
  c->rules = calloc(c->nrules ? c->nrules : 1, sizeof(lh_rule));
  c->astros = calloc(m->nastros ? m->nastros : 1, sizeof(lh_astro));
  if (!c->cores || !c->pops || !c->inputs || !c->rules || !c->astros)
    return false;
  for (uint32_t p = 0; p < m->npops; p++) {
    size_t nl = strlen(m->pops[p].name) + 1;
    c->pops[p].name = malloc(nl);
    if (!c->pops[p].name)
      return false;
    memcpy(c->pops[p].name, m->pops[p].name, nl);
    c->pops[p].size = m->pops[p].size;
  }
  return build_compartments(x) && build_inputs(x) && build_axons(x) && build_synapse_memory(x) &&
         build_routes(x) && build_rules(x);
}
