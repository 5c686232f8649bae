/* lh_synmem.c — synapse memory bit packing and the decoder the loihi engine runs from.
 *
 * Layout of one input axon's synapses (docs/loihi-format.md, "Synapse memory"): a sequence of
 * chunks, each starting on a word boundary. A chunk is a header of header_bits (32 on both targets) followed by n synapses,
 * bits packed LSB first across 64-bit words:
 *
 *   header  [5:0] n-1   [6] last chunk of the axon   [header_bits-1:7] format
 *   synapse index (index_bits) | weight (8, two's complement) | delay (delay_bits) | tag (tag_bits)
 */
#include "lh.h"

void lh_bits_put(lh_bits *b, uint64_t v, uint32_t nbits) {
  for (uint32_t i = 0; i < nbits; i++, b->pos++)
    if ((v >> i) & 1)
      b->w[b->pos / 64] |= UINT64_C(1) << (b->pos % 64);
}

void lh_bits_set(uint64_t *w, uint64_t pos, uint64_t v, uint32_t nbits) {
  for (uint32_t i = 0; i < nbits; i++, pos++) {
    uint64_t bit = UINT64_C(1) << (pos % 64);
    w[pos / 64] = (v >> i) & 1 ? w[pos / 64] | bit : w[pos / 64] & ~bit;
  }
}

uint64_t lh_bits_get(const uint64_t *w, uint64_t *pos, uint32_t nbits) {
  uint64_t v = 0;
  for (uint32_t i = 0; i < nbits; i++, (*pos)++)
    v |= ((w[*pos / 64] >> (*pos % 64)) & 1) << i;
  return v;
}

bool lh_decode_axon(const lh_config *c, const lh_core *core, uint32_t a, lh_syn_fn fn, void *ctx) {
  if (a >= core->naxin)
    return false;
  const lh_axin *ax = &core->axin[a];
  uint64_t end = (uint64_t)ax->word + ax->nwords;
  if (end > core->nwords)
    return false;
  uint64_t word = ax->word;
  uint32_t ib = c->target->index_bits, wb = c->target->weight_bits;
  for (;;) {
    if (word >= end)
      return false;
    uint64_t pos = word * 64;
    uint64_t h = lh_bits_get(core->words, &pos, c->target->header_bits);
    uint32_t n = (uint32_t)(h & 63) + 1, f = (uint32_t)(h >> 7);
    bool last = (h >> 6) & 1;
    if (f >= core->nfmt)
      return false;
    const lh_synfmt *fmt = &core->fmt[f];
    uint32_t bits = ib + wb + fmt->delay_bits + fmt->tag_bits;
    if (pos + (uint64_t)bits * n > end * 64)
      return false;
    for (uint32_t k = 0; k < n; k++) {
      lh_syn s;
      s.pos = pos;
      s.index = (uint32_t)lh_bits_get(core->words, &pos, ib);
      uint64_t w = lh_bits_get(core->words, &pos, wb);
      s.weight = (int32_t)w - ((w >> (wb - 1)) & 1 ? (int32_t)(1u << wb) : 0);
      s.delay = (uint32_t)lh_bits_get(core->words, &pos, fmt->delay_bits);
      s.tag = (uint32_t)lh_bits_get(core->words, &pos, fmt->tag_bits);
      if (s.index >= core->ncx)
        return false;
      fn(ctx, fmt, &s);
    }
    word = (pos + 63) / 64;
    if (last)
      return word == end;
  }
}
