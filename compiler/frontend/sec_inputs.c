/* sec_inputs.c — the `inputs:` section: Poisson, Bernoulli, spike-array and dataset spike sources,
 * and their optional one-to-one current injection into a population. */
#include <string.h>

#include "fe_internal.h"

static const char *const kinds[] = {"poisson", "bernoulli", "spikes", "dataset"};
static const char *const kind_keys[][5] = {
    {"kind", "size", "inject", "rate", NULL},
    {"kind", "size", "inject", "p", NULL},
    {"kind", "size", "inject", "file", NULL},
    {"kind", "size", "inject", "dataset", NULL},
};
static const char *const datasets[] = {"mnist", "fashion_mnist"};
static const char *const splits[] = {"train", "validation", "test"};
static const char *const encodings[] = {"nalsm", "rate", "bernoulli"};
/* Both datasets hold 28x28 images; the runtime average-pools them 2x2 (196 channels) or 4x4 (49) to fit
 * small targets (runtime/input_dataset.c), so those are the three sizes a dataset input can have. */
static bool dataset_size_ok(uint32_t size) { return size == 784 || size == 196 || size == 49; }

static bool dataset(fe_ctx *c, const fe_node *n, const char *what, ir_input *in) {
  const char *where = fe_fmt(c, "'dataset' of %s", what);
  if (!fe_expect_map(c, n, where)) return false;
  int enc = -1, name = -1, split = 0;
  const fe_node *ev = fe_require(c, n, "encoding", where, n->loc);
  bool ok = ev && fe_enum(c, ev, "encoding", encodings, 3, &enc);
  const char *keys[] = {"name", "split", "encoding", "sample_time", enc == IR_ENC_RATE ? "max_rate" : "p_max"};
  ok = fe_check_keys(c, n, keys, enc == IR_ENC_NALSM || enc < 0 ? 4 : 5, where) && ok;
  const fe_node *nv = fe_require(c, n, "name", where, n->loc), *v;
  if (!nv || !fe_enum(c, nv, "dataset", datasets, 2, &name)) ok = false;
  if ((v = fe_get(n, "split")) && !fe_enum(c, v, "split", splits, 3, &split)) ok = false;
  if ((v = fe_get(n, "sample_time"))) {
    ok = fe_value(c, v, "'sample_time'", IR_DIM_TIME, 0.0, INFINITY, &in->sample_time) && ok;
  }
  if (enc == IR_ENC_RATE && (v = fe_require(c, n, "max_rate", where, n->loc)))
    ok = fe_value(c, v, "'max_rate'", IR_DIM_RATE, 0.0, INFINITY, &in->rate) && ok;
  else if (enc == IR_ENC_RATE)
    ok = false;
  if (enc == IR_ENC_BERNOULLI && (v = fe_require(c, n, "p_max", where, n->loc)))
    ok = fe_value(c, v, "'p_max'", IR_DIM_NONE, 0.0, 1.0, &in->p) && ok;
  else if (enc == IR_ENC_BERNOULLI)
    ok = false;
  if (!ok) return false;
  in->dataset = datasets[name];
  in->split = splits[split];
  in->encoding = (ir_encoding)enc;
  if (!dataset_size_ok(in->size)) {
    ir_error(c->d, nv->loc,
             "%s has %u channels, but %s images have 784 pixels (28x28), or 196 / 49 average-pooled 2x2 / 4x4",
             what, in->size, datasets[name]);
    return false;
  }
  return true;
}

