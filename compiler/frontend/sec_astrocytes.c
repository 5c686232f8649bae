/* sec_astrocytes.c — the `astrocytes:` section. Built in two passes: the nodes and parameters first
 * (projections name their modulator), then `listen:` and `modulates:`, which name projections. */
#include <string.h>

#include "fe_internal.h"

static const char *const astro_keys[] = {"model", "size", "params", "listen", "modulates"};

static bool astrocyte(fe_ctx *c, const fe_pair *p) {
  const char *name = p->key->str;
  const char *what = fe_fmt(c, "astrocyte '%s'", name);
  if (!fe_expect_map(c, p->value, what)) return false;
  const fe_node *n = p->value;
  bool ok = fe_check_keys(c, n, astro_keys, 5, what);
  const fe_node *mv = fe_require(c, n, "model", what, p->key->loc);
  const char *models[IR_ASTRO_MODEL_COUNT];
  for (int i = 0; i < IR_ASTRO_MODEL_COUNT; i++) models[i] = ir_astro_model_desc((ir_astro_model)i)->name;
  int model = -1;
  if (!mv || !fe_enum(c, mv, "astrocyte model", models, IR_ASTRO_MODEL_COUNT, &model)) return false;
  if (model == IR_ASTRO_LI_RINZEL && c->m->numerics == IR_NUMERICS_FIXED) {
    ir_error(c->d, mv->loc, "the li_rinzel model needs float numerics, but network.numerics is fixed");
    ok = false;
  }
  uint64_t size = 1;
  const fe_node *sv = fe_get(n, "size");
  if (sv && !fe_uint(c, sv, "'size'", 1, UINT32_MAX, &size)) ok = false;
  ir_value params[IR_MAX_PARAMS];
  memset(params, 0, sizeof params);
  const ir_model_desc *desc = ir_astro_model_desc((ir_astro_model)model);
  ir_params_set_defaults(desc, params);
  const fe_node *pv = fe_get(n, "params");
  if (pv && !fe_is_null(pv) && !fe_params(c, pv, desc, what, params)) ok = false;
  if (!ok) return false;
  int32_t idx = ir_add_astrocyte(c->m, name, (ir_astro_model)model, p->key->loc);
  if (idx < 0) return false;
  ir_astrocyte *a = &c->m->astros[idx];
  a->size = (uint32_t)size;
  memcpy(a->params, params, sizeof params);
  fe_name_built(c, name, idx);
  return true;
}

static bool listen_entry(fe_ctx *c, const fe_node *e, const char *what, ir_astro_listen *out) {
  static const char *const keys[] = {"source", "sign"};
  const char *where = fe_fmt(c, "a 'listen' entry of %s", what);
  if (!fe_expect_map(c, e, where)) return false;
  bool ok = fe_check_keys(c, e, keys, 2, where);
  const fe_node *src = fe_require(c, e, "source", where, e->loc);
  ir_ref ref;
  if (!src || !fe_resolve(c, src, "'source'", FE_K(IR_NODE_POPULATION) | FE_K(IR_NODE_INPUT) | FE_K(IR_NODE_PROJECTION),
                          "a population, an input or a projection", &ref))
    return false;
  int8_t sign = 1;
  const fe_node *sv = fe_get(e, "sign");
  if (sv) {
    double s = 0;
    if (!fe_number(c, sv, "'sign'", &s)) return false;
    if (s != 1 && s != -1) {
      ir_error(c->d, sv->loc, "'sign' must be 1 or -1, got %s", sv->str);
      return false;
    }
    sign = (int8_t)s;
  }
  *out = (ir_astro_listen){ref, sign, src->loc};
  return ok;
}

static bool links(fe_ctx *c, const fe_pair *p) {
  const fe_name *nm = fe_name_find(c, p->key->str);
  if (!nm || nm->index < 0 || p->value->kind != FE_MAP) return false;
  const char *what = fe_fmt(c, "astrocyte '%s'", p->key->str);
  const fe_node *lv = fe_get(p->value, "listen"), *mv = fe_get(p->value, "modulates");
  bool ok = true;
  ir_astro_listen *listen = NULL;
  ir_ref *mods = NULL;
  uint32_t nl = 0, nm2 = 0;
  if (lv && !fe_is_null(lv)) {
    if (fe_expect_seq(c, lv, fe_fmt(c, "'listen' of %s", what))) {
      listen = lv->n ? ir_arena_alloc(c->m->arena, lv->n * sizeof *listen) : NULL;
      for (uint32_t i = 0; i < lv->n && listen; i++) {
        if (listen_entry(c, lv->items[i], what, &listen[nl]))
          nl++;
        else
          ok = false;
      }
    } else {
      ok = false;
    }
  }
  if (mv && !fe_is_null(mv)) {
    if (fe_expect_seq(c, mv, fe_fmt(c, "'modulates' of %s", what))) {
      mods = mv->n ? ir_arena_alloc(c->m->arena, mv->n * sizeof *mods) : NULL;
      for (uint32_t i = 0; i < mv->n && mods; i++) {
        if (fe_resolve(c, mv->items[i], "'modulates'", FE_K(IR_NODE_PROJECTION) | FE_K(IR_NODE_POPULATION),
                       "a projection or a population", &mods[nm2]))
          nm2++;
        else
          ok = false;
      }
    } else {
      ok = false;
    }
  }
  ir_astrocyte *a = &c->m->astros[nm->index];
  a->listen = listen;
  a->nlisten = nl;
  a->modulates = mods;
  a->nmodulates = nm2;
  return ok;
}

bool fe_section_astrocytes(fe_ctx *c, const fe_node *n, bool second_pass) {
  if (fe_is_null(n)) return true;
  if (!second_pass && !fe_expect_map(c, n, "'astrocytes'")) return false;
  if (n->kind != FE_MAP) return false;
  bool ok = true;
  for (uint32_t i = 0; i < n->n; i++) {
    if (!fe_name_owns(c, n->pairs[i].key, IR_NODE_ASTROCYTE)) continue;
    if (second_pass) {
      const fe_name *nm = fe_name_find(c, n->pairs[i].key->str);
      if (nm && nm->index >= 0) ok = links(c, &n->pairs[i]) && ok;
    } else {
      ok = astrocyte(c, &n->pairs[i]) && ok;
    }
  }
  return ok;
}
