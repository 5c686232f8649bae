/* test_partition.c — property test: 100 random networks on a small target; every core within every
 * limit, and each piece's usage recounted independently from the CSR (row scans, not the
 * partitioner's transposed index); every neuron in exactly one piece; every spike route reaches
 * all its targets. Also reports placement against the naive fill. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static uint64_t lcg(uint64_t *s) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return *s >> 33;
}

static ir_module *random_net(uint64_t seed) {
  uint64_t s = seed * 7919 + 1;
  ir_module *m = ir_module_create("rnd");
  m->seed = seed;
  ir_loc l = {0};
  uint32_t npop = 1 + (uint32_t)(lcg(&s) % 4);
  for (uint32_t i = 0; i < npop; i++) {
    char name[8];
    snprintf(name, sizeof name, "p%u", i);
    ir_add_population(m, name, IR_NEURON_LIF, 1 + (uint32_t)(lcg(&s) % 200), l);
  }
  bool input = lcg(&s) % 2;
  if (input) {
    int32_t in = ir_add_input(m, "in", IR_INPUT_POISSON, 1 + (uint32_t)(lcg(&s) % 100), l);
    m->inputs[in].rate = ir_value_const(0.02, IR_DIM_RATE);
  }
  uint32_t nproj = 1 + (uint32_t)(lcg(&s) % 5);
  for (uint32_t k = 0; k < nproj; k++) {
    char name[8];
    snprintf(name, sizeof name, "x%u", k);
    ir_ref pre = {IR_NODE_POPULATION, (uint32_t)(lcg(&s) % npop)};
    if (input && lcg(&s) % 3 == 0) pre = (ir_ref){IR_NODE_INPUT, 0};
    ir_ref post = {IR_NODE_POPULATION, (uint32_t)(lcg(&s) % npop)};
    int32_t p = ir_add_projection(m, name, pre, post, l);
    ir_projection *pr = &m->projs[p];
    pr->rule.kind = IR_CONN_FIXED_PROBABILITY;
    pr->rule.p = 0.01 + 0.3 * (double)(lcg(&s) % 1000) / 1000.0;
    pr->rule.allow_self = true;
    pr->weight = ir_value_const((lcg(&s) % 2 ? 1.0 : -1.0) * (0.5 + (double)(lcg(&s) % 100) / 20.0), IR_DIM_VOLTAGE);
    pr->delay = ir_value_const((double)(lcg(&s) % 4), IR_DIM_TIME);
  }
  return m;
}

/* Resources of piece q recounted from the CSR rows. */
static void recount(const ir_module *m, const map_target *t, const map_plan *pl, uint32_t q, map_usage *u,
                    const uint32_t *const *pof) {
  const map_piece *p = &pl->pieces[q];
  memset(u, 0, sizeof *u);
  u->r[MAP_RES_COMPARTMENTS] = p->count;
  u->r[MAP_RES_CPROFILES] = u->r[MAP_RES_TPROFILES] = 1;
  uint32_t a = p->first, b = p->first + p->count;
  for (uint32_t k = 0; k < m->nprojs; k++) {
    const ir_projection *pr = &m->projs[k];
    if (pr->post.index != p->node.index) continue;
    const ir_csr *c = pr->csr;
    uint32_t dmax = 0;
    for (uint64_t s = 0; s < c->nsyn; s++) dmax = c->delay[s] > dmax ? c->delay[s] : dmax;
    uint32_t dbits = 0;
    while ((1u << dbits) <= dmax) dbits++;
    uint32_t bits = t->weight_bits + dbits + t->fmt.index_bits;
    bool any = false;
    for (uint32_t i = 0; i < c->npre; i++) {
      uint64_t n = 0;
      for (uint64_t s = c->row_ptr[i]; s < c->row_ptr[i + 1]; s++) n += c->col[s] >= a && c->col[s] < b;
      if (!n) continue;
      any = true;
      u->r[MAP_RES_IN_AXONS]++;
      uint64_t words = 0, left = n;
      while (left) { /* chunk by chunk */
        uint64_t k2 = left < t->fmt.chunk_synapses ? left : t->fmt.chunk_synapses;
        words += (bits * k2 + t->fmt.header_bits + t->fmt.word_bits - 1) / t->fmt.word_bits;
        left -= k2;
      }
      u->r[MAP_RES_SYN_BITS] += words * t->fmt.word_bits;
    }
    u->r[MAP_RES_FORMATS] += any;
  }
  /* output axons: distinct destination pieces of each neuron */
  uint8_t *seen = calloc(pl->npieces, 1);
  for (uint32_t i = a; i < b; i++) {
    memset(seen, 0, pl->npieces);
    for (uint32_t k = 0; k < m->nprojs; k++) {
      const ir_projection *pr = &m->projs[k];
      if (pr->pre.kind != IR_NODE_POPULATION || pr->pre.index != p->node.index) continue;
      for (uint64_t s = pr->csr->row_ptr[i]; s < pr->csr->row_ptr[i + 1]; s++) {
        uint32_t d = pof[pr->post.index][pr->csr->col[s]];
        u->r[MAP_RES_OUT_AXONS] += !seen[d];
        seen[d] = 1;
      }
    }
  }
  free(seen);
}

