// astro_hw.cpp — the thin C++ shim between the C runtime and the Verilated accelerator models (one
// core: Vastro_top; the mesh: Vastro_mesh): a clock, the host-interface handshake and optional FST
// tracing. Opcodes mirror rtl/astro_core.v.
#include "astro_hw.h"

#include <cstdlib>
#include <new>

// Coverage builds (rtl/scripts/coverage.sh) verilate one top: ASTRO_HW_NO_MESH or ASTRO_HW_NO_TOP.
#ifndef ASTRO_HW_NO_TOP
#include "Vastro_top.h"
#endif
#ifndef ASTRO_HW_NO_MESH
#include "Vastro_mesh.h"
#endif
#include "verilated.h"
#include "verilated_fst_c.h"

namespace {
constexpr unsigned OP_STEP = 8, OP_CLEAR = 9, OP_RD_REG = 10, OP_RD_SPIKE = 12, OP_RD_MEM = 14;
constexpr uint64_t MAX_WAIT = uint64_t(1) << 34;

// The two models have the same bus; the mesh adds i_cmd_core.
#ifndef ASTRO_HW_NO_TOP
inline void set_core(Vastro_top *, unsigned) {}
#endif
#ifndef ASTRO_HW_NO_MESH
inline void set_core(Vastro_mesh *m, unsigned core) { m->i_cmd_core = core & 0xff; }
#endif

struct model {
  virtual ~model() = default;
  virtual bool cmd(unsigned core, unsigned op, uint32_t addr, uint64_t data, uint64_t *rdata) = 0;
  virtual uint64_t cycles() const = 0;
};

template <class T> struct sim : model {
  VerilatedContext *ctx;
  T *top = nullptr;
  VerilatedFstC *fst = nullptr;
  uint64_t ncycles = 0;

  explicit sim(VerilatedContext *c) : ctx(c) {}
  ~sim() override {
    if (fst) {
      fst->close();
      delete fst;
    }
    if (top) top->final();
    delete top;
  }
  bool init(const char *fst_path) {
    if (!(top = new (std::nothrow) T{ctx})) return false;
    if (fst_path) {
      if (!(fst = new (std::nothrow) VerilatedFstC)) return false;
      top->trace(fst, 99);
      fst->open(fst_path);
      if (!fst->isOpen()) return false;
    }
    top->i_cmd_valid = 0;
    top->i_rst = 1;
    half(0);
    for (int k = 0; k < 4; k++) tick();
    top->i_rst = 0;
    for (int k = 0; k < 2; k++) tick();  // through the reset synchroniser
    return true;
  }
  void half(int clk) {
    top->i_clk = clk;
    top->eval();
    if (fst) fst->dump(ctx->time());
    ctx->timeInc(1);
  }
  void tick() {
    half(1);
    half(0);
    ncycles++;
  }
  bool wait_ready() {
    for (uint64_t k = 0; !top->o_cmd_ready; k++) {
      if (k >= MAX_WAIT) return false;
      tick();
    }
    return true;
  }
  bool cmd(unsigned core, unsigned op, uint32_t addr, uint64_t data, uint64_t *rdata) override {
    if (!wait_ready()) return false;
    set_core(top, core);
    top->i_cmd_valid = 1;
    top->i_cmd_op = op & 0xf;
    top->i_cmd_addr = addr;
    top->i_cmd_data = data;
    tick();
    top->i_cmd_valid = 0;
    if ((op >= OP_RD_REG && op <= OP_RD_SPIKE) || op == OP_RD_MEM) {
      top->eval();
      if (!top->o_rvalid) return false;
      if (rdata) *rdata = top->o_rdata;
    }
    if (op == OP_STEP || op == OP_CLEAR) {
      tick();  // the cores leave IDLE on the edge that took the command
      return wait_ready();
    }
    return true;
  }
  uint64_t cycles() const override { return ncycles; }
};
}  // namespace

struct astro_hw {
  VerilatedContext *ctx = nullptr;
  model *m = nullptr;
  bool mesh = false;
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
  const char *fst = opt ? opt->fst_path : nullptr;
  if (fst) h->ctx->traceEverOn(true);
  h->mesh = opt && opt->mesh;
  bool ok;
  if (h->mesh) {
#ifndef ASTRO_HW_NO_MESH
    auto *s = new (std::nothrow) sim<Vastro_mesh>(h->ctx);
    h->m = s;
    ok = s && s->init(fst);
#else
    ok = false;
#endif
  } else {
#ifndef ASTRO_HW_NO_TOP
    auto *s = new (std::nothrow) sim<Vastro_top>(h->ctx);
    h->m = s;
    ok = s && s->init(fst);
#else
    ok = false;
#endif
  }
  if (!ok) {
    astro_hw_destroy(h);
    return nullptr;
  }
  return h;
}

extern "C" void astro_hw_destroy(astro_hw *h) {
  if (!h) return;
#if VM_COVERAGE
  // Coverage builds (rtl/scripts/coverage.sh) write their counters where ASTRO_HW_COVERAGE says, while
  // the model whose counters they are still exists.
  if (const char *cov = std::getenv("ASTRO_HW_COVERAGE"); cov && h->m) h->ctx->coveragep()->write(cov);
#endif
  delete h->m;  // final(), trace closed
  delete h->ctx;
  delete h;
}

extern "C" bool astro_hw_cmd_core(astro_hw *h, unsigned core, unsigned op, uint32_t addr, uint64_t data,
                                  uint64_t *rdata) {
  if (!h->mesh && core != 0) return false;
  return h->m->cmd(core, op, addr, data, rdata);
}

extern "C" bool astro_hw_cmd(astro_hw *h, unsigned op, uint32_t addr, uint64_t data, uint64_t *rdata) {
  return h->m->cmd(0, op, addr, data, rdata);
}

extern "C" uint64_t astro_hw_cycles(const astro_hw *h) { return h->m->cycles(); }
