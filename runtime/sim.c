/* sim.c — the public rt_sim API: picks an engine, holds the user's callbacks, forwards calls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

struct rt_sim {
  const rt_engine_ops *ops;
  void *eng;
  ir_numerics numerics;
  rt_spike_fn spike_fn;
  void *spike_ctx;
  rt_step_fn step_fn;
  void *step_ctx;
};

static const rt_engine_ops *const engines[] = {&rt_engine_interp, &rt_engine_jit, &rt_engine_loihi
                                               , &rt_engine_serial /* engine_serial.c: FPGA board */
#ifdef ASTROC_HAVE_RTL
                                               , &rt_engine_rtl /* engine_rtl.c, built when verilator is found */
#endif
};

static const rt_engine_ops *find_engine(const char *name) {
  for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++)
    if (strcmp(engines[i]->name, name) == 0)
      return engines[i];
  return NULL;
}

rt_sim *rt_sim_create(const ir_module *m, const rt_options *opt, ir_diag *d) {
  const char *name = opt && opt->engine ? opt->engine : "interp";
  const rt_engine_ops *ops = find_engine(name);
  if (!ops) {
    char list[128] = "";
    for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++)
      snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", engines[i]->name);
    ir_error(d, m->loc, "unknown engine '%s' (available: %s)", name, list);
    return NULL;
  }
  ir_numerics num = m->numerics;
  if (opt && opt->numerics >= 0) {
    if (opt->numerics != IR_NUMERICS_FLOAT && opt->numerics != IR_NUMERICS_FIXED) {
      ir_error(d, m->loc, "unknown numerics mode %d (expected float or fixed)", opt->numerics);
      return NULL;
    }
    num = (ir_numerics)opt->numerics;
  }
  uint64_t seed = opt && opt->seed_set ? opt->seed : m->seed;
  rt_sim *s = calloc(1, sizeof(*s));
  if (!s) {
    ir_error(d, m->loc, "out of memory creating the simulation");
    return NULL;
  }
  s->ops = ops;
  s->numerics = num;
  s->eng = ops->create(s, m, num, seed, opt, d);
  if (!s->eng) {
    free(s);
    return NULL;
  }
  return s;
}

void rt_sim_destroy(rt_sim *s) {
  if (!s)
    return;
  s->ops->destroy(s->eng);
  free(s);
}

void rt_sim_on_spikes(rt_sim *s, rt_spike_fn fn, void *ctx) {
  s->spike_fn = fn;
  s->spike_ctx = ctx;
}

void rt_sim_on_step(rt_sim *s, rt_step_fn fn, void *ctx) {
  s->step_fn = fn;
  s->step_ctx = ctx;
}

void rt_sim_emit_spikes(rt_sim *s, uint64_t step, ir_ref source, const uint32_t *idx, uint32_t n) {
  if (s->spike_fn)
    s->spike_fn(s->spike_ctx, step, source, idx, n);
}

void rt_sim_emit_step(rt_sim *s, uint64_t step) {
  if (s->step_fn)
    s->step_fn(s->step_ctx, s, step);
}

bool rt_sim_run(rt_sim *s, uint64_t nsteps, ir_diag *d) { return s->ops->run(s->eng, nsteps, d); }

uint64_t rt_sim_steps(const rt_sim *s) { return s->ops->steps(s->eng); }

bool rt_sim_inject(rt_sim *s, ir_ref source, uint32_t idx) { return s->ops->inject(s->eng, source, idx); }

const char *const *rt_state_vars(const rt_sim *s, ir_ref node, size_t *n) {
  return s->ops->state_vars(s->eng, node, n);
}

bool rt_sim_state_size(const rt_sim *s, ir_ref node, const char *var, uint64_t *n) {
  return s->ops->state_size(s->eng, node, var, n);
}

bool rt_sim_read_state(const rt_sim *s, ir_ref node, const char *var, double *out) {
  return s->ops->read_state(s->eng, node, var, out);
}

bool rt_sim_save(const rt_sim *s, FILE *f, ir_diag *d) { return s->ops->save(s->eng, f, d); }

bool rt_sim_restore(rt_sim *s, FILE *f, ir_diag *d) { return s->ops->restore(s->eng, f, d); }

ir_numerics rt_sim_numerics(const rt_sim *s) { return s->numerics; }

void *rt_sim_engine_state(rt_sim *s, const char *engine) {
  return strcmp(s->ops->name, engine) == 0 ? s->eng : NULL;
}
