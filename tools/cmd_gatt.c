/* blehost gatt | read | write | notify: the GATT client from the command line. */
#include "gatt_session.h"

#include <blehost/att.h>
#include <blehost/gatt.h>

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char *const prop_names[8] = { "broadcast", "read", "write-without-response", "write",
					   "notify", "indicate", "signed-write", "extended" };

static void print_props(FILE *f, uint8_t props)
{
	bool first = true;
	fputc('[', f);
	for (int i = 0; i < 8; i++) {
		if (props & (1u << i)) {
			fprintf(f, "%s%s", first ? "" : ", ", prop_names[i]);
			first = false;
		}
	}
	fputc(']', f);
}

static const char *uuid_label(const bh_uuid *u, char buf[BH_UUID_STRLEN])
{
	bh_uuid_str(u, buf);
	return buf;
}

/* The link is looked up again after every loop run (each read): NULL and
 * *rc set when it went. */
static struct bh_gattc *client(struct gatt_session *s, int *rc)
{
	struct bh_gattc *g = bh_host_gattc(s->h, s->conn);
	if (!g)
		*rc = cli_fail(s->c, "connection lost while reading the GATT tree");
	return g;
}

static int print_tree(struct gatt_session *s, struct cli *c, FILE *out, const char *addr)
{
	struct json j;
	char ub[BH_UUID_STRLEN];
	int rc = 0;
	if (c->json) {
		json_begin(&j, out);
		json_str(&j, "address", addr);
		json_int(&j, "mtu", s->mtu);
		json_arr(&j, "services");
	} else {
		fprintf(out, "Connected to %s, ATT MTU %u\n", addr, s->mtu);
	}
	static uint8_t val[512];
	struct bh_gattc *g = client(s, &rc);
	if (!g)
		return rc;
	for (unsigned si = 0; si < bh_gattc_service_count(g); si++) {
		const struct bh_gattc_service sv = *bh_gattc_service_at(g, si);
		const char *sname = bh_uuid_name(&sv.uuid);
		if (c->json) {
			json_obj(&j, NULL);
			json_int(&j, "start", sv.start);
			json_int(&j, "end", sv.end);
			json_str(&j, "uuid", uuid_label(&sv.uuid, ub));
			json_str(&j, "name", sname);
			json_bool(&j, "primary", sv.primary);
			json_arr(&j, "characteristics");
		} else {
			fprintf(out, "%s Service 0x%04x-0x%04x %s%s%s\n",
				sv.primary ? "Primary" : "Secondary", sv.start, sv.end,
				uuid_label(&sv.uuid, ub), sname ? " " : "", sname ? sname : "");
		}
		/* Bounds re-checked: a Service Changed indication may have
		 * replaced the tree during a read. */
		for (unsigned ci = sv.first_chr; ci < sv.first_chr + sv.n_chrs &&
						 ci < bh_gattc_chr_count(g); ci++) {
			const struct bh_gattc_chr ch = *bh_gattc_chr_at(g, ci);
			const char *cname = bh_uuid_name(&ch.uuid);
			size_t len = 0;
			int st = BH_ENOTSUP;
			if (ch.props & BH_GATT_PROP_READ)
				st = bh_host_read_sync(s->h, s->conn, ch.value_handle, val, sizeof(val),
						       &len);
			g = client(s, &rc);
			if (!g)
				return rc;
			/* An ATT error is the peer's answer for this value; any
			 * other failure (a timeout kills the bearer, Vol 3, Part
			 * F, 3.3.3) ends the session. */
			if (st && st != BH_ENOTSUP && bh_status_kind(st) != BH_KIND_ATT)
				return cli_fail(c, "read of 0x%04x failed: %s", ch.value_handle,
						bh_strerror(st));
			if (c->json) {
				json_obj(&j, NULL);
				json_int(&j, "handle", ch.decl_handle);
				json_int(&j, "value_handle", ch.value_handle);
				json_str(&j, "uuid", uuid_label(&ch.uuid, ub));
				json_str(&j, "name", cname);
				json_arr(&j, "properties");
				for (int b = 0; b < 8; b++)
					if (ch.props & (1u << b))
						json_item_str(&j, prop_names[b]);
				json_close(&j, ']');
				if (st == BH_OK)
					json_hex(&j, "value", val, len < sizeof(val) ? len : sizeof(val));
				else if (ch.props & BH_GATT_PROP_READ)
					json_str(&j, "error", bh_strerror(st));
				json_arr(&j, "descriptors");
			} else {
				fprintf(out, "  Characteristic 0x%04x %s%s%s ", ch.value_handle,
					uuid_label(&ch.uuid, ub), cname ? " " : "", cname ? cname : "");
				print_props(out, ch.props);
				if (st == BH_OK) {
					fprintf(out, " = ");
					cli_print_value(out, val, len < sizeof(val) ? len : sizeof(val));
				} else if (st == BH_ATT_ERROR(BH_ATT_E_INSUFF_AUTHENTICATION) ||
					   st == BH_ATT_ERROR(BH_ATT_E_INSUFF_ENCRYPTION)) {
					fprintf(out, " (needs pairing: %s)", bh_strerror(st));
				} else if (ch.props & BH_GATT_PROP_READ) {
					fprintf(out, " (read failed: %s)", bh_strerror(st));
				}
				fprintf(out, "\n");
			}
			for (unsigned di = ch.first_desc; di < ch.first_desc + ch.n_descs &&
							  di < bh_gattc_desc_count(g); di++) {
				const struct bh_gattc_desc *d = bh_gattc_desc_at(g, di);
				const char *dname = bh_uuid_name(&d->uuid);
				if (c->json) {
					json_obj(&j, NULL);
					json_int(&j, "handle", d->handle);
					json_str(&j, "uuid", uuid_label(&d->uuid, ub));
					json_str(&j, "name", dname);
					json_close(&j, '}');
				} else {
					fprintf(out, "    Descriptor 0x%04x %s%s%s\n", d->handle,
						uuid_label(&d->uuid, ub), dname ? " " : "",
						dname ? dname : "");
				}
			}
			if (c->json) {
				json_close(&j, ']');
				json_close(&j, '}');
			}
		}
		if (c->json) {
			json_close(&j, ']');
			json_close(&j, '}');
		}
	}
	if (c->json) {
		json_close(&j, ']');
		json_end(&j);
	}
	return 0;
}

