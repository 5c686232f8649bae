/* astro_nalsm.c — the NALSM astrocyte: A <- A + (w_a*(positive - negative listened spikes) + b_a - A)*dt/tau
 * in float and Q16 fixed numerics (docs/numerics.md, "nalsm astrocyte"). */
#include <math.h>
#include <stdlib.h>

#include "models.h"
#include "rng.h"

#define DRIVE_MAX (INT64_C(1) << 46)

typedef struct astro_state {
  float *a_f, *w_f, *b_f, *k_f;
  int32_t *a_q;
  ir_fx_nalsm_astro *prm_q;
} astro_state;

static bool astro_create(rt_interp *s, rt_astro *a, ir_diag *d) {
  astro_state *st = rt_alloc(s, 1, sizeof(*st));
  if (!st)
    return false;
  a->st = st;
  uint32_t n = a->n;
  const ir_model_desc *desc = ir_astro_model_desc(IR_ASTRO_NALSM);
  double *prm = rt_sample_params(s, a->ia->params, desc, RNG_KIND_ASTRO_PARAM, a->index, n);
  if (!prm)
    return false;
  ir_ref node = {IR_NODE_ASTROCYTE, a->index};
  bool ok;
  if (s->fixed) {
    st->a_q = rt_alloc(s, n, sizeof(int32_t));
    st->prm_q = rt_alloc(s, n, sizeof(ir_fx_nalsm_astro));
    ok = st->a_q && st->prm_q;
    for (uint32_t i = 0; ok && i < n; i++) {
      const char *why = NULL;
      if (!ir_fx_nalsm_astro_derive(prm + (size_t)i * desc->nparams, s->m->dt, &st->prm_q[i], &why)) {
        ir_error(d, a->ia->loc, "astrocyte '%s': %s", a->ia->name, why);
        free(prm);
        return false;
      }
      st->a_q[i] = st->prm_q[i].a0;
    }
    ok = ok && rt_register(s, node, "a", RT_I32, st->a_q, n);
  } else {
    st->a_f = rt_alloc(s, n, sizeof(float));
    st->w_f = rt_alloc(s, n, sizeof(float));
    st->b_f = rt_alloc(s, n, sizeof(float));
    st->k_f = rt_alloc(s, n, sizeof(float));
    ok = st->a_f && st->w_f && st->b_f && st->k_f;
    for (uint32_t i = 0; ok && i < n; i++) {
      const double *q = prm + (size_t)i * desc->nparams;
      st->a_f[i] = (float)q[IR_P_NALSM_ASTRO_A0];
      st->w_f[i] = (float)q[IR_P_NALSM_ASTRO_W_A];
      st->b_f[i] = (float)q[IR_P_NALSM_ASTRO_B_A];
      st->k_f[i] = q[IR_P_NALSM_ASTRO_TAU] > 0 ? (float)(s->m->dt / q[IR_P_NALSM_ASTRO_TAU]) : 1.0f;
    }
    ok = ok && rt_register(s, node, "a", RT_F32, st->a_f, n);
  }
  free(prm);
  return ok;
}

/* Signed count of the listened spikes of this step. */
static int64_t listened(const rt_interp *s, const ir_astrocyte *ia) {
  int64_t diff = 0;
  for (uint32_t k = 0; k < ia->nlisten; k++) {
    ir_ref r = ia->listen[k].source;
    if (r.kind == IR_NODE_PROJECTION && r.index < s->m->nprojs)
      r = s->m->projs[r.index].pre;
    const rt_src *c = NULL;
    if (r.kind == IR_NODE_POPULATION && r.index < s->m->npops)
      c = &s->srcs[r.index];
    else if (r.kind == IR_NODE_INPUT && r.index < s->m->ninputs)
      c = &s->srcs[s->m->npops + r.index];
    if (c)
      diff += ia->listen[k].sign < 0 ? -(int64_t)c->nspk : (int64_t)c->nspk;
  }
  return diff;
}

static void astro_update(rt_interp *s, rt_astro *a) {
  astro_state *st = a->st;
  int64_t diff = listened(s, a->ia);
  for (uint32_t i = 0; i < a->n; i++) {
    if (s->fixed) {
      const ir_fx_nalsm_astro *q = &st->prm_q[i];
      int64_t drive = (int64_t)q->w_a * diff + q->b_a - st->a_q[i];
      /* Clamp so drive * k fits 64 bits; reachable only with absurd spike counts. */
      drive = drive > DRIVE_MAX ? DRIVE_MAX : drive < -DRIVE_MAX ? -DRIVE_MAX : drive;
      int64_t na = st->a_q[i] + ir_fx_rshift_round(drive * q->k, IR_FX_Q);
      st->a_q[i] = na > INT32_MAX ? INT32_MAX : na < -INT32_MAX ? -INT32_MAX : (int32_t)na;
    } else {
      float drive = st->w_f[i] * (float)diff + st->b_f[i];
      st->a_f[i] = st->a_f[i] + (drive - st->a_f[i]) * st->k_f[i];
    }
  }
}

static void astro_modulation(const rt_astro *a, float *f, int32_t *q16) {
  const astro_state *st = a->st;
  if (st->a_q)
    *q16 = st->a_q[0];
  else
    *f = st->a_f[0];
}

const rt_astro_model rt_astro_nalsm = {
    .name = "nalsm",
    .create = astro_create,
    .update = astro_update,
    .modulation = astro_modulation,
    .destroy = NULL,
};
