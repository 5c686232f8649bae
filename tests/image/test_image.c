/* test_image.c — the image container: round trips of builder-made modules of every node kind,
 * and rejection of truncated, bit-flipped, wrong-magic and wrong-version images. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "image.h"

/* ---------------------------------------------------------------- a module with every node kind */

static const double choices[] = {-3.0, 3.0};

static ir_module *build_module(void) {
  ir_module *m = ir_module_create("every_kind");
  ir_loc here = {"model.yaml", 3, 5};
  m->seed = 0xDEADBEEFCAFEull;
  m->numerics = IR_NUMERICS_FLOAT;
  m->duration = 250.0;
  m->dt = 1.0;
  ir_attr_set_str(m, &m->attrs, "test.note", "module attr");

  int32_t g = ir_add_grid(m, "liquid", here);
  m->grids[g].shape[0] = 2;
  m->grids[g].shape[1] = 2;
  m->grids[g].shape[2] = 2;
  m->grids[g].spacing = 1.5;

  int32_t exc = ir_add_population(m, "exc", IR_NEURON_NALSM_LIF, 3, (ir_loc){"model.yaml", 10, 3});
  ir_population *pe = &m->pops[exc];
  pe->grid = g;
  pe->sites = malloc(3 * sizeof(uint32_t));
  pe->sites[0] = 7;
  pe->sites[1] = 0;
  pe->sites[2] = 4;
  pe->params[IR_P_NALSM_LIF_V_TH] = (ir_value){.kind = IR_VAL_UNIFORM, .dim = IR_DIM_VOLTAGE, .a = 18, .b = 22,
                                               .lo = -INFINITY, .hi = INFINITY, .loc = {"model.yaml", 12, 9}};
  pe->params[IR_P_NALSM_LIF_V_INIT] = (ir_value){.kind = IR_VAL_NORMAL, .dim = IR_DIM_VOLTAGE, .a = 1, .b = 0.2,
                                                 .lo = 0, .hi = 2};
  ir_attr_set_int(m, &pe->attrs, "layout.seed", -42);

  int32_t inh = ir_add_population(m, "inh", IR_NEURON_LIF, 2, here);
  m->pops[inh].params[IR_P_LIF_DU] = ir_value_const(4095, IR_DIM_NONE);

  int32_t inp = ir_add_input(m, "pixels", IR_INPUT_DATASET, 3, here);
  m->inputs[inp].dataset = ir_arena_strdup(m->arena, "mnist");
  m->inputs[inp].split = ir_arena_strdup(m->arena, "train");
  m->inputs[inp].encoding = IR_ENC_NALSM;
  m->inputs[inp].sample_time = ir_value_const(250, IR_DIM_TIME);
  m->inputs[inp].inject_into = exc;
  m->inputs[inp].inject_current = ir_value_const(100, IR_DIM_VOLTAGE);
  int32_t noise = ir_add_input(m, "noise", IR_INPUT_POISSON, 2, here);
  m->inputs[noise].rate = ir_value_const(0.02, IR_DIM_RATE);
  int32_t rep = ir_add_input(m, "replay", IR_INPUT_SPIKES, 2, here);
  m->inputs[rep].file = ir_arena_strdup(m->arena, "/data/replay.csv");

  int32_t ee = ir_add_projection(m, "ee", (ir_ref){IR_NODE_POPULATION, (uint32_t)exc},
                                 (ir_ref){IR_NODE_POPULATION, (uint32_t)exc}, here);
  int32_t astro = ir_add_astrocyte(m, "astro", IR_ASTRO_NALSM, here);
  ir_astrocyte *a = &m->astros[astro];
  a->params[IR_P_NALSM_ASTRO_W_A] = ir_value_const(0.015, IR_DIM_NONE);
  a->nlisten = 2;
  a->listen = ir_arena_alloc(m->arena, 2 * sizeof *a->listen);
  a->listen[0] = (ir_astro_listen){{IR_NODE_POPULATION, (uint32_t)exc}, 1, here};
  a->listen[1] = (ir_astro_listen){{IR_NODE_INPUT, (uint32_t)inp}, -1, {"model.yaml", 30, 7}};
  a->nmodulates = 1;
  a->modulates = ir_arena_alloc(m->arena, sizeof *a->modulates);
  a->modulates[0] = (ir_ref){IR_NODE_PROJECTION, (uint32_t)ee};

  ir_projection *p = &m->projs[ee];
  p->rule.kind = IR_CONN_DISTANCE;
  p->rule.c = 0.2;
  p->rule.lambda = 3;
  p->weight = (ir_value){.kind = IR_VAL_CHOICE, .dim = IR_DIM_VOLTAGE, .nchoice = 2, .choice = choices,
                         .lo = -INFINITY, .hi = INFINITY};
  p->plasticity = IR_PLAST_ASTRO_STDP;
  ir_params_set_defaults(ir_plasticity_desc(IR_PLAST_ASTRO_STDP), p->plast_params);
  p->plast_params[IR_P_STDP_W_MAX] = ir_value_const(3, IR_DIM_VOLTAGE);
  p->modulator = astro;
  p->anti_hebbian = true;
  p->csr = ir_csr_create(3, 3, 4);
  uint64_t rp[] = {0, 2, 2, 4};
  uint32_t col[] = {1, 2, 0, 1};
  float w[] = {3.0f, -3.0f, 0.125f, 1e-7f};
  uint16_t dl[] = {0, 1, 62, 3};
  memcpy(p->csr->row_ptr, rp, sizeof rp);
  memcpy(p->csr->col, col, sizeof col);
  memcpy(p->csr->weight, w, sizeof w);
  memcpy(p->csr->delay, dl, sizeof dl);

  int32_t lst = ir_add_projection(m, "replay_inh", (ir_ref){IR_NODE_INPUT, (uint32_t)rep},
                                  (ir_ref){IR_NODE_POPULATION, (uint32_t)inh}, here);
  m->projs[lst].rule.kind = IR_CONN_LIST;
  m->projs[lst].rule.file = ir_arena_strdup(m->arena, "/data/list.csv");
  m->projs[lst].csr = ir_csr_create(2, 2, 0); /* an expanded projection with no synapses */

  int32_t pr = ir_add_probe(m, "v_some", (ir_ref){IR_NODE_POPULATION, (uint32_t)exc}, "v", here);
  m->probes[pr].every = 5;
  m->probes[pr].nindices = 2;
  uint32_t *idx = ir_arena_alloc(m->arena, 2 * sizeof *idx);
  idx[0] = 0;
  idx[1] = 2;
  m->probes[pr].indices = idx;
  ir_add_probe(m, "astro_a", (ir_ref){IR_NODE_ASTROCYTE, (uint32_t)astro}, "a", here);

  int32_t ph = ir_add_phase(m, "init", here);
  ir_attr_set_int(m, &m->phases[ph].attrs, "samples", 50000);
  ir_attr_set_float(m, &m->phases[ph].attrs, "sample_time", 20.0);
  ir_attr_set_str(m, &m->phases[ph].attrs, "split", "train");
  return m;
}

