/* Advertising reports: LE Advertising Report (Vol 4, Part E, 7.7.65.2) and
 * LE Extended Advertising Report (7.7.65.13), checked as a whole event and
 * then delivered report by report, with the reassembly of extended reports
 * that the controller splits over several events.
 *
 * An event is used only if its Num_Reports reports fill it exactly, each
 * within its PDU's limits: a controller that says more (or fewer) reports
 * than it sent has corrupted all of them, so none is shown.
 *
 * Reassembly (Data_Status, Event_Type bits 5-6: 0b00 complete, 0b01
 * incomplete with more to come, 0b10 incomplete and truncated): a chain per
 * advertiser, SID and PDU kind, at most reassembly_slots at once, each
 * given up when idle for reassembly_timeout_ms or when its slot is needed;
 * a given-up chain is never shown, and its late remainder is dropped rather
 * than taken for a whole report. A chain ending "truncated", or longer than
 * the specification's maximum of BH_AD_EXT_MAX bytes, is shown marked
 * incomplete.
 */
#include "gap_internal.h"

#include <stdlib.h>
#include <string.h>

#define LEGACY_REPORT_FIXED 10 /* Event_Type .. Data_Length, plus RSSI */
#define EXT_REPORT_FIXED 24    /* Event_Type .. Data_Length */

static void reject(struct bh_gap *gap, const char *what, const char *why)
{
	gap->stats.reports_rejected++;
	gap_log(gap, BH_LOG_INFO, "%s dropped: %s", what, why);
}

/* Walks the reports of an event without using them: true if Num_Reports
 * (at least one) reports of `fixed` bytes plus their Data_Length (at
 * `len_at`, at most `max_data`) fill the event exactly. */
static bool event_consistent(struct bh_gap *gap, const char *what, const uint8_t *p, size_t len,
			     size_t fixed, size_t len_at, unsigned max_data)
{
	unsigned num = len ? p[0] : 0;
	if (num == 0) {
		reject(gap, what, "no reports");
		return false;
	}
	size_t off = 1;
	for (unsigned i = 0; i < num; i++) {
		/* len - off: what is left, never negative (off <= len). */
		if (len - off < len_at + 1) {
			reject(gap, what, "Num_Reports larger than the event holds");
			return false;
		}
		uint8_t dlen = p[off + len_at];
		if (dlen > max_data) {
			reject(gap, what, "a report longer than its PDU allows");
			return false;
		}
		off += len_at + 1;
		if (len - off < dlen + (fixed - len_at - 1)) {
			reject(gap, what, "Num_Reports larger than the event holds");
			return false;
		}
		off += dlen + (fixed - len_at - 1);
	}
	if (off != len) {
		reject(gap, what, "bytes after the last report (Num_Reports too small)");
		return false;
	}
	return true;
}

/* LE Advertising Report (7.7.65.2). The specification draws the fields as
 * arrays, but controllers send one whole report after another (as BlueZ,
 * Zephyr and NimBLE parse it); with Num_Reports = 1 both read the same. */
void gap_on_adv_report(struct bh_gap *gap, const uint8_t *p, size_t len)
{
	if (gap->scan_state == SCAN_IDLE)
		return;
	/* Event_Type(1) Address_Type(1) Address(6) Data_Length(1) Data RSSI(1) */
	if (!event_consistent(gap, "advertising report", p, len, LEGACY_REPORT_FIXED, 8,
			      BH_AD_LEGACY_MAX))
		return;
	/* The walk above proved every report whole: read them in place. */
	uint8_t num = p[0];
	const uint8_t *q = p + 1;
	for (unsigned i = 0; i < num; i++) {
		struct gap_report r = { 0 };
		uint8_t type = q[0];
		r.addr.type = q[1];
		memcpy(r.addr.val, q + 2, 6);
		uint8_t dlen = q[8];
		r.data = q + 9;
		r.len = dlen;
		r.rssi = (int8_t)q[9 + dlen];
		q += LEGACY_REPORT_FIXED + dlen;
		r.legacy = true;
		r.sid = 0xff;
		r.tx_power = 127;
		r.pphy = 1;
		/* ADV_IND, ADV_DIRECT_IND, ADV_SCAN_IND, ADV_NONCONN_IND, SCAN_RSP:
		 * bit 0 connectable, 1 scannable, 2 directed, 3 scan response;
		 * a reserved type is skipped. */
		static const uint8_t kinds[] = { 3, 5, 2, 0, 10 };
		if (type >= sizeof(kinds))
			continue;
		r.connectable = kinds[type] & 1;
		r.scannable = kinds[type] >> 1 & 1;
		r.directed = kinds[type] >> 2 & 1;
		r.scan_rsp = kinds[type] >> 3;
		if (r.addr.type > BH_ADDR_RANDOM_ID)
			continue;
		gap_deliver(gap, &r);
	}
}

