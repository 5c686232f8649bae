/* partition.c — pass `partition`: populations into core-sized pieces (contiguous neuron ranges)
 * within every per-core limit of the target, astrocytes onto the cores of the synapses they
 * modulate, and the piece-to-piece traffic graph (docs/mapping.md).
 *
 * A piece grows neuron by neuron; each neuron brings its incoming synapses (from a transposed
 * index built here), which are charged to the synapse memory with the target's chunk cost model,
 * one input axon per new (projection, presynaptic neuron) and one synapse format per projection.
 * When a neuron would break a limit, the piece is closed before it. Output axons depend on where
 * the postsynaptic neurons went, so they are counted afterwards; a population whose piece has too
 * many is re-partitioned with half the piece size until every piece fits. A single neuron that
 * breaks a limit on its own stays a one-neuron piece; the place pass reports it with its core. */
#include <stdlib.h>
#include <string.h>

#include "plan_internal.h"

/* ---------------------------------------------------------------- incoming synapses, transposed */

typedef struct inproj {
  uint32_t npre;
  uint64_t *cptr;  /* npost + 1 */
  uint32_t *pre;   /* synapses into post j: pre[cptr[j] .. cptr[j+1]) */
  uint32_t *cnt;   /* npre: synapses of each pre into the growing piece */
  uint32_t *touched;
  uint32_t ntouched;
  uint64_t *delta; /* chunk_synapses: cost of one more synapse when the count mod chunk is r */
  uint64_t in_piece;
} inproj;

typedef struct popin {
  inproj *v;
  uint32_t n;
  bool cprof_each, tprof_each; /* a profile parameter is a distribution: one profile per neuron */
} popin;

static void inproj_free(inproj *p) {
  free(p->cptr);
  free(p->pre);
  free(p->cnt);
  free(p->touched);
  free(p->delta);
}

static bool delta_table(const map_target *t, uint32_t bits, inproj *ip) {
  uint32_t c = t->fmt.chunk_synapses;
  ip->delta = malloc(sizeof *ip->delta * c);
  if (!ip->delta) return false;
  for (uint32_t r = 0; r < c; r++) ip->delta[r] = map_syn_cost(t, bits, r + 1) - map_syn_cost(t, bits, r);
  return true;
}

/* Transposes a CSR (pre-major) into cptr/pre (post-major). */
static bool transpose(const ir_csr *c, inproj *ip) {
  ip->npre = c->npre;
  ip->cptr = calloc((size_t)c->npost + 1, sizeof *ip->cptr);
  ip->pre = malloc(sizeof *ip->pre * (c->nsyn ? c->nsyn : 1));
  ip->cnt = calloc(c->npre ? c->npre : 1, sizeof *ip->cnt);
  ip->touched = malloc(sizeof *ip->touched * (c->npre ? c->npre : 1));
  if (!ip->cptr || !ip->pre || !ip->cnt || !ip->touched) return false;
  for (uint64_t k = 0; k < c->nsyn; k++) ip->cptr[c->col[k] + 1]++;
  for (uint32_t j = 0; j < c->npost; j++) ip->cptr[j + 1] += ip->cptr[j];
  uint64_t *fill = malloc(sizeof *fill * ((size_t)c->npost + 1));
  if (!fill) return false;
  memcpy(fill, ip->cptr, sizeof *fill * ((size_t)c->npost + 1));
  for (uint32_t i = 0; i < c->npre; i++)
    for (uint64_t k = c->row_ptr[i]; k < c->row_ptr[i + 1]; k++) ip->pre[fill[c->col[k]]++] = i;
  free(fill);
  return true;
}

/* An inject-into input is one synapse (input i -> neuron i) per neuron. */
static bool identity(uint32_t n, inproj *ip) {
  ip->npre = n;
  ip->cptr = malloc(sizeof *ip->cptr * ((size_t)n + 1));
  ip->pre = malloc(sizeof *ip->pre * (n ? n : 1));
  ip->cnt = calloc(n ? n : 1, sizeof *ip->cnt);
  ip->touched = malloc(sizeof *ip->touched * (n ? n : 1));
  if (!ip->cptr || !ip->pre || !ip->cnt || !ip->touched) return false;
  for (uint32_t j = 0; j <= n; j++) ip->cptr[j] = j;
  for (uint32_t j = 0; j < n; j++) ip->pre[j] = j;
  return true;
}

