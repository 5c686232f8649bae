/* ir.h — the spiking IR: the one contract between frontends, passes, backends and the runtime.
 *
 * A module is a small graph of typed nodes held in flat arrays and referred to by index
 * (ir_ref), never by pointer, so arrays may grow and the module serialises trivially.
 * Every node remembers where it came from (ir_loc). All quantities are stored in canonical
 * units: time ms, voltage mV, current nA, concentration uM (see IR_DIM_*).
 *
 * Ownership: an ir_module owns everything reachable from it (strings in its arena, node
 * arrays and CSR arrays malloc'd and freed by ir_module_destroy). Nothing here aborts on bad
 * input; internal invariants are checked with IR_ASSERT, user errors go through ir_diag.
 */
#ifndef ASTROC_IR_H
#define ASTROC_IR_H

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ASTROC_VERSION "0.1.0"
#define IR_TEXT_VERSION 1 /* first line of the textual form: "astroc-ir 1" */

/* ================================================================ internal assertions */

/* For bugs in astroc only, never for user input (that is what ir_diag is for). */
void ir_internal_error(const char *file, int line, const char *what);
#define IR_ASSERT(cond) ((cond) ? (void)0 : ir_internal_error(__FILE__, __LINE__, #cond))

/* ================================================================ arena */

/* Bump allocator owning the strings and small objects of one module. Large arrays
 * (CSR) are malloc'd separately. ir_arena_alloc returns zeroed memory or NULL. */
typedef struct ir_arena ir_arena;
ir_arena *ir_arena_create(void);
void ir_arena_destroy(ir_arena *a);
void *ir_arena_alloc(ir_arena *a, size_t size);
char *ir_arena_strdup(ir_arena *a, const char *s);
char *ir_arena_strndup(ir_arena *a, const char *s, size_t n);

/* ================================================================ files */

/* Reads the whole file at `path` into a malloc'd buffer (NUL-terminated past the data); *len gets the
 * byte count. NULL with errno set when it cannot be opened or read. The caller frees. */
char *ir_read_file(const char *path, size_t *len);

/* ================================================================ source locations, diagnostics */

typedef struct ir_loc {
  const char *file; /* arena- or static-owned; NULL when unknown */
  uint32_t line;    /* 1-based; 0 when unknown */
  uint32_t col;     /* 1-based; 0 when unknown */
} ir_loc;

typedef enum ir_severity { IR_SEV_ERROR, IR_SEV_WARNING, IR_SEV_NOTE } ir_severity;

/* Collects and prints diagnostics as "FILE:LINE:COL: error: message", followed by the source
 * line and a caret when the file's text was registered. Counts errors so callers can go on
 * after one and report several at once. */
