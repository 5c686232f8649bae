/* host_inputs.c — input spikes and injected currents computed on the host for the rtl and serial engines. */
#include "host_inputs.h"

#include <stdlib.h>
#include <string.h>

#include "fixed.h"
#include "rng.h"

static void on_input_spikes(void *ctx, uint64_t step, ir_ref source, const uint32_t *idx, uint32_t n) {
  rt_host_inputs *h = ctx;
  (void)step;
  if (source.kind != IR_NODE_INPUT || source.index >= h->m->ninputs)
    return;
  memcpy(h->idx[source.index], idx, n * sizeof(uint32_t));
  h->n[source.index] = n;
}

/* A module holding copies of the inputs only (same indices, so the same RNG streams), without current
 * injection, which the engine applies itself. */
static bool create_input_sim(rt_host_inputs *h, uint64_t seed, const rt_options *opt, ir_diag *d) {
  const ir_module *m = h->m;
  if (!(h->inm = ir_module_create(m->name ? m->name : "inputs")))
    return false;
  h->inm->dt = m->dt;
  h->inm->seed = seed;
  h->inm->numerics = IR_NUMERICS_FIXED;
  h->inm->v_unit = m->v_unit;
  for (uint32_t k = 0; k < m->ninputs; k++) {
    const ir_input *src = &m->inputs[k];
    if (ir_add_input(h->inm, src->name, src->kind, src->size, src->loc) < 0)
      return false;
    ir_input *dst = &h->inm->inputs[k];
    const char *name = dst->name;
    *dst = *src; /* strings stay owned by m, which outlives this object */
    dst->name = name;
    dst->inject_into = -1;
    dst->attrs = (ir_attrs){0};
  }
  rt_options io = {.engine = "interp", .numerics = IR_NUMERICS_FIXED, .seed_set = true, .seed = seed,
                   .data_dir = opt ? opt->data_dir : NULL};
  if (!(h->insim = rt_sim_create(h->inm, &io, d)))
    return false;
  rt_sim_on_spikes(h->insim, on_input_spikes, h);
  return true;
}

/* inputs.c's injection currents: drawn per input neuron, fine units, saturated. */
static bool create_currents(rt_host_inputs *h, uint64_t seed) {
  const ir_module *m = h->m;
  for (uint32_t k = 0; k < m->ninputs; k++) {
    const ir_input *ii = &m->inputs[k];
    if (!(h->idx[k] = calloc(ii->size ? ii->size : 1, sizeof(uint32_t))))
      return false;
    if (ii->inject_into < 0)
      continue;
    if (!(h->cur[k] = calloc(ii->size ? ii->size : 1, sizeof(int64_t))))
      return false;
    uint64_t stream = RNG_STREAM(RNG_KIND_RUNTIME, k);
    for (uint32_t i = 0; i < ii->size; i++) {
      double c = ir_value_sample(&ii->inject_current, seed, stream, 1, i);
      h->cur[k][i] = isnan(c) ? 0 : ir_fx_sat24(ir_fx_fine(c, m->v_unit));
    }
  }
  return true;
}

bool rt_host_inputs_create(rt_host_inputs *h, const ir_module *m, uint64_t seed, const rt_options *opt,
                           ir_diag *d) {
  memset(h, 0, sizeof(*h));
  h->m = m;
  size_t ni = m->ninputs ? m->ninputs : 1;
  h->idx = calloc(ni, sizeof(*h->idx));
  h->n = calloc(ni, sizeof(*h->n));
  h->cur = calloc(ni, sizeof(*h->cur));
  if (!h->idx || !h->n || !h->cur || !create_currents(h, seed)) {
    ir_error(d, m->loc, "out of memory preparing the inputs");
    return false;
  }
  return create_input_sim(h, seed, opt, d);
}

bool rt_host_inputs_step(rt_host_inputs *h, ir_diag *d) {
  memset(h->n, 0, (h->m->ninputs ? h->m->ninputs : 1) * sizeof(*h->n));
  return rt_sim_run(h->insim, 1, d);
}

bool rt_host_inputs_inject(rt_host_inputs *h, ir_ref source, uint32_t idx) {
  return rt_sim_inject(h->insim, source, idx);
}

void rt_host_inputs_destroy(rt_host_inputs *h) {
  rt_sim_destroy(h->insim);
  ir_module_destroy(h->inm);
  if (h->m)
    for (uint32_t k = 0; k < h->m->ninputs; k++) {
      free(h->idx ? h->idx[k] : NULL);
      free(h->cur ? h->cur[k] : NULL);
    }
  free(h->idx);
  free(h->n);
  free(h->cur);
  memset(h, 0, sizeof(*h));
}
