/* cmd_check.c — `astroc check` (placeholder: replaced by the issue that delivers it). */
#include <stdio.h>

#include "commands.h"

int cmd_check(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fputs("astroc: 'check' is not implemented yet\n", stderr);
  return EXIT_INTERNAL;
}

const command cmd_check_desc = {"check", "astroc check ...", "(not implemented yet)", "", cmd_check};
