/* Trace reader: btsnoop (datalink 1002 and 1001), pcap (LINKTYPE 201 and
 * 187, either byte order, us or ns), pcapng (SHB/IDB/EPB/SPB/PB, either byte
 * order, if_tsresol, unknown blocks skipped), Apple PacketLogger and raw H4.
 *
 * The whole file is loaded, then walked with struct bh_rd: every length in
 * the file is checked against what remains before it is used, so a truncated
 * or corrupt file ends in BH_EMALFORMED with a message, never an overread.
 * File formats: btsnoop (RFC 1761 layout, Frontline datalinks), pcap and
 * pcapng (IETF draft-ietf-opsawg-pcap / -pcapng), PacketLogger as read by
 * Wireshark's packetlogger module.
 */
#include "transport_internal.h"

#include <blehost/bh_bytes.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE (512u << 20)
#define MAX_REC (1u << 20) /* no HCI packet comes near this */
#define BTSNOOP_EPOCH_DELTA 0x00dcddb30f2f8000ULL
#define MAX_IFS 32

struct pcapng_if {
	uint16_t linktype;
	uint32_t snaplen;
	uint64_t units; /* timestamp units per second */
};

struct bh_trace_reader {
	uint8_t *buf;
	size_t len;
	struct bh_rd rd;
	enum bh_trace_format fmt;
	uint32_t linktype;
	bool be;   /* multi-byte fields are big-endian (pcap, pcapng, pklg) */
	bool nsec; /* pcap with nanosecond timestamps */
	struct pcapng_if ifs[MAX_IFS];
	int nifs;
	struct bh_h4 *h4;
	bool h4_have;
	uint8_t h4_type;
	size_t h4_len;
	uint8_t h4_pkt[BH_H4_MAX_PKT];
	unsigned long frame;
	unsigned long skipped;
	bool failed;
	bool guessed; /* no magic: read as raw H4 because nothing else matched */
	char errmsg[200];
	/* diagnostics (bh_trace_verdict) */
	size_t rec_off;          /* byte offset of the record being read */
	unsigned long returned;  /* records handed out by bh_trace_next */
	uint64_t last_ts;
	unsigned long count[BH_TRACE_P_COUNT_];
	unsigned long first_rec[BH_TRACE_P_COUNT_];
	size_t first_off[BH_TRACE_P_COUNT_];
	unsigned hci_ifs;        /* pcapng interfaces with an HCI link type */
	unsigned other_ifs;
	uint16_t other_lt[4];    /* distinct non-HCI link types seen, for the message */
	unsigned n_other_lt;
};

const char *bh_trace_format_str(enum bh_trace_format f)
{
	switch (f) {
	case BH_TRACE_AUTO: return "auto";
	case BH_TRACE_BTSNOOP: return "btsnoop";
	case BH_TRACE_PCAP: return "pcap";
	case BH_TRACE_PCAPNG: return "pcapng";
	case BH_TRACE_PKLG: return "PacketLogger";
	case BH_TRACE_H4: return "raw H4";
	}
	return "unknown";
}

static int fail(struct bh_trace_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct bh_trace_reader *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(r->errmsg, sizeof(r->errmsg), fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(r->errmsg))
		snprintf(r->errmsg + n, sizeof(r->errmsg) - (size_t)n, " (at byte %zu)", r->rec_off);
	r->failed = true;
	return BH_EMALFORMED;
}

/* A record skipped or kept with a warning: counted, the first one kept for
 * the message (record number and byte offset). */
static void note(struct bh_trace_reader *r, enum bh_trace_problem p)
{
	if (!r->count[p]++) {
		r->first_rec[p] = r->frame;
		r->first_off[p] = r->rec_off;
	}
}

static void skip_rec(struct bh_trace_reader *r, enum bh_trace_problem p)
{
	note(r, p);
	r->skipped++;
}

static uint16_t rd16(struct bh_trace_reader *r, struct bh_rd *d)
{
	const uint8_t *p = bh_rd_ptr(d, 2);
	if (!p)
		return 0;
	return r->be ? (uint16_t)(p[0] << 8 | p[1]) : bh_get16(p);
}

