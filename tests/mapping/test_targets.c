/* test_targets.c — target descriptions: the built-in files, parse errors with FILE:LINE:COL, and the
 * synapse-memory cost model against arithmetic done by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static void test_builtins(void **state) {
  (void)state;
  map_target t = test_builtin("loihi1");
  assert_string_equal(t.name, "loihi1");
  assert_int_equal(t.limit[MAP_RES_COMPARTMENTS], 1024);
  assert_int_equal(t.limit[MAP_RES_SYN_BITS], 16384 * 64);
  assert_int_equal(t.limit[MAP_RES_IN_AXONS], 4096);
  assert_int_equal(t.limit[MAP_RES_OUT_AXONS], 4096);
  assert_int_equal(t.limit[MAP_RES_CPROFILES], 32);
  assert_int_equal(t.limit[MAP_RES_TPROFILES], 8);
  assert_int_equal(t.limit[MAP_RES_FORMATS], 8);
  assert_int_equal(t.cores[0] * t.cores[1], 128);
  assert_true(t.chips[0] * t.chips[1] > 1);
  assert_false(t.multicast);
  t = test_builtin("loihi2");
  assert_int_equal(t.limit[MAP_RES_COMPARTMENTS], 8192);
  assert_true(t.graded_spikes);
  t = test_builtin("astro-ice40");
  assert_int_equal(map_target_ncores(&t), 1);
  assert_int_equal(t.limit[MAP_RES_COMPARTMENTS], 256);
  assert_true(t.limit[MAP_RES_ASTRO_SLOTS] > 0);
  /* the synapse memory fits the four 256 kbit SPRAMs */
  assert_true(t.limit[MAP_RES_SYN_BITS] <= 4 * 256 * 1024);
  t = test_builtin("astro-sim");
  assert_int_equal(map_target_ncores(&t), 4);
  /* by path */
  t = test_builtin(ASTROC_SRC "/targets/loihi1.yaml");
  assert_string_equal(t.name, "loihi1");
}

/* Parses text, expects failure, returns the diagnostics printed. */
static char *parse_fail(const char *text) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ir_diag *d = ir_diag_create(f);
  map_target t;
  assert_false(map_target_parse(text, strlen(text), "t.yaml", &t, d));
  ir_diag_destroy(d);
  fclose(f);
  return buf;
}

static const char *good =
    "astroc_target: 1\n"
    "name: x\n"
    "mesh: {chips: [1, 1], cores: [2, 2], multicast: false}\n"
    "core:\n"
    "  compartments: 16\n"
    "  astrocyte_slots: 0\n"
    "  astrocyte_compartments: 4\n"
    "  synapse_memory_bits: 4096\n"
    "  input_axons: 16\n"
    "  output_axons: 16\n"
    "  compartment_profiles: 4\n"
    "  threshold_profiles: 4\n"
    "  synapse_formats: 4\n"
    "synapse_format: {word_bits: 64, chunk_synapses: 64, header_bits: 32, index_bits: 4, tag_bits: 8, delay_bits: 6}\n"
    "weights: {bits: 8, exp_min: -8, exp_max: 7}\n"
    "delays: {max: 62}\n"
    "learning: {stdp: true, third_factor: false}\n"
    "graded_spikes: false\n";

static char *replace(const char *s, const char *from, const char *to) {
  const char *at = strstr(s, from);
  assert_non_null(at);
  char *out = malloc(strlen(s) + strlen(to) + 1);
  size_t k = (size_t)(at - s);
  memcpy(out, s, k);
  strcpy(out + k, to);
  strcat(out, at + strlen(from));
  return out;
}

