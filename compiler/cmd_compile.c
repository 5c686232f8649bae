/* cmd_compile.c — `astroc compile`: model YAML -> frontend -> pass pipeline -> image file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli_args.h"
#include "commands.h"
#include "be_verilog.h"
#include "be_verilog_map.h"
#include "engine_jit.h"
#include "image.h"
#include "lh.h"
#include "lh_map.h"
#include "spikes_io.h"

/* Targets: `cpu` now; the others are named so users get "not available yet", not "unknown". */
static const char *const available_targets[] = {"cpu", "astro-sim", "loihi1", "loihi2", "netx"};

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* "examples/cuba.yaml" -> "cuba.aimg" (in the current folder). */
static char *default_output(const char *model) {
  const char *base = strrchr(model, '/');
  base = base ? base + 1 : model;
  size_t n = strlen(base);
  const char *dot = strrchr(base, '.');
  if (dot && dot != base) n = (size_t)(dot - base);
  char *out = malloc(n + 6);
  if (out) snprintf(out, n + 6, "%.*s.aimg", (int)n, base);
  return out;
}

/* Returns EXIT_OK when `t` is available, else reports and returns the exit status. */
static int check_target(const char *t) {
  for (size_t i = 0; i < sizeof available_targets / sizeof *available_targets; i++)
    if (strcmp(t, available_targets[i]) == 0) return EXIT_OK;
  if (strcmp(t, "astro-ice40") == 0) { /* a bitstream, not an image: another command makes it */
    fprintf(stderr, "astroc: error: target 'astro-ice40' is an FPGA bitstream, which 'astroc synth --target astro-ice40 "
                    "--board icebreaker -o DIR' builds; images for it come from --target astro-sim (docs/fpga.md)\n");
    return EXIT_INPUT;
  }
  return cmd_usage(&cmd_compile_desc, "unknown target '%s'; available targets: cpu, astro-sim, loihi1, loihi2, netx", t);
}

/* --target astro-sim: `dir` (created if missing) receives the accelerator image of backends/verilog
 * (load.cmd, astro_params.vh, memory_map.txt) for one core or, when the network needs several or
 * `cores` > 1 asks for them, for the mesh (be_verilog_map.h); returns the path of DIR/network.aimg, the IR image that
 * `astroc run DIR --backend rtl` loads, or NULL after reporting. */
static const char *astro_sim_dir(ir_module *m, const char *dir, uint32_t cores, char *aimg, size_t n, ir_diag *d) {
  if (m->numerics != IR_NUMERICS_FIXED) {
    ir_error(d, m->loc, "target astro-sim needs fixed numerics (network.numerics: fixed, or --numerics fixed)");
    return NULL;
  }
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    ir_error(d, (ir_loc){.file = dir}, "cannot create the folder: %s", strerror(errno));
    return NULL;
  }
  uint32_t used; /* one core, or the mesh placed by the mapping passes (recorded in network.aimg) */
  bool ok = be_vl_place(m, cores, &used, d) && be_vl_write_target_dir(m, dir, d);
  if (ok && used > 1) printf("placed %s on %u cores of the astro-sim mesh\n", m->name, used);
  snprintf(aimg, n, "%s/network.aimg", dir);
  return ok ? aimg : NULL;
}

/* --target loihi1|loihi2: `dir` receives loihi.json, loihi.bin and network.aimg (backends/loihi,
 * docs/loihi-format.md); prints the per-core resource report. Returns DIR/network.aimg or NULL. */
static const char *loihi_dir(const ir_module *m, const char *target, const char *dir, char *aimg, size_t n,
                             ir_diag *d) {
  map_target storage;
  lh_target t; /* from targets/TARGET.yaml (compiler/mapping), the limits `astroc map` uses too */
  lh_config *c = lh_target_load(target, &storage, &t, d) ? lh_compile(m, &t, d) : NULL;
  bool ok = c && lh_write_dir(c, m, dir, d);
  if (ok) lh_report(c, stdout);
  lh_config_free(c);
  snprintf(aimg, n, "%s/network.aimg", dir);
  return ok ? aimg : NULL;
}

