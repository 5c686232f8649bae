/* protocol.c — the protocol runner (docs/experiments.md): reads the model's phases, runs NALSM
 * initialisation (resumable from periodic checkpoints), response generation over train / validation /
 * test on worker threads (features cached per split, resumable), the readout training, the recorded test
 * samples (raster, astrocyte, branching factor), and hands the results to the report writer. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ex_internal.h"

#define INIT_CKPT_EVERY 1000u /* init samples between resume checkpoints */
#define BLOCK_PER_THREAD 32u  /* response samples a thread runs between cache appends */

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ================================================================ protocol attributes */

static double attr_f(const ir_attrs *a, const char *k, double def) {
  const ir_attr *x = ir_attr_get(a, k);
  return !x ? def : x->kind == IR_ATTR_FLOAT ? x->u.f : x->kind == IR_ATTR_INT ? (double)x->u.i : def;
}
static int64_t attr_i(const ir_attrs *a, const char *k, int64_t def) {
  const ir_attr *x = ir_attr_get(a, k);
  return x && x->kind == IR_ATTR_INT ? x->u.i : def;
}
static const char *attr_s(const ir_attrs *a, const char *k) {
  const ir_attr *x = ir_attr_get(a, k);
  return x && x->kind == IR_ATTR_STR ? x->u.s : NULL;
}

static double input_sample_time(const ir_module *m) {
  for (uint32_t k = 0; k < m->ninputs; k++)
    if (m->inputs[k].kind == IR_INPUT_DATASET && m->inputs[k].sample_time.kind == IR_VAL_CONST)
      return m->inputs[k].sample_time.a;
  return 0;
}

static void phase_cfg(const ir_module *m, const ir_phase *ph, ex_phase_cfg *c) {
  const ir_attrs *a = &ph->attrs;
  c->present = true;
  c->name = ph->name;
  c->loc = ph->loc;
  c->samples = (uint64_t)attr_i(a, "samples", 0);
  c->sample_time = attr_f(a, "sample_time", input_sample_time(m));
  const char *sp = attr_s(a, "split");
  c->split = RT_SPLIT_TRAIN;
  if (sp)
    rt_split_parse(sp, &c->split);
  c->plasticity = attr_i(a, "plasticity", 1) != 0;
  c->rate_decay = attr_f(a, "rate_decay", 1.0);
  c->restore = attr_i(a, "restore_weights", 1) != 0;
}

static bool parse_protocol(const ir_module *m, ex_protocol *p, ir_diag *d) {
  memset(p, 0, sizeof(*p));
  p->readout = ex_train_defaults();
  p->readout.seed = m->seed;
  bool readout = false;
  for (uint32_t k = 0; k < m->nphases; k++) {
    const ir_phase *ph = &m->phases[k];
    const char *kind = attr_s(&ph->attrs, "kind");
    ex_phase_cfg *c = !kind ? NULL : strcmp(kind, "init") == 0 ? &p->init : strcmp(kind, "response") == 0 ? &p->resp : NULL;
    if (c && c->present) {
      ir_error(d, ph->loc, "phase '%s': the experiment runner takes one phase of kind '%s' (first: '%s')", ph->name,
               kind, c->name);
      return false;
    }
    if (c) {
      phase_cfg(m, ph, c);
      if (c == &p->resp && ir_attr_get(&ph->attrs, "split"))
        ir_warning(d, ph->loc, "phase '%s': a response phase runs every split; 'split' is ignored", ph->name);
    } else if (kind && strcmp(kind, "readout") == 0) {
      if (readout) {
        ir_error(d, ph->loc, "phase '%s': the experiment runner takes one readout phase", ph->name);
        return false;
      }
      readout = true;
      p->readout_name = ph->name;
      p->readout.epochs = (uint32_t)attr_i(&ph->attrs, "epochs", 20);
      p->readout.lr = attr_f(&ph->attrs, "lr", 0.1);
      p->readout.l2 = attr_f(&ph->attrs, "l2", 5e-10);
      const char *opt = attr_s(&ph->attrs, "optimizer");
      p->readout.opt = !opt || strcmp(opt, "adadelta") == 0 ? EX_OPT_ADADELTA
                       : strcmp(opt, "sgd") == 0          ? EX_OPT_SGD
                                                          : EX_OPT_ADAM;
    }
  }
  if (!p->resp.present || !readout) {
    ir_error(d, m->loc, "an experiment needs a 'protocol' with a response phase and a readout phase "
             "(docs/experiments.md); this model has %s", m->nphases ? "neither or only one of them" : "no protocol");
    return false;
  }
  const ex_phase_cfg *bad = p->resp.sample_time > 0 ? (p->init.present && !(p->init.sample_time > 0) ? &p->init : NULL)
                                                    : &p->resp;
  if (bad) {
    ir_error(d, bad->loc, "phase '%s': no sample_time (give one, or a sample_time in the dataset input)", bad->name);
    return false;
  }
  if (p->init.present && !p->init.samples) {
    ir_error(d, p->init.loc, "phase '%s': an init phase needs 'samples'", p->init.name);
    return false;
  }
  return true;
}

