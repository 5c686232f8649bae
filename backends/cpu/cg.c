/* cg.c — IR-building helpers shared by the generators: the wrapper/body split of every function. */
#include <stdio.h>
#include <string.h>

#include <llvm-c/DebugInfo.h>

#include "cg.h"

static void add_fn_attr(LLVMContextRef c, LLVMValueRef fn, unsigned idx, const char *name) {
  unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
  LLVMAddAttributeAtIndex(fn, idx, LLVMCreateEnumAttribute(c, kind, 0));
}

LLVMValueRef be_cpu_cg_split(be_cpu_program *p, const char *name, LLVMTypeRef *params, unsigned nparams,
                             LLVMValueRef *wrapper) {
  cg_types T = be_cpu_cg_types(p->ctx);
  LLVMTypeRef wargs[2] = {T.pp8, T.p64};
  LLVMValueRef w = LLVMAddFunction(p->mod, name, LLVMFunctionType(T.v, wargs, 2, 0));
  add_fn_attr(p->ctx, w, LLVMAttributeFunctionIndex, "nounwind");
  char bname[256];
  snprintf(bname, sizeof bname, "%s.body", name);
  LLVMValueRef body = LLVMAddFunction(p->mod, bname, LLVMFunctionType(T.v, params, nparams, 0));
  LLVMSetLinkage(body, LLVMInternalLinkage);
  add_fn_attr(p->ctx, body, LLVMAttributeFunctionIndex, "nounwind");
  add_fn_attr(p->ctx, body, LLVMAttributeFunctionIndex, "alwaysinline");
  for (unsigned k = 0; k < nparams; k++)
    if (LLVMGetTypeKind(params[k]) == LLVMPointerTypeKind)
      add_fn_attr(p->ctx, body, k + 1, "noalias");
  *wrapper = w;
  return body;
}

void be_cpu_cg_fill_wrapper(be_cpu_program *p, LLVMValueRef wrapper, LLVMValueRef body, LLVMTypeRef *params,
                            const int *slot, const bool *is_int, unsigned nparams) {
  cg_types T = be_cpu_cg_types(p->ctx);
  LLVMBuilderRef b = p->b;
  LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(p->ctx, wrapper, "entry"));
  LLVMValueRef ptrs = LLVMGetParam(wrapper, 0), ints = LLVMGetParam(wrapper, 1);
  LLVMValueRef args[32];
  for (unsigned k = 0; k < nparams && k < 32; k++) {
    LLVMValueRef i = cg_i64(&T, slot[k]);
    if (is_int[k])
      args[k] = LLVMBuildLoad2(b, T.i64, cg_gep(b, T.i64, ints, i), "");
    else
      args[k] = LLVMBuildBitCast(b, LLVMBuildLoad2(b, T.p8, cg_gep(b, T.p8, ptrs, i), ""), params[k], "");
  }
  LLVMBuildCall2(b, LLVMGlobalGetValueType(body), body, args, nparams, "");
  LLVMBuildRetVoid(b);
}

/* Marks the loop whose latch is `br` "llvm.loop.unroll.disable": unrolling an outer loop, or a vector loop
 * (already 16 neurons a step), mostly multiplies code size and compile time; with no_vectorize also
 * "llvm.loop.vectorize.enable" false (a remainder loop of fewer than 16 neurons). */
void be_cpu_cg_no_unroll(be_cpu_program *p, LLVMValueRef br, bool no_vectorize) {
  LLVMMetadataRef str = LLVMMDStringInContext2(p->ctx, "llvm.loop.unroll.disable", 24);
  LLVMMetadataRef vstr[2] = {LLVMMDStringInContext2(p->ctx, "llvm.loop.vectorize.enable", 26),
                             LLVMValueAsMetadata(LLVMConstInt(LLVMInt1TypeInContext(p->ctx), 0, 0))};
  LLVMMetadataRef self = LLVMTemporaryMDNode(p->ctx, NULL, 0);
  LLVMMetadataRef ops[3] = {self, LLVMMDNodeInContext2(p->ctx, &str, 1), LLVMMDNodeInContext2(p->ctx, vstr, 2)};
  LLVMMetadataRef id = LLVMMDNodeInContext2(p->ctx, ops, no_vectorize ? 3 : 2);
  LLVMMetadataReplaceAllUsesWith(self, id); /* a loop ID refers to itself; disposes the temporary */
  LLVMSetMetadata(br, LLVMGetMDKindIDInContext(p->ctx, "llvm.loop", 9), LLVMMetadataAsValue(p->ctx, id));
}
