/* replay: run the stack against a recorded trace instead of a controller.
 *
 *   replay TRACE.btsnoop
 *
 * A trace written with bh_host_config.trace_path (or `blehost --trace`)
 * holds every HCI packet both ways. The "replay:FILE" transport plays the
 * controller's side back in virtual time (no waiting) and checks that the
 * host sends exactly the recorded packets: a regression test that needs no
 * radio. This one replays a bring-up (tests/pcap/bringup-central.btsnoop):
 * HCI Reset and init, then prints what the controller said about itself.
 *
 * A replayed host must make the same choices as the recording: the same
 * configuration, and randomness from the same seed. */
#include <blehost/blehost.h>

#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s TRACE\n", argv[0]);
		return 2;
	}
	char transport[1024];
	snprintf(transport, sizeof(transport), "replay:%s", argv[1]);

	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.transport = transport;
	cfg.store_dir = "";
	cfg.seeded = true; /* as the recording was made (tests/live/scenario_main.c) */
	cfg.seed = 100;
	char err[256];
	struct bh_host *h = bh_host_new(&cfg, NULL, err, sizeof(err));
	if (!h) {
		fprintf(stderr, "replay: %s\n", err);
		return 1;
	}
	int rc = bh_host_start_sync(h, 5000);
	if (!rc) {
		/* What the host does right after bring-up is in the trace too. */
		bh_host_run_for(h, 20);
		const struct bh_hci_info *i = bh_hci_info(bh_host_hci(h));
		char s[BH_ADDR_STRLEN];
		printf("controller %s, LE ACL buffers %u x %u bytes\n",
		       bh_addr_str(&i->bdaddr, s), i->le_acl_credits, i->le_acl_mtu);
	}
	/* The verdict: did the host send every recorded packet, in order? */
	char report[512] = "";
	int verdict = bh_host_replay_result(h, report, sizeof(report));
	printf("bring-up: %s; replay: %s%s%s\n", bh_strerror(rc), verdict ? "MISMATCH" : "matched",
	       report[0] ? ": " : "", report);
	bh_host_free(h);
	return rc || verdict ? 1 : 0;
}
