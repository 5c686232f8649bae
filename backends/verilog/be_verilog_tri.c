/* be_verilog_tri.c — what the accelerator image needs of `tripartite` astrocytes: the words of an
 * element derived as runtime/astro_tripartite.c derives them, the limits of the accelerator (one
 * modulated projection per post population), and the GLIO phase's TLIST entries: per target
 * compartment, in astrocyte order, the elements whose factor or current reach it (rtl/astro_tri.v,
 * docs/accelerator.md "tripartite astrocytes"). */
#include "be_verilog.h"
#include "fixed.h"

static uint64_t lo32(int32_t x) { return (uint64_t)(uint32_t)x; }

bool be_vl_tri_words(const ir_module *m, const ir_astrocyte *ia, uint32_t e, const double *prm, uint64_t w[5],
                     ir_diag *d) {
  int32_t fca = be_vl_factor16(prm[IR_P_TRIPARTITE_TAU_CA], m->dt), fg = be_vl_factor16(prm[IR_P_TRIPARTITE_TAU_GLIO], m->dt);
  int32_t cps = 0, cth = 0, grel = 0, ggain = 0, ca0 = 0, gcur = 0;
  const char *why = NULL;
  if (!be_vl_fx_checked(prm[IR_P_TRIPARTITE_CA_PER_SPIKE], 65536.0, &cps) ||
      !be_vl_fx_checked(prm[IR_P_TRIPARTITE_CA_THRESHOLD], 65536.0, &cth) ||
      !be_vl_fx_checked(prm[IR_P_TRIPARTITE_GLIO_RELEASE], 65536.0, &grel) ||
      !be_vl_fx_checked(prm[IR_P_TRIPARTITE_GLIO_GAIN], 65536.0, &ggain) ||
      !be_vl_fx_checked(prm[IR_P_TRIPARTITE_CA_INIT], 65536.0, &ca0))
    why = "ca_per_spike, ca_threshold, glio_release, glio_gain and ca_init must be within +-32768 (Q16)";
  else if (!be_vl_fx_checked(prm[IR_P_TRIPARTITE_GLIO_CURRENT], 64.0 / m->v_unit, &gcur))
    why = "glio_current must be within +-2^31 fine units";
  if (why) {
    ir_error(d, ia->loc, "astrocyte '%s' (element %u): %s", ia->name, e, why);
    return false;
  }
  w[0] = (uint64_t)(uint32_t)fca | (uint64_t)(uint32_t)fg << 17 | UINT64_C(1) << 63;
  w[1] = lo32(ca0);
  w[2] = lo32(cps) | lo32(cth) << 32;
  w[3] = lo32(grel) | lo32(ggain) << 32;
  w[4] = lo32(gcur);
  return true;
}

/* Whether a tripartite astrocyte modulates projection k (scales its efficacy). */
bool be_vl_tri_modulated(const ir_module *m, uint32_t k) {
  for (uint32_t a = 0; a < m->nastros; a++) {
    const ir_astrocyte *ia = &m->astros[a];
    for (uint32_t i = 0; ia->model == IR_ASTRO_TRIPARTITE && i < ia->nmodulates; i++)
      if (ia->modulates[i].kind == IR_NODE_PROJECTION && ia->modulates[i].index == k)
        return true;
  }
  return false;
}

/* The projection into population p that tripartite astrocytes modulate, or -1 (be_vl_tri_check allows
 * at most one). */
static int32_t modulated_into(const ir_module *m, uint32_t p) {
  for (uint32_t k = 0; k < m->nprojs; k++)
    if (m->projs[k].post.kind == IR_NODE_POPULATION && m->projs[k].post.index == p && be_vl_tri_modulated(m, k))
      return (int32_t)k;
  return -1;
}

/* Whether astrocyte ia sends its glio current into population p: p is modulated, or the post of a
 * modulated projection (once per astrocyte, as rt_domain_targets). */
static bool targets(const ir_module *m, const ir_astrocyte *ia, uint32_t p) {
  for (uint32_t i = 0; i < ia->nmodulates; i++) {
    ir_ref r = ia->modulates[i];
    if (r.kind == IR_NODE_POPULATION && r.index == p)
      return true;
    if (r.kind == IR_NODE_PROJECTION && r.index < m->nprojs && m->projs[r.index].post.kind == IR_NODE_POPULATION &&
        m->projs[r.index].post.index == p)
      return true;
  }
  return false;
}

