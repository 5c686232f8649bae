/* be_verilog.c — builds the accelerator image of an expanded module: compartment parameters and
 * initial state, fan-out lists (axon table + synapse words) and configuration registers, as the host
 * command stream that loads them (docs/accelerator.md). */
#include <stdlib.h>
#include <string.h>

#include "be_verilog.h"
#include "fixed.h"
#include "passes.h"
#include "rng.h"

const be_vl_caps be_vl_sim_caps = {.nw = 12, .aw = 13, .sw = 18, .dw = 6, .qw = 13, .acc_w = 40};

#define BE_VL_X_NAME(N, V) [V] = #N,
static const char *const op_names[] = {BE_VL_OPS(BE_VL_X_NAME)};
#undef BE_VL_X_NAME

const char *be_vl_op_name(unsigned op) { return op < BE_VL_OP_COUNT ? op_names[op] : "?"; }

uint64_t be_vl_pack_state(int32_t u, int32_t v, int32_t ref) {
  return ((uint64_t)(uint32_t)u & 0xffffffu) | ((uint64_t)(uint32_t)v & 0xffffffu) << 24 |
         ((uint64_t)(uint32_t)ref & 0x3fu) << 48;
}

uint64_t be_vl_pack_ext(bool forced, int64_t inj) {
  return ((uint64_t)inj & 0xffffffffu) | (uint64_t)forced << BE_VL_INJ_W;
}

/* du 12 | dv 12 | vth 17 | bias_mant 13 | bias_exp 3 | nref 6 */
static uint64_t pack_param(const ir_fx_lif *q) {
  return (uint64_t)q->du | (uint64_t)q->dv << 12 | (uint64_t)q->vth_mant << 24 |
         ((uint64_t)(uint32_t)q->bias_mant & 0x1fffu) << 41 | (uint64_t)q->bias_exp << 54 |
         (uint64_t)q->refractory << 57;
}

static bool emit(be_vl_image *img, unsigned op, uint32_t addr, uint64_t data) {
  if (img->ncmds == img->capcmds) {
    size_t cap = img->capcmds ? 2 * img->capcmds : 1024;
    be_vl_cmd *v = realloc(img->cmds, cap * sizeof(*v));
    if (!v)
      return false;
    img->cmds = v;
    img->capcmds = cap;
  }
  img->cmds[img->ncmds++] = (be_vl_cmd){(uint8_t)op, addr, data};
  return true;
}

void be_vl_image_destroy(be_vl_image *img) {
  if (!img)
    return;
  free(img->pop_base);
  free(img->input_base);
  free(img->cmds);
  free(img);
}

static unsigned bits_for(uint64_t n) { /* smallest b with 2^b >= n, at least 1 */
  unsigned b = 1;
  while (b < 63 && (UINT64_C(1) << b) < n)
    b++;
  return b;
}

/* Everything the accelerator cannot run is reported here, so the build below only sees lif networks. */
static bool check_supported(const ir_module *m, ir_diag *d) {
  unsigned before = ir_diag_error_count(d);
  if (!(m->dt > 0))
    ir_error(d, m->loc, "the time step dt must be positive");
  if (!(m->v_unit > 0))
    ir_error(d, m->loc, "v_unit must be positive in fixed numerics");
  for (uint32_t p = 0; p < m->npops; p++)
    if (m->pops[p].model != IR_NEURON_LIF)
      ir_error(d, m->pops[p].loc,
               "neuron model '%s' of population '%s' is not supported by the verilog accelerator yet "
               "(supported: lif)",
               ir_neuron_model_desc(m->pops[p].model)->name, m->pops[p].name);
  for (uint32_t a = 0; a < m->nastros; a++)
    ir_error(d, m->astros[a].loc, "astrocyte population '%s' is not supported by the verilog accelerator yet",
             m->astros[a].name);
  for (uint32_t k = 0; k < m->nprojs; k++) {
    const ir_projection *ip = &m->projs[k];
    if (ip->plasticity != IR_PLAST_NONE)
      ir_error(d, ip->loc, "plastic projection '%s' (%s) is not supported by the verilog accelerator yet", ip->name,
               ir_plasticity_desc(ip->plasticity)->name);
    if (!ip->csr)
      ir_error(d, ip->loc, "projection '%s' is not expanded (run the layout and expand passes first)", ip->name);
    else if (ip->post.kind != IR_NODE_POPULATION || ip->post.index >= m->npops ||
             (ip->pre.kind != IR_NODE_POPULATION && ip->pre.kind != IR_NODE_INPUT))
      ir_error(d, ip->loc, "projection '%s' has an invalid pre or post node", ip->name);
    else if (ip->csr->npre != ir_node_size(m, ip->pre) || ip->csr->npost != ir_node_size(m, ip->post))
      ir_error(d, ip->loc, "projection '%s': its connectivity does not match the sizes of pre and post", ip->name);
  }
  return ir_diag_error_count(d) == before;
}

