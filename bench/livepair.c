/* livepair: a central and a peripheral blehost on btvirt in one process
 * (see livepair.h). Bench and soak code: it reads clocks and /proc, which
 * the layers themselves never do. */
#include "livepair.h"

#include <blehost/bh_bytes.h>
#include <blehost/gap.h>
#include <blehost/gatt.h>
#include <blehost/att.h>
#include <blehost/hci.h>

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double lp_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

size_t lp_heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks;
}

size_t lp_rss(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long size = 0, resident = 0;
	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return resident * (size_t)sysconf(_SC_PAGESIZE);
}

/* ---- events ---- */

static void ev_connected(void *ctx, uint16_t handle, bool central, const bh_addr *peer)
{
	struct lp_role *r = ctx;
	(void)central;
	(void)peer;
	r->connected++;
	r->conn = handle;
}

static void ev_disconnected(void *ctx, uint16_t handle, uint8_t reason)
{
	struct lp_role *r = ctx;
	(void)handle;
	(void)reason;
	r->disconnected++;
	r->sending = false;
}

static void ev_notification(void *ctx, uint16_t handle, uint16_t attr, const uint8_t *v,
			    size_t len, bool ind)
{
	struct lp_role *r = ctx;
	(void)handle;
	(void)attr;
	if (ind)
		return;
	if (len >= 2) {
		uint16_t seq = bh_get16(v);
		if (seq != (uint16_t)(r->last_seq + 1))
			r->seq_errors++;
		r->last_seq = seq;
	}
	r->notifications++;
	r->notify_bytes += len;
}

static void ev_subscription(void *ctx, uint16_t conn, uint16_t vh, uint16_t value)
{
	struct lp_role *r = ctx;
	(void)conn;
	(void)vh;
	(void)value;
	r->subscriptions++;
}

static void ev_att_request(void *ctx, uint16_t handle, const uint8_t *pdu, size_t len)
{
	struct lp_role *r = ctx;
	(void)handle;
	/* Write Command (Vol 3, Part F, 3.4.5.3): opcode, handle, value. */
	if (len >= 3 && pdu[0] == 0x52) {
		r->write_cmds++;
		r->write_cmd_bytes += len - 3;
	}
}

static void ev_log(void *ctx, enum bh_log_level lvl, const char *layer, const char *msg)
{
	struct lp_role *r = ctx;
	if (lvl <= BH_LOG_WARN || r->lp->verbose)
		fprintf(stderr, "  [%s %s] %s\n", r->name, layer, msg);
}

/* ---- streaming senders (loop sources) ---- */

static bh_time_ms send_deadline(void *arg)
{
	struct lp_role *r = arg;
	/* Due now while there is something to send: the loop then polls with
	 * a zero timeout and retries after BH_EBUSY on the next iteration. */
	return r->sending && r->sent < r->target ? bh_loop_now(r->lp->loop) : BH_NEVER;
}

static void send_run(void *arg)
{
	struct lp_role *r = arg;
	uint8_t v[BH_ATT_MAX_MTU];
	memset(v, 0x5a, sizeof(v));
	bool is_periph = r == &r->lp->peripheral;
	if (r->len > sizeof(v))
		r->len = sizeof(v);
	while (r->sending && r->sent < r->target) {
		bh_put16(v, (uint16_t)r->sent);
		int rc;
		if (is_periph) {
			rc = bh_gatts_notify(bh_host_gatt_server(r->h), r->conn, r->dh.heart_rate, v,
					     r->len, NULL);
		} else {
			struct bh_gattc *g = bh_host_gattc(r->h, r->conn);
			rc = g ? bh_gattc_write_cmd(g, r->lp->peripheral.dh.write_cmd, v, r->len)
			       : BH_ENOTFOUND;
		}
		if (rc == BH_EBUSY) {
			r->busy++;
			return;
		}
		if (rc) {
			if (!r->send_error)
				r->send_error = rc;
			r->sending = false;
			return;
		}
		r->sent++;
	}
}

/* ---- hosts ---- */

static int start_role(struct lp *lp, struct lp_role *r, const char *name, uint16_t mtu)
{
	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.loop = lp->loop;
	cfg.store_dir = "";
	cfg.seeded = true;
	cfg.seed = r == &lp->central ? 1 : 2;
	if (mtu)
		cfg.att_mtu = mtu;
	r->lp = lp;
	r->name = name;
	struct bh_host_events ev = {
		.ctx = r,
		.connected = ev_connected,
		.disconnected = ev_disconnected,
		.notification = ev_notification,
		.subscription = ev_subscription,
		.att_request = ev_att_request,
		.log = ev_log,
	};
	char err[512] = "";
	r->h = bh_host_new(&cfg, &ev, err, sizeof(err));
	if (!r->h) {
		fprintf(stderr, "livepair: %s: %s\n", name, err);
		return -1;
	}
	int rc = bh_host_start_sync(r->h, 5000);
	if (rc) {
		fprintf(stderr, "livepair: %s: bring-up: %s\n", name, bh_strerror(rc));
		return -1;
	}
	bh_loop_add_source(lp->loop, send_deadline, send_run, r);
	return 0;
}

