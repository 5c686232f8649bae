/* conn_distance.c — the distance rule: p = c*exp(-(d/lambda)^2) between grid sites, with a cutoff.
 *
 * A pair (pre, post) connects iff p >= PASS_DISTANCE_P_MIN and
 * u01(hash(seed, CONN stream, pre, post)) < p, where d is the Euclidean distance of the two sites.
 * Since sites are lattice points, p depends only on the integer offset between them: it is
 * tabulated once over a box of offsets that contains every offset with p >= P_MIN, so the fast loops
 * below give exactly what the naive loop over all pairs gives.
 */
#include <stdlib.h>

#include "expand_internal.h"

#define NO_POST UINT32_MAX

static const ir_population *pop_of(const ir_module *m, ir_ref r) {
  return r.kind == IR_NODE_POPULATION && r.index < m->npops ? &m->pops[r.index] : NULL;
}

static int32_t half_extent(double rcut, double spacing, uint32_t n) {
  double r = floor(rcut / spacing) + 1.0; /* one site of margin: the table decides exactly */
  double lim = n > 0 ? (double)(n - 1) : 0.0;
  return (int32_t)(r < lim ? r : lim);
}

/* Probability for an integer site offset; the one formula of the rule (docs/passes.md). */
static double offset_p(double c, double lambda, double spacing, int32_t ox, int32_t oy, int32_t oz) {
  double dx = (double)ox * spacing, dy = (double)oy * spacing, dz = (double)oz * spacing;
  double d2 = dx * dx + dy * dy + dz * dz;
  return c * exp(-d2 / (lambda * lambda));
}

