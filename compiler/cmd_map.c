/* cmd_map.c — `astroc map`: map a model onto a target's cores (quantise, partition, place, route)
 * and report utilisation per core and traffic per link, against a naive sequential fill. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"
#include "commands.h"
#include "fe.h"
#include "ir.h"
#include "mapping.h"

/* ---------------------------------------------------------------- loading */

/* A .ir file goes through ir_parse, anything else through the YAML frontend. */
static ir_module *load_model(const char *path, ir_diag *d) {
  size_t n = strlen(path);
  if (n < 3 || strcmp(path + n - 3, ".ir") != 0) return fe_yaml_load(path, d);
  size_t len;
  char *text = ir_read_file(path, &len);
  if (!text) {
    ir_loc loc = {path, 0, 0};
    ir_error(d, loc, "cannot read: %s", strerror(errno ? errno : EIO));
    return NULL;
  }
  ir_diag_add_source(d, path, text, len);
  ir_module *m = ir_parse(text, len, path, d);
  free(text);
  return m;
}

/* ---------------------------------------------------------------- shared report helpers */

static void piece_label(const ir_module *m, const map_piece *p, char *buf, size_t cap) {
  snprintf(buf, cap, "%s#%u", ir_node_name(m, p->node), p->index);
}

static double pct(uint64_t used, uint64_t lim) { return lim ? 100.0 * (double)used / (double)lim : 0; }

static double ratio(double naive, double placed) { return placed > 0 ? naive / placed : (naive > 0 ? INFINITY : 1); }

/* Indices of loaded links, busiest first (ties by link id). */
static int cmp_load_desc(const void *a, const void *b, const double *load) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  if (load[x] != load[y]) return load[x] > load[y] ? -1 : 1;
  return x < y ? -1 : 1;
}
static uint64_t loaded_links(const map_plan *pl, uint64_t **out) {
  uint64_t n = 0;
  *out = malloc(sizeof **out * (pl->nlinks ? pl->nlinks : 1));
  if (!*out) return 0;
  for (uint64_t l = 0; l < pl->nlinks; l++)
    if (pl->link[l] > 0) (*out)[n++] = l;
  /* insertion sort of the top part is enough for printing; do a full simple shell sort */
  for (uint64_t gap = n / 2; gap > 0; gap /= 2)
    for (uint64_t i = gap; i < n; i++)
      for (uint64_t j = i; j >= gap && cmp_load_desc(&(*out)[j], &(*out)[j - gap], pl->link) < 0; j -= gap) {
        uint64_t t = (*out)[j];
        (*out)[j] = (*out)[j - gap];
        (*out)[j - gap] = t;
      }
  return n;
}

static const char dirs[] = "EWNS";

/* ---------------------------------------------------------------- text report */

static void text_quant(FILE *o, const ir_module *m) {
  fputs("\nquantisation (weight exponent; error of the fixed-point weights against the float weights)\n", o);
  fprintf(o, "  %-16s %5s %9s %11s %9s %12s %10s\n", "projection", "wexp", "bits/syn", "err max mV", "max %",
          "err mean mV", "mean %");
  for (uint32_t k = 0; k < m->nprojs; k++) {
    const ir_attrs *a = &m->projs[k].attrs;
    const ir_attr *e = ir_attr_get(a, "quant.wexp"), *b = ir_attr_get(a, "quant.syn_bits");
    const ir_attr *x = ir_attr_get(a, "quant.err_max_mv"), *xp = ir_attr_get(a, "quant.err_max_pct");
    const ir_attr *mn = ir_attr_get(a, "quant.err_mean_mv"), *mp = ir_attr_get(a, "quant.err_mean_pct");
    if (!e || !b || !x || !xp || !mn || !mp) continue;
    fprintf(o, "  %-16s %5" PRId64 " %9" PRId64 " %11.4g %9.3g %12.4g %10.3g\n", m->projs[k].name, e->u.i, b->u.i,
            x->u.f, xp->u.f, mn->u.f, mp->u.f);
  }
}

