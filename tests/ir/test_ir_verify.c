/* test_ir_verify.c — one test per verifier invariant: a valid hand-built module, broken in exactly
 * one way, must fail with a diagnostic at the node's location that names the node. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "ir_test_util.h"

enum { EXC, INH };           /* populations */
enum { ASTRO };              /* astrocytes */
enum { NOISE, PIXELS };      /* inputs */
enum { EE, NE, EI };         /* projections */
enum { PROBE_V, PROBE_A };   /* probes */

/* grid 2x2x2; exc (nalsm_lif, 3, on the grid, laid out), inh (lif, 2); astro nalsm; noise poisson 3;
 * pixels dataset 2 injecting into inh; ee exc->exc astro_stdp with a 3x3 CSR; ne noise->exc one_to_one;
 * ei exc->inh; probes on exc (v) and astro (a). */
static ir_module *base(void) {
  ir_module *m = ir_module_create("base");
  m->loc = (ir_loc){"m.yaml", 1, 1};
  int32_t g = ir_add_grid(m, "g", (ir_loc){"m.yaml", 3, 3});
  m->grids[g].shape[0] = m->grids[g].shape[1] = m->grids[g].shape[2] = 2;
  ir_add_population(m, "exc", IR_NEURON_NALSM_LIF, 3, (ir_loc){"m.yaml", 7, 3});
  m->pops[EXC].grid = g;
  m->pops[EXC].sites = malloc(3 * sizeof(uint32_t));
  m->pops[EXC].sites[0] = 0, m->pops[EXC].sites[1] = 5, m->pops[EXC].sites[2] = 7;
  ir_add_population(m, "inh", IR_NEURON_LIF, 2, (ir_loc){"m.yaml", 9, 3});
  ir_add_astrocyte(m, "astro", IR_ASTRO_NALSM, (ir_loc){"m.yaml", 12, 3});
  ir_add_input(m, "noise", IR_INPUT_POISSON, 3, (ir_loc){"m.yaml", 15, 3});
  m->inputs[NOISE].rate = ir_value_const(0.02, IR_DIM_RATE);
  ir_add_input(m, "pixels", IR_INPUT_DATASET, 2, (ir_loc){"m.yaml", 16, 3});
  m->inputs[PIXELS].dataset = "mnist";
  m->inputs[PIXELS].split = "train";
  m->inputs[PIXELS].sample_time = ir_value_const(250, IR_DIM_TIME);
  m->inputs[PIXELS].inject_into = INH;
  m->inputs[PIXELS].inject_current = ir_value_const(100, IR_DIM_VOLTAGE);
  ir_ref exc = {IR_NODE_POPULATION, EXC}, inh = {IR_NODE_POPULATION, INH}, noise = {IR_NODE_INPUT, NOISE};
  ir_add_projection(m, "ee", exc, exc, (ir_loc){"m.yaml", 20, 3});
  ir_projection *ee = &m->projs[EE];
  ee->rule.kind = IR_CONN_DISTANCE, ee->rule.c = 0.2, ee->rule.lambda = 3;
  ee->plasticity = IR_PLAST_ASTRO_STDP;
  ir_params_set_defaults(ir_plasticity_desc(IR_PLAST_ASTRO_STDP), ee->plast_params);
  ee->modulator = ASTRO;
  ee->csr = ir_csr_create(3, 3, 3);
  uint64_t rp[] = {0, 2, 2, 3};
  memcpy(ee->csr->row_ptr, rp, sizeof rp);
  ee->csr->col[0] = 1, ee->csr->col[1] = 2, ee->csr->col[2] = 0;
  for (int k = 0; k < 3; k++) ee->csr->weight[k] = 3.0f, ee->csr->delay[k] = 0;
  ir_add_projection(m, "ne", noise, exc, (ir_loc){"m.yaml", 25, 3});
  m->projs[NE].rule.kind = IR_CONN_ONE_TO_ONE;
  ir_add_projection(m, "ei", exc, inh, (ir_loc){"m.yaml", 28, 3});
  ir_astrocyte *a = &m->astros[ASTRO];
  a->nlisten = 2;
  a->listen = ir_arena_alloc(m->arena, 2 * sizeof *a->listen);
  a->listen[0] = (ir_astro_listen){exc, 1, {"m.yaml", 13, 9}};
  a->listen[1] = (ir_astro_listen){noise, -1, {"m.yaml", 14, 9}};
  a->nmodulates = 1;
  a->modulates = ir_arena_alloc(m->arena, sizeof *a->modulates);
  a->modulates[0] = (ir_ref){IR_NODE_PROJECTION, EE};
  ir_add_probe(m, "pv", exc, "v", (ir_loc){"m.yaml", 31, 3});
  ir_add_probe(m, "pa", (ir_ref){IR_NODE_ASTROCYTE, ASTRO}, "a", (ir_loc){"m.yaml", 32, 3});
  ir_add_phase(m, "init", (ir_loc){"m.yaml", 35, 5});
  return m;
}

