/* test_tables.c — the Loihi tables themselves: the synapse-memory bit cost and bit layout (checked
 * against hand-computed words), profile de-duplication and limits, errors naming core and resource, the
 * binary's round trip and corruption checks, and that a wrong table shows up as a wrong raster. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fe.h"
#include "lh_test_util.h"

static ir_module *one_input(uint32_t nin, uint32_t npost, double w) {
  ir_module *m = ir_module_create("t");
  m->numerics = IR_NUMERICS_FIXED;
  ir_loc loc = {0};
  ir_add_population(m, "p", IR_NEURON_LIF, npost, loc);
  int32_t i = ir_add_input(m, "in", IR_INPUT_BERNOULLI, nin, loc);
  m->inputs[i].p = ir_value_const(0.5, IR_DIM_NONE);
  int32_t j = ir_add_projection(m, "j", (ir_ref){IR_NODE_INPUT, 0}, (ir_ref){IR_NODE_POPULATION, 0}, loc);
  m->projs[j].rule.kind = IR_CONN_ALL_TO_ALL;
  m->projs[j].weight = ir_value_const(w, IR_DIM_VOLTAGE);
  return m;
}

static void expand(ir_module *m, ir_diag *d) {
  assert_true(pass_layout(m, d));
  assert_true(pass_expand(m, d));
}

/* loihi1 (targets/loihi1.yaml): 32-bit chunk headers. 70 synapses of 10 index + 8 weight bits behind one
 * axon: a chunk of 64 (64*18 + 32 = 1184 bits -> 19 words) and one of 6 (6*18 + 32 = 140 bits -> 3
 * words): 22 words. */
static void test_chunk_cost(void **state) {
  (void)state;
  const lh_target *t = lh_target_get("loihi1");
  assert_int_equal(lh_syn_words(t, 18, 70), 22);
  assert_int_equal(lh_syn_words(t, 18, 1), 1);  /* 50 bits */
  assert_int_equal(lh_syn_words(t, 18, 2), 2);  /* 68 bits */
  assert_int_equal(lh_syn_words(t, 24, 64), 25); /* 1568 bits = 24.5 words */
  assert_int_equal(lh_delay_bits(0), 0);
  assert_int_equal(lh_delay_bits(1), 1);
  assert_int_equal(lh_delay_bits(62), 6);
  ir_diag *d = ir_diag_create(NULL);
  ir_module *m = one_input(1, 70, 5.0);
  expand(m, d);
  lh_config *c = lh_compile(m, t, d);
  assert_non_null(c);
  assert_int_equal(c->ncores, 1);
  assert_int_equal(c->cores[0].nwords, 22);
  assert_int_equal(c->cores[0].naxin, 1);
  /* 5 mV, v_unit 1: exponent -4 (5*16 = 80 fits 127, 5*32 = 160 does not), mantissa 80. Word 0:
   * header 63 (n-1), not last, format 0 | syn 0 at bit 32: index 0, weight 80 at 42 | syn 1 at 50:
   * index 1, weight bits 60..63 = low 4 bits of 80 (0). */
  uint64_t w0 = 63 | (UINT64_C(80) << 42) | (UINT64_C(1) << 50);
  assert_int_equal(c->cores[0].words[0], w0);
  assert_int_equal(c->cores[0].fmt[0].wexp, -4);
  /* the second chunk starts at word 19: 6 synapses, last: header 5 | 1 << 6, first index 64 */
  assert_int_equal(c->cores[0].words[19] & 0xffffffff, 5 | (1 << 6));
  assert_int_equal((c->cores[0].words[19] >> 32) & 1023, 64);
  lh_config_free(c);
  ir_module_destroy(m);
  ir_diag_destroy(d);
}

static void test_alone_too_big(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(NULL);
  ir_module *m = one_input(5000, 1, 1.0);
  expand(m, d);
  assert_null(lh_compile(m, lh_target_get("loihi1"), d));
  assert_string_equal(ir_diag_last(d), "core 0: neuron 0 of population 'p' alone needs more input axons than a "
                                       "loihi1 core has (limit 4096)");
  ir_module_destroy(m);
  ir_diag_destroy(d);
}

