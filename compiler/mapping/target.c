/* target.c — target descriptions: the YAML schema of docs/targets.md (libyaml document API) with
 * FILE:LINE:COL errors, lookup of built-in targets by name, mesh geometry. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "mapping.h"

#ifndef ASTROC_TARGETS_DIR
#define ASTROC_TARGETS_DIR "targets"
#endif

/* ---------------------------------------------------------------- resource names */

#define MAP_X_KEY(ID, KEY, COL, PHRASE) KEY,
static const char *const res_key[] = {MAP_RESOURCES(MAP_X_KEY)};
#undef MAP_X_KEY
#define MAP_X_COL(ID, KEY, COL, PHRASE) COL,
static const char *const res_col[] = {MAP_RESOURCES(MAP_X_COL)};
#undef MAP_X_COL
#define MAP_X_PHRASE(ID, KEY, COL, PHRASE) PHRASE,
static const char *const res_phrase[] = {MAP_RESOURCES(MAP_X_PHRASE)};
#undef MAP_X_PHRASE

const char *map_resource_key(map_resource r) { return r < MAP_RES_COUNT ? res_key[r] : "?"; }
const char *map_resource_column(map_resource r) { return r < MAP_RES_COUNT ? res_col[r] : "?"; }
const char *map_resource_phrase(map_resource r) { return r < MAP_RES_COUNT ? res_phrase[r] : "?"; }

const char *map_targets_dir(void) { return ASTROC_TARGETS_DIR; }

/* ---------------------------------------------------------------- geometry */

uint64_t map_target_ncores(const map_target *t) {
  return (uint64_t)t->chips[0] * t->chips[1] * t->cores[0] * t->cores[1];
}

void map_core_xy(const map_target *t, uint32_t core, uint32_t *x, uint32_t *y) {
  uint32_t per_chip = t->cores[0] * t->cores[1];
  uint32_t chip = core / per_chip, local = core % per_chip;
  *x = (chip % t->chips[0]) * t->cores[0] + local % t->cores[0];
  *y = (chip / t->chips[0]) * t->cores[1] + local / t->cores[0];
}

uint32_t map_core_id(const map_target *t, uint32_t x, uint32_t y) {
  uint32_t cx = x / t->cores[0], cy = y / t->cores[1];
  uint32_t chip = cy * t->chips[0] + cx;
  return chip * t->cores[0] * t->cores[1] + (y % t->cores[1]) * t->cores[0] + x % t->cores[0];
}

uint32_t map_hops(const map_target *t, uint32_t a, uint32_t b) {
  uint32_t ax, ay, bx, by;
  map_core_xy(t, a, &ax, &ay);
  map_core_xy(t, b, &bx, &by);
  return (ax > bx ? ax - bx : bx - ax) + (ay > by ? ay - by : by - ay);
}

/* ---------------------------------------------------------------- YAML walking */

typedef struct tparse {
  yaml_document_t *doc;
  const char *file;
  ir_diag *d;
  unsigned errors;
} tparse;

static ir_loc node_loc(const tparse *p, const yaml_node_t *n) {
  ir_loc l = {p->file, (uint32_t)n->start_mark.line + 1, (uint32_t)n->start_mark.column + 1};
  return l;
}

#define TERR(p, n, ...)                           \
  do {                                            \
    ir_error((p)->d, node_loc((p), (n)), __VA_ARGS__); \
    (p)->errors++;                                \
  } while (0)

