/* engine_rtl.c — the rtl engine: runs a module on the Verilator model of the accelerator
 * (rtl/, through the C API of rtl/harness/astro_hw.h): one core, or the 2 x 2 mesh when a placement
 * was set (rt_rtl_set_placement) or the module carries one (attribute astro.placement, written by
 * `astroc compile --target astro-sim --cores N`; backends/verilog/be_verilog_map.h). The image comes from backends/verilog (split over the cores by
 * be_vl_mesh_build); input spikes are computed on the host by an interp simulation of the module's
 * inputs alone (same keys, same RNG, so the same events), then streamed through the host interface
 * every step, to every core that holds synapses of the input. */
#include <stdlib.h>
#include <string.h>

#include "astro_hw.h"
#include "be_verilog.h"
#include "be_verilog_map.h"
#include "engine.h"
#include "host_inputs.h"
#include "engine_rtl.h"
#include "fixed.h"
#include "rng.h"

typedef struct rtl_engine {
  rt_sim *sim;
  const ir_module *m;
  uint64_t step;
  be_vl_image *img;
  be_vl_mesh *mesh; /* several cores: img split over the mesh model; NULL: one core */
  astro_hw *hw;
  rt_host_inputs in; /* input spikes and currents, computed on the host */
  int64_t *inj;     /* [nneur] injected current of the current step */
  uint8_t *forced;  /* [nneur] rt_sim_inject requests for the current step */
  uint32_t *spk;    /* [nneur] compartments that spiked in the current step */
  int32_t *st_u, *st_v, *st_ref; /* [nneur] state read back from the core */
  uint64_t st_step;               /* step of st_*, UINT64_MAX: not read */
  uint64_t step_cycles, syn_events; /* totals over all steps, for debugging */
} rtl_engine;

static struct {
  char *fst;
  int rand_reset;
  uint64_t seed;
  uint32_t mesh_x, mesh_y, ncomp; /* placement (rt_rtl_set_placement) */
  uint32_t *core_of;
} g_opt;

_Bool rt_rtl_set_placement(uint32_t mesh_x, uint32_t mesh_y, const uint32_t *core_of, uint32_t n) {
  free(g_opt.core_of);
  g_opt.core_of = NULL;
  g_opt.ncomp = 0;
  if (!core_of)
    return 1;
  if (!(g_opt.core_of = malloc((n ? n : 1) * sizeof(uint32_t))))
    return 0;
  memcpy(g_opt.core_of, core_of, n * sizeof(uint32_t));
  g_opt.mesh_x = mesh_x;
  g_opt.mesh_y = mesh_y;
  g_opt.ncomp = n;
  return 1;
}

_Bool rt_rtl_set_options(const char *fst_path, int rand_reset, uint64_t seed) {
  free(g_opt.fst);
  g_opt.fst = NULL;
  if (fst_path && !(g_opt.fst = strdup(fst_path)))
    return 0;
  g_opt.rand_reset = rand_reset;
  g_opt.seed = seed;
  return 1;
}

static void rtl_destroy(void *e) {
  rtl_engine *r = e;
  if (!r)
    return;
  astro_hw_destroy(r->hw);
  rt_host_inputs_destroy(&r->in);
  be_vl_image_destroy(r->img);
  be_vl_mesh_destroy(r->mesh);
  free(r->inj);
  free(r->forced);
  free(r->spk);
  free(r->st_u);
  free(r->st_v);
  free(r->st_ref);
  free(r);
}

/* ---------------------------------------------------------------- inputs on the host */

/* ---------------------------------------------------------------- create */

static bool hwc(rtl_engine *r, unsigned core, unsigned op, uint32_t addr, uint64_t data, uint64_t *rd, ir_diag *d) {
  if (astro_hw_cmd_core(r->hw, core, op, addr, data, rd))
    return true;
  ir_error(d, r->m->loc, "internal error: the accelerator model did not answer %s (core %u)", be_vl_op_name(op), core);
  return false;
}

static bool hw(rtl_engine *r, unsigned op, uint32_t addr, uint64_t data, uint64_t *rd, ir_diag *d) {
  return hwc(r, 0, op, addr, data, rd, d);
}

