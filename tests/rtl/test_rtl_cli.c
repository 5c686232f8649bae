/* test_rtl_cli.c — the mesh through the astroc command: `compile --target astro-sim --cores N -o DIR`,
 * `run DIR --backend rtl` and `run MODEL --backend rtl --cores N` write the same spike CSV as
 * `run MODEL --backend interp`; the errors when a network cannot go on the mesh; examples/tripartite.yaml
 * on one core through `run --backend rtl`. argv[1]: astroc. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *g_astroc;
static char g_dir[256];

/* A random-connectivity network (two populations, a Poisson drive, delays up to 3 steps) in fixed
 * numerics, with `plastic` an stdp projection. */
static void write_model(const char *path, unsigned nexc, unsigned ninh, int plastic) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f,
          "astroc: 1\n"
          "network: {name: meshcli, dt: 1 ms, seed: 7, numerics: fixed, v_unit: 0.0625 mV, duration: 200 ms}\n"
          "neurons:\n"
          "  exc: {model: lif, size: %u, params: {tau_v: 20 ms, tau_u: 5 ms, v_th: 10 mV, refractory: 2 ms,\n"
          "        v_init: {uniform: [0 mV, 10 mV]}}}\n"
          "  inh: {model: lif, size: %u, params: {tau_v: 10 ms, tau_u: 5 ms, v_th: 8 mV}}\n"
          "inputs:\n"
          "  drive: {kind: poisson, size: 20, rate: 40 Hz}\n"
          "synapses:\n"
          "  de: {pre: drive, post: exc, connectivity: {rule: fixed_probability, p: 0.3}, weight: 4 mV}\n"
          "  ee: {pre: exc, post: exc, connectivity: {rule: fixed_probability, p: 0.1}, weight: 1.5 mV,\n"
          "       delay: {uniform: [0 ms, 3 ms]}%s}\n"
          "  ei: {pre: exc, post: inh, connectivity: {rule: fixed_probability, p: 0.2}, weight: 2 mV, delay: 1 ms}\n"
          "  ie: {pre: inh, post: exc, connectivity: {rule: fixed_probability, p: 0.2}, weight: -3 mV}\n",
          nexc, ninh, plastic ? ", plasticity: {rule: stdp}" : "");
  assert_int_equal(fclose(f), 0);
}

/* Runs `astroc ARGS` in the work folder (stdout and stderr to out.txt); returns its exit status. */
static int astroc(const char *args) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s > out.txt 2>&1", g_dir, g_astroc, args);
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Contents of a file of the work folder (malloc'd, NUL-terminated). */
static char *slurp(const char *name) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", g_dir, name);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  assert_non_null(s);
  assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
  s[n] = 0;
  fclose(f);
  return s;
}

