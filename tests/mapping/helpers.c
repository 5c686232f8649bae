/* helpers.c — small targets, the pipeline runner and the plan checks (each neuron placed once,
 * every route reaches its targets) of the mapping tests. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

map_target test_small_target(uint32_t nx, uint32_t ny) {
  map_target t;
  memset(&t, 0, sizeof t);
  strcpy(t.name, "small");
  t.chips[0] = t.chips[1] = 1;
  t.cores[0] = nx;
  t.cores[1] = ny;
  t.limit[MAP_RES_COMPARTMENTS] = 64;
  t.limit[MAP_RES_ASTRO_SLOTS] = 0;
  t.limit[MAP_RES_SYN_BITS] = 16384;
  t.limit[MAP_RES_IN_AXONS] = 96;
  t.limit[MAP_RES_OUT_AXONS] = 512;
  t.limit[MAP_RES_CPROFILES] = 32;
  t.limit[MAP_RES_TPROFILES] = 8;
  t.limit[MAP_RES_FORMATS] = 8;
  t.astro_compartments = 4;
  t.fmt = (map_synfmt){64, 64, 32, 6, 8, 6};
  t.weight_bits = 8;
  t.wexp_min = -8;
  t.wexp_max = 7;
  t.delay_max = 62;
  t.stdp = t.third_factor = true;
  return t;
}

bool test_map(ir_module *m, const map_target *t, uint64_t seed, FILE *out) {
  ir_diag *d = ir_diag_create(out);
  size_t n;
  const ir_pass *p = map_pipeline(t, &n);
  map_options o = {.seed = seed, .default_rate = 0.01, .iterations = 0};
  map_context_set(t, &o);
  ir_pipeline_options po = {.verify_each = true};
  bool ok = ir_run_pipeline(m, p, n, &po, d);
  ir_diag_destroy(d);
  return ok;
}

map_target test_builtin(const char *name) {
  map_target t;
  ir_diag *d = ir_diag_create(stderr);
  assert_true(map_target_load(name, &t, d));
  ir_diag_destroy(d);
  return t;
}

uint32_t **test_check_each_neuron_once(const ir_module *m, const map_plan *pl) {
  uint32_t **pof = calloc(m->npops ? m->npops : 1, sizeof *pof);
  uint32_t **seen = calloc(m->npops ? m->npops : 1, sizeof *seen);
  assert_non_null(pof);
  assert_non_null(seen);
  for (uint32_t i = 0; i < m->npops; i++) {
    pof[i] = calloc(m->pops[i].size ? m->pops[i].size : 1, sizeof **pof);
    seen[i] = calloc(m->pops[i].size ? m->pops[i].size : 1, sizeof **seen);
  }
  for (uint32_t q = 0; q < pl->npieces; q++) {
    const map_piece *p = &pl->pieces[q];
    if (p->node.kind != IR_NODE_POPULATION) continue;
    for (uint32_t j = p->first; j < p->first + p->count; j++) {
      uint32_t n = map_neuron_at(pl, p->node.index, j);
      assert_true(n < m->pops[p->node.index].size);
      seen[p->node.index][n]++;
      pof[p->node.index][n] = q;
    }
  }
  for (uint32_t i = 0; i < m->npops; i++) {
    for (uint32_t j = 0; j < m->pops[i].size; j++)
      if (seen[i][j] != 1) fail_msg("population %s neuron %u is in %u pieces", m->pops[i].name, j, seen[i][j]);
    free(seen[i]);
  }
  free(seen);
  return pof;
}

void test_free_pof(const ir_module *m, uint32_t **pof) {
  for (uint32_t i = 0; i < m->npops; i++) free(pof[i]);
  free(pof);
}

static bool listens_to(const ir_astrocyte *as, const ir_module *m, uint32_t pop) {
  for (uint32_t k = 0; k < as->nlisten; k++) {
    ir_ref s = as->listen[k].source;
    if (s.kind == IR_NODE_PROJECTION) s = m->projs[s.index].pre;
    if (s.kind == IR_NODE_POPULATION && s.index == pop) return true;
  }
  return false;
}

/* Follows the XY route from core a to core b over links whose load is positive; returns the core
 * reached (b, or the core where the walk found an unloaded link). */
static uint32_t walk(const map_target *t, const map_plan *pl, uint32_t a, uint32_t b) {
  uint32_t x, y, bx, by;
  map_core_xy(t, a, &x, &y);
  map_core_xy(t, b, &bx, &by);
  while (x != bx || y != by) {
    int dir = x != bx ? (bx > x ? 0 : 1) : (by > y ? 2 : 3);
    uint32_t c = map_core_id(t, x, y);
    if (!(pl->link[(uint64_t)c * 4 + (uint64_t)dir] > 0)) return c;
    if (dir == 0) x++;
    else if (dir == 1) x--;
    else if (dir == 2) y++;
    else y--;
  }
  return map_core_id(t, x, y);
}

void test_check_routes(const ir_module *m, const map_target *t, const map_plan *pl, uint32_t **pof) {
  uint64_t ncores = map_target_ncores(t);
  uint8_t *want = calloc(ncores, 1), *got = calloc(ncores, 1);
  assert_non_null(want);
  assert_non_null(got);
  for (uint32_t pop = 0; pop < m->npops; pop++) {
    const ir_attr *a = ir_attr_get(&m->pops[pop].attrs, "route.table");
    assert_non_null(a);
    const char *tab = a->u.s;
    for (uint32_t q = 0; q < pl->npieces; q++) {
      const map_piece *p = &pl->pieces[q];
      if (p->node.kind != IR_NODE_POPULATION || p->node.index != pop) continue;
      memset(want, 0, ncores);
      memset(got, 0, ncores);
      /* targets, from the CSR rows of the piece's neurons */
      for (uint32_t j = p->first; j < p->first + p->count; j++) {
        uint32_t n = map_neuron_at(pl, pop, j);
        for (uint32_t k = 0; k < m->nprojs; k++) {
          const ir_projection *pr = &m->projs[k];
          if (pr->pre.kind != IR_NODE_POPULATION || pr->pre.index != pop) continue;
          for (uint64_t s = pr->csr->row_ptr[n]; s < pr->csr->row_ptr[n + 1]; s++)
            want[pl->pieces[pof[pr->post.index][pr->csr->col[s]]].core] = 1;
        }
        for (uint32_t h = 0; h < pl->nhosts; h++)
          if (listens_to(&m->astros[pl->host_astro[h]], m, pop)) want[pl->pieces[pl->hosts[h].piece].core] = 1;
      }
      /* the piece's routing-table entry: "pK (x,y) -> (x,y) (x,y)...; " */
      char head[64];
      uint32_t sx, sy;
      map_core_xy(t, (uint32_t)p->core, &sx, &sy);
      snprintf(head, sizeof head, "p%u (%u,%u) ->", p->index, sx, sy);
      const char *at = strstr(tab, head);
      assert_non_null(at);
      at += strlen(head);
      unsigned x, y;
      int used;
      while (sscanf(at, " (%u,%u)%n", &x, &y, &used) == 2) {
        uint32_t dst = map_core_id(t, x, y);
        uint32_t end = walk(t, pl, (uint32_t)p->core, dst);
        assert_int_equal(end, dst);
        got[end] = 1;
        at += used;
      }
      for (uint64_t c = 0; c < ncores; c++)
        if (want[c] != got[c])
          fail_msg("population %s piece %u: core %llu is %s", m->pops[pop].name, p->index, (unsigned long long)c,
                   want[c] ? "a target but not reached" : "reached but hosts no target");
    }
  }
  free(want);
  free(got);
}
