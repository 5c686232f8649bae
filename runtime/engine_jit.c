/* engine_jit.c — the `jit` engine: the interp's data structures and step order, with the hot loops of lif
 * populations (event delivery + neuron update) and of their incoming projections (spike push into delay
 * rings) replaced by native code generated for this network by backends/cpu (LLVM), optionally over
 * several threads. Everything else (inputs, kernel models, plasticity, astrocytes, probes, checkpoints)
 * is the interp's own code on the same arrays, so it is bit-exact by construction; the generated loops
 * follow docs/numerics.md operation for operation (docs/jit.md). */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "be_cpu.h"
#include "be_cpu_embed.h"
#include "engine_jit.h"
#include "image.h"
#include "models.h"
#include "rng.h"

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

/* Block t of a generated population: everything thread t reads and writes for it in a step. With several
 * threads the block's state, spike flags, spike list and ring cells are the engine's own copies, in an
 * arena of the thread's own pages (the interp's arrays are brought up to date after every run, see
 * sync_out): two threads writing different cache lines of one 4 KB page slow each other down several
 * times on this machine (docs/jit.md, Threads), so blocks of the interp's arrays cannot be shared. With
 * one thread the pointers are the interp's arrays. */
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
  uint8_t *nothing_forced; /* all zero, as long as the largest population: the flags of other steps */
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
  bool synced;   /* threads > 1: the interp's arrays hold the blocks' state (sync_out) */
  struct jit_engine *next; /* registry of live engines (rt_jit_info_get) */
} jit_engine;

/* Parallel phases. Two-phase mode: UPDATE then, after compaction, PUSH, every step. Fused mode (the
 * default when every generated projection allows it, see plan_fused): one STEP phase per step that first
 * pushes the previous step's spikes into the thread's own ring cells and then updates its own neurons,
 * and a FLUSH (push only) at the end of each run, so between runs the rings are exactly the interp's. */
enum { PHASE_UPDATE, PHASE_PUSH, PHASE_STEP, PHASE_FLUSH };

/* ---------------------------------------------------------------- registry for rt_jit_info_get */

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static jit_engine *registry;

static void registry_add(jit_engine *e) {
  pthread_mutex_lock(&registry_lock);
  e->next = registry;
  registry = e;
  pthread_mutex_unlock(&registry_lock);
}

static void registry_remove(jit_engine *e) {
  pthread_mutex_lock(&registry_lock);
  for (jit_engine **pp = &registry; *pp; pp = &(*pp)->next)
    if (*pp == e) {
      *pp = e->next;
      break;
    }
  pthread_mutex_unlock(&registry_lock);
}

bool rt_jit_info_get(const rt_sim *sim, rt_jit_info *out) {
  bool found = false;
  pthread_mutex_lock(&registry_lock);
  for (jit_engine *e = registry; e; e = e->next)
    if (e->sim == sim) {
      out->compile_ms = e->compile_ms;
      out->threads = e->nthreads;
      out->nfunctions = e->nfunctions;
      out->cpu = be_cpu_host_cpu();
      found = true;
      break;
    }
  pthread_mutex_unlock(&registry_lock);
  return found;
}

static jit_engine *find(const rt_sim *sim) { /* caller holds registry_lock */
  jit_engine *e = registry;
  while (e && e->sim != sim)
    e = e->next;
  return e;
}

static const char *origin_name(be_cpu_origin o);

const char *rt_jit_origin(const rt_sim *sim) {
  pthread_mutex_lock(&registry_lock);
  jit_engine *e = find(sim);
  const char *o = e ? origin_name(e->origin) : NULL;
  pthread_mutex_unlock(&registry_lock);
  return o;
}

bool rt_jit_native_section(const rt_sim *sim, void **out, size_t *len) {
  pthread_mutex_lock(&registry_lock);
  jit_engine *e = find(sim);
  const void *obj;
  size_t n;
  uint64_t key;
  bool ok = e && e->jit && be_cpu_jit_object(e->jit, &obj, &n, &key) && key != 0 &&
            be_cpu_native_encode(key, obj, n, out, len);
  pthread_mutex_unlock(&registry_lock);
  return ok;
}

bool rt_jit_native_for(const ir_module *m, void **out, size_t *len, char *note, size_t notelen) {
  ir_diag *quiet = ir_diag_create(NULL);
  rt_options opt = {.engine = "jit", .numerics = -1, .threads = 1};
  rt_sim *sim = quiet ? rt_sim_create(m, &opt, quiet) : NULL;
  bool ok = sim && rt_jit_native_section(sim, out, len);
  if (!ok)
    snprintf(note, notelen, "%s", !quiet ? "out of memory" : !sim ? ir_diag_last(quiet) : "no object code");
  rt_sim_destroy(sim);
  ir_diag_destroy(quiet);
  return ok;
}

/* The whole file at path (malloc'd) or NULL after reporting. */
static void *slurp(const char *path, size_t *len, ir_diag *d) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    ir_error(d, (ir_loc){.file = path}, "cannot open: %s", strerror(errno));
    return NULL;
  }
  size_t cap = 1 << 16, n = 0, got;
  unsigned char *p = malloc(cap);
  while (p && (got = fread(p + n, 1, cap - n, f)) > 0)
    if ((n += got) == cap) {
      unsigned char *q = realloc(p, cap *= 2);
      if (!q)
        free(p);
      p = q;
    }
  bool bad = ferror(f) || !p;
  fclose(f);
  if (bad) {
    free(p);
    ir_error(d, (ir_loc){.file = path}, "cannot read the image");
    return NULL;
  }
  *len = n;
  return p;
}

