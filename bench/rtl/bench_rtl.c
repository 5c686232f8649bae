/* bench_rtl.c — cycle counts of the accelerator under Verilator: cycles per step, cycles per
 * synaptic event and simulated cycles per wall-clock second, on random lif networks (fixed numerics)
 * driven by input spikes; with `learn`, every projection is astro_stdp modulated by a nalsm astrocyte
 * and the learning engine's cycles and weight updates are reported too; with `mesh`, the network is
 * split in four index blocks over the 2 x 2 mesh (rtl/astro_mesh.v) and the per-core figures, packets
 * and hops are reported.
 * Usage: bench_rtl [NEURONS [FANOUT [STEPS [learn|stdp|tri|mesh|meshlearn|meshastro [DIR]]]]] (defaults
 * 1000 100 200); `tri` adds a tripartite astrocyte of 4 elements that listens to and modulates the
 * recurrent projection (the GLIO and ASTRO cycles are reported); `meshlearn` is `mesh` with both projections stdp (per-core learning cycles and updates),
 * `stdp` the same network on one core; `meshastro` is `learn`'s network (astro_stdp, the nalsm
 * astrocyte, replicated on every core) on the mesh; with `mesh DIR`
 * the mesh image is also written to DIR (load.cmd, astro_params.vh, memory_map.txt; DIR must exist or
 * is created). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <time.h>

#include "astro_hw.h"
#include "be_verilog.h"
#include "be_verilog_map.h"
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

/* A tripartite astrocyte of 4 elements (domains j mod 4) listening to the recurrent projection and
 * modulating it: efficacy of `rec`, glio current into the liquid (examples/tripartite.yaml's rates). */
static void add_tripartite(ir_module *m) {
  ir_loc loc = {"bench_rtl.c", 1, 1};
  int32_t a = ir_add_astrocyte(m, "glia", IR_ASTRO_TRIPARTITE, loc);
  ir_astrocyte *as = &m->astros[a];
  as->size = 4;
  as->params[IR_P_TRIPARTITE_TAU_CA] = ir_value_const(500, IR_DIM_TIME);
  as->params[IR_P_TRIPARTITE_CA_PER_SPIKE] = ir_value_const(0.001, IR_DIM_NONE);
  as->params[IR_P_TRIPARTITE_CA_THRESHOLD] = ir_value_const(0.5, IR_DIM_NONE);
  as->params[IR_P_TRIPARTITE_GLIO_RELEASE] = ir_value_const(0.005, IR_DIM_NONE);
  as->params[IR_P_TRIPARTITE_GLIO_GAIN] = ir_value_const(1, IR_DIM_NONE);
  as->params[IR_P_TRIPARTITE_GLIO_CURRENT] = ir_value_const(0.05, IR_DIM_VOLTAGE);
  as->listen = ir_arena_alloc(m->arena, sizeof(ir_astro_listen));
  as->listen[0] = (ir_astro_listen){{IR_NODE_PROJECTION, 0}, 1, loc};
  as->nlisten = 1;
  as->modulates = ir_arena_alloc(m->arena, sizeof(ir_ref));
  as->modulates[0] = (ir_ref){IR_NODE_PROJECTION, 0};
  as->nmodulates = 1;
}

/* stdp without an astrocyte: both projections plastic, same bounds. */
static void add_stdp(ir_module *m) {
  static const double lo[2] = {-2, 0}, hi[2] = {1, 4};
  for (uint32_t k = 0; k < 2; k++) {
    ir_projection *p = &m->projs[k];
    p->plasticity = IR_PLAST_STDP;
    ir_params_set_defaults(ir_plasticity_desc(IR_PLAST_STDP), p->plast_params);
    p->plast_params[IR_P_STDP_W_MIN] = ir_value_const(lo[k], IR_DIM_VOLTAGE);
    p->plast_params[IR_P_STDP_W_MAX] = ir_value_const(hi[k], IR_DIM_VOLTAGE);
  }
}

/* 20 Hz per input, host-side draws: the axons of this step's input events. */
static uint32_t draw_inputs(uint64_t *lcg, uint32_t size, uint32_t *ev) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < size; i++) {
    *lcg = *lcg * UINT64_C(6364136223846793005) + 1442695040888963407u;
    if ((*lcg >> 33) % 50 == 0)
      ev[n++] = i;
  }
  return n;
}

#define NC (ASTRO_HW_MESH_X * ASTRO_HW_MESH_Y)

