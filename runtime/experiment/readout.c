/* readout.c — the NALSM readout: a zero-initialised linear softmax layer trained on soft targets
 * softmax(+-1) with Adadelta (or SGD / Adam), features L1-normalised then divided by the batch max.
 * Training and evaluation run on a team of threads (readout_team.c) with results identical to one thread. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "experiment.h"
#include "readout_team.h"
#include "rng.h"

#define ROW_ALIGN 8u /* threads own W in runs of 8 feature rows: no cache line is written by two threads */

struct ex_readout {
  uint32_t nin, nclass;
  size_t np;        /* nclass*nin weights + nclass biases, one array */
  double *p;        /* parameters: W feature-major (weight (c, j) at [j*nclass + c]), then b */
  double *s1, *s2;  /* optimiser state (Adadelta Eg/Ed, Adam m/v) */
  double *g;        /* gradient of the current batch */
  uint64_t t;       /* optimiser steps taken (Adam bias correction) */
};

ex_train_config ex_train_defaults(void) {
  return (ex_train_config){.opt = EX_OPT_ADADELTA, .lr = 0.1, .l2 = 5e-10, .rho = 0.95, .eps = 1e-7, .batch = 10,
                           .epochs = 20, .seed = 1};
}

void ex_soft_targets(uint32_t label, uint32_t n, double *t) {
  double hi = exp(1.0), lo = exp(-1.0), z = hi + (double)(n - 1) * lo;
  for (uint32_t c = 0; c < n; c++)
    t[c] = (c == label ? hi : lo) / z;
}

/* The readout's hot loops (Adadelta, logits, gradient) are also built for AVX2 and picked at load time
 * (results are identical: the same IEEE operations, no FMA, only wider vectors). */
#if defined(__GNUC__) && defined(__x86_64__) && defined(__linux__)
#define HOT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define HOT_CLONES
#endif

HOT_CLONES void ex_adadelta_step(double *x, double *eg, double *ed, const double *g, size_t n, double lr, double rho,
                      double eps) {
  for (size_t k = 0; k < n; k++) {
    eg[k] = rho * eg[k] + (1 - rho) * g[k] * g[k];
    double u = sqrt(ed[k] + eps) / sqrt(eg[k] + eps) * g[k];
    ed[k] = rho * ed[k] + (1 - rho) * u * u;
    x[k] -= lr * u;
  }
}

/* Adam over parameters [k0, k1) at step `step` (1-based: the bias correction). */
static void adam_range(ex_readout *r, const ex_train_config *c, uint64_t step, size_t k0, size_t k1) {
  const double b1 = 0.9, b2 = 0.999;
  double c1 = 1 - pow(b1, (double)step), c2 = 1 - pow(b2, (double)step);
  for (size_t k = k0; k < k1; k++) {
    r->s1[k] = b1 * r->s1[k] + (1 - b1) * r->g[k];
    r->s2[k] = b2 * r->s2[k] + (1 - b2) * r->g[k] * r->g[k];
    r->p[k] -= c->lr * (r->s1[k] / c1) / (sqrt(r->s2[k] / c2) + c->eps);
  }
}

/* The optimiser's step over parameters [k0, k1): element by element, so any split gives the same values. */
static void update_range(ex_readout *r, const ex_train_config *c, uint64_t step, size_t k0, size_t k1) {
  if (k1 <= k0)
    return;
  if (c->opt == EX_OPT_ADADELTA)
    ex_adadelta_step(r->p + k0, r->s1 + k0, r->s2 + k0, r->g + k0, k1 - k0, c->lr, c->rho, c->eps);
  else if (c->opt == EX_OPT_ADAM)
    adam_range(r, c, step, k0, k1);
  else
    for (size_t k = k0; k < k1; k++)
      r->p[k] -= c->lr * r->g[k];
}

void ex_features_normalise(float *x, uint32_t rows, uint32_t cols) {
  float mx = 0;
  for (uint32_t i = 0; i < rows; i++) {
    float *row = x + (size_t)i * cols;
    double sum = 0;
    for (uint32_t j = 0; j < cols; j++)
      sum += fabs((double)row[j]);
    for (uint32_t j = 0; sum > 0 && j < cols; j++) {
      row[j] = (float)((double)row[j] / sum);
      mx = row[j] > mx ? row[j] : mx;
    }
  }
  if (mx > 0)
    for (size_t k = 0; k < (size_t)rows * cols; k++)
      x[k] /= mx;
}

