/* test_rtl_mesh.c — the 'rtl' suite on the mesh (rtl/astro_mesh.v, 2 x 2 cores with routers): a hand
 * check of the packets, hops and barrier through the harness, and 200 random lif networks (about half
 * of their projections stdp or astro_stdp, hebbian or anti-hebbian, so plastic projections cross cores;
 * most with nalsm astrocytes listening with random signs to populations, inputs and projections,
 * replicated on the cores of their astro_stdp synapses) placed by the mapping passes (compiler/mapping:
 * partition in Morton/index order, annealed placement) on the astro-sim target with random per-core
 * compartment limits, so that some land on one core and most on several; each must give the same
 * raster and the same final v, u, ref, astrocyte a (on every replica), weights and traces as the
 * interp engine in fixed numerics. With ASTROC_RTL_RAND_RESET=SEED every register and memory bit starts
 * random. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "astro_hw.h"
#include "astroc_rt.h"
#include "be_verilog.h"
#include "be_verilog_map.h"
#include "engine_rtl.h"
#include "mapping.h"
#include "passes.h"
#include "t_compare.h"
#include "t_network.h"
#include "t_random.h"
#include "t_sim.h"

#define LOC ((ir_loc){"test_rtl_mesh.c", 1, 1})

static int g_rand_reset;
static uint64_t g_seed = 1;

/* ---------------------------------------------------------------- hand check through the harness */

/* be_vl_mesh_write_dir: one "CORE OP ADDR DATA" line per command after the header, the route of a (core
 * 0, local 0) to cores 1, 2, 3 = mask e, and MESH_X / MESH_Y in the parameter header. */
static void check_written(const be_vl_mesh *mi, const ir_module *m) {
  char dir[] = "/tmp/astroc_mesh_XXXXXX", path[256], line[256];
  assert_non_null(mkdtemp(dir));
  ir_diag *d = ir_diag_create(stderr);
  assert_true(be_vl_mesh_write_dir(mi, m, dir, d));
  ir_diag_destroy(d);
  snprintf(path, sizeof path, "%s/load.cmd", dir);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  size_t n = 0;
  bool route = false;
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#')
      continue;
    unsigned core, addr;
    unsigned long long data;
    char op[32];
    assert_int_equal(sscanf(line, "%x %31s %x %llx", &core, op, &addr, &data), 4);
    route = route || (core == 0 && strcmp(op, "WR_ROUTE") == 0 && addr == 0 && data == 0xe);
    n++;
  }
  fclose(f);
  assert_int_equal(n, mi->ncmds);
  assert_true(route);
  static const char *const files[] = {"load.cmd", "astro_params.vh", "memory_map.txt"};
  for (int j = 0; j < 3; j++) {
    snprintf(path, sizeof path, "%s/%s", dir, files[j]);
    if (j == 1) {
      f = fopen(path, "r");
      assert_non_null(f);
      char buf[2048];
      size_t got = fread(buf, 1, sizeof buf - 1, f);
      buf[got] = 0;
      fclose(f);
      assert_non_null(strstr(buf, "parameter MESH_X = 2,"));
      assert_non_null(strstr(buf, "parameter MESH_Y = 2,"));
    }
    assert_int_equal(remove(path), 0);
  }
  assert_int_equal(rmdir(dir), 0);
}

/* One neuron per core, a (0,0) -> every other core by one_to_one 20 mV synapses (delay 0). A forced spike
 * of a at step 0 makes 3 packets: to (1,0) and (0,1) one hop each, to (1,1) two hops (x first): 4 hops.
 * The three targets receive 20 mV in slot 1 and, with v_th 5 mV and no leak, spike at step 1; they have
 * no fan-out, so the counters stay at 3 packets and 4 hops. */
