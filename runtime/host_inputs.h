/* host_inputs.h — input spikes and injected currents computed on the host for engines whose network runs
 * elsewhere (rtl under Verilator, serial on a board). The inputs are simulated by an interp on a module that
 * holds copies of the inputs only (same indices and seed, so the same random streams as the interp engine);
 * current injection is left to the engine, which adds `cur` for each input event. */
#ifndef ASTROC_RT_HOST_INPUTS_H
#define ASTROC_RT_HOST_INPUTS_H

#include "astroc_rt.h"

typedef struct rt_host_inputs {
  const ir_module *m; /* borrowed: the network's module */
  ir_module *inm;     /* owned: its inputs alone */
  rt_sim *insim;      /* owned: an interp simulating inm */
  uint32_t **idx;     /* [ninputs][size]: the spiking neurons of the current step, ascending */
  uint32_t *n;        /* [ninputs]: how many */
  int64_t **cur;      /* [ninputs][size]: injected current per event in fine units, NULL when no inject */
} rt_host_inputs;

/* Builds everything for module m (fixed numerics) with the given seed. false after reporting. */
bool rt_host_inputs_create(rt_host_inputs *h, const ir_module *m, uint64_t seed, const rt_options *opt,
                           ir_diag *d);
/* Computes the next step's input spikes into idx/n. */
bool rt_host_inputs_step(rt_host_inputs *h, ir_diag *d);
/* rt_sim_inject on an input: it spikes at the next step. */
bool rt_host_inputs_inject(rt_host_inputs *h, ir_ref source, uint32_t idx);
void rt_host_inputs_destroy(rt_host_inputs *h);

#endif
