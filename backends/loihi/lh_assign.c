/* lh_assign.c — core assignment by compiler/mapping's passes (docs/mapping.md): quantise, partition
 * (pieces: compact runs of a population's neuron order within every per-core limit of the mapping's
 * cost model) and place (pieces onto mesh cores, minimising spike traffic). Each piece then fills its
 * mesh core neuron by neuron with the backend's exact usage (lh_fill), which also counts what the
 * mapping's model does not (kernel formats, NALSM profiles); a neuron it refuses opens a spill core on
 * the first free mesh core. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "lh_internal.h"
#include "mapping.h"

/* The mapping's description of target t: the same mesh, limits and synapse format. Astrocytes take
 * no compartment here (lh_astro: they are described beside their listeners' core), so they get slots. */
static map_target map_target_of(const lh_target *t) {
  map_target mt;
  memset(&mt, 0, sizeof mt);
  snprintf(mt.name, sizeof mt.name, "%s", t->name);
  bool chips = t->mesh_chips[0] * t->mesh_chips[1] == t->chips_max;
  bool cores = t->mesh_cores[0] * t->mesh_cores[1] == t->cores_per_chip;
  mt.chips[0] = chips ? t->mesh_chips[0] : t->chips_max;
  mt.chips[1] = chips ? t->mesh_chips[1] : 1;
  mt.cores[0] = cores ? t->mesh_cores[0] : t->cores_per_chip;
  mt.cores[1] = cores ? t->mesh_cores[1] : 1;
  mt.limit[MAP_RES_COMPARTMENTS] = t->limit[LH_RES_CX];
  mt.limit[MAP_RES_ASTRO_SLOTS] = UINT32_MAX;
  mt.limit[MAP_RES_SYN_BITS] = (uint64_t)t->limit[LH_RES_WORDS] * t->word_bits;
  mt.limit[MAP_RES_IN_AXONS] = t->limit[LH_RES_AXIN];
  mt.limit[MAP_RES_OUT_AXONS] = t->limit[LH_RES_AXOUT];
  mt.limit[MAP_RES_CPROFILES] = t->limit[LH_RES_CXPROF];
  mt.limit[MAP_RES_TPROFILES] = t->limit[LH_RES_VTHPROF];
  mt.limit[MAP_RES_FORMATS] = t->limit[LH_RES_FORMATS];
  mt.astro_compartments = 1;
  mt.fmt = (map_synfmt){.word_bits = t->word_bits, .chunk_synapses = t->chunk_max, .header_bits = t->header_bits,
                        .index_bits = t->index_bits, .tag_bits = t->tag_bits, .delay_bits_max = 6};
  mt.weight_bits = t->weight_bits;
  mt.wexp_min = -6;
  mt.wexp_max = 7;
  mt.delay_max = t->delay_max;
  mt.stdp = mt.third_factor = true;
  return mt;
}

typedef struct assign {
  lh_ctx *x;
  lh_fill f;
  uint8_t *used;  /* per mesh core: taken */
  uint32_t nmesh;
  uint32_t cap;   /* of x->mesh_id */
  uint32_t ncx;   /* compartments in the current core */
} assign;

/* Starts the next core on mesh core `mesh`. */
static bool open_core(assign *a, uint32_t mesh) {
  lh_ctx *x = a->x;
  if (x->c->ncores == a->cap) {
    a->cap = a->cap ? 2 * a->cap : 64;
    uint32_t *m = realloc(x->mesh_id, a->cap * sizeof *m);
    if (!m)
      return false;
    x->mesh_id = m;
  }
  x->mesh_id[x->c->ncores++] = mesh;
  a->used[mesh] = 1;
  a->ncx = 0;
  lh_fill_next_core(&a->f, x->m);
  return true;
}

static uint32_t first_free(const assign *a) {
  for (uint32_t k = 0; k < a->nmesh; k++)
    if (!a->used[k])
      return k;
  return UINT32_MAX;
}

/* Neuron j of population p into the current core, or into a spill core. 1 placed, 0 give up (no
 * diagnostic), -1 out of memory. */
static int place_neuron(assign *a, uint32_t p, uint32_t j) {
  lh_ctx *x = a->x;
  lh_resource r;
  bool oom = false;
  if (!lh_fill_add(x, &a->f, p, j, &r, &oom)) {
    if (oom)
      return -1;
    uint32_t spill = first_free(a);
    if (a->ncx == 0 || spill == UINT32_MAX)
      return 0;
    if (!open_core(a, spill))
      return -1;
    if (!lh_fill_add(x, &a->f, p, j, &r, &oom))
      return oom ? -1 : 0;
  }
  x->core_of[p][j] = x->c->ncores - 1;
  x->cx_of[p][j] = a->ncx;
  a->ncx += lh_pop_ncx(x, p);
  return 1;
}

