/* notify_logger: subscribe to one characteristic and log its notifications.
 *
 *   notify_logger NAME [COUNT]
 *
 * Connects to examples/c/peripheral, subscribes to its "counter" with a
 * callback of its own, logs COUNT notifications (default 10), then
 * unsubscribes and checks that they stop. */
#include <blehost/blehost.h>

#include <stdio.h>
#include <stdlib.h>

struct logger {
	unsigned seen, want;
	bool done;
};

/* Runs on the loop thread for each notification of this characteristic
 * only; value is borrowed for the call. */
static void on_counter(void *ctx, uint16_t conn, uint16_t value_handle, const uint8_t *value,
		       size_t len, bool indication)
{
	struct logger *l = ctx;
	(void)indication;
	uint32_t v = len >= 4 ? (uint32_t)value[0] | (uint32_t)value[1] << 8 |
					(uint32_t)value[2] << 16 | (uint32_t)value[3] << 24
			      : 0;
	printf("conn 0x%04x handle 0x%04x counter %u\n", conn, value_handle, v);
	if (++l->seen >= l->want)
		l->done = true; /* ends the bh_host_wait below */
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s NAME [COUNT]\n", argv[0]);
		return 2;
	}
	struct logger lg = { .want = argc > 2 ? (unsigned)atoi(argv[2]) : 10 };
	bh_uuid counter;
	bh_uuid_parse("6e400002-b5a3-f393-e0a9-e50e24dcca9e", &counter);

	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.store_dir = "";
	char err[256];
	struct bh_host *h = bh_host_new(&cfg, NULL, err, sizeof(err));
	if (!h) {
		fprintf(stderr, "notify_logger: %s\n", err);
		return 1;
	}
	int rc = bh_host_start_sync(h, 5000);
	uint16_t conn = 0, vh = 0;
	struct bh_gap_scan_filter filter = { .name_substr = argv[1] };
	if (!rc)
		rc = bh_host_connect_match_sync(h, &filter, NULL, 10000, &conn, NULL);
	if (!rc)
		rc = bh_host_find_chr_sync(h, conn, NULL, &counter, &vh);
	if (!rc)
		rc = bh_host_subscribe_cb_sync(h, conn, vh, false, on_counter, &lg);
	/* Wait for the callback to say it has enough; the wait ends early if
	 * the link goes (BH_EDISCONNECTED) or after 10 s (BH_ETIMEDOUT). */
	if (!rc)
		rc = bh_host_wait(h, conn, &lg.done, 10000);
	if (!rc)
		rc = bh_host_unsubscribe_sync(h, conn, vh);
	if (!rc) {
		unsigned before = lg.seen;
		bh_host_run_for(h, 500); /* counter ticks every 100 ms */
		printf("after unsubscribing: %u more\n", lg.seen - before);
		if (lg.seen != before)
			rc = BH_EPROTO;
	}
	if (conn)
		bh_host_disconnect_sync(h, conn, 0x13, 2000);
	printf("notify_logger: %u notifications, %s\n", lg.seen, bh_strerror(rc));
	bh_host_free(h);
	return rc ? 1 : 0;
}
