/* test_amsu.c — the amsu neuron against hand-derived traces (fixed: integers worked out step by step in
 * the comments; float: an independent double-precision evaluation of docs/amsu.md's equations), the
 * adaptive threshold, the gain on a lif -> amsu pair, event counting with delays, and its errors. */
#include <math.h>

#include "rt_test.h"

/* One amsu unit fed by two silent inputs through projections of 3 mV and 2 mV (delay d1 on the first).
 * tau_u 0 (u = this step's input), tau_v 1e9 ms (no leak), v_th 10 mV, tau_astro 500 ms,
 * astro_spike 0.5, astro_pre 0.25, gain 1, thresh_gain tg mV, astro_current 1 mV. */
static ir_module *unit_module(double tg, uint16_t d1, int32_t *pop, int32_t *in0, int32_t *in1) {
  ir_module *m = ir_module_create("amsu");
  *pop = ir_add_population(m, "unit", IR_NEURON_AMSU, 1, T_LOC);
  ir_value *q = m->pops[*pop].params;
  q[IR_P_AMSU_TAU_U] = ir_value_const(0, IR_DIM_TIME);
  q[IR_P_AMSU_TAU_V] = ir_value_const(1e9, IR_DIM_TIME);
  q[IR_P_AMSU_V_TH] = ir_value_const(10, IR_DIM_VOLTAGE);
  q[IR_P_AMSU_TAU_ASTRO] = ir_value_const(500, IR_DIM_TIME);
  q[IR_P_AMSU_ASTRO_SPIKE] = ir_value_const(0.5, IR_DIM_NONE);
  q[IR_P_AMSU_ASTRO_PRE] = ir_value_const(0.25, IR_DIM_NONE);
  q[IR_P_AMSU_GAIN] = ir_value_const(1, IR_DIM_NONE);
  q[IR_P_AMSU_THRESH_GAIN] = ir_value_const(tg, IR_DIM_VOLTAGE);
  q[IR_P_AMSU_ASTRO_CURRENT] = ir_value_const(1, IR_DIM_VOLTAGE);
  *in0 = t_silent_input(m, "in0", 1);
  *in1 = t_silent_input(m, "in1", 1);
  static const uint32_t zero[] = {0};
  const float w0[] = {3}, w1[] = {2};
  const uint16_t dl[] = {d1};
  t_proj(m, "p0", t_in(*in0), t_pop(*pop), 1, zero, zero, w0, dl);
  t_proj(m, "p1", t_in(*in1), t_pop(*pop), 1, zero, zero, w1, NULL);
  return m;
}

/* Fixed (v_unit 1 mV): fa = round(65536 e^-0.002) = 65405; gain 65536, thresh_gain 256 fine, current 64
 * fine, astro_pre 16384, astro_spike 32768, v_th 640 fine. Weights: 3 mV -> m 96 << 1 = 192, 2 mV -> 64 << 1
 * = 128. Inputs at step 0 (both) and 2 (in0); the unit is forced to spike at step 4.
 *   t  m=65536+rr(g*a)  u=rr(syn*m)  cur  v    threshold  spike  a
 *   0  65536            0            0    0    640        -      0
 *   1  65536            320          0    320  640        -      0 + 2*16384 = 32768
 *   2  98304            0            32   352  768        -      (32768*65405)>>16 = 32702
 *   3  98238            288          32   672  768        -      32636 + 16384 = 49020   (v > 640: the
 *                                                                base threshold alone would fire)
 *   4  114556           0            48   720  831        forced 48922 + 32768 = 81690, v -> 0
 *   5  147226           0            80   80   959        -      81526
 *   6  147062           0            80   160  958        -      81363 */
