/* blehost advertise: advertise a name, services and manufacturer data. */
#include "cli.h"

#include <blehost/gap.h>

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

int cmd_advertise(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "service", required_argument, NULL, 's' },
		{ "manufacturer", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ "nonconnectable", no_argument, NULL, 'N' },
		{ "random", no_argument, NULL, 'r' },
		{ "set", required_argument, NULL, 'S' },
		{ "phy", required_argument, NULL, 'P' },
		{ 0 },
	};
	char *sets[BH_GAP_ADV_SETS_MAX];
	int n_sets = 0;
	uint8_t phy = 0;
	const char *name = NULL;
	bh_uuid uuids[8];
	size_t n_uuids = 0;
	uint16_t company = 0;
	uint8_t mfr[64];
	int mfr_len = -1;
	double timeout = 0;
	bool nonconn = false;
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'n': name = optarg; break;
		case 's':
			if (n_uuids >= 8 || bh_uuid_parse(optarg, &uuids[n_uuids]))
				return cli_fail(c, "bad --service UUID '%s'", optarg);
			n_uuids++;
			break;
		case 'm': {
			char *colon = strchr(optarg, ':');
			if (!colon)
				return cli_fail(c, "--manufacturer wants ID:HEX, e.g. 0x004c:0215");
			company = (uint16_t)strtoul(optarg, NULL, 0);
			mfr_len = cli_parse_hex(colon + 1, mfr, sizeof(mfr));
			if (mfr_len < 0)
				return cli_fail(c, "bad manufacturer data '%s'", colon + 1);
			break;
		}
		case 't': timeout = atof(optarg); break;
		case 'N': nonconn = true; break;
		case 'r': c->cfg.use_random_address = true; break;
		case 'S':
			if (n_sets >= BH_GAP_ADV_SETS_MAX)
				return cli_fail(c, "at most %d --set options", BH_GAP_ADV_SETS_MAX);
			sets[n_sets++] = optarg;
			break;
		case 'P':
			if (!strcmp(optarg, "coded"))
				phy = BH_GAP_PHY_CODED;
			else if (strcmp(optarg, "1m"))
				return cli_fail(c, "--phy: advertising uses 1m or coded");
			break;
		default: return cli_fail(c, "usage: advertise [--name N] [--service UUID]... [--manufacturer ID:HEX] [--timeout S] [--nonconnectable] [--random] [--phy 1m|coded] [--set KEY=VAL,...]...");
		}
	}
	/* Advertising sets (extended advertising), or the Coded PHY, which
	 * only a set can use: the --name etc. options become one set. */
	if (n_sets || phy) {
		char one[512];
		if (!n_sets) {
			snprintf(one, sizeof(one), "%s%s%s", name ? "name=" : "", name ? name : "",
				 nonconn ? (name ? ",nonconnectable" : "nonconnectable") : "");
			sets[n_sets++] = one;
		}
		return cli_advertise_sets(c, sets, n_sets, phy, timeout);
	}
	/* Flags, UUIDs and manufacturer data in the advertisement; the name in
	 * the scan response when it does not fit beside them. */
	uint8_t adv[BH_AD_LEGACY_MAX], rsp[BH_AD_LEGACY_MAX];
	struct bh_ad_builder a, r;
	bh_ad_build_init(&a, adv, sizeof(adv));
	bh_ad_build_init(&r, rsp, sizeof(rsp));
	int rc = bh_ad_add_flags(&a, BH_AD_FLAG_LE_GENERAL | BH_AD_FLAG_NO_BREDR);
	if (!rc && n_uuids)
		rc = bh_ad_add_uuids(&a, uuids, n_uuids, true);
	if (!rc && mfr_len >= 0)
		rc = bh_ad_add_manufacturer(&a, company, mfr, (size_t)mfr_len);
	if (rc)
		return cli_fail(c, "advertising data does not fit in 31 bytes: %s", bh_strerror(rc));
	if (name && bh_ad_add_name(&a, name, true) && (rc = bh_ad_add_name(&r, name, true)))
		return cli_fail(c, "name '%s' does not fit in the scan response", name);

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
