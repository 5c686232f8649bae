/* neuron_amsu.c — the astrocyte-modulated spiking unit `amsu` in float and fixed numerics: a lif-like
 * unit with its own slow astrocyte state a that scales incoming synaptic input by 1 + gain*a, raises
 * the threshold by thresh_gain*a and injects astro_current*a (docs/amsu.md, docs/numerics.md "amsu"). */
#include <math.h>
#include <stdlib.h>

#include "models.h"
#include "rng.h"

/* Fixed-point parameters of one unit (docs/numerics.md, "amsu", table). */
typedef struct amsu_q {
  int32_t du, dv;         /* Loihi decays, as lif */
  int32_t vth, tgain;     /* fine units: threshold vth + rr(tgain * a, 16) */
  int32_t acur;           /* fine units: current rr(acur * a, 16) */
  int32_t fa;             /* Q16 decay factor of a */
  int32_t a_spike, a_pre; /* Q16 increments */
  int32_t gain;           /* Q16: input factor 65536 + rr(gain * a, 16) */
  int32_t v_init;         /* fine units */
} amsu_q;

typedef struct amsu_state {
  int32_t *v_q, *u_q, *a_q; /* fixed: fine units, fine units, Q16 */
  amsu_q *prm_q;
  float *v_f, *u_f, *a_f; /* float: mV, mV, dimensionless */
  float *fu, *fv, *fa, *vth, *tgain, *acur, *a_spike, *a_pre, *gain;
  int32_t *ref, *nref;
} amsu_state;

static float factor(double tau, double dt) { return tau > 0 ? (float)exp(-dt / tau) : 0.0f; }

static const char *derive_q(const double *q, double dt, double v_unit, amsu_q *o, int32_t *nref) {
  o->du = ir_fx_du_from_tau(q[IR_P_AMSU_TAU_U], dt);
  o->dv = ir_fx_dv_from_tau(q[IR_P_AMSU_TAU_V], dt);
  o->fa = rt_fx_factor16(q[IR_P_AMSU_TAU_ASTRO], dt);
  int64_t r = ir_fx_steps(q[IR_P_AMSU_REFRACTORY], dt);
  if (r < 0 || r > IR_FX_REFRACTORY_MAX)
    return "refractory must be 0..63 steps in fixed numerics";
  *nref = (int32_t)r;
  if (!rt_fx_fine_checked(q[IR_P_AMSU_V_TH], v_unit, &o->vth) || o->vth > IR_FX_STATE_MAX)
    return "v_th exceeds the 24-bit voltage range in fixed numerics";
  if (!rt_fx_fine_checked(q[IR_P_AMSU_THRESH_GAIN], v_unit, &o->tgain) ||
      !rt_fx_fine_checked(q[IR_P_AMSU_ASTRO_CURRENT], v_unit, &o->acur))
    return "thresh_gain and astro_current must be within +-2^31 fine units";
  if (!rt_fx_q16_checked(q[IR_P_AMSU_ASTRO_SPIKE], &o->a_spike) ||
      !rt_fx_q16_checked(q[IR_P_AMSU_ASTRO_PRE], &o->a_pre) || !rt_fx_q16_checked(q[IR_P_AMSU_GAIN], &o->gain))
    return "astro_spike, astro_pre and gain must be within +-32768 (Q16)";
  o->v_init = (int32_t)ir_fx_sat24(ir_fx_fine(q[IR_P_AMSU_V_INIT], v_unit));
  return NULL;
}

static bool create_fixed(rt_interp *s, rt_pop *p, amsu_state *st, const double *prm, uint32_t np, ir_diag *d) {
  uint32_t n = p->n;
  st->v_q = rt_alloc(s, n, sizeof(int32_t));
  st->u_q = rt_alloc(s, n, sizeof(int32_t));
  st->a_q = rt_alloc(s, n, sizeof(int32_t));
  st->prm_q = rt_alloc(s, n, sizeof(amsu_q));
  if (!st->v_q || !st->u_q || !st->a_q || !st->prm_q)
    return false;
  for (uint32_t i = 0; i < n; i++) {
    const char *why = derive_q(prm + (size_t)i * np, s->m->dt, s->m->v_unit, &st->prm_q[i], &st->nref[i]);
    if (why) {
      ir_error(d, p->ip->loc, "population '%s' (neuron %u): %s", p->ip->name, i, why);
      return false;
    }
    st->v_q[i] = st->prm_q[i].v_init;
  }
  ir_ref node = {IR_NODE_POPULATION, p->index};
  return rt_register(s, node, "v", RT_I32, st->v_q, n) && rt_register(s, node, "u", RT_I32, st->u_q, n) &&
         rt_register(s, node, "a", RT_I32, st->a_q, n);
}

