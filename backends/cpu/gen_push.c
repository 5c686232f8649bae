/* gen_push.c — generates the spike push of one projection: every synapse of every spiking presynaptic
 * row adds its weight to the delay-ring cell of its post and arrival step (docs/numerics.md, "Event
 * delivery"), with a software prefetch of the next spiking row.
 *
 * Cells are updated in the interp's order (spikes ascending, row order), so float sums are identical.
 * With several threads each thread owns a block of posts and walks its own part of every row
 * (ptrs[RP] gives per-thread row ranges), so the order of additions into any one cell never changes.
 */
#include "cg.h"

#define PREFETCH_LINES 4 /* cache lines of the next row's columns to prefetch (64 synapses) */

typedef struct push_ctx {
  be_cpu_program *p;
  LLVMBuilderRef b;
  cg_types T;
  const be_cpu_push *s;
  LLVMValueRef fn, prefetch;
  LLVMTypeRef prefetch_ty;
} push_ctx;

enum { A_NSPK, A_STRIDE, A_TID, A_BASE, A_NPOST, A_NRING, A_IDX, A_RP, A_COL, A_DELAY, A_W, A_RING, A_N };

static void prefetch(push_ctx *c, LLVMTypeRef et, LLVMValueRef base, LLVMValueRef i) {
  LLVMBuilderRef b = c->b;
  LLVMValueRef addr = LLVMBuildBitCast(b, LLVMBuildGEP2(b, et, base, &i, 1, ""), c->T.p8, "");
  LLVMValueRef args[4] = {addr, LLVMConstInt(c->T.i32, 0, 0), LLVMConstInt(c->T.i32, 3, 0),
                          LLVMConstInt(c->T.i32, 1, 0)};
  LLVMBuildCall2(b, c->prefetch_ty, c->prefetch, args, 4, "");
}

/* rp[i * stride + tid + off] */
static LLVMValueRef row_bound(push_ctx *c, LLVMValueRef i, int off) {
  LLVMBuilderRef b = c->b;
  LLVMValueRef k = LLVMBuildAdd(b, LLVMBuildMul(b, i, LLVMGetParam(c->fn, A_STRIDE), ""),
                                LLVMGetParam(c->fn, A_TID), "");
  if (off)
    k = LLVMBuildAdd(b, k, cg_i64(&c->T, off), "");
  return LLVMBuildLoad2(b, c->T.i64, cg_gep(b, c->T.i64, LLVMGetParam(c->fn, A_RP), k), "");
}

static LLVMValueRef spike_row(push_ctx *c, LLVMValueRef q) {
  LLVMBuilderRef b = c->b;
  LLVMValueRef i = LLVMBuildLoad2(b, c->T.i32, cg_gep(b, c->T.i32, LLVMGetParam(c->fn, A_IDX), q), "");
  return LLVMBuildZExt(b, i, c->T.i64, "");
}

/* The synapse s: ring[slot * npost + col[s]] += w[s]. A uniform delay or weight is element 0 of its array,
 * loaded in the loop body at a constant index: loop-invariant, so LLVM hoists it and the slot computation
 * out of the synapse loop (the arrays are noalias, the ring stores cannot change them). */
