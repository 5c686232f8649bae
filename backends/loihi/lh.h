/* lh.h — the Loihi-style configuration backend (docs/loihi-format.md): from an expanded fixed-mode
 * module, per-core tables (compartments, profiles, synapse formats, bit-exact synapse memory, axon
 * maps, routes, learning rules), written as JSON and as a compact binary that the runtime's `loihi`
 * engine executes. Also the lava-dl netx HDF5 export and import (lh_netx_*).
 *
 * Ownership: an lh_config owns every array reachable from it (malloc'd); lh_config_free frees it.
 * User errors (limits, unsupported models) are reported through ir_diag; nothing aborts on input.
 */
#ifndef ASTROC_LH_H
#define ASTROC_LH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fixed.h"
#include "ir.h"

/* ================================================================ targets */

#define LH_PROFILES_CAP 64 /* storage for profiles; the target's limits are lower */
#define LH_RING 64         /* dendritic delay slots: delays 0..62 plus the one-step latency */

/* X(ID, "json key", "phrase used in errors") — the per-core resources of a target. */
#define LH_RESOURCES(X)                                                   \
  X(CX, "compartments", "compartments")                                   \
  X(WORDS, "synapse_words", "64-bit words of synapse memory")             \
  X(AXIN, "input_axons", "input axons")                                   \
  X(AXOUT, "output_axons", "output axons")                                \
  X(CXPROF, "compartment_profiles", "compartment profiles")               \
  X(VTHPROF, "threshold_profiles", "threshold profiles")                  \
  X(FORMATS, "synapse_formats", "synapse formats")
#define LH_X_ENUM(ID, KEY, PHRASE) LH_RES_##ID,
typedef enum lh_resource { LH_RESOURCES(LH_X_ENUM) LH_RES_COUNT } lh_resource;
#undef LH_X_ENUM
const char *lh_resource_key(lh_resource r);
const char *lh_resource_phrase(lh_resource r);

typedef struct lh_target {
  const char *name;             /* "loihi1", "loihi2" */
  uint32_t limit[LH_RES_COUNT]; /* per core */
  uint32_t cores_per_chip, chips_max;
  uint32_t word_bits;           /* 64 */
  uint32_t chunk_max;           /* synapses per chunk: 64 */
  uint32_t header_bits;         /* per chunk: [5:0] n-1, [6] last, [header_bits-1:7] format */
  uint32_t index_bits;          /* compartment index field */
  uint32_t weight_bits;         /* 8: signed mantissa, mixed-sign layout */
  uint32_t tag_bits;            /* plastic synapses: the 8 fraction bits of the weight word */
  uint32_t delay_max;           /* 62 */
  uint32_t mesh_chips[2];       /* chips in x and y (product chips_max; else taken as chips_max x 1) */
  uint32_t mesh_cores[2];       /* cores per chip in x and y (product cores_per_chip; else cores_per_chip x 1) */
} lh_target;

/* The built-in targets by name; NULL when unknown. Static storage. */
const lh_target *lh_target_get(const char *name);
/* Delay bits of a format whose largest delay is d: 0 for 0, else ceil(log2(d + 1)). */
uint32_t lh_delay_bits(uint32_t max_delay);
/* Words taken by n synapses of `bits` bits each behind one input axon: chunks of up to chunk_max,
 * each (bits * k + header_bits) rounded up to whole words. */
uint64_t lh_syn_words(const lh_target *t, uint32_t bits, uint64_t n);

/* ================================================================ the configuration */

/* Compartment kinds: the Loihi CUBA compartment (lif), and the NALSM discrete LIF (nalsm_lif: spike
 * decision before integration, threshold V >= vth in fine units, reset to v_reset, linear leak dv, input
 * from last-spike kernel formats; docs/loihi-format.md, "nalsm_lif"). */
