/* cmd_synth.c — `astroc synth`: the FPGA bitstream of the accelerator for a board (boards/BOARD.yaml):
 * yosys synth_ice40, nextpnr-ice40 place and route, icepack; a report of resources, timing and the
 * network capacity of the bitstream (docs/fpga.md). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"

extern char **environ;

/* The accelerator's FPGA sources: every .v file of rtl/ but astro_ram.v (rtl/fpga/astro_ram_ice40.v replaces
 * it), every .v file of rtl/fpga/ but the board tops (astro_board_*.v) other than the board's, and the
 * generated DIR/astro_pll.v. Listing the folders keeps new core modules in the build. */
static bool wanted(const char *dir, const char *name, const char *top) {
  size_t n = strlen(name);
  if (n < 3 || strcmp(name + n - 2, ".v") != 0)
    return false;
  if (strcmp(dir, "rtl") == 0)
    return strcmp(name, "astro_ram.v") != 0;
  if (strncmp(name, "astro_board_", 12) == 0)
    return strncmp(name, top, n - 2) == 0 && top[n - 2] == 0;
  return true;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Writes " ROOT/DIR/NAME.v" for every wanted file of DIR, sorted; false when DIR cannot be read. */
static bool list_sources(FILE *f, const char *root, const char *dir, const char *top) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", root, dir);
  DIR *dp = opendir(path);
  if (!dp)
    return false;
  char *names[256];
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(dp)) && n < 256)
    if (wanted(dir, e->d_name, top) && (names[n] = strdup(e->d_name)))
      n++;
  closedir(dp);
  qsort(names, n, sizeof *names, cmp_str);
  for (size_t k = 0; k < n; k++) {
    fprintf(f, " %s/%s/%s", root, dir, names[k]);
    free(names[k]);
  }
  return n > 0;
}

/* A tool and the Debian package that has it. */
typedef struct tool {
  const char *name, *package;
} tool;
static const tool tools[] = {
    {"yosys", "yosys"}, {"nextpnr-ice40", "nextpnr-ice40"}, {"icepack", "fpga-icestorm"}, {"icepll", "fpga-icestorm"}};

typedef struct board {
  char name[64], part[32], package[32], top[64], pcf[PATH_MAX];
  double clock_mhz, run_mhz;
  unsigned baud;
  unsigned lc, bram, spram, dsp; /* the part's totals */
} board;

typedef struct caps { /* astro_fpga.v parameters: the core the bitstream holds */
  int nw, aw, sw, dw, qw, acc_w;
} caps;

typedef struct use { /* from nextpnr's report */
  long lc, lc_av, bram, bram_av, spram, spram_av, dsp, dsp_av;
  double fmax;
} use;

