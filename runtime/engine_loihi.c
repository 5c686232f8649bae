/* engine_loihi.c — the `loihi` engine: runs a compiled Loihi configuration (backends/loihi,
 * docs/loihi-format.md) from its tables alone. Compartment dynamics come from the profiles (CUBA and
 * NALSM), synaptic input from decoding the synapse memory of the input axons the output axons route to
 * (event formats into the dendritic ring, kernel formats through each axon's last spike), inputs and
 * injected currents from the configuration's input descriptions (datasets loaded on the host side),
 * learning from the rules' integers (astroc's exact rule or Loihi's arithmetic, lh_learn) applied to
 * the weight and tag fields of the synapse memory, astrocytes from their compartment descriptions (nalsm;
 * tripartite elements with their modulated formats and currents), amsu units as soma + astrocyte
 * compartment pairs. The
 * module is used only to name sources and check that the configuration belongs to it, so a wrong table
 * shows up as a wrong raster. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "engine.h"
#include "fixed.h"
#include "lh.h"
#include "rng.h"

typedef struct lh_core_state {
  int32_t *v, *u, *ref;
  int64_t *ring;   /* LH_RING slots x ncx dendritic sums, fine units */
  int64_t *cnt;    /* LH_RING slots x ncx: synaptic events per dendrite (read by AMSU somas' astrocytes) */
  int64_t *mring;  /* LH_RING x nfmt x ncx: sums of modulated formats, scaled and rounded apart; or NULL */
  int64_t *inj;    /* ncx: injected current of this step, fine units */
  int64_t *kacc;   /* nfmt x ncx: kernel accumulators (mantissa x Q12) of NALSM compartments */
  int64_t *axlast; /* naxin: step of the last spike routed to the axon */
  int32_t *axreach; /* naxin: kernel axons: kcut + largest delay (steps a spike keeps acting), else -1 */
  bool nalsm;      /* the core hosts NALSM compartments */
} lh_core_state;

typedef struct lh_src { /* a population or an input, as the user sees it */
  uint32_t n;
  uint8_t *spk, *forced;
  uint32_t *idx;
  uint32_t nspk;
} lh_src;

typedef struct lh_engine {
  rt_sim *sim;
  const ir_module *m;
  lh_config *c;
  uint64_t seed, step;
  lh_core_state *cs;
  lh_src *src;        /* npops + ninputs */
  uint64_t *cursor;   /* per input: next event */
  uint32_t **pcore, **pcx; /* per population neuron: its core and compartment */
  int32_t **xpre, **xpost; /* per learning rule: Q16 traces (Loihi arithmetic: 0..127) */
  uint8_t **epre, **epost; /* per learning rule in Loihi arithmetic: spiked during the current epoch */
  int32_t *astro_a;        /* per astrocyte: Q16 state */
  int32_t **ca, **g;       /* per tripartite astrocyte, per element: Q16 state */
  int64_t **ev;            /* per tripartite astrocyte, per element: events of the step */
  uint64_t **ds_p;         /* per dataset input: count x size Q32 probabilities (host-side encoding) */
  uint32_t *ds_count;      /* per dataset input: samples */
} lh_engine;

static void loihi_destroy(void *e) {
  lh_engine *x = e;
  if (!x)
    return;
  for (uint32_t k = 0; x->cs && k < x->c->ncores; k++) {
    free(x->cs[k].v);
    free(x->cs[k].u);
    free(x->cs[k].ref);
    free(x->cs[k].ring);
    free(x->cs[k].cnt);
    free(x->cs[k].mring);
    free(x->cs[k].inj);
    free(x->cs[k].kacc);
    free(x->cs[k].axlast);
    free(x->cs[k].axreach);
  }
  for (uint32_t k = 0; x->ds_p && k < x->m->ninputs; k++)
    free(x->ds_p[k]);
  free(x->ds_p);
  free(x->ds_count);
  for (uint32_t k = 0; x->src && k < x->m->npops + x->m->ninputs; k++) {
    free(x->src[k].spk);
    free(x->src[k].forced);
    free(x->src[k].idx);
  }
  for (uint32_t p = 0; x->pcore && p < x->m->npops; p++) {
    free(x->pcore[p]);
    free(x->pcx[p]);
  }
  for (uint32_t r = 0; x->xpre && r < x->c->nrules; r++) {
    free(x->xpre[r]);
    free(x->xpost[r]);
  }
  for (uint32_t r = 0; x->epre && r < x->c->nrules; r++) {
    free(x->epre[r]);
    free(x->epost[r]);
  }
  free(x->epre);
  free(x->epost);
  free(x->xpre);
  free(x->xpost);
  free(x->astro_a);
  for (uint32_t k = 0; x->ca && k < x->c->nastros; k++) {
    free(x->ca[k]);
    free(x->g[k]);
    free(x->ev[k]);
  }
  free(x->ca);
  free(x->g);
  free(x->ev);
  free(x->pcore);
  free(x->pcx);
  free(x->cs);
  free(x->src);
  free(x->cursor);
  lh_config_free(x->c);
  free(x);
}

/* ---------------------------------------------------------------- loading */

static lh_config *load_config(const ir_module *m, ir_diag *d) {
  const ir_attr *a = ir_attr_get(&m->attrs, LH_DIR_ATTR);
  if (!a || a->kind != IR_ATTR_STR) {
    ir_error(d, m->loc, "the loihi engine runs a compiled configuration: compile with `astroc compile MODEL "
                        "--target loihi1 -o DIR`, then `astroc run DIR --backend loihi`");
    return NULL;
  }
  size_t n = strlen(a->u.s) + 16;
  char *path = malloc(n);
  if (!path)
    return NULL;
  snprintf(path, n, "%s/loihi.bin", a->u.s);
  FILE *f = fopen(path, "rb");
  lh_config *c = NULL;
  if (!f)
    ir_error(d, (ir_loc){.file = path}, "cannot open the loihi configuration: %s", strerror(errno));
  else {
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, got;
    do {
      if (len == cap) {
        cap = cap ? 2 * cap : 65536;
        uint8_t *nb = realloc(buf, cap);
        if (!nb)
          break;
        buf = nb;
      }
      got = fread(buf + len, 1, cap - len, f);
      len += got;
    } while (got > 0);
    fclose(f);
    if (buf)
      c = lh_read_bin(buf, len, path, d);
    free(buf);
  }
  free(path);
  return c;
}

/* The configuration must describe this module's sources, in order. */
static bool matches(const lh_config *c, const ir_module *m, ir_diag *d) {
  bool ok = c->npops == m->npops && c->ninputs == m->ninputs && c->nastros == m->nastros;
  for (uint32_t p = 0; ok && p < m->npops; p++)
    ok = strcmp(c->pops[p].name, m->pops[p].name) == 0 && c->pops[p].size == m->pops[p].size;
  for (uint32_t k = 0; ok && k < m->ninputs; k++)
    ok = strcmp(c->inputs[k].name, m->inputs[k].name) == 0 && c->inputs[k].size == m->inputs[k].size;
  if (!ok)
    ir_error(d, m->loc, "the loihi configuration does not belong to this network (populations, inputs or "
                        "astrocytes differ)");
  return ok;
}