bool rt_jit_offer_image(const char *path, int *state, char *note, size_t notelen, ir_diag *d) {
  *state = 0;
  size_t len = 0, slen = 0;
  const void *sec = NULL;
  void *data = slurp(path, &len, d);
  bool ok = data && ir_image_find_section(data, len, IR_IMAGE_SECTION_NATIVE, path, &sec, &slen, d);
  if (ok && sec) {
    be_cpu_native nat;
    char err[256];
    if (!be_cpu_native_decode(sec, slen, &nat, err, sizeof err)) {
      ir_error(d, (ir_loc){.file = path}, "image corrupt: %s", err);
      ok = false;
    } else if (!be_cpu_native_matches_host(&nat, note, notelen)) {
      *state = 2;
    } else if (!be_cpu_offer_object(nat.key, nat.obj, nat.objlen)) {
      ir_error(d, (ir_loc){.file = path}, "out of memory reading the image's native code");
      ok = false;
    } else {
      *state = 1;
    }
  }
  free(data);
  return ok;
}

/* ---------------------------------------------------------------- helpers */

/* Zeroed, LINE-aligned and padded to whole LINEs, freed with the engine: arrays cut into per-thread
 * blocks of 64 elements then never share a cache line between threads. */
static void *own_aligned(jit_engine *e, size_t n, size_t size, size_t align) {
  void **v = realloc(e->owned, (e->nowned + 1) * sizeof(*v));
  if (!v)
    return NULL;
  e->owned = v;
  if (size && (n ? n : 1) > (SIZE_MAX - align) / size)
    return NULL;
  size_t bytes = ((n ? n : 1) * size + align - 1) / align * align;
  void *p = aligned_alloc(align, bytes);
  if (p) {
    memset(p, 0, bytes);
    e->owned[e->nowned++] = p;
  }
  return p;
}

static void *own(jit_engine *e, size_t n, size_t size) { return own_aligned(e, n, size, LINE); }

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static void *registered(rt_interp *s, ir_ref node, const char *name) {
  for (size_t k = 0; k < s->nreg; k++)
    if (s->reg[k].name && s->reg[k].node.kind == node.kind && s->reg[k].node.index == node.index &&
        strcmp(s->reg[k].name, name) == 0)
      return s->reg[k].ptr;
  return NULL;
}

static bool env_on(const char *name) {
  const char *v = getenv(name);
  return v && *v && strcmp(v, "0") != 0;
}

/* A value that does not depend on the seed: folding it keeps the code valid for a re-run with another seed. */
static bool seed_free(const ir_value *v) {
  return v->kind == IR_VAL_CONST || v->kind == IR_VAL_UNSET;
}

/* ---------------------------------------------------------------- lif: parameters and spec */

/* The interp's float decay factor (neuron_lif.c): (4096 - off - d)/4096 when d is set, else exp(-dt/tau). */
static float decay_factor(double tau, double d, double dt, double off) {
  if (!isnan(d))
    return (float)((4096.0 - off - d) / 4096.0);
  return tau > 0 ? (float)exp(-dt / tau) : 0.0f;
}

/* Fills the parameter arrays of a population: one element for a uniform parameter (its IR value is a
 * constant, not a distribution), one per neuron otherwise, from the same draws and derivations as
 * neuron_lif.c (rt_sample_params keyed by the population, ir_fx_lif_derive). Values are data, never code:
 * "uniform" depends on the model only, so another seed or other constants reuse the compiled code. */
static bool lif_params(jit_engine *e, jit_pop *jp, be_cpu_lif *spec, ir_diag *d) {
  rt_interp *s = e->s;
  rt_pop *p = jp->p;
  const ir_value *iv = p->ip->params;
  const ir_model_desc *desc = ir_neuron_model_desc(IR_NEURON_LIF);
  spec->uniform[BE_CPU_LIF_P_DECAY_U] = seed_free(&iv[IR_P_LIF_TAU_U]) && seed_free(&iv[IR_P_LIF_DU]);
  spec->uniform[BE_CPU_LIF_P_DECAY_V] = seed_free(&iv[IR_P_LIF_TAU_V]) && seed_free(&iv[IR_P_LIF_DV]);
  spec->uniform[BE_CPU_LIF_P_VTH] = seed_free(&iv[IR_P_LIF_V_TH]);
  spec->uniform[BE_CPU_LIF_P_BIAS] = seed_free(&iv[IR_P_LIF_BIAS]);
  spec->uniform[BE_CPU_LIF_P_NREF] = seed_free(&iv[IR_P_LIF_REFRACTORY]);
  double *prm = rt_sample_params(s, iv, desc, RNG_KIND_NEURON_PARAM, p->index, p->n);
  if (!prm)
    return false;
  int32_t *arr[BE_CPU_LIF_NPARAM] = {0};
  for (int k = 0; k < BE_CPU_LIF_NPARAM; k++)
    if (!(arr[k] = own(e, spec->uniform[k] ? 1 : p->n, sizeof(int32_t)))) {
      free(prm);
      return false;
    }
  for (uint32_t i = 0; i < p->n; i++) {
    const double *q = prm + (size_t)i * desc->nparams;
    int64_t qv[BE_CPU_LIF_NPARAM];
    float fv[BE_CPU_LIF_NPARAM] = {0};
    if (s->fixed) {
      ir_fx_lif fx;
      const char *why = NULL;
      if (!ir_fx_lif_derive(q, s->m->dt, s->m->v_unit, &fx, &why)) { /* the interp accepted it already */
        ir_error(d, p->ip->loc, "population '%s' (neuron %u): %s", p->ip->name, i, why);
        free(prm);
        return false;
      }
      qv[BE_CPU_LIF_P_DECAY_U] = fx.du;
      qv[BE_CPU_LIF_P_DECAY_V] = fx.dv;
      qv[BE_CPU_LIF_P_VTH] = (int64_t)fx.vth_mant << 6;
      qv[BE_CPU_LIF_P_BIAS] = (int64_t)fx.bias_mant * (INT64_C(1) << fx.bias_exp);
      qv[BE_CPU_LIF_P_NREF] = fx.refractory;
    } else {
      fv[BE_CPU_LIF_P_DECAY_U] = decay_factor(q[IR_P_LIF_TAU_U], q[IR_P_LIF_DU], s->m->dt, 1);
      fv[BE_CPU_LIF_P_DECAY_V] = decay_factor(q[IR_P_LIF_TAU_V], q[IR_P_LIF_DV], s->m->dt, 0);
      fv[BE_CPU_LIF_P_VTH] = (float)q[IR_P_LIF_V_TH];
      fv[BE_CPU_LIF_P_BIAS] = (float)q[IR_P_LIF_BIAS];
      double r = round(q[IR_P_LIF_REFRACTORY] / s->m->dt);
      qv[BE_CPU_LIF_P_NREF] = r > 1e9 ? 1000000000 : (int32_t)r;
    }
    for (int k = 0; k < BE_CPU_LIF_NPARAM; k++) {
      if (spec->uniform[k] && i > 0)
        continue;
      if (!s->fixed && k != BE_CPU_LIF_P_NREF)
        memcpy(&arr[k][i], &fv[k], sizeof(float));
      else
        arr[k][i] = (int32_t)qv[k];
    }
  }
  free(prm);
  for (int k = 0; k < BE_CPU_LIF_NPARAM; k++)
    jp->ptrs[BE_CPU_LIF_PARAM0 + k] = arr[k];
  return true;
}

