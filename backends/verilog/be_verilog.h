/* be_verilog.h — the Verilog accelerator backend: from an expanded module to the accelerator image,
 * i.e. the host-interface command stream that loads every memory of one core (rtl/astro_core.v), the
 * parameter header of the top level (astro_params.vh) and a readable memory map.
 *
 * The accelerator runs fixed numerics only (docs/numerics.md); the image is a pure function of the
 * module and the seed (per-neuron parameter draws use the same keys as the interpreter).
 * docs/accelerator.md documents the command set, word layouts and limits.
 */
#ifndef ASTROC_BE_VERILOG_H
#define ASTROC_BE_VERILOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ir.h"

/* Host-interface opcodes and registers (rtl/astro_core.v; one table, expanded twice). */
#define BE_VL_OPS(X)                                                                                         \
  X(NOP, 0) X(WR_REG, 1) X(WR_PARAM, 2) X(WR_STATE, 3) X(WR_AXON, 4) X(WR_SYN, 5) X(WR_EXT, 6)              \
  X(IN_SPIKE, 7) X(STEP, 8) X(CLEAR, 9) X(RD_REG, 10) X(RD_STATE, 11) X(RD_SPIKE, 12) X(WR_MEM, 13)              \
  X(RD_MEM, 14) X(WR_ROUTE, 15)
#define BE_VL_X_ENUM(N, V) BE_VL_OP_##N = V,
typedef enum be_vl_op { BE_VL_OPS(BE_VL_X_ENUM) BE_VL_OP_COUNT } be_vl_op;
#undef BE_VL_X_ENUM
const char *be_vl_op_name(unsigned op); /* "WR_PARAM"; "?" when unknown */
/* The image folders' file helpers (be_verilog_write.c): open DIR/NAME for writing (path receives it) and
 * close it, each reporting a failure through d as "PATH: error: ...". */
FILE *be_vl_open_in(const char *dir, const char *name, char *path, size_t n, ir_diag *d);
bool be_vl_close_ok(FILE *f, const char *path, ir_diag *d);

enum {
  BE_VL_REG_NNEUR = 0, BE_VL_REG_NSLOT = 1, BE_VL_REG_STEP = 2, BE_VL_REG_SLOT = 3, BE_VL_REG_NSPK = 4,
  BE_VL_REG_NIN = 5, BE_VL_REG_CYCLES = 6, BE_VL_REG_SYNEV = 7, BE_VL_REG_CAPS = 8, BE_VL_REG_ID = 9,
  BE_VL_REG_NASTRO = 10, BE_VL_REG_NPLAST = 11, BE_VL_REG_LCYCLES = 12, BE_VL_REG_LUPD = 13,
  BE_VL_REG_NKPROJ = 14, BE_VL_REG_NLIF2 = 15
};
/* Memory spaces of WR_MEM / RD_MEM: address = space << 28 | index (rtl/astro_learn.v, astro_core.v). */
enum { BE_VL_SP_PLAST = 0, BE_VL_SP_RAXON = 1, BE_VL_SP_RSYN = 2, BE_VL_SP_TRACE = 3, BE_VL_SP_LAST = 4,
       BE_VL_SP_SYN = 5, BE_VL_SP_KPROJ = 6, BE_VL_SP_KAX = 7, BE_VL_SP_KTAB = 8, BE_VL_SP_KACC = 9,
       /* amsu compartments (rtl/astro_amsu.v): AP0 tgain | acur, AP1 a_pre | a_spike, AP2 gain | fa, AST a */
       BE_VL_SP_AP0 = 10, BE_VL_SP_AP1 = 11, BE_VL_SP_AP2 = 12, BE_VL_SP_AST = 13,
       /* tripartite outputs (rtl/astro_tri.v): the GLIO phase's entries, write-only */
       BE_VL_SP_TLIST = 14 };
#define BE_VL_MEM(space, index) ((uint32_t)(space) << 28 | (uint32_t)(index))
#define BE_VL_CORE_ID 0x41535431u /* "AST1", read from BE_VL_REG_ID */
/* Mesh (rtl/astro_mesh.v): a core's register AXBASE (global axon of local compartment 0); commands to
 * BE_VL_ALL_CORES go to every core, and RD_REG there reads the mesh registers. */
