/* util.c — small helpers of the mapping passes: source rates, piece names, growing strings. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "plan_internal.h"

/* The mean of a value (for a rate given as a distribution). */
static double mean_of(const ir_value *v) {
  switch (v->kind) {
  case IR_VAL_CONST: return v->a;
  case IR_VAL_UNIFORM: return (v->a + v->b) / 2;
  case IR_VAL_NORMAL: return v->a;
  case IR_VAL_CHOICE: {
    double s = 0;
    for (uint32_t k = 0; k < v->nchoice; k++) s += v->choice[k];
    return v->nchoice ? s / v->nchoice : NAN;
  }
  default: return NAN;
  }
}

double map_source_rate(const ir_module *m, ir_ref src, const map_options *o) {
  if (src.kind != IR_NODE_INPUT) return o->default_rate;
  const ir_input *in = &m->inputs[src.index];
  double r = NAN;
  if (in->kind == IR_INPUT_POISSON) r = mean_of(&in->rate) * m->dt; /* rate is per ms */
  else if (in->kind == IR_INPUT_BERNOULLI) r = mean_of(&in->p);
  if (!(r >= 0)) return o->default_rate;
  return r > 1 ? 1 : r;
}

void map_piece_name(const ir_module *m, const map_piece *p, char *buf, size_t cap) {
  snprintf(buf, cap, "%s '%s' piece %u", p->node.kind == IR_NODE_ASTROCYTE ? "astrocyte" : "population",
           ir_node_name(m, p->node), p->index);
}

void map_sbuf_printf(map_sbuf *b, const char *fmt, ...) {
  if (b->oom) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
    va_end(ap);
    if (k < 0) {
      b->oom = true;
      return;
    }
    if (b->s && b->n + (size_t)k < b->cap) {
      b->n += (size_t)k;
      return;
    }
    size_t cap = (b->cap ? b->cap * 2 : 256) + (size_t)k;
    char *g = realloc(b->s, cap);
    if (!g) {
      b->oom = true;
      return;
    }
    b->s = g;
    b->cap = cap;
    if (b->n == 0) b->s[0] = '\0';
  }
}

void map_sbuf_free(map_sbuf *b) {
  free(b->s);
  b->s = NULL;
  b->n = b->cap = 0;
}
