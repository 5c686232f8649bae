/* plot.c — `astroc plot`'s drawing: layout of a raster above a population-rate trace, drawn
 * through a tiny canvas interface onto SVG text or an RGB buffer that is encoded as PNG (stored
 * deflate blocks, CRC-32, Adler-32; no library). Glyphs: a 5x7 bitmap font drawn for astroc. */
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image.h" /* ir_crc32 */

/* 5x7 glyphs for ' '..'~', one byte a row, bit 4 = leftmost column. The descender letters g p q y
 * are drawn two rows lower (see px_text), so their x-height part lines up with the other letters. */
static const unsigned char font5x7[95][7] = {
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, /* ' ' */
    {0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x04}, /* '!' */
    {0x0a, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00}, /* '"' */
    {0x0a, 0x0a, 0x1f, 0x0a, 0x1f, 0x0a, 0x0a}, /* '#' */
    {0x04, 0x0f, 0x14, 0x0e, 0x05, 0x1e, 0x04}, /* '$' */
    {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03}, /* '%' */
    {0x0c, 0x12, 0x14, 0x08, 0x15, 0x12, 0x0d}, /* '&' */
    {0x04, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00}, /* "'" */
    {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}, /* '(' */
    {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08}, /* ')' */
    {0x00, 0x04, 0x15, 0x0e, 0x15, 0x04, 0x00}, /* '*' */
    {0x00, 0x04, 0x04, 0x1f, 0x04, 0x04, 0x00}, /* '+' */
    {0x00, 0x00, 0x00, 0x00, 0x0c, 0x04, 0x08}, /* ',' */
    {0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00}, /* '-' */
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c}, /* '.' */
    {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00}, /* '/' */
    {0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e}, /* '0' */
    {0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e}, /* '1' */
    {0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f}, /* '2' */
    {0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e}, /* '3' */
    {0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02}, /* '4' */
    {0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e}, /* '5' */
    {0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e}, /* '6' */
    {0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}, /* '7' */
    {0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e}, /* '8' */
    {0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c}, /* '9' */
    {0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x00}, /* ':' */
    {0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x04, 0x08}, /* ';' */
    {0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02}, /* '<' */
    {0x00, 0x00, 0x1f, 0x00, 0x1f, 0x00, 0x00}, /* '=' */
    {0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08}, /* '>' */
    {0x0e, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04}, /* '?' */
    {0x0e, 0x11, 0x01, 0x0d, 0x15, 0x15, 0x0e}, /* '@' */
    {0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11}, /* 'A' */
    {0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e}, /* 'B' */
    {0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e}, /* 'C' */
    {0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c}, /* 'D' */
    {0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f}, /* 'E' */
    {0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10}, /* 'F' */
    {0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f}, /* 'G' */
    {0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11}, /* 'H' */
    {0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e}, /* 'I' */
    {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c}, /* 'J' */
    {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}, /* 'K' */
    {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f}, /* 'L' */
    {0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11}, /* 'M' */
    {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}, /* 'N' */
    {0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e}, /* 'O' */
    {0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10}, /* 'P' */
    {0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d}, /* 'Q' */
    {0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11}, /* 'R' */
    {0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e}, /* 'S' */
    {0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}, /* 'T' */
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e}, /* 'U' */
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04}, /* 'V' */
    {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a}, /* 'W' */
    {0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11}, /* 'X' */
    {0x11, 0x11, 0x0a, 0x04, 0x04, 0x04, 0x04}, /* 'Y' */
    {0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f}, /* 'Z' */
    {0x0e, 0x08, 0x08, 0x08, 0x08, 0x08, 0x0e}, /* '[' */
    {0x00, 0x10, 0x08, 0x04, 0x02, 0x01, 0x00}, /* '\\' */
    {0x0e, 0x02, 0x02, 0x02, 0x02, 0x02, 0x0e}, /* ']' */
    {0x04, 0x0a, 0x11, 0x00, 0x00, 0x00, 0x00}, /* '^' */
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1f}, /* '_' */
    {0x08, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00}, /* '`' */
    {0x00, 0x00, 0x0e, 0x01, 0x0f, 0x11, 0x0f}, /* 'a' */
    {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x1e}, /* 'b' */
    {0x00, 0x00, 0x0e, 0x10, 0x10, 0x11, 0x0e}, /* 'c' */
    {0x01, 0x01, 0x0d, 0x13, 0x11, 0x11, 0x0f}, /* 'd' */
    {0x00, 0x00, 0x0e, 0x11, 0x1f, 0x10, 0x0e}, /* 'e' */
    {0x06, 0x09, 0x08, 0x1c, 0x08, 0x08, 0x08}, /* 'f' */
    {0x0f, 0x11, 0x11, 0x11, 0x0f, 0x01, 0x0e}, /* 'g' */
    {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11}, /* 'h' */
    {0x04, 0x00, 0x0c, 0x04, 0x04, 0x04, 0x0e}, /* 'i' */
    {0x02, 0x00, 0x06, 0x02, 0x02, 0x12, 0x0c}, /* 'j' */
    {0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12}, /* 'k' */
    {0x0c, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e}, /* 'l' */
    {0x00, 0x00, 0x1a, 0x15, 0x15, 0x11, 0x11}, /* 'm' */
    {0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11}, /* 'n' */
    {0x00, 0x00, 0x0e, 0x11, 0x11, 0x11, 0x0e}, /* 'o' */
    {0x1e, 0x11, 0x11, 0x11, 0x1e, 0x10, 0x10}, /* 'p' */
    {0x0f, 0x11, 0x11, 0x11, 0x0f, 0x01, 0x01}, /* 'q' */
    {0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10}, /* 'r' */
    {0x00, 0x00, 0x0e, 0x10, 0x0e, 0x01, 0x1e}, /* 's' */
    {0x08, 0x08, 0x1c, 0x08, 0x08, 0x09, 0x06}, /* 't' */
    {0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0d}, /* 'u' */
    {0x00, 0x00, 0x11, 0x11, 0x11, 0x0a, 0x04}, /* 'v' */
    {0x00, 0x00, 0x11, 0x11, 0x15, 0x15, 0x0a}, /* 'w' */
    {0x00, 0x00, 0x11, 0x0a, 0x04, 0x0a, 0x11}, /* 'x' */
    {0x11, 0x11, 0x11, 0x11, 0x0f, 0x01, 0x0e}, /* 'y' */
    {0x00, 0x00, 0x1f, 0x02, 0x04, 0x08, 0x1f}, /* 'z' */
    {0x02, 0x04, 0x04, 0x08, 0x04, 0x04, 0x02}, /* '{' */
    {0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}, /* '|' */
    {0x08, 0x04, 0x04, 0x02, 0x04, 0x04, 0x08}, /* '}' */
    {0x00, 0x00, 0x08, 0x15, 0x02, 0x00, 0x00}, /* '~' */
};

