/* blehost advertise: advertise a name, services and manufacturer data. */
#include "cli.h"

#include <blehost/gap.h>
#include <blehost/host_link.h>

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

struct adv_ui {
	struct cli *c;
	bool running;
	bool stopped;
	bh_status reason;
	bool started;
	bh_status start_status;
};

static void on_stopped(void *ctx, bh_status reason)
{
	struct adv_ui *ui = ctx;
	ui->stopped = true;
	ui->reason = reason;
}

static void on_started(void *ctx, bh_status st)
{
	struct adv_ui *ui = ctx;
	ui->started = true;
	ui->start_status = st;
}

/* ready again: the controller stopped answering and was reset (HCI
 * recovery); the advertising is gone with it. */
static void on_ready(void *ctx, bh_status st)
{
	struct adv_ui *ui = ctx;
	(void)st;
	if (!ui->running)
		return;
	ui->stopped = true;
	ui->reason = BH_ERESET;
}

static void on_connected(void *ctx, uint16_t handle, bool central, const bh_addr *peer)
{
	struct adv_ui *ui = ctx;
	struct cli *c = ui->c;
	char a[BH_ADDR_STRLEN];
	(void)central;
	if (c->json) {
		struct json j;
		json_begin(&j, stdout);
		json_str(&j, "event", "connected");
		json_int(&j, "handle", handle);
		json_str(&j, "peer", bh_addr_str(peer, a));
		json_end(&j);
	} else {
		printf("connected: %s (handle 0x%04x)\n", bh_addr_str(peer, a), handle);
	}
	fflush(stdout);
}

static void on_disconnected(void *ctx, uint16_t handle, uint8_t reason)
{
	struct adv_ui *ui = ctx;
	struct cli *c = ui->c;
	if (c->json) {
		struct json j;
		json_begin(&j, stdout);
		json_str(&j, "event", "disconnected");
		json_int(&j, "handle", handle);
		json_int(&j, "reason", reason);
		json_end(&j);
	} else {
		printf("disconnected: handle 0x%04x, reason 0x%02x %s\n", handle, reason,
		       bh_hci_status_str(reason));
	}
	fflush(stdout);
}

/* What the options ask to advertise. */
struct adv_opts {
	const char *name;
	bh_uuid uuids[8];
	size_t n_uuids;
	struct {
		uint16_t company;
		uint8_t data[BH_AD_LEGACY_MAX];
		int len;
	} mfr[4];
	size_t n_mfr;
	struct {
		bh_uuid uuid;
		uint8_t data[BH_AD_LEGACY_MAX];
		int len;
	} svc_data[4];
	size_t n_svc_data;
	long appearance;          /* -1: none */
	uint16_t interval;        /* 0.625 ms units; 0: GAP's default */
	uint8_t rsp_raw[BH_AD_LEGACY_MAX];
	int rsp_raw_len;
	char *sets[BH_GAP_ADV_SETS_MAX]; /* --set: advertising sets (cmd_advertise_sets.c) */
	int n_sets;
	uint8_t phy; /* --phy coded: only a set can use it */
};

/* "ID:HEX" or "UUID:HEX"; prints the error. */
static int split_colon(struct cli *c, const char *opt, const char *arg, char *key, size_t cap,
		       const char **hex)
{
	/* Neither a company id nor a UUID holds a colon; hex data may. */
	const char *colon = strchr(arg, ':');
	if (!colon || (size_t)(colon - arg) >= cap)
		return cli_fail(c, "--%s wants %s:HEX, e.g. %s", opt,
				strcmp(opt, "manufacturer") ? "UUID" : "ID",
				strcmp(opt, "manufacturer") ? "180f:64" : "0x004c:0215");
	memcpy(key, arg, (size_t)(colon - arg));
	key[colon - arg] = 0;
	*hex = colon + 1;
	return 0;
}

