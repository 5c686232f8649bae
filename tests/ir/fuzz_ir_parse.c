/* fuzz_ir_parse.c — libFuzzer target for ir_parse: never crash, and whatever parses must print,
 * parse again and print identically (the round-trip contract of ir.h). Built by fuzz_ir.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *print_str(const ir_module *m) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) abort();
  ir_print_options opt = {.synapses = true};
  ir_print(m, f, &opt);
  fclose(f);
  return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ir_diag *d = ir_diag_create(NULL);
  ir_module *m = ir_parse((const char *)data, size, "fuzz.ir", d);
  if (!m) {
    if (ir_diag_error_count(d) == 0) abort(); /* a failed parse must say why */
    ir_diag_destroy(d);
    return 0;
  }
  (void)ir_verify(m, d);
  char *a = print_str(m);
  ir_module *m2 = ir_parse(a, strlen(a), "fuzz2.ir", d);
  if (!m2) {
    fprintf(stderr, "printed text does not parse:\n%s\n", a);
    abort();
  }
  char *b = print_str(m2);
  if (strcmp(a, b) != 0) {
    fprintf(stderr, "round trip differs:\n--- first\n%s\n--- second\n%s\n", a, b);
    abort();
  }
  free(a);
  free(b);
  ir_module_destroy(m2);
  ir_module_destroy(m);
  ir_diag_destroy(d);
  return 0;
}
