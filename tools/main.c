/* blehost: the command-line program. Global options, then a command. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* From meson (project version); a build without it still says something. */
#ifndef BLEHOST_VERSION
#define BLEHOST_VERSION "(unknown version)"
#endif
#ifndef BLEHOST_BUILD
#define BLEHOST_BUILD "build options unknown"
#endif

static struct cli *g_cli; /* only for the signal handler */

static void on_signal(int sig)
{
	(void)sig;
	if (g_cli) {
		g_cli->interrupted = 1;
		if (g_cli->host)
			bh_loop_quit(bh_host_loop(g_cli->host));
	}
}

static const struct {
	const char *name;
	int (*fn)(struct cli *, int, char **);
	const char *usage;
} commands[] = {
	{ "info", cmd_info, "info                      controller address, versions, features, buffers" },
	{ "scan", cmd_scan, "scan [--timeout S] [--name TEXT] [--service UUID] [--min-rssi DBM] [--passive] [--all-reports]\n"
	  "            [--extended] [--phy 1m|coded|both] [--periodic]" },
	{ "advertise", cmd_advertise, "advertise [--name N] [--service UUID]... [--manufacturer ID:HEX]... [--service-data UUID:HEX]...\n"
	  "            [--appearance N] [--tx-power] [--interval MS] [--scan-response HEX] [--timeout S]\n"
	  "            [--nonconnectable] [--random] [--phy 1m|coded]\n"
	  "            [--set name=N,addr=ADDR,sid=N,phy=1m|coded,data=HEX,mfr=ID:HEX,size=BYTES,timeout=S,max-events=N,nonconnectable,periodic=HEX,periodic-interval=MS]...\n"
	  "                            several advertising sets at once (extended advertising)" },
	{ "gatt", cmd_gatt, "gatt ADDR                 connect, discover and print the GATT tree with values" },
	{ "read", cmd_read, "read ADDR HANDLE|UUID" },
	{ "write", cmd_write, "write ADDR HANDLE|UUID HEX [--no-response]" },
	{ "notify", cmd_notify, "notify ADDR HANDLE|UUID [--count N] [--timeout S] [--indicate]" },
	{ "peripheral", cmd_peripheral, "peripheral [--db FILE] [--name N] [--io CAP] [--mitm] [--random] [--privacy] [--rpa-timeout S] [--updates] [--timeout S]\n"
	  "            GATT server: FILE's services (JSON, see blehost(1)), else the demo database" },
	{ "pair", cmd_pair, "pair ADDR [--io CAP] [--legacy | --sc-only] [--no-bond] [--passkey N]" },
	{ "bonds", cmd_bonds, "bonds list | bonds clear [ADDR]" },
	{ "coc", cmd_coc, "coc listen SPSM | coc connect ADDR SPSM   L2CAP channel on stdin/stdout" },
	{ "usb", cmd_usb, "usb                       list USB Bluetooth devices, their driver and -t value" },
	{ "decode", cmd_decode, "decode FILE [--json]      every packet of a btsnoop/pcap/pcapng/pklg/H4 trace" },
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [-t TRANSPORT] [--trace FILE] [--json] [-v] [--store DIR] [--seed N]\n"
		"       [--allow-bond-downgrade] [--new-identity] [--eatt N]\n"
		"       [--chipset DRIVER]\n"
		"       [--interval MS[-MS]] [--latency N] [--supervision-timeout MS] [--phy 1m|2m|coded]\n"
		"       COMMAND ...\n"
		"       %s --version | --help\n"
		"\n"
		"TRANSPORT: usb | usb:VID:PID | usb:BUS-PORT.PORT | serial:/dev/ttyACM0[,BAUD][,OPT...]\n"
		"           | unix:/tmp/bt-server-le | tcp:HOST:PORT | hciN | replay:FILE\n"
		"           | replay:FILE,cut=N,fault=disconnect|close|hwerror|silence|garble\n"
		"             (a fault after the host's Nth packet: test error handling;\n"
		"             garble[,bit=K]: the peer's next ACL packet with payload bit K\n"
		"             flipped, default 32, the ATT opcode's lowest bit)\n"
		"           | h4:/dev/ttyUSB0[,BAUD][,OPT...] (same as serial:)\n"
		"           | h5:/dev/ttyS0[,BAUD][,OPT...] (three-wire UART)\n"
		"             UART OPTs: BAUD is the initial speed (default 115200);\n"
		"             speed=N  operating speed: at bring-up the vendor command\n"
		"                      (Broadcom, Intel; Realtek: its config file's speed)\n"
		"                      asks the controller for it, the tty follows, a\n"
		"                      failure falls back to BAUD; other controllers stay\n"
		"             flow=on|off  RTS/CTS flow control (rtscts = flow=on)\n"
		"             parity=even|none  8E1 (Realtek H5 modules) or 8N1 (default)\n"
		"             e.g. h4:/dev/ttyUSB0,115200,speed=921600,flow=on\n"
		"           (default: $BLEHOST_TRANSPORT)\n"
		"\ncommands:\n",
		prog, prog);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "\nADDR is AA:BB:CC:DD:EE:FF, optionally /public or /random.\n"
		   "--allow-bond-downgrade: let a pairing replace a bond with a weaker one.\n"
		   "--new-identity: keep the local identity file aside and start a new one.\n"
		   "--eatt N: enhanced ATT, N (1..5) extra ATT bearers over L2CAP once the link\n"
		   "          is encrypted (opened as central, accepted as peripheral).\n"
		   "--chipset DRIVER: vendor bring-up before the HCI init: auto (by USB ID,\n"
		   "  then manufacturer; the default on usb), none, realtek, broadcom, intel.\n"
		   "  Firmware is read from $BLEHOST_FIRMWARE_PATH, then /lib/firmware.\n"
		   "See blehost(1) for every option.\n");
}

