/* test_backend.c — backends/cpu on its own: generated lif updates and pushes called directly on tiny
 * arrays and checked against values computed by hand (docs/numerics.md worked examples), the float loop
 * is vectorised, object code can be emitted for the host and its functions' sizes read back (perf
 * maps), and the code cache (cache.c): the key ignores
 * parameter values, a second build is shared or loaded from disk, a damaged file is never loaded. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "be_cpu.h"
#include "be_cpu_embed.h"

static char err[512];

typedef struct prog {
  be_cpu_program *p;
  be_cpu_jit *j;
} prog;

static void finish(prog *g) {
  assert_true(be_cpu_optimize(g->p, err, sizeof err));
  g->j = be_cpu_jit_create(g->p, err, sizeof err);
  if (!g->j)
    print_error("%s\n", err);
  assert_non_null(g->j);
}

static void done(prog *g) {
  be_cpu_jit_destroy(g->j);
  be_cpu_program_destroy(g->p);
}

/* numerics.md, test_negative_decay_truncates: du = 2048, dv = 0, one input of mantissa -96 with
 * exponent -5 (shift 1). u, v: -192/-192, -95/-287, -47/-334, -23/-357. Uniform and per-neuron
 * parameters (one neuron: the same arrays, read once before the loop or per neuron). */
static void lif_negative_decay(bool uniform) {
  prog g = {be_cpu_program_create("t", err, sizeof err), NULL};
  assert_non_null(g.p);
  int64_t shift[1] = {1};
  be_cpu_lif s = {.name = "lif", .fixed = true, .nin = 1};
  int64_t q[BE_CPU_LIF_NPARAM] = {2048, 0, INT64_C(1) << 30, 0, 0};
  int32_t arr[BE_CPU_LIF_NPARAM][1];
  for (int k = 0; k < BE_CPU_LIF_NPARAM; k++) {
    s.uniform[k] = uniform;
    arr[k][0] = (int32_t)q[k];
  }
  assert_true(be_cpu_add_lif(g.p, &s, err, sizeof err));
  finish(&g);
  be_cpu_fn fn = be_cpu_jit_lookup(g.j, "lif", err, sizeof err);
  assert_non_null(fn);
  int32_t v = 0, u = 0;
  int32_t ref = -1; /* the refractory period ended before step 0 */
  int32_t ring = -96;
  uint8_t forced = 0;
  uint16_t spk = 7; /* one word of spike bits: written whole */
  void *ptrs[BE_CPU_LIF_RING0 + 1] = {&v, &u, &ref};
  for (int k = 0; k < BE_CPU_LIF_NPARAM; k++)
    ptrs[BE_CPU_LIF_PARAM0 + k] = arr[k];
  ptrs[BE_CPU_LIF_FORCED] = &forced;
  ptrs[BE_CPU_LIF_SPK] = &spk;
  ptrs[BE_CPU_LIF_SHIFT] = shift;
  ptrs[BE_CPU_LIF_RING0] = &ring;
  int64_t ints[BE_CPU_LIF_NINTS] = {0, 1, 1, 0};
  const int32_t want_u[4] = {-192, -95, -47, -23}, want_v[4] = {-192, -287, -334, -357};
  for (int t = 0; t < 4; t++) {
    ints[BE_CPU_LIF_NOW] = t;
    fn(ptrs, ints);
    assert_int_equal(u, want_u[t]);
    assert_int_equal(v, want_v[t]);
    assert_int_equal(ring, 0); /* read and cleared */
    assert_int_equal(spk, 0);
  }
  done(&g);
}

static void test_lif_negative_decay_uniform(void **state) {
  (void)state;
  lif_negative_decay(true);
}

static void test_lif_negative_decay_arrays(void **state) {
  (void)state;
  lif_negative_decay(false);
}

/* numerics.md, test_strict_threshold_and_refractory: du = 4095, dv = 0, bias 64, compare v > 128,
 * refractory 3: spikes at steps 2, 8, 14; a forced spike resets and starts the refractory period. The
 * function only reads the periods' ends; as the engine's compaction does, the test starts a period of
 * nref steps after each spike: end = step + 3. */
