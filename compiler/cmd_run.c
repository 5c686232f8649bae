/* cmd_run.c — `astroc run`: load a model or image, simulate it on a runtime engine, stream spikes,
 * recorded state and probes to files, and print a summary (rates, wall time, real-time factor). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "astroc_rt.h"
#include "be_verilog_map.h"
#include "engine_jit.h"
#include "engine_rtl.h"
#include "engine_serial.h"
#include "lh.h"
#include "cli_args.h"
#include "commands.h"
#include "spikes_io.h"

#ifdef ASTROC_HAVE_RTL
#define RTL_BACKEND_NOTE ", rtl"
#else
#define RTL_BACKEND_NOTE ""
#endif


enum { MAX_RECORDS = 64 };

typedef struct record {
  const char *spec; /* "POP.VAR=FILE" as given */
  char node[128], var[64];
  const char *file;
  ir_ref ref;
  uint64_t n;
  double *buf;
  npy_file *out;
} record;

typedef struct probe_out {
  const ir_probe *p;
  npy_file *out;
  bool spikes;
  uint64_t n;  /* elements of the target */
  double *buf; /* full state of the target, then the subset is written */
  double *row;
} probe_out;

typedef struct run_opts {
  const char *input, *backend, *spikes, *checkpoint, *resume, *probes_dir, *data_dir;
  cli_load_options load;
  bool steps_set, time_set, include_inputs, quiet;
  uint64_t steps;
  double time_ms;
  record recs[MAX_RECORDS];
  int nrecs;
  const char *trace;        /* --trace FILE.fst (rtl backend) */
  uint64_t baud;            /* --baud B (serial:DEV backend); 0: not given */
  uint64_t threads;         /* --threads N (jit backend); 0: the engine's default */
  bool native_offered;      /* jit: the image's embedded object code was offered to the engine */
  uint64_t cores;           /* --cores N (rtl backend); 0: as many as the network needs */
  char dir_image[4096];     /* DIR given: DIR/network.aimg (astroc compile --target astro-sim) */
} run_opts;

typedef struct run_ctx {
  const ir_module *m;
  rt_sim *sim;
  ir_diag *d;
  spike_writer *sw;
  bool include_inputs;
  uint32_t nsources; /* populations then inputs */
  const char **names;
  uint64_t *spikes;  /* per source */
  uint64_t syn_events;
  record *recs;
  int nrecs;
  probe_out *probes;
  uint32_t nprobes;
  bool failed;
  /* progress */
  bool progress;
  uint64_t first_step, total;
  double t0, last_draw;
} run_ctx;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ================================================================ callbacks */

static uint32_t source_index(const run_ctx *c, ir_ref r) {
  return r.kind == IR_NODE_POPULATION ? r.index : c->m->npops + r.index;
}

/* Synaptic events: one per outgoing synapse of every spiking neuron. */
static uint64_t fanout(const ir_module *m, ir_ref src, const uint32_t *idx, uint32_t n) {
  uint64_t ev = 0;
  for (uint32_t p = 0; p < m->nprojs; p++) {
    const ir_projection *pr = &m->projs[p];
    if (!pr->csr || pr->pre.kind != src.kind || pr->pre.index != src.index) continue;
    for (uint32_t i = 0; i < n; i++)
      if (idx[i] < pr->csr->npre) ev += pr->csr->row_ptr[idx[i] + 1] - pr->csr->row_ptr[idx[i]];
  }
  return ev;
}

static void probe_spikes(run_ctx *c, uint64_t step, ir_ref src, const uint32_t *idx, uint32_t n) {
  for (uint32_t k = 0; k < c->nprobes; k++) {
    probe_out *po = &c->probes[k];
    if (!po->spikes || po->p->target.kind != src.kind || po->p->target.index != src.index) continue;
    if (step % po->p->every != 0) continue;
    for (uint32_t i = 0; i < n; i++) {
      bool keep = !po->p->indices;
      for (uint32_t j = 0; !keep && j < po->p->nindices; j++) keep = po->p->indices[j] == idx[i];
      if (!keep) continue;
      int64_t row[2] = {(int64_t)step, (int64_t)idx[i]};
      uint8_t le[16];
      for (int b = 0; b < 8; b++) {
        le[b] = (uint8_t)((uint64_t)row[0] >> (8 * b));
        le[8 + b] = (uint8_t)((uint64_t)row[1] >> (8 * b));
      }
      npy_append(po->out, le, 16);
    }
  }
}

