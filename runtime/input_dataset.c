/* input_dataset.c — dataset inputs of the interp engine: the hook between the loaders of dataset.c
 * (MNIST, Fashion-MNIST) and the step loop (docs/numerics.md, "Inputs"; docs/datasets.md).
 *
 * Presentation: sample k = floor(t / sample_steps) mod count of the split, in the split's order,
 * sample_steps = round(sample_time / dt) (>= 1). The per-pixel probability of an event in one step:
 *   nalsm:     p = q / M (docs/datasets.md, "The NALSM encoding")
 *   rate:      p = intensity * max_rate * dt
 *   bernoulli: p = intensity * p_max
 * Events are Bernoulli draws keyed like poisson inputs: (seed, RNG_STREAM(RNG_KIND_INPUT, input), i, t).
 * The input size fixes the pooling: 784 -> none, 196 -> 2x2, 49 -> 4x4 (28x28 images). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "interp.h"
#include "rng.h"

typedef struct ds_state {
  rt_dataset *ds;
  uint64_t *p_q;   /* count * npix Q32 probabilities */
  uint64_t sample_steps;
} ds_state;

static uint32_t pool_for(uint32_t size) {
  for (uint32_t pool = 1; pool <= 28; pool++)
    if (28 % pool == 0 && (28 / pool) * (28 / pool) == size)
      return pool;
  return 0;
}

static bool encode(ds_state *st, const ir_input *ii, double dt, ir_diag *d) {
  rt_dataset *ds = st->ds;
  size_t npix = (size_t)ds->rows * ds->cols, total = (size_t)ds->count * npix;
  st->p_q = malloc((total ? total : 1) * sizeof(uint64_t));
  float *p = malloc((total ? total : 1) * sizeof(float));
  if (!st->p_q || !p) {
    free(p);
    ir_error(d, ii->loc, "input '%s': out of memory encoding the dataset", ii->name);
    return false;
  }
  if (ii->encoding == IR_ENC_NALSM) {
    rt_dataset_nalsm_encode(ds, p);
    for (size_t k = 0; k < total; k++)
      st->p_q[k] = ir_fx_prob(p[k]);
  } else {
    double scale = ii->encoding == IR_ENC_RATE ? ii->rate.a * dt : ii->p.a;
    for (size_t k = 0; k < total; k++)
      st->p_q[k] = ir_fx_prob((double)ds->pixels[k] * scale);
  }
  free(p);
  return true;
}

void *rt_input_dataset_open(rt_interp *s, rt_input *in, ir_diag *d) {
  const ir_input *ii = in->ii;
  uint32_t pool = pool_for(ii->size);
  if (!pool) {
    ir_error(d, ii->loc, "input '%s': a dataset input needs size 784, 196 or 49 (28x28 images pooled 1, 2 or 4), "
             "got %u", ii->name, ii->size);
    return NULL;
  }
  if ((ii->encoding == IR_ENC_RATE && ii->rate.kind != IR_VAL_CONST) ||
      (ii->encoding == IR_ENC_BERNOULLI && ii->p.kind != IR_VAL_CONST)) {
    ir_error(d, ii->loc, "input '%s': the dataset encoding needs a constant max_rate / p_max", ii->name);
    return NULL;
  }
  ds_state *st = calloc(1, sizeof(*st));
  if (!st) {
    ir_error(d, ii->loc, "input '%s': out of memory", ii->name);
    return NULL;
  }
  double T = ii->sample_time.kind == IR_VAL_CONST ? ii->sample_time.a : s->m->dt;
  int64_t steps = ir_fx_steps(T, s->m->dt);
  st->sample_steps = steps < 1 ? 1 : (uint64_t)steps;
  st->ds = rt_dataset_load_pooled(ii->dataset ? ii->dataset : "", ii->split ? ii->split : "train", s->data_dir,
                                  pool, d);
  if (!st->ds || st->ds->count == 0 || (uint64_t)st->ds->rows * st->ds->cols != ii->size ||
      !encode(st, ii, s->m->dt, d)) {
    if (st->ds && st->ds->count == 0)
      ir_error(d, ii->loc, "input '%s': the dataset split is empty", ii->name);
    else if (st->ds && (uint64_t)st->ds->rows * st->ds->cols != ii->size)
      ir_error(d, ii->loc, "input '%s': dataset images have %u pixels, the input has %u", ii->name,
               st->ds->rows * st->ds->cols, ii->size);
    rt_input_dataset_close(st);
    return NULL;
  }
  return st;
}

bool rt_input_dataset_step(rt_interp *s, rt_input *in, ir_diag *d) {
  (void)d;
  ds_state *st = in->dataset;
  uint64_t t = s->step, sample = (t / st->sample_steps) % st->ds->count;
  const uint64_t *p = st->p_q + sample * in->src->n;
  uint64_t stream = RNG_STREAM(RNG_KIND_INPUT, in->index);
  for (uint32_t i = 0; i < in->src->n; i++)
    in->src->spk[i] = p[i] && ir_fx_draw(rng_hash4(s->seed, stream, i, t), p[i]);
  return true;
}

void rt_input_dataset_close(void *p) {
  ds_state *st = p;
  if (!st)
    return;
  rt_dataset_free(st->ds);
  free(st->p_q);
  free(st);
}
