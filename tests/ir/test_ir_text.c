/* test_ir_text.c — printer and parser: exact round trips of builder-made modules, golden files,
 * float exactness, and the parser's error messages and locations. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "ir_test_util.h"

static const char *golden_dir = "tests/ir/golden";

static ir_loc L(const char *file, uint32_t line, uint32_t col) { return (ir_loc){file, line, col}; }

/* ---------------------------------------------------------------- modules */

/* Every node kind, value kind, attribute kind, input kind, rule kind and plasticity rule, plus an
 * expanded CSR with delays and odd weights. Float numerics (li_rinzel is float-only). */
static ir_module *make_full(void) {
  ir_module *m = ir_module_create("full net");
  m->loc = L("full.yaml", 1, 1);
  m->dt = 0.1;
  m->seed = UINT64_MAX;
  m->v_unit = 0.5;
  m->duration = 1000.0 / 3.0;
  ir_attr_set_int(m, &m->attrs, "answer", -42);
  ir_attr_set_int(m, &m->attrs, "min", INT64_MIN);
  ir_attr_set_float(m, &m->attrs, "one", 1.0);
  ir_attr_set_float(m, &m->attrs, "third", 1.0 / 3.0);
  ir_attr_set_float(m, &m->attrs, "big", 1e300);
  ir_attr_set_float(m, &m->attrs, "ninf", -INFINITY);
  ir_attr_set_str(m, &m->attrs, "quant.note", "tab\there \"quoted\" back\\slash\nnewline \x01");
  ir_attr_set_str(m, &m->attrs, "needs quotes", "");

  int32_t g = ir_add_grid(m, "liquid", L("full.yaml", 3, 5));
  m->grids[g].shape[0] = 2, m->grids[g].shape[1] = 3, m->grids[g].shape[2] = 4;
  m->grids[g].spacing = 1.5;
  ir_attr_set_int(m, &m->grids[g].attrs, "layout.seed", 7);

  int32_t lif = ir_add_population(m, "lif_pop", IR_NEURON_LIF, 4, L("full.yaml", 5, 3));
  m->pops[lif].params[IR_P_LIF_DU] = ir_value_const(4095, IR_DIM_NONE);
  m->pops[lif].params[IR_P_LIF_V_TH] = ir_value_const(0.1 + 0.2, IR_DIM_VOLTAGE);

  int32_t exc = ir_add_population(m, "exc", IR_NEURON_NALSM_LIF, 5, L("full.yaml", 6, 3));
  m->pops[exc].grid = g;
  m->pops[exc].sites = malloc(5 * sizeof(uint32_t));
  for (uint32_t i = 0; i < 5; i++) m->pops[exc].sites[i] = 23 - 2 * i;
  ir_value u = ir_value_const(18, IR_DIM_VOLTAGE);
  u.kind = IR_VAL_UNIFORM, u.b = 20;
  m->pops[exc].params[IR_P_NALSM_LIF_V_TH] = u;

  int32_t am = ir_add_population(m, "my pop", IR_NEURON_AMSU, 3, (ir_loc){0});
  ir_value n1 = ir_value_const(20, IR_DIM_TIME);
  n1.kind = IR_VAL_NORMAL, n1.b = 2;
  ir_value n2 = n1;
  n2.lo = 15, n2.hi = 25;
  ir_value n3 = n1;
  n3.hi = 30;
  static const double choices[] = {-1.0 / 7.0, 0, 2.5e-300};
  ir_value ch = ir_value_const(0, IR_DIM_NONE);
  ch.kind = IR_VAL_CHOICE, ch.choice = choices, ch.nchoice = 3;
  m->pops[am].params[IR_P_AMSU_TAU_U] = n1;
  m->pops[am].params[IR_P_AMSU_TAU_V] = n2;
  m->pops[am].params[IR_P_AMSU_TAU_ASTRO] = n3;
  m->pops[am].params[IR_P_AMSU_GAIN] = ch;
  ir_attr_set_str(m, &m->pops[am].attrs, "k", "v");

  int32_t a0 = ir_add_astrocyte(m, "astro", IR_ASTRO_NALSM, L("a file: with colon.yaml", 9, 2));
  int32_t a1 = ir_add_astrocyte(m, "tri", IR_ASTRO_TRIPARTITE, L("full.yaml", 10, 2));
  int32_t a2 = ir_add_astrocyte(m, "lr", IR_ASTRO_LI_RINZEL, L(" spaced \"name\".yaml", 11, 2));
  m->astros[a2].size = 2;
  m->astros[a2].params[IR_P_LI_RINZEL_K_IP3R] = ir_value_const(0.0002, IR_DIM_PER_CONC_TIME);
  m->astros[a2].params[IR_P_LI_RINZEL_RATE_SERCA] = ir_value_const(0.0009, IR_DIM_CONC_RATE);

  int32_t noise = ir_add_input(m, "noise", IR_INPUT_POISSON, 5, L("full.yaml", 14, 3));
  m->inputs[noise].rate = ir_value_const(0.02, IR_DIM_RATE);
  int32_t coin = ir_add_input(m, "coin", IR_INPUT_BERNOULLI, 3, L("full.yaml", 15, 3));
  m->inputs[coin].p = ir_value_const(0.05, IR_DIM_NONE);
  int32_t rep = ir_add_input(m, "replay", IR_INPUT_SPIKES, 2, L("full.yaml", 16, 3));
  m->inputs[rep].file = ir_arena_strdup(m->arena, "dir with space/replay \"1\".csv");
  int32_t px = ir_add_input(m, "pixels", IR_INPUT_DATASET, 4, L("full.yaml", 17, 3));
  m->inputs[px].dataset = ir_arena_strdup(m->arena, "fashion_mnist");
  m->inputs[px].split = ir_arena_strdup(m->arena, "test");
  m->inputs[px].encoding = IR_ENC_RATE;
  m->inputs[px].rate = ir_value_const(0.1 + 0.2, IR_DIM_RATE); /* 300.00000000000006 Hz: exact via kHz? */
  m->inputs[px].sample_time = ir_value_const(250, IR_DIM_TIME);
  m->inputs[px].inject_into = lif;
  m->inputs[px].inject_current = ir_value_const(100, IR_DIM_VOLTAGE);
  int32_t px2 = ir_add_input(m, "pixels2", IR_INPUT_DATASET, 2, (ir_loc){0});
  m->inputs[px2].dataset = ir_arena_strdup(m->arena, "mnist");
  m->inputs[px2].split = ir_arena_strdup(m->arena, "train");
  m->inputs[px2].encoding = IR_ENC_BERNOULLI;
  m->inputs[px2].p = ir_value_const(1, IR_DIM_NONE);
  m->inputs[px2].sample_time = ir_value_const(20, IR_DIM_TIME);

  ir_ref P_exc = {IR_NODE_POPULATION, (uint32_t)exc}, P_lif = {IR_NODE_POPULATION, (uint32_t)lif};
  ir_ref P_am = {IR_NODE_POPULATION, (uint32_t)am}, I_noise = {IR_NODE_INPUT, (uint32_t)noise};
  int32_t ee = ir_add_projection(m, "ee", P_exc, P_exc, L("full.yaml", 20, 3));
  m->projs[ee].rule.kind = IR_CONN_DISTANCE, m->projs[ee].rule.c = 0.2, m->projs[ee].rule.lambda = 3;
  m->projs[ee].weight = ir_value_const(3, IR_DIM_VOLTAGE);
  m->projs[ee].plasticity = IR_PLAST_ASTRO_STDP;
  ir_params_set_defaults(ir_plasticity_desc(IR_PLAST_ASTRO_STDP), m->projs[ee].plast_params);
  m->projs[ee].plast_params[IR_P_STDP_W_MIN] = ir_value_const(0, IR_DIM_VOLTAGE);
  m->projs[ee].modulator = a0;
  ir_csr *c = ir_csr_create(5, 5, 4);
  uint64_t rp[] = {0, 2, 2, 2, 3, 4};
  memcpy(c->row_ptr, rp, sizeof rp);
  uint32_t col[] = {1, 4, 0, 3};
  float w[] = {3.0f, -1.0f / 3.0f, 1e-38f, 16777216.0f};
  uint16_t dl[] = {0, 1, 65535, 0};
  memcpy(c->col, col, sizeof col);
  memcpy(c->weight, w, sizeof w);
  memcpy(c->delay, dl, sizeof dl);
  m->projs[ee].csr = c;

  int32_t ie = ir_add_projection(m, "ie", I_noise, P_exc, L("full.yaml", 21, 3));
  m->projs[ie].rule.kind = IR_CONN_ONE_TO_ONE;
  m->projs[ie].plasticity = IR_PLAST_STDP;
  ir_params_set_defaults(ir_plasticity_desc(IR_PLAST_STDP), m->projs[ie].plast_params);
  m->projs[ie].anti_hebbian = true;
  ir_value dd = ir_value_const(0, IR_DIM_TIME);
  dd.kind = IR_VAL_UNIFORM, dd.b = 2;
  m->projs[ie].delay = dd;
  int32_t p3 = ir_add_projection(m, "fp", P_lif, P_am, L("full.yaml", 22, 3));
  m->projs[p3].rule.kind = IR_CONN_FIXED_PROBABILITY, m->projs[p3].rule.p = 0.1, m->projs[p3].rule.allow_self = true;
  int32_t p4 = ir_add_projection(m, "fi", P_lif, P_am, (ir_loc){0});
  m->projs[p4].rule.kind = IR_CONN_FIXED_INDEGREE, m->projs[p4].rule.indegree = 2;
  int32_t p5 = ir_add_projection(m, "ft", P_lif, P_am, (ir_loc){0});
  m->projs[p5].rule.kind = IR_CONN_FIXED_TOTAL_NUMBER, m->projs[p5].rule.n = UINT64_MAX;
  int32_t p6 = ir_add_projection(m, "li", P_lif, P_lif, (ir_loc){0});
  m->projs[p6].rule.kind = IR_CONN_LIST, m->projs[p6].rule.file = ir_arena_strdup(m->arena, "pairs.csv");
  m->projs[p6].weight = (ir_value){.kind = IR_VAL_UNSET, .dim = IR_DIM_VOLTAGE};
  int32_t p7 = ir_add_projection(m, "aa", P_am, P_am, (ir_loc){0});
  m->projs[p7].modulator = a1; /* a modulator without plasticity (tripartite efficacy) */

  ir_astrocyte *A = &m->astros[a0];
  A->nlisten = 2;
  A->listen = ir_arena_alloc(m->arena, 2 * sizeof *A->listen);
  A->listen[0] = (ir_astro_listen){P_exc, 1, {0}};
  A->listen[1] = (ir_astro_listen){I_noise, -1, {0}};
  A->nmodulates = 1;
  A->modulates = ir_arena_alloc(m->arena, sizeof *A->modulates);
  A->modulates[0] = (ir_ref){IR_NODE_PROJECTION, (uint32_t)ee};
  ir_astrocyte *T = &m->astros[a1];
  T->nlisten = 1;
  T->listen = ir_arena_alloc(m->arena, sizeof *T->listen);
  T->listen[0] = (ir_astro_listen){{IR_NODE_PROJECTION, (uint32_t)p7}, 1, {0}};
  T->nmodulates = 2;
  T->modulates = ir_arena_alloc(m->arena, 2 * sizeof *T->modulates);
  T->modulates[0] = (ir_ref){IR_NODE_PROJECTION, (uint32_t)p7};
  T->modulates[1] = P_am;

  ir_add_probe(m, "s_exc", P_exc, "spikes", L("full.yaml", 30, 3));
  int32_t pr = ir_add_probe(m, "v_some", P_lif, "v", L("full.yaml", 31, 3));
  m->probes[pr].every = 10;
  m->probes[pr].nindices = 2;
  m->probes[pr].indices = ir_arena_alloc(m->arena, 2 * sizeof(uint32_t));
  m->probes[pr].indices[0] = 3, m->probes[pr].indices[1] = 0;
  ir_add_probe(m, "astro_a", (ir_ref){IR_NODE_ASTROCYTE, (uint32_t)a0}, "a", (ir_loc){0});
  ir_add_probe(m, "in_spk", I_noise, "spikes", (ir_loc){0});
  ir_add_probe(m, "w_ee", (ir_ref){IR_NODE_PROJECTION, (uint32_t)ee}, "w", (ir_loc){0});

  int32_t ph = ir_add_phase(m, "init", L("full.yaml", 40, 5));
  ir_attr_set_str(m, &m->phases[ph].attrs, "kind", "init");
  ir_attr_set_int(m, &m->phases[ph].attrs, "samples", 50000);
  ir_attr_set_float(m, &m->phases[ph].attrs, "l2", 5e-10);
  ir_add_phase(m, "readout", (ir_loc){0});
  return m;
}