static uint32_t rd32(struct bh_trace_reader *r, struct bh_rd *d)
{
	const uint8_t *p = bh_rd_ptr(d, 4);
	if (!p)
		return 0;
	return r->be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		     : bh_get32(p);
}

/* H4 type for a record whose link type carries no direction (187, 1001). */
static enum bh_trace_dir dir_from_type(uint8_t type)
{
	return type == 0x01 ? BH_TRACE_SENT : BH_TRACE_RECEIVED;
}

/* Fills rec from an H4 packet (type byte first). Empty or an unknown type
 * byte -> skipped and counted. */
static int h4_rec(struct bh_trace_reader *r, const uint8_t *p, size_t n, struct bh_trace_rec *rec)
{
	if (n < 1) {
		skip_rec(r, BH_TRACE_P_EMPTY_RECORD);
		return 0;
	}
	if (!bh_h4_header_len(p[0])) {
		skip_rec(r, BH_TRACE_P_BAD_TYPE);
		return 0;
	}
	rec->type = p[0];
	rec->data = p + 1;
	rec->len = n - 1;
	return 1;
}

/* ---- btsnoop ---------------------------------------------------------- */

static int next_btsnoop(struct bh_trace_reader *r, struct bh_trace_rec *rec)
{
	for (;;) {
		struct bh_rd *d = &r->rd;
		if (!bh_rd_left(d))
			return 0;
		r->frame++;
		r->rec_off = d->off;
		uint32_t orig = rd32(r, d), incl = rd32(r, d), flags = rd32(r, d);
		rd32(r, d); /* cumulative drops */
		uint64_t hi = rd32(r, d), lo = rd32(r, d);
		if (!bh_rd_ok(d))
			return fail(r, "btsnoop record %lu: truncated header", r->frame);
		if (incl > MAX_REC || incl > bh_rd_left(d))
			return fail(r, "btsnoop record %lu: length %u past the end of the file",
				    r->frame, incl);
		const uint8_t *p = bh_rd_ptr(d, incl);
		uint64_t ts = hi << 32 | lo;
		rec->timestamp_us = ts >= BTSNOOP_EPOCH_DELTA ? ts - BTSNOOP_EPOCH_DELTA : ts;
		rec->dir = (flags & 1) ? BH_TRACE_RECEIVED : BH_TRACE_SENT;
		rec->index = r->frame;
		if (incl < orig) { /* cut by the capture's snap length: not the packet */
			skip_rec(r, BH_TRACE_P_CUT);
			continue;
		}
		if (r->linktype == 1002) {
			if (h4_rec(r, p, incl, rec))
				return 1;
			continue;
		}
		/* 1001, un-encapsulated: the flags say command/event vs data */
		if (!incl) {
			skip_rec(r, BH_TRACE_P_EMPTY_RECORD);
			continue;
		}
		rec->type = (flags & 2) ? ((flags & 1) ? 0x04 : 0x01) : 0x02;
		rec->data = p;
		rec->len = incl;
		return 1;
	}
}

/* ---- pcap ------------------------------------------------------------- */

static int link_rec(struct bh_trace_reader *r, uint32_t lt, const uint8_t *p, size_t n,
		    struct bh_trace_rec *rec)
{
	if (lt == 201) {
		if (n == 0) {
			skip_rec(r, BH_TRACE_P_EMPTY_RECORD);
			return 0;
		}
		if (n < 4) { /* the record's length still frames the next one: skip */
			skip_rec(r, BH_TRACE_P_SHORT);
			return 0;
		}
		uint32_t dirw = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		if (!h4_rec(r, p + 4, n - 4, rec))
			return 0;
		rec->dir = dirw ? BH_TRACE_RECEIVED : BH_TRACE_SENT;
		return 1;
	}
	if (lt == 187) {
		if (!h4_rec(r, p, n, rec))
			return 0;
		rec->dir = dir_from_type(rec->type);
		return 1;
	}
	skip_rec(r, BH_TRACE_P_NOT_HCI);
	return 0;
}

