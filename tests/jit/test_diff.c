/* test_diff.c — differential tests of the jit engine against the interp: identical spike rasters and
 * identical final state (every state variable of every node, read with rt_sim_read_state, compared bit
 * for bit) on 200 random lif networks in fixed and in float numerics, for 1, 2 and 3 threads, and on
 * examples/lif_small.yaml and examples/cuba.yaml; a network whose thread blocks all spike in every step,
 * with state reads and forced spikes from a step callback in the middle of runs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"
#include "passes.h"
#include "t_example.h"
#include "t_random.h"

#define NNETS 200
#define NSTEPS 150

static const ir_loc L = {"test", 1, 1};

/* ---------------------------------------------------------------- recording a run */

typedef struct vec {
  uint64_t *v;
  size_t n, cap;
} vec;

static void push(vec *a, uint64_t x) {
  if (a->n == a->cap) {
    a->cap = a->cap ? 2 * a->cap : 1024;
    a->v = realloc(a->v, a->cap * sizeof(uint64_t));
    assert_non_null(a->v);
  }
  a->v[a->n++] = x;
}

typedef struct result {
  vec raster; /* (step, source kind, source index, neuron) packed */
  vec state;  /* every state variable's doubles, as bits */
  uint64_t nspikes;
} result;

static void on_spikes(void *ctx, uint64_t step, ir_ref src, const uint32_t *idx, uint32_t n) {
  result *r = ctx;
  for (uint32_t k = 0; k < n; k++)
    push(&r->raster, step << 24 | (uint64_t)src.kind << 21 | (uint64_t)src.index << 16 | idx[k]);
  r->nspikes += n;
}

static void read_all_state(rt_sim *s, const ir_module *m, vec *out) {
  const ir_node_kind kinds[] = {IR_NODE_POPULATION, IR_NODE_ASTROCYTE, IR_NODE_INPUT, IR_NODE_PROJECTION};
  const uint32_t counts[] = {m->npops, m->nastros, m->ninputs, m->nprojs};
  for (int k = 0; k < 4; k++)
    for (uint32_t i = 0; i < counts[k]; i++) {
      ir_ref node = {kinds[k], i};
      size_t nv = 0;
      const char *const *vars = rt_state_vars(s, node, &nv);
      for (size_t v = 0; v < nv; v++) {
        uint64_t n = 0;
        assert_true(rt_sim_state_size(s, node, vars[v], &n));
        double *x = calloc(n ? n : 1, sizeof(double));
        assert_true(rt_sim_read_state(s, node, vars[v], x));
        push(out, (uint64_t)k << 32 | i);
        for (uint64_t j = 0; j < n; j++) {
          uint64_t bits;
          memcpy(&bits, &x[j], sizeof bits);
          push(out, bits);
        }
        free(x);
      }
    }
}

static uint64_t run_seed; /* non-zero: run() overrides the module's seed */

static void run(const ir_module *m, const char *engine, int numerics, unsigned threads, uint64_t nsteps, result *r) {
  memset(r, 0, sizeof(*r));
  ir_diag *d = ir_diag_create(stderr);
  rt_options o = {.engine = engine, .numerics = numerics, .threads = threads, .seed_set = run_seed != 0,
                  .seed = run_seed};
  rt_sim *s = rt_sim_create(m, &o, d);
  assert_non_null(s);
  rt_sim_on_spikes(s, on_spikes, r);
  assert_true(rt_sim_run(s, nsteps / 3, d)); /* two runs: the engine must carry its state across calls */
  assert_true(rt_sim_run(s, nsteps - nsteps / 3, d));
  assert_int_equal(rt_sim_steps(s), nsteps);
  read_all_state(s, m, &r->state);
  rt_sim_destroy(s);
  ir_diag_destroy(d);
}

static void free_result(result *r) {
  free(r->raster.v);
  free(r->state.v);
}

/* Asserts that two results are identical, with a readable first difference. */
static void same(const result *a, const result *b, const char *what) {
  if (a->raster.n != b->raster.n || (a->raster.n && memcmp(a->raster.v, b->raster.v, a->raster.n * sizeof(uint64_t)))) {
    size_t k = 0;
    while (k < a->raster.n && k < b->raster.n && a->raster.v[k] == b->raster.v[k])
      k++;
    print_error("%s: rasters differ at spike %zu (step %llu) of %zu/%zu\n", what, k,
                (unsigned long long)(k < a->raster.n ? a->raster.v[k] >> 24 : 0), a->raster.n, b->raster.n);
    fail();
  }
  if (a->state.n != b->state.n || (a->state.n && memcmp(a->state.v, b->state.v, a->state.n * sizeof(uint64_t)))) {
    size_t k = 0;
    while (k < a->state.n && k < b->state.n && a->state.v[k] == b->state.v[k])
      k++;
    print_error("%s: final states differ at word %zu of %zu/%zu (%#llx against %#llx)\n", what, k, a->state.n,
                b->state.n, (unsigned long long)(k < a->state.n ? a->state.v[k] : 0),
                (unsigned long long)(k < b->state.n ? b->state.v[k] : 0));
    fail();
  }
}

