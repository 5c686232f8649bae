/* test_readout_threads.c — the threaded readout against the pre-threading one (readout_ref.c, kept verbatim):
 * losses, parameters and accuracies bit for bit, for 1, 2 and 3 threads, the three optimisers, ten and seven
 * classes, a last batch shorter than the others, feature counts that do not split evenly, and sparse
 * spike-count features like the liquid's. Also the team's work split and the per-epoch callback. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "experiment.h"
#include "readout_ref.h"
#include "readout_team.h"

/* Spike-count-like features: about half zero, the rest 1..40, class-dependent, L1/max normalised. */
static float *features(uint32_t n, uint32_t nin, uint32_t nclass, uint8_t *y, uint64_t seed) {
  float *x = malloc((size_t)n * nin * sizeof(float));
  uint64_t s = seed;
  for (uint32_t i = 0; i < n; i++) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    y[i] = (uint8_t)((s >> 33) % nclass);
    for (uint32_t j = 0; j < nin; j++) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      uint32_t v = (uint32_t)(s >> 33) % 100;
      bool on = j % nclass == y[i] ? v < 70 : v < 45;
      x[(size_t)i * nin + j] = on ? (float)(1 + (s >> 20) % 40) : 0.0f;
    }
  }
  ex_features_normalise(x, n, nin);
  return x;
}

/* Trains `epochs` epochs with both readouts and requires every loss, parameter and accuracy to be equal. */
static void compare(ex_optimizer opt, uint32_t nclass, uint32_t nin, uint32_t n, uint32_t batch, unsigned threads) {
  uint8_t *y = malloc(n);
  float *x = features(n, nin, nclass, y, 77 + nin);
  ex_train_config c = ex_train_defaults();
  c.opt = opt;
  c.lr = opt == EX_OPT_ADADELTA ? 0.5 : 0.01;
  c.batch = batch;
  c.threads = threads;
  ex_readout *r = ex_readout_create(nin, nclass);
  ref_readout *rr = ref_readout_create(nin, nclass);
  size_t np = (size_t)nclass * nin + nclass, rnp;
  double *par = malloc(np * sizeof(double));
  for (uint32_t e = 0; e < 3; e++) {
    double l = ex_readout_epoch(r, x, y, n, &c, e), lr = ref_readout_epoch(rr, x, y, n, &c, e);
    assert_memory_equal(&l, &lr, sizeof l);
    ex_readout_params(r, par);
    const double *rp = ref_readout_params(rr, &rnp);
    assert_int_equal(rnp, np);
    assert_memory_equal(par, rp, np * sizeof(double));
    ex_split_data sd[2] = {{x, y, n}, {x + (size_t)(n / 2) * nin, y + n / 2, n - n / 2}};
    double acc[2];
    ex_readout_evaluate(r, sd, 2, threads, acc);
    assert_true(acc[0] == ref_readout_accuracy(rr, x, y, n));
    assert_true(acc[1] == ref_readout_accuracy(rr, sd[1].x, sd[1].labels, sd[1].n));
    assert_true(acc[0] == ex_readout_accuracy(r, x, y, n));
  }
  /* the run learnt something: the comparison is not between two untouched zero layers */
  double acc;
  ex_split_data all = {x, y, n};
  ex_readout_evaluate(r, &all, 1, 1, &acc);
  assert_true(acc > 1.5 / nclass);
  free(par);
  ex_readout_destroy(r);
  ref_readout_destroy(rr);
  free(x);
  free(y);
}

static void test_adadelta_ten_classes(void **state) {
  (void)state;
  for (unsigned t = 1; t <= 3; t++) {
    compare(EX_OPT_ADADELTA, 10, 203, 137, 10, t); /* 14 batches, the last of 7; 203 rows split unevenly */
    compare(EX_OPT_ADADELTA, 10, 64, 100, 3, t);   /* batches of 3: threads with one sample or none */
  }
}

static void test_adam_sgd_seven_classes(void **state) {
  (void)state;
  for (unsigned t = 1; t <= 2; t++) {
    compare(EX_OPT_ADAM, 10, 90, 120, 10, t);
    compare(EX_OPT_SGD, 10, 90, 120, 10, t);
    compare(EX_OPT_ADADELTA, 7, 45, 91, 10, t);
    compare(EX_OPT_ADAM, 7, 45, 91, 4, t);
  }
}

