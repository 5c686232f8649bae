/* bench_cuba.c — runs a model (examples/cuba.yaml) on one astroc engine and prints one line of timings:
 * "astroc ENGINE THREADS NUMERICS SIM_S LOOP_S SPIKES EVENTS COMPILE_MS CPU_S NEURONS". LOOP_S is the
 * wall time of rt_sim_run only (creation and JIT compilation excluded, reported apart), CPU_S the CPU time
 * of all the process's threads over the same interval (on a shared machine, LOOP_S - CPU_S is roughly
 * time spent waiting for a core); EVENTS counts synaptic events (every synapse of every spike). Usage: bench_cuba MODEL ENGINE THREADS SIM_MS [float|fixed] [V_UNIT] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "fe.h"
#include "passes.h"

typedef struct counts {
  const ir_module *m;
  uint64_t **outdeg; /* per population, per neuron: synapses leaving it (all projections) */
  uint64_t spikes, events;
} counts;

static void on_spikes(void *ctx, uint64_t step, ir_ref src, const uint32_t *idx, uint32_t n) {
  (void)step;
  counts *c = ctx;
  c->spikes += n;
  if (src.kind == IR_NODE_POPULATION)
    for (uint32_t k = 0; k < n; k++)
      c->events += c->outdeg[src.index][idx[k]];
}

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: bench_cuba MODEL ENGINE THREADS SIM_MS [float|fixed] [V_UNIT]\n");
    return 2;
  }
  ir_diag *d = ir_diag_create(stderr);
  ir_module *m = fe_yaml_load(argv[1], d);
  if (!m || !pass_layout(m, d) || !pass_expand(m, d))
    return 1;
  int numerics = argc > 5 ? (strcmp(argv[5], "fixed") == 0 ? IR_NUMERICS_FIXED : IR_NUMERICS_FLOAT) : -1;
  if (argc > 6)
    m->v_unit = atof(argv[6]);
  counts c = {.m = m, .outdeg = calloc(m->npops, sizeof(uint64_t *))};
  for (uint32_t p = 0; p < m->npops; p++)
    c.outdeg[p] = calloc(m->pops[p].size, sizeof(uint64_t));
  for (uint32_t k = 0; k < m->nprojs; k++) {
    const ir_projection *q = &m->projs[k];
    if (q->pre.kind == IR_NODE_POPULATION)
      for (uint32_t i = 0; i < q->csr->npre; i++)
        c.outdeg[q->pre.index][i] += q->csr->row_ptr[i + 1] - q->csr->row_ptr[i];
  }
  rt_options o = {.engine = argv[2], .numerics = numerics, .threads = (unsigned)atoi(argv[3])};
  rt_sim *s = rt_sim_create(m, &o, d);
  if (!s)
    return 1;
  rt_jit_info info = {0};
  rt_jit_info_get(s, &info);
  rt_sim_on_spikes(s, on_spikes, &c);
  double sim_ms = atof(argv[4]);
  uint64_t nsteps = (uint64_t)(sim_ms / m->dt + 0.5);
  uint64_t neurons = 0;
  for (uint32_t p = 0; p < m->npops; p++)
    neurons += m->pops[p].size;
  double c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), t0 = clock_s(CLOCK_MONOTONIC);
  if (!rt_sim_run(s, nsteps, d))
    return 1;
  double loop = clock_s(CLOCK_MONOTONIC) - t0, cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
  printf("astroc %s %u %s %g %.6f %llu %llu %.1f %.6f %llu\n", argv[2], o.threads ? o.threads : 1,
         rt_sim_numerics(s) == IR_NUMERICS_FIXED ? "fixed" : "float", sim_ms / 1000.0, loop,
         (unsigned long long)c.spikes, (unsigned long long)c.events, info.compile_ms, cpu,
         (unsigned long long)neurons);
  rt_sim_destroy(s);
  for (uint32_t p = 0; p < m->npops; p++)
    free(c.outdeg[p]);
  free(c.outdeg);
  ir_module_destroy(m);
  ir_diag_destroy(d);
  return 0;
}
