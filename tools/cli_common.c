#include "cli.h"

#include <blehost/gap.h>
#include <blehost/hci.h>
#include "text_escape.h"
#include <blehost/transport.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

unsigned cli_cmd_timeouts(struct cli *c)
{
	struct bh_hci_stats st = { 0 };
	if (c->host)
		bh_hci_stats(bh_host_hci(c->host), &st);
	return st.cmds_timed_out;
}

int cli_fail(struct cli *c, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", c->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

struct bh_host *cli_open_host(struct cli *c, const struct bh_host_events *ev)
{
	char err[512] = "";
	if (!c->cfg.transport && !getenv("BLEHOST_TRANSPORT")) {
		cli_fail(c, "no transport given: use -t TRANSPORT or set BLEHOST_TRANSPORT "
			    "(e.g. -t usb, -t serial:/dev/ttyACM0, -t unix:/tmp/bt-server-le)");
		return NULL;
	}
	c->host = bh_host_new(&c->cfg, ev, err, sizeof(err));
	if (!c->host) {
		cli_fail(c, "%s", err);
		return NULL;
	}
	int rc = bh_host_start_sync(c->host, 10000);
	if (rc) {
		cli_fail(c, "controller bring-up failed on %s: %s", c->cfg.transport ? c->cfg.transport : getenv("BLEHOST_TRANSPORT"), bh_strerror(rc));
		cli_close_host(c);
		return NULL;
	}
	return c->host;
}

/* With -v: what the controller link saw, including everything dropped
 * from a misbehaving controller (bh_hci_stats). */
static void print_hci_stats(struct cli *c)
{
	struct bh_hci_stats s;
	bh_hci_stats(bh_host_hci(c->host), &s);
	fprintf(stderr,
		"%s: hci: %u commands sent, %u timed out, %u unexpected completions; "
		"events dropped: %u short, %u unknown handle, %u invalid; ACL dropped: %u "
		"(%u bad packet boundary flag); %u excess completed packets; %u recoveries\n",
		c->prog, s.cmds_sent, s.cmds_timed_out, s.cmds_unexpected, s.events_dropped_short,
		s.events_unknown_handle, s.events_invalid, s.acl_dropped, s.acl_bad_boundary,
		s.credits_excess, s.recoveries);
}

int cli_close_host(struct cli *c)
{
	int rc = 0;
	if (!c->host)
		return 0;
	if (c->verbose)
		print_hci_stats(c);
	if (bh_host_transport(c->host) && bh_transport_is_virtual(bh_host_transport(c->host))) {
		/* A replay passes only if the whole trace played and every packet
		 * the stack sent matched: play what is left, then ask. */
		bool never = false;
		for (int i = 0; i < 600 && !bh_host_replay_done(c->host); i++)
			bh_loop_run_until(bh_host_loop(c->host), &never, 1000);
		char report[4096] = "";
		int st = bh_host_replay_result(c->host, report, sizeof(report));
		if (st) {
			cli_fail(c, "replay mismatch: %s\n%s", bh_strerror(st), report);
			rc = 1;
		}
	}
	bh_host_free(c->host);
	c->host = NULL;
	return rc;
}

int cli_finish(struct cli *c, int rc)
{
	int rc2 = cli_close_host(c);
	return rc ? rc : rc2;
}

int cli_parse_attr(const char *s, uint16_t *attr_handle, bh_uuid *uuid)
{
	char *end;
	/* 4-hex-digit strings are UUIDs ("2a37"); handles are decimal or 0x-hex. */
	if (strlen(s) != 4 || !strncmp(s, "0x", 2)) {
		unsigned long v = strtoul(s, &end, 0);
		if (*s && !*end && v > 0 && v <= 0xffff) {
			*attr_handle = (uint16_t)v;
			return 0;
		}
	}
	if (bh_uuid_parse(s, uuid) == BH_OK)
		return 1;
	return -1;
}

int cli_parse_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	bool too_long = false;
	if (!strncmp(s, "0x", 2))
		s += 2;
	while (*s) {
		if (*s == ' ' || *s == ':' || *s == '-') {
			s++;
			continue;
		}
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
			return CLI_HEX_BAD;
		/* Keep checking the rest: a bad digit past the limit is still
		 * reported as bad hex, the more basic mistake. */
		if (n >= cap)
			too_long = true;
		else
			out[n] = (uint8_t)strtoul((char[3]){ s[0], s[1], 0 }, NULL, 16);
		n++;
		s += 2;
	}
	return too_long ? CLI_HEX_TOO_LONG : (int)n;
}

size_t cli_hex_len(const char *s)
{
	size_t digits = 0;
	if (!strncmp(s, "0x", 2))
		s += 2;
	for (; *s; s++)
		digits += isxdigit((unsigned char)*s) != 0;
	return digits / 2;
}

int cli_hex_fail(struct cli *c, const char *what, const char *s, int rc, size_t cap,
		 const char *limit)
{
	if (rc == CLI_HEX_TOO_LONG)
		return cli_fail(c, "%s is %zu bytes: at most %zu (%s)", what, cli_hex_len(s), cap,
				limit);
	return cli_fail(c, "bad hex in %s '%s' (pairs of hex digits, optionally separated by "
			   "spaces, ':' or '-')", what, s);
}

void cli_print_value(FILE *f, const uint8_t *v, size_t n)
{
	if (!n) {
		fputs("(empty)", f);
		return;
	}
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", v[i]);
	/* The value is the peer's: show it as text too only when it is text
	 * (UTF-8 without controls but white space; a trailing NUL allowed),
	 * and then escaped for the terminal (text_escape.h). */
	size_t text = v[n - 1] == 0 ? n - 1 : n;
	if (text > 0 && !memchr(v, 0, text) && text_is_clean(v, text, true)) {
		fputs(" \"", f);
		text_fputs(f, v, text, true);
		fputc('"', f);
	}
}

int cli_server_advertise(struct cli *c, struct bh_host *h, struct cli_server_ad *buf,
			 const bh_uuid *uuid, const char *name, struct bh_gap_adv_params *ap)
{
	_Static_assert(sizeof(buf->adv) == BH_AD_LEGACY_MAX, "legacy advertising data");
	struct bh_ad_builder a, r;
	bh_ad_build_init(&a, buf->adv, sizeof(buf->adv));
	bh_ad_build_init(&r, buf->rsp, sizeof(buf->rsp));
	bh_ad_add_flags(&a, BH_AD_FLAG_LE_GENERAL | BH_AD_FLAG_NO_BREDR);
	if (uuid)
		bh_ad_add_uuids(&a, uuid, 1, true);
	if (bh_ad_add_name(&a, name, true) && bh_ad_add_name(&r, name, true))
		return cli_fail(c, "name '%s' is too long to advertise", name);
	ap->kind = BH_GAP_ADV_CONN;
	ap->data = buf->adv;
	ap->data_len = a.len;
	ap->scan_rsp = buf->rsp;
	ap->scan_rsp_len = r.len;
	int rc = bh_gap_adv_start(bh_host_gap(h), ap, NULL, NULL);
	if (rc)
		return cli_fail(c, "cannot advertise: %s", bh_strerror(rc));
	return 0;
}
