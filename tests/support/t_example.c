/* t_example.c — the shipped examples, loaded and compiled for the tests (t_example.h). */
#include "t_example.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>

#include "fe.h"
#include "passes.h"

ir_module *t_load_example(const char *rel) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", T_SRCDIR, rel);
  ir_diag *d = ir_diag_create(stderr);
  ir_module *m = fe_yaml_load(path, d);
  assert_non_null(m);
  size_t n;
  const ir_pass *passes = pass_pipeline(&n);
  ir_pipeline_options po = {0};
  bool ok = ir_run_pipeline(m, passes, n, &po, d);
  ir_diag_destroy(d);
  assert_true(ok);
  return m;
}