static bool is_param(const ir_model_desc *desc, uint32_t k, const char *const *names) {
  for (; *names; names++)
    if (strcmp(desc->params[k].name, *names) == 0) return true;
  return false;
}

static bool build_popin(const ir_module *m, const map_target *t, uint32_t pop, popin *pi) {
  static const char *const cprof[] = {"tau_u", "tau_v", "du", "dv", "refractory", "tau_syn", "kernel_cutoff",
                                      "tau_astro", NULL};
  static const char *const tprof[] = {"v_th", NULL};
  const ir_population *p = &m->pops[pop];
  const ir_model_desc *desc = ir_neuron_model_desc(p->model);
  for (uint32_t k = 0; k < desc->nparams; k++) {
    bool dist = p->params[k].kind != IR_VAL_CONST && p->params[k].kind != IR_VAL_UNSET;
    if (dist && is_param(desc, k, cprof)) pi->cprof_each = true;
    if (dist && is_param(desc, k, tprof)) pi->tprof_each = true;
  }
  uint32_t n = 0;
  for (uint32_t k = 0; k < m->nprojs; k++) n += m->projs[k].post.index == pop;
  for (uint32_t k = 0; k < m->ninputs; k++) n += m->inputs[k].inject_into == (int32_t)pop;
  pi->v = calloc(n ? n : 1, sizeof *pi->v);
  if (!pi->v) return false;
  for (uint32_t k = 0; k < m->nprojs; k++) {
    const ir_projection *pr = &m->projs[k];
    if (pr->post.index != pop) continue;
    inproj *ip = &pi->v[pi->n++];
    const ir_attr *a = ir_attr_get(&pr->attrs, "quant.syn_bits");
    uint32_t bits = a ? (uint32_t)a->u.i : map_syn_bits_per_synapse(t, 0, pr->plasticity != IR_PLAST_NONE);
    if (!pr->csr || !transpose(pr->csr, ip) || !delta_table(t, bits, ip)) return false;
  }
  for (uint32_t k = 0; k < m->ninputs; k++) {
    if (m->inputs[k].inject_into != (int32_t)pop) continue;
    inproj *ip = &pi->v[pi->n++];
    if (!identity(p->size, ip) || !delta_table(t, map_syn_bits_per_synapse(t, 0, false), ip)) return false;
  }
  return true;
}

static void popin_free(popin *pi) {
  for (uint32_t k = 0; k < pi->n; k++) inproj_free(&pi->v[k]);
  free(pi->v);
  memset(pi, 0, sizeof *pi);
}

/* ---------------------------------------------------------------- growing pieces */

static void add_neuron(popin *pi, uint32_t j, map_usage *u, uint32_t chunk) {
  u->r[MAP_RES_COMPARTMENTS]++;
  for (uint32_t k = 0; k < pi->n; k++) {
    inproj *ip = &pi->v[k];
    uint64_t a = ip->cptr[j], b = ip->cptr[j + 1];
    if (a == b) continue;
    if (ip->in_piece == 0) u->r[MAP_RES_FORMATS]++;
    ip->in_piece += b - a;
    for (uint64_t s = a; s < b; s++) {
      uint32_t i = ip->pre[s];
      uint32_t c = ip->cnt[i]++;
      if (c == 0) {
        u->r[MAP_RES_IN_AXONS]++;
        ip->touched[ip->ntouched++] = i;
      }
      u->r[MAP_RES_SYN_BITS] += ip->delta[c % chunk];
    }
  }
}

/* Exact inverse of add_neuron (touched lists may keep entries whose count is back to 0). */
static void remove_neuron(popin *pi, uint32_t j, map_usage *u, uint32_t chunk) {
  u->r[MAP_RES_COMPARTMENTS]--;
  for (uint32_t k = 0; k < pi->n; k++) {
    inproj *ip = &pi->v[k];
    uint64_t a = ip->cptr[j], b = ip->cptr[j + 1];
    if (a == b) continue;
    for (uint64_t s = b; s-- > a;) {
      uint32_t i = ip->pre[s];
      uint32_t c = --ip->cnt[i];
      u->r[MAP_RES_SYN_BITS] -= ip->delta[c % chunk];
      if (c == 0) u->r[MAP_RES_IN_AXONS]--;
    }
    ip->in_piece -= b - a;
    if (ip->in_piece == 0) u->r[MAP_RES_FORMATS]--;
  }
}

