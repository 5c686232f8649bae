/* test_spec.c — docs/passes.md reimplemented naively (from the text, using only rng.h's primitives)
 * and compared with the passes: layout, fixed_probability, fixed_indegree, fixed_total_number. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "rng.h"

#define CONN(p) ((UINT64_C(2) << 32) | (p))

static void expand(ir_module *m) {
  ir_diag *d = ir_diag_create(stderr);
  assert_true(pass_layout(m, d));
  assert_true(pass_expand_threads(m, d, 2));
  ir_diag_destroy(d);
}

/* A dense 0/1 matrix of the expected synapses. */
static uint8_t *matrix(uint32_t npre, uint32_t npost) {
  return calloc((size_t)npre * npost, 1);
}

static void assert_matches(const ir_csr *c, const uint8_t *want) {
  uint64_t n = 0;
  for (uint32_t i = 0; i < c->npre; i++) {
    for (uint64_t k = c->row_ptr[i]; k < c->row_ptr[i + 1]; k++)
      assert_int_equal(want[(size_t)i * c->npost + c->col[k]], 1);
    for (uint32_t j = 0; j < c->npost; j++)
      n += want[(size_t)i * c->npost + j];
  }
  assert_int_equal(n, c->nsyn);
}

static void test_spec_layout(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  m->seed = 77;
  add_grid(m, "unused", 2, 2, 2);
  int32_t g = add_grid(m, "g", 5, 4, 3);
  int32_t a = add_pop(m, "a", 20, g), b = add_pop(m, "b", 30, g);
  expand(m);
  uint32_t perm[60];
  for (uint32_t i = 0; i < 60; i++)
    perm[i] = i;
  for (uint32_t i = 59; i >= 1; i--) {
    uint32_t j = (uint32_t)rng_below(rng_hash4(77, (UINT64_C(1) << 32) | 1, i, 0), i + 1);
    uint32_t t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  assert_memory_equal(m->pops[a].sites, perm, 20 * sizeof(uint32_t));
  assert_memory_equal(m->pops[b].sites, perm + 20, 30 * sizeof(uint32_t));
  ir_module_destroy(m);
}

static void test_spec_fixed_probability(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  m->seed = 5;
  int32_t a = add_pop(m, "a", 300, -1);
  int32_t p = add_proj(m, "aa", pop_ref(a), pop_ref(a), IR_CONN_FIXED_PROBABILITY);
  m->projs[p].rule.p = 0.07;
  expand(m);
  uint8_t *want = matrix(300, 300);
  double inv = 1.0 / log1p(-0.07);
  for (uint32_t i = 0; i < 300; i++) {
    uint64_t next = 0;
    for (uint64_t k = 0;; k++) {
      double g = log(1.0 - rng_u01(rng_hash4(5, CONN(0), i, k))) * inv;
      if (g >= (double)(300 - next))
        break;
      uint64_t j = next + (uint64_t)floor(g);
      next = j + 1;
      if (j != i)
        want[i * 300 + j] = 1;
    }
  }
  assert_matches(m->projs[p].csr, want);
  free(want);
  ir_module_destroy(m);
}

static void test_spec_fixed_indegree(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  m->seed = 6;
  int32_t a = add_pop(m, "a", 40, -1);
  int32_t p = add_proj(m, "aa", pop_ref(a), pop_ref(a), IR_CONN_FIXED_INDEGREE);
  m->projs[p].rule.indegree = 7;
  expand(m);
  uint8_t *want = matrix(40, 40);
  uint32_t nc = 39, k = 7;
  for (uint32_t j = 0; j < 40; j++) {
    uint32_t taken[7], nt = 0;
    for (uint32_t t = nc - k; t < nc; t++) {
      uint32_t r = (uint32_t)rng_below(rng_hash4(6, CONN(0), j, t - (nc - k)), t + 1);
      for (uint32_t q = 0; q < nt; q++)
        if (taken[q] == r)
          r = t;
      taken[nt++] = r;
    }
    for (uint32_t q = 0; q < nt; q++) {
      uint32_t pre = taken[q] >= j ? taken[q] + 1 : taken[q];
      want[pre * 40 + j] = 1;
    }
  }
  assert_matches(m->projs[p].csr, want);
  free(want);
  ir_module_destroy(m);
}

/* Floyd over pair numbers with a linear-search set, for n on both sides of N/2. */
static void test_spec_fixed_total_number(void **state) {
  (void)state;
  for (uint64_t n = 100; n <= 500; n += 400) {
    ir_module *m = ir_module_create("t");
    m->seed = 9;
    int32_t a = add_pop(m, "a", 25, -1), b = add_pop(m, "b", 24, -1);
    add_proj(m, "bb", pop_ref(b), pop_ref(b), IR_CONN_ALL_TO_ALL); /* projection 0 */
    int32_t p = add_proj(m, "aa", pop_ref(a), pop_ref(a), IR_CONN_FIXED_TOTAL_NUMBER);
    m->projs[p].rule.n = n;
    expand(m);
    uint64_t M = 24, N = 25 * 24;
    bool complement = 2 * n > N;
    uint64_t cnt = complement ? N - n : n, set[600], ns = 0;
    for (uint64_t t = N - cnt; t < N; t++) {
      uint64_t x = rng_below(rng_hash4(9, CONN(1), t - (N - cnt), complement), t + 1);
      for (uint64_t q = 0; q < ns; q++)
        if (set[q] == x)
          x = t;
      set[ns++] = x;
    }
    uint8_t *want = matrix(25, 25);
    for (uint64_t q = 0; q < N; q++) {
      bool in = false;
      for (uint64_t s = 0; s < ns; s++)
        in |= set[s] == q;
      if (in != complement) {
        uint64_t i = q / M, r = q % M;
        want[i * 25 + (r >= i ? r + 1 : r)] = 1;
      }
    }
    assert_matches(m->projs[p].csr, want);
    free(want);
    ir_module_destroy(m);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spec_layout),
      cmocka_unit_test(test_spec_fixed_probability),
      cmocka_unit_test(test_spec_fixed_indegree),
      cmocka_unit_test(test_spec_fixed_total_number),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
