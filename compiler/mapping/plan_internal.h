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

#endif
