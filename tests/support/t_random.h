/* t_random.h — the test suites' random stream (splitmix64) and the random draws they share: uniform
 * value distributions, astrocyte listen lists, stdp parameters, nalsm and tripartite astrocyte
 * parameters. Every function draws from the caller's stream in a fixed order, so a seed always gives
 * the same module: changing the order of draws here changes every random suite's networks. */
#ifndef ASTROC_T_RANDOM_H
#define ASTROC_T_RANDOM_H

#include <stdint.h>

#include "ir.h"

/* splitmix64: the next 64-bit word of stream *s. */
uint64_t t_rnd(uint64_t *s);
/* A double in [a, b) from 53 bits of one word. */
double t_unif(uint64_t *s, double a, double b);
/* An integer in [0, n) (modulo: the tiny bias does not matter for tests). */
uint32_t t_below(uint64_t *s, uint32_t n);

/* The distribution uniform(a, b) in unit `dim` (no draw: the module's seed draws the elements). */
ir_value t_uniform(double a, double b, ir_dim dim);

/* n listen entries in m's arena: each a random population, input or projection of m (one draw for the
 * kind, one for the index) with sign -1 in one case of three (one draw). */
ir_astro_listen *t_random_listens(ir_module *m, uint32_t n, uint64_t *r);

/* q becomes an stdp-family projection of rule `rule` (IR_PLAST_STDP or IR_PLAST_ASTRO_STDP; the
 * modulator is the caller's): anti-hebbian in one case of three, random trace time constants (tau_post
 * 0 in one case of five), trace increment, rates, and each bound (w_min <= 0, w_max > 0) kept at its
 * default in one case of four. */
void t_random_stdp(ir_projection *q, ir_plasticity_rule rule, uint64_t *r);

/* Random a0 (per element), w_a, b_a and tau (0 in one case of six) of a nalsm astrocyte. */
void t_random_nalsm_astro(ir_value *params, uint64_t *r);

/* Random parameters of a tripartite astrocyte: tau_ca and tau_glio (each 0 in one case of five),
 * per-element ca_per_spike, release, gain, current and ca_init, one ca_threshold. */
void t_random_tripartite(ir_value *params, uint64_t *r);

#endif