/* 40 neurons with 40 distinct du: 32 compartment profiles fill core 0, 8 go to core 1. */
static void test_profiles_split(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(NULL);
  ir_module *m = ir_module_create("t");
  m->numerics = IR_NUMERICS_FIXED;
  ir_loc loc = {0};
  ir_add_population(m, "p", IR_NEURON_LIF, 40, loc);
  static double du[40];
  for (int i = 0; i < 40; i++)
    du[i] = 100 + i;
  /* CHOICE draws at random: use a uniform over 0..4095 instead and check profile counts directly */
  m->pops[0].params[IR_P_LIF_DU] = ir_value_const(0, IR_DIM_NONE);
  m->pops[0].params[IR_P_LIF_DU].kind = IR_VAL_UNIFORM;
  m->pops[0].params[IR_P_LIF_DU].b = 4095;
  m->pops[0].params[IR_P_LIF_V_TH] = ir_value_const(5, IR_DIM_VOLTAGE);
  expand(m, d);
  lh_config *c = lh_compile(m, lh_target_get("loihi1"), d);
  assert_non_null(c);
  /* count distinct du over all compartments independently of the tables' profiles */
  uint32_t distinct = 0;
  int32_t seen[40];
  for (uint32_t k = 0; k < c->ncores; k++)
    for (uint32_t i = 0; i < c->cores[k].ncx; i++) {
      int32_t v = c->cores[k].cxp[c->cores[k].cx[i].cxp].du;
      bool dup = false;
      for (uint32_t j = 0; j < distinct; j++)
        dup = dup || seen[j] == v;
      if (!dup)
        seen[distinct++] = v;
    }
  assert_true(distinct > 32);
  assert_int_equal(c->ncores, 2);
  assert_int_equal(c->cores[0].ncxp, 32);
  assert_int_equal(c->cores[0].nvthp, 1);
  assert_int_equal(c->cores[0].ncx + c->cores[1].ncx, 40);
  (void)du;
  lh_config_free(c);
  ir_module_destroy(m);
  ir_diag_destroy(d);
}

static void test_too_many_cores(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(NULL);
  ir_module *m = ir_module_create("t");
  m->numerics = IR_NUMERICS_FIXED;
  ir_add_population(m, "p", IR_NEURON_LIF, 10, (ir_loc){0});
  expand(m, d);
  lh_target t = *lh_target_get("loihi1");
  t.limit[LH_RES_CX] = 4;
  t.cores_per_chip = 2;
  t.chips_max = 1;
  assert_null(lh_compile(m, &t, d));
  assert_string_equal(ir_diag_last(d), "the network needs 3 cores; loihi1 has at most 2 (1 chips of 2 cores), 1 too many");
  m->numerics = IR_NUMERICS_FLOAT;
  assert_null(lh_compile(m, lh_target_get("loihi1"), d));
  assert_non_null(strstr(ir_diag_last(d), "needs fixed numerics"));
  ir_module_destroy(m);
  ir_diag_destroy(d);
}

static void test_delay_limit(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(NULL);
  ir_module *m = one_input(2, 2, 1.0);
  m->projs[0].delay = ir_value_const(63, IR_DIM_TIME);
  expand(m, d);
  assert_null(lh_compile(m, lh_target_get("loihi1"), d));
  assert_string_equal(ir_diag_last(d), "projection 'j': delay 63 steps exceeds the loihi1 limit of 62");
  ir_module_destroy(m);
  ir_diag_destroy(d);
}

static uint8_t *to_bytes(const lh_config *c, size_t *n) {
  char *buf = NULL;
  FILE *f = open_memstream(&buf, n);
  assert_true(lh_write_bin(c, f));
  fclose(f);
  return (uint8_t *)buf;
}

static void test_binary_round_trip(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(NULL);
  ir_module *m = one_input(30, 50, -2.5);
  m->projs[0].delay = (ir_value){.kind = IR_VAL_UNIFORM, .dim = IR_DIM_TIME, .a = 0, .b = 9};
  expand(m, d);
  lh_target t = *lh_target_get("loihi1");
  t.limit[LH_RES_CX] = 16;
  lh_config *c = lh_compile(m, &t, d);
  assert_non_null(c);
  assert_int_equal(c->ncores, 4);
  size_t n1, n2;
  uint8_t *b1 = to_bytes(c, &n1);
  lh_config *r = lh_read_bin(b1, n1, "mem", d);
  assert_non_null(r);
  uint8_t *b2 = to_bytes(r, &n2);
  assert_int_equal(n1, n2);
  assert_memory_equal(b1, b2, n1);
  /* one flipped bit: the checksum catches it */
  b1[n1 / 2] ^= 4;
  assert_null(lh_read_bin(b1, n1, "mem", d));
  assert_non_null(strstr(ir_diag_last(d), "checksum"));
  b1[n1 / 2] ^= 4;
  assert_null(lh_read_bin(b1, n1 - 9, "mem", d));
  free(b1);
  free(b2);
  lh_config_free(r);
  lh_config_free(c);
  ir_module_destroy(m);
  ir_diag_destroy(d);
}