static void close_piece(popin *pi) {
  for (uint32_t k = 0; k < pi->n; k++) {
    inproj *ip = &pi->v[k];
    for (uint32_t t = 0; t < ip->ntouched; t++) ip->cnt[ip->touched[t]] = 0;
    /* touched entries with count 0 may repeat; that is harmless, the list is reset here */
    ip->ntouched = 0;
    ip->in_piece = 0;
  }
}

static void set_profiles(const popin *pi, map_usage *u) {
  uint64_t n = u->r[MAP_RES_COMPARTMENTS];
  u->r[MAP_RES_CPROFILES] = pi->cprof_each ? n : 1;
  u->r[MAP_RES_TPROFILES] = pi->tprof_each ? n : 1;
}

static bool over(const map_target *t, const map_usage *u, uint64_t cap) {
  static const map_resource grow_limits[] = {MAP_RES_COMPARTMENTS, MAP_RES_SYN_BITS, MAP_RES_IN_AXONS,
                                             MAP_RES_CPROFILES, MAP_RES_TPROFILES, MAP_RES_FORMATS};
  for (size_t k = 0; k < sizeof grow_limits / sizeof grow_limits[0]; k++)
    if (u->r[grow_limits[k]] > t->limit[grow_limits[k]]) return true;
  return u->r[MAP_RES_COMPARTMENTS] > cap;
}

typedef struct pieces_buf {
  map_piece *v;
  uint32_t n, cap;
} pieces_buf;

static map_piece *push_piece(pieces_buf *b) {
  if (b->n == b->cap) {
    uint32_t cap = b->cap ? b->cap * 2 : 64;
    map_piece *g = realloc(b->v, sizeof *g * cap);
    if (!g) return NULL;
    b->v = g;
    b->cap = cap;
  }
  map_piece *p = &b->v[b->n++];
  memset(p, 0, sizeof *p);
  p->core = -1;
  return p;
}

/* Splits population `pop` into pieces of at most `cap` neurons within the growth limits. */
static bool split_population(const ir_module *m, const map_target *t, const map_plan *pl, uint32_t pop, popin *pi,
                             uint64_t cap, pieces_buf *out) {
  uint32_t chunk = t->fmt.chunk_synapses, size = m->pops[pop].size, idx = 0;
  map_usage u = {{0}};
  uint32_t first = 0;
  for (uint32_t j = 0; j < size; j++) {
    add_neuron(pi, map_neuron_at(pl, pop, j), &u, chunk);
    set_profiles(pi, &u);
    if (j > first && over(t, &u, cap)) {
      remove_neuron(pi, map_neuron_at(pl, pop, j), &u, chunk);
      set_profiles(pi, &u);
      map_piece *p = push_piece(out);
      if (!p) return false;
      *p = (map_piece){{IR_NODE_POPULATION, pop}, idx++, first, j - first, u, 0, -1};
      close_piece(pi);
      memset(&u, 0, sizeof u);
      first = j;
      add_neuron(pi, map_neuron_at(pl, pop, j), &u, chunk);
      set_profiles(pi, &u);
    }
  }
  if (size > first) {
    map_piece *p = push_piece(out);
    if (!p) return false;
    *p = (map_piece){{IR_NODE_POPULATION, pop}, idx, first, size - first, u, 0, -1};
  }
  close_piece(pi);
  return true;
}

/* ---------------------------------------------------------------- astrocytes */

/* Room for astrocyte elements on a piece. */
static uint64_t astro_room(const map_target *t, const map_usage *u) {
  if (u->r[MAP_RES_CPROFILES] >= t->limit[MAP_RES_CPROFILES]) return 0;
  if (t->limit[MAP_RES_ASTRO_SLOTS] > 0)
    return t->limit[MAP_RES_ASTRO_SLOTS] - (u->r[MAP_RES_ASTRO_SLOTS] < t->limit[MAP_RES_ASTRO_SLOTS]
                                                ? u->r[MAP_RES_ASTRO_SLOTS]
                                                : t->limit[MAP_RES_ASTRO_SLOTS]);
  uint64_t used = u->r[MAP_RES_COMPARTMENTS], lim = t->limit[MAP_RES_COMPARTMENTS];
  return used < lim ? (lim - used) / t->astro_compartments : 0;
}

static void charge_astro(const map_target *t, map_usage *u, uint64_t k, bool new_profile) {
  if (t->limit[MAP_RES_ASTRO_SLOTS] > 0) u->r[MAP_RES_ASTRO_SLOTS] += k;
  else u->r[MAP_RES_COMPARTMENTS] += k * t->astro_compartments;
  if (new_profile) u->r[MAP_RES_CPROFILES]++;
}

