/* lh_netx_read.c — imports a lava-dl netx network (HDF5: /layer/<i>/{type, shape, weight, bias,
 * neuron/...}) into the IR: LOIHI/CUBA neuron layers become lif populations, dense and conv layers
 * become expanded projections (docs/loihi-format.md, "netx"). */
#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lh.h"

#define NETX_INPUT_P 0.1 /* spike probability of the input that drives layer 0 (netx carries no data) */

typedef struct nx {
  ir_module *m;
  ir_diag *d;
  const char *path;
  hid_t file;
} nx;

bool lh_netx_is_hdf5(const void *data, size_t len) {
  return len >= 8 && memcmp(data, "\x89HDF\r\n\x1a\n", 8) == 0;
}

static bool exists(hid_t loc, const char *name) { return H5Lexists(loc, name, H5P_DEFAULT) > 0; }

/* Reads a numeric dataset as doubles (malloc'd); *n elements, dims[] its shape (up to 8). */
static double *read_num(hid_t loc, const char *name, size_t *n, hsize_t dims[8], int *ndims) {
  hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
  if (ds < 0)
    return NULL;
  hid_t sp = H5Dget_space(ds);
  int nd = H5Sget_simple_extent_ndims(sp);
  hsize_t dd[8] = {0};
  double *v = NULL;
  if (nd >= 0 && nd <= 8) {
    H5Sget_simple_extent_dims(sp, dd, NULL);
    size_t cnt = 1;
    for (int i = 0; i < nd; i++)
      cnt *= dd[i];
    v = malloc((cnt ? cnt : 1) * sizeof(double));
    if (v && H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
      free(v);
      v = NULL;
    }
    *n = cnt;
    if (ndims)
      *ndims = nd;
    if (dims)
      memcpy(dims, dd, sizeof dd);
  }
  H5Sclose(sp);
  H5Dclose(ds);
  return v;
}

static bool read_scalar(hid_t loc, const char *name, double *out) {
  size_t n = 0;
  double *v = read_num(loc, name, &n, NULL, NULL);
  bool ok = v && n >= 1;
  if (ok)
    *out = v[0];
  free(v);
  return ok;
}

/* A string dataset (fixed-length padded or variable-length; scalar or one element) into buf. */
static bool read_str(hid_t loc, const char *name, char *buf, size_t cap) {
  hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
  if (ds < 0)
    return false;
  hid_t ft = H5Dget_type(ds);
  bool ok = false;
  buf[0] = 0;
  if (H5Tget_class(ft) == H5T_STRING) {
    if (H5Tis_variable_str(ft) > 0) {
      hid_t mt = H5Tcopy(H5T_C_S1);
      H5Tset_size(mt, H5T_VARIABLE);
      H5Tset_cset(mt, H5Tget_cset(ft)); /* no ASCII <-> UTF-8 conversion in HDF5 */
      char *s[4] = {NULL};
      hid_t sp = H5Dget_space(ds);
      if (H5Sget_simple_extent_npoints(sp) == 1 && H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, s) >= 0 && s[0]) {
        snprintf(buf, cap, "%s", s[0]);
        H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, s);
        ok = true;
      }
      H5Sclose(sp);
      H5Tclose(mt);
    } else {
      size_t sz = H5Tget_size(ft);
      hid_t sp = H5Dget_space(ds);
      char *tmp = calloc(sz + 1, 1);
      if (tmp && sz && H5Sget_simple_extent_npoints(sp) == 1 &&
          H5Dread(ds, ft, H5S_ALL, H5S_ALL, H5P_DEFAULT, tmp) >= 0) {
        snprintf(buf, cap, "%s", tmp); /* null padding ends it */
        ok = true;
      }
      free(tmp);
      H5Sclose(sp);
    }
  }
  H5Tclose(ft);
  H5Dclose(ds);
  return ok;
}

/* ---------------------------------------------------------------- layers */

typedef struct layer {
  uint32_t c, h, w, n;     /* stored shape (C, H, W), padded with 1s; n = c*h*w */
  uint32_t first_pop, npops;
  uint32_t *pop_of, *idx_of; /* per neuron: population and index in it */
} layer;

static ir_loc lloc(const nx *x) {
  ir_loc l = {x->path, 0, 0};
  return l;
}

