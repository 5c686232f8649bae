/* program.c — a be_cpu program: one LLVM module for the host CPU, its O3 pipeline, IR text and object code. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "cg.h"

bool be_cpu_fail(char *err, size_t errlen, const char *msg) {
  if (err && errlen) {
    strncpy(err, msg, errlen - 1);
    err[errlen - 1] = '\0';
  }
  return false;
}

/* LLVM's messages are owned by LLVM: copy, then dispose. */
static bool fail_llvm(char *err, size_t errlen, const char *what, char *msg) {
  char buf[512];
  snprintf(buf, sizeof buf, "%s: %s", what, msg ? msg : "unknown LLVM error");
  if (msg)
    LLVMDisposeMessage(msg);
  return be_cpu_fail(err, errlen, buf);
}

pthread_once_t be_cpu_init_once = PTHREAD_ONCE_INIT;
static bool init_ok;
static char *host_cpu;

void be_cpu_init_llvm(void) {
  init_ok = LLVMInitializeNativeTarget() == 0 && LLVMInitializeNativeAsmPrinter() == 0;
  host_cpu = LLVMGetHostCPUName(); /* kept until exit */
}

const char *be_cpu_host_cpu(void) {
  pthread_once(&be_cpu_init_once, be_cpu_init_llvm);
  return host_cpu ? host_cpu : "generic";
}

cg_types be_cpu_cg_types(LLVMContextRef c) {
  cg_types T;
  T.v = LLVMVoidTypeInContext(c);
  T.i1 = LLVMInt1TypeInContext(c);
  T.i8 = LLVMInt8TypeInContext(c);
  T.i16 = LLVMInt16TypeInContext(c);
  T.i32 = LLVMInt32TypeInContext(c);
  T.i64 = LLVMInt64TypeInContext(c);
  T.f32 = LLVMFloatTypeInContext(c);
  T.p8 = LLVMPointerType(T.i8, 0);
  T.p16 = LLVMPointerType(T.i16, 0);
  T.p32 = LLVMPointerType(T.i32, 0);
  T.p64 = LLVMPointerType(T.i64, 0);
  T.pf = LLVMPointerType(T.f32, 0);
  T.pp8 = LLVMPointerType(T.p8, 0);
  return T;
}

be_cpu_program *be_cpu_program_create(const char *name, char *err, size_t errlen) {
  pthread_once(&be_cpu_init_once, be_cpu_init_llvm);
  if (!init_ok) {
    be_cpu_fail(err, errlen, "LLVM has no native target for this host");
    return NULL;
  }
  be_cpu_program *p = calloc(1, sizeof(*p));
  if (!p) {
    be_cpu_fail(err, errlen, "out of memory");
    return NULL;
  }
  char *triple = LLVMGetDefaultTargetTriple();
  char *msg = NULL;
  LLVMTargetRef target;
  if (LLVMGetTargetFromTriple(triple, &target, &msg)) {
    fail_llvm(err, errlen, "no LLVM target for the host", msg);
    LLVMDisposeMessage(triple);
    free(p);
    return NULL;
  }
  char *features = LLVMGetHostCPUFeatures();
  /* PIC, so an emitted object is position independent; the JIT uses the same code model. */
  p->tm = LLVMCreateTargetMachine(target, triple, host_cpu, features, LLVMCodeGenLevelAggressive, LLVMRelocPIC,
                                  LLVMCodeModelDefault);
  LLVMDisposeMessage(features);
  p->tsc = LLVMOrcCreateNewThreadSafeContext();
  p->ctx = LLVMOrcThreadSafeContextGetContext(p->tsc);
  p->mod = LLVMModuleCreateWithNameInContext(name, p->ctx);
  LLVMSetTarget(p->mod, triple);
  LLVMDisposeMessage(triple);
  LLVMTargetDataRef dl = LLVMCreateTargetDataLayout(p->tm);
  LLVMSetModuleDataLayout(p->mod, dl);
  LLVMDisposeTargetData(dl);
  p->b = LLVMCreateBuilderInContext(p->ctx);
  return p;
}

void be_cpu_program_destroy(be_cpu_program *p) {
  if (!p)
    return;
  LLVMDisposeBuilder(p->b);
  if (p->mod) /* not handed over to the JIT */
    LLVMDisposeModule(p->mod);
  LLVMOrcDisposeThreadSafeContext(p->tsc); /* a JIT holding the module keeps its own reference */
  LLVMDisposeTargetMachine(p->tm);
  free(p);
}

bool be_cpu_optimize(be_cpu_program *p, char *err, size_t errlen) {
  if (!p->mod || p->optimized)
    return be_cpu_fail(err, errlen, "be_cpu_optimize: program already optimised or handed over");
  char *msg = NULL;
  if (LLVMVerifyModule(p->mod, LLVMReturnStatusAction, &msg))
    return fail_llvm(err, errlen, "internal error: generated code does not verify", msg);
  LLVMDisposeMessage(msg);
  LLVMPassBuilderOptionsRef o = LLVMCreatePassBuilderOptions();
  LLVMPassBuilderOptionsSetLoopVectorization(o, 1);
  LLVMPassBuilderOptionsSetSLPVectorization(o, 1);
  LLVMPassBuilderOptionsSetLoopInterleaving(o, 0);
  LLVMPassBuilderOptionsSetLoopUnrolling(o, 1);
  LLVMErrorRef e = LLVMRunPasses(p->mod, "default<O3>", p->tm, o);
  LLVMDisposePassBuilderOptions(o);
  if (e)
    return fail_llvm(err, errlen, "LLVM optimisation failed", LLVMGetErrorMessage(e));
  p->optimized = true;
  return true;
}

char *be_cpu_print_ir(be_cpu_program *p) {
  if (!p->mod)
    return NULL;
  char *s = LLVMPrintModuleToString(p->mod);
  char *out = s ? strdup(s) : NULL;
  LLVMDisposeMessage(s);
  return out;
}

bool be_cpu_emit_object(be_cpu_program *p, void **obj, size_t *len, char *err, size_t errlen) {
  *obj = NULL;
  *len = 0;
  if (!p->mod)
    return be_cpu_fail(err, errlen, "be_cpu_emit_object: the program was handed over to a JIT");
  LLVMMemoryBufferRef buf = NULL;
  char *msg = NULL;
  if (LLVMTargetMachineEmitToMemoryBuffer(p->tm, p->mod, LLVMObjectFile, &msg, &buf))
    return fail_llvm(err, errlen, "LLVM code generation failed", msg);
  size_t n = LLVMGetBufferSize(buf);
  void *copy = malloc(n ? n : 1);
  if (!copy) {
    LLVMDisposeMemoryBuffer(buf);
    return be_cpu_fail(err, errlen, "out of memory");
  }
  memcpy(copy, LLVMGetBufferStart(buf), n);
  LLVMDisposeMemoryBuffer(buf);
  *obj = copy;
  *len = n;
  return true;
}
