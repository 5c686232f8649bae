/* t_network.c — random lif networks with per-suite ranges and hooks (t_network.h). */
#include "t_network.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>

#include "passes.h"
#include "t_random.h"

#define LOC ((ir_loc){"t_network.c", 1, 1})

static void decay(ir_value *q, t_decay how, int d, int tau, double lo, double hi, uint64_t *r) {
  if (how == T_DECAY_CONST || (how == T_DECAY_EITHER && t_below(r, 2)))
    q[d] = ir_value_const(t_below(r, 4096), IR_DIM_NONE);
  else
    q[tau] = t_uniform(lo, hi, IR_DIM_TIME);
}

static void lif_population(ir_module *m, const char *name, const t_lif_opts *o, uint64_t *r) {
  uint32_t size = o->fixed_size ? o->fixed_size : 1 + t_below(r, o->pop_size);
  int32_t k = ir_add_population(m, name, IR_NEURON_LIF, size, LOC);
  ir_value *q = m->pops[k].params;
  decay(q, o->du, IR_P_LIF_DU, IR_P_LIF_TAU_U, 0, 10, r);
  decay(q, o->dv, IR_P_LIF_DV, IR_P_LIF_TAU_V, 1, 40, r);
  q[IR_P_LIF_V_TH] = t_uniform(0, o->v_th, IR_DIM_VOLTAGE);
  q[IR_P_LIF_BIAS] = o->strong_bias ? t_uniform(20, 30, IR_DIM_VOLTAGE)
                                    : t_uniform(-1, t_below(r, 3) == 0 ? 3 : 0.5, IR_DIM_VOLTAGE);
  q[IR_P_LIF_REFRACTORY] = ir_value_const(t_below(r, o->refractory), IR_DIM_TIME);
  q[IR_P_LIF_V_INIT] = t_uniform(-5, 5, IR_DIM_VOLTAGE);
  if (o->u_init)
    q[IR_P_LIF_U_INIT] = t_uniform(-2, 2, IR_DIM_VOLTAGE);
}

static void input(ir_module *m, const char *name, uint32_t npop, const t_lif_opts *o, uint64_t *r) {
  bool poisson = o->poisson && t_below(r, 2);
  uint32_t size = 1 + t_below(r, o->input_size);
  int32_t k = ir_add_input(m, name, poisson ? IR_INPUT_POISSON : IR_INPUT_BERNOULLI, size, LOC);
  if (poisson)
    m->inputs[k].rate = t_uniform(0, 0.2, IR_DIM_RATE); /* per ms */
  else
    m->inputs[k].p = t_uniform(0, 0.3, IR_DIM_NONE);
  if (!o->inject)
    return;
  uint32_t tgt = t_below(r, npop);
  if (t_below(r, o->inject) == 0 && m->pops[tgt].size == m->inputs[k].size) {
    m->inputs[k].inject_into = (int32_t)tgt;
    m->inputs[k].inject_current = t_uniform(-2, 6, IR_DIM_VOLTAGE);
  }
}

static ir_projection *projection(ir_module *m, const char *name, uint32_t npop, uint32_t nin, uint32_t maxd,
                                 const t_lif_opts *o, uint64_t *r) {
  bool from_in = t_below(r, 3) == 0;
  ir_ref pre = from_in ? (ir_ref){IR_NODE_INPUT, t_below(r, nin)} : (ir_ref){IR_NODE_POPULATION, t_below(r, npop)};
  ir_ref post = {IR_NODE_POPULATION, t_below(r, npop)};
  int32_t k = ir_add_projection(m, name, pre, post, LOC); /* may move m->projs */
  ir_projection *q = &m->projs[k];
  q->rule.kind = IR_CONN_FIXED_PROBABILITY;
  q->rule.p = t_unif(r, 0.05, o->p_max);
  q->rule.allow_self = t_below(r, 2);
  double wmax = o->strong && t_below(r, o->strong) == 0 ? t_unif(r, 10, o->strong_max) : t_unif(r, 0.5, 8);
  q->weight = t_uniform(-wmax * t_unif(r, 0, 1), wmax, IR_DIM_VOLTAGE);
  q->delay = t_uniform(0, maxd + 0.49, IR_DIM_TIME);
  return q;
}

static void inputs(ir_module *m, uint32_t nin, const t_lif_opts *o, uint64_t *r) {
  for (uint32_t i = 0; i < nin; i++) {
    char name[16];
    snprintf(name, sizeof name, "in%u", i);
    input(m, name, m->npops, o, r);
  }
}

ir_module *t_random_lif_network(uint64_t seed, const t_lif_opts *o) {
  uint64_t r = seed * o->mul + o->add;
  ir_module *m = ir_module_create(o->name);
  assert_non_null(m);
  m->numerics = IR_NUMERICS_FIXED;
  m->seed = seed;
  if (o->v_unit)
    m->v_unit = t_below(&r, 4) == 0 ? 0.5 : 1.0;
  uint32_t npop = 1 + t_below(&r, o->pops), nin = o->inputs_last ? 0 : 1 + t_below(&r, 2);
  for (uint32_t p = 0; p < npop; p++) {
    char name[16];
    snprintf(name, sizeof name, "p%u", p);
    if (!o->population || !o->population(m, name, &r, o->ctx))
      lif_population(m, name, o, &r);
  }
  if (o->inputs_last)
    nin = 1 + t_below(&r, 2);
  inputs(m, nin, o, &r);
  if (o->after_inputs)
    o->after_inputs(m, &r, o->ctx);
  uint32_t nproj = 1 + t_below(&r, o->projs);
  uint32_t maxd = o->long_delay && t_below(&r, 4) == 0 ? o->long_delay : t_below(&r, o->delays);
  for (uint32_t j = 0; j < nproj; j++) {
    char name[16];
    snprintf(name, sizeof name, "s%u", j);
    ir_projection *q = projection(m, name, npop, nin, maxd, o, &r);
    if (o->projection)
      o->projection(m, q, &r, o->ctx);
  }
  if (o->finish)
    o->finish(m, &r, o->ctx);
  if (o->expand) {
    ir_diag *d = ir_diag_create(stderr);
    assert_true(pass_layout(m, d));
    assert_true(pass_expand(m, d));
    ir_diag_destroy(d);
  }
  return m;
}
