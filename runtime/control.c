/* control.c — experiment controls the step API lacks: scaling the learning rates of every plastic
 * projection while a simulation runs (the NALSM response phase decays them each step; docs/experiments.md).
 *
 * The gain is applied to the derived rates (float: a_plus, a_minus in mV; fixed: the w16-unit rates of
 * ir_fx_stdp), always recomputed from the projection's parameters, so setting a gain never accumulates
 * rounding: gain g gives exactly the rates a model with a_plus*g, a_minus*g would have. */
#include <math.h>
#include <string.h>

#include "interp.h"

static double plast_param(const ir_projection *ip, int k) {
  const ir_value *v = &ip->plast_params[k];
  if (v->kind == IR_VAL_CONST)
    return v->a;
  return ir_plasticity_desc(ip->plasticity)->params[k].def; /* creation checked: unset or constant */
}

static bool scale_proj(rt_interp *s, rt_proj *p, double g) {
  rt_stdp *st = p->stdp;
  double prm[IR_P_STDP_COUNT];
  for (int k = 0; k < IR_P_STDP_COUNT; k++)
    prm[k] = plast_param(p->ip, k);
  prm[IR_P_STDP_A_PLUS] *= g;
  prm[IR_P_STDP_A_MINUS] *= g;
  if (!s->fixed) {
    st->a_plus = (float)prm[IR_P_STDP_A_PLUS];
    st->a_minus = (float)prm[IR_P_STDP_A_MINUS];
    return true;
  }
  ir_fx_stdp q;
  const char *why = NULL;
  if (!ir_fx_stdp_derive(prm, s->m->dt, s->m->v_unit, p->wexp, &q, &why))
    return false;
  st->q.a_plus = q.a_plus;
  st->q.a_minus = q.a_minus;
  return true;
}

bool rt_sim_set_plasticity_gain(rt_sim *sim, double gain) {
  rt_interp *s = rt_sim_engine_state(sim, "interp");
  if (!s || !(gain >= 0) || !isfinite(gain))
    return false;
  for (uint32_t k = 0; k < s->m->nprojs; k++)
    if (s->projs[k].stdp && !scale_proj(s, &s->projs[k], gain))
      return false;
  return true;
}
