/* plasticity.c — event-driven pair STDP and astro_stdp with one trace per neuron and side
 * (docs/numerics.md, "Plasticity"): work per spike, through the row of a spiking presynaptic neuron
 * and the transposed index of a spiking postsynaptic neuron. */
#include <math.h>
#include <stdlib.h>

#include "models.h"

/* Loihi's learning arithmetic for projections that set t_epoch (plasticity_loihi.c; declared here and
 * there, the two ends of this hook). */
bool rt_stdp_loihi_create(rt_interp *s, rt_proj *p, const double *prm, ir_diag *d);
void rt_stdp_loihi_step(rt_interp *s, rt_proj *p);

static bool build_transpose(rt_interp *s, rt_proj *p, rt_stdp *st) {
  const ir_csr *c = p->csr;
  st->tptr = rt_alloc(s, (size_t)c->npost + 1, sizeof(uint64_t));
  st->tsyn = rt_alloc(s, c->nsyn, sizeof(uint64_t));
  st->tpre = rt_alloc(s, c->nsyn, sizeof(uint32_t));
  uint64_t *fill = calloc((size_t)c->npost + 1, sizeof(uint64_t));
  if (!st->tptr || !st->tsyn || !st->tpre || !fill) {
    free(fill);
    return false;
  }
  for (uint64_t k = 0; k < c->nsyn; k++)
    st->tptr[c->col[k] + 1]++;
  for (uint32_t j = 0; j < c->npost; j++)
    st->tptr[j + 1] += st->tptr[j];
  for (uint32_t i = 0; i < c->npre; i++) /* rows ascending: each post's list is in synapse order */
    for (uint64_t k = c->row_ptr[i]; k < c->row_ptr[i + 1]; k++) {
      uint32_t j = c->col[k];
      uint64_t at = st->tptr[j] + fill[j]++;
      st->tsyn[at] = k;
      st->tpre[at] = i;
    }
  free(fill);
  return true;
}

static bool const_param(const ir_projection *ip, int k, double *out, ir_diag *d) {
  const ir_value *v = &ip->plast_params[k];
  const ir_model_desc *desc = ir_plasticity_desc(ip->plasticity);
  if (v->kind == IR_VAL_UNSET) {
    *out = desc->params[k].def;
    return true;
  }
  if (v->kind != IR_VAL_CONST) {
    ir_error(d, v->loc.line ? v->loc : ip->loc, "projection '%s': plasticity parameter '%s' must be a constant",
             ip->name, desc->params[k].name);
    return false;
  }
  *out = v->a;
  return true;
}

/* A trace is a function of its source's spikes, its decay factor and its increment (float: f, inc;
 * fixed: fq, incq), all from zero: two traces with the same key hold the same values at every step.
 * NALSM's projections share parameters, so its 12 traces are 3 arrays, one per population. */
typedef struct trace_key {
  const rt_src *src;
  float f, inc;
  int32_t fq, incq;
} trace_key;

static bool key_eq(const trace_key *a, const rt_src *src, float f, float inc, int32_t fq, int32_t incq) {
  return a->src == src && a->f == f && a->inc == inc && a->fq == fq && a->incq == incq;
}

/* An existing trace array with key k: of an earlier projection, or this projection's own x_pre. */
static void *find_trace(rt_interp *s, const rt_proj *p, const trace_key *k) {
  for (uint32_t i = 0; i <= p->index; i++) {
    const rt_proj *o = &s->projs[i];
    const rt_stdp *t = o->stdp;
    if (!t)
      continue;
    void *pre = s->fixed ? (void *)t->xpre_q : (void *)t->xpre_f;
    void *post = s->fixed ? (void *)t->xpost_q : (void *)t->xpost_f;
    if (pre && key_eq(k, o->pre, t->f_pre, t->inc, t->q.f_pre, t->q.inc))
      return pre;
    if (i < p->index && post && key_eq(k, o->post->src, t->f_post, t->inc, t->q.f_post, t->q.inc))
      return post;
  }
  return NULL;
}

