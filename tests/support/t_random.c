/* t_random.c — the random stream and the shared random draws of the test suites (t_random.h). */
#include "t_random.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

uint64_t t_rnd(uint64_t *s) {
  uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

double t_unif(uint64_t *s, double a, double b) { return a + (b - a) * (double)(t_rnd(s) >> 11) / 9007199254740992.0; }

uint32_t t_below(uint64_t *s, uint32_t n) { return (uint32_t)(t_rnd(s) % n); }

ir_value t_uniform(double a, double b, ir_dim dim) {
  ir_value v = ir_value_const(a, dim);
  v.kind = IR_VAL_UNIFORM;
  v.b = b;
  return v;
}

ir_astro_listen *t_random_listens(ir_module *m, uint32_t n, uint64_t *r) {
  ir_astro_listen *l = ir_arena_alloc(m->arena, n * sizeof(*l));
  assert_non_null(l);
  for (uint32_t k = 0; k < n; k++) {
    uint32_t kind = t_below(r, 3);
    ir_ref src = kind == 0   ? (ir_ref){IR_NODE_POPULATION, t_below(r, m->npops)}
                 : kind == 1 ? (ir_ref){IR_NODE_INPUT, t_below(r, m->ninputs)}
                             : (ir_ref){IR_NODE_PROJECTION, t_below(r, m->nprojs)};
    l[k] = (ir_astro_listen){src, t_below(r, 3) == 0 ? -1 : 1, {"t_random.c", 1, 1}};
  }
  return l;
}

void t_random_stdp(ir_projection *q, ir_plasticity_rule rule, uint64_t *r) {
  q->plasticity = rule;
  q->anti_hebbian = t_below(r, 3) == 0;
  ir_value *pp = q->plast_params;
  ir_params_set_defaults(ir_plasticity_desc(rule), pp);
  pp[IR_P_STDP_TAU_PRE] = ir_value_const(t_unif(r, 0, 30), IR_DIM_TIME);
  pp[IR_P_STDP_TAU_POST] = ir_value_const(t_below(r, 5) == 0 ? 0 : t_unif(r, 1, 30), IR_DIM_TIME);
  pp[IR_P_STDP_TRACE_INC] = ir_value_const(t_unif(r, -0.2, 1.0), IR_DIM_NONE);
  pp[IR_P_STDP_A_PLUS] = ir_value_const(t_unif(r, -0.5, 2), IR_DIM_VOLTAGE);
  pp[IR_P_STDP_A_MINUS] = ir_value_const(t_unif(r, -0.5, 3), IR_DIM_VOLTAGE);
  double lo = -t_unif(r, 0, 6), hi = t_unif(r, 0.5, 8);
  if (t_below(r, 4) != 0)
    pp[IR_P_STDP_W_MIN] = ir_value_const(lo, IR_DIM_VOLTAGE);
  if (t_below(r, 4) != 0)
    pp[IR_P_STDP_W_MAX] = ir_value_const(hi, IR_DIM_VOLTAGE);
}

void t_random_nalsm_astro(ir_value *params, uint64_t *r) {
  params[IR_P_NALSM_ASTRO_A0] = t_uniform(-0.5, 2, IR_DIM_NONE);
  params[IR_P_NALSM_ASTRO_W_A] = ir_value_const(t_unif(r, -0.2, 0.2), IR_DIM_NONE);
  params[IR_P_NALSM_ASTRO_B_A] = ir_value_const(t_unif(r, -1, 2), IR_DIM_NONE);
  params[IR_P_NALSM_ASTRO_TAU] = ir_value_const(t_below(r, 6) == 0 ? 0 : t_unif(r, 1, 200), IR_DIM_TIME);
}

void t_random_tripartite(ir_value *params, uint64_t *r) {
  ir_value *q = params;
  q[IR_P_TRIPARTITE_TAU_CA] = ir_value_const(t_below(r, 5) == 0 ? 0 : t_unif(r, 1, 300), IR_DIM_TIME);
  q[IR_P_TRIPARTITE_CA_PER_SPIKE] = t_uniform(-0.1, 0.6, IR_DIM_NONE);
  q[IR_P_TRIPARTITE_CA_THRESHOLD] = ir_value_const(t_unif(r, -0.2, 1.0), IR_DIM_NONE);
  q[IR_P_TRIPARTITE_TAU_GLIO] = ir_value_const(t_below(r, 5) == 0 ? 0 : t_unif(r, 1, 300), IR_DIM_TIME);
  q[IR_P_TRIPARTITE_GLIO_RELEASE] = t_uniform(-0.2, 0.6, IR_DIM_NONE);
  q[IR_P_TRIPARTITE_GLIO_GAIN] = t_uniform(-1, 2.5, IR_DIM_NONE);
  q[IR_P_TRIPARTITE_GLIO_CURRENT] = t_uniform(-3, 3, IR_DIM_VOLTAGE);
  q[IR_P_TRIPARTITE_CA_INIT] = t_uniform(-0.5, 1, IR_DIM_NONE);
}
