/* test_network.c — a NALSM-1000-like network (784 Bernoulli pixels injecting 100 mV into an input
 * layer, a 10x10x10 liquid of 800 exc + 200 inh nalsm_lif, distance connectivity, astro-STDP on every
 * projection, one nalsm astrocyte) built with the builder and the layout/expand passes, run for 250
 * steps and checked against a dense, obviously-correct second implementation written here; plus
 * checkpoint/restore and determinism in both numerics. */
#include <math.h>

#include "rt_test.h"
#include "passes.h"

#define NSTEPS 250

enum { P_INP, P_EXC, P_INH, NPOP };

static ir_module *build(ir_numerics num) {
  ir_module *m = ir_module_create("nalsm_like");
  m->seed = 7;
  m->numerics = num;
  int32_t g = ir_add_grid(m, "liquid", T_LOC);
  m->grids[g].shape[0] = m->grids[g].shape[1] = m->grids[g].shape[2] = 10;
  m->grids[g].spacing = 1;
  const char *names[NPOP] = {"inp", "exc", "inh"};
  const uint32_t sizes[NPOP] = {784, 800, 200};
  for (int k = 0; k < NPOP; k++) {
    int32_t p = ir_add_population(m, names[k], IR_NEURON_NALSM_LIF, sizes[k], T_LOC);
    m->pops[p].grid = k == P_INP ? -1 : g;
  }
  int32_t in = ir_add_input(m, "pix", IR_INPUT_BERNOULLI, 784, T_LOC);
  m->inputs[in].p = (ir_value){.kind = IR_VAL_UNIFORM, .dim = IR_DIM_NONE, .a = 0, .b = 0.1};
  m->inputs[in].inject_into = P_INP;
  m->inputs[in].inject_current = ir_value_const(100, IR_DIM_VOLTAGE);
  int32_t a = ir_add_astrocyte(m, "astro", IR_ASTRO_NALSM, T_LOC);
  m->astros[a].size = 1;
  ir_astro_listen *l = ir_arena_alloc(m->arena, 3 * sizeof(*l));
  l[0] = (ir_astro_listen){t_pop(P_EXC), 1, T_LOC};
  l[1] = (ir_astro_listen){t_pop(P_INH), 1, T_LOC};
  l[2] = (ir_astro_listen){t_pop(P_INP), -1, T_LOC};
  m->astros[a].listen = l;
  m->astros[a].nlisten = 3;
  static const double signs[2] = {-3.0, 3.0};
  struct {
    const char *name;
    int pre, post;
    double c;
  } pr[6] = {{"ee", P_EXC, P_EXC, 0.2}, {"ei", P_EXC, P_INH, 0.1}, {"ie", P_INH, P_EXC, 0.3},
             {"ii", P_INH, P_INH, 0.05}, {"inp_exc", P_INP, P_EXC, 0}, {"inp_inh", P_INP, P_INH, 0}};
  for (int k = 0; k < 6; k++) {
    int32_t p = ir_add_projection(m, pr[k].name, t_pop(pr[k].pre), t_pop(pr[k].post), T_LOC);
    ir_projection *q = &m->projs[p];
    bool inh = pr[k].pre == P_INH;
    if (pr[k].pre == P_INP) {
      q->rule.kind = IR_CONN_FIXED_TOTAL_NUMBER;
      q->rule.n = (uint64_t)llround(0.15 * 784 * sizes[pr[k].post]);
      q->weight = (ir_value){.kind = IR_VAL_CHOICE, .dim = IR_DIM_VOLTAGE, .nchoice = 2, .choice = signs};
    } else {
      q->rule.kind = IR_CONN_DISTANCE;
      q->rule.c = pr[k].c;
      q->rule.lambda = 3;
      q->weight = ir_value_const(inh ? -3 : 3, IR_DIM_VOLTAGE);
    }
    q->delay = ir_value_const(0, IR_DIM_TIME);
    q->plasticity = IR_PLAST_ASTRO_STDP;
    q->anti_hebbian = inh;
    q->modulator = a;
    ir_params_set_defaults(ir_plasticity_desc(IR_PLAST_ASTRO_STDP), q->plast_params);
    q->plast_params[IR_P_STDP_A_MINUS] = ir_value_const(1, IR_DIM_VOLTAGE);
    q->plast_params[IR_P_STDP_W_MIN] = ir_value_const(pr[k].pre == P_EXC ? 0 : -3, IR_DIM_VOLTAGE);
    q->plast_params[IR_P_STDP_W_MAX] = ir_value_const(inh ? 0 : 3, IR_DIM_VOLTAGE);
  }
  ir_diag *d = ir_diag_create(stderr);
  assert_true(pass_layout(m, d));
  assert_true(pass_expand(m, d));
  ir_diag_destroy(d);
  return m;
}