/* A small hand-built module with fixed numerics, for the golden files. */
static ir_module *make_small(bool expanded) {
  ir_module *m = ir_module_create(expanded ? "small_expanded" : "small");
  m->loc = L("small.yaml", 1, 1);
  m->numerics = IR_NUMERICS_FIXED;
  m->seed = 42;
  m->duration = 100;
  int32_t p = ir_add_population(m, "exc", IR_NEURON_LIF, 3, L("small.yaml", 5, 3));
  m->pops[p].params[IR_P_LIF_TAU_V] = ir_value_const(64, IR_DIM_TIME);
  int32_t in = ir_add_input(m, "noise", IR_INPUT_POISSON, 2, L("small.yaml", 9, 3));
  m->inputs[in].rate = ir_value_const(0.02, IR_DIM_RATE);
  int32_t pj = ir_add_projection(m, "in_exc", (ir_ref){IR_NODE_INPUT, (uint32_t)in}, (ir_ref){IR_NODE_POPULATION, 0},
                                 L("small.yaml", 12, 3));
  m->projs[pj].weight = ir_value_const(2.5, IR_DIM_VOLTAGE);
  m->projs[pj].delay = ir_value_const(1, IR_DIM_TIME);
  if (expanded) {
    ir_csr *c = ir_csr_create(2, 3, 4);
    uint64_t rp[] = {0, 3, 4};
    uint32_t col[] = {0, 1, 2, 1};
    float w[] = {2.5f, 2.5f, -0.75f, 2.5f};
    uint16_t dl[] = {1, 1, 1, 0};
    memcpy(c->row_ptr, rp, sizeof rp);
    memcpy(c->col, col, sizeof col);
    memcpy(c->weight, w, sizeof w);
    memcpy(c->delay, dl, sizeof dl);
    m->projs[pj].csr = c;
  }
  ir_add_probe(m, "spk", (ir_ref){IR_NODE_POPULATION, 0}, "spikes", L("small.yaml", 16, 3));
  return m;
}

