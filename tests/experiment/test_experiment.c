/* test_experiment.c — the experiment library against hand-computed values: Adadelta steps, soft targets,
 * feature normalisation, readout training on a separable problem, the branching factor of hand-built
 * rasters, the features cache (resume, partial rows, fingerprint mismatch), --set overrides and the sweep
 * report. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "experiment.h"

/* Two Adadelta steps (rho 0.95, eps 1e-7, lr 0.1) from x = 1 with gradients 0.5 then -0.25; expected values
 * computed by hand with Python's math module:
 *   Eg = 0.0125,   u = sqrt(1e-7)/sqrt(0.0125001)*0.5 = 1.41420790e-3,  Ed = 9.99992e-8,  x = 0.99985857920944
 *   Eg = 0.015,    x = 0.99994986581550,  Ed = 1.36665462e-7 */
static void test_adadelta_by_hand(void **state) {
  (void)state;
  double x = 1, eg = 0, ed = 0, g = 0.5;
  ex_adadelta_step(&x, &eg, &ed, &g, 1, 0.1, 0.95, 1e-7);
  assert_true(fabs(x - 0.9998585792094448) < 1e-13);
  assert_true(fabs(eg - 0.0125) < 1e-15);
  assert_true(fabs(ed - 9.999920000639997e-08) < 1e-20);
  g = -0.25;
  ex_adadelta_step(&x, &eg, &ed, &g, 1, 0.1, 0.95, 1e-7);
  assert_true(fabs(x - 0.9999498658155012) < 1e-13);
  assert_true(fabs(eg - 0.015) < 1e-15);
  assert_true(fabs(ed - 1.3666546223259847e-07) < 1e-20);
}

/* softmax(+1 for the label, -1 elsewhere) over 10 classes: e/(e + 9/e) and (1/e)/(e + 9/e). */
static void test_soft_targets(void **state) {
  (void)state;
  double t[10], sum = 0;
  ex_soft_targets(3, 10, t);
  for (int c = 0; c < 10; c++) {
    assert_true(fabs(t[c] - (c == 3 ? 0.4508530603792838 : 0.061016326624524025)) < 1e-15);
    sum += t[c];
  }
  assert_true(fabs(sum - 1) < 1e-12);
}

/* Rows (1,3,0) and (0,0,0) and (2,2,4): L1 -> (0.25,0.75,0), (0,0,0), (0.25,0.25,0.5); max 0.75. */
static void test_normalise(void **state) {
  (void)state;
  float x[9] = {1, 3, 0, 0, 0, 0, 2, 2, 4};
  const float want[9] = {1.0f / 3, 1, 0, 0, 0, 0, 1.0f / 3, 1.0f / 3, 2.0f / 3};
  ex_features_normalise(x, 3, 3);
  for (int k = 0; k < 9; k++)
    assert_true(fabs(x[k] - want[k]) < 1e-6);
}

/* 10 classes, 30 features: class c lights features c, c+10, c+20 with noise elsewhere. */
static void test_readout_separable(void **state) {
  (void)state;
  enum { N = 600, F = 30 };
  float *x = calloc((size_t)N * F, sizeof(float));
  uint8_t y[N];
  uint64_t r = 12345;
  for (int i = 0; i < N; i++) {
    y[i] = (uint8_t)(i % 10);
    for (int j = 0; j < F; j++) {
      r = r * 6364136223846793005ULL + 1442695040888963407ULL;
      x[(size_t)i * F + j] = (float)((r >> 40) % 100) / 400.0f; /* noise in [0, 0.25) */
    }
    for (int k = 0; k < 3; k++)
      x[(size_t)i * F + y[i] + 10 * k] += 1.0f;
  }
  ex_features_normalise(x, N, F);
  ex_split_data tr = {x, y, 400}, va = {x + 400 * F, y + 400, 100}, te = {x + 500 * F, y + 500, 100};
  ex_train_config c = ex_train_defaults();
  c.lr = 1.0;
  c.batch = 10;
  c.epochs = 30;
  ex_epoch_stats hist[30];
  uint32_t best = 99;
  assert_true(ex_readout_fit(&tr, &va, &te, F, &c, hist, &best));
  assert_true(best < 30);
  assert_true(hist[best].val >= 0.99);
  assert_true(hist[best].test >= 0.99);
  assert_true(hist[29].loss < hist[0].loss);
  /* Zero-initialised: before training every prediction is class 0 (all logits equal). */
  ex_readout *ro = ex_readout_create(F, 10);
  assert_int_equal(ex_readout_predict(ro, x), 0);
  assert_true(fabs(ex_readout_accuracy(ro, x, y, 400) - 0.1) < 1e-12);
  ex_readout_destroy(ro);
  free(x);
}

