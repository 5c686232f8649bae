/* test_conformance.c — the loihi engine, running only the compiled tables, against the interp engine in
 * fixed numerics: identical rasters and final state on the lif and NALSM examples and on 200 random
 * lif / nalsm_lif / amsu networks with current injection (some compiled for a deliberately tiny target so
 * that they span many cores), and with learning on 80 of them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fe.h"
#include "lh_test_util.h"

/* Runs both engines and asserts identical rasters and states. Returns the number of spikes. */
static size_t check_same(ir_module *m, const lh_target *t, uint64_t steps, ir_diag *d) {
  char *dir = lt_compile_to_dir(m, t, d);
  assert_non_null(dir);
  lt_raster a = {0}, b = {0};
  double *sa = NULL, *sb = NULL;
  assert_true(lt_run(m, "interp", steps, &a, &sa, d));
  assert_true(lt_run(m, "loihi", steps, &b, &sb, d));
  assert_int_equal(a.n, b.n);
  for (size_t i = 0; i < a.n; i++)
    if (a.key[i] != b.key[i])
      fail_msg("spike %zu differs: interp step %llu src %llu neuron %llu, loihi step %llu src %llu neuron %llu", i,
               (unsigned long long)(a.key[i] >> 40), (unsigned long long)((a.key[i] >> 24) & 0xffff),
               (unsigned long long)(a.key[i] & 0xffffff), (unsigned long long)(b.key[i] >> 40),
               (unsigned long long)((b.key[i] >> 24) & 0xffff), (unsigned long long)(b.key[i] & 0xffffff));
  uint64_t total = 0;
  for (uint32_t p = 0; p < m->npops; p++)
    total += LT_NSTATE * (uint64_t)m->pops[p].size;
  for (uint64_t i = 0; i < total; i++)
    if (sa[i] != sb[i])
      fail_msg("state %llu differs: interp %.0f, loihi %.0f", (unsigned long long)i, sa[i], sb[i]);
  size_t n = a.n;
  free(a.key);
  free(b.key);
  free(sa);
  free(sb);
  lt_rmdir(dir);
  free(dir);
  return n;
}

static ir_module *load_example(const char *name, ir_diag *d) {
  char path[512];
  snprintf(path, sizeof path, "%s/examples/%s", LH_TEST_SRCDIR, name);
  ir_module *m = fe_yaml_load(path, d);
  assert_non_null(m);
  m->numerics = IR_NUMERICS_FIXED;
  return m;
}

static void expand(ir_module *m, ir_diag *d) {
  assert_true(pass_layout(m, d));
  assert_true(pass_expand(m, d));
}

static void test_lif_small(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(stderr);
  ir_module *m = load_example("lif_small.yaml", d);
  expand(m, d);
  /* lif_small's raster has 23 population spikes + 12 input events in 50 steps (tests/runtime) */
  assert_int_equal(check_same(m, lh_target_get("loihi1"), 50, d), 35);
  ir_module_destroy(m);
  ir_diag_destroy(d);
}

/* CUBA in fixed mode (examples/cuba.yaml, v_unit 1/64 mV): an active network; loihi and interp must agree
 * spike for spike and state for state. */
static void test_cuba(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(stderr);
  ir_module *m = load_example("cuba.yaml", d);
  expand(m, d);
  size_t n = check_same(m, lh_target_get("loihi1"), 600, d);
  assert_true(n > 1000);
  ir_module_destroy(m);
  ir_diag_destroy(d);
}

/* The NALSM examples in fixed numerics: nalsm_lif compartments with kernel formats, a dataset input
 * injecting current, astro_stdp on every projection. Skipped when the data set is not installed. */
static void check_nalsm_example(const char *name, const lh_target *t, uint64_t steps, size_t min_spikes) {
  ir_diag *d = ir_diag_create(NULL);
  ir_module *m = load_example(name, d);
  expand(m, d);
  rt_options opt = {.engine = "interp", .numerics = -1};
  rt_sim *s = rt_sim_create(m, &opt, d);
  if (!s) { /* the data set is missing (docs/datasets.md) */
    ir_module_destroy(m);
    ir_diag_destroy(d);
    skip();
  }
  rt_sim_destroy(s);
  size_t n = check_same(m, t, steps, d);
  print_message("%s on %s: %zu spikes identical\n", name, t->name, n);
  assert_true(n >= min_spikes);
  ir_module_destroy(m);
  ir_diag_destroy(d);
}

