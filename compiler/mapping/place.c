/* place.c — pass `place`: pieces onto mesh cores (docs/mapping.md): a constructive greedy start
 * (pieces in order of their traffic to the pieces already placed, each on the best of the free cores
 * nearest its neighbours' centroid, inter-chip hops weighted), then simulated annealing over moves
 * and swaps on the routed objective of objective.c, geometric cooling, a work-bounded move budget,
 * keyed by the seed.
 * Ends with the fit check: every core within every limit, or an error naming piece, core and excess. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plan_internal.h"
#include "rng.h"

#define RNG_KIND_PLACE 16 /* stream kind of the placement's draws (docs/mapping.md) */
#define GREEDY_CANDIDATES 8

/* Undirected weighted adjacency of the pieces; port weights tie a piece to the host port (core 0). */
typedef struct graph {
  uint32_t n;
  uint64_t *ptr;
  uint32_t *nbr;
  double *w;
  double *port; /* weight to the port, per piece */
} graph;

typedef struct mesh {
  const map_target *t;
  uint32_t ncores;
  int32_t *x, *y;
} mesh;

/* Hops between cores, an inter-chip hop counting MAP_INTERCHIP_WEIGHT (the greedy start's cost). */
static inline double hops(const mesh *ms, uint32_t a, uint32_t b) {
  int32_t dx = ms->x[a] - ms->x[b], dy = ms->y[a] - ms->y[b];
  int32_t cw = (int32_t)ms->t->cores[0], ch = (int32_t)ms->t->cores[1];
  int32_t kx = ms->x[a] / cw - ms->x[b] / cw, ky = ms->y[a] / ch - ms->y[b] / ch;
  int32_t chip = (kx < 0 ? -kx : kx) + (ky < 0 ? -ky : ky);
  return (double)((dx < 0 ? -dx : dx) + (dy < 0 ? -dy : dy)) + (MAP_INTERCHIP_WEIGHT - 1) * chip;
}

static void graph_free(graph *g) {
  free(g->ptr);
  free(g->nbr);
  free(g->w);
  free(g->port);
}

static bool graph_build(const map_plan *pl, graph *g) {
  g->n = pl->npieces;
  g->ptr = calloc((size_t)g->n + 1, sizeof *g->ptr);
  g->port = calloc(g->n ? g->n : 1, sizeof *g->port);
  if (!g->ptr || !g->port) return false;
  uint64_t m = 0;
  for (uint64_t k = 0; k < pl->nedges; k++) {
    const map_edge *e = &pl->edges[k];
    if (e->src == MAP_PORT) g->port[e->dst] += e->rate;
    else if (e->src != e->dst) {
      g->ptr[e->src + 1]++;
      g->ptr[e->dst + 1]++;
      m += 2;
    }
  }
  for (uint32_t i = 0; i < g->n; i++) g->ptr[i + 1] += g->ptr[i];
  g->nbr = malloc(sizeof *g->nbr * (m ? m : 1));
  g->w = malloc(sizeof *g->w * (m ? m : 1));
  uint64_t *fill = malloc(sizeof *fill * ((size_t)g->n + 1));
  if (!g->nbr || !g->w || !fill) {
    free(fill);
    return false;
  }
  memcpy(fill, g->ptr, sizeof *fill * ((size_t)g->n + 1));
  for (uint64_t k = 0; k < pl->nedges; k++) {
    const map_edge *e = &pl->edges[k];
    if (e->src == MAP_PORT || e->src == e->dst) continue;
    g->nbr[fill[e->src]] = e->dst;
    g->w[fill[e->src]++] = e->rate;
    g->nbr[fill[e->dst]] = e->src;
    g->w[fill[e->dst]++] = e->rate;
  }
  free(fill);
  return true;
}

/* Cost of piece p on core c given the cores of the others (core_of[n] < 0: not placed). */
static double piece_cost(const graph *g, const mesh *ms, const int32_t *core_of, uint32_t p, uint32_t c) {
  double s = g->port[p] * hops(ms, c, 0);
  for (uint64_t k = g->ptr[p]; k < g->ptr[p + 1]; k++) {
    int32_t o = core_of[g->nbr[k]];
    if (o >= 0) s += g->w[k] * hops(ms, c, (uint32_t)o);
  }
  return s;
}

