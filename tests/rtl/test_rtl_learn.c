/* test_rtl_learn.c — the 'rtl' suite for the accelerator's astrocyte compartments and learning engine
 * (LEARN = 1): hand results of docs/numerics.md ("nalsm astrocyte", "Plasticity") on the rtl engine,
 * then rasters AND final neuron, astrocyte, weight and trace state identical to the interp engine in
 * fixed numerics on 200 random networks with stdp / astro_stdp projections and a nalsm astrocyte, and
 * on a small NALSM-like liquid (64 lif neurons, 80/20 E/I, input, astro_stdp, the nalsm astrocyte);
 * amsu neurons (rtl/astro_amsu.v): docs/numerics.md's hand trace, examples/amsu.yaml, and a share of the
 * random networks' populations; tripartite astrocytes (rtl/astro_tri.v): docs/numerics.md's worked
 * example and domains, examples/tripartite.yaml, and a share of the random networks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "astroc_rt.h"
#include "engine_rtl.h"
#include "fe.h"
#include "passes.h"
#include "t_compare.h"
#include "t_example.h"
#include "t_network.h"
#include "t_random.h"
#include "t_sim.h"

#define LOC ((ir_loc){"test_rtl_learn.c", 1, 1})

/* ---------------------------------------------------------------- helpers */

static double read1(rt_sim *s, ir_ref node, const char *var, uint64_t i) {
  uint64_t n = 0;
  assert_true(rt_sim_state_size(s, node, var, &n));
  assert_true(i < n);
  double *v = calloc(n, sizeof(double));
  assert_non_null(v);
  assert_true(rt_sim_read_state(s, node, var, v));
  double x = v[i];
  free(v);
  return x;
}

/* Rasters and the final state of every population, astrocyte and projection (v, u, ref, a; a or ca,
 * g; w, x_pre, x_post) identical on interp and rtl, with a forced spike of every population and input
 * half way (tests/support/t_compare.h). */
static t_diff compare(const ir_module *m, uint64_t steps, uint64_t seed) {
  static const t_compare_opts vs_rtl = {.engine = "rtl", .inject_inputs = true, .all_state = true};
  return t_compare(m, steps, seed, &vs_rtl);
}

static int32_t silent_input(ir_module *m, const char *name, uint32_t n) {
  int32_t k = ir_add_input(m, name, IR_INPUT_BERNOULLI, n, LOC);
  m->inputs[k].p = ir_value_const(0, IR_DIM_NONE);
  return k;
}

static ir_astro_listen *listens(ir_module *m, uint32_t n) {
  ir_astro_listen *l = ir_arena_alloc(m->arena, n * sizeof(*l));
  assert_non_null(l);
  return l;
}

/* ---------------------------------------------------------------- hand results */

/* docs/numerics.md, test_astro_fixed: A listens to population a (+1) and input b (-1); three forced
 * spikes of a and one of b at step 0: a0 = b_a = 9830, w_a = 983, k = 655:
 * A = 9830 + rr(1966*655, 16) = 9850; step 1 (no spikes): drive -20, rr(-13100, 16) = 0: 9850. */