/* ================================================================ canvas */

enum { ANCHOR_LEFT = -1, ANCHOR_MIDDLE = 0, ANCHOR_RIGHT = 1 };

/* What the layout code draws with; SVG and the PNG rasteriser implement it. Coordinates are
 * pixels, y downwards. Text is centred vertically on y; size 1 is labels, 2 the title. */
typedef struct canvas canvas;
struct canvas {
  void (*rect)(canvas *c, double x, double y, double w, double h, uint32_t rgb);
  void (*line)(canvas *c, double x0, double y0, double x1, double y1, uint32_t rgb);
  void (*polyline)(canvas *c, const double *xy, size_t n, uint32_t rgb);
  void (*text)(canvas *c, double x, double y, const char *s, int size, int anchor, uint32_t rgb);
  void (*spikes_begin)(canvas *c, uint32_t rgb, double h);
  void (*spike)(canvas *c, double x, double y, double w, double h);
  void (*spikes_end)(canvas *c);
  FILE *svg;
  unsigned char *px;
  int w, h;
  uint32_t cur; /* colour of the spikes being drawn (PNG) */
};

/* Label advance per character, identical for both back ends so layouts agree. */
static double text_width(const char *s, int size) { return (double)strlen(s) * 6.0 * (size + 1); }

/* ---------------------------------------------------------------- SVG */

static void svg_escape(FILE *f, const char *s) {
  for (; *s; s++) {
    switch (*s) {
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '&': fputs("&amp;", f); break;
    case '"': fputs("&quot;", f); break;
    default:
      if ((unsigned char)*s >= 0x20) fputc(*s, f);
    }
  }
}

