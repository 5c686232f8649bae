/* be_verilog.c — builds the accelerator image of an expanded module: compartment parameters and
 * initial state (lif neurons, then nalsm astrocytes), fan-out lists (axon table + synapse words, the
 * plastic synapses of an axon first, astrocyte listen synapses last), the learning engine's tables
 * (plastic projections, transposed index, traces) and configuration registers, as the host command
 * stream that loads them (docs/accelerator.md). */
#include <stdlib.h>
#include <string.h>

#include "be_verilog.h"
#include "fixed.h"
#include "rng.h"

const be_vl_caps be_vl_sim_caps = {.nw = 12, .aw = 13, .sw = 18, .dw = 6, .qw = 13, .acc_w = 40, .pw = 4, .tw = 14};

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
  free(img->astro_base);
  free(img->plast_id);
  free(img->kproj_id);
  free(img->xpre_base);
  free(img->xpost_base);
  if (img->syn_addr)
    for (uint32_t k = 0; k < img->nprojs; k++)
      free(img->syn_addr[k]);
  free(img->syn_addr);
  free(img->cmds);
  free(img);
}

static unsigned bits_for(uint64_t n) { /* smallest b with 2^b >= n, at least 1 */
  unsigned b = 1;
  while (b < 63 && (UINT64_C(1) << b) < n)
    b++;
  return b;
}

/* A plasticity parameter as the interpreter takes it: the table default when unset, else a constant. */
static bool plast_param(const ir_projection *ip, int k, double *out, ir_diag *d) {
  const ir_value *v = &ip->plast_params[k];
  const ir_model_desc *desc = ir_plasticity_desc(ip->plasticity);
  if (v->kind == IR_VAL_UNSET) {
    *out = desc->params[k].def;
    return true;
  }
  if (v->kind != IR_VAL_CONST) {
    ir_error(d, v->loc.line ? v->loc : ip->loc, "projection '%s': plasticity parameter '%s' must be a constant",
             ip->name, desc->params[k].name);
    return false;
  }
  *out = v->a;
  return true;
}

static bool check_astro_stdp(const ir_module *m, const ir_projection *ip, ir_diag *d) {
  if (ip->plasticity != IR_PLAST_ASTRO_STDP)
    return true;
  if (ip->modulator < 0 || (uint32_t)ip->modulator >= m->nastros) {
    ir_error(d, ip->loc, "projection '%s': astro_stdp needs a modulator astrocyte", ip->name);
    return false;
  }
  const ir_astrocyte *a = &m->astros[ip->modulator];
  if (a->model != IR_ASTRO_NALSM || a->size != 1) {
    ir_error(d, ip->loc, "projection '%s': the modulator '%s' must be a single astrocyte (size 1) of a model with a "
             "state that scales a_minus", ip->name, a->name);
    return false;
  }
  return true;
}

/* Everything the accelerator cannot run is reported here, so the build below only sees lif neurons,
 * nalsm astrocytes and stdp / astro_stdp projections (the last two only on a core with LEARN). */
