/* values.c — quantities with units, per-element distributions, and `params:` blocks checked against
 * the model tables of models.def (dimension and range of every parameter). */
#include <stdio.h>
#include <string.h>

#include "fe_internal.h"

typedef struct dim_example {
  ir_dim dim;
  const char *example;
} dim_example;

static const dim_example examples[] = {
    {IR_DIMI_TIME, "20 ms"},
    {IR_DIMI_VOLTAGE, "-50 mV"},
    {IR_DIMI_RATE, "100 Hz"},
    {IR_DIMI_CURRENT, "1 nA"},
    {IR_DIMI_CONC, "0.5 uM"},
    {IR_DIMI_CONC_RATE, "0.001 uM/ms"},
    {IR_DIMI_PER_CONC_TIME, "0.0002 1/(uM*ms)"},
};

static const char *example_of(ir_dim d) {
  for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++)
    if (ir_dim_eq(examples[i].dim, d)) return examples[i].example;
  return "1";
}

void fe_format_quantity(char *buf, size_t size, double v, ir_dim dim) {
  if (ir_dim_eq(dim, IR_DIM_NONE)) {
    snprintf(buf, size, "%g", v);
    return;
  }
  snprintf(buf, size, "%g %s", v * ir_unit_print_factor(dim), ir_unit_canonical(dim));
}

static bool check_range(fe_ctx *c, ir_loc loc, const char *what, double v, ir_dim dim, double min, double max) {
  if (v >= min && v <= max) return true;
  char lo[48], hi[48], got[48];
  fe_format_quantity(lo, sizeof lo, min, dim);
  fe_format_quantity(hi, sizeof hi, max, dim);
  fe_format_quantity(got, sizeof got, v, dim);
  if (isinf(max))
    ir_error(c->d, loc, "%s must be >= %s, got %s", what, lo, got);
  else if (isinf(min))
    ir_error(c->d, loc, "%s must be <= %s, got %s", what, hi, got);
  else
    ir_error(c->d, loc, "%s must be between %s and %s, got %s", what, lo, hi, got);
  return false;
}

bool fe_quantity(fe_ctx *c, const fe_node *n, const char *what, ir_dim dim, double *out) {
  bool none = ir_dim_eq(dim, IR_DIM_NONE);
  if (!n || n->kind != FE_SCALAR || fe_is_null(n)) {
    if (none)
      ir_error(c->d, n ? n->loc : fe_loc(c->file, 0, 0), "%s must be a number, got %s", what, fe_describe(n));
    else
      ir_error(c->d, n ? n->loc : fe_loc(c->file, 0, 0), "%s needs a %s, e.g. '%s'; got %s", what, ir_dim_name(dim),
               example_of(dim), fe_describe(n));
    return false;
  }
  double v;
  const char *unit;
  if (!fe_parse_number(n->str, &v, &unit)) {
    if (none)
      ir_error(c->d, n->loc, "%s must be a number, got '%s'", what, n->str);
    else
      ir_error(c->d, n->loc, "%s needs a %s, e.g. '%s'; got '%s'", what, ir_dim_name(dim), example_of(dim), n->str);
    return false;
  }
  while (*unit == ' ') unit++;
  if (!*unit) {
    if (none) return *out = v, true;
    ir_error(c->d, n->loc, "%s needs a %s, e.g. '%s'; got a bare number", what, ir_dim_name(dim), example_of(dim));
    return false;
  }
  ir_dim got;
  double factor;
  if (!ir_unit_parse(unit, &got, &factor)) {
    if (none)
      ir_error(c->d, n->loc, "%s is dimensionless: write a bare number; '%s' is not a unit", what, unit);
    else
      ir_error(c->d, n->loc, "unknown unit '%s' in %s (expected a %s, e.g. '%s')", unit, what, ir_dim_name(dim),
               example_of(dim));
    return false;
  }
  if (ir_dim_eq(got, dim)) return *out = v * factor, true;
  if (none)
    ir_error(c->d, n->loc, "%s is dimensionless: write a bare number, e.g. '0.5'; got a %s (%s)", what,
             ir_dim_name(got), unit);
  else
    ir_error(c->d, n->loc, "%s needs a %s, e.g. '%s'; got a %s (%s)", what, ir_dim_name(dim), example_of(dim),
             ir_dim_name(got), unit);
  return false;
}

bool fe_quantity_in(fe_ctx *c, const fe_node *n, const char *what, ir_dim dim, double min, double max, double *out) {
  double v;
  if (!fe_quantity(c, n, what, dim, &v) || !check_range(c, n->loc, what, v, dim, min, max)) return false;
  *out = v;
  return true;
}

/* ---------------------------------------------------------------- distributions */

static bool value_uniform(fe_ctx *c, const fe_node *n, const char *what, ir_dim dim, double min, double max,
                          ir_value *out) {
  if (!fe_expect_seq(c, n, fe_fmt(c, "'uniform' of %s", what))) return false;
  if (n->n != 2) {
    ir_error(c->d, n->loc, "'uniform' of %s needs two bounds [low, high], got %u", what, n->n);
    return false;
  }
  double a, b;
  if (!fe_quantity_in(c, n->items[0], what, dim, min, max, &a) ||
      !fe_quantity_in(c, n->items[1], what, dim, min, max, &b))
    return false;
  if (a > b) {
    ir_error(c->d, n->loc, "'uniform' of %s: the low bound exceeds the high bound", what);
    return false;
  }
  if (a == b) { /* the IR's uniform is [a, b) with a < b (ir_verify); one value is a constant */
    ir_error(c->d, n->loc, "'uniform' of %s: the bounds are equal; write the value itself instead", what);
    return false;
  }
  out->kind = IR_VAL_UNIFORM;
  out->a = a;
  out->b = b;
  return true;
}

