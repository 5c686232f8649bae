/* print.c — the textual form of a module (docs/ir.md): deterministic, one node a block, exact floats.
 *
 * Every double is printed with the fewest of 15, 16 or 17 significant digits that reads back as
 * the same double (through the same multiplication by the unit factor the parser performs), so
 * ir_parse(ir_print(m)) prints byte for byte identically. The grammar lives in docs/ir.md and
 * parse.c; keep the three in step.
 */
#include "ir.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum { WRAP_COLUMN = 100, SITES_PER_LINE = 20 };

/* ---------------------------------------------------------------- numbers */

/* Shortest of %.15g/%.16g/%.17g that strtod reads back as v; "nan", "inf", "-inf" otherwise. */
static void fmt_double(char *buf, size_t n, double v) {
  if (isnan(v)) {
    snprintf(buf, n, "nan");
    return;
  }
  if (isinf(v)) {
    snprintf(buf, n, v < 0 ? "-inf" : "inf");
    return;
  }
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, n, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) return;
  }
}

/* Same for a float (CSR weights): 6..9 digits, checked with strtof. */
static void fmt_float(char *buf, size_t n, float v) {
  if (isnan(v)) {
    snprintf(buf, n, "nan");
    return;
  }
  if (isinf(v)) {
    snprintf(buf, n, v < 0 ? "-inf" : "inf");
    return;
  }
  for (int prec = 6; prec <= 9; prec++) {
    snprintf(buf, n, "%.*g", prec, (double)v);
    if (strtof(buf, NULL) == v) return;
  }
}

/* Units whose factor to canonical is exactly 1, used when the display unit cannot represent a
 * value exactly (a rate in Hz goes through *1e-3; kHz is 1/ms, the stored unit). */
static const char *const exact_units[] = {"ms", "kHz", "mV", "nA", "uM", "uM/ms", "1/(uM*ms)"};

/* Prints number+unit into buf so that parse.c's strtod(number) * factor(unit) == v. Units that
 * start with "1/" are written without the 1 ("0.5/(uM*ms)"); parse.c adds it back. */
static void fmt_quantity(char *buf, size_t n, double v, ir_dim dim) {
  if (ir_dim_eq(dim, IR_DIM_NONE) || !isfinite(v)) {
    fmt_double(buf, n, v);
    return;
  }
  if (strcmp(ir_dim_name(dim), "compound dimension") == 0) { /* invalid module: best effort */
    fmt_double(buf, n, v);
    strncat(buf, "?unit", n - strlen(buf) - 1);
    return;
  }
  const char *unit = ir_unit_canonical(dim);
  ir_dim d;
  double f;
  char num[40];
  if (ir_unit_parse(unit, &d, &f)) {
    double shown = v * ir_unit_print_factor(dim);
    for (int prec = 15; prec <= 17 && isfinite(shown); prec++) {
      snprintf(num, sizeof num, "%.*g", prec, shown);
      if (strtod(num, NULL) * f == v) {
        snprintf(buf, n, "%s%s", num, unit[0] == '1' && unit[1] == '/' ? unit + 1 : unit);
        return;
      }
    }
  }
  for (size_t i = 0; i < sizeof exact_units / sizeof exact_units[0]; i++) {
    if (ir_unit_parse(exact_units[i], &d, &f) && ir_dim_eq(d, dim) && f == 1.0) {
      fmt_double(num, sizeof num, v);
      unit = exact_units[i];
      snprintf(buf, n, "%s%s", num, unit[0] == '1' && unit[1] == '/' ? unit + 1 : unit);
      return;
    }
  }
  IR_ASSERT(!"every named dimension has an exact unit");
}

/* ---------------------------------------------------------------- strings and names */

static bool is_ident(const char *s) {
  if (!s || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) return false;
  for (s++; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
      return false;
  return true;
}

/* Attribute keys may also contain dots ("quant.dv"). */
static bool is_key(const char *s) {
  if (!s || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) return false;
  for (s++; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
          *s == '.'))
      return false;
  return true;
}

static void print_string(FILE *out, const char *s) {
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    switch (*p) {
    case '"': fputs("\\\"", out); break;
    case '\\': fputs("\\\\", out); break;
    case '\n': fputs("\\n", out); break;
    case '\t': fputs("\\t", out); break;
    case '\r': fputs("\\r", out); break;
    default:
      if (*p < 0x20 || *p == 0x7f) fprintf(out, "\\x%02x", *p);
      else fputc(*p, out);
    }
  }
  fputc('"', out);
}

/* A word: bare when it is an identifier, quoted otherwise. */
static void print_word(FILE *out, const char *s) {
  if (is_ident(s)) fputs(s, out);
  else print_string(out, s);
}

