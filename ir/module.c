/* module.c — building a module: node arrays, lookup by name, attributes, CSR storage. */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

ir_module *ir_module_create(const char *name) {
  ir_module *m = calloc(1, sizeof(*m));
  if (!m) return NULL;
  m->arena = ir_arena_create();
  if (!m->arena) {
    free(m);
    return NULL;
  }
  m->name = ir_arena_strdup(m->arena, name ? name : "network");
  m->dt = 1.0;
  m->v_unit = 1.0;
  return m;
}

static void attrs_free(ir_attrs *a) { free(a->v); }

void ir_module_destroy(ir_module *m) {
  if (!m) return;
  for (uint32_t i = 0; i < m->ngrids; i++) attrs_free(&m->grids[i].attrs);
  for (uint32_t i = 0; i < m->npops; i++) {
    free(m->pops[i].sites);
    attrs_free(&m->pops[i].attrs);
  }
  for (uint32_t i = 0; i < m->nastros; i++) attrs_free(&m->astros[i].attrs);
  for (uint32_t i = 0; i < m->ninputs; i++) attrs_free(&m->inputs[i].attrs);
  for (uint32_t i = 0; i < m->nprojs; i++) {
    ir_csr_destroy(m->projs[i].csr);
    attrs_free(&m->projs[i].attrs);
  }
  for (uint32_t i = 0; i < m->nprobes; i++) attrs_free(&m->probes[i].attrs);
  for (uint32_t i = 0; i < m->nphases; i++) attrs_free(&m->phases[i].attrs);
  attrs_free(&m->attrs);
  free(m->grids);
  free(m->pops);
  free(m->astros);
  free(m->inputs);
  free(m->projs);
  free(m->probes);
  free(m->phases);
  ir_arena_destroy(m->arena);
  free(m);
}

/* Grows *array (of elements of `size` bytes) to hold one more and returns the new, zeroed slot. */
static void *grow(void **array, uint32_t *n, uint32_t *cap, size_t size) {
  if (*n == UINT32_MAX - 1) return NULL;
  if (*n == *cap) {
    uint32_t ncap = *cap ? *cap * 2 : 8;
    void *p = realloc(*array, (size_t)ncap * size);
    if (!p) return NULL;
    *array = p;
    *cap = ncap;
  }
  void *slot = (char *)*array + (size_t)*n * size;
  memset(slot, 0, size);
  (*n)++;
  return slot;
}

#define GROW(m, field, nfield, capfield) \
  grow((void **)&(m)->field, &(m)->nfield, &(m)->capfield, sizeof(*(m)->field))

int32_t ir_add_grid(ir_module *m, const char *name, ir_loc loc) {
  ir_grid *g = GROW(m, grids, ngrids, cap_grids);
  if (!g) return -1;
  g->name = ir_arena_strdup(m->arena, name);
  g->loc = loc;
  g->spacing = 1.0;
  return (int32_t)(m->ngrids - 1);
}

int32_t ir_add_population(ir_module *m, const char *name, ir_neuron_model model, uint32_t size, ir_loc loc) {
  IR_ASSERT((unsigned)model < IR_NEURON_MODEL_COUNT);
  ir_population *p = GROW(m, pops, npops, cap_pops);
  if (!p) return -1;
  p->name = ir_arena_strdup(m->arena, name);
  p->loc = loc;
  p->model = model;
  p->size = size;
  p->grid = -1;
  ir_params_set_defaults(ir_neuron_model_desc(model), p->params);
  return (int32_t)(m->npops - 1);
}

int32_t ir_add_astrocyte(ir_module *m, const char *name, ir_astro_model model, ir_loc loc) {
  IR_ASSERT((unsigned)model < IR_ASTRO_MODEL_COUNT);
  ir_astrocyte *a = GROW(m, astros, nastros, cap_astros);
  if (!a) return -1;
  a->name = ir_arena_strdup(m->arena, name);
  a->loc = loc;
  a->model = model;
  a->size = 1;
  ir_params_set_defaults(ir_astro_model_desc(model), a->params);
  return (int32_t)(m->nastros - 1);
}

