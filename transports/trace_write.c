/* Trace writer: every packet in either direction, in a file Wireshark,
 * tshark and btmon open.
 *
 * btsnoop v1 (datalink 1002, H4): 16-byte header "btsnoop\0", version 1,
 * datalink; each record: original length, included length, flags, cumulative
 * drops, timestamp (microseconds since 0000-01-01, signed 64), all
 * big-endian. Flags: bit 0 = received (controller->host), bit 1 = command or
 * event (as opposed to data).
 *
 * pcap with LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR (201): each packet starts
 * with a 4-byte big-endian direction (0 sent, 1 received) before the H4
 * type byte.
 */
#include "transport_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Microseconds from 0000-01-01 to 1970-01-01, the btsnoop epoch offset. */
#define BTSNOOP_EPOCH_DELTA 0x00dcddb30f2f8000ULL

struct bh_trace_writer {
	FILE *f;
	bool pcap;
};

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcasecmp(s + a - b, suf);
}

int bh_trace_open_write(const char *path, struct bh_trace_writer **out, char *err, size_t errlen)
{
	if (!path || !out)
		return bh_transport_errf(BH_EINVAL, err, errlen, "trace: no path");
	*out = NULL;
	struct bh_trace_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return bh_transport_errf(BH_ENOMEM, err, errlen, "trace %s: out of memory", path);
	w->pcap = ends_with(path, ".pcap");
	w->f = fopen(path, "wb");
	if (!w->f) {
		int e = errno;
		free(w);
		return bh_transport_errf(BH_EIO, err, errlen, "trace %s: cannot create: %s", path,
					 strerror(e));
	}
	uint8_t hdr[24];
	size_t n;
	if (w->pcap) {
		/* pcap global header, written big-endian (magic tells readers) */
		be32(hdr, 0xa1b2c3d4);
		hdr[4] = 0, hdr[5] = 2, hdr[6] = 0, hdr[7] = 4; /* version 2.4 */
		be32(hdr + 8, 0);      /* thiszone */
		be32(hdr + 12, 0);     /* sigfigs */
		be32(hdr + 16, 65535); /* snaplen */
		be32(hdr + 20, 201);
		n = 24;
	} else {
		memcpy(hdr, "btsnoop\0", 8);
		be32(hdr + 8, 1);
		be32(hdr + 12, 1002);
		n = 16;
	}
	if (fwrite(hdr, 1, n, w->f) != n || fflush(w->f)) {
		int e = errno;
		fclose(w->f);
		free(w);
		return bh_transport_errf(BH_EIO, err, errlen, "trace %s: write failed: %s", path,
					 strerror(e));
	}
	*out = w;
	return BH_OK;
}

int bh_trace_write(struct bh_trace_writer *w, enum bh_trace_dir dir, uint8_t type,
		   const uint8_t *pkt, size_t len, uint64_t timestamp_us)
{
	if (!w || (!pkt && len) || len > 65535 || (dir != BH_TRACE_SENT && dir != BH_TRACE_RECEIVED))
		return BH_EINVAL;
	uint8_t h[24];
	size_t hl;
	if (w->pcap) {
		uint32_t caplen = (uint32_t)len + 5;
		be32(h, (uint32_t)(timestamp_us / 1000000));
		be32(h + 4, (uint32_t)(timestamp_us % 1000000));
		be32(h + 8, caplen);
		be32(h + 12, caplen);
		be32(h + 16, dir == BH_TRACE_RECEIVED ? 1 : 0);
		h[20] = type;
		hl = 21;
	} else {
		uint32_t flags = dir == BH_TRACE_RECEIVED ? 1 : 0;
		if (type == 0x01 || type == 0x04)
			flags |= 2;
		uint64_t ts = timestamp_us + BTSNOOP_EPOCH_DELTA;
		be32(h, (uint32_t)len + 1);
		be32(h + 4, (uint32_t)len + 1);
		be32(h + 8, flags);
		be32(h + 12, 0);
		be32(h + 16, (uint32_t)(ts >> 32));
		be32(h + 20, (uint32_t)ts);
		hl = 24;
		if (fwrite(h, 1, hl, w->f) != hl)
			return BH_EIO;
		h[0] = type;
		hl = 1;
	}
	if (fwrite(h, 1, hl, w->f) != hl || (len && fwrite(pkt, 1, len, w->f) != len) ||
	    fflush(w->f))
		return BH_EIO;
	return BH_OK;
}

int bh_trace_close_write(struct bh_trace_writer *w)
{
	if (!w)
		return BH_OK;
	int rc = fclose(w->f) ? BH_EIO : BH_OK;
	free(w);
	return rc;
}
