/* context.c — the mapping context (target, options, plan) the passes share, and the pipeline.
 *
 * The passes have the plain ir_pass signature, so the target travels beside them: one static
 * context per process, installed by map_context_set / map_pipeline. Not thread-safe (one mapping
 * at a time), which is what the astroc command needs. */
#include <stdlib.h>
#include <string.h>

#include "mapping.h"
#include "passes.h"

static map_target ctx_target;
static bool ctx_has_target;
static map_options ctx_opt = {.seed = 1, .default_rate = 0.01, .iterations = 0};
static map_plan ctx_plan;

static void plan_free(map_plan *p) {
  free(p->pieces);
  for (uint32_t k = 0; k < p->norder; k++) free(p->order[k]);
  free(p->order);
  free(p->edges);
  free(p->hosts);
  free(p->host_astro);
  free(p->link);
  free(p->route_entries);
  memset(p, 0, sizeof *p);
}

void map_context_set(const map_target *t, const map_options *opt) {
  plan_free(&ctx_plan);
  if (t) {
    ctx_target = *t;
    ctx_has_target = true;
  }
  if (opt) ctx_opt = *opt;
}

const map_target *map_context_target(void) { return ctx_has_target ? &ctx_target : NULL; }
const map_options *map_context_options(void) { return &ctx_opt; }
map_plan *map_context_plan(void) { return &ctx_plan; }
void map_context_clear(void) { plan_free(&ctx_plan); }

static const ir_pass map_passes[] = {
    {"layout", "assign grid sites to the populations of each grid (random, keyed by seed and grid)", pass_layout},
    {"expand", "expand connectivity rules into CSR synapses with weights and delays", pass_expand},
    {"quantise", "derive the target's fixed-point parameters and weight exponents; measure weight error",
     pass_quantise},
    {"partition", "split populations into core-sized pieces within every per-core limit", pass_partition},
    {"place", "assign pieces to mesh cores, minimising expected spikes x hops", pass_place},
    {"route", "dimension-order routes, routing-table entries and per-link spike loads", pass_route},
};

const ir_pass *map_pipeline(const map_target *t, size_t *n) {
  map_context_set(t, NULL);
  *n = sizeof map_passes / sizeof map_passes[0];
  return map_passes;
}
