/* test_model.c — routing on a hand-checked mesh, placement against the naive fill on a case with a
 * known optimum, quantisation numbers by hand, and the exact error of a network that cannot fit. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* 3 x 3 mesh; pieces on (0,0), (2,1), (2,0). */
static void test_xy_routes(void **state) {
  (void)state;
  map_target t = test_small_target(3, 3);
  map_piece pieces[3] = {{.out_rate = 0.6}, {.out_rate = 1.0}, {.out_rate = 0}};
  map_edge edges[3] = {{0, 1, 0.5, MAP_FLOW_SPIKES}, {0, 2, 0.25, MAP_FLOW_SPIKES}, {1, 0, 1.0, MAP_FLOW_SPIKES}};
  map_plan pl = {.pieces = pieces, .npieces = 3, .edges = edges, .nedges = 3};
  int32_t core_of[3] = {0, 5, 2};
  double link[36];
  map_traffic_summary s;
  map_traffic(&t, &pl, core_of, &s, link);
  /* link id = core * 4 + {E, W, N, S}; x first, then y */
  double want[36] = {0};
  want[0 * 4 + 0] = 0.75; /* (0,0)E: both flows of piece 0 */
  want[1 * 4 + 0] = 0.75; /* (1,0)E */
  want[2 * 4 + 2] = 0.5;  /* (2,0)N: only the flow to (2,1) */
  want[5 * 4 + 1] = 1.0;  /* (2,1)W */
  want[4 * 4 + 1] = 1.0;  /* (1,1)W */
  want[3 * 4 + 3] = 1.0;  /* (0,1)S */
  for (int l = 0; l < 36; l++) assert_float_equal(link[l], want[l], 1e-12);
  assert_float_equal(s.spike_hops, 0.5 * 3 + 0.25 * 2 + 1.0 * 3, 1e-12);
  assert_float_equal(s.max_link, 1.0, 1e-12);
  assert_float_equal(s.hist[3], 1.5, 1e-12);
  assert_float_equal(s.hist[2], 0.25, 1e-12);
  assert_int_equal(s.links_used, 6);
  /* multicast: piece 0's tree carries at most its outgoing rate 0.6 on the shared links */
  t.multicast = true;
  map_traffic(&t, &pl, core_of, &s, link);
  assert_float_equal(link[0], 0.6, 1e-12);
  assert_float_equal(link[4], 0.6, 1e-12);
  assert_float_equal(link[10], 0.5, 1e-12);
  assert_float_equal(link[21], 1.0, 1e-12);
  assert_float_equal(s.spike_hops, 5.0, 1e-12); /* deliveries x hops do not change */
}

static ir_module *chain_module(void) {
  ir_module *m = ir_module_create("chain");
  ir_loc l = {0};
  ir_add_population(m, "a", IR_NEURON_LIF, 64, l);
  ir_add_population(m, "b", IR_NEURON_LIF, 64, l);
  ir_add_population(m, "c", IR_NEURON_LIF, 64, l);
  int32_t p = ir_add_projection(m, "ac", (ir_ref){IR_NODE_POPULATION, 0}, (ir_ref){IR_NODE_POPULATION, 2}, l);
  m->projs[p].rule.kind = IR_CONN_ONE_TO_ONE;
  m->projs[p].weight = ir_value_const(1.62, IR_DIM_VOLTAGE);
  m->projs[p].delay = ir_value_const(0, IR_DIM_TIME);
  return m;
}

static double attr_f(const ir_attrs *a, const char *k) {
  const ir_attr *x = ir_attr_get(a, k);
  assert_non_null(x);
  return x->kind == IR_ATTR_INT ? (double)x->u.i : x->u.f;
}

/* a -> c only: the naive fill puts them 2 hops apart (b in between), the optimum 1 hop. */
static void test_place_beats_naive(void **state) {
  (void)state;
  map_target t = test_small_target(4, 4);
  ir_module *m = chain_module();
  assert_true(test_map(m, &t, 1, stderr));
  /* 64 neurons x 0.01 spikes/step, one destination piece each */
  assert_float_equal(attr_f(&m->attrs, "map.cost_naive"), 64 * 0.01 * 2, 1e-9);
  assert_float_equal(attr_f(&m->attrs, "map.cost"), 64 * 0.01 * 1, 1e-9);
  map_plan *pl = map_context_plan();
  assert_int_equal(pl->npieces, 3);
  assert_int_equal(map_hops(&t, (uint32_t)pl->pieces[0].core, (uint32_t)pl->pieces[2].core), 1);
  printf("chain: placed/naive spike-hops = %g / %g\n", pl->placed.spike_hops, pl->naive.spike_hops);
  ir_module_destroy(m);
}