/* ---------------------------------------------------------------- round trips */

static ir_module *reparse(const char *text) {
  ir_diag *d = ir_diag_create(stderr);
  ir_module *m = ir_parse(text, strlen(text), "rt.ir", d);
  ir_diag_destroy(d);
  return m;
}

static void test_full_module_verifies(void **state) {
  (void)state;
  ir_module *m = make_full();
  ir_diag *d = ir_diag_create(stderr);
  assert_true(ir_verify(m, d));
  ir_diag_destroy(d);
  ir_module_destroy(m);
}

static void test_round_trip_full(void **state) {
  (void)state;
  for (int syn = 0; syn < 2; syn++) {
    ir_module *m = make_full();
    if (!syn) { /* the summary form cannot be read back: round trip without the CSR */
      ir_csr_destroy(m->projs[0].csr);
      m->projs[0].csr = NULL;
    }
    char *a = print_to_string(m, syn);
    ir_module *m2 = reparse(a);
    assert_non_null(m2);
    char *b = print_to_string(m2, syn);
    assert_string_equal(a, b);
    ir_diag *d = ir_diag_create(stderr);
    assert_true(ir_verify(m2, d));
    ir_diag_destroy(d);
    free(a);
    free(b);
    ir_module_destroy(m);
    ir_module_destroy(m2);
  }
}

