/* state.c — the interp engine's state registry: probe-readable variables and checkpoints.
 *
 * Checkpoint format (little-endian as written by this host; docs/numerics.md, "Checkpoints"):
 *   "ASTROCKP" | u32 version (1) | u32 numerics | u64 seed | u64 step | u64 narrays
 *   narrays x { u32 type | u32 elem bytes | u64 count }        (the layout, checked on restore)
 *   the arrays' bytes in registry order
 *   u64 FNV-1a 64 of everything above
 */
#include <stdlib.h>
#include <string.h>

#include "interp.h"

#define CKPT_MAGIC "ASTROCKP"
#define CKPT_VERSION 1u

static size_t type_size(rt_type t) {
  switch (t) {
  case RT_U8: return 1;
  case RT_I32: return 4;
  case RT_F32: return 4;
  case RT_I64: return 8;
  case RT_U64: return 8;
  }
  return 0;
}

bool rt_register(rt_interp *s, ir_ref node, const char *name, rt_type type, void *ptr, uint64_t n) {
  if (s->nreg == s->capreg) {
    size_t cap = s->capreg ? 2 * s->capreg : 32;
    rt_state_entry *v = realloc(s->reg, cap * sizeof(*v));
    if (!v)
      return false;
    s->reg = v;
    s->capreg = cap;
  }
  s->reg[s->nreg++] = (rt_state_entry){node, name, type, ptr, n};
  return true;
}

static uint32_t kind_count(const ir_module *m, ir_node_kind k) {
  switch (k) {
  case IR_NODE_POPULATION: return m->npops;
  case IR_NODE_ASTROCYTE: return m->nastros;
  case IR_NODE_INPUT: return m->ninputs;
  case IR_NODE_PROJECTION: return m->nprojs;
  default: return 0;
  }
}

bool rt_state_finish(rt_interp *s) {
  for (int k = 0; k < IR_NODE_KIND_COUNT; k++) {
    uint32_t n = kind_count(s->m, (ir_node_kind)k);
    s->vars[k] = calloc(n ? n : 1, sizeof(rt_var_list));
    if (!s->vars[k])
      return false;
  }
  for (size_t r = 0; r < s->nreg; r++) {
    const rt_state_entry *e = &s->reg[r];
    if (!e->name)
      continue;
    rt_var_list *l = &s->vars[e->node.kind][e->node.index];
    const char **v = realloc(l->names, (l->n + 2) * sizeof(*v));
    if (!v)
      return false;
    v[l->n++] = e->name;
    v[l->n] = NULL;
    l->names = v;
  }
  return true;
}

void rt_state_free(rt_interp *s) {
  for (int k = 0; k < IR_NODE_KIND_COUNT; k++) {
    if (!s->vars[k])
      continue;
    uint32_t n = kind_count(s->m, (ir_node_kind)k);
    for (uint32_t i = 0; i < n; i++)
      free(s->vars[k][i].names);
    free(s->vars[k]);
  }
  free(s->reg);
  free(s->ckpt_last);
  free(s->ckpt_read);
}

static const rt_state_entry *find(const rt_interp *s, ir_ref node, const char *var) {
  for (size_t r = 0; r < s->nreg; r++) {
    const rt_state_entry *e = &s->reg[r];
    if (e->name && e->node.kind == node.kind && e->node.index == node.index && strcmp(e->name, var) == 0)
      return e;
  }
  return NULL;
}

const char *const *rt_interp_state_vars(const void *e, ir_ref node, size_t *n) {
  const rt_interp *s = e;
  *n = 0;
  if ((int)node.kind < 0 || node.kind >= IR_NODE_KIND_COUNT || node.index >= kind_count(s->m, node.kind))
    return NULL;
  const rt_var_list *l = &s->vars[node.kind][node.index];
  *n = l->n;
  return l->names;
}

bool rt_interp_state_size(const void *e, ir_ref node, const char *var, uint64_t *n) {
  const rt_state_entry *x = find(e, node, var);
  if (!x)
    return false;
  *n = x->n;
  return true;
}

bool rt_interp_read_state(const void *e, ir_ref node, const char *var, double *out) {
  const rt_state_entry *x = find(e, node, var);
  if (!x)
    return false;
  for (uint64_t i = 0; i < x->n; i++) {
    switch (x->type) {
    case RT_U8: out[i] = ((const uint8_t *)x->ptr)[i]; break;
    case RT_I32: out[i] = ((const int32_t *)x->ptr)[i]; break;
    case RT_I64: out[i] = (double)((const int64_t *)x->ptr)[i]; break;
    case RT_U64: out[i] = (double)((const uint64_t *)x->ptr)[i]; break;
    case RT_F32: out[i] = ((const float *)x->ptr)[i]; break;
    }
  }
  return true;
}

/* ---------------------------------------------------------------- checkpoints */

typedef struct buf {
  unsigned char *p;
  size_t n, cap;
  bool oom;
} buf;

static void put(buf *b, const void *x, size_t n) {
  if (b->oom)
    return;
  if (b->n + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + n)
      cap *= 2;
    unsigned char *p = realloc(b->p, cap);
    if (!p) {
      b->oom = true;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, x, n);
  b->n += n;
}

