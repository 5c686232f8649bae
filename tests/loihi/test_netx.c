/* test_netx.c — lava-dl netx interchange: export -> import round trip of a lif chain (identical raster),
 * the shared sample netx_tiny.net (layer parameters read by hand with h5dump, synapse counts against a
 * direct count of its nonzero conv weights, runs identically on interp and loihi), and export errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hdf5.h>

#include "lh_test_util.h"

static void expand(ir_module *m, ir_diag *d) {
  assert_true(pass_layout(m, d));
  assert_true(pass_expand(m, d));
}

static ir_module *chain(void) {
  ir_module *m = ir_module_create("chain");
  m->numerics = IR_NUMERICS_FIXED;
  ir_loc loc = {0};
  int32_t in = ir_add_input(m, "in", IR_INPUT_BERNOULLI, 20, loc);
  m->inputs[in].p = ir_value_const(0.1, IR_DIM_NONE); /* the importer's input probability */
  uint32_t sizes[3] = {20, 15, 10};
  const char *names[3] = {"a", "b", "c"};
  for (int p = 0; p < 3; p++) {
    int32_t k = ir_add_population(m, names[p], IR_NEURON_LIF, sizes[p], loc);
    ir_value *q = m->pops[k].params;
    q[IR_P_LIF_TAU_U] = ir_value_const(5, IR_DIM_TIME);
    q[IR_P_LIF_TAU_V] = ir_value_const(20 + 5 * p, IR_DIM_TIME);
    q[IR_P_LIF_V_TH] = ir_value_const(5 + p, IR_DIM_VOLTAGE);
    q[IR_P_LIF_BIAS] = ir_value_const(0.5 - 0.25 * p, IR_DIM_VOLTAGE);
    q[IR_P_LIF_REFRACTORY] = ir_value_const(2, IR_DIM_TIME);
  }
  int32_t j = ir_add_projection(m, "in_a", (ir_ref){IR_NODE_INPUT, 0}, (ir_ref){IR_NODE_POPULATION, 0}, loc);
  m->projs[j].rule.kind = IR_CONN_ONE_TO_ONE;
  m->projs[j].weight = ir_value_const(6, IR_DIM_VOLTAGE);
  for (int p = 1; p < 3; p++) {
    j = ir_add_projection(m, p == 1 ? "a_b" : "b_c", (ir_ref){IR_NODE_POPULATION, (uint32_t)p - 1},
                          (ir_ref){IR_NODE_POPULATION, (uint32_t)p}, loc);
    m->projs[j].rule.kind = IR_CONN_FIXED_PROBABILITY;
    m->projs[j].rule.p = 0.4;
    m->projs[j].weight = (ir_value){.kind = IR_VAL_UNIFORM, .dim = IR_DIM_VOLTAGE, .a = -1, .b = 4};
  }
  return m;
}

static void test_round_trip(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(stderr);
  ir_module *m = chain();
  expand(m, d);
  const char *path = "/tmp/astroc_loihi_rt.net";
  assert_true(lh_netx_write(m, path, d));
  ir_module *r = lh_netx_read(path, d);
  assert_non_null(r);
  assert_true(pass_layout(r, d));
  assert_true(pass_expand(r, d));
  assert_true(ir_verify(r, d));
  assert_int_equal(r->npops, 3);
  assert_int_equal(r->ninputs, 1);
  assert_int_equal(r->nprojs, 3);
  for (uint32_t k = 0; k < 3; k++) {
    assert_int_equal(r->pops[k].size, m->pops[k].size);
    assert_int_equal(r->projs[k].csr->nsyn, m->projs[k].csr->nsyn);
    for (uint64_t s = 0; s < m->projs[k].csr->nsyn; s++)
      assert_true(r->projs[k].csr->weight[s] == m->projs[k].csr->weight[s]);
  }
  lt_raster a = {0}, b = {0};
  double *sa, *sb;
  assert_true(lt_run(m, "interp", 300, &a, &sa, d));
  assert_true(lt_run(r, "interp", 300, &b, &sb, d));
  assert_true(a.n > 100);
  assert_int_equal(a.n, b.n);
  assert_memory_equal(a.key, b.key, a.n * sizeof *a.key);
  assert_memory_equal(sa, sb, 2 * 45 * sizeof(double));
  free(a.key);
  free(b.key);
  free(sa);
  free(sb);
  remove(path);
  ir_module_destroy(r);
  ir_module_destroy(m);
  ir_diag_destroy(d);
}

