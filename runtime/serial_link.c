/* serial_link.c — the host side of the FPGA link: device set-up, frame encoding and parsing, and the
 * stop-and-wait retransmission loop (docs/fpga.md, "Protocol"). */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* cfmakeraw, B921600 and up */
#endif
#include "serial_link.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define LINK_MAX_PAYLOAD 65535u
#define LINK_ATTEMPTS 16
#define LINK_BYTE_GAP_MS 200 /* silence inside a frame that makes it bad */

struct rt_link {
  int fd;
  uint8_t seq;
  uint32_t rxcap, txcap, worst;
  int timeout_ms;
  uint8_t *out;  /* frame being sent */
  uint8_t *in;   /* answer payload */
  size_t in_len;
  rt_link_stats st;
  char err[256];
};

uint16_t rt_link_crc16(uint16_t crc, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    crc ^= (uint16_t)(p[i] << 8);
    for (int b = 0; b < 8; b++)
      crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
  }
  return crc;
}

size_t rt_link_put_varint(uint8_t *p, uint64_t v) {
  size_t k = 0;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    p[k++] = (uint8_t)(b | (v ? 0x80 : 0));
  } while (v);
  return k;
}

bool rt_link_get_varint(const uint8_t *p, size_t n, size_t *pos, uint64_t *v) {
  uint64_t x = 0;
  for (unsigned k = 0; k < 10; k++) {
    if (*pos >= n)
      return false;
    uint8_t b = p[(*pos)++];
    x |= (uint64_t)(b & 0x7f) << (7 * k);
    if (!(b & 0x80)) {
      *v = x;
      return true;
    }
  }
  return false;
}