/* An amsu unit is a two-compartment neuron (docs/loihi-format.md, "amsu"): an AMSU soma (CUBA u, v with a
 * threshold in fine units) followed, at the next index of the same core, by its ASTRO compartment (the
 * unit's astrocyte state a, Q16) joined to the soma: a scales the soma's dendritic input, raises its
 * threshold and adds a current; the soma's spike and the count of synaptic events it received drive a. */
typedef enum lh_cx_kind { LH_CX_CUBA = 0, LH_CX_NALSM = 1, LH_CX_AMSU = 2, LH_CX_ASTRO = 3 } lh_cx_kind;
#define LH_CX_KIND_MAX LH_CX_ASTRO

typedef struct lh_cx_profile {
  int32_t du, dv, refractory;
  int32_t kind;    /* lh_cx_kind */
  int32_t v_reset; /* NALSM: fine units; CUBA, AMSU, ASTRO: 0 */
  /* ASTRO only (else 0): a <- clamp31(decay16(a, fa) + a_pre * events + a_spike * spike); joins to the
   * soma: input factor 65536 + rr(gain*a, 16), threshold + rr(tgain*a, 16), current rr(acur*a, 16) */
  int32_t fa, a_pre, a_spike, gain; /* Q16 */
  int32_t tgain, acur;              /* fine units */
} lh_cx_profile;

typedef struct lh_cx { /* one compartment */
  uint32_t pop, neuron; /* which neuron of which population it hosts */
  uint8_t cxp, vthp;    /* profile indices */
  int32_t bias_mant, bias_exp;
  int32_t v_init, u_init; /* fine units */
} lh_cx;

typedef struct lh_synfmt {
  int32_t wexp;         /* weight exponent, -6..7: a mantissa unit is 2^(6+wexp) fine units */
  uint32_t delay_bits;  /* 0..6 */
  uint32_t tag_bits;    /* 0, or target tag_bits when plastic */
  int32_t rule;         /* learning rule index, -1 when not plastic */
  int32_t kernel;       /* last-spike kernel (c->kernels) of a format into NALSM compartments, else -1 */
  int32_t modulated;    /* the projection whose efficacy tripartite astrocytes scale (a format of its own,
                           accumulated and rounded apart, docs/loihi-format.md "tripartite"), else -1 */
} lh_synfmt;

/* The synaptic kernel of NALSM compartments: a synapse whose presynaptic neuron last spiked s steps ago
 * (minus its delay) contributes mantissa * kq[s] (Q12) for 0 <= s <= kcut, accumulated per format and
 * compartment and rounded once per step (docs/numerics.md, "Kernel delivery"). */
typedef struct lh_kernel {
  int32_t kcut;                  /* 0..63 */
  int32_t kq[LH_RING];           /* kq[0..kcut] */
} lh_kernel;

typedef struct lh_axin { /* one input axon of a core */
  uint32_t word;         /* first word of its chunks in the core's synapse memory */
  uint32_t nwords, nsyn;
  uint32_t proj, pre;    /* provenance (projection, presynaptic neuron), for the JSON and learning */
} lh_axin;

typedef struct lh_axout { /* one output axon: a route to an input axon of a core */
  uint32_t core, axon;
} lh_axout;

typedef struct lh_core {
  uint32_t id, chip, index_in_chip;
  uint32_t ncx;
  lh_cx *cx;
  uint32_t ncxp, nvthp, nfmt;
  lh_cx_profile cxp[LH_PROFILES_CAP];
  int32_t vthp[LH_PROFILES_CAP]; /* CUBA: mantissas, spike iff v > vth << 6; NALSM: fine units, V >= vth;
                                    AMSU: fine units, v > vth + rr(tgain*a, 16) (ASTRO: its soma's) */
  lh_synfmt fmt[LH_PROFILES_CAP];
  uint32_t naxin;
  lh_axin *axin;
  uint32_t nwords;
  uint64_t *words;  /* synapse memory */
  uint32_t *out_ptr; /* ncx + 1: compartment c's output axons are out[out_ptr[c] .. out_ptr[c+1]) */
  lh_axout *out;
  uint32_t nout;
} lh_core;