static bool value_normal(fe_ctx *c, const fe_node *n, const char *what, ir_dim dim, double min, double max,
                         ir_value *out) {
  static const char *const keys[] = {"mean", "sd", "min", "max"};
  const char *where = fe_fmt(c, "'normal' of %s", what);
  if (!fe_expect_map(c, n, where)) return false;
  bool ok = fe_check_keys(c, n, keys, 4, where);
  const fe_node *mean = fe_require(c, n, "mean", where, n->loc), *sd = fe_require(c, n, "sd", where, n->loc);
  double vm = 0, vs = 0, lo = min, hi = max;
  ok = mean && fe_quantity_in(c, mean, fe_fmt(c, "'mean' of %s", what), dim, min, max, &vm) && ok;
  ok = sd && fe_quantity_in(c, sd, fe_fmt(c, "'sd' of %s", what), dim, 0.0, INFINITY, &vs) && ok;
  if (fe_get(n, "min"))
    ok = fe_quantity_in(c, fe_get(n, "min"), fe_fmt(c, "'min' of %s", what), dim, min, max, &lo) && ok;
  if (fe_get(n, "max"))
    ok = fe_quantity_in(c, fe_get(n, "max"), fe_fmt(c, "'max' of %s", what), dim, min, max, &hi) && ok;
  if (ok && lo > hi) {
    ir_error(c->d, n->loc, "'normal' of %s: 'min' exceeds 'max'", what);
    ok = false;
  }
  if (!ok) return false;
  out->kind = IR_VAL_NORMAL;
  out->a = vm;
  out->b = vs;
  out->lo = lo;
  out->hi = hi;
  return true;
}

static bool value_choice(fe_ctx *c, const fe_node *n, const char *what, ir_dim dim, double min, double max,
                         ir_value *out) {
  if (!fe_expect_seq(c, n, fe_fmt(c, "'choice' of %s", what))) return false;
  if (n->n == 0) {
    ir_error(c->d, n->loc, "'choice' of %s needs at least one value", what);
    return false;
  }
  double *v = ir_arena_alloc(c->m->arena, n->n * sizeof *v);
  if (!v) return false;
  bool ok = true;
  for (uint32_t i = 0; i < n->n; i++) ok = fe_quantity_in(c, n->items[i], what, dim, min, max, &v[i]) && ok;
  if (!ok) return false;
  out->kind = IR_VAL_CHOICE;
  out->choice = v;
  out->nchoice = n->n;
  out->a = v[0];
  return true;
}

bool fe_value(fe_ctx *c, const fe_node *n, const char *what, ir_dim dim, double min, double max, ir_value *out) {
  ir_value v = {.kind = IR_VAL_CONST, .dim = dim, .lo = -INFINITY, .hi = INFINITY};
  v.loc = n ? n->loc : fe_loc(c->file, 0, 0);
  if (n && n->kind == FE_MAP) {
    static const char *const forms[] = {"uniform", "normal", "choice"};
    if (n->n != 1) {
      ir_error(c->d, n->loc, "a distribution for %s has exactly one key: uniform, normal or choice", what);
      return false;
    }
    if (!fe_check_keys(c, n, forms, 3, fe_fmt(c, "the distribution of %s", what))) return false;
    const char *form = n->pairs[0].key->str;
    const fe_node *arg = n->pairs[0].value;
    bool ok = !strcmp(form, "uniform")  ? value_uniform(c, arg, what, dim, min, max, &v)
              : !strcmp(form, "normal") ? value_normal(c, arg, what, dim, min, max, &v)
                                        : value_choice(c, arg, what, dim, min, max, &v);
    if (!ok) return false;
  } else if (n && n->kind == FE_SEQ) {
    ir_error(c->d, n->loc,
             "%s must be a value or a distribution ({uniform: [a, b]}, {normal: {mean, sd}}, "
             "{choice: [...]}), got a sequence",
             what);
    return false;
  } else if (!fe_quantity_in(c, n, what, dim, min, max, &v.a)) {
    return false;
  }
  *out = v;
  return true;
}

/* ---------------------------------------------------------------- params: blocks */

bool fe_params(fe_ctx *c, const fe_node *map, const ir_model_desc *desc, const char *owner, ir_value *params) {
  if (!fe_expect_map(c, map, fe_fmt(c, "'params' of %s", owner))) return false;
  const char *names[IR_MAX_PARAMS];
  for (uint32_t i = 0; i < desc->nparams; i++) names[i] = desc->params[i].name;
  bool ok = true;
  for (uint32_t i = 0; i < map->n; i++) {
    const fe_node *k = map->pairs[i].key;
    int idx = ir_param_index(desc, k->str);
    if (idx < 0) {
      const char *near = ir_did_you_mean(k->str, names, desc->nparams);
      if (near)
        ir_error(c->d, k->loc, "unknown parameter '%s' of model '%s' (did you mean '%s'?)", k->str, desc->name, near);
      else
        ir_error(c->d, k->loc, "unknown parameter '%s' of model '%s' (see docs/language.md for its parameters)", k->str,
                 desc->name);
      ok = false;
      continue;
    }
    const ir_param_desc *p = &desc->params[idx];
    ok = fe_value(c, map->pairs[i].value, fe_fmt(c, "'%s'", p->name), p->dim, p->min, p->max, &params[idx]) && ok;
  }
  return ok;
}
