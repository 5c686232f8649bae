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

/* Bernoulli(p) per pair by geometric skipping: the k-th gap of row `pre` (number of posts skipped
 * before the next connected one) is floor(log1p(-u) * (1 / log1p(-p))), u = u01(hash(seed, stream,
 * pre, k)). Self (when forbidden) is drawn like any post and then dropped, which leaves every other
 * pair an independent Bernoulli(p). Cost O(synapses of the row + 1). */
uint64_t conn_row_fixed_probability(const conn_ctx *c, uint32_t pre, uint32_t *out) {
  double p = c->proj->rule.p;
  if (!(p > 0.0))
    return 0;
  if (p >= 1.0)
    return conn_row_all_to_all(c, pre, out);
  uint64_t prefix = rng_hash_prefix(c->seed, c->stream, pre);
  uint64_t n = 0, next = 0; /* next: first post not yet passed */
  for (uint64_t k = 0;; k++) {
    /* 1 - u is exact (u has 53 bits), so log(1 - u) is as accurate as log1p(-u), and faster. */
    double gap = log(1.0 - rng_u01(rng_hash_finish(prefix, k))) * c->inv_log1mp; /* >= 0 */
    if (gap >= (double)(c->npost - next)) /* floor(gap) >= remaining posts: row done */
      break;
    uint64_t post = next + (uint64_t)gap; /* truncation is floor here: gap >= 0 */
    next = post + 1;
    if (c->no_self && post == pre)
      continue;
    if (out)
      out[n] = (uint32_t)post;
    n++;
  }
  return n;
}
