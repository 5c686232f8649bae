/* test_fixed_lif.c — fixed-point lif (Loihi CUBA) against traces computed by hand (docs/numerics.md). */
#include "rt_test.h"

typedef struct trace {
  ir_ref node;
  double u[64], v[64], ref[64];
} trace;

static void record(void *ctx, rt_sim *s, uint64_t step) {
  trace *t = ctx;
  if (step < 64) {
    t->u[step] = t_read(s, t->node, "u", 0);
    t->v[step] = t_read(s, t->node, "v", 0);
    t->ref[step] = t_read(s, t->node, "ref", 0);
  }
}

static ir_module *one_lif(double du, double dv, double v_th) {
  ir_module *m = ir_module_create("t");
  m->numerics = IR_NUMERICS_FIXED;
  int32_t p = ir_add_population(m, "n", IR_NEURON_LIF, 1, T_LOC);
  m->pops[p].params[IR_P_LIF_DU] = ir_value_const(du, IR_DIM_NONE);
  m->pops[p].params[IR_P_LIF_DV] = ir_value_const(dv, IR_DIM_NONE);
  m->pops[p].params[IR_P_LIF_V_TH] = ir_value_const(v_th, IR_DIM_VOLTAGE);
  return m;
}

/* Negative u decays toward zero by truncation: -192 -> -95 -> -47 -> -23 with du = 2048
 * (factor 4096-1-2048 = 2047: 192*2047 >> 12 = 95, 95*2047 >> 12 = 47, 47*2047 >> 12 = 23).
 * The input spike of step 0 arrives at step 1 (one-step latency). Weight -3 mV: exponent -5,
 * mantissa -96, -96 << (6-5) = -192 = -3 mV in v_unit/64. dv = 0: v sums u exactly. */