static bool fits(ir_diag *d, ir_loc loc, const char *what, uint64_t n, unsigned bits) {
  if (n <= (UINT64_C(1) << bits))
    return true;
  ir_error(d, loc, "the network needs %llu %s but the accelerator core holds %llu", (unsigned long long)n, what,
           (unsigned long long)(UINT64_C(1) << bits));
  return false;
}

/* Compartments: parameters drawn as the interpreter draws them, derived with ir_fx_lif_derive. */
static bool load_compartments(be_vl_image *img, const ir_module *m, uint64_t seed, ir_diag *d) {
  const ir_model_desc *desc = ir_neuron_model_desc(IR_NEURON_LIF);
  for (uint32_t p = 0; p < m->npops; p++) {
    const ir_population *ip = &m->pops[p];
    uint64_t stream = RNG_STREAM(RNG_KIND_NEURON_PARAM, p);
    for (uint32_t i = 0; i < ip->size; i++) {
      double prm[IR_MAX_PARAMS];
      for (uint32_t k = 0; k < desc->nparams; k++)
        prm[k] = pass_sample_value(&ip->params[k], seed, stream, k, i);
      ir_fx_lif q;
      const char *why = NULL;
      if (!ir_fx_lif_derive(prm, m->dt, m->v_unit, &q, &why)) {
        ir_error(d, ip->loc, "population '%s' (neuron %u): %s", ip->name, i, why);
        return false;
      }
      uint32_t c = img->pop_base[p] + i;
      if (!emit(img, BE_VL_OP_WR_PARAM, c, pack_param(&q)) ||
          !emit(img, BE_VL_OP_WR_STATE, c, be_vl_pack_state(q.u_init, q.v_init, 0)))
        return false;
    }
  }
  return true;
}

static uint32_t axon_of(const be_vl_image *img, ir_ref src, uint32_t i) {
  return src.kind == IR_NODE_POPULATION ? img->pop_base[src.index] + i : img->input_base[src.index] + i;
}

/* Fan-out lists: synapses grouped by axon (projections in model order, rows in CSR order). A synapse
 * word is target | mantissa << nw | delay << (nw + 8) | (6 + exp) << (nw + 14). */
static bool load_synapses(be_vl_image *img, const ir_module *m, const be_vl_caps *cap, ir_diag *d) {
  uint64_t *start = calloc((size_t)img->naxon + 1, sizeof(uint64_t));
  uint64_t *fill = calloc((size_t)img->naxon + 1, sizeof(uint64_t));
  uint64_t *inbound = calloc((size_t)img->nneur + 1, sizeof(uint64_t)); /* sum |m| << shift per target */
  uint64_t *words = calloc(img->nsyn ? img->nsyn : 1, sizeof(uint64_t));
  bool ok = start && fill && inbound && words;
  for (uint32_t k = 0; ok && k < m->nprojs; k++) {
    const ir_csr *c = m->projs[k].csr;
    for (uint32_t i = 0; i < c->npre; i++)
      start[axon_of(img, m->projs[k].pre, i) + 1] += c->row_ptr[i + 1] - c->row_ptr[i];
  }
  for (uint32_t a = 0; ok && a < img->naxon; a++) {
    start[a + 1] += start[a];
    fill[a] = start[a];
  }
  for (uint32_t k = 0; ok && k < m->nprojs; k++) {
    const ir_projection *ip = &m->projs[k];
    const ir_csr *c = ip->csr;
    int32_t e;
    if (!ir_fx_weight_exp(c->weight, c->nsyn, -INFINITY, INFINITY, m->v_unit, &e)) {
      ir_error(d, ip->loc,
               "weights of projection '%s' exceed 127 * 2^7 * v_unit in fixed numerics; raise network.v_unit",
               ip->name);
      ok = false;
      break;
    }
    uint64_t shift = (uint64_t)(6 + e);
    uint32_t post_base = img->pop_base[ip->post.index];
    for (uint32_t i = 0; i < c->npre; i++) {
      uint32_t a = axon_of(img, ip->pre, i);
      for (uint64_t s = c->row_ptr[i]; s < c->row_ptr[i + 1]; s++) {
        int32_t mant = ir_fx_wmant(ir_fx_weight_w16(c->weight[s], e, m->v_unit));
        uint32_t tgt = post_base + c->col[s];
        inbound[tgt] += (uint64_t)(mant < 0 ? -mant : mant) << shift;
        words[fill[a]++] = (uint64_t)tgt | ((uint64_t)(uint32_t)mant & 0xffu) << cap->nw |
                           (uint64_t)c->delay[s] << (cap->nw + 8) | shift << (cap->nw + 14);
      }
    }
  }
  uint64_t acc_max = (UINT64_C(1) << (cap->acc_w - 1)) - 1;
  for (uint32_t j = 0; ok && j < img->nneur; j++)
    if (inbound[j] > acc_max) {
      ir_error(d, m->loc,
               "compartment %u can receive %llu fine units in one step, beyond the %u-bit dendritic accumulator",
               j, (unsigned long long)inbound[j], cap->acc_w);
      ok = false;
    }
  for (uint32_t a = 0; ok && a < img->naxon; a++)
    ok = emit(img, BE_VL_OP_WR_AXON, a, start[a] | (start[a + 1] - start[a]) << cap->sw);
  for (uint64_t s = 0; ok && s < img->nsyn; s++)
    ok = emit(img, BE_VL_OP_WR_SYN, (uint32_t)s, words[s]);
  free(start);
  free(fill);
  free(inbound);
  free(words);
  return ok;
}