static uint64_t count_neurons(const ir_module *m) {
  uint64_t n = 0;
  for (uint32_t i = 0; i < m->npops; i++) n += m->pops[i].size;
  return n;
}

static uint64_t count_synapses(const ir_module *m) {
  uint64_t n = 0;
  for (uint32_t i = 0; i < m->nprojs; i++)
    if (m->projs[i].csr) n += m->projs[i].csr->nsyn;
  return n;
}

int cmd_compile(int argc, char **argv) {
  const char *model = NULL, *out = NULL, *target = "cpu";
  cli_load_options lo = {.numerics = -1};
  uint64_t cores = 0; /* --cores N (astro-sim); 0: as many as the network needs */
  bool no_native = false; /* --no-native: a cpu image without the jit's object code */
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool has_val = i + 1 < argc;
    if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && has_val) out = argv[++i];
    else if (strcmp(a, "--target") == 0 && has_val) target = argv[++i];
    else if (strcmp(a, "--no-native") == 0) no_native = true;
    else if (strcmp(a, "--numerics") == 0 && has_val) {
      if (!cli_parse_numerics(argv[++i], &lo.numerics))
        return cmd_usage(&cmd_compile_desc, "--numerics must be 'float' or 'fixed', got '%s'", argv[i]);
    } else if (strcmp(a, "--seed") == 0 && has_val) {
      if (!cli_parse_uint(argv[++i], UINT64_MAX, &lo.seed))
        return cmd_usage(&cmd_compile_desc, "--seed needs an unsigned 64-bit integer, got '%s'", argv[i]);
      lo.seed_set = true;
    } else if (strcmp(a, "--cores") == 0 && has_val) {
      if (!cli_parse_uint(argv[++i], 64, &cores) || cores == 0)
        return cmd_usage(&cmd_compile_desc, "--cores needs an integer from 1 to 64, got '%s'", argv[i]);
    } else if (a[0] == '-' && a[1]) {
      return cmd_usage(&cmd_compile_desc, "unknown option '%s'%s", a, has_val ? "" : " (or missing value)");
    } else if (!model) model = a;
    else return cmd_usage(&cmd_compile_desc, "one model at a time (got '%s' and '%s')", model, a);
  }
  if (!model) return cmd_usage(&cmd_compile_desc, "missing MODEL.yaml");
  int st = check_target(target);
  if (st != EXIT_OK) return st;
  if (cores && strcmp(target, "astro-sim") != 0) return cmd_usage(&cmd_compile_desc, "--cores needs --target astro-sim");

  double t0 = now_s();
  ir_diag *d = ir_diag_create(stderr);
  if (!d) return EXIT_INTERNAL;
  bool is_image;
  ir_module *m = cli_load(model, &lo, &is_image, d);
  char *def = out ? NULL : default_output(model);
  const char *path = out ? out : def;
  int rc = EXIT_OK;
  char aimg[4096];
  bool sim_failed = false;
  if (m && !is_image && path && strcmp(target, "astro-sim") == 0) {
    if (!out && strlen(path) > 5) def[strlen(def) - 5] = 0; /* "MODEL.aimg" -> folder "MODEL" */
    path = astro_sim_dir(m, path, (uint32_t)cores, aimg, sizeof aimg, d);
    sim_failed = !path;
  }
  if (m && !is_image && path && lh_target_get(target)) {
    if (!out && strlen(path) > 5) def[strlen(def) - 5] = 0; /* "MODEL.aimg" -> folder "MODEL" */
    path = loihi_dir(m, target, path, aimg, sizeof aimg, d);
    sim_failed = !path;
  }
  if (!m) {
    rc = ir_diag_error_count(d) ? EXIT_INPUT : EXIT_INTERNAL;
  } else if (is_image) {
    ir_error(d, (ir_loc){.file = model}, "this is already an image; compile takes a model YAML file");
    rc = EXIT_INPUT;
  } else if (sim_failed) {
    rc = EXIT_INPUT;
  } else if (!path) {
    rc = EXIT_INTERNAL;
  } else if (strcmp(target, "netx") == 0) { /* lava-dl netx HDF5 (backends/loihi, docs/loihi-format.md) */
    if (!out && strlen(def) > 5) strcpy(def + strlen(def) - 5, ".net"); /* "MODEL.aimg" -> "MODEL.net" */
    if (!lh_netx_write(m, path, d)) rc = EXIT_INPUT;
    else printf("compiled %s for netx: %llu neurons, %llu synapses -> %s in %.3f s\n", m->name,
                (unsigned long long)count_neurons(m), (unsigned long long)count_synapses(m), path, now_s() - t0);
  } else {
    FILE *f = fopen(path, "wb");
    if (!f) {
      ir_error(d, (ir_loc){.file = path}, "cannot write: %s", strerror(errno));
      rc = EXIT_INPUT;
    } else {
      /* --target cpu: the jit engine's object code rides along (section 'native', docs/jit.md) */
      void *nat = NULL;
      size_t natlen = 0;
      char note[512] = "";
      if (strcmp(target, "cpu") == 0 && !no_native && !rt_jit_native_for(m, &nat, &natlen, note, sizeof note))
        fprintf(stderr, "astroc: note: image without native code (astroc run --backend jit will generate it): %s\n", note);
      ir_image_extra ex = {IR_IMAGE_SECTION_NATIVE, nat, natlen};
      bool ok = ir_image_write_ex(m, &ex, nat ? 1 : 0, f, d);
      free(nat);
      long bytes = ftell(f);
      ok = (fclose(f) == 0) && ok;
      if (!ok) {
        ir_error(d, (ir_loc){.file = path}, "failed to write the image");
        remove(path);
        rc = EXIT_INPUT;
      } else {
        printf("compiled %s for %s: %llu neurons, %llu synapses -> %s (%ld bytes) in %.3f s\n", m->name, target,
               (unsigned long long)count_neurons(m), (unsigned long long)count_synapses(m), path, bytes,
               now_s() - t0);
      }
    }
  }
  ir_module_destroy(m);
  ir_diag_destroy(d);
  free(def);
  return rc;
}