/* examples/amsu.yaml: 64 two-compartment amsu units (soma + astrocyte compartment) over 1000 steps on both
 * targets: rasters, v, u and every unit's astrocyte state a identical. */
static void test_amsu_example(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(stderr);
  ir_module *m = load_example("amsu.yaml", d);
  expand(m, d);
  size_t n1 = check_same(m, lh_target_get("loihi1"), 1000, d);
  size_t n2 = check_same(m, lh_target_get("loihi2"), 1000, d);
  assert_int_equal(n1, n2);
  /* the units spike and their astrocytes move: a is not 0 everywhere at the end (the states are equal) */
  lt_raster r = {0};
  double *st = NULL;
  assert_true(lt_run(m, "interp", 1000, &r, &st, d));
  uint32_t nonzero = 0;
  for (uint32_t j = 0; j < 64; j++)
    nonzero += st[2 * 64 + j] != 0;
  print_message("amsu.yaml: %zu spikes identical on loihi1 and loihi2, %u of 64 astrocyte states nonzero\n", n1,
                nonzero);
  assert_true(n1 > 5000);
  assert_true(nonzero > 32);
  free(r.key);
  free(st);
  ir_module_destroy(m);
  ir_diag_destroy(d);
}

/* Runs both engines `steps` steps and asserts equal ca and g of every tripartite astrocyte; returns the
 * largest g (Q16) seen at the end. */
static int64_t check_tripartite_states(ir_module *m, const lh_target *t, uint64_t steps, ir_diag *d) {
  char *dir = lt_compile_to_dir(m, t, d);
  assert_non_null(dir);
  rt_options oi = {.engine = "interp", .numerics = -1}, ol = {.engine = "loihi", .numerics = -1};
  rt_sim *a = rt_sim_create(m, &oi, d), *b = rt_sim_create(m, &ol, d);
  assert_non_null(a);
  assert_non_null(b);
  assert_true(rt_sim_run(a, steps, d) && rt_sim_run(b, steps, d));
  int64_t gmax = 0;
  for (uint32_t k = 0; k < m->nastros; k++) {
    if (m->astros[k].model != IR_ASTRO_TRIPARTITE)
      continue;
    const char *vars[] = {"ca", "g"};
    for (int v = 0; v < 2; v++) {
      ir_ref node = {IR_NODE_ASTROCYTE, k};
      uint64_t na = 0, nb = 0;
      assert_true(rt_sim_state_size(a, node, vars[v], &na) && rt_sim_state_size(b, node, vars[v], &nb));
      assert_int_equal(na, nb);
      double *va = calloc(na + 1, sizeof(double)), *vb = calloc(nb + 1, sizeof(double));
      assert_true(rt_sim_read_state(a, node, vars[v], va) && rt_sim_read_state(b, node, vars[v], vb));
      for (uint64_t i = 0; i < na; i++) {
        if (va[i] != vb[i])
          fail_msg("astrocyte %u %s[%llu]: interp %.0f loihi %.0f", k, vars[v], (unsigned long long)i, va[i], vb[i]);
        if (v == 1 && va[i] > (double)gmax)
          gmax = (int64_t)va[i];
      }
      free(va);
      free(vb);
    }
  }
  rt_sim_destroy(a);
  rt_sim_destroy(b);
  lt_rmdir(dir);
  free(dir);
  return gmax;
}

/* examples/tripartite.yaml (2000 steps, loihi1 and loihi2): raster, lif state, and the astrocyte's ca and
 * g identical; g has risen (the example's efficacy roughly doubles). */
static void test_tripartite_example(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(stderr);
  ir_module *m = load_example("tripartite.yaml", d);
  expand(m, d);
  size_t n1 = check_same(m, lh_target_get("loihi1"), 2000, d);
  size_t n2 = check_same(m, lh_target_get("loihi2"), 2000, d);
  assert_int_equal(n1, n2);
  int64_t g = check_tripartite_states(m, lh_target_get("loihi2"), 2000, d);
  print_message("tripartite.yaml: %zu spikes identical on loihi1 and loihi2, final g %lld (Q16)\n", n1, (long long)g);
  assert_true(n1 > 1000);
  assert_true(g > 32768);
  ir_module_destroy(m);
  ir_diag_destroy(d);
}

