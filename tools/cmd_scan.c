/* blehost scan: one line per device as it is found (updated in place on a
 * terminal), or one JSON object per device event with --json. */
#include "cli.h"

#include <blehost/gap.h>
#include "text_escape.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ROWS 256

struct scan_ui {
	struct cli *c;
	bool tty;
	bh_addr rows[MAX_ROWS];
	unsigned nrows;
	bool done;
	bh_status reason;
	struct scan_periodic *per; /* --periodic, else NULL */
};

/* --periodic (cmd_scan_periodic.c): sync to periodic advertisers seen. */
struct scan_periodic;
struct scan_periodic *scan_periodic_new(struct cli *c, struct bh_gap *gap);
void scan_periodic_seen(struct scan_periodic *sp, const struct bh_gap_device *d);
/* Cancels and terminates its syncs; returns how many were established.
 * Free it only after the host: a cancelled Create Sync still answers. */
unsigned scan_periodic_stop(struct scan_periodic *sp);

static int scan_end(struct cli *c, struct scan_ui *ui, int rc)
{
	rc = cli_finish(c, rc);
	free(ui->per);
	return rc;
}

void cli_print_device_json(FILE *f, const struct bh_gap_device *d);

/* The device's AD list is the advertisement's UUIDs followed by the scan
 * response's; a device that lists a UUID in both (common: the response
 * repeats the primary service) shows it once. */
static bool uuid_listed_before(const struct bh_ad *ad, unsigned i)
{
	for (unsigned k = 0; k < i; k++)
		if (bh_uuid_eq(&ad->uuids[k].uuid, &ad->uuids[i].uuid))
			return true;
	return false;
}

void cli_print_device_json(FILE *f, const struct bh_gap_device *d)
{
	char addr[BH_ADDR_STRLEN], ubuf[BH_UUID_STRLEN];
	struct json j;
	json_begin(&j, f);
	json_str(&j, "address", bh_addr_str_bare(&d->addr, addr));
	json_str(&j, "type", bh_addr_is_random(&d->addr) ? "random" : "public");
	if (d->resolved)
		json_str(&j, "identity", bh_addr_str(&d->identity, addr));
	/* The advertiser chooses these bytes: valid JSON whatever they are,
	 * and their exact value beside when they are not UTF-8. */
	if (d->ad.name_len) {
		json_text(&j, "name", d->ad.name, d->ad.name_len);
		if (!text_utf8_valid(d->ad.name, d->ad.name_len))
			json_hex(&j, "name_hex", d->ad.name, d->ad.name_len);
	} else {
		json_str(&j, "name", NULL);
	}
	if (d->rssi == BH_GAP_RSSI_NA)
		json_str(&j, "rssi", NULL);
	else
		json_int(&j, "rssi", d->rssi);
	json_bool(&j, "connectable", d->connectable);
	json_bool(&j, "scan_response", d->last_was_scan_rsp);
	/* Data the controller reported cut short (or longer than any PDU
	 * can be): what is shown is not all the device sent. */
	json_bool(&j, "truncated", d->incomplete);
	json_bool(&j, "clipped", d->data_clipped);
	json_obj(&j, "manufacturer_data");
	for (unsigned i = 0; i < d->ad.n_mfr; i++) {
		char k[8];
		snprintf(k, sizeof(k), "%u", d->ad.mfr[i].company);
		json_hex(&j, k, d->ad.mfr[i].data, d->ad.mfr[i].len);
	}
	json_close(&j, '}');
	json_obj(&j, "service_data");
	for (unsigned i = 0; i < d->ad.n_svc_data; i++)
		json_hex(&j, bh_uuid_str(&d->ad.svc_data[i].uuid, ubuf), d->ad.svc_data[i].data,
			 d->ad.svc_data[i].len);
	json_close(&j, '}');
	json_arr(&j, "service_uuids");
	for (unsigned i = 0; i < d->ad.n_uuids; i++)
		if (!uuid_listed_before(&d->ad, i))
			json_item_str(&j, bh_uuid_str(&d->ad.uuids[i].uuid, ubuf));
	json_close(&j, ']');
	if (d->ad.present & BH_AD_HAS_TX_POWER)
		json_int(&j, "tx_power", d->ad.tx_power);
	else
		json_str(&j, "tx_power", NULL);
	if (d->ad.present & BH_AD_HAS_APPEARANCE)
		json_int(&j, "appearance", d->ad.appearance);
	json_hex(&j, "raw", d->adv_data, d->adv_len);
	if (d->has_scan_rsp)
		json_hex(&j, "raw_scan_response", d->rsp_data, d->rsp_len);
	json_end(&j);
}

