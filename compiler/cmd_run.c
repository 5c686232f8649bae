/* cmd_run.c — `astroc run` (placeholder: replaced by the issue that delivers it). */
#include <stdio.h>

#include "commands.h"

int cmd_run(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fputs("astroc: 'run' is not implemented yet\n", stderr);
  return EXIT_INTERNAL;
}

const command cmd_run_desc = {"run", "astroc run ...", "(not implemented yet)", "", cmd_run};