static void scatter(push_ctx *c, LLVMValueRef s) {
  LLVMBuilderRef b = c->b;
  cg_types *T = &c->T;
  const be_cpu_push *sp = c->s;
  LLVMTypeRef ct = sp->col16 ? T->i16 : T->i32;
  LLVMValueRef col = LLVMBuildZExt(b, LLVMBuildLoad2(b, ct, cg_gep(b, ct, LLVMGetParam(c->fn, A_COL), s), ""), T->i64, "");
  LLVMValueRef ds = sp->delay_uniform ? cg_i64(T, 0) : s, ws = sp->w_uniform ? cg_i64(T, 0) : s;
  LLVMValueRef d = LLVMBuildLoad2(b, T->i16, cg_gep(b, T->i16, LLVMGetParam(c->fn, A_DELAY), ds), "");
  LLVMValueRef x = LLVMBuildAdd(b, LLVMGetParam(c->fn, A_BASE), LLVMBuildZExt(b, d, T->i64, ""), "");
  LLVMValueRef r = LLVMGetParam(c->fn, A_NRING); /* base < nring and delay < nring: one wrap suffices */
  LLVMValueRef slot = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntUGE, x, r, ""), LLVMBuildSub(b, x, r, ""), x, "");
  LLVMValueRef cell = LLVMBuildAdd(b, LLVMBuildMul(b, slot, LLVMGetParam(c->fn, A_NPOST), ""), col, "");
  LLVMTypeRef et = sp->fixed ? T->i32 : T->f32;
  LLVMValueRef w;
  if (sp->fixed) /* mantissa = asr(w16, 8), added to an int32 cell (be_cpu.h: the engine bounds the sums) */
    w = LLVMBuildAShr(b, LLVMBuildLoad2(b, T->i32, cg_gep(b, T->i32, LLVMGetParam(c->fn, A_W), ws), ""),
                      LLVMConstInt(T->i32, 8, 0), "");
  else
    w = LLVMBuildLoad2(b, T->f32, cg_gep(b, T->f32, LLVMGetParam(c->fn, A_W), ws), "");
  LLVMValueRef pc = cg_gep(b, et, LLVMGetParam(c->fn, A_RING), cell);
  LLVMValueRef old = LLVMBuildLoad2(b, et, pc, "");
  LLVMBuildStore(b, sp->fixed ? LLVMBuildAdd(b, old, w, "") : LLVMBuildFAdd(b, old, w, ""), pc);
}

static void prefetch_next(push_ctx *c, LLVMValueRef q, LLVMBasicBlockRef cont) {
  LLVMBuilderRef b = c->b;
  cg_types *T = &c->T;
  LLVMBasicBlockRef pf = LLVMAppendBasicBlockInContext(c->p->ctx, c->fn, "prefetch");
  LLVMValueRef q1 = LLVMBuildAdd(b, q, cg_i64(T, 1), "");
  LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLT, q1, LLVMGetParam(c->fn, A_NSPK), ""), pf, cont);
  LLVMPositionBuilderAtEnd(b, pf);
  LLVMValueRef a2 = row_bound(c, spike_row(c, q1), 0);
  if (c->s->col16) /* 64 columns: 128 bytes, which an unaligned row start spreads over 3 lines */
    for (int k = 0; k < 3; k++)
      prefetch(c, T->i16, LLVMGetParam(c->fn, A_COL), LLVMBuildAdd(b, a2, cg_i64(T, 32 * k), ""));
  else
    for (int k = 0; k < PREFETCH_LINES; k++)
      prefetch(c, T->i32, LLVMGetParam(c->fn, A_COL), LLVMBuildAdd(b, a2, cg_i64(T, 16 * k), ""));
  if (!c->s->w_uniform)
    for (int k = 0; k < PREFETCH_LINES; k++)
      prefetch(c, T->i32, LLVMGetParam(c->fn, A_W), LLVMBuildAdd(b, a2, cg_i64(T, 16 * k), ""));
  if (!c->s->delay_uniform)
    prefetch(c, T->i16, LLVMGetParam(c->fn, A_DELAY), a2);
  LLVMBuildBr(b, cont);
}