/* Cores of the memory map that hold at least one compartment. */
static unsigned cores_used(const char *dir) {
  char name[256];
  snprintf(name, sizeof name, "%s/memory_map.txt", dir);
  char *map = slurp(name);
  assert_non_null(strstr(map, "on a 2 x 2 mesh"));
  unsigned used = 0;
  for (const char *l = strchr(map, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
    unsigned core, x, y, ncomp;
    if (sscanf(l + 1, "%u (%u,%u) %u", &core, &x, &y, &ncomp) == 4 && ncomp > 0)
      used++;
  }
  free(map);
  return used;
}

static size_t lines(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    n += *s == '\n';
  return n;
}

static void test_cli_mesh_matches_interp(void **state) {
  (void)state;
  char path[512];
  snprintf(path, sizeof path, "%s/net.yaml", g_dir);
  write_model(path, 90, 30, 0);
  assert_int_equal(astroc("run net.yaml --backend interp --spikes interp.csv -q"), 0);
  char *ref = slurp("interp.csv");
  assert_true(lines(ref) > 200); /* the raster is not trivially empty */
  static const unsigned ncores[] = {2, 3, 4};
  for (size_t k = 0; k < 3; k++) {
    char args[256], dir[32];
    snprintf(dir, sizeof dir, "mesh%u", ncores[k]);
    snprintf(args, sizeof args, "compile net.yaml --target astro-sim --cores %u -o %s", ncores[k], dir);
    assert_int_equal(astroc(args), 0);
    char *out = slurp("out.txt");
    assert_non_null(strstr(out, "cores of the astro-sim mesh"));
    free(out);
    /* pieces never mix populations: 2 cores hold exc and inh, 3 and 4 split exc */
    assert_int_equal(cores_used(dir), ncores[k]);
    snprintf(args, sizeof args, "run %s --backend rtl --spikes rtl.csv -q", dir);
    assert_int_equal(astroc(args), 0);
    char *got = slurp("rtl.csv");
    assert_string_equal(got, ref);
    free(got);
    snprintf(args, sizeof args, "run net.yaml --backend rtl --cores %u --spikes rtl2.csv -q", ncores[k]);
    assert_int_equal(astroc(args), 0);
    got = slurp("rtl2.csv");
    assert_string_equal(got, ref);
    free(got);
    snprintf(args, sizeof args, "run %s --backend interp --spikes interp2.csv -q", dir); /* the folder's image */
    assert_int_equal(astroc(args), 0);
    got = slurp("interp2.csv");
    assert_string_equal(got, ref);
    free(got);
  }
  /* without --cores the network fits one core: no mesh */
  assert_int_equal(astroc("compile net.yaml --target astro-sim -o one"), 0);
  char *map = slurp("one/memory_map.txt");
  assert_non_null(strstr(map, "on one astroc accelerator core"));
  free(map);
  free(ref);
}

static void expect_error(const char *args, int status, const char *msg) {
  assert_int_equal(astroc(args), status);
  char *out = slurp("out.txt");
  if (!strstr(out, msg))
    fail_msg("astroc %s: expected '%s' in:\n%s", args, msg, out);
  free(out);
}

/* Whether two files of the work folder have the same bytes (and are not empty). */
static bool same_file(const char *a, const char *b) {
  char pa[512], pb[512];
  snprintf(pa, sizeof pa, "%s/%s", g_dir, a);
  snprintf(pb, sizeof pb, "%s/%s", g_dir, b);
  FILE *fa = fopen(pa, "rb"), *fb = fopen(pb, "rb");
  bool same = fa && fb;
  long n = 0;
  for (int ca = 0, cb = 0; same && ca != EOF; n++) {
    ca = fgetc(fa);
    cb = fgetc(fb);
    same = ca == cb;
  }
  if (fa)
    fclose(fa);
  if (fb)
    fclose(fb);
  return same && n > 1;
}

static void test_cli_mesh_errors(void **state) {
  (void)state;
  char path[512];
  snprintf(path, sizeof path, "%s/plastic.yaml", g_dir);
  write_model(path, 40, 10, 1);
  /* stdp runs on the mesh (plastic synapses on their post's core): the raster and every weight of every
   * step as on interp */
  assert_int_equal(astroc("run plastic.yaml --backend interp --spikes pi.csv --record ee.w=pi.npy -q"), 0);
  assert_int_equal(astroc("run plastic.yaml --backend rtl --cores 3 --spikes pr.csv --record ee.w=pr.npy -q"), 0);
  assert_true(same_file("pi.csv", "pr.csv") && same_file("pi.npy", "pr.npy"));
  assert_int_equal(astroc("compile plastic.yaml --target astro-sim --cores 2 -o p2"), 0);
  assert_int_equal(astroc("run p2 --backend rtl --spikes p2.csv -q"), 0);
  assert_true(same_file("pi.csv", "p2.csv"));
  snprintf(path, sizeof path, "%s/big.yaml", g_dir);
  write_model(path, 4000, 1000, 0); /* 5000 compartments: more than the 4 x 1024 of the mesh */
  expect_error("compile big.yaml --target astro-sim --cores 4 -o big", 1, "does not fit the 2 x 2 astro-sim mesh");
  expect_error("compile plastic.yaml --target astro-sim --cores 5 -o p5", 1, "target astro-sim has 4 cores");
  expect_error("compile plastic.yaml --target cpu --cores 2", 2, "--cores needs --target astro-sim");
  expect_error("run plastic.yaml --cores 2", 2, "--cores needs --backend rtl");
  expect_error("run plastic.yaml --backend rtl --cores 0", 2, "--cores needs an integer from 1 to 64");
}

/* The meshcli network with a nalsm astrocyte listening to exc and inh (+1) and the drive (-1); ee is
 * astro_stdp modulated by it, ie anti-hebbian stdp. */
static void write_astro_model(const char *path) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f,
          "astroc: 1\n"
          "network: {name: meshastro, dt: 1 ms, seed: 9, numerics: fixed, v_unit: 0.0625 mV, duration: 200 ms}\n"
          "neurons:\n"
          "  exc: {model: lif, size: 60, params: {tau_v: 20 ms, tau_u: 5 ms, v_th: 10 mV, refractory: 2 ms,\n"
          "        v_init: {uniform: [0 mV, 10 mV]}}}\n"
          "  inh: {model: lif, size: 15, params: {tau_v: 10 ms, tau_u: 5 ms, v_th: 8 mV}}\n"
          "inputs:\n"
          "  drive: {kind: poisson, size: 20, rate: 40 Hz}\n"
          "astrocytes:\n"
          "  astro:\n"
          "    model: nalsm\n"
          "    size: 1\n"
          "    params: {a0: 0.15, w_a: 0.015, b_a: 0.15, tau: 50 ms}\n"
          "    listen:\n"
          "      - {source: exc, sign: 1}\n"
          "      - {source: inh, sign: 1}\n"
          "      - {source: drive, sign: -1}\n"
          "synapses:\n"
          "  de: {pre: drive, post: exc, connectivity: {rule: fixed_probability, p: 0.3}, weight: 4 mV}\n"
          "  ee:\n"
          "    pre: exc\n"
          "    post: exc\n"
          "    connectivity: {rule: fixed_probability, p: 0.1}\n"
          "    weight: 1.5 mV\n"
          "    delay: {uniform: [0 ms, 3 ms]}\n"
          "    plasticity:\n"
          "      rule: astro_stdp\n"
          "      modulator: astro\n"
          "      params: {a_plus: 0.15 mV, a_minus: 1 mV, tau_pre: 10 ms, tau_post: 10 ms, trace_inc: 0.1,\n"
          "               w_min: 0 mV, w_max: 3 mV}\n"
          "  ei: {pre: exc, post: inh, connectivity: {rule: fixed_probability, p: 0.2}, weight: 2 mV, delay: 1 ms}\n"
          "  ie: {pre: inh, post: exc, connectivity: {rule: fixed_probability, p: 0.2}, weight: -3 mV,\n"
          "       plasticity: {rule: stdp, form: anti_hebbian}}\n");
  assert_int_equal(fclose(f), 0);
}

