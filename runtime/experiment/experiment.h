/* experiment.h — multi-phase experiments on libastroc-rt (prefix ex_): the NALSM protocol runner
 * (initialisation, response generation, readout training), the linear softmax readout with Adadelta,
 * the features cache, the branching factor, and the report writer (markdown + SVG plots).
 *
 * Protocol, file formats and definitions: docs/experiments.md. Every function that can fail on user
 * input or I/O reports through ir_diag and returns false / NULL; internal invariants use IR_ASSERT.
 */
#ifndef ASTROC_EXPERIMENT_H
#define ASTROC_EXPERIMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "astroc_rt.h"

#define EX_CLASSES 10u

/* ================================================================ readout */

struct ex_epoch_stats;

typedef enum ex_optimizer { EX_OPT_ADADELTA, EX_OPT_SGD, EX_OPT_ADAM } ex_optimizer;

typedef struct ex_train_config {
  ex_optimizer opt;
  double lr;      /* 0.1 (NALSM) */
  double l2;      /* loss += l2 * sum(W^2) over the weights (not the biases) */
  double rho;     /* Adadelta decay, 0.95 */
  double eps;     /* Adadelta / Adam epsilon, 1e-7 */
  uint32_t batch; /* mini-batch size, 10 */
  uint32_t epochs;
  uint64_t seed;  /* shuffling: a pure function of (seed, epoch) */
  unsigned threads; /* 0 or 1: the calling thread only. Results are identical for any number. */
  /* NULL, or called by ex_readout_fit after each epoch with its statistics, the seconds it took (training and
   * evaluation) and the threads that trained it (ex_readout_fit times `threads` against one thread and
   * trains on whichever is faster): the experiment's progress line. */
  void (*on_epoch)(void *arg, uint32_t epoch, const struct ex_epoch_stats *h, double seconds, unsigned threads);
  void *arg;
} ex_train_config;

/* The NALSM defaults above (Adadelta, lr 0.1, l2 5e-10, rho 0.95, eps 1e-7, batch 10, 20 epochs). */
ex_train_config ex_train_defaults(void);

/* Soft target of class `label` among n: softmax(z) with z = +1 for the label and -1 elsewhere. */
void ex_soft_targets(uint32_t label, uint32_t n, double *t);

/* One Adadelta step over n parameters (TensorFlow's form):
 *   Eg  = rho*Eg + (1-rho)*g^2;   u = sqrt(Ed + eps) / sqrt(Eg + eps) * g;
 *   Ed  = rho*Ed + (1-rho)*u^2;   x = x - lr*u                                       */
void ex_adadelta_step(double *x, double *eg, double *ed, const double *g, size_t n, double lr, double rho, double eps);

/* In place: each row divided by its L1 norm (a zero row stays zero), then everything divided by the
 * largest value of the matrix (the "batch max"; no-op when it is 0). */
void ex_features_normalise(float *x, uint32_t rows, uint32_t cols);

/* A linear softmax layer, zero-initialised: logits = W x + b. */
typedef struct ex_readout ex_readout;
ex_readout *ex_readout_create(uint32_t nin, uint32_t nclass); /* NULL on OOM */
void ex_readout_destroy(ex_readout *r);
uint32_t ex_readout_predict(const ex_readout *r, const float *x);
/* Fraction of rows of x (n x nin) whose prediction equals labels[i]; 0 when n = 0. */
double ex_readout_accuracy(const ex_readout *r, const float *x, const uint8_t *labels, uint32_t n);
/* One epoch of mini-batch training on soft targets; returns the mean cross-entropy. With c->threads > 1 the
 * samples of a batch are split among the threads for the forward pass and the parameters (whole feature
 * rows of W) for the gradient and the update; every value is computed by the same operations in the same
 * order as with one thread, so the results are bit-identical (docs/experiments.md, "Readout"). NAN on OOM. */
double ex_readout_epoch(ex_readout *r, const float *x, const uint8_t *labels, uint32_t n, const ex_train_config *c,
                        uint32_t epoch);
