/* test_inputs.c — inputs (spike files, poisson, injection), error reports, state variable lists. */
#include <stdio.h>

#include <math.h>

#include "rt_test.h"
#include "passes.h"

/* Creates a simulation, expecting failure; returns the printed diagnostics (malloc'd). */
static char *create_fails(const ir_module *m, const char *engine) {
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  ir_diag *d = ir_diag_create(out);
  rt_options o = {.engine = engine, .numerics = -1};
  assert_null(rt_sim_create(m, &o, d));
  assert_true(ir_diag_error_count(d) > 0);
  ir_diag_destroy(d);
  fclose(out);
  return text;
}

static const char *write_file(const char *name, const char *text) {
  static char path[256];
  snprintf(path, sizeof path, "%s/%s", P_tmpdir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  return path;
}

static void test_spike_file(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  int32_t in = ir_add_input(m, "replay", IR_INPUT_SPIKES, 2, T_LOC);
  m->inputs[in].file = ir_arena_strdup(m->arena, write_file("astroc_rt_ok.csv", "step,neuron\n3,1\n0,0\n\n3,1\r\n7,0\n"));
  rt_sim *s = t_create(m);
  t_raster r = {0};
  rt_sim_on_spikes(s, t_on_spikes, &r);
  t_run(s, 10);
  /* (step << 24) ^ (kind << 20) ^ (index << 16) ^ neuron, in step order; duplicates are one event. */
  uint64_t k = (uint64_t)IR_NODE_INPUT << 20;
  assert_int_equal(r.n, 3);
  assert_int_equal(r.e[0], (0ull << 24) ^ k ^ 0);
  assert_int_equal(r.e[1], (3ull << 24) ^ k ^ 1);
  assert_int_equal(r.e[2], (7ull << 24) ^ k ^ 0);
  free(r.e);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

static void spike_file_error(const char *text, const char *expect) {
  ir_module *m = ir_module_create("t");
  int32_t in = ir_add_input(m, "replay", IR_INPUT_SPIKES, 2, T_LOC);
  const char *path = write_file("astroc_rt_bad.csv", text);
  m->inputs[in].file = ir_arena_strdup(m->arena, path);
  char *out = create_fails(m, NULL);
  char want[512];
  snprintf(want, sizeof want, "%s%s", path, expect);
  if (!strstr(out, want))
    fail_msg("expected '%s' in '%s'", want, out);
  free(out);
  ir_module_destroy(m);
}

static void test_spike_file_errors(void **state) {
  (void)state;
  spike_file_error("time,neuron\n1,1\n", ":1:1: error: expected the header 'step,neuron'");
  spike_file_error("step,neuron\n1,1\n2,x\n", ":3:1: error: expected 'step,neuron' (two non-negative integers), got '2,x'");
  spike_file_error("step,neuron\n1,2\n", ":2:1: error: neuron 2 is out of range: input 'replay' has 2 neurons");
  spike_file_error("step,neuron\n-1,0\n", ":2:1: error: expected 'step,neuron'");
}

/* 1000 neurons at 100 Hz, dt 1 ms, 100 steps: 10000 expected events, sd about 95. */
static void test_poisson_rate(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  int32_t in = ir_add_input(m, "noise", IR_INPUT_POISSON, 1000, T_LOC);
  m->inputs[in].rate = ir_value_const(0.1, IR_DIM_RATE); /* 100 Hz in 1/ms */
  rt_sim *s = t_create(m);
  t_raster r = {0};
  rt_sim_on_spikes(s, t_on_spikes, &r);
  t_run(s, 100);
  assert_in_range(r.n, 9500, 10500);
  free(r.e);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* An injecting input adds its current to v in the step of the event: 2 mV = 128 fine units. */
static void test_inject_lif_fixed(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  m->numerics = IR_NUMERICS_FIXED;
  int32_t p = ir_add_population(m, "n", IR_NEURON_LIF, 2, T_LOC);
  m->pops[p].params[IR_P_LIF_DU] = ir_value_const(4095, IR_DIM_NONE);
  m->pops[p].params[IR_P_LIF_DV] = ir_value_const(0, IR_DIM_NONE);
  int32_t in = t_silent_input(m, "drive", 2);
  m->inputs[in].inject_into = p;
  m->inputs[in].inject_current = ir_value_const(2, IR_DIM_VOLTAGE);
  rt_sim *s = t_create(m);
  rt_sim_inject(s, t_in(in), 1);
  t_run(s, 1);
  assert_int_equal((int)t_read(s, t_pop(p), "v", 0), 0);
  assert_int_equal((int)t_read(s, t_pop(p), "v", 1), 128);
  size_t n = 0;
  const char *const *vars = rt_state_vars(s, t_pop(p), &n);
  assert_int_equal(n, 3);
  assert_string_equal(vars[0], "v");
  assert_string_equal(vars[1], "u");
  assert_string_equal(vars[2], "ref");
  uint64_t size = 0;
  assert_false(rt_sim_state_size(s, t_pop(p), "ca", &size));
  assert_false(rt_sim_inject(s, t_pop(p), 2));
  assert_int_equal(rt_sim_numerics(s), IR_NUMERICS_FIXED);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* A relay: a spike of population a (source 0) injects population b (source 1) and the other way round,
 * from the spike callback, until `left` injections are used. */
typedef struct relay {
  rt_sim *s;
  int left;
  uint64_t step[8];
  uint32_t src[8];
  int n;
} relay;

static void relay_spikes(void *ctx, uint64_t step, ir_ref src, const uint32_t *idx, uint32_t n) {
  relay *r = ctx;
  (void)idx;
  if (src.kind != IR_NODE_POPULATION || n == 0 || r->n == 8)
    return;
  r->step[r->n] = step;
  r->src[r->n++] = src.index;
  if (r->left-- > 0)
    assert_true(rt_sim_inject(r->s, t_pop(1 - (int32_t)src.index), 0));
}

/* docs/numerics.md: rt_sim_inject marks a spike for the next step run — also when called from a spike
 * callback for a source whose own callback comes later in the same step (the interp used to clear each
 * source's forced flags just before its callback, so a -> b was lost while b -> a worked). Expected:
 * a at 0 (injected before the run), b at 1, a at 2, b at 3, then nothing; on the interp and the jit. */
static void test_inject_from_callback(void **state) {
  (void)state;
  static const char *const engines[] = {"interp", "jit"};
  for (int e = 0; e < 2; e++) {
    ir_module *m = ir_module_create("t");
    m->numerics = IR_NUMERICS_FIXED;
    for (int k = 0; k < 2; k++) { /* silent: no input, v stays 0 */
      int32_t p = ir_add_population(m, k ? "b" : "a", IR_NEURON_LIF, 1, T_LOC);
      m->pops[p].params[IR_P_LIF_DU] = ir_value_const(4095, IR_DIM_NONE);
      m->pops[p].params[IR_P_LIF_DV] = ir_value_const(0, IR_DIM_NONE);
    }
    ir_diag *d = ir_diag_create(stderr);
    assert_true(pass_layout(m, d));
    assert_true(pass_expand(m, d));
    rt_options o = {0};
    o.numerics = -1;
    o.engine = engines[e];
    rt_sim *s = rt_sim_create(m, &o, d);
    assert_non_null(s);
    relay r = {.s = s, .left = 3};
    rt_sim_on_spikes(s, relay_spikes, &r);
    assert_true(rt_sim_inject(s, t_pop(0), 0));
    assert_true(rt_sim_run(s, 6, d));
    assert_int_equal(r.n, 4);
    for (int k = 0; k < 4; k++) {
      assert_int_equal(r.step[k], (uint64_t)k);
      assert_int_equal(r.src[k], (uint32_t)(k % 2));
    }
    rt_sim_destroy(s);
    ir_diag_destroy(d);
    ir_module_destroy(m);
  }
}

static void test_unsupported(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  ir_add_population(m, "unit", IR_NEURON_AMSU, 2, T_LOC);
  char *out = create_fails(m, "verilog");
  assert_non_null(strstr(out, "unknown engine 'verilog'"));
  free(out);
  ir_module_destroy(m);
  /* li_rinzel is float only: the frontend rejects fixed numerics, and so does the runtime when the
   * numerics is overridden. */
  m = ir_module_create("t");
  ir_add_astrocyte(m, "glia", IR_ASTRO_LI_RINZEL, T_LOC);
  m->numerics = IR_NUMERICS_FIXED;
  out = create_fails(m, NULL);
  assert_non_null(
      strstr(out, "astrocyte 'glia': the li_rinzel model needs float numerics (fixed numerics is not supported)"));
  free(out);
  ir_module_destroy(m);
}

static void test_not_expanded(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  int32_t p = ir_add_population(m, "n", IR_NEURON_LIF, 2, T_LOC);
  ir_add_projection(m, "rec", t_pop(p), t_pop(p), T_LOC);
  char *out = create_fails(m, NULL);
  assert_non_null(strstr(out, "projection 'rec' is not expanded"));
  free(out);
  ir_module_destroy(m);
}

/* Too large a weight for fixed numerics: 127 * 2^7 mV is the largest with v_unit 1 mV. */
static void test_weight_too_large(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  m->numerics = IR_NUMERICS_FIXED;
  int32_t p = ir_add_population(m, "n", IR_NEURON_LIF, 1, T_LOC);
  t_proj(m, "big", t_pop(p), t_pop(p), 1, (uint32_t[]){0}, (uint32_t[]){0}, (float[]){20000.0f}, NULL);
  char *out = create_fails(m, NULL);
  assert_non_null(strstr(out, "raise network.v_unit"));
  free(out);
  ir_module_destroy(m);
}

/* A distribution is drawn once per neuron at creation, keyed by (seed, population, parameter, neuron). */
static void test_param_distribution(void **state) {
  (void)state;
  ir_module *m = ir_module_create("t");
  m->seed = 99;
  int32_t p = ir_add_population(m, "n", IR_NEURON_LIF, 50, T_LOC);
  ir_value v = {.kind = IR_VAL_UNIFORM, .dim = IR_DIM_VOLTAGE, .a = -5, .b = 5};
  m->pops[p].params[IR_P_LIF_V_INIT] = v;
  rt_sim *s = t_create(m);
  double distinct = 0;
  for (uint32_t i = 0; i < 50; i++) {
    double want = (float)ir_value_sample(&v, 99, RNG_STREAM(RNG_KIND_NEURON_PARAM, p), IR_P_LIF_V_INIT, i);
    assert_true(t_read(s, t_pop(p), "v", i) == want);
    assert_true(want >= -5 && want < 5);
    distinct += i > 0 && want != t_read(s, t_pop(p), "v", i - 1);
  }
  assert_true(distinct > 45);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spike_file),       cmocka_unit_test(test_spike_file_errors),
      cmocka_unit_test(test_poisson_rate),     cmocka_unit_test(test_inject_lif_fixed),
      cmocka_unit_test(test_inject_from_callback),
      cmocka_unit_test(test_unsupported),      cmocka_unit_test(test_not_expanded),
      cmocka_unit_test(test_weight_too_large), cmocka_unit_test(test_param_distribution),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