static void print_ref(FILE *out, const ir_module *m, ir_ref r) {
  const char *name = ir_node_name(m, r);
  fputc('@', out);
  if (name) print_word(out, name);
  else fprintf(out, "\"?%s#%" PRIu32 "\"", ir_node_kind_name(r.kind), r.index); /* invalid module */
}

/* " ; FILE:LINE:COL" — parse.c reads it back as the node's location. */
static void print_loc(FILE *out, ir_loc loc) {
  if (!loc.file) return;
  bool plain = loc.file[0] != '\0' && loc.file[0] != ' ' && loc.file[0] != '"';
  for (const unsigned char *p = (const unsigned char *)loc.file; *p && plain; p++)
    if (*p < 0x20 || *p == 0x7f) plain = false;
  size_t len = strlen(loc.file);
  if (plain && (loc.file[len - 1] == ' ' || loc.file[len - 1] == '\r')) plain = false;
  fputs(" ; ", out);
  if (plain) fputs(loc.file, out);
  else print_string(out, loc.file);
  fprintf(out, ":%" PRIu32 ":%" PRIu32, loc.line, loc.col);
}

/* ---------------------------------------------------------------- values and attributes */

static void print_quantity(FILE *out, double v, ir_dim dim) {
  char buf[96];
  fmt_quantity(buf, sizeof buf, v, dim);
  fputs(buf, out);
}

static void print_value(FILE *out, const ir_value *v) {
  switch (v->kind) {
  case IR_VAL_UNSET: fputs("unset", out); return;
  case IR_VAL_CONST: print_quantity(out, v->a, v->dim); return;
  case IR_VAL_UNIFORM:
    fputs("uniform(", out);
    print_quantity(out, v->a, v->dim);
    fputc(',', out);
    print_quantity(out, v->b, v->dim);
    fputc(')', out);
    return;
  case IR_VAL_NORMAL:
    fputs("normal(", out);
    print_quantity(out, v->a, v->dim);
    fputc(',', out);
    print_quantity(out, v->b, v->dim);
    if (!(isinf(v->lo) && v->lo < 0)) {
      fputs(",min=", out);
      print_quantity(out, v->lo, v->dim);
    }
    if (!(isinf(v->hi) && v->hi > 0)) {
      fputs(",max=", out);
      print_quantity(out, v->hi, v->dim);
    }
    fputc(')', out);
    return;
  case IR_VAL_CHOICE:
    fputs("choice(", out);
    for (uint32_t i = 0; i < v->nchoice && v->choice; i++) {
      if (i) fputc(',', out);
      print_quantity(out, v->choice[i], v->dim);
    }
    fputc(')', out);
    return;
  }
  fprintf(out, "?value%d", (int)v->kind); /* invalid module */
}

static void print_attr_value(FILE *out, const ir_attr *a) {
  char buf[40];
  switch (a->kind) {
  case IR_ATTR_INT: fprintf(out, "%" PRId64, a->u.i); return;
  case IR_ATTR_FLOAT:
    fmt_double(buf, sizeof buf, a->u.f);
    /* keep floats distinguishable from ints: 1 -> 1.0 */
    if (!strpbrk(buf, ".eEni")) strcat(buf, ".0");
    fputs(buf, out);
    return;
  case IR_ATTR_STR: print_string(out, a->u.s); return;
  }
  fputs("?attr", out);
}

/* "  attrs={k=1, k2=2.5, k3="s"}" on its own line, nothing when empty. */
static void print_attrs(FILE *out, const ir_attrs *a) {
  if (a->n == 0) return;
  fputs("  attrs={", out);
  for (uint32_t i = 0; i < a->n; i++) {
    if (i) fputs(", ", out);
    if (is_key(a->v[i].key)) fputs(a->v[i].key, out);
    else print_string(out, a->v[i].key);
    fputc('=', out);
    print_attr_value(out, &a->v[i]);
  }
  fputs("}\n", out);
}

/* Model parameters as indented "name=value" lines, wrapped near WRAP_COLUMN. */
static void print_params(FILE *out, const ir_model_desc *desc, const ir_value *params) {
  if (!desc || desc->nparams == 0) return;
  long col = 0;
  for (uint32_t i = 0; i < desc->nparams; i++) {
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) {
      IR_ASSERT(!"out of memory while printing");
      return;
    }
    fprintf(mem, "%s=", desc->params[i].name);
    print_value(mem, &params[i]);
    fclose(mem);
    if (col > 2 && col + 1 + (long)len > WRAP_COLUMN) {
      fputc('\n', out);
      col = 0;
    }
    fputs(col == 0 ? "  " : " ", out);
    fputs(text, out);
    col += (col == 0 ? 2 : 1) + (long)len;
    free(text);
  }
  fputc('\n', out);
}