enum { BE_VL_REG_AXBASE = 16, BE_VL_REG_PCYCLES = 17, BE_VL_REG_WCYCLES = 18 }; /* PROP, WAIT cycles */
enum { BE_VL_REG_NGLIO = 19 }; /* TLIST entries of the GLIO phase (tripartite outputs; 0: no GLIO phase) */
enum { BE_VL_MREG_ID = 0, BE_VL_MREG_PACKETS = 1, BE_VL_MREG_HOPS = 2 };
#define BE_VL_ALL_CORES 0xffu
#define BE_VL_MESH_ID 0x4d534831u /* "MSH1", low 32 bits of BE_VL_MREG_ID */

/* Word layouts (LSB first); the same constants are in rtl/astro_core.v. */
#define BE_VL_STATE_U(w) ((int32_t)((uint32_t)((w) & 0xffffffu) << 8) >> 8)
#define BE_VL_STATE_V(w) ((int32_t)((uint32_t)(((w) >> 24) & 0xffffffu) << 8) >> 8)
#define BE_VL_STATE_REF(w) ((int32_t)(((w) >> 48) & 0x3fu))
uint64_t be_vl_pack_state(int32_t u, int32_t v, int32_t ref);
uint64_t be_vl_pack_ext(bool forced, int64_t inj); /* inj must fit INJ_W = 32 bits */
/* Astrocyte compartment: STATE = A (Q16) in the low 32 bits. */
#define BE_VL_STATE_A(w) ((int32_t)(uint32_t)((w) & 0xffffffffu))
/* Synapse word: target nw | mantissa 8 | delay 6 | shift 4 | frac 8 | plastic 1 | projection pw | kernel 1.
 * The weight word w16 = mantissa << 8 | frac (docs/numerics.md). */
#define BE_VL_SYN_W16(w, nw) \
  ((int32_t)(int16_t)(uint16_t)((((w) >> (nw)) & 0xffu) << 8 | (((w) >> ((nw) + 18)) & 0xffu)))

/* Capacities of one core: address widths of its memories (rtl/astro_top.v parameters). */
typedef struct be_vl_caps {
  unsigned nw;    /* compartments: 2^nw */
  unsigned aw;    /* axons: 2^aw */
  unsigned sw;    /* synapses: 2^sw */
  unsigned dw;    /* ring slots: 2^dw; delays up to 2^dw - 1 */
  unsigned qw;    /* input-queue entries per step: 2^qw */
  unsigned acc_w; /* dendritic accumulator bits */
  unsigned pw;    /* plastic projections: 2^pw; 0: no learning engine and no astrocyte compartments */
  unsigned tw;    /* trace entries: 2^tw */
} be_vl_caps;
/* The capacity of the Verilator model the rtl engine links (astro_top.v defaults). */
extern const be_vl_caps be_vl_sim_caps;
/* The per-core capacity of the mesh model (rtl/astro_mesh.v defaults; LEARN = 1: pw, tw > 0). */
extern const be_vl_caps be_vl_mesh_caps;
#define BE_VL_INJ_W 32
#define BE_VL_DELAY_MAX 63 /* 6-bit synapse delay field */

typedef struct be_vl_cmd {
  uint8_t op;
  uint32_t addr;
  uint64_t data;
} be_vl_cmd;

typedef struct be_vl_image {
  be_vl_caps caps;      /* the core the load stream is laid out for (word layouts depend on it) */
  be_vl_caps need;      /* the smallest capacities that hold this network */
  uint32_t nneur;       /* neuron compartments: populations in model order */
  uint32_t nastro;      /* astrocyte compartments after them: astrocyte populations in model order */
  uint32_t naxon;       /* nneur + nastro + every input neuron */
  uint64_t nsyn;        /* synapses of projections plus listen synapses of astrocytes */
  uint32_t nplast;      /* plastic projections */
  uint32_t nkproj;      /* kernel projections (into nalsm_lif populations) */
  uint32_t namsu;       /* amsu compartments (one core only) */
  uint32_t ntri;        /* tripartite astrocyte compartments (one core only) */
  uint32_t nglio;       /* TLIST entries: (target compartment, tripartite element) pairs of the GLIO phase */
  uint32_t nprojs;      /* the module's projections (length of the arrays below) */
  uint32_t *astro_base; /* [nastros] first compartment of each astrocyte population */
  int32_t *plast_id;    /* [nprojs] learning-engine id of a plastic projection, else -1 */
  int32_t *kproj_id;    /* [nprojs] kernel-engine id of a projection into a nalsm_lif population, else -1 */
  uint32_t **syn_addr;  /* [nprojs][nsyn] SYN address of each synapse (CSR order) */
  uint32_t *xpre_base, *xpost_base; /* [nprojs] TRACE addresses of a plastic projection's traces */
  uint32_t nslot;       /* max delay + 1 */
  uint32_t *pop_base;   /* [npops] first compartment (= axon) of each population */
  uint32_t *input_base; /* [ninputs] first axon of each input */
  be_vl_cmd *cmds;      /* the load stream, in order */
  size_t ncmds, capcmds;
} be_vl_image;

