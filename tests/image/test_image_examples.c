/* test_image_examples.c — every example model, expanded, survives the image round trip: the
 * textual IR (ir_print with every synapse listed) of the decoded module equals the original's.
 * Usage: test_image_examples MODEL.yaml... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fe.h"
#include "image.h"
#include "passes.h"

static char *print_module(const ir_module *m) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) return NULL;
  ir_print_options opt = {.synapses = true};
  ir_print(m, f, &opt);
  fclose(f);
  return text;
}

static int check_model(const char *path) {
  ir_diag *d = ir_diag_create(stderr);
  ir_module *m = fe_yaml_load(path, d);
  size_t npasses;
  const ir_pass *passes = pass_pipeline(&npasses);
  ir_pipeline_options popt = {0};
  int bad = 1;
  if (m && ir_run_pipeline(m, passes, npasses, &popt, d)) {
    void *img;
    size_t len;
    if (ir_image_encode(m, &img, &len, d)) {
      ir_module *back = ir_image_read(img, len, path, d);
      char *a = print_module(m), *b = back ? print_module(back) : NULL;
      if (a && b && strcmp(a, b) == 0) {
        printf("ok: %s (%zu bytes of image, %zu bytes of IR text)\n", path, len, strlen(a));
        bad = 0;
      } else {
        printf("FAIL: %s: the decoded module prints differently\n", path);
      }
      free(a);
      free(b);
      ir_module_destroy(back);
      free(img);
    }
  } else {
    printf("FAIL: %s: does not load\n", path);
  }
  ir_module_destroy(m);
  ir_diag_destroy(d);
  return bad;
}

int main(int argc, char **argv) {
  int failures = 0;
  for (int i = 1; i < argc; i++) failures += check_model(argv[i]);
  return failures ? 1 : 0;
}