static int next_pcap(struct bh_trace_reader *r, struct bh_trace_rec *rec)
{
	for (;;) {
		struct bh_rd *d = &r->rd;
		if (!bh_rd_left(d))
			return 0;
		r->frame++;
		r->rec_off = d->off;
		uint64_t sec = rd32(r, d), frac = rd32(r, d);
		uint32_t incl = rd32(r, d), orig = rd32(r, d);
		if (!bh_rd_ok(d))
			return fail(r, "pcap record %lu: truncated header", r->frame);
		if (incl > MAX_REC || incl > bh_rd_left(d))
			return fail(r, "pcap record %lu: length %u past the end of the file", r->frame,
				    incl);
		const uint8_t *p = bh_rd_ptr(d, incl);
		rec->timestamp_us = sec * 1000000 + (r->nsec ? frac / 1000 : frac);
		rec->index = r->frame;
		if (incl < orig) {
			skip_rec(r, BH_TRACE_P_CUT);
			continue;
		}
		int rc = link_rec(r, r->linktype, p, incl, rec);
		if (rc)
			return rc;
	}
}

/* ---- pcapng ----------------------------------------------------------- */

static int pcapng_idb(struct bh_trace_reader *r, struct bh_rd *b)
{
	if (r->nifs == MAX_IFS)
		return fail(r, "pcapng: more than %d interfaces", MAX_IFS);
	struct pcapng_if *i = &r->ifs[r->nifs];
	i->linktype = rd16(r, b);
	rd16(r, b);
	i->snaplen = rd32(r, b);
	i->units = 1000000;
	if (!bh_rd_ok(b))
		return fail(r, "pcapng: interface block too short");
	while (bh_rd_left(b) >= 4) {
		uint16_t code = rd16(r, b), olen = rd16(r, b);
		const uint8_t *v = bh_rd_ptr(b, ((size_t)olen + 3) & ~(size_t)3);
		if (!v)
			return fail(r, "pcapng: interface option past the block");
		if (code == 0)
			break;
		if (code == 9 && olen >= 1) { /* if_tsresol */
			uint8_t res = v[0];
			uint64_t u = 1;
			if (res & 0x80) {
				if ((res & 0x7f) > 63)
					return fail(r, "pcapng: bad if_tsresol 0x%02x", res);
				u <<= res & 0x7f;
			} else {
				if (res > 19)
					return fail(r, "pcapng: bad if_tsresol %u", res);
				for (int k = 0; k < res; k++)
					u *= 10;
			}
			i->units = u;
		}
	}
	r->nifs++;
	if (i->linktype == 201 || i->linktype == 187) {
		r->hci_ifs++;
	} else {
		r->other_ifs++;
		bool seen = false;
		for (unsigned k = 0; k < r->n_other_lt; k++)
			seen |= r->other_lt[k] == i->linktype;
		if (!seen && r->n_other_lt < sizeof(r->other_lt) / sizeof(r->other_lt[0]))
			r->other_lt[r->n_other_lt++] = i->linktype;
	}
	return 0;
}

static uint64_t to_us(uint64_t ts, uint64_t units)
{
	if (units == 1000000)
		return ts;
	return (uint64_t)((unsigned __int128)ts * 1000000 / units);
}

