/* value.c — drawing one element of an ir_value (constant or distribution) from the counter RNG.
 * Lives in ir/ because the passes, every backend and the runtime draw the same values (docs/passes.md). */
#include "ir.h"
#include "rng.h"

double ir_value_sample(const ir_value *v, uint64_t seed, uint64_t stream, uint64_t a, uint64_t b) {
  switch (v->kind) {
  case IR_VAL_UNSET:
    return NAN;
  case IR_VAL_CONST:
    return v->a;
  case IR_VAL_UNIFORM:
    return v->a + (v->b - v->a) * rng_u01(rng_hash4(seed, stream, a, b));
  case IR_VAL_NORMAL: {
    double x = v->a + v->b * rng_normal(rng_hash4(seed, stream, a, b));
    /* Clamped, not redrawn: one key gives one value whatever the bounds (docs/passes.md). */
    if (x < v->lo)
      x = v->lo;
    if (x > v->hi)
      x = v->hi;
    return x;
  }
  case IR_VAL_CHOICE:
    if (v->nchoice == 0)
      return NAN;
    return v->choice[rng_below(rng_hash4(seed, stream, a, b), v->nchoice)];
  }
  IR_ASSERT(!"unknown ir_value kind");
  return NAN;
}
