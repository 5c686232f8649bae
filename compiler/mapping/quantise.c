/* quantise.c — pass `quantise`: the target's fixed-point parameters of every population, astrocyte
 * and projection, derived with ir/fixed.h, and the weight quantisation error per projection.
 *
 * Results are attributes (docs/mapping.md): populations get quant.<integer parameter>, projections
 * quant.wexp, quant.delay_bits, quant.syn_bits and quant.err_{max,mean}_{mv,pct}. The CSR keeps its
 * float weights (backends derive the mantissa as ir_fx_weight_w16(w, quant.wexp, v_unit)). */
#include <math.h>
#include <stdlib.h>

#include "fixed.h"
#include "mapping.h"

/* Canonical-unit doubles of constant parameters; false if one that matters is a distribution
 * (then the runtime derives per neuron and the pass records quant.per_element = 1). */
static bool const_params(const ir_value *v, uint32_t n, double *out) {
  for (uint32_t k = 0; k < n; k++) {
    if (v[k].kind == IR_VAL_UNSET) out[k] = NAN;
    else if (v[k].kind == IR_VAL_CONST) out[k] = v[k].a;
    else return false;
  }
  return true;
}

static bool set_i(ir_module *m, ir_attrs *a, const char *k, int64_t v) { return ir_attr_set_int(m, a, k, v); }

static bool quantise_population(ir_module *m, uint32_t i, ir_diag *d) {
  ir_population *p = &m->pops[i];
  const ir_model_desc *desc = ir_neuron_model_desc(p->model);
  double prm[IR_MAX_PARAMS];
  if (!const_params(p->params, desc->nparams, prm)) return set_i(m, &p->attrs, "quant.per_element", 1);
  const char *why = NULL;
  bool ok = true;
  if (p->model == IR_NEURON_LIF) {
    ir_fx_lif q;
    if (!ir_fx_lif_derive(prm, m->dt, m->v_unit, &q, &why)) goto fail;
    ok = set_i(m, &p->attrs, "quant.du", q.du) && set_i(m, &p->attrs, "quant.dv", q.dv) &&
         set_i(m, &p->attrs, "quant.vth_mant", q.vth_mant) && set_i(m, &p->attrs, "quant.bias_mant", q.bias_mant) &&
         set_i(m, &p->attrs, "quant.bias_exp", q.bias_exp) && set_i(m, &p->attrs, "quant.refractory", q.refractory);
  } else if (p->model == IR_NEURON_NALSM_LIF) {
    ir_fx_nalsm_lif q;
    if (!ir_fx_nalsm_lif_derive(prm, m->dt, m->v_unit, &q, &why)) goto fail;
    ok = set_i(m, &p->attrs, "quant.leak", q.leak) && set_i(m, &p->attrs, "quant.vth", q.vth) &&
         set_i(m, &p->attrs, "quant.v_reset", q.v_reset) && set_i(m, &p->attrs, "quant.refractory", q.refractory);
  } else {
    ir_warning(d, p->loc, "population '%s': neuron model '%s' has no fixed-point derivation yet; its parameters "
               "are not quantised", p->name, desc->name);
  }
  if (!ok) ir_error(d, p->loc, "out of memory");
  return ok;
fail:
  ir_error(d, p->loc, "population '%s' cannot be quantised: %s", p->name, why);
  return false;
}

static bool quantise_astrocyte(ir_module *m, uint32_t i, ir_diag *d) {
  ir_astrocyte *a = &m->astros[i];
  const ir_model_desc *desc = ir_astro_model_desc(a->model);
  double prm[IR_MAX_PARAMS];
  if (!const_params(a->params, desc->nparams, prm)) return set_i(m, &a->attrs, "quant.per_element", 1);
  if (a->model != IR_ASTRO_NALSM) {
    ir_warning(d, a->loc, "astrocyte '%s': model '%s' has no fixed-point derivation yet; its parameters are not "
               "quantised", a->name, desc->name);
    return true;
  }
  ir_fx_nalsm_astro q;
  const char *why = NULL;
  if (!ir_fx_nalsm_astro_derive(prm, m->dt, &q, &why)) {
    ir_error(d, a->loc, "astrocyte '%s' cannot be quantised: %s", a->name, why);
    return false;
  }
  return set_i(m, &a->attrs, "quant.a0", q.a0) && set_i(m, &a->attrs, "quant.w_a", q.w_a) &&
         set_i(m, &a->attrs, "quant.b_a", q.b_a) && set_i(m, &a->attrs, "quant.k", q.k);
}

/* The weight exponent on the target: ir_fx_weight_exp (8-bit mixed-sign mantissa, -6..7), then
 * raised while a narrower mantissa (weight_bits < 8) overflows, then raised to the target's
 * exp_min. Returns false with *why set. */
static bool target_wexp(const map_target *t, const ir_csr *c, double lo, double hi, double v_unit, int32_t *e,
                        int32_t *mmax, const char **why) {
  if (!ir_fx_weight_exp(c->weight, c->nsyn, lo, hi, v_unit, e)) {
    *why = "needs a weight exponent above 7 (raise network.v_unit)";
    return false;
  }
  *mmax = (1 << (t->weight_bits - 1)) - 1;
  if (*mmax < IR_FX_WMANT_MAX) {
    double big = 0;
    for (uint64_t k = 0; k < c->nsyn; k++) big = fmax(big, fabs((double)c->weight[k]));
    if (isfinite(lo)) big = fmax(big, fabs(lo));
    if (isfinite(hi)) big = fmax(big, fabs(hi));
    while (*e < IR_FX_WEXP_MAX && fabs((double)ir_fx_round(big / (v_unit * ldexp(1.0, *e)))) > *mmax) (*e)++;
    if (fabs((double)ir_fx_round(big / (v_unit * ldexp(1.0, *e)))) > *mmax) {
      *why = "does not fit the target's weight mantissa even with exponent 7 (raise network.v_unit)";
      return false;
    }
  }
  if (*e < t->wexp_min) *e = t->wexp_min < IR_FX_WEXP_MAX ? t->wexp_min : IR_FX_WEXP_MAX;
  if (*e > t->wexp_max) {
    *why = "needs a weight exponent above the target's exp_max";
    return false;
  }
  return true;
}

