/* test_frontend.c — cmocka tests of the YAML frontend: units, values, rules, models, references,
 * every section, and the text and location of error messages. Expected numbers are worked out by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fe.h"
#include "ir.h"

#ifndef SOURCE_ROOT
#define SOURCE_ROOT "."
#endif

/* Parses a model and returns it (NULL on error); *d receives the diagnostics. */
static ir_module *parse(const char *text, ir_diag **d) {
  *d = ir_diag_create(NULL);
  return fe_yaml_parse(text, strlen(text), "t.yaml", SOURCE_ROOT "/examples", *d);
}

static ir_module *parse_ok(const char *text) {
  ir_diag *d;
  ir_module *m = parse(text, &d);
  if (!m) fprintf(stderr, "unexpected error: %s\n", ir_diag_last(d));
  assert_non_null(m);
  assert_int_equal(ir_diag_error_count(d), 0);
  ir_diag_destroy(d);
  return m;
}

/* Parses a broken model; checks there is an error "t.yaml:LINE:COL: error: ...SUBSTR..." in the printed
 * diagnostics, and returns the number of errors. */
static unsigned expect_error(const char *text, unsigned line, unsigned col, const char *substr) {
  FILE *out = tmpfile();
  assert_non_null(out);
  ir_diag *d = ir_diag_create(out);
  ir_module *m = fe_yaml_parse(text, strlen(text), "t.yaml", SOURCE_ROOT "/examples", d);
  assert_null(m);
  unsigned n = ir_diag_error_count(d);
  assert_true(n > 0);
  char want[64], buf[1024];
  snprintf(want, sizeof want, "t.yaml:%u:%u: error: ", line, col);
  rewind(out);
  bool found = false;
  while (fgets(buf, sizeof buf, out))
    if (strncmp(buf, want, strlen(want)) == 0 && strstr(buf, substr)) found = true;
  if (!found) {
    rewind(out);
    fprintf(stderr, "wanted %s...%s... in:\n", want, substr);
    while (fgets(buf, sizeof buf, out)) fputs(buf, stderr);
  }
  assert_true(found);
  ir_diag_destroy(d);
  fclose(out);
  return n;
}

#define POPS "astroc: 1\nneurons:\n  a: {model: lif, size: 10}\n  b: {model: lif, size: 5}\n"

/* ---------------------------------------------------------------- units and quantities */

static void test_units_converted(void **state) {
  (void)state;
  ir_module *m = parse_ok("astroc: 1\nnetwork: {dt: 100 us, v_unit: 0.002 V, duration: 1.5 s}\n"
                          "neurons:\n  a: {model: lif, size: 1, params: {tau_v: 0.02 s, v_th: 0.01 V, "
                          "refractory: 2000 us}}\n");
  assert_float_equal(m->dt, 0.1, 1e-12);
  assert_float_equal(m->v_unit, 2.0, 1e-12);
  assert_float_equal(m->duration, 1500.0, 1e-9);
  assert_float_equal(m->pops[0].params[IR_P_LIF_TAU_V].a, 20.0, 1e-12);
  assert_float_equal(m->pops[0].params[IR_P_LIF_V_TH].a, 10.0, 1e-12);
  assert_float_equal(m->pops[0].params[IR_P_LIF_REFRACTORY].a, 2.0, 1e-12);
  assert_true(ir_dim_eq(m->pops[0].params[IR_P_LIF_TAU_V].dim, IR_DIM_TIME));
  ir_module_destroy(m);
}

static void test_compound_units(void **state) {
  (void)state;
  ir_module *m = parse_ok("astroc: 1\nastrocytes:\n  x:\n    model: li_rinzel\n    params: {ca_tot: 2000 nM, "
                          "rate_ip3r: 6 Hz, rate_serca: 0.0009 uM/ms, k_ip3r: 0.0002 1/(uM*ms), h_init: 0.5}\n");
  const ir_value *p = m->astros[0].params;
  assert_float_equal(p[IR_P_LI_RINZEL_CA_TOT].a, 2.0, 1e-12);
  assert_float_equal(p[IR_P_LI_RINZEL_RATE_IP3R].a, 0.006, 1e-15); /* 6 Hz = 0.006 / ms */
  assert_float_equal(p[IR_P_LI_RINZEL_RATE_SERCA].a, 0.0009, 1e-15);
  assert_float_equal(p[IR_P_LI_RINZEL_K_IP3R].a, 0.0002, 1e-15);
  assert_float_equal(p[IR_P_LI_RINZEL_H_INIT].a, 0.5, 1e-15);
  /* untouched parameters keep the models.def defaults */
  assert_float_equal(p[IR_P_LI_RINZEL_TAU_IP3].a, 7142.0, 1e-9);
  ir_module_destroy(m);
}

