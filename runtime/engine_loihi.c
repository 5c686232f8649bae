/* engine_loihi.c — the `loihi` engine: runs a compiled Loihi configuration (backends/loihi,
 * docs/loihi-format.md) from its tables alone. Compartment dynamics come from the profiles, synaptic
 * input from decoding the synapse memory of the input axons the output axons route to, inputs from the
 * configuration's input descriptions. The module is used only to name sources and check that the
 * configuration belongs to it, so a wrong table shows up as a wrong raster. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "fixed.h"
#include "lh.h"
#include "rng.h"

typedef struct lh_core_state {
  int32_t *v, *u, *ref;
  int64_t *ring; /* LH_RING slots x ncx dendritic sums, fine units */
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
  }
  for (uint32_t k = 0; x->src && k < x->m->npops + x->m->ninputs; k++) {
    free(x->src[k].spk);
    free(x->src[k].forced);
    free(x->src[k].idx);
  }
  for (uint32_t p = 0; x->pcore && p < x->m->npops; p++) {
    free(x->pcore[p]);
    free(x->pcx[p]);
  }
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
  bool ok = c->npops == m->npops && c->ninputs == m->ninputs;
  for (uint32_t p = 0; ok && p < m->npops; p++)
    ok = strcmp(c->pops[p].name, m->pops[p].name) == 0 && c->pops[p].size == m->pops[p].size;
  for (uint32_t k = 0; ok && k < m->ninputs; k++)
    ok = strcmp(c->inputs[k].name, m->inputs[k].name) == 0 && c->inputs[k].size == m->inputs[k].size;
  if (!ok)
    ir_error(d, m->loc, "the loihi configuration does not belong to this network (populations or inputs differ)");
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
    if (!cs->v || !cs->u || !cs->ref || !cs->ring)
      return false;
    for (uint32_t i = 0; i < core->ncx; i++) {
      cs->v[i] = core->cx[i].v_init;
      cs->u[i] = core->cx[i].u_init;
      x->pcore[core->cx[i].pop][core->cx[i].neuron] = k;
      x->pcx[core->cx[i].pop][core->cx[i].neuron] = i;
    }
  }
  return true;
}

static void *loihi_create(rt_sim *sim, const ir_module *m, ir_numerics numerics, uint64_t seed,
                          const rt_options *opt, ir_diag *d) {
  (void)opt;
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
  if (ok && x->c->nrules) {
    ir_error(d, m->loc, "projection '%s' is plastic: learning is not supported yet by the loihi engine (the "
                        "configuration holds its rule, docs/loihi-format.md)",
             x->c->rules[0].proj < m->nprojs ? m->projs[x->c->rules[0].proj].name : "?");
    ok = false;
  }
  if (ok && x->c->nastros) {
    ir_error(d, m->loc, "astrocytes are not supported yet by the loihi engine");
    ok = false;
  }
  ok = ok && create_state(x);
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
  int64_t *ring;
  uint32_t ncx;
  uint64_t t;
} deliver_ctx;

/* A synapse of a spike of step t reaches its compartment at t + 1 + delay: the mantissa, shifted by its
 * format's exponent into fine units (6 + wexp >= 0: exact). */
static void deliver_syn(void *ctx, const lh_synfmt *fmt, const lh_syn *s) {
  deliver_ctx *dc = ctx;
  size_t slot = (size_t)((dc->t + 1 + s->delay) % LH_RING);
  dc->ring[slot * dc->ncx + s->index] += (int64_t)s->weight * (INT64_C(1) << (6 + fmt->wexp));
}