static void test_packets_and_hops(void **state) {
  (void)state;
  ir_module *m = ir_module_create("hops");
  m->numerics = IR_NUMERICS_FIXED;
  static const char *const names[] = {"a", "b", "c", "d"};
  for (int k = 0; k < 4; k++) {
    int32_t p = ir_add_population(m, names[k], IR_NEURON_LIF, 1, LOC);
    m->pops[p].params[IR_P_LIF_DU] = ir_value_const(0, IR_DIM_NONE);
    m->pops[p].params[IR_P_LIF_DV] = ir_value_const(4095, IR_DIM_NONE);
    m->pops[p].params[IR_P_LIF_V_TH] = ir_value_const(5, IR_DIM_VOLTAGE);
  }
  for (uint32_t k = 1; k < 4; k++) {
    char name[8];
    snprintf(name, sizeof name, "a%s", names[k]);
    int32_t j = ir_add_projection(m, name, (ir_ref){IR_NODE_POPULATION, 0}, (ir_ref){IR_NODE_POPULATION, k}, LOC);
    m->projs[j].rule.kind = IR_CONN_ONE_TO_ONE;
    m->projs[j].weight = ir_value_const(20, IR_DIM_VOLTAGE);
    m->projs[j].delay = ir_value_const(0, IR_DIM_TIME);
  }
  ir_diag *d = ir_diag_create(stderr);
  assert_true(pass_expand(m, d));
  be_vl_image *one = be_vl_build(m, 1, &be_vl_one_for_mesh, d);
  assert_non_null(one);
  static const uint32_t core_of[4] = {0, 1, 2, 3};
  be_vl_placement pl = {.mesh_x = 2, .mesh_y = 2, .ncomp = 4, .core_of = core_of};
  be_vl_mesh *mi = be_vl_mesh_build(one, &pl, &be_vl_mesh_caps, LOC, d);
  assert_non_null(mi);
  assert_int_equal(mi->nroutes, 3); /* a's entry lists cores 1, 2, 3 */
  check_written(mi, m);
  astro_hw_options o = {.rand_reset = g_rand_reset, .rand_seed = g_seed, .mesh = 1};
  astro_hw *h = astro_hw_create(&o);
  assert_non_null(h);
  for (size_t k = 0; k < mi->ncmds; k++)
    assert_true(astro_hw_cmd_core(h, mi->cmd_core[k], mi->cmds[k].op, mi->cmds[k].addr, mi->cmds[k].data, NULL));
  uint64_t p0 = 0, h0 = 0, w = 0;
  assert_true(astro_hw_cmd_core(h, BE_VL_ALL_CORES, BE_VL_OP_RD_REG, BE_VL_MREG_PACKETS, 0, &p0));
  assert_true(astro_hw_cmd_core(h, BE_VL_ALL_CORES, BE_VL_OP_RD_REG, BE_VL_MREG_HOPS, 0, &h0));
  assert_true(astro_hw_cmd_core(h, 0, BE_VL_OP_WR_EXT, 0, be_vl_pack_ext(true, 0), NULL));
  for (int t = 0; t < 2; t++) {
    assert_true(astro_hw_cmd_core(h, BE_VL_ALL_CORES, BE_VL_OP_STEP, 0, 0, NULL));
    for (unsigned c = 0; c < 4; c++) {
      assert_true(astro_hw_cmd_core(h, c, BE_VL_OP_RD_REG, BE_VL_REG_NSPK, 0, &w));
      assert_int_equal(w, (t == 0) == (c == 0)); /* step 0: a only; step 1: b, c, d */
      assert_true(astro_hw_cmd_core(h, c, BE_VL_OP_RD_REG, BE_VL_REG_STEP, 0, &w));
      assert_int_equal(w, t + 1); /* the barrier keeps the cores in step */
    }
  }
  uint64_t p1 = 0, h1 = 0;
  assert_true(astro_hw_cmd_core(h, BE_VL_ALL_CORES, BE_VL_OP_RD_REG, BE_VL_MREG_PACKETS, 0, &p1));
  assert_true(astro_hw_cmd_core(h, BE_VL_ALL_CORES, BE_VL_OP_RD_REG, BE_VL_MREG_HOPS, 0, &h1));
  assert_int_equal(p1 - p0, 3);
  assert_int_equal(h1 - h0, 4);
  /* the target's state after its spike: v = 0, ref 0 (refractory 0) */
  assert_true(astro_hw_cmd_core(h, 3, BE_VL_OP_RD_STATE, 0, 0, &w));
  assert_int_equal(BE_VL_STATE_V(w), 0);
  astro_hw_destroy(h);
  be_vl_mesh_destroy(mi);
  be_vl_image_destroy(one);
  ir_diag_destroy(d);
  ir_module_destroy(m);
}