/* Read-only access to the parameters (W feature-major: weight (class c, feature j) at [j*nclass + c];
 * then b), for tests. */
const double *ex_readout_weights(const ex_readout *r);
const double *ex_readout_bias(const ex_readout *r);
/* Copies the nclass*nin + nclass parameters (W feature-major, then b) to out. */
void ex_readout_params(const ex_readout *r, double *out);

typedef struct ex_split_data {
  const float *x;        /* n x nin, normalised */
  const uint8_t *labels; /* n */
  uint32_t n;
} ex_split_data;

/* acc[s] = ex_readout_accuracy over split s of the ns splits, the samples shared among `threads` threads
 * (0 or 1: the calling thread only; a thread that cannot be started has its share run by the caller). */
void ex_readout_evaluate(const ex_readout *r, const ex_split_data *s, uint32_t ns, unsigned threads, double *acc);

typedef struct ex_epoch_stats {
  double loss, train, val, test; /* accuracies in [0,1] after the epoch */
} ex_epoch_stats;

/* Trains c->epochs epochs, evaluating after each: hist[0..epochs). *best = the first epoch of the highest
 * validation accuracy (the reported test accuracy is hist[*best].test). false on OOM. */
bool ex_readout_fit(const ex_split_data *train, const ex_split_data *val, const ex_split_data *test, uint32_t nin,
                    const ex_train_config *c, ex_epoch_stats *hist, uint32_t *best);

/* ================================================================ branching factor */

typedef struct ex_spike {
  uint32_t step, neuron;
} ex_spike;

/* Adjacency over neurons 0..n: targets of neuron i are col[row_ptr[i] .. row_ptr[i+1]). */
typedef struct ex_graph {
  uint32_t n;
  uint64_t *row_ptr;
  uint32_t *col;
} ex_graph;

/* Branching factor of a raster (docs/experiments.md). For each spike (i, t):
 *   d = spikes of i's targets at steps t+1 .. t+window,  a = spikes of i's sources at steps t-window .. t-1;
 *   sigma = mean of d/a over the spikes with a > 0 (0 when there is none).
 * desc and anc (may be NULL) receive the sums of d and a (always equal up to edge effects). false on OOM. */
bool ex_branching_factor(const ex_graph *g, const ex_spike *sp, size_t n, uint32_t window, double *sigma,
                         double *desc, double *anc);

/* ================================================================ features cache */

/* A features file: a header, then one row per sample: u8 label, then nfeat u16 spike counts.
 *   "ASTROCFT" | u32 version=1 | u32 nfeat | u64 fingerprint | rows...
 * Rows are appended as samples complete (in sample order), so an interrupted file is a valid prefix. */
typedef struct ex_cache ex_cache;
/* Opens `path` for appending rows of nfeat features. When the file exists with the same fingerprint and
 * nfeat, its complete rows are kept (*have = their number) and a partial last row is cut; otherwise it is
 * started afresh (*have = 0). NULL after an error in d. */
ex_cache *ex_cache_open(const char *path, uint32_t nfeat, uint64_t fingerprint, uint32_t *have, ir_diag *d);
bool ex_cache_append(ex_cache *c, const uint8_t *labels, const uint16_t *counts, uint32_t rows, ir_diag *d);
bool ex_cache_close(ex_cache *c, ir_diag *d);
/* Reads the first n rows into x (n x nfeat, as floats) and labels. false if the file has fewer rows. */
bool ex_cache_read(const char *path, uint32_t nfeat, uint64_t fingerprint, uint32_t n, float *x, uint8_t *labels,
                   ir_diag *d);

/* FNV-1a 64 over bytes, continuing from h (start with EX_FNV_INIT). */
#define EX_FNV_INIT UINT64_C(0xcbf29ce484222325)
uint64_t ex_fnv(uint64_t h, const void *p, size_t n);

/* ================================================================ the protocol runner */

