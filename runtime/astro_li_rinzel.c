/* astro_li_rinzel.c — the Li-Rinzel astrocyte (the dynamics of NEST's astrocyte_lr_1994), float numerics
 * only: IP3, cytosolic calcium and the IP3R gate h by forward Euler, IP3 kicks by the presynaptic events
 * of the listened projections, and NEST's logarithmic slow inward current into the modulated
 * populations (docs/numerics.md, "li_rinzel"). */
#include <math.h>
#include <stdlib.h>

#include "models.h"
#include "rng.h"

/* Parameters of one element, as float (rounded once from the double parameters). */
typedef struct lr_prm {
  float ca_tot, ip3_0, kd1, kd2, kd_act, kd_inh, km, k_ip3r, ratio, r_ip3r, r_l, r_serca, tau_ip3, delta,
      sic_th, sic_scale, ca_max;
} lr_prm;

typedef struct lr_state {
  float *ca, *h, *ip3;
  lr_prm *prm;
  int64_t *cnt; /* events of the step per element (scratch) */
  float *sicv;  /* SIC of each element this step (scratch) */
  uint32_t nsub; /* Euler substeps per dt */
  float hs;      /* substep length, ms */
  rt_pop **targets;
  uint32_t ntargets;
} lr_state;

static const char *check(const double *q) {
  if (!(q[IR_P_LI_RINZEL_TAU_IP3] > 0))
    return "tau_ip3 must be positive";
  if (!(q[IR_P_LI_RINZEL_KD_IP3_1] > 0) || !(q[IR_P_LI_RINZEL_KD_IP3_2] > 0) || !(q[IR_P_LI_RINZEL_KD_ACT] > 0) ||
      !(q[IR_P_LI_RINZEL_KM_SERCA] > 0))
    return "kd_ip3_1, kd_ip3_2, kd_act and km_serca must be positive";
  if (!(q[IR_P_LI_RINZEL_RATIO_ER_CYT] > 0))
    return "ratio_er_cyt must be positive";
  return NULL;
}

static void set_prm(const double *q, lr_prm *o) {
  o->ca_tot = (float)q[IR_P_LI_RINZEL_CA_TOT];
  o->ip3_0 = (float)q[IR_P_LI_RINZEL_IP3_0];
  o->kd1 = (float)q[IR_P_LI_RINZEL_KD_IP3_1];
  o->kd2 = (float)q[IR_P_LI_RINZEL_KD_IP3_2];
  o->kd_act = (float)q[IR_P_LI_RINZEL_KD_ACT];
  o->kd_inh = (float)q[IR_P_LI_RINZEL_KD_INH];
  o->km = (float)q[IR_P_LI_RINZEL_KM_SERCA];
  o->k_ip3r = (float)q[IR_P_LI_RINZEL_K_IP3R];
  o->ratio = (float)q[IR_P_LI_RINZEL_RATIO_ER_CYT];
  o->r_ip3r = (float)q[IR_P_LI_RINZEL_RATE_IP3R];
  o->r_l = (float)q[IR_P_LI_RINZEL_RATE_L];
  o->r_serca = (float)q[IR_P_LI_RINZEL_RATE_SERCA];
  o->tau_ip3 = (float)q[IR_P_LI_RINZEL_TAU_IP3];
  o->delta = (float)q[IR_P_LI_RINZEL_DELTA_IP3];
  o->sic_th = (float)q[IR_P_LI_RINZEL_SIC_TH];
  o->sic_scale = (float)q[IR_P_LI_RINZEL_SIC_SCALE];
  o->ca_max = (float)(q[IR_P_LI_RINZEL_CA_TOT] * (1.0 + q[IR_P_LI_RINZEL_RATIO_ER_CYT]));
}

