/* image.h — the image container: an expanded ir_module serialised as a versioned, checksummed,
 * little-endian binary file ("ASTROIMG", docs/image-format.md).
 *
 * Writing never changes the module. Reading trusts nothing: every length, offset, count, enum
 * and reference is checked (overflow-safe) before use, then the result is run through
 * ir_verify, so a truncated, corrupt or foreign file yields a diagnostic, never a crash.
 */
#ifndef ASTROC_IR_IMAGE_H
#define ASTROC_IR_IMAGE_H

#include "ir.h"

#define IR_IMAGE_MAGIC "ASTROIMG"
#define IR_IMAGE_VERSION 1u
#define IR_IMAGE_HEADER_SIZE 64u

/* Flags for ir_image_read_ex. */
enum {
  /* Skip the CRC-32 check of the payload. Only for the fuzzer, which must reach the section
   * parsers with mutated bytes; every other check stays on. */
  IR_IMAGE_SKIP_CHECKSUM = 1u << 0,
};

/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as in zlib and PNG). Start with crc = 0;
 * feed chunks by passing the previous result. */
uint32_t ir_crc32(uint32_t crc, const void *data, size_t len);

/* True when data starts with the image magic (used to tell images from YAML by content). */
bool ir_image_is_image(const void *data, size_t len);

/* Serialises m into a malloc'd buffer (*out, *len; the caller frees *out). false on OOM or a
 * module too large for the format, reported through d. */
bool ir_image_encode(const ir_module *m, void **out, size_t *len, ir_diag *d);

/* Writes m to f. false on OOM or a write error (reported through d, without a file name:
 * the caller knows it). */
bool ir_image_write(const ir_module *m, FILE *f, ir_diag *d);

/* Decodes an image. `name` is the file name used in diagnostics ("model.aimg: error: ...").
 * Returns a new module owned by the caller (ir_module_destroy), or NULL after reporting
 * through d. data is only borrowed. */
ir_module *ir_image_read(const void *data, size_t len, const char *name, ir_diag *d);
ir_module *ir_image_read_ex(const void *data, size_t len, const char *name, unsigned flags, ir_diag *d);

/* A deep copy of a module through an encode/read round trip, for passes that add attributes and may fail
 * half-way while the module the user runs stays as compiled. NULL after reporting through d. */
ir_module *ir_image_copy_module(const ir_module *m, ir_diag *d);

/* Optional sections beyond the module (docs/image-format.md, "Section 'native'"). Ids above 4; written
 * without the required flag, so readers that do not know them skip them. */
#define IR_IMAGE_SECTION_NATIVE 5u /* native code for the cpu target (backends/cpu/be_cpu_embed.h) */
typedef struct ir_image_extra {
  uint32_t id;
  const void *data;
  size_t len;
} ir_image_extra;

/* ir_image_encode / ir_image_write plus nextra optional sections after the module's four. */
bool ir_image_encode_ex(const ir_module *m, const ir_image_extra *extra, size_t nextra, void **out, size_t *len,
                        ir_diag *d);
bool ir_image_write_ex(const ir_module *m, const ir_image_extra *extra, size_t nextra, FILE *f, ir_diag *d);

/* Finds section `id` of an image after checking the header, the checksum and the section table (as
 * ir_image_read does; the records are not decoded). true with *sec = NULL when the image has no such
 * section; false after reporting when the image is invalid. *sec points into data. */
bool ir_image_find_section(const void *data, size_t len, uint32_t id, const char *name, const void **sec,
                           size_t *seclen, ir_diag *d);

/* Reads the file at path and decodes it. NULL after reporting (cannot open, read error, or
 * any decode error). */
ir_module *ir_image_load(const char *path, ir_diag *d);

#endif /* ASTROC_IR_IMAGE_H */