be_vl_image *be_vl_build(const ir_module *m, uint64_t seed, const be_vl_caps *cap, ir_diag *d) {
  if (!cap)
    cap = &be_vl_sim_caps;
  if (!check_supported(m, d))
    return NULL;
  be_vl_image *img = calloc(1, sizeof(*img));
  if (!img)
    goto oom;
  img->pop_base = calloc(m->npops + 1, sizeof(uint32_t));
  img->input_base = calloc(m->ninputs + 1, sizeof(uint32_t));
  if (!img->pop_base || !img->input_base)
    goto oom;
  uint64_t n = 0, nin = 0, maxdelay = 0;
  for (uint32_t p = 0; p < m->npops; p++) {
    img->pop_base[p] = (uint32_t)n;
    n += m->pops[p].size;
  }
  for (uint32_t k = 0; k < m->ninputs; k++) {
    img->input_base[k] = (uint32_t)(n + nin);
    nin += m->inputs[k].size;
  }
  for (uint32_t k = 0; k < m->nprojs; k++) {
    const ir_csr *c = m->projs[k].csr;
    img->nsyn += c->nsyn;
    for (uint64_t s = 0; s < c->nsyn; s++)
      maxdelay = c->delay[s] > maxdelay ? c->delay[s] : maxdelay;
  }
  img->caps = *cap;
  img->need = (be_vl_caps){.nw = bits_for(n), .aw = bits_for(n + nin), .sw = bits_for(img->nsyn),
                           .dw = bits_for(maxdelay + 1), .qw = bits_for(nin), .acc_w = cap->acc_w};
  if (maxdelay > BE_VL_DELAY_MAX) {
    ir_error(d, m->loc, "a synaptic delay of %llu steps exceeds the accelerator's limit of %d steps",
             (unsigned long long)maxdelay, BE_VL_DELAY_MAX);
    goto fail;
  }
  if (!fits(d, m->loc, "compartments", n, cap->nw) || !fits(d, m->loc, "axons", n + nin, cap->aw) ||
      !fits(d, m->loc, "synapses", img->nsyn, cap->sw) || !fits(d, m->loc, "ring slots", maxdelay + 1, cap->dw) ||
      !fits(d, m->loc, "input-queue entries", nin, cap->qw))
    goto fail;
  img->nneur = (uint32_t)n;
  img->naxon = (uint32_t)(n + nin);
  img->nslot = (uint32_t)maxdelay + 1;
  if (!emit(img, BE_VL_OP_WR_REG, BE_VL_REG_NNEUR, img->nneur) ||
      !emit(img, BE_VL_OP_WR_REG, BE_VL_REG_NSLOT, img->nslot) || !emit(img, BE_VL_OP_WR_REG, BE_VL_REG_STEP, 0) ||
      !emit(img, BE_VL_OP_WR_REG, BE_VL_REG_SLOT, 0) || !emit(img, BE_VL_OP_WR_REG, BE_VL_REG_NIN, 0) ||
      !emit(img, BE_VL_OP_CLEAR, 0, 0))
    goto oom;
  unsigned before = ir_diag_error_count(d);
  if (!load_compartments(img, m, seed, d) || !load_synapses(img, m, cap, d)) {
    if (ir_diag_error_count(d) == before)
      goto oom;
    goto fail;
  }
  return img;
oom:
  ir_error(d, m->loc, "out of memory building the accelerator image");
fail:
  be_vl_image_destroy(img);
  return NULL;
}