/* Verifies m (consumed): must fail, and the diagnostics must contain `where` and `msg`. */
static void expect_bad(ir_module *m, const char *where, const char *msg) {
  diag_buf db;
  diag_open(&db);
  bool ok = ir_verify(m, db.d);
  const char *out = diag_text(&db);
  if (ok || !strstr(out, where) || !strstr(out, msg)) {
    fprintf(stderr, "want: %s ... %s\ngot (%s):\n%s", where, msg, ok ? "verified" : "failed", out);
    fail_msg("verifier did not report '%s'", msg);
  }
  diag_close(&db);
  ir_module_destroy(m);
}

static void test_base_is_valid(void **state) {
  (void)state;
  ir_module *m = base();
  diag_buf db;
  diag_open(&db);
  if (!ir_verify(m, db.d)) fail_msg("base module rejected:\n%s", diag_text(&db));
  assert_int_equal(ir_diag_error_count(db.d), 0);
  diag_close(&db);
  ir_module_destroy(m);
}

#define BAD(name, where, msg, ...)          \
  static void name(void **state) {          \
    (void)state;                            \
    ir_module *m = base();                  \
    __VA_ARGS__;                            \
    expect_bad(m, where, msg);              \
  }

/* ---- references */
BAD(test_pre_kind, "m.yaml:20:3: error: projection 'ee'", "pre must be a population or an input, not a probe",
    m->projs[EE].pre = (ir_ref){IR_NODE_PROBE, 0})
BAD(test_pre_range, "m.yaml:20:3", "pre refers to population #9, which does not exist",
    m->projs[EE].pre = (ir_ref){IR_NODE_POPULATION, 9})
BAD(test_post_kind, "m.yaml:25:3: error: projection 'ne'", "post must be a population, not an input",
    m->projs[NE].post = (ir_ref){IR_NODE_INPUT, 0})
BAD(test_listen_kind, "m.yaml:13:9: error: astrocyte 'astro'", "a listen source must be a population, an input or a projection",
    m->astros[ASTRO].listen[0].source = (ir_ref){IR_NODE_ASTROCYTE, 0})
BAD(test_listen_range, "m.yaml:14:9", "refers to input #7", m->astros[ASTRO].listen[1].source.index = 7)
BAD(test_listen_sign, "m.yaml:13:9", "listen sign must be +1 or -1, got 2", m->astros[ASTRO].listen[0].sign = 2)
BAD(test_modulates_kind, "m.yaml:12:3", "a modulated node must be a projection or a population, not an input",
    m->astros[ASTRO].modulates[0] = (ir_ref){IR_NODE_INPUT, 0})
BAD(test_probe_kind, "m.yaml:31:3: error: probe 'pv'", "its target must be a population, an astrocyte, an input or a projection",
    m->probes[PROBE_V].target = (ir_ref){IR_NODE_GRID, 0})
BAD(test_probe_range, "m.yaml:32:3", "its target refers to astrocyte #3", m->probes[PROBE_A].target.index = 3)
BAD(test_modulator_range, "m.yaml:20:3", "modulator astrocyte #5 does not exist", m->projs[EE].modulator = 5)
BAD(test_astro_stdp_needs_modulator, "m.yaml:20:3", "astro_stdp needs a modulator astrocyte", m->projs[EE].modulator = -1)
BAD(test_inject_range, "m.yaml:16:3: error: input 'pixels'", "inject target population #9 does not exist",
    m->inputs[PIXELS].inject_into = 9)