static bool plan_pop(jit_engine *e, jit_pop *jp, be_cpu_lif *spec, char *name, ir_diag *d) {
  rt_interp *s = e->s;
  rt_pop *p = jp->p;
  if (p->ip->model != IR_NEURON_LIF || rt_pop_astro_coupled(s, p))
    return true; /* astrocyte coupling (modulated delivery, slow currents) stays in the interp's loops */
  for (uint32_t k = 0; k < s->m->nprojs; k++)
    if (s->projs[k].post == p && s->projs[k].nring) {
      if (jp->nin == MAX_IN)
        return true; /* too many inputs for one generated loop: the interp path runs this population */
      jp->in[jp->nin++] = &s->projs[k];
    }
  for (uint32_t k = 0; k < s->m->ninputs; k++)
    if (s->inputs[k].inject == p)
      jp->has_inj = true;
  ir_ref node = {IR_NODE_POPULATION, p->index};
  jp->ptrs[BE_CPU_LIF_V] = registered(s, node, "v");
  jp->ptrs[BE_CPU_LIF_U] = registered(s, node, "u");
  jp->ptrs[BE_CPU_LIF_REF] = registered(s, node, "ref");
  if (!jp->ptrs[BE_CPU_LIF_V] || !jp->ptrs[BE_CPU_LIF_U] || !jp->ptrs[BE_CPU_LIF_REF])
    return true; /* not the lif state this engine knows: leave it to the interp */
  jp->ptrs[BE_CPU_LIF_INJ] = s->fixed ? (void *)p->inj_i : (void *)p->inj_f;
  jp->ptrs[BE_CPU_LIF_FORCED] = p->src->forced;
  jp->ptrs[BE_CPU_LIF_SPK] = p->src->spk;
  int64_t *shift = own(e, MAX_IN, sizeof(int64_t));
  if (!shift)
    return false;
  for (uint32_t k = 0; k < jp->nin; k++)
    shift[k] = 6 + jp->in[k]->wexp;
  jp->ptrs[BE_CPU_LIF_SHIFT] = shift;
  snprintf(name, 32, "astroc_lif_%u", p->index);
  *spec = (be_cpu_lif){.name = name, .fixed = s->fixed, .nin = jp->nin, .has_inj = jp->has_inj};
  if (!lif_params(e, jp, spec, d))
    return false;
  const int32_t *nref = jp->ptrs[BE_CPU_LIF_PARAM0 + BE_CPU_LIF_P_NREF];
  for (uint32_t i = 0; i < (spec->uniform[BE_CPU_LIF_P_NREF] ? 1 : p->n); i++)
    if (nref[i] > INT16_MAX)
      return true; /* the generated code's counters are int16: the interp runs this population */
  memcpy(jp->uniform, spec->uniform, sizeof(jp->uniform));
  jp->gen = true; /* the address comes after compilation */
  unsigned T = e->nthreads;
  for (unsigned t = 0; t <= T; t++) {
    uint64_t b = (uint64_t)p->n * t / T;
    jp->blk[t] = t == T ? p->n : (uint32_t)(b / BLOCK_ALIGN * BLOCK_ALIGN);
  }
  return true;
}

/* ---------------------------------------------------------------- push: spec and per-thread rows */

static bool all_equal_u16(const uint16_t *v, uint64_t n) {
  for (uint64_t k = 1; k < n; k++)
    if (v[k] != v[0])
      return false;
  return true;
}

