/* spikes_io.c — model/image loading for the commands, NumPy .npy writing, and spike rasters
 * (CSV or .npy) written while a simulation runs and read back for plotting. */
#include "spikes_io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fe.h"
#include "image.h"
#include "lh.h"
#include "passes.h"

/* ================================================================ models and images */

ir_module *cli_load(const char *path, const cli_load_options *opt, bool *is_image, ir_diag *d) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    ir_error(d, (ir_loc){.file = path}, "cannot open: %s", strerror(errno));
    return NULL;
  }
  char magic[8];
  size_t got = fread(magic, 1, sizeof magic, f);
  fclose(f);
  *is_image = ir_image_is_image(magic, got);
  if (*is_image) return ir_image_load(path, d);
  /* a lava-dl netx network (HDF5): imported already expanded (backends/loihi, docs/loihi-format.md) */
  ir_module *m = lh_netx_is_hdf5(magic, got) ? lh_netx_read(path, d) : fe_yaml_load(path, d);
  if (!m) return NULL;
  if (opt && opt->numerics >= 0) m->numerics = (ir_numerics)opt->numerics;
  if (opt && opt->seed_set) m->seed = opt->seed;
  /* An override can make a valid model invalid (a float-only model under --numerics fixed): that is the
   * user's error, so it is reported here, before a pass could be blamed for it. */
  if (opt && opt->numerics >= 0 && !ir_verify(m, d)) {
    ir_module_destroy(m);
    return NULL;
  }
  size_t npasses;
  const ir_pass *passes = pass_pipeline(&npasses);
  ir_pipeline_options popt = {.print_out = stderr};
#ifndef NDEBUG
  popt.verify_each = true; /* cheap next to expansion; catches pass bugs where they happen */
#endif
  if (!ir_run_pipeline(m, passes, npasses, &popt, d)) {
    ir_module_destroy(m);
    return NULL;
  }
  return m;
}

/* ================================================================ .npy */

struct npy_file {
  FILE *f;
  char *path;
  char *descr;
  uint64_t ncols, rows;
  size_t header_len; /* bytes after the 10-byte preamble, fixed at creation */
  bool err;
};

/* The dict, padded with spaces to header_len - 1 and ended by '\n'. The shape has room for any
 * 64-bit row count because header_len was sized for the longest one. */
static void npy_format_header(const npy_file *f, char *out, size_t cap, uint64_t rows) {
  char shape[64];
  if (f->ncols) snprintf(shape, sizeof shape, "(%llu, %llu)", (unsigned long long)rows, (unsigned long long)f->ncols);
  else snprintf(shape, sizeof shape, "(%llu,)", (unsigned long long)rows);
  int n = snprintf(out, cap, "{'descr': %s, 'fortran_order': False, 'shape': %s, }", f->descr, shape);
  for (size_t i = (size_t)n; i + 1 < f->header_len; i++) out[i] = ' ';
  out[f->header_len - 1] = '\n';
}

static bool npy_write_header(npy_file *f) {
  char *h = malloc(f->header_len + 1);
  if (!h) return false;
  npy_format_header(f, h, f->header_len + 1, f->rows);
  uint8_t pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (uint8_t)f->header_len, (uint8_t)(f->header_len >> 8)};
  bool ok = fwrite(pre, 1, 10, f->f) == 10 && fwrite(h, 1, f->header_len, f->f) == f->header_len;
  free(h);
  return ok;
}

npy_file *npy_create(const char *path, const char *descr, uint64_t ncols, ir_diag *d) {
  npy_file *f = calloc(1, sizeof *f);
  if (!f) return NULL;
  f->path = strdup(path);
  f->descr = strdup(descr);
  f->ncols = ncols;
  /* longest possible dict + newline, rounded so that the data starts 64-byte aligned */
  size_t need = strlen(descr) + 100 + 2 * 20;
  f->header_len = (10 + need + 63) / 64 * 64 - 10;
  f->f = fopen(path, "wb");
  if (!f->f || !f->path || !f->descr || f->header_len > 65535 || !npy_write_header(f)) {
    ir_error(d, (ir_loc){.file = path}, "cannot write: %s", strerror(errno));
    if (f->f) fclose(f->f);
    free(f->path);
    free(f->descr);
    free(f);
    return NULL;
  }
  return f;
}

void npy_append(npy_file *f, const void *row, size_t bytes) {
  if (fwrite(row, 1, bytes, f->f) != bytes) f->err = true;
  f->rows++;
}

