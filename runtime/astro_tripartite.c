/* astro_tripartite.c — the tripartite-synapse astrocyte with gliotransmission in float and Q16 fixed
 * numerics: calcium ca integrates the presynaptic events of its domain, above ca_threshold it releases
 * gliotransmitter g, and g scales the efficacy of the modulated projections (1 + glio_gain*g) and
 * drives a slow current glio_current*g into their postsynaptic neurons (docs/numerics.md, "tripartite"). */
#include <math.h>
#include <stdlib.h>

#include "models.h"
#include "rng.h"

typedef struct tri_q {
  int32_t fca, fg;            /* Q16 decay factors */
  int32_t cps, cth, grel;     /* Q16 */
  int32_t ggain;              /* Q16 */
  int32_t gcur;               /* fine units */
} tri_q;

typedef struct tri_state {
  int32_t *ca_q, *g_q;
  tri_q *prm_q;
  float *ca_f, *g_f;
  float *fca, *fg, *cps, *cth, *grel, *ggain, *gcur;
  int64_t *cnt;   /* events of the step per astrocyte (scratch) */
  rt_pop **targets;
  uint32_t ntargets;
} tri_state;

static float factor(double tau, double dt) { return tau > 0 ? (float)exp(-dt / tau) : 0.0f; }

static const char *derive_q(const double *q, double dt, double v_unit, tri_q *o, int32_t *ca0) {
  o->fca = rt_fx_factor16(q[IR_P_TRIPARTITE_TAU_CA], dt);
  o->fg = rt_fx_factor16(q[IR_P_TRIPARTITE_TAU_GLIO], dt);
  if (!rt_fx_q16_checked(q[IR_P_TRIPARTITE_CA_PER_SPIKE], &o->cps) ||
      !rt_fx_q16_checked(q[IR_P_TRIPARTITE_CA_THRESHOLD], &o->cth) ||
      !rt_fx_q16_checked(q[IR_P_TRIPARTITE_GLIO_RELEASE], &o->grel) ||
      !rt_fx_q16_checked(q[IR_P_TRIPARTITE_GLIO_GAIN], &o->ggain) ||
      !rt_fx_q16_checked(q[IR_P_TRIPARTITE_CA_INIT], ca0))
    return "ca_per_spike, ca_threshold, glio_release, glio_gain and ca_init must be within +-32768 (Q16)";
  if (!rt_fx_fine_checked(q[IR_P_TRIPARTITE_GLIO_CURRENT], v_unit, &o->gcur))
    return "glio_current must be within +-2^31 fine units";
  return NULL;
}

static bool create_fixed(rt_interp *s, rt_astro *a, tri_state *st, const double *prm, uint32_t np, ir_diag *d) {
  uint32_t n = a->n;
  st->ca_q = rt_alloc(s, n, sizeof(int32_t));
  st->g_q = rt_alloc(s, n, sizeof(int32_t));
  st->prm_q = rt_alloc(s, n, sizeof(tri_q));
  if (!st->ca_q || !st->g_q || !st->prm_q)
    return false;
  for (uint32_t i = 0; i < n; i++) {
    const char *why = derive_q(prm + (size_t)i * np, s->m->dt, s->m->v_unit, &st->prm_q[i], &st->ca_q[i]);
    if (why) {
      ir_error(d, a->ia->loc, "astrocyte '%s' (element %u): %s", a->ia->name, i, why);
      return false;
    }
  }
  ir_ref node = {IR_NODE_ASTROCYTE, a->index};
  return rt_register(s, node, "ca", RT_I32, st->ca_q, n) && rt_register(s, node, "g", RT_I32, st->g_q, n);
}

static bool create_float(rt_interp *s, rt_astro *a, tri_state *st, const double *prm, uint32_t np) {
  uint32_t n = a->n;
  float **arrays[] = {&st->ca_f, &st->g_f, &st->fca, &st->fg, &st->cps, &st->cth, &st->grel, &st->ggain, &st->gcur};
  for (size_t k = 0; k < sizeof arrays / sizeof arrays[0]; k++)
    if (!(*arrays[k] = rt_alloc(s, n, sizeof(float))))
      return false;
  for (uint32_t i = 0; i < n; i++) {
    const double *q = prm + (size_t)i * np;
    st->fca[i] = factor(q[IR_P_TRIPARTITE_TAU_CA], s->m->dt);
    st->fg[i] = factor(q[IR_P_TRIPARTITE_TAU_GLIO], s->m->dt);
    st->cps[i] = (float)q[IR_P_TRIPARTITE_CA_PER_SPIKE];
    st->cth[i] = (float)q[IR_P_TRIPARTITE_CA_THRESHOLD];
    st->grel[i] = (float)q[IR_P_TRIPARTITE_GLIO_RELEASE];
    st->ggain[i] = (float)q[IR_P_TRIPARTITE_GLIO_GAIN];
    st->gcur[i] = (float)q[IR_P_TRIPARTITE_GLIO_CURRENT];
    st->ca_f[i] = (float)q[IR_P_TRIPARTITE_CA_INIT];
  }
  ir_ref node = {IR_NODE_ASTROCYTE, a->index};
  return rt_register(s, node, "ca", RT_F32, st->ca_f, n) && rt_register(s, node, "g", RT_F32, st->g_f, n);
}

