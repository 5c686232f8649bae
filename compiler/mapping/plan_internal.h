/* plan_internal.h — helpers shared by the mapping passes (not part of the public interface). */
#ifndef ASTROC_MAP_PLAN_INTERNAL_H
#define ASTROC_MAP_PLAN_INTERNAL_H

#include "mapping.h"

/* Expected spikes per step of element i of a spike source (population or input). */
double map_source_rate(const ir_module *m, ir_ref src, const map_options *o);
/* "exc piece 3" style name of a piece for messages: "population 'exc' piece 3". */
void map_piece_name(const ir_module *m, const map_piece *p, char *buf, size_t cap);
/* Appends printf text to a growing malloc'd string; false on OOM. */
typedef struct map_sbuf {
  char *s;
  size_t n, cap;
  bool oom;
} map_sbuf;
void map_sbuf_printf(map_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void map_sbuf_free(map_sbuf *b);

/* map_traffic that also counts routing-table entries per router (entries: one per core, or NULL). */
void map_traffic_entries(const map_target *t, const map_plan *pl, const int32_t *core_of, map_traffic_summary *s,
                         double *link, uint32_t *entries);

/* ---- the routed placement objective (objective.c, docs/mapping.md) */

/* Cost of one spike crossing a link between chips, relative to a link inside a chip: off-chip
 * links are slower and cost more energy per spike (Loihi's chip-to-chip links are serial). */
#define MAP_INTERCHIP_WEIGHT 4.0
/* Weight of sum(rate * hops) added to the multicast tree loads, so trees stay short per flow. */
#define MAP_MULTICAST_HOPS_WEIGHT 0.25

typedef struct map_obj {
  const map_target *t;
  uint32_t W, H, ncores, npieces;
  const int32_t *x, *y; /* per core */
  bool multicast;
  double lambda, mu;    /* weights of sum(load^2) and of spike-hops */
  double *cl;           /* per link: cost of one spike on it */
  double *load;         /* per link: current load */
  double lin, quad;     /* after map_obj_full: sum(cl * load), sum(load^2) */
  /* flow groups (one per source and kind) */
  uint32_t ngroups;
  uint32_t *gsrc;
  double *gcap;
  uint64_t *gptr;
  uint32_t *gdst;
  double *grate;
  uint64_t *tptr;       /* piece -> groups touching it */
  uint32_t *tgrp;
  /* scratch */
  double *delta, dextra;
  uint64_t *touched, ntouched;
  double *gsum;
  uint64_t *gtouched, ngt;
  uint32_t *gstamp, stamp;
  uint64_t work;        /* link visits so far (deterministic effort measure) */
} map_obj;

void map_obj_init(map_obj *o, const map_target *t, const map_plan *pl, const int32_t *x, const int32_t *y);
void map_obj_free(map_obj *o);
/* Recomputes every load from core_of; returns J (sets lin and quad). */
double map_obj_full(map_obj *o, const int32_t *core_of);
/* J after moving p to core c (swapping with its occupant) minus J now; leaves the change in the
 * scratch for map_obj_commit (after applying the move) or map_obj_discard. */
double map_obj_move_delta(map_obj *o, int32_t *core_of, const int32_t *owner, uint32_t p, uint32_t c);
void map_obj_commit(map_obj *o);
void map_obj_discard(map_obj *o);

#endif
