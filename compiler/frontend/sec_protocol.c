/* sec_protocol.c — the `protocol:` section: experiment phases (init, response, readout), checked here
 * and kept as phase attributes for the experiment runner. */
#include <string.h>

#include "fe_internal.h"

typedef enum key_type { K_COUNT, K_TIME, K_SPLIT, K_BOOL, K_DECAY, K_POSITIVE, K_NONNEG, K_OPTIMIZER } key_type;

typedef struct phase_key {
  const char *name;
  key_type type;
} phase_key;

static const char *const phase_kinds[] = {"init", "response", "readout"};
static const char *const splits[] = {"train", "validation", "test"};
static const char *const optimizers[] = {"adadelta", "sgd", "adam"};

/* Keys each phase kind accepts besides name and kind (docs/language.md, "protocol"). */
static const phase_key init_keys[] = {
    {"samples", K_COUNT}, {"sample_time", K_TIME}, {"split", K_SPLIT}, {"plasticity", K_BOOL}, {NULL, K_COUNT}};
static const phase_key response_keys[] = {{"samples", K_COUNT},   {"sample_time", K_TIME}, {"split", K_SPLIT},
                                          {"plasticity", K_BOOL}, {"rate_decay", K_DECAY}, {"restore_weights", K_BOOL},
                                          {NULL, K_COUNT}};
static const phase_key readout_keys[] = {
    {"epochs", K_COUNT}, {"lr", K_POSITIVE}, {"l2", K_NONNEG}, {"optimizer", K_OPTIMIZER}, {NULL, K_COUNT}};
static const phase_key *const keys_of[] = {init_keys, response_keys, readout_keys};

static bool phase_value(fe_ctx *c, const fe_node *v, const phase_key *k, ir_attrs *attrs) {
  ir_module *m = c->m;
  const char *what = fe_fmt(c, "'%s'", k->name);
  uint64_t u;
  double f;
  bool b;
  int e;
  switch (k->type) {
  case K_COUNT: return fe_uint(c, v, what, 1, INT64_MAX, &u) && ir_attr_set_int(m, attrs, k->name, (int64_t)u);
  case K_TIME:
    if (!fe_quantity_in(c, v, what, IR_DIM_TIME, 0, INFINITY, &f)) return false;
    if (f <= 0) {
      ir_error(c->d, v->loc, "%s must be > 0 ms", what);
      return false;
    }
    return ir_attr_set_float(m, attrs, k->name, f);
  case K_SPLIT: return fe_enum(c, v, "split", splits, 3, &e) && ir_attr_set_str(m, attrs, k->name, splits[e]);
  case K_BOOL: return fe_bool(c, v, what, &b) && ir_attr_set_int(m, attrs, k->name, b);
  case K_DECAY:
    if (!fe_quantity_in(c, v, what, IR_DIM_NONE, 0, 1, &f)) return false;
    if (f <= 0) {
      ir_error(c->d, v->loc, "%s must be > 0", what);
      return false;
    }
    return ir_attr_set_float(m, attrs, k->name, f);
  case K_POSITIVE:
  case K_NONNEG:
    if (!fe_quantity_in(c, v, what, IR_DIM_NONE, 0, INFINITY, &f)) return false;
    if (k->type == K_POSITIVE && f <= 0) {
      ir_error(c->d, v->loc, "%s must be > 0", what);
      return false;
    }
    return ir_attr_set_float(m, attrs, k->name, f);
  case K_OPTIMIZER:
    return fe_enum(c, v, "optimizer", optimizers, 3, &e) && ir_attr_set_str(m, attrs, k->name, optimizers[e]);
  }
  return false;
}

static bool phase(fe_ctx *c, const fe_node *n, uint32_t pos) {
  const char *what = fe_fmt(c, "protocol phase %u", pos + 1);
  if (!fe_expect_map(c, n, what)) return false;
  const fe_node *nv = fe_require(c, n, "name", what, n->loc), *kv = fe_require(c, n, "kind", what, n->loc);
  const char *name = NULL;
  int kind = -1;
  bool ok = nv && fe_name_scalar(c, nv, "'name'", &name);
  ok = kv && fe_enum(c, kv, "phase kind", phase_kinds, 3, &kind) && ok;
  if (kind < 0) return false;
  const phase_key *keys = keys_of[kind];
  const char *allowed[10] = {"name", "kind"};
  size_t na = 2;
  for (size_t i = 0; keys[i].name; i++) allowed[na++] = keys[i].name;
  ok = fe_check_keys(c, n, allowed, na, fe_fmt(c, "a phase of kind '%s'", phase_kinds[kind])) && ok;
  for (uint32_t i = 0; ok && name && i < c->m->nphases; i++) {
    if (!strcmp(c->m->phases[i].name, name)) {
      ir_error(c->d, nv->loc, "duplicate phase name '%s' (first at line %u)", name, c->m->phases[i].loc.line);
      ok = false;
    }
  }
  if (!ok) return false;
  int32_t idx = ir_add_phase(c->m, name, n->loc);
  if (idx < 0) return false;
  ir_attrs *attrs = &c->m->phases[idx].attrs;
  ok = ir_attr_set_str(c->m, attrs, "kind", phase_kinds[kind]);
  for (size_t i = 0; keys[i].name; i++) {
    const fe_node *v = fe_get(n, keys[i].name);
    if (v) ok = phase_value(c, v, &keys[i], &c->m->phases[idx].attrs) && ok;
  }
  return ok;
}

bool fe_section_protocol(fe_ctx *c, const fe_node *n) {
  if (fe_is_null(n)) return true;
  if (!fe_expect_seq(c, n, "'protocol'")) return false;
  bool ok = true;
  for (uint32_t i = 0; i < n->n; i++) ok = phase(c, n->items[i], i) && ok;
  return ok;
}