static void test_lif_threshold_refractory(void **state) {
  (void)state;
  prog g = {be_cpu_program_create("t", err, sizeof err), NULL};
  be_cpu_lif s = {.name = "lif", .fixed = true, .uniform = {true, true, true, true, true}};
  int32_t prm[BE_CPU_LIF_NPARAM][1] = {{4095}, {0}, {128}, {64}, {3}};
  assert_true(be_cpu_add_lif(g.p, &s, err, sizeof err));
  finish(&g);
  be_cpu_fn fn = be_cpu_jit_lookup(g.j, "lif", err, sizeof err);
  assert_non_null(fn);
  int32_t v[2] = {0, 0}, u[2] = {0, 0};
  int32_t ref[2] = {-1, -1};
  uint8_t forced[2] = {0, 0};
  uint16_t spk = 0; /* bits 0 and 1 */
  void *ptrs[BE_CPU_LIF_RING0] = {v, u, ref};
  for (int k = 0; k < BE_CPU_LIF_NPARAM; k++)
    ptrs[BE_CPU_LIF_PARAM0 + k] = prm[k];
  ptrs[BE_CPU_LIF_FORCED] = forced;
  ptrs[BE_CPU_LIF_SPK] = &spk;
  int64_t ints[BE_CPU_LIF_NINTS] = {0, 2, 1, 0};
  char got[2][17] = {{0}};
  for (int t = 0; t < 16; t++) {
    forced[1] = t == 4; /* neuron 1: forced at 4 (while refractory), held 5..7, spikes at 10 */
    ints[BE_CPU_LIF_NOW] = t;
    fn(ptrs, ints);
    for (int i = 0; i < 2; i++)
      if (spk >> i & 1)
        ref[i] = t + 3;
    got[0][t] = spk & 1 ? '|' : '.';
    got[1][t] = spk & 2 ? '|' : '.';
    assert_int_equal(spk & ~3, 0);
  }
  assert_string_equal(got[0], "..|.....|.....|.");
  assert_string_equal(got[1], "..|.|.....|.....");
  /* BE_CPU_LIF_ANY_FORCED = 0: the flags are not read. From rest, step 1 gives v = 64 <= 128: no spike
   * unless forced. */
  for (int any = 0; any < 2; any++) {
    v[0] = v[1] = u[0] = u[1] = 0;
    ref[0] = ref[1] = -1;
    forced[0] = forced[1] = 1;
    const int64_t ints2[BE_CPU_LIF_NINTS] = {0, 2, any, 0};
    fn(ptrs, ints2);
    assert_int_equal(spk, any ? 3 : 0);
    assert_int_equal(v[0], any ? 0 : 64);
  }
  done(&g);
}

/* 37 float neurons with per-neuron parameters: two full vector iterations of 16 and a remainder of 5.
 * Every value is a small dyadic number, so each operation is exact and the expected state follows from
 * the formula of docs/jit.md by hand: u = u0 * fu + (0 + r), v = ((v0 * fv + u) + bias) + 0, a spike when
 * v > vth and not refractory (or forced): v = 0; a refractory neuron keeps v = 0. The spike bits land in
 * three 16-bit words (bit i % 16 of word i / 16); the word after them is not written, nor are the
 * periods' ends (the caller starts a period). Neuron i: u0 = i, r = 1 for odd i, fu = fv = 0.5,
 * bias = 0.25, vth = 20, v0 = 2 * i; in step 5, refractory for i % 7 == 0 (its period ends in step 5:
 * the boundary), else its period ended in step 4; forced flags (read only with ANY_FORCED) on
 * i % 5 == 4. */