static void test_nalsm_tiny(void **state) {
  (void)state;
  check_nalsm_example("nalsm/nalsm_tiny.yaml", lh_target_get("loihi1"), 300, 5000);
}

static void test_nalsm1000(void **state) {
  (void)state;
  check_nalsm_example("nalsm/nalsm1000.yaml", lh_target_get("loihi2"), 120, 5000);
}

/* ---------------------------------------------------------------- random networks */

static uint64_t lcg(uint64_t *s) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return *s >> 33;
}
static uint32_t pick(uint64_t *s, uint32_t n) { return (uint32_t)(lcg(s) % n); }
static double unif(uint64_t *s, double a, double b) { return a + (b - a) * (double)(lcg(s) % 1000000) / 1e6; }

static ir_value vuniform(double a, double b, ir_dim dim) {
  ir_value v = ir_value_const(a, dim);
  v.kind = IR_VAL_UNIFORM;
  v.b = b;
  return v;
}

static const double vth_choices[] = {4, 7, 9};
static const double nalsm_vth_choices[] = {5, 8.5, 12};
static const double reset_choices[] = {0, -2, 1.5};

/* A nalsm_lif population: leak, threshold (a few distinct values), reset, refractory, kernel. */
static void nalsm_pop(ir_module *m, const char *name, uint64_t *s) {
  ir_loc loc = {0};
  int32_t k = ir_add_population(m, name, IR_NEURON_NALSM_LIF, 1 + pick(s, 60), loc);
  ir_value *q = m->pops[k].params;
  q[IR_P_NALSM_LIF_TAU_V] = pick(s, 2) ? ir_value_const(unif(s, 2, 100), IR_DIM_TIME) : vuniform(5, 80, IR_DIM_TIME);
  q[IR_P_NALSM_LIF_V_TH] = pick(s, 2) ? ir_value_const(unif(s, 2, 20), IR_DIM_VOLTAGE)
                                      : (ir_value){.kind = IR_VAL_CHOICE, .dim = IR_DIM_VOLTAGE, .nchoice = 3,
                                                   .choice = nalsm_vth_choices};
  q[IR_P_NALSM_LIF_V_RESET] = pick(s, 2) ? ir_value_const(0, IR_DIM_VOLTAGE)
                                         : (ir_value){.kind = IR_VAL_CHOICE, .dim = IR_DIM_VOLTAGE, .nchoice = 3,
                                                      .choice = reset_choices};
  q[IR_P_NALSM_LIF_REFRACTORY] = ir_value_const(pick(s, 5), IR_DIM_TIME);
  q[IR_P_NALSM_LIF_TAU_SYN] = ir_value_const(unif(s, 0, 4), IR_DIM_TIME);
  q[IR_P_NALSM_LIF_KERNEL_CUTOFF] = ir_value_const(pick(s, 16), IR_DIM_TIME);
  q[IR_P_NALSM_LIF_V_INIT] = vuniform(-2, 8, IR_DIM_VOLTAGE);
}

/* An amsu population: lif-like decays, a few thresholds, and an astrocyte state of either sign of every
 * coupling (gain, threshold, current), sometimes drawn per unit. */