static bool check_supported(const ir_module *m, const be_vl_caps *cap, ir_diag *d) {
  unsigned before = ir_diag_error_count(d);
  if (!(m->dt > 0))
    ir_error(d, m->loc, "the time step dt must be positive");
  if (!(m->v_unit > 0))
    ir_error(d, m->loc, "v_unit must be positive in fixed numerics");
  uint32_t nnl = 0;
  for (uint32_t p = 0; p < m->npops; p++) {
    const ir_population *ip = &m->pops[p];
    if (ip->model == IR_NEURON_NALSM_LIF && cap->pw == 0)
      ir_error(d, ip->loc, "nalsm_lif population '%s' needs a core with the kernel engine (LEARN = 1)", ip->name);
    else if (ip->model == IR_NEURON_NALSM_LIF) {
      if (++nnl > 4)
        ir_error(d, ip->loc, "population '%s': the verilog accelerator holds 4 nalsm_lif kernel tables", ip->name);
      if (ip->params[IR_P_NALSM_LIF_TAU_SYN].kind != IR_VAL_CONST ||
          ip->params[IR_P_NALSM_LIF_KERNEL_CUTOFF].kind != IR_VAL_CONST)
        ir_error(d, ip->loc, "population '%s': tau_syn and kernel_cutoff must be constants, not distributions",
                 ip->name);
    } else if (ip->model == IR_NEURON_AMSU && cap->pw == 0)
      ir_error(d, ip->loc, "amsu population '%s' needs a core with astrocyte compartments (LEARN = 1)", ip->name);
    else if (ip->model != IR_NEURON_LIF && ip->model != IR_NEURON_AMSU)
      ir_error(d, ip->loc,
               "neuron model '%s' of population '%s' is not supported by the verilog accelerator yet "
               "(supported: lif, nalsm_lif, amsu)",
               ir_neuron_model_desc(ip->model)->name, ip->name);
  }
  for (uint32_t a = 0; a < m->nastros; a++) {
    const ir_astrocyte *ia = &m->astros[a];
    if (cap->pw == 0)
      ir_error(d, ia->loc, "astrocyte population '%s' needs a core with astrocyte compartments (LEARN = 1)", ia->name);
    else if (ia->model != IR_ASTRO_NALSM && ia->model != IR_ASTRO_TRIPARTITE)
      ir_error(d, ia->loc, "astrocyte population '%s' (%s) is not supported by the verilog accelerator yet "
               "(supported: nalsm, tripartite)", ia->name, ir_astro_model_desc(ia->model)->name);
    for (uint32_t k = 0; k < ia->nlisten; k++) {
      ir_ref r = ia->listen[k].source;
      if (r.kind == IR_NODE_PROJECTION)
        r = r.index < m->nprojs ? m->projs[r.index].pre : (ir_ref){IR_NODE_ASTROCYTE, 0};
      if (!((r.kind == IR_NODE_POPULATION && r.index < m->npops) || (r.kind == IR_NODE_INPUT && r.index < m->ninputs)))
        ir_error(d, ia->listen[k].loc, "astrocyte population '%s' listens to an invalid node", ia->name);
    }
  }
  if (cap->pw && ir_diag_error_count(d) == before)
    be_vl_tri_check(m, d);
  for (uint32_t k = 0; k < m->nprojs; k++) {
    const ir_projection *ip = &m->projs[k];
    if (ip->plasticity != IR_PLAST_NONE && cap->pw == 0)
      ir_error(d, ip->loc, "plastic projection '%s' (%s) needs a core with the learning engine (LEARN = 1)", ip->name,
               ir_plasticity_desc(ip->plasticity)->name);
    else if (ip->plasticity != IR_PLAST_NONE && ip->plast_params[IR_P_STDP_T_EPOCH].kind == IR_VAL_CONST)
      /* the learning engine implements astroc's exact rule only; running it would silently ignore t_epoch */
      ir_error(d, ip->loc, "plastic projection '%s': t_epoch (Loihi's learning arithmetic) is not supported by the "
               "verilog accelerator (remove t_epoch, or use the loihi target)", ip->name);
    else if (ip->plasticity != IR_PLAST_NONE)
      check_astro_stdp(m, ip, d);
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

/* nalsm_lif: PARAM = leak 12 | vth 20 | v_reset 20 | nref 6 | kind 1 (bit 63), STATE v = v_init. */
static bool nalsm_compartment(be_vl_image *img, const ir_module *m, uint32_t p, uint32_t i, const double *prm,
                              ir_diag *d) {
  const ir_population *ip = &m->pops[p];
  ir_fx_nalsm_lif q;
  const char *why = NULL;
  if (!ir_fx_nalsm_lif_derive(prm, m->dt, m->v_unit, &q, &why)) {
    ir_error(d, ip->loc, "population '%s' (neuron %u): %s", ip->name, i, why);
    return false;
  }
  const int32_t lim = 1 << 19;
  if (q.vth <= -lim || q.vth >= lim || q.v_reset <= -lim || q.v_reset >= lim) {
    ir_error(d, ip->loc, "population '%s': v_th and v_reset must lie within +-2^19 fine units (8192 v_unit) on the "
             "verilog accelerator", ip->name);
    return false;
  }
  uint32_t c = img->pop_base[p] + i;
  uint64_t w = (uint64_t)q.leak | ((uint64_t)(uint32_t)q.vth & 0xfffffu) << 12 |
               ((uint64_t)(uint32_t)q.v_reset & 0xfffffu) << 32 | (uint64_t)q.refractory << 52 | UINT64_C(1) << 63;
  return emit(img, BE_VL_OP_WR_PARAM, c, w) &&
         emit(img, BE_VL_OP_WR_STATE, c, be_vl_pack_state(0, (int32_t)ir_fx_sat24(q.v_init), 0)) &&
         emit(img, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_KACC, c), 0);
}

/* amsu: PARAM, STATE, AP0..AP2 from be_vl_amsu_words, a = 0 (AST). */
static bool amsu_compartment(be_vl_image *img, const ir_module *m, uint32_t p, uint32_t i, const double *prm,
                             ir_diag *d) {
  uint64_t w[5];
  if (!be_vl_amsu_words(m, &m->pops[p], i, prm, w, d))
    return false;
  uint32_t c = img->pop_base[p] + i;
  img->namsu++;
  return emit(img, BE_VL_OP_WR_PARAM, c, w[0]) && emit(img, BE_VL_OP_WR_STATE, c, w[1]) &&
         emit(img, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_AP0, c), w[2]) &&
         emit(img, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_AP1, c), w[3]) &&
         emit(img, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_AP2, c), w[4]) &&
         emit(img, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_AST, c), 0);
}

/* Compartments: parameters drawn as the interpreter draws them, derived with ir_fx_lif_derive,
 * ir_fx_nalsm_lif_derive or be_vl_amsu_words. */