static bool plan_proj(jit_engine *e, jit_proj *jq, be_cpu_push *spec, char *name) {
  rt_interp *s = e->s;
  rt_proj *p = jq->p;
  jit_pop *post = &e->pops[p->post->index];
  if (!p->nring || !post->gen || p->modulated)
    return true;
  const ir_csr *c = p->csr;
  const ir_projection *ip = p->ip;
  bool list = ip->rule.kind == IR_CONN_LIST;
  snprintf(name, 32, "astroc_push_%u", p->index);
  *spec = (be_cpu_push){.name = name, .fixed = s->fixed};
  /* Uniform delays / weights are read from element 0 of their arrays; "uniform" is decided from the model
   * (a constant, not a distribution), so the choice, and the code, does not change with the seed. */
  spec->delay_uniform = (list || seed_free(&ip->delay)) && all_equal_u16(c->delay, c->nsyn);
  bool wu = ip->plasticity == IR_PLAST_NONE && (list || seed_free(&ip->weight));
  for (uint64_t k = 1; wu && k < c->nsyn; k++)
    wu = s->fixed ? p->w_q[k] == p->w_q[0] : memcmp(&p->w_f[k], &p->w_f[0], sizeof(float)) == 0;
  spec->w_uniform = wu;
  jq->ptrs[BE_CPU_PUSH_IDX] = p->pre->idx;
  jq->ptrs[BE_CPU_PUSH_COL] = c->col;
  /* Columns as uint16 when the post population allows: the push reads half the bytes (rows come from
   * L3 or memory: a step touches a few random rows of a CSR that does not fit the L2). */
  if (c->npost <= 65536 && c->nsyn > 0 && !env_on("ASTROC_JIT_COL32")) {
    uint16_t *c16 = own(e, (size_t)c->nsyn, sizeof(uint16_t));
    if (!c16)
      return false;
    for (uint64_t k = 0; k < c->nsyn; k++)
      c16[k] = (uint16_t)c->col[k];
    jq->ptrs[BE_CPU_PUSH_COL] = c16;
    spec->col16 = true;
  }
  jq->ptrs[BE_CPU_PUSH_DELAY] = c->delay;
  jq->ptrs[BE_CPU_PUSH_W] = s->fixed ? (void *)p->w_q : (void *)p->w_f;
  jq->ptrs[BE_CPU_PUSH_RING] = s->fixed ? (void *)p->ring_i : (void *)p->ring_f;
  unsigned T = e->nthreads;
  if (T == 1) {
    jq->ptrs[BE_CPU_PUSH_RP] = c->row_ptr;
    jq->stride = 1;
  } else { /* thread t's part of row i: the synapses whose post is in its block (cols ascend in a row) */
    uint64_t *rp = own(e, (size_t)c->npre * (T + 1) + 1, sizeof(uint64_t));
    if (!rp)
      return false;
    for (uint32_t i = 0; i < c->npre; i++) {
      uint64_t k = c->row_ptr[i];
      for (unsigned t = 0; t < T; t++) {
        while (k < c->row_ptr[i + 1] && c->col[k] < post->blk[t])
          k++;
        rp[(size_t)i * (T + 1) + t] = k;
      }
      rp[(size_t)i * (T + 1) + T] = c->row_ptr[i + 1];
    }
    jq->ptrs[BE_CPU_PUSH_RP] = rp;
    jq->stride = T + 1;
  }
  jq->nring = p->nring;
  if (ip->pre.kind == IR_NODE_POPULATION && e->pops[ip->pre.index].gen)
    jq->pre_gen = &e->pops[ip->pre.index];
  jq->gen = true;
  return true;
}

/* ---------------------------------------------------------------- compilation */

static bool jit_fail(ir_diag *d, const ir_module *m, const char *what, const char *err) {
  ir_error(d, m->loc, "jit engine: %s: %s", what, err);
  return false;
}

/* The disk cache folder: $ASTROC_JIT_CACHE ("off" or "0": none), else $XDG_CACHE_HOME/astroc/jit, else
 * $HOME/.cache/astroc/jit, else none. Written into buf. */
static const char *cache_dir(char *buf, size_t n) {
  const char *v = getenv("ASTROC_JIT_CACHE"), *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
  if (v)
    return *v && strcmp(v, "0") != 0 && strcmp(v, "off") != 0 ? v : NULL;
  if (x && *x)
    snprintf(buf, n, "%s/astroc/jit", x);
  else if (h && *h)
    snprintf(buf, n, "%s/.cache/astroc/jit", h);
  else
    return NULL;
  return buf;
}

static const char *origin_name(be_cpu_origin o) {
  switch (o) {
  case BE_CPU_CACHED: return "cached object";
  case BE_CPU_SHARED: return "shared in process";
  case BE_CPU_EMBEDDED: return "embedded object";
  case BE_CPU_COMPILED: break;
  }
  return "compiled";
}

/* ASTROC_JIT_DUMP: optimise here to print the IR, then compile without any cache. */
static be_cpu_jit *build_dumped(be_cpu_program *prog, char *err, size_t n) {
  if (!be_cpu_optimize(prog, err, n))
    return NULL;
  char *ir = be_cpu_print_ir(prog);
  if (ir)
    fputs(ir, stderr);
  free(ir);
  return be_cpu_jit_create(prog, err, n);
}

