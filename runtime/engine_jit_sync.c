/* engine_jit_sync.c — the jit engine's per-thread data: each thread's arena of whole pages holding its
 * block of every generated population (state, spike flags and lists, ring cells) and its push arguments,
 * and the copies between the blocks and the interp's arrays (after a run, before a state read or a
 * checkpoint, after a restore), which convert the refractory state; the refractory clock's epoch. */
#include "engine_jit_int.h"

/* ---------------------------------------------------------------- per-thread blocks */

/* Bump allocation in a thread's arena, in LINE-aligned pieces; with base NULL it only measures. */
typedef struct arena {
  char *base;
  size_t used;
} arena;

static void *take(arena *a, size_t bytes) {
  void *p = a->base ? a->base + a->used : NULL;
  a->used += (bytes + LINE - 1) / LINE * LINE;
  return p;
}

/* p moved back by lo elements of esz bytes, for generated code that indexes it with the absolute neuron
 * numbers [lo, lo + n) of a block. Computed on integers: the address itself may lie outside the array. */
static void *biased(void *p, uint32_t lo, size_t esz) {
  return (void *)((uintptr_t)p - (uintptr_t)lo * esz);
}

/* Bytes of the spike bits of n neurons: whole 64-bit words (compaction reads them 64 at a time; the
 * generated code writes 16-bit words, the rest stay 0). */
static size_t spike_bytes(uint32_t n) { return ((size_t)n + 63) / 64 * 8; }

/* Fills block t of a generated population (in the arena a: its own state with several threads). */
static jit_blk *layout_pop(jit_engine *e, jit_pop *jp, unsigned t, arena *a) {
  bool mine = e->nthreads > 1;
  uint32_t lo = jp->blk[t], n = jp->blk[t + 1] - lo;
  bool rings = own_rings(e);
  jit_blk *b = take(a, sizeof(jit_blk));
  void *v = take(a, mine ? n * 4u : 0), *u = take(a, mine ? n * 4u : 0);
  void *ref = take(a, n * sizeof(int32_t)); /* always the engine's own: ends of refractory periods (be_cpu.h) */
  void *spk = take(a, spike_bytes(n)), *idx0 = take(a, mine ? n * sizeof(uint32_t) : 0),
       *idx1 = take(a, mine ? n * sizeof(uint32_t) : 0);
  void *ring[MAX_IN];
  for (uint32_t q = 0; q < jp->nin; q++)
    ring[q] = take(a, rings ? (size_t)jp->in[q]->nring * n * RING_CELL : 0);
  if (!b)
    return NULL;
  rt_src *c = jp->p->src;
  *b = (jit_blk){.lo = lo, .n = n, .forced = c->forced + lo, .last = c->last, .idx = {idx0, idx1}};
  memcpy(b->ptrs, jp->ptrs, sizeof(b->ptrs));
  b->ptrs[BE_CPU_LIF_V] = mine ? v : at(jp->ptrs[BE_CPU_LIF_V], lo, 4);
  b->ptrs[BE_CPU_LIF_U] = mine ? u : at(jp->ptrs[BE_CPU_LIF_U], lo, 4);
  b->ptrs[BE_CPU_LIF_REF] = ref;
  b->ptrs[BE_CPU_LIF_SPK] = spk; /* bits (be_cpu.h); the interp's bytes are written when read (spk_read) */
  for (int k = 0; k < BE_CPU_LIF_NPARAM; k++)
    if (!jp->uniform[k])
      b->ptrs[BE_CPU_LIF_PARAM0 + k] = at(jp->ptrs[BE_CPU_LIF_PARAM0 + k], lo, 4);
  b->ptrs[BE_CPU_LIF_INJ] = at(jp->ptrs[BE_CPU_LIF_INJ], lo, inj_size(e));
  for (uint32_t q = 0; q < jp->nin; q++) {
    rt_proj *p = jp->in[q];
    b->nring[q] = p->nring;
    b->ring[q] = rings ? ring[q] : (void *)p->ring_f; /* one block: lo 0 */
  }
  return b;
}

/* Lays out thread t's arena (a->base NULL: measures it): its block of every generated population, then
 * its push arguments for every generated projection (into the ring cells of its post block). */
static void layout(jit_engine *e, unsigned t, arena *a) {
  jit_mail *mail = take(a, 2 * sizeof(jit_mail));
  if (mail)
    e->mail[t] = mail;
  for (uint32_t k = 0; k < e->npops; k++)
    if (e->pops[k].gen) {
      jit_blk *b = layout_pop(e, &e->pops[k], t, a);
      if (b)
        e->pops[k].b[t] = b;
    }
  for (uint32_t k = 0; k < e->nprojs; k++) {
    jit_proj *jq = &e->projs[k];
    if (!jq->gen)
      continue;
    jit_pblk *pb = take(a, sizeof(jit_pblk));
    if (!pb)
      continue;
    const jit_blk *post = e->pops[jq->p->post->index].b[t];
    memcpy(pb->ptrs, jq->ptrs, sizeof(pb->ptrs));
    pb->ptrs[BE_CPU_PUSH_RING] = biased(post->ring[jq->q], post->lo, RING_CELL);
    pb->ncell = post->n;
    jq->pb[t] = pb;
  }
}

static void copy(void *mine, void *interp, size_t bytes, bool out) {
  if (bytes)
    memcpy(out ? interp : mine, out ? mine : interp, bytes);
}