static void amsu_pop(ir_module *m, const char *name, uint64_t *s) {
  ir_loc loc = {0};
  int32_t k = ir_add_population(m, name, IR_NEURON_AMSU, 1 + pick(s, 40), loc);
  ir_value *q = m->pops[k].params;
  q[IR_P_AMSU_TAU_U] = ir_value_const(unif(s, 0, 10), IR_DIM_TIME);
  q[IR_P_AMSU_TAU_V] = ir_value_const(unif(s, 2, 50), IR_DIM_TIME);
  q[IR_P_AMSU_V_TH] = pick(s, 2) ? ir_value_const(unif(s, 1, 15), IR_DIM_VOLTAGE)
                                 : (ir_value){.kind = IR_VAL_CHOICE, .dim = IR_DIM_VOLTAGE, .nchoice = 3,
                                              .choice = vth_choices};
  q[IR_P_AMSU_REFRACTORY] = ir_value_const(pick(s, 4), IR_DIM_TIME);
  q[IR_P_AMSU_TAU_ASTRO] = pick(s, 3) ? ir_value_const(unif(s, 5, 500), IR_DIM_TIME) : vuniform(10, 300, IR_DIM_TIME);
  q[IR_P_AMSU_ASTRO_SPIKE] = ir_value_const(unif(s, -0.2, 0.8), IR_DIM_NONE);
  q[IR_P_AMSU_ASTRO_PRE] = ir_value_const(unif(s, -0.05, 0.2), IR_DIM_NONE);
  q[IR_P_AMSU_GAIN] = ir_value_const(unif(s, -0.5, 1.5), IR_DIM_NONE);
  q[IR_P_AMSU_THRESH_GAIN] = ir_value_const(unif(s, -1, 4), IR_DIM_VOLTAGE);
  q[IR_P_AMSU_ASTRO_CURRENT] = pick(s, 2) ? ir_value_const(0, IR_DIM_VOLTAGE) : ir_value_const(unif(s, -1, 2), IR_DIM_VOLTAGE);
  q[IR_P_AMSU_V_INIT] = vuniform(-2, 8, IR_DIM_VOLTAGE);
}

static ir_module *random_net(uint64_t seed) {
  uint64_t s = seed * 7919 + 17;
  ir_module *m = ir_module_create("rnd");
  m->numerics = IR_NUMERICS_FIXED;
  m->seed = seed;
  m->v_unit = pick(&s, 2) ? 1.0 : 0.5;
  ir_loc loc = {0};
  uint32_t npops = 1 + pick(&s, 3), ninputs = pick(&s, 3);
  char name[32];
  for (uint32_t p = 0; p < npops; p++) {
    snprintf(name, sizeof name, "p%u", p);
    uint32_t kind = pick(&s, 3);
    if (kind == 0) {
      nalsm_pop(m, name, &s);
      continue;
    }
    if (kind == 1 && pick(&s, 2) == 0) {
      amsu_pop(m, name, &s);
      continue;
    }
    int32_t k = ir_add_population(m, name, IR_NEURON_LIF, 1 + pick(&s, 60), loc);
    ir_value *q = m->pops[k].params;
    if (pick(&s, 2)) {
      q[IR_P_LIF_DU] = ir_value_const(pick(&s, 4096), IR_DIM_NONE);
      q[IR_P_LIF_DV] = ir_value_const(pick(&s, 600), IR_DIM_NONE);
    } else {
      q[IR_P_LIF_TAU_U] = ir_value_const(unif(&s, 0, 10), IR_DIM_TIME);
      q[IR_P_LIF_TAU_V] = ir_value_const(unif(&s, 2, 50), IR_DIM_TIME);
    }
    q[IR_P_LIF_V_TH] = pick(&s, 2) ? ir_value_const(unif(&s, 1, 20), IR_DIM_VOLTAGE)
                                   : vuniform(2, 12, IR_DIM_VOLTAGE); /* per-neuron thresholds: <= 8 fit? */
    if (q[IR_P_LIF_V_TH].kind == IR_VAL_UNIFORM) { /* few distinct thresholds: round to 1 mV steps */
      q[IR_P_LIF_V_TH] = (ir_value){.kind = IR_VAL_CHOICE, .dim = IR_DIM_VOLTAGE, .nchoice = 3,
                                    .choice = vth_choices};
    }
    q[IR_P_LIF_BIAS] = pick(&s, 2) ? ir_value_const(unif(&s, -0.5, 1.5), IR_DIM_VOLTAGE)
                                   : vuniform(0, 1, IR_DIM_VOLTAGE);
    q[IR_P_LIF_REFRACTORY] = ir_value_const(pick(&s, 5), IR_DIM_TIME);
    q[IR_P_LIF_V_INIT] = vuniform(-2, 8, IR_DIM_VOLTAGE);
    if (pick(&s, 3) == 0)
      q[IR_P_LIF_U_INIT] = vuniform(-1, 1, IR_DIM_VOLTAGE);
  }
  for (uint32_t k = 0; k < ninputs; k++) {
    snprintf(name, sizeof name, "in%u", k);
    bool poisson = pick(&s, 2);
    int32_t i = ir_add_input(m, name, poisson ? IR_INPUT_POISSON : IR_INPUT_BERNOULLI, 1 + pick(&s, 40), loc);
    if (poisson)
      m->inputs[i].rate = pick(&s, 2) ? ir_value_const(unif(&s, 0.01, 0.2), IR_DIM_RATE)
                                      : vuniform(0, 0.1, IR_DIM_RATE); /* per ms */
    else
      m->inputs[i].p = ir_value_const(unif(&s, 0.0, 0.3), IR_DIM_NONE);
  }
  if (pick(&s, 3) == 0) { /* current injection, one-to-one into a population of the same size */
    uint32_t into = pick(&s, npops);
    int32_t i = ir_add_input(m, "inj", IR_INPUT_POISSON, m->pops[into].size, loc);
    m->inputs[i].rate = ir_value_const(unif(&s, 0.02, 0.3), IR_DIM_RATE);
    m->inputs[i].inject_into = (int32_t)into;
    m->inputs[i].inject_current = pick(&s, 2) ? ir_value_const(unif(&s, -3, 12), IR_DIM_VOLTAGE)
                                              : vuniform(0, 10, IR_DIM_VOLTAGE);
    ninputs++;
  }
  uint32_t nproj = 1 + pick(&s, 5);
  for (uint32_t k = 0; k < nproj; k++) {
    uint32_t nsrc = npops + ninputs, src = pick(&s, nsrc);
    ir_ref pre = src < npops ? (ir_ref){IR_NODE_POPULATION, src} : (ir_ref){IR_NODE_INPUT, src - npops};
    ir_ref post = {IR_NODE_POPULATION, pick(&s, npops)};
    snprintf(name, sizeof name, "j%u", k);
    int32_t j = ir_add_projection(m, name, pre, post, loc);
    ir_projection *pr = &m->projs[j];
    uint32_t r = pick(&s, 3);
    pr->rule.kind = r == 0 ? IR_CONN_ALL_TO_ALL : IR_CONN_FIXED_PROBABILITY;
    pr->rule.p = unif(&s, 0.05, 0.6);
    pr->rule.allow_self = pick(&s, 2);
    pr->weight = pick(&s, 2) ? ir_value_const(unif(&s, -6, 8), IR_DIM_VOLTAGE) : vuniform(-4, 6, IR_DIM_VOLTAGE);
    pr->delay = pick(&s, 2) ? ir_value_const(0, IR_DIM_TIME) : vuniform(0, (double)pick(&s, 20), IR_DIM_TIME);
  }
  return m;
}

