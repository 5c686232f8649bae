/* lh_learn.c — Loihi's learning arithmetic as astroc's fixed mode follows it when a plastic projection
 * sets t_epoch (docs/loihi-format.md, "Loihi learning arithmetic"): 7-bit traces with stochastic
 * rounding of decay and impulse, integer weight mantissas with stochastic rounding of each update.
 * Shared by the interpreter (runtime/plasticity_loihi.c) and the loihi engine, so both draw the same
 * random numbers from the counter RNG (ir/rng.h) with the same keys. */
#include <math.h>

#include "lh.h"
#include "rng.h"

bool lh_learn_derive(const ir_fx_stdp *q, double t_epoch, double dt, lh_learn *out, const char **why) {
  double e = round(t_epoch / dt);
  if (!(e >= 1 && e <= LH_EPOCH_MAX)) {
    *why = "t_epoch must be 1 to 63 steps (Loihi's learning epoch)";
    return false;
  }
  double imp = round(q->inc / 65536.0 * LH_TRACE_MAX * 256);
  if (!(imp >= 0 && imp <= LH_TRACE_MAX * 256)) {
    *why = "Loihi's learning arithmetic needs 0 <= trace_inc <= 1 (7-bit traces)";
    return false;
  }
  out->epoch = (int32_t)e;
  out->impulse = (int32_t)imp;
  out->pre_decay = (int32_t)lround(4096.0 * (1.0 - q->f_pre / 65536.0));
  out->post_decay = (int32_t)lround(4096.0 * (1.0 - q->f_post / 65536.0));
  /* the bounds in whole mantissas: weights stay integers in this arithmetic */
  int64_t wl = q->w_lo, wh = q->w_hi;
  int64_t lo = wl >= 0 ? (wl + 255) / 256 : -(-wl / 256);     /* ceil(w_lo / 256) */
  int64_t hi = wh >= 0 ? wh / 256 : -((-wh + 255) / 256);     /* floor(w_hi / 256) */
  out->w_lo = (int32_t)(lo < -127 ? -127 : lo > 127 ? 127 : lo);
  out->w_hi = (int32_t)(hi < -127 ? -127 : hi > 127 ? 127 : hi);
  return true;
}

int32_t lh_learn_trace(int32_t x, int32_t decay, int32_t impulse, bool spike, uint64_t seed, uint32_t proj,
                       uint32_t side, uint32_t neuron, uint64_t t) {
  uint64_t h = rng_hash4(seed, RNG_STREAM(LH_RNG_KIND_TRACE, 2 * proj + side), neuron, t);
  int64_t p = (int64_t)x * (4096 - decay);
  int64_t v = (p >> 12) + ((int64_t)(h & 4095) < (p & 4095));
  if (spike)
    v += (impulse >> 8) + ((int64_t)((h >> 12) & 255) < (impulse & 255));
  return v > LH_TRACE_MAX ? LH_TRACE_MAX : (int32_t)v;
}

int32_t lh_learn_round(int64_t num, uint64_t seed, uint32_t proj, uint32_t pre, uint32_t post, uint64_t t) {
  const int64_t den = (int64_t)LH_TRACE_MAX * 256; /* a trace unit times a weight-word fraction unit */
  int64_t q = num / den, r = num % den;
  if (r < 0) {
    q--;
    r += den;
  }
  uint64_t h = rng_hash4(seed, RNG_STREAM(LH_RNG_KIND_DW, proj), (uint64_t)pre << 32 | post, t);
  int64_t u = (int64_t)(((h >> 32) * (uint64_t)den) >> 32); /* uniform in [0, den) */
  return (int32_t)(q + (u < r));
}

int32_t lh_learn_weight(const lh_learn *l, bool anti, int64_t a_plus, int64_t am, int32_t w, int32_t x_pre,
                        int32_t x_post, bool pre_spiked, bool post_spiked, uint64_t seed, uint32_t proj,
                        uint32_t pre, uint32_t post, uint64_t t) {
  int64_t num = 0;
  if (post_spiked)
    num += anti ? -am * x_pre : a_plus * x_pre;
  if (pre_spiked)
    num += anti ? a_plus * x_post : -am * x_post;
  int64_t v = (int64_t)w + lh_learn_round(num, seed, proj, pre, post, t);
  return v < l->w_lo ? l->w_lo : v > l->w_hi ? l->w_hi : (int32_t)v;
}
