/* blehost coc: an L2CAP LE credit-based channel on stdin/stdout, like nc.
 *
 *   coc listen SPSM      advertise, accept one channel on SPSM, serve it
 *   coc connect ADDR SPSM
 *
 * Bytes read from stdin go out as SDUs (up to the peer's MTU, one at a
 * time: the next is read when the last went out); every SDU received is
 * written to stdout as it comes. End of stdin closes the channel once all
 * of it went out (--stay: keep receiving until the peer closes). The
 * command ends when the channel closes (exit 0, whoever closed it), or
 * with an error when it cannot open, the link or controller goes, or
 * --timeout passes first. */
#include "cli.h"

#include "gatt_session.h"
#include <blehost/gap.h>
#include <blehost/l2cap.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* L2CAP result "refused: no resources available" (Vol 3, Part A, 4.23):
 * what a second channel gets while one is served. */
#define COC_REFUSED_NO_RESOURCES 0x0004
/* Our receive MTU (the l2cap default) and so the largest SDU we send. */
#define COC_MAX_SDU 512

struct coc_ui {
	struct cli *c;
	struct bh_host *h;
	uint16_t spsm;
	bool have_conn;      /* conn is our link */
	uint16_t conn;
	bool open;           /* cid is the open channel */
	uint16_t cid;
	bool sending;        /* an SDU is going out */
	bool stdin_done;     /* end of stdin (or --stay with nothing to send) */
	bool stay;
	bool listener;       /* coc listen (the peripheral) */
	bool closing;        /* we asked to close */
	bool closed;         /* the channel closed (or its link went) */
	bool done;
	bh_status result;    /* BH_OK: the channel closed normally */
	const char *why;     /* what failed, for the error line */
	unsigned long long rx_bytes, tx_bytes;
};

static void finish(struct coc_ui *ui, bh_status st, const char *why)
{
	if (ui->done)
		return;
	ui->done = true;
	ui->result = st;
	ui->why = why;
}

static void stdin_readable(void *arg, int fd, short revents);

static void watch_stdin(struct coc_ui *ui, bool on)
{
	struct bh_loop *l = bh_host_loop(ui->h);
	if (on && !ui->stdin_done && ui->open && !ui->sending && !ui->closing)
		bh_loop_watch(l, STDIN_FILENO, POLLIN, stdin_readable, ui);
	else
		bh_loop_unwatch(l, STDIN_FILENO);
}

static void close_channel(struct coc_ui *ui)
{
	if (!ui->open || ui->closing)
		return;
	ui->closing = true;
	watch_stdin(ui, false);
	if (bh_host_coc_close(ui->h, ui->conn, ui->cid))
		finish(ui, BH_ESTATE, "the channel could not be closed");
}

static void stdin_readable(void *arg, int fd, short revents)
{
	struct coc_ui *ui = arg;
	(void)revents;
	struct bh_l2cap_chan_info ci;
	size_t max = COC_MAX_SDU;
	if (!bh_l2cap_chan_info(bh_host_l2cap(ui->h), ui->conn, ui->cid, &ci) && ci.peer_mtu < max)
		max = ci.peer_mtu;
	uint8_t buf[COC_MAX_SDU];
	ssize_t n = read(fd, buf, max);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* End of input (or an unreadable stdin): nothing more to send. */
		ui->stdin_done = true;
		watch_stdin(ui, false);
		if (!ui->stay)
			close_channel(ui);
		return;
	}
	/* Marked before sending: an SDU that fits the credits goes out at
	 * once, and its coc_can_send comes from inside the send. */
	ui->sending = true;
	watch_stdin(ui, false);
	int rc = bh_host_coc_send(ui->h, ui->conn, ui->cid, buf, (size_t)n);
	if (rc) {
		ui->sending = false;
		finish(ui, rc, "sending failed");
		close_channel(ui);
		return;
	}
	ui->tx_bytes += (unsigned long long)n;
}

static uint16_t on_accept(void *ctx, uint16_t handle, uint16_t spsm, uint16_t peer_mtu)
{
	struct coc_ui *ui = ctx;
	(void)peer_mtu;
	/* One channel per run, on our own link. */
	if (ui->open || ui->done || spsm != ui->spsm || (ui->have_conn && handle != ui->conn))
		return COC_REFUSED_NO_RESOURCES;
	return 0;
}

