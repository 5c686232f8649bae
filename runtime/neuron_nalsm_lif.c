/* neuron_nalsm_lif.c — the NALSM discrete LIF in float and fixed numerics (docs/numerics.md,
 * "nalsm_lif"): spike -> reset in fire(), then (after the engine's kernel propagation) integrate and
 * refractory update in update(). */
#include <math.h>
#include <stdlib.h>

#include "models.h"
#include "rng.h"

typedef struct nalsm_state {
  int32_t *v_q;
  ir_fx_nalsm_lif *prm_q;
  float *v_f, *k_leak, *vth, *v_reset;
  int32_t *ref, *nref;
} nalsm_state;

/* tau_syn and kernel_cutoff shape one kernel table per population: they must be constants. */
static bool make_kernel(rt_interp *s, rt_pop *p, ir_diag *d) {
  const ir_value *ts = &p->ip->params[IR_P_NALSM_LIF_TAU_SYN], *kc = &p->ip->params[IR_P_NALSM_LIF_KERNEL_CUTOFF];
  if (ts->kind != IR_VAL_CONST || kc->kind != IR_VAL_CONST) {
    ir_error(d, p->ip->loc, "population '%s': tau_syn and kernel_cutoff must be constants, not distributions",
             p->ip->name);
    return false;
  }
  int32_t kq[IR_FX_KERNEL_MAX];
  p->kcut = ir_fx_kernel(ts->a, kc->a, s->m->dt, kq);
  if (p->kcut < 0) {
    ir_error(d, kc->loc.line ? kc->loc : p->ip->loc,
             "population '%s': kernel_cutoff must be at most %d steps", p->ip->name, IR_FX_KERNEL_MAX - 1);
    return false;
  }
  for (int32_t k = 0; k <= p->kcut; k++) {
    p->kq[k] = kq[k];
    p->kf[k] = ts->a > 0 ? (float)exp(-(double)k * s->m->dt / ts->a) : (k == 0 ? 1.0f : 0.0f);
  }
  return true;
}

static bool nalsm_create(rt_interp *s, rt_pop *p, ir_diag *d) {
  nalsm_state *st = rt_alloc(s, 1, sizeof(*st));
  if (!st || !make_kernel(s, p, d))
    return false;
  p->st = st;
  uint32_t n = p->n;
  const ir_model_desc *desc = ir_neuron_model_desc(IR_NEURON_NALSM_LIF);
  double *prm = rt_sample_params(s, p->ip->params, desc, RNG_KIND_NEURON_PARAM, p->index, n);
  st->ref = rt_alloc(s, n, sizeof(int32_t));
  st->nref = rt_alloc(s, n, sizeof(int32_t));
  bool ok = prm && st->ref && st->nref;
  ir_ref node = {IR_NODE_POPULATION, p->index};
  if (ok && s->fixed) {
    st->v_q = rt_alloc(s, n, sizeof(int32_t));
    st->prm_q = rt_alloc(s, n, sizeof(ir_fx_nalsm_lif));
    ok = st->v_q && st->prm_q;
    for (uint32_t i = 0; ok && i < n; i++) {
      const char *why = NULL;
      if (!ir_fx_nalsm_lif_derive(prm + (size_t)i * desc->nparams, s->m->dt, s->m->v_unit, &st->prm_q[i], &why)) {
        ir_error(d, p->ip->loc, "population '%s' (neuron %u): %s", p->ip->name, i, why);
        free(prm);
        return false;
      }
      st->v_q[i] = st->prm_q[i].v_init;
      st->nref[i] = st->prm_q[i].refractory;
    }
    ok = ok && rt_register(s, node, "v", RT_I32, st->v_q, n);
  } else if (ok) {
    st->v_f = rt_alloc(s, n, sizeof(float));
    st->k_leak = rt_alloc(s, n, sizeof(float));
    st->vth = rt_alloc(s, n, sizeof(float));
    st->v_reset = rt_alloc(s, n, sizeof(float));
    ok = st->v_f && st->k_leak && st->vth && st->v_reset;
    for (uint32_t i = 0; ok && i < n; i++) {
      const double *q = prm + (size_t)i * desc->nparams;
      double tau = q[IR_P_NALSM_LIF_TAU_V];
      st->k_leak[i] = tau > 0 ? (float)(s->m->dt / tau) : 1.0f;
      st->vth[i] = (float)q[IR_P_NALSM_LIF_V_TH];
      st->v_reset[i] = (float)q[IR_P_NALSM_LIF_V_RESET];
      st->v_f[i] = (float)q[IR_P_NALSM_LIF_V_INIT];
      double r = round(q[IR_P_NALSM_LIF_REFRACTORY] / s->m->dt);
      st->nref[i] = r > 1e9 ? 1000000000 : (int32_t)r;
    }
    ok = ok && rt_register(s, node, "v", RT_F32, st->v_f, n);
  }
  free(prm);
  return ok && rt_register(s, node, "ref", RT_I32, st->ref, n);
}