/* n zeroed doubles starting on a cache line, so that threads owning runs of ROW_ALIGN rows share no line. */
static double *zeroed_lines(size_t n) {
  size_t bytes = (n * sizeof(double) + 63) / 64 * 64;
  double *p = aligned_alloc(64, bytes ? bytes : 64);
  if (p)
    memset(p, 0, bytes);
  return p;
}

ex_readout *ex_readout_create(uint32_t nin, uint32_t nclass) {
  ex_readout *r = calloc(1, sizeof(*r));
  if (!r)
    return NULL;
  r->nin = nin;
  r->nclass = nclass;
  r->np = (size_t)nclass * nin + nclass;
  r->p = zeroed_lines(r->np);
  r->s1 = zeroed_lines(r->np);
  r->s2 = zeroed_lines(r->np);
  r->g = zeroed_lines(r->np);
  if (!r->p || !r->s1 || !r->s2 || !r->g) {
    ex_readout_destroy(r);
    return NULL;
  }
  return r;
}

void ex_readout_destroy(ex_readout *r) {
  if (!r)
    return;
  free(r->p);
  free(r->s1);
  free(r->s2);
  free(r->g);
  free(r);
}

const double *ex_readout_weights(const ex_readout *r) { return r->p; }
const double *ex_readout_bias(const ex_readout *r) { return r->p + (size_t)r->nclass * r->nin; }
void ex_readout_params(const ex_readout *r, double *out) { memcpy(out, r->p, r->np * sizeof(double)); }

/* z = W x + b, W stored feature-major (the nclass weights of feature j are contiguous), so the classes
 * advance together, feature by feature: each class's sum is still taken in feature order (the rounding of
 * a plain dot product), but the sums are independent chains the CPU overlaps. Ten classes (every data set
 * here) get accumulators the compiler keeps in registers. */
HOT_CLONES static void logits(const ex_readout *r, const float *restrict x, double *restrict z) {
  const double *restrict b = ex_readout_bias(r);
  const double *restrict w = r->p;
  const uint32_t nc = r->nclass, nin = r->nin;
  if (nc == 10) {
    double acc[10];
    for (uint32_t c = 0; c < 10; c++)
      acc[c] = b[c];
    for (uint32_t j = 0; j < nin; j++, w += 10) {
      double xj = (double)x[j];
      for (uint32_t c = 0; c < 10; c++)
        acc[c] += w[c] * xj;
    }
    for (uint32_t c = 0; c < 10; c++)
      z[c] = acc[c];
    return;
  }
  for (uint32_t c = 0; c < nc; c++)
    z[c] = b[c];
  for (uint32_t j = 0; j < nin; j++, w += nc)
    for (uint32_t c = 0; c < nc; c++)
      z[c] += w[c] * (double)x[j];
}

/* GNU vectors spell out what gcc does not find alone for ten classes: classes 0-3, 4-7 and 8-9 as three
 * vectors; each lane is one IEEE multiply and one add, as in the scalar loops (no FMA: not in the avx2 clone,
 * and ISO C mode does not contract). */
typedef double v4d __attribute__((vector_size(32)));
typedef double v2d __attribute__((vector_size(16)));

/* A split's features as sparse rows: the nonzero features of row i are idx/val[off[i] .. off[i+1]), in
 * ascending feature order (liquid spike counts are about half zeros). Skipping a zero feature skips adding
 * w*0 = +-0 to a sum, which leaves the sum unchanged unless it is -0; and no sum here is ever -0: gradients
 * start at +0 and logits at a bias, the biases start at +0, and IEEE addition and subtraction give -0 only
 * from two -0 operands (or x - x = +0). So with finite weights the sparse loops compute exactly the dense
 * loops' values. */
typedef struct sparse_rows {
  size_t *off; /* n + 1 */
  uint32_t *idx;
  float *val;
} sparse_rows;

