/* image.c — the image container: encode an ir_module to "ASTROIMG" bytes and decode them back,
 * validating every byte before trusting it. Layout: docs/image-format.md.
 *
 *   +------------------+ 0
 *   | header (64 B)    |  magic, version, flags, endian marker, total length, CRC-32, ...
 *   +------------------+ 64
 *   | section table    |  nsections x {u32 id, u32 flags, u64 offset, u64 length}
 *   +------------------+ (8-aligned)
 *   | strings          |  NUL-terminated strings, referred to by byte offset
 *   | module           |  network fields, node counts, module attributes
 *   | nodes            |  grids, populations, astrocytes, inputs, projections, probes, phases
 *   | csr              |  per expanded projection: row_ptr, col, weight, delay (8-aligned arrays)
 *   +------------------+ total length
 */
#include "image.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ shared definitions */

enum { SEC_STRINGS = 1, SEC_MODULE = 2, SEC_NODES = 3, SEC_CSR = 4, SEC_KNOWN_MAX = 4 };
enum { SECF_REQUIRED = 1u << 0 }; /* a reader that does not know this section must refuse */
enum { SEC_ENTRY_SIZE = 24, MAX_SECTIONS = 64 };
#define ENDIAN_MARK 0x01020304u
#define NO_STRING 0xFFFFFFFFu

static const char *section_name(uint32_t id) {
  switch (id) {
  case SEC_STRINGS: return "strings";
  case SEC_MODULE: return "module";
  case SEC_NODES: return "nodes";
  case SEC_CSR: return "csr";
  case IR_IMAGE_SECTION_NATIVE: return "native";
  default: return "unknown";
  }
}

uint32_t ir_crc32(uint32_t crc, const void *data, size_t len) {
  static uint32_t table[256];
  static bool ready;
  if (!ready) { /* computed once; racing threads would compute identical values */
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t c = i;
      for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    ready = true;
  }
  const uint8_t *p = data;
  crc = ~crc;
  for (size_t i = 0; i < len; i++) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

bool ir_image_is_image(const void *data, size_t len) {
  return len >= 8 && memcmp(data, IR_IMAGE_MAGIC, 8) == 0;
}

/* ================================================================ writer */

typedef struct buf {
  uint8_t *p;
  size_t n, cap;
  bool oom;
} buf;

static void put(buf *b, const void *src, size_t n) {
  if (b->oom || n == 0) return;
  if (b->cap - b->n < n) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->n < n) {
      if (cap > SIZE_MAX / 2) {
        b->oom = true;
        return;
      }
      cap *= 2;
    }
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
      b->oom = true;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, src, n);
  b->n += n;
}

/* Fixed-width little-endian writes, independent of the host's byte order. */
static void put_u8(buf *b, uint8_t v) { put(b, &v, 1); }
static void put_u16(buf *b, uint16_t v) {
  uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
  put(b, x, 2);
}
static void put_u32(buf *b, uint32_t v) {
  uint8_t x[4];
  for (int i = 0; i < 4; i++) x[i] = (uint8_t)(v >> (8 * i));
  put(b, x, 4);
}
static void put_u64(buf *b, uint64_t v) {
  uint8_t x[8];
  for (int i = 0; i < 8; i++) x[i] = (uint8_t)(v >> (8 * i));
  put(b, x, 8);
}
static void put_i32(buf *b, int32_t v) { put_u32(b, (uint32_t)v); }
static void put_f64(buf *b, double v) {
  uint64_t u;
  memcpy(&u, &v, 8);
  put_u64(b, u);
}
static void put_f32(buf *b, float v) {
  uint32_t u;
  memcpy(&u, &v, 4);
  put_u32(b, u);
}
/* Pads with zeros to a multiple of 8 (sections start 8-aligned, so arrays are file-aligned). */
static void put_align(buf *b) {
  static const uint8_t zero[8];
  put(b, zero, (8 - b->n % 8) % 8);
}

/* Interned strings: the table holds each distinct string once. */
typedef struct strtab {
  buf data;
  uint32_t *offs; /* offsets of distinct strings, for the linear dedup scan */
  size_t n, cap;
} strtab;

typedef struct writer {
  strtab st;
  buf module, nodes, csr;
} writer;

static uint32_t intern(writer *w, const char *s) {
  if (!s) return NO_STRING;
  strtab *t = &w->st;
  for (size_t i = 0; i < t->n; i++)
    if (strcmp((const char *)t->data.p + t->offs[i], s) == 0) return t->offs[i];
  size_t len = strlen(s) + 1;
  if (t->data.n + len >= NO_STRING) {
    t->data.oom = true;
    return NO_STRING;
  }
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 64;
    uint32_t *p = realloc(t->offs, cap * sizeof *p);
    if (!p) {
      t->data.oom = true;
      return NO_STRING;
    }
    t->offs = p;
    t->cap = cap;
  }
  uint32_t off = (uint32_t)t->data.n;
  put(&t->data, s, len);
  t->offs[t->n++] = off;
  return off;
}

static void put_str(writer *w, buf *b, const char *s) { put_u32(b, intern(w, s)); }

static void put_loc(writer *w, buf *b, ir_loc l) {
  put_str(w, b, l.file);
  put_u32(b, l.line);
  put_u32(b, l.col);
}

static void put_ref(buf *b, ir_ref r) {
  put_u8(b, (uint8_t)r.kind);
  put_u32(b, r.index);
}

static void put_value(writer *w, buf *b, const ir_value *v) {
  put_u8(b, (uint8_t)v->kind);
  put_u8(b, (uint8_t)v->dim.time);
  put_u8(b, (uint8_t)v->dim.volt);
  put_u8(b, (uint8_t)v->dim.curr);
  put_u8(b, (uint8_t)v->dim.conc);
  put_f64(b, v->a);
  put_f64(b, v->b);
  put_f64(b, v->lo);
  put_f64(b, v->hi);
  uint32_t nc = v->choice ? v->nchoice : 0;
  put_u32(b, nc);
  for (uint32_t i = 0; i < nc; i++) put_f64(b, v->choice[i]);
  put_loc(w, b, v->loc);
}

