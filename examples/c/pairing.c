/* pairing: pair with Passkey Entry, typing the passkey the peer shows.
 *
 *   pairing NAME
 *
 * We have a keyboard and no display (KeyboardOnly) and ask for MITM
 * protection, so against examples/c/peripheral --passkey the peripheral
 * prints a 6-digit passkey and we prompt for it on stdin. After pairing we
 * read "secret" (readable only over an authenticated link), list the bond,
 * then remove it again while the host runs (which disconnects the peer
 * first). */
#include <blehost/blehost.h>

#include <stdio.h>
#include <stdlib.h>

static struct bh_host *g_host;

/* The agent: SMP asks for the passkey. Replying from inside the callback
 * is allowed; a GUI would reply later from its own event (the pairing
 * waits up to SMP's 30 s timeout). Reading stdin here blocks the loop,
 * which is fine for a terminal program. */
static void passkey_request(void *ctx, uint16_t conn)
{
	(void)ctx;
	char line[32];
	printf("passkey? ");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin)) {
		bh_host_passkey_reply(g_host, conn, false, 0); /* refuse: pairing fails */
		return;
	}
	bh_host_passkey_reply(g_host, conn, true, (uint32_t)strtoul(line, NULL, 10));
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s NAME\n", argv[0]);
		return 2;
	}
	bh_uuid secret;
	bh_uuid_parse("6e400003-b5a3-f393-e0a9-e50e24dcca9e", &secret);

	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.store_dir = ""; /* bonds in memory; a real program keeps the default store */
	cfg.io_cap = BH_IO_KEYBOARD_ONLY;
	cfg.mitm = true;
	struct bh_host_events ev = { .passkey_request = passkey_request };
	char err[256];
	g_host = bh_host_new(&cfg, &ev, err, sizeof(err));
	if (!g_host) {
		fprintf(stderr, "pairing: %s\n", err);
		return 1;
	}
	struct bh_host *h = g_host;
	int rc = bh_host_start_sync(h, 5000);
	uint16_t conn = 0;
	bh_addr peer;
	struct bh_gap_scan_filter filter = { .name_substr = argv[1] };
	if (!rc)
		rc = bh_host_connect_match_sync(h, &filter, NULL, 10000, &conn, &peer);
	if (!rc)
		rc = bh_host_pair_sync(h, conn, 40000);
	printf("\npairing: %s\n", bh_strerror(rc));

	uint8_t buf[32];
	size_t len = 0;
	if (!rc)
		rc = bh_host_read_uuid_sync(h, conn, &secret, buf, sizeof(buf), &len);
	if (!rc)
		printf("secret is \"%.*s\"\n", (int)len, buf);

	bh_addr bonds[4];
	char s[BH_ADDR_STRLEN];
	int nb = bh_host_bond_list(h, bonds, 4);
	for (int i = 0; i < nb && i < 4; i++)
		printf("bond: %s\n", bh_addr_str(&bonds[i], s));
	if (!rc && nb != 1)
		rc = BH_ENOTFOUND;
	/* Forget the peer: the link goes first, then the keys. */
	if (!rc)
		rc = bh_host_bond_remove_sync(h, &peer, 2000);
	if (!rc && bh_host_bond_list(h, NULL, 0) != 0)
		rc = BH_EEXIST;
	printf("pairing example: %s\n", bh_strerror(rc));
	bh_host_free(h);
	return rc ? 1 : 0;
}
