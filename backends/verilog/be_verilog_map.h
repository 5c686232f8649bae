/* be_verilog_map.h — one core or the mesh for --target astro-sim: the mapping passes (compiler/mapping)
 * decide where each neuron compartment goes; the placement travels with the module as an attribute
 * that the rtl engine reads (docs/accelerator.md, "Mesh"). */
#ifndef ASTROC_BE_VERILOG_MAP_H
#define ASTROC_BE_VERILOG_MAP_H

#include <stdbool.h>
#include <stdint.h>

#include "be_verilog.h"
#include "ir.h"

/* Module attribute holding a mesh placement: "MXxMY:" then one character '0' + core per neuron
 * compartment (populations in model order, neurons in index order), core = y * MX + x. */
#define BE_VL_PLACEMENT_ATTR "astro.placement"

/* Decides where an expanded module runs on astro-sim. cores = 0: one core when the network fits the
 * one-core model (be_vl_sim_caps), else the mesh; cores = 1: one core; cores = N > 1: the mesh, with
 * at most ceil(neurons / N) compartments per core (more when the mapping passes cannot fit that on the
 * mesh: pieces of different populations never share a core). On the mesh the mapping pipeline of the
 * astro-sim target (its limits, the mesh core's compartment capacity) runs on a copy of m, and the
 * placement is stored in m as BE_VL_PLACEMENT_ATTR (any earlier one is replaced by "" for one core).
 * *used receives the number of cores holding neurons. false after reporting through d. */
bool be_vl_place(ir_module *m, uint32_t cores, uint32_t *used, ir_diag *d); /* be_verilog_place.c: links the mapping passes (verilog_place_dep) */

/* The neurons of all populations of m (compartment ids on the accelerator count them in order). */
uint32_t be_vl_count_neurons(const ir_module *m);

/* Decodes BE_VL_PLACEMENT_ATTR of m: false when m has none (or it is ""); else fills mesh_x, mesh_y
 * and *core_of (malloc'd, [n], the caller frees). A malformed or wrong-length attribute is reported
 * through d and sets *bad. */
bool be_vl_placement_get(const ir_module *m, uint32_t n, uint32_t *mesh_x, uint32_t *mesh_y, uint32_t **core_of,
                         bool *bad, ir_diag *d);

/* The one-core image a mesh image is split from: the learning engine's word layouts (pw as the mesh
 * cores), capacity for the whole mesh (the split checks each core against be_vl_mesh_caps). */
extern const be_vl_caps be_vl_one_for_mesh;

/* What the mesh cores cannot run: neuron models other than lif (astrocytes and astro_stdp run, with the
 * astrocytes replicated on the cores that need them). false after reporting the first through d. */
bool be_vl_mesh_supported(const ir_module *m, ir_diag *d);

/* Writes the accelerator image of m into DIR (which must exist): the one-core image (be_vl_write_dir)
 * or, when m carries a placement, the mesh image (be_vl_mesh_write_dir). false after reporting. */
bool be_vl_write_target_dir(const ir_module *m, const char *dir, ir_diag *d);

#endif
