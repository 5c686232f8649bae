/* test_tripartite.c — the tripartite astrocyte: hand-derived ca/g traces with their efficacy scaling and
 * slow current on a 2-neuron lif network (fixed: integers in the comments; float: the equations in
 * double), the domain mapping of a population of 2 astrocytes, and the unsupported combinations. */
#include <math.h>

#include "rt_test.h"

static void set_listen_mod(ir_module *m, int32_t a, ir_ref listen, ir_ref mod) {
  ir_astrocyte *as = &m->astros[a];
  as->listen = ir_arena_alloc(m->arena, sizeof(ir_astro_listen));
  as->listen[0] = (ir_astro_listen){listen, 1, T_LOC};
  as->nlisten = 1;
  as->modulates = ir_arena_alloc(m->arena, sizeof(ir_ref));
  as->modulates[0] = mod;
  as->nmodulates = 1;
}

/* pre (lif, forced) -> post (lif: tau_u 0 so u = this step's input, tau_v 1e9 ms: no leak, v_th 100 mV)
 * through `syn` (3 mV); astrocyte `glia` listens to and modulates `syn`: tau_ca 100 ms, ca_per_spike 0.3,
 * ca_threshold 0.5, tau_glio 200 ms, glio_release 0.25, glio_gain 2, glio_current 1 mV. */
static ir_module *pair_module(int32_t *pre, int32_t *post, int32_t *glia) {
  ir_module *m = ir_module_create("tri");
  *pre = ir_add_population(m, "pre", IR_NEURON_LIF, 1, T_LOC);
  *post = ir_add_population(m, "post", IR_NEURON_LIF, 1, T_LOC);
  ir_value *q = m->pops[*post].params;
  q[IR_P_LIF_TAU_U] = ir_value_const(0, IR_DIM_TIME);
  q[IR_P_LIF_TAU_V] = ir_value_const(1e9, IR_DIM_TIME);
  q[IR_P_LIF_V_TH] = ir_value_const(100, IR_DIM_VOLTAGE);
  static const uint32_t zero[] = {0};
  const float w[] = {3};
  int32_t syn = t_proj(m, "syn", t_pop(*pre), t_pop(*post), 1, zero, zero, w, NULL);
  *glia = ir_add_astrocyte(m, "glia", IR_ASTRO_TRIPARTITE, T_LOC);
  m->astros[*glia].size = 1;
  ir_value *a = m->astros[*glia].params;
  a[IR_P_TRIPARTITE_TAU_CA] = ir_value_const(100, IR_DIM_TIME);
  a[IR_P_TRIPARTITE_CA_PER_SPIKE] = ir_value_const(0.3, IR_DIM_NONE);
  a[IR_P_TRIPARTITE_CA_THRESHOLD] = ir_value_const(0.5, IR_DIM_NONE);
  a[IR_P_TRIPARTITE_TAU_GLIO] = ir_value_const(200, IR_DIM_TIME);
  a[IR_P_TRIPARTITE_GLIO_RELEASE] = ir_value_const(0.25, IR_DIM_NONE);
  a[IR_P_TRIPARTITE_GLIO_GAIN] = ir_value_const(2, IR_DIM_NONE);
  a[IR_P_TRIPARTITE_GLIO_CURRENT] = ir_value_const(1, IR_DIM_VOLTAGE);
  ir_ref r = {IR_NODE_PROJECTION, (uint32_t)syn};
  set_listen_mod(m, *glia, r, r);
  return m;
}

/* Fixed: fca = round(65536 e^-0.01) = 64884, fg = round(65536 e^-0.005) = 65209, ca_per_spike 19661,
 * threshold 32768, release 16384, gain 131072, current 64 fine; 3 mV = 192 fine. Pre spikes at 0, 1, 2.
 *   t  factor=65536+rr(2g)  cur=rr(64g)  u    v     ca (after t)                 g (after t)
 *   0  65536                0            0    0     19661                        0 (19661 <= 32768)
 *   1  65536                0            192  192   19465 + 19661 = 39126         16384
 *   2  98304                16           288  496   19465+... = 58397             16302 + 16384 = 32686
 *   3  130908               32           384  912   57816 (no event)              48906
 *   4  163348               48           0    960   57240                         65045
 *   5  195626               64           0    1024  56670                         81104
 * u(2) = rr(192 * 98304, 16) = 288: the spike of step 1 meets the g left by step 1. */
