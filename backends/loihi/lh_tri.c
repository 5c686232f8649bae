/* lh_tri.c — the tables of a tripartite astrocyte on the Loihi targets (docs/loihi-format.md,
 * "tripartite"): per element the integers the interpreter derives (docs/numerics.md, "tripartite", fixed),
 * the sources it listens to (a projection: one event per synapse), the projections whose efficacy it
 * scales and the populations its slow current reaches. */
#include <math.h>
#include <stdlib.h>

#include "lh_internal.h"
#include "rng.h"

/* round(x * scale) within +-(2^31 - 1), as runtime/astro_domain.c checks. */
static bool checked(double x, double scale, int32_t *out) {
  double q = round(x * scale);
  if (!(fabs(q) <= (double)INT32_MAX))
    return false;
  *out = (int32_t)q;
  return true;
}

static int32_t factor16(double tau, double dt) {
  return tau > 0 ? (int32_t)ir_fx_round(65536.0 * exp(-dt / tau)) : 0;
}

/* Element e's integers from its sampled parameters; the interpreter's messages on failure. */
static const char *derive(const double *q, double dt, double v_unit, int32_t *o) {
  o[LH_TRI_FCA] = factor16(q[IR_P_TRIPARTITE_TAU_CA], dt);
  o[LH_TRI_FG] = factor16(q[IR_P_TRIPARTITE_TAU_GLIO], dt);
  if (!checked(q[IR_P_TRIPARTITE_CA_PER_SPIKE], 65536.0, &o[LH_TRI_CPS]) ||
      !checked(q[IR_P_TRIPARTITE_CA_THRESHOLD], 65536.0, &o[LH_TRI_CTH]) ||
      !checked(q[IR_P_TRIPARTITE_GLIO_RELEASE], 65536.0, &o[LH_TRI_GREL]) ||
      !checked(q[IR_P_TRIPARTITE_GLIO_GAIN], 65536.0, &o[LH_TRI_GGAIN]) ||
      !checked(q[IR_P_TRIPARTITE_CA_INIT], 65536.0, &o[LH_TRI_CA0]))
    return "ca_per_spike, ca_threshold, glio_release, glio_gain and ca_init must be within +-32768 (Q16)";
  if (!checked(q[IR_P_TRIPARTITE_GLIO_CURRENT], 64.0 / v_unit, &o[LH_TRI_GCUR]))
    return "glio_current must be within +-2^31 fine units";
  return NULL;
}

static bool derive_elements(lh_ctx *x, uint32_t k, lh_astro *h) {
  const ir_module *m = x->m;
  const ir_astrocyte *a = &m->astros[k];
  h->tri = calloc((size_t)h->n * LH_TRI_COUNT, sizeof(int32_t));
  if (!h->tri)
    return false;
  const ir_model_desc *desc = ir_astro_model_desc(IR_ASTRO_TRIPARTITE);
  uint64_t stream = RNG_STREAM(RNG_KIND_ASTRO_PARAM, k);
  for (uint32_t e = 0; e < h->n; e++) {
    double q[IR_MAX_PARAMS];
    for (uint32_t i = 0; i < desc->nparams; i++)
      q[i] = ir_value_sample(&a->params[i], m->seed, stream, i, e);
    const char *why = derive(q, m->dt, m->v_unit, h->tri + (size_t)e * LH_TRI_COUNT);
    if (why) {
      ir_error(x->d, a->loc, "astrocyte '%s' (element %u): %s", a->name, e, why);
      return false;
    }
  }
  return true;
}

/* Listened sources in order; a projection stays a projection (its synapses are the events). */
static bool listen(const ir_module *m, const ir_astrocyte *a, lh_astro *h) {
  h->listen_kind = calloc(a->nlisten + 1, sizeof(uint32_t));
  h->listen_index = calloc(a->nlisten + 1, sizeof(uint32_t));
  h->listen_sign = calloc(a->nlisten + 1, sizeof(int32_t));
  if (!h->listen_kind || !h->listen_index || !h->listen_sign)
    return false;
  for (uint32_t l = 0; l < a->nlisten; l++) {
    ir_ref r = a->listen[l].source;
    uint32_t n = r.kind == IR_NODE_POPULATION ? m->npops : r.kind == IR_NODE_INPUT ? m->ninputs
               : r.kind == IR_NODE_PROJECTION ? m->nprojs : 0;
    if (r.index >= n)
      continue;
    h->listen_kind[h->nlisten] = r.kind == IR_NODE_POPULATION ? 0 : r.kind == IR_NODE_INPUT ? 1 : 2;
    h->listen_index[h->nlisten] = r.index;
    h->listen_sign[h->nlisten++] = a->listen[l].sign < 0 ? -1 : 1;
  }
  return true;
}

/* Modulated projections, and the distinct populations among the modulated populations and the posts of
 * the modulated projections, in `modulates` order (as runtime/astro_domain.c finds them). */
static bool modulates(const ir_module *m, const ir_astrocyte *a, lh_astro *h) {
  h->mod_proj = calloc(a->nmodulates + 1, sizeof(uint32_t));
  h->target_pop = calloc(a->nmodulates + 1, sizeof(uint32_t));
  if (!h->mod_proj || !h->target_pop)
    return false;
  for (uint32_t k = 0; k < a->nmodulates; k++) {
    ir_ref r = a->modulates[k];
    int64_t pop = -1;
    if (r.kind == IR_NODE_POPULATION && r.index < m->npops)
      pop = r.index;
    else if (r.kind == IR_NODE_PROJECTION && r.index < m->nprojs) {
      h->mod_proj[h->nmod++] = r.index;
      ir_ref post = m->projs[r.index].post;
      if (post.kind == IR_NODE_POPULATION && post.index < m->npops)
        pop = post.index;
    }
    bool seen = pop < 0;
    for (uint32_t i = 0; !seen && i < h->ntarget; i++)
      seen = h->target_pop[i] == (uint32_t)pop;
    if (!seen)
      h->target_pop[h->ntarget++] = (uint32_t)pop;
  }
  return true;
}

bool lh_build_tripartite(lh_ctx *x, uint32_t k, lh_astro *h) {
  const ir_module *m = x->m;
  const ir_astrocyte *a = &m->astros[k];
  h->kind = LH_ASTRO_TRIPARTITE;
  h->n = a->size ? a->size : 1;
  if (!derive_elements(x, k, h) || !listen(m, a, h) || !modulates(m, a, h))
    return false;
  h->core = 0; /* its elements sit next to the first target's compartments */
  if (h->ntarget && m->pops[h->target_pop[0]].size)
    h->core = x->core_of[h->target_pop[0]][0];
  return true;
}
