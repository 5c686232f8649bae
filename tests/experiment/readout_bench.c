/* readout_bench.c — times the readout (training epochs and the per-epoch evaluation) on real cached features
 * or on a synthetic spike-count set, and prints a checksum of the trained parameters. Not a test: a tool
 * for docs/experiments.md's readout figures.
 *   readout_bench [--file DIR] [--nin N] [--train N] [--eval N] [--epochs E] [--threads T] [--ref 1]
 * --ref 1 times the pre-threading readout (readout_ref.c) instead. Without it ex_readout_fit trains: with
 * --threads 2 its first epoch runs on 2 threads, the second on 1, then the faster (readout.c). The epochs'
 * losses and accuracies are printed to 17 digits, so runs can be compared with diff.
 * --file DIR reads DIR/features-{train,validation,test}.bin (the cache format, fingerprint ignored);
 * otherwise --nin features of --train (and 2 x --eval) synthetic samples: counts 0 with probability 0.54,
 * else 1 + a geometric draw of mean 11 (the NALSM1000 Fashion features: 46 % nonzero, mean 6.2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "experiment.h"
#include "readout_ref.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct bench_epoch {
  double wall, cpu;
  unsigned threads;
} bench_epoch;

typedef struct bench_state {
  bench_epoch *e;
  double wall, cpu; /* at the end of the previous epoch */
} bench_state;

static void on_epoch(void *arg, uint32_t epoch, const ex_epoch_stats *h, double seconds, unsigned threads) {
  bench_state *b = arg;
  double w = now_s(), c = cpu_s();
  (void)h, (void)seconds;
  b->e[epoch] = (bench_epoch){w - b->wall, c - b->cpu, threads};
  b->wall = w, b->cpu = c;
}

static uint64_t lcg(uint64_t *s) {
  *s = *s * 6364136223846793005u + 1442695040888963407u;
  return *s >> 33;
}

static void synth(float *x, uint8_t *y, uint32_t n, uint32_t nin, uint64_t seed) {
  uint64_t s = seed;
  for (uint32_t i = 0; i < n; i++) {
    y[i] = (uint8_t)(lcg(&s) % 10);
    for (uint32_t j = 0; j < nin; j++) {
      uint32_t v = 0;
      /* class-dependent rate: feature j prefers class j % 10 */
      uint32_t p0 = (j % 10 == y[i]) ? 30 : 54;
      if (lcg(&s) % 100 >= p0) {
        v = 1;
        while (v < 80 && lcg(&s) % 12 != 0)
          v++;
      }
      x[(size_t)i * nin + j] = (float)v;
    }
  }
}

/* Reads up to *n rows of a features cache file (header 24 bytes: magic, version, nfeat, fingerprint). */
static float *read_cache(const char *path, uint32_t *nin, uint32_t *n, uint8_t **y) {
  FILE *f = fopen(path, "rb");
  unsigned char h[24];
  if (!f || fread(h, 1, 24, f) != 24) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(1);
  }
  uint32_t nf;
  memcpy(&nf, h + 12, 4);
  fseek(f, 0, SEEK_END);
  long sz = ftell(f);
  uint32_t rows = (uint32_t)((sz - 24) / (1 + 2 * (long)nf));
  if (*n == 0 || *n > rows)
    *n = rows;
  fseek(f, 24, SEEK_SET);
  float *x = malloc((size_t)*n * nf * sizeof(float));
  *y = malloc(*n);
  unsigned char *row = malloc(1 + 2 * (size_t)nf);
  for (uint32_t r = 0; r < *n; r++) {
    if (fread(row, 1, 1 + 2 * (size_t)nf, f) != 1 + 2 * (size_t)nf)
      exit(1);
    (*y)[r] = row[0];
    for (uint32_t j = 0; j < nf; j++) {
      uint16_t v;
      memcpy(&v, row + 1 + 2 * (size_t)j, 2);
      x[(size_t)r * nf + j] = (float)v;
    }
  }
  free(row);
  fclose(f);
  *nin = nf;
  return x;
}