static void on_spikes(void *ctx, uint64_t step, ir_ref src, const uint32_t *idx, uint32_t n) {
  run_ctx *c = ctx;
  uint32_t s = source_index(c, src);
  if (s >= c->nsources) return;
  c->spikes[s] += n;
  c->syn_events += fanout(c->m, src, idx, n);
  if (c->sw && (src.kind == IR_NODE_POPULATION || c->include_inputs)) spike_writer_add(c->sw, step, s, idx, n);
  probe_spikes(c, step, src, idx, n);
}

static void draw_progress(run_ctx *c, uint64_t done, bool final) {
  double t = now_s(), el = t - c->t0;
  double rate = el > 0 ? (double)done / el : 0;
  int width = 30, fill = c->total ? (int)((double)width * (double)done / (double)c->total) : width;
  char bar[64];
  for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
  bar[width] = '\0';
  double eta = rate > 0 ? (double)(c->total - done) / rate : 0;
  fprintf(stderr, "\r[%s] %llu/%llu steps  %.0f steps/s  ETA %.0f s   ", bar, (unsigned long long)done,
          (unsigned long long)c->total, rate, eta);
  if (final) fputs("\r\033[K", stderr); /* erase: the summary follows */
  c->last_draw = t;
}

static void on_step(void *ctx, rt_sim *sim, uint64_t step) {
  run_ctx *c = ctx;
  for (int i = 0; i < c->nrecs; i++) {
    record *r = &c->recs[i];
    if (!rt_sim_read_state(sim, r->ref, r->var, r->buf)) c->failed = true;
    npy_append_f64(r->out, r->buf, r->n);
  }
  for (uint32_t k = 0; k < c->nprobes; k++) {
    probe_out *po = &c->probes[k];
    if (po->spikes || step % po->p->every != 0) continue;
    if (!rt_sim_read_state(sim, po->p->target, po->p->var, po->buf)) c->failed = true;
    if (po->p->indices) {
      for (uint32_t j = 0; j < po->p->nindices; j++) po->row[j] = po->buf[po->p->indices[j]];
      npy_append_f64(po->out, po->row, po->p->nindices);
    } else {
      npy_append_f64(po->out, po->buf, po->n);
    }
  }
  if (c->progress && (step & 63) == 0) {
    double t = now_s();
    if (t - c->t0 > 0.5 && t - c->last_draw > 0.2) draw_progress(c, step + 1 - c->first_step, false);
  }
}

/* ================================================================ option parsing */

/* "exc.v=exc_v.npy" */
static bool parse_record(const char *spec, record *r) {
  const char *eq = strchr(spec, '=');
  if (!eq || !eq[1]) return false;
  const char *dot = NULL;
  for (const char *p = spec; p < eq; p++)
    if (*p == '.') dot = p;
  if (!dot || dot == spec || dot + 1 == eq) return false;
  size_t nn = (size_t)(dot - spec), nv = (size_t)(eq - dot - 1);
  if (nn >= sizeof r->node || nv >= sizeof r->var) return false;
  memcpy(r->node, spec, nn);
  r->node[nn] = '\0';
  memcpy(r->var, dot + 1, nv);
  r->var[nv] = '\0';
  r->file = eq + 1;
  r->spec = spec;
  return true;
}

