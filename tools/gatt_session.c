#include "gatt_session.h"

#include <blehost/gap.h>
#include <blehost/gatt.h>

#include <string.h>

/* 0x3E, Connection Failed to be Established: the link layer started the
 * connection and lost it before it was up (Vol 1, Part F, 2.62), which is
 * transient; tried again, 100 ms apart, until the connect timeout is
 * spent. (btvirt answers it at once when nobody advertises at the address
 * yet, where a real controller would wait: a peripheral restarting its
 * advertising after its last link.) */
#define RETRY_GAP_MS 100
static int connect_retrying(struct gatt_session *s, const bh_addr *addr, unsigned ms)
{
	struct bh_loop *l = bh_host_loop(s->h);
	bh_time_ms until = bh_loop_now(l) + ms;
	for (;;) {
		int rc = bh_host_connect_sync(s->h, addr, ms, &s->conn);
		bh_time_ms now = bh_loop_now(l);
		if (rc != BH_HCI_STATUS(0x3e) || now + RETRY_GAP_MS >= until)
			return rc;
		if (s->c->verbose)
			fprintf(stderr, "%s: connection failed to be established (0x3e): trying again\n",
				s->c->prog);
		bh_host_run_for(s->h, RETRY_GAP_MS);
		now = bh_loop_now(l);
		if (now >= until)
			return rc;
		ms = (unsigned)(until - now);
	}
}

int gatt_session_open(struct gatt_session *s, struct cli *c, const char *addr_str,
		      double connect_timeout, bool discover, const struct bh_host_events *ev)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	bh_addr addr;
	if (bh_addr_parse(addr_str, &addr))
		return cli_fail(c, "bad address '%s' (want AA:BB:CC:DD:EE:FF[/public|/random])",
				addr_str);
	s->h = cli_open_host(c, ev);
	if (!s->h)
		return 1;
	unsigned ms = connect_timeout > 0 ? (unsigned)(connect_timeout * 1000) : 10000;
	int rc = connect_retrying(s, &addr, ms);
	if (rc) {
		char a[BH_ADDR_STRLEN];
		return cli_fail(c, "cannot connect to %s: %s%s", bh_addr_str(&addr, a),
				bh_strerror(rc),
				rc == BH_ETIMEDOUT ? " (is it advertising? is the address type right? try /random)" : "");
	}
	s->connected = true;
	if (cli_link_apply_sync(c, s->h, s->conn))
		return 1;
	rc = bh_host_exchange_mtu_sync(s->h, s->conn, &s->mtu);
	if (rc)
		return cli_fail(c, "MTU exchange failed: %s", bh_strerror(rc));
	if (discover) {
		rc = bh_host_discover_sync(s->h, s->conn);
		if (rc)
			return cli_fail(c, "discovery failed: %s", bh_strerror(rc));
	}
	return 0;
}

int gatt_session_close(struct gatt_session *s, int rc)
{
	if (s->connected && s->h)
		bh_host_disconnect_sync(s->h, s->conn, 0x13, 3000);
	s->connected = false;
	return cli_finish(s->c, rc);
}

int gatt_session_attr(struct gatt_session *s, const char *spec, uint16_t *handle)
{
	bh_uuid u;
	int kind = cli_parse_attr(spec, handle, &u);
	if (kind == 0)
		return 0;
	if (kind < 0)
		return cli_fail(s->c, "'%s' is neither a handle nor a UUID", spec);
	struct bh_gattc *g = bh_host_gattc(s->h, s->conn);
	const struct bh_gattc_chr *chr = g ? bh_gattc_find_chr(g, NULL, &u) : NULL;
	if (!chr)
		return cli_fail(s->c, "no characteristic with UUID %s on the peer", spec);
	*handle = chr->value_handle;
	return 0;
}