int cmd_gatt(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "connect-timeout", required_argument, NULL, 'c' },
		{ 0 },
	};
	double ct = 10;
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o != 'c')
			return cli_fail(c, "usage: gatt ADDR [--connect-timeout S]");
		if (cli_opt_seconds(c, "--connect-timeout", optarg, &ct))
			return 1;
	}
	if (optind >= argc)
		return cli_fail(c, "usage: gatt ADDR [--connect-timeout S]");
	/* Printing a tree should not start a pairing: values that need
	 * security are shown as such (use `blehost pair` first). */
	c->cfg.auto_security = false;
	struct gatt_session s;
	if (gatt_session_open(&s, c, argv[optind], ct, true, NULL)) {
		return gatt_session_close(&s, 1);
	}
	/* The loop runs inside every read, and any callback may end the link:
	 * the client and its tree are looked up again after each read, and
	 * what is printed is copied out first. --json output is built in
	 * memory and written only when whole, so it is never cut short. */
	char *jbuf = NULL;
	size_t jlen = 0;
	FILE *out = c->json ? open_memstream(&jbuf, &jlen) : stdout;
	if (!out)
		return gatt_session_close(&s, cli_fail(c, "out of memory"));
	int rc = print_tree(&s, c, out, argv[optind]);
	if (c->json) {
		fclose(out);
		if (!rc)
			fwrite(jbuf, 1, jlen, stdout);
		free(jbuf);
	}
	return gatt_session_close(&s, rc);
}

