/* yaml_tree.c — libyaml's document API to the frontend's node tree: marks become 1-based locations,
 * syntax errors, duplicate keys, non-scalar keys and extra documents become diagnostics. */
#include <string.h>
#include <yaml.h>

#include "fe_internal.h"

/* Aliases share nodes in libyaml's document, so a small file can expand exponentially (or even
 * refer to itself); both limits keep any input bounded. */
enum { MAX_DEPTH = 64, MAX_NODES = 200000 };

typedef struct builder {
  yaml_document_t *doc;
  const char *file;
  ir_arena *arena;
  ir_diag *d;
  uint32_t nodes;
  bool failed, limit_reported;
} builder;

static ir_loc mark_loc(const char *file, yaml_mark_t m) {
  return fe_loc(file, (uint32_t)m.line + 1, (uint32_t)m.column + 1);
}

/* Line and column of a byte offset, for reader errors that only know the offset. */
static ir_loc offset_loc(const char *file, const char *text, size_t len, size_t off) {
  ir_loc loc = {file, 1, 1};
  for (size_t i = 0; i < off && i < len; i++) {
    if (text[i] == '\n') {
      loc.line++;
      loc.col = 1;
    } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
      loc.col++;
    }
  }
  return loc;
}

static void report_syntax(const yaml_parser_t *p, const char *file, const char *text, size_t len, ir_diag *d) {
  const char *problem = p->problem ? p->problem : "malformed YAML";
  if (p->error == YAML_READER_ERROR) {
    ir_error(d, offset_loc(file, text, len, p->problem_offset), "invalid text: %s (the file must be UTF-8)", problem);
    return;
  }
  if (p->error == YAML_MEMORY_ERROR) {
    ir_error(d, fe_loc(file, 0, 0), "out of memory while reading YAML");
    return;
  }
  ir_loc loc = mark_loc(file, p->problem_mark);
  size_t off = p->problem_mark.index;
  bool tab = off < len && text[off] == '\t';
  const char *hint = tab ? " (tabs are not allowed in YAML indentation; indent with spaces)" : "";
  if (p->context)
    ir_error(d, loc, "YAML syntax error: %s %s (line %u)%s", problem, p->context, (unsigned)p->context_mark.line + 1,
             hint);
  else
    ir_error(d, loc, "YAML syntax error: %s%s", problem, hint);
}

static fe_node *convert(builder *b, yaml_node_t *yn, unsigned depth);

static fe_node *new_node(builder *b, fe_kind kind, yaml_node_t *yn) {
  if (b->nodes >= MAX_NODES || !b->arena) {
    if (!b->limit_reported)
      ir_error(b->d, mark_loc(b->file, yn->start_mark), "the document expands to more than %d YAML nodes (aliases?)",
               MAX_NODES);
    b->limit_reported = b->failed = true;
    return NULL;
  }
  fe_node *n = ir_arena_alloc(b->arena, sizeof *n);
  if (!n) return NULL;
  b->nodes++;
  n->kind = kind;
  n->loc = mark_loc(b->file, yn->start_mark);
  return n;
}

static fe_node *convert_scalar(builder *b, yaml_node_t *yn) {
  fe_node *n = new_node(b, FE_SCALAR, yn);
  if (!n) return NULL;
  n->str = ir_arena_strndup(b->arena, (const char *)yn->data.scalar.value, yn->data.scalar.length);
  n->plain = yn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
  if (!n->str) n->str = "";
  return n;
}

static fe_node *convert_seq(builder *b, yaml_node_t *yn, unsigned depth) {
  fe_node *n = new_node(b, FE_SEQ, yn);
  if (!n) return NULL;
  size_t count = (size_t)(yn->data.sequence.items.top - yn->data.sequence.items.start);
  n->items = count ? ir_arena_alloc(b->arena, count * sizeof *n->items) : NULL;
  if (count && !n->items) return NULL;
  for (size_t i = 0; i < count; i++) {
    yaml_node_t *child = yaml_document_get_node(b->doc, yn->data.sequence.items.start[i]);
    fe_node *c = child ? convert(b, child, depth + 1) : NULL;
    if (!c) return NULL;
    n->items[n->n++] = c;
  }
  return n;
}