/* Graph 0->2, 1->2, 2->3. Spikes 0@0, 1@0, 2@1, 3@2, 3@3.
 * window 1: 2@1 desc {3@2} = 1, anc {0@0, 1@0} = 2 -> 0.5; 3@2 anc {2@1} -> 0/1 = 0; 0@0, 1@0 and 3@3 have
 *           no ancestors in the window. sigma = (0.5 + 0)/2 = 0.25. Sums: desc 1+1+1 = 3, anc 2+1 = 3.
 * window 2: 2@1 desc {3@2, 3@3} = 2, anc 2 -> 1; 3@2 anc {2@1} -> 0; 3@3 anc {2@1} -> 0. sigma = 1/3. */
static void test_branching_by_hand(void **state) {
  (void)state;
  uint64_t rp[5] = {0, 1, 2, 3, 3};
  uint32_t col[3] = {2, 2, 3};
  ex_graph g = {4, rp, col};
  ex_spike sp[5] = {{0, 0}, {0, 1}, {1, 2}, {2, 3}, {3, 3}};
  double s, d, a;
  assert_true(ex_branching_factor(&g, sp, 5, 1, &s, &d, &a));
  assert_true(fabs(s - 0.25) < 1e-12);
  assert_true(fabs(d - 3) < 1e-12 && fabs(a - 3) < 1e-12);
  assert_true(ex_branching_factor(&g, sp, 5, 2, &s, NULL, NULL));
  assert_true(fabs(s - 1.0 / 3) < 1e-12);
  /* No spikes: 0. */
  assert_true(ex_branching_factor(&g, sp, 0, 2, &s, NULL, NULL));
  assert_true(s == 0);
}

static void test_cache_resume(void **state) {
  (void)state;
  char path[] = "/tmp/astroc_ex_cacheXXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  unlink(path);
  ir_diag *d = ir_diag_create(NULL);
  uint32_t have = 99;
  ex_cache *c = ex_cache_open(path, 3, 42, &have, d);
  assert_non_null(c);
  assert_int_equal(have, 0);
  uint8_t lab[2] = {7, 2};
  uint16_t cnt[6] = {1, 2, 3, 65535, 0, 9};
  assert_true(ex_cache_append(c, lab, cnt, 2, d));
  assert_true(ex_cache_close(c, d));
  /* A partial row (an interrupted append) is cut on reopen. */
  FILE *f = fopen(path, "ab");
  fputc(5, f);
  fputc(1, f);
  fclose(f);
  c = ex_cache_open(path, 3, 42, &have, d);
  assert_non_null(c);
  assert_int_equal(have, 2);
  assert_true(ex_cache_append(c, lab, cnt + 3, 1, d));
  assert_true(ex_cache_close(c, d));
  float x[9];
  uint8_t y[3];
  assert_true(ex_cache_read(path, 3, 42, 3, x, y, d));
  assert_int_equal(y[0], 7);
  assert_int_equal(y[2], 7);
  assert_true(x[3] == 65535.0f && x[5] == 9.0f && x[6] == 65535.0f && x[8] == 9.0f);
  /* Asking for more rows than cached is an error; another fingerprint starts afresh. */
  assert_false(ex_cache_read(path, 3, 42, 4, x, y, d));
  assert_false(ex_cache_read(path, 3, 43, 1, x, y, d));
  c = ex_cache_open(path, 3, 43, &have, d);
  assert_non_null(c);
  assert_int_equal(have, 0);
  assert_true(ex_cache_close(c, d));
  ir_diag_destroy(d);
  unlink(path);
}


/* --set NODE.PARAM=VALUE on a hand-built module: the value lands in the right slot, in canonical units,
 * and every malformed spec is an error naming what was expected. */