static int by_core(const void *pa, const void *pb) {
  const map_piece *const *a = pa, *const *b = pb;
  return (*a)->core < (*b)->core ? -1 : (*a)->core > (*b)->core;
}

/* Fills the cores from the placed pieces; 1, 0 or -1 as place_neuron. */
static int fill_pieces(assign *a, const map_plan *pl) {
  lh_ctx *x = a->x;
  const ir_module *m = x->m;
  const map_piece **order = malloc((pl->npieces ? pl->npieces : 1) * sizeof *order);
  if (!order)
    return -1;
  uint32_t n = 0;
  for (uint32_t q = 0; q < pl->npieces; q++)
    if (pl->pieces[q].node.kind == IR_NODE_POPULATION && pl->pieces[q].count) {
      if (pl->pieces[q].core < 0 || (uint32_t)pl->pieces[q].core >= a->nmesh) {
        free(order);
        return 0;
      }
      order[n++] = &pl->pieces[q];
    }
  qsort(order, n, sizeof *order, by_core);
  int res = 1;
  for (uint32_t k = 0; res == 1 && k < n; k++) {
    const map_piece *pc = order[k];
    if (!open_core(a, (uint32_t)pc->core)) {
      res = -1;
      break;
    }
    uint32_t p = pc->node.index;
    for (uint32_t i = 0; res == 1 && i < pc->count; i++) {
      uint32_t j = map_neuron_at(pl, p, pc->first + i);
      res = j < m->pops[p].size && x->core_of[p][j] == UINT32_MAX ? place_neuron(a, p, j) : 0;
    }
  }
  free(order);
  for (uint32_t p = 0; res == 1 && p < m->npops; p++) /* every neuron in exactly one piece */
    for (uint32_t j = 0; res == 1 && j < m->pops[p].size; j++)
      if (x->core_of[p][j] == UINT32_MAX)
        res = 0;
  return res;
}

static int assign_cores(lh_ctx *x, const map_target *mt) {
  const ir_module *m = x->m;
  assign a = {.x = x, .nmesh = mt->chips[0] * mt->chips[1] * mt->cores[0] * mt->cores[1]};
  a.used = calloc(a.nmesh ? a.nmesh : 1, 1);
  int res = a.used && lh_fill_init(&a.f, m) ? 1 : -1;
  for (uint32_t p = 0; res == 1 && p < m->npops; p++) {
    size_t n = m->pops[p].size ? m->pops[p].size : 1;
    x->core_of[p] = malloc(n * sizeof(uint32_t));
    x->cx_of[p] = malloc(n * sizeof(uint32_t));
    if (!x->core_of[p] || !x->cx_of[p])
      res = -1;
    for (uint32_t j = 0; res == 1 && j < m->pops[p].size; j++)
      x->core_of[p][j] = UINT32_MAX;
  }
  x->c->ncores = 0;
  if (res == 1)
    res = fill_pieces(&a, map_context_plan());
  if (res == 1) {
    uint8_t *chip = calloc(mt->chips[0] * mt->chips[1] + 1, 1);
    if (!chip)
      res = -1;
    for (uint32_t k = 0; chip && k < x->c->ncores; k++)
      if (!chip[x->mesh_id[k] / x->t->cores_per_chip]++)
        x->c->nchips++;
    free(chip);
  }
  lh_fill_free(&a.f, m);
  free(a.used);
  return res;
}

bool lh_assign_mapped(lh_ctx *x, uint64_t place_iterations, bool *oom) {
  map_target mt = map_target_of(x->t);
  map_options saved = *map_context_options(), opt = saved;
  opt.iterations = place_iterations;
  map_context_set(&mt, &opt);
  ir_diag *quiet = ir_diag_create(NULL); /* a failure here falls back to the sequential fill */
  ir_module *mm = quiet ? ir_image_copy_module(x->m, quiet) : NULL;
  bool ok = mm && pass_quantise(mm, quiet) && pass_partition(mm, quiet) && pass_place(mm, quiet);
  int res = ok ? assign_cores(x, &mt) : 0;
  if (mm)
    ir_module_destroy(mm);
  if (quiet)
    ir_diag_destroy(quiet);
  map_context_clear();
  map_context_set(NULL, &saved);
  *oom = res < 0;
  if (res != 1)
    x->c->ncores = x->c->nchips = 0;
  return res == 1;
}