static void put32(buf *b, uint32_t v) { put(b, &v, 4); }
static void put64(buf *b, uint64_t v) { put(b, &v, 8); }

static uint64_t fnv1a(const unsigned char *p, size_t n) {
  uint64_t h = UINT64_C(0xcbf29ce484222325);
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= UINT64_C(0x100000001b3);
  }
  return h;
}

/* Everything but the arrays' contents and the checksum. */
static void put_header(buf *b, const rt_interp *s) {
  put(b, CKPT_MAGIC, 8);
  put32(b, CKPT_VERSION);
  put32(b, s->fixed ? IR_NUMERICS_FIXED : IR_NUMERICS_FLOAT);
  put64(b, s->seed);
  put64(b, s->step);
  put64(b, s->nreg);
  for (size_t r = 0; r < s->nreg; r++) {
    put32(b, (uint32_t)s->reg[r].type);
    put32(b, (uint32_t)type_size(s->reg[r].type));
    put64(b, s->reg[r].n);
  }
}

bool rt_interp_save(const void *e, FILE *f, ir_diag *d) {
  const rt_interp *s = e;
  buf b = {0};
  put_header(&b, s);
  for (size_t r = 0; r < s->nreg; r++)
    put(&b, s->reg[r].ptr, type_size(s->reg[r].type) * s->reg[r].n);
  if (b.oom) {
    free(b.p);
    ir_error(d, s->m->loc, "out of memory writing a checkpoint");
    return false;
  }
  uint64_t h = fnv1a(b.p, b.n);
  bool ok = fwrite(b.p, 1, b.n, f) == b.n && fwrite(&h, 8, 1, f) == 1 && fflush(f) == 0;
  free(b.p);
  if (!ok)
    ir_error(d, s->m->loc, "cannot write the checkpoint");
  return ok;
}

static bool checksum_ok(const unsigned char *p, size_t n) {
  uint64_t stored;
  memcpy(&stored, p + n - 8, 8);
  return stored == fnv1a(p, n - 8);
}

/* Reads at most `want` bytes (a checkpoint may be followed by other data in the same file) into the
 * engine's read buffer. */
static unsigned char *read_some(rt_interp *s, FILE *f, size_t want, size_t *n) {
  if (s->ckpt_capread < want) {
    unsigned char *p = realloc(s->ckpt_read, want ? want : 1);
    if (!p)
      return NULL;
    s->ckpt_read = p;
    s->ckpt_capread = want;
  }
  *n = fread(s->ckpt_read, 1, want, f);
  return s->ckpt_read;
}

/* NULL when the bytes are a checkpoint of this simulation, else why not. */
static const char *check(const unsigned char *p, size_t n, const buf *want, size_t payload) {
  if (n < 8 || memcmp(p, CKPT_MAGIC, 8) != 0)
    return "not an astroc checkpoint (bad magic)";
  if (n < 12 || memcmp(p + 8, want->p + 8, 4) != 0)
    return "unsupported checkpoint version";
  if (n < want->n || memcmp(p + 32, want->p + 32, want->n - 32) != 0)
    return "checkpoint does not match this simulation (different module, numerics or engine)";
  if (memcmp(p + 12, want->p + 12, 12) != 0)
    return "checkpoint was made with different numerics or seed";
  if (n != want->n + payload + 8)
    return "checkpoint is truncated";
  if (!checksum_ok(p, n))
    return "checkpoint checksum mismatch (corrupted file)";
  return NULL;
}

bool rt_interp_restore(void *e, FILE *f, ir_diag *d) {
  rt_interp *s = e;
  ir_loc loc = s->m->loc;
  buf want = {0};
  rt_interp probe = *s;
  probe.step = 0;
  put_header(&want, &probe);
  size_t payload = 0;
  for (size_t r = 0; r < s->nreg; r++)
    payload += type_size(s->reg[r].type) * s->reg[r].n;
  size_t n = 0;
  unsigned char *p = want.oom ? NULL : read_some(s, f, want.n + payload + 8, &n);
  if (!p) {
    free(want.p);
    ir_error(d, loc, "out of memory reading a checkpoint");
    return false;
  }
  /* The same bytes as the last verified checkpoint need no second verification. */
  if (!(s->ckpt_last && n == s->ckpt_nlast && memcmp(p, s->ckpt_last, n) == 0)) {
    const char *err = check(p, n, &want, payload);
    if (err) {
      ir_error(d, loc, "%s", err);
      free(want.p);
      return false;
    }
    free(s->ckpt_last); /* the read buffer becomes the verified copy */
    s->ckpt_last = p;
    s->ckpt_nlast = n;
    s->ckpt_read = NULL;
    s->ckpt_capread = 0;
  }
  p = s->ckpt_last;
  uint64_t step;
  memcpy(&step, p + 24, 8);
  size_t off = want.n;
  for (size_t r = 0; r < s->nreg; r++) {
    size_t sz = type_size(s->reg[r].type) * s->reg[r].n;
    memcpy(s->reg[r].ptr, p + off, sz);
    off += sz;
  }
  s->step = step;
  for (uint32_t k = 0; k < s->m->ninputs; k++)
    rt_input_restored(s, &s->inputs[k]);
  free(want.p);
  return true;
}
