/* cmd_experiment.c — `astroc experiment`: run a model's protocol (NALSM initialisation, response generation,
 * readout training) with the runner of runtime/experiment and write DIR/report.md (docs/experiments.md). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "experiment.h"
#include "spikes_io.h"

static bool parse_uint(const char *s, uint64_t max, uint64_t *out) {
  if (!*s || *s == '-')
    return false;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (*end || errno || v > max)
    return false;
  *out = v;
  return true;
}

enum { MAX_SETS = 16, MAX_SWEEP = 64 };

/* The --set specs and the --sweep NODE.PARAM=V1,V2,... split into its values. */
typedef struct sweep_args {
  const char *sets[MAX_SETS + 1]; /* + the sweep's own spec, appended per run */
  uint32_t nsets;
  char *param;                    /* "NODE.PARAM" (malloc'd), NULL without --sweep */
  char *values[MAX_SWEEP];        /* malloc'd */
  uint32_t nvalues;
} sweep_args;

static int parse_sweep(const char *spec, sweep_args *sw) {
  const char *eq = strchr(spec, '=');
  if (sw->param || !eq || eq == spec || !eq[1])
    return cmd_usage(&cmd_experiment_desc, sw->param ? "one --sweep at a time"
                                                     : "--sweep needs NODE.PARAM=V1,V2,..., got '%s'", spec);
  sw->param = strndup(spec, (size_t)(eq - spec));
  for (const char *v = eq + 1; *v;) {
    size_t len = strcspn(v, ",");
    if (len == 0 || sw->nvalues == MAX_SWEEP)
      return cmd_usage(&cmd_experiment_desc, "--sweep: empty value or more than %d values in '%s'", MAX_SWEEP, spec);
    sw->values[sw->nvalues++] = strndup(v, len);
    v += len + (v[len] == ',');
  }
  return sw->param ? EXIT_OK : EXIT_INTERNAL;
}

static int parse_args(int argc, char **argv, ex_options *o, cli_load_options *lo, bool *quiet, sweep_args *sw) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool v = i + 1 < argc;
    uint64_t n;
    if (strcmp(a, "--out") == 0 && v)
      o->out_dir = argv[++i];
    else if (strcmp(a, "--samples") == 0 && v) {
      if (!parse_uint(argv[++i], UINT32_MAX, &n) || n == 0)
        return cmd_usage(&cmd_experiment_desc, "--samples needs a whole number >= 1, got '%s'", argv[i]);
      o->samples = n;
    } else if (strcmp(a, "--init-samples") == 0 && v) {
      if (!parse_uint(argv[++i], UINT32_MAX, &n))
        return cmd_usage(&cmd_experiment_desc, "--init-samples needs a whole number >= 0, got '%s'", argv[i]);
      o->init_samples = (int64_t)n;
    } else if (strcmp(a, "--threads") == 0 && v) {
      if (!parse_uint(argv[++i], 64, &n) || n == 0)
        return cmd_usage(&cmd_experiment_desc, "--threads needs a whole number 1-64, got '%s'", argv[i]);
      o->threads = (unsigned)n;
    } else if (strcmp(a, "--record") == 0 && v) {
      if (!parse_uint(argv[++i], 10000, &n) || n == 0)
        return cmd_usage(&cmd_experiment_desc, "--record needs a whole number 1-10000, got '%s'", argv[i]);
      o->record = (uint32_t)n;
    } else if (strcmp(a, "--window") == 0 && v) {
      if (!parse_uint(argv[++i], 1000, &n) || n == 0)
        return cmd_usage(&cmd_experiment_desc, "--window needs a whole number of steps 1-1000, got '%s'", argv[i]);
      o->window = (uint32_t)n;
    } else if (strcmp(a, "--batch") == 0 && v) {
      if (!parse_uint(argv[++i], 1000000, &n) || n == 0)
        return cmd_usage(&cmd_experiment_desc, "--batch needs a whole number >= 1, got '%s'", argv[i]);
      o->batch = (uint32_t)n;
    } else if (strcmp(a, "--epochs") == 0 && v) {
      if (!parse_uint(argv[++i], 100000, &n) || n == 0)
        return cmd_usage(&cmd_experiment_desc, "--epochs needs a whole number >= 1, got '%s'", argv[i]);
      o->epochs = (uint32_t)n;
    } else if (strcmp(a, "--numerics") == 0 && v) {
      const char *s = argv[++i];
      if (strcmp(s, "float") == 0)
        lo->numerics = IR_NUMERICS_FLOAT;
      else if (strcmp(s, "fixed") == 0)
        lo->numerics = IR_NUMERICS_FIXED;
      else
        return cmd_usage(&cmd_experiment_desc, "--numerics must be 'float' or 'fixed', got '%s'", s);
      o->numerics = lo->numerics;
    } else if (strcmp(a, "--set") == 0 && v) {
      if (sw->nsets == MAX_SETS)
        return cmd_usage(&cmd_experiment_desc, "at most %d --set options", MAX_SETS);
      sw->sets[sw->nsets++] = argv[++i];
    } else if (strcmp(a, "--sweep") == 0 && v) {
      int rc = parse_sweep(argv[++i], sw);
      if (rc != EXIT_OK)
        return rc;
    } else if (strcmp(a, "--data-dir") == 0 && v)
      o->data_dir = argv[++i];
    else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0)
      *quiet = true;
    else if (a[0] == '-' && a[1])
      return cmd_usage(&cmd_experiment_desc, "unknown option '%s' (or missing value)", a);
    else if (!o->model_path)
      o->model_path = a;
    else
      return cmd_usage(&cmd_experiment_desc, "one model at a time (got '%s' and '%s')", o->model_path, a);
  }
  if (!o->model_path)
    return cmd_usage(&cmd_experiment_desc, "missing MODEL.yaml");
  return EXIT_OK;
}

