/* sec_neurons.c — the `neurons:` section: populations with a model, a size, parameters and an
 * optional grid layout. */
#include <string.h>

#include "fe_internal.h"

static const char *const pop_keys[] = {"model", "size", "layout", "params"};

/* Loihi decays are 12-bit integers (docs/numerics.md). */
static bool check_decay(fe_ctx *c, const ir_value *v, const char *name) {
  if (v->kind == IR_VAL_UNSET) return true;
  if (v->kind != IR_VAL_CONST || v->a != (double)(int)v->a) {
    ir_error(c->d, v->loc, "'%s' must be a whole number between 0 and 4095", name);
    return false;
  }
  return true;
}

static int32_t find_grid(fe_ctx *c, const fe_node *v) {
  if (!fe_expect_scalar(c, v, "'layout'")) return -2;
  const char *names[64];
  size_t k = 0;
  for (uint32_t i = 0; i < c->m->ngrids; i++) {
    if (!strcmp(c->m->grids[i].name, v->str)) return (int32_t)i;
    if (k < 64) names[k++] = c->m->grids[i].name;
  }
  const char *near = ir_did_you_mean(v->str, names, k);
  if (near)
    ir_error(c->d, v->loc, "unknown grid '%s' (did you mean '%s'?)", v->str, near);
  else if (k)
    ir_error(c->d, v->loc, "unknown grid '%s' (grids are declared under network.grids)", v->str);
  else
    ir_error(c->d, v->loc, "unknown grid '%s': this model declares no grids (add one under network.grids)", v->str);
  return -2;
}

static bool population(fe_ctx *c, const fe_pair *p) {
  const char *name = p->key->str;
  const char *what = fe_fmt(c, "population '%s'", name);
  if (!fe_expect_map(c, p->value, what)) return false;
  const fe_node *n = p->value;
  bool ok = fe_check_keys(c, n, pop_keys, 4, what);
  const fe_node *mv = fe_require(c, n, "model", what, p->key->loc);
  const fe_node *sv = fe_require(c, n, "size", what, p->key->loc);
  const char *models[IR_NEURON_MODEL_COUNT];
  for (int i = 0; i < IR_NEURON_MODEL_COUNT; i++) models[i] = ir_neuron_model_desc((ir_neuron_model)i)->name;
  int model = -1;
  uint64_t size = 0;
  if (!mv || !fe_enum(c, mv, "neuron model", models, IR_NEURON_MODEL_COUNT, &model)) ok = false;
  if (!sv || !fe_uint(c, sv, "'size'", 1, UINT32_MAX, &size)) ok = false;
  int32_t grid = -1;
  const fe_node *lv = fe_get(n, "layout");
  if (lv && (grid = find_grid(c, lv)) < -1) ok = false;
  if (model < 0) return false;
  ir_value params[IR_MAX_PARAMS];
  memset(params, 0, sizeof params);
  const ir_model_desc *desc = ir_neuron_model_desc((ir_neuron_model)model);
  ir_params_set_defaults(desc, params);
  const fe_node *pv = fe_get(n, "params");
  if (pv && !fe_is_null(pv) && !fe_params(c, pv, desc, what, params)) ok = false;
  if (model == IR_NEURON_LIF) {
    ok = check_decay(c, &params[IR_P_LIF_DU], "du") && ok;
    ok = check_decay(c, &params[IR_P_LIF_DV], "dv") && ok;
  }
  if (!ok) return false;
  int32_t idx = ir_add_population(c->m, name, (ir_neuron_model)model, (uint32_t)size, p->key->loc);
  if (idx < 0) return false;
  ir_population *pop = &c->m->pops[idx];
  memcpy(pop->params, params, sizeof params);
  pop->grid = grid;
  fe_name_built(c, name, idx);
  return true;
}

bool fe_section_neurons(fe_ctx *c, const fe_node *n) {
  if (fe_is_null(n)) return true;
  if (!fe_expect_map(c, n, "'neurons'")) return false;
  bool ok = true;
  for (uint32_t i = 0; i < n->n; i++)
    if (fe_name_owns(c, n->pairs[i].key, IR_NODE_POPULATION)) ok = population(c, &n->pairs[i]) && ok;
  return ok;
}