static int parse_opts(struct cli *c, int argc, char **argv, struct adv_opts *o, double *timeout,
		      bool *nonconn)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "service", required_argument, NULL, 's' },
		{ "manufacturer", required_argument, NULL, 'm' },
		{ "service-data", required_argument, NULL, 'd' },
		{ "appearance", required_argument, NULL, 'a' },
		{ "interval", required_argument, NULL, 'i' },
		{ "scan-response", required_argument, NULL, 'R' },
		{ "timeout", required_argument, NULL, 't' },
		{ "nonconnectable", no_argument, NULL, 'N' },
		{ "random", no_argument, NULL, 'r' },
		{ "set", required_argument, NULL, 'S' },
		{ "phy", required_argument, NULL, 'P' },
		{ 0 },
	};
	char key[64], *end;
	const char *hex = NULL;
	int ch;
	o->appearance = -1;
	o->rsp_raw_len = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': o->name = optarg; break;
		case 's':
			if (o->n_uuids >= 8)
				return cli_fail(c, "at most 8 --service UUIDs");
			if (bh_uuid_parse(optarg, &o->uuids[o->n_uuids]))
				return cli_fail(c, "bad --service UUID '%s'", optarg);
			o->uuids[o->n_uuids] = bh_uuid_shorten(&o->uuids[o->n_uuids]);
			o->n_uuids++;
			break;
		case 'm': {
			if (o->n_mfr >= 4)
				return cli_fail(c, "at most 4 --manufacturer");
			if (split_colon(c, "manufacturer", optarg, key, sizeof(key), &hex))
				return 1;
			unsigned long id;
			if (cli_parse_ulong(key, 0, 0xffff, &id))
				return cli_fail(c, "bad company identifier '%s' (0..0xffff, e.g. 0x004c)",
						key);
			o->mfr[o->n_mfr].company = (uint16_t)id;
			/* 31 bytes less length, type and company id */
			int n = cli_parse_hex(hex, o->mfr[o->n_mfr].data, BH_AD_LEGACY_MAX - 4);
			if (n < 0)
				return cli_hex_fail(c, "manufacturer data", hex, n, BH_AD_LEGACY_MAX - 4,
						    "what fits in a 31-byte advertisement");
			o->mfr[o->n_mfr++].len = n;
			break;
		}
		case 'd': {
			if (o->n_svc_data >= 4)
				return cli_fail(c, "at most 4 --service-data");
			if (split_colon(c, "service-data", optarg, key, sizeof(key), &hex))
				return 1;
			bh_uuid *u = &o->svc_data[o->n_svc_data].uuid;
			if (bh_uuid_parse(key, u))
				return cli_fail(c, "bad --service-data UUID '%s'", key);
			*u = bh_uuid_shorten(u);
			size_t cap = BH_AD_LEGACY_MAX - 2 - u->len;
			int n = cli_parse_hex(hex, o->svc_data[o->n_svc_data].data, cap);
			if (n < 0)
				return cli_hex_fail(c, "service data", hex, n, cap,
						    "what fits in a 31-byte advertisement beside its UUID");
			o->svc_data[o->n_svc_data++].len = n;
			break;
		}
		case 'a': {
			unsigned long v;
			if (cli_parse_ulong(optarg, 0, 0xffff, &v))
				return cli_fail(c, "bad --appearance '%s' (0..0xffff, e.g. 0x0341 for a "
						   "heart rate sensor)", optarg);
			o->appearance = (long)v;
			break;
		}
		case 'i': {
			/* Vol 4, Part E, 7.8.5: 0x0020..0x4000 units of 0.625 ms. */
			double ms = strtod(optarg, &end);
			if (!*optarg || *end || !(ms >= 20.0 && ms <= 10240.0))
				return cli_fail(c, "bad --interval '%s' (milliseconds, 20 to 10240)",
						optarg);
			o->interval = (uint16_t)(ms / 0.625 + 0.5);
			break;
		}
		case 'R':
			o->rsp_raw_len = cli_parse_hex(optarg, o->rsp_raw, sizeof(o->rsp_raw));
			if (o->rsp_raw_len < 0)
				return cli_hex_fail(c, "the scan response", optarg, o->rsp_raw_len,
						    sizeof(o->rsp_raw), "a legacy scan response");
			struct bh_ad check;
			if (bh_ad_parse(&check, o->rsp_raw, (size_t)o->rsp_raw_len))
				return cli_fail(c, "--scan-response '%s' is not AD structures (each a "
						   "length, a type and length-1 bytes)", optarg);
			break;
		case 't':
			if (cli_opt_seconds(c, "--timeout", optarg, timeout))
				return 1;
			break;
		case 'N': *nonconn = true; break;
		case 'r': c->cfg.use_random_address = true; break;
		case 'S':
			if (o->n_sets >= BH_GAP_ADV_SETS_MAX)
				return cli_fail(c, "at most %d --set options", BH_GAP_ADV_SETS_MAX);
			o->sets[o->n_sets++] = optarg;
			break;
		case 'P': {
			static const char *const words[] = { "1m", "coded", NULL };
			uint8_t phys;
			if (cli_phy_option(c, "advertising", words, optarg, &phys, NULL))
				return 1;
			o->phy = phys == BH_HOST_PHY_CODED ? BH_GAP_PHY_CODED : 0;
			break;
		}
		default:
			return cli_fail(c, "usage: advertise [--name N] [--service UUID]... "
					   "[--manufacturer ID:HEX]... [--service-data UUID:HEX]... "
					   "[--appearance N] [--interval MS] [--scan-response HEX] "
					   "[--timeout S] [--nonconnectable] [--random] [--phy 1m|coded] "
					   "[--set KEY=VAL,...]...");
		}
	}
	if (optind < argc)
		return cli_fail(c, "advertise: unexpected argument '%s'", argv[optind]);
	return 0;
}

