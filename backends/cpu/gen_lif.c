/* gen_lif.c — generates the fused event delivery + lif update of one population (docs/numerics.md, "lif").
 *
 * One loop over the neurons [lo, hi), branch-free (every conditional is a select) so LLVM's loop
 * vectoriser turns it into SIMD code. Per neuron: the ring slots of the incoming projections are summed
 * (and cleared) into the synaptic input, u and v are updated in exactly the interp's order of operations,
 * the spike flag is written as a byte (0 or 1) for a separate compaction pass.
 */
#include "cg.h"

#define MAX_IN 16 /* incoming projections a generated update can take */

#define FINE_MAX ((INT64_C(1) << 23) - 1)

typedef struct lif_ctx {
  be_cpu_program *p;
  LLVMBuilderRef b;
  cg_types T;
  const be_cpu_lif *s;
  LLVMValueRef fn, i;                  /* body function, loop index (i64) */
  LLVMValueRef uni[BE_CPU_LIF_NPARAM]; /* uniform parameters, loaded once in the entry block */
  LLVMValueRef shift[MAX_IN];          /* fixed: 6 + weight exponent per input, loaded in the entry block */
  bool forced;                         /* the loop being emitted reads the forced flags */
} lif_ctx;

/* Element 0 of parameter array k as i64 (int32 array) or float: emitted in the entry block, before the
 * loop, so the vectoriser sees a loop-invariant scalar and broadcasts it. */
static LLVMValueRef load_uniform(lif_ctx *c, int k, bool fl) {
  LLVMBuilderRef b = c->b;
  LLVMTypeRef et = fl ? c->T.f32 : c->T.i32;
  LLVMValueRef x = LLVMBuildLoad2(b, et, LLVMGetParam(c->fn, 5 + k), "");
  return fl ? x : LLVMBuildSExt(b, x, c->T.i64, "");
}

/* Parameter k of neuron i: the uniform value or a load from its array (body parameter 5 + k). */
static LLVMValueRef param(lif_ctx *c, int k, bool as_float) {
  LLVMBuilderRef b = c->b;
  bool fl = as_float && k != BE_CPU_LIF_P_NREF;
  if (c->s->uniform[k])
    return c->uni[k];
  LLVMValueRef arr = LLVMGetParam(c->fn, 5 + k);
  LLVMTypeRef et = fl ? c->T.f32 : c->T.i32;
  LLVMValueRef x = LLVMBuildLoad2(b, et, cg_gep(b, et, arr, c->i), "");
  return fl ? x : LLVMBuildSExt(b, x, c->T.i64, "");
}

/* decay(x, k) = sign(x) * ((|x| * k) >> 12), k = 4096 - off - d (i64). */
static LLVMValueRef decay(lif_ctx *c, LLVMValueRef x, LLVMValueRef k) {
  LLVMBuilderRef b = c->b;
  LLVMValueRef zero = cg_i64(&c->T, 0);
  LLVMValueRef neg = LLVMBuildICmp(b, LLVMIntSLT, x, zero, "");
  LLVMValueRef ax = LLVMBuildSelect(b, neg, LLVMBuildNeg(b, x, ""), x, "");
  LLVMValueRef m = LLVMBuildAShr(b, LLVMBuildMul(b, ax, k, ""), cg_i64(&c->T, 12), "");
  return LLVMBuildSelect(b, neg, LLVMBuildNeg(b, m, ""), m, "");
}

static LLVMValueRef sat24(lif_ctx *c, LLVMValueRef x) {
  LLVMBuilderRef b = c->b;
  LLVMValueRef hi = cg_i64(&c->T, FINE_MAX), lo = cg_i64(&c->T, -FINE_MAX);
  x = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntSGT, x, hi, ""), hi, x, "");
  return LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntSLT, x, lo, ""), lo, x, "");
}

