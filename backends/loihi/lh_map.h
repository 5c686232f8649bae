/* lh_map.h — a Loihi target from a target description of compiler/mapping (targets/loihi1.yaml, ...).
 * Compiler side only: the runtime's loihi engine reads the target back from the binary. */
#ifndef ASTROC_LH_MAP_H
#define ASTROC_LH_MAP_H

#include "lh.h"
#include "mapping.h"

/* Fills *out from t (name pointing into t). false after reporting when t cannot be encoded by this
 * backend (an index field narrower than the compartment limit, a header too narrow for the formats). */
bool lh_target_from_map(const map_target *t, lh_target *out, ir_diag *d);
/* Loads the target NAME through map_target_load (targets/NAME.yaml, $ASTROC_TARGETS) into *out. */
bool lh_target_load(const char *name, map_target *storage, lh_target *out, ir_diag *d);

#endif