/* ================================================================ progress */

typedef struct progress {
  bool on, tty;
  const char *what;
  uint64_t total, base; /* base: done before this run (cached) */
  double t0, last;
} progress;

static void progress_start(progress *pr, bool on, const char *what, uint64_t base, uint64_t total) {
  pr->on = on;
  pr->tty = isatty(STDERR_FILENO);
  pr->what = what;
  pr->base = base;
  pr->total = total;
  pr->t0 = pr->last = now_s();
}

static void progress_draw(progress *pr, uint64_t done, bool final) {
  double t = now_s();
  if (!pr->on || (!final && t - pr->last < (pr->tty ? 0.25 : 30.0)))
    return;
  pr->last = t;
  double el = t - pr->t0, rate = el > 0 ? (double)(done - pr->base) / el : 0;
  double eta = rate > 0 ? (double)(pr->total - done) / rate : 0;
  fprintf(stderr, "%s%-12s %llu/%llu samples (%5.1f%%)  %.1f samples/s  %s %.0f s%s", pr->tty ? "\r" : "", pr->what,
          (unsigned long long)done, (unsigned long long)pr->total,
          pr->total ? 100.0 * (double)done / (double)pr->total : 100.0, rate, final ? "took" : "ETA",
          final ? el : eta, pr->tty && !final ? "   " : "\n");
}

/* ================================================================ files */

static char *path_join(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s/%s", dir, name);
  return p;
}

static uint64_t file_hash(const char *path) {
  uint64_t h = EX_FNV_INIT;
  FILE *f = path ? fopen(path, "rb") : NULL;
  if (!f)
    return h;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    h = ex_fnv(h, buf, n);
  fclose(f);
  return h;
}

static bool save_file(rt_sim *s, const char *path, ir_diag *d) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "wb");
  bool ok = f && rt_sim_save(s, f, d);
  ok = f && fclose(f) == 0 && ok;
  ok = ok && rename(tmp, path) == 0;
  if (!ok)
    ir_error(d, (ir_loc){.file = path}, "cannot write the checkpoint: %s", strerror(errno));
  return ok;
}

static bool write_state(const char *path, uint64_t fp, uint64_t done, uint64_t total, ir_diag *d) {
  FILE *f = fopen(path, "w");
  bool ok = f && fprintf(f, "fingerprint %016llx\ndone %llu\ntotal %llu\n", (unsigned long long)fp,
                         (unsigned long long)done, (unsigned long long)total) > 0;
  ok = f && fclose(f) == 0 && ok;
  if (!ok)
    ir_error(d, (ir_loc){.file = path}, "cannot write the state file: %s", strerror(errno));
  return ok;
}

