/* astro_domain.c — what an astrocyte population of the interp engine sees and reaches: per-element
 * event counts of its listened sources, the populations its `modulates` reaches, and the Q16
 * parameter conversions shared by the astrocyte-coupled models (docs/numerics.md, "Astrocyte domains"). */
#include <math.h>

#include "models.h"

static const rt_src *src_of(const rt_interp *s, ir_ref r) {
  if (r.kind == IR_NODE_POPULATION && r.index < s->m->npops)
    return &s->srcs[r.index];
  if (r.kind == IR_NODE_INPUT && r.index < s->m->ninputs)
    return &s->srcs[s->m->npops + r.index];
  return NULL;
}

/* A listened projection: every synapse of a spiking presynaptic neuron is one event for the
 * astrocyte owning its postsynaptic neuron. Cost: the synapses of this step's spikes. */
static void count_projection(const rt_interp *s, const rt_proj *p, int64_t sign, uint32_t n, int64_t *cnt) {
  const ir_csr *c = p->csr;
  for (uint32_t q = 0; q < p->pre->nspk; q++) {
    uint32_t i = p->pre->idx[q];
    if (n == 1) {
      cnt[0] += sign * (int64_t)(c->row_ptr[i + 1] - c->row_ptr[i]);
      continue;
    }
    for (uint64_t syn = c->row_ptr[i]; syn < c->row_ptr[i + 1]; syn++)
      cnt[c->col[syn] % n] += sign;
  }
  (void)s;
}

void rt_domain_count(const rt_interp *s, const ir_astrocyte *ia, uint32_t n, int64_t *cnt) {
  for (uint32_t k = 0; k < n; k++)
    cnt[k] = 0;
  for (uint32_t l = 0; l < ia->nlisten; l++) {
    ir_ref r = ia->listen[l].source;
    int64_t sign = ia->listen[l].sign < 0 ? -1 : 1;
    if (r.kind == IR_NODE_PROJECTION) {
      if (r.index < s->m->nprojs)
        count_projection(s, &s->projs[r.index], sign, n, cnt);
      continue;
    }
    const rt_src *c = src_of(s, r);
    if (!c)
      continue;
    for (uint32_t q = 0; q < c->nspk; q++)
      cnt[c->idx[q] % n] += sign;
  }
}

uint32_t rt_domain_targets(rt_interp *s, const ir_astrocyte *ia, rt_pop **out) {
  uint32_t n = 0;
  for (uint32_t k = 0; k < ia->nmodulates; k++) {
    ir_ref r = ia->modulates[k];
    rt_pop *p = NULL;
    if (r.kind == IR_NODE_POPULATION && r.index < s->m->npops)
      p = &s->pops[r.index];
    else if (r.kind == IR_NODE_PROJECTION && r.index < s->m->nprojs) {
      ir_ref post = s->m->projs[r.index].post;
      if (post.kind == IR_NODE_POPULATION && post.index < s->m->npops)
        p = &s->pops[post.index];
    }
    bool seen = p == NULL;
    for (uint32_t i = 0; !seen && i < n; i++)
      seen = out[i] == p;
    if (!seen)
      out[n++] = p;
  }
  return n;
}

bool rt_domain_modulates(const ir_astrocyte *ia, uint32_t proj) {
  for (uint32_t k = 0; k < ia->nmodulates; k++)
    if (ia->modulates[k].kind == IR_NODE_PROJECTION && ia->modulates[k].index == proj)
      return true;
  return false;
}

int32_t rt_fx_factor16(double tau, double dt) {
  if (!(tau > 0))
    return 0;
  return (int32_t)ir_fx_round(65536.0 * exp(-dt / tau));
}

bool rt_fx_q16_checked(double x, int32_t *out) {
  double q = round(x * 65536.0);
  if (!(fabs(q) <= (double)RT_Q31_MAX))
    return false;
  *out = (int32_t)q;
  return true;
}

bool rt_fx_fine_checked(double mv, double v_unit, int32_t *out) {
  double q = round(mv * 64.0 / v_unit);
  if (!(fabs(q) <= (double)RT_Q31_MAX))
    return false;
  *out = (int32_t)q;
  return true;
}

bool rt_pop_astro_coupled(const rt_interp *s, const rt_pop *p) {
  if (p->model->count_events)
    return true;
  for (uint32_t k = 0; k < s->m->nprojs; k++)
    if (s->projs[k].post == p && s->projs[k].modulated)
      return true;
  for (uint32_t k = 0; k < s->m->nastros; k++) {
    const ir_astrocyte *ia = &s->m->astros[k];
    if (!s->astros[k].model->output)
      continue;
    for (uint32_t i = 0; i < ia->nmodulates; i++) {
      ir_ref r = ia->modulates[i];
      if (r.kind == IR_NODE_POPULATION && r.index == p->index)
        return true;
      if (r.kind == IR_NODE_PROJECTION && r.index < s->m->nprojs && s->m->projs[r.index].post.kind == IR_NODE_POPULATION &&
          s->m->projs[r.index].post.index == p->index)
        return true;
    }
  }
  return false;
}
