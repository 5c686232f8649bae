/* readout_team.c — the readout's fork-join team: start, gate, barrier (spin, then sleep), join. */
#include "readout_team.h"

#include <stdint.h>

#define MAX_THREADS 64u
#define SPINS 250u /* pause instructions before sleeping: about 16 us on this machine (65 ns a pause) */

typedef struct member {
  ex_team *tm;
  unsigned t;
} member;

static void cpu_relax(void) {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  __builtin_ia32_pause();
#endif
}

static void *member_main(void *p) {
  member *m = p;
  ex_team *tm = m->tm;
  pthread_mutex_lock(&tm->mu);
  while (!tm->go) /* the team's size is known only once every thread has been started */
    pthread_cond_wait(&tm->cv, &tm->mu);
  pthread_mutex_unlock(&tm->mu);
  tm->fn(tm->arg, tm, m->t);
  return NULL;
}

void ex_team_run(unsigned n, ex_team_fn *fn, void *arg) {
  ex_team tm = {.n = 1, .fn = fn, .arg = arg};
  pthread_t th[MAX_THREADS];
  member mem[MAX_THREADS];
  atomic_init(&tm.arrived, 0);
  atomic_init(&tm.round, 0);
  pthread_mutex_init(&tm.mu, NULL);
  pthread_cond_init(&tm.cv, NULL);
  if (n > MAX_THREADS)
    n = MAX_THREADS;
  unsigned started = 0;
  for (unsigned t = 1; t < n; t++, started++) {
    mem[t] = (member){&tm, t};
    if (pthread_create(&th[t], NULL, member_main, &mem[t]) != 0)
      break;
  }
  pthread_mutex_lock(&tm.mu);
  tm.n = 1 + started;
  tm.go = true;
  pthread_cond_broadcast(&tm.cv);
  pthread_mutex_unlock(&tm.mu);
  fn(arg, &tm, 0);
  for (unsigned t = 1; t <= started; t++)
    pthread_join(th[t], NULL);
  pthread_cond_destroy(&tm.cv);
  pthread_mutex_destroy(&tm.mu);
}

void ex_team_sync(ex_team *tm) {
  if (tm->n < 2)
    return;
  unsigned r = atomic_load(&tm->round);
  if (atomic_fetch_add(&tm->arrived, 1) + 1 == tm->n) {
    atomic_store(&tm->arrived, 0); /* before the round moves on: a released thread may arrive again at once */
    pthread_mutex_lock(&tm->mu);
    atomic_fetch_add(&tm->round, 1);
    pthread_cond_broadcast(&tm->cv);
    pthread_mutex_unlock(&tm->mu);
    return;
  }
  for (unsigned k = 0; k < SPINS; k++) {
    if (atomic_load_explicit(&tm->round, memory_order_acquire) != r)
      return;
    cpu_relax();
  }
  pthread_mutex_lock(&tm->mu);
  while (atomic_load(&tm->round) == r)
    pthread_cond_wait(&tm->cv, &tm->mu);
  pthread_mutex_unlock(&tm->mu);
}

void ex_team_share(unsigned t, unsigned n, size_t count, size_t align, size_t *lo, size_t *hi) {
  size_t units = (count + align - 1) / align;
  size_t a = units * t / n, b = units * (t + 1) / n;
  *lo = a * align < count ? a * align : count;
  *hi = b * align < count ? b * align : count;
}
