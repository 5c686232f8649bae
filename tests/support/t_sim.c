/* t_sim.c — recording rasters, creating and stepping simulations for the tests (t_sim.h). */
#include "t_sim.h"

#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

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
