/* fixed.c — float -> fixed-point parameter derivation shared by every backend (docs/numerics.md). */
#include "fixed.h"

#include <math.h>

#include "ir.h"

int64_t ir_fx_round(double x) {
  if (isnan(x))
    return 0;
  if (x >= 9.2e18)
    return INT64_MAX;
  if (x <= -9.2e18)
    return INT64_MIN;
  return (int64_t)round(x);
}

uint64_t ir_fx_prob(double p) {
  if (!(p > 0))
    return 0;
  if (p >= 1)
    return UINT64_C(1) << 32;
  return (uint64_t)ir_fx_round(p * 4294967296.0);
}

static int32_t clamp_decay(int64_t d) {
  return d < 0 ? 0 : d > IR_FX_DECAY_MAX ? IR_FX_DECAY_MAX : (int32_t)d;
}

int32_t ir_fx_du_from_tau(double tau, double dt) {
  if (!(tau > 0))
    return IR_FX_DECAY_MAX;
  return clamp_decay(4095 - ir_fx_round(4096.0 * exp(-dt / tau)));
}

int32_t ir_fx_dv_from_tau(double tau, double dt) {
  if (!(tau > 0))
    return IR_FX_DECAY_MAX;
  return clamp_decay(4096 - ir_fx_round(4096.0 * exp(-dt / tau)));
}

int32_t ir_fx_leak_from_tau(double tau, double dt) {
  if (!(tau > 0))
    return IR_FX_DECAY_MAX;
  return clamp_decay(ir_fx_round(4096.0 * dt / tau));
}

int64_t ir_fx_fine(double mv, double v_unit) { return ir_fx_round(mv * 64.0 / v_unit); }

int64_t ir_fx_steps(double t, double dt) { return ir_fx_round(t / dt); }

int64_t ir_fx_q16(double x) { return ir_fx_round(x * 65536.0); }

bool ir_fx_bias(int64_t bias_fine, int32_t *mant, int32_t *exp) {
  for (int32_t e = 0; e <= IR_FX_BIAS_EXP_MAX; e++) {
    int64_t m = ir_fx_round((double)bias_fine / (double)(1 << e));
    if (m >= IR_FX_BIAS_MANT_MIN && m <= IR_FX_BIAS_MANT_MAX) {
      *mant = (int32_t)m;
      *exp = e;
      return true;
    }
  }
  return false;
}

static bool fits(double w, int32_t e, double v_unit) {
  if (!isfinite(w))
    return true; /* infinite bounds are not weights */
  double m = round(w / (v_unit * ldexp(1.0, e)));
  return fabs(m) <= IR_FX_WMANT_MAX;
}

bool ir_fx_weight_exp(const float *weights, uint64_t n, double lo, double hi, double v_unit, int32_t *exp) {
  double maxabs = 0;
  for (uint64_t k = 0; k < n; k++)
    if (fabs((double)weights[k]) > maxabs)
      maxabs = fabs((double)weights[k]);
  if (isfinite(lo) && fabs(lo) > maxabs)
    maxabs = fabs(lo);
  if (isfinite(hi) && fabs(hi) > maxabs)
    maxabs = fabs(hi);
  for (int32_t e = IR_FX_WEXP_MIN; e <= IR_FX_WEXP_MAX; e++) {
    if (fits(maxabs, e, v_unit)) {
      *exp = e;
      return true;
    }
  }
  return false;
}

int32_t ir_fx_weight_w16(double w_mv, int32_t exp, double v_unit) {
  int64_t m = ir_fx_round(w_mv / (v_unit * ldexp(1.0, exp)));
  if (m > IR_FX_WMANT_MAX)
    m = IR_FX_WMANT_MAX;
  if (m < -IR_FX_WMANT_MAX)
    m = -IR_FX_WMANT_MAX;
  return (int32_t)(m * (1 << IR_FX_WFRAC_BITS));
}

int64_t ir_fx_rate_w16(double r_mv, int32_t exp, double v_unit) {
  return ir_fx_round(r_mv / (v_unit * ldexp(1.0, exp)) * (double)(1 << IR_FX_WFRAC_BITS));
}

int32_t ir_fx_kernel(double tau_syn, double cutoff, double dt, int32_t k[IR_FX_KERNEL_MAX]) {
  int64_t cut = ir_fx_steps(cutoff, dt);
  if (cut < 0 || cut >= IR_FX_KERNEL_MAX)
    return -1;
  for (int32_t s = 0; s <= cut; s++)
    k[s] = tau_syn > 0 ? (int32_t)ir_fx_round(4096.0 * exp(-(double)s * dt / tau_syn)) : (s == 0 ? 4096 : 0);
  return (int32_t)cut;
}

