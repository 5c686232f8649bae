/* route.c — pass `route`: dimension-order (XY) routes between the placed pieces, routing-table
 * entries per router, multicast trees where the target has multicast, and the expected load of
 * every directed mesh link (docs/mapping.md). map_traffic is also used for the naive baseline. */
#include <stdlib.h>
#include <string.h>

#include "plan_internal.h"

enum { DIR_E, DIR_W, DIR_N, DIR_S };
static const char dir_name[4] = {'E', 'W', 'N', 'S'};

/* Calls visit(link id, ctx) for every link of the XY route from core a to core b: first along x,
 * then along y. Link id = core * 4 + direction of the hop leaving that core. */
typedef void (*link_fn)(uint64_t link, uint32_t router, void *ctx);
static void xy_route(const map_target *t, uint32_t a, uint32_t b, link_fn visit, void *ctx) {
  uint32_t x, y, bx, by;
  map_core_xy(t, a, &x, &y);
  map_core_xy(t, b, &bx, &by);
  visit(UINT64_MAX, a, ctx); /* the source router */
  while (x != bx) {
    int dir = bx > x ? DIR_E : DIR_W;
    uint32_t c = map_core_id(t, x, y);
    x = dir == DIR_E ? x + 1 : x - 1;
    visit((uint64_t)c * 4 + (uint64_t)dir, map_core_id(t, x, y), ctx);
  }
  while (y != by) {
    int dir = by > y ? DIR_N : DIR_S;
    uint32_t c = map_core_id(t, x, y);
    y = dir == DIR_N ? y + 1 : y - 1;
    visit((uint64_t)c * 4 + (uint64_t)dir, map_core_id(t, x, y), ctx);
  }
}

/* Per-flow accumulation: links and routers touched by one source's tree. */
typedef struct acc {
  double rate;          /* rate of the destination being routed */
  double *sum;          /* per link: rate through it from this source */
  uint64_t *touched;
  uint64_t ntouched;
  uint32_t *rstamp;     /* per router: last flow that touched it */
  uint32_t flow;
  uint32_t *entries;    /* per router: routing-table entries */
} acc;

static void visit_link(uint64_t link, uint32_t router, void *ctx) {
  acc *a = ctx;
  if (a->entries && a->rstamp[router] != a->flow) {
    a->rstamp[router] = a->flow;
    a->entries[router]++;
  }
  if (link == UINT64_MAX) return;
  if (a->sum[link] == 0) a->touched[a->ntouched++] = link;
  a->sum[link] += a->rate;
}

static int by_source(const void *x, const void *y, const map_edge *e) {
  const map_edge *a = &e[*(const uint64_t *)x], *b = &e[*(const uint64_t *)y];
  if (a->src != b->src) return a->src < b->src ? -1 : 1;
  if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
  return *(const uint64_t *)x < *(const uint64_t *)y ? -1 : 1;
}

/* Bottom-up merge sort of edge indices by (source, kind, index): stable and deterministic. */
static void sort_edges(uint64_t *idx, uint64_t n, const map_edge *e) {
  uint64_t *tmp = malloc(sizeof *tmp * (n ? n : 1));
  IR_ASSERT(tmp != NULL);
  for (uint64_t w = 1; w < n; w *= 2) {
    for (uint64_t lo = 0; lo < n; lo += 2 * w) {
      uint64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      uint64_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) tmp[k++] = by_source(&idx[j], &idx[i], e) < 0 ? idx[j++] : idx[i++];
      while (i < mid) tmp[k++] = idx[i++];
      while (j < hi) tmp[k++] = idx[j++];
    }
    memcpy(idx, tmp, sizeof *idx * n);
  }
  free(tmp);
}

static uint32_t chip_of(const map_target *t, uint32_t core) { return core / (t->cores[0] * t->cores[1]); }