static void test_parse_errors(void **state) {
  (void)state;
  map_target t;
  ir_diag *d = ir_diag_create(NULL);
  assert_true(map_target_parse(good, strlen(good), "t.yaml", &t, d));
  assert_int_equal(t.limit[MAP_RES_COMPARTMENTS], 16);
  assert_false(t.third_factor);
  ir_diag_destroy(d);

  char *txt = replace(good, "  input_axons: 16", "  input_axon: 16");
  char *out = parse_fail(txt);
  assert_non_null(strstr(out, "t.yaml:9:3: error: unknown key 'input_axon' in 'core'; did you mean 'input_axons'?"));
  assert_non_null(strstr(out, "t.yaml:5:3: error: 'core' needs the key 'input_axons'"));
  free(txt);
  free(out);

  txt = replace(good, "compartments: 16", "compartments: -3");
  out = parse_fail(txt);
  assert_non_null(strstr(out, "t.yaml:5:17: error: 'compartments' must be an integer from 1 to"));
  free(txt);
  free(out);

  txt = replace(good, "cores: [2, 2]", "cores: [2]");
  out = parse_fail(txt);
  assert_non_null(strstr(out, "t.yaml:3:30: error: 'cores' must be a list of two integers [x, y]"));
  free(txt);
  free(out);

  txt = replace(good, "stdp: true", "stdp: yes please");
  out = parse_fail(txt);
  assert_non_null(strstr(out, "t.yaml:17:18: error: 'stdp' must be true or false; got 'yes please'"));
  free(txt);
  free(out);

  txt = replace(good, "delays: {max: 62}", "delays: {max: 100}");
  out = parse_fail(txt);
  assert_non_null(strstr(out, "delays up to 100 steps need 7 delay bits; 'synapse_format' has 6"));
  free(txt);
  free(out);

  out = parse_fail("name: [unclosed\n");
  assert_non_null(strstr(out, "t.yaml:2:1: error: YAML syntax error"));
  free(out);

  out = parse_fail("- a list\n");
  assert_non_null(strstr(out, "t.yaml:1:1: error: a target description must be a mapping"));
  free(out);

  d = ir_diag_create(NULL);
  assert_false(map_target_load("no-such-target", &t, d));
  assert_non_null(strstr(ir_diag_last(d), "no target named 'no-such-target'"));
  ir_diag_destroy(d);
}

/* Cost model, by hand, on loihi1's format: 64-bit words, chunks of 64, 32 header bits. */
static void test_cost_model(void **state) {
  (void)state;
  map_target t = test_builtin("loihi1");
  /* plastic, no delays: 8 weight + 0 delay + 8 tag + 10 index = 26 bits */
  assert_int_equal(map_syn_bits_per_synapse(&t, 0, true), 26);
  assert_int_equal(map_syn_bits_per_synapse(&t, 3, false), 21);
  assert_int_equal(map_delay_bits(0), 0);
  assert_int_equal(map_delay_bits(1), 1);
  assert_int_equal(map_delay_bits(62), 6);
  assert_int_equal(map_delay_bits(64), 7);
  assert_int_equal(map_syn_cost(&t, 26, 0), 0);
  assert_int_equal(map_syn_cost(&t, 26, 1), 64);      /* 26 + 32 = 58 -> 1 word */
  assert_int_equal(map_syn_cost(&t, 26, 2), 128);     /* 84 -> 2 words */
  assert_int_equal(map_syn_cost(&t, 26, 64), 1728);   /* 1664 + 32 = 1696 -> 27 words */
  assert_int_equal(map_syn_cost(&t, 26, 65), 1792);   /* 27 words + a chunk of 1 */
  assert_int_equal(map_syn_cost(&t, 26, 130), 3584);  /* 2 x 27 words + 84 bits -> 2 words */
  assert_int_equal(map_syn_cost(&t, 18, 40), 768);    /* 720 + 32 = 752 -> 12 words */
  /* astro-ice40: one 16-bit word per synapse, two when plastic */
  map_target ice = test_builtin("astro-ice40");
  assert_int_equal(map_syn_cost(&ice, map_syn_bits_per_synapse(&ice, 0, false), 10), 160);
  assert_int_equal(map_syn_cost(&ice, map_syn_bits_per_synapse(&ice, 0, true), 10), 320);
  char buf[32];
  assert_string_equal(map_commas(1310720, buf), "1,310,720");
  assert_string_equal(map_commas(999, buf), "999");
  assert_string_equal(map_commas(1000, buf), "1,000");
}

/* Mesh geometry on 2 x 1 chips of 3 x 2 cores: core ids run row-major within a chip. */
static void test_geometry(void **state) {
  (void)state;
  map_target t = test_small_target(3, 2);
  t.chips[0] = 2;
  assert_int_equal(map_target_ncores(&t), 12);
  uint32_t x, y;
  map_core_xy(&t, 4, &x, &y); /* chip 0, local 4 = (1, 1) */
  assert_int_equal(x, 1);
  assert_int_equal(y, 1);
  map_core_xy(&t, 6, &x, &y); /* chip 1, local 0 = (3, 0) */
  assert_int_equal(x, 3);
  assert_int_equal(y, 0);
  for (uint32_t c = 0; c < 12; c++) {
    map_core_xy(&t, c, &x, &y);
    assert_int_equal(map_core_id(&t, x, y), c);
  }
  assert_int_equal(map_hops(&t, 0, 11), 5 + 1); /* (0,0) -> (5,1) */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_builtins),
      cmocka_unit_test(test_parse_errors),
      cmocka_unit_test(test_cost_model),
      cmocka_unit_test(test_geometry),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