/* ---------------------------------------------------------------- random networks */

/* The suites' splitmix64 stream (tests/support/t_random.h), one per file: the generator below draws from
 * it in a fixed order, so a seed always gives the same network. */
static uint64_t rng_state;
static uint32_t below(uint32_t n) { return t_below(&rng_state, n); }
static double unif(double a, double b) { return t_unif(&rng_state, a, b); }

static const double du_choices[] = {0, 1, 2048, 4094, 4095};

static ir_value choice(ir_module *m, const double *v, uint32_t n, ir_dim dim) {
  double *c = ir_arena_alloc(m->arena, n * sizeof(double));
  memcpy(c, v, n * sizeof(double));
  return (ir_value){.kind = IR_VAL_CHOICE, .dim = dim, .nchoice = n, .choice = c};
}

static void lif_params(ir_module *m, ir_value *p) {
  switch (below(4)) { /* du / tau_u: extremes, a distribution, or a time constant */
  case 0: p[IR_P_LIF_DU] = ir_value_const(du_choices[below(5)], IR_DIM_NONE); break;
  case 1: p[IR_P_LIF_DU] = choice(m, du_choices, 5, IR_DIM_NONE); break;
  case 2: p[IR_P_LIF_TAU_U] = ir_value_const(unif(0, 20), IR_DIM_TIME); break;
  default: p[IR_P_LIF_TAU_U] = ir_value_const(0, IR_DIM_TIME); break;
  }
  switch (below(4)) {
  case 0: p[IR_P_LIF_DV] = ir_value_const(du_choices[below(5)], IR_DIM_NONE); break;
  case 1: p[IR_P_LIF_DV] = choice(m, du_choices, 5, IR_DIM_NONE); break;
  case 2: p[IR_P_LIF_TAU_V] = ir_value_const(unif(1, 50), IR_DIM_TIME); break;
  default: p[IR_P_LIF_TAU_V] = t_uniform(1, 50, IR_DIM_TIME); break;
  }
  p[IR_P_LIF_V_TH] = below(3) ? ir_value_const(unif(0, 20), IR_DIM_VOLTAGE) : t_uniform(0, 20, IR_DIM_VOLTAGE);
  double b = unif(-1, 4);
  p[IR_P_LIF_BIAS] = below(3) ? ir_value_const(b, IR_DIM_VOLTAGE) : t_uniform(b - 1, b + 1, IR_DIM_VOLTAGE);
  static const double refr[] = {0, 1, 2, 5};
  p[IR_P_LIF_REFRACTORY] =
      below(3) ? ir_value_const(refr[below(4)], IR_DIM_TIME) : choice(m, refr, 4, IR_DIM_TIME);
  if (below(2))
    p[IR_P_LIF_V_INIT] = t_uniform(-5, 15, IR_DIM_VOLTAGE);
  if (below(3) == 0)
    p[IR_P_LIF_U_INIT] = t_uniform(-2, 2, IR_DIM_VOLTAGE);
}