/* ---------------------------------------------------------------- interp vs the mesh */

/* Rasters and the final state of every population, astrocyte (every replica: the rtl engine fails the
 * read when replicas disagree) and projection identical on interp and the mesh, with a forced spike of
 * every population half way (tests/support/t_compare.h). Returns spikes; adds to *moved the plastic
 * weights that left their initial value (NULL: not counted). */
static size_t compare(const ir_module *m, uint64_t steps, uint64_t seed, uint64_t *moved) {
  static const t_compare_opts vs_mesh = {.engine = "rtl", .all_state = true};
  t_diff st = t_compare(m, steps, seed, &vs_mesh);
  if (moved)
    *moved += st.w_changed;
  return st.spikes;
}

/* Two thirds of the plastic networks get 1-2 nalsm astrocytes (random a0, w_a, b_a, tau; the first of
 * size 1, the second 1-4) listening with random signs to 1-3 populations, inputs or projections; about
 * half of the stdp projections become astro_stdp modulated by a size-1 astrocyte. Drawn from a third
 * stream, so the neurons, synapses and stdp draws are those of the network without astrocytes. */
static void random_astrocytes(ir_module *m, uint64_t seed) {
  uint64_t r = seed * 6271 + 11;
  if (t_below(&r, 3) == 0)
    return;
  uint32_t n = 1 + t_below(&r, 2);
  for (uint32_t k = 0; k < n; k++) {
    char name[16];
    snprintf(name, sizeof name, "glia%u", k);
    int32_t as = ir_add_astrocyte(m, name, IR_ASTRO_NALSM, LOC);
    ir_astrocyte *a = &m->astros[as];
    a->size = k == 0 ? 1 : 1 + t_below(&r, 4);
    t_random_nalsm_astro(a->params, &r);
    a->nlisten = 1 + t_below(&r, 3);
    a->listen = t_random_listens(m, a->nlisten, &r);
  }
  for (uint32_t k = 0; k < m->nprojs; k++) /* the modulator: glia0 (size 1), or glia1 when it has size 1 */
    if (m->projs[k].plasticity == IR_PLAST_STDP && t_below(&r, 2)) {
      m->projs[k].plasticity = IR_PLAST_ASTRO_STDP;
      m->projs[k].modulator = n == 2 && m->astros[1].size == 1 && t_below(&r, 2) ? 1 : 0;
    }
}

/* From a fourth stream: in about half the networks a tripartite astrocyte of size 1-4 (random time
 * constants including 0, per-element distributions) listening with random signs to 1-3 populations,
 * inputs or projections and modulating 1-2 projections (at most one per post population) and sometimes
 * a population (current only). Its elements are replicated on the cores of their targets. */