static bool create_state(lh_engine *x) {
  const lh_config *c = x->c;
  const ir_module *m = x->m;
  x->cs = calloc(c->ncores ? c->ncores : 1, sizeof *x->cs);
  x->src = calloc((size_t)m->npops + m->ninputs + 1, sizeof *x->src);
  x->cursor = calloc((size_t)m->ninputs + 1, sizeof *x->cursor);
  x->pcore = calloc((size_t)m->npops + 1, sizeof *x->pcore);
  x->pcx = calloc((size_t)m->npops + 1, sizeof *x->pcx);
  if (!x->cs || !x->src || !x->cursor || !x->pcore || !x->pcx)
    return false;
  for (uint32_t k = 0; k < m->npops + m->ninputs; k++) {
    lh_src *s = &x->src[k];
    s->n = k < m->npops ? m->pops[k].size : m->inputs[k - m->npops].size;
    s->spk = calloc(s->n + 1, 1);
    s->forced = calloc(s->n + 1, 1);
    s->idx = calloc(s->n + 1, sizeof(uint32_t));
    if (!s->spk || !s->forced || !s->idx)
      return false;
  }
  for (uint32_t p = 0; p < m->npops; p++) {
    x->pcore[p] = malloc(((size_t)m->pops[p].size + 1) * sizeof(uint32_t));
    x->pcx[p] = malloc(((size_t)m->pops[p].size + 1) * sizeof(uint32_t));
    if (!x->pcore[p] || !x->pcx[p])
      return false;
    for (uint32_t j = 0; j < m->pops[p].size; j++)
      x->pcore[p][j] = UINT32_MAX;
  }
  for (uint32_t k = 0; k < c->ncores; k++) {
    const lh_core *core = &c->cores[k];
    lh_core_state *cs = &x->cs[k];
    size_t n = (size_t)core->ncx + 1;
    cs->v = calloc(n, sizeof(int32_t));
    cs->u = calloc(n, sizeof(int32_t));
    cs->ref = calloc(n, sizeof(int32_t));
    cs->ring = calloc(n * LH_RING, sizeof(int64_t));
    cs->cnt = calloc(n * LH_RING, sizeof(int64_t));
    cs->inj = calloc(n, sizeof(int64_t));
    cs->kacc = calloc(n * (core->nfmt + 1), sizeof(int64_t));
    cs->axlast = malloc(((size_t)core->naxin + 1) * sizeof(int64_t));
    cs->axreach = malloc(((size_t)core->naxin + 1) * sizeof(int32_t));
    if (!cs->v || !cs->u || !cs->ref || !cs->ring || !cs->cnt || !cs->inj || !cs->kacc || !cs->axlast || !cs->axreach)
      return false;
    for (uint32_t a = 0; a < core->naxin; a++)
      cs->axlast[a] = INT64_MIN / 2;
    bool modulated = false;
    for (uint32_t f = 0; f < core->nfmt; f++)
      modulated |= core->fmt[f].modulated >= 0;
    if (modulated && !(cs->mring = calloc(n * LH_RING * core->nfmt, sizeof(int64_t))))
      return false;
    for (uint32_t i = 0; i < core->ncx; i++)
      cs->nalsm |= core->cxp[core->cx[i].cxp].kind == LH_CX_NALSM;
    for (uint32_t i = 0; i < core->ncx; i++) {
      cs->v[i] = core->cx[i].v_init;
      cs->u[i] = core->cx[i].u_init;
      if (core->cxp[core->cx[i].cxp].kind == LH_CX_ASTRO)
        continue; /* the neuron is its soma, the compartment before (lh_read_bin checked the pairing) */
      x->pcore[core->cx[i].pop][core->cx[i].neuron] = k;
      x->pcx[core->cx[i].pop][core->cx[i].neuron] = i;
    }
  }
  return true;
}

/* Tripartite astrocytes: ca from ca_init, g = 0; the projections they name must be the module's. */
static bool create_tripartite(lh_engine *x) {
  const lh_config *c = x->c;
  x->ca = calloc(c->nastros + 1, sizeof *x->ca);
  x->g = calloc(c->nastros + 1, sizeof *x->g);
  x->ev = calloc(c->nastros + 1, sizeof *x->ev);
  if (!x->ca || !x->g || !x->ev)
    return false;
  for (uint32_t k = 0; k < c->nastros; k++) {
    const lh_astro *a = &c->astros[k];
    if (a->kind != LH_ASTRO_TRIPARTITE)
      continue;
    x->ca[k] = calloc(a->n, sizeof(int32_t));
    x->g[k] = calloc(a->n, sizeof(int32_t));
    x->ev[k] = calloc(a->n, sizeof(int64_t));
    if (!x->ca[k] || !x->g[k] || !x->ev[k])
      return false;
    for (uint32_t e = 0; e < a->n; e++)
      x->ca[k][e] = a->tri[(size_t)e * LH_TRI_COUNT + LH_TRI_CA0];
  }
  return true;
}

/* Indices the reader cannot check (projections: the configuration does not list them). */
static bool check_projections(const lh_engine *x, ir_diag *d) {
  bool ok = true;
  for (uint32_t k = 0; k < x->c->nastros; k++) {
    const lh_astro *a = &x->c->astros[k];
    for (uint32_t l = 0; l < a->nlisten; l++)
      ok &= a->listen_kind[l] != 2 || a->listen_index[l] < x->m->nprojs;
    for (uint32_t i = 0; i < a->nmod; i++)
      ok &= a->mod_proj[i] < x->m->nprojs;
  }
  for (uint32_t k = 0; k < x->c->ncores; k++)
    for (uint32_t f = 0; f < x->c->cores[k].nfmt; f++)
      ok &= x->c->cores[k].fmt[f].modulated < (int32_t)x->m->nprojs;
  if (!ok)
    ir_error(d, x->m->loc, "loihi configuration: an astrocyte or synapse format names a projection the network "
                           "does not have");
  return ok;
}

static bool create_learning(lh_engine *x) {
  const lh_config *c = x->c;
  x->xpre = calloc(c->nrules + 1, sizeof *x->xpre);
  x->xpost = calloc(c->nrules + 1, sizeof *x->xpost);
  x->epre = calloc(c->nrules + 1, sizeof *x->epre);
  x->epost = calloc(c->nrules + 1, sizeof *x->epost);
  x->astro_a = calloc(c->nastros + 1, sizeof *x->astro_a);
  if (!x->xpre || !x->xpost || !x->epre || !x->epost || !x->astro_a)
    return false;
  for (uint32_t r = 0; r < c->nrules; r++) {
    x->xpre[r] = calloc(c->rules[r].npre + 1, sizeof(int32_t));
    x->xpost[r] = calloc(c->rules[r].npost + 1, sizeof(int32_t));
    x->epre[r] = calloc(c->rules[r].npre + 1, 1);
    x->epost[r] = calloc(c->rules[r].npost + 1, 1);
    if (!x->xpre[r] || !x->xpost[r] || !x->epre[r] || !x->epost[r])
      return false;
  }
  for (uint32_t k = 0; k < c->nastros; k++)
    x->astro_a[k] = c->astros[k].a0;
  return create_tripartite(x);
}

typedef struct reach_ctx {
  const lh_config *c;
  int32_t reach;
} reach_ctx;