static void random_projection(ir_module *m, uint32_t k, uint32_t nsrc) {
  uint32_t s = below(nsrc);
  ir_ref pre = s < m->npops ? (ir_ref){IR_NODE_POPULATION, s} : (ir_ref){IR_NODE_INPUT, s - m->npops};
  ir_ref post = {IR_NODE_POPULATION, below(m->npops)};
  char name[16];
  snprintf(name, sizeof name, "p%u", k);
  int32_t j = ir_add_projection(m, name, pre, post, L);
  ir_projection *q = &m->projs[j];
  uint32_t npre = (uint32_t)ir_node_size(m, pre), npost = m->pops[post.index].size;
  q->rule.allow_self = true;
  switch (below(4)) {
  case 0: q->rule.kind = IR_CONN_ALL_TO_ALL; break;
  case 1: q->rule.kind = npre == npost ? IR_CONN_ONE_TO_ONE : IR_CONN_FIXED_PROBABILITY; break;
  case 2: q->rule.kind = IR_CONN_FIXED_INDEGREE; break;
  default: q->rule.kind = IR_CONN_FIXED_PROBABILITY; break;
  }
  q->rule.p = unif(0, 0.3);
  q->rule.indegree = 1 + below(npre < 20 ? npre : 20);
  double w = unif(-8, 8);
  q->weight = below(2) ? ir_value_const(w, IR_DIM_VOLTAGE) : t_uniform(-fabs(w), fabs(w) + 0.5, IR_DIM_VOLTAGE);
  q->delay = below(2) ? ir_value_const((double)below(11), IR_DIM_TIME) : t_uniform(0, 10, IR_DIM_TIME);
  if (below(6) == 0 && pre.kind == IR_NODE_POPULATION && m->pops[pre.index].model == IR_NEURON_LIF) {
    q->plasticity = IR_PLAST_STDP;
    ir_params_set_defaults(ir_plasticity_desc(IR_PLAST_STDP), q->plast_params);
    q->plast_params[IR_P_STDP_W_MIN] = ir_value_const(-10, IR_DIM_VOLTAGE);
    q->plast_params[IR_P_STDP_W_MAX] = ir_value_const(10, IR_DIM_VOLTAGE);
    q->anti_hebbian = below(2);
  }
}

static ir_module *random_network(uint64_t seed) {
  rng_state = seed * 0x2545F4914F6CDD1DULL + 1;
  ir_module *m = ir_module_create("random");
  m->seed = seed;
  m->numerics = IR_NUMERICS_FIXED;
  uint32_t npops = 1 + below(3);
  for (uint32_t k = 0; k < npops; k++) {
    char name[16];
    snprintf(name, sizeof name, "n%u", k);
    bool nalsm = k > 0 && below(8) == 0; /* the interp path inside a jit run */
    int32_t p = ir_add_population(m, name, nalsm ? IR_NEURON_NALSM_LIF : IR_NEURON_LIF, 1 + below(300), L);
    if (!nalsm)
      lif_params(m, m->pops[p].params);
  }
  uint32_t ninputs = below(3);
  for (uint32_t k = 0; k < ninputs; k++) {
    char name[16];
    snprintf(name, sizeof name, "i%u", k);
    bool inject = below(3) == 0 && m->pops[0].model == IR_NEURON_LIF;
    uint32_t n = inject ? m->pops[0].size : 1 + below(100);
    bool poisson = below(2);
    int32_t in = ir_add_input(m, name, poisson ? IR_INPUT_POISSON : IR_INPUT_BERNOULLI, n, L);
    if (poisson)
      m->inputs[in].rate = below(2) ? ir_value_const(unif(0, 0.3), IR_DIM_RATE) : t_uniform(0, 0.3, IR_DIM_RATE);
    else
      m->inputs[in].p = ir_value_const(unif(0, 0.3), IR_DIM_NONE);
    if (inject) {
      m->inputs[in].inject_into = 0;
      m->inputs[in].inject_current = ir_value_const(unif(-5, 15), IR_DIM_VOLTAGE);
    }
  }
  uint32_t nprojs = 1 + below(5);
  for (uint32_t k = 0; k < nprojs; k++)
    random_projection(m, k, npops + ninputs);
  ir_diag *d = ir_diag_create(stderr);
  assert_true(pass_layout(m, d));
  assert_true(pass_expand_threads(m, d, 1));
  ir_diag_destroy(d);
  return m;
}

/* ---------------------------------------------------------------- tests */

static uint64_t total_spikes, total_synapses;

static void diff_one(const ir_module *m, int numerics, unsigned threads, uint64_t nsteps, const char *what) {
  result a, b;
  run(m, "interp", numerics, 1, nsteps, &a);
  run(m, "jit", numerics, threads, nsteps, &b);
  same(&a, &b, what);
  total_spikes += a.nspikes;
  free_result(&a);
  free_result(&b);
}

