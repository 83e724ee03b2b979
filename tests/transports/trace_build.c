#include "trace_build.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void put8(struct buf *b, uint8_t v)
{
	assert(b->n < sizeof(b->b));
	b->b[b->n++] = v;
}
void put16(struct buf *b, uint16_t v)
{
	if (b->be) {
		put8(b, (uint8_t)(v >> 8));
		put8(b, (uint8_t)v);
	} else {
		put8(b, (uint8_t)v);
		put8(b, (uint8_t)(v >> 8));
	}
}
void put32(struct buf *b, uint32_t v)
{
	if (b->be) {
		put16(b, (uint16_t)(v >> 16));
		put16(b, (uint16_t)v);
	} else {
		put16(b, (uint16_t)v);
		put16(b, (uint16_t)(v >> 16));
	}
}
void putn(struct buf *b, const void *p, size_t n)
{
	assert(n <= sizeof(b->b) - b->n);
	if (n) /* p may be NULL for an empty record */
		memcpy(b->b + b->n, p, n);
	b->n += n;
}

/* A pcapng block: body already laid out in body/blen (multiple of 4). */
void block(struct buf *b, uint32_t type, const struct buf *body)
{
	put32(b, type);
	put32(b, (uint32_t)body->n + 12);
	putn(b, body->b, body->n);
	put32(b, (uint32_t)body->n + 12);
}

void shb(struct buf *b)
{
	struct buf body = { .be = b->be };
	put32(&body, 0x1a2b3c4d);
	put16(&body, 1);
	put16(&body, 0);
	put32(&body, 0xffffffff);
	put32(&body, 0xffffffff);
	block(b, 0x0a0d0d0a, &body);
}

void idb(struct buf *b, uint16_t lt, int tsresol)
{
	struct buf body = { .be = b->be };
	put16(&body, lt);
	put16(&body, 0);
	put32(&body, 0);
	if (tsresol >= 0) {
		put16(&body, 9);
		put16(&body, 1);
		put8(&body, (uint8_t)tsresol);
		put8(&body, 0), put8(&body, 0), put8(&body, 0);
		put16(&body, 0);
		put16(&body, 0);
	}
	block(b, 1, &body);
}

void epb(struct buf *b, uint32_t ifid, uint64_t ts, const uint8_t *p, uint32_t n)
{
	struct buf body = { .be = b->be };
	put32(&body, ifid);
	put32(&body, (uint32_t)(ts >> 32));
	put32(&body, (uint32_t)ts);
	put32(&body, n);
	put32(&body, n);
	putn(&body, p, n);
	while (body.n % 4)
		put8(&body, 0);
	block(b, 6, &body);
}

void btsnoop_hdr(struct buf *b, uint32_t datalink)
{
	b->be = true;
	putn(b, "btsnoop\0", 8);
	put32(b, 1);
	put32(b, datalink);
}

void btsnoop_rec(struct buf *b, uint32_t orig, const uint8_t *p, uint32_t incl, uint32_t flags,
		 uint64_t ts_us)
{
	uint64_t ts = ts_us + 0x00dcddb30f2f8000ULL; /* microseconds since year 0 */
	put32(b, orig);
	put32(b, incl);
	put32(b, flags);
	put32(b, 0);
	put32(b, (uint32_t)(ts >> 32));
	put32(b, (uint32_t)ts);
	putn(b, p, incl);
}

void pcap_hdr(struct buf *b, uint32_t snaplen, uint32_t linktype)
{
	b->be = false;
	put32(b, 0xa1b2c3d4);
	put16(b, 2);
	put16(b, 4);
	put32(b, 0);
	put32(b, 0);
	put32(b, snaplen);
	put32(b, linktype);
}

void pcap_rec(struct buf *b, uint32_t sec, const uint8_t *p, uint32_t incl, uint32_t orig)
{
	put32(b, sec);
	put32(b, 0);
	put32(b, incl);
	put32(b, orig);
	putn(b, p, incl);
}

int buf_write(const struct buf *b, const char *path)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t n = fwrite(b->b, 1, b->n, f);
	return fclose(f) == 0 && n == b->n ? 0 : -1;
}

uint8_t *file_slurp(const char *path, size_t *len)
{
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *b = NULL;
	long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (b = malloc(n ? (size_t)n : 1)) &&
	    fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	if (b)
		*len = (size_t)n;
	return b;
}
