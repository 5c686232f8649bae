/* be_verilog_place.c — one core or the mesh for --target astro-sim: runs the mapping passes on a copy of
 * the module and records the neuron placement as a module attribute (be_verilog_map.h). Compiler side:
 * it links the mapping passes, which the runtime must not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "be_verilog.h"
#include "be_verilog_map.h"
#include "image.h"
#include "mapping.h"

/* True when the network needs no more than the one-core model holds. */
static bool fits_one_core(const be_vl_caps *need) {
  const be_vl_caps *c = &be_vl_sim_caps;
  return need->nw <= c->nw && need->aw <= c->aw && need->sw <= c->sw && need->dw <= c->dw && need->qw <= c->qw &&
         need->acc_w <= c->acc_w && need->pw <= c->pw && need->tw <= c->tw;
}

/* One mapping run on a copy of m with `limit` compartments per core; fills core_of and returns the
 * cores used, 0 after reporting through d. */
static uint32_t map_once(const ir_module *m, const map_target *t0, uint64_t limit, uint32_t *core_of, ir_diag *d) {
  ir_module *c = ir_image_copy_module(m, d);
  if (!c)
    return 0;
  map_target t = *t0;
  t.limit[MAP_RES_COMPARTMENTS] = t.limit[MAP_RES_CPROFILES] = t.limit[MAP_RES_TPROFILES] = limit;
  /* The passes place neurons only: astrocytes are the mesh split's (it replicates them on the cores that
   * need them, and `limit` leaves room for every replica). Hidden from the copy, so that the mapping
   * never gives an astrocyte a core of its own; restored before the copy is destroyed. */
  uint32_t nastros = c->nastros, nprobes = c->nprobes;
  c->nastros = c->nprobes = 0;
  for (uint32_t k = 0; k < c->nprojs; k++)
    if (c->projs[k].plasticity == IR_PLAST_ASTRO_STDP) {
      c->projs[k].plasticity = IR_PLAST_STDP;
      c->projs[k].modulator = -1;
    }
  size_t n;
  const ir_pass *passes = map_pipeline(&t, &n);
  map_options o = {.seed = m->seed, .default_rate = 0.02, .iterations = 0};
  map_context_set(&t, &o);
  ir_pipeline_options po = {.verify_each = false};
  uint32_t used = 0;
  if (ir_run_pipeline(c, passes, n, &po, d)) {
    const map_plan *pl = map_context_plan();
    uint32_t mesh_x = t.chips[0] * t.cores[0];
    uint32_t *base = calloc(c->npops + 1, sizeof(uint32_t));
    uint64_t seen = 0;
    for (uint32_t p = 0, b = 0; base && p < c->npops; b += c->pops[p].size, p++)
      base[p] = b;
    for (uint32_t q = 0; base && q < pl->npieces; q++) {
      const map_piece *pc = &pl->pieces[q];
      if (pc->node.kind != IR_NODE_POPULATION)
        continue;
      uint32_t x, y;
      map_core_xy(&t, (uint32_t)pc->core, &x, &y);
      for (uint32_t j = pc->first; j < pc->first + pc->count; j++)
        core_of[base[pc->node.index] + map_neuron_at(pl, pc->node.index, j)] = y * mesh_x + x;
      seen |= UINT64_C(1) << ((y * mesh_x + x) & 63);
    }
    for (; seen; seen &= seen - 1)
      used++;
    if (!base)
      ir_error(d, m->loc, "out of memory placing the network");
    free(base);
  }
  map_context_clear();
  c->nastros = nastros;
  c->nprobes = nprobes;
  ir_module_destroy(c);
  return used;
}

/* The smallest per-core compartment limit with which the populations, cut into pieces of at most
 * that many neurons, need no more than `cores` pieces. */
static uint64_t limit_for(const ir_module *m, uint32_t cores) {
  uint32_t total = be_vl_count_neurons(m);
  for (uint64_t lim = (total + cores - 1) / cores; lim < total; lim++) {
    uint64_t pieces = 0;
    for (uint32_t p = 0; p < m->npops; p++)
      pieces += (m->pops[p].size + lim - 1) / lim;
    if (pieces <= cores)
      return lim;
  }
  return total ? total : 1;
}