static bool compile(jit_engine *e, ir_diag *d) {
  rt_interp *s = e->s;
  const ir_module *m = s->m;
  double t0 = now_ms();
  char err[512] = "", dir[4096];
  /* One module name for every network: the code (and its cache key) depends on the structure only. */
  be_cpu_program *prog = be_cpu_program_create("astroc", err, sizeof err);
  if (!prog)
    return jit_fail(d, m, "cannot start LLVM", err);
  char (*names)[32] = own(e, (size_t)m->npops + m->nprojs + 1, 32);
  bool ok = names != NULL;
  for (uint32_t k = 0; ok && k < m->npops; k++) {
    be_cpu_lif spec;
    ok = plan_pop(e, &e->pops[k], &spec, names[k], d);
    if (ok && e->pops[k].gen && !(ok = be_cpu_add_lif(prog, &spec, err, sizeof err)))
      jit_fail(d, m, "code generation", err);
  }
  for (uint32_t k = 0; ok && k < m->nprojs; k++) {
    be_cpu_push spec;
    ok = plan_proj(e, &e->projs[k], &spec, names[m->npops + k]);
    if (ok && e->projs[k].gen && !(ok = be_cpu_add_push(prog, &spec, err, sizeof err)))
      jit_fail(d, m, "code generation", err);
  }
  e->origin = BE_CPU_COMPILED;
  if (ok) {
    e->jit = env_on("ASTROC_JIT_DUMP") ? build_dumped(prog, err, sizeof err)
                                       : be_cpu_jit_build(prog, cache_dir(dir, sizeof dir), &e->origin, err, sizeof err);
    if (!e->jit)
      ok = jit_fail(d, m, "native code generation", err);
  }
  be_cpu_program_destroy(prog);
  for (uint32_t k = 0; ok && k < m->npops; k++)
    if (e->pops[k].gen && !(e->pops[k].fn = be_cpu_jit_lookup(e->jit, names[k], err, sizeof err)))
      ok = jit_fail(d, m, "native code generation", err);
  for (uint32_t k = 0; ok && k < m->nprojs; k++)
    if (e->projs[k].gen && !(e->projs[k].fn = be_cpu_jit_lookup(e->jit, names[m->npops + k], err, sizeof err)))
      ok = jit_fail(d, m, "native code generation", err);
  for (uint32_t k = 0; k < m->npops; k++)
    e->nfunctions += e->pops[k].gen;
  for (uint32_t k = 0; k < m->nprojs; k++)
    e->nfunctions += e->projs[k].gen;
  e->compile_ms = now_ms() - t0;
  for (uint32_t k = 0; ok && env_on("ASTROC_JIT_ADDR") && k < m->npops + m->nprojs; k++) {
    be_cpu_fn f = k < m->npops ? e->pops[k].fn : e->projs[k - m->npops].fn;
    uintptr_t a;
    memcpy(&a, &f, sizeof a); /* to attribute perf samples of JIT code */
    if (f)
      fprintf(stderr, "astroc: jit: %s at %#llx\n", names[k], (unsigned long long)a);
  }
  if (ok && env_on("ASTROC_JIT_VERBOSE"))
    fprintf(stderr, "astroc: jit: %u functions for %s, code: %s, %.1f ms, %u thread(s)\n", e->nfunctions,
            be_cpu_host_cpu(), origin_name(e->origin), e->compile_ms, e->nthreads);
  return ok;
}

/* Fused mode defers a generated projection's push from the end of step t to the start of step t+1's
 * parallel phase. Between the two run the interp's plasticity, the next step's inputs and clearing:
 * the push must read the same weights (no plasticity on the projection) and the same spike list (a
 * population's idx is only rewritten by the next compaction; an input's by the next step's inputs).
 * ASTROC_JIT_TWO_PHASE=1 forces the two-phase mode. */
static bool plan_fused(const jit_engine *e) {
  if (env_on("ASTROC_JIT_TWO_PHASE"))
    return false;
  for (uint32_t k = 0; k < e->s->m->nprojs; k++) {
    const jit_proj *jq = &e->projs[k];
    if (jq->gen && (jq->p->ip->plasticity != IR_PLAST_NONE || jq->p->ip->pre.kind != IR_NODE_POPULATION))
      return false;
  }
  return true;
}

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

/* Bytes of a ring cell and of an injected-current element. */
static size_t cell_size(const jit_engine *e) { return e->fixed ? sizeof(int64_t) : sizeof(float); }

/* p moved back by lo elements of esz bytes, for generated code that indexes it with the absolute neuron
 * numbers [lo, lo + n) of a block. Computed on integers: the address itself may lie outside the array. */
static void *biased(void *p, uint32_t lo, size_t esz) {
  return (void *)((uintptr_t)p - (uintptr_t)lo * esz);
}

static void *at(void *p, uint32_t lo, size_t esz) { return (char *)p + (size_t)lo * esz; }

/* Fills block t of a generated population (in the arena a: its own state with several threads). */
static jit_blk *layout_pop(jit_engine *e, jit_pop *jp, unsigned t, arena *a) {
  bool mine = e->nthreads > 1;
  uint32_t lo = jp->blk[t], n = jp->blk[t + 1] - lo;
  size_t cs = cell_size(e);
  jit_blk *b = take(a, sizeof(jit_blk));
  void *v = take(a, mine ? n * 4u : 0), *u = take(a, mine ? n * 4u : 0);
  void *ref = take(a, n * sizeof(int16_t)); /* always the engine's own: int16 counters (be_cpu.h) */
  void *spk = take(a, mine ? n : 0), *idx0 = take(a, mine ? n * sizeof(uint32_t) : 0),
       *idx1 = take(a, mine ? n * sizeof(uint32_t) : 0);
  void *ring[MAX_IN];
  for (uint32_t q = 0; q < jp->nin; q++)
    ring[q] = take(a, mine ? (size_t)jp->in[q]->nring * n * cs : 0);
  if (!b)
    return NULL;
  rt_src *c = jp->p->src;
  *b = (jit_blk){.lo = lo, .n = n, .forced = c->forced + lo, .last = c->last, .idx = {idx0, idx1}};
  memcpy(b->ptrs, jp->ptrs, sizeof(b->ptrs));
  b->ptrs[BE_CPU_LIF_V] = mine ? v : at(jp->ptrs[BE_CPU_LIF_V], lo, 4);
  b->ptrs[BE_CPU_LIF_U] = mine ? u : at(jp->ptrs[BE_CPU_LIF_U], lo, 4);
  b->ptrs[BE_CPU_LIF_REF] = ref;
  b->ptrs[BE_CPU_LIF_SPK] = mine && !jp->spk_read ? spk : c->spk + lo;
  for (int k = 0; k < BE_CPU_LIF_NPARAM; k++)
    if (!jp->uniform[k])
      b->ptrs[BE_CPU_LIF_PARAM0 + k] = at(jp->ptrs[BE_CPU_LIF_PARAM0 + k], lo, 4);
  b->ptrs[BE_CPU_LIF_INJ] = at(jp->ptrs[BE_CPU_LIF_INJ], lo, cs);
  for (uint32_t q = 0; q < jp->nin; q++) {
    rt_proj *p = jp->in[q];
    b->nring[q] = p->nring;
    b->ring[q] = mine ? ring[q] : e->fixed ? (void *)p->ring_i : (void *)p->ring_f; /* one block: lo 0 */
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
    pb->ptrs[BE_CPU_PUSH_RING] = biased(post->ring[jq->q], post->lo, cell_size(e));
    pb->ncell = post->n;
    jq->pb[t] = pb;
  }
}

