/* Periodic advertising sync, scanner side (Vol 4, Part E, 7.8.67-7.8.69;
 * events 7.7.65.14-16): Create Sync, its cancel, Terminate Sync, Sync
 * Established, Periodic Advertising Report (reassembled across Data_Status
 * "more to come") and Sync Lost, delivered to the application.
 */
#include "gap_internal.h"

#include <stdlib.h>
#include <string.h>

enum { P_CREATE, P_CANCEL, P_TERMINATE };

static struct gap_sync *sync_find(struct bh_gap *gap, uint16_t handle)
{
	for (unsigned i = 0; i < GAP_SYNCS; i++)
		if (gap->syncs[i].used && gap->syncs[i].established && gap->syncs[i].handle == handle)
			return &gap->syncs[i];
	return NULL;
}

/* The pending Create Sync ends: on_sync gets its one answer. */
static void pending_end(struct bh_gap *gap, bh_status st, const struct bh_gap_sync_info *info)
{
	if (gap->sync_pending < 0)
		return;
	struct gap_sync *s = &gap->syncs[gap->sync_pending];
	gap->sync_pending = -1;
	gap->sync_cancelling = false;
	if (st) {
		s->used = false;
	} else {
		s->established = true;
		s->handle = info->sync_handle;
		s->len = 0;
		s->clipped = s->dropping = false;
	}
	if (s->p.on_sync)
		s->p.on_sync(s->p.ctx, st, st ? NULL : info);
}

static void sync_done(struct bh_gap *gap, bh_status st, const uint8_t *ret, size_t len,
		      uintptr_t arg)
{
	(void)ret;
	(void)len;
	if (arg == P_CREATE && st)
		pending_end(gap, st, NULL); /* Command Status refused it: no event follows */
	else if (arg == P_CANCEL && st && gap->sync_cancelling)
		gap->sync_cancelling = false; /* too late: Sync Established comes anyway */
	else if (st)
		gap_log(gap, BH_LOG_WARN, "terminate sync: %s", bh_strerror(st));
}

int bh_gap_sync_create(struct bh_gap *gap, const struct bh_gap_sync_params *p)
{
	if (!p || p->addr.type > BH_ADDR_RANDOM_ID || p->sid > 0x0f || p->skip > 0x01f3)
		return BH_EINVAL;
	unsigned t = p->timeout_ms ? p->timeout_ms : 2000;
	if (t < 100 || t > 163840)
		return BH_EINVAL;
	if (!gap_ext_adv(gap))
		return BH_ENOTSUP;
	if (gap->sync_pending >= 0)
		return BH_EBUSY;
	int idx = -1;
	for (unsigned i = 0; i < GAP_SYNCS && idx < 0; i++)
		if (!gap->syncs[i].used)
			idx = (int)i;
	if (idx < 0)
		return BH_ENOSPACE;
	struct gap_sync *s = &gap->syncs[idx];
	if (!s->buf && !(s->buf = malloc(BH_AD_EXT_MAX)))
		return BH_ENOMEM;
	/* Options 0: this advertiser, not the list; reports enabled (7.8.67). */
	uint8_t c[14] = { 0x00, p->sid, p->addr.type };
	memcpy(c + 3, p->addr.val, 6);
	bh_put16(c + 9, p->skip);
	bh_put16(c + 11, (uint16_t)(t / 10));
	c[13] = 0; /* Sync_CTE_Type: any */
	s->used = true;
	s->established = false;
	s->p = *p;
	gap->sync_pending = idx;
	gap->sync_cancelling = false;
	int rc = gap_cmd(gap, PROC_MISC, BH_HCI_LE_PERIODIC_CREATE_SYNC, c, 14, sync_done, P_CREATE);
	if (rc) {
		s->used = false;
		gap->sync_pending = -1;
	}
	return rc;
}

int bh_gap_sync_cancel(struct bh_gap *gap)
{
	if (gap->sync_pending < 0 || gap->sync_cancelling)
		return BH_ESTATE;
	int rc = gap_cmd(gap, PROC_MISC, BH_HCI_LE_PERIODIC_CREATE_SYNC_CANCEL, NULL, 0, sync_done,
			 P_CANCEL);
	if (!rc)
		gap->sync_cancelling = true;
	return rc;
}

int bh_gap_sync_terminate(struct bh_gap *gap, uint16_t sync_handle)
{
	struct gap_sync *s = sync_find(gap, sync_handle);
	if (!s)
		return BH_ESTATE;
	uint8_t h[2];
	bh_put16(h, sync_handle);
	int rc = gap_cmd(gap, PROC_MISC, BH_HCI_LE_PERIODIC_TERMINATE_SYNC, h, 2, sync_done,
			 P_TERMINATE);
	if (!rc)
		s->used = s->established = false; /* the caller asked: no on_lost */
	return rc;
}