/* Samples done according to a state file written for fingerprint fp, else 0. */
static uint64_t read_state(const char *path, uint64_t fp) {
  FILE *f = fopen(path, "r");
  unsigned long long got = 0, done = 0, total = 0;
  bool ok = f && fscanf(f, "fingerprint %llx done %llu total %llu", &got, &done, &total) == 3;
  if (f)
    fclose(f);
  return ok && got == fp ? done : 0;
}

/* ================================================================ the run */

typedef struct ex_ctx {
  ir_module *m;
  const ex_options *o;
  ir_diag *d;
  ex_protocol p;
  ex_stim st;
  rt_options ro;
  int64_t *offset;
  uint32_t nfeat;
  int32_t astro;
  uint64_t fp_init, fp_resp;
  char *ckpt;        /* the state after initialisation, in memory */
  size_t nckpt;
  ex_results r;
} ex_ctx;

static uint32_t steps_of(const ex_ctx *c, double ms) {
  int64_t s = llround(ms / c->m->dt);
  return s < 1 ? 1 : (uint32_t)s;
}

/* Liquid = populations placed on a grid; without grids, populations no input injects into. */
static bool liquid(ex_ctx *c) {
  const ir_module *m = c->m;
  c->offset = malloc((m->npops ? m->npops : 1) * sizeof(int64_t));
  if (!c->offset)
    return false;
  bool grids = false;
  for (uint32_t k = 0; k < m->npops; k++)
    grids = grids || m->pops[k].grid >= 0;
  for (uint32_t k = 0; k < m->npops; k++) {
    bool in = grids ? m->pops[k].grid >= 0 : true;
    for (uint32_t q = 0; !grids && q < m->ninputs; q++)
      if (m->inputs[q].inject_into == (int32_t)k)
        in = false;
    c->offset[k] = in ? (int64_t)c->nfeat : -1;
    if (in)
      c->nfeat += m->pops[k].size;
  }
  if (!c->nfeat) {
    ir_error(c->d, m->loc, "the model has no liquid: no population to read features from (docs/experiments.md)");
    return false;
  }
  return true;
}

static bool read_weights(ex_ctx *c, rt_sim *s, double **out) {
  const ir_module *m = c->m;
  uint64_t total = 0, n;
  for (uint32_t k = 0; k < m->nprojs; k++)
    if (rt_sim_state_size(s, (ir_ref){IR_NODE_PROJECTION, k}, "w", &n))
      total += n;
  *out = malloc((total ? total : 1) * sizeof(double));
  if (!*out)
    return false;
  uint64_t at = 0;
  for (uint32_t k = 0; k < m->nprojs; k++) {
    ir_ref r = {IR_NODE_PROJECTION, k};
    if (rt_sim_state_size(s, r, "w", &n) && rt_sim_read_state(s, r, "w", *out + at))
      at += n;
  }
  c->r.nw = at;
  return true;
}

static int run_init(ex_ctx *c, ex_worker *w) {
  const ex_phase_cfg *ph = &c->p.init;
  char *state = path_join(c->o->out_dir, "init.state"), *ckpt = path_join(c->o->out_dir, "init.ckpt");
  int rc = 1;
  if (!state || !ckpt)
    goto out;
  uint64_t total = c->r.init_samples, done = read_state(state, c->fp_init);
  const rt_dataset *ds = c->st.ds[ph->split];
  if (done > 0) {
    FILE *f = fopen(ckpt, "rb");
    if (!f || !rt_sim_restore(w->sim, f, c->d)) {
      if (f)
        fclose(f);
      ir_note(c->d, (ir_loc){.file = ckpt}, "cannot resume the init phase from this checkpoint; starting over");
      done = 0;
      ex_worker_free(w);
      if (!ex_worker_init(w, c->m, &c->ro, &c->st, c->offset, c->nfeat, c->astro, 1, c->d))
        goto out;
    } else {
      fclose(f);
    }
  }
  progress pr;
  progress_start(&pr, c->o->progress, ph->name, done, total);
  uint32_t steps = steps_of(c, ph->sample_time);
  double t0 = now_s();
  for (uint64_t k = done; k < total; k++) {
    if (!ex_present(w, &c->st, EX_TAG_INIT, ph->split, (uint32_t)(k % ds->count), steps, ph, c->d))
      goto out;
    if ((k + 1) % INIT_CKPT_EVERY == 0 || k + 1 == total) {
      if (!save_file(w->sim, ckpt, c->d) || !write_state(state, c->fp_init, k + 1, total, c->d))
        goto out;
    }
    progress_draw(&pr, k + 1, false);
  }
  progress_draw(&pr, total, true);
  c->r.t_init = (ex_phase_time){now_s() - t0, total - done, done};
  rc = 0;
out:
  free(state);
  free(ckpt);
  return rc;
}

