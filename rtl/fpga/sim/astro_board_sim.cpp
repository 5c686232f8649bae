// astro_board_sim.cpp — the FPGA board without the board: the Verilated astro_fpga top (UART, host
// link, accelerator core) behind a pseudo-terminal. Prints the PTY's slave name on stdout, then
// bit-bangs every byte the host writes onto the board's UART rx pin at DIV cycles per bit, and
// decodes the board's tx pin back into bytes for the host. `astroc run IMAGE --backend serial:/dev/pts/N`
// therefore exercises the real frames, CRC, acknowledgements and the real UART RTL.
//
// Noise (to test the protocol's recovery): --flip-in LIST / --drop-in LIST corrupt (XOR 0x5A) or drop
// the bytes with those 0-based indices on the host -> board direction; --flip-out / --drop-out on
// board -> host. LIST is comma-separated. ASTRO_BOARD_SIM_NOISE="flip-in=3,90 drop-out=40" does the same.
// --rand-reset SEED starts every register and memory bit at a random value (a model built with
// --x-initial unique), so a missing reset in the link shows up as a wrong answer.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <deque>
#include <set>
#include <string>

#include "Vastro_fpga.h"
#include "verilated.h"

#ifndef ASTRO_SIM_DIV
#define ASTRO_SIM_DIV 8
#endif
#ifndef ASTRO_SIM_TIMEOUT
#define ASTRO_SIM_TIMEOUT 5120
#endif

namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct Noise {
  std::set<unsigned long> flip_in, drop_in, flip_out, drop_out;
};

bool parse_list(const char *s, std::set<unsigned long> *out) {
  while (*s) {
    char *end = nullptr;
    unsigned long v = strtoul(s, &end, 10);
    if (end == s) return false;
    out->insert(v);
    s = *end == ',' ? end + 1 : end;
    if (*end && *end != ',') return false;
  }
  return true;
}

bool parse_noise(const std::string &key, const char *val, Noise *n) {
  std::set<unsigned long> *dst = key == "flip-in" ? &n->flip_in : key == "drop-in" ? &n->drop_in
                               : key == "flip-out" ? &n->flip_out : key == "drop-out" ? &n->drop_out : nullptr;
  return dst && parse_list(val, dst);
}

bool parse_env_noise(const char *env, Noise *n) {
  std::string s(env);
  size_t p = 0;
  while (p < s.size()) {
    size_t q = s.find(' ', p);
    std::string tok = s.substr(p, q == std::string::npos ? std::string::npos : q - p);
    p = q == std::string::npos ? s.size() : q + 1;
    if (tok.empty()) continue;
    size_t eq = tok.find('=');
    if (eq == std::string::npos || !parse_noise(tok.substr(0, eq), tok.c_str() + eq + 1, n)) return false;
  }
  return true;
}

// Software UART receiver on the board's tx pin (same sampling as rtl/fpga/astro_uart_rx.v).
struct UartIn {
  int state = 0;  // 0 idle, 1 start, 2 data, 3 stop
  int cnt = 0, bit = 0;
  unsigned byte = 0;
  // Returns true with *out when a byte completes.
  bool clock(int tx, unsigned char *out) {
    switch (state) {
      case 0:
        if (!tx) { state = 1; cnt = ASTRO_SIM_DIV / 2 - 1; }
        return false;
      case 1:
        if (cnt) { cnt--; return false; }
        if (tx) { state = 0; return false; }
        state = 2; cnt = ASTRO_SIM_DIV - 1; bit = 0; byte = 0;
        return false;
      case 2:
        if (cnt) { cnt--; return false; }
        byte |= (unsigned)tx << bit;
        cnt = ASTRO_SIM_DIV - 1;
        if (++bit == 8) state = 3;
        return false;
      default:
        if (cnt) { cnt--; return false; }
        state = 0;
        if (!tx) return false;  // framing error: dropped, as the RTL would
        *out = (unsigned char)byte;
        return true;
    }
  }
  bool idle() const { return state == 0; }
};

// Bit-banger onto the board's rx pin.
struct UartOut {
  std::deque<unsigned char> q;
  int bits_left = 0, cnt = 0;
  unsigned shift = 0x3ff;
  int clock() {  // the pin level for this cycle
    if (bits_left == 0 && !q.empty()) {
      shift = 0x200u | (unsigned)q.front() << 1;
      q.pop_front();
      bits_left = 10;
      cnt = ASTRO_SIM_DIV;
    }
    if (bits_left == 0) return 1;
    int level = shift & 1;
    if (--cnt == 0) {
      shift >>= 1;
      bits_left--;
      cnt = ASTRO_SIM_DIV;
    }
    return level;
  }
  bool idle() const { return bits_left == 0 && q.empty(); }
};