/* Weight 1.62 mV: exponent -6, mantissa 104 -> 1.625 mV (docs/numerics.md); with a 4-bit target
 * mantissa (|m| <= 7): exponent -2, mantissa 6 -> 1.5 mV. */
static void test_quantise(void **state) {
  (void)state;
  map_target t = test_small_target(4, 4);
  ir_module *m = chain_module();
  assert_true(test_map(m, &t, 1, stderr));
  const ir_attrs *a = &m->projs[0].attrs;
  double w = (double)1.62f;
  assert_float_equal(attr_f(a, "quant.wexp"), -6, 0);
  assert_float_equal(attr_f(a, "quant.err_max_mv"), 1.625 - w, 1e-9);
  assert_float_equal(attr_f(a, "quant.err_mean_mv"), 1.625 - w, 1e-9);
  assert_float_equal(attr_f(a, "quant.err_max_pct"), 100 * (1.625 - w) / w, 1e-7);
  assert_float_equal(attr_f(a, "quant.syn_bits"), 8 + 0 + 0 + 6, 0);
  assert_float_equal(attr_f(&m->pops[0].attrs, "quant.dv"), 200, 0); /* tau_v 20 ms (numerics.md) */
  assert_float_equal(attr_f(&m->pops[0].attrs, "quant.du"), 741, 0); /* tau_u 5 ms */
  ir_module_destroy(m);
  t.weight_bits = 4;
  m = chain_module();
  assert_true(test_map(m, &t, 1, stderr));
  a = &m->projs[0].attrs;
  assert_float_equal(attr_f(a, "quant.wexp"), -2, 0);
  assert_float_equal(attr_f(a, "quant.err_max_mv"), w - 1.5, 1e-9);
  ir_module_destroy(m);
}

/* 40,000 inputs onto one neuron: 40,000 axons of one synapse, 64 bits each. */
static void test_impossible_fit(void **state) {
  (void)state;
  map_target t = test_builtin("loihi1");
  ir_module *m = ir_module_create("big");
  ir_loc l = {0};
  int32_t in = ir_add_input(m, "src", IR_INPUT_POISSON, 40000, l);
  m->inputs[in].rate = ir_value_const(0.01, IR_DIM_RATE);
  ir_add_population(m, "exc", IR_NEURON_LIF, 1, l);
  int32_t p = ir_add_projection(m, "fan", (ir_ref){IR_NODE_INPUT, 0}, (ir_ref){IR_NODE_POPULATION, 0}, l);
  m->projs[p].rule.kind = IR_CONN_ALL_TO_ALL;
  m->projs[p].weight = ir_value_const(1.0, IR_DIM_VOLTAGE);
  m->projs[p].delay = ir_value_const(0, IR_DIM_TIME);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_false(test_map(m, &t, 1, f));
  fclose(f);
  printf("%s", buf);
  assert_non_null(strstr(buf, "error: population 'exc' piece 0 needs 2,560,000 bits of synapse memory on core (0,0); "
                              "loihi1 cores have 1,048,576 (over by 1,511,424)"));
  assert_non_null(strstr(buf, "error: population 'exc' piece 0 needs 40,000 input axons on core (0,0); loihi1 cores "
                              "have 4,096 (over by 35,904)"));
  free(buf);
  ir_module_destroy(m);
  /* too many pieces for the mesh */
  t = test_small_target(1, 2);
  m = chain_module();
  buf = NULL;
  f = open_memstream(&buf, &len);
  assert_false(test_map(m, &t, 1, f));
  fclose(f);
  assert_non_null(strstr(buf, "error: the network needs 3 cores; target 'small' has 2"));
  free(buf);
  ir_module_destroy(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_xy_routes),
      cmocka_unit_test(test_place_beats_naive),
      cmocka_unit_test(test_quantise),
      cmocka_unit_test(test_impossible_fit),
  };
  int r = cmocka_run_group_tests(tests, NULL, NULL);
  map_context_clear();
  return r;
}
