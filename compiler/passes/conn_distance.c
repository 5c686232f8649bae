/* conn_distance.c — the distance rule: p = c*exp(-(d/lambda)^2) between grid sites, with a cutoff.
 *
 * A pair (pre, post) connects iff p >= PASS_DISTANCE_P_MIN and
 * u01(hash(seed, CONN stream, pre, post)) < p. Sites are lattice points, so with integer offset
 * (ox, oy, oz) and n2 = ox^2 + oy^2 + oz^2, p = c*exp(-(n2*s*s)/(lambda*lambda)) depends on n2 only:
 * it is tabulated once for every n2 up to the cutoff (beyond it p < P_MIN), so the fast loops below
 * give exactly what the naive loop over all pairs gives.
 */
#include <stdlib.h>

#include "expand_internal.h"

#define NO_POST UINT32_MAX
#define MAX_N2 (1u << 24)          /* table entries: a cutoff of 4096 sites */
#define MAX_BOX (UINT64_C(1) << 26) /* offsets enumerated for the sparse loop */

static const ir_population *pop_of(const ir_module *m, ir_ref r) {
  return r.kind == IR_NODE_POPULATION && r.index < m->npops ? &m->pops[r.index] : NULL;
}

/* The one formula of the rule (docs/passes.md). */
static double n2_p(double c, double lambda, double s, uint64_t n2) {
  double d2 = (double)n2 * s * s;
  return c * exp(-d2 / (lambda * lambda));
}

static int32_t min_extent(uint32_t n, uint64_t r) {
  uint64_t lim = n > 0 ? n - 1 : 0;
  return (int32_t)(r < lim ? r : lim);
}

/* ptab[n2] for n2 = 0..n2max: p, or 0 below P_MIN. */
static bool build_table(conn_ctx *c, const ir_grid *g, ir_diag *d) {
  dist_tables *t = &c->dist;
  const ir_conn_rule *r = &c->proj->rule;
  double rcut = r->c >= PASS_DISTANCE_P_MIN ? r->lambda * sqrt(log(r->c / PASS_DISTANCE_P_MIN)) : 0.0;
  double n2cut = floor((rcut / g->spacing) * (rcut / g->spacing)) + 1.0; /* margin: the table decides */
  double ext2 = 0;
  for (int a = 0; a < 3; a++)
    ext2 += g->shape[a] ? (double)(g->shape[a] - 1) * (g->shape[a] - 1) : 0.0;
  if (n2cut > ext2)
    n2cut = ext2; /* no offset inside the grid is farther */
  if (n2cut >= MAX_N2) {
    ir_error(d, r->loc,
             "the distance rule of '%s' reaches %.0f sites (lambda %g, spacing %g); at most %u are supported",
             c->proj->name, sqrt(n2cut), r->lambda, g->spacing, 1u << 12);
    return false;
  }
  t->n2max = (uint32_t)n2cut;
  t->ptab = malloc(((size_t)t->n2max + 1) * sizeof *t->ptab);
  if (!t->ptab) {
    ir_error(d, r->loc, "out of memory building the distance table of '%s'", c->proj->name);
    return false;
  }
  for (uint32_t n2 = 0; n2 <= t->n2max; n2++) {
    double p = n2_p(r->c, r->lambda, g->spacing, n2);
    t->ptab[n2] = p >= PASS_DISTANCE_P_MIN ? p : 0.0;
  }
  uint32_t rad = (uint32_t)floor(sqrt((double)t->n2max)) + 1;
  t->rx = min_extent(t->nx, rad);
  t->ry = min_extent(t->ny, rad);
  t->rz = min_extent(t->nz, rad);
  return true;
}

/* The offsets with p > 0, for the sparse loop; none (dense loop) if the box is too large. */
static bool build_offsets(conn_ctx *c) {
  dist_tables *t = &c->dist;
  uint64_t box = (2 * (uint64_t)t->rx + 1) * (2 * (uint64_t)t->ry + 1) * (2 * (uint64_t)t->rz + 1);
  t->noffs = 0;
  if (box > MAX_BOX)
    return true;
  t->offs = malloc(box * sizeof *t->offs);
  if (!t->offs)
    return false;
  for (int32_t oz = -t->rz; oz <= t->rz; oz++)
    for (int32_t oy = -t->ry; oy <= t->ry; oy++)
      for (int32_t ox = -t->rx; ox <= t->rx; ox++) {
        uint64_t n2 = (uint64_t)((int64_t)ox * ox + (int64_t)oy * oy + (int64_t)oz * oz);
        if (n2 <= t->n2max && t->ptab[n2] > 0.0)
          t->offs[t->noffs++] = (dist_offset){ox, oy, oz, t->ptab[n2]};
      }
  return true;
}

static bool build_positions(conn_ctx *c, const ir_population *post) {
  dist_tables *t = &c->dist;
  uint64_t nsites = (uint64_t)t->nx * t->ny * t->nz;
  t->site_to_post = malloc(nsites * sizeof *t->site_to_post);
  t->post_xyz = malloc(((size_t)c->npost * 3 + 1) * sizeof *t->post_xyz);
  if (!t->site_to_post || !t->post_xyz)
    return false;
  for (uint64_t s = 0; s < nsites; s++)
    t->site_to_post[s] = NO_POST;
  for (uint32_t j = 0; j < c->npost; j++) {
    uint32_t s = post->sites[j];
    t->site_to_post[s] = j;
    t->post_xyz[3 * (size_t)j] = (int32_t)(s % t->nx);
    t->post_xyz[3 * (size_t)j + 1] = (int32_t)((s / t->nx) % t->ny);
    t->post_xyz[3 * (size_t)j + 2] = (int32_t)(s / (t->nx * t->ny));
  }
  return true;
}

