/* bench_rtl.c — cycle counts of the accelerator core under Verilator: cycles per step, cycles per
 * synaptic event and simulated cycles per wall-clock second, on random lif networks (fixed numerics)
 * driven by input spikes; with `learn`, every projection is astro_stdp modulated by a nalsm astrocyte
 * and the learning engine's cycles and weight updates are reported too.
 * Usage: bench_rtl [NEURONS [FANOUT [STEPS [learn]]]] (defaults 1000 100 200). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "astro_hw.h"
#include "be_verilog.h"
#include "passes.h"

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static ir_value uniform(double a, double b, ir_dim dim) {
  ir_value v = ir_value_const(a, dim);
  v.kind = IR_VAL_UNIFORM;
  v.b = b;
  return v;
}

/* 80% excitatory-like, 20% inhibitory-like weights in one population, fixed in-degree, delays 0..7,
 * 100 poisson inputs at 20 Hz with fan-out FANOUT/4. */
static ir_module *network(uint32_t n, uint32_t fanout) {
  ir_module *m = ir_module_create("bench_rtl");
  ir_loc loc = {"bench_rtl.c", 1, 1};
  m->numerics = IR_NUMERICS_FIXED;
  m->seed = 7;
  int32_t p = ir_add_population(m, "liq", IR_NEURON_LIF, n, loc);
  m->pops[p].params[IR_P_LIF_TAU_V] = ir_value_const(20, IR_DIM_TIME);
  m->pops[p].params[IR_P_LIF_V_TH] = ir_value_const(10, IR_DIM_VOLTAGE);
  m->pops[p].params[IR_P_LIF_BIAS] = uniform(0, 0.6, IR_DIM_VOLTAGE);
  m->pops[p].params[IR_P_LIF_REFRACTORY] = ir_value_const(2, IR_DIM_TIME);
  int32_t in = ir_add_input(m, "in", IR_INPUT_POISSON, 100, loc);
  m->inputs[in].rate = ir_value_const(0.02, IR_DIM_RATE);
  int32_t k = ir_add_projection(m, "rec", (ir_ref){IR_NODE_POPULATION, 0}, (ir_ref){IR_NODE_POPULATION, 0}, loc);
  m->projs[k].rule.kind = IR_CONN_FIXED_PROBABILITY;
  m->projs[k].rule.p = (double)fanout / n;
  m->projs[k].weight = uniform(-2.0, 1.0, IR_DIM_VOLTAGE);
  m->projs[k].delay = uniform(0, 7.49, IR_DIM_TIME);
  k = ir_add_projection(m, "inp", (ir_ref){IR_NODE_INPUT, 0}, (ir_ref){IR_NODE_POPULATION, 0}, loc);
  m->projs[k].rule.kind = IR_CONN_FIXED_PROBABILITY;
  m->projs[k].rule.p = (double)fanout / 4 / n;
  m->projs[k].weight = ir_value_const(4, IR_DIM_VOLTAGE);
  m->projs[k].delay = ir_value_const(0, IR_DIM_TIME);
  return m;
}

/* NALSM's learning on top: a nalsm astrocyte listening to the liquid (+1) and the input (-1), and
 * astro_stdp (a_minus scaled by its state) on both projections, bounds [-2, 1] and [0, 4] mV. */
static void add_learning(ir_module *m) {
  ir_loc loc = {"bench_rtl.c", 1, 1};
  int32_t a = ir_add_astrocyte(m, "astro", IR_ASTRO_NALSM, loc);
  m->astros[a].size = 1;
  ir_astro_listen *l = ir_arena_alloc(m->arena, 2 * sizeof(*l));
  l[0] = (ir_astro_listen){{IR_NODE_POPULATION, 0}, 1, loc};
  l[1] = (ir_astro_listen){{IR_NODE_INPUT, 0}, -1, loc};
  m->astros[a].listen = l;
  m->astros[a].nlisten = 2;
  static const double lo[2] = {-2, 0}, hi[2] = {1, 4};
  for (uint32_t k = 0; k < 2; k++) {
    ir_projection *p = &m->projs[k];
    p->plasticity = IR_PLAST_ASTRO_STDP;
    p->modulator = a;
    ir_params_set_defaults(ir_plasticity_desc(IR_PLAST_ASTRO_STDP), p->plast_params);
    p->plast_params[IR_P_STDP_W_MIN] = ir_value_const(lo[k], IR_DIM_VOLTAGE);
    p->plast_params[IR_P_STDP_W_MAX] = ir_value_const(hi[k], IR_DIM_VOLTAGE);
  }
}

