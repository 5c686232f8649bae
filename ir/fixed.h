/* fixed.h — astroc's fixed-point numerics: integer operations and the float -> integer parameter
 * derivation shared by every backend (interpreter, LLVM, RTL, Loihi tables). libc only.
 *
 * docs/numerics.md is the specification; every function here cites the rule it implements.
 * Units in fixed mode:
 *   voltage/current state (lif v, u; nalsm_lif V)   "fine" units: v_unit / 64 (Loihi's <<6 alignment)
 *   weight                                          w16 word = mantissa * 256 + fraction, the synapse
 *                                                   uses mantissa = floor(w16 / 256), in [-127, 127];
 *                                                   one mantissa unit is v_unit * 2^exp mV
 *   astrocyte state, traces, rates                  Q16 (value * 65536), int32
 *   kernel                                          Q12 (value * 4096)
 *   probabilities                                   Q32 (p * 2^32), compared against the top 32 bits
 */
#ifndef ASTROC_FIXED_H
#define ASTROC_FIXED_H

#include <stdbool.h>
#include <stdint.h>

/* ---------------------------------------------------------------- widths and ranges */

#define IR_FX_STATE_MAX ((INT32_C(1) << 23) - 1) /* v, u, V saturate to +-(2^23 - 1) */
#define IR_FX_DECAY_MAX 4095                     /* du, dv: 12 bits */
#define IR_FX_WMANT_MAX 127                      /* weight mantissa in [-127, 127] */
#define IR_FX_WFRAC_BITS 8                       /* w16 = mantissa << 8 | fraction */
#define IR_FX_WEXP_MIN (-6)                      /* weight exponent range: 6 + exp >= 0 */
#define IR_FX_WEXP_MAX 7
#define IR_FX_BIAS_MANT_MAX 4095                 /* bias mantissa: 13-bit signed */
#define IR_FX_BIAS_MANT_MIN (-4096)
#define IR_FX_BIAS_EXP_MAX 7
#define IR_FX_REFRACTORY_MAX 63                  /* lif refractory counter: 6 bits */
#define IR_FX_Q 16                               /* astrocyte, traces, rates */
#define IR_FX_ONE (INT32_C(1) << IR_FX_Q)
#define IR_FX_KERNEL_Q 12                        /* nalsm_lif kernel table */
#define IR_FX_KERNEL_MAX 64                      /* nalsm_lif kernel_cutoff: at most 63 steps */
#define IR_FX_W16_MIN (-(IR_FX_WMANT_MAX << IR_FX_WFRAC_BITS))
#define IR_FX_W16_MAX ((IR_FX_WMANT_MAX << IR_FX_WFRAC_BITS) | 0xff)

/* ---------------------------------------------------------------- integer operations */

/* Arithmetic shift right of a signed value: floor(x / 2^n). Portable (no implementation-defined
 * >> of negative numbers). */
static inline int64_t ir_fx_asr(int64_t x, unsigned n) {
  return x >= 0 ? (int64_t)((uint64_t)x >> n) : -(int64_t)(((uint64_t)(-(x + 1))) >> n) - 1;
}

/* Round half up: floor((x + 2^(n-1)) / 2^n), n >= 1. */
static inline int64_t ir_fx_rshift_round(int64_t x, unsigned n) {
  return ir_fx_asr(x + (INT64_C(1) << (n - 1)), n);
}

/* Loihi decay: sign(x) * ((|x| * (4096 - off - d)) >> 12), truncation toward zero, 64-bit product. */
static inline int64_t ir_fx_decay(int64_t x, int32_t d, int32_t off) {
  int64_t k = 4096 - off - d;
  if (x >= 0)
    return (x * k) >> 12;
  return -(((-x) * k) >> 12);
}

/* Saturation to +-(2^23 - 1). */
static inline int64_t ir_fx_sat24(int64_t x) {
  if (x > IR_FX_STATE_MAX)
    return IR_FX_STATE_MAX;
  if (x < -IR_FX_STATE_MAX)
    return -IR_FX_STATE_MAX;
  return x;
}

/* Weight word -> synaptic mantissa: floor(w16 / 256). */
static inline int32_t ir_fx_wmant(int32_t w16) {
  return (int32_t)ir_fx_asr(w16, IR_FX_WFRAC_BITS);
}

/* Bernoulli draw: true iff the top 32 bits of a random word are below p_q (Q32). */
static inline bool ir_fx_draw(uint64_t bits, uint64_t p_q) {
  return (bits >> 32) < p_q;
}

/* ---------------------------------------------------------------- parameter derivation */

/* round() to the nearest integer, ties away from zero, as C's round(). Values outside int64 clamp. */
int64_t ir_fx_round(double x);

/* Q32 probability: round(p * 2^32) clamped to [0, 2^32]. NaN -> 0. */
uint64_t ir_fx_prob(double p);

