/* t_example.h — loading a model of the source tree (examples/...) through the whole compiler pipeline,
 * for the suites that run the shipped examples. */
#ifndef ASTROC_T_EXAMPLE_H
#define ASTROC_T_EXAMPLE_H

#include "ir.h"

/* rel is relative to the source root (set by meson when the library is built). Fails the test on any
 * diagnostic error: the examples must always compile. The caller owns the module. */
ir_module *t_load_example(const char *rel);

#endif
