/* plot.h — raster plots of spike files: a raster (one colour and labelled band per population)
 * above a smoothed population-rate trace, written as SVG or as PNG (own rasteriser + encoder). */
#ifndef ASTROC_PLOT_H
#define ASTROC_PLOT_H

#include <stdbool.h>

#include "ir.h"
#include "spikes_io.h"

typedef struct plot_options {
  const char *title; /* NULL: none */
  double dt_ms;      /* step length, to turn steps into ms (spike files carry steps only) */
  bool from_set, to_set;
  double from_ms, to_ms; /* time window; default: 0 .. (last step + 1) * dt */
  int width, height;     /* pixels; 0: 1000 x 640 */
} plot_options;

/* Draws spikes into `path`: PNG when it ends in ".png", else SVG. false after reporting an
 * I/O error through d. */
bool plot_write(const spike_list *s, const plot_options *o, const char *path, ir_diag *d);

/* Encodes an 8-bit RGB image (rows top to bottom, 3 bytes a pixel) as PNG with stored
 * (uncompressed) deflate blocks. Returns false on a write error. */
bool plot_png_encode(FILE *f, const unsigned char *rgb, int width, int height);

#endif /* ASTROC_PLOT_H */
