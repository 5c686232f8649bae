/* lh_bin.c — the compact binary form of an lh_config (docs/loihi-format.md, "Binary"): written by
 * `astroc compile --target loihi*`, read back by the loihi engine with every count and index checked. */
#include <stdlib.h>
#include <string.h>

#include "lh.h"

#define LH_MAGIC "ASTLOIHI"
#define LH_VERSION 5

/* ---------------------------------------------------------------- writer */

typedef struct buf {
  uint8_t *p;
  size_t n, cap;
  bool err;
} buf;

static void put(buf *b, const void *v, size_t n) {
  if (b->err)
    return;
  if (b->n + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + n)
      cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
      b->err = true;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, v, n);
  b->n += n;
}

static void put_u64(buf *b, uint64_t v) {
  uint8_t le[8];
  for (int i = 0; i < 8; i++)
    le[i] = (uint8_t)(v >> (8 * i));
  put(b, le, 8);
}
static void put_u32(buf *b, uint32_t v) {
  uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  put(b, le, 4);
}
static void put_i32(buf *b, int32_t v) { put_u32(b, (uint32_t)v); }
static void put_f64(buf *b, double v) {
  uint64_t u;
  memcpy(&u, &v, 8);
  put_u64(b, u);
}
static void put_str(buf *b, const char *s) {
  uint32_t n = (uint32_t)strlen(s);
  put_u32(b, n);
  put(b, s, n);
}

static uint64_t fnv1a(const uint8_t *p, size_t n) {
  uint64_t h = UINT64_C(0xcbf29ce484222325);
  for (size_t i = 0; i < n; i++)
    h = (h ^ p[i]) * UINT64_C(0x100000001b3);
  return h;
}

static void put_outs(buf *b, const uint32_t *ptr, uint32_t n, const lh_axout *out, uint32_t nout) {
  for (uint32_t i = 0; i <= n; i++)
    put_u32(b, ptr[i]);
  for (uint32_t i = 0; i < nout; i++) {
    put_u32(b, out[i].core);
    put_u32(b, out[i].axon);
  }
}

static void put_core(buf *b, const lh_core *k) {
  uint32_t head[] = {k->id, k->chip, k->index_in_chip, k->ncx, k->ncxp, k->nvthp, k->nfmt, k->naxin, k->nwords,
                     k->nout};
  for (size_t i = 0; i < sizeof head / sizeof *head; i++)
    put_u32(b, head[i]);
  for (uint32_t i = 0; i < k->ncxp; i++) {
    put_i32(b, k->cxp[i].du);
    put_i32(b, k->cxp[i].dv);
    put_i32(b, k->cxp[i].refractory);
    put_i32(b, k->cxp[i].kind);
    put_i32(b, k->cxp[i].v_reset);
    int32_t astro[] = {k->cxp[i].fa, k->cxp[i].a_pre, k->cxp[i].a_spike, k->cxp[i].gain, k->cxp[i].tgain,
                       k->cxp[i].acur};
    for (size_t j = 0; j < sizeof astro / sizeof *astro; j++)
      put_i32(b, astro[j]);
  }
  for (uint32_t i = 0; i < k->nvthp; i++)
    put_i32(b, k->vthp[i]);
  for (uint32_t i = 0; i < k->nfmt; i++) {
    put_i32(b, k->fmt[i].wexp);
    put_u32(b, k->fmt[i].delay_bits);
    put_u32(b, k->fmt[i].tag_bits);
    put_i32(b, k->fmt[i].rule);
    put_i32(b, k->fmt[i].kernel);
    put_i32(b, k->fmt[i].modulated);
  }
  for (uint32_t i = 0; i < k->ncx; i++) {
    const lh_cx *c = &k->cx[i];
    put_u32(b, c->pop);
    put_u32(b, c->neuron);
    put_u32(b, (uint32_t)c->cxp | ((uint32_t)c->vthp << 8));
    put_i32(b, c->bias_mant);
    put_i32(b, c->bias_exp);
    put_i32(b, c->v_init);
    put_i32(b, c->u_init);
  }
  for (uint32_t i = 0; i < k->naxin; i++) {
    const lh_axin *a = &k->axin[i];
    uint32_t f[] = {a->word, a->nwords, a->nsyn, a->proj, a->pre};
    for (int j = 0; j < 5; j++)
      put_u32(b, f[j]);
  }
  for (uint32_t i = 0; i < k->nwords; i++)
    put_u64(b, k->words[i]);
  put_outs(b, k->out_ptr, k->ncx, k->out, k->nout);
}

