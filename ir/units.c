/* units.c — dimensions and unit strings; everything is stored in ms, mV, nA, uM. */
#include "ir.h"

#include <string.h>

bool ir_dim_eq(ir_dim a, ir_dim b) {
  return a.time == b.time && a.volt == b.volt && a.curr == b.curr && a.conc == b.conc;
}

typedef struct unit_atom {
  const char *name;
  ir_dim dim;
  double factor; /* to canonical */
} unit_atom;

/* Atoms a unit expression is built from. "u" spellings stand for micro. */
static const unit_atom atoms[] = {
    {"s", {1, 0, 0, 0}, 1e3},      {"ms", {1, 0, 0, 0}, 1.0},     {"us", {1, 0, 0, 0}, 1e-3},
    {"min", {1, 0, 0, 0}, 6e4},    {"Hz", {-1, 0, 0, 0}, 1e-3},   {"kHz", {-1, 0, 0, 0}, 1.0},
    {"V", {0, 1, 0, 0}, 1e3},      {"mV", {0, 1, 0, 0}, 1.0},     {"uV", {0, 1, 0, 0}, 1e-3},
    {"A", {0, 0, 1, 0}, 1e9},      {"mA", {0, 0, 1, 0}, 1e6},     {"uA", {0, 0, 1, 0}, 1e3},
    {"nA", {0, 0, 1, 0}, 1.0},     {"pA", {0, 0, 1, 0}, 1e-3},    {"M", {0, 0, 0, 1}, 1e6},
    {"mM", {0, 0, 0, 1}, 1e3},     {"uM", {0, 0, 0, 1}, 1.0},     {"nM", {0, 0, 0, 1}, 1e-3},
};

static ir_dim dim_add(ir_dim a, ir_dim b, int sign) {
  return (ir_dim){(int8_t)(a.time + sign * b.time), (int8_t)(a.volt + sign * b.volt),
                  (int8_t)(a.curr + sign * b.curr), (int8_t)(a.conc + sign * b.conc)};
}

/* Grammar: expr := term (('*'|'/') term)* ; term := atom | '1' | '(' expr ')'.
 * Division applies to the next term only, so "1/(uM*ms)" and "uM/ms" both work. */
typedef struct unit_parser {
  const char *p;
} unit_parser;

static bool parse_expr(unit_parser *up, ir_dim *dim, double *factor);

static bool parse_term(unit_parser *up, ir_dim *dim, double *factor) {
  while (*up->p == ' ') up->p++;
  if (*up->p == '(') {
    up->p++;
    if (!parse_expr(up, dim, factor)) return false;
    while (*up->p == ' ') up->p++;
    if (*up->p != ')') return false;
    up->p++;
    return true;
  }
  if (*up->p == '1' && !(up->p[1] >= '0' && up->p[1] <= '9')) {
    up->p++;
    *dim = IR_DIM_NONE;
    *factor = 1.0;
    return true;
  }
  size_t n = 0;
  while ((up->p[n] >= 'a' && up->p[n] <= 'z') || (up->p[n] >= 'A' && up->p[n] <= 'Z')) n++;
  for (size_t i = 0; i < sizeof atoms / sizeof atoms[0]; i++) {
    if (strlen(atoms[i].name) == n && strncmp(atoms[i].name, up->p, n) == 0) {
      up->p += n;
      *dim = atoms[i].dim;
      *factor = atoms[i].factor;
      return true;
    }
  }
  return false;
}

static bool parse_expr(unit_parser *up, ir_dim *dim, double *factor) {
  if (!parse_term(up, dim, factor)) return false;
  for (;;) {
    while (*up->p == ' ') up->p++;
    char op = *up->p;
    if (op != '*' && op != '/') return true;
    up->p++;
    ir_dim d;
    double f;
    if (!parse_term(up, &d, &f)) return false;
    *dim = dim_add(*dim, d, op == '*' ? 1 : -1);
    *factor = op == '*' ? *factor * f : *factor / f;
  }
}

bool ir_unit_parse(const char *unit, ir_dim *dim, double *to_canonical) {
  unit_parser up = {unit};
  ir_dim d;
  double f;
  if (!parse_expr(&up, &d, &f)) return false;
  while (*up.p == ' ') up.p++;
  if (*up.p != '\0') return false;
  *dim = d;
  *to_canonical = f;
  return true;
}

typedef struct named_dim {
  ir_dim dim;
  const char *name, *unit;
  double print_factor;
} named_dim;

static const named_dim named[] = {
    {{0, 0, 0, 0}, "dimensionless", "", 1.0},
    {{1, 0, 0, 0}, "time", "ms", 1.0},
    {{-1, 0, 0, 0}, "frequency", "Hz", 1e3},
    {{0, 1, 0, 0}, "voltage", "mV", 1.0},
    {{0, 0, 1, 0}, "current", "nA", 1.0},
    {{0, 0, 0, 1}, "concentration", "uM", 1.0},
    {{-1, 0, 0, 1}, "concentration/time", "uM/ms", 1.0},
    {{-1, 0, 0, -1}, "1/(concentration*time)", "1/(uM*ms)", 1.0},
};

static const named_dim *find_named(ir_dim d) {
  for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
    if (ir_dim_eq(named[i].dim, d)) return &named[i];
  return NULL;
}

const char *ir_dim_name(ir_dim d) {
  const named_dim *n = find_named(d);
  return n ? n->name : "compound dimension";
}

const char *ir_unit_canonical(ir_dim d) {
  const named_dim *n = find_named(d);
  IR_ASSERT(n != NULL); /* every dimension the model tables use is named above */
  return n->unit;
}

double ir_unit_print_factor(ir_dim d) {
  const named_dim *n = find_named(d);
  return n ? n->print_factor : 1.0;
}