static void sparse_free(sparse_rows *s) {
  free(s->off);
  free(s->idx);
  free(s->val);
  *s = (sparse_rows){0};
}

static bool sparse_build(sparse_rows *s, const float *x, uint32_t n, uint32_t nin) {
  *s = (sparse_rows){0};
  s->off = malloc(((size_t)n + 1) * sizeof(size_t));
  if (!s->off)
    return false;
  size_t nnz = 0;
  for (size_t k = 0; k < (size_t)n * nin; k++)
    nnz += x[k] != 0;
  s->idx = malloc((nnz + 1) * sizeof(uint32_t)); /* + 1: the branch-free fill below writes one past */
  s->val = malloc((nnz + 1) * sizeof(float));
  if (!s->idx || !s->val) {
    sparse_free(s);
    return false;
  }
  nnz = 0;
  for (uint32_t i = 0; i < n; i++) {
    s->off[i] = nnz;
    const float *row = x + (size_t)i * nin;
    for (uint32_t j = 0; j < nin; j++) { /* every feature is written, a zero is then overwritten */
      s->idx[nnz] = j;
      s->val[nnz] = row[j];
      nnz += row[j] != 0;
    }
  }
  s->off[n] = nnz;
  return true;
}

/* One sample's sparse row. */
typedef struct srow {
  const uint32_t *idx;
  const float *val;
  size_t n;
} srow;

static srow sparse_row(const sparse_rows *s, uint32_t i) {
  return (srow){s->idx + s->off[i], s->val + s->off[i], s->off[i + 1] - s->off[i]};
}

/* logits() over a sparse row: the same sums over the nonzero features, in feature order. */
HOT_CLONES static void logits_sparse(const ex_readout *r, srow x, double *restrict z) {
  const double *restrict b = ex_readout_bias(r);
  const uint32_t nc = r->nclass;
  if (nc == 10) {
    v4d a0, a1;
    v2d a2;
    memcpy(&a0, b, 32), memcpy(&a1, b + 4, 32), memcpy(&a2, b + 8, 16);
    for (size_t k = 0; k < x.n; k++) {
      const double *w = r->p + (size_t)x.idx[k] * 10;
      v4d w0, w1;
      v2d w2;
      memcpy(&w0, w, 32), memcpy(&w1, w + 4, 32), memcpy(&w2, w + 8, 16);
      double xj = (double)x.val[k];
      a0 += w0 * xj, a1 += w1 * xj, a2 += w2 * xj;
    }
    memcpy(z, &a0, 32), memcpy(z + 4, &a1, 32), memcpy(z + 8, &a2, 16);
    return;
  }
  for (uint32_t c = 0; c < nc; c++)
    z[c] = b[c];
  for (size_t k = 0; k < x.n; k++) {
    const double *w = r->p + (size_t)x.idx[k] * nc;
    for (uint32_t c = 0; c < nc; c++)
      z[c] += w[c] * (double)x.val[k];
  }
}