/* Modulated synapses (or neurons) per piece: how much of what astrocyte a acts on lives there. */
static void astro_scores(const ir_module *m, const map_plan *pl, const popin *pins, uint32_t a, double *score) {
  const ir_astrocyte *as = &m->astros[a];
  memset(score, 0, sizeof *score * pl->npieces);
  bool any = false;
  for (uint32_t q = 0; q < pl->npieces; q++) {
    const map_piece *p = &pl->pieces[q];
    if (p->node.kind != IR_NODE_POPULATION) continue;
    for (uint32_t k = 0; k < as->nmodulates; k++) {
      ir_ref r = as->modulates[k];
      if (r.kind == IR_NODE_POPULATION && r.index == p->node.index) score[q] += p->count;
      if (r.kind != IR_NODE_PROJECTION || m->projs[r.index].post.index != p->node.index) continue;
      /* the projection's position among the population's incoming ones */
      uint32_t slot = 0;
      for (uint32_t j = 0; j < r.index; j++) slot += m->projs[j].post.index == p->node.index;
      const inproj *ip = &pins[p->node.index].v[slot];
      for (uint32_t j = p->first; j < p->first + p->count; j++) {
        uint32_t nj = map_neuron_at(pl, p->node.index, j);
        score[q] += (double)(ip->cptr[nj + 1] - ip->cptr[nj]);
      }
    }
    any |= score[q] > 0;
  }
  if (any) return;
  for (uint32_t q = 0; q < pl->npieces; q++) {
    const map_piece *p = &pl->pieces[q];
    for (uint32_t k = 0; k < as->nlisten && p->node.kind == IR_NODE_POPULATION; k++) {
      ir_ref s = as->listen[k].source;
      if (s.kind == IR_NODE_PROJECTION) s = m->projs[s.index].pre;
      if (s.kind == IR_NODE_POPULATION && s.index == p->node.index) score[q] += p->count;
    }
  }
}

typedef struct hosts_buf {
  map_astro_host *v;
  uint32_t *astro;
  uint32_t n, cap;
} hosts_buf;

static bool push_host(hosts_buf *h, uint32_t a, uint32_t piece, uint32_t first, uint32_t count) {
  if (h->n == h->cap) {
    uint32_t cap = h->cap ? h->cap * 2 : 16;
    map_astro_host *g = realloc(h->v, sizeof *g * cap);
    if (g) h->v = g;
    uint32_t *ga = realloc(h->astro, sizeof *ga * cap);
    if (ga) h->astro = ga;
    if (!g || !ga) return false;
    h->cap = cap;
  }
  h->v[h->n] = (map_astro_host){piece, first, count};
  h->astro[h->n++] = a;
  return true;
}

static int by_score_desc(const void *x, const void *y, const double *score) {
  uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
  if (score[a] != score[b]) return score[a] > score[b] ? -1 : 1;
  return a < b ? -1 : a > b;
}

/* Insertion sort keeps it dependency-free and stable; candidate lists are short (pieces). */
static void sort_candidates(uint32_t *c, uint32_t n, const double *score) {
  for (uint32_t i = 1; i < n; i++) {
    uint32_t v = c[i], j = i;
    while (j > 0 && by_score_desc(&v, &c[j - 1], score) < 0) {
      c[j] = c[j - 1];
      j--;
    }
    c[j] = v;
  }
}

