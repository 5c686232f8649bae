/* engine.h — the internal engine interface of libastroc-rt: a small vtable every engine implements
 * (interp today; jit, rtl, loihi later) and the hooks an engine calls back into the rt_sim. */
#ifndef ASTROC_RT_ENGINE_H
#define ASTROC_RT_ENGINE_H

#include "astroc_rt.h"

typedef struct rt_engine_ops {
  const char *name;
  /* Builds the engine's state for an expanded module. `sim` is the owner, passed back in callbacks.
   * Returns NULL after reporting through d. */
  void *(*create)(rt_sim *sim, const ir_module *m, ir_numerics numerics, uint64_t seed, const rt_options *opt,
                  ir_diag *d);
  bool (*run)(void *e, uint64_t nsteps, ir_diag *d);
  uint64_t (*steps)(const void *e);
  bool (*inject)(void *e, ir_ref source, uint32_t idx);
  const char *const *(*state_vars)(const void *e, ir_ref node, size_t *n);
  bool (*state_size)(const void *e, ir_ref node, const char *var, uint64_t *n);
  bool (*read_state)(const void *e, ir_ref node, const char *var, double *out);
  bool (*save)(const void *e, FILE *f, ir_diag *d);
  bool (*restore)(void *e, FILE *f, ir_diag *d);
  void (*destroy)(void *e);
} rt_engine_ops;

extern const rt_engine_ops rt_engine_interp;
extern const rt_engine_ops rt_engine_loihi; /* engine_loihi.c: runs a backends/loihi configuration */
extern const rt_engine_ops rt_engine_rtl; /* engine_rtl.c; only with verilator (ASTROC_HAVE_RTL) */
extern const rt_engine_ops rt_engine_serial; /* engine_serial.c: an FPGA board over a serial link */
/* The engine state of `s` when it runs on the engine named `engine`, else NULL (runtime/control.c). */
void *rt_sim_engine_state(rt_sim *s, const char *engine);
extern const rt_engine_ops rt_engine_jit; /* engine_jit.c, native code from backends/cpu (docs/jit.md) */

/* Called by engines: deliver one source's spikes of a step, and the end of a step, to the user. */
void rt_sim_emit_spikes(rt_sim *s, uint64_t step, ir_ref source, const uint32_t *idx, uint32_t n);
void rt_sim_emit_step(rt_sim *s, uint64_t step);

#endif
