/* readout_ref.c — the readout as it was before it was threaded (commit a994e5e's runtime/experiment/readout.c,
 * names prefixed ref_): the reference the threaded readout must match bit for bit. Kept verbatim in its
 * arithmetic; only the names and the parameter accessor differ. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "readout_ref.h"
#include "rng.h"

struct ref_readout {
  uint32_t nin, nclass;
  size_t np;        /* nclass*nin weights + nclass biases, one array */
  double *p;        /* parameters: W row-major, then b */
  double *s1, *s2;  /* optimiser state (Adadelta Eg/Ed, Adam m/v) */
  double *g;        /* gradient of the current batch */
  uint64_t t;       /* optimiser steps taken (Adam bias correction) */
};

/* The readout's two hot loops are also built for AVX2 and picked at load time (results are identical:
 * the same IEEE operations, no FMA, only wider vectors). */
#if defined(__GNUC__) && defined(__x86_64__) && defined(__linux__)
#define HOT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define HOT_CLONES
#endif

HOT_CLONES static void ref_adadelta_step(double *x, double *eg, double *ed, const double *g, size_t n, double lr, double rho,
                      double eps) {
  for (size_t k = 0; k < n; k++) {
    eg[k] = rho * eg[k] + (1 - rho) * g[k] * g[k];
    double u = sqrt(ed[k] + eps) / sqrt(eg[k] + eps) * g[k];
    ed[k] = rho * ed[k] + (1 - rho) * u * u;
    x[k] -= lr * u;
  }
}

static void adam_step(ref_readout *r, const ex_train_config *c) {
  const double b1 = 0.9, b2 = 0.999;
  r->t++;
  double c1 = 1 - pow(b1, (double)r->t), c2 = 1 - pow(b2, (double)r->t);
  for (size_t k = 0; k < r->np; k++) {
    r->s1[k] = b1 * r->s1[k] + (1 - b1) * r->g[k];
    r->s2[k] = b2 * r->s2[k] + (1 - b2) * r->g[k] * r->g[k];
    r->p[k] -= c->lr * (r->s1[k] / c1) / (sqrt(r->s2[k] / c2) + c->eps);
  }
}

ref_readout *ref_readout_create(uint32_t nin, uint32_t nclass) {
  ref_readout *r = calloc(1, sizeof(*r));
  if (!r)
    return NULL;
  r->nin = nin;
  r->nclass = nclass;
  r->np = (size_t)nclass * nin + nclass;
  r->p = calloc(r->np, sizeof(double));
  r->s1 = calloc(r->np, sizeof(double));
  r->s2 = calloc(r->np, sizeof(double));
  r->g = calloc(r->np, sizeof(double));
  if (!r->p || !r->s1 || !r->s2 || !r->g) {
    ref_readout_destroy(r);
    return NULL;
  }
  return r;
}

void ref_readout_destroy(ref_readout *r) {
  if (!r)
    return;
  free(r->p);
  free(r->s1);
  free(r->s2);
  free(r->g);
  free(r);
}

const double *ref_readout_params(const ref_readout *r, size_t *np) {
  *np = r->np;
  return r->p;
}
static const double *ref_readout_bias(const ref_readout *r) { return r->p + (size_t)r->nclass * r->nin; }

/* z = W x + b, W stored feature-major (the nclass weights of feature j are contiguous), so the classes
 * advance together, feature by feature: each class's sum is still taken in feature order (the rounding of
 * a plain dot product), but the sums are independent chains the CPU overlaps. Ten classes (every data set
 * here) get accumulators the compiler keeps in registers. */
HOT_CLONES static void logits(const ref_readout *r, const float *restrict x, double *restrict z) {
  const double *restrict b = ref_readout_bias(r);
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

static uint32_t ref_readout_predict(const ref_readout *r, const float *x) {
  double z[64];
  IR_ASSERT(r->nclass <= 64);
  logits(r, x, z);
  uint32_t best = 0;
  for (uint32_t c = 1; c < r->nclass; c++)
    if (z[c] > z[best])
      best = c;
  return best;
}

double ref_readout_accuracy(const ref_readout *r, const float *x, const uint8_t *labels, uint32_t n) {
  uint32_t ok = 0;
  for (uint32_t i = 0; i < n; i++)
    ok += ref_readout_predict(r, x + (size_t)i * r->nin) == labels[i];
  return n ? (double)ok / n : 0.0;
}

/* Gradient of the mean soft-target cross-entropy over rows idx[0..m) plus the L2 term; returns the loss. */
static double batch_gradient(ref_readout *r, const float *x, const uint8_t *labels, const uint32_t *idx, uint32_t m,
                             double l2) {
  double z[64], t[64], loss = 0;
  size_t nw = (size_t)r->nclass * r->nin;
  IR_ASSERT(r->nclass <= 64);
  memset(r->g, 0, r->np * sizeof(double));
  for (uint32_t q = 0; q < m; q++) {
    const float *xi = x + (size_t)idx[q] * r->nin;
    double e[64];
    logits(r, xi, z);
    softmax(z, r->nclass);
    ex_soft_targets(labels[idx[q]], r->nclass, t);
    for (uint32_t c = 0; c < r->nclass; c++) {
      loss -= t[c] * log(z[c] > 1e-300 ? z[c] : 1e-300);
      e[c] = (z[c] - t[c]) / m;
      r->g[nw + c] += e[c];
    }
    for (uint32_t j = 0; j < r->nin; j++) {
      double xj = (double)xi[j];
      double *gw = r->g + (size_t)j * r->nclass;
      for (uint32_t c = 0; c < r->nclass; c++)
        gw[c] += e[c] * xj;
    }
  }
  for (size_t k = 0; k < nw; k++)
    r->g[k] += 2 * l2 * r->p[k];
  return loss / m;
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

double ref_readout_epoch(ref_readout *r, const float *x, const uint8_t *labels, uint32_t n, const ex_train_config *c,
                        uint32_t epoch) {
  uint32_t *idx = malloc((n ? n : 1) * sizeof(uint32_t));
  if (!idx)
    return NAN;
  shuffle(idx, n, c->seed, epoch);
  uint32_t bs = c->batch ? c->batch : 1;
  double loss = 0;
  uint32_t nb = 0;
  for (uint32_t b = 0; b < n; b += bs, nb++) {
    uint32_t m = n - b < bs ? n - b : bs;
    loss += batch_gradient(r, x, labels, idx + b, m, c->l2);
    if (c->opt == EX_OPT_ADADELTA)
      ref_adadelta_step(r->p, r->s1, r->s2, r->g, r->np, c->lr, c->rho, c->eps);
    else if (c->opt == EX_OPT_ADAM)
      adam_step(r, c);
    else
      for (size_t k = 0; k < r->np; k++)
        r->p[k] -= c->lr * r->g[k];
  }
  free(idx);
  return nb ? loss / nb : 0.0;
}