/* ---------------------------------------------------------------- nodes */

static void print_network(FILE *out, const ir_module *m) {
  fprintf(out, "astroc-ir %d\nnetwork ", IR_TEXT_VERSION);
  print_string(out, m->name);
  fputs(" dt=", out);
  print_quantity(out, m->dt, IR_DIM_TIME);
  fprintf(out, " seed=%" PRIu64 " numerics=%s v_unit=", m->seed,
          m->numerics == IR_NUMERICS_FIXED ? "fixed" : m->numerics == IR_NUMERICS_FLOAT ? "float" : "?");
  print_quantity(out, m->v_unit, IR_DIM_VOLTAGE);
  fputs(" duration=", out);
  print_quantity(out, m->duration, IR_DIM_TIME);
  print_loc(out, m->loc);
  fputc('\n', out);
  print_attrs(out, &m->attrs);
}

static void print_grid(FILE *out, const ir_grid *g) {
  fputs("grid @", out);
  print_word(out, g->name);
  fprintf(out, " shape=[%" PRIu32 ",%" PRIu32 ",%" PRIu32 "] spacing=", g->shape[0], g->shape[1], g->shape[2]);
  print_quantity(out, g->spacing, IR_DIM_NONE);
  print_loc(out, g->loc);
  fputc('\n', out);
  print_attrs(out, &g->attrs);
}

static void print_sites(FILE *out, const ir_population *p) {
  fputs("  sites=[", out);
  for (uint32_t i = 0; i < p->size; i++) {
    if (i && i % SITES_PER_LINE == 0) fputs(",\n    ", out);
    else if (i) fputc(',', out);
    fprintf(out, "%" PRIu32, p->sites[i]);
  }
  fputs("]\n", out);
}

static void print_population(FILE *out, const ir_module *m, const ir_population *p) {
  const ir_model_desc *desc = ir_neuron_model_desc(p->model);
  fputs("population @", out);
  print_word(out, p->name);
  fprintf(out, " %s size=%" PRIu32, desc ? desc->name : "?", p->size);
  if (p->grid >= 0) {
    fputs(" grid=", out);
    print_ref(out, m, (ir_ref){IR_NODE_GRID, (uint32_t)p->grid});
  }
  print_loc(out, p->loc);
  fputc('\n', out);
  print_params(out, desc, p->params);
  if (p->sites) print_sites(out, p);
  print_attrs(out, &p->attrs);
}

static void print_astrocyte(FILE *out, const ir_module *m, const ir_astrocyte *a) {
  const ir_model_desc *desc = ir_astro_model_desc(a->model);
  fputs("astrocyte @", out);
  print_word(out, a->name);
  fprintf(out, " %s size=%" PRIu32, desc ? desc->name : "?", a->size);
  print_loc(out, a->loc);
  fputc('\n', out);
  print_params(out, desc, a->params);
  if (a->nlisten) {
    fputs("  listen=[", out);
    for (uint32_t i = 0; i < a->nlisten; i++) {
      if (i) fputc(',', out);
      print_ref(out, m, a->listen[i].source);
      fprintf(out, ":%+d", a->listen[i].sign);
    }
    fputs("]\n", out);
  }
  if (a->nmodulates) {
    fputs("  modulates=[", out);
    for (uint32_t i = 0; i < a->nmodulates; i++) {
      if (i) fputc(',', out);
      print_ref(out, m, a->modulates[i]);
    }
    fputs("]\n", out);
  }
  print_attrs(out, &a->attrs);
}

static const char *const input_kinds[] = {"poisson", "bernoulli", "spikes", "dataset"};
static const char *const encodings[] = {"nalsm", "rate", "bernoulli"};