typedef enum lh_input_kind { LH_IN_PROB = 0, LH_IN_EVENTS = 1, LH_IN_DATASET = 2 } lh_input_kind;

typedef struct lh_input { /* a spike source outside the cores (host or embedded generator) */
  char *name;
  uint32_t size, stream; /* stream: the IR input index, the key of its random draws */
  lh_input_kind kind;
  uint64_t *p_q;         /* PROB: Q32 probability per neuron per step */
  uint64_t nev;          /* EVENTS: sorted by (step, neuron), duplicates removed */
  uint64_t *ev_step;
  uint32_t *ev_neuron;
  char *dataset, *split; /* DATASET: the host encodes images as the interpreter does (docs/numerics.md) */
  uint32_t encoding;     /* DATASET: ir_encoding */
  double scale;          /* DATASET rate/bernoulli: per-pixel p = intensity * scale */
  uint64_t sample_steps; /* DATASET: steps per sample (>= 1) */
  int32_t inject_pop;    /* population receiving current on each event (one-to-one), or -1 */
  int32_t *inject;       /* size: fine units added to the target compartment's input in the event's step */
  uint32_t *out_ptr;     /* size + 1 */
  lh_axout *out;
  uint32_t nout;
} lh_input;

typedef struct lh_pop {
  char *name;
  uint32_t size;
} lh_pop;

/* Loihi's learning arithmetic, which astroc's fixed mode follows instead of its exact rule when a
 * plastic projection sets t_epoch (functions below). Traces are 0..127 (127 = trace 1.0), weights
 * whole mantissas (fraction 0). */
#define LH_TRACE_MAX 127
#define LH_EPOCH_MAX 63
#define LH_RNG_KIND_TRACE 17 /* counter-RNG stream kinds (ir/rng.h): trace rounding, stream 2*proj+side */
#define LH_RNG_KIND_DW 18    /* weight-update rounding, stream proj */

typedef struct lh_learn {
  int32_t epoch;                /* steps: weights change at steps t with (t + 1) % epoch == 0 */
  int32_t impulse;              /* trace increment per spike, Q8 trace units: round(127 * 256 * trace_inc) */
  int32_t pre_decay, post_decay; /* 12-bit: round(4096 * (1 - exp(-dt/tau))) */
  int32_t w_lo, w_hi;           /* bounds in mantissas: ceil(w_lo / 256), floor(w_hi / 256), within +-127 */
} lh_learn;

/* A learning rule (one per plastic projection): the exact astroc fixed-mode integers, and its
 * sum-of-products form for the Loihi learning engine (docs/loihi-format.md, "Learning"). */
typedef struct lh_rule {
  uint32_t proj;
  uint32_t pre_kind, pre_index; /* presynaptic source: 0 population, 1 input; its index */
  uint32_t post_pop, npre, npost;
  bool astro, anti;
  int32_t modulator;         /* astrocyte index (astro_stdp), else -1 */
  int32_t f_pre, f_post, inc, a_plus, a_minus, w_lo, w_hi; /* ir_fx_stdp */
  /* Loihi view: traces x1 (pre), y1 (post): impulse and decay in 7+8-bit trace units. */
  int32_t x1_impulse, y1_impulse, x1_decay, y1_decay; /* impulse: Q8 of 127*trace_inc; decay 12-bit */
  int32_t ltp_mant, ltp_exp, ltd_mant, ltd_exp;       /* term scales mant * 2^(exp - 7) */
  lh_learn loihi;            /* loihi.epoch > 0: the projection follows Loihi's learning arithmetic */
} lh_rule;

/* An astrocyte hosted as a compartment: a leaky integrator without threshold whose state is the
 * third factor (modulatory trace r1) of astro_stdp rules. Loihi view of the nalsm astrocyte. */
