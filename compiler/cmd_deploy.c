/* cmd_deploy.c — `astroc deploy`: load an image onto an astroc FPGA board over its serial link, run
 * it, and report the spikes and the link's achieved event rate (docs/fpga.md). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "astroc_rt.h"
#include "commands.h"
#include "engine_serial.h"
#include "spikes_io.h"

typedef struct deploy_opts {
  const char *input, *port, *spikes;
  unsigned baud;
  uint64_t steps;
  bool steps_set, quiet;
  char dir_image[4096];
} deploy_opts;

typedef struct deploy_ctx {
  const ir_module *m;
  FILE *csv;
} deploy_ctx;

static void on_spikes(void *ctx, uint64_t step, ir_ref src, const uint32_t *idx, uint32_t n) {
  deploy_ctx *c = ctx;
  if (!c->csv || src.kind != IR_NODE_POPULATION)
    return;
  for (uint32_t k = 0; k < n; k++)
    fprintf(c->csv, "%" PRIu64 ",%s,%u\n", step, c->m->pops[src.index].name, idx[k]);
}

static int parse_args(int argc, char **argv, deploy_opts *o) {
  o->baud = 115200;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool v = i + 1 < argc;
    if (strcmp(a, "--port") == 0 && v) o->port = argv[++i];
    else if (strcmp(a, "--baud") == 0 && v) {
      char *end;
      unsigned long b = strtoul(argv[++i], &end, 10);
      if (*end || b == 0 || b > 4000000)
        return cmd_usage(&cmd_deploy_desc, "--baud needs a baud rate such as 115200, got '%s'", argv[i]);
      o->baud = (unsigned)b;
    } else if (strcmp(a, "--steps") == 0 && v) {
      char *end;
      errno = 0;
      o->steps = strtoull(argv[++i], &end, 10);
      if (*end || errno || argv[i][0] == '-')
        return cmd_usage(&cmd_deploy_desc, "--steps needs a non-negative integer, got '%s'", argv[i]);
      o->steps_set = true;
    } else if (strcmp(a, "--spikes") == 0 && v) o->spikes = argv[++i];
    else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) o->quiet = true;
    else if (a[0] == '-' && a[1]) return cmd_usage(&cmd_deploy_desc, "unknown option '%s' (or missing value)", a);
    else if (!o->input) o->input = a;
    else return cmd_usage(&cmd_deploy_desc, "one image at a time (got '%s' and '%s')", o->input, a);
  }
  if (!o->input) return cmd_usage(&cmd_deploy_desc, "missing IMAGE (a .aimg file, a compiled folder or a model)");
  if (!o->port) return cmd_usage(&cmd_deploy_desc, "missing --port DEV (e.g. /dev/ttyUSB1)");
  struct stat st;
  if (stat(o->input, &st) == 0 && S_ISDIR(st.st_mode)) {
    snprintf(o->dir_image, sizeof o->dir_image, "%s/network.aimg", o->input);
    o->input = o->dir_image;
  }
  return EXIT_OK;
}

/* The UART carries baud / 10 bytes a second each way. Full duplex bounds the run by the busier
 * direction; stop-and-wait (one frame in flight) by the sum of both. */
static void report(const deploy_opts *o, const rt_serial_info *in, uint64_t steps) {
  double events = (double)(in->in_events + in->out_events);
  double rate = in->run_s > 0 ? events / in->run_s : 0;
  double bps = o->baud / 10.0, bout = (double)in->run_bytes_out, bin = (double)in->run_bytes_in;
  double busier = bout > bin ? bout : bin;
  printf("board       core of %u compartments, %u axons, %u synapses (CAPS register)\n", 1u << in->caps_nw,
         1u << in->caps_aw, 1u << in->caps_sw);
  printf("load        %.3f s\n", in->load_s);
  printf("run         %" PRIu64 " steps in %.3f s: %" PRIu64 " input events sent, %" PRIu64 " spikes received\n",
         steps, in->run_s, in->in_events, in->out_events);
  printf("link        %" PRIu64 " frames, %" PRIu64 " bytes out, %" PRIu64 " bytes in, %" PRIu64
         " retransmissions (%" PRIu64 " NAKs, %" PRIu64 " bad answers, %" PRIu64 " timeouts), %" PRIu64
         " answers stopped early\n",
         in->frames, in->bytes_out, in->bytes_in, in->retransmits, in->naks, in->bad_frames, in->timeouts,
         in->truncated);
  printf("achieved    %.0f events/s; the run sent %.0f and received %.0f bytes (%.2f bytes per input event, "
         "%.2f per spike)\n", rate, bout, bin, in->in_events ? bout / (double)in->in_events : 0.0,
         in->out_events ? bin / (double)in->out_events : 0.0);
  if (events > 0 && busier > 0)
    printf("uart bound  %u baud = %.0f bytes/s each way: %.0f events/s full duplex, %.0f stop-and-wait "
           "(2-byte raw events: %.0f)\n", o->baud, bps, bps * events / busier, bps * events / (bout + bin),
           bps / 2);
}

