/* test_embed.c — native code embedded in images (astroc compile --target cpu): the 'native' section
 * (be_cpu_embed.h) round-trips and is checked against the host, images with it stay readable by the
 * module reader and keep their checksum over it, a run offered the section loads it ("embedded object")
 * and gives the interp's raster, a foreign host's section is declined with a note, and a corrupt
 * section or image is an error. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "be_cpu_embed.h"
#include "engine_jit.h"
#include "t_example.h"
#include "image.h"

static char err[512];

static void write_file(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(p, 1, n, f), n);
  assert_int_equal(fclose(f), 0);
}

/* ---------------------------------------------------------------- the section on its own */

static void test_section_roundtrip(void **state) {
  (void)state;
  const unsigned char obj[13] = "objectbytes!";
  void *sec;
  size_t len;
  assert_true(be_cpu_native_encode(UINT64_C(0x1122334455667788), obj, sizeof obj, &sec, &len));
  assert_memory_equal((const char *)sec + len - sizeof obj, obj, sizeof obj);
  be_cpu_native n;
  assert_true(be_cpu_native_decode(sec, len, &n, err, sizeof err));
  assert_true(n.key == UINT64_C(0x1122334455667788));
  assert_int_equal(n.objlen, sizeof obj);
  assert_memory_equal(n.obj, obj, sizeof obj);
  const char *cpu = be_cpu_host_cpu();
  assert_int_equal(n.strlen[BE_CPU_NATIVE_CPU], strlen(cpu));
  assert_memory_equal(n.str[BE_CPU_NATIVE_CPU], cpu, strlen(cpu));
  char why[256] = "";
  assert_true(be_cpu_native_matches_host(&n, why, sizeof why));
  /* another CPU name: declined, and the message names both */
  n.str[BE_CPU_NATIVE_CPU] = "pentium4";
  n.strlen[BE_CPU_NATIVE_CPU] = 8;
  assert_false(be_cpu_native_matches_host(&n, why, sizeof why));
  assert_non_null(strstr(why, "pentium4"));
  assert_non_null(strstr(why, cpu));
  /* malformed: bad magic, truncated, one byte too many */
  unsigned char *b = sec;
  b[0] ^= 1;
  assert_false(be_cpu_native_decode(sec, len, &n, err, sizeof err));
  b[0] ^= 1;
  assert_false(be_cpu_native_decode(sec, len - 1, &n, err, sizeof err));
  assert_non_null(strstr(err, "do not fill"));
  assert_false(be_cpu_native_decode(sec, 20, &n, err, sizeof err));
  unsigned char *big = calloc(1, len + 1);
  memcpy(big, sec, len);
  assert_false(be_cpu_native_decode(big, len + 1, &n, err, sizeof err));
  /* a length field that overflows what is there */
  b[16] = 0xff, b[17] = 0xff, b[18] = 0xff, b[19] = 0xff;
  assert_false(be_cpu_native_decode(sec, len, &n, err, sizeof err));
  free(big);
  free(sec);
}

/* ---------------------------------------------------------------- in an image */

typedef struct raster {
  uint64_t n, sum; /* spikes, and a position-weighted sum of (step, source, neuron) */
} raster;

static void on_spikes(void *ctx, uint64_t step, ir_ref src, const uint32_t *idx, uint32_t n) {
  raster *r = ctx;
  for (uint32_t k = 0; k < n; k++) {
    r->n++;
    r->sum = r->sum * 1000003u + (step << 24 | (uint64_t)src.kind << 21 | (uint64_t)src.index << 16 | idx[k]);
  }
}

static raster run(const ir_module *m, const char *engine, const char **origin) {
  ir_diag *d = ir_diag_create(stderr);
  rt_options o = {.engine = engine, .numerics = -1, .threads = 1};
  rt_sim *s = rt_sim_create(m, &o, d);
  assert_non_null(s);
  if (origin)
    *origin = rt_jit_origin(s);
  raster r = {0, 0};
  rt_sim_on_spikes(s, on_spikes, &r);
  assert_true(rt_sim_run(s, 200, d));
  rt_sim_destroy(s);
  ir_diag_destroy(d);
  return r;
}

/* Reads the section table entry of `id` from an encoded image: the section's offset and length. */
static void section_at(const unsigned char *img, uint32_t id, size_t *off, size_t *len) {
  uint32_t nsec;
  memcpy(&nsec, img + 32, 4);
  for (uint32_t i = 0; i < nsec; i++) {
    const unsigned char *e = img + 64 + 24 * i;
    uint32_t eid;
    uint64_t o, l;
    memcpy(&eid, e, 4);
    memcpy(&o, e + 8, 8);
    memcpy(&l, e + 16, 8);
    if (eid == id) {
      *off = (size_t)o;
      *len = (size_t)l;
      return;
    }
  }
  fail_msg("no section %u", id);
}