/* logits_sparse() of two samples in lockstep (twice the independent chains), each in its own order. */
HOT_CLONES static void logits_sparse2(const ex_readout *r, srow x, srow y, double *restrict zx, double *restrict zy) {
  if (r->nclass != 10) {
    logits_sparse(r, x, zx);
    logits_sparse(r, y, zy);
    return;
  }
  const double *b = ex_readout_bias(r);
  v4d a0, a1, b0, b1;
  v2d a2, b2;
  memcpy(&a0, b, 32), memcpy(&a1, b + 4, 32), memcpy(&a2, b + 8, 16);
  b0 = a0, b1 = a1, b2 = a2;
  size_t both = x.n < y.n ? x.n : y.n, k = 0;
  for (; k < both; k++) {
    const double *w = r->p + (size_t)x.idx[k] * 10, *v = r->p + (size_t)y.idx[k] * 10;
    v4d w0, w1, v0, v1;
    v2d w2, v2;
    memcpy(&w0, w, 32), memcpy(&w1, w + 4, 32), memcpy(&w2, w + 8, 16);
    memcpy(&v0, v, 32), memcpy(&v1, v + 4, 32), memcpy(&v2, v + 8, 16);
    double xj = (double)x.val[k], yj = (double)y.val[k];
    a0 += w0 * xj, a1 += w1 * xj, a2 += w2 * xj;
    b0 += v0 * yj, b1 += v1 * yj, b2 += v2 * yj;
  }
  for (size_t i = k; i < x.n; i++) {
    const double *w = r->p + (size_t)x.idx[i] * 10;
    v4d w0, w1;
    v2d w2;
    memcpy(&w0, w, 32), memcpy(&w1, w + 4, 32), memcpy(&w2, w + 8, 16);
    double xj = (double)x.val[i];
    a0 += w0 * xj, a1 += w1 * xj, a2 += w2 * xj;
  }
  for (size_t i = k; i < y.n; i++) {
    const double *v = r->p + (size_t)y.idx[i] * 10;
    v4d v0, v1;
    v2d v2;
    memcpy(&v0, v, 32), memcpy(&v1, v + 4, 32), memcpy(&v2, v + 8, 16);
    double yj = (double)y.val[i];
    b0 += v0 * yj, b1 += v1 * yj, b2 += v2 * yj;
  }
  memcpy(zx, &a0, 32), memcpy(zx + 4, &a1, 32), memcpy(zx + 8, &a2, 16);
  memcpy(zy, &b0, 32), memcpy(zy + 4, &b1, 32), memcpy(zy + 8, &b2, 16);
}

static uint32_t argmax(const double *z, uint32_t n) {
  uint32_t best = 0;
  for (uint32_t c = 1; c < n; c++)
    if (z[c] > z[best])
      best = c;
  return best;
}

/* Softmax in place, shifted by the maximum for range. */
static void softmax(double *z, uint32_t n) {
  double mx = z[0], sum = 0;
  for (uint32_t c = 1; c < n; c++)
    mx = z[c] > mx ? z[c] : mx;
  for (uint32_t c = 0; c < n; c++) {
    z[c] = exp(z[c] - mx);
    sum += z[c];
  }
  for (uint32_t c = 0; c < n; c++)
    z[c] /= sum;
}

uint32_t ex_readout_predict(const ex_readout *r, const float *x) {
  double z[64];
  IR_ASSERT(r->nclass <= 64);
  logits(r, x, z);
  return argmax(z, r->nclass);
}

double ex_readout_accuracy(const ex_readout *r, const float *x, const uint8_t *labels, uint32_t n) {
  uint32_t ok = 0;
  for (uint32_t i = 0; i < n; i++)
    ok += ex_readout_predict(r, x + (size_t)i * r->nin) == labels[i];
  return n ? (double)ok / n : 0.0;
}

/* Fisher-Yates with draws keyed by (seed, epoch, position): the order is a pure function of both. */
static void shuffle(uint32_t *idx, uint32_t n, uint64_t seed, uint32_t epoch) {
  for (uint32_t i = 0; i < n; i++)
    idx[i] = i;
  for (uint32_t i = n; i > 1; i--) {
    uint64_t h = rng_hash4(seed, RNG_STREAM(RNG_KIND_RUNTIME, 0x5EAD), epoch, i);
    uint32_t j = (uint32_t)(h % i);
    uint32_t tmp = idx[i - 1];
    idx[i - 1] = idx[j];
    idx[j] = tmp;
  }
}

/* Gradient rows [j0, j1) of W: g(j,c) = sum over the batch's samples q, in order, of e(q,c) x(q,j), plus the L2
 * term: the one-thread loop "for q: for j: g[j] += e[q] x[q][j]" restricted to the rows and to nonzero x, so
 * each element sees the same additions in the same order, while the rows stay in L1. cur[q]: sample q's
 * position in its sparse row, at the first feature >= j0; advanced past j1. */