static void test_unit_errors(void **state) {
  (void)state;
  expect_error(POPS "    params: {}\n", 5, 5, "YAML syntax error"); /* indentation under a flow mapping */
  expect_error("astroc: 1\nneurons:\n  a: {model: lif, size: 1, params: {tau_v: 20}}\n", 3, 44,
               "'tau_v' needs a time, e.g. '20 ms'; got a bare number");
  expect_error("astroc: 1\nneurons:\n  a: {model: lif, size: 1, params: {tau_v: 20 mV}}\n", 3, 44,
               "'tau_v' needs a time, e.g. '20 ms'; got a voltage (mV)");
  expect_error("astroc: 1\nneurons:\n  a: {model: lif, size: 1, params: {tau_v: 20 parsec}}\n", 3, 44,
               "unknown unit 'parsec'");
  expect_error("astroc: 1\nneurons:\n  a: {model: amsu, size: 1, params: {gain: 2 ms}}\n", 3, 44,
               "'gain' is dimensionless");
  expect_error("astroc: 1\nneurons:\n  a: {model: lif, size: 1, params: {tau_v: 0x10 ms}}\n", 3, 44,
               "unknown unit 'x10 ms'");
  expect_error("astroc: 1\nneurons:\n  a: {model: lif, size: 1, params: {tau_v: inf ms}}\n", 3, 44, "needs a time");
  expect_error("astroc: 1\nneurons:\n  a: {model: lif, size: 1, params: {tau_v: -1 ms}}\n", 3, 44,
               "'tau_v' must be >= 0 ms, got -1 ms");
  expect_error("astroc: 1\nastrocytes:\n  x: {model: li_rinzel, params: {h_init: 1.5}}\n", 3, 42,
               "'h_init' must be between 0 and 1, got 1.5");
}

/* ---------------------------------------------------------------- values */

static void test_value_forms(void **state) {
  (void)state;
  ir_module *m = parse_ok(
      POPS "synapses:\n"
           "  u: {pre: a, post: b, connectivity: {rule: all_to_all}, weight: {uniform: [-1 mV, 2 mV]}}\n"
           "  n: {pre: a, post: b, connectivity: {rule: all_to_all}, weight: {normal: {mean: 1 mV, sd: 0.5 mV}},\n"
           "      delay: {normal: {mean: 2 ms, sd: 1 ms, min: 1 ms, max: 3 ms}}}\n"
           "  c: {pre: a, post: b, connectivity: {rule: all_to_all}, weight: {choice: [-3 mV, 3 mV, 0.001 V]}}\n");
  const ir_value *u = &m->projs[0].weight, *n = &m->projs[1].weight, *dl = &m->projs[1].delay, *c = &m->projs[2].weight;
  assert_int_equal(u->kind, IR_VAL_UNIFORM);
  assert_float_equal(u->a, -1.0, 0);
  assert_float_equal(u->b, 2.0, 0);
  assert_int_equal(u->loc.line, 6);
  assert_int_equal(u->loc.col, 66);
  assert_int_equal(n->kind, IR_VAL_NORMAL);
  assert_float_equal(n->a, 1.0, 0);
  assert_float_equal(n->b, 0.5, 0);
  assert_true(isinf(n->lo) && n->lo < 0 && isinf(n->hi)); /* weight is unbounded */
  assert_int_equal(dl->kind, IR_VAL_NORMAL);
  assert_float_equal(dl->lo, 1.0, 0);
  assert_float_equal(dl->hi, 3.0, 0);
  assert_int_equal(c->kind, IR_VAL_CHOICE);
  assert_int_equal(c->nchoice, 3);
  assert_float_equal(c->choice[0], -3.0, 0);
  assert_float_equal(c->choice[2], 1.0, 1e-12);
  assert_true(ir_dim_eq(c->dim, IR_DIM_VOLTAGE));
  ir_module_destroy(m);
  /* a normal clip defaults to the parameter's range: delays are >= 0 */
  m = parse_ok(POPS "synapses:\n  x: {pre: a, post: b, connectivity: {rule: all_to_all}, weight: 1 mV,"
                    " delay: {normal: {mean: 1 ms, sd: 1 ms}}}\n");
  assert_float_equal(m->projs[0].delay.lo, 0.0, 0);
  ir_module_destroy(m);
}