static int fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("astroc: error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return status;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------- finding things */

/* snprintf into a path buffer; false when the path does not fit. */
static bool pathf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool pathf(char *buf, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(buf, n, fmt, ap);
  va_end(ap);
  return k >= 0 && (size_t)k < n;
}

static bool is_file(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool in_path(const char *name) {
  const char *path = getenv("PATH");
  char buf[PATH_MAX];
  while (path && *path) {
    const char *e = strchr(path, ':');
    size_t n = e ? (size_t)(e - path) : strlen(path);
    if (n && n < sizeof buf - strlen(name) - 2) {
      snprintf(buf, sizeof buf, "%.*s/%s", (int)n, path, name);
      if (access(buf, X_OK) == 0)
        return true;
    }
    path = e ? e + 1 : NULL;
  }
  return false;
}

/* The source root holds rtl/fpga/astro_fpga.v: --root, $ASTROC_ROOT, the folders above the astroc
 * executable (a build folder inside the source tree), the current folder. */
static bool find_root(const char *given, char *out, size_t n) {
  const char *cands[2] = {given, getenv("ASTROC_ROOT")};
  char probe[PATH_MAX];
  for (int k = 0; k < 2; k++)
    if (cands[k]) {
      if (pathf(probe, sizeof probe, "%s/rtl/fpga/astro_fpga.v", cands[k]) && is_file(probe)) {
        snprintf(out, n, "%s", cands[k]);
        return true;
      }
      if (k == 0)
        return false;
    }
  char exe[PATH_MAX];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (len > 0) {
    exe[len] = 0;
    for (int up = 0; up < 5; up++) {
      char *slash = strrchr(exe, '/');
      if (!slash || slash == exe)
        break;
      *slash = 0;
      if (pathf(probe, sizeof probe, "%s/rtl/fpga/astro_fpga.v", exe) && is_file(probe)) {
        snprintf(out, n, "%s", exe);
        return true;
      }
    }
  }
  if (is_file("rtl/fpga/astro_fpga.v")) {
    snprintf(out, n, ".");
    return true;
  }
  return false;
}

/* ---------------------------------------------------------------- the board description */

/* "12 MHz" or "12" (MHz); false otherwise. */
static bool parse_mhz(const char *s, double *mhz) {
  char *end;
  double v = strtod(s, &end);
  while (*end == ' ')
    end++;
  if (end == s || !(v > 0))
    return false;
  if (*end == 0 || strcmp(end, "MHz") == 0)
    *mhz = v;
  else if (strcmp(end, "kHz") == 0)
    *mhz = v / 1e3;
  else if (strcmp(end, "Hz") == 0)
    *mhz = v / 1e6;
  else
    return false;
  return true;
}

/* Board files are YAML mappings two levels deep of scalars ("key: value  # comment"); this reads that
 * subset and reports anything else with file:line. */
static int read_board(const char *path, board *b) {
  FILE *f = fopen(path, "r");
  if (!f)
    return fail(EXIT_INPUT, "cannot read board file %s: %s", path, strerror(errno));
  char line[512], section[64] = "";
  int lineno = 0, st = EXIT_OK;
  memset(b, 0, sizeof *b);
  while (st == EXIT_OK && fgets(line, sizeof line, f)) {
    lineno++;
    char *hash = NULL;
    bool quoted = false;
    for (char *p = line; *p; p++) {
      if (*p == '"')
        quoted = !quoted;
      if (*p == '#' && !quoted && (p == line || p[-1] == ' ')) {
        hash = p;
        break;
      }
    }
    if (hash)
      *hash = 0;
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == ' ' || line[n - 1] == '\r'))
      line[--n] = 0;
    if (n == 0)
      continue;
    int indent = (int)strspn(line, " ");
    char *key = line + indent, *colon = strchr(key, ':');
    if (!colon || (indent != 0 && !section[0]))
      st = fail(EXIT_INPUT, "%s:%d:%d: expected 'key: value'", path, lineno, indent + 1);
    if (st != EXIT_OK)
      break;
    *colon = 0;
    char *val = colon + 1;
    val += strspn(val, " ");
    size_t vl = strlen(val);
    if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
      val[vl - 1] = 0;
      val++;
    }
    if (indent == 0) {
      snprintf(section, sizeof section, "%s", *val ? "" : key);
      if (!*val)
        continue;
    }
    char full[160];
    snprintf(full, sizeof full, "%s%s%s", indent ? section : "", indent ? "." : "", key);
    bool ok = true;
    if (strcmp(full, "name") == 0) snprintf(b->name, sizeof b->name, "%s", val);
    else if (strcmp(full, "part") == 0) snprintf(b->part, sizeof b->part, "%s", val);
    else if (strcmp(full, "package") == 0) snprintf(b->package, sizeof b->package, "%s", val);
    else if (strcmp(full, "top") == 0) snprintf(b->top, sizeof b->top, "%s", val);
    else if (strcmp(full, "pcf") == 0) snprintf(b->pcf, sizeof b->pcf, "%s", val);
    else if (strcmp(full, "clock.frequency") == 0) ok = parse_mhz(val, &b->clock_mhz);
    else if (strcmp(full, "run_clock") == 0) ok = parse_mhz(val, &b->run_mhz);
    else if (strcmp(full, "uart.baud") == 0) ok = (b->baud = (unsigned)strtoul(val, NULL, 10)) > 0;
    else if (strcmp(full, "resources.logic_cells") == 0) b->lc = (unsigned)strtoul(val, NULL, 10);
    else if (strcmp(full, "resources.bram") == 0) b->bram = (unsigned)strtoul(val, NULL, 10);
    else if (strcmp(full, "resources.spram") == 0) b->spram = (unsigned)strtoul(val, NULL, 10);
    else if (strcmp(full, "resources.dsp") == 0) b->dsp = (unsigned)strtoul(val, NULL, 10);
    if (!ok)
      st = fail(EXIT_INPUT, "%s:%d:%d: '%s' needs a frequency such as '12 MHz', got '%s'", path, lineno,
                (int)(val - line) + 1, key, val);
  }
  fclose(f);
  if (st != EXIT_OK)
    return st;
  const char *missing = !b->part[0] ? "part" : !b->package[0] ? "package" : !b->top[0] ? "top"
                      : !b->pcf[0] ? "pcf" : !(b->clock_mhz > 0) ? "clock.frequency" : NULL;
  if (missing)
    return fail(EXIT_INPUT, "%s: the board description lacks '%s'", path, missing);
  if (!(b->run_mhz > 0))
    b->run_mhz = b->clock_mhz;
  if (!b->baud)
    b->baud = 115200;
  return EXIT_OK;
}

