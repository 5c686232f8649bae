/* engine_serial.c — the serial engine: runs a module on an astroc FPGA board (rtl/fpga/) over the
 * serial host link (serial_link.h). The image is backends/verilog's load stream laid out for the
 * board's core (read from its CAPS register); input spikes are computed on the host, as the rtl engine
 * does, by an interp simulation of the inputs alone, and sent as delta-coded axon ids; many steps go
 * in one frame and come back as delta-coded spike records with empty steps run-length coded. */
#define _POSIX_C_SOURCE 200809L
#include "engine_serial.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "be_verilog.h"
#include "engine.h"
#include "host_inputs.h"
#include "fixed.h"
#include "rng.h"
#include "serial_link.h"

#define SERIAL_MAX_FRAME_STEPS 60000u /* the board counts steps of one frame in 16 bits */

typedef struct step_buf { /* the encoded instruction of one step, and its input events to report */
  uint8_t *code;
  size_t ncode;
  uint32_t **in_idx; /* [ninputs] */
  uint32_t *in_n;
} step_buf;

typedef struct serial_engine {
  rt_sim *sim;
  const ir_module *m;
  uint64_t step;
  be_vl_image *img;
  rt_link *link;
  rt_host_inputs in; /* input spikes and currents, computed on the host */
  int64_t *inj;
  uint8_t *forced;
  uint32_t *spk;
  uint32_t nin_max; /* input events a step may carry: 2^QW */
  step_buf *batch;  /* steps of the frame being built */
  uint32_t nbatch, capbatch;
  uint8_t *frame;
  uint32_t window;  /* steps per frame: adapts to how many records one answer holds */
  int32_t *st_u, *st_v, *st_ref;
  uint64_t st_step;
  rt_serial_info info;
} serial_engine;

static struct {
  char *dev;
  unsigned baud;
} g_opt = {NULL, 115200};

