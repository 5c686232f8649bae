/* layout.c — the layout pass: random, deterministic assignment of grid sites to populations. */
#include <stdlib.h>

#include "passes.h"

void pass_site_coords(const ir_grid *g, uint32_t site, double xyz[3]) {
  uint32_t nx = g->shape[0], ny = g->shape[1];
  xyz[0] = (double)(site % nx) * g->spacing;
  xyz[1] = (double)((site / nx) % ny) * g->spacing;
  xyz[2] = (double)(site / ((uint64_t)nx * ny)) * g->spacing;
}

/* Fisher-Yates from the top: position i (S-1 down to 1) swaps with rng_below(key(i), i+1). */
static void shuffle_sites(uint32_t *perm, uint32_t nsites, uint64_t seed, uint32_t grid) {
  uint64_t stream = RNG_STREAM(RNG_KIND_LAYOUT, grid);
  for (uint32_t i = 0; i < nsites; i++)
    perm[i] = i;
  for (uint32_t i = nsites; i-- > 1;) {
    uint32_t j = (uint32_t)rng_below(rng_hash4(seed, stream, i, 0), (uint64_t)i + 1);
    uint32_t t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
}

/* True if some population of grid g already carries sites (e.g. parsed from IR text). */
static bool grid_already_laid_out(const ir_module *m, uint32_t g) {
  for (uint32_t p = 0; p < m->npops; p++)
    if (m->pops[p].grid == (int32_t)g && m->pops[p].sites)
      return true;
  return false;
}

static bool layout_grid(ir_module *m, uint32_t g, ir_diag *d) {
  const ir_grid *grid = &m->grids[g];
  /* In double first: three 32-bit extents can overflow 64 bits. */
  double dsites = (double)grid->shape[0] * grid->shape[1] * grid->shape[2];
  uint64_t nsites = dsites > (double)UINT32_MAX ? (uint64_t)UINT32_MAX + 1 : (uint64_t)dsites;
  uint64_t need = 0;
  for (uint32_t p = 0; p < m->npops; p++)
    if (m->pops[p].grid == (int32_t)g)
      need += m->pops[p].size;
  if (need == 0)
    return true;
  if (nsites > UINT32_MAX) {
    ir_error(d, grid->loc, "grid '%s' has more than 2^32 - 1 sites", grid->name);
    return false;
  }
  if (need > nsites) {
    ir_error(d, grid->loc, "grid '%s' has %llu sites but its populations need %llu", grid->name,
             (unsigned long long)nsites, (unsigned long long)need);
    return false;
  }
  uint32_t *perm = malloc(nsites * sizeof *perm);
  if (!perm) {
    ir_error(d, grid->loc, "out of memory laying out grid '%s'", grid->name);
    return false;
  }
  shuffle_sites(perm, (uint32_t)nsites, m->seed, g);
  uint32_t next = 0;
  bool ok = true;
  for (uint32_t p = 0; p < m->npops && ok; p++) {
    ir_population *pop = &m->pops[p];
    if (pop->grid != (int32_t)g)
      continue;
    pop->sites = malloc((pop->size ? pop->size : 1) * sizeof *pop->sites); /* owned by the module */
    if (!pop->sites) {
      ir_error(d, pop->loc, "out of memory laying out population '%s'", pop->name);
      ok = false;
      break;
    }
    for (uint32_t i = 0; i < pop->size; i++)
      pop->sites[i] = perm[next++];
  }
  free(perm);
  return ok;
}

bool pass_layout(ir_module *m, ir_diag *d) {
  bool ok = true;
  for (uint32_t g = 0; g < m->ngrids; g++) {
    if (grid_already_laid_out(m, g))
      continue;
    ok = layout_grid(m, g, d) && ok;
  }
  return ok;
}