static void random_tripartite(ir_module *m, uint64_t seed) {
  uint64_t r = seed * 5003 + 17;
  if (t_below(&r, 2))
    return;
  int32_t as = ir_add_astrocyte(m, "tri", IR_ASTRO_TRIPARTITE, LOC);
  ir_astrocyte *a = &m->astros[as];
  a->size = 1 + t_below(&r, 4);
  t_random_tripartite(a->params, &r);
  a->nlisten = 1 + t_below(&r, 3);
  a->listen = t_random_listens(m, a->nlisten, &r);
  a->modulates = ir_arena_alloc(m->arena, 3 * sizeof(ir_ref));
  assert_non_null(a->modulates);
  for (uint32_t k = 0, n = 1 + t_below(&r, 2); k < n; k++) {
    uint32_t j = t_below(&r, m->nprojs);
    bool clash = false; /* one modulated projection per post population */
    for (uint32_t i = 0; i < a->nmodulates; i++)
      clash = clash || m->projs[a->modulates[i].index].post.index == m->projs[j].post.index;
    if (!clash)
      a->modulates[a->nmodulates++] = (ir_ref){IR_NODE_PROJECTION, j};
  }
  if (t_below(&r, 3) == 0)
    a->modulates[a->nmodulates++] = (ir_ref){IR_NODE_POPULATION, t_below(&r, m->npops)};
}

/* The plastic part of random_network, from streams of their own. */
typedef struct mesh_extras {
  bool plastic;
  uint64_t rp; /* the stdp stream */
} mesh_extras;

static void maybe_stdp(ir_module *m, ir_projection *q, uint64_t *r, void *ctx) {
  mesh_extras *x = ctx;
  (void)m;
  (void)r;
  if (x->plastic && t_below(&x->rp, 2))
    t_random_stdp(q, IR_PLAST_STDP, &x->rp);
}

static void astrocytes(ir_module *m, uint64_t *r, void *ctx) {
  const mesh_extras *x = ctx;
  (void)r;
  if (x->plastic) {
    random_astrocytes(m, m->seed);
    random_tripartite(m, m->seed);
  }
}

/* 1-4 lif populations of 1-60 neurons, 1-2 inputs, 1-6 projections with mixed-sign weights and delays
 * up to 63, with `plastic` about half of them stdp (drawn from a second stream, so the static part is
 * the same network either way) and astrocytes (random_astrocytes, random_tripartite); not yet expanded. */
static ir_module *random_network(uint64_t seed, bool plastic) {
  mesh_extras x = {.plastic = plastic, .rp = seed * 7919 + 3};
  const t_lif_opts o = {.name = "mesh", .mul = 104729, .add = 7, .pops = 4, .pop_size = 60, .du = T_DECAY_TAU,
      .dv = T_DECAY_EITHER, .v_th = 20, .refractory = 6, .poisson = true, .input_size = 30, .projs = 6,
      .long_delay = 63, .delays = 8, .p_max = 0.6, .strong = 3, .strong_max = 100, .projection = maybe_stdp,
      .finish = astrocytes, .ctx = &x};
  return t_random_lif_network(seed, &o);
}

/* Runs the mapping pipeline (layout, expand, quantise, partition, place, route) on the astro-sim target
 * with `limit` compartments per core and fills core_of (compartments in model order). Returns the
 * number of cores used, or 0 when the pieces do not fit the 4 cores (the module is then unusable). */