static int next_pcapng(struct bh_trace_reader *r, struct bh_trace_rec *rec)
{
	for (;;) {
		struct bh_rd *d = &r->rd;
		if (!bh_rd_left(d))
			return 0;
		const uint8_t *start = d->p + d->off;
		size_t left = bh_rd_left(d);
		r->rec_off = d->off;
		if (left < 12)
			return fail(r, "pcapng: truncated block header");
		bool was_be = r->be;
		uint32_t type = rd32(r, d);
		if (type == 0x0a0d0d0a) {
			/* a new section: its byte-order magic decides the endianness */
			const uint8_t *m = start + 8;
			if (m[0] == 0x1a && m[1] == 0x2b && m[2] == 0x3c && m[3] == 0x4d)
				r->be = true;
			else if (m[0] == 0x4d && m[1] == 0x3c && m[2] == 0x2b && m[3] == 0x1a)
				r->be = false;
			else
				return fail(r, "pcapng: bad byte-order magic");
			r->nifs = 0;
		}
		(void)was_be;
		uint32_t blen = rd32(r, d);
		if (blen < 12 || blen % 4 || blen > left)
			return fail(r, "pcapng: block length %u invalid or past the end", blen);
		struct bh_rd b = bh_rd_init(start + 8, blen - 12);
		bh_rd_ptr(d, blen - 8);
		struct bh_rd tail = bh_rd_init(start + blen - 4, 4);
		if (rd32(r, &tail) != blen)
			return fail(r, "pcapng: block trailer length mismatch");
		if (type == 0x0a0d0d0a) {
			rd32(r, &b); /* magic */
			uint16_t major = rd16(r, &b);
			if (!bh_rd_ok(&b) || major != 1)
				return fail(r, "pcapng: unsupported section version");
			continue;
		}
		if (type == 1) {
			if (pcapng_idb(r, &b))
				return BH_EMALFORMED;
			continue;
		}
		uint32_t ifid, caplen, origlen = 0;
		uint64_t ts = 0;
		if (type == 6 || type == 2) { /* enhanced / obsolete packet block */
			if (type == 6) {
				ifid = rd32(r, &b);
			} else {
				ifid = rd16(r, &b);
				rd16(r, &b);
			}
			uint64_t hi = rd32(r, &b), lo = rd32(r, &b);
			ts = hi << 32 | lo;
			caplen = rd32(r, &b);
			origlen = rd32(r, &b);
		} else if (type == 3) { /* simple packet block: interface 0 */
			ifid = 0;
			caplen = rd32(r, &b);
			if (bh_rd_ok(&b) && caplen > bh_rd_left(&b))
				caplen = (uint32_t)bh_rd_left(&b);
			if (r->nifs > 0 && r->ifs[0].snaplen && caplen > r->ifs[0].snaplen)
				caplen = r->ifs[0].snaplen;
		} else {
			continue; /* unknown or uninteresting block */
		}
		r->frame++;
		if (!bh_rd_ok(&b))
			return fail(r, "pcapng frame %lu: packet block too short", r->frame);
		if ((int)ifid >= r->nifs || ifid >= MAX_IFS)
			return fail(r, "pcapng frame %lu: unknown interface %u", r->frame, ifid);
		if (caplen > bh_rd_left(&b))
			return fail(r, "pcapng frame %lu: length %u past the block", r->frame, caplen);
		const uint8_t *p = bh_rd_ptr(&b, caplen);
		rec->timestamp_us = to_us(ts, r->ifs[ifid].units);
		rec->index = r->frame;
		if (caplen < origlen) {
			skip_rec(r, BH_TRACE_P_CUT);
			continue;
		}
		int rc = link_rec(r, r->ifs[ifid].linktype, p, caplen, rec);
		if (rc)
			return rc;
	}
}

/* ---- PacketLogger ----------------------------------------------------- */

static int next_pklg(struct bh_trace_reader *r, struct bh_trace_rec *rec)
{
	for (;;) {
		struct bh_rd *d = &r->rd;
		if (!bh_rd_left(d))
			return 0;
		r->frame++;
		r->rec_off = d->off;
		uint32_t len = rd32(r, d);
		if (!bh_rd_ok(d) || len < 9 || len > MAX_REC || len > bh_rd_left(d))
			return fail(r, "PacketLogger record %lu: length %u invalid or past the end",
				    r->frame, len);
		uint64_t sec = rd32(r, d), usec = rd32(r, d);
		uint8_t t = bh_rd_u8(d);
		const uint8_t *p = bh_rd_ptr(d, len - 9);
		rec->timestamp_us = sec * 1000000 + usec;
		rec->index = r->frame;
		rec->data = p;
		rec->len = len - 9;
		if (rec->len == 0 && (t <= 0x03 || t == 0x08 || t == 0x09)) {
			skip_rec(r, BH_TRACE_P_EMPTY_RECORD);
			continue;
		}
		/* PacketLogger type byte: 00 cmd, 01 evt, 02/03 ACL sent/received,
		 * 08/09 SCO sent/received; notes and others carry no HCI packet */
		switch (t) {
		case 0x00: rec->type = 0x01; rec->dir = BH_TRACE_SENT; return 1;
		case 0x01: rec->type = 0x04; rec->dir = BH_TRACE_RECEIVED; return 1;
		case 0x02: rec->type = 0x02; rec->dir = BH_TRACE_SENT; return 1;
		case 0x03: rec->type = 0x02; rec->dir = BH_TRACE_RECEIVED; return 1;
		case 0x08: rec->type = 0x03; rec->dir = BH_TRACE_SENT; return 1;
		case 0x09: rec->type = 0x03; rec->dir = BH_TRACE_RECEIVED; return 1;
		default: skip_rec(r, BH_TRACE_P_NOT_HCI); break;
		}
	}
}