static void print_input(FILE *out, const ir_module *m, const ir_input *in) {
  bool dataset = in->kind == IR_INPUT_DATASET;
  fputs("input @", out);
  print_word(out, in->name);
  fprintf(out, " %s size=%" PRIu32, (unsigned)in->kind < IR_INPUT_KIND_COUNT ? input_kinds[in->kind] : "?",
          in->size);
  /* A field is printed when its kind uses it or when it is set anyway, so nothing is lost. */
  if (in->kind == IR_INPUT_POISSON || (dataset && in->encoding == IR_ENC_RATE) || in->rate.kind != IR_VAL_UNSET) {
    fputs(" rate=", out);
    print_value(out, &in->rate);
  }
  if (in->kind == IR_INPUT_BERNOULLI || (dataset && in->encoding == IR_ENC_BERNOULLI) ||
      in->p.kind != IR_VAL_UNSET) {
    fputs(" p=", out);
    print_value(out, &in->p);
  }
  if (in->file) {
    fputs(" file=", out);
    print_string(out, in->file);
  }
  if (in->dataset) {
    fputs(" dataset=", out);
    print_word(out, in->dataset);
  }
  if (in->split) {
    fputs(" split=", out);
    print_word(out, in->split);
  }
  if (dataset || in->encoding != IR_ENC_NALSM)
    fprintf(out, " encoding=%s", (unsigned)in->encoding < IR_ENC_COUNT ? encodings[in->encoding] : "?");
  if (dataset || in->sample_time.kind != IR_VAL_UNSET) {
    fputs(" sample_time=", out);
    print_value(out, &in->sample_time);
  }
  if (in->inject_into >= 0) {
    fputs(" inject=", out);
    print_ref(out, m, (ir_ref){IR_NODE_POPULATION, (uint32_t)in->inject_into});
  }
  if (in->inject_into >= 0 || in->inject_current.kind != IR_VAL_UNSET) {
    fputs(" current=", out);
    print_value(out, &in->inject_current);
  }
  print_loc(out, in->loc);
  fputc('\n', out);
  print_attrs(out, &in->attrs);
}

static const char *const conn_kinds[] = {"all_to_all",         "one_to_one", "fixed_probability", "fixed_indegree",
                                         "fixed_total_number", "distance",   "list"};

static void print_rule(FILE *out, const ir_conn_rule *r) {
  fprintf(out, "%s(", (unsigned)r->kind < IR_CONN_KIND_COUNT ? conn_kinds[r->kind] : "?");
  switch (r->kind) {
  case IR_CONN_FIXED_PROBABILITY:
    fputs("p=", out);
    print_quantity(out, r->p, IR_DIM_NONE);
    fputc(',', out);
    break;
  case IR_CONN_FIXED_INDEGREE: fprintf(out, "indegree=%" PRIu32 ",", r->indegree); break;
  case IR_CONN_FIXED_TOTAL_NUMBER: fprintf(out, "n=%" PRIu64 ",", r->n); break;
  case IR_CONN_DISTANCE:
    fputs("c=", out);
    print_quantity(out, r->c, IR_DIM_NONE);
    fputs(",lambda=", out);
    print_quantity(out, r->lambda, IR_DIM_NONE);
    fputc(',', out);
    break;
  case IR_CONN_LIST:
    fputs("file=", out);
    print_string(out, r->file);
    fputc(',', out);
    break;
  default: break;
  }
  fprintf(out, "allow_self=%s)", r->allow_self ? "true" : "false");
}

static void print_plasticity(FILE *out, const ir_module *m, const ir_projection *p) {
  const ir_model_desc *desc = ir_plasticity_desc(p->plasticity);
  if (p->plasticity == IR_PLAST_NONE && p->modulator < 0 && !p->anti_hebbian) return;
  fprintf(out, "  plasticity=%s(", p->plasticity == IR_PLAST_NONE ? "none" : desc ? desc->name : "?");
  if (p->modulator >= 0) {
    fputs("modulator=", out);
    print_ref(out, m, (ir_ref){IR_NODE_ASTROCYTE, (uint32_t)p->modulator});
    fputc(',', out);
  }
  fprintf(out, "form=%s", p->anti_hebbian ? "anti_hebbian" : "hebbian");
  /* the rule's parameters go on a continuation line: newlines are blanks inside parentheses */
  for (uint32_t i = 0; desc && i < desc->nparams; i++) {
    fprintf(out, i ? ",%s=" : ",\n    %s=", desc->params[i].name);
    print_value(out, &p->plast_params[i]);
  }
  fputs(")\n", out);
}

/* FNV-1a 64 over npre, npost, nsyn and the four arrays, each element as little-endian bytes. */
static uint64_t fnv_bytes(uint64_t h, uint64_t v, int nbytes) {
  for (int i = 0; i < nbytes; i++) {
    h ^= (v >> (8 * i)) & 0xff;
    h *= 0x100000001b3ULL;
  }
  return h;
}