static void reach_syn(void *ctx, const lh_synfmt *fmt, const lh_syn *s) {
  reach_ctx *rc = ctx;
  if (fmt->kernel < 0)
    return;
  int32_t r = rc->c->kernels[fmt->kernel].kcut + (int32_t)s->delay;
  rc->reach = r > rc->reach ? r : rc->reach;
}

/* How long a spike on each input axon keeps acting through a kernel (-1: event axon). */
static bool create_reach(lh_engine *x, ir_diag *d) {
  for (uint32_t k = 0; k < x->c->ncores; k++)
    for (uint32_t a = 0; a < x->c->cores[k].naxin; a++) {
      reach_ctx rc = {x->c, -1};
      if (!lh_decode_axon(x->c, &x->c->cores[k], a, reach_syn, &rc)) {
        ir_error(d, x->m->loc, "loihi configuration: the synapse memory of core %u, axon %u is malformed", k, a);
        return false;
      }
      x->cs[k].axreach[a] = rc.reach;
    }
  return true;
}

/* Dataset inputs: the host loads and encodes the images as the interpreter does (docs/numerics.md,
 * "Datasets"); the chip sees only the resulting spikes. */
static bool load_dataset(lh_engine *x, uint32_t k, const char *data_dir, ir_diag *d) {
  const lh_input *in = &x->c->inputs[k];
  const ir_input *ii = &x->m->inputs[k];
  uint32_t pool = in->size == 784 ? 1 : in->size == 196 ? 2 : in->size == 49 ? 4 : 0;
  if (!pool) {
    ir_error(d, ii->loc, "input '%s': a dataset input needs size 784, 196 or 49, got %u", in->name, in->size);
    return false;
  }
  rt_dataset *ds = rt_dataset_load_pooled(in->dataset, in->split, data_dir, pool, d);
  if (!ds)
    return false;
  size_t total = (size_t)ds->count * ds->rows * ds->cols;
  bool ok = ds->count > 0 && (uint64_t)ds->rows * ds->cols == in->size;
  if (!ok)
    ir_error(d, ii->loc, "input '%s': the dataset split is empty or its images do not have %u pixels", in->name,
             in->size);
  float *p = ok && in->encoding == IR_ENC_NALSM ? malloc(total * sizeof(float)) : NULL;
  x->ds_p[k] = ok ? malloc((total ? total : 1) * sizeof(uint64_t)) : NULL;
  if (ok && (!x->ds_p[k] || (in->encoding == IR_ENC_NALSM && !p))) {
    ir_error(d, ii->loc, "input '%s': out of memory encoding the dataset", in->name);
    ok = false;
  }
  if (ok && in->encoding == IR_ENC_NALSM) {
    rt_dataset_nalsm_encode(ds, p);
    for (size_t i = 0; i < total; i++)
      x->ds_p[k][i] = ir_fx_prob(p[i]);
  } else if (ok)
    for (size_t i = 0; i < total; i++)
      x->ds_p[k][i] = ir_fx_prob((double)ds->pixels[i] * in->scale);
  x->ds_count[k] = ds->count;
  free(p);
  rt_dataset_free(ds);
  return ok;
}

static bool create_inputs(lh_engine *x, const rt_options *opt, ir_diag *d) {
  x->ds_p = calloc((size_t)x->m->ninputs + 1, sizeof *x->ds_p);
  x->ds_count = calloc((size_t)x->m->ninputs + 1, sizeof *x->ds_count);
  if (!x->ds_p || !x->ds_count)
    return false;
  for (uint32_t k = 0; k < x->m->ninputs; k++)
    if (x->c->inputs[k].kind == LH_IN_DATASET && !load_dataset(x, k, opt ? opt->data_dir : NULL, d))
      return false;
  return true;
}

static void *loihi_create(rt_sim *sim, const ir_module *m, ir_numerics numerics, uint64_t seed,
                          const rt_options *opt, ir_diag *d) {
  if (numerics != IR_NUMERICS_FIXED) {
    ir_error(d, m->loc, "the loihi engine runs fixed numerics only");
    return NULL;
  }
  lh_engine *x = calloc(1, sizeof *x);
  if (!x)
    return NULL;
  x->sim = sim;
  x->m = m;
  x->seed = seed;
  unsigned before = ir_diag_error_count(d);
  x->c = load_config(m, d);
  bool ok = x->c && matches(x->c, m, d);
  ok = ok && create_state(x) && create_learning(x) && check_projections(x, d) && create_reach(x, d) && create_inputs(x, opt, d);
  for (uint32_t p = 0; ok && p < m->npops; p++)
    for (uint32_t j = 0; ok && j < m->pops[p].size; j++)
      if (x->pcore[p][j] == UINT32_MAX) {
        ir_error(d, m->loc, "the loihi configuration has no compartment for neuron %u of population '%s'", j,
                 m->pops[p].name);
        ok = false;
      }
  if (!ok) {
    if (ir_diag_error_count(d) == before)
      ir_error(d, m->loc, "out of memory creating the loihi engine");
    loihi_destroy(x);
    return NULL;
  }
  return x;
}

/* ---------------------------------------------------------------- the step */

typedef struct deliver_ctx {
  int64_t *ring, *cnt, *mring;
  const lh_core *core;
  uint64_t t;
} deliver_ctx;

/* A synapse of a spike of step t reaches its compartment at t + 1 + delay: the mantissa, shifted by its
 * format's exponent into fine units (6 + wexp >= 0: exact). */
static void deliver_syn(void *ctx, const lh_synfmt *fmt, const lh_syn *s) {
  deliver_ctx *dc = ctx;
  if (fmt->kernel >= 0) /* kernel formats act through the axon's last spike (integrate_nalsm) */
    return;
  size_t slot = (size_t)((dc->t + 1 + s->delay) % LH_RING), ncx = dc->core->ncx;
  int64_t w = (int64_t)s->weight * (INT64_C(1) << (6 + fmt->wexp));
  if (fmt->modulated >= 0 && dc->mring) /* a modulated format: its own accumulator (step_modulated) */
    dc->mring[(slot * dc->core->nfmt + (size_t)(fmt - dc->core->fmt)) * ncx + s->index] += w;
  else
    dc->ring[slot * ncx + s->index] += w;
  dc->cnt[slot * ncx + s->index]++;
}

typedef struct listen_ctx {
  const lh_core *core;
  int64_t *ev;
  uint32_t n;
  int64_t sign;
} listen_ctx;

static void listen_syn(void *ctx, const lh_synfmt *fmt, const lh_syn *s) {
  listen_ctx *lc = ctx;
  (void)fmt;
  lc->ev[lc->core->cx[s->index].neuron % lc->n] += lc->sign;
}

/* A spike reaching input axon a of core k: for every tripartite astrocyte listening to the axon's
 * projection, one event per synapse, for the element owning the synapse's postsynaptic neuron. */