static bool host_astrocytes(const ir_module *m, const map_target *t, map_plan *pl, pieces_buf *pb,
                            const popin *pins, hosts_buf *hb) {
  for (uint32_t a = 0; a < m->nastros; a++) {
    uint32_t np = pb->n;
    double *score = malloc(sizeof *score * (np ? np : 1));
    uint32_t *cand = malloc(sizeof *cand * (np ? np : 1));
    if (!score || !cand) {
      free(score);
      free(cand);
      return false;
    }
    pl->pieces = pb->v;
    pl->npieces = np;
    astro_scores(m, pl, pins, a, score);
    uint32_t nc = 0;
    for (uint32_t q = 0; q < np; q++)
      if (score[q] > 0) cand[nc++] = q;
    sort_candidates(cand, nc, score);
    uint32_t left = m->astros[a].size, next = 0;
    for (uint32_t c = 0; c < nc && left > 0; c++) {
      uint64_t room = astro_room(t, &pb->v[cand[c]].use);
      uint32_t k = room < left ? (uint32_t)room : left;
      if (k == 0) continue;
      charge_astro(t, &pb->v[cand[c]].use, k, true);
      if (!push_host(hb, a, cand[c], next, k)) goto oom;
      next += k;
      left -= k;
    }
    uint32_t idx = 0;
    while (left > 0) { /* no neuron core has room: astrocyte-only pieces */
      map_usage empty = {{0}};
      uint64_t room = astro_room(t, &empty);
      uint32_t k = room == 0 ? 1 : room < left ? (uint32_t)room : left;
      map_piece *p = push_piece(pb);
      if (!p) goto oom;
      p->node = (ir_ref){IR_NODE_ASTROCYTE, a};
      p->index = idx++;
      p->first = next;
      p->count = k;
      charge_astro(t, &p->use, k, true);
      if (!push_host(hb, a, pb->n - 1, next, k)) goto oom;
      next += k;
      left -= k;
    }
    free(score);
    free(cand);
    continue;
  oom:
    free(score);
    free(cand);
    return false;
  }
  pl->pieces = pb->v;
  pl->npieces = pb->n;
  return true;
}

/* ---------------------------------------------------------------- output axons and traffic */

typedef struct edges_buf {
  map_edge *v;
  uint64_t n, cap;
} edges_buf;

static bool push_edge(edges_buf *e, uint32_t src, uint32_t dst, double rate, map_flow kind) {
  if (e->n == e->cap) {
    uint64_t cap = e->cap ? e->cap * 2 : 256;
    map_edge *g = realloc(e->v, sizeof *g * cap);
    if (!g) return false;
    e->v = g;
    e->cap = cap;
  }
  e->v[e->n++] = (map_edge){src, dst, rate, kind};
  return true;
}

typedef struct flow {
  const ir_module *m;
  map_plan *pl;
  uint32_t **pof;     /* piece of each neuron, per population */
  uint64_t *stamp;    /* per piece: last neuron (stamp) that reached it */
  uint64_t clock;
  double *acc;        /* per piece: rate accumulated from the current source */
  uint32_t *hit;      /* pieces with acc != 0 */
  uint32_t nhit;
  edges_buf e;
  uint32_t *out_ptr, *out_proj; /* projections by source: populations, then inputs (CSR) */
} flow;

/* Groups projection indices by presynaptic source so a neuron visits only its own projections. */
static bool index_outgoing(flow *f) {
  const ir_module *m = f->m;
  uint32_t ns = m->npops + m->ninputs;
  f->out_ptr = calloc((size_t)ns + 1, sizeof *f->out_ptr);
  f->out_proj = malloc(sizeof *f->out_proj * (m->nprojs ? m->nprojs : 1));
  if (!f->out_ptr || !f->out_proj) return false;
  for (uint32_t k = 0; k < m->nprojs; k++) {
    ir_ref pre = m->projs[k].pre;
    f->out_ptr[(pre.kind == IR_NODE_INPUT ? m->npops : 0) + pre.index + 1]++;
  }
  for (uint32_t s = 0; s < ns; s++) f->out_ptr[s + 1] += f->out_ptr[s];
  uint32_t *fill = malloc(sizeof *fill * ((size_t)ns + 1));
  if (!fill) return false;
  memcpy(fill, f->out_ptr, sizeof *fill * ((size_t)ns + 1));
  for (uint32_t k = 0; k < m->nprojs; k++) {
    ir_ref pre = m->projs[k].pre;
    f->out_proj[fill[(pre.kind == IR_NODE_INPUT ? m->npops : 0) + pre.index]++] = k;
  }
  free(fill);
  return true;
}

/* Does astrocyte hosting h listen to source `src`? */
static bool listens(const ir_module *m, uint32_t a, ir_ref src) {
  const ir_astrocyte *as = &m->astros[a];
  for (uint32_t k = 0; k < as->nlisten; k++) {
    ir_ref s = as->listen[k].source;
    if (s.kind == IR_NODE_PROJECTION) s = m->projs[s.index].pre;
    if (s.kind == src.kind && s.index == src.index) return true;
  }
  return false;
}

static void reach(flow *f, uint32_t piece, double rate, uint64_t *outax) {
  if (f->stamp[piece] == f->clock) return;
  f->stamp[piece] = f->clock;
  (*outax)++;
  if (f->acc[piece] == 0) f->hit[f->nhit++] = piece;
  f->acc[piece] += rate;
}