bool rt_serial_set_options(const char *device, unsigned baud) {
  free(g_opt.dev);
  g_opt.dev = NULL;
  if (device && !(g_opt.dev = strdup(device)))
    return false;
  g_opt.baud = baud ? baud : 115200;
  return true;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void free_batch(serial_engine *r) {
  for (uint32_t s = 0; s < r->capbatch; s++) {
    step_buf *b = &r->batch[s];
    free(b->code);
    for (uint32_t k = 0; b->in_idx && k < r->m->ninputs; k++)
      free(b->in_idx[k]);
    free(b->in_idx);
    free(b->in_n);
  }
  free(r->batch);
}

static void serial_destroy(void *e) {
  serial_engine *r = e;
  if (!r)
    return;
  rt_link_close(r->link);
  rt_host_inputs_destroy(&r->in);
  be_vl_image_destroy(r->img);
  if (r->batch)
    free_batch(r);
  free(r->inj);
  free(r->forced);
  free(r->spk);
  free(r->frame);
  free(r->st_u);
  free(r->st_v);
  free(r->st_ref);
  free(r);
}

/* ---------------------------------------------------------------- inputs on the host (as engine_rtl.c) */

/* ---------------------------------------------------------------- link helpers */

static bool transact(serial_engine *r, size_t n, const uint8_t **resp, size_t *rn, ir_diag *d) {
  if (rt_link_transact(r->link, r->frame, n, resp, rn))
    return true;
  ir_error(d, r->m->loc, "serial link: %s", rt_link_error(r->link));
  return false;
}

/* Answer header: status, steps executed (16 bits). */
static bool answer_header(serial_engine *r, const uint8_t *a, size_t n, unsigned *status, unsigned *steps,
                          ir_diag *d) {
  if (n < 3 || a[0] > 1) {
    ir_error(d, r->m->loc, "serial link: the board rejected a frame as malformed (status %u)", n ? a[0] : 0u);
    return false;
  }
  *status = a[0];
  *steps = (unsigned)a[1] | (unsigned)a[2] << 8;
  return true;
}

/* Generic core commands, as many per frame as the board's buffers allow; read results land in rd. */
static bool run_cmds(serial_engine *r, const be_vl_cmd *cmds, size_t n, uint64_t *rd, ir_diag *d) {
  size_t rxcap = rt_link_rx_capacity(r->link), txcap = rt_link_tx_capacity(r->link), k = 0, nr = 0;
  while (k < n) {
    size_t len = 0, room = txcap - 3, first = k;
    while (k < n && len + 21 <= rxcap) {
      bool rdop = cmds[k].op >= BE_VL_OP_RD_REG;
      if (rdop && room < 10)
        break;
      room -= rdop ? 10 : 0;
      r->frame[len++] = cmds[k].op;
      len += rt_link_put_varint(r->frame + len, cmds[k].addr);
      len += rt_link_put_varint(r->frame + len, cmds[k].data);
      k++;
    }
    const uint8_t *a;
    size_t an, pos = 3;
    unsigned status, steps;
    if (!transact(r, len, &a, &an, d) || !answer_header(r, a, an, &status, &steps, d))
      return false;
    for (size_t q = first; q < k; q++) {
      if (cmds[q].op < BE_VL_OP_RD_REG)
        continue;
      uint64_t v = 0;
      if (!rt_link_get_varint(a, an, &pos, &v)) {
        ir_error(d, r->m->loc, "serial link: the board's answer lacks a read result");
        return false;
      }
      if (rd)
        rd[nr] = v;
      nr++;
    }
  }
  return true;
}

static bool load_image(serial_engine *r, uint64_t seed, ir_diag *d) {
  be_vl_cmd q[2] = {{BE_VL_OP_RD_REG, BE_VL_REG_ID, 0}, {BE_VL_OP_RD_REG, BE_VL_REG_CAPS, 0}};
  uint64_t rd[2] = {0, 0};
  if (!run_cmds(r, q, 2, rd, d))
    return false;
  if (rd[0] != BE_VL_CORE_ID) {
    ir_error(d, r->m->loc, "the board answers but its core id is %llx, not an astroc accelerator (%x)",
             (unsigned long long)rd[0], BE_VL_CORE_ID);
    return false;
  }
  be_vl_caps caps = {.nw = rd[1] & 0xff, .aw = rd[1] >> 8 & 0xff, .sw = rd[1] >> 16 & 0xff,
                     .dw = rd[1] >> 24 & 0xff, .qw = rd[1] >> 32 & 0xff, .acc_w = rd[1] >> 40 & 0xff,
                     .pw = rd[1] >> 48 & 0xff, .tw = rd[1] >> 56 & 0xff};
  r->info.caps_nw = caps.nw, r->info.caps_aw = caps.aw, r->info.caps_sw = caps.sw;
  r->info.caps_dw = caps.dw, r->info.caps_qw = caps.qw, r->info.caps_acc_w = caps.acc_w;
  r->nin_max = 1u << caps.qw;
  if (!(r->img = be_vl_build(r->m, seed, &caps, d)))
    return false;
  return run_cmds(r, r->img->cmds, r->img->ncmds, NULL, d);
}

static void *serial_create(rt_sim *sim, const ir_module *m, ir_numerics numerics, uint64_t seed,
                           const rt_options *opt, ir_diag *d) {
  if (numerics != IR_NUMERICS_FIXED) {
    ir_error(d, m->loc, "the serial engine runs fixed numerics only (use --numerics fixed or network.numerics: fixed)");
    return NULL;
  }
  if (!g_opt.dev) {
    ir_error(d, m->loc, "the serial engine needs a device: --backend serial:DEV (e.g. serial:/dev/ttyUSB1)");
    return NULL;
  }
  unsigned before = ir_diag_error_count(d);
  serial_engine *r = calloc(1, sizeof(*r));
  if (!r)
    goto oom;
  r->sim = sim;
  r->m = m;
  r->st_step = UINT64_MAX;
  r->window = 64;
  if (!rt_host_inputs_create(&r->in, m, seed, opt, d))
    goto fail;
  char err[512];
  double t0 = now_s();
  if (!(r->link = rt_link_open(g_opt.dev, g_opt.baud, err, sizeof err))) {
    ir_error(d, m->loc, "%s", err);
    goto fail;
  }
  if (!(r->frame = malloc(rt_link_rx_capacity(r->link) + 32)))
    goto oom;
  if (!load_image(r, seed, d))
    goto fail;
  r->info.load_s = now_s() - t0;
  uint32_t n = r->img->nneur ? r->img->nneur : 1;
  r->inj = calloc(n, sizeof(*r->inj));
  r->forced = calloc(n, 1);
  r->spk = calloc(n, sizeof(*r->spk));
  r->st_u = calloc(n, sizeof(int32_t));
  r->st_v = calloc(n, sizeof(int32_t));
  r->st_ref = calloc(n, sizeof(int32_t));
  if (!r->inj || !r->forced || !r->spk || !r->st_u || !r->st_v || !r->st_ref)
    goto oom;
  return r;
oom:
  ir_error(d, m->loc, "out of memory creating the serial simulation");
fail:
  if (ir_diag_error_count(d) == before)
    ir_error(d, m->loc, "out of memory creating the serial simulation");
  serial_destroy(r);
  return NULL;
}

/* ---------------------------------------------------------------- steps */

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

static step_buf *batch_slot(serial_engine *r) {
  if (r->nbatch == r->capbatch) {
    uint32_t cap = r->capbatch ? 2 * r->capbatch : 64;
    step_buf *nb = realloc(r->batch, cap * sizeof *nb);
    if (!nb)
      return NULL;
    memset(nb + r->capbatch, 0, (cap - r->capbatch) * sizeof *nb);
    r->batch = nb;
    r->capbatch = cap;
  }
  step_buf *b = &r->batch[r->nbatch];
  if (!b->in_n) {
    uint32_t ni = r->m->ninputs ? r->m->ninputs : 1;
    if (!(b->in_n = calloc(ni, sizeof *b->in_n)) || !(b->in_idx = calloc(ni, sizeof *b->in_idx)))
      return NULL;
    for (uint32_t k = 0; k < r->m->ninputs; k++)
      if (!(b->in_idx[k] = calloc(r->m->inputs[k].size ? r->m->inputs[k].size : 1, sizeof(uint32_t))))
        return NULL;
  }
  return b;
}

/* Encodes the next step (inputs from the input simulation, injected currents, forced spikes) into the
 * batch. An empty step gets ncode 0 (sent as part of a STEPS run). */
static bool encode_step(serial_engine *r, ir_diag *d) {
  const ir_module *m = r->m;
  if (!rt_host_inputs_step(&r->in, d))
    return false;
  step_buf *b = batch_slot(r);
  if (!b) {
    ir_error(d, m->loc, "out of memory in the serial engine");
    return false;
  }
  uint64_t t = r->step + r->nbatch;
  uint32_t nin = 0, next = 0;
  for (uint32_t k = 0; k < m->ninputs; k++) {
    b->in_n[k] = r->in.n[k];
    memcpy(b->in_idx[k], r->in.idx[k], r->in.n[k] * sizeof(uint32_t));
    nin += r->in.n[k];
    int32_t p = m->inputs[k].inject_into;
    if (r->in.cur[k] && p >= 0)
      for (uint32_t q = 0; q < r->in.n[k]; q++)
        r->inj[r->img->pop_base[p] + r->in.idx[k][q]] += r->in.cur[k][r->in.idx[k][q]];
  }
  if (nin > r->nin_max) {
    ir_error(d, m->loc, "step %llu has %u input events; the board's input queue holds %u per step",
             (unsigned long long)t, nin, r->nin_max);
    return false;
  }
  for (uint32_t c = 0; c < r->img->nneur; c++)
    next += r->forced[c] || r->inj[c];
  free(b->code);
  b->code = NULL;
  b->ncode = 0;
  if (nin || next) {
    if (!(b->code = malloc(1 + 10 + (size_t)next * 20 + 10 + (size_t)nin * 10))) {
      ir_error(d, m->loc, "out of memory in the serial engine");
      return false;
    }
    uint8_t *p = b->code;
    size_t n = 0;
    p[n++] = RT_LINK_I_STEP;
    n += rt_link_put_varint(p + n, next);
    for (uint32_t c = 0; c < r->img->nneur; c++) {
      if (!r->forced[c] && !r->inj[c])
        continue;
      if (r->inj[c] > INT32_MAX || r->inj[c] < INT32_MIN) {
        ir_error(d, m->loc, "the injected current of compartment %u at step %llu exceeds the accelerator's 32-bit "
                 "injection word", c, (unsigned long long)t);
        return false;
      }
      n += rt_link_put_varint(p + n, c);
      n += rt_link_put_varint(p + n, be_vl_pack_ext(r->forced[c], r->inj[c]));
      r->forced[c] = 0;
      r->inj[c] = 0;
    }
    n += rt_link_put_varint(p + n, nin);
    uint32_t na = 0;
    uint32_t *tmp = malloc((nin ? nin : 1) * sizeof *tmp);
    if (!tmp) {
      ir_error(d, m->loc, "out of memory in the serial engine");
      return false;
    }
    for (uint32_t k = 0; k < m->ninputs; k++)
      for (uint32_t q = 0; q < r->in.n[k]; q++)
        tmp[na++] = r->img->input_base[k] + r->in.idx[k][q];
    qsort(tmp, na, sizeof *tmp, cmp_u32);
    for (uint32_t q = 0, prev = 0; q < na; prev = tmp[q], q++)
      n += rt_link_put_varint(p + n, tmp[q] - prev);
    free(tmp);
    b->ncode = n;
    if (n > rt_link_rx_capacity(r->link)) {
      ir_error(d, m->loc, "step %llu needs %zu bytes of link instructions; the board's receive buffer holds %u",
               (unsigned long long)t, n, rt_link_rx_capacity(r->link));
      return false;
    }
    r->info.in_events += nin;
  }
  r->nbatch++;
  return true;
}

/* Builds a frame from batch[from..): STEP instructions and STEPS runs, as many as fit. */
static size_t build_frame(serial_engine *r, uint32_t from, uint32_t *nsteps) {
  size_t cap = rt_link_rx_capacity(r->link), n = 0;
  uint32_t s = from, max = r->window < SERIAL_MAX_FRAME_STEPS ? r->window : SERIAL_MAX_FRAME_STEPS;
  while (s < r->nbatch && s - from < max) {
    if (r->batch[s].ncode == 0) {
      uint32_t e = s;
      while (e < r->nbatch && r->batch[e].ncode == 0 && e - from < max)
        e++;
      if (n + 11 > cap)
        break;
      r->frame[n++] = RT_LINK_I_STEPS;
      n += rt_link_put_varint(r->frame + n, e - s);
      s = e;
    } else {
      if (n + r->batch[s].ncode > cap)
        break;
      memcpy(r->frame + n, r->batch[s].code, r->batch[s].ncode);
      n += r->batch[s].ncode;
      s++;
    }
  }
  *nsteps = s - from;
  return n;
}

static bool emit_step(serial_engine *r, uint64_t t, const step_buf *b, uint32_t nspk) {
  const ir_module *m = r->m;
  uint32_t q = 0;
  for (uint32_t p = 0; p < m->npops; p++) {
    uint32_t base = r->img->pop_base[p], end = base + m->pops[p].size, first = q;
    while (q < nspk && r->spk[q] < end)
      r->spk[q++] -= base;
    if (q > first)
      rt_sim_emit_spikes(r->sim, t, (ir_ref){IR_NODE_POPULATION, p}, r->spk + first, q - first);
  }
  for (uint32_t k = 0; k < m->ninputs; k++)
    if (b->in_n[k])
      rt_sim_emit_spikes(r->sim, t, (ir_ref){IR_NODE_INPUT, k}, b->in_idx[k], b->in_n[k]);
  r->info.out_events += nspk;
  rt_sim_emit_step(r->sim, t);
  return true;
}

/* Decodes the spike records of `steps` steps starting at batch[from]. */
static bool decode(serial_engine *r, const uint8_t *a, size_t an, uint32_t from, unsigned steps, ir_diag *d) {
  size_t pos = 3;
  uint64_t empty_run = 0;
  for (unsigned s = 0; s < steps; s++) {
    uint64_t t = r->step, n = 0;
    if (empty_run == 0) {
      if (!rt_link_get_varint(a, an, &pos, &n))
        goto bad;
      if (n == 0) {
        if (!rt_link_get_varint(a, an, &pos, &empty_run) || empty_run == 0)
          goto bad;
      }
    }
    if (empty_run) {
      empty_run--;
      n = 0;
    } else {
      if (n > r->img->nneur)
        goto bad;
      uint64_t id = 0;
      for (uint64_t q = 0; q < n; q++) {
        uint64_t delta;
        if (!rt_link_get_varint(a, an, &pos, &delta))
          goto bad;
        id += delta;
        if (id >= r->img->nneur || (q && delta == 0))
          goto bad;
        r->spk[q] = (uint32_t)id;
      }
    }
    emit_step(r, t, &r->batch[from + s], (uint32_t)n);
    r->step = t + 1;
  }
  if (empty_run || pos != an)
    goto bad;
  return true;
bad:
  ir_error(d, r->m->loc, "serial link: the board's spike records do not decode (%zu of %zu bytes read)", pos, an);
  return false;
}

static bool flush_batch(serial_engine *r, ir_diag *d) {
  uint32_t from = 0;
  while (from < r->nbatch) {
    uint32_t nsteps;
    size_t n = build_frame(r, from, &nsteps);
    const uint8_t *a;
    size_t an;
    unsigned status, steps;
    if (!transact(r, n, &a, &an, d) || !answer_header(r, a, an, &status, &steps, d))
      return false;
    if (steps > nsteps || (status == 0 && steps != nsteps) || (status == 1 && steps == nsteps)) {
      ir_error(d, r->m->loc, "serial link: the board ran %u of %u steps (status %u)", steps, nsteps, status);
      return false;
    }
    /* Stopped early: the remaining steps (and the rest of a STEPS run) go again from batch[from + steps]. */
    r->info.truncated += status == 1;
    /* Flow control: a frame stopped early sets the window just above what one answer held (so little is
     * sent twice); a complete one doubles it. */
    if (status == 1)
      r->window = steps + 1;
    else if (r->window < SERIAL_MAX_FRAME_STEPS / 2)
      r->window *= 2;
    if (!decode(r, a, an, from, steps, d))
      return false;
    from += steps;
  }
  r->nbatch = 0;
  return true;
}

static bool serial_run(void *e, uint64_t nsteps, ir_diag *d) {
  serial_engine *r = e;
  double t0 = now_s();
  const rt_link_stats *st = rt_link_get_stats(r->link);
  uint64_t out0 = st->bytes_out, in0 = st->bytes_in;
  bool ok = true;
  for (uint64_t k = 0; ok && k < nsteps; k++) {
    ok = encode_step(r, d);
    if (ok && (r->nbatch >= 4096 || k + 1 == nsteps))
      ok = flush_batch(r, d);
  }
  r->info.steps = r->step;
  r->info.run_s += now_s() - t0;
  r->info.run_bytes_out += st->bytes_out - out0;
  r->info.run_bytes_in += st->bytes_in - in0;
  return ok;
}

static uint64_t serial_steps(const void *e) { return ((const serial_engine *)e)->step; }

static bool serial_inject(void *e, ir_ref source, uint32_t idx) {
  serial_engine *r = e;
  if (source.kind == IR_NODE_INPUT)
    return rt_host_inputs_inject(&r->in, source, idx);
  if (source.kind != IR_NODE_POPULATION || source.index >= r->m->npops || idx >= r->m->pops[source.index].size)
    return false;
  r->forced[r->img->pop_base[source.index] + idx] = 1;
  return true;
}

/* ---------------------------------------------------------------- state */

static const char *const pop_vars[] = {"v", "u", "ref"};

static const char *const *serial_state_vars(const void *e, ir_ref node, size_t *n) {
  const serial_engine *r = e;
  bool pop = node.kind == IR_NODE_POPULATION && node.index < r->m->npops;
  *n = pop ? 3 : 0;
  return pop ? pop_vars : NULL;
}

static int var_index(const serial_engine *r, ir_ref node, const char *var) {
  if (node.kind != IR_NODE_POPULATION || node.index >= r->m->npops)
    return -1;
  for (int k = 0; k < 3; k++)
    if (strcmp(var, pop_vars[k]) == 0)
      return k;
  return -1;
}

static bool serial_state_size(const void *e, ir_ref node, const char *var, uint64_t *n) {
  const serial_engine *r = e;
  if (var_index(r, node, var) < 0)
    return false;
  *n = r->m->pops[node.index].size;
  return true;
}

static bool read_all(serial_engine *r) {
  if (r->st_step == r->step)
    return true;
  uint32_t n = r->img->nneur;
  be_vl_cmd *q = calloc(n ? n : 1, sizeof *q);
  uint64_t *w = calloc(n ? n : 1, sizeof *w);
  ir_diag *d = ir_diag_create(NULL);
  bool ok = q && w && d;
  for (uint32_t c = 0; ok && c < n; c++)
    q[c] = (be_vl_cmd){BE_VL_OP_RD_STATE, c, 0};
  ok = ok && run_cmds(r, q, n, w, d);
  for (uint32_t c = 0; ok && c < n; c++) {
    r->st_u[c] = BE_VL_STATE_U(w[c]);
    r->st_v[c] = BE_VL_STATE_V(w[c]);
    r->st_ref[c] = BE_VL_STATE_REF(w[c]);
  }
  if (ok)
    r->st_step = r->step;
  ir_diag_destroy(d);
  free(q);
  free(w);
  return ok;
}

static bool serial_read_state(const void *e, ir_ref node, const char *var, double *out) {
  serial_engine *r = (serial_engine *)e; /* reading the board changes no state, only the link's counters */
  int k = var_index(r, node, var);
  if (k < 0 || !read_all(r))
    return false;
  const int32_t *src = k == 0 ? r->st_v : k == 1 ? r->st_u : r->st_ref;
  uint32_t base = r->img->pop_base[node.index];
  for (uint32_t i = 0; i < r->m->pops[node.index].size; i++)
    out[i] = src[base + i];
  return true;
}

static bool serial_save(const void *e, FILE *f, ir_diag *d) {
  const serial_engine *r = e;
  (void)f;
  ir_error(d, r->m->loc, "checkpoints are not supported by the serial engine yet");
  return false;
}

static bool serial_restore(void *e, FILE *f, ir_diag *d) { return serial_save(e, f, d); }

bool rt_serial_info_get(rt_sim *s, rt_serial_info *out) {
  serial_engine *r = rt_sim_engine_state(s, "serial");
  if (!r)
    return false;
  *out = r->info;
  const rt_link_stats *st = rt_link_get_stats(r->link);
  out->frames = st->frames;
  out->retransmits = st->retransmits;
  out->naks = st->naks;
  out->bad_frames = st->bad_frames;
  out->timeouts = st->timeouts;
  out->bytes_out = st->bytes_out;
  out->bytes_in = st->bytes_in;
  return true;
}

const rt_engine_ops rt_engine_serial = {
    .name = "serial",
    .create = serial_create,
    .run = serial_run,
    .steps = serial_steps,
    .inject = serial_inject,
    .state_vars = serial_state_vars,
    .state_size = serial_state_size,
    .read_state = serial_read_state,
    .save = serial_save,
    .restore = serial_restore,
    .destroy = serial_destroy,
};