static void text_cores(FILE *o, const ir_module *m, const map_target *t, const map_plan *pl) {
  char a[32], b[32];
  fprintf(o, "\ncores used: %s of %s\n", map_commas(pl->npieces, a), map_commas(map_target_ncores(t), b));
  fputs("\nper-core utilisation (used, % of the core's limit)\n", o);
  fprintf(o, "  %-9s %-14s", "core", "piece");
  for (int r = 0; r < MAP_RES_COUNT; r++) fprintf(o, " %17s", map_resource_column((map_resource)r));
  fprintf(o, " %7s\n  %-9s %-14s", "routes", "", "limit");
  for (int r = 0; r < MAP_RES_COUNT; r++) fprintf(o, " %17s", map_commas(t->limit[r], a));
  fputc('\n', o);
  for (uint32_t q = 0; q < pl->npieces; q++) {
    const map_piece *p = &pl->pieces[q];
    uint32_t x, y;
    map_core_xy(t, (uint32_t)p->core, &x, &y);
    char core[32], label[64], cell[48];
    snprintf(core, sizeof core, "(%u,%u)", x, y);
    piece_label(m, p, label, sizeof label);
    fprintf(o, "  %-9s %-14s", core, label);
    for (int r = 0; r < MAP_RES_COUNT; r++) {
      snprintf(cell, sizeof cell, "%s %3.0f%%", map_commas(p->use.r[r], a), pct(p->use.r[r], t->limit[r]));
      fprintf(o, " %17s", cell);
    }
    fprintf(o, " %7u\n", pl->route_entries ? pl->route_entries[p->core] : 0);
  }
}

static void text_traffic(FILE *o, const map_target *t, const map_plan *pl) {
  const map_traffic_summary *P = &pl->placed, *N = &pl->naive;
  uint32_t x, y, nx, ny;
  map_core_xy(t, P->max_link_core, &x, &y);
  map_core_xy(t, N->max_link_core, &nx, &ny);
  fprintf(o, "\ntraffic (expected per step; %s XY routing)   %14s %14s %10s\n", t->multicast ? "multicast" : "unicast",
          "placed", "naive fill", "naive/plc");
  fprintf(o, "  %-44s %14.6g %14.6g %10.3f\n", "spike-hops (sum of rate x hops)", P->spike_hops, N->spike_hops,
          ratio(N->spike_hops, P->spike_hops));
  fprintf(o, "  %-44s %14.6g %14.6g %10.3f\n", "link load, total", P->link_total, N->link_total,
          ratio(N->link_total, P->link_total));
  fprintf(o, "  %-44s %14.6g %14.6g %10.3f\n", "link load, maximum", P->max_link, N->max_link,
          ratio(N->max_link, P->max_link));
  fprintf(o, "  %-44s %14.6g %14.6g %10.3f\n", "inter-chip link load", P->inter_chip, N->inter_chip,
          ratio(N->inter_chip, P->inter_chip));
  fprintf(o, "  %-44s %14" PRIu64 " %14" PRIu64 "\n", "links used", P->links_used, N->links_used);
  if (P->max_link > 0) fprintf(o, "  busiest link (placed): (%u,%u)%c\n", x, y, P->max_link_dir);
  if (N->max_link > 0) fprintf(o, "  busiest link (naive):  (%u,%u)%c\n", nx, ny, N->max_link_dir);
  fputs("\nhop histogram (spikes per step delivered at each distance)\n", o);
  fprintf(o, "  %5s %14s %14s\n", "hops", "placed", "naive fill");
  uint32_t hm = P->hist_max > N->hist_max ? P->hist_max : N->hist_max;
  for (uint32_t h = 0; h <= hm; h++) fprintf(o, "  %5u %14.6g %14.6g\n", h, P->hist[h], N->hist[h]);
  uint64_t *idx = NULL;
  uint64_t n = loaded_links(pl, &idx);
  uint64_t show = n < 20 ? n : 20;
  fprintf(o, "\nlink loads (placed, spikes per step; %" PRIu64 " of %" PRIu64 " loaded links, busiest first)\n", show, n);
  for (uint64_t i = 0; i < show; i++) {
    map_core_xy(t, (uint32_t)(idx[i] / 4), &x, &y);
    fprintf(o, "  (%u,%u)%c %14.6g\n", x, y, dirs[idx[i] % 4], pl->link[idx[i]]);
  }
  free(idx);
}

static void text_report(FILE *o, const ir_module *m, const map_target *t, const map_plan *pl, const map_options *opt) {
  char a[32];
  fprintf(o, "astroc map: %s on %s (%u x %u chips of %u x %u cores = %s cores, %s)\n", m->name, t->name, t->chips[0],
          t->chips[1], t->cores[0], t->cores[1], map_commas(map_target_ncores(t), a),
          t->multicast ? "multicast" : "unicast");
  fprintf(o, "seed %" PRIu64 ", default rate %g spikes/neuron/step, %" PRIu64 " refinement iterations (%" PRIu64
          " accepted)\n", opt->seed, opt->default_rate, pl->iterations, pl->accepted);
  text_quant(o, m);
  text_cores(o, m, t, pl);
  for (uint32_t k = 0; k < m->nastros; k++) {
    const ir_attr *h = ir_attr_get(&m->astros[k].attrs, "map.host_cores");
    const ir_attr *r = ir_attr_get(&m->astros[k].attrs, "map.remote_cores");
    fprintf(o, "\nastrocyte '%s' on %s; modulation messages to remote cores: %s\n", m->astros[k].name,
            h ? h->u.s : "-", r && r->u.s[0] ? r->u.s : "none");
  }
  text_traffic(o, t, pl);
}