/* The parsed module holds the same numbers, bit for bit, as the one printed. */
static void test_round_trip_values(void **state) {
  (void)state;
  ir_module *m = make_full();
  char *a = print_to_string(m, true);
  ir_module *p = reparse(a);
  assert_non_null(p);
  assert_string_equal(p->name, "full net");
  assert_true(p->dt == 0.1 && p->seed == UINT64_MAX && p->v_unit == 0.5 && p->duration == 1000.0 / 3.0);
  assert_int_equal(p->numerics, IR_NUMERICS_FLOAT);
  assert_int_equal(p->npops, 3);
  assert_int_equal(p->nastros, 3);
  assert_int_equal(p->ninputs, 5);
  assert_int_equal(p->nprojs, 7);
  assert_int_equal(p->nprobes, 5);
  assert_int_equal(p->nphases, 2);
  assert_true(p->pops[0].params[IR_P_LIF_V_TH].a == 0.1 + 0.2);
  assert_int_equal(p->pops[0].params[IR_P_LIF_DV].kind, IR_VAL_UNSET);
  assert_true(p->inputs[0].rate.a == 0.02);
  assert_true(p->inputs[3].rate.a == 0.1 + 0.2);
  assert_int_equal(p->inputs[3].inject_into, 0);
  assert_string_equal(p->inputs[2].file, "dir with space/replay \"1\".csv");
  assert_true(p->astros[2].params[IR_P_LI_RINZEL_K_IP3R].a == 0.0002);
  assert_true(ir_dim_eq(p->astros[2].params[IR_P_LI_RINZEL_K_IP3R].dim, IR_DIM_PER_CONC_TIME));
  assert_string_equal(p->astros[0].loc.file, "a file: with colon.yaml");
  assert_int_equal(p->astros[0].loc.line, 9);
  assert_string_equal(p->astros[2].loc.file, " spaced \"name\".yaml");
  assert_null(p->pops[2].loc.file);
  const ir_value *g = &p->pops[2].params[IR_P_AMSU_GAIN];
  assert_int_equal(g->kind, IR_VAL_CHOICE);
  assert_int_equal(g->nchoice, 3);
  assert_true(g->choice[0] == -1.0 / 7.0 && g->choice[2] == 2.5e-300);
  const ir_value *n2 = &p->pops[2].params[IR_P_AMSU_TAU_V];
  assert_true(n2->kind == IR_VAL_NORMAL && n2->lo == 15 && n2->hi == 25);
  const ir_value *n3 = &p->pops[2].params[IR_P_AMSU_TAU_ASTRO];
  assert_true(isinf(n3->lo) && n3->lo < 0 && n3->hi == 30);
  assert_int_equal(p->pops[1].sites[4], 15);
  const ir_csr *c = p->projs[0].csr;
  assert_non_null(c);
  assert_int_equal(c->nsyn, 4);
  uint64_t rp[] = {0, 2, 2, 2, 3, 4};
  for (int i = 0; i < 6; i++) assert_int_equal(c->row_ptr[i], rp[i]);
  assert_true(c->weight[1] == -1.0f / 3.0f && c->weight[2] == 1e-38f && c->weight[3] == 16777216.0f);
  assert_int_equal(c->delay[2], 65535);
  assert_int_equal(c->col[3], 3);
  assert_int_equal(p->projs[0].modulator, 0);
  assert_true(p->projs[1].anti_hebbian);
  assert_int_equal(p->projs[4].rule.n, UINT64_MAX);
  assert_int_equal(p->projs[6].modulator, 1);
  assert_int_equal(p->astros[1].modulates[1].kind, IR_NODE_POPULATION);
  assert_int_equal(p->astros[0].listen[1].sign, -1);
  const ir_attr *at = ir_attr_get(&p->attrs, "min");
  assert_true(at && at->kind == IR_ATTR_INT && at->u.i == INT64_MIN);
  at = ir_attr_get(&p->attrs, "one");
  assert_true(at && at->kind == IR_ATTR_FLOAT && at->u.f == 1.0);
  at = ir_attr_get(&p->attrs, "quant.note");
  assert_true(at && at->kind == IR_ATTR_STR);
  assert_string_equal(at->u.s, "tab\there \"quoted\" back\\slash\nnewline \x01");
  assert_non_null(ir_attr_get(&p->attrs, "needs quotes"));
  assert_int_equal(p->probes[1].nindices, 2);
  assert_int_equal(p->probes[1].indices[0], 3);
  free(a);
  ir_module_destroy(m);
  ir_module_destroy(p);
}

