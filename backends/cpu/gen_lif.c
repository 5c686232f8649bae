/* gen_lif.c — generates the fused event delivery + lif update of one population (docs/numerics.md, "lif").
 *
 * The loop over the neurons [lo, hi) is emitted in vector form directly (16 neurons per iteration as
 * <16 x float> or <16 x i64> operations, every conditional a select), not left to LLVM's loop vectoriser:
 * that way the spike flags leave the loop as the comparison's lane mask, one 16-bit store of 16 spike
 * bits, instead of 16 bytes for a separate compaction to scan. Per neuron: the ring slots of the incoming
 * projections are summed (and cleared) into the synaptic input, u and v are updated in exactly the
 * interp's order of operations (each lane's operations are the scalar ones: the results are the same).
 * The refractory state is the last step of each neuron's refractory period, read and compared with the
 * current step, never written here (be_cpu.h): stores weigh most in this loop (docs/jit.md, Refractory
 * period), and the interp's countdown would cost one per neuron and step where the engine's compaction
 * writes one per spike.
 * The last (hi - lo) % 16 neurons take a scalar loop that collects their bits in one 16-bit word.
 */
#include "cg.h"

#define MAX_IN 16 /* incoming projections a generated update can take */

#define FINE_MAX ((INT64_C(1) << 23) - 1)

#define W 16 /* neurons per iteration of the vector loop: one <16 x float> (a zmm register), 16 spike bits */

typedef struct lif_ctx {
  be_cpu_program *p;
  LLVMBuilderRef b;
  cg_types T;
  const be_cpu_lif *s;
  LLVMValueRef fn, i;                     /* body function, index of the first neuron of the iteration (i64) */
  unsigned w;                             /* lanes of the loop being emitted: W, or 1 in the tail */
  LLVMValueRef uni[BE_CPU_LIF_NPARAM][2]; /* uniform parameters, loaded once: [0] scalar, [1] over W lanes */
  LLVMValueRef now[2];                    /* ints[NOW] as i32, likewise */
  LLVMValueRef shift[MAX_IN][2];          /* fixed: 6 + weight exponent per input, likewise */
  bool forced;                            /* the loop being emitted reads the forced flags */
} lif_ctx;

/* t, or a vector of c->w lanes of t. */
static LLVMTypeRef ty(const lif_ctx *c, LLVMTypeRef t) { return c->w > 1 ? LLVMVectorType(t, c->w) : t; }

/* A constant in every lane. */
static LLVMValueRef cst(const lif_ctx *c, LLVMValueRef x) {
  if (c->w == 1)
    return x;
  LLVMValueRef v[W];
  for (unsigned k = 0; k < c->w; k++)
    v[k] = x;
  return LLVMConstVector(v, c->w);
}

static LLVMValueRef i64c(const lif_ctx *c, int64_t v) {
  return cst(c, LLVMConstInt(c->T.i64, (unsigned long long)v, 1));
}

/* A run-time scalar in all W lanes (emitted where the builder is: the preheader). */
static LLVMValueRef splat(lif_ctx *c, LLVMValueRef x) {
  LLVMBuilderRef b = c->b;
  LLVMTypeRef vt = LLVMVectorType(LLVMTypeOf(x), W);
  LLVMValueRef one = LLVMBuildInsertElement(b, LLVMGetUndef(vt), x, LLVMConstInt(c->T.i32, 0, 0), "");
  return LLVMBuildShuffleVector(b, one, LLVMGetUndef(vt), LLVMConstNull(LLVMVectorType(c->T.i32, W)), "");
}

/* Elements [i, i + w) of array body parameter `arg` of element type t (size bytes): one unaligned vector
 * load (x86 vector loads need no alignment beyond the element's). */
static LLVMValueRef load_at(lif_ctx *c, LLVMTypeRef t, unsigned size, int arg) {
  LLVMBuilderRef b = c->b;
  LLVMValueRef ptr = cg_gep(b, t, LLVMGetParam(c->fn, (unsigned)arg), c->i);
  if (c->w > 1)
    ptr = LLVMBuildBitCast(b, ptr, LLVMPointerType(ty(c, t), 0), "");
  LLVMValueRef x = LLVMBuildLoad2(b, ty(c, t), ptr, "");
  LLVMSetAlignment(x, size);
  return x;
}