static void copy(void *mine, void *interp, size_t bytes, bool out) {
  if (bytes)
    memcpy(out ? interp : mine, out ? mine : interp, bytes);
}

/* The int16 refractory counters of a block to the interp's int32 ones (out) or from them (plan_pop
 * generates only populations whose nref fits; a larger restored count is clamped). */
static void copy_ref(int16_t *mine, int32_t *interp, uint32_t n, bool out) {
  for (uint32_t i = 0; i < n; i++)
    if (out)
      interp[i] = mine[i];
    else
      mine[i] = (int16_t)(interp[i] > INT16_MAX ? INT16_MAX : interp[i] < INT16_MIN ? INT16_MIN : interp[i]);
}

/* Copies the blocks' state to the interp's arrays (out) or from them: the refractory counters always,
 * u, v and the ring cells with threads > 1. */
static void sync_blocks(jit_engine *e, bool out) {
  size_t cs = cell_size(e);
  for (uint32_t k = 0; k < e->npops; k++) {
    jit_pop *jp = &e->pops[k];
    for (unsigned t = 0; jp->gen && t < e->nthreads; t++) {
      jit_blk *b = jp->b[t];
      copy_ref(b->ptrs[BE_CPU_LIF_REF], (int32_t *)jp->ptrs[BE_CPU_LIF_REF] + b->lo, b->n, out);
      if (e->nthreads == 1)
        continue;
      for (int x = BE_CPU_LIF_V; x <= BE_CPU_LIF_U; x++)
        copy(b->ptrs[x], at(jp->ptrs[x], b->lo, 4), (size_t)b->n * 4, out);
      for (uint32_t q = 0; q < jp->nin; q++) {
        rt_proj *p = jp->in[q];
        char *ring = e->fixed ? (char *)p->ring_i : (char *)p->ring_f;
        for (uint32_t r = 0; r < p->nring; r++)
          copy((char *)b->ring[q] + (size_t)r * b->n * cs, ring + ((size_t)r * p->post->n + b->lo) * cs,
               (size_t)b->n * cs, out);
      }
    }
  }
  e->synced = true; /* both hold the same state now */
}

/* The interp's arrays up to date (state reads, checkpoints, the end of a run). */
static void sync_out(jit_engine *e) {
  if (!e->synced)
    sync_blocks(e, true);
}

static bool build_blocks(jit_engine *e) {
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
    if (!(a.base = own_aligned(e, a.used, 1, PAGE))) /* whole pages: no page holds two threads' data */
      return false;
    a.used = 0;
    layout(e, t, &a);
  }
  sync_blocks(e, false);
  return true;
}

/* ---------------------------------------------------------------- threads */

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/* Compaction of the spike flags spk[0, n) (0 or 1) of neurons base + [0, n) into the ascending index list
 * `out` (returns the count), recording last-spike times unless last is NULL: 64 flags at a time become one bit mask (SSE2
 * movemask on x86-64, else a byte loop), so a silent stretch costs one test and each spike one count of
 * trailing zeros. Loading the flags straight into vector registers matters: copying them through a stack
 * buffer stalls on store forwarding and cost 15% of a CUBA step. */
static uint32_t compact_range(const uint8_t *spk, uint32_t n, uint32_t base, uint32_t *out, int64_t *last,
                              uint64_t t) {
  uint32_t k = 0, i = 0;
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
    for (; m; m &= m - 1) {
      uint32_t j = base + i + (uint32_t)__builtin_ctzll(m);
      out[k++] = j;
      if (last)
        last[j] = (int64_t)t;
    }
  }
#endif
  for (; i < n; i++)
    if (spk[i]) {
      out[k++] = base + i;
      if (last)
        last[base + i] = (int64_t)t;
    }
  return k;
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

/* Updates block tid of every generated population and compacts its spikes: straight into the spike list
 * with one thread, else into the block's own list (the spike list may still be read by the other
 * threads' pushes of the last step). Reads only the block, read-only engine fields and the published
 * generation word g. */
static void update_block(jit_engine *e, unsigned tid, const jit_word *g) {
  size_t cs = cell_size(e);
  for (uint32_t k = 0; k < e->npops; k++) {
    jit_pop *jp = &e->pops[k];
    if (!jp->gen)
      continue;
    jit_blk *b = jp->b[tid];
    for (uint32_t q = 0; q < jp->nin; q++) /* (2) this step's ring slot */
      b->ptrs[BE_CPU_LIF_RING0 + q] = (char *)b->ring[q] + (size_t)(g->step % b->nring[q]) * b->n * cs;
    b->ptrs[BE_CPU_LIF_FORCED] = g->injected ? b->forced : e->nothing_forced;
    int64_t ints[2] = {0, b->n};
    if (b->n)
      jp->fn(b->ptrs, ints);
    const uint8_t *spk = b->ptrs[BE_CPU_LIF_SPK];
    unsigned par = g->step & 1;
    if (e->nthreads == 1)
      jp->p->src->nspk = compact_range(spk, b->n, b->lo, jp->p->src->idx, b->last, g->step);
    else /* last-spike times: gather_spikes (main thread) */
      b->nspk[par] = compact_range(spk, b->n, b->lo, b->idx[par], NULL, g->step);
  }
  if (e->nthreads > 1)
    fill_mail(e, tid, &e->mail[tid][g->step & 1], g->step & 1);
}

