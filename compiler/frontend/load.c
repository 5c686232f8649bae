/* load.c — the frontend's driver: reads a model file, builds the node tree, declares every name, then
 * runs the section parsers in dependency order and the whole-model checks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fe_internal.h"

static const char *const sections[] = {"astroc",   "network", "neurons", "astrocytes",
                                       "synapses", "inputs",  "probes",  "protocol"};
enum { LANGUAGE_VERSION = 1 };

/* Declares the names of one node section so references may point anywhere in the file. */
static void declare(fe_ctx *c, const char *section, ir_node_kind kind) {
  const fe_node *n = fe_get(c->root, section);
  if (!n || n->kind != FE_MAP) return;
  for (uint32_t i = 0; i < n->n; i++) fe_name_declare(c, n->pairs[i].key, kind);
}

static void check_version(fe_ctx *c) {
  const fe_node *v = fe_get(c->root, "astroc");
  if (!v) {
    ir_error(c->d, c->root->loc, "a model starts with 'astroc: %d' (the language version); it is missing",
             LANGUAGE_VERSION);
    return;
  }
  if (v->kind != FE_SCALAR || strcmp(v->str, "1") != 0)
    ir_error(c->d, v->loc, "unsupported language version '%s': this astroc reads 'astroc: %d'",
             v->kind == FE_SCALAR ? v->str : fe_describe(v), LANGUAGE_VERSION);
}

void fe_check_model(fe_ctx *c) {
  ir_module *m = c->m;
  for (uint32_t g = 0; g < m->ngrids; g++) {
    uint64_t sites = (uint64_t)m->grids[g].shape[0] * m->grids[g].shape[1] * m->grids[g].shape[2], used = 0;
    for (uint32_t i = 0; i < m->npops; i++) {
      if (m->pops[i].grid != (int32_t)g) continue;
      used += m->pops[i].size;
      if (used > sites) {
        ir_error(c->d, m->pops[i].loc, "grid '%s' has %llu sites, but its populations up to '%s' need %llu",
                 m->grids[g].name, (unsigned long long)sites, m->pops[i].name, (unsigned long long)used);
        break;
      }
    }
  }
  for (uint32_t i = 0; i < m->nprojs; i++) {
    const ir_projection *p = &m->projs[i];
    if (p->rule.kind != IR_CONN_DISTANCE) continue;
    int32_t gpre = p->pre.kind == IR_NODE_POPULATION ? m->pops[p->pre.index].grid : -1;
    int32_t gpost = m->pops[p->post.index].grid;
    if (gpre < 0 || gpost < 0 || gpre != gpost)
      ir_error(c->d, p->rule.loc,
               "the distance rule of projection '%s' needs pre and post populations laid out on the same grid "
               "('layout:')",
               p->name);
  }
}

static void parse_sections(fe_ctx *c) {
  const fe_node *root = c->root;
  fe_check_keys(c, root, sections, sizeof sections / sizeof sections[0], "the model");
  check_version(c);
  declare(c, "neurons", IR_NODE_POPULATION);
  declare(c, "astrocytes", IR_NODE_ASTROCYTE);
  declare(c, "synapses", IR_NODE_PROJECTION);
  declare(c, "inputs", IR_NODE_INPUT);
  declare(c, "probes", IR_NODE_PROBE);
  const fe_node *v;
  if ((v = fe_get(root, "network")) && !fe_is_null(v)) fe_section_network(c, v);
  fe_section_neurons(c, fe_get(root, "neurons"));
  fe_section_inputs(c, fe_get(root, "inputs"));
  fe_section_astrocytes(c, fe_get(root, "astrocytes"), false);
  fe_section_synapses(c, fe_get(root, "synapses"));
  fe_section_astrocytes(c, fe_get(root, "astrocytes"), true);
  fe_section_probes(c, fe_get(root, "probes"));
  fe_section_protocol(c, fe_get(root, "protocol"));
  fe_check_model(c);
}

/* The file name without folders and without its last extension. */
static char *stem(const char *filename) {
  const char *base = strrchr(filename, '/');
  base = base ? base + 1 : filename;
  const char *dot = strrchr(base, '.');
  size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
  char *s = malloc(n + 1);
  if (s) {
    memcpy(s, base, n);
    s[n] = '\0';
  }
  return s;
}

ir_module *fe_yaml_parse(const char *text, size_t len, const char *filename, const char *basedir, ir_diag *d) {
  if (!filename) filename = "<input>";
  if (!text) len = 0, text = ""; /* libyaml asserts on a NULL buffer */
  unsigned errors = ir_diag_error_count(d);
  char *name = stem(filename);
  ir_module *m = ir_module_create(name && *name ? name : "model");
  free(name);
  fe_ctx c = {0};
  c.tmp = ir_arena_create();
  if (!m || !c.tmp) {
    ir_error(d, fe_loc(filename, 0, 0), "out of memory");
    ir_module_destroy(m);
    ir_arena_destroy(c.tmp);
    return NULL;
  }
  c.m = m;
  c.d = d;
  c.file = ir_arena_strdup(m->arena, filename);
  c.basedir = basedir ? basedir : ".";
  m->loc = fe_loc(c.file, 1, 1);
  fe_node *root = NULL;
  fe_tree_build(text, len, c.file, c.tmp, d, &root);
  c.root = root;
  if (!root && ir_diag_error_count(d) == errors)
    ir_error(d, fe_loc(c.file, 1, 1), "empty model: expected a mapping starting with 'astroc: %d'", LANGUAGE_VERSION);
  else if (root && root->kind != FE_MAP)
    ir_error(d, root->loc, "a model must be a mapping of sections (astroc, network, neurons, ...), got %s",
             fe_describe(root));
  else if (root)
    parse_sections(&c);
  free(c.names);
  ir_arena_destroy(c.tmp);
  if (ir_diag_error_count(d) != errors) {
    ir_module_destroy(m);
    return NULL;
  }
  return m;
}

ir_module *fe_yaml_load(const char *path, ir_diag *d) {
  size_t len = 0;
  char *text = ir_read_file(path, &len);
  if (!text) {
    ir_error(d, fe_loc(path, 0, 0), "cannot read the model: %s", strerror(errno ? errno : ENOMEM));
    return NULL;
  }
  ir_diag_add_source(d, path, text, len);
  const char *slash = strrchr(path, '/');
  char *dir = slash ? malloc((size_t)(slash - path) + 2) : NULL;
  if (dir) {
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    memcpy(dir, path, n);
    dir[n] = '\0';
  }
  ir_module *m = fe_yaml_parse(text, len, path, dir ? dir : ".", d);
  free(dir);
  free(text);
  return m;
}