typedef struct ir_diag ir_diag;
ir_diag *ir_diag_create(FILE *out); /* out may be NULL: diagnostics are only counted and kept */
void ir_diag_destroy(ir_diag *d);
/* Registers FILE's text so diagnostics can quote its lines; text is copied. */
void ir_diag_add_source(ir_diag *d, const char *file, const char *text, size_t len);
void ir_diag_set_color(ir_diag *d, bool on);
void ir_diag_report(ir_diag *d, ir_severity sev, ir_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void ir_diag_vreport(ir_diag *d, ir_severity sev, ir_loc loc, const char *fmt, va_list ap);
#define ir_error(d, loc, ...) ir_diag_report((d), IR_SEV_ERROR, (loc), __VA_ARGS__)
#define ir_warning(d, loc, ...) ir_diag_report((d), IR_SEV_WARNING, (loc), __VA_ARGS__)
#define ir_note(d, loc, ...) ir_diag_report((d), IR_SEV_NOTE, (loc), __VA_ARGS__)
unsigned ir_diag_error_count(const ir_diag *d);
/* The text of the last diagnostic (without location), for tests; "" when none. */
const char *ir_diag_last(const ir_diag *d);

/* Levenshtein-nearest candidate to `word` among `n` names, or NULL if none is close. */
const char *ir_did_you_mean(const char *word, const char *const *names, size_t n);

/* ================================================================ dimensions and units */

/* A dimension is an exponent vector over (time, voltage, current, concentration). */
typedef struct ir_dim {
  int8_t time, volt, curr, conc;
} ir_dim;

/* IR_DIMI_* are initialisers for static tables; IR_DIM_* are the same as expressions. */
#define IR_DIMI_NONE {0, 0, 0, 0}
#define IR_DIMI_TIME {1, 0, 0, 0}
#define IR_DIMI_RATE {-1, 0, 0, 0}         /* frequency; canonical 1/ms, printed as Hz */
#define IR_DIMI_VOLTAGE {0, 1, 0, 0}
#define IR_DIMI_CURRENT {0, 0, 1, 0}
#define IR_DIMI_CONC {0, 0, 0, 1}
#define IR_DIMI_CONC_RATE {-1, 0, 0, 1}     /* uM/ms */
#define IR_DIMI_PER_CONC_TIME {-1, 0, 0, -1} /* 1/(uM*ms) */
#define IR_DIM_NONE ((ir_dim)IR_DIMI_NONE)
#define IR_DIM_TIME ((ir_dim)IR_DIMI_TIME)
#define IR_DIM_RATE ((ir_dim)IR_DIMI_RATE)
#define IR_DIM_VOLTAGE ((ir_dim)IR_DIMI_VOLTAGE)
#define IR_DIM_CURRENT ((ir_dim)IR_DIMI_CURRENT)
#define IR_DIM_CONC ((ir_dim)IR_DIMI_CONC)
#define IR_DIM_CONC_RATE ((ir_dim)IR_DIMI_CONC_RATE)
#define IR_DIM_PER_CONC_TIME ((ir_dim)IR_DIMI_PER_CONC_TIME)

bool ir_dim_eq(ir_dim a, ir_dim b);
/* Human name of a dimension ("time", "voltage", "1/(concentration*time)"); static storage. */
const char *ir_dim_name(ir_dim d);
/* Parses a unit string ("ms", "mV", "Hz", "uM/ms", "1/(uM*ms)", "s", "nA", ...) into a
 * dimension and a factor to canonical units. Returns false for an unknown unit. */
bool ir_unit_parse(const char *unit, ir_dim *dim, double *to_canonical);
/* Canonical unit spelling for printing ("ms", "mV", "Hz" ...); for DIM_NONE "". Printing
 * a value v of dimension d as `v*ir_unit_print_factor(d)` followed by ir_unit_canonical(d)
 * round-trips through ir_unit_parse. */
const char *ir_unit_canonical(ir_dim d);
double ir_unit_print_factor(ir_dim d);

/* ================================================================ values */

/* A parameter value: a constant or a distribution drawn per element (neuron, synapse). */
typedef enum ir_value_kind {
  IR_VAL_UNSET = 0, /* parameter not given (models.def default NAN) */
  IR_VAL_CONST,     /* a */
  IR_VAL_UNIFORM,   /* uniform on [a, b) */
  IR_VAL_NORMAL,    /* mean a, standard deviation b, clipped to [lo, hi] */
  IR_VAL_CHOICE,    /* one of choice[0..nchoice) with equal probability */
} ir_value_kind;

typedef struct ir_value {
  ir_value_kind kind;
  ir_dim dim;
  double a, b;
  double lo, hi;         /* IR_VAL_NORMAL clip bounds; -INFINITY/INFINITY when none */
  uint32_t nchoice;      /* IR_VAL_CHOICE */
  const double *choice;  /* arena-owned */
  ir_loc loc;
} ir_value;

ir_value ir_value_const(double a, ir_dim dim);
/* Element (a, b) of value v: a constant, or a draw from the counter RNG (rng.h) keyed by
 * (seed, stream, a, b), so every layer that draws the same key gets the same number (docs/passes.md).
 * NAN for IR_VAL_UNSET. */
double ir_value_sample(const ir_value *v, uint64_t seed, uint64_t stream, uint64_t a, uint64_t b);

/* ================================================================ generic attributes */

/* Pass-added annotations (e.g. fixed-point parameters from quantisation). Printed, parsed and
 * serialised generically; keys are arena strings, conventionally "pass.name". */
typedef enum ir_attr_kind { IR_ATTR_INT, IR_ATTR_FLOAT, IR_ATTR_STR } ir_attr_kind;
typedef struct ir_attr {
  const char *key;
  ir_attr_kind kind;
  union {
    int64_t i;
    double f;
    const char *s;
  } u;
} ir_attr;
typedef struct ir_attrs {
  ir_attr *v; /* malloc'd, owned by the node's module */
  uint32_t n, cap;
} ir_attrs;

/* ================================================================ model tables (models.def) */

#include "models.def"

#define IR_X_ENUM(ID, NAME, PARAMS, DOC) IR_NEURON_##ID,
typedef enum ir_neuron_model { IR_NEURON_MODELS(IR_X_ENUM) IR_NEURON_MODEL_COUNT } ir_neuron_model;
#undef IR_X_ENUM
#define IR_X_ENUM(ID, NAME, PARAMS, DOC) IR_ASTRO_##ID,
typedef enum ir_astro_model { IR_ASTRO_MODELS(IR_X_ENUM) IR_ASTRO_MODEL_COUNT } ir_astro_model;
#undef IR_X_ENUM
#define IR_X_ENUM(ID, NAME, PARAMS, DOC) IR_PLAST_##ID,
typedef enum ir_plasticity_rule {
  IR_PLAST_NONE = 0,
  IR_PLASTICITY_RULES(IR_X_ENUM) IR_PLASTICITY_RULE_COUNT
} ir_plasticity_rule;
#undef IR_X_ENUM

/* Parameter index enums, one per table: IR_P_LIF_TAU_U, IR_P_NALSM_LIF_V_TH, IR_P_STDP_W_MAX... */
#define IR_X_P(PREFIX, ID) PREFIX##ID,
#define IR_X_LIF(ID, N, D, DEF, MIN, MAX, DOC) IR_X_P(IR_P_LIF_, ID)
#define IR_X_NALSM_LIF(ID, N, D, DEF, MIN, MAX, DOC) IR_X_P(IR_P_NALSM_LIF_, ID)
#define IR_X_AMSU(ID, N, D, DEF, MIN, MAX, DOC) IR_X_P(IR_P_AMSU_, ID)
#define IR_X_NALSM_ASTRO(ID, N, D, DEF, MIN, MAX, DOC) IR_X_P(IR_P_NALSM_ASTRO_, ID)
#define IR_X_TRIPARTITE(ID, N, D, DEF, MIN, MAX, DOC) IR_X_P(IR_P_TRIPARTITE_, ID)
#define IR_X_LI_RINZEL(ID, N, D, DEF, MIN, MAX, DOC) IR_X_P(IR_P_LI_RINZEL_, ID)
#define IR_X_STDP(ID, N, D, DEF, MIN, MAX, DOC) IR_X_P(IR_P_STDP_, ID)
enum { IR_LIF_PARAMS(IR_X_LIF) IR_P_LIF_COUNT };
enum { IR_NALSM_LIF_PARAMS(IR_X_NALSM_LIF) IR_P_NALSM_LIF_COUNT };
enum { IR_AMSU_PARAMS(IR_X_AMSU) IR_P_AMSU_COUNT };
enum { IR_NALSM_ASTRO_PARAMS(IR_X_NALSM_ASTRO) IR_P_NALSM_ASTRO_COUNT };
enum { IR_TRIPARTITE_PARAMS(IR_X_TRIPARTITE) IR_P_TRIPARTITE_COUNT };
enum { IR_LI_RINZEL_PARAMS(IR_X_LI_RINZEL) IR_P_LI_RINZEL_COUNT };
enum { IR_STDP_PARAMS(IR_X_STDP) IR_P_STDP_COUNT };
#undef IR_X_LIF
#undef IR_X_NALSM_LIF
#undef IR_X_AMSU
#undef IR_X_NALSM_ASTRO
#undef IR_X_TRIPARTITE
#undef IR_X_LI_RINZEL
#undef IR_X_STDP
#undef IR_X_P

#define IR_MAX_PARAMS 24 /* the longest table above, rounded up; checked in models.c */

typedef struct ir_param_desc {
  const char *name;
  ir_dim dim;
  double def; /* NAN: unset by default */
  double min, max;
  const char *doc;
} ir_param_desc;

typedef struct ir_model_desc {
  const char *name;
  const char *doc;
  uint32_t nparams;
  const ir_param_desc *params;
} ir_model_desc;

/* Descriptor tables; the index is the enum value. NULL for an out-of-range id. */
const ir_model_desc *ir_neuron_model_desc(ir_neuron_model m);
const ir_model_desc *ir_astro_model_desc(ir_astro_model m);
const ir_model_desc *ir_plasticity_desc(ir_plasticity_rule r); /* NULL for IR_PLAST_NONE */
/* Lookups by name; return the count constant when unknown. */
ir_neuron_model ir_neuron_model_lookup(const char *name);
ir_astro_model ir_astro_model_lookup(const char *name);
ir_plasticity_rule ir_plasticity_lookup(const char *name); /* IR_PLASTICITY_RULE_COUNT if unknown */
/* Index of parameter `name` in `desc`, or -1. */
int ir_param_index(const ir_model_desc *desc, const char *name);
/* Fills params[0..desc->nparams) with the table defaults (IR_VAL_UNSET for NAN defaults). */
void ir_params_set_defaults(const ir_model_desc *desc, ir_value *params);

/* ================================================================ nodes */

typedef enum ir_node_kind {
  IR_NODE_POPULATION,
  IR_NODE_ASTROCYTE,
  IR_NODE_INPUT,
  IR_NODE_PROJECTION,
  IR_NODE_PROBE,
  IR_NODE_GRID,
  IR_NODE_KIND_COUNT
} ir_node_kind;

/* A reference to a node of a module: kind plus index into that kind's array. */
typedef struct ir_ref {
  ir_node_kind kind;
  uint32_t index;
} ir_ref;

typedef enum ir_numerics { IR_NUMERICS_FLOAT, IR_NUMERICS_FIXED } ir_numerics;

/* A 3-D grid that populations share: each population of the grid gets distinct random sites
 * (assigned by the layout pass); distance-based connectivity uses site coordinates. */
typedef struct ir_grid {
  const char *name;
  ir_loc loc;
  uint32_t shape[3];
  double spacing; /* distance between neighbouring sites, dimensionless */
  ir_attrs attrs;
} ir_grid;

typedef struct ir_population {
  const char *name;
  ir_loc loc;
  ir_neuron_model model;
  uint32_t size;
  ir_value params[IR_MAX_PARAMS]; /* indexed by the model's IR_P_<MODEL>_* enum */
  int32_t grid;                   /* index into module grids, or -1 */
  uint32_t *sites;                /* after layout: grid site of each neuron (malloc'd), or NULL */
  ir_attrs attrs;
} ir_population;

/* What an astrocyte listens to: spikes of a population or input (counted with `sign`, NALSM), or
 * the presynaptic spikes of a projection (tripartite, Li-Rinzel). */
typedef struct ir_astro_listen {
  ir_ref source; /* POPULATION, INPUT or PROJECTION */
  int8_t sign;   /* +1 or -1 */
  ir_loc loc;
} ir_astro_listen;

typedef struct ir_astrocyte {
  const char *name;
  ir_loc loc;
  ir_astro_model model;
  uint32_t size; /* number of astrocytes; NALSM uses 1 */
  ir_value params[IR_MAX_PARAMS];
  ir_astro_listen *listen; /* arena-owned */
  uint32_t nlisten;
  ir_ref *modulates; /* arena-owned: projections whose efficacy it scales, populations it drives */
  uint32_t nmodulates;
  ir_attrs attrs;
} ir_astrocyte;

typedef enum ir_input_kind {
  IR_INPUT_POISSON,   /* rate: IR_DIM_RATE per neuron */
  IR_INPUT_BERNOULLI, /* p: per-step spike probability */
  IR_INPUT_SPIKES,    /* file: CSV "step,neuron" */
  IR_INPUT_DATASET,   /* dataset + encoding */
  IR_INPUT_KIND_COUNT
} ir_input_kind;

typedef enum ir_encoding {
  IR_ENC_NALSM,     /* per-pixel probability: pixel / sum / dataset max (DESIGN.md) */
  IR_ENC_RATE,      /* Poisson rate proportional to intensity, max_rate at 1 */
  IR_ENC_BERNOULLI, /* per-step probability = intensity * p_max */
  IR_ENC_COUNT
} ir_encoding;

typedef struct ir_input {
  const char *name;
  ir_loc loc;
  ir_input_kind kind;
  uint32_t size;
  ir_value rate;        /* POISSON; DATASET with IR_ENC_RATE: rate at intensity 1 */
  ir_value p;           /* BERNOULLI; DATASET with IR_ENC_BERNOULLI: p at intensity 1 */
  const char *file;     /* SPIKES: resolved path */
  const char *dataset;  /* DATASET: "mnist", "fashion_mnist" */
  const char *split;    /* DATASET: "train", "test", ... */
  ir_encoding encoding; /* DATASET */
  ir_value sample_time; /* DATASET: presentation time of one sample */
  int32_t inject_into;  /* population index to inject current into (one-to-one), or -1 */
  ir_value inject_current; /* voltage added to the target's v on each input event */
  ir_attrs attrs;
} ir_input;

typedef enum ir_conn_kind {
  IR_CONN_ALL_TO_ALL,
  IR_CONN_ONE_TO_ONE,
  IR_CONN_FIXED_PROBABILITY,
  IR_CONN_FIXED_INDEGREE,
  IR_CONN_FIXED_TOTAL_NUMBER,
  IR_CONN_DISTANCE, /* p = c * exp(-(d/lambda)^2) on the shared grid */
  IR_CONN_LIST,     /* CSV "pre,post,weight,delay" */
  IR_CONN_KIND_COUNT
} ir_conn_kind;

typedef struct ir_conn_rule {
  ir_conn_kind kind;
  double p;          /* FIXED_PROBABILITY */
  uint32_t indegree; /* FIXED_INDEGREE */
  uint64_t n;        /* FIXED_TOTAL_NUMBER */
  double c, lambda;  /* DISTANCE */
  const char *file;  /* LIST: resolved path */
  bool allow_self;   /* pre == post population: may a neuron connect to itself? */
  ir_loc loc;
} ir_conn_rule;

/* Expanded connectivity, rows by presynaptic neuron. 10 bytes per synapse.
 * Invariants (checked by the verifier): row_ptr[0] = 0, nondecreasing, row_ptr[npre] = nsyn;
 * col[k] < npost; within a row, col is ascending (duplicates allowed only for LIST). */
typedef struct ir_csr {
  uint32_t npre, npost;
  uint64_t nsyn;
  uint64_t *row_ptr; /* npre + 1 */
  uint32_t *col;     /* nsyn: postsynaptic index */
  float *weight;     /* nsyn: canonical units (mV); integer mantissas after quantisation */
  uint16_t *delay;   /* nsyn: axonal delay in steps beyond the one-step latency */
} ir_csr;

typedef struct ir_projection {
  const char *name;
  ir_loc loc;
  ir_ref pre;  /* POPULATION or INPUT */
  ir_ref post; /* POPULATION */
  ir_conn_rule rule;
  ir_value weight; /* IR_DIM_VOLTAGE */
  ir_value delay;  /* IR_DIM_TIME */
  ir_plasticity_rule plasticity;
  ir_value plast_params[IR_MAX_PARAMS]; /* IR_P_STDP_* */
  bool anti_hebbian;   /* the mirrored rule of models.def (NALSM inhibitory presynapses) */
  int32_t modulator;   /* astro_stdp: astrocyte index; else -1 */
  ir_csr *csr;         /* NULL before expansion; owned by the module */
  ir_attrs attrs;
} ir_projection;

typedef struct ir_probe {
  const char *name;
  ir_loc loc;
  ir_ref target;     /* POPULATION, ASTROCYTE, INPUT or PROJECTION */
  const char *var;   /* "spikes" or a state variable name ("v", "u", "a", "ca", "w", ...) */
  uint32_t every;    /* record every N steps (>= 1) */
  uint32_t *indices; /* arena-owned subset of elements, or NULL for all */
  uint32_t nindices;
  ir_attrs attrs;
} ir_probe;

/* One phase of an experiment protocol; its keys are kept as attributes for the experiment runner. */
typedef struct ir_phase {
  const char *name;
  ir_loc loc;
  ir_attrs attrs;
} ir_phase;

typedef struct ir_module {
  ir_arena *arena;
  const char *name;
  ir_loc loc;
  double dt;           /* ms */
  uint64_t seed;
  ir_numerics numerics;
  double v_unit;       /* fixed mode: mV per weight/threshold mantissa unit */
  double duration;     /* ms; default run length (0: none given) */
  ir_grid *grids;
  uint32_t ngrids, cap_grids;
  ir_population *pops;
  uint32_t npops, cap_pops;
  ir_astrocyte *astros;
  uint32_t nastros, cap_astros;
  ir_input *inputs;
  uint32_t ninputs, cap_inputs;
  ir_projection *projs;
  uint32_t nprojs, cap_projs;
  ir_probe *probes;
  uint32_t nprobes, cap_probes;
  ir_phase *phases;
  uint32_t nphases, cap_phases;
  ir_attrs attrs;
} ir_module;

/* ================================================================ builder */

/* Creates an empty module (dt 1 ms, seed 0, float numerics, v_unit 1 mV). NULL on OOM. */
ir_module *ir_module_create(const char *name);
void ir_module_destroy(ir_module *m);

/* Appends a zero-initialised node with the given name (copied into the arena) and returns its
 * index, or -1 on OOM. Model parameters are set to the table defaults; grid/modulator/
 * inject_into are -1. Pointers into the arrays are invalidated by the next add of that kind. */
int32_t ir_add_grid(ir_module *m, const char *name, ir_loc loc);
int32_t ir_add_population(ir_module *m, const char *name, ir_neuron_model model, uint32_t size, ir_loc loc);
int32_t ir_add_astrocyte(ir_module *m, const char *name, ir_astro_model model, ir_loc loc);
int32_t ir_add_input(ir_module *m, const char *name, ir_input_kind kind, uint32_t size, ir_loc loc);
int32_t ir_add_projection(ir_module *m, const char *name, ir_ref pre, ir_ref post, ir_loc loc);
int32_t ir_add_probe(ir_module *m, const char *name, ir_ref target, const char *var, ir_loc loc);
int32_t ir_add_phase(ir_module *m, const char *name, ir_loc loc);

/* Finds a node by name among all kinds that are spike sources or targets. Returns false if absent. */
bool ir_lookup(const ir_module *m, const char *name, ir_ref *out);
const char *ir_node_name(const ir_module *m, ir_ref r);
const char *ir_node_kind_name(ir_node_kind k);
/* Number of elements (neurons, astrocytes, input channels, synapses once expanded). */
uint64_t ir_node_size(const ir_module *m, ir_ref r);
ir_attrs *ir_node_attrs(ir_module *m, ir_ref r);

/* Attributes: set replaces an existing key. Return false on OOM. */
bool ir_attr_set_int(ir_module *m, ir_attrs *a, const char *key, int64_t v);
bool ir_attr_set_float(ir_module *m, ir_attrs *a, const char *key, double v);
bool ir_attr_set_str(ir_module *m, ir_attrs *a, const char *key, const char *v);
const ir_attr *ir_attr_get(const ir_attrs *a, const char *key);

/* CSR: allocates arrays for npre rows and nsyn synapses (row_ptr zeroed); NULL on OOM. */
ir_csr *ir_csr_create(uint32_t npre, uint32_t npost, uint64_t nsyn);
void ir_csr_destroy(ir_csr *c);

/* ================================================================ verifier, printer, parser */

/* Checks every structural invariant (references in range, sizes, dimensions of values, CSR
 * shape, model/rule consistency). Reports each violation through d; returns true if none. */
bool ir_verify(const ir_module *m, ir_diag *d);

/* Writes the textual form (docs/ir.md). Deterministic; ir_parse(ir_print(m)) prints identically.
 * With synapses=false an expanded CSR is summarised (count + checksum), which does not parse back
 * to the same CSR; with true every synapse is listed. */
typedef struct ir_print_options {
  bool synapses;
} ir_print_options;
void ir_print(const ir_module *m, FILE *out, const ir_print_options *opt);
/* Parses the textual form. On error reports through d (with `filename` locations) and returns NULL. */
ir_module *ir_parse(const char *text, size_t len, const char *filename, ir_diag *d);

/* ================================================================ pass manager */

typedef bool (*ir_pass_fn)(ir_module *m, ir_diag *d);
typedef struct ir_pass {
  const char *name;
  const char *doc;
  ir_pass_fn run;
} ir_pass;

typedef struct ir_pipeline_options {
  const char *print_after; /* pass name, "all", or NULL */
  FILE *print_out;
  bool verify_each;        /* run ir_verify after each pass */
  const ir_print_options *print;
} ir_pipeline_options;

/* Runs passes in order; stops at the first that fails (returns false). An unknown print_after
 * name is reported as an error before anything runs. */
bool ir_run_pipeline(ir_module *m, const ir_pass *passes, size_t npasses, const ir_pipeline_options *opt,
                     ir_diag *d);

#endif /* ASTROC_IR_H */