static bool same_chain(const bh_addr *a, uint8_t sid, bool scan_rsp, const struct gap_report *r)
{
	return sid == r->sid && scan_rsp == r->scan_rsp && a->type == r->addr.type &&
	       memcmp(a->val, r->addr.val, 6) == 0;
}

/* Gives a chain up: counted, and remembered so its remainder is dropped. */
static void frag_abandon(struct bh_gap *gap, struct gap_frag *f, const char *why)
{
	gap->stats.chains_abandoned++;
	gap_log(gap, BH_LOG_INFO, "extended report chain of SID %u given up: %s", f->sid, why);
	/* A free entry, else the oldest memory. */
	struct gap_dead_chain *d = &gap->dead[0];
	for (unsigned i = 0; i < gap->cfg.reassembly_slots && d->used; i++)
		if (!gap->dead[i].used || gap->dead[i].at < d->at)
			d = &gap->dead[i];
	*d = (struct gap_dead_chain){ true, f->addr, f->sid, f->scan_rsp, bh_now(gap->env) };
	f->used = false;
}

/* Chains quiet for longer than the timeout are given up; remembered dead
 * chains are forgotten after as long again. */
static void frag_expire(struct bh_gap *gap)
{
	bh_time_ms now = bh_now(gap->env), max = gap->cfg.reassembly_timeout_ms;
	for (unsigned i = 0; i < gap->cfg.reassembly_slots; i++) {
		if (gap->dead[i].used && now - gap->dead[i].at > max)
			gap->dead[i].used = false;
		if (gap->frags[i].used && now - gap->frags[i].last > max)
			frag_abandon(gap, &gap->frags[i], "no fragment for too long");
	}
}

/* Is r the remainder of a chain given up? (Its last fragment ends the
 * memory of it.) */
static bool dead_tail(struct bh_gap *gap, const struct gap_report *r, bool last)
{
	for (unsigned i = 0; i < gap->cfg.reassembly_slots; i++) {
		struct gap_dead_chain *d = &gap->dead[i];
		if (!d->used || !same_chain(&d->addr, d->sid, d->scan_rsp, r))
			continue;
		gap->stats.chain_tails_dropped++;
		if (last)
			d->used = false;
		else
			d->at = bh_now(gap->env);
		return true;
	}
	return false;
}

static struct gap_frag *frag_find(struct bh_gap *gap, const struct gap_report *r, bool create)
{
	struct gap_frag *old = NULL;
	for (unsigned i = 0; i < gap->cfg.reassembly_slots; i++) {
		struct gap_frag *f = &gap->frags[i];
		if (f->used && same_chain(&f->addr, f->sid, f->scan_rsp, r))
			return f;
	}
	if (!create)
		return NULL;
	for (unsigned i = 0; i < gap->cfg.reassembly_slots; i++) {
		struct gap_frag *f = &gap->frags[i];
		if (!f->used) {
			old = f;
			break;
		}
		if (!old || f->stamp < old->stamp)
			old = f;
	}
	/* A slot's buffer is made on its first chain and kept until the scan
	 * stops or restarts (used slots always have one). Without memory the
	 * new chain is given up at once, so its remainder is not taken for
	 * a whole report. */
	if (!old->buf && !(old->buf = malloc(gap->cfg.scan_data_max))) {
		struct gap_frag lost = { .addr = r->addr, .sid = r->sid, .scan_rsp = r->scan_rsp };
		gap->stats.reports_dropped_nomem++;
		frag_abandon(gap, &lost, "no memory for its reassembly buffer");
		return NULL;
	}
	if (old->used)
		frag_abandon(gap, old, "its slot was needed by another chain");
	old->used = true;
	old->addr = r->addr;
	old->sid = r->sid;
	old->scan_rsp = r->scan_rsp;
	old->len = old->total = 0;
	old->clipped = false;
	return old;
}