typedef enum lh_astro_kind { LH_ASTRO_NALSM = 0, LH_ASTRO_TRIPARTITE = 1 } lh_astro_kind;
/* Per element of a tripartite astrocyte (Q16 but gcur, fine units; docs/numerics.md "tripartite"). */
#define LH_TRI_PARAMS(X) X(FCA, "fca") X(FG, "fg") X(CPS, "ca_per_spike") X(CTH, "ca_threshold") \
  X(GREL, "glio_release") X(GGAIN, "glio_gain") X(GCUR, "glio_current") X(CA0, "ca_init")
#define LH_X_ENUM(ID, KEY) LH_TRI_##ID,
enum { LH_TRI_PARAMS(LH_X_ENUM) LH_TRI_COUNT };
#undef LH_X_ENUM

typedef struct lh_astro {
  char *name;
  int32_t kind;               /* lh_astro_kind */
  uint32_t n;                 /* elements (nalsm: 1) */
  int32_t *tri;               /* tripartite: n x LH_TRI_COUNT integers, else NULL */
  uint32_t nmod, ntarget;     /* tripartite: projections whose efficacy it scales; populations given its current */
  uint32_t *mod_proj, *target_pop;
  int32_t a0, w_a, b_a, k;    /* astroc Q16 integers (ir_fx_nalsm_astro) */
  int32_t dv;                 /* Loihi view: 12-bit decay round(4096 * k / 65536) */
  uint32_t core;              /* core hosting its compartment (the first core of its listeners) */
  uint32_t nlisten;           /* listened sources: spikes counted with sign (a projection: its pre) */
  uint32_t *listen_kind;      /* 0 population, 1 input, 2 projection (tripartite: one event per synapse) */
  uint32_t *listen_index;
  int32_t *listen_sign;
} lh_astro;

typedef struct lh_config {
  const lh_target *target;
  lh_target own_target; /* lh_read_bin: the target the file describes (target points here) */
  char own_name[32];
  char *name;
  double dt, v_unit;
  uint64_t seed;
  uint32_t ncores, nchips; /* cores used; chips they span */
  bool mapped;             /* cores assigned by the mapping passes (else the sequential fill) */
  lh_core *cores;
  uint32_t npops, ninputs, nrules, nastros, nkernels;
  lh_pop *pops;
  lh_kernel *kernels;
  lh_input *inputs;
  lh_rule *rules;
  lh_astro *astros;
} lh_config;

void lh_config_free(lh_config *c);

/* ================================================================ compile, report, files */

/* Builds the configuration of an expanded fixed-mode module for target t. Cores are assigned by the
 * mapping passes quantise, partition and place (run on a copy of m; m is not changed), checked with the exact per-core usage; when those passes fail, by a sequential fill
 * (docs/loihi-format.md, "Partitioning"). NULL after reporting: a population other than lif, amsu and
 * nalsm_lif, float numerics, a delay above the target's, a neuron whose own needs exceed a core, too
 * many cores. amsu units take two compartments (docs/loihi-format.md, "amsu"). Compiler side (links the mapping passes). */
lh_config *lh_compile(const ir_module *m, const lh_target *t, ir_diag *d);

typedef struct lh_options {
  bool sequential;           /* skip the mapping passes: the sequential fill */
  uint64_t place_iterations; /* the placement's annealing budget; 0: the mapping's default (about 1 s at most) */
} lh_options;
/* lh_compile with options (NULL: the defaults). */
lh_config *lh_compile_opt(const ir_module *m, const lh_target *t, const lh_options *opt, ir_diag *d);

/* Resources used by core k (against c->target->limit). */
void lh_core_usage(const lh_config *c, uint32_t k, uint32_t use[LH_RES_COUNT]);
/* Prints the per-core resource table. */
void lh_report(const lh_config *c, FILE *out);

/* JSON (docs/loihi-format.md); false on a write error. */
bool lh_write_json(const lh_config *c, FILE *f);
/* Binary; false on a write error. */
bool lh_write_bin(const lh_config *c, FILE *f);
/* Reads a binary written by lh_write_bin; NULL after reporting (path used in messages). Every
 * count and index is checked against the file's bounds. */
lh_config *lh_read_bin(const void *data, size_t len, const char *path, ir_diag *d);

