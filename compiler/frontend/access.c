/* access.c — checked access to the node tree: YAML kinds, allowed and required keys, integers,
 * numbers, booleans, enumerations and names, each with a located, specific message. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fe_internal.h"

const char *fe_fmt(fe_ctx *c, const char *fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  const char *s = ir_arena_strdup(c->tmp, buf);
  return s ? s : "?";
}

bool fe_is_null(const fe_node *n) {
  if (!n || n->kind != FE_SCALAR || !n->plain) return n == NULL;
  const char *s = n->str;
  return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

static bool looks_numeric(const char *s) {
  if (*s == '+' || *s == '-') s++;
  return (*s >= '0' && *s <= '9') || (*s == '.' && s[1] >= '0' && s[1] <= '9');
}

const char *fe_describe(const fe_node *n) {
  if (fe_is_null(n)) return "nothing";
  if (n->kind == FE_MAP) return "a mapping";
  if (n->kind == FE_SEQ) return "a sequence";
  if (looks_numeric(n->str)) return strchr(n->str, ' ') ? "a quantity" : "a number";
  return "a string";
}

const fe_node *fe_key_of(const fe_node *map, const char *key) {
  if (!map || map->kind != FE_MAP) return NULL;
  for (uint32_t i = 0; i < map->n; i++)
    if (strcmp(map->pairs[i].key->str, key) == 0) return map->pairs[i].key;
  return NULL;
}

const fe_node *fe_get(const fe_node *map, const char *key) {
  if (!map || map->kind != FE_MAP) return NULL;
  for (uint32_t i = 0; i < map->n; i++)
    if (strcmp(map->pairs[i].key->str, key) == 0) return map->pairs[i].value;
  return NULL;
}

static bool expect(fe_ctx *c, const fe_node *n, fe_kind kind, const char *what, const char *expected) {
  if (n && n->kind == kind && !(kind == FE_SCALAR && fe_is_null(n))) return true;
  ir_loc loc = n ? n->loc : fe_loc(c->file, 0, 0);
  ir_error(c->d, loc, "%s must be %s, got %s", what, expected, fe_describe(n));
  return false;
}

bool fe_expect_map(fe_ctx *c, const fe_node *n, const char *what) { return expect(c, n, FE_MAP, what, "a mapping"); }
bool fe_expect_seq(fe_ctx *c, const fe_node *n, const char *what) { return expect(c, n, FE_SEQ, what, "a sequence"); }
bool fe_expect_scalar(fe_ctx *c, const fe_node *n, const char *what) {
  return expect(c, n, FE_SCALAR, what, "a single value");
}

bool fe_check_keys(fe_ctx *c, const fe_node *map, const char *const *allowed, size_t n, const char *what) {
  bool ok = true;
  for (uint32_t i = 0; map && map->kind == FE_MAP && i < map->n; i++) {
    const fe_node *k = map->pairs[i].key;
    bool known = false;
    for (size_t j = 0; j < n && !known; j++) known = strcmp(k->str, allowed[j]) == 0;
    if (known) continue;
    const char *near = ir_did_you_mean(k->str, allowed, n);
    if (near)
      ir_error(c->d, k->loc, "unknown key '%s' in %s (did you mean '%s'?)", k->str, what, near);
    else {
      char list[256] = "";
      size_t used = 0;
      for (size_t j = 0; j < n && used < sizeof list; j++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "", allowed[j]);
      ir_error(c->d, k->loc, "unknown key '%s' in %s (expected one of: %s)", k->str, what, list);
    }
    ok = false;
  }
  return ok;
}

const fe_node *fe_require(fe_ctx *c, const fe_node *map, const char *key, const char *what, ir_loc where) {
  const fe_node *v = fe_get(map, key);
  if (v) return v;
  ir_error(c->d, where, "%s needs a '%s' key", what, key);
  return NULL;
}

bool fe_uint(fe_ctx *c, const fe_node *n, const char *what, uint64_t min, uint64_t max, uint64_t *out) {
  if (!fe_expect_scalar(c, n, what)) return false;
  const char *s = n->str;
  if (*s == '+') s++;
  bool digits = *s >= '0' && *s <= '9';
  for (const char *p = s; *p && digits; p++) digits = *p >= '0' && *p <= '9';
  errno = 0;
  unsigned long long v = digits ? strtoull(s, NULL, 10) : 0;
  if (!digits || errno == ERANGE) {
    ir_error(c->d, n->loc, "%s must be a whole number, got '%s'", what, n->str);
    return false;
  }
  if (v < min || v > max) {
    if (max == UINT64_MAX)
      ir_error(c->d, n->loc, "%s must be >= %llu, got %llu", what, (unsigned long long)min, v);
    else
      ir_error(c->d, n->loc, "%s must be between %llu and %llu, got %llu", what, (unsigned long long)min,
               (unsigned long long)max, v);
    return false;
  }
  *out = v;
  return true;
}

/* Strict number syntax: decimal, optional sign, fraction and exponent; no hex, inf or nan. */
bool fe_parse_number(const char *s, double *out, const char **end) {
  const char *p = s;
  if (*p == '+' || *p == '-') p++;
  bool digits = false;
  while (*p >= '0' && *p <= '9') p++, digits = true;
  if (*p == '.') {
    p++;
    while (*p >= '0' && *p <= '9') p++, digits = true;
  }
  if (!digits) return false;
  if (*p == 'e' || *p == 'E') {
    const char *q = p + 1;
    if (*q == '+' || *q == '-') q++;
    if (*q >= '0' && *q <= '9') {
      while (*q >= '0' && *q <= '9') q++;
      p = q;
    }
  }
  char buf[64];
  size_t len = (size_t)(p - s);
  if (len >= sizeof buf) return false;
  memcpy(buf, s, len);
  buf[len] = '\0';
  double v = strtod(buf, NULL);
  if (!isfinite(v)) return false;
  *out = v;
  *end = p;
  return true;
}