HOT_CLONES static void gradient_rows(ex_readout *r, const srow *xq, uint32_t *cur, const double *e, uint32_t m,
                                     size_t j0, size_t j1, double l2) {
  const uint32_t nc = r->nclass;
  const size_t nj = j1 - j0;
  double *restrict g = r->g;
  const double *restrict p = r->p + j0 * nc;
  memset(g + j0 * nc, 0, nj * nc * sizeof(double));
  for (uint32_t q = 0; q < m; q++) {
    const srow x = xq[q];
    const double *restrict eq = e + (size_t)q * nc;
    size_t k = cur[q];
    if (nc == 10) {
      v4d e0, e1;
      v2d e2;
      memcpy(&e0, eq, 32), memcpy(&e1, eq + 4, 32), memcpy(&e2, eq + 8, 16);
      for (; k < x.n && x.idx[k] < j1; k++) {
        double *gj = g + (size_t)x.idx[k] * 10, xj = (double)x.val[k];
        v4d g0, g1;
        v2d g2;
        memcpy(&g0, gj, 32), memcpy(&g1, gj + 4, 32), memcpy(&g2, gj + 8, 16);
        g0 += e0 * xj, g1 += e1 * xj, g2 += e2 * xj;
        memcpy(gj, &g0, 32), memcpy(gj + 4, &g1, 32), memcpy(gj + 8, &g2, 16);
      }
    } else {
      for (; k < x.n && x.idx[k] < j1; k++)
        for (uint32_t c = 0; c < nc; c++)
          g[(size_t)x.idx[k] * nc + c] += eq[c] * (double)x.val[k];
    }
    cur[q] = (uint32_t)k;
  }
  g += j0 * nc;
  for (size_t k = 0; k < nj * nc; k++)
    g[k] += 2 * l2 * p[k];
}

/* First position of row x at a feature >= j. */
static uint32_t lower_bound(srow x, size_t j) {
  size_t lo = 0, hi = x.n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (x.idx[mid] < j)
      lo = mid + 1;
    else
      hi = mid;
  }
  return (uint32_t)lo;
}

/* One epoch, shared by the team. Per batch: (A) each thread takes some of the batch's samples: logits,
 * softmax, the error e = (softmax - target)/m and the loss terms; barrier; (B) each thread takes whole rows
 * of W (and the last one the biases): gradient, then the optimiser's step; thread 0 sums the batch's loss in
 * sample order; barrier. */
typedef struct epoch_job {
  ex_readout *r;
  const sparse_rows *x;
  const uint8_t *labels;
  const uint32_t *idx;
  uint32_t n, bs;
  const ex_train_config *c;
  uint64_t step0;     /* optimiser steps before the epoch */
  srow *xq;           /* bs: the batch's feature rows */
  uint32_t *cur;      /* MAX_TEAM x bs: each thread's positions in them */
  double *e, *lt;     /* bs x nclass: errors, loss terms t*log(p) */
  double loss;        /* sum of the batches' mean losses (thread 0) */
} epoch_job;

#define CHUNK_ROWS 32u /* rows whose gradient is formed just before their update: it stays in L1 */
#define MAX_TEAM 64u

static void forward_share(epoch_job *j, ex_team *tm, unsigned t, uint32_t b0, uint32_t m) {
  ex_readout *r = j->r;
  const uint32_t nc = r->nclass;
  size_t q0, q1;
  ex_team_share(t, tm->n, m, 1, &q0, &q1);
  double z[2][64], tg[64];
  for (size_t q = q0; q < q1; q += 2) {
    uint32_t k = q + 1 < q1 ? 2 : 1;
    for (uint32_t i = 0; i < k; i++)
      j->xq[q + i] = sparse_row(j->x, j->idx[b0 + q + i]);
    if (k == 2)
      logits_sparse2(r, j->xq[q], j->xq[q + 1], z[0], z[1]);
    else
      logits_sparse(r, j->xq[q], z[0]);
    for (uint32_t i = 0; i < k; i++) {
      size_t qi = q + i;
      softmax(z[i], nc);
      ex_soft_targets(j->labels[j->idx[b0 + qi]], nc, tg);
      for (uint32_t c = 0; c < nc; c++) {
        j->lt[qi * nc + c] = tg[c] * log(z[i][c] > 1e-300 ? z[i][c] : 1e-300);
        j->e[qi * nc + c] = (z[i][c] - tg[c]) / m;
      }
    }
  }
}

