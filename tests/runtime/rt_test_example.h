/* rt_test_example.h — loading a model of the source tree (examples/...) through the whole compiler
 * pipeline, for the tests that run the shipped examples (tests/runtime, tests/rtl). Self-contained:
 * cmocka, the frontend and the passes only. */
#ifndef ASTROC_RT_TEST_EXAMPLE_H
#define ASTROC_RT_TEST_EXAMPLE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>

#include "fe.h"
#include "passes.h"

/* REL is relative to the source root (RT_TEST_SRCDIR, set by meson). Fails the test on any diagnostic
 * error: the examples must always compile. */
static inline ir_module *t_load_example(const char *rel) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", RT_TEST_SRCDIR, rel);
  ir_diag *d = ir_diag_create(stderr);
  ir_module *m = fe_yaml_load(path, d);
  assert_non_null(m);
  size_t n;
  const ir_pass *passes = pass_pipeline(&n);
  ir_pipeline_options po = {0};
  assert_true(ir_run_pipeline(m, passes, n, &po, d));
  ir_diag_destroy(d);
  return m;
}

#endif
