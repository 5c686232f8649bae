/* test_rtl.c — the 'rtl' suite: the Verilator model of the accelerator (engine "rtl") against hand
 * results and against the interp engine, bit-exactly, in fixed numerics: examples/lif_small.yaml, 200
 * random lif networks (sizes, decays, thresholds, biases, refractory periods, weights, delays, poisson /
 * bernoulli inputs, current injection, forced spikes), and the errors for what the accelerator does not
 * run, and 24-bit saturation. With ASTROC_RTL_RAND_RESET=1 every register and memory bit starts random (reset bugs). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "astroc_rt.h"
#include "be_verilog.h"
#include "engine_rtl.h"
#include "fe.h"
#include "passes.h"
#include "t_compare.h"
#include "t_example.h"
#include "t_network.h"
#include "t_sim.h"

#define LOC ((ir_loc){"test_rtl.c", 1, 1})

/* ---------------------------------------------------------------- interp against rtl */

/* Rasters and final v, u, ref identical on interp and rtl, with a forced spike of every population and
 * input half way (tests/support/t_compare.h). Returns the number of spikes. */
static size_t compare(const ir_module *m, uint64_t steps, uint64_t seed) {
  static const t_compare_opts vs_rtl = {.engine = "rtl", .inject_inputs = true};
  return t_compare(m, steps, seed, &vs_rtl).spikes;
}

/* ---------------------------------------------------------------- hand-computed */

/* docs/numerics.md, test_strict_threshold_and_refractory: du 4095, dv 0, bias 1 mV (64 fine), v_th 2 mV
 * (v > 128), refractory 3 ms: v = 64, 128 (equal: no spike), 192 -> spike at 2; held at 0 for 3, 4, 5;
 * spikes at 8 and 14. */
