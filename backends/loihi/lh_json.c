/* lh_json.c — the JSON form of an lh_config (schema: docs/loihi-format.md, "JSON"). The synapse lists
 * are decoded from the encoded synapse memory, so the JSON shows what the memory really holds. */
#include <inttypes.h>
#include <string.h>

#include "lh.h"

static void jstr(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\')
      fprintf(f, "\\%c", ch);
    else if (ch < 0x20)
      fprintf(f, "\\u%04x", ch);
    else
      fputc(ch, f);
  }
  fputc('"', f);
}

static void axons(FILE *f, const lh_axout *out, uint32_t from, uint32_t to) {
  fputc('[', f);
  for (uint32_t i = from; i < to; i++)
    fprintf(f, "%s[%u,%u]", i > from ? "," : "", out[i].core, out[i].axon);
  fputc(']', f);
}

typedef struct syn_ctx {
  FILE *f;
  bool first;
} syn_ctx;

static void print_syn(void *ctx, const lh_synfmt *fmt, const lh_syn *s) {
  syn_ctx *c = ctx;
  (void)fmt;
  fprintf(c->f, "%s[%u,%d,%u,%u]", c->first ? "" : ",", s->index, s->weight, s->delay, s->tag);
  c->first = false;
}

static void core_json(const lh_config *c, uint32_t index, FILE *f) {
  const lh_target *t = c->target;
  const lh_core *k = &c->cores[index];
  uint32_t use[LH_RES_COUNT];
  lh_core_usage(c, index, use);
  fprintf(f, "    {\"id\": %u, \"chip\": %u, \"core_in_chip\": %u,\n      \"usage\": {", k->id, k->chip,
          k->index_in_chip);
  for (int r = 0; r < LH_RES_COUNT; r++)
    fprintf(f, "%s\"%s\": %u", r ? ", " : "", lh_resource_key((lh_resource)r), use[r]);
  fprintf(f, "},\n      \"compartment_profiles\": [");
  for (uint32_t i = 0; i < k->ncxp; i++) {
    const lh_cx_profile *p = &k->cxp[i];
    if (p->kind == LH_CX_AMSU)
      fprintf(f, "%s{\"kind\": \"amsu\", \"du\": %d, \"dv\": %d, \"refractory\": %d}", i ? ", " : "", p->du,
              p->dv, p->refractory);
    else if (p->kind == LH_CX_ASTRO)
      fprintf(f, "%s{\"kind\": \"astro\", \"fa\": %d, \"a_pre\": %d, \"a_spike\": %d, \"gain\": %d, "
                 "\"thresh_gain\": %d, \"current\": %d}",
              i ? ", " : "", p->fa, p->a_pre, p->a_spike, p->gain, p->tgain, p->acur);
    else if (p->kind == LH_CX_NALSM)
      fprintf(f, "%s{\"kind\": \"nalsm\", \"dv\": %d, \"refractory\": %d, \"v_reset\": %d}", i ? ", " : "",
              p->dv, p->refractory, p->v_reset);
    else
      fprintf(f, "%s{\"kind\": \"cuba\", \"du\": %d, \"dv\": %d, \"refractory\": %d}", i ? ", " : "", p->du,
              p->dv, p->refractory);
  }
  fprintf(f, "],\n      \"threshold_profiles\": [");
  for (uint32_t i = 0; i < k->nvthp; i++)
    fprintf(f, "%s%d", i ? ", " : "", k->vthp[i]);
  fprintf(f, "],\n      \"synapse_formats\": [");
  for (uint32_t i = 0; i < k->nfmt; i++)
    fprintf(f, "%s{\"weight_exponent\": %d, \"weight_bits\": %u, \"delay_bits\": %u, \"tag_bits\": %u, "
               "\"index_bits\": %u, \"learning_rule\": %d, \"kernel\": %d, \"modulated\": %d}",
            i ? ", " : "", k->fmt[i].wexp, t->weight_bits, k->fmt[i].delay_bits, k->fmt[i].tag_bits, t->index_bits,
            k->fmt[i].rule, k->fmt[i].kernel, k->fmt[i].modulated);
  fprintf(f, "],\n      \"compartments\": [");
  for (uint32_t i = 0; i < k->ncx; i++) {
    const lh_cx *x = &k->cx[i];
    fprintf(f, "%s\n        {\"population\": %u, \"neuron\": %u, \"profile\": %u, \"threshold\": %u, "
               "\"bias_mant\": %d, \"bias_exp\": %d, \"v_init\": %d, \"u_init\": %d, \"axons\": ",
            i ? "," : "", x->pop, x->neuron, x->cxp, x->vthp, x->bias_mant, x->bias_exp, x->v_init, x->u_init);
    axons(f, k->out, k->out_ptr[i], k->out_ptr[i + 1]);
    fputc('}', f);
  }
  fprintf(f, "],\n      \"input_axons\": [");
  for (uint32_t a = 0; a < k->naxin; a++) {
    const lh_axin *ax = &k->axin[a];
    fprintf(f, "%s\n        {\"projection\": %u, \"pre\": %u, \"word\": %u, \"words\": %u, \"synapses\": [",
            a ? "," : "", ax->proj, ax->pre, ax->word, ax->nwords);
    syn_ctx sc = {f, true};
    lh_decode_axon(c, k, a, print_syn, &sc);
    fprintf(f, "]}");
  }
  fprintf(f, "],\n      \"synapse_memory\": [");
  for (uint32_t w = 0; w < k->nwords; w++)
    fprintf(f, "%s\"%016" PRIx64 "\"", w ? (w % 8 ? "," : ",\n        ") : "", k->words[w]);
  fprintf(f, "]}");
}

