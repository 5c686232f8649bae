/* be_verilog_amsu.c — the accelerator words of one `amsu` neuron: its fixed-point parameters derived
 * exactly as runtime/neuron_amsu.c derives them (docs/numerics.md, "amsu"), packed into PARAM, STATE
 * and the three parameter words of rtl/astro_amsu.v (docs/accelerator.md, memory map). */
#include <math.h>

#include "be_verilog.h"
#include "fixed.h"

#define Q31_MAX 2147483647.0

/* round(x * scale) checked to fit +-(2^31 - 1), as rt_fx_q16_checked / rt_fx_fine_checked. */
bool be_vl_fx_checked(double x, double scale, int32_t *out) {
  double q = round(x * scale);
  if (!(fabs(q) <= Q31_MAX))
    return false;
  *out = (int32_t)q;
  return true;
}

/* round(65536 * exp(-dt/tau)); tau == 0 -> 0, as rt_fx_factor16. */
int32_t be_vl_factor16(double tau, double dt) { return tau > 0 ? (int32_t)ir_fx_round(65536.0 * exp(-dt / tau)) : 0; }

static uint64_t lo32(int32_t x) { return (uint64_t)(uint32_t)x; }

bool be_vl_amsu_words(const ir_module *m, const ir_population *ip, uint32_t i, const double *prm, uint64_t w[5],
                      ir_diag *d) {
  double dt = m->dt, fine = 64.0 / m->v_unit;
  int32_t du = ir_fx_du_from_tau(prm[IR_P_AMSU_TAU_U], dt), dv = ir_fx_dv_from_tau(prm[IR_P_AMSU_TAU_V], dt);
  int32_t fa = be_vl_factor16(prm[IR_P_AMSU_TAU_ASTRO], dt);
  int32_t vth = 0, tgain = 0, acur = 0, a_spike = 0, a_pre = 0, gain = 0;
  int64_t nref = ir_fx_steps(prm[IR_P_AMSU_REFRACTORY], dt);
  const char *why = NULL;
  if (nref < 0 || nref > IR_FX_REFRACTORY_MAX)
    why = "refractory must be 0..63 steps in fixed numerics";
  else if (!be_vl_fx_checked(prm[IR_P_AMSU_V_TH], fine, &vth) || vth > IR_FX_STATE_MAX)
    why = "v_th exceeds the 24-bit voltage range in fixed numerics";
  else if (!be_vl_fx_checked(prm[IR_P_AMSU_THRESH_GAIN], fine, &tgain) || !be_vl_fx_checked(prm[IR_P_AMSU_ASTRO_CURRENT], fine, &acur))
    why = "thresh_gain and astro_current must be within +-2^31 fine units";
  else if (!be_vl_fx_checked(prm[IR_P_AMSU_ASTRO_SPIKE], 65536.0, &a_spike) ||
           !be_vl_fx_checked(prm[IR_P_AMSU_ASTRO_PRE], 65536.0, &a_pre) || !be_vl_fx_checked(prm[IR_P_AMSU_GAIN], 65536.0, &gain))
    why = "astro_spike, astro_pre and gain must be within +-32768 (Q16)";
  else if (vth < -IR_FX_STATE_MAX - 1) /* PARAM holds a 24-bit signed threshold */
    why = "v_th below -2^23 fine units is not supported by the verilog accelerator";
  if (why) {
    ir_error(d, ip->loc, "population '%s' (neuron %u): %s", ip->name, i, why);
    return false;
  }
  int32_t v_init = (int32_t)ir_fx_sat24(ir_fx_fine(prm[IR_P_AMSU_V_INIT], m->v_unit));
  w[0] = (uint64_t)du | (uint64_t)dv << 12 | (lo32(vth) & 0xffffffu) << 24 | (uint64_t)nref << 48 | UINT64_C(3) << 62;
  w[1] = be_vl_pack_state(0, v_init, 0);
  w[2] = lo32(tgain) | lo32(acur) << 32;
  w[3] = lo32(a_pre) | lo32(a_spike) << 32;
  w[4] = lo32(gain) | (uint64_t)(uint32_t)fa << 32;
  return true;
}
