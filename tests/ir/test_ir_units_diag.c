/* test_ir_units_diag.c — units (ir/units.c), diagnostics and did-you-mean (ir/diag.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "ir_test_util.h"

static void expect_unit(const char *unit, ir_dim dim, double factor) {
  ir_dim d;
  double f;
  if (!ir_unit_parse(unit, &d, &f)) fail_msg("unit '%s' rejected", unit);
  if (!ir_dim_eq(d, dim)) fail_msg("unit '%s': wrong dimension %s", unit, ir_dim_name(d));
  /* factors are products/quotients of powers of ten: compare to 1e-12 relative */
  if (fabs(f - factor) > 1e-12 * fabs(factor)) fail_msg("unit '%s': factor %.17g, want %.17g", unit, f, factor);
}

static void test_unit_atoms(void **state) {
  (void)state;
  expect_unit("ms", IR_DIM_TIME, 1);
  expect_unit("s", IR_DIM_TIME, 1000);
  expect_unit("us", IR_DIM_TIME, 0.001);
  expect_unit("min", IR_DIM_TIME, 60000);
  expect_unit("Hz", IR_DIM_RATE, 0.001);
  expect_unit("kHz", IR_DIM_RATE, 1);
  expect_unit("V", IR_DIM_VOLTAGE, 1000);
  expect_unit("mV", IR_DIM_VOLTAGE, 1);
  expect_unit("uV", IR_DIM_VOLTAGE, 0.001);
  expect_unit("nA", IR_DIM_CURRENT, 1);
  expect_unit("pA", IR_DIM_CURRENT, 0.001);
  expect_unit("uA", IR_DIM_CURRENT, 1000);
  expect_unit("uM", IR_DIM_CONC, 1);
  expect_unit("mM", IR_DIM_CONC, 1000);
  expect_unit("nM", IR_DIM_CONC, 0.001);
}

static void test_unit_compounds(void **state) {
  (void)state;
  expect_unit("uM/ms", IR_DIM_CONC_RATE, 1);
  expect_unit("mM/s", IR_DIM_CONC_RATE, 1);
  expect_unit("1/(uM*ms)", IR_DIM_PER_CONC_TIME, 1);
  expect_unit("1/(mM*s)", IR_DIM_PER_CONC_TIME, 1e-6);
  expect_unit("1/ms", IR_DIM_RATE, 1);
  expect_unit("1/s", IR_DIM_RATE, 0.001);
  expect_unit("Hz*ms", IR_DIM_NONE, 0.001);
  expect_unit(" mV ", IR_DIM_VOLTAGE, 1);
  expect_unit("(mV)", IR_DIM_VOLTAGE, 1);
  expect_unit("1", IR_DIM_NONE, 1);
}

static void test_unit_rejects(void **state) {
  (void)state;
  static const char *const bad[] = {"", "m", "mVV", "mv", "MS", "1/", "(ms", "ms)", "ms*", "10", "12ms", "ms ms", "/ms"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ir_dim d;
    double f;
    if (ir_unit_parse(bad[i], &d, &f)) fail_msg("unit '%s' accepted", bad[i]);
  }
}

/* Every named dimension's canonical unit parses back to that dimension, and printing v*factor
 * in it recovers v (the printer's contract). */
static void test_canonical_units(void **state) {
  (void)state;
  static const ir_dim dims[] = {IR_DIMI_NONE,    IR_DIMI_TIME, IR_DIMI_RATE,      IR_DIMI_VOLTAGE,
                                IR_DIMI_CURRENT, IR_DIMI_CONC, IR_DIMI_CONC_RATE, IR_DIMI_PER_CONC_TIME};
  static const char *const names[] = {"dimensionless", "time", "frequency", "voltage", "current", "concentration",
                                      "concentration/time", "1/(concentration*time)"};
  static const char *const units[] = {"", "ms", "Hz", "mV", "nA", "uM", "uM/ms", "1/(uM*ms)"};
  for (size_t i = 0; i < 8; i++) {
    assert_string_equal(ir_dim_name(dims[i]), names[i]);
    assert_string_equal(ir_unit_canonical(dims[i]), units[i]);
    if (i == 0) continue;
    ir_dim d;
    double f;
    assert_true(ir_unit_parse(units[i], &d, &f));
    assert_true(ir_dim_eq(d, dims[i]));
    assert_true(fabs(ir_unit_print_factor(dims[i]) * f - 1.0) < 1e-15);
  }
  assert_string_equal(ir_dim_name((ir_dim){2, 0, 0, 0}), "compound dimension");
  assert_true(ir_unit_print_factor(IR_DIM_RATE) == 1000.0);
}

