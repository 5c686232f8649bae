/* cmd_synth.c — `astroc synth` (placeholder: replaced by the issue that delivers it). */
#include <stdio.h>

#include "commands.h"

int cmd_synth(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fputs("astroc: 'synth' is not available yet\n", stderr);
  return EXIT_INTERNAL;
}

const command cmd_synth_desc = {"synth", "astroc synth ...", "(not available yet)", "", cmd_synth};