static void random_networks(int numerics) {
  total_spikes = total_synapses = 0;
  for (uint64_t net = 0; net < NNETS; net++) {
    ir_module *m = random_network(net + 1);
    for (uint32_t k = 0; k < m->nprojs; k++)
      total_synapses += m->projs[k].csr->nsyn;
    char what[64];
    unsigned threads = net % 4 == 1 ? 2 : net % 8 == 3 ? 3 : 1;
    snprintf(what, sizeof what, "network %llu, %s, %u thread(s)", (unsigned long long)net + 1,
             numerics == IR_NUMERICS_FIXED ? "fixed" : "float", threads);
    /* every fifth network keeps 32-bit columns (posts beyond 65536 do; these networks are smaller) */
    if (net % 5 == 4)
      setenv("ASTROC_JIT_COL32", "1", 1);
    diff_one(m, numerics, threads, NSTEPS, what);
    unsetenv("ASTROC_JIT_COL32");
    ir_module_destroy(m);
  }
  print_message("%d random networks (%s): %llu spikes, %llu synapses, identical on interp and jit\n", NNETS,
                numerics == IR_NUMERICS_FIXED ? "fixed" : "float", (unsigned long long)total_spikes,
                (unsigned long long)total_synapses);
  /* The comparison means something only if the networks are active. */
  assert_true(total_spikes > 100000);
  assert_true(total_synapses > 100000);
}

static void test_random_fixed(void **state) {
  (void)state;
  random_networks(IR_NUMERICS_FIXED);
}

static void test_random_float(void **state) {
  (void)state;
  random_networks(IR_NUMERICS_FLOAT);
}

static void test_lif_small(void **state) {
  (void)state;
  ir_module *m = t_load_example("examples/lif_small.yaml");
  result a, b;
  run(m, "interp", IR_NUMERICS_FIXED, 1, 50, &a);
  assert_true(a.nspikes > 0);
  run(m, "jit", IR_NUMERICS_FIXED, 1, 50, &b);
  same(&a, &b, "lif_small");
  free_result(&b);
  run(m, "jit", IR_NUMERICS_FIXED, 2, 50, &b);
  same(&a, &b, "lif_small, 2 threads");
  free_result(&a);
  free_result(&b);
  ir_module_destroy(m);
}

/* CUBA (4000 neurons, 320k synapses) for 150 ms of biological time, both numerics, 1 and 2 threads, in the
 * fused schedule and (2 threads) in the two-phase one.
 * Fixed mode uses v_unit = 0.125 mV: with 1 mV the bias (0.054863 mV = 3.5 fine units) rounds to a
 * resting voltage below threshold and the network is silent. */
static void test_cuba(void **state) {
  (void)state;
  ir_module *m = t_load_example("examples/cuba.yaml");
  m->v_unit = 0.125;
  const int modes[2] = {IR_NUMERICS_FIXED, IR_NUMERICS_FLOAT};
  for (int k = 0; k < 2; k++) {
    result a, b;
    run(m, "interp", modes[k], 1, 1500, &a);
    assert_true(a.nspikes > 1000);
    for (unsigned t = 1; t <= 2; t++) {
      run(m, "jit", modes[k], t, 1500, &b); /* fused mode: CUBA has no input and no plasticity */
      same(&a, &b, k ? "cuba float" : "cuba fixed");
      free_result(&b);
    }
    setenv("ASTROC_JIT_TWO_PHASE", "1", 1); /* the other schedule: push right after compaction */
    run(m, "jit", modes[k], 2, 1500, &b);
    unsetenv("ASTROC_JIT_TWO_PHASE");
    same(&a, &b, k ? "cuba float, two-phase" : "cuba fixed, two-phase");
    free_result(&b);
    free_result(&a);
  }
  ir_module_destroy(m);
}

static void test_thread_limit(void **state) {
  (void)state;
  ir_module *m = t_load_example("examples/lif_small.yaml");
  ir_diag *d = ir_diag_create(NULL);
  rt_options o = {.engine = "jit", .numerics = -1, .threads = 65};
  assert_null(rt_sim_create(m, &o, d));
  assert_non_null(strstr(ir_diag_last(d), "at most 64 threads"));
  ir_diag_destroy(d);
  ir_module_destroy(m);
}

/* lif_small: populations a and b are lif (2 updates), projections replay->a and a->b go into them
 * (2 pushes): 4 functions. The interp engine has no jit information. */
static void test_jit_info(void **state) {
  (void)state;
  ir_module *m = t_load_example("examples/lif_small.yaml");
  ir_diag *d = ir_diag_create(stderr);
  rt_options o = {.engine = "jit", .numerics = -1, .threads = 2};
  rt_sim *s = rt_sim_create(m, &o, d);
  assert_non_null(s);
  rt_jit_info info;
  assert_true(rt_jit_info_get(s, &info));
  assert_int_equal(info.nfunctions, 4);
  assert_int_equal(info.threads, 2);
  assert_true(info.compile_ms > 0);
  assert_non_null(info.cpu);
  rt_sim_destroy(s);
  o.engine = "interp";
  s = rt_sim_create(m, &o, d);
  assert_false(rt_jit_info_get(s, &info));
  rt_sim_destroy(s);
  ir_diag_destroy(d);
  ir_module_destroy(m);
}

