/* libFuzzer target: LE Meta events (advertising and extended advertising
 * reports first of all, but every sub-event GAP handles) and HCI events
 * into a scanning, advertising bh_gap with live connections. The first
 * input byte chooses legacy or extended, an RPA or NRPA own address
 * rotated at every timeout step (so rotations of the legacy advertiser and
 * of a running set meet every event), and whether the fake port completes
 * each command at once with success or keeps it until a record completes
 * it with the status the record gives. Then records of
 * [kind, sub/code/status, len, bytes...]. */
#include <blehost/gap.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_PENDING 8

struct fz_pending {
	bh_hci_cmd_cb cb;
	void *ctx;
};

struct fz {
	struct bh_hci_info info;
	bh_time_ms now;
	bool hold; /* commands wait for a completion record */
	struct fz_pending q[FZ_PENDING];
	unsigned nq;
};

static int fz_cmd(void *ctx, uint16_t op, const void *p, size_t len, bh_hci_cmd_cb cb, void *cbctx)
{
	struct fz *f = ctx;
	(void)op;
	(void)p;
	(void)len;
	if (f->hold) {
		/* GAP keeps one command in flight; a full queue is refused
		 * as bh_hci_cmd refuses one. */
		if (f->nq == FZ_PENDING)
			return BH_ENOMEM;
		f->q[f->nq++] = (struct fz_pending){ cb, cbctx };
		return 0;
	}
	uint8_t ret[3] = { 0, 0xfb, 0x00 };
	cb(cbctx, BH_OK, ret, sizeof(ret));
	return 0;
}

/* Completes the oldest held command with HCI status `status` (0: success). */
static void fz_complete(struct fz *f, uint8_t status)
{
	if (!f->nq)
		return;
	struct fz_pending c = f->q[0];
	memmove(f->q, f->q + 1, (f->nq - 1) * sizeof(f->q[0]));
	f->nq--;
	uint8_t ret[3] = { status, 0xfb, 0x00 };
	c.cb(c.ctx, status ? BH_HCI_STATUS(status) : BH_OK, ret, sizeof(ret));
}

static int fz_make_rpa(void *ctx, bh_addr *out)
{
	struct fz *f = ctx;
	/* Top bits 0b01: a resolvable private address; the rest changes with
	 * the clock so each rotation gets a new one. */
	*out = (bh_addr){ 1, { (uint8_t)f->now, (uint8_t)(f->now >> 8), 3, 4, 5, 0x45 } };
	return 0;
}

static const struct bh_hci_info *fz_info(void *ctx)
{
	return &((struct fz *)ctx)->info;
}

static void fz_dev(void *ctx, const struct bh_gap_device *d)
{
	(void)ctx;
	/* Touch every byte the record points at. */
	volatile uint8_t x = 0;
	for (size_t i = 0; i < d->adv_len; i++)
		x ^= d->adv_data[i];
	for (size_t i = 0; i < d->rsp_len; i++)
		x ^= d->rsp_data[i];
	for (size_t i = 0; i < d->ad.name_len; i++)
		x ^= d->ad.name[i];
	(void)x;
}

static void fz_periodic(void *ctx, const struct bh_gap_periodic_report *r)
{
	(void)ctx;
	volatile uint8_t x = 0;
	for (size_t i = 0; i < r->len; i++)
		x ^= r->data[i];
	(void)x;
}

static void fz_rand(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(0x5a + i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct fz f;
	memset(&f, 0, sizeof(f));
	if (data[0] & 1) {
		f.info.commands[36] = (1u << 2) | (1u << 5);
		f.info.commands[37] = (1u << 5) | (1u << 6) | (1u << 7);
		f.info.le_features[1] = 1u << 4;
	}
	struct bh_env env = { .now = bh_manual_clock, .now_ctx = &f.now, .random = fz_rand };
	struct bh_gap_port port = { .ctx = &f, .hci_cmd = fz_cmd, .info = fz_info,
				    .make_rpa = fz_make_rpa };
	struct bh_gap_config cfg;
	bh_gap_config_default(&cfg);
	cfg.max_seen = 4;
	cfg.reassembly_slots = 2;
	cfg.max_connections = 3;
	cfg.rpa_timeout_ms = 1000;
	struct bh_gap *gap = bh_gap_new(&cfg, &env, &port);
	if (!gap)
		return 0;
	if (data[0] & 0x18)
		bh_gap_set_own_address(gap, (data[0] & 8) ? BH_GAP_OWN_RPA : BH_GAP_OWN_NRPA, NULL,
				       NULL, NULL);
	f.hold = (data[0] & 0x20) != 0;
	struct bh_gap_scan_filter flt = { .name_substr = (data[0] & 2) ? "a" : NULL };
	struct bh_gap_scan_params sp = { .active = true, .all_reports = (data[0] & 4) != 0,
					 .filter = &flt, .on_device = fz_dev };
	bh_gap_scan_start(gap, &sp);
	struct bh_gap_adv_params ap = { .kind = BH_GAP_ADV_CONN,
					.restart_on_disconnect = true };
	bh_gap_adv_start(gap, &ap, NULL, NULL);
	/* A periodic sync being created and an advertising set running (on
	 * extended controllers), so Sync Established, Periodic Advertising
	 * Reports, Sync Lost and Set Terminated reach their handlers. */
	struct bh_gap_sync_params syp = { .addr = { 1, { 1, 2, 3, 4, 5, 0xc6 } }, .sid = 1,
					  .on_report = fz_periodic };
	bh_gap_sync_create(gap, &syp);
	struct bh_gap_adv_set_params asp = { .adv = { .kind = BH_GAP_ADV_CONN } };
	uint8_t set_handle;
	bh_gap_adv_set_start(gap, &asp, &set_handle, NULL, NULL);
	size_t off = 1;
	while (size - off >= 3) {
		uint8_t kind = data[off], code = data[off + 1], len = data[off + 2];
		off += 3;
		if (len > size - off)
			len = (uint8_t)(size - off);
		/* Copy so reads past the record trip ASan. */
		uint8_t buf[256];
		memcpy(buf, data + off, len);
		off += len;
		if (kind & 4)
			fz_complete(&f, code);
		else if (kind & 1)
			bh_gap_on_event(gap, code, buf, len);
		else
			bh_gap_on_le_meta(gap, code, buf, len);
		if (kind & 2) {
			f.now += 1000000;
			bh_gap_on_timeout(gap);
		}
	}
	bh_gap_free(gap);
	return 0;
}
