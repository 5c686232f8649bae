/* fe_internal.h — types shared by the frontend's files: the YAML node tree with source marks, the
 * parse context, and the checked accessors every section parser uses. Not part of the public API. */
#ifndef ASTROC_FE_INTERNAL_H
#define ASTROC_FE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fe.h"
#include "ir.h"

static inline ir_loc fe_loc(const char *file, uint32_t line, uint32_t col) {
  ir_loc l = {file, line, col};
  return l;
}

/* ================================================================ YAML node tree (yaml_tree.c) */

typedef enum fe_kind { FE_SCALAR, FE_SEQ, FE_MAP } fe_kind;

typedef struct fe_node fe_node;
typedef struct fe_pair {
  fe_node *key; /* always a scalar */
  fe_node *value;
} fe_pair;

struct fe_node {
  fe_kind kind;
  ir_loc loc;      /* 1-based line/col of the node's first character */
  const char *str; /* FE_SCALAR: NUL-terminated text */
  bool plain;      /* FE_SCALAR: unquoted (so `~`, `null`, `true` keep their YAML meaning) */
  fe_node **items; /* FE_SEQ */
  fe_pair *pairs;  /* FE_MAP, in document order */
  uint32_t n;      /* number of items or pairs */
};

/* Parses `text` into a tree allocated in `arena`. Syntax errors, duplicate keys, non-scalar keys and
 * several documents are reported through d. *root is NULL for an empty document. Returns false if
 * any error was reported. */
bool fe_tree_build(const char *text, size_t len, const char *file, ir_arena *arena, ir_diag *d, fe_node **root);

/* ================================================================ context */

/* Every node name of the model, collected before any section is built so references can point
 * forward and did-you-mean can see every name. */
typedef struct fe_name {
  const char *name;
  ir_node_kind kind;
  ir_loc loc;
  int32_t index; /* index in the module once built, -1 before or when building it failed */
} fe_name;

typedef struct fe_ctx {
  ir_module *m;
  ir_diag *d;
  const char *file;    /* arena-owned copy of the file name used in locations */
  const char *basedir; /* folder relative paths resolve against */
  ir_arena *tmp;       /* tree and scratch strings; freed when parsing ends */
  fe_name *names;      /* malloc'd */
  uint32_t nnames, cap_names;
  const fe_node *root;
  unsigned errors_at_start;
} fe_ctx;

/* ================================================================ checked accessors (access.c) */

const char *fe_describe(const fe_node *n); /* "a mapping", "a sequence", "a number", "nothing" ... */
bool fe_is_null(const fe_node *n);
const fe_node *fe_get(const fe_node *map, const char *key);
const fe_node *fe_key_of(const fe_node *map, const char *key); /* the key node, or NULL */

/* Each reports an error naming `what` (e.g. "'neurons'", "population 'exc'") and returns false when
 * `n` is not of the expected YAML kind. */
bool fe_expect_map(fe_ctx *c, const fe_node *n, const char *what);
bool fe_expect_seq(fe_ctx *c, const fe_node *n, const char *what);
bool fe_expect_scalar(fe_ctx *c, const fe_node *n, const char *what);

/* Reports every key of `map` not in allowed[0..n) as unknown (with a did-you-mean); `what` names
 * the mapping. Returns false if there was one. */
bool fe_check_keys(fe_ctx *c, const fe_node *map, const char *const *allowed, size_t n, const char *what);
/* Returns map[key], or reports "`what` needs a 'key' key" at `where` and returns NULL. */
const fe_node *fe_require(fe_ctx *c, const fe_node *map, const char *key, const char *what, ir_loc where);

/* Scalars. `what` names the value in messages, e.g. "'size'". */
bool fe_uint(fe_ctx *c, const fe_node *n, const char *what, uint64_t min, uint64_t max, uint64_t *out);
bool fe_number(fe_ctx *c, const fe_node *n, const char *what, double *out);
bool fe_bool(fe_ctx *c, const fe_node *n, const char *what, bool *out);
/* One of options[0..nopt); *out is its index. Unknown words get a did-you-mean. */
bool fe_enum(fe_ctx *c, const fe_node *n, const char *what, const char *const *options, size_t nopt, int *out);
/* A node name: [A-Za-z_][A-Za-z0-9_]*. */
bool fe_valid_name(const char *s);
bool fe_name_scalar(fe_ctx *c, const fe_node *n, const char *what, const char **out);

