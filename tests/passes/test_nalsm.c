/* test_nalsm.c — the NALSM1000 reference configuration: liquid synapse count against its exact
 * expectation for the drawn layout, input synapse count exact; the YAML example when available. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>

#include "helpers.h"
#ifdef ASTROC_HAVE_FE
#include "fe.h"
#endif

/* Mirrors examples/nalsm/nalsm1000.yaml: populations inp, exc, inh; projections ee, ei, ie, ii,
 * inp_exc, inp_inh, in that order. */
static ir_module *build_nalsm1000(void) {
  ir_module *m = ir_module_create("nalsm1000");
  m->seed = 42;
  int32_t g = add_grid(m, "liquid", 10, 10, 10);
  int32_t inp = add_pop(m, "inp", 784, -1);
  int32_t exc = add_pop(m, "exc", 800, g), inh = add_pop(m, "inh", 200, g);
  struct {
    const char *name;
    int32_t pre, post;
    double c;
  } liquid[4] = {{"ee", exc, exc, 0.2}, {"ei", exc, inh, 0.1}, {"ie", inh, exc, 0.3}, {"ii", inh, inh, 0.05}};
  for (int k = 0; k < 4; k++) {
    int32_t p = add_proj(m, liquid[k].name, pop_ref(liquid[k].pre), pop_ref(liquid[k].post), IR_CONN_DISTANCE);
    m->projs[p].rule.c = liquid[k].c;
    m->projs[p].rule.lambda = 3.0;
    m->projs[p].weight = ir_value_const(liquid[k].pre == exc ? 3.0 : -3.0, IR_DIM_VOLTAGE);
  }
  static const double signs[2] = {-3.0, 3.0};
  int32_t p = add_proj(m, "inp_exc", pop_ref(inp), pop_ref(exc), IR_CONN_FIXED_TOTAL_NUMBER);
  m->projs[p].rule.n = 94080; /* 0.15 * 784 * 800 */
  m->projs[p].weight = (ir_value){.kind = IR_VAL_CHOICE, .dim = IR_DIM_VOLTAGE, .nchoice = 2, .choice = signs};
  p = add_proj(m, "inp_inh", pop_ref(inp), pop_ref(inh), IR_CONN_FIXED_TOTAL_NUMBER);
  m->projs[p].rule.n = 23520; /* 0.15 * 784 * 200 */
  m->projs[p].weight = m->projs[p - 1].weight;
  return m;
}

/* Exact mean and variance of the liquid synapse count given the layout: the sum over ordered
 * pairs of independent Bernoulli(p), p = c*exp(-(d/3)^2), self pairs excluded. */
static void liquid_expectation(const ir_module *m, double *mean, double *var) {
  *mean = *var = 0;
  for (uint32_t k = 0; k < 4; k++) {
    const ir_projection *pr = &m->projs[k];
    const ir_population *a = &m->pops[pr->pre.index], *b = &m->pops[pr->post.index];
    for (uint32_t i = 0; i < a->size; i++)
      for (uint32_t j = 0; j < b->size; j++) {
        if (a == b && i == j)
          continue;
        int sx = (int)(a->sites[i] % 10) - (int)(b->sites[j] % 10);
        int sy = (int)(a->sites[i] / 10 % 10) - (int)(b->sites[j] / 10 % 10);
        int sz = (int)(a->sites[i] / 100) - (int)(b->sites[j] / 100);
        double p = pr->rule.c * exp(-(double)(sx * sx + sy * sy + sz * sz) / 9.0);
        *mean += p;
        *var += p * (1 - p);
      }
  }
}

static void check_counts(ir_module *m, uint64_t counts[6]) {
  ir_diag *d = ir_diag_create(stderr);
  assert_true(pass_layout(m, d));
  assert_true(pass_expand_threads(m, d, 2));
  assert_true(ir_verify(m, d));
  ir_diag_destroy(d);
  uint64_t liquid = 0;
  for (int k = 0; k < 4; k++) {
    liquid += m->projs[k].csr->nsyn;
    assert_true(csr_well_formed(m->projs[k].csr, false));
  }
  for (uint32_t i = 0; i < 800; i++)
    assert_false(csr_has(m->projs[0].csr, i, i));
  for (uint32_t i = 0; i < 200; i++)
    assert_false(csr_has(m->projs[3].csr, i, i));
  double mean, var;
  liquid_expectation(m, &mean, &var);
  printf("NALSM1000 liquid synapses %llu, expected %.1f +- %.1f\n", (unsigned long long)liquid, mean, sqrt(var));
  /* The brief's "about 16.7k": the expectation depends on the layout only through the sum of
   * pairwise kernels, so it must land near it for any layout. */
  assert_true(mean > 16000 && mean < 17500);
  assert_true(fabs((double)liquid - mean) < 5 * sqrt(var));
  assert_int_equal(m->projs[4].csr->nsyn + m->projs[5].csr->nsyn, 117600);
  for (int k = 0; k < 6; k++)
    counts[k] = m->projs[k].csr->nsyn;
}

static uint64_t builder_counts[6];

static void test_nalsm1000_builder(void **state) {
  (void)state;
  ir_module *m = build_nalsm1000();
  check_counts(m, builder_counts);
  /* Input signs: about half +3, half -3. */
  const ir_csr *c = m->projs[4].csr;
  uint64_t pos = 0;
  for (uint64_t k = 0; k < c->nsyn; k++) {
    assert_true(c->weight[k] == 3.0f || c->weight[k] == -3.0f);
    pos += c->weight[k] > 0;
  }
  assert_true(fabs((double)pos - c->nsyn / 2.0) < 5 * sqrt(c->nsyn / 4.0));
  ir_module_destroy(m);
}

#ifdef ASTROC_HAVE_FE
/* The shipped example expands to the same network as the builder version (same seed, same node
 * order on the grid and among projections). */
static void test_nalsm1000_yaml(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(stderr);
  ir_module *m = fe_yaml_load(NALSM1000_YAML, d);
  ir_diag_destroy(d);
  assert_non_null(m);
  uint64_t counts[6];
  check_counts(m, counts);
  ir_module *b = build_nalsm1000();
  ir_diag *d2 = ir_diag_create(stderr);
  assert_true(pass_layout(b, d2) && pass_expand_threads(b, d2, 1));
  ir_diag_destroy(d2);
  for (int k = 0; k < 6; k++) {
    assert_int_equal(counts[k], b->projs[k].csr->nsyn);
    assert_true(csr_equal(m->projs[k].csr, b->projs[k].csr));
  }
  ir_module_destroy(b);
  ir_module_destroy(m);
}
#endif

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nalsm1000_builder),
#ifdef ASTROC_HAVE_FE
      cmocka_unit_test(test_nalsm1000_yaml),
#endif
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