static bool listen_axon(lh_engine *x, uint32_t k, uint32_t a, ir_diag *d) {
  const lh_core *core = &x->c->cores[k];
  for (uint32_t i = 0; i < x->c->nastros; i++) {
    const lh_astro *as = &x->c->astros[i];
    for (uint32_t l = 0; as->kind == LH_ASTRO_TRIPARTITE && l < as->nlisten; l++) {
      if (as->listen_kind[l] != 2 || as->listen_index[l] != core->axin[a].proj)
        continue;
      listen_ctx lc = {core, x->ev[i], as->n, as->listen_sign[l]};
      if (!lh_decode_axon(x->c, core, a, listen_syn, &lc)) {
        ir_error(d, x->m->loc, "loihi configuration: the synapse memory of core %u, axon %u is malformed", k, a);
        return false;
      }
    }
  }
  return true;
}

static bool route(lh_engine *x, const lh_axout *out, uint32_t from, uint32_t to, ir_diag *d) {
  for (uint32_t o = from; o < to; o++) {
    const lh_core *core = &x->c->cores[out[o].core];
    deliver_ctx dc = {x->cs[out[o].core].ring, x->cs[out[o].core].cnt, x->cs[out[o].core].mring, core, x->step};
    if (!listen_axon(x, out[o].core, out[o].axon, d))
      return false;
    x->cs[out[o].core].axlast[out[o].axon] = (int64_t)x->step;
    if (x->cs[out[o].core].axreach[out[o].axon] >= 0)
      continue;
    if (!lh_decode_axon(x->c, core, out[o].axon, deliver_syn, &dc)) {
      ir_error(d, x->m->loc, "loihi configuration: the synapse memory of core %u, axon %u is malformed",
               out[o].core, out[o].axon);
      return false;
    }
  }
  return true;
}

static void step_inputs(lh_engine *x) {
  const ir_module *m = x->m;
  for (uint32_t k = 0; k < m->ninputs; k++) {
    const lh_input *in = &x->c->inputs[k];
    lh_src *s = &x->src[m->npops + k];
    if (in->kind == LH_IN_PROB || in->kind == LH_IN_DATASET) {
      const uint64_t *p = in->p_q;
      if (in->kind == LH_IN_DATASET)
        p = x->ds_p[k] + ((x->step / in->sample_steps) % x->ds_count[k]) * in->size;
      uint64_t stream = RNG_STREAM(RNG_KIND_INPUT, in->stream);
      for (uint32_t i = 0; i < in->size; i++)
        s->spk[i] = p[i] && ir_fx_draw(rng_hash4(x->seed, stream, i, x->step), p[i]);
    } else {
      while (x->cursor[k] < in->nev && in->ev_step[x->cursor[k]] < x->step)
        x->cursor[k]++;
      while (x->cursor[k] < in->nev && in->ev_step[x->cursor[k]] == x->step)
        s->spk[in->ev_neuron[x->cursor[k]++]] = 1;
    }
    for (uint32_t i = 0; i < in->size; i++)
      s->spk[i] |= s->forced[i];
    for (uint32_t i = 0; in->inject_pop >= 0 && i < in->size; i++)
      if (s->spk[i]) {
        uint32_t p = (uint32_t)in->inject_pop;
        x->cs[x->pcore[p][i]].inj[x->pcx[p][i]] += in->inject[i];
      }
  }
}

/* NALSM compartments decide before integrating (docs/numerics.md, "nalsm_lif"): V >= vth (fine units)
 * and not refractory, or forced; a spike resets V to v_reset. */
static void fire_nalsm(lh_engine *x, uint32_t k) {
  const lh_core *core = &x->c->cores[k];
  lh_core_state *cs = &x->cs[k];
  for (uint32_t i = 0; i < core->ncx; i++) {
    const lh_cx *cx = &core->cx[i];
    const lh_cx_profile *pr = &core->cxp[cx->cxp];
    if (pr->kind != LH_CX_NALSM)
      continue;
    lh_src *s = &x->src[cx->pop];
    if ((cs->v[i] >= core->vthp[cx->vthp] && cs->ref[i] == 0) || s->forced[cx->neuron]) {
      s->spk[cx->neuron] = 1;
      cs->v[i] = pr->v_reset;
    }
  }
}

typedef struct kernel_ctx {
  const lh_config *c;
  const lh_core *core;
  int64_t *kacc;
  int64_t s0; /* steps since the axon's last spike */
} kernel_ctx;

static void kernel_syn(void *ctx, const lh_synfmt *fmt, const lh_syn *s) {
  kernel_ctx *kc = ctx;
  if (fmt->kernel < 0)
    return;
  const lh_kernel *kn = &kc->c->kernels[fmt->kernel];
  int64_t sd = kc->s0 - s->delay;
  if (sd < 0 || sd > kn->kcut)
    return;
  size_t f = (size_t)(fmt - kc->core->fmt);
  kc->kacc[f * kc->core->ncx + s->index] += (int64_t)s->weight * kn->kq[sd];
}

/* NALSM compartments integrate after every source of step t has spiked: each kernel format's
 * accumulator is rounded once (rr(acc << (6 + wexp), 12)), then V = sat24(decay(V, dv, 0) + syn + inj)
 * and the refractory counter updates. */
static bool integrate_nalsm(lh_engine *x, uint32_t k, ir_diag *d) {
  const lh_core *core = &x->c->cores[k];
  lh_core_state *cs = &x->cs[k];
  int64_t t = (int64_t)x->step;
  memset(cs->kacc, 0, (size_t)core->nfmt * core->ncx * sizeof(int64_t));
  for (uint32_t a = 0; a < core->naxin; a++) {
    kernel_ctx kc = {x->c, core, cs->kacc, t - cs->axlast[a]};
    if (cs->axreach[a] < 0 || kc.s0 > cs->axreach[a])
      continue;
    if (!lh_decode_axon(x->c, core, a, kernel_syn, &kc)) {
      ir_error(d, x->m->loc, "loihi configuration: the synapse memory of core %u, axon %u is malformed", k, a);
      return false;
    }
  }
  for (uint32_t i = 0; i < core->ncx; i++) {
    const lh_cx *cx = &core->cx[i];
    const lh_cx_profile *pr = &core->cxp[cx->cxp];
    if (pr->kind != LH_CX_NALSM)
      continue;
    int64_t syn = 0;
    for (uint32_t f = 0; f < core->nfmt; f++)
      if (core->fmt[f].kernel >= 0)
        syn += ir_fx_rshift_round(cs->kacc[(size_t)f * core->ncx + i] * (INT64_C(1) << (6 + core->fmt[f].wexp)),
                                  IR_FX_KERNEL_Q);
    cs->v[i] = (int32_t)ir_fx_sat24(ir_fx_decay(cs->v[i], pr->dv, 0) + syn + cs->inj[i]);
    cs->inj[i] = 0;
    if (x->src[cx->pop].spk[cx->neuron])
      cs->ref[i] = pr->refractory;
    else if (cs->ref[i] > 0)
      cs->ref[i]--;
  }
  return true;
}

static int64_t clamp31(int64_t v) { return v > INT32_MAX ? INT32_MAX : v < -INT32_MAX ? -INT32_MAX : v; }

/* sign(v) * ((|v| * f) >> 16): the astrocyte compartment's decay, truncating toward zero. */
static int64_t decay16(int64_t v, int64_t f) { return v >= 0 ? (v * f) >> 16 : -(((-v) * f) >> 16); }