static void test_amsu_fixed_trace(void **state) {
  (void)state;
  int32_t p, i0, i1;
  ir_module *m = unit_module(4, 0, &p, &i0, &i1);
  m->numerics = IR_NUMERICS_FIXED;
  rt_sim *s = t_create(m);
  t_train tr = {.src = t_pop(p), .neuron = 0};
  rt_sim_on_spikes(s, t_on_train, &tr);
  static const int v[] = {0, 320, 352, 672, 0, 80, 160}, u[] = {0, 320, 0, 288, 0, 0, 0},
                    a[] = {0, 32768, 32702, 49020, 81690, 81526, 81363};
  for (int t = 0; t < 7; t++) {
    if (t == 0) {
      rt_sim_inject(s, t_in(i0), 0);
      rt_sim_inject(s, t_in(i1), 0);
    }
    if (t == 2)
      rt_sim_inject(s, t_in(i0), 0);
    if (t == 4)
      rt_sim_inject(s, t_pop(p), 0);
    t_run(s, 1);
    assert_int_equal((int)t_read(s, t_pop(p), "v", 0), v[t]);
    assert_int_equal((int)t_read(s, t_pop(p), "u", 0), u[t]);
    assert_int_equal((int)t_read(s, t_pop(p), "a", 0), a[t]);
  }
  assert_int_equal(tr.n, 1);
  assert_int_equal(tr.steps[0], 4);
  rt_sim_destroy(s);
  ir_module_destroy(m);

  /* Without the threshold gain the same input fires at step 3 (672 > 640). */
  m = unit_module(0, 0, &p, &i0, &i1);
  m->numerics = IR_NUMERICS_FIXED;
  s = t_create(m);
  t_train tr2 = {.src = t_pop(p), .neuron = 0};
  rt_sim_on_spikes(s, t_on_train, &tr2);
  rt_sim_inject(s, t_in(i0), 0);
  rt_sim_inject(s, t_in(i1), 0);
  t_run(s, 2);
  rt_sim_inject(s, t_in(i0), 0);
  t_run(s, 2);
  assert_int_equal(tr2.n, 1);
  assert_int_equal(tr2.steps[0], 3);
  /* a after step 3: the spike's 32768 on top of the events: 32636 + 16384 + 32768. */
  assert_int_equal((int)t_read(s, t_pop(p), "a", 0), 81788);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* Float: the same inputs, expected values from the equations evaluated in double:
 * u = syn*(1 + a), v += u + a (current 1 mV * a), threshold 10 + 4a, a = a*fa + 0.25*events + 0.5*spike. */
static void test_amsu_float_trace(void **state) {
  (void)state;
  int32_t p, i0, i1;
  ir_module *m = unit_module(4, 0, &p, &i0, &i1);
  rt_sim *s = t_create(m);
  double fa = exp(-1.0 / 500), a = 0, v = 0;
  for (int t = 0; t < 7; t++) {
    double syn = 0, ev = 0;
    if (t == 0) {
      rt_sim_inject(s, t_in(i0), 0);
      rt_sim_inject(s, t_in(i1), 0);
    }
    if (t == 2)
      rt_sim_inject(s, t_in(i0), 0);
    if (t == 4)
      rt_sim_inject(s, t_pop(p), 0);
    if (t == 1)
      syn = 5, ev = 2;
    if (t == 3)
      syn = 3, ev = 1;
    double u = syn * (1 + a);
    v = v + u + a;
    bool spike = v > 10 + 4 * a || t == 4;
    assert_true(t == 4 || !spike); /* the adapted threshold holds the unit below it */
    if (spike)
      v = 0;
    a = a * fa + 0.25 * ev + (spike ? 0.5 : 0);
    t_run(s, 1);
    assert_float_equal(t_read(s, t_pop(p), "u", 0), u, 1e-5);
    assert_float_equal(t_read(s, t_pop(p), "v", 0), v, 1e-5);
    assert_float_equal(t_read(s, t_pop(p), "a", 0), a, 1e-6);
  }
  /* Hand check of step 3: a(2) = 0.5 e^-0.002 = 0.499001, u = 3 * 1.499001 = 4.497003,
   * v = 5.5 + 4.497003 + 0.499001 = 10.496004 (above 10, below 10 + 4 a = 11.996). */
  assert_float_equal(a, 0.5 * pow(fa, 5) + 0.25 * pow(fa, 3) + 0.5 * pow(fa, 2), 1e-12);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* A 2-neuron network, lif pre -> amsu post (4 mV, delay 2): the event is counted when it arrives
 * (step t+3), not when the pre spikes, and its efficacy uses the post's a of that moment. The post is
 * first forced to spike at step 0 (a = 0.5 after it), pre forced at step 1, arrival at step 4:
 * u(4) = 4 * (1 + a(3)), a(3) = 0.5 fa^3; a(4) = a(3) fa + 0.25. */
static void test_amsu_gain_pair(void **state) {
  (void)state;
  ir_module *m = ir_module_create("pair");
  int32_t pre = ir_add_population(m, "pre", IR_NEURON_LIF, 1, T_LOC);
  int32_t post = ir_add_population(m, "post", IR_NEURON_AMSU, 1, T_LOC);
  ir_value *q = m->pops[post].params;
  q[IR_P_AMSU_TAU_U] = ir_value_const(0, IR_DIM_TIME);
  q[IR_P_AMSU_V_TH] = ir_value_const(100, IR_DIM_VOLTAGE);
  q[IR_P_AMSU_ASTRO_SPIKE] = ir_value_const(0.5, IR_DIM_NONE);
  q[IR_P_AMSU_ASTRO_PRE] = ir_value_const(0.25, IR_DIM_NONE);
  q[IR_P_AMSU_GAIN] = ir_value_const(2, IR_DIM_NONE);
  static const uint32_t zero[] = {0};
  const float w[] = {4};
  const uint16_t dl[] = {2};
  t_proj(m, "syn", t_pop(pre), t_pop(post), 1, zero, zero, w, dl);
  for (int fixed = 0; fixed < 2; fixed++) {
    m->numerics = fixed ? IR_NUMERICS_FIXED : IR_NUMERICS_FLOAT;
    rt_sim *s = t_create(m);
    rt_sim_inject(s, t_pop(post), 0);
    t_run(s, 1);
    rt_sim_inject(s, t_pop(pre), 0);
    t_run(s, 3); /* steps 1..3: nothing arrives */
    double a3 = t_read(s, t_pop(post), "a", 0);
    assert_float_equal(t_read(s, t_pop(post), "u", 0), 0, 0);
    t_run(s, 1);
    double u4 = t_read(s, t_pop(post), "u", 0), a4 = t_read(s, t_pop(post), "a", 0);
    if (fixed) {
      /* fa = 65405: a 32768 -> 32702 -> 32636 -> 32570 (a3); 4 mV: e = -5, m 128 << 1 = 256 fine;
       * factor 65536 + rr(131072*32570, 16) = 130676, u = rr(256*130676, 16) = 510 (7.97 mV);
       * a4 = (32570*65405)>>16 = 32504, + 16384 = 48888. */
      assert_int_equal((int)a3, 32570);
      assert_int_equal((int)u4, 510);
      assert_int_equal((int)a4, 48888);
    } else {
      double fa = exp(-1.0 / 500), ea3 = 0.5 * fa * fa * fa;
      assert_float_equal(a3, ea3, 1e-6);
      assert_float_equal(u4, 4 * (1 + 2 * ea3), 1e-5);
      assert_float_equal(a4, ea3 * fa + 0.25, 1e-6);
    }
    rt_sim_destroy(s);
  }
  ir_module_destroy(m);
}

/* Delayed events: with a delay of 2 on p0 the input spike of step 0 arrives (and counts) at step 3. */
static void test_amsu_delay_count(void **state) {
  (void)state;
  int32_t p, i0, i1;
  ir_module *m = unit_module(4, 2, &p, &i0, &i1);
  m->numerics = IR_NUMERICS_FIXED;
  rt_sim *s = t_create(m);
  rt_sim_inject(s, t_in(i0), 0);
  t_run(s, 3);
  assert_int_equal((int)t_read(s, t_pop(p), "a", 0), 0);
  t_run(s, 1);
  assert_int_equal((int)t_read(s, t_pop(p), "a", 0), 16384);
  assert_int_equal((int)t_read(s, t_pop(p), "u", 0), 192);
  size_t n = 0;
  const char *const *vars = rt_state_vars(s, t_pop(p), &n);
  assert_int_equal(n, 4);
  assert_string_equal(vars[0], "v");
  assert_string_equal(vars[1], "u");
  assert_string_equal(vars[2], "a");
  assert_string_equal(vars[3], "ref");
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* Refractoriness as in lif: v held at 0 for `refractory` steps after a spike; a keeps evolving. */
static void test_amsu_refractory_and_errors(void **state) {
  (void)state;
  int32_t p, i0, i1;
  ir_module *m = unit_module(0, 0, &p, &i0, &i1);
  m->pops[p].params[IR_P_AMSU_REFRACTORY] = ir_value_const(100, IR_DIM_TIME);
  m->numerics = IR_NUMERICS_FIXED;
  ir_diag *d = ir_diag_create(NULL);
  rt_options o = {0};
  o.numerics = -1;
  assert_null(rt_sim_create(m, &o, d));
  assert_non_null(strstr(ir_diag_last(d), "refractory must be 0..63 steps"));
  ir_diag_destroy(d);
  m->pops[p].params[IR_P_AMSU_REFRACTORY] = ir_value_const(2, IR_DIM_TIME);
  rt_sim *s = t_create(m);
  rt_sim_inject(s, t_pop(p), 0);
  rt_sim_inject(s, t_in(i0), 0);
  t_run(s, 2); /* the input arrives at step 1, while refractory: u integrates (192 * 1.5), v stays 0 */
  assert_int_equal((int)t_read(s, t_pop(p), "v", 0), 0);
  assert_int_equal((int)t_read(s, t_pop(p), "u", 0), 288);
  assert_int_equal((int)t_read(s, t_pop(p), "a", 0), ((32768 * 65405) >> 16) + 16384);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_amsu_fixed_trace),         cmocka_unit_test(test_amsu_float_trace),
      cmocka_unit_test(test_amsu_gain_pair),           cmocka_unit_test(test_amsu_delay_count),
      cmocka_unit_test(test_amsu_refractory_and_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
