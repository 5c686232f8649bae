/* be_verilog_map.c — one core or the mesh for --target astro-sim: runs the mapping passes on a copy
 * of the module and records the neuron placement as a module attribute (be_verilog_map.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "be_verilog.h"
#include "be_verilog_map.h"
#include "image.h"
#include "mapping.h"

/* A deep copy through the IR image (the mapping passes add attributes and may fail half-way; the
 * module the user runs stays as compiled). */
static ir_module *copy_module(const ir_module *m, ir_diag *d) {
  void *buf = NULL;
  size_t len = 0;
  ir_module *c = ir_image_encode(m, &buf, &len, d) ? ir_image_read(buf, len, m->name, d) : NULL;
  free(buf);
  return c;
}

static uint32_t count_neurons(const ir_module *m) {
  uint32_t n = 0;
  for (uint32_t p = 0; p < m->npops; p++)
    n += m->pops[p].size;
  return n;
}

/* True when the network needs no more than the one-core model holds. */
static bool fits_one_core(const be_vl_caps *need) {
  const be_vl_caps *c = &be_vl_sim_caps;
  return need->nw <= c->nw && need->aw <= c->aw && need->sw <= c->sw && need->dw <= c->dw && need->qw <= c->qw &&
         need->acc_w <= c->acc_w && need->pw <= c->pw && need->tw <= c->tw;
}

/* One mapping run on a copy of m with `limit` compartments per core; fills core_of and returns the
 * cores used, 0 after reporting through d. */
static uint32_t map_once(const ir_module *m, const map_target *t0, uint64_t limit, uint32_t *core_of, ir_diag *d) {
  ir_module *c = copy_module(m, d);
  if (!c)
    return 0;
  map_target t = *t0;
  t.limit[MAP_RES_COMPARTMENTS] = t.limit[MAP_RES_CPROFILES] = t.limit[MAP_RES_TPROFILES] = limit;
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
  ir_module_destroy(c);
  return used;
}

/* The smallest per-core compartment limit with which the populations, cut into pieces of at most
 * that many neurons, need no more than `cores` pieces. */
static uint64_t limit_for(const ir_module *m, uint32_t cores) {
  uint32_t total = count_neurons(m);
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
  uint32_t ncores = (uint32_t)map_target_ncores(&t), n = count_neurons(m);
  uint32_t mesh_x = t.chips[0] * t.cores[0], mesh_y = t.chips[1] * t.cores[1];
  uint64_t cap = UINT64_C(1) << be_vl_mesh_caps.nw;
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
    ir_error(d, m->loc, "the network does not fit the %u x %u astro-sim mesh (%llu compartments per core)", mesh_x,
             mesh_y, (unsigned long long)cap);
  else
    ok = set_placement(m, mesh_x, mesh_y, core_of, n, d);
  free(core_of);
  return ok;
}

bool be_vl_placement_get(const ir_module *m, uint32_t n, uint32_t *mesh_x, uint32_t *mesh_y, uint32_t **core_of,
                         bool *bad, ir_diag *d) {
  *bad = false;
  *core_of = NULL;
  const ir_attr *a = ir_attr_get(&m->attrs, BE_VL_PLACEMENT_ATTR);
  if (!a || a->kind != IR_ATTR_STR || !a->u.s || !a->u.s[0])
    return false;
  unsigned mx = 0, my = 0;
  int k = 0;
  const char *s = a->u.s;
  if (sscanf(s, "%ux%u:%n", &mx, &my, &k) != 2 || k == 0 || mx == 0 || my == 0 || mx * my > 64 ||
      strlen(s + k) != n) {
    ir_error(d, m->loc, "attribute %s does not describe %u compartments on a mesh", BE_VL_PLACEMENT_ATTR, n);
    *bad = true;
    return false;
  }
  uint32_t *c = malloc((n ? n : 1) * sizeof(uint32_t));
  if (!c) {
    ir_error(d, m->loc, "out of memory reading the placement");
    *bad = true;
    return false;
  }
  for (uint32_t g = 0; g < n; g++) {
    int v = s[k + (int)g] - '0';
    if (v < 0 || (unsigned)v >= mx * my) {
      ir_error(d, m->loc, "attribute %s: compartment %u is on core %d of a %u x %u mesh", BE_VL_PLACEMENT_ATTR, g, v,
               mx, my);
      free(c);
      *bad = true;
      return false;
    }
    c[g] = (uint32_t)v;
  }
  *mesh_x = mx;
  *mesh_y = my;
  *core_of = c;
  return true;
}

const be_vl_caps be_vl_one_for_mesh = {.nw = 12, .aw = 13, .sw = 20, .dw = 6, .qw = 13, .acc_w = 40, .pw = 4, .tw = 15};

/* What the mesh cores cannot run, said before the one-core build would say it differently. Plasticity
 * (stdp) runs on the mesh: each plastic synapse on its post-synaptic core. Astrocytes (and so
 * astro_stdp, which needs one) and nalsm_lif stay on one core (docs/accelerator.md, "Limits"). */
bool be_vl_mesh_supported(const ir_module *m, ir_diag *d) {
  for (uint32_t p = 0; p < m->npops; p++)
    if (m->pops[p].model != IR_NEURON_LIF) {
      ir_error(d, m->pops[p].loc, "population '%s' (%s): the mesh cores run lif neurons only (other models run on "
               "one core)", m->pops[p].name, ir_neuron_model_desc(m->pops[p].model)->name);
      return false;
    }
  if (m->nastros) {
    ir_error(d, m->astros[0].loc, "astrocyte population '%s': the mesh cores have no astrocyte compartments "
             "(astrocytes run on one core)", m->astros[0].name);
    return false;
  }
  for (uint32_t k = 0; k < m->nprojs; k++)
    if (m->projs[k].plasticity != IR_PLAST_NONE && m->projs[k].plasticity != IR_PLAST_STDP) {
      ir_error(d, m->projs[k].loc, "plastic projection '%s': the mesh cores run stdp only (astro_stdp runs on one "
               "core, with its astrocyte)", m->projs[k].name);
      return false;
    }
  return true;
}

bool be_vl_write_target_dir(const ir_module *m, const char *dir, ir_diag *d) {
  uint32_t n = count_neurons(m), mx, my, *core = NULL;
  bool bad;
  if (!be_vl_placement_get(m, n, &mx, &my, &core, &bad, d)) {
    if (bad)
      return false;
    be_vl_image *img = be_vl_build(m, m->seed, NULL, d);
    bool ok = img && be_vl_write_dir(img, m, dir, d);
    be_vl_image_destroy(img);
    return ok;
  }
  be_vl_image *one = be_vl_mesh_supported(m, d) ? be_vl_build(m, m->seed, &be_vl_one_for_mesh, d) : NULL;
  be_vl_placement pl = {.mesh_x = mx, .mesh_y = my, .ncomp = n, .core_of = core};
  be_vl_mesh *mi = one ? be_vl_mesh_build(one, &pl, &be_vl_mesh_caps, m->loc, d) : NULL;
  bool ok = mi && be_vl_mesh_write_dir(mi, m, dir, d);
  be_vl_mesh_destroy(mi);
  be_vl_image_destroy(one);
  free(core);
  return ok;
}