static void put_params(writer *w, buf *b, const ir_value *params) {
  put_u8(b, IR_MAX_PARAMS);
  for (uint32_t i = 0; i < IR_MAX_PARAMS; i++) put_value(w, b, &params[i]);
}

static void put_attrs(writer *w, buf *b, const ir_attrs *a) {
  put_u32(b, a->n);
  for (uint32_t i = 0; i < a->n; i++) {
    const ir_attr *at = &a->v[i];
    put_str(w, b, at->key);
    put_u8(b, (uint8_t)at->kind);
    switch (at->kind) {
    case IR_ATTR_INT: put_u64(b, (uint64_t)at->u.i); break;
    case IR_ATTR_FLOAT: put_f64(b, at->u.f); break;
    case IR_ATTR_STR: put_str(w, b, at->u.s); break;
    }
  }
}

static void put_u32_array(buf *b, const uint32_t *v, uint64_t n) {
  put_align(b);
  for (uint64_t i = 0; i < n; i++) put_u32(b, v[i]);
}

static void write_module_section(writer *w, const ir_module *m) {
  buf *b = &w->module;
  put_str(w, b, m->name);
  put_loc(w, b, m->loc);
  put_f64(b, m->dt);
  put_u64(b, m->seed);
  put_u8(b, (uint8_t)m->numerics);
  put_f64(b, m->v_unit);
  put_f64(b, m->duration);
  put_u32(b, m->ngrids);
  put_u32(b, m->npops);
  put_u32(b, m->nastros);
  put_u32(b, m->ninputs);
  put_u32(b, m->nprojs);
  put_u32(b, m->nprobes);
  put_u32(b, m->nphases);
  put_attrs(w, b, &m->attrs);
}

static void write_csr(writer *w, const ir_csr *c) {
  buf *b = &w->csr;
  put_align(b);
  for (uint64_t i = 0; i <= c->npre; i++) put_u64(b, c->row_ptr[i]);
  put_u32_array(b, c->col, c->nsyn);
  put_align(b);
  for (uint64_t i = 0; i < c->nsyn; i++) put_f32(b, c->weight[i]);
  put_align(b);
  for (uint64_t i = 0; i < c->nsyn; i++) put_u16(b, c->delay[i]);
}

static void write_projection(writer *w, const ir_projection *p) {
  buf *b = &w->nodes;
  put_str(w, b, p->name);
  put_loc(w, b, p->loc);
  put_ref(b, p->pre);
  put_ref(b, p->post);
  put_u8(b, (uint8_t)p->rule.kind);
  put_f64(b, p->rule.p);
  put_u32(b, p->rule.indegree);
  put_u64(b, p->rule.n);
  put_f64(b, p->rule.c);
  put_f64(b, p->rule.lambda);
  put_str(w, b, p->rule.file);
  put_u8(b, p->rule.allow_self);
  put_loc(w, b, p->rule.loc);
  put_value(w, b, &p->weight);
  put_value(w, b, &p->delay);
  put_u8(b, (uint8_t)p->plasticity);
  put_params(w, b, p->plast_params);
  put_u8(b, p->anti_hebbian);
  put_i32(b, p->modulator);
  put_u8(b, p->csr != NULL);
  if (p->csr) {
    put_u32(b, p->csr->npre);
    put_u32(b, p->csr->npost);
    put_u64(b, p->csr->nsyn);
    write_csr(w, p->csr);
  }
  put_attrs(w, b, &p->attrs);
}

static void write_nodes_section(writer *w, const ir_module *m) {
  buf *b = &w->nodes;
  for (uint32_t i = 0; i < m->ngrids; i++) {
    const ir_grid *g = &m->grids[i];
    put_str(w, b, g->name);
    put_loc(w, b, g->loc);
    for (int k = 0; k < 3; k++) put_u32(b, g->shape[k]);
    put_f64(b, g->spacing);
    put_attrs(w, b, &g->attrs);
  }
  for (uint32_t i = 0; i < m->npops; i++) {
    const ir_population *p = &m->pops[i];
    put_str(w, b, p->name);
    put_loc(w, b, p->loc);
    put_u8(b, (uint8_t)p->model);
    put_u32(b, p->size);
    put_params(w, b, p->params);
    put_i32(b, p->grid);
    put_u8(b, p->sites != NULL);
    if (p->sites) put_u32_array(b, p->sites, p->size);
    put_attrs(w, b, &p->attrs);
  }
  for (uint32_t i = 0; i < m->nastros; i++) {
    const ir_astrocyte *a = &m->astros[i];
    put_str(w, b, a->name);
    put_loc(w, b, a->loc);
    put_u8(b, (uint8_t)a->model);
    put_u32(b, a->size);
    put_params(w, b, a->params);
    put_u32(b, a->nlisten);
    for (uint32_t k = 0; k < a->nlisten; k++) {
      put_ref(b, a->listen[k].source);
      put_u8(b, (uint8_t)a->listen[k].sign);
      put_loc(w, b, a->listen[k].loc);
    }
    put_u32(b, a->nmodulates);
    for (uint32_t k = 0; k < a->nmodulates; k++) put_ref(b, a->modulates[k]);
    put_attrs(w, b, &a->attrs);
  }
  for (uint32_t i = 0; i < m->ninputs; i++) {
    const ir_input *in = &m->inputs[i];
    put_str(w, b, in->name);
    put_loc(w, b, in->loc);
    put_u8(b, (uint8_t)in->kind);
    put_u32(b, in->size);
    put_value(w, b, &in->rate);
    put_value(w, b, &in->p);
    put_str(w, b, in->file);
    put_str(w, b, in->dataset);
    put_str(w, b, in->split);
    put_u8(b, (uint8_t)in->encoding);
    put_value(w, b, &in->sample_time);
    put_i32(b, in->inject_into);
    put_value(w, b, &in->inject_current);
    put_attrs(w, b, &in->attrs);
  }
  for (uint32_t i = 0; i < m->nprojs; i++) write_projection(w, &m->projs[i]);
  for (uint32_t i = 0; i < m->nprobes; i++) {
    const ir_probe *p = &m->probes[i];
    put_str(w, b, p->name);
    put_loc(w, b, p->loc);
    put_ref(b, p->target);
    put_str(w, b, p->var);
    put_u32(b, p->every);
    put_u8(b, p->indices != NULL);
    put_u32(b, p->nindices);
    if (p->indices) put_u32_array(b, p->indices, p->nindices);
    put_attrs(w, b, &p->attrs);
  }
  for (uint32_t i = 0; i < m->nphases; i++) {
    const ir_phase *p = &m->phases[i];
    put_str(w, b, p->name);
    put_loc(w, b, p->loc);
    put_attrs(w, b, &p->attrs);
  }
}