/* Builds the image of an expanded module with the given seed (parameter draws). `cap` limits the
 * capacities (NULL: none but the fixed field widths). Returns NULL after reporting through d: a model
 * the accelerator cannot run (float-only or unsupported model, plasticity, astrocytes, delays above
 * 63, a network above `cap`) or out of memory. The caller owns the image (be_vl_image_destroy). */
be_vl_image *be_vl_build(const ir_module *m, uint64_t seed, const be_vl_caps *cap, ir_diag *d);
void be_vl_image_destroy(be_vl_image *img);

/* The words of amsu neuron i of population ip (parameters prm drawn as the interpreter draws them),
 * derived as runtime/neuron_amsu.c derives them: w[0] PARAM (du 12 | dv 12 | vth 24 | nref 6 | bits 62,
 * 63 set), w[1] STATE (u 0, v_init, ref 0), w[2] AP0, w[3] AP1, w[4] AP2 (be_verilog_amsu.c). false
 * after reporting a value the fixed numerics or the accelerator's fields cannot hold. */
bool be_vl_amsu_words(const ir_module *m, const ir_population *ip, uint32_t i, const double *prm, uint64_t w[5],
                      ir_diag *d);

/* The words of tripartite element e of astrocyte population ia (parameters prm drawn as the interpreter
 * draws them), derived as runtime/astro_tripartite.c derives them: w[0] PARAM (fca 17 | fg 17 | bit 63),
 * w[1] STATE (ca_init), w[2] AP0 (cps | cth), w[3] AP1 (grel | ggain), w[4] AP2 (gcur)
 * (be_verilog_tri.c). false after reporting a value the fixed numerics cannot hold. */
bool be_vl_tri_words(const ir_module *m, const ir_astrocyte *ia, uint32_t e, const double *prm, uint64_t w[5],
                     ir_diag *d);
/* Whether a tripartite astrocyte scales the efficacy of projection k (its synapses carry the modulated
 * bit and are delivered into MACC). */
bool be_vl_tri_modulated(const ir_module *m, uint32_t k);
/* The accelerator's limits for tripartite astrocytes: at most one modulated projection per post
 * population, none into nalsm_lif, at most 256 tripartite populations. false after reporting. */
bool be_vl_tri_check(const ir_module *m, ir_diag *d);
/* The TLIST entries of the GLIO phase (rtl/astro_tri.v) into out (NULL: count only); returns their
 * number. */
uint64_t be_vl_tri_entries(const ir_module *m, const uint32_t *pop_base, const uint32_t *astro_base, unsigned nw,
                           uint64_t *out);
/* round(x * scale) checked to fit +-(2^31 - 1); round(65536 * exp(-dt/tau)) (0 for tau 0): the Q16 and
 * fine-unit conversions of the astrocyte-coupled models (be_verilog_amsu.c). */
bool be_vl_fx_checked(double x, double scale, int32_t *out);
int32_t be_vl_factor16(double tau, double dt);

/* Writes DIR/load.cmd (the command stream, one "OP ADDR DATA" line each), DIR/astro_params.vh and
 * DIR/memory_map.txt. DIR must exist. false after reporting an I/O error through d. */
bool be_vl_write_dir(const be_vl_image *img, const ir_module *m, const char *dir, ir_diag *d);

/* ================================================================ several cores (be_verilog_mesh.c) */

/* Where each neuron compartment of a one-core image goes: core c = y * mesh_x + x of a mesh_x x
 * mesh_y mesh (the mapping passes' placement, docs/mapping.md). */
typedef struct be_vl_placement {
  uint32_t mesh_x, mesh_y; /* at most 16 x 16 and 64 cores */
  uint32_t ncomp;          /* = the image's nneur */
  const uint32_t *core_of; /* [ncomp] core of each compartment */
} be_vl_placement;