/* xorshift64*: random bit patterns for doubles (an independent generator, not astroc's). */
static uint64_t rnd(uint64_t *s) {
  *s ^= *s >> 12, *s ^= *s << 25, *s ^= *s >> 27;
  return *s * 2685821657736338717ULL;
}

/* Random doubles of every dimension, including rates (printed in Hz through a *1e-3 factor),
 * print and parse back to the identical bits; so do random float CSR weights. */
static void test_float_exactness(void **state) {
  (void)state;
  uint64_t s = 0x9e3779b97f4a7c15ULL;
  int fallbacks = 0;
  for (int i = 0; i < 3000; i++) {
    double x[6];
    for (int k = 0; k < 6; k++) {
      uint64_t bits = rnd(&s);
      if (i % 3 == 0) x[k] = (double)(bits >> 11) * 0x1.0p-53 * 1000.0; /* typical magnitudes */
      else memcpy(&x[k], &bits, sizeof x[k]);
      if (isnan(x[k])) x[k] = 1.0;
    }
    float wf;
    uint32_t wb = (uint32_t)rnd(&s);
    memcpy(&wf, &wb, sizeof wf);
    if (isnan(wf)) wf = 0.5f;

    ir_module *m = ir_module_create("f");
    m->dt = x[0];
    int32_t in = ir_add_input(m, "i", IR_INPUT_POISSON, 1, (ir_loc){0});
    m->inputs[in].rate = ir_value_const(x[1], IR_DIM_RATE);
    ir_add_population(m, "p", IR_NEURON_LIF, 1, (ir_loc){0});
    int32_t a = ir_add_astrocyte(m, "a", IR_ASTRO_LI_RINZEL, (ir_loc){0});
    ir_value *ap = m->astros[a].params;
    ap[IR_P_LI_RINZEL_K_IP3R] = ir_value_const(x[2], IR_DIM_PER_CONC_TIME);
    ap[IR_P_LI_RINZEL_RATE_SERCA] = ir_value_const(x[3], IR_DIM_CONC_RATE);
    ap[IR_P_LI_RINZEL_RATIO_ER_CYT] = ir_value_const(x[4], IR_DIM_NONE);
    ap[IR_P_LI_RINZEL_CA_TOT] = ir_value_const(x[5], IR_DIM_CONC);
    int32_t pj = ir_add_projection(m, "pj", (ir_ref){IR_NODE_INPUT, 0}, (ir_ref){IR_NODE_POPULATION, 0}, (ir_loc){0});
    m->projs[pj].weight = ir_value_const(x[5], IR_DIM_VOLTAGE);
    ir_csr *c = ir_csr_create(1, 1, 1);
    c->row_ptr[1] = 1, c->col[0] = 0, c->weight[0] = wf, c->delay[0] = 0;
    m->projs[pj].csr = c;

    char *text = print_to_string(m, true);
    if (strstr(text, "kHz")) fallbacks++;
    ir_module *p = reparse(text);
    assert_non_null(p);
    ir_value *pp = p->astros[0].params;
    assert_memory_equal(&p->dt, &x[0], sizeof(double));
    assert_memory_equal(&p->inputs[0].rate.a, &x[1], sizeof(double));
    assert_memory_equal(&pp[IR_P_LI_RINZEL_K_IP3R].a, &x[2], sizeof(double));
    assert_memory_equal(&pp[IR_P_LI_RINZEL_RATE_SERCA].a, &x[3], sizeof(double));
    assert_memory_equal(&pp[IR_P_LI_RINZEL_RATIO_ER_CYT].a, &x[4], sizeof(double));
    assert_memory_equal(&pp[IR_P_LI_RINZEL_CA_TOT].a, &x[5], sizeof(double));
    assert_memory_equal(&p->projs[0].weight.a, &x[5], sizeof(double));
    assert_memory_equal(&p->projs[0].csr->weight[0], &wf, sizeof(float));
    char *again = print_to_string(p, true);
    assert_string_equal(text, again);
    free(again);
    free(text);
    ir_module_destroy(m);
    ir_module_destroy(p);
  }
  print_message("rates printed with the exact kHz fallback: %d of 3000\n", fallbacks);
}

