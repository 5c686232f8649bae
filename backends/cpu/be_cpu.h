/* be_cpu.h — the CPU backend: native code for a network's hot loops, generated with the LLVM 14 C API,
 * optimised for the host (default<O3>), run through ORC LLJIT or emitted as an object file.
 *
 * Nothing here includes llvm-c: callers describe what to generate with plain structs (be_cpu_lif,
 * be_cpu_push), add them to a program, then either JIT it (be_cpu_jit_create) or emit an object
 * (be_cpu_emit_object). Every generated function has the same C signature, be_cpu_fn: pointer
 * arguments in `ptrs`, integer arguments in `ints`, with slots fixed by the enums below. No address and
 * no parameter value is folded into the code: it depends only on the network's structure (numerics,
 * number of inputs, which parameters are uniform), so one compiled program serves any parameter values,
 * seeds and sizes, an emitted object is position independent, and compiled code can be cached.
 * docs/jit.md describes the generated loops and what is folded.
 */
#ifndef ASTROC_BE_CPU_H
#define ASTROC_BE_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*be_cpu_fn)(void *const *ptrs, const int64_t *ints);

/* ---------------------------------------------------------------- lif: delivery + update */

/* Parameters of the lif update. Fixed: du, dv, vth (already << 6), bias (mant << exp), nref.
 * Float: fu, fv, vth, bias (mV), nref. No parameter value is compiled into the code: a `uniform`
 * parameter (one value for the whole population) is read once per call from element 0 of its array, the
 * others per neuron (int32 in fixed mode; float, and int32 for nref, in float mode). The code therefore
 * depends only on the network's structure, and a run with other parameter values reuses it. */
enum { BE_CPU_LIF_P_DECAY_U, BE_CPU_LIF_P_DECAY_V, BE_CPU_LIF_P_VTH, BE_CPU_LIF_P_BIAS, BE_CPU_LIF_P_NREF,
       BE_CPU_LIF_NPARAM };

/* ptrs[] slots of a lif function. REF: per neuron, as int32, the last step of its refractory period
 * (on the caller's clock, ints[NOW]): the neuron is refractory in step NOW when REF >= NOW. The
 * function only reads it — a neuron that spikes in step NOW must get REF = NOW + nref from the caller
 * (the engine's compaction does, engine_jit_threads.c) — so the loop stores no refractory state; the
 * interp's countdown r at the start of step NOW is REF = NOW + r - 1 (docs/jit.md, "Refractory
 * period"). The nref parameter is therefore not read by the function. SPK: the spike flags as bits, neuron i
 * in bit i % 16 of the uint16 word i / 16 (little-endian: bit i % 64 of the 64-bit word i / 64); the
 * function writes the words of [lo, hi) whole (lo must be a multiple of 16; bits of neurons at or beyond
 * hi in the last word are 0). FORCED: bytes, read only when ints[ANY_FORCED] != 0. SHIFT (fixed): int64
 * array, 6 + weight exponent of each incoming projection. RING0 + k: the ring slot of incoming projection k for this step (ring + (t % nring) * n),
 * int32 mantissa sums (fixed; the interp's are int64: an engine keeps its own copy and bounds the sums,
 * at most 2^24 synapses of 8-bit mantissas per projection) or float mV sums; read and cleared. */
enum { BE_CPU_LIF_V, BE_CPU_LIF_U, BE_CPU_LIF_REF, BE_CPU_LIF_PARAM0 /* + BE_CPU_LIF_P_* */,
       BE_CPU_LIF_INJ = BE_CPU_LIF_PARAM0 + BE_CPU_LIF_NPARAM, BE_CPU_LIF_FORCED, BE_CPU_LIF_SPK,
       BE_CPU_LIF_SHIFT, BE_CPU_LIF_RING0 };
/* ints[] slots: the neuron range [lo, hi); ANY_FORCED: 0 when no neuron is forced in this step, so
 * ptrs[FORCED] is not read (non-zero: it is); NOW: the step, on the clock of ptrs[REF] (an int32 value). */
enum { BE_CPU_LIF_LO, BE_CPU_LIF_HI, BE_CPU_LIF_ANY_FORCED, BE_CPU_LIF_NOW, BE_CPU_LIF_NINTS };

typedef struct be_cpu_lif {
  const char *name;      /* symbol name, unique in its program */
  bool fixed;            /* numerics */
  uint32_t nin;          /* incoming event projections, in model order */
  bool has_inj;          /* some input injects current: read ptrs[INJ]; else inj is 0 */
  bool uniform[BE_CPU_LIF_NPARAM]; /* parameter k has one value, ptrs[PARAM0 + k][0] */
} be_cpu_lif;

/* ---------------------------------------------------------------- push: spikes into delay rings */

/* ptrs[] slots of a push function. RP: per-row synapse ranges, row i of thread tid is
 * [rp[i*stride + tid], rp[i*stride + tid + 1]) (stride 1, tid 0: the CSR row_ptr). */
