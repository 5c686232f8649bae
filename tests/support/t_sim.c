/* t_sim.c — recording rasters, creating and stepping simulations for the tests (t_sim.h). */
#include "t_sim.h"

#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void t_on_spikes(void *ctx, uint64_t step, ir_ref src, const uint32_t *idx, uint32_t n) {
  t_raster *r = ctx;
  for (uint32_t k = 0; k < n; k++) {
    if (r->n == r->cap) {
      r->cap = r->cap ? 2 * r->cap : 256;
      r->e = realloc(r->e, r->cap * sizeof(*r->e));
      assert_non_null(r->e);
    }
    r->e[r->n++] = step << 32 | (uint64_t)src.kind << 28 | (uint64_t)src.index << 20 | idx[k];
  }
}

rt_sim *t_create(const ir_module *m, const char *engine) {
  ir_diag *d = ir_diag_create(stderr);
  rt_options o = {.engine = engine, .numerics = IR_NUMERICS_FIXED};
  rt_sim *s = rt_sim_create(m, &o, d);
  ir_diag_destroy(d);
  assert_non_null(s);
  return s;
}

void t_run(rt_sim *s, uint64_t n) {
  ir_diag *d = ir_diag_create(stderr);
  bool ok = rt_sim_run(s, n, d);
  ir_diag_destroy(d);
  assert_true(ok);
}

void t_expect_create_error(const ir_module *m, const char *engine, ir_numerics num, const char *what) {
  ir_diag *d = ir_diag_create(NULL);
  rt_options o = {.engine = engine, .numerics = (int)num};
  rt_sim *s = rt_sim_create(m, &o, d);
  if (s)
    rt_sim_destroy(s);
  assert_null(s);
  if (!strstr(ir_diag_last(d), what))
    fail_msg("expected '%s' in '%s'", what, ir_diag_last(d));
  ir_diag_destroy(d);
}

bool t_rand_reset(int argc, char **argv, uint64_t *seed) {
  const char *rr = getenv("ASTROC_RTL_RAND_RESET");
  bool on = rr && *rr && strcmp(rr, "0") != 0;
  for (int k = 1; k < argc; k++)
    on = on || strcmp(argv[k], "+verilator+rand+reset+2") == 0;
  *seed = rr ? strtoull(rr, NULL, 0) : 1;
  return on;
}