static void test_value_errors(void **state) {
  (void)state;
  expect_error(POPS "synapses:\n  x: {pre: a, post: b, connectivity: {rule: all_to_all}, weight: {gauss: 1}}\n", 6, 67,
               "unknown key 'gauss'");
  expect_error(POPS "synapses:\n  x: {pre: a, post: b, connectivity: {rule: all_to_all}, weight: {uniform: [1 mV]}}\n",
               6, 76, "needs two bounds");
  expect_error(POPS "synapses:\n  x: {pre: a, post: b, connectivity: {rule: all_to_all}, weight: {choice: []}}\n", 6,
               75, "at least one value");
  expect_error(POPS
               "synapses:\n  x: {pre: a, post: b, connectivity: {rule: all_to_all}, weight: {normal: {mean: 1 mV}}}\n",
               6, 75, "needs a 'sd' key");
  expect_error(POPS
               "synapses:\n  x: {pre: a, post: b, connectivity: {rule: all_to_all}, weight: {choice: [1 mV, 2 ms]}}\n",
               6, 82, "'weight' needs a voltage");
  expect_error(POPS "synapses:\n  x: {pre: a, post: b, connectivity: {rule: all_to_all}, weight: [1 mV]}\n", 6, 66,
               "got a sequence");
}

/* ---------------------------------------------------------------- connectivity rules */

static void test_rules(void **state) {
  (void)state;
  ir_module *m = parse_ok(
      "astroc: 1\nnetwork: {grids: {g: {shape: [4, 5, 6], spacing: 2}}}\n"
      "neurons:\n  a: {model: lif, size: 10, layout: g}\n  b: {model: lif, size: 10, layout: g}\n"
      "  s: {model: lif, size: 4}\n"
      "synapses:\n"
      "  r0: {pre: a, post: b, connectivity: {rule: all_to_all}, weight: 1 mV}\n"
      "  r1: {pre: a, post: b, connectivity: {rule: one_to_one}, weight: 1 mV}\n"
      "  r2: {pre: a, post: a, connectivity: {rule: fixed_probability, p: 0.25, allow_self: true}, weight: 1 mV}\n"
      "  r3: {pre: a, post: b, connectivity: {rule: fixed_indegree, indegree: 10}, weight: 1 mV}\n"
      "  r4: {pre: a, post: b, connectivity: {rule: fixed_total_number, n: 100}, weight: 1 mV}\n"
      "  r5: {pre: a, post: b, connectivity: {rule: distance, c: 0.3, lambda: 2.5}, weight: 1 mV}\n"
      "  r6: {pre: s, post: s, connectivity: {rule: list, file: data/small_list.csv}}\n");
  assert_int_equal(m->nprojs, 7);
  assert_int_equal(m->ngrids, 1);
  assert_int_equal(m->grids[0].shape[0], 4);
  assert_int_equal(m->grids[0].shape[2], 6);
  assert_float_equal(m->grids[0].spacing, 2.0, 0);
  assert_int_equal(m->pops[0].grid, 0);
  assert_int_equal(m->pops[2].grid, -1);
  for (int i = 0; i < 7; i++) assert_int_equal(m->projs[i].rule.kind, (ir_conn_kind)i);
  assert_float_equal(m->projs[2].rule.p, 0.25, 0);
  assert_true(m->projs[2].rule.allow_self);
  assert_false(m->projs[3].rule.allow_self);
  assert_int_equal(m->projs[3].rule.indegree, 10);
  assert_int_equal(m->projs[4].rule.n, 100);
  assert_float_equal(m->projs[5].rule.c, 0.3, 0);
  assert_float_equal(m->projs[5].rule.lambda, 2.5, 0);
  assert_non_null(strstr(m->projs[6].rule.file, "examples/data/small_list.csv"));
  assert_int_equal(m->projs[1].rule.loc.line, 9);
  ir_module_destroy(m);
}

static void test_rule_errors(void **state) {
  (void)state;
  expect_error(POPS "synapses:\n  x: {pre: a, post: b, connectivity: {rule: one_to_one}, weight: 1 mV}\n", 6, 45,
               "one_to_one needs pre and post of the same size");
  expect_error(POPS
               "synapses:\n  x: {pre: a, post: b, connectivity: {rule: fixed_indegree, indegree: 11}, weight: 1 mV}\n",
               6, 71, "'indegree' 11 exceeds the 10 available");
  expect_error(POPS
               "synapses:\n  x: {pre: a, post: a, connectivity: {rule: fixed_total_number, n: 91}, weight: 1 mV}\n",
               6, 68, "'n' 91 exceeds the 90 possible pairs"); /* 10*10 minus 10 self pairs */
  expect_error(POPS
               "synapses:\n  x: {pre: a, post: b, connectivity: {rule: distance, c: 0.2, lambda: 3}, weight: 1 mV}\n",
               6, 45, "needs pre and post populations laid out on the same grid");
  expect_error(POPS "synapses:\n  x: {pre: a, post: b, connectivity: {rule: distance, c: 0.2}, weight: 1 mV}\n", 6, 45,
               "needs a 'lambda' key");
  expect_error(POPS "synapses:\n  x: {pre: a, post: b, connectivity: {rule: one_to_one, p: 0.1}, weight: 1 mV}\n", 6,
               57, "unknown key 'p' in a 'one_to_one' rule");
  expect_error(POPS "synapses:\n  x: {pre: a, post: b, connectivity: {rule: all2all}, weight: 1 mV}\n", 6, 45,
               "unknown connectivity rule 'all2all'");
  expect_error(POPS "synapses:\n  x: {pre: a, post: b, connectivity: {rule: list, file: nope.csv}}\n", 6, 57,
               "cannot open 'nope.csv'");
}