bool ir_fx_lif_derive(const double *p, double dt, double v_unit, ir_fx_lif *o, const char **why) {
  o->du = isnan(p[IR_P_LIF_DU]) ? ir_fx_du_from_tau(p[IR_P_LIF_TAU_U], dt) : (int32_t)ir_fx_round(p[IR_P_LIF_DU]);
  o->dv = isnan(p[IR_P_LIF_DV]) ? ir_fx_dv_from_tau(p[IR_P_LIF_TAU_V], dt) : (int32_t)ir_fx_round(p[IR_P_LIF_DV]);
  o->du = clamp_decay(o->du);
  o->dv = clamp_decay(o->dv);
  int64_t th = ir_fx_round(p[IR_P_LIF_V_TH] / v_unit);
  if (th < 0 || th > (IR_FX_STATE_MAX >> 6)) {
    *why = "v_th / v_unit must be in [0, 131071] in fixed numerics";
    return false;
  }
  o->vth_mant = (int32_t)th;
  if (!ir_fx_bias(ir_fx_fine(p[IR_P_LIF_BIAS], v_unit), &o->bias_mant, &o->bias_exp)) {
    *why = "bias does not fit a 13-bit mantissa with exponent 0..7 in fixed numerics";
    return false;
  }
  int64_t r = ir_fx_steps(p[IR_P_LIF_REFRACTORY], dt);
  if (r < 0 || r > IR_FX_REFRACTORY_MAX) {
    *why = "refractory must be 0..63 steps in fixed numerics";
    return false;
  }
  o->refractory = (int32_t)r;
  o->v_init = (int32_t)ir_fx_sat24(ir_fx_fine(p[IR_P_LIF_V_INIT], v_unit));
  o->u_init = (int32_t)ir_fx_sat24(ir_fx_fine(p[IR_P_LIF_U_INIT], v_unit));
  return true;
}

bool ir_fx_nalsm_lif_derive(const double *p, double dt, double v_unit, ir_fx_nalsm_lif *o, const char **why) {
  o->leak = ir_fx_leak_from_tau(p[IR_P_NALSM_LIF_TAU_V], dt);
  int64_t th = ir_fx_fine(p[IR_P_NALSM_LIF_V_TH], v_unit);
  if (th > IR_FX_STATE_MAX || th < -IR_FX_STATE_MAX) {
    *why = "v_th * 64 / v_unit must be within +-(2^23 - 1) in fixed numerics";
    return false;
  }
  o->vth = (int32_t)th;
  o->v_reset = (int32_t)ir_fx_sat24(ir_fx_fine(p[IR_P_NALSM_LIF_V_RESET], v_unit));
  o->v_init = (int32_t)ir_fx_sat24(ir_fx_fine(p[IR_P_NALSM_LIF_V_INIT], v_unit));
  int64_t r = ir_fx_steps(p[IR_P_NALSM_LIF_REFRACTORY], dt);
  if (r < 0 || r > IR_FX_REFRACTORY_MAX) {
    *why = "refractory must be 0..63 steps in fixed numerics";
    return false;
  }
  o->refractory = (int32_t)r;
  return true;
}

static bool q16_ok(int64_t q) { return q >= -INT64_C(0x7fffffff) && q <= INT64_C(0x7fffffff); }

bool ir_fx_nalsm_astro_derive(const double *p, double dt, ir_fx_nalsm_astro *o, const char **why) {
  int64_t a0 = ir_fx_q16(p[IR_P_NALSM_ASTRO_A0]), w = ir_fx_q16(p[IR_P_NALSM_ASTRO_W_A]);
  int64_t b = ir_fx_q16(p[IR_P_NALSM_ASTRO_B_A]);
  double tau = p[IR_P_NALSM_ASTRO_TAU];
  int64_t k = tau > 0 ? ir_fx_q16(dt / tau) : IR_FX_ONE;
  if (!q16_ok(a0) || !q16_ok(w) || !q16_ok(b) || !q16_ok(k)) {
    *why = "a0, w_a, b_a and dt/tau must be within +-32768 in fixed numerics";
    return false;
  }
  o->a0 = (int32_t)a0;
  o->w_a = (int32_t)w;
  o->b_a = (int32_t)b;
  o->k = (int32_t)k;
  return true;
}

static int32_t trace_factor(double tau, double dt) {
  return tau > 0 ? (int32_t)ir_fx_q16(exp(-dt / tau)) : 0;
}

static int32_t clamp_w16(double w, int32_t exp, double v_unit, int32_t inf) {
  if (!isfinite(w))
    return inf;
  int64_t x = ir_fx_rate_w16(w, exp, v_unit);
  return x < IR_FX_W16_MIN ? IR_FX_W16_MIN : x > IR_FX_W16_MAX ? IR_FX_W16_MAX : (int32_t)x;
}

bool ir_fx_stdp_derive(const double *p, double dt, double v_unit, int32_t exp, ir_fx_stdp *o, const char **why) {
  o->f_pre = trace_factor(p[IR_P_STDP_TAU_PRE], dt);
  o->f_post = trace_factor(p[IR_P_STDP_TAU_POST], dt);
  int64_t inc = ir_fx_q16(p[IR_P_STDP_TRACE_INC]);
  int64_t ap = ir_fx_rate_w16(p[IR_P_STDP_A_PLUS], exp, v_unit);
  int64_t am = ir_fx_rate_w16(p[IR_P_STDP_A_MINUS], exp, v_unit);
  if (!q16_ok(inc) || !q16_ok(ap) || !q16_ok(am)) {
    *why = "trace_inc, a_plus or a_minus out of the fixed-point range";
    return false;
  }
  o->inc = (int32_t)inc;
  o->a_plus = (int32_t)ap;
  o->a_minus = (int32_t)am;
  o->w_lo = clamp_w16(p[IR_P_STDP_W_MIN], exp, v_unit, IR_FX_W16_MIN);
  o->w_hi = clamp_w16(p[IR_P_STDP_W_MAX], exp, v_unit, IR_FX_W16_MAX);
  if (o->w_lo > o->w_hi) {
    *why = "w_min is above w_max";
    return false;
  }
  return true;
}
