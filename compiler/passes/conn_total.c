/* conn_total.c — the fixed_total_number rule: exactly n distinct (pre, post) pairs, uniformly.
 *
 * Allowed pairs are numbered q = pre*M + r over [0, N), N = npre*M, where M = npost, or npost - 1
 * when self is forbidden (then post = r + (r >= pre)). Floyd's algorithm draws a uniform m-subset of
 * [0, N): for t = N-m .. N-1, x = below(hash(seed, CONN stream, t - (N-m), b), t + 1); take x unless
 * already taken, else t. If 2n <= N the subset is the synapses (m = n, b = 0); otherwise it is the
 * pairs left out (m = N - n, b = 1), so the work is O(min(n, N - n)) draws plus O(n) output.
 */
#include <stdlib.h>

#include "expand_internal.h"

/* Open-addressing set of 64-bit values (stored + 1, so 0 means empty). */
typedef struct qset {
  uint64_t *slot;
  uint64_t mask;
} qset;

static bool qset_init(qset *s, uint64_t n) {
  uint64_t cap = 16;
  while (cap < 2 * n)
    cap <<= 1;
  s->mask = cap - 1;
  s->slot = calloc(cap, sizeof *s->slot);
  return s->slot != NULL;
}

/* Inserts q; returns false if it was already there. */
static bool qset_insert(qset *s, uint64_t q) {
  for (uint64_t i = rng_mix64(q) & s->mask;; i = (i + 1) & s->mask) {
    if (s->slot[i] == 0) {
      s->slot[i] = q + 1;
      return true;
    }
    if (s->slot[i] == q + 1)
      return false;
  }
}

static bool qset_has(const qset *s, uint64_t q) {
  for (uint64_t i = rng_mix64(q) & s->mask;; i = (i + 1) & s->mask) {
    if (s->slot[i] == 0)
      return false;
    if (s->slot[i] == q + 1)
      return true;
  }
}

static void floyd(qset *s, const conn_ctx *c, uint64_t total, uint64_t m, uint64_t b) {
  uint64_t first = total - m;
  for (uint64_t t = first; t < total; t++) {
    uint64_t x = rng_below(rng_hash4(c->seed, c->stream, t - first, b), t + 1);
    if (!qset_insert(s, x))
      qset_insert(s, t);
  }
}

static uint32_t pair_post(const conn_ctx *c, uint32_t pre, uint64_t r) {
  return (uint32_t)(c->no_self && r >= pre ? r + 1 : r);
}

/* The chosen pairs are the set itself: bucket them by row, then sort each row. */
static ir_csr *csr_from_set(const conn_ctx *c, const qset *s, uint64_t n, uint64_t mrow) {
  ir_csr *csr = ir_csr_create(c->npre, c->npost, n);
  uint64_t *next = malloc(((size_t)c->npre + 1) * sizeof *next);
  if (!csr || !next) {
    free(next);
    ir_csr_destroy(csr);
    return NULL;
  }
  for (uint64_t i = 0; i <= s->mask; i++)
    if (s->slot[i])
      csr->row_ptr[(s->slot[i] - 1) / mrow + 1]++;
  for (uint32_t i = 0; i < c->npre; i++)
    csr->row_ptr[i + 1] += csr->row_ptr[i];
  for (uint32_t i = 0; i <= c->npre; i++)
    next[i] = csr->row_ptr[i];
  for (uint64_t i = 0; i <= s->mask; i++)
    if (s->slot[i]) {
      uint64_t q = s->slot[i] - 1;
      uint32_t pre = (uint32_t)(q / mrow);
      csr->col[next[pre]++] = pair_post(c, pre, q % mrow);
    }
  for (uint32_t i = 0; i < c->npre; i++)
    conn_sort_u32(&csr->col[csr->row_ptr[i]], csr->row_ptr[i + 1] - csr->row_ptr[i]);
  free(next);
  return csr;
}

/* The set holds the pairs left out: walk all pairs in order and skip those. */
static ir_csr *csr_from_complement(const conn_ctx *c, const qset *s, uint64_t n, uint64_t mrow) {
  ir_csr *csr = ir_csr_create(c->npre, c->npost, n);
  if (!csr)
    return NULL;
  uint64_t k = 0;
  for (uint32_t pre = 0; pre < c->npre; pre++) {
    for (uint64_t r = 0; r < mrow; r++)
      if (!qset_has(s, (uint64_t)pre * mrow + r))
        csr->col[k++] = pair_post(c, pre, r);
    csr->row_ptr[pre + 1] = k;
  }
  IR_ASSERT(k == n);
  return csr;
}

ir_csr *conn_build_fixed_total_number(const conn_ctx *c, ir_diag *d) {
  uint64_t n = c->proj->rule.n;
  uint64_t mrow = c->no_self ? (c->npost ? c->npost - 1 : 0) : c->npost;
  uint64_t total = (uint64_t)c->npre * mrow;
  if (n > total) {
    ir_error(d, c->proj->rule.loc, "fixed_total_number %llu of '%s' exceeds the %llu possible pairs",
             (unsigned long long)n, c->proj->name, (unsigned long long)total);
    return NULL;
  }
  bool complement = n > total / 2;
  uint64_t m = complement ? total - n : n;
  qset s;
  ir_csr *csr = NULL;
  if (qset_init(&s, m)) {
    floyd(&s, c, total, m, complement ? 1 : 0);
    csr = complement ? csr_from_complement(c, &s, n, mrow) : csr_from_set(c, &s, n, mrow ? mrow : 1);
    free(s.slot);
  }
  if (!csr)
    ir_error(d, c->proj->rule.loc, "out of memory expanding '%s'", c->proj->name);
  return csr;
}
