/* be_verilog_mesh.c — splits a one-core accelerator image over the cores of a mesh (rtl/astro_mesh.v):
 * per core its compartments (renumbered locally in global order), the fan-out lists of every axon that
 * reaches it, its AXBASE register and its router's route table, as one load stream whose commands carry
 * their core (docs/accelerator.md, "Mesh"), and the learning engine's tables per core: a plastic (stdp)
 * synapse lives on its post-synaptic core, which keeps the x_post trace and an x_pre trace per incoming
 * axon. nalsm astrocytes are replicated on every core that needs their A (astro_stdp synapses there),
 * tripartite elements on every core that holds a target of theirs (a TLIST entry), each replica with
 * every listen synapse, so every replica integrates the same counts; a core's TLIST holds the entries
 * of its targets, naming its replicas. Images with kernel projections (nalsm_lif) are not split. */
#include <stdlib.h>
#include <string.h>

#include "be_verilog.h"

const be_vl_caps be_vl_mesh_caps = {.nw = 10, .aw = 12, .sw = 16, .dw = 6, .qw = 12, .acc_w = 40, .pw = 4, .tw = 12};

/* The one-core image's memories, decoded from its load stream. */
typedef struct decoded {
  uint64_t *param, *state;     /* [nneur + nastro] */
  uint64_t *ax_start, *ax_cnt; /* [naxon] */
  uint64_t *syn;               /* [nsyn] */
  uint32_t nslot;
  uint64_t *plast;             /* [nplast * 4] PLAST words */
  uint64_t *raxon, *rsyn;      /* [nneur + nastro], [nsyn] RAXON and RSYN words */
  uint64_t *ap;                /* [3 * (nneur + nastro)] AP0..AP2 of tripartite elements */
  uint64_t *tlist;             /* [nglio] TLIST entries (target | element | mod | cur | last) */
} decoded;

static void decoded_free(decoded *x) {
  free(x->param);
  free(x->state);
  free(x->ax_start);
  free(x->ax_cnt);
  free(x->syn);
  free(x->plast);
  free(x->raxon);
  free(x->rsyn);
  free(x->ap);
  free(x->tlist);
}

/* WR_MEM of the learning engine: PLAST, RAXON, RSYN are kept; TRACE and LAST are zeroes (rewritten per
 * core). Anything else (kernel tables) cannot be split. */
static bool decode_mem(const be_vl_image *one, decoded *x, uint32_t addr, uint64_t data) {
  uint32_t sp = addr >> 28, i = addr & 0xfffffffu;
  switch (sp) {
  case BE_VL_SP_PLAST:
    if (i >= 4 * one->nplast)
      return false;
    x->plast[i] = data;
    return true;
  case BE_VL_SP_RAXON:
    if (i >= one->nneur + one->nastro)
      return false;
    x->raxon[i] = data;
    return true;
  case BE_VL_SP_RSYN:
    if (i >= one->nsyn)
      return false;
    x->rsyn[i] = data;
    return true;
  case BE_VL_SP_TRACE:
  case BE_VL_SP_LAST:
  case BE_VL_SP_AST: /* tripartite g starts at 0 (amsu images are not split) */
    return data == 0;
  case BE_VL_SP_AP0:
  case BE_VL_SP_AP1:
  case BE_VL_SP_AP2:
    if (i >= one->nneur + one->nastro)
      return false;
    x->ap[(size_t)(sp - BE_VL_SP_AP0) * (one->nneur + one->nastro) + i] = data;
    return true;
  case BE_VL_SP_TLIST:
    if (i >= one->nglio)
      return false;
    x->tlist[i] = data;
    return true;
  default:
    return false;
  }
}

