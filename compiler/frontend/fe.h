/* fe.h — the YAML frontend: model files (docs/language.md) to IR modules. */
#ifndef ASTROC_FE_H
#define ASTROC_FE_H

#include <stddef.h>

#include "ir.h"

/* Reads and parses the model file at `path`. Registers the file's text with ir_diag_add_source so
 * diagnostics quote the offending line. Relative `file:` paths resolve against the file's folder.
 * Returns NULL if any error was reported (after reporting as many as it could, including a failure
 * to read the file); otherwise a module the caller owns and frees with ir_module_destroy. */
ir_module *fe_yaml_load(const char *path, ir_diag *d);

/* Parses `len` bytes of model text. `filename` is used in locations (and, without a `network.name`,
 * for the module name: its stem); `basedir` is the folder `file:` paths are relative to (NULL: ".").
 * Does not register the text with d. Same return contract as fe_yaml_load. */
ir_module *fe_yaml_parse(const char *text, size_t len, const char *filename, const char *basedir, ir_diag *d);

#endif
