/* test_fpga.c — the 'fpga' suite: the Verilated FPGA top behind a pseudo-terminal (astro_board_sim),
 * driven through the real UART frames by the serial engine and the astroc commands, must give the
 * interp engine's raster and final state; flipped and dropped bytes in both directions must be
 * detected and recovered from; CRC and varint coding against hand values; synth's error messages. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "astroc_rt.h"
#include "engine_serial.h"
#include "serial_link.h"
#include "t_compare.h"
#include "t_example.h"
#include "t_network.h"

#define LOC ((ir_loc){"test_fpga.c", 1, 1})

/* ---------------------------------------------------------------- the simulated board */

typedef struct board {
  pid_t pid;
  char pts[128];
} board;

/* The board a test has started and not yet stopped (0: none): a failing check leaves the test early,
 * past its board_stop, and the teardown (stop_live_board) stops it then — else the board would run on
 * to its --max-seconds, and `meson test` wait for it. */
static pid_t live_board;

/* Starts astro_board_sim with extra arguments (noise), reads its PTY name, points the serial engine
 * at it. */
static void board_start(board *b, const char *const *args) {
  const char *exe = getenv("ASTRO_BOARD_SIM");
  if (!exe)
    fail_msg("ASTRO_BOARD_SIM is not set (run through meson test)");
  int fd[2];
  assert_int_equal(pipe(fd), 0);
  b->pid = fork();
  assert_true(b->pid >= 0);
  if (b->pid == 0) {
    char *argv[16] = {(char *)exe, "--max-seconds", "300"};
    int n = 3;
    const char *rr = getenv("ASTRO_BOARD_SIM_RAND_RESET"); /* random initial state of every bit */
    if (rr) {
      argv[n++] = "--rand-reset";
      argv[n++] = (char *)rr;
    }
    for (int k = 0; args && args[k] && n < 15; k++)
      argv[n++] = (char *)args[k];
    argv[n] = NULL;
    dup2(fd[1], 1);
    close(fd[0]);
    execv(exe, argv);
    _exit(127);
  }
  live_board = b->pid;
  close(fd[1]);
  FILE *f = fdopen(fd[0], "r");
  assert_non_null(f);
  assert_non_null(fgets(b->pts, sizeof b->pts, f));
  fclose(f);
  b->pts[strcspn(b->pts, "\n")] = 0;
  assert_true(strncmp(b->pts, "/dev/", 5) == 0);
  assert_true(rt_serial_set_options(b->pts, 115200));
}

static void board_stop(board *b) {
  kill(b->pid, SIGTERM);
  int st;
  waitpid(b->pid, &st, 0);
  live_board = 0;
}

/* Every test's teardown (see live_board). */
static int stop_live_board(void **state) {
  (void)state;
  if (live_board)
    board_stop(&(board){.pid = live_board});
  return 0;
}

/* ---------------------------------------------------------------- recording and comparing */

static void link_info(rt_sim *board_sim, void *info) { assert_true(rt_serial_info_get(board_sim, info)); }

/* Runs m on interp and on the board (the serial engine; forced spikes of every population and input half
 * way), requires identical rasters and final v, u, ref (tests/support/t_compare.h); returns the spike
 * count and, when info is not NULL, the link statistics. */
static size_t compare(const ir_module *m, uint64_t steps, uint64_t seed, rt_serial_info *info) {
  t_compare_opts o = {.engine = "serial", .inject_inputs = true, .inspect = info ? link_info : NULL, .ctx = info};
  return t_compare(m, steps, seed, &o).spikes;
}

/* ---------------------------------------------------------------- coding, by hand */

static void test_crc_varint(void **state) {
  (void)state;
  /* CRC-16/CCITT-FALSE check value of "123456789" (the catalogue's 0x29B1) */
  assert_int_equal(rt_link_crc16(0xffff, (const uint8_t *)"123456789", 9), 0x29b1);
  assert_int_equal(rt_link_crc16(0xffff, NULL, 0), 0xffff);
  uint8_t b[10];
  /* 300 = 0b10_0101100: low group 0x2c with the continuation bit, then 0x02 */
  assert_int_equal(rt_link_put_varint(b, 300), 2);
  assert_int_equal(b[0], 0xac);
  assert_int_equal(b[1], 0x02);
  assert_int_equal(rt_link_put_varint(b, 0), 1);
  assert_int_equal(b[0], 0);
  assert_int_equal(rt_link_put_varint(b, UINT64_MAX), 10);
  assert_int_equal(b[9], 0x01);
  size_t pos = 0;
  uint64_t v = 0;
  assert_true(rt_link_get_varint(b, 10, &pos, &v));
  assert_true(v == UINT64_MAX && pos == 10);
  pos = 0;
  assert_false(rt_link_get_varint(b, 9, &pos, &v)); /* truncated */
}