/* A tripartite astrocyte of 1..3 elements with strong, fast dynamics: it listens to one or two sources
 * (a projection, population or input, either sign) and modulates a projection into an event-driven
 * population and sometimes a population (current only). */
static void add_tripartite(ir_module *m, uint64_t *s) {
  ir_loc loc = {0};
  int32_t mod = -1;
  for (uint32_t k = 0; k < m->nprojs && mod < 0; k++)
    if (m->pops[m->projs[k].post.index].model != IR_NEURON_NALSM_LIF)
      mod = (int32_t)k;
  int32_t a = ir_add_astrocyte(m, "glia", IR_ASTRO_TRIPARTITE, loc);
  ir_astrocyte *as = &m->astros[a];
  as->size = 1 + pick(s, 3);
  uint32_t nl = 1 + pick(s, 2);
  as->listen = ir_arena_alloc(m->arena, nl * sizeof(ir_astro_listen));
  for (uint32_t l = 0; l < nl; l++) {
    uint32_t r = pick(s, 3), nsrc = m->npops + m->ninputs, src = pick(s, nsrc);
    as->listen[l].source = r == 0 ? (ir_ref){IR_NODE_PROJECTION, pick(s, m->nprojs)}
                         : src < m->npops ? (ir_ref){IR_NODE_POPULATION, src}
                                          : (ir_ref){IR_NODE_INPUT, src - m->npops};
    as->listen[l].sign = pick(s, 4) ? 1 : -1;
  }
  as->nlisten = nl;
  uint32_t nm = (mod >= 0) + pick(s, 2);
  as->modulates = ir_arena_alloc(m->arena, (nm + 1) * sizeof(ir_ref));
  as->nmodulates = 0;
  if (mod >= 0)
    as->modulates[as->nmodulates++] = (ir_ref){IR_NODE_PROJECTION, (uint32_t)mod};
  if (as->nmodulates < nm)
    as->modulates[as->nmodulates++] = (ir_ref){IR_NODE_POPULATION, pick(s, m->npops)};
  ir_value *q = as->params;
  q[IR_P_TRIPARTITE_TAU_CA] = ir_value_const(unif(s, 5, 100), IR_DIM_TIME);
  q[IR_P_TRIPARTITE_CA_PER_SPIKE] = pick(s, 2) ? ir_value_const(unif(s, 0.01, 0.2), IR_DIM_NONE)
                                               : vuniform(0.01, 0.2, IR_DIM_NONE);
  q[IR_P_TRIPARTITE_CA_THRESHOLD] = ir_value_const(unif(s, 0.05, 0.6), IR_DIM_NONE);
  q[IR_P_TRIPARTITE_TAU_GLIO] = ir_value_const(unif(s, 5, 100), IR_DIM_TIME);
  q[IR_P_TRIPARTITE_GLIO_RELEASE] = ir_value_const(unif(s, 0.01, 0.3), IR_DIM_NONE);
  q[IR_P_TRIPARTITE_GLIO_GAIN] = ir_value_const(unif(s, -0.8, 2), IR_DIM_NONE);
  q[IR_P_TRIPARTITE_GLIO_CURRENT] = ir_value_const(unif(s, -1, 2), IR_DIM_VOLTAGE);
}