double map_cost(const map_target *t, const map_plan *pl, const int32_t *core_of) {
  double s = 0;
  for (uint64_t k = 0; k < pl->nedges; k++) {
    const map_edge *e = &pl->edges[k];
    uint32_t a = e->src == MAP_PORT ? 0 : (uint32_t)core_of[e->src];
    s += e->rate * map_hops(t, a, (uint32_t)core_of[e->dst]);
  }
  return s;
}

void map_naive_cores(const map_plan *pl, int32_t *core_of) {
  for (uint32_t q = 0; q < pl->npieces; q++) core_of[q] = (int32_t)q;
}

/* ---------------------------------------------------------------- greedy start */

/* Up to k free cores nearest to (cx, cy), ring by ring (deterministic order). */
static uint32_t nearest_free(const mesh *ms, const int32_t *owner, int32_t cx, int32_t cy, uint32_t k,
                             uint32_t *out) {
  int32_t W = (int32_t)(ms->t->chips[0] * ms->t->cores[0]), H = (int32_t)(ms->t->chips[1] * ms->t->cores[1]);
  uint32_t n = 0;
  for (int32_t r = 0; r <= W + H && n < k; r++) {
    for (int32_t dx = -r; dx <= r; dx++) {
      int32_t rest = r - (dx < 0 ? -dx : dx);
      for (int s = 0; s < (rest ? 2 : 1); s++) {
        int32_t x = cx + dx, y = cy + (s ? -rest : rest);
        if (x < 0 || y < 0 || x >= W || y >= H) continue;
        uint32_t c = map_core_id(ms->t, (uint32_t)x, (uint32_t)y);
        if (owner[c] < 0 && n < k) out[n++] = c;
      }
    }
  }
  return n;
}

static void greedy(const graph *g, const mesh *ms, int32_t *core_of, int32_t *owner) {
  uint32_t n = g->n;
  double *conn = calloc(n ? n : 1, sizeof *conn);
  bool *done = calloc(n ? n : 1, sizeof *done);
  IR_ASSERT(conn && done);
  for (uint32_t p = 0; p < n; p++) conn[p] = g->port[p];
  for (uint32_t step = 0; step < n; step++) {
    /* the unplaced piece most connected to what is placed (first by index on ties) */
    uint32_t best = UINT32_MAX;
    for (uint32_t p = 0; p < n; p++)
      if (!done[p] && (best == UINT32_MAX || conn[p] > conn[best])) best = p;
    double sx = g->port[best] * ms->x[0], sy = g->port[best] * ms->y[0], sw = g->port[best];
    for (uint64_t k = g->ptr[best]; k < g->ptr[best + 1]; k++) {
      int32_t o = core_of[g->nbr[k]];
      if (o < 0) continue;
      sx += g->w[k] * ms->x[o];
      sy += g->w[k] * ms->y[o];
      sw += g->w[k];
    }
    int32_t cx = 0, cy = 0;
    if (sw > 0) {
      cx = (int32_t)lround(sx / sw);
      cy = (int32_t)lround(sy / sw);
    }
    uint32_t cand[GREEDY_CANDIDATES];
    uint32_t nc = nearest_free(ms, owner, cx, cy, GREEDY_CANDIDATES, cand);
    IR_ASSERT(nc > 0);
    uint32_t pick = cand[0];
    double pc = piece_cost(g, ms, core_of, best, cand[0]);
    for (uint32_t i = 1; i < nc; i++) {
      double c = piece_cost(g, ms, core_of, best, cand[i]);
      if (c < pc || (c == pc && cand[i] < pick)) {
        pc = c;
        pick = cand[i];
      }
    }
    core_of[best] = (int32_t)pick;
    owner[pick] = (int32_t)best;
    done[best] = true;
    for (uint64_t k = g->ptr[best]; k < g->ptr[best + 1]; k++) conn[g->nbr[k]] += g->w[k];
  }
  free(conn);
  free(done);
}