/* ---------------------------------------------------------------- deep comparison */

static void same_str(const char *a, const char *b) {
  if (!a || !b) assert_ptr_equal(a, b);
  else assert_string_equal(a, b);
}

static void same_loc(ir_loc a, ir_loc b) {
  same_str(a.file, b.file);
  assert_int_equal(a.line, b.line);
  assert_int_equal(a.col, b.col);
}

static void same_f64(double a, double b) { assert_memory_equal(&a, &b, sizeof a); }

static void same_value(const ir_value *a, const ir_value *b) {
  assert_int_equal(a->kind, b->kind);
  assert_true(ir_dim_eq(a->dim, b->dim));
  same_f64(a->a, b->a);
  same_f64(a->b, b->b);
  same_f64(a->lo, b->lo);
  same_f64(a->hi, b->hi);
  assert_int_equal(a->nchoice, b->nchoice);
  for (uint32_t i = 0; i < a->nchoice; i++) same_f64(a->choice[i], b->choice[i]);
  same_loc(a->loc, b->loc);
}

static void same_params(const ir_value *a, const ir_value *b) {
  for (int i = 0; i < IR_MAX_PARAMS; i++) same_value(&a[i], &b[i]);
}

static void same_attrs(const ir_attrs *a, const ir_attrs *b) {
  assert_int_equal(a->n, b->n);
  for (uint32_t i = 0; i < a->n; i++) {
    same_str(a->v[i].key, b->v[i].key);
    assert_int_equal(a->v[i].kind, b->v[i].kind);
    if (a->v[i].kind == IR_ATTR_STR) same_str(a->v[i].u.s, b->v[i].u.s);
    else if (a->v[i].kind == IR_ATTR_INT) assert_int_equal(a->v[i].u.i, b->v[i].u.i);
    else same_f64(a->v[i].u.f, b->v[i].u.f);
  }
}

