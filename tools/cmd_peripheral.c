/* blehost peripheral: a GATT server for the services of a JSON description
 * (--db FILE, gatt_db_json.h), or the demo database: Heart Rate (notifying
 * once a second while subscribed), Battery, Device Information, and a demo
 * service with a long read/write value, a write-without-response value, an
 * indicate value, two values that need security and one for signed
 * writes. Logs every request. */
#include "cli.h"

#include <blehost/att.h>
#include <blehost/gap.h>
#include "demo_db.h"
#include <blehost/gatt.h>

#include <getopt.h>
#include <poll.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct periph {
	struct cli *c;
	struct bh_host *h;
	uint8_t heart_rate;
	uint8_t battery;
	uint16_t hrm_handle, batt_handle, indicate_handle;
	unsigned hr_subscribers;
	long tick_timer;
	unsigned indications;
	const struct gatt_db *db;
	char line[2 * BH_ATT_MAX_VALUE + 128]; /* --updates: the line being read */
	size_t line_len;
	bool line_too_long;
	bool started;        /* the controller came up once */
	bool stop;           /* advertising ended by itself with an error */
	uint16_t link_conn;  /* the link --interval/--phy apply to next */
	bh_status stop_reason;
};

static void emit(struct periph *p, const char *event, uint16_t conn, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void emit(struct periph *p, const char *event, uint16_t conn, const char *fmt, ...)
{
	char msg[256] = "";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->c->json) {
		struct json j;
		json_begin(&j, stdout);
		json_str(&j, "event", event);
		json_int(&j, "conn", conn);
		json_str(&j, "detail", msg);
		json_end(&j);
	} else {
		printf("[conn 0x%04x] %-13s %s\n", conn, event, msg);
		fflush(stdout);
	}
}

static void tick(void *arg);

static void schedule_tick(struct periph *p)
{
	struct bh_loop *l = bh_host_loop(p->h);
	p->tick_timer = bh_loop_timer_at(l, bh_loop_now(l) + 1000, tick, p);
}

static void tick(void *arg)
{
	struct periph *p = arg;
	p->tick_timer = 0;
	if (!p->hr_subscribers)
		return;
	/* A plausible resting heart rate that drifts between 60 and 80. */
	p->heart_rate = (uint8_t)(p->heart_rate >= 80 ? 60 : p->heart_rate + 1);
	uint8_t hrm[2] = { 0x00, p->heart_rate };
	unsigned busy = 0;
	int n = bh_gatts_changed(bh_host_gatt_server(p->h), p->hrm_handle, hrm, sizeof(hrm), &busy);
	if (n > 0)
		emit(p, "notify", 0, "heart rate %u bpm to %d subscriber(s)", p->heart_rate, n);
	schedule_tick(p);
}

static void on_subscription(void *ctx, uint16_t conn, uint16_t vh, uint16_t value)
{
	struct periph *p = ctx;
	emit(p, "subscribe", conn, "handle 0x%04x CCCD=%u (%s)", vh, value,
	     value == 0 ? "off" : value == 1 ? "notifications" : value == 2 ? "indications" : "both");
	if (vh == p->hrm_handle) {
		if (value & 1)
			p->hr_subscribers++;
		else if (p->hr_subscribers)
			p->hr_subscribers--;
		if (p->hr_subscribers && !p->tick_timer)
			schedule_tick(p);
	}
	if (vh == p->indicate_handle && (value & 2)) {
		uint8_t v = (uint8_t)++p->indications;
		bh_gatts_indicate(bh_host_gatt_server(p->h), conn, vh, &v, 1);
	}
}

static void on_indication_done(void *ctx, uint16_t conn, uint16_t vh, bh_status st)
{
	struct periph *p = ctx;
	emit(p, "indicated", conn, "handle 0x%04x: %s", vh, st ? bh_strerror(st) : "confirmed");
}