/* ---------------------------------------------------------------- annealing */

#define MOVES_PER_PIECE 4000   /* default refinement budget per piece ... */
#define MAX_MOVES 2000000      /* ... and in all */
#define WORK_BUDGET 1.2e8      /* ... and in link visits of the objective (about 1 s) */
#define QUAD_SHARE 0.5         /* lambda: the load^2 term is this share of the linear term at start */
#define T_END_RATIO 1e-4       /* geometric cooling from T0 to T0 * T_END_RATIO */
#define T0_SHARE 0.03          /* T0 = this share of the median |delta| of random proposals: the greedy
                                  start is good, a hotter start wastes a small budget undoing it */

static void apply_move(int32_t *core_of, int32_t *owner, uint32_t p, uint32_t c) {
  int32_t a = core_of[p], q = owner[c];
  core_of[p] = (int32_t)c;
  owner[c] = (int32_t)p;
  owner[a] = q;
  if (q >= 0) core_of[q] = a;
}

static uint32_t clamp_core(const mesh *ms, int32_t x, int32_t y) {
  int32_t W = (int32_t)(ms->t->chips[0] * ms->t->cores[0]), H = (int32_t)(ms->t->chips[1] * ms->t->cores[1]);
  x = x < 0 ? 0 : x >= W ? W - 1 : x;
  y = y < 0 ? 0 : y >= H ? H - 1 : y;
  return map_core_id(ms->t, (uint32_t)x, (uint32_t)y);
}

/* A candidate core for p: a third of the time within 3 hops of its core, a third within 2 hops of a
 * random neighbour's core, a third the core of a random other piece (a swap). */