/* The synaptic input of neuron i: the sum of the incoming ring slots, each cleared after reading. */
static LLVMValueRef synaptic_input(lif_ctx *c) {
  LLVMBuilderRef b = c->b;
  bool fx = c->s->fixed;
  LLVMTypeRef et = fx ? c->T.i32 : c->T.f32; /* fixed: int32 cells (be_cpu.h) */
  LLVMValueRef zero = fx ? LLVMConstInt(c->T.i32, 0, 0) : LLVMConstReal(c->T.f32, 0.0);
  LLVMValueRef syn = fx ? cg_i64(&c->T, 0) : zero;
  for (uint32_t k = 0; k < c->s->nin; k++) {
    LLVMValueRef cell = cg_gep(b, et, LLVMGetParam(c->fn, 14 + k), c->i);
    LLVMValueRef r = LLVMBuildLoad2(b, et, cell, "");
    LLVMBuildStore(b, zero, cell);
    if (fx) /* mantissa sum << (6 + e) in 64 bits: exact, as the interp's multiply by 2^(6+e) */
      syn = LLVMBuildAdd(b, syn, LLVMBuildShl(b, LLVMBuildSExt(b, r, c->T.i64, ""), c->shift[k], ""), "");
    else /* 0.0f + r0 + r1 ...: the interp's zeroed syn_f plus each projection in model order */
      syn = LLVMBuildFAdd(b, syn, r, "");
  }
  return syn;
}

/* The refractory counter of neuron i: int16 (be_cpu.h), two bytes less to store per neuron than the
 * interp's int32 in a loop bound by its stores. */
static LLVMValueRef refractory(lif_ctx *c) {
  return LLVMBuildLoad2(c->b, c->T.i16, cg_gep(c->b, c->T.i16, LLVMGetParam(c->fn, 4), c->i), "");
}

/* Loads forced[i] != 0; writes the spike flag, v and the refractory counter. */
static void tail(lif_ctx *c, LLVMValueRef inref, LLVMValueRef vfire, LLVMValueRef r, LLVMValueRef vn,
                 LLVMValueRef vzero, LLVMTypeRef vt) {
  LLVMBuilderRef b = c->b;
  cg_types *T = &c->T;
  LLVMValueRef fire = vfire;
  if (c->forced) {
    LLVMValueRef fb = LLVMBuildLoad2(b, T->i8, cg_gep(b, T->i8, LLVMGetParam(c->fn, 11), c->i), "");
    fire = LLVMBuildOr(b, vfire, LLVMBuildICmp(b, LLVMIntNE, fb, LLVMConstInt(T->i8, 0, 0), ""), "fire");
  }
  LLVMValueRef vout = LLVMBuildSelect(b, LLVMBuildOr(b, inref, fire, ""), vzero, vn, "");
  LLVMValueRef nref = LLVMBuildTrunc(b, param(c, BE_CPU_LIF_P_NREF, false), T->i16, "");
  LLVMValueRef rdec = LLVMBuildSub(b, r, LLVMBuildZExt(b, inref, T->i16, ""), "");
  LLVMValueRef rout = LLVMBuildSelect(b, fire, nref, rdec, "");
  LLVMBuildStore(b, LLVMBuildZExt(b, fire, T->i8, ""), cg_gep(b, T->i8, LLVMGetParam(c->fn, 12), c->i));
  LLVMBuildStore(b, c->s->fixed ? LLVMBuildTrunc(b, vout, T->i32, "") : vout,
                 cg_gep(b, vt, LLVMGetParam(c->fn, 2), c->i));
  LLVMBuildStore(b, rout, cg_gep(b, T->i16, LLVMGetParam(c->fn, 4), c->i));
}

static void body_fixed(lif_ctx *c) {
  LLVMBuilderRef b = c->b;
  cg_types *T = &c->T;
  LLVMValueRef pu = cg_gep(b, T->i32, LLVMGetParam(c->fn, 3), c->i);
  LLVMValueRef pv = cg_gep(b, T->i32, LLVMGetParam(c->fn, 2), c->i);
  LLVMValueRef u0 = LLVMBuildSExt(b, LLVMBuildLoad2(b, T->i32, pu, ""), T->i64, "");
  LLVMValueRef ku = LLVMBuildSub(b, cg_i64(T, 4095), param(c, BE_CPU_LIF_P_DECAY_U, false), "");
  LLVMValueRef u = sat24(c, LLVMBuildAdd(b, decay(c, u0, ku), synaptic_input(c), ""));
  LLVMBuildStore(b, LLVMBuildTrunc(b, u, T->i32, ""), pu);
  LLVMValueRef r = refractory(c);
  LLVMValueRef inref = LLVMBuildICmp(b, LLVMIntSGT, r, LLVMConstInt(T->i16, 0, 0), "");
  LLVMValueRef v0 = LLVMBuildSExt(b, LLVMBuildLoad2(b, T->i32, pv, ""), T->i64, "");
  LLVMValueRef kv = LLVMBuildSub(b, cg_i64(T, 4096), param(c, BE_CPU_LIF_P_DECAY_V, false), "");
  LLVMValueRef v = LLVMBuildAdd(b, decay(c, v0, kv), u, "");
  v = LLVMBuildAdd(b, v, param(c, BE_CPU_LIF_P_BIAS, false), "");
  if (c->s->has_inj)
    v = LLVMBuildAdd(b, v, LLVMBuildLoad2(b, T->i64, cg_gep(b, T->i64, LLVMGetParam(c->fn, 10), c->i), ""), "");
  v = sat24(c, v);
  LLVMValueRef above = LLVMBuildICmp(b, LLVMIntSGT, v, param(c, BE_CPU_LIF_P_VTH, false), "");
  LLVMValueRef vfire = LLVMBuildAnd(b, above, LLVMBuildNot(b, inref, ""), "");
  tail(c, inref, vfire, r, v, cg_i64(T, 0), T->i32);
}