/* The network on the 2 x 2 mesh: compartment g on core g * 4 / n (four index blocks). */
static int run_mesh(ir_module *m, uint32_t n, uint32_t steps, const char *dir, ir_diag *d) {
  be_vl_image *img = be_vl_build(m, m->seed, &be_vl_one_for_mesh, d);
  if (!img)
    return 1;
  uint32_t *core_of = malloc(n * sizeof(uint32_t)), ev[128];
  for (uint32_t g = 0; g < n; g++)
    core_of[g] = (uint32_t)((uint64_t)g * NC / n);
  be_vl_placement pl = {.mesh_x = ASTRO_HW_MESH_X, .mesh_y = ASTRO_HW_MESH_Y, .ncomp = n, .core_of = core_of};
  be_vl_mesh *mi = be_vl_mesh_build(img, &pl, &be_vl_mesh_caps, m->loc, d);
  if (mi && dir && ((mkdir(dir, 0777) != 0 && errno != EEXIST) || !be_vl_mesh_write_dir(mi, m, dir, d)))
    return 1;
  astro_hw_options o = {.mesh = 1};
  astro_hw *hw = mi ? astro_hw_create(&o) : NULL;
  if (!hw)
    return 1;
  for (size_t c = 0; c < mi->ncmds; c++)
    if (!astro_hw_cmd_core(hw, mi->cmd_core[c], mi->cmds[c].op, mi->cmds[c].addr, mi->cmds[c].data, NULL))
      return 3;
  uint64_t cyc = 0, cyc_c[NC] = {0}, ev_c[NC] = {0}, pc_c[NC] = {0}, wc_c[NC] = {0}, spikes = 0, p0 = 0, h0 = 0, p1 = 0, h1 = 0, lcg = 1;
  uint64_t lc_c[NC] = {0}, lu_c[NC] = {0};
  uint64_t c0 = astro_hw_cycles(hw);
  astro_hw_cmd_core(hw, BE_VL_ALL_CORES, BE_VL_OP_RD_REG, BE_VL_MREG_PACKETS, 0, &p0);
  astro_hw_cmd_core(hw, BE_VL_ALL_CORES, BE_VL_OP_RD_REG, BE_VL_MREG_HOPS, 0, &h0);
  double t0 = now_s();
  for (uint32_t t = 0; t < steps; t++) {
    uint32_t ne = draw_inputs(&lcg, m->inputs[0].size, ev);
    for (uint32_t q = 0; q < ne; q++) {
      uint32_t a = img->input_base[0] + ev[q];
      for (unsigned c = 0; c < NC; c++)
        if (mi->fanout_cores[a] >> c & 1)
          astro_hw_cmd_core(hw, c, BE_VL_OP_IN_SPIKE, 0, a, NULL);
    }
    uint64_t s0 = astro_hw_cycles(hw);
    astro_hw_cmd_core(hw, BE_VL_ALL_CORES, BE_VL_OP_STEP, 0, 0, NULL);
    cyc += astro_hw_cycles(hw) - s0 - 1; /* the STEP command's own cycle excluded */
    for (unsigned c = 0; c < NC; c++) {
      uint64_t y = 0, e = 0, s = 0, pc = 0, wc = 0;
      astro_hw_cmd_core(hw, c, BE_VL_OP_RD_REG, BE_VL_REG_PCYCLES, 0, &pc);
      astro_hw_cmd_core(hw, c, BE_VL_OP_RD_REG, BE_VL_REG_WCYCLES, 0, &wc);
      pc_c[c] += pc;
      wc_c[c] += wc;
      if (mi->nplast) {
        uint64_t lc = 0, lu = 0;
        astro_hw_cmd_core(hw, c, BE_VL_OP_RD_REG, BE_VL_REG_LCYCLES, 0, &lc);
        astro_hw_cmd_core(hw, c, BE_VL_OP_RD_REG, BE_VL_REG_LUPD, 0, &lu);
        lc_c[c] += lc;
        lu_c[c] += lu;
      }
      astro_hw_cmd_core(hw, c, BE_VL_OP_RD_REG, BE_VL_REG_CYCLES, 0, &y);
      astro_hw_cmd_core(hw, c, BE_VL_OP_RD_REG, BE_VL_REG_SYNEV, 0, &e);
      astro_hw_cmd_core(hw, c, BE_VL_OP_RD_REG, BE_VL_REG_NSPK, 0, &s);
      cyc_c[c] += y;
      ev_c[c] += e;
      spikes += s;
    }
  }
  double wall = now_s() - t0;
  astro_hw_cmd_core(hw, BE_VL_ALL_CORES, BE_VL_OP_RD_REG, BE_VL_MREG_PACKETS, 0, &p1);
  astro_hw_cmd_core(hw, BE_VL_ALL_CORES, BE_VL_OP_RD_REG, BE_VL_MREG_HOPS, 0, &h1);
  uint64_t all = astro_hw_cycles(hw) - c0, evs = 0;
  for (unsigned c = 0; c < NC; c++)
    evs += ev_c[c];
  printf("network: %u lif compartments on a %u x %u mesh, %llu synapses, %u steps, %llu spikes\n", n,
         ASTRO_HW_MESH_X, ASTRO_HW_MESH_Y, (unsigned long long)img->nsyn, steps, (unsigned long long)spikes);
  printf("cycles per step:           %.1f  (STEP to all cores idle; one core would sweep %u compartments)\n",
         (double)cyc / steps, n);
  printf("synaptic events per step:  %.1f  (all cores)\n", (double)evs / steps);
  printf("core  (x,y)  compartments  synapses  events/step  cycles/step  wait/step  prop cycles/event\n");
  for (unsigned c = 0; c < NC; c++)
    printf("%4u  (%u,%u)  %12u  %8llu  %11.1f  %11.1f  %9.1f  %17.3f\n", c, c % ASTRO_HW_MESH_X,
           c / ASTRO_HW_MESH_X, mi->nlocal[c], (unsigned long long)mi->nsyn[c], (double)ev_c[c] / steps,
           (double)cyc_c[c] / steps, (double)wc_c[c] / steps, ev_c[c] ? (double)pc_c[c] / (double)ev_c[c] : 0.0);
  if (mi->nplast) {
    printf("with %s on both projections (plastic synapses on their post's core)", mi->nastro ? "astro_stdp" : "stdp");
    for (uint32_t q = 0; q < mi->nastro; q++)
      printf("%s%u", q ? ", " : "; replicas of the astrocyte: ", __builtin_popcountll(mi->astro_cores[q]));
    printf(":\n");
    printf("core  learning cycles/step  weight updates/step  learning cycles/update  cycles/event (whole step)\n");
    for (unsigned c = 0; c < NC; c++)
      printf("%4u  %20.1f  %19.1f  %22.2f  %25.2f\n", c, (double)lc_c[c] / steps, (double)lu_c[c] / steps,
             lu_c[c] ? (double)lc_c[c] / (double)lu_c[c] : 0.0, ev_c[c] ? (double)cyc_c[c] / (double)ev_c[c] : 0.0);
  }
  printf("mesh packets per step:     %.1f  (%.2f per spike; route-table entries %llu)\n", (double)(p1 - p0) / steps,
         spikes ? (double)(p1 - p0) / (double)spikes : 0.0, (unsigned long long)mi->nroutes);
  printf("mesh hops per step:        %.1f  (%.2f per packet)\n", (double)(h1 - h0) / steps,
         p1 > p0 ? (double)(h1 - h0) / (double)(p1 - p0) : 0.0);
  printf("Verilator speed:           %.2f M cycles/s (%llu cycles incl. host commands in %.3f s)\n",
         (double)all / wall / 1e6, (unsigned long long)all, wall);
  astro_hw_destroy(hw);
  be_vl_mesh_destroy(mi);
  be_vl_image_destroy(img);
  free(core_of);
  return 0;
}

