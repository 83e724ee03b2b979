/* Seed corpora for the fuzz targets, cut from the recorded traces in
 * tests/pcap/: the trace files themselves (and pcap conversions), raw H4
 * streams, ATT PDUs, L2CAP frames and advertising data, each in the input
 * format of the target that takes it.
 *
 *   make_seeds OUT_DIR TRACE...
 *
 * Writes OUT_DIR/<target>/<n> files. */
#include <blehost/bh_bytes.h>
#include <blehost/transport.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *out_dir;
static unsigned counter;

static void put(const char *target, const void *data, size_t len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", out_dir, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/seed-%05u", out_dir, target, counter++);
	FILE *f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(data, 1, len, f);
	fclose(f);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = n > 0 ? malloc((size_t)n) : NULL;
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = b ? (size_t)n : 0;
	return b;
}

/* A growable byte buffer for the stream-shaped seeds. */
struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void add(struct buf *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		size_t c = b->cap ? b->cap * 2 : 4096;
		while (c < b->len + n)
			c *= 2;
		uint8_t *q = realloc(b->p, c);
		if (!q)
			return;
		b->p = q;
		b->cap = c;
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void add32le(struct buf *b, uint32_t v)
{
	uint8_t x[4];
	bh_put32(x, v);
	add(b, x, 4);
}

static void add32be(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	add(b, x, 4);
}

/* One little-endian pcapng block around body (padded to 4). */
static void png_block(struct buf *b, uint32_t type, const uint8_t *body, size_t n)
{
	static const uint8_t pad[3];
	uint32_t total = (uint32_t)(12 + ((n + 3) & ~(size_t)3));
	add32le(b, type);
	add32le(b, total);
	add(b, body, n);
	add(b, pad, (4 - n % 4) % 4);
	add32le(b, total);
}

/* Section header, an HCI interface (201) and an LE link-layer one (251,
 * which the reader must skip), as Wireshark writes a mixed capture. */
static void png_start(struct buf *b)
{
	const uint8_t shb[] = { 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
				0xff, 0xff, 0xff, 0xff };
	const uint8_t idb_hci[] = { 201, 0, 0, 0, 0, 0, 0, 0 };
	const uint8_t idb_ll[] = { 251, 0, 0, 0, 0, 0, 0, 0 };
	png_block(b, 0x0a0d0d0a, shb, sizeof(shb));
	png_block(b, 1, idb_hci, sizeof(idb_hci));
	png_block(b, 1, idb_ll, sizeof(idb_ll));
}

static void png_packet(struct buf *b, const struct bh_trace_rec *rec)
{
	struct buf body = { 0 };
	add32le(&body, 0);
	add32le(&body, (uint32_t)(rec->timestamp_us >> 32));
	add32le(&body, (uint32_t)rec->timestamp_us);
	add32le(&body, (uint32_t)(rec->len + 5));
	add32le(&body, (uint32_t)(rec->len + 5));
	add32be(&body, rec->dir == BH_TRACE_RECEIVED);
	add(&body, &rec->type, 1);
	add(&body, rec->data, rec->len);
	png_block(b, 6, body.p, body.len);
	free(body.p);
}

/* PacketLogger (big-endian): 00 command, 01 event, 02/03 ACL sent/received. */
static void pklg_packet(struct buf *b, const struct bh_trace_rec *rec)
{
	uint8_t t = rec->type == 1 ? 0x00 : rec->type == 4 ? 0x01 : 0x02 + (uint8_t)rec->dir;
	add32be(b, (uint32_t)(rec->len + 9));
	add32be(b, (uint32_t)(rec->timestamp_us / 1000000));
	add32be(b, (uint32_t)(rec->timestamp_us % 1000000));
	add(b, &t, 1);
	add(b, rec->data, rec->len);
}

static void seeds_from_trace(const char *path)
{
	char err[256];
	size_t flen;
	uint8_t *file = slurp(path, &flen);
	if (file) {
		put("fuzz_transports_trace_btsnoop", file, flen);
		free(file);
	}
	struct bh_trace_reader *r;
	if (bh_trace_open_read(path, &r, err, sizeof(err))) {
		fprintf(stderr, "make_seeds: %s: %s\n", path, err);
		return;
	}
	char pcap_path[1024];
	snprintf(pcap_path, sizeof(pcap_path), "%s/tmp-%u.pcap", out_dir, counter);
	struct bh_trace_writer *w = NULL;
	bh_trace_open_write(pcap_path, &w, err, sizeof(err));

	struct buf h4 = { 0 }, bearer_srv = { 0 }, bearer_cli = { 0 }, l2 = { 0 }, gatts = { 0 };
	uint8_t role = 0;
	add(&bearer_srv, "\x01", 1); /* role byte: the target picks server/client from it */
	add(&bearer_cli, "\x00", 1);
	add(&l2, &role, 1);
	add(&gatts, "\x00", 1);
	struct buf png = { 0 }, pk = { 0 };
	png_start(&png);
	unsigned nrec = 0;
	struct bh_trace_rec rec;
	while (bh_trace_next(r, &rec) == 1) {
		if (nrec++ < 200 && rec.type != 3 && rec.type != 5) {
			png_packet(&png, &rec);
			pklg_packet(&pk, &rec);
			if (nrec == 2) { /* a note, and a frame on the link-layer interface */
				const uint8_t note[] = { 0, 0, 0, 13, 0, 0, 0, 0, 0, 0, 0, 0, 0xfc, 'n', 'o', 't', 'e' };
				const uint8_t ll[] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0,
						       0xd6, 0xbe, 0x89, 0x8e };
				add(&pk, note, sizeof(note));
				png_block(&png, 6, ll, sizeof(ll));
			}
		}
		if (w)
			bh_trace_write(w, rec.dir, rec.type, rec.data, rec.len, rec.timestamp_us);
		if (rec.dir == BH_TRACE_RECEIVED) {
			add(&h4, &rec.type, 1);
			add(&h4, rec.data, rec.len);
		}
		/* ACL start fragments that hold a whole L2CAP frame. */
		if (rec.type == 2 && rec.len >= 8 && !(rec.data[1] & 0x10)) {
			const uint8_t *f = rec.data + 4;
			size_t flen2 = rec.len - 4;
			uint16_t l2len = bh_get16(f), cid = bh_get16(f + 2);
			if ((size_t)l2len + 4 != flen2)
				continue;
			uint8_t n8 = (uint8_t)(flen2 < 0xf0 ? flen2 : 0);
			if (n8) {
				add(&l2, &n8, 1);
				add(&l2, f, flen2);
			}
			if (cid == 4 && l2len) {
				const uint8_t *pdu = f + 4;
				put("fuzz_att_decode", pdu, l2len);
				uint8_t n = (uint8_t)(l2len < 0xff ? l2len : 0xff);
				struct buf *bb = rec.dir == BH_TRACE_RECEIVED ? &bearer_cli : &bearer_srv;
				add(bb, &n, 1);
				add(bb, pdu, n);
				if (rec.dir == BH_TRACE_RECEIVED && l2len < 0x80) {
					uint8_t sel = 0, n2 = (uint8_t)l2len;
					add(&gatts, &sel, 1);
					add(&gatts, &n2, 1);
					add(&gatts, pdu, l2len);
				}
			}
		}
		/* LE Advertising Report: one report's data is an AD payload. */
		if (rec.type == 4 && rec.len > 12 && rec.data[0] == 0x3e && rec.data[2] == 0x02) {
			uint8_t dlen = rec.data[12];
			if (13u + dlen <= rec.len)
				put("fuzz_gap_ad", rec.data + 13, dlen);
		}
	}
	bh_trace_close_read(r);
	if (w && bh_trace_close_write(w) == BH_OK) {
		size_t plen;
		uint8_t *p = slurp(pcap_path, &plen);
		if (p) {
			put("fuzz_transports_trace_pcap", p, plen);
			free(p);
		}
	}
	remove(pcap_path);
	put("fuzz_transports_trace_pcapng", png.p, png.len);
	put("fuzz_transports_trace_pklg", pk.p, pk.len);
	free(png.p);
	free(pk.p);
	put("fuzz_transports_h4", h4.p, h4.len);
	put("fuzz_transports_trace_h4", h4.p, h4.len);
	/* fuzz_decode: a mode byte (text, directions alternating), then H4. */
	struct buf dec = { 0 };
	const uint8_t mode = 2;
	add(&dec, &mode, 1);
	add(&dec, h4.p, h4.len);
	put("fuzz_decode", dec.p, dec.len);
	free(dec.p);
	put("fuzz_att_bearer", bearer_srv.p, bearer_srv.len);
	put("fuzz_att_bearer", bearer_cli.p, bearer_cli.len);
	put("fuzz_l2cap", l2.p, l2.len);
	put("fuzz_gatt_server_requests", gatts.p, gatts.len);
	free(h4.p);
	free(bearer_srv.p);
	free(bearer_cli.p);
	free(l2.p);
	free(gatts.p);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s OUT_DIR TRACE...\n", argv[0]);
		return 2;
	}
	out_dir = argv[1];
	if (mkdir(out_dir, 0755) && errno != EEXIST) {
		perror(out_dir);
		return 1;
	}
	for (int i = 2; i < argc; i++)
		seeds_from_trace(argv[i]);
	printf("make_seeds: %u seeds from %d traces\n", counter, argc - 2);
	return 0;
}