typedef int (*add_fn)(struct bh_ad_builder *b, const struct adv_opts *o, size_t i);

static int add_uuids(struct bh_ad_builder *b, const struct adv_opts *o, size_t i)
{
	(void)i;
	return bh_ad_add_uuids(b, o->uuids, o->n_uuids, true);
}

static int add_appearance(struct bh_ad_builder *b, const struct adv_opts *o, size_t i)
{
	(void)i;
	return bh_ad_add_appearance(b, (uint16_t)o->appearance);
}

static int add_mfr(struct bh_ad_builder *b, const struct adv_opts *o, size_t i)
{
	return bh_ad_add_manufacturer(b, o->mfr[i].company, o->mfr[i].data, (size_t)o->mfr[i].len);
}

static int add_svc_data(struct bh_ad_builder *b, const struct adv_opts *o, size_t i)
{
	return bh_ad_add_service_data(b, &o->svc_data[i].uuid, o->svc_data[i].data,
				      (size_t)o->svc_data[i].len);
}

static int add_name(struct bh_ad_builder *b, const struct adv_opts *o, size_t i)
{
	(void)i;
	return bh_ad_add_name(b, o->name, true);
}

/* A field goes in the advertisement when it fits, else in the scan
 * response; one that fits in neither is an error naming it. */
static int place(struct cli *c, struct bh_ad_builder *a, struct bh_ad_builder *r, add_fn add,
		 const struct adv_opts *o, size_t i, const char *what)
{
	int rc = add(a, o, i);
	if (rc == BH_ENOSPACE)
		rc = add(r, o, i);
	if (rc == BH_ENOSPACE)
		return cli_fail(c, "%s does not fit: the advertisement and the scan response hold "
				   "31 bytes each (%zu and %zu used)", what, a->len, r->len);
	return rc ? cli_fail(c, "cannot advertise %s: %s", what, bh_strerror(rc)) : 0;
}

static int build(struct cli *c, const struct adv_opts *o, struct bh_ad_builder *a,
		 struct bh_ad_builder *r)
{
	int rc = bh_ad_add_flags(a, BH_AD_FLAG_LE_GENERAL | BH_AD_FLAG_NO_BREDR);
	/* The raw scan response first: it was asked for as written. */
	if (!rc && o->rsp_raw_len > 0) {
		memcpy(r->buf, o->rsp_raw, (size_t)o->rsp_raw_len);
		r->len = (size_t)o->rsp_raw_len;
	}
	if (!rc && o->n_uuids)
		rc = place(c, a, r, add_uuids, o, 0, "the service UUIDs");
	if (!rc && o->appearance >= 0)
		rc = place(c, a, r, add_appearance, o, 0, "the appearance");
	for (size_t i = 0; !rc && i < o->n_mfr; i++)
		rc = place(c, a, r, add_mfr, o, i, "the manufacturer data");
	for (size_t i = 0; !rc && i < o->n_svc_data; i++)
		rc = place(c, a, r, add_svc_data, o, i, "the service data");
	if (!rc && o->name)
		rc = place(c, a, r, add_name, o, 0, "the name");
	return rc;
}

