/* test_li_rinzel.c — the li_rinzel astrocyte against a float64 forward-Euler reference written here from
 * NEST's astrocyte_lr_1994 equations, NEST's logarithmic slow inward current into a population, the
 * domain mapping of 2 astrocytes, and its parameter errors. */
#include <math.h>

#include "rt_test.h"

/* The model parameters as the test uses them (NEST defaults except delta_ip3 = 0.05 uM). */
typedef struct lr {
  double ca_tot, ip3_0, kd1, kd2, kact, kinh, km, kip3r, ratio, rip3r, rl, rserca, tau, delta, th, scale;
} lr;
static const lr P = {2.0, 0.16, 0.13, 0.9434, 0.08234, 1.049, 0.1, 0.0002, 0.185, 0.006, 0.00011, 0.0009, 7142.0,
                     0.05, 0.19669, 1.5};

/* One Euler step of 1 ms in double, then the kicks (NEST's order). */
static void ref_step(double *ca, double *h, double *ip3, double kicks) {
  double c = fmin(fmax(*ca, 0), P.ca_tot * (1 + P.ratio));
  double alpha = P.kip3r * P.kinh * (*ip3 + P.kd1) / (*ip3 + P.kd2), beta = P.kip3r * c;
  double jpump = P.rserca * c * c / (P.km * P.km + c * c);
  double m = *ip3 / (*ip3 + P.kd1), n = c / (c + P.kact);
  double cer = P.ca_tot + (P.ca_tot - c) / P.ratio;
  double jleak = P.ratio * P.rl * (cer - c), jchan = P.ratio * P.rip3r * pow(m * n * *h, 3) * (cer - c);
  double nip3 = *ip3 + (P.ip3_0 - *ip3) / P.tau, nca = *ca + jchan - jpump + jleak,
         nh = *h + alpha * (1 - *h) - beta * *h;
  *ip3 = nip3 + P.delta * kicks;
  *ca = nca;
  *h = nh;
}

static double ref_sic(double ca) {
  double y = (ca - P.th) * 1000;
  return y > 1 ? P.scale * log(y) : 0;
}

/* in -> post (lif, tau_u = tau_v = 0, v_th 1000 mV: v is exactly this step's injected current) through
 * `syn` (weight 0: only the astrocyte acts); `astro` listens to syn and modulates the population post. */
static ir_module *lr_module(uint32_t nastro, uint32_t npost, int32_t *in, int32_t *post, int32_t *astro) {
  ir_module *m = ir_module_create("lr");
  *post = ir_add_population(m, "post", IR_NEURON_LIF, npost, T_LOC);
  ir_value *q = m->pops[*post].params;
  q[IR_P_LIF_TAU_U] = ir_value_const(0, IR_DIM_TIME);
  q[IR_P_LIF_TAU_V] = ir_value_const(0, IR_DIM_TIME);
  q[IR_P_LIF_V_TH] = ir_value_const(1000, IR_DIM_VOLTAGE);
  *in = t_silent_input(m, "in", npost);
  uint32_t spre[8], spost[8];
  float w[8] = {0};
  for (uint32_t k = 0; k < npost; k++)
    spre[k] = spost[k] = k;
  int32_t syn = t_proj(m, "syn", t_in(*in), t_pop(*post), npost, spre, spost, w, NULL);
  *astro = ir_add_astrocyte(m, "astro", IR_ASTRO_LI_RINZEL, T_LOC);
  ir_astrocyte *a = &m->astros[*astro];
  a->size = nastro;
  a->params[IR_P_LI_RINZEL_DELTA_IP3] = ir_value_const(P.delta, IR_DIM_CONC);
  a->params[IR_P_LI_RINZEL_SIC_SCALE] = ir_value_const(P.scale, IR_DIM_VOLTAGE);
  a->listen = ir_arena_alloc(m->arena, sizeof(ir_astro_listen));
  a->listen[0] = (ir_astro_listen){{IR_NODE_PROJECTION, (uint32_t)syn}, 1, T_LOC};
  a->nlisten = 1;
  a->modulates = ir_arena_alloc(m->arena, sizeof(ir_ref));
  a->modulates[0] = t_pop(*post);
  a->nmodulates = 1;
  return m;
}

/* 10 s with an input spike every 20 ms for the first 2 s: IP3 climbs to about 4.5 uM, calcium rises
 * from 0.073 to about 1.4 uM and relaxes, crossing sic_th. Tolerance: the engine integrates the same
 * Euler scheme in single precision; each step rounds ~30 operations (relative 6e-8 each) and the slowest
 * mode (IP3, tau 7142 steps) remembers them for ~7000 steps: a random-sign accumulation gives about
 * sqrt(7000) * 30 * 6e-8 = 1.5e-4 relative (the all-same-sign bound, 1.3e-2, does not happen: rounding
 * to nearest has no bias). We allow 5e-4 relative + 1e-6 absolute; the measured maximum (printed) is
 * about 5e-6 for ca, 2e-6 for h and ip3. */
