/* features.c — the features cache: liquid spike counts per sample in a binary file that grows as samples
 * complete, so an interrupted response phase resumes where it stopped (docs/experiments.md).
 *
 *   offset 0   "ASTROCFT"          magic
 *          8   u32 version = 1
 *         12   u32 nfeat
 *         16   u64 fingerprint     of everything the features depend on (model bytes, options, phase keys)
 *         24   rows: u8 label | nfeat x u16 counts   (host byte order)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "experiment.h"

#define HEADER 24u
#define VERSION 1u

struct ex_cache {
  FILE *f;
  char *path;
  uint32_t nfeat;
  uint8_t *row;
};

uint64_t ex_fnv(uint64_t h, const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t k = 0; k < n; k++) {
    h ^= b[k];
    h *= UINT64_C(0x100000001b3);
  }
  return h;
}

static size_t row_bytes(uint32_t nfeat) { return 1 + 2 * (size_t)nfeat; }

static bool header_ok(FILE *f, uint32_t nfeat, uint64_t fp) {
  uint8_t h[HEADER];
  if (fread(h, 1, HEADER, f) != HEADER || memcmp(h, "ASTROCFT", 8) != 0)
    return false;
  uint32_t v, nf;
  uint64_t got;
  memcpy(&v, h + 8, 4);
  memcpy(&nf, h + 12, 4);
  memcpy(&got, h + 16, 8);
  return v == VERSION && nf == nfeat && got == fp;
}

static bool write_header(FILE *f, uint32_t nfeat, uint64_t fp) {
  uint8_t h[HEADER];
  uint32_t v = VERSION;
  memcpy(h, "ASTROCFT", 8);
  memcpy(h + 8, &v, 4);
  memcpy(h + 12, &nfeat, 4);
  memcpy(h + 16, &fp, 8);
  return fwrite(h, 1, HEADER, f) == HEADER && fflush(f) == 0;
}

/* Complete rows of an existing valid file, or -1 when it must be started afresh. */
static int64_t existing_rows(const char *path, uint32_t nfeat, uint64_t fp) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return -1;
  bool ok = header_ok(f, nfeat, fp);
  fclose(f);
  struct stat st;
  if (!ok || stat(path, &st) != 0 || st.st_size < (off_t)HEADER)
    return -1;
  return (int64_t)(((uint64_t)st.st_size - HEADER) / row_bytes(nfeat));
}

ex_cache *ex_cache_open(const char *path, uint32_t nfeat, uint64_t fingerprint, uint32_t *have, ir_diag *d) {
  ex_cache *c = calloc(1, sizeof(*c));
  if (!c || !(c->path = strdup(path)) || !(c->row = malloc(row_bytes(nfeat)))) {
    ir_error(d, (ir_loc){.file = path}, "out of memory opening the features cache");
    goto fail;
  }
  c->nfeat = nfeat;
  int64_t rows = existing_rows(path, nfeat, fingerprint);
  if (rows >= 0) {
    /* Cut a partial last row (an interrupted append), then append after the complete ones. */
    off_t keep = (off_t)(HEADER + (uint64_t)rows * row_bytes(nfeat));
    if (truncate(path, keep) != 0 || !(c->f = fopen(path, "ab"))) {
      ir_error(d, (ir_loc){.file = path}, "cannot reopen the features cache: %s", strerror(errno));
      goto fail;
    }
    *have = rows > UINT32_MAX ? UINT32_MAX : (uint32_t)rows;
    return c;
  }
  if (!(c->f = fopen(path, "wb")) || !write_header(c->f, nfeat, fingerprint)) {
    ir_error(d, (ir_loc){.file = path}, "cannot write the features cache: %s", strerror(errno));
    goto fail;
  }
  *have = 0;
  return c;
fail:
  if (c && c->f)
    fclose(c->f);
  if (c) {
    free(c->path);
    free(c->row);
  }
  free(c);
  return NULL;
}

bool ex_cache_append(ex_cache *c, const uint8_t *labels, const uint16_t *counts, uint32_t rows, ir_diag *d) {
  for (uint32_t r = 0; r < rows; r++) {
    c->row[0] = labels[r];
    memcpy(c->row + 1, counts + (size_t)r * c->nfeat, 2 * (size_t)c->nfeat);
    if (fwrite(c->row, 1, row_bytes(c->nfeat), c->f) != row_bytes(c->nfeat)) {
      ir_error(d, (ir_loc){.file = c->path}, "cannot append to the features cache: %s", strerror(errno));
      return false;
    }
  }
  if (fflush(c->f) != 0) {
    ir_error(d, (ir_loc){.file = c->path}, "cannot write the features cache: %s", strerror(errno));
    return false;
  }
  return true;
}

bool ex_cache_close(ex_cache *c, ir_diag *d) {
  if (!c)
    return true;
  bool ok = fclose(c->f) == 0;
  if (!ok)
    ir_error(d, (ir_loc){.file = c->path}, "cannot close the features cache: %s", strerror(errno));
  free(c->path);
  free(c->row);
  free(c);
  return ok;
}

bool ex_cache_read(const char *path, uint32_t nfeat, uint64_t fingerprint, uint32_t n, float *x, uint8_t *labels,
                   ir_diag *d) {
  int64_t rows = existing_rows(path, nfeat, fingerprint);
  if (rows < (int64_t)n) {
    ir_error(d, (ir_loc){.file = path}, "the features cache holds %lld of the %u samples needed",
             (long long)(rows < 0 ? 0 : rows), n);
    return false;
  }
  FILE *f = fopen(path, "rb");
  uint8_t *row = malloc(row_bytes(nfeat));
  bool ok = f && row && fseek(f, HEADER, SEEK_SET) == 0;
  for (uint32_t r = 0; ok && r < n; r++) {
    ok = fread(row, 1, row_bytes(nfeat), f) == row_bytes(nfeat);
    labels[r] = row[0];
    for (uint32_t j = 0; ok && j < nfeat; j++) {
      uint16_t v;
      memcpy(&v, row + 1 + 2 * (size_t)j, 2);
      x[(size_t)r * nfeat + j] = (float)v;
    }
  }
  if (!ok)
    ir_error(d, (ir_loc){.file = path}, "cannot read the features cache");
  if (f)
    fclose(f);
  free(row);
  return ok;
}