static bool decode(const be_vl_image *one, decoded *x, ir_loc loc, ir_diag *d) {
  const unsigned sw = one->caps.sw;
  const size_t ncomp = (size_t)one->nneur + one->nastro;
  x->param = calloc(ncomp + 1, sizeof(uint64_t));
  x->state = calloc(ncomp + 1, sizeof(uint64_t));
  x->ax_start = calloc(one->naxon + 1, sizeof(uint64_t));
  x->ax_cnt = calloc(one->naxon + 1, sizeof(uint64_t));
  x->syn = calloc(one->nsyn + 1, sizeof(uint64_t));
  x->plast = calloc(4 * (size_t)one->nplast + 1, sizeof(uint64_t));
  x->raxon = calloc(ncomp + 1, sizeof(uint64_t));
  x->rsyn = calloc(one->nsyn + 1, sizeof(uint64_t));
  x->ap = calloc(3 * ncomp + 1, sizeof(uint64_t));
  x->tlist = calloc((size_t)one->nglio + 1, sizeof(uint64_t));
  if (!x->param || !x->state || !x->ax_start || !x->ax_cnt || !x->syn || !x->plast || !x->raxon || !x->rsyn || !x->ap ||
      !x->tlist) {
    ir_error(d, loc, "out of memory splitting the accelerator image");
    return false;
  }
  for (size_t k = 0; k < one->ncmds; k++) {
    const be_vl_cmd *c = &one->cmds[k];
    bool ok = true;
    switch (c->op) {
    case BE_VL_OP_WR_REG:
      if (c->addr == BE_VL_REG_NSLOT)
        x->nslot = (uint32_t)c->data;
      break;
    case BE_VL_OP_CLEAR:
      break;
    case BE_VL_OP_WR_MEM:
      ok = decode_mem(one, x, c->addr, c->data);
      break;
    case BE_VL_OP_WR_PARAM:
    case BE_VL_OP_WR_STATE:
      ok = c->addr < ncomp;
      if (ok)
        (c->op == BE_VL_OP_WR_PARAM ? x->param : x->state)[c->addr] = c->data;
      break;
    case BE_VL_OP_WR_AXON:
      ok = c->addr < one->naxon;
      if (ok) {
        x->ax_start[c->addr] = c->data & ((UINT64_C(1) << sw) - 1);
        x->ax_cnt[c->addr] = c->data >> sw & ((UINT64_C(1) << (sw + 1)) - 1);
        ok = x->ax_start[c->addr] + x->ax_cnt[c->addr] <= one->nsyn;
      }
      break;
    case BE_VL_OP_WR_SYN:
      ok = c->addr < one->nsyn;
      if (ok)
        x->syn[c->addr] = c->data;
      break;
    default:
      ok = false;
    }
    if (!ok) {
      ir_error(d, loc, "internal error: command %s %x of a one-core image cannot be split over a mesh",
               be_vl_op_name(c->op), c->addr);
      return false;
    }
  }
  return true;
}

static bool emit(be_vl_mesh *mi, unsigned core, unsigned op, uint32_t addr, uint64_t data) {
  if (mi->ncmds == mi->capcmds) {
    size_t cap = mi->capcmds ? 2 * mi->capcmds : 4096;
    be_vl_cmd *v = realloc(mi->cmds, cap * sizeof(*v));
    if (!v)
      return false;
    mi->cmds = v;
    uint8_t *c = realloc(mi->cmd_core, cap);
    if (!c)
      return false;
    mi->cmd_core = c;
    mi->capcmds = cap;
  }
  mi->cmd_core[mi->ncmds] = (uint8_t)core;
  mi->cmds[mi->ncmds++] = (be_vl_cmd){(uint8_t)op, addr, data};
  return true;
}

void be_vl_mesh_destroy(be_vl_mesh *mi) {
  if (!mi)
    return;
  if (mi->global_of)
    for (uint32_t c = 0; c < mi->ncores; c++)
      free(mi->global_of[c]);
  free(mi->global_of);
  free(mi->core_of);
  free(mi->local_of);
  free(mi->nlocal);
  free(mi->axbase);
  free(mi->fanout_cores);
  free(mi->nsyn);
  free(mi->syn_loc);
  free(mi->pre_lo);
  free(mi->npre);
  free(mi->xpre_at);
  free(mi->post_lo);
  free(mi->npost);
  free(mi->xpost_at);
  free(mi->pre_one);
  free(mi->post_one);
  free(mi->ntrace);
  free(mi->astro_cores);
  free(mi->astro_home);
  free(mi->astro_local);
  free(mi->nrep);
  free(mi->nglio);
  free(mi->cmds);
  free(mi->cmd_core);
  free(mi);
}

static uint64_t bits_mask(unsigned bits) { return bits >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << bits) - 1; }

/* New axon id of a one-core axon: compartments core by core, inputs unchanged. */
static uint32_t axon_new(const be_vl_mesh *mi, uint32_t a) {
  return a < mi->ncomp ? mi->axbase[mi->core_of[a]] + mi->local_of[a] : a;
}

