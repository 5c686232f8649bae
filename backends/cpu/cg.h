/* cg.h — internal to backends/cpu: the program object and the IR-building helpers the generators share. */
#ifndef ASTROC_BE_CPU_CG_H
#define ASTROC_BE_CPU_CG_H

#include <pthread.h>

#include <llvm-c/Core.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/TargetMachine.h>

#include "be_cpu.h"

struct be_cpu_program {
  LLVMOrcThreadSafeContextRef tsc; /* owns ctx (shared with a JIT that received the module) */
  LLVMContextRef ctx;
  LLVMModuleRef mod;         /* owned; NULL once handed over to a JIT */
  LLVMTargetMachineRef tm;   /* host target machine, owned */
  LLVMBuilderRef b;
  bool optimized, handed_over;
};

/* A loaded JIT. refs and next belong to cache.c's registry (guarded by its lock). */
struct be_cpu_jit {
  LLVMOrcLLJITRef j;
  uint64_t key;      /* be_cpu_program_key of its program; 0: not shared */
  unsigned refs;
  struct be_cpu_jit *next;
  void *obj;         /* the object code loaded (owned), NULL for be_cpu_jit_create */
  size_t objlen;
};

/* LLVM's host CPU features string ("+sse2,+avx,..."), static storage, "" if unknown (cache.c). */
const char *be_cpu_host_features(void);

/* An offered object for key (be_cpu_offer_object), copied into *obj (malloc'd); false if none (embed.c). */
bool be_cpu_offered(uint64_t key, void **obj, size_t *len);

/* Drops one reference of j; true when it was the last (the caller then disposes j). */
bool be_cpu_cache_release(be_cpu_jit *j);

/* One-time LLVM initialisation (program.c). */
extern pthread_once_t be_cpu_init_once;
void be_cpu_init_llvm(void);

/* Common types of a program. */
typedef struct cg_types {
  LLVMTypeRef v, i1, i8, i16, i32, i64, f32, p8, p16, p32, p64, pf, pp8;
} cg_types;
cg_types be_cpu_cg_types(LLVMContextRef c);

/* Copies msg into err (truncating), returns false: `return be_cpu_fail(err, n, "...")`. */
bool be_cpu_fail(char *err, size_t errlen, const char *msg);

/* Declares the exported wrapper `name(void **ptrs, int64 *ints)` and an internal, always-inlined
 * `name.body` with the given parameter types; pointer parameters of the body are noalias, so once
 * inlined the loop vectoriser needs no runtime alias checks. Returns the body; *wrapper the wrapper. */
LLVMValueRef be_cpu_cg_split(be_cpu_program *p, const char *name, LLVMTypeRef *params, unsigned nparams,
                             LLVMValueRef *wrapper);
/* Fills the wrapper: loads ptrs[pslot[k]] (cast to params[k]) or ints[islot[k]] (for integer params),
 * calls the body, returns. islot[k] < 0 means a pointer parameter. */
void be_cpu_cg_fill_wrapper(be_cpu_program *p, LLVMValueRef wrapper, LLVMValueRef body, LLVMTypeRef *params,
                            const int *slot, const bool *is_int, unsigned nparams);

/* Attaches llvm.loop.unroll.disable to the loop whose latch branch is br (and, with no_vectorize,
 * llvm.loop.vectorize.enable false). */
void be_cpu_cg_no_unroll(be_cpu_program *p, LLVMValueRef br, bool no_vectorize);

/* Element pointer of base[i] for element type t. */
static inline LLVMValueRef cg_gep(LLVMBuilderRef b, LLVMTypeRef t, LLVMValueRef base, LLVMValueRef i) {
  return LLVMBuildInBoundsGEP2(b, t, base, &i, 1, "");
}
static inline LLVMValueRef cg_i64(cg_types *T, int64_t v) { return LLVMConstInt(T->i64, (unsigned long long)v, 1); }

#endif