static bool tri_create(rt_interp *s, rt_astro *a, ir_diag *d) {
  tri_state *st = rt_alloc(s, 1, sizeof(*st));
  if (!st)
    return false;
  a->st = st;
  st->cnt = rt_alloc(s, a->n, sizeof(int64_t));
  st->targets = rt_alloc(s, s->m->npops, sizeof(rt_pop *));
  if (!st->cnt || !st->targets)
    return false;
  st->ntargets = rt_domain_targets(s, a->ia, st->targets);
  const ir_model_desc *desc = ir_astro_model_desc(IR_ASTRO_TRIPARTITE);
  double *prm = rt_sample_params(s, a->ia->params, desc, RNG_KIND_ASTRO_PARAM, a->index, a->n);
  if (!prm)
    return false;
  bool ok = s->fixed ? create_fixed(s, a, st, prm, desc->nparams, d) : create_float(s, a, st, prm, desc->nparams);
  free(prm);
  return ok;
}

/* Phase 5: ca decays and integrates this step's domain events; then g decays and, while ca is
 * above threshold (after this step's update), gains glio_release. */
static void tri_update(rt_interp *s, rt_astro *a) {
  tri_state *st = a->st;
  rt_domain_count(s, a->ia, a->n, st->cnt);
  for (uint32_t k = 0; k < a->n; k++) {
    if (s->fixed) {
      const tri_q *q = &st->prm_q[k];
      int64_t ev = rt_clamp31(st->cnt[k]);
      int64_t ca = rt_clamp31(rt_decay16(st->ca_q[k], q->fca) + (int64_t)q->cps * ev);
      int64_t g = rt_decay16(st->g_q[k], q->fg);
      if (ca > q->cth)
        g = rt_clamp31(g + q->grel);
      st->ca_q[k] = (int32_t)ca;
      st->g_q[k] = (int32_t)g;
    } else {
      float ca = st->ca_f[k] * st->fca[k];
      ca = ca + st->cps[k] * (float)st->cnt[k];
      float g = st->g_f[k] * st->fg[k];
      if (ca > st->cth[k])
        g = g + st->grel[k];
      st->ca_f[k] = ca;
      st->g_f[k] = g;
    }
  }
}

/* Phase 1b: neuron j of a modulated projection's post (or of a modulated population) belongs to
 * element j mod n; its projections' efficacy factor is multiplied by 1 + glio_gain*g and it
 * receives glio_current*g as injected current (once per target population). */
static void tri_output(rt_interp *s, rt_astro *a) {
  tri_state *st = a->st;
  uint32_t n = a->n;
  for (uint32_t k = 0; k < a->ia->nmodulates; k++) {
    ir_ref r = a->ia->modulates[k];
    if (r.kind != IR_NODE_PROJECTION || r.index >= s->m->nprojs)
      continue;
    rt_proj *p = &s->projs[r.index];
    for (uint32_t j = 0; j < p->post->n; j++) {
      uint32_t e = j % n;
      if (s->fixed) {
        int64_t f = rt_clamp31(IR_FX_ONE + ir_fx_rshift_round((int64_t)st->prm_q[e].ggain * st->g_q[e], IR_FX_Q));
        p->scale_q[j] = (int32_t)rt_clamp31(ir_fx_rshift_round((int64_t)p->scale_q[j] * f, IR_FX_Q));
      } else {
        p->scale_f[j] = p->scale_f[j] * (1.0f + st->ggain[e] * st->g_f[e]);
      }
    }
  }
  for (uint32_t t = 0; t < st->ntargets; t++) {
    rt_pop *p = st->targets[t];
    for (uint32_t j = 0; j < p->n; j++) {
      uint32_t e = j % n;
      if (s->fixed)
        p->inj_i[j] += ir_fx_rshift_round((int64_t)st->prm_q[e].gcur * st->g_q[e], IR_FX_Q);
      else
        p->inj_f[j] = p->inj_f[j] + st->gcur[e] * st->g_f[e];
    }
  }
}

const rt_astro_model rt_astro_tripartite = {
    .name = "tripartite",
    .scales_efficacy = true,
    .create = tri_create,
    .update = tri_update,
    .output = tri_output,
    .modulation = NULL,
    .destroy = NULL,
};