static void svg_rect(canvas *c, double x, double y, double w, double h, uint32_t rgb) {
  fprintf(c->svg, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#%06x\"/>\n", x, y, w, h, rgb);
}

static void svg_line(canvas *c, double x0, double y0, double x1, double y1, uint32_t rgb) {
  fprintf(c->svg, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#%06x\" stroke-width=\"1\"/>\n", x0,
          y0, x1, y1, rgb);
}

static void svg_polyline(canvas *c, const double *xy, size_t n, uint32_t rgb) {
  fprintf(c->svg, "<polyline fill=\"none\" stroke=\"#%06x\" stroke-width=\"1.5\" points=\"", rgb);
  for (size_t i = 0; i < n; i++) fprintf(c->svg, "%s%.2f,%.2f", i ? " " : "", xy[2 * i], xy[2 * i + 1]);
  fputs("\"/>\n", c->svg);
}

static void svg_text(canvas *c, double x, double y, const char *s, int size, int anchor, uint32_t rgb) {
  static const char *const anchors[] = {"start", "middle", "end"};
  fprintf(c->svg,
          "<text x=\"%.2f\" y=\"%.2f\" font-family=\"DejaVu Sans Mono, monospace\" font-size=\"%d\" "
          "text-anchor=\"%s\" dominant-baseline=\"central\" fill=\"#%06x\">",
          x, y, size == 2 ? 20 : 14, anchors[anchor + 1], rgb);
  svg_escape(c->svg, s);
  fputs("</text>\n", c->svg);
}

/* Spikes of a population are one path of short horizontal strokes: compact for big rasters. */
static void svg_spikes_begin(canvas *c, uint32_t rgb, double h) {
  fprintf(c->svg, "<path fill=\"none\" stroke=\"#%06x\" stroke-width=\"%.2f\" d=\"", rgb, h);
}
static void svg_spike(canvas *c, double x, double y, double w, double h) {
  fprintf(c->svg, "M%.2f %.2fh%.2f", x, y + h / 2, w);
}
static void svg_spikes_end(canvas *c) { fputs("\"/>\n", c->svg); }

/* ---------------------------------------------------------------- raster (PNG) */

static void put_px(canvas *c, int x, int y, uint32_t rgb) {
  if (x < 0 || y < 0 || x >= c->w || y >= c->h) return;
  unsigned char *p = c->px + 3 * ((size_t)y * (size_t)c->w + (size_t)x);
  p[0] = (unsigned char)(rgb >> 16);
  p[1] = (unsigned char)(rgb >> 8);
  p[2] = (unsigned char)rgb;
}

static void px_rect(canvas *c, double x, double y, double w, double h, uint32_t rgb) {
  int x0 = (int)floor(x), y0 = (int)floor(y);
  int x1 = (int)ceil(x + w), y1 = (int)ceil(y + h);
  if (x1 <= x0) x1 = x0 + 1;
  if (y1 <= y0) y1 = y0 + 1;
  for (int yy = y0 < 0 ? 0 : y0; yy < y1 && yy < c->h; yy++)
    for (int xx = x0 < 0 ? 0 : x0; xx < x1 && xx < c->w; xx++) put_px(c, xx, yy, rgb);
}

/* Bresenham: integer steps along the longer axis. */
static void px_line_w(canvas *c, double fx0, double fy0, double fx1, double fy1, uint32_t rgb, bool thick) {
  int x0 = (int)lround(fx0), y0 = (int)lround(fy0), x1 = (int)lround(fx1), y1 = (int)lround(fy1);
  int dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
  for (;;) {
    put_px(c, x0, y0, rgb);
    if (thick) put_px(c, x0, y0 + 1, rgb);
    if (x0 == x1 && y0 == y1) break;
    int e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x0 += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y0 += sy;
    }
  }
}

static void px_line(canvas *c, double x0, double y0, double x1, double y1, uint32_t rgb) {
  px_line_w(c, x0, y0, x1, y1, rgb, false);
}