static bool route(lh_engine *x, const lh_axout *out, uint32_t from, uint32_t to, ir_diag *d) {
  for (uint32_t o = from; o < to; o++) {
    const lh_core *core = &x->c->cores[out[o].core];
    deliver_ctx dc = {x->cs[out[o].core].ring, core->ncx, x->step};
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
    if (in->kind == LH_IN_PROB) {
      uint64_t stream = RNG_STREAM(RNG_KIND_INPUT, in->stream);
      for (uint32_t i = 0; i < in->size; i++)
        s->spk[i] = in->p_q[i] && ir_fx_draw(rng_hash4(x->seed, stream, i, x->step), in->p_q[i]);
    } else {
      while (x->cursor[k] < in->nev && in->ev_step[x->cursor[k]] < x->step)
        x->cursor[k]++;
      while (x->cursor[k] < in->nev && in->ev_step[x->cursor[k]] == x->step)
        s->spk[in->ev_neuron[x->cursor[k]++]] = 1;
    }
    for (uint32_t i = 0; i < in->size; i++)
      s->spk[i] |= s->forced[i];
  }
}

/* One compartment (docs/numerics.md, "lif", fixed): u, then v unless refractory, strict threshold. */
static void step_core(lh_engine *x, uint32_t k) {
  const lh_core *core = &x->c->cores[k];
  lh_core_state *cs = &x->cs[k];
  int64_t *slot = cs->ring + (size_t)(x->step % LH_RING) * core->ncx;
  for (uint32_t i = 0; i < core->ncx; i++) {
    const lh_cx *cx = &core->cx[i];
    const lh_cx_profile *pr = &core->cxp[cx->cxp];
    int64_t u = ir_fx_sat24(ir_fx_decay(cs->u[i], pr->du, 1) + slot[i]);
    slot[i] = 0;
    cs->u[i] = (int32_t)u;
    bool fire = false;
    if (cs->ref[i] > 0) {
      cs->ref[i]--;
      cs->v[i] = 0;
    } else {
      int64_t bias = (int64_t)cx->bias_mant * (INT64_C(1) << cx->bias_exp);
      int64_t v = ir_fx_sat24(ir_fx_decay(cs->v[i], pr->dv, 0) + u + bias);
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

static bool step_once(lh_engine *x, ir_diag *d) {
  const ir_module *m = x->m;
  const lh_config *c = x->c;
  uint32_t nsrc = m->npops + m->ninputs;
  for (uint32_t k = 0; k < nsrc; k++)
    memset(x->src[k].spk, 0, x->src[k].n);
  step_inputs(x);
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
  for (uint32_t k = 0; k < nsrc; k++) {
    lh_src *s = &x->src[k];
    s->nspk = 0;
    for (uint32_t i = 0; i < s->n; i++)
      if (s->spk[i])
        s->idx[s->nspk++] = i;
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

static const char *const pop_vars[] = {"v", "u", "ref"};

static const char *const *loihi_state_vars(const void *e, ir_ref node, size_t *n) {
  const lh_engine *x = e;
  if (node.kind == IR_NODE_POPULATION && node.index < x->m->npops) {
    *n = 3;
    return pop_vars;
  }
  *n = 0;
  return NULL;
}

static int var_index(const char *var) {
  for (int i = 0; i < 3; i++)
    if (strcmp(var, pop_vars[i]) == 0)
      return i;
  return -1;
}

static bool loihi_state_size(const void *e, ir_ref node, const char *var, uint64_t *n) {
  const lh_engine *x = e;
  if (node.kind != IR_NODE_POPULATION || node.index >= x->m->npops || var_index(var) < 0)
    return false;
  *n = x->m->pops[node.index].size;
  return true;
}

static bool loihi_read_state(const void *e, ir_ref node, const char *var, double *out) {
  const lh_engine *x = e;
  int v = var_index(var);
  if (node.kind != IR_NODE_POPULATION || node.index >= x->m->npops || v < 0)
    return false;
  uint32_t p = node.index;
  for (uint32_t j = 0; j < x->m->pops[p].size; j++) {
    const lh_core_state *cs = &x->cs[x->pcore[p][j]];
    uint32_t i = x->pcx[p][j];
    out[j] = v == 0 ? cs->v[i] : v == 1 ? cs->u[i] : cs->ref[i];
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