/* ---------------------------------------------------------------- end to end */

static void test_lif_small(void **state) {
  (void)state;
  board b;
  board_start(&b, NULL);
  ir_module *m = t_load_example("examples/lif_small.yaml");
  rt_serial_info info;
  /* 12 + 11 spikes and 12 replay events by hand (tests/runtime), plus 2 x 2 forced */
  assert_true(compare(m, 50, 1, &info) >= 35);
  assert_int_equal(info.caps_nw, 7);
  assert_int_equal(info.retransmits, 0);
  ir_module_destroy(m);
  board_stop(&b);
}

/* A random lif network within the board's core: at most 120 compartments, delays up to 15, input
 * events well below 256 per step, weights small enough for the 24-bit accumulators. `dense` makes
 * every neuron fire about every other step, so that one frame's records overflow the answer buffer. */
static ir_module *random_network(uint64_t seed, bool dense) {
  const t_lif_opts o = {.name = "random", .mul = 104729, .add = 3, .inputs_last = true, .pops = 3, .pop_size = 40,
      .fixed_size = dense ? 40 : 0, .du = T_DECAY_TAU, .dv = T_DECAY_TAU, .v_th = 20, .strong_bias = dense,
      .refractory = 3, .poisson = true, .input_size = 30, .inject = 3, .projs = 4, .delays = 16, .p_max = 0.5,
      .expand = true};
  return t_random_lif_network(seed, &o);
}

static void test_random_networks(void **state) {
  (void)state;
  board b;
  board_start(&b, NULL); /* one board, reloaded for every network */
  size_t spikes = 0;
  for (uint64_t seed = 1; seed <= 30; seed++) {
    ir_module *m = random_network(seed, false);
    spikes += compare(m, 80 + seed % 40, seed, NULL);
    ir_module_destroy(m);
  }
  assert_true(spikes > 1000);
  print_message("30 random networks: %zu spikes, identical on interp and the simulated board\n", spikes);
  board_stop(&b);
}

/* Dense activity: a step's record takes up to 2^NW + 10 bytes, the answer buffer 512, so the board stops
 * frames early (status 1) and the host sends the remaining steps again. */
static void test_dense_truncation(void **state) {
  (void)state;
  board b;
  board_start(&b, NULL);
  ir_module *m = random_network(7, true);
  rt_serial_info info;
  size_t n = compare(m, 200, 7, &info);
  /* about half of 40..120 neurons fire each step: far more than one 512-byte answer holds */
  assert_true(n > 200 * 15);
  assert_true(info.truncated >= 1);
  assert_true(info.frames > 200 / 8);
  assert_int_equal(info.retransmits, 0);
  print_message("dense: %zu spikes in %llu frames, %llu stopped early\n", n, (unsigned long long)info.frames,
                (unsigned long long)info.truncated);
  ir_module_destroy(m);
  board_stop(&b);
}

/* ---------------------------------------------------------------- noise on the line */

static void noisy(const char *const *args, bool to_board) {
  board b;
  board_start(&b, args);
  ir_module *m = random_network(3, false);
  rt_serial_info info;
  compare(m, 300, 3, &info);
  /* the corruption was noticed and the frame sent again; the raster is still exact */
  assert_true(info.retransmits >= 1);
  if (to_board)
    assert_true(info.naks + info.timeouts >= 1);
  else
    assert_true(info.bad_frames + info.timeouts >= 1);
  ir_module_destroy(m);
  board_stop(&b);
}

static void test_flip_to_board(void **state) {
  (void)state;
  const char *const a[] = {"--flip-in", "40,400,1500", NULL};
  noisy(a, true);
}

static void test_drop_to_board(void **state) {
  (void)state;
  const char *const a[] = {"--drop-in", "30,700", NULL};
  noisy(a, true);
}

static void test_flip_from_board(void **state) {
  (void)state;
  const char *const a[] = {"--flip-out", "5,60,200", NULL};
  noisy(a, false);
}

static void test_drop_from_board(void **state) {
  (void)state;
  const char *const a[] = {"--drop-out", "3,90", NULL};
  noisy(a, false);
}

/* Every byte to the board corrupted from some point on: the host gives up with a message instead of
 * accepting anything. */