static bool set_placement(ir_module *m, uint32_t mesh_x, uint32_t mesh_y, const uint32_t *core_of, uint32_t n,
                          ir_diag *d) {
  char *s = malloc((size_t)n + 32);
  if (!s) {
    ir_error(d, m->loc, "out of memory placing the network");
    return false;
  }
  int k = snprintf(s, 32, "%ux%u:", mesh_x, mesh_y);
  for (uint32_t g = 0; g < n; g++)
    s[k + (int)g] = (char)('0' + core_of[g]);
  s[k + (int)n] = 0;
  bool ok = ir_attr_set_str(m, &m->attrs, BE_VL_PLACEMENT_ATTR, s);
  free(s);
  if (!ok)
    ir_error(d, m->loc, "out of memory placing the network");
  return ok;
}

bool be_vl_place(ir_module *m, uint32_t cores, uint32_t *used, ir_diag *d) {
  *used = 1;
  if (cores == 0) {
    be_vl_image *img = be_vl_build(m, m->seed, NULL, d);
    if (!img)
      return false;
    bool one = fits_one_core(&img->need);
    be_vl_image_destroy(img);
    if (one)
      cores = 1;
  }
  if (cores == 1)
    return ir_attr_get(&m->attrs, BE_VL_PLACEMENT_ATTR) == NULL || ir_attr_set_str(m, &m->attrs, BE_VL_PLACEMENT_ATTR, "");
  map_target t;
  if (!map_target_load("astro-sim", &t, d))
    return false;
  uint32_t ncores = (uint32_t)map_target_ncores(&t), n = be_vl_count_neurons(m);
  uint32_t mesh_x = t.chips[0] * t.cores[0], mesh_y = t.chips[1] * t.cores[1];
  /* a core may hold a replica of every astrocyte compartment besides its neurons (be_verilog_mesh.c) */
  uint64_t nastro = 0, cap = UINT64_C(1) << be_vl_mesh_caps.nw;
  for (uint32_t a = 0; a < m->nastros; a++)
    nastro += m->astros[a].size;
  if (nastro >= cap) {
    ir_error(d, m->loc, "the network has %llu astrocyte compartments but a mesh core holds %llu compartments, "
             "and every core may need a replica of each", (unsigned long long)nastro, (unsigned long long)cap);
    return false;
  }
  cap -= nastro;
  if (cores > ncores) {
    ir_error(d, m->loc, "--cores %u: target astro-sim has %u cores (%u x %u)", cores, ncores, mesh_x, mesh_y);
    return false;
  }
  if (!be_vl_mesh_supported(m, d))
    return false;
  uint64_t lim = cores ? limit_for(m, cores) : (n + ncores - 1) / ncores;
  if (lim > cap)
    lim = cap;
  uint32_t *core_of = calloc(n ? n : 1, sizeof(uint32_t));
  ir_diag *quiet = ir_diag_create(NULL);
  if (!core_of || !quiet) {
    free(core_of);
    ir_diag_destroy(quiet);
    ir_error(d, m->loc, "out of memory placing the network");
    return false;
  }
  /* grow the limit until the pieces fit the mesh; the last try reports why it does not */
  uint64_t step = n / 8 ? n / 8 : 1;
  for (;;) {
    bool last = lim >= cap;
    *used = map_once(m, &t, lim, core_of, last ? d : quiet);
    if (*used || last)
      break;
    lim = lim + step > cap ? cap : lim + step;
  }
  ir_diag_destroy(quiet);
  bool ok = *used > 0;
  if (!ok)
    ir_error(d, m->loc, "the network does not fit the %u x %u astro-sim mesh (%llu compartments per core%s)", mesh_x,
             mesh_y, (unsigned long long)cap, nastro ? " besides the astrocyte replicas" : "");
  else
    ok = set_placement(m, mesh_x, mesh_y, core_of, n, d);
  free(core_of);
  return ok;
}