/* ---------------------------------------------------------------- JSON report */

static void json_str(FILE *o, const char *s) {
  fputc('"', o);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(o, "\\%c", c);
    else if (c < 0x20) fprintf(o, "\\u%04x", c);
    else fputc(c, o);
  }
  fputc('"', o);
}

/* JSON has no inf/nan: print null for them. */
static void json_num(FILE *o, double v) {
  if (isfinite(v)) fprintf(o, "%.9g", v);
  else fputs("null", o);
}

static void json_summary(FILE *o, const map_target *t, const map_traffic_summary *s) {
  uint32_t x, y;
  map_core_xy(t, s->max_link_core, &x, &y);
  fputs("{\"spike_hops\": ", o);
  json_num(o, s->spike_hops);
  fputs(", \"link_total\": ", o);
  json_num(o, s->link_total);
  fputs(", \"max_link\": ", o);
  json_num(o, s->max_link);
  fprintf(o, ", \"max_link_at\": {\"core\": [%u, %u], \"dir\": \"%c\"}", x, y, s->max_link_dir ? s->max_link_dir : '-');
  fputs(", \"inter_chip\": ", o);
  json_num(o, s->inter_chip);
  fprintf(o, ", \"links_used\": %" PRIu64 ", \"hops\": [", s->links_used);
  for (uint32_t h = 0; h <= s->hist_max; h++) {
    if (h) fputs(", ", o);
    json_num(o, s->hist[h]);
  }
  fputs("]}", o);
}

