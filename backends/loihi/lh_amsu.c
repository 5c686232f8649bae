/* lh_amsu.c — the integers and compartment profiles of an amsu unit on the Loihi targets: the unit's
 * parameters derived exactly as the interpreter derives them (docs/numerics.md, "amsu", fixed), split into
 * the soma's profile (CUBA decays, refractory) and its astrocyte compartment's profile (decay, impulses and
 * the three joins to the soma; docs/loihi-format.md, "amsu"). */
#include <math.h>

#include "lh_internal.h"

/* Q16 of x, or fine units of a voltage, within +-(2^31 - 1) (as runtime/astro_domain.c checks). */
static bool checked(double x, double scale, int32_t *out) {
  double q = round(x * scale);
  if (!(fabs(q) <= (double)INT32_MAX))
    return false;
  *out = (int32_t)q;
  return true;
}

/* round(65536 * exp(-dt/tau)); tau == 0 -> 0 (no memory). */
static int32_t factor16(double tau, double dt) {
  return tau > 0 ? (int32_t)ir_fx_round(65536.0 * exp(-dt / tau)) : 0;
}

bool lh_amsu_derive(const double *q, double dt, double v_unit, lh_fx_amsu *o, const char **why) {
  *o = (lh_fx_amsu){0};
  o->du = ir_fx_du_from_tau(q[IR_P_AMSU_TAU_U], dt);
  o->dv = ir_fx_dv_from_tau(q[IR_P_AMSU_TAU_V], dt);
  o->fa = factor16(q[IR_P_AMSU_TAU_ASTRO], dt);
  int64_t r = ir_fx_steps(q[IR_P_AMSU_REFRACTORY], dt);
  if (r < 0 || r > IR_FX_REFRACTORY_MAX) {
    *why = "refractory must be 0..63 steps in fixed numerics";
    return false;
  }
  o->refractory = (int32_t)r;
  double fine = 64.0 / v_unit;
  if (!checked(q[IR_P_AMSU_V_TH], fine, &o->vth) || o->vth > IR_FX_STATE_MAX) {
    *why = "v_th exceeds the 24-bit voltage range in fixed numerics";
    return false;
  }
  if (!checked(q[IR_P_AMSU_THRESH_GAIN], fine, &o->tgain) || !checked(q[IR_P_AMSU_ASTRO_CURRENT], fine, &o->acur)) {
    *why = "thresh_gain and astro_current must be within +-2^31 fine units";
    return false;
  }
  if (!checked(q[IR_P_AMSU_ASTRO_SPIKE], 65536.0, &o->a_spike) || !checked(q[IR_P_AMSU_ASTRO_PRE], 65536.0, &o->a_pre) ||
      !checked(q[IR_P_AMSU_GAIN], 65536.0, &o->gain)) {
    *why = "astro_spike, astro_pre and gain must be within +-32768 (Q16)";
    return false;
  }
  o->v_init = (int32_t)ir_fx_sat24(ir_fx_fine(q[IR_P_AMSU_V_INIT], v_unit));
  return true;
}

lh_cx_profile lh_amsu_soma_profile(const lh_fx_amsu *q) {
  return (lh_cx_profile){.du = q->du, .dv = q->dv, .refractory = q->refractory, .kind = LH_CX_AMSU};
}

lh_cx_profile lh_amsu_astro_profile(const lh_fx_amsu *q) {
  return (lh_cx_profile){.kind = LH_CX_ASTRO, .fa = q->fa, .a_pre = q->a_pre, .a_spike = q->a_spike,
                         .gain = q->gain, .tgain = q->tgain, .acur = q->acur};
}
