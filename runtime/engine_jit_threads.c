/* engine_jit_threads.c — the jit engine's parallel phases: a thread's chunk (update and compaction of its
 * blocks, pushes into its ring cells), the mailboxes that report a chunk done with its spikes, the worker
 * pool (publication of a phase, claiming, spinning and sleeping), stealing late chunks and backing off to
 * one thread on an oversubscribed machine. */
#include <sched.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "engine_jit_int.h"

/* ---------------------------------------------------------------- threads */

/* Appends neuron base + i of every set flag spk[i] of the 64 flags at spk (mask m: bit i set when spk[i]
 * is) to out at k, recording its last-spike time unless last is NULL; returns the new count. */
static inline uint32_t emit_mask(uint64_t m, uint32_t base, uint32_t *out, uint32_t k, int64_t *last, uint64_t t) {
  for (; m; m &= m - 1) {
    uint32_t j = base + (uint32_t)__builtin_ctzll(m);
    out[k++] = j;
    if (last)
      last[j] = (int64_t)t;
  }
  return k;
}

/* The tail of a compaction (fewer than 64 flags), one byte at a time. */
static uint32_t compact_tail(const uint8_t *spk, uint32_t i, uint32_t n, uint32_t base, uint32_t *out, uint32_t k,
                             int64_t *last, uint64_t t) {
  for (; i < n; i++)
    if (spk[i]) {
      out[k++] = base + i;
      if (last)
        last[base + i] = (int64_t)t;
    }
  return k;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
/* AVX2, chosen at run time: two 32-byte loads and one test per 64 silent neurons instead of four 16-byte
 * loads, three ors and a compare (compaction was 7% of a CUBA step with SSE2). */
__attribute__((target("avx2"))) static uint32_t compact_avx2(const uint8_t *spk, uint32_t n, uint32_t base,
                                                               uint32_t *out, int64_t *last, uint64_t t) {
  uint32_t k = 0, i = 0;
  const __m256i zero = _mm256_setzero_si256();
  for (; i + 64 <= n; i += 64) {
    const __m256i *p = (const __m256i *)(const void *)(spk + i);
    __m256i x0 = _mm256_loadu_si256(p), x1 = _mm256_loadu_si256(p + 1);
    if (_mm256_testz_si256(_mm256_or_si256(x0, x1), _mm256_or_si256(x0, x1))) /* 64 silent neurons */
      continue;
    uint64_t m = (uint64_t)(uint32_t)~_mm256_movemask_epi8(_mm256_cmpeq_epi8(x0, zero)) |
                 (uint64_t)(uint32_t)~_mm256_movemask_epi8(_mm256_cmpeq_epi8(x1, zero)) << 32;
    k = emit_mask(m, base + i, out, k, last, t);
  }
  return compact_tail(spk, i, n, base, out, k, last, t);
}
#endif

/* Compaction of the spike flags spk[0, n) (0 or 1) of neurons base + [0, n) into the ascending index list
 * `out` (returns the count), recording last-spike times unless last is NULL: 64 flags at a time become one
 * bit mask (AVX2 when the CPU has it, else SSE2 movemask on x86-64, else a byte loop), so a silent stretch
 * costs one test and each spike one count of trailing zeros. Loading the flags straight into vector
 * registers matters: copying them through a stack buffer stalls on store forwarding and cost 15% of a
 * CUBA step. */
uint32_t rt_jit_compact_range(const uint8_t *spk, uint32_t n, uint32_t base, uint32_t *out, int64_t *last,
                              uint64_t t) {
  uint32_t k = 0, i = 0;
#if defined(__x86_64__) && defined(__GNUC__)
  static int avx2 = -1; /* racy first use is harmless: every thread stores the same value */
  if (avx2 < 0)
    avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
  if (avx2)
    return compact_avx2(spk, n, base, out, last, t);
#endif
#if defined(__SSE2__)
  const __m128i zero = _mm_setzero_si128();
  for (; i + 64 <= n; i += 64) {
    const __m128i *p = (const __m128i *)(const void *)(spk + i);
    __m128i x0 = _mm_loadu_si128(p), x1 = _mm_loadu_si128(p + 1), x2 = _mm_loadu_si128(p + 2),
            x3 = _mm_loadu_si128(p + 3);
    __m128i any = _mm_or_si128(_mm_or_si128(x0, x1), _mm_or_si128(x2, x3));
    if (_mm_movemask_epi8(_mm_cmpeq_epi8(any, zero)) == 0xffff) /* the common case: 64 silent neurons */
      continue;
    uint64_t m = (uint64_t)(uint16_t)~_mm_movemask_epi8(_mm_cmpeq_epi8(x0, zero)) |
                 (uint64_t)(uint16_t)~_mm_movemask_epi8(_mm_cmpeq_epi8(x1, zero)) << 16 |
                 (uint64_t)(uint16_t)~_mm_movemask_epi8(_mm_cmpeq_epi8(x2, zero)) << 32 |
                 (uint64_t)(uint16_t)~_mm_movemask_epi8(_mm_cmpeq_epi8(x3, zero)) << 48;
    k = emit_mask(m, base + i, out, k, last, t);
  }
#endif
  return compact_tail(spk, i, n, base, out, k, last, t);
}

/* Compaction of the spike bits of neurons base + [0, n) (be_cpu.h: bit i % 64 of 64-bit word i / 64,
 * written by the generated lif; bits at or beyond n are 0) into the ascending list out (returns the
 * count), recording last-spike times unless last is NULL: a silent stretch of 64 neurons is one test. */
static uint32_t compact_bits(const void *bits, uint32_t n, uint32_t base, uint32_t *out, int64_t *last,
                             uint64_t t) {
  uint32_t k = 0;
  for (uint32_t i = 0; i < n; i += 64) {
    uint64_t m;
    memcpy(&m, (const char *)bits + i / 8, sizeof m);
    if (m)
      k = emit_mask(m, base + i, out, k, last, t);
  }
  return k;
}

/* The interp's spike flags (bytes) of block b from its spike list, for a population whose flags the
 * interp reads (plasticity traces); only then: the generated code writes bits. */
static void write_flags(const jit_pop *jp, const jit_blk *b, const uint32_t *idx, uint32_t n) {
  uint8_t *spk = jp->p->src->spk;
  memset(spk + b->lo, 0, b->n);
  for (uint32_t q = 0; q < n; q++)
    spk[idx[q]] = 1;
}

/* Copies block tid's spike lists of parity par into its mailbox (inline when they fit). */
static void fill_mail(jit_engine *e, unsigned tid, jit_mail *m, unsigned par) {
  uint32_t off = 0;
  m->inl = 1;
  for (uint32_t k = 0; k < e->npops; k++) {
    const jit_pop *jp = &e->pops[k];
    if (jp->gidx < 0)
      continue;
    const jit_blk *b = jp->b[tid];
    uint32_t n = b->nspk[par];
    m->n[jp->gidx] = (uint16_t)n;
    if (n > MAIL_IDX - off || n > UINT16_MAX) {
      m->inl = 0;
      return;
    }
    memcpy(m->idx + off, b->idx[par], n * sizeof(uint32_t));
    off += n;
  }
}

/* Block b's spikes of step parity par of population jp (generated, threads > 1), from mailbox m (a copy
 * or the chunk's own) when it carries them; returns the count. */
static uint32_t block_spikes(const jit_pop *jp, unsigned b, const jit_mail *m, unsigned par, const uint32_t **idx) {
  if (jp->gidx >= 0 && m->inl) {
    uint32_t off = 0;
    for (int j = 0; j < jp->gidx; j++)
      off += m->n[j];
    *idx = m->idx + off;
    return m->n[jp->gidx];
  }
  *idx = jp->b[b]->idx[par];
  return jp->b[b]->nspk[par];
}

/* The refractory period of each neuron of block b that spiked in step `now` (idx: absolute indices) ends
 * nref steps later (be_cpu.h: the generated code only reads it). */
static void start_refractory(const jit_pop *jp, const jit_blk *b, const uint32_t *idx, uint32_t n, int64_t now) {
  int32_t *until = b->ptrs[BE_CPU_LIF_REF];
  const int32_t *nref = jp->ptrs[BE_CPU_LIF_PARAM0 + BE_CPU_LIF_P_NREF];
  bool uniform = jp->uniform[BE_CPU_LIF_P_NREF];
  for (uint32_t q = 0; q < n; q++)
    until[idx[q] - b->lo] = (int32_t)(now + nref[uniform ? 0 : idx[q]]);
}

/* Updates block tid of every generated population and compacts its spikes: straight into the spike list
 * with one thread, else into the block's own list (the spike list may still be read by the other
 * threads' pushes of the last step). Reads only the block, read-only engine fields and the published
 * generation word g. */
static void update_block(jit_engine *e, unsigned tid, const jit_word *g) {
  for (uint32_t k = 0; k < e->npops; k++) {
    jit_pop *jp = &e->pops[k];
    if (!jp->gen)
      continue;
    jit_blk *b = jp->b[tid];
    for (uint32_t q = 0; q < jp->nin; q++) /* (2) this step's ring slot */
      b->ptrs[BE_CPU_LIF_RING0 + q] = (char *)b->ring[q] + (size_t)ring_slot(g->step, b->nring[q]) * b->n * RING_CELL;
    b->ptrs[BE_CPU_LIF_FORCED] = b->forced;
    int64_t now = (int64_t)(g->step - g->epoch);
    int64_t ints[BE_CPU_LIF_NINTS] = {0, b->n, g->injected, now};
    if (b->n)
      jp->fn(b->ptrs, ints);
    /* One thread: the population's list, with last-spike times; else the block's list of this step's
     * parity (gather_spikes records the times on the main thread). */
    bool one = e->nthreads == 1;
    unsigned par = g->step & 1;
    uint32_t *idx = one ? jp->p->src->idx : b->idx[par];
    uint32_t n = compact_bits(b->ptrs[BE_CPU_LIF_SPK], b->n, b->lo, idx, one ? b->last : NULL, g->step);
    *(one ? &jp->p->src->nspk : &b->nspk[par]) = n;
    start_refractory(jp, b, idx, n, now);
    if (jp->spk_read)
      write_flags(jp, b, idx, n);
  }
  if (e->nthreads > 1)
    fill_mail(e, tid, &e->mail[tid][g->step & 1], g->step & 1);
}

/* After an update phase with several threads: the blocks' spike lists, in block order, become the
 * population's ascending list. */
void rt_jit_gather_spikes(jit_engine *e) {
  uint64_t t = e->s->step;
  unsigned par = t & 1;
  for (uint32_t k = 0; e->nthreads > 1 && k < e->npops; k++) {
    jit_pop *jp = &e->pops[k];
    rt_src *c = jp->p->src;
    uint32_t n = 0;
    for (unsigned b = 0; jp->gen && b < e->nthreads; b++) {
      const uint32_t *idx;
      uint32_t nb = block_spikes(jp, b, &e->mail[b][par], par, &idx);
      for (uint32_t q = 0; q < nb; q++) {
        c->idx[n++] = idx[q];
        c->last[idx[q]] = (int64_t)t;
      }
    }
    if (jp->gen)
      c->nspk = n;
  }
}

/* Pushes spikes into the ring cells of thread tid's posts: this step's (two-phase mode) or the last
 * step's pending ones (fused mode). */
static void push_block(jit_engine *e, unsigned tid, bool pending, const jit_word *g) {
  for (uint32_t k = 0; k < e->nprojs; k++) {
    jit_proj *jq = &e->projs[k];
    if (!jq->gen)
      continue;
    int64_t nring = jq->nring;
    int64_t ints[BE_CPU_PUSH_NINTS] = {0, jq->stride, tid, (int64_t)ring_slot(g->step + !pending, (uint64_t)nring),
                                       jq->pb[tid]->ncell, nring};
    jit_pblk *pb = jq->pb[tid];
    const jit_pop *pre = jq->pre_gen;
    uint32_t npend = k < PEND_INLINE ? g->pend[k] : e->pend[k]; /* 0 after a flush */
    if (pending && !npend)
      continue;
    if (pending && pre && e->nthreads > 1) { /* the last step's spikes of the pre blocks, in block order */
      unsigned par = (unsigned)((g->step - 1) & 1);
      for (unsigned b = 0; b < e->nthreads; b++) {
        const uint32_t *idx;
        if ((ints[BE_CPU_PUSH_NSPK] = block_spikes(pre, b, b ? &e->mail[b][par] : &g->mail0, par, &idx))) {
          pb->ptrs[BE_CPU_PUSH_IDX] = (void *)(uintptr_t)idx;
          jq->fn(pb->ptrs, ints);
        }
      }
    } else if ((ints[BE_CPU_PUSH_NSPK] = pending ? npend : jq->p->pre->nspk)) {
      pb->ptrs[BE_CPU_PUSH_IDX] = jq->p->pre->idx;
      jq->fn(pb->ptrs, ints);
    }
  }
}

static void do_phase(jit_engine *e, const jit_word *g, unsigned tid) {
  int phase = g->phase;
  if (phase == PHASE_STEP || phase == PHASE_FLUSH)
    push_block(e, tid, true, g);
  if (phase == PHASE_STEP || phase == PHASE_UPDATE)
    update_block(e, tid, g);
  if (phase == PHASE_PUSH)
    push_block(e, tid, false, g);
}

/* Claims chunk `chunk` of phase generation `gen`: false when it already ran or runs (claimed in this
 * generation) or when gen is stale (a later generation claimed it; every chunk of a generation is claimed
 * before the next one is published, so a stale generation never wins). */
static bool claim(jit_engine *e, unsigned chunk, uint32_t gen) {
  _Atomic uint32_t *c = &e->pool->claim[chunk].v;
  uint32_t x = atomic_load_explicit(c, memory_order_relaxed);
  return (int32_t)(gen - x) > 0 && atomic_compare_exchange_strong(c, &x, gen);
}

/* Runs a claimed chunk of generation gen, then says so in its mailbox of this step's parity. */
static void run_chunk(jit_engine *e, unsigned chunk, uint32_t gen) {
  do_phase(e, &e->pool->gen, chunk);
  atomic_store_explicit(&e->mail[chunk][e->pool->gen.step & 1].seq, gen, memory_order_release);
}

/* Whether every chunk of the main thread's current generation is done. */
static bool all_done(const jit_engine *e) {
  unsigned par = e->pool->gen.step & 1;
  for (unsigned c = 0; c < e->nthreads; c++)
    if (atomic_load_explicit(&e->mail[c][par].seq, memory_order_acquire) != e->gen)
      return false;
  return true;
}

typedef struct worker_arg {
  jit_engine *e;
  unsigned tid;
} worker_arg;

/* The next generation after `seen`: spins (pause) for SPIN_WORKER_MS — steps follow each other within
 * microseconds — then blocks on the condition variable (between runs, or a machine too busy to spin). */
static uint32_t wait_phase(jit_engine *e, uint32_t seen) {
  _Atomic uint32_t *gen = &e->pool->gen.v;
  uint32_t g;
  double t0 = 0;
  for (unsigned spins = 1;; spins++) {
    if ((g = atomic_load_explicit(gen, memory_order_acquire)) != seen)
      return g;
    cpu_relax();
    if (spins % 256 == 0) {
      double t = now_ms();
      if (t0 == 0)
        t0 = t;
      else if (t - t0 > SPIN_WORKER_MS)
        break;
      else if (t - t0 > YIELD_MS)
        sched_yield();
    }
  }
  pthread_mutex_lock(&e->mu);
  atomic_fetch_add(&e->pool->sleepers.v, 1); /* seq_cst against publish: no lost wake-up */
  while ((g = atomic_load(gen)) == seen)
    pthread_cond_wait(&e->wake, &e->mu);
  atomic_fetch_sub(&e->pool->sleepers.v, 1);
  pthread_mutex_unlock(&e->mu);
  return g;
}

static void *worker(void *arg) {
  worker_arg w = *(worker_arg *)arg;
  jit_engine *e = w.e;
  free(arg);
  uint32_t seen = 0;
  for (;;) {
    seen = wait_phase(e, seen);
    if (atomic_load(&e->quit))
      return NULL;
    /* The phase's parameters were written before the generation (release/acquire); a successful claim
     * means the main thread is waiting for this chunk, so they are stable until it is done. */
    if (claim(e, w.tid, seen))
      run_chunk(e, w.tid, seen);
  }
}

/* Writes a phase's parameters (no worker reads them: every chunk of the last phase is done). */
static void set_phase(jit_engine *e, int phase) {
  e->pool->gen.phase = phase;
  e->pool->gen.step = e->s->step;
  e->pool->gen.epoch = e->epoch;
  e->pool->gen.injected = e->injected;
  for (uint32_t k = 0; k < e->nprojs && k < PEND_INLINE; k++)
    e->pool->gen.pend[k] = e->pend[k];
  if (e->nthreads > 1 && (phase == PHASE_STEP || phase == PHASE_FLUSH)) { /* chunk 0's last spikes */
    const jit_mail *m = &e->mail[0][(e->s->step - 1) & 1];
    jit_mail *c = &e->pool->gen.mail0;
    memcpy(c->n, m->n, sizeof(c->n));
    c->inl = m->inl;
    memcpy(c->idx, m->idx, sizeof(c->idx));
  }
}

/* Publishes the next phase generation; wakes blocked workers. Returns whether some worker was blocked. */
static bool publish(jit_engine *e) {
  atomic_store(&e->pool->gen.v, ++e->gen);
  if (!atomic_load(&e->pool->sleepers.v))
    return false;
  pthread_mutex_lock(&e->mu);
  pthread_cond_broadcast(&e->wake);
  pthread_mutex_unlock(&e->mu);
  return true;
}

/* Runs a parallel phase: the main thread runs chunk 0, then waits for the others, running any chunk whose
 * worker has not claimed it within STEAL_MS. A worker that was spinning and did not claim its chunk in
 * that time has lost its core; a worker preempted inside a chunk it had claimed makes the main thread
 * wait for a whole scheduler time slice (milliseconds, against microseconds of work). Either way the
 * machine has more runnable threads than cores, and the engine backs off — the main thread
 * runs the next SOLO_STEPS phases alone, doubling on every repeat up to SOLO_MAX, halving back after a
 * solo stretch — so an oversubscribed machine costs about the single-thread speed instead of a multiple
 * of it. Results do not depend on who runs a chunk. */
void rt_jit_run_phase(jit_engine *e, int phase) {
  unsigned T = e->nthreads;
  set_phase(e, phase);
  e->synced = false; /* the phase changes the blocks */
  if (T == 1 || e->solo_left) {
    for (unsigned c = 0; c < T; c++)
      do_phase(e, &e->pool->gen, c);
    if (T > 1 && !--e->solo_left && e->solo_len > SOLO_STEPS)
      e->solo_len /= 2;
    return;
  }
  bool woken = publish(e); /* a blocked worker takes a wake-up to start: expected, not a sign of load */
  if (claim(e, 0, e->gen))
    run_chunk(e, 0, e->gen);
  if (all_done(e))
    return;
  double t0 = now_ms(), t = t0;
  bool stolen = false;
  for (unsigned spins = 1; !all_done(e); spins++) {
    cpu_relax();
    if (spins % 64)
      continue;
    t = now_ms();
    if (!stolen && t - t0 > STEAL_MS) { /* workers not running: their chunks are still free */
      stolen = true;
      for (unsigned c = 1; c < T; c++)
        if (claim(e, c, e->gen))
          run_chunk(e, c, e->gen);
    } else if (stolen)
      sched_yield(); /* a worker is finishing a claimed chunk: it may need this core */
  }
  /* a spinning worker lost its core twice in a row (once is a hiccup of the host), or was preempted */
  e->late = stolen && !woken ? e->late + 1 : 0;
  if (e->late >= 2 || t - t0 > PREEMPTED_MS) {
    e->late = 0;
    e->solo_len = e->solo_len ? (e->solo_len * 2 > SOLO_MAX ? SOLO_MAX : e->solo_len * 2) : SOLO_STEPS;
    e->solo_left = e->solo_len;
    e->backoffs++;
  }
}

bool rt_jit_start_threads(jit_engine *e) {
  for (unsigned t = 1; t < e->nthreads; t++) {
    worker_arg *w = malloc(sizeof(*w));
    if (!w)
      return false;
    *w = (worker_arg){e, t};
    if (pthread_create(&e->th[t], NULL, worker, w) != 0) {
      free(w);
      return false;
    }
    e->nstarted = t;
  }
  return true;
}

/* Stops and joins the workers started so far (jit_destroy; also after a failed start). */
void rt_jit_stop_threads(jit_engine *e) {
  if (!e->nstarted)
    return;
  atomic_store(&e->quit, 1);
  (void)publish(e); /* wakes the workers, which see `quit` before claiming */
  for (unsigned t = 1; t <= e->nstarted; t++)
    pthread_join(e->th[t], NULL);
}
