/* lh_netx_write.c — exports a chain of lif populations as a lava-dl netx network (HDF5): layer 0 the
 * input block, then one dense layer per population (docs/loihi-format.md, "netx"). */
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>

#include "fixed.h"
#include "lh.h"

static bool w_i64(hid_t g, const char *name, int64_t v) {
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t ds = H5Dcreate2(g, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  bool ok = ds >= 0 && H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) >= 0;
  if (ds >= 0)
    H5Dclose(ds);
  H5Sclose(sp);
  return ok;
}

static bool w_f64(hid_t g, const char *name, double v) {
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t ds = H5Dcreate2(g, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  bool ok = ds >= 0 && H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) >= 0;
  if (ds >= 0)
    H5Dclose(ds);
  H5Sclose(sp);
  return ok;
}

static bool w_arr(hid_t g, const char *name, hid_t ftype, hid_t mtype, int nd, const hsize_t *dims, const void *v) {
  hid_t sp = H5Screate_simple(nd, dims, NULL);
  hid_t ds = H5Dcreate2(g, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  bool ok = ds >= 0 && H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0;
  if (ds >= 0)
    H5Dclose(ds);
  H5Sclose(sp);
  return ok;
}

/* Fixed-length, null-padded string of one element (as lava-dl writes layer types). */
static bool w_str(hid_t g, const char *name, const char *s, size_t len) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, len);
  H5Tset_strpad(t, H5T_STR_NULLPAD);
  char *buf = calloc(len + 1, 1);
  hsize_t one = 1;
  bool ok = buf && (strncpy(buf, s, len), w_arr(g, name, t, t, 1, &one, buf));
  free(buf);
  H5Tclose(t);
  return ok;
}

