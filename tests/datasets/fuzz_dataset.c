/* fuzz_dataset.c — libFuzzer target for the dataset readers (strict npm-JSON, IDX, gzip), not built by meson
 * (it needs clang). First input byte: bit 0 picks JSON (1) or IDX (0); bits 1-3 pick split and pooling.
 * Build and run from the repository root:
 *   clang-14 -g -O1 -fsanitize=fuzzer,address,undefined -Iir -Iruntime -D_DEFAULT_SOURCE \
 *     tests/datasets/fuzz_dataset.c runtime/dataset.c ir/diag.c ir/arena.c -lz -lm -o fuzz_dataset
 *   ./fuzz_dataset -max_total_time=120 -max_len=512
 * The readers only take paths, so each input goes through a file in /dev/shm. */
#include "dataset.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char path[64];
  if (!path[0]) snprintf(path, sizeof path, "/dev/shm/astroc-fuzz-%d", (int)getpid());
  if (size < 1) return 0;
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data + 1, 1, size - 1, f);
  fclose(f);
  ir_diag *d = ir_diag_create(NULL);
  rt_dataset *ds;
  if (data[0] & 1) {
    const char *p[10]; for (int c = 0; c < 10; c++) p[c] = path;
    ds = rt_dataset_load_mnist_json(p, 2, 2, (rt_split)((data[0] >> 1) & 3), 1 + ((data[0] >> 3) & 1), d);
  } else {
    ds = rt_dataset_load_idx(path, path, path, path, 1, RT_SPLIT_ALL, 1, d);
  }
  if (ds) { float *q = malloc((size_t)ds->count * ds->rows * ds->cols * 4 + 4); rt_dataset_nalsm_encode(ds, q); free(q); }
  rt_dataset_free(ds); ir_diag_destroy(d);
  return 0;
}
