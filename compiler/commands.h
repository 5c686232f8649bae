/* commands.h — the astroc subcommands. Each lives in its own cmd_<name>.c and returns an exit
 * status: 0 success, 1 error in the user's input (diagnostics printed), 2 usage error,
 * 3 internal error. argv[0] is the subcommand's name. */
#ifndef ASTROC_COMMANDS_H
#define ASTROC_COMMANDS_H

enum { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

typedef struct command {
  const char *name;
  const char *synopsis; /* one line: "astroc check MODEL.yaml" */
  const char *summary;  /* one sentence */
  const char *help;     /* full help: options and examples */
  int (*run)(int argc, char **argv);
} command;

int cmd_check(int argc, char **argv);
int cmd_ir(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_experiment(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_deploy(int argc, char **argv);

extern const command cmd_check_desc, cmd_ir_desc, cmd_compile_desc, cmd_run_desc, cmd_plot_desc, cmd_map_desc,
    cmd_experiment_desc, cmd_synth_desc, cmd_deploy_desc;

/* Prints "usage: <synopsis>" and a pointer to `astroc help NAME` on stderr; returns EXIT_USAGE. */
int cmd_usage(const command *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
