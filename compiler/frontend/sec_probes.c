/* sec_probes.c — the `probes:` section: what to record, how often, and from which elements. */
#include <stdio.h>
#include <string.h>

#include "fe_internal.h"

/* State variables a probe may record, per model (docs/language.md). */
static const char *const lif_vars[] = {"v", "u", NULL};
static const char *const nalsm_lif_vars[] = {"v", NULL};
static const char *const amsu_vars[] = {"v", "u", "a", NULL};
static const char *const nalsm_astro_vars[] = {"a", NULL};
static const char *const tripartite_vars[] = {"ca", "g", NULL};
static const char *const li_rinzel_vars[] = {"ca", "h", "ip3", NULL};
static const char *const plastic_vars[] = {"w", NULL};
static const char *const no_vars[] = {NULL};

static const char *const *vars_of(const ir_module *m, ir_ref t, bool *spikes) {
  *spikes = t.kind == IR_NODE_POPULATION || t.kind == IR_NODE_INPUT;
  switch (t.kind) {
  case IR_NODE_POPULATION: {
    static const char *const *const by_model[] = {lif_vars, nalsm_lif_vars, amsu_vars};
    return by_model[m->pops[t.index].model];
  }
  case IR_NODE_ASTROCYTE: {
    static const char *const *const by_model[] = {nalsm_astro_vars, tripartite_vars, li_rinzel_vars};
    return by_model[m->astros[t.index].model];
  }
  case IR_NODE_PROJECTION: return m->projs[t.index].plasticity != IR_PLAST_NONE ? plastic_vars : no_vars;
  default: return no_vars;
  }
}

static bool check_var(fe_ctx *c, const fe_node *v, ir_ref t) {
  bool spikes;
  const char *const *vars = vars_of(c->m, t, &spikes);
  const char *cand[8];
  size_t n = 0;
  if (spikes) cand[n++] = "spikes";
  for (size_t i = 0; vars[i]; i++) cand[n++] = vars[i];
  for (size_t i = 0; i < n; i++)
    if (!strcmp(v->str, cand[i])) return true;
  const char *tname = ir_node_name(c->m, t);
  if (t.kind == IR_NODE_PROJECTION && !strcmp(v->str, "w")) {
    ir_error(c->d, v->loc, "projection '%s' has no plasticity, so its weights 'w' never change", tname);
    return false;
  }
  if (n == 0) {
    ir_error(c->d, v->loc, "%s '%s' has nothing to probe", ir_node_kind_name(t.kind), tname);
    return false;
  }
  const char *near = ir_did_you_mean(v->str, cand, n);
  char list[96] = "";
  size_t used = 0;
  for (size_t i = 0; i < n && used < sizeof list; i++)
    used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", cand[i]);
  if (near)
    ir_error(c->d, v->loc, "%s '%s' has no variable '%s' (did you mean '%s'?)", ir_node_kind_name(t.kind), tname,
             v->str, near);
  else
    ir_error(c->d, v->loc, "%s '%s' has no variable '%s' (it has: %s)", ir_node_kind_name(t.kind), tname, v->str, list);
  return false;
}

static bool indices(fe_ctx *c, const fe_node *n, uint64_t size, ir_probe *pb) {
  if (!fe_expect_seq(c, n, "'neurons'")) return false;
  if (n->n == 0) {
    ir_error(c->d, n->loc, "'neurons' needs at least one index (omit it to record all)");
    return false;
  }
  uint32_t *idx = ir_arena_alloc(c->m->arena, n->n * sizeof *idx);
  if (!idx) return false;
  bool ok = true;
  for (uint32_t i = 0; i < n->n; i++) {
    uint64_t v = 0;
    if (!fe_uint(c, n->items[i], "a probe index", 0, size ? size - 1 : UINT32_MAX, &v)) ok = false;
    idx[i] = (uint32_t)v;
  }
  pb->indices = idx;
  pb->nindices = n->n;
  return ok;
}

static bool probe(fe_ctx *c, const fe_pair *p) {
  static const char *const keys[] = {"target", "var", "every", "neurons"};
  const char *name = p->key->str;
  const char *what = fe_fmt(c, "probe '%s'", name);
  if (!fe_expect_map(c, p->value, what)) return false;
  const fe_node *n = p->value, *v;
  bool ok = fe_check_keys(c, n, keys, 4, what);
  const fe_node *tv = fe_require(c, n, "target", what, p->key->loc), *vv = fe_require(c, n, "var", what, p->key->loc);
  ir_ref t;
  if (!tv ||
      !fe_resolve(c, tv, "'target'",
                  FE_K(IR_NODE_POPULATION) | FE_K(IR_NODE_ASTROCYTE) | FE_K(IR_NODE_INPUT) | FE_K(IR_NODE_PROJECTION),
                  "a population, an astrocyte, an input or a projection", &t))
    return false;
  if (!vv || !fe_expect_scalar(c, vv, "'var'") || !check_var(c, vv, t)) return false;
  ir_probe pb;
  memset(&pb, 0, sizeof pb);
  pb.every = 1;
  uint64_t every;
  if ((v = fe_get(n, "every"))) {
    if (fe_uint(c, v, "'every'", 1, UINT32_MAX, &every))
      pb.every = (uint32_t)every;
    else
      ok = false;
  }
  /* A projection's synapse count is known only after expansion: its indices are checked then. */
  uint64_t size = t.kind == IR_NODE_PROJECTION ? 0 : ir_node_size(c->m, t);
  if ((v = fe_get(n, "neurons")) && !indices(c, v, size, &pb)) ok = false;
  if (!ok) return false;
  int32_t idx = ir_add_probe(c->m, name, t, vv->str, p->key->loc);
  if (idx < 0) return false;
  ir_probe *dst = &c->m->probes[idx];
  dst->every = pb.every;
  dst->indices = pb.indices;
  dst->nindices = pb.nindices;
  fe_name_built(c, name, idx);
  return true;
}

bool fe_section_probes(fe_ctx *c, const fe_node *n) {
  if (fe_is_null(n)) return true;
  if (!fe_expect_map(c, n, "'probes'")) return false;
  bool ok = true;
  for (uint32_t i = 0; i < n->n; i++)
    if (fe_name_owns(c, n->pairs[i].key, IR_NODE_PROBE)) ok = probe(c, &n->pairs[i]) && ok;
  return ok;
}
