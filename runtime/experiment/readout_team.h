/* readout_team.h — a small fork-join team for the readout (readout_team.c): n threads run one function,
 * meeting at a barrier that spins briefly and then sleeps (the machine is shared with other work). */
#ifndef ASTROC_READOUT_TEAM_H
#define ASTROC_READOUT_TEAM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

typedef struct ex_team ex_team;
typedef void ex_team_fn(void *arg, ex_team *tm, unsigned t);

struct ex_team {
  unsigned n;                /* threads in the team, the caller included */
  ex_team_fn *fn;
  void *arg;
  atomic_uint arrived, round; /* barrier: arrivals in this round, rounds completed */
  bool go;
  pthread_mutex_t mu;
  pthread_cond_t cv;
};

/* Runs fn(arg, tm, t) for t = 0..n-1 (t = 0 on the calling thread) and returns when all have returned.
 * When fewer threads can be started, the team is smaller (tm->n says how many): fn must split its work
 * by tm->n. */
void ex_team_run(unsigned n, ex_team_fn *fn, void *arg);

/* Waits until every thread of the team has arrived. Spins about 16 us, then sleeps. */
void ex_team_sync(ex_team *tm);

/* [*lo, *hi): share t of n of the range [0, count), split at multiples of `align`. */
void ex_team_share(unsigned t, unsigned n, size_t count, size_t align, size_t *lo, size_t *hi);

#endif
