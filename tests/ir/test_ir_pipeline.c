/* test_ir_pipeline.c — the pass manager: order, stop on failure, verify between passes,
 * --print-after a pass or all, unknown pass names. Uses its own toy passes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ir_test_util.h"

static char trace[64];

static void note(const char *s) { strncat(trace, s, sizeof trace - strlen(trace) - 1); }

static bool pass_a(ir_module *m, ir_diag *d) {
  note("a");
  return ir_attr_set_int(m, &m->attrs, "a.ran", 1);
}
static bool pass_b(ir_module *m, ir_diag *d) {
  note("b");
  m->seed++;
  return true;
}
static bool pass_fail(ir_module *m, ir_diag *d) {
  note("f");
  ir_error(d, m->loc, "the user's model is wrong");
  return false;
}
static bool pass_break(ir_module *m, ir_diag *d) {
  note("x");
  m->dt = -1; /* a buggy pass: leaves an invalid module */
  return true;
}

static const ir_pass ab[] = {{"a", "adds an attribute", pass_a}, {"b", "bumps the seed", pass_b}};

static ir_module *small(void) {
  ir_module *m = ir_module_create("p");
  ir_add_population(m, "x", IR_NEURON_LIF, 1, (ir_loc){0});
  return m;
}

static char *run(const ir_pass *passes, size_t n, const char *after, bool verify, bool *ok, diag_buf *db) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  ir_module *m = small();
  trace[0] = '\0';
  ir_pipeline_options opt = {.print_after = after, .print_out = f, .verify_each = verify, .print = NULL};
  *ok = ir_run_pipeline(m, passes, n, &opt, db->d);
  fclose(f);
  ir_module_destroy(m);
  return text;
}

static void test_runs_in_order(void **state) {
  (void)state;
  diag_buf db;
  diag_open(&db);
  bool ok;
  char *out = run(ab, 2, NULL, true, &ok, &db);
  assert_true(ok);
  assert_string_equal(trace, "ab");
  assert_string_equal(out, "");
  free(out);
  diag_close(&db);
}

static void test_print_after_one(void **state) {
  (void)state;
  diag_buf db;
  diag_open(&db);
  bool ok;
  char *out = run(ab, 2, "a", true, &ok, &db);
  assert_true(ok);
  /* printed after a: the attribute is there and the seed not yet bumped */
  static const char head[] = "; --- after pass a ---\nastroc-ir 1\nnetwork \"p\" dt=1ms seed=0 ";
  assert_memory_equal(out, head, strlen(head));
  assert_non_null(strstr(out, "  attrs={a.ran=1}\n"));
  assert_null(strstr(out, "after pass b"));
  /* the printed text parses (the header comment is skipped) */
  ir_module *m = ir_parse(out, strlen(out), "after.ir", db.d);
  assert_non_null(m);
  ir_module_destroy(m);
  free(out);
  diag_close(&db);
}

static void test_print_after_all(void **state) {
  (void)state;
  diag_buf db;
  diag_open(&db);
  bool ok;
  char *out = run(ab, 2, "all", true, &ok, &db);
  assert_true(ok);
  char *second = strstr(out, "; --- after pass b ---\n");
  assert_non_null(second);
  assert_true(strncmp(out, "; --- after pass a ---\n", 23) == 0);
  assert_non_null(strstr(second, "seed=1 "));
  assert_null(strstr(out, "seed=1 ") < second ? strstr(out, "seed=1 ") : NULL);
  free(out);
  diag_close(&db);
}

static void test_unknown_pass_name(void **state) {
  (void)state;
  diag_buf db;
  diag_open(&db);
  bool ok;
  char *out = run(ab, 2, "expnad", true, &ok, &db);
  assert_false(ok);
  assert_string_equal(trace, ""); /* reported before anything runs */
  assert_string_equal(diag_text(&db), "astroc: error: no pass named 'expnad' to print after; the passes are 'a', 'b', or 'all'\n");
  free(out);
  diag_close(&db);
}

static void test_stops_at_failure(void **state) {
  (void)state;
  static const ir_pass p[] = {{"a", "", pass_a}, {"f", "", pass_fail}, {"b", "", pass_b}};
  diag_buf db;
  diag_open(&db);
  bool ok;
  char *out = run(p, 3, "all", true, &ok, &db);
  assert_false(ok);
  assert_string_equal(trace, "af");
  assert_null(strstr(out, "after pass f"));
  assert_string_equal(ir_diag_last(db.d), "the user's model is wrong");
  free(out);
  diag_close(&db);
}

static void test_invalid_after_pass_is_internal(void **state) {
  (void)state;
  static const ir_pass p[] = {{"a", "", pass_a}, {"x", "", pass_break}, {"b", "", pass_b}};
  diag_buf db;
  diag_open(&db);
  bool ok;
  char *out = run(p, 3, NULL, true, &ok, &db);
  assert_false(ok);
  assert_string_equal(trace, "ax");
  assert_non_null(strstr(diag_text(&db), "network: dt must be > 0, got -1 ms"));
  assert_string_equal(ir_diag_last(db.d), "internal error: IR invalid after pass 'x'");
  free(out);
  /* without verify_each the broken module goes on */
  char *out2 = run(p, 3, NULL, false, &ok, &db);
  assert_true(ok);
  assert_string_equal(trace, "axb");
  free(out2);
  diag_close(&db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_runs_in_order),     cmocka_unit_test(test_print_after_one),
      cmocka_unit_test(test_print_after_all),   cmocka_unit_test(test_unknown_pass_name),
      cmocka_unit_test(test_stops_at_failure),  cmocka_unit_test(test_invalid_after_pass_is_internal),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
