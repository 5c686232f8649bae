/* test_models.c — float lif against its closed form; nalsm_lif, the nalsm astrocyte and STDP /
 * astro_stdp against values derived by hand (docs/numerics.md). */
#include <math.h>

#include "rt_test.h"

static ir_module *mod(ir_numerics num) {
  ir_module *m = ir_module_create("t");
  m->numerics = num;
  return m;
}

/* Runs one step after forcing the given spikes. */
static void step_with(rt_sim *s, ir_ref a, bool fa, ir_ref b, bool fb) {
  if (fa)
    rt_sim_inject(s, a, 0);
  if (fb)
    rt_sim_inject(s, b, 0);
  t_run(s, 1);
}

/* ---------------------------------------------------------------- float lif */

/* One input spike of weight w at step 0 reaches u at step 1: u(t) = w fu^(t-1),
 * v(t) = w (fv^t - fu^t) / (fv - fu) for t >= 1, fu = e^(-1/5), fv = e^(-1/20). */
static void test_float_lif_closed_form(void **state) {
  (void)state;
  ir_module *m = mod(IR_NUMERICS_FLOAT);
  int32_t p = ir_add_population(m, "n", IR_NEURON_LIF, 1, T_LOC);
  m->pops[p].params[IR_P_LIF_V_TH] = ir_value_const(1e6, IR_DIM_VOLTAGE);
  int32_t in = t_silent_input(m, "in", 1);
  t_proj(m, "w", t_in(in), t_pop(p), 1, (uint32_t[]){0}, (uint32_t[]){0}, (float[]){2.5f}, NULL);
  rt_sim *s = t_create(m);
  rt_sim_inject(s, t_in(in), 0);
  double fu = exp(-1.0 / 5), fv = exp(-1.0 / 20);
  t_run(s, 1);
  assert_true(t_read(s, t_pop(p), "v", 0) == 0.0);
  for (int t = 1; t <= 40; t++) {
    t_run(s, 1);
    double u = 2.5 * pow(fu, t - 1), v = 2.5 * (pow(fv, t) - pow(fu, t)) / (fv - fu);
    assert_float_equal(t_read(s, t_pop(p), "u", 0), u, 1e-5 * 2.5);
    assert_float_equal(t_read(s, t_pop(p), "v", 0), v, 1e-5 * 10);
  }
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* Constant bias b: v(t) = b (1 - fv^(t+1)) / (1 - fv) after step t, until it crosses v_th. */
static void test_float_lif_bias(void **state) {
  (void)state;
  ir_module *m = mod(IR_NUMERICS_FLOAT);
  int32_t p = ir_add_population(m, "n", IR_NEURON_LIF, 1, T_LOC);
  m->pops[p].params[IR_P_LIF_V_TH] = ir_value_const(10, IR_DIM_VOLTAGE);
  m->pops[p].params[IR_P_LIF_BIAS] = ir_value_const(1, IR_DIM_VOLTAGE);
  rt_sim *s = t_create(m);
  t_train tr = {.src = t_pop(p), .neuron = 0};
  rt_sim_on_spikes(s, t_on_train, &tr);
  double fv = exp(-1.0 / 20);
  int first = -1;
  for (int t = 0; t < 30; t++) {
    t_run(s, 1);
    double v = (1 - pow(fv, t + 1)) / (1 - fv);
    if (v > 10) {
      first = t;
      break;
    }
    assert_float_equal(t_read(s, t_pop(p), "v", 0), v, 1e-5);
  }
  assert_int_equal(first, 13); /* (1 - fv^14)/(1 - fv) = 10.32 > 10, (1 - fv^13)/(1 - fv) = 9.80 */
  assert_int_equal(tr.n, 1);
  assert_int_equal(tr.steps[0], 13);
  assert_true(t_read(s, t_pop(p), "v", 0) == 0.0);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* ---------------------------------------------------------------- nalsm_lif */

static ir_module *nalsm_pair(ir_numerics num, float w, int32_t *post, int32_t *in) {
  ir_module *m = mod(num);
  *post = ir_add_population(m, "n", IR_NEURON_NALSM_LIF, 1, T_LOC);
  *in = t_silent_input(m, "in", 1);
  t_proj(m, "w", t_in(*in), t_pop(*post), 1, (uint32_t[]){0}, (uint32_t[]){0}, (float[]){w}, NULL);
  return m;
}

/* Fixed: 10 mV -> exp -3, mantissa 80; kernel 4096, 1507, 554, 204 (round 4096 e^-s); leak 64.
 * The input spike of step 0 contributes already at step 0 (s = 0): 80*4096*8/4096 = 640.
 * step 1: decay(640, 64) = 640*4032 >> 12 = 630; rr(80*1507*8, 12) = rr(964480 / 4096 = 235.47) = 235; V = 865.
 * step 2: 865*4032 >> 12 = 851; rr(80*554*8 / 4096 = 86.56) = 87; V = 938. */
static void test_nalsm_fixed_kernel(void **state) {
  (void)state;
  int32_t p, in;
  ir_module *m = nalsm_pair(IR_NUMERICS_FIXED, 10.0f, &p, &in);
  rt_sim *s = t_create(m);
  rt_sim_inject(s, t_in(in), 0);
  const int v[3] = {640, 865, 938};
  for (int t = 0; t < 3; t++) {
    t_run(s, 1);
    assert_int_equal((int)t_read(s, t_pop(p), "v", 0), v[t]);
  }
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* Fixed, refractory: 25 mV -> exp -2, mantissa 100 (x16 into fine units); neuron forced at step 0.
 * step 0: V reset to 0, + 1600 (s = 0) = 1600, ref = 2
 * step 1: 1600 >= 1280 but refractory; 1600*4032 >> 12 = 1575, + rr(100*1507*16 / 4096 = 588.7) = 589: 2164
 * step 2: refractory; 2164*4032 >> 12 = 2130, + rr(100*554*16 / 4096 = 216.4) = 216: 2346
 * step 3: spikes, V = 0, + rr(100*204*16 / 4096 = 79.7) = 80. */
static void test_nalsm_fixed_refractory(void **state) {
  (void)state;
  int32_t p, in;
  ir_module *m = nalsm_pair(IR_NUMERICS_FIXED, 25.0f, &p, &in);
  rt_sim *s = t_create(m);
  t_train tr = {.src = t_pop(p), .neuron = 0};
  rt_sim_on_spikes(s, t_on_train, &tr);
  rt_sim_inject(s, t_in(in), 0);
  rt_sim_inject(s, t_pop(p), 0);
  const int v[4] = {1600, 2164, 2346, 80};
  for (int t = 0; t < 4; t++) {
    t_run(s, 1);
    assert_int_equal((int)t_read(s, t_pop(p), "v", 0), v[t]);
  }
  assert_int_equal(tr.n, 2);
  assert_int_equal(tr.steps[0], 0);
  assert_int_equal(tr.steps[1], 3);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* Float: the same scenario, V_t = V_{t-1} + 25 e^-t - V_{t-1}/64 (t = steps since the input spike);
 * the forced spike at 0 resets, refractory blocks steps 1 and 2 though V >= 20, spike at 3 resets
 * and integrates 25 e^-3. The kernel is zero once s > kernel_cutoff (10): V only leaks after. */
static void test_nalsm_float(void **state) {
  (void)state;
  int32_t p, in;
  ir_module *m = nalsm_pair(IR_NUMERICS_FLOAT, 25.0f, &p, &in);
  rt_sim *s = t_create(m);
  t_train tr = {.src = t_pop(p), .neuron = 0};
  rt_sim_on_spikes(s, t_on_train, &tr);
  rt_sim_inject(s, t_in(in), 0);
  rt_sim_inject(s, t_pop(p), 0);
  double v = 0;
  for (int t = 0; t < 14; t++) {
    t_run(s, 1);
    if (t == 3)
      v = 0;
    v = v + (t <= 10 ? 25 * exp(-t) : 0) - v / 64;
    assert_float_equal(t_read(s, t_pop(p), "v", 0), v, 1e-4);
  }
  assert_int_equal(tr.n, 2);
  assert_int_equal(tr.steps[1], 3);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* ---------------------------------------------------------------- nalsm astrocyte */

/* A listens to population a (+1) and input b (-1). Step 0: 3 - 1 = 2 spikes.
 * Float: A1 = 0.15 + (0.015*2 + 0.15 - 0.15)/100 = 0.1503, A2 = A1 + (0.15 - A1)/100 = 0.150297.
 * Fixed (Q16): a0 = b = 9830, w = 983, k = 655: A1 = 9830 + rr(1966*655 / 65536 = 19.65) = 9850;
 * A2 = 9850 + rr(-20*655 / 65536 = -0.2) = 9850. */
static void astro_case(ir_numerics num, double a1, double a2, double tol) {
  ir_module *m = mod(num);
  int32_t a = ir_add_population(m, "a", IR_NEURON_LIF, 3, T_LOC);
  m->pops[a].params[IR_P_LIF_V_TH] = ir_value_const(1000, IR_DIM_VOLTAGE);
  int32_t b = t_silent_input(m, "b", 2);
  int32_t as = ir_add_astrocyte(m, "astro", IR_ASTRO_NALSM, T_LOC);
  m->astros[as].size = 1;
  ir_astro_listen *l = ir_arena_alloc(m->arena, 2 * sizeof(*l));
  l[0] = (ir_astro_listen){t_pop(a), 1, T_LOC};
  l[1] = (ir_astro_listen){t_in(b), -1, T_LOC};
  m->astros[as].listen = l;
  m->astros[as].nlisten = 2;
  rt_sim *s = t_create(m);
  ir_ref node = {IR_NODE_ASTROCYTE, (uint32_t)as};
  for (uint32_t i = 0; i < 3; i++)
    rt_sim_inject(s, t_pop(a), i);
  rt_sim_inject(s, t_in(b), 1);
  t_run(s, 1);
  assert_float_equal(t_read(s, node, "a", 0), a1, tol);
  t_run(s, 1);
  assert_float_equal(t_read(s, node, "a", 0), a2, tol);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

static void test_astro_float(void **state) {
  (void)state;
  astro_case(IR_NUMERICS_FLOAT, 0.1503, 0.1503 + (0.15 - 0.1503) / 100, 1e-7);
}

static void test_astro_fixed(void **state) {
  (void)state;
  astro_case(IR_NUMERICS_FIXED, 9850, 9850, 0);
}

/* ---------------------------------------------------------------- STDP */

/* Pre (an input) spikes at steps 0 and 5, post (a lif that only fires when forced) at step 2.
 * Traces x <- f (0.1 S + x), f = e^-0.1, updated after the weights:
 *   x_pre after step 1 = 0.1 f^2 (used at step 2), x_post after step 4 = 0.1 f^3 (used at step 5).
 * hebbian:      w = 1 + 0.15 * 0.1 e^-0.2 - A * 0.1 e^-0.3
 * anti_hebbian: w = 1 - A * 0.1 e^-0.2 + 0.15 * 0.1 e^-0.3
 * astro_stdp: A = 1 mV * (astrocyte state before step 5's update) = 0.15 + 0.35 * 0.99^5. */
typedef struct stdp_case {
  ir_numerics num;
  ir_plasticity_rule rule;
  bool anti;
  double w_max;
} stdp_case;

static rt_sim *stdp_net(const stdp_case *c, ir_module **mp, int32_t *proj) {
  ir_module *m = mod(c->num);
  int32_t in = t_silent_input(m, "pre", 1);
  int32_t post = ir_add_population(m, "post", IR_NEURON_LIF, 1, T_LOC);
  m->pops[post].params[IR_P_LIF_V_TH] = ir_value_const(1000, IR_DIM_VOLTAGE);
  int32_t k = t_proj(m, "w", t_in(in), t_pop(post), 1, (uint32_t[]){0}, (uint32_t[]){0}, (float[]){1.0f}, NULL);
  ir_projection *p = &m->projs[k];
  p->plasticity = c->rule;
  p->anti_hebbian = c->anti;
  ir_params_set_defaults(ir_plasticity_desc(c->rule), p->plast_params);
  p->plast_params[IR_P_STDP_A_MINUS] = ir_value_const(1, IR_DIM_VOLTAGE);
  p->plast_params[IR_P_STDP_W_MIN] = ir_value_const(0, IR_DIM_VOLTAGE);
  p->plast_params[IR_P_STDP_W_MAX] = ir_value_const(c->w_max, IR_DIM_VOLTAGE);
  if (c->rule == IR_PLAST_ASTRO_STDP) {
    int32_t a = ir_add_astrocyte(m, "astro", IR_ASTRO_NALSM, T_LOC);
    m->astros[a].size = 1;
    m->astros[a].params[IR_P_NALSM_ASTRO_A0] = ir_value_const(0.5, IR_DIM_NONE);
    m->projs[k].modulator = a;
  }
  *mp = m;
  *proj = k;
  rt_sim *s = t_create(m);
  for (int t = 0; t < 6; t++)
    step_with(s, t_in(in), t == 0 || t == 5, t_pop(post), t == 2);
  return s;
}

static double stdp_w(const stdp_case *c) {
  ir_module *m;
  int32_t k;
  rt_sim *s = stdp_net(c, &m, &k);
  double w = t_read(s, (ir_ref){IR_NODE_PROJECTION, (uint32_t)k}, "w", 0);
  rt_sim_destroy(s);
  ir_module_destroy(m);
  return w;
}

static void test_stdp_float(void **state) {
  (void)state;
  double pot = 0.15 * 0.1 * exp(-0.2), dep = 0.1 * exp(-0.3);
  stdp_case heb = {IR_NUMERICS_FLOAT, IR_PLAST_STDP, false, 3};
  assert_float_equal(stdp_w(&heb), 1 + pot - dep, 1e-6);
  stdp_case anti = {IR_NUMERICS_FLOAT, IR_PLAST_STDP, true, 3};
  assert_float_equal(stdp_w(&anti), 1 - 0.1 * exp(-0.2) + 0.15 * dep, 1e-6);
  double A = 0.15 + 0.35 * pow(0.99, 5);
  stdp_case astro = {IR_NUMERICS_FLOAT, IR_PLAST_ASTRO_STDP, false, 3};
  assert_float_equal(stdp_w(&astro), 1 + pot - A * dep, 1e-6);
  stdp_case clip = {IR_NUMERICS_FLOAT, IR_PLAST_STDP, false, 1.005};
  assert_float_equal(stdp_w(&clip), 1.005 - dep, 1e-6);
}

/* Fixed: bounds [0, 3] mV -> exp -5; w16 = 32 << 8 = 8192; a_plus = round(0.15*32*256) = 1229,
 * a_minus = 8192, inc = 6554, f = round(65536 e^-0.1) = 59299.
 * x_pre: rr(6554*59299 / 65536) = 5930 (step 0), rr(5930*59299 / 65536) = 5366 (step 1);
 * step 2: w += rr(1229*5366 / 65536 = 100.6) = 101 -> 8293; x_post = 5930, 5366 (3), 4855 (4);
 * step 5: w -= rr(8192*4855 / 65536 = 606.9) = 607 -> 7686. */
static void test_stdp_fixed(void **state) {
  (void)state;
  stdp_case heb = {IR_NUMERICS_FIXED, IR_PLAST_STDP, false, 3};
  assert_int_equal((int)stdp_w(&heb), 7686);
  /* anti: step 2: w -= rr(8192*5366 / 65536 = 670.75) = 671 -> 7521; step 5: += rr(1229*4855 / 65536 = 91.05) = 91 */
  stdp_case anti = {IR_NUMERICS_FIXED, IR_PLAST_STDP, true, 3};
  assert_int_equal((int)stdp_w(&anti), 7612);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_float_lif_closed_form), cmocka_unit_test(test_float_lif_bias),
      cmocka_unit_test(test_nalsm_fixed_kernel),    cmocka_unit_test(test_nalsm_fixed_refractory),
      cmocka_unit_test(test_nalsm_float),           cmocka_unit_test(test_astro_float),
      cmocka_unit_test(test_astro_fixed),           cmocka_unit_test(test_stdp_float),
      cmocka_unit_test(test_stdp_fixed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
