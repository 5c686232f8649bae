/* objective.c — the routed placement objective of pass `place` (docs/mapping.md), evaluated
 * incrementally: link loads of the XY routes exactly as pass `route` computes them (unicast paths, or
 * multicast trees capped at the source's rate), weighted per link (inter-chip links cost
 * MAP_INTERCHIP_WEIGHT), plus a quadratic penalty on link loads that steers away from hot links.
 *
 *   J = sum_l c_l * load_l + lambda * sum_l load_l^2 (+ mu * spike-hops on multicast targets)
 *
 * A move changes only the flow groups (one per source and kind, as in route.c) that touch the moved
 * pieces, so its delta is computed by re-walking those groups into a scratch delta. */
#include <stdlib.h>
#include <string.h>

#include "plan_internal.h"

enum { DIR_E, DIR_W, DIR_N, DIR_S };

static void *xalloc(size_t n, size_t sz) {
  void *p = calloc(n ? n : 1, sz);
  IR_ASSERT(p != NULL);
  return p;
}

/* Groups of edges by (source, kind), like route.c: counting sort by source then kind. */
static void build_groups(map_obj *o, const map_plan *pl) {
  uint64_t n = pl->nedges;
  uint32_t np = pl->npieces;
  /* key = (source slot) * 2 + kind; the port is slot np */
  uint64_t nkeys = ((uint64_t)np + 1) * 2;
  uint64_t *cnt = xalloc(nkeys + 1, sizeof *cnt);
  for (uint64_t k = 0; k < n; k++) {
    const map_edge *e = &pl->edges[k];
    uint64_t key = (e->src == MAP_PORT ? np : e->src) * 2ull + (uint64_t)e->kind;
    cnt[key + 1]++;
  }
  o->ngroups = 0;
  for (uint64_t k = 0; k < nkeys; k++) o->ngroups += cnt[k + 1] > 0;
  for (uint64_t k = 0; k < nkeys; k++) cnt[k + 1] += cnt[k];
  o->gsrc = xalloc(o->ngroups, sizeof *o->gsrc);
  o->gcap = xalloc(o->ngroups, sizeof *o->gcap);
  o->gptr = xalloc((size_t)o->ngroups + 1, sizeof *o->gptr);
  o->gdst = xalloc(n, sizeof *o->gdst);
  o->grate = xalloc(n, sizeof *o->grate);
  uint64_t *fill = xalloc(nkeys, sizeof *fill);
  memcpy(fill, cnt, sizeof *fill * nkeys);
  for (uint64_t k = 0; k < n; k++) {
    const map_edge *e = &pl->edges[k];
    uint64_t key = (e->src == MAP_PORT ? np : e->src) * 2ull + (uint64_t)e->kind;
    o->gdst[fill[key]] = e->dst;
    o->grate[fill[key]++] = e->rate;
  }
  uint32_t g = 0;
  for (uint64_t key = 0; key < nkeys; key++) {
    if (cnt[key + 1] == cnt[key]) continue;
    uint32_t src = key / 2 == np ? MAP_PORT : (uint32_t)(key / 2);
    o->gsrc[g] = src;
    o->gptr[g] = cnt[key];
    double cap = 0;
    if (src != MAP_PORT && key % 2 == MAP_FLOW_SPIKES) cap = pl->pieces[src].out_rate;
    else
      for (uint64_t k = cnt[key]; k < cnt[key + 1]; k++) cap = o->grate[k] > cap ? o->grate[k] : cap;
    o->gcap[g++] = cap;
  }
  o->gptr[g] = n;
  free(fill);
  free(cnt);
  /* piece -> groups it is the source or a destination of (deduplicated) */
  uint32_t *stamp = xalloc(np, sizeof *stamp);
  o->tptr = xalloc((size_t)np + 1, sizeof *o->tptr);
  for (int pass = 0; pass < 2; pass++) {
    for (uint32_t q = 0; q < np; q++) stamp[q] = 0;
    for (uint32_t gi = 0; gi < o->ngroups; gi++) {
      uint32_t mark = gi + 1;
      if (o->gsrc[gi] != MAP_PORT) {
        uint32_t s = o->gsrc[gi];
        stamp[s] = mark;
        if (pass) o->tgrp[o->tptr[s + 1]++] = gi;
        else o->tptr[s + 1]++;
      }
      for (uint64_t k = o->gptr[gi]; k < o->gptr[gi + 1]; k++) {
        uint32_t d = o->gdst[k];
        if (stamp[d] == mark) continue;
        stamp[d] = mark;
        if (pass) o->tgrp[o->tptr[d + 1]++] = gi;
        else o->tptr[d + 1]++;
      }
    }
    if (!pass) {
      for (uint32_t q = 0; q < np; q++) o->tptr[q + 1] += o->tptr[q];
      o->tgrp = xalloc(o->tptr[np], sizeof *o->tgrp);
      /* second pass fills using tptr[q+1] as a cursor starting at tptr[q] */
      for (uint32_t q = np; q > 0; q--) o->tptr[q] = o->tptr[q - 1];
    }
  }
  free(stamp);
}