static bool lr_create(rt_interp *s, rt_astro *a, ir_diag *d) {
  if (s->fixed) {
    ir_error(d, a->ia->loc, "astrocyte '%s': the li_rinzel model needs float numerics (fixed numerics is not supported)",
             a->ia->name);
    return false;
  }
  lr_state *st = rt_alloc(s, 1, sizeof(*st));
  if (!st)
    return false;
  a->st = st;
  uint32_t n = a->n;
  st->ca = rt_alloc(s, n, sizeof(float));
  st->h = rt_alloc(s, n, sizeof(float));
  st->ip3 = rt_alloc(s, n, sizeof(float));
  st->prm = rt_alloc(s, n, sizeof(lr_prm));
  st->cnt = rt_alloc(s, n, sizeof(int64_t));
  st->sicv = rt_alloc(s, n, sizeof(float));
  st->targets = rt_alloc(s, s->m->npops, sizeof(rt_pop *));
  if (!st->ca || !st->h || !st->ip3 || !st->prm || !st->cnt || !st->sicv || !st->targets)
    return false;
  st->ntargets = rt_domain_targets(s, a->ia, st->targets);
  double nsub = ceil(s->m->dt / 1.0); /* substeps of at most 1 ms */
  st->nsub = nsub < 1 ? 1 : nsub > 1e6 ? 1000000 : (uint32_t)nsub;
  st->hs = (float)(s->m->dt / st->nsub);
  const ir_model_desc *desc = ir_astro_model_desc(IR_ASTRO_LI_RINZEL);
  double *prm = rt_sample_params(s, a->ia->params, desc, RNG_KIND_ASTRO_PARAM, a->index, n);
  if (!prm)
    return false;
  for (uint32_t i = 0; i < n; i++) {
    const double *q = prm + (size_t)i * desc->nparams;
    const char *why = check(q);
    if (why) {
      ir_error(d, a->ia->loc, "astrocyte '%s' (element %u): %s", a->ia->name, i, why);
      free(prm);
      return false;
    }
    set_prm(q, &st->prm[i]);
    st->ca[i] = (float)q[IR_P_LI_RINZEL_CA_INIT];
    st->h[i] = (float)q[IR_P_LI_RINZEL_H_INIT];
    st->ip3[i] = (float)q[IR_P_LI_RINZEL_IP3_INIT];
  }
  free(prm);
  ir_ref node = {IR_NODE_ASTROCYTE, a->index};
  return rt_register(s, node, "ca", RT_F32, st->ca, n) && rt_register(s, node, "h", RT_F32, st->h, n) &&
         rt_register(s, node, "ip3", RT_F32, st->ip3, n);
}

/* One forward-Euler substep of length hs, every derivative from the state at its start; calcium
 * enters the fluxes clamped to [0, ca_tot*(1 + ratio_er_cyt)] as in NEST. */
static void euler(const lr_prm *p, float hs, float *ca, float *h, float *ip3) {
  float i3 = *ip3, hh = *h;
  float c = *ca < 0.0f ? 0.0f : *ca > p->ca_max ? p->ca_max : *ca;
  float alpha = p->k_ip3r * p->kd_inh * (i3 + p->kd1) / (i3 + p->kd2);
  float beta = p->k_ip3r * c;
  float c2 = c * c;
  float j_pump = p->r_serca * c2 / (p->km * p->km + c2);
  float m_inf = i3 / (i3 + p->kd1);
  float n_inf = c / (c + p->kd_act);
  float ca_er = p->ca_tot + (p->ca_tot - c) / p->ratio;
  float j_leak = p->ratio * p->r_l * (ca_er - c);
  float mnh = m_inf * n_inf * hh;
  float j_chan = p->ratio * p->r_ip3r * (mnh * mnh * mnh) * (ca_er - c);
  float d_ip3 = (p->ip3_0 - i3) / p->tau_ip3;
  float d_ca = j_chan - j_pump + j_leak;
  float d_h = alpha * (1.0f - hh) - beta * hh;
  *ip3 = i3 + hs * d_ip3;
  *ca = *ca + hs * d_ca;
  *h = hh + hs * d_h;
}

/* Phase 5: integrate over dt, then add this step's IP3 kicks (NEST's order). */
static void lr_update(rt_interp *s, rt_astro *a) {
  lr_state *st = a->st;
  rt_domain_count(s, a->ia, a->n, st->cnt);
  for (uint32_t k = 0; k < a->n; k++) {
    for (uint32_t q = 0; q < st->nsub; q++)
      euler(&st->prm[k], st->hs, &st->ca[k], &st->h[k], &st->ip3[k]);
    st->ip3[k] = st->ip3[k] + st->prm[k].delta * (float)st->cnt[k];
  }
}

/* NEST's slow inward current: sic_scale * ln(y) where y = (ca - sic_th) in nM, when y > 1; else 0.
 * The logarithm is taken in double and rounded to float (libm's logf is not correctly rounded). */
static float sic(const lr_prm *p, float ca) {
  float y = (ca - p->sic_th) * 1000.0f;
  if (!(y > 1.0f))
    return 0.0f;
  return (float)log((double)y) * p->sic_scale;
}

/* Phase 1b: neuron j of every target population receives the SIC of element j mod n. */
static void lr_output(rt_interp *s, rt_astro *a) {
  lr_state *st = a->st;
  (void)s;
  for (uint32_t k = 0; k < a->n; k++)
    st->sicv[k] = sic(&st->prm[k], st->ca[k]);
  for (uint32_t t = 0; t < st->ntargets; t++) {
    rt_pop *p = st->targets[t];
    for (uint32_t j = 0; j < p->n; j++)
      p->inj_f[j] = p->inj_f[j] + st->sicv[j % a->n];
  }
}

const rt_astro_model rt_astro_li_rinzel = {
    .name = "li_rinzel",
    .scales_efficacy = false,
    .create = lr_create,
    .update = lr_update,
    .output = lr_output,
    .modulation = NULL,
    .destroy = NULL,
};
