/* engine_jit_int.h — internal to the jit engine (runtime/engine_jit*.c): its data structures (the plan of
 * generated populations and projections, the per-thread blocks, the worker pool and its mailboxes), the
 * small helpers they share, and the functions one file of the engine calls in another:
 *   engine_jit.c          the engine vtable, creation, the step loop, image offers, rt_jit_info_get
 *   engine_jit_plan.c     what gets generated (lif and push specs, run-time parameter arrays), compilation,
 *                         the perf map
 *   engine_jit_sync.c     per-thread arenas and blocks, copying state to and from the interp's arrays
 *                         (converting the refractory state), the refractory clock's epoch
 *   engine_jit_threads.c  the parallel phases: block updates, pushes, mailboxes, workers, back-off
 * docs/jit.md describes the whole. */
#ifndef ASTROC_ENGINE_JIT_INT_H
#define ASTROC_ENGINE_JIT_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "be_cpu.h"
#include "engine_jit.h"
#include "models.h"

#define MAX_IN 16      /* incoming projections of a generated lif update (gen_lif.c) */
#define BLOCK_ALIGN 64 /* neuron blocks of threads start at multiples of this (cache lines of spk, rings) */
#define MAX_THREADS 64
#define SPIN_WORKER_MS 0.3 /* a worker spins this long for the next phase before blocking */
#define YIELD_MS 0.02      /* ... yielding its core from then on (it may be needed by the thread it waits for) */
#define STEAL_MS 0.005     /* the main thread runs a chunk itself when its owner has not claimed it by then */
#define PREEMPTED_MS 0.2   /* a wait this long for a claimed chunk means the worker lost its core */
#define LINE 128 /* bytes between data written by different threads (64-byte lines, fetched in pairs) */
#define PAGE 4096
#define SOLO_STEPS 2048   /* phases the main thread then runs alone (doubling on repeats) */
#define SOLO_MAX (1 << 20)
/* The refractory state of generated populations is the last step of each neuron's refractory period as
 * an int32 relative to the engine's epoch (be_cpu.h): the epoch moves up every EPOCH_STEPS steps
 * (rebase_epoch), so with nref at most MAX_NREF every value fits. */
#define EPOCH_STEPS (1 << 29)
#define MAX_NREF (1 << 30)

/* Block t of a generated population: everything thread t reads and writes for it in a step. With several
 * threads the block's state, spike flags, spike list and ring cells are the engine's own copies, in an
 * arena of the thread's own pages (the interp's arrays are brought up to date after every run, see
 * rt_jit_sync_out): two threads writing different cache lines of one 4 KB page slow each other down
 * several times on this machine (docs/jit.md, Threads), so blocks of the interp's arrays cannot be shared.
 * With one thread the pointers are the interp's arrays, except the refractory state (the last step of
 * each neuron's period instead of the interp's countdown, be_cpu.h) and, in fixed numerics, the ring
 * cells (int32 instead of int64): they are always the block's own, converted by the same copies. */
typedef struct jit_blk {
  void *ptrs[BE_CPU_LIF_RING0 + MAX_IN]; /* the lif's arguments, indexed from the block's first neuron */
  void *ring[MAX_IN];                    /* incoming projection q: nring slots of n cells */
  uint32_t nring[MAX_IN];
  uint32_t lo, n;                        /* neurons [lo, lo + n) */
  uint8_t *forced;                       /* the interp's forced flags of the block */
  int64_t *last;                         /* the interp's last-spike times (whole population) */
  /* Threads > 1: the block's spikes (absolute indices, ascending) and their number, for steps of even
   * and odd number: the other threads push a step's spikes during the next step's phase, while the
   * block compacts that step's into the other list. */
  uint32_t *idx[2];
  uint32_t nspk[2];
} jit_blk;

#define MAIL_POPS 4 /* generated populations whose spike counts a mailbox carries */
#define MAIL_IDX 12 /* spike indices it carries */

/* What a chunk tells the others when it is done, in one cache line: the main thread polls `seq` and gets
 * the chunk's spikes with the same transfer; the other workers read the main thread's chunk 0 from the
 * published generation (jit_word), where main copies it. When a chunk spiked more than MAIL_IDX times
 * (or more than MAIL_POPS populations are generated), `inl` is 0 and readers take the blocks' lists. */
typedef struct jit_mail {
  _Alignas(64) _Atomic uint32_t seq; /* the generation of the phase that wrote it */
  uint16_t n[MAIL_POPS];             /* spikes of the chunk's block of generated population k (gidx) */
  uint8_t inl;                       /* the lists are in idx, one after the other */
  uint32_t idx[MAIL_IDX];
} jit_mail;

/* Thread t's push into a projection's ring cells of post block t. */
typedef struct jit_pblk {
  void *ptrs[BE_CPU_PUSH_RING + 1];
  int64_t ncell; /* ring cells per slot: the block's size (threads > 1) or the post population's */
} jit_pblk;