BAD(test_inject_size, "m.yaml:16:3", "injects one-to-one into population 'exc', whose size 3 differs from 2",
    m->inputs[PIXELS].inject_into = EXC)
BAD(test_inject_current, "m.yaml:16:3", "'current' must be set", m->inputs[PIXELS].inject_current.kind = IR_VAL_UNSET)
BAD(test_pop_grid_range, "m.yaml:7:3", "grid #4 does not exist", m->pops[EXC].grid = 4)

/* ---- sizes and names */
BAD(test_pop_size, "m.yaml:9:3: error: population 'inh'", "size must be >= 1", m->pops[INH].size = 0;
    m->inputs[PIXELS].inject_into = -1)
BAD(test_astro_size, "m.yaml:12:3", "astrocyte 'astro': size must be >= 1", m->astros[ASTRO].size = 0)
BAD(test_input_size, "m.yaml:15:3", "input 'noise': size must be >= 1", m->inputs[NOISE].size = 0;
    m->projs[NE].rule.kind = IR_CONN_ALL_TO_ALL)
BAD(test_duplicate_name, "m.yaml:32:3", "the name 'exc' is used by more than one node",
    m->probes[PROBE_A].name = "exc")
BAD(test_empty_name, "m.yaml:28:3", "projection #2 has no name", m->projs[EI].name = "")
BAD(test_duplicate_grid, "", "grid 'g' is defined twice", ir_add_grid(m, "g", (ir_loc){0});
    m->grids[1].shape[0] = m->grids[1].shape[1] = m->grids[1].shape[2] = 1)

/* ---- values against the model tables */
BAD(test_param_dim, "m.yaml:7:3", "population 'exc': 'tau_v' has dimension voltage, expected time",
    m->pops[EXC].params[IR_P_NALSM_LIF_TAU_V].dim = IR_DIM_VOLTAGE)
BAD(test_param_range, "m.yaml:9:3", "'tau_v' value -1 is outside [0, inf]",
    m->pops[INH].params[IR_P_LIF_TAU_V].a = -1)
BAD(test_param_max, "m.yaml:9:3", "'du' value 4096 is outside [0, 4095]",
    m->pops[INH].params[IR_P_LIF_DU] = ir_value_const(4096, IR_DIM_NONE))
BAD(test_param_nan, "m.yaml:12:3", "'w_a' value is not a number", m->astros[ASTRO].params[IR_P_NALSM_ASTRO_W_A].a = NAN)
BAD(test_param_unset, "m.yaml:9:3", "'v_th' must be set", m->pops[INH].params[IR_P_LIF_V_TH].kind = IR_VAL_UNSET)
BAD(test_uniform_order, "m.yaml:9:3", "'v_th' uniform(a, b) needs a < b, got 5 and 5",
    m->pops[INH].params[IR_P_LIF_V_TH].kind = IR_VAL_UNIFORM;
    m->pops[INH].params[IR_P_LIF_V_TH].a = 5; m->pops[INH].params[IR_P_LIF_V_TH].b = 5)
BAD(test_normal_sd, "m.yaml:9:3", "'bias' normal standard deviation must be finite and >= 0, got -1",
    m->pops[INH].params[IR_P_LIF_BIAS].kind = IR_VAL_NORMAL; m->pops[INH].params[IR_P_LIF_BIAS].b = -1)
BAD(test_normal_bounds, "m.yaml:9:3", "'bias' normal needs min <= max, got 2 and 1",
    m->pops[INH].params[IR_P_LIF_BIAS].kind = IR_VAL_NORMAL;
    m->pops[INH].params[IR_P_LIF_BIAS].lo = 2; m->pops[INH].params[IR_P_LIF_BIAS].hi = 1)
BAD(test_choice_empty, "m.yaml:9:3", "'bias' choice needs at least one value",
    m->pops[INH].params[IR_P_LIF_BIAS].kind = IR_VAL_CHOICE)