static uint32_t syn_target(const be_vl_image *one, uint64_t w) {
  return (uint32_t)(w & ((UINT64_C(1) << one->caps.nw) - 1));
}

/* The cores a synapse into one-core compartment t is stored on: its neuron's core, or every replica of
 * its astrocyte (a listen synapse). */
static uint64_t target_cores(const be_vl_mesh *mi, uint32_t t) {
  return t < mi->ncomp ? UINT64_C(1) << mi->core_of[t] : mi->astro_cores[t - mi->ncomp];
}

/* Local id of one-core compartment t on core c (UINT32_MAX: not there). */
static uint32_t target_local(const be_vl_mesh *mi, uint32_t t, uint32_t c) {
  if (t < mi->ncomp)
    return mi->core_of[t] == c ? mi->local_of[t] : UINT32_MAX;
  return mi->astro_local[(size_t)c * mi->nastro + (t - mi->ncomp)];
}

/* Where astrocyte replicas go: for each astro_stdp projection (PLAST W0 bit 49, modulator above bit 50)
 * the cores of its plastic synapses (each on its post's core) need its modulator's A; a tripartite
 * element is needed on the core of each target of its TLIST entries. The home is the
 * lowest of them; an astrocyte needed nowhere lives on the core with the fewest neurons among those that
 * hold any (core 0 without neurons). Replicas are numbered after the core's neurons. */
static bool place_astrocytes(be_vl_mesh *mi, const be_vl_image *one, const decoded *x, ir_loc loc, ir_diag *d) {
  const unsigned nw = one->caps.nw, pw = one->caps.pw;
  uint32_t *mod = calloc(one->nplast + 1, sizeof(uint32_t)); /* modulator of plastic id p, UINT32_MAX: stdp */
  if (!mod)
    return false;
  for (uint32_t p = 0; p < one->nplast; p++) {
    uint64_t w0 = x->plast[4 * p];
    mod[p] = (w0 >> 49 & 1) ? (uint32_t)(w0 >> 50 & bits_mask(nw)) : UINT32_MAX;
    if (mod[p] != UINT32_MAX && (mod[p] < mi->ncomp || mod[p] >= mi->ncomp + mi->nastro)) {
      ir_error(d, loc, "internal error: plastic projection %u is modulated by compartment %u, not an astrocyte", p,
               mod[p]);
      free(mod);
      return false;
    }
  }
  for (uint64_t s = 0; s < one->nsyn; s++) {
    uint64_t w = x->syn[s];
    uint32_t t = syn_target(one, w), p = (uint32_t)(w >> (nw + 27) & bits_mask(pw));
    if (pw && (w >> (nw + 26) & 1) && p < one->nplast && mod[p] != UINT32_MAX && t < mi->ncomp)
      mi->astro_cores[mod[p] - mi->ncomp] |= UINT64_C(1) << mi->core_of[t];
  }
  free(mod);
  for (uint32_t e = 0; e < one->nglio; e++) { /* a tripartite element goes where its targets are */
    uint32_t j = (uint32_t)(x->tlist[e] & bits_mask(nw)), k = (uint32_t)(x->tlist[e] >> nw & bits_mask(nw));
    if (j >= mi->ncomp || k < mi->ncomp || k >= mi->ncomp + mi->nastro) {
      ir_error(d, loc, "internal error: TLIST entry %u names compartments %u and %u", e, j, k);
      return false;
    }
    mi->astro_cores[k - mi->ncomp] |= UINT64_C(1) << mi->core_of[j];
  }
  uint32_t lone = 0; /* the home of an astrocyte that modulates nothing */
  for (uint32_t c = 0; c < mi->ncores; c++)
    if (mi->nlocal[c] && (!mi->nlocal[lone] || mi->nlocal[c] < mi->nlocal[lone]))
      lone = c;
  for (uint32_t q = 0; q < mi->nastro; q++) {
    if (!mi->astro_cores[q])
      mi->astro_cores[q] = UINT64_C(1) << lone;
    mi->astro_home[q] = (uint32_t)__builtin_ctzll(mi->astro_cores[q]);
    for (uint32_t c = 0; c < mi->ncores; c++)
      mi->astro_local[(size_t)c * mi->nastro + q] =
          (mi->astro_cores[q] >> c & 1) ? mi->nlocal[c] + mi->nrep[c]++ : UINT32_MAX;
  }
  return true;
}