/* ---- raw H4 ----------------------------------------------------------- */

static void h4_got(void *ctx, uint8_t type, const uint8_t *pkt, size_t len)
{
	struct bh_trace_reader *r = ctx;
	r->h4_have = true;
	r->h4_type = type;
	r->h4_len = len;
	memcpy(r->h4_pkt, pkt, len);
}

static int next_h4(struct bh_trace_reader *r, struct bh_trace_rec *rec)
{
	struct bh_rd *d = &r->rd;
	r->h4_have = false;
	/* one byte at a time, so exactly one packet comes out per call */
	if (!r->h4->have)
		r->rec_off = d->off;
	while (!r->h4_have) {
		if (!bh_rd_left(d)) {
			if (r->h4->have)
				return fail(r, "raw H4: %zu bytes of a truncated packet at the end",
					    r->h4->have);
			return 0;
		}
		bh_h4_feed(r->h4, bh_rd_ptr(d, 1), 1, h4_got, r);
		if (r->h4->garbage) {
			r->rec_off = d->off - 1;
			return fail(r, "raw H4: invalid packet type or length");
		}
	}
	r->frame++;
	rec->type = r->h4_type;
	rec->data = r->h4_pkt;
	rec->len = r->h4_len;
	rec->dir = BH_TRACE_RECEIVED;
	rec->timestamp_us = 0;
	rec->index = r->frame;
	return 1;
}

/* ---- open ------------------------------------------------------------- */

/* " (BLUETOOTH_LE_LL)" for the link types a Bluetooth user meets, else "". */
static const char *linktype_name(uint32_t lt)
{
	switch (lt) {
	case 1: return " (Ethernet)";
	case 187: return " (BLUETOOTH_HCI_H4)";
	case 201: return " (BLUETOOTH_HCI_H4_WITH_PHDR)";
	case 251: return " (BLUETOOTH_LE_LL)";
	case 254: return " (BLUETOOTH_LINUX_MONITOR)";
	case 255: return " (BLUETOOTH_BREDR_BB)";
	case 256: return " (BLUETOOTH_LE_LL_WITH_PHDR)";
	case 272: return " (NORDIC_BLE)";
	default: return "";
	}
}

static const char *not_hci_hint(uint32_t lt)
{
	if (lt == 251 || lt == 256 || lt == 255 || lt == 272)
		return ": an over-the-air sniffer capture holds link-layer packets, not the HCI "
		       "traffic between a host and its controller";
	if (lt == 254)
		return ": convert it with btmon -r FILE -w OUT.btsnoop";
	return "";
}