/* A jit checkpoint restores into the interp (and back): both continue with the raster of one
 * uninterrupted interp run. */
static void test_checkpoint_across_engines(void **state) {
  (void)state;
  ir_module *m = random_network(4242);
  result ref;
  run(m, "interp", IR_NUMERICS_FIXED, 1, 120, &ref);
  assert_true(ref.nspikes > 50);
  const char *engines[2][2] = {{"jit", "interp"}, {"interp", "jit"}};
  for (int k = 0; k < 2; k++) {
    ir_diag *d = ir_diag_create(stderr);
    rt_options o = {.engine = engines[k][0], .numerics = IR_NUMERICS_FIXED, .threads = 2};
    result r;
    memset(&r, 0, sizeof r);
    rt_sim *a = rt_sim_create(m, &o, d);
    rt_sim_on_spikes(a, on_spikes, &r);
    assert_true(rt_sim_run(a, 50, d));
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_true(rt_sim_save(a, f, d));
    rt_sim_destroy(a);
    rewind(f);
    o.engine = engines[k][1];
    rt_sim *b = rt_sim_create(m, &o, d);
    assert_true(rt_sim_restore(b, f, d));
    fclose(f);
    rt_sim_on_spikes(b, on_spikes, &r);
    assert_true(rt_sim_run(b, 70, d));
    read_all_state(b, m, &r.state);
    rt_sim_destroy(b);
    same(&ref, &r, engines[k][0]);
    free_result(&r);
    ir_diag_destroy(d);
  }
  free_result(&ref);
  ir_module_destroy(m);
}

/* The files of a cache folder as "name:inode;" (the compile path always writes a new file by rename, so an
 * unchanged inode means no compilation happened). */
static void list_cache(const char *dir, char *out, size_t n) {
  out[0] = '\0';
  DIR *dp = opendir(dir);
  assert_non_null(dp);
  for (struct dirent *de; (de = readdir(dp));) {
    if (de->d_name[0] == '.')
      continue;
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    assert_int_equal(stat(path, &st), 0);
    snprintf(out + strlen(out), n - strlen(out), "%s:%llu;", de->d_name, (unsigned long long)st.st_ino);
  }
  closedir(dp);
}

/* Re-running CUBA with other parameter values (threshold, bias, a weight, a delay-free projection's weight)
 * and another seed reuses the compiled code: the disk cache keeps exactly the file of the first run, the
 * same inode, while the results still equal the interp's on the changed network and differ from the first. */
static void test_rerun_without_recompiling(void **state) {
  (void)state;
  const char *old = getenv("ASTROC_JIT_CACHE");
  char *saved = old ? strdup(old) : NULL;
  char dir[] = "/tmp/astroc_jit_rerunXXXXXX";
  assert_non_null(mkdtemp(dir));
  setenv("ASTROC_JIT_CACHE", dir, 1);
  ir_module *m = t_load_example("examples/cuba.yaml");
  result a, b, c;
  run(m, "jit", IR_NUMERICS_FLOAT, 1, 300, &a);
  char before[1024], after[1024];
  list_cache(dir, before, sizeof before);
  assert_non_null(strstr(before, ".o:"));
  assert_null(strchr(strchr(before, ';') + 1, ';')); /* one object */
  for (uint32_t k = 0; k < m->npops; k++) {
    m->pops[k].params[IR_P_LIF_V_TH].a *= 0.9;
    m->pops[k].params[IR_P_LIF_BIAS].a *= 1.1;
  }
  ir_csr *csr = m->projs[0].csr; /* the expanded weights are what the engines read */
  for (uint64_t k = 0; k < csr->nsyn; k++)
    csr->weight[k] *= 2;
  run_seed = 99; /* another seed: other initial voltages */
  run(m, "interp", IR_NUMERICS_FLOAT, 1, 300, &b);
  run(m, "jit", IR_NUMERICS_FLOAT, 1, 300, &c);
  run_seed = 0;
  same(&b, &c, "cuba, new values");
  assert_true(a.nspikes != c.nspikes);
  list_cache(dir, after, sizeof after);
  assert_string_equal(before, after);
  free_result(&a);
  free_result(&b);
  free_result(&c);
  ir_module_destroy(m);
  char path[512];
  snprintf(path, sizeof path, "%s/%.16s.o", dir, before);
  remove(path);
  rmdir(dir);
  if (saved)
    setenv("ASTROC_JIT_CACHE", saved, 1);
  else
    unsetenv("ASTROC_JIT_CACHE");
  free(saved);
}