/* Local numbering, astrocyte replicas and the cores each axon's synapses live on. */
static bool assign(be_vl_mesh *mi, const be_vl_image *one, const decoded *x, ir_loc loc, ir_diag *d) {
  for (uint32_t g = 0; g < mi->ncomp; g++) {
    uint32_t c = mi->core_of[g];
    mi->local_of[g] = mi->nlocal[c]++;
  }
  for (uint32_t c = 0; c < mi->ncores; c++) {
    mi->axbase[c] = c ? mi->axbase[c - 1] + mi->nlocal[c - 1] : 0;
    if (!(mi->global_of[c] = malloc((mi->nlocal[c] + 1) * sizeof(uint32_t))))
      return false;
  }
  for (uint32_t g = 0; g < mi->ncomp; g++)
    mi->global_of[mi->core_of[g]][mi->local_of[g]] = g;
  if (!place_astrocytes(mi, one, x, loc, d))
    return false;
  for (uint32_t a = 0; a < mi->naxon; a++)
    for (uint64_t s = x->ax_start[a]; s < x->ax_start[a] + x->ax_cnt[a]; s++) {
      uint32_t t = syn_target(one, x->syn[s]);
      if (t >= mi->ncomp + mi->nastro) {
        ir_error(d, loc, "internal error: a synapse targets compartment %u of %u", t, mi->ncomp + mi->nastro);
        return false;
      }
      uint64_t cores = target_cores(mi, t);
      mi->fanout_cores[a] |= cores;
      for (uint64_t r = cores; r; r &= r - 1)
        mi->nsyn[__builtin_ctzll(r)]++;
    }
  return true;
}

static bool fits(ir_diag *d, ir_loc loc, uint32_t core, const be_vl_mesh *mi, const char *what, uint64_t n,
                 unsigned bits) {
  if (n <= (UINT64_C(1) << bits))
    return true;
  ir_error(d, loc, "core %u (%u,%u) of the mesh needs %llu %s but a mesh core holds %llu", core, core % mi->mesh_x,
           core / mi->mesh_x, (unsigned long long)n, what, (unsigned long long)(UINT64_C(1) << bits));
  return false;
}

/* Per core: compartments, events of one step (local spikes are not queued; remote ones and inputs are),
 * synapses; and the axon numbering. */
static bool check_caps(const be_vl_mesh *mi, const be_vl_caps *cap, ir_loc loc, ir_diag *d) {
  bool ok = fits(d, loc, 0, mi, "axons", mi->naxon, cap->aw) && fits(d, loc, 0, mi, "ring slots", mi->nslot, cap->dw);
  for (uint32_t c = 0; c < mi->ncores && ok; c++) {
    uint64_t queued = 0;
    for (uint32_t a = 0; a < mi->naxon; a++)
      if ((mi->fanout_cores[a] >> c & 1) && !(a < mi->ncomp && mi->core_of[a] == c))
        queued++;
    ok = fits(d, loc, c, mi, "compartments (neurons and astrocyte replicas)", (uint64_t)mi->nlocal[c] + mi->nrep[c],
              cap->nw) &&
         fits(d, loc, c, mi, "queued events per step (remote and input axons)", queued, cap->qw) &&
         fits(d, loc, c, mi, "synapses", mi->nsyn[c], cap->sw);
  }
  return ok;
}

/* TLIST entries per core (its targets'), within 2^TW. */
static bool check_glio(const be_vl_mesh *mi, const be_vl_image *one, const decoded *x, const be_vl_caps *cap,
                       ir_loc loc, ir_diag *d) {
  bool ok = true;
  for (uint32_t c = 0; c < mi->ncores && ok; c++) {
    uint64_t n = 0;
    for (uint32_t e = 0; e < one->nglio; e++)
      n += mi->core_of[x->tlist[e] & bits_mask(one->caps.nw)] == c;
    ok = fits(d, loc, c, mi, "tripartite target entries (TLIST)", n, cap->tw);
  }
  return ok;
}

/* Trace layout of every core: for each plastic projection its x_pre entries (one per pre axon, new
 * numbers, the whole span: a core also sweeps traces no synapse of it reads) then its x_post entries (the
 * post compartments on the core, a run of local ids because locals keep the global order). An input pre
 * axon of a plastic projection without any synapse is sent to core 0, so its x_pre is kept somewhere. */
