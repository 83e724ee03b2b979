/* The link options every connecting command shares: --interval,
 * --latency, --supervision-timeout, --phy. A central (gatt, read, write,
 * notify, pair) asks for them right after connecting and waits for the
 * outcome; `peripheral` asks on each link a central opens. */
#include "cli.h"

#include <blehost/gap.h>
#include <blehost/host_link.h>

#include <stdlib.h>
#include <string.h>

/* "MS" or "MIN-MAX" (ms, decimals allowed). */
static int parse_interval(const char *s, double *lo, double *hi)
{
	char *end;
	*lo = strtod(s, &end);
	if (end == s)
		return -1;
	*hi = *lo;
	if (*end == '-') {
		const char *t = end + 1;
		*hi = strtod(t, &end);
		if (end == t)
			return -1;
	}
	return *end ? -1 : 0;
}

int cli_phy_option(struct cli *c, const char *what, const char *const *words, const char *arg,
		   uint8_t *phys, uint8_t *coded)
{
	size_t n = 0;
	bool ok = false;
	for (; words[n]; n++)
		ok |= arg && !strcmp(arg, words[n]);
	uint8_t k = 0;
	if (ok && !strcmp(arg, "both"))
		*phys = BH_HOST_PHY_1M | BH_HOST_PHY_CODED;
	else if (!ok || bh_host_phy_parse(arg, phys, &k))
		ok = false;
	if (ok) {
		if (coded)
			*coded = k;
		return 0;
	}
	char list[96] = "";
	size_t at = 0;
	for (size_t i = 0; i < n && at < sizeof(list); i++)
		at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s",
				       !i ? "" : i + 1 == n ? " or " : ", ", words[i]);
	return cli_fail(c, "bad --phy '%s': %s uses %s", arg ? arg : "", what, list);
}

int cli_link_option(struct cli *c, int opt, const char *arg)
{
	struct cli_link *l = &c->link;
	char *end;
	switch (opt) {
	case CLI_OPT_INTERVAL:
		if (parse_interval(arg, &l->p.interval_min_ms, &l->p.interval_max_ms))
			return cli_fail(c, "bad --interval '%s' (ms, or MIN-MAX)", arg);
		l->params = true;
		return 0;
	case CLI_OPT_LATENCY: {
		unsigned long v = strtoul(arg, &end, 0);
		if (*end || end == arg || v > 499)
			return cli_fail(c, "bad --latency '%s' (0..499 connection events)", arg);
		l->p.latency = (uint16_t)v;
		l->params = true;
		return 0;
	}
	case CLI_OPT_TIMEOUT: {
		unsigned long v = strtoul(arg, &end, 0);
		if (*end || end == arg || v > 32000)
			return cli_fail(c, "bad --supervision-timeout '%s' (ms, 100..32000)", arg);
		l->p.supervision_timeout_ms = (unsigned)v;
		l->params = true;
		return 0;
	}
	case CLI_OPT_PHY: {
		static const char *const words[] = { "1m", "2m", "coded", "coded-s2", "coded-s8",
						     NULL };
		return cli_phy_option(c, "the connection", words, arg, &l->phys, &l->coded);
	}
	}
	return 1;
}

/* Missing values take the defaults the stack connects with. */
static struct bh_host_conn_params wanted(const struct cli_link *l)
{
	struct bh_host_conn_params p = l->p;
	if (!p.interval_min_ms)
		p.interval_min_ms = p.interval_max_ms = 30;
	if (!p.supervision_timeout_ms)
		p.supervision_timeout_ms = 4000;
	return p;
}

int cli_link_check(struct cli *c)
{
	if (!c->link.params)
		return 0;
	struct bh_host_conn_params p = wanted(&c->link);
	struct bh_gap_conn_params g;
	if (bh_host_conn_params_hci(&p, &g))
		return cli_fail(c, "connection parameters out of range: interval 7.5..4000 ms, "
				   "latency 0..499, supervision timeout 100..32000 ms and more "
				   "than (1 + latency) x interval x 2");
	return 0;
}

static void print_link(struct cli *c, struct bh_host *h, uint16_t conn)
{
	struct bh_host_link k;
	if (bh_host_link_get(h, conn, &k))
		return;
	fprintf(stderr, "%s: link 0x%04x: interval %.2f ms, latency %u, timeout %u ms, PHY tx %s rx %s, "
			"data length tx %u rx %u octets\n",
		c->prog, conn, k.interval_ms, k.latency, k.timeout_ms, bh_gap_phy_str(k.tx_phy),
		bh_gap_phy_str(k.rx_phy), k.tx_octets, k.rx_octets);
}

int cli_link_apply_sync(struct cli *c, struct bh_host *h, uint16_t conn)
{
	const struct cli_link *l = &c->link;
	if (l->params) {
		struct bh_host_conn_params p = wanted(l);
		int rc = bh_host_conn_update_sync(h, conn, &p, 10000);
		if (rc)
			return cli_fail(c, "connection parameter update failed: %s", bh_strerror(rc));
	}
	if (l->phys) {
		int rc = bh_host_set_phy_sync(h, conn, l->phys, l->coded, 10000);
		if (rc)
			return cli_fail(c, "PHY update failed: %s", bh_strerror(rc));
	}
	if (l->params || l->phys || c->verbose)
		print_link(c, h, conn);
	return 0;
}

void cli_link_apply_async(struct cli *c, struct bh_host *h, uint16_t conn)
{
	const struct cli_link *l = &c->link;
	if (l->params) {
		struct bh_host_conn_params p = wanted(l);
		int rc = bh_host_conn_update(h, conn, &p);
		if (rc)
			fprintf(stderr, "%s: link 0x%04x: cannot ask for parameters: %s\n", c->prog,
				conn, bh_strerror(rc));
	}
	if (l->phys) {
		int rc = bh_host_set_phy(h, conn, l->phys, l->coded);
		if (rc)
			fprintf(stderr, "%s: link 0x%04x: cannot ask for the PHY: %s\n", c->prog, conn,
				bh_strerror(rc));
	}
}