static void test_li_rinzel_reference(void **state) {
  (void)state;
  int32_t in, post, astro;
  ir_module *m = lr_module(1, 1, &in, &post, &astro);
  rt_sim *s = t_create(m);
  ir_ref a = {IR_NODE_ASTROCYTE, (uint32_t)astro};
  double ca = 0.073, h = 0.793, ip3 = 0.16, worst[3] = {0, 0, 0}, sic_prev = 0, max_ca = 0;
  unsigned above = 0;
  for (int t = 0; t < 10000; t++) {
    bool kick = t < 2000 && t % 20 == 0;
    if (kick)
      rt_sim_inject(s, t_in(in), 0);
    ref_step(&ca, &h, &ip3, kick ? 1 : 0);
    t_run(s, 1);
    /* v of step t is the SIC computed from the calcium left by step t-1 */
    double v = t_read(s, t_pop(post), "v", 0);
    assert_float_equal(v, sic_prev, 5e-4 * fabs(sic_prev) + 1e-4);
    sic_prev = ref_sic(ca);
    above += ca > P.th;
    max_ca = fmax(max_ca, ca);
    if (t % 10 == 0 || t < 50) {
      double got[3] = {t_read(s, a, "ca", 0), t_read(s, a, "h", 0), t_read(s, a, "ip3", 0)}, want[3] = {ca, h, ip3};
      for (int k = 0; k < 3; k++) {
        double err = fabs(got[k] - want[k]) / (fabs(want[k]) + 1e-3);
        worst[k] = fmax(worst[k], err);
        assert_float_equal(got[k], want[k], 5e-4 * fabs(want[k]) + 1e-6);
      }
    }
  }
  printf("li_rinzel float vs float64 Euler, max relative error: ca %.2e, h %.2e, ip3 %.2e\n", worst[0], worst[1],
         worst[2]);
  assert_true(max_ca > 1.0 && max_ca < 1.6); /* the reference run itself: a calcium event happened */
  assert_true(above > 5000);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* First step by hand (c = 0.073, ip3 = 0.16, h = 0.793):
 *   m = 0.16/0.29 = 0.551724, n = 0.073/0.15534 = 0.469937, mnh = 0.205606, (mnh)^3 = 0.0086917
 *   ca_er = 2 + 1.927/0.185 = 12.416216; J_chan = 0.185*0.006*0.0086917*12.343216 = 1.19085e-4
 *   J_pump = 0.0009*0.005329/(0.01 + 0.005329) = 3.12878e-4; J_leak = 0.185*0.00011*12.343216 = 2.51184e-4
 *   ca(1) = 0.073 + 1.19085e-4 - 3.12878e-4 + 2.51184e-4 = 0.07305739
 *   alpha = 0.0002*1.049*0.29/1.1034 = 5.51405e-5, beta = 1.46e-5; h(1) = 0.793 + 1.14141e-5 - 1.15778e-5
 *   = 0.79299984; ip3(1) = 0.16 + 0 + 0.05 (kick) = 0.21 */
static void test_li_rinzel_first_step(void **state) {
  (void)state;
  int32_t in, post, astro;
  ir_module *m = lr_module(1, 1, &in, &post, &astro);
  rt_sim *s = t_create(m);
  ir_ref a = {IR_NODE_ASTROCYTE, (uint32_t)astro};
  rt_sim_inject(s, t_in(in), 0);
  t_run(s, 1);
  assert_float_equal(t_read(s, a, "ca", 0), 0.07305739, 2e-8);
  assert_float_equal(t_read(s, a, "h", 0), 0.79299984, 3e-8);
  assert_float_equal(t_read(s, a, "ip3", 0), 0.21, 1e-7);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* Two astrocytes over two post neurons (j mod 2): the input spike on synapse 1 -> 1 kicks element 1
 * only. Both elements start at ca_init = 0.3 uM, so from step 1 on each post neuron receives its own
 * element's SIC, about 1.5 ln((0.3 - 0.19669) * 1000) = 6.9566 mV. */
static void test_li_rinzel_domains(void **state) {
  (void)state;
  int32_t in, post, astro;
  ir_module *m = lr_module(2, 2, &in, &post, &astro);
  m->astros[astro].params[IR_P_LI_RINZEL_CA_INIT] = ir_value_const(0.3, IR_DIM_CONC);
  rt_sim *s = t_create(m);
  ir_ref a = {IR_NODE_ASTROCYTE, (uint32_t)astro};
  rt_sim_inject(s, t_in(in), 1);
  t_run(s, 1);
  double ip0 = t_read(s, a, "ip3", 0), ip1 = t_read(s, a, "ip3", 1);
  assert_float_equal(ip1 - ip0, 0.05, 1e-6);
  /* step 0 already sees the SIC of ca_init (the state "left by step -1"): 1.5 ln(103.31) */
  assert_float_equal(t_read(s, t_pop(post), "v", 0), 1.5 * log((0.3 - 0.19669) * 1000), 1e-5);
  t_run(s, 1);
  double v0 = t_read(s, t_pop(post), "v", 0), v1 = t_read(s, t_pop(post), "v", 1);
  assert_true(v0 > 6.9 && v0 < 7.0);
  assert_true(v1 > 6.9 && v1 < 7.0);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

static void test_li_rinzel_errors(void **state) {
  (void)state;
  int32_t in, post, astro;
  ir_module *m = lr_module(1, 1, &in, &post, &astro);
  m->astros[astro].params[IR_P_LI_RINZEL_TAU_IP3] = ir_value_const(0, IR_DIM_TIME);
  ir_diag *d = ir_diag_create(NULL);
  rt_options o = {0};
  o.numerics = -1;
  assert_null(rt_sim_create(m, &o, d));
  assert_string_equal(ir_diag_last(d), "astrocyte 'astro' (element 0): tau_ip3 must be positive");
  m->astros[astro].params[IR_P_LI_RINZEL_TAU_IP3] = ir_value_const(7142, IR_DIM_TIME);
  o.numerics = IR_NUMERICS_FIXED;
  assert_null(rt_sim_create(m, &o, d));
  assert_string_equal(ir_diag_last(d),
                      "astrocyte 'astro': the li_rinzel model needs float numerics (fixed numerics is not supported)");
  ir_diag_destroy(d);
  ir_module_destroy(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_li_rinzel_reference),
      cmocka_unit_test(test_li_rinzel_first_step),
      cmocka_unit_test(test_li_rinzel_domains),
      cmocka_unit_test(test_li_rinzel_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