void npy_append_f64(npy_file *f, const double *v, size_t n) {
  uint8_t buf[8 * 256];
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t u;
    memcpy(&u, &v[i], 8);
    for (int b = 0; b < 8; b++) buf[k++] = (uint8_t)(u >> (8 * b));
    if (k == sizeof buf || i + 1 == n) {
      if (fwrite(buf, 1, k, f->f) != k) f->err = true;
      k = 0;
    }
  }
  f->rows++;
}

bool npy_close(npy_file *f, ir_diag *d) {
  if (!f) return true;
  bool ok = !f->err && fseek(f->f, 0, SEEK_SET) == 0 && npy_write_header(f);
  ok = (fclose(f->f) == 0) && ok;
  if (!ok) ir_error(d, (ir_loc){.file = f->path}, "write error: %s", strerror(errno));
  free(f->path);
  free(f->descr);
  free(f);
  return ok;
}

/* ================================================================ spike writer */

struct spike_writer {
  FILE *csv;
  npy_file *npy;
  char *path;
  const char *const *names;
  uint32_t nnames;
  size_t name_len; /* 'S<L>' width of the population field */
  uint8_t *row;
};

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

spike_writer *spike_writer_open(const char *path, const char *const *names, uint32_t nnames, ir_diag *d) {
  spike_writer *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->names = names;
  w->nnames = nnames;
  w->path = strdup(path);
  if (ends_with(path, ".npy")) {
    w->name_len = 1;
    for (uint32_t i = 0; i < nnames; i++)
      if (strlen(names[i]) > w->name_len) w->name_len = strlen(names[i]);
    char descr[128];
    snprintf(descr, sizeof descr, "[('step', '<i8'), ('population', '|S%zu'), ('neuron', '<i8')]", w->name_len);
    w->row = calloc(1, 16 + w->name_len);
    w->npy = w->row ? npy_create(path, descr, 0, d) : NULL;
    if (!w->npy) {
      free(w->row);
      free(w->path);
      free(w);
      return NULL;
    }
    return w;
  }
  w->csv = fopen(path, "w");
  if (!w->csv) {
    ir_error(d, (ir_loc){.file = path}, "cannot write: %s", strerror(errno));
    free(w->path);
    free(w);
    return NULL;
  }
  fputs("step,population,neuron\n", w->csv);
  return w;
}

static void put_le64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

void spike_writer_add(spike_writer *w, uint64_t step, uint32_t source, const uint32_t *idx, uint32_t n) {
  const char *name = w->names[source];
  if (w->csv) {
    for (uint32_t i = 0; i < n; i++)
      fprintf(w->csv, "%llu,%s,%u\n", (unsigned long long)step, name, idx[i]);
    return;
  }
  size_t len = strlen(name);
  put_le64(w->row, step);
  memset(w->row + 8, 0, w->name_len);
  memcpy(w->row + 8, name, len);
  for (uint32_t i = 0; i < n; i++) {
    put_le64(w->row + 8 + w->name_len, idx[i]);
    npy_append(w->npy, w->row, 16 + w->name_len);
  }
}

bool spike_writer_close(spike_writer *w, ir_diag *d) {
  if (!w) return true;
  bool ok = true;
  if (w->csv) {
    ok = !ferror(w->csv);
    ok = fclose(w->csv) == 0 && ok;
    if (!ok) ir_error(d, (ir_loc){.file = w->path}, "write error: %s", strerror(errno));
  } else {
    ok = npy_close(w->npy, d);
  }
  free(w->row);
  free(w->path);
  free(w);
  return ok;
}

/* ================================================================ spike reader */

static bool list_push(spike_list *s, uint64_t step, uint32_t src, uint32_t neuron) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 1024;
    uint64_t *a = realloc(s->step, cap * sizeof *a);
    if (a) s->step = a;
    uint32_t *b = realloc(s->src, cap * sizeof *b);
    if (b) s->src = b;
    uint32_t *c = realloc(s->neuron, cap * sizeof *c);
    if (c) s->neuron = c;
    if (!a || !b || !c) return false;
    s->cap = cap;
  }
  s->step[s->n] = step;
  s->src[s->n] = src;
  s->neuron[s->n] = neuron;
  s->n++;
  return true;
}