typedef struct jit_pop {
  rt_pop *p;
  bool gen;     /* generated; false: the interp's update runs this population */
  be_cpu_fn fn;
  bool has_inj;
  uint32_t nin;
  rt_proj *in[MAX_IN];
  void *ptrs[BE_CPU_LIF_RING0 + MAX_IN];
  uint32_t blk[MAX_THREADS + 1]; /* thread t updates neurons [blk[t], blk[t+1]) */
  bool uniform[BE_CPU_LIF_NPARAM]; /* parameter k is one value (not indexed by neuron) */
  bool spk_read; /* the interp reads the spike flags (plasticity traces): blocks write the interp's */
  jit_blk *b[MAX_THREADS]; /* block t, in thread t's arena */
  int gidx;                /* among the generated populations, if below MAIL_POPS, else -1 */
} jit_pop;

typedef struct jit_proj {
  rt_proj *p;
  bool gen;     /* generated; false: pushed by push_c (post not generated) or not an event projection */
  be_cpu_fn fn;
  void *ptrs[BE_CPU_PUSH_RING + 1];
  int64_t stride; /* of ptrs[RP]: 1 (the CSR row_ptr) or threads + 1 */
  jit_pblk *pb[MAX_THREADS]; /* thread t's arguments, in its arena */
  uint32_t q;     /* index of this projection in its post population's incoming list */
  int64_t nring;  /* ring slots */
  const jit_pop *pre_gen; /* the presynaptic population if generated (its blocks' spike lists), else NULL */
} jit_proj;

#define PEND_INLINE 10 /* pending counts carried in the generation's cache line (the first projections) */

/* One synchronisation word per cache-line pair, so that threads never write lines others poll. The
 * generation word carries what a worker needs to run a phase: its first line the phase parameters, its
 * second line chunk 0's mailbox (fetched together by the adjacent-line prefetch). */
typedef struct jit_word {
  _Alignas(LINE) _Atomic uint32_t v;
  int phase;     /* gen only: what the main thread publishes with a generation: the phase, */
  bool injected; /* whether a neuron may be forced in this step, */
  uint64_t step; /* the step, */
  uint64_t epoch; /* the refractory clock's epoch, */
  uint32_t pend[PEND_INLINE]; /* (fused mode) the spikes of the last step still to push, per projection, */
  jit_mail mail0;             /* and chunk 0's mailbox of the last step (gen only) */
} jit_word;

/* The worker pool. A phase is split into `nthreads` chunks; chunk t (block t of every population and of
 * every post population's ring cells) belongs to thread t, so each block's data stays in one core's
 * cache. The main thread (thread 0) publishes a phase by incrementing `gen`; a thread claims a chunk by
 * moving claim[t] up to the generation, so a chunk runs exactly once, and reports it done in the chunk's
 * mailbox (jit_mail.seq). When a worker has not claimed its chunk STEAL_MS after the publication (the OS
 * has not scheduled it), the main thread claims and runs it itself: results do not depend on who runs a
 * chunk. */
typedef struct jit_pool {
  jit_word gen;      /* the published phase generation (and the phase) */
  jit_word sleepers; /* workers blocked on `wake` (they spun SPIN_WORKER_MS without a phase) */
  jit_word claim[MAX_THREADS]; /* the generation in which chunk t was last claimed */
} jit_pool;

typedef struct jit_engine {
  void *interp; /* the interp engine object (rt_engine_interp.create), owned */
  rt_interp *s;
  rt_sim *sim;
  be_cpu_jit *jit;
  jit_pop *pops;
  jit_proj *projs;
  void **owned; /* arrays to free */
  size_t nowned;
  unsigned nthreads, nfunctions;
  uint32_t npops, nprojs;
  bool fixed;
  bool fused;   /* one parallel phase per step (PHASE_STEP) */
  double compile_ms;
  be_cpu_origin origin; /* where the native code came from */
  /* Worker pool: see jit_pool. */
  pthread_t th[MAX_THREADS];
  unsigned nstarted;
  jit_pool *pool;
  _Atomic int quit;
  pthread_mutex_t mu;
  pthread_cond_t wake;
  /* Fused mode: per projection, the spikes of the last step still to push (pre->idx keeps them; they go to
   * ring slot step % nring, step being the one after theirs). The first PEND_INLINE are copied into the
   * generation's line with a phase: one cache-line transfer brings a worker the phase and its counts. */
  uint32_t *pend;
  jit_mail *mail[MAX_THREADS]; /* chunk t's mailboxes for steps of even and odd number, in its arena */
  /* Written by the main thread every step, on lines of their own (the workers read the fields above). */
  _Alignas(LINE) uint32_t gen;  /* main thread's phase generation */
  unsigned solo_left, solo_len; /* back-off: phases the main thread still runs alone, length of the last */
  unsigned late;                /* consecutive phases in which a spinning worker did not claim its chunk */
  uint64_t backoffs;            /* how often (ASTROC_JIT_VERBOSE reports it) */
  bool injected; /* some neuron may be forced this step (rt_sim_inject, restore): lif reads the flags */
  bool synced;   /* the interp's arrays hold the blocks' state (rt_jit_sync_out) */
  /* Refractory clock (EPOCH_STEPS): the blocks' REF values count steps from `epoch`; the blocks' state is
   * that at the start of step `state_step` (one more than the interp's step during callbacks). */
  uint64_t epoch, state_step, epoch_steps;
  struct jit_engine *next; /* registry of live engines (rt_jit_info_get) */
} jit_engine;