/* The refractory state of a block (the last step of each period, relative to the epoch) to the interp's
 * countdowns (out) or from them, at the start of step `now` (relative to the epoch): a countdown r there
 * is the period's last step now + r - 1 (docs/jit.md, "Refractory period"). plan_pop generates only
 * populations whose nref is at most MAX_NREF; a larger restored count is clamped. */
static void copy_ref(int32_t *mine, int32_t *interp, uint32_t n, int64_t now, bool out) {
  for (uint32_t i = 0; i < n; i++)
    if (out) {
      int64_t r = (int64_t)mine[i] - now + 1;
      interp[i] = r > 0 ? (int32_t)r : 0;
    } else {
      int64_t r = interp[i] < 0 ? 0 : interp[i] > MAX_NREF ? MAX_NREF : interp[i];
      mine[i] = (int32_t)(now + r - 1);
    }
}

void rt_jit_rebase_epoch(jit_engine *e, uint64_t t) {
  int64_t shift = (int64_t)(t - e->epoch);
  for (uint32_t k = 0; k < e->npops; k++)
    for (unsigned b = 0; e->pops[k].gen && b < e->nthreads; b++) {
      const jit_blk *blk = e->pops[k].b[b];
      int32_t *until = blk->ptrs[BE_CPU_LIF_REF];
      for (uint32_t i = 0; i < blk->n; i++) { /* a period over before t ends at -1: the values stay bounded */
        int64_t x = (int64_t)until[i] - shift;
        until[i] = (int32_t)(x < -1 ? -1 : x);
      }
    }
  e->epoch = t;
}

/* n int32 ring cells of a block to the interp's int64 ones (out) or from them (plan_pop bounds the sums;
 * a larger restored value is clamped). */
static void copy_ring_fixed(int32_t *mine, int64_t *interp, size_t n, bool out) {
  for (size_t i = 0; i < n; i++)
    if (out)
      interp[i] = mine[i];
    else
      mine[i] = (int32_t)(interp[i] > INT32_MAX ? INT32_MAX : interp[i] < INT32_MIN ? INT32_MIN : interp[i]);
}

/* Ring q of block b (every slot) to the interp's ring (out) or from it. */
static void sync_ring(jit_engine *e, jit_blk *b, rt_proj *p, uint32_t q, bool out) {
  for (uint32_t r = 0; r < p->nring; r++) {
    char *mine = (char *)b->ring[q] + (size_t)r * b->n * RING_CELL;
    size_t cell = (size_t)r * p->post->n + b->lo;
    if (e->fixed)
      copy_ring_fixed((int32_t *)(void *)mine, p->ring_i + cell, b->n, out);
    else
      copy(mine, p->ring_f + cell, (size_t)b->n * sizeof(float), out);
  }
}

/* Copies the blocks' state to the interp's arrays (out) or from them: the refractory state always,
 * the ring cells when the blocks have their own (own_rings), u and v with threads > 1. */
void rt_jit_sync_blocks(jit_engine *e, bool out) {
  if (!out) /* every value is rewritten: the clock may start anew */
    e->epoch = e->state_step;
  int64_t now = (int64_t)(e->state_step - e->epoch);
  for (uint32_t k = 0; k < e->npops; k++) {
    jit_pop *jp = &e->pops[k];
    for (unsigned t = 0; jp->gen && t < e->nthreads; t++) {
      jit_blk *b = jp->b[t];
      copy_ref(b->ptrs[BE_CPU_LIF_REF], (int32_t *)jp->ptrs[BE_CPU_LIF_REF] + b->lo, b->n, now, out);
      for (uint32_t q = 0; own_rings(e) && q < jp->nin; q++)
        sync_ring(e, b, jp->in[q], q, out);
      if (e->nthreads == 1)
        continue;
      for (int x = BE_CPU_LIF_V; x <= BE_CPU_LIF_U; x++)
        copy(b->ptrs[x], at(jp->ptrs[x], b->lo, 4), (size_t)b->n * 4, out);
    }
  }
  e->synced = true; /* both hold the same state now */
}

/* The interp's arrays up to date (state reads, checkpoints, the end of a run). */
void rt_jit_sync_out(jit_engine *e) {
  if (!e->synced)
    rt_jit_sync_blocks(e, true);
}

bool rt_jit_build_blocks(jit_engine *e) {
  int ng = 0;
  for (uint32_t k = 0; k < e->npops; k++)
    e->pops[k].gidx = e->pops[k].gen && ng < MAIL_POPS ? ng++ : -1;
  for (uint32_t k = 0; k < e->nprojs; k++) {
    jit_proj *jq = &e->projs[k];
    const rt_proj *p = jq->p;
    if (p->ip->plasticity != IR_PLAST_NONE && p->pre->ref.kind == IR_NODE_POPULATION)
      e->pops[p->pre->ref.index].spk_read = true;
    if (p->ip->plasticity != IR_PLAST_NONE)
      e->pops[p->post->index].spk_read = true;
    const jit_pop *post = &e->pops[jq->p->post->index];
    for (uint32_t q = 0; jq->gen && q < post->nin; q++)
      if (post->in[q] == jq->p)
        jq->q = q;
  }
  for (unsigned t = 0; t < e->nthreads; t++) {
    arena a = {0};
    layout(e, t, &a);
    if (!(a.base = rt_jit_own_aligned(e, a.used, 1, PAGE))) /* whole pages: no page holds two threads' data */
      return false;
    a.used = 0;
    layout(e, t, &a);
  }
  rt_jit_sync_blocks(e, false);
  return true;
}
