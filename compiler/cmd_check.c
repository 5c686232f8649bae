/* cmd_check.c — `astroc check`: parse and check model files, print a one-line summary of each. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "lh.h"
#include "fe.h"
#include "ir.h"

static void summary(const char *path, const ir_module *m) {
  uint64_t neurons = 0;
  for (uint32_t i = 0; i < m->npops; i++) neurons += m->pops[i].size;
  printf("%s: ok \xE2\x80\x94 %u population%s (%llu neurons), %u astrocyte%s, %u projection%s, %u input%s, "
         "%u probe%s\n",
         path, m->npops, m->npops == 1 ? "" : "s", (unsigned long long)neurons, m->nastros, m->nastros == 1 ? "" : "s",
         m->nprojs, m->nprojs == 1 ? "" : "s", m->ninputs, m->ninputs == 1 ? "" : "s", m->nprobes,
         m->nprobes == 1 ? "" : "s");
}

int cmd_check(int argc, char **argv) {
  bool quiet = false;
  int color = -1; /* -1: automatic (a terminal) */
  int first = 1;
  for (; first < argc && argv[first][0] == '-' && argv[first][1]; first++) {
    const char *a = argv[first];
    if (!strcmp(a, "--")) {
      first++;
      break;
    }
    if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
      quiet = true;
    else if (!strcmp(a, "--color"))
      color = 1;
    else if (!strcmp(a, "--no-color"))
      color = 0;
    else
      return cmd_usage(&cmd_check_desc, "check: unknown option '%s'", a);
  }
  if (first >= argc) return cmd_usage(&cmd_check_desc, "check: no model file given");
  ir_diag *d = ir_diag_create(stderr);
  if (!d) {
    fputs("astroc: out of memory\n", stderr);
    return EXIT_INTERNAL;
  }
  ir_diag_set_color(d, color < 0 ? isatty(fileno(stderr)) : color);
  int status = EXIT_OK;
  for (int i = first; i < argc; i++) {
    size_t len = strlen(argv[i]); /* a lava-dl netx file (.net, HDF5) goes through the netx importer */
    ir_module *m = len > 4 && strcmp(argv[i] + len - 4, ".net") == 0 ? lh_netx_read(argv[i], d) : fe_yaml_load(argv[i], d);
    if (!m) {
      status = EXIT_INPUT;
      continue;
    }
    if (!quiet) summary(argv[i], m);
    ir_module_destroy(m);
  }
  unsigned errors = ir_diag_error_count(d);
  if (errors) fprintf(stderr, "astroc: %u error%s\n", errors, errors == 1 ? "" : "s");
  ir_diag_destroy(d);
  return status;
}

const command cmd_check_desc = {
    "check",
    "astroc check [-q] [--color|--no-color] MODEL.yaml...",
    "parse and check model files, reporting every error with file:line:col",
    "Reads each MODEL.yaml (docs/language.md), checks every section, key, unit, range and\n"
    "reference, and prints one summary line per valid model:\n"
    "\n"
    "  MODEL: ok \xE2\x80\x94 N populations (X neurons), M astrocytes, P projections, I inputs, Q probes\n"
    "\n"
    "Errors are printed as FILE:LINE:COL: error: MESSAGE with the source line and a caret; as many\n"
    "errors as possible are reported in one run. Relative 'file:' paths are resolved against the\n"
    "model file's folder, and the files must exist.\n"
    "\n"
    "options:\n"
    "  -q, --quiet     print nothing for valid models (errors are still printed)\n"
    "  --color         colour diagnostics even when stderr is not a terminal\n"
    "  --no-color      never colour diagnostics\n"
    "\n"
    "exit status: 0 all models valid, 1 some model has errors, 2 usage error.\n"
    "\n"
    "example:\n"
    "  $ astroc check examples/nalsm/nalsm1000.yaml\n"
    "  examples/nalsm/nalsm1000.yaml: ok \xE2\x80\x94 3 populations (1784 neurons), 1 astrocyte,\n"
    "  6 projections, 1 input, 3 probes\n",
    cmd_check,
};
