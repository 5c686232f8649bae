/* lh_config.c — freeing an lh_config (shared by the compiler side and the runtime's configuration
 * reader): every array reachable from it. */
#include <stdlib.h>

#include "lh_internal.h"

void lh_tables_reset(lh_config *c) {
  for (uint32_t k = 0; c->cores && k < c->ncores; k++) {
    lh_core *core = &c->cores[k];
    free(core->cx);
    free(core->axin);
    free(core->words);
    free(core->out_ptr);
    free(core->out);
  }
  for (uint32_t k = 0; c->inputs && k < c->ninputs; k++) {
    lh_input *in = &c->inputs[k];
    free(in->name);
    free(in->p_q);
    free(in->ev_step);
    free(in->ev_neuron);
    free(in->dataset);
    free(in->split);
    free(in->inject);
    free(in->out_ptr);
    free(in->out);
  }
  for (uint32_t k = 0; c->pops && k < c->npops; k++)
    free(c->pops[k].name);
  for (uint32_t k = 0; c->astros && k < c->nastros; k++) {
    free(c->astros[k].name);
    free(c->astros[k].listen_kind);
    free(c->astros[k].listen_index);
    free(c->astros[k].listen_sign);
    free(c->astros[k].tri);
    free(c->astros[k].mod_proj);
    free(c->astros[k].target_pop);
  }
  free(c->cores);
  free(c->inputs);
  free(c->pops);
  free(c->rules);
  free(c->astros);
  c->cores = NULL;
  c->inputs = NULL;
  c->pops = NULL;
  c->rules = NULL;
  c->astros = NULL;
  c->ncores = c->ninputs = c->npops = c->nrules = c->nastros = 0;
}

void lh_config_free(lh_config *c) {
  if (!c)
    return;
  lh_tables_reset(c);
  free(c->kernels);
  free(c->name);
  free(c);
}