/* Writes DIR/loihi.json, DIR/loihi.bin and DIR/network.aimg (the module, for names and probes).
 * Creates DIR. false after reporting. */
bool lh_write_dir(const lh_config *c, const ir_module *m, const char *dir, ir_diag *d);
#define LH_DIR_ATTR "loihi.dir" /* module attribute naming the folder the loihi engine reads */

/* ================================================================ synapse memory */

/* One decoded synapse. */
typedef struct lh_syn {
  uint32_t index; /* compartment in the core */
  int32_t weight; /* mantissa, -127..127 */
  uint32_t delay;
  uint32_t tag;
  uint64_t pos; /* bit position of the synapse's first field in the core's memory (for learning) */
} lh_syn;

/* Bit writer over a word array (LSB first, words little-endian in the file). */
typedef struct lh_bits {
  uint64_t *w;
  uint64_t pos; /* in bits */
} lh_bits;
void lh_bits_put(lh_bits *b, uint64_t v, uint32_t nbits);
uint64_t lh_bits_get(const uint64_t *w, uint64_t *pos, uint32_t nbits);
/* Overwrites nbits at bit position pos with v. */
void lh_bits_set(uint64_t *w, uint64_t pos, uint64_t v, uint32_t nbits);

/* Decodes the synapses of input axon a of core k: calls fn(ctx, fmt, syn) for each, in memory order.
 * false when the memory is malformed (count 0, a format index out of range, past the end). */
typedef void (*lh_syn_fn)(void *ctx, const lh_synfmt *fmt, const lh_syn *s);
bool lh_decode_axon(const lh_config *c, const lh_core *core, uint32_t a, lh_syn_fn fn, void *ctx);

/* ================================================================ Loihi learning arithmetic */

/* The arithmetic of lh_learn (docs/loihi-format.md, "Loihi learning arithmetic"), used by the
 * interpreter and the loihi engine alike. */
/* From astroc's integers and t_epoch (ms). false with *why when t_epoch is not 1..63 steps or
 * trace_inc not in [0, 1]. */
bool lh_learn_derive(const ir_fx_stdp *q, double t_epoch, double dt, lh_learn *out, const char **why);
/* One step of a trace: x*(4096-decay)/4096 rounded stochastically, plus the impulse on a spike
 * (integer part, fraction rounded stochastically), saturated at 127. side: 0 pre, 1 post. */
int32_t lh_learn_trace(int32_t x, int32_t decay, int32_t impulse, bool spike, uint64_t seed, uint32_t proj,
                       uint32_t side, uint32_t neuron, uint64_t t);
/* num / (127 * 256) rounded stochastically (floor, plus one with probability of the remainder). */
int32_t lh_learn_round(int64_t num, uint64_t seed, uint32_t proj, uint32_t pre, uint32_t post, uint64_t t);
/* The epoch-end update of the synapse pre -> post with mantissa w: the sum-of-products terms (a_plus,
 * am in weight-word units per trace 1.0; am already modulated for astro_stdp), rounded, clipped. */
int32_t lh_learn_weight(const lh_learn *l, bool anti, int64_t a_plus, int64_t am, int32_t w, int32_t x_pre,
                        int32_t x_post, bool pre_spiked, bool post_spiked, uint64_t seed, uint32_t proj,
                        uint32_t pre, uint32_t post, uint64_t t);

/* ================================================================ netx (lava-dl HDF5) */

/* Writes the module's lif populations and projections as a netx network (docs/loihi-format.md,
 * "netx"). Requires a feed-forward chain; false after reporting otherwise. */
bool lh_netx_write(const ir_module *m, const char *path, ir_diag *d);
/* Reads a netx file into a new module (lif populations + all-to-all/list projections, expanded).
 * NULL after reporting. */
ir_module *lh_netx_read(const char *path, ir_diag *d);
/* True when the file starts with the HDF5 signature. */
bool lh_netx_is_hdf5(const void *data, size_t len);

#endif /* ASTROC_LH_H */
