/* engine_rtl.h — options of the rtl engine (the Verilator model of the accelerator) that rt_options
 * does not carry. */
#ifndef ASTROC_RT_ENGINE_RTL_H
#define ASTROC_RT_ENGINE_RTL_H

#include <stdint.h>

/* Sets, for rtl engines created afterwards in this process, an FST waveform file (NULL: none) and the
 * initial value of every register and memory bit (0 zeros, 1 ones, 2 random with `seed`). The path
 * is copied. Returns false on out of memory. */
_Bool rt_rtl_set_options(const char *fst_path, int rand_reset, uint64_t seed);

#endif