static void same_ref(ir_ref a, ir_ref b) {
  assert_int_equal(a.kind, b.kind);
  assert_int_equal(a.index, b.index);
}

static void same_module(const ir_module *a, const ir_module *b) {
  same_str(a->name, b->name);
  same_loc(a->loc, b->loc);
  same_f64(a->dt, b->dt);
  assert_true(a->seed == b->seed);
  assert_int_equal(a->numerics, b->numerics);
  same_f64(a->v_unit, b->v_unit);
  same_f64(a->duration, b->duration);
  same_attrs(&a->attrs, &b->attrs);
  assert_int_equal(a->ngrids, b->ngrids);
  for (uint32_t i = 0; i < a->ngrids; i++) {
    same_str(a->grids[i].name, b->grids[i].name);
    same_loc(a->grids[i].loc, b->grids[i].loc);
    assert_memory_equal(a->grids[i].shape, b->grids[i].shape, sizeof a->grids[i].shape);
    same_f64(a->grids[i].spacing, b->grids[i].spacing);
    same_attrs(&a->grids[i].attrs, &b->grids[i].attrs);
  }
  assert_int_equal(a->npops, b->npops);
  for (uint32_t i = 0; i < a->npops; i++) {
    const ir_population *x = &a->pops[i], *y = &b->pops[i];
    same_str(x->name, y->name);
    same_loc(x->loc, y->loc);
    assert_int_equal(x->model, y->model);
    assert_int_equal(x->size, y->size);
    same_params(x->params, y->params);
    assert_int_equal(x->grid, y->grid);
    assert_int_equal(x->sites == NULL, y->sites == NULL);
    if (x->sites) assert_memory_equal(x->sites, y->sites, x->size * sizeof *x->sites);
    same_attrs(&x->attrs, &y->attrs);
  }
  assert_int_equal(a->nastros, b->nastros);
  for (uint32_t i = 0; i < a->nastros; i++) {
    const ir_astrocyte *x = &a->astros[i], *y = &b->astros[i];
    same_str(x->name, y->name);
    same_loc(x->loc, y->loc);
    assert_int_equal(x->model, y->model);
    assert_int_equal(x->size, y->size);
    same_params(x->params, y->params);
    assert_int_equal(x->nlisten, y->nlisten);
    for (uint32_t k = 0; k < x->nlisten; k++) {
      same_ref(x->listen[k].source, y->listen[k].source);
      assert_int_equal(x->listen[k].sign, y->listen[k].sign);
      same_loc(x->listen[k].loc, y->listen[k].loc);
    }
    assert_int_equal(x->nmodulates, y->nmodulates);
    for (uint32_t k = 0; k < x->nmodulates; k++) same_ref(x->modulates[k], y->modulates[k]);
    same_attrs(&x->attrs, &y->attrs);
  }
  assert_int_equal(a->ninputs, b->ninputs);
  for (uint32_t i = 0; i < a->ninputs; i++) {
    const ir_input *x = &a->inputs[i], *y = &b->inputs[i];
    same_str(x->name, y->name);
    same_loc(x->loc, y->loc);
    assert_int_equal(x->kind, y->kind);
    assert_int_equal(x->size, y->size);
    same_value(&x->rate, &y->rate);
    same_value(&x->p, &y->p);
    same_str(x->file, y->file);
    same_str(x->dataset, y->dataset);
    same_str(x->split, y->split);
    assert_int_equal(x->encoding, y->encoding);
    same_value(&x->sample_time, &y->sample_time);
    assert_int_equal(x->inject_into, y->inject_into);
    same_value(&x->inject_current, &y->inject_current);
    same_attrs(&x->attrs, &y->attrs);
  }
  assert_int_equal(a->nprojs, b->nprojs);
  for (uint32_t i = 0; i < a->nprojs; i++) {
    const ir_projection *x = &a->projs[i], *y = &b->projs[i];
    same_str(x->name, y->name);
    same_loc(x->loc, y->loc);
    same_ref(x->pre, y->pre);
    same_ref(x->post, y->post);
    assert_int_equal(x->rule.kind, y->rule.kind);
    same_f64(x->rule.p, y->rule.p);
    assert_int_equal(x->rule.indegree, y->rule.indegree);
    assert_true(x->rule.n == y->rule.n);
    same_f64(x->rule.c, y->rule.c);
    same_f64(x->rule.lambda, y->rule.lambda);
    same_str(x->rule.file, y->rule.file);
    assert_int_equal(x->rule.allow_self, y->rule.allow_self);
    same_loc(x->rule.loc, y->rule.loc);
    same_value(&x->weight, &y->weight);
    same_value(&x->delay, &y->delay);
    assert_int_equal(x->plasticity, y->plasticity);
    same_params(x->plast_params, y->plast_params);
    assert_int_equal(x->anti_hebbian, y->anti_hebbian);
    assert_int_equal(x->modulator, y->modulator);
    assert_int_equal(x->csr == NULL, y->csr == NULL);
    if (x->csr) {
      const ir_csr *c = x->csr, *e = y->csr;
      assert_int_equal(c->npre, e->npre);
      assert_int_equal(c->npost, e->npost);
      assert_true(c->nsyn == e->nsyn);
      assert_memory_equal(c->row_ptr, e->row_ptr, (c->npre + 1) * sizeof(uint64_t));
      if (c->nsyn) {
        assert_memory_equal(c->col, e->col, c->nsyn * sizeof(uint32_t));
        assert_memory_equal(c->weight, e->weight, c->nsyn * sizeof(float));
        assert_memory_equal(c->delay, e->delay, c->nsyn * sizeof(uint16_t));
      }
    }
    same_attrs(&x->attrs, &y->attrs);
  }
  assert_int_equal(a->nprobes, b->nprobes);
  for (uint32_t i = 0; i < a->nprobes; i++) {
    const ir_probe *x = &a->probes[i], *y = &b->probes[i];
    same_str(x->name, y->name);
    same_loc(x->loc, y->loc);
    same_ref(x->target, y->target);
    same_str(x->var, y->var);
    assert_int_equal(x->every, y->every);
    assert_int_equal(x->nindices, y->nindices);
    assert_int_equal(x->indices == NULL, y->indices == NULL);
    if (x->nindices) assert_memory_equal(x->indices, y->indices, x->nindices * sizeof(uint32_t));
    same_attrs(&x->attrs, &y->attrs);
  }
  assert_int_equal(a->nphases, b->nphases);
  for (uint32_t i = 0; i < a->nphases; i++) {
    same_str(a->phases[i].name, b->phases[i].name);
    same_loc(a->phases[i].loc, b->phases[i].loc);
    same_attrs(&a->phases[i].attrs, &b->phases[i].attrs);
  }
}

