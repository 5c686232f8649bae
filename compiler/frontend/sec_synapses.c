/* sec_synapses.c — the `synapses:` section: projections with endpoints, a connectivity rule, weight,
 * delay and optional (astrocyte-modulated) STDP. */
#include <string.h>

#include "fe_internal.h"

static const char *const proj_keys[] = {"pre", "post", "connectivity", "weight", "delay", "plasticity"};
static const char *const rules[] = {
    "all_to_all", "one_to_one", "fixed_probability", "fixed_indegree", "fixed_total_number", "distance", "list"};
/* Keys each rule accepts besides `rule` (NULL-terminated). */
static const char *const rule_keys[][4] = {
    {"allow_self", NULL},
    {NULL},
    {"p", "allow_self", NULL},
    {"indegree", "allow_self", NULL},
    {"n", "allow_self", NULL},
    {"c", "lambda", "allow_self", NULL},
    {"file", NULL},
};

static size_t count_keys(const char *const *keys) {
  size_t n = 0;
  while (keys[n]) n++;
  return n;
}

/* Rule parameters; sizes are checked by check_rule_sizes once the endpoints are known. */
static bool connectivity(fe_ctx *c, const fe_node *n, const char *what, ir_conn_rule *r) {
  const char *where = fe_fmt(c, "'connectivity' of %s", what);
  if (!fe_expect_map(c, n, where)) return false;
  const fe_node *rv = fe_require(c, n, "rule", where, n->loc), *v;
  int kind;
  if (!rv || !fe_enum(c, rv, "connectivity rule", rules, IR_CONN_KIND_COUNT, &kind)) return false;
  const char *allowed[5] = {"rule"};
  size_t na = 1 + count_keys(rule_keys[kind]);
  for (size_t i = 1; i < na; i++) allowed[i] = rule_keys[kind][i - 1];
  bool ok = fe_check_keys(c, n, allowed, na, fe_fmt(c, "a '%s' rule", rules[kind]));
  r->kind = (ir_conn_kind)kind;
  r->loc = rv->loc;
  uint64_t u;
  switch (r->kind) {
  case IR_CONN_FIXED_PROBABILITY:
    ok = (v = fe_require(c, n, "p", where, rv->loc)) && fe_quantity_in(c, v, "'p'", IR_DIM_NONE, 0, 1, &r->p) && ok;
    break;
  case IR_CONN_FIXED_INDEGREE:
    ok = (v = fe_require(c, n, "indegree", where, rv->loc)) && fe_uint(c, v, "'indegree'", 1, UINT32_MAX, &u) && ok;
    if (ok) r->indegree = (uint32_t)u;
    break;
  case IR_CONN_FIXED_TOTAL_NUMBER:
    ok = (v = fe_require(c, n, "n", where, rv->loc)) && fe_uint(c, v, "'n'", 1, UINT64_MAX, &r->n) && ok;
    break;
  case IR_CONN_DISTANCE: {
    const fe_node *cv = fe_require(c, n, "c", where, rv->loc), *lv = fe_require(c, n, "lambda", where, rv->loc);
    ok = cv && fe_quantity_in(c, cv, "'c'", IR_DIM_NONE, 0, 1, &r->c) && ok;
    ok = lv && fe_quantity_in(c, lv, "'lambda'", IR_DIM_NONE, 0, INFINITY, &r->lambda) && ok;
    if (ok && r->lambda <= 0) {
      ir_error(c->d, lv->loc, "'lambda' must be > 0");
      ok = false;
    }
    break;
  }
  case IR_CONN_LIST:
    ok = (v = fe_require(c, n, "file", where, rv->loc)) && fe_expect_scalar(c, v, "'file'") && ok;
    if (ok) {
      r->file = fe_resolve_path(c, v->str);
      ok = r->file && fe_check_csv(c, v, r->file, "pre,post,weight,delay");
    }
    break;
  default: break;
  }
  if ((v = fe_get(n, "allow_self")) && !fe_bool(c, v, "'allow_self'", &r->allow_self)) ok = false;
  return ok;
}