/* Core and local index of compartment c (one core: 0, c). */
static unsigned core_of(const rtl_engine *r, uint32_t c, uint32_t *local) {
  *local = r->mesh ? r->mesh->local_of[c] : c;
  return r->mesh ? r->mesh->core_of[c] : 0;
}

static uint64_t caps_word(const be_vl_caps *c) {
  return c->nw | c->aw << 8 | c->sw << 16 | (uint64_t)c->dw << 24 | (uint64_t)c->qw << 32 |
         (uint64_t)c->acc_w << 40 | (uint64_t)c->pw << 48 | (uint64_t)c->tw << 56;
}

/* The mesh model: identification, then every core's load stream. */
static bool load_mesh(rtl_engine *r, ir_diag *d) {
  uint64_t id = 0, mid = 0, caps = 0;
  if (!hwc(r, 0, BE_VL_OP_RD_REG, BE_VL_REG_ID, 0, &id, d) || !hwc(r, 0, BE_VL_OP_RD_REG, BE_VL_REG_CAPS, 0, &caps, d) ||
      !hwc(r, BE_VL_ALL_CORES, BE_VL_OP_RD_REG, BE_VL_MREG_ID, 0, &mid, d))
    return false;
  uint64_t want_mid = BE_VL_MESH_ID | (uint64_t)ASTRO_HW_MESH_X << 32 | (uint64_t)ASTRO_HW_MESH_Y << 40;
  if (id != BE_VL_CORE_ID || caps != caps_word(&be_vl_mesh_caps) || mid != want_mid) {
    ir_error(d, r->m->loc, "internal error: the mesh model (id %llx, caps %llx, mesh %llx) is not the one "
             "backends/verilog targets", (unsigned long long)id, (unsigned long long)caps, (unsigned long long)mid);
    return false;
  }
  for (size_t k = 0; k < r->mesh->ncmds; k++)
    if (!hwc(r, r->mesh->cmd_core[k], r->mesh->cmds[k].op, r->mesh->cmds[k].addr, r->mesh->cmds[k].data, NULL, d))
      return false;
  return true;
}


/* A placement: core_of[g] = y * mesh_x + x of compartment g (rt_rtl_set_placement or the module's). */
typedef struct rtl_place {
  uint32_t mesh_x, mesh_y, ncomp;
  const uint32_t *core_of;
} rtl_place;

/* Splits r->img over the mesh model by the placement, renumbered to the model's 2 x 2 cores. */
static bool build_mesh(rtl_engine *r, const rtl_place *p, ir_diag *d) {
  if (p->mesh_x == 0 || p->mesh_y == 0 || p->mesh_x > ASTRO_HW_MESH_X || p->mesh_y > ASTRO_HW_MESH_Y) {
    ir_error(d, r->m->loc, "a placement on %u x %u cores does not fit the mesh model (%u x %u cores)", p->mesh_x,
             p->mesh_y, ASTRO_HW_MESH_X, ASTRO_HW_MESH_Y);
    return false;
  }
  if (p->ncomp != r->img->nneur) {
    ir_error(d, r->m->loc, "the placement covers %u compartments, the network has %u", p->ncomp, r->img->nneur);
    return false;
  }
  uint32_t *core = malloc((p->ncomp + 1) * sizeof(uint32_t));
  if (!core)
    return false;
  for (uint32_t g = 0; g < p->ncomp; g++) {
    uint32_t c = p->core_of[g], x = c % p->mesh_x, y = c / p->mesh_x;
    core[g] = y < p->mesh_y ? y * ASTRO_HW_MESH_X + x : UINT32_MAX; /* out of range: be_vl_mesh_build says so */
  }
  be_vl_placement pl = {.mesh_x = ASTRO_HW_MESH_X, .mesh_y = ASTRO_HW_MESH_Y, .ncomp = p->ncomp, .core_of = core};
  r->mesh = be_vl_mesh_build(r->img, &pl, &be_vl_mesh_caps, r->m->loc, d);
  free(core);
  return r->mesh != NULL;
}