bool rt_stdp_create(rt_interp *s, rt_proj *p, ir_diag *d) {
  const ir_projection *ip = p->ip;
  double prm[IR_P_STDP_COUNT];
  for (int k = 0; k < IR_P_STDP_COUNT; k++)
    if (!const_param(ip, k, &prm[k], d))
      return false;
  if (!isnan(prm[IR_P_STDP_T_EPOCH]))
    return rt_stdp_loihi_create(s, p, prm, d);
  rt_stdp *st = calloc(1, sizeof(*st));
  if (!st)
    return false;
  p->stdp = st;
  st->anti = ip->anti_hebbian;
  st->astro = ip->plasticity == IR_PLAST_ASTRO_STDP;
  if (st->astro) {
    if (ip->modulator < 0 || (uint32_t)ip->modulator >= s->m->nastros) {
      ir_error(d, ip->loc, "projection '%s': astro_stdp needs a modulator astrocyte", ip->name);
      return false;
    }
    st->modulator = (uint32_t)ip->modulator;
    const rt_astro *a = &s->astros[st->modulator];
    if (!a->model->modulation || a->n != 1) {
      ir_error(d, ip->loc, "projection '%s': the modulator '%s' must be a single astrocyte (size 1) of a model with a "
               "state that scales a_minus", ip->name, a->ia->name);
      return false;
    }
  }
  if (prm[IR_P_STDP_W_MIN] > prm[IR_P_STDP_W_MAX]) {
    ir_error(d, ip->loc, "projection '%s': w_min is above w_max", ip->name);
    return false;
  }
  uint32_t npre = p->csr->npre, npost = p->csr->npost;
  ir_ref node = {IR_NODE_PROJECTION, p->index};
  bool ok;
  if (s->fixed) {
    const char *why = NULL;
    if (!ir_fx_stdp_derive(prm, s->m->dt, s->m->v_unit, p->wexp, &st->q, &why)) {
      ir_error(d, ip->loc, "projection '%s': %s", ip->name, why);
      return false;
    }
    trace_key kpre = {p->pre, 0, 0, st->q.f_pre, st->q.inc}, kpost = {p->post->src, 0, 0, st->q.f_post, st->q.inc};
    st->xpre_q = find_trace(s, p, &kpre);
    st->own_pre = !st->xpre_q;
    st->xpre_q = st->own_pre ? rt_alloc(s, npre, sizeof(int32_t)) : st->xpre_q;
    st->xpost_q = find_trace(s, p, &kpost);
    st->own_post = !st->xpost_q;
    st->xpost_q = st->own_post ? rt_alloc(s, npost, sizeof(int32_t)) : st->xpost_q;
    ok = st->xpre_q && st->xpost_q && rt_register(s, node, "x_pre", RT_I32, st->xpre_q, npre) &&
         rt_register(s, node, "x_post", RT_I32, st->xpost_q, npost);
  } else {
    double tp = prm[IR_P_STDP_TAU_PRE], tq = prm[IR_P_STDP_TAU_POST];
    st->f_pre = tp > 0 ? (float)exp(-s->m->dt / tp) : 0.0f;
    st->f_post = tq > 0 ? (float)exp(-s->m->dt / tq) : 0.0f;
    st->inc = (float)prm[IR_P_STDP_TRACE_INC];
    st->a_plus = (float)prm[IR_P_STDP_A_PLUS];
    st->a_minus = (float)prm[IR_P_STDP_A_MINUS];
    st->w_lo = (float)prm[IR_P_STDP_W_MIN];
    st->w_hi = (float)prm[IR_P_STDP_W_MAX];
    trace_key kpre = {p->pre, st->f_pre, st->inc, 0, 0}, kpost = {p->post->src, st->f_post, st->inc, 0, 0};
    st->xpre_f = find_trace(s, p, &kpre);
    st->own_pre = !st->xpre_f;
    st->xpre_f = st->own_pre ? rt_alloc(s, npre, sizeof(float)) : st->xpre_f;
    st->xpost_f = find_trace(s, p, &kpost);
    st->own_post = !st->xpost_f;
    st->xpost_f = st->own_post ? rt_alloc(s, npost, sizeof(float)) : st->xpost_f;
    ok = st->xpre_f && st->xpost_f && rt_register(s, node, "x_pre", RT_F32, st->xpre_f, npre) &&
         rt_register(s, node, "x_post", RT_F32, st->xpost_f, npost);
  }
  return ok && build_transpose(s, p, st);
}

void rt_stdp_free(rt_stdp *st) { free(st); }

/* Every synapse's update is independent of the others (the traces are read, never written, until the
 * trace update at the end), so only each synapse's own sequence matters: S_pre term, then S_post term,
 * then the clip [w_min, w_max]. The pre pass clips at once the synapses whose post did not spike this
 * step; the others keep the unclipped value for the post pass, which clips after its term. This is
 * the three-pass order of docs/numerics.md (pre terms, post terms with clip, clip of the pre rows)
 * with the redundant second clip left out: clipping is idempotent. */

/* The post pass touches one weight per cache line, scattered over the whole weight array: it is bound
 * by memory latency. A second cursor runs PREFETCH_AHEAD synapses ahead of the walk, across column
 * boundaries, and prefetches the weights the walk is about to update. */
