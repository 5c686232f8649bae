/* input_dataset.c — the hook through which dataset inputs (MNIST, Fashion-MNIST) feed the interp
 * engine. This build has no dataset loaders: opening a dataset input reports that cleanly. A loader
 * implements these three functions: open (load the split, set up the encoding), step (fill
 * in->src->spk for step s->step, keyed by RNG_STREAM(RNG_KIND_INPUT, in->index) like poisson inputs),
 * close. */
#include "interp.h"

void *rt_input_dataset_open(rt_interp *s, rt_input *in, ir_diag *d) {
  (void)s;
  ir_error(d, in->ii->loc, "input '%s': dataset inputs are not supported yet by this build", in->ii->name);
  return NULL;
}

bool rt_input_dataset_step(rt_interp *s, rt_input *in, ir_diag *d) {
  (void)s;
  ir_error(d, in->ii->loc, "input '%s': dataset inputs are not supported yet by this build", in->ii->name);
  return false;
}

void rt_input_dataset_close(void *ds) { (void)ds; }
