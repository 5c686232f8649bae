/* bench_nalsm.c — CPU-time benchmark of the interp engine on a NALSM protocol, for a machine too loaded
 * for wall-clock numbers: `bench_rt_nalsm MODEL.yaml [INIT_SAMPLES [RESPONSE_SAMPLES]]`.
 *
 * It repeats the experiment runner's per-step pattern (runtime/experiment/present.c) without a data set:
 * the dataset input becomes a silent Bernoulli input driven by rt_sim_inject, each sample a random
 * "image" of 150 lit pixels at p = 0.12 per step (about 18 events per step, as Fashion-MNIST under the
 * NALSM encoding). Init: 20-step samples with plasticity, weights carried over. Responses: restore the
 * post-init checkpoint, 250 steps with the learning-rate gain decayed by 0.99 per step. Prints samples
 * per second of this thread's CPU time for each phase. Not a test: nothing is asserted. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "astroc_rt.h"
#include "fe.h"
#include "passes.h"

static uint64_t splitmix(uint64_t x) {
  x += UINT64_C(0x9e3779b97f4a7c15);
  x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
  return x ^ (x >> 31);
}

static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int present(rt_sim *s, uint32_t npix, uint64_t sample, uint32_t steps, double decay, ir_diag *d) {
  ir_ref in = {IR_NODE_INPUT, 0};
  double g = 1.0;
  for (uint32_t t = 0; t < steps; t++) {
    if (!rt_sim_set_plasticity_gain(s, g))
      return 0;
    for (uint32_t i = 0; i < npix; i++) {
      uint64_t lit = splitmix(sample * 7919 + i) % 784 < 150;
      if (lit && splitmix((sample << 40) ^ ((uint64_t)t << 16) ^ i) % 100 < 12)
        rt_sim_inject(s, in, i);
    }
    if (!rt_sim_run(s, 1, d))
      return 0;
    g *= decay;
  }
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_rt_nalsm MODEL.yaml [INIT_SAMPLES [RESPONSE_SAMPLES]]\n");
    return 2;
  }
  uint32_t ninit = argc > 2 ? (uint32_t)atoi(argv[2]) : 200, nresp = argc > 3 ? (uint32_t)atoi(argv[3]) : 20;
  ir_diag *d = ir_diag_create(stderr);
  ir_module *m = fe_yaml_load(argv[1], d);
  size_t np;
  const ir_pass *passes = pass_pipeline(&np);
  ir_pipeline_options po = {0};
  if (!m || !ir_run_pipeline(m, passes, np, &po, d) || m->ninputs != 1)
    return 1;
  m->inputs[0].kind = IR_INPUT_BERNOULLI;
  m->inputs[0].p = ir_value_const(0, IR_DIM_NONE);
  rt_options o = {.numerics = -1};
  rt_sim *s = rt_sim_create(m, &o, d);
  if (!s)
    return 1;
  uint32_t npix = m->inputs[0].size;
  double t0 = cpu_s();
  for (uint32_t k = 0; k < ninit; k++)
    if (!present(s, npix, k, 20, 1.0, d))
      return 1;
  double t1 = cpu_s();
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  if (!f || !rt_sim_save(s, f, d))
    return 1;
  fclose(f);
  double t2 = cpu_s();
  for (uint32_t k = 0; k < nresp; k++) {
    FILE *r = fmemopen(buf, n, "rb");
    if (!r || !rt_sim_restore(s, r, d) || !present(s, npix, 100000 + k, 250, 0.99, d))
      return 1;
    fclose(r);
  }
  double t3 = cpu_s();
  printf("%s: init %.1f samples/s (CPU), responses %.2f samples/s (CPU), checkpoint %zu bytes\n", argv[1],
         ninit / (t1 - t0), nresp / (t3 - t2), n);
  free(buf);
  rt_sim_destroy(s);
  ir_module_destroy(m);
  ir_diag_destroy(d);
  return 0;
}