static uint32_t place(ir_module *m, uint64_t limit, uint64_t seed, uint32_t *core_of) {
  map_target t;
  ir_diag *d = ir_diag_create(NULL);
  assert_true(map_target_load("astro-sim", &t, d));
  t.limit[MAP_RES_COMPARTMENTS] = t.limit[MAP_RES_CPROFILES] = t.limit[MAP_RES_TPROFILES] = limit;
  /* neurons only, as be_vl_place does: the mesh split replicates astrocytes where they are needed */
  uint32_t nastros = m->nastros;
  int32_t mod[64];
  m->nastros = 0;
  for (uint32_t k = 0; k < m->nprojs; k++) {
    mod[k] = m->projs[k].modulator;
    if (m->projs[k].plasticity == IR_PLAST_ASTRO_STDP) {
      m->projs[k].plasticity = IR_PLAST_STDP;
      m->projs[k].modulator = -1;
    }
  }
  size_t n;
  const ir_pass *p = map_pipeline(&t, &n);
  map_options o = {.seed = seed, .default_rate = 0.02, .iterations = 0};
  map_context_set(&t, &o);
  ir_pipeline_options po = {.verify_each = true};
  bool ok = ir_run_pipeline(m, p, n, &po, d);
  ir_diag_destroy(d);
  m->nastros = nastros;
  for (uint32_t k = 0; k < m->nprojs; k++)
    if (mod[k] >= 0) {
      m->projs[k].plasticity = IR_PLAST_ASTRO_STDP;
      m->projs[k].modulator = mod[k];
    }
  if (!ok)
    return 0;
  const map_plan *pl = map_context_plan();
  uint32_t base[64], used = 0, b = 0;
  for (uint32_t q = 0; q < m->npops; q++) {
    base[q] = b;
    b += m->pops[q].size;
  }
  uint64_t seen = 0;
  for (uint32_t q = 0; q < pl->npieces; q++) {
    const map_piece *pc = &pl->pieces[q];
    if (pc->node.kind != IR_NODE_POPULATION)
      continue; /* astrocytes: the mesh split replicates them where they are needed */
    uint32_t x, y;
    map_core_xy(&t, (uint32_t)pc->core, &x, &y);
    for (uint32_t j = pc->first; j < pc->first + pc->count; j++)
      core_of[base[pc->node.index] + map_neuron_at(pl, pc->node.index, j)] = y * t.cores[0] + x;
    seen |= UINT64_C(1) << (y * t.cores[0] + x);
  }
  for (; seen; seen &= seen - 1)
    used++;
  return used;
}

/* Whether plastic projection k has a synapse whose pre and post compartments sit on different cores. */
static bool crosses(const ir_module *m, uint32_t k, const uint32_t *core_of) {
  const ir_projection *q = &m->projs[k];
  if (q->pre.kind != IR_NODE_POPULATION)
    return false; /* the host sends an input to every core holding its synapses: not a core-to-core spike */
  uint32_t base[64], b = 0;
  for (uint32_t p = 0; p < m->npops; p++) {
    base[p] = b;
    b += m->pops[p].size;
  }
  for (uint32_t i = 0; i < q->csr->npre; i++)
    for (uint64_t s = q->csr->row_ptr[i]; s < q->csr->row_ptr[i + 1]; s++)
      if (core_of[base[q->pre.index] + i] != core_of[base[q->post.index] + q->csr->col[s]])
        return true;
  return false;
}

/* The cores holding synapses of astro_stdp projections modulated by astrocyte a (each synapse on its
 * post's core): the cores that need a replica of a. */
static uint32_t modulated_cores(const ir_module *m, uint32_t a, const uint32_t *core_of) {
  uint32_t base[64], b = 0, seen = 0;
  for (uint32_t p = 0; p < m->npops; p++) {
    base[p] = b;
    b += m->pops[p].size;
  }
  for (uint32_t k = 0; k < m->nprojs; k++) {
    const ir_projection *q = &m->projs[k];
    if (q->plasticity == IR_PLAST_ASTRO_STDP && q->modulator == (int32_t)a)
      for (uint64_t s = 0; s < q->csr->nsyn; s++)
        seen |= 1u << core_of[base[q->post.index] + q->csr->col[s]];
  }
  return seen;
}

/* The cores holding targets of tripartite astrocyte a (posts of its modulated projections, its modulated
 * populations): where its elements are replicated. */
static uint32_t tri_cores(const ir_module *m, uint32_t a, const uint32_t *core_of) {
  uint32_t cores = 0;
  for (uint32_t i = 0; i < m->astros[a].nmodulates; i++) {
    ir_ref r = m->astros[a].modulates[i];
    uint32_t p = r.kind == IR_NODE_PROJECTION ? m->projs[r.index].post.index : r.index, base = 0;
    for (uint32_t q = 0; q < p; q++)
      base += m->pops[q].size;
    for (uint32_t j = 0; j < m->pops[p].size; j++)
      cores |= 1u << core_of[base + j];
  }
  return cores;
}

