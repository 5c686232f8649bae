/* test_value.c — ir_value_sample for every ir_value kind. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "helpers.h"

enum { N = 200000 };

static void test_const_unset(void **state) {
  (void)state;
  ir_value c = ir_value_const(-3.5, IR_DIM_VOLTAGE);
  assert_true(ir_value_sample(&c, 1, 2, 3, 4) == -3.5);
  ir_value u = {.kind = IR_VAL_UNSET};
  assert_true(isnan(ir_value_sample(&u, 1, 2, 3, 4)));
}

static void test_uniform(void **state) {
  (void)state;
  ir_value v = {.kind = IR_VAL_UNIFORM, .a = -2.0, .b = 6.0};
  double s = 0, lo = 1e9, hi = -1e9;
  for (uint32_t i = 0; i < N; i++) {
    double x = ir_value_sample(&v, 9, 1, 0, i);
    assert_true(x >= -2.0 && x < 6.0);
    s += x;
    lo = x < lo ? x : lo;
    hi = x > hi ? x : hi;
  }
  assert_true(fabs(s / N - 2.0) < 5 * sqrt(64.0 / 12 / N));
  assert_true(lo < -1.99 && hi > 5.99);
  /* Pure function of the key. */
  assert_true(ir_value_sample(&v, 9, 1, 0, 17) == ir_value_sample(&v, 9, 1, 0, 17));
  assert_true(ir_value_sample(&v, 9, 1, 0, 17) != ir_value_sample(&v, 10, 1, 0, 17));
}

static void test_normal(void **state) {
  (void)state;
  ir_value v = {.kind = IR_VAL_NORMAL, .a = 1.0, .b = 0.5, .lo = -INFINITY, .hi = INFINITY};
  double s = 0, s2 = 0;
  for (uint32_t i = 0; i < N; i++) {
    double x = ir_value_sample(&v, 4, 5, i, 0);
    s += x;
    s2 += x * x;
  }
  double mean = s / N, var = s2 / N - mean * mean;
  assert_true(fabs(mean - 1.0) < 5 * 0.5 / sqrt(N));
  assert_true(fabs(var - 0.25) < 5 * 0.25 * sqrt(2.0 / N));
  /* Clipped (clamped) to [0, 1.5]: P(x > 1.5) = P(z > 1) = 0.158655, P(x < 0) = P(z < -2) = 0.02275. */
  v.lo = 0.0;
  v.hi = 1.5;
  uint32_t at_hi = 0, at_lo = 0;
  for (uint32_t i = 0; i < N; i++) {
    double x = ir_value_sample(&v, 4, 5, i, 0);
    assert_true(x >= 0.0 && x <= 1.5);
    at_hi += x == 1.5;
    at_lo += x == 0.0;
  }
  assert_true(fabs(at_hi - N * 0.158655) < 5 * sqrt(N * 0.158655 * 0.841345));
  assert_true(fabs(at_lo - N * 0.02275) < 5 * sqrt(N * 0.02275 * 0.97725));
}

static void test_choice(void **state) {
  (void)state;
  static const double opts[3] = {-3.0, 0.5, 3.0};
  ir_value v = {.kind = IR_VAL_CHOICE, .nchoice = 3, .choice = opts};
  uint32_t count[3] = {0};
  for (uint32_t i = 0; i < N; i++) {
    double x = ir_value_sample(&v, 1, 1, 1, i);
    count[x == -3.0 ? 0 : x == 0.5 ? 1 : 2]++;
    assert_true(x == -3.0 || x == 0.5 || x == 3.0);
  }
  for (int k = 0; k < 3; k++)
    assert_true(fabs(count[k] - N / 3.0) < 5 * sqrt(N * (1.0 / 3) * (2.0 / 3)));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_const_unset),
      cmocka_unit_test(test_uniform),
      cmocka_unit_test(test_normal),
      cmocka_unit_test(test_choice),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