static const char *scalar(const yaml_node_t *n) {
  return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* Looks up `key` in mapping `map`; reports unknown keys once per mapping (allowed[] ends with NULL). */
static yaml_node_t *child(tparse *p, yaml_node_t *map, const char *key) {
  for (yaml_node_pair_t *kv = map->data.mapping.pairs.start; kv < map->data.mapping.pairs.top; kv++) {
    const char *k = scalar(yaml_document_get_node(p->doc, kv->key));
    if (k && strcmp(k, key) == 0) return yaml_document_get_node(p->doc, kv->value);
  }
  return NULL;
}

static void check_keys(tparse *p, yaml_node_t *map, const char *where, const char *const *allowed) {
  size_t n = 0;
  while (allowed[n]) n++;
  for (yaml_node_pair_t *kv = map->data.mapping.pairs.start; kv < map->data.mapping.pairs.top; kv++) {
    yaml_node_t *kn = yaml_document_get_node(p->doc, kv->key);
    const char *k = scalar(kn);
    bool ok = false;
    for (size_t i = 0; k && i < n; i++) ok |= strcmp(k, allowed[i]) == 0;
    if (ok) continue;
    const char *near = k ? ir_did_you_mean(k, allowed, n) : NULL;
    if (near)
      TERR(p, kn, "unknown key '%s' in %s; did you mean '%s'?", k ? k : "?", where, near);
    else
      TERR(p, kn, "unknown key '%s' in %s", k ? k : "?", where);
  }
}

static yaml_node_t *need_map(tparse *p, yaml_node_t *parent, const char *key, const char *where) {
  yaml_node_t *n = child(p, parent, key);
  if (!n) {
    TERR(p, parent, "%s needs the key '%s'", where, key);
    return NULL;
  }
  if (n->type != YAML_MAPPING_NODE) {
    TERR(p, n, "'%s' must be a mapping", key);
    return NULL;
  }
  return n;
}

/* Unsigned integer in [lo, hi]. */
static void get_u64(tparse *p, yaml_node_t *map, const char *key, const char *where, uint64_t lo, uint64_t hi,
                    uint64_t *out) {
  yaml_node_t *n = child(p, map, key);
  if (!n) {
    TERR(p, map, "%s needs the key '%s'", where, key);
    return;
  }
  const char *s = scalar(n);
  char *end = NULL;
  errno = 0;
  unsigned long long v = s && *s >= '0' && *s <= '9' ? strtoull(s, &end, 10) : 0;
  if (!s || !end || *end || errno || v < lo || v > hi) {
    TERR(p, n, "'%s' must be an integer from %" PRIu64 " to %" PRIu64 "; got '%s'", key, lo, hi, s ? s : "(not a scalar)");
    return;
  }
  *out = v;
}

static void get_u32(tparse *p, yaml_node_t *map, const char *key, const char *where, uint32_t lo, uint32_t hi,
                    uint32_t *out) {
  uint64_t v = *out;
  get_u64(p, map, key, where, lo, hi, &v);
  *out = (uint32_t)v;
}

static void get_i32(tparse *p, yaml_node_t *map, const char *key, const char *where, int32_t lo, int32_t hi,
                    int32_t *out) {
  yaml_node_t *n = child(p, map, key);
  if (!n) {
    TERR(p, map, "%s needs the key '%s'", where, key);
    return;
  }
  const char *s = scalar(n);
  char *end = NULL;
  errno = 0;
  long v = s ? strtol(s, &end, 10) : 0;
  if (!s || !*s || !end || *end || errno || v < lo || v > hi) {
    TERR(p, n, "'%s' must be an integer from %d to %d; got '%s'", key, lo, hi, s ? s : "(not a scalar)");
    return;
  }
  *out = (int32_t)v;
}

static void get_bool(tparse *p, yaml_node_t *map, const char *key, const char *where, bool *out) {
  yaml_node_t *n = child(p, map, key);
  if (!n) {
    TERR(p, map, "%s needs the key '%s'", where, key);
    return;
  }
  const char *s = scalar(n);
  if (s && strcmp(s, "true") == 0) *out = true;
  else if (s && strcmp(s, "false") == 0) *out = false;
  else TERR(p, n, "'%s' must be true or false; got '%s'", key, s ? s : "(not a scalar)");
}

static void get_str(tparse *p, yaml_node_t *map, const char *key, bool required, char *out, size_t cap) {
  yaml_node_t *n = child(p, map, key);
  if (!n) {
    if (required) TERR(p, map, "the target needs the key '%s'", key);
    return;
  }
  const char *s = scalar(n);
  if (!s || strlen(s) >= cap) {
    TERR(p, n, "'%s' must be a string of at most %zu characters", key, cap - 1);
    return;
  }
  memcpy(out, s, strlen(s) + 1);
}

/* [x, y] with both in [1, hi]. */
static void get_pair(tparse *p, yaml_node_t *map, const char *key, const char *where, uint32_t hi, uint32_t out[2]) {
  yaml_node_t *n = child(p, map, key);
  if (!n) {
    TERR(p, map, "%s needs the key '%s'", where, key);
    return;
  }
  yaml_node_item_t *it = n->type == YAML_SEQUENCE_NODE ? n->data.sequence.items.start : NULL;
  if (!it || n->data.sequence.items.top - it != 2) {
    TERR(p, n, "'%s' must be a list of two integers [x, y]", key);
    return;
  }
  for (int i = 0; i < 2; i++) {
    yaml_node_t *e = yaml_document_get_node(p->doc, it[i]);
    const char *s = scalar(e);
    char *end = NULL;
    unsigned long v = s && *s >= '0' && *s <= '9' ? strtoul(s, &end, 10) : 0;
    if (!s || !end || *end || v < 1 || v > hi) {
      TERR(p, e, "'%s' entries must be integers from 1 to %u; got '%s'", key, hi, s ? s : "(not a scalar)");
      return;
    }
    out[i] = (uint32_t)v;
  }
}

/* ---------------------------------------------------------------- sections */

static void parse_mesh(tparse *p, yaml_node_t *n, map_target *t) {
  static const char *const keys[] = {"chips", "cores", "multicast", NULL};
  check_keys(p, n, "'mesh'", keys);
  get_pair(p, n, "chips", "'mesh'", 1024, t->chips);
  get_pair(p, n, "cores", "'mesh'", 1024, t->cores);
  get_bool(p, n, "multicast", "'mesh'", &t->multicast);
  if (p->errors == 0 && map_target_ncores(t) > (UINT64_C(1) << 24))
    TERR(p, n, "the mesh has %" PRIu64 " cores; at most 16,777,216 are supported", map_target_ncores(t));
}

static void parse_core(tparse *p, yaml_node_t *n, map_target *t) {
  static const char *const keys[] = {
#define MAP_X_KEY(ID, KEY, COL, PHRASE) KEY,
      MAP_RESOURCES(MAP_X_KEY)
#undef MAP_X_KEY
          "astrocyte_compartments",
      NULL};
  check_keys(p, n, "'core'", keys);
  for (int r = 0; r < MAP_RES_COUNT; r++)
    get_u64(p, n, res_key[r], "'core'", r == MAP_RES_ASTRO_SLOTS ? 0 : 1, UINT64_C(1) << 40, &t->limit[r]);
  get_u32(p, n, "astrocyte_compartments", "'core'", 1, 1024, &t->astro_compartments);
}

static void parse_format(tparse *p, yaml_node_t *n, map_target *t) {
  static const char *const keys[] = {"word_bits", "chunk_synapses", "header_bits", "index_bits", "tag_bits",
                                     "delay_bits", NULL};
  const char *w = "'synapse_format'";
  check_keys(p, n, w, keys);
  get_u32(p, n, "word_bits", w, 1, 4096, &t->fmt.word_bits);
  get_u32(p, n, "chunk_synapses", w, 1, 1u << 20, &t->fmt.chunk_synapses);
  get_u32(p, n, "header_bits", w, 0, 4096, &t->fmt.header_bits);
  get_u32(p, n, "index_bits", w, 1, 32, &t->fmt.index_bits);
  get_u32(p, n, "tag_bits", w, 0, 32, &t->fmt.tag_bits);
  get_u32(p, n, "delay_bits", w, 0, 16, &t->fmt.delay_bits_max);
}

static void parse_weights(tparse *p, yaml_node_t *n, map_target *t) {
  static const char *const keys[] = {"bits", "exp_min", "exp_max", NULL};
  check_keys(p, n, "'weights'", keys);
  get_u32(p, n, "bits", "'weights'", 2, 8, &t->weight_bits);
  get_i32(p, n, "exp_min", "'weights'", -16, 16, &t->wexp_min);
  get_i32(p, n, "exp_max", "'weights'", -16, 16, &t->wexp_max);
  if (p->errors == 0 && t->wexp_min > t->wexp_max) TERR(p, n, "'exp_min' must not exceed 'exp_max'");
}

static void parse_target(tparse *p, yaml_node_t *root, map_target *t) {
  static const char *const keys[] = {"astroc_target", "name", "description", "mesh", "core", "synapse_format",
                                     "weights", "delays", "learning", "graded_spikes", NULL};
  check_keys(p, root, "the target", keys);
  uint32_t version = 0;
  get_u32(p, root, "astroc_target", "the target", 1, 1, &version);
  get_str(p, root, "name", true, t->name, sizeof t->name);
  get_str(p, root, "description", false, t->description, sizeof t->description);
  yaml_node_t *n;
  if ((n = need_map(p, root, "mesh", "the target"))) parse_mesh(p, n, t);
  if ((n = need_map(p, root, "core", "the target"))) parse_core(p, n, t);
  if ((n = need_map(p, root, "synapse_format", "the target"))) parse_format(p, n, t);
  if ((n = need_map(p, root, "weights", "the target"))) parse_weights(p, n, t);
  if ((n = need_map(p, root, "delays", "the target"))) {
    static const char *const dk[] = {"max", NULL};
    check_keys(p, n, "'delays'", dk);
    get_u32(p, n, "max", "'delays'", 0, 65535, &t->delay_max);
  }
  if ((n = need_map(p, root, "learning", "the target"))) {
    static const char *const lk[] = {"stdp", "third_factor", NULL};
    check_keys(p, n, "'learning'", lk);
    get_bool(p, n, "stdp", "'learning'", &t->stdp);
    get_bool(p, n, "third_factor", "'learning'", &t->third_factor);
  }
  get_bool(p, root, "graded_spikes", "the target", &t->graded_spikes);
  if (p->errors == 0 && t->delay_max > 0 && map_delay_bits(t->delay_max) > t->fmt.delay_bits_max)
    TERR(p, root, "delays up to %u steps need %u delay bits; 'synapse_format' has %u", t->delay_max,
         map_delay_bits(t->delay_max), t->fmt.delay_bits_max);
}

bool map_target_parse(const char *text, size_t len, const char *filename, map_target *out, ir_diag *d) {
  memset(out, 0, sizeof *out);
  tparse p = {NULL, filename, d, 0};
  yaml_parser_t parser;
  yaml_document_t doc;
  if (!yaml_parser_initialize(&parser)) {
    ir_loc l0 = {filename, 0, 0};
    ir_error(d, l0, "out of memory");
    return false;
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)(text ? text : ""), text ? len : 0);
  if (!yaml_parser_load(&parser, &doc)) {
    ir_loc l = {filename, (uint32_t)parser.problem_mark.line + 1, (uint32_t)parser.problem_mark.column + 1};
    ir_error(d, l, "YAML syntax error: %s", parser.problem ? parser.problem : "unknown");
    yaml_parser_delete(&parser);
    return false;
  }
  p.doc = &doc;
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  if (!root || root->type != YAML_MAPPING_NODE) {
    ir_loc l = root ? node_loc(&p, root) : (ir_loc){filename, 1, 1};
    ir_error(d, l, "a target description must be a mapping with the keys of docs/targets.md");
    p.errors++;
  } else {
    parse_target(&p, root, out);
  }
  yaml_document_delete(&doc);
  yaml_parser_delete(&parser);
  return p.errors == 0;
}