/* After an update phase with several threads: the blocks' spike lists, in block order, become the
 * population's ascending list. */
static void gather_spikes(jit_engine *e) {
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
    int64_t ints[BE_CPU_PUSH_NINTS] = {0, jq->stride, tid, (int64_t)((g->step + !pending) % (uint64_t)nring),
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
static void run_phase(jit_engine *e, int phase) {
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

static bool start_threads(jit_engine *e) {
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

/* ---------------------------------------------------------------- the step loop */

static void compact(rt_src *c, uint64_t t) { c->nspk = compact_range(c->spk, c->n, 0, c->idx, c->last, t); }

static void clear_step(jit_engine *e) {
  rt_interp *s = e->s;
  const ir_module *m = s->m;
  for (uint32_t k = 0; k < m->npops + m->ninputs; k++) {
    rt_src *c = &s->srcs[k];
    if (k >= m->npops || !e->pops[k].gen) /* generated updates write every spike flag */
      memset(c->spk, 0, c->n);
    c->nspk = 0;
  }
  for (uint32_t k = 0; k < m->npops; k++) {
    rt_pop *p = &s->pops[k];
    bool gen = e->pops[k].gen;
    size_t w = s->fixed ? sizeof(int64_t) : sizeof(float);
    if (!gen)
      memset(s->fixed ? (void *)p->syn_i : (void *)p->syn_f, 0, p->n * w);
    if (!gen || e->pops[k].has_inj)
      memset(s->fixed ? (void *)p->inj_i : (void *)p->inj_f, 0, p->n * w);
    if (p->nev)
      memset(p->nev, 0, p->n * sizeof(int32_t));
  }
}

static bool step_once(jit_engine *e, ir_diag *d) {
  rt_interp *s = e->s;
  const ir_module *m = s->m;
  uint64_t t = s->step;
  clear_step(e);
  if (!rt_interp_step_inputs(s, d)) /* (1) inputs, (1b) astrocyte outputs */
    return false;
  for (uint32_t k = 0; k < m->nprojs; k++) /* (2) delivery into populations not generated */
    if (s->projs[k].nring && !e->pops[s->projs[k].post->index].gen)
      rt_syn_deliver_proj(s, &s->projs[k]);
  for (uint32_t k = 0; k < m->npops; k++) /* (3a) fire-first models */
    if (s->pops[k].model->fire)
      s->pops[k].model->fire(s, &s->pops[k]);
  /* (2)+(3b) generated, and their compaction; fused: pushes the last step's spikes first. The interp
   * clears every forced flag after every step (main thread): a worker reading them would fetch those
   * lines from the main thread's cache every step, so the update reads zeros that nobody writes instead,
   * unless a neuron may be forced (update_block). */
  run_phase(e, e->fused ? PHASE_STEP : PHASE_UPDATE);
  gather_spikes(e);
  for (uint32_t k = 0; k < m->npops; k++) /* (3b) event models not generated */
    if (!e->pops[k].gen && !s->pops[k].model->kernel_delivery)
      s->pops[k].model->update(s, &s->pops[k]);
  for (uint32_t k = 0; k < m->npops; k++)
    if (!e->pops[k].gen)
      compact(s->pops[k].src, t);
  for (uint32_t k = 0; k < m->npops; k++) /* (3c) kernel models */
    if (s->pops[k].model->kernel_delivery) {
      rt_syn_deliver_kernel(s, &s->pops[k]);
      s->pops[k].model->update(s, &s->pops[k]);
    }
  bool any = false; /* (3e) push; fused: deferred to the next parallel phase */
  for (uint32_t k = 0; k < m->nprojs; k++) {
    rt_proj *p = &s->projs[k];
    jit_proj *jq = &e->projs[k];
    if (jq->gen && e->fused) {
      e->pend[k] = p->pre->nspk; /* pushed to slot (t + 1) % nring in the next phase */
    } else if (jq->gen)
      any |= p->pre->nspk != 0;
    else if (p->nring)
      rt_syn_push_proj(s, p);
  }
  if (any)
    run_phase(e, PHASE_PUSH);
  e->injected = false; /* the interp clears the forced flags before its callbacks, which may inject */
  rt_interp_step_finish(s); /* (4) plasticity, (5) astrocytes, (6) callbacks */
  return true;
}

/* ---------------------------------------------------------------- engine ops */

static void jit_destroy(void *v) {
  jit_engine *e = v;
  if (!e)
    return;
  registry_remove(e);
  if (e->nthreads > 1 && env_on("ASTROC_JIT_VERBOSE"))
    fprintf(stderr, "astroc: jit: %llu back-off(s) to one thread (workers preempted)\n",
            (unsigned long long)e->backoffs);
  if (e->nstarted) {
    atomic_store(&e->quit, 1);
    (void)publish(e); /* wakes the workers, which see `quit` before claiming */
    for (unsigned t = 1; t <= e->nstarted; t++)
      pthread_join(e->th[t], NULL);
  }
  be_cpu_jit_destroy(e->jit);
  pthread_mutex_destroy(&e->mu);
  pthread_cond_destroy(&e->wake);
  if (e->interp)
    rt_engine_interp.destroy(e->interp);
  for (size_t k = 0; k < e->nowned; k++)
    free(e->owned[k]);
  free(e->owned);
  free(e);
}

static void *jit_create(rt_sim *sim, const ir_module *m, ir_numerics numerics, uint64_t seed, const rt_options *opt,
                        ir_diag *d) {
  size_t esize = (sizeof(jit_engine) + LINE - 1) / LINE * LINE;
  jit_engine *e = aligned_alloc(LINE, esize);
  if (!e) {
    ir_error(d, m->loc, "out of memory creating the simulation");
    return NULL;
  }
  memset(e, 0, esize);
  e->sim = sim;
  pthread_mutex_init(&e->mu, NULL);
  pthread_cond_init(&e->wake, NULL);
  e->nthreads = opt && opt->threads ? opt->threads : 1;
  if (e->nthreads > MAX_THREADS) {
    ir_error(d, m->loc, "jit engine: at most %d threads (got %u)", MAX_THREADS, e->nthreads);
    free(e);
    return NULL;
  }
  /* The interp engine object: its first member is the rt_interp (interp.c casts it the same way). */
  e->interp = rt_engine_interp.create(sim, m, numerics, seed, opt, d);
  if (!e->interp) {
    free(e);
    return NULL;
  }
  e->s = e->interp;
  e->npops = m->npops;
  e->nprojs = m->nprojs;
  e->fixed = e->s->fixed;
  e->pops = own(e, m->npops, sizeof(jit_pop));
  e->projs = own(e, m->nprojs, sizeof(jit_proj));
  if (!e->pops || !e->projs) {
    ir_error(d, m->loc, "out of memory creating the simulation");
    jit_destroy(e);
    return NULL;
  }
  for (uint32_t k = 0; k < m->npops; k++)
    e->pops[k].p = &e->s->pops[k];
  for (uint32_t k = 0; k < m->nprojs; k++)
    e->projs[k].p = &e->s->projs[k];
  uint32_t nmax = 0;
  for (uint32_t k = 0; k < m->npops; k++)
    nmax = e->s->pops[k].n > nmax ? e->s->pops[k].n : nmax;
  e->pool = own_aligned(e, 1, sizeof(jit_pool), PAGE); /* the lines every thread writes: pages of their own */
  e->pend = own(e, m->nprojs, sizeof(uint32_t));
  e->nothing_forced = own(e, nmax, 1);
  if (!e->pool || !e->nothing_forced || !e->pend) {
    ir_error(d, m->loc, "out of memory creating the simulation");
    jit_destroy(e);
    return NULL;
  }
  atomic_init(&e->pool->gen.v, 0);
  atomic_init(&e->pool->sleepers.v, 0);
  for (unsigned t = 0; t < MAX_THREADS; t++)
    atomic_init(&e->pool->claim[t].v, 0);
  unsigned before = ir_diag_error_count(d);
  bool compiled = compile(e, d) && build_blocks(e);
  e->fused = compiled && plan_fused(e);
  if (!compiled || !start_threads(e)) {
    if (ir_diag_error_count(d) == before)
      ir_error(d, m->loc, "jit engine: out of memory or threads");
    jit_destroy(e);
    return NULL;
  }
  registry_add(e);
  return e;
}

/* Fused mode: the pushes of the last step, so that between runs (checkpoints, state reads, another
 * engine restoring) the rings hold exactly what the interp's would. */
static void flush(jit_engine *e) {
  bool any = false;
  for (uint32_t k = 0; k < e->s->m->nprojs; k++)
    any |= e->pend[k] != 0;
  if (any)
    run_phase(e, PHASE_FLUSH);
  for (uint32_t k = 0; k < e->s->m->nprojs; k++)
    e->pend[k] = 0;
}

static bool jit_run(void *v, uint64_t nsteps, ir_diag *d) {
  jit_engine *e = v;
  bool ok = true;
  for (uint64_t k = 0; ok && k < nsteps; k++)
    ok = step_once(e, d);
  flush(e);
  sync_out(e);
  return ok;
}

static uint64_t jit_steps(const void *v) { return ((const jit_engine *)v)->s->step; }

static bool jit_inject(void *v, ir_ref source, uint32_t idx) {
  jit_engine *e = v;
  e->injected = true;
  return rt_engine_interp.inject(e->interp, source, idx);
}
static const char *const *jit_state_vars(const void *v, ir_ref node, size_t *n) {
  return rt_engine_interp.state_vars(((const jit_engine *)v)->interp, node, n);
}
static bool jit_state_size(const void *v, ir_ref node, const char *var, uint64_t *n) {
  return rt_engine_interp.state_size(((const jit_engine *)v)->interp, node, var, n);
}
/* A state read or a checkpoint in the middle of a run (from a callback) first brings the interp's arrays
 * up to date; the engine object is never const to its owner, only to the rt_sim API. */
static bool jit_read_state(const void *v, ir_ref node, const char *var, double *out) {
  jit_engine *e = (jit_engine *)(uintptr_t)v;
  sync_out(e);
  return rt_engine_interp.read_state(e->interp, node, var, out);
}
static bool jit_save(const void *v, FILE *f, ir_diag *d) {
  jit_engine *e = (jit_engine *)(uintptr_t)v;
  sync_out(e);
  return rt_engine_interp.save(e->interp, f, d);
}
static bool jit_restore(void *v, FILE *f, ir_diag *d) {
  jit_engine *e = v;
  e->injected = true; /* a checkpoint may carry forced flags */
  bool ok = rt_engine_interp.restore(e->interp, f, d);
  sync_blocks(e, false); /* the restored state into the blocks (also after a failed, partial restore) */
  return ok;
}

const rt_engine_ops rt_engine_jit = {
    .name = "jit",
    .create = jit_create,
    .run = jit_run,
    .steps = jit_steps,
    .inject = jit_inject,
    .state_vars = jit_state_vars,
    .state_size = jit_state_size,
    .read_state = jit_read_state,
    .save = jit_save,
    .restore = jit_restore,
    .destroy = jit_destroy,
};