#define LH_X_KEY(ID, KEY) KEY,
static const char *const tri_keys[] = {LH_TRI_PARAMS(LH_X_KEY)};
#undef LH_X_KEY

/* The rest of a tripartite astrocyte's object: elements, listened sources, modulated projections,
 * current targets. */
static void tripartite_json(const lh_astro *a, FILE *f) {
  static const char *const kinds[] = {"population", "input", "projection"};
  fprintf(f, ", \"model\": \"tripartite\", \"core\": %u, \"elements\": [", a->core);
  for (uint32_t e = 0; e < a->n; e++) {
    fprintf(f, "%s{", e ? ", " : "");
    for (int i = 0; i < LH_TRI_COUNT; i++)
      fprintf(f, "%s\"%s\": %d", i ? ", " : "", tri_keys[i], a->tri[(size_t)e * LH_TRI_COUNT + i]);
    fprintf(f, "}");
  }
  fprintf(f, "], \"listen\": [");
  for (uint32_t l = 0; l < a->nlisten; l++)
    fprintf(f, "%s[\"%s\", %u, %d]", l ? ", " : "", kinds[a->listen_kind[l] > 2 ? 0 : a->listen_kind[l]],
            a->listen_index[l], a->listen_sign[l]);
  fprintf(f, "], \"modulated_projections\": [");
  for (uint32_t i = 0; i < a->nmod; i++)
    fprintf(f, "%s%u", i ? ", " : "", a->mod_proj[i]);
  fprintf(f, "], \"current_targets\": [");
  for (uint32_t i = 0; i < a->ntarget; i++)
    fprintf(f, "%s%u", i ? ", " : "", a->target_pop[i]);
  fprintf(f, "]}");
}