/* Spike iff V >= v_th and not refractory (or forced), then V = v_reset. One loop per numerics mode,
 * branch-free selects: this runs over every neuron every step. */
static void nalsm_fire(rt_interp *s, rt_pop *p) {
  nalsm_state *st = p->st;
  uint8_t *restrict spk = p->src->spk;
  const uint8_t *restrict forced = p->src->forced;
  const int32_t *restrict ref = st->ref;
  if (s->fixed) {
    int32_t *restrict v = st->v_q;
    const ir_fx_nalsm_lif *restrict q = st->prm_q;
    for (uint32_t i = 0; i < p->n; i++) {
      bool fire = (v[i] >= q[i].vth && ref[i] == 0) || forced[i];
      v[i] = fire ? q[i].v_reset : v[i];
      spk[i] = fire ? 1 : spk[i];
    }
  } else {
    float *restrict v = st->v_f;
    const float *restrict vth = st->vth, *restrict vr = st->v_reset;
    for (uint32_t i = 0; i < p->n; i++) {
      bool fire = (v[i] >= vth[i] && ref[i] == 0) || forced[i];
      v[i] = fire ? vr[i] : v[i];
      spk[i] = fire ? 1 : spk[i];
    }
  }
}

/* V <- V + syn + I_in - V*dt/tau_v (fixed: decay(V, leak, 0) + syn + I_in, saturated), then the
 * refractory counter: set on a spike of this step, else counted down to 0. */
static void nalsm_update(rt_interp *s, rt_pop *p) {
  nalsm_state *st = p->st;
  const uint8_t *restrict spk = p->src->spk;
  if (s->fixed) {
    int32_t *restrict v = st->v_q;
    const ir_fx_nalsm_lif *restrict q = st->prm_q;
    const int64_t *restrict syn = p->syn_i, *restrict inj = p->inj_i;
    for (uint32_t i = 0; i < p->n; i++)
      v[i] = (int32_t)ir_fx_sat24(ir_fx_decay(v[i], q[i].leak, 0) + syn[i] + inj[i]);
  } else {
    float *restrict vf = st->v_f;
    const float *restrict kl = st->k_leak, *restrict syn = p->syn_f, *restrict inj = p->inj_f;
    for (uint32_t i = 0; i < p->n; i++) {
      float v = vf[i];
      float leak = v * kl[i];
      v = v + syn[i];
      v = v + inj[i];
      vf[i] = v - leak;
    }
  }
  int32_t *restrict ref = st->ref;
  const int32_t *restrict nref = st->nref;
  for (uint32_t i = 0; i < p->n; i++)
    ref[i] = spk[i] ? nref[i] : ref[i] > 0 ? ref[i] - 1 : ref[i];
}

const rt_neuron_model rt_model_nalsm_lif = {
    .name = "nalsm_lif",
    .kernel_delivery = true,
    .create = nalsm_create,
    .fire = nalsm_fire,
    .update = nalsm_update,
    .destroy = NULL,
};
