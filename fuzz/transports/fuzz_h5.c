/* libFuzzer target: the H5 decoder and link (transports/h5_codec.c,
 * h5_link.c). The input is raw UART bytes fed in chunks whose sizes come
 * from the input, with virtual time moving between chunks; the first byte
 * picks whether the link is already active and its CRC/window settings.
 * Checks: the SLIP buffer stays bounded, every delivered packet is a
 * consistent HCI packet, every frame the link writes decodes and parses,
 * and encode/parse round-trips the input as a payload. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "h5.h"

static void on_frame(void *ctx, const uint8_t *f, size_t len)
{
	int *n = ctx;
	struct bh_h5_pkt p;
	if (bh_h5_parse(f, len, &p) != BH_OK)
		abort();
	(*n)++;
}

static void check_write(void *ctx, const uint8_t *b, size_t len)
{
	(void)ctx;
	static struct bh_h5_slip s;
	int n = 0;
	bh_h5_slip_init(&s);
	bh_h5_slip_feed(&s, b, len, on_frame, &n);
	if (n != 1 || len > BH_H5_MAX_WIRE)
		abort();
}

static void check_deliver(void *ctx, uint8_t type, const uint8_t *pkt, size_t len)
{
	struct bh_h5_link *l = ctx;
	if (!bh_h4_packet_valid(type, pkt, len))
		abort();
	/* answer like a host would: reentrant send from inside delivery */
	static const uint8_t cmd[] = { 0x03, 0x0c, 0x00 };
	bh_h5_link_send(l, 0x01, cmd, sizeof(cmd), 0);
}

static void on_event(void *ctx, enum bh_h5_event ev)
{
	(void)ctx;
	(void)ev;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bh_h5_link l;
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	data++;
	size--;
	struct bh_h5_cfg cfg = { .window = (uint8_t)(mode & 7), .crc = mode & 8 };
	struct bh_h5_link_port port = { check_write, check_deliver, on_event, &l };
	bh_h5_link_init(&l, &cfg, &port, 0);
	if (mode & 0x10) {
		/* start active so HCI packets reach the reliability code */
		static const uint8_t up[] = { 0xc0, 0x00, 0x2f, 0x00, 0xd0, 0x02, 0x7d, 0xc0,
					      0xc0, 0x00, 0x3f, 0x00, 0xdb, 0xdc, 0x04, 0x7b,
					      0x17, 0xc0 };
		bh_h5_link_rx(&l, up, sizeof(up), 0);
	}
	bh_time_ms now = 0;
	size_t off = 0, step = (size_t)(mode >> 5) * 7 + 1;
	while (off < size) {
		size_t n = size - off < step ? size - off : step;
		bh_h5_link_rx(&l, data + off, n, now);
		if (l.slip.have > sizeof(l.slip.buf) || l.q_len > BH_H5_TXQ || l.q_sent > l.q_len)
			abort();
		off += n;
		step = step * 3 % 61 + 1;
		now += data[off - 1] & 0x3f;
		bh_h5_link_timeout(&l, now);
	}
	/* round trip: the input as a payload of each packet kind */
	static uint8_t wire[BH_H5_MAX_WIRE];
	struct bh_h5_pkt p = { .seq = mode & 7, .ack = mode >> 3 & 7, .reliable = mode & 0x40,
			       .crc = mode & 0x80, .type = mode & 0x0f };
	size_t len = size > BH_H5_MAX_PAYLOAD ? BH_H5_MAX_PAYLOAD : size;
	size_t n = bh_h5_encode(&p, data, len, wire);
	if (!n)
		abort();
	int frames = 0;
	static struct bh_h5_slip s;
	bh_h5_slip_init(&s);
	bh_h5_slip_feed(&s, wire, n, on_frame, &frames);
	if (frames != 1 || s.have != 0 || memcmp(s.buf + BH_H5_HDR_LEN, data, len))
		abort();
	return 0;
}