static void update_share(epoch_job *j, ex_team *tm, unsigned t, uint32_t m, uint64_t step) {
  ex_readout *r = j->r;
  const uint32_t nc = r->nclass;
  size_t j0, j1;
  ex_team_share(t, tm->n, r->nin, ROW_ALIGN, &j0, &j1);
  uint32_t *cur = j->cur + (size_t)t * j->bs;
  for (uint32_t q = 0; q < m; q++)
    cur[q] = j0 ? lower_bound(j->xq[q], j0) : 0;
  for (size_t a = j0; a < j1; a += CHUNK_ROWS) {
    size_t b = a + CHUNK_ROWS < j1 ? a + CHUNK_ROWS : j1;
    gradient_rows(r, j->xq, cur, j->e, m, a, b, j->c->l2);
    update_range(r, j->c, step, a * nc, b * nc);
  }
  if (t == tm->n - 1) { /* the biases follow the last row: the last thread's */
    size_t nw = (size_t)nc * r->nin;
    for (uint32_t c = 0; c < nc; c++) {
      double g = 0;
      for (uint32_t q = 0; q < m; q++)
        g += j->e[q * nc + c];
      r->g[nw + c] = g;
    }
    update_range(r, j->c, step, nw, r->np);
  }
  if (t == 0) {
    double loss = 0;
    for (uint32_t k = 0; k < m * nc; k++)
      loss -= j->lt[k];
    j->loss += loss / m;
  }
}

static void epoch_member(void *arg, ex_team *tm, unsigned t) {
  epoch_job *j = arg;
  uint64_t step = j->step0;
  for (uint32_t b0 = 0; b0 < j->n; b0 += j->bs) {
    uint32_t m = j->n - b0 < j->bs ? j->n - b0 : j->bs;
    forward_share(j, tm, t, b0, m);
    ex_team_sync(tm);
    update_share(j, tm, t, m, ++step);
    ex_team_sync(tm);
  }
}

/* One epoch on sparse rows x (n samples). NAN on OOM. */
static double train_epoch(ex_readout *r, const sparse_rows *x, const uint8_t *labels, uint32_t n,
                          const ex_train_config *c, uint32_t epoch) {
  IR_ASSERT(r->nclass <= 64);
  uint32_t bs = c->batch ? c->batch : 1;
  unsigned nt = c->threads ? (c->threads < MAX_TEAM ? c->threads : MAX_TEAM) : 1;
  epoch_job j = {.r = r, .x = x, .labels = labels, .n = n, .bs = bs, .c = c, .step0 = r->t};
  uint32_t *idx = malloc((n ? n : 1) * sizeof(uint32_t));
  j.xq = malloc(bs * sizeof(srow));
  j.cur = malloc((size_t)nt * bs * sizeof(uint32_t));
  j.e = malloc((size_t)bs * r->nclass * sizeof(double));
  j.lt = malloc((size_t)bs * r->nclass * sizeof(double));
  double loss = NAN;
  if (idx && j.xq && j.cur && j.e && j.lt) {
    shuffle(idx, n, c->seed, epoch);
    j.idx = idx;
    ex_team_run(nt, epoch_member, &j);
    uint32_t nb = (n + bs - 1) / bs;
    r->t += nb;
    loss = nb ? j.loss / nb : 0.0;
  }
  free(idx);
  free(j.xq);
  free(j.cur);
  free(j.e);
  free(j.lt);
  return loss;
}

double ex_readout_epoch(ex_readout *r, const float *x, const uint8_t *labels, uint32_t n, const ex_train_config *c,
                        uint32_t epoch) {
  sparse_rows sp;
  if (!sparse_build(&sp, x, n, r->nin))
    return NAN;
  double loss = train_epoch(r, &sp, labels, n, c, epoch);
  sparse_free(&sp);
  return loss;
}

/* Evaluation: every thread predicts a share of each split's samples; the counts are summed. */
typedef struct eval_job {
  const ex_readout *r;
  const ex_split_data *s;
  const sparse_rows *sp;
  uint32_t ns;
  uint32_t ok[MAX_TEAM][8]; /* per thread, per split (at most 8 splits) */
} eval_job;