static int parse_common(struct cli *c, int argc, char **argv, double *ct, bool *no_rsp,
			long *count, double *timeout, bool *indicate, const char *usage)
{
	static const struct option opts[] = {
		{ "connect-timeout", required_argument, NULL, 'c' },
		{ "no-response", no_argument, NULL, 'n' },
		{ "count", required_argument, NULL, 'N' },
		{ "timeout", required_argument, NULL, 't' },
		{ "indicate", no_argument, NULL, 'i' },
		{ 0 },
	};
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			if (cli_opt_seconds(c, "--connect-timeout", optarg, ct))
				return 1;
			break;
		case 'n': if (no_rsp) { *no_rsp = true; break; } return cli_fail(c, "usage: %s", usage);
		case 'N': {
			unsigned long n;
			if (!count)
				return cli_fail(c, "usage: %s", usage);
			if (cli_opt_ulong(c, "--count", optarg, 0, LONG_MAX, &n))
				return 1;
			*count = (long)n;
			break;
		}
		case 't':
			if (!timeout)
				return cli_fail(c, "usage: %s", usage);
			if (cli_opt_seconds(c, "--timeout", optarg, timeout))
				return 1;
			break;
		case 'i': if (indicate) { *indicate = true; break; } return cli_fail(c, "usage: %s", usage);
		default: return cli_fail(c, "usage: %s", usage);
		}
	}
	return 0;
}

int cmd_read(struct cli *c, int argc, char **argv)
{
	const char *usage = "read ADDR HANDLE|UUID [--connect-timeout S]";
	double ct = 10;
	if (parse_common(c, argc, argv, &ct, NULL, NULL, NULL, NULL, usage))
		return 1;
	if (argc - optind != 2)
		return cli_fail(c, "usage: %s", usage);
	struct gatt_session s;
	uint16_t attr;
	int rc = 1;
	if (!gatt_session_open(&s, c, argv[optind], ct, true, NULL) &&
	    !gatt_session_attr(&s, argv[optind + 1], &attr)) {
		static uint8_t val[512];
		size_t len = 0;
		int st = bh_host_read_sync(s.h, s.conn, attr, val, sizeof(val), &len);
		if (st) {
			cli_fail(c, "read of 0x%04x failed: %s", attr, bh_strerror(st));
		} else if (c->json) {
			struct json j;
			json_begin(&j, stdout);
			json_int(&j, "handle", attr);
			json_hex(&j, "value", val, len);
			json_end(&j);
			rc = 0;
		} else {
			printf("0x%04x: ", attr);
			cli_print_value(stdout, val, len);
			printf("\n");
			rc = 0;
		}
	}
	return gatt_session_close(&s, rc);
}

int cmd_write(struct cli *c, int argc, char **argv)
{
	const char *usage = "write ADDR HANDLE|UUID HEX [--no-response] [--connect-timeout S]";
	double ct = 10;
	bool no_rsp = false;
	if (parse_common(c, argc, argv, &ct, &no_rsp, NULL, NULL, NULL, usage))
		return 1;
	if (argc - optind != 3)
		return cli_fail(c, "usage: %s", usage);
	static uint8_t val[BH_ATT_MAX_VALUE];
	int len = cli_parse_hex(argv[optind + 2], val, sizeof(val));
	if (len < 0)
		return cli_hex_fail(c, "the value", argv[optind + 2], len, sizeof(val),
				    "the ATT maximum attribute length");
	struct gatt_session s;
	uint16_t attr;
	int rc = 1;
	if (!gatt_session_open(&s, c, argv[optind], ct, true, NULL) &&
	    !gatt_session_attr(&s, argv[optind + 1], &attr)) {
		int st = bh_host_write_sync(s.h, s.conn, attr, val, (size_t)len, !no_rsp);
		if (st) {
			cli_fail(c, "write to 0x%04x failed: %s", attr, bh_strerror(st));
		} else {
			if (!c->json)
				printf("wrote %d byte%s to 0x%04x%s\n", len, len == 1 ? "" : "s", attr,
				       no_rsp ? " (without response)" : "");
			rc = 0;
		}
	}
	return gatt_session_close(&s, rc);
}