static void on_att_request(void *ctx, uint16_t conn, const uint8_t *pdu, size_t len)
{
	struct periph *p = ctx;
	struct bh_att_pdu d;
	int rc = bh_att_decode(pdu, len, &d);
	const char *name = bh_att_opcode_str(pdu[0]);
	if (rc)
		emit(p, "request", conn, "%s (malformed, %zu bytes)", name, len);
	else if (d.opcode == BH_ATT_READ_REQ || d.opcode == BH_ATT_READ_BLOB_REQ)
		emit(p, "request", conn, "%s handle 0x%04x offset %u", name, d.u.read.handle,
		     d.u.read.offset);
	else if (d.opcode == BH_ATT_WRITE_REQ || d.opcode == BH_ATT_WRITE_CMD)
		emit(p, "request", conn, "%s handle 0x%04x, %zu bytes", name, d.u.write.handle,
		     d.u.write.len);
	else if (d.opcode == BH_ATT_PREP_WRITE_REQ)
		emit(p, "request", conn, "%s handle 0x%04x offset %u, %zu bytes", name,
		     d.u.prep.handle, d.u.prep.offset, d.u.prep.len);
	else
		emit(p, "request", conn, "%s", name);
}

/* ready again: the controller stopped answering a command and was reset
 * (HCI recovery); advertising, links and subscriptions are gone. */
static void on_ready(void *ctx, bh_status st)
{
	struct periph *p = ctx;
	if (!p->started || p->stop)
		return;
	emit(p, "advertising", 0, "stopped: the controller was reset (%s)",
	     st ? bh_strerror(st) : "it stopped answering");
	p->stop = true;
	p->stop_reason = BH_ERESET;
}

static void link_apply(void *arg)
{
	struct periph *p = arg;
	if (bh_gap_conn_get(bh_host_gap(p->h), p->link_conn))
		cli_link_apply_async(p->c, p->h, p->link_conn);
}

static void on_connected(void *ctx, uint16_t conn, bool central, const bh_addr *peer)
{
	struct periph *p = ctx;
	char a[BH_ADDR_STRLEN];
	(void)central;
	const struct bh_gap_conn *gc = bh_gap_conn_get(bh_host_gap(p->h), conn);
	if (gc && gc->peer_resolved) {
		char id[BH_ADDR_STRLEN];
		emit(p, "connected", conn, "%s (identity %s)", bh_addr_str(&gc->peer, a),
		     bh_addr_str(&gc->peer_identity, id));
	} else {
		emit(p, "connected", conn, "%s", bh_addr_str(peer, a));
	}
	if (p->c->link.params || p->c->link.phys) {
		/* After the link's first exchanges (remote features decide LL or
		 * L2CAP): a timer, not a wait here, since this is a callback. */
		p->link_conn = conn;
		struct bh_loop *l = bh_host_loop(p->h);
		bh_loop_timer_at(l, bh_loop_now(l) + 500, link_apply, p);
	}
}

static void on_conn_updated(void *ctx, uint16_t conn, bh_status st, double interval_ms,
			    uint16_t latency, unsigned timeout_ms)
{
	struct periph *p = ctx;
	emit(p, "conn-params", conn, "%s: interval %.2f ms, latency %u, timeout %u ms",
	     st ? bh_strerror(st) : "ok", interval_ms, latency, timeout_ms);
}

static void on_data_length(void *ctx, uint16_t conn, uint16_t txo, uint16_t txt, uint16_t rxo,
			   uint16_t rxt)
{
	emit(ctx, "data-length", conn, "tx %u octets / %u us, rx %u / %u", txo, txt, rxo, rxt);
}

static void on_phy(void *ctx, uint16_t conn, bh_status st, uint8_t tx, uint8_t rx)
{
	emit(ctx, "phy", conn, "%s: tx %s rx %s", st ? bh_strerror(st) : "ok", bh_gap_phy_str(tx),
	     bh_gap_phy_str(rx));
}

static void on_disconnected(void *ctx, uint16_t conn, uint8_t reason)
{
	struct periph *p = ctx;
	emit(p, "disconnected", conn, "reason 0x%02x %s", reason, bh_hci_status_str(reason));
	p->hr_subscribers = 0;
}

static void on_encryption(void *ctx, uint16_t conn, bh_status st, bool enabled)
{
	struct periph *p = ctx;
	emit(p, "encryption", conn, "%s%s", enabled ? "on" : "off", st ? bh_strerror(st) : "");
}