static void test_random_networks(void **state) {
  (void)state;
  size_t spikes = 0, several = 0, one = 0, plastic = 0, crossing = 0, mixed = 0;
  size_t with_astro = 0, astros = 0, astro_stdp = 0, replicated = 0, tri = 0, tri_replicated = 0;
  uint64_t moved = 0;
  for (uint64_t seed = 1; seed <= 200; seed++) {
    ir_module *m = random_network(seed, true);
    uint32_t total = 0;
    for (uint32_t p = 0; p < m->npops; p++)
      total += m->pops[p].size;
    uint64_t r = seed * 31 + 5;
    /* a third of the networks may fit one core; the others are split over 2-4 cores (the limit grows
     * until the pieces fit the mesh: pieces of different populations do not share a core) */
    uint64_t limit = t_below(&r, 3) == 0 ? total : (total + 3) / 4 + t_below(&r, total / 4 + 1);
    uint32_t *core_of = calloc(total, sizeof(uint32_t)), used;
    while ((used = place(m, limit, seed, core_of)) == 0) {
      ir_module_destroy(m);
      m = random_network(seed, true);
      limit += (total + 7) / 8;
    }
    if (seed % 4 == 0) { /* a quarter: every compartment on a random core, so populations share cores
                            (post compartments start at a local id above 0, pre axons interleave) */
      uint32_t seen = 0;
      for (uint32_t g = 0; g < total; g++)
        seen |= 1u << (core_of[g] = t_below(&r, 4));
      used = (uint32_t)__builtin_popcount(seen);
      mixed++;
    }
    for (uint32_t k = 0; k < m->nprojs; k++)
      if (m->projs[k].plasticity != IR_PLAST_NONE) {
        plastic++;
        astro_stdp += m->projs[k].plasticity == IR_PLAST_ASTRO_STDP;
        crossing += used > 1 && crosses(m, k, core_of);
      }
    with_astro += m->nastros > 0;
    astros += m->nastros;
    for (uint32_t a = 0; a < m->nastros; a++) { /* modulated synapses or targets on several cores: replicas */
      bool t = m->astros[a].model == IR_ASTRO_TRIPARTITE;
      tri += t;
      if (t)
        tri_replicated += __builtin_popcount(tri_cores(m, a, core_of)) > 1;
      else
        replicated += __builtin_popcount(modulated_cores(m, a, core_of)) > 1;
    }
    assert_true(rt_rtl_set_placement(2, 2, core_of, total));
    spikes += compare(m, 50 + seed % 30, seed, &moved);
    assert_true(rt_rtl_set_placement(0, 0, NULL, 0));
    *(used > 1 ? &several : &one) += 1;
    free(core_of);
    ir_module_destroy(m);
  }
  print_message("200 random networks on the 2 x 2 mesh (%zu on one core, %zu on several, %zu of them placed at random; "
                "%zu plastic projections, %zu of them astro_stdp, %zu with synapses between cores; %zu networks with "
                "%zu astrocytes, %zu nalsm ones replicated on several cores; %zu tripartite, %zu of them with targets "
                "on several cores): %zu spikes, %llu plastic weights moved, identical on interp and rtl\n", one,
                several, mixed, plastic, astro_stdp, crossing, with_astro, astros, replicated, tri, tri_replicated,
                spikes, (unsigned long long)moved);
  assert_true(one >= 10 && several >= 100 && mixed == 50);
  assert_true(spikes > 10000);
  assert_true(plastic >= 150 && crossing >= 50 && moved > 1000);
  assert_true(with_astro >= 100 && astro_stdp >= 50 && replicated >= 30);
  assert_true(tri >= 70 && tri_replicated >= 30);
}