/* amsu units: a soma and an astrocyte compartment per unit, side by side in one core, with the astro
 * profile's integers computed by hand (docs/numerics.md, "amsu": dt 1 ms, v_unit 1 mV); two compartments
 * are charged per unit; a table whose pair is broken is refused by the reader. */
static void test_amsu_tables(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(NULL);
  ir_module *m = one_input(4, 3, 2.0);
  m->pops[0].model = IR_NEURON_AMSU;
  ir_params_set_defaults(ir_neuron_model_desc(IR_NEURON_AMSU), m->pops[0].params);
  expand(m, d);
  lh_config *c = lh_compile(m, lh_target_get("loihi1"), d);
  assert_non_null(c);
  assert_int_equal(c->ncores, 1);
  lh_core *k = &c->cores[0];
  assert_int_equal(k->ncx, 6);
  assert_int_equal(k->ncxp, 2);
  for (uint32_t i = 0; i < 6; i++) {
    assert_int_equal(k->cx[i].neuron, i / 2);
    assert_int_equal(k->cxp[k->cx[i].cxp].kind, i % 2 ? LH_CX_ASTRO : LH_CX_AMSU);
  }
  const lh_cx_profile *a = &k->cxp[k->cx[1].cxp], *s = &k->cxp[k->cx[0].cxp];
  /* tau_astro 500: round(65536 e^-0.002) = 65405; 0.01 -> 655; 0.05 -> 3277; gain 0.5 -> 32768;
   * thresh_gain 2 mV -> 128 fine units; v_th 10 mV -> 640; tau_u 5 -> du 4095 - round(4096 e^-0.2) = 4095 - 3354 = 741 */
  assert_int_equal(a->fa, 65405);
  assert_int_equal(a->a_pre, 655);
  assert_int_equal(a->a_spike, 3277);
  assert_int_equal(a->gain, 32768);
  assert_int_equal(a->tgain, 128);
  assert_int_equal(a->acur, 0);
  assert_int_equal(s->du, 741);
  assert_int_equal(k->vthp[k->cx[0].vthp], 640);
  assert_int_equal(k->out_ptr[2] - k->out_ptr[1], 0); /* the astrocyte compartment has no output axons */
  size_t n;
  uint8_t *b = to_bytes(c, &n);
  lh_config *r = lh_read_bin(b, n, "mem", d);
  assert_non_null(r);
  assert_int_equal(r->cores[0].cxp[r->cores[0].cx[1].cxp].a_spike, 3277);
  lh_config_free(r);
  free(b);
  uint8_t p0 = k->cx[0].cxp; /* soma and astrocyte swapped: refused */
  k->cx[0].cxp = k->cx[1].cxp;
  k->cx[1].cxp = p0;
  b = to_bytes(c, &n);
  assert_null(lh_read_bin(b, n, "mem", d));
  free(b);
  lh_config_free(c);
  /* a core of 3 compartments holds one unit (2), never half of one */
  lh_target t = *lh_target_get("loihi1");
  t.limit[LH_RES_CX] = 3;
  c = lh_compile(m, &t, d);
  assert_non_null(c);
  assert_int_equal(c->ncores, 3);
  for (uint32_t i = 0; i < 3; i++)
    assert_int_equal(c->cores[i].ncx, 2);
  lh_config_free(c);
  ir_module_destroy(m);
  ir_diag_destroy(d);
}

/* examples/tripartite.yaml: the modulated projection has a format of its own, the astrocyte record
 * (elements, projection listening, modulated projection, current target) survives the binary byte for
 * byte, and the element's integers are the hand-derived ones (tau_ca 500 ms: 65405; tau_glio 200 ms:
 * round(65536 e^-0.005) = 65209; 0.001 -> 66; 0.005 -> 328; glio_current 0.05 mV -> 3 fine units). */