/* du from tau_u: 4095 - round(4096 * exp(-dt/tau)) clamped to [0, 4095]; tau == 0 -> 4095. */
int32_t ir_fx_du_from_tau(double tau, double dt);
/* dv from tau_v: 4096 - round(4096 * exp(-dt/tau)) clamped to [0, 4095]; tau == 0 -> 4095. */
int32_t ir_fx_dv_from_tau(double tau, double dt);
/* Linear leak of nalsm_lif: round(4096 * dt / tau) clamped to [0, 4095]; tau == 0 -> 4095. */
int32_t ir_fx_leak_from_tau(double tau, double dt);

/* Voltage in mV -> fine units: round(x * 64 / v_unit). */
int64_t ir_fx_fine(double mv, double v_unit);
/* Time -> steps: round(t / dt). */
int64_t ir_fx_steps(double t, double dt);
/* Q16 of a dimensionless value: round(x * 65536). */
int64_t ir_fx_q16(double x);

/* Bias in fine units -> (mant, exp): the smallest exp in [0, 7] with
 * round(bias_fine / 2^exp) in [-4096, 4095]. false if none. */
bool ir_fx_bias(int64_t bias_fine, int32_t *mant, int32_t *exp);

/* Weight exponent of a projection: the smallest e in [-6, 7] such that every value w of
 * weights[0..n) and of the finite bounds lo, hi has |round(w / (v_unit * 2^e))| <= 127.
 * false if even e = 7 does not fit. All-zero weights give the smallest exponent, -6. */
bool ir_fx_weight_exp(const float *weights, uint64_t n, double lo, double hi, double v_unit, int32_t *exp);
/* Weight word of a weight in mV: round(w / (v_unit * 2^e)) << 8, clamped to [-127, 127] first. */
int32_t ir_fx_weight_w16(double w_mv, int32_t exp, double v_unit);
/* A rate in mV per unit trace as w16 units per unit trace: round(r / (v_unit * 2^e) * 256). */
int64_t ir_fx_rate_w16(double r_mv, int32_t exp, double v_unit);

/* Kernel table of nalsm_lif: k[s] = round(4096 * exp(-s * dt / tau_syn)) for s = 0..cut,
 * cut = round(kernel_cutoff / dt) (at most IR_FX_KERNEL_MAX - 1); tau_syn == 0: k[0] = 4096, else 0.
 * Returns cut, or -1 when the cutoff is too long. */
int32_t ir_fx_kernel(double tau_syn, double cutoff, double dt, int32_t k[IR_FX_KERNEL_MAX]);

/* Derived integer parameters of one lif neuron (docs/numerics.md, "lif"). params[] is indexed by
 * IR_P_LIF_* and holds canonical units (NAN for an unset du/dv). On failure returns false and sets
 * *why to a static message. */
typedef struct ir_fx_lif {
  int32_t du, dv;          /* 0..4095 */
  int32_t vth_mant;        /* compare v > vth_mant << 6 */
  int32_t bias_mant, bias_exp;
  int32_t refractory;      /* steps, 0..63 */
  int32_t v_init, u_init;  /* fine units */
} ir_fx_lif;
bool ir_fx_lif_derive(const double *params, double dt, double v_unit, ir_fx_lif *out, const char **why);

/* nalsm_lif (docs/numerics.md, "nalsm_lif"). */
typedef struct ir_fx_nalsm_lif {
  int32_t leak;            /* 0..4095: V <- decay(V, leak, 0) */
  int32_t vth;             /* fine units: spike iff V >= vth */
  int32_t v_reset, v_init; /* fine units */
  int32_t refractory;      /* steps */
} ir_fx_nalsm_lif;
bool ir_fx_nalsm_lif_derive(const double *params, double dt, double v_unit, ir_fx_nalsm_lif *out,
                            const char **why);

/* nalsm astrocyte: A (Q16) <- A + rshift_round((w_a*diff + b_a - A) * k, 16). */
typedef struct ir_fx_nalsm_astro {
  int32_t a0, w_a, b_a, k; /* Q16; k = round(65536 * dt / tau), tau == 0 -> 65536 */
} ir_fx_nalsm_astro;
bool ir_fx_nalsm_astro_derive(const double *params, double dt, ir_fx_nalsm_astro *out, const char **why);

/* STDP of one projection with weight exponent exp. */
typedef struct ir_fx_stdp {
  int32_t f_pre, f_post;   /* Q16 trace factors round(65536 * exp(-dt/tau)) */
  int32_t inc;             /* Q16 trace increment */
  int32_t a_plus, a_minus; /* w16 units per unit trace */
  int32_t w_lo, w_hi;      /* w16 bounds */
} ir_fx_stdp;
bool ir_fx_stdp_derive(const double *params, double dt, double v_unit, int32_t exp, ir_fx_stdp *out,
                       const char **why);

#endif /* ASTROC_FIXED_H */
