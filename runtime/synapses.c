/* synapses.c — projections in the interp engine: weights, event delivery through delay rings, and
 * the last-spike kernel delivery of nalsm_lif (docs/numerics.md, "Synaptic input"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"

static rt_src *source_of(rt_interp *s, ir_ref r) {
  if (r.kind == IR_NODE_POPULATION && r.index < s->m->npops)
    return &s->srcs[r.index];
  if (r.kind == IR_NODE_INPUT && r.index < s->m->ninputs)
    return &s->srcs[s->m->npops + r.index];
  return NULL;
}

static bool create_weights(rt_interp *s, rt_proj *p, ir_diag *d) {
  const ir_csr *c = p->csr;
  if (!s->fixed) {
    p->w_f = rt_alloc(s, c->nsyn, sizeof(float));
    if (!p->w_f)
      return false;
    memcpy(p->w_f, c->weight, c->nsyn * sizeof(float));
    return rt_register(s, (ir_ref){IR_NODE_PROJECTION, p->index}, "w", RT_F32, p->w_f, c->nsyn);
  }
  double lo = -INFINITY, hi = INFINITY;
  if (p->ip->plasticity != IR_PLAST_NONE) {
    lo = p->ip->plast_params[IR_P_STDP_W_MIN].kind == IR_VAL_CONST ? p->ip->plast_params[IR_P_STDP_W_MIN].a : lo;
    hi = p->ip->plast_params[IR_P_STDP_W_MAX].kind == IR_VAL_CONST ? p->ip->plast_params[IR_P_STDP_W_MAX].a : hi;
  }
  double v_unit = s->m->v_unit;
  if (!ir_fx_weight_exp(c->weight, c->nsyn, lo, hi, v_unit, &p->wexp)) {
    ir_error(d, p->ip->loc,
             "weights of projection '%s' exceed 127 * 2^7 * v_unit in fixed numerics; raise network.v_unit",
             p->ip->name);
    return false;
  }
  p->w_q = rt_alloc(s, c->nsyn, sizeof(int32_t));
  if (!p->w_q)
    return false;
  for (uint64_t k = 0; k < c->nsyn; k++)
    p->w_q[k] = ir_fx_weight_w16(c->weight[k], p->wexp, v_unit);
  return rt_register(s, (ir_ref){IR_NODE_PROJECTION, p->index}, "w", RT_I32, p->w_q, c->nsyn);
}

/* Efficacy factors when an astrocyte that scales efficacy modulates this projection; an event
 * count ring when the post model counts incoming events (amsu). Both make the projection take the
 * modulated delivery path; the count ring is state (checkpointed), the factors are recomputed each
 * step from astrocyte state. */
static bool create_modulation(rt_interp *s, rt_proj *p, ir_diag *d) {
  const ir_module *m = s->m;
  bool scaled = false;
  for (uint32_t k = 0; k < m->nastros; k++)
    if (s->astros[k].model->scales_efficacy && rt_domain_modulates(&m->astros[k], p->index))
      scaled = true;
  uint32_t n = p->post->n;
  if (scaled) {
    if (p->post->model->kernel_delivery) {
      ir_error(d, p->ip->loc,
               "efficacy modulation of projection '%s' into a %s population is not supported yet (it needs "
               "event delivery)",
               p->ip->name, p->post->model->name);
      return false;
    }
    if (s->fixed)
      p->scale_q = rt_alloc(s, n, sizeof(int32_t));
    else
      p->scale_f = rt_alloc(s, n, sizeof(float));
    if (!p->scale_q && !p->scale_f)
      return false;
    p->modulated = true;
  }
  if (p->post->model->count_events) {
    size_t cells = (size_t)p->nring * n;
    p->cnt_ring = rt_alloc(s, cells, sizeof(int32_t));
    if (!p->cnt_ring || !rt_register(s, (ir_ref){IR_NODE_PROJECTION, p->index}, NULL, RT_I32, p->cnt_ring, cells))
      return false;
    p->modulated = true;
  }
  return true;
}

