/* test_nalsm_pin.c — pins the interp engine's NALSM behaviour to checksums computed ONCE by the
 * pre-optimisation interpreter (commit a212d1b), so any change of result in the fast paths (kernel
 * delivery, event-driven plasticity, dirty-list checkpoint restore) fails here.
 *
 * The run is the experiment runner's pattern (runtime/experiment/present.c) on NALSM1000 in float and
 * fixed: the dataset input is switched to a silent Bernoulli input and driven by rt_sim_inject from a
 * splitmix64 stream of this file; an "init" stretch with plasticity, a checkpoint, then samples that each
 * restore the checkpoint and run with the learning-rate gain decayed by 0.99 per step. The checksum is
 * FNV-1a 64 over every spike event (step, source, neuron), then every projection weight, the astrocyte
 * state and the membrane voltages, read through the public API. Independently of the pinned values,
 * a sample repeated after a different one must reproduce its own checksum (restore is complete). */
#include <math.h>

#include "rt_test.h"
#include "t_example.h"

#define INIT_STEPS 40
#define SAMPLE_STEPS 60

typedef struct pin {
  uint64_t h;
  uint64_t liquid; /* spikes of populations 1 and 2 (exc, inh) */
} pin;

static void mix(pin *p, const void *x, size_t n) {
  const unsigned char *b = x;
  for (size_t i = 0; i < n; i++) {
    p->h ^= b[i];
    p->h *= UINT64_C(0x100000001b3);
  }
}

static void on_spikes(void *ctx, uint64_t step, ir_ref src, const uint32_t *idx, uint32_t n) {
  pin *p = ctx;
  uint32_t k = (uint32_t)src.kind * 16 + src.index;
  mix(p, &step, sizeof step);
  mix(p, &k, sizeof k);
  mix(p, idx, n * sizeof(uint32_t));
  if (src.kind == IR_NODE_POPULATION && src.index > 0)
    p->liquid += n;
}

static uint64_t splitmix(uint64_t x) {
  x += UINT64_C(0x9e3779b97f4a7c15);
  x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
  return x ^ (x >> 31);
}

static ir_module *load(const char *rel) {
  ir_module *m = t_load_example(rel);
  assert_int_equal(m->ninputs, 1);
  m->inputs[0].kind = IR_INPUT_BERNOULLI; /* as the experiment runner does: no dataset needed */
  m->inputs[0].p = ir_value_const(0, IR_DIM_NONE);
  return m;
}

/* Pixels 100..699 spike with probability 1/32 per step, drawn per (sample, step, pixel); the gain
 * starts at 1 and decays by `decay` per step. */
static void run(rt_sim *s, uint64_t sample, uint32_t steps, double decay) {
  ir_diag *d = ir_diag_create(stderr);
  ir_ref in = {IR_NODE_INPUT, 0};
  double g = 1.0;
  for (uint32_t t = 0; t < steps; t++) {
    assert_true(rt_sim_set_plasticity_gain(s, g));
    for (uint32_t i = 100; i < 700; i++)
      if ((splitmix((sample << 40) ^ ((uint64_t)t << 16) ^ i) & 31) == 0)
        assert_true(rt_sim_inject(s, in, i));
    assert_true(rt_sim_run(s, 1, d));
    g *= decay;
  }
  ir_diag_destroy(d);
}

static void mix_state(pin *p, rt_sim *s, ir_ref node, const char *var) {
  uint64_t n = 0;
  assert_true(rt_sim_state_size(s, node, var, &n));
  double *v = malloc(n * sizeof(double));
  assert_non_null(v);
  assert_true(rt_sim_read_state(s, node, var, v));
  mix(p, v, n * sizeof(double));
  free(v);
}

static uint64_t finish(pin *p, rt_sim *s, const ir_module *m) {
  for (uint32_t k = 0; k < m->nprojs; k++)
    mix_state(p, s, (ir_ref){IR_NODE_PROJECTION, k}, "w");
  for (uint32_t k = 0; k < m->nastros; k++)
    mix_state(p, s, (ir_ref){IR_NODE_ASTROCYTE, k}, "a");
  for (uint32_t k = 0; k < m->npops; k++)
    mix_state(p, s, (ir_ref){IR_NODE_POPULATION, k}, "v");
  return p->h;
}