#define PREFETCH_AHEAD 24

/* A position in the walk over the incoming synapses of this step's spiking post neurons (columns in
 * spike order, each in transposed order). */
typedef struct tcursor {
  const uint32_t *idx; /* spiking post neurons */
  const uint64_t *tptr;
  uint32_t q, nq;      /* column q of nq */
  uint64_t t, end;     /* position in column q */
} tcursor;

static void tc_seek(tcursor *c) { /* skips empty columns */
  while (c->t == c->end && ++c->q < c->nq) {
    c->t = c->tptr[c->idx[c->q]];
    c->end = c->tptr[c->idx[c->q] + 1];
  }
}

static tcursor tc_start(const rt_src *post, const uint64_t *tptr) {
  tcursor c = {post->idx, tptr, 0, post->nspk, 0, 0};
  if (c.nq) {
    c.t = tptr[c.idx[0]];
    c.end = tptr[c.idx[0] + 1];
  }
  tc_seek(&c);
  return c;
}

static void tc_next(tcursor *c) {
  c->t++;
  tc_seek(c);
}

/* The prefetch cursor: starts PREFETCH_AHEAD synapses ahead; each call fetches one weight and moves on. */
static void tc_fetch(tcursor *c, const uint64_t *tsyn, const void *w, size_t wsize) {
  if (c->q < c->nq) {
    __builtin_prefetch((const char *)w + tsyn[c->t] * wsize, 1);
    tc_next(c);
  }
}

/* Starts the prefetch cursor. The column starts of the transposed index are scattered too: they are
 * fetched for every spiking post first. */
static tcursor tc_ahead(tcursor c, const uint64_t *tsyn, const uint32_t *tpre, const void *w, size_t wsize) {
  for (uint32_t q = c.q; q < c.nq; q++) {
    uint64_t t = c.tptr[c.idx[q]];
    __builtin_prefetch(tsyn + t);
    __builtin_prefetch(tpre + t);
  }
  for (int d = 0; d < PREFETCH_AHEAD; d++)
    tc_fetch(&c, tsyn, w, wsize);
  return c;
}

/* x[i] = f * (inc * spike + x[i]) for every neuron, in blocks of 8 the compiler vectorizes. */
static void traces_f(float *restrict x, const uint8_t *restrict spk, uint32_t n, float f, float inc) {
  uint32_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (uint32_t j = i; j < i + 8; j++)
      x[j] = f * (inc * (float)spk[j] + x[j]);
  for (; i < n; i++)
    x[i] = f * (inc * (float)spk[i] + x[i]);
}

/* ---------------------------------------------------------------- float */

/* w < lo ? lo : w > hi ? hi : w, written as two selects the compiler makes branch-free (weights sit
 * at their bounds often enough that a branch mispredicts). */
static float clip_f(float w, float lo, float hi) {
  float v = w > hi ? hi : w;
  return w < lo ? lo : v;
}

static void step_float(rt_interp *s, rt_proj *p, rt_stdp *st) {
  const ir_csr *c = p->csr;
  const rt_src *pre = p->pre, *post = p->post->src;
  float *restrict w = p->w_f;
  const uint32_t *restrict col = c->col;
  const uint16_t *restrict col16 = p->col16; /* the same, narrowed, when there is one */
  const uint8_t *restrict pspk = post->spk;
  const float *restrict xpost = st->xpost_f, *restrict xpre = st->xpre_f;
  float lo = st->w_lo, hi = st->w_hi, ap = st->a_plus, am = st->a_minus;
  if (st->astro) {
    float a = 0;
    int32_t unused;
    s->astros[st->modulator].model->modulation(&s->astros[st->modulator], &a, &unused);
    am = st->a_minus * a;
  }
  /* S_pre terms: hebbian -a_minus*x_post, anti-hebbian +a_plus*x_post. */
  for (uint32_t q = 0; q < pre->nspk; q++) {
    uint32_t i = pre->idx[q];
    for (uint64_t k = c->row_ptr[i]; k < c->row_ptr[i + 1]; k++) {
      uint32_t j = col16 ? col16[k] : col[k];
      float v = st->anti ? w[k] + ap * xpost[j] : w[k] - am * xpost[j];
      w[k] = pspk[j] ? v : clip_f(v, lo, hi);
    }
  }
  /* S_post terms: hebbian +a_plus*x_pre, anti-hebbian -a_minus*x_pre; then the clip. */
  const uint64_t *restrict tsyn = st->tsyn;
  const uint32_t *restrict tpre = st->tpre;
  tcursor cur = tc_start(post, st->tptr), ahead = tc_ahead(cur, tsyn, st->tpre, w, sizeof *w);
  for (; cur.q < cur.nq; tc_next(&cur)) {
    tc_fetch(&ahead, tsyn, w, sizeof *w);
    uint64_t k = tsyn[cur.t];
    float x = xpre[tpre[cur.t]];
    w[k] = clip_f(st->anti ? w[k] - am * x : w[k] + ap * x, lo, hi);
  }
}