static void on_opened(void *ctx, uint16_t handle, uint16_t cid, uint16_t spsm, bh_status st)
{
	struct coc_ui *ui = ctx;
	if (ui->open || ui->done || (ui->have_conn && handle != ui->conn))
		return;
	if (st) {
		finish(ui, st, "the channel did not open");
		return;
	}
	ui->have_conn = true;
	ui->conn = handle;
	ui->cid = cid;
	ui->open = true;
	if (ui->c->verbose)
		fprintf(stderr, "%s: channel open on SPSM 0x%04x (cid 0x%04x)\n", ui->c->prog, spsm,
			cid);
	watch_stdin(ui, true);
}

static void on_sdu(void *ctx, uint16_t handle, uint16_t cid, const uint8_t *sdu, size_t len)
{
	struct coc_ui *ui = ctx;
	if (!ui->open || handle != ui->conn || cid != ui->cid)
		return;
	ui->rx_bytes += len;
	/* Binary-safe; a reader that went away ends our side too. */
	if (fwrite(sdu, 1, len, stdout) != len || fflush(stdout)) {
		finish(ui, BH_EIO, "stdout closed");
		close_channel(ui);
	}
}

static void on_can_send(void *ctx, uint16_t handle, uint16_t cid)
{
	struct coc_ui *ui = ctx;
	if (!ui->open || handle != ui->conn || cid != ui->cid)
		return;
	ui->sending = false;
	watch_stdin(ui, true);
}

static void on_closed(void *ctx, uint16_t handle, uint16_t cid, bh_status reason)
{
	struct coc_ui *ui = ctx;
	if (!ui->open || handle != ui->conn || cid != ui->cid)
		return;
	ui->open = false;
	ui->closed = true;
	watch_stdin(ui, false);
	/* Closed by either side on request: the normal end. */
	finish(ui, reason, "the channel closed");
}

static void on_connected(void *ctx, uint16_t handle, bool central, const bh_addr *peer)
{
	struct coc_ui *ui = ctx;
	char a[BH_ADDR_STRLEN];
	if (central || ui->have_conn)
		return;
	ui->have_conn = true;
	ui->conn = handle;
	if (ui->c->verbose)
		fprintf(stderr, "%s: connected: %s\n", ui->c->prog, bh_addr_str(peer, a));
}

static void on_disconnected(void *ctx, uint16_t handle, uint8_t reason)
{
	struct coc_ui *ui = ctx;
	(void)reason;
	if (!ui->have_conn || handle != ui->conn)
		return;
	ui->have_conn = false;
	ui->open = false;
	ui->closed = true;
	watch_stdin(ui, false);
	finish(ui, BH_EDISCONNECTED, "the link went down");
}

static int parse_spsm(struct cli *c, const char *s, uint16_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);
	/* LE PSMs: 0x0001-0x007F SIG-assigned, 0x0080-0x00FF dynamic (Vol 3,
	 * Part A, 4.22). */
	if (!*s || *end || v < 1 || v > 0xff)
		return cli_fail(c, "bad SPSM '%s' (1..255, e.g. 0x80; 0x80-0xff are free for "
				   "applications)", s);
	*out = (uint16_t)v;
	return 0;
}

/* Runs the channel until it ends; the host is up, ui->h set. */
static int run(struct coc_ui *ui, double timeout)
{
	struct cli *c = ui->c;
	unsigned timeouts = cli_cmd_timeouts(c);
	int rc = bh_host_wait(ui->h, BH_HOST_NO_LINK, &ui->done,
			      timeout > 0 ? (bh_time_ms)(timeout * 1000) : BH_NEVER);
	if (bh_host_lost(ui->h)) {
		/* (the wait sets done on a loss too) */
		ui->result = bh_host_lost(ui->h);
		ui->why = "the controller was lost";
	} else if (!ui->done) {
		if (c->interrupted || rc == BH_ECANCELLED)
			finish(ui, BH_OK, NULL);
		else
			finish(ui, BH_ETIMEDOUT,
			       ui->open ? "--timeout passed" : "no channel within --timeout");
		if (ui->open) {
			/* Ours to end: close it properly before the link. */
			close_channel(ui);
			bh_host_wait(ui->h, BH_HOST_NO_LINK, &ui->closed, 3000);
		}
	}
	if (ui->have_conn && !bh_host_lost(ui->h) && ui->listener && !ui->result) {
		/* The central ends the link after a clean close: waiting for it
		 * keeps both sides from racing to disconnect. */
		bool never = false;
		bh_host_wait(ui->h, ui->conn, &never, 2000);
	}
	if (ui->have_conn && !bh_host_lost(ui->h))
		bh_host_disconnect_sync(ui->h, ui->conn, 0x13, 3000);
	if (c->verbose)
		fprintf(stderr, "%s: %llu bytes received, %llu sent\n", c->prog, ui->rx_bytes,
			ui->tx_bytes);
	if (ui->result)
		return cli_finish(c, cli_fail(c, "coc: %s: %s", ui->why, bh_strerror(ui->result)));
	if (cli_cmd_timeouts(c) != timeouts)
		return cli_finish(c, cli_fail(c, "coc: the controller stopped answering"));
	return cli_finish(c, 0);
}