static void on_pairing(void *ctx, uint16_t conn, bh_status st, bool bonded)
{
	struct periph *p = ctx;
	emit(p, "paired", conn, "%s%s", st ? bh_strerror(st) : "success",
	     !st && bonded ? ", bonded" : "");
}

static void on_passkey_display(void *ctx, uint16_t conn, uint32_t passkey)
{
	struct periph *p = ctx;
	emit(p, "passkey", conn, "%06u", passkey);
}

static void on_confirm(void *ctx, uint16_t conn, uint32_t number)
{
	struct periph *p = ctx;
	emit(p, "confirm", conn, "%06u (accepted)", number);
	bh_host_confirm_reply(p->h, conn, true);
}

static void on_passkey_request(void *ctx, uint16_t conn)
{
	struct periph *p = ctx;
	const char *env = getenv("BLEHOST_PASSKEY");
	if (!env) {
		emit(p, "passkey", conn, "requested, but no BLEHOST_PASSKEY set: rejecting");
		bh_host_passkey_reply(p->h, conn, false, 0);
		return;
	}
	uint32_t pk;
	if (cli_parse_passkey(env, &pk)) {
		emit(p, "passkey", conn, "BLEHOST_PASSKEY '%s' is not 1 to 6 digits: rejecting",
		     env);
		bh_host_passkey_reply(p->h, conn, false, 0);
		return;
	}
	emit(p, "passkey", conn, "entering %06u", (unsigned)pk);
	bh_host_passkey_reply(p->h, conn, true, pk);
}

static void on_stopped(void *ctx, bh_status st)
{
	struct periph *p = ctx;
	/* BH_OK: a connection took it, and GAP restarts it when the link ends. */
	if (st == BH_OK || p->stop)
		return;
	/* Any other end (the controller refused, or was reset or lost) leaves
	 * nobody able to connect: the server stops. (During our own shutdown
	 * nobody waits on the flag any more.) */
	emit(p, "advertising", 0, "stopped: %s", bh_strerror(st));
	p->stop = true;
	p->stop_reason = st;
}

/* --updates: one line "UUID|HANDLE HEX" sets that value and notifies or
 * indicates its subscribers. A bad line is reported and skipped: the
 * server serves on. */
static void apply_update(struct periph *p, char *line)
{
	char *sp = line + strcspn(line, " \t");
	if (!*line || line[0] == '#')
		return;
	const char *hex = *sp ? sp + 1 : "";
	*sp = 0;
	uint16_t h = 0;
	bh_uuid u;
	int kind = cli_parse_attr(line, &h, &u);
	struct bh_gatts *gs = bh_host_gatt_server(p->h);
	if (kind == 1) {
		const struct bh_gatt_chr_def *d = gatt_db_find_chr(p->db, NULL, &u);
		h = d ? bh_gatts_value_handle(gs, d) : 0;
	}
	static uint8_t val[BH_ATT_MAX_VALUE];
	int len = cli_parse_hex(hex, val, sizeof(val));
	if (kind < 0 || !h) {
		emit(p, "update", 0, "'%s': no such characteristic (a UUID or value handle)", line);
		return;
	}
	if (len < 0) {
		emit(p, "update", 0, "0x%04x: %s", h,
		     len == CLI_HEX_TOO_LONG ? "longer than 512 bytes" : "bad hex value");
		return;
	}
	unsigned busy = 0;
	int n = bh_gatts_changed(gs, h, val, (size_t)len, &busy);
	if (n == BH_ENOTFOUND) /* no CCCD: nobody to tell, only store it */
		n = bh_gatts_set_value(gs, h, val, (size_t)len) ? BH_EINVAL : 0;
	if (n < 0)
		emit(p, "update", 0, "0x%04x: %s (length %d)", h, bh_strerror(n), len);
	else
		emit(p, "update", 0, "0x%04x = %d byte%s, sent to %d subscriber(s)%s", h, len,
		     len == 1 ? "" : "s", n, busy ? ", some busy" : "");
}

