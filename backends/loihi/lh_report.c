/* lh_report.c — resource usage per core against the target's limits, the printed report, and the
 * output folder (loihi.json, loihi.bin, network.aimg) of `astroc compile --target loihi*`. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image.h"
#include "lh.h"

void lh_core_usage(const lh_config *c, uint32_t k, uint32_t use[LH_RES_COUNT]) {
  const lh_core *core = &c->cores[k];
  use[LH_RES_CX] = core->ncx;
  use[LH_RES_WORDS] = core->nwords;
  use[LH_RES_AXIN] = core->naxin;
  use[LH_RES_AXOUT] = core->nout;
  use[LH_RES_CXPROF] = core->ncxp;
  use[LH_RES_VTHPROF] = core->nvthp;
  use[LH_RES_FORMATS] = core->nfmt;
}

/* nalsm_lif kernels, amsu units and tripartite astrocytes use compartment features Loihi 1 lacks
 * (docs/loihi-format.md, "Differences from Loihi hardware"): the loihi engine runs them exactly, but a
 * hardware engineer must not take the tables for a Loihi 1 program, so the report says so. */
static void report_beyond_loihi1(const lh_config *c, FILE *out) {
  if (strcmp(c->target->name, "loihi1") != 0)
    return;
  bool nalsm = false, amsu = false, tri = false;
  for (uint32_t k = 0; k < c->ncores; k++)
    for (uint32_t q = 0; q < c->cores[k].ncxp; q++) {
      nalsm |= c->cores[k].cxp[q].kind == LH_CX_NALSM;
      amsu |= c->cores[k].cxp[q].kind == LH_CX_ASTRO;
    }
  for (uint32_t a = 0; a < c->nastros; a++)
    tri |= c->astros[a].kind == LH_ASTRO_TRIPARTITE;
  if (!nalsm && !amsu && !tri)
    return;
  fprintf(out, "note: Loihi 1 has no hardware for");
  const char *sep = " ";
  if (nalsm) { fprintf(out, "%snalsm_lif last-spike kernels", sep); sep = ", "; }
  if (amsu) { fprintf(out, "%samsu units' astrocyte joins", sep); sep = ", "; }
  if (tri) fprintf(out, "%stripartite astrocytes' joins", sep);
  fprintf(out, " (docs/loihi-format.md, \"Differences from Loihi hardware\"): the loihi engine runs these tables "
               "exactly; a chip needs Loihi 2's programmable neurons\n");
}

void lh_report(const lh_config *c, FILE *out) {
  const lh_target *t = c->target;
  fprintf(out, "%s: %u cores on %u chip%s (limits per core: %u compartments, %u words, %u/%u axons in/out, "
               "%u/%u/%u profiles cx/vth/formats)\n",
          t->name, c->ncores, c->nchips, c->nchips == 1 ? "" : "s", t->limit[LH_RES_CX], t->limit[LH_RES_WORDS],
          t->limit[LH_RES_AXIN], t->limit[LH_RES_AXOUT], t->limit[LH_RES_CXPROF], t->limit[LH_RES_VTHPROF],
          t->limit[LH_RES_FORMATS]);
  fprintf(out, "cores assigned by %s\n", c->mapped ? "the mapping passes (partition, place; docs/mapping.md)"
                                                     : "the sequential fill (docs/loihi-format.md)");
  fprintf(out, "%6s %5s %13s %13s %11s %11s %7s %7s %7s\n", "core", "chip", "compartments", "syn words",
          "axons in", "axons out", "cxprof", "vthprof", "formats");
  for (uint32_t k = 0; k < c->ncores; k++) {
    uint32_t u[LH_RES_COUNT];
    lh_core_usage(c, k, u);
    fprintf(out, "%6u %5u %6u/%-6u %6u/%-6u %5u/%-5u %5u/%-5u %3u/%-3u %3u/%-3u %3u/%-3u\n", c->cores[k].id,
            c->cores[k].chip,
            u[LH_RES_CX], t->limit[LH_RES_CX], u[LH_RES_WORDS], t->limit[LH_RES_WORDS], u[LH_RES_AXIN],
            t->limit[LH_RES_AXIN], u[LH_RES_AXOUT], t->limit[LH_RES_AXOUT], u[LH_RES_CXPROF], t->limit[LH_RES_CXPROF],
            u[LH_RES_VTHPROF], t->limit[LH_RES_VTHPROF], u[LH_RES_FORMATS], t->limit[LH_RES_FORMATS]);
  }
  report_beyond_loihi1(c, out);
}

static char *join(const char *dir, const char *file) {
  size_t n = strlen(dir) + strlen(file) + 2;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s/%s", dir, file);
  return p;
}

typedef bool (*writer_fn)(const void *obj, FILE *f, ir_diag *d);

static bool w_json(const void *o, FILE *f, ir_diag *d) { (void)d; return lh_write_json(o, f); }
static bool w_bin(const void *o, FILE *f, ir_diag *d) { (void)d; return lh_write_bin(o, f); }
static bool w_img(const void *o, FILE *f, ir_diag *d) { return ir_image_write(o, f, d); }

static bool write_one(const char *dir, const char *file, writer_fn fn, const void *obj, ir_diag *d) {
  char *path = join(dir, file);
  if (!path)
    return false;
  FILE *f = fopen(path, "wb");
  bool ok = f != NULL;
  if (!f)
    ir_error(d, (ir_loc){.file = path}, "cannot write: %s", strerror(errno));
  else {
    ok = fn(obj, f, d);
    ok = fclose(f) == 0 && ok;
    if (!ok)
      ir_error(d, (ir_loc){.file = path}, "failed to write");
  }
  free(path);
  return ok;
}

bool lh_write_dir(const lh_config *c, const ir_module *m, const char *dir, ir_diag *d) {
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    ir_error(d, (ir_loc){.file = dir}, "cannot create the output folder: %s", strerror(errno));
    return false;
  }
  return write_one(dir, "loihi.json", w_json, c, d) && write_one(dir, "loihi.bin", w_bin, c, d) &&
         write_one(dir, "network.aimg", w_img, m, d);
}