/* ---------------------------------------------------------------- response workers */

typedef struct block_job {
  ex_ctx *c;
  rt_split split;
  uint32_t first, count, steps;
  uint16_t *counts; /* count x nfeat */
  uint8_t *labels;
  pthread_mutex_t mu;
  uint32_t next;
  bool failed;
  char err[512];
} block_job;

typedef struct thread_arg {
  block_job *job;
  ex_worker *w;
} thread_arg;

static bool restore_mem(ex_ctx *c, rt_sim *s, ir_diag *d) {
  FILE *f = fmemopen(c->ckpt, c->nckpt, "rb");
  if (!f) {
    ir_error(d, (ir_loc){0}, "cannot read the initialised state: %s", strerror(errno));
    return false;
  }
  bool ok = rt_sim_restore(s, f, d);
  fclose(f);
  return ok;
}

static void *block_thread(void *p) {
  thread_arg *a = p;
  block_job *j = a->job;
  ir_diag *d = ir_diag_create(NULL);
  for (;;) {
    pthread_mutex_lock(&j->mu);
    uint32_t k = j->next++;
    bool stop = j->failed || k >= j->count;
    pthread_mutex_unlock(&j->mu);
    if (stop || !d)
      break;
    const ex_phase_cfg *ph = &j->c->p.resp;
    bool ok = (!ph->restore || restore_mem(j->c, a->w->sim, d)) &&
              ex_present(a->w, &j->c->st, EX_TAG_RESPONSE, j->split, j->first + k, j->steps, ph, d);
    if (!ok) {
      pthread_mutex_lock(&j->mu);
      if (!j->failed)
        snprintf(j->err, sizeof j->err, "%s", ir_diag_last(d));
      j->failed = true;
      pthread_mutex_unlock(&j->mu);
      break;
    }
    memcpy(j->counts + (size_t)k * j->c->nfeat, a->w->obs.counts, j->c->nfeat * sizeof(uint16_t));
    j->labels[k] = j->c->st.ds[j->split]->labels[j->first + k];
  }
  ir_diag_destroy(d);
  return NULL;
}

static bool run_block(ex_ctx *c, ex_worker *ws, unsigned nt, block_job *j) {
  pthread_t th[64];
  thread_arg args[64];
  j->next = 0;
  j->failed = false;
  unsigned started = 0;
  for (unsigned t = 0; t < nt; t++) {
    args[t] = (thread_arg){j, &ws[t]};
    if (nt == 1) {
      block_thread(&args[0]);
      break;
    }
    if (pthread_create(&th[t], NULL, block_thread, &args[t]) != 0) {
      j->failed = true;
      snprintf(j->err, sizeof j->err, "cannot start a worker thread");
      break;
    }
    started++;
  }
  for (unsigned t = 0; t < started; t++)
    pthread_join(th[t], NULL);
  if (j->failed)
    ir_error(c->d, c->p.resp.loc, "phase '%s': %s", c->p.resp.name, j->err[0] ? j->err : "a worker failed");
  return !j->failed;
}