static bool create_float(rt_interp *s, rt_pop *p, amsu_state *st, const double *prm, uint32_t np) {
  uint32_t n = p->n;
  float **arrays[] = {&st->v_f, &st->u_f, &st->a_f, &st->fu, &st->fv, &st->fa, &st->vth,
                      &st->tgain, &st->acur, &st->a_spike, &st->a_pre, &st->gain};
  for (size_t k = 0; k < sizeof arrays / sizeof arrays[0]; k++)
    if (!(*arrays[k] = rt_alloc(s, n, sizeof(float))))
      return false;
  double dt = s->m->dt;
  for (uint32_t i = 0; i < n; i++) {
    const double *q = prm + (size_t)i * np;
    st->fu[i] = factor(q[IR_P_AMSU_TAU_U], dt);
    st->fv[i] = factor(q[IR_P_AMSU_TAU_V], dt);
    st->fa[i] = factor(q[IR_P_AMSU_TAU_ASTRO], dt);
    st->vth[i] = (float)q[IR_P_AMSU_V_TH];
    st->tgain[i] = (float)q[IR_P_AMSU_THRESH_GAIN];
    st->acur[i] = (float)q[IR_P_AMSU_ASTRO_CURRENT];
    st->a_spike[i] = (float)q[IR_P_AMSU_ASTRO_SPIKE];
    st->a_pre[i] = (float)q[IR_P_AMSU_ASTRO_PRE];
    st->gain[i] = (float)q[IR_P_AMSU_GAIN];
    st->v_f[i] = (float)q[IR_P_AMSU_V_INIT];
    double r = round(q[IR_P_AMSU_REFRACTORY] / dt);
    st->nref[i] = r > 1e9 ? 1000000000 : (int32_t)r;
  }
  ir_ref node = {IR_NODE_POPULATION, p->index};
  return rt_register(s, node, "v", RT_F32, st->v_f, n) && rt_register(s, node, "u", RT_F32, st->u_f, n) &&
         rt_register(s, node, "a", RT_F32, st->a_f, n);
}

static bool amsu_create(rt_interp *s, rt_pop *p, ir_diag *d) {
  amsu_state *st = rt_alloc(s, 1, sizeof(*st));
  if (!st)
    return false;
  p->st = st;
  st->ref = rt_alloc(s, p->n, sizeof(int32_t));
  st->nref = rt_alloc(s, p->n, sizeof(int32_t));
  if (!st->ref || !st->nref)
    return false;
  const ir_model_desc *desc = ir_neuron_model_desc(IR_NEURON_AMSU);
  double *prm = rt_sample_params(s, p->ip->params, desc, RNG_KIND_NEURON_PARAM, p->index, p->n);
  if (!prm)
    return false;
  bool ok = s->fixed ? create_fixed(s, p, st, prm, desc->nparams, d) : create_float(s, p, st, prm, desc->nparams);
  free(prm);
  return ok && rt_register(s, (ir_ref){IR_NODE_POPULATION, p->index}, "ref", RT_I32, st->ref, p->n);
}

/* Order per unit: input factor and threshold from the a of the previous step; u; v (held at 0 while
 * refractory); spike; then a decays and integrates this step's events and spike. */
static void amsu_update_fixed(amsu_state *st, rt_pop *p) {
  uint8_t *spk = p->src->spk, *forced = p->src->forced;
  for (uint32_t i = 0; i < p->n; i++) {
    const amsu_q *q = &st->prm_q[i];
    int64_t a = st->a_q[i];
    int64_t m = rt_clamp31(IR_FX_ONE + ir_fx_rshift_round((int64_t)q->gain * a, IR_FX_Q));
    int64_t se = ir_fx_rshift_round(rt_clamp31(p->syn_i[i]) * m, IR_FX_Q);
    int64_t u = ir_fx_sat24(ir_fx_decay(st->u_q[i], q->du, 1) + se);
    st->u_q[i] = (int32_t)u;
    bool fire = false;
    if (st->ref[i] > 0) {
      st->ref[i]--;
      st->v_q[i] = 0;
    } else {
      int64_t cur = ir_fx_rshift_round((int64_t)q->acur * a, IR_FX_Q);
      int64_t v = ir_fx_sat24(ir_fx_decay(st->v_q[i], q->dv, 0) + u + cur + p->inj_i[i]);
      st->v_q[i] = (int32_t)v;
      fire = v > q->vth + ir_fx_rshift_round((int64_t)q->tgain * a, IR_FX_Q);
    }
    bool s = fire || forced[i];
    if (s) {
      spk[i] = 1;
      st->v_q[i] = 0;
      st->ref[i] = st->nref[i];
    }
    a = rt_decay16(a, q->fa) + (int64_t)q->a_pre * p->nev[i] + (s ? q->a_spike : 0);
    st->a_q[i] = (int32_t)rt_clamp31(a);
  }
}

static void amsu_update_float(amsu_state *st, rt_pop *p) {
  uint8_t *spk = p->src->spk, *forced = p->src->forced;
  for (uint32_t i = 0; i < p->n; i++) {
    float a = st->a_f[i];
    float m = 1.0f + st->gain[i] * a;
    float u = st->u_f[i] * st->fu[i] + p->syn_f[i] * m;
    st->u_f[i] = u;
    bool fire = false;
    if (st->ref[i] > 0) {
      st->ref[i]--;
      st->v_f[i] = 0.0f;
    } else {
      float v = st->v_f[i] * st->fv[i] + u;
      v = v + st->acur[i] * a;
      v = v + p->inj_f[i];
      st->v_f[i] = v;
      fire = v > st->vth[i] + st->tgain[i] * a;
    }
    bool s = fire || forced[i];
    if (s) {
      spk[i] = 1;
      st->v_f[i] = 0.0f;
      st->ref[i] = st->nref[i];
    }
    a = a * st->fa[i];
    a = a + st->a_pre[i] * (float)p->nev[i];
    if (s)
      a = a + st->a_spike[i];
    st->a_f[i] = a;
  }
}

static void amsu_update(rt_interp *s, rt_pop *p) {
  if (s->fixed)
    amsu_update_fixed(p->st, p);
  else
    amsu_update_float(p->st, p);
}

const rt_neuron_model rt_model_amsu = {
    .name = "amsu",
    .kernel_delivery = false,
    .count_events = true,
    .create = amsu_create,
    .fire = NULL,
    .update = amsu_update,
    .destroy = NULL,
};
