/* triad.c — a STREAM-like triad a[i] = b[i] + s * c[i] on one thread over arrays far larger than the caches,
 * to measure the memory bandwidth bench/scaling compares the jit engine against. Prints one line:
 * "triad BYTES_PER_ARRAY BEST_CPU_S GB_PER_S BEST_WALL_S WALL_GB_PER_S" (STREAM's convention: 24 bytes moved
 * per element, the write-allocate read of a[] not counted). The first figure uses the thread's CPU time:
 * on a shared machine the wall time also counts time spent waiting for a core, with no memory traffic. Usage: triad [MEGABYTES_PER_ARRAY (default 256)] [REPEATS (5)] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  size_t mb = argc > 1 ? (size_t)atol(argv[1]) : 256;
  int reps = argc > 2 ? atoi(argv[2]) : 5;
  if (mb == 0 || reps <= 0) {
    fprintf(stderr, "usage: triad [MEGABYTES_PER_ARRAY] [REPEATS]\n");
    return 2;
  }
  size_t n = mb * 1024 * 1024 / sizeof(double);
  double *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double)), *c = malloc(n * sizeof(double));
  if (!a || !b || !c) {
    fprintf(stderr, "triad: out of memory\n");
    return 1;
  }
  for (size_t i = 0; i < n; i++) { /* touch every page before timing */
    a[i] = 0.0;
    b[i] = 1.0;
    c[i] = 2.0;
  }
  double best = 1e30, best_wall = 1e30, s = 3.0;
  for (int r = 0; r < reps; r++) {
    double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID), t0 = clock_s(CLOCK_MONOTONIC);
    for (size_t i = 0; i < n; i++)
      a[i] = b[i] + s * c[i];
    double t = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0, w = clock_s(CLOCK_MONOTONIC) - t0;
    best = t < best ? t : best;
    best_wall = w < best_wall ? w : best_wall;
  }
  /* Use the result, so the loop cannot be dropped: a[i] = 1 + 3 * 2 = 7 everywhere. */
  if (a[n / 2] != 7.0) {
    fprintf(stderr, "triad: wrong result %g\n", a[n / 2]);
    return 1;
  }
  double bytes = 3.0 * (double)(n * sizeof(double));
  printf("triad %zu %.6f %.2f %.6f %.2f\n", n * sizeof(double), best, bytes / best / 1e9, best_wall,
         bytes / best_wall / 1e9);
  free(a);
  free(b);
  free(c);
  return 0;
}
