/* test_nalsm_map.c — NALSM 1000 and NALSM 8000 onto loihi1 and loihi2: fits, every core within its
 * limits, every neuron placed once, every route reaches its targets, the placement strictly beats
 * the naive fill on spike-hops and on the busiest link, and a seed gives one mapping. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fe.h"
#include "helpers.h"

static ir_module *load(const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/examples/nalsm/%s.yaml", ASTROC_SRC, name);
  ir_diag *d = ir_diag_create(stderr);
  ir_module *m = fe_yaml_load(path, d);
  ir_diag_destroy(d);
  assert_non_null(m);
  return m;
}

static int32_t *map_cores(const char *model, const char *target, uint64_t seed, uint32_t *n) {
  map_target t = test_builtin(target);
  ir_module *m = load(model);
  assert_true(test_map(m, &t, seed, stderr));
  map_plan *pl = map_context_plan();
  *n = pl->npieces;
  int32_t *c = malloc(sizeof *c * pl->npieces);
  uint64_t syn = 0;
  for (uint32_t q = 0; q < pl->npieces; q++) {
    c[q] = pl->pieces[q].core;
    for (int r = 0; r < MAP_RES_COUNT; r++) assert_true(pl->pieces[q].use.r[r] <= t.limit[r]);
    syn += pl->pieces[q].use.r[MAP_RES_SYN_BITS];
  }
  /* the astrocyte is hosted on one core and its modulation of the other cores is explicit */
  const ir_attr *h = ir_attr_get(&m->astros[0].attrs, "map.host_cores");
  const ir_attr *r = ir_attr_get(&m->astros[0].attrs, "map.remote_cores");
  assert_non_null(h);
  assert_non_null(r);
  uint32_t **pof = test_check_each_neuron_once(m, pl);
  test_check_routes(m, &t, pl, pof);
  test_free_pof(m, pof);
  /* strictly better than the naive fill on both the spike-hops and the busiest link */
  assert_true(pl->placed.spike_hops < pl->naive.spike_hops);
  assert_true(pl->placed.max_link < pl->naive.max_link);
  assert_true(pl->placed.inter_chip <= pl->naive.inter_chip);
  printf("%s on %s (seed %llu): %u cores, %llu synapse bits; spike-hops placed %.4g, naive %.4g (ratio %.3f); max "
         "link %.4g vs %.4g\n",
         model, target, (unsigned long long)seed, pl->npieces, (unsigned long long)syn, pl->placed.spike_hops,
         pl->naive.spike_hops, pl->naive.spike_hops / pl->placed.spike_hops, pl->placed.max_link, pl->naive.max_link);
  ir_module_destroy(m);
  return c;
}

static void test_nalsm1000_loihi1(void **state) {
  (void)state;
  uint32_t n1, n2;
  int32_t *a = map_cores("nalsm1000", "loihi1", 7, &n1);
  int32_t *b = map_cores("nalsm1000", "loihi1", 7, &n2);
  assert_int_equal(n1, n2);
  assert_memory_equal(a, b, sizeof *a * n1); /* deterministic for a seed */
  free(a);
  free(b);
}

static void test_nalsm1000_loihi2(void **state) {
  (void)state;
  uint32_t n;
  free(map_cores("nalsm1000", "loihi2", 1, &n));
}

static void test_nalsm8000_loihi1(void **state) {
  (void)state;
  uint32_t n;
  free(map_cores("nalsm8000_fashion", "loihi1", 1, &n));
  assert_true(n > 8);
}

static void test_nalsm8000_loihi2(void **state) {
  (void)state;
  uint32_t n;
  free(map_cores("nalsm8000_fashion", "loihi2", 1, &n));
  assert_true(n > 8);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nalsm1000_loihi1),
      cmocka_unit_test(test_nalsm1000_loihi2),
      cmocka_unit_test(test_nalsm8000_loihi1),
      cmocka_unit_test(test_nalsm8000_loihi2),
  };
  int r = cmocka_run_group_tests(tests, NULL, NULL);
  map_context_clear();
  return r;
}
