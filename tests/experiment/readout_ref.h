/* readout_ref.h — the pre-threading readout kept as a reference for tests and the bench (readout_ref.c). */
#ifndef ASTROC_READOUT_REF_H
#define ASTROC_READOUT_REF_H

#include "experiment.h"

typedef struct ref_readout ref_readout;
ref_readout *ref_readout_create(uint32_t nin, uint32_t nclass);
void ref_readout_destroy(ref_readout *r);
double ref_readout_accuracy(const ref_readout *r, const float *x, const uint8_t *labels, uint32_t n);
double ref_readout_epoch(ref_readout *r, const float *x, const uint8_t *labels, uint32_t n, const ex_train_config *c,
                         uint32_t epoch);
/* All parameters (W feature-major, then b); *np receives their number. */
const double *ref_readout_params(const ref_readout *r, size_t *np);

#endif