void map_traffic_entries(const map_target *t, const map_plan *pl, const int32_t *core_of, map_traffic_summary *s,
                         double *link, uint32_t *entries) {
  uint64_t ncores = map_target_ncores(t), nl = ncores * 4;
  memset(s, 0, sizeof *s);
  double *own = link ? NULL : calloc(nl, sizeof *own);
  double *load = link ? link : own;
  acc a = {0, calloc(nl, sizeof(double)), malloc(sizeof(uint64_t) * nl), 0, calloc(ncores, sizeof(uint32_t)), 0,
           entries};
  uint64_t *idx = malloc(sizeof *idx * (pl->nedges ? pl->nedges : 1));
  IR_ASSERT(load && a.sum && a.touched && a.rstamp && idx);
  memset(load, 0, sizeof *load * nl);
  if (entries) memset(entries, 0, sizeof *entries * ncores);
  for (uint64_t k = 0; k < pl->nedges; k++) idx[k] = k;
  sort_edges(idx, pl->nedges, pl->edges);
  for (uint64_t g = 0; g < pl->nedges;) {
    const map_edge *first = &pl->edges[idx[g]];
    uint64_t end = g;
    double total = 0;
    while (end < pl->nedges && pl->edges[idx[end]].src == first->src && pl->edges[idx[end]].kind == first->kind)
      total += pl->edges[idx[end++]].rate;
    /* a spike leaves its core once, whatever its fan-out: a multicast link carries at most the
     * source's outgoing spike rate (for the port and astrocyte messages: the largest single flow) */
    double cap = 0;
    if (first->src != MAP_PORT && first->kind == MAP_FLOW_SPIKES) cap = pl->pieces[first->src].out_rate;
    else
      for (uint64_t k = g; k < end; k++) cap = pl->edges[idx[k]].rate > cap ? pl->edges[idx[k]].rate : cap;
    uint32_t src_core = first->src == MAP_PORT ? 0 : (uint32_t)core_of[first->src];
    for (uint64_t k = g; k < end; k++) {
      const map_edge *e = &pl->edges[idx[k]];
      uint32_t dst = (uint32_t)core_of[e->dst];
      uint32_t h = map_hops(t, src_core, dst);
      s->hist[h < 63 ? h : 63] += e->rate;
      if (h > s->hist_max) s->hist_max = h < 63 ? h : 63;
      s->spike_hops += e->rate * h;
      a.rate = e->rate;
      if (!t->multicast) a.flow++; /* unicast: every (source, destination) flow is its own entry */
      else if (k == g) a.flow++;   /* multicast: one tree per source */
      xy_route(t, src_core, dst, visit_link, &a);
      if (!t->multicast) {
        for (uint64_t i = 0; i < a.ntouched; i++) {
          load[a.touched[i]] += a.sum[a.touched[i]];
          a.sum[a.touched[i]] = 0;
        }
        a.ntouched = 0;
      }
    }
    for (uint64_t i = 0; i < a.ntouched; i++) {
      double v = a.sum[a.touched[i]];
      load[a.touched[i]] += v < cap ? v : cap;
      a.sum[a.touched[i]] = 0;
    }
    a.ntouched = 0;
    (void)total;
    g = end;
  }
  for (uint64_t l = 0; l < nl; l++) {
    if (load[l] <= 0) continue;
    s->links_used++;
    s->link_total += load[l];
    if (load[l] > s->max_link) {
      s->max_link = load[l];
      s->max_link_core = (uint32_t)(l / 4);
      s->max_link_dir = dir_name[l % 4];
    }
    uint32_t c = (uint32_t)(l / 4), x, y;
    map_core_xy(t, c, &x, &y);
    int d = (int)(l % 4);
    if ((d == DIR_E && x + 1 < t->chips[0] * t->cores[0]) || (d == DIR_W && x > 0) ||
        (d == DIR_N && y + 1 < t->chips[1] * t->cores[1]) || (d == DIR_S && y > 0)) {
      uint32_t nx = d == DIR_E ? x + 1 : d == DIR_W ? x - 1 : x, ny = d == DIR_N ? y + 1 : d == DIR_S ? y - 1 : y;
      if (chip_of(t, c) != chip_of(t, map_core_id(t, nx, ny))) s->inter_chip += load[l];
    }
  }
  free(own);
  free(a.sum);
  free(a.touched);
  free(a.rstamp);
  free(idx);
}

void map_traffic(const map_target *t, const map_plan *pl, const int32_t *core_of, map_traffic_summary *s,
                 double *link) {
  map_traffic_entries(t, pl, core_of, s, link, NULL);
}

/* ---------------------------------------------------------------- attributes */

#define MAX_LISTED 20000 /* longer tables are summarised (count only) in the IR attributes */