int32_t ir_add_input(ir_module *m, const char *name, ir_input_kind kind, uint32_t size, ir_loc loc) {
  ir_input *in = GROW(m, inputs, ninputs, cap_inputs);
  if (!in) return -1;
  in->name = ir_arena_strdup(m->arena, name);
  in->loc = loc;
  in->kind = kind;
  in->size = size;
  in->inject_into = -1;
  in->rate = (ir_value){.kind = IR_VAL_UNSET, .dim = IR_DIM_RATE};
  in->p = (ir_value){.kind = IR_VAL_UNSET, .dim = IR_DIM_NONE};
  in->sample_time = (ir_value){.kind = IR_VAL_UNSET, .dim = IR_DIM_TIME};
  in->inject_current = (ir_value){.kind = IR_VAL_UNSET, .dim = IR_DIM_VOLTAGE};
  return (int32_t)(m->ninputs - 1);
}

int32_t ir_add_projection(ir_module *m, const char *name, ir_ref pre, ir_ref post, ir_loc loc) {
  ir_projection *p = GROW(m, projs, nprojs, cap_projs);
  if (!p) return -1;
  p->name = ir_arena_strdup(m->arena, name);
  p->loc = loc;
  p->pre = pre;
  p->post = post;
  p->rule.kind = IR_CONN_ALL_TO_ALL;
  p->rule.loc = loc;
  p->weight = ir_value_const(1.0, IR_DIM_VOLTAGE);
  p->delay = ir_value_const(0.0, IR_DIM_TIME);
  p->plasticity = IR_PLAST_NONE;
  for (uint32_t i = 0; i < IR_MAX_PARAMS; i++) p->plast_params[i] = (ir_value){.kind = IR_VAL_UNSET};
  p->modulator = -1;
  return (int32_t)(m->nprojs - 1);
}

int32_t ir_add_probe(ir_module *m, const char *name, ir_ref target, const char *var, ir_loc loc) {
  ir_probe *p = GROW(m, probes, nprobes, cap_probes);
  if (!p) return -1;
  p->name = ir_arena_strdup(m->arena, name);
  p->loc = loc;
  p->target = target;
  p->var = ir_arena_strdup(m->arena, var);
  p->every = 1;
  return (int32_t)(m->nprobes - 1);
}

int32_t ir_add_phase(ir_module *m, const char *name, ir_loc loc) {
  ir_phase *p = GROW(m, phases, nphases, cap_phases);
  if (!p) return -1;
  p->name = ir_arena_strdup(m->arena, name);
  p->loc = loc;
  return (int32_t)(m->nphases - 1);
}

bool ir_lookup(const ir_module *m, const char *name, ir_ref *out) {
#define FIND(arr, n, k)                                        \
  for (uint32_t i = 0; i < m->n; i++)                          \
    if (strcmp(m->arr[i].name, name) == 0) {                   \
      *out = (ir_ref){k, i};                                   \
      return true;                                             \
    }
  FIND(pops, npops, IR_NODE_POPULATION)
  FIND(astros, nastros, IR_NODE_ASTROCYTE)
  FIND(inputs, ninputs, IR_NODE_INPUT)
  FIND(projs, nprojs, IR_NODE_PROJECTION)
  FIND(probes, nprobes, IR_NODE_PROBE)
  FIND(grids, ngrids, IR_NODE_GRID)
#undef FIND
  return false;
}

const char *ir_node_kind_name(ir_node_kind k) {
  static const char *const names[] = {"population", "astrocyte", "input", "projection", "probe", "grid"};
  return (unsigned)k < IR_NODE_KIND_COUNT ? names[k] : "?";
}

const char *ir_node_name(const ir_module *m, ir_ref r) {
  switch (r.kind) {
  case IR_NODE_POPULATION: return r.index < m->npops ? m->pops[r.index].name : NULL;
  case IR_NODE_ASTROCYTE: return r.index < m->nastros ? m->astros[r.index].name : NULL;
  case IR_NODE_INPUT: return r.index < m->ninputs ? m->inputs[r.index].name : NULL;
  case IR_NODE_PROJECTION: return r.index < m->nprojs ? m->projs[r.index].name : NULL;
  case IR_NODE_PROBE: return r.index < m->nprobes ? m->probes[r.index].name : NULL;
  case IR_NODE_GRID: return r.index < m->ngrids ? m->grids[r.index].name : NULL;
  default: return NULL;
  }
}