static void test_tripartite_tables(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(stderr);
  char path[512];
  snprintf(path, sizeof path, "%s/examples/tripartite.yaml", LH_TEST_SRCDIR);
  ir_module *m = fe_yaml_load(path, d);
  assert_non_null(m);
  m->numerics = IR_NUMERICS_FIXED;
  expand(m, d);
  lh_config *c = lh_compile(m, lh_target_get("loihi1"), d);
  assert_non_null(c);
  assert_int_equal(c->nastros, 1);
  const lh_astro *a = &c->astros[0];
  assert_int_equal(a->kind, LH_ASTRO_TRIPARTITE);
  assert_int_equal(a->n, 1);
  int32_t want[LH_TRI_COUNT] = {65405, 65209, 66, 32768, 328, 65536, 3, 0};
  assert_memory_equal(a->tri, want, sizeof want);
  assert_int_equal(a->nlisten, 1);
  assert_int_equal(a->listen_kind[0], 2); /* projection syn (index 1) */
  assert_int_equal(a->listen_index[0], 1);
  assert_int_equal(a->nmod, 1);
  assert_int_equal(a->mod_proj[0], 1);
  assert_int_equal(a->ntarget, 1);
  assert_int_equal(a->target_pop[0], 1); /* post */
  uint32_t modulated = 0;
  for (uint32_t k = 0; k < c->ncores; k++)
    for (uint32_t f = 0; f < c->cores[k].nfmt; f++)
      modulated += c->cores[k].fmt[f].modulated == 1;
  assert_int_equal(modulated, 1);
  size_t n1, n2;
  uint8_t *b1 = to_bytes(c, &n1);
  lh_config *r = lh_read_bin(b1, n1, "mem", d);
  assert_non_null(r);
  uint8_t *b2 = to_bytes(r, &n2);
  assert_int_equal(n1, n2);
  assert_memory_equal(b1, b2, n1);
  free(b1);
  free(b2);
  lh_config_free(r);
  lh_config_free(c);
  ir_module_destroy(m);
  ir_diag_destroy(d);
}

/* Flip one weight in the encoded synapse memory and rewrite the binary: the loihi engine's raster must
 * change, since it runs from the tables and never from the module's weights. */
static void test_wrong_table_wrong_raster(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(stderr);
  ir_module *m = one_input(4, 3, 6.0);
  m->pops[0].params[IR_P_LIF_V_TH] = ir_value_const(8, IR_DIM_VOLTAGE);
  m->pops[0].params[IR_P_LIF_DU] = ir_value_const(4095, IR_DIM_NONE); /* no current memory */
  m->pops[0].params[IR_P_LIF_DV] = ir_value_const(0, IR_DIM_NONE);    /* perfect integrator */
  m->inputs[0].p = ir_value_const(0.1, IR_DIM_NONE);
  expand(m, d);
  char *dir = lt_compile_to_dir(m, lh_target_get("loihi1"), d);
  assert_non_null(dir);
  lt_raster a = {0}, b = {0};
  double *sa, *sb;
  assert_true(lt_run(m, "loihi", 100, &a, &sa, d));
  assert_true(lt_run(m, "interp", 100, &b, &sb, d));
  assert_int_equal(a.n, b.n);
  assert_true(a.n > 50);
  /* axon 0's first synapse: weight field after the 32-bit header and 10 index bits; make it 0 */
  lh_config *c = lh_compile(m, lh_target_get("loihi1"), d);
  c->cores[0].words[0] &= ~(UINT64_C(0xff) << 42);
  char path[512];
  snprintf(path, sizeof path, "%s/loihi.bin", dir);
  FILE *f = fopen(path, "wb");
  assert_true(lh_write_bin(c, f));
  fclose(f);
  lt_raster x = {0};
  double *sx;
  assert_true(lt_run(m, "loihi", 100, &x, &sx, d));
  bool same = x.n == a.n;
  for (size_t i = 0; same && i < x.n; i++)
    same = x.key[i] == a.key[i];
  assert_false(same);
  free(a.key);
  free(b.key);
  free(x.key);
  free(sa);
  free(sb);
  free(sx);
  lh_config_free(c);
  lt_rmdir(dir);
  free(dir);
  ir_module_destroy(m);
  ir_diag_destroy(d);
}

