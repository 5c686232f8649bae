/* cmd_compile.c — `astroc compile` (placeholder: replaced by the issue that delivers it). */
#include <stdio.h>

#include "commands.h"

int cmd_compile(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fputs("astroc: 'compile' is not implemented yet\n", stderr);
  return EXIT_INTERNAL;
}

const command cmd_compile_desc = {"compile", "astroc compile ...", "(not implemented yet)", "", cmd_compile};