static void stdin_readable(void *arg, int fd, short revents)
{
	struct periph *p = arg;
	(void)revents;
	char buf[512];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n <= 0) {
		/* End of the updates (or an unreadable stdin): serve on. */
		bh_loop_unwatch(bh_host_loop(p->h), fd);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (p->line_len + 1 < sizeof(p->line))
				p->line[p->line_len++] = buf[i];
			else
				p->line_too_long = true;
			continue;
		}
		p->line[p->line_len] = 0;
		if (p->line_len && p->line[p->line_len - 1] == '\r')
			p->line[p->line_len - 1] = 0;
		if (p->line_too_long)
			emit(p, "update", 0, "line longer than %zu characters: skipped",
			     sizeof(p->line) - 1);
		else
			apply_update(p, p->line);
		p->line_len = 0;
		p->line_too_long = false;
	}
}

static int serve(struct cli *c, const char *name, double timeout, const struct gatt_db *file_db,
		 const char *db_name, bool updates);

int cmd_peripheral(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "io", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 't' },
		{ "mitm", no_argument, NULL, 'm' },
		{ "privacy", no_argument, NULL, 'p' },
		{ "rpa-timeout", required_argument, NULL, 'a' },
		{ "db", required_argument, NULL, 'd' },
		{ "random", no_argument, NULL, 'r' },
		{ "updates", no_argument, NULL, 'u' },
		{ 0 },
	};
	const char *name = "blehost-demo";
	bool updates = false;
	const char *db_path = NULL;
	double timeout = 0;
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'n': name = optarg; break;
		case 'i':
			if (cli_parse_io(optarg, &c->cfg.io_cap))
				return cli_fail(c, "unknown IO capability '%s' (NoInputNoOutput, DisplayOnly, DisplayYesNo, KeyboardOnly, KeyboardDisplay)", optarg);
			break;
		case 't':
			if (cli_opt_seconds(c, "--timeout", optarg, &timeout))
				return 1;
			break;
		case 'm': c->cfg.mitm = true; break;
		case 'p': c->cfg.privacy = true; break;
		case 'a': {
			/* bh_host_config.rpa_timeout_ms's range (Vol 4, Part E, 7.8.45). */
			char *end;
			double s = strtod(optarg, &end);
			if (!*optarg || *end || !(s >= 1.0 && s <= 3600.0))
				return cli_fail(c, "bad --rpa-timeout '%s' (seconds, 1 to 3600)", optarg);
			c->cfg.rpa_timeout_ms = (unsigned)(s * 1000.0 + 0.5);
			break;
		}
		case 'd': db_path = optarg; break;
		case 'r': c->cfg.use_random_address = true; break;
		case 'u': updates = true; break;
		default: return cli_fail(c, "usage: peripheral [--db FILE] [--name N] [--io CAP] [--mitm] [--random] [--privacy] [--rpa-timeout S] [--updates] [--timeout S]");
		}
	}
	if (optind < argc)
		return cli_fail(c, "peripheral: unexpected argument '%s'", argv[optind]);
	/* The file is checked before the controller is touched: a mistake in
	 * it is reported at once, with its line. */
	struct gatt_db *file_db = NULL;
	if (db_path) {
		char err[512];
		file_db = gatt_db_load(db_path, err, sizeof(err));
		if (!file_db)
			return cli_fail(c, "bad GATT description %s", err);
	}
	int rc = serve(c, name, timeout, file_db, db_path, updates);
	gatt_db_free(file_db);
	return rc;
}

/* The first primary service's UUID, advertised so a scanner filtering on
 * it finds us (Heart Rate for the demo). */
static const bh_uuid *first_primary(const struct gatt_db *db)
{
	size_t n;
	const struct bh_gatt_svc_def *s = gatt_db_services(db, &n);
	for (size_t i = 0; i < n; i++)
		if (!s[i].secondary)
			return &s[i].uuid;
	return NULL;
}