static void print_row(FILE *f, const struct bh_gap_device *d)
{
	char addr[BH_ADDR_STRLEN], ubuf[BH_UUID_STRLEN];
	fprintf(f, "%-24s", bh_addr_str(&d->addr, addr));
	if (d->rssi == BH_GAP_RSSI_NA)
		fprintf(f, "  rssi n/a");
	else
		fprintf(f, "  %4d dBm", d->rssi);
	/* A name may hold escape sequences, backspaces or newlines meant to
	 * drive the terminal or forge other lines: escaped. */
	char name[4 * 248 + 1];
	text_escape(name, sizeof(name), d->ad.name, d->ad.name_len, false);
	fprintf(f, "  %-20s", d->ad.name_len ? name : "(no name)");
	fprintf(f, "%s", d->incomplete ? "  (truncated)" : "");
	fprintf(f, "%s", d->connectable ? "  connectable" : "");
	if (d->resolved)
		fprintf(f, "  identity %s", bh_addr_str(&d->identity, addr));
	if (!d->legacy) /* extended advertising: which set, on which PHY */
		fprintf(f, "  sid %u%s", d->sid, d->primary_phy == BH_GAP_PHY_CODED ? " coded" : "");
	if (d->periodic_interval)
		fprintf(f, "  periodic %.2f ms", d->periodic_interval * 1.25);
	for (unsigned i = 0, shown = 0; i < d->ad.n_uuids && shown < 3; i++) {
		if (uuid_listed_before(&d->ad, i))
			continue;
		fprintf(f, "  %s", bh_uuid_str(&d->ad.uuids[i].uuid, ubuf));
		shown++;
	}
	for (unsigned i = 0; i < d->ad.n_mfr && i < 2; i++)
		fprintf(f, "  mfr 0x%04x", d->ad.mfr[i].company);
}

static void on_device(void *ctx, const struct bh_gap_device *d)
{
	struct scan_ui *ui = ctx;
	if (ui->per)
		scan_periodic_seen(ui->per, d);
	if (ui->c->json) {
		cli_print_device_json(stdout, d);
		return;
	}
	unsigned row = 0;
	while (row < ui->nrows && !bh_addr_eq(&ui->rows[row], &d->addr))
		row++;
	if (row == ui->nrows) {
		if (ui->nrows < MAX_ROWS)
			ui->rows[ui->nrows++] = d->addr;
		print_row(stdout, d);
		fputc('\n', stdout);
	} else if (ui->tty) {
		unsigned up = ui->nrows - row;
		printf("\033[%uA\r\033[K", up);
		print_row(stdout, d);
		printf("\033[%uB\r", up);
	} else {
		print_row(stdout, d);
		fputc('\n', stdout);
	}
	fflush(stdout);
}

static void on_done(void *ctx, bh_status reason)
{
	struct scan_ui *ui = ctx;
	ui->done = true;
	ui->reason = reason;
}

