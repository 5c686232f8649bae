/* serial_link.h — the host side of the FPGA link (docs/fpga.md, "Protocol"): a serial device in raw
 * mode, frames with CRC-16, stop-and-wait with sequence numbers, retransmission on NAK, on a bad answer
 * and on timeout. Also the LEB128 varint and CRC helpers the engine and tests use. */
#ifndef ASTROC_SERIAL_LINK_H
#define ASTROC_SERIAL_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
  RT_LINK_SOF = 0xA5,
  RT_LINK_DATA = 0x01,
  RT_LINK_SYNC = 0x03,
  RT_LINK_ACK = 0x81,
  RT_LINK_NAK = 0x82,
  RT_LINK_I_STEPS = 0x10, /* v K: K steps without inputs */
  RT_LINK_I_STEP = 0x11,  /* one step with external words and input axons */
};

typedef struct rt_link rt_link;

typedef struct rt_link_stats {
  uint64_t frames;       /* DATA frames acknowledged */
  uint64_t bytes_out, bytes_in;
  uint64_t retransmits;  /* frames sent again */
  uint64_t naks;         /* NAKs received */
  uint64_t bad_frames;   /* answers with a bad CRC, length or a missing byte */
  uint64_t timeouts;     /* attempts that got no answer in time */
} rt_link_stats;

/* Opens DEV at `baud` (8N1, raw) and synchronises with the board (SYNC). NULL with a message in
 * err[errlen] when the device cannot be opened, the baud is not a termios speed, or the board does not
 * answer. The caller owns the link (rt_link_close). ASTRO_LINK_TIMEOUT_MS overrides the answer timeout
 * (default 2000 ms). */
rt_link *rt_link_open(const char *dev, unsigned baud, char *err, size_t errlen);
void rt_link_close(rt_link *l);

/* Buffer sizes the board announced in its SYNC answer. */
uint32_t rt_link_rx_capacity(const rt_link *l); /* largest DATA payload the board accepts */
uint32_t rt_link_tx_capacity(const rt_link *l); /* largest answer payload */
uint32_t rt_link_step_worst(const rt_link *l);  /* room the board keeps free for one step's record */

/* Sends one DATA frame and waits for its acknowledgement, retransmitting as needed (at most 16 attempts).
 * On success *resp points to the answer's payload, valid until the next call. false with a message in
 * rt_link_error() when the board never acknowledged. */
bool rt_link_transact(rt_link *l, const uint8_t *payload, size_t n, const uint8_t **resp, size_t *rn);
const char *rt_link_error(const rt_link *l);
const rt_link_stats *rt_link_get_stats(const rt_link *l);

/* CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), as rtl/fpga/astro_crc16.v. */
uint16_t rt_link_crc16(uint16_t crc, const uint8_t *p, size_t n);
/* Appends v as a LEB128 varint at p (at most 10 bytes); returns the bytes written. */
size_t rt_link_put_varint(uint8_t *p, uint64_t v);
/* Reads a varint from p[*pos..n); false when truncated or longer than 10 bytes. */
bool rt_link_get_varint(const uint8_t *p, size_t n, size_t *pos, uint64_t *v);

#endif
