/* pipeline.c — the pass manager: runs passes in order, verifies between them, prints after one or all.
 *
 * A pass reports its user errors through ir_diag and returns false. A module that fails the
 * verifier after a pass is a bug in that pass, reported as "internal error: IR invalid after pass
 * 'NAME'" (the driver maps it to exit status 3). Each pass is timed with the monotonic clock;
 * with ASTROC_TIME_PASSES set in the environment the times go to stderr.
 */
#include "ir.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* "layout, expand" — the valid names for an error message. */
static void list_names(const ir_pass *passes, size_t n, char *buf, size_t cap) {
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(buf);
    snprintf(buf + l, cap - l, "%s'%s'", i ? ", " : "", passes[i].name);
  }
}

bool ir_run_pipeline(ir_module *m, const ir_pass *passes, size_t npasses, const ir_pipeline_options *opt,
                     ir_diag *d) {
  static const ir_pipeline_options none = {0};
  if (!opt) opt = &none;
  const char *after = opt->print_after;
  bool all = after && strcmp(after, "all") == 0;
  if (after && !all) {
    bool known = false;
    for (size_t i = 0; i < npasses; i++) known |= strcmp(passes[i].name, after) == 0;
    if (!known) {
      char names[512];
      list_names(passes, npasses, names, sizeof names);
      ir_error(d, (ir_loc){0}, "no pass named '%s' to print after; the passes are %s, or 'all'", after, names);
      return false;
    }
  }
  FILE *out = opt->print_out ? opt->print_out : stdout;
  bool timing = getenv("ASTROC_TIME_PASSES") != NULL;
  for (size_t i = 0; i < npasses; i++) {
    double t0 = now_ms();
    bool ok = passes[i].run(m, d);
    double t1 = now_ms();
    if (timing) fprintf(stderr, "astroc: pass %-12s %10.3f ms%s\n", passes[i].name, t1 - t0, ok ? "" : " (failed)");
    if (!ok) return false;
    if (opt->verify_each && !ir_verify(m, d)) {
      ir_error(d, (ir_loc){0}, "internal error: IR invalid after pass '%s'", passes[i].name);
      return false;
    }
    if (all || (after && strcmp(after, passes[i].name) == 0)) {
      fprintf(out, "; --- after pass %s ---\n", passes[i].name);
      ir_print(m, out, opt->print);
    }
  }
  return true;
}