static bool learn_layout(be_vl_mesh *mi, const be_vl_image *one, const decoded *x, const be_vl_caps *cap,
                         ir_loc loc, ir_diag *d) {
  const be_vl_caps *k = &one->caps;
  uint32_t np = mi->nplast = one->nplast;
  size_t n = (size_t)mi->ncores * np + 1;
  mi->pre_lo = calloc(n, sizeof(uint32_t));
  mi->npre = calloc(n, sizeof(uint32_t));
  mi->xpre_at = calloc(n, sizeof(uint32_t));
  mi->post_lo = calloc(n, sizeof(uint32_t));
  mi->npost = calloc(n, sizeof(uint32_t));
  mi->xpost_at = calloc(n, sizeof(uint32_t));
  mi->pre_one = calloc(np + 1, sizeof(uint32_t));
  mi->post_one = calloc(np + 1, sizeof(uint32_t));
  mi->ntrace = calloc(mi->ncores, sizeof(uint64_t));
  if (!mi->pre_lo || !mi->npre || !mi->xpre_at || !mi->post_lo || !mi->npost || !mi->xpost_at || !mi->pre_one ||
      !mi->post_one || !mi->ntrace)
    return false;
  for (uint32_t p = 0; p < np; p++) {
    uint64_t w3 = x->plast[4 * p + 3];
    uint32_t pre = (uint32_t)(w3 & bits_mask(k->aw)), npre = (uint32_t)(w3 >> k->aw & bits_mask(k->aw + 1));
    uint32_t post = (uint32_t)(w3 >> (2 * k->aw + 1) & bits_mask(k->nw));
    uint32_t npost = (uint32_t)(w3 >> (2 * k->aw + 1 + k->nw) & bits_mask(k->nw + 1));
    if ((uint64_t)pre + npre > mi->naxon || (uint64_t)post + npost > mi->ncomp) {
      ir_error(d, loc, "internal error: plastic projection %u of the one-core image is out of range", p);
      return false;
    }
    mi->pre_one[p] = pre;
    mi->post_one[p] = post;
    uint32_t lo = UINT32_MAX, hi = 0;
    for (uint32_t a = pre; a < pre + npre; a++) {
      uint32_t na = axon_new(mi, a);
      lo = na < lo ? na : lo;
      hi = na > hi ? na : hi;
      if (a >= mi->ncomp && mi->fanout_cores[a] == 0)
        mi->fanout_cores[a] = 1;
    }
    for (uint32_t c = 0; c < mi->ncores; c++) {
      size_t i = (size_t)c * np + p;
      mi->pre_lo[i] = npre ? lo : 0;
      mi->npre[i] = npre ? hi - lo + 1 : 0;
      mi->xpre_at[i] = (uint32_t)mi->ntrace[c];
      mi->ntrace[c] += mi->npre[i];
      for (uint32_t g = post; g < post + npost; g++)
        if (mi->core_of[g] == c) {
          if (mi->npost[i]++ == 0)
            mi->post_lo[i] = mi->local_of[g];
        }
      mi->xpost_at[i] = (uint32_t)mi->ntrace[c];
      mi->ntrace[c] += mi->npost[i];
    }
  }
  for (uint32_t c = 0; c < mi->ncores; c++)
    if (np && !fits(d, loc, c, mi, "trace entries", mi->ntrace[c], cap->tw))
      return false;
  return true;
}

/* Core c's PLAST words (its trace ranges), RAXON / RSYN (plastic synapses into its compartments, new
 * SYN addresses and pre axons), zeroed traces and LAST. Needs syn_loc of core c. */
