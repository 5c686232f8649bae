/* test_expand.c — every connectivity rule on builder-made modules, weights, delays, determinism. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "rng.h"

/* Expands everything with `threads` threads; the module must be valid. */
static void expand_ok(ir_module *m, unsigned threads) {
  ir_diag *d = ir_diag_create(stderr);
  assert_true(pass_layout(m, d));
  assert_true(pass_expand_threads(m, d, threads));
  assert_int_equal(ir_diag_error_count(d), 0);
  ir_diag_destroy(d);
}

/* Expands and expects failure; returns a copy of the last message. */
static char *expand_fails(ir_module *m) {
  static char msg[512];
  ir_diag *d = ir_diag_create(NULL);
  pass_layout(m, d);
  assert_false(pass_expand_threads(m, d, 1));
  assert_true(ir_diag_error_count(d) > 0);
  snprintf(msg, sizeof msg, "%s", ir_diag_last(d));
  ir_diag_destroy(d);
  return msg;
}

/* ---------------------------------------------------------------- all_to_all, one_to_one */

static void test_all_to_all(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  int32_t a = add_pop(m, "a", 5, -1), b = add_pop(m, "b", 7, -1);
  add_proj(m, "ab", pop_ref(a), pop_ref(b), IR_CONN_ALL_TO_ALL);
  add_proj(m, "bb", pop_ref(b), pop_ref(b), IR_CONN_ALL_TO_ALL);
  int32_t self = add_proj(m, "aa", pop_ref(a), pop_ref(a), IR_CONN_ALL_TO_ALL);
  m->projs[self].rule.allow_self = true;
  expand_ok(m, 1);
  assert_int_equal(m->projs[0].csr->nsyn, 35);
  assert_int_equal(m->projs[1].csr->nsyn, 42);
  assert_int_equal(m->projs[2].csr->nsyn, 25);
  for (uint32_t i = 0; i < 7; i++) {
    assert_false(csr_has(m->projs[1].csr, i, i));
    assert_int_equal(m->projs[1].csr->row_ptr[i + 1] - m->projs[1].csr->row_ptr[i], 6);
  }
  assert_true(csr_has(m->projs[2].csr, 3, 3));
  for (uint32_t p = 0; p < 3; p++) {
    assert_true(csr_well_formed(m->projs[p].csr, false));
    assert_true(m->projs[p].csr->weight[0] == 1.0f); /* builder default weight 1 mV */
  }
  ir_module_destroy(m);
}

static void test_one_to_one(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  int32_t a = add_pop(m, "a", 8, -1), b = add_pop(m, "b", 8, -1);
  add_proj(m, "ab", pop_ref(a), pop_ref(b), IR_CONN_ONE_TO_ONE);
  int32_t s = add_proj(m, "aa", pop_ref(a), pop_ref(a), IR_CONN_ONE_TO_ONE);
  m->projs[s].rule.allow_self = true;
  expand_ok(m, 1);
  for (int p = 0; p < 2; p++) {
    const ir_csr *c = m->projs[p].csr;
    assert_int_equal(c->nsyn, 8);
    for (uint32_t i = 0; i < 8; i++) {
      assert_int_equal(c->row_ptr[i], i);
      assert_int_equal(c->col[i], i);
    }
  }
  ir_module_destroy(m);

  m = ir_module_create("t");
  a = add_pop(m, "a", 8, -1);
  b = add_pop(m, "b", 9, -1);
  add_proj(m, "ab", pop_ref(a), pop_ref(b), IR_CONN_ONE_TO_ONE);
  assert_non_null(strstr(expand_fails(m), "same size"));
  ir_module_destroy(m);

  m = ir_module_create("t");
  a = add_pop(m, "a", 8, -1);
  add_proj(m, "aa", pop_ref(a), pop_ref(a), IR_CONN_ONE_TO_ONE);
  assert_non_null(strstr(expand_fails(m), "allow_self"));
  ir_module_destroy(m);
}

