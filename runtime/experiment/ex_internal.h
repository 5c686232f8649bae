/* ex_internal.h — types shared by the protocol runner's files (present.c, protocol.c, report.c). */
#ifndef ASTROC_EX_INTERNAL_H
#define ASTROC_EX_INTERNAL_H

#include "dataset.h"
#include "experiment.h"

/* Tags of the input draws: the phase a sample is presented in is part of the random key. */
enum { EX_TAG_INIT = 1, EX_TAG_RESPONSE = 2 };

/* One init or response phase, from the protocol's attributes (docs/experiments.md). */
typedef struct ex_phase_cfg {
  bool present;
  const char *name;
  uint64_t samples;     /* 0: every sample of the split (response), required for init */
  double sample_time;   /* ms */
  rt_split split;       /* init only */
  bool plasticity;
  double rate_decay;    /* 1: none */
  bool restore;         /* response: start every sample from the state after initialisation */
  ir_loc loc;
} ex_phase_cfg;

typedef struct ex_protocol {
  ex_phase_cfg init, resp;
  ex_train_config readout;
  const char *readout_name;
} ex_protocol;

/* The samples a phase shows and how: the dataset input, its encoding, the loaded splits. */
typedef struct ex_stim {
  ir_ref input;
  uint32_t npix;
  ir_encoding enc;
  double scale;          /* rate: max_rate*dt; bernoulli: p_max */
  uint64_t seed;
  rt_dataset *ds[3];     /* train, validation, test */
} ex_stim;

/* What a worker observes of one sample. */
typedef struct ex_obs {
  const int64_t *offset; /* per population: first feature index, or -1 when not in the liquid */
  uint32_t nfeat;
  uint16_t *counts;      /* nfeat spike counts of the current sample */
  uint64_t step0;        /* the simulation step the sample started at */
  bool record;           /* keep the raster and astrocyte trace of this sample */
  ex_spike *sp;
  size_t nsp, cap;
  bool oom;
  int32_t astro;         /* astrocyte index to trace, -1 none */
  double *trace;         /* per step: the effective astrocyte state (state x gain) */
  double gain;
} ex_obs;

/* A simulation with its observer; one per thread. */
typedef struct ex_worker {
  rt_sim *sim;
  ex_obs obs;
  uint64_t *pq;          /* npix Q32 probabilities of the current sample */
} ex_worker;

/* present.c */
bool ex_stim_open(ex_stim *st, ir_module *m, const char *data_dir, ir_diag *d);
void ex_stim_close(ex_stim *st);
bool ex_worker_init(ex_worker *w, const ir_module *m, const rt_options *ro, const ex_stim *st, const int64_t *offset,
                    uint32_t nfeat, int32_t astro, uint32_t max_steps, ir_diag *d);
void ex_worker_free(ex_worker *w);
/* Runs sample `sample` of `split` for `steps` steps (counts reset first); the learning-rate gain is
 * 1 (or 0 without plasticity) at the first step and multiplied by rate_decay after each. */
bool ex_present(ex_worker *w, const ex_stim *st, int tag, rt_split split, uint32_t sample, uint32_t steps,
                const ex_phase_cfg *ph, ir_diag *d);

/* Results gathered for the report. */
typedef struct ex_phase_time {
  double seconds;
  uint64_t samples;      /* samples simulated in this run (cached ones excluded) */
  uint64_t cached;       /* samples taken from the cache */
} ex_phase_time;

typedef struct ex_results {
  const char *model_name;
  const char *dataset;
  uint64_t init_samples;
  uint32_t split_n[3];
  ex_phase_time t_init, t_resp[3], t_readout;
  double t_readout_load;      /* of t_readout: reading and normalising the features */
  unsigned readout_threads;   /* requested (--threads) */
  uint32_t readout_multi;     /* epochs trained on readout_threads threads (the others: on one, faster then) */
  ex_epoch_stats *hist;
  uint32_t epochs, best;
  double *w_before, *w_after; /* plastic weights, mV */
  uint64_t nw;
  ex_spike *raster;           /* of recorded test sample 0 */
  size_t nraster;
  uint32_t raster_steps, nfeat;
  double *trace;              /* astrocyte over recorded test sample 0, or NULL */
  double sigma, sigma_sd;     /* branching factor over the recorded samples */
  uint32_t sigma_n, window;
  double dt;
  unsigned threads;
  const char *numerics;
} ex_results;

/* report.c */
bool ex_report_write(const char *dir, const ex_options *o, const ex_protocol *p, const ex_results *r, ir_diag *d);

#endif