static bool neuron_params(nx *x, hid_t lg, uint32_t li, ir_value *q) {
  if (!exists(lg, "neuron")) {
    ir_error(x->d, lloc(x), "layer %u has no neuron description", li);
    return false;
  }
  hid_t ng = H5Gopen2(lg, "neuron", H5P_DEFAULT);
  char type[64];
  double idecay, vdecay, vth, ref = 1;
  bool ok = read_str(ng, "type", type, sizeof type);
  if (ok && strcmp(type, "LOIHI") != 0 && strcmp(type, "CUBA") != 0) {
    ir_error(x->d, lloc(x), "layer %u: neuron type '%s' is not supported yet (only LOIHI/CUBA map onto lif)", li,
             type);
    H5Gclose(ng);
    return false;
  }
  ok = ok && read_scalar(ng, "iDecay", &idecay) && read_scalar(ng, "vDecay", &vdecay) &&
       read_scalar(ng, "vThMant", &vth);
  if (ok && exists(ng, "refDelay"))
    ok = read_scalar(ng, "refDelay", &ref);
  H5Gclose(ng);
  if (!ok) {
    ir_error(x->d, lloc(x), "layer %u: the neuron needs type, iDecay, vDecay and vThMant", li);
    return false;
  }
  ir_params_set_defaults(ir_neuron_model_desc(IR_NEURON_LIF), q);
  double du = idecay - 1; /* netx: du = iDecay - 1 */
  q[IR_P_LIF_DU] = ir_value_const(fmin(fmax(du, 0), 4095), IR_DIM_NONE);
  q[IR_P_LIF_DV] = ir_value_const(fmin(fmax(vdecay, 0), 4095), IR_DIM_NONE);
  q[IR_P_LIF_V_TH] = ir_value_const(fmax(vth, 0), IR_DIM_VOLTAGE);
  q[IR_P_LIF_REFRACTORY] = ir_value_const(fmax(ref - 1, 0), IR_DIM_TIME);
  return true;
}

/* Populations of one layer: maximal runs of equal bias (flattened C, H, W order). The input block's
 * "bias" belongs to its input transform (the caller folds it into bias_shift), not to its neurons. */
static bool make_pops(nx *x, hid_t lg, uint32_t li, layer *L, double bias_shift, bool input) {
  ir_value q[IR_MAX_PARAMS];
  if (!neuron_params(x, lg, li, q))
    return false;
  size_t nb = 0;
  double *bias = !input && exists(lg, "bias") ? read_num(lg, "bias", &nb, NULL, NULL) : NULL;
  if (bias && nb != 1 && nb != L->n && !(L->c && nb == L->c)) {
    ir_error(x->d, lloc(x), "layer %u: %zu bias values for %u neurons", li, nb, L->n);
    free(bias);
    return false;
  }
  L->pop_of = malloc(L->n * sizeof(uint32_t));
  L->idx_of = malloc(L->n * sizeof(uint32_t));
  if (!L->pop_of || !L->idx_of) {
    free(bias);
    return false;
  }
  L->first_pop = x->m->npops;
  uint32_t per_c = L->h * L->w, runs = 0;
#define BIAS_AT(k) (!bias ? 0 : nb == 1 ? bias[0] : nb == L->n ? bias[k] : bias[(k) / per_c])
  for (uint32_t i = 1; i <= L->n; i++)
    runs += i == L->n || BIAS_AT(i) != BIAS_AT(i - 1);
  for (uint32_t i = 0; i < L->n;) {
    double b = BIAS_AT(i);
    uint32_t j = i + 1;
    while (j < L->n && BIAS_AT(j) == b)
      j++;
    char name[64];
    if (runs == 1)
      snprintf(name, sizeof name, "layer%u", li);
    else
      snprintf(name, sizeof name, "layer%u_%u", li, x->m->npops - L->first_pop);
    int32_t p = ir_add_population(x->m, name, IR_NEURON_LIF, j - i, lloc(x));
    if (p < 0) {
      free(bias);
      return false;
    }
    memcpy(x->m->pops[p].params, q, sizeof(ir_value) * IR_P_LIF_COUNT);
    x->m->pops[p].params[IR_P_LIF_BIAS] = ir_value_const(b + bias_shift, IR_DIM_VOLTAGE);
    for (uint32_t k = i; k < j; k++) {
      L->pop_of[k] = (uint32_t)p;
      L->idx_of[k] = k - i;
    }
    i = j;
  }
#undef BIAS_AT
  L->npops = x->m->npops - L->first_pop;
  free(bias);
  return true;
}

