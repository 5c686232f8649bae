/* jit.c — running a be_cpu program in this process through ORC LLJIT: from an optimised module or from
 * object code (the cache's path, cache.c); lookups; reference-counted release. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>

#include "cg.h"

static bool fail_error(char *err, size_t errlen, const char *what, LLVMErrorRef e) {
  char *msg = LLVMGetErrorMessage(e); /* consumes e */
  char buf[512];
  snprintf(buf, sizeof buf, "%s: %s", what, msg);
  LLVMDisposeErrorMessage(msg);
  return be_cpu_fail(err, errlen, buf);
}

/* A new LLJIT for the host that resolves libc symbols from this process (LLVM turns zeroing loops into
 * memset calls). NULL with err on failure. */
static be_cpu_jit *new_jit(char *err, size_t errlen) {
  be_cpu_jit *jit = calloc(1, sizeof(*jit));
  if (!jit) {
    be_cpu_fail(err, errlen, "out of memory");
    return NULL;
  }
  jit->refs = 1;
  LLVMOrcJITTargetMachineBuilderRef jtmb = NULL;
  LLVMErrorRef e = LLVMOrcJITTargetMachineBuilderDetectHost(&jtmb);
  if (e) {
    fail_error(err, errlen, "LLVM cannot target this host", e);
    free(jit);
    return NULL;
  }
  LLVMOrcLLJITBuilderRef jb = LLVMOrcCreateLLJITBuilder();
  LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(jb, jtmb); /* jb owns jtmb now */
  e = LLVMOrcCreateLLJIT(&jit->j, jb);                     /* consumes jb */
  if (e) {
    fail_error(err, errlen, "cannot create the LLVM JIT", e);
    free(jit);
    return NULL;
  }
  LLVMOrcDefinitionGeneratorRef gen = NULL;
  e = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(&gen, LLVMOrcLLJITGetGlobalPrefix(jit->j), NULL, NULL);
  if (e) {
    fail_error(err, errlen, "cannot create the JIT's symbol resolver", e);
    be_cpu_jit_destroy(jit);
    return NULL;
  }
  LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(jit->j), gen); /* the dylib owns gen */
  return jit;
}

be_cpu_jit *be_cpu_jit_create(be_cpu_program *p, char *err, size_t errlen) {
  if (!p->mod || !p->optimized) {
    be_cpu_fail(err, errlen, "be_cpu_jit_create: the program is not optimised or already handed over");
    return NULL;
  }
  be_cpu_jit *jit = new_jit(err, errlen);
  if (!jit)
    return NULL;
  /* Same host, same layout; set the JIT's string in case the two spell it differently. */
  LLVMSetDataLayout(p->mod, LLVMOrcLLJITGetDataLayoutStr(jit->j));
  LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(p->mod, p->tsc);
  p->mod = NULL; /* owned by tsm, then by the JIT */
  LLVMErrorRef e = LLVMOrcLLJITAddLLVMIRModule(jit->j, LLVMOrcLLJITGetMainJITDylib(jit->j), tsm);
  if (e) {
    LLVMOrcDisposeThreadSafeModule(tsm);
    fail_error(err, errlen, "cannot add the generated code to the JIT", e);
    be_cpu_jit_destroy(jit);
    return NULL;
  }
  return jit;
}

be_cpu_jit *be_cpu_jit_from_object(const void *obj, size_t len, char *err, size_t errlen) {
  pthread_once(&be_cpu_init_once, be_cpu_init_llvm);
  be_cpu_jit *jit = new_jit(err, errlen);
  if (!jit)
    return NULL;
  /* LLVM takes the buffer (a copy: the caller keeps obj). */
  LLVMMemoryBufferRef buf = LLVMCreateMemoryBufferWithMemoryRangeCopy(obj, len, "astroc-object");
  LLVMErrorRef e = LLVMOrcLLJITAddObjectFile(jit->j, LLVMOrcLLJITGetMainJITDylib(jit->j), buf);
  if (e) {
    fail_error(err, errlen, "LLVM refuses the object code", e);
    be_cpu_jit_destroy(jit);
    return NULL;
  }
  return jit;
}

be_cpu_fn be_cpu_jit_lookup(be_cpu_jit *j, const char *name, char *err, size_t errlen) {
  LLVMOrcExecutorAddress addr = 0;
  LLVMErrorRef e = LLVMOrcLLJITLookup(j->j, &addr, name); /* compiles the module on first lookup */
  if (e) {
    fail_error(err, errlen, "JIT lookup failed", e);
    return NULL;
  }
  be_cpu_fn fn;
  uintptr_t a = (uintptr_t)addr;
  memcpy(&fn, &a, sizeof fn); /* object -> function pointer without a pedantic cast warning */
  return fn;
}

void be_cpu_jit_destroy(be_cpu_jit *j) {
  if (!j || !be_cpu_cache_release(j)) /* still shared by another simulation */
    return;
  if (j->j) {
    LLVMErrorRef e = LLVMOrcDisposeLLJIT(j->j);
    if (e)
      LLVMConsumeError(e);
  }
  free(j->obj);
  free(j);
}