static bool neuron_group(hid_t lg, const ir_fx_lif *q) {
  hid_t ng = H5Gcreate2(lg, "neuron", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  bool ok = ng >= 0 && w_str(ng, "type", "LOIHI", 5) && w_i64(ng, "iDecay", q->du + 1) && w_i64(ng, "vDecay", q->dv) &&
            w_i64(ng, "vThMant", q->vth_mant) && w_i64(ng, "refDelay", q->refractory + 1) &&
            w_i64(ng, "wgtExp", 0) && w_i64(ng, "theta", (int64_t)q->vth_mant << 6) && w_f64(ng, "tauRho", 1) &&
            w_f64(ng, "scaleRho", 1);
  if (ng >= 0)
    H5Gclose(ng);
  return ok;
}

/* The exportable shape: inputs <= 1; population k's only incoming projection comes from population
 * k-1 (k >= 1) and population 0's from the input (one_to_one) or nothing. */
static bool check_chain(const ir_module *m, ir_diag *d, int32_t *in_proj) {
  if (m->npops == 0 || m->ninputs > 1) {
    ir_error(d, m->loc, "netx export needs one or more populations and at most one input");
    return false;
  }
  for (uint32_t p = 0; p < m->npops; p++) {
    if (m->pops[p].model != IR_NEURON_LIF) {
      ir_error(d, m->pops[p].loc, "netx export: population '%s' is not lif", m->pops[p].name);
      return false;
    }
    in_proj[p] = -1;
  }
  for (uint32_t k = 0; k < m->nprojs; k++) {
    const ir_projection *pr = &m->projs[k];
    uint32_t post = pr->post.index;
    bool from_prev = pr->pre.kind == IR_NODE_POPULATION && post > 0 && pr->pre.index == post - 1;
    bool from_in = pr->pre.kind == IR_NODE_INPUT && post == 0 && pr->rule.kind == IR_CONN_ONE_TO_ONE;
    if (in_proj[post] >= 0 || !(from_prev || from_in) || !pr->csr) {
      ir_error(d, pr->loc, "netx export: projection '%s' does not fit a feed-forward chain (input -> first "
               "population one-to-one, then each population from the one before)", pr->name);
      return false;
    }
    in_proj[post] = (int32_t)k;
  }
  return true;
}

static bool derive(const ir_module *m, uint32_t p, ir_fx_lif *q, ir_diag *d) {
  const ir_population *pop = &m->pops[p];
  double v[IR_MAX_PARAMS];
  for (uint32_t k = 0; k < IR_P_LIF_COUNT; k++) {
    if (pop->params[k].kind != IR_VAL_CONST && pop->params[k].kind != IR_VAL_UNSET) {
      ir_error(d, pop->loc, "netx export: parameter '%s' of population '%s' must be a constant",
               ir_neuron_model_desc(IR_NEURON_LIF)->params[k].name, pop->name);
      return false;
    }
    v[k] = ir_value_sample(&pop->params[k], m->seed, 0, k, 0);
  }
  const char *why = NULL;
  if (!ir_fx_lif_derive(v, m->dt, m->v_unit, q, &why)) {
    ir_error(d, pop->loc, "population '%s': %s", pop->name, why);
    return false;
  }
  return true;
}

static bool write_layer(hid_t root, const ir_module *m, uint32_t p, int32_t proj, bool input, ir_diag *d) {
  ir_fx_lif q;
  if (!derive(m, p, &q, d))
    return false;
  char key[16];
  snprintf(key, sizeof key, "%u", p);
  hid_t lg = H5Gcreate2(root, key, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  uint32_t n = m->pops[p].size;
  int64_t shape = n;
  hsize_t one = 1, nd = n;
  double bias_mv = (double)((int64_t)q.bias_mant << q.bias_exp) / 64.0; /* in v_unit (= vThMant units) */
  bool ok = lg >= 0 && w_arr(lg, "shape", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &one, &shape) && neuron_group(lg, &q);
  if (ok && input) {
    /* transform 2*w*x - w + b: an input spike (x = 1) adds w + b, no spike -w + b; astroc's input adds its
     * weight per spike and the population's bias every step: w = weight/2, b = bias + w */
    float w = proj >= 0 && m->projs[proj].csr->nsyn ? m->projs[proj].csr->weight[0] / (float)m->v_unit / 2 : 0;
    float b = (float)bias_mv + w;
    ok = w_str(lg, "type", "input", 10) && w_arr(lg, "weight", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, &one, &w) &&
         w_arr(lg, "bias", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, &one, &b);
  } else if (ok) {
    const ir_csr *c = m->projs[proj].csr;
    float *w = calloc((size_t)n * c->npre + 1, sizeof(float)), *b = malloc(((size_t)n + 1) * sizeof(float));
    ok = w && b;
    for (uint32_t i = 0; ok && i < c->npre; i++)
      for (uint64_t s = c->row_ptr[i]; s < c->row_ptr[i + 1]; s++) {
        if (c->delay[s]) {
          ir_error(d, m->projs[proj].loc, "netx export: projection '%s' has delays (dense layers have none)",
                   m->projs[proj].name);
          ok = false;
          break;
        }
        w[(size_t)c->col[s] * c->npre + i] += c->weight[s] / (float)m->v_unit;
      }
    for (uint32_t j = 0; ok && j < n; j++)
      b[j] = (float)bias_mv;
    hsize_t dims[2] = {n, c->npre};
    ok = ok && w_str(lg, "type", "dense", 10) && w_arr(lg, "weight", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, dims, w) &&
         w_arr(lg, "bias", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, &nd, b);
    free(w);
    free(b);
  }
  if (lg >= 0)
    H5Gclose(lg);
  return ok;
}

bool lh_netx_write(const ir_module *m, const char *path, ir_diag *d) {
  int32_t *in_proj = calloc(m->npops + 1, sizeof(int32_t));
  if (!in_proj || !check_chain(m, d, in_proj)) {
    free(in_proj);
    return false;
  }
  if (m->v_unit != 1.0)
    ir_warning(d, m->loc, "netx weights, thresholds and biases are written in units of v_unit (%g mV)", m->v_unit);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  bool ok = f >= 0;
  if (!ok) {
    ir_error(d, (ir_loc){.file = path}, "cannot create the netx file");
    free(in_proj);
    return false;
  }
  hid_t root = H5Gcreate2(f, "layer", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hid_t sim = H5Gcreate2(f, "simulation", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ok = root >= 0 && sim >= 0 && w_f64(sim, "Ts", m->dt) &&
       w_i64(sim, "tSample", m->duration > 0 ? (int64_t)(m->duration / m->dt + 0.5) : 0);
  /* layer 0: the input block, hosting population 0 (driven by the input when there is one) */
  ok = ok && write_layer(root, m, 0, in_proj[0], true, d);
  for (uint32_t p = 1; ok && p < m->npops; p++) {
    if (in_proj[p] < 0) {
      ir_error(d, m->pops[p].loc, "netx export: population '%s' has no incoming projection", m->pops[p].name);
      ok = false;
      break;
    }
    ok = write_layer(root, m, p, in_proj[p], false, d);
  }
  if (sim >= 0)
    H5Gclose(sim);
  if (root >= 0)
    H5Gclose(root);
  ok = H5Fclose(f) >= 0 && ok;
  if (!ok) {
    if (ir_diag_error_count(d) == 0)
      ir_error(d, (ir_loc){.file = path}, "failed to write the netx file");
    remove(path);
  }
  free(in_proj);
  return ok;
}