bool fe_number(fe_ctx *c, const fe_node *n, const char *what, double *out) {
  if (!fe_expect_scalar(c, n, what)) return false;
  const char *end;
  if (!fe_parse_number(n->str, out, &end) || *end) {
    ir_error(c->d, n->loc, "%s must be a number, got '%s'", what, n->str);
    return false;
  }
  return true;
}

bool fe_bool(fe_ctx *c, const fe_node *n, const char *what, bool *out) {
  if (!fe_expect_scalar(c, n, what)) return false;
  static const char *const t[] = {"true", "True", "TRUE"}, *const f[] = {"false", "False", "FALSE"};
  for (int i = 0; i < 3; i++) {
    if (!strcmp(n->str, t[i])) return *out = true, true;
    if (!strcmp(n->str, f[i])) return *out = false, true;
  }
  ir_error(c->d, n->loc, "%s must be true or false, got '%s'", what, n->str);
  return false;
}

bool fe_enum(fe_ctx *c, const fe_node *n, const char *what, const char *const *options, size_t nopt, int *out) {
  if (!fe_expect_scalar(c, n, what)) return false;
  for (size_t i = 0; i < nopt; i++)
    if (!strcmp(n->str, options[i])) return *out = (int)i, true;
  const char *near = ir_did_you_mean(n->str, options, nopt);
  char list[256] = "";
  size_t used = 0;
  for (size_t j = 0; j < nopt && used < sizeof list; j++)
    used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "", options[j]);
  if (near)
    ir_error(c->d, n->loc, "unknown %s '%s' (did you mean '%s'?)", what, n->str, near);
  else
    ir_error(c->d, n->loc, "unknown %s '%s' (expected one of: %s)", what, n->str, list);
  return false;
}

bool fe_valid_name(const char *s) {
  if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_')) return false;
  for (s++; *s; s++)
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return false;
  return true;
}

bool fe_name_scalar(fe_ctx *c, const fe_node *n, const char *what, const char **out) {
  if (!fe_expect_scalar(c, n, what)) return false;
  if (!fe_valid_name(n->str)) {
    ir_error(c->d, n->loc, "%s must be a name of letters, digits and '_' not starting with a digit, got '%s'", what,
             n->str);
    return false;
  }
  *out = n->str;
  return true;
}
