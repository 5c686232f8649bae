/* cmd_plot.c — `astroc plot`: a spike file (CSV or .npy from `astroc run`) to an SVG or PNG raster. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"
#include "commands.h"
#include "plot.h"
#include "spikes_io.h"

int cmd_plot(int argc, char **argv) {
  const char *in = NULL, *out = NULL;
  plot_options o = {.dt_ms = 1.0};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool v = i + 1 < argc;
    if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && v) out = argv[++i];
    else if (strcmp(a, "--title") == 0 && v) o.title = argv[++i];
    else if (strcmp(a, "--dt") == 0 && v) {
      if (!cli_parse_time_ms(argv[++i], &o.dt_ms) || o.dt_ms <= 0)
        return cmd_usage(&cmd_plot_desc, "--dt needs a positive time, e.g. '1 ms', got '%s'", argv[i]);
    } else if (strcmp(a, "--from") == 0 && v) {
      if (!cli_parse_time_ms(argv[++i], &o.from_ms))
        return cmd_usage(&cmd_plot_desc, "--from needs a time, e.g. '100 ms', got '%s'", argv[i]);
      o.from_set = true;
    } else if (strcmp(a, "--to") == 0 && v) {
      if (!cli_parse_time_ms(argv[++i], &o.to_ms))
        return cmd_usage(&cmd_plot_desc, "--to needs a time, e.g. '200 ms', got '%s'", argv[i]);
      o.to_set = true;
    } else if ((strcmp(a, "--width") == 0 || strcmp(a, "--height") == 0) && v) {
      char *end;
      long n = strtol(argv[++i], &end, 10);
      if (*end || n < 200 || n > 8000) return cmd_usage(&cmd_plot_desc, "%s needs 200..8000 pixels", a);
      if (a[2] == 'w') o.width = (int)n;
      else o.height = (int)n;
    } else if (a[0] == '-' && a[1]) return cmd_usage(&cmd_plot_desc, "unknown option '%s' (or missing value)", a);
    else if (!in) in = a;
    else return cmd_usage(&cmd_plot_desc, "one spike file at a time (got '%s' and '%s')", in, a);
  }
  if (!in) return cmd_usage(&cmd_plot_desc, "missing SPIKES.csv or SPIKES.npy");
  if (!out) return cmd_usage(&cmd_plot_desc, "missing -o FILE.svg or -o FILE.png");
  if (o.from_set && o.to_set && !(o.to_ms > o.from_ms))
    return cmd_usage(&cmd_plot_desc, "--to must be later than --from");
  ir_diag *d = ir_diag_create(stderr);
  if (!d) return EXIT_INTERNAL;
  spike_list s;
  int rc = EXIT_OK;
  if (!spike_list_read(in, &s, d)) rc = EXIT_INPUT;
  else {
    if (!plot_write(&s, &o, out, d)) rc = EXIT_INPUT;
    spike_list_free(&s);
  }
  ir_diag_destroy(d);
  return rc;
}

const command cmd_plot_desc = {
    "plot",
    "astroc plot SPIKES.csv|SPIKES.npy -o FILE.svg|FILE.png [--title T] [--dt 1ms] [--from T] [--to T]",
    "draw a spike raster with population-rate traces (SVG or PNG)",
    "options:\n"
    "  -o, --output FILE   FILE.png (PNG) or anything else (SVG)\n"
    "  --title T           a title above the plot\n"
    "  --dt T              the step length of the run (default 1 ms): spike files hold steps\n"
    "  --from T, --to T    the time window to draw (default: 0 to the last spike's step)\n"
    "  --width N, --height N   picture size in pixels (default 1000 x 640)\n"
    "\n"
    "Bands are ordered as in the model and sized by the highest neuron index seen in the file.\n"
    "Rates are spikes per neuron per second in bins of one pixel (at least one step), smoothed by\n"
    "a centred window of about 5 ms. Exit status: 0 ok, 1 bad input file or write error, 2 usage.\n"
    "\nexample:\n  astroc run examples/cuba.yaml --spikes cuba.csv && astroc plot cuba.csv --dt 0.1ms -o cuba.png\n",
    cmd_plot,
};
