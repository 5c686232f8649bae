/* spikes_io.h — the files the compile, run and plot commands read and write: models and images
 * in; spike rasters (CSV or .npy) and NumPy .npy arrays out; spike rasters back in for plotting.
 * Formats: docs/cli.md. Every function reports user-facing failures through ir_diag.
 */
#ifndef ASTROC_SPIKES_IO_H
#define ASTROC_SPIKES_IO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ir.h"

/* ---------------------------------------------------------------- models and images */

typedef struct cli_load_options {
  int numerics;   /* -1: the model's; else an ir_numerics value (applied before the passes) */
  bool seed_set;  /* override network.seed before the passes */
  uint64_t seed;
} cli_load_options;

/* Loads MODEL.yaml (frontend + pass pipeline) or an image (recognised by its magic, not its
 * extension). *is_image tells which. Overrides apply to models only: an image is already
 * expanded. NULL after reporting. The caller owns the module. */
ir_module *cli_load(const char *path, const cli_load_options *opt, bool *is_image, ir_diag *d);

/* ---------------------------------------------------------------- .npy output */

/* A NumPy format 1.0 file written row by row; the shape in the header is patched on close, so
 * arrays can be streamed without knowing their length. */
typedef struct npy_file npy_file;

/* descr: a NumPy type string ("<f8", "<i8") or a structured list ("[('step', '<i8'), ...]");
 * ncols: 0 for a 1-D array, else the second dimension. NULL after reporting. */
npy_file *npy_create(const char *path, const char *descr, uint64_t ncols, ir_diag *d);
/* Appends one row's bytes (already little-endian); rows are counted. */
void npy_append(npy_file *f, const void *row, size_t bytes);
/* Appends n doubles, converted to little-endian. */
void npy_append_f64(npy_file *f, const double *v, size_t n);
/* Patches the shape, closes and frees. false (reported) on a write error. */
bool npy_close(npy_file *f, ir_diag *d);

/* ---------------------------------------------------------------- spike rasters */

/* Writes spikes as CSV ("step,population,neuron") or, when path ends in ".npy", as a structured
 * array [('step','<i8'), ('population','S<L>'), ('neuron','<i8')]. `names` are the spike sources
 * in model order; rows must be appended in (step, source, neuron) order. */
typedef struct spike_writer spike_writer;
spike_writer *spike_writer_open(const char *path, const char *const *names, uint32_t nnames, ir_diag *d);
void spike_writer_add(spike_writer *w, uint64_t step, uint32_t source, const uint32_t *idx, uint32_t n);
bool spike_writer_close(spike_writer *w, ir_diag *d);

/* A raster read back for plotting. Sources are numbered in the order the file implies (model
 * order, recovered from the within-step ordering of the rows). */
typedef struct spike_list {
  uint64_t *step;
  uint32_t *src;
  uint32_t *neuron;
  size_t n, cap;
  char **names; /* malloc'd */
  uint32_t nnames;
} spike_list;

/* Reads a CSV or .npy raster written by spike_writer (recognised by content). false after
 * reporting "FILE:LINE: error: ..." for a malformed file. */
bool spike_list_read(const char *path, spike_list *out, ir_diag *d);
void spike_list_free(spike_list *s);

#endif /* ASTROC_SPIKES_IO_H */