/* Loads the model, applies the --set specs (and the sweep's) and runs the protocol into o->out_dir.
 * Returns the command's exit status. */
static int run_one(ex_options *o, const cli_load_options *lo, const sweep_args *sw, uint32_t nsets, ir_diag *d) {
  bool is_image = false;
  cli_load_options l = *lo;
  ir_module *m = cli_load(o->model_path, &l, &is_image, d);
  if (m && is_image) {
    ir_error(d, (ir_loc){.file = o->model_path}, "an experiment needs the model YAML (its protocol), not an image");
    ir_module_destroy(m);
    m = NULL;
  }
  bool ok = m != NULL;
  for (uint32_t k = 0; ok && k < nsets; k++)
    ok = ex_set_apply(m, sw->sets[k], d);
  if (!ok) {
    ir_module_destroy(m);
    return EXIT_INPUT;
  }
  o->sets = sw->sets;
  o->nsets = nsets;
  int rc = ex_run(m, o, d);
  if (rc == 0)
    printf("report: %s/report.md\n", o->out_dir);
  ir_module_destroy(m);
  return rc == 0 ? EXIT_OK : rc == 1 ? EXIT_INPUT : EXIT_INTERNAL;
}

/* One run per value into OUT/NODE.PARAM=VALUE, then OUT/sweep.md with the plots. */
static int run_sweep(ex_options *o, const cli_load_options *lo, sweep_args *sw, ir_diag *d) {
  const char *out = o->out_dir;
  if (mkdir(out, 0777) != 0 && errno != EEXIST) {
    ir_error(d, (ir_loc){.file = out}, "cannot create the output folder: %s", strerror(errno));
    return EXIT_INPUT;
  }
  ex_sweep_point pt[MAX_SWEEP];
  char *spec[MAX_SWEEP] = {0}, *dir[MAX_SWEEP] = {0};
  int rc = EXIT_OK;
  for (uint32_t k = 0; k < sw->nvalues && rc == EXIT_OK; k++) {
    size_t n = strlen(sw->param) + strlen(sw->values[k]) + 2, nd = strlen(out) + n + 1;
    spec[k] = malloc(n);
    dir[k] = malloc(nd);
    if (!spec[k] || !dir[k]) {
      rc = EXIT_INTERNAL;
      break;
    }
    snprintf(spec[k], n, "%s=%s", sw->param, sw->values[k]);
    snprintf(dir[k], nd, "%s/%s", out, spec[k]);
    /* The plotted x is the number as written (a unit, if any, is checked by ex_set_apply, not converted). */
    pt[k] = (ex_sweep_point){.value = strtod(sw->values[k], NULL), .dir = dir[k] + strlen(out) + 1};
    ex_summary sum = {0};
    sw->sets[sw->nsets] = spec[k];
    o->out_dir = dir[k];
    o->summary = &sum;
    rc = run_one(o, lo, sw, sw->nsets + 1, d);
    pt[k].s = sum;
  }
  o->out_dir = out;
  if (rc == EXIT_OK)
    rc = ex_sweep_write(out, o->model_path, sw->param, pt, sw->nvalues, o->window, d) ? EXIT_OK : EXIT_INPUT;
  if (rc == EXIT_OK)
    printf("sweep report: %s/sweep.md\n", out);
  for (uint32_t k = 0; k < sw->nvalues; k++) {
    free(spec[k]);
    free(dir[k]);
  }
  return rc;
}