static int parse_args(int argc, char **argv, run_opts *o) {
  o->load.numerics = -1;
  o->backend = "interp";
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool v = i + 1 < argc;
    if (strcmp(a, "--backend") == 0 && v) o->backend = argv[++i];
    else if (strcmp(a, "--numerics") == 0 && v) {
      const char *s = argv[++i];
      if (strcmp(s, "float") == 0) o->load.numerics = IR_NUMERICS_FLOAT;
      else if (strcmp(s, "fixed") == 0) o->load.numerics = IR_NUMERICS_FIXED;
      else return cmd_usage(&cmd_run_desc, "--numerics must be 'float' or 'fixed', got '%s'", s);
    } else if (strcmp(a, "--steps") == 0 && v) {
      if (!cli_parse_uint(argv[++i], UINT64_MAX, &o->steps))
        return cmd_usage(&cmd_run_desc, "--steps needs a non-negative integer, got '%s'", argv[i]);
      o->steps_set = true;
    } else if (strcmp(a, "--time") == 0 && v) {
      if (!cli_parse_time_ms(argv[++i], &o->time_ms))
        return cmd_usage(&cmd_run_desc, "--time needs a time, e.g. '250 ms' or '1 s', got '%s'", argv[i]);
      o->time_set = true;
    } else if (strcmp(a, "--seed") == 0 && v) {
      if (!cli_parse_uint(argv[++i], UINT64_MAX, &o->load.seed))
        return cmd_usage(&cmd_run_desc, "--seed needs an unsigned 64-bit integer, got '%s'", argv[i]);
      o->load.seed_set = true;
    } else if (strcmp(a, "--spikes") == 0 && v) o->spikes = argv[++i];
    else if (strcmp(a, "--record") == 0 && v) {
      if (o->nrecs == MAX_RECORDS) return cmd_usage(&cmd_run_desc, "at most %d --record options", MAX_RECORDS);
      if (!parse_record(argv[++i], &o->recs[o->nrecs]))
        return cmd_usage(&cmd_run_desc, "--record needs NODE.VAR=FILE.npy, got '%s'", argv[i]);
      o->nrecs++;
    } else if (strcmp(a, "--probes") == 0 && v) o->probes_dir = argv[++i];
    else if (strcmp(a, "--checkpoint") == 0 && v) o->checkpoint = argv[++i];
    else if (strcmp(a, "--resume") == 0 && v) o->resume = argv[++i];
    else if (strcmp(a, "--data-dir") == 0 && v) o->data_dir = argv[++i];
    else if (strcmp(a, "--trace") == 0 && v) o->trace = argv[++i];
    else if (strcmp(a, "--threads") == 0 && v) {
      if (!cli_parse_uint(argv[++i], UINT64_MAX, &o->threads) || o->threads == 0 || o->threads > 64)
        return cmd_usage(&cmd_run_desc, "--threads needs a thread count from 1 to 64, got '%s'", argv[i]);
    } else if (strcmp(a, "--baud") == 0 && v) {
      if (!cli_parse_uint(argv[++i], UINT64_MAX, &o->baud) || o->baud == 0 || o->baud > 4000000)
        return cmd_usage(&cmd_run_desc, "--baud needs a baud rate such as 115200, got '%s'", argv[i]);
    }
    else if (strcmp(a, "--cores") == 0 && v) {
      if (!cli_parse_uint(argv[++i], 64, &o->cores) || o->cores == 0)
        return cmd_usage(&cmd_run_desc, "--cores needs an integer from 1 to 64, got '%s'", argv[i]);
    }
    else if (strcmp(a, "--include-inputs") == 0) o->include_inputs = true;
    else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) o->quiet = true;
    else if (a[0] == '-' && a[1]) return cmd_usage(&cmd_run_desc, "unknown option '%s' (or missing value)", a);
    else if (!o->input) o->input = a;
    else return cmd_usage(&cmd_run_desc, "one model or image at a time (got '%s' and '%s')", o->input, a);
  }
  if (!o->input) return cmd_usage(&cmd_run_desc, "missing MODEL.yaml or IMAGE.aimg");
  if (o->steps_set && o->time_set) return cmd_usage(&cmd_run_desc, "give --steps or --time, not both");
  struct stat dst;
  if (stat(o->input, &dst) == 0 && S_ISDIR(dst.st_mode)) { /* an astro-sim folder: its IR image */
    snprintf(o->dir_image, sizeof o->dir_image, "%s/network.aimg", o->input);
    o->input = o->dir_image;
  }
  if (o->cores && strcmp(o->backend, "rtl") != 0)
    return cmd_usage(&cmd_run_desc, "--cores needs --backend rtl");
#ifdef ASTROC_HAVE_RTL
  if (o->trace && strcmp(o->backend, "rtl") != 0)
    return cmd_usage(&cmd_run_desc, "--trace needs --backend rtl");
  if (o->trace && !rt_rtl_set_options(o->trace, 0, 0)) return EXIT_INTERNAL;
  if (strcmp(o->backend, "rtl") == 0) return EXIT_OK;
#else
  if (o->trace) return cmd_usage(&cmd_run_desc, "--trace needs the rtl backend, which this build lacks (no verilator)");