bool lh_write_bin(const lh_config *c, FILE *f) {
  buf b = {0};
  put(&b, LH_MAGIC, 8);
  put_u32(&b, LH_VERSION);
  const lh_target *t = c->target;
  put_str(&b, t->name);
  for (int r = 0; r < LH_RES_COUNT; r++)
    put_u32(&b, t->limit[r]);
  uint32_t enc[] = {t->cores_per_chip, t->chips_max, t->word_bits, t->chunk_max, t->header_bits, t->index_bits,
                    t->weight_bits, t->tag_bits, t->delay_max};
  for (size_t i = 0; i < sizeof enc / sizeof *enc; i++)
    put_u32(&b, enc[i]);
  put_str(&b, c->name);
  put_f64(&b, c->dt);
  put_f64(&b, c->v_unit);
  put_u64(&b, c->seed);
  uint32_t counts[] = {c->ncores, c->nchips, c->npops, c->ninputs, c->nrules, c->nastros};
  for (int i = 0; i < 6; i++)
    put_u32(&b, counts[i]);
  put_u32(&b, c->nkernels);
  for (uint32_t k = 0; k < c->nkernels; k++) {
    put_i32(&b, c->kernels[k].kcut);
    for (int32_t s = 0; s <= c->kernels[k].kcut; s++)
      put_i32(&b, c->kernels[k].kq[s]);
  }
  for (uint32_t p = 0; p < c->npops; p++) {
    put_str(&b, c->pops[p].name);
    put_u32(&b, c->pops[p].size);
  }
  for (uint32_t k = 0; k < c->ninputs; k++) {
    const lh_input *in = &c->inputs[k];
    put_str(&b, in->name);
    put_u32(&b, in->size);
    put_u32(&b, in->stream);
    put_u32(&b, in->kind);
    if (in->kind == LH_IN_PROB)
      for (uint32_t i = 0; i < in->size; i++)
        put_u64(&b, in->p_q[i]);
    else if (in->kind == LH_IN_EVENTS) {
      put_u64(&b, in->nev);
      for (uint64_t e = 0; e < in->nev; e++) {
        put_u64(&b, in->ev_step[e]);
        put_u32(&b, in->ev_neuron[e]);
      }
    } else {
      put_str(&b, in->dataset);
      put_str(&b, in->split);
      put_u32(&b, in->encoding);
      put_f64(&b, in->scale);
      put_u64(&b, in->sample_steps);
    }
    put_i32(&b, in->inject_pop);
    for (uint32_t i = 0; in->inject_pop >= 0 && i < in->size; i++)
      put_i32(&b, in->inject[i]);
    put_u32(&b, in->nout);
    put_outs(&b, in->out_ptr, in->size, in->out, in->nout);
  }
  for (uint32_t k = 0; k < c->ncores; k++)
    put_core(&b, &c->cores[k]);
  for (uint32_t k = 0; k < c->nrules; k++) {
    const lh_rule *r = &c->rules[k];
    uint32_t src[] = {r->pre_kind, r->pre_index, r->post_pop, r->npre, r->npost};
    for (int i = 0; i < 5; i++)
      put_u32(&b, src[i]);
    int32_t v[] = {(int32_t)r->proj, r->astro, r->anti, r->modulator, r->f_pre, r->f_post, r->inc, r->a_plus,
                   r->a_minus, r->w_lo, r->w_hi, r->x1_impulse, r->y1_impulse, r->x1_decay, r->y1_decay,
                   r->ltp_mant, r->ltp_exp, r->ltd_mant, r->ltd_exp};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
      put_i32(&b, v[i]);
    const lh_learn *l = &r->loihi;
    int32_t lv[] = {l->epoch, l->impulse, l->pre_decay, l->post_decay, l->w_lo, l->w_hi};
    for (size_t i = 0; i < sizeof lv / sizeof *lv; i++)
      put_i32(&b, lv[i]);
  }
  for (uint32_t k = 0; k < c->nastros; k++) {
    const lh_astro *a = &c->astros[k];
    put_str(&b, a->name);
    int32_t v[] = {a->a0, a->w_a, a->b_a, a->k, a->dv, (int32_t)a->core};
    for (int i = 0; i < 6; i++)
      put_i32(&b, v[i]);
    put_u32(&b, a->nlisten);
    for (uint32_t l = 0; l < a->nlisten; l++) {
      put_u32(&b, a->listen_kind[l]);
      put_u32(&b, a->listen_index[l]);
      put_i32(&b, a->listen_sign[l]);
    }
    put_i32(&b, a->kind);
    put_u32(&b, a->n);
    if (a->kind == LH_ASTRO_TRIPARTITE) {
      for (uint64_t i = 0; i < (uint64_t)a->n * LH_TRI_COUNT; i++)
        put_i32(&b, a->tri[i]);
      put_u32(&b, a->nmod);
      for (uint32_t i = 0; i < a->nmod; i++)
        put_u32(&b, a->mod_proj[i]);
      put_u32(&b, a->ntarget);
      for (uint32_t i = 0; i < a->ntarget; i++)
        put_u32(&b, a->target_pop[i]);
    }
  }
  if (!b.err)
    put_u64(&b, fnv1a(b.p, b.n));
  bool ok = !b.err && fwrite(b.p, 1, b.n, f) == b.n;
  free(b.p);
  return ok;
}

