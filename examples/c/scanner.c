/* scanner: scan and print what each device advertises.
 *
 *   scanner [SECONDS] [NAME]
 *
 * Scans for SECONDS (default 5). With NAME, only devices whose name
 * contains it are kept, and the scan stops at the first one: the exit code
 * says whether it was found. */
#include <blehost/blehost.h>

#include <stdio.h>
#include <stdlib.h>

static void print_result(const struct bh_host_scan_result *r)
{
	char a[BH_ADDR_STRLEN], u[BH_UUID_STRLEN];
	printf("%s rssi %d%s name \"%s\"\n", bh_addr_str(&r->addr, a), r->rssi,
	       r->connectable ? " connectable" : "", r->name);
	/* r->ad holds every AD field of the advertisement and scan response. */
	for (unsigned i = 0; i < r->ad.n_uuids; i++)
		printf("  service %s\n", bh_uuid_str(&r->ad.uuids[i].uuid, u));
	for (unsigned i = 0; i < r->ad.n_mfr; i++)
		printf("  manufacturer 0x%04x, %u bytes\n", r->ad.mfr[i].company, r->ad.mfr[i].len);
	if (r->ad.present & BH_AD_HAS_TX_POWER)
		printf("  tx power %d dBm\n", r->ad.tx_power);
}

int main(int argc, char **argv)
{
	unsigned seconds = argc > 1 ? (unsigned)atoi(argv[1]) : 5;
	const char *name = argc > 2 ? argv[2] : NULL;

	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.store_dir = "";
	char err[256];
	struct bh_host *h = bh_host_new(&cfg, NULL, err, sizeof(err)); /* $BLEHOST_TRANSPORT */
	if (!h) {
		fprintf(stderr, "scanner: %s\n", err);
		return 1;
	}
	int rc = bh_host_start_sync(h, 5000);
	if (rc) {
		fprintf(stderr, "scanner: controller: %s\n", bh_strerror(rc));
		bh_host_free(h);
		return 1;
	}

	/* Results are large (raw data and the parsed AD): not on the stack. */
	static struct bh_host_scan_result results[32];
	size_t n = 0;
	struct bh_gap_scan_filter filter = { .name_substr = name };
	struct bh_host_scan_opts opts = {
		.duration_ms = seconds * 1000,
		.filter = name ? &filter : NULL,
		.stop_after = name ? 1 : 0, /* "until found" */
	};
	rc = bh_host_scan_sync(h, &opts, results, 32, &n);
	for (size_t i = 0; i < n; i++)
		print_result(&results[i]);
	printf("%zu device(s): %s\n", n, bh_strerror(rc));
	bh_host_free(h);
	return rc == BH_OK ? 0 : 1;
}