/* The image of a mesh: one load stream for all cores (commands carry their core). Compartment g of
 * the one-core image is local compartment local_of[g] of core core_of[g]; locals keep the global
 * order. Axons are renumbered core by core (axon of g = axbase[core_of[g]] + local_of[g]); input axons
 * keep their one-core numbers. */
typedef struct be_vl_mesh {
  be_vl_caps caps;            /* per core */
  uint32_t mesh_x, mesh_y, ncores;
  uint32_t ncomp, naxon, nslot;
  uint32_t *core_of, *local_of; /* [ncomp] */
  uint32_t *nlocal, *axbase;    /* [ncores] */
  uint32_t **global_of;         /* [ncores][nlocal] compartment of each local one */
  uint64_t *fanout_cores;       /* [naxon] (one-core axon numbers) cores holding synapses of the axon */
  uint64_t *nsyn;               /* [ncores] synapses stored on each core */
  uint64_t nroutes;             /* route-table entries (local compartment, destination core) */
  uint64_t *syn_loc;            /* [one-core nsyn] core << 32 | SYN address of each one-core synapse */
  /* Learning (stdp; every core knows every plastic projection p, index [core * nplast + p]): TRACE
   * holds x_pre at xpre_at + (new axon - pre_lo) and x_post at xpost_at + (local id - post_lo). */
  uint32_t nplast;
  uint32_t *pre_lo, *npre, *xpre_at;          /* pre axons (new numbers) pre_lo .. pre_lo + npre - 1 */
  uint32_t *post_lo, *npost, *xpost_at;       /* local post compartments on the core */
  uint32_t *pre_one, *post_one;               /* [nplast] one-core pre_base (axon) and post_base */
  uint64_t *ntrace;                           /* [ncores] trace entries used */
  /* Astrocytes (nalsm) are replicated: every core holding synapses of an astro_stdp projection gets a
   * copy of its modulator, and each astrocyte compartment has a home core (the first of its replicas; an
   * astrocyte that modulates nothing lives on one core). Every replica gets every listen synapse, so
   * every listened spike reaches every replica and all replicas compute the same A. A replica is a
   * local compartment after the core's neurons: NNEUR = nlocal, NASTRO = nrep. */
  uint32_t nastro;              /* one-core astrocyte compartments: one-core ids ncomp .. ncomp + nastro - 1 */
  uint64_t *astro_cores;        /* [nastro] cores holding a replica */
  uint32_t *astro_home;         /* [nastro] the replica the host reads A from */
  uint32_t *astro_local;        /* [ncores * nastro] local id of the replica on core c (UINT32_MAX: none) */
  uint32_t *nrep;               /* [ncores] replicas on the core */
  uint32_t *nglio;              /* [ncores] TLIST entries of the core (tripartite targets on it) */
  be_vl_cmd *cmds;              /* the load stream */
  uint8_t *cmd_core;            /* [ncmds] core of each command (BE_VL_ALL_CORES: every core) */
  size_t ncmds, capcmds;
} be_vl_mesh;

/* Splits a one-core image (built with be_vl_one_for_mesh: lif neurons, static, stdp and astro_stdp
 * synapses, nalsm and tripartite astrocytes; no nalsm_lif, no amsu) over the cores of `pl`, each of capacity `cap`: per core its
 * compartments and astrocyte replicas,
 * the fan-out lists of every axon that reaches it (targets renumbered to local ids, plastic synapses
 * first), AXBASE, the route table of its router (the cores, other than itself, that hold synapses of
 * each local compartment) and the learning tables (PLAST with per-core trace ranges, RAXON / RSYN of
 * the plastic synapses into the core, TRACE, LAST). A plastic synapse lives on its post-synaptic core.
 * NULL after reporting through d (capacity, a placement that does not match, out of memory). */
be_vl_mesh *be_vl_mesh_build(const be_vl_image *one, const be_vl_placement *pl, const be_vl_caps *cap,
                             ir_loc loc, ir_diag *d);
void be_vl_mesh_destroy(be_vl_mesh *mi);
/* DIR/load.cmd ("CORE OP ADDR DATA" lines, CORE "ff" = every core), DIR/astro_params.vh (MESH_X, MESH_Y
 * and the per-core parameters of astro_mesh) and DIR/memory_map.txt. */
bool be_vl_mesh_write_dir(const be_vl_mesh *mi, const ir_module *m, const char *dir, ir_diag *d);

#endif
