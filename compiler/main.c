/* main.c — the astroc command: dispatches to subcommands, prints help and version. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "ir.h"

/* One entry per subcommand, in the order `astroc help` lists them. */
static const command *const commands[] = {
    &cmd_check_desc, &cmd_ir_desc, &cmd_compile_desc, &cmd_run_desc, &cmd_plot_desc, &cmd_map_desc,
    &cmd_experiment_desc, &cmd_synth_desc, &cmd_deploy_desc,
};
enum { NCOMMANDS = sizeof commands / sizeof commands[0] };

static const command *find_command(const char *name) {
  for (int i = 0; i < NCOMMANDS; i++)
    if (strcmp(commands[i]->name, name) == 0) return commands[i];
  return NULL;
}

static void print_overview(FILE *out) {
  fprintf(out, "astroc %s — compiler and runtime for spiking networks with astrocytes\n\n", ASTROC_VERSION);
  fputs("usage: astroc COMMAND [ARGS...]\n\ncommands:\n", out);
  for (int i = 0; i < NCOMMANDS; i++) fprintf(out, "  %-11s %s\n", commands[i]->name, commands[i]->summary);
  fputs("  help        show help for a command\n\n"
        "Run 'astroc help COMMAND' for a command's options. Exit status: 0 success, 1 error in\n"
        "the input, 2 usage error, 3 internal error. Docs: docs/language.md, docs/tutorial.md.\n",
        out);
}

int cmd_usage(const command *c, const char *fmt, ...) {
  fputs("astroc: ", stderr);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nusage: %s\nrun 'astroc help %s' for details\n", c->synopsis, c->name);
  return EXIT_USAGE;
}

static int cmd_help(int argc, char **argv) {
  if (argc < 2) {
    print_overview(stdout);
    return EXIT_OK;
  }
  const command *c = find_command(argv[1]);
  if (!c) {
    fprintf(stderr, "astroc: no command '%s'; run 'astroc help' for the list\n", argv[1]);
    return EXIT_USAGE;
  }
  printf("usage: %s\n\n%s\n\n%s", c->synopsis, c->summary, c->help);
  return EXIT_OK;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    print_overview(stderr);
    return EXIT_USAGE;
  }
  const char *name = argv[1];
  if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
    printf("astroc %s\n", ASTROC_VERSION);
    return EXIT_OK;
  }
  if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
    return cmd_help(argc - 1, argv + 1);
  const command *c = find_command(name);
  if (!c) {
    const char *names[NCOMMANDS];
    for (int i = 0; i < NCOMMANDS; i++) names[i] = commands[i]->name;
    const char *guess = ir_did_you_mean(name, names, NCOMMANDS);
    fprintf(stderr, "astroc: unknown command '%s'", name);
    if (guess) fprintf(stderr, "; did you mean '%s'?", guess);
    fputs("\nrun 'astroc help' for the list of commands\n", stderr);
    return EXIT_USAGE;
  }
  for (int i = 2; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      char *help_argv[] = {"help", (char *)c->name};
      return cmd_help(2, help_argv);
    }
  return c->run(argc - 1, argv + 1);
}
