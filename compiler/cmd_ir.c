/* cmd_ir.c — `astroc ir`: print a model's IR as text, straight from the frontend or after passes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "lh.h"
#include "fe.h"
#include "ir.h"
#include "mapping.h"
#include "passes.h"

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* A .ir file goes through ir_parse, anything else through the YAML frontend. */
static ir_module *load(const char *path, ir_diag *d) {
  if (ends_with(path, ".net")) return lh_netx_read(path, d); /* lava-dl netx (HDF5), docs/loihi-format.md */
  if (!ends_with(path, ".ir")) return fe_yaml_load(path, d);
  size_t len;
  char *text = ir_read_file(path, &len);
  if (!text) {
    ir_loc loc = {path, 0, 0};
    ir_error(d, loc, "cannot read: %s", strerror(errno));
    return NULL;
  }
  ir_diag_add_source(d, path, text, len);
  ir_module *m = ir_parse(text, len, path, d);
  free(text);
  return m;
}

int cmd_ir(int argc, char **argv) {
  const char *file = NULL, *out_path = NULL, *print_after = NULL, *target_name = NULL;
  ir_print_options popt = {.synapses = false};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--print-after") == 0 || strcmp(a, "-o") == 0 || strcmp(a, "--target") == 0) {
      if (i + 1 >= argc) return cmd_usage(&cmd_ir_desc, "%s needs an argument", a);
      const char **slot = a[1] == 'o' ? &out_path : a[2] == 't' ? &target_name : &print_after;
      *slot = argv[++i];
    } else if (strncmp(a, "--print-after=", 14) == 0) print_after = a + 14;
    else if (strncmp(a, "--target=", 9) == 0) target_name = a + 9;
    else if (strcmp(a, "--synapses") == 0) popt.synapses = true;
    else if (a[0] == '-' && a[1] != '\0') return cmd_usage(&cmd_ir_desc, "unknown option '%s'", a);
    else if (file) return cmd_usage(&cmd_ir_desc, "one model file at a time (got '%s' and '%s')", file, a);
    else file = a;
  }
  if (!file) return cmd_usage(&cmd_ir_desc, "no model file given");
  if (target_name && !print_after) return cmd_usage(&cmd_ir_desc, "--target needs --print-after");

  ir_diag *d = ir_diag_create(stderr);
  if (!d) return EXIT_INTERNAL;
  int status = EXIT_OK;
  ir_module *m = load(file, d);
  FILE *out = NULL;
  map_target target;
  if (!m) status = EXIT_INPUT;
  else if (target_name && !map_target_load(target_name, &target, d)) status = EXIT_INPUT;
  else if (!ir_verify(m, d)) status = EXIT_INPUT;
  else if (!(out = out_path ? fopen(out_path, "w") : stdout)) {
    fprintf(stderr, "astroc: cannot write %s: %s\n", out_path, strerror(errno));
    status = EXIT_INPUT;
  } else if (!print_after) {
    ir_print(m, out, &popt);
  } else {
    size_t n;
    /* With a target, the mapping pipeline (layout ... route); else the target-independent one. */
    const ir_pass *passes = target_name ? map_pipeline(&target, &n) : pass_pipeline(&n);
    ir_pipeline_options opt = {.print_after = print_after, .print_out = out, .verify_each = true, .print = &popt};
    if (!ir_run_pipeline(m, passes, n, &opt, d))
      status = strncmp(ir_diag_last(d), "internal error", 14) == 0 ? EXIT_INTERNAL : EXIT_INPUT;
  }
  if (out && out != stdout && fclose(out) != 0) {
    fprintf(stderr, "astroc: cannot write %s: %s\n", out_path, strerror(errno));
    status = EXIT_INPUT;
  } else if (out == stdout && fflush(stdout) != 0) {
    fprintf(stderr, "astroc: cannot write the output: %s\n", strerror(errno));
    status = EXIT_INPUT;
  }
  ir_module_destroy(m);
  ir_diag_destroy(d);
  return status;
}

const command cmd_ir_desc = {
    "ir",
    "astroc ir MODEL.yaml|FILE.ir [--print-after PASS|all [--target T]] [--synapses] [-o OUT]",
    "print a model's IR as text, before or after any compiler pass",
    "MODEL.yaml is read with the YAML frontend; a file ending in .ir is read as IR text (the\n"
    "output of this command). The module is verified, then printed (docs/ir.md describes the\n"
    "format). Printing a .ir file gives back the same text byte for byte.\n"
    "\n"
    "options:\n"
    "  --print-after PASS  run the default pass pipeline (layout, expand), verifying the IR after\n"
    "                      every pass, and print it after PASS; 'all' prints it after every pass,\n"
    "                      each copy preceded by a line '; --- after pass NAME ---'\n"
    "  --target T          with --print-after: run the mapping pipeline for target T (layout,\n"
    "                      expand, quantise, partition, place, route; docs/mapping.md) instead\n"
    "  --synapses          list every synapse of an expanded projection (row by row) instead of a\n"
    "                      count and checksum; only such output can be read back\n"
    "  -o OUT              write to OUT instead of standard output\n"
    "\n"
    "Set ASTROC_TIME_PASSES=1 to print the wall time of every pass on standard error.\n"
    "Exit status: 0 ok, 1 error in the model, 2 usage error, 3 internal error (the IR was\n"
    "invalid after a pass: a bug in astroc).\n"
    "\n"
    "examples:\n"
    "  astroc ir examples/nalsm/nalsm1000.yaml\n"
    "  astroc ir examples/nalsm/nalsm1000.yaml --print-after layout -o nalsm.ir\n"
    "  astroc ir examples/nalsm/nalsm1000.yaml --target loihi1 --print-after partition\n"
    "  astroc ir small.yaml --print-after expand --synapses -o small.ir && astroc ir small.ir\n",
    cmd_ir,
};