enum { BE_CPU_PUSH_IDX, BE_CPU_PUSH_RP, BE_CPU_PUSH_COL, BE_CPU_PUSH_DELAY, BE_CPU_PUSH_W, BE_CPU_PUSH_RING };
/* RING: int32 cells (fixed, as the lif's rings) or float; W: int32 w16 (fixed) or float mV. */
/* ints[] slots: number of spikes in idx, rp stride, thread id, (t + 1) % nring, post population size,
 * ring slots (max delay + 1; every delay is below it). */
enum { BE_CPU_PUSH_NSPK, BE_CPU_PUSH_STRIDE, BE_CPU_PUSH_TID, BE_CPU_PUSH_BASE, BE_CPU_PUSH_NPOST,
       BE_CPU_PUSH_NRING, BE_CPU_PUSH_NINTS };

typedef struct be_cpu_push {
  const char *name;
  bool fixed;
  bool delay_uniform; /* every synapse has delay ptrs[DELAY][0]: the ring slot is computed once per call */
  bool w_uniform;     /* every synapse has weight ptrs[W][0] (fixed: w16, float: mV): no per-synapse load */
  bool col16;         /* ptrs[COL] is uint16 (post population of at most 65536): half the column bytes */
} be_cpu_push;

/* ---------------------------------------------------------------- programs */

typedef struct be_cpu_program be_cpu_program;

/* Creates an empty program (an LLVM module for the host). On failure returns NULL and writes a message
 * to err (errlen bytes). */
be_cpu_program *be_cpu_program_create(const char *name, char *err, size_t errlen);
void be_cpu_program_destroy(be_cpu_program *p);
bool be_cpu_add_lif(be_cpu_program *p, const be_cpu_lif *spec, char *err, size_t errlen);
bool be_cpu_add_push(be_cpu_program *p, const be_cpu_push *spec, char *err, size_t errlen);
/* Verifies and optimises the program with default<O3> for the host CPU. Call once, after the adds. */
bool be_cpu_optimize(be_cpu_program *p, char *err, size_t errlen);
/* The program's LLVM IR as text (malloc'd, caller frees), NULL on OOM. */
char *be_cpu_print_ir(be_cpu_program *p);
/* Object code for the host (ELF on Linux): *obj is malloc'd (caller frees), *len its size. */
bool be_cpu_emit_object(be_cpu_program *p, void **obj, size_t *len, char *err, size_t errlen);

/* ---------------------------------------------------------------- JIT */

typedef struct be_cpu_jit be_cpu_jit;

/* Where the code of a be_cpu_jit_build came from. */
typedef enum be_cpu_origin {
  BE_CPU_COMPILED, /* optimised and compiled now (and stored in the disk cache, if any) */
  BE_CPU_SHARED,   /* an identical program is already loaded in this process: shared, no work */
  BE_CPU_CACHED,   /* object code read from the disk cache: no optimisation, no code generation */
  BE_CPU_EMBEDDED, /* object code carried in the image (be_cpu_embed.h): no code generation */
} be_cpu_origin;

/* Native code for a not yet optimised program, keyed by a 64-bit hash of the program's LLVM IR, the host
 * CPU, its features and the LLVM version (be_cpu_program_key). Looks in this process first, then in
 * `cache_dir` (NULL: no disk cache) for "<key>.o", else optimises and compiles p and, with a cache_dir,
 * stores the object there (written to a temporary file, then renamed: concurrent runs are safe). A cached
 * file is checked (magic, key, length, checksum) before LLVM sees it; a bad or unreadable file is ignored
 * and replaced, never loaded. p is consumed for code generation either way: destroy it afterwards. The
 * result is reference-counted (be_cpu_jit_destroy releases one reference). *how (may be NULL) says where
 * the code came from. NULL on failure, with err set. */
be_cpu_jit *be_cpu_jit_build(be_cpu_program *p, const char *cache_dir, be_cpu_origin *how, char *err, size_t errlen);
/* The key be_cpu_jit_build uses for p (unoptimised), 0 if the IR cannot be printed. */
uint64_t be_cpu_program_key(be_cpu_program *p);
/* Compiles an optimised program to native code in this process, bypassing every cache. Takes ownership
 * of p's module: p must still be destroyed by the caller, but cannot be used for anything else. */
be_cpu_jit *be_cpu_jit_create(be_cpu_program *p, char *err, size_t errlen);
/* Loads object code (be_cpu_emit_object's output) into a new JIT; NULL with err if LLVM refuses it. */
be_cpu_jit *be_cpu_jit_from_object(const void *obj, size_t len, char *err, size_t errlen);
/* The address of a generated function, NULL if absent (err says why). */
be_cpu_fn be_cpu_jit_lookup(be_cpu_jit *j, const char *name, char *err, size_t errlen);
void be_cpu_jit_destroy(be_cpu_jit *j);

/* The host CPU name LLVM targets ("skylake-avx512", ...); static storage, valid until exit. */
const char *be_cpu_host_cpu(void);

#endif /* ASTROC_BE_CPU_H */