bool rt_proj_create(rt_interp *s, rt_proj *p, ir_diag *d) {
  const ir_projection *ip = p->ip;
  p->csr = ip->csr;
  p->pre = source_of(s, ip->pre);
  if (!p->csr) {
    ir_error(d, ip->loc, "projection '%s' is not expanded (run the layout and expand passes first)", ip->name);
    return false;
  }
  if (!p->pre || ip->post.kind != IR_NODE_POPULATION || ip->post.index >= s->m->npops) {
    ir_error(d, ip->loc, "projection '%s' has an invalid pre or post node", ip->name);
    return false;
  }
  p->post = &s->pops[ip->post.index];
  if (p->csr->npre != p->pre->n || p->csr->npost != p->post->n) {
    ir_error(d, ip->loc, "projection '%s': its connectivity is %ux%u but pre and post have %u and %u neurons",
             ip->name, p->csr->npre, p->csr->npost, p->pre->n, p->post->n);
    return false;
  }
  for (uint64_t k = 0; k < p->csr->nsyn; k++)
    if (p->csr->delay[k] > p->maxdelay)
      p->maxdelay = p->csr->delay[k];
  if (!create_weights(s, p, d))
    return false;
  ir_ref node = {IR_NODE_PROJECTION, p->index};
  if (!p->post->model->kernel_delivery) {
    p->nring = p->maxdelay + 1;
    size_t cells = (size_t)p->nring * p->post->n;
    if (s->fixed)
      p->ring_i = rt_alloc(s, cells, sizeof(int64_t));
    else
      p->ring_f = rt_alloc(s, cells, sizeof(float));
    if (!(s->fixed ? (void *)p->ring_i : (void *)p->ring_f))
      return false;
    if (!rt_register(s, node, NULL, s->fixed ? RT_I64 : RT_F32, s->fixed ? (void *)p->ring_i : (void *)p->ring_f,
                     cells))
      return false;
  } else if (s->fixed) {
    p->acc_i = rt_alloc(s, p->post->n, sizeof(int64_t));
    if (!p->acc_i)
      return false;
  }
  if (p->post->n <= 65536 && (p->post->model->kernel_delivery || ip->plasticity != IR_PLAST_NONE)) {
    if (!(p->col16 = rt_alloc(s, p->csr->nsyn, sizeof(uint16_t))))
      return false;
    for (uint64_t k = 0; k < p->csr->nsyn; k++)
      p->col16[k] = (uint16_t)p->csr->col[k];
  }
  if (!create_modulation(s, p, d))
    return false;
  if (ip->plasticity != IR_PLAST_NONE)
    return rt_stdp_create(s, p, d);
  return true;
}

void rt_proj_free(rt_proj *p) {
  if (p->stdp)
    rt_stdp_free(p->stdp);
  p->stdp = NULL;
}

/* Phase 1b: every efficacy factor back to 1 before the astrocytes multiply theirs in. */
void rt_syn_reset_scales(rt_interp *s) {
  for (uint32_t k = 0; k < s->m->nprojs; k++) {
    rt_proj *p = &s->projs[k];
    for (uint32_t j = 0; p->scale_q && j < p->post->n; j++)
      p->scale_q[j] = IR_FX_ONE;
    for (uint32_t j = 0; p->scale_f && j < p->post->n; j++)
      p->scale_f[j] = 1.0f;
  }
}

/* Phase 2 for a modulated projection: the slot's sum times the post's efficacy factor (float:
 * ring*scale; fixed: rr(clamp31(ring << (6+e)) * scale_q, 16)), and the slot's event counts. */
