/* be_verilog_mesh.c — splits a one-core accelerator image over the cores of a mesh (rtl/astro_mesh.v):
 * per core its compartments (renumbered locally in global order), the fan-out lists of every axon that
 * reaches it, its AXBASE register and its router's route table, as one load stream whose commands carry
 * their core (docs/accelerator.md, "Mesh"). Only LEARN = 0 images (lif, static synapses) are split. */
#include <stdlib.h>
#include <string.h>

#include "be_verilog.h"

const be_vl_caps be_vl_mesh_caps = {.nw = 10, .aw = 12, .sw = 16, .dw = 6, .qw = 12, .acc_w = 40, .pw = 0, .tw = 0};

/* The one-core image's memories, decoded from its load stream. */
typedef struct decoded {
  uint64_t *param, *state;     /* [ncomp] */
  uint64_t *ax_start, *ax_cnt; /* [naxon] */
  uint64_t *syn;               /* [nsyn] */
  uint32_t nslot;
} decoded;

static void decoded_free(decoded *x) {
  free(x->param);
  free(x->state);
  free(x->ax_start);
  free(x->ax_cnt);
  free(x->syn);
}

static bool decode(const be_vl_image *one, decoded *x, ir_loc loc, ir_diag *d) {
  const unsigned sw = one->caps.sw;
  x->param = calloc(one->nneur + 1, sizeof(uint64_t));
  x->state = calloc(one->nneur + 1, sizeof(uint64_t));
  x->ax_start = calloc(one->naxon + 1, sizeof(uint64_t));
  x->ax_cnt = calloc(one->naxon + 1, sizeof(uint64_t));
  x->syn = calloc(one->nsyn + 1, sizeof(uint64_t));
  if (!x->param || !x->state || !x->ax_start || !x->ax_cnt || !x->syn) {
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
    case BE_VL_OP_WR_PARAM:
    case BE_VL_OP_WR_STATE:
      ok = c->addr < one->nneur;
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
  free(mi->cmds);
  free(mi->cmd_core);
  free(mi);
}

/* New axon id of a one-core axon: compartments core by core, inputs unchanged. */
static uint32_t axon_new(const be_vl_mesh *mi, uint32_t a) {
  return a < mi->ncomp ? mi->axbase[mi->core_of[a]] + mi->local_of[a] : a;
}

static uint32_t syn_target(const be_vl_image *one, uint64_t w) {
  return (uint32_t)(w & ((UINT64_C(1) << one->caps.nw) - 1));
}

/* Local numbering and the cores each axon's synapses live on. */
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
  for (uint32_t a = 0; a < mi->naxon; a++)
    for (uint64_t s = x->ax_start[a]; s < x->ax_start[a] + x->ax_cnt[a]; s++) {
      uint32_t t = syn_target(one, x->syn[s]);
      if (t >= mi->ncomp) {
        ir_error(d, loc, "internal error: a synapse targets compartment %u of %u", t, mi->ncomp);
        return false;
      }
      mi->fanout_cores[a] |= UINT64_C(1) << mi->core_of[t];
      mi->nsyn[mi->core_of[t]]++;
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
    ok = fits(d, loc, c, mi, "compartments", mi->nlocal[c], cap->nw) &&
         fits(d, loc, c, mi, "queued events per step (remote and input axons)", queued, cap->qw) &&
         fits(d, loc, c, mi, "synapses", mi->nsyn[c], cap->sw);
  }
  return ok;
}

/* The load stream of core c: registers, CLEAR, compartments, fan-out lists, route table. */
static bool load_core(be_vl_mesh *mi, const be_vl_image *one, const decoded *x, uint32_t c) {
  const be_vl_caps *k = &mi->caps;
  bool ok = emit(mi, c, BE_VL_OP_WR_REG, BE_VL_REG_NNEUR, mi->nlocal[c]) &&
            emit(mi, c, BE_VL_OP_WR_REG, BE_VL_REG_NSLOT, mi->nslot) && emit(mi, c, BE_VL_OP_WR_REG, BE_VL_REG_STEP, 0) &&
            emit(mi, c, BE_VL_OP_WR_REG, BE_VL_REG_SLOT, 0) && emit(mi, c, BE_VL_OP_WR_REG, BE_VL_REG_NIN, 0) &&
            emit(mi, c, BE_VL_OP_WR_REG, BE_VL_REG_AXBASE, mi->axbase[c]) && emit(mi, c, BE_VL_OP_CLEAR, 0, 0);
  for (uint32_t l = 0; l < mi->nlocal[c] && ok; l++) {
    uint32_t g = mi->global_of[c][l];
    ok = emit(mi, c, BE_VL_OP_WR_PARAM, l, x->param[g]) && emit(mi, c, BE_VL_OP_WR_STATE, l, x->state[g]);
  }
  uint64_t next = 0;
  for (uint32_t a = 0; a < mi->naxon && ok; a++) {
    bool local = a < mi->ncomp && mi->core_of[a] == c;
    if (!local && !(mi->fanout_cores[a] >> c & 1))
      continue; /* never arrives here: not local, no route, the host does not send it */
    uint64_t start = next;
    for (uint64_t s = x->ax_start[a]; s < x->ax_start[a] + x->ax_cnt[a] && ok; s++) {
      uint32_t t = syn_target(one, x->syn[s]);
      if (mi->core_of[t] != c)
        continue;
      uint64_t w = (x->syn[s] >> one->caps.nw) << k->nw | mi->local_of[t];
      mi->syn_loc[s] = (uint64_t)c << 32 | next;
      ok = emit(mi, c, BE_VL_OP_WR_SYN, (uint32_t)next++, w);
    }
    ok = ok && emit(mi, c, BE_VL_OP_WR_AXON, axon_new(mi, a), start | (next - start) << k->sw);
  }
  for (uint32_t l = 0; l < mi->nlocal[c] && ok; l++) {
    uint64_t mask = mi->fanout_cores[mi->global_of[c][l]] & ~(UINT64_C(1) << c);
    for (uint64_t r = mask; r; r &= r - 1)
      mi->nroutes++;
    ok = emit(mi, c, BE_VL_OP_WR_ROUTE, l, mask);
  }
  return ok;
}

be_vl_mesh *be_vl_mesh_build(const be_vl_image *one, const be_vl_placement *pl, const be_vl_caps *cap,
                             ir_loc loc, ir_diag *d) {
  if (one->caps.pw != 0 || one->nastro != 0 || one->nplast != 0 || one->nkproj != 0) {
    ir_error(d, loc, "a network with astrocytes, plasticity or nalsm_lif neurons runs on one core only: the mesh "
             "cores have no learning engine (LEARN = 0)");
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
    ok = mi->core_of && mi->local_of && mi->nlocal && mi->axbase && mi->global_of && mi->fanout_cores && mi->nsyn &&
         mi->syn_loc;
    if (ok)
      memcpy(mi->core_of, pl->core_of, mi->ncomp * sizeof(uint32_t));
  }
  unsigned before = ir_diag_error_count(d);
  ok = ok && decode(one, &x, loc, d);
  if (ok)
    mi->nslot = x.nslot;
  ok = ok && assign(mi, one, &x, loc, d) && check_caps(mi, cap, loc, d);
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