/* ---------------------------------------------------------------- synapses */

typedef struct trip {
  uint32_t pre, post; /* population-local indices */
  uint32_t prep, postp;
  float w;
} trip;

typedef struct trips {
  trip *v;
  size_t n, cap;
} trips;

static bool add_syn(trips *t, const layer *A, const layer *B, uint32_t i, uint32_t o, double w) {
  if (w == 0)
    return true;
  if (t->n == t->cap) {
    t->cap = t->cap ? 2 * t->cap : 4096;
    trip *nv = realloc(t->v, t->cap * sizeof *nv);
    if (!nv)
      return false;
    t->v = nv;
  }
  t->v[t->n++] = (trip){A->idx_of[i], B->idx_of[o], A->pop_of[i], B->pop_of[o], (float)w};
  return true;
}

static int trip_cmp(const void *a, const void *b) {
  const trip *x = a, *y = b;
  if (x->prep != y->prep) return x->prep < y->prep ? -1 : 1;
  if (x->postp != y->postp) return x->postp < y->postp ? -1 : 1;
  if (x->pre != y->pre) return x->pre < y->pre ? -1 : 1;
  return x->post < y->post ? -1 : x->post > y->post;
}

/* One expanded projection per (pre population, post population) pair that has synapses. */
static bool make_projections(nx *x, trips *t, ir_ref (*src)(const nx *, uint32_t), uint32_t li) {
  qsort(t->v, t->n, sizeof *t->v, trip_cmp);
  for (size_t a = 0; a < t->n;) {
    size_t b = a;
    while (b < t->n && t->v[b].prep == t->v[a].prep && t->v[b].postp == t->v[a].postp)
      b++;
    ir_ref pre = src(x, t->v[a].prep), post = {IR_NODE_POPULATION, t->v[a].postp};
    char name[96];
    snprintf(name, sizeof name, "%s_to_%s", ir_node_name(x->m, pre), ir_node_name(x->m, post));
    int32_t k = ir_add_projection(x->m, name, pre, post, lloc(x));
    if (k < 0)
      return false;
    ir_projection *pr = &x->m->projs[k];
    pr->rule.kind = IR_CONN_LIST;
    pr->rule.file = ir_arena_strdup(x->m->arena, x->path);
    uint32_t npre = (uint32_t)ir_node_size(x->m, pre), npost = x->m->pops[post.index].size;
    ir_csr *c = ir_csr_create(npre, npost, b - a);
    if (!c)
      return false;
    pr->csr = c;
    for (size_t s = a; s < b; s++) {
      c->row_ptr[t->v[s].pre + 1]++;
      c->col[s - a] = t->v[s].post;
      c->weight[s - a] = t->v[s].w;
      c->delay[s - a] = 0;
    }
    for (uint32_t i = 0; i < npre; i++)
      c->row_ptr[i + 1] += c->row_ptr[i];
    a = b;
  }
  (void)li;
  t->n = 0;
  return true;
}

static ir_ref pop_ref(const nx *x, uint32_t p) {
  (void)x;
  return (ir_ref){IR_NODE_POPULATION, p};
}
static ir_ref input_ref(const nx *x, uint32_t p) {
  (void)x;
  (void)p;
  return (ir_ref){IR_NODE_INPUT, 0};
}

static bool dense(nx *x, hid_t lg, uint32_t li, const layer *A, const layer *B, trips *t) {
  size_t n = 0;
  double *w = read_num(lg, "weight", &n, NULL, NULL);
  bool ok = w && n == (size_t)A->n * B->n;
  if (!ok)
    ir_error(x->d, lloc(x), "layer %u: dense weight needs %u x %u values", li, B->n, A->n);
  for (uint32_t o = 0; ok && o < B->n; o++)
    for (uint32_t i = 0; ok && i < A->n; i++)
      ok = add_syn(t, A, B, i, o, w[(size_t)o * A->n + i]);
  free(w);
  return ok;
}