/* astro_fpga.v's "parameter NAME = VALUE," lines: the capacity of the bitstream's core. */
static bool read_caps(const char *root, caps *c) {
  char path[PATH_MAX], line[256];
  FILE *f = pathf(path, sizeof path, "%s/rtl/fpga/astro_fpga.v", root) ? fopen(path, "r") : NULL;
  if (!f)
    return false;
  *c = (caps){-1, -1, -1, -1, -1, -1};
  struct { const char *name; int *v; } t[] = {{"NW", &c->nw}, {"AW", &c->aw}, {"SW", &c->sw}, {"DW", &c->dw},
                                             {"QW", &c->qw}, {"ACC_W", &c->acc_w}};
  while (fgets(line, sizeof line, f)) {
    char name[32];
    int v;
    if (sscanf(line, " parameter %31[A-Z_] = %d", name, &v) == 2)
      for (size_t k = 0; k < sizeof t / sizeof t[0]; k++)
        if (strcmp(name, t[k].name) == 0)
          *t[k].v = v;
  }
  fclose(f);
  return c->nw > 0 && c->aw > 0 && c->sw > 0 && c->dw > 0 && c->qw > 0 && c->acc_w > 0;
}

/* ---------------------------------------------------------------- running the tools */

/* Runs argv with stdout and stderr appended to `log`; returns the exit status (-1: could not run). */
static int run_tool(char *const argv[], const char *log) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0)
    return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Prints the lines of `log` that contain "ERROR" (at most 5), so a failure explains itself. */
static void show_errors(const char *log) {
  FILE *f = fopen(log, "r");
  char line[512];
  int shown = 0;
  while (f && shown < 5 && fgets(line, sizeof line, f))
    if (strstr(line, "ERROR")) {
      fprintf(stderr, "  %s", line);
      shown++;
    }
  if (f)
    fclose(f);
}

/* The run clock from the board oscillator: itself, an even divider (fabric counter on a global
 * buffer), or the PLL (16..275 MHz, icepll). Writes DIR/astro_pll.v; *got is the achieved MHz. */