/* The astrocyte's signed input of a step in both references: spikes of the two liquid populations
 * count +1, spikes of the input population -1 (the model's listen signs). */
static long listened_spikes(const int *n, uint8_t *const *spk) {
  long diff = 0;
  for (int i = 0; i < n[P_EXC]; i++)
    diff += spk[P_EXC][i];
  for (int i = 0; i < n[P_INH]; i++)
    diff += spk[P_INH][i];
  for (int i = 0; i < n[P_INP]; i++)
    diff -= spk[P_INP][i];
  return diff;
}

/* ---------------------------------------------------------------- the dense reference (float) */

typedef struct dense_proj {
  int pre, post, n_pre, n_post;
  bool anti;
  float lo, hi;
  uint8_t *conn; /* [i * n_post + j] */
  float *w, *xpre, *xpost;
} dense_proj;

typedef struct dense {
  int n[NPOP];
  float *v[NPOP];
  int *ref[NPOP];
  long *last[NPOP];
  uint8_t *spk[NPOP];
  double p_pix[784];
  dense_proj pj[6];
  float a;
} dense;

static void dense_init(dense *D, const ir_module *m) {
  for (int k = 0; k < NPOP; k++) {
    D->n[k] = (int)m->pops[k].size;
    D->v[k] = calloc(D->n[k], sizeof(float));
    D->ref[k] = calloc(D->n[k], sizeof(int));
    D->last[k] = malloc(D->n[k] * sizeof(long));
    D->spk[k] = calloc(D->n[k], 1);
    for (int i = 0; i < D->n[k]; i++)
      D->last[k][i] = -1000000;
  }
  for (int i = 0; i < 784; i++) /* the per-neuron p of the input, as docs/numerics.md keys it */
    D->p_pix[i] = ir_value_sample(&m->inputs[0].p, m->seed, RNG_STREAM(RNG_KIND_RUNTIME, 0), 0, (uint64_t)i);
  for (int k = 0; k < 6; k++) {
    const ir_projection *q = &m->projs[k];
    dense_proj *P = &D->pj[k];
    P->pre = (int)q->pre.index;
    P->post = (int)q->post.index;
    P->n_pre = D->n[P->pre];
    P->n_post = D->n[P->post];
    P->anti = q->anti_hebbian;
    P->lo = (float)q->plast_params[IR_P_STDP_W_MIN].a;
    P->hi = (float)q->plast_params[IR_P_STDP_W_MAX].a;
    P->conn = calloc((size_t)P->n_pre * P->n_post, 1);
    P->w = calloc((size_t)P->n_pre * P->n_post, sizeof(float));
    P->xpre = calloc(P->n_pre, sizeof(float));
    P->xpost = calloc(P->n_post, sizeof(float));
    const ir_csr *c = q->csr;
    for (uint32_t i = 0; i < c->npre; i++)
      for (uint64_t s = c->row_ptr[i]; s < c->row_ptr[i + 1]; s++) {
        P->conn[(size_t)i * P->n_post + c->col[s]] = 1;
        P->w[(size_t)i * P->n_post + c->col[s]] = c->weight[s];
      }
  }
  D->a = 0.15f;
}

static void dense_free(dense *D) {
  for (int k = 0; k < NPOP; k++) {
    free(D->v[k]);
    free(D->ref[k]);
    free(D->last[k]);
    free(D->spk[k]);
  }
  for (int k = 0; k < 6; k++) {
    free(D->pj[k].conn);
    free(D->pj[k].w);
    free(D->pj[k].xpre);
    free(D->pj[k].xpost);
  }
}

