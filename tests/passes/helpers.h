/* helpers.h — small builders shared by the passes tests. */
#ifndef ASTROC_TEST_PASSES_HELPERS_H
#define ASTROC_TEST_PASSES_HELPERS_H

#include "passes.h"

static const ir_loc NOLOC = {NULL, 0, 0};

static inline ir_ref pop_ref(int32_t i) {
  return (ir_ref){IR_NODE_POPULATION, (uint32_t)i};
}

static inline ir_ref input_ref(int32_t i) {
  return (ir_ref){IR_NODE_INPUT, (uint32_t)i};
}

static inline int32_t add_grid(ir_module *m, const char *name, uint32_t x, uint32_t y, uint32_t z) {
  int32_t g = ir_add_grid(m, name, NOLOC);
  m->grids[g].shape[0] = x;
  m->grids[g].shape[1] = y;
  m->grids[g].shape[2] = z;
  m->grids[g].spacing = 1.0;
  return g;
}

static inline int32_t add_pop(ir_module *m, const char *name, uint32_t size, int32_t grid) {
  int32_t p = ir_add_population(m, name, IR_NEURON_LIF, size, NOLOC);
  m->pops[p].grid = grid;
  return p;
}

static inline int32_t add_proj(ir_module *m, const char *name, ir_ref pre, ir_ref post, ir_conn_kind kind) {
  int32_t p = ir_add_projection(m, name, pre, post, NOLOC);
  m->projs[p].rule.kind = kind;
  return p;
}

/* Checks the CSR invariants of ir.h (strictly ascending columns unless dups allowed). */
static inline bool csr_well_formed(const ir_csr *c, bool dups) {
  if (c->row_ptr[0] != 0 || c->row_ptr[c->npre] != c->nsyn)
    return false;
  for (uint32_t i = 0; i < c->npre; i++) {
    if (c->row_ptr[i + 1] < c->row_ptr[i])
      return false;
    for (uint64_t k = c->row_ptr[i]; k < c->row_ptr[i + 1]; k++) {
      if (c->col[k] >= c->npost)
        return false;
      if (k > c->row_ptr[i] && (dups ? c->col[k] < c->col[k - 1] : c->col[k] <= c->col[k - 1]))
        return false;
    }
  }
  return true;
}

/* True if two CSRs are identical in every array. */
static inline bool csr_equal(const ir_csr *a, const ir_csr *b) {
  if (a->npre != b->npre || a->npost != b->npost || a->nsyn != b->nsyn)
    return false;
  for (uint32_t i = 0; i <= a->npre; i++)
    if (a->row_ptr[i] != b->row_ptr[i])
      return false;
  for (uint64_t k = 0; k < a->nsyn; k++)
    if (a->col[k] != b->col[k] || a->weight[k] != b->weight[k] || a->delay[k] != b->delay[k])
      return false;
  return true;
}

/* True if the CSR holds synapse (i, j). */
static inline bool csr_has(const ir_csr *c, uint32_t i, uint32_t j) {
  for (uint64_t k = c->row_ptr[i]; k < c->row_ptr[i + 1]; k++)
    if (c->col[k] == j)
      return true;
  return false;
}

#endif
