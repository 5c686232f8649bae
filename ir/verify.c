/* verify.c — the structural invariants of a module (docs/ir.md, "Verifier"), one diagnostic each.
 *
 * The verifier trusts nothing: it runs on builder-made modules, on parsed text and between
 * passes, so every index is range-checked before it is used and every message names the node.
 */
#include "ir.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct vctx {
  const ir_module *m;
  ir_diag *d;
  unsigned errors;
} vctx;

static void bad(vctx *v, ir_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void bad(vctx *v, ir_loc loc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  ir_diag_vreport(v->d, IR_SEV_ERROR, loc, fmt, ap);
  va_end(ap);
  v->errors++;
}

static const char *nm(const char *name) { return name ? name : "(null)"; }

#define KIND(k) (1u << (k))

/* Checks that r is one of `kinds` and in range; `role` says what it is for. */
static bool check_ref(vctx *v, ir_loc loc, const char *who, const char *role, ir_ref r, unsigned kinds,
                      const char *expect) {
  if ((unsigned)r.kind >= IR_NODE_KIND_COUNT || !((kinds >> r.kind) & 1u)) {
    const char *kind = ir_node_kind_name(r.kind);
    bad(v, loc, "%s: %s must be %s, not %s %s", who, role, expect, kind[0] == 'a' || kind[0] == 'i' ? "an" : "a",
        kind);
    return false;
  }
  if (!ir_node_name(v->m, r)) {
    bad(v, loc, "%s: %s refers to %s #%" PRIu32 ", which does not exist", who, role, ir_node_kind_name(r.kind),
        r.index);
    return false;
  }
  return true;
}

/* ---------------------------------------------------------------- values */

typedef struct value_rule {
  const char *name;
  ir_dim dim;
  double min, max;
  bool may_be_unset;
} value_rule;

static void check_number(vctx *v, ir_loc loc, const char *who, const value_rule *r, const char *what, double x) {
  if (isnan(x)) bad(v, loc, "%s: '%s' %s is not a number", who, r->name, what);
  else if (x < r->min || x > r->max)
    bad(v, loc, "%s: '%s' %s %g is outside [%g, %g]", who, r->name, what, x, r->min, r->max);
}

static void check_value(vctx *v, ir_loc loc, const char *who, const ir_value *val, const value_rule *r) {
  if (val->kind == IR_VAL_UNSET) {
    if (!r->may_be_unset) bad(v, loc, "%s: '%s' must be set", who, r->name);
    else if (!ir_dim_eq(val->dim, r->dim) && !ir_dim_eq(val->dim, IR_DIM_NONE))
      bad(v, loc, "%s: '%s' has dimension %s, expected %s", who, r->name, ir_dim_name(val->dim), ir_dim_name(r->dim));
    return;
  }
  if (!ir_dim_eq(val->dim, r->dim)) {
    bad(v, loc, "%s: '%s' has dimension %s, expected %s", who, r->name, ir_dim_name(val->dim), ir_dim_name(r->dim));
    return;
  }
  switch (val->kind) {
  case IR_VAL_CONST: check_number(v, loc, who, r, "value", val->a); return;
  case IR_VAL_UNIFORM:
    if (!(val->a < val->b)) bad(v, loc, "%s: '%s' uniform(a, b) needs a < b, got %g and %g", who, r->name, val->a, val->b);
    else {
      check_number(v, loc, who, r, "lower bound", val->a);
      check_number(v, loc, who, r, "upper bound", val->b);
    }
    return;
  case IR_VAL_NORMAL:
    check_number(v, loc, who, r, "mean", val->a);
    if (!(val->b >= 0) || !isfinite(val->b))
      bad(v, loc, "%s: '%s' normal standard deviation must be finite and >= 0, got %g", who, r->name, val->b);
    if (isnan(val->lo) || isnan(val->hi) || !(val->lo <= val->hi))
      bad(v, loc, "%s: '%s' normal needs min <= max, got %g and %g", who, r->name, val->lo, val->hi);
    return;
  case IR_VAL_CHOICE:
    if (val->nchoice == 0 || !val->choice) {
      bad(v, loc, "%s: '%s' choice needs at least one value", who, r->name);
      return;
    }
    for (uint32_t i = 0; i < val->nchoice; i++) check_number(v, loc, who, r, "choice", val->choice[i]);
    return;
  default: bad(v, loc, "%s: '%s' has an invalid value kind %d", who, r->name, (int)val->kind);
  }
}

/* Parameters of a model table: dimension, bounds, and "unset" only where the default is unset. */
static void check_params(vctx *v, ir_loc loc, const char *who, const ir_model_desc *desc, const ir_value *params) {
  for (uint32_t i = 0; i < desc->nparams; i++) {
    const ir_param_desc *pd = &desc->params[i];
    value_rule r = {pd->name, pd->dim, pd->min, pd->max, isnan(pd->def)};
    check_value(v, loc, who, &params[i], &r);
  }
}

static void check_attrs(vctx *v, ir_loc loc, const char *who, const ir_attrs *a) {
  if (a->n && !a->v) {
    bad(v, loc, "%s: attribute array missing", who);
    return;
  }
  for (uint32_t i = 0; i < a->n; i++) {
    const ir_attr *x = &a->v[i];
    if (!x->key || !x->key[0]) bad(v, loc, "%s: attribute %" PRIu32 " has an empty key", who, i);
    else
      for (uint32_t j = 0; j < i; j++)
        if (a->v[j].key && strcmp(a->v[j].key, x->key) == 0) bad(v, loc, "%s: duplicate attribute '%s'", who, x->key);
    if ((unsigned)x->kind > IR_ATTR_STR) bad(v, loc, "%s: attribute '%s' has an invalid kind", who, nm(x->key));
    else if (x->kind == IR_ATTR_STR && !x->u.s) bad(v, loc, "%s: attribute '%s' has no string", who, nm(x->key));
  }
}

/* ---------------------------------------------------------------- names */

typedef struct named {
  const char *name;
  ir_loc loc;
  size_t order;
} named;

static int cmp_named(const void *a, const void *b) {
  const named *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* Names of populations, astrocytes, inputs, projections and probes are unique among them all;
 * grid names among grids. A repeated name is reported at its second (and later) definitions. */
static void check_names(vctx *v) {
  const ir_module *m = v->m;
  size_t n = (size_t)m->npops + m->nastros + m->ninputs + m->nprojs + m->nprobes;
  named *all = malloc((n ? n : 1) * sizeof *all);
  if (!all) return;
  size_t k = 0;
#define ADD(arr, cnt, kind)                                                                 \
  for (uint32_t i = 0; i < m->cnt; i++) {                                                   \
    if (!m->arr[i].name || !m->arr[i].name[0])                                              \
      bad(v, m->arr[i].loc, "%s #%" PRIu32 " has no name", ir_node_kind_name(kind), i);     \
    all[k] = (named){nm(m->arr[i].name), m->arr[i].loc, k};                                 \
    k++;                                                                                    \
  }
  ADD(pops, npops, IR_NODE_POPULATION)
  ADD(astros, nastros, IR_NODE_ASTROCYTE)
  ADD(inputs, ninputs, IR_NODE_INPUT)
  ADD(projs, nprojs, IR_NODE_PROJECTION)
  ADD(probes, nprobes, IR_NODE_PROBE)
#undef ADD
  qsort(all, n, sizeof *all, cmp_named);
  for (size_t i = 1; i < n; i++)
    if (all[i].name[0] && strcmp(all[i - 1].name, all[i].name) == 0)
      bad(v, all[i].loc, "the name '%s' is used by more than one node", all[i].name);
  free(all);
  for (uint32_t i = 0; i < m->ngrids; i++) {
    if (!m->grids[i].name || !m->grids[i].name[0]) bad(v, m->grids[i].loc, "grid #%" PRIu32 " has no name", i);
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(nm(m->grids[i].name), nm(m->grids[j].name)) == 0)
        bad(v, m->grids[i].loc, "grid '%s' is defined twice", nm(m->grids[i].name));
  }
}

/* ---------------------------------------------------------------- nodes */

static void check_network(vctx *v) {
  const ir_module *m = v->m;
  if (!m->name || !m->name[0]) bad(v, m->loc, "the network has no name");
  if (!(m->dt > 0) || !isfinite(m->dt)) bad(v, m->loc, "network: dt must be > 0, got %g ms", m->dt);
  if (!(m->v_unit > 0) || !isfinite(m->v_unit)) bad(v, m->loc, "network: v_unit must be > 0, got %g mV", m->v_unit);
  if (!(m->duration >= 0) || !isfinite(m->duration))
    bad(v, m->loc, "network: duration must be >= 0, got %g ms", m->duration);
  if (m->numerics != IR_NUMERICS_FLOAT && m->numerics != IR_NUMERICS_FIXED)
    bad(v, m->loc, "network: invalid numerics %d", (int)m->numerics);
  check_attrs(v, m->loc, "network", &m->attrs);
}

static uint64_t grid_sites(const ir_grid *g) { return (uint64_t)g->shape[0] * g->shape[1] * g->shape[2]; }

static void check_grid(vctx *v, const ir_grid *g) {
  char who[96];
  snprintf(who, sizeof who, "grid '%s'", nm(g->name));
  for (int i = 0; i < 3; i++)
    if (g->shape[i] == 0) {
      bad(v, g->loc, "%s: shape [%" PRIu32 ",%" PRIu32 ",%" PRIu32 "] has a zero extent", who, g->shape[0],
          g->shape[1], g->shape[2]);
      break;
    }
  if (!(g->spacing > 0) || !isfinite(g->spacing)) bad(v, g->loc, "%s: spacing must be > 0, got %g", who, g->spacing);
  check_attrs(v, g->loc, who, &g->attrs);
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* The populations of a grid fit in it, and their sites (once laid out) are in range and distinct. */
static void check_grid_sites(vctx *v, uint32_t gi) {
  const ir_module *m = v->m;
  const ir_grid *g = &m->grids[gi];
  uint64_t nsites = grid_sites(g), need = 0, have = 0;
  for (uint32_t i = 0; i < m->npops; i++)
    if (m->pops[i].grid == (int32_t)gi) {
      need += m->pops[i].size;
      if (m->pops[i].sites) have += m->pops[i].size;
    }
  if (need > nsites)
    bad(v, g->loc, "grid '%s': its populations have %" PRIu64 " neurons but it has only %" PRIu64 " sites", nm(g->name),
        need, nsites);
  if (have == 0 || need > nsites) return;
  uint32_t *all = malloc((size_t)have * sizeof *all);
  if (!all) return;
  size_t k = 0;
  for (uint32_t i = 0; i < m->npops; i++) {
    const ir_population *p = &m->pops[i];
    if (p->grid != (int32_t)gi || !p->sites) continue;
    for (uint32_t j = 0; j < p->size; j++) {
      if (p->sites[j] >= nsites)
        bad(v, p->loc, "population '%s': neuron %" PRIu32 " has site %" PRIu32 ", outside grid '%s' (%" PRIu64 " sites)",
            nm(p->name), j, p->sites[j], nm(g->name), nsites);
      all[k++] = p->sites[j];
    }
  }
  qsort(all, k, sizeof *all, cmp_u32);
  for (size_t i = 1; i < k; i++)
    if (all[i] == all[i - 1]) {
      bad(v, g->loc, "grid '%s': site %" PRIu32 " is given to more than one neuron", nm(g->name), all[i]);
      break;
    }
  free(all);
}

static void check_population(vctx *v, const ir_population *p) {
  char who[96];
  snprintf(who, sizeof who, "population '%s'", nm(p->name));
  const ir_model_desc *desc = ir_neuron_model_desc(p->model);
  if (!desc) bad(v, p->loc, "%s: invalid neuron model %d", who, (int)p->model);
  else check_params(v, p->loc, who, desc, p->params);
  if (p->size < 1) bad(v, p->loc, "%s: size must be >= 1", who);
  if (p->grid < -1 || (p->grid >= 0 && (uint32_t)p->grid >= v->m->ngrids))
    bad(v, p->loc, "%s: grid #%" PRId32 " does not exist", who, p->grid);
  if (p->sites && p->grid < 0) bad(v, p->loc, "%s: has grid sites but no grid", who);
  check_attrs(v, p->loc, who, &p->attrs);
}

static void check_astrocyte(vctx *v, const ir_astrocyte *a) {
  char who[96];
  snprintf(who, sizeof who, "astrocyte '%s'", nm(a->name));
  const ir_model_desc *desc = ir_astro_model_desc(a->model);
  if (!desc) bad(v, a->loc, "%s: invalid astrocyte model %d", who, (int)a->model);
  else check_params(v, a->loc, who, desc, a->params);
  if (a->model == IR_ASTRO_LI_RINZEL && v->m->numerics == IR_NUMERICS_FIXED)
    bad(v, a->loc, "%s: the li_rinzel model needs float numerics (the network is fixed)", who);
  if (a->size < 1) bad(v, a->loc, "%s: size must be >= 1", who);
  if (a->nlisten && !a->listen) bad(v, a->loc, "%s: listen array missing", who);
  for (uint32_t i = 0; a->listen && i < a->nlisten; i++) {
    const ir_astro_listen *l = &a->listen[i];
    check_ref(v, l->loc.file ? l->loc : a->loc, who, "a listen source", l->source,
              KIND(IR_NODE_POPULATION) | KIND(IR_NODE_INPUT) | KIND(IR_NODE_PROJECTION),
              "a population, an input or a projection");
    if (l->sign != 1 && l->sign != -1)
      bad(v, l->loc.file ? l->loc : a->loc, "%s: listen sign must be +1 or -1, got %d", who, l->sign);
  }
  if (a->nmodulates && !a->modulates) bad(v, a->loc, "%s: modulates array missing", who);
  for (uint32_t i = 0; a->modulates && i < a->nmodulates; i++)
    check_ref(v, a->loc, who, "a modulated node", a->modulates[i], KIND(IR_NODE_PROJECTION) | KIND(IR_NODE_POPULATION),
              "a projection or a population");
  check_attrs(v, a->loc, who, &a->attrs);
}

static void check_input(vctx *v, const ir_input *in) {
  char who[96];
  snprintf(who, sizeof who, "input '%s'", nm(in->name));
  if (in->size < 1) bad(v, in->loc, "%s: size must be >= 1", who);
  bool dataset = in->kind == IR_INPUT_DATASET;
  if ((unsigned)in->kind >= IR_INPUT_KIND_COUNT) bad(v, in->loc, "%s: invalid input kind %d", who, (int)in->kind);
  if (dataset && (unsigned)in->encoding >= IR_ENC_COUNT)
    bad(v, in->loc, "%s: invalid encoding %d", who, (int)in->encoding);
  bool need_rate = in->kind == IR_INPUT_POISSON || (dataset && in->encoding == IR_ENC_RATE);
  bool need_p = in->kind == IR_INPUT_BERNOULLI || (dataset && in->encoding == IR_ENC_BERNOULLI);
  value_rule rate = {"rate", IR_DIM_RATE, 0, INFINITY, !need_rate};
  value_rule p = {"p", IR_DIM_NONE, 0, 1, !need_p};
  value_rule sample_time = {"sample_time", IR_DIM_TIME, 0, INFINITY, true};
  value_rule current = {"current", IR_DIM_VOLTAGE, -INFINITY, INFINITY, in->inject_into < 0};
  check_value(v, in->loc, who, &in->rate, &rate);
  check_value(v, in->loc, who, &in->p, &p);
  check_value(v, in->loc, who, &in->sample_time, &sample_time);
  if (in->sample_time.kind == IR_VAL_CONST && !(in->sample_time.a > 0))
    bad(v, in->loc, "%s: sample_time must be > 0", who);
  check_value(v, in->loc, who, &in->inject_current, &current);
  if (in->kind == IR_INPUT_SPIKES && (!in->file || !in->file[0])) bad(v, in->loc, "%s: a spikes input needs a file", who);
  if (dataset && (!in->dataset || !in->dataset[0])) bad(v, in->loc, "%s: a dataset input needs a dataset name", who);
  if (in->inject_into < -1 || (in->inject_into >= 0 && (uint32_t)in->inject_into >= v->m->npops))
    bad(v, in->loc, "%s: inject target population #%" PRId32 " does not exist", who, in->inject_into);
  else if (in->inject_into >= 0 && v->m->pops[in->inject_into].size != in->size)
    bad(v, in->loc, "%s: injects one-to-one into population '%s', whose size %" PRIu32 " differs from %" PRIu32, who,
        nm(v->m->pops[in->inject_into].name), v->m->pops[in->inject_into].size, in->size);
  check_attrs(v, in->loc, who, &in->attrs);
}

static void check_rule(vctx *v, const ir_projection *p, const char *who) {
  const ir_conn_rule *r = &p->rule;
  ir_loc loc = r->loc.file ? r->loc : p->loc;
  switch (r->kind) {
  case IR_CONN_ALL_TO_ALL: break;
  case IR_CONN_ONE_TO_ONE:
    if (ir_node_size(v->m, p->pre) != ir_node_size(v->m, p->post))
      bad(v, loc, "%s: one_to_one needs pre and post of equal size, got %" PRIu64 " and %" PRIu64, who,
          ir_node_size(v->m, p->pre), ir_node_size(v->m, p->post));
    break;
  case IR_CONN_FIXED_PROBABILITY:
    if (!(r->p >= 0 && r->p <= 1)) bad(v, loc, "%s: fixed_probability p must be in [0, 1], got %g", who, r->p);
    break;
  case IR_CONN_FIXED_INDEGREE: break;
  case IR_CONN_FIXED_TOTAL_NUMBER: break;
  case IR_CONN_DISTANCE:
    if (!(r->c >= 0 && r->c <= 1)) bad(v, loc, "%s: distance c must be in [0, 1], got %g", who, r->c);
    if (!(r->lambda > 0) || !isfinite(r->lambda)) bad(v, loc, "%s: distance lambda must be > 0, got %g", who, r->lambda);
    break;
  case IR_CONN_LIST:
    if (!r->file || !r->file[0]) bad(v, loc, "%s: the list rule needs a file", who);
    break;
  default: bad(v, loc, "%s: invalid connectivity rule %d", who, (int)r->kind);
  }
}

/* CSR invariants of ir.h: shape matches pre/post, row_ptr monotone from 0 to nsyn, col < npost,
 * ascending within a row (duplicates only for the list rule). */
static void check_csr(vctx *v, const ir_projection *p, const char *who) {
  const ir_csr *c = p->csr;
  uint64_t npre = ir_node_size(v->m, p->pre), npost = ir_node_size(v->m, p->post);
  if (c->npre != npre || c->npost != npost) {
    bad(v, p->loc, "%s: csr is %" PRIu32 "x%" PRIu32 " but pre and post have %" PRIu64 " and %" PRIu64 " neurons", who,
        c->npre, c->npost, npre, npost);
    return;
  }
  if (!c->row_ptr || (c->nsyn && (!c->col || !c->weight || !c->delay))) {
    bad(v, p->loc, "%s: csr arrays missing", who);
    return;
  }
  if (c->row_ptr[0] != 0) {
    bad(v, p->loc, "%s: csr row_ptr[0] is %" PRIu64 ", not 0", who, c->row_ptr[0]);
    return;
  }
  for (uint32_t i = 0; i < c->npre; i++)
    if (c->row_ptr[i + 1] < c->row_ptr[i] || c->row_ptr[i + 1] > c->nsyn) {
      bad(v, p->loc, "%s: csr row_ptr is not nondecreasing within [0, nsyn] at row %" PRIu32, who, i);
      return;
    }
  if (c->row_ptr[c->npre] != c->nsyn) {
    bad(v, p->loc, "%s: csr row_ptr ends at %" PRIu64 ", but nsyn is %" PRIu64, who, c->row_ptr[c->npre], c->nsyn);
    return;
  }
  bool list = p->rule.kind == IR_CONN_LIST;
  for (uint32_t i = 0; i < c->npre; i++)
    for (uint64_t k = c->row_ptr[i]; k < c->row_ptr[i + 1]; k++) {
      if (c->col[k] >= c->npost) {
        bad(v, p->loc, "%s: synapse %" PRIu64 " (row %" PRIu32 ") targets neuron %" PRIu32 " of %" PRIu32, who, k, i,
            c->col[k], c->npost);
        return;
      }
      if (k > c->row_ptr[i] && (list ? c->col[k] < c->col[k - 1] : c->col[k] <= c->col[k - 1])) {
        bad(v, p->loc, "%s: row %" PRIu32 " of the csr is not in ascending column order%s", who, i,
            list ? "" : " (or has a duplicate)");
        return;
      }
      if (isnan(c->weight[k])) {
        bad(v, p->loc, "%s: synapse %" PRIu64 " has a NaN weight", who, k);
        return;
      }
    }
}

static void check_projection(vctx *v, const ir_projection *p) {
  char who[96];
  snprintf(who, sizeof who, "projection '%s'", nm(p->name));
  bool pre_ok = check_ref(v, p->loc, who, "pre", p->pre, KIND(IR_NODE_POPULATION) | KIND(IR_NODE_INPUT),
                          "a population or an input");
  bool post_ok = check_ref(v, p->loc, who, "post", p->post, KIND(IR_NODE_POPULATION), "a population");
  bool list = p->rule.kind == IR_CONN_LIST;
  value_rule weight = {"weight", IR_DIM_VOLTAGE, -INFINITY, INFINITY, list};
  value_rule delay = {"delay", IR_DIM_TIME, 0, INFINITY, list};
  check_value(v, p->loc, who, &p->weight, &weight);
  check_value(v, p->loc, who, &p->delay, &delay);
  if (pre_ok && post_ok) check_rule(v, p, who);
  if ((unsigned)p->plasticity >= IR_PLASTICITY_RULE_COUNT)
    bad(v, p->loc, "%s: invalid plasticity rule %d", who, (int)p->plasticity);
  else if (p->plasticity != IR_PLAST_NONE)
    check_params(v, p->loc, who, ir_plasticity_desc(p->plasticity), p->plast_params);
  if (p->modulator < -1 || (p->modulator >= 0 && (uint32_t)p->modulator >= v->m->nastros))
    bad(v, p->loc, "%s: modulator astrocyte #%" PRId32 " does not exist", who, p->modulator);
  else if (p->plasticity == IR_PLAST_ASTRO_STDP && p->modulator < 0)
    bad(v, p->loc, "%s: astro_stdp needs a modulator astrocyte", who);
  if (p->csr && pre_ok && post_ok) check_csr(v, p, who);
  check_attrs(v, p->loc, who, &p->attrs);
}

/* State variables a probe may record, per model (docs/language.md). */
static bool var_in(const char *var, const char *const *vars) {
  for (; *vars; vars++)
    if (strcmp(var, *vars) == 0) return true;
  return false;
}

static bool probe_var_ok(const ir_module *m, ir_ref t, const char *var) {
  static const char *const lif[] = {"spikes", "v", "u", NULL}, *const nalsm_lif[] = {"spikes", "v", NULL},
                           *const amsu[] = {"spikes", "v", "u", "a", NULL};
  static const char *const nalsm[] = {"a", NULL}, *const tripartite[] = {"ca", "g", NULL},
                           *const li_rinzel[] = {"ca", "h", "ip3", NULL};
  static const char *const input[] = {"spikes", NULL}, *const plastic[] = {"w", NULL};
  switch (t.kind) {
  case IR_NODE_POPULATION: {
    ir_neuron_model mod = m->pops[t.index].model;
    return var_in(var, mod == IR_NEURON_LIF ? lif : mod == IR_NEURON_NALSM_LIF ? nalsm_lif : amsu);
  }
  case IR_NODE_ASTROCYTE: {
    ir_astro_model mod = m->astros[t.index].model;
    return var_in(var, mod == IR_ASTRO_NALSM ? nalsm : mod == IR_ASTRO_TRIPARTITE ? tripartite : li_rinzel);
  }
  case IR_NODE_INPUT: return var_in(var, input);
  case IR_NODE_PROJECTION: return m->projs[t.index].plasticity != IR_PLAST_NONE && var_in(var, plastic);
  default: return false;
  }
}

static void check_probe(vctx *v, const ir_probe *p) {
  char who[96];
  snprintf(who, sizeof who, "probe '%s'", nm(p->name));
  bool ok = check_ref(v, p->loc, who, "its target", p->target,
                      KIND(IR_NODE_POPULATION) | KIND(IR_NODE_ASTROCYTE) | KIND(IR_NODE_INPUT) | KIND(IR_NODE_PROJECTION),
                      "a population, an astrocyte, an input or a projection");
  if (!p->var || !p->var[0]) bad(v, p->loc, "%s: no variable to record", who);
  else if (ok && !probe_var_ok(v->m, p->target, p->var))
    bad(v, p->loc, "%s: %s '%s' has no variable '%s'", who, ir_node_kind_name(p->target.kind),
        nm(ir_node_name(v->m, p->target)), p->var);
  if (p->every < 1) bad(v, p->loc, "%s: every must be >= 1", who);
  if (p->indices && p->nindices == 0) bad(v, p->loc, "%s: an empty neuron list records nothing", who);
  if (!p->indices && p->nindices) bad(v, p->loc, "%s: neuron list missing", who);
  uint64_t size = ok ? ir_node_size(v->m, p->target) : UINT64_MAX;
  for (uint32_t i = 0; p->indices && i < p->nindices; i++)
    if (p->indices[i] >= size) {
      bad(v, p->loc, "%s: neuron %" PRIu32 " is out of range (target has %" PRIu64 ")", who, p->indices[i], size);
      break;
    }
  check_attrs(v, p->loc, who, &p->attrs);
}

bool ir_verify(const ir_module *m, ir_diag *d) {
  vctx v = {m, d, 0};
  check_network(&v);
  check_names(&v);
  for (uint32_t i = 0; i < m->ngrids; i++) check_grid(&v, &m->grids[i]);
  for (uint32_t i = 0; i < m->npops; i++) check_population(&v, &m->pops[i]);
  for (uint32_t i = 0; i < m->ngrids; i++) check_grid_sites(&v, i);
  for (uint32_t i = 0; i < m->nastros; i++) check_astrocyte(&v, &m->astros[i]);
  for (uint32_t i = 0; i < m->ninputs; i++) check_input(&v, &m->inputs[i]);
  for (uint32_t i = 0; i < m->nprojs; i++) check_projection(&v, &m->projs[i]);
  for (uint32_t i = 0; i < m->nprobes; i++) check_probe(&v, &m->probes[i]);
  for (uint32_t i = 0; i < m->nphases; i++) {
    char who[96];
    snprintf(who, sizeof who, "phase '%s'", nm(m->phases[i].name));
    if (!m->phases[i].name || !m->phases[i].name[0]) bad(&v, m->phases[i].loc, "phase #%" PRIu32 " has no name", i);
    check_attrs(&v, m->phases[i].loc, who, &m->phases[i].attrs);
  }
  return v.errors == 0;
}