/* The worked example of docs/numerics.md ("Plasticity", test_stdp_fixed): bounds [0, 3] mV -> e = -5,
 * a_plus 0.15 mV -> 1229 (the conformance suite runs learning against interp), a_minus 1 mV -> 8192, trace_inc 0.1 -> 6554, tau 10 ms -> f = 59299. */
static void test_learning_tables(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(NULL);
  ir_module *m = ir_module_create("t");
  m->numerics = IR_NUMERICS_FIXED;
  ir_loc loc = {0};
  ir_add_population(m, "a", IR_NEURON_LIF, 3, loc);
  ir_add_population(m, "b", IR_NEURON_LIF, 2, loc);
  int32_t j = ir_add_projection(m, "ab", (ir_ref){IR_NODE_POPULATION, 0}, (ir_ref){IR_NODE_POPULATION, 1}, loc);
  ir_projection *pr = &m->projs[j];
  pr->rule.kind = IR_CONN_ALL_TO_ALL;
  pr->weight = ir_value_const(1, IR_DIM_VOLTAGE);
  pr->plasticity = IR_PLAST_STDP;
  ir_params_set_defaults(ir_plasticity_desc(IR_PLAST_STDP), pr->plast_params);
  pr->plast_params[IR_P_STDP_A_MINUS] = ir_value_const(1, IR_DIM_VOLTAGE);
  pr->plast_params[IR_P_STDP_W_MIN] = ir_value_const(0, IR_DIM_VOLTAGE);
  pr->plast_params[IR_P_STDP_W_MAX] = ir_value_const(3, IR_DIM_VOLTAGE);
  expand(m, d);
  lh_config *c = lh_compile(m, lh_target_get("loihi1"), d);
  assert_non_null(c);
  assert_int_equal(c->nrules, 1);
  const lh_rule *r = &c->rules[0];
  assert_int_equal(r->a_plus, 1229);
  assert_int_equal(r->a_minus, 8192);
  assert_int_equal(r->inc, 6554);
  assert_int_equal(r->f_pre, 59299);
  assert_int_equal(r->w_lo, 0);
  assert_int_equal(r->w_hi, 3 * 32 * 256);
  /* Loihi view: impulse 127*256*0.1 = 3251.2; decay 4096*(1 - e^-0.1) = 389.8 */
  assert_int_equal(r->x1_impulse, 3251);
  assert_int_equal(r->x1_decay, 390);
  /* the format carries the rule and 8 tag bits: 10 + 8 + 8 = 26 bits, 2 synapses: 84 bits -> 2 words per axon;
   * 'b' is on one core (the mapping's piece), the one with synapse memory */
  uint32_t k = 0;
  while (k < c->ncores && c->cores[k].naxin == 0)
    k++;
  assert_true(k < c->ncores);
  assert_int_equal(c->cores[k].ncx, 2);
  assert_int_equal(c->cores[k].nfmt, 1);
  assert_int_equal(c->cores[k].fmt[0].rule, 0);
  assert_int_equal(c->cores[k].fmt[0].tag_bits, 8);
  assert_int_equal(c->cores[k].nwords, 3 * 2);
  lh_config_free(c);
  ir_module_destroy(m);
  ir_diag_destroy(d);
}

/* Random byte changes to a valid binary, with the checksum recomputed so the reader's structural checks
 * are what stands between a corrupt file and the engine: loading and running must never crash (run
 * under the sanitizers), whatever the outcome. */
static uint64_t fnv(const uint8_t *p, size_t n) {
  uint64_t h = UINT64_C(0xcbf29ce484222325);
  for (size_t i = 0; i < n; i++)
    h = (h ^ p[i]) * UINT64_C(0x100000001b3);
  return h;
}