static int run_split(ex_ctx *c, ex_worker *ws, unsigned nt, rt_split split) {
  static const char *const names[3] = {"features-train.bin", "features-validation.bin", "features-test.bin"};
  static const char *const labels[3] = {"respond/train", "respond/val", "respond/test"};
  uint32_t n = c->r.split_n[split], have = 0;
  char *path = path_join(c->o->out_dir, names[split]);
  ex_cache *cache = path ? ex_cache_open(path, c->nfeat, c->fp_resp ^ (uint64_t)split, &have, c->d) : NULL;
  free(path);
  if (!cache)
    return 1;
  block_job j = {.c = c, .split = split, .steps = steps_of(c, c->p.resp.sample_time)};
  uint32_t bs = BLOCK_PER_THREAD * nt;
  j.counts = malloc((size_t)bs * c->nfeat * sizeof(uint16_t));
  j.labels = malloc(bs);
  pthread_mutex_init(&j.mu, NULL);
  bool ok = j.counts && j.labels;
  progress pr;
  progress_start(&pr, c->o->progress, labels[split], have < n ? have : n, n);
  double t0 = now_s();
  for (uint32_t b = have; ok && b < n; b += bs) {
    j.first = b;
    j.count = n - b < bs ? n - b : bs;
    ok = run_block(c, ws, nt, &j) && ex_cache_append(cache, j.labels, j.counts, j.count, c->d);
    progress_draw(&pr, b + j.count, false);
  }
  if (ok)
    progress_draw(&pr, n, true);
  c->r.t_resp[split] = (ex_phase_time){now_s() - t0, have < n ? n - have : 0, have < n ? have : n};
  pthread_mutex_destroy(&j.mu);
  free(j.counts);
  free(j.labels);
  ok = ex_cache_close(cache, c->d) && ok;
  return ok ? 0 : 1;
}

static int run_response(ex_ctx *c, ex_worker *w0) {
  unsigned nt = c->o->threads ? c->o->threads : 1;
  nt = nt > 64 ? 64 : nt;
  if (!c->p.resp.restore && nt > 1) {
    ir_note(c->d, c->p.resp.loc, "phase '%s': restore_weights is false, so samples depend on each other: 1 thread",
            c->p.resp.name);
    nt = 1;
  }
  c->r.threads = nt;
  ex_worker *ws = calloc(nt, sizeof(ex_worker));
  if (!ws)
    return 3;
  int rc = 0;
  ws[0] = *w0; /* borrowed; handed back below */
  for (unsigned t = 1; t < nt && rc == 0; t++)
    if (!ex_worker_init(&ws[t], c->m, &c->ro, &c->st, c->offset, c->nfeat, c->astro, 1, c->d) ||
        !restore_mem(c, ws[t].sim, c->d))
      rc = 1;
  for (int s = 0; s < 3 && rc == 0; s++)
    rc = run_split(c, ws, nt, (rt_split)s);
  *w0 = ws[0];
  for (unsigned t = 1; t < nt; t++)
    ex_worker_free(&ws[t]);
  free(ws);
  return rc;
}

/* ---------------------------------------------------------------- recorded samples and readout */

static bool liquid_graph(const ex_ctx *c, ex_graph *g) {
  const ir_module *m = c->m;
  uint64_t ne = 0;
  for (uint32_t k = 0; k < m->nprojs; k++) {
    const ir_projection *p = &m->projs[k];
    if (p->csr && p->pre.kind == IR_NODE_POPULATION && c->offset[p->pre.index] >= 0 && c->offset[p->post.index] >= 0)
      ne += p->csr->nsyn;
  }
  g->n = c->nfeat;
  g->row_ptr = calloc((size_t)g->n + 1, sizeof(uint64_t));
  g->col = malloc((size_t)(ne ? ne : 1) * sizeof(uint32_t));
  uint64_t *fill = calloc((size_t)g->n + 1, sizeof(uint64_t));
  if (!g->row_ptr || !g->col || !fill) {
    free(fill);
    return false;
  }
  for (int pass = 0; pass < 2; pass++) {
    for (uint32_t k = 0; k < m->nprojs; k++) {
      const ir_projection *p = &m->projs[k];
      if (!p->csr || p->pre.kind != IR_NODE_POPULATION || c->offset[p->pre.index] < 0 || c->offset[p->post.index] < 0)
        continue;
      uint32_t a = (uint32_t)c->offset[p->pre.index], b = (uint32_t)c->offset[p->post.index];
      for (uint32_t i = 0; i < p->csr->npre; i++)
        for (uint64_t e = p->csr->row_ptr[i]; e < p->csr->row_ptr[i + 1]; e++) {
          if (pass == 0)
            g->row_ptr[a + i + 1]++;
          else
            g->col[g->row_ptr[a + i] + fill[a + i]++] = b + p->csr->col[e];
        }
    }
    for (uint32_t i = 0; pass == 0 && i < g->n; i++)
      g->row_ptr[i + 1] += g->row_ptr[i];
  }
  free(fill);
  return true;
}

