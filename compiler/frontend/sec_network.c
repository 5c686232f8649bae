/* sec_network.c — the `network:` section: name, dt, seed, numerics, v_unit, duration and grids. */
#include <string.h>

#include "fe_internal.h"

static bool grid(fe_ctx *c, const fe_pair *p) {
  static const char *const keys[] = {"shape", "spacing"};
  const char *name = p->key->str;
  const char *what = fe_fmt(c, "grid '%s'", name);
  if (!fe_valid_name(name)) {
    ir_error(c->d, p->key->loc, "invalid grid name '%s': use letters, digits and '_'", name);
    return false;
  }
  if (!fe_expect_map(c, p->value, what)) return false;
  bool ok = fe_check_keys(c, p->value, keys, 2, what);
  const fe_node *shape = fe_require(c, p->value, "shape", what, p->key->loc);
  uint64_t dims[3] = {0, 0, 0};
  if (shape && fe_expect_seq(c, shape, fe_fmt(c, "'shape' of %s", what))) {
    if (shape->n != 3) {
      ir_error(c->d, shape->loc, "'shape' of %s needs three sizes [x, y, z], got %u", what, shape->n);
      ok = false;
    } else {
      for (int i = 0; i < 3; i++) ok = fe_uint(c, shape->items[i], "a grid size", 1, UINT32_MAX, &dims[i]) && ok;
      if (ok && dims[0] * dims[1] * dims[2] > UINT32_MAX) {
        ir_error(c->d, shape->loc, "%s has more than 2^32-1 sites", what);
        ok = false;
      }
    }
  } else {
    ok = false;
  }
  double spacing = 1.0;
  const fe_node *sp = fe_get(p->value, "spacing");
  if (sp) ok = fe_quantity_in(c, sp, "'spacing'", IR_DIM_NONE, 0.0, INFINITY, &spacing) && ok;
  if (ok && spacing <= 0) {
    ir_error(c->d, sp->loc, "'spacing' must be > 0");
    ok = false;
  }
  if (!ok) return false;
  for (uint32_t i = 0; i < c->m->ngrids; i++) {
    if (!strcmp(c->m->grids[i].name, name)) return false; /* duplicate key, already reported */
  }
  int32_t g = ir_add_grid(c->m, name, p->key->loc);
  if (g < 0) return false;
  for (int i = 0; i < 3; i++) c->m->grids[g].shape[i] = (uint32_t)dims[i];
  c->m->grids[g].spacing = spacing;
  return true;
}

/* A quantity > 0; *out is left alone on error. */
static bool positive(fe_ctx *c, const fe_node *v, const char *what, ir_dim dim, double *out) {
  double x;
  if (!fe_quantity_in(c, v, what, dim, 0.0, INFINITY, &x)) return false;
  if (x <= 0) {
    ir_error(c->d, v->loc, "%s must be > 0 %s", what, ir_unit_canonical(dim));
    return false;
  }
  *out = x;
  return true;
}

bool fe_section_network(fe_ctx *c, const fe_node *n) {
  static const char *const keys[] = {"name", "dt", "seed", "numerics", "v_unit", "duration", "grids"};
  static const char *const numerics[] = {"float", "fixed"};
  if (!fe_expect_map(c, n, "'network'")) return false;
  bool ok = fe_check_keys(c, n, keys, sizeof keys / sizeof keys[0], "'network'");
  ir_module *m = c->m;
  const fe_node *v;
  if ((v = fe_get(n, "name"))) {
    const char *name;
    if (fe_name_scalar(c, v, "'name'", &name))
      m->name = ir_arena_strdup(m->arena, name);
    else
      ok = false;
  }
  if ((v = fe_get(n, "dt"))) ok = positive(c, v, "'dt'", IR_DIM_TIME, &m->dt) && ok;
  if ((v = fe_get(n, "seed"))) {
    uint64_t seed;
    if (fe_uint(c, v, "'seed'", 0, UINT64_MAX, &seed))
      m->seed = seed;
    else
      ok = false;
  }
  if ((v = fe_get(n, "numerics"))) {
    int k;
    if (fe_enum(c, v, "numerics", numerics, 2, &k))
      m->numerics = k ? IR_NUMERICS_FIXED : IR_NUMERICS_FLOAT;
    else
      ok = false;
  }
  if ((v = fe_get(n, "v_unit"))) ok = positive(c, v, "'v_unit'", IR_DIM_VOLTAGE, &m->v_unit) && ok;
  if ((v = fe_get(n, "duration")))
    ok = fe_quantity_in(c, v, "'duration'", IR_DIM_TIME, 0.0, INFINITY, &m->duration) && ok;
  if ((v = fe_get(n, "grids"))) {
    if (fe_expect_map(c, v, "'grids'")) {
      for (uint32_t i = 0; i < v->n; i++) ok = grid(c, &v->pairs[i]) && ok;
    } else {
      ok = false;
    }
  }
  return ok;
}