static void writer_free(writer *w) {
  free(w->st.data.p);
  free(w->st.offs);
  free(w->module.p);
  free(w->nodes.p);
  free(w->csr.p);
}

static void put_u32_at(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

bool ir_image_encode(const ir_module *m, void **out, size_t *len, ir_diag *d) {
  return ir_image_encode_ex(m, NULL, 0, out, len, d);
}

bool ir_image_encode_ex(const ir_module *m, const ir_image_extra *extra, size_t nextra, void **out, size_t *len,
                        ir_diag *d) {
  enum { NKNOWN = 4 };
  if (nextra > MAX_SECTIONS - NKNOWN) {
    ir_error(d, (ir_loc){0}, "image of '%s': %zu extra sections, at most %d", m->name ? m->name : "?", nextra,
             MAX_SECTIONS - NKNOWN);
    return false;
  }
  writer w = {0};
  write_module_section(&w, m);
  write_nodes_section(&w, m);
  /* The four module sections (required), then the caller's optional sections, in the caller's order. */
  const void *sp[MAX_SECTIONS] = {w.st.data.p, w.module.p, w.nodes.p, w.csr.p};
  size_t sn[MAX_SECTIONS] = {w.st.data.n, w.module.n, w.nodes.n, w.csr.n};
  uint32_t ids[MAX_SECTIONS] = {SEC_STRINGS, SEC_MODULE, SEC_NODES, SEC_CSR};
  uint32_t sflags[MAX_SECTIONS] = {SECF_REQUIRED, SECF_REQUIRED, SECF_REQUIRED, SECF_REQUIRED};
  const size_t nsec = NKNOWN + nextra;
  for (size_t i = 0; i < nextra; i++) {
    IR_ASSERT(extra[i].id > SEC_KNOWN_MAX);
    sp[NKNOWN + i] = extra[i].data;
    sn[NKNOWN + i] = extra[i].len;
    ids[NKNOWN + i] = extra[i].id;
    sflags[NKNOWN + i] = 0; /* optional: older readers skip it */
  }
  bool oom = w.st.data.oom || w.module.oom || w.nodes.oom || w.csr.oom;
  buf img = {0};
  if (!oom) {
    size_t off = IR_IMAGE_HEADER_SIZE + nsec * SEC_ENTRY_SIZE;
    size_t offs[MAX_SECTIONS];
    for (size_t i = 0; i < nsec; i++) {
      off = (off + 7) / 8 * 8;
      offs[i] = off;
      off += sn[i];
    }
    size_t total = (off + 7) / 8 * 8;
    /* header; the CRC is patched in once the payload is complete */
    put(&img, IR_IMAGE_MAGIC, 8);
    put_u32(&img, IR_IMAGE_VERSION);
    put_u32(&img, 0); /* flags */
    put_u32(&img, ENDIAN_MARK);
    put_u32(&img, IR_IMAGE_HEADER_SIZE);
    put_u64(&img, total);
    put_u32(&img, (uint32_t)nsec);
    put_u32(&img, 0); /* crc */
    for (int i = 0; i < 3; i++) put_u64(&img, 0);
    for (size_t i = 0; i < nsec; i++) {
      put_u32(&img, ids[i]);
      put_u32(&img, sflags[i]);
      put_u64(&img, offs[i]);
      put_u64(&img, sn[i]);
    }
    for (size_t i = 0; i < nsec; i++) {
      put_align(&img);
      if (sn[i]) put(&img, sp[i], sn[i]);
    }
    put_align(&img);
    oom = img.oom;
    if (!oom) {
      IR_ASSERT(img.n == total);
      put_u32_at(img.p + 36, ir_crc32(0, img.p + IR_IMAGE_HEADER_SIZE, total - IR_IMAGE_HEADER_SIZE));
    }
  }
  writer_free(&w);
  if (oom) {
    free(img.p);
    ir_error(d, (ir_loc){0}, "out of memory while encoding the image of '%s'", m->name ? m->name : "?");
    return false;
  }
  *out = img.p;
  *len = img.n;
  return true;
}

bool ir_image_write(const ir_module *m, FILE *f, ir_diag *d) {
  return ir_image_write_ex(m, NULL, 0, f, d);
}

bool ir_image_write_ex(const ir_module *m, const ir_image_extra *extra, size_t nextra, FILE *f, ir_diag *d) {
  void *data;
  size_t len;
  if (!ir_image_encode_ex(m, extra, nextra, &data, &len, d)) return false;
  bool ok = fwrite(data, 1, len, f) == len;
  free(data);
  if (ok) ok = fflush(f) == 0;
  if (!ok) ir_error(d, (ir_loc){0}, "cannot write the image: %s", strerror(errno));
  return ok;
}

/* ================================================================ reader */

/* A bounds-checked cursor over one section. The first error sticks: later reads return zeros,
 * and the caller checks `r->bad` once per record (SQLite-style error counting, no longjmp). */
typedef struct reader {
  const uint8_t *p;
  size_t len, pos;
  const char *sec;
  struct ctx *cx;
} reader;

typedef struct ctx {
  ir_diag *d;
  const char *name;
  bool bad;
  const char *strings; /* arena copy of the string table */
  size_t nstrings;
  ir_module *m;
} ctx;

static void fail(ctx *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(ctx *cx, const char *fmt, ...) {
  if (cx->bad) return;
  cx->bad = true;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  ir_error(cx->d, (ir_loc){.file = cx->name}, "%s", msg);
}

static const uint8_t *take(reader *r, size_t n) {
  if (r->cx->bad) return NULL;
  if (r->len - r->pos < n) {
    fail(r->cx, "image truncated: section '%s' needs %zu bytes at offset %zu, %zu left", r->sec, n, r->pos,
         r->len - r->pos);
    return NULL;
  }
  const uint8_t *p = r->p + r->pos;
  r->pos += n;
  return p;
}

static uint64_t le(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

static uint8_t get_u8(reader *r) {
  const uint8_t *p = take(r, 1);
  return p ? p[0] : 0;
}
static uint16_t get_u16(reader *r) {
  const uint8_t *p = take(r, 2);
  return p ? (uint16_t)le(p, 2) : 0;
}
static uint32_t get_u32(reader *r) {
  const uint8_t *p = take(r, 4);
  return p ? (uint32_t)le(p, 4) : 0;
}
static uint64_t get_u64(reader *r) {
  const uint8_t *p = take(r, 8);
  return p ? le(p, 8) : 0;
}
static int32_t get_i32(reader *r) {
  uint32_t u = get_u32(r);
  int32_t v;
  memcpy(&v, &u, 4);
  return v;
}
static double get_f64(reader *r) {
  uint64_t u = get_u64(r);
  double v;
  memcpy(&v, &u, 8);
  return v;
}
static float get_f32(reader *r) {
  uint32_t u = get_u32(r);
  float v;
  memcpy(&v, &u, 4);
  return v;
}
static bool get_bool(reader *r, const char *what) {
  uint8_t v = get_u8(r);
  if (v > 1) fail(r->cx, "image corrupt: section '%s': %s is %u, expected 0 or 1", r->sec, what, v);
  return v == 1;
}
static void get_align(reader *r) {
  size_t pad = (8 - r->pos % 8) % 8;
  take(r, pad);
}

/* Checks that n elements of `size` bytes fit in what is left, without overflow. */
static bool fits(reader *r, uint64_t n, size_t size, const char *what) {
  if (r->cx->bad) return false;
  size_t left = r->len - r->pos;
  if (n > left / size) {
    fail(r->cx, "image truncated: section '%s' needs %llu %s (%s bytes), %zu left", r->sec, (unsigned long long)n,
         what, n > SIZE_MAX / size ? "too many" : "more", left);
    return false;
  }
  return true;
}

/* A string reference: a byte offset into the string table, NUL-terminated inside it. */
static const char *get_str(reader *r, bool nullable, const char *what) {
  uint32_t off = get_u32(r);
  if (r->cx->bad) return NULL;
  ctx *cx = r->cx;
  if (off == NO_STRING) {
    if (!nullable) fail(cx, "image corrupt: section '%s': %s is missing", r->sec, what);
    return NULL;
  }
  if (off >= cx->nstrings || (off > 0 && cx->strings[off - 1] != '\0')) {
    fail(cx, "image corrupt: section '%s': %s refers to string offset %u, not the start of a string", r->sec,
         what, off);
    return NULL;
  }
  return cx->strings + off;
}

static ir_loc get_loc(reader *r) {
  ir_loc l;
  l.file = get_str(r, true, "a source file name");
  l.line = get_u32(r);
  l.col = get_u32(r);
  return l;
}

static ir_ref get_ref(reader *r) {
  ir_ref ref;
  uint8_t k = get_u8(r);
  ref.index = get_u32(r);
  if (k >= IR_NODE_KIND_COUNT) fail(r->cx, "image corrupt: section '%s': node kind %u out of range", r->sec, k);
  ref.kind = (ir_node_kind)(k < IR_NODE_KIND_COUNT ? k : 0);
  return ref;
}

static ir_value get_value(reader *r) {
  ir_value v = {0};
  uint8_t kind = get_u8(r);
  if (kind > IR_VAL_CHOICE) fail(r->cx, "image corrupt: section '%s': value kind %u out of range", r->sec, kind);
  v.kind = (ir_value_kind)(kind <= IR_VAL_CHOICE ? kind : 0);
  v.dim.time = (int8_t)get_u8(r);
  v.dim.volt = (int8_t)get_u8(r);
  v.dim.curr = (int8_t)get_u8(r);
  v.dim.conc = (int8_t)get_u8(r);
  v.a = get_f64(r);
  v.b = get_f64(r);
  v.lo = get_f64(r);
  v.hi = get_f64(r);
  uint32_t nc = get_u32(r);
  if (nc && fits(r, nc, 8, "choices")) {
    double *c = ir_arena_alloc(r->cx->m->arena, (size_t)nc * sizeof *c);
    if (!c) fail(r->cx, "out of memory reading the image");
    for (uint32_t i = 0; c && i < nc; i++) c[i] = get_f64(r);
    v.choice = c;
    v.nchoice = c ? nc : 0;
  }
  v.loc = get_loc(r);
  return v;
}

static void get_params(reader *r, ir_value *params) {
  uint8_t n = get_u8(r);
  if (n > IR_MAX_PARAMS) {
    fail(r->cx, "image corrupt: section '%s': %u parameters, this astroc knows at most %u", r->sec, n,
         IR_MAX_PARAMS);
    return;
  }
  for (uint32_t i = 0; i < n && !r->cx->bad; i++) params[i] = get_value(r);
}

static void get_attrs(reader *r, ir_attrs *a) {
  uint32_t n = get_u32(r);
  if (!n || !fits(r, n, 9, "attributes")) return;
  a->v = calloc(n, sizeof *a->v);
  if (!a->v) {
    fail(r->cx, "out of memory reading the image");
    return;
  }
  a->cap = n;
  for (uint32_t i = 0; i < n && !r->cx->bad; i++) {
    ir_attr *at = &a->v[i];
    at->key = get_str(r, false, "an attribute key");
    uint8_t kind = get_u8(r);
    switch (kind) {
    case IR_ATTR_INT: at->u.i = (int64_t)get_u64(r); break;
    case IR_ATTR_FLOAT: at->u.f = get_f64(r); break;
    case IR_ATTR_STR: at->u.s = get_str(r, false, "an attribute value"); break;
    default: fail(r->cx, "image corrupt: section '%s': attribute kind %u out of range", r->sec, kind);
    }
    at->kind = (ir_attr_kind)kind;
    if (!r->cx->bad) a->n = i + 1;
  }
}

/* A u32 array, 8-aligned, allocated in the arena (probe indices) or malloc'd (sites). */
static uint32_t *get_u32_array(reader *r, uint64_t n, bool arena, const char *what) {
  get_align(r);
  if (!fits(r, n, 4, what)) return NULL;
  size_t bytes = n ? (size_t)n * 4 : 4;
  uint32_t *v = arena ? ir_arena_alloc(r->cx->m->arena, bytes) : malloc(bytes);
  if (!v) {
    fail(r->cx, "out of memory reading the image");
    return NULL;
  }
  for (uint64_t i = 0; i < n; i++) v[i] = get_u32(r);
  return v;
}

static void read_module_section(reader *r, uint32_t counts[7]) {
  ir_module *m = r->cx->m;
  const char *name = get_str(r, false, "the network name");
  if (name) m->name = name;
  m->loc = get_loc(r);
  m->dt = get_f64(r);
  m->seed = get_u64(r);
  uint8_t num = get_u8(r);
  if (num > IR_NUMERICS_FIXED) fail(r->cx, "image corrupt: section 'module': numerics %u out of range", num);
  m->numerics = num == IR_NUMERICS_FIXED ? IR_NUMERICS_FIXED : IR_NUMERICS_FLOAT;
  m->v_unit = get_f64(r);
  m->duration = get_f64(r);
  for (int i = 0; i < 7; i++) counts[i] = get_u32(r);
  get_attrs(r, &m->attrs);
}

static bool added(ctx *cx, int32_t idx) {
  if (idx < 0) fail(cx, "out of memory reading the image");
  return idx >= 0;
}

static void read_grid(reader *r) {
  ir_module *m = r->cx->m;
  const char *name = get_str(r, false, "a grid name");
  ir_loc loc = get_loc(r);
  if (r->cx->bad || !added(r->cx, ir_add_grid(m, name, loc))) return;
  ir_grid *g = &m->grids[m->ngrids - 1];
  for (int k = 0; k < 3; k++) g->shape[k] = get_u32(r);
  g->spacing = get_f64(r);
  get_attrs(r, &g->attrs);
}

static void read_population(reader *r) {
  ir_module *m = r->cx->m;
  const char *name = get_str(r, false, "a population name");
  ir_loc loc = get_loc(r);
  uint8_t model = get_u8(r);
  uint32_t size = get_u32(r);
  if (model >= IR_NEURON_MODEL_COUNT) fail(r->cx, "image corrupt: neuron model %u out of range", model);
  if (r->cx->bad || !added(r->cx, ir_add_population(m, name, (ir_neuron_model)model, size, loc))) return;
  ir_population *p = &m->pops[m->npops - 1];
  get_params(r, p->params);
  p->grid = get_i32(r);
  if (get_bool(r, "the sites flag")) p->sites = get_u32_array(r, size, false, "grid sites");
  get_attrs(r, &p->attrs);
}

static void read_astrocyte(reader *r) {
  ir_module *m = r->cx->m;
  const char *name = get_str(r, false, "an astrocyte name");
  ir_loc loc = get_loc(r);
  uint8_t model = get_u8(r);
  if (model >= IR_ASTRO_MODEL_COUNT) fail(r->cx, "image corrupt: astrocyte model %u out of range", model);
  if (r->cx->bad || !added(r->cx, ir_add_astrocyte(m, name, (ir_astro_model)model, loc))) return;
  ir_astrocyte *a = &m->astros[m->nastros - 1];
  a->size = get_u32(r);
  get_params(r, a->params);
  uint32_t nl = get_u32(r);
  if (nl && fits(r, nl, 18, "listen entries")) {
    a->listen = ir_arena_alloc(m->arena, (size_t)nl * sizeof *a->listen);
    if (!a->listen) fail(r->cx, "out of memory reading the image");
    for (uint32_t k = 0; a->listen && k < nl && !r->cx->bad; k++) {
      a->listen[k].source = get_ref(r);
      a->listen[k].sign = (int8_t)get_u8(r);
      a->listen[k].loc = get_loc(r);
    }
    if (!r->cx->bad) a->nlisten = nl;
  }
  uint32_t nm = get_u32(r);
  if (nm && fits(r, nm, 5, "modulated nodes")) {
    a->modulates = ir_arena_alloc(m->arena, (size_t)nm * sizeof *a->modulates);
    if (!a->modulates) fail(r->cx, "out of memory reading the image");
    for (uint32_t k = 0; a->modulates && k < nm && !r->cx->bad; k++) a->modulates[k] = get_ref(r);
    if (!r->cx->bad) a->nmodulates = nm;
  }
  get_attrs(r, &a->attrs);
}

static void read_input(reader *r) {
  ir_module *m = r->cx->m;
  const char *name = get_str(r, false, "an input name");
  ir_loc loc = get_loc(r);
  uint8_t kind = get_u8(r);
  uint32_t size = get_u32(r);
  if (kind >= IR_INPUT_KIND_COUNT) fail(r->cx, "image corrupt: input kind %u out of range", kind);
  if (r->cx->bad || !added(r->cx, ir_add_input(m, name, (ir_input_kind)kind, size, loc))) return;
  ir_input *in = &m->inputs[m->ninputs - 1];
  in->rate = get_value(r);
  in->p = get_value(r);
  in->file = get_str(r, true, "a spike file name");
  in->dataset = get_str(r, true, "a dataset name");
  in->split = get_str(r, true, "a dataset split");
  uint8_t enc = get_u8(r);
  if (enc >= IR_ENC_COUNT) fail(r->cx, "image corrupt: input encoding %u out of range", enc);
  in->encoding = (ir_encoding)(enc < IR_ENC_COUNT ? enc : 0);
  in->sample_time = get_value(r);
  in->inject_into = get_i32(r);
  in->inject_current = get_value(r);
  get_attrs(r, &in->attrs);
}

/* CSR arrays come from the 'csr' section, in projection order. */
static ir_csr *read_csr(reader *r, uint32_t npre, uint32_t npost, uint64_t nsyn) {
  get_align(r);
  if (!fits(r, (uint64_t)npre + 1, 8, "row pointers")) return NULL;
  /* every synapse costs 10 bytes plus padding: check before allocating */
  if (!fits(r, nsyn, 10, "synapses")) return NULL;
  if (nsyn > SIZE_MAX / 8) {
    fail(r->cx, "image corrupt: %llu synapses do not fit in memory", (unsigned long long)nsyn);
    return NULL;
  }
  ir_csr *c = ir_csr_create(npre, npost, nsyn);
  if (!c) {
    fail(r->cx, "out of memory reading the image (%llu synapses)", (unsigned long long)nsyn);
    return NULL;
  }
  for (uint64_t i = 0; i <= npre; i++) c->row_ptr[i] = get_u64(r);
  get_align(r);
  if (fits(r, nsyn, 4, "columns"))
    for (uint64_t i = 0; i < nsyn; i++) c->col[i] = get_u32(r);
  get_align(r);
  if (fits(r, nsyn, 4, "weights"))
    for (uint64_t i = 0; i < nsyn; i++) c->weight[i] = get_f32(r);
  get_align(r);
  if (fits(r, nsyn, 2, "delays"))
    for (uint64_t i = 0; i < nsyn; i++) c->delay[i] = get_u16(r);
  return c;
}

static void read_projection(reader *r, reader *csr) {
  ir_module *m = r->cx->m;
  const char *name = get_str(r, false, "a projection name");
  ir_loc loc = get_loc(r);
  ir_ref pre = get_ref(r), post = get_ref(r);
  if (r->cx->bad || !added(r->cx, ir_add_projection(m, name, pre, post, loc))) return;
  ir_projection *p = &m->projs[m->nprojs - 1];
  uint8_t kind = get_u8(r);
  if (kind >= IR_CONN_KIND_COUNT) fail(r->cx, "image corrupt: connectivity rule %u out of range", kind);
  p->rule.kind = (ir_conn_kind)(kind < IR_CONN_KIND_COUNT ? kind : 0);
  p->rule.p = get_f64(r);
  p->rule.indegree = get_u32(r);
  p->rule.n = get_u64(r);
  p->rule.c = get_f64(r);
  p->rule.lambda = get_f64(r);
  p->rule.file = get_str(r, true, "a synapse list file name");
  p->rule.allow_self = get_bool(r, "allow_self");
  p->rule.loc = get_loc(r);
  p->weight = get_value(r);
  p->delay = get_value(r);
  uint8_t pl = get_u8(r);
  if (pl >= IR_PLASTICITY_RULE_COUNT) fail(r->cx, "image corrupt: plasticity rule %u out of range", pl);
  p->plasticity = (ir_plasticity_rule)(pl < IR_PLASTICITY_RULE_COUNT ? pl : 0);
  get_params(r, p->plast_params);
  p->anti_hebbian = get_bool(r, "anti_hebbian");
  p->modulator = get_i32(r);
  if (get_bool(r, "the expansion flag")) {
    uint32_t npre = get_u32(r), npost = get_u32(r);
    uint64_t nsyn = get_u64(r);
    if (!r->cx->bad) p->csr = read_csr(csr, npre, npost, nsyn);
  }
  get_attrs(r, &p->attrs);
}

static void read_probe(reader *r) {
  ir_module *m = r->cx->m;
  const char *name = get_str(r, false, "a probe name");
  ir_loc loc = get_loc(r);
  ir_ref target = get_ref(r);
  const char *var = get_str(r, false, "a probe variable");
  if (r->cx->bad || !added(r->cx, ir_add_probe(m, name, target, var, loc))) return;
  ir_probe *p = &m->probes[m->nprobes - 1];
  p->every = get_u32(r);
  bool has = get_bool(r, "the indices flag");
  uint32_t n = get_u32(r);
  if (has) {
    p->indices = get_u32_array(r, n, true, "probe indices");
    if (p->indices) p->nindices = n;
  } else if (n) {
    fail(r->cx, "image corrupt: probe '%s' has %u indices but no index array", name, n);
  }
  get_attrs(r, &p->attrs);
}

static void read_phase(reader *r) {
  ir_module *m = r->cx->m;
  const char *name = get_str(r, false, "a phase name");
  ir_loc loc = get_loc(r);
  if (r->cx->bad || !added(r->cx, ir_add_phase(m, name, loc))) return;
  get_attrs(r, &m->phases[m->nphases - 1].attrs);
}

static void read_nodes(reader *r, reader *csr, const uint32_t counts[7]) {
  void (*const simple[])(reader *) = {read_grid, read_population, read_astrocyte, read_input};
  for (int k = 0; k < 4; k++)
    for (uint32_t i = 0; i < counts[k] && !r->cx->bad; i++) simple[k](r);
  for (uint32_t i = 0; i < counts[4] && !r->cx->bad; i++) read_projection(r, csr);
  for (uint32_t i = 0; i < counts[5] && !r->cx->bad; i++) read_probe(r);
  for (uint32_t i = 0; i < counts[6] && !r->cx->bad; i++) read_phase(r);
  if (!r->cx->bad && r->pos != r->len)
    fail(r->cx, "image corrupt: section 'nodes' has %zu unused bytes", r->len - r->pos);
  if (!csr->cx->bad && csr->pos != csr->len)
    fail(csr->cx, "image corrupt: section 'csr' has %zu unused bytes", csr->len - csr->pos);
}

/* ---------------------------------------------------------------- reference and shape checks */

/* These run before ir_verify and make the module safe to walk: every index the runtime would
 * follow is in range and every CSR matches its endpoints. */
static bool ref_ok(const ir_module *m, ir_ref r) {
  return (unsigned)r.kind < IR_NODE_KIND_COUNT && ir_node_name(m, r) != NULL;
}

static void check_csr(ctx *cx, const ir_projection *p) {
  const ir_module *m = cx->m;
  const ir_csr *c = p->csr;
  uint64_t npre = ir_node_size(m, p->pre), npost = ir_node_size(m, p->post);
  if (c->npre != npre || c->npost != npost) {
    fail(cx, "image corrupt: projection '%s' has a %ux%u synapse matrix between nodes of sizes %llu and %llu",
         p->name, c->npre, c->npost, (unsigned long long)npre, (unsigned long long)npost);
    return;
  }
  if (c->row_ptr[0] != 0 || c->row_ptr[c->npre] != c->nsyn) {
    fail(cx, "image corrupt: projection '%s': row pointers do not span its %llu synapses", p->name,
         (unsigned long long)c->nsyn);
    return;
  }
  for (uint32_t i = 0; i < c->npre; i++)
    if (c->row_ptr[i] > c->row_ptr[i + 1]) {
      fail(cx, "image corrupt: projection '%s': row pointer %u decreases", p->name, i + 1);
      return;
    }
  for (uint64_t k = 0; k < c->nsyn; k++)
    if (c->col[k] >= c->npost) {
      fail(cx, "image corrupt: projection '%s': synapse %llu targets neuron %u of %u", p->name,
           (unsigned long long)k, c->col[k], c->npost);
      return;
    }
}

static void check_refs(ctx *cx) {
  const ir_module *m = cx->m;
  for (uint32_t i = 0; i < m->npops && !cx->bad; i++) {
    const ir_population *p = &m->pops[i];
    if (p->grid < -1 || p->grid >= (int64_t)m->ngrids)
      fail(cx, "image corrupt: population '%s' refers to grid %d of %u", p->name, p->grid, m->ngrids);
    else if (p->sites) {
      uint64_t nsites = p->grid >= 0 ? ir_node_size(m, (ir_ref){IR_NODE_GRID, (uint32_t)p->grid}) : 0;
      for (uint32_t k = 0; k < p->size && !cx->bad; k++)
        if (p->sites[k] >= nsites)
          fail(cx, "image corrupt: population '%s': neuron %u sits on site %u of %llu", p->name, k, p->sites[k],
               (unsigned long long)nsites);
    }
  }
  for (uint32_t i = 0; i < m->nastros && !cx->bad; i++) {
    const ir_astrocyte *a = &m->astros[i];
    for (uint32_t k = 0; k < a->nlisten; k++)
      if (!ref_ok(m, a->listen[k].source)) fail(cx, "image corrupt: astrocyte '%s' listens to a missing node", a->name);
    for (uint32_t k = 0; k < a->nmodulates; k++)
      if (!ref_ok(m, a->modulates[k])) fail(cx, "image corrupt: astrocyte '%s' modulates a missing node", a->name);
  }
  for (uint32_t i = 0; i < m->ninputs && !cx->bad; i++) {
    const ir_input *in = &m->inputs[i];
    if (in->inject_into < -1 || in->inject_into >= (int64_t)m->npops)
      fail(cx, "image corrupt: input '%s' injects into population %d of %u", in->name, in->inject_into, m->npops);
  }
  for (uint32_t i = 0; i < m->nprojs && !cx->bad; i++) {
    const ir_projection *p = &m->projs[i];
    bool pre_ok = ref_ok(m, p->pre) && (p->pre.kind == IR_NODE_POPULATION || p->pre.kind == IR_NODE_INPUT);
    bool post_ok = ref_ok(m, p->post) && p->post.kind == IR_NODE_POPULATION;
    if (!pre_ok || !post_ok)
      fail(cx, "image corrupt: projection '%s' connects missing or wrong-kind nodes", p->name);
    else if (p->modulator < -1 || p->modulator >= (int64_t)m->nastros)
      fail(cx, "image corrupt: projection '%s' refers to astrocyte %d of %u", p->name, p->modulator, m->nastros);
    else if (p->csr)
      check_csr(cx, p);
  }
  for (uint32_t i = 0; i < m->nprobes && !cx->bad; i++) {
    const ir_probe *p = &m->probes[i];
    if (!ref_ok(m, p->target)) {
      fail(cx, "image corrupt: probe '%s' targets a missing node", p->name);
      break;
    }
    if (p->every == 0) fail(cx, "image corrupt: probe '%s' records every 0 steps", p->name);
    uint64_t n = ir_node_size(m, p->target);
    for (uint32_t k = 0; k < p->nindices && !cx->bad; k++)
      if (p->indices[k] >= n) fail(cx, "image corrupt: probe '%s' records element %u of %llu", p->name, p->indices[k], (unsigned long long)n);
  }
}

/* ---------------------------------------------------------------- header and section table */

typedef struct section {
  uint64_t off, len;
  bool present;
} section;

static bool read_header(ctx *cx, const uint8_t *p, size_t len, unsigned flags, section secs[SEC_KNOWN_MAX + 1]) {
  if (len < 8 || memcmp(p, IR_IMAGE_MAGIC, 8) != 0) {
    fail(cx, "not an astroc image (the file does not start with \"ASTROIMG\")");
    return false;
  }
  if (len < IR_IMAGE_HEADER_SIZE) {
    fail(cx, "image truncated: the header needs %u bytes, the file has %zu", IR_IMAGE_HEADER_SIZE, len);
    return false;
  }
  uint32_t version = (uint32_t)le(p + 8, 4);
  if (version != IR_IMAGE_VERSION) {
    fail(cx, "image format version %u, this astroc reads version %u%s", version, IR_IMAGE_VERSION,
         version > IR_IMAGE_VERSION ? " (written by a newer astroc)" : "");
    return false;
  }
  if (le(p + 16, 4) != ENDIAN_MARK) {
    fail(cx, "image corrupt: bad byte-order marker 0x%08x (expected 0x%08x)", (unsigned)le(p + 16, 4), ENDIAN_MARK);
    return false;
  }
  uint32_t hflags = (uint32_t)le(p + 12, 4), hsize = (uint32_t)le(p + 20, 4);
  uint64_t total = le(p + 24, 8);
  uint32_t nsec = (uint32_t)le(p + 32, 4);
  bool reserved_zero = le(p + 40, 8) == 0 && le(p + 48, 8) == 0 && le(p + 56, 8) == 0;
  if (hflags != 0 || hsize != IR_IMAGE_HEADER_SIZE || !reserved_zero) {
    fail(cx, "image corrupt: unknown header flags 0x%x, header size %u or nonzero reserved bytes", hflags, hsize);
    return false;
  }
  if (total != len) {
    fail(cx, "image %s: the header says %llu bytes, the file has %zu", total > len ? "truncated" : "corrupt",
         (unsigned long long)total, len);
    return false;
  }
  if (!(flags & IR_IMAGE_SKIP_CHECKSUM)) {
    uint32_t want = (uint32_t)le(p + 36, 4);
    if (ir_crc32(0, p + IR_IMAGE_HEADER_SIZE, len - IR_IMAGE_HEADER_SIZE) != want) {
      fail(cx, "checksum mismatch (file corrupt)");
      return false;
    }
  }
  if (nsec == 0 || nsec > MAX_SECTIONS || (size_t)nsec * SEC_ENTRY_SIZE > len - IR_IMAGE_HEADER_SIZE) {
    fail(cx, "image corrupt: %u sections do not fit in %zu bytes", nsec, len);
    return false;
  }
  size_t table_end = IR_IMAGE_HEADER_SIZE + (size_t)nsec * SEC_ENTRY_SIZE;
  for (uint32_t i = 0; i < nsec; i++) {
    const uint8_t *e = p + IR_IMAGE_HEADER_SIZE + (size_t)i * SEC_ENTRY_SIZE;
    uint32_t id = (uint32_t)le(e, 4), sflags = (uint32_t)le(e + 4, 4);
    uint64_t off = le(e + 8, 8), slen = le(e + 16, 8);
    if (off < table_end || off % 8 != 0 || off > len || slen > len - off) {
      fail(cx, "image corrupt: section '%s' (id %u) at offset %llu, %llu bytes, lies outside the %zu-byte file",
           section_name(id), id, (unsigned long long)off, (unsigned long long)slen, len);
      return false;
    }
    if (id == 0 || id > SEC_KNOWN_MAX) {
      if (sflags & SECF_REQUIRED) {
        fail(cx, "image needs section id %u, which this astroc does not know (written by a newer astroc?)", id);
        return false;
      }
      continue; /* optional sections of later versions are skipped */
    }
    if (secs[id].present) {
      fail(cx, "image corrupt: section '%s' appears twice", section_name(id));
      return false;
    }
    secs[id] = (section){off, slen, true};
  }
  for (uint32_t id = 1; id <= SEC_KNOWN_MAX; id++)
    if (!secs[id].present) {
      fail(cx, "image corrupt: section '%s' is missing", section_name(id));
      return false;
    }
  return true;
}

ir_module *ir_image_read_ex(const void *data, size_t len, const char *name, unsigned flags, ir_diag *d) {
  ctx cx = {.d = d, .name = name ? name : "image"};
  const uint8_t *p = data;
  section secs[SEC_KNOWN_MAX + 1] = {{0}};
  if (!read_header(&cx, p, len, flags, secs)) return NULL;
  cx.m = ir_module_create(NULL);
  if (!cx.m) {
    fail(&cx, "out of memory reading the image");
    return NULL;
  }
  /* the string table must end with a NUL so every string inside it is terminated */
  const section *st = &secs[SEC_STRINGS];
  if (st->len > 0 && p[st->off + st->len - 1] != '\0') fail(&cx, "image corrupt: the string table is not terminated");
  else if (st->len > 0) {
    char *s = ir_arena_alloc(cx.m->arena, (size_t)st->len);
    if (!s) fail(&cx, "out of memory reading the image");
    else memcpy(s, p + st->off, (size_t)st->len);
    cx.strings = s;
    cx.nstrings = (size_t)st->len;
  }
  reader rm = {p + secs[SEC_MODULE].off, (size_t)secs[SEC_MODULE].len, 0, "module", &cx};
  reader rn = {p + secs[SEC_NODES].off, (size_t)secs[SEC_NODES].len, 0, "nodes", &cx};
  reader rc = {p + secs[SEC_CSR].off, (size_t)secs[SEC_CSR].len, 0, "csr", &cx};
  uint32_t counts[7] = {0};
  if (!cx.bad) read_module_section(&rm, counts);
  if (!cx.bad) read_nodes(&rn, &rc, counts);
  if (!cx.bad) check_refs(&cx);
  if (!cx.bad) {
    /* the semantic rules (dimensions, model/rule consistency) are the verifier's */
    ir_diag *quiet = ir_diag_create(NULL);
    if (quiet && !ir_verify(cx.m, quiet))
      fail(&cx, "image does not verify: %s", ir_diag_last(quiet));
    else if (!quiet)
      fail(&cx, "out of memory reading the image");
    ir_diag_destroy(quiet);
  }
  if (cx.bad) {
    ir_module_destroy(cx.m);
    return NULL;
  }
  return cx.m;
}

bool ir_image_find_section(const void *data, size_t len, uint32_t id, const char *name, const void **sec,
                           size_t *seclen, ir_diag *d) {
  ctx cx = {.d = d, .name = name ? name : "image"};
  const uint8_t *p = data;
  section secs[SEC_KNOWN_MAX + 1] = {{0}};
  *sec = NULL;
  *seclen = 0;
  if (!read_header(&cx, p, len, 0, secs)) return false;
  /* read_header checked every entry of the table against the file */
  uint32_t nsec = (uint32_t)le(p + 32, 4);
  for (uint32_t i = 0; i < nsec; i++) {
    const uint8_t *e = p + IR_IMAGE_HEADER_SIZE + (size_t)i * SEC_ENTRY_SIZE;
    if ((uint32_t)le(e, 4) != id) continue;
    if (*sec) {
      fail(&cx, "image corrupt: section '%s' appears twice", section_name(id));
      *sec = NULL;
      return false;
    }
    *sec = p + le(e + 8, 8);
    *seclen = (size_t)le(e + 16, 8);
  }
  return true;
}

ir_module *ir_image_read(const void *data, size_t len, const char *name, ir_diag *d) {
  return ir_image_read_ex(data, len, name, 0, d);
}

ir_module *ir_image_copy_module(const ir_module *m, ir_diag *d) {
  void *bytes = NULL;
  size_t len = 0;
  ir_module *c = ir_image_encode(m, &bytes, &len, d) ? ir_image_read(bytes, len, m->name, d) : NULL;
  free(bytes);
  return c;
}

ir_module *ir_image_load(const char *path, ir_diag *d) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    ir_error(d, (ir_loc){.file = path}, "cannot open: %s", strerror(errno));
    return NULL;
  }
  buf b = {0};
  uint8_t chunk[1 << 16];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) put(&b, chunk, n);
  bool err = ferror(f);
  fclose(f);
  if (err || b.oom) {
    free(b.p);
    ir_error(d, (ir_loc){.file = path}, "%s", err ? "read error" : "out of memory reading the image");
    return NULL;
  }
  ir_module *m = ir_image_read(b.p ? b.p : (const void *)"", b.n, path, d);
  free(b.p);
  return m;
}