static fe_node *convert_map(builder *b, yaml_node_t *yn, unsigned depth) {
  fe_node *n = new_node(b, FE_MAP, yn);
  if (!n) return NULL;
  size_t count = (size_t)(yn->data.mapping.pairs.top - yn->data.mapping.pairs.start);
  n->pairs = count ? ir_arena_alloc(b->arena, count * sizeof *n->pairs) : NULL;
  if (count && !n->pairs) return NULL;
  for (size_t i = 0; i < count; i++) {
    yaml_node_pair_t *yp = &yn->data.mapping.pairs.start[i];
    yaml_node_t *yk = yaml_document_get_node(b->doc, yp->key);
    yaml_node_t *yv = yaml_document_get_node(b->doc, yp->value);
    if (!yk || !yv) return NULL;
    if (yk->type != YAML_SCALAR_NODE) {
      ir_error(b->d, mark_loc(b->file, yk->start_mark), "a mapping key must be a plain name, not a %s",
               yk->type == YAML_MAPPING_NODE ? "mapping" : "sequence");
      b->failed = true;
      continue;
    }
    fe_node *k = convert_scalar(b, yk);
    if (!k) return NULL;
    bool dup = false;
    for (uint32_t j = 0; j < n->n && !dup; j++) {
      if (strcmp(n->pairs[j].key->str, k->str) == 0) {
        ir_error(b->d, k->loc, "duplicate key '%s' (first given at line %u)", k->str, n->pairs[j].key->loc.line);
        b->failed = dup = true;
      }
    }
    fe_node *v = convert(b, yv, depth + 1);
    if (!v) return NULL;
    if (!dup) n->pairs[n->n++] = (fe_pair){k, v};
  }
  return n;
}

static fe_node *convert(builder *b, yaml_node_t *yn, unsigned depth) {
  if (depth > MAX_DEPTH) {
    if (!b->limit_reported)
      ir_error(b->d, mark_loc(b->file, yn->start_mark), "YAML nested more than %d levels deep (recursive alias?)",
               MAX_DEPTH);
    b->limit_reported = b->failed = true;
    return NULL;
  }
  switch (yn->type) {
  case YAML_SCALAR_NODE: return convert_scalar(b, yn);
  case YAML_SEQUENCE_NODE: return convert_seq(b, yn, depth);
  case YAML_MAPPING_NODE: return convert_map(b, yn, depth);
  default: break;
  }
  return NULL;
}

/* A second document after the first is an error: a model is one document. */
static bool check_single_document(yaml_parser_t *p, const char *file, const char *text, size_t len, ir_diag *d) {
  yaml_document_t extra;
  if (!yaml_parser_load(p, &extra)) {
    report_syntax(p, file, text, len, d);
    return false;
  }
  yaml_node_t *root = yaml_document_get_root_node(&extra);
  bool ok = root == NULL;
  if (!ok) ir_error(d, mark_loc(file, extra.start_mark), "a model file holds one YAML document; found a second");
  yaml_document_delete(&extra);
  return ok;
}

bool fe_tree_build(const char *text, size_t len, const char *file, ir_arena *arena, ir_diag *d, fe_node **root) {
  *root = NULL;
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    ir_error(d, fe_loc(file, 0, 0), "out of memory while reading YAML");
    return false;
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  yaml_document_t doc;
  if (!yaml_parser_load(&parser, &doc)) {
    report_syntax(&parser, file, text, len, d);
    yaml_parser_delete(&parser);
    return false;
  }
  builder b = {&doc, file, arena, d, 0, false, false};
  yaml_node_t *yroot = yaml_document_get_root_node(&doc);
  bool ok = true;
  if (yroot) {
    *root = convert(&b, yroot, 0);
    ok = *root != NULL && !b.failed;
    if (!*root && !b.failed) ir_error(d, fe_loc(file, 0, 0), "out of memory while reading YAML");
    if (!check_single_document(&parser, file, text, len, d)) ok = false;
  }
  yaml_document_delete(&doc);
  yaml_parser_delete(&parser);
  return ok;
}
