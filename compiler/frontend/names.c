/* names.c — the model's name table (one namespace across all sections), reference resolution with
 * did-you-mean and kind checks, and `file:` paths. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fe_internal.h"

static const char *article_kind(ir_node_kind k) {
  static const char *const names[] = {"a population", "an astrocyte", "an input", "a projection", "a probe", "a grid"};
  return (unsigned)k < IR_NODE_KIND_COUNT ? names[k] : "a node";
}

fe_name *fe_name_find(fe_ctx *c, const char *name) {
  for (uint32_t i = 0; i < c->nnames; i++)
    if (!strcmp(c->names[i].name, name)) return &c->names[i];
  return NULL;
}

bool fe_name_declare(fe_ctx *c, const fe_node *key, ir_node_kind kind) {
  if (!fe_valid_name(key->str)) {
    ir_error(c->d, key->loc, "invalid name '%s': use letters, digits and '_', not starting with a digit", key->str);
    return false;
  }
  const fe_name *prev = fe_name_find(c, key->str);
  if (prev) {
    ir_error(c->d, key->loc, "duplicate name '%s': already defined as %s at line %u", key->str,
             article_kind(prev->kind), prev->loc.line);
    return false;
  }
  if (c->nnames == c->cap_names) {
    uint32_t cap = c->cap_names ? 2 * c->cap_names : 16;
    fe_name *grown = realloc(c->names, cap * sizeof *grown);
    if (!grown) return false;
    c->names = grown;
    c->cap_names = cap;
  }
  c->names[c->nnames++] = (fe_name){key->str, kind, key->loc, -1};
  return true;
}

void fe_name_built(fe_ctx *c, const char *name, int32_t index) {
  fe_name *n = fe_name_find(c, name);
  if (n) n->index = index;
}

bool fe_resolve(fe_ctx *c, const fe_node *n, const char *what, unsigned kinds, const char *expected, ir_ref *out) {
  if (!fe_expect_scalar(c, n, what)) return false;
  const fe_name *name = fe_name_find(c, n->str);
  if (!name) {
    /* Prefer candidates of the right kind; fall back to every name. */
    const char **cand = malloc((c->nnames + 1) * sizeof *cand);
    const char *near = NULL;
    if (cand) {
      size_t k = 0;
      for (uint32_t i = 0; i < c->nnames; i++)
        if (kinds & FE_K(c->names[i].kind)) cand[k++] = c->names[i].name;
      near = ir_did_you_mean(n->str, cand, k);
      if (!near) {
        for (uint32_t i = k = 0; i < c->nnames; i++) cand[k++] = c->names[i].name;
        near = ir_did_you_mean(n->str, cand, k);
      }
      free(cand);
    }
    if (near)
      ir_error(c->d, n->loc, "%s: unknown name '%s' (did you mean '%s'?)", what, n->str, near);
    else
      ir_error(c->d, n->loc, "%s: unknown name '%s'; expected %s", what, n->str, expected);
    return false;
  }
  if (!(kinds & FE_K(name->kind))) {
    ir_error(c->d, n->loc, "%s: '%s' is %s, but it must be %s", what, n->str, article_kind(name->kind), expected);
    return false;
  }
  if (name->index < 0) return false; /* its definition failed and was reported */
  *out = (ir_ref){name->kind, (uint32_t)name->index};
  return true;
}

const char *fe_resolve_path(fe_ctx *c, const char *path) {
  if (path[0] == '/' || !c->basedir || !*c->basedir) return ir_arena_strdup(c->m->arena, path);
  size_t n = strlen(c->basedir) + strlen(path) + 2;
  char *buf = malloc(n);
  if (!buf) return NULL;
  snprintf(buf, n, "%s/%s", c->basedir, path);
  const char *s = ir_arena_strdup(c->m->arena, buf);
  free(buf);
  return s;
}

bool fe_check_csv(fe_ctx *c, const fe_node *n, const char *path, const char *header) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    ir_error(c->d, n->loc, "cannot open '%s' (resolved to '%s'); paths are relative to the model file's folder", n->str,
             path);
    return false;
  }
  char line[256];
  bool ok = fgets(line, sizeof line, f) != NULL;
  fclose(f);
  if (ok) {
    line[strcspn(line, "\r\n")] = '\0';
    char compact[256];
    size_t k = 0;
    for (const char *p = line; *p && k + 1 < sizeof compact; p++)
      if (*p != ' ') compact[k++] = *p;
    compact[k] = '\0';
    ok = !strcmp(compact, header);
  }
  if (!ok) ir_error(c->d, n->loc, "'%s' must be a CSV file whose first line is the header '%s'", n->str, header);
  return ok;
}

bool fe_name_owns(fe_ctx *c, const fe_node *key, ir_node_kind kind) {
  const fe_name *n = fe_name_find(c, key->str);
  return n && n->kind == kind && n->loc.line == key->loc.line && n->loc.col == key->loc.col;
}