int cmd_advertise(struct cli *c, int argc, char **argv)
{
	static struct adv_opts o;
	double timeout = 0;
	bool nonconn = false;
	memset(&o, 0, sizeof(o));
	if (parse_opts(c, argc, argv, &o, &timeout, &nonconn))
		return 1;
	const char *name = o.name;
	/* Advertising sets (extended advertising), or the Coded PHY, which
	 * only a set can use: the --name etc. options become one set. */
	if (o.n_sets || o.phy) {
		char one[512];
		if (!o.n_sets) {
			snprintf(one, sizeof(one), "%s%s%s", name ? "name=" : "", name ? name : "",
				 nonconn ? (name ? ",nonconnectable" : "nonconnectable") : "");
			o.sets[o.n_sets++] = one;
		}
		return cli_advertise_sets(c, o.sets, o.n_sets, o.phy, timeout);
	}
	uint8_t adv[BH_AD_LEGACY_MAX], rsp[BH_AD_LEGACY_MAX];
	struct bh_ad_builder a, r;
	bh_ad_build_init(&a, adv, sizeof(adv));
	bh_ad_build_init(&r, rsp, sizeof(rsp));
	int rc = build(c, &o, &a, &r);
	if (rc)
		return rc;

	struct adv_ui ui = { .c = c };
	struct bh_host_events ev = { .ctx = &ui, .ready = on_ready, .connected = on_connected,
				     .disconnected = on_disconnected };
	struct bh_host *h = cli_open_host(c, &ev);
	if (!h)
		return 1;
	ui.running = true;
	unsigned timeouts = cli_cmd_timeouts(c);
	struct bh_gap_adv_params p = {
		.kind = nonconn ? (r.len ? BH_GAP_ADV_SCAN : BH_GAP_ADV_NONCONN) : BH_GAP_ADV_CONN,
		.interval_min = o.interval,
		.interval_max = o.interval,
		.data = adv,
		.data_len = a.len,
		.scan_rsp = rsp,
		.scan_rsp_len = r.len,
		.timeout_ms = timeout > 0 ? (unsigned)(timeout * 1000) : 0,
		.restart_on_disconnect = true,
		.on_stopped = on_stopped,
		.ctx = &ui,
	};
	rc = bh_gap_adv_start(bh_host_gap(h), &p, on_started, &ui);
	if (rc)
		return cli_finish(c, cli_fail(c, "cannot advertise: %s", bh_strerror(rc)));
	bh_loop_run_until(bh_host_loop(h), &ui.started, 5000);
	if (!ui.started || ui.start_status)
		return cli_finish(c, cli_fail(c, "advertising did not start: %s",
				bh_strerror(ui.started ? ui.start_status : BH_ETIMEDOUT)));
	char addr[BH_ADDR_STRLEN];
	bh_addr own = bh_gap_own_address(bh_host_gap(h));
	if (!c->json)
		printf("advertising as %s%s%s\n", bh_addr_str(&own, addr), name ? ": " : "",
		       name ? name : "");
	fflush(stdout);
	/* A connection takes the advertising (BH_OK); GAP restarts it when the
	 * link ends, so keep serving until the timeout or an interrupt. */
	while (!c->interrupted) {
		rc = bh_host_wait(h, BH_HOST_NO_LINK, &ui.stopped, BH_NEVER);
		if (bh_host_lost(h) || (rc && rc != BH_ECANCELLED)) {
			ui.reason = bh_host_lost(h) ? bh_host_lost(h) : rc;
			break;
		}
		if (ui.stopped && ui.reason != BH_OK)
			break;
		ui.stopped = false;
	}
	if (!ui.stopped)
		bh_gap_adv_stop(bh_host_gap(h));
	if (!c->json)
		printf("advertising stopped: %s\n",
		       c->interrupted ? "interrupted" : bh_strerror(ui.reason));
	/* --timeout is the one end that is not an error. */
	if (!c->interrupted && ui.reason != BH_ETIMEDOUT && ui.reason != BH_OK)
		return cli_finish(c, cli_fail(c, "advertising stopped: %s", bh_strerror(ui.reason)));
	if (cli_cmd_timeouts(c) != timeouts)
		return cli_finish(c, cli_fail(c, "advertising stopped: the controller stopped answering"));
	return cli_finish(c, 0);
}
