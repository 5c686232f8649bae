/* engine_rtl.h — options of the rtl engine (the Verilator model of the accelerator) that rt_options
 * does not carry. */
#ifndef ASTROC_RT_ENGINE_RTL_H
#define ASTROC_RT_ENGINE_RTL_H

#include <stdint.h>

/* Sets, for rtl engines created afterwards in this process, an FST waveform file (NULL: none) and the
 * initial value of every register and memory bit (0 zeros, 1 ones, 2 random with `seed`). The path
 * is copied. Returns false on out of memory. */
_Bool rt_rtl_set_options(const char *fst_path, int rand_reset, uint64_t seed);

/* Places the neuron compartments of rtl engines created afterwards on the mesh model (2 x 2 cores,
 * rtl/astro_mesh.v): core_of[g] = y * mesh_x + x is the core of compartment g (populations in model
 * order, neurons in index order), on a mesh_x x mesh_y mesh of at most 2 x 2. core_of NULL: one core,
 * or the placement the module carries (BE_VL_PLACEMENT_ATTR of be_verilog_map.h, set by astroc
 * compile --target astro-sim / run --backend rtl when several cores are asked for or needed); a
 * placement set here wins over the module's. The array is copied. Returns false on out of memory. */
_Bool rt_rtl_set_placement(uint32_t mesh_x, uint32_t mesh_y, const uint32_t *core_of, uint32_t n);

#endif
