/* cmd_experiment.c — `astroc experiment` (placeholder: replaced by the issue that delivers it). */
#include <stdio.h>

#include "commands.h"

int cmd_experiment(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fputs("astroc: 'experiment' is not available yet\n", stderr);
  return EXIT_INTERNAL;
}

const command cmd_experiment_desc = {"experiment", "astroc experiment ...", "(not available yet)", "", cmd_experiment};