static void store_at(lif_ctx *c, LLVMValueRef x, LLVMTypeRef t, unsigned size, int arg) {
  LLVMBuilderRef b = c->b;
  LLVMValueRef ptr = cg_gep(b, t, LLVMGetParam(c->fn, (unsigned)arg), c->i);
  if (c->w > 1)
    ptr = LLVMBuildBitCast(b, ptr, LLVMPointerType(ty(c, t), 0), "");
  LLVMSetAlignment(LLVMBuildStore(b, x, ptr), size);
}

/* Element 0 of parameter array k as i64 (int32 array) or float: emitted in the preheader, before the
 * loops, with its splat over W lanes. */
static void load_uniform(lif_ctx *c, int k, bool fl) {
  LLVMBuilderRef b = c->b;
  LLVMTypeRef et = fl ? c->T.f32 : c->T.i32;
  LLVMValueRef x = LLVMBuildLoad2(b, et, LLVMGetParam(c->fn, 5 + k), "");
  c->uni[k][0] = fl ? x : LLVMBuildSExt(b, x, c->T.i64, "");
  c->uni[k][1] = splat(c, c->uni[k][0]);
}

/* Parameter k of the iteration's neurons: the uniform value or a load from its array (body parameter
 * 5 + k). */
static LLVMValueRef param(lif_ctx *c, int k, bool as_float) {
  bool fl = as_float;
  if (c->s->uniform[k])
    return c->uni[k][c->w > 1];
  LLVMValueRef x = load_at(c, fl ? c->T.f32 : c->T.i32, 4, 5 + k);
  return fl ? x : LLVMBuildSExt(c->b, x, ty(c, c->T.i64), "");
}

/* decay(x, k) = sign(x) * ((|x| * k) >> 12), k = 4096 - off - d (i64). */
static LLVMValueRef decay(lif_ctx *c, LLVMValueRef x, LLVMValueRef k) {
  LLVMBuilderRef b = c->b;
  LLVMValueRef zero = i64c(c, 0);
  LLVMValueRef neg = LLVMBuildICmp(b, LLVMIntSLT, x, zero, "");
  LLVMValueRef ax = LLVMBuildSelect(b, neg, LLVMBuildNeg(b, x, ""), x, "");
  LLVMValueRef m = LLVMBuildAShr(b, LLVMBuildMul(b, ax, k, ""), i64c(c, 12), "");
  return LLVMBuildSelect(b, neg, LLVMBuildNeg(b, m, ""), m, "");
}

static LLVMValueRef sat24(lif_ctx *c, LLVMValueRef x) {
  LLVMBuilderRef b = c->b;
  LLVMValueRef hi = i64c(c, FINE_MAX), lo = i64c(c, -FINE_MAX);
  x = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntSGT, x, hi, ""), hi, x, "");
  return LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntSLT, x, lo, ""), lo, x, "");
}

/* The synaptic input of the iteration's neurons: the sum of the incoming ring slots, each cleared after
 * reading. The interp sums them into its zeroed syn_f, 0.0f + r0 + r1 ...; the first addition is left
 * out because it never changes a bit: 0.0f + x differs from x only for x = -0.0, and a float ring cell
 * is never -0.0 — it starts as +0.0 (cleared) and only receives additions, and an IEEE sum is -0.0 only
 * when both operands are (an exact cancellation gives +0.0, a tiny sum is exact, not rounded to 0). In a
 * loop bound by its vector additions (Zen 4 executes a 512-bit one in two halves) that is one in six. */
static LLVMValueRef synaptic_input(lif_ctx *c) {
  LLVMBuilderRef b = c->b;
  bool fx = c->s->fixed;
  LLVMTypeRef et = fx ? c->T.i32 : c->T.f32; /* fixed: int32 cells (be_cpu.h) */
  LLVMValueRef zero = cst(c, fx ? LLVMConstInt(c->T.i32, 0, 0) : LLVMConstReal(c->T.f32, 0.0));
  LLVMValueRef syn = fx ? i64c(c, 0) : zero;
  for (uint32_t k = 0; k < c->s->nin; k++) {
    LLVMValueRef r = load_at(c, et, 4, 14 + (int)k);
    store_at(c, zero, et, 4, 14 + (int)k);
    if (fx) /* mantissa sum << (6 + e) in 64 bits: exact, as the interp's multiply by 2^(6+e) */
      syn = LLVMBuildAdd(b, syn, LLVMBuildShl(b, LLVMBuildSExt(b, r, ty(c, c->T.i64), ""), c->shift[k][c->w > 1], ""),
                         "");
    else if (k == 0) /* the interp's 0.0f + r0 is r0 bit for bit: a ring cell is never -0.0 (below) */
      syn = r;
    else /* (r0 + r1) + r2 ...: each projection in model order, as the interp */
      syn = LLVMBuildFAdd(b, syn, r, "");
  }
  return syn;
}