/* ---------------------------------------------------------------- helpers */

static uint8_t *encode(const ir_module *m, size_t *len) {
  ir_diag *d = ir_diag_create(stderr);
  void *data = NULL;
  assert_true(ir_image_encode(m, &data, len, d));
  ir_diag_destroy(d);
  return data;
}

/* Decodes and expects failure; returns the last diagnostic's text in `msg`. */
static void expect_reject(const uint8_t *data, size_t len, unsigned flags, char *msg, size_t cap) {
  ir_diag *d = ir_diag_create(NULL);
  ir_module *m = ir_image_read_ex(data, len, "t.aimg", flags, d);
  assert_null(m);
  assert_true(ir_diag_error_count(d) >= 1);
  if (msg) snprintf(msg, cap, "%s", ir_diag_last(d));
  ir_diag_destroy(d);
}

static void put32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static char *print_module(const ir_module *m) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  assert_non_null(f);
  ir_print_options opt = {.synapses = true};
  ir_print(m, f, &opt);
  fclose(f);
  return text;
}

/* ---------------------------------------------------------------- tests */

static void test_crc32_known_value(void **state) {
  (void)state;
  /* the standard check value of CRC-32/ISO-HDLC */
  assert_int_equal(ir_crc32(0, "123456789", 9), 0xCBF43926u);
  /* chunked == whole */
  uint32_t c = ir_crc32(ir_crc32(0, "1234", 4), "56789", 5);
  assert_int_equal(c, 0xCBF43926u);
}