static int make_clock(const board *b, double want, const char *dir, double *got, char *how, size_t hn) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/astro_pll.v", dir);
  double ratio = b->clock_mhz / want;
  long div = lround(ratio);
  if (want >= 16) {
    char in[32], outf[32];
    snprintf(in, sizeof in, "%g", b->clock_mhz);
    snprintf(outf, sizeof outf, "%g", want);
    char log[PATH_MAX];
    snprintf(log, sizeof log, "%s/icepll.log", dir);
    char *argv[] = {"icepll", "-q", "-p", "-m", "-n", "astro_pll", "-i", in, "-o", outf, "-f", path, NULL};
    if (run_tool(argv, log) != 0)
      return fail(EXIT_INPUT, "icepll cannot make %g MHz from %g MHz (see %s)", want, b->clock_mhz, log);
    FILE *f = fopen(path, "r");
    char line[256];
    *got = 0;
    while (f && fgets(line, sizeof line, f))
      if (sscanf(line, " * Achieved output frequency: %lf", got) == 1)
        break;
    if (f)
      fclose(f);
    if (!(*got > 0))
      return fail(EXIT_INTERNAL, "cannot read the achieved frequency from %s", path);
    snprintf(how, hn, "PLL from %g MHz", b->clock_mhz);
    return EXIT_OK;
  }
  if (fabs(ratio - (double)div) > 1e-9 || (div != 1 && div % 2 != 0))
    return fail(EXIT_INPUT, "run clock %g MHz: below 16 MHz (the PLL's lowest output) the clock must be the %g MHz "
                "oscillator divided by 1 or an even number (e.g. %g, %g MHz)", want, b->clock_mhz, b->clock_mhz,
                b->clock_mhz / 2);
  FILE *f = fopen(path, "w");
  if (!f)
    return fail(EXIT_INPUT, "cannot write %s: %s", path, strerror(errno));
  fprintf(f, "// astro_pll.v — generated by astroc synth: %g MHz = %g MHz / %ld (no PLL below 16 MHz).\n"
             "module astro_pll (input wire clock_in, output wire clock_out, output wire locked);\n",
          want, b->clock_mhz, div);
  if (div == 1)
    fputs("  assign clock_out = clock_in;\n", f);
  else
    fprintf(f, "  reg [15:0] cnt_r = 16'd0;\n  reg q_r = 1'b0;\n"
               "  always @(posedge clock_in)\n"
               "    if (cnt_r == 16'd%ld) begin cnt_r <= 16'd0; q_r <= ~q_r; end else cnt_r <= cnt_r + 16'd1;\n"
               "  SB_GB u_gb (.USER_SIGNAL_TO_GLOBAL_BUFFER(q_r), .GLOBAL_BUFFER_OUTPUT(clock_out));\n",
            div / 2 - 1);
  fputs("  assign locked = 1'b1;\nendmodule\n", f);
  bool ok = fclose(f) == 0;
  *got = want;
  snprintf(how, hn, "%g MHz oscillator / %ld", b->clock_mhz, div);
  return ok ? EXIT_OK : fail(EXIT_INPUT, "cannot write %s", path);
}

/* ---------------------------------------------------------------- nextpnr's report */

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
    free(s);
    s = NULL;
  }
  if (s)
    s[n] = 0;
  fclose(f);
  return s;
}

/* The number after "key": within the object that starts after `from`; -1 when absent. */
static double json_num(const char *from, const char *key) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\"", key);
  const char *end = strchr(from, '}'), *p = strstr(from, pat);
  if (!p || (end && p > end))
    return -1;
  p = strchr(p + strlen(pat), ':');
  return p ? strtod(p + 1, NULL) : -1;
}

static bool read_report(const char *path, use *u) {
  char *s = slurp(path);
  if (!s)
    return false;
  struct { const char *cell; long *used, *av; } t[] = {{"ICESTORM_LC", &u->lc, &u->lc_av},
      {"ICESTORM_RAM", &u->bram, &u->bram_av}, {"ICESTORM_SPRAM", &u->spram, &u->spram_av},
      {"ICESTORM_DSP", &u->dsp, &u->dsp_av}};
  for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", t[k].cell);
    const char *p = strstr(s, pat);
    *t[k].used = p ? (long)json_num(p, "used") : 0;
    *t[k].av = p ? (long)json_num(p, "available") : 0;
  }
  u->fmax = -1; /* the slowest clock */
  const char *p = strstr(s, "\"fmax\"");
  while (p && (p = strstr(p, "\"achieved\""))) {
    double v = strtod(strchr(p, ':') + 1, NULL);
    if (u->fmax < 0 || v < u->fmax)
      u->fmax = v;
    p += 10;
  }
  free(s);
  return u->lc > 0 && u->fmax > 0;
}

/* ---------------------------------------------------------------- the command */

typedef struct synth_opts {
  const char *target, *board, *out, *root;
  double freq;
  unsigned baud;
} synth_opts;