/* What the mesh cores do not run, and placements that do not fit. */
static void test_mesh_rejections(void **state) {
  (void)state;
  ir_module *m = random_network(3, false);
  uint32_t total = 0;
  for (uint32_t p = 0; p < m->npops; p++)
    total += m->pops[p].size;
  uint32_t *core_of = calloc(total, sizeof(uint32_t));
  assert_true(place(m, total, 3, core_of) > 0);
  ir_diag *d = ir_diag_create(NULL);
  rt_options o = {.engine = "rtl", .numerics = IR_NUMERICS_FIXED};
  assert_true(rt_rtl_set_placement(3, 1, core_of, total));
  assert_null(rt_sim_create(m, &o, d));
  assert_non_null(strstr(ir_diag_last(d), "does not fit the mesh model (2 x 2 cores)"));
  assert_true(rt_rtl_set_placement(2, 2, core_of, total - 1));
  assert_null(rt_sim_create(m, &o, d));
  assert_non_null(strstr(ir_diag_last(d), "the placement covers"));
  m->pops[0].model = IR_NEURON_NALSM_LIF; /* nalsm_lif stays on one core (kernel tables are not split) */
  assert_true(rt_rtl_set_placement(2, 2, core_of, total));
  assert_null(rt_sim_create(m, &o, d));
  assert_non_null(strstr(ir_diag_last(d), "population 'p0' (nalsm_lif): the mesh cores run lif neurons only"));
  assert_true(rt_rtl_set_placement(0, 0, NULL, 0));
  ir_diag_destroy(d);
  free(core_of);
  ir_module_destroy(m);
  /* a core over its capacity: 1100 compartments on core 0 of a mesh core holding 1024 */
  ir_module *big = ir_module_create("big");
  big->numerics = IR_NUMERICS_FIXED;
  ir_add_population(big, "n", IR_NEURON_LIF, 1100, LOC);
  uint32_t *zero = calloc(1100, sizeof(uint32_t));
  assert_true(rt_rtl_set_placement(2, 2, zero, 1100));
  d = ir_diag_create(NULL);
  assert_null(rt_sim_create(big, &o, d));
  assert_non_null(strstr(ir_diag_last(d), "core 0 (0,0) of the mesh needs 1100 compartments (neurons and astrocyte "
                                          "replicas) but a mesh core holds 1024"));
  assert_true(rt_rtl_set_placement(0, 0, NULL, 0));
  ir_diag_destroy(d);
  ir_module_destroy(big);
  /* astrocyte replicas count: 1020 neurons and a 6-element astrocyte (home: the only core with neurons) */
  big = ir_module_create("big");
  big->numerics = IR_NUMERICS_FIXED;
  ir_add_population(big, "n", IR_NEURON_LIF, 1020, LOC);
  int32_t as = ir_add_astrocyte(big, "glia", IR_ASTRO_NALSM, LOC);
  big->astros[as].size = 6;
  assert_true(rt_rtl_set_placement(2, 2, zero, 1020));
  d = ir_diag_create(NULL);
  assert_null(rt_sim_create(big, &o, d));
  assert_non_null(strstr(ir_diag_last(d), "core 0 (0,0) of the mesh needs 1026 compartments (neurons and astrocyte "
                                          "replicas) but a mesh core holds 1024"));
  assert_true(rt_rtl_set_placement(0, 0, NULL, 0));
  ir_diag_destroy(d);
  free(zero);
  ir_module_destroy(big);
}

/* The placement a module carries (astro.placement, as `astroc compile --target astro-sim --cores N`
 * writes it) is what the engine runs: the mesh's own rejection proves it was read, and a network placed
 * by be_vl_place runs bit-exact on the mesh. */