static bool flush(flow *f, uint32_t src) {
  for (uint32_t h = 0; h < f->nhit; h++) {
    uint32_t q = f->hit[h];
    if (!push_edge(&f->e, src, q, f->acc[q], MAP_FLOW_SPIKES)) return false;
    f->acc[q] = 0;
  }
  f->nhit = 0;
  return true;
}

/* Spikes of element i of source `src` (population or input): reaches every piece holding one of
 * its synapses and every host of an astrocyte listening to it. Returns the number of pieces. */
static uint64_t one_neuron(flow *f, ir_ref src, uint32_t i, double rate, uint32_t self) {
  const ir_module *m = f->m;
  uint64_t outax = 0;
  f->clock++;
  uint32_t sid = (src.kind == IR_NODE_INPUT ? m->npops : 0) + src.index;
  for (uint32_t x = f->out_ptr[sid]; x < f->out_ptr[sid + 1]; x++) {
    const ir_projection *pr = &m->projs[f->out_proj[x]];
    const uint32_t *pof = f->pof[pr->post.index];
    for (uint64_t s = pr->csr->row_ptr[i]; s < pr->csr->row_ptr[i + 1]; s++) reach(f, pof[pr->csr->col[s]], rate, &outax);
  }
  for (uint32_t h = 0; h < f->pl->nhosts; h++)
    if (listens(m, f->pl->host_astro[h], src)) reach(f, f->pl->hosts[h].piece, rate, &outax);
  if (src.kind == IR_NODE_INPUT && m->inputs[src.index].inject_into >= 0)
    reach(f, f->pof[m->inputs[src.index].inject_into][i], rate, &outax);
  (void)self;
  return outax;
}

static bool build_flows(flow *f, const map_options *o) {
  const ir_module *m = f->m;
  map_plan *pl = f->pl;
  for (uint32_t q = 0; q < pl->npieces; q++) {
    map_piece *p = &pl->pieces[q];
    p->use.r[MAP_RES_OUT_AXONS] = 0;
    p->out_rate = 0;
    if (p->node.kind != IR_NODE_POPULATION) continue;
    double rate = map_source_rate(m, p->node, o);
    for (uint32_t i = p->first; i < p->first + p->count; i++) {
      uint64_t before = f->clock;
      uint64_t n = one_neuron(f, p->node, map_neuron_at(pl, p->node.index, i), rate, q);
      p->use.r[MAP_RES_OUT_AXONS] += n;
      /* leaves the core iff it reached a piece other than its own */
      if (n > 1 || (n == 1 && f->stamp[q] != before + 1)) p->out_rate += rate;
    }
    if (!flush(f, q)) return false;
  }
  for (uint32_t k = 0; k < m->ninputs; k++) {
    ir_ref src = {IR_NODE_INPUT, k};
    double rate = map_source_rate(m, src, o);
    for (uint32_t i = 0; i < m->inputs[k].size; i++) one_neuron(f, src, i, rate, MAP_PORT);
    if (!flush(f, MAP_PORT)) return false;
  }
  /* an astrocyte's state reaches every remote piece whose synapses or neurons it modulates, once a step */
  for (uint32_t h = 0; h < pl->nhosts; h++) {
    const ir_astrocyte *as = &m->astros[pl->host_astro[h]];
    for (uint32_t q = 0; q < pl->npieces; q++) {
      const map_piece *p = &pl->pieces[q];
      bool mod = false;
      for (uint32_t k = 0; k < as->nmodulates && p->node.kind == IR_NODE_POPULATION; k++) {
        ir_ref r = as->modulates[k];
        if (r.kind == IR_NODE_PROJECTION) mod |= m->projs[r.index].post.index == p->node.index;
        else mod |= r.kind == IR_NODE_POPULATION && r.index == p->node.index;
      }
      if (mod && q != pl->hosts[h].piece && !push_edge(&f->e, pl->hosts[h].piece, q, pl->hosts[h].count, MAP_FLOW_ASTRO))
        return false;
    }
  }
  return true;
}

/* ---------------------------------------------------------------- attributes */