#endif
  if (strncmp(o->backend, "serial:", 7) == 0 && o->backend[7]) { /* an FPGA board (docs/fpga.md) */
    if (!rt_serial_set_options(o->backend + 7, (unsigned)o->baud)) return EXIT_INTERNAL;
    o->backend = "serial";
    return EXIT_OK;
  }
  if (o->baud) return cmd_usage(&cmd_run_desc, "--baud needs --backend serial:DEV");
  if (strcmp(o->backend, "serial") == 0)
    return cmd_usage(&cmd_run_desc, "--backend serial needs a device: serial:DEV, e.g. serial:/dev/ttyUSB1");
  if (strcmp(o->backend, "loihi") == 0) return EXIT_OK; /* DIR from compile --target loihi1|loihi2 */
  if (strcmp(o->backend, "rtl") == 0) {
    fputs("astroc: error: backend 'rtl' is not in this build (it needs verilator at build time)\n", stderr);
    return EXIT_INPUT;
  }
  if (strcmp(o->backend, "interp") != 0 && strcmp(o->backend, "jit") != 0)
    return cmd_usage(&cmd_run_desc, "unknown backend '%s'; available backends: interp, jit, loihi, serial:DEV%s",
                     o->backend, RTL_BACKEND_NOTE);
  if (o->threads > 1 && strcmp(o->backend, "jit") != 0)
    return cmd_usage(&cmd_run_desc, "--threads needs --backend jit (the interpreter is single-threaded)");
  return EXIT_OK;
}

/* ================================================================ set-up of outputs */

static void list_vars(const rt_sim *sim, ir_ref ref, char *out, size_t cap) {
  size_t n = 0;
  const char *const *vars = rt_state_vars(sim, ref, &n);
  out[0] = '\0';
  for (size_t i = 0; vars && i < n; i++) {
    size_t len = strlen(out);
    snprintf(out + len, cap - len, "%s%s", i ? ", " : "", vars[i]);
  }
  if (!out[0]) snprintf(out, cap, "none");
}

static bool open_records(run_ctx *c, run_opts *o) {
  for (int i = 0; i < o->nrecs; i++) {
    record *r = &o->recs[i];
    if (!ir_lookup(c->m, r->node, &r->ref)) {
      ir_error(c->d, (ir_loc){0}, "--record %s: no node named '%s' in the model", r->spec, r->node);
      return false;
    }
    if (!rt_sim_state_size(c->sim, r->ref, r->var, &r->n)) {
      char vars[256];
      list_vars(c->sim, r->ref, vars, sizeof vars);
      ir_error(c->d, (ir_loc){0}, "--record %s: %s '%s' has no state variable '%s' (it has: %s)", r->spec,
               ir_node_kind_name(r->ref.kind), r->node, r->var, vars);
      return false;
    }
    r->buf = malloc((r->n ? r->n : 1) * sizeof(double));
    r->out = r->buf ? npy_create(r->file, "'<f8'", r->n, c->d) : NULL;
    if (!r->out) return false;
  }
  return true;
}

static bool open_probes(run_ctx *c, const char *dir) {
  const ir_module *m = c->m;
  if (!dir || m->nprobes == 0) return true;
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    ir_error(c->d, (ir_loc){.file = dir}, "cannot create the probe folder: %s", strerror(errno));
    return false;
  }
  c->probes = calloc(m->nprobes, sizeof *c->probes);
  if (!c->probes) return false;
  c->nprobes = m->nprobes;
  for (uint32_t k = 0; k < m->nprobes; k++) {
    probe_out *po = &c->probes[k];
    po->p = &m->probes[k];
    size_t plen = strlen(dir) + strlen(po->p->name) + 8;
    char *path = malloc(plen);
    if (!path) return false;
    snprintf(path, plen, "%s/%s.npy", dir, po->p->name);
    po->spikes = strcmp(po->p->var, "spikes") == 0;
    if (po->spikes) {
      po->out = npy_create(path, "'<i8'", 2, c->d);
    } else if (!rt_sim_state_size(c->sim, po->p->target, po->p->var, &po->n)) {
      ir_error(c->d, po->p->loc, "probe '%s': the engine has no state variable '%s' for '%s'", po->p->name,
               po->p->var, ir_node_name(m, po->p->target));
    } else {
      po->buf = malloc((po->n ? po->n : 1) * sizeof(double));
      po->row = malloc((po->p->nindices ? po->p->nindices : 1) * sizeof(double));
      if (po->buf && po->row) po->out = npy_create(path, "'<f8'", po->p->indices ? po->p->nindices : po->n, c->d);
    }
    free(path);
    if (!po->out) return false;
  }
  return true;
}