static bool load_learning(be_vl_mesh *mi, const be_vl_image *one, const decoded *x, uint32_t c) {
  const be_vl_caps *k = &mi->caps, *o = &one->caps;
  bool ok = true;
  for (uint32_t p = 0; p < mi->nplast && ok; p++) {
    size_t i = (size_t)c * mi->nplast + p;
    uint64_t w2 = (x->plast[4 * p + 2] & bits_mask(34)) |
                  ((uint64_t)(mi->xpre_at[i] - mi->pre_lo[i]) & bits_mask(k->tw)) << 34 |
                  ((uint64_t)(mi->xpost_at[i] - mi->post_lo[i]) & bits_mask(k->tw)) << (34 + k->tw);
    uint64_t w3 = (uint64_t)mi->pre_lo[i] | (uint64_t)mi->npre[i] << k->aw | (uint64_t)mi->post_lo[i] << (2 * k->aw + 1) |
                  (uint64_t)mi->npost[i] << (2 * k->aw + 1 + k->nw);
    uint64_t w0 = x->plast[4 * p] & bits_mask(50);
    if (w0 >> 49 & 1) { /* astro_stdp: the core's replica of the modulator (none: no synapse of p here) */
      uint32_t q = (uint32_t)(x->plast[4 * p] >> 50 & bits_mask(o->nw)) - mi->ncomp;
      uint32_t l = mi->astro_local[(size_t)c * mi->nastro + q];
      w0 = l == UINT32_MAX ? w0 & bits_mask(49) : w0 | (uint64_t)l << 50;
    }
    uint64_t w[4] = {w0, x->plast[4 * p + 1], w2, w3};
    for (uint32_t j = 0; j < 4 && ok; j++)
      ok = emit(mi, c, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_PLAST, 4 * p + j), w[j]);
  }
  uint64_t r = 0;
  for (uint32_t l = 0; l < mi->nlocal[c] && ok; l++) {
    uint64_t rw = x->raxon[mi->global_of[c][l]], start = rw & bits_mask(o->sw), cnt = rw >> o->sw & bits_mask(o->sw + 1);
    ok = start + cnt <= one->nsyn && emit(mi, c, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_RAXON, l), r | cnt << k->sw);
    for (uint64_t e = start; e < start + cnt && ok; e++) {
      uint64_t sa = x->rsyn[e] & bits_mask(o->sw), pre = x->rsyn[e] >> o->sw;
      ok = sa < one->nsyn && pre < mi->naxon && (mi->syn_loc[sa] >> 32) == c &&
           emit(mi, c, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_RSYN, (uint32_t)r++),
                (uint32_t)mi->syn_loc[sa] | (uint64_t)axon_new(mi, (uint32_t)pre) << k->sw);
    }
  }
  for (uint64_t t = 0; t < mi->ntrace[c] && ok; t++)
    ok = emit(mi, c, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_TRACE, (uint32_t)t), 0);
  for (uint32_t a = 0; a < mi->naxon && ok; a++)
    ok = emit(mi, c, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_LAST, a), 0);
  return ok;
}

/* Core c's TLIST: the entries of its targets (the one-core order, so each target's entries stay together
 * and keep their `last`), target and element renumbered to local ids; NGLIO. */
static bool load_glio(be_vl_mesh *mi, const be_vl_image *one, const decoded *x, uint32_t c) {
  const unsigned nw = one->caps.nw, knw = mi->caps.nw;
  uint32_t n = 0;
  bool ok = true;
  for (uint32_t e = 0; e < one->nglio && ok; e++) {
    uint32_t j = (uint32_t)(x->tlist[e] & bits_mask(nw)), k = (uint32_t)(x->tlist[e] >> nw & bits_mask(nw));
    if (mi->core_of[j] != c)
      continue;
    uint64_t flags = x->tlist[e] >> (2 * nw) & 7, l = mi->astro_local[(size_t)c * mi->nastro + (k - mi->ncomp)];
    ok = emit(mi, c, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_TLIST, n++), mi->local_of[j] | l << knw | flags << (2 * knw));
  }
  mi->nglio[c] = n;
  return ok && (n == 0 || emit(mi, c, BE_VL_OP_WR_REG, BE_VL_REG_NGLIO, n));
}