static void frag_append(struct bh_gap *gap, struct gap_frag *f, const struct gap_report *r)
{
	size_t cap = gap->cfg.scan_data_max;
	size_t room = cap - f->len;
	size_t n = r->len < room ? r->len : room;
	if (n)
		memcpy(f->buf + f->len, r->data, n);
	f->len += n;
	f->total += r->len;
	if (n < r->len)
		f->clipped = true;
	f->stamp = ++gap->stamp;
	f->last = bh_now(gap->env);
}

/* LE Extended Advertising Report (7.7.65.13). */
void gap_on_ext_adv_report(struct bh_gap *gap, const uint8_t *p, size_t len)
{
	if (gap->scan_state == SCAN_IDLE)
		return;
	/* Event_Type(2) Address_Type(1) Address(6) Primary_PHY(1)
	 * Secondary_PHY(1) Advertising_SID(1) TX_Power(1) RSSI(1)
	 * Periodic_Advertising_Interval(2) Direct_Address_Type(1)
	 * Direct_Address(6) Data_Length(1) Data; Data_Length is at most 229
	 * (255 - 2 - 24) for one report. */
	if (!event_consistent(gap, "extended advertising report", p, len, EXT_REPORT_FIXED, 23,
			      255))
		return;
	frag_expire(gap);
	/* The walk above proved every report whole: read them in place
	 * (the direct address, octets 16-22, is not used). */
	uint8_t num = p[0];
	const uint8_t *q = p + 1;
	for (unsigned i = 0; i < num; i++) {
		struct gap_report r = { 0 };
		uint16_t type = bh_get16(q);
		r.addr.type = q[2];
		memcpy(r.addr.val, q + 3, 6);
		r.pphy = q[9];
		r.sphy = q[10];
		r.sid = q[11];
		r.tx_power = (int8_t)q[12];
		r.rssi = (int8_t)q[13];
		r.periodic_interval = bh_get16(q + 14);
		uint8_t dlen = q[23];
		r.data = q + EXT_REPORT_FIXED;
		r.len = dlen;
		q += EXT_REPORT_FIXED + dlen;
		r.connectable = type & 0x01;
		r.scannable = type & 0x02;
		r.directed = type & 0x04;
		r.scan_rsp = type & 0x08;
		r.legacy = type & 0x10;
		unsigned status = (type >> 5) & 3;
		if (r.legacy && (r.len > BH_AD_LEGACY_MAX || status != 0))
			continue; /* a legacy PDU is never longer, nor split: corrupt */
		if (dead_tail(gap, &r, status != 1))
			continue;
		if (status == 1) {
			struct gap_frag *f = frag_find(gap, &r, true);
			if (f)
				frag_append(gap, f, &r);
			continue;
		}
		r.truncated = status != 0; /* 0b10, and the reserved 0b11 read as such */
		struct gap_frag *f = frag_find(gap, &r, false);
		if (f) {
			frag_append(gap, f, &r);
			r.data = f->buf;
			r.len = f->len;
			r.clipped = f->clipped;
			if (f->total > BH_AD_EXT_MAX)
				r.truncated = true; /* past the maximum: not what was sent */
			f->used = false;
		}
		if (r.truncated)
			gap->stats.chains_truncated++;
		gap_deliver(gap, &r);
	}
}