/* ---------------------------------------------------------------- models and parameters */

static void test_models(void **state) {
  (void)state;
  ir_module *m = parse_ok("astroc: 1\nneurons:\n"
                          "  l: {model: lif, size: 2, params: {du: 4095, dv: 0, bias: 0.5 mV}}\n"
                          "  n: {model: nalsm_lif, size: 3, params: {kernel_cutoff: 5 ms, v_reset: -1 mV}}\n"
                          "  u: {model: amsu, size: 4, params: {tau_astro: 1 s, thresh_gain: 3 mV}}\n"
                          "astrocytes:\n"
                          "  an: {model: nalsm, params: {w_a: 0.0075}}\n"
                          "  at: {model: tripartite, size: 3, params: {glio_current: 1 mV}}\n");
  assert_int_equal(m->npops, 3);
  assert_int_equal(m->pops[0].model, IR_NEURON_LIF);
  assert_float_equal(m->pops[0].params[IR_P_LIF_DU].a, 4095, 0);
  assert_int_equal(m->pops[0].params[IR_P_LIF_DU].kind, IR_VAL_CONST);
  assert_float_equal(m->pops[0].params[IR_P_LIF_BIAS].a, 0.5, 0);
  assert_float_equal(m->pops[0].params[IR_P_LIF_TAU_U].a, 5.0, 0); /* default */
  assert_int_equal(m->pops[1].model, IR_NEURON_NALSM_LIF);
  assert_int_equal(m->pops[1].size, 3);
  assert_float_equal(m->pops[1].params[IR_P_NALSM_LIF_KERNEL_CUTOFF].a, 5, 0);
  assert_float_equal(m->pops[1].params[IR_P_NALSM_LIF_V_RESET].a, -1, 0);
  assert_float_equal(m->pops[1].params[IR_P_NALSM_LIF_TAU_V].a, 64, 0);
  assert_int_equal(m->pops[2].model, IR_NEURON_AMSU);
  assert_float_equal(m->pops[2].params[IR_P_AMSU_TAU_ASTRO].a, 1000, 0);
  assert_float_equal(m->pops[2].params[IR_P_AMSU_THRESH_GAIN].a, 3, 0);
  assert_int_equal(m->astros[0].model, IR_ASTRO_NALSM);
  assert_int_equal(m->astros[0].size, 1);
  assert_float_equal(m->astros[0].params[IR_P_NALSM_ASTRO_W_A].a, 0.0075, 0);
  assert_float_equal(m->astros[0].params[IR_P_NALSM_ASTRO_TAU].a, 100, 0);
  assert_int_equal(m->astros[1].model, IR_ASTRO_TRIPARTITE);
  assert_int_equal(m->astros[1].size, 3);
  assert_float_equal(m->astros[1].params[IR_P_TRIPARTITE_GLIO_CURRENT].a, 1, 0);
  /* node locations are the keys' locations */
  assert_int_equal(m->pops[1].loc.line, 4);
  assert_int_equal(m->pops[1].loc.col, 3);
  ir_module_destroy(m);
}

static void test_model_errors(void **state) {
  (void)state;
  expect_error("astroc: 1\nneurons:\n  a: {model: lif, size: 1, params: {taw_v: 1 ms}}\n", 3, 37,
               "unknown parameter 'taw_v' of model 'lif' (did you mean 'tau_v'?)");
  expect_error("astroc: 1\nneurons:\n  a: {model: lif, size: 1, params: {du: 4096}}\n", 3, 41, "between 0 and 4095");
  expect_error("astroc: 1\nneurons:\n  a: {model: lif, size: 1, params: {du: 1.5}}\n", 3, 41, "whole number");
  expect_error("astroc: 1\nneurons:\n  a: {model: lif, size: 1, params: {du: {uniform: [1, 2]}}}\n", 3, 41,
               "whole number");
  expect_error("astroc: 1\nneurons:\n  a: {model: nalsm, size: 1}\n", 3, 14, "unknown neuron model 'nalsm'");
  expect_error("astroc: 1\nneurons:\n  a: {size: 1}\n", 3, 3, "population 'a' needs a 'model' key");
  expect_error("astroc: 1\nneurons:\n  a: {model: lif}\n", 3, 3, "population 'a' needs a 'size' key");
  expect_error("astroc: 1\nneurons:\n  a: {model: lif, size: 0}\n", 3, 25, "'size' must be between 1");
  expect_error("astroc: 1\nneurons:\n  a: {model: lif, size: 2.5}\n", 3, 25, "'size' must be a whole number");
  expect_error("astroc: 1\nneurons:\n  a: {model: lif, size: 99999999999}\n", 3, 25, "'size' must be between 1");
  expect_error("astroc: 1\nnetwork: {numerics: fixed}\nastrocytes:\n  x: {model: li_rinzel}\n", 4, 14,
               "li_rinzel model needs float numerics");
}