/* ---------------------------------------------------------------- threads: busy blocks, mid-run probes */

/* 1000 + 300 lif neurons driven above threshold with spread thresholds and initial voltages, recurrent
 * projections with per-synapse weights and delays: every block of 2 and 3 threads spikes in every step
 * (checked below on the interp's raster), so every step's pushes cross between threads. */
static ir_module *busy_network(void) {
  rng_state = 99;
  ir_module *m = ir_module_create("busy");
  m->seed = 7;
  m->numerics = IR_NUMERICS_FIXED;
  const uint32_t sizes[2] = {1000, 300};
  for (uint32_t k = 0; k < 2; k++) {
    int32_t p = ir_add_population(m, k ? "b" : "a", IR_NEURON_LIF, sizes[k], L);
    ir_value *q = m->pops[p].params;
    q[IR_P_LIF_TAU_U] = ir_value_const(5, IR_DIM_TIME);
    q[IR_P_LIF_TAU_V] = ir_value_const(20, IR_DIM_TIME);
    q[IR_P_LIF_V_TH] = t_uniform(8, 12, IR_DIM_VOLTAGE);
    q[IR_P_LIF_BIAS] = t_uniform(0.8, 2.5, IR_DIM_VOLTAGE);
    q[IR_P_LIF_REFRACTORY] = ir_value_const(1, IR_DIM_TIME);
    q[IR_P_LIF_V_INIT] = t_uniform(0, 12, IR_DIM_VOLTAGE);
  }
  const struct { uint32_t pre, post; double p, wlo, whi, dhi; } pr[3] = {
      {0, 0, 0.05, -0.5, 0.6, 5}, {0, 1, 0.1, 0, 1, 2}, {1, 0, 0.1, -0.1, 0.2, 1}};
  for (uint32_t k = 0; k < 3; k++) {
    char name[16];
    snprintf(name, sizeof name, "p%u", k);
    int32_t j = ir_add_projection(m, name, (ir_ref){IR_NODE_POPULATION, pr[k].pre},
                                  (ir_ref){IR_NODE_POPULATION, pr[k].post}, L);
    ir_projection *q = &m->projs[j];
    q->rule.kind = IR_CONN_FIXED_PROBABILITY;
    q->rule.p = pr[k].p;
    q->rule.allow_self = true;
    q->weight = t_uniform(pr[k].wlo, pr[k].whi, IR_DIM_VOLTAGE);
    q->delay = t_uniform(0, pr[k].dhi, IR_DIM_TIME);
  }
  ir_diag *d = ir_diag_create(stderr);
  assert_true(pass_layout(m, d));
  assert_true(pass_expand_threads(m, d, 1));
  ir_diag_destroy(d);
  return m;
}

/* Every 7 steps a step callback reads population a's v (its bits go into the raster); every 5 steps it
 * forces a spike of a neuron of a, in a different block each time. */
static void probe_step(void *ctx, rt_sim *s, uint64_t step) {
  result *r = ctx;
  if (step % 7 == 0) {
    double v[1000];
    assert_true(rt_sim_read_state(s, (ir_ref){IR_NODE_POPULATION, 0}, "v", v));
    uint64_t h = 0;
    for (uint32_t i = 0; i < 1000; i++) {
      uint64_t bits;
      memcpy(&bits, &v[i], sizeof bits);
      h = (h ^ bits) * 0x100000001b3ULL;
    }
    push(&r->raster, h);
  }
  if (step % 5 == 0)
    assert_true(rt_sim_inject(s, (ir_ref){IR_NODE_POPULATION, 0}, (uint32_t)(step * 337 % 1000)));
}

static void run_probed(const ir_module *m, const char *engine, int numerics, unsigned threads, result *r) {
  memset(r, 0, sizeof(*r));
  ir_diag *d = ir_diag_create(stderr);
  rt_options o = {.engine = engine, .numerics = numerics, .threads = threads};
  rt_sim *s = rt_sim_create(m, &o, d);
  assert_non_null(s);
  rt_sim_on_spikes(s, on_spikes, r);
  rt_sim_on_step(s, probe_step, r);
  assert_true(rt_sim_run(s, 100, d));
  assert_true(rt_sim_run(s, 200, d));
  read_all_state(s, m, &r->state);
  rt_sim_destroy(s);
  ir_diag_destroy(d);
}

