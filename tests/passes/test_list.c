/* test_list.c — the list rule: reading, ordering, and every error with its file:line:col. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

static char path[64];

static void write_file(const char *text) {
  snprintf(path, sizeof path, "/tmp/astroc_list_XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fputs(text, f);
  fclose(f);
}

/* Builds a 5 -> 4 list projection (or 5 -> itself), expands it; returns the module. Diagnostics
 * are printed to `out` (may be NULL). */
static ir_module *expand_list(const char *text, bool self, FILE *out, bool *ok, ir_diag **dp) {
  write_file(text);
  ir_module *m = ir_module_create("t");
  m->dt = 0.5;
  int32_t a = add_pop(m, "a", 5, -1), b = self ? a : add_pop(m, "b", 4, -1);
  int32_t p = add_proj(m, "ab", pop_ref(a), pop_ref(b), IR_CONN_LIST);
  m->projs[p].rule.file = ir_arena_strdup(m->arena, path);
  ir_diag *d = ir_diag_create(out);
  *ok = pass_expand_threads(m, d, 1);
  unlink(path);
  *dp = d;
  return m;
}

static void test_list_ok(void **state) {
  (void)state;
  bool ok;
  ir_diag *d;
  ir_module *m = expand_list("pre,post,weight,delay\n"
                             "3,2,1.5,1.0\n"
                             "0,3,-2,0\n"
                             "\n"
                             "3,0,0.25,2.2\r\n"
                             "3,2,7,0\n"
                             "0,1, 4 , 0.5\n",
                             false, stderr, &ok, &d);
  assert_true(ok);
  const ir_csr *c = m->projs[0].csr;
  assert_int_equal(c->nsyn, 5);
  assert_true(csr_well_formed(c, true)); /* duplicates allowed, columns nondecreasing */
  uint64_t rp[6] = {0, 2, 2, 2, 5, 5};
  for (int i = 0; i < 6; i++)
    assert_int_equal(c->row_ptr[i], rp[i]);
  uint32_t col[5] = {1, 3, 0, 2, 2};
  float w[5] = {4.0f, -2.0f, 0.25f, 1.5f, 7.0f}; /* duplicate (3,2) keeps file order */
  uint16_t dl[5] = {1, 0, 4, 2, 0};              /* round(delay / 0.5 ms) */
  for (int k = 0; k < 5; k++) {
    assert_int_equal(c->col[k], col[k]);
    assert_true(c->weight[k] == w[k]);
    assert_int_equal(c->delay[k], dl[k]);
  }
  ir_diag_destroy(d);
  ir_module_destroy(m);
}

/* Expects failure; returns the printed diagnostics. */
static char *list_errors(const char *text, bool self, unsigned want_errors) {
  static char buf[4096];
  FILE *out = fmemopen(buf, sizeof buf, "w");
  bool ok;
  ir_diag *d;
  ir_module *m = expand_list(text, self, out, &ok, &d);
  fclose(out);
  assert_false(ok);
  assert_int_equal(ir_diag_error_count(d), want_errors);
  assert_null(m->projs[0].csr);
  ir_diag_destroy(d);
  ir_module_destroy(m);
  return buf;
}

static void test_list_errors(void **state) {
  (void)state;
  char *s = list_errors("pre,post,w,delay\n0,0,1,0\n", false, 1);
  assert_non_null(strstr(s, ":1:1: error: expected the header 'pre,post,weight,delay'"));
  s = list_errors("pre,post,weight,delay\n0,0,1,0\n5,0,1,0\n0,4,1,0\n0,1,x,0\n0,1,1,-1\n0,1\n0,1,1,0,9\n",
                  false, 6);
  assert_non_null(strstr(s, ":3:1: error: 'pre' must be an integer in [0, 5); got '5'"));
  assert_non_null(strstr(s, ":4:3: error: 'post' must be an integer in [0, 4); got '4'"));
  assert_non_null(strstr(s, ":5:5: error: 'weight' must be a number (mV); got 'x'"));
  assert_non_null(strstr(s, ":6:7: error: 'delay' must be a number of ms from 0 to 65535 steps; got '-1'"));
  assert_non_null(strstr(s, ":7:1: error: expected 4 fields"));
  assert_non_null(strstr(s, ":8:"));
  s = list_errors("pre,post,weight,delay\n0,0,1,40000\n", false, 1); /* 80000 steps at dt 0.5 */
  assert_non_null(strstr(s, ":2:7: error: 'delay'"));
  s = list_errors("pre,post,weight,delay\n2,2,1,0\n", true, 1);
  assert_non_null(strstr(s, ":2:1: error: a neuron connects to itself"));
  s = list_errors("", false, 1);
  assert_non_null(strstr(s, "the file is empty"));
  s = list_errors("pre,post,weight,delay\n-1,0,1,0\n", false, 1);
  assert_non_null(strstr(s, "got '-1'"));
}

static void test_list_missing_file(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  int32_t a = add_pop(m, "a", 5, -1);
  int32_t p = add_proj(m, "aa", pop_ref(a), pop_ref(a), IR_CONN_LIST);
  m->projs[p].rule.file = "/nonexistent/astroc/list.csv";
  ir_diag *d = ir_diag_create(NULL);
  assert_false(pass_expand(m, d));
  assert_non_null(strstr(ir_diag_last(d), "cannot open list file '/nonexistent/astroc/list.csv'"));
  ir_diag_destroy(d);
  ir_module_destroy(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_list_ok),
      cmocka_unit_test(test_list_errors),
      cmocka_unit_test(test_list_missing_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