static uint64_t csr_checksum(const ir_csr *c) {
  uint64_t h = 0xcbf29ce484222325ULL;
  h = fnv_bytes(h, c->npre, 4);
  h = fnv_bytes(h, c->npost, 4);
  h = fnv_bytes(h, c->nsyn, 8);
  for (uint64_t i = 0; i <= c->npre; i++) h = fnv_bytes(h, c->row_ptr[i], 8);
  for (uint64_t k = 0; k < c->nsyn; k++) h = fnv_bytes(h, c->col[k], 4);
  for (uint64_t k = 0; k < c->nsyn; k++) {
    uint32_t bits;
    memcpy(&bits, &c->weight[k], sizeof bits);
    h = fnv_bytes(h, bits, 4);
  }
  for (uint64_t k = 0; k < c->nsyn; k++) h = fnv_bytes(h, c->delay[k], 2);
  return h;
}

/* Summary, or every synapse: one line per nonempty row, "ROW: COL@WEIGHT[+DELAY] ...". */
static void print_csr(FILE *out, const ir_csr *c, bool synapses) {
  fprintf(out, "  csr npre=%" PRIu32 " npost=%" PRIu32 " nsyn=%" PRIu64, c->npre, c->npost, c->nsyn);
  if (!synapses) {
    fprintf(out, " checksum=0x%016" PRIx64 "\n", csr_checksum(c));
    return;
  }
  fputc('\n', out);
  for (uint32_t i = 0; i < c->npre; i++) {
    uint64_t b = c->row_ptr[i], e = c->row_ptr[i + 1];
    if (e <= b || e > c->nsyn) continue;
    fprintf(out, "    %" PRIu32 ":", i);
    for (uint64_t k = b; k < e; k++) {
      char w[32];
      fmt_float(w, sizeof w, c->weight[k]);
      fprintf(out, " %" PRIu32 "@%s", c->col[k], w);
      if (c->delay[k]) fprintf(out, "+%u", (unsigned)c->delay[k]);
    }
    fputc('\n', out);
  }
}

static void print_projection(FILE *out, const ir_module *m, const ir_projection *p, bool synapses) {
  fputs("projection @", out);
  print_word(out, p->name);
  fputc(' ', out);
  print_ref(out, m, p->pre);
  fputs(" -> ", out);
  print_ref(out, m, p->post);
  fputs(" rule=", out);
  print_rule(out, &p->rule);
  fputs(" weight=", out);
  print_value(out, &p->weight);
  fputs(" delay=", out);
  print_value(out, &p->delay);
  print_loc(out, p->loc);
  fputc('\n', out);
  print_plasticity(out, m, p);
  print_attrs(out, &p->attrs);
  if (p->csr) print_csr(out, p->csr, synapses);
}

static void print_probe(FILE *out, const ir_module *m, const ir_probe *p) {
  fputs("probe @", out);
  print_word(out, p->name);
  fputc(' ', out);
  print_ref(out, m, p->target);
  fputs(" var=", out);
  print_word(out, p->var);
  fprintf(out, " every=%" PRIu32, p->every);
  if (p->indices) {
    fputs(" neurons=[", out);
    for (uint32_t i = 0; i < p->nindices; i++) fprintf(out, i ? ",%" PRIu32 : "%" PRIu32, p->indices[i]);
    fputc(']', out);
  }
  print_loc(out, p->loc);
  fputc('\n', out);
  print_attrs(out, &p->attrs);
}

static void print_phase(FILE *out, const ir_phase *p) {
  fputs("phase @", out);
  print_word(out, p->name);
  print_loc(out, p->loc);
  fputc('\n', out);
  print_attrs(out, &p->attrs);
}

void ir_print(const ir_module *m, FILE *out, const ir_print_options *opt) {
  bool synapses = opt && opt->synapses;
  print_network(out, m);
  /* A blank line before each group of nodes of one kind keeps diffs readable. */
  if (m->ngrids) fputc('\n', out);
  for (uint32_t i = 0; i < m->ngrids; i++) print_grid(out, &m->grids[i]);
  if (m->npops) fputc('\n', out);
  for (uint32_t i = 0; i < m->npops; i++) print_population(out, m, &m->pops[i]);
  if (m->nastros) fputc('\n', out);
  for (uint32_t i = 0; i < m->nastros; i++) print_astrocyte(out, m, &m->astros[i]);
  if (m->ninputs) fputc('\n', out);
  for (uint32_t i = 0; i < m->ninputs; i++) print_input(out, m, &m->inputs[i]);
  if (m->nprojs) fputc('\n', out);
  for (uint32_t i = 0; i < m->nprojs; i++) print_projection(out, m, &m->projs[i], synapses);
  if (m->nprobes) fputc('\n', out);
  for (uint32_t i = 0; i < m->nprobes; i++) print_probe(out, m, &m->probes[i]);
  if (m->nphases) fputc('\n', out);
  for (uint32_t i = 0; i < m->nphases; i++) print_phase(out, &m->phases[i]);
}
