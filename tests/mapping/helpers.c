/* helpers.c — small targets and the pipeline runner for the mapping tests. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "helpers.h"

map_target test_small_target(uint32_t nx, uint32_t ny) {
  map_target t;
  memset(&t, 0, sizeof t);
  strcpy(t.name, "small");
  t.chips[0] = t.chips[1] = 1;
  t.cores[0] = nx;
  t.cores[1] = ny;
  t.limit[MAP_RES_COMPARTMENTS] = 64;
  t.limit[MAP_RES_ASTRO_SLOTS] = 0;
  t.limit[MAP_RES_SYN_BITS] = 16384;
  t.limit[MAP_RES_IN_AXONS] = 96;
  t.limit[MAP_RES_OUT_AXONS] = 512;
  t.limit[MAP_RES_CPROFILES] = 32;
  t.limit[MAP_RES_TPROFILES] = 8;
  t.limit[MAP_RES_FORMATS] = 8;
  t.astro_compartments = 4;
  t.fmt = (map_synfmt){64, 64, 32, 6, 8, 6};
  t.weight_bits = 8;
  t.wexp_min = -8;
  t.wexp_max = 7;
  t.delay_max = 62;
  t.stdp = t.third_factor = true;
  return t;
}

bool test_map(ir_module *m, const map_target *t, uint64_t seed, FILE *out) {
  ir_diag *d = ir_diag_create(out);
  size_t n;
  const ir_pass *p = map_pipeline(t, &n);
  map_options o = {.seed = seed, .default_rate = 0.01, .iterations = 0};
  map_context_set(t, &o);
  ir_pipeline_options po = {.verify_each = true};
  bool ok = ir_run_pipeline(m, p, n, &po, d);
  ir_diag_destroy(d);
  return ok;
}

map_target test_builtin(const char *name) {
  map_target t;
  ir_diag *d = ir_diag_create(stderr);
  assert_true(map_target_load(name, &t, d));
  ir_diag_destroy(d);
  return t;
}