BAD(test_choice_range, "m.yaml:9:3", "'tau_u' choice -2 is outside", static const double c[] = {1, -2};
    m->pops[INH].params[IR_P_LIF_TAU_U].kind = IR_VAL_CHOICE; m->pops[INH].params[IR_P_LIF_TAU_U].choice = c;
    m->pops[INH].params[IR_P_LIF_TAU_U].nchoice = 2)
BAD(test_weight_dim, "m.yaml:28:3", "projection 'ei': 'weight' has dimension time, expected voltage",
    m->projs[EI].weight.dim = IR_DIM_TIME)
BAD(test_delay_negative, "m.yaml:28:3", "'delay' value -1 is outside", m->projs[EI].delay.a = -1)
BAD(test_plast_param, "m.yaml:20:3", "'tau_pre' value -10 is outside",
    m->projs[EE].plast_params[IR_P_STDP_TAU_PRE].a = -10)
BAD(test_value_kind, "m.yaml:28:3", "invalid value kind 9", m->projs[EI].weight.kind = (ir_value_kind)9)

/* ---- network, grids, layout */
BAD(test_dt, "m.yaml:1:1: error: network", "dt must be > 0, got 0 ms", m->dt = 0)
BAD(test_dt_nan, "m.yaml:1:1", "dt must be > 0", m->dt = NAN)
BAD(test_v_unit, "m.yaml:1:1", "v_unit must be > 0", m->v_unit = -1)
BAD(test_grid_shape, "m.yaml:3:3: error: grid 'g'", "shape [2,0,2] has a zero extent", m->grids[0].shape[1] = 0)
BAD(test_grid_spacing, "m.yaml:3:3", "spacing must be > 0", m->grids[0].spacing = 0)
BAD(test_site_range, "m.yaml:7:3", "neuron 2 has site 8, outside grid 'g' (8 sites)", m->pops[EXC].sites[2] = 8)
BAD(test_site_distinct, "m.yaml:3:3", "site 5 is given to more than one neuron", m->pops[INH].grid = 0;
    m->pops[INH].sites = malloc(2 * sizeof(uint32_t)); m->pops[INH].sites[0] = 1; m->pops[INH].sites[1] = 5)
BAD(test_grid_full, "m.yaml:3:3", "its populations have 9 neurons but it has only 8 sites", m->pops[INH].grid = 0;
    m->pops[INH].size = 6; m->inputs[PIXELS].inject_into = -1)
BAD(test_sites_without_grid, "m.yaml:7:3", "has grid sites but no grid", m->pops[EXC].grid = -1)

/* ---- CSR */
BAD(test_csr_shape, "m.yaml:20:3", "csr is 2x3 but pre and post have 3 and 3 neurons", m->projs[EE].csr->npre = 2)
BAD(test_csr_row0, "m.yaml:20:3", "csr row_ptr[0] is 1, not 0", m->projs[EE].csr->row_ptr[0] = 1)
BAD(test_csr_monotone, "m.yaml:20:3", "row_ptr is not nondecreasing within [0, nsyn] at row 1",
    m->projs[EE].csr->row_ptr[2] = 1)
BAD(test_csr_end, "m.yaml:20:3", "csr row_ptr ends at 2, but nsyn is 3", m->projs[EE].csr->row_ptr[3] = 2)
BAD(test_csr_col, "m.yaml:20:3", "synapse 2 (row 2) targets neuron 3 of 3", m->projs[EE].csr->col[2] = 3)
BAD(test_csr_order, "m.yaml:20:3", "row 0 of the csr is not in ascending column order (or has a duplicate)",
    m->projs[EE].csr->col[1] = 1)
BAD(test_csr_nan, "m.yaml:20:3", "synapse 1 has a NaN weight", m->projs[EE].csr->weight[1] = NAN)

static void test_csr_list_duplicates_allowed(void **state) {
  (void)state;
  ir_module *m = base();
  m->projs[EE].rule.kind = IR_CONN_LIST;
  m->projs[EE].rule.file = "pairs.csv";
  m->projs[EE].csr->col[1] = 1; /* row 0: 1, 1 */
  ir_diag *d = ir_diag_create(stderr);
  assert_true(ir_verify(m, d));
  m->projs[EE].csr->col[0] = 2; /* 2, 1: descending even for a list */
  assert_false(ir_verify(m, d));
  ir_diag_destroy(d);
  ir_module_destroy(m);
}

