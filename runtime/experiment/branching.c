/* branching.c — the branching factor of a spike raster over a connectivity graph (docs/experiments.md).
 *
 * For each spike (i, t): desc = spikes of i's targets at steps t+1 .. t+window, anc = spikes of i's sources
 * at steps t-window .. t-1. sigma = mean of desc/anc over the spikes with anc > 0. (The ratio of the two
 * SUMS over a raster is always 1: both count the same (pre spike, post spike) pairs along every edge, so
 * the estimate must be per spike.) */
#include <stdlib.h>

#include "experiment.h"

/* grid[t*n + i]: spikes of neuron i at step t. */
static uint32_t *spike_grid(const ex_spike *sp, size_t ns, uint32_t n, uint32_t *nsteps) {
  uint32_t T = 0;
  for (size_t k = 0; k < ns; k++)
    T = sp[k].step + 1 > T ? sp[k].step + 1 : T;
  *nsteps = T;
  uint32_t *grid = calloc((size_t)(T ? T : 1) * (n ? n : 1), sizeof(uint32_t));
  if (!grid)
    return NULL;
  for (size_t k = 0; k < ns; k++)
    if (sp[k].neuron < n)
      grid[(size_t)sp[k].step * n + sp[k].neuron]++;
  return grid;
}

/* The reversed graph: sources of j are src[ptr[j] .. ptr[j+1]). */
static bool transpose(const ex_graph *g, uint64_t **ptr_out, uint32_t **src_out) {
  uint64_t ne = g->row_ptr[g->n];
  uint64_t *ptr = calloc((size_t)g->n + 1, sizeof(uint64_t)), *fill = calloc((size_t)g->n + 1, sizeof(uint64_t));
  uint32_t *src = malloc((size_t)(ne ? ne : 1) * sizeof(uint32_t));
  if (!ptr || !fill || !src) {
    free(ptr);
    free(fill);
    free(src);
    return false;
  }
  for (uint64_t e = 0; e < ne; e++)
    ptr[g->col[e] + 1]++;
  for (uint32_t j = 0; j < g->n; j++)
    ptr[j + 1] += ptr[j];
  for (uint32_t i = 0; i < g->n; i++)
    for (uint64_t e = g->row_ptr[i]; e < g->row_ptr[i + 1]; e++) {
      uint32_t j = g->col[e];
      src[ptr[j] + fill[j]++] = i;
    }
  free(fill);
  *ptr_out = ptr;
  *src_out = src;
  return true;
}

static double window_sum(const uint32_t *grid, uint32_t n, uint32_t T, const uint32_t *nb, uint64_t lo, uint64_t hi,
                         int64_t from, int64_t to) {
  double c = 0;
  if (from < 0)
    from = 0;
  if (to > (int64_t)T - 1)
    to = (int64_t)T - 1;
  for (uint64_t e = lo; e < hi; e++)
    for (int64_t s = from; s <= to; s++)
      c += grid[(size_t)s * n + nb[e]];
  return c;
}

bool ex_branching_factor(const ex_graph *g, const ex_spike *sp, size_t ns, uint32_t window, double *sigma,
                         double *desc, double *anc) {
  uint32_t T, n = g->n;
  uint64_t *tptr = NULL;
  uint32_t *tsrc = NULL;
  uint32_t *grid = spike_grid(sp, ns, n, &T);
  if (!grid || !transpose(g, &tptr, &tsrc)) {
    free(grid);
    return false;
  }
  double sum_ratio = 0, sd = 0, sa = 0;
  uint64_t used = 0;
  for (size_t k = 0; k < ns; k++) {
    uint32_t i = sp[k].neuron;
    int64_t t = sp[k].step;
    if (i >= n)
      continue;
    double d = window_sum(grid, n, T, g->col, g->row_ptr[i], g->row_ptr[i + 1], t + 1, t + window);
    double a = window_sum(grid, n, T, tsrc, tptr[i], tptr[i + 1], t - (int64_t)window, t - 1);
    sd += d;
    sa += a;
    if (a > 0) {
      sum_ratio += d / a;
      used++;
    }
  }
  free(grid);
  free(tptr);
  free(tsrc);
  if (desc)
    *desc = sd;
  if (anc)
    *anc = sa;
  *sigma = used ? sum_ratio / (double)used : 0.0;
  return true;
}
