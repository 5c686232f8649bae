/* engine_serial.h — options and run statistics of the serial engine (an astroc FPGA board behind a
 * serial link, runtime/serial_link.h), which rt_options does not carry. */
#ifndef ASTROC_RT_ENGINE_SERIAL_H
#define ASTROC_RT_ENGINE_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

#include "astroc_rt.h"

/* Sets, for serial engines created afterwards in this process, the device (copied) and baud.
 * false on out of memory. */
bool rt_serial_set_options(const char *device, unsigned baud);

typedef struct rt_serial_info {
  uint64_t steps;          /* steps run on the board */
  uint64_t in_events;      /* input spikes sent */
  uint64_t out_events;     /* spikes received */
  uint64_t frames, retransmits, naks, bad_frames, timeouts, bytes_out, bytes_in;
  uint64_t run_bytes_out, run_bytes_in; /* bytes of the run() calls only (not the load or state reads) */
  uint64_t truncated;      /* answers that stopped early for lack of buffer room (steps sent again) */
  double load_s, run_s;    /* wall time loading the image, and inside run() */
  unsigned caps_nw, caps_aw, caps_sw, caps_dw, caps_qw, caps_acc_w; /* the board's core */
} rt_serial_info;
/* Statistics of a simulation running on the serial engine; false when `s` does not run on it. */
bool rt_serial_info_get(rt_sim *s, rt_serial_info *out);

#endif
