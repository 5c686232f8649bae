/* inputs.c — input sources of the interp engine: poisson, bernoulli, spike files, and the one-to-one
 * current injection of any input (docs/numerics.md, "Inputs"). Datasets go through input_dataset.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"
#include "rng.h"

/* ---------------------------------------------------------------- spike files */

typedef struct ev {
  uint64_t step;
  uint32_t neuron;
} ev;

static int ev_cmp(const void *a, const void *b) {
  const ev *x = a, *y = b;
  if (x->step != y->step)
    return x->step < y->step ? -1 : 1;
  return x->neuron < y->neuron ? -1 : x->neuron > y->neuron;
}

static bool parse_u64(const char **p, uint64_t *out) {
  const char *s = *p;
  while (*s == ' ' || *s == '\t')
    s++;
  if (*s < '0' || *s > '9')
    return false;
  errno = 0;
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno)
    return false;
  while (*end == ' ' || *end == '\t')
    end++;
  *out = v;
  *p = end;
  return true;
}

/* CSV with the header "step,neuron"; blank lines are ignored; '\r' before '\n' is tolerated. */
static bool load_spikes(rt_interp *s, rt_input *in, ir_diag *d) {
  const ir_input *ii = in->ii;
  ir_loc floc = {ii->file, 0, 0};
  FILE *f = ii->file ? fopen(ii->file, "r") : NULL;
  if (!f) {
    ir_error(d, ii->loc, "input '%s': cannot open spike file '%s'", ii->name, ii->file ? ii->file : "(none)");
    return false;
  }
  ev *v = NULL;
  size_t n = 0, cap = 0;
  char line[512];
  uint32_t lineno = 0;
  bool ok = true, header = false;
  while (ok && fgets(line, sizeof line, f)) {
    lineno++;
    floc.line = lineno;
    floc.col = 1;
    line[strcspn(line, "\r\n")] = 0;
    if (!header) {
      header = true;
      if (strcmp(line, "step,neuron") != 0) {
        ir_error(d, floc, "expected the header 'step,neuron'");
        ok = false;
      }
      continue;
    }
    if (line[0] == 0)
      continue;
    const char *p = line;
    uint64_t step, neuron;
    if (!parse_u64(&p, &step) || *p++ != ',' || !parse_u64(&p, &neuron) || *p != 0) {
      ir_error(d, floc, "expected 'step,neuron' (two non-negative integers), got '%s'", line);
      ok = false;
    } else if (neuron >= in->src->n) {
      ir_error(d, floc, "neuron %llu is out of range: input '%s' has %u neurons", (unsigned long long)neuron,
               ii->name, in->src->n);
      ok = false;
    } else {
      if (n == cap) {
        cap = cap ? 2 * cap : 256;
        ev *nv = realloc(v, cap * sizeof(*v));
        if (!nv) {
          ok = false;
          break;
        }
        v = nv;
      }
      v[n++] = (ev){step, (uint32_t)neuron};
    }
  }
  fclose(f);
  if (ok && !header) {
    floc.line = 1;
    ir_error(d, floc, "expected the header 'step,neuron'; the file is empty");
    ok = false;
  }
  if (ok) {
    qsort(v, n, sizeof(*v), ev_cmp);
    in->nev = n;
    in->ev_step = rt_alloc(s, n, sizeof(uint64_t));
    in->ev_neuron = rt_alloc(s, n, sizeof(uint32_t));
    ok = in->ev_step && in->ev_neuron;
    for (size_t k = 0; ok && k < n; k++) {
      in->ev_step[k] = v[k].step;
      in->ev_neuron[k] = v[k].neuron;
    }
  }
  free(v);
  return ok;
}

void rt_input_restored(rt_interp *s, rt_input *in) {
  uint64_t lo = 0, hi = in->nev; /* first event with step >= s->step */
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    if (in->ev_step[mid] < s->step)
      lo = mid + 1;
    else
      hi = mid;
  }
  in->cursor = lo;
}

/* ---------------------------------------------------------------- create */

/* Per-neuron values of an input are drawn with (seed, RNG_STREAM(RNG_KIND_RUNTIME, input), which, neuron). */
enum { DRAW_PROB = 0, DRAW_CURRENT = 1 };

