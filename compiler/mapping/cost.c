/* cost.c — the synapse-memory cost model of docs/targets.md, and number formatting for reports. */
#include <stdio.h>
#include <string.h>

#include "mapping.h"

uint32_t map_delay_bits(uint32_t max_delay) {
  uint32_t b = 0;
  while (b < 32 && (UINT64_C(1) << b) <= max_delay) b++;
  return b;
}

uint32_t map_syn_bits_per_synapse(const map_target *t, uint32_t delay_bits, bool plastic) {
  return t->weight_bits + delay_bits + (plastic ? t->fmt.tag_bits : 0) + t->fmt.index_bits;
}

/* One chunk of n synapses: (bits * n + header) rounded up to words. */
static uint64_t chunk_bits(const map_target *t, uint32_t bits, uint64_t n) {
  uint64_t w = t->fmt.word_bits;
  uint64_t raw = (uint64_t)bits * n + t->fmt.header_bits;
  return (raw + w - 1) / w * w;
}

uint64_t map_syn_cost(const map_target *t, uint32_t bits, uint64_t n) {
  uint64_t c = t->fmt.chunk_synapses;
  uint64_t full = n / c, rest = n % c;
  return full * chunk_bits(t, bits, c) + (rest ? chunk_bits(t, bits, rest) : 0);
}

const char *map_commas(uint64_t n, char buf[32]) {
  char tmp[32];
  int len = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)n);
  int out = 0;
  for (int i = 0; i < len; i++) {
    if (i > 0 && (len - i) % 3 == 0) buf[out++] = ',';
    buf[out++] = tmp[i];
  }
  buf[out] = '\0';
  return buf;
}