bool conn_distance_prepare(conn_ctx *c, ir_diag *d) {
  const ir_module *m = c->m;
  const ir_projection *pr = c->proj;
  const ir_population *pre = pop_of(m, pr->pre), *post = pop_of(m, pr->post);
  if (!pre || !post || pre->grid < 0 || pre->grid != post->grid || (uint32_t)pre->grid >= m->ngrids) {
    ir_error(d, pr->rule.loc, "the distance rule of '%s' needs 'pre' and 'post' populations on the same grid",
             pr->name);
    return false;
  }
  if (!pre->sites || !post->sites) {
    ir_error(d, pr->rule.loc, "the distance rule of '%s' needs grid sites: run the layout pass first", pr->name);
    return false;
  }
  const ir_grid *g = &m->grids[pre->grid];
  if (!(pr->rule.lambda > 0.0) || !(pr->rule.c >= 0.0) || !(g->spacing > 0.0) || !isfinite(pr->rule.lambda) ||
      !isfinite(g->spacing)) {
    ir_error(d, pr->rule.loc, "the distance rule of '%s' needs c >= 0, lambda > 0 and a grid spacing > 0",
             pr->name);
    return false;
  }
  dist_tables *t = &c->dist;
  t->nx = g->shape[0];
  t->ny = g->shape[1];
  t->nz = g->shape[2];
  t->pre_sites = pre->sites;
  if (!build_table(c, g, d))
    return false;
  if (!build_offsets(c) || !build_positions(c, post)) {
    ir_error(d, pr->rule.loc, "out of memory building the distance tables of '%s'", pr->name);
    return false;
  }
  /* Sparse loop when the cutoff holds fewer sites than there are posts (and was enumerated). */
  t->dense = t->offs == NULL || t->noffs >= c->npost;
  /* Rows cost about (candidates / synapses) draws per synapse here: generate them only once. */
  c->row_bound = t->dense ? c->npost : t->noffs;
  return true;
}

void conn_distance_release(conn_ctx *c) {
  free(c->dist.ptab);
  free(c->dist.offs);
  free(c->dist.site_to_post);
  free(c->dist.post_xyz);
  c->dist = (dist_tables){0};
}

/* Dense mode: every post in ascending order. */
static uint64_t row_dense(const conn_ctx *c, uint32_t pre, uint32_t *out) {
  const dist_tables *t = &c->dist;
  uint32_t s = t->pre_sites[pre];
  int32_t ax = (int32_t)(s % t->nx), ay = (int32_t)((s / t->nx) % t->ny), az = (int32_t)(s / (t->nx * t->ny));
  uint64_t prefix = rng_hash_prefix(c->seed, c->stream, pre);
  uint64_t n = 0;
  for (uint32_t j = 0; j < c->npost; j++) {
    const int32_t *b = &t->post_xyz[3 * (size_t)j];
    int64_t ox = b[0] - ax, oy = b[1] - ay, oz = b[2] - az;
    if (ox < -t->rx || ox > t->rx || oy < -t->ry || oy > t->ry || oz < -t->rz || oz > t->rz)
      continue;
    uint64_t n2 = (uint64_t)(ox * ox + oy * oy + oz * oz);
    if (n2 > t->n2max || t->ptab[n2] == 0.0 || (c->no_self && j == pre))
      continue;
    if (rng_u01(rng_hash_finish(prefix, j)) < t->ptab[n2]) {
      if (out)
        out[n] = j;
      n++;
    }
  }
  return n;
}

/* Sparse mode: only the sites within the cutoff, then the row is sorted. */
static uint64_t row_sparse(const conn_ctx *c, uint32_t pre, uint32_t *out) {
  const dist_tables *t = &c->dist;
  uint32_t s = t->pre_sites[pre];
  int64_t ax = s % t->nx, ay = (s / t->nx) % t->ny, az = s / (t->nx * t->ny);
  uint64_t prefix = rng_hash_prefix(c->seed, c->stream, pre);
  uint64_t n = 0;
  for (uint64_t k = 0; k < t->noffs; k++) {
    const dist_offset *o = &t->offs[k];
    int64_t x = ax + o->dx, y = ay + o->dy, z = az + o->dz;
    if (x < 0 || y < 0 || z < 0 || x >= t->nx || y >= t->ny || z >= t->nz)
      continue;
    uint32_t j = t->site_to_post[(uint64_t)x + t->nx * ((uint64_t)y + (uint64_t)t->ny * (uint64_t)z)];
    if (j == NO_POST || (c->no_self && j == pre))
      continue;
    if (rng_u01(rng_hash_finish(prefix, j)) < o->p) {
      if (out)
        out[n] = j;
      n++;
    }
  }
  if (out)
    conn_sort_u32(out, n);
  return n;
}

uint64_t conn_row_distance(const conn_ctx *c, uint32_t pre, uint32_t *out) {
  return c->dist.dense ? row_dense(c, pre, out) : row_sparse(c, pre, out);
}