/* ---------------------------------------------------------------- reader */

typedef struct rd {
  const uint8_t *p;
  size_t n, at;
  bool err;
} rd;

static const uint8_t *take(rd *r, size_t n) {
  if (r->err || n > r->n - r->at) {
    r->err = true;
    return NULL;
  }
  const uint8_t *p = r->p + r->at;
  r->at += n;
  return p;
}
static uint64_t get_u64(rd *r) {
  const uint8_t *p = take(r, 8);
  uint64_t v = 0;
  for (int i = 0; p && i < 8; i++)
    v |= (uint64_t)p[i] << (8 * i);
  return v;
}
static uint32_t get_u32(rd *r) {
  const uint8_t *p = take(r, 4);
  return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24 : 0;
}
static int32_t get_i32(rd *r) { return (int32_t)get_u32(r); }
static double get_f64(rd *r) {
  uint64_t u = get_u64(r);
  double v;
  memcpy(&v, &u, 8);
  return v;
}
static char *get_str(rd *r) {
  uint32_t n = get_u32(r);
  const uint8_t *p = take(r, n);
  char *s = p ? malloc((size_t)n + 1) : NULL;
  if (!s) {
    r->err = true;
    return NULL;
  }
  memcpy(s, p, n);
  s[n] = 0;
  return s;
}
/* An array of n elements of `size` bytes each, when the file can hold them (no huge allocation from a
 * corrupt count). */
static void *get_array(rd *r, uint64_t n, size_t size, size_t file_bytes_each) {
  if (r->err || (file_bytes_each && n > (r->n - r->at) / file_bytes_each)) {
    r->err = true;
    return NULL;
  }
  void *p = calloc(n ? n : 1, size);
  if (!p)
    r->err = true;
  return p;
}

static bool get_outs(rd *r, uint32_t n, uint32_t **ptr, lh_axout **out, uint32_t nout) {
  *ptr = get_array(r, (uint64_t)n + 1, sizeof(uint32_t), 4);
  for (uint32_t i = 0; *ptr && i <= n; i++)
    (*ptr)[i] = get_u32(r);
  *out = get_array(r, nout, sizeof(lh_axout), 8);
  for (uint32_t i = 0; *out && i < nout; i++) {
    (*out)[i].core = get_u32(r);
    (*out)[i].axon = get_u32(r);
  }
  if (r->err || (*ptr)[0] != 0 || (*ptr)[n] != nout)
    return false;
  for (uint32_t i = 0; i < n; i++)
    if ((*ptr)[i] > (*ptr)[i + 1])
      return false;
  return true;
}

static bool amsu_pairs(const lh_core *k);

