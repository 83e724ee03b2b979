/* Builds trace files byte by byte for the reader tests: pcapng blocks,
 * btsnoop and pcap headers and records, in either byte order, so a test can
 * lay out exactly the defect it checks (no binary blobs in the tree). */
#ifndef TRACE_BUILD_H
#define TRACE_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t b[4096];
	size_t n;
	bool be;
};

void put8(struct buf *b, uint8_t v);
void put16(struct buf *b, uint16_t v);
void put32(struct buf *b, uint32_t v);
void putn(struct buf *b, const void *p, size_t n);

/* pcapng: a block whose body is already laid out (length a multiple of 4),
 * a section header, an interface (tsresol < 0: no option), an enhanced
 * packet block (captured = original length). */
void block(struct buf *b, uint32_t type, const struct buf *body);
void shb(struct buf *b);
void idb(struct buf *b, uint16_t lt, int tsresol);
void epb(struct buf *b, uint32_t ifid, uint64_t ts, const uint8_t *p, uint32_t n);

/* btsnoop v1 (big-endian): header, then records (flags bit 0: received). */
void btsnoop_hdr(struct buf *b, uint32_t datalink);
void btsnoop_rec(struct buf *b, uint32_t orig, const uint8_t *p, uint32_t incl, uint32_t flags,
		 uint64_t ts_us);

/* pcap (little-endian, microseconds): header and records. */
void pcap_hdr(struct buf *b, uint32_t snaplen, uint32_t linktype);
void pcap_rec(struct buf *b, uint32_t sec, const uint8_t *p, uint32_t incl, uint32_t orig);

/* Writes the bytes to path; 0 or -1. */
int buf_write(const struct buf *b, const char *path);
/* A whole file in malloc'd memory (*len set), or NULL when it cannot be read. */
uint8_t *file_slurp(const char *path, size_t *len);

#endif