int main(int argc, char **argv) {
  uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 1000;
  uint32_t fanout = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 100;
  uint32_t steps = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 0) : 200;
  bool stdp1 = argc > 4 && strcmp(argv[4], "stdp") == 0; /* one core, stdp only: meshlearn's network */
  bool learn = argc > 4 && (strcmp(argv[4], "learn") == 0 || stdp1);
  bool meshastro = argc > 4 && strcmp(argv[4], "meshastro") == 0;
  bool tri = argc > 4 && strcmp(argv[4], "tri") == 0;
  bool mesh = argc > 4 && (strcmp(argv[4], "mesh") == 0 || strcmp(argv[4], "meshlearn") == 0 || meshastro);
  ir_diag *d = ir_diag_create(stderr);
  ir_module *m = network(n, fanout);
  if ((learn && !stdp1) || meshastro)
    add_learning(m);
  if (stdp1 || (mesh && strcmp(argv[4], "meshlearn") == 0))
    add_stdp(m);
  if (tri)
    add_tripartite(m);
  if (!pass_expand(m, d))
    return 1;
  if (mesh) {
    int rc = run_mesh(m, n, steps, argc > 5 ? argv[5] : NULL, d);
    ir_module_destroy(m);
    ir_diag_destroy(d);
    return rc;
  }
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
  uint32_t evq[128];
  for (uint32_t t = 0; t < steps; t++) {
    uint32_t ne = draw_inputs(&lcg, m->inputs[0].size, evq);
    for (uint32_t q = 0; q < ne; q++)
      astro_hw_cmd(hw, BE_VL_OP_IN_SPIKE, 0, img->input_base[0] + evq[q], NULL);
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
  if (tri) {
    printf("GLIO + ASTRO cycles/step:  %.1f  (%u TLIST entries: 3 each + 1 per target; 4 elements x 2)\n",
           (double)lcyc / steps, img->nglio);
    printf("listen synapses:           %llu  (one per pre neuron and element it reaches)\n",
           (unsigned long long)(img->nsyn - m->projs[0].csr->nsyn - m->projs[1].csr->nsyn));
  }
  printf("Verilator speed:           %.2f M cycles/s (%llu cycles incl. host commands in %.3f s)\n",
         (double)all / wall / 1e6, (unsigned long long)all, wall);
  astro_hw_destroy(hw);
  be_vl_image_destroy(img);
  ir_module_destroy(m);
  ir_diag_destroy(d);
  return 0;
}