int cmd_deploy(int argc, char **argv) {
  deploy_opts o = {0};
  int st = parse_args(argc, argv, &o);
  if (st != EXIT_OK)
    return st;
  ir_diag *d = ir_diag_create(stderr);
  if (!d || !rt_serial_set_options(o.port, o.baud)) {
    ir_diag_destroy(d);
    return EXIT_INTERNAL;
  }
  cli_load_options lo = {.numerics = IR_NUMERICS_FIXED};
  bool is_image;
  ir_module *m = cli_load(o.input, &lo, &is_image, d);
  rt_sim *sim = NULL;
  deploy_ctx c = {.m = m};
  st = EXIT_INPUT;
  if (!m)
    goto done;
  uint64_t steps = o.steps;
  if (!o.steps_set) {
    if (!(m->duration > 0)) {
      fputs("astroc: error: the model gives no network.duration: say how long to run with --steps N\n", stderr);
      goto done;
    }
    steps = (uint64_t)llround(m->duration / m->dt);
  }
  if (o.spikes && !(c.csv = fopen(o.spikes, "w"))) {
    fprintf(stderr, "astroc: error: cannot write %s: %s\n", o.spikes, strerror(errno));
    goto done;
  }
  if (c.csv)
    fputs("step,population,neuron\n", c.csv);
  rt_options ro = {.engine = "serial", .numerics = IR_NUMERICS_FIXED};
  if (!(sim = rt_sim_create(m, &ro, d)))
    goto done;
  rt_sim_on_spikes(sim, on_spikes, &c);
  if (!rt_sim_run(sim, steps, d))
    goto done;
  rt_serial_info info;
  if (!rt_serial_info_get(sim, &info)) {
    st = EXIT_INTERNAL;
    goto done;
  }
  if (!o.quiet)
    report(&o, &info, steps);
  st = EXIT_OK;
done:
  if (c.csv && fclose(c.csv) != 0 && st == EXIT_OK) {
    fprintf(stderr, "astroc: error: cannot write %s\n", o.spikes);
    st = EXIT_INPUT;
  }
  if (st == EXIT_INPUT && d && ir_diag_error_count(d) == 0 && !m)
    st = EXIT_INTERNAL;
  rt_sim_destroy(sim);
  ir_module_destroy(m);
  ir_diag_destroy(d);
  return st;
}

const command cmd_deploy_desc = {
    "deploy",
    "astroc deploy IMAGE --port DEV [--baud B] [--steps N] [--spikes FILE.csv]",
    "load an image onto an FPGA board over its serial link, run it and report the event rate",
    "options:\n"
    "  IMAGE            a .aimg image, a folder from astroc compile, or a model YAML (fixed numerics)\n"
    "  --port DEV       the board's serial device (iCEBreaker: the second FTDI port, often /dev/ttyUSB1)\n"
    "  --baud B         the bitstream's baud rate (astroc synth --baud; default 115200)\n"
    "  --steps N        steps to run (default: network.duration)\n"
    "  --spikes FILE    write the spikes as CSV 'step,population,neuron'\n"
    "  -q, --quiet      no report\n"
    "\n"
    "Loads the network into the board's memories (the accelerator's load stream, laid out for the core\n"
    "the board reports), streams the inputs computed on the host, and reads back the spikes; the raster\n"
    "is the one `astroc run --backend interp --numerics fixed` gives. Reports the link's frames,\n"
    "retransmissions and achieved events/s against the UART's bound. Protocol: docs/fpga.md.\n"
    "Exit status: 0 ok, 1 error in the input or no board answering, 2 usage error, 3 internal error.\n"
    "\nexamples:\n"
    "  astroc synth --board icebreaker -o ice && iceprog ice/astro.bin\n"
    "  astroc deploy examples/lif_small.yaml --port /dev/ttyUSB1 --steps 1000 --spikes spikes.csv\n",
    cmd_deploy,
};