static void test_strict_threshold_refractory(void **state) {
  (void)state;
  ir_module *m = ir_module_create("thr");
  m->numerics = IR_NUMERICS_FIXED;
  int32_t p = ir_add_population(m, "n", IR_NEURON_LIF, 1, LOC);
  ir_value *q = m->pops[p].params;
  q[IR_P_LIF_DU] = ir_value_const(4095, IR_DIM_NONE);
  q[IR_P_LIF_DV] = ir_value_const(0, IR_DIM_NONE);
  q[IR_P_LIF_BIAS] = ir_value_const(1, IR_DIM_VOLTAGE);
  q[IR_P_LIF_V_TH] = ir_value_const(2, IR_DIM_VOLTAGE);
  q[IR_P_LIF_REFRACTORY] = ir_value_const(3, IR_DIM_TIME);
  rt_sim *s = t_create(m, "rtl");
  t_raster r = {0};
  rt_sim_on_spikes(s, t_on_spikes, &r);
  t_run(s, 15);
  assert_int_equal(r.n, 3);
  assert_int_equal(r.e[0] >> 32, 2);
  assert_int_equal(r.e[1] >> 32, 8);
  assert_int_equal(r.e[2] >> 32, 14);
  double v;
  assert_true(rt_sim_read_state(s, (ir_ref){IR_NODE_POPULATION, 0}, "ref", &v));
  assert_true(v == 3); /* spiked at step 14, the last one run */
  free(r.e);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* test_negative_decay_truncates: du 2048, dv 0, one input spike of -3 mV at step 0 (e = -5, m = -96,
 * x2 fine units): u = -192, -95, -47, -23; v = -192, -287, -334, -357 after steps 1..4. */
static void test_negative_decay_truncates(void **state) {
  (void)state;
  ir_module *m = ir_module_create("neg");
  m->numerics = IR_NUMERICS_FIXED;
  int32_t p = ir_add_population(m, "n", IR_NEURON_LIF, 1, LOC);
  m->pops[p].params[IR_P_LIF_DU] = ir_value_const(2048, IR_DIM_NONE);
  m->pops[p].params[IR_P_LIF_DV] = ir_value_const(0, IR_DIM_NONE);
  int32_t in = ir_add_input(m, "in", IR_INPUT_BERNOULLI, 1, LOC);
  m->inputs[in].p = ir_value_const(0, IR_DIM_NONE);
  int32_t k = ir_add_projection(m, "in_n", (ir_ref){IR_NODE_INPUT, 0}, (ir_ref){IR_NODE_POPULATION, 0}, LOC);
  m->projs[k].rule.kind = IR_CONN_ONE_TO_ONE;
  m->projs[k].weight = ir_value_const(-3, IR_DIM_VOLTAGE);
  m->projs[k].delay = ir_value_const(0, IR_DIM_TIME);
  ir_diag *d = ir_diag_create(stderr);
  assert_true(pass_expand(m, d));
  ir_diag_destroy(d);
  rt_sim *s = t_create(m, "rtl");
  assert_true(rt_sim_inject(s, (ir_ref){IR_NODE_INPUT, 0}, 0));
  static const double u[] = {0, -192, -95, -47, -23}, v[] = {0, -192, -287, -334, -357};
  for (int t = 0; t < 5; t++) {
    t_run(s, 1);
    double x;
    assert_true(rt_sim_read_state(s, (ir_ref){IR_NODE_POPULATION, 0}, "u", &x));
    assert_true(x == u[t]);
    assert_true(rt_sim_read_state(s, (ir_ref){IR_NODE_POPULATION, 0}, "v", &x));
    assert_true(x == v[t]);
  }
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* ---------------------------------------------------------------- examples/lif_small.yaml */

static void test_lif_small(void **state) {
  (void)state;
  ir_module *m = t_load_example("examples/lif_small.yaml");
  /* 12 spikes of a and 11 of b by hand (tests/runtime/test_examples.c), 12 replay events, 2 x 2 forced
   * spikes of a/b/replay: compare() checks the rest against interp. */
  assert_true(compare(m, 50, 1) >= 35);
  ir_module_destroy(m);
}

/* ---------------------------------------------------------------- random networks */

/* 1-3 populations of 1-40 neurons (du, dv constant or from tau, u_init, refractory up to 5), 1-2
 * Poisson or Bernoulli inputs (current injection into a population of the same size in one case of
 * four), 1-5 projections with weights up to 300 mV in one case of three and delays up to 63 in one
 * case of four; v_unit 0.5 mV in a quarter of the networks. */
static ir_module *random_network(uint64_t seed) {
  static const t_lif_opts o = {.name = "random", .mul = 7919, .add = 1, .v_unit = true, .pops = 3, .pop_size = 40,
      .du = T_DECAY_EITHER, .dv = T_DECAY_EITHER, .v_th = 20, .refractory = 6, .u_init = true, .poisson = true,
      .input_size = 30, .inject = 4, .projs = 5, .long_delay = 63, .delays = 8, .p_max = 0.8, .strong = 3,
      .strong_max = 300, .expand = true};
  return t_random_lif_network(seed, &o);
}

static void test_random_networks(void **state) {
  (void)state;
  size_t spikes = 0;
  for (uint64_t seed = 1; seed <= 200; seed++) {
    ir_module *m = random_network(seed);
    spikes += compare(m, 60 + seed % 40, seed);
    ir_module_destroy(m);
  }
  assert_true(spikes > 10000); /* the networks are not silent */
  print_message("200 random networks: %zu spikes, identical on interp and rtl\n", spikes);
}

/* ---------------------------------------------------------------- saturation */

/* 200 always-on inputs with +-900 mV weights (e = 3, mantissa 112, 112 << 9 = 57344 fine units each)
 * into neurons without current decay (du 0): u and v leave the 24-bit range within steps and must
 * saturate to +-(2^23 - 1) = +-8388607 exactly as the interpreter does. */
static void test_saturation(void **state) {
  (void)state;
  ir_module *m = ir_module_create("sat");
  m->numerics = IR_NUMERICS_FIXED;
  int32_t p = ir_add_population(m, "n", IR_NEURON_LIF, 2, LOC);
  m->pops[p].params[IR_P_LIF_DU] = ir_value_const(0, IR_DIM_NONE);
  m->pops[p].params[IR_P_LIF_DV] = ir_value_const(0, IR_DIM_NONE);
  m->pops[p].params[IR_P_LIF_V_TH] = ir_value_const(131071, IR_DIM_VOLTAGE);
  int32_t in = ir_add_input(m, "in", IR_INPUT_BERNOULLI, 200, LOC);
  m->inputs[in].p = ir_value_const(1, IR_DIM_NONE);
  static const double w[2] = {-900, 900};
  for (int k = 0; k < 2; k++) {
    char name[8];
    snprintf(name, sizeof name, "s%d", k);
    int32_t j = ir_add_projection(m, name, (ir_ref){IR_NODE_INPUT, 0}, (ir_ref){IR_NODE_POPULATION, 0}, LOC);
    m->projs[j].rule.kind = IR_CONN_ALL_TO_ALL;
    m->projs[j].weight = ir_value_const(w[k], IR_DIM_VOLTAGE);
    m->projs[j].delay = ir_value_const(k, IR_DIM_TIME);
  }
  m->projs[1].rule.kind = IR_CONN_FIXED_PROBABILITY; /* unequal sums: the neurons differ */
  m->projs[1].rule.p = 0.8;
  ir_diag *d = ir_diag_create(stderr);
  assert_true(pass_expand(m, d));
  ir_diag_destroy(d);
  compare(m, 30, 5);
  rt_sim *s = t_create(m, "rtl");
  t_run(s, 30);
  double u[2], v[2];
  assert_true(rt_sim_read_state(s, (ir_ref){IR_NODE_POPULATION, 0}, "u", u));
  assert_true(rt_sim_read_state(s, (ir_ref){IR_NODE_POPULATION, 0}, "v", v));
  assert_true(fabs(u[0]) == 8388607 || fabs(u[1]) == 8388607);
  assert_true(fabs(v[0]) == 8388607 || fabs(v[1]) == 8388607);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* ---------------------------------------------------------------- what the accelerator rejects */


static void test_rejections(void **state) {
  (void)state;
  ir_module *m = random_network(3);
  t_expect_create_error(m, "rtl", IR_NUMERICS_FLOAT, "fixed numerics only");
  /* plasticity runs on the rtl engine's model (tests/rtl/test_rtl_learn.c); a core built without the
   * learning engine (LEARN = 0, the FPGA default) cannot take it */
  m->projs[0].plasticity = IR_PLAST_STDP;
  ir_params_set_defaults(ir_plasticity_desc(IR_PLAST_STDP), m->projs[0].plast_params);
  be_vl_caps lean = be_vl_sim_caps;
  lean.pw = lean.tw = 0;
  ir_diag *d = ir_diag_create(NULL);
  assert_null(be_vl_build(m, 1, &lean, d));
  assert_non_null(strstr(ir_diag_last(d), "plastic projection 's0' (stdp) needs a core with the learning engine"));
  ir_diag_destroy(d);
  m->projs[0].plasticity = IR_PLAST_NONE;
  m->pops[0].model = IR_NEURON_AMSU; /* nalsm_lif and amsu run: tests/rtl/test_rtl_learn.c; not on LEARN = 0 */
  d = ir_diag_create(NULL);
  assert_null(be_vl_build(m, 1, &lean, d));
  assert_non_null(strstr(ir_diag_last(d), "amsu population 'p0' needs a core with astrocyte compartments (LEARN = 1)"));
  ir_diag_destroy(d);
  m->pops[0].model = IR_NEURON_LIF;
  m->projs[0].csr->delay[0] = 64;
  t_expect_create_error(m, "rtl", IR_NUMERICS_FIXED, "exceeds the accelerator's limit of 63 steps");
  ir_module_destroy(m);
  ir_module *big = ir_module_create("big");
  big->numerics = IR_NUMERICS_FIXED;
  ir_add_population(big, "n", IR_NEURON_LIF, 5000, LOC);
  t_expect_create_error(big, "rtl", IR_NUMERICS_FIXED, "needs 5000 compartments but the accelerator core holds 4096");
  ir_module_destroy(big);
}

/* Verilator's plusarg +verilator+rand+reset+2 (or ASTROC_RTL_RAND_RESET=SEED) starts every register and
 * memory bit of the model at a random value; the results must not change. */
int main(int argc, char **argv) {
  uint64_t seed;
  if (t_rand_reset(argc, argv, &seed) && !rt_rtl_set_options(NULL, 2, seed))
    return 3;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_strict_threshold_refractory),
      cmocka_unit_test(test_negative_decay_truncates),
      cmocka_unit_test(test_lif_small),
      cmocka_unit_test(test_random_networks),
      cmocka_unit_test(test_saturation),
      cmocka_unit_test(test_rejections),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