static int record_samples(ex_ctx *c, ex_worker *w) {
  uint32_t nrec = c->o->record ? c->o->record : 1, steps = steps_of(c, c->p.resp.sample_time);
  nrec = nrec > c->r.split_n[RT_SPLIT_TEST] ? c->r.split_n[RT_SPLIT_TEST] : nrec;
  ex_graph g = {0};
  double sum = 0, sum2 = 0;
  int rc = liquid_graph(c, &g) ? 0 : 3;
  ex_worker_free(w);
  if (rc == 0 && !ex_worker_init(w, c->m, &c->ro, &c->st, c->offset, c->nfeat, c->astro, steps, c->d))
    rc = 1;
  w->obs.record = true;
  for (uint32_t k = 0; rc == 0 && k < nrec; k++) {
    double sigma;
    if (!restore_mem(c, w->sim, c->d) || !ex_present(w, &c->st, EX_TAG_RESPONSE, RT_SPLIT_TEST, k, steps, &c->p.resp, c->d)) {
      rc = 1;
      break;
    }
    if (!ex_branching_factor(&g, w->obs.sp, w->obs.nsp, c->o->window, &sigma, NULL, NULL)) {
      rc = 3;
      break;
    }
    sum += sigma;
    sum2 += sigma * sigma;
    if (k == 0) {
      c->r.raster = malloc((w->obs.nsp ? w->obs.nsp : 1) * sizeof(ex_spike));
      c->r.trace = c->astro >= 0 ? malloc(steps * sizeof(double)) : NULL;
      if (!c->r.raster || (c->astro >= 0 && !c->r.trace)) {
        rc = 3;
        break;
      }
      memcpy(c->r.raster, w->obs.sp, w->obs.nsp * sizeof(ex_spike));
      c->r.nraster = w->obs.nsp;
      c->r.raster_steps = steps;
      if (c->r.trace)
        memcpy(c->r.trace, w->obs.trace, steps * sizeof(double));
    }
  }
  c->r.sigma_n = nrec;
  c->r.sigma = nrec ? sum / nrec : 0;
  double var = nrec > 1 ? (sum2 - sum * sum / nrec) / (nrec - 1) : 0;
  c->r.sigma_sd = var > 0 ? sqrt(var) : 0;
  free(g.row_ptr);
  free(g.col);
  return rc;
}

/* The readout's progress line: epochs done, the last epoch's time and accuracies, the time left. */
typedef struct readout_progress {
  progress pr;
  uint32_t epochs;
  uint32_t multi; /* epochs trained on more than one thread */
} readout_progress;

