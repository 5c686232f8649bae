/* file.c — reading a whole file into memory, for every parser of user files (YAML, IR text, targets). */
#include "ir.h"

#include <errno.h>
#include <stdlib.h>

char *ir_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap + 1);
  while (buf) {
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap) break;
    char *grown = cap <= SIZE_MAX / 4 ? realloc(buf, cap * 2 + 1) : NULL;
    if (!grown) {
      free(buf);
      buf = NULL;
      errno = ENOMEM;
      break;
    }
    buf = grown;
    cap *= 2;
  }
  int err = ferror(f) ? EIO : 0;
  fclose(f);
  if (buf && err) {
    free(buf);
    errno = err;
    return NULL;
  }
  if (buf) {
    buf[n] = '\0'; /* a terminator past the data, for parsers that like one; not counted in *len */
    *len = n;
  }
  return buf;
}