size_t bh_gap_sync_count(const struct bh_gap *gap)
{
	size_t n = 0;
	for (unsigned i = 0; i < GAP_SYNCS; i++)
		n += gap->syncs[i].used && gap->syncs[i].established;
	return n;
}

/* LE Periodic Advertising Sync Established (7.7.65.14). */
void gap_on_sync_established(struct bh_gap *gap, const uint8_t *p, size_t len)
{
	struct bh_rd r = bh_rd_init(p, len);
	uint8_t status = bh_rd_u8(&r);
	struct bh_gap_sync_info in = { 0 };
	in.sync_handle = bh_rd_u16(&r) & 0x0fff;
	in.sid = bh_rd_u8(&r);
	in.addr.type = bh_rd_u8(&r);
	bh_rd_copy(&r, in.addr.val, 6);
	in.phy = bh_rd_u8(&r);
	in.interval = bh_rd_u16(&r);
	bh_rd_u8(&r); /* Advertiser_Clock_Accuracy */
	if (gap->sync_pending < 0 || (!bh_rd_ok(&r) && status == 0))
		return; /* nothing asked for, or too short to trust */
	if (status == 0 && sync_find(gap, in.sync_handle)) {
		gap_log(gap, BH_LOG_INFO, "sync handle 0x%03x established twice", in.sync_handle);
		return;
	}
	bh_status st = BH_OK;
	if (status == 0x44) /* Operation Cancelled by Host */
		st = BH_ECANCELLED;
	else if (status)
		st = BH_HCI_STATUS(status);
	pending_end(gap, st, &in);
}

/* LE Periodic Advertising Report (7.7.65.15): fragments with Data_Status
 * 1 are gathered until 0 (complete) or 2 (truncated). */
void gap_on_periodic_report(struct bh_gap *gap, const uint8_t *p, size_t len)
{
	struct bh_rd r = bh_rd_init(p, len);
	struct bh_gap_periodic_report rep = { 0 };
	rep.sync_handle = bh_rd_u16(&r) & 0x0fff;
	rep.tx_power = (int8_t)bh_rd_u8(&r);
	rep.rssi = (int8_t)bh_rd_u8(&r);
	bh_rd_u8(&r); /* CTE_Type */
	uint8_t status = bh_rd_u8(&r);
	uint8_t dlen = bh_rd_u8(&r);
	const uint8_t *d = bh_rd_ptr(&r, dlen);
	/* A data length past the event, or more than one report's worth. */
	if (!bh_rd_ok(&r) || dlen > 247) {
		gap->stats.reports_rejected++;
		return;
	}
	struct gap_sync *s = sync_find(gap, rep.sync_handle);
	if (!s)
		return;
	if (status == 0xff) /* 5.1+: the controller failed to receive this one */
		return;
	size_t room = BH_AD_EXT_MAX - s->len;
	size_t take = dlen < room ? dlen : room;
	if (take)
		memcpy(s->buf + s->len, d, take);
	s->len += take;
	s->clipped |= take < dlen;
	if (status == 1)
		return;
	rep.data = s->buf;
	rep.len = s->len;
	rep.incomplete = status != 0 || s->clipped;
	s->len = 0;
	s->clipped = false;
	if (rep.incomplete)
		gap->stats.chains_truncated++;
	if (s->p.on_report)
		s->p.on_report(s->p.ctx, &rep);
}

/* LE Periodic Advertising Sync Lost (7.7.65.16). */
void gap_on_sync_lost(struct bh_gap *gap, const uint8_t *p, size_t len)
{
	struct bh_rd r = bh_rd_init(p, len);
	uint16_t h = bh_rd_u16(&r) & 0x0fff;
	struct gap_sync *s = bh_rd_ok(&r) ? sync_find(gap, h) : NULL;
	if (!s)
		return;
	s->used = s->established = false;
	if (s->p.on_lost)
		s->p.on_lost(s->p.ctx, h, BH_ETIMEDOUT);
}

#ifndef BH_GAP_NO_EXT
void gap_sync_reset(struct bh_gap *gap, bh_status reason)
{
	pending_end(gap, reason, NULL);
	for (unsigned i = 0; i < GAP_SYNCS; i++) {
		struct gap_sync *s = &gap->syncs[i];
		if (!s->used || !s->established)
			continue;
		s->used = s->established = false;
		if (s->p.on_lost)
			s->p.on_lost(s->p.ctx, s->handle, reason);
	}
}

void gap_sync_free(struct bh_gap *gap)
{
	for (unsigned i = 0; i < GAP_SYNCS; i++)
		free(gap->syncs[i].buf);
}
#endif