static void readout_epoch_done(void *arg, uint32_t e, const ex_epoch_stats *h, double seconds, unsigned threads) {
  readout_progress *rp = arg;
  progress *pr = &rp->pr;
  rp->multi += threads > 1;
  double t = now_s();
  bool final = e + 1 == rp->epochs;
  if (!pr->on || (!final && t - pr->last < (pr->tty ? 0.25 : 30.0)))
    return;
  pr->last = t;
  double el = t - pr->t0, eta = el / (e + 1) * (rp->epochs - e - 1);
  fprintf(stderr, "%s%-12s epoch %u/%u  %.2f s/epoch (%u thread%s)  val %.2f%%  test %.2f%%  %s %.0f s%s",
          pr->tty ? "\r" : "", pr->what, e + 1, rp->epochs, seconds, threads, threads == 1 ? "" : "s", 100 * h->val,
          100 * h->test, final ? "took" : "ETA", final ? el : eta, pr->tty && !final ? "   " : "\n");
}

static int run_readout(ex_ctx *c) {
  static const char *const names[3] = {"features-train.bin", "features-validation.bin", "features-test.bin"};
  float *x[3] = {0};
  uint8_t *y[3] = {0};
  ex_split_data sd[3];
  int rc = 0;
  double t0 = now_s();
  for (int s = 0; s < 3 && rc == 0; s++) {
    uint32_t n = c->r.split_n[s];
    x[s] = malloc(((size_t)n * c->nfeat + 1) * sizeof(float));
    y[s] = malloc((size_t)n + 1);
    char *path = path_join(c->o->out_dir, names[s]);
    if (!x[s] || !y[s] || !path)
      rc = 3;
    else if (!ex_cache_read(path, c->nfeat, c->fp_resp ^ (uint64_t)s, n, x[s], y[s], c->d))
      rc = 1;
    free(path);
    if (rc == 0) {
      ex_features_normalise(x[s], n, c->nfeat);
      sd[s] = (ex_split_data){x[s], y[s], n};
    }
  }
  c->r.epochs = c->p.readout.epochs;
  c->r.hist = calloc(c->r.epochs ? c->r.epochs : 1, sizeof(ex_epoch_stats));
  readout_progress rp = {.epochs = c->r.epochs};
  progress_start(&rp.pr, c->o->progress, c->p.readout_name, 0, c->r.epochs);
  ex_train_config tc = c->p.readout;
  tc.threads = c->o->threads ? c->o->threads : 1; /* results do not depend on it */
  c->r.readout_threads = tc.threads;
  tc.on_epoch = readout_epoch_done;
  tc.arg = &rp;
  double t1 = now_s();
  if (rc == 0 && (!c->r.hist || !ex_readout_fit(&sd[0], &sd[1], &sd[2], c->nfeat, &tc, c->r.hist, &c->r.best)))
    rc = 3;
  c->r.t_readout_load = t1 - t0;
  c->r.readout_multi = rp.multi;
  c->r.t_readout = (ex_phase_time){now_s() - t0, c->r.split_n[0], 0};
  for (int s = 0; s < 3; s++) {
    free(x[s]);
    free(y[s]);
  }
  return rc;
}

/* ---------------------------------------------------------------- set-up */

static uint64_t fingerprints(ex_ctx *c) {
  const ex_phase_cfg *in = &c->p.init, *re = &c->p.resp;
  uint64_t h = file_hash(c->o->model_path);
  int64_t num = c->o->numerics;
  uint64_t words[] = {(uint64_t)num, c->m->seed, c->r.init_samples, (uint64_t)in->present, (uint64_t)in->split,
                      (uint64_t)in->plasticity};
  h = ex_fnv(h, words, sizeof words);
  for (uint32_t k = 0; k < c->o->nsets; k++) /* --set changes the model: its text is part of the key */
    h = ex_fnv(h, c->o->sets[k], strlen(c->o->sets[k]) + 1);
  double times[] = {in->sample_time, in->rate_decay, c->m->dt};
  c->fp_init = ex_fnv(h, times, sizeof times);
  double rt[] = {re->sample_time, re->rate_decay, (double)re->plasticity, (double)re->restore};
  c->fp_resp = ex_fnv(c->fp_init, rt, sizeof rt);
  return c->fp_resp;
}