/* The model of an astrocyte and, for a tripartite one, its elements, modulated projections and targets. */
static bool get_tripartite(rd *r, lh_astro *a, const lh_config *c) {
  a->kind = get_i32(r);
  a->n = get_u32(r);
  if (r->err || a->kind < LH_ASTRO_NALSM || a->kind > LH_ASTRO_TRIPARTITE || a->n == 0 ||
      (a->kind == LH_ASTRO_NALSM && a->n != 1))
    return false;
  for (uint32_t l = 0; l < a->nlisten; l++)
    if (a->listen_kind[l] == 2 && a->kind != LH_ASTRO_TRIPARTITE)
      return false; /* a nalsm astrocyte counts spikes of populations and inputs */
  if (a->kind == LH_ASTRO_NALSM)
    return true;
  a->tri = get_array(r, (uint64_t)a->n * LH_TRI_COUNT, sizeof(int32_t), 4);
  for (uint64_t i = 0; a->tri && i < (uint64_t)a->n * LH_TRI_COUNT; i++)
    a->tri[i] = get_i32(r);
  a->nmod = get_u32(r);
  a->mod_proj = get_array(r, a->nmod, sizeof(uint32_t), 4);
  for (uint32_t i = 0; a->mod_proj && i < a->nmod; i++)
    a->mod_proj[i] = get_u32(r);
  a->ntarget = get_u32(r);
  a->target_pop = get_array(r, a->ntarget, sizeof(uint32_t), 4);
  for (uint32_t i = 0; a->target_pop && i < a->ntarget; i++)
    if ((a->target_pop[i] = get_u32(r)) >= c->npops)
      return false;
  return !r->err;
}
static bool get_core_rest(rd *r, lh_core *k, const lh_config *c);

static bool get_core(rd *r, lh_core *k, const lh_config *c) {
  uint32_t *h[] = {&k->id, &k->chip, &k->index_in_chip, &k->ncx, &k->ncxp, &k->nvthp, &k->nfmt, &k->naxin,
                   &k->nwords, &k->nout};
  for (size_t i = 0; i < sizeof h / sizeof *h; i++)
    *h[i] = get_u32(r);
  if (r->err || k->ncxp > LH_PROFILES_CAP || k->nvthp > LH_PROFILES_CAP || k->nfmt > LH_PROFILES_CAP ||
      (c->target->header_bits < 64 && k->nfmt > (UINT64_C(1) << (c->target->header_bits - 7))))
    return false;
  for (uint32_t i = 0; i < k->ncxp; i++) {
    k->cxp[i].du = get_i32(r);
    k->cxp[i].dv = get_i32(r);
    k->cxp[i].refractory = get_i32(r);
    k->cxp[i].kind = get_i32(r);
    k->cxp[i].v_reset = get_i32(r);
    int32_t *astro[] = {&k->cxp[i].fa, &k->cxp[i].a_pre, &k->cxp[i].a_spike, &k->cxp[i].gain, &k->cxp[i].tgain,
                        &k->cxp[i].acur};
    for (size_t j = 0; j < sizeof astro / sizeof *astro; j++)
      *astro[j] = get_i32(r);
    if (k->cxp[i].kind < LH_CX_CUBA || k->cxp[i].kind > LH_CX_KIND_MAX || k->cxp[i].fa < 0 ||
        k->cxp[i].fa > 65536 || k->cxp[i].du < 0 || k->cxp[i].du > 4095 || k->cxp[i].dv < 0 || k->cxp[i].dv > 4095 ||
        k->cxp[i].refractory < 0 || k->cxp[i].refractory > 63)
      return false;
  }
  for (uint32_t i = 0; i < k->nvthp; i++)
    k->vthp[i] = get_i32(r);
  for (uint32_t i = 0; i < k->nfmt; i++) {
    k->fmt[i].wexp = get_i32(r);
    k->fmt[i].delay_bits = get_u32(r);
    k->fmt[i].tag_bits = get_u32(r);
    k->fmt[i].rule = get_i32(r);
    k->fmt[i].kernel = get_i32(r);
    k->fmt[i].modulated = get_i32(r);
    if (k->fmt[i].kernel < -1 || k->fmt[i].kernel >= (int32_t)c->nkernels || k->fmt[i].wexp < -6 ||
        k->fmt[i].wexp > 7 || k->fmt[i].delay_bits > 6 || k->fmt[i].tag_bits > 16 ||
        k->fmt[i].rule >= (int32_t)c->nrules || k->fmt[i].modulated < -1 ||
        (k->fmt[i].modulated >= 0 && k->fmt[i].kernel >= 0))
      return false;
  }
  k->cx = get_array(r, k->ncx, sizeof(lh_cx), 28);
  for (uint32_t i = 0; k->cx && i < k->ncx; i++) {
    lh_cx *x = &k->cx[i];
    x->pop = get_u32(r);
    x->neuron = get_u32(r);
    uint32_t pr = get_u32(r);
    x->cxp = (uint8_t)pr;
    x->vthp = (uint8_t)(pr >> 8);
    x->bias_mant = get_i32(r);
    x->bias_exp = get_i32(r);
    x->v_init = get_i32(r);
    x->u_init = get_i32(r);
    if (x->pop >= c->npops || x->neuron >= c->pops[x->pop].size || x->cxp >= k->ncxp || x->vthp >= k->nvthp ||
        x->bias_exp < 0 || x->bias_exp > 7)
      return false;
  }
  return !r->err && amsu_pairs(k) && get_core_rest(r, k, c);
}