/* ---------------------------------------------------------------- references */

static void test_references(void **state) {
  (void)state;
  ir_module *m = parse_ok(
      POPS "inputs:\n  i: {kind: poisson, size: 10, rate: 5 Hz}\n"
           "astrocytes:\n  x:\n    model: nalsm\n    listen: [{source: a}, {source: i, sign: -1}, {source: p2}]\n"
           "    modulates: [p2, b]\n"
           "synapses:\n"
           "  p1: {pre: i, post: a, connectivity: {rule: one_to_one}, weight: 1 mV}\n"
           "  p2: {pre: a, post: b, connectivity: {rule: all_to_all}, weight: 1 mV,\n"
           "       plasticity: {rule: astro_stdp, modulator: x, form: anti_hebbian,\n"
           "                    params: {a_minus: 1 mV, w_min: -3 mV, w_max: 0 mV}}}\n");
  assert_int_equal(m->projs[0].pre.kind, IR_NODE_INPUT);
  assert_int_equal(m->projs[0].pre.index, 0);
  assert_int_equal(m->projs[1].post.kind, IR_NODE_POPULATION);
  assert_int_equal(m->projs[1].post.index, 1);
  assert_int_equal(m->projs[1].plasticity, IR_PLAST_ASTRO_STDP);
  assert_int_equal(m->projs[1].modulator, 0);
  assert_true(m->projs[1].anti_hebbian);
  assert_float_equal(m->projs[1].plast_params[IR_P_STDP_A_MINUS].a, 1.0, 0);
  assert_float_equal(m->projs[1].plast_params[IR_P_STDP_A_PLUS].a, 0.15, 0); /* default */
  assert_float_equal(m->projs[1].plast_params[IR_P_STDP_W_MIN].a, -3.0, 0);
  assert_false(m->projs[0].anti_hebbian);
  assert_int_equal(m->projs[0].plasticity, IR_PLAST_NONE);
  assert_int_equal(m->projs[0].modulator, -1);
  const ir_astrocyte *x = &m->astros[0];
  assert_int_equal(x->nlisten, 3);
  assert_int_equal(x->listen[0].source.kind, IR_NODE_POPULATION);
  assert_int_equal(x->listen[0].sign, 1);
  assert_int_equal(x->listen[1].source.kind, IR_NODE_INPUT);
  assert_int_equal(x->listen[1].sign, -1);
  assert_int_equal(x->listen[2].source.kind, IR_NODE_PROJECTION);
  assert_int_equal(x->listen[2].source.index, 1);
  assert_int_equal(x->nmodulates, 2);
  assert_int_equal(x->modulates[0].kind, IR_NODE_PROJECTION);
  assert_int_equal(x->modulates[1].kind, IR_NODE_POPULATION);
  assert_int_equal(x->modulates[1].index, 1);
  ir_module_destroy(m);
}

