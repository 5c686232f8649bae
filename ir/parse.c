/* parse.c — reads the textual form printed by print.c back into a module (grammar: docs/ir.md).
 *
 * Two passes over the text. The first collects the names of all nodes (column-1 lines
 * "KIND @NAME ...") so references may point forward (an astrocyte modulates projections printed
 * after it). The second builds the module, resolving each @name as it meets it. Errors stop the
 * parse at the first one: "FILE:LINE:COL: error: expected ..., got ...". Every read is bounded by
 * the text's length; allocations driven by the input are bounded by its size (or by
 * IR_PARSE_MAX_ROWS for CSR row pointers).
 */
#include "ir.h"

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* A CSR's row-pointer array is the one allocation not proportional to the text (empty rows are
 * not printed): cap it. 2^26 presynaptic neurons is far beyond what astroc targets. */
#define IR_PARSE_MAX_ROWS (1u << 26)

typedef struct name_entry {
  const char *name;
  ir_ref ref;
  uint32_t line;
} name_entry;

typedef struct name_table {
  name_entry *v;
  size_t n, cap;
} name_table;

typedef struct parser {
  const char *p, *end, *line_start;
  uint32_t line;
  const char *file; /* arena copy of the filename, used in every location */
  ir_diag *d;
  ir_module *m;
  bool failed, quiet;
  name_table nodes; /* population, astrocyte, input, projection, probe */
  name_table grids;
  uint32_t counts[IR_NODE_KIND_COUNT]; /* nodes named so far, per kind (first pass) */
  const char *loc_file;                /* last location file, interned */
} parser;

/* ---------------------------------------------------------------- small vectors (malloc'd) */

static bool vec_push(void **v, size_t *n, size_t *cap, size_t elem, const void *x) {
  if (*n == *cap) {
    size_t ncap = *cap ? *cap * 2 : 16;
    void *g = realloc(*v, ncap * elem);
    if (!g) return false;
    *v = g;
    *cap = ncap;
  }
  memcpy((char *)*v + *n * elem, x, elem);
  (*n)++;
  return true;
}

/* ---------------------------------------------------------------- cursor and errors */

static int peek(const parser *ps) { return ps->p < ps->end ? (unsigned char)*ps->p : -1; }
static int peek_at(const parser *ps, size_t k) {
  return (size_t)(ps->end - ps->p) > k ? (unsigned char)ps->p[k] : -1;
}

static void adv(parser *ps) {
  if (ps->p >= ps->end) return;
  if (*ps->p == '\n') {
    ps->line++;
    ps->line_start = ps->p + 1;
  }
  ps->p++;
}

static ir_loc here(const parser *ps) {
  return (ir_loc){ps->file, ps->line, (uint32_t)(ps->p - ps->line_start) + 1};
}