/* The load stream of core c: registers, CLEAR, compartments, fan-out lists, route table. */
static bool load_core(be_vl_mesh *mi, const be_vl_image *one, const decoded *x, uint32_t c) {
  const be_vl_caps *k = &mi->caps;
  bool ok = emit(mi, c, BE_VL_OP_WR_REG, BE_VL_REG_NNEUR, mi->nlocal[c]) &&
            emit(mi, c, BE_VL_OP_WR_REG, BE_VL_REG_NSLOT, mi->nslot) && emit(mi, c, BE_VL_OP_WR_REG, BE_VL_REG_STEP, 0) &&
            emit(mi, c, BE_VL_OP_WR_REG, BE_VL_REG_SLOT, 0) && emit(mi, c, BE_VL_OP_WR_REG, BE_VL_REG_NIN, 0) &&
            emit(mi, c, BE_VL_OP_WR_REG, BE_VL_REG_AXBASE, mi->axbase[c]);
  if (k->pw) /* a learning core: its astrocyte replicas; no kernel projections, no nalsm_lif */
    ok = ok && emit(mi, c, BE_VL_OP_WR_REG, BE_VL_REG_NASTRO, mi->nrep[c]) &&
         emit(mi, c, BE_VL_OP_WR_REG, BE_VL_REG_NPLAST, mi->nplast) &&
         emit(mi, c, BE_VL_OP_WR_REG, BE_VL_REG_NKPROJ, 0) && emit(mi, c, BE_VL_OP_WR_REG, BE_VL_REG_NLIF2, 0);
  ok = ok && emit(mi, c, BE_VL_OP_CLEAR, 0, 0);
  for (uint32_t l = 0; l < mi->nlocal[c] && ok; l++) {
    uint32_t g = mi->global_of[c][l];
    ok = emit(mi, c, BE_VL_OP_WR_PARAM, l, x->param[g]) && emit(mi, c, BE_VL_OP_WR_STATE, l, x->state[g]);
  }
  size_t nall = (size_t)mi->ncomp + mi->nastro;
  for (uint32_t q = 0; q < mi->nastro && ok; q++) {
    uint32_t l = mi->astro_local[(size_t)c * mi->nastro + q], g = mi->ncomp + q;
    ok = l == UINT32_MAX ||
         (emit(mi, c, BE_VL_OP_WR_PARAM, l, x->param[g]) && emit(mi, c, BE_VL_OP_WR_STATE, l, x->state[g]));
    if (l != UINT32_MAX && x->param[g] >> 63) /* a tripartite element: its parameter words, g = 0 */
      for (uint32_t w = 0; w < 3 && ok; w++)
        ok = emit(mi, c, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_AP0 + w, l), x->ap[w * nall + g]);
    if (l != UINT32_MAX && x->param[g] >> 63)
      ok = ok && emit(mi, c, BE_VL_OP_WR_MEM, BE_VL_MEM(BE_VL_SP_AST, l), 0);
  }
  ok = ok && load_glio(mi, one, x, c);
  uint64_t next = 0;
  for (uint32_t a = 0; a < mi->naxon && ok; a++) {
    bool local = a < mi->ncomp && mi->core_of[a] == c;
    if (!local && !(mi->fanout_cores[a] >> c & 1))
      continue; /* never arrives here: not local, no route, the host does not send it */
    uint64_t start = next, plastic = 0;
    for (uint64_t s = x->ax_start[a]; s < x->ax_start[a] + x->ax_cnt[a] && ok; s++) {
      uint32_t t = syn_target(one, x->syn[s]), l = target_local(mi, t, c);
      if (l == UINT32_MAX)
        continue;
      plastic += one->caps.pw && (x->syn[s] >> (one->caps.nw + 26) & 1); /* the list's plastic prefix */
      uint64_t w = (x->syn[s] >> one->caps.nw) << k->nw | l;
      if (t < mi->ncomp || mi->astro_home[t - mi->ncomp] == c) /* a listen synapse: its home replica's */
        mi->syn_loc[s] = (uint64_t)c << 32 | next;
      ok = emit(mi, c, BE_VL_OP_WR_SYN, (uint32_t)next++, w);
    }
    uint64_t pcount = k->pw ? plastic << (2 * k->sw + 1) : 0;
    ok = ok && emit(mi, c, BE_VL_OP_WR_AXON, axon_new(mi, a), start | (next - start) << k->sw | pcount);
  }
  for (uint32_t l = 0; l < mi->nlocal[c] && ok; l++) {
    uint64_t mask = mi->fanout_cores[mi->global_of[c][l]] & ~(UINT64_C(1) << c);
    for (uint64_t r = mask; r; r &= r - 1)
      mi->nroutes++;
    ok = emit(mi, c, BE_VL_OP_WR_ROUTE, l, mask);
  }
  return ok && (mi->nplast == 0 || load_learning(mi, one, x, c));
}