void map_obj_init(map_obj *o, const map_target *t, const map_plan *pl, const int32_t *x, const int32_t *y) {
  memset(o, 0, sizeof *o);
  o->t = t;
  o->W = t->chips[0] * t->cores[0];
  o->H = t->chips[1] * t->cores[1];
  o->ncores = (uint32_t)map_target_ncores(t);
  o->npieces = pl->npieces;
  o->x = x;
  o->y = y;
  o->multicast = t->multicast;
  o->mu = t->multicast ? MAP_MULTICAST_HOPS_WEIGHT : 0;
  uint64_t nl = (uint64_t)o->ncores * 4;
  o->cl = xalloc(nl, sizeof *o->cl);
  o->load = xalloc(nl, sizeof *o->load);
  o->delta = xalloc(nl, sizeof *o->delta);
  o->touched = xalloc(nl, sizeof *o->touched);
  o->gsum = xalloc(nl, sizeof *o->gsum);
  o->gtouched = xalloc(nl, sizeof *o->gtouched);
  for (uint32_t c = 0; c < o->ncores; c++) {
    int32_t cx = x[c], cy = y[c];
    int32_t nx[4] = {cx + 1, cx - 1, cx, cx}, ny[4] = {cy, cy, cy + 1, cy - 1};
    for (int d = 0; d < 4; d++) {
      bool inside = nx[d] >= 0 && ny[d] >= 0 && nx[d] < (int32_t)o->W && ny[d] < (int32_t)o->H;
      bool cross = inside && ((uint32_t)cx / t->cores[0] != (uint32_t)nx[d] / t->cores[0] ||
                              (uint32_t)cy / t->cores[1] != (uint32_t)ny[d] / t->cores[1]);
      o->cl[(uint64_t)c * 4 + (uint64_t)d] = cross ? MAP_INTERCHIP_WEIGHT : 1.0;
    }
  }
  build_groups(o, pl);
  o->gstamp = xalloc(o->ngroups, sizeof *o->gstamp);
}

void map_obj_free(map_obj *o) {
  free(o->cl);
  free(o->load);
  free(o->delta);
  free(o->touched);
  free(o->gsum);
  free(o->gtouched);
  free(o->gsrc);
  free(o->gcap);
  free(o->gptr);
  free(o->gdst);
  free(o->grate);
  free(o->tptr);
  free(o->tgrp);
  free(o->gstamp);
  memset(o, 0, sizeof *o);
}

static inline void add_delta(map_obj *o, uint64_t l, double v) {
  if (o->delta[l] == 0) o->touched[o->ntouched++] = l;
  o->delta[l] += v;
  if (o->delta[l] == 0) o->delta[l] = 1e-300; /* keep it marked as touched */
}

static inline void add_group_sum(map_obj *o, uint64_t l, double v) {
  if (o->gsum[l] == 0) o->gtouched[o->ngt++] = l;
  o->gsum[l] += v;
}