/* One NALSM step: spike -> reset -> propagation -> integrate -> refractory; STDP; astrocyte. */
static void dense_step(dense *D, const ir_module *m, long t) {
  const float kf_leak = (float)(1.0 / 64.0), f = (float)exp(-0.1);
  float inj[784];
  uint64_t stream = RNG_STREAM(RNG_KIND_INPUT, 0);
  for (int i = 0; i < 784; i++) {
    uint64_t pq = (uint64_t)llround(D->p_pix[i] * 4294967296.0); /* Q32, docs/numerics.md */
    inj[i] = (rng_hash4(m->seed, stream, (uint64_t)i, (uint64_t)t) >> 32) < pq ? 100.0f : 0.0f;
  }
  for (int k = 0; k < NPOP; k++)
    for (int i = 0; i < D->n[k]; i++) {
      D->spk[k][i] = D->v[k][i] >= 20.0f && D->ref[k][i] == 0;
      if (D->spk[k][i]) {
        D->v[k][i] = 0.0f;
        D->last[k][i] = t;
      }
    }
  for (int post = 0; post < NPOP; post++) {
    float *syn = calloc(D->n[post], sizeof(float));
    for (int k = 0; k < 6; k++) {
      dense_proj *P = &D->pj[k];
      if (P->post != post)
        continue;
      for (int i = 0; i < P->n_pre; i++) {
        long s = t - D->last[P->pre][i];
        if (s < 0 || s > 10)
          continue;
        float kern = (float)exp(-(double)s);
        for (int j = 0; j < P->n_post; j++)
          if (P->conn[(size_t)i * P->n_post + j])
            syn[j] += P->w[(size_t)i * P->n_post + j] * kern;
      }
    }
    for (int j = 0; j < D->n[post]; j++) {
      float v = D->v[post][j], leak = v * kf_leak;
      v = v + syn[j];
      v = v + (post == P_INP ? inj[j] : 0.0f);
      D->v[post][j] = v - leak;
      D->ref[post][j] = D->spk[post][j] ? 2 : (D->ref[post][j] > 0 ? D->ref[post][j] - 1 : 0);
    }
    free(syn);
  }
  float am = 1.0f * D->a;
  for (int k = 0; k < 6; k++) {
    dense_proj *P = &D->pj[k];
    const uint8_t *sp = D->spk[P->pre], *sq = D->spk[P->post];
    for (int i = 0; i < P->n_pre; i++)
      for (int j = 0; j < P->n_post; j++) {
        size_t x = (size_t)i * P->n_post + j;
        if (!P->conn[x] || !(sp[i] || sq[j]))
          continue;
        float w = P->w[x];
        if (sp[i])
          w = P->anti ? w + 0.15f * P->xpost[j] : w - am * P->xpost[j];
        if (sq[j])
          w = P->anti ? w - am * P->xpre[i] : w + 0.15f * P->xpre[i];
        P->w[x] = w < P->lo ? P->lo : w > P->hi ? P->hi : w;
      }
    for (int i = 0; i < P->n_pre; i++)
      P->xpre[i] = f * (0.1f * (float)sp[i] + P->xpre[i]);
    for (int j = 0; j < P->n_post; j++)
      P->xpost[j] = f * (0.1f * (float)sq[j] + P->xpost[j]);
  }
  long diff = listened_spikes(D->n, D->spk);
  float drive = 0.015f * (float)diff + 0.15f;
  D->a = D->a + (drive - D->a) * (float)(1.0 / 100.0);
}

/* What the engine's spikes are compared with: the reference's spike flags of the current step. */
typedef struct counter {
  const int *n;
  uint8_t *const *spk;
  uint64_t mismatches, spikes;
} counter;

/* Compares the engine's spikes of each step with the reference's, population by population. */
static void cmp_spikes(void *ctx, uint64_t step, ir_ref src, const uint32_t *idx, uint32_t n) {
  counter *c = ctx;
  (void)step;
  if (src.kind != IR_NODE_POPULATION)
    return;
  uint32_t expect = 0;
  for (int i = 0; i < c->n[src.index]; i++)
    expect += c->spk[src.index][i];
  if (expect != n)
    c->mismatches++;
  for (uint32_t k = 0; k < n; k++)
    if (!c->spk[src.index][idx[k]])
      c->mismatches++;
  c->spikes += n;
}