static bool load_neurons(be_vl_image *img, const ir_module *m, uint64_t seed, ir_diag *d) {
  for (uint32_t p = 0; p < m->npops; p++) {
    const ir_population *ip = &m->pops[p];
    const ir_model_desc *desc = ir_neuron_model_desc(ip->model);
    uint64_t stream = RNG_STREAM(RNG_KIND_NEURON_PARAM, p);
    for (uint32_t i = 0; i < ip->size; i++) {
      double prm[IR_MAX_PARAMS];
      for (uint32_t k = 0; k < desc->nparams; k++)
        prm[k] = ir_value_sample(&ip->params[k], seed, stream, k, i);
      if (ip->model == IR_NEURON_NALSM_LIF) {
        if (!nalsm_compartment(img, m, p, i, prm, d))
          return false;
        continue;
      }
      if (ip->model == IR_NEURON_AMSU) {
        if (!amsu_compartment(img, m, p, i, prm, d))
          return false;
        continue;
      }
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

/* tripartite element: PARAM, STATE (ca), AP0..AP2 from be_vl_tri_words, g = 0 (AST). */
static bool tri_compartment(be_vl_image *img, const ir_module *m, uint32_t a, uint32_t i, const double *prm,
                            ir_diag *d) {
  uint64_t w[5];
  if (!be_vl_tri_words(m, &m->astros[a], i, prm, w, d))
    return false;
  uint32_t c = img->astro_base[a] + i;
  img->ntri++;
  return emit(img, BE_VL_OP_WR_PARAM, c, w[0]) && emit(img, BE_VL_OP_WR_STATE, c, w[1]) &&
         emit(img, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_AP0, c), w[2]) &&
         emit(img, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_AP1, c), w[3]) &&
         emit(img, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_AP2, c), w[4]) &&
         emit(img, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_AST, c), 0);
}

/* Astrocyte compartments, drawn with the interpreter's keys (RNG_KIND_ASTRO_PARAM). nalsm: PARAM = w_a
 * 23 | b_a 23 | k 17, STATE = a0 (all Q16), derived by ir_fx_nalsm_astro_derive; tripartite:
 * tri_compartment. */
static bool load_astrocytes(be_vl_image *img, const ir_module *m, uint64_t seed, ir_diag *d) {
  const int32_t lim = 1 << 22;
  for (uint32_t a = 0; a < m->nastros; a++) {
    const ir_astrocyte *ia = &m->astros[a];
    const ir_model_desc *desc = ir_astro_model_desc(ia->model);
    uint64_t stream = RNG_STREAM(RNG_KIND_ASTRO_PARAM, a);
    for (uint32_t i = 0; i < ia->size; i++) {
      double prm[IR_MAX_PARAMS];
      for (uint32_t k = 0; k < desc->nparams; k++)
        prm[k] = ir_value_sample(&ia->params[k], seed, stream, k, i);
      if (ia->model == IR_ASTRO_TRIPARTITE) {
        if (!tri_compartment(img, m, a, i, prm, d))
          return false;
        continue;
      }
      ir_fx_nalsm_astro q;
      const char *why = NULL;
      if (!ir_fx_nalsm_astro_derive(prm, m->dt, &q, &why)) {
        ir_error(d, ia->loc, "astrocyte '%s': %s", ia->name, why);
        return false;
      }
      if (q.w_a <= -lim || q.w_a >= lim || q.b_a <= -lim || q.b_a >= lim) {
        ir_error(d, ia->loc, "astrocyte '%s': w_a and b_a must lie in (-64, 64) on the verilog accelerator "
                 "(23-bit Q16 fields)", ia->name);
        return false;
      }
      uint32_t c = img->astro_base[a] + i;
      uint64_t w = ((uint64_t)(uint32_t)q.w_a & 0x7fffffu) | ((uint64_t)(uint32_t)q.b_a & 0x7fffffu) << 23 |
                   (uint64_t)(uint32_t)q.k << 46;
      if (!emit(img, BE_VL_OP_WR_PARAM, c, w) || !emit(img, BE_VL_OP_WR_STATE, c, (uint64_t)(uint32_t)q.a0))
        return false;
    }
  }
  return true;
}

static uint32_t axon_of(const be_vl_image *img, ir_ref src, uint32_t i) {
  return src.kind == IR_NODE_POPULATION ? img->pop_base[src.index] + i : img->input_base[src.index] + i;
}

/* The weight exponent as the interpreter chooses it (plastic projections include constant bounds). */
static bool weight_exp(const ir_module *m, const ir_projection *ip, int32_t *e, ir_diag *d) {
  double lo = -INFINITY, hi = INFINITY;
  if (ip->plasticity != IR_PLAST_NONE) {
    lo = ip->plast_params[IR_P_STDP_W_MIN].kind == IR_VAL_CONST ? ip->plast_params[IR_P_STDP_W_MIN].a : lo;
    hi = ip->plast_params[IR_P_STDP_W_MAX].kind == IR_VAL_CONST ? ip->plast_params[IR_P_STDP_W_MAX].a : hi;
  }
  if (ir_fx_weight_exp(ip->csr->weight, ip->csr->nsyn, lo, hi, m->v_unit, e))
    return true;
  ir_error(d, ip->loc, "weights of projection '%s' exceed 127 * 2^7 * v_unit in fixed numerics; raise network.v_unit",
           ip->name);
  return false;
}

/* Listen synapses: delay 0, shift 0, so the element's accumulator of slot t+1 holds the signed count of
 * step t's listened events. nalsm: one per (element, listen entry, source neuron), mantissa +-1 (every
 * element counts every listened spike). tripartite (domains, docs/numerics.md "Astrocyte domains"):
 * a neuron i of a listened population or input reaches element i mod n with +-1; a presynaptic neuron
 * of a listened projection reaches element k with +-(its synapses whose post j has j mod n == k), in
 * pieces of at most 127 (the 8-bit mantissa). */
typedef void listen_fn(void *ctx, uint32_t axon, uint32_t target, int mant);
static void listen_counted(listen_fn *fn, void *ctx, uint32_t axon, uint32_t target, int sign, uint64_t n) {
  for (; n > 0; n -= n > 127 ? 127 : n)
    fn(ctx, axon, target, sign * (int)(n > 127 ? 127 : n));
}