bool be_cpu_add_push(be_cpu_program *p, const be_cpu_push *s, char *err, size_t errlen) {
  if (!p->mod || p->optimized)
    return be_cpu_fail(err, errlen, "be_cpu_add_push: the program is already optimised");
  push_ctx c = {.p = p, .b = p->b, .T = be_cpu_cg_types(p->ctx), .s = s};
  cg_types *T = &c.T;
  LLVMTypeRef pfa[4] = {T->p8, T->i32, T->i32, T->i32};
  c.prefetch_ty = LLVMFunctionType(T->v, pfa, 4, 0);
  c.prefetch = LLVMGetNamedFunction(p->mod, "llvm.prefetch.p0i8");
  if (!c.prefetch)
    c.prefetch = LLVMAddFunction(p->mod, "llvm.prefetch.p0i8", c.prefetch_ty);
  LLVMTypeRef params[A_N] = {T->i64, T->i64, T->i64, T->i64, T->i64, T->i64, T->p32, T->p64, s->col16 ? T->p16 : T->p32, T->p16,
                             s->fixed ? T->p32 : T->pf, s->fixed ? T->p32 : T->pf};
  const int slot[A_N] = {BE_CPU_PUSH_NSPK,  BE_CPU_PUSH_STRIDE, BE_CPU_PUSH_TID, BE_CPU_PUSH_BASE,
                         BE_CPU_PUSH_NPOST, BE_CPU_PUSH_NRING,  BE_CPU_PUSH_IDX, BE_CPU_PUSH_RP,
                         BE_CPU_PUSH_COL,   BE_CPU_PUSH_DELAY,  BE_CPU_PUSH_W,   BE_CPU_PUSH_RING};
  const bool is_int[A_N] = {true, true, true, true, true, true};
  LLVMValueRef wrapper;
  c.fn = be_cpu_cg_split(p, s->name, params, A_N, &wrapper);
  LLVMBuilderRef b = p->b;
  LLVMContextRef ctx = p->ctx;
  LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(ctx, c.fn, "entry");
  LLVMBasicBlockRef outer = LLVMAppendBasicBlockInContext(ctx, c.fn, "spike");
  LLVMBasicBlockRef row = LLVMAppendBasicBlockInContext(ctx, c.fn, "row");
  LLVMBasicBlockRef inner = LLVMAppendBasicBlockInContext(ctx, c.fn, "synapse");
  LLVMBasicBlockRef latch = LLVMAppendBasicBlockInContext(ctx, c.fn, "next_spike");
  LLVMBasicBlockRef exit = LLVMAppendBasicBlockInContext(ctx, c.fn, "exit");
  LLVMPositionBuilderAtEnd(b, entry);
  LLVMValueRef zero = cg_i64(T, 0), one = cg_i64(T, 1);
  LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSGT, LLVMGetParam(c.fn, A_NSPK), zero, ""), outer, exit);

  LLVMPositionBuilderAtEnd(b, outer);
  LLVMValueRef q = LLVMBuildPhi(b, T->i64, "q");
  LLVMValueRef i = spike_row(&c, q);
  LLVMValueRef a = row_bound(&c, i, 0), e = row_bound(&c, i, 1);
  prefetch_next(&c, q, row);

  LLVMPositionBuilderAtEnd(b, row);
  LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntULT, a, e, ""), inner, latch);
  LLVMPositionBuilderAtEnd(b, inner);
  LLVMValueRef sy = LLVMBuildPhi(b, T->i64, "s");
  scatter(&c, sy);
  LLVMValueRef s1 = LLVMBuildAdd(b, sy, one, "");
  LLVMBasicBlockRef from_inner[2] = {row, LLVMGetInsertBlock(b)};
  LLVMValueRef vals_inner[2] = {a, s1};
  LLVMAddIncoming(sy, vals_inner, from_inner, 2);
  LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntULT, s1, e, ""), inner, latch);

  LLVMPositionBuilderAtEnd(b, latch);
  LLVMValueRef q1 = LLVMBuildAdd(b, q, one, "");
  LLVMBasicBlockRef from_outer[2] = {entry, latch};
  LLVMValueRef vals_outer[2] = {zero, q1};
  LLVMAddIncoming(q, vals_outer, from_outer, 2);
  be_cpu_cg_no_unroll(p, LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLT, q1, LLVMGetParam(c.fn, A_NSPK), ""), outer, exit),
                      false);
  LLVMPositionBuilderAtEnd(b, exit);
  LLVMBuildRetVoid(b);
  be_cpu_cg_fill_wrapper(p, wrapper, c.fn, params, slot, is_int, A_N);
  return true;
}