/* A target small enough that random networks span several cores and exercise routing. */
static lh_target tiny_target(void) {
  lh_target t = *lh_target_get("loihi1");
  t.name = "tiny";
  t.limit[LH_RES_CX] = 7;
  t.limit[LH_RES_WORDS] = 1024;
  t.limit[LH_RES_AXIN] = 512;
  t.limit[LH_RES_AXOUT] = 200;
  t.limit[LH_RES_CXPROF] = 4;
  t.limit[LH_RES_VTHPROF] = 2;
  t.limit[LH_RES_FORMATS] = 8;
  t.chips_max = 64;
  t.cores_per_chip = 4;
  return t;
}

static void test_random_networks(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(stderr);
  lh_target tiny = tiny_target();
  size_t spikes = 0, multi = 0, nalsm = 0, inject = 0, mapped = 0, amsu = 0, tri = 0;
  int64_t gmax = 0;
  for (uint64_t seed = 1; seed <= 200; seed++) {
    ir_module *m = random_net(seed);
    uint64_t ts = seed * 101 + 3;
    bool has_tri = pick(&ts, 3) == 0;
    if (has_tri)
      add_tripartite(m, &ts);
    expand(m, d);
    const lh_target *t = seed % 2 ? lh_target_get("loihi1") : &tiny;
    lt_opt.sequential = seed % 4 == 0; /* a quarter through the fallback, the sequential fill */
    lh_config *c = lh_compile_opt(m, t, &lt_opt, d);
    assert_non_null(c);
    multi += c->ncores > 1;
    mapped += c->mapped;
    nalsm += c->nkernels > 0;
    for (uint32_t k = 0; k < m->ninputs; k++)
      inject += m->inputs[k].inject_into >= 0;
    bool has_amsu = false;
    for (uint32_t p = 0; p < m->npops; p++)
      has_amsu |= m->pops[p].model == IR_NEURON_AMSU;
    amsu += has_amsu;
    lh_config_free(c);
    spikes += check_same(m, t, 120, d);
    if (has_tri) {
      int64_t g = check_tripartite_states(m, t, 120, d);
      gmax = g > gmax ? g : gmax;
      tri++;
    }
    ir_module_destroy(m);
  }
  assert_int_equal(ir_diag_error_count(d), 0);
  /* the suite means something only if the networks spike and span cores */
  assert_true(spikes > 10000);
  assert_true(multi > 50);
  assert_true(nalsm > 50);
  assert_true(inject > 30);
  assert_true(mapped > 120);
  assert_true(amsu > 40);
  assert_true(tri > 40);
  assert_true(gmax > 0);
  lt_opt.sequential = false;
  print_message("200 random networks: %zu spikes compared, %zu spanning several cores, %zu with nalsm_lif, "
                "%zu with amsu, %zu with a tripartite astrocyte, %zu with current injection, %zu assigned by the "
                "mapping passes\n", spikes, multi, nalsm, amsu, tri, inject, mapped);
  ir_diag_destroy(d);
}

