/* pipeline.c — the default pass pipeline, as data (names are what --print-after accepts). */
#include "passes.h"

static const ir_pass default_pipeline[] = {
    {"layout", "assign grid sites to the populations of each grid (random, keyed by seed and grid)", pass_layout},
    {"expand", "expand connectivity rules into CSR synapses with weights and delays", pass_expand},
};

const ir_pass *pass_pipeline(size_t *n) {
  *n = sizeof default_pipeline / sizeof default_pipeline[0];
  return default_pipeline;
}