/* Adds sign * (the link loads of group g with pieces on core_of) to the scratch delta. */
static void walk_group(map_obj *o, uint32_t g, const int32_t *core_of, double sign) {
  uint32_t src = o->gsrc[g] == MAP_PORT ? 0 : (uint32_t)core_of[o->gsrc[g]];
  int32_t sx = o->x[src], sy = o->y[src];
  for (uint64_t k = o->gptr[g]; k < o->gptr[g + 1]; k++) {
    uint32_t dc = (uint32_t)core_of[o->gdst[k]];
    int32_t dx = o->x[dc], dy = o->y[dc], x = sx, y = sy;
    double r = o->grate[k];
    o->dextra += sign * r * (double)((dx > sx ? dx - sx : sx - dx) + (dy > sy ? dy - sy : sy - dy));
    while (x != dx) {
      int dir = dx > x ? DIR_E : DIR_W;
      uint64_t l = (uint64_t)map_core_id(o->t, (uint32_t)x, (uint32_t)y) * 4 + (uint64_t)dir;
      if (o->multicast) add_group_sum(o, l, r);
      else add_delta(o, l, sign * r);
      x += dir == DIR_E ? 1 : -1;
      o->work++;
    }
    while (y != dy) {
      int dir = dy > y ? DIR_N : DIR_S;
      uint64_t l = (uint64_t)map_core_id(o->t, (uint32_t)x, (uint32_t)y) * 4 + (uint64_t)dir;
      if (o->multicast) add_group_sum(o, l, r);
      else add_delta(o, l, sign * r);
      y += dir == DIR_N ? 1 : -1;
      o->work++;
    }
    o->work++;
  }
  if (!o->multicast) return;
  double cap = o->gcap[g];
  for (uint64_t i = 0; i < o->ngt; i++) {
    uint64_t l = o->gtouched[i];
    double v = o->gsum[l];
    add_delta(o, l, sign * (v < cap ? v : cap));
    o->gsum[l] = 0;
  }
  o->ngt = 0;
}

/* Value of the scratch delta: J(load + delta) - J(load). */
static double delta_value(const map_obj *o) {
  double s = o->mu * o->dextra;
  for (uint64_t i = 0; i < o->ntouched; i++) {
    uint64_t l = o->touched[i];
    double L = o->load[l], d = o->delta[l];
    s += o->cl[l] * d + o->lambda * (d * (2 * L + d));
  }
  return s;
}

void map_obj_discard(map_obj *o) {
  for (uint64_t i = 0; i < o->ntouched; i++) o->delta[o->touched[i]] = 0;
  o->ntouched = 0;
  o->dextra = 0;
}

void map_obj_commit(map_obj *o) {
  for (uint64_t i = 0; i < o->ntouched; i++) {
    uint64_t l = o->touched[i];
    double v = o->load[l] + o->delta[l];
    o->load[l] = v < 1e-12 ? 0 : v; /* rounding residue of removed flows */
    o->delta[l] = 0;
  }
  o->ntouched = 0;
  o->dextra = 0;
}

double map_obj_full(map_obj *o, const int32_t *core_of) {
  memset(o->load, 0, sizeof *o->load * (size_t)o->ncores * 4);
  map_obj_discard(o);
  for (uint32_t g = 0; g < o->ngroups; g++) walk_group(o, g, core_of, 1.0);
  double extra = o->dextra;
  map_obj_commit(o);
  double lin = 0, quad = 0;
  for (uint64_t l = 0; l < (uint64_t)o->ncores * 4; l++) {
    lin += o->cl[l] * o->load[l];
    quad += o->load[l] * o->load[l];
  }
  o->lin = lin;
  o->quad = quad;
  return lin + o->lambda * quad + o->mu * extra;
}

double map_obj_move_delta(map_obj *o, int32_t *core_of, const int32_t *owner, uint32_t p, uint32_t c) {
  int32_t a = core_of[p], q = owner[c];
  uint32_t mark = ++o->stamp;
  uint32_t list_p[2] = {p, q >= 0 ? (uint32_t)q : p};
  /* remove the old routes of every touched group, move, add the new ones, move back */
  for (int side = 0; side < 2; side++) {
    double sign = side ? 1.0 : -1.0;
    if (side) {
      core_of[p] = (int32_t)c;
      if (q >= 0) core_of[q] = a;
    }
    if (side) mark = ++o->stamp;
    for (int i = 0; i < 2; i++) {
      uint32_t r = list_p[i];
      for (uint64_t k = o->tptr[r]; k < o->tptr[r + 1]; k++) {
        uint32_t g = o->tgrp[k];
        if (o->gstamp[g] == mark) continue;
        o->gstamp[g] = mark;
        walk_group(o, g, core_of, sign);
      }
    }
  }
  core_of[p] = a;
  if (q >= 0) core_of[q] = (int32_t)c;
  return delta_value(o);
}
