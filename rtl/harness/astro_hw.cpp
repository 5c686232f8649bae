// astro_hw.cpp — the thin C++ shim between the C runtime and the Verilated accelerator model: a clock,
// the host-interface handshake and optional FST tracing. Opcodes mirror rtl/astro_core.v.
#include "astro_hw.h"

#include <cstdlib>
#include <new>

#include "Vastro_top.h"
#include "verilated.h"
#include "verilated_fst_c.h"

namespace {
constexpr unsigned OP_STEP = 8, OP_CLEAR = 9, OP_RD_REG = 10, OP_RD_SPIKE = 12, OP_RD_MEM = 14;
constexpr uint64_t MAX_WAIT = uint64_t(1) << 34;
}  // namespace

struct astro_hw {
  VerilatedContext *ctx = nullptr;
  Vastro_top *top = nullptr;
  VerilatedFstC *fst = nullptr;
  uint64_t cycles = 0;

  void half(int clk) {
    top->i_clk = clk;
    top->eval();
    if (fst) fst->dump(ctx->time());
    ctx->timeInc(1);
  }
  void tick() {
    half(1);
    half(0);
    cycles++;
  }
  bool wait_ready() {
    for (uint64_t k = 0; !top->o_cmd_ready; k++) {
      if (k >= MAX_WAIT) return false;
      tick();
    }
    return true;
  }
};

extern "C" astro_hw *astro_hw_create(const astro_hw_options *opt) {
  astro_hw *h = new (std::nothrow) astro_hw;
  if (!h) return nullptr;
  h->ctx = new (std::nothrow) VerilatedContext;
  if (!h->ctx) {
    delete h;
    return nullptr;
  }
  h->ctx->randReset(opt ? opt->rand_reset : 0);
  if (opt && opt->rand_reset == 2) h->ctx->randSeed(static_cast<int>(opt->rand_seed & 0x7fffffff));
  if (opt && opt->fst_path) h->ctx->traceEverOn(true);
  h->top = new (std::nothrow) Vastro_top{h->ctx};
  if (!h->top) {
    astro_hw_destroy(h);
    return nullptr;
  }
  if (opt && opt->fst_path) {
    h->fst = new (std::nothrow) VerilatedFstC;
    if (!h->fst) {
      astro_hw_destroy(h);
      return nullptr;
    }
    h->top->trace(h->fst, 99);
    h->fst->open(opt->fst_path);
    if (!h->fst->isOpen()) {
      astro_hw_destroy(h);
      return nullptr;
    }
  }
  h->top->i_cmd_valid = 0;
  h->top->i_rst = 1;
  h->half(0);
  for (int k = 0; k < 4; k++) h->tick();
  h->top->i_rst = 0;
  for (int k = 0; k < 2; k++) h->tick(); // through the reset synchroniser
  return h;
}

extern "C" void astro_hw_destroy(astro_hw *h) {
  if (!h) return;
  if (h->fst) {
    h->fst->close();
    delete h->fst;
  }
  if (h->top) h->top->final();
#if VM_COVERAGE
  // Coverage builds (rtl/scripts/coverage.sh) write their counters where ASTRO_HW_COVERAGE says.
  if (const char *cov = std::getenv("ASTRO_HW_COVERAGE")) h->ctx->coveragep()->write(cov);
#endif
  delete h->top;
  delete h->ctx;
  delete h;
}

extern "C" bool astro_hw_cmd(astro_hw *h, unsigned op, uint32_t addr, uint64_t data, uint64_t *rdata) {
  if (!h->wait_ready()) return false;
  h->top->i_cmd_valid = 1;
  h->top->i_cmd_op = op & 0xf;
  h->top->i_cmd_addr = addr;
  h->top->i_cmd_data = data;
  h->tick();
  h->top->i_cmd_valid = 0;
  if ((op >= OP_RD_REG && op <= OP_RD_SPIKE) || op == OP_RD_MEM) {
    h->top->eval();
    if (!h->top->o_rvalid) return false;
    if (rdata) *rdata = h->top->o_rdata;
  }
  if (op == OP_STEP || op == OP_CLEAR) {
    h->tick(); // the core leaves IDLE on the edge that took the command
    return h->wait_ready();
  }
  return true;
}

extern "C" uint64_t astro_hw_cycles(const astro_hw *h) { return h->cycles; }