static uint32_t propose(const graph *g, const mesh *ms, const int32_t *core_of, uint32_t p, uint64_t bits) {
  uint64_t deg = g->ptr[p + 1] - g->ptr[p];
  uint64_t kind = rng_below(bits, 3), b1 = rng_next(bits), b2 = rng_next(b1), b3 = rng_next(b2);
  if (kind == 2 && g->n > 1) {
    uint32_t q = (uint32_t)rng_below(b1, g->n - 1);
    return (uint32_t)core_of[q >= p ? q + 1 : q];
  }
  uint32_t at = (uint32_t)core_of[p];
  int32_t r = 3;
  if (kind == 1 && deg > 0) {
    at = (uint32_t)core_of[g->nbr[g->ptr[p] + rng_below(b1, deg)]];
    r = 2;
  }
  return clamp_core(ms, ms->x[at] + (int32_t)rng_below(b2, 2 * (uint64_t)r + 1) - r,
                    ms->y[at] + (int32_t)rng_below(b3, 2 * (uint64_t)r + 1) - r);
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Simulated annealing on the routed objective (objective.c) with geometric cooling; keeps the best. */
static void anneal(const graph *g, const mesh *ms, int32_t *core_of, int32_t *owner, const map_options *o,
                   map_plan *pl) {
  uint32_t n = g->n;
  if (n == 0 || ms->ncores < 2) return;
  map_obj ob;
  map_obj_init(&ob, ms->t, pl, ms->x, ms->y);
  map_obj_full(&ob, core_of);
  ob.lambda = ob.quad > 0 ? QUAD_SHARE * ob.lin / ob.quad : 0;
  double cur = map_obj_full(&ob, core_of), best_cost = cur;
  uint64_t stream = (uint64_t)RNG_KIND_PLACE << 32;
  /* initial temperature: the mean |delta| of 128 proposals; their work sizes the default budget */
  double t0 = 0, sample[128];
  uint32_t nt = 0;
  uint64_t w0 = ob.work;
  for (uint32_t k = 0; k < 128; k++) {
    uint64_t bits = rng_hash4(o->seed, stream, k, 1);
    uint32_t p = (uint32_t)rng_below(bits, n);
    uint32_t c = propose(g, ms, core_of, p, rng_next(bits));
    if ((int32_t)c == core_of[p]) continue;
    sample[nt++] = fabs(map_obj_move_delta(&ob, core_of, owner, p, c));
    map_obj_discard(&ob);
  }
  qsort(sample, nt, sizeof *sample, by_value);
  t0 = nt ? T0_SHARE * sample[nt / 2] : 0;
  double per_move = (double)(ob.work - w0) / 128 + 1;
  uint64_t budget = o->iterations;
  if (budget == 0) {
    budget = (uint64_t)MOVES_PER_PIECE * n;
    if (budget > MAX_MOVES) budget = MAX_MOVES;
    if ((double)budget * per_move > WORK_BUDGET) budget = (uint64_t)(WORK_BUDGET / per_move);
    if (budget < 1000) budget = 1000;
  }
  int32_t *best = malloc(sizeof *best * n);
  IR_ASSERT(best != NULL);
  memcpy(best, core_of, sizeof *best * n);
  double lt = log(T_END_RATIO);
  for (uint64_t it = 0; it < budget; it++) {
    uint64_t bits = rng_hash4(o->seed, stream, it, 0);
    uint32_t p = (uint32_t)rng_below(bits, n);
    uint32_t c = propose(g, ms, core_of, p, rng_next(bits));
    if ((int32_t)c == core_of[p]) continue;
    double d = map_obj_move_delta(&ob, core_of, owner, p, c);
    double temp = t0 * exp(lt * (double)it / (double)budget);
    double u = rng_u01(rng_next(rng_next(rng_next(rng_next(bits)))));
    if (d <= 0 || (temp > 0 && u < exp(-d / temp))) {
      apply_move(core_of, owner, p, c);
      map_obj_commit(&ob);
      cur += d;
      pl->accepted++;
      if (cur < best_cost - 1e-9 * (1 + fabs(best_cost))) {
        best_cost = cur;
        memcpy(best, core_of, sizeof *best * n);
      }
    } else {
      map_obj_discard(&ob);
    }
  }
  pl->iterations = budget;
  for (uint32_t c = 0; c < ms->ncores; c++) owner[c] = -1;
  memcpy(core_of, best, sizeof *best * n);
  for (uint32_t q = 0; q < n; q++) owner[core_of[q]] = (int32_t)q;
  free(best);
  map_obj_free(&ob);
}

/* ---------------------------------------------------------------- fit check and attributes */

static bool check_fit(const ir_module *m, const map_target *t, const map_plan *pl, ir_diag *d) {
  bool ok = true;
  for (uint32_t q = 0; q < pl->npieces; q++) {
    const map_piece *p = &pl->pieces[q];
    for (int r = 0; r < MAP_RES_COUNT; r++) {
      uint64_t need = p->use.r[r], lim = t->limit[r];
      if (need <= lim) continue;
      char name[256], a[32], b[32], c[32];
      uint32_t x, y;
      map_piece_name(m, p, name, sizeof name);
      map_core_xy(t, (uint32_t)p->core, &x, &y);
      ir_error(d, (ir_loc){0}, "%s needs %s %s on core (%u,%u); %s cores have %s (over by %s)", name,
               map_commas(need, a), map_resource_phrase((map_resource)r), x, y, t->name, map_commas(lim, b),
               map_commas(need - lim, c));
      ok = false;
    }
  }
  return ok;
}

static bool record(ir_module *m, const map_target *t, const map_plan *pl, double cost, double naive) {
  bool ok = true;
  for (uint32_t node = 0; node < m->npops + m->nastros && ok; node++) {
    bool astro = node >= m->npops;
    uint32_t idx = astro ? node - m->npops : node;
    map_sbuf s = {0};
    for (uint32_t q = 0; q < pl->npieces; q++) {
      const map_piece *p = &pl->pieces[q];
      if (p->node.kind != (astro ? IR_NODE_ASTROCYTE : IR_NODE_POPULATION) || p->node.index != idx) continue;
      uint32_t x, y;
      map_core_xy(t, (uint32_t)p->core, &x, &y);
      map_sbuf_printf(&s, "%s(%u,%u)", s.n ? " " : "", x, y);
    }
    ir_attrs *a = astro ? &m->astros[idx].attrs : &m->pops[idx].attrs;
    if (s.n) ok = !s.oom && ir_attr_set_str(m, a, "map.cores", s.s);
    map_sbuf_free(&s);
  }
  /* astrocytes: the cores of their hosts and the remote cores their modulation reaches */
  for (uint32_t a = 0; a < m->nastros && ok; a++) {
    map_sbuf host = {0}, remote = {0};
    for (uint32_t h = 0; h < pl->nhosts; h++) {
      if (pl->host_astro[h] != a) continue;
      uint32_t x, y, hp = pl->hosts[h].piece;
      map_core_xy(t, (uint32_t)pl->pieces[hp].core, &x, &y);
      map_sbuf_printf(&host, "%s(%u,%u)", host.n ? " " : "", x, y);
      for (uint64_t k = 0; k < pl->nedges; k++) {
        const map_edge *e = &pl->edges[k];
        if (e->kind != MAP_FLOW_ASTRO || e->src != hp) continue;
        map_core_xy(t, (uint32_t)pl->pieces[e->dst].core, &x, &y);
        map_sbuf_printf(&remote, "%s(%u,%u)", remote.n ? " " : "", x, y);
      }
    }
    ok = !host.oom && !remote.oom && ir_attr_set_str(m, &m->astros[a].attrs, "map.host_cores", host.s ? host.s : "") &&
         ir_attr_set_str(m, &m->astros[a].attrs, "map.remote_cores", remote.s ? remote.s : "");
    map_sbuf_free(&host);
    map_sbuf_free(&remote);
  }
  return ok && ir_attr_set_int(m, &m->attrs, "map.cores_used", pl->npieces) &&
         ir_attr_set_float(m, &m->attrs, "map.cost", cost) && ir_attr_set_float(m, &m->attrs, "map.cost_naive", naive) &&
         ir_attr_set_int(m, &m->attrs, "map.seed", (int64_t)map_context_options()->seed);
}

bool pass_place(ir_module *m, ir_diag *d) {
  const map_target *t = map_context_target();
  IR_ASSERT(t != NULL);
  map_plan *pl = map_context_plan();
  uint64_t ncores = map_target_ncores(t);
  if (pl->npieces > ncores) {
    char a[32], b[32];
    ir_error(d, (ir_loc){0}, "the network needs %s cores; target '%s' has %s (%u x %u chips of %u x %u cores)",
             map_commas(pl->npieces, a), t->name, map_commas(ncores, b), t->chips[0], t->chips[1], t->cores[0],
             t->cores[1]);
    return false;
  }
  mesh ms = {t, (uint32_t)ncores, malloc(sizeof(int32_t) * ncores), malloc(sizeof(int32_t) * ncores)};
  int32_t *owner = malloc(sizeof *owner * ncores);
  int32_t *core_of = malloc(sizeof *core_of * (pl->npieces ? pl->npieces : 1));
  graph g = {0};
  bool ok = ms.x && ms.y && owner && core_of && graph_build(pl, &g);
  if (ok) {
    for (uint32_t c = 0; c < ncores; c++) {
      uint32_t x, y;
      map_core_xy(t, c, &x, &y);
      ms.x[c] = (int32_t)x;
      ms.y[c] = (int32_t)y;
      owner[c] = -1;
    }
    for (uint32_t q = 0; q < pl->npieces; q++) core_of[q] = -1;
    greedy(&g, &ms, core_of, owner);
    anneal(&g, &ms, core_of, owner, map_context_options(), pl);
    for (uint32_t q = 0; q < pl->npieces; q++) pl->pieces[q].core = core_of[q];
    map_naive_cores(pl, core_of);
    double naive = map_cost(t, pl, core_of);
    for (uint32_t q = 0; q < pl->npieces; q++) core_of[q] = pl->pieces[q].core;
    ok = record(m, t, pl, map_cost(t, pl, core_of), naive);
    if (!ok) ir_error(d, (ir_loc){0}, "out of memory while placing");
    else ok = check_fit(m, t, pl, d);
  } else {
    ir_error(d, (ir_loc){0}, "out of memory while placing");
  }
  graph_free(&g);
  free(ms.x);
  free(ms.y);
  free(owner);
  free(core_of);
  return ok;
}