struct notify_ui {
	struct cli *c;
	uint16_t attr;
	long want, got;
	bool done;
	int reason; /* HCI reason the link ended with, -1: it did not */
};

static void on_link_down(void *ctx, uint16_t handle, uint8_t reason)
{
	struct notify_ui *ui = ctx;
	(void)handle;
	ui->reason = reason;
}

static void on_notification(void *ctx, uint16_t handle, uint16_t attr, const uint8_t *v,
			    size_t len, bool ind)
{
	struct notify_ui *ui = ctx;
	(void)handle;
	if (attr != ui->attr)
		return;
	ui->got++;
	if (ui->c->json) {
		struct json j;
		json_begin(&j, stdout);
		json_str(&j, "event", ind ? "indication" : "notification");
		json_int(&j, "handle", attr);
		json_hex(&j, "value", v, len);
		json_end(&j);
	} else {
		printf("%s 0x%04x: ", ind ? "indication" : "notification", attr);
		cli_print_value(stdout, v, len);
		printf("\n");
		fflush(stdout);
	}
	if (ui->want > 0 && ui->got >= ui->want)
		ui->done = true;
}

int cmd_notify(struct cli *c, int argc, char **argv)
{
	const char *usage = "notify ADDR HANDLE|UUID [--count N] [--timeout S] [--indicate] [--connect-timeout S]";
	double ct = 10, timeout = 0;
	long count = 0;
	bool ind = false;
	if (parse_common(c, argc, argv, &ct, NULL, &count, &timeout, &ind, usage))
		return 1;
	if (argc - optind != 2)
		return cli_fail(c, "usage: %s", usage);
	struct notify_ui ui = { .c = c, .want = count, .reason = -1 };
	struct bh_host_events ev = { .ctx = &ui, .notification = on_notification,
				     .disconnected = on_link_down };
	struct gatt_session s;
	int rc = 1;
	if (!gatt_session_open(&s, c, argv[optind], ct, true, &ev) &&
	    !gatt_session_attr(&s, argv[optind + 1], &ui.attr)) {
		int st = bh_host_subscribe_sync(s.h, s.conn, ui.attr, ind);
		if (st) {
			cli_fail(c, "subscribe to 0x%04x failed: %s", ui.attr, bh_strerror(st));
		} else {
			if (!c->json)
				fprintf(stderr, "subscribed to 0x%04x\n", ui.attr);
			/* Ends with the link or the controller too, not only at
			 * --count or --timeout. */
			st = bh_host_wait(s.h, s.conn, &ui.done,
					  timeout > 0 ? (bh_time_ms)(timeout * 1000) : BH_NEVER);
			if (bh_host_lost(s.h))
				st = bh_host_lost(s.h);
			if (bh_host_lost(s.h) || (st && st != BH_ETIMEDOUT && st != BH_ECANCELLED))
				rc = cli_fail(c, "stopped after %ld notification%s: %s%s%s", ui.got,
					      ui.got == 1 ? "" : "s",
					      bh_host_lost(s.h) == BH_ETIMEDOUT
						      ? "the controller stopped answering"
						      : bh_strerror(st),
					      ui.reason >= 0 ? ", " : "",
					      ui.reason >= 0 ? bh_hci_status_str((uint8_t)ui.reason) : "");
			else
				rc = (count > 0 && ui.got < count) ? cli_fail(c, "got %ld of %ld", ui.got, count) : 0;
		}
	}
	return gatt_session_close(&s, rc);
}
