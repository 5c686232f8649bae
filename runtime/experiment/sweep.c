/* sweep.c — the report of a parameter sweep (`astroc experiment --sweep NODE.PARAM=V1,V2,...`): one table
 * and two plots (branching factor and accuracy against the swept value) over the runs' summaries. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "experiment.h"

static bool plots(const char *dir, const char *param, const ex_sweep_point *pt, size_t n, ir_diag *d) {
  double *v = malloc(4 * n * sizeof(double));
  if (!v)
    return false;
  double *sig = v + n, *test = v + 2 * n, *val = v + 3 * n;
  for (size_t k = 0; k < n; k++) {
    v[k] = pt[k].value;
    sig[k] = pt[k].s.sigma;
    test[k] = 100 * pt[k].s.test;
    val[k] = 100 * pt[k].s.val;
  }
  char path[4096];
  ex_series sb = {"branching factor", v, sig, n};
  ex_series sa[2] = {{"test", v, test, n}, {"validation", v, val, n}};
  bool ok = (size_t)snprintf(path, sizeof path, "%s/sweep_branching.svg", dir) < sizeof path &&
            ex_svg_lines(path, "Branching factor", param, "sigma", &sb, 1, d) &&
            (size_t)snprintf(path, sizeof path, "%s/sweep_accuracy.svg", dir) < sizeof path &&
            ex_svg_lines(path, "Readout accuracy (best-validation epoch)", param, "accuracy (%)", sa, 2, d);
  free(v);
  return ok;
}

bool ex_sweep_write(const char *dir, const char *model_path, const char *param, const ex_sweep_point *pt, size_t n,
                    uint32_t window, ir_diag *d) {
  char path[4096];
  if ((size_t)snprintf(path, sizeof path, "%s/sweep.md", dir) >= sizeof path)
    return false;
  FILE *f = fopen(path, "w");
  if (!f) {
    ir_error(d, (ir_loc){.file = path}, "cannot write the sweep report: %s", strerror(errno));
    return false;
  }
  fprintf(f, "# Sweep of `%s`\n\n", param);
  fprintf(f, "Model `%s`: one complete experiment per value, each in its own folder with its report.md. The "
          "branching factor is the mean over the recorded test samples (window %u steps, docs/experiments.md); "
          "the accuracies are those of the epoch of best validation accuracy.\n\n", model_path, window);
  fprintf(f, "![branching factor](sweep_branching.svg)\n![accuracy](sweep_accuracy.svg)\n\n");
  fprintf(f, "| %s | branching factor | sd | test %% | validation %% | best epoch | run |\n", param);
  fprintf(f, "| --- | --- | --- | --- | --- | --- | --- |\n");
  for (size_t k = 0; k < n; k++)
    fprintf(f, "| %g | %.3f | %.3f | %.2f | %.2f | %u | [%s](%s/report.md) |\n", pt[k].value, pt[k].s.sigma,
            pt[k].s.sigma_sd, 100 * pt[k].s.test, 100 * pt[k].s.val, pt[k].s.best_epoch, pt[k].dir, pt[k].dir);
  bool ok = fclose(f) == 0;
  if (!ok)
    ir_error(d, (ir_loc){.file = path}, "cannot write the sweep report");
  return ok && plots(dir, param, pt, n, d);
}
