/* t_network.h — random lif networks for the suites that run them on two engines: 1-N lif populations,
 * Bernoulli or Poisson inputs (sometimes injecting current), fixed-probability projections with
 * mixed-sign weights and delays. Each suite's ranges live in its t_lif_opts and hooks add what is its
 * own (other neuron models, plasticity, astrocytes) from the same stream, so a seed gives the module it
 * always gave: the order of draws below is part of every random suite's coverage. */
#ifndef ASTROC_T_NETWORK_H
#define ASTROC_T_NETWORK_H

#include <stdbool.h>
#include <stdint.h>

#include "ir.h"

/* How a lif decay (du, dv) is drawn: tau uniform (no draw), d constant below 4096 (one draw), or one
 * draw choosing between them (then the constant's draw). */
typedef enum t_decay { T_DECAY_TAU, T_DECAY_CONST, T_DECAY_EITHER } t_decay;

typedef struct t_lif_opts {
  const char *name;     /* the module's name */
  uint64_t mul, add;    /* the stream starts at seed * mul + add */
  bool v_unit;          /* draw v_unit: 0.5 mV in one case of four (else the module's default) */
  bool inputs_last;     /* draw the number of inputs after the populations (else right after theirs) */
  uint32_t pops;        /* 1 + below(pops) populations */
  uint32_t pop_size;    /* of 1 + below(pop_size) neurons ... */
  uint32_t fixed_size;  /* ... or, when not 0, of exactly this many (no draw) */
  t_decay du, dv;       /* tau_u uniform(0, 10) ms, tau_v uniform(1, 40) ms */
  double v_th;          /* v_th uniform(0, v_th) mV */
  bool strong_bias;     /* bias uniform(20, 30) mV (no draw); else uniform(-1, 3 or 0.5) (one draw) */
  uint32_t refractory;  /* below(refractory) ms */
  bool u_init;          /* u_init uniform(-2, 2) mV */
  bool poisson;         /* each input Poisson (rate 0-0.2/ms) or Bernoulli (p 0-0.3) by one draw; else Bernoulli */
  uint32_t input_size;  /* 1 + below(input_size) inputs' neurons */
  uint32_t inject;      /* not 0: a random population (always drawn); if it has the input's size, the input
                         * injects current uniform(-2, 6) mV into it in one case of `inject` */
  uint32_t projs;       /* 1 + below(projs) projections */
  uint32_t long_delay;  /* not 0: delays up to long_delay in one case of four, else ... */
  uint32_t delays;      /* ... up to below(delays) (in steps; uniform(0, max + 0.49) ms) */
  double p_max;         /* connection probability unif(0.05, p_max) */
  uint32_t strong;      /* not 0: in one case of `strong` weights up to unif(10, strong_max) mV ... */
  double strong_max;    /* ... else (and always when strong is 0) up to unif(0.5, 8) mV; w_min -w_max*unif(0, 1) */
  bool expand;          /* run pass_layout and pass_expand (else the module is left unexpanded) */
  /* Hooks, each given the network's stream (NULL: none). population: before a lif population is
   * drawn; returns true when it added a population of its own instead. */
  bool (*population)(ir_module *m, const char *name, uint64_t *r, void *ctx);
  void (*after_inputs)(ir_module *m, uint64_t *r, void *ctx);
  void (*projection)(ir_module *m, ir_projection *q, uint64_t *r, void *ctx); /* after each is drawn */
  void (*finish)(ir_module *m, uint64_t *r, void *ctx);                       /* before expansion */
  void *ctx;
} t_lif_opts;

/* A new module (fixed numerics, m->seed = seed) drawn as `o` says. */
ir_module *t_random_lif_network(uint64_t seed, const t_lif_opts *o);

#endif