static bool snapshot(ex_ctx *c, rt_sim *s) {
  FILE *f = open_memstream(&c->ckpt, &c->nckpt);
  bool ok = f && rt_sim_save(s, f, c->d);
  ok = f && fclose(f) == 0 && ok;
  return ok;
}

static int setup(ex_ctx *c) {
  const ex_options *o = c->o;
  if (!parse_protocol(c->m, &c->p, c->d) || !liquid(c))
    return 1;
  if (mkdir(o->out_dir, 0777) != 0 && errno != EEXIST) {
    ir_error(c->d, (ir_loc){.file = o->out_dir}, "cannot create the output folder: %s", strerror(errno));
    return 1;
  }
  if (!ex_stim_open(&c->st, c->m, o->data_dir, c->d))
    return 1;
  uint64_t init = c->p.init.present ? c->p.init.samples : 0;
  if (o->samples && init > o->samples)
    init = o->samples;
  if (o->init_samples >= 0) /* explicit: not capped by --samples */
    init = (uint64_t)o->init_samples;
  c->r.init_samples = c->p.init.present ? init : 0;
  for (int s = 0; s < 3; s++) {
    uint64_t n = c->st.ds[s]->count;
    if (c->p.resp.samples && n > c->p.resp.samples)
      n = c->p.resp.samples;
    if (o->samples && n > o->samples)
      n = o->samples;
    c->r.split_n[s] = (uint32_t)n;
  }
  c->astro = -1;
  for (uint32_t k = 0; k < c->m->nastros && c->astro < 0; k++)
    if (c->m->astros[k].model == IR_ASTRO_NALSM)
      c->astro = (int32_t)k;
  if (o->batch)
    c->p.readout.batch = o->batch;
  if (o->epochs)
    c->p.readout.epochs = o->epochs;
  c->ro = (rt_options){.engine = "interp", .numerics = o->numerics, .data_dir = o->data_dir};
  fingerprints(c);
  c->r.model_name = c->m->name;
  c->r.dataset = c->st.ds[0]->name;
  c->r.nfeat = c->nfeat;
  c->r.window = o->window;
  c->r.dt = c->m->dt;
  return 0;
}

int ex_run(ir_module *m, const ex_options *o, ir_diag *d) {
  ex_ctx c = {.m = m, .o = o, .d = d};
  ex_worker w = {0};
  int rc = setup(&c);
  if (rc == 0 && !ex_worker_init(&w, m, &c.ro, &c.st, c.offset, c.nfeat, c.astro, 1, d))
    rc = 1;
  if (rc == 0) {
    c.r.numerics = rt_sim_numerics(w.sim) == IR_NUMERICS_FIXED ? "fixed" : "float";
    rc = read_weights(&c, w.sim, &c.r.w_before) ? 0 : 3;
  }
  if (rc == 0 && c.p.init.present)
    rc = run_init(&c, &w);
  if (rc == 0)
    rc = read_weights(&c, w.sim, &c.r.w_after) && snapshot(&c, w.sim) ? 0 : 3;
  if (rc == 0)
    rc = run_response(&c, &w);
  if (rc == 0)
    rc = run_readout(&c);
  if (rc == 0)
    rc = record_samples(&c, &w);
  if (rc == 0)
    rc = ex_report_write(o->out_dir, o, &c.p, &c.r, d) ? 0 : 1;
  if (rc == 0 && o->summary && c.r.epochs) {
    const ex_epoch_stats *b = &c.r.hist[c.r.best];
    *o->summary = (ex_summary){b->test, b->val, c.r.sigma, c.r.sigma_sd, c.r.best + 1};
  }
  ex_worker_free(&w);
  ex_stim_close(&c.st);
  free(c.offset);
  free(c.ckpt);
  free(c.r.hist);
  free(c.r.w_before);
  free(c.r.w_after);
  free(c.r.raster);
  free(c.r.trace);
  if (rc == 3 && ir_diag_error_count(d) == 0)
    ir_error(d, m->loc, "out of memory running the experiment");
  return rc;
}