static bool record(ir_module *m, const map_plan *pl) {
  bool ok = true;
  for (uint32_t pop = 0; pop < m->npops && ok; pop++) {
    map_sbuf bounds = {0}, use = {0};
    int64_t n = 0;
    for (uint32_t q = 0; q < pl->npieces; q++) {
      const map_piece *p = &pl->pieces[q];
      if (p->node.kind != IR_NODE_POPULATION || p->node.index != pop) continue;
      map_sbuf_printf(&bounds, "%s%u", n ? "," : "", p->first);
      map_sbuf_printf(&use, "%s", n ? "; " : "");
      for (int r = 0; r < MAP_RES_COUNT; r++)
        map_sbuf_printf(&use, "%s%s %llu", r ? ", " : "", map_resource_column((map_resource)r),
                        (unsigned long long)p->use.r[r]);
      n++;
    }
    map_sbuf_printf(&bounds, "%s%u", n ? "," : "", m->pops[pop].size);
    ok = !bounds.oom && !use.oom && ir_attr_set_int(m, &m->pops[pop].attrs, "map.pieces", n) &&
         ir_attr_set_str(m, &m->pops[pop].attrs, "map.bounds", bounds.s) &&
         ir_attr_set_str(m, &m->pops[pop].attrs, "map.usage", use.s ? use.s : "");
    map_sbuf_free(&bounds);
    map_sbuf_free(&use);
  }
  for (uint32_t a = 0; a < m->nastros && ok; a++) {
    map_sbuf s = {0};
    char name[256];
    for (uint32_t h = 0; h < pl->nhosts; h++) {
      if (pl->host_astro[h] != a) continue;
      map_piece_name(m, &pl->pieces[pl->hosts[h].piece], name, sizeof name);
      map_sbuf_printf(&s, "%s%s: elements %u..%u", s.n ? "; " : "", name, pl->hosts[h].first,
                      pl->hosts[h].first + pl->hosts[h].count - 1);
    }
    ok = !s.oom && ir_attr_set_str(m, &m->astros[a].attrs, "map.hosts", s.s ? s.s : "");
    map_sbuf_free(&s);
  }
  return ok;
}

/* ---------------------------------------------------------------- neuron order */

/* Spreads the low 21 bits of v three apart (bit i -> bit 3i). */
static uint64_t spread3(uint64_t v) {
  v &= 0x1fffff;
  v = (v | v << 32) & 0x1f00000000ffffull;
  v = (v | v << 16) & 0x1f0000ff0000ffull;
  v = (v | v << 8) & 0x100f00f00f00f00full;
  v = (v | v << 4) & 0x10c30c30c30c30c3ull;
  v = (v | v << 2) & 0x1249249249249249ull;
  return v;
}

typedef struct keyed {
  uint64_t key;
  uint32_t neuron;
} keyed;

static int by_key(const void *a, const void *b) {
  const keyed *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return x->neuron < y->neuron ? -1 : x->neuron > y->neuron;
}

/* Populations on a grid: neurons ordered by the Morton key of their site (x, y, z), so the ranges
 * the partition cuts are compact blocks of the grid and distance-based connectivity stays mostly
 * inside a piece or between neighbouring pieces. Other populations keep the index order. */
static bool build_orders(const ir_module *m, map_plan *pl) {
  pl->order = calloc(m->npops ? m->npops : 1, sizeof *pl->order);
  if (!pl->order) return false;
  pl->norder = m->npops;
  for (uint32_t pop = 0; pop < m->npops; pop++) {
    const ir_population *P = &m->pops[pop];
    if (P->grid < 0 || !P->sites || P->size < 2) continue;
    const ir_grid *g = &m->grids[P->grid];
    keyed *k = malloc(sizeof *k * P->size);
    pl->order[pop] = malloc(sizeof(uint32_t) * P->size);
    if (!k || !pl->order[pop]) {
      free(k);
      return false;
    }
    uint64_t nx = g->shape[0], ny = g->shape[1];
    for (uint32_t i = 0; i < P->size; i++) {
      uint64_t s = P->sites[i];
      k[i] = (keyed){spread3(s % nx) | spread3((s / nx) % ny) << 1 | spread3(s / (nx * ny)) << 2, i};
    }
    qsort(k, P->size, sizeof *k, by_key);
    for (uint32_t i = 0; i < P->size; i++) pl->order[pop][i] = k[i].neuron;
    free(k);
  }
  return true;
}

/* ---------------------------------------------------------------- the pass */

static bool partition_all(const ir_module *m, const map_target *t, const map_plan *pl, popin *pins,
                          const uint64_t *cap, pieces_buf *pb) {
  pb->n = 0;
  for (uint32_t pop = 0; pop < m->npops; pop++)
    if (!split_population(m, t, pl, pop, &pins[pop], cap[pop], pb)) return false;
  return true;
}