static void test_round_trip_every_kind(void **state) {
  (void)state;
  ir_module *m = build_module();
  size_t len;
  uint8_t *data = encode(m, &len);
  assert_memory_equal(data, "ASTROIMG", 8);
  assert_int_equal(len % 8, 0);
  ir_diag *d = ir_diag_create(stderr);
  ir_module *back = ir_image_read(data, len, "t.aimg", d);
  assert_non_null(back);
  same_module(m, back);
  /* the textual IR agrees too */
  char *ta = print_module(m), *tb = print_module(back);
  assert_true(strlen(ta) > 100);
  assert_string_equal(ta, tb);
  free(ta);
  free(tb);
  /* re-encoding the decoded module gives the same bytes */
  size_t len2;
  uint8_t *data2 = encode(back, &len2);
  assert_int_equal(len, len2);
  assert_memory_equal(data, data2, len);
  free(data2);
  ir_module_destroy(back);
  ir_diag_destroy(d);
  free(data);
  ir_module_destroy(m);
}

static void test_round_trip_empty_module(void **state) {
  (void)state;
  ir_module *m = ir_module_create("empty");
  size_t len;
  uint8_t *data = encode(m, &len);
  ir_diag *d = ir_diag_create(stderr);
  ir_module *back = ir_image_read(data, len, "t.aimg", d);
  assert_non_null(back);
  same_module(m, back);
  ir_module_destroy(back);
  ir_diag_destroy(d);
  free(data);
  ir_module_destroy(m);
}

static void test_every_truncation_rejected(void **state) {
  (void)state;
  ir_module *m = build_module();
  size_t len;
  uint8_t *data = encode(m, &len);
  for (size_t cut = 0; cut < len; cut++) {
    uint8_t *copy = malloc(cut ? cut : 1); /* an exact-size buffer so ASan sees overreads */
    memcpy(copy, data, cut);
    expect_reject(copy, cut, 0, NULL, 0);
    expect_reject(copy, cut, IR_IMAGE_SKIP_CHECKSUM, NULL, 0);
    free(copy);
  }
  char msg[512];
  expect_reject(data, len - 8, 0, msg, sizeof msg);
  assert_non_null(strstr(msg, "image truncated"));
  free(data);
  ir_module_destroy(m);
}

