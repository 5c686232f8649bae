/* test_rng.c — the counter-based generator: known answers, statistics, helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "rng.h"

/* Known answers computed by an independent Python implementation of docs/passes.md. */
static void test_known_answers(void **state) {
  (void)state;
  assert_true(rng_hash4(0, 0, 0, 0) == UINT64_C(0x92d133245486edc5));
  assert_true(rng_hash4(42, RNG_STREAM(2, 3), 17, 5) == UINT64_C(0xb9574cc934cc8d20));
  assert_true(rng_hash4(UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX) == UINT64_C(0x8b2a4f55439e8e22));
  assert_true(rng_hash4(1, 1, 0, 1) == UINT64_C(0xa5e6f128f9dd14fc));
  assert_true(rng_u01(UINT64_C(0x92d133245486edc5)) == 0x92d133245486edc5ull / 2048 / 9007199254740992.0);
  assert_int_equal(rng_below(rng_hash4(42, RNG_STREAM(2, 3), 17, 5), 1000), 723);
}

static void test_prefix_matches(void **state) {
  (void)state;
  for (uint64_t a = 0; a < 50; a++)
    for (uint64_t b = 0; b < 50; b++)
      assert_true(rng_hash_finish(rng_hash_prefix(7, 99, a), b) == rng_hash4(7, 99, a, b));
}

static void test_mul128(void **state) {
  (void)state;
  __extension__ typedef unsigned __int128 u128;
  for (uint64_t i = 0; i < 10000; i++) {
    uint64_t x = rng_hash4(1, 2, i, 0), y = rng_hash4(1, 2, i, 1), lo;
    uint64_t hi = rng_mul128(x, y, &lo);
    u128 p = (u128)x * y;
    assert_true(hi == (uint64_t)(p >> 64));
    assert_true(lo == (uint64_t)p);
  }
}

/* Mean and variance of 10^6 uniforms within 5 standard errors of 1/2 and 1/12. */
static void test_uniform_moments(void **state) {
  (void)state;
  const uint64_t n = 1000000;
  double s = 0, s2 = 0;
  for (uint64_t i = 0; i < n; i++) {
    double u = rng_u01(rng_hash4(123, 4, i / 1000, i % 1000));
    assert_true(u >= 0.0 && u < 1.0);
    s += u;
    s2 += u * u;
  }
  double mean = s / n, var = s2 / n - mean * mean;
  assert_true(fabs(mean - 0.5) < 5 * sqrt(1.0 / 12 / n));
  /* Var of (u - 1/2)^2 is 1/180 for a uniform: standard error sqrt(1/180/n). */
  assert_true(fabs(var - 1.0 / 12) < 5 * sqrt(1.0 / 180 / n));
}

/* Chi-square of 256 buckets over 10^6 draws, for consecutive counters in each key position. df
 * 255: mean 255, sd sqrt(510) = 22.6; accept below 255 + 5 sd. */
static double chi_square(int position) {
  enum { K = 256 };
  const uint64_t n = 1000000;
  uint64_t count[K] = {0};
  for (uint64_t i = 0; i < n; i++) {
    uint64_t key[4] = {5, 6, 7, 8};
    key[position] = i;
    count[rng_below(rng_hash4(key[0], key[1], key[2], key[3]), K)]++;
  }
  double e = (double)n / K, chi = 0;
  for (int k = 0; k < K; k++)
    chi += (count[k] - e) * (count[k] - e) / e;
  return chi;
}

static void test_chi_square(void **state) {
  (void)state;
  for (int pos = 0; pos < 4; pos++) {
    double chi = chi_square(pos);
    assert_true(chi < 255 + 5 * sqrt(510.0));
    assert_true(chi > 255 - 5 * sqrt(510.0)); /* too good to be true is a failure too */
  }
}

/* Low bits of consecutive counters must not be correlated: bit k of rng_hash4(.., b) and of
 * rng_hash4(.., b + 1) agree half the time. */
static void test_serial_bits(void **state) {
  (void)state;
  const uint64_t n = 200000;
  for (int bit = 0; bit < 64; bit += 7) {
    uint64_t agree = 0;
    uint64_t prev = rng_hash4(9, 9, 9, 0);
    for (uint64_t b = 1; b <= n; b++) {
      uint64_t v = rng_hash4(9, 9, 9, b);
      agree += ((v ^ prev) >> bit & 1) == 0;
      prev = v;
    }
    assert_true(fabs((double)agree - n / 2.0) < 5 * sqrt(n / 4.0));
  }
}

static void test_below(void **state) {
  (void)state;
  assert_int_equal(rng_below(12345, 0), 0);
  assert_int_equal(rng_below(UINT64_MAX, 1), 0);
  assert_true(rng_below(UINT64_MAX, 10) == 9);
  /* n close to 2^64: rejection path taken often, result still below n. */
  uint64_t n = (UINT64_C(1) << 63) + 1;
  for (uint64_t i = 0; i < 1000; i++)
    assert_true(rng_below(rng_hash4(0, 0, 0, i), n) < n);
}

static void test_normal(void **state) {
  (void)state;
  const uint64_t n = 400000;
  double s = 0, s2 = 0;
  for (uint64_t i = 0; i < n; i++) {
    double z = rng_normal(rng_hash4(77, 1, 0, i));
    assert_true(isfinite(z));
    s += z;
    s2 += z * z;
  }
  double mean = s / n, var = s2 / n - mean * mean;
  assert_true(fabs(mean) < 5 * sqrt(1.0 / n));
  assert_true(fabs(var - 1.0) < 5 * sqrt(2.0 / n));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_answers), cmocka_unit_test(test_prefix_matches),
      cmocka_unit_test(test_mul128),        cmocka_unit_test(test_uniform_moments),
      cmocka_unit_test(test_chi_square),    cmocka_unit_test(test_serial_bits),
      cmocka_unit_test(test_below),         cmocka_unit_test(test_normal),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