static void test_export_errors(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(NULL);
  ir_module *m = chain();
  m->projs[2].pre = (ir_ref){IR_NODE_POPULATION, 0}; /* a -> c skips b */
  m->projs[2].rule.kind = IR_CONN_ALL_TO_ALL;
  expand(m, d);
  assert_false(lh_netx_write(m, "/tmp/astroc_loihi_bad.net", d));
  assert_non_null(strstr(ir_diag_last(d), "does not fit a feed-forward chain"));
  assert_null(lh_netx_read("/tmp/astroc_loihi_missing.net", d));
  ir_module_destroy(m);
  ir_diag_destroy(d);
}

/* Nonzero elements of a dataset, read directly with HDF5 (a second method next to the expansion). */
static uint64_t nonzero(const char *path, const char *name) {
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
  hid_t sp = H5Dget_space(ds);
  hssize_t n = H5Sget_simple_extent_npoints(sp);
  double *v = malloc((size_t)n * sizeof(double));
  H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
  uint64_t nz = 0;
  for (hssize_t i = 0; i < n; i++)
    nz += v[i] != 0;
  free(v);
  H5Sclose(sp);
  H5Dclose(ds);
  H5Fclose(f);
  return nz;
}

static void test_netx_tiny(void **state) {
  (void)state;
  const char *path = LH_SHARED_DIR "/data/netx/netx_tiny.net";
  if (access(path, R_OK) != 0)
    skip(); /* the shared data folder is a sibling of the clone; absent outside the workspace */
  ir_diag *d = ir_diag_create(stderr);
  ir_module *m = lh_netx_read(path, d);
  assert_non_null(m);
  expand(m, d);
  assert_true(ir_verify(m, d));
  /* h5dump: layer 0 input, shape [3,16,16], weight 36, bias 34; neuron iDecay 4096, vDecay 1024, vThMant 25,
   * refDelay 1 */
  assert_int_equal(m->ninputs, 1);
  assert_int_equal(m->inputs[0].size, 768);
  assert_string_equal(m->pops[0].name, "layer0");
  assert_int_equal(m->pops[0].size, 768);
  const ir_value *q = m->pops[0].params;
  assert_true(q[IR_P_LIF_DU].a == 4095 && q[IR_P_LIF_DV].a == 1024 && q[IR_P_LIF_V_TH].a == 25);
  assert_true(q[IR_P_LIF_BIAS].a == 34 - 36 && q[IR_P_LIF_REFRACTORY].a == 0);
  assert_true(m->projs[0].csr->weight[0] == 72); /* an input spike: 2 * weight */
  uint64_t neurons = 0, syn1 = 0, syn2 = 0;
  for (uint32_t p = 0; p < m->npops; p++)
    neurons += m->pops[p].size;
  assert_int_equal(neurons, 768 + 24 * 6 * 6 + 36);
  for (uint32_t k = 1; k < m->nprojs; k++) {
    const ir_projection *pr = &m->projs[k];
    bool into1 = strncmp(m->pops[pr->post.index].name, "layer1", 6) == 0;
    *(into1 ? &syn1 : &syn2) += pr->csr->nsyn;
  }
  /* stride 2, no padding: every kernel tap of layer 1 (6x6 outputs) and layer 2 (1x1) is in range */
  assert_int_equal(syn1, 36 * nonzero(path, "/layer/1/weight"));
  assert_int_equal(syn2, nonzero(path, "/layer/2/weight"));
  /* runs, and the loihi tables reproduce it */
  lh_target t = *lh_target_get("loihi1");
  char *dir = lt_compile_to_dir(m, &t, d);
  assert_non_null(dir);
  lt_raster a = {0}, b = {0};
  double *sa, *sb;
  assert_true(lt_run(m, "interp", 60, &a, &sa, d));
  assert_true(lt_run(m, "loihi", 60, &b, &sb, d));
  assert_int_equal(a.n, b.n);
  assert_memory_equal(a.key, b.key, a.n * sizeof *a.key);
  size_t deep = 0;
  for (size_t i = 0; i < a.n; i++)
    deep += ((a.key[i] >> 24) & 0xffff) > 0 && ((a.key[i] >> 24) & 0xffff) < 128; /* beyond layer 0 */
  assert_true(deep > 0);
  free(a.key);
  free(b.key);
  free(sa);
  free(sb);
  lt_rmdir(dir);
  free(dir);
  ir_module_destroy(m);
  ir_diag_destroy(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_export_errors),
      cmocka_unit_test(test_netx_tiny),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