static bool load_image(rtl_engine *r, ir_diag *d) {
  if (r->mesh)
    return load_mesh(r, d);
  uint64_t id = 0, caps = 0;
  if (!hw(r, BE_VL_OP_RD_REG, BE_VL_REG_ID, 0, &id, d) || !hw(r, BE_VL_OP_RD_REG, BE_VL_REG_CAPS, 0, &caps, d))
    return false;
  if (id != BE_VL_CORE_ID || caps != caps_word(&be_vl_sim_caps)) {
    ir_error(d, r->m->loc, "internal error: the accelerator model (id %llx, caps %llx) is not the one "
             "backends/verilog targets", (unsigned long long)id, (unsigned long long)caps);
    return false;
  }
  for (size_t k = 0; k < r->img->ncmds; k++)
    if (!hw(r, r->img->cmds[k].op, r->img->cmds[k].addr, r->img->cmds[k].data, NULL, d))
      return false;
  return true;
}

/* The placement of rt_rtl_set_placement, else the one a module compiled by `astroc compile --target
 * astro-sim` for several cores carries (BE_VL_PLACEMENT_ATTR; *owned receives its array, to free).
 * p->core_of NULL: one core. false after reporting a malformed attribute. */
static bool find_placement(const ir_module *m, rtl_place *p, uint32_t **owned, ir_diag *d) {
  *owned = NULL;
  *p = (rtl_place){.mesh_x = g_opt.mesh_x, .mesh_y = g_opt.mesh_y, .ncomp = g_opt.ncomp, .core_of = g_opt.core_of};
  if (g_opt.core_of)
    return true;
  uint32_t n = 0;
  for (uint32_t q = 0; q < m->npops; q++)
    n += m->pops[q].size;
  bool bad;
  if (!be_vl_placement_get(m, n, &p->mesh_x, &p->mesh_y, owned, &bad, d))
    return !bad;
  p->ncomp = n;
  p->core_of = *owned;
  return true;
}

static void *rtl_create(rt_sim *sim, const ir_module *m, ir_numerics numerics, uint64_t seed, const rt_options *opt,
                        ir_diag *d) {
  if (numerics != IR_NUMERICS_FIXED) {
    ir_error(d, m->loc, "the rtl engine runs fixed numerics only (use --numerics fixed or network.numerics: fixed)");
    return NULL;
  }
  unsigned before = ir_diag_error_count(d);
  rtl_engine *r = calloc(1, sizeof(*r));
  if (!r)
    goto oom;
  r->sim = sim;
  r->m = m;
  r->st_step = UINT64_MAX;
  rtl_place pl;
  uint32_t *owned;
  if (!find_placement(m, &pl, &owned, d))
    goto fail;
  bool mesh = pl.core_of != NULL;
  bool placed = (!mesh || be_vl_mesh_supported(m, d)) &&
                (r->img = be_vl_build(m, seed, mesh ? &be_vl_one_for_mesh : &be_vl_sim_caps, d)) != NULL &&
                (!mesh || build_mesh(r, &pl, d));
  free(owned);
  if (!placed)
    goto fail;
  uint32_t n = r->img->nneur ? r->img->nneur : 1;
  r->inj = calloc(n, sizeof(*r->inj));
  r->forced = calloc(n, 1);
  r->spk = calloc(n, sizeof(*r->spk));
  r->st_u = calloc(n, sizeof(int32_t));
  r->st_v = calloc(n, sizeof(int32_t));
  r->st_ref = calloc(n, sizeof(int32_t));
  if (!r->inj || !r->forced || !r->spk || !r->st_u || !r->st_v || !r->st_ref)
    goto oom;
  if (!rt_host_inputs_create(&r->in, m, seed, opt, d))
    goto fail;
  astro_hw_options ho = {.fst_path = g_opt.fst, .rand_reset = g_opt.rand_reset, .rand_seed = g_opt.seed, .mesh = mesh};
  if (!(r->hw = astro_hw_create(&ho))) {
    ir_error(d, m->loc, "cannot create the accelerator model%s%s", g_opt.fst ? " or write the trace " : "",
             g_opt.fst ? g_opt.fst : "");
    goto fail;
  }
  if (!load_image(r, d))
    goto fail;
  return r;
oom:
  ir_error(d, m->loc, "out of memory creating the rtl simulation");
fail:
  if (ir_diag_error_count(d) == before)
    ir_error(d, m->loc, "out of memory creating the rtl simulation");
  rtl_destroy(r);
  return NULL;
}