static int listen_coc(struct coc_ui *ui, const char *name, double timeout,
		      const struct bh_host_events *ev)
{
	struct cli *c = ui->c;
	ui->h = cli_open_host(c, ev);
	if (!ui->h)
		return 1;
	int rc = bh_host_coc_listen(ui->h, ui->spsm);
	if (rc)
		return cli_finish(c, cli_fail(c, "cannot listen on SPSM 0x%04x: %s", ui->spsm,
					      bh_strerror(rc)));
	struct cli_server_ad buf; /* lives until run() returns */
	struct bh_gap_adv_params ap = { 0 };
	if (cli_server_advertise(c, ui->h, &buf, NULL, name, &ap))
		return cli_finish(c, 1);
	char addr[BH_ADDR_STRLEN];
	bh_addr own = bh_gap_own_address(bh_host_gap(ui->h));
	/* On stderr: stdout is the channel's. */
	fprintf(stderr, "%s: listening on SPSM 0x%04x, advertising as %s \"%s\"\n", c->prog,
		ui->spsm, bh_addr_str(&own, addr), name);
	return run(ui, timeout);
}

static int connect_coc(struct coc_ui *ui, const char *addr, double connect_timeout,
		       double timeout, const struct bh_host_events *ev)
{
	struct cli *c = ui->c;
	struct gatt_session s;
	if (gatt_session_open(&s, c, addr, connect_timeout, false, ev))
		return gatt_session_close(&s, 1);
	ui->h = s.h;
	ui->have_conn = true;
	ui->conn = s.conn;
	uint16_t cid;
	int rc = bh_host_coc_connect(ui->h, ui->conn, ui->spsm, &cid);
	if (rc)
		return gatt_session_close(&s, cli_fail(c, "cannot open a channel to SPSM 0x%04x: %s",
						       ui->spsm, bh_strerror(rc)));
	/* run() disconnects; the session has nothing left to close. */
	s.connected = false;
	return run(ui, timeout);
}

int cmd_coc(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "connect-timeout", required_argument, NULL, 'C' },
		{ "name", required_argument, NULL, 'n' },
		{ "stay", no_argument, NULL, 's' },
		{ "random", no_argument, NULL, 'r' },
		{ 0 },
	};
	const char *usage = "usage: coc listen SPSM [--name N] [--random] | coc connect ADDR SPSM "
			    "[--connect-timeout S]; both [--stay] [--timeout S]";
	double timeout = 0, connect_timeout = 10;
	const char *name = "blehost-coc";
	struct coc_ui ui = { .c = c };
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 't':
			if (cli_opt_seconds(c, "--timeout", optarg, &timeout))
				return 1;
			break;
		case 'C':
			if (cli_opt_seconds(c, "--connect-timeout", optarg, &connect_timeout))
				return 1;
			break;
		case 'n': name = optarg; break;
		case 's': ui.stay = true; break;
		case 'r': c->cfg.use_random_address = true; break;
		default: return cli_fail(c, "%s", usage);
		}
	}
	int nargs = argc - optind;
	const char *mode = nargs > 0 ? argv[optind] : "";
	bool listen = !strcmp(mode, "listen"), conn = !strcmp(mode, "connect");
	if ((!listen && !conn) || nargs != (listen ? 2 : 3))
		return cli_fail(c, "%s", usage);
	if (parse_spsm(c, argv[optind + (listen ? 1 : 2)], &ui.spsm))
		return 1;
	struct bh_host_events ev = {
		.ctx = &ui,
		.connected = on_connected,
		.disconnected = on_disconnected,
		.coc_accept = on_accept,
		.coc_opened = on_opened,
		.coc_sdu = on_sdu,
		.coc_closed = on_closed,
		.coc_can_send = on_can_send,
	};
	/* The channel's callbacks point at ui: the host is closed (cli_finish)
	 * before this returns. */
	ui.listener = listen;
	if (listen)
		return listen_coc(&ui, name, timeout, &ev);
	return connect_coc(&ui, argv[optind + 1], connect_timeout, timeout, &ev);
}