/* ---------------------------------------------------------------- fixed_probability */

static void test_fixed_probability(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  m->seed = 11;
  int32_t a = add_pop(m, "a", 2000, -1), b = add_pop(m, "b", 1000, -1);
  int32_t p = add_proj(m, "ab", pop_ref(a), pop_ref(b), IR_CONN_FIXED_PROBABILITY);
  m->projs[p].rule.p = 0.05;
  int32_t q = add_proj(m, "bb", pop_ref(b), pop_ref(b), IR_CONN_FIXED_PROBABILITY);
  m->projs[q].rule.p = 0.3;
  expand_ok(m, 1);
  const ir_csr *c = m->projs[p].csr;
  assert_true(csr_well_formed(c, false));
  double n = 2000.0 * 1000.0, mean = n * 0.05, sd = sqrt(n * 0.05 * 0.95);
  assert_true(fabs((double)c->nsyn - mean) < 5 * sd);
  /* Each post column is Binomial(2000, 0.05): chi-square over 1000 columns, df about 1000,
   * expectation sum(var/mean) = 1000*0.95, sd about sqrt(2*1000). A skipping bug biases columns. */
  uint32_t *colcount = calloc(1000, sizeof *colcount);
  for (uint64_t k = 0; k < c->nsyn; k++)
    colcount[c->col[k]]++;
  double chi = 0, e = 2000 * 0.05;
  for (int j = 0; j < 1000; j++)
    chi += (colcount[j] - e) * (colcount[j] - e) / e;
  assert_true(fabs(chi - 950.0) < 5 * sqrt(2000.0));
  free(colcount);
  /* Same population: no self-connections, mean over the 1000*999 allowed pairs. */
  c = m->projs[q].csr;
  assert_true(csr_well_formed(c, false));
  for (uint32_t i = 0; i < 1000; i++)
    assert_false(csr_has(c, i, i));
  n = 1000.0 * 999.0;
  assert_true(fabs((double)c->nsyn - n * 0.3) < 5 * sqrt(n * 0.3 * 0.7));
  ir_module_destroy(m);
}

static void test_fixed_probability_edges(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  int32_t a = add_pop(m, "a", 30, -1);
  int32_t p0 = add_proj(m, "p0", pop_ref(a), pop_ref(a), IR_CONN_FIXED_PROBABILITY);
  int32_t p1 = add_proj(m, "p1", pop_ref(a), pop_ref(a), IR_CONN_FIXED_PROBABILITY);
  m->projs[p0].rule.p = 0.0;
  m->projs[p1].rule.p = 1.0;
  expand_ok(m, 1);
  assert_int_equal(m->projs[p0].csr->nsyn, 0);
  assert_int_equal(m->projs[p1].csr->nsyn, 30 * 29);
  ir_module_destroy(m);

  m = ir_module_create("t");
  a = add_pop(m, "a", 30, -1);
  p0 = add_proj(m, "bad", pop_ref(a), pop_ref(a), IR_CONN_FIXED_PROBABILITY);
  m->projs[p0].rule.p = 1.5;
  assert_non_null(strstr(expand_fails(m), "[0, 1]"));
  ir_module_destroy(m);
}

/* ---------------------------------------------------------------- fixed_indegree */

