/* mapping.h — the public interface of astroc's mapping onto cores: target descriptions, the
 * synapse-memory cost model, and the passes quantise, partition, place and route (docs/mapping.md,
 * docs/targets.md).
 *
 * The passes are plain `bool pass_x(ir_module *, ir_diag *)` functions. They read the target and
 * options from a mapping context that map_context_set installs (map_pipeline does it), record their
 * results as IR attributes (quant.*, map.*, route.*) so `--print-after` shows them, and keep the
 * same results in memory (map_plan) for the `astroc map` report.
 */
#ifndef ASTROC_MAPPING_H
#define ASTROC_MAPPING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir.h"

/* ================================================================ resources of one core */

/* X(ID, "yaml key under core:", "short column name", "phrase used in errors") */
#define MAP_RESOURCES(X)                                                                            \
  X(COMPARTMENTS, "compartments", "comp", "compartments")                                           \
  X(ASTRO_SLOTS, "astrocyte_slots", "astro", "astrocyte slots")                                     \
  X(SYN_BITS, "synapse_memory_bits", "syn bits", "bits of synapse memory")                          \
  X(IN_AXONS, "input_axons", "in ax", "input axons")                                                \
  X(OUT_AXONS, "output_axons", "out ax", "output axons")                                            \
  X(CPROFILES, "compartment_profiles", "cprof", "compartment profiles")                             \
  X(TPROFILES, "threshold_profiles", "tprof", "threshold profiles")                                 \
  X(FORMATS, "synapse_formats", "fmt", "synapse formats")

#define MAP_X_ENUM(ID, KEY, COL, PHRASE) MAP_RES_##ID,
typedef enum map_resource { MAP_RESOURCES(MAP_X_ENUM) MAP_RES_COUNT } map_resource;
#undef MAP_X_ENUM

const char *map_resource_key(map_resource r);    /* "synapse_memory_bits" */
const char *map_resource_column(map_resource r); /* "syn bits" */
const char *map_resource_phrase(map_resource r); /* "bits of synapse memory" */

/* ================================================================ targets */

/* The synapse format cost model (docs/targets.md): synapses from one input axon into one core
 * are stored in chunks of up to chunk_synapses; a chunk of n synapses costs
 * (weight + delay + tag + index bits) * n + header_bits, rounded up to whole words. */
typedef struct map_synfmt {
  uint32_t word_bits;      /* 64 on Loihi */
  uint32_t chunk_synapses; /* 64 on Loihi */
  uint32_t header_bits;
  uint32_t index_bits;     /* bits of the postsynaptic compartment index */
  uint32_t tag_bits;       /* added for plastic projections */
  uint32_t delay_bits_max; /* a projection uses ceil(log2(max delay + 1)) of them */
} map_synfmt;

typedef struct map_target {
  char name[64];
  char description[256];
  uint32_t chips[2];  /* chips in x and y */
  uint32_t cores[2];  /* cores per chip in x and y */
  bool multicast;
  uint64_t limit[MAP_RES_COUNT];  /* per core */
  uint32_t astro_compartments;    /* compartments an astrocyte takes when astrocyte_slots is 0 */
  map_synfmt fmt;
  uint32_t weight_bits;           /* signed mantissa width, sign included */
  int32_t wexp_min, wexp_max;
  uint32_t delay_max;             /* steps */
  bool stdp, third_factor, graded_spikes;
} map_target;

/* Number of cores of the whole mesh. */
uint64_t map_target_ncores(const map_target *t);
/* Core id (chips in row-major order, cores row-major within a chip) -> global mesh (x, y). */
void map_core_xy(const map_target *t, uint32_t core, uint32_t *x, uint32_t *y);
/* Global mesh (x, y) -> core id. */
uint32_t map_core_id(const map_target *t, uint32_t x, uint32_t y);
/* Manhattan distance between two cores on the global mesh (= hops of an XY route). */
uint32_t map_hops(const map_target *t, uint32_t a, uint32_t b);

/* Parses a target description (YAML text). Errors go through d as FILE:LINE:COL. */
bool map_target_parse(const char *text, size_t len, const char *filename, map_target *out, ir_diag *d);
/* Loads a target by name (NAME.yaml in $ASTROC_TARGETS, then in the source tree's targets/) or by
 * path (anything containing '/' or ending in .yaml). Registers the text with d. */
bool map_target_load(const char *name_or_path, map_target *out, ir_diag *d);
/* The folder of built-in targets (compile-time: the source tree's targets/). */
const char *map_targets_dir(void);

/* ================================================================ cost model */

/* Bits per synapse of a projection in the target format. */
uint32_t map_syn_bits_per_synapse(const map_target *t, uint32_t delay_bits, bool plastic);
/* Bits of n synapses from one axon into one core: chunks of up to chunk_synapses, each rounded up
 * to words. */
uint64_t map_syn_cost(const map_target *t, uint32_t bits_per_syn, uint64_t n);
/* Delay bits a projection needs: 0 for max delay 0, else ceil(log2(max + 1)). */
uint32_t map_delay_bits(uint32_t max_delay);

