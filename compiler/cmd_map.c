/* cmd_map.c — `astroc map` (placeholder: replaced by the issue that delivers it). */
#include <stdio.h>

#include "commands.h"

int cmd_map(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fputs("astroc: 'map' is not available yet\n", stderr);
  return EXIT_INTERNAL;
}

const command cmd_map_desc = {"map", "astroc map ...", "(not available yet)", "", cmd_map};