static bool fail(parser *ps, ir_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(parser *ps, ir_loc loc, const char *fmt, ...) {
  if (!ps->failed && !ps->quiet) {
    va_list ap;
    va_start(ap, fmt);
    ir_diag_vreport(ps->d, IR_SEV_ERROR, loc, fmt, ap);
    va_end(ap);
  }
  ps->failed = true;
  return false;
}

/* A short description of what is at the cursor, for "expected X, got Y". */
static const char *found(const parser *ps, char *buf, size_t n) {
  int c = peek(ps);
  if (c < 0) return "end of file";
  if (c == '\n' || c == '\r') return "end of line";
  size_t k = 0;
  while (ps->p + k < ps->end && k < 16 && ps->p[k] != ' ' && ps->p[k] != '\n' && ps->p[k] != '\t' &&
         ps->p[k] != '\r')
    k++;
  if (k == 0) k = 1;
  snprintf(buf, n, "'");
  for (size_t i = 0; i < k && strlen(buf) + 5 < n; i++) {
    unsigned char ch = (unsigned char)ps->p[i];
    size_t l = strlen(buf);
    if (ch < 0x20 || ch >= 0x7f) snprintf(buf + l, n - l, "\\x%02x", ch);
    else snprintf(buf + l, n - l, "%c", ch);
  }
  strncat(buf, "'", n - strlen(buf) - 1);
  return buf;
}

static bool expected(parser *ps, const char *what) {
  char buf[96];
  return fail(ps, here(ps), "expected %s, got %s", what, found(ps, buf, sizeof buf));
}

static void skip_blank(parser *ps) {
  while (peek(ps) == ' ' || peek(ps) == '\t') adv(ps);
}

/* Inside brackets and parentheses, newlines are blanks too. */
static void skip_ws(parser *ps) {
  while (peek(ps) == ' ' || peek(ps) == '\t' || peek(ps) == '\n' || peek(ps) == '\r') adv(ps);
}

static bool at_eol(const parser *ps) {
  int c = peek(ps);
  return c < 0 || c == '\n' || (c == '\r' && peek_at(ps, 1) == '\n') || c == ';';
}

/* Skips a comment (if any) and the end of the line. */
static bool end_line(parser *ps) {
  skip_blank(ps);
  if (peek(ps) == ';')
    while (peek(ps) >= 0 && peek(ps) != '\n') adv(ps);
  if (peek(ps) == '\r' && peek_at(ps, 1) == '\n') adv(ps);
  if (peek(ps) < 0) return true;
  if (peek(ps) != '\n') return expected(ps, "end of line");
  adv(ps);
  return true;
}

static bool accept(parser *ps, char c) {
  if (peek(ps) != (unsigned char)c) return false;
  adv(ps);
  return true;
}

static bool expect_char(parser *ps, char c) {
  if (accept(ps, c)) return true;
  char what[8];
  snprintf(what, sizeof what, "'%c'", c);
  return expected(ps, what);
}

/* Is the line at the cursor blank or only a comment? (The cursor is at a line start.) */
static bool line_is_blank(const parser *ps) {
  const char *q = ps->p;
  while (q < ps->end && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
  return q >= ps->end || *q == '\n' || *q == ';';
}

static void skip_blank_lines(parser *ps) {
  while (ps->p < ps->end && line_is_blank(ps)) {
    while (peek(ps) >= 0 && peek(ps) != '\n') adv(ps);
    adv(ps);
  }
}

/* ---------------------------------------------------------------- tokens */

static bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_digit(int c) { return c >= '0' && c <= '9'; }

/* ident := [A-Za-z_][A-Za-z0-9_]* (with dots when `dots`), copied into buf. */
static bool scan_ident(parser *ps, char *buf, size_t n, bool dots, const char *what) {
  if (!is_alpha(peek(ps))) return expected(ps, what);
  size_t k = 0;
  ir_loc start = here(ps);
  while (is_alpha(peek(ps)) || is_digit(peek(ps)) || (dots && peek(ps) == '.')) {
    if (k + 1 >= n) return fail(ps, start, "%s is too long (more than %zu characters)", what, n - 1);
    buf[k++] = (char)peek(ps);
    adv(ps);
  }
  buf[k] = '\0';
  return true;
}

static int hex_val(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* string := '"' { char | '\' ( '"' | '\' | 'n' | 't' | 'r' | 'x' HEX HEX ) } '"'; arena copy. */
static bool parse_string(parser *ps, const char **out) {
  ir_loc start = here(ps);
  if (!expect_char(ps, '"')) return false;
  size_t cap = 32, n = 0;
  char *buf = malloc(cap);
  if (!buf) return fail(ps, start, "out of memory");
  for (;;) {
    int c = peek(ps);
    if (c < 0 || c == '\n') {
      free(buf);
      return fail(ps, start, "unterminated string");
    }
    ir_loc esc = here(ps);
    adv(ps);
    if (c == '"') break;
    if (c == '\\') {
      int e = peek(ps);
      adv(ps);
      if (e == 'n') c = '\n';
      else if (e == 't') c = '\t';
      else if (e == 'r') c = '\r';
      else if (e == '"' || e == '\\') c = e;
      else if (e == 'x' && hex_val(peek(ps)) >= 0 && hex_val(peek_at(ps, 1)) >= 0) {
        c = hex_val(peek(ps)) * 16 + hex_val(peek_at(ps, 1));
        adv(ps);
        adv(ps);
        if (c == 0) {
          free(buf);
          return fail(ps, esc, "a string may not contain \\x00");
        }
      } else {
        free(buf);
        return fail(ps, esc, "unknown escape in string; expected \\\" \\\\ \\n \\t \\r or \\xHH");
      }
    } else if (c == 0) {
      free(buf);
      return fail(ps, start, "a string may not contain a NUL byte");
    }
    if (n + 1 >= cap) {
      char *g = realloc(buf, cap * 2);
      if (!g) {
        free(buf);
        return fail(ps, start, "out of memory");
      }
      buf = g;
      cap *= 2;
    }
    buf[n++] = (char)c;
  }
  *out = ir_arena_strndup(ps->m->arena, buf, n);
  free(buf);
  return *out ? true : fail(ps, start, "out of memory");
}

/* word := ident | string (arena copy). */
static bool parse_word(parser *ps, const char **out, const char *what) {
  if (peek(ps) == '"') return parse_string(ps, out);
  const char *start = ps->p;
  if (!is_alpha(peek(ps))) return expected(ps, what);
  while (is_alpha(peek(ps)) || is_digit(peek(ps))) adv(ps);
  *out = ir_arena_strndup(ps->m->arena, start, (size_t)(ps->p - start));
  return *out ? true : fail(ps, here(ps), "out of memory");
}

/* number := [+-] ( 'inf' | 'nan' | digits ['.' digits] [('e'|'E') [+-] digits] ), copied. */
static bool scan_number(parser *ps, char *buf, size_t n, bool *is_float) {
  const char *start = ps->p;
  ir_loc loc = here(ps);
  *is_float = false;
  if (peek(ps) == '+' || peek(ps) == '-') adv(ps);
  if ((peek(ps) == 'i' && peek_at(ps, 1) == 'n' && peek_at(ps, 2) == 'f') ||
      (peek(ps) == 'n' && peek_at(ps, 1) == 'a' && peek_at(ps, 2) == 'n')) {
    adv(ps);
    adv(ps);
    adv(ps);
    *is_float = true;
  } else {
    if (!is_digit(peek(ps))) {
      ps->p = start; /* same line: column math stays right */
      return expected(ps, "a number");
    }
    while (is_digit(peek(ps))) adv(ps);
    if (peek(ps) == '.') {
      *is_float = true;
      adv(ps);
      while (is_digit(peek(ps))) adv(ps);
    }
    if ((peek(ps) == 'e' || peek(ps) == 'E') &&
        (is_digit(peek_at(ps, 1)) ||
         ((peek_at(ps, 1) == '+' || peek_at(ps, 1) == '-') && is_digit(peek_at(ps, 2))))) {
      *is_float = true;
      adv(ps);
      if (peek(ps) == '+' || peek(ps) == '-') adv(ps);
      while (is_digit(peek(ps))) adv(ps);
    }
  }
  size_t len = (size_t)(ps->p - start);
  if (len + 1 > n) return fail(ps, loc, "number is too long");
  memcpy(buf, start, len);
  buf[len] = '\0';
  return true;
}

static bool parse_double(parser *ps, double *out) {
  char buf[64];
  bool f;
  if (!scan_number(ps, buf, sizeof buf, &f)) return false;
  *out = strtod(buf, NULL);
  return true;
}

/* Unsigned decimal integer up to `max`. */
static bool parse_uint(parser *ps, uint64_t max, uint64_t *out, const char *what) {
  ir_loc loc = here(ps);
  if (!is_digit(peek(ps))) return expected(ps, what);
  uint64_t v = 0;
  while (is_digit(peek(ps))) {
    unsigned dgt = (unsigned)(peek(ps) - '0');
    if (v > (UINT64_MAX - dgt) / 10) return fail(ps, loc, "%s is out of range (at most %" PRIu64 ")", what, max);
    v = v * 10 + dgt;
    adv(ps);
  }
  if (v > max) return fail(ps, loc, "%s is out of range (at most %" PRIu64 ")", what, max);
  *out = v;
  return true;
}

static bool parse_u32(parser *ps, uint32_t *out, const char *what) {
  uint64_t v;
  if (!parse_uint(ps, UINT32_MAX, &v, what)) return false;
  *out = (uint32_t)v;
  return true;
}

static bool parse_bool(parser *ps, bool *out) {
  char w[8];
  ir_loc loc = here(ps);
  if (!scan_ident(ps, w, sizeof w, false, "true or false")) return false;
  if (strcmp(w, "true") == 0) *out = true;
  else if (strcmp(w, "false") == 0) *out = false;
  else return fail(ps, loc, "expected true or false, got '%s'", w);
  return true;
}

/* ---------------------------------------------------------------- quantities and values */

/* number [unit], the unit directly after the number ("3mV", "20Hz", "0.5/(uM*ms)"). Checks the
 * unit's dimension against `dim`; a bare number is accepted for a dimensioned quantity only when
 * it is not finite (inf has no unit). Computes number * factor exactly as print.c checks it. */
static bool parse_quantity(parser *ps, ir_dim dim, double *out) {
  ir_loc loc = here(ps);
  double x;
  if (!parse_double(ps, &x)) return false;
  int c = peek(ps);
  if (!is_alpha(c) && c != '/') {
    if (!ir_dim_eq(dim, IR_DIM_NONE) && isfinite(x))
      return fail(ps, loc, "expected a %s with its unit, e.g. 1%s; got a bare number", ir_dim_name(dim),
                  ir_unit_canonical(dim));
    *out = x;
    return true;
  }
  char unit[48];
  size_t k = 0;
  int depth = 0;
  ir_loc uloc = here(ps);
  if (c == '/') unit[k++] = '1';
  while (is_alpha(peek(ps)) || is_digit(peek(ps)) || peek(ps) == '*' || peek(ps) == '/' || peek(ps) == '(' ||
         (peek(ps) == ')' && depth > 0)) {
    if (k + 1 >= sizeof unit) return fail(ps, uloc, "unit is too long");
    if (peek(ps) == '(') depth++;
    if (peek(ps) == ')') depth--;
    unit[k++] = (char)peek(ps);
    adv(ps);
  }
  unit[k] = '\0';
  ir_dim d;
  double f;
  if (!ir_unit_parse(unit, &d, &f)) return fail(ps, uloc, "unknown unit '%s'", unit);
  if (!ir_dim_eq(d, dim)) {
    if (ir_dim_eq(dim, IR_DIM_NONE)) return fail(ps, uloc, "expected a bare number, got a %s (%s)", ir_dim_name(d), unit);
    return fail(ps, uloc, "expected a %s, e.g. 1%s; got a %s (%s)", ir_dim_name(dim), ir_unit_canonical(dim),
                ir_dim_name(d), unit);
  }
  *out = x * f;
  return true;
}

static bool keyword_at(const parser *ps, const char *kw) {
  size_t n = strlen(kw);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, kw, n) != 0) return false;
  int after = peek_at(ps, n);
  return !is_alpha(after) && !is_digit(after);
}

static void skip_n(parser *ps, size_t n) {
  for (size_t i = 0; i < n; i++) adv(ps);
}

/* value := 'unset' | quantity | 'uniform(' q ',' q ')' | 'normal(' q ',' q [',min=' q] [',max=' q] ')'
 *        | 'choice(' q {',' q} ')' */
static bool parse_value(parser *ps, ir_dim dim, ir_loc node_loc, ir_value *v) {
  *v = ir_value_const(0.0, dim);
  v->loc = node_loc;
  if (keyword_at(ps, "unset")) {
    skip_n(ps, 5);
    v->kind = IR_VAL_UNSET;
    return true;
  }
  if (keyword_at(ps, "uniform") || keyword_at(ps, "normal")) {
    bool normal = keyword_at(ps, "normal");
    skip_n(ps, normal ? 6 : 7);
    v->kind = normal ? IR_VAL_NORMAL : IR_VAL_UNIFORM;
    if (!expect_char(ps, '(')) return false;
    skip_ws(ps);
    if (!parse_quantity(ps, dim, &v->a)) return false;
    skip_ws(ps);
    if (!expect_char(ps, ',')) return false;
    skip_ws(ps);
    if (!parse_quantity(ps, dim, &v->b)) return false;
    skip_ws(ps);
    if (normal && peek(ps) == ',') {
      adv(ps);
      skip_ws(ps);
      bool have_max = false;
      if (keyword_at(ps, "min")) {
        skip_n(ps, 3);
        if (!expect_char(ps, '=') || !parse_quantity(ps, dim, &v->lo)) return false;
        skip_ws(ps);
        if (accept(ps, ',')) {
          skip_ws(ps);
          if (!keyword_at(ps, "max")) return expected(ps, "max=");
          have_max = true;
        }
      } else if (keyword_at(ps, "max")) have_max = true;
      else return expected(ps, "min= or max=");
      if (have_max) {
        skip_n(ps, 3);
        if (!expect_char(ps, '=') || !parse_quantity(ps, dim, &v->hi)) return false;
        skip_ws(ps);
      }
    }
    return expect_char(ps, ')');
  }
  if (keyword_at(ps, "choice")) {
    skip_n(ps, 6);
    v->kind = IR_VAL_CHOICE;
    if (!expect_char(ps, '(')) return false;
    double *vals = NULL;
    size_t n = 0, cap = 0;
    do {
      skip_ws(ps);
      double x;
      if (!parse_quantity(ps, dim, &x) || !vec_push((void **)&vals, &n, &cap, sizeof x, &x)) {
        free(vals);
        return ps->failed ? false : fail(ps, here(ps), "out of memory");
      }
      skip_ws(ps);
    } while (accept(ps, ','));
    if (!expect_char(ps, ')') || n > UINT32_MAX) {
      free(vals);
      return false;
    }
    double *copy = ir_arena_alloc(ps->m->arena, n * sizeof *copy);
    if (copy) memcpy(copy, vals, n * sizeof *copy);
    free(vals);
    if (!copy) return fail(ps, here(ps), "out of memory");
    v->choice = copy;
    v->nchoice = (uint32_t)n;
    return true;
  }
  bool nonfinite = (size_t)(ps->end - ps->p) >= 3 && (memcmp(ps->p, "inf", 3) == 0 || memcmp(ps->p, "nan", 3) == 0);
  if (is_alpha(peek(ps)) && !nonfinite)
    return expected(ps, "a value (a number with its unit, uniform(..), normal(..), choice(..) or unset)");
  return parse_quantity(ps, dim, &v->a);
}

/* ---------------------------------------------------------------- names and references */

static bool table_add(parser *ps, name_table *t, const char *name, ir_ref ref, ir_loc loc) {
  for (size_t i = 0; i < t->n; i++)
    if (strcmp(t->v[i].name, name) == 0)
      return fail(ps, loc, "duplicate name '@%s' (first defined on line %" PRIu32 ")", name, t->v[i].line);
  name_entry e = {name, ref, loc.line};
  if (!vec_push((void **)&t->v, &t->n, &t->cap, sizeof e, &e)) return fail(ps, loc, "out of memory");
  return true;
}

/* "population or input" (articles: "a population or an input"). */
static const char *kind_list(unsigned kinds, bool articles, char *buf, size_t n) {
  buf[0] = '\0';
  unsigned count = 0, total = 0;
  for (unsigned k = 0; k < IR_NODE_KIND_COUNT; k++) total += (kinds >> k) & 1u;
  for (unsigned k = 0; k < IR_NODE_KIND_COUNT; k++) {
    if (!((kinds >> k) & 1u)) continue;
    const char *name = ir_node_kind_name((ir_node_kind)k);
    const char *art = !articles ? "" : (name[0] == 'a' || name[0] == 'i') ? "an " : "a ";
    size_t l = strlen(buf);
    snprintf(buf + l, n - l, "%s%s%s", count == 0 ? "" : count + 1 == total ? " or " : ", ", art, name);
    count++;
  }
  return buf;
}

#define KIND(k) (1u << (k))

/* ref := '@' word; must name a node of one of `kinds`. */
static bool parse_ref(parser *ps, unsigned kinds, ir_ref *out) {
  ir_loc loc = here(ps);
  char list[128];
  if (!accept(ps, '@')) return expected(ps, kinds == KIND(IR_NODE_GRID) ? "a grid reference '@name'" : "a reference '@name'");
  const char *name;
  if (!parse_word(ps, &name, "a name after '@'")) return false;
  const name_table *t = kinds == KIND(IR_NODE_GRID) ? &ps->grids : &ps->nodes;
  for (size_t i = 0; i < t->n; i++) {
    if (strcmp(t->v[i].name, name) != 0) continue;
    if (!((kinds >> t->v[i].ref.kind) & 1u))
      return fail(ps, loc, "'@%s' is a %s; expected %s", name, ir_node_kind_name(t->v[i].ref.kind),
                  kind_list(kinds, true, list, sizeof list));
    *out = t->v[i].ref;
    return true;
  }
  const char *names[64];
  size_t n = 0;
  for (size_t i = 0; i < t->n && n < 64; i++)
    if ((kinds >> t->v[i].ref.kind) & 1u) names[n++] = t->v[i].name;
  const char *guess = ir_did_you_mean(name, names, n);
  if (guess) return fail(ps, loc, "no %s named '@%s'; did you mean '@%s'?", kind_list(kinds, false, list, sizeof list), name, guess);
  return fail(ps, loc, "no %s named '@%s'", kind_list(kinds, false, list, sizeof list), name);
}

/* ---------------------------------------------------------------- attributes */

/* Decimal text of scan_number (no '.', no exponent) to int64, false on overflow. */
static bool int64_of(const char *s, int64_t *out) {
  bool neg = *s == '-';
  if (*s == '-' || *s == '+') s++;
  uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  for (; *s; s++) {
    unsigned dgt = (unsigned)(*s - '0');
    if (v > (limit - dgt) / 10) return false;
    v = v * 10 + dgt;
  }
  *out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
  return true;
}

/* attrs := '{' [ entry { ',' entry } ] '}' ; entry := (key | string) '=' (int | float | string) */
static bool parse_attrs(parser *ps, ir_attrs *attrs) {
  if (!expect_char(ps, '{')) return false;
  skip_ws(ps);
  if (accept(ps, '}')) return true;
  do {
    skip_ws(ps);
    ir_loc kloc = here(ps);
    char kbuf[128];
    const char *key = kbuf;
    if (peek(ps) == '"') {
      if (!parse_string(ps, &key)) return false;
    } else if (!scan_ident(ps, kbuf, sizeof kbuf, true, "an attribute key")) return false;
    if (ir_attr_get(attrs, key)) return fail(ps, kloc, "duplicate attribute '%s'", key);
    if (!expect_char(ps, '=')) return false;
    bool ok;
    if (peek(ps) == '"') {
      const char *s;
      if (!parse_string(ps, &s)) return false;
      ok = ir_attr_set_str(ps->m, attrs, key, s);
    } else {
      char num[64];
      bool is_float;
      ir_loc nloc = here(ps);
      if (!scan_number(ps, num, sizeof num, &is_float)) return false;
      if (is_float) ok = ir_attr_set_float(ps->m, attrs, key, strtod(num, NULL));
      else {
        int64_t v;
        if (!int64_of(num, &v)) return fail(ps, nloc, "integer attribute %s is out of range", num);
        ok = ir_attr_set_int(ps->m, attrs, key, v);
      }
    }
    if (!ok) return fail(ps, kloc, "out of memory");
    skip_ws(ps);
  } while (accept(ps, ','));
  return expect_char(ps, '}');
}

/* ---------------------------------------------------------------- lists */

/* '[' [ u32 { ',' u32 } ] ']' into a malloc'd vector (the caller owns *v). */
static bool parse_u32_list(parser *ps, uint32_t **v, size_t *n, const char *what) {
  size_t cap = 0;
  *v = NULL;
  *n = 0;
  if (!expect_char(ps, '[')) return false;
  skip_ws(ps);
  if (accept(ps, ']')) return true;
  do {
    skip_ws(ps);
    uint32_t x;
    if (!parse_u32(ps, &x, what)) return false;
    if (!vec_push((void **)v, n, &cap, sizeof x, &x)) return fail(ps, here(ps), "out of memory");
    skip_ws(ps);
  } while (accept(ps, ','));
  return expect_char(ps, ']');
}

/* ---------------------------------------------------------------- CSR */

typedef struct csr_build {
  bool active;
  ir_loc loc;
  uint32_t npre, npost;
  uint64_t nsyn;
  int64_t last_row;
  uint32_t *row, *col;
  float *w;
  uint16_t *delay;
  size_t n, cap_row, cap_col, cap_w, cap_delay;
} csr_build;

static void csr_build_free(csr_build *cb) {
  free(cb->row);
  free(cb->col);
  free(cb->w);
  free(cb->delay);
}

/* 'csr' 'npre=' u32 'npost=' u32 'nsyn=' u64 — the cursor is after "csr". */
static bool parse_csr_header(parser *ps, csr_build *cb, ir_loc loc, const char *proj) {
  static const char *const keys[] = {"npre", "npost", "nsyn"};
  if (cb->active) return fail(ps, loc, "projection '%s' has a second csr", proj);
  cb->active = true;
  cb->loc = loc;
  cb->last_row = -1;
  for (int i = 0; i < 3; i++) {
    skip_blank(ps);
    char key[16];
    ir_loc kloc = here(ps);
    if (!scan_ident(ps, key, sizeof key, false, keys[i])) return false;
    if (strcmp(key, keys[i]) != 0) return fail(ps, kloc, "expected '%s=', got '%s'", keys[i], key);
    if (!expect_char(ps, '=')) return false;
    if (i == 0 && !parse_u32(ps, &cb->npre, "npre")) return false;
    if (i == 1 && !parse_u32(ps, &cb->npost, "npost")) return false;
    if (i == 2 && !parse_uint(ps, UINT64_MAX, &cb->nsyn, "nsyn")) return false;
  }
  if (cb->npre > IR_PARSE_MAX_ROWS)
    return fail(ps, loc, "csr npre=%" PRIu32 " is more rows than astroc reads (at most %u)", cb->npre,
                IR_PARSE_MAX_ROWS);
  skip_blank(ps);
  if (keyword_at(ps, "checksum"))
    return fail(ps, here(ps),
                "the synapses of projection '%s' were summarised (checksum), so they cannot be read back; "
                "print the IR with --synapses",
                proj);
  return true;
}

/* row := u32 ':' { COL '@' WEIGHT [ '+' DELAY ] } — the cursor is at the row number. */
static bool parse_csr_row(parser *ps, csr_build *cb) {
  ir_loc loc = here(ps);
  if (!cb->active) return fail(ps, loc, "a synapse row must follow a 'csr npre=.. npost=.. nsyn=..' line");
  uint32_t row;
  if (!parse_u32(ps, &row, "a row number")) return false;
  if ((int64_t)row <= cb->last_row)
    return fail(ps, loc, "row %" PRIu32 " is out of order; rows must be listed in increasing order", row);
  if (row >= cb->npre) return fail(ps, loc, "row %" PRIu32 " is out of range (npre=%" PRIu32 ")", row, cb->npre);
  cb->last_row = row;
  if (!expect_char(ps, ':')) return false;
  for (;;) {
    skip_blank(ps);
    if (at_eol(ps)) return true;
    uint32_t col;
    uint64_t delay = 0;
    char num[64];
    bool is_float;
    if (!parse_u32(ps, &col, "a postsynaptic index")) return false;
    if (!expect_char(ps, '@')) return false;
    if (!scan_number(ps, num, sizeof num, &is_float)) return false;
    float w = strtof(num, NULL);
    if (accept(ps, '+') && !parse_uint(ps, UINT16_MAX, &delay, "a delay in steps")) return false;
    if (cb->n >= cb->nsyn)
      return fail(ps, loc, "more synapses listed than csr nsyn=%" PRIu64 " says", cb->nsyn);
    uint16_t d16 = (uint16_t)delay;
    if (!vec_push((void **)&cb->row, &cb->n, &cb->cap_row, sizeof row, &row)) return fail(ps, loc, "out of memory");
    size_t n = cb->n - 1;
    if (!vec_push((void **)&cb->col, &n, &cb->cap_col, sizeof col, &col)) return fail(ps, loc, "out of memory");
    n = cb->n - 1;
    if (!vec_push((void **)&cb->w, &n, &cb->cap_w, sizeof w, &w)) return fail(ps, loc, "out of memory");
    n = cb->n - 1;
    if (!vec_push((void **)&cb->delay, &n, &cb->cap_delay, sizeof d16, &d16)) return fail(ps, loc, "out of memory");
  }
}

static bool csr_finish(parser *ps, csr_build *cb, ir_projection *p) {
  if (cb->n != cb->nsyn)
    return fail(ps, cb->loc, "csr nsyn=%" PRIu64 " but %zu synapses are listed", cb->nsyn, cb->n);
  ir_csr *c = ir_csr_create(cb->npre, cb->npost, cb->nsyn);
  if (!c) return fail(ps, cb->loc, "out of memory");
  for (size_t k = 0; k < cb->n; k++) {
    c->row_ptr[cb->row[k] + 1]++;
    c->col[k] = cb->col[k];
    c->weight[k] = cb->w[k];
    c->delay[k] = cb->delay[k];
  }
  for (uint32_t i = 0; i < cb->npre; i++) c->row_ptr[i + 1] += c->row_ptr[i];
  p->csr = c; /* the module owns it from here */
  return true;
}

/* ---------------------------------------------------------------- nodes */

enum { PARAM_BASE = 32 }; /* key ids >= PARAM_BASE are model parameters */

typedef struct node_ctx node_ctx;
typedef bool (*item_fn)(parser *ps, node_ctx *nc, int key, ir_loc kloc);

struct node_ctx {
  ir_ref ref;
  const char *what; /* "population 'exc'" for messages */
  ir_loc loc;       /* from the location comment */
  ir_loc at;        /* the node keyword in the text */
  uint64_t seen;
  const char *const *keys;
  int nkeys;
  const ir_model_desc *desc; /* model parameters, or NULL */
  item_fn item;
  bool allow_csr;
  csr_build csr;
  /* collected lists, moved into the node at the end */
  uint32_t *u32;
  size_t nu32;
  bool have_u32;
  ir_astro_listen *listen;
  size_t nlisten;
  ir_ref *mods;
  size_t nmods;
};

static void node_ctx_free(node_ctx *nc) {
  csr_build_free(&nc->csr);
  free(nc->u32);
  free(nc->listen);
  free(nc->mods);
}

static int find_key(const node_ctx *nc, const char *key) {
  for (int i = 0; i < nc->nkeys; i++)
    if (strcmp(nc->keys[i], key) == 0) return i;
  if (nc->desc) {
    int i = ir_param_index(nc->desc, key);
    if (i >= 0) return PARAM_BASE + i;
  }
  return -1;
}

static bool unknown_key(parser *ps, const node_ctx *nc, const char *key, ir_loc kloc) {
  const char *names[PARAM_BASE + IR_MAX_PARAMS + 1];
  size_t n = 0;
  for (int i = 0; i < nc->nkeys; i++) names[n++] = nc->keys[i];
  for (uint32_t i = 0; nc->desc && i < nc->desc->nparams; i++) names[n++] = nc->desc->params[i].name;
  if (nc->allow_csr) names[n++] = "csr";
  const char *guess = ir_did_you_mean(key, names, n);
  if (guess) return fail(ps, kloc, "unknown attribute '%s' of %s; did you mean '%s'?", key, nc->what, guess);
  return fail(ps, kloc, "unknown attribute '%s' of %s", key, nc->what);
}

/* items := { key '=' value | 'csr' csr-header } up to the end of the line. */
static bool parse_items(parser *ps, node_ctx *nc) {
  for (;;) {
    skip_blank(ps);
    if (at_eol(ps)) return true;
    ir_loc kloc = here(ps);
    char key[64];
    if (!scan_ident(ps, key, sizeof key, false, "an attribute 'name=value'")) return false;
    if (nc->allow_csr && strcmp(key, "csr") == 0) {
      if (!parse_csr_header(ps, &nc->csr, kloc, ir_node_name(ps->m, nc->ref))) return false;
    } else {
      int k = find_key(nc, key);
      if (k < 0) return unknown_key(ps, nc, key, kloc);
      if (nc->seen >> k & 1u) return fail(ps, kloc, "duplicate attribute '%s' of %s", key, nc->what);
      nc->seen |= 1ull << k;
      skip_blank(ps);
      if (!expect_char(ps, '=')) return false;
      skip_blank(ps);
      if (!nc->item(ps, nc, k, kloc)) return false;
    }
    if (!at_eol(ps) && peek(ps) != ' ' && peek(ps) != '\t') return expected(ps, "a blank or the end of the line");
  }
}

/* The trailing "; FILE:LINE:COL" (or "; "FILE":LINE:COL") of a header line is the node's
 * location; any other comment is ignored. The cursor is at ';'. */
static bool parse_loc_comment(parser *ps, ir_loc *loc) {
  adv(ps);
  skip_blank(ps);
  const char *file = NULL, *rest;
  size_t flen = 0;
  if (peek(ps) == '"') {
    if (!parse_string(ps, &file)) return false;
    flen = strlen(file);
  }
  rest = ps->p;
  while (peek(ps) >= 0 && peek(ps) != '\n') adv(ps);
  const char *e = ps->p;
  while (e > rest && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
  /* from the end: ':' digits ':' digits */
  const char *q = e;
  uint64_t nums[2] = {0, 0};
  for (int i = 1; i >= 0; i--) {
    const char *dend = q;
    while (q > rest && is_digit(q[-1])) q--;
    if (q == dend || dend - q > 9 || q == rest || q[-1] != ':') return true; /* plain comment */
    for (const char *r = q; r < dend; r++) nums[i] = nums[i] * 10 + (uint64_t)(*r - '0');
    q--;
  }
  if (!file) {
    if (q == rest) return true;
    file = ps->loc_file && strlen(ps->loc_file) == (size_t)(q - rest) && memcmp(ps->loc_file, rest, (size_t)(q - rest)) == 0
               ? ps->loc_file
               : ir_arena_strndup(ps->m->arena, rest, (size_t)(q - rest));
    if (!file) return fail(ps, here(ps), "out of memory");
  } else if (q != rest) {
    return true; /* text between the quoted file and ":L:C": not a location */
  }
  (void)flen;
  if (nums[0] > UINT32_MAX || nums[1] > UINT32_MAX) return true;
  ps->loc_file = file;
  *loc = (ir_loc){file, (uint32_t)nums[0], (uint32_t)nums[1]};
  return true;
}

/* Header items, location comment, then the indented body lines (items or synapse rows). */
static bool parse_node_rest(parser *ps, node_ctx *nc) {
  if (!parse_items(ps, nc)) return false;
  skip_blank(ps);
  if (peek(ps) == ';' && !parse_loc_comment(ps, &nc->loc)) return false;
  if (!end_line(ps)) return false;
  for (;;) {
    skip_blank_lines(ps);
    if (peek(ps) != ' ' && peek(ps) != '\t') return true;
    skip_blank(ps);
    if (is_digit(peek(ps))) {
      if (!parse_csr_row(ps, &nc->csr)) return false;
    } else if (!parse_items(ps, nc)) return false;
    if (!end_line(ps)) return false;
  }
}

static bool parse_param_item(parser *ps, node_ctx *nc, int key, ir_value *params) {
  const ir_param_desc *pd = &nc->desc->params[key - PARAM_BASE];
  return parse_value(ps, pd->dim, nc->loc, &params[key - PARAM_BASE]);
}

static void set_value_locs(ir_value *v, size_t n, ir_loc loc) {
  for (size_t i = 0; i < n; i++) v[i].loc = loc;
}

/* The node's name: '@' word, already registered by the first pass. */
static bool parse_node_name(parser *ps, const char **name) {
  skip_blank(ps);
  if (!accept(ps, '@')) return expected(ps, "a node name '@name'");
  return parse_word(ps, name, "a name after '@'");
}

static bool expect_blank(parser *ps) {
  if (peek(ps) != ' ' && peek(ps) != '\t') return expected(ps, "a blank");
  skip_blank(ps);
  return true;
}

static const char *describe(parser *ps, const char *kind, const char *name) {
  size_t n = strlen(kind) + strlen(name) + 4;
  char *s = ir_arena_alloc(ps->m->arena, n);
  if (s) snprintf(s, n, "%s '%s'", kind, name);
  return s ? s : kind;
}

/* ---- network */

static const char *const network_keys[] = {"dt", "seed", "numerics", "v_unit", "duration", "attrs"};

static bool network_item(parser *ps, node_ctx *nc, int key, ir_loc kloc) {
  ir_module *m = ps->m;
  char w[16];
  switch (key) {
  case 0: return parse_quantity(ps, IR_DIM_TIME, &m->dt);
  case 1: return parse_uint(ps, UINT64_MAX, &m->seed, "a seed");
  case 2:
    if (!scan_ident(ps, w, sizeof w, false, "float or fixed")) return false;
    if (strcmp(w, "float") == 0) m->numerics = IR_NUMERICS_FLOAT;
    else if (strcmp(w, "fixed") == 0) m->numerics = IR_NUMERICS_FIXED;
    else return fail(ps, kloc, "numerics must be float or fixed, got '%s'", w);
    return true;
  case 3: return parse_quantity(ps, IR_DIM_VOLTAGE, &m->v_unit);
  case 4: return parse_quantity(ps, IR_DIM_TIME, &m->duration);
  default: return parse_attrs(ps, &m->attrs);
  }
}

/* ---- grid */

static const char *const grid_keys[] = {"shape", "spacing", "attrs"};

static bool grid_item(parser *ps, node_ctx *nc, int key, ir_loc kloc) {
  ir_grid *g = &ps->m->grids[nc->ref.index];
  if (key == 0) {
    uint32_t *v;
    size_t n;
    bool ok = parse_u32_list(ps, &v, &n, "a grid extent");
    if (ok && n != 3) ok = fail(ps, kloc, "shape needs 3 extents [x,y,z], got %zu", n);
    if (ok) memcpy(g->shape, v, sizeof g->shape);
    free(v);
    return ok;
  }
  if (key == 1) return parse_quantity(ps, IR_DIM_NONE, &g->spacing);
  return parse_attrs(ps, &g->attrs);
}

/* ---- population */

static const char *const population_keys[] = {"size", "grid", "sites", "attrs"};

static bool population_item(parser *ps, node_ctx *nc, int key, ir_loc kloc) {
  ir_population *p = &ps->m->pops[nc->ref.index];
  ir_ref r;
  switch (key) {
  case 0: return parse_u32(ps, &p->size, "a size");
  case 1:
    if (!parse_ref(ps, KIND(IR_NODE_GRID), &r)) return false;
    p->grid = (int32_t)r.index;
    return true;
  case 2: nc->have_u32 = true; return parse_u32_list(ps, &nc->u32, &nc->nu32, "a grid site");
  case 3: return parse_attrs(ps, &p->attrs);
  default: return parse_param_item(ps, nc, key, p->params);
  }
}

/* ---- astrocyte */

static const char *const astrocyte_keys[] = {"size", "listen", "modulates", "attrs"};

static bool astrocyte_item(parser *ps, node_ctx *nc, int key, ir_loc kloc) {
  ir_astrocyte *a = &ps->m->astros[nc->ref.index];
  size_t cap = 0;
  switch (key) {
  case 0: return parse_u32(ps, &a->size, "a size");
  case 1: /* '[' [ ref ':' sign { ',' ref ':' sign } ] ']' */
    if (!expect_char(ps, '[')) return false;
    skip_ws(ps);
    if (accept(ps, ']')) return true;
    do {
      skip_ws(ps);
      ir_astro_listen l = {.loc = nc->loc};
      uint64_t mag;
      if (!parse_ref(ps, KIND(IR_NODE_POPULATION) | KIND(IR_NODE_INPUT) | KIND(IR_NODE_PROJECTION), &l.source))
        return false;
      if (!expect_char(ps, ':')) return false;
      int sign = peek(ps) == '-' ? -1 : 1;
      if (peek(ps) != '+' && peek(ps) != '-') return expected(ps, "a sign +1 or -1");
      adv(ps);
      if (!parse_uint(ps, 127, &mag, "a sign")) return false;
      l.sign = (int8_t)(sign * (int)mag);
      if (!vec_push((void **)&nc->listen, &nc->nlisten, &cap, sizeof l, &l)) return fail(ps, kloc, "out of memory");
      skip_ws(ps);
    } while (accept(ps, ','));
    return expect_char(ps, ']');
  case 2:
    if (!expect_char(ps, '[')) return false;
    skip_ws(ps);
    if (accept(ps, ']')) return true;
    do {
      skip_ws(ps);
      ir_ref r;
      if (!parse_ref(ps, KIND(IR_NODE_PROJECTION) | KIND(IR_NODE_POPULATION), &r)) return false;
      if (!vec_push((void **)&nc->mods, &nc->nmods, &cap, sizeof r, &r)) return fail(ps, kloc, "out of memory");
      skip_ws(ps);
    } while (accept(ps, ','));
    return expect_char(ps, ']');
  case 3: return parse_attrs(ps, &a->attrs);
  default: return parse_param_item(ps, nc, key, a->params);
  }
}

/* ---- input */

static const char *const input_keys[] = {"size",     "rate",        "p",      "file",    "dataset", "split",
                                         "encoding", "sample_time", "inject", "current", "attrs"};
static const char *const input_kind_names[] = {"poisson", "bernoulli", "spikes", "dataset"};
static const char *const encoding_names[] = {"nalsm", "rate", "bernoulli"};

static bool input_item(parser *ps, node_ctx *nc, int key, ir_loc kloc) {
  ir_input *in = &ps->m->inputs[nc->ref.index];
  char w[32];
  ir_ref r;
  switch (key) {
  case 0: return parse_u32(ps, &in->size, "a size");
  case 1: return parse_value(ps, IR_DIM_RATE, nc->loc, &in->rate);
  case 2: return parse_value(ps, IR_DIM_NONE, nc->loc, &in->p);
  case 3: return parse_string(ps, &in->file);
  case 4: return parse_word(ps, &in->dataset, "a dataset name");
  case 5: return parse_word(ps, &in->split, "a split name");
  case 6:
    if (!scan_ident(ps, w, sizeof w, false, "an encoding")) return false;
    for (int i = 0; i < IR_ENC_COUNT; i++)
      if (strcmp(w, encoding_names[i]) == 0) {
        in->encoding = (ir_encoding)i;
        return true;
      }
    return fail(ps, kloc, "unknown encoding '%s'; expected nalsm, rate or bernoulli", w);
  case 7: return parse_value(ps, IR_DIM_TIME, nc->loc, &in->sample_time);
  case 8:
    if (!parse_ref(ps, KIND(IR_NODE_POPULATION), &r)) return false;
    in->inject_into = (int32_t)r.index;
    return true;
  case 9: return parse_value(ps, IR_DIM_VOLTAGE, nc->loc, &in->inject_current);
  default: return parse_attrs(ps, &in->attrs);
  }
}

/* ---- projection */

static const char *const projection_keys[] = {"rule", "weight", "delay", "plasticity", "attrs"};
static const char *const conn_names[] = {"all_to_all",         "one_to_one", "fixed_probability", "fixed_indegree",
                                         "fixed_total_number", "distance",   "list"};

/* rule := KIND '(' [ arg { ',' arg } ] ')' with the arguments of that kind and allow_self. */
static bool parse_rule(parser *ps, ir_conn_rule *r, ir_loc kloc) {
  char w[32];
  ir_loc wloc = here(ps);
  if (!scan_ident(ps, w, sizeof w, false, "a connectivity rule")) return false;
  int kind = -1;
  for (int i = 0; i < IR_CONN_KIND_COUNT; i++)
    if (strcmp(w, conn_names[i]) == 0) kind = i;
  if (kind < 0) {
    const char *guess = ir_did_you_mean(w, conn_names, IR_CONN_KIND_COUNT);
    return fail(ps, wloc, "unknown connectivity rule '%s'%s%s%s", w, guess ? "; did you mean '" : "",
                guess ? guess : "", guess ? "'?" : "");
  }
  r->kind = (ir_conn_kind)kind;
  if (!accept(ps, '(')) return true;
  skip_ws(ps);
  if (accept(ps, ')')) return true;
  unsigned seen = 0;
  do {
    skip_ws(ps);
    char key[16];
    ir_loc aloc = here(ps);
    if (!scan_ident(ps, key, sizeof key, false, "a rule argument")) return false;
    static const char *const args[] = {"p", "indegree", "n", "c", "lambda", "file", "allow_self"};
    static const int owner[] = {IR_CONN_FIXED_PROBABILITY, IR_CONN_FIXED_INDEGREE, IR_CONN_FIXED_TOTAL_NUMBER,
                                IR_CONN_DISTANCE, IR_CONN_DISTANCE, IR_CONN_LIST, -1};
    int a = -1;
    for (int i = 0; i < 7; i++)
      if (strcmp(key, args[i]) == 0) a = i;
    if (a < 0 || (owner[a] >= 0 && owner[a] != kind))
      return fail(ps, aloc, "'%s' is not an argument of rule %s", key, conn_names[kind]);
    if (seen >> a & 1u) return fail(ps, aloc, "duplicate rule argument '%s'", key);
    seen |= 1u << a;
    if (!expect_char(ps, '=')) return false;
    bool ok = true;
    switch (a) {
    case 0: ok = parse_quantity(ps, IR_DIM_NONE, &r->p); break;
    case 1: ok = parse_u32(ps, &r->indegree, "an indegree"); break;
    case 2: ok = parse_uint(ps, UINT64_MAX, &r->n, "a synapse count"); break;
    case 3: ok = parse_quantity(ps, IR_DIM_NONE, &r->c); break;
    case 4: ok = parse_quantity(ps, IR_DIM_NONE, &r->lambda); break;
    case 5: ok = parse_string(ps, &r->file); break;
    default: ok = parse_bool(ps, &r->allow_self); break;
    }
    if (!ok) return false;
    skip_ws(ps);
  } while (accept(ps, ','));
  (void)kloc;
  return expect_char(ps, ')');
}

/* plasticity := ('none' | RULE) [ '(' arg { ',' arg } ')' ], arg := modulator=@A | form=.. | PARAM=value */
static bool parse_plasticity(parser *ps, node_ctx *nc, ir_projection *p) {
  char w[32];
  ir_loc wloc = here(ps);
  if (!scan_ident(ps, w, sizeof w, false, "a plasticity rule")) return false;
  if (strcmp(w, "none") == 0) p->plasticity = IR_PLAST_NONE;
  else {
    ir_plasticity_rule r = ir_plasticity_lookup(w);
    if (r == IR_PLASTICITY_RULE_COUNT) return fail(ps, wloc, "unknown plasticity rule '%s'; expected none, stdp or astro_stdp", w);
    p->plasticity = r;
    ir_params_set_defaults(ir_plasticity_desc(r), p->plast_params);
  }
  const ir_model_desc *desc = ir_plasticity_desc(p->plasticity);
  if (!accept(ps, '(')) return true;
  skip_ws(ps);
  if (accept(ps, ')')) return true;
  uint64_t seen = 0;
  do {
    skip_ws(ps);
    char key[32];
    ir_loc aloc = here(ps);
    if (!scan_ident(ps, key, sizeof key, false, "a plasticity argument")) return false;
    int k = strcmp(key, "modulator") == 0 ? 62 : strcmp(key, "form") == 0 ? 63 : desc ? ir_param_index(desc, key) : -1;
    if (k < 0) return fail(ps, aloc, "'%s' is not an argument of plasticity %s", key, w);
    if (seen >> k & 1u) return fail(ps, aloc, "duplicate plasticity argument '%s'", key);
    seen |= 1ull << k;
    if (!expect_char(ps, '=')) return false;
    if (k == 62) {
      ir_ref r;
      if (!parse_ref(ps, KIND(IR_NODE_ASTROCYTE), &r)) return false;
      p->modulator = (int32_t)r.index;
    } else if (k == 63) {
      ir_loc floc = here(ps);
      if (!scan_ident(ps, key, sizeof key, false, "hebbian or anti_hebbian")) return false;
      if (strcmp(key, "hebbian") == 0) p->anti_hebbian = false;
      else if (strcmp(key, "anti_hebbian") == 0) p->anti_hebbian = true;
      else return fail(ps, floc, "form must be hebbian or anti_hebbian, got '%s'", key);
    } else if (!parse_value(ps, desc->params[k].dim, nc->loc, &p->plast_params[k])) return false;
    skip_ws(ps);
  } while (accept(ps, ','));
  return expect_char(ps, ')');
}

static bool projection_item(parser *ps, node_ctx *nc, int key, ir_loc kloc) {
  ir_projection *p = &ps->m->projs[nc->ref.index];
  switch (key) {
  case 0: return parse_rule(ps, &p->rule, kloc);
  case 1: return parse_value(ps, IR_DIM_VOLTAGE, nc->loc, &p->weight);
  case 2: return parse_value(ps, IR_DIM_TIME, nc->loc, &p->delay);
  case 3: return parse_plasticity(ps, nc, p);
  default: return parse_attrs(ps, &p->attrs);
  }
}

/* ---- probe */

static const char *const probe_keys[] = {"var", "every", "neurons", "attrs"};

static bool probe_item(parser *ps, node_ctx *nc, int key, ir_loc kloc) {
  ir_probe *p = &ps->m->probes[nc->ref.index];
  switch (key) {
  case 0: return parse_word(ps, &p->var, "a variable name");
  case 1: return parse_u32(ps, &p->every, "a step count");
  case 2: nc->have_u32 = true; return parse_u32_list(ps, &nc->u32, &nc->nu32, "a neuron index");
  default: return parse_attrs(ps, &p->attrs);
  }
}

/* ---- phase */

static const char *const phase_keys[] = {"attrs"};

static bool phase_item(parser *ps, node_ctx *nc, int key, ir_loc kloc) {
  return parse_attrs(ps, &ps->m->phases[nc->ref.index].attrs);
}

/* ---------------------------------------------------------------- node dispatch */

#define NKEYS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static bool parse_model_name(parser *ps, bool neuron, int *model) {
  char w[32];
  ir_loc loc = here(ps);
  if (!scan_ident(ps, w, sizeof w, false, neuron ? "a neuron model" : "an astrocyte model")) return false;
  const char *names[8];
  int n = neuron ? IR_NEURON_MODEL_COUNT : IR_ASTRO_MODEL_COUNT;
  for (int i = 0; i < n; i++)
    names[i] = neuron ? ir_neuron_model_desc((ir_neuron_model)i)->name : ir_astro_model_desc((ir_astro_model)i)->name;
  for (int i = 0; i < n; i++)
    if (strcmp(names[i], w) == 0) {
      *model = i;
      return true;
    }
  const char *guess = ir_did_you_mean(w, names, (size_t)n);
  return fail(ps, loc, "unknown %s model '%s'%s%s%s", neuron ? "neuron" : "astrocyte", w,
              guess ? "; did you mean '" : "", guess ? guess : "", guess ? "'?" : "");
}

/* Moves collected lists into the node and checks what the node needs. */
static bool finish_node(parser *ps, node_ctx *nc) {
  ir_module *m = ps->m;
  switch (nc->ref.kind) {
  case IR_NODE_GRID: m->grids[nc->ref.index].loc = nc->loc; break;
  case IR_NODE_POPULATION: {
    ir_population *p = &m->pops[nc->ref.index];
    p->loc = nc->loc;
    set_value_locs(p->params, IR_MAX_PARAMS, nc->loc);
    if (!(nc->seen & 1u)) return fail(ps, nc->at, "%s needs size=", nc->what);
    if (nc->have_u32) {
      if (nc->nu32 != p->size)
        return fail(ps, nc->at, "%s lists %zu sites for %" PRIu32 " neurons", nc->what, nc->nu32, p->size);
      if (nc->nu32 == 0) break;
      p->sites = nc->u32; /* the module owns it from here */
      nc->u32 = NULL;
    }
    break;
  }
  case IR_NODE_ASTROCYTE: {
    ir_astrocyte *a = &m->astros[nc->ref.index];
    a->loc = nc->loc;
    set_value_locs(a->params, IR_MAX_PARAMS, nc->loc);
    if (nc->nlisten) {
      a->listen = ir_arena_alloc(m->arena, nc->nlisten * sizeof *a->listen);
      if (!a->listen) return fail(ps, nc->at, "out of memory");
      for (size_t i = 0; i < nc->nlisten; i++) nc->listen[i].loc = nc->loc;
      memcpy(a->listen, nc->listen, nc->nlisten * sizeof *a->listen);
      a->nlisten = (uint32_t)nc->nlisten;
    }
    if (nc->nmods) {
      a->modulates = ir_arena_alloc(m->arena, nc->nmods * sizeof *a->modulates);
      if (!a->modulates) return fail(ps, nc->at, "out of memory");
      memcpy(a->modulates, nc->mods, nc->nmods * sizeof *a->modulates);
      a->nmodulates = (uint32_t)nc->nmods;
    }
    break;
  }
  case IR_NODE_INPUT: {
    ir_input *in = &m->inputs[nc->ref.index];
    in->loc = nc->loc;
    in->rate.loc = in->p.loc = in->sample_time.loc = in->inject_current.loc = nc->loc;
    if (!(nc->seen & 1u)) return fail(ps, nc->at, "%s needs size=", nc->what);
    break;
  }
  case IR_NODE_PROJECTION: {
    ir_projection *p = &m->projs[nc->ref.index];
    p->loc = p->rule.loc = p->weight.loc = p->delay.loc = nc->loc;
    set_value_locs(p->plast_params, IR_MAX_PARAMS, nc->loc);
    if (nc->csr.active && !csr_finish(ps, &nc->csr, p)) return false;
    break;
  }
  case IR_NODE_PROBE: {
    ir_probe *p = &m->probes[nc->ref.index];
    p->loc = nc->loc;
    if (!(nc->seen & 1u)) return fail(ps, nc->at, "%s needs var=", nc->what);
    if (nc->have_u32) {
      p->indices = ir_arena_alloc(m->arena, nc->nu32 * sizeof *p->indices);
      if (!p->indices) return fail(ps, nc->at, "out of memory");
      if (nc->nu32) memcpy(p->indices, nc->u32, nc->nu32 * sizeof *p->indices);
      p->nindices = (uint32_t)nc->nu32;
    }
    break;
  }
  default: m->phases[nc->ref.index].loc = nc->loc; break;
  }
  return true;
}

static bool oom(parser *ps, int32_t idx, ir_loc at) { return idx >= 0 ? true : fail(ps, at, "out of memory"); }

/* node := KIND '@'NAME positional... items [loc-comment] NL { indented items | synapse row } */
static bool parse_node(parser *ps, const char *kw) {
  ir_module *m = ps->m;
  node_ctx nc = {.at = here(ps)};
  skip_n(ps, strlen(kw));
  const char *name;
  int model;
  int32_t idx = 0;
  bool ok;
  if (!expect_blank(ps) || !parse_node_name(ps, &name)) return false;
  if (strcmp(kw, "grid") == 0) {
    ok = oom(ps, idx = ir_add_grid(m, name, nc.loc), nc.at);
    nc.ref = (ir_ref){IR_NODE_GRID, (uint32_t)idx};
    nc.keys = grid_keys, nc.nkeys = NKEYS(grid_keys), nc.item = grid_item;
  } else if (strcmp(kw, "population") == 0) {
    ok = expect_blank(ps) && parse_model_name(ps, true, &model) &&
         oom(ps, idx = ir_add_population(m, name, (ir_neuron_model)model, 0, nc.loc), nc.at);
    nc.ref = (ir_ref){IR_NODE_POPULATION, (uint32_t)idx};
    nc.keys = population_keys, nc.nkeys = NKEYS(population_keys), nc.item = population_item;
    if (ok) nc.desc = ir_neuron_model_desc((ir_neuron_model)model);
  } else if (strcmp(kw, "astrocyte") == 0) {
    ok = expect_blank(ps) && parse_model_name(ps, false, &model) &&
         oom(ps, idx = ir_add_astrocyte(m, name, (ir_astro_model)model, nc.loc), nc.at);
    nc.ref = (ir_ref){IR_NODE_ASTROCYTE, (uint32_t)idx};
    nc.keys = astrocyte_keys, nc.nkeys = NKEYS(astrocyte_keys), nc.item = astrocyte_item;
    if (ok) nc.desc = ir_astro_model_desc((ir_astro_model)model);
  } else if (strcmp(kw, "input") == 0) {
    char w[32];
    ir_loc wloc;
    int kind = -1;
    ok = expect_blank(ps);
    wloc = here(ps);
    ok = ok && scan_ident(ps, w, sizeof w, false, "an input kind");
    for (int i = 0; ok && i < IR_INPUT_KIND_COUNT; i++)
      if (strcmp(w, input_kind_names[i]) == 0) kind = i;
    if (ok && kind < 0) ok = fail(ps, wloc, "unknown input kind '%s'; expected poisson, bernoulli, spikes or dataset", w);
    ok = ok && oom(ps, idx = ir_add_input(m, name, (ir_input_kind)kind, 0, nc.loc), nc.at);
    nc.ref = (ir_ref){IR_NODE_INPUT, (uint32_t)idx};
    nc.keys = input_keys, nc.nkeys = NKEYS(input_keys), nc.item = input_item;
  } else if (strcmp(kw, "projection") == 0) {
    ir_ref pre = {0, 0}, post = {0, 0};
    ok = expect_blank(ps) && parse_ref(ps, KIND(IR_NODE_POPULATION) | KIND(IR_NODE_INPUT), &pre) &&
         expect_blank(ps) && expect_char(ps, '-') && expect_char(ps, '>') && expect_blank(ps) &&
         parse_ref(ps, KIND(IR_NODE_POPULATION), &post) &&
         oom(ps, idx = ir_add_projection(m, name, pre, post, nc.loc), nc.at);
    nc.ref = (ir_ref){IR_NODE_PROJECTION, (uint32_t)idx};
    nc.keys = projection_keys, nc.nkeys = NKEYS(projection_keys), nc.item = projection_item;
    nc.allow_csr = true;
  } else if (strcmp(kw, "probe") == 0) {
    ir_ref target = {0, 0};
    ok = expect_blank(ps) &&
         parse_ref(ps, KIND(IR_NODE_POPULATION) | KIND(IR_NODE_ASTROCYTE) | KIND(IR_NODE_INPUT) | KIND(IR_NODE_PROJECTION),
                   &target) &&
         oom(ps, idx = ir_add_probe(m, name, target, "spikes", nc.loc), nc.at);
    nc.ref = (ir_ref){IR_NODE_PROBE, (uint32_t)idx};
    nc.keys = probe_keys, nc.nkeys = NKEYS(probe_keys), nc.item = probe_item;
  } else {
    ok = oom(ps, idx = ir_add_phase(m, name, nc.loc), nc.at);
    nc.ref = (ir_ref){IR_NODE_KIND_COUNT, (uint32_t)idx}; /* phases are not referable */
    nc.keys = phase_keys, nc.nkeys = NKEYS(phase_keys), nc.item = phase_item;
  }
  if (ok) {
    nc.what = describe(ps, nc.ref.kind == IR_NODE_KIND_COUNT ? "phase" : ir_node_kind_name(nc.ref.kind), name);
    ok = parse_node_rest(ps, &nc) && finish_node(ps, &nc);
  }
  node_ctx_free(&nc);
  return ok;
}

static const char *const node_keywords[] = {"grid", "population", "astrocyte", "input", "projection", "probe", "phase"};
static const ir_node_kind keyword_kinds[] = {IR_NODE_GRID,       IR_NODE_POPULATION, IR_NODE_ASTROCYTE, IR_NODE_INPUT,
                                             IR_NODE_PROJECTION, IR_NODE_PROBE,      IR_NODE_KIND_COUNT};

static int node_keyword_at(const parser *ps) {
  for (int i = 0; i < NKEYS(node_keywords); i++)
    if (keyword_at(ps, node_keywords[i])) return i;
  return -1;
}

/* First pass: the name of every node, so that references may point forward. */
static bool collect_names(parser *ps) {
  while (ps->p < ps->end) {
    int k = node_keyword_at(ps);
    if (k >= 0 && keyword_kinds[k] != IR_NODE_KIND_COUNT) {
      skip_n(ps, strlen(node_keywords[k]));
      skip_blank(ps);
      ir_loc loc = here(ps);
      const char *name;
      ps->quiet = true;
      bool ok = accept(ps, '@') && parse_word(ps, &name, "a name");
      ps->quiet = false;
      ps->failed = false;
      if (ok) {
        ir_node_kind kind = keyword_kinds[k];
        ir_ref ref = {kind, ps->counts[kind]++};
        if (!table_add(ps, kind == IR_NODE_GRID ? &ps->grids : &ps->nodes, name, ref, loc)) return false;
      }
    }
    while (peek(ps) >= 0 && peek(ps) != '\n') adv(ps);
    adv(ps);
  }
  return true;
}

/* file := 'astroc-ir' INT NL network-line { indented items } { node } */
static bool parse_file(parser *ps) {
  skip_blank_lines(ps);
  if (!keyword_at(ps, "astroc-ir")) return expected(ps, "'astroc-ir 1' (the first line of astroc IR text)");
  skip_n(ps, 9);
  if (!expect_blank(ps)) return false;
  ir_loc vloc = here(ps);
  uint64_t version;
  if (!parse_uint(ps, UINT32_MAX, &version, "a version number")) return false;
  if (version != IR_TEXT_VERSION)
    return fail(ps, vloc, "unsupported IR text version %" PRIu64 " (this astroc reads version %d)", version,
                IR_TEXT_VERSION);
  if (!end_line(ps)) return false;
  skip_blank_lines(ps);
  if (!keyword_at(ps, "network")) return expected(ps, "'network \"NAME\" ...'");
  node_ctx nc = {.at = here(ps), .what = "the network", .keys = network_keys, .nkeys = NKEYS(network_keys),
                 .item = network_item, .ref = {IR_NODE_KIND_COUNT, 0}};
  skip_n(ps, 7);
  if (!expect_blank(ps)) return false;
  const char *name;
  if (peek(ps) != '"') return expected(ps, "the network name as a quoted string");
  if (!parse_string(ps, &name)) return false;
  ps->m->name = name;
  if (!parse_node_rest(ps, &nc)) return false;
  ps->m->loc = nc.loc;
  for (;;) {
    skip_blank_lines(ps);
    if (ps->p >= ps->end) return true;
    int k = node_keyword_at(ps);
    if (k < 0) {
      if (peek(ps) == ' ' || peek(ps) == '\t') skip_blank(ps);
      return expected(ps, "a node (grid, population, astrocyte, input, projection, probe or phase) at the start of a line");
    }
    if (!parse_node(ps, node_keywords[k])) return false;
  }
}

static ir_loc unknown_loc(const char *file) {
  ir_loc loc = {file, 0, 0};
  return loc;
}

ir_module *ir_parse(const char *text, size_t len, const char *filename, ir_diag *d) {
  ir_module *m = ir_module_create("network");
  if (!m) {
    ir_error(d, unknown_loc(filename), "out of memory");
    return NULL;
  }
  parser ps = {.p = text, .end = text + len, .line_start = text, .line = 1, .d = d, .m = m};
  ps.file = ir_arena_strdup(m->arena, filename ? filename : "<ir>");
  bool ok = ps.file && collect_names(&ps);
  if (ok) {
    ps.p = ps.line_start = text;
    ps.line = 1;
    ok = parse_file(&ps);
  }
  free(ps.nodes.v);
  free(ps.grids.v);
  if (!ok || ps.failed) {
    if (!ps.failed) ir_error(d, unknown_loc(filename), "out of memory");
    ir_module_destroy(m);
    return NULL;
  }
  return m;
}