static bool close_outputs(run_ctx *c, run_opts *o) {
  bool ok = spike_writer_close(c->sw, c->d);
  c->sw = NULL;
  for (int i = 0; i < o->nrecs; i++) {
    ok = npy_close(o->recs[i].out, c->d) && ok;
    o->recs[i].out = NULL;
    free(o->recs[i].buf);
    o->recs[i].buf = NULL;
  }
  for (uint32_t k = 0; k < c->nprobes; k++) {
    ok = npy_close(c->probes[k].out, c->d) && ok;
    free(c->probes[k].buf);
    free(c->probes[k].row);
  }
  free(c->probes);
  c->probes = NULL;
  c->nprobes = 0;
  return ok;
}

/* ================================================================ summary */

static void print_summary(const run_ctx *c, uint64_t steps, double wall) {
  const ir_module *m = c->m;
  double sim_s = (double)steps * m->dt / 1000.0;
  printf("%-20s %-10s %10s %12s %10s\n", "population", "model", "neurons", "spikes", "rate (Hz)");
  for (uint32_t s = 0; s < c->nsources; s++) {
    bool pop = s < m->npops;
    uint32_t size = pop ? m->pops[s].size : m->inputs[s - m->npops].size;
    const char *model = pop ? ir_neuron_model_desc(m->pops[s].model)->name : "input";
    double rate = size && sim_s > 0 ? (double)c->spikes[s] / size / sim_s : 0.0;
    printf("%-20s %-10s %10u %12llu %10.2f\n", c->names[s], model, size, (unsigned long long)c->spikes[s], rate);
  }
  printf("%llu steps (%.1f ms simulated) in %.3f s wall: real-time factor %.3g", (unsigned long long)steps,
         (double)steps * m->dt, wall, sim_s > 0 ? wall / sim_s : 0.0);
  printf(", %llu synaptic events (%.3g /s)\n", (unsigned long long)c->syn_events,
         wall > 0 ? (double)c->syn_events / wall : 0.0);
}

/* ================================================================ the command */

static bool restore_from(run_ctx *c, const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    ir_error(c->d, (ir_loc){.file = path}, "cannot open the checkpoint: %s", strerror(errno));
    return false;
  }
  bool ok = rt_sim_restore(c->sim, f, c->d);
  fclose(f);
  return ok;
}

static bool save_to(run_ctx *c, const char *path) {
  FILE *f = fopen(path, "wb");
  if (!f) {
    ir_error(c->d, (ir_loc){.file = path}, "cannot write the checkpoint: %s", strerror(errno));
    return false;
  }
  bool ok = rt_sim_save(c->sim, f, c->d);
  ok = (fclose(f) == 0) && ok;
  if (!ok) ir_error(c->d, (ir_loc){.file = path}, "failed to write the checkpoint");
  return ok;
}

/* The number of steps to run: --steps, --time, or what is left of the model's duration. */
static bool resolve_steps(run_ctx *c, const run_opts *o, uint64_t *steps) {
  const ir_module *m = c->m;
  if (o->steps_set) *steps = o->steps;
  else if (o->time_set) *steps = (uint64_t)llround(o->time_ms / m->dt);
  else if (m->duration > 0) {
    uint64_t total = (uint64_t)llround(m->duration / m->dt), done = rt_sim_steps(c->sim);
    *steps = total > done ? total - done : 0;
  } else {
    ir_error(c->d, (ir_loc){.file = o->input},
             "the model gives no network.duration: say how long to run with --steps N or --time T");
    return false;
  }
  return true;
}