static int parse_args(int argc, char **argv, synth_opts *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool v = i + 1 < argc;
    if (strcmp(a, "--target") == 0 && v) o->target = argv[++i];
    else if (strcmp(a, "--board") == 0 && v) o->board = argv[++i];
    else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && v) o->out = argv[++i];
    else if (strcmp(a, "--root") == 0 && v) o->root = argv[++i];
    else if (strcmp(a, "--freq") == 0 && v) {
      if (!parse_mhz(argv[++i], &o->freq))
        return cmd_usage(&cmd_synth_desc, "--freq needs a frequency in MHz such as 6 or '24 MHz', got '%s'", argv[i]);
    } else if (strcmp(a, "--baud") == 0 && v) {
      char *end;
      unsigned long b = strtoul(argv[++i], &end, 10);
      if (*end || b == 0 || b > 4000000)
        return cmd_usage(&cmd_synth_desc, "--baud needs a baud rate such as 115200, got '%s'", argv[i]);
      o->baud = (unsigned)b;
    } else return cmd_usage(&cmd_synth_desc, "unexpected argument '%s'", a);
  }
  if (!o->target) o->target = "astro-ice40";
  if (!o->board) return cmd_usage(&cmd_synth_desc, "missing --board BOARD (e.g. icebreaker)");
  if (!o->out) return cmd_usage(&cmd_synth_desc, "missing -o DIR");
  return EXIT_OK;
}

static int write_report(const char *dir, const board *b, const caps *c, const use *u, double mhz, const char *how,
                        unsigned div, double baud_err, const synth_opts *o, double t_yosys, double t_pnr) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/report.txt", dir);
  FILE *f = fopen(path, "w");
  FILE *outs[2] = {stdout, f};
  for (int k = 0; k < 2; k++) {
    FILE *w = outs[k];
    if (!w)
      continue;
    fprintf(w, "board       %s (%s %s), top %s\n", b->name[0] ? b->name : o->board, b->part, b->package, b->top);
    fprintf(w, "run clock   %.3f MHz (%s)\n", mhz, how);
    fprintf(w, "uart        %u baud, divider %u (%.2f%% off)\n", o->baud, div, baud_err * 100);
    fprintf(w, "capacity    %d compartments (neurons), %d synapses, %d axons (compartments + input neurons),\n"
               "            delays 0..%d steps, %d input events per step, %d-bit dendritic sums\n",
            1 << c->nw, 1 << c->sw, 1 << c->aw, (1 << c->dw) - 1, 1 << c->qw, c->acc_w);
    fprintf(w, "resource         used  available\n");
    fprintf(w, "logic cells  %8ld  %9ld  (%ld%%)\n", u->lc, u->lc_av, u->lc_av ? 100 * u->lc / u->lc_av : 0);
    fprintf(w, "block RAM    %8ld  %9ld\n", u->bram, u->bram_av);
    fprintf(w, "SPRAM        %8ld  %9ld\n", u->spram, u->spram_av);
    fprintf(w, "DSP          %8ld  %9ld\n", u->dsp, u->dsp_av);
    fprintf(w, "timing      max frequency %.2f MHz (nextpnr), run clock %.3f MHz: %s\n", u->fmax, mhz,
            u->fmax >= mhz ? "met" : "MISSED");
    fprintf(w, "time        yosys %.0f s, nextpnr %.0f s\n", t_yosys, t_pnr);
    fprintf(w, "bitstream   %s/astro.bin   (flash: iceprog %s/astro.bin)\n", dir, dir);
  }
  return f && fclose(f) == 0 ? EXIT_OK : fail(EXIT_INPUT, "cannot write %s", path);
}

