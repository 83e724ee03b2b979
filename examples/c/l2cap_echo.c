/* l2cap_echo: an L2CAP credit-based channel (LE CoC), echoed.
 *
 *   l2cap_echo server [--name NAME] [--seconds S]
 *   l2cap_echo client NAME
 *
 * The server advertises NAME (default "blehost-echo"), listens on SPSM
 * 0x0081 and sends every SDU back. The client finds it, opens a channel,
 * sends three SDUs and checks each echo. SDUs are whole messages: L2CAP
 * segments and reassembles them, with flow control by credits. */
#include <blehost/blehost.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPSM 0x0081

struct echo {
	struct bh_host *h;
	bool server;
	uint16_t cid;
	bool opened, got;
	bh_status open_status;
	uint8_t last[128];
	size_t last_len;
};

static struct bh_loop *g_loop; /* for the signal handler only */
static void on_signal(int sig)
{
	(void)sig;
	bh_loop_quit(g_loop);
}

static void quit(void *loop)
{
	bh_loop_quit(loop);
}

static void coc_opened(void *ctx, uint16_t conn, uint16_t cid, uint16_t spsm, bh_status st)
{
	struct echo *e = ctx;
	printf("channel 0x%04x on 0x%04x spsm 0x%04x: %s\n", cid, conn, spsm, bh_strerror(st));
	fflush(stdout);
	e->cid = cid;
	e->open_status = st;
	e->opened = true;
}

/* The sdu is borrowed: the server sends it straight back (bh_host_coc_send
 * copies it); the client keeps a copy to compare. */
static void coc_sdu(void *ctx, uint16_t conn, uint16_t cid, const uint8_t *sdu, size_t len)
{
	struct echo *e = ctx;
	e->last_len = len < sizeof(e->last) ? len : sizeof(e->last);
	memcpy(e->last, sdu, e->last_len);
	e->got = true;
	if (e->server) {
		int rc = bh_host_coc_send(e->h, conn, cid, sdu, len);
		printf("echoed %zu bytes: %s\n", len, bh_strerror(rc));
		fflush(stdout);
	}
}

static struct bh_host *open_host(struct echo *e)
{
	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.store_dir = "";
	struct bh_host_events ev = { .ctx = e, .coc_opened = coc_opened, .coc_sdu = coc_sdu };
	char err[256];
	struct bh_host *h = bh_host_new(&cfg, &ev, err, sizeof(err));
	if (!h) {
		fprintf(stderr, "l2cap_echo: %s\n", err);
		return NULL;
	}
	int rc = bh_host_start_sync(h, 5000);
	if (rc) {
		fprintf(stderr, "l2cap_echo: controller: %s\n", bh_strerror(rc));
		bh_host_free(h);
		return NULL;
	}
	return h;
}

static int server(const char *name, unsigned seconds)
{
	struct echo e = { .server = true };
	e.h = open_host(&e);
	if (!e.h)
		return 1;
	uint8_t adv[BH_AD_LEGACY_MAX];
	struct bh_ad_builder b;
	bh_ad_build_init(&b, adv, sizeof(adv));
	bh_ad_add_flags(&b, BH_AD_FLAG_LE_GENERAL | BH_AD_FLAG_NO_BREDR);
	bh_ad_add_name(&b, name, true);
	struct bh_gap_adv_params ap = { .kind = BH_GAP_ADV_CONN, .data = adv, .data_len = b.len,
					.restart_on_disconnect = true };
	int rc = b.err ? b.err : bh_host_coc_listen(e.h, SPSM);
	if (!rc)
		rc = bh_gap_adv_start(bh_host_gap(e.h), &ap, NULL, NULL);
	if (rc) {
		fprintf(stderr, "l2cap_echo server: %s\n", bh_strerror(rc));
		bh_host_free(e.h);
		return 1;
	}
	printf("listening on spsm 0x%04x as %s\n", SPSM, name);
	fflush(stdout);
	/* Serve until our timer or a signal quits the loop (or the controller
	 * is lost): a wait on a flag nobody sets. */
	struct bh_loop *l = bh_host_loop(e.h);
	g_loop = l;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	bh_loop_timer_at(l, bh_loop_now(l) + (bh_time_ms)seconds * 1000, quit, l);
	bool stop = false;
	bh_host_wait(e.h, BH_HOST_NO_LINK, &stop, BH_NEVER);
	rc = bh_host_lost(e.h);
	bh_host_free(e.h);
	return rc ? 1 : 0;
}

static int client(const char *name)
{
	struct echo e = { 0 };
	e.h = open_host(&e);
	if (!e.h)
		return 1;
	struct bh_host *h = e.h;
	struct bh_gap_scan_filter filter = { .name_substr = name };
	uint16_t conn = 0, cid = 0;
	int rc = bh_host_connect_match_sync(h, &filter, NULL, 10000, &conn, NULL);
	/* Opening is asynchronous: coc_opened tells the outcome. */
	if (!rc)
		rc = bh_host_coc_connect(h, conn, SPSM, &cid);
	if (!rc)
		rc = bh_host_wait(h, conn, &e.opened, 5000);
	if (!rc)
		rc = e.open_status;
	const char *msgs[] = { "ping", "a longer message over the channel", "bye" };
	for (int i = 0; i < 3 && !rc; i++) {
		e.got = false;
		rc = bh_host_coc_send(h, conn, e.cid, (const uint8_t *)msgs[i], strlen(msgs[i]));
		if (!rc)
			rc = bh_host_wait(h, conn, &e.got, 5000);
		if (!rc && (e.last_len != strlen(msgs[i]) || memcmp(e.last, msgs[i], e.last_len)))
			rc = BH_EPROTO;
		if (!rc)
			printf("echo: %.*s\n", (int)e.last_len, e.last);
	}
	if (conn && !rc)
		rc = bh_host_coc_close(h, conn, e.cid);
	if (conn)
		bh_host_disconnect_sync(h, conn, 0x13, 2000);
	printf("l2cap_echo client: %s\n", bh_strerror(rc));
	bh_host_free(h);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "server")) {
		const char *name = "blehost-echo";
		unsigned seconds = 30;
		for (int i = 2; i + 1 < argc; i += 2) {
			if (!strcmp(argv[i], "--name"))
				name = argv[i + 1];
			else if (!strcmp(argv[i], "--seconds"))
				seconds = (unsigned)atoi(argv[i + 1]);
		}
		return server(name, seconds);
	}
	if (argc == 3 && !strcmp(argv[1], "client"))
		return client(argv[2]);
	fprintf(stderr, "usage: %s server [--name NAME] [--seconds S] | client NAME\n", argv[0]);
	return 2;
}