/* ---------------------------------------------------------------- the step */

/* Host side of phase 1: input events, their injected currents and forced spikes go to the core. */
static bool stream_inputs(rtl_engine *r, ir_diag *d) {
  const ir_module *m = r->m;
  for (uint32_t k = 0; k < m->ninputs; k++) {
    int32_t p = m->inputs[k].inject_into;
    if (r->in.cur[k] && p >= 0)
      for (uint32_t q = 0; q < r->in.n[k]; q++) {
        uint32_t i = r->in.idx[k][q];
        r->inj[r->img->pop_base[p] + i] += r->in.cur[k][i];
      }
  }
  for (uint32_t c = 0; c < r->img->nneur; c++) {
    if (!r->forced[c] && !r->inj[c])
      continue;
    if (r->inj[c] > INT32_MAX || r->inj[c] < INT32_MIN) {
      ir_error(d, m->loc, "the injected current of compartment %u at step %llu exceeds the accelerator's 32-bit "
               "injection word", c, (unsigned long long)r->step);
      return false;
    }
    uint32_t l;
    unsigned core = core_of(r, c, &l);
    if (!hwc(r, core, BE_VL_OP_WR_EXT, l, be_vl_pack_ext(r->forced[c], r->inj[c]), NULL, d))
      return false;
    r->forced[c] = 0;
    r->inj[c] = 0;
  }
  for (uint32_t k = 0; k < m->ninputs; k++)
    for (uint32_t q = 0; q < r->in.n[k]; q++) {
      uint32_t a = r->img->input_base[k] + r->in.idx[k][q];
      if (!r->mesh) {
        if (!hw(r, BE_VL_OP_IN_SPIKE, 0, a, NULL, d))
          return false;
        continue;
      }
      for (uint32_t c = 0; c < r->mesh->ncores; c++) /* every core that holds synapses of the input */
        if ((r->mesh->fanout_cores[a] >> c & 1) && !hwc(r, c, BE_VL_OP_IN_SPIKE, 0, a, NULL, d))
          return false;
    }
  return true;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* The step's spikes as compartment ids, ascending: one core's list, or every mesh core's, merged. */
static bool read_spikes(rtl_engine *r, uint64_t *nspk, ir_diag *d) {
  unsigned ncores = r->mesh ? r->mesh->ncores : 1;
  *nspk = 0;
  for (unsigned c = 0; c < ncores; c++) {
    uint64_t n = 0;
    if (!hwc(r, c, BE_VL_OP_RD_REG, BE_VL_REG_NSPK, 0, &n, d))
      return false;
    for (uint32_t q = 0; q < n; q++) {
      uint64_t l = 0;
      if (!hwc(r, c, BE_VL_OP_RD_SPIKE, q, 0, &l, d))
        return false;
      if (*nspk >= r->img->nneur || (r->mesh && l >= r->mesh->nlocal[c])) {
        ir_error(d, r->m->loc, "internal error: the accelerator reported an invalid spike");
        return false;
      }
      r->spk[(*nspk)++] = r->mesh ? r->mesh->global_of[c][l] : (uint32_t)l;
    }
  }
  if (r->mesh)
    qsort(r->spk, *nspk, sizeof(*r->spk), cmp_u32);
  return true;
}

/* Cycles of the step (the slowest core) and synaptic events (all cores). */
static bool read_counts(rtl_engine *r, uint64_t *cyc, uint64_t *ev, ir_diag *d) {
  unsigned ncores = r->mesh ? r->mesh->ncores : 1;
  *cyc = *ev = 0;
  for (unsigned c = 0; c < ncores; c++) {
    uint64_t y = 0, e = 0;
    if (!hwc(r, c, BE_VL_OP_RD_REG, BE_VL_REG_CYCLES, 0, &y, d) || !hwc(r, c, BE_VL_OP_RD_REG, BE_VL_REG_SYNEV, 0, &e, d))
      return false;
    *cyc = y > *cyc ? y : *cyc;
    *ev += e;
  }
  return true;
}

/* Spikes of the step: compartment ids, ascending, split by population; then the input events. */
static bool report_spikes(rtl_engine *r, uint64_t t, ir_diag *d) {
  const ir_module *m = r->m;
  uint64_t nspk = 0;
  if (!read_spikes(r, &nspk, d))
    return false;
  uint32_t q = 0;
  for (uint32_t p = 0; p < m->npops; p++) {
    uint32_t base = r->img->pop_base[p], end = base + m->pops[p].size, first = q;
    while (q < nspk && r->spk[q] < end)
      r->spk[q++] -= base;
    if (q > first)
      rt_sim_emit_spikes(r->sim, t, (ir_ref){IR_NODE_POPULATION, p}, r->spk + first, q - first);
  }
  for (uint32_t k = 0; k < m->ninputs; k++)
    if (r->in.n[k])
      rt_sim_emit_spikes(r->sim, t, (ir_ref){IR_NODE_INPUT, k}, r->in.idx[k], r->in.n[k]);
  return true;
}

static bool rtl_run(void *e, uint64_t nsteps, ir_diag *d) {
  rtl_engine *r = e;
  for (uint64_t k = 0; k < nsteps; k++) {
    uint64_t t = r->step, cyc = 0, ev = 0;
    unsigned all = r->mesh ? BE_VL_ALL_CORES : 0;
    if (!rt_host_inputs_step(&r->in, d) || !stream_inputs(r, d) || !hwc(r, all, BE_VL_OP_STEP, 0, 0, NULL, d) ||
        !read_counts(r, &cyc, &ev, d))
      return false;
    r->step_cycles += cyc;
    r->syn_events += ev;
    if (!report_spikes(r, t, d))
      return false;
    r->step = t + 1;
    rt_sim_emit_step(r->sim, t);
  }
  return true;
}

static uint64_t rtl_steps(const void *e) { return ((const rtl_engine *)e)->step; }

static bool rtl_inject(void *e, ir_ref source, uint32_t idx) {
  rtl_engine *r = e;
  if (source.kind == IR_NODE_INPUT)
    return rt_host_inputs_inject(&r->in, source, idx);
  if (source.kind != IR_NODE_POPULATION || source.index >= r->m->npops || idx >= r->m->pops[source.index].size)
    return false;
  r->forced[r->img->pop_base[source.index] + idx] = 1;
  return true;
}

/* ---------------------------------------------------------------- state */

static const char *const pop_vars[] = {"v", "u", "ref", "a"}; /* a: amsu only */
static const char *const nalsm_vars[] = {"v", "ref"}; /* nalsm_lif has no u */
static const char *const astro_vars[] = {"a"};
static const char *const tri_vars[] = {"ca", "g"}; /* tripartite: STATE ca, AST g (rtl/astro_tri.v) */
static const char *const plast_vars[] = {"w", "x_pre", "x_post"};

static const char *const *rtl_state_vars(const void *e, ir_ref node, size_t *n) {
  const rtl_engine *r = e;
  *n = 0;
  if (node.kind == IR_NODE_POPULATION && node.index < r->m->npops) {
    ir_neuron_model model = r->m->pops[node.index].model;
    bool nl = model == IR_NEURON_NALSM_LIF;
    *n = nl ? 2 : model == IR_NEURON_AMSU ? 4 : 3;
    return nl ? nalsm_vars : pop_vars;
  }
  if (node.kind == IR_NODE_ASTROCYTE && node.index < r->m->nastros) {
    bool tri = r->m->astros[node.index].model == IR_ASTRO_TRIPARTITE;
    *n = tri ? 2 : 1;
    return tri ? tri_vars : astro_vars;
  }
  if (node.kind == IR_NODE_PROJECTION && node.index < r->m->nprojs) {
    *n = r->img->plast_id[node.index] >= 0 ? 3 : 1;
    return plast_vars;
  }
  return NULL;
}

static int var_index(const rtl_engine *r, ir_ref node, const char *var) {
  size_t n = 0;
  const char *const *names = rtl_state_vars(r, node, &n);
  for (size_t k = 0; k < n; k++)
    if (strcmp(var, names[k]) == 0)
      return (int)k;
  return -1;
}

static uint64_t var_size(const rtl_engine *r, ir_ref node, int k) {
  const ir_module *m = r->m;
  if (node.kind == IR_NODE_POPULATION)
    return m->pops[node.index].size;
  if (node.kind == IR_NODE_ASTROCYTE)
    return m->astros[node.index].size;
  const ir_csr *c = m->projs[node.index].csr;
  return k == 0 ? c->nsyn : k == 1 ? c->npre : c->npost;
}

static bool rtl_state_size(const void *e, ir_ref node, const char *var, uint64_t *n) {
  const rtl_engine *r = e;
  int k = var_index(r, node, var);
  if (k < 0)
    return false;
  *n = var_size(r, node, k);
  return true;
}

/* Reads every neuron compartment's state word once per step (RD_STATE). */
static bool read_all(rtl_engine *r) {
  if (r->st_step == r->step)
    return true;
  for (uint32_t c = 0; c < r->img->nneur; c++) {
    uint64_t w = 0;
    uint32_t l;
    unsigned core = core_of(r, c, &l);
    if (!astro_hw_cmd_core(r->hw, core, BE_VL_OP_RD_STATE, l, 0, &w))
      return false;
    r->st_u[c] = BE_VL_STATE_U(w);
    r->st_v[c] = BE_VL_STATE_V(w);
    r->st_ref[c] = BE_VL_STATE_REF(w);
  }
  r->st_step = r->step;
  return true;
}

/* Where the mesh keeps trace i of plastic projection p (be_vl_mesh): x_post on the post compartment's
 * core; x_pre on the pre compartment's own core (it stamps every local spike), or for an input on the
 * lowest core the host sends it to. Returns the TRACE address, sets *core. */
static uint32_t mesh_trace(const be_vl_mesh *mi, int32_t p, bool pre, uint32_t i, uint32_t *core) {
  if (pre) {
    uint32_t a = mi->pre_one[p] + i, na = a, c = 0;
    if (a < mi->ncomp) {
      c = mi->core_of[a];
      na = mi->axbase[c] + mi->local_of[a];
    } else
      while (c + 1 < mi->ncores && !(mi->fanout_cores[a] >> c & 1))
        c++;
    size_t k = (size_t)c * mi->nplast + (uint32_t)p;
    *core = c;
    return mi->xpre_at[k] + (na - mi->pre_lo[k]);
  }
  uint32_t g = mi->post_one[p] + i, c = mi->core_of[g];
  size_t k = (size_t)c * mi->nplast + (uint32_t)p;
  *core = c;
  return mi->xpost_at[k] + (mi->local_of[g] - mi->post_lo[k]);
}

/* One state word of astrocyte compartment q on core c: STATE (A, tripartite ca) or, with g, AST. */
static bool read_astro(rtl_engine *r, unsigned c, uint32_t local, bool g, uint64_t *w) {
  return astro_hw_cmd_core(r->hw, c, g ? BE_VL_OP_RD_MEM : BE_VL_OP_RD_STATE, g ? BE_VL_MEM(BE_VL_SP_AST, local) : local,
                           0, w);
}

/* A (or tripartite ca, or with g its g) of mesh astrocyte compartment q from its home replica; every
 * other replica must hold the same value (they integrate the same listened spikes), else the read fails. */
static bool read_replicas(rtl_engine *r, uint32_t q, bool g, double *a) {
  const be_vl_mesh *mi = r->mesh;
  uint64_t home = 0, w = 0;
  if (!read_astro(r, mi->astro_home[q], mi->astro_local[(size_t)mi->astro_home[q] * mi->nastro + q], g, &home))
    return false;
  for (uint32_t c = 0; c < mi->ncores; c++)
    if ((mi->astro_cores[q] >> c & 1) &&
        (!read_astro(r, c, mi->astro_local[(size_t)c * mi->nastro + q], g, &w) ||
         BE_VL_STATE_A(w) != BE_VL_STATE_A(home)))
      return false;
  *a = BE_VL_STATE_A(home);
  return true;
}

/* Astrocyte A or tripartite ca (STATE of its compartments) and g (AST), weights (SYN words) and traces
 * (TRACE) of a projection. */
static bool read_other(rtl_engine *r, ir_ref node, int k, double *out) {
  const be_vl_image *img = r->img;
  uint64_t n = var_size(r, node, k), w = 0;
  for (uint64_t i = 0; i < n; i++) {
    if (node.kind == IR_NODE_ASTROCYTE) {
      uint32_t q = img->astro_base[node.index] + (uint32_t)i;
      bool g = r->m->astros[node.index].model == IR_ASTRO_TRIPARTITE && k == 1;
      if (r->mesh) {
        if (!read_replicas(r, q - img->nneur, g, &out[i]))
          return false;
        continue;
      }
      if (!read_astro(r, 0, q, g, &w))
        return false;
      out[i] = BE_VL_STATE_A(w);
    } else if (k == 0) {
      uint32_t a = img->syn_addr[node.index][i], core = 0;
      if (r->mesh) { /* where the mesh split put the synapse */
        core = (uint32_t)(r->mesh->syn_loc[a] >> 32);
        a = (uint32_t)r->mesh->syn_loc[a];
      }
      if (!astro_hw_cmd_core(r->hw, core, BE_VL_OP_RD_MEM, BE_VL_MEM(BE_VL_SP_SYN, a), 0, &w))
        return false;
      out[i] = BE_VL_SYN_W16(w, r->mesh ? r->mesh->caps.nw : img->caps.nw);
    } else {
      uint32_t core = 0, a = r->mesh ? mesh_trace(r->mesh, img->plast_id[node.index], k == 1, (uint32_t)i, &core)
                                     : (k == 1 ? img->xpre_base[node.index] : img->xpost_base[node.index]) + (uint32_t)i;
      if (!astro_hw_cmd_core(r->hw, core, BE_VL_OP_RD_MEM, BE_VL_MEM(BE_VL_SP_TRACE, a), 0, &w))
        return false;
      out[i] = (int32_t)(uint32_t)w;
    }
  }
  return true;
}

static bool rtl_read_state(const void *e, ir_ref node, const char *var, double *out) {
  rtl_engine *r = (rtl_engine *)e; /* reading advances the model's clock, not its state */
  int k = var_index(r, node, var);
  if (k < 0)
    return false;
  if (node.kind != IR_NODE_POPULATION)
    return read_other(r, node, k, out);
  uint32_t base = r->img->pop_base[node.index];
  if (strcmp(var, "a") == 0) { /* amsu: the AST memory of rtl/astro_amsu.v (one core only) */
    uint64_t w = 0;
    for (uint32_t i = 0; i < r->m->pops[node.index].size; i++) {
      if (!astro_hw_cmd(r->hw, BE_VL_OP_RD_MEM, BE_VL_MEM(BE_VL_SP_AST, base + i), 0, &w))
        return false;
      out[i] = (int32_t)(uint32_t)w;
    }
    return true;
  }
  if (!read_all(r))
    return false;
  const int32_t *src = strcmp(var, "v") == 0 ? r->st_v : strcmp(var, "u") == 0 ? r->st_u : r->st_ref;
  for (uint32_t i = 0; i < r->m->pops[node.index].size; i++)
    out[i] = src[base + i];
  return true;
}

static bool rtl_save(const void *e, FILE *f, ir_diag *d) {
  const rtl_engine *r = e;
  (void)f;
  ir_error(d, r->m->loc, "checkpoints are not supported by the rtl engine yet");
  return false;
}

static bool rtl_restore(void *e, FILE *f, ir_diag *d) { return rtl_save(e, f, d); }

const rt_engine_ops rt_engine_rtl = {
    .name = "rtl",
    .create = rtl_create,
    .run = rtl_run,
    .steps = rtl_steps,
    .inject = rtl_inject,
    .state_vars = rtl_state_vars,
    .state_size = rtl_state_size,
    .read_state = rtl_read_state,
    .save = rtl_save,
    .restore = rtl_restore,
    .destroy = rtl_destroy,
};