static void json_report(FILE *o, const ir_module *m, const map_target *t, const map_plan *pl, const map_options *opt) {
  fputs("{\n  \"model\": ", o);
  json_str(o, m->name);
  fputs(",\n  \"target\": ", o);
  json_str(o, t->name);
  fprintf(o, ",\n  \"mesh\": {\"chips\": [%u, %u], \"cores\": [%u, %u], \"multicast\": %s},\n", t->chips[0], t->chips[1],
          t->cores[0], t->cores[1], t->multicast ? "true" : "false");
  fprintf(o, "  \"seed\": %" PRIu64 ",\n  \"default_rate\": ", opt->seed);
  json_num(o, opt->default_rate);
  fprintf(o, ",\n  \"iterations\": %" PRIu64 ",\n  \"accepted\": %" PRIu64 ",\n", pl->iterations, pl->accepted);
  fprintf(o, "  \"cores_used\": %u,\n  \"cores_total\": %" PRIu64 ",\n  \"limits\": {", pl->npieces,
          map_target_ncores(t));
  for (int r = 0; r < MAP_RES_COUNT; r++)
    fprintf(o, "%s\"%s\": %" PRIu64, r ? ", " : "", map_resource_key((map_resource)r), t->limit[r]);
  fputs("},\n  \"quantisation\": [", o);
  bool first = true;
  for (uint32_t k = 0; k < m->nprojs; k++) {
    const ir_attrs *a = &m->projs[k].attrs;
    const ir_attr *e = ir_attr_get(a, "quant.wexp"), *b = ir_attr_get(a, "quant.syn_bits");
    const ir_attr *x = ir_attr_get(a, "quant.err_max_mv"), *xp = ir_attr_get(a, "quant.err_max_pct");
    const ir_attr *mn = ir_attr_get(a, "quant.err_mean_mv"), *mp = ir_attr_get(a, "quant.err_mean_pct");
    if (!e || !b || !x || !xp || !mn || !mp) continue;
    fputs(first ? "\n    {\"projection\": " : ",\n    {\"projection\": ", o);
    first = false;
    json_str(o, m->projs[k].name);
    fprintf(o, ", \"wexp\": %" PRId64 ", \"syn_bits\": %" PRId64 ", \"err_max_mv\": ", e->u.i, b->u.i);
    json_num(o, x->u.f);
    fputs(", \"err_max_pct\": ", o);
    json_num(o, xp->u.f);
    fputs(", \"err_mean_mv\": ", o);
    json_num(o, mn->u.f);
    fputs(", \"err_mean_pct\": ", o);
    json_num(o, mp->u.f);
    fputc('}', o);
  }
  fputs("\n  ],\n  \"cores\": [", o);
  for (uint32_t q = 0; q < pl->npieces; q++) {
    const map_piece *p = &pl->pieces[q];
    uint32_t x, y;
    map_core_xy(t, (uint32_t)p->core, &x, &y);
    fprintf(o, "%s\n    {\"core\": [%u, %u], \"node\": ", q ? "," : "", x, y);
    json_str(o, ir_node_name(m, p->node));
    fprintf(o, ", \"kind\": \"%s\", \"piece\": %u, \"first\": %u, \"count\": %u, \"usage\": {",
            p->node.kind == IR_NODE_ASTROCYTE ? "astrocyte" : "population", p->index, p->first, p->count);
    for (int r = 0; r < MAP_RES_COUNT; r++)
      fprintf(o, "%s\"%s\": %" PRIu64, r ? ", " : "", map_resource_key((map_resource)r), p->use.r[r]);
    fprintf(o, "}, \"route_entries\": %u}", pl->route_entries ? pl->route_entries[p->core] : 0);
  }
  fputs("\n  ],\n  \"astrocytes\": [", o);
  for (uint32_t k = 0; k < m->nastros; k++) {
    const ir_attr *h = ir_attr_get(&m->astros[k].attrs, "map.host_cores");
    const ir_attr *r = ir_attr_get(&m->astros[k].attrs, "map.remote_cores");
    fputs(k ? ",\n    {\"name\": " : "\n    {\"name\": ", o);
    json_str(o, m->astros[k].name);
    fputs(", \"host_cores\": ", o);
    json_str(o, h ? h->u.s : "");
    fputs(", \"remote_cores\": ", o);
    json_str(o, r ? r->u.s : "");
    fputc('}', o);
  }
  fputs("\n  ],\n  \"traffic\": {\n    \"placed\": ", o);
  json_summary(o, t, &pl->placed);
  fputs(",\n    \"naive\": ", o);
  json_summary(o, t, &pl->naive);
  fputs(",\n    \"ratio_spike_hops\": ", o);
  json_num(o, ratio(pl->naive.spike_hops, pl->placed.spike_hops));
  fputs(",\n    \"ratio_max_link\": ", o);
  json_num(o, ratio(pl->naive.max_link, pl->placed.max_link));
  fputs("\n  },\n  \"links\": [", o);
  uint64_t *idx = NULL;
  uint64_t n = loaded_links(pl, &idx);
  for (uint64_t i = 0; i < n; i++) {
    uint32_t x, y;
    map_core_xy(t, (uint32_t)(idx[i] / 4), &x, &y);
    fprintf(o, "%s\n    {\"core\": [%u, %u], \"dir\": \"%c\", \"load\": ", i ? "," : "", x, y, dirs[idx[i] % 4]);
    json_num(o, pl->link[idx[i]]);
    fputc('}', o);
  }
  free(idx);
  fputs("\n  ]\n}\n", o);
}

/* ---------------------------------------------------------------- the command */