int main(int argc, char **argv) {
  const char *dir = NULL;
  uint32_t nin = 1000, n[3] = {5000, 1000, 1000}, epochs = 2, threads = 1, ref = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    uint32_t v = (uint32_t)strtoul(argv[i + 1], NULL, 10);
    if (!strcmp(argv[i], "--file"))
      dir = argv[i + 1];
    else if (!strcmp(argv[i], "--nin"))
      nin = v;
    else if (!strcmp(argv[i], "--train"))
      n[0] = v;
    else if (!strcmp(argv[i], "--eval"))
      n[1] = n[2] = v;
    else if (!strcmp(argv[i], "--epochs"))
      epochs = v;
    else if (!strcmp(argv[i], "--threads"))
      threads = v;
    else if (!strcmp(argv[i], "--ref"))
      ref = v;
  }
  float *x[3];
  uint8_t *y[3];
  static const char *const names[3] = {"train", "validation", "test"};
  for (int s = 0; s < 3; s++) {
    if (dir) {
      char path[4096];
      snprintf(path, sizeof path, "%s/features-%s.bin", dir, names[s]);
      x[s] = read_cache(path, &nin, &n[s], &y[s]);
    } else {
      x[s] = malloc((size_t)n[s] * nin * sizeof(float));
      y[s] = malloc(n[s]);
      synth(x[s], y[s], n[s], nin, 1234 + (uint64_t)s);
    }
    ex_features_normalise(x[s], n[s], nin);
  }
  ex_train_config c = ex_train_defaults();
  c.epochs = epochs;
  c.threads = threads;
  ex_split_data sd[3];
  for (int s = 0; s < 3; s++)
    sd[s] = (ex_split_data){x[s], y[s], n[s]};
  ex_epoch_stats *hist = calloc(epochs, sizeof *hist);
  /* per epoch: wall and CPU seconds (training + evaluation), threads that trained it */
  bench_epoch *be = calloc(epochs, sizeof *be);
  bench_state bs = {be, now_s(), cpu_s()};
  uint64_t h = EX_FNV_INIT;
  if (ref) {
    ref_readout *rr = ref_readout_create(nin, EX_CLASSES);
    for (uint32_t e = 0; e < epochs; e++) {
      hist[e].loss = ref_readout_epoch(rr, x[0], y[0], n[0], &c, e);
      hist[e].train = ref_readout_accuracy(rr, x[0], y[0], n[0]);
      hist[e].val = ref_readout_accuracy(rr, x[1], y[1], n[1]);
      hist[e].test = ref_readout_accuracy(rr, x[2], y[2], n[2]);
      on_epoch(&bs, e, &hist[e], 0, 1);
    }
    size_t np;
    const double *par = ref_readout_params(rr, &np);
    h = ex_fnv(h, par, np * sizeof(double));
    ref_readout_destroy(rr);
  } else {
    c.on_epoch = on_epoch;
    c.arg = &bs;
    uint32_t best;
    if (!ex_readout_fit(&sd[0], &sd[1], &sd[2], nin, &c, hist, &best))
      return 1;
  }
  printf("nin %u, train %u, evaluation %u+%u+%u, %s, --threads %u", nin, n[0], n[0], n[1], n[2],
         ref ? "reference (pre-threading) readout" : "readout", threads);
  if (ref)
    printf(", parameters fnv %016llx", (unsigned long long)h);
  printf("\n");
  for (uint32_t e = 0; e < epochs; e++)
    printf("epoch %u: %u thread%s, %.3f s (cpu %.3f s); loss %.17g train %.6f val %.6f test %.6f\n", e + 1,
           be[e].threads, be[e].threads == 1 ? "" : "s", be[e].wall, be[e].cpu, hist[e].loss, hist[e].train,
           hist[e].val, hist[e].test);
  free(be);
  free(hist);
  for (int s = 0; s < 3; s++) {
    free(x[s]);
    free(y[s]);
  }
  return 0;
}