static bool inject(fe_ctx *c, const fe_node *n, const char *what, ir_input *in) {
  static const char *const keys[] = {"into", "current"};
  const char *where = fe_fmt(c, "'inject' of %s", what);
  if (!fe_expect_map(c, n, where)) return false;
  bool ok = fe_check_keys(c, n, keys, 2, where);
  const fe_node *into = fe_require(c, n, "into", where, n->loc), *cur = fe_require(c, n, "current", where, n->loc);
  ir_ref ref;
  if (!into || !fe_resolve(c, into, "'into'", FE_K(IR_NODE_POPULATION), "a population", &ref)) return false;
  if (!cur || !fe_value(c, cur, "'current'", IR_DIM_VOLTAGE, -INFINITY, INFINITY, &in->inject_current)) return false;
  uint32_t psize = c->m->pops[ref.index].size;
  if (psize != in->size) {
    ir_error(c->d, into->loc, "%s injects one-to-one into '%s', so both need the same size; %u != %u", what, into->str,
             in->size, psize);
    return false;
  }
  in->inject_into = (int32_t)ref.index;
  return ok;
}

static bool input(fe_ctx *c, const fe_pair *p) {
  const char *name = p->key->str;
  const char *what = fe_fmt(c, "input '%s'", name);
  if (!fe_expect_map(c, p->value, what)) return false;
  const fe_node *n = p->value, *v;
  const fe_node *kv = fe_require(c, n, "kind", what, p->key->loc), *sv = fe_require(c, n, "size", what, p->key->loc);
  int kind = -1;
  uint64_t size = 0;
  bool ok = kv && fe_enum(c, kv, "input kind", kinds, 4, &kind);
  if (!sv || !fe_uint(c, sv, "'size'", 1, UINT32_MAX, &size)) ok = false;
  if (kind < 0) return false;
  ok = fe_check_keys(c, n, kind_keys[kind], 4, what) && ok;
  ir_input in;
  memset(&in, 0, sizeof in);
  in.size = (uint32_t)size;
  in.inject_into = -1;
  in.rate = (ir_value){.kind = IR_VAL_UNSET, .dim = IR_DIM_RATE};
  in.p = (ir_value){.kind = IR_VAL_UNSET, .dim = IR_DIM_NONE};
  in.sample_time = (ir_value){.kind = IR_VAL_UNSET, .dim = IR_DIM_TIME};
  in.inject_current = (ir_value){.kind = IR_VAL_UNSET, .dim = IR_DIM_VOLTAGE};
  if (!ok) return false;
  switch (kind) {
  case IR_INPUT_POISSON:
    ok = (v = fe_require(c, n, "rate", what, p->key->loc)) &&
         fe_value(c, v, "'rate'", IR_DIM_RATE, 0.0, INFINITY, &in.rate);
    break;
  case IR_INPUT_BERNOULLI:
    ok = (v = fe_require(c, n, "p", what, p->key->loc)) && fe_value(c, v, "'p'", IR_DIM_NONE, 0.0, 1.0, &in.p);
    break;
  case IR_INPUT_SPIKES:
    ok = (v = fe_require(c, n, "file", what, p->key->loc)) && fe_expect_scalar(c, v, "'file'");
    if (ok) {
      in.file = fe_resolve_path(c, v->str);
      ok = in.file && fe_check_csv(c, v, in.file, "step,neuron");
    }
    break;
  default: ok = (v = fe_require(c, n, "dataset", what, p->key->loc)) && dataset(c, v, what, &in); break;
  }
  if ((v = fe_get(n, "inject")) && !inject(c, v, what, &in)) ok = false;
  if (!ok) return false;
  int32_t idx = ir_add_input(c->m, name, (ir_input_kind)kind, in.size, p->key->loc);
  if (idx < 0) return false;
  ir_input *dst = &c->m->inputs[idx];
  in.name = dst->name;
  in.loc = dst->loc;
  in.kind = dst->kind;
  *dst = in;
  fe_name_built(c, name, idx);
  return true;
}

bool fe_section_inputs(fe_ctx *c, const fe_node *n) {
  if (fe_is_null(n)) return true;
  if (!fe_expect_map(c, n, "'inputs'")) return false;
  bool ok = true;
  for (uint32_t i = 0; i < n->n; i++)
    if (fe_name_owns(c, n->pairs[i].key, IR_NODE_INPUT)) ok = input(c, &n->pairs[i]) && ok;
  return ok;
}
