/* conn_indegree.c — the fixed_indegree rule: each post neuron draws exactly k distinct pres.
 *
 * Per post j, Floyd's algorithm picks k distinct candidate indices from [0, nc) (nc = npre, or
 * npre - 1 when self is forbidden; candidate r >= j then maps to pre r + 1): for t = nc-k .. nc-1,
 * r = below(hash(seed, CONN stream, j, t - (nc-k)), t + 1); take r unless already taken, else t.
 * The per-post lists are then transposed into pre-major CSR (columns ascending by construction).
 */
#include <stdlib.h>
#include <string.h>

#include "expand_internal.h"

typedef struct indeg_job {
  const conn_ctx *c;
  uint32_t k, nc;
  uint32_t *chosen;    /* npost * k pre indices, post-major */
  uint64_t **bitmaps;  /* per thread: nc bits */
} indeg_job;

static void pick_for_post(const indeg_job *job, uint32_t j, uint64_t *bits) {
  const conn_ctx *c = job->c;
  uint32_t *dst = &job->chosen[(uint64_t)j * job->k];
  uint64_t prefix = rng_hash_prefix(c->seed, c->stream, j);
  uint32_t first = job->nc - job->k;
  for (uint32_t t = first; t < job->nc; t++) {
    uint32_t r = (uint32_t)rng_below(rng_hash_finish(prefix, t - first), (uint64_t)t + 1);
    if (bits[r >> 6] & (UINT64_C(1) << (r & 63)))
      r = t;
    bits[r >> 6] |= UINT64_C(1) << (r & 63);
    dst[t - first] = r;
  }
  for (uint32_t i = 0; i < job->k; i++) { /* clear only what was set, then map to pre indices */
    uint32_t r = dst[i];
    bits[r >> 6] &= ~(UINT64_C(1) << (r & 63));
    dst[i] = c->no_self && r >= j ? r + 1 : r;
  }
}

static void indeg_chunk(void *arg, unsigned thread, uint64_t lo, uint64_t hi) {
  indeg_job *job = arg;
  for (uint64_t j = lo; j < hi; j++)
    pick_for_post(job, (uint32_t)j, job->bitmaps[thread]);
}

static ir_csr *transpose(const conn_ctx *c, const uint32_t *chosen, uint32_t k) {
  ir_csr *csr = ir_csr_create(c->npre, c->npost, (uint64_t)k * c->npost);
  if (!csr)
    return NULL;
  uint64_t total = (uint64_t)k * c->npost;
  for (uint64_t i = 0; i < total; i++)
    csr->row_ptr[chosen[i] + 1]++;
  for (uint32_t i = 0; i < c->npre; i++)
    csr->row_ptr[i + 1] += csr->row_ptr[i];
  uint64_t *next = malloc(((size_t)c->npre + 1) * sizeof *next);
  if (!next) {
    ir_csr_destroy(csr);
    return NULL;
  }
  memcpy(next, csr->row_ptr, ((size_t)c->npre + 1) * sizeof *next);
  for (uint32_t j = 0; j < c->npost; j++) /* ascending j: each row's columns come out sorted */
    for (uint32_t i = 0; i < k; i++)
      csr->col[next[chosen[(uint64_t)j * k + i]]++] = j;
  free(next);
  return csr;
}

ir_csr *conn_build_fixed_indegree(const conn_ctx *c, unsigned nthreads, ir_diag *d) {
  uint32_t k = c->proj->rule.indegree;
  uint32_t nc = c->no_self ? (c->npre ? c->npre - 1 : 0) : c->npre;
  if (k > nc && c->npost > 0) {
    ir_error(d, c->proj->rule.loc, "fixed_indegree %u of '%s' exceeds the %u possible presynaptic neurons", k,
             c->proj->name, nc);
    return NULL;
  }
  indeg_job job = {.c = c, .k = k, .nc = nc};
  uint64_t total = (uint64_t)k * c->npost;
  job.chosen = malloc((total ? total : 1) * sizeof *job.chosen);
  job.bitmaps = calloc(nthreads, sizeof *job.bitmaps);
  bool ok = job.chosen && job.bitmaps;
  for (unsigned t = 0; ok && t < nthreads; t++)
    ok = (job.bitmaps[t] = calloc((size_t)nc / 64 + 1, sizeof(uint64_t))) != NULL;
  ir_csr *csr = NULL;
  if (ok) {
    par_for(nthreads, c->npost, 1024, indeg_chunk, &job);
    csr = transpose(c, job.chosen, k);
  }
  if (!csr)
    ir_error(d, c->proj->rule.loc, "out of memory expanding '%s'", c->proj->name);
  for (unsigned t = 0; job.bitmaps && t < nthreads; t++)
    free(job.bitmaps[t]);
  free(job.bitmaps);
  free(job.chosen);
  return csr;
}