static void test_module_placement(void **state) {
  (void)state;
  ir_module *m = random_network(11, false);
  uint32_t total = 0;
  for (uint32_t p = 0; p < m->npops; p++)
    total += m->pops[p].size;
  ir_diag *d = ir_diag_create(NULL);
  size_t npass;
  const ir_pass *passes = pass_pipeline(&npass); /* layout, expand: the module astroc compile writes */
  ir_pipeline_options po = {0};
  assert_true(ir_run_pipeline(m, passes, npass, &po, d));
  uint32_t used = 0;
  assert_true(be_vl_place(m, 3, &used, d));
  assert_true(used >= 2 && used <= 3);
  const ir_attr *a = ir_attr_get(&m->attrs, BE_VL_PLACEMENT_ATTR);
  assert_non_null(a);
  assert_int_equal(strlen(a->u.s), strlen("2x2:") + total);
  assert_int_equal(strncmp(a->u.s, "2x2:", 4), 0);
  size_t spikes = compare(m, 60, 11, NULL); /* interp against the rtl engine on the module's placement */
  assert_true(spikes > 0);
  /* an astrocyte listening to every population (+1) and input (-1), the weights of projection 0 modulated
   * by it: still bit-exact on the module's placement */
  int32_t as = ir_add_astrocyte(m, "glia", IR_ASTRO_NALSM, LOC);
  m->astros[as].size = 1;
  m->astros[as].params[IR_P_NALSM_ASTRO_B_A] = ir_value_const(1.5, IR_DIM_NONE);
  m->astros[as].params[IR_P_NALSM_ASTRO_TAU] = ir_value_const(20, IR_DIM_TIME);
  uint32_t nl = m->npops + m->ninputs;
  ir_astro_listen *l = ir_arena_alloc(m->arena, nl * sizeof(*l));
  assert_non_null(l);
  for (uint32_t k = 0; k < nl; k++)
    l[k] = k < m->npops ? (ir_astro_listen){{IR_NODE_POPULATION, k}, 1, LOC}
                        : (ir_astro_listen){{IR_NODE_INPUT, k - m->npops}, -1, LOC};
  m->astros[as].listen = l;
  m->astros[as].nlisten = nl;
  uint64_t rp = 5;
  t_random_stdp(&m->projs[0], IR_PLAST_STDP, &rp);
  m->projs[0].plasticity = IR_PLAST_ASTRO_STDP;
  m->projs[0].modulator = as;
  uint64_t moved = 0;
  assert_true(compare(m, 60, 11, &moved) > 0 && moved > 0);
  m->pops[0].model = IR_NEURON_NALSM_LIF; /* the mesh says no: the attribute put it there */
  rt_options o = {.engine = "rtl", .numerics = IR_NUMERICS_FIXED};
  assert_null(rt_sim_create(m, &o, d));
  assert_non_null(strstr(ir_diag_last(d), "the mesh cores run lif neurons only"));
  m->pops[0].model = IR_NEURON_LIF;
  assert_true(ir_attr_set_str(m, &m->attrs, BE_VL_PLACEMENT_ATTR, "2x2:01"));
  assert_null(rt_sim_create(m, &o, d));
  assert_non_null(strstr(ir_diag_last(d), "does not describe"));
  assert_true(ir_attr_set_str(m, &m->attrs, BE_VL_PLACEMENT_ATTR, "")); /* "": one core, learning engine */
  rt_sim *sim = rt_sim_create(m, &o, d);
  assert_non_null(sim);
  rt_sim_destroy(sim);
  ir_diag_destroy(d);
  ir_module_destroy(m);
}

int main(int argc, char **argv) {
  if (t_rand_reset(argc, argv, &g_seed)) {
    g_rand_reset = 2;
    if (!rt_rtl_set_options(NULL, 2, g_seed))
      return 3;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_packets_and_hops),
      cmocka_unit_test(test_random_networks),
      cmocka_unit_test(test_mesh_rejections),
      cmocka_unit_test(test_module_placement),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
