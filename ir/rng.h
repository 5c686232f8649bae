/* rng.h — astroc's counter-based random number generator (header-only, shared with the runtime).
 *
 * Every random quantity of astroc is a pure function of a 4-word key
 *   (seed, stream, a, b)
 * where seed is the network seed, stream names what is being drawn and for which node
 * (RNG_STREAM below), and a, b are element indices (pre/post neuron, neuron/step, draw counter).
 * There is no generator state, so results do not depend on thread count, partitioning, backend
 * or evaluation order. It lives in ir/ because the passes, the backends and the runtime all draw from it; it depends
 * on <stdint.h> and <math.h> only. Algorithm and stream table: docs/passes.md.
 *
 * rng_hash4 absorbs the four words one at a time into a 64-bit state, each through the
 * SplitMix64 output finaliser (Stafford's "Mix13", a bijection with full avalanche), with a
 * distinct odd multiplier per word so that small consecutive indices are spread over all bits
 * before mixing:
 *   h = mix(seed * G0 + K)
 *   h = mix(h ^ (stream * G1))
 *   h = mix(h ^ (a * G2))
 *   h = mix(h ^ (b * G3))
 *   h = mix(h + G0)               (final round: the last word gets two mixes, as in SplitMix64)
 * For fixed (seed, stream, a), b -> rng_hash4 is a bijection of 64-bit words, so distinct
 * counters never collide.
 */
#ifndef ASTROC_RNG_H
#define ASTROC_RNG_H

#include <math.h>
#include <stdint.h>

/* ---------------------------------------------------------------- streams */

/* A stream id is (kind << 32) | node index. Kinds are fixed forever: changing one changes
 * every network astroc expands. */
enum {
  RNG_KIND_LAYOUT = 1,      /* a: shuffle position i, b: 0              node: grid */
  RNG_KIND_CONN = 2,        /* connectivity draws (per rule, docs)       node: projection */
  RNG_KIND_WEIGHT = 3,      /* a: pre, b: post                           node: projection */
  RNG_KIND_DELAY = 4,       /* a: pre, b: post                           node: projection */
  RNG_KIND_NEURON_PARAM = 5, /* a: parameter index, b: neuron             node: population */
  RNG_KIND_ASTRO_PARAM = 6, /* a: parameter index, b: astrocyte          node: astrocyte */
  RNG_KIND_INPUT = 7,       /* a: neuron, b: step (runtime spike draws)  node: input */
  RNG_KIND_RUNTIME = 8,     /* free for other runtime draws              node: any */
};
#define RNG_STREAM(kind, index) (((uint64_t)(kind) << 32) | (uint64_t)(uint32_t)(index))

/* ---------------------------------------------------------------- core */

/* SplitMix64 finaliser (Mix13): a bijection on 64-bit words. */
static inline uint64_t rng_mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* A 64-bit random value, pure function of its four arguments. */
static inline uint64_t rng_hash4(uint64_t seed, uint64_t stream, uint64_t a, uint64_t b) {
  uint64_t h = rng_mix64(seed * UINT64_C(0x9e3779b97f4a7c15) + UINT64_C(0x6a09e667f3bcc909));
  h = rng_mix64(h ^ (stream * UINT64_C(0xd1b54a32d192ed03)));
  h = rng_mix64(h ^ (a * UINT64_C(0xaef17502108ef2d9)));
  h = rng_mix64(h ^ (b * UINT64_C(0xf1357aea2e62a9c5)));
  return rng_mix64(h + UINT64_C(0x9e3779b97f4a7c15));
}

/* The same function split in two, so a loop over b for a fixed (seed, stream, a) absorbs the
 * first three words once: rng_hash_finish(rng_hash_prefix(s, t, a), b) == rng_hash4(s, t, a, b). */
static inline uint64_t rng_hash_prefix(uint64_t seed, uint64_t stream, uint64_t a) {
  uint64_t h = rng_mix64(seed * UINT64_C(0x9e3779b97f4a7c15) + UINT64_C(0x6a09e667f3bcc909));
  h = rng_mix64(h ^ (stream * UINT64_C(0xd1b54a32d192ed03)));
  return rng_mix64(h ^ (a * UINT64_C(0xaef17502108ef2d9)));
}
static inline uint64_t rng_hash_finish(uint64_t prefix, uint64_t b) {
  uint64_t h = rng_mix64(prefix ^ (b * UINT64_C(0xf1357aea2e62a9c5)));
  return rng_mix64(h + UINT64_C(0x9e3779b97f4a7c15));
}

/* A second, independent value derived from a first one (for draws that need two words). */
static inline uint64_t rng_next(uint64_t bits) {
  return rng_mix64(bits + UINT64_C(0x9e3779b97f4a7c15));
}

/* 53-bit uniform in [0,1): the top 53 bits times 2^-53. */
static inline double rng_u01(uint64_t bits) {
  return (double)(bits >> 11) * (1.0 / 9007199254740992.0);
}

/* High and low 64-bit halves of a 64x64 product, portable C. */
static inline uint64_t rng_mul128(uint64_t x, uint64_t y, uint64_t *lo) {
  uint64_t x0 = (uint32_t)x, x1 = x >> 32, y0 = (uint32_t)y, y1 = y >> 32;
  uint64_t p00 = x0 * y0, p01 = x0 * y1, p10 = x1 * y0, p11 = x1 * y1;
  uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
  *lo = (mid << 32) | (uint32_t)p00;
  return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/* Uniform integer in [0,n) without modulo bias (Lemire's multiply-shift with rejection). When a
 * value must be rejected (probability < n/2^64) the next word is rng_next(bits), so the result is
 * still a pure function of bits. n == 0 returns 0. */
static inline uint64_t rng_below(uint64_t bits, uint64_t n) {
  if (n == 0)
    return 0;
  uint64_t lo, hi = rng_mul128(bits, n, &lo);
  if (lo < n) {
    uint64_t threshold = (0 - n) % n; /* 2^64 mod n */
    while (lo < threshold) {
      bits = rng_next(bits);
      hi = rng_mul128(bits, n, &lo);
    }
  }
  return hi;
}

/* Standard normal deviate from one key word (Box-Muller; the second uniform is rng_next(bits)). */
static inline double rng_normal(uint64_t bits) {
  double u1 = 1.0 - rng_u01(bits); /* (0,1]: log is finite */
  double u2 = rng_u01(rng_next(bits));
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925 * u2);
}

/* Convenience: uniform in [0,1) for a key. */
static inline double rng_uniform01(uint64_t seed, uint64_t stream, uint64_t a, uint64_t b) {
  return rng_u01(rng_hash4(seed, stream, a, b));
}

/* Convenience: 64 bits for a key (alias of rng_hash4). */
static inline uint64_t rng_u64(uint64_t seed, uint64_t stream, uint64_t a, uint64_t b) {
  return rng_hash4(seed, stream, a, b);
}

#endif /* ASTROC_RNG_H */
