/* engine_rtl.c — the rtl engine: runs a module on the Verilator model of the accelerator
 * (rtl/, through the C API of rtl/harness/astro_hw.h). The image comes from backends/verilog; input
 * spikes are computed on the host by an interp simulation of the module's inputs alone (same keys,
 * same RNG, so the same events), then streamed through the host interface every step. */
#include <stdlib.h>
#include <string.h>

#include "astro_hw.h"
#include "be_verilog.h"
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
} g_opt;

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

static bool hw(rtl_engine *r, unsigned op, uint32_t addr, uint64_t data, uint64_t *rd, ir_diag *d) {
  if (astro_hw_cmd(r->hw, op, addr, data, rd))
    return true;
  ir_error(d, r->m->loc, "internal error: the accelerator model did not answer %s", be_vl_op_name(op));
  return false;
}

static bool load_image(rtl_engine *r, ir_diag *d) {
  uint64_t id = 0, caps = 0;
  if (!hw(r, BE_VL_OP_RD_REG, BE_VL_REG_ID, 0, &id, d) || !hw(r, BE_VL_OP_RD_REG, BE_VL_REG_CAPS, 0, &caps, d))
    return false;
  const be_vl_caps *c = &be_vl_sim_caps;
  uint64_t want = c->nw | c->aw << 8 | c->sw << 16 | (uint64_t)c->dw << 24 | (uint64_t)c->qw << 32 |
                  (uint64_t)c->acc_w << 40 | (uint64_t)c->pw << 48 | (uint64_t)c->tw << 56;
  if (id != BE_VL_CORE_ID || caps != want) {
    ir_error(d, r->m->loc, "internal error: the accelerator model (id %llx, caps %llx) is not the one "
             "backends/verilog targets", (unsigned long long)id, (unsigned long long)caps);
    return false;
  }
  for (size_t k = 0; k < r->img->ncmds; k++)
    if (!hw(r, r->img->cmds[k].op, r->img->cmds[k].addr, r->img->cmds[k].data, NULL, d))
      return false;
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
  if (!(r->img = be_vl_build(m, seed, &be_vl_sim_caps, d)))
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
  astro_hw_options ho = {.fst_path = g_opt.fst, .rand_reset = g_opt.rand_reset, .rand_seed = g_opt.seed};
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
    if (!hw(r, BE_VL_OP_WR_EXT, c, be_vl_pack_ext(r->forced[c], r->inj[c]), NULL, d))
      return false;
    r->forced[c] = 0;
    r->inj[c] = 0;
  }
  for (uint32_t k = 0; k < m->ninputs; k++)
    for (uint32_t q = 0; q < r->in.n[k]; q++)
      if (!hw(r, BE_VL_OP_IN_SPIKE, 0, r->img->input_base[k] + r->in.idx[k][q], NULL, d))
        return false;
  return true;
}

/* Spikes of the step: compartment ids, ascending, split by population; then the input events. */
static bool report_spikes(rtl_engine *r, uint64_t t, ir_diag *d) {
  const ir_module *m = r->m;
  uint64_t nspk = 0;
  if (!hw(r, BE_VL_OP_RD_REG, BE_VL_REG_NSPK, 0, &nspk, d))
    return false;
  for (uint32_t q = 0; q < nspk; q++) {
    uint64_t c = 0;
    if (!hw(r, BE_VL_OP_RD_SPIKE, q, 0, &c, d))
      return false;
    r->spk[q] = (uint32_t)c;
  }
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
    if (!rt_host_inputs_step(&r->in, d) || !stream_inputs(r, d) || !hw(r, BE_VL_OP_STEP, 0, 0, NULL, d) ||
        !hw(r, BE_VL_OP_RD_REG, BE_VL_REG_CYCLES, 0, &cyc, d) || !hw(r, BE_VL_OP_RD_REG, BE_VL_REG_SYNEV, 0, &ev, d))
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

static const char *const pop_vars[] = {"v", "u", "ref"};
static const char *const nalsm_vars[] = {"v", "ref"}; /* nalsm_lif has no u */
static const char *const astro_vars[] = {"a"};
static const char *const plast_vars[] = {"w", "x_pre", "x_post"};

static const char *const *rtl_state_vars(const void *e, ir_ref node, size_t *n) {
  const rtl_engine *r = e;
  *n = 0;
  if (node.kind == IR_NODE_POPULATION && node.index < r->m->npops) {
    bool nl = r->m->pops[node.index].model == IR_NEURON_NALSM_LIF;
    *n = nl ? 2 : 3;
    return nl ? nalsm_vars : pop_vars;
  }
  if (node.kind == IR_NODE_ASTROCYTE && node.index < r->m->nastros) {
    *n = 1;
    return astro_vars;
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
    if (!astro_hw_cmd(r->hw, BE_VL_OP_RD_STATE, c, 0, &w))
      return false;
    r->st_u[c] = BE_VL_STATE_U(w);
    r->st_v[c] = BE_VL_STATE_V(w);
    r->st_ref[c] = BE_VL_STATE_REF(w);
  }
  r->st_step = r->step;
  return true;
}

/* Astrocyte A (STATE of its compartments), weights (SYN words) and traces (TRACE) of a projection. */
static bool read_other(rtl_engine *r, ir_ref node, int k, double *out) {
  const be_vl_image *img = r->img;
  uint64_t n = var_size(r, node, k), w = 0;
  for (uint64_t i = 0; i < n; i++) {
    if (node.kind == IR_NODE_ASTROCYTE) {
      if (!astro_hw_cmd(r->hw, BE_VL_OP_RD_STATE, img->astro_base[node.index] + (uint32_t)i, 0, &w))
        return false;
      out[i] = BE_VL_STATE_A(w);
    } else if (k == 0) {
      if (!astro_hw_cmd(r->hw, BE_VL_OP_RD_MEM, BE_VL_MEM(BE_VL_SP_SYN, img->syn_addr[node.index][i]), 0, &w))
        return false;
      out[i] = BE_VL_SYN_W16(w, img->caps.nw);
    } else {
      uint32_t base = k == 1 ? img->xpre_base[node.index] : img->xpost_base[node.index];
      if (!astro_hw_cmd(r->hw, BE_VL_OP_RD_MEM, BE_VL_MEM(BE_VL_SP_TRACE, base + (uint32_t)i), 0, &w))
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
  if (!read_all(r))
    return false;
  const int32_t *src = strcmp(var, "v") == 0 ? r->st_v : strcmp(var, "u") == 0 ? r->st_u : r->st_ref;
  uint32_t base = r->img->pop_base[node.index];
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