/* ---------------------------------------------------------------- fixed */

static int32_t clip_q(int64_t w, const ir_fx_stdp *q) {
  return w < q->w_lo ? q->w_lo : w > q->w_hi ? q->w_hi : (int32_t)w;
}

static int64_t term(int64_t rate, int32_t x) { return ir_fx_rshift_round(rate * x, IR_FX_Q); }

static int32_t trace_q(int32_t x, int32_t inc, int32_t f, bool spike) {
  int64_t v = ir_fx_rshift_round(((int64_t)(spike ? inc : 0) + x) * f, IR_FX_Q);
  return v > INT32_MAX ? INT32_MAX : v < -INT32_MAX ? -INT32_MAX : (int32_t)v;
}

static void step_fixed(rt_interp *s, rt_proj *p, rt_stdp *st) {
  const ir_csr *c = p->csr;
  const rt_src *pre = p->pre, *post = p->post->src;
  const ir_fx_stdp *q = &st->q;
  int32_t *restrict w = p->w_q;
  const uint32_t *restrict col = c->col;
  const uint16_t *restrict col16 = p->col16; /* the same, narrowed, when there is one */
  const uint8_t *restrict pspk = post->spk;
  int64_t am = q->a_minus;
  if (st->astro) {
    float unused;
    int32_t a = 0;
    s->astros[st->modulator].model->modulation(&s->astros[st->modulator], &unused, &a);
    am = ir_fx_rshift_round((int64_t)q->a_minus * a, IR_FX_Q);
  }
  /* Terms are added in 64 bits; the pre pass saturates to 32 bits, the clip follows as in float. */
  for (uint32_t n = 0; n < pre->nspk; n++) {
    uint32_t i = pre->idx[n];
    for (uint64_t k = c->row_ptr[i]; k < c->row_ptr[i + 1]; k++) {
      uint32_t j = col16 ? col16[k] : col[k];
      int32_t x = st->xpost_q[j];
      int64_t v = st->anti ? w[k] + term(q->a_plus, x) : w[k] - term(am, x);
      int32_t sat = (int32_t)(v > INT32_MAX ? INT32_MAX : v < -INT32_MAX ? -INT32_MAX : v);
      w[k] = pspk[j] ? sat : clip_q(sat, q);
    }
  }
  const uint64_t *restrict tsyn = st->tsyn;
  tcursor cur = tc_start(post, st->tptr), ahead = tc_ahead(cur, tsyn, st->tpre, w, sizeof *w);
  for (; cur.q < cur.nq; tc_next(&cur)) {
    tc_fetch(&ahead, tsyn, w, sizeof *w);
    uint64_t k = tsyn[cur.t];
    int32_t x = st->xpre_q[st->tpre[cur.t]];
    w[k] = clip_q(st->anti ? w[k] - term(am, x) : w[k] + term(q->a_plus, x), q);
  }
}

void rt_stdp_step(rt_interp *s, rt_proj *p) {
  if (p->ip->plast_params[IR_P_STDP_T_EPOCH].kind == IR_VAL_CONST) {
    rt_stdp_loihi_step(s, p);
    return;
  }
  if (s->fixed)
    step_fixed(s, p, p->stdp);
  else
    step_float(s, p, p->stdp);
}

/* x = f * (inc * spike + x) (fixed: rounded, saturated) for the traces this projection owns. */
void rt_stdp_traces(rt_interp *s, rt_proj *p) {
  rt_stdp *st = p->stdp;
  const rt_src *pre = p->pre, *post = p->post->src;
  if (!s->fixed) {
    if (st->own_pre)
      traces_f(st->xpre_f, pre->spk, pre->n, st->f_pre, st->inc);
    if (st->own_post)
      traces_f(st->xpost_f, post->spk, post->n, st->f_post, st->inc);
    return;
  }
  const ir_fx_stdp *q = &st->q;
  for (uint32_t i = 0; st->own_pre && i < pre->n; i++)
    st->xpre_q[i] = trace_q(st->xpre_q[i], q->inc, q->f_pre, pre->spk[i]);
  for (uint32_t j = 0; st->own_post && j < post->n; j++)
    st->xpost_q[j] = trace_q(st->xpost_q[j], q->inc, q->f_post, post->spk[j]);
}