static void test_dense_reference(void **state) {
  (void)state;
  ir_module *m = build(IR_NUMERICS_FLOAT);
  static dense D;
  dense_init(&D, m);
  rt_sim *s = t_create(m);
  counter c = {D.n, D.spk, 0, 0};
  rt_sim_on_spikes(s, cmp_spikes, &c);
  ir_ref astro = {IR_NODE_ASTROCYTE, 0};
  for (long t = 0; t < NSTEPS; t++) {
    dense_step(&D, m, t);
    t_run(s, 1); /* compares spikes of step t in the callback */
    if (t % 25 == 0 || t == NSTEPS - 1) {
      assert_true(t_read(s, astro, "a", 0) == (double)D.a);
      for (int k = 0; k < 6; k++) { /* a few synapses of each projection, exactly */
        const ir_csr *csr = m->projs[k].csr;
        for (uint64_t q = 0; q < csr->nsyn; q += csr->nsyn / 7 + 1) {
          uint32_t i = 0;
          while (csr->row_ptr[i + 1] <= q)
            i++;
          double w = t_read(s, (ir_ref){IR_NODE_PROJECTION, (uint32_t)k}, "w", (uint32_t)q);
          assert_true(w == (double)D.pj[k].w[(size_t)i * D.pj[k].n_post + csr->col[q]]);
        }
      }
    }
  }
  assert_int_equal(c.mismatches, 0);
  assert_true(c.spikes > 1000); /* the network is active */
  assert_true(fabs(D.a - 0.15f) > 1e-3); /* and the astrocyte moved */
  rt_sim_destroy(s);
  dense_free(&D);
  ir_module_destroy(m);
}


/* ---------------------------------------------------------------- the dense reference (fixed) */

/* Constants derived by hand from docs/numerics.md for this network (v_unit 1 mV, dt 1 ms):
 * every projection has |w| <= 3 mV and bounds within [-3, 3] mV -> exponent -5, mantissa 96,
 * word 96*256 = 24576, into fine units x2^(6-5) = x2. Kernel Q12 round(4096 e^-s), s = 0..10.
 * leak round(4096/64) = 64, threshold 20*64 = 1280, inject 100*64 = 6400, refractory 2.
 * STDP: trace inc 6554, factor round(65536 e^-0.1) = 59299, a_plus round(0.15*32*256) = 1229,
 * a_minus 1*32*256 = 8192. Astrocyte Q16: a0 = b_a = 9830, w_a = 983, k = 655. */
static const int64_t KQ[11] = {4096, 1507, 554, 204, 75, 28, 10, 4, 1, 1, 0};

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && a < 0); }
static int64_t rr16(int64_t x) { return floor_div(x + 32768, 65536); }

typedef struct fproj {
  int pre, post, n_pre, n_post;
  bool anti;
  int64_t lo, hi;
  uint8_t *conn;
  int64_t *w, *xpre, *xpost;
} fproj;

typedef struct fdense {
  int n[NPOP];
  int64_t *v[NPOP];
  int *ref[NPOP];
  long *last[NPOP];
  uint8_t *spk[NPOP];
  uint64_t pq[784];
  fproj pj[6];
  int64_t a;
} fdense;

static void fdense_init(fdense *D, const ir_module *m) {
  for (int k = 0; k < NPOP; k++) {
    D->n[k] = (int)m->pops[k].size;
    D->v[k] = calloc(D->n[k], sizeof(int64_t));
    D->ref[k] = calloc(D->n[k], sizeof(int));
    D->last[k] = malloc(D->n[k] * sizeof(long));
    D->spk[k] = calloc(D->n[k], 1);
    for (int i = 0; i < D->n[k]; i++)
      D->last[k][i] = -1000000;
  }
  for (int i = 0; i < 784; i++)
    D->pq[i] = (uint64_t)llround(
        ir_value_sample(&m->inputs[0].p, m->seed, RNG_STREAM(RNG_KIND_RUNTIME, 0), 0, (uint64_t)i) * 4294967296.0);
  for (int k = 0; k < 6; k++) {
    const ir_projection *q = &m->projs[k];
    fproj *P = &D->pj[k];
    P->pre = (int)q->pre.index;
    P->post = (int)q->post.index;
    P->n_pre = D->n[P->pre];
    P->n_post = D->n[P->post];
    P->anti = q->anti_hebbian;
    P->lo = P->pre == P_EXC ? 0 : -24576;
    P->hi = P->pre == P_INH ? 0 : 24576;
    P->conn = calloc((size_t)P->n_pre * P->n_post, 1);
    P->w = calloc((size_t)P->n_pre * P->n_post, sizeof(int64_t));
    P->xpre = calloc(P->n_pre, sizeof(int64_t));
    P->xpost = calloc(P->n_post, sizeof(int64_t));
    const ir_csr *c = q->csr;
    for (uint32_t i = 0; i < c->npre; i++)
      for (uint64_t s = c->row_ptr[i]; s < c->row_ptr[i + 1]; s++) {
        P->conn[(size_t)i * P->n_post + c->col[s]] = 1;
        P->w[(size_t)i * P->n_post + c->col[s]] = c->weight[s] > 0 ? 24576 : -24576;
      }
  }
  D->a = 9830;
}