static void lif_bits(bool any_forced) {
  prog g = {be_cpu_program_create("t", err, sizeof err), NULL};
  be_cpu_lif s = {.name = "lif", .fixed = false, .nin = 1};
  assert_true(be_cpu_add_lif(g.p, &s, err, sizeof err));
  finish(&g);
  be_cpu_fn fn = be_cpu_jit_lookup(g.j, "lif", err, sizeof err);
  assert_non_null(fn);
  enum { N = 37 };
  float v[N], u[N], fu[N], fv[N], vth[N], bias[N], ring[N];
  int32_t nref[N];
  int32_t ref[N];
  uint8_t forced[N];
  uint16_t spk[4] = {0x5555, 0x5555, 0x5555, 0xbeef};
  int64_t shift = 0;
  for (int i = 0; i < N; i++) {
    u[i] = (float)i;
    ring[i] = (float)(i & 1);
    fu[i] = fv[i] = 0.5f;
    bias[i] = 0.25f;
    vth[i] = 20;
    v[i] = (float)(2 * i);
    ref[i] = i % 7 == 0 ? 5 : 4;
    nref[i] = 2 + i % 3;
    forced[i] = i % 5 == 4;
  }
  void *ptrs[BE_CPU_LIF_RING0 + 1] = {v, u, ref, fu, fv, vth, bias, nref, NULL, forced, spk, &shift, ring};
  const int64_t ints[BE_CPU_LIF_NINTS] = {0, N, any_forced, 5};
  fn(ptrs, ints);
  uint16_t want_spk[3] = {0, 0, 0};
  for (int i = 0; i < N; i++) {
    float wu = (float)i * 0.5f + (float)(i & 1);            /* exact: halves and integers */
    float wv = ((float)(2 * i) * 0.5f + wu) + 0.25f;        /* = 1.5 i + (i odd) + 0.25 */
    bool inref = i % 7 == 0;
    bool fire = (!inref && wv > 20) || (any_forced && i % 5 == 4);
    assert_true(u[i] == wu);
    assert_true(v[i] == (inref || fire ? 0.0f : wv));
    assert_int_equal(ref[i], inref ? 5 : 4); /* read only */
    assert_true(ring[i] == 0.0f);
    if (fire)
      want_spk[i / 16] |= (uint16_t)(1u << (i % 16));
  }
  assert_int_equal(spk[0], want_spk[0]);
  assert_int_equal(spk[1], want_spk[1]);
  assert_int_equal(spk[2], want_spk[2]); /* bits 5..15 (neurons 37..47) are 0 */
  assert_int_equal(spk[3], 0xbeef);
  assert_true(want_spk[1] != 0 && want_spk[2] != 0); /* the case exercises both loops */
  done(&g);
}

static void test_lif_bits(void **state) {
  (void)state;
  lif_bits(false);
  lif_bits(true);
}

/* Push with delays: ring of 4 slots x 3 posts, spikes of rows 0 and 1 at t = 2 (base (t+1)%4 = 3). */
static void test_push_delays(void **state) {
  (void)state;
  prog g = {be_cpu_program_create("t", err, sizeof err), NULL};
  be_cpu_push s = {.name = "push", .fixed = true};
  assert_true(be_cpu_add_push(g.p, &s, err, sizeof err));
  finish(&g);
  be_cpu_fn fn = be_cpu_jit_lookup(g.j, "push", err, sizeof err);
  assert_non_null(fn);
  uint32_t idx[2] = {0, 1}, col[4] = {0, 2, 1, 1};
  uint64_t rp[3] = {0, 2, 4};
  uint16_t delay[4] = {0, 3, 1, 1};
  int32_t w[4] = {96 << 8, -5 * 256, 7 * 256 + 200, -1}; /* mantissas 96, -5, 7, -1 (floor) */
  int32_t ring[12] = {0};
  void *ptrs[6] = {idx, rp, col, delay, w, ring};
  const int64_t ints[BE_CPU_PUSH_NINTS] = {2, 1, 0, 3, 3, 4}; /* 2 spikes, base 3, 3 posts, 4 slots */
  fn(ptrs, ints);
  int32_t want[12] = {0};
  want[3 * 3 + 0] = 96; /* slot 3 */
  want[2 * 3 + 2] = -5; /* slot (3+3)%4 = 2 */
  want[0 * 3 + 1] = 7 - 1; /* slot 0 */
  assert_memory_equal(ring, want, sizeof want);
  done(&g);
}

/* An optimised float program of one lif update (lif_f) and one push (push_f), uniform parameters. */
static be_cpu_program *float_pair(void) {
  be_cpu_program *p = be_cpu_program_create("t", err, sizeof err);
  assert_non_null(p);
  be_cpu_lif s = {.name = "lif_f", .fixed = false, .uniform = {true, true, true, true, true}};
  be_cpu_push ps = {.name = "push_f", .fixed = false, .delay_uniform = true, .w_uniform = true};
  assert_true(be_cpu_add_lif(p, &s, err, sizeof err));
  assert_true(be_cpu_add_push(p, &ps, err, sizeof err));
  assert_true(be_cpu_optimize(p, err, sizeof err));
  return p;
}