static void test_random_networks(void **state) {
  (void)state;
  map_target t = test_small_target(8, 8);
  t.limit[MAP_RES_IN_AXONS] = 256;
  t.limit[MAP_RES_SYN_BITS] = 65536;
  unsigned mapped = 0, refused = 0;
  double ratio_sum = 0, worst = 0;
  for (uint64_t seed = 1; seed <= 100; seed++) {
    ir_module *m = random_net(seed);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    bool ok = test_map(m, &t, seed, f);
    fclose(f);
    map_plan *pl = map_context_plan();
    if (!ok) {
      /* only two honest refusals: too many pieces, or a single neuron beyond a limit */
      bool too_many = strstr(buf, "cores; target 'small' has 64") != NULL;
      bool single = strstr(buf, "on core (") != NULL;
      if (!too_many && !single) fail_msg("seed %llu: unexpected failure:\n%s", (unsigned long long)seed, buf);
      if (single)
        for (uint32_t q = 0; q < pl->npieces; q++)
          for (int r = 0; r < MAP_RES_COUNT; r++)
            if (pl->pieces[q].use.r[r] > t.limit[r]) assert_int_equal(pl->pieces[q].count, 1);
      refused++;
      free(buf);
      ir_module_destroy(m);
      continue;
    }
    free(buf);
    mapped++;
    uint32_t **pof = test_check_each_neuron_once(m, pl);
    uint8_t *used = calloc(map_target_ncores(&t), 1);
    for (uint32_t q = 0; q < pl->npieces; q++) {
      const map_piece *p = &pl->pieces[q];
      assert_int_equal(p->node.kind, IR_NODE_POPULATION);
      assert_true(p->core >= 0 && p->core < 64);
      assert_false(used[p->core]); /* one piece per core */
      used[p->core] = 1;
    }
    test_check_routes(m, &t, pl, pof);
    for (uint32_t q = 0; q < pl->npieces; q++) {
      map_usage u;
      recount(m, &t, pl, q, &u, (const uint32_t *const *)pof);
      for (int r = 0; r < MAP_RES_COUNT; r++) {
        assert_true(pl->pieces[q].use.r[r] <= t.limit[r]);
        if (r == MAP_RES_ASTRO_SLOTS) continue;
        if (u.r[r] != pl->pieces[q].use.r[r])
          fail_msg("seed %llu piece %u: %s is %llu, recount %llu", (unsigned long long)seed, q,
                   map_resource_key((map_resource)r), (unsigned long long)pl->pieces[q].use.r[r],
                   (unsigned long long)u.r[r]);
      }
    }
    double ratio = pl->placed.spike_hops > 0 ? pl->naive.spike_hops / pl->placed.spike_hops : 1;
    ratio_sum += ratio;
    if (mapped == 1 || ratio < worst) worst = ratio;
    test_free_pof(m, pof);
    free(used);
    ir_module_destroy(m);
  }
  printf("random networks: %u mapped, %u refused; naive/placed spike-hops: mean %.3f, worst %.3f\n", mapped, refused,
         ratio_sum / (mapped ? mapped : 1), worst);
  assert_true(mapped >= 50);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_random_networks)};
  int r = cmocka_run_group_tests(tests, NULL, NULL);
  map_context_clear();
  return r;
}
