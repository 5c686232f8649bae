/* diag.c — user-facing diagnostics: "FILE:LINE:COL: error: ...", the source line and a caret. */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

typedef struct source {
  char *file;
  char *text;
  size_t len;
} source;

struct ir_diag {
  FILE *out;
  bool color;
  unsigned errors;
  source *sources;
  size_t nsources;
  char last[512];
};

void ir_internal_error(const char *file, int line, const char *what) {
  fprintf(stderr, "astroc: internal error at %s:%d: %s\n", file, line, what);
  fprintf(stderr, "astroc: this is a bug in astroc, not in your input; please report it\n");
  abort();
}

ir_diag *ir_diag_create(FILE *out) {
  ir_diag *d = calloc(1, sizeof(*d));
  if (d) d->out = out;
  return d;
}

void ir_diag_destroy(ir_diag *d) {
  if (!d) return;
  for (size_t i = 0; i < d->nsources; i++) {
    free(d->sources[i].file);
    free(d->sources[i].text);
  }
  free(d->sources);
  free(d);
}

void ir_diag_set_color(ir_diag *d, bool on) { d->color = on; }

void ir_diag_add_source(ir_diag *d, const char *file, const char *text, size_t len) {
  source *grown = realloc(d->sources, (d->nsources + 1) * sizeof(*grown));
  if (!grown) return; /* quoting lines is a nicety; diagnostics still work without it */
  d->sources = grown;
  source *s = &d->sources[d->nsources];
  s->file = strdup(file);
  s->text = malloc(len + 1);
  if (!s->file || !s->text) {
    free(s->file);
    free(s->text);
    return;
  }
  memcpy(s->text, text, len);
  s->text[len] = '\0';
  s->len = len;
  d->nsources++;
}

static const source *find_source(const ir_diag *d, const char *file) {
  if (!file) return NULL;
  for (size_t i = 0; i < d->nsources; i++)
    if (strcmp(d->sources[i].file, file) == 0) return &d->sources[i];
  return NULL;
}

/* Prints line `line` of `s` and a caret under column `col` (tabs kept so the caret aligns). */
static void quote_line(FILE *out, const source *s, uint32_t line, uint32_t col) {
  const char *p = s->text, *end = s->text + s->len;
  for (uint32_t l = 1; l < line && p < end; l++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) return;
    p = nl + 1;
  }
  if (p >= end) return;
  const char *eol = memchr(p, '\n', (size_t)(end - p));
  size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
  if (n > 0 && p[n - 1] == '\r') n--;
  fprintf(out, "%5u | %.*s\n      | ", line, (int)n, p);
  for (uint32_t c = 1; c < col && c - 1 < n; c++) fputc(p[c - 1] == '\t' ? '\t' : ' ', out);
  fputs("^\n", out);
}

void ir_diag_vreport(ir_diag *d, ir_severity sev, ir_loc loc, const char *fmt, va_list ap) {
  static const char *const names[] = {"error", "warning", "note"};
  static const char *const colors[] = {"\033[1;31m", "\033[1;35m", "\033[1;36m"};
  va_list copy;
  va_copy(copy, ap);
  vsnprintf(d->last, sizeof d->last, fmt, copy);
  va_end(copy);
  if (sev == IR_SEV_ERROR) d->errors++;
  if (!d->out) return;
  if (loc.file && loc.line) fprintf(d->out, "%s:%u:%u: ", loc.file, loc.line, loc.col ? loc.col : 1);
  else if (loc.file) fprintf(d->out, "%s: ", loc.file);
  else fputs("astroc: ", d->out);
  if (d->color) fprintf(d->out, "%s%s:\033[0m ", colors[sev], names[sev]);
  else fprintf(d->out, "%s: ", names[sev]);
  fprintf(d->out, "%s\n", d->last);
  const source *s = find_source(d, loc.file);
  if (s && loc.line) quote_line(d->out, s, loc.line, loc.col ? loc.col : 1);
}

void ir_diag_report(ir_diag *d, ir_severity sev, ir_loc loc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  ir_diag_vreport(d, sev, loc, fmt, ap);
  va_end(ap);
}

unsigned ir_diag_error_count(const ir_diag *d) { return d->errors; }
const char *ir_diag_last(const ir_diag *d) { return d->last; }

/* Optimal-string-alignment distance (Levenshtein plus adjacent transpositions, so "lfi" is one edit
 * from "lif"); three rows, since names are short keys. */
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 64 || lb > 64) return SIZE_MAX;
  size_t rows[3][65];
  size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
  for (size_t j = 0; j <= lb; j++) prev[j] = j;
  for (size_t i = 1; i <= la; i++) {
    cur[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
      size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
      size_t best = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < best)
        best = prev2[j - 2] + 1;
      cur[j] = best;
    }
    size_t *t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return prev[lb];
}

const char *ir_did_you_mean(const char *word, const char *const *names, size_t n) {
  const char *best = NULL;
  size_t best_d = SIZE_MAX, len = strlen(word);
  size_t limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
  for (size_t i = 0; i < n; i++) {
    size_t dist = edit_distance(word, names[i]);
    if (dist < best_d) {
      best_d = dist;
      best = names[i];
    }
  }
  return best_d <= limit ? best : NULL;
}