static void test_did_you_mean(void **state) {
  (void)state;
  static const char *const names[] = {"tau_v", "tau_u", "v_th", "refractory", "lif"};
  assert_string_equal(ir_did_you_mean("tau_w", names, 5), "tau_v"); /* tie: the first */
  assert_string_equal(ir_did_you_mean("refactory", names, 5), "refractory");
  assert_string_equal(ir_did_you_mean("vth", names, 5), "v_th");
  assert_string_equal(ir_did_you_mean("lof", names, 5), "lif");
  assert_null(ir_did_you_mean("banana", names, 5));
  assert_null(ir_did_you_mean("x", names, 0));
  /* an adjacent transposition is one edit (optimal string alignment), so a swapped pair is caught */
  assert_string_equal(ir_did_you_mean("lfi", names, 5), "lif");
}

static void test_diag_format(void **state) {
  (void)state;
  diag_buf db;
  diag_open(&db);
  const char *src = "astroc: 1\nneurons:\n\texc: {size: -1}\n";
  ir_diag_add_source(db.d, "m.yaml", src, strlen(src));
  ir_error(db.d, ((ir_loc){"m.yaml", 3, 14}), "size must be >= 1, got '%d'", -1);
  ir_warning(db.d, ((ir_loc){"other.yaml", 2, 0}), "w");
  ir_note(db.d, ((ir_loc){"m.yaml", 0, 0}), "n");
  ir_error(db.d, ((ir_loc){NULL, 0, 0}), "no location");
  assert_string_equal(diag_text(&db),
                      "m.yaml:3:14: error: size must be >= 1, got '-1'\n"
                      "    3 | \texc: {size: -1}\n"
                      "      | \t            ^\n"
                      "other.yaml:2:1: warning: w\n"
                      "m.yaml: note: n\n"
                      "astroc: error: no location\n");
  assert_int_equal(ir_diag_error_count(db.d), 2);
  assert_string_equal(ir_diag_last(db.d), "no location");
  diag_close(&db);
}

static void test_diag_caret_past_end_and_crlf(void **state) {
  (void)state;
  diag_buf db;
  diag_open(&db);
  const char *src = "ab\r\ncd";
  ir_diag_add_source(db.d, "w.yaml", src, strlen(src));
  ir_error(db.d, ((ir_loc){"w.yaml", 1, 9}), "x");
  ir_error(db.d, ((ir_loc){"w.yaml", 2, 2}), "y");
  ir_error(db.d, ((ir_loc){"w.yaml", 7, 1}), "beyond the last line");
  assert_string_equal(diag_text(&db), "w.yaml:1:9: error: x\n"
                                      "    1 | ab\n"
                                      "      |   ^\n"
                                      "w.yaml:2:2: error: y\n"
                                      "    2 | cd\n"
                                      "      |  ^\n"
                                      "w.yaml:7:1: error: beyond the last line\n");
  diag_close(&db);
}

static void test_diag_null_out_counts(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(NULL);
  assert_string_equal(ir_diag_last(d), "");
  ir_error(d, ((ir_loc){NULL, 0, 0}), "a %s", "b");
  assert_int_equal(ir_diag_error_count(d), 1);
  assert_string_equal(ir_diag_last(d), "a b");
  ir_diag_destroy(d);
}

static void test_diag_color(void **state) {
  (void)state;
  diag_buf db;
  diag_open(&db);
  ir_diag_set_color(db.d, true);
  ir_error(db.d, ((ir_loc){"f", 1, 2}), "c");
  assert_string_equal(diag_text(&db), "f:1:2: \033[1;31merror:\033[0m c\n");
  diag_close(&db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unit_atoms),      cmocka_unit_test(test_unit_compounds),
      cmocka_unit_test(test_unit_rejects),    cmocka_unit_test(test_canonical_units),
      cmocka_unit_test(test_did_you_mean),    cmocka_unit_test(test_diag_format),
      cmocka_unit_test(test_diag_caret_past_end_and_crlf), cmocka_unit_test(test_diag_null_out_counts),
      cmocka_unit_test(test_diag_color),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