static void test_reference_errors(void **state) {
  (void)state;
  const char *syn = "synapses:\n  x: {pre: a, post: %s, connectivity: {rule: all_to_all}, weight: 1 mV%s}\n";
  char buf[512];
  snprintf(buf, sizeof buf, POPS "%s", "");
  expect_error(POPS "synapses:\n  x: {pre: c, post: b, connectivity: {rule: all_to_all}, weight: 1 mV}\n", 6, 12,
               "unknown name 'c'");
  expect_error(POPS "synapses:\n  x: {pre: bb, post: b, connectivity: {rule: all_to_all}, weight: 1 mV}\n", 6, 12,
               "(did you mean 'b'?)");
  snprintf(buf, sizeof buf, POPS "inputs:\n  i: {kind: poisson, size: 5, rate: 1 Hz}\n%s", syn);
  char text[1024];
  snprintf(text, sizeof text, buf, "i", "");
  expect_error(text, 8, 21, "'i' is an input, but it must be a population");
  snprintf(text, sizeof text, buf, "b", ", plasticity: {rule: astro_stdp, modulator: a}");
  expect_error(text, 8, 114, "'a' is a population, but it must be an astrocyte");
  snprintf(text, sizeof text, buf, "b", ", plasticity: {rule: astro_stdp}");
  expect_error(text, 8, 91, "astro_stdp needs a 'modulator'");
  expect_error(POPS "neurons2: {}\n", 5, 1, "unknown key 'neurons2' in the model (did you mean 'neurons'?)");
  expect_error(POPS "inputs:\n  a: {kind: poisson, size: 5, rate: 1 Hz}\n", 6, 3,
               "duplicate name 'a': already defined as a population at line 3");
  expect_error(POPS "probes:\n  p: {target: a, var: w}\n", 6, 23, "population 'a' has no variable 'w'");
  expect_error(POPS "probes:\n  p: {target: a, var: v, neurons: [0, 10]}\n", 6, 39, "between 0 and 9, got 10");
  expect_error(POPS "astrocytes:\n  x: {model: nalsm, listen: [{source: p}]}\nprobes:\n  p: {target: a, var: v}\n", 6,
               39, "'p' is a probe, but it must be a population, an input or a projection");
  expect_error(POPS "astrocytes:\n  x: {model: nalsm, modulates: [q]}\n", 6, 33, "unknown name 'q'");
}

/* ---------------------------------------------------------------- network, inputs, probes, protocol */

static void test_network_and_defaults(void **state) {
  (void)state;
  ir_module *m = parse_ok("astroc: 1\nnetwork: {seed: 18446744073709551615, numerics: fixed}\n");
  assert_string_equal(m->name, "t"); /* file stem */
  assert_true(m->seed == UINT64_MAX);
  assert_int_equal(m->numerics, IR_NUMERICS_FIXED);
  assert_float_equal(m->dt, 1.0, 0);
  assert_float_equal(m->v_unit, 1.0, 0);
  ir_module_destroy(m);
  m = parse_ok("astroc: 1\nnetwork: {name: liquid_1}\n");
  assert_string_equal(m->name, "liquid_1");
  ir_module_destroy(m);
  expect_error("astroc: 1\nnetwork: {numerics: fixd}\n", 2, 21, "(did you mean 'fixed'?)");
  expect_error("astroc: 1\nnetwork: {dt: 0 ms}\n", 2, 15, "'dt' must be > 0 ms");
  expect_error("astroc: 1\nnetwork: {seed: -1}\n", 2, 17, "whole number");
  expect_error("astroc: 1\nnetwork: {grids: {g: {shape: [1, 2]}}}\n", 2, 30, "three sizes");
}

static void test_inputs(void **state) {
  (void)state;
  ir_module *m = parse_ok(
      "astroc: 1\nneurons:\n  inp: {model: nalsm_lif, size: 784}\ninputs:\n"
      "  po: {kind: poisson, size: 3, rate: 0.02 kHz}\n"
      "  be: {kind: bernoulli, size: 2, p: 0.05}\n"
      "  sp: {kind: spikes, size: 4, file: data/small_spikes.csv}\n"
      "  ds: {kind: dataset, size: 784, dataset: {name: fashion_mnist, split: test, encoding: rate, max_rate: 50 Hz,"
      " sample_time: 100 ms}, inject: {into: inp, current: 100 mV}}\n"
      "  db: {kind: dataset, size: 784, dataset: {name: mnist, encoding: bernoulli, p_max: 0.2}}\n");
  assert_int_equal(m->ninputs, 5);
  assert_int_equal(m->inputs[0].kind, IR_INPUT_POISSON);
  assert_float_equal(m->inputs[0].rate.a, 0.02, 1e-15); /* 20 Hz = 0.02 / ms */
  assert_int_equal(m->inputs[1].kind, IR_INPUT_BERNOULLI);
  assert_float_equal(m->inputs[1].p.a, 0.05, 0);
  assert_int_equal(m->inputs[2].kind, IR_INPUT_SPIKES);
  assert_non_null(strstr(m->inputs[2].file, "data/small_spikes.csv"));
  const ir_input *ds = &m->inputs[3];
  assert_int_equal(ds->kind, IR_INPUT_DATASET);
  assert_string_equal(ds->dataset, "fashion_mnist");
  assert_string_equal(ds->split, "test");
  assert_int_equal(ds->encoding, IR_ENC_RATE);
  assert_float_equal(ds->rate.a, 0.05, 1e-15);
  assert_float_equal(ds->sample_time.a, 100, 0);
  assert_int_equal(ds->inject_into, 0);
  assert_float_equal(ds->inject_current.a, 100, 0);
  assert_string_equal(m->inputs[4].split, "train"); /* default */
  assert_int_equal(m->inputs[4].encoding, IR_ENC_BERNOULLI);
  assert_float_equal(m->inputs[4].p.a, 0.2, 0);
  assert_int_equal(m->inputs[4].inject_into, -1);
  ir_module_destroy(m);
  expect_error("astroc: 1\ninputs:\n  x: {kind: poisson, size: 3}\n", 3, 3, "input 'x' needs a 'rate' key");
  expect_error("astroc: 1\ninputs:\n  x: {kind: poisson, size: 3, rate: 5}\n", 3, 37, "'rate' needs a frequency");
  expect_error("astroc: 1\ninputs:\n  x: {kind: bernoulli, size: 3, p: 2}\n", 3, 36, "between 0 and 1");
  expect_error("astroc: 1\ninputs:\n  x: {kind: poisson, size: 3, p: 0.1, rate: 1 Hz}\n", 3, 31, "unknown key 'p'");
  expect_error("astroc: 1\ninputs:\n  x: {kind: dataset, size: 10, dataset: {name: mnist, encoding: nalsm}}\n", 3, 48,
               "784 pixels");
  expect_error("astroc: 1\ninputs:\n  x: {kind: spikes, size: 3, file: data/small_list.csv}\n", 3, 36,
               "header 'step,neuron'");
}