static void test_fixed_indegree(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  m->seed = 5;
  int32_t a = add_pop(m, "a", 300, -1), b = add_pop(m, "b", 200, -1);
  int32_t p = add_proj(m, "ab", pop_ref(a), pop_ref(b), IR_CONN_FIXED_INDEGREE);
  m->projs[p].rule.indegree = 20;
  int32_t q = add_proj(m, "aa", pop_ref(a), pop_ref(a), IR_CONN_FIXED_INDEGREE);
  m->projs[q].rule.indegree = 299; /* every other neuron */
  expand_ok(m, 1);
  const ir_csr *c = m->projs[p].csr;
  assert_true(csr_well_formed(c, false)); /* strictly ascending rows: pairs are distinct */
  assert_int_equal(c->nsyn, 20 * 200);
  uint32_t indeg[200] = {0};
  for (uint64_t k = 0; k < c->nsyn; k++)
    indeg[c->col[k]]++;
  for (int j = 0; j < 200; j++)
    assert_int_equal(indeg[j], 20);
  /* Out-degrees are Binomial(200, 1/15): chi-square expectation 300*(14/15), sd about sqrt(600). */
  double chi = 0, e = 200.0 / 15.0;
  for (uint32_t i = 0; i < 300; i++) {
    double o = (double)(c->row_ptr[i + 1] - c->row_ptr[i]);
    chi += (o - e) * (o - e) / e;
  }
  assert_true(fabs(chi - 280.0) < 5 * sqrt(600.0));
  c = m->projs[q].csr;
  assert_int_equal(c->nsyn, 300 * 299);
  for (uint32_t i = 0; i < 300; i++)
    assert_false(csr_has(c, i, i));
  ir_module_destroy(m);

  m = ir_module_create("t");
  a = add_pop(m, "a", 10, -1);
  p = add_proj(m, "aa", pop_ref(a), pop_ref(a), IR_CONN_FIXED_INDEGREE);
  m->projs[p].rule.indegree = 10;
  assert_non_null(strstr(expand_fails(m), "exceeds the 9 possible"));
  ir_module_destroy(m);
}

/* ---------------------------------------------------------------- fixed_total_number */

static void test_fixed_total_number(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  m->seed = 8;
  int32_t a = add_pop(m, "a", 50, -1), b = add_pop(m, "b", 40, -1);
  int32_t inp = ir_add_input(m, "in", IR_INPUT_POISSON, 60, NOLOC);
  uint64_t want[4] = {600, 1800, 50 * 49 - 1, 1000};
  int32_t p0 = add_proj(m, "sparse", pop_ref(a), pop_ref(b), IR_CONN_FIXED_TOTAL_NUMBER);
  int32_t p1 = add_proj(m, "dense", pop_ref(a), pop_ref(b), IR_CONN_FIXED_TOTAL_NUMBER);
  int32_t p2 = add_proj(m, "self", pop_ref(a), pop_ref(a), IR_CONN_FIXED_TOTAL_NUMBER);
  int32_t p3 = add_proj(m, "input", input_ref(inp), pop_ref(b), IR_CONN_FIXED_TOTAL_NUMBER);
  m->projs[p0].rule.n = want[0];
  m->projs[p1].rule.n = want[1];
  m->projs[p2].rule.n = want[2];
  m->projs[p3].rule.n = want[3];
  expand_ok(m, 1);
  for (int p = 0; p < 4; p++) {
    assert_int_equal(m->projs[p].csr->nsyn, want[p]);
    assert_true(csr_well_formed(m->projs[p].csr, false)); /* distinct pairs */
  }
  for (uint32_t i = 0; i < 50; i++)
    assert_false(csr_has(m->projs[p2].csr, i, i));
  assert_int_equal(m->projs[p3].csr->npre, 60);
  ir_module_destroy(m);

  m = ir_module_create("t");
  a = add_pop(m, "a", 4, -1);
  p0 = add_proj(m, "aa", pop_ref(a), pop_ref(a), IR_CONN_FIXED_TOTAL_NUMBER);
  m->projs[p0].rule.n = 13;
  assert_non_null(strstr(expand_fails(m), "exceeds the 12 possible pairs"));
  ir_module_destroy(m);
}

/* Uniform over pairs: over 3000 seeds, each of 12 pairs is chosen with probability n/12, for n on
 * both sides of the complement switch (n=5: the chosen set; n=9: the excluded set). */