static int setup(struct bh_trace_reader *r, enum bh_trace_format fmt, char *err, size_t errlen)
{
	const uint8_t *b = r->buf;
	size_t n = r->len;
	if (fmt == BH_TRACE_AUTO || fmt == BH_TRACE_H4 || fmt == BH_TRACE_PKLG) {
		enum bh_trace_format hint = fmt;
		fmt = hint == BH_TRACE_AUTO ? BH_TRACE_H4 : hint;
		if (n >= 8 && !memcmp(b, "btsnoop\0", 8))
			fmt = BH_TRACE_BTSNOOP;
		else if (n >= 4 && (bh_get32(b) == 0xa1b2c3d4 || bh_get32(b) == 0xd4c3b2a1 ||
				    bh_get32(b) == 0xa1b23c4d || bh_get32(b) == 0x4d3cb2a1))
			fmt = BH_TRACE_PCAP;
		else if (n >= 4 && bh_get32(b) == 0x0a0d0d0a)
			fmt = BH_TRACE_PCAPNG;
		r->guessed = hint == BH_TRACE_AUTO && fmt == BH_TRACE_H4;
	}
	r->fmt = fmt;
	r->rd = bh_rd_init(b, n);
	struct bh_rd *d = &r->rd;
	switch (fmt) {
	case BH_TRACE_BTSNOOP: {
		r->be = true;
		const uint8_t *m = bh_rd_ptr(d, 8);
		uint32_t ver = rd32(r, d);
		r->linktype = rd32(r, d);
		if (!m || memcmp(m, "btsnoop\0", 8) || !bh_rd_ok(d) || ver != 1)
			return bh_transport_errf(BH_EMALFORMED, err, errlen,
						 "not a btsnoop v1 file (bad or short header)");
		if (r->linktype != 1002 && r->linktype != 1001)
			return bh_transport_errf(BH_ENOTSUP, err, errlen,
						 "btsnoop datalink %u is not supported (1001, 1002 are)",
						 r->linktype);
		return BH_OK;
	}
	case BH_TRACE_PCAP: {
		if (n < 24)
			return bh_transport_errf(BH_EMALFORMED, err, errlen, "pcap: short header");
		uint32_t m = bh_get32(b);
		r->be = m == 0xd4c3b2a1 || m == 0x4d3cb2a1; /* LE read of a BE magic */
		r->nsec = m == 0xa1b23c4d || m == 0x4d3cb2a1;
		bh_rd_ptr(d, 16);
		uint32_t snaplen = rd32(r, d);
		r->linktype = rd32(r, d) & 0x0fffffff; /* upper bits: FCS info */
		if (r->linktype != 201 && r->linktype != 187)
			return bh_transport_errf(BH_ENOTSUP, err, errlen,
						 "pcap link type %u%s is not HCI H4 (201 or 187)%s",
						 r->linktype, linktype_name(r->linktype),
						 not_hci_hint(r->linktype));
		if (!snaplen) { /* "MUST NOT be zero"; libpcap reads it as no limit too */
			r->rec_off = 16;
			note(r, BH_TRACE_P_SNAPLEN0);
		}
		return BH_OK;
	}
	case BH_TRACE_PCAPNG:
		return BH_OK; /* the SHB is read as the first block */
	case BH_TRACE_PKLG:
		/* Length-prefixed records, big-endian in older files, little-endian
		 * in newer ones: the first record's length decides. */
		if (n >= 4) {
			uint32_t be = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
			r->be = be >= 9 && be <= n - 4;
		}
		return BH_OK;
	case BH_TRACE_H4:
		r->h4 = malloc(sizeof(*r->h4));
		if (!r->h4)
			return bh_transport_errf(BH_ENOMEM, err, errlen, "out of memory");
		bh_h4_init(r->h4);
		return BH_OK;
	default:
		return bh_transport_errf(BH_EINVAL, err, errlen, "unknown trace format");
	}
}

static int open_owned(uint8_t *buf, size_t len, enum bh_trace_format fmt, const char *what,
		      struct bh_trace_reader **out, char *err, size_t errlen)
{
	struct bh_trace_reader *r = calloc(1, sizeof(*r));
	if (!r) {
		free(buf);
		return bh_transport_errf(BH_ENOMEM, err, errlen, "%s: out of memory", what);
	}
	r->buf = buf;
	r->len = len;
	if (!len) {
		bh_trace_close_read(r);
		return bh_transport_errf(BH_EMALFORMED, err, errlen, "%s: %s (0 bytes)", what,
					 bh_trace_strerror(BH_TRACE_P_EMPTY_FILE));
	}
	char e2[200] = "";
	int rc = setup(r, fmt, e2, sizeof(e2));
	if (rc) {
		bh_trace_close_read(r);
		return bh_transport_errf(rc, err, errlen, "%s: %s", what, e2);
	}
	*out = r;
	return BH_OK;
}

int bh_trace_open_mem(const uint8_t *buf, size_t len, enum bh_trace_format fmt,
		      struct bh_trace_reader **out, char *err, size_t errlen)
{
	if (!out || (!buf && len) || len > MAX_FILE)
		return bh_transport_errf(BH_EINVAL, err, errlen, "trace: bad buffer");
	*out = NULL;
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return bh_transport_errf(BH_ENOMEM, err, errlen, "trace: out of memory");
	if (len)
		memcpy(copy, buf, len);
	return open_owned(copy, len, fmt, "trace", out, err, errlen);
}

