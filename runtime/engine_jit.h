/* engine_jit.h — what the `jit` engine (engine_jit.c) tells its callers beyond astroc_rt.h: where its
 * native code came from, and that code as an image section (astroc compile --target cpu). */
#ifndef ASTROC_ENGINE_JIT_H
#define ASTROC_ENGINE_JIT_H

#include <stdbool.h>
#include <stddef.h>

#include "astroc_rt.h"

/* "compiled", "cached object", "embedded object" or "shared in process"; NULL when s is not a jit sim. */
const char *rt_jit_origin(const rt_sim *s);

/* The 'native' image section (be_cpu_embed.h) for the code s runs: *out malloc'd (caller frees). false
 * when s is not a jit sim or has no object code (ASTROC_JIT_DUMP, or no generated function), or on OOM. */
bool rt_jit_native_section(const rt_sim *s, void **out, size_t *len);

/* astroc compile --target cpu: the 'native' section for m (a one-thread jit sim of m is created to build
 * exactly the code a run builds; the disk cache is used as in a run). false when the jit engine cannot run
 * m here (note says why, in one line, e.g. a missing dataset file): the image is then written without it. */
bool rt_jit_native_for(const ir_module *m, void **out, size_t *len, char *note, size_t notelen);

/* astroc run IMAGE --backend jit: if the image file at path carries a 'native' section, checks it and
 * offers its object code to the code generator (be_cpu_offer_object), so that the sim created next loads
 * it instead of generating code. Returns false after reporting through d when the file or the section is
 * corrupt (the image checksum covers the section). *state: 0 no section, 1 offered, 2 compiled for another
 * host (note holds a one-line explanation; the run generates code as usual). */
bool rt_jit_offer_image(const char *path, int *state, char *note, size_t notelen, ir_diag *d);

#endif /* ASTROC_ENGINE_JIT_H */