/* The shares of 0..count tile it in order, split at multiples of align. */
static void test_team_share(void **state) {
  (void)state;
  size_t lo, hi, prev = 0;
  for (unsigned t = 0; t < 3; t++) {
    ex_team_share(t, 3, 203, 8, &lo, &hi);
    assert_int_equal(lo, prev);
    assert_true(lo % 8 == 0 && (hi % 8 == 0 || hi == 203));
    prev = hi;
  }
  assert_int_equal(prev, 203);
  ex_team_share(0, 2, 3, 8, &lo, &hi); /* fewer units than threads: the last takes all */
  assert_int_equal(lo, 0);
  assert_int_equal(hi, 0);
  ex_team_share(1, 2, 3, 8, &lo, &hi);
  assert_int_equal(lo, 0);
  assert_int_equal(hi, 3);
}

/* The thread count by epoch when one thread takes 1 s an epoch and two take `two(e)`: returns the epochs on two
 * threads: multi[e] for e in 0..319. */
static void schedule(double (*two)(uint32_t), bool *multi) {
  ex_team_choice tc;
  ex_team_choice_init(&tc, 2);
  for (uint32_t e = 0; e < 320; e++) {
    unsigned n = ex_team_choose(&tc, e);
    multi[e] = n == 2;
    ex_team_timed(&tc, n, e, n == 2 ? two(e) : 1.0);
  }
}

static double two_slow(uint32_t e) { return (void)e, 3.0; }
static double two_fast_from_30(uint32_t e) { return e < 30 ? 3.0 : 0.5; }

/* Two threads slower: tried at epoch 0, then probed at 1+16 = 17, +32 = 49, +64 = 113, +128 = 241 (cap).
 * Faster from epoch 30: the probe at 49 wins, two threads from then on, one thread probed at 49+16 = 65,
 * then 65+32 = 97, 97+64 = 161, 161+128 = 289. */
static void test_thread_choice(void **state) {
  (void)state;
  bool m[320];
  schedule(two_slow, m);
  for (uint32_t e = 0; e < 320; e++)
    assert_int_equal(m[e], e == 0 || e == 17 || e == 49 || e == 113 || e == 241);
  schedule(two_fast_from_30, m);
  for (uint32_t e = 0; e < 320; e++) {
    bool one = e == 1 || (e > 1 && e < 49 && e != 17) || e == 65 || e == 97 || e == 161 || e == 289;
    assert_int_equal(m[e], !one);
  }
  ex_team_choice tc;
  ex_team_choice_init(&tc, 0); /* no threads asked: always one */
  for (uint32_t e = 0; e < 40; e++) {
    assert_int_equal(ex_team_choose(&tc, e), 1);
    ex_team_timed(&tc, 1, e, 1.0);
  }
}

typedef struct seen {
  uint32_t calls;
  ex_epoch_stats last;
} seen;

static void on_epoch(void *arg, uint32_t epoch, const ex_epoch_stats *h, double seconds, unsigned threads) {
  seen *s = arg;
  assert_true(threads == 1 || threads == 2);
  assert_int_equal(epoch, s->calls);
  assert_true(seconds >= 0);
  s->calls++;
  s->last = *h;
}

/* ex_readout_fit with 2 threads gives the 1-thread history and calls on_epoch once per epoch with it. */
static void test_fit_threads_callback(void **state) {
  (void)state;
  enum { N = 200, F = 50 };
  uint8_t y[N];
  float *x = features(N, F, 10, y, 5);
  ex_split_data tr = {x, y, 120}, va = {x + 120 * F, y + 120, 40}, te = {x + 160 * F, y + 160, 40};
  ex_epoch_stats h1[4], h2[4];
  uint32_t b1, b2;
  seen s = {0};
  ex_train_config c = ex_train_defaults();
  c.epochs = 4;
  assert_true(ex_readout_fit(&tr, &va, &te, F, &c, h1, &b1));
  c.threads = 2;
  c.on_epoch = on_epoch;
  c.arg = &s;
  assert_true(ex_readout_fit(&tr, &va, &te, F, &c, h2, &b2));
  assert_memory_equal(h1, h2, sizeof h1);
  assert_int_equal(b1, b2);
  assert_int_equal(s.calls, 4);
  assert_memory_equal(&s.last, &h1[3], sizeof s.last);
  free(x);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_adadelta_ten_classes), cmocka_unit_test(test_adam_sgd_seven_classes),
      cmocka_unit_test(test_team_share),           cmocka_unit_test(test_fit_threads_callback),
      cmocka_unit_test(test_thread_choice),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