/* An amsu unit (docs/loihi-format.md, "amsu"): AMSU soma i joined to its ASTRO compartment i + 1, whose
 * state a (held in v[i + 1], Q16, from the previous step) scales the soma's dendritic sum, adds a current
 * and raises the threshold; then a decays and takes the soma's event count and spike. */
static void step_amsu(lh_engine *x, const lh_core *core, lh_core_state *cs, uint32_t i, int64_t *slot,
                      int64_t *cnt) {
  const lh_cx *cx = &core->cx[i];
  const lh_cx_profile *pr = &core->cxp[cx->cxp], *ap = &core->cxp[core->cx[i + 1].cxp];
  int64_t a = cs->v[i + 1], inj = cs->inj[i];
  cs->inj[i] = 0;
  int64_t m = clamp31(IR_FX_ONE + ir_fx_rshift_round((int64_t)ap->gain * a, IR_FX_Q));
  int64_t se = ir_fx_rshift_round(clamp31(slot[i]) * m, IR_FX_Q);
  cs->u[i] = (int32_t)ir_fx_sat24(ir_fx_decay(cs->u[i], pr->du, 1) + se);
  bool fire = false;
  if (cs->ref[i] > 0) {
    cs->ref[i]--;
    cs->v[i] = 0;
  } else {
    int64_t cur = ir_fx_rshift_round((int64_t)ap->acur * a, IR_FX_Q);
    int64_t v = ir_fx_sat24(ir_fx_decay(cs->v[i], pr->dv, 0) + cs->u[i] + cur + inj);
    cs->v[i] = (int32_t)v;
    fire = v > core->vthp[cx->vthp] + ir_fx_rshift_round((int64_t)ap->tgain * a, IR_FX_Q);
  }
  lh_src *s = &x->src[cx->pop];
  bool spike = fire || s->forced[cx->neuron];
  if (spike) {
    s->spk[cx->neuron] = 1;
    cs->v[i] = 0;
    cs->ref[i] = pr->refractory;
  }
  a = decay16(a, ap->fa) + (int64_t)ap->a_pre * cnt[i] + (spike ? ap->a_spike : 0);
  cs->v[i + 1] = (int32_t)clamp31(a);
  slot[i] = slot[i + 1] = cnt[i] = cnt[i + 1] = 0;
}

/* Efficacy factor of projection proj into post neuron j (Q16): 65536, multiplied by
 * clamp31(65536 + rr(glio_gain*g, 16)) of element j mod n of every tripartite astrocyte that modulates it,
 * in astrocyte order, with the state left by the previous step. */
static int64_t efficacy(const lh_engine *x, int32_t proj, uint32_t j) {
  int64_t f = IR_FX_ONE;
  for (uint32_t k = 0; k < x->c->nastros; k++) {
    const lh_astro *a = &x->c->astros[k];
    for (uint32_t i = 0; a->kind == LH_ASTRO_TRIPARTITE && i < a->nmod; i++) {
      if ((int32_t)a->mod_proj[i] != proj)
        continue;
      uint32_t e = j % a->n;
      int64_t fq = clamp31(IR_FX_ONE + ir_fx_rshift_round((int64_t)a->tri[(size_t)e * LH_TRI_COUNT + LH_TRI_GGAIN] *
                                                              x->g[k][e], IR_FX_Q));
      f = clamp31(ir_fx_rshift_round(f * fq, IR_FX_Q));
    }
  }
  return f;
}

/* The modulated formats' sums of this step join the dendritic sum, each scaled by its projection's
 * efficacy factor and rounded on its own: rr(clamp31(sum) * factor, 16). */
static void step_modulated(lh_engine *x, const lh_core *core, lh_core_state *cs, int64_t *slot) {
  if (!cs->mring)
    return;
  size_t base = (size_t)(x->step % LH_RING) * core->nfmt;
  for (uint32_t f = 0; f < core->nfmt; f++) {
    if (core->fmt[f].modulated < 0)
      continue;
    int64_t *acc = cs->mring + (base + f) * core->ncx;
    for (uint32_t i = 0; i < core->ncx; i++) {
      if (acc[i])
        slot[i] += ir_fx_rshift_round(clamp31(acc[i]) * efficacy(x, core->fmt[f].modulated, core->cx[i].neuron),
                                      IR_FX_Q);
      acc[i] = 0;
    }
  }
}

/* CUBA compartments (docs/numerics.md, "lif", fixed): u, then v unless refractory, strict threshold.
 * AMSU somas with their astrocyte compartments: step_amsu. */
static void step_core(lh_engine *x, uint32_t k) {
  const lh_core *core = &x->c->cores[k];
  lh_core_state *cs = &x->cs[k];
  int64_t *slot = cs->ring + (size_t)(x->step % LH_RING) * core->ncx;
  int64_t *cnt = cs->cnt + (size_t)(x->step % LH_RING) * core->ncx;
  step_modulated(x, core, cs, slot);
  for (uint32_t i = 0; i < core->ncx; i++) {
    const lh_cx *cx = &core->cx[i];
    const lh_cx_profile *pr = &core->cxp[cx->cxp];
    if (pr->kind == LH_CX_AMSU) {
      step_amsu(x, core, cs, i, slot, cnt);
      i++; /* its astrocyte compartment */
      continue;
    }
    cnt[i] = 0;
    if (pr->kind != LH_CX_CUBA) {
      slot[i] = 0; /* a NALSM compartment has no event formats; a malformed table's sums must not grow */
      continue;
    }
    int64_t inj = cs->inj[i];
    cs->inj[i] = 0;
    int64_t u = ir_fx_sat24(ir_fx_decay(cs->u[i], pr->du, 1) + slot[i]);
    slot[i] = 0;
    cs->u[i] = (int32_t)u;
    bool fire = false;
    if (cs->ref[i] > 0) {
      cs->ref[i]--;
      cs->v[i] = 0;
    } else {
      int64_t bias = (int64_t)cx->bias_mant * (INT64_C(1) << cx->bias_exp);
      int64_t v = ir_fx_sat24(ir_fx_decay(cs->v[i], pr->dv, 0) + u + bias + inj);
      cs->v[i] = (int32_t)v;
      fire = v > ((int64_t)core->vthp[cx->vthp] << 6);
    }
    lh_src *s = &x->src[cx->pop];
    if (fire || s->forced[cx->neuron]) {
      s->spk[cx->neuron] = 1;
      cs->v[i] = 0;
      cs->ref[i] = pr->refractory;
    }
  }
}

/* ---------------------------------------------------------------- learning (docs/numerics.md, "Plasticity") */

typedef struct learn_ctx {
  lh_engine *x;
  lh_core *core;
  const lh_rule *r;
  uint32_t r_index, pre;
  bool pre_spiked;
  int64_t am;
} learn_ctx;

static int64_t term(int64_t rate, int32_t x) { return ir_fx_rshift_round(rate * x, IR_FX_Q); }

/* One synapse of a rule: the S_pre term (saturated to int32), then the S_post term, then one clip; the
 * new weight word goes back into the weight (mantissa) and tag (fraction) fields. */