/* Whether the iteration's neurons are refractory: the last step of their period is at least now. */
static LLVMValueRef refractory(lif_ctx *c) {
  LLVMValueRef until = load_at(c, c->T.i32, 4, 4);
  return LLVMBuildICmp(c->b, LLVMIntSGE, until, c->now[c->w > 1], "inref");
}

/* Loads forced != 0; writes v; returns the spike flags. */
static LLVMValueRef tail(lif_ctx *c, LLVMValueRef inref, LLVMValueRef vfire, LLVMValueRef vn, LLVMValueRef vzero,
                         LLVMValueRef zero_too) {
  LLVMBuilderRef b = c->b;
  cg_types *T = &c->T;
  LLVMValueRef fire = vfire;
  if (c->forced) {
    LLVMValueRef fb = load_at(c, T->i8, 1, 11);
    fire = LLVMBuildOr(b, vfire, LLVMBuildICmp(b, LLVMIntNE, fb, cst(c, LLVMConstInt(T->i8, 0, 0)), ""), "fire");
  }
  LLVMValueRef reset = LLVMBuildOr(b, inref, fire, "");
  if (zero_too)
    reset = LLVMBuildOr(b, reset, zero_too, "");
  LLVMValueRef vout = LLVMBuildSelect(b, reset, vzero, vn, "");
  if (c->s->fixed)
    store_at(c, LLVMBuildTrunc(b, vout, ty(c, T->i32), ""), T->i32, 4, 2);
  else
    store_at(c, vout, T->f32, 4, 2);
  return fire;
}

static LLVMValueRef body_fixed(lif_ctx *c) {
  LLVMBuilderRef b = c->b;
  cg_types *T = &c->T;
  LLVMTypeRef t64 = ty(c, T->i64);
  LLVMValueRef u0 = LLVMBuildSExt(b, load_at(c, T->i32, 4, 3), t64, "");
  LLVMValueRef ku = LLVMBuildSub(b, i64c(c, 4095), param(c, BE_CPU_LIF_P_DECAY_U, false), "");
  LLVMValueRef u = sat24(c, LLVMBuildAdd(b, decay(c, u0, ku), synaptic_input(c), ""));
  store_at(c, LLVMBuildTrunc(b, u, ty(c, T->i32), ""), T->i32, 4, 3);
  LLVMValueRef inref = refractory(c);
  LLVMValueRef v0 = LLVMBuildSExt(b, load_at(c, T->i32, 4, 2), t64, "");
  LLVMValueRef kv = LLVMBuildSub(b, i64c(c, 4096), param(c, BE_CPU_LIF_P_DECAY_V, false), "");
  LLVMValueRef v = LLVMBuildAdd(b, decay(c, v0, kv), u, "");
  v = LLVMBuildAdd(b, v, param(c, BE_CPU_LIF_P_BIAS, false), "");
  if (c->s->has_inj)
    v = LLVMBuildAdd(b, v, load_at(c, T->i64, 8, 10), "");
  v = sat24(c, v);
  LLVMValueRef above = LLVMBuildICmp(b, LLVMIntSGT, v, param(c, BE_CPU_LIF_P_VTH, false), "");
  LLVMValueRef vfire = LLVMBuildAnd(b, above, LLVMBuildNot(b, inref, ""), "");
  return tail(c, inref, vfire, v, i64c(c, 0), NULL);
}

