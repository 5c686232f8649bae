/* cmd_plot.c — `astroc plot` (placeholder: replaced by the issue that delivers it). */
#include <stdio.h>

#include "commands.h"

int cmd_plot(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fputs("astroc: 'plot' is not implemented yet\n", stderr);
  return EXIT_INTERNAL;
}

const command cmd_plot_desc = {"plot", "astroc plot ...", "(not implemented yet)", "", cmd_plot};
