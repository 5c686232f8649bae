/* expand_internal.h — shared types of the connectivity expansion (expand*.c, conn_*.c); not public. */
#ifndef ASTROC_EXPAND_INTERNAL_H
#define ASTROC_EXPAND_INTERNAL_H

#include "passes.h"

/* One offset of the distance rule's box: integer site deltas and the probability there. */
typedef struct dist_offset {
  int32_t dx, dy, dz;
  double p;
} dist_offset;

/* Distance-rule tables, built once per projection (conn_distance.c). */
typedef struct dist_tables {
  uint32_t nx, ny, nz;       /* grid shape */
  uint32_t n2max;            /* largest squared offset (in sites) that may have p >= P_MIN */
  double *ptab;              /* n2max + 1 probabilities by squared offset, 0 where below P_MIN */
  int32_t rx, ry, rz;        /* half-extent of the box of offsets with n2 <= n2max, per axis */
  dist_offset *offs;         /* sparse loop: offsets with p > 0; NULL when the box is too large */
  uint64_t noffs;
  uint32_t *site_to_post;    /* grid site -> post neuron, UINT32_MAX if none */
  int32_t *post_xyz;         /* 3 site coordinates per post */
  const uint32_t *pre_sites;
  bool dense;                /* loop over all posts (ascending) instead of over offsets */
} dist_tables;

/* Everything a row generator needs; read-only while threads run. */
typedef struct conn_ctx {
  const ir_module *m;
  const ir_projection *proj;
  uint32_t proj_index;
  uint32_t npre, npost;
  bool no_self;      /* pre and post are the same population and allow_self is false */
  uint64_t seed;
  uint64_t stream;   /* RNG_STREAM(RNG_KIND_CONN, proj_index) */
  double inv_log1mp; /* fixed_probability: 1 / log1p(-p) */
  uint64_t row_bound; /* if nonzero: rows are generated once into buffers (at most this long) */
  dist_tables dist;
} conn_ctx;

/* Writes the ascending postsynaptic indices of row `pre` to out (when out != NULL) and returns
 * how many there are. Pure function of (ctx, pre). */
typedef uint64_t (*conn_row_fn)(const conn_ctx *c, uint32_t pre, uint32_t *out);

uint64_t conn_row_all_to_all(const conn_ctx *c, uint32_t pre, uint32_t *out);
uint64_t conn_row_one_to_one(const conn_ctx *c, uint32_t pre, uint32_t *out);
uint64_t conn_row_fixed_probability(const conn_ctx *c, uint32_t pre, uint32_t *out);
uint64_t conn_row_distance(const conn_ctx *c, uint32_t pre, uint32_t *out);

/* Builds the distance tables (needs layout); false after reporting an error. */
bool conn_distance_prepare(conn_ctx *c, ir_diag *d);
void conn_distance_release(conn_ctx *c);

/* Rules that build the whole CSR at once (cols only; weights/delays are drawn afterwards, except
 * for the list rule, which fills them from its file). NULL after reporting an error. */
ir_csr *conn_build_fixed_indegree(const conn_ctx *c, unsigned nthreads, ir_diag *d);
ir_csr *conn_build_fixed_total_number(const conn_ctx *c, ir_diag *d);
ir_csr *conn_build_list(const conn_ctx *c, ir_diag *d);

/* Runs fn(arg, thread, lo, hi) over [0, n) in chunks of `chunk` items on nthreads threads (the
 * calling thread included). The split never affects results: callers write disjoint outputs. */
typedef void (*par_fn)(void *arg, unsigned thread, uint64_t lo, uint64_t hi);
void par_for(unsigned nthreads, uint64_t n, uint64_t chunk, par_fn fn, void *arg);

/* Converts a delay in ms to steps; false if outside 0..65535 (or not finite). */
bool conn_delay_steps(double delay_ms, double dt, uint16_t *steps);

/* Sorts a small array of distinct uint32 ascending. */
void conn_sort_u32(uint32_t *v, uint64_t n);

#endif /* ASTROC_EXPAND_INTERNAL_H */