/* Size constraints that need both endpoints. */
static bool check_rule_sizes(fe_ctx *c, const ir_conn_rule *r, const fe_node *conn, uint64_t npre, uint64_t npost,
                             bool self, const char *what) {
  const fe_node *v;
  switch (r->kind) {
  case IR_CONN_ONE_TO_ONE:
    if (npre != npost) {
      ir_error(c->d, r->loc, "one_to_one needs pre and post of the same size; %s connects %llu to %llu neurons", what,
               (unsigned long long)npre, (unsigned long long)npost);
      return false;
    }
    return true;
  case IR_CONN_FIXED_INDEGREE: {
    uint64_t avail = npre - (self && !r->allow_self ? 1 : 0);
    if (r->indegree > avail) {
      v = fe_get(conn, "indegree");
      ir_error(c->d, v ? v->loc : r->loc, "'indegree' %u exceeds the %llu available presynaptic neurons", r->indegree,
               (unsigned long long)avail);
      return false;
    }
    return true;
  }
  case IR_CONN_FIXED_TOTAL_NUMBER: {
    uint64_t avail = npre * npost - (self && !r->allow_self ? npre : 0);
    if (r->n > avail) {
      v = fe_get(conn, "n");
      ir_error(c->d, v ? v->loc : r->loc, "'n' %llu exceeds the %llu possible pairs", (unsigned long long)r->n,
               (unsigned long long)avail);
      return false;
    }
    return true;
  }
  default: return true;
  }
}

static bool plasticity(fe_ctx *c, const fe_node *n, const char *what, ir_projection *pr, const fe_node **modv) {
  static const char *const keys[] = {"rule", "modulator", "form", "params"};
  static const char *const forms[] = {"hebbian", "anti_hebbian"};
  static const char *const prules[] = {"stdp", "astro_stdp"};
  const char *where = fe_fmt(c, "'plasticity' of %s", what);
  if (!fe_expect_map(c, n, where)) return false;
  bool ok = fe_check_keys(c, n, keys, 4, where);
  const fe_node *rv = fe_require(c, n, "rule", where, n->loc), *v;
  int rule, form = 0;
  if (!rv || !fe_enum(c, rv, "plasticity rule", prules, 2, &rule)) return false;
  pr->plasticity = rule ? IR_PLAST_ASTRO_STDP : IR_PLAST_STDP;
  const ir_model_desc *desc = ir_plasticity_desc(pr->plasticity);
  ir_params_set_defaults(desc, pr->plast_params);
  if ((v = fe_get(n, "form"))) ok = fe_enum(c, v, "plasticity form", forms, 2, &form) && ok;
  pr->anti_hebbian = form == 1;
  if ((v = fe_get(n, "params")) && !fe_is_null(v)) ok = fe_params(c, v, desc, what, pr->plast_params) && ok;
  const ir_value *lo = &pr->plast_params[IR_P_STDP_W_MIN], *hi = &pr->plast_params[IR_P_STDP_W_MAX];
  if (ok && lo->kind == IR_VAL_CONST && hi->kind == IR_VAL_CONST && lo->a > hi->a) {
    ir_error(c->d, lo->loc.line ? lo->loc : n->loc, "'w_min' exceeds 'w_max' in %s", where);
    ok = false;
  }
  *modv = fe_get(n, "modulator");
  if (pr->plasticity == IR_PLAST_ASTRO_STDP && !*modv) {
    ir_error(c->d, rv->loc, "astro_stdp needs a 'modulator': the astrocyte whose state scales a_minus");
    ok = false;
  } else if (pr->plasticity == IR_PLAST_STDP && *modv) {
    ir_error(c->d, fe_key_of(n, "modulator")->loc, "plain stdp takes no 'modulator'; use rule: astro_stdp");
    ok = false;
  }
  return ok;
}

