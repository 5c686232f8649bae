/* bench_map.c — wall time and peak memory (getrusage ru_maxrss) of every mapping phase on a large
 * network: G groups of K neurons (lif), each group recurrently connected with p_in and feeding the
 * next group (a ring) with p_next, about 100 synapses a neuron; loihi2 with 4 x 4 chips.
 *
 *   bench_map [NEURONS [SYNAPSES_PER_NEURON]]     defaults 1000000 100
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "mapping.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double peak_mb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_maxrss / 1024.0;
}

int main(int argc, char **argv) {
  uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000000;
  double per = argc > 2 ? strtod(argv[2], NULL) : 100;
  uint32_t k = 1000, g = n / k;
  ir_module *m = ir_module_create("bench");
  ir_loc l = {0};
  for (uint32_t i = 0; i < g; i++) {
    char name[32];
    snprintf(name, sizeof name, "g%u", i);
    ir_add_population(m, name, IR_NEURON_LIF, k, l);
  }
  for (uint32_t i = 0; i < g; i++) {
    char name[32];
    for (int ring = 0; ring < 2; ring++) {
      snprintf(name, sizeof name, "%s%u", ring ? "next" : "rec", i);
      int32_t p = ir_add_projection(m, name, (ir_ref){IR_NODE_POPULATION, i},
                                    (ir_ref){IR_NODE_POPULATION, ring ? (i + 1) % g : i}, l);
      m->projs[p].rule.kind = IR_CONN_FIXED_PROBABILITY;
      m->projs[p].rule.p = (ring ? 0.1 : 0.9) * per / k;
      m->projs[p].rule.allow_self = true;
      m->projs[p].weight = ir_value_const(1.0, IR_DIM_VOLTAGE);
      m->projs[p].delay = ir_value_const(0, IR_DIM_TIME);
    }
  }
  ir_diag *d = ir_diag_create(stderr);
  map_target t;
  if (!map_target_load("loihi2", &t, d)) return 1;
  t.chips[0] = t.chips[1] = 4;
  size_t np;
  const ir_pass *passes = map_pipeline(&t, &np);
  printf("network: %u neurons in %u groups; target loihi2 with 4 x 4 chips (%llu cores)\n", n, g,
         (unsigned long long)map_target_ncores(&t));
  printf("%-10s %10s %14s\n", "phase", "wall s", "peak RSS MB");
  double total = 0;
  for (size_t i = 0; i < np; i++) {
    double t0 = now();
    bool ok = passes[i].run(m, d);
    double dt = now() - t0;
    total += dt;
    printf("%-10s %10.2f %14.0f\n", passes[i].name, dt, peak_mb());
    fflush(stdout);
    if (!ok) return 1;
  }
  uint64_t syn = 0;
  for (uint32_t i = 0; i < m->nprojs; i++) syn += m->projs[i].csr->nsyn;
  map_plan *pl = map_context_plan();
  printf("total      %10.2f %14.0f\n", total, peak_mb());
  printf("synapses %llu, cores used %u, spike-hops placed %.4g naive %.4g (ratio %.3f), max link %.4g vs %.4g\n",
         (unsigned long long)syn, pl->npieces, pl->placed.spike_hops, pl->naive.spike_hops,
         pl->naive.spike_hops / pl->placed.spike_hops, pl->placed.max_link, pl->naive.max_link);
  printf("annealing: %llu moves, %llu accepted; link load total %.4g vs %.4g\n", (unsigned long long)pl->iterations,
         (unsigned long long)pl->accepted, pl->placed.link_total, pl->naive.link_total);
  map_context_clear();
  ir_module_destroy(m);
  ir_diag_destroy(d);
  return 0;
}