static void deliver_modulated(rt_interp *s, rt_proj *p, size_t base) {
  uint32_t n = p->post->n;
  if (s->fixed) {
    int64_t mul = INT64_C(1) << (6 + p->wexp);
    int64_t *ring = p->ring_i + base, *syn = p->post->syn_i;
    for (uint32_t j = 0; j < n; j++) {
      int64_t x = ring[j] * mul;
      syn[j] += p->scale_q ? ir_fx_rshift_round(rt_clamp31(x) * p->scale_q[j], IR_FX_Q) : x;
    }
    memset(ring, 0, n * sizeof(int64_t));
  } else {
    float *ring = p->ring_f + base, *syn = p->post->syn_f;
    for (uint32_t j = 0; j < n; j++)
      syn[j] += p->scale_f ? ring[j] * p->scale_f[j] : ring[j];
    memset(ring, 0, n * sizeof(float));
  }
  if (p->cnt_ring) {
    int32_t *cnt = p->cnt_ring + base, *nev = p->post->nev;
    for (uint32_t j = 0; j < n; j++)
      nev[j] += cnt[j];
    memset(cnt, 0, n * sizeof(int32_t));
  }
}

/* Phase 2 for one event projection: the ring slot of step t holds the sums of every spike due now.
 * Fixed mode shifts each projection's mantissa sum by 6 + exp (always a left shift, exact) before
 * adding projections. */
void rt_syn_deliver_proj(rt_interp *s, rt_proj *p) {
  uint32_t n = p->post->n;
  size_t base = (size_t)(s->step % p->nring) * n;
  if (p->modulated) {
    deliver_modulated(s, p, base);
    return;
  }
  if (s->fixed) {
    int64_t mul = INT64_C(1) << (6 + p->wexp);
    int64_t *ring = p->ring_i + base, *syn = p->post->syn_i;
    for (uint32_t j = 0; j < n; j++)
      syn[j] += ring[j] * mul;
    memset(ring, 0, n * sizeof(int64_t));
  } else {
    float *ring = p->ring_f + base, *syn = p->post->syn_f;
    for (uint32_t j = 0; j < n; j++)
      syn[j] += ring[j];
    memset(ring, 0, n * sizeof(float));
  }
}

void rt_syn_deliver_events(rt_interp *s) {
  for (uint32_t k = 0; k < s->m->nprojs; k++)
    if (s->projs[k].nring)
      rt_syn_deliver_proj(s, &s->projs[k]);
}

/* One event per synapse of each spike, into the count ring slot where its weight went. */
static void push_counts(rt_proj *p, uint64_t t) {
  const ir_csr *c = p->csr;
  uint32_t n = p->post->n;
  for (uint32_t q = 0; q < p->pre->nspk; q++) {
    uint32_t i = p->pre->idx[q];
    for (uint64_t syn = c->row_ptr[i]; syn < c->row_ptr[i + 1]; syn++)
      p->cnt_ring[(size_t)((t + 1 + c->delay[syn]) % p->nring) * n + c->col[syn]]++;
  }
}

/* After phase 3, one event projection: a spike of step t on a synapse of delay d is added to slot
 * (t + 1 + d) mod R, presynaptic neuron ascending, synapse order within the row. */
void rt_syn_push_proj(rt_interp *s, rt_proj *p) {
  uint64_t t = s->step;
  const ir_csr *c = p->csr;
  uint32_t n = p->post->n;
  for (uint32_t q = 0; q < p->pre->nspk; q++) {
    uint32_t i = p->pre->idx[q];
    for (uint64_t syn = c->row_ptr[i]; syn < c->row_ptr[i + 1]; syn++) {
      size_t cell = (size_t)((t + 1 + c->delay[syn]) % p->nring) * n + c->col[syn];
      if (s->fixed)
        p->ring_i[cell] += ir_fx_wmant(p->w_q[syn]);
      else
        p->ring_f[cell] += p->w_f[syn];
    }
  }
  if (p->cnt_ring)
    push_counts(p, t);
}

/* In projection order. */
void rt_syn_push(rt_interp *s) {
  for (uint32_t k = 0; k < s->m->nprojs; k++)
    if (s->projs[k].nring)
      rt_syn_push_proj(s, &s->projs[k]);
}

