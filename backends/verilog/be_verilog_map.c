/* be_verilog_map.c — the neuron placement attribute of a module (decoding it, checking what the mesh can
 * run) and the astro-sim output folder. Deciding the placement, which needs the mapping passes, is
 * be_verilog_place.c's (compiler side): the runtime links this file, never the mapping passes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "be_verilog.h"
#include "be_verilog_map.h"
#include "image.h"

uint32_t be_vl_count_neurons(const ir_module *m) {
  uint32_t n = 0;
  for (uint32_t p = 0; p < m->npops; p++)
    n += m->pops[p].size;
  return n;
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
 * (stdp, astro_stdp) runs on the mesh: each plastic synapse on its post-synaptic core; nalsm astrocytes
 * are replicated on the cores that need their A (be_verilog_mesh.c). nalsm_lif stays on one core
 * (docs/accelerator.md, "Limits"); astrocyte and plasticity models the accelerator does not run at all
 * are reported by the one-core build. */
bool be_vl_mesh_supported(const ir_module *m, ir_diag *d) {
  for (uint32_t p = 0; p < m->npops; p++)
    if (m->pops[p].model != IR_NEURON_LIF) {
      ir_error(d, m->pops[p].loc, "population '%s' (%s): the mesh cores run lif neurons only (other models run on "
               "one core)", m->pops[p].name, ir_neuron_model_desc(m->pops[p].model)->name);
      return false;
    }
  return true;
}

bool be_vl_write_target_dir(const ir_module *m, const char *dir, ir_diag *d) {
  uint32_t n = be_vl_count_neurons(m), mx, my, *core = NULL;
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