uint64_t ir_node_size(const ir_module *m, ir_ref r) {
  switch (r.kind) {
  case IR_NODE_POPULATION: return r.index < m->npops ? m->pops[r.index].size : 0;
  case IR_NODE_ASTROCYTE: return r.index < m->nastros ? m->astros[r.index].size : 0;
  case IR_NODE_INPUT: return r.index < m->ninputs ? m->inputs[r.index].size : 0;
  case IR_NODE_PROJECTION:
    return r.index < m->nprojs && m->projs[r.index].csr ? m->projs[r.index].csr->nsyn : 0;
  case IR_NODE_GRID:
    if (r.index >= m->ngrids) return 0;
    return (uint64_t)m->grids[r.index].shape[0] * m->grids[r.index].shape[1] * m->grids[r.index].shape[2];
  default: return 0;
  }
}

ir_attrs *ir_node_attrs(ir_module *m, ir_ref r) {
  switch (r.kind) {
  case IR_NODE_POPULATION: return r.index < m->npops ? &m->pops[r.index].attrs : NULL;
  case IR_NODE_ASTROCYTE: return r.index < m->nastros ? &m->astros[r.index].attrs : NULL;
  case IR_NODE_INPUT: return r.index < m->ninputs ? &m->inputs[r.index].attrs : NULL;
  case IR_NODE_PROJECTION: return r.index < m->nprojs ? &m->projs[r.index].attrs : NULL;
  case IR_NODE_PROBE: return r.index < m->nprobes ? &m->probes[r.index].attrs : NULL;
  case IR_NODE_GRID: return r.index < m->ngrids ? &m->grids[r.index].attrs : NULL;
  default: return NULL;
  }
}

/* ---------------------------------------------------------------- attributes */

const ir_attr *ir_attr_get(const ir_attrs *a, const char *key) {
  for (uint32_t i = 0; i < a->n; i++)
    if (strcmp(a->v[i].key, key) == 0) return &a->v[i];
  return NULL;
}

static ir_attr *attr_slot(ir_module *m, ir_attrs *a, const char *key) {
  for (uint32_t i = 0; i < a->n; i++)
    if (strcmp(a->v[i].key, key) == 0) return &a->v[i];
  ir_attr *slot = grow((void **)&a->v, &a->n, &a->cap, sizeof(ir_attr));
  if (!slot) return NULL;
  slot->key = ir_arena_strdup(m->arena, key);
  if (!slot->key) {
    a->n--;
    return NULL;
  }
  return slot;
}

bool ir_attr_set_int(ir_module *m, ir_attrs *a, const char *key, int64_t v) {
  ir_attr *s = attr_slot(m, a, key);
  if (!s) return false;
  s->kind = IR_ATTR_INT;
  s->u.i = v;
  return true;
}

bool ir_attr_set_float(ir_module *m, ir_attrs *a, const char *key, double v) {
  ir_attr *s = attr_slot(m, a, key);
  if (!s) return false;
  s->kind = IR_ATTR_FLOAT;
  s->u.f = v;
  return true;
}

bool ir_attr_set_str(ir_module *m, ir_attrs *a, const char *key, const char *v) {
  const char *copy = ir_arena_strdup(m->arena, v);
  if (!copy) return false;
  ir_attr *s = attr_slot(m, a, key);
  if (!s) return false;
  s->kind = IR_ATTR_STR;
  s->u.s = copy;
  return true;
}

/* ---------------------------------------------------------------- CSR */

ir_csr *ir_csr_create(uint32_t npre, uint32_t npost, uint64_t nsyn) {
  ir_csr *c = calloc(1, sizeof(*c));
  if (!c) return NULL;
  c->npre = npre;
  c->npost = npost;
  c->nsyn = nsyn;
  size_t n = nsyn ? (size_t)nsyn : 1; /* never malloc(0): NULL would read as failure */
  c->row_ptr = calloc((size_t)npre + 1, sizeof(uint64_t));
  c->col = malloc(n * sizeof(uint32_t));
  c->weight = malloc(n * sizeof(float));
  c->delay = malloc(n * sizeof(uint16_t));
  if (!c->row_ptr || !c->col || !c->weight || !c->delay) {
    ir_csr_destroy(c);
    return NULL;
  }
  return c;
}

void ir_csr_destroy(ir_csr *c) {
  if (!c) return;
  free(c->row_ptr);
  free(c->col);
  free(c->weight);
  free(c->delay);
  free(c);
}
