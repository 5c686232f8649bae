/* lh_target.c — the built-in Loihi targets, their per-core limits and the synapse-memory cost model. */
#include <string.h>

#include "lh.h"

#define LH_X_KEY(ID, KEY, PHRASE) KEY,
#define LH_X_PHRASE(ID, KEY, PHRASE) PHRASE,
static const char *const res_keys[] = {LH_RESOURCES(LH_X_KEY)};
static const char *const res_phrases[] = {LH_RESOURCES(LH_X_PHRASE)};
#undef LH_X_KEY
#undef LH_X_PHRASE

const char *lh_resource_key(lh_resource r) { return r < LH_RES_COUNT ? res_keys[r] : "?"; }
const char *lh_resource_phrase(lh_resource r) { return r < LH_RES_COUNT ? res_phrases[r] : "?"; }

/* The built-in targets equal targets/loihi1.yaml and targets/loihi2.yaml (compiler/mapping, docs/targets.md);
 * `astroc compile` loads those files (lh_target_from_map) so edits there take effect.
 * Loihi 1 (DESIGN.md, "Loihi facts"): 1,024 compartments, 4,096 input and output axons,
 * 16,384 x 64-bit words of synapse memory, 32 compartment profiles, 8 threshold profiles,
 * 8 synapse formats, 128 cores a chip; 8 chips and a 32-bit chunk header are the target file's assumptions. */
static const lh_target loihi1 = {
    .name = "loihi1",
    .limit = {[LH_RES_CX] = 1024, [LH_RES_WORDS] = 16384, [LH_RES_AXIN] = 4096, [LH_RES_AXOUT] = 4096,
              [LH_RES_CXPROF] = 32, [LH_RES_VTHPROF] = 8, [LH_RES_FORMATS] = 8},
    .cores_per_chip = 128,
    .chips_max = 8,
    .word_bits = 64,
    .chunk_max = 64,
    .header_bits = 32,
    .index_bits = 10,
    .weight_bits = 8,
    .tag_bits = 8,
    .delay_max = 62,
    .mesh_chips = {4, 2},
    .mesh_cores = {8, 16},
};

/* Loihi 2: up to 8,192 neurons a core (index 13 bits). Its memory is shared flexibly between
 * neurons and synapses (192 KiB a core); targets/loihi2.yaml assumes all of it for synapses (24,576
 * words), 8,192 axons each way and 16 formats — approximations, documented in docs/loihi-format.md. */
static const lh_target loihi2 = {
    .name = "loihi2",
    .limit = {[LH_RES_CX] = 8192, [LH_RES_WORDS] = 24576, [LH_RES_AXIN] = 8192, [LH_RES_AXOUT] = 8192,
              [LH_RES_CXPROF] = 32, [LH_RES_VTHPROF] = 8, [LH_RES_FORMATS] = 16},
    .cores_per_chip = 128,
    .chips_max = 8,
    .word_bits = 64,
    .chunk_max = 64,
    .header_bits = 32,
    .index_bits = 13,
    .weight_bits = 8,
    .tag_bits = 8,
    .delay_max = 62,
    .mesh_chips = {4, 2},
    .mesh_cores = {8, 16},
};

const lh_target *lh_target_get(const char *name) {
  if (strcmp(name, "loihi1") == 0)
    return &loihi1;
  if (strcmp(name, "loihi2") == 0)
    return &loihi2;
  return NULL;
}

uint32_t lh_delay_bits(uint32_t max_delay) {
  uint32_t b = 0;
  while (((uint64_t)1 << b) <= max_delay)
    b++;
  return b;
}

uint64_t lh_syn_words(const lh_target *t, uint32_t bits, uint64_t n) {
  uint64_t words = 0;
  while (n > 0) {
    uint64_t k = n < t->chunk_max ? n : t->chunk_max;
    words += (bits * k + t->header_bits + t->word_bits - 1) / t->word_bits;
    n -= k;
  }
  return words;
}
