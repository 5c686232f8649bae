/* cli_args.c — parsing of command-line option values shared by the astroc subcommands. */
#include "cli_args.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

bool cli_parse_uint(const char *s, uint64_t max, uint64_t *out) {
  if (!*s || *s == '-' || *s == '+' || *s == ' ') return false;
  int base = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, base);
  if (*end || errno || v > max) return false;
  *out = v;
  return true;
}

bool cli_parse_time_ms(const char *s, double *ms) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || !(v >= 0) || !isfinite(v)) return false;
  while (*end == ' ') end++;
  ir_dim dim;
  double f;
  if (!ir_unit_parse(end, &dim, &f) || !ir_dim_eq(dim, IR_DIM_TIME)) return false;
  *ms = v * f;
  return true;
}

bool cli_parse_numerics(const char *s, int *out) {
  if (strcmp(s, "float") == 0) *out = IR_NUMERICS_FLOAT;
  else if (strcmp(s, "fixed") == 0) *out = IR_NUMERICS_FIXED;
  else return false;
  return true;
}