static void rules_json(const lh_config *c, FILE *f) {
  fprintf(f, "  \"learning_rules\": [");
  for (uint32_t i = 0; i < c->nrules; i++) {
    const lh_rule *r = &c->rules[i];
    const char *ltp = r->anti ? "x1*y0" : "x1*y0", *ltd = "y1*x0";
    fprintf(f, "%s\n    {\"projection\": %u, \"pre\": [\"%s\", %u], \"post\": %u, \"kind\": \"%s\", \"form\": \"%s\", "
               "\"modulator\": %d,\n"
               "     \"astroc\": {\"f_pre\": %d, \"f_post\": %d, \"inc\": %d, \"a_plus\": %d, \"a_minus\": %d, "
               "\"w_lo\": %d, \"w_hi\": %d},\n"
               "     \"loihi\": {\"x1_impulse\": %d, \"x1_decay\": %d, \"y1_impulse\": %d, \"y1_decay\": %d,\n"
               "       \"dw\": [{\"scale\": [%d, %d], \"product\": \"%s\"}, {\"scale\": [%d, %d], \"product\": \"%s\"}]}",
            i ? "," : "", r->proj, r->pre_kind ? "input" : "population", r->pre_index, r->post_pop,
            r->astro ? "astro_stdp" : "stdp", r->anti ? "anti_hebbian" : "hebbian",
            r->modulator, r->f_pre, r->f_post, r->inc, r->a_plus, r->a_minus, r->w_lo, r->w_hi, r->x1_impulse,
            r->x1_decay, r->y1_impulse, r->y1_decay, r->anti ? -r->ltd_mant : r->ltp_mant,
            r->anti ? r->ltd_exp : r->ltp_exp, r->anti ? (r->astro ? "x1*y0*r1" : "x1*y0") : ltp,
            r->anti ? r->ltp_mant : -r->ltd_mant, r->anti ? r->ltp_exp : r->ltd_exp,
            r->anti ? "y1*x0" : (r->astro ? "y1*x0*r1" : ltd));
    const lh_learn *l = &r->loihi;
    if (l->epoch)
      fprintf(f, ",\n     \"arithmetic\": {\"kind\": \"loihi\", \"t_epoch\": %d, \"impulse\": %d, \"pre_decay\": %d, "
                 "\"post_decay\": %d, \"w_lo\": %d, \"w_hi\": %d}}",
              l->epoch, l->impulse, l->pre_decay, l->post_decay, l->w_lo, l->w_hi);
    else
      fprintf(f, ",\n     \"arithmetic\": {\"kind\": \"astroc\"}}");
  }
  fprintf(f, "],\n  \"astrocytes\": [");
  for (uint32_t i = 0; i < c->nastros; i++) {
    const lh_astro *a = &c->astros[i];
    fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
    jstr(f, a->name);
    if (a->kind == LH_ASTRO_TRIPARTITE) {
      tripartite_json(a, f);
      continue;
    }
    fprintf(f, ", \"model\": \"nalsm\", \"core\": %u, \"astroc\": {\"a0\": %d, \"w_a\": %d, \"b_a\": %d, \"k\": %d}, "
               "\"compartment\": {\"du\": 4095, \"dv\": %d, \"threshold\": null, \"trace\": \"r1\"}, \"listen\": [",
            a->core, a->a0, a->w_a, a->b_a, a->k, a->dv);
    for (uint32_t l = 0; l < a->nlisten; l++)
      fprintf(f, "%s[\"%s\", %u, %d]", l ? ", " : "", a->listen_kind[l] ? "input" : "population", a->listen_index[l],
              a->listen_sign[l]);
    fprintf(f, "]}");
  }
  fprintf(f, "]\n");
}