static int serve(struct cli *c, const char *name, double timeout, const struct gatt_db *file_db,
		 const char *db_name, bool updates)
{
	struct periph p = { .c = c, .heart_rate = 60, .battery = 100 };
	struct bh_host_events ev = {
		.ctx = &p,
		.ready = on_ready,
		.connected = on_connected,
		.disconnected = on_disconnected,
		.encryption_changed = on_encryption,
		.pairing_complete = on_pairing,
		.passkey_display = on_passkey_display,
		.passkey_request = on_passkey_request,
		.confirm_number = on_confirm,
		.subscription = on_subscription,
		.indication_done = on_indication_done,
		.att_request = on_att_request,
		.conn_updated = on_conn_updated,
	};
	p.h = cli_open_host(c, &ev);
	if (!p.h)
		return 1;
	struct bh_host_link_events lev = { .ctx = &p, .data_length_changed = on_data_length,
					   .phy_updated = on_phy };
	bh_host_set_link_events(p.h, &lev);
	p.started = true;
	struct bh_gatts *gs = bh_host_gatt_server(p.h);
	const struct gatt_db *db = file_db ? file_db : demo_db();
	p.db = db;
	size_t nsvc = 0;
	const struct bh_gatt_svc_def *svcs = db ? gatt_db_services(db, &nsvc) : NULL;
	bh_status st = db ? bh_gatts_add_services(gs, svcs, nsvc) : BH_EINVAL;
	if (st)
		return cli_finish(c, cli_fail(c, "cannot build the %s database: %s",
					      file_db ? "described" : "demo",
					      st == BH_ENOSPACE ? "more attributes than the 65535 handles"
								: bh_strerror(st)));
	/* The demo's simulated behaviour (a heart rate that drifts, a counter
	 * indicated on subscription) is the demo's; a described database is
	 * served as written. */
	if (!file_db) {
		struct demo_handles dh;
		demo_db_handles(gs, db, &dh);
		p.hrm_handle = dh.heart_rate;
		p.batt_handle = dh.battery;
		p.indicate_handle = dh.indicate;
	}

	struct cli_server_ad buf; /* lives until the host is closed */
	struct bh_gap_adv_params ap = {
		.restart_on_disconnect = true,
		.on_stopped = on_stopped,
		.ctx = &p,
	};
	int rc = cli_server_advertise(c, p.h, &buf, first_primary(db), name, &ap);
	if (rc)
		return cli_finish(c, 1);
	if (updates && bh_loop_watch(bh_host_loop(p.h), STDIN_FILENO, POLLIN, stdin_readable, &p))
		return cli_finish(c, cli_fail(c, "cannot read updates from stdin"));
	char addr[BH_ADDR_STRLEN];
	bh_addr own = bh_gap_own_address(bh_host_gap(p.h));
	if (file_db)
		emit(&p, "advertising", 0, "%s as \"%s\" with the %zu service%s of %s",
		     bh_addr_str(&own, addr), name, nsvc, nsvc == 1 ? "" : "s", db_name);
	else
		emit(&p, "advertising", 0, "%s as \"%s\" with Heart Rate, Battery, Device Information and the demo service",
		     bh_addr_str(&own, addr), name);
	/* Serves until --timeout, an interrupt, or the controller is lost
	 * (the transport closed, a Hardware Error, no answer to a command):
	 * then there is nothing left to serve with. */
	unsigned timeouts = cli_cmd_timeouts(c);
	rc = bh_host_wait(p.h, BH_HOST_NO_LINK, &p.stop,
			  timeout > 0 ? (bh_time_ms)(timeout * 1000) : BH_NEVER);
	/* Our own --timeout or an interrupt is a clean end; advertising that
	 * stopped by itself (it has no timeout here) or a lost controller is
	 * not. */
	if (bh_host_lost(p.h))
		rc = bh_host_lost(p.h);
	else if (rc == BH_ETIMEDOUT || rc == BH_ECANCELLED || c->interrupted)
		rc = BH_OK;
	else if (rc == BH_OK)
		rc = p.stop_reason;
	if (!rc && cli_cmd_timeouts(c) != timeouts)
		rc = BH_ETIMEDOUT; /* the controller stopped answering meanwhile */
	p.stop = true; /* from here on, advertising ends because we close */
	emit(&p, "exit", 0, "%s", c->interrupted ? "interrupted" : rc ? bh_strerror(rc) : "timeout");
	if (rc)
		cli_fail(c, "peripheral stopped: %s", rc == BH_ETIMEDOUT ? "the controller stopped answering"
									 : bh_strerror(rc));
	/* Advertising and the host events point at p: close while it lives. */
	return cli_finish(c, rc ? 1 : 0);
}
