/* be_cpu.h — the CPU backend: native code for a network's hot loops, generated with the LLVM 14 C API,
 * optimised for the host (default<O3>), run through ORC LLJIT or emitted as an object file.
 *
 * Nothing here includes llvm-c: callers describe what to generate with plain structs (be_cpu_lif,
 * be_cpu_push), add them to a program, then either JIT it (be_cpu_jit_create) or emit an object
 * (be_cpu_emit_object). Every generated function has the same C signature, be_cpu_fn: pointer
 * arguments in `ptrs`, integer arguments in `ints`, with slots fixed by the enums below. No address
 * is folded into the code, so an emitted object is position independent and works for any arrays.
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
 * Float: fu, fv, vth, bias (mV), nref. A folded parameter is a constant in the code; an unfolded one
 * is read per neuron from its array (int32 in fixed mode; float, and int32 for nref, in float mode). */
enum { BE_CPU_LIF_P_DECAY_U, BE_CPU_LIF_P_DECAY_V, BE_CPU_LIF_P_VTH, BE_CPU_LIF_P_BIAS, BE_CPU_LIF_P_NREF,
       BE_CPU_LIF_NPARAM };

/* ptrs[] slots of a lif function. RING0 + k: the ring slot of incoming projection k for this step
 * (ring + (t % nring) * n), int64 mantissa sums (fixed) or float mV sums; read and cleared. */
enum { BE_CPU_LIF_V, BE_CPU_LIF_U, BE_CPU_LIF_REF, BE_CPU_LIF_PARAM0 /* + BE_CPU_LIF_P_* */,
       BE_CPU_LIF_INJ = BE_CPU_LIF_PARAM0 + BE_CPU_LIF_NPARAM, BE_CPU_LIF_FORCED, BE_CPU_LIF_SPK,
       BE_CPU_LIF_RING0 };
/* ints[] slots: the neuron range [lo, hi). */
enum { BE_CPU_LIF_LO, BE_CPU_LIF_HI };

typedef struct be_cpu_lif {
  const char *name;      /* symbol name, unique in its program */
  bool fixed;            /* numerics */
  uint32_t nin;          /* incoming event projections, in model order */
  const int32_t *shift;  /* fixed: 6 + weight exponent of each incoming projection (nin entries) */
  bool has_inj;          /* some input injects current: read ptrs[INJ]; else inj is 0 */
  bool fold[BE_CPU_LIF_NPARAM];
  int64_t q[BE_CPU_LIF_NPARAM]; /* folded value, fixed mode (and nref in float mode) */
  float f[BE_CPU_LIF_NPARAM];   /* folded value, float mode (decays, vth, bias) */
} be_cpu_lif;

/* ---------------------------------------------------------------- push: spikes into delay rings */

/* ptrs[] slots of a push function. RP: per-row synapse ranges, row i of thread tid is
 * [rp[i*stride + tid], rp[i*stride + tid + 1]) (stride 1, tid 0: the CSR row_ptr). */
enum { BE_CPU_PUSH_IDX, BE_CPU_PUSH_RP, BE_CPU_PUSH_COL, BE_CPU_PUSH_DELAY, BE_CPU_PUSH_W, BE_CPU_PUSH_RING };
/* ints[] slots: number of spikes in idx, rp stride, thread id, (t + 1) % nring. */
enum { BE_CPU_PUSH_NSPK, BE_CPU_PUSH_STRIDE, BE_CPU_PUSH_TID, BE_CPU_PUSH_BASE };

typedef struct be_cpu_push {
  const char *name;
  bool fixed;
  uint32_t npost, nring;
  bool delay_folded; /* every synapse has delay `delay`: ptrs[DELAY] unused */
  uint32_t delay;
  bool w_folded;     /* every synapse has the weight wq (fixed mantissa) / wf (float): ptrs[W] unused */
  int32_t wq;
  float wf;
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
/* Compiles an optimised program to native code in this process. Takes ownership of p's module: p must
 * still be destroyed by the caller, but cannot be used for anything else afterwards. */
be_cpu_jit *be_cpu_jit_create(be_cpu_program *p, char *err, size_t errlen);
/* The address of a generated function, NULL if absent (err says why). */
be_cpu_fn be_cpu_jit_lookup(be_cpu_jit *j, const char *name, char *err, size_t errlen);
void be_cpu_jit_destroy(be_cpu_jit *j);

/* The host CPU name LLVM targets ("skylake-avx512", ...); static storage, valid until exit. */
const char *be_cpu_host_cpu(void);

#endif /* ASTROC_BE_CPU_H */