bool lh_write_json(const lh_config *c, FILE *f) {
  const lh_target *t = c->target;
  fprintf(f, "{\n  \"format\": \"astroc-loihi\", \"version\": 1, \"target\": \"%s\", \"network\": ", t->name);
  jstr(f, c->name);
  fprintf(f, ",\n  \"dt_ms\": %.17g, \"v_unit_mV\": %.17g, \"seed\": %" PRIu64 ", \"cores\": %u, \"chips\": %u, "
             "\"assignment\": \"%s\",\n", c->dt, c->v_unit, c->seed, c->ncores, c->nchips,
          c->mapped ? "mapping" : "sequential");
  fprintf(f, "  \"encoding\": {\"word_bits\": %u, \"chunk_synapses\": %u, \"header_bits\": %u, \"index_bits\": %u, "
             "\"weight_bits\": %u, \"tag_bits\": %u, \"delay_max\": %u, \"cores_per_chip\": %u},\n  \"limits\": {",
          t->word_bits, t->chunk_max, t->header_bits, t->index_bits, t->weight_bits, t->tag_bits, t->delay_max,
          t->cores_per_chip);
  for (int r = 0; r < LH_RES_COUNT; r++)
    fprintf(f, "%s\"%s\": %u", r ? ", " : "", lh_resource_key((lh_resource)r), t->limit[r]);
  fprintf(f, "},\n  \"populations\": [");
  for (uint32_t p = 0; p < c->npops; p++) {
    fprintf(f, "%s{\"name\": ", p ? ", " : "");
    jstr(f, c->pops[p].name);
    fprintf(f, ", \"size\": %u}", c->pops[p].size);
  }
  fprintf(f, "],\n  \"kernels\": [");
  for (uint32_t k = 0; k < c->nkernels; k++) {
    fprintf(f, "%s[", k ? ", " : "");
    for (int32_t s = 0; s <= c->kernels[k].kcut; s++)
      fprintf(f, "%s%d", s ? "," : "", c->kernels[k].kq[s]);
    fputc(']', f);
  }
  fprintf(f, "],\n  \"inputs\": [");
  for (uint32_t k = 0; k < c->ninputs; k++) {
    const lh_input *in = &c->inputs[k];
    fprintf(f, "%s\n    {\"name\": ", k ? "," : "");
    jstr(f, in->name);
    fprintf(f, ", \"size\": %u, \"stream\": %u, \"kind\": \"%s\", ", in->size, in->stream,
            in->kind == LH_IN_PROB ? "probability" : in->kind == LH_IN_EVENTS ? "events" : "dataset");
    if (in->inject_pop >= 0) {
      fprintf(f, "\"inject\": {\"population\": %d, \"fine\": [", in->inject_pop);
      for (uint32_t i = 0; i < in->size; i++)
        fprintf(f, "%s%d", i ? "," : "", in->inject[i]);
      fprintf(f, "]}, ");
    }
    if (in->kind == LH_IN_DATASET) {
      fprintf(f, "\"dataset\": ");
      jstr(f, in->dataset);
      fprintf(f, ", \"split\": ");
      jstr(f, in->split);
      fprintf(f, ", \"encoding\": \"%s\", \"scale\": %.17g, \"sample_steps\": %" PRIu64,
              in->encoding == IR_ENC_NALSM ? "nalsm" : in->encoding == IR_ENC_RATE ? "rate" : "bernoulli", in->scale,
              in->sample_steps);
    } else if (in->kind == LH_IN_PROB) {
      fprintf(f, "\"p_q32\": [");
      for (uint32_t i = 0; i < in->size; i++)
        fprintf(f, "%s%" PRIu64, i ? "," : "", in->p_q[i]);
      fputc(']', f);
    } else {
      fprintf(f, "\"events\": [");
      for (uint64_t e = 0; e < in->nev; e++)
        fprintf(f, "%s[%" PRIu64 ",%u]", e ? "," : "", in->ev_step[e], in->ev_neuron[e]);
      fputc(']', f);
    }
    fprintf(f, ",\n     \"axons\": [");
    for (uint32_t i = 0; i < in->size; i++) {
      if (i)
        fputc(',', f);
      axons(f, in->out, in->out_ptr[i], in->out_ptr[i + 1]);
    }
    fprintf(f, "]}");
  }
  fprintf(f, "],\n  \"cores\": [\n");
  for (uint32_t k = 0; k < c->ncores; k++) {
    core_json(c, k, f);
    fprintf(f, k + 1 < c->ncores ? ",\n" : "\n");
  }
  fprintf(f, "  ],\n");
  rules_json(c, f);
  fprintf(f, "}\n");
  return !ferror(f);
}