int bh_trace_open_read(const char *path, struct bh_trace_reader **out, char *err, size_t errlen)
{
	if (!path || !out)
		return bh_transport_errf(BH_EINVAL, err, errlen, "trace: no path");
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return bh_transport_errf(BH_EIO, err, errlen, "trace %s: cannot open: %s", path,
					 strerror(errno));
	size_t cap = 1 << 16, len = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		if (len == cap) {
			if (cap >= MAX_FILE) {
				free(buf);
				fclose(f);
				return bh_transport_errf(BH_ENOSPACE, err, errlen,
							 "trace %s: larger than %u MiB", path,
							 MAX_FILE >> 20);
			}
			uint8_t *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	bool rerr = ferror(f);
	fclose(f);
	if (!buf)
		return bh_transport_errf(BH_ENOMEM, err, errlen, "trace %s: out of memory", path);
	if (rerr) {
		free(buf);
		return bh_transport_errf(BH_EIO, err, errlen, "trace %s: read error", path);
	}
	size_t pl = strlen(path);
	enum bh_trace_format fmt = BH_TRACE_AUTO;
	if (pl >= 5 && !strcasecmp(path + pl - 5, ".pklg"))
		fmt = BH_TRACE_PKLG;
	return open_owned(buf, len, fmt, path, out, err, errlen);
}

int bh_trace_next(struct bh_trace_reader *r, struct bh_trace_rec *rec)
{
	if (!r || !rec)
		return BH_EINVAL;
	if (r->failed)
		return BH_EMALFORMED;
	memset(rec, 0, sizeof(*rec));
	int rc;
	switch (r->fmt) {
	case BH_TRACE_BTSNOOP: rc = next_btsnoop(r, rec); break;
	case BH_TRACE_PCAP: rc = next_pcap(r, rec); break;
	case BH_TRACE_PCAPNG: rc = next_pcapng(r, rec); break;
	case BH_TRACE_PKLG: rc = next_pklg(r, rec); break;
	case BH_TRACE_H4: rc = next_h4(r, rec); break;
	default: return BH_EINVAL;
	}
	if (rc == 1) {
		/* kept (replay plays records in file order), but worth saying */
		if (r->returned && rec->timestamp_us < r->last_ts)
			note(r, BH_TRACE_P_TIME_BACK);
		r->last_ts = rec->timestamp_us;
		r->returned++;
	}
	return rc;
}

enum bh_trace_format bh_trace_reader_format(const struct bh_trace_reader *r)
{
	return r->fmt;
}

unsigned long bh_trace_skipped(const struct bh_trace_reader *r)
{
	return r->skipped;
}

const char *bh_trace_strerror(enum bh_trace_problem p)
{
	switch (p) {
	case BH_TRACE_P_NONE: return "no problem";
	case BH_TRACE_P_NOT_HCI: return "frame carries no HCI packet (other link type, note)";
	case BH_TRACE_P_BAD_TYPE: return "H4 packet type byte is not 0x01-0x05";
	case BH_TRACE_P_EMPTY_RECORD: return "record holds no bytes";
	case BH_TRACE_P_CUT: return "record cut short by the capture's snap length";
	case BH_TRACE_P_SHORT: return "record shorter than its 4-byte direction header";
	case BH_TRACE_P_TIME_BACK: return "timestamp earlier than the record before";
	case BH_TRACE_P_SNAPLEN0: return "pcap header gives snap length 0 (invalid, read as no limit)";
	case BH_TRACE_P_EMPTY_FILE: return "the file is empty";
	case BH_TRACE_P_NO_RECORDS: return "the file holds no records after its header";
	case BH_TRACE_P_NO_HCI_LINK: return "no interface in the file carries HCI packets";
	case BH_TRACE_P_NO_HCI: return "no record in the file is a usable HCI packet";
	case BH_TRACE_P_MALFORMED: return "the file is truncated or corrupt";
	case BH_TRACE_P_UNKNOWN_FORMAT:
		return "not a trace format blehost reads (btsnoop 1001/1002, pcap, pcapng, "
		       "PacketLogger as .pklg, raw H4)";
	case BH_TRACE_P_COUNT_: break;
	}
	return "unknown trace problem";
}

unsigned long bh_trace_problem_count(const struct bh_trace_reader *r, enum bh_trace_problem p)
{
	return r && p > BH_TRACE_P_NONE && p < BH_TRACE_P_COUNT_ ? r->count[p] : 0;
}

/* Appends "; N x WHAT (first: record R at byte B)" for each record-level
 * problem seen; not_hci too when with_not_hci. Returns how many kinds. */
static int list_problems(const struct bh_trace_reader *r, bool with_not_hci, char *out, size_t len,
			 size_t o)
{
	int kinds = 0;
	for (int p = BH_TRACE_P_NOT_HCI; p <= BH_TRACE_P_SNAPLEN0; p++) {
		if (!r->count[p] || (p == BH_TRACE_P_NOT_HCI && !with_not_hci) || o >= len)
			continue;
		if (p == BH_TRACE_P_SNAPLEN0)
			o += (size_t)snprintf(out + o, len - o, "%s%s", kinds ? "; " : "",
					      bh_trace_strerror(p));
		else
			o += (size_t)snprintf(out + o, len - o,
					      "%s%lu record%s: %s (first: record %lu at byte %zu)",
					      kinds ? "; " : "", r->count[p], r->count[p] == 1 ? "" : "s",
					      bh_trace_strerror(p), r->first_rec[p], r->first_off[p]);
		kinds++;
	}
	return kinds;
}

enum bh_trace_problem bh_trace_verdict(const struct bh_trace_reader *r, char *msg, size_t len)
{
	char dummy[1];
	if (!msg || !len) {
		msg = dummy;
		len = sizeof(dummy);
	}
	msg[0] = 0;
	if (!r)
		return BH_TRACE_P_MALFORMED;
	const char *fmt = bh_trace_format_str(r->fmt);
	if (r->failed && r->guessed && !r->returned) {
		const uint8_t *b = r->buf;
		snprintf(msg, len, "%s: it starts with %02x %02x %02x %02x, no known magic, and "
			 "not an H4 stream (%s)", bh_trace_strerror(BH_TRACE_P_UNKNOWN_FORMAT),
			 b[0], r->len > 1 ? b[1] : 0, r->len > 2 ? b[2] : 0, r->len > 3 ? b[3] : 0,
			 r->errmsg);
		return BH_TRACE_P_UNKNOWN_FORMAT;
	}
	if (r->failed) {
		snprintf(msg, len, "%s: %s", bh_trace_strerror(BH_TRACE_P_MALFORMED), r->errmsg);
		return BH_TRACE_P_MALFORMED;
	}
	if (r->returned) {
		list_problems(r, false, msg, len, 0);
		return BH_TRACE_P_NONE;
	}
	if (r->fmt == BH_TRACE_PCAPNG && !r->hci_ifs && r->other_ifs) {
		size_t o = (size_t)snprintf(msg, len, "%s: link type%s",
					    bh_trace_strerror(BH_TRACE_P_NO_HCI_LINK),
					    r->n_other_lt > 1 ? "s" : "");
		for (unsigned k = 0; k < r->n_other_lt && o < len; k++)
			o += (size_t)snprintf(msg + o, len - o, "%s %u%s", k ? "," : "",
					      r->other_lt[k], linktype_name(r->other_lt[k]));
		if (o < len)
			snprintf(msg + o, len - o, ", none is HCI H4 (201 or 187)%s",
				 not_hci_hint(r->other_lt[0]));
		return BH_TRACE_P_NO_HCI_LINK;
	}
	if (!r->frame) {
		snprintf(msg, len, "%s (a valid %s header, then nothing)",
			 bh_trace_strerror(BH_TRACE_P_NO_RECORDS), fmt);
		return BH_TRACE_P_NO_RECORDS;
	}
	size_t o = (size_t)snprintf(msg, len, "%s: of %lu %s record%s, ",
				    bh_trace_strerror(BH_TRACE_P_NO_HCI), r->frame, fmt,
				    r->frame == 1 ? "" : "s");
	if (o < len)
		list_problems(r, true, msg, len, o);
	return BH_TRACE_P_NO_HCI;
}

const char *bh_trace_error(const struct bh_trace_reader *r)
{
	return r->failed ? r->errmsg : "";
}

void bh_trace_close_read(struct bh_trace_reader *r)
{
	if (!r)
		return;
	free(r->h4);
	free(r->buf);
	free(r);
}
