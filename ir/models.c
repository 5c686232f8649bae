/* models.c — descriptor tables of models.def: names, dimensions, defaults and bounds. */
#include "ir.h"

#include <string.h>

#define IR_X_DESC(ID, NAME, DIM, DEF, MIN, MAX, DOC) {NAME, IR_DIMI_##DIM, DEF, MIN, MAX, DOC},
static const ir_param_desc lif_params[] = {IR_LIF_PARAMS(IR_X_DESC)};
static const ir_param_desc nalsm_lif_params[] = {IR_NALSM_LIF_PARAMS(IR_X_DESC)};
static const ir_param_desc amsu_params[] = {IR_AMSU_PARAMS(IR_X_DESC)};
static const ir_param_desc nalsm_astro_params[] = {IR_NALSM_ASTRO_PARAMS(IR_X_DESC)};
static const ir_param_desc tripartite_params[] = {IR_TRIPARTITE_PARAMS(IR_X_DESC)};
static const ir_param_desc li_rinzel_params[] = {IR_LI_RINZEL_PARAMS(IR_X_DESC)};
static const ir_param_desc stdp_params[] = {IR_STDP_PARAMS(IR_X_DESC)};
#undef IR_X_DESC

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
_Static_assert(COUNT(lif_params) <= IR_MAX_PARAMS, "raise IR_MAX_PARAMS");
_Static_assert(COUNT(nalsm_lif_params) <= IR_MAX_PARAMS, "raise IR_MAX_PARAMS");
_Static_assert(COUNT(amsu_params) <= IR_MAX_PARAMS, "raise IR_MAX_PARAMS");
_Static_assert(COUNT(nalsm_astro_params) <= IR_MAX_PARAMS, "raise IR_MAX_PARAMS");
_Static_assert(COUNT(tripartite_params) <= IR_MAX_PARAMS, "raise IR_MAX_PARAMS");
_Static_assert(COUNT(li_rinzel_params) <= IR_MAX_PARAMS, "raise IR_MAX_PARAMS");
_Static_assert(COUNT(stdp_params) <= IR_MAX_PARAMS, "raise IR_MAX_PARAMS");

/* The PARAMS column of models.def names the table macro; map it to the array above. */
#define IR_LIF_PARAMS_ARRAY lif_params
#define IR_NALSM_LIF_PARAMS_ARRAY nalsm_lif_params
#define IR_AMSU_PARAMS_ARRAY amsu_params
#define IR_NALSM_ASTRO_PARAMS_ARRAY nalsm_astro_params
#define IR_TRIPARTITE_PARAMS_ARRAY tripartite_params
#define IR_LI_RINZEL_PARAMS_ARRAY li_rinzel_params
#define IR_STDP_PARAMS_ARRAY stdp_params
#define IR_X_MODEL(ID, NAME, PARAMS, DOC) {NAME, DOC, COUNT(PARAMS##_ARRAY), PARAMS##_ARRAY},
static const ir_model_desc neuron_models[] = {IR_NEURON_MODELS(IR_X_MODEL)};
static const ir_model_desc astro_models[] = {IR_ASTRO_MODELS(IR_X_MODEL)};
static const ir_model_desc plasticity_rules[] = {IR_PLASTICITY_RULES(IR_X_MODEL)};
#undef IR_X_MODEL

const ir_model_desc *ir_neuron_model_desc(ir_neuron_model m) {
  return (unsigned)m < IR_NEURON_MODEL_COUNT ? &neuron_models[m] : NULL;
}

const ir_model_desc *ir_astro_model_desc(ir_astro_model m) {
  return (unsigned)m < IR_ASTRO_MODEL_COUNT ? &astro_models[m] : NULL;
}

const ir_model_desc *ir_plasticity_desc(ir_plasticity_rule r) {
  if (r == IR_PLAST_NONE || (unsigned)r >= IR_PLASTICITY_RULE_COUNT) return NULL;
  return &plasticity_rules[r - 1];
}

static unsigned lookup(const ir_model_desc *descs, unsigned n, const char *name) {
  for (unsigned i = 0; i < n; i++)
    if (strcmp(descs[i].name, name) == 0) return i;
  return n;
}

ir_neuron_model ir_neuron_model_lookup(const char *name) {
  return (ir_neuron_model)lookup(neuron_models, IR_NEURON_MODEL_COUNT, name);
}

ir_astro_model ir_astro_model_lookup(const char *name) {
  return (ir_astro_model)lookup(astro_models, IR_ASTRO_MODEL_COUNT, name);
}

ir_plasticity_rule ir_plasticity_lookup(const char *name) {
  unsigned i = lookup(plasticity_rules, IR_PLASTICITY_RULE_COUNT - 1, name);
  return i == IR_PLASTICITY_RULE_COUNT - 1 ? IR_PLASTICITY_RULE_COUNT : (ir_plasticity_rule)(i + 1);
}

int ir_param_index(const ir_model_desc *desc, const char *name) {
  for (uint32_t i = 0; i < desc->nparams; i++)
    if (strcmp(desc->params[i].name, name) == 0) return (int)i;
  return -1;
}

void ir_params_set_defaults(const ir_model_desc *desc, ir_value *params) {
  for (uint32_t i = 0; i < IR_MAX_PARAMS; i++) params[i] = (ir_value){.kind = IR_VAL_UNSET};
  for (uint32_t i = 0; i < desc->nparams; i++) {
    const ir_param_desc *p = &desc->params[i];
    if (isnan(p->def)) params[i] = (ir_value){.kind = IR_VAL_UNSET, .dim = p->dim};
    else params[i] = ir_value_const(p->def, p->dim);
  }
}

ir_value ir_value_const(double a, ir_dim dim) {
  return (ir_value){.kind = IR_VAL_CONST, .dim = dim, .a = a, .lo = -INFINITY, .hi = INFINITY};
}