static void test_fixed_total_number_uniform(void **state) {
  (void)state;
  const uint32_t seeds = 3000;
  for (uint64_t n = 5; n <= 9; n += 4) {
    uint32_t hits[12] = {0};
    for (uint32_t s = 0; s < seeds; s++) {
      ir_module *m = ir_module_create("t");
      m->seed = s;
      int32_t a = add_pop(m, "a", 4, -1), b = add_pop(m, "b", 3, -1);
      int32_t p = add_proj(m, "ab", pop_ref(a), pop_ref(b), IR_CONN_FIXED_TOTAL_NUMBER);
      m->projs[p].rule.n = n;
      expand_ok(m, 1);
      const ir_csr *c = m->projs[p].csr;
      for (uint32_t i = 0; i < 4; i++)
        for (uint64_t k = c->row_ptr[i]; k < c->row_ptr[i + 1]; k++)
          hits[i * 3 + c->col[k]]++;
      ir_module_destroy(m);
    }
    double q = (double)n / 12.0, mean = seeds * q, sd = sqrt(seeds * q * (1 - q));
    for (int k = 0; k < 12; k++)
      assert_true(fabs(hits[k] - mean) < 5 * sd);
  }
}

/* ---------------------------------------------------------------- weights and delays */

static void test_weights_and_delays(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  m->seed = 3;
  m->dt = 0.1;
  int32_t a = add_pop(m, "a", 40, -1), b = add_pop(m, "b", 50, -1);
  int32_t p = add_proj(m, "ab", pop_ref(a), pop_ref(b), IR_CONN_ALL_TO_ALL);
  m->projs[p].weight = (ir_value){.kind = IR_VAL_UNIFORM, .dim = IR_DIM_VOLTAGE, .a = 1.0, .b = 3.0};
  m->projs[p].delay = ir_value_const(2.44, IR_DIM_TIME);
  expand_ok(m, 1);
  const ir_csr *c = m->projs[p].csr;
  double s = 0;
  for (uint32_t i = 0; i < 40; i++)
    for (uint64_t k = c->row_ptr[i]; k < c->row_ptr[i + 1]; k++) {
      assert_int_equal(c->delay[k], 24); /* round(2.44 / 0.1) */
      assert_true(c->weight[k] >= 1.0f && c->weight[k] <= 3.0f);
      /* The documented key: uniform a + (b-a)*u01(hash(seed, WEIGHT stream of projection 0, pre, post)). */
      double u = (double)(rng_hash4(3, (UINT64_C(3) << 32) | 0, i, c->col[k]) >> 11) / 9007199254740992.0;
      assert_true(c->weight[k] == (float)(1.0 + 2.0 * u));
      s += c->weight[k];
    }
  assert_true(fabs(s / 2000 - 2.0) < 5 * sqrt(4.0 / 12 / 2000));
  ir_module_destroy(m);

  m = ir_module_create("t");
  a = add_pop(m, "a", 4, -1);
  p = add_proj(m, "aa", pop_ref(a), pop_ref(a), IR_CONN_ALL_TO_ALL);
  m->projs[p].delay = ir_value_const(70000.0, IR_DIM_TIME);
  assert_non_null(strstr(expand_fails(m), "65535"));
  ir_module_destroy(m);

  m = ir_module_create("t");
  a = add_pop(m, "a", 40, -1);
  p = add_proj(m, "aa", pop_ref(a), pop_ref(a), IR_CONN_ALL_TO_ALL);
  m->projs[p].delay = (ir_value){.kind = IR_VAL_NORMAL, .dim = IR_DIM_TIME, .a = 1.0, .b = 2.0,
                                 .lo = -INFINITY, .hi = INFINITY};
  assert_non_null(strstr(expand_fails(m), "outside 0..65535"));
  ir_module_destroy(m);
}

/* ---------------------------------------------------------------- determinism */