/* Index of `name` among the sources seen so far, adding it if new; UINT32_MAX on OOM. */
static uint32_t source_id(spike_list *s, const char *name, size_t len) {
  for (uint32_t i = 0; i < s->nnames; i++)
    if (strlen(s->names[i]) == len && memcmp(s->names[i], name, len) == 0) return i;
  char **v = realloc(s->names, (s->nnames + 1) * sizeof *v);
  if (!v) return UINT32_MAX;
  s->names = v;
  char *copy = malloc(len + 1);
  if (!copy) return UINT32_MAX;
  memcpy(copy, name, len);
  copy[len] = '\0';
  s->names[s->nnames] = copy;
  return s->nnames++;
}

static bool parse_u64(const char *s, size_t len, uint64_t *out) {
  if (len == 0 || len > 19) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  *out = v;
  return true;
}

static bool read_csv(const char *path, const char *text, size_t len, spike_list *s, ir_diag *d) {
  const char *p = text, *end = text + len;
  uint32_t line = 0;
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol) eol = end;
    size_t n = (size_t)(eol - p);
    if (n && p[n - 1] == '\r') n--;
    line++;
    ir_loc loc = {path, line, 1};
    if (line == 1) {
      if (n != 22 || memcmp(p, "step,population,neuron", 22) != 0) {
        ir_error(d, loc, "expected the header 'step,population,neuron' of an astroc spike file");
        return false;
      }
    } else if (n > 0) {
      const char *c1 = memchr(p, ',', n);
      const char *c2 = c1 ? memchr(c1 + 1, ',', (size_t)(p + n - c1 - 1)) : NULL;
      uint64_t step, neuron;
      if (!c1 || !c2 || c2 == c1 + 1 || !parse_u64(p, (size_t)(c1 - p), &step) ||
          !parse_u64(c2 + 1, (size_t)(p + n - c2 - 1), &neuron) || neuron > UINT32_MAX) {
        ir_error(d, loc, "expected 'STEP,POPULATION,NEURON' with non-negative integers, got '%.*s'", (int)n, p);
        return false;
      }
      uint32_t src = source_id(s, c1 + 1, (size_t)(c2 - c1 - 1));
      if (src == UINT32_MAX || !list_push(s, step, src, (uint32_t)neuron)) {
        ir_error(d, loc, "out of memory");
        return false;
      }
    }
    p = eol + 1;
  }
  if (line == 0) {
    ir_error(d, (ir_loc){.file = path}, "empty file: expected the header 'step,population,neuron'");
    return false;
  }
  return true;
}

