/* override.c — `--set NODE.PARAM=VALUE`: replaces one model parameter of an astrocyte, a population or a
 * projection's plasticity rule in a loaded module before the experiment runs (the w_A sweep's knob). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "experiment.h"

/* The parameter array and its model table of node `name`, searched in astrocytes, populations and
 * plastic projections (names are unique across node kinds, ir_verify). */
static ir_value *node_params(ir_module *m, const char *name, size_t len, const ir_model_desc **desc) {
  for (uint32_t k = 0; k < m->nastros; k++)
    if (strlen(m->astros[k].name) == len && memcmp(m->astros[k].name, name, len) == 0) {
      *desc = ir_astro_model_desc(m->astros[k].model);
      return m->astros[k].params;
    }
  for (uint32_t k = 0; k < m->npops; k++)
    if (strlen(m->pops[k].name) == len && memcmp(m->pops[k].name, name, len) == 0) {
      *desc = ir_neuron_model_desc(m->pops[k].model);
      return m->pops[k].params;
    }
  for (uint32_t k = 0; k < m->nprojs; k++)
    if (strlen(m->projs[k].name) == len && memcmp(m->projs[k].name, name, len) == 0) {
      *desc = ir_plasticity_desc(m->projs[k].plasticity); /* NULL without plasticity */
      return m->projs[k].plast_params;
    }
  *desc = NULL;
  return NULL;
}

/* "0.02", "0.15 mV", "0.15mV" -> value in canonical units and its dimension. */
static bool parse_quantity(const char *s, double *v, ir_dim *dim) {
  char *end;
  errno = 0;
  double x = strtod(s, &end);
  if (end == s || errno || !isfinite(x))
    return false;
  while (*end == ' ')
    end++;
  double f = 1;
  *dim = IR_DIM_NONE;
  if (*end && !ir_unit_parse(end, dim, &f))
    return false;
  *v = x * f;
  return true;
}

bool ex_set_apply(ir_module *m, const char *spec, ir_diag *d) {
  ir_loc loc = {.file = "--set"};
  const char *dot = strchr(spec, '.'), *eq = strchr(spec, '=');
  if (!dot || !eq || dot > eq || dot == spec || eq == dot + 1) {
    ir_error(d, loc, "'%s': expected NODE.PARAM=VALUE, e.g. astro.w_a=0.01", spec);
    return false;
  }
  const ir_model_desc *desc;
  ir_value *params = node_params(m, spec, (size_t)(dot - spec), &desc);
  if (!params || !desc) {
    ir_error(d, loc, "'%s': no astrocyte, population or plastic projection named '%.*s'", spec, (int)(dot - spec),
             spec);
    return false;
  }
  char pname[64];
  size_t plen = (size_t)(eq - dot - 1);
  if (plen >= sizeof pname) {
    ir_error(d, loc, "'%s': parameter name too long", spec);
    return false;
  }
  memcpy(pname, dot + 1, plen);
  pname[plen] = 0;
  int k = ir_param_index(desc, pname);
  if (k < 0) {
    ir_error(d, loc, "'%s': model '%s' has no parameter '%s'", spec, desc->name, pname);
    return false;
  }
  const ir_param_desc *pd = &desc->params[k];
  double v;
  ir_dim dim;
  if (!parse_quantity(eq + 1, &v, &dim)) {
    ir_error(d, loc, "'%s': expected a number with an optional unit after '='", spec);
    return false;
  }
  if (!ir_dim_eq(dim, pd->dim)) {
    ir_error(d, loc, "'%s': parameter '%s' has dimension %s, got %s", spec, pname, ir_dim_name(pd->dim), ir_dim_name(dim));
    return false;
  }
  if (v < pd->min || v > pd->max) {
    ir_error(d, loc, "'%s': parameter '%s' must be in [%g, %g]", spec, pname, pd->min, pd->max);
    return false;
  }
  params[k] = ir_value_const(v, pd->dim);
  params[k].loc = loc;
  return true;
}