int cmd_synth(int argc, char **argv) {
  synth_opts o = {0};
  int st = parse_args(argc, argv, &o);
  if (st != EXIT_OK)
    return st;
  if (strcmp(o.target, "astro-ice40") != 0)
    return fail(EXIT_INPUT, "synth supports --target astro-ice40 only, got '%s'", o.target);
  for (size_t k = 0; k < sizeof tools / sizeof tools[0]; k++)
    if (!in_path(tools[k].name))
      return fail(EXIT_INPUT, "'%s' is not installed; it comes with the Debian package %s (apt-get install %s)",
                  tools[k].name, tools[k].package, tools[k].package);
  char root[PATH_MAX], path[PATH_MAX], pcf[PATH_MAX], log[PATH_MAX];
  if (!find_root(o.root, root, sizeof root))
    return fail(EXIT_INPUT, "cannot find the astroc sources (rtl/fpga/astro_fpga.v); give --root DIR or set ASTROC_ROOT");
  board b;
  if (!pathf(path, sizeof path, "%s/boards/%s.yaml", root, o.board) || strchr(o.board, '/') || !is_file(path))
    return fail(EXIT_INPUT, "unknown board '%s': no %s (boards are described in %s/boards/)", o.board, path, root);
  if ((st = read_board(path, &b)) != EXIT_OK)
    return st;
  if (!pathf(pcf, sizeof pcf, "%s/boards/%s", root, b.pcf) || !is_file(pcf))
    return fail(EXIT_INPUT, "%s: pin file %s not found", path, pcf);
  caps c;
  if (!read_caps(root, &c))
    return fail(EXIT_INTERNAL, "cannot read the core parameters of %s/rtl/fpga/astro_fpga.v", root);
  if (c.nw + c.dw >= 12 || c.qw >= 12 || c.nw >= 12)
    return fail(EXIT_INTERNAL, "astro_fpga.v: NW + DW, NW and QW must stay below 12, or astro_ram_ice40.v would map "
                "a memory the core reads and writes in one cycle to single-port SPRAM");
  if (!o.freq) o.freq = b.run_mhz;
  if (!o.baud) o.baud = b.baud;
  if (mkdir(o.out, 0755) != 0 && errno != EEXIST)
    return fail(EXIT_INPUT, "cannot create %s: %s", o.out, strerror(errno));

  double mhz = 0;
  char how[128];
  if ((st = make_clock(&b, o.freq, o.out, &mhz, how, sizeof how)) != EXIT_OK)
    return st;
  unsigned div = (unsigned)lround(mhz * 1e6 / o.baud);
  double baud_err = div ? fabs(mhz * 1e6 / div - o.baud) / o.baud : 1;
  if (div < 4 || baud_err > 0.02)
    return fail(EXIT_INPUT, "%u baud from a %.3f MHz clock is %.1f%% off (UARTs need < 2%%); pick another --baud or --freq",
                o.baud, mhz, baud_err * 100);

  /* yosys */
  char ys[PATH_MAX];
  snprintf(ys, sizeof ys, "%s/synth.ys", o.out);
  FILE *f = fopen(ys, "w");
  if (!f)
    return fail(EXIT_INPUT, "cannot write %s: %s", ys, strerror(errno));
  fputs("# generated by astroc synth\nread_verilog -sv", f);
  if (!list_sources(f, root, "rtl", b.top) || !list_sources(f, root, "rtl/fpga", b.top)) {
    fclose(f);
    return fail(EXIT_INTERNAL, "cannot list the Verilog sources in %s/rtl", root);
  }
  fprintf(f, " %s/astro_pll.v\n", o.out);
  fprintf(f, "chparam -set DIV %u %s\n", div, b.top);
  fprintf(f, "synth_ice40 -spram -dsp -top %s -json %s/astro.json\n", b.top, o.out);
  if (fclose(f) != 0)
    return fail(EXIT_INPUT, "cannot write %s", ys);
  snprintf(log, sizeof log, "%s/yosys.log", o.out);
  remove(log);
  printf("synth: yosys (log %s)\n", log);
  fflush(stdout);
  double t0 = now_s();
  char *yargv[] = {"yosys", "-q", "-s", ys, NULL};
  if ((st = run_tool(yargv, log)) != 0) {
    show_errors(log);
    return fail(EXIT_INPUT, "yosys failed (status %d); see %s", st, log);
  }
  double t_yosys = now_s() - t0;

  /* nextpnr */
  char json[PATH_MAX], asc[PATH_MAX], rep[PATH_MAX], freq[32], pkg[40], part[40];
  snprintf(json, sizeof json, "%s/astro.json", o.out);
  snprintf(asc, sizeof asc, "%s/astro.asc", o.out);
  snprintf(rep, sizeof rep, "%s/nextpnr-report.json", o.out);
  snprintf(log, sizeof log, "%s/nextpnr.log", o.out);
  snprintf(freq, sizeof freq, "%g", mhz);
  snprintf(pkg, sizeof pkg, "%s", b.package);
  snprintf(part, sizeof part, "--%s", b.part);
  remove(log);
  printf("synth: nextpnr-ice40 (log %s)\n", log);
  fflush(stdout);
  t0 = now_s();
  char *pargv[] = {"nextpnr-ice40", part, "--package", pkg, "--pcf", pcf, "--freq", freq, "--json", json, "--asc",
                   asc, "--report", rep, "--timing-allow-fail", "-q", NULL};
  if ((st = run_tool(pargv, log)) != 0) {
    show_errors(log);
    return fail(EXIT_INPUT, "nextpnr-ice40 failed (status %d): the design does not fit the %s %s or cannot be "
                "routed; see %s", st, b.part, b.package, log);
  }
  double t_pnr = now_s() - t0;
  use u = {0};
  if (!read_report(rep, &u))
    return fail(EXIT_INTERNAL, "cannot read nextpnr's report %s", rep);

  /* icepack */
  snprintf(path, sizeof path, "%s/astro.bin", o.out);
  snprintf(log, sizeof log, "%s/icepack.log", o.out);
  char *iargv[] = {"icepack", asc, path, NULL};
  if ((st = run_tool(iargv, log)) != 0)
    return fail(EXIT_INPUT, "icepack failed (status %d); see %s", st, log);

  if ((st = write_report(o.out, &b, &c, &u, mhz, how, div, baud_err, &o, t_yosys, t_pnr)) != EXIT_OK)
    return st;
  if (u.fmax < mhz) {
    /* the fastest clock make_clock can build that the design meets */
    double ok = u.fmax >= 16 ? floor(u.fmax) : 0;
    for (long k = 1; ok == 0 && k <= 64; k = k == 1 ? 2 : k + 2)
      if (b.clock_mhz / (double)k <= u.fmax)
        ok = b.clock_mhz / (double)k;
    return fail(EXIT_INPUT, "timing: the design reaches %.2f MHz but runs at %.3f MHz, so %s/astro.bin is not reliable; "
                "use --freq %g", u.fmax, mhz, o.out, ok);
  }
  return EXIT_OK;
}