/* The float update is vectorised, and an object file can be emitted for the host. */
static void test_ir_and_object(void **state) {
  (void)state;
  be_cpu_program *p = float_pair();
  char *ir = be_cpu_print_ir(p);
  assert_non_null(ir);
  assert_non_null(strstr(ir, "define void @lif_f("));
  assert_non_null(strstr(ir, "define void @push_f("));
  assert_non_null(strstr(ir, " x float>")); /* SIMD */
  assert_non_null(strstr(ir, "llvm.prefetch"));
  assert_null(strstr(ir, "fast"));          /* no fast-math anywhere */
  free(ir);
  void *obj = NULL;
  size_t len = 0;
  assert_true(be_cpu_emit_object(p, &obj, &len, err, sizeof err));
  assert_true(len > 64);
  assert_memory_equal(obj, "\x7f" "ELF", 4);
  free(obj);
  be_cpu_program_destroy(p);
}

/* Function sizes from an object's symbol table (ASTROC_JIT_PERFMAP): both functions found, with sizes
 * that fit the object and differ (the lif's loops are longer than the push's), exact names only (a
 * prefix is not a match); every truncation of the object (the section headers come last) and a damaged
 * byte anywhere are refused or read in bounds (ASan checks the latter), never a crash. */
static void test_object_symbol_sizes(void **state) {
  (void)state;
  be_cpu_program *p = float_pair();
  unsigned char *obj = NULL;
  size_t len = 0;
  assert_true(be_cpu_emit_object(p, (void **)&obj, &len, err, sizeof err));
  uint64_t lif = 0, push = 0, x;
  assert_true(be_cpu_object_symbol_size(obj, len, "lif_f", &lif));
  assert_true(be_cpu_object_symbol_size(obj, len, "push_f", &push));
  assert_true(lif > 64 && push > 16 && lif + push < len && lif > push);
  assert_false(be_cpu_object_symbol_size(obj, len, "lif", &x));
  assert_false(be_cpu_object_symbol_size(obj, len, "lif_f2", &x));
  assert_false(be_cpu_object_symbol_size(NULL, 0, "lif_f", &x));
  for (size_t n = 0; n < len; n++) {
    unsigned char *cut = malloc(n ? n : 1); /* exactly n bytes: ASan sees any read beyond */
    memcpy(cut, obj, n);
    assert_false(be_cpu_object_symbol_size(cut, n, "lif_f", &x));
    free(cut);
  }
  for (size_t k = 0; k < len; k++) {
    unsigned char *bad = malloc(len);
    memcpy(bad, obj, len);
    bad[k] ^= 0xa5;
    (void)be_cpu_object_symbol_size(bad, len, "lif_f", &x);
    free(bad);
  }
  free(obj);
  be_cpu_program_destroy(p);
}

/* ---------------------------------------------------------------- the code cache */

/* A float lif program (nin inputs) plus a push; the same structure for any parameter values. */
static be_cpu_program *cache_prog(uint32_t nin, bool fixed) {
  be_cpu_program *p = be_cpu_program_create("astroc", err, sizeof err);
  assert_non_null(p);
  be_cpu_lif s = {.name = "lif", .fixed = fixed, .nin = nin, .uniform = {true, true, true, true, true}};
  be_cpu_push ps = {.name = "push", .fixed = fixed, .delay_uniform = true, .w_uniform = true};
  assert_true(be_cpu_add_lif(p, &s, err, sizeof err));
  assert_true(be_cpu_add_push(p, &ps, err, sizeof err));
  return p;
}

/* Runs the cached lif for 3 steps: fu = 0.5, fv = 0.5, vth 100, bias 1, input 2.0 then 0, 0. Computed
 * by hand: u = 2, 1, 0.5; v = 0.5*0 + 2 + 1 = 3, 1.5 + 1 + 1 = 3.5, 1.75 + 0.5 + 1 = 3.25. */