static void test_set_apply(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  assert_non_null(m);
  int32_t a = ir_add_astrocyte(m, "astro", IR_ASTRO_NALSM, (ir_loc){0});
  int32_t p = ir_add_population(m, "exc", IR_NEURON_NALSM_LIF, 4, (ir_loc){0});
  ir_ref pr = {IR_NODE_POPULATION, (uint32_t)p};
  int32_t j = ir_add_projection(m, "ee", pr, pr, (ir_loc){0});
  int32_t k = ir_add_projection(m, "fixed", pr, pr, (ir_loc){0});
  assert_true(a >= 0 && j >= 0 && k >= 0);
  m->projs[j].plasticity = IR_PLAST_STDP;
  ir_params_set_defaults(ir_plasticity_desc(IR_PLAST_STDP), m->projs[j].plast_params);
  ir_diag *d = ir_diag_create(NULL);
  assert_true(ex_set_apply(m, "astro.w_a=0.005", d));
  assert_int_equal(m->astros[a].params[IR_P_NALSM_ASTRO_W_A].kind, IR_VAL_CONST);
  assert_true(m->astros[a].params[IR_P_NALSM_ASTRO_W_A].a == 0.005);
  assert_true(m->astros[a].params[IR_P_NALSM_ASTRO_B_A].a == 0.15); /* untouched */
  assert_true(ex_set_apply(m, "ee.a_plus=0.3 mV", d));
  assert_true(m->projs[j].plast_params[IR_P_STDP_A_PLUS].a == 0.3);
  assert_true(ex_set_apply(m, "astro.tau=0.2s", d)); /* canonical ms */
  assert_true(fabs(m->astros[a].params[IR_P_NALSM_ASTRO_TAU].a - 200.0) < 1e-9);
  assert_true(ex_set_apply(m, "exc.v_th=15mV", d));
  assert_true(m->pops[p].params[IR_P_NALSM_LIF_V_TH].a == 15.0);
  assert_int_equal(ir_diag_error_count(d), 0);
  static const struct {
    const char *spec, *msg;
  } bad[] = {
      {"astro=1", "expected NODE.PARAM=VALUE"},
      {"nope.w_a=1", "no astrocyte, population or plastic projection named 'nope'"},
      {"fixed.a_plus=1mV", "no astrocyte, population or plastic projection named 'fixed'"},
      {"astro.w_b=1", "model 'nalsm' has no parameter 'w_b'"},
      {"ee.a_plus=0.3", "parameter 'a_plus' has dimension voltage, got dimensionless"},
      {"astro.w_a=abc", "expected a number"},
      {"astro.tau=-5ms", "must be in [0, inf]"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_false(ex_set_apply(m, bad[i].spec, d));
    if (!strstr(ir_diag_last(d), bad[i].msg))
      fail_msg("%s: got '%s', expected '%s'", bad[i].spec, ir_diag_last(d), bad[i].msg);
  }
  assert_true(m->astros[a].params[IR_P_NALSM_ASTRO_W_A].a == 0.005); /* failed sets change nothing */
  ir_diag_destroy(d);
  ir_module_destroy(m);
}

/* The sweep report: one table row per point with the numbers as given, and both plots written. */
/* Reads a whole small text file into buf (NUL-terminated), failing the test if it cannot. */
static void read_text(const char *path, char *buf, size_t size) {
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  size_t n = fread(buf, 1, size - 1, f);
  buf[n] = 0;
  fclose(f);
}

static void test_sweep_write(void **state) {
  (void)state;
  char dir[] = "/tmp/astroc_ex_sweepXXXXXX";
  assert_non_null(mkdtemp(dir));
  ex_sweep_point pt[2] = {{0.005, "astro.w_a=0.005", {0.8, 0.815, 1.25, 0.1, 3}},
                          {0.03, "astro.w_a=0.03", {0.7512, 0.76, 0.875, 0.0625, 20}}};
  ir_diag *d = ir_diag_create(NULL);
  assert_true(ex_sweep_write(dir, "m.yaml", "astro.w_a", pt, 2, 3, d));
  char path[256], buf[4096];
  snprintf(path, sizeof path, "%s/sweep.md", dir);
  read_text(path, buf, sizeof buf);
  assert_non_null(strstr(buf, "| 0.005 | 1.250 | 0.100 | 80.00 | 81.50 | 3 | [astro.w_a=0.005](astro.w_a=0.005/report.md) |"));
  assert_non_null(strstr(buf, "| 0.03 | 0.875 | 0.062 | 75.12 | 76.00 | 20 |"));
  struct stat st;
  for (int i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, (const char *[]){"sweep.md", "sweep_branching.svg", "sweep_accuracy.svg"}[i]);
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 100);
    unlink(path);
  }
  rmdir(dir);
  ir_diag_destroy(d);
}

/* The raster: one stroke per spike at the plot's coordinates. The frame is 720 x 420 with margins left 70,
 * right 20, top 40, bottom 50: step 5 of 10 (1 ms) is x = 70 + 0.5 * 630 = 385; neuron 1 of 2 is centred at
 * y = 370 - 0.75 * 330 = 122.5, the stroke 0.6 below. */
static void test_raster_svg(void **state) {
  (void)state;
  char dir[] = "/tmp/astroc_ex_rasterXXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[256], buf[8192];
  snprintf(path, sizeof path, "%s/raster.svg", dir);
  ex_spike sp[3] = {{0, 0}, {5, 1}, {9, 0}};
  ir_diag *d = ir_diag_create(NULL);
  assert_true(ex_svg_raster(path, "r", sp, 3, 2, 10, 1.0, d));
  read_text(path, buf, sizeof buf);
  assert_non_null(strstr(buf, "M70.0 288.1h1.2"));
  assert_non_null(strstr(buf, "M385.0 123.1h1.2"));
  assert_non_null(strstr(buf, "M637.0 288.1h1.2"));
  int strokes = 0;
  for (const char *q = buf; (q = strstr(q, "h1.2")) != NULL; q++)
    strokes++;
  assert_int_equal(strokes, 3);
  unlink(path);
  rmdir(dir);
  ir_diag_destroy(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_adadelta_by_hand),  cmocka_unit_test(test_soft_targets),
      cmocka_unit_test(test_normalise),         cmocka_unit_test(test_readout_separable),
      cmocka_unit_test(test_branching_by_hand), cmocka_unit_test(test_cache_resume),
      cmocka_unit_test(test_set_apply),         cmocka_unit_test(test_sweep_write),
      cmocka_unit_test(test_raster_svg),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