static void learn_syn(void *ctx, const lh_synfmt *fmt, const lh_syn *s) {
  learn_ctx *lc = ctx;
  const lh_rule *r = lc->r;
  const lh_cx *cx = &lc->core->cx[s->index];
  if (cx->pop != r->post_pop) /* a malformed table: this rule's synapses reach only its post population */
    return;
  uint32_t ib = lc->x->c->target->index_bits, wb = lc->x->c->target->weight_bits;
  if (r->loihi.epoch) { /* Loihi arithmetic, at an epoch's end: spikes of the epoch, whole mantissas */
    bool pre = lc->x->epre[lc->r_index][lc->pre], post = lc->x->epost[lc->r_index][cx->neuron];
    if (!pre && !post)
      return;
    int32_t w = lh_learn_weight(&r->loihi, r->anti, r->a_plus, lc->am, s->weight, lc->x->xpre[lc->r_index][lc->pre],
                                lc->x->xpost[lc->r_index][cx->neuron], pre, post, lc->x->seed, r->proj, lc->pre,
                                cx->neuron, lc->x->step);
    lh_bits_set(lc->core->words, s->pos + ib, (uint64_t)w & 0xff, wb);
    lh_bits_set(lc->core->words, s->pos + ib + wb + fmt->delay_bits, 0, fmt->tag_bits);
    return;
  }
  bool post_spiked = lc->x->src[r->post_pop].spk[cx->neuron];
  if (!lc->pre_spiked && !post_spiked)
    return;
  int64_t w = (int64_t)s->weight * 256 + s->tag;
  if (lc->pre_spiked) {
    int32_t xp = lc->x->xpost[lc->r_index][cx->neuron];
    w = r->anti ? w + term(r->a_plus, xp) : w - term(lc->am, xp);
    w = w > INT32_MAX ? INT32_MAX : w < -INT32_MAX ? -INT32_MAX : w;
  }
  if (post_spiked) {
    int32_t xq = lc->x->xpre[lc->r_index][lc->pre];
    w = r->anti ? w - term(lc->am, xq) : w + term(r->a_plus, xq);
  }
  w = w < r->w_lo ? r->w_lo : w > r->w_hi ? r->w_hi : w;
  lh_bits_set(lc->core->words, s->pos + ib, (uint64_t)ir_fx_asr(w, 8) & 0xff, wb);
  lh_bits_set(lc->core->words, s->pos + ib + wb + fmt->delay_bits, (uint64_t)w & 0xff, fmt->tag_bits);
}

static int32_t trace_q(int32_t x, int32_t inc, int32_t f, bool spike) {
  int64_t v = ir_fx_rshift_round(((int64_t)(spike ? inc : 0) + x) * f, IR_FX_Q);
  return v > INT32_MAX ? INT32_MAX : v < -INT32_MAX ? -INT32_MAX : (int32_t)v;
}

static const lh_src *rule_pre(const lh_engine *x, const lh_rule *r) {
  return &x->src[r->pre_kind ? x->m->npops + r->pre_index : r->pre_index];
}

/* Loihi arithmetic (lh_learn): the epoch's spike flags, before the weights of an epoch's end. */
static void learn_loihi(lh_engine *x, uint32_t ri) {
  const lh_rule *r = &x->c->rules[ri];
  const lh_src *pre = rule_pre(x, r), *post = &x->src[r->post_pop];
  for (uint32_t i = 0; i < r->npre; i++)
    x->epre[ri][i] |= pre->spk[i];
  for (uint32_t j = 0; j < r->npost; j++)
    x->epost[ri][j] |= post->spk[j];
}

/* At an epoch's end every synapse of the rule whose pre or post spiked in the epoch is updated (traces
 * as left by the previous step), the flags clear; then the traces take this step's spikes. */
static bool learn_loihi_weights(lh_engine *x, uint32_t ri, int64_t am, ir_diag *d) {
  lh_config *c = x->c;
  const lh_rule *r = &c->rules[ri];
  const lh_src *pre = rule_pre(x, r), *post = &x->src[r->post_pop];
  if ((x->step + 1) % (uint64_t)r->loihi.epoch == 0) {
    for (uint32_t k = 0; k < c->ncores; k++)
      for (uint32_t a = 0; a < c->cores[k].naxin; a++) {
        const lh_axin *ax = &c->cores[k].axin[a];
        if (ax->proj != r->proj || ax->pre >= r->npre)
          continue;
        learn_ctx lc = {x, &c->cores[k], r, ri, ax->pre, false, am};
        if (!lh_decode_axon(c, &c->cores[k], a, learn_syn, &lc)) {
          ir_error(d, x->m->loc, "loihi configuration: the synapse memory of core %u, axon %u is malformed", k, a);
          return false;
        }
      }
    memset(x->epre[ri], 0, r->npre);
    memset(x->epost[ri], 0, r->npost);
  }
  const lh_learn *l = &r->loihi;
  for (uint32_t i = 0; i < r->npre; i++)
    x->xpre[ri][i] = lh_learn_trace(x->xpre[ri][i], l->pre_decay, l->impulse, pre->spk[i], x->seed, r->proj, 0, i,
                                    x->step);
  for (uint32_t j = 0; j < r->npost; j++)
    x->xpost[ri][j] = lh_learn_trace(x->xpost[ri][j], l->post_decay, l->impulse, post->spk[j], x->seed, r->proj, 1,
                                     j, x->step);
  return true;
}

static bool learn(lh_engine *x, ir_diag *d) {
  lh_config *c = x->c;
  for (uint32_t ri = 0; ri < c->nrules; ri++) {
    const lh_rule *r = &c->rules[ri];
    const lh_src *pre = rule_pre(x, r), *post = &x->src[r->post_pop];
    int64_t am = r->astro ? ir_fx_rshift_round((int64_t)r->a_minus * x->astro_a[r->modulator], IR_FX_Q) : r->a_minus;
    if (r->loihi.epoch) {
      learn_loihi(x, ri);
      if (!learn_loihi_weights(x, ri, am, d))
        return false;
      continue;
    }
    for (uint32_t k = 0; k < c->ncores; k++)
      for (uint32_t a = 0; a < c->cores[k].naxin; a++) {
        const lh_axin *ax = &c->cores[k].axin[a];
        if (ax->proj != r->proj || ax->pre >= r->npre)
          continue;
        learn_ctx lc = {x, &c->cores[k], r, ri, ax->pre, pre->spk[ax->pre] != 0, am};
        if (!lh_decode_axon(c, &c->cores[k], a, learn_syn, &lc)) {
          ir_error(d, x->m->loc, "loihi configuration: the synapse memory of core %u, axon %u is malformed", k, a);
          return false;
        }
      }
    for (uint32_t i = 0; i < r->npre; i++)
      x->xpre[ri][i] = trace_q(x->xpre[ri][i], r->inc, r->f_pre, pre->spk[i]);
    for (uint32_t j = 0; j < r->npost; j++)
      x->xpost[ri][j] = trace_q(x->xpost[ri][j], r->inc, r->f_post, post->spk[j]);
  }
  return true;
}

/* Phase 1b: every tripartite astrocyte's slow current rr(glio_current*g, 16) of element j mod n into
 * neuron j of each of its target populations, from the state left by the previous step. */