/* ---------------------------------------------------------------- golden files */

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  size_t got = fread(buf, 1, (size_t)n, f);
  buf[got] = '\0';
  fclose(f);
  return buf;
}

static void check_golden(const char *name, ir_module *m, bool synapses) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", golden_dir, name);
  char *want = slurp(path);
  char *got = print_to_string(m, synapses);
  if (!want) fail_msg("cannot read golden file %s", path);
  if (strcmp(want, got) != 0) {
    fprintf(stderr, "---- %s differs; printed:\n%s", path, got);
    fail_msg("golden mismatch: %s", path);
  }
  /* and the golden text itself parses to the same module */
  ir_module *p = reparse(want);
  assert_non_null(p);
  char *again = print_to_string(p, synapses);
  assert_string_equal(again, want);
  free(again);
  ir_module_destroy(p);
  free(want);
  free(got);
}

static void test_golden_small(void **state) {
  (void)state;
  ir_module *m = make_small(false);
  check_golden("small.ir", m, false);
  ir_module_destroy(m);
}

static void test_golden_small_expanded(void **state) {
  (void)state;
  ir_module *m = make_small(true);
  check_golden("small_expanded.ir", m, true);
  ir_module_destroy(m);
}

/* The summary line carries an FNV-1a checksum; computed here by hand for the expanded small CSR. */
static uint64_t fnv(uint64_t h, uint64_t v, int n) {
  for (int i = 0; i < n; i++) h = (h ^ ((v >> (8 * i)) & 0xff)) * 0x100000001b3ULL;
  return h;
}

static void test_csr_summary(void **state) {
  (void)state;
  ir_module *m = make_small(true);
  char *a = print_to_string(m, false);
  uint64_t h = 0xcbf29ce484222325ULL;
  h = fnv(h, 2, 4), h = fnv(h, 3, 4), h = fnv(h, 4, 8);
  uint64_t rp[] = {0, 3, 4};
  uint32_t col[] = {0, 1, 2, 1};
  float w[] = {2.5f, 2.5f, -0.75f, 2.5f};
  uint16_t dl[] = {1, 1, 1, 0};
  for (int i = 0; i < 3; i++) h = fnv(h, rp[i], 8);
  for (int i = 0; i < 4; i++) h = fnv(h, col[i], 4);
  for (int i = 0; i < 4; i++) {
    uint32_t b;
    memcpy(&b, &w[i], 4);
    h = fnv(h, b, 4);
  }
  for (int i = 0; i < 4; i++) h = fnv(h, dl[i], 2);
  char want[128];
  snprintf(want, sizeof want, "  csr npre=2 npost=3 nsyn=4 checksum=0x%016llx\n", (unsigned long long)h);
  assert_non_null(strstr(a, want));
  /* a summary cannot be read back: a precise error, not a silently different module */
  diag_buf db;
  diag_open(&db);
  assert_null(parse_string_ir(a, db.d));
  assert_non_null(strstr(diag_text(&db), "cannot be read back; print the IR with --synapses"));
  diag_close(&db);
  free(a);
  ir_module_destroy(m);
}

/* Hand-written text without location comments or defaults parses; defaults are filled in. */
static void test_parse_minimal_and_defaults(void **state) {
  (void)state;
  const char *text = "; a comment line\n\nastroc-ir 1\nnetwork \"n\"\npopulation @p lif size=2\n"
                     "population @q nalsm_lif size=1   ; just a comment\n"
                     "projection @x @p -> @q\n";
  ir_diag *d = ir_diag_create(stderr);
  ir_module *m = parse_string_ir(text, d);
  assert_non_null(m);
  assert_true(m->dt == 1.0 && m->v_unit == 1.0 && m->seed == 0);
  assert_true(m->pops[0].params[IR_P_LIF_TAU_V].a == 20.0);
  assert_null(m->pops[1].loc.file);
  assert_int_equal(m->projs[0].rule.kind, IR_CONN_ALL_TO_ALL);
  assert_true(ir_verify(m, d));
  ir_module_destroy(m);
  ir_diag_destroy(d);
}