/* Applies "NODE.PARAM=VALUE" (VALUE: a number with an optional unit, "0.01", "0.15 mV") to the parameter
 * PARAM of the astrocyte, population or plastic projection NODE: a constant replacing the model's value.
 * Checks the name, the dimension and the model table's range; false after an error in d. */
bool ex_set_apply(ir_module *m, const char *spec, ir_diag *d);

/* The headline numbers of a finished run (filled when ex_options.summary is not NULL). */
typedef struct ex_summary {
  double test, val;         /* accuracies in [0,1] at the best-validation epoch */
  double sigma, sigma_sd;   /* branching factor over the recorded test samples */
  uint32_t best_epoch;      /* 1-based */
} ex_summary;

typedef struct ex_options {
  const char *model_path; /* for the report and the fingerprint (its bytes are hashed) */
  const char *out_dir;    /* created if missing; holds caches, state files, report.md, plots */
  uint64_t samples;       /* 0: no cap; else caps the init phase and every response split */
  int64_t init_samples;   /* -1: the init phase's `samples` capped by `samples`; else exactly this many */
  unsigned threads;       /* response workers; 0: 1 */
  int numerics;           /* -1: the module's */
  const char *data_dir;   /* NULL: the default data set search */
  bool progress;          /* progress lines on stderr */
  uint32_t record;        /* test samples recorded for the raster/astrocyte plots and branching factor (>= 1) */
  uint32_t window;        /* branching window in steps (3) */
  uint32_t batch;         /* readout mini-batch size; 0: the default (ex_train_defaults) */
  uint32_t epochs;        /* readout epochs; 0: the readout phase's */
  const char *const *sets; /* nsets "NODE.PARAM=VALUE" already applied to the module (ex_set_apply): they */
  uint32_t nsets;          /* enter the caches' fingerprint and the report */
  ex_summary *summary;     /* NULL, or receives the result */
} ex_options;

/* Runs the module's protocol (docs/experiments.md) and writes out_dir/report.md. The module must be expanded
 * (layout + expand passes); its dataset input is converted in place to an injection-driven input (the runner
 * presents samples itself). Returns 0 on success, 1 after a user/I-O error reported through d, 3 on an
 * internal error. */
int ex_run(ir_module *m, const ex_options *o, ir_diag *d);

/* ================================================================ parameter sweeps */

/* One run of a sweep: the swept value and its result. */
typedef struct ex_sweep_point {
  double value;
  const char *dir; /* the run's output folder, relative to the sweep's */
  ex_summary s;
} ex_sweep_point;

/* Writes dir/sweep.md (a table: value, test and validation accuracy, branching factor) and the plots
 * dir/sweep_branching.svg and dir/sweep_accuracy.svg against the swept parameter `param`
 * ("NODE.PARAM"). false after an I/O error in d. */
bool ex_sweep_write(const char *dir, const char *model_path, const char *param, const ex_sweep_point *pt, size_t n,
                    uint32_t window, ir_diag *d);

/* ================================================================ SVG plots */

typedef struct ex_series {
  const char *name;
  const double *x, *y;
  size_t n;
} ex_series;

/* Line plot of up to 6 series; false after reporting an I/O error. */
bool ex_svg_lines(const char *path, const char *title, const char *xlabel, const char *ylabel, const ex_series *s,
                  size_t ns, ir_diag *d);
/* Overlaid histograms (bars as outlines) of up to 6 value sets over a common range with nbins bins. */
bool ex_svg_hist(const char *path, const char *title, const char *xlabel, const ex_series *s, size_t ns,
                 uint32_t nbins, ir_diag *d);
/* Raster: one dot per spike; neurons 0..nneurons on the y axis, steps 0..nsteps on x. */
bool ex_svg_raster(const char *path, const char *title, const ex_spike *sp, size_t n, uint32_t nneurons,
                   uint32_t nsteps, double dt_ms, ir_diag *d);

#endif /* ASTROC_EXPERIMENT_H */