/* A nalsm astrocyte and astro_stdp on 2-4 cores (the astrocyte replicated on the cores of ee's synapses):
 * the raster, ee's weights and the astrocyte's A of every step as on interp, byte for byte. */
static void test_cli_mesh_astro(void **state) {
  (void)state;
  char path[512];
  snprintf(path, sizeof path, "%s/astro.yaml", g_dir);
  write_astro_model(path);
  assert_int_equal(astroc("run astro.yaml --backend interp --spikes ai.csv --record ee.w=aiw.npy "
                          "--record astro.a=aia.npy --record ie.w=aii.npy -q"), 0);
  assert_int_equal(astroc("run astro.yaml --backend rtl --cores 3 --spikes ar.csv --record ee.w=arw.npy "
                          "--record astro.a=ara.npy --record ie.w=ari.npy -q"), 0);
  assert_true(same_file("ai.csv", "ar.csv") && same_file("aiw.npy", "arw.npy") && same_file("aia.npy", "ara.npy") &&
              same_file("aii.npy", "ari.npy"));
  static const unsigned ncores[] = {2, 4};
  for (int k = 0; k < 2; k++) {
    char args[512], dir[32];
    snprintf(dir, sizeof dir, "astro%u", ncores[k]);
    snprintf(args, sizeof args, "compile astro.yaml --target astro-sim --cores %u -o %s", ncores[k], dir);
    assert_int_equal(astroc(args), 0);
    assert_true(cores_used(dir) >= 2);
    snprintf(args, sizeof args, "%s/memory_map.txt", dir);
    char *map = slurp(args);
    assert_non_null(strstr(map, "home core")); /* the astrocyte's replicas are listed */
    free(map);
    snprintf(args, sizeof args, "run %s --backend rtl --spikes a%u.csv --record ee.w=a%uw.npy --record astro.a=a%ua.npy -q",
             dir, ncores[k], ncores[k], ncores[k]);
    assert_int_equal(astroc(args), 0);
    char f1[32], f2[32], f3[32];
    snprintf(f1, sizeof f1, "a%u.csv", ncores[k]);
    snprintf(f2, sizeof f2, "a%uw.npy", ncores[k]);
    snprintf(f3, sizeof f3, "a%ua.npy", ncores[k]);
    assert_true(same_file("ai.csv", f1) && same_file("aiw.npy", f2) && same_file("aia.npy", f3));
  }
}

