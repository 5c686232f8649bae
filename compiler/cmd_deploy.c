/* cmd_deploy.c — `astroc deploy` (placeholder: replaced by the issue that delivers it). */
#include <stdio.h>

#include "commands.h"

int cmd_deploy(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fputs("astroc: 'deploy' is not available yet\n", stderr);
  return EXIT_INTERNAL;
}

const command cmd_deploy_desc = {"deploy", "astroc deploy ...", "(not available yet)", "", cmd_deploy};