bool be_vl_tri_check(const ir_module *m, ir_diag *d) {
  unsigned before = ir_diag_error_count(d);
  uint32_t ntri = 0;
  for (uint32_t a = 0; a < m->nastros; a++) {
    const ir_astrocyte *ia = &m->astros[a];
    if (ia->model != IR_ASTRO_TRIPARTITE)
      continue;
    if (++ntri == 257) /* the GLIO current sum: 2^8 currents of < 2^46 fine units fit the 56-bit EXT word */
      ir_error(d, ia->loc, "astrocyte population '%s': the verilog accelerator holds at most 256 tripartite "
               "astrocyte populations", ia->name);
    for (uint32_t i = 0; i < ia->nmodulates; i++) {
      ir_ref r = ia->modulates[i];
      if (!((r.kind == IR_NODE_POPULATION && r.index < m->npops) ||
            (r.kind == IR_NODE_PROJECTION && r.index < m->nprojs && m->projs[r.index].post.kind == IR_NODE_POPULATION &&
             m->projs[r.index].post.index < m->npops)))
        ir_error(d, ia->loc, "astrocyte population '%s' modulates an invalid node", ia->name);
    }
  }
  for (uint32_t p = 0; p < m->npops && ir_diag_error_count(d) == before; p++) {
    int32_t first = modulated_into(m, p);
    if (first < 0)
      continue;
    if (m->pops[p].model == IR_NEURON_NALSM_LIF) {
      ir_error(d, m->projs[first].loc, "efficacy modulation of projection '%s' into a nalsm_lif population is not "
               "supported (it needs event delivery)", m->projs[first].name);
      continue;
    }
    for (uint32_t k = (uint32_t)first + 1; k < m->nprojs; k++)
      if (m->projs[k].post.kind == IR_NODE_POPULATION && m->projs[k].post.index == p && be_vl_tri_modulated(m, k)) {
        ir_error(d, m->projs[k].loc,
                 "population '%s' receives two projections modulated by tripartite astrocytes ('%s', '%s'); the "
                 "verilog accelerator supports one per post population (one MACC accumulator per compartment)",
                 m->pops[p].name, m->projs[first].name, m->projs[k].name);
        break;
      }
  }
  return ir_diag_error_count(d) == before;
}

/* TLIST entry: j nw | element nw | mod 1 | cur 1 | last 1. A target's entries follow the interpreter's
 * order of phase 1b: astrocytes in model order; per astrocyte one factor per `modulates` entry naming
 * the modulated projection into j's population, and its current once. */
uint64_t be_vl_tri_entries(const ir_module *m, const uint32_t *pop_base, const uint32_t *astro_base, unsigned nw,
                           uint64_t *out) {
  uint64_t n = 0;
  for (uint32_t p = 0; p < m->npops; p++) {
    int32_t mp = modulated_into(m, p);
    for (uint32_t j = 0; j < m->pops[p].size; j++) {
      uint64_t first = n, c = pop_base[p] + j;
      for (uint32_t a = 0; a < m->nastros; a++) {
        const ir_astrocyte *ia = &m->astros[a];
        if (ia->model != IR_ASTRO_TRIPARTITE || !targets(m, ia, p))
          continue;
        uint32_t nmod = 0;
        for (uint32_t i = 0; mp >= 0 && i < ia->nmodulates; i++)
          nmod += ia->modulates[i].kind == IR_NODE_PROJECTION && ia->modulates[i].index == (uint32_t)mp;
        uint64_t el = astro_base[a] + j % ia->size;
        for (uint32_t t = 0; t < (nmod ? nmod : 1); t++, n++)
          if (out)
            out[n] = c | el << nw | (uint64_t)(t < nmod) << (2 * nw) | (uint64_t)(t == 0) << (2 * nw + 1);
      }
      if (out && n > first)
        out[n - 1] |= UINT64_C(1) << (2 * nw + 2);
    }
  }
  return n;
}