static void fdense_free(fdense *D) {
  for (int k = 0; k < NPOP; k++) {
    free(D->v[k]);
    free(D->ref[k]);
    free(D->last[k]);
    free(D->spk[k]);
  }
  for (int k = 0; k < 6; k++) {
    free(D->pj[k].conn);
    free(D->pj[k].w);
    free(D->pj[k].xpre);
    free(D->pj[k].xpost);
  }
}

static void fdense_step(fdense *D, const ir_module *m, long t) {
  int64_t inj[784];
  for (int i = 0; i < 784; i++)
    inj[i] = (rng_hash4(m->seed, RNG_STREAM(RNG_KIND_INPUT, 0), (uint64_t)i, (uint64_t)t) >> 32) < D->pq[i] ? 6400 : 0;
  for (int k = 0; k < NPOP; k++)
    for (int i = 0; i < D->n[k]; i++) {
      D->spk[k][i] = D->v[k][i] >= 1280 && D->ref[k][i] == 0;
      if (D->spk[k][i]) {
        D->v[k][i] = 0;
        D->last[k][i] = t;
      }
    }
  for (int post = 0; post < NPOP; post++) {
    int64_t *syn = calloc(D->n[post], sizeof(int64_t)), *acc = calloc(D->n[post], sizeof(int64_t));
    for (int k = 0; k < 6; k++) {
      fproj *P = &D->pj[k];
      if (P->post != post)
        continue;
      memset(acc, 0, D->n[post] * sizeof(int64_t));
      for (int i = 0; i < P->n_pre; i++) {
        long s = t - D->last[P->pre][i];
        if (s < 0 || s > 10)
          continue;
        for (int j = 0; j < P->n_post; j++)
          if (P->conn[(size_t)i * P->n_post + j])
            acc[j] += floor_div(P->w[(size_t)i * P->n_post + j], 256) * KQ[s];
      }
      for (int j = 0; j < P->n_post; j++)
        syn[j] += floor_div(acc[j] * 2 + 2048, 4096);
    }
    for (int j = 0; j < D->n[post]; j++) {
      int64_t v = D->v[post][j] * 4032 / 4096 + syn[j] + (post == P_INP ? inj[j] : 0); /* C division truncates */
      D->v[post][j] = v > 8388607 ? 8388607 : v < -8388607 ? -8388607 : v;
      D->ref[post][j] = D->spk[post][j] ? 2 : (D->ref[post][j] > 0 ? D->ref[post][j] - 1 : 0);
    }
    free(syn);
    free(acc);
  }
  int64_t am = rr16(8192 * D->a);
  for (int k = 0; k < 6; k++) {
    fproj *P = &D->pj[k];
    const uint8_t *sp = D->spk[P->pre], *sq = D->spk[P->post];
    for (int i = 0; i < P->n_pre; i++)
      for (int j = 0; j < P->n_post; j++) {
        size_t x = (size_t)i * P->n_post + j;
        if (!P->conn[x] || !(sp[i] || sq[j]))
          continue;
        int64_t w = P->w[x];
        if (sp[i])
          w += P->anti ? rr16(1229 * P->xpost[j]) : -rr16(am * P->xpost[j]);
        if (sq[j])
          w += P->anti ? -rr16(am * P->xpre[i]) : rr16(1229 * P->xpre[i]);
        P->w[x] = w < P->lo ? P->lo : w > P->hi ? P->hi : w;
      }
    for (int i = 0; i < P->n_pre; i++)
      P->xpre[i] = rr16((6554 * sp[i] + P->xpre[i]) * 59299);
    for (int j = 0; j < P->n_post; j++)
      P->xpost[j] = rr16((6554 * sq[j] + P->xpost[j]) * 59299);
  }
  long diff = listened_spikes(D->n, D->spk);
  D->a += rr16((983 * diff + 9830 - D->a) * 655);
}

