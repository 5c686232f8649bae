/* plasticity_loihi.c — stdp / astro_stdp in Loihi's learning arithmetic, the interpreter's side of a
 * plastic projection that sets t_epoch (docs/loihi-format.md, "Loihi learning arithmetic"): 7-bit
 * traces with stochastic rounding, spikes gathered over a learning epoch, whole-mantissa weights
 * updated at each epoch's end with stochastic rounding. The arithmetic itself (and its random keys)
 * is backends/loihi's lh_learn_*, shared with the loihi engine so both are bit-exact. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lh.h"
#include "models.h"

/* Declared here and in plasticity.c, the hook's two ends (the interp's headers are not this file's). */
bool rt_stdp_loihi_create(rt_interp *s, rt_proj *p, const double *prm, ir_diag *d);
void rt_stdp_loihi_step(rt_interp *s, rt_proj *p);

/* The traces live here, not in the base's xpre_q/xpost_q (left NULL): they are 0..127 and keyed by
 * this projection's random stream, so no other projection may share them. */
typedef struct lstdp {
  rt_stdp base;          /* first: p->stdp points here, rt_stdp_free frees the whole */
  lh_learn l;
  int32_t *xpre, *xpost;
  uint8_t *epre, *epost; /* spiked during the current epoch */
} lstdp;

static bool check_modulator(const rt_interp *s, const rt_proj *p, ir_diag *d) {
  const ir_projection *ip = p->ip;
  if (ip->modulator < 0 || (uint32_t)ip->modulator >= s->m->nastros) {
    ir_error(d, ip->loc, "projection '%s': astro_stdp needs a modulator astrocyte", ip->name);
    return false;
  }
  const rt_astro *a = &s->astros[ip->modulator];
  if (!a->model->modulation || a->n != 1) {
    ir_error(d, ip->loc, "projection '%s': the modulator '%s' must be a single astrocyte (size 1) of a model with a "
             "state that scales a_minus", ip->name, a->ia->name);
    return false;
  }
  return true;
}

/* Instead of rt_stdp_create's body for a projection with t_epoch (prm: its constant parameters). */
bool rt_stdp_loihi_create(rt_interp *s, rt_proj *p, const double *prm, ir_diag *d) {
  const ir_projection *ip = p->ip;
  if (!s->fixed) {
    ir_error(d, ip->loc, "projection '%s': t_epoch (Loihi's learning arithmetic) needs fixed numerics", ip->name);
    return false;
  }
  lstdp *l = calloc(1, sizeof *l);
  if (!l)
    return false;
  p->stdp = &l->base;
  l->base.anti = ip->anti_hebbian;
  l->base.astro = ip->plasticity == IR_PLAST_ASTRO_STDP;
  if (l->base.astro && !check_modulator(s, p, d))
    return false;
  l->base.modulator = l->base.astro ? (uint32_t)ip->modulator : 0;
  if (prm[IR_P_STDP_W_MIN] > prm[IR_P_STDP_W_MAX]) {
    ir_error(d, ip->loc, "projection '%s': w_min is above w_max", ip->name);
    return false;
  }
  const char *why = NULL;
  if (!ir_fx_stdp_derive(prm, s->m->dt, s->m->v_unit, p->wexp, &l->base.q, &why) ||
      !lh_learn_derive(&l->base.q, prm[IR_P_STDP_T_EPOCH], s->m->dt, &l->l, &why)) {
    ir_error(d, ip->loc, "projection '%s': %s", ip->name, why);
    return false;
  }
  uint32_t npre = p->csr->npre, npost = p->csr->npost;
  l->xpre = rt_alloc(s, npre, sizeof(int32_t));
  l->xpost = rt_alloc(s, npost, sizeof(int32_t));
  l->epre = rt_alloc(s, npre, 1);
  l->epost = rt_alloc(s, npost, 1);
  ir_ref node = {IR_NODE_PROJECTION, p->index};
  if (!l->xpre || !l->xpost || !l->epre || !l->epost || !rt_register(s, node, "x_pre", RT_I32, l->xpre, npre) ||
      !rt_register(s, node, "x_post", RT_I32, l->xpost, npost))
    return false;
  return true; /* weights start as whole mantissas (fraction 0) and stay so: updates write w * 256 */
}

/* Phase 4: flags, the epoch-end weights (traces as left by step t-1), then the traces. */
void rt_stdp_loihi_step(rt_interp *s, rt_proj *p) {
  lstdp *l = (lstdp *)p->stdp;
  rt_stdp *st = &l->base;
  const ir_csr *c = p->csr;
  const rt_src *pre = p->pre, *post = p->post->src;
  uint64_t t = s->step;
  for (uint32_t i = 0; i < pre->nspk; i++)
    l->epre[pre->idx[i]] = 1;
  for (uint32_t j = 0; j < post->nspk; j++)
    l->epost[post->idx[j]] = 1;
  if ((t + 1) % (uint64_t)l->l.epoch == 0) {
    int64_t am = st->q.a_minus;
    if (st->astro) {
      float unused;
      int32_t a = 0;
      s->astros[st->modulator].model->modulation(&s->astros[st->modulator], &unused, &a);
      am = ir_fx_rshift_round((int64_t)st->q.a_minus * a, IR_FX_Q);
    }
    for (uint32_t i = 0; i < c->npre; i++)
      for (uint64_t k = c->row_ptr[i]; k < c->row_ptr[i + 1]; k++) {
        uint32_t j = c->col[k];
        if (!l->epre[i] && !l->epost[j])
          continue;
        int32_t w = lh_learn_weight(&l->l, st->anti, st->q.a_plus, am, ir_fx_wmant(p->w_q[k]), l->xpre[i],
                                    l->xpost[j], l->epre[i], l->epost[j], s->seed, p->index, i, j, t);
        p->w_q[k] = w * 256;
      }
    memset(l->epre, 0, c->npre);
    memset(l->epost, 0, c->npost);
  }
  for (uint32_t i = 0; i < c->npre; i++)
    l->xpre[i] = lh_learn_trace(l->xpre[i], l->l.pre_decay, l->l.impulse, pre->spk[i], s->seed, p->index, 0, i, t);
  for (uint32_t j = 0; j < c->npost; j++)
    l->xpost[j] = lh_learn_trace(l->xpost[j], l->l.post_decay, l->l.impulse, post->spk[j], s->seed, p->index, 1, j,
                                 t);
}