static void test_probes_and_protocol(void **state) {
  (void)state;
  ir_module *m = parse_ok(
      POPS
      "synapses:\n  s: {pre: a, post: b, connectivity: {rule: all_to_all}, weight: 1 mV, plasticity: {rule: stdp}}\n"
      "probes:\n  p1: {target: a, var: u, every: 5, neurons: [3, 1]}\n  p2: {target: s, var: w}\n"
      "protocol:\n"
      "  - {name: init, kind: init, samples: 50000, sample_time: 20 ms, split: train, plasticity: true}\n"
      "  - {name: respond, kind: response, sample_time: 0.25 s, rate_decay: 0.99, restore_weights: false}\n"
      "  - {name: readout, kind: readout, epochs: 20, lr: 0.1, l2: 5e-10, optimizer: adadelta}\n");
  assert_int_equal(m->nprobes, 2);
  assert_string_equal(m->probes[0].var, "u");
  assert_int_equal(m->probes[0].every, 5);
  assert_int_equal(m->probes[0].nindices, 2);
  assert_int_equal(m->probes[0].indices[0], 3);
  assert_int_equal(m->probes[1].target.kind, IR_NODE_PROJECTION);
  assert_int_equal(m->nphases, 3);
  const ir_attrs *a = &m->phases[0].attrs;
  assert_string_equal(m->phases[0].name, "init");
  assert_string_equal(ir_attr_get(a, "kind")->u.s, "init");
  assert_int_equal(ir_attr_get(a, "samples")->u.i, 50000);
  assert_float_equal(ir_attr_get(a, "sample_time")->u.f, 20, 0);
  assert_string_equal(ir_attr_get(a, "split")->u.s, "train");
  assert_int_equal(ir_attr_get(a, "plasticity")->u.i, 1);
  a = &m->phases[1].attrs;
  assert_float_equal(ir_attr_get(a, "sample_time")->u.f, 250, 1e-9);
  assert_float_equal(ir_attr_get(a, "rate_decay")->u.f, 0.99, 0);
  assert_int_equal(ir_attr_get(a, "restore_weights")->u.i, 0);
  a = &m->phases[2].attrs;
  assert_int_equal(ir_attr_get(a, "epochs")->u.i, 20);
  assert_float_equal(ir_attr_get(a, "l2")->u.f, 5e-10, 0);
  assert_string_equal(ir_attr_get(a, "optimizer")->u.s, "adadelta");
  ir_module_destroy(m);
  expect_error("astroc: 1\nprotocol:\n  - {name: r, kind: readout, samples: 3}\n", 3, 30,
               "unknown key 'samples' in a phase of kind 'readout'");
  expect_error("astroc: 1\nprotocol:\n  - {name: r, kind: readout, optimizer: adagrad}\n", 3, 41,
               "unknown optimizer 'adagrad'");
  expect_error("astroc: 1\nprotocol:\n  - {name: r, kind: readout}\n  - {name: r, kind: init}\n", 4, 12,
               "duplicate phase name 'r'");
  expect_error("astroc: 1\nprotocol: {name: r}\n", 2, 11, "'protocol' must be a sequence, got a mapping");
}

/* ---------------------------------------------------------------- YAML-level errors */