static void test_astro_hand(void **state) {
  (void)state;
  ir_module *m = ir_module_create("astro");
  m->numerics = IR_NUMERICS_FIXED;
  int32_t a = ir_add_population(m, "a", IR_NEURON_LIF, 3, LOC);
  m->pops[a].params[IR_P_LIF_V_TH] = ir_value_const(1000, IR_DIM_VOLTAGE);
  int32_t b = silent_input(m, "b", 2);
  int32_t as = ir_add_astrocyte(m, "astro", IR_ASTRO_NALSM, LOC);
  m->astros[as].size = 1;
  ir_astro_listen *l = listens(m, 2);
  l[0] = (ir_astro_listen){{IR_NODE_POPULATION, (uint32_t)a}, 1, LOC};
  l[1] = (ir_astro_listen){{IR_NODE_INPUT, (uint32_t)b}, -1, LOC};
  m->astros[as].listen = l;
  m->astros[as].nlisten = 2;
  rt_sim *s = t_create(m, "rtl");
  ir_ref node = {IR_NODE_ASTROCYTE, (uint32_t)as};
  assert_true(read1(s, node, "a", 0) == 9830);
  for (uint32_t i = 0; i < 3; i++)
    assert_true(rt_sim_inject(s, (ir_ref){IR_NODE_POPULATION, (uint32_t)a}, i));
  assert_true(rt_sim_inject(s, (ir_ref){IR_NODE_INPUT, (uint32_t)b}, 1));
  t_run(s, 1);
  assert_true(read1(s, node, "a", 0) == 9850);
  t_run(s, 1);
  assert_true(read1(s, node, "a", 0) == 9850);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* docs/numerics.md, test_stdp_fixed: an input pre (spikes at 0 and 5) -> a lif post (forced at 2),
 * one 1 mV synapse, bounds [0, 3] mV (e = -5, w16 = 8192), a_plus 0.15 mV -> 1229, a_minus 1 mV ->
 * 8192, inc 6554, f 59299. hebbian: step 2 w += 101 -> 8293, step 5 w -= 607 -> 7686;
 * anti-hebbian: step 2 w -= 671 -> 7521, step 5 w += 91 -> 7612. Traces after step 5: x_pre =
 * rr((6554 + rr(rr(rr(5366*f)*f)*f)) * f) and x_post = rr(4855*f) = 4393 (checked against interp). */
static double stdp_hand(bool anti, bool rtl, double *xpost) {
  ir_module *m = ir_module_create("stdp");
  m->numerics = IR_NUMERICS_FIXED;
  int32_t in = silent_input(m, "pre", 1);
  int32_t post = ir_add_population(m, "post", IR_NEURON_LIF, 1, LOC);
  m->pops[post].params[IR_P_LIF_V_TH] = ir_value_const(1000, IR_DIM_VOLTAGE);
  int32_t k = ir_add_projection(m, "w", (ir_ref){IR_NODE_INPUT, (uint32_t)in}, (ir_ref){IR_NODE_POPULATION, 0}, LOC);
  ir_csr *c = ir_csr_create(1, 1, 1);
  assert_non_null(c);
  c->row_ptr[1] = 1;
  c->col[0] = 0;
  c->weight[0] = 1.0f;
  c->delay[0] = 0;
  ir_projection *p = &m->projs[k];
  p->csr = c;
  p->plasticity = IR_PLAST_STDP;
  p->anti_hebbian = anti;
  ir_params_set_defaults(ir_plasticity_desc(IR_PLAST_STDP), p->plast_params);
  p->plast_params[IR_P_STDP_A_MINUS] = ir_value_const(1, IR_DIM_VOLTAGE);
  p->plast_params[IR_P_STDP_W_MIN] = ir_value_const(0, IR_DIM_VOLTAGE);
  p->plast_params[IR_P_STDP_W_MAX] = ir_value_const(3, IR_DIM_VOLTAGE);
  rt_sim *s = t_create(m, rtl ? "rtl" : "interp");
  for (int t = 0; t < 6; t++) {
    if (t == 0 || t == 5)
      assert_true(rt_sim_inject(s, (ir_ref){IR_NODE_INPUT, (uint32_t)in}, 0));
    if (t == 2)
      assert_true(rt_sim_inject(s, (ir_ref){IR_NODE_POPULATION, (uint32_t)post}, 0));
    t_run(s, 1);
  }
  ir_ref node = {IR_NODE_PROJECTION, (uint32_t)k};
  double w = read1(s, node, "w", 0);
  *xpost = read1(s, node, "x_post", 0);
  rt_sim_destroy(s);
  ir_module_destroy(m);
  return w;
}

static void test_stdp_hand(void **state) {
  (void)state;
  double xpost;
  assert_true(stdp_hand(false, true, &xpost) == 7686);
  assert_true(xpost == 4393); /* rr(4855 * 59299, 16) = rr(4392.98) */
  assert_true(stdp_hand(true, true, &xpost) == 7612);
  assert_true(stdp_hand(true, false, &xpost) == 7612);
}

/* docs/numerics.md, test_nalsm_fixed_kernel / _refractory: an input -> one nalsm_lif neuron (tau_v 64 ms,
 * v_th 20 mV, refractory 2 ms, tau_syn 1 ms: kq = 4096, 1507, 554, 204, ...), one synapse, input spike at
 * step 0. 10 mV (e = -3, m = 80, x8): V = 640, 865, 938. 25 mV (e = -2, m = 100, x16) with the neuron
 * forced at step 0: V = 1600, 2164, 2346 (refractory although V >= 1280), then a spike at step 3: 80. */
static void nalsm_hand(float w, bool force, const int *v, int n) {
  ir_module *m = ir_module_create("nalsm");
  m->numerics = IR_NUMERICS_FIXED;
  int32_t in = silent_input(m, "in", 1);
  int32_t p = ir_add_population(m, "n", IR_NEURON_NALSM_LIF, 1, LOC);
  int32_t k = ir_add_projection(m, "w", (ir_ref){IR_NODE_INPUT, (uint32_t)in}, (ir_ref){IR_NODE_POPULATION, (uint32_t)p},
                                LOC);
  ir_csr *c = ir_csr_create(1, 1, 1);
  assert_non_null(c);
  c->row_ptr[1] = 1;
  c->col[0] = 0;
  c->delay[0] = 0;
  c->weight[0] = w;
  m->projs[k].csr = c;
  rt_sim *s = t_create(m, "rtl");
  t_raster r = {0};
  rt_sim_on_spikes(s, t_on_spikes, &r);
  assert_true(rt_sim_inject(s, (ir_ref){IR_NODE_INPUT, (uint32_t)in}, 0));
  if (force)
    assert_true(rt_sim_inject(s, (ir_ref){IR_NODE_POPULATION, (uint32_t)p}, 0));
  for (int t = 0; t < n; t++) {
    t_run(s, 1);
    assert_int_equal((int)read1(s, (ir_ref){IR_NODE_POPULATION, (uint32_t)p}, "v", 0), v[t]);
  }
  size_t own = 0;
  for (size_t q = 0; q < r.n; q++)
    own += (r.e[q] >> 28 & 0xf) == IR_NODE_POPULATION;
  assert_int_equal(own, force ? 2 : 0); /* forced at 0, then fired at 3 */
  free(r.e);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

static void test_nalsm_lif_hand(void **state) {
  (void)state;
  nalsm_hand(10.0f, false, (const int[]){640, 865, 938}, 3);
  nalsm_hand(25.0f, true, (const int[]){1600, 2164, 2346, 80}, 4);
}

/* docs/numerics.md, test_amsu_fixed_trace: inputs of 3 mV (192 fine) and 2 mV (128) spike at step 0,
 * the 3 mV one again at step 2, the unit is forced at step 4. tau_u 0, no leak, v_th 10 mV, tau_astro
 * 500 ms (fa 65405), astro_pre 0.25, astro_spike 0.5, gain 1, thresh_gain 4 mV, astro_current 1 mV.
 * After steps 1..4: u 320, 0, 288, 0; v 320, 352, 672, 0 (forced); a 32768, 32702, 49020, 81690. With
 * thresh_gain 0 the unit fires at step 3 (v = 672 > 640). */
static void amsu_hand(double thresh_gain, int fire_step) {
  ir_module *m = ir_module_create("amsu");
  m->numerics = IR_NUMERICS_FIXED;
  int32_t in[2] = {silent_input(m, "a", 1), silent_input(m, "b", 1)};
  int32_t p = ir_add_population(m, "n", IR_NEURON_AMSU, 1, LOC);
  ir_value *q = m->pops[p].params;
  q[IR_P_AMSU_TAU_U] = ir_value_const(0, IR_DIM_TIME);
  q[IR_P_AMSU_TAU_V] = ir_value_const(1e9, IR_DIM_TIME);
  q[IR_P_AMSU_V_TH] = ir_value_const(10, IR_DIM_VOLTAGE);
  q[IR_P_AMSU_REFRACTORY] = ir_value_const(0, IR_DIM_TIME);
  q[IR_P_AMSU_TAU_ASTRO] = ir_value_const(500, IR_DIM_TIME);
  q[IR_P_AMSU_ASTRO_PRE] = ir_value_const(0.25, IR_DIM_NONE);
  q[IR_P_AMSU_ASTRO_SPIKE] = ir_value_const(0.5, IR_DIM_NONE);
  q[IR_P_AMSU_GAIN] = ir_value_const(1, IR_DIM_NONE);
  q[IR_P_AMSU_THRESH_GAIN] = ir_value_const(thresh_gain, IR_DIM_VOLTAGE);
  q[IR_P_AMSU_ASTRO_CURRENT] = ir_value_const(1, IR_DIM_VOLTAGE);
  q[IR_P_AMSU_V_INIT] = ir_value_const(0, IR_DIM_VOLTAGE);
  for (int k = 0; k < 2; k++) {
    int32_t j = ir_add_projection(m, k ? "wb" : "wa", (ir_ref){IR_NODE_INPUT, (uint32_t)in[k]},
                                  (ir_ref){IR_NODE_POPULATION, (uint32_t)p}, LOC);
    ir_csr *c = ir_csr_create(1, 1, 1);
    assert_non_null(c);
    c->row_ptr[1] = 1;
    c->col[0] = 0;
    c->delay[0] = 0;
    c->weight[0] = k ? 2.0f : 3.0f;
    m->projs[j].csr = c;
  }
  rt_sim *s = t_create(m, "rtl");
  t_raster r = {0};
  rt_sim_on_spikes(s, t_on_spikes, &r);
  ir_ref unit = {IR_NODE_POPULATION, (uint32_t)p};
  static const int u[] = {0, 320, 0, 288, 0}, v[] = {0, 320, 352, 672, 0}, a[] = {0, 32768, 32702, 49020, 81690};
  for (int t = 0; t <= fire_step; t++) {
    if (t == 0 || t == 2)
      assert_true(rt_sim_inject(s, (ir_ref){IR_NODE_INPUT, (uint32_t)in[0]}, 0));
    if (t == 0)
      assert_true(rt_sim_inject(s, (ir_ref){IR_NODE_INPUT, (uint32_t)in[1]}, 0));
    if (t == 4)
      assert_true(rt_sim_inject(s, unit, 0));
    t_run(s, 1);
    assert_int_equal((int)read1(s, unit, "u", 0), u[t]);
    assert_int_equal((int)read1(s, unit, "v", 0), t == fire_step ? 0 : v[t]);
    if (t < fire_step)
      assert_int_equal((int)read1(s, unit, "a", 0), a[t]);
  }
  size_t own = 0, at = 0;
  for (size_t k = 0; k < r.n; k++)
    if ((r.e[k] >> 28 & 0xf) == IR_NODE_POPULATION) {
      own++;
      at = (size_t)(r.e[k] >> 32);
    }
  assert_int_equal(own, 1);
  assert_int_equal(at, (size_t)fire_step);
  free(r.e);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

static void test_amsu_hand(void **state) {
  (void)state;
  amsu_hand(4.0, 4); /* the forced spike of step 4 is the only one */
  amsu_hand(0.0, 3); /* without threshold adaptation the unit fires at step 3 */
}

/* examples/amsu.yaml (64 amsu units, Poisson noise, recurrent +-2 mV with delay 2) in fixed numerics:
 * identical rasters and final v, u, ref, a on interp and rtl. */
static void test_amsu_example(void **state) {
  (void)state;
  ir_module *m = t_load_example("examples/amsu.yaml");
  m->numerics = IR_NUMERICS_FIXED;
  t_diff st = compare(m, 300, 5);
  assert_true(st.spikes > 1000);
  print_message("amsu.yaml (fixed), 300 steps: %zu spikes, identical on interp and rtl (v, u, ref, a)\n", st.spikes);
  ir_module_destroy(m);
}

/* ---------------------------------------------------------------- tripartite astrocytes */

static int32_t proj_by_hand(ir_module *m, const char *name, ir_ref pre, ir_ref post, uint32_t nsyn,
                            const uint32_t *spre, const uint32_t *spost, float w) {
  int32_t k = ir_add_projection(m, name, pre, post, LOC);
  ir_csr *c = ir_csr_create((uint32_t)ir_node_size(m, pre), (uint32_t)ir_node_size(m, post), nsyn);
  assert_non_null(c);
  for (uint32_t i = 0; i < nsyn; i++) {
    c->row_ptr[spre[i] + 1]++;
    c->col[i] = spost[i];
    c->weight[i] = w;
    c->delay[i] = 0;
  }
  for (uint32_t i = 0; i < c->npre; i++)
    c->row_ptr[i + 1] += c->row_ptr[i];
  m->projs[k].csr = c;
  return k;
}

static void listen_modulate(ir_module *m, int32_t a, ir_ref r) {
  ir_astrocyte *as = &m->astros[a];
  as->listen = listens(m, 1);
  as->listen[0] = (ir_astro_listen){r, 1, LOC};
  as->nlisten = 1;
  as->modulates = ir_arena_alloc(m->arena, sizeof(ir_ref));
  assert_non_null(as->modulates);
  as->modulates[0] = r;
  as->nmodulates = 1;
}

static void tri_params(ir_value *a, double tau_ca, double cps, double cth, double tau_g, double rel, double gain,
                       double cur) {
  a[IR_P_TRIPARTITE_TAU_CA] = ir_value_const(tau_ca, IR_DIM_TIME);
  a[IR_P_TRIPARTITE_CA_PER_SPIKE] = ir_value_const(cps, IR_DIM_NONE);
  a[IR_P_TRIPARTITE_CA_THRESHOLD] = ir_value_const(cth, IR_DIM_NONE);
  a[IR_P_TRIPARTITE_TAU_GLIO] = ir_value_const(tau_g, IR_DIM_TIME);
  a[IR_P_TRIPARTITE_GLIO_RELEASE] = ir_value_const(rel, IR_DIM_NONE);
  a[IR_P_TRIPARTITE_GLIO_GAIN] = ir_value_const(gain, IR_DIM_NONE);
  a[IR_P_TRIPARTITE_GLIO_CURRENT] = ir_value_const(cur, IR_DIM_VOLTAGE);
}

/* docs/numerics.md "tripartite", test_tripartite_fixed_pair: pre (lif, forced at steps 0, 1, 2) -> post
 * (lif: tau_u 0, no leak, v_th 100 mV) through one 3 mV synapse (192 fine); the astrocyte listens to and
 * modulates it: fca 64884, fg 65209, ca_per_spike 19661, threshold 32768, release 16384, gain 2,
 * current 1 mV (64 fine). ca 19661, 39126, 58397, 57816, ...; g 0, 16384, 32686, 48906, ...; the
 * spike of step 1 arrives at step 2 with factor 98304: u = rr(192*98304, 16) = 288, plus the current
 * rr(64*16384, 16) = 16: v = 192 + 288 + 16 = 496. */
static void test_tripartite_hand(void **state) {
  (void)state;
  ir_module *m = ir_module_create("tri");
  m->numerics = IR_NUMERICS_FIXED;
  int32_t pre = ir_add_population(m, "pre", IR_NEURON_LIF, 1, LOC);
  int32_t post = ir_add_population(m, "post", IR_NEURON_LIF, 1, LOC);
  ir_value *q = m->pops[post].params;
  q[IR_P_LIF_TAU_U] = ir_value_const(0, IR_DIM_TIME);
  q[IR_P_LIF_TAU_V] = ir_value_const(1e9, IR_DIM_TIME);
  q[IR_P_LIF_V_TH] = ir_value_const(100, IR_DIM_VOLTAGE);
  static const uint32_t zero[] = {0};
  int32_t syn = proj_by_hand(m, "syn", (ir_ref){IR_NODE_POPULATION, (uint32_t)pre},
                             (ir_ref){IR_NODE_POPULATION, (uint32_t)post}, 1, zero, zero, 3.0f);
  int32_t glia = ir_add_astrocyte(m, "glia", IR_ASTRO_TRIPARTITE, LOC);
  m->astros[glia].size = 1;
  tri_params(m->astros[glia].params, 100, 0.3, 0.5, 200, 0.25, 2, 1);
  listen_modulate(m, glia, (ir_ref){IR_NODE_PROJECTION, (uint32_t)syn});
  rt_sim *s = t_create(m, "rtl");
  size_t nv = 0;
  ir_ref astro = {IR_NODE_ASTROCYTE, (uint32_t)glia}, pp = {IR_NODE_POPULATION, (uint32_t)post};
  const char *const *vars = rt_state_vars(s, astro, &nv);
  assert_int_equal(nv, 2);
  assert_string_equal(vars[0], "ca");
  assert_string_equal(vars[1], "g");
  static const int u[] = {0, 192, 288, 384, 0, 0}, v[] = {0, 192, 496, 912, 960, 1024},
                   ca[] = {19661, 39126, 58397, 57816, 57240, 56670}, g[] = {0, 16384, 32686, 48906, 65045, 81104};
  for (int t = 0; t < 6; t++) {
    if (t < 3)
      assert_true(rt_sim_inject(s, (ir_ref){IR_NODE_POPULATION, (uint32_t)pre}, 0));
    t_run(s, 1);
    assert_int_equal((int)read1(s, pp, "u", 0), u[t]);
    assert_int_equal((int)read1(s, pp, "v", 0), v[t]);
    assert_int_equal((int)read1(s, astro, "ca", 0), ca[t]);
    assert_int_equal((int)read1(s, astro, "g", 0), g[t]);
  }
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* docs/numerics.md "Astrocyte domains", test_tripartite_domains: two elements, two post neurons; the
 * listened and modulated projection has synapses 0->0, 0->1, 1->1 (3 mV), a plain one in1 -> 1. Both
 * pre neurons spike at step 0: element 0 counts 1 synapse, element 1 counts 2 (pre 0's synapse into
 * post 1 counts for element 1): ca = [65536, 131072], only element 1 releases (threshold 1.5): g = [0,
 * 65536]. Step 1: post 0 gets 192 fine unscaled, post 1 (192 + 192) * 2 + 192 (plain) = 960, and v1 =
 * 960 + 64 (1 mV of current). */
static void test_tripartite_domains_hand(void **state) {
  (void)state;
  ir_module *m = ir_module_create("dom");
  m->numerics = IR_NUMERICS_FIXED;
  int32_t post = ir_add_population(m, "post", IR_NEURON_LIF, 2, LOC);
  ir_value *q = m->pops[post].params;
  q[IR_P_LIF_TAU_U] = ir_value_const(0, IR_DIM_TIME);
  q[IR_P_LIF_TAU_V] = ir_value_const(0, IR_DIM_TIME);
  q[IR_P_LIF_V_TH] = ir_value_const(100, IR_DIM_VOLTAGE);
  int32_t in1 = silent_input(m, "in1", 1), both = silent_input(m, "both", 2);
  static const uint32_t spre[] = {0, 0, 1}, spost[] = {0, 1, 1}, one_pre[] = {0}, one_post[] = {1};
  ir_ref pp = {IR_NODE_POPULATION, (uint32_t)post};
  int32_t syn = proj_by_hand(m, "syn", (ir_ref){IR_NODE_INPUT, (uint32_t)both}, pp, 3, spre, spost, 3.0f);
  proj_by_hand(m, "plain", (ir_ref){IR_NODE_INPUT, (uint32_t)in1}, pp, 1, one_pre, one_post, 3.0f);
  int32_t glia = ir_add_astrocyte(m, "glia", IR_ASTRO_TRIPARTITE, LOC);
  m->astros[glia].size = 2;
  tri_params(m->astros[glia].params, 0, 1, 1.5, 0, 1, 1, 1);
  listen_modulate(m, glia, (ir_ref){IR_NODE_PROJECTION, (uint32_t)syn});
  rt_sim *s = t_create(m, "rtl");
  ir_ref astro = {IR_NODE_ASTROCYTE, (uint32_t)glia};
  assert_true(rt_sim_inject(s, (ir_ref){IR_NODE_INPUT, (uint32_t)both}, 0));
  assert_true(rt_sim_inject(s, (ir_ref){IR_NODE_INPUT, (uint32_t)both}, 1));
  assert_true(rt_sim_inject(s, (ir_ref){IR_NODE_INPUT, (uint32_t)in1}, 0));
  t_run(s, 1);
  assert_int_equal((int)read1(s, astro, "ca", 0), 65536);
  assert_int_equal((int)read1(s, astro, "ca", 1), 131072);
  assert_int_equal((int)read1(s, astro, "g", 0), 0);
  assert_int_equal((int)read1(s, astro, "g", 1), 65536);
  t_run(s, 1);
  assert_int_equal((int)read1(s, pp, "u", 0), 192);
  assert_int_equal((int)read1(s, pp, "u", 1), 960);
  assert_int_equal((int)read1(s, pp, "v", 0), 192);
  assert_int_equal((int)read1(s, pp, "v", 1), 1024);
  assert_int_equal((int)read1(s, astro, "g", 1), 0);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* examples/tripartite.yaml in fixed numerics for its 2000 steps (g climbs to about 1.0, doubling the
 * efficacy): identical rasters and v, u, ref, ca, g. */
static void test_tripartite_example(void **state) {
  (void)state;
  ir_module *m = t_load_example("examples/tripartite.yaml");
  m->numerics = IR_NUMERICS_FIXED;
  t_diff st = compare(m, 2000, 3);
  assert_true(st.spikes > 1500 && st.g_nonzero == 1);
  print_message("tripartite.yaml (fixed), 2000 steps: %zu spikes, identical on interp and rtl (v, u, ref, ca, g)\n",
                st.spikes);
  ir_module_destroy(m);
}

/* ---------------------------------------------------------------- random networks */

/* From a stream of its own (the networks drawn before stay as they were): in about half the networks
 * 1-2 tripartite astrocytes of size 1-4 with random time constants (including 0), per-element
 * distributions of ca_per_spike, release, gain, current and ca_init, listening with random signs to
 * 1-3 populations, inputs or projections, modulating 0-2 projections (at most one per post population,
 * none into nalsm_lif: the accelerator's limits) and 0-1 populations (current only, any model). */
static void random_tripartite(ir_module *m, uint64_t seed) {
  uint64_t r = seed * 7919 + 13;
  if (t_below(&r, 2))
    return;
  uint32_t nt = 1 + (t_below(&r, 4) == 0), npop = m->npops, nproj = m->nprojs;
  int32_t modproj[8];
  for (uint32_t p = 0; p < 8; p++)
    modproj[p] = -1;
  for (uint32_t t = 0; t < nt; t++) {
    char name[16];
    snprintf(name, sizeof name, "tri%u", t);
    int32_t a = ir_add_astrocyte(m, name, IR_ASTRO_TRIPARTITE, LOC);
    ir_astrocyte *as = &m->astros[a];
    as->size = 1 + t_below(&r, 4);
    t_random_tripartite(as->params, &r);
    as->nlisten = 1 + t_below(&r, 3);
    as->listen = t_random_listens(m, as->nlisten, &r);
    as->modulates = ir_arena_alloc(m->arena, 3 * sizeof(ir_ref));
    assert_non_null(as->modulates);
    uint32_t nm = t_below(&r, 3);
    for (uint32_t k = 0; k < nm; k++) {
      uint32_t j = t_below(&r, nproj), post = m->projs[j].post.index;
      if (m->pops[post].model == IR_NEURON_NALSM_LIF || (modproj[post] >= 0 && modproj[post] != (int32_t)j))
        continue;
      bool dup = false;
      for (uint32_t i = 0; i < as->nmodulates; i++)
        dup = dup || (as->modulates[i].kind == IR_NODE_PROJECTION && as->modulates[i].index == j);
      if (dup)
        continue;
      modproj[post] = (int32_t)j;
      as->modulates[as->nmodulates++] = (ir_ref){IR_NODE_PROJECTION, j};
    }
    if (t_below(&r, 3) == 0)
      as->modulates[as->nmodulates++] = (ir_ref){IR_NODE_POPULATION, t_below(&r, npop)};
  }
}

/* What random_network adds to t_random_lif_network, from the network's own stream. */
typedef struct learn_extras {
  bool nalsm;        /* nalsm_lif populations (else amsu ones) */
  int32_t astro;     /* the nalsm astrocyte, or -1 */
  bool modulating;   /* it modulates astro_stdp projections */
} learn_extras;

/* With nalsm half the populations are nalsm_lif, else a third are amsu; the rest lif. */
static bool special_population(ir_module *m, const char *name, uint64_t *r, void *ctx) {
  const learn_extras *x = ctx;
  if (x->nalsm && t_below(r, 2)) {
    int32_t k = ir_add_population(m, name, IR_NEURON_NALSM_LIF, 1 + t_below(r, 30), LOC);
    ir_value *q = m->pops[k].params;
    q[IR_P_NALSM_LIF_TAU_V] = t_uniform(2, 80, IR_DIM_TIME);
    q[IR_P_NALSM_LIF_V_TH] = t_uniform(2, 20, IR_DIM_VOLTAGE);
    q[IR_P_NALSM_LIF_V_RESET] = t_uniform(-3, 1, IR_DIM_VOLTAGE);
    q[IR_P_NALSM_LIF_REFRACTORY] = ir_value_const(t_below(r, 4), IR_DIM_TIME);
    q[IR_P_NALSM_LIF_TAU_SYN] = ir_value_const(t_unif(r, 0, 4), IR_DIM_TIME);
    q[IR_P_NALSM_LIF_KERNEL_CUTOFF] = ir_value_const(t_below(r, 12), IR_DIM_TIME);
    q[IR_P_NALSM_LIF_V_INIT] = t_uniform(-5, 15, IR_DIM_VOLTAGE);
    return true;
  }
  if (!x->nalsm && t_below(r, 3) == 0) { /* odd seeds: about a third of the populations are amsu */
    int32_t k = ir_add_population(m, name, IR_NEURON_AMSU, 1 + t_below(r, 30), LOC);
    ir_value *q = m->pops[k].params;
    q[IR_P_AMSU_TAU_U] = ir_value_const(t_below(r, 4) == 0 ? 0 : t_unif(r, 1, 10), IR_DIM_TIME);
    q[IR_P_AMSU_TAU_V] = t_uniform(1, 40, IR_DIM_TIME);
    q[IR_P_AMSU_V_TH] = t_uniform(0.5, 15, IR_DIM_VOLTAGE);
    q[IR_P_AMSU_REFRACTORY] = ir_value_const(t_below(r, 4), IR_DIM_TIME);
    q[IR_P_AMSU_TAU_ASTRO] = ir_value_const(t_below(r, 6) == 0 ? 0 : t_unif(r, 5, 500), IR_DIM_TIME);
    q[IR_P_AMSU_ASTRO_SPIKE] = ir_value_const(t_unif(r, -0.5, 1), IR_DIM_NONE);
    q[IR_P_AMSU_ASTRO_PRE] = t_uniform(-0.2, 0.5, IR_DIM_NONE);
    q[IR_P_AMSU_GAIN] = t_uniform(-1, 2, IR_DIM_NONE);
    q[IR_P_AMSU_THRESH_GAIN] = ir_value_const(t_unif(r, -3, 5), IR_DIM_VOLTAGE);
    q[IR_P_AMSU_ASTRO_CURRENT] = t_uniform(-2, 2, IR_DIM_VOLTAGE);
    q[IR_P_AMSU_V_INIT] = t_uniform(-5, 5, IR_DIM_VOLTAGE);
    return true;
  }
  return false;
}

/* In four networks of five a nalsm astrocyte; when it modulates (two in three) it has size 1. */
static void nalsm_astrocyte(ir_module *m, uint64_t *r, void *ctx) {
  learn_extras *x = ctx;
  if (t_below(r, 5) == 0)
    return;
  x->astro = ir_add_astrocyte(m, "astro", IR_ASTRO_NALSM, LOC);
  x->modulating = t_below(r, 3) != 0;
  ir_astrocyte *a = &m->astros[x->astro];
  a->size = x->modulating ? 1 : 1 + t_below(r, 3);
  t_random_nalsm_astro(a->params, r);
}

/* Two projections in three plastic: stdp, or astro_stdp (in one case of two when the astrocyte
 * modulates). */
static void plasticity(ir_module *m, ir_projection *q, uint64_t *r, void *ctx) {
  const learn_extras *x = ctx;
  (void)m;
  if (t_below(r, 3) == 0)
    return;
  bool use_astro = x->modulating && x->astro >= 0 && t_below(r, 2);
  t_random_stdp(q, use_astro ? IR_PLAST_ASTRO_STDP : IR_PLAST_STDP, r);
  q->modulator = use_astro ? x->astro : -1;
}

/* The nalsm astrocyte listens to 1-3 populations, inputs or projections; then the tripartite ones. */
static void listen_and_tripartite(ir_module *m, uint64_t *r, void *ctx) {
  const learn_extras *x = ctx;
  if (x->astro >= 0) {
    ir_astrocyte *a = &m->astros[x->astro];
    a->nlisten = 1 + t_below(r, 3);
    a->listen = t_random_listens(m, a->nlisten, r);
  }
  random_tripartite(m, m->seed);
}

/* 1-3 populations (lif, and nalsm_lif with nalsm or else amsu), 1-2 Bernoulli inputs, 1-5 projections
 * (about two thirds plastic: stdp or astro_stdp, hebbian or anti-hebbian, random rates, traces,
 * bounds), and usually a nalsm astrocyte listening with random signs to populations, inputs and
 * projections (size 1 when it modulates, else 1-3), and tripartite astrocytes. */
static ir_module *random_network(uint64_t seed, bool nalsm) {
  learn_extras x = {.nalsm = nalsm, .astro = -1};
  const t_lif_opts o = {.name = "random", .mul = 104729, .add = 7 + (nalsm ? 3 : 0), .v_unit = true, .pops = 3,
      .pop_size = 30, .du = T_DECAY_CONST, .dv = T_DECAY_TAU, .v_th = 15, .refractory = 4, .input_size = 20,
      .projs = 5, .long_delay = 20, .delays = 4, .p_max = 0.8, .strong = 4, .strong_max = 100, .expand = true,
      .population = special_population, .after_inputs = nalsm_astrocyte, .projection = plasticity,
      .finish = listen_and_tripartite, .ctx = &x};
  return t_random_lif_network(seed, &o);
}

static void test_random_learning(void **state) {
  (void)state;
  t_diff tot = {0};
  unsigned nplastic = 0, nastro = 0;
  unsigned nkernel = 0, namsu = 0, ntri = 0, ntri_mod = 0;
  for (uint64_t seed = 1; seed <= 200; seed++) {
    ir_module *m = random_network(seed, seed % 2 == 0); /* even seeds: nalsm_lif populations, odd: amsu */
    for (uint32_t p = 0; p < m->npops; p++) {
      nkernel += m->pops[p].model == IR_NEURON_NALSM_LIF;
      namsu += m->pops[p].model == IR_NEURON_AMSU;
    }
    for (uint32_t k = 0; k < m->nprojs; k++)
      nplastic += m->projs[k].plasticity != IR_PLAST_NONE;
    nastro += m->nastros;
    for (uint32_t a = 0; a < m->nastros; a++)
      if (m->astros[a].model == IR_ASTRO_TRIPARTITE) {
        ntri++;
        for (uint32_t k = 0; k < m->astros[a].nmodulates; k++)
          ntri_mod += m->astros[a].modulates[k].kind == IR_NODE_PROJECTION;
      }
    t_diff st = compare(m, 50 + seed % 30, seed);
    tot.spikes += st.spikes;
    tot.w_changed += st.w_changed;
    tot.g_nonzero += st.g_nonzero;
    ir_module_destroy(m);
  }
  /* the networks spike, learn and have astrocytes */
  assert_true(tot.spikes > 10000);
  assert_true(tot.w_changed > 10000);
  assert_true(nplastic > 150 && nastro > 100);
  assert_true(nkernel > 50 && namsu > 30);
  assert_true(ntri > 60 && ntri_mod > 40 && tot.g_nonzero > 50);
  print_message("200 random networks (%u plastic projections, %u astrocytes of which %u tripartite modulating %u "
                "projections (%llu elements with g != 0 at the end), %u nalsm_lif and %u amsu populations): %zu spikes, "
                "%llu weights changed, identical on interp and rtl\n", nplastic, nastro, ntri, ntri_mod,
                (unsigned long long)tot.g_nonzero, nkernel, namsu, tot.spikes,
                (unsigned long long)tot.w_changed);
}

/* ---------------------------------------------------------------- a small NALSM-like liquid */

/* 64 lif neurons (51 E, 13 I), 16 Bernoulli inputs; every projection astro_stdp with NALSM's rates and
 * bounds (E->* [0, 3] mV hebbian, I->* [-3, 0] anti-hebbian, input [-3, 3]); the nalsm astrocyte listens
 * to the liquid (+1) and the input (-1) and scales a_minus. 300 steps. */
static ir_module *nalsm_liquid(bool nalsm_lif) {
  ir_module *m = ir_module_create("nalsm64");
  m->numerics = IR_NUMERICS_FIXED;
  m->seed = 2024;
  ir_neuron_model model = nalsm_lif ? IR_NEURON_NALSM_LIF : IR_NEURON_LIF;
  int32_t e = ir_add_population(m, "E", model, 51, LOC);
  int32_t i = ir_add_population(m, "I", model, 13, LOC);
  for (int32_t p = e; p <= i && nalsm_lif; p++) /* NALSM's neuron: the model defaults (DESIGN.md) */
    m->pops[p].params[IR_P_NALSM_LIF_V_INIT] = t_uniform(0, 15, IR_DIM_VOLTAGE);
  for (int32_t p = e; p <= i && !nalsm_lif; p++) {
    ir_value *q = m->pops[p].params;
    q[IR_P_LIF_TAU_U] = ir_value_const(1, IR_DIM_TIME);
    q[IR_P_LIF_TAU_V] = ir_value_const(64, IR_DIM_TIME);
    q[IR_P_LIF_V_TH] = ir_value_const(20, IR_DIM_VOLTAGE);
    q[IR_P_LIF_REFRACTORY] = ir_value_const(2, IR_DIM_TIME);
  }
  int32_t in = ir_add_input(m, "in", IR_INPUT_BERNOULLI, 16, LOC);
  m->inputs[in].p = t_uniform(0.05, 0.4, IR_DIM_NONE);
  int32_t as = ir_add_astrocyte(m, "astro", IR_ASTRO_NALSM, LOC);
  m->astros[as].size = 1;
  ir_astro_listen *l = listens(m, 3);
  l[0] = (ir_astro_listen){{IR_NODE_POPULATION, (uint32_t)e}, 1, LOC};
  l[1] = (ir_astro_listen){{IR_NODE_POPULATION, (uint32_t)i}, 1, LOC};
  l[2] = (ir_astro_listen){{IR_NODE_INPUT, (uint32_t)in}, -1, LOC};
  m->astros[as].listen = l;
  m->astros[as].nlisten = 3;
  m->astros[as].params[IR_P_NALSM_ASTRO_W_A] = ir_value_const(0.06, IR_DIM_NONE);
  static const struct { int pre, post; double p, w, lo, hi; bool anti; } pr[] = {
      {0, 0, 0.2, 3, 0, 3, false},  {0, 1, 0.1, 3, 0, 3, false},  {1, 0, 0.3, -3, -3, 0, true},
      {1, 1, 0.05, -3, -3, 0, true}, {2, 0, 0.15, 30, -30, 30, false}, {2, 1, 0.15, 30, -30, 30, false}};
  for (unsigned k = 0; k < sizeof pr / sizeof pr[0]; k++) {
    char name[8];
    snprintf(name, sizeof name, "c%u", k);
    ir_ref pre = pr[k].pre == 2 ? (ir_ref){IR_NODE_INPUT, (uint32_t)in} : (ir_ref){IR_NODE_POPULATION, (uint32_t)pr[k].pre};
    int32_t j = ir_add_projection(m, name, pre, (ir_ref){IR_NODE_POPULATION, (uint32_t)pr[k].post}, LOC);
    ir_projection *q = &m->projs[j];
    q->rule.kind = IR_CONN_FIXED_PROBABILITY;
    q->rule.p = pr[k].p;
    q->weight = pr[k].pre == 2 ? t_uniform(-pr[k].w, pr[k].w, IR_DIM_VOLTAGE) : ir_value_const(pr[k].w, IR_DIM_VOLTAGE);
    q->delay = ir_value_const(0, IR_DIM_TIME);
    q->plasticity = IR_PLAST_ASTRO_STDP;
    q->anti_hebbian = pr[k].anti;
    q->modulator = as;
    ir_params_set_defaults(ir_plasticity_desc(IR_PLAST_ASTRO_STDP), q->plast_params);
    q->plast_params[IR_P_STDP_A_MINUS] = ir_value_const(1, IR_DIM_VOLTAGE);
    q->plast_params[IR_P_STDP_W_MIN] = ir_value_const(pr[k].lo, IR_DIM_VOLTAGE);
    q->plast_params[IR_P_STDP_W_MAX] = ir_value_const(pr[k].hi, IR_DIM_VOLTAGE);
  }
  ir_diag *d = ir_diag_create(stderr);
  assert_true(pass_layout(m, d));
  assert_true(pass_expand(m, d));
  ir_diag_destroy(d);
  return m;
}

static void test_nalsm_liquid(void **state) {
  (void)state;
  for (int nl = 0; nl < 2; nl++) {
    ir_module *m = nalsm_liquid(nl);
    t_diff st = compare(m, 300, 7);
    assert_true(st.spikes > 2000);
    assert_true(st.w_changed > 200);
    print_message("NALSM-like liquid (%s), 300 steps: %zu spikes, %llu weights changed, identical on interp and rtl\n",
                  nl ? "nalsm_lif" : "lif", st.spikes, (unsigned long long)st.w_changed);
    ir_module_destroy(m);
  }
}

/* examples/nalsm/nalsm_tiny.yaml in fixed numerics: 784 nalsm_lif input neurons driven by Fashion-MNIST
 * pixels (dataset input with current injection), a 125-neuron nalsm_lif liquid on a 5x5x5 grid
 * (distance connectivity), six astro_stdp projections and the nalsm astrocyte: 80 steps, rasters and all
 * state identical on interp and rtl. Skipped when the data set is not installed. */
static void test_nalsm_tiny_example(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(NULL);
  ir_module *m = fe_yaml_load(RT_TEST_SRCDIR "/examples/nalsm/nalsm_tiny.yaml", d);
  assert_non_null(m);
  size_t n;
  const ir_pass *passes = pass_pipeline(&n);
  ir_pipeline_options po = {0};
  assert_true(ir_run_pipeline(m, passes, n, &po, d));
  m->numerics = IR_NUMERICS_FIXED;
  rt_options o = {.engine = "interp", .numerics = IR_NUMERICS_FIXED};
  rt_sim *probe = rt_sim_create(m, &o, d);
  ir_diag_destroy(d);
  if (!probe) {
    ir_module_destroy(m);
    skip(); /* no Fashion-MNIST on this machine */
  }
  rt_sim_destroy(probe);
  t_diff st = compare(m, 80, 11);
  assert_true(st.spikes > 1000 && st.w_changed > 100);
  print_message("nalsm_tiny.yaml (fixed), 80 steps: %zu spikes, %llu weights changed, identical on interp and rtl\n",
                st.spikes, (unsigned long long)st.w_changed);
  ir_module_destroy(m);
}

/* ---------------------------------------------------------------- rejections */


static void test_learn_rejections(void **state) {
  (void)state;
  ir_module *m = nalsm_liquid(false);
  for (uint32_t k = 0; k < m->nprojs; k++)
    m->projs[k].plasticity = IR_PLAST_STDP;
  m->astros[0].model = IR_ASTRO_LI_RINZEL;
  t_expect_create_error(m, "rtl", IR_NUMERICS_FIXED,
                        "astrocyte population 'astro' (li_rinzel) is not supported by the verilog accelerator yet "
                        "(supported: nalsm, tripartite)");
  m->astros[0].model = IR_ASTRO_TRIPARTITE; /* modulating two projections into one population */
  ir_params_set_defaults(ir_astro_model_desc(IR_ASTRO_TRIPARTITE), m->astros[0].params);
  m->astros[0].modulates = ir_arena_alloc(m->arena, 2 * sizeof(ir_ref));
  assert_non_null(m->astros[0].modulates);
  uint32_t twice[2], nt = 0;
  for (uint32_t k = 0; k < m->nprojs && nt < 2; k++)
    if (m->projs[k].post.index == m->projs[0].post.index)
      twice[nt++] = k;
  assert_int_equal(nt, 2);
  for (uint32_t k = 0; k < 2; k++)
    m->astros[0].modulates[k] = (ir_ref){IR_NODE_PROJECTION, twice[k]};
  m->astros[0].nmodulates = 2;
  t_expect_create_error(m, "rtl", IR_NUMERICS_FIXED, "receives two projections modulated by tripartite astrocytes");
  m->astros[0].nmodulates = 0;
  m->astros[0].model = IR_ASTRO_NALSM;
  for (uint32_t k = 0; k < m->nprojs; k++)
    m->projs[k].plasticity = IR_PLAST_ASTRO_STDP;
  m->astros[0].size = 2;
  t_expect_create_error(m, "rtl", IR_NUMERICS_FIXED, "the modulator 'astro' must be a single astrocyte");
  m->astros[0].size = 1;
  m->astros[0].params[IR_P_NALSM_ASTRO_W_A] = ir_value_const(100, IR_DIM_NONE);
  t_expect_create_error(m, "rtl", IR_NUMERICS_FIXED, "w_a and b_a must lie in (-64, 64)");
  ir_module_destroy(m);
}

int main(int argc, char **argv) {
  uint64_t seed;
  if (t_rand_reset(argc, argv, &seed) && !rt_rtl_set_options(NULL, 2, seed))
    return 3;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_astro_hand),       cmocka_unit_test(test_stdp_hand),
      cmocka_unit_test(test_nalsm_lif_hand),   cmocka_unit_test(test_amsu_hand),
      cmocka_unit_test(test_amsu_example),
      cmocka_unit_test(test_tripartite_hand),  cmocka_unit_test(test_tripartite_domains_hand),
      cmocka_unit_test(test_tripartite_example),
      cmocka_unit_test(test_random_learning),  cmocka_unit_test(test_nalsm_liquid),
      cmocka_unit_test(test_nalsm_tiny_example),
      cmocka_unit_test(test_learn_rejections),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