static void px_polyline(canvas *c, const double *xy, size_t n, uint32_t rgb) {
  for (size_t i = 1; i < n; i++) px_line_w(c, xy[2 * i - 2], xy[2 * i - 1], xy[2 * i], xy[2 * i + 1], rgb, true);
  if (n == 1) put_px(c, (int)xy[0], (int)xy[1], rgb);
}

static void px_text(canvas *c, double x, double y, const char *s, int size, int anchor, uint32_t rgb) {
  int scale = size + 1;
  double w = text_width(s, size) - scale; /* no spacing after the last glyph */
  double left = anchor == ANCHOR_LEFT ? x : anchor == ANCHOR_MIDDLE ? x - w / 2 : x - w;
  int top = (int)lround(y - 3.5 * scale), gx = (int)lround(left);
  for (; *s; s++, gx += 6 * scale) {
    unsigned ch = (unsigned char)*s;
    if (ch < 32 || ch > 126) ch = '?';
    const unsigned char *g = font5x7[ch - 32];
    int drop = strchr("gpqy", (int)ch) ? 2 * scale : 0;
    for (int row = 0; row < 7; row++)
      for (int col = 0; col < 5; col++)
        if (g[row] & (0x10 >> col))
          for (int k = 0; k < scale * scale; k++) put_px(c, gx + col * scale + k % scale, top + drop + row * scale + k / scale, rgb);
  }
}

static void px_spikes_begin(canvas *c, uint32_t rgb, double h) {
  (void)h;
  c->cur = rgb;
}
static void px_spike(canvas *c, double x, double y, double w, double h) { px_rect(c, x, y, w, h, c->cur); }
static void px_spikes_end(canvas *c) { (void)c; }

/* ---------------------------------------------------------------- PNG encoding */

static bool put_be32(FILE *f, uint32_t v) {
  unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8), (unsigned char)v};
  return fwrite(b, 1, 4, f) == 4;
}

static bool png_chunk(FILE *f, const char *type, const unsigned char *data, size_t len) {
  uint32_t crc = ir_crc32(0, type, 4);
  crc = ir_crc32(crc, data, len);
  return put_be32(f, (uint32_t)len) && fwrite(type, 1, 4, f) == 4 && (len == 0 || fwrite(data, 1, len, f) == len) &&
         put_be32(f, crc);
}

bool plot_png_encode(FILE *f, const unsigned char *rgb, int width, int height) {
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  unsigned char ihdr[13] = {0};
  for (int i = 0; i < 4; i++) {
    ihdr[i] = (unsigned char)((uint32_t)width >> (24 - 8 * i));
    ihdr[4 + i] = (unsigned char)((uint32_t)height >> (24 - 8 * i));
  }
  ihdr[8] = 8; /* bit depth */
  ihdr[9] = 2; /* colour type: RGB */
  /* raw scanlines: a filter byte (0, none) before every row */
  size_t row = 1 + 3 * (size_t)width, raw_len = row * (size_t)height;
  size_t nblocks = raw_len / 65535 + 1;
  size_t z_len = 2 + raw_len + 5 * nblocks + 4;
  unsigned char *z = malloc(z_len);
  if (!z) return false;
  size_t o = 0;
  z[o++] = 0x78; /* zlib: deflate, 32K window */
  z[o++] = 0x01; /* check bits: (0x78 * 256 + 0x01) % 31 == 0, no dictionary, fastest */
  uint32_t a = 1, b = 0; /* Adler-32 of the raw data */
  size_t pos = 0;
  for (size_t blk = 0; blk < nblocks; blk++) {
    size_t n = raw_len - pos < 65535 ? raw_len - pos : 65535;
    z[o++] = blk + 1 == nblocks; /* BFINAL, BTYPE 00: stored */
    z[o++] = (unsigned char)n;
    z[o++] = (unsigned char)(n >> 8);
    z[o++] = (unsigned char)~n;
    z[o++] = (unsigned char)(~n >> 8);
    for (size_t i = 0; i < n; i++, pos++) {
      size_t y = pos / row, x = pos % row;
      unsigned char v = x == 0 ? 0 : rgb[y * 3 * (size_t)width + x - 1];
      z[o++] = v;
      a = (a + v) % 65521;
      b = (b + a) % 65521;
    }
  }
  uint32_t adler = (b << 16) | a;
  for (int i = 0; i < 4; i++) z[o++] = (unsigned char)(adler >> (24 - 8 * i));
  bool ok = fwrite(sig, 1, 8, f) == 8 && png_chunk(f, "IHDR", ihdr, 13) && png_chunk(f, "IDAT", z, o) &&
            png_chunk(f, "IEND", NULL, 0);
  free(z);
  return ok;
}

