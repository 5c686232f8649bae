/* svg.c — small SVG plots for experiment reports: line plots, overlaid histograms, spike rasters. Axes
 * with five ticks each; no dependencies. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "experiment.h"

#define W 720.0
#define H 420.0
#define L 70.0  /* left margin */
#define R 20.0
#define T 40.0
#define B 50.0

static const char *const colours[6] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"};

typedef struct frame {
  double x0, x1, y0, y1;
} frame;

static double px(const frame *f, double x) { return L + (x - f->x0) / (f->x1 - f->x0) * (W - L - R); }
static double py(const frame *f, double y) { return H - B - (y - f->y0) / (f->y1 - f->y0) * (H - T - B); }

static void esc(FILE *o, const char *s) {
  for (; s && *s; s++)
    if (*s == '<')
      fputs("&lt;", o);
    else if (*s == '&')
      fputs("&amp;", o);
    else if (*s == '>')
      fputs("&gt;", o);
    else
      fputc(*s, o);
}

static FILE *open_svg(const char *path, const char *title, ir_diag *d) {
  FILE *o = fopen(path, "w");
  if (!o) {
    ir_error(d, (ir_loc){.file = path}, "cannot write the plot: %s", strerror(errno));
    return NULL;
  }
  fprintf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" font-family=\"sans-serif\" "
          "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", W, H);
  fprintf(o, "<text x=\"%g\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">", W / 2);
  esc(o, title);
  fputs("</text>\n", o);
  return o;
}

static bool close_svg(FILE *o, const char *path, ir_diag *d) {
  fputs("</svg>\n", o);
  bool ok = !ferror(o);
  ok = fclose(o) == 0 && ok;
  if (!ok)
    ir_error(d, (ir_loc){.file = path}, "cannot write the plot");
  return ok;
}

static void axes(FILE *o, const frame *f, const char *xl, const char *yl) {
  fprintf(o, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" stroke=\"black\"/>\n", L, T, W - L - R,
          H - T - B);
  for (int k = 0; k <= 4; k++) {
    double x = f->x0 + (f->x1 - f->x0) * k / 4, y = f->y0 + (f->y1 - f->y0) * k / 4;
    fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.4g</text>\n", px(f, x), H - B + 16, x);
    fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.4g</text>\n", L - 6, py(f, y) + 4, y);
  }
  fprintf(o, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">", (L + W - R) / 2, H - 12);
  esc(o, xl);
  fprintf(o, "</text>\n<text transform=\"translate(16,%g) rotate(-90)\" text-anchor=\"middle\">", (T + H - B) / 2);
  esc(o, yl);
  fputs("</text>\n", o);
}

static void legend(FILE *o, const ex_series *s, size_t ns) {
  for (size_t k = 0; k < ns; k++) {
    double y = T + 14 + 16 * (double)k;
    fprintf(o, "<rect x=\"%g\" y=\"%g\" width=\"12\" height=\"3\" fill=\"%s\"/><text x=\"%g\" y=\"%g\">", W - R - 150,
            y - 4, colours[k % 6], W - R - 132, y);
    esc(o, s[k].name);
    fputs("</text>\n", o);
  }
}

static void range(const double *v, size_t n, double *lo, double *hi) {
  for (size_t i = 0; i < n; i++)
    if (isfinite(v[i])) {
      *lo = v[i] < *lo ? v[i] : *lo;
      *hi = v[i] > *hi ? v[i] : *hi;
    }
}

static void widen(double *lo, double *hi) {
  if (!(*lo <= *hi)) {
    *lo = 0;
    *hi = 1;
  }
  if (*hi - *lo < 1e-12) {
    double m = fabs(*lo) > 0 ? fabs(*lo) * 0.1 : 1;
    *lo -= m;
    *hi += m;
  }
}

