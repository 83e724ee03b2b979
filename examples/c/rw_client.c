/* rw_client: find a peripheral by name, connect with chosen connection
 * parameters, and read and write a characteristic by its UUID.
 *
 *   rw_client NAME [TEXT]
 *
 * Talks to examples/c/peripheral: reads "message", writes TEXT (default
 * "hello from rw_client"), reads it back and checks it. */
#include <blehost/blehost.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s NAME [TEXT]\n", argv[0]);
		return 2;
	}
	const char *text = argc > 2 ? argv[2] : "hello from rw_client";
	bh_uuid message;
	bh_uuid_parse("6e400001-b5a3-f393-e0a9-e50e24dcca9e", &message);

	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.store_dir = "";
	char err[256];
	struct bh_host *h = bh_host_new(&cfg, NULL, err, sizeof(err));
	if (!h) {
		fprintf(stderr, "rw_client: %s\n", err);
		return 1;
	}
	/* Every helper returns a bh_status: BH_OK, or an error bh_strerror names. */
	int rc = bh_host_start_sync(h, 5000);

	/* Scan until a device whose name contains NAME shows up, and connect
	 * to it asking for a 15-30 ms interval and a 2 s supervision timeout:
	 * milliseconds here, HCI units inside. 10 s for both. */
	uint16_t conn = 0;
	struct bh_gap_scan_filter filter = { .name_substr = argv[1] };
	struct bh_host_conn_params params = { .interval_min_ms = 15, .interval_max_ms = 30,
					      .supervision_timeout_ms = 2000 };
	if (!rc)
		rc = bh_host_connect_match_sync(h, &filter, &params, 10000, &conn, NULL);

	/* By UUID: the first call discovers the peer's services. */
	uint8_t buf[64];
	size_t len = 0;
	if (!rc)
		rc = bh_host_read_uuid_sync(h, conn, &message, buf, sizeof(buf), &len);
	if (!rc)
		printf("message was \"%.*s\"\n", (int)len, buf);
	if (!rc)
		rc = bh_host_write_uuid_sync(h, conn, &message, (const uint8_t *)text, strlen(text),
					     true);
	if (!rc)
		rc = bh_host_read_uuid_sync(h, conn, &message, buf, sizeof(buf), &len);
	if (!rc) {
		printf("message is \"%.*s\"\n", (int)len, buf);
		if (len != strlen(text) || memcmp(buf, text, len))
			rc = BH_EPROTO; /* not what we wrote */
	}
	if (conn)
		bh_host_disconnect_sync(h, conn, 0x13 /* Remote User Terminated */, 2000);
	printf("rw_client: %s\n", bh_strerror(rc));
	bh_host_free(h);
	return rc ? 1 : 0;
}