/* Whether every step of the raster has a spike of population 0 in [lo, hi). */
static bool spikes_every_step(const result *r, uint32_t lo, uint32_t hi, uint64_t nsteps) {
  uint64_t covered = 0, last = UINT64_MAX;
  for (size_t k = 0; k < r->raster.n; k++) {
    uint64_t x = r->raster.v[k], step = x >> 24, i = x & 0xffff;
    if ((x >> 16 & 0xff) == (IR_NODE_POPULATION << 5 | 0) && i >= lo && i < hi && step != last) {
      covered++;
      last = step;
    }
  }
  return covered == nsteps;
}

static void test_threads_busy_blocks(void **state) {
  (void)state;
  ir_module *m = busy_network();
  const int modes[2] = {IR_NUMERICS_FIXED, IR_NUMERICS_FLOAT};
  for (int k = 0; k < 2; k++) {
    result a, b;
    run(m, "interp", modes[k], 1, 300, &a);
    /* the blocks of population a: [0, 448) [448, 1000) with 2 threads, [0, 320) [320, 640) [640, 1000) with 3 */
    const uint32_t cut[6][2] = {{0, 448}, {448, 1000}, {0, 320}, {320, 640}, {640, 1000}, {0, 1000}};
    for (int c = 0; c < 6; c++)
      assert_true(spikes_every_step(&a, cut[c][0], cut[c][1], 300));
    for (unsigned t = 1; t <= 3; t++)
      for (int two = 0; two < 2; two++) {
        char what[64];
        snprintf(what, sizeof what, "busy %s, %u thread(s)%s", k ? "float" : "fixed", t, two ? ", two-phase" : "");
        if (two)
          setenv("ASTROC_JIT_TWO_PHASE", "1", 1);
        run(m, "jit", modes[k], t, 300, &b);
        same(&a, &b, what);
        free_result(&b);
        unsetenv("ASTROC_JIT_TWO_PHASE");
      }
    free_result(&a);
    run_probed(m, "interp", modes[k], 1, &a);
    for (unsigned t = 1; t <= 3; t++) {
      char what[64];
      snprintf(what, sizeof what, "busy %s, probed, %u thread(s)", k ? "float" : "fixed", t);
      run_probed(m, "jit", modes[k], t, &b);
      same(&a, &b, what);
      free_result(&b);
    }
    free_result(&a);
  }
  ir_module_destroy(m);
}

/* The generated code keeps the last step of each neuron's refractory period (int32, counted from an
 * epoch) instead of the interp's countdown, so a long period is no reason to leave a population to the
 * interp: population b with a refractory period of 150 steps (periods end within the 300-step run) and
 * of 40000 steps (they never do) is generated (5 functions) and equals the interp with 1 and 2 threads.
 * Float only: fixed numerics allow at most 63 refractory steps. */
static void test_long_refractory(void **state) {
  (void)state;
  const double nref[2] = {150, 40000};
  for (int k = 0; k < 2; k++) {
    ir_module *m = busy_network();
    m->pops[1].params[IR_P_LIF_REFRACTORY] = ir_value_const(nref[k] * m->dt, IR_DIM_TIME);
    ir_diag *d = ir_diag_create(stderr);
    rt_options o = {.engine = "jit", .numerics = IR_NUMERICS_FLOAT, .threads = 1};
    rt_sim *s = rt_sim_create(m, &o, d);
    assert_non_null(s);
    rt_jit_info info;
    assert_true(rt_jit_info_get(s, &info));
    assert_int_equal(info.nfunctions, 5);
    rt_sim_destroy(s);
    ir_diag_destroy(d);
    diff_one(m, IR_NUMERICS_FLOAT, 1, 300, "long refractory, 1 thread");
    diff_one(m, IR_NUMERICS_FLOAT, 2, 300, "long refractory, 2 threads");
    ir_module_destroy(m);
  }
}

/* Every step: the refractory countdowns of both populations, read through the engine (a hash of them
 * goes into the raster). */
static void probe_ref(void *ctx, rt_sim *s, uint64_t step) {
  (void)step;
  result *r = ctx;
  static const uint32_t n[2] = {1000, 300};
  double x[1000];
  for (uint32_t k = 0; k < 2; k++) {
    assert_true(rt_sim_read_state(s, (ir_ref){IR_NODE_POPULATION, k}, "ref", x));
    uint64_t h = k;
    for (uint32_t i = 0; i < n[k]; i++)
      h = (h ^ (uint64_t)x[i]) * 0x100000001b3ULL;
    push(&r->raster, h);
  }
}