/* ================================================================ quantities and values (values.c) */

/* Strict decimal number at the start of s (no hex, inf, nan); *end points after it. */
bool fe_parse_number(const char *s, double *out, const char **end);
/* A quantity "NUMBER UNIT" of dimension `dim` (a bare number when dim is dimensionless), converted to
 * canonical units. */
bool fe_quantity(fe_ctx *c, const fe_node *n, const char *what, ir_dim dim, double *out);
/* A value: a quantity or {uniform: [a, b]} | {normal: {mean, sd, min?, max?}} | {choice: [...]}; every
 * constant must lie in [min, max]. Choice arrays are allocated in the module arena. */
bool fe_value(fe_ctx *c, const fe_node *n, const char *what, ir_dim dim, double min, double max, ir_value *out);
/* A quantity in [min, max] (no distribution). */
bool fe_quantity_in(fe_ctx *c, const fe_node *n, const char *what, ir_dim dim, double min, double max, double *out);
/* "20 ms", "-3 mV", "0.5": a number in canonical units printed back with its unit, for messages. */
void fe_format_quantity(char *buf, size_t size, double v, ir_dim dim);

/* A `params:` mapping against a model's table: unknown names, dimensions, ranges. `owner` names the
 * node ("population 'exc'"). params[] already holds the defaults. */
bool fe_params(fe_ctx *c, const fe_node *map, const ir_model_desc *desc, const char *owner, ir_value *params);

/* ================================================================ names and references (names.c) */

/* Registers a node name; reports invalid and duplicate names. Returns false on error. */
bool fe_name_declare(fe_ctx *c, const fe_node *key, ir_node_kind kind);
fe_name *fe_name_find(fe_ctx *c, const char *name);
/* True if `key` is the declaration the name table kept (not a duplicate or an invalid name). */
bool fe_name_owns(fe_ctx *c, const fe_node *key, ir_node_kind kind);
void fe_name_built(fe_ctx *c, const char *name, int32_t index);
/* Resolves a reference: `n` must name a node whose kind is in `kinds` (a bit mask of 1u << kind).
 * `what` describes the reference ("'post'"), `expected` the allowed kinds ("a population"). Reports
 * unknown names (with did-you-mean) and wrong kinds. Returns false without a message when the node
 * exists but failed to build (its error is already reported). */
bool fe_resolve(fe_ctx *c, const fe_node *n, const char *what, unsigned kinds, const char *expected, ir_ref *out);
#define FE_K(kind) (1u << (kind))

/* Resolves `path` (relative to the model file's folder unless absolute) into the module arena. */
const char *fe_resolve_path(fe_ctx *c, const char *path);
/* Checks that a `file:` exists, is readable and starts with the CSV header `header`. */
bool fe_check_csv(fe_ctx *c, const fe_node *n, const char *path, const char *header);

/* ================================================================ sections */

bool fe_section_network(fe_ctx *c, const fe_node *n);                /* sec_network.c: network: and grids */
bool fe_section_neurons(fe_ctx *c, const fe_node *n);                /* sec_neurons.c */
bool fe_section_astrocytes(fe_ctx *c, const fe_node *n, bool links); /* sec_astrocytes.c; links:
                                                          second pass for listen/modulates */
bool fe_section_inputs(fe_ctx *c, const fe_node *n);                 /* sec_inputs.c */
bool fe_section_synapses(fe_ctx *c, const fe_node *n);               /* sec_synapses.c */
bool fe_section_probes(fe_ctx *c, const fe_node *n);                 /* sec_probes.c */
bool fe_section_protocol(fe_ctx *c, const fe_node *n);               /* sec_protocol.c */
/* Whole-model checks that need every section: grid occupancy, distance rules. */
void fe_check_model(fe_ctx *c);

/* Formats into a scratch buffer owned by the context's arena (for composing `what` strings). */
const char *fe_fmt(fe_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