/* ---- rules, inputs, probes, models */
BAD(test_fixed_numerics_li_rinzel, "m.yaml:40:1", "the li_rinzel model needs float numerics",
    m->numerics = IR_NUMERICS_FIXED; ir_add_astrocyte(m, "lr", IR_ASTRO_LI_RINZEL, (ir_loc){"m.yaml", 40, 1}))
BAD(test_one_to_one_sizes, "m.yaml:25:3", "one_to_one needs pre and post of equal size, got 3 and 2",
    m->projs[NE].post = (ir_ref){IR_NODE_POPULATION, INH})
BAD(test_fixed_probability, "m.yaml:28:3", "fixed_probability p must be in [0, 1], got 1.5",
    m->projs[EI].rule.kind = IR_CONN_FIXED_PROBABILITY; m->projs[EI].rule.p = 1.5)
BAD(test_distance_lambda, "m.yaml:20:3", "distance lambda must be > 0, got 0", m->projs[EE].rule.lambda = 0)
BAD(test_distance_c, "m.yaml:20:3", "distance c must be in [0, 1], got -0.1", m->projs[EE].rule.c = -0.1)
BAD(test_list_file, "m.yaml:28:3", "the list rule needs a file", m->projs[EI].rule.kind = IR_CONN_LIST)
BAD(test_rule_kind, "m.yaml:28:3", "invalid connectivity rule 42", m->projs[EI].rule.kind = (ir_conn_kind)42)
BAD(test_poisson_rate, "m.yaml:15:3", "input 'noise': 'rate' must be set", m->inputs[NOISE].rate.kind = IR_VAL_UNSET)
BAD(test_bernoulli_p, "m.yaml:15:3", "'p' value 1.5 is outside [0, 1]", m->inputs[NOISE].kind = IR_INPUT_BERNOULLI;
    m->inputs[NOISE].p = ir_value_const(1.5, IR_DIM_NONE))
BAD(test_spikes_file, "m.yaml:15:3", "a spikes input needs a file", m->inputs[NOISE].kind = IR_INPUT_SPIKES)
BAD(test_dataset_name, "m.yaml:16:3", "a dataset input needs a dataset name", m->inputs[PIXELS].dataset = NULL)
BAD(test_sample_time, "m.yaml:16:3", "sample_time must be > 0", m->inputs[PIXELS].sample_time.a = 0)
BAD(test_probe_var, "m.yaml:31:3", "probe 'pv': population 'exc' has no variable 'u'", m->probes[PROBE_V].var = "u")
BAD(test_probe_w_static, "m.yaml:31:3", "projection 'ei' has no variable 'w'",
    m->probes[PROBE_V].target = (ir_ref){IR_NODE_PROJECTION, EI}; m->probes[PROBE_V].var = "w")
BAD(test_probe_every, "m.yaml:32:3", "every must be >= 1", m->probes[PROBE_A].every = 0)
BAD(test_probe_index, "m.yaml:31:3", "neuron 3 is out of range (target has 3)", static uint32_t idx[] = {0, 3};
    m->probes[PROBE_V].indices = idx; m->probes[PROBE_V].nindices = 2)
BAD(test_probe_empty_list, "m.yaml:31:3", "an empty neuron list records nothing", static uint32_t idx[] = {0};
    m->probes[PROBE_V].indices = idx)
BAD(test_attr_duplicate, "m.yaml:9:3", "duplicate attribute 'k'", ir_attr_set_int(m, &m->pops[INH].attrs, "k", 1);
    ir_attr_set_int(m, &m->pops[INH].attrs, "j", 2); m->pops[INH].attrs.v[1].key = "k")
BAD(test_attr_empty_key, "m.yaml:35:5", "phase 'init': attribute 0 has an empty key",
    ir_attr_set_int(m, &m->phases[0].attrs, "", 1))

