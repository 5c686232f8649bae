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
    st->xpre_q = rt_alloc(s, npre, sizeof(int32_t));
    st->xpost_q = rt_alloc(s, npost, sizeof(int32_t));
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
    st->xpre_f = rt_alloc(s, npre, sizeof(float));
    st->xpost_f = rt_alloc(s, npost, sizeof(float));
    ok = st->xpre_f && st->xpost_f && rt_register(s, node, "x_pre", RT_F32, st->xpre_f, npre) &&
         rt_register(s, node, "x_post", RT_F32, st->xpost_f, npost);
  }
  return ok && build_transpose(s, p, st);
}

void rt_stdp_free(rt_stdp *st) { free(st); }

/* ---------------------------------------------------------------- float */

static void step_float(rt_interp *s, rt_proj *p, rt_stdp *st) {
  const ir_csr *c = p->csr;
  const rt_src *pre = p->pre, *post = p->post->src;
  float *w = p->w_f;
  float am = st->a_minus;
  if (st->astro) {
    float a = 0;
    int32_t unused;
    s->astros[st->modulator].model->modulation(&s->astros[st->modulator], &a, &unused);
    am = st->a_minus * a;
  }
  /* S_pre terms: hebbian -a_minus*x_post, anti-hebbian +a_plus*x_post. */
  for (uint32_t q = 0; q < pre->nspk; q++) {
    uint32_t i = pre->idx[q];
    for (uint64_t k = c->row_ptr[i]; k < c->row_ptr[i + 1]; k++)
      w[k] = st->anti ? w[k] + st->a_plus * st->xpost_f[c->col[k]] : w[k] - am * st->xpost_f[c->col[k]];
  }
  /* S_post terms: hebbian +a_plus*x_pre, anti-hebbian -a_minus*x_pre; then clip everything touched. */
  for (uint32_t q = 0; q < post->nspk; q++) {
    uint32_t j = post->idx[q];
    for (uint64_t t = st->tptr[j]; t < st->tptr[j + 1]; t++) {
      uint64_t k = st->tsyn[t];
      float x = st->xpre_f[st->tpre[t]];
      w[k] = st->anti ? w[k] - am * x : w[k] + st->a_plus * x;
      w[k] = w[k] < st->w_lo ? st->w_lo : w[k] > st->w_hi ? st->w_hi : w[k];
    }
  }
  for (uint32_t q = 0; q < pre->nspk; q++) {
    uint32_t i = pre->idx[q];
    for (uint64_t k = c->row_ptr[i]; k < c->row_ptr[i + 1]; k++)
      w[k] = w[k] < st->w_lo ? st->w_lo : w[k] > st->w_hi ? st->w_hi : w[k];
  }
  for (uint32_t i = 0; i < c->npre; i++)
    st->xpre_f[i] = st->f_pre * (st->inc * (float)pre->spk[i] + st->xpre_f[i]);
  for (uint32_t j = 0; j < c->npost; j++)
    st->xpost_f[j] = st->f_post * (st->inc * (float)post->spk[j] + st->xpost_f[j]);
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
  int32_t *w = p->w_q;
  int64_t am = q->a_minus;
  if (st->astro) {
    float unused;
    int32_t a = 0;
    s->astros[st->modulator].model->modulation(&s->astros[st->modulator], &unused, &a);
    am = ir_fx_rshift_round((int64_t)q->a_minus * a, IR_FX_Q);
  }
  /* Terms are added in 64 bits and clipped once per synapse after both passes. */
  for (uint32_t n = 0; n < pre->nspk; n++) {
    uint32_t i = pre->idx[n];
    for (uint64_t k = c->row_ptr[i]; k < c->row_ptr[i + 1]; k++) {
      int32_t x = st->xpost_q[c->col[k]];
      int64_t v = st->anti ? w[k] + term(q->a_plus, x) : w[k] - term(am, x);
      w[k] = (int32_t)(v > INT32_MAX ? INT32_MAX : v < -INT32_MAX ? -INT32_MAX : v);
    }
  }
  for (uint32_t n = 0; n < post->nspk; n++) {
    uint32_t j = post->idx[n];
    for (uint64_t t = st->tptr[j]; t < st->tptr[j + 1]; t++) {
      uint64_t k = st->tsyn[t];
      int32_t x = st->xpre_q[st->tpre[t]];
      w[k] = clip_q(st->anti ? w[k] - term(am, x) : w[k] + term(q->a_plus, x), q);
    }
  }
  for (uint32_t n = 0; n < pre->nspk; n++) {
    uint32_t i = pre->idx[n];
    for (uint64_t k = c->row_ptr[i]; k < c->row_ptr[i + 1]; k++)
      w[k] = clip_q(w[k], q);
  }
  for (uint32_t i = 0; i < c->npre; i++)
    st->xpre_q[i] = trace_q(st->xpre_q[i], q->inc, q->f_pre, pre->spk[i]);
  for (uint32_t j = 0; j < c->npost; j++)
    st->xpost_q[j] = trace_q(st->xpost_q[j], q->inc, q->f_post, post->spk[j]);
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