static bool projection(fe_ctx *c, const fe_pair *p) {
  const char *name = p->key->str;
  const char *what = fe_fmt(c, "projection '%s'", name);
  if (!fe_expect_map(c, p->value, what)) return false;
  const fe_node *n = p->value, *v;
  bool ok = fe_check_keys(c, n, proj_keys, 6, what);
  const fe_node *prev = fe_require(c, n, "pre", what, p->key->loc),
                *postv = fe_require(c, n, "post", what, p->key->loc);
  ir_ref pre = {IR_NODE_POPULATION, 0}, post = {IR_NODE_POPULATION, 0};
  bool ends = prev && fe_resolve(c, prev, "'pre'", FE_K(IR_NODE_POPULATION) | FE_K(IR_NODE_INPUT),
                                 "a population or an input", &pre);
  ends = postv && fe_resolve(c, postv, "'post'", FE_K(IR_NODE_POPULATION), "a population", &post) && ends;
  ir_projection pr;
  memset(&pr, 0, sizeof pr);
  pr.modulator = -1;
  pr.delay = ir_value_const(0.0, IR_DIM_TIME);
  pr.weight = ir_value_const(0.0, IR_DIM_VOLTAGE);
  for (uint32_t i = 0; i < IR_MAX_PARAMS; i++) pr.plast_params[i] = (ir_value){.kind = IR_VAL_UNSET};
  const fe_node *conn = fe_require(c, n, "connectivity", what, p->key->loc);
  bool rule_ok = conn && connectivity(c, conn, what, &pr.rule);
  ok = rule_ok && ok;
  bool list = rule_ok && pr.rule.kind == IR_CONN_LIST;
  const fe_node *wv = fe_get(n, "weight"), *dv = fe_get(n, "delay");
  if (list && (wv || dv)) {
    ir_error(c->d, fe_key_of(n, wv ? "weight" : "delay")->loc,
             "a 'list' projection takes its weights and delays from the file; remove '%s'", wv ? "weight" : "delay");
    ok = false;
  } else if (!list) {
    if (!wv && rule_ok) {
      ir_error(c->d, p->key->loc, "%s needs a 'weight' key", what);
      ok = false;
    } else if (wv) {
      ok = fe_value(c, wv, "'weight'", IR_DIM_VOLTAGE, -INFINITY, INFINITY, &pr.weight) && ok;
    }
    if (dv) ok = fe_value(c, dv, "'delay'", IR_DIM_TIME, 0.0, INFINITY, &pr.delay) && ok;
  }
  const fe_node *modv = NULL;
  if ((v = fe_get(n, "plasticity")) && !fe_is_null(v)) ok = plasticity(c, v, what, &pr, &modv) && ok;
  ir_ref mod;
  if (modv && pr.plasticity == IR_PLAST_ASTRO_STDP) {
    if (fe_resolve(c, modv, "'modulator'", FE_K(IR_NODE_ASTROCYTE), "an astrocyte", &mod))
      pr.modulator = (int32_t)mod.index;
    else
      ok = false;
  }
  if (!ends) return false;
  bool self = pre.kind == post.kind && pre.index == post.index;
  if (rule_ok && !check_rule_sizes(c, &pr.rule, conn, ir_node_size(c->m, pre), ir_node_size(c->m, post), self, what))
    ok = false;
  if (rule_ok && !self && fe_get(conn, "allow_self"))
    ir_warning(c->d, fe_key_of(conn, "allow_self")->loc, "'allow_self' has no effect: pre and post differ");
  if (!ok) return false;
  int32_t idx = ir_add_projection(c->m, name, pre, post, p->key->loc);
  if (idx < 0) return false;
  ir_projection *dst = &c->m->projs[idx];
  pr.name = dst->name;
  pr.loc = dst->loc;
  pr.pre = pre;
  pr.post = post;
  *dst = pr;
  fe_name_built(c, name, idx);
  return true;
}

bool fe_section_synapses(fe_ctx *c, const fe_node *n) {
  if (fe_is_null(n)) return true;
  if (!fe_expect_map(c, n, "'synapses'")) return false;
  bool ok = true;
  for (uint32_t i = 0; i < n->n; i++)
    if (fe_name_owns(c, n->pairs[i].key, IR_NODE_PROJECTION)) ok = projection(c, &n->pairs[i]) && ok;
  return ok;
}
