/* readout_team.h — a small fork-join team for the readout (readout_team.c): n threads run one function,
 * meeting at a barrier that spins briefly and then sleeps (the machine is shared with other work). */
#ifndef ASTROC_READOUT_TEAM_H
#define ASTROC_READOUT_TEAM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* How many threads train each epoch of the readout. Threads meet twice per batch; on a machine busier than
 * its cores a thread waiting for a descheduled partner loses a time slice, and one thread can be much faster
 * than two. The results do not depend on the count, so it is chosen by measured speed:
 *   epoch 0 on `want` threads, epoch 1 on one, then the faster; the slower is timed again 16 epochs after
 *   the comparison, then 32, 64, 128 (at most) epochs after each probe it loses; a probe that wins (or an
 *   epoch of the chosen count slower than the other's last time) switches, and the gap restarts at 16. */
typedef struct ex_team_choice {
  unsigned want;
  double sec[2];      /* last training seconds of an epoch: [0] one thread, [1] want threads; < 0: not timed */
  bool multi;         /* want threads are the faster */
  uint32_t next, gap; /* epoch of the next probe of the slower, and the gap after it */
} ex_team_choice;

void ex_team_choice_init(ex_team_choice *tc, unsigned want); /* want 0: 1 */
unsigned ex_team_choose(const ex_team_choice *tc, uint32_t epoch);
/* Records that epoch `epoch` trained on `threads` threads in `sec` seconds. */
void ex_team_timed(ex_team_choice *tc, unsigned threads, uint32_t epoch, double sec);

#endif