/* Windows line ends read the same as Unix ones. */
static void test_parse_crlf(void **state) {
  (void)state;
  ir_module *m = make_small(true);
  char *lf = print_to_string(m, true);
  size_t n = strlen(lf), k = 0;
  char *crlf = malloc(2 * n + 1);
  for (size_t i = 0; i < n; i++) {
    if (lf[i] == '\n') crlf[k++] = '\r';
    crlf[k++] = lf[i];
  }
  crlf[k] = '\0';
  ir_module *p = reparse(crlf);
  assert_non_null(p);
  char *again = print_to_string(p, true);
  assert_string_equal(again, lf);
  free(again);
  free(crlf);
  free(lf);
  ir_module_destroy(p);
  ir_module_destroy(m);
}

/* ---------------------------------------------------------------- parse errors */

typedef struct bad_text {
  const char *text;
  const char *where; /* "t.ir:LINE:COL: error: " */
  const char *msg;   /* substring of the message */
} bad_text;

#define HDR "astroc-ir 1\nnetwork \"n\"\n"

static const bad_text bad_texts[] = {
    {"", "t.ir:1:1: error: ", "expected 'astroc-ir 1'"},
    {"astroc-ir 2\n", "t.ir:1:11: error: ", "unsupported IR text version 2"},
    {"astroc-ir 1\nnetwork n\n", "t.ir:2:9: error: ", "expected the network name as a quoted string"},
    {HDR "population @p lif\n", "t.ir:3:1: error: ", "population 'p' needs size="},
    {HDR "population @p lof size=1\n", "t.ir:3:15: error: ", "unknown neuron model 'lof'; did you mean 'lif'?"},
    {HDR "population @p lif size=1 tua_v=3ms\n", "t.ir:3:26: error: ",
     "unknown attribute 'tua_v' of population 'p'; did you mean 'tau_v'?"},
    {HDR "population @p lif size=1 tau_v=3mV\n", "t.ir:3:33: error: ", "expected a time, e.g. 1ms; got a voltage (mV)"},
    {HDR "population @p lif size=1 tau_v=3\n", "t.ir:3:32: error: ", "expected a time with its unit"},
    {HDR "population @p lif size=1 tau_v=3parsecs\n", "t.ir:3:33: error: ", "unknown unit 'parsecs'"},
    {HDR "population @p lif size=1 size=2\n", "t.ir:3:26: error: ", "duplicate attribute 'size'"},
    {HDR "population @p lif size=4294967296\n", "t.ir:3:24: error: ", "a size is out of range"},
    {HDR "population @p lif size=1\npopulation @p lif size=1\n", "t.ir:4:12: error: ", "duplicate name '@p'"},
    {HDR "projection @x @p -> @p\n", "t.ir:3:15: error: ", "no population or input named '@p'"},
    {HDR "population @exc lif size=1\nprojection @x @exc -> @exd\n", "t.ir:4:23: error: ",
     "no population named '@exd'; did you mean '@exc'?"},
    {HDR "population @p lif size=1\nprobe @r @p var=v\nprojection @x @r -> @p\n", "t.ir:5:15: error: ",
     "'@r' is a probe; expected a population or an input"},
    {HDR "population @p lif size=1 v_th=uniform(1mV 2mV)\n", "t.ir:3:43: error: ", "expected ','"},
    {HDR "population @p lif size=1 v_th=normal(1mV,2mV,mni=0mV)\n", "t.ir:3:46: error: ", "expected min= or max="},
    {HDR "population @p lif size=1 v_th=choice()\n", "t.ir:3:38: error: ", "expected a number"},
    {HDR "population @p lif size=1 v_th=banana\n", "t.ir:3:31: error: ", "expected a value"},
    {HDR "population @p lif size=1\n  attrs={a=1, a=2}\n", "t.ir:4:15: error: ", "duplicate attribute 'a'"},
    {HDR "population @p lif size=1\n  attrs={a=\"x}\n", "t.ir:4:12: error: ", "unterminated string"},
    {HDR "population @p lif size=1\n  attrs={a=\"\\q\"}\n", "t.ir:4:13: error: ", "unknown escape"},
    {HDR "population @p lif size=1\n  attrs={a=99999999999999999999}\n", "t.ir:4:12: error: ", "out of range"},
    {HDR "grid @g shape=[1,2] spacing=1\n", "t.ir:3:9: error: ", "shape needs 3 extents"},
    {HDR "population @p lif size=2\nprojection @x @p -> @p\n  csr npre=2 npost=2 nsyn=2\n    1: 0@1\n    0: 1@1\n",
     "t.ir:7:5: error: ", "row 0 is out of order"},
    {HDR "population @p lif size=2\nprojection @x @p -> @p\n  csr npre=2 npost=2 nsyn=2\n    0: 0@1\n",
     "t.ir:5:3: error: ", "csr nsyn=2 but 1 synapses are listed"},
    {HDR "population @p lif size=2\nprojection @x @p -> @p\n  csr npre=2 npost=2 nsyn=1\n    5: 0@1\n",
     "t.ir:6:5: error: ", "row 5 is out of range"},
    {HDR "population @p lif size=2\nprojection @x @p -> @p\n    0: 0@1\n", "t.ir:5:5: error: ",
     "a synapse row must follow"},
    {HDR "population @p lif size=2\nprojection @x @p -> @p\n  csr npre=99999999 npost=2 nsyn=1\n", "t.ir:5:3: error: ",
     "more rows than astroc reads"},
    {HDR "population @p lif size=2\nprojection @x @p -> @p rule=distance(p=0.1)\n", "t.ir:4:38: error: ",
     "'p' is not an argument of rule distance"},
    {HDR "population @p lif size=2\nprojection @x @p -> @p rule=distanse\n", "t.ir:4:29: error: ",
     "did you mean 'distance'?"},
    {HDR "population @p lif size=2\nprojection @x @p -> @p\n  plasticity=stdp(a_plus=1)\n", "t.ir:5:26: error: ",
     "expected a voltage with its unit"},
    {HDR "population @p lif size=2\nprojection @x @p -> @p\n  plasticity=stdp(modulator=@p)\n", "t.ir:5:29: error: ",
     "'@p' is a population; expected an astrocyte"},
    {HDR "  size=1\n", "t.ir:3:3: error: ", "unknown attribute 'size' of the network"},
    {HDR "neuron @p lif size=1\n", "t.ir:3:1: error: ", "expected a node"},
    {HDR "population @p lif size=1 \x01\n", "t.ir:3:26: error: ", "expected an attribute 'name=value', got '\\x01'"},
    {HDR "input @i poisson size=1 rate=20Hz encoding=morse\n", "t.ir:3:35: error: ", "unknown encoding 'morse'"},
    {HDR "input @i dataset size=1 dataset=\"a\\x00\"\n", "t.ir:3:35: error: ", "may not contain \\x00"},
};