static uint64_t rd_le(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

/* Reads our structured .npy ([('step','<i8'),('population','|S<L>'),('neuron','<i8')]) or an
 * (N, 3) '<i8' array of (step, source index, neuron). */
static bool read_npy(const char *path, const uint8_t *b, size_t len, spike_list *s, ir_diag *d) {
  ir_loc loc = {.file = path};
  size_t pre = 10, hlen;
  if (len < 10 || (b[6] != 1 && b[6] != 2)) goto bad;
  if (b[6] == 1) hlen = (size_t)rd_le(b + 8, 2);
  else {
    if (len < 12) goto bad;
    pre = 12;
    hlen = (size_t)rd_le(b + 8, 4);
  }
  if (hlen > len - pre) goto bad;
  char *h = strndup((const char *)b + pre, hlen);
  if (!h) goto bad;
  unsigned slen = 0;
  unsigned long long rows = 0, cols = 0;
  const char *dp = strstr(h, "'descr': "), *sp = strstr(h, "'shape': ");
  bool structured = dp && (sscanf(dp, "'descr': [('step', '<i8'), ('population', '|S%u'), ('neuron', '<i8')]", &slen) == 1 ||
                           sscanf(dp, "'descr': [('step', '<i8'), ('population', 'S%u'), ('neuron', '<i8')]", &slen) == 1);
  bool plain = dp && strncmp(dp, "'descr': '<i8'", 14) == 0;
  bool fortran = strstr(h, "'fortran_order': True") != NULL;
  int nshape = sp ? sscanf(sp, "'shape': (%llu, %llu)", &rows, &cols) : 0;
  free(h);
  bool layout_ok = !fortran && ((structured && nshape >= 1 && slen > 0 && slen < 4096) ||
                                 (plain && nshape == 2 && cols == 3));
  if (!layout_ok) {
    ir_error(d, loc, "unsupported .npy layout: expected an astroc spike array (fields step, population, neuron) "
                     "or an (N, 3) int64 array");
    return false;
  }
  size_t rowsz = structured ? 16 + slen : 24;
  const uint8_t *data = b + pre + hlen;
  size_t avail = len - pre - hlen;
  if (rows > avail / rowsz) {
    ir_error(d, loc, "truncated .npy: the header promises %llu rows, the file holds %zu", rows, avail / rowsz);
    return false;
  }
  for (size_t r = 0; r < rows; r++) {
    const uint8_t *row = data + r * rowsz;
    uint64_t step = rd_le(row, 8), neuron, srcv;
    uint32_t src;
    if (structured) {
      const char *name = (const char *)row + 8;
      size_t nlen = strnlen(name, slen);
      src = source_id(s, name, nlen);
      neuron = rd_le(row + 8 + slen, 8);
    } else {
      srcv = rd_le(row + 8, 8);
      neuron = rd_le(row + 16, 8);
      char name[32];
      snprintf(name, sizeof name, "source%llu", (unsigned long long)srcv);
      src = srcv > 4096 ? UINT32_MAX : source_id(s, name, strlen(name));
    }
    if ((int64_t)step < 0 || neuron > UINT32_MAX || src == UINT32_MAX || !list_push(s, step, src, (uint32_t)neuron)) {
      ir_error(d, loc, "row %zu: negative or out-of-range value", r);
      return false;
    }
  }
  return true;
bad:
  ir_error(d, loc, "malformed .npy header");
  return false;
}

/* Rows within a step list sources in model order, so every adjacent pair (a, b) of distinct
 * sources in a step says "a before b". A topological sort of those constraints (ties broken by
 * first appearance) recovers model order for every source that ever shares a step. */
static void recover_order(spike_list *s) {
  uint32_t n = s->nnames;
  if (n < 2) return;
  uint8_t *before = calloc((size_t)n * n, 1);
  uint32_t *indeg = calloc(n, sizeof *indeg), *order = malloc(n * sizeof *order), *rank = malloc(n * sizeof *rank);
  bool *done = calloc(n, sizeof *done);
  if (!before || !indeg || !order || !rank || !done) goto out;
  for (size_t i = 1; i < s->n; i++)
    if (s->step[i] == s->step[i - 1] && s->src[i] != s->src[i - 1] && !before[s->src[i - 1] * n + s->src[i]]) {
      before[s->src[i - 1] * n + s->src[i]] = 1;
      indeg[s->src[i]]++;
    }
  for (uint32_t k = 0; k < n; k++) {
    uint32_t pick = UINT32_MAX;
    for (uint32_t i = 0; i < n && pick == UINT32_MAX; i++)
      if (!done[i] && indeg[i] == 0) pick = i;
    for (uint32_t i = 0; i < n && pick == UINT32_MAX; i++) /* a cycle: not our file; keep going */
      if (!done[i]) pick = i;
    done[pick] = true;
    order[k] = pick;
    rank[pick] = k;
    for (uint32_t j = 0; j < n; j++)
      if (before[pick * n + j]) indeg[j]--;
  }
  char **names = malloc(n * sizeof *names);
  if (!names) goto out;
  for (uint32_t k = 0; k < n; k++) names[k] = s->names[order[k]];
  free(s->names);
  s->names = names;
  for (size_t i = 0; i < s->n; i++) s->src[i] = rank[s->src[i]];
out:
  free(before);
  free(indeg);
  free(order);
  free(rank);
  free(done);
}

bool spike_list_read(const char *path, spike_list *out, ir_diag *d) {
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "rb");
  if (!f) {
    ir_error(d, (ir_loc){.file = path}, "cannot open: %s", strerror(errno));
    return false;
  }
  size_t len = 0, cap = 1 << 16;
  uint8_t *b = malloc(cap);
  size_t got;
  while (b && (got = fread(b + len, 1, cap - len, f)) > 0) {
    len += got;
    if (len == cap) {
      uint8_t *nb = realloc(b, cap * 2);
      if (!nb) {
        free(b);
        b = NULL;
        break;
      }
      b = nb;
      cap *= 2;
    }
  }
  fclose(f);
  if (!b) {
    ir_error(d, (ir_loc){.file = path}, "out of memory");
    return false;
  }
  bool ok = len >= 6 && memcmp(b, "\x93NUMPY", 6) == 0 ? read_npy(path, b, len, out, d)
                                                      : read_csv(path, (const char *)b, len, out, d);
  free(b);
  if (ok) recover_order(out);
  else spike_list_free(out);
  return ok;
}

void spike_list_free(spike_list *s) {
  free(s->step);
  free(s->src);
  free(s->neuron);
  for (uint32_t i = 0; i < s->nnames; i++) free(s->names[i]);
  free(s->names);
  memset(s, 0, sizeof *s);
}