static void test_bit_flips_rejected(void **state) {
  (void)state;
  ir_module *m = build_module();
  size_t len;
  uint8_t *data = encode(m, &len);
  /* a fixed LCG so the test is reproducible */
  uint64_t x = 12345;
  int checksum_hits = 0;
  for (int t = 0; t < 2000; t++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    size_t byte = (size_t)(x >> 33) % len;
    int bit = (int)((x >> 20) & 7);
    data[byte] ^= (uint8_t)(1u << bit);
    char msg[512];
    expect_reject(data, len, 0, msg, sizeof msg);
    if (strstr(msg, "checksum mismatch")) checksum_hits++;
    data[byte] ^= (uint8_t)(1u << bit);
  }
  /* almost all of the file is payload: most flips must be caught by the CRC */
  assert_true(checksum_hits > 1500);
  free(data);
  ir_module_destroy(m);
}

static void test_bad_magic_and_version(void **state) {
  (void)state;
  ir_module *m = build_module();
  size_t len;
  uint8_t *data = encode(m, &len);
  char msg[512];
  data[0] = 'X';
  expect_reject(data, len, 0, msg, sizeof msg);
  assert_non_null(strstr(msg, "not an astroc image"));
  data[0] = 'A';
  put32(data + 8, 7);
  expect_reject(data, len, 0, msg, sizeof msg);
  assert_string_equal(msg, "image format version 7, this astroc reads version 1 (written by a newer astroc)");
  put32(data + 8, IR_IMAGE_VERSION);
  data[40] = 1; /* reserved */
  expect_reject(data, len, 0, msg, sizeof msg);
  data[40] = 0;
  data[len - 1] ^= 0x10; /* a payload byte */
  expect_reject(data, len, 0, msg, sizeof msg);
  assert_string_equal(msg, "checksum mismatch (file corrupt)");
  free(data);
  ir_module_destroy(m);
}

/* Payload corruption with the checksum skipped must still be caught by the structural checks. */
static void test_structural_checks_without_checksum(void **state) {
  (void)state;
  ir_module *m = build_module();
  /* a column out of range */
  m->projs[0].csr->col[3] = 9;
  size_t len;
  uint8_t *data = encode(m, &len);
  char msg[512];
  expect_reject(data, len, IR_IMAGE_SKIP_CHECKSUM, msg, sizeof msg);
  assert_non_null(strstr(msg, "synapse 3 targets neuron 9 of 3"));
  free(data);
  m->projs[0].csr->col[3] = 1;
  /* a site outside the grid */
  m->pops[0].sites[1] = 8;
  data = encode(m, &len);
  expect_reject(data, len, 0, msg, sizeof msg);
  assert_non_null(strstr(msg, "sits on site 8 of 8"));
  free(data);
  m->pops[0].sites[1] = 0;
  /* a probe index out of range */
  m->probes[0].indices[1] = 3;
  data = encode(m, &len);
  expect_reject(data, len, 0, msg, sizeof msg);
  assert_non_null(strstr(msg, "records element 3 of 3"));
  free(data);
  ir_module_destroy(m);
}

static void test_load_missing_file(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(NULL);
  assert_null(ir_image_load("/nonexistent/x.aimg", d));
  assert_int_equal(ir_diag_error_count(d), 1);
  ir_diag_destroy(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_crc32_known_value),
      cmocka_unit_test(test_round_trip_every_kind),
      cmocka_unit_test(test_round_trip_empty_module),
      cmocka_unit_test(test_every_truncation_rejected),
      cmocka_unit_test(test_bit_flips_rejected),
      cmocka_unit_test(test_bad_magic_and_version),
      cmocka_unit_test(test_structural_checks_without_checksum),
      cmocka_unit_test(test_load_missing_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