static void test_parse_errors(void **state) {
  (void)state;
  int failures = 0;
  for (size_t i = 0; i < sizeof bad_texts / sizeof bad_texts[0]; i++) {
    diag_buf db;
    diag_open(&db);
    ir_module *m = parse_string_ir(bad_texts[i].text, db.d);
    const char *out = diag_text(&db);
    if (m || strncmp(out, bad_texts[i].where, strlen(bad_texts[i].where)) != 0 || !strstr(out, bad_texts[i].msg)) {
      fprintf(stderr, "case %zu: text:\n%s\nwant %s...%s\ngot: %s\n", i, bad_texts[i].text, bad_texts[i].where,
              bad_texts[i].msg, out);
      failures++;
    }
    assert_int_equal(ir_diag_error_count(db.d), 1);
    ir_module_destroy(m);
    diag_close(&db);
  }
  assert_int_equal(failures, 0);
}

/* Every prefix of a valid text either parses or fails with a diagnostic; none crashes. */
static void test_parse_prefixes(void **state) {
  (void)state;
  ir_module *m = make_full();
  char *a = print_to_string(m, true);
  size_t n = strlen(a);
  for (size_t k = 0; k < n; k += 7) {
    ir_diag *d = ir_diag_create(NULL);
    ir_module *p = ir_parse(a, k, "prefix.ir", d);
    if (!p) assert_int_equal(ir_diag_error_count(d), 1);
    ir_module_destroy(p);
    ir_diag_destroy(d);
  }
  free(a);
  ir_module_destroy(m);
}

int main(int argc, char **argv) {
  if (argc > 1) golden_dir = argv[1];
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_full_module_verifies), cmocka_unit_test(test_round_trip_full),
      cmocka_unit_test(test_round_trip_values),    cmocka_unit_test(test_float_exactness),
      cmocka_unit_test(test_golden_small),         cmocka_unit_test(test_golden_small_expanded),
      cmocka_unit_test(test_csr_summary),          cmocka_unit_test(test_parse_minimal_and_defaults),
      cmocka_unit_test(test_parse_crlf),           cmocka_unit_test(test_parse_errors),         cmocka_unit_test(test_parse_prefixes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