static void each_tri_listen(const be_vl_image *img, const ir_module *m, uint32_t a, listen_fn *fn, void *ctx,
                            uint64_t *cnt) {
  const ir_astrocyte *ia = &m->astros[a];
  uint32_t n = ia->size;
  for (uint32_t k = 0; k < ia->nlisten; k++) {
    ir_ref r = ia->listen[k].source;
    int sign = ia->listen[k].sign < 0 ? -1 : 1;
    if (r.kind != IR_NODE_PROJECTION) {
      for (uint32_t i = 0; i < (uint32_t)ir_node_size(m, r); i++)
        fn(ctx, axon_of(img, r, i), img->astro_base[a] + i % n, sign);
      continue;
    }
    const ir_projection *ip = &m->projs[r.index];
    for (uint32_t i = 0; i < ip->csr->npre; i++) {
      for (uint32_t e = 0; e < n; e++)
        cnt[e] = 0;
      for (uint64_t s = ip->csr->row_ptr[i]; s < ip->csr->row_ptr[i + 1]; s++)
        cnt[ip->csr->col[s] % n]++;
      for (uint32_t e = 0; e < n; e++)
        listen_counted(fn, ctx, axon_of(img, ip->pre, i), img->astro_base[a] + e, sign, cnt[e]);
    }
  }
}

static bool each_listen(const be_vl_image *img, const ir_module *m, listen_fn *fn, void *ctx) {
  for (uint32_t a = 0; a < m->nastros; a++) {
    const ir_astrocyte *ia = &m->astros[a];
    if (ia->model == IR_ASTRO_TRIPARTITE) {
      uint64_t *cnt = calloc(ia->size, sizeof(uint64_t));
      if (!cnt)
        return false;
      each_tri_listen(img, m, a, fn, ctx, cnt);
      free(cnt);
      continue;
    }
    for (uint32_t e = 0; e < ia->size; e++)
      for (uint32_t k = 0; k < ia->nlisten; k++) {
        ir_ref r = ia->listen[k].source;
        if (r.kind == IR_NODE_PROJECTION)
          r = m->projs[r.index].pre;
        uint32_t n = (uint32_t)ir_node_size(m, r);
        for (uint32_t i = 0; i < n; i++)
          fn(ctx, axon_of(img, r, i), img->astro_base[a] + e, ia->listen[k].sign < 0 ? -1 : 1);
      }
  }
  return true;
}

typedef struct syn_build {
  be_vl_image *img;
  const be_vl_caps *cap;
  uint64_t *start, *pcount, *fill, *inbound, *words;
  uint64_t nlisten;
} syn_build;

static void count_listen(void *ctx, uint32_t axon, uint32_t target, int mant) {
  syn_build *b = ctx;
  (void)target;
  (void)mant;
  b->start[axon + 1]++;
  b->nlisten++;
}

static void place_listen(void *ctx, uint32_t axon, uint32_t target, int mant) {
  syn_build *b = ctx;
  b->inbound[target] += (uint64_t)(mant < 0 ? -mant : mant);
  b->words[b->fill[axon]++] = (uint64_t)target | ((uint64_t)(uint32_t)mant & 0xffu) << b->cap->nw;
}

static void count_only(void *ctx, uint32_t axon, uint32_t target, int mant) {
  (void)axon;
  (void)target;
  (void)mant;
  ++*(uint64_t *)ctx;
}

/* Synapse words of projection k: each synapse goes to its axon's plastic prefix or to the rest. */
static bool place_projection(syn_build *b, const ir_module *m, uint32_t k, uint64_t *pfill, ir_diag *d) {
  const ir_projection *ip = &m->projs[k];
  const ir_csr *c = ip->csr;
  be_vl_image *img = b->img;
  unsigned nw = b->cap->nw;
  int32_t e;
  if (!weight_exp(m, ip, &e, d))
    return false;
  bool plastic = img->plast_id[k] >= 0;
  uint64_t kernel = img->kproj_id[k] >= 0, mod = be_vl_tri_modulated(m, k);
  uint64_t shift = (uint64_t)(6 + e), pid = plastic ? (uint64_t)img->plast_id[k] : 0;
  uint32_t post_base = img->pop_base[ip->post.index];
  for (uint32_t i = 0; i < c->npre; i++) {
    uint32_t a = axon_of(img, ip->pre, i);
    for (uint64_t s = c->row_ptr[i]; s < c->row_ptr[i + 1]; s++) {
      int32_t w16 = ir_fx_weight_w16(c->weight[s], e, m->v_unit);
      int32_t mant = ir_fx_wmant(w16);
      uint32_t tgt = post_base + c->col[s];
      uint64_t at = plastic ? pfill[a]++ : b->fill[a]++;
      /* a plastic weight may grow to any mantissa: count the largest, 127 */
      int32_t big = plastic ? 127 : mant < 0 ? -mant : mant;
      b->inbound[tgt] += (uint64_t)big << shift;
      img->syn_addr[k][s] = (uint32_t)at;
      b->words[at] = (uint64_t)tgt | ((uint64_t)(uint32_t)mant & 0xffu) << nw | (uint64_t)c->delay[s] << (nw + 8) |
                     shift << (nw + 14) | ((uint64_t)(uint32_t)w16 & 0xffu) << (nw + 18) |
                     (uint64_t)plastic << (nw + 26) | pid << (nw + 27) | kernel << (nw + 27 + b->cap->pw) |
                     mod << (nw + 28 + b->cap->pw);
    }
  }
  return true;
}