static void set_err(rt_link *l, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(l->err, sizeof l->err, fmt, ap);
  va_end(ap);
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static speed_t baud_code(unsigned baud) {
  static const struct { unsigned b; speed_t c; } t[] = {
      {9600, B9600}, {19200, B19200}, {38400, B38400}, {57600, B57600}, {115200, B115200},
      {230400, B230400}, {460800, B460800}, {500000, B500000}, {921600, B921600}, {1000000, B1000000},
      {2000000, B2000000}, {3000000, B3000000}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (t[i].b == baud)
      return t[i].c;
  return 0;
}

static bool write_all(rt_link *l, const uint8_t *p, size_t n) {
  while (n) {
    ssize_t w = write(l->fd, p, n);
    if (w < 0 && (errno == EINTR || errno == EAGAIN)) {
      struct pollfd pf = {l->fd, POLLOUT, 0};
      poll(&pf, 1, 100);
      continue;
    }
    if (w <= 0) {
      set_err(l, "cannot write to the board: %s", strerror(errno));
      return false;
    }
    l->st.bytes_out += (uint64_t)w;
    p += w;
    n -= (size_t)w;
  }
  return true;
}

/* One byte before `deadline` (ms, monotonic): 1 got it, 0 timed out, -1 I/O error. */
static int read_byte(rt_link *l, int64_t deadline, uint8_t *b) {
  for (;;) {
    ssize_t r = read(l->fd, b, 1);
    if (r == 1) {
      l->st.bytes_in++;
      return 1;
    }
    if (r < 0 && errno != EAGAIN && errno != EINTR) {
      set_err(l, "cannot read from the board: %s", strerror(errno));
      return -1;
    }
    int64_t left = deadline - now_ms();
    if (left <= 0)
      return 0;
    struct pollfd pf = {l->fd, POLLIN, 0};
    poll(&pf, 1, (int)(left > 100 ? 100 : left));
  }
}

enum { RX_OK, RX_TIMEOUT, RX_BAD, RX_IO };

/* Reads one frame: hunts the start byte until `deadline`, then every further byte must follow within
 * LINK_BYTE_GAP_MS. The payload lands in l->in. */
static int read_frame(rt_link *l, int64_t deadline, uint8_t *type, uint8_t *seq) {
  uint8_t b = 0, hdr[4];
  int r;
  do {
    if ((r = read_byte(l, deadline, &b)) <= 0)
      return r < 0 ? RX_IO : RX_TIMEOUT;
  } while (b != RT_LINK_SOF);
  for (int k = 0; k < 4; k++) {
    if ((r = read_byte(l, now_ms() + LINK_BYTE_GAP_MS, &hdr[k])) <= 0)
      return r < 0 ? RX_IO : RX_BAD;
  }
  size_t len = (size_t)hdr[0] | (size_t)hdr[1] << 8;
  if (len > (l->txcap ? l->txcap : LINK_MAX_PAYLOAD))
    return RX_BAD;
  for (size_t k = 0; k < len + 2; k++) {
    uint8_t *dst = k < len ? &l->in[k] : &hdr[k - len]; /* the CRC reuses hdr[0..1] after the check below */
    if (k == len) {
      uint16_t crc = rt_link_crc16(0xffff, hdr, 4);
      crc = rt_link_crc16(crc, l->in, len);
      uint8_t c[2];
      for (int j = 0; j < 2; j++)
        if ((r = read_byte(l, now_ms() + LINK_BYTE_GAP_MS, &c[j])) <= 0)
          return r < 0 ? RX_IO : RX_BAD;
      if (crc != (uint16_t)(c[0] << 8 | c[1]))
        return RX_BAD;
      *seq = hdr[2];
      *type = hdr[3];
      l->in_len = len;
      return RX_OK;
    }
    if ((r = read_byte(l, now_ms() + LINK_BYTE_GAP_MS, dst)) <= 0)
      return r < 0 ? RX_IO : RX_BAD;
  }
  return RX_BAD; /* not reached */
}

/* Discards whatever arrives until the line has been quiet for 50 ms (the rest of a bad frame). */
static void drain(rt_link *l) {
  uint8_t b;
  while (read_byte(l, now_ms() + 50, &b) == 1) {
  }
}

static size_t build_frame(rt_link *l, uint8_t type, const uint8_t *payload, size_t n) {
  uint8_t *f = l->out;
  f[0] = RT_LINK_SOF;
  f[1] = (uint8_t)n;
  f[2] = (uint8_t)(n >> 8);
  f[3] = l->seq;
  f[4] = type;
  if (n)
    memcpy(f + 5, payload, n);
  uint16_t crc = rt_link_crc16(0xffff, f + 1, n + 4);
  f[5 + n] = (uint8_t)(crc >> 8);
  f[6 + n] = (uint8_t)crc;
  return n + 7;
}

/* Sends the frame in l->out until an ACK with this sequence number arrives. */
static bool exchange(rt_link *l, size_t flen) {
  for (int attempt = 0; attempt < LINK_ATTEMPTS; attempt++) {
    if (attempt)
      l->st.retransmits++;
    if (!write_all(l, l->out, flen))
      return false;
    int64_t deadline = now_ms() + l->timeout_ms;
    for (;;) {
      uint8_t type = 0, seq = 0;
      int r = read_frame(l, deadline, &type, &seq);
      if (r == RX_IO)
        return false;
      if (r == RX_TIMEOUT) {
        l->st.timeouts++;
        break;
      }
      if (r == RX_BAD) {
        l->st.bad_frames++;
        drain(l);
        break;
      }
      if (type == RT_LINK_NAK) {
        l->st.naks++;
        drain(l);
        break;
      }
      if (type == RT_LINK_ACK && seq == l->seq)
        return true;
      /* an ACK of an earlier attempt of an earlier frame: stale, keep waiting */
    }
  }
  set_err(l, "the board did not acknowledge frame %u after %d attempts (%llu NAKs, %llu bad answers, %llu "
          "timeouts of %d ms)", l->seq, LINK_ATTEMPTS, (unsigned long long)l->st.naks,
          (unsigned long long)l->st.bad_frames, (unsigned long long)l->st.timeouts, l->timeout_ms);
  return false;
}

bool rt_link_transact(rt_link *l, const uint8_t *payload, size_t n, const uint8_t **resp, size_t *rn) {
  if (n > l->rxcap) {
    set_err(l, "internal error: a %zu-byte frame exceeds the board's %u-byte receive buffer", n, l->rxcap);
    return false;
  }
  l->seq++;
  if (!exchange(l, build_frame(l, RT_LINK_DATA, payload, n)))
    return false;
  l->st.frames++;
  *resp = l->in;
  *rn = l->in_len;
  return true;
}

static bool do_sync(rt_link *l) {
  l->seq = (uint8_t)(now_ms() & 0xff); /* any value: SYNC makes it the board's last sequence number */
  if (!exchange(l, build_frame(l, RT_LINK_SYNC, NULL, 0)))
    return false;
  uint64_t rx = 0, tx = 0, worst = 0;
  size_t pos = 0;
  if (!rt_link_get_varint(l->in, l->in_len, &pos, &rx) || !rt_link_get_varint(l->in, l->in_len, &pos, &tx) ||
      !rt_link_get_varint(l->in, l->in_len, &pos, &worst) || rx < 16 || rx > LINK_MAX_PAYLOAD || tx < 16 ||
      tx > LINK_MAX_PAYLOAD || worst + 3 > tx) {
    set_err(l, "the board's SYNC answer is malformed (is this an astroc bitstream?)");
    return false;
  }
  l->rxcap = (uint32_t)rx;
  l->txcap = (uint32_t)tx;
  l->worst = (uint32_t)worst;
  return true;
}

rt_link *rt_link_open(const char *dev, unsigned baud, char *err, size_t errlen) {
  speed_t sp = baud_code(baud);
  if (!sp) {
    snprintf(err, errlen, "baud %u is not supported (use 9600 ... 3000000, e.g. 115200)", baud);
    return NULL;
  }
  rt_link *l = calloc(1, sizeof *l);
  if (l)
    l->fd = -1;
  if (!l || !(l->out = malloc(LINK_MAX_PAYLOAD + 8)) || !(l->in = malloc(LINK_MAX_PAYLOAD + 8))) {
    snprintf(err, errlen, "out of memory");
    rt_link_close(l);
    return NULL;
  }
  l->fd = open(dev, O_RDWR | O_NOCTTY | O_NONBLOCK);
  struct termios tio;
  if (l->fd < 0 || tcgetattr(l->fd, &tio) != 0) {
    snprintf(err, errlen, "cannot open serial device %s: %s", dev, strerror(errno));
    rt_link_close(l);
    return NULL;
  }
  cfmakeraw(&tio);
  tio.c_cflag |= CLOCAL | CREAD;
  tio.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB | CRTSCTS);
  tio.c_cc[VMIN] = 0;
  tio.c_cc[VTIME] = 0;
  cfsetispeed(&tio, sp);
  cfsetospeed(&tio, sp);
  if (tcsetattr(l->fd, TCSANOW, &tio) != 0) {
    snprintf(err, errlen, "cannot configure serial device %s: %s", dev, strerror(errno));
    rt_link_close(l);
    return NULL;
  }
  tcflush(l->fd, TCIOFLUSH);
  const char *t = getenv("ASTRO_LINK_TIMEOUT_MS");
  l->timeout_ms = t && atoi(t) > 0 ? atoi(t) : 2000;
  if (!do_sync(l)) {
    snprintf(err, errlen, "no astroc board answers on %s at %u baud: %s", dev, baud, l->err);
    rt_link_close(l);
    return NULL;
  }
  return l;
}

void rt_link_close(rt_link *l) {
  if (!l)
    return;
  if (l->fd >= 0)
    close(l->fd);
  free(l->out);
  free(l->in);
  free(l);
}

uint32_t rt_link_rx_capacity(const rt_link *l) { return l->rxcap; }
uint32_t rt_link_tx_capacity(const rt_link *l) { return l->txcap; }
uint32_t rt_link_step_worst(const rt_link *l) { return l->worst; }
const char *rt_link_error(const rt_link *l) { return l->err; }
const rt_link_stats *rt_link_get_stats(const rt_link *l) { return &l->st; }