/* Corrupts the compiled binary of m 300 times; returns how many loaded (and then ran 20 steps). */
static unsigned corrupt_runs(ir_module *m, const lh_target *t, ir_diag *d) {
  char *dir = lt_compile_to_dir(m, t, d);
  assert_non_null(dir);
  lh_config *c = lh_compile(m, t, d);
  assert_non_null(c);
  size_t n;
  uint8_t *good = to_bytes(c, &n);
  char path[512];
  snprintf(path, sizeof path, "%s/loihi.bin", dir);
  uint64_t s = 12345;
  unsigned loaded = 0;
  for (int k = 0; k < 300; k++) {
    uint8_t *b = malloc(n);
    memcpy(b, good, n);
    for (int j = 0; j < 1 + k % 3; j++) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      size_t at = 8 + (size_t)((s >> 33) % (n - 16));
      b[at] = (uint8_t)(s >> 20);
    }
    uint64_t h = fnv(b, n - 8);
    for (int i = 0; i < 8; i++)
      b[n - 8 + i] = (uint8_t)(h >> (8 * i));
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
    rt_options opt = {.engine = "loihi", .numerics = -1};
    rt_sim *sim = rt_sim_create(m, &opt, d);
    if (sim) {
      loaded++;
      rt_sim_run(sim, 20, d);
      rt_sim_destroy(sim);
    }
    free(b);
  }
  free(good);
  lh_config_free(c);
  lt_rmdir(dir);
  free(dir);
  return loaded;
}

static void test_corrupt_tables_never_crash(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(NULL);
  lh_target t = *lh_target_get("loihi1");
  t.limit[LH_RES_CX] = 4;
  /* lif with delays and stdp */
  ir_module *m = one_input(6, 9, 3.0);
  m->projs[0].delay = (ir_value){.kind = IR_VAL_UNIFORM, .dim = IR_DIM_TIME, .a = 0, .b = 4};
  m->projs[0].plasticity = IR_PLAST_STDP;
  ir_params_set_defaults(ir_plasticity_desc(IR_PLAST_STDP), m->projs[0].plast_params);
  expand(m, d);
  unsigned a = corrupt_runs(m, &t, d);
  ir_module_destroy(m);
  /* nalsm_lif with kernel formats, current injection and Loihi's learning arithmetic */
  m = one_input(9, 9, 3.0);
  m->pops[0].model = IR_NEURON_NALSM_LIF;
  ir_params_set_defaults(ir_neuron_model_desc(IR_NEURON_NALSM_LIF), m->pops[0].params);
  m->inputs[0].inject_into = 0;
  m->inputs[0].inject_current = ir_value_const(5, IR_DIM_VOLTAGE);
  m->projs[0].delay = (ir_value){.kind = IR_VAL_UNIFORM, .dim = IR_DIM_TIME, .a = 0, .b = 4};
  m->projs[0].plasticity = IR_PLAST_STDP;
  ir_params_set_defaults(ir_plasticity_desc(IR_PLAST_STDP), m->projs[0].plast_params);
  m->projs[0].plast_params[IR_P_STDP_T_EPOCH] = ir_value_const(2, IR_DIM_TIME);
  expand(m, d);
  unsigned b = corrupt_runs(m, &t, d);
  ir_module_destroy(m);
  assert_true(a < 300 && b < 300);
  print_message("%u and %u of 300 corrupted tables loaded and ran (lif; nalsm_lif with injection and t_epoch)\n", a, b);
  ir_diag_destroy(d);
}

static void test_engine_needs_config(void **state) {
  (void)state;
  ir_diag *d = ir_diag_create(NULL);
  ir_module *m = one_input(2, 2, 1.0);
  expand(m, d);
  rt_options opt = {.engine = "loihi", .numerics = -1};
  assert_null(rt_sim_create(m, &opt, d));
  assert_non_null(strstr(ir_diag_last(d), "--target loihi1"));
  ir_module_destroy(m);
  ir_diag_destroy(d);
}

/* Loihi's learning arithmetic (lh_learn_*), against values worked out by hand; the stochastic roundings
 * are checked by their exact cases and by the mean over many keys. */