const command cmd_synth_desc = {
    "synth",
    "astroc synth --board BOARD -o DIR [--target astro-ice40] [--freq MHZ] [--baud B]",
    "build the FPGA bitstream of the accelerator for a board (yosys, nextpnr-ice40, icepack)",
    "options:\n"
    "  --board BOARD    a board described in boards/BOARD.yaml (icebreaker)\n"
    "  -o DIR           output folder: astro.bin (the bitstream), report.txt, astro.json, astro.asc,\n"
    "                   astro_pll.v, synth.ys and the tools' logs\n"
    "  --target NAME    astro-ice40 (default; the only FPGA target)\n"
    "  --freq MHZ       run clock (default: the board's run_clock). 16..275 MHz uses the PLL; below\n"
    "                   16 MHz the oscillator divided by 1 or an even number\n"
    "  --baud B         UART baud rate built into the bitstream (default: the board's, 115200);\n"
    "                   give the same --baud to astroc deploy and run --backend serial:DEV\n"
    "  --root DIR       the astroc source tree (default: found from the astroc executable, $ASTROC_ROOT,\n"
    "                   or the current folder)\n"
    "\n"
    "Reports logic cells, block RAM, SPRAM and DSP used against the part's totals, the maximum\n"
    "frequency from nextpnr's timing analysis, and the compartments and synapses the bitstream holds.\n"
    "Needs the Debian packages yosys, nextpnr-ice40 and fpga-icestorm. Takes about 2 minutes.\n"
    "Exit status: 0 ok, 1 the design does not fit or misses timing, a tool is missing or failed, or a\n"
    "board file is wrong; 2 usage error; 3 internal error.\n"
    "\nexamples:\n"
    "  astroc synth --board icebreaker -o ice\n"
    "  iceprog ice/astro.bin\n"
    "  astroc deploy model_dir --port /dev/ttyUSB1\n",
    cmd_synth,
};
