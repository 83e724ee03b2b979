/* blehost pair: connect, pair (or re-encrypt from a bond), report. */
#include "gatt_session.h"

#include <blehost/smp.h>

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

struct pair_ui {
	struct cli *c;
	struct bh_host *h;
	long passkey; /* -1: ask on the terminal */
};

static void on_display(void *ctx, uint16_t conn, uint32_t passkey)
{
	struct pair_ui *ui = ctx;
	(void)conn;
	if (ui->c->json) {
		struct json j;
		json_begin(&j, stdout);
		json_str(&j, "event", "passkey_display");
		json_int(&j, "passkey", passkey);
		json_end(&j);
	} else {
		printf("Passkey: %06u (enter it on the peer)\n", passkey);
		fflush(stdout);
	}
}

static void on_request(void *ctx, uint16_t conn)
{
	struct pair_ui *ui = ctx;
	if (ui->passkey >= 0) {
		bh_host_passkey_reply(ui->h, conn, true, (uint32_t)ui->passkey);
		return;
	}
	/* Asked again until it is a passkey: a typo must not enter 000000.
	 * End of input rejects the pairing. */
	char line[32];
	uint32_t pk;
	for (;;) {
		fprintf(stderr, "Enter the passkey shown on the peer: ");
		if (!fgets(line, sizeof(line), stdin)) {
			bh_host_passkey_reply(ui->h, conn, false, 0);
			return;
		}
		if (!strchr(line, '\n') && !feof(stdin)) {
			/* Longer than the buffer: drop the rest of the line. */
			int ch;
			while ((ch = getchar()) != EOF && ch != '\n')
				;
			line[0] = 'x';
		}
		if (!cli_parse_passkey(line, &pk))
			break;
		fprintf(stderr, "not a passkey: 1 to 6 digits (0 to 999999)\n");
	}
	bh_host_passkey_reply(ui->h, conn, true, pk);
}

static void on_confirm(void *ctx, uint16_t conn, uint32_t number)
{
	struct pair_ui *ui = ctx;
	bool yes = true;
	if (ui->passkey < 0 && !ui->c->json) {
		char line[16];
		fprintf(stderr, "Does the peer show %06u? [y/n] ", number);
		yes = fgets(line, sizeof(line), stdin) && (line[0] == 'y' || line[0] == 'Y');
	} else if (!ui->c->json) {
		printf("Numeric comparison %06u: accepted\n", number);
	}
	bh_host_confirm_reply(ui->h, conn, yes);
}

int cmd_pair(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "io", required_argument, NULL, 'i' },
		{ "legacy", no_argument, NULL, 'l' },
		{ "sc-only", no_argument, NULL, 's' },
		{ "no-bond", no_argument, NULL, 'n' },
		{ "passkey", required_argument, NULL, 'p' },
		{ "mitm", no_argument, NULL, 'm' },
		{ "connect-timeout", required_argument, NULL, 'c' },
		{ 0 },
	};
	const char *usage = "pair ADDR [--io CAP] [--legacy | --sc-only] [--no-bond] [--mitm] [--passkey N]";
	struct pair_ui ui = { .c = c, .passkey = -1 };
	double ct = 10;
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'i':
			if (cli_parse_io(optarg, &c->cfg.io_cap))
				return cli_fail(c, "unknown IO capability '%s'", optarg);
			break;
		case 'l': c->cfg.legacy_only = true; break;
		case 's': c->cfg.sc_only = true; break;
		case 'n': c->cfg.bondable = false; break;
		case 'p': {
			uint32_t pk;
			if (cli_parse_passkey(optarg, &pk))
				return cli_fail(c, "bad --passkey '%s' (1 to 6 digits, 0 to 999999)",
						optarg);
			ui.passkey = pk;
			break;
		}
		case 'm': c->cfg.mitm = true; break;
		case 'c':
			if (cli_opt_seconds(c, "--connect-timeout", optarg, &ct))
				return 1;
			break;
		default: return cli_fail(c, "usage: %s", usage);
		}
	}
	if (c->cfg.legacy_only && c->cfg.sc_only)
		return cli_fail(c, "--legacy and --sc-only exclude each other");
	if (argc - optind != 1)
		return cli_fail(c, "usage: %s", usage);
	struct bh_host_events ev = { .ctx = &ui, .passkey_display = on_display,
				     .passkey_request = on_request, .confirm_number = on_confirm };
	struct gatt_session s;
	int rc = 1;
	if (!gatt_session_open(&s, c, argv[optind], ct, false, &ev)) {
		ui.h = s.h;
		int st = bh_host_pair_sync(s.h, s.conn, 40000);
		struct bh_security sec = bh_smp_security(bh_host_smp(s.h), s.conn);
		if (c->json) {
			struct json j;
			json_begin(&j, stdout);
			json_str(&j, "event", "pairing");
			json_str(&j, "status", st ? bh_strerror(st) : "success");
			json_str(&j, "level", bh_sec_level_str(sec.level));
			json_int(&j, "key_size", sec.key_size);
			json_bool(&j, "secure_connections", sec.sc);
			json_bool(&j, "bonded", sec.bonded);
			json_end(&j);
		} else if (st) {
			cli_fail(c, "pairing failed: %s", bh_strerror(st));
		} else {
			printf("Paired: %s, key size %u%s%s\n", bh_sec_level_str(sec.level),
			       sec.key_size, sec.sc ? ", LE Secure Connections" : ", legacy",
			       sec.bonded ? ", bonded" : "");
		}
		rc = st ? 1 : 0;
	}
	return gatt_session_close(&s, rc);
}