static void eval_member(void *arg, ex_team *tm, unsigned t) {
  eval_job *j = arg;
  const uint32_t nc = j->r->nclass;
  for (uint32_t k = 0; k < j->ns; k++) {
    size_t a, b;
    ex_team_share(t, tm->n, j->s[k].n, 1, &a, &b);
    const uint8_t *y = j->s[k].labels;
    uint32_t ok = 0;
    for (size_t i = a; i < b; i += 2) {
      double za[64], zb[64];
      srow xa = sparse_row(&j->sp[k], (uint32_t)i);
      if (i + 1 < b) {
        logits_sparse2(j->r, xa, sparse_row(&j->sp[k], (uint32_t)i + 1), za, zb);
        ok += (argmax(za, nc) == y[i]) + (argmax(zb, nc) == y[i + 1]);
      } else {
        logits_sparse(j->r, xa, za);
        ok += argmax(za, nc) == y[i];
      }
    }
    j->ok[t][k] = ok;
  }
}

static void evaluate(const ex_readout *r, const ex_split_data *s, const sparse_rows *sp, uint32_t ns,
                     unsigned threads, double *acc) {
  eval_job j = {.r = r, .s = s, .sp = sp, .ns = ns};
  IR_ASSERT(ns <= 8 && r->nclass <= 64);
  ex_team_run(threads ? (threads < MAX_TEAM ? threads : MAX_TEAM) : 1, eval_member, &j);
  for (uint32_t k = 0; k < ns; k++) {
    uint32_t ok = 0;
    for (unsigned t = 0; t < MAX_TEAM; t++)
      ok += j.ok[t][k];
    acc[k] = s[k].n ? (double)ok / s[k].n : 0.0;
  }
}

/* Builds sparse rows of the ns splits; false (nothing left allocated) on OOM. */
static bool sparse_splits(sparse_rows *sp, const ex_split_data *s, uint32_t ns, uint32_t nin) {
  for (uint32_t k = 0; k < ns; k++)
    if (!sparse_build(&sp[k], s[k].x, s[k].n, nin)) {
      while (k-- > 0)
        sparse_free(&sp[k]);
      return false;
    }
  return true;
}

void ex_readout_evaluate(const ex_readout *r, const ex_split_data *s, uint32_t ns, unsigned threads, double *acc) {
  sparse_rows sp[8] = {{0}};
  IR_ASSERT(ns <= 8);
  if (!sparse_splits(sp, s, ns, r->nin)) { /* no memory for the sparse rows: the plain loop */
    for (uint32_t k = 0; k < ns; k++)
      acc[k] = ex_readout_accuracy(r, s[k].x, s[k].labels, s[k].n);
    return;
  }
  evaluate(r, s, sp, ns, threads, acc);
  for (uint32_t k = 0; k < ns; k++)
    sparse_free(&sp[k]);
}

static double seconds_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

bool ex_readout_fit(const ex_split_data *train, const ex_split_data *val, const ex_split_data *test, uint32_t nin,
                    const ex_train_config *c, ex_epoch_stats *hist, uint32_t *best) {
  ex_readout *r = ex_readout_create(nin, EX_CLASSES);
  if (!r)
    return false;
  const ex_split_data splits[3] = {*train, *val, *test};
  sparse_rows sp[3];
  if (!sparse_splits(sp, splits, 3, nin)) {
    ex_readout_destroy(r);
    return false;
  }
  ex_team_choice tc;
  ex_team_choice_init(&tc, c->threads);
  ex_train_config ec = *c;
  *best = 0;
  for (uint32_t e = 0; e < c->epochs; e++) {
    double t0 = seconds_now(), acc[3];
    ex_epoch_stats *h = &hist[e];
    ec.threads = ex_team_choose(&tc, e);
    h->loss = train_epoch(r, &sp[0], train->labels, train->n, &ec, e);
    ex_team_timed(&tc, ec.threads, e, seconds_now() - t0);
    evaluate(r, splits, sp, 3, tc.want, acc); /* one join per split: no barrier to wait at */
    h->train = acc[0], h->val = acc[1], h->test = acc[2];
    if (h->val > hist[*best].val)
      *best = e;
    if (c->on_epoch)
      c->on_epoch(c->arg, e, h, seconds_now() - t0, ec.threads);
  }
  for (int k = 0; k < 3; k++)
    sparse_free(&sp[k]);
  ex_readout_destroy(r);
  return true;
}