int main(int argc, char **argv)
{
	struct cli c = { .prog = "blehost" };
	bh_host_config_default(&c.cfg);
	g_cli = &c;
	static const struct option opts[] = {
		{ "transport", required_argument, NULL, 't' },
		{ "trace", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "store", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "allow-bond-downgrade", no_argument, NULL, 'D' },
		{ "new-identity", no_argument, NULL, 'N' },
		{ "interval", required_argument, NULL, CLI_OPT_INTERVAL },
		{ "latency", required_argument, NULL, CLI_OPT_LATENCY },
		{ "supervision-timeout", required_argument, NULL, CLI_OPT_TIMEOUT },
		{ "phy", required_argument, NULL, CLI_OPT_PHY },
		{ "eatt", required_argument, NULL, 'E' },
		{ "chipset", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	int o;
	/* '+' stops at the command so its own options are left for it. */
	while ((o = getopt_long(argc, argv, "+t:vjh", opts, NULL)) != -1) {
		switch (o) {
		case 't': c.cfg.transport = optarg; break;
		case 'T': c.cfg.trace_path = optarg; break;
		case 'j': c.json = true; break;
		case 'v': c.verbose++; break;
		case 's': c.cfg.store_dir = optarg; break;
		case 'S':
		{
			/* A reproducible run must not run on 0 because of a typo. */
			char *end;
			errno = 0;
			c.cfg.seeded = true;
			c.cfg.seed = strtoull(optarg, &end, 0);
			if (!isdigit((unsigned char)optarg[0]) || *end || errno) {
				fprintf(stderr, "%s: bad --seed '%s' (a number, decimal or 0x hex)\n",
					c.prog, optarg);
				return 2;
			}
			break;
		}
		case 'D': c.cfg.allow_bond_downgrade = true; break;
		case 'N': c.cfg.new_identity = true; break;
		case CLI_OPT_INTERVAL:
		case CLI_OPT_LATENCY:
		case CLI_OPT_TIMEOUT:
		case CLI_OPT_PHY:
			if (cli_link_option(&c, o, optarg))
				return 2;
			break;
		case 'E': {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);
			if (*end || n < 1 || n > BH_HOST_EATT_MAX) {
				fprintf(stderr, "%s: --eatt takes 1..%d\n", c.prog, BH_HOST_EATT_MAX);
				return 2;
			}
			c.cfg.eatt_bearers = (unsigned)n;
			break;
		}
		case 'C': c.cfg.chipset = optarg; break;
		case 'h': usage(stdout, c.prog); return 0;
		case 'V': printf("%s %s (%s)\n", c.prog, BLEHOST_VERSION, BLEHOST_BUILD); return 0;
		default: usage(stderr, c.prog); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr, c.prog);
		return 2;
	}
	if (cli_link_check(&c))
		return 2;
	c.cfg.log_level = c.verbose >= 2 ? BH_LOG_DEBUG : c.verbose ? BH_LOG_INFO : BH_LOG_WARN;
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	const char *name = argv[optind];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(name, commands[i].name)) {
			/* The command sees argv[0] = its name; optind = 0 makes glibc's
			 * getopt start afresh for the command's own options. */
			int sub_argc = argc - optind;
			char **sub_argv = argv + optind;
			optind = 0;
			int rc = commands[i].fn(&c, sub_argc, sub_argv);
			int rc2 = cli_close_host(&c);
			return rc ? rc : rc2;
		}
	}
	fprintf(stderr, "%s: unknown command '%s'\n", c.prog, name);
	usage(stderr, c.prog);
	return 2;
}