/* The refractory clock: the countdowns read from a step callback (the state after the step's update)
 * and the final state equal the interp's, with per-neuron periods of 0 to 9 steps, when the epoch moves
 * every step or every 3 steps (ASTROC_JIT_EPOCH_STEPS; a run moves it every 2^29 steps), fixed and float,
 * 1 to 3 threads, across two runs. An epoch moved without shifting the stored ends, a conversion at the
 * wrong step or an off-by-one in the period's end fails it. */
static void test_refractory_clock(void **state) {
  (void)state;
  ir_module *m = busy_network();
  for (uint32_t k = 0; k < 2; k++)
    m->pops[k].params[IR_P_LIF_REFRACTORY] = t_uniform(0, 9.49 * m->dt, IR_DIM_TIME);
  const int modes[2] = {IR_NUMERICS_FIXED, IR_NUMERICS_FLOAT};
  const char *epochs[2] = {"1", "3"};
  for (int k = 0; k < 2; k++) {
    result a;
    memset(&a, 0, sizeof a);
    ir_diag *d = ir_diag_create(stderr);
    for (unsigned t = 0; t <= 3; t++)
      for (int ep = 0; ep < 2; ep++) {
        if (t == 0 && ep) /* t = 0: the interp, once */
          continue;
        result r;
        memset(&r, 0, sizeof r);
        setenv("ASTROC_JIT_EPOCH_STEPS", epochs[ep], 1);
        rt_options o = {.engine = t ? "jit" : "interp", .numerics = modes[k], .threads = t ? t : 1};
        rt_sim *s = rt_sim_create(m, &o, d);
        unsetenv("ASTROC_JIT_EPOCH_STEPS");
        assert_non_null(s);
        rt_sim_on_spikes(s, on_spikes, &r);
        rt_sim_on_step(s, probe_ref, &r);
        assert_true(rt_sim_run(s, 40, d));
        assert_true(rt_sim_run(s, 160, d));
        read_all_state(s, m, &r.state);
        rt_sim_destroy(s);
        if (t == 0) {
          a = r;
          assert_true(a.nspikes > 1000);
          continue;
        }
        char what[64];
        snprintf(what, sizeof what, "refractory clock %s, epoch %s, %u thread(s)", k ? "float" : "fixed", epochs[ep], t);
        same(&a, &r, what);
        free_result(&r);
      }
    free_result(&a);
    ir_diag_destroy(d);
  }
  ir_module_destroy(m);
}

/* ASTROC_JIT_PERFMAP=1 appends one line per generated function to /tmp/perf-PID.map: the busy network's
 * two lif updates and three pushes, each "address size name" in hex with a size that is not 0, their
 * address ranges disjoint (perf attributes samples by them). */
static void test_perf_map(void **state) {
  (void)state;
  char path[64];
  snprintf(path, sizeof path, "/tmp/perf-%ld.map", (long)getpid());
  remove(path);
  ir_module *m = busy_network();
  ir_diag *d = ir_diag_create(stderr);
  rt_options o = {.engine = "jit", .numerics = IR_NUMERICS_FLOAT, .threads = 1};
  setenv("ASTROC_JIT_PERFMAP", "1", 1);
  rt_sim *s = rt_sim_create(m, &o, d);
  unsetenv("ASTROC_JIT_PERFMAP");
  assert_non_null(s);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  unsigned long long a[8], n[8];
  char name[8][64];
  int k = 0;
  while (k < 8 && fscanf(f, "%llx %llx %63s", &a[k], &n[k], name[k]) == 3)
    k++;
  fclose(f);
  remove(path);
  assert_int_equal(k, 5);
  const char *want[5] = {"astroc_lif_0", "astroc_lif_1", "astroc_push_0", "astroc_push_1", "astroc_push_2"};
  for (int i = 0; i < 5; i++) {
    assert_string_equal(name[i], want[i]);
    assert_true(n[i] > 0);
    for (int j = 0; j < i; j++)
      assert_true(a[i] >= a[j] + n[j] || a[j] >= a[i] + n[i]);
  }
  rt_sim_destroy(s);
  ir_diag_destroy(d);
  ir_module_destroy(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lif_small),
      cmocka_unit_test(test_thread_limit),
      cmocka_unit_test(test_jit_info),
      cmocka_unit_test(test_checkpoint_across_engines),
      cmocka_unit_test(test_rerun_without_recompiling),
      cmocka_unit_test(test_random_fixed),
      cmocka_unit_test(test_random_float),
      cmocka_unit_test(test_cuba),
      cmocka_unit_test(test_threads_busy_blocks),
      cmocka_unit_test(test_long_refractory),
      cmocka_unit_test(test_refractory_clock),
      cmocka_unit_test(test_perf_map),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
