/* cli_args.h — parsing of command-line option values shared by the astroc subcommands. */
#ifndef ASTROC_CLI_ARGS_H
#define ASTROC_CLI_ARGS_H

#include <stdbool.h>
#include <stdint.h>

/* A decimal (or 0x-prefixed hexadecimal) integer in [0, max]; no sign, no trailing text. */
bool cli_parse_uint(const char *s, uint64_t max, uint64_t *out);
/* A non-negative time with a unit ("250 ms", "250ms", "1.5 s"), converted to milliseconds. */
bool cli_parse_time_ms(const char *s, double *ms);
/* "float" or "fixed" -> the ir_numerics value. */
bool cli_parse_numerics(const char *s, int *out);

#endif