be_vl_mesh *be_vl_mesh_build(const be_vl_image *one, const be_vl_placement *pl, const be_vl_caps *cap,
                             ir_loc loc, ir_diag *d) {
  if (one->namsu != 0) {
    ir_error(d, loc, "a network with amsu neurons runs on one core only (the mesh split does not place their "
             "parameter and astrocyte-state memories yet)");
    return NULL;
  }
  if (one->nkproj != 0 || ((one->nplast || one->nastro) && !cap->pw)) {
    ir_error(d, loc, "a network with nalsm_lif neurons runs on one core only, and plasticity and astrocytes need "
             "mesh cores with the learning engine (the mesh cores split lif neurons, astrocytes, static, stdp "
             "and astro_stdp synapses)");
    return NULL;
  }
  if (one->caps.pw != cap->pw) {
    ir_error(d, loc, "internal error: the one-core image has %u-bit projection ids, the mesh cores %u", one->caps.pw,
             cap->pw);
    return NULL;
  }
  uint64_t ncores = (uint64_t)pl->mesh_x * pl->mesh_y;
  if (pl->mesh_x == 0 || pl->mesh_y == 0 || pl->mesh_x > 16 || pl->mesh_y > 16 || ncores > 64) {
    ir_error(d, loc, "a mesh of %u x %u cores is not supported (at most 16 x 16 and 64 cores)", pl->mesh_x,
             pl->mesh_y);
    return NULL;
  }
  if (pl->ncomp != one->nneur) {
    ir_error(d, loc, "internal error: the placement has %u compartments, the image %u", pl->ncomp, one->nneur);
    return NULL;
  }
  for (uint32_t g = 0; g < pl->ncomp; g++)
    if (pl->core_of[g] >= ncores) {
      ir_error(d, loc, "internal error: compartment %u is placed on core %u of a %u-core mesh", g, pl->core_of[g],
               (unsigned)ncores);
      return NULL;
    }
  be_vl_mesh *mi = calloc(1, sizeof(*mi));
  decoded x = {0};
  bool ok = mi != NULL;
  if (ok) {
    mi->caps = *cap;
    mi->mesh_x = pl->mesh_x;
    mi->mesh_y = pl->mesh_y;
    mi->ncores = (uint32_t)ncores;
    mi->ncomp = one->nneur;
    mi->naxon = one->naxon;
    size_t n = mi->ncomp + 1, na = mi->naxon + 1;
    mi->core_of = malloc(n * sizeof(uint32_t));
    mi->local_of = calloc(n, sizeof(uint32_t));
    mi->nlocal = calloc(ncores, sizeof(uint32_t));
    mi->axbase = calloc(ncores, sizeof(uint32_t));
    mi->global_of = calloc(ncores, sizeof(uint32_t *));
    mi->fanout_cores = calloc(na, sizeof(uint64_t));
    mi->nsyn = calloc(ncores, sizeof(uint64_t));
    mi->syn_loc = calloc(one->nsyn + 1, sizeof(uint64_t));
    mi->nastro = one->nastro;
    mi->astro_cores = calloc(mi->nastro + 1, sizeof(uint64_t));
    mi->astro_home = calloc(mi->nastro + 1, sizeof(uint32_t));
    mi->astro_local = calloc(ncores * mi->nastro + 1, sizeof(uint32_t));
    mi->nrep = calloc(ncores, sizeof(uint32_t));
    mi->nglio = calloc(ncores, sizeof(uint32_t));
    ok = mi->core_of && mi->local_of && mi->nlocal && mi->axbase && mi->global_of && mi->fanout_cores && mi->nsyn &&
         mi->syn_loc && mi->astro_cores && mi->astro_home && mi->astro_local && mi->nrep && mi->nglio;
    if (ok)
      memcpy(mi->core_of, pl->core_of, mi->ncomp * sizeof(uint32_t));
  }
  unsigned before = ir_diag_error_count(d);
  ok = ok && decode(one, &x, loc, d);
  if (ok)
    mi->nslot = x.nslot;
  ok = ok && assign(mi, one, &x, loc, d) && learn_layout(mi, one, &x, cap, loc, d) && check_caps(mi, cap, loc, d) &&
       check_glio(mi, one, &x, cap, loc, d);
  for (uint32_t c = 0; c < mi->ncores && ok; c++)
    ok = load_core(mi, one, &x, c);
  decoded_free(&x);
  if (!ok) {
    if (ir_diag_error_count(d) == before)
      ir_error(d, loc, "out of memory splitting the accelerator image over the mesh");
    be_vl_mesh_destroy(mi);
    return NULL;
  }
  return mi;
}