/* Fan-out lists: synapses grouped by axon; within an axon the plastic synapses first (projections in
 * model order, CSR row order), then the other synapses, then listen synapses. Delivery sums are exact
 * integers, so the order within a list does not change any result. */
static bool load_synapses(be_vl_image *img, const ir_module *m, const be_vl_caps *cap, ir_diag *d) {
  syn_build b = {.img = img, .cap = cap};
  b.start = calloc((size_t)img->naxon + 1, sizeof(uint64_t));
  b.pcount = calloc((size_t)img->naxon + 1, sizeof(uint64_t));
  b.fill = calloc((size_t)img->naxon + 1, sizeof(uint64_t));
  uint64_t *pfill = calloc((size_t)img->naxon + 1, sizeof(uint64_t));
  b.inbound = calloc((size_t)img->nneur + img->nastro + 1, sizeof(uint64_t));
  b.words = calloc(img->nsyn ? img->nsyn : 1, sizeof(uint64_t));
  bool ok = b.start && b.pcount && b.fill && pfill && b.inbound && b.words;
  for (uint32_t k = 0; ok && k < m->nprojs; k++) {
    const ir_csr *c = m->projs[k].csr;
    for (uint32_t i = 0; i < c->npre; i++) {
      uint64_t n = c->row_ptr[i + 1] - c->row_ptr[i];
      uint32_t a = axon_of(img, m->projs[k].pre, i);
      b.start[a + 1] += n;
      if (img->plast_id[k] >= 0)
        b.pcount[a] += n;
    }
  }
  if (ok)
    ok = each_listen(img, m, count_listen, &b);
  for (uint32_t a = 0; ok && a < img->naxon; a++) {
    b.start[a + 1] += b.start[a];
    pfill[a] = b.start[a];
    b.fill[a] = b.start[a] + b.pcount[a];
  }
  for (uint32_t k = 0; ok && k < m->nprojs; k++)
    ok = place_projection(&b, m, k, pfill, d);
  if (ok)
    ok = each_listen(img, m, place_listen, &b);
  uint64_t acc_max = (UINT64_C(1) << (cap->acc_w - 1)) - 1;
  for (uint32_t j = 0; ok && j < img->nneur + img->nastro; j++)
    if (b.inbound[j] > acc_max) {
      ir_error(d, m->loc,
               "compartment %u can receive %llu fine units in one step, beyond the %u-bit dendritic accumulator",
               j, (unsigned long long)b.inbound[j], cap->acc_w);
      ok = false;
    }
  for (uint32_t a = 0; ok && a < img->naxon; a++)
    ok = emit(img, BE_VL_OP_WR_AXON, a,
              b.start[a] | (b.start[a + 1] - b.start[a]) << cap->sw | b.pcount[a] << (2 * cap->sw + 1));
  for (uint64_t s = 0; ok && s < img->nsyn; s++)
    ok = emit(img, BE_VL_OP_WR_SYN, (uint32_t)s, b.words[s]);
  free(b.start);
  free(b.pcount);
  free(b.fill);
  free(pfill);
  free(b.inbound);
  free(b.words);
  return ok;
}

/* ---------------------------------------------------------------- the learning engine's tables */

static uint64_t field(int64_t v, unsigned bits) { return (uint64_t)v & ((UINT64_C(1) << bits) - 1); }

/* PLAST: 4 words per plastic projection (rtl/astro_learn.v). */
static bool load_plast_params(be_vl_image *img, const ir_module *m, const be_vl_caps *cap, ir_diag *d) {
  const int32_t lim = 1 << 23;
  for (uint32_t k = 0; k < m->nprojs; k++) {
    const ir_projection *ip = &m->projs[k];
    if (img->plast_id[k] < 0)
      continue;
    double prm[IR_P_STDP_COUNT];
    for (int j = 0; j < IR_P_STDP_COUNT; j++)
      if (!plast_param(ip, j, &prm[j], d))
        return false;
    int32_t e;
    ir_fx_stdp q;
    const char *why = NULL;
    if (!weight_exp(m, ip, &e, d))
      return false;
    if (!ir_fx_stdp_derive(prm, m->dt, m->v_unit, e, &q, &why)) {
      ir_error(d, ip->loc, "projection '%s': %s", ip->name, why);
      return false;
    }
    if (q.a_plus <= -lim || q.a_plus >= lim || q.a_minus <= -lim || q.a_minus >= lim) {
      ir_error(d, ip->loc, "projection '%s': a_plus and a_minus must be below 2^15 weight mantissa units per unit "
               "trace on the verilog accelerator (24-bit fields)", ip->name);
      return false;
    }
    bool astro = ip->plasticity == IR_PLAST_ASTRO_STDP;
    uint32_t mod = astro ? img->astro_base[ip->modulator] : 0;
    uint32_t pre_base = axon_of(img, ip->pre, 0), post_base = img->pop_base[ip->post.index];
    uint64_t w0 = field(q.a_plus, 24) | field(q.a_minus, 24) << 24 | (uint64_t)ip->anti_hebbian << 48 |
                  (uint64_t)astro << 49 | (uint64_t)mod << 50;
    uint64_t w1 = field(q.w_lo, 16) | field(q.w_hi, 16) << 16 | field(q.inc, 32) << 32;
    uint64_t w2 = field(q.f_pre, 17) | field(q.f_post, 17) << 17 |
                  field((int64_t)img->xpre_base[k] - pre_base, cap->tw) << 34 |
                  field((int64_t)img->xpost_base[k] - post_base, cap->tw) << (34 + cap->tw);
    uint64_t w3 = (uint64_t)pre_base | (uint64_t)ip->csr->npre << cap->aw | (uint64_t)post_base << (2 * cap->aw + 1) |
                  (uint64_t)ip->csr->npost << (2 * cap->aw + 1 + cap->nw);
    uint64_t w[4] = {w0, w1, w2, w3};
    for (uint32_t j = 0; j < 4; j++)
      if (!emit(img, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_PLAST, (uint32_t)img->plast_id[k] * 4 + j), w[j]))
        return false;
  }
  return true;
}