/* Every AMSU soma is followed by the ASTRO compartment of the same neuron, and every ASTRO compartment
 * follows its soma (the engine joins compartment i to i + 1). */
static bool amsu_pairs(const lh_core *k) {
  for (uint32_t i = 0; i < k->ncx; i++) {
    int32_t kind = k->cxp[k->cx[i].cxp].kind;
    if (kind == LH_CX_AMSU &&
        (i + 1 >= k->ncx || k->cxp[k->cx[i + 1].cxp].kind != LH_CX_ASTRO || k->cx[i + 1].pop != k->cx[i].pop ||
         k->cx[i + 1].neuron != k->cx[i].neuron))
      return false;
    if (kind == LH_CX_ASTRO && (i == 0 || k->cxp[k->cx[i - 1].cxp].kind != LH_CX_AMSU))
      return false;
  }
  return true;
}

/* The input axons, synapse memory and output axons of a core. */
static bool get_core_rest(rd *r, lh_core *k, const lh_config *c) {
  (void)c;
  k->axin = get_array(r, k->naxin, sizeof(lh_axin), 20);
  for (uint32_t i = 0; k->axin && i < k->naxin; i++) {
    lh_axin *a = &k->axin[i];
    a->word = get_u32(r);
    a->nwords = get_u32(r);
    a->nsyn = get_u32(r);
    a->proj = get_u32(r);
    a->pre = get_u32(r);
    if ((uint64_t)a->word + a->nwords > k->nwords)
      return false;
  }
  k->words = get_array(r, k->nwords, sizeof(uint64_t), 8);
  for (uint32_t i = 0; k->words && i < k->nwords; i++)
    k->words[i] = get_u64(r);
  return !r->err && get_outs(r, k->ncx, &k->out_ptr, &k->out, k->nout);
}

static bool check_routes(const lh_config *c, const lh_axout *out, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (out[i].core >= c->ncores || out[i].axon >= c->cores[out[i].core].naxin)
      return false;
  return true;
}

