/* cmd_ir.c — `astroc ir` (placeholder: replaced by the issue that delivers it). */
#include <stdio.h>

#include "commands.h"

int cmd_ir(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fputs("astroc: 'ir' is not implemented yet\n", stderr);
  return EXIT_INTERNAL;
}

const command cmd_ir_desc = {"ir", "astroc ir ...", "(not implemented yet)", "", cmd_ir};