static void body_float(lif_ctx *c) {
  LLVMBuilderRef b = c->b;
  cg_types *T = &c->T;
  LLVMValueRef pu = cg_gep(b, T->f32, LLVMGetParam(c->fn, 3), c->i);
  LLVMValueRef pv = cg_gep(b, T->f32, LLVMGetParam(c->fn, 2), c->i);
  LLVMValueRef u0 = LLVMBuildLoad2(b, T->f32, pu, "");
  LLVMValueRef syn = synaptic_input(c);
  LLVMValueRef u = LLVMBuildFAdd(b, LLVMBuildFMul(b, u0, param(c, BE_CPU_LIF_P_DECAY_U, true), ""), syn, "");
  LLVMBuildStore(b, u, pu);
  LLVMValueRef r = refractory(c);
  LLVMValueRef inref = LLVMBuildICmp(b, LLVMIntSGT, r, LLVMConstInt(T->i16, 0, 0), "");
  LLVMValueRef v0 = LLVMBuildLoad2(b, T->f32, pv, "");
  LLVMValueRef v = LLVMBuildFAdd(b, LLVMBuildFMul(b, v0, param(c, BE_CPU_LIF_P_DECAY_V, true), ""), u, "");
  v = LLVMBuildFAdd(b, v, param(c, BE_CPU_LIF_P_BIAS, true), "");
  LLVMValueRef inj = c->s->has_inj
                         ? LLVMBuildLoad2(b, T->f32, cg_gep(b, T->f32, LLVMGetParam(c->fn, 10), c->i), "")
                         : LLVMConstReal(T->f32, 0.0); /* the interp adds its zeroed inj_f: x + 0.0f */
  v = LLVMBuildFAdd(b, v, inj, "");
  LLVMValueRef above = LLVMBuildFCmp(b, LLVMRealOGT, v, param(c, BE_CPU_LIF_P_VTH, true), "");
  LLVMValueRef vfire = LLVMBuildAnd(b, above, LLVMBuildNot(b, inref, ""), "");
  tail(c, inref, vfire, r, v, LLVMConstReal(T->f32, 0.0), T->f32);
}

/* One loop over [lo, hi) from block `from` to `exit`, with or without the forced flags (c->forced). */
static void emit_loop(lif_ctx *c, LLVMBasicBlockRef from, LLVMBasicBlockRef loop, LLVMBasicBlockRef exit) {
  LLVMBuilderRef b = c->b;
  LLVMPositionBuilderAtEnd(b, loop);
  c->i = LLVMBuildPhi(b, c->T.i64, "i");
  if (c->s->fixed)
    body_fixed(c);
  else
    body_float(c);
  LLVMValueRef next = LLVMBuildAdd(b, c->i, cg_i64(&c->T, 1), "");
  LLVMBasicBlockRef blocks[2] = {from, LLVMGetInsertBlock(b)};
  LLVMValueRef vals[2] = {LLVMGetParam(c->fn, 0), next};
  LLVMAddIncoming(c->i, vals, blocks, 2);
  be_cpu_cg_no_unroll(c->p, LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLT, next, LLVMGetParam(c->fn, 1), ""),
                                            loop, exit));
}