static void test_negative_decay_truncates(void **state) {
  (void)state;
  ir_module *m = one_lif(2048, 0, 1000);
  int32_t in = t_silent_input(m, "in", 1);
  t_proj(m, "w", t_in(in), t_pop(0), 1, (uint32_t[]){0}, (uint32_t[]){0}, (float[]){-3.0f}, NULL);
  rt_sim *s = t_create(m);
  trace t = {.node = t_pop(0)};
  rt_sim_on_step(s, record, &t);
  assert_true(rt_sim_inject(s, t_in(in), 0));
  t_run(s, 5);
  const double u[5] = {0, -192, -95, -47, -23}, v[5] = {0, -192, -287, -334, -357};
  for (int k = 0; k < 5; k++) {
    assert_int_equal((int)t.u[k], (int)u[k]);
    assert_int_equal((int)t.v[k], (int)v[k]);
  }
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* du = 4095: no current memory (factor 4096-1-4095 = 0); u is the input of this step only. */
static void test_du_4095_no_memory(void **state) {
  (void)state;
  ir_module *m = one_lif(4095, 0, 1000);
  int32_t in = t_silent_input(m, "in", 1);
  t_proj(m, "w", t_in(in), t_pop(0), 1, (uint32_t[]){0}, (uint32_t[]){0}, (float[]){1.0f}, NULL);
  rt_sim *s = t_create(m);
  trace t = {.node = t_pop(0)};
  rt_sim_on_step(s, record, &t);
  rt_sim_inject(s, t_in(in), 0);
  t_run(s, 4);
  const double u[4] = {0, 64, 0, 0}, v[4] = {0, 64, 64, 64};
  for (int k = 0; k < 4; k++) {
    assert_int_equal((int)t.u[k], (int)u[k]);
    assert_int_equal((int)t.v[k], (int)v[k]);
  }
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* Strict threshold and refractory edges. bias 1 mV = 64 fine units (mant 64, exp 0); v_th 2 mV:
 * spike iff v > 128. v: 64, 128 (== threshold: no spike), 192 -> spike at step 2, v = 0; then held
 * at 0 for exactly 3 steps (3, 4, 5), integrating again from step 6: 64, 128, 192 -> spike at 8. */
static void test_strict_threshold_and_refractory(void **state) {
  (void)state;
  ir_module *m = one_lif(4095, 0, 2);
  m->pops[0].params[IR_P_LIF_BIAS] = ir_value_const(1, IR_DIM_VOLTAGE);
  m->pops[0].params[IR_P_LIF_REFRACTORY] = ir_value_const(3, IR_DIM_TIME);
  rt_sim *s = t_create(m);
  trace t = {.node = t_pop(0)};
  t_train tr = {.src = t_pop(0), .neuron = 0};
  rt_sim_on_step(s, record, &t);
  rt_sim_on_spikes(s, t_on_train, &tr);
  t_run(s, 15);
  assert_int_equal(tr.n, 3);
  assert_int_equal(tr.steps[0], 2);
  assert_int_equal(tr.steps[1], 8);
  assert_int_equal(tr.steps[2], 14);
  const double v[9] = {64, 128, 0, 0, 0, 0, 64, 128, 0}, ref[9] = {0, 0, 3, 2, 1, 0, 0, 0, 3};
  for (int k = 0; k < 9; k++) {
    assert_int_equal((int)t.v[k], (int)v[k]);
    assert_int_equal((int)t.ref[k], (int)ref[k]);
  }
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* v saturates at -(2^23 - 1): bias -8192 mV = -524288 fine units = -4096 << 7; after 16 steps
 * -8388608 would be reached, which saturates to -8388607, and stays there. */
static void test_v_saturates(void **state) {
  (void)state;
  ir_module *m = one_lif(4095, 0, 1000);
  m->pops[0].params[IR_P_LIF_BIAS] = ir_value_const(-8192, IR_DIM_VOLTAGE);
  rt_sim *s = t_create(m);
  trace t = {.node = t_pop(0)};
  rt_sim_on_step(s, record, &t);
  t_run(s, 18);
  assert_int_equal((int)t.v[0], -524288);
  assert_int_equal((int)t.v[14], -524288 * 15);
  assert_int_equal((int)t.v[15], -8388607);
  assert_int_equal((int)t.v[17], -8388607);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* u saturates (astroc's choice; Lava would wrap once by 2^24 to -7413760): nine synapses of
 * 16256 mV = 127 << 7 mantissa units each give 9 * (127 << 13) = 9363456 > 2^23 - 1 in one step.
 * Next step with du = 0: 8388607 * 4095 >> 12 = 8386559. */
static void test_u_saturates(void **state) {
  (void)state;
  ir_module *m = one_lif(0, 0, 100000);
  int32_t in = t_silent_input(m, "in", 9);
  uint32_t pre[9], post[9] = {0};
  float w[9];
  for (int k = 0; k < 9; k++) {
    pre[k] = (uint32_t)k;
    w[k] = 16256.0f;
  }
  t_proj(m, "w", t_in(in), t_pop(0), 9, pre, post, w, NULL);
  rt_sim *s = t_create(m);
  trace t = {.node = t_pop(0)};
  rt_sim_on_step(s, record, &t);
  for (uint32_t k = 0; k < 9; k++)
    rt_sim_inject(s, t_in(in), k);
  t_run(s, 3);
  assert_int_equal((int)t.u[1], 8388607);
  assert_int_equal((int)t.u[2], 8386559);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* Delay d arrives at t + 1 + d; projections with different exponents are shifted separately:
 * 200 mV -> exp 1, mantissa 100, 100 << 7 = 12800; 0.5 mV -> exp -6, mantissa 32, 32 << 0 = 32.
 * A lif presynaptic neuron forced at step 0 delivers at step 1 (delay 0); the input, delay 3, at 4. */
static void test_delays_and_exponents(void **state) {
  (void)state;
  ir_module *m = one_lif(4095, 4095, 100000);
  int32_t src = ir_add_population(m, "src", IR_NEURON_LIF, 1, T_LOC);
  m->pops[src].params[IR_P_LIF_V_TH] = ir_value_const(1000, IR_DIM_VOLTAGE);
  int32_t in = t_silent_input(m, "in", 1);
  t_proj(m, "big", t_pop(src), t_pop(0), 1, (uint32_t[]){0}, (uint32_t[]){0}, (float[]){200.0f}, NULL);
  t_proj(m, "small", t_in(in), t_pop(0), 1, (uint32_t[]){0}, (uint32_t[]){0}, (float[]){0.5f}, (uint16_t[]){3});
  rt_sim *s = t_create(m);
  trace t = {.node = t_pop(0)};
  rt_sim_on_step(s, record, &t);
  rt_sim_inject(s, t_pop(src), 0);
  rt_sim_inject(s, t_in(in), 0);
  t_run(s, 6);
  const double u[6] = {0, 12800, 0, 0, 32, 0};
  for (int k = 0; k < 6; k++)
    assert_int_equal((int)t.u[k], (int)u[k]);
  /* A second run where both arrive at once: sums of each projection shifted, then added. */
  rt_sim_inject(s, t_pop(src), 0);
  t_run(s, 3); /* step 6 spike; arrives at step 7 */
  assert_int_equal((int)t.u[7], 12800);
  rt_sim_inject(s, t_in(in), 0);
  t_run(s, 3);
  rt_sim_inject(s, t_pop(src), 0);
  t_run(s, 5); /* input at 9 arrives at 13; src at 12 arrives at 13 */
  assert_int_equal((int)t.u[13], 12832);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* Derivation of du/dv from tau: tau_u 5 ms: 4095 - round(4096 e^-0.2) = 4095 - 3354 = 741;
 * tau_v 20 ms: 4096 - round(4096 e^-0.05) = 4096 - 3896 = 200; tau 0 -> 4095. */
#include "fixed.h"
static void test_derivation(void **state) {
  (void)state;
  assert_int_equal(ir_fx_du_from_tau(5, 1), 741);
  assert_int_equal(ir_fx_dv_from_tau(20, 1), 200);
  assert_int_equal(ir_fx_du_from_tau(0, 1), 4095);
  assert_int_equal(ir_fx_dv_from_tau(0, 1), 4095);
  int32_t mant, exp;
  assert_true(ir_fx_bias(-524288, &mant, &exp));
  assert_int_equal(mant, -4096);
  assert_int_equal(exp, 7);
  int32_t e;
  float w[2] = {3.0f, -1.0f};
  assert_true(ir_fx_weight_exp(w, 2, -INFINITY, INFINITY, 1.0, &e));
  assert_int_equal(e, -5);
  assert_int_equal(ir_fx_weight_w16(-1.0, e, 1.0), -32 * 256);
  assert_int_equal(ir_fx_decay(-192, 2048, 1), -95);
  assert_int_equal(ir_fx_decay(192, 2048, 1), 95);
  assert_int_equal((int)ir_fx_asr(-3, 1), -2);
  assert_int_equal((int)ir_fx_rshift_round(-3, 1), -1); /* -1.5 rounds half up to -1 */
  assert_int_equal((int)ir_fx_rshift_round(3, 1), 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_negative_decay_truncates), cmocka_unit_test(test_du_4095_no_memory),
      cmocka_unit_test(test_strict_threshold_and_refractory), cmocka_unit_test(test_v_saturates),
      cmocka_unit_test(test_u_saturates), cmocka_unit_test(test_delays_and_exponents),
      cmocka_unit_test(test_derivation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