int usage() {
  fputs("usage: astro_board_sim [--flip-in LIST] [--drop-in LIST] [--flip-out LIST] [--drop-out LIST]\n"
        "                       [--max-seconds S] [--rand-reset SEED]\n", stderr);
  return 2;
}

}  // namespace

int main(int argc, char **argv) {
  Noise noise;
  double max_seconds = 600;
  long rand_seed = -1;
  const char *env = getenv("ASTRO_BOARD_SIM_NOISE");
  if (env && !parse_env_noise(env, &noise)) {
    fprintf(stderr, "astro_board_sim: bad ASTRO_BOARD_SIM_NOISE '%s'\n", env);
    return 2;
  }
  for (int i = 1; i < argc; i++) {
    if (i + 1 < argc && strcmp(argv[i], "--max-seconds") == 0) max_seconds = atof(argv[++i]);
    else if (i + 1 < argc && strcmp(argv[i], "--rand-reset") == 0) rand_seed = atol(argv[++i]);
    else if (i + 1 < argc && strncmp(argv[i], "--", 2) == 0 && parse_noise(argv[i] + 2, argv[i + 1], &noise)) i++;
    else return usage();
  }

  int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
    perror("astro_board_sim: posix_openpt");
    return 1;
  }
  const char *slave_name = ptsname(master);
  // Keep a slave descriptor open, in raw mode: the line discipline must not echo or translate bytes
  // before the host opens it, and the master must not see EOF between two host sessions.
  int slave = slave_name ? open(slave_name, O_RDWR | O_NOCTTY) : -1;
  struct termios tio;
  if (slave < 0 || tcgetattr(slave, &tio) != 0) {
    perror("astro_board_sim: slave");
    return 1;
  }
  cfmakeraw(&tio);
  tcsetattr(slave, TCSANOW, &tio);
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGPIPE, SIG_IGN);
  printf("%s\n", slave_name);
  fflush(stdout);

  VerilatedContext ctx;
  if (rand_seed >= 0) {
    ctx.randReset(2);
    ctx.randSeed((int)rand_seed);
  }
  Vastro_fpga top(&ctx);
  top.i_uart_rx = 1;
  top.i_rst = 1;
  for (int k = 0; k < 8; k++) {
    top.i_clk = 0; top.eval();
    top.i_clk = 1; top.eval();
  }
  top.i_rst = 0;

  UartOut to_board;
  UartIn from_board;
  unsigned long n_in = 0, n_out = 0;
  unsigned long quiet = 0;  // cycles since the last line activity
  time_t start = time(nullptr);
  unsigned char buf[4096];
  while (!g_stop && difftime(time(nullptr), start) < max_seconds) {
    // Host bytes, every 64 cycles (a byte takes 10 * DIV).
    ssize_t n = read(master, buf, sizeof buf);
    for (ssize_t k = 0; k < n; k++, n_in++) {
      if (noise.drop_in.count(n_in)) continue;
      to_board.q.push_back(noise.flip_in.count(n_in) ? buf[k] ^ 0x5a : buf[k]);
    }
    bool active = n > 0 || !to_board.idle() || !from_board.idle() || top.o_busy;
    if (!active && quiet > 2u * ASTRO_SIM_TIMEOUT) {
      struct pollfd p = {master, POLLIN, 0};
      poll(&p, 1, 20);
      continue;
    }
    quiet = active ? 0 : quiet + 64;
    for (int c = 0; c < 64; c++) {
      top.i_uart_rx = to_board.clock();
      top.i_clk = 0; top.eval();
      top.i_clk = 1; top.eval();
      unsigned char b;
      if (from_board.clock(top.o_uart_tx, &b)) {
        unsigned long idx = n_out++;
        if (noise.drop_out.count(idx)) continue;
        if (noise.flip_out.count(idx)) b ^= 0x5a;
        if (write(master, &b, 1) != 1) { /* host gone: the byte is lost, like on a wire */ }
      }
    }
  }
  top.final();
  close(slave);
  close(master);
  return 0;
}