static bool run(ir_module *m, const map_target *t, const map_options *o, map_plan *pl, popin *pins, uint64_t *cap,
                flow *f) {
  pieces_buf pb = {0};
  hosts_buf hb = {0};
  bool ok = false;
  if (!build_orders(m, pl)) goto out;
  for (uint32_t pop = 0; pop < m->npops; pop++) {
    cap[pop] = t->limit[MAP_RES_COMPARTMENTS];
    f->pof[pop] = malloc(sizeof(uint32_t) * (m->pops[pop].size ? m->pops[pop].size : 1));
    if (!build_popin(m, t, pop, &pins[pop]) || !f->pof[pop]) goto out;
  }
  for (;;) {
    free(pl->edges);
    pl->edges = NULL;
    hb.n = 0;
    if (!partition_all(m, t, pl, pins, cap, &pb) || !host_astrocytes(m, t, pl, &pb, pins, &hb)) goto out;
    pl->hosts = hb.v;
    pl->host_astro = hb.astro;
    pl->nhosts = hb.n;
    for (uint32_t q = 0; q < pl->npieces; q++) {
      const map_piece *p = &pl->pieces[q];
      if (p->node.kind == IR_NODE_POPULATION)
        for (uint32_t i = 0; i < p->count; i++) f->pof[p->node.index][map_neuron_at(pl, p->node.index, p->first + i)] = q;
    }
    free(f->stamp);
    free(f->acc);
    free(f->hit);
    f->stamp = calloc(pl->npieces + 1, sizeof *f->stamp);
    f->acc = calloc(pl->npieces + 1, sizeof *f->acc);
    f->hit = malloc(sizeof *f->hit * (pl->npieces + 1));
    f->clock = 0;
    f->nhit = 0;
    f->e = (edges_buf){0};
    if (!f->stamp || !f->acc || !f->hit || !build_flows(f, o)) {
      free(f->e.v);
      goto out;
    }
    pl->edges = f->e.v;
    pl->nedges = f->e.n;
    bool again = false;
    for (uint32_t q = 0; q < pl->npieces; q++) {
      const map_piece *p = &pl->pieces[q];
      if (p->node.kind != IR_NODE_POPULATION || p->count < 2) continue;
      if (p->use.r[MAP_RES_OUT_AXONS] <= t->limit[MAP_RES_OUT_AXONS]) continue;
      uint64_t half = p->count / 2;
      if (half < cap[p->node.index]) {
        cap[p->node.index] = half;
        again = true;
      }
    }
    if (!again) break;
  }
  ok = true;
out:
  pl->pieces = pb.v;
  pl->npieces = pb.n;
  pl->hosts = hb.v;
  pl->host_astro = hb.astro;
  pl->nhosts = hb.n;
  return ok;
}

bool pass_partition(ir_module *m, ir_diag *d) {
  const map_target *t = map_context_target();
  IR_ASSERT(t != NULL);
  map_plan *pl = map_context_plan();
  map_context_clear();
  for (uint32_t k = 0; k < m->nprojs; k++)
    if (!m->projs[k].csr) {
      ir_error(d, m->projs[k].loc, "projection '%s' is not expanded; run the expand pass before partition",
               m->projs[k].name);
      return false;
    }
  popin *pins = calloc(m->npops ? m->npops : 1, sizeof *pins);
  uint64_t *cap = calloc(m->npops ? m->npops : 1, sizeof *cap);
  flow f = {m, pl, calloc(m->npops ? m->npops : 1, sizeof(uint32_t *)), NULL, 0, NULL, NULL, 0, {0}, NULL, NULL};
  bool ok = pins && cap && f.pof && index_outgoing(&f) && run(m, t, map_context_options(), pl, pins, cap, &f) && record(m, pl);
  for (uint32_t pop = 0; pins && pop < m->npops; pop++) popin_free(&pins[pop]);
  for (uint32_t pop = 0; f.pof && pop < m->npops; pop++) free(f.pof[pop]);
  free(f.pof);
  free(f.out_ptr);
  free(f.out_proj);
  free(f.stamp);
  free(f.acc);
  free(f.hit);
  free(pins);
  free(cap);
  if (!ok) ir_error(d, m->loc, "out of memory while partitioning");
  return ok;
}
