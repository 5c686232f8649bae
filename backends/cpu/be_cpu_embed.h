/* be_cpu_embed.h — native code carried in an image (section 'native', docs/image-format.md): the bytes of
 * the section, the host check, and handing an embedded object to be_cpu_jit_build so that a run does no
 * code generation.
 *
 * Section layout (little-endian; the image's CRC-32 covers it):
 *
 *   0   magic "ASTRONC1"
 *   8   u64 key          be_cpu_program_key of the program the object was compiled from
 *   16  u32 ×4           lengths of: target triple, CPU name, CPU features, LLVM version
 *   32  u64 object length
 *   40  the four strings, back to back, no terminators; zero padding to a multiple of 8
 *   ..  object bytes (ELF), then nothing: the section ends with the object
 */
#ifndef ASTROC_BE_CPU_EMBED_H
#define ASTROC_BE_CPU_EMBED_H

#include "be_cpu.h"

/* A decoded section; the pointers point into the section (strings are not NUL-terminated). */
typedef struct be_cpu_native {
  uint64_t key;
  const char *str[4]; /* BE_CPU_NATIVE_TRIPLE .. BE_CPU_NATIVE_LLVM */
  uint32_t strlen[4];
  const void *obj;
  size_t objlen;
} be_cpu_native;
enum { BE_CPU_NATIVE_TRIPLE, BE_CPU_NATIVE_CPU, BE_CPU_NATIVE_FEATURES, BE_CPU_NATIVE_LLVM };

/* The section for object code compiled on this host (triple, CPU, features and LLVM version of this
 * process): *out malloc'd (caller frees). false on OOM. */
bool be_cpu_native_encode(uint64_t key, const void *obj, size_t objlen, void **out, size_t *outlen);

/* Parses a section; false with err when its bytes are malformed (lengths that do not add up, bad magic). */
bool be_cpu_native_decode(const void *data, size_t len, be_cpu_native *out, char *err, size_t errlen);

/* true when the object can run here: same triple, CPU, features and LLVM version. Otherwise false, with a
 * short description of the first difference in why ("compiled for CPU skylake, this host is znver3"). */
bool be_cpu_native_matches_host(const be_cpu_native *n, char *why, size_t whylen);

/* Registers object code for key (copied): a later be_cpu_jit_build whose program has this key loads it
 * (origin BE_CPU_EMBEDDED) instead of compiling or reading the disk cache. false on OOM. */
bool be_cpu_offer_object(uint64_t key, const void *obj, size_t len);

/* The object code behind j (the bytes LLVM loaded) and its key; false when j was compiled in process
 * without an object (be_cpu_jit_create). The pointer lives as long as j. */
bool be_cpu_jit_object(const be_cpu_jit *j, const void **obj, size_t *len, uint64_t *key);

/* The size in bytes of function `name` in the ELF64 object obj (objsym.c); false when obj is not such an
 * object, is malformed, or has no function of that name. */
bool be_cpu_object_symbol_size(const void *obj, size_t len, const char *name, uint64_t *size);

#endif /* ASTROC_BE_CPU_EMBED_H */
