/* lh_map.c — Loihi targets from compiler/mapping's target descriptions, so `astroc compile --target loihi1`
 * and `astroc map` use the same limits (targets/NAME.yaml, docs/targets.md). */
#include "lh_map.h"

static uint32_t clamp32(uint64_t v) { return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v; }

bool lh_target_from_map(const map_target *t, lh_target *out, ir_diag *d) {
  ir_loc loc = {0};
  *out = (lh_target){.name = t->name};
  out->limit[LH_RES_CX] = clamp32(t->limit[MAP_RES_COMPARTMENTS]);
  out->limit[LH_RES_WORDS] = clamp32(t->fmt.word_bits ? t->limit[MAP_RES_SYN_BITS] / t->fmt.word_bits : 0);
  out->limit[LH_RES_AXIN] = clamp32(t->limit[MAP_RES_IN_AXONS]);
  out->limit[LH_RES_AXOUT] = clamp32(t->limit[MAP_RES_OUT_AXONS]);
  out->limit[LH_RES_CXPROF] = clamp32(t->limit[MAP_RES_CPROFILES]);
  out->limit[LH_RES_VTHPROF] = clamp32(t->limit[MAP_RES_TPROFILES]);
  out->limit[LH_RES_FORMATS] = clamp32(t->limit[MAP_RES_FORMATS]);
  out->cores_per_chip = t->cores[0] * t->cores[1];
  out->chips_max = t->chips[0] * t->chips[1];
  out->word_bits = t->fmt.word_bits;
  out->chunk_max = t->fmt.chunk_synapses;
  out->header_bits = t->fmt.header_bits;
  out->index_bits = t->fmt.index_bits;
  out->weight_bits = t->weight_bits;
  out->tag_bits = t->fmt.tag_bits;
  out->delay_max = t->delay_max;
  out->mesh_chips[0] = t->chips[0];
  out->mesh_chips[1] = t->chips[1];
  out->mesh_cores[0] = t->cores[0];
  out->mesh_cores[1] = t->cores[1];
  const char *bad = NULL;
  if (out->word_bits != 64 || out->weight_bits != 8)
    bad = "64-bit words and 8-bit weights";
  else if (out->chunk_max < 1 || out->chunk_max > 64)
    bad = "chunks of 1 to 64 synapses (6-bit count)";
  else if (out->header_bits < 8 || out->header_bits > 64 ||
           (out->header_bits < 64 && out->limit[LH_RES_FORMATS] > (UINT64_C(1) << (out->header_bits - 7))))
    bad = "a chunk header of 7 bits plus enough format bits for the synapse formats";
  else if (out->index_bits > 24 || (UINT64_C(1) << out->index_bits) < out->limit[LH_RES_CX])
    bad = "an index field that addresses every compartment";
  else if (out->tag_bits != 8 || out->delay_max > 62 || out->limit[LH_RES_CXPROF] > LH_PROFILES_CAP ||
           out->limit[LH_RES_VTHPROF] > LH_PROFILES_CAP || out->limit[LH_RES_FORMATS] > LH_PROFILES_CAP ||
           !out->cores_per_chip || !out->chips_max)
    bad = "8 tag bits, delays up to 62, at most 64 profiles and formats, a non-empty mesh";
  if (bad) {
    ir_error(d, loc, "target '%s' cannot be encoded by the Loihi backend: it needs %s", t->name, bad);
    return false;
  }
  return true;
}

bool lh_target_load(const char *name, map_target *storage, lh_target *out, ir_diag *d) {
  return map_target_load(name, storage, d) && lh_target_from_map(storage, out, d);
}
