/* test_layout.c — the layout pass (distinct sites, coverage, determinism, uniformity) and the
 * distance rule against a naive all-pairs reference written here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "rng.h"

static void test_layout_coverage(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  m->seed = 42;
  int32_t g = add_grid(m, "g", 10, 10, 10);
  int32_t e = add_pop(m, "e", 800, g), i = add_pop(m, "i", 200, g), free_pop = add_pop(m, "x", 5, -1);
  ir_diag *d = ir_diag_create(stderr);
  assert_true(pass_layout(m, d));
  uint8_t seen[1000] = {0};
  for (uint32_t k = 0; k < 800; k++)
    seen[m->pops[e].sites[k]]++;
  for (uint32_t k = 0; k < 200; k++)
    seen[m->pops[i].sites[k]]++;
  for (int s = 0; s < 1000; s++)
    assert_int_equal(seen[s], 1); /* distinct and covering */
  assert_null(m->pops[free_pop].sites);
  /* Random, not the identity: sites of e are not simply 0..799. */
  uint32_t in_order = 0;
  for (uint32_t k = 0; k < 800; k++)
    in_order += m->pops[e].sites[k] == k;
  assert_true(in_order < 20);
  /* Same seed: same sites; another seed: different. */
  ir_module *m2 = ir_module_create("t");
  m2->seed = 42;
  g = add_grid(m2, "g", 10, 10, 10);
  add_pop(m2, "e", 800, g);
  add_pop(m2, "i", 200, g);
  assert_true(pass_layout(m2, d));
  assert_memory_equal(m->pops[e].sites, m2->pops[0].sites, 800 * sizeof(uint32_t));
  ir_module_destroy(m2);
  m2 = ir_module_create("t");
  m2->seed = 43;
  g = add_grid(m2, "g", 10, 10, 10);
  add_pop(m2, "e", 800, g);
  assert_true(pass_layout(m2, d));
  assert_true(memcmp(m->pops[e].sites, m2->pops[0].sites, 800 * sizeof(uint32_t)) != 0);
  ir_module_destroy(m2);
  ir_diag_destroy(d);
  ir_module_destroy(m);
}

/* Sites that already exist (e.g. parsed from IR text) are kept. */
static void test_layout_keeps_sites(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  int32_t g = add_grid(m, "g", 3, 1, 1);
  int32_t a = add_pop(m, "a", 3, g);
  uint32_t *sites = malloc(3 * sizeof *sites);
  sites[0] = 2;
  sites[1] = 0;
  sites[2] = 1;
  m->pops[a].sites = sites;
  ir_diag *d = ir_diag_create(stderr);
  assert_true(pass_layout(m, d));
  assert_ptr_equal(m->pops[a].sites, sites);
  assert_int_equal(sites[0], 2);
  ir_diag_destroy(d);
  ir_module_destroy(m);
}

static void test_layout_overflow(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  int32_t g = add_grid(m, "liquid", 4, 4, 4);
  add_pop(m, "a", 60, g);
  add_pop(m, "b", 5, g);
  ir_diag *d = ir_diag_create(NULL);
  assert_false(pass_layout(m, d));
  assert_string_equal(ir_diag_last(d), "grid 'liquid' has 64 sites but its populations need 65");
  ir_diag_destroy(d);
  ir_module_destroy(m);
}

/* The site of neuron 0 over 16000 seeds on a 16-site grid: chi-square df 15 within 5 sd. */
static void test_layout_uniform(void **state) {
  (void)state;
  uint32_t hits[16] = {0};
  ir_diag *d = ir_diag_create(stderr);
  for (uint32_t s = 0; s < 16000; s++) {
    ir_module *m = ir_module_create("t");
    m->seed = s;
    int32_t g = add_grid(m, "g", 4, 2, 2);
    add_pop(m, "a", 3, g);
    assert_true(pass_layout(m, d));
    hits[m->pops[0].sites[0]]++;
    ir_module_destroy(m);
  }
  double chi = 0;
  for (int k = 0; k < 16; k++)
    chi += (hits[k] - 1000.0) * (hits[k] - 1000.0) / 1000.0;
  assert_true(chi < 15 + 5 * sqrt(30.0));
  ir_diag_destroy(d);
}

static void test_site_coords(void **state) {
  (void)state;
  ir_grid g = {.shape = {10, 7, 3}, .spacing = 2.0};
  double xyz[3];
  pass_site_coords(&g, 123, xyz); /* 123 = 3 + 10*(5 + 7*1) */
  assert_true(xyz[0] == 6.0 && xyz[1] == 10.0 && xyz[2] == 2.0);
  pass_site_coords(&g, 0, xyz);
  assert_true(xyz[0] == 0.0 && xyz[1] == 0.0 && xyz[2] == 0.0);
}

/* ---------------------------------------------------------------- distance rule */