static void test_yaml_errors(void **state) {
  (void)state;
  expect_error("", 1, 1, "empty model");
  ir_diag *d = ir_diag_create(NULL);
  assert_null(fe_yaml_parse(NULL, 0, NULL, NULL, d));
  assert_int_equal(ir_diag_error_count(d), 1);
  ir_diag_destroy(d);
  expect_error("astroc: 1\nneurons: [\n", 3, 1, "YAML syntax error");
  expect_error("astroc: 1\nneurons:\n\ta: 1\n", 3, 1, "tabs are not allowed");
  expect_error("astroc: 1\nastroc: 1\n", 2, 1, "duplicate key 'astroc' (first given at line 1)");
  expect_error("[1, 2]\n", 1, 1, "a model must be a mapping");
  expect_error("astroc: 2\n", 1, 9, "unsupported language version '2'");
  expect_error("network: {}\n", 1, 1, "'astroc: 1'");
  expect_error("astroc: 1\n? [a, b]\n: 1\n", 2, 3, "a mapping key must be a plain name");
  expect_error("astroc: 1\n--- \nastroc: 1\n", 2, 1, "one YAML document");
  expect_error("astroc: 1\nneurons: &n {x: *n}\n", 2, 10, "nested more than");
  expect_error("astroc: 1\nneurons:\n  \xff\xfe: 1\n", 3, 3, "invalid text");
  /* alias expansion is bounded: 10^6 nodes from a few lines */
  expect_error("astroc: 1\na: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
               "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
               "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
               2, 8, "more than 200000 YAML nodes");
}

/* ---------------------------------------------------------------- the reference example */

static void test_nalsm_example(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(NULL);
  ir_module *m = fe_yaml_load(SOURCE_ROOT "/examples/nalsm/nalsm1000.yaml", d);
  if (!m) fprintf(stderr, "%s\n", ir_diag_last(d));
  assert_non_null(m);
  assert_string_equal(m->name, "nalsm1000");
  assert_int_equal(m->npops, 3);
  assert_int_equal(m->pops[1].size + m->pops[2].size, 1000);
  assert_int_equal(m->nprojs, 6);
  ir_ref r;
  assert_true(ir_lookup(m, "inp_exc", &r));
  assert_int_equal(m->projs[r.index].rule.n, 94080); /* round(0.15 * 784 * 800) */
  assert_int_equal(m->projs[r.index].weight.kind, IR_VAL_CHOICE);
  assert_true(ir_lookup(m, "ie", &r));
  assert_float_equal(m->projs[r.index].rule.c, 0.3, 0);
  assert_true(m->projs[r.index].anti_hebbian);
  assert_float_equal(m->projs[r.index].plast_params[IR_P_STDP_W_MIN].a, -3, 0);
  assert_float_equal(m->astros[0].params[IR_P_NALSM_ASTRO_W_A].a, 0.015, 0);
  assert_int_equal(m->astros[0].nmodulates, 6);
  assert_int_equal(m->inputs[0].inject_into, 0);
  assert_int_equal(m->nphases, 3);
  ir_module_destroy(m);
  ir_diag_destroy(d);
  d = ir_diag_create(NULL);
  assert_null(fe_yaml_load(SOURCE_ROOT "/examples/does_not_exist.yaml", d));
  assert_int_equal(ir_diag_error_count(d), 1);
  assert_non_null(strstr(ir_diag_last(d), "cannot read the model"));
  ir_diag_destroy(d);
}

/* Every example is accepted, and what the frontend builds passes the IR verifier. */
static void test_examples_verify(void **state) {
  (void)state;
  static const char *const examples[] = {"amsu.yaml", "cuba.yaml", "li_rinzel.yaml", "lif_small.yaml",
                                         "tripartite.yaml", "nalsm/nalsm1000.yaml", "nalsm/nalsm8000.yaml"};
  for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/examples/%s", SOURCE_ROOT, examples[i]);
    ir_diag *d = ir_diag_create(stderr);
    ir_module *m = fe_yaml_load(path, d);
    assert_non_null(m);
    assert_true(ir_verify(m, d));
    assert_int_equal(ir_diag_error_count(d), 0);
    ir_module_destroy(m);
    ir_diag_destroy(d);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_units_converted),  cmocka_unit_test(test_compound_units),
      cmocka_unit_test(test_unit_errors),      cmocka_unit_test(test_value_forms),
      cmocka_unit_test(test_value_errors),     cmocka_unit_test(test_rules),
      cmocka_unit_test(test_rule_errors),      cmocka_unit_test(test_models),
      cmocka_unit_test(test_model_errors),     cmocka_unit_test(test_references),
      cmocka_unit_test(test_reference_errors), cmocka_unit_test(test_network_and_defaults),
      cmocka_unit_test(test_inputs),           cmocka_unit_test(test_probes_and_protocol),
      cmocka_unit_test(test_yaml_errors),      cmocka_unit_test(test_nalsm_example), cmocka_unit_test(test_examples_verify),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
