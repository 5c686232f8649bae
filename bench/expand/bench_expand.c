/* bench_expand.c — throughput of connectivity expansion (synapses per second) by rule, size, threads.
 *
 * Usage: bench_expand [-n 10000,100000,1000000] [-t 1,2] [-r fp,fi,dist]
 *   fp   fixed_probability, p = 100/N (about 100 synapses per neuron), N -> N, no self
 *   fi   fixed_indegree 100, N -> N, no self
 *   dist distance rule on a cubic grid holding N neurons, c = 1, lambda = 2.6 (about 100 per neuron
 *        inside the grid, fewer at its faces), i.e. the NALSM kernel at higher density
 * Each case builds a fresh module, times pass_layout + pass_expand, prints one line, frees it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "passes.h"

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static ir_module *make_case(const char *rule, uint32_t n) {
  ir_loc loc = {NULL, 0, 0};
  ir_module *m = ir_module_create("bench");
  m->seed = 1;
  int32_t grid = -1;
  if (strcmp(rule, "dist") == 0) {
    uint32_t side = (uint32_t)ceil(cbrt((double)n) - 1e-9);
    grid = ir_add_grid(m, "g", loc);
    m->grids[grid].shape[0] = m->grids[grid].shape[1] = m->grids[grid].shape[2] = side;
    m->grids[grid].spacing = 1.0;
  }
  int32_t a = ir_add_population(m, "a", IR_NEURON_LIF, n, loc);
  m->pops[a].grid = grid;
  ir_ref r = {IR_NODE_POPULATION, (uint32_t)a};
  int32_t p = ir_add_projection(m, "aa", r, r, loc);
  ir_conn_rule *cr = &m->projs[p].rule;
  if (strcmp(rule, "fp") == 0) {
    cr->kind = IR_CONN_FIXED_PROBABILITY;
    cr->p = 100.0 / n;
  } else if (strcmp(rule, "fi") == 0) {
    cr->kind = IR_CONN_FIXED_INDEGREE;
    cr->indegree = 100;
  } else {
    cr->kind = IR_CONN_DISTANCE;
    cr->c = 1.0;
    cr->lambda = 2.6;
  }
  return m;
}

/* Parses "a,b,c" into up to max numbers; returns the count. */
static int parse_list(const char *s, double *out, int max) {
  int n = 0;
  char *end;
  while (*s && n < max) {
    out[n++] = strtod(s, &end);
    s = *end == ',' ? end + 1 : end;
    if (*end != ',' && *end)
      break;
  }
  return n;
}

int main(int argc, char **argv) {
  double sizes[8] = {1e4, 1e5, 1e6}, threads[8] = {1, 2};
  int nsizes = 3, nthreads = 2;
  const char *rules = "fp,fi,dist";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "-n") == 0)
      nsizes = parse_list(argv[i + 1], sizes, 8);
    else if (strcmp(argv[i], "-t") == 0)
      nthreads = parse_list(argv[i + 1], threads, 8);
    else if (strcmp(argv[i], "-r") == 0)
      rules = argv[i + 1];
    else {
      fprintf(stderr, "usage: %s [-n sizes] [-t threads] [-r fp,fi,dist]\n", argv[0]);
      return 2;
    }
  }
  /* cpu s: CPU time of all threads; on a shared machine Msyn/cpu-s is the steadier figure. */
  printf("%-5s %9s %7s %12s %9s %9s %10s %13s\n", "rule", "neurons", "threads", "synapses", "seconds", "cpu s",
         "Msyn/s", "Msyn/cpu-s");
  char buf[64];
  snprintf(buf, sizeof buf, "%s", rules);
  for (char *rule = strtok(buf, ","); rule; rule = strtok(NULL, ","))
    for (int s = 0; s < nsizes; s++)
      for (int t = 0; t < nthreads; t++) {
        ir_module *m = make_case(rule, (uint32_t)sizes[s]);
        ir_diag *d = ir_diag_create(stderr);
        double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        bool ok = pass_layout(m, d) && pass_expand_threads(m, d, (unsigned)threads[t]);
        double dt = clock_s(CLOCK_MONOTONIC) - t0, cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
        uint64_t nsyn = ok ? m->projs[0].csr->nsyn : 0;
        printf("%-5s %9.0f %7.0f %12llu %9.3f %9.3f %10.1f %13.1f%s\n", rule, sizes[s], threads[t],
               (unsigned long long)nsyn, dt, cpu, nsyn / dt / 1e6, nsyn / cpu / 1e6, ok ? "" : "  FAILED");
        fflush(stdout);
        ir_diag_destroy(d);
        ir_module_destroy(m);
      }
  return 0;
}
