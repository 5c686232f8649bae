/* conn_list.c — the list rule: synapses read from a CSV file "pre,post,weight,delay" (mV, ms).
 *
 * Every data row is checked (4 fields, integer indices in range, finite weight, delay 0..65535
 * steps, no self-connection unless allowed); each bad row is reported as FILE:LINE:COL and the
 * rule fails after reading the whole file. Duplicated pairs are kept; within a row, synapses are
 * ordered by post, then by file order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "expand_internal.h"

typedef struct list_entry {
  uint32_t pre, post;
  float weight;
  uint16_t delay;
  uint64_t order; /* line number: makes qsort stable */
} list_entry;

typedef struct list_reader {
  const conn_ctx *c;
  ir_diag *d;
  const char *file;
  list_entry *v;
  uint64_t n, cap;
  unsigned errors;
} list_reader;

__attribute__((format(printf, 4, 5))) static void row_error(list_reader *r, uint32_t line, uint32_t col,
                                                            const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  ir_diag_vreport(r->d, IR_SEV_ERROR, (ir_loc){r->file, line, col}, fmt, ap);
  va_end(ap);
  r->errors++;
}

/* Cuts the next comma-separated field out of *p (trimmed); NULL if there is none. */
static char *next_field(char **p, uint32_t *col, const char *line) {
  if (!*p)
    return NULL;
  char *s = *p, *comma = strchr(s, ',');
  if (comma) {
    *comma = '\0';
    *p = comma + 1;
  } else {
    *p = NULL;
  }
  while (*s == ' ' || *s == '\t')
    s++;
  size_t len = strlen(s);
  while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' || s[len - 1] == '\n'))
    s[--len] = '\0';
  *col = (uint32_t)(s - line) + 1;
  return s;
}

static bool parse_index(const char *s, uint32_t limit, uint32_t *out) {
  char *end;
  errno = 0;
  if (*s < '0' || *s > '9')
    return false;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || v >= limit)
    return false;
  *out = (uint32_t)v;
  return true;
}

static bool parse_real(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !isfinite(v))
    return false;
  *out = v;
  return true;
}

static bool push(list_reader *r, list_entry e) {
  if (r->n == r->cap) {
    uint64_t cap = r->cap ? 2 * r->cap : 1024;
    list_entry *v = realloc(r->v, cap * sizeof *v);
    if (!v)
      return false;
    r->v = v;
    r->cap = cap;
  }
  r->v[r->n++] = e;
  return true;
}

/* Parses one data line (modified in place). */
static bool parse_row(list_reader *r, char *line, uint32_t lineno) {
  const conn_ctx *c = r->c;
  char *p = line, *f[4];
  uint32_t col[4];
  for (int i = 0; i < 4; i++)
    if (!(f[i] = next_field(&p, &col[i], line)) || !*f[i]) {
      row_error(r, lineno, 1, "expected 4 fields 'pre,post,weight,delay'");
      return true;
    }
  if (p) {
    row_error(r, lineno, (uint32_t)(p - line), "expected 4 fields 'pre,post,weight,delay'; got more");
    return true;
  }
  list_entry e = {.order = lineno};
  double w, dl;
  if (!parse_index(f[0], c->npre, &e.pre))
    row_error(r, lineno, col[0], "'pre' must be an integer in [0, %u); got '%s'", c->npre, f[0]);
  else if (!parse_index(f[1], c->npost, &e.post))
    row_error(r, lineno, col[1], "'post' must be an integer in [0, %u); got '%s'", c->npost, f[1]);
  else if (!parse_real(f[2], &w))
    row_error(r, lineno, col[2], "'weight' must be a number (mV); got '%s'", f[2]);
  else if (!parse_real(f[3], &dl) || !conn_delay_steps(dl, c->m->dt, &e.delay))
    row_error(r, lineno, col[3], "'delay' must be a number of ms from 0 to 65535 steps; got '%s'", f[3]);
  else if (c->no_self && e.pre == e.post)
    row_error(r, lineno, col[0], "a neuron connects to itself; set 'allow_self: true' to allow it");
  else {
    e.weight = (float)w;
    return push(r, e);
  }
  return true;
}

static bool read_file(list_reader *r, FILE *fp) {
  char *line = NULL;
  size_t cap = 0;
  uint32_t lineno = 0;
  bool ok = true;
  while (ok && getline(&line, &cap, fp) >= 0) {
    lineno++;
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
      line[--len] = '\0';
    if (lineno == 1) {
      if (strcmp(line, "pre,post,weight,delay") != 0)
        row_error(r, 1, 1, "expected the header 'pre,post,weight,delay'");
      continue;
    }
    if (len == 0)
      continue;
    ok = parse_row(r, line, lineno);
  }
  if (lineno == 0)
    row_error(r, 1, 1, "expected the header 'pre,post,weight,delay'; the file is empty");
  free(line);
  return ok;
}

static int cmp_entry(const void *a, const void *b) {
  const list_entry *x = a, *y = b;
  if (x->pre != y->pre)
    return x->pre < y->pre ? -1 : 1;
  if (x->post != y->post)
    return x->post < y->post ? -1 : 1;
  return (x->order > y->order) - (x->order < y->order);
}

static ir_csr *to_csr(const conn_ctx *c, list_entry *v, uint64_t n) {
  qsort(v, n, sizeof *v, cmp_entry);
  ir_csr *csr = ir_csr_create(c->npre, c->npost, n);
  if (!csr)
    return NULL;
  for (uint64_t k = 0; k < n; k++) {
    csr->row_ptr[v[k].pre + 1]++;
    csr->col[k] = v[k].post;
    csr->weight[k] = v[k].weight;
    csr->delay[k] = v[k].delay;
  }
  for (uint32_t i = 0; i < c->npre; i++)
    csr->row_ptr[i + 1] += csr->row_ptr[i];
  return csr;
}

ir_csr *conn_build_list(const conn_ctx *c, ir_diag *d) {
  const ir_conn_rule *rule = &c->proj->rule;
  if (!rule->file) {
    ir_error(d, rule->loc, "the list rule of '%s' needs a file", c->proj->name);
    return NULL;
  }
  FILE *fp = fopen(rule->file, "r");
  if (!fp) {
    ir_error(d, rule->loc, "cannot open list file '%s': %s", rule->file, strerror(errno));
    return NULL;
  }
  list_reader r = {.c = c, .d = d, .file = rule->file};
  bool ok = read_file(&r, fp);
  fclose(fp);
  ir_csr *csr = NULL;
  if (ok && r.errors == 0 && !(csr = to_csr(c, r.v, r.n)))
    ok = false;
  if (!ok)
    ir_error(d, rule->loc, "out of memory reading list file '%s'", rule->file);
  free(r.v);
  return csr;
}
