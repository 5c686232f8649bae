/* fuzz_image.c — libFuzzer target for the image reader (ir/image.c). Built by fuzz_image.sh.
 *
 * The CRC check is skipped (IR_IMAGE_SKIP_CHECKSUM) so mutated inputs reach the section parsers
 * and the structural checks instead of all dying at "checksum mismatch". Every decoded module is
 * re-encoded and decoded again: what the reader accepts, the writer must reproduce exactly. */
#include <stdlib.h>
#include <string.h>

#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ir_diag *d = ir_diag_create(NULL);
  ir_module *m = ir_image_read_ex(data, size, "fuzz.aimg", IR_IMAGE_SKIP_CHECKSUM, d);
  if (m) {
    void *out;
    size_t len;
    if (ir_image_encode(m, &out, &len, d)) {
      ir_module *again = ir_image_read(out, len, "re.aimg", d);
      if (!again) abort(); /* the writer produced something its own reader rejects */
      void *out2;
      size_t len2;
      if (!ir_image_encode(again, &out2, &len2, d) || len2 != len || memcmp(out, out2, len) != 0) abort();
      free(out2);
      ir_module_destroy(again);
      free(out);
    }
    ir_module_destroy(m);
  }
  ir_diag_destroy(d);
  return 0;
}