int cmd_experiment(int argc, char **argv) {
  ex_options o = {.init_samples = -1, .threads = 1, .numerics = -1, .record = 10, .window = 3, .out_dir = NULL};
  cli_load_options lo = {.numerics = -1};
  sweep_args sw = {0};
  bool quiet = false;
  int rc = parse_args(argc, argv, &o, &lo, &quiet, &sw);
  if (rc == EXIT_OK) {
    if (!o.out_dir)
      o.out_dir = "experiment-out";
    o.progress = !quiet;
    ir_diag *d = ir_diag_create(stderr);
    if (!d)
      rc = EXIT_INTERNAL;
    else {
      ir_diag_set_color(d, isatty(STDERR_FILENO));
      rc = sw.param ? run_sweep(&o, &lo, &sw, d) : run_one(&o, &lo, &sw, sw.nsets, d);
      ir_diag_destroy(d);
    }
  }
  free(sw.param);
  for (uint32_t k = 0; k < sw.nvalues; k++)
    free(sw.values[k]);
  return rc;
}

const command cmd_experiment_desc = {
    "experiment",
    "astroc experiment MODEL.yaml [--out DIR] [--samples N] [--init-samples N] [--threads N] [--numerics float|fixed]"
    " [--set NODE.PARAM=V]... [--sweep NODE.PARAM=V1,V2,...]",
    "run a model's protocol (NALSM init, responses, readout) and write DIR/report.md",
    "Runs the phases of the model's `protocol` section (docs/experiments.md):\n"
    "  init      N samples of a split, sample_time each, plasticity on; the weights carry over\n"
    "  response  every train/validation/test sample from the initialised state, learning rates\n"
    "            multiplied by rate_decay each step; liquid spike counts cached in DIR\n"
    "  readout   linear softmax layer on the normalised counts (Adadelta, soft targets); the test\n"
    "            accuracy is reported at the epoch of best validation accuracy\n"
    "An interrupted run resumes: the init phase from DIR/init.ckpt, responses from the cached features.\n"
    "\n"
    "Options:\n"
    "  --out DIR           output folder (default experiment-out): report.md, *.svg, caches\n"
    "  --samples N         cap the init phase and every response split at N samples (a subset)\n"
    "  --init-samples N    number of init samples (overrides the phase's 'samples' and --samples)\n"
    "  --threads N         response worker threads, 1-64 (default 1; results do not depend on it)\n"
    "  --numerics MODE     float or fixed (default: the model's)\n"
    "  --record N          test samples recorded for the raster and branching factor (default 10)\n"
    "  --window N          branching-factor window in steps (default 3)\n"
    "  --batch N           readout mini-batch size (default 10)\n"
    "  --epochs N          readout epochs (default: the readout phase's 'epochs')\n"
    "  --set NODE.PARAM=V  replace a parameter of an astrocyte, population or plastic projection\n"
    "                      (V: a number, with a unit for dimensioned ones: 0.15mV); repeatable\n"
    "  --sweep NODE.PARAM=V1,V2,...\n"
    "                      one experiment per value in DIR/NODE.PARAM=V, then DIR/sweep.md with\n"
    "                      the branching factor and accuracy against the value (sweep_*.svg)\n"
    "  --data-dir DIR      where the data sets live (default search: docs/datasets.md)\n"
    "  -q, --quiet         no progress lines on stderr\n"
    "\n"
    "Examples:\n"
    "  astroc experiment examples/nalsm/nalsm_tiny.yaml --out /tmp/tiny\n"
    "  astroc experiment examples/nalsm/nalsm1000_fashion.yaml --out runs/fm1000 --threads 2\n"
    "  astroc experiment examples/nalsm/nalsm_tiny.yaml --samples 300 --out /tmp/sw\\\n"
    "      --sweep astro.w_a=0.005,0.01,0.015,0.02,0.03\n",
    cmd_experiment};