const command cmd_compile_desc = {
    "compile",
    "astroc compile MODEL.yaml [--target cpu] [--no-native] [-o MODEL.aimg] [--numerics float|fixed] [--seed S] [--cores N]",
    "compile a model to an image (parse, lay out, expand connectivity, write)",
    "options:\n"
    "  --target T           cpu (default), astro-sim (-o names a folder: load.cmd, astro_params.vh,\n"
    "                       memory_map.txt and network.aimg; docs/accelerator.md), loihi1, loihi2 (-o names\n"
    "                       a folder: loihi.json, loihi.bin, network.aimg; prints the per-core resources;\n"
    "                       docs/loihi-format.md), netx (-o FILE.net: a lava-dl netx HDF5 network of a\n"
    "                       feed-forward lif chain). astro-ice40: use astroc synth\n"
    "  --no-native          cpu: leave out the native code that --target cpu embeds for the jit backend\n"
    "                       (by default the image carries it, so 'astroc run --backend jit' generates none)\n"
    "  --cores N            astro-sim: spread the neurons over about N cores of the 2 x 2 mesh (the\n"
    "                       mapping passes place them; default: one core unless the network needs more)\n"
    "  -o, --output FILE    image to write (default: the model's file stem + .aimg, in this folder)\n"
    "  --numerics MODE      float | fixed: override network.numerics\n"
    "  --seed S             override network.seed (changes the random connectivity)\n"
    "\n"
    "Prints one line: neurons, synapses, bytes written, time. Exit status: 0 ok, 1 error in the\n"
    "model or an I/O error, 2 usage error, 3 internal error. The image format: docs/image-format.md.\n"
    "\nexample:\n  astroc compile examples/cuba.yaml --target cpu -o cuba.aimg\n",
    cmd_compile,
};
