/* report.c — DIR/report.md and its plots: accuracy per epoch, a raster and the astrocyte state over one
 * test sample, weight histograms before and after initialisation, time and samples/s per phase, and the
 * branching factor. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ex_internal.h"

static bool plot_path(char *buf, size_t cap, const char *dir, const char *name) {
  return (size_t)snprintf(buf, cap, "%s/%s", dir, name) < cap;
}

static bool plots(const char *dir, const ex_results *r, ir_diag *d) {
  char p[4096];
  bool ok = true;
  double *ep = malloc((r->epochs + 1) * sizeof(double)), *acc = malloc(3 * (r->epochs + 1) * sizeof(double));
  if (!ep || !acc) {
    free(ep);
    free(acc);
    return false;
  }
  for (uint32_t e = 0; e < r->epochs; e++) {
    ep[e] = e + 1;
    acc[e] = 100 * r->hist[e].train;
    acc[r->epochs + e] = 100 * r->hist[e].val;
    acc[2 * r->epochs + e] = 100 * r->hist[e].test;
  }
  ex_series s[3] = {{"train", ep, acc, r->epochs},
                    {"validation", ep, acc + r->epochs, r->epochs},
                    {"test", ep, acc + 2 * r->epochs, r->epochs}};
  ok = plot_path(p, sizeof p, dir, "accuracy.svg") &&
       ex_svg_lines(p, "Readout accuracy per epoch", "epoch", "accuracy (%)", s, 3, d);
  free(ep);
  free(acc);
  if (ok && r->raster)
    ok = plot_path(p, sizeof p, dir, "raster.svg") &&
         ex_svg_raster(p, "Liquid spikes, test sample 0", r->raster, r->nraster, r->nfeat, r->raster_steps, r->dt, d);
  if (ok && r->trace) {
    double *t = malloc(r->raster_steps * sizeof(double));
    if (!t)
      return false;
    for (uint32_t k = 0; k < r->raster_steps; k++)
      t[k] = k * r->dt;
    ex_series a = {"A x rate gain", t, r->trace, r->raster_steps};
    ok = plot_path(p, sizeof p, dir, "astrocyte.svg") &&
         ex_svg_lines(p, "Astrocyte state (effective LTD factor), test sample 0", "time (ms)", "A", &a, 1, d);
    free(t);
  }
  if (ok && r->nw) {
    ex_series h[2] = {{"before initialisation", NULL, r->w_before, r->nw}, {"after initialisation", NULL, r->w_after, r->nw}};
    ok = plot_path(p, sizeof p, dir, "weights.svg") &&
         ex_svg_hist(p, "Plastic weights", strcmp(r->numerics, "fixed") ? "weight (mV)" : "weight word (w16)", h, 2, 60, d);
  }
  return ok;
}

static const char *opt_name(ex_optimizer o) {
  return o == EX_OPT_ADADELTA ? "adadelta" : o == EX_OPT_SGD ? "sgd" : "adam";
}

static void time_row(FILE *f, const char *name, const ex_phase_time *t, double steps_per_sample) {
  double rate = t->seconds > 0 ? (double)t->samples / t->seconds : 0;
  fprintf(f, "| %s | %llu | %llu | %.1f | %.1f | %.3g |\n", name, (unsigned long long)t->samples,
          (unsigned long long)t->cached, t->seconds, rate, rate * steps_per_sample);
}

bool ex_report_write(const char *dir, const ex_options *o, const ex_protocol *p, const ex_results *r, ir_diag *d) {
  char path[4096];
  if (!plot_path(path, sizeof path, dir, "report.md"))
    return false;
  FILE *f = fopen(path, "w");
  if (!f) {
    ir_error(d, (ir_loc){.file = path}, "cannot write the report: %s", strerror(errno));
    return false;
  }
  const ex_epoch_stats *b = r->epochs ? &r->hist[r->best] : NULL;
  fprintf(f, "# Experiment report: %s\n\n", r->model_name ? r->model_name : "model");
  fprintf(f, "Model `%s`, data set `%s`, numerics `%s`, %u liquid neurons, %u worker thread(s).\n\n",
          o->model_path ? o->model_path : "?", r->dataset, r->numerics, r->nfeat, r->threads);
  for (uint32_t k = 0; k < o->nsets; k++)
    fprintf(f, "%s `--set %s`", k ? "," : "Parameters changed from the model file:", o->sets[k]);
  if (o->nsets)
    fprintf(f, ".\n\n");
  fprintf(f, "## Result\n\n");
  if (b)
    fprintf(f, "**Test accuracy %.2f%%** at epoch %u of %u (the epoch of best validation accuracy, %.2f%%; "
            "train %.2f%%).\n\n", 100 * b->test, r->best + 1, r->epochs, 100 * b->val, 100 * b->train);
  fprintf(f, "Samples used: initialisation %llu (split `%s`, %g ms each); responses train %u, validation %u, "
          "test %u (%g ms each).%s\n\n", (unsigned long long)r->init_samples,
          p->init.present ? rt_split_name(p->init.split) : "-", p->init.present ? p->init.sample_time : 0.0,
          r->split_n[0], r->split_n[1], r->split_n[2], p->resp.sample_time,
          o->samples ? " The sample counts were capped with --samples: this is a subset of the protocol." : "");
  fprintf(f, "Branching factor (window %u steps, mean over %u test samples): **%.3f** (sd %.3f).\n\n", r->window,
          r->sigma_n, r->sigma, r->sigma_sd);
  fprintf(f, "## Protocol\n\n| phase | settings |\n| --- | --- |\n");
  if (p->init.present)
    fprintf(f, "| %s (init) | %llu samples x %g ms, plasticity %s |\n", p->init.name,
            (unsigned long long)r->init_samples, p->init.sample_time, p->init.plasticity ? "on" : "off");
  fprintf(f, "| %s (response) | %g ms a sample, plasticity %s, rate decay %g a step, %s |\n", p->resp.name,
          p->resp.sample_time, p->resp.plasticity ? "on" : "off", p->resp.rate_decay,
          p->resp.restore ? "state restored after each sample" : "state carried over");
  fprintf(f, "| %s (readout) | %u epochs, %s, lr %g, l2 %g, batch %u, soft targets softmax(+-1) |\n\n",
          p->readout_name, p->readout.epochs, opt_name(p->readout.opt), p->readout.lr, p->readout.l2, p->readout.batch);
  fprintf(f, "## Accuracy per epoch\n\n![accuracy](accuracy.svg)\n\n| epoch | loss | train %% | validation %% | test %% |\n"
          "| --- | --- | --- | --- | --- |\n");
  for (uint32_t e = 0; e < r->epochs; e++)
    fprintf(f, "| %u%s | %.4f | %.2f | %.2f | %.2f |\n", e + 1, e == r->best ? " (best val)" : "", r->hist[e].loss,
            100 * r->hist[e].train, 100 * r->hist[e].val, 100 * r->hist[e].test);
  double rs = p->resp.sample_time / r->dt, is = p->init.present ? p->init.sample_time / r->dt : 0;
  fprintf(f, "\n## Time\n\n| phase | samples simulated | samples from cache/checkpoint | wall (s) | samples/s | "
          "steps/s |\n| --- | --- | --- | --- | --- | --- |\n");
  if (p->init.present)
    time_row(f, "init", &r->t_init, is);
  static const char *const sn[3] = {"response train", "response validation", "response test"};
  for (int s = 0; s < 3; s++)
    time_row(f, sn[s], &r->t_resp[s], rs);
  double fit = r->t_readout.seconds - r->t_readout_load, per = r->epochs ? fit / r->epochs : 0;
  fprintf(f, "| readout | %u epochs x %llu | | %.1f | %.1f | |\n\n", r->epochs,
          (unsigned long long)r->t_readout.samples, r->t_readout.seconds,
          fit > 0 ? (double)r->epochs * (double)r->t_readout.samples / fit : 0.0);
  fprintf(f, "Readout: %.1f s reading and normalising the features, then %.2f s per epoch (training, then "
          "evaluating the three splits); %u of %u epochs trained on %u threads, the others on one (faster then).\n\n",
          r->t_readout_load, per, r->readout_multi, r->epochs, r->readout_threads);
  fprintf(f, "## Liquid\n\n![raster](raster.svg)\n\n");
  if (r->trace)
    fprintf(f, "![astrocyte](astrocyte.svg)\n\nThe astrocyte trace is A times the learning-rate gain of the step "
            "(rate_decay^t): the factor the LTD rate is multiplied by.\n\n");
  if (r->nw)
    fprintf(f, "![weights](weights.svg)\n\n%llu plastic synapses.\n", (unsigned long long)r->nw);
  bool ok = !ferror(f);
  ok = fclose(f) == 0 && ok;
  if (!ok)
    ir_error(d, (ir_loc){.file = path}, "cannot write the report");
  return ok && plots(dir, r, d);
}