static int advertise(struct lp *lp)
{
	struct lp_role *p = &lp->peripheral;
	uint8_t adv[31];
	struct bh_ad_builder a;
	bh_ad_build_init(&a, adv, sizeof(adv));
	bh_ad_add_flags(&a, BH_AD_FLAG_LE_GENERAL | BH_AD_FLAG_NO_BREDR);
	bh_ad_add_name(&a, "blehost-bench", true);
	struct bh_gap_adv_params ap = {
		.kind = BH_GAP_ADV_CONN,
		.data = adv,
		.data_len = a.len,
		.interval_min = 0x20,
		.interval_max = 0x20,
		.restart_on_disconnect = true,
	};
	int rc = bh_gap_adv_start(bh_host_gap(p->h), &ap, NULL, NULL);
	if (rc) {
		fprintf(stderr, "livepair: advertise: %s\n", bh_strerror(rc));
		return -1;
	}
	lp_run_for(lp, 20);
	return 0;
}

int lp_open(struct lp *lp, uint16_t central_mtu)
{
	memset(lp, 0, sizeof(*lp));
	lp->loop = bh_loop_new();
	if (!lp->loop)
		return -1;
	lp->central.last_seq = 0xffff;
	if (start_role(lp, &lp->peripheral, "peripheral", 0))
		return -1;
	if (demo_db_add(bh_host_gatt_server(lp->peripheral.h), &lp->peripheral.dh) != BH_OK) {
		fprintf(stderr, "livepair: demo database refused\n");
		return -1;
	}
	if (advertise(lp))
		return -1;
	return start_role(lp, &lp->central, "central", central_mtu);
}

void lp_close(struct lp *lp)
{
	if (lp->loop) {
		bh_loop_remove_source(lp->loop, &lp->central);
		bh_loop_remove_source(lp->loop, &lp->peripheral);
	}
	bh_host_free(lp->central.h);
	bh_host_free(lp->peripheral.h);
	lp->central.h = NULL;
	lp->peripheral.h = NULL;
	bh_loop_free(lp->loop);
	lp->loop = NULL;
}

int lp_connect(struct lp *lp, uint16_t *conn)
{
	const struct bh_hci_info *pi = bh_hci_info(bh_host_hci(lp->peripheral.h));
	bh_addr a = pi->bdaddr;
	unsigned before = lp->peripheral.connected;
	/* The peripheral restarts advertising on its own controller after each
	 * disconnection; btvirt fails a connect that comes first at once with
	 * 0x3E, where a real peer would just wait for the next advertisement. */
	int rc = bh_host_connect_sync(lp->central.h, &a, 5000, conn);
	for (int i = 0; i < 100 && rc == BH_HCI_STATUS(0x3e); i++) {
		lp_run_for(lp, 10);
		rc = bh_host_connect_sync(lp->central.h, &a, 5000, conn);
	}
	if (rc)
		return rc;
	/* The peripheral learns of the link from its own controller. */
	for (int i = 0; i < 200 && lp->peripheral.connected == before; i++)
		lp_run_for(lp, 5);
	return lp->peripheral.connected > before ? 0 : BH_ETIMEDOUT;
}

int lp_disconnect(struct lp *lp, uint16_t conn)
{
	unsigned before = lp->peripheral.disconnected;
	int rc = bh_host_disconnect_sync(lp->central.h, conn, 0x13, 3000);
	if (rc)
		return rc;
	for (int i = 0; i < 200 && lp->peripheral.disconnected == before; i++)
		lp_run_for(lp, 5);
	return lp->peripheral.disconnected > before ? 0 : BH_ETIMEDOUT;
}

void lp_run_for(struct lp *lp, unsigned ms)
{
	bool never = false;
	bh_loop_run_until(lp->loop, &never, ms);
}

bool lp_wait_count(struct lp *lp, const uint64_t *count, uint64_t want, unsigned ms)
{
	double end = lp_seconds() + ms / 1000.0;
	while (*count < want && lp_seconds() < end)
		bh_loop_iterate(lp->loop, 1);
	return *count >= want;
}

int lp_subscribe_hr(struct lp *lp, uint16_t conn, uint16_t value)
{
	uint16_t cccd = bh_gatts_cccd_handle(bh_host_gatt_server(lp->peripheral.h),
					     lp->peripheral.dh.heart_rate);
	uint8_t v[2];
	bh_put16(v, value);
	return bh_host_write_sync(lp->central.h, conn, cccd, v, 2, true);
}

void lp_stream_notify(struct lp *lp, uint64_t n, size_t len)
{
	struct lp_role *p = &lp->peripheral;
	p->target = n;
	p->sent = 0;
	p->busy = 0;
	p->len = len;
	p->send_error = 0;
	p->sending = true;
	lp->central.last_seq = 0xffff; /* the stream starts at 0 */
}

void lp_stream_write_cmd(struct lp *lp, uint16_t conn, uint64_t n, size_t len)
{
	struct lp_role *c = &lp->central;
	c->conn = conn;
	c->target = n;
	c->sent = 0;
	c->busy = 0;
	c->len = len;
	c->send_error = 0;
	c->sending = true;
}

void lp_stream_stop(struct lp *lp)
{
	lp->central.sending = false;
	lp->peripheral.sending = false;
}