int main(int argc, char **argv) {
  uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 1000;
  uint32_t fanout = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 100;
  uint32_t steps = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 0) : 200;
  bool learn = argc > 4 && strcmp(argv[4], "learn") == 0;
  ir_diag *d = ir_diag_create(stderr);
  ir_module *m = network(n, fanout);
  if (learn)
    add_learning(m);
  if (!pass_expand(m, d))
    return 1;
  be_vl_image *img = be_vl_build(m, m->seed, NULL, d);
  astro_hw *hw = img ? astro_hw_create(NULL) : NULL;
  if (!hw)
    return 1;
  for (size_t c = 0; c < img->ncmds; c++)
    if (!astro_hw_cmd(hw, img->cmds[c].op, img->cmds[c].addr, img->cmds[c].data, NULL))
      return 3;
  uint64_t cyc = 0, ev = 0, spikes = 0, lcyc = 0, lupd = 0, c0 = astro_hw_cycles(hw);
  double t0 = now_s();
  uint64_t lcg = 1;
  for (uint32_t t = 0; t < steps; t++) {
    for (uint32_t i = 0; i < m->inputs[0].size; i++) { /* 20 Hz per input, host-side draws */
      lcg = lcg * UINT64_C(6364136223846793005) + 1442695040888963407u;
      if ((lcg >> 33) % 50 == 0)
        astro_hw_cmd(hw, BE_VL_OP_IN_SPIKE, 0, img->input_base[0] + i, NULL);
    }
    uint64_t c = 0, e = 0, s = 0, lc = 0, lu = 0;
    astro_hw_cmd(hw, BE_VL_OP_STEP, 0, 0, NULL);
    astro_hw_cmd(hw, BE_VL_OP_RD_REG, BE_VL_REG_LCYCLES, 0, &lc);
    astro_hw_cmd(hw, BE_VL_OP_RD_REG, BE_VL_REG_LUPD, 0, &lu);
    lcyc += lc;
    lupd += lu;
    astro_hw_cmd(hw, BE_VL_OP_RD_REG, BE_VL_REG_CYCLES, 0, &c);
    astro_hw_cmd(hw, BE_VL_OP_RD_REG, BE_VL_REG_SYNEV, 0, &e);
    astro_hw_cmd(hw, BE_VL_OP_RD_REG, BE_VL_REG_NSPK, 0, &s);
    cyc += c;
    ev += e;
    spikes += s;
  }
  double wall = now_s() - t0;
  uint64_t all = astro_hw_cycles(hw) - c0;
  printf("network: %u lif compartments, %llu synapses, %u steps, %llu spikes\n", n,
         (unsigned long long)img->nsyn, steps, (unsigned long long)spikes);
  printf("cycles per step:           %.1f  (compartment sweep %u + propagation)\n", (double)cyc / steps, n);
  printf("synaptic events per step:  %.1f\n", (double)ev / steps);
  printf("propagation cycles/event:  %.3f  ((cycles - sweep - learning - fixed overhead) / events)\n",
         ev ? (double)(cyc - lcyc - (uint64_t)steps * (n + 4)) / (double)ev : 0.0);
  if (learn) {
    printf("learning cycles per step:  %.1f  (LEARN + ASTRO phases)\n", (double)lcyc / steps);
    printf("weight updates per step:   %.1f\n", (double)lupd / steps);
    printf("learning cycles/update:    %.2f  (includes the trace sweep, %u + 100 traces x 2 projections)\n",
           lupd ? (double)lcyc / (double)lupd : 0.0, n);
    printf("cycles per synaptic event: %.2f  (whole step / events, learning on)\n", ev ? (double)cyc / (double)ev : 0.0);
  }
  printf("Verilator speed:           %.2f M cycles/s (%llu cycles incl. host commands in %.3f s)\n",
         (double)all / wall / 1e6, (unsigned long long)all, wall);
  astro_hw_destroy(hw);
  be_vl_image_destroy(img);
  ir_module_destroy(m);
  ir_diag_destroy(d);
  return 0;
}
