/* readout_team.c — the readout's fork-join team: start, gate, barrier (spin, then sleep), join; and the
 * choice, epoch by epoch, of how many threads train. */
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

/* The thread count per epoch (readout_team.h): the requested count and one thread are each timed on one
 * epoch, the faster trains, and the other is timed again after PROBE_FIRST epochs (the load changes), then
 * after twice as many each time it is still the slower (at most PROBE_MAX). */
#define PROBE_FIRST 16u
#define PROBE_MAX 128u

void ex_team_choice_init(ex_team_choice *tc, unsigned want) {
  *tc = (ex_team_choice){.want = want ? want : 1, .sec = {-1, -1}, .next = UINT32_MAX};
}

unsigned ex_team_choose(const ex_team_choice *tc, uint32_t epoch) {
  if (tc->want <= 1)
    return 1;
  if (tc->sec[1] < 0)
    return tc->want;
  if (tc->sec[0] < 0)
    return 1;
  if (epoch == tc->next) /* probe the slower */
    return tc->multi ? 1 : tc->want;
  return tc->multi ? tc->want : 1;
}

void ex_team_timed(ex_team_choice *tc, unsigned threads, uint32_t epoch, double sec) {
  tc->sec[threads > 1] = sec;
  if (tc->want <= 1 || tc->sec[0] < 0 || tc->sec[1] < 0)
    return;
  bool multi = tc->sec[1] < tc->sec[0];
  if (epoch == 1 || multi != tc->multi) /* first comparison, or the probe won: back to probing soon */
    tc->gap = PROBE_FIRST;
  else if (epoch == tc->next) /* the probe lost again: wait longer */
    tc->gap = tc->gap * 2 < PROBE_MAX ? tc->gap * 2 : PROBE_MAX;
  if (epoch == 1 || epoch == tc->next || multi != tc->multi)
    tc->next = epoch + tc->gap;
  tc->multi = multi;
}
