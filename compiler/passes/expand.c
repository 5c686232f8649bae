/* expand.c — the expansion pass: connectivity rule -> CSR, then per-synapse weights and delays.
 *
 * Row rules (all_to_all, one_to_one, fixed_probability, distance) run in two parallel sweeps over
 * pre neurons: count each row, allocate the CSR exactly, fill each row. Set rules (fixed_indegree,
 * fixed_total_number, list) build their CSR in one go. Weights and delays are then drawn per
 * synapse, keyed by (seed, WEIGHT/DELAY stream of the projection, pre, post).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expand_internal.h"

#define ROW_CHUNK 256 /* rows per work item: small enough to balance, large enough to amortise */

unsigned pass_expand_default_threads(void) {
  const char *env = getenv("ASTROC_THREADS");
  if (env && *env) {
    long v = strtol(env, NULL, 10);
    if (v >= 1 && v <= 64)
      return (unsigned)v;
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 8 ? 8 : (unsigned)n;
}

/* ---------------------------------------------------------------- row rules */

typedef struct row_job {
  const conn_ctx *c;
  conn_row_fn row;
  uint64_t *counts; /* count sweep: npre + 1, counts[i + 1] = length of row i */
  ir_csr *csr;      /* fill sweep */
} row_job;

static void count_chunk(void *arg, unsigned thread, uint64_t lo, uint64_t hi) {
  (void)thread;
  row_job *job = arg;
  for (uint64_t i = lo; i < hi; i++)
    job->counts[i + 1] = job->row(job->c, (uint32_t)i, NULL);
}

static void fill_chunk(void *arg, unsigned thread, uint64_t lo, uint64_t hi) {
  (void)thread;
  row_job *job = arg;
  for (uint64_t i = lo; i < hi; i++) {
    uint64_t n = job->row(job->c, (uint32_t)i, &job->csr->col[job->csr->row_ptr[i]]);
    IR_ASSERT(n == job->csr->row_ptr[i + 1] - job->csr->row_ptr[i]);
  }
}

static ir_csr *build_rows(const conn_ctx *c, conn_row_fn row, unsigned nthreads, ir_diag *d) {
  row_job job = {.c = c, .row = row};
  job.counts = calloc((size_t)c->npre + 1, sizeof *job.counts);
  if (!job.counts) {
    ir_error(d, c->proj->loc, "out of memory expanding '%s'", c->proj->name);
    return NULL;
  }
  par_for(nthreads, c->npre, ROW_CHUNK, count_chunk, &job);
  for (uint32_t i = 0; i < c->npre; i++)
    job.counts[i + 1] += job.counts[i];
  job.csr = ir_csr_create(c->npre, c->npost, job.counts[c->npre]);
  if (job.csr) {
    for (uint32_t i = 0; i <= c->npre; i++)
      job.csr->row_ptr[i] = job.counts[i];
    par_for(nthreads, c->npre, ROW_CHUNK, fill_chunk, &job);
  } else {
    ir_error(d, c->proj->loc, "out of memory expanding '%s' (%llu synapses)", c->proj->name,
             (unsigned long long)job.counts[c->npre]);
  }
  free(job.counts);
  return job.csr;
}

/* Single-sweep variant for rules whose rows are expensive to generate (distance): each chunk of
 * rows is generated into its own buffer (4 extra bytes per synapse, transiently), then the buffers
 * are copied into the exactly-sized CSR. Same result as build_rows. */
typedef struct chunk_buf {
  uint32_t *col;
  uint64_t n;
} chunk_buf;

typedef struct once_job {
  const conn_ctx *c;
  conn_row_fn row;
  uint64_t *counts;
  chunk_buf *bufs; /* one per chunk of ROW_CHUNK rows */
  _Atomic bool oom;
  ir_csr *csr;
} once_job;

static void once_gen_chunk(void *arg, unsigned thread, uint64_t lo, uint64_t hi) {
  (void)thread;
  once_job *job = arg;
  chunk_buf *b = &job->bufs[lo / ROW_CHUNK];
  uint64_t cap = 0, bound = job->c->row_bound;
  for (uint64_t i = lo; i < hi; i++) {
    if (b->n + bound > cap) {
      uint64_t ncap = 2 * cap > b->n + bound ? 2 * cap : b->n + bound;
      uint32_t *p = realloc(b->col, ncap * sizeof *p);
      if (!p) {
        atomic_store(&job->oom, true);
        return;
      }
      b->col = p;
      cap = ncap;
    }
    uint64_t n = job->row(job->c, (uint32_t)i, b->col + b->n);
    job->counts[i + 1] = n;
    b->n += n;
  }
  uint32_t *p = realloc(b->col, (b->n ? b->n : 1) * sizeof *p); /* give the slack back */
  if (p)
    b->col = p;
}

static void once_copy_chunk(void *arg, unsigned thread, uint64_t lo, uint64_t hi) {
  (void)thread;
  (void)hi;
  once_job *job = arg;
  chunk_buf *b = &job->bufs[lo / ROW_CHUNK];
  if (b->n)
    memcpy(&job->csr->col[job->csr->row_ptr[lo]], b->col, b->n * sizeof *b->col);
}

static ir_csr *build_rows_once(const conn_ctx *c, conn_row_fn row, unsigned nthreads, ir_diag *d) {
  uint64_t nchunks = ((uint64_t)c->npre + ROW_CHUNK - 1) / ROW_CHUNK;
  once_job job = {.c = c, .row = row};
  atomic_init(&job.oom, false);
  job.counts = calloc((size_t)c->npre + 1, sizeof *job.counts);
  job.bufs = calloc(nchunks ? nchunks : 1, sizeof *job.bufs);
  if (job.counts && job.bufs) {
    par_for(nthreads, c->npre, ROW_CHUNK, once_gen_chunk, &job);
    for (uint32_t i = 0; i < c->npre; i++)
      job.counts[i + 1] += job.counts[i];
    if (!atomic_load(&job.oom) && (job.csr = ir_csr_create(c->npre, c->npost, job.counts[c->npre]))) {
      memcpy(job.csr->row_ptr, job.counts, ((size_t)c->npre + 1) * sizeof *job.counts);
      par_for(nthreads, c->npre, ROW_CHUNK, once_copy_chunk, &job);
    }
  }
  if (!job.csr)
    ir_error(d, c->proj->loc, "out of memory expanding '%s'", c->proj->name);
  for (uint64_t k = 0; job.bufs && k < nchunks; k++)
    free(job.bufs[k].col);
  free(job.bufs);
  free(job.counts);
  return job.csr;
}

/* ---------------------------------------------------------------- weights and delays */

typedef struct syn_job {
  const conn_ctx *c;
  ir_csr *csr;
  bool const_delay;
  uint16_t delay0;
  _Atomic uint64_t bad_delay; /* 1 + index of a synapse whose delay is out of range, or 0 */
} syn_job;

static void syn_chunk(void *arg, unsigned thread, uint64_t lo, uint64_t hi) {
  (void)thread;
  syn_job *job = arg;
  const conn_ctx *c = job->c;
  const ir_projection *pr = c->proj;
  uint64_t ws = RNG_STREAM(RNG_KIND_WEIGHT, c->proj_index), ds = RNG_STREAM(RNG_KIND_DELAY, c->proj_index);
  bool const_w = pr->weight.kind == IR_VAL_CONST || pr->weight.kind == IR_VAL_UNSET;
  float w0 = pr->weight.kind == IR_VAL_CONST ? (float)pr->weight.a : 0.0f;
  for (uint64_t i = lo; i < hi; i++)
    for (uint64_t k = job->csr->row_ptr[i]; k < job->csr->row_ptr[i + 1]; k++) {
      uint32_t j = job->csr->col[k];
      job->csr->weight[k] = const_w ? w0 : (float)ir_value_sample(&pr->weight, c->seed, ws, i, j);
      if (job->const_delay) {
        job->csr->delay[k] = job->delay0;
      } else if (!conn_delay_steps(ir_value_sample(&pr->delay, c->seed, ds, i, j), c->m->dt,
                                   &job->csr->delay[k])) {
        job->csr->delay[k] = 0;
        atomic_store(&job->bad_delay, k + 1);
      }
    }
}

static bool draw_synapses(const conn_ctx *c, ir_csr *csr, unsigned nthreads, ir_diag *d) {
  const ir_projection *pr = c->proj;
  syn_job job = {.c = c, .csr = csr};
  atomic_init(&job.bad_delay, 0);
  job.const_delay = pr->delay.kind == IR_VAL_CONST || pr->delay.kind == IR_VAL_UNSET;
  double d0 = pr->delay.kind == IR_VAL_CONST ? pr->delay.a : 0.0;
  if (job.const_delay && !conn_delay_steps(d0, c->m->dt, &job.delay0)) {
    ir_error(d, pr->delay.loc, "delay %g ms of '%s' is %g steps; it must be between 0 and 65535 steps", d0,
             pr->name, round(d0 / c->m->dt));
    return false;
  }
  par_for(nthreads, c->npre, ROW_CHUNK, syn_chunk, &job);
  if (atomic_load(&job.bad_delay)) {
    ir_error(d, pr->delay.loc, "a delay drawn for '%s' is outside 0..65535 steps of %g ms", pr->name, c->m->dt);
    return false;
  }
  return true;
}

/* ---------------------------------------------------------------- driver */

static bool init_ctx(conn_ctx *c, const ir_module *m, uint32_t p, ir_diag *d) {
  const ir_projection *pr = &m->projs[p];
  *c = (conn_ctx){.m = m, .proj = pr, .proj_index = p, .seed = m->seed};
  c->stream = RNG_STREAM(RNG_KIND_CONN, p);
  IR_ASSERT(pr->post.kind == IR_NODE_POPULATION && pr->post.index < m->npops);
  IR_ASSERT(pr->pre.kind == IR_NODE_POPULATION || pr->pre.kind == IR_NODE_INPUT);
  uint64_t npre = ir_node_size(m, pr->pre);
  IR_ASSERT(npre <= UINT32_MAX);
  c->npre = (uint32_t)npre;
  c->npost = m->pops[pr->post.index].size;
  c->no_self = pr->pre.kind == IR_NODE_POPULATION && pr->pre.index == pr->post.index && !pr->rule.allow_self;
  switch (pr->rule.kind) {
  case IR_CONN_ONE_TO_ONE:
    if (c->npre != c->npost) {
      ir_error(d, pr->rule.loc, "one_to_one needs 'pre' and 'post' of the same size; '%s' has %u and %u",
               pr->name, c->npre, c->npost);
      return false;
    }
    if (c->no_self && c->npre > 0) {
      ir_error(d, pr->rule.loc,
               "one_to_one from a population to itself only makes self-connections; set 'allow_self: true'");
      return false;
    }
    return true;
  case IR_CONN_FIXED_PROBABILITY:
    if (!(pr->rule.p >= 0.0 && pr->rule.p <= 1.0)) {
      ir_error(d, pr->rule.loc, "fixed_probability p of '%s' must be in [0, 1]; got %g", pr->name, pr->rule.p);
      return false;
    }
    if (pr->rule.p > 0.0 && pr->rule.p < 1.0)
      c->inv_log1mp = 1.0 / log1p(-pr->rule.p);
    return true;
  case IR_CONN_DISTANCE:
    return conn_distance_prepare(c, d);
  default:
    return true;
  }
}

static ir_csr *build_csr(conn_ctx *c, unsigned nthreads, ir_diag *d) {
  switch (c->proj->rule.kind) {
  case IR_CONN_ALL_TO_ALL:
    return build_rows(c, conn_row_all_to_all, nthreads, d);
  case IR_CONN_ONE_TO_ONE:
    return build_rows(c, conn_row_one_to_one, nthreads, d);
  case IR_CONN_FIXED_PROBABILITY:
    return build_rows(c, conn_row_fixed_probability, nthreads, d);
  case IR_CONN_DISTANCE:
    return build_rows_once(c, conn_row_distance, nthreads, d);
  case IR_CONN_FIXED_INDEGREE:
    return conn_build_fixed_indegree(c, nthreads, d);
  case IR_CONN_FIXED_TOTAL_NUMBER:
    return conn_build_fixed_total_number(c, d);
  case IR_CONN_LIST:
    return conn_build_list(c, d);
  case IR_CONN_KIND_COUNT:
    break;
  }
  IR_ASSERT(!"unknown connectivity rule");
  return NULL;
}

bool pass_expand_projection(ir_module *m, uint32_t p, ir_diag *d, unsigned nthreads) {
  IR_ASSERT(p < m->nprojs);
  ir_projection *pr = &m->projs[p];
  if (pr->csr)
    return true; /* already expanded (e.g. parsed from IR text with synapses) */
  if (nthreads == 0)
    nthreads = pass_expand_default_threads();
  conn_ctx c;
  bool ok = init_ctx(&c, m, p, d);
  ir_csr *csr = ok ? build_csr(&c, nthreads, d) : NULL;
  if (csr && pr->rule.kind != IR_CONN_LIST && !draw_synapses(&c, csr, nthreads, d)) {
    ir_csr_destroy(csr);
    csr = NULL;
  }
  if (pr->rule.kind == IR_CONN_DISTANCE)
    conn_distance_release(&c);
  pr->csr = csr; /* ownership passes to the module */
  return csr != NULL;
}

bool pass_expand_threads(ir_module *m, ir_diag *d, unsigned nthreads) {
  bool ok = true;
  for (uint32_t p = 0; p < m->nprojs; p++)
    ok = pass_expand_projection(m, p, d, nthreads) && ok;
  return ok;
}

bool pass_expand(ir_module *m, ir_diag *d) {
  return pass_expand_threads(m, d, 0);
}