static bool pair(nx *x, hid_t lg, const char *name, uint32_t v[2], uint32_t def) {
  v[0] = v[1] = def;
  if (!exists(lg, name))
    return true;
  size_t n = 0;
  double *d = read_num(lg, name, &n, NULL, NULL);
  bool ok = d && (n == 1 || n == 2) && d[0] >= 0 && d[n - 1] >= 0;
  if (ok) {
    v[0] = (uint32_t)d[0];
    v[1] = (uint32_t)d[n - 1];
  }
  free(d);
  (void)x;
  return ok;
}

/* PyTorch correlation over the stored (C, H, W) layout:
 * out[o, y, x] += W[o, i, ka, kb] * in[g*Ig + i, y*sa - pa + ka*da, x*sb - pb + kb*db]. */
static bool conv(nx *x, hid_t lg, uint32_t li, const layer *A, const layer *B, trips *t) {
  size_t n = 0;
  hsize_t dims[8];
  int nd = 0;
  double *w = read_num(lg, "weight", &n, dims, &nd);
  uint32_t s[2], p[2], dl[2];
  double groups = 1;
  bool ok = w && nd >= 4 && pair(x, lg, "stride", s, 1) && pair(x, lg, "padding", p, 0) &&
            pair(x, lg, "dilation", dl, 1) && (!exists(lg, "groups") || read_scalar(lg, "groups", &groups));
  uint32_t O = ok ? (uint32_t)dims[0] : 0, I = ok ? (uint32_t)dims[1] : 0;
  uint32_t KA = ok ? (uint32_t)dims[2] : 0, KB = ok ? (uint32_t)dims[3] : 0, G = (uint32_t)groups;
  ok = ok && G >= 1 && O == B->c && I * G == A->c && O % G == 0 && s[0] && s[1];
  if (!ok) {
    ir_error(x->d, lloc(x), "layer %u: conv weight, stride, padding, dilation or groups do not fit the layer shapes",
             li);
    free(w);
    return false;
  }
  uint32_t og = O / G;
  for (uint32_t o = 0; ok && o < O; o++)
    for (uint32_t y = 0; ok && y < B->h; y++)
      for (uint32_t xx = 0; ok && xx < B->w; xx++)
        for (uint32_t i = 0; ok && i < I; i++)
          for (uint32_t ka = 0; ok && ka < KA; ka++)
            for (uint32_t kb = 0; ok && kb < KB; kb++) {
              int64_t iy = (int64_t)y * s[0] - p[0] + (int64_t)ka * dl[0];
              int64_t ix = (int64_t)xx * s[1] - p[1] + (int64_t)kb * dl[1];
              if (iy < 0 || ix < 0 || iy >= A->h || ix >= A->w)
                continue;
              uint32_t ic = (o / og) * I + i;
              uint32_t pre = (ic * A->h + (uint32_t)iy) * A->w + (uint32_t)ix;
              uint32_t post = (o * B->h + y) * B->w + xx;
              ok = add_syn(t, A, B, pre, post, w[(((size_t)o * I + i) * KA + ka) * KB + kb]);
            }
  free(w);
  return ok;
}

static bool read_shape(nx *x, hid_t lg, uint32_t li, layer *L) {
  size_t n = 0;
  double *v = read_num(lg, "shape", &n, NULL, NULL);
  bool ok = v && n >= 1 && n <= 3;
  uint32_t d[3] = {1, 1, 1};
  for (size_t i = 0; ok && i < n; i++) {
    ok = v[i] >= 1 && v[i] < 1e7;
    d[3 - n + i] = ok ? (uint32_t)v[i] : 1; /* right-aligned: [C, H, W] */
  }
  free(v);
  if (!ok) {
    ir_error(x->d, lloc(x), "layer %u: shape must have 1 to 3 positive sizes", li);
    return false;
  }
  L->c = d[0];
  L->h = d[1];
  L->w = d[2];
  L->n = d[0] * d[1] * d[2];
  return true;
}