static void test_learn_arithmetic(void **state) {
  (void)state;
  /* the worked example of test_learning_tables: inc 6554 (0.1), f 59299 (tau 10 ms), bounds [0, 24576] */
  ir_fx_stdp q = {.f_pre = 59299, .f_post = 59299, .inc = 6554, .a_plus = 1229, .a_minus = 8192, .w_lo = 0,
                  .w_hi = 24576};
  lh_learn l;
  const char *why = NULL;
  assert_true(lh_learn_derive(&q, 4.0, 1.0, &l, &why));
  assert_int_equal(l.epoch, 4);
  assert_int_equal(l.impulse, 3251);   /* 127 * 256 * 6554/65536 = 3251.3 */
  assert_int_equal(l.pre_decay, 390);  /* 4096 * (1 - 59299/65536) = 389.8 */
  assert_int_equal(l.w_lo, 0);
  assert_int_equal(l.w_hi, 96);        /* 24576 / 256 */
  q.w_lo = -300;                       /* ceil(-300/256) = -1 */
  q.w_hi = 300;                        /* floor(300/256) = 1 */
  assert_true(lh_learn_derive(&q, 1.0, 1.0, &l, &why));
  assert_int_equal(l.w_lo, -1);
  assert_int_equal(l.w_hi, 1);
  assert_false(lh_learn_derive(&q, 0.2, 1.0, &l, &why)); /* 0 steps */
  assert_false(lh_learn_derive(&q, 64.0, 1.0, &l, &why));
  q.inc = 70000; /* trace_inc above 1 */
  assert_false(lh_learn_derive(&q, 1.0, 1.0, &l, &why));
  assert_non_null(strstr(why, "trace_inc"));
  /* exact cases: no remainder, no randomness */
  assert_int_equal(lh_learn_trace(100, 2048, 0, false, 1, 0, 0, 0, 0), 50);
  assert_int_equal(lh_learn_trace(0, 390, 512, true, 1, 0, 0, 0, 0), 2);    /* impulse 2.0 */
  assert_int_equal(lh_learn_trace(127, 0, 512, true, 1, 0, 0, 0, 0), 127); /* saturated */
  assert_int_equal(lh_learn_round(3 * 32512, 1, 0, 0, 0, 0), 3);
  assert_int_equal(lh_learn_round(-3 * 32512, 1, 0, 0, 0, 0), -3);
  /* stochastic cases: 101 * 2048 / 4096 = 50.5 -> 50 or 51, mean 50.5; impulse 12.7 -> 12 or 13, mean 12.7;
   * -1.25 -> -2 or -1, mean -1.25 */
  double m1 = 0, m2 = 0, m3 = 0;
  for (uint32_t k = 0; k < 20000; k++) {
    int32_t a = lh_learn_trace(101, 2048, 0, false, 7, 3, 1, k, 5);
    int32_t b = lh_learn_trace(0, 0, 3251, true, 7, 3, 1, k, 5);
    int32_t c = lh_learn_round(-32512 - 8128, 7, 3, k, 1, 5);
    assert_true(a == 50 || a == 51);
    assert_true(b == 12 || b == 13);
    assert_true(c == -2 || c == -1);
    m1 += a;
    m2 += b;
    m3 += c;
  }
  assert_true(fabs(m1 / 20000 - 50.5) < 0.02);
  assert_true(fabs(m2 / 20000 - (12 + 179 / 256.0)) < 0.02);
  assert_true(fabs(m3 / 20000 + 1.25) < 0.02);
  /* an epoch-end update, hebbian: post spiked, x_pre = 127 (trace 1.0): + a_plus = 1229/256 = 4.8 mantissas;
   * pre spiked too, x_post = 0: no depression; w 10 -> 14 or 15 (bounds 0..96) */
  l.w_lo = 0;
  l.w_hi = 96;
  int32_t w = lh_learn_weight(&l, false, 1229, 8192, 10, 127, 0, true, true, 1, 0, 0, 0, 0);
  assert_true(w == 14 || w == 15);
  /* depression only: x_post = 127, am 8192 = 32 mantissas; 10 - 32 clips at 0 */
  assert_int_equal(lh_learn_weight(&l, false, 1229, 8192, 10, 0, 127, true, false, 1, 0, 0, 0, 0), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_chunk_cost),          cmocka_unit_test(test_alone_too_big),
      cmocka_unit_test(test_profiles_split),      cmocka_unit_test(test_too_many_cores),
      cmocka_unit_test(test_delay_limit),         cmocka_unit_test(test_binary_round_trip),
      cmocka_unit_test(test_wrong_table_wrong_raster), cmocka_unit_test(test_engine_needs_config),
      cmocka_unit_test(test_learning_tables), cmocka_unit_test(test_learn_arithmetic),
      cmocka_unit_test(test_corrupt_tables_never_crash), cmocka_unit_test(test_amsu_tables),
      cmocka_unit_test(test_tripartite_tables),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