/* A module with one projection of every random rule and drawn weights/delays. */
static ir_module *random_module(uint64_t seed) {
  ir_module *m = ir_module_create("t");
  m->seed = seed;
  int32_t g = add_grid(m, "g", 12, 12, 12);
  int32_t a = add_pop(m, "a", 1200, g), b = add_pop(m, "b", 500, g);
  ir_value w = {.kind = IR_VAL_NORMAL, .dim = IR_DIM_VOLTAGE, .a = 2, .b = 1, .lo = 0, .hi = 4};
  ir_value dl = {.kind = IR_VAL_UNIFORM, .dim = IR_DIM_TIME, .a = 0, .b = 5};
  int32_t p = add_proj(m, "fp", pop_ref(a), pop_ref(b), IR_CONN_FIXED_PROBABILITY);
  m->projs[p].rule.p = 0.1;
  p = add_proj(m, "fi", pop_ref(b), pop_ref(a), IR_CONN_FIXED_INDEGREE);
  m->projs[p].rule.indegree = 30;
  p = add_proj(m, "ft", pop_ref(a), pop_ref(a), IR_CONN_FIXED_TOTAL_NUMBER);
  m->projs[p].rule.n = 50000;
  p = add_proj(m, "di", pop_ref(a), pop_ref(a), IR_CONN_DISTANCE);
  m->projs[p].rule.c = 0.4;
  m->projs[p].rule.lambda = 2.0; /* cutoff beyond the grid: the dense loop */
  p = add_proj(m, "ds", pop_ref(a), pop_ref(b), IR_CONN_DISTANCE);
  m->projs[p].rule.c = 1.0;
  m->projs[p].rule.lambda = 0.6; /* cutoff about 3 sites: the sparse loop */
  for (uint32_t i = 0; i < m->nprojs; i++) {
    m->projs[i].weight = w;
    m->projs[i].delay = dl;
  }
  return m;
}

static void test_determinism(void **state) {
  (void)state;
  ir_module *m1 = random_module(99), *m2 = random_module(99), *m3 = random_module(100);
  ir_module *m4 = random_module(99);
  expand_ok(m1, 1);
  expand_ok(m2, 2);
  expand_ok(m3, 1);
  expand_ok(m4, 3);
  for (uint32_t p = 0; p < m1->nprojs; p++) {
    assert_true(csr_equal(m1->projs[p].csr, m2->projs[p].csr)); /* 1 vs 2 threads */
    assert_true(csr_equal(m1->projs[p].csr, m4->projs[p].csr)); /* 1 vs 3 threads */
    assert_false(csr_equal(m1->projs[p].csr, m3->projs[p].csr)); /* another seed */
  }
  ir_module_destroy(m1);
  ir_module_destroy(m2);
  ir_module_destroy(m3);
  ir_module_destroy(m4);
}

static void test_pipeline(void **state) {
  (void)state;
  size_t n = 0;
  const ir_pass *p = pass_pipeline(&n);
  assert_int_equal(n, 2);
  assert_string_equal(p[0].name, "layout");
  assert_string_equal(p[1].name, "expand");
  ir_module *m = random_module(1);
  ir_diag *d = ir_diag_create(stderr);
  ir_pipeline_options opt = {.verify_each = true};
  assert_true(ir_run_pipeline(m, p, n, &opt, d)); /* the verifier accepts every expanded CSR */
  for (uint32_t i = 0; i < m->nprojs; i++)
    assert_non_null(m->projs[i].csr);
  ir_diag_destroy(d);
  ir_module_destroy(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_all_to_all),
      cmocka_unit_test(test_one_to_one),
      cmocka_unit_test(test_fixed_probability),
      cmocka_unit_test(test_fixed_probability_edges),
      cmocka_unit_test(test_fixed_indegree),
      cmocka_unit_test(test_fixed_total_number),
      cmocka_unit_test(test_fixed_total_number_uniform),
      cmocka_unit_test(test_weights_and_delays),
      cmocka_unit_test(test_determinism),
      cmocka_unit_test(test_pipeline),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