static LLVMValueRef body_float(lif_ctx *c) {
  LLVMBuilderRef b = c->b;
  cg_types *T = &c->T;
  LLVMValueRef u0 = load_at(c, T->f32, 4, 3);
  LLVMValueRef syn = synaptic_input(c);
  LLVMValueRef u = LLVMBuildFAdd(b, LLVMBuildFMul(b, u0, param(c, BE_CPU_LIF_P_DECAY_U, true), ""), syn, "");
  store_at(c, u, T->f32, 4, 3);
  LLVMValueRef inref = refractory(c);
  LLVMValueRef v0 = load_at(c, T->f32, 4, 2);
  LLVMValueRef v = LLVMBuildFAdd(b, LLVMBuildFMul(b, v0, param(c, BE_CPU_LIF_P_DECAY_V, true), ""), u, "");
  v = LLVMBuildFAdd(b, v, param(c, BE_CPU_LIF_P_BIAS, true), "");
  /* The interp adds its injected current, zeroed when no input injects: x + 0.0f, which changes only a
   * -0.0 (into +0.0). Without injection the addition is left out and a v of either zero is stored as
   * +0.0 by the final select instead (zero_too): the same bits, and the comparison with the threshold
   * cannot tell -0.0 from +0.0; a compare and a mask operation instead of a vector addition, in a loop
   * bound by its additions. */
  LLVMValueRef zero_too = NULL;
  if (c->s->has_inj)
    v = LLVMBuildFAdd(b, v, load_at(c, T->f32, 4, 10), "");
  else
    zero_too = LLVMBuildFCmp(b, LLVMRealOEQ, v, cst(c, LLVMConstReal(T->f32, 0.0)), "");
  LLVMValueRef above = LLVMBuildFCmp(b, LLVMRealOGT, v, param(c, BE_CPU_LIF_P_VTH, true), "");
  LLVMValueRef vfire = LLVMBuildAnd(b, above, LLVMBuildNot(b, inref, ""), "");
  return tail(c, inref, vfire, v, cst(c, LLVMConstReal(T->f32, 0.0)), zero_too);
}

static LLVMValueRef body(lif_ctx *c) { return c->s->fixed ? body_fixed(c) : body_float(c); }

/* The i16 word of spike bits that holds neuron i (i a multiple of 16). */
static LLVMValueRef spike_word(lif_ctx *c, LLVMValueRef i) {
  LLVMBuilderRef b = c->b;
  return cg_gep(b, c->T.i16, LLVMGetParam(c->fn, 12), LLVMBuildLShr(b, i, cg_i64(&c->T, 4), ""));
}

static LLVMBasicBlockRef block(lif_ctx *c, const char *name) {
  return LLVMAppendBasicBlockInContext(c->p->ctx, c->fn, name);
}

/* One variant (with or without the forced flags, c->forced) from the end of block `from` to `exit`: the
 * vector loop over [lo, nv) in steps of W, whose spike flags are one i16 store of the comparison's lane
 * mask, then the scalar loop over the remaining [nv, hi) (fewer than W neurons), which collects its flags
 * in an i16 stored after the loop. */
static void emit_variant(lif_ctx *c, LLVMBasicBlockRef from, LLVMValueRef nv, LLVMBasicBlockRef exit) {
  LLVMBuilderRef b = c->b;
  cg_types *T = &c->T;
  LLVMValueRef lo = LLVMGetParam(c->fn, 0), hi = LLVMGetParam(c->fn, 1);
  LLVMBasicBlockRef vloop = block(c, "vloop"), tcheck = block(c, "tail.check"), tloop = block(c, "tail"),
                    tend = block(c, "tail.end");
  LLVMPositionBuilderAtEnd(b, from);
  LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLT, lo, nv, ""), vloop, tcheck);

  LLVMPositionBuilderAtEnd(b, vloop);
  c->w = W;
  c->i = LLVMBuildPhi(b, T->i64, "i");
  LLVMValueRef fire = body(c);
  LLVMBuildStore(b, LLVMBuildBitCast(b, fire, T->i16, ""), spike_word(c, c->i));
  LLVMValueRef next = LLVMBuildAdd(b, c->i, cg_i64(T, W), "");
  LLVMBasicBlockRef vfrom[2] = {from, LLVMGetInsertBlock(b)};
  LLVMValueRef vi[2] = {lo, next};
  LLVMAddIncoming(c->i, vi, vfrom, 2);
  be_cpu_cg_no_unroll(c->p, LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLT, next, nv, ""), vloop, tcheck), false);

  LLVMPositionBuilderAtEnd(b, tcheck);
  LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLT, nv, hi, ""), tloop, exit);

  LLVMPositionBuilderAtEnd(b, tloop);
  c->w = 1;
  c->i = LLVMBuildPhi(b, T->i64, "j");
  LLVMValueRef acc = LLVMBuildPhi(b, T->i16, "bits");
  fire = body(c);
  LLVMValueRef bit = LLVMBuildShl(b, LLVMBuildZExt(b, fire, T->i16, ""),
                                  LLVMBuildTrunc(b, LLVMBuildSub(b, c->i, nv, ""), T->i16, ""), "");
  LLVMValueRef acc2 = LLVMBuildOr(b, acc, bit, "");
  next = LLVMBuildAdd(b, c->i, cg_i64(T, 1), "");
  LLVMBasicBlockRef tfrom[2] = {tcheck, LLVMGetInsertBlock(b)};
  LLVMValueRef ti[2] = {nv, next}, ta[2] = {LLVMConstInt(T->i16, 0, 0), acc2};
  LLVMAddIncoming(c->i, ti, tfrom, 2);
  LLVMAddIncoming(acc, ta, tfrom, 2);
  be_cpu_cg_no_unroll(c->p, LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLT, next, hi, ""), tloop, tend), true);

  LLVMPositionBuilderAtEnd(b, tend);
  LLVMBuildStore(b, acc2, spike_word(c, nv)); /* tend's only predecessor is the tail's latch */
  LLVMBuildBr(b, exit);
}