static void test_dense_reference_fixed(void **state) {
  (void)state;
  ir_module *m = build(IR_NUMERICS_FIXED);
  static fdense D;
  fdense_init(&D, m);
  rt_sim *s = t_create(m);
  counter c = {D.n, D.spk, 0, 0};
  rt_sim_on_spikes(s, cmp_spikes, &c);
  ir_ref astro = {IR_NODE_ASTROCYTE, 0};
  for (long t = 0; t < NSTEPS; t++) {
    fdense_step(&D, m, t);
    t_run(s, 1);
    if (t % 25 == 0 || t == NSTEPS - 1) {
      assert_int_equal((int64_t)t_read(s, astro, "a", 0), D.a);
      for (int k = 0; k < NPOP; k++)
        assert_int_equal((int64_t)t_read(s, t_pop(k), "v", (uint32_t)(t % D.n[k])), D.v[k][t % D.n[k]]);
      for (int k = 0; k < 6; k++) {
        const ir_csr *csr = m->projs[k].csr;
        for (uint64_t q = 0; q < csr->nsyn; q += csr->nsyn / 7 + 1) {
          uint32_t i = 0;
          while (csr->row_ptr[i + 1] <= q)
            i++;
          int64_t w = (int64_t)t_read(s, (ir_ref){IR_NODE_PROJECTION, (uint32_t)k}, "w", (uint32_t)q);
          assert_int_equal(w, D.pj[k].w[(size_t)i * D.pj[k].n_post + csr->col[q]]);
        }
      }
    }
  }
  assert_int_equal(c.mismatches, 0);
  assert_true(c.spikes > 1000);
  assert_true(D.a != 9830);
  rt_sim_destroy(s);
  fdense_free(&D);
  ir_module_destroy(m);
}

/* ---------------------------------------------------------------- checkpoints, determinism */

static void record(rt_sim *s, t_raster *r) { rt_sim_on_spikes(s, t_on_spikes, r); }

static void checkpoint_case(ir_numerics num) {
  ir_module *m = build(num);
  rt_sim *a = t_create(m);
  t_run(a, 100);
  FILE *f = tmpfile();
  ir_diag *d = ir_diag_create(stderr);
  assert_true(rt_sim_save(a, f, d));
  t_raster ra = {0}, rb = {0}, rc = {0};
  record(a, &ra);
  t_run(a, 150);
  /* A fresh simulation restored from the checkpoint continues with the identical raster. */
  rt_sim *b = t_create(m);
  rewind(f);
  assert_true(rt_sim_restore(b, f, d));
  assert_int_equal(rt_sim_steps(b), 100);
  record(b, &rb);
  t_run(b, 150);
  assert_true(ra.n > 100);
  assert_int_equal(ra.n, rb.n);
  assert_memory_equal(ra.e, rb.e, ra.n * sizeof(uint64_t));
  /* Determinism: a third run from scratch gives the same raster for steps 100..249. */
  rt_sim *c = t_create(m);
  t_run(c, 100);
  record(c, &rc);
  t_run(c, 150);
  assert_int_equal(ra.n, rc.n);
  assert_memory_equal(ra.e, rc.e, ra.n * sizeof(uint64_t));
  /* A corrupted checkpoint (one payload byte) is refused by its checksum. */
  fseek(f, -100, SEEK_END);
  int byte = fgetc(f);
  fseek(f, -100, SEEK_END);
  fputc(byte ^ 0x5a, f);
  rewind(f);
  ir_diag *q = ir_diag_create(NULL);
  assert_false(rt_sim_restore(c, f, q));
  assert_non_null(strstr(ir_diag_last(q), "checksum mismatch"));
  /* A checkpoint of the other numerics mode does not match this simulation. */
  ir_module *m2 = build(num == IR_NUMERICS_FLOAT ? IR_NUMERICS_FIXED : IR_NUMERICS_FLOAT);
  rt_sim *other = t_create(m2);
  FILE *g = tmpfile();
  assert_true(rt_sim_save(other, g, d));
  rewind(g);
  assert_false(rt_sim_restore(c, g, q));
  assert_non_null(strstr(ir_diag_last(q), "does not match this simulation"));
  fclose(g);
  rt_sim_destroy(other);
  ir_module_destroy(m2);
  ir_diag_destroy(q);
  fclose(f);
  free(ra.e);
  free(rb.e);
  free(rc.e);
  ir_diag_destroy(d);
  rt_sim_destroy(a);
  rt_sim_destroy(b);
  rt_sim_destroy(c);
  ir_module_destroy(m);
}

static void test_checkpoint_float(void **state) {
  (void)state;
  checkpoint_case(IR_NUMERICS_FLOAT);
}

static void test_checkpoint_fixed(void **state) {
  (void)state;
  checkpoint_case(IR_NUMERICS_FIXED);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dense_reference),
      cmocka_unit_test(test_dense_reference_fixed),
      cmocka_unit_test(test_checkpoint_float),
      cmocka_unit_test(test_checkpoint_fixed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