bool be_cpu_add_lif(be_cpu_program *p, const be_cpu_lif *s, char *err, size_t errlen) {
  if (!p->mod || p->optimized)
    return be_cpu_fail(err, errlen, "be_cpu_add_lif: the program is already optimised");
  if (s->nin > MAX_IN)
    return be_cpu_fail(err, errlen, "be_cpu_add_lif: more than 16 incoming projections");
  lif_ctx c = {.p = p, .b = p->b, .T = be_cpu_cg_types(p->ctx), .s = s};
  cg_types *T = &c.T;
  LLVMTypeRef st = s->fixed ? T->p32 : T->pf, it = s->fixed ? T->p64 : T->pf;
  /* lo, hi, v, u, ref, 5 parameter arrays, inj, forced, spk, shift, rings, whether any neuron is forced */
  LLVMTypeRef params[15 + MAX_IN] = {T->i64, T->i64, st, st, T->p16, st, st, st, st, T->p32, it, T->p8, T->p8, T->p64};
  int slot[15 + MAX_IN] = {BE_CPU_LIF_LO, BE_CPU_LIF_HI, BE_CPU_LIF_V, BE_CPU_LIF_U, BE_CPU_LIF_REF};
  bool is_int[15 + MAX_IN] = {true, true};
  if (s->fixed)
    for (int k = 0; k < BE_CPU_LIF_NPARAM; k++)
      params[5 + k] = T->p32;
  for (int k = 0; k < BE_CPU_LIF_NPARAM; k++)
    slot[5 + k] = BE_CPU_LIF_PARAM0 + k;
  slot[10] = BE_CPU_LIF_INJ;
  slot[11] = BE_CPU_LIF_FORCED;
  slot[12] = BE_CPU_LIF_SPK;
  slot[13] = BE_CPU_LIF_SHIFT;
  for (uint32_t k = 0; k < s->nin; k++) {
    params[14 + k] = s->fixed ? T->p32 : T->pf;
    slot[14 + k] = BE_CPU_LIF_RING0 + (int)k;
  }
  params[14 + s->nin] = T->i64;
  slot[14 + s->nin] = BE_CPU_LIF_ANY_FORCED;
  is_int[14 + s->nin] = true;
  unsigned np = 15 + s->nin;
  LLVMValueRef wrapper;
  c.fn = be_cpu_cg_split(p, s->name, params, np, &wrapper);
  LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(p->ctx, c.fn, "entry");
  LLVMBasicBlockRef pre = LLVMAppendBasicBlockInContext(p->ctx, c.fn, "preheader");
  LLVMBasicBlockRef loop = LLVMAppendBasicBlockInContext(p->ctx, c.fn, "loop");
  LLVMBasicBlockRef loop_forced = LLVMAppendBasicBlockInContext(p->ctx, c.fn, "loop.forced");
  LLVMBasicBlockRef exit = LLVMAppendBasicBlockInContext(p->ctx, c.fn, "exit");
  LLVMBuilderRef b = p->b;
  LLVMValueRef lo = LLVMGetParam(c.fn, 0), hi = LLVMGetParam(c.fn, 1);
  LLVMPositionBuilderAtEnd(b, entry);
  LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLT, lo, hi, ""), pre, exit);
  LLVMPositionBuilderAtEnd(b, pre); /* only with neurons to update: a uniform array has element 0 */
  for (int k = 0; k < BE_CPU_LIF_NPARAM; k++)
    if (s->uniform[k])
      c.uni[k] = load_uniform(&c, k, !s->fixed && k != BE_CPU_LIF_P_NREF);
  for (uint32_t k = 0; s->fixed && k < s->nin; k++)
    c.shift[k] = LLVMBuildLoad2(b, T->i64, cg_gep(b, T->i64, LLVMGetParam(c.fn, 13), cg_i64(T, k)), "");
  /* Two copies of the loop: the forced flags are read only when some neuron may be forced in this step
   * (rarely: rt_sim_inject, a restore), one load less per neuron in a loop bound by its memory traffic. */
  LLVMValueRef any = LLVMBuildICmp(b, LLVMIntNE, LLVMGetParam(c.fn, 14 + s->nin), cg_i64(T, 0), "");
  LLVMBuildCondBr(b, any, loop_forced, loop);
  emit_loop(&c, pre, loop, exit);
  c.forced = true;
  emit_loop(&c, pre, loop_forced, exit);
  LLVMPositionBuilderAtEnd(b, exit);
  LLVMBuildRetVoid(b);
  be_cpu_cg_fill_wrapper(p, wrapper, c.fn, params, slot, is_int, np);
  return true;
}