/* ================================================================ the plan */

typedef struct map_usage {
  uint64_t r[MAP_RES_COUNT];
} map_usage;

/* A piece: a contiguous range [first, first+count) of one population's neuron ORDER (map_plan.order:
 * for a population on a grid, its neurons sorted by the Morton (z-order) key of their sites, so a
 * piece is a compact block of the grid; otherwise the index order), or of an astrocyte population's
 * elements when no neuron core had room for them; destined for one core. */
typedef struct map_piece {
  ir_ref node;        /* POPULATION or ASTROCYTE */
  uint32_t index;     /* piece number within its node */
  uint32_t first, count;
  map_usage use;
  double out_rate;    /* spikes/step of its neurons that leave the core (multicast bound) */
  int32_t core;       /* after place; -1 before */
} map_piece;

/* Expected spikes per step from one piece to another (the port of inputs is MAP_PORT). */
typedef enum map_flow { MAP_FLOW_SPIKES, MAP_FLOW_ASTRO } map_flow;
typedef struct map_edge {
  uint32_t src, dst; /* piece indices, src may be MAP_PORT */
  double rate;       /* spikes (or astrocyte state messages) per step that travel src -> dst */
  map_flow kind;
} map_edge;
#define MAP_PORT UINT32_MAX

/* Hosting of one astrocyte population's elements. */
typedef struct map_astro_host {
  uint32_t piece;   /* piece hosting elements [first, first+count) */
  uint32_t first, count;
} map_astro_host;

typedef struct map_traffic_summary {
  double spike_hops;      /* sum over edges of rate * hops */
  double max_link;        /* spikes/step on the busiest link */
  uint32_t max_link_core; /* its source core */
  char max_link_dir;      /* 'E', 'W', 'N', 'S' */
  double inter_chip;      /* spikes/step crossing chip boundaries (summed over links) */
  double link_total;      /* sum of all link loads (multicast: tree edges counted once) */
  uint64_t links_used;    /* links with a nonzero load */
  uint32_t hist_max;      /* hop histogram bins 0..hist_max */
  double hist[64];        /* spikes/step delivered at each hop count (last bin: >= 63) */
} map_traffic_summary;

typedef struct map_plan {
  map_piece *pieces;
  uint32_t npieces;
  uint32_t **order;       /* per population: neuron at each position, or NULL for the index order */
  uint32_t norder;
  map_edge *edges;
  uint64_t nedges;
  map_astro_host *hosts;  /* all astrocyte populations' hostings */
  uint32_t nhosts;
  uint32_t *host_astro;   /* astrocyte index of each hosting */
  double *link;           /* after route: spikes/step per directed link, 4 per core (E W N S) */
  uint64_t nlinks;
  uint32_t *route_entries; /* after route: routing-table entries per core */
  map_traffic_summary placed, naive; /* after route */
  uint64_t iterations, accepted;     /* placement refinement */
} map_plan;

/* ================================================================ context, passes, pipeline */

typedef struct map_options {
  uint64_t seed;        /* placement seed */
  double default_rate;  /* spikes per neuron per step when no rate is known */
  uint64_t iterations;  /* refinement budget; 0: the default (docs/mapping.md) */
} map_options;

/* Installs the target and options the passes use and clears the plan. The target is copied. */
void map_context_set(const map_target *t, const map_options *opt);
const map_target *map_context_target(void);
const map_options *map_context_options(void);
/* The plan the passes filled in; owned by the context, valid until the next map_context_set or
 * map_context_clear. */
map_plan *map_context_plan(void);
void map_context_clear(void);

bool pass_quantise(ir_module *m, ir_diag *d);
bool pass_partition(ir_module *m, ir_diag *d);
bool pass_place(ir_module *m, ir_diag *d);
bool pass_route(ir_module *m, ir_diag *d);

/* {layout, expand, quantise, partition, place, route}; installs t (with default options unless
 * map_context_set was called with the same target since) as the passes' target. Static storage. */
const ir_pass *map_pipeline(const map_target *t, size_t *n);

/* Neuron of population pop at position j of its order (mapping.h, map_piece). */
static inline uint32_t map_neuron_at(const map_plan *p, uint32_t pop, uint32_t j) {
  return pop < p->norder && p->order[pop] ? p->order[pop][j] : j;
}

/* Sequential naive fill: piece k on core k. Used as the baseline of the report. */
void map_naive_cores(const map_plan *p, int32_t *core_of_piece);
/* Traffic of the plan with pieces on core_of_piece[]: summary and, if link is non-NULL, the
 * spikes/step on each directed link (4 per core). */
void map_traffic(const map_target *t, const map_plan *p, const int32_t *core_of_piece, map_traffic_summary *s,
                 double *link);
/* Sum of rate * hops over the plan's edges for a placement (the placement objective). */
double map_cost(const map_target *t, const map_plan *p, const int32_t *core_of_piece);

/* Formats n with thousands separators ("1,310,720") into buf; returns buf. */
const char *map_commas(uint64_t n, char buf[32]);

#endif /* ASTROC_MAPPING_H */