static bool read_body(rd *r, lh_config *c) {
  for (uint32_t p = 0; p < c->npops; p++) {
    c->pops[p].name = get_str(r);
    c->pops[p].size = get_u32(r);
  }
  for (uint32_t k = 0; k < c->ninputs && !r->err; k++) {
    lh_input *in = &c->inputs[k];
    in->name = get_str(r);
    in->size = get_u32(r);
    in->stream = get_u32(r);
    in->kind = (lh_input_kind)get_u32(r);
    if (in->kind == LH_IN_PROB) {
      in->p_q = get_array(r, in->size, sizeof(uint64_t), 8);
      for (uint32_t i = 0; in->p_q && i < in->size; i++)
        in->p_q[i] = get_u64(r);
    } else if (in->kind == LH_IN_EVENTS) {
      in->nev = get_u64(r);
      in->ev_step = get_array(r, in->nev, sizeof(uint64_t), 12);
      in->ev_neuron = get_array(r, in->nev, sizeof(uint32_t), 0);
      for (uint64_t e = 0; in->ev_neuron && e < in->nev; e++) {
        in->ev_step[e] = get_u64(r);
        in->ev_neuron[e] = get_u32(r);
        if (in->ev_neuron[e] >= in->size || (e && in->ev_step[e] < in->ev_step[e - 1]))
          return false;
      }
    } else if (in->kind == LH_IN_DATASET) {
      in->dataset = get_str(r);
      in->split = get_str(r);
      in->encoding = get_u32(r);
      in->scale = get_f64(r);
      in->sample_steps = get_u64(r);
      if (r->err || in->sample_steps < 1)
        return false;
    } else
      return false;
    in->inject_pop = get_i32(r);
    if (in->inject_pop >= 0) {
      if ((uint32_t)in->inject_pop >= c->npops || c->pops[in->inject_pop].size != in->size)
        return false;
      in->inject = get_array(r, in->size, sizeof(int32_t), 4);
      for (uint32_t i = 0; in->inject && i < in->size; i++)
        in->inject[i] = get_i32(r);
    } else if (in->inject_pop != -1)
      return false;
    in->nout = get_u32(r);
    if (r->err || !get_outs(r, in->size, &in->out_ptr, &in->out, in->nout))
      return false;
  }
  for (uint32_t k = 0; k < c->ncores; k++)
    if (!get_core(r, &c->cores[k], c))
      return false;
  for (uint32_t k = 0; k < c->ncores; k++)
    if (!check_routes(c, c->cores[k].out, c->cores[k].nout))
      return false;
  for (uint32_t k = 0; k < c->ninputs; k++)
    if (!check_routes(c, c->inputs[k].out, c->inputs[k].nout))
      return false;
  for (uint32_t k = 0; k < c->nrules; k++) {
    lh_rule *x = &c->rules[k];
    int32_t *v[] = {NULL, NULL, NULL, &x->modulator, &x->f_pre, &x->f_post, &x->inc, &x->a_plus, &x->a_minus,
                    &x->w_lo, &x->w_hi, &x->x1_impulse, &x->y1_impulse, &x->x1_decay, &x->y1_decay, &x->ltp_mant,
                    &x->ltp_exp, &x->ltd_mant, &x->ltd_exp};
    x->pre_kind = get_u32(r);
    x->pre_index = get_u32(r);
    x->post_pop = get_u32(r);
    x->npre = get_u32(r);
    x->npost = get_u32(r);
    if (x->pre_kind > 1 || x->pre_index >= (x->pre_kind ? c->ninputs : c->npops) || x->post_pop >= c->npops ||
        x->npre != (x->pre_kind ? c->inputs[x->pre_index].size : c->pops[x->pre_index].size) ||
        x->npost != c->pops[x->post_pop].size)
      return false;
    x->proj = get_u32(r);
    x->astro = get_u32(r) != 0;
    x->anti = get_u32(r) != 0;
    for (size_t i = 3; i < sizeof v / sizeof *v; i++)
      *v[i] = get_i32(r);
    if (x->astro && (x->modulator < 0 || (uint32_t)x->modulator >= c->nastros))
      return false;
    lh_learn *l = &x->loihi;
    int32_t *lv[] = {&l->epoch, &l->impulse, &l->pre_decay, &l->post_decay, &l->w_lo, &l->w_hi};
    for (size_t i = 0; i < sizeof lv / sizeof *lv; i++)
      *lv[i] = get_i32(r);
    if (l->epoch < 0 || l->epoch > LH_EPOCH_MAX || l->impulse < 0 || l->impulse > LH_TRACE_MAX * 256 ||
        l->pre_decay < 0 || l->pre_decay > 4096 || l->post_decay < 0 || l->post_decay > 4096 || l->w_lo < -127 ||
        l->w_hi > 127 || l->w_lo > l->w_hi)
      return false;
  }
  for (uint32_t k = 0; k < c->nastros && !r->err; k++) {
    lh_astro *a = &c->astros[k];
    a->name = get_str(r);
    int32_t *v[] = {&a->a0, &a->w_a, &a->b_a, &a->k, &a->dv};
    for (int i = 0; i < 5; i++)
      *v[i] = get_i32(r);
    a->core = get_u32(r);
    a->nlisten = get_u32(r);
    a->listen_kind = get_array(r, a->nlisten, sizeof(uint32_t), 12);
    a->listen_index = get_array(r, a->nlisten, sizeof(uint32_t), 0);
    a->listen_sign = get_array(r, a->nlisten, sizeof(int32_t), 0);
    for (uint32_t l = 0; !r->err && l < a->nlisten; l++) {
      a->listen_kind[l] = get_u32(r);
      a->listen_index[l] = get_u32(r);
      a->listen_sign[l] = get_i32(r);
      if (a->listen_kind[l] > 2 || (a->listen_kind[l] < 2 &&
                                    a->listen_index[l] >= (a->listen_kind[l] ? c->ninputs : c->npops)))
        return false; /* a projection index is checked against the module by the engine */
    }
    if (!r->err && !get_tripartite(r, a, c))
      return false;
  }
  return !r->err;
}

