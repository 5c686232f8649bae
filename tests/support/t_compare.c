/* t_compare.c — interp against an engine under test, bit-exactly (t_compare.h). */
#include "t_compare.h"

#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>

#include "t_sim.h"

typedef struct pair {
  rt_sim *s[2]; /* interp, the engine under test */
  const char *engine;
  uint64_t seed;
} pair;

static const char *const kind_name[] = {[IR_NODE_POPULATION] = "population", [IR_NODE_INPUT] = "input",
                                        [IR_NODE_PROJECTION] = "projection", [IR_NODE_ASTROCYTE] = "astrocyte"};

static const char *node_kind(unsigned kind) {
  return kind < sizeof kind_name / sizeof kind_name[0] && kind_name[kind] ? kind_name[kind] : "node";
}

/* The first event where the rasters part, decoded (step, node, neuron); then the counts. */
static void same_raster(const pair *p, const t_raster *a, const t_raster *b) {
  for (size_t k = 0; k < a->n && k < b->n; k++)
    if (a->e[k] != b->e[k])
      fail_msg("seed %llu: spike %zu differs: interp step %llu %s %llu neuron %llu, %s step %llu %s %llu neuron %llu",
               (unsigned long long)p->seed, k, (unsigned long long)(a->e[k] >> 32), node_kind(a->e[k] >> 28 & 0xf),
               (unsigned long long)(a->e[k] >> 20 & 0xff), (unsigned long long)(a->e[k] & 0xfffff), p->engine,
               (unsigned long long)(b->e[k] >> 32), node_kind(b->e[k] >> 28 & 0xf),
               (unsigned long long)(b->e[k] >> 20 & 0xff), (unsigned long long)(b->e[k] & 0xfffff));
  if (a->n != b->n)
    fail_msg("seed %llu: interp has %zu spikes, %s %zu (the first %zu agree)", (unsigned long long)p->seed, a->n,
             p->engine, b->n, a->n < b->n ? a->n : b->n);
}

/* The n elements of `var` of `node` equal on both engines; returns how many differ from init (NULL: 0). */
static uint64_t same_state(const pair *p, ir_ref node, const char *var, uint64_t n, const double *init) {
  double *a = calloc(n + 1, sizeof(double)), *b = calloc(n + 1, sizeof(double));
  assert_true(a && b);
  assert_true(rt_sim_read_state(p->s[0], node, var, a));
  assert_true(rt_sim_read_state(p->s[1], node, var, b));
  uint64_t changed = 0;
  for (uint64_t i = 0; i < n; i++) {
    if (a[i] != b[i])
      fail_msg("seed %llu: %s %u %s[%llu]: interp %.0f %s %.0f", (unsigned long long)p->seed, node_kind(node.kind),
               node.index, var, (unsigned long long)i, a[i], p->engine, b[i]);
    changed += init && a[i] != init[i];
  }
  free(a);
  free(b);
  return changed;
}

static void same_populations(const pair *p, const ir_module *m) {
  for (uint32_t k = 0; k < m->npops; k++) {
    ir_ref node = {IR_NODE_POPULATION, k};
    uint32_t n = m->pops[k].size;
    same_state(p, node, "v", n, NULL);
    if (m->pops[k].model != IR_NEURON_NALSM_LIF) /* nalsm_lif has no u */
      same_state(p, node, "u", n, NULL);
    same_state(p, node, "ref", n, NULL);
    if (m->pops[k].model == IR_NEURON_AMSU) /* only amsu has an astrocyte variable */
      same_state(p, node, "a", n, NULL);
  }
}

static void same_astrocytes(const pair *p, const ir_module *m, t_diff *st) {
  for (uint32_t k = 0; k < m->nastros; k++) {
    ir_ref node = {IR_NODE_ASTROCYTE, k};
    uint32_t n = m->astros[k].size;
    bool tri = m->astros[k].model == IR_ASTRO_TRIPARTITE;
    same_state(p, node, tri ? "ca" : "a", n, NULL);
    if (tri) {
      double *zero = calloc(n + 1, sizeof(double));
      assert_non_null(zero);
      st->g_nonzero += same_state(p, node, "g", n, zero);
      free(zero);
    }
  }
}

/* w0[k]: projection k's weights before the run. */
static void same_projections(const pair *p, const ir_module *m, double *const *w0, t_diff *st) {
  for (uint32_t k = 0; k < m->nprojs; k++) {
    ir_ref node = {IR_NODE_PROJECTION, k};
    const ir_csr *c = m->projs[k].csr;
    uint64_t moved = same_state(p, node, "w", c->nsyn, w0[k]);
    if (m->projs[k].plasticity == IR_PLAST_NONE) {
      if (moved)
        fail_msg("seed %llu: static projection %u changed %llu weights", (unsigned long long)p->seed, k,
                 (unsigned long long)moved);
      continue;
    }
    st->w_changed += moved;
    same_state(p, node, "x_pre", c->npre, NULL);
    same_state(p, node, "x_post", c->npost, NULL);
  }
}

static double **initial_weights(rt_sim *interp, const ir_module *m) {
  double **w0 = calloc(m->nprojs + 1, sizeof(double *));
  assert_non_null(w0);
  for (uint32_t k = 0; k < m->nprojs; k++) {
    w0[k] = calloc(m->projs[k].csr->nsyn + 1, sizeof(double));
    assert_non_null(w0[k]);
    assert_true(rt_sim_read_state(interp, (ir_ref){IR_NODE_PROJECTION, k}, "w", w0[k]));
  }
  return w0;
}

static void force_spikes(rt_sim *s, const ir_module *m, uint64_t seed, bool inputs) {
  for (uint32_t p = 0; p < m->npops; p++)
    assert_true(rt_sim_inject(s, (ir_ref){IR_NODE_POPULATION, p}, (uint32_t)((seed + p) % m->pops[p].size)));
  for (uint32_t i = 0; inputs && i < m->ninputs; i++)
    assert_true(rt_sim_inject(s, (ir_ref){IR_NODE_INPUT, i}, (uint32_t)(seed % m->inputs[i].size)));
}

t_diff t_compare(const ir_module *m, uint64_t steps, uint64_t seed, const t_compare_opts *o) {
  pair p = {{t_create(m, "interp"), t_create(m, o->engine)}, o->engine, seed};
  double **w0 = o->all_state ? initial_weights(p.s[0], m) : NULL;
  t_raster r[2] = {{0}, {0}};
  for (int k = 0; k < 2; k++) {
    rt_sim_on_spikes(p.s[k], t_on_spikes, &r[k]);
    t_run(p.s[k], steps / 2);
    force_spikes(p.s[k], m, seed, o->inject_inputs);
    t_run(p.s[k], steps - steps / 2);
  }
  same_raster(&p, &r[0], &r[1]);
  t_diff st = {.spikes = r[0].n};
  same_populations(&p, m);
  if (o->all_state) {
    same_astrocytes(&p, m, &st);
    same_projections(&p, m, w0, &st);
    for (uint32_t k = 0; k < m->nprojs; k++)
      free(w0[k]);
    free(w0);
  }
  if (o->inspect)
    o->inspect(p.s[1], o->ctx);
  for (int k = 0; k < 2; k++) {
    free(r[k].e);
    rt_sim_destroy(p.s[k]);
  }
  return st;
}