static bool read_layers(nx *x) {
  hid_t root = H5Gopen2(x->file, "layer", H5P_DEFAULT);
  if (root < 0) {
    ir_error(x->d, lloc(x), "not a netx network: no /layer group");
    return false;
  }
  uint32_t nl = 0;
  char key[16];
  for (;; nl++) {
    snprintf(key, sizeof key, "%u", nl);
    if (!exists(root, key))
      break;
  }
  layer *L = calloc(nl + 1, sizeof *L);
  trips t = {0};
  bool ok = L && nl > 0;
  if (!ok && L)
    ir_error(x->d, lloc(x), "the netx network has no layers");
  uint32_t prev = 0;
  for (uint32_t li = 0; ok && li < nl; li++) {
    snprintf(key, sizeof key, "%u", li);
    hid_t lg = H5Gopen2(root, key, H5P_DEFAULT);
    char type[32];
    ok = read_str(lg, "type", type, sizeof type);
    if (!ok)
      ir_error(x->d, lloc(x), "layer %u has no type", li);
    else if (li == 0 && strcmp(type, "input") != 0) {
      ir_error(x->d, lloc(x), "layer 0 is '%s'; a netx network starts with an input layer", type);
      ok = false;
    } else if (strcmp(type, "flatten") == 0) {
      L[li] = L[prev]; /* a view: the next layer reads the previous one flattened (C, H, W) */
    } else if (strcmp(type, "input") == 0 && li == 0) {
      /* input block: an external spike source drives it through transform 2*w*x - w + b */
      double w = 64, b = 0;
      if (exists(lg, "weight"))
        read_scalar(lg, "weight", &w);
      if (exists(lg, "bias"))
        read_scalar(lg, "bias", &b);
      ok = read_shape(x, lg, li, &L[li]) && make_pops(x, lg, li, &L[li], b - w, true);
      int32_t in = ok ? ir_add_input(x->m, "input", IR_INPUT_BERNOULLI, L[li].n, lloc(x)) : -1;
      ok = in >= 0;
      if (ok) {
        x->m->inputs[in].p = ir_value_const(NETX_INPUT_P, IR_DIM_NONE);
        layer I = {.c = L[li].c, .h = L[li].h, .w = L[li].w, .n = L[li].n};
        I.pop_of = calloc(I.n, sizeof(uint32_t));
        I.idx_of = malloc(I.n * sizeof(uint32_t));
        ok = I.pop_of && I.idx_of;
        for (uint32_t i = 0; ok && i < I.n; i++) {
          I.idx_of[i] = i;
          ok = add_syn(&t, &I, &L[li], i, i, 2 * w);
        }
        ok = ok && make_projections(x, &t, input_ref, li);
        free(I.pop_of);
        free(I.idx_of);
      }
      prev = li;
    } else if (strcmp(type, "dense") == 0 || strcmp(type, "conv") == 0) {
      ok = read_shape(x, lg, li, &L[li]) && make_pops(x, lg, li, &L[li], 0, false) &&
           (type[0] == 'd' ? dense(x, lg, li, &L[prev], &L[li], &t) : conv(x, lg, li, &L[prev], &L[li], &t)) &&
           make_projections(x, &t, pop_ref, li);
      prev = li;
    } else {
      ir_error(x->d, lloc(x), "layer %u: netx layer type '%s' is not supported yet (input, dense, conv, flatten)",
               li, type);
      ok = false;
    }
    H5Gclose(lg);
  }
  for (uint32_t li = 0; L && li < nl; li++) {
    bool shared = false;
    for (uint32_t k = 0; k < li; k++)
      shared = shared || L[k].pop_of == L[li].pop_of;
    if (!shared) {
      free(L[li].pop_of);
      free(L[li].idx_of);
    }
  }
  free(L);
  free(t.v);
  H5Gclose(root);
  return ok;
}

ir_module *lh_netx_read(const char *path, ir_diag *d) {
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* errors are reported through d, not printed by HDF5 */
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) {
    ir_error(d, (ir_loc){.file = path}, "cannot open as an HDF5 netx file");
    return NULL;
  }
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  char name[128];
  snprintf(name, sizeof name, "%.*s", (int)strcspn(base, "."), base);
  nx x = {.m = ir_module_create(name[0] ? name : "netx"), .d = d, .path = path, .file = f};
  bool ok = x.m != NULL;
  if (ok) {
    x.path = ir_arena_strdup(x.m->arena, path);
    x.m->numerics = IR_NUMERICS_FIXED;
    x.m->v_unit = 1.0;
    x.m->dt = 1.0;
    x.m->loc = (ir_loc){x.path, 0, 0};
    ok = read_layers(&x);
  }
  H5Fclose(f);
  if (!ok) {
    ir_module_destroy(x.m);
    return NULL;
  }
  return x.m;
}