lh_config *lh_read_bin(const void *data, size_t len, const char *path, ir_diag *d) {
  ir_loc loc = {path, 0, 0};
  rd r = {data, len, 0, false};
  if (len < 16 || memcmp(data, LH_MAGIC, 8) != 0) {
    ir_error(d, loc, "not a loihi configuration (expected the magic '" LH_MAGIC "')");
    return NULL;
  }
  if (fnv1a(data, len - 8) != (r.at = len - 8, get_u64(&r))) {
    ir_error(d, loc, "the loihi configuration is corrupt (checksum mismatch)");
    return NULL;
  }
  r = (rd){data, len - 8, 8, false};
  if (get_u32(&r) != LH_VERSION) {
    ir_error(d, loc, "unsupported loihi configuration version (expected %d)", LH_VERSION);
    return NULL;
  }
  lh_config *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  char *tname = get_str(&r);
  lh_target *t = &c->own_target;
  snprintf(c->own_name, sizeof c->own_name, "%s", tname ? tname : "");
  free(tname);
  t->name = c->own_name;
  for (int i = 0; i < LH_RES_COUNT; i++)
    t->limit[i] = get_u32(&r);
  uint32_t *enc[] = {&t->cores_per_chip, &t->chips_max, &t->word_bits, &t->chunk_max, &t->header_bits,
                     &t->index_bits, &t->weight_bits, &t->tag_bits, &t->delay_max};
  for (size_t i = 0; i < sizeof enc / sizeof *enc; i++)
    *enc[i] = get_u32(&r);
  /* the encoding this reader decodes (lh_synmem.c) */
  if (t->word_bits == 64 && t->chunk_max >= 1 && t->chunk_max <= 64 && t->header_bits >= 8 && t->header_bits <= 64 &&
      t->index_bits >= 1 &&
      t->index_bits <= 24 && t->weight_bits == 8 && t->tag_bits <= 16 && t->delay_max <= 62 && t->cores_per_chip)
    c->target = t;
  c->name = get_str(&r);
  c->dt = get_f64(&r);
  c->v_unit = get_f64(&r);
  c->seed = get_u64(&r);
  uint32_t *counts[] = {&c->ncores, &c->nchips, &c->npops, &c->ninputs, &c->nrules, &c->nastros};
  for (int i = 0; i < 6; i++)
    *counts[i] = get_u32(&r);
  c->nkernels = get_u32(&r);
  c->kernels = get_array(&r, c->nkernels, sizeof(lh_kernel), 4);
  for (uint32_t k = 0; c->kernels && k < c->nkernels; k++) {
    lh_kernel *kn = &c->kernels[k];
    kn->kcut = get_i32(&r);
    if (kn->kcut < 0 || kn->kcut >= LH_RING) {
      r.err = true;
      break;
    }
    for (int32_t s = 0; s <= kn->kcut; s++)
      kn->kq[s] = get_i32(&r);
  }
  bool ok = !r.err && c->target;
  if (ok) {
    c->cores = get_array(&r, c->ncores, sizeof(lh_core), 40);
    c->pops = get_array(&r, c->npops, sizeof(lh_pop), 8);
    c->inputs = get_array(&r, c->ninputs, sizeof(lh_input), 20);
    c->rules = get_array(&r, c->nrules, sizeof(lh_rule), 100);
    c->astros = get_array(&r, c->nastros, sizeof(lh_astro), 28);
    ok = !r.err && read_body(&r, c) && r.at == r.n;
  }
  if (!ok) {
    ir_error(d, loc, "the loihi configuration is malformed (a count or index is out of range at byte %zu)", r.at);
    lh_config_free(c);
    return NULL;
  }
  return c;
}
