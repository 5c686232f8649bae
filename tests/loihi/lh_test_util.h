/* lh_test_util.h — shared helpers of the 'loihi' suite: run a module on an engine and collect its raster
 * and final lif state; compile a module into a temporary configuration folder. */
#ifndef LH_TEST_UTIL_H
#define LH_TEST_UTIL_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "astroc_rt.h"
#include "lh.h"
#include "passes.h"

typedef struct lt_raster {
  uint64_t *key; /* step << 40 | source << 24 | neuron, in emission order */
  size_t n, cap;
} lt_raster;

static void lt_on_spikes(void *ctx, uint64_t step, ir_ref src, const uint32_t *idx, uint32_t n) {
  lt_raster *r = ctx;
  uint64_t s = (src.kind == IR_NODE_POPULATION ? 0 : 128) + src.index;
  for (uint32_t i = 0; i < n; i++) {
    if (r->n == r->cap) {
      r->cap = r->cap ? 2 * r->cap : 1024;
      r->key = realloc(r->key, r->cap * sizeof *r->key);
    }
    r->key[r->n++] = step << 40 | s << 24 | idx[i];
  }
}

/* Runs `steps` steps on `engine`; fills the raster and, per population, v then u (lif, amsu) or ref
 * (nalsm_lif), then a (amsu; else zeros): LT_NSTATE * size doubles per population (malloc'd).
 * Returns false when the simulation cannot be created or run. */
#define LT_NSTATE 3
static bool lt_run(const ir_module *m, const char *engine, uint64_t steps, lt_raster *r, double **state,
                   ir_diag *d) {
  rt_options opt = {.engine = engine, .numerics = -1};
  rt_sim *s = rt_sim_create(m, &opt, d);
  if (!s)
    return false;
  rt_sim_on_spikes(s, lt_on_spikes, r);
  bool ok = rt_sim_run(s, steps, d);
  uint64_t total = 0;
  for (uint32_t p = 0; p < m->npops; p++)
    total += LT_NSTATE * (uint64_t)m->pops[p].size;
  *state = calloc(total + 1, sizeof(double));
  uint64_t at = 0;
  for (uint32_t p = 0; ok && p < m->npops; p++) {
    ir_ref ref = {IR_NODE_POPULATION, p};
    const char *second = m->pops[p].model == IR_NEURON_NALSM_LIF ? "ref" : "u";
    uint64_t n = m->pops[p].size;
    ok = rt_sim_read_state(s, ref, "v", *state + at) && rt_sim_read_state(s, ref, second, *state + at + n) &&
         (m->pops[p].model != IR_NEURON_AMSU || rt_sim_read_state(s, ref, "a", *state + at + 2 * n));
    at += LT_NSTATE * n;
  }
  rt_sim_destroy(s);
  return ok;
}

/* A fresh temporary folder (malloc'd path). */
static char *lt_tmpdir(void) {
  char *p = strdup("/tmp/astroc_loihi_XXXXXX");
  return mkdtemp(p) ? p : NULL;
}

static void lt_rmdir(const char *dir) {
  const char *files[] = {"loihi.json", "loihi.bin", "network.aimg"};
  char path[512];
  for (int i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    remove(path);
  }
  rmdir(dir);
}

/* How the tests compile: a short placement budget (the assignment, not its quality, is under test);
 * a test may switch to the sequential fill. */
static lh_options lt_opt = {.place_iterations = 1000};

/* Compiles m for t (lt_opt) into a temporary folder and points the module at it (LH_DIR_ATTR).
 * Returns the folder (malloc'd) or NULL. */
static char *lt_compile_to_dir(ir_module *m, const lh_target *t, ir_diag *d) {
  lh_config *c = lh_compile_opt(m, t, &lt_opt, d);
  if (!c)
    return NULL;
  char *dir = lt_tmpdir();
  bool ok = dir && lh_write_dir(c, m, dir, d) && ir_attr_set_str(m, &m->attrs, LH_DIR_ATTR, dir);
  lh_config_free(c);
  if (!ok) {
    if (dir)
      lt_rmdir(dir);
    free(dir);
    return NULL;
  }
  return dir;
}

#endif