/* The rule as docs/passes.md states it, pair by pair. */
static bool naive_connects(const ir_module *m, uint32_t proj, uint32_t i, uint32_t j) {
  const ir_projection *pr = &m->projs[proj];
  const ir_population *a = &m->pops[pr->pre.index], *b = &m->pops[pr->post.index];
  if (pr->pre.index == pr->post.index && !pr->rule.allow_self && i == j)
    return false;
  const ir_grid *g = &m->grids[a->grid];
  uint32_t X = g->shape[0], Y = g->shape[1];
  uint32_t si = a->sites[i], sj = b->sites[j];
  double dx = ((double)(si % X) - (double)(sj % X)) * g->spacing;
  double dy = ((double)(si / X % Y) - (double)(sj / X % Y)) * g->spacing;
  double dz = ((double)(si / (X * Y)) - (double)(sj / (X * Y))) * g->spacing;
  double d = sqrt(dx * dx + dy * dy + dz * dz);
  double p = pr->rule.c * exp(-pow(d / pr->rule.lambda, 2.0));
  if (p < 1e-12)
    return false;
  uint64_t bits = rng_hash4(m->seed, (UINT64_C(2) << 32) | proj, i, j);
  return (double)(bits >> 11) / 9007199254740992.0 < p;
}

static void check_against_naive(const ir_module *m, uint32_t proj) {
  const ir_csr *c = m->projs[proj].csr;
  assert_true(csr_well_formed(c, false));
  uint64_t n = 0;
  for (uint32_t i = 0; i < c->npre; i++) {
    uint64_t k = c->row_ptr[i];
    for (uint32_t j = 0; j < c->npost; j++) {
      bool want = naive_connects(m, proj, i, j);
      bool have = k < c->row_ptr[i + 1] && c->col[k] == j;
      assert_int_equal(want, have);
      k += have;
      n += want;
    }
    assert_int_equal(k, c->row_ptr[i + 1]);
  }
  assert_int_equal(n, c->nsyn);
}

static int32_t add_distance(ir_module *m, const char *name, int32_t a, int32_t b, double c, double lambda) {
  int32_t p = add_proj(m, name, pop_ref(a), pop_ref(b), IR_CONN_DISTANCE);
  m->projs[p].rule.c = c;
  m->projs[p].rule.lambda = lambda;
  return p;
}

/* Small grid, long lambda: the table covers the grid (dense loop). */
static void test_distance_dense(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  m->seed = 2024;
  int32_t g = add_grid(m, "g", 8, 7, 6);
  m->grids[g].spacing = 1.5;
  int32_t a = add_pop(m, "a", 150, g), b = add_pop(m, "b", 100, g);
  add_distance(m, "aa", a, a, 0.7, 2.0);
  add_distance(m, "ab", a, b, 1.0, 3.0);
  int32_t ba = add_distance(m, "ba", b, b, 0.5, 1.0);
  m->projs[ba].rule.allow_self = true;
  ir_diag *d = ir_diag_create(stderr);
  assert_true(pass_layout(m, d));
  assert_true(pass_expand_threads(m, d, 2));
  for (uint32_t p = 0; p < m->nprojs; p++) {
    check_against_naive(m, p);
    assert_true(m->projs[p].csr->nsyn > 0);
  }
  ir_diag_destroy(d);
  ir_module_destroy(m);
}

/* Larger grid, short lambda: only offsets inside the cutoff are visited (sparse loop + sort). */
static void test_distance_sparse(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  m->seed = 7;
  int32_t g = add_grid(m, "g", 20, 20, 20);
  int32_t a = add_pop(m, "a", 3000, g), b = add_pop(m, "b", 2000, g);
  add_distance(m, "aa", a, a, 1.0, 0.7);
  add_distance(m, "ab", a, b, 0.3, 1.5);
  ir_diag *d = ir_diag_create(stderr);
  assert_true(pass_layout(m, d));
  assert_true(pass_expand_threads(m, d, 1));
  for (uint32_t p = 0; p < m->nprojs; p++) {
    check_against_naive(m, p);
    assert_true(m->projs[p].csr->nsyn > 1000);
  }
  ir_diag_destroy(d);
  ir_module_destroy(m);
}

static void test_distance_errors(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  int32_t g = add_grid(m, "g", 4, 4, 4);
  int32_t a = add_pop(m, "a", 10, g), b = add_pop(m, "b", 10, -1);
  add_distance(m, "ab", a, b, 0.5, 1.0);
  ir_diag *d = ir_diag_create(NULL);
  assert_true(pass_layout(m, d));
  assert_false(pass_expand(m, d));
  assert_non_null(strstr(ir_diag_last(d), "same grid"));
  ir_diag_destroy(d);
  ir_module_destroy(m);

  m = ir_module_create("t");
  g = add_grid(m, "g", 4, 4, 4);
  a = add_pop(m, "a", 10, g);
  add_distance(m, "aa", a, a, 0.5, 1.0);
  d = ir_diag_create(NULL);
  assert_false(pass_expand(m, d)); /* no layout */
  assert_non_null(strstr(ir_diag_last(d), "layout"));
  ir_diag_destroy(d);
  ir_module_destroy(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_layout_coverage), cmocka_unit_test(test_layout_keeps_sites),
      cmocka_unit_test(test_layout_overflow),
      cmocka_unit_test(test_layout_uniform),  cmocka_unit_test(test_site_coords),
      cmocka_unit_test(test_distance_dense),  cmocka_unit_test(test_distance_sparse),
      cmocka_unit_test(test_distance_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