/* ---------------------------------------------------------------- learning */

/* Reads a state variable into a fresh array (NULL when absent). */
static double *read_var(rt_sim *s, ir_ref node, const char *var, uint64_t *n) {
  if (!rt_sim_state_size(s, node, var, n))
    return NULL;
  double *v = calloc(*n + 1, sizeof(double));
  assert_true(rt_sim_read_state(s, node, var, v));
  return v;
}

static void add_plasticity(ir_module *m, uint64_t *s, bool loihi) {
  ir_loc loc = {0};
  int32_t a = ir_add_astrocyte(m, "astro", IR_ASTRO_NALSM, loc);
  ir_astrocyte *as = &m->astros[a];
  as->size = 1;
  uint32_t nl = 1 + pick(s, m->npops + m->ninputs);
  as->listen = ir_arena_alloc(m->arena, nl * sizeof(ir_astro_listen));
  for (uint32_t l = 0; l < nl; l++) {
    uint32_t src = pick(s, m->npops + m->ninputs);
    as->listen[l].source = src < m->npops ? (ir_ref){IR_NODE_POPULATION, src} : (ir_ref){IR_NODE_INPUT, src - m->npops};
    as->listen[l].sign = pick(s, 2) ? 1 : -1;
  }
  as->nlisten = nl;
  as->params[IR_P_NALSM_ASTRO_W_A] = ir_value_const(unif(s, 0.001, 0.05), IR_DIM_NONE);
  as->params[IR_P_NALSM_ASTRO_TAU] = ir_value_const(unif(s, 5, 100), IR_DIM_TIME);
  for (uint32_t k = 0; k < m->nprojs; k++) {
    ir_projection *pr = &m->projs[k];
    if (pick(s, 3) == 0)
      continue;
    pr->plasticity = pick(s, 2) ? IR_PLAST_STDP : IR_PLAST_ASTRO_STDP;
    pr->anti_hebbian = pick(s, 2);
    ir_params_set_defaults(ir_plasticity_desc(pr->plasticity), pr->plast_params);
    ir_value *q = pr->plast_params;
    q[IR_P_STDP_A_PLUS] = ir_value_const(unif(s, 0.05, 1.5), IR_DIM_VOLTAGE);
    q[IR_P_STDP_A_MINUS] = ir_value_const(unif(s, 0.05, 2), IR_DIM_VOLTAGE);
    q[IR_P_STDP_TAU_PRE] = ir_value_const(unif(s, 2, 20), IR_DIM_TIME);
    q[IR_P_STDP_TAU_POST] = ir_value_const(unif(s, 2, 20), IR_DIM_TIME);
    q[IR_P_STDP_TRACE_INC] = ir_value_const(unif(s, 0.05, 0.5), IR_DIM_NONE);
    if (pick(s, 2)) {
      q[IR_P_STDP_W_MIN] = ir_value_const(-4, IR_DIM_VOLTAGE);
      q[IR_P_STDP_W_MAX] = ir_value_const(6, IR_DIM_VOLTAGE);
    }
    if (pr->plasticity == IR_PLAST_ASTRO_STDP)
      pr->modulator = a;
    if (loihi) /* Loihi's learning arithmetic, epochs of 1 to 8 steps */
      q[IR_P_STDP_T_EPOCH] = ir_value_const(1 + pick(s, 8), IR_DIM_TIME);
  }
}

/* Plastic random networks: raster, v/u, weights, traces and astrocyte state identical after 150 steps;
 * loihi: every plastic projection in Loihi's learning arithmetic (t_epoch). */
