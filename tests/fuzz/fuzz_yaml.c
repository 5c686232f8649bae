/* fuzz_yaml.c — libFuzzer target: any byte string through the YAML frontend must neither crash, leak
 * nor trip a sanitizer; it returns NULL exactly when it reported an error, and what it accepts verifies. */
#include <stddef.h>
#include <stdint.h>

#include "fe.h"
#include "ir.h"

#ifndef FUZZ_EXAMPLES_DIR
#define FUZZ_EXAMPLES_DIR "examples"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ir_diag *d = ir_diag_create(NULL);
  if (!d) return 0;
  ir_module *m = fe_yaml_parse((const char *)data, size, "fuzz.yaml", FUZZ_EXAMPLES_DIR, d);
  /* The contract: NULL exactly when an error was reported. */
  if ((m == NULL) != (ir_diag_error_count(d) > 0)) __builtin_trap();
  /* ... and an accepted module passes the IR verifier. */
  if (m && !ir_verify(m, d)) __builtin_trap();
  ir_module_destroy(m);
  ir_diag_destroy(d);
  return 0;
}