/* Several independent violations are all reported, not just the first. */
static void test_reports_all(void **state) {
  (void)state;
  ir_module *m = base();
  m->dt = -1;
  m->pops[INH].params[IR_P_LIF_TAU_V].a = -1;
  m->probes[PROBE_A].every = 0;
  ir_diag *d = ir_diag_create(NULL);
  assert_false(ir_verify(m, d));
  assert_int_equal(ir_diag_error_count(d), 3);
  ir_diag_destroy(d);
  ir_module_destroy(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_base_is_valid),
      cmocka_unit_test(test_pre_kind),
      cmocka_unit_test(test_pre_range),
      cmocka_unit_test(test_post_kind),
      cmocka_unit_test(test_listen_kind),
      cmocka_unit_test(test_listen_range),
      cmocka_unit_test(test_listen_sign),
      cmocka_unit_test(test_modulates_kind),
      cmocka_unit_test(test_probe_kind),
      cmocka_unit_test(test_probe_range),
      cmocka_unit_test(test_modulator_range),
      cmocka_unit_test(test_astro_stdp_needs_modulator),
      cmocka_unit_test(test_inject_range),
      cmocka_unit_test(test_inject_size),
      cmocka_unit_test(test_inject_current),
      cmocka_unit_test(test_pop_grid_range),
      cmocka_unit_test(test_pop_size),
      cmocka_unit_test(test_astro_size),
      cmocka_unit_test(test_input_size),
      cmocka_unit_test(test_duplicate_name),
      cmocka_unit_test(test_empty_name),
      cmocka_unit_test(test_duplicate_grid),
      cmocka_unit_test(test_param_dim),
      cmocka_unit_test(test_param_range),
      cmocka_unit_test(test_param_max),
      cmocka_unit_test(test_param_nan),
      cmocka_unit_test(test_param_unset),
      cmocka_unit_test(test_uniform_order),
      cmocka_unit_test(test_normal_sd),
      cmocka_unit_test(test_normal_bounds),
      cmocka_unit_test(test_choice_empty),
      cmocka_unit_test(test_choice_range),
      cmocka_unit_test(test_weight_dim),
      cmocka_unit_test(test_delay_negative),
      cmocka_unit_test(test_plast_param),
      cmocka_unit_test(test_value_kind),
      cmocka_unit_test(test_dt),
      cmocka_unit_test(test_dt_nan),
      cmocka_unit_test(test_v_unit),
      cmocka_unit_test(test_grid_shape),
      cmocka_unit_test(test_grid_spacing),
      cmocka_unit_test(test_site_range),
      cmocka_unit_test(test_site_distinct),
      cmocka_unit_test(test_grid_full),
      cmocka_unit_test(test_sites_without_grid),
      cmocka_unit_test(test_csr_shape),
      cmocka_unit_test(test_csr_row0),
      cmocka_unit_test(test_csr_monotone),
      cmocka_unit_test(test_csr_end),
      cmocka_unit_test(test_csr_col),
      cmocka_unit_test(test_csr_order),
      cmocka_unit_test(test_csr_nan),
      cmocka_unit_test(test_csr_list_duplicates_allowed),
      cmocka_unit_test(test_fixed_numerics_li_rinzel),
      cmocka_unit_test(test_one_to_one_sizes),
      cmocka_unit_test(test_fixed_probability),
      cmocka_unit_test(test_distance_lambda),
      cmocka_unit_test(test_distance_c),
      cmocka_unit_test(test_list_file),
      cmocka_unit_test(test_rule_kind),
      cmocka_unit_test(test_poisson_rate),
      cmocka_unit_test(test_bernoulli_p),
      cmocka_unit_test(test_spikes_file),
      cmocka_unit_test(test_dataset_name),
      cmocka_unit_test(test_sample_time),
      cmocka_unit_test(test_probe_var),
      cmocka_unit_test(test_probe_w_static),
      cmocka_unit_test(test_probe_every),
      cmocka_unit_test(test_probe_index),
      cmocka_unit_test(test_probe_empty_list),
      cmocka_unit_test(test_attr_duplicate),
      cmocka_unit_test(test_attr_empty_key),
      cmocka_unit_test(test_reports_all),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