/* RAXON / RSYN: per compartment the plastic synapses into it (projections in model order, synapse order);
 * traces zeroed; LAST (step + 1 of each axon's last spike) zeroed. */
static bool load_learning(be_vl_image *img, const ir_module *m, const be_vl_caps *cap, uint32_t ntrace, ir_diag *d) {
  if (!load_plast_params(img, m, cap, d))
    return false;
  uint32_t ncomp = img->nneur + img->nastro;
  uint64_t *rstart = calloc((size_t)ncomp + 1, sizeof(uint64_t)), *rfill = calloc((size_t)ncomp + 1, sizeof(uint64_t));
  bool ok = rstart && rfill;
  for (uint32_t k = 0; ok && k < m->nprojs; k++)
    if (img->plast_id[k] >= 0)
      for (uint64_t s = 0; s < m->projs[k].csr->nsyn; s++)
        rstart[img->pop_base[m->projs[k].post.index] + m->projs[k].csr->col[s] + 1]++;
  for (uint32_t j = 0; ok && j < ncomp; j++) {
    rstart[j + 1] += rstart[j];
    rfill[j] = rstart[j];
    ok = emit(img, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_RAXON, j), rstart[j] | (rstart[j + 1] - rstart[j]) << cap->sw);
  }
  for (uint32_t k = 0; ok && k < m->nprojs; k++) {
    const ir_projection *ip = &m->projs[k];
    if (img->plast_id[k] < 0)
      continue;
    for (uint32_t i = 0; ok && i < ip->csr->npre; i++)
      for (uint64_t s = ip->csr->row_ptr[i]; ok && s < ip->csr->row_ptr[i + 1]; s++) {
        uint32_t j = img->pop_base[ip->post.index] + ip->csr->col[s];
        ok = emit(img, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_RSYN, rfill[j]++),
                  img->syn_addr[k][s] | (uint64_t)axon_of(img, ip->pre, i) << cap->sw);
      }
  }
  for (uint32_t t = 0; ok && t < ntrace; t++)
    ok = emit(img, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_TRACE, t), 0);
  free(rstart);
  free(rfill);
  return ok;
}

/* LAST (step + 1 of each axon's last spike), read by the learning and kernel engines, starts at 0. */
static bool zero_last(be_vl_image *img) {
  bool ok = true;
  for (uint32_t a = 0; ok && (img->nplast || img->nkproj) && a < img->naxon; a++)
    ok = emit(img, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_LAST, a), 0);
  return ok;
}

/* ---------------------------------------------------------------- build */

/* Compartment, axon, synapse and trace layout; the plastic-projection ids. */
static bool layout(be_vl_image *img, const ir_module *m, uint64_t *ntrace, uint64_t *maxdelay) {
  uint64_t n = 0, na = 0, nin = 0;
  for (uint32_t p = 0; p < m->npops; p++) {
    img->pop_base[p] = (uint32_t)n;
    n += m->pops[p].size;
  }
  for (uint32_t a = 0; a < m->nastros; a++) {
    img->astro_base[a] = (uint32_t)(n + na);
    na += m->astros[a].size;
  }
  for (uint32_t k = 0; k < m->ninputs; k++) {
    img->input_base[k] = (uint32_t)(n + na + nin);
    nin += m->inputs[k].size;
  }
  for (uint32_t k = 0; k < m->nprojs; k++) {
    const ir_csr *c = m->projs[k].csr;
    img->nsyn += c->nsyn;
    for (uint64_t s = 0; s < c->nsyn; s++)
      *maxdelay = c->delay[s] > *maxdelay ? c->delay[s] : *maxdelay;
    img->plast_id[k] = -1;
    img->kproj_id[k] = m->pops[m->projs[k].post.index].model == IR_NEURON_NALSM_LIF ? (int32_t)img->nkproj++ : -1;
    if (m->projs[k].plasticity != IR_PLAST_NONE) {
      img->plast_id[k] = (int32_t)img->nplast++;
      img->xpre_base[k] = (uint32_t)*ntrace;
      img->xpost_base[k] = (uint32_t)(*ntrace + c->npre);
      *ntrace += (uint64_t)c->npre + c->npost;
    }
    if (!(img->syn_addr[k] = calloc(c->nsyn ? c->nsyn : 1, sizeof(uint32_t))))
      return false;
  }
  uint64_t nlisten = 0;
  if (!each_listen(img, m, count_only, &nlisten))
    return false;
  img->nsyn += nlisten;
  img->nneur = (uint32_t)n;
  img->nastro = (uint32_t)na;
  img->naxon = (uint32_t)(n + na + nin);
  return true;
}