int cmd_scan(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "name", required_argument, NULL, 'n' },
		{ "service", required_argument, NULL, 's' },
		{ "min-rssi", required_argument, NULL, 'r' },
		{ "passive", no_argument, NULL, 'p' },
		{ "all-reports", no_argument, NULL, 'a' },
		{ "extended", no_argument, NULL, 'e' },
		{ "phy", required_argument, NULL, 'P' },
		{ "periodic", no_argument, NULL, 'y' },
		{ 0 },
	};
	bool extended = false, periodic = false;
	double timeout = 10;
	struct bh_gap_scan_filter filter = { 0 };
	bh_uuid uuids[8];
	struct bh_gap_scan_params p = { .active = true };
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 't':
			if (cli_opt_seconds(c, "--timeout", optarg, &timeout))
				return 1;
			break;
		case 'n': filter.name_substr = optarg; break;
		case 's':
			if (filter.n_uuids >= 8 || bh_uuid_parse(optarg, &uuids[filter.n_uuids]))
				return cli_fail(c, "bad --service UUID '%s'", optarg);
			filter.n_uuids++;
			break;
		case 'r': {
			/* An advertising report's RSSI: -127 to +20 dBm (Vol 4, Part E, 7.7.65.2). */
			long dbm;
			if (cli_parse_long(optarg, -127, 20, &dbm))
				return cli_fail(c, "bad --min-rssi '%s' (dBm, -127 to 20)", optarg);
			filter.use_min_rssi = true;
			filter.min_rssi = (int8_t)dbm;
			break;
		}
		case 'p': p.active = false; break;
		case 'a': p.all_reports = true; break;
		case 'e': extended = true; break;
		case 'y': periodic = true; break;
		case 'P': {
			static const char *const words[] = { "1m", "coded", "both", NULL };
			if (cli_phy_option(c, "scanning", words, optarg, &p.phys, NULL))
				return 1;
			break;
		}
		default: return cli_fail(c, "usage: scan [--timeout S] [--name TEXT] [--service UUID] [--min-rssi DBM] [--passive] [--all-reports] [--extended] [--phy 1m|coded|both] [--periodic]");
		}
	}
	filter.uuids = uuids;
	/* Said before the controller is opened: no controller can help. */
	bool needs_ext = extended || periodic || (p.phys & BH_GAP_PHY_MASK_CODED);
	if (needs_ext && !bh_gap_extended_built())
		return cli_fail(c, "%s is not in this build (-Dext_adv=false)",
				periodic ? "periodic advertising" : "extended scanning");
	struct bh_host *h = cli_open_host(c, NULL);
	if (!h)
		return 1;
	struct scan_ui ui = { .c = c, .tty = isatty(1) && !c->json };
	p.timeout_ms = timeout > 0 ? (unsigned)(timeout * 1000) : 0;
	p.filter = &filter;
	p.on_device = on_device;
	p.on_done = on_done;
	p.ctx = &ui;
	unsigned timeouts = cli_cmd_timeouts(c);
	/* --extended and the Coded PHY need LE Set Extended Scan Parameters. */
	if ((extended || (p.phys & BH_GAP_PHY_MASK_CODED)) && !bh_gap_uses_extended(bh_host_gap(h)))
		return cli_finish(c, cli_fail(c, "this controller has no extended scanning"));
	if (periodic && !(ui.per = scan_periodic_new(c, bh_host_gap(h))))
		return cli_finish(c, cli_fail(c, "out of memory"));
	int rc = bh_gap_scan_start(bh_host_gap(h), &p);
	if (rc)
		return scan_end(c, &ui, cli_fail(c, "cannot start scanning: %s", bh_strerror(rc)));
	bh_loop_run_until(bh_host_loop(h), &ui.done, BH_NEVER);
	if (!ui.done) { /* interrupted */
		bh_gap_scan_stop(bh_host_gap(h));
		bh_loop_run_until(bh_host_loop(h), &ui.done, 2000);
	}
	unsigned synced = scan_periodic_stop(ui.per);
	if (periodic && !c->json)
		fprintf(stderr, "%u periodic advertising train%s synchronised\n", synced,
			synced == 1 ? "" : "s");
	if (ui.reason != BH_OK && ui.reason != BH_ETIMEDOUT)
		return scan_end(c, &ui, cli_fail(c, "scan ended: %s", bh_strerror(ui.reason)));
	if (cli_cmd_timeouts(c) != timeouts)
		return scan_end(c, &ui, cli_fail(c, "scan ended: the controller stopped answering"));
	if (!c->json)
		fprintf(stderr, "%u device%s found\n", ui.nrows, ui.nrows == 1 ? "" : "s");
	return scan_end(c, &ui, 0);
}