static void restore(rt_sim *s, char *buf, size_t n) {
  FILE *f = fmemopen(buf, n, "rb");
  assert_non_null(f);
  ir_diag *d = ir_diag_create(stderr);
  assert_true(rt_sim_restore(s, f, d));
  ir_diag_destroy(d);
  fclose(f);
}

static void save(rt_sim *s, char **buf, size_t *n) {
  FILE *f = open_memstream(buf, n);
  assert_non_null(f);
  ir_diag *d = ir_diag_create(stderr);
  assert_true(rt_sim_save(s, f, d));
  ir_diag_destroy(d);
  fclose(f);
}

static uint64_t sample(rt_sim *s, const ir_module *m, pin *p, uint64_t k, const char *rel) {
  p->h = UINT64_C(0xcbf29ce484222325);
  p->liquid = 0;
  run(s, k, SAMPLE_STEPS, 0.99);
  uint64_t h = finish(p, s, m);
  fprintf(stderr, "%s: sample %llu: %llu liquid spikes\n", rel, (unsigned long long)k, (unsigned long long)p->liquid);
  assert_true(p->liquid > 500); /* the liquid is active, so the checksum covers real dynamics */
  return h;
}

/* out[0]: the init stretch; out[1], out[2]: samples 0 and 1 from the checkpoint. Restores must be
 * complete whatever ran before: sample 0 again after sample 1; sample 1 in a second simulation that
 * restores the first one's checkpoint; sample 0 after a restore of a different checkpoint. */
static void pin_run(const char *rel, uint64_t out[3]) {
  ir_module *m = load(rel);
  rt_sim *s = t_create(m);
  pin p = {UINT64_C(0xcbf29ce484222325), 0};
  rt_sim_on_spikes(s, on_spikes, &p);
  run(s, 1000, INIT_STEPS, 1.0);
  out[0] = finish(&p, s, m);
  char *buf = NULL, *buf2 = NULL;
  size_t n = 0, n2 = 0;
  save(s, &buf, &n);
  restore(s, buf, n);
  out[1] = sample(s, m, &p, 0, rel);
  restore(s, buf, n);
  out[2] = sample(s, m, &p, 1, rel);
  assert_true(out[1] != out[2]);
  restore(s, buf, n);
  assert_true(sample(s, m, &p, 0, rel) == out[1]);
  save(s, &buf2, &n2);
  restore(s, buf2, n2);
  assert_true(sample(s, m, &p, 2, rel) != out[1]);
  restore(s, buf, n);
  assert_true(sample(s, m, &p, 0, rel) == out[1]);
  rt_sim *s2 = t_create(m);
  rt_sim_on_spikes(s2, on_spikes, &p);
  restore(s2, buf, n);
  assert_true(sample(s2, m, &p, 1, rel) == out[2]);
  restore(s2, buf, n);
  assert_true(sample(s2, m, &p, 1, rel) == out[2]);
  free(buf);
  free(buf2);
  rt_sim_destroy(s2);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

static void check(const char *rel, const uint64_t want[3]) {
  uint64_t got[3];
  pin_run(rel, got);
  fprintf(stderr, "%s: init %#018llx sample0 %#018llx sample1 %#018llx\n", rel, (unsigned long long)got[0],
          (unsigned long long)got[1], (unsigned long long)got[2]);
  assert_true(got[0] == want[0]);
  assert_true(got[1] == want[1]);
  assert_true(got[2] == want[2]);
}

/* Values printed by the interpreter of commit a212d1b (before the speed work). */
static void test_pin_float(void **state) {
  (void)state;
  static const uint64_t want[3] = {UINT64_C(0xdc2b2afd1825ee4d), UINT64_C(0x87ba7c2301ce0b4e),
                                   UINT64_C(0x58332024b78c4457)};
  check("examples/nalsm/nalsm1000_fashion.yaml", want);
}

static void test_pin_fixed(void **state) {
  (void)state;
  static const uint64_t want[3] = {UINT64_C(0x8e0dcfd2e749a53c), UINT64_C(0x7612c6627af8ffc7),
                                   UINT64_C(0x9658bb009288ebd3)};
  check("examples/nalsm/nalsm1000_fashion_fixed.yaml", want);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pin_float),
      cmocka_unit_test(test_pin_fixed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