static uint64_t nkrow(const be_vl_image *img, const ir_module *m) {
  uint64_t n = 0;
  for (uint32_t k = 0; k < m->nprojs; k++)
    n += img->kproj_id[k] >= 0 ? m->projs[k].csr->npre : 0;
  return n;
}

/* The kernel engine's tables (rtl/astro_kernel.v): per kernel projection KPROJ W0 = pre_base aw | npre
 * aw+1 | post_base nw | npost nw+1, W1 = kbase tw | shift 4 | table 2 | kcut 6 | reach 7; KAX (start,
 * count) of each row in SYN; KTAB[table * 64 + s] = kq[s] of each nalsm_lif population. */
static bool load_kernels(be_vl_image *img, const ir_module *m, const be_vl_caps *cap, ir_diag *d) {
  int32_t table[IR_FX_KERNEL_MAX * 4 + 1] = {0}, kcut[4] = {0}, ntab = 0, tab_of_pop[64];
  bool ok = true;
  for (uint32_t p = 0; p < m->npops && p < 64; p++) {
    tab_of_pop[p] = -1;
    const ir_population *ip = &m->pops[p];
    if (ip->model != IR_NEURON_NALSM_LIF || ntab >= 4)
      continue;
    kcut[ntab] = ir_fx_kernel(ip->params[IR_P_NALSM_LIF_TAU_SYN].a, ip->params[IR_P_NALSM_LIF_KERNEL_CUTOFF].a, m->dt,
                              table + ntab * IR_FX_KERNEL_MAX);
    if (kcut[ntab] < 0) {
      ir_error(d, ip->loc, "population '%s': kernel_cutoff must be at most %d steps", ip->name, IR_FX_KERNEL_MAX - 1);
      return false;
    }
    for (int32_t s = 0; ok && s <= kcut[ntab]; s++)
      ok = emit(img, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_KTAB, ntab * 64 + s), (uint32_t)table[ntab * IR_FX_KERNEL_MAX + s]);
    tab_of_pop[p] = ntab++;
  }
  uint64_t kbase = 0;
  for (uint32_t k = 0; ok && k < m->nprojs; k++) {
    const ir_projection *ip = &m->projs[k];
    if (img->kproj_id[k] < 0)
      continue;
    const ir_csr *c = ip->csr;
    int32_t e, t = ip->post.index < 64 ? tab_of_pop[ip->post.index] : -1;
    if (t < 0) {
      ir_error(d, ip->loc, "projection '%s': its nalsm_lif population is beyond the accelerator's kernel tables",
               ip->name);
      return false;
    }
    if (!weight_exp(m, ip, &e, d))
      return false;
    uint64_t maxd = 0;
    for (uint64_t s = 0; s < c->nsyn; s++)
      maxd = c->delay[s] > maxd ? c->delay[s] : maxd;
    uint32_t pre_base = axon_of(img, ip->pre, 0), post_base = img->pop_base[ip->post.index];
    uint64_t w0 = (uint64_t)pre_base | (uint64_t)c->npre << cap->aw | (uint64_t)post_base << (2 * cap->aw + 1) |
                  (uint64_t)c->npost << (2 * cap->aw + 1 + cap->nw);
    uint64_t w1 = kbase | (uint64_t)(6 + e) << cap->tw | (uint64_t)t << (cap->tw + 4) |
                  (uint64_t)kcut[t] << (cap->tw + 6) | (uint64_t)(kcut[t] + maxd) << (cap->tw + 12);
    uint32_t id = (uint32_t)img->kproj_id[k];
    ok = emit(img, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_KPROJ, 2 * id), w0) &&
         emit(img, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_KPROJ, 2 * id + 1), w1);
    for (uint32_t i = 0; ok && i < c->npre; i++) {
      uint64_t n = c->row_ptr[i + 1] - c->row_ptr[i];
      uint64_t start = n ? img->syn_addr[k][c->row_ptr[i]] : 0;
      ok = emit(img, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_KAX, kbase + i), start | n << cap->sw);
    }
    kbase += c->npre;
  }
  return ok;
}

/* TLIST: the GLIO phase's (target compartment, tripartite element) entries (be_vl_tri_entries). */
static bool load_glio(be_vl_image *img, const ir_module *m, const be_vl_caps *cap) {
  uint64_t *e = calloc(img->nglio ? img->nglio : 1, sizeof(uint64_t));
  bool ok = e != NULL;
  if (ok)
    be_vl_tri_entries(m, img->pop_base, img->astro_base, cap->nw, e);
  for (uint32_t i = 0; ok && i < img->nglio; i++)
    ok = emit(img, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_TLIST, i), e[i]);
  free(e);
  return ok;
}