/* ---------------------------------------------------------------- loading */

static bool load_path(const char *path, map_target *out, ir_diag *d) {
  size_t len = 0;
  char *text = ir_read_file(path, &len);
  if (!text) {
    ir_loc l0 = {path, 0, 0};
    ir_error(d, l0, "cannot read the target description: %s", strerror(errno ? errno : EIO));
    return false;
  }
  ir_diag_add_source(d, path, text, len);
  bool ok = map_target_parse(text, len, path, out, d);
  free(text);
  return ok;
}

static bool is_path(const char *s) {
  size_t n = strlen(s);
  return strchr(s, '/') || (n > 5 && strcmp(s + n - 5, ".yaml") == 0);
}

bool map_target_load(const char *name, map_target *out, ir_diag *d) {
  if (is_path(name)) return load_path(name, out, d);
  const char *dirs[2] = {getenv("ASTROC_TARGETS"), ASTROC_TARGETS_DIR};
  char path[4096];
  for (int i = 0; i < 2; i++) {
    if (!dirs[i] || !*dirs[i]) continue;
    snprintf(path, sizeof path, "%s/%s.yaml", dirs[i], name);
    FILE *f = fopen(path, "rb");
    if (!f) continue;
    fclose(f);
    return load_path(path, out, d);
  }
  ir_error(d, (ir_loc){0}, "no target named '%s' (looked in $ASTROC_TARGETS and %s); the built-in targets are "
           "loihi1, loihi2, astro-ice40, astro-sim",
           name, ASTROC_TARGETS_DIR);
  return false;
}