static bool create_probs(rt_interp *s, rt_input *in, const ir_value *v, bool rate) {
  in->p_q = rt_alloc(s, in->src->n, sizeof(uint64_t));
  if (!in->p_q)
    return false;
  uint64_t stream = RNG_STREAM(RNG_KIND_RUNTIME, in->index);
  for (uint32_t i = 0; i < in->src->n; i++) {
    double x = ir_value_sample(v, s->seed, stream, DRAW_PROB, i);
    in->p_q[i] = ir_fx_prob(rate ? x * s->m->dt : x);
  }
  return true;
}

static bool create_inject(rt_interp *s, rt_input *in, ir_diag *d) {
  const ir_input *ii = in->ii;
  if (ii->inject_into < 0)
    return true;
  if ((uint32_t)ii->inject_into >= s->m->npops || s->m->pops[ii->inject_into].size != ii->size) {
    ir_error(d, ii->loc, "input '%s': inject needs a population of the same size (%u)", ii->name, ii->size);
    return false;
  }
  in->inject = &s->pops[ii->inject_into];
  uint64_t stream = RNG_STREAM(RNG_KIND_RUNTIME, in->index);
  if (s->fixed)
    in->cur_i = rt_alloc(s, ii->size, sizeof(int64_t));
  else
    in->cur_f = rt_alloc(s, ii->size, sizeof(float));
  if (!(s->fixed ? (void *)in->cur_i : (void *)in->cur_f))
    return false;
  for (uint32_t i = 0; i < ii->size; i++) {
    double c = ir_value_sample(&ii->inject_current, s->seed, stream, DRAW_CURRENT, i);
    if (isnan(c))
      c = 0;
    if (s->fixed)
      in->cur_i[i] = ir_fx_sat24(ir_fx_fine(c, s->m->v_unit));
    else
      in->cur_f[i] = (float)c;
  }
  return true;
}

bool rt_input_create(rt_interp *s, rt_input *in, ir_diag *d) {
  const ir_input *ii = in->ii;
  bool ok = true;
  switch (ii->kind) {
  case IR_INPUT_POISSON: ok = create_probs(s, in, &ii->rate, true); break;
  case IR_INPUT_BERNOULLI: ok = create_probs(s, in, &ii->p, false); break;
  case IR_INPUT_SPIKES: ok = load_spikes(s, in, d); break;
  case IR_INPUT_DATASET:
    in->dataset = rt_input_dataset_open(s, in, d);
    ok = in->dataset != NULL;
    break;
  default:
    ir_error(d, ii->loc, "input '%s' has an unknown kind", ii->name);
    ok = false;
  }
  return ok && create_inject(s, in, d);
}

void rt_input_free(rt_input *in) {
  if (in->dataset)
    rt_input_dataset_close(in->dataset);
  in->dataset = NULL;
}

/* ---------------------------------------------------------------- phase 1 */

bool rt_input_step(rt_interp *s, rt_input *in, ir_diag *d) {
  rt_src *c = in->src;
  uint64_t t = s->step;
  switch (in->ii->kind) {
  case IR_INPUT_POISSON:
  case IR_INPUT_BERNOULLI: {
    uint64_t stream = RNG_STREAM(RNG_KIND_INPUT, in->index);
    for (uint32_t i = 0; i < c->n; i++)
      c->spk[i] = in->p_q[i] && ir_fx_draw(rng_hash4(s->seed, stream, i, t), in->p_q[i]);
    break;
  }
  case IR_INPUT_SPIKES:
    while (in->cursor < in->nev && in->ev_step[in->cursor] < t)
      in->cursor++;
    while (in->cursor < in->nev && in->ev_step[in->cursor] == t)
      c->spk[in->ev_neuron[in->cursor++]] = 1;
    break;
  case IR_INPUT_DATASET:
    if (!rt_input_dataset_step(s, in, d))
      return false;
    break;
  default: break;
  }
  for (uint32_t i = 0; i < c->n; i++)
    c->spk[i] |= c->forced[i];
  if (in->inject) {
    rt_pop *p = in->inject;
    for (uint32_t i = 0; i < c->n; i++)
      if (c->spk[i]) {
        if (s->fixed)
          p->inj_i[i] += in->cur_i[i];
        else
          p->inj_f[i] += in->cur_f[i];
      }
  }
  return true;
}