bool ex_svg_lines(const char *path, const char *title, const char *xlabel, const char *ylabel, const ex_series *s,
                  size_t ns, ir_diag *d) {
  frame f = {INFINITY, -INFINITY, INFINITY, -INFINITY};
  for (size_t k = 0; k < ns; k++) {
    range(s[k].x, s[k].n, &f.x0, &f.x1);
    range(s[k].y, s[k].n, &f.y0, &f.y1);
  }
  widen(&f.x0, &f.x1);
  widen(&f.y0, &f.y1);
  FILE *o = open_svg(path, title, d);
  if (!o)
    return false;
  axes(o, &f, xlabel, ylabel);
  for (size_t k = 0; k < ns && k < 6; k++) {
    fprintf(o, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", colours[k]);
    for (size_t i = 0; i < s[k].n; i++)
      fprintf(o, "%.1f,%.1f ", px(&f, s[k].x[i]), py(&f, s[k].y[i]));
    fputs("\"/>\n", o);
  }
  legend(o, s, ns < 6 ? ns : 6);
  return close_svg(o, path, d);
}

bool ex_svg_hist(const char *path, const char *title, const char *xlabel, const ex_series *s, size_t ns,
                 uint32_t nbins, ir_diag *d) {
  double lo = INFINITY, hi = -INFINITY;
  for (size_t k = 0; k < ns; k++)
    range(s[k].y, s[k].n, &lo, &hi);
  widen(&lo, &hi);
  nbins = nbins ? nbins : 1;
  double cnt[6][256] = {{0}}, top = 1;
  nbins = nbins > 256 ? 256 : nbins;
  for (size_t k = 0; k < ns && k < 6; k++)
    for (size_t i = 0; i < s[k].n; i++) {
      if (!isfinite(s[k].y[i]))
        continue;
      uint32_t b = (uint32_t)((s[k].y[i] - lo) / (hi - lo) * nbins);
      b = b >= nbins ? nbins - 1 : b;
      cnt[k][b]++;
      top = cnt[k][b] > top ? cnt[k][b] : top;
    }
  frame f = {lo, hi, 0, top * 1.05};
  FILE *o = open_svg(path, title, d);
  if (!o)
    return false;
  axes(o, &f, xlabel, "synapses");
  for (size_t k = 0; k < ns && k < 6; k++) {
    fprintf(o, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%.1f,%.1f ", colours[k], px(&f, lo),
            py(&f, 0));
    for (uint32_t b = 0; b < nbins; b++) {
      double a = lo + (hi - lo) * b / nbins, z = lo + (hi - lo) * (b + 1) / nbins;
      fprintf(o, "%.1f,%.1f %.1f,%.1f ", px(&f, a), py(&f, cnt[k][b]), px(&f, z), py(&f, cnt[k][b]));
    }
    fprintf(o, "%.1f,%.1f\"/>\n", px(&f, hi), py(&f, 0));
  }
  legend(o, s, ns < 6 ? ns : 6);
  return close_svg(o, path, d);
}

bool ex_svg_raster(const char *path, const char *title, const ex_spike *sp, size_t n, uint32_t nneurons,
                   uint32_t nsteps, double dt_ms, ir_diag *d) {
  frame f = {0, (double)(nsteps ? nsteps : 1) * dt_ms, 0, nneurons ? nneurons : 1};
  FILE *o = open_svg(path, title, d);
  if (!o)
    return false;
  axes(o, &f, "time (ms)", "liquid neuron");
  /* One path, a 1.2 x 1.2 stroke per spike ("M x yh1.2", about 16 bytes) rather than a rect element
   * (about 50): a dense liquid (60,000 spikes in 250 ms) stays near 1 MB instead of 3. */
  fputs("<path stroke=\"black\" stroke-width=\"1.2\" fill=\"none\" d=\"", o);
  for (size_t k = 0; k < n; k++)
    fprintf(o, "M%.1f %.1fh1.2%s", px(&f, sp[k].step * dt_ms), py(&f, sp[k].neuron + 0.5) + 0.6,
            k % 8 == 7 ? "\n" : "");
  fputs("\"/>\n", o);
  return close_svg(o, path, d);
}