static int run_sim(run_ctx *c, run_opts *o) {
  const ir_module *m = c->m;
  rt_options ropt = {.engine = o->backend, .numerics = o->load.numerics, .seed_set = o->load.seed_set,
                     .seed = o->load.seed, .data_dir = o->data_dir, .threads = (unsigned)o->threads};
  c->sim = rt_sim_create(m, &ropt, c->d);
  if (!c->sim) return ir_diag_error_count(c->d) ? EXIT_INPUT : EXIT_INTERNAL;
  rt_jit_info ji;
  if (!o->quiet && rt_jit_info_get(c->sim, &ji)) { /* code generation is reported apart from the run */
    const char *origin = rt_jit_origin(c->sim); /* compiled, cached object, embedded object, ... */
    const char *when = strcmp(origin, "embedded object") == 0 ? "compiled in astroc compile, "
                       : strcmp(origin, "cached object") == 0    ? "compiled in an earlier run, "
                       : strcmp(origin, "compiled") != 0         ? "compiled in this process, "
                                                                 : "";
    if (o->native_offered && strcmp(origin, "embedded object") != 0)
      fprintf(stderr, "jit: note: the image's native code is for another structure (--numerics?): not used\n");
    if (!*when)
      fprintf(stderr, "jit: %u functions for %s compiled in %.1f ms, %u thread%s\n", ji.nfunctions, ji.cpu,
              ji.compile_ms, ji.threads, ji.threads == 1 ? "" : "s");
    else
      fprintf(stderr, "jit: %u functions for %s, code: %s (%s%.1f ms load), %u thread%s\n", ji.nfunctions, ji.cpu,
              origin, when, ji.compile_ms, ji.threads, ji.threads == 1 ? "" : "s");
  }
  if (o->resume && !restore_from(c, o->resume)) return EXIT_INPUT;
  uint64_t steps;
  if (!resolve_steps(c, o, &steps)) return EXIT_INPUT;
  if (o->spikes && !(c->sw = spike_writer_open(o->spikes, c->names, c->nsources, c->d))) return EXIT_INPUT;
  if (!open_records(c, o) || !open_probes(c, o->probes_dir)) return ir_diag_error_count(c->d) ? EXIT_INPUT : EXIT_INTERNAL;
  rt_sim_on_spikes(c->sim, on_spikes, c);
  rt_sim_on_step(c->sim, on_step, c);
  c->progress = !o->quiet && isatty(STDERR_FILENO);
  c->first_step = rt_sim_steps(c->sim);
  c->total = steps;
  c->t0 = now_s();
  bool ok = rt_sim_run(c->sim, steps, c->d);
  double wall = now_s() - c->t0;
  if (c->progress && wall > 0.5) draw_progress(c, steps, true);
  if (!ok) return ir_diag_error_count(c->d) ? EXIT_INPUT : EXIT_INTERNAL;
  if (c->failed) {
    fputs("astroc: internal error: the engine could not read a recorded state variable\n", stderr);
    return EXIT_INTERNAL;
  }
  if (!close_outputs(c, o)) return EXIT_INPUT;
  if (o->checkpoint && !save_to(c, o->checkpoint)) return EXIT_INPUT;
  if (!o->quiet) print_summary(c, steps, wall);
  return EXIT_OK;
}

int cmd_run(int argc, char **argv) {
  run_opts o = {0};
  int st = parse_args(argc, argv, &o);
  if (st != EXIT_OK) return st;
  ir_diag *d = ir_diag_create(stderr);
  if (!d) return EXIT_INTERNAL;
  ir_diag_set_color(d, !o.quiet && isatty(STDERR_FILENO));
  bool is_image;
  ir_module *m = cli_load(o.input, &o.load, &is_image, d);
  if (!m) {
    st = ir_diag_error_count(d) ? EXIT_INPUT : EXIT_INTERNAL;
    ir_diag_destroy(d);
    return st;
  }
  int native = 0; /* jit: native code embedded by compile --target cpu (0 none, 1 offered, 2 other host) */
  char native_note[512] = "";
  if (is_image && strcmp(o.backend, "jit") == 0 &&
      !rt_jit_offer_image(o.input, &native, native_note, sizeof native_note, d)) {
    ir_module_destroy(m);
    ir_diag_destroy(d);
    return EXIT_INPUT;
  }
  if (native == 2 && !o.quiet)
    fprintf(stderr, "jit: note: the image's native code does not fit this host (%s): generating code\n", native_note);
  o.native_offered = native == 1;
  if (strcmp(o.backend, "loihi") == 0 && o.dir_image[0]) { /* the engine reads DIR/loihi.bin */
    char dir[sizeof o.dir_image];
    snprintf(dir, sizeof dir, "%.*s", (int)(strlen(o.dir_image) - strlen("/network.aimg")), o.dir_image);
    ir_attr_set_str(m, &m->attrs, LH_DIR_ATTR, dir);
  }
  uint32_t used; /* rtl: a model (or --cores) goes on the mesh when one core does not hold it */
  if (strcmp(o.backend, "rtl") == 0 && (o.cores || !is_image) && m->numerics == IR_NUMERICS_FIXED &&
      !be_vl_place(m, (uint32_t)o.cores, &used, d)) {
    ir_module_destroy(m);
    ir_diag_destroy(d);
    return EXIT_INPUT;
  }
  run_ctx c = {.m = m, .d = d, .include_inputs = o.include_inputs, .recs = o.recs, .nrecs = o.nrecs};
  c.nsources = m->npops + m->ninputs;
  c.names = calloc(c.nsources + 1, sizeof *c.names);
  c.spikes = calloc(c.nsources + 1, sizeof *c.spikes);
  if (!c.names || !c.spikes) st = EXIT_INTERNAL;
  else {
    for (uint32_t i = 0; i < m->npops; i++) c.names[i] = m->pops[i].name;
    for (uint32_t i = 0; i < m->ninputs; i++) c.names[m->npops + i] = m->inputs[i].name;
    st = run_sim(&c, &o);
  }
  if (st != EXIT_OK) close_outputs(&c, &o);
  rt_sim_destroy(c.sim);
  free(c.names);
  free(c.spikes);
  ir_module_destroy(m);
  ir_diag_destroy(d);
  return st;
}

