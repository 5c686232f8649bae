/* passes.h — the public interface of astroc's IR passes: layout, connectivity expansion, pipeline.
 *
 * Each pass is a plain function over an ir_module: it returns false after reporting the user's
 * error(s) through the ir_diag. Algorithms and random keys: docs/passes.md.
 */
#ifndef ASTROC_PASSES_H
#define ASTROC_PASSES_H

#include "ir.h"
#include "rng.h"


/* Layout: for every grid, a random permutation of its sites keyed by (seed, grid); the grid's
 * populations take consecutive slices of it in model order. Fills ir_population.sites (malloc'd,
 * owned by the module). Grids whose populations already have sites are left alone. Fails if the
 * populations of a grid need more sites than it has. */
bool pass_layout(ir_module *m, ir_diag *d);

/* Site index -> grid coordinates (x, y, z), in grid units (times spacing). */
void pass_site_coords(const ir_grid *g, uint32_t site, double xyz[3]);

/* Expansion: every projection without a CSR gets one (ir_projection.csr, owned by the module),
 * from its connectivity rule, with weights and delays drawn per synapse. Requires layout for the
 * distance rule. Uses pass_expand_default_threads() threads. */
bool pass_expand(ir_module *m, ir_diag *d);

/* Same with an explicit thread count (0: the default). The result is identical for any count. */
bool pass_expand_threads(ir_module *m, ir_diag *d, unsigned nthreads);

/* Expands one projection (index proj) only. */
bool pass_expand_projection(ir_module *m, uint32_t proj, ir_diag *d, unsigned nthreads);

/* Thread count used by pass_expand: $ASTROC_THREADS if set (1..64), else the online CPUs (<= 8). */
unsigned pass_expand_default_threads(void);

/* The probability below which the distance rule never connects (docs/passes.md). */
#define PASS_DISTANCE_P_MIN 1e-12

/* The default pipeline ({layout, expand}); *n receives its length. Static storage. */
const ir_pass *pass_pipeline(size_t *n);

#endif /* ASTROC_PASSES_H */
