/* astro_hw.h — the C API of the Verilator models of the accelerator: one core (rtl/astro_top.v, LEARN =
 * 1) or the 2 x 2 mesh (rtl/astro_mesh.v, cores with the learning engine): create a model, reset it, and run
 * host-interface commands on it cycle by cycle. The C++ lives behind this
 * header (astro_hw.cpp) so the runtime stays C. */
#ifndef ASTROC_ASTRO_HW_H
#define ASTROC_ASTRO_HW_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct astro_hw astro_hw;

typedef struct astro_hw_options {
  const char *fst_path; /* write an FST waveform of every cycle here; NULL: no trace */
  int rand_reset;       /* initial value of every register and memory bit: 0 zeros, 1 ones, 2 random */
  uint64_t rand_seed;   /* with rand_reset 2 */
  int mesh;             /* 1: the mesh model (ASTRO_HW_MESH_X x ASTRO_HW_MESH_Y cores); 0: one core */
} astro_hw_options;

/* The mesh model's size and per-core capacity (rtl/astro_mesh.v defaults; be_vl_mesh_caps). */
#define ASTRO_HW_MESH_X 2
#define ASTRO_HW_MESH_Y 2
#define ASTRO_HW_ALL_CORES 0xffu /* astro_hw_cmd_core: every core (writes, STEP, CLEAR) or, for RD_REG,
                                    the mesh registers */

/* Builds a model and holds its reset for 4 cycles. NULL when the trace file cannot be opened or on
 * out of memory. The caller owns the model. */
astro_hw *astro_hw_create(const astro_hw_options *opt);
void astro_hw_destroy(astro_hw *h);

/* Waits until the core accepts a command, issues it for one cycle and, for reads (RD_*), returns the
 * response word in *rdata. For STEP and CLEAR it also waits until the core is idle again. false if the
 * core does not respond within 2^34 cycles (a hardware bug). */
bool astro_hw_cmd(astro_hw *h, unsigned op, uint32_t addr, uint64_t data, uint64_t *rdata);
/* The same for core `core` of a mesh model (0 .. cores-1, or ASTRO_HW_ALL_CORES). On a one-core
 * model `core` must be 0. */
bool astro_hw_cmd_core(astro_hw *h, unsigned core, unsigned op, uint32_t addr, uint64_t data, uint64_t *rdata);

/* Clock cycles simulated since creation. */
uint64_t astro_hw_cycles(const astro_hw *h);

#ifdef __cplusplus
}
#endif

#endif