/* Mantissa of w with exponent e and mantissa bound mmax (ir_fx_weight_w16 for the 8-bit case). */
static int32_t mantissa(double w, int32_t e, int32_t mmax, double v_unit) {
  if (mmax == IR_FX_WMANT_MAX) return ir_fx_wmant(ir_fx_weight_w16(w, e, v_unit));
  int64_t q = ir_fx_round(w / (v_unit * ldexp(1.0, e)));
  return (int32_t)(q > mmax ? mmax : q < -mmax ? -mmax : q);
}

static bool quantise_projection(ir_module *m, uint32_t i, const map_target *t, ir_diag *d) {
  ir_projection *p = &m->projs[i];
  const ir_csr *c = p->csr;
  if (!c) {
    ir_error(d, p->loc, "projection '%s' is not expanded; run the expand pass before quantise", p->name);
    return false;
  }
  bool plastic = p->plasticity != IR_PLAST_NONE;
  if (plastic && !t->stdp) {
    ir_error(d, p->loc, "projection '%s' is plastic but target '%s' has no STDP learning engine", p->name, t->name);
    return false;
  }
  if (p->plasticity == IR_PLAST_ASTRO_STDP && !t->third_factor) {
    ir_error(d, p->loc, "projection '%s' uses astro_stdp, which needs a third-factor learning engine; target '%s' "
             "has none", p->name, t->name);
    return false;
  }
  double lo = -INFINITY, hi = INFINITY;
  if (plastic) {
    const ir_value *wmin = &p->plast_params[IR_P_STDP_W_MIN], *wmax = &p->plast_params[IR_P_STDP_W_MAX];
    if (wmin->kind == IR_VAL_CONST) lo = wmin->a;
    if (wmax->kind == IR_VAL_CONST) hi = wmax->a;
  }
  int32_t e, mmax;
  const char *why = NULL;
  if (!target_wexp(t, c, lo, hi, m->v_unit, &e, &mmax, &why)) {
    ir_error(d, p->loc, "projection '%s' %s", p->name, why);
    return false;
  }
  uint32_t dmax = 0;
  double emax = 0, esum = 0, wmaxabs = 0, wsum = 0;
  double unit = m->v_unit * ldexp(1.0, e);
  for (uint64_t k = 0; k < c->nsyn; k++) {
    double w = c->weight[k];
    double err = fabs(mantissa(w, e, mmax, m->v_unit) * unit - w);
    emax = fmax(emax, err);
    esum += err;
    wmaxabs = fmax(wmaxabs, fabs(w));
    wsum += fabs(w);
    if (c->delay[k] > dmax) dmax = c->delay[k];
  }
  if (dmax > t->delay_max) {
    ir_error(d, p->loc, "projection '%s' has delays up to %u steps; target '%s' allows at most %u", p->name, dmax,
             t->name, t->delay_max);
    return false;
  }
  if (plastic) {
    double prm[IR_MAX_PARAMS];
    ir_fx_stdp q;
    if (!const_params(p->plast_params, IR_P_STDP_COUNT, prm) || !ir_fx_stdp_derive(prm, m->dt, m->v_unit, e, &q, &why)) {
      ir_error(d, p->loc, "projection '%s': plasticity cannot be quantised: %s", p->name,
               why ? why : "its parameters must be constants");
      return false;
    }
    if (!set_i(m, &p->attrs, "quant.a_plus", q.a_plus) || !set_i(m, &p->attrs, "quant.a_minus", q.a_minus)) goto oom;
  }
  uint32_t dbits = map_delay_bits(dmax);
  double n = c->nsyn ? (double)c->nsyn : 1;
  if (!set_i(m, &p->attrs, "quant.wexp", e) || !set_i(m, &p->attrs, "quant.delay_bits", dbits) ||
      !set_i(m, &p->attrs, "quant.syn_bits", map_syn_bits_per_synapse(t, dbits, plastic)) ||
      !ir_attr_set_float(m, &p->attrs, "quant.err_max_mv", emax) ||
      !ir_attr_set_float(m, &p->attrs, "quant.err_max_pct", wmaxabs > 0 ? 100 * emax / wmaxabs : 0) ||
      !ir_attr_set_float(m, &p->attrs, "quant.err_mean_mv", esum / n) ||
      !ir_attr_set_float(m, &p->attrs, "quant.err_mean_pct", wsum > 0 ? 100 * esum / wsum : 0))
    goto oom;
  return true;
oom:
  ir_error(d, p->loc, "out of memory");
  return false;
}

bool pass_quantise(ir_module *m, ir_diag *d) {
  const map_target *t = map_context_target();
  IR_ASSERT(t != NULL);
  bool ok = true;
  for (uint32_t i = 0; i < m->npops; i++) ok &= quantise_population(m, i, d);
  for (uint32_t i = 0; i < m->nastros; i++) ok &= quantise_astrocyte(m, i, d);
  for (uint32_t i = 0; i < m->nprojs; i++) ok &= quantise_projection(m, i, t, d);
  return ok;
}