/* Phase 3c, the hot loop of NALSM: one row whose synapses all see the same kernel value (no delays).
 * restrict locals let the compiler keep the pointers in registers; the additions into syn[] keep the
 * order of docs/numerics.md (row order within a presynaptic neuron). */
static void kernel_row_f(float *restrict syn, const uint32_t *restrict col, const float *restrict w, uint64_t a,
                         uint64_t b, float f) {
  for (uint64_t k = a; k < b; k++)
    syn[col[k]] += w[k] * f;
}

static void kernel_row_f16(float *restrict syn, const uint16_t *restrict col, const float *restrict w, uint64_t a,
                           uint64_t b, float f) {
  for (uint64_t k = a; k < b; k++)
    syn[col[k]] += w[k] * f;
}

static void kernel_row_q(int64_t *restrict acc, const uint32_t *restrict col, const int32_t *restrict w, uint64_t a,
                         uint64_t b, int32_t f) {
  for (uint64_t k = a; k < b; k++)
    acc[col[k]] += (int64_t)ir_fx_wmant(w[k]) * f;
}

/* A row with delays: each synapse reads the kernel at its own lag s0 - delay. */
static void kernel_row_delayed(rt_interp *s, rt_proj *p, rt_pop *post, uint32_t i, int64_t s0) {
  const ir_csr *c = p->csr;
  for (uint64_t syn = c->row_ptr[i]; syn < c->row_ptr[i + 1]; syn++) {
    int64_t sd = s0 - c->delay[syn];
    if (sd < 0 || sd > post->kcut)
      continue;
    if (s->fixed)
      p->acc_i[c->col[syn]] += (int64_t)ir_fx_wmant(p->w_q[syn]) * post->kq[sd];
    else
      post->syn_f[c->col[syn]] += p->w_f[syn] * post->kf[sd];
  }
}

/* Phase 3c for one kernel population: every synapse whose presynaptic neuron last spiked s steps
 * ago (minus the synapse's delay) with 0 <= s <= kcut adds w * k[s], using the current weight.
 * Fixed mode skips rows whose kernel value is 0 (adding 0 to an integer changes nothing); float
 * mode never skips (x + 0.0 is not x when x is -0.0). */
void rt_syn_deliver_kernel(rt_interp *s, rt_pop *post) {
  int64_t t = (int64_t)s->step;
  for (uint32_t k = 0; k < s->m->nprojs; k++) {
    rt_proj *p = &s->projs[k];
    if (p->post != post)
      continue;
    const ir_csr *c = p->csr;
    const int64_t *last = p->pre->last;
    const uint64_t *rp = c->row_ptr;
    int64_t reach = (int64_t)post->kcut + p->maxdelay;
    if (s->fixed)
      memset(p->acc_i, 0, post->n * sizeof(int64_t));
    for (uint32_t i = 0; i < c->npre; i++) {
      int64_t s0 = t - last[i];
      if (s0 < 0 || s0 > reach)
        continue;
      if (p->maxdelay)
        kernel_row_delayed(s, p, post, i, s0);
      else if (s->fixed) {
        if (post->kq[s0])
          kernel_row_q(p->acc_i, c->col, p->w_q, rp[i], rp[i + 1], post->kq[s0]);
      } else if (p->col16)
        kernel_row_f16(post->syn_f, p->col16, p->w_f, rp[i], rp[i + 1], post->kf[s0]);
      else
        kernel_row_f(post->syn_f, c->col, p->w_f, rp[i], rp[i + 1], post->kf[s0]);
    }
    if (s->fixed) {
      int64_t mul = INT64_C(1) << (6 + p->wexp);
      for (uint32_t j = 0; j < post->n; j++)
        post->syn_i[j] += ir_fx_rshift_round(p->acc_i[j] * mul, IR_FX_KERNEL_Q);
    }
  }
}