static bool record(ir_module *m, const map_target *t, const map_plan *pl) {
  bool ok = true;
  /* per population: each piece's destinations, i.e. its routing-table entries at the source router */
  for (uint32_t pop = 0; pop < m->npops && ok; pop++) {
    map_sbuf s = {0};
    uint64_t listed = 0;
    for (uint32_t q = 0; q < pl->npieces; q++) {
      const map_piece *p = &pl->pieces[q];
      if (p->node.kind != IR_NODE_POPULATION || p->node.index != pop) continue;
      uint32_t x, y;
      map_core_xy(t, (uint32_t)p->core, &x, &y);
      map_sbuf_printf(&s, "%sp%u (%u,%u) ->", s.n ? "; " : "", p->index, x, y);
      for (uint64_t k = 0; k < pl->nedges; k++) {
        const map_edge *e = &pl->edges[k];
        if (e->src != q || e->kind != MAP_FLOW_SPIKES) continue;
        if (++listed > MAX_LISTED) break;
        map_core_xy(t, (uint32_t)pl->pieces[e->dst].core, &x, &y);
        map_sbuf_printf(&s, " (%u,%u)", x, y);
      }
    }
    if (listed > MAX_LISTED) {
      map_sbuf_free(&s);
      map_sbuf_printf(&s, "omitted: %llu destinations", (unsigned long long)listed);
    }
    ok = !s.oom && ir_attr_set_str(m, &m->pops[pop].attrs, "route.table", s.s ? s.s : "");
    map_sbuf_free(&s);
  }
  map_sbuf links = {0}, hist = {0};
  uint64_t n = 0;
  for (uint64_t l = 0; l < pl->nlinks && n <= MAX_LISTED; l++) {
    if (pl->link[l] <= 0) continue;
    uint32_t x, y;
    map_core_xy(t, (uint32_t)(l / 4), &x, &y);
    if (++n <= MAX_LISTED) map_sbuf_printf(&links, "%s(%u,%u)%c %.6g", links.n ? "; " : "", x, y, dir_name[l % 4], pl->link[l]);
  }
  if (n > MAX_LISTED) {
    map_sbuf_free(&links);
    map_sbuf_printf(&links, "omitted: %llu loaded links", (unsigned long long)pl->placed.links_used);
  }
  for (uint32_t h = 0; h <= pl->placed.hist_max; h++)
    map_sbuf_printf(&hist, "%s%u:%.6g", h ? " " : "", h, pl->placed.hist[h]);
  char at[64];
  uint32_t x, y;
  map_core_xy(t, pl->placed.max_link_core, &x, &y);
  snprintf(at, sizeof at, "(%u,%u)%c", x, y, pl->placed.max_link_dir ? pl->placed.max_link_dir : '-');
  ok = ok && !links.oom && !hist.oom && ir_attr_set_str(m, &m->attrs, "route.links", links.s ? links.s : "") &&
       ir_attr_set_str(m, &m->attrs, "route.hops", hist.s ? hist.s : "") &&
       ir_attr_set_float(m, &m->attrs, "route.max_link", pl->placed.max_link) &&
       ir_attr_set_str(m, &m->attrs, "route.max_link_at", at) &&
       ir_attr_set_float(m, &m->attrs, "route.spike_hops", pl->placed.spike_hops) &&
       ir_attr_set_float(m, &m->attrs, "route.link_total", pl->placed.link_total) &&
       ir_attr_set_float(m, &m->attrs, "route.inter_chip", pl->placed.inter_chip) &&
       ir_attr_set_str(m, &m->attrs, "route.mode", t->multicast ? "xy-multicast" : "xy-unicast");
  map_sbuf_free(&links);
  map_sbuf_free(&hist);
  return ok;
}

bool pass_route(ir_module *m, ir_diag *d) {
  const map_target *t = map_context_target();
  IR_ASSERT(t != NULL);
  map_plan *pl = map_context_plan();
  uint64_t ncores = map_target_ncores(t);
  free(pl->link);
  free(pl->route_entries);
  pl->nlinks = ncores * 4;
  pl->link = calloc(pl->nlinks, sizeof *pl->link);
  pl->route_entries = calloc(ncores, sizeof *pl->route_entries);
  int32_t *core_of = malloc(sizeof *core_of * (pl->npieces ? pl->npieces : 1));
  if (!pl->link || !pl->route_entries || !core_of) {
    free(core_of);
    ir_error(d, (ir_loc){0}, "out of memory while routing");
    return false;
  }
  for (uint32_t q = 0; q < pl->npieces; q++) {
    IR_ASSERT(pl->pieces[q].core >= 0);
    core_of[q] = pl->pieces[q].core;
  }
  map_traffic_entries(t, pl, core_of, &pl->placed, pl->link, pl->route_entries);
  map_naive_cores(pl, core_of);
  map_traffic(t, pl, core_of, &pl->naive, NULL);
  free(core_of);
  if (!record(m, t, pl)) {
    ir_error(d, (ir_loc){0}, "out of memory while routing");
    return false;
  }
  return true;
}