static bool build_box(conn_ctx *c, const ir_grid *g, ir_diag *d) {
  dist_tables *t = &c->dist;
  double cc = c->proj->rule.c, lambda = c->proj->rule.lambda;
  double rcut = cc >= PASS_DISTANCE_P_MIN ? lambda * sqrt(log(cc / PASS_DISTANCE_P_MIN)) : 0.0;
  t->rx = half_extent(rcut, g->spacing, t->nx);
  t->ry = half_extent(rcut, g->spacing, t->ny);
  t->rz = half_extent(rcut, g->spacing, t->nz);
  uint64_t bx = 2 * (uint64_t)t->rx + 1, by = 2 * (uint64_t)t->ry + 1, bz = 2 * (uint64_t)t->rz + 1;
  t->pbox = malloc(bx * by * bz * sizeof *t->pbox);
  t->offs = malloc(bx * by * bz * sizeof *t->offs);
  if (!t->pbox || !t->offs) {
    ir_error(d, c->proj->rule.loc, "out of memory building the distance table of '%s'", c->proj->name);
    return false;
  }
  uint64_t k = 0;
  t->noffs = 0;
  for (int32_t oz = -t->rz; oz <= t->rz; oz++)
    for (int32_t oy = -t->ry; oy <= t->ry; oy++)
      for (int32_t ox = -t->rx; ox <= t->rx; ox++, k++) {
        double p = offset_p(cc, lambda, g->spacing, ox, oy, oz);
        if (!(p >= PASS_DISTANCE_P_MIN))
          p = 0.0;
        t->pbox[k] = p;
        if (p > 0.0)
          t->offs[t->noffs++] = (dist_offset){ox, oy, oz, p};
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
  if (!(pr->rule.lambda > 0.0) || !(pr->rule.c >= 0.0) || !(g->spacing > 0.0)) {
    ir_error(d, pr->rule.loc, "the distance rule of '%s' needs c >= 0, lambda > 0 and a grid spacing > 0",
             pr->name);
    return false;
  }
  dist_tables *t = &c->dist;
  t->nx = g->shape[0];
  t->ny = g->shape[1];
  t->nz = g->shape[2];
  t->pre_sites = pre->sites;
  t->post_sites = post->sites;
  if (!build_box(c, g, d))
    return false;
  uint64_t nsites = (uint64_t)t->nx * t->ny * t->nz;
  t->site_to_post = malloc(nsites * sizeof *t->site_to_post);
  if (!t->site_to_post) {
    ir_error(d, pr->rule.loc, "out of memory building the distance table of '%s'", pr->name);
    return false;
  }
  for (uint64_t s = 0; s < nsites; s++)
    t->site_to_post[s] = NO_POST;
  for (uint32_t j = 0; j < c->npost; j++)
    t->site_to_post[post->sites[j]] = j;
  t->dense = t->noffs >= c->npost;
  /* Rows cost about (candidates / synapses) hashes per synapse here: generate them only once. */
  c->row_bound = t->dense ? c->npost : t->noffs;
  if (t->dense) { /* the dense loop reads every post's coordinates for every row: precompute them */
    t->post_xyz = malloc(((size_t)c->npost * 3 + 1) * sizeof *t->post_xyz);
    if (!t->post_xyz) {
      ir_error(d, pr->rule.loc, "out of memory building the distance table of '%s'", pr->name);
      return false;
    }
    for (uint32_t j = 0; j < c->npost; j++) {
      uint32_t s = post->sites[j];
      t->post_xyz[3 * j] = (int32_t)(s % t->nx);
      t->post_xyz[3 * j + 1] = (int32_t)((s / t->nx) % t->ny);
      t->post_xyz[3 * j + 2] = (int32_t)(s / (t->nx * t->ny));
    }
  }
  return true;
}

void conn_distance_release(conn_ctx *c) {
  free(c->dist.pbox);
  free(c->dist.offs);
  free(c->dist.site_to_post);
  free(c->dist.post_xyz);
  c->dist.post_xyz = NULL;
  c->dist.pbox = NULL;
  c->dist.offs = NULL;
  c->dist.site_to_post = NULL;
}

typedef struct xyz {
  int32_t x, y, z;
} xyz;

static xyz site_xyz(const dist_tables *t, uint32_t s) {
  return (xyz){(int32_t)(s % t->nx), (int32_t)((s / t->nx) % t->ny), (int32_t)(s / (t->nx * t->ny))};
}

/* Dense mode: every post in ascending order, p looked up by offset. */
static uint64_t row_dense(const conn_ctx *c, uint32_t pre, uint32_t *out) {
  const dist_tables *t = &c->dist;
  xyz a = site_xyz(t, t->pre_sites[pre]);
  uint64_t prefix = rng_hash_prefix(c->seed, c->stream, pre);
  int64_t bx = 2 * (int64_t)t->rx + 1, by = 2 * (int64_t)t->ry + 1;
  uint64_t n = 0;
  for (uint32_t j = 0; j < c->npost; j++) {
    const int32_t *b = &t->post_xyz[3 * (size_t)j];
    int32_t ox = b[0] - a.x, oy = b[1] - a.y, oz = b[2] - a.z;
    if (ox < -t->rx || ox > t->rx || oy < -t->ry || oy > t->ry || oz < -t->rz || oz > t->rz)
      continue;
    double p = t->pbox[((int64_t)(oz + t->rz) * by + (oy + t->ry)) * bx + (ox + t->rx)];
    if (p == 0.0 || (c->no_self && j == pre))
      continue;
    if (rng_u01(rng_hash_finish(prefix, j)) < p) {
      if (out)
        out[n] = j;
      n++;
    }
  }
  return n;
}

/* Sparse mode: only the sites within the cutoff box, then the row is sorted. */
static uint64_t row_sparse(const conn_ctx *c, uint32_t pre, uint32_t *out) {
  const dist_tables *t = &c->dist;
  xyz a = site_xyz(t, t->pre_sites[pre]);
  uint64_t prefix = rng_hash_prefix(c->seed, c->stream, pre);
  uint64_t n = 0;
  for (uint64_t k = 0; k < t->noffs; k++) {
    const dist_offset *o = &t->offs[k];
    int64_t x = a.x + o->dx, y = a.y + o->dy, z = a.z + o->dz;
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
