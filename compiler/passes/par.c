/* par.c — a minimal parallel-for over index ranges (pthreads, dynamic chunks) and small helpers. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "expand_internal.h"

typedef struct par_job {
  _Atomic uint64_t next; /* first index of the next unclaimed chunk */
  uint64_t n, chunk;
  par_fn fn;
  void *arg;
} par_job;

typedef struct par_worker {
  par_job *job;
  unsigned thread;
} par_worker;

static void run_chunks(par_job *job, unsigned thread) {
  for (;;) {
    uint64_t lo = atomic_fetch_add(&job->next, job->chunk);
    if (lo >= job->n)
      return;
    uint64_t hi = job->n - lo < job->chunk ? job->n : lo + job->chunk;
    job->fn(job->arg, thread, lo, hi);
  }
}

static void *worker_main(void *p) {
  par_worker *w = p;
  run_chunks(w->job, w->thread);
  return NULL;
}

void par_for(unsigned nthreads, uint64_t n, uint64_t chunk, par_fn fn, void *arg) {
  par_job job = {.n = n, .chunk = chunk ? chunk : 1, .fn = fn, .arg = arg};
  atomic_init(&job.next, 0);
  if (nthreads > 64)
    nthreads = 64;
  pthread_t tid[64];
  par_worker w[64];
  unsigned started = 0;
  /* Threads only pay off with several chunks; a failed pthread_create just means fewer workers. */
  for (unsigned t = 1; t < nthreads && (uint64_t)t * job.chunk < n; t++) {
    w[started] = (par_worker){&job, t};
    if (pthread_create(&tid[started], NULL, worker_main, &w[started]) != 0)
      break;
    started++;
  }
  run_chunks(&job, 0);
  for (unsigned t = 0; t < started; t++)
    pthread_join(tid[t], NULL);
}

bool conn_delay_steps(double delay_ms, double dt, uint16_t *steps) {
  double s = round(delay_ms / dt);
  if (!(s >= 0.0 && s <= 65535.0))
    return false;
  *steps = (uint16_t)s;
  return true;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

void conn_sort_u32(uint32_t *v, uint64_t n) {
  if (n <= 32) { /* rows are short: insertion sort */
    for (uint64_t i = 1; i < n; i++) {
      uint32_t x = v[i];
      uint64_t j = i;
      for (; j > 0 && v[j - 1] > x; j--)
        v[j] = v[j - 1];
      v[j] = x;
    }
    return;
  }
  qsort(v, n, sizeof *v, cmp_u32);
}