/* ================================================================ layout */

static const uint32_t palette[] = {0x1f77b4, 0xd62728, 0x2ca02c, 0xff7f0e, 0x9467bd, 0x8c564b, 0xe377c2, 0x17becf};
enum { NPALETTE = sizeof palette / sizeof palette[0] };
#define AXIS 0x333333u
#define GRID 0xe6e6e6u

/* A blend of rgb with white: tint of a band's background. */
static uint32_t tint(uint32_t rgb, double f) {
  uint32_t out = 0;
  for (int s = 0; s < 24; s += 8) {
    double v = (double)((rgb >> s) & 0xFF) * f + 255.0 * (1 - f);
    out |= (uint32_t)lround(v) << s;
  }
  return out;
}

/* 1, 2 or 5 times a power of ten, giving about `target` ticks over `range`. */
static double nice_step(double range, int target) {
  if (!(range > 0)) return 1;
  double raw = range / target, p = pow(10, floor(log10(raw))), f = raw / p;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

static void tick_label(char *buf, size_t cap, double v, double step) {
  if (fabs(v) < step * 1e-9) v = 0;
  int decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
  snprintf(buf, cap, "%.*f", decimals, v);
}

typedef struct frame {
  double x0, x1, y0, y1; /* panel in pixels */
  double t0, t1;         /* time window in ms */
} frame;

static double tx(const frame *f, double t) { return f->x0 + (t - f->t0) / (f->t1 - f->t0) * (f->x1 - f->x0); }

static void draw_time_axis(canvas *c, const frame *f, bool labels) {
  double step = nice_step(f->t1 - f->t0, 8);
  for (double t = ceil(f->t0 / step) * step; t <= f->t1 + step * 1e-9; t += step) {
    double x = tx(f, t);
    c->line(c, x, f->y0, x, f->y1, GRID);
    c->line(c, x, f->y1, x, f->y1 + 5, AXIS);
    if (labels) {
      char b[32];
      tick_label(b, sizeof b, t, step);
      c->text(c, x, f->y1 + 16, b, 1, ANCHOR_MIDDLE, AXIS);
    }
  }
}

static void draw_box(canvas *c, const frame *f) {
  c->line(c, f->x0, f->y0, f->x1, f->y0, AXIS);
  c->line(c, f->x0, f->y1, f->x1, f->y1, AXIS);
  c->line(c, f->x0, f->y0, f->x0, f->y1, AXIS);
  c->line(c, f->x1, f->y0, f->x1, f->y1, AXIS);
}

typedef struct bands {
  uint32_t n;
  uint64_t *size;       /* neurons per source: highest index seen + 1 */
  double *top, *height; /* pixels */
} bands;

static void layout_bands(const spike_list *s, const frame *f, bands *b) {
  uint64_t total = 0;
  for (size_t i = 0; i < s->n; i++)
    if (s->neuron[i] + 1ull > b->size[s->src[i]]) b->size[s->src[i]] = s->neuron[i] + 1ull;
  for (uint32_t k = 0; k < b->n; k++) total += b->size[k];
  /* every band gets at least ~18 px so its label fits, the rest is shared by neuron count */
  double avail = f->y1 - f->y0, minw = (double)total * 18.0 / avail, sum = 0;
  for (uint32_t k = 0; k < b->n; k++) sum += fmax((double)b->size[k], minw);
  double y = f->y0;
  for (uint32_t k = 0; k < b->n; k++) {
    b->top[k] = y;
    b->height[k] = sum > 0 ? avail * fmax((double)b->size[k], minw) / sum : avail;
    y += b->height[k];
  }
}

static void draw_raster(canvas *c, const spike_list *s, const frame *f, const bands *b, double dt) {
  for (uint32_t k = 0; k < b->n; k++) {
    uint32_t col = palette[k % NPALETTE];
    c->rect(c, f->x0, b->top[k], f->x1 - f->x0, b->height[k], tint(col, k % 2 ? 0.06 : 0.12));
  }
  draw_time_axis(c, f, false);
  double pw = fmax(1.0, (f->x1 - f->x0) * dt / (f->t1 - f->t0));
  for (uint32_t k = 0; k < b->n; k++) {
    double ph = fmax(1.0, b->height[k] / (double)b->size[k]);
    c->spikes_begin(c, palette[k % NPALETTE], ph);
    for (size_t i = 0; i < s->n; i++) {
      double t = (double)s->step[i] * dt;
      if (s->src[i] != k || t < f->t0 || t >= f->t1) continue;
      double y = b->top[k] + (double)s->neuron[i] * b->height[k] / (double)b->size[k];
      c->spike(c, tx(f, t), y, pw, ph);
    }
    c->spikes_end(c);
    if (k) c->line(c, f->x0, b->top[k], f->x1, b->top[k], 0xaaaaaa);
    char label[160];
    snprintf(label, sizeof label, "%.100s (%llu)", s->names[k], (unsigned long long)b->size[k]);
    c->text(c, f->x0 - 8, b->top[k] + b->height[k] / 2, label, 1, ANCHOR_RIGHT, palette[k % NPALETTE]);
  }
  draw_box(c, f);
  c->text(c, f->x0, f->y0 - 12, "neurons by population", 1, ANCHOR_LEFT, AXIS);
}

/* Rate of each source in Hz: spikes per bin / (neurons * bin time), smoothed by a centred box
 * of about 5 ms (wider when one pixel holds more than that). */
static void draw_rates(canvas *c, const spike_list *s, const frame *f, const bands *b, double dt) {
  double span = f->t1 - f->t0, px = f->x1 - f->x0;
  double bin_ms = fmax(dt, dt * ceil(span / px / dt));
  size_t nb = (size_t)ceil(span / bin_ms);
  if (nb == 0) nb = 1;
  double *cnt = calloc(nb * b->n, sizeof *cnt), *sm = calloc(nb, sizeof *sm), *xy = malloc(2 * nb * sizeof *xy);
  if (!cnt || !sm || !xy) goto out;
  for (size_t i = 0; i < s->n; i++) {
    double t = (double)s->step[i] * dt;
    if (t < f->t0 || t >= f->t1) continue;
    size_t bi = (size_t)((t - f->t0) / bin_ms);
    if (bi < nb) cnt[(size_t)s->src[i] * nb + bi] += 1;
  }
  int half = (int)fmax(0, floor(5.0 / bin_ms / 2));
  double ymax = 0;
  for (uint32_t k = 0; k < b->n; k++) {
    double *r = cnt + (size_t)k * nb;
    for (size_t i = 0; i < nb; i++) r[i] = r[i] / ((double)b->size[k] * bin_ms / 1000.0);
    for (size_t i = 0; i < nb; i++) {
      double acc = 0;
      int m = 0;
      for (int j = -half; j <= half; j++)
        if ((long)i + j >= 0 && (long)i + j < (long)nb) acc += r[(long)i + j], m++;
      sm[i] = acc / m;
    }
    memcpy(r, sm, nb * sizeof *r);
    for (size_t i = 0; i < nb; i++) ymax = fmax(ymax, r[i]);
  }
  if (ymax <= 0) ymax = 1;
  double step = nice_step(ymax, 4);
  ymax = ceil(ymax / step) * step;
  for (double v = 0; v <= ymax + step * 1e-9; v += step) {
    double y = f->y1 - v / ymax * (f->y1 - f->y0);
    c->line(c, f->x0, y, f->x1, y, GRID);
    c->line(c, f->x0 - 5, y, f->x0, y, AXIS);
    char lb[32];
    tick_label(lb, sizeof lb, v, step);
    c->text(c, f->x0 - 8, y, lb, 1, ANCHOR_RIGHT, AXIS);
  }
  draw_time_axis(c, f, true);
  for (uint32_t k = 0; k < b->n; k++) {
    const double *r = cnt + (size_t)k * nb;
    for (size_t i = 0; i < nb; i++) {
      xy[2 * i] = tx(f, f->t0 + ((double)i + 0.5) * bin_ms);
      xy[2 * i + 1] = f->y1 - r[i] / ymax * (f->y1 - f->y0);
    }
    c->polyline(c, xy, nb, palette[k % NPALETTE]);
  }
  draw_box(c, f);
  char lbl[64];
  snprintf(lbl, sizeof lbl, "population rate (Hz), %g ms smoothing", (2 * half + 1) * bin_ms);
  c->text(c, f->x0, f->y0 - 12, lbl, 1, ANCHOR_LEFT, AXIS);
  c->text(c, (f->x0 + f->x1) / 2, f->y1 + 40, "time (ms)", 1, ANCHOR_MIDDLE, AXIS);
out:
  free(cnt);
  free(sm);
  free(xy);
}

static void draw_all(canvas *c, const spike_list *s, const plot_options *o) {
  double dt = o->dt_ms > 0 ? o->dt_ms : 1.0;
  uint64_t last = 0;
  for (size_t i = 0; i < s->n; i++)
    if (s->step[i] > last) last = s->step[i];
  frame f = {.t0 = o->from_set ? o->from_ms : 0, .t1 = o->to_set ? o->to_ms : (double)(last + 1) * dt};
  if (!(f.t1 > f.t0)) f.t1 = f.t0 + dt;
  double left = 90;
  for (uint32_t k = 0; k < s->nnames; k++) {
    char label[160];
    snprintf(label, sizeof label, "%.100s (%u)", s->names[k], 1000000u);
    left = fmax(left, text_width(label, 1) + 20);
  }
  left = fmin(left, c->w * 0.4);
  c->rect(c, 0, 0, c->w, c->h, 0xffffff);
  double top = o->title ? 64 : 40;
  if (o->title) c->text(c, c->w / 2.0, 24, o->title, 2, ANCHOR_MIDDLE, 0x111111);
  double bottom = c->h - 60, rate_h = (bottom - top) * 0.26;
  frame raster = f, rate = f;
  raster.x0 = rate.x0 = left;
  raster.x1 = rate.x1 = c->w - 24;
  raster.y0 = top;
  raster.y1 = bottom - rate_h - 40;
  rate.y0 = bottom - rate_h;
  rate.y1 = bottom;
  bands b = {.n = s->nnames};
  b.size = calloc(b.n + 1, sizeof *b.size);
  b.top = calloc(b.n + 1, sizeof *b.top);
  b.height = calloc(b.n + 1, sizeof *b.height);
  if (b.size && b.top && b.height) {
    layout_bands(s, &raster, &b);
    draw_raster(c, s, &raster, &b, dt);
    draw_rates(c, s, &rate, &b, dt);
  }
  if (s->n == 0) c->text(c, (raster.x0 + raster.x1) / 2, (raster.y0 + raster.y1) / 2, "no spikes", 1, ANCHOR_MIDDLE, AXIS);
  free(b.size);
  free(b.top);
  free(b.height);
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

bool plot_write(const spike_list *s, const plot_options *o, const char *path, ir_diag *d) {
  int w = o->width > 0 ? o->width : 1000, h = o->height > 0 ? o->height : 640;
  FILE *f = fopen(path, "wb");
  if (!f) {
    ir_error(d, (ir_loc){.file = path}, "cannot write: %s", strerror(errno));
    return false;
  }
  bool ok;
  if (ends_with(path, ".png")) {
    canvas c = {px_rect, px_line, px_polyline, px_text, px_spikes_begin, px_spike, px_spikes_end, .w = w, .h = h};
    c.px = malloc((size_t)w * (size_t)h * 3);
    ok = c.px != NULL;
    if (ok) {
      draw_all(&c, s, o);
      ok = plot_png_encode(f, c.px, w, h);
    }
    free(c.px);
  } else {
    canvas c = {svg_rect, svg_line, svg_polyline, svg_text, svg_spikes_begin, svg_spike, svg_spikes_end, .svg = f,
                .w = w, .h = h};
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", w, h,
            w, h);
    draw_all(&c, s, o);
    fputs("</svg>\n", f);
    ok = !ferror(f);
  }
  ok = (fclose(f) == 0) && ok;
  if (!ok) ir_error(d, (ir_loc){.file = path}, "write error: %s", strerror(errno));
  return ok;
}