static void check_lif_float(be_cpu_jit *j) {
  be_cpu_fn fn = be_cpu_jit_lookup(j, "lif", err, sizeof err);
  assert_non_null(fn);
  float v = 0, u = 0, fu = 0.5f, fv = 0.5f, vth = 100, bias = 1, ring = 2.0f;
  int32_t ref = -1;
  int32_t nref = 2;
  int64_t shift = 0;
  uint8_t forced = 0;
  uint16_t spk = 0;
  void *ptrs[BE_CPU_LIF_RING0 + 1] = {&v, &u, &ref, &fu, &fv, &vth, &bias, &nref, NULL, &forced, &spk, &shift, &ring};
  const int64_t ints[BE_CPU_LIF_NINTS] = {0, 1, 1, 0};
  const float want_u[3] = {2, 1, 0.5f}, want_v[3] = {3, 3.5f, 3.25f};
  for (int t = 0; t < 3; t++) {
    fn(ptrs, ints);
    assert_true(u == want_u[t]);
    assert_true(v == want_v[t]);
    assert_true(ring == 0.0f);
  }
}

static void test_key_ignores_values(void **state) {
  (void)state;
  be_cpu_program *a = cache_prog(1, false), *b = cache_prog(1, false), *c = cache_prog(2, false),
                 *d = cache_prog(1, true);
  uint64_t ka = be_cpu_program_key(a);
  assert_true(ka != 0);
  assert_true(ka == be_cpu_program_key(b)); /* no value is in the code: equal structure, equal key */
  assert_true(ka != be_cpu_program_key(c)); /* another input */
  assert_true(ka != be_cpu_program_key(d)); /* fixed point */
  be_cpu_program_destroy(a);
  be_cpu_program_destroy(b);
  be_cpu_program_destroy(c);
  be_cpu_program_destroy(d);
}

static be_cpu_jit *build(const char *dir, be_cpu_origin want) {
  be_cpu_program *p = cache_prog(1, false);
  be_cpu_origin how = (be_cpu_origin)-1;
  be_cpu_jit *j = be_cpu_jit_build(p, dir, &how, err, sizeof err);
  be_cpu_program_destroy(p);
  if (!j)
    print_error("%s\n", err);
  assert_non_null(j);
  assert_int_equal(how, want);
  check_lif_float(j);
  return j;
}

static void test_cache_shared_disk_damaged(void **state) {
  (void)state;
  char dir[] = "/tmp/astroc_jit_cacheXXXXXX";
  assert_non_null(mkdtemp(dir));
  be_cpu_jit *j1 = build(dir, BE_CPU_COMPILED); /* writes <key>.o */
  be_cpu_jit *j2 = build(dir, BE_CPU_SHARED);   /* same process: the same JIT */
  assert_ptr_equal(j1, j2);
  be_cpu_jit_destroy(j2);
  be_cpu_jit_destroy(j1);
  be_cpu_jit_destroy(build(dir, BE_CPU_CACHED)); /* nothing loaded: read from disk */
  be_cpu_program *p = cache_prog(1, false);
  char path[256];
  snprintf(path, sizeof path, "%s/%016llx.o", dir, (unsigned long long)be_cpu_program_key(p));
  be_cpu_program_destroy(p);
  /* Damage: one byte of the object flipped (checksum), then the file cut short (length). */
  FILE *f = fopen(path, "r+b");
  assert_non_null(f);
  assert_int_equal(fseek(f, 200, SEEK_SET), 0);
  int c = fgetc(f);
  assert_int_equal(fseek(f, 200, SEEK_SET), 0);
  fputc(c ^ 0x5a, f);
  fclose(f);
  be_cpu_jit_destroy(build(dir, BE_CPU_COMPILED)); /* refused, recompiled, rewritten */
  be_cpu_jit_destroy(build(dir, BE_CPU_CACHED));
  assert_int_equal(truncate(path, 100), 0);
  be_cpu_jit_destroy(build(dir, BE_CPU_COMPILED));
  be_cpu_jit_destroy(build(NULL, BE_CPU_COMPILED)); /* no disk cache */
  remove(path);
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lif_negative_decay_uniform),
      cmocka_unit_test(test_lif_negative_decay_arrays),
      cmocka_unit_test(test_lif_threshold_refractory),
      cmocka_unit_test(test_lif_bits),
      cmocka_unit_test(test_push_delays),
      cmocka_unit_test(test_ir_and_object),
      cmocka_unit_test(test_object_symbol_sizes),
      cmocka_unit_test(test_key_ignores_values),
      cmocka_unit_test(test_cache_shared_disk_damaged),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