static void test_dead_line(void **state) {
  (void)state;
  char list[4096] = "0";
  for (int k = 1; k < 600; k++)
    snprintf(list + strlen(list), sizeof list - strlen(list), ",%d", k);
  const char *const a[] = {"--flip-in", list, NULL};
  board b;
  board_start(&b, a);
  ir_module *m = t_load_example("examples/lif_small.yaml");
  ir_diag *d = ir_diag_create(NULL);
  rt_options o = {.engine = "serial", .numerics = IR_NUMERICS_FIXED};
  assert_null(rt_sim_create(m, &o, d));
  assert_true(ir_diag_error_count(d) >= 1);
  ir_diag_destroy(d);
  ir_module_destroy(m);
  board_stop(&b);
}

/* ---------------------------------------------------------------- the commands */

static int sh(const char *fmt, ...) {
  char cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool file_has(const char *path, const char *needle) {
  FILE *f = fopen(path, "r");
  char line[1024];
  bool found = false;
  while (f && !found && fgets(line, sizeof line, f))
    found = strstr(line, needle) != NULL;
  if (f)
    fclose(f);
  return found;
}

static void test_cli(void **state) {
  (void)state;
  const char *astroc = getenv("ASTROC");
  assert_non_null(astroc);
  char dir[] = "/tmp/astroc_fpga_XXXXXX";
  assert_non_null(mkdtemp(dir));
  board b;
  board_start(&b, NULL);
  const char *ex = RT_TEST_SRCDIR "/examples/lif_small.yaml";
  assert_int_equal(sh("%s run %s --numerics fixed --steps 300 -q --spikes %s/i.csv", astroc, ex, dir), 0);
  assert_int_equal(sh("%s run %s --backend serial:%s --steps 300 -q --spikes %s/s.csv", astroc, ex, b.pts, dir), 0);
  assert_int_equal(sh("cmp -s %s/i.csv %s/s.csv", dir, dir), 0);
  assert_int_equal(sh("%s deploy %s --port %s --steps 300 --spikes %s/d.csv > %s/d.txt", astroc, ex, b.pts, dir, dir), 0);
  assert_int_equal(sh("cmp -s %s/i.csv %s/d.csv", dir, dir), 0);
  char path[4200];
  snprintf(path, sizeof path, "%s/d.txt", dir);
  assert_true(file_has(path, "events/s"));
  board_stop(&b);
  /* usage errors */
  assert_int_equal(sh("%s run %s --backend serial 2>/dev/null", astroc, ex), 2);
  assert_int_equal(sh("%s run %s --baud 9600 2>/dev/null", astroc, ex), 2);
  assert_int_equal(sh("%s deploy %s 2>/dev/null", astroc, ex), 2);
  /* no board on the device: an error, not a hang */
  assert_int_equal(sh("%s deploy %s --port /dev/null --steps 5 2>%s/e.txt", astroc, ex, dir), 1);
  snprintf(path, sizeof path, "%s/e.txt", dir);
  assert_true(file_has(path, "/dev/null"));
  /* synth: a missing tool names its Debian package; an unknown board is an input error */
  assert_int_equal(sh("mkdir -p %s/bin && ln -sf \"$(command -v yosys)\" %s/bin/yosys", dir, dir), 0);
  assert_int_equal(sh("PATH=%s/bin %s synth --board icebreaker -o %s/o 2>%s/e2.txt", dir, astroc, dir, dir), 1);
  snprintf(path, sizeof path, "%s/e2.txt", dir);
  assert_true(file_has(path, "Debian package nextpnr-ice40"));
  if (sh("command -v nextpnr-ice40 >/dev/null && command -v icepack >/dev/null") == 0) {
    assert_int_equal(sh("%s synth --board nosuch -o %s/o 2>/dev/null", astroc, dir), 1);
    assert_int_equal(sh("%s synth --board icebreaker --freq 5 -o %s/o 2>/dev/null", astroc, dir), 1);
    assert_int_equal(sh("%s synth --board icebreaker --baud 3000000 -o %s/o 2>/dev/null", astroc, dir), 1);
  }
  sh("rm -rf %s", dir);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_crc_varint, stop_live_board),
      cmocka_unit_test_teardown(test_lif_small, stop_live_board),
      cmocka_unit_test_teardown(test_random_networks, stop_live_board),
      cmocka_unit_test_teardown(test_dense_truncation, stop_live_board),
      cmocka_unit_test_teardown(test_flip_to_board, stop_live_board),
      cmocka_unit_test_teardown(test_drop_to_board, stop_live_board),
      cmocka_unit_test_teardown(test_flip_from_board, stop_live_board),
      cmocka_unit_test_teardown(test_drop_from_board, stop_live_board),
      cmocka_unit_test_teardown(test_dead_line, stop_live_board),
      cmocka_unit_test_teardown(test_cli, stop_live_board),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