/* Parallel phases. Two-phase mode: UPDATE then, after compaction, PUSH, every step. Fused mode (the
 * default when every generated projection allows it, see rt_jit_plan_fused): one STEP phase per step that first
 * pushes the previous step's spikes into the thread's own ring cells and then updates its own neurons,
 * and a FLUSH (push only) at the end of each run, so between runs the rings are exactly the interp's. */
enum { PHASE_UPDATE, PHASE_PUSH, PHASE_STEP, PHASE_FLUSH };

/* t % n for a ring of n slots, without a 64-bit division when n is a power of two (a maximum delay of
 * 0, 1, 3, 7 ... steps; a division costs tens of cycles, and a step computes this once per ring and per
 * push). */
static inline uint64_t ring_slot(uint64_t t, uint64_t n) { return n & (n - 1) ? t % n : t & (n - 1); }

/* Bytes of an injected-current element (the interp's inj_i or inj_f). */
static inline size_t inj_size(const jit_engine *e) { return e->fixed ? sizeof(int64_t) : sizeof(float); }

/* Bytes of a ring cell of the generated code: int32 (fixed) or float (be_cpu.h). The interp's fixed
 * cells are int64, so in fixed mode the blocks always hold rings of their own (rt_jit_sync_blocks). */
#define RING_CELL 4
/* Synapses a projection into a generated population may have in fixed mode: each adds an 8-bit mantissa
 * (at most 128 in magnitude) to a cell at most once per step, so a cell's sum stays within int32. */
#define RING_SUMS_MAX ((UINT64_C(1) << 24) - 1)

/* Whether the blocks hold their own ring cells (else, one float thread, the interp's). */
static inline bool own_rings(const jit_engine *e) { return e->nthreads > 1 || e->fixed; }

static inline void *at(void *p, uint32_t lo, size_t esz) { return (char *)p + (size_t)lo * esz; }

static inline double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static inline bool env_on(const char *name) {
  const char *v = getenv(name);
  return v && *v && strcmp(v, "0") != 0;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/* ---------------------------------------------------------------- engine_jit.c */

/* Zeroed, `align`-aligned and padded to whole `align`s, freed with the engine: arrays cut into per-thread
 * blocks of 64 elements then never share a cache line between threads. rt_jit_own aligns to LINE. */
void *rt_jit_own_aligned(jit_engine *e, size_t n, size_t size, size_t align);
void *rt_jit_own(jit_engine *e, size_t n, size_t size);

/* ---------------------------------------------------------------- engine_jit_plan.c */

/* Plans every population and projection, generates and compiles (or loads) their code, looks up the
 * functions; errors go to d. */
bool rt_jit_compile(jit_engine *e, ir_diag *d);
/* Whether the fused schedule (one parallel phase per step) is correct for this network. */
bool rt_jit_plan_fused(const jit_engine *e);
/* "compiled", "cached object", "shared in process", "embedded object". */
const char *rt_jit_origin_name(be_cpu_origin o);

/* ---------------------------------------------------------------- engine_jit_sync.c */

/* Lays out every thread's arena and fills the blocks from the interp's state. */
bool rt_jit_build_blocks(jit_engine *e);
/* Copies the blocks' state to the interp's arrays (out) or from them. */
void rt_jit_sync_blocks(jit_engine *e, bool out);
/* The interp's arrays up to date (state reads, checkpoints, the end of a run). */
void rt_jit_sync_out(jit_engine *e);
/* Moves the refractory clock's epoch to step t (between phases; see EPOCH_STEPS). */
void rt_jit_rebase_epoch(jit_engine *e, uint64_t t);

/* ---------------------------------------------------------------- engine_jit_threads.c */

/* Compacts the spike flags spk[0, n) of neurons base + [0, n) into the ascending list out (returns the
 * count), recording last-spike times at t unless last is NULL. */
uint32_t rt_jit_compact_range(const uint8_t *spk, uint32_t n, uint32_t base, uint32_t *out, int64_t *last,
                              uint64_t t);
/* Runs a phase (PHASE_*) over all chunks. */
void rt_jit_run_phase(jit_engine *e, int phase);
/* Threads > 1, after an update phase: the blocks' spike lists become the populations' lists. */
void rt_jit_gather_spikes(jit_engine *e);
bool rt_jit_start_threads(jit_engine *e);
void rt_jit_stop_threads(jit_engine *e);

#endif /* ASTROC_ENGINE_JIT_INT_H */