static void random_learning(uint64_t first, bool loihi) {
  ir_diag *d = ir_diag_create(stderr);
  lh_target tiny = tiny_target();
  size_t plastic = 0, changed = 0;
  for (uint64_t seed = first; seed < first + 80; seed++) {
    ir_module *m = random_net(seed);
    uint64_t s = seed * 31 + 7;
    add_plasticity(m, &s, loihi);
    expand(m, d);
    const lh_target *t = seed % 2 ? lh_target_get("loihi1") : &tiny;
    lt_opt.sequential = seed % 4 == 0;
    check_same(m, t, 150, d);
    /* the states check_same does not cover: every projection's w (and traces), the astrocyte's a */
    char *dir = lt_compile_to_dir(m, t, d);
    assert_non_null(dir);
    rt_options oi = {.engine = "interp", .numerics = -1}, ol = {.engine = "loihi", .numerics = -1};
    rt_sim *a = rt_sim_create(m, &oi, d), *b = rt_sim_create(m, &ol, d);
    assert_non_null(a);
    assert_non_null(b);
    double **w0 = calloc(m->nprojs + 1, sizeof *w0);
    for (uint32_t k = 0; k < m->nprojs; k++) {
      uint64_t n0;
      w0[k] = read_var(a, (ir_ref){IR_NODE_PROJECTION, k}, "w", &n0);
    }
    assert_true(rt_sim_run(a, 150, d) && rt_sim_run(b, 150, d));
    for (uint32_t k = 0; k < m->nprojs; k++) {
      ir_ref node = {IR_NODE_PROJECTION, k};
      const char *vars[] = {"w", "x_pre", "x_post"};
      for (int v = 0; v < (m->projs[k].plasticity ? 3 : 1); v++) {
        uint64_t na = 0, nb = 0;
        double *va = read_var(a, node, vars[v], &na), *vb = read_var(b, node, vars[v], &nb);
        assert_non_null(va);
        assert_non_null(vb);
        assert_int_equal(na, nb);
        for (uint64_t i = 0; i < na; i++)
          if (va[i] != vb[i])
            fail_msg("seed %llu projection %u %s[%llu]: interp %.0f loihi %.0f", (unsigned long long)seed, k, vars[v],
                     (unsigned long long)i, va[i], vb[i]);
        if (v == 0 && m->projs[k].plasticity) {
          plastic++;
          for (uint64_t i = 0; i < na; i++) {
            changed += va[i] != w0[k][i];
            if (loihi && (int64_t)va[i] % 256 != 0) /* whole mantissas in Loihi's arithmetic */
              fail_msg("seed %llu projection %u: weight word %.0f has a fraction", (unsigned long long)seed, k, va[i]);
          }
        }
        if (v > 0 && loihi)
          for (uint64_t i = 0; i < na; i++)
            assert_true(va[i] >= 0 && va[i] <= 127); /* 7-bit traces */
        free(va);
        free(vb);
      }
      free(w0[k]);
    }
    free(w0);
    uint64_t n1, n2;
    double *aa = read_var(a, (ir_ref){IR_NODE_ASTROCYTE, 0}, "a", &n1), *ab = read_var(b, (ir_ref){IR_NODE_ASTROCYTE, 0}, "a", &n2);
    assert_true(aa && ab && n1 == 1 && n2 == 1);
    assert_true(aa[0] == ab[0]);
    free(aa);
    free(ab);
    rt_sim_destroy(a);
    rt_sim_destroy(b);
    lt_rmdir(dir);
    free(dir);
    ir_module_destroy(m);
  }
  lt_opt.sequential = false;
  assert_true(plastic > 50);
  assert_true(changed > 1000);
  print_message("80 plastic networks (%s arithmetic): %zu plastic projections, %zu weights changed by learning\n",
                loihi ? "Loihi" : "astroc", plastic, changed);
  ir_diag_destroy(d);
}

static void test_random_learning(void **state) {
  (void)state;
  random_learning(1000, false);
}

static void test_random_learning_loihi(void **state) {
  (void)state;
  random_learning(2000, true);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lif_small),
      cmocka_unit_test(test_cuba),
      cmocka_unit_test(test_amsu_example),
      cmocka_unit_test(test_tripartite_example),
      cmocka_unit_test(test_nalsm_tiny),
      cmocka_unit_test(test_nalsm1000),
      cmocka_unit_test(test_random_networks),
      cmocka_unit_test(test_random_learning),
      cmocka_unit_test(test_random_learning_loihi),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
