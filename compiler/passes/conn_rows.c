/* conn_rows.c — row generators of the all_to_all, one_to_one and fixed_probability rules. */
#include "expand_internal.h"

uint64_t conn_row_all_to_all(const conn_ctx *c, uint32_t pre, uint32_t *out) {
  uint64_t n = 0;
  for (uint32_t j = 0; j < c->npost; j++) {
    if (c->no_self && j == pre)
      continue;
    if (out)
      out[n] = j;
    n++;
  }
  return n;
}

uint64_t conn_row_one_to_one(const conn_ctx *c, uint32_t pre, uint32_t *out) {
  if (c->no_self) /* rejected before expansion; kept for safety */
    return 0;
  if (out)
    out[0] = pre;
  return 1;
}

/* Bernoulli(p) per pair by geometric skipping: the gap before the next connected post is
 * floor(log(1-u)/log(1-p)), u = u01(hash(seed, stream, pre, k)) for the k-th gap of the row.
 * Self (when forbidden) is drawn like any post and then dropped, which leaves every other pair an
 * independent Bernoulli(p). Cost O(synapses of the row + 1). */
uint64_t conn_row_fixed_probability(const conn_ctx *c, uint32_t pre, uint32_t *out) {
  double p = c->proj->rule.p;
  if (!(p > 0.0))
    return 0;
  if (p >= 1.0)
    return conn_row_all_to_all(c, pre, out);
  uint64_t prefix = rng_hash_prefix(c->seed, c->stream, pre);
  uint64_t n = 0;
  double j = -1.0; /* last position, as a double so huge gaps cannot overflow */
  for (uint64_t k = 0;; k++) {
    double u = rng_u01(rng_hash_finish(prefix, k));
    double gap = floor(log1p(-u) / c->log1mp);
    j += gap + 1.0;
    if (j >= (double)c->npost)
      break;
    uint32_t post = (uint32_t)j;
    if (c->no_self && post == pre)
      continue;
    if (out)
      out[n] = post;
    n++;
  }
  return n;
}