static bool fits_all(const be_vl_image *img, const ir_module *m, const be_vl_caps *cap, uint64_t ntrace,
                     uint64_t maxdelay, uint64_t nin, ir_diag *d) {
  if (maxdelay > BE_VL_DELAY_MAX) {
    ir_error(d, m->loc, "a synaptic delay of %llu steps exceeds the accelerator's limit of %d steps",
             (unsigned long long)maxdelay, BE_VL_DELAY_MAX);
    return false;
  }
  return fits(d, m->loc, "compartments", (uint64_t)img->nneur + img->nastro, cap->nw) &&
         fits(d, m->loc, "axons", img->naxon, cap->aw) && fits(d, m->loc, "synapses", img->nsyn, cap->sw) &&
         fits(d, m->loc, "ring slots", maxdelay + 1, cap->dw) && fits(d, m->loc, "input-queue entries", nin, cap->qw) &&
         (img->nplast == 0 || (fits(d, m->loc, "plastic projections", img->nplast, cap->pw) &&
                               fits(d, m->loc, "trace entries", ntrace, cap->tw))) &&
         (img->nkproj == 0 || (fits(d, m->loc, "kernel projections", img->nkproj, cap->pw) &&
                               fits(d, m->loc, "kernel rows", nkrow(img, m), cap->tw))) &&
         (img->nglio == 0 || fits(d, m->loc, "tripartite target entries (TLIST)", img->nglio, cap->tw));
}

be_vl_image *be_vl_build(const ir_module *m, uint64_t seed, const be_vl_caps *cap, ir_diag *d) {
  if (!cap)
    cap = &be_vl_sim_caps;
  if (!check_supported(m, cap, d))
    return NULL;
  be_vl_image *img = calloc(1, sizeof(*img));
  if (!img)
    goto oom;
  img->nprojs = m->nprojs;
  img->pop_base = calloc(m->npops + 1, sizeof(uint32_t));
  img->input_base = calloc(m->ninputs + 1, sizeof(uint32_t));
  img->astro_base = calloc(m->nastros + 1, sizeof(uint32_t));
  img->plast_id = calloc(m->nprojs + 1, sizeof(int32_t));
  img->kproj_id = calloc(m->nprojs + 1, sizeof(int32_t));
  img->xpre_base = calloc(m->nprojs + 1, sizeof(uint32_t));
  img->xpost_base = calloc(m->nprojs + 1, sizeof(uint32_t));
  img->syn_addr = calloc(m->nprojs + 1, sizeof(uint32_t *));
  if (!img->pop_base || !img->input_base || !img->astro_base || !img->plast_id || !img->kproj_id || !img->xpre_base ||
      !img->xpost_base || !img->syn_addr)
    goto oom;
  uint64_t ntrace = 0, maxdelay = 0, nin = 0;
  if (!layout(img, m, &ntrace, &maxdelay))
    goto oom;
  nin = img->naxon - img->nneur - img->nastro;
  img->nglio = (uint32_t)be_vl_tri_entries(m, img->pop_base, img->astro_base, cap->nw, NULL);
  bool amsu = false; /* amsu neurons need LEARN = 1 like astrocytes (their memories are in astro_amsu.v) */
  for (uint32_t p = 0; p < m->npops; p++)
    amsu = amsu || m->pops[p].model == IR_NEURON_AMSU;
  img->caps = *cap;
  img->need = (be_vl_caps){.nw = bits_for((uint64_t)img->nneur + img->nastro), .aw = bits_for(img->naxon),
                           .sw = bits_for(img->nsyn), .dw = bits_for(maxdelay + 1), .qw = bits_for(nin),
                           .acc_w = cap->acc_w, .pw = img->nplast || img->nastro || amsu ? bits_for(img->nplast) : 0,
                           .tw = img->nplast ? bits_for(ntrace) : 0};
  if (!fits_all(img, m, cap, ntrace, maxdelay, nin, d))
    goto fail;
  img->nslot = (uint32_t)maxdelay + 1;
  if (!emit(img, BE_VL_OP_WR_REG, BE_VL_REG_NNEUR, img->nneur) ||
      !emit(img, BE_VL_OP_WR_REG, BE_VL_REG_NSLOT, img->nslot) || !emit(img, BE_VL_OP_WR_REG, BE_VL_REG_STEP, 0) ||
      !emit(img, BE_VL_OP_WR_REG, BE_VL_REG_SLOT, 0) || !emit(img, BE_VL_OP_WR_REG, BE_VL_REG_NIN, 0))
    goto oom;
  /* only images that use them write the new registers, so lif images load on a LEARN = 0 core */
  bool nlif = false;
  for (uint32_t p = 0; p < m->npops; p++)
    nlif = nlif || m->pops[p].model == IR_NEURON_NALSM_LIF;
  if ((img->nastro || img->nplast || nlif) &&
      (!emit(img, BE_VL_OP_WR_REG, BE_VL_REG_NASTRO, img->nastro) ||
       !emit(img, BE_VL_OP_WR_REG, BE_VL_REG_NPLAST, img->nplast) ||
       !emit(img, BE_VL_OP_WR_REG, BE_VL_REG_NKPROJ, img->nkproj) ||
       !emit(img, BE_VL_OP_WR_REG, BE_VL_REG_NLIF2, nlif)))
    goto oom;
  if (img->nglio && !emit(img, BE_VL_OP_WR_REG, BE_VL_REG_NGLIO, img->nglio))
    goto oom;
  if (!emit(img, BE_VL_OP_CLEAR, 0, 0))
    goto oom;
  unsigned before = ir_diag_error_count(d);
  if (!load_neurons(img, m, seed, d) || !load_astrocytes(img, m, seed, d) || !load_synapses(img, m, cap, d) ||
      (img->nplast && !load_learning(img, m, cap, (uint32_t)ntrace, d)) ||
      (img->nkproj && !load_kernels(img, m, cap, d)) || (img->nglio && !load_glio(img, m, cap)) || !zero_last(img)) {
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
