/* blehost scan --periodic: synchronise to each periodic advertising train
 * the scan finds (one Create Sync at a time, as the controller allows) and
 * print its reports: "periodic ADDR sid N: HEX" (or JSON objects with
 * "event":"periodic"). */
#include "cli.h"

#include <blehost/gap.h>

#include <stdlib.h>

#define MAX_TRAINS 4

struct scan_periodic {
	struct cli *c;
	struct bh_gap *gap;
	bool pending;
	unsigned n, synced;
	struct train {
		bh_addr addr;
		uint8_t sid;
		bool tried, up;
		uint16_t handle;
		struct scan_periodic *sp;
	} t[MAX_TRAINS];
};

static void on_sync(void *ctx, bh_status st, const struct bh_gap_sync_info *in)
{
	struct train *t = ctx;
	struct scan_periodic *sp = t->sp;
	char a[BH_ADDR_STRLEN];
	sp->pending = false;
	if (st) {
		fprintf(stderr, "periodic sync to %s sid %u failed: %s\n", bh_addr_str(&t->addr, a),
			t->sid, bh_strerror(st));
		return;
	}
	t->up = true;
	t->handle = in->sync_handle;
	sp->synced++;
	if (sp->c->json) {
		struct json j;
		json_begin(&j, stdout);
		json_str(&j, "event", "periodic_sync");
		json_str(&j, "address", bh_addr_str(&t->addr, a));
		json_int(&j, "sid", t->sid);
		json_int(&j, "interval_us", in->interval * 1250);
		json_end(&j);
	} else {
		printf("periodic sync: %s sid %u every %.2f ms\n", bh_addr_str(&t->addr, a), t->sid,
		       in->interval * 1.25);
	}
	fflush(stdout);
}

static void on_report(void *ctx, const struct bh_gap_periodic_report *r)
{
	struct train *t = ctx;
	char a[BH_ADDR_STRLEN];
	if (t->sp->c->json) {
		struct json j;
		json_begin(&j, stdout);
		json_str(&j, "event", "periodic");
		json_str(&j, "address", bh_addr_str(&t->addr, a));
		json_int(&j, "sid", t->sid);
		json_bool(&j, "truncated", r->incomplete);
		json_hex(&j, "data", r->data, r->len);
		json_end(&j);
	} else {
		printf("periodic %s sid %u:%s ", bh_addr_str(&t->addr, a), t->sid,
		       r->incomplete ? " (truncated)" : "");
		for (size_t i = 0; i < r->len; i++)
			printf("%02x", r->data[i]);
		fputc('\n', stdout);
	}
	fflush(stdout);
}

static void on_lost(void *ctx, uint16_t handle, bh_status st)
{
	struct train *t = ctx;
	char a[BH_ADDR_STRLEN];
	(void)handle;
	t->up = false;
	fprintf(stderr, "periodic sync to %s lost: %s\n", bh_addr_str(&t->addr, a), bh_strerror(st));
}

struct scan_periodic *scan_periodic_new(struct cli *c, struct bh_gap *gap)
{
	struct scan_periodic *sp = calloc(1, sizeof(*sp));
	if (sp) {
		sp->c = c;
		sp->gap = gap;
	}
	return sp;
}

void scan_periodic_seen(struct scan_periodic *sp, const struct bh_gap_device *d)
{
	if (!d->periodic_interval || sp->pending)
		return;
	for (unsigned i = 0; i < sp->n; i++)
		if (sp->t[i].sid == d->sid && bh_addr_eq(&sp->t[i].addr, &d->addr))
			return;
	if (sp->n == MAX_TRAINS)
		return;
	struct train *t = &sp->t[sp->n++];
	t->addr = d->addr;
	t->sid = d->sid;
	t->sp = sp;
	struct bh_gap_sync_params p = { .addr = d->addr, .sid = d->sid, .on_sync = on_sync,
					.on_report = on_report, .on_lost = on_lost, .ctx = t };
	int rc = bh_gap_sync_create(sp->gap, &p);
	if (rc)
		fprintf(stderr, "cannot sync to periodic advertising: %s\n", bh_strerror(rc));
	else
		sp->pending = true;
}

unsigned scan_periodic_stop(struct scan_periodic *sp)
{
	if (!sp)
		return 0;
	if (sp->pending)
		bh_gap_sync_cancel(sp->gap);
	for (unsigned i = 0; i < sp->n; i++)
		if (sp->t[i].up)
			bh_gap_sync_terminate(sp->gap, sp->t[i].handle);
	return sp->synced;
}