bool be_cpu_add_lif(be_cpu_program *p, const be_cpu_lif *s, char *err, size_t errlen) {
  if (!p->mod || p->optimized)
    return be_cpu_fail(err, errlen, "be_cpu_add_lif: the program is already optimised");
  if (s->nin > MAX_IN)
    return be_cpu_fail(err, errlen, "be_cpu_add_lif: more than 16 incoming projections");
  lif_ctx c = {.p = p, .b = p->b, .T = be_cpu_cg_types(p->ctx), .s = s, .w = 1};
  cg_types *T = &c.T;
  LLVMTypeRef st = s->fixed ? T->p32 : T->pf, it = s->fixed ? T->p64 : T->pf;
  /* lo, hi, v, u, ref, 5 parameter arrays, inj, forced, spike bits, shift, rings, whether any neuron is
   * forced, now */
  LLVMTypeRef params[16 + MAX_IN] = {T->i64, T->i64, st, st, T->p32, st, st, st, st, T->p32, it, T->p8, T->p16, T->p64};
  int slot[16 + MAX_IN] = {BE_CPU_LIF_LO, BE_CPU_LIF_HI, BE_CPU_LIF_V, BE_CPU_LIF_U, BE_CPU_LIF_REF};
  bool is_int[16 + MAX_IN] = {true, true};
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
  params[15 + s->nin] = T->i64;
  slot[15 + s->nin] = BE_CPU_LIF_NOW;
  is_int[15 + s->nin] = true;
  unsigned np = 16 + s->nin;
  LLVMValueRef wrapper;
  c.fn = be_cpu_cg_split(p, s->name, params, np, &wrapper);
  LLVMBasicBlockRef entry = block(&c, "entry"), pre = block(&c, "preheader"), plain = block(&c, "plain"),
                    forced = block(&c, "forced"), exit = block(&c, "exit");
  LLVMBuilderRef b = p->b;
  LLVMValueRef lo = LLVMGetParam(c.fn, 0), hi = LLVMGetParam(c.fn, 1);
  LLVMPositionBuilderAtEnd(b, entry);
  LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLT, lo, hi, ""), pre, exit);
  LLVMPositionBuilderAtEnd(b, pre); /* only with neurons to update: a uniform array has element 0 */
  for (int k = 0; k < BE_CPU_LIF_NPARAM; k++)
    if (s->uniform[k] && k != BE_CPU_LIF_P_NREF) /* nref: the engine's compaction reads it */
      load_uniform(&c, k, !s->fixed);
  c.now[0] = LLVMBuildTrunc(b, LLVMGetParam(c.fn, 15 + s->nin), T->i32, "now");
  c.now[1] = splat(&c, c.now[0]);
  for (uint32_t k = 0; s->fixed && k < s->nin; k++) {
    c.shift[k][0] = LLVMBuildLoad2(b, T->i64, cg_gep(b, T->i64, LLVMGetParam(c.fn, 13), cg_i64(T, k)), "");
    c.shift[k][1] = splat(&c, c.shift[k][0]);
  }
  LLVMValueRef nv = LLVMBuildAdd(b, lo, LLVMBuildAnd(b, LLVMBuildSub(b, hi, lo, ""), cg_i64(T, -W), ""), "nv");
  /* Two copies of the loops: the forced flags are read only when some neuron may be forced in this step
   * (rarely: rt_sim_inject, a restore), one load less per neuron in a loop bound by its memory traffic. */
  LLVMValueRef any = LLVMBuildICmp(b, LLVMIntNE, LLVMGetParam(c.fn, 14 + s->nin), cg_i64(T, 0), "");
  LLVMBuildCondBr(b, any, forced, plain);
  emit_variant(&c, plain, nv, exit);
  c.forced = true;
  emit_variant(&c, forced, nv, exit);
  LLVMPositionBuilderAtEnd(b, exit);
  LLVMBuildRetVoid(b);
  be_cpu_cg_fill_wrapper(p, wrapper, c.fn, params, slot, is_int, np);
  return true;
}
