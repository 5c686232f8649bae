/* neuron_lif.c — the Loihi CUBA compartment `lif` in float and fixed numerics (docs/numerics.md, "lif"). */
#include <math.h>
#include <stdlib.h>

#include "models.h"
#include "rng.h"

typedef struct lif_state {
  /* fixed */
  int32_t *v_q, *u_q;
  ir_fx_lif *prm_q;
  /* float */
  float *v_f, *u_f, *fu, *fv, *vth, *bias;
  /* both */
  int32_t *ref, *nref;
} lif_state;

static float decay_factor(double tau, double d, double dt, double off) {
  if (!isnan(d))
    return (float)((4096.0 - off - d) / 4096.0);
  return tau > 0 ? (float)exp(-dt / tau) : 0.0f;
}

static bool lif_create(rt_interp *s, rt_pop *p, ir_diag *d) {
  lif_state *st = rt_alloc(s, 1, sizeof(*st));
  if (!st)
    return false;
  p->st = st;
  uint32_t n = p->n;
  const ir_model_desc *desc = ir_neuron_model_desc(IR_NEURON_LIF);
  double *prm = rt_sample_params(s, p->ip->params, desc, RNG_KIND_NEURON_PARAM, p->index, n);
  if (!prm)
    return false;
  ir_ref node = {IR_NODE_POPULATION, p->index};
  st->ref = rt_alloc(s, n, sizeof(int32_t));
  st->nref = rt_alloc(s, n, sizeof(int32_t));
  bool ok = st->ref && st->nref;
  if (ok && s->fixed) {
    st->v_q = rt_alloc(s, n, sizeof(int32_t));
    st->u_q = rt_alloc(s, n, sizeof(int32_t));
    st->prm_q = rt_alloc(s, n, sizeof(ir_fx_lif));
    ok = st->v_q && st->u_q && st->prm_q;
    for (uint32_t i = 0; ok && i < n; i++) {
      const char *why = NULL;
      if (!ir_fx_lif_derive(prm + (size_t)i * desc->nparams, s->m->dt, s->m->v_unit, &st->prm_q[i], &why)) {
        ir_error(d, p->ip->loc, "population '%s' (neuron %u): %s", p->ip->name, i, why);
        free(prm);
        return false;
      }
      st->v_q[i] = st->prm_q[i].v_init;
      st->u_q[i] = st->prm_q[i].u_init;
      st->nref[i] = st->prm_q[i].refractory;
    }
    ok = ok && rt_register(s, node, "v", RT_I32, st->v_q, n) && rt_register(s, node, "u", RT_I32, st->u_q, n);
  } else if (ok) {
    st->v_f = rt_alloc(s, n, sizeof(float));
    st->u_f = rt_alloc(s, n, sizeof(float));
    st->fu = rt_alloc(s, n, sizeof(float));
    st->fv = rt_alloc(s, n, sizeof(float));
    st->vth = rt_alloc(s, n, sizeof(float));
    st->bias = rt_alloc(s, n, sizeof(float));
    ok = st->v_f && st->u_f && st->fu && st->fv && st->vth && st->bias;
    for (uint32_t i = 0; ok && i < n; i++) {
      const double *q = prm + (size_t)i * desc->nparams;
      st->fu[i] = decay_factor(q[IR_P_LIF_TAU_U], q[IR_P_LIF_DU], s->m->dt, 1);
      st->fv[i] = decay_factor(q[IR_P_LIF_TAU_V], q[IR_P_LIF_DV], s->m->dt, 0);
      st->vth[i] = (float)q[IR_P_LIF_V_TH];
      st->bias[i] = (float)q[IR_P_LIF_BIAS];
      st->v_f[i] = (float)q[IR_P_LIF_V_INIT];
      st->u_f[i] = (float)q[IR_P_LIF_U_INIT];
      double r = round(q[IR_P_LIF_REFRACTORY] / s->m->dt);
      st->nref[i] = r > 1e9 ? 1000000000 : (int32_t)r;
    }
    ok = ok && rt_register(s, node, "v", RT_F32, st->v_f, n) && rt_register(s, node, "u", RT_F32, st->u_f, n);
  }
  free(prm);
  return ok && rt_register(s, node, "ref", RT_I32, st->ref, n);
}

/* u first, then v from the new u; refractory neurons keep v at 0 (u still integrates). */
static void lif_update_fixed(lif_state *st, rt_pop *p) {
  uint8_t *spk = p->src->spk, *forced = p->src->forced;
  for (uint32_t i = 0; i < p->n; i++) {
    const ir_fx_lif *q = &st->prm_q[i];
    int64_t u = ir_fx_sat24(ir_fx_decay(st->u_q[i], q->du, 1) + p->syn_i[i]);
    st->u_q[i] = (int32_t)u;
    bool fire = false;
    if (st->ref[i] > 0) {
      st->ref[i]--;
      st->v_q[i] = 0;
    } else {
      int64_t bias = (int64_t)q->bias_mant * (INT64_C(1) << q->bias_exp);
      int64_t v = ir_fx_sat24(ir_fx_decay(st->v_q[i], q->dv, 0) + u + bias + p->inj_i[i]);
      st->v_q[i] = (int32_t)v;
      fire = v > ((int64_t)q->vth_mant << 6);
    }
    if (fire || forced[i]) {
      spk[i] = 1;
      st->v_q[i] = 0;
      st->ref[i] = st->nref[i];
    }
  }
}

static void lif_update_float(lif_state *st, rt_pop *p) {
  uint8_t *spk = p->src->spk, *forced = p->src->forced;
  for (uint32_t i = 0; i < p->n; i++) {
    float u = st->u_f[i] * st->fu[i] + p->syn_f[i];
    st->u_f[i] = u;
    bool fire = false;
    if (st->ref[i] > 0) {
      st->ref[i]--;
      st->v_f[i] = 0.0f;
    } else {
      float v = st->v_f[i] * st->fv[i] + u;
      v = v + st->bias[i];
      v = v + p->inj_f[i];
      st->v_f[i] = v;
      fire = v > st->vth[i];
    }
    if (fire || forced[i]) {
      spk[i] = 1;
      st->v_f[i] = 0.0f;
      st->ref[i] = st->nref[i];
    }
  }
}

static void lif_update(rt_interp *s, rt_pop *p) {
  if (s->fixed)
    lif_update_fixed(p->st, p);
  else
    lif_update_float(p->st, p);
}

const rt_neuron_model rt_model_lif = {
    .name = "lif",
    .kernel_delivery = false,
    .create = lif_create,
    .fire = NULL,
    .update = lif_update,
    .destroy = NULL,
};