static void test_tripartite_fixed_pair(void **state) {
  (void)state;
  int32_t pre, post, glia;
  ir_module *m = pair_module(&pre, &post, &glia);
  m->numerics = IR_NUMERICS_FIXED;
  rt_sim *s = t_create(m);
  static const int u[] = {0, 192, 288, 384, 0, 0}, v[] = {0, 192, 496, 912, 960, 1024},
                   ca[] = {19661, 39126, 58397, 57816, 57240, 56670}, g[] = {0, 16384, 32686, 48906, 65045, 81104};
  ir_ref astro = {IR_NODE_ASTROCYTE, (uint32_t)glia};
  for (int t = 0; t < 6; t++) {
    if (t < 3)
      rt_sim_inject(s, t_pop(pre), 0);
    t_run(s, 1);
    assert_int_equal((int)t_read(s, t_pop(post), "u", 0), u[t]);
    assert_int_equal((int)t_read(s, t_pop(post), "v", 0), v[t]);
    assert_int_equal((int)t_read(s, astro, "ca", 0), ca[t]);
    assert_int_equal((int)t_read(s, astro, "g", 0), g[t]);
  }
  size_t n = 0;
  const char *const *vars = rt_state_vars(s, astro, &n);
  assert_int_equal(n, 2);
  assert_string_equal(vars[0], "ca");
  assert_string_equal(vars[1], "g");
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* Float: the same network; expected values from the equations in double. Hand check: u(3) = 3 (1 + 2 g(2)),
 * g(2) = 0.25 e^-0.005 + 0.25 = 0.498753, u(3) = 5.992519. */
static void test_tripartite_float_pair(void **state) {
  (void)state;
  int32_t pre, post, glia;
  ir_module *m = pair_module(&pre, &post, &glia);
  m->pops[post].params[IR_P_LIF_V_TH] = ir_value_const(1000, IR_DIM_VOLTAGE); /* never fires here */
  rt_sim *s = t_create(m);
  ir_ref astro = {IR_NODE_ASTROCYTE, (uint32_t)glia};
  double fca = exp(-1.0 / 100), fg = exp(-1.0 / 200), ca = 0, g = 0, v = 0;
  for (int t = 0; t < 40; t++) {
    bool spike = t < 3 || t % 7 == 0;
    if (spike)
      rt_sim_inject(s, t_pop(pre), 0);
    bool arrives = t >= 1 && (t - 1 < 3 || (t - 1) % 7 == 0);
    double u = (arrives ? 3 : 0) * (1 + 2 * g);
    v = v + u + g;
    ca = ca * fca + (spike ? 0.3 : 0);
    g = g * fg + (ca > 0.5 ? 0.25 : 0);
    t_run(s, 1);
    assert_float_equal(t_read(s, t_pop(post), "u", 0), u, 1e-5 * (1 + fabs(u)));
    assert_float_equal(t_read(s, t_pop(post), "v", 0), v, 1e-5 * (1 + fabs(v)));
    assert_float_equal(t_read(s, astro, "ca", 0), ca, 1e-6);
    assert_float_equal(t_read(s, astro, "g", 0), g, 1e-5 * (1 + g));
    if (t == 3)
      assert_float_equal(u, 5.992519, 1e-6);
  }
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

/* Two astrocytes, two post neurons: synapses in0->0, in0->1, in1->1 (3 mV); astrocyte k owns post k
 * (j mod 2). tau_ca = tau_glio = 0 (no memory), ca_per_spike 1, threshold 1.5, release 1, gain 1,
 * current 1 mV. Both inputs spike at step 0: ca = [1, 2], only element 1 releases: g = [0, 1]. At step 1
 * post 0 gets 3 mV unscaled, post 1 gets (3 + 3) * 2 = 12 mV plus 1 mV of current. A third, unmodulated
 * projection into post 1 (in1 -> 1, 3 mV) is not scaled: post 1's u is 15 mV. */
static void test_tripartite_domains(void **state) {
  (void)state;
  for (int fixed = 0; fixed < 2; fixed++) {
    ir_module *m = ir_module_create("dom");
    m->numerics = fixed ? IR_NUMERICS_FIXED : IR_NUMERICS_FLOAT;
    int32_t post = ir_add_population(m, "post", IR_NEURON_LIF, 2, T_LOC);
    ir_value *q = m->pops[post].params;
    q[IR_P_LIF_TAU_U] = ir_value_const(0, IR_DIM_TIME);
    q[IR_P_LIF_TAU_V] = ir_value_const(0, IR_DIM_TIME);
    q[IR_P_LIF_V_TH] = ir_value_const(100, IR_DIM_VOLTAGE);
    int32_t in0 = t_silent_input(m, "in0", 1), in1 = t_silent_input(m, "in1", 1);
    int32_t both = t_silent_input(m, "both", 2);
    static const uint32_t spre[] = {0, 0, 1}, spost[] = {0, 1, 1};
    const float w[] = {3, 3, 3};
    int32_t syn = t_proj(m, "syn", t_in(both), t_pop(post), 3, spre, spost, w, NULL);
    static const uint32_t one_pre[] = {0}, one_post[] = {1};
    t_proj(m, "plain", t_in(in1), t_pop(post), 1, one_pre, one_post, w, NULL);
    (void)in0;
    int32_t glia = ir_add_astrocyte(m, "glia", IR_ASTRO_TRIPARTITE, T_LOC);
    m->astros[glia].size = 2;
    ir_value *a = m->astros[glia].params;
    a[IR_P_TRIPARTITE_TAU_CA] = ir_value_const(0, IR_DIM_TIME);
    a[IR_P_TRIPARTITE_TAU_GLIO] = ir_value_const(0, IR_DIM_TIME);
    a[IR_P_TRIPARTITE_CA_PER_SPIKE] = ir_value_const(1, IR_DIM_NONE);
    a[IR_P_TRIPARTITE_CA_THRESHOLD] = ir_value_const(1.5, IR_DIM_NONE);
    a[IR_P_TRIPARTITE_GLIO_RELEASE] = ir_value_const(1, IR_DIM_NONE);
    a[IR_P_TRIPARTITE_GLIO_GAIN] = ir_value_const(1, IR_DIM_NONE);
    a[IR_P_TRIPARTITE_GLIO_CURRENT] = ir_value_const(1, IR_DIM_VOLTAGE);
    ir_ref r = {IR_NODE_PROJECTION, (uint32_t)syn};
    set_listen_mod(m, glia, r, r);
    rt_sim *s = t_create(m);
    ir_ref astro = {IR_NODE_ASTROCYTE, (uint32_t)glia};
    rt_sim_inject(s, t_in(both), 0);
    rt_sim_inject(s, t_in(both), 1);
    rt_sim_inject(s, t_in(in1), 0);
    t_run(s, 1);
    double one = fixed ? 65536 : 1, mv = fixed ? 64 : 1;
    assert_float_equal(t_read(s, astro, "ca", 0), 1 * one, 0);
    assert_float_equal(t_read(s, astro, "ca", 1), 2 * one, 0);
    assert_float_equal(t_read(s, astro, "g", 0), 0, 0);
    assert_float_equal(t_read(s, astro, "g", 1), 1 * one, 0);
    t_run(s, 1);
    assert_float_equal(t_read(s, t_pop(post), "u", 0), 3 * mv, 0);
    assert_float_equal(t_read(s, t_pop(post), "u", 1), 15 * mv, 0);
    assert_float_equal(t_read(s, t_pop(post), "v", 0), 3 * mv, 0);
    assert_float_equal(t_read(s, t_pop(post), "v", 1), 16 * mv, 0);
    /* step 1 had no events: ca and g fall to 0 (no memory) */
    assert_float_equal(t_read(s, astro, "g", 1), 0, 0);
    rt_sim_destroy(s);
    ir_module_destroy(m);
  }
}

/* Efficacy modulation of a projection into a kernel-delivery population is refused with a message. */
static void test_tripartite_kernel_post(void **state) {
  (void)state;
  ir_module *m = ir_module_create("k");
  int32_t post = ir_add_population(m, "liq", IR_NEURON_NALSM_LIF, 1, T_LOC);
  int32_t in = t_silent_input(m, "in", 1);
  static const uint32_t zero[] = {0};
  const float w[] = {1};
  int32_t syn = t_proj(m, "syn", t_in(in), t_pop(post), 1, zero, zero, w, NULL);
  int32_t glia = ir_add_astrocyte(m, "glia", IR_ASTRO_TRIPARTITE, T_LOC);
  ir_ref r = {IR_NODE_PROJECTION, (uint32_t)syn};
  set_listen_mod(m, glia, r, r);
  ir_diag *d = ir_diag_create(NULL);
  rt_options o = {0};
  o.numerics = -1;
  assert_null(rt_sim_create(m, &o, d));
  assert_string_equal(ir_diag_last(d), "efficacy modulation of projection 'syn' into a nalsm_lif population is not "
                                       "supported yet (it needs event delivery)");
  ir_diag_destroy(d);
  /* Modulating the population itself (slow current only) is fine. */
  m->astros[glia].modulates[0] = t_pop(post);
  rt_sim *s = t_create(m);
  rt_sim_destroy(s);
  ir_module_destroy(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tripartite_fixed_pair),
      cmocka_unit_test(test_tripartite_float_pair),
      cmocka_unit_test(test_tripartite_domains),
      cmocka_unit_test(test_tripartite_kernel_post),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