/* examples/tripartite.yaml in fixed numerics through the command: the raster and the astrocyte's ca and g
 * and post's v of every step are interp's, byte for byte, from the model, from its compiled image and on
 * 2 and 3 mesh cores. */
static void test_cli_tripartite(void **state) {
  (void)state;
  const char *ex = RT_TEST_SRCDIR "/examples/tripartite.yaml";
  char args[1024];
  static const char *const be[] = {"interp", "rtl"};
  for (int k = 0; k < 2; k++) {
    snprintf(args, sizeof args, "run '%s' --backend %s --numerics fixed --spikes t%s.csv --record glia.g=t%sg.npy "
             "--record glia.ca=t%sc.npy --record post.v=t%sv.npy -q", ex, be[k], be[k], be[k], be[k], be[k]);
    assert_int_equal(astroc(args), 0);
  }
  assert_true(same_file("tinterp.csv", "trtl.csv") && same_file("tinterpg.npy", "trtlg.npy") &&
              same_file("tinterpc.npy", "trtlc.npy") && same_file("tinterpv.npy", "trtlv.npy"));
  snprintf(args, sizeof args, "compile '%s' --target astro-sim --numerics fixed -o tri", ex);
  assert_int_equal(astroc(args), 0);
  assert_int_equal(astroc("run tri --backend rtl --spikes tdir.csv -q"), 0);
  assert_true(same_file("tinterp.csv", "tdir.csv"));
  /* on 2 and 3 cores: the astrocyte's element replicated with post's neurons */
  for (unsigned n = 2; n <= 3; n++) {
    snprintf(args, sizeof args, "run '%s' --backend rtl --numerics fixed --cores %u --spikes tm.csv "
             "--record glia.g=tmg.npy --record post.v=tmv.npy -q", ex, n);
    assert_int_equal(astroc(args), 0);
    assert_true(same_file("tinterp.csv", "tm.csv") && same_file("tinterpg.npy", "tmg.npy") &&
                same_file("tinterpv.npy", "tmv.npy"));
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_rtl_cli ASTROC\n");
    return 2;
  }
  static char exe[4096];
  if (!realpath(argv[1], exe)) /* the commands run in the work folder */
    return 3;
  g_astroc = exe;
  snprintf(g_dir, sizeof g_dir, "/tmp/astroc-rtl-cli-XXXXXX");
  if (!mkdtemp(g_dir))
    return 3;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cli_mesh_matches_interp),
      cmocka_unit_test(test_cli_mesh_errors),
      cmocka_unit_test(test_cli_mesh_astro),
      cmocka_unit_test(test_cli_tripartite),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
  if (rc == 0 && system(cmd) != 0)
    rc = 1;
  return rc;
}