static void astro_currents(lh_engine *x) {
  for (uint32_t k = 0; k < x->c->nastros; k++) {
    const lh_astro *a = &x->c->astros[k];
    for (uint32_t t = 0; a->kind == LH_ASTRO_TRIPARTITE && t < a->ntarget; t++) {
      uint32_t p = a->target_pop[t];
      for (uint32_t j = 0; j < x->c->pops[p].size; j++) {
        uint32_t e = j % a->n;
        x->cs[x->pcore[p][j]].inj[x->pcx[p][j]] +=
            ir_fx_rshift_round((int64_t)a->tri[(size_t)e * LH_TRI_COUNT + LH_TRI_GCUR] * x->g[k][e], IR_FX_Q);
      }
    }
  }
}

/* A tripartite astrocyte after the step's spikes (docs/numerics.md, "tripartite", fixed): spikes of
 * listened populations and inputs count for element i mod n, listened projections' synapses were
 * counted as they were delivered (listen_axon); ca decays and integrates, g decays and gains glio_release
 * while ca is above threshold. */
static void step_tripartite(lh_engine *x, uint32_t k) {
  const lh_astro *a = &x->c->astros[k];
  int64_t *ev = x->ev[k];
  for (uint32_t l = 0; l < a->nlisten; l++) {
    if (a->listen_kind[l] == 2)
      continue;
    const lh_src *s = &x->src[a->listen_kind[l] ? x->m->npops + a->listen_index[l] : a->listen_index[l]];
    for (uint32_t q = 0; q < s->nspk; q++)
      ev[s->idx[q] % a->n] += a->listen_sign[l];
  }
  for (uint32_t e = 0; e < a->n; e++) {
    const int32_t *q = a->tri + (size_t)e * LH_TRI_COUNT;
    int64_t ca = clamp31(decay16(x->ca[k][e], q[LH_TRI_FCA]) + (int64_t)q[LH_TRI_CPS] * clamp31(ev[e]));
    int64_t g = decay16(x->g[k][e], q[LH_TRI_FG]);
    if (ca > q[LH_TRI_CTH])
      g = clamp31(g + q[LH_TRI_GREL]);
    x->ca[k][e] = (int32_t)ca;
    x->g[k][e] = (int32_t)g;
    ev[e] = 0;
  }
}

/* nalsm astrocytes (docs/numerics.md, "nalsm astrocyte", fixed), after learning: learning used the state
 * left by the previous step. Tripartite ones: step_tripartite. */
static void step_astros(lh_engine *x) {
  const lh_config *c = x->c;
  for (uint32_t k = 0; k < c->nastros; k++) {
    const lh_astro *a = &c->astros[k];
    if (a->kind == LH_ASTRO_TRIPARTITE) {
      step_tripartite(x, k);
      continue;
    }
    int64_t diff = 0;
    for (uint32_t l = 0; l < a->nlisten; l++) {
      const lh_src *s = &x->src[a->listen_kind[l] ? x->m->npops + a->listen_index[l] : a->listen_index[l]];
      diff += a->listen_sign[l] < 0 ? -(int64_t)s->nspk : (int64_t)s->nspk;
    }
    const int64_t lim = INT64_C(1) << 46;
    int64_t drive = (int64_t)a->w_a * diff + a->b_a - x->astro_a[k];
    drive = drive > lim ? lim : drive < -lim ? -lim : drive;
    int64_t na = x->astro_a[k] + ir_fx_rshift_round(drive * a->k, IR_FX_Q);
    x->astro_a[k] = na > INT32_MAX ? INT32_MAX : na < -INT32_MAX ? -INT32_MAX : (int32_t)na;
  }
}

static bool step_once(lh_engine *x, ir_diag *d) {
  const ir_module *m = x->m;
  const lh_config *c = x->c;
  uint32_t nsrc = m->npops + m->ninputs;
  for (uint32_t k = 0; k < nsrc; k++)
    memset(x->src[k].spk, 0, x->src[k].n);
  step_inputs(x);
  astro_currents(x);
  for (uint32_t k = 0; k < c->ncores; k++)
    if (x->cs[k].nalsm)
      fire_nalsm(x, k);
  for (uint32_t k = 0; k < c->ncores; k++)
    step_core(x, k);
  for (uint32_t k = 0; k < c->ncores; k++) {
    const lh_core *core = &c->cores[k];
    for (uint32_t i = 0; i < core->ncx; i++)
      if (x->src[core->cx[i].pop].spk[core->cx[i].neuron] &&
          !route(x, core->out, core->out_ptr[i], core->out_ptr[i + 1], d))
        return false;
  }
  for (uint32_t k = 0; k < m->ninputs; k++) {
    const lh_input *in = &c->inputs[k];
    for (uint32_t i = 0; i < in->size; i++)
      if (x->src[m->npops + k].spk[i] && !route(x, in->out, in->out_ptr[i], in->out_ptr[i + 1], d))
        return false;
  }
  for (uint32_t k = 0; k < c->ncores; k++)
    if (x->cs[k].nalsm && !integrate_nalsm(x, k, d))
      return false;
  for (uint32_t k = 0; k < nsrc; k++) {
    lh_src *s = &x->src[k];
    s->nspk = 0;
    for (uint32_t i = 0; i < s->n; i++)
      if (s->spk[i])
        s->idx[s->nspk++] = i;
  }
  if (!learn(x, d))
    return false;
  step_astros(x);
  for (uint32_t k = 0; k < nsrc; k++) {
    lh_src *s = &x->src[k];
    memset(s->forced, 0, s->n);
    if (s->nspk) {
      ir_ref r = k < m->npops ? (ir_ref){IR_NODE_POPULATION, k} : (ir_ref){IR_NODE_INPUT, k - m->npops};
      rt_sim_emit_spikes(x->sim, x->step, r, s->idx, s->nspk);
    }
  }
  uint64_t t = x->step++;
  rt_sim_emit_step(x->sim, t);
  return true;
}

static bool loihi_run(void *e, uint64_t nsteps, ir_diag *d) {
  for (uint64_t k = 0; k < nsteps; k++)
    if (!step_once(e, d))
      return false;
  return true;
}

static uint64_t loihi_steps(const void *e) { return ((const lh_engine *)e)->step; }

static bool loihi_inject(void *e, ir_ref source, uint32_t idx) {
  lh_engine *x = e;
  uint32_t k;
  if (source.kind == IR_NODE_POPULATION && source.index < x->m->npops)
    k = source.index;
  else if (source.kind == IR_NODE_INPUT && source.index < x->m->ninputs)
    k = x->m->npops + source.index;
  else
    return false;
  if (idx >= x->src[k].n)
    return false;
  x->src[k].forced[idx] = 1;
  return true;
}

/* ---------------------------------------------------------------- state */

/* Population state: v, u, ref. Projection state: w (weight words, in CSR order: presynaptic neuron, then
 * postsynaptic neuron, gathered from every core's synapse memory), and x_pre, x_post when plastic.
 * Astrocyte state: a. */
static const char *const pop_vars[] = {"v", "u", "ref", "a"};
static const char *const nalsm_vars[] = {"v", "ref"};
static const char *const plastic_vars[] = {"w", "x_pre", "x_post"};
static const char *const astro_vars[] = {"a"};
static const char *const tri_vars[] = {"ca", "g"};

