/* ir_test_util.h — helpers shared by the ir suite: print to a string, parse a string, diagnostics to a string. */
#ifndef ASTROC_IR_TEST_UTIL_H
#define ASTROC_IR_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

/* The textual form of m (malloc'd, caller frees). */
static inline char *print_to_string(const ir_module *m, bool synapses) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) return NULL;
  ir_print_options opt = {.synapses = synapses};
  ir_print(m, f, &opt);
  fclose(f);
  return text;
}

/* Diagnostics collected into a string: create, use `d`, then diag_text() flushes and returns it. */
typedef struct diag_buf {
  char *text;
  size_t len;
  FILE *f;
  ir_diag *d;
} diag_buf;

static inline void diag_open(diag_buf *b) {
  b->text = NULL;
  b->len = 0;
  b->f = open_memstream(&b->text, &b->len);
  b->d = ir_diag_create(b->f);
}

static inline const char *diag_text(diag_buf *b) {
  fflush(b->f);
  return b->text ? b->text : "";
}

static inline void diag_close(diag_buf *b) {
  ir_diag_destroy(b->d);
  fclose(b->f);
  free(b->text);
}

static inline ir_module *parse_string_ir(const char *text, ir_diag *d) {
  return ir_parse(text, strlen(text), "t.ir", d);
}

#endif