int cmd_map(int argc, char **argv) {
  const char *file = NULL, *target = NULL, *format = "text", *print_after = NULL;
  map_options opt = {.seed = 1, .default_rate = 0.01, .iterations = 0};
  double rate_hz = NAN;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool has = i + 1 < argc;
    if (strcmp(a, "--target") == 0 || strcmp(a, "-t") == 0) {
      if (!has) return cmd_usage(&cmd_map_desc, "%s needs a target name or file", a);
      target = argv[++i];
    } else if (strcmp(a, "--format") == 0) {
      if (!has) return cmd_usage(&cmd_map_desc, "--format needs 'text' or 'json'");
      format = argv[++i];
      if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
        return cmd_usage(&cmd_map_desc, "--format must be 'text' or 'json', not '%s'", format);
    } else if (strcmp(a, "--seed") == 0) {
      if (!has || !cli_parse_uint(argv[++i], UINT64_MAX, &opt.seed)) return cmd_usage(&cmd_map_desc, "--seed needs an integer >= 0");
    } else if (strcmp(a, "--iterations") == 0) {
      if (!has || !cli_parse_uint(argv[++i], UINT64_MAX, &opt.iterations))
        return cmd_usage(&cmd_map_desc, "--iterations needs an integer >= 0");
    } else if (strcmp(a, "--rate") == 0) {
      char *end;
      if (!has || (rate_hz = strtod(argv[++i], &end), *end) || !(rate_hz >= 0))
        return cmd_usage(&cmd_map_desc, "--rate needs a rate in Hz >= 0");
    } else if (strcmp(a, "--print-after") == 0) {
      if (!has) return cmd_usage(&cmd_map_desc, "--print-after needs a pass name or 'all'");
      print_after = argv[++i];
    } else if (a[0] == '-' && a[1]) {
      return cmd_usage(&cmd_map_desc, "unknown option '%s'", a);
    } else if (file) {
      return cmd_usage(&cmd_map_desc, "one model file at a time (got '%s' and '%s')", file, a);
    } else {
      file = a;
    }
  }
  if (!file) return cmd_usage(&cmd_map_desc, "no model file given");
  if (!target) return cmd_usage(&cmd_map_desc, "no target given (--target loihi1|loihi2|astro-ice40|astro-sim|FILE)");

  ir_diag *d = ir_diag_create(stderr);
  if (!d) return EXIT_INTERNAL;
  map_target t;
  int status = EXIT_OK;
  ir_module *m = NULL;
  if (!map_target_load(target, &t, d)) status = EXIT_INPUT;
  else if (!(m = load_model(file, d)) || !ir_verify(m, d)) status = EXIT_INPUT;
  if (status == EXIT_OK) {
    if (!isnan(rate_hz)) opt.default_rate = rate_hz * m->dt / 1000.0;
    size_t n;
    const ir_pass *passes = map_pipeline(&t, &n);
    map_context_set(&t, &opt);
    ir_pipeline_options popt = {.print_after = print_after, .print_out = stdout, .verify_each = true};
    if (!ir_run_pipeline(m, passes, n, &popt, d))
      status = strncmp(ir_diag_last(d), "internal error", 14) == 0 ? EXIT_INTERNAL : EXIT_INPUT;
  }
  if (status == EXIT_OK) {
    if (strcmp(format, "json") == 0) json_report(stdout, m, &t, map_context_plan(), &opt);
    else text_report(stdout, m, &t, map_context_plan(), &opt);
    if (fflush(stdout) != 0) {
      fprintf(stderr, "astroc: cannot write the report: %s\n", strerror(errno));
      status = EXIT_INPUT;
    }
  }
  map_context_clear();
  ir_module_destroy(m);
  ir_diag_destroy(d);
  return status;
}

const command cmd_map_desc = {
    "map",
    "astroc map MODEL.yaml|FILE.ir --target T [--format text|json] [--seed S] [--rate HZ] [--iterations N] "
    "[--print-after PASS|all]",
    "map a model onto a target's cores (quantise, partition, place, route); report load and traffic",
    "Runs the mapping pipeline (layout, expand, quantise, partition, place, route; docs/mapping.md)\n"
    "and prints: the weight exponent and quantisation error of every projection; the cores used and\n"
    "each core's use of every per-core resource (compartments, astrocyte slots, synapse memory bits,\n"
    "input and output axons, compartment and threshold profiles, synapse formats, routing entries);\n"
    "the expected spikes per step on the mesh links (total, maximum, inter-chip), a hop histogram,\n"
    "and the same numbers for a naive sequential fill (piece k on core k) with the ratio naive/placed.\n"
    "\n"
    "options:\n"
    "  --target T, -t T    a built-in target (loihi1, loihi2, astro-ice40, astro-sim; searched in\n"
    "                      $ASTROC_TARGETS, then the source tree's targets/) or a target file (a\n"
    "                      path containing '/' or ending in .yaml); docs/targets.md\n"
    "  --format F          'text' (default) or 'json' (one JSON object, every loaded link listed)\n"
    "  --seed S            seed of the placement's refinement (default 1); same seed, same mapping\n"
    "  --rate HZ           firing rate assumed for neurons whose rate is unknown (default 10 Hz);\n"
    "                      poisson and bernoulli inputs use their own rates\n"
    "  --iterations N      annealing moves (default: 4,000 per piece, at most 2,000,000, bounded by work)\n"
    "  --print-after PASS  also print the IR (with its quant.*, map.*, route.* attributes) after PASS\n"
    "                      or after 'all' passes, before the report\n"
    "\n"
    "A network that does not fit names the resource, the piece, the core and the excess, e.g.\n"
    "  error: population 'exc' piece 3 needs 1,310,720 bits of synapse memory on core (0,1);\n"
    "  loihi1 cores have 1,048,576 (over by 262,144)\n"
    "Exit status: 0 ok, 1 error in the model or target or it does not fit, 2 usage error,\n"
    "3 internal error.\n"
    "\n"
    "examples:\n"
    "  astroc map examples/nalsm/nalsm1000.yaml --target loihi1\n"
    "  astroc map examples/nalsm/nalsm1000.yaml --target loihi2 --format json --seed 7\n"
    "  astroc map model.yaml --target ./my-board.yaml --print-after partition\n",
    cmd_map,
};