static int32_t rule_of(const lh_engine *x, uint32_t proj) {
  for (uint32_t r = 0; r < x->c->nrules; r++)
    if (x->c->rules[r].proj == proj)
      return (int32_t)r;
  return -1;
}

static const char *const *loihi_state_vars(const void *e, ir_ref node, size_t *n) {
  const lh_engine *x = e;
  *n = 0;
  if (node.kind == IR_NODE_POPULATION && node.index < x->m->npops) {
    if (x->m->pops[node.index].size) { /* the compartment kind says which state the population has */
      const lh_core *core = &x->c->cores[x->pcore[node.index][0]];
      int32_t kind = core->cxp[core->cx[x->pcx[node.index][0]].cxp].kind;
      if (kind == LH_CX_NALSM) {
        *n = 2;
        return nalsm_vars;
      }
      if (kind == LH_CX_AMSU) { /* a: the state of each unit's astrocyte compartment */
        *n = 4;
        return pop_vars;
      }
    }
    *n = 3;
    return pop_vars;
  }
  if (node.kind == IR_NODE_PROJECTION && node.index < x->m->nprojs) {
    *n = rule_of(x, node.index) >= 0 ? 3 : 1;
    return plastic_vars;
  }
  if (node.kind == IR_NODE_ASTROCYTE && node.index < x->c->nastros) {
    bool tri = x->c->astros[node.index].kind == LH_ASTRO_TRIPARTITE;
    *n = tri ? 2 : 1;
    return tri ? tri_vars : astro_vars;
  }
  return NULL;
}

static bool has_var(const lh_engine *x, ir_ref node, const char *var) {
  size_t n = 0;
  const char *const *v = loihi_state_vars(x, node, &n);
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i], var) == 0)
      return true;
  return false;
}

static uint64_t proj_nsyn(const lh_engine *x, uint32_t proj) {
  uint64_t n = 0;
  for (uint32_t k = 0; k < x->c->ncores; k++)
    for (uint32_t a = 0; a < x->c->cores[k].naxin; a++)
      if (x->c->cores[k].axin[a].proj == proj)
        n += x->c->cores[k].axin[a].nsyn;
  return n;
}

static bool loihi_state_size(const void *e, ir_ref node, const char *var, uint64_t *n) {
  const lh_engine *x = e;
  if (!has_var(x, node, var))
    return false;
  if (node.kind == IR_NODE_POPULATION)
    *n = x->m->pops[node.index].size;
  else if (node.kind == IR_NODE_ASTROCYTE)
    *n = x->c->astros[node.index].n;
  else if (strcmp(var, "w") == 0)
    *n = proj_nsyn(x, node.index);
  else {
    const lh_rule *r = &x->c->rules[rule_of(x, node.index)];
    *n = strcmp(var, "x_pre") == 0 ? r->npre : r->npost;
  }
  return true;
}

typedef struct wsyn {
  uint32_t pre, post, core, seq;
  int32_t w16;
} wsyn;

typedef struct wctx {
  wsyn *v;
  uint64_t n;
  uint32_t pre, core;
  const lh_core *k;
} wctx;

static void collect_w(void *ctx, const lh_synfmt *fmt, const lh_syn *s) {
  wctx *w = ctx;
  (void)fmt;
  w->v[w->n] = (wsyn){w->pre, w->k->cx[s->index].neuron, w->core, (uint32_t)w->n, s->weight * 256 + (int32_t)s->tag};
  w->n++;
}

static int wsyn_cmp(const void *a, const void *b) {
  const wsyn *p = a, *q = b;
  if (p->pre != q->pre) return p->pre < q->pre ? -1 : 1;
  if (p->post != q->post) return p->post < q->post ? -1 : 1;
  return p->seq < q->seq ? -1 : p->seq > q->seq;
}

static bool read_weights(const lh_engine *x, uint32_t proj, double *out) {
  uint64_t n = proj_nsyn(x, proj);
  wctx w = {calloc(n + 1, sizeof(wsyn)), 0, 0, 0, NULL};
  if (!w.v)
    return false;
  for (uint32_t k = 0; k < x->c->ncores; k++)
    for (uint32_t a = 0; a < x->c->cores[k].naxin; a++)
      if (x->c->cores[k].axin[a].proj == proj) {
        w.pre = x->c->cores[k].axin[a].pre;
        w.core = k;
        w.k = &x->c->cores[k];
        if (w.n + x->c->cores[k].axin[a].nsyn > n || !lh_decode_axon(x->c, &x->c->cores[k], a, collect_w, &w)) {
          free(w.v);
          return false;
        }
      }
  qsort(w.v, w.n, sizeof *w.v, wsyn_cmp);
  for (uint64_t i = 0; i < w.n; i++)
    out[i] = w.v[i].w16;
  free(w.v);
  return true;
}

static bool loihi_read_state(const void *e, ir_ref node, const char *var, double *out) {
  const lh_engine *x = e;
  if (!has_var(x, node, var))
    return false;
  if (node.kind == IR_NODE_ASTROCYTE) {
    const lh_astro *a = &x->c->astros[node.index];
    if (a->kind != LH_ASTRO_TRIPARTITE)
      out[0] = x->astro_a[node.index];
    for (uint32_t el = 0; a->kind == LH_ASTRO_TRIPARTITE && el < a->n; el++)
      out[el] = strcmp(var, "ca") == 0 ? x->ca[node.index][el] : x->g[node.index][el];
    return true;
  }
  if (node.kind == IR_NODE_PROJECTION) {
    if (strcmp(var, "w") == 0)
      return read_weights(x, node.index, out);
    int32_t r = rule_of(x, node.index);
    bool pre = strcmp(var, "x_pre") == 0;
    uint32_t n = pre ? x->c->rules[r].npre : x->c->rules[r].npost;
    for (uint32_t i = 0; i < n; i++)
      out[i] = pre ? x->xpre[r][i] : x->xpost[r][i];
    return true;
  }
  int v = strcmp(var, "v") == 0 ? 0 : strcmp(var, "u") == 0 ? 1 : strcmp(var, "a") == 0 ? 3 : 2;
  uint32_t p = node.index;
  for (uint32_t j = 0; j < x->m->pops[p].size; j++) {
    const lh_core_state *cs = &x->cs[x->pcore[p][j]];
    uint32_t i = x->pcx[p][j];
    out[j] = v == 0 ? cs->v[i] : v == 1 ? cs->u[i] : v == 3 ? cs->v[i + 1] : cs->ref[i];
  }
  return true;
}

static bool loihi_save(const void *e, FILE *f, ir_diag *d) {
  (void)f;
  ir_error(d, ((const lh_engine *)e)->m->loc, "checkpoints are not supported yet by the loihi engine");
  return false;
}

static bool loihi_restore(void *e, FILE *f, ir_diag *d) { return loihi_save(e, f, d); }

const rt_engine_ops rt_engine_loihi = {
    .name = "loihi",
    .create = loihi_create,
    .run = loihi_run,
    .steps = loihi_steps,
    .inject = loihi_inject,
    .state_vars = loihi_state_vars,
    .state_size = loihi_state_size,
    .read_state = loihi_read_state,
    .save = loihi_save,
    .restore = loihi_restore,
    .destroy = loihi_destroy,
};