static void test_image_embedded_run(void **state) {
  (void)state;
  ir_module *m = t_load_example("examples/lif_small.yaml");
  void *nat;
  size_t natlen;
  char note[256] = "";
  assert_true(rt_jit_native_for(m, &nat, &natlen, note, sizeof note));
  ir_diag *d = ir_diag_create(stderr);
  ir_image_extra ex = {IR_IMAGE_SECTION_NATIVE, nat, natlen};
  void *img, *plain;
  size_t len, plainlen;
  assert_true(ir_image_encode_ex(m, &ex, 1, &img, &len, d));
  assert_true(ir_image_encode(m, &plain, &plainlen, d));
  assert_true(len > plainlen + natlen - 1);

  /* the module reader skips the optional section: same module as the plain image (re-encoded bytes) */
  ir_module *m2 = ir_image_read(img, len, "x.aimg", d);
  assert_non_null(m2);
  void *again;
  size_t againlen;
  assert_true(ir_image_encode(m2, &again, &againlen, d));
  assert_int_equal(againlen, plainlen);
  assert_memory_equal(again, plain, plainlen);
  free(again);
  ir_module_destroy(m2);

  /* found again byte for byte; a plain image has none */
  const void *sec;
  size_t seclen;
  assert_true(ir_image_find_section(img, len, IR_IMAGE_SECTION_NATIVE, "x.aimg", &sec, &seclen, d));
  assert_int_equal(seclen, natlen);
  assert_memory_equal(sec, nat, natlen);
  assert_true(ir_image_find_section(plain, plainlen, IR_IMAGE_SECTION_NATIVE, "p.aimg", &sec, &seclen, d));
  assert_null(sec);

  /* a run offered the section loads it and gives the interp's raster */
  const char *path = "embed-test.aimg";
  write_file(path, img, len);
  int st = -1;
  assert_true(rt_jit_offer_image(path, &st, note, sizeof note, d));
  assert_int_equal(st, 1);
  const char *origin = NULL;
  raster a = run(m, "interp", NULL), b = run(m, "jit", &origin);
  assert_string_equal(origin, "embedded object");
  assert_true(a.n > 0);
  assert_int_equal(a.n, b.n);
  assert_true(a.sum == b.sum);

  /* a plain image offers nothing */
  write_file(path, plain, plainlen);
  assert_true(rt_jit_offer_image(path, &st, note, sizeof note, d));
  assert_int_equal(st, 0);

  /* one flipped bit inside the object code: the image checksum catches it, for both readers */
  size_t off = 0, slen = 0;
  section_at(img, IR_IMAGE_SECTION_NATIVE, &off, &slen);
  assert_int_equal(slen, natlen);
  unsigned char *bad = malloc(len);
  memcpy(bad, img, len);
  bad[off + slen - 7] ^= 0x10;
  ir_diag *q = ir_diag_create(NULL);
  assert_null(ir_image_read(bad, len, "bad.aimg", q));
  assert_non_null(strstr(ir_diag_last(q), "checksum mismatch"));
  write_file(path, bad, len);
  assert_false(rt_jit_offer_image(path, &st, note, sizeof note, q));
  assert_non_null(strstr(ir_diag_last(q), "checksum mismatch"));

  /* a malformed section under a valid checksum (a foreign writer): a clear error, not a load */
  unsigned char junk[48] = "NOTNATIV";
  ir_image_extra jx = {IR_IMAGE_SECTION_NATIVE, junk, sizeof junk};
  void *jimg;
  size_t jlen;
  assert_true(ir_image_encode_ex(m, &jx, 1, &jimg, &jlen, d));
  write_file(path, jimg, jlen);
  assert_false(rt_jit_offer_image(path, &st, note, sizeof note, q));
  assert_non_null(strstr(ir_diag_last(q), "section 'native'"));
  free(jimg);

  /* code for another CPU: declined with a note (the run then generates code) */
  be_cpu_native n;
  assert_true(be_cpu_native_decode(nat, natlen, &n, err, sizeof err));
  void *other;
  size_t otherlen;
  assert_true(be_cpu_native_encode(n.key, n.obj, n.objlen, &other, &otherlen));
  be_cpu_native o;
  assert_true(be_cpu_native_decode(other, otherlen, &o, err, sizeof err));
  assert_true(o.strlen[BE_CPU_NATIVE_CPU] > 0);
  ((char *)other)[o.str[BE_CPU_NATIVE_CPU] - (const char *)other] ^= 0x20; /* flip the case of its first letter */
  ir_image_extra ox = {IR_IMAGE_SECTION_NATIVE, other, otherlen};
  void *oimg;
  size_t olen;
  assert_true(ir_image_encode_ex(m, &ox, 1, &oimg, &olen, d));
  write_file(path, oimg, olen);
  assert_true(rt_jit_offer_image(path, &st, note, sizeof note, d));
  assert_int_equal(st, 2);
  assert_non_null(strstr(note, "CPU"));
  free(oimg);
  free(other);

  remove(path);
  ir_diag_destroy(q);
  free(bad);
  free(img);
  free(plain);
  free(nat);
  ir_diag_destroy(d);
  ir_module_destroy(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_section_roundtrip),
      cmocka_unit_test(test_image_embedded_run),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