const command cmd_run_desc = {
    "run",
    "astroc run MODEL.yaml|IMAGE.aimg|DIR [--steps N | --time T] [--spikes FILE.csv|FILE.npy] [options]",
    "simulate a model or an image; write spikes, recorded state and probes",
    "options:\n"
    "  --backend jit          native code generated with LLVM for this network (docs/jit.md); the\n"
    "                         compile time is printed apart from the run's wall time. An image from\n"
    "                         compile --target cpu carries the code: loaded, not generated\n"
    "  --threads N            jit backend: worker threads (results identical for any N)\n"
    "  --backend NAME         interp (default), loihi (DIR of compile --target loihi1|loihi2, runs its\n"
    "                         tables; docs/loihi-format.md). jit, rtl, serial: not available yet\n"
    "                         (rtl: the Verilator model of the accelerator, fixed numerics, when built)\n"
    "  --backend serial:DEV   an astroc FPGA board on serial device DEV (astroc synth, docs/fpga.md),\n"
    "                         fixed numerics; e.g. serial:/dev/ttyUSB1\n"
    "  --baud B               serial backend: the bitstream's baud rate (default 115200)\n"
    "  --trace FILE.fst       rtl backend: write an FST waveform of every clock cycle\n"
    "  --cores N              rtl backend: spread the neurons over about N cores of the 2 x 2 mesh model\n"
    "                         (default: the placement of DIR, or one core unless the model needs more)\n"
    "  --numerics MODE        float | fixed: override the model's numerics\n"
    "  --steps N              run N steps\n"
    "  --time T               run for T ('250 ms', '1 s'); default: network.duration (after\n"
    "                         --resume: what is left of it)\n"
    "  --seed S               override the seed (models: connectivity and runtime draws;\n"
    "                         images: runtime draws only, the connectivity is fixed)\n"
    "  --spikes FILE          write spikes: CSV 'step,population,neuron', or a structured .npy\n"
    "                         when FILE ends in .npy; populations only unless --include-inputs\n"
    "  --include-inputs       also write the spikes of inputs (after the populations of a step)\n"
    "  --record NODE.VAR=FILE.npy\n"
    "                         record a state variable every step: float64, shape (steps, n);\n"
    "                         repeatable (e.g. --record exc.v=v.npy --record astro.a=a.npy)\n"
    "  --probes DIR           write each probe of the model to DIR/PROBE.npy\n"
    "  --checkpoint FILE      save the simulation state after the run\n"
    "  --resume FILE          restore a checkpoint before running (same model and options)\n"
    "  --data-dir DIR         where datasets are found (docs/datasets.md)\n"
    "  -q, --quiet            no progress bar and no summary\n"
    "\n"
    "The input is recognised by content: an image starts with 'ASTROIMG'. Formats: docs/cli.md.\n"
    "Exit status: 0 ok, 1 error in the input (model, image, files), 2 usage error, 3 internal error.\n"
    "\nexamples:\n"
    "  astroc run examples/lif_small.yaml --spikes spikes.csv\n"
    "  astroc run cuba.aimg --time 1 s --spikes cuba.npy --record exc.v=v.npy\n",
    cmd_run,
};
