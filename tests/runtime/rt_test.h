/* rt_test.h — small helpers for the runtime tests: building tiny modules by hand and recording runs. */
#ifndef ASTROC_RT_TEST_H
#define ASTROC_RT_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "astroc_rt.h"

static const ir_loc T_LOC = {"test", 1, 1};

/* A 1-neuron (or n) input that never spikes by itself: driven by rt_sim_inject. */
static inline int32_t t_silent_input(ir_module *m, const char *name, uint32_t n) {
  int32_t k = ir_add_input(m, name, IR_INPUT_BERNOULLI, n, T_LOC);
  m->inputs[k].p = ir_value_const(0, IR_DIM_NONE);
  return k;
}

/* Projection with an explicit synapse list (pre, post, weight mV, delay steps), rows in order. */
static inline int32_t t_proj(ir_module *m, const char *name, ir_ref pre, ir_ref post, uint32_t nsyn,
                             const uint32_t *spre, const uint32_t *spost, const float *w, const uint16_t *delay) {
  int32_t k = ir_add_projection(m, name, pre, post, T_LOC);
  ir_csr *c = ir_csr_create((uint32_t)ir_node_size(m, pre), (uint32_t)ir_node_size(m, post), nsyn);
  for (uint32_t s = 0; s < nsyn; s++) {
    c->row_ptr[spre[s] + 1]++;
    c->col[s] = spost[s];
    c->weight[s] = w[s];
    c->delay[s] = delay ? delay[s] : 0;
  }
  for (uint32_t i = 0; i < c->npre; i++)
    c->row_ptr[i + 1] += c->row_ptr[i];
  m->projs[k].csr = c;
  return k;
}

static inline ir_ref t_pop(int32_t k) { return (ir_ref){IR_NODE_POPULATION, (uint32_t)k}; }
static inline ir_ref t_in(int32_t k) { return (ir_ref){IR_NODE_INPUT, (uint32_t)k}; }

static inline rt_sim *t_create(const ir_module *m) {
  ir_diag *d = ir_diag_create(stderr);
  rt_options o = {0};
  o.numerics = -1;
  rt_sim *s = rt_sim_create(m, &o, d);
  ir_diag_destroy(d);
  assert_non_null(s);
  return s;
}

static inline void t_run(rt_sim *s, uint64_t n) {
  ir_diag *d = ir_diag_create(stderr);
  assert_true(rt_sim_run(s, n, d));
  ir_diag_destroy(d);
}

static inline double t_read(rt_sim *s, ir_ref node, const char *var, uint32_t i) {
  uint64_t n = 0;
  assert_true(rt_sim_state_size(s, node, var, &n));
  assert_true(i < n);
  double *v = malloc(n * sizeof(double));
  assert_true(rt_sim_read_state(s, node, var, v));
  double x = v[i];
  free(v);
  return x;
}

/* A spike raster: (step, kind, index, neuron) tuples in callback order. */
typedef struct t_raster {
  uint64_t *e;
  size_t n, cap;
} t_raster;

static inline void t_on_spikes(void *ctx, uint64_t step, ir_ref src, const uint32_t *idx, uint32_t n) {
  t_raster *r = ctx;
  for (uint32_t k = 0; k < n; k++) {
    if (r->n == r->cap) {
      r->cap = r->cap ? 2 * r->cap : 1024;
      r->e = realloc(r->e, r->cap * sizeof(uint64_t));
    }
    r->e[r->n++] = (step << 24) ^ ((uint64_t)src.kind << 20) ^ ((uint64_t)src.index << 16) ^ idx[k];
  }
}

/* Steps at which neuron i of node src spiked, into out (max cap); returns the count. */
typedef struct t_train {
  ir_ref src;
  uint32_t neuron;
  uint64_t steps[64];
  size_t n;
} t_train;

static inline void t_on_train(void *ctx, uint64_t step, ir_ref src, const uint32_t *idx, uint32_t n) {
  t_train *t = ctx;
  if (src.kind != t->src.kind || src.index != t->src.index)
    return;
  for (uint32_t k = 0; k < n; k++)
    if (idx[k] == t->neuron && t->n < 64)
      t->steps[t->n++] = step;
}

#endif
