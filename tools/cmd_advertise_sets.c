/* blehost advertise --set ...: several advertising sets at once (extended
 * advertising), each described by one --set option:
 *
 *   --set name=N,addr=C6:55:44:33:22:11,sid=1,phy=1m|coded,data=HEX,
 *         mfr=ID:HEX,size=BYTES,timeout=S,max-events=N,nonconnectable,
 *         periodic=HEX,periodic-interval=MS
 *
 * name goes into the advertising data with the flags (connectable sets) and
 * the manufacturer data; data=HEX appends raw AD structures; size=BYTES pads
 * the payload with manufacturer data (0xffff) up to that many bytes, to try
 * data longer than 31 bytes. addr gives the set its own random (static or
 * non-resolvable) address. Without extended advertising one set still runs
 * as legacy advertising.
 */
#include "cli.h"

#include <blehost/gap.h>

#include <stdlib.h>
#include <string.h>

struct set_ui {
	struct cli *c;
	int idx;
	uint8_t handle;
	bool started, stopped;
	bh_status start_st, stop_st;
	char name[64];
	uint8_t data[BH_AD_EXT_MAX], per[BH_AD_EXT_MAX];
	struct bh_gap_periodic_params periodic;
	struct bh_gap_adv_set_params p;
};

static void set_started(void *ctx, bh_status st)
{
	struct set_ui *s = ctx;
	s->started = true;
	s->start_st = st;
}

static void set_stopped(void *ctx, bh_status st)
{
	struct set_ui *s = ctx;
	s->stopped = true;
	s->stop_st = st;
	struct cli *c = s->c;
	if (c->json) {
		struct json j;
		json_begin(&j, stdout);
		json_str(&j, "event", "set_stopped");
		json_int(&j, "set", s->handle);
		json_str(&j, "reason", bh_strerror(st));
		json_end(&j);
	} else {
		printf("set %u stopped: %s\n", s->handle,
		       st == BH_OK ? "a central connected" : bh_strerror(st));
	}
	fflush(stdout);
}

static int parse_phy(const char *v, uint8_t *out)
{
	if (!strcmp(v, "1m"))
		*out = BH_GAP_PHY_1M;
	else if (!strcmp(v, "2m"))
		*out = BH_GAP_PHY_2M;
	else if (!strcmp(v, "coded"))
		*out = BH_GAP_PHY_CODED;
	else
		return -1;
	return 0;
}

/* One --set value into s (and its AD payload). Returns 0 or prints why not. */
static int parse_set(struct cli *c, struct set_ui *s, const char *spec, uint8_t phy,
		     double timeout)
{
	char buf[4096];
	if (strlen(spec) >= sizeof(buf))
		return cli_fail(c, "--set too long");
	strcpy(buf, spec);
	struct bh_ad_builder b;
	bh_ad_build_init(&b, s->data, sizeof(s->data));
	bool nonconn = false;
	size_t size = 0;
	uint8_t raw[BH_AD_EXT_MAX], mfr[BH_AD_EXT_MAX];
	int raw_len = 0, mfr_len = -1, per_len = -1;
	uint16_t company = 0;
	double per_ms = 0;
	unsigned long num;
	s->p.primary_phy = phy == BH_GAP_PHY_CODED ? BH_GAP_PHY_CODED : 0;
	s->p.adv.timeout_ms = timeout > 0 ? (unsigned)(timeout * 1000) : 0;
	for (char *save = NULL, *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *v = strchr(kv, '=');
		if (v)
			*v++ = 0;
		if (!strcmp(kv, "nonconnectable") && !v) {
			nonconn = true;
		} else if (!v) {
			return cli_fail(c, "--set: '%s' wants a value", kv);
		} else if (!strcmp(kv, "name")) {
			snprintf(s->name, sizeof(s->name), "%s", v);
		} else if (!strcmp(kv, "addr")) {
			if (bh_addr_parse(v, &s->p.addr))
				return cli_fail(c, "--set: bad addr '%s'", v);
			s->p.addr.type = BH_ADDR_RANDOM;
		} else if (!strcmp(kv, "sid")) {
			/* Advertising_SID, Vol 4, Part E, 7.8.53. */
			if (cli_parse_ulong(v, 0, 15, &num))
				return cli_fail(c, "--set: bad sid '%s' (0 to 15)", v);
			s->p.sid = (uint8_t)num;
		} else if (!strcmp(kv, "phy")) {
			if (parse_phy(v, &s->p.primary_phy) || s->p.primary_phy == BH_GAP_PHY_2M)
				return cli_fail(c, "--set: phy is 1m or coded");
		} else if (!strcmp(kv, "data")) {
			if ((raw_len = cli_parse_hex(v, raw, sizeof(raw))) < 0)
				return cli_fail(c, "--set: bad data '%s'", v);
		} else if (!strcmp(kv, "mfr")) {
			char *colon = strchr(v, ':');
			if (!colon)
				return cli_fail(c, "--set: mfr wants ID:HEX");
			*colon = 0;
			if (cli_parse_ulong(v, 0, 0xffff, &num))
				return cli_fail(c, "--set: bad mfr company '%s' (0 to 0xffff)", v);
			company = (uint16_t)num;
			if ((mfr_len = cli_parse_hex(colon + 1, mfr, sizeof(mfr))) < 0)
				return cli_fail(c, "--set: bad mfr data '%s'", colon + 1);
		} else if (!strcmp(kv, "size")) {
			if (cli_parse_ulong(v, 0, sizeof(s->data), &num))
				return cli_fail(c, "--set: bad size '%s' (0 to %zu bytes)", v,
						sizeof(s->data));
			size = num;
		} else if (!strcmp(kv, "timeout")) {
			double secs;
			if (cli_parse_seconds(v, CLI_SECONDS_MAX, &secs))
				return cli_fail(c, "--set: bad timeout '%s' (seconds)", v);
			s->p.adv.timeout_ms = (unsigned)(secs * 1000);
		} else if (!strcmp(kv, "max-events")) {
			if (cli_parse_ulong(v, 0, 255, &num))
				return cli_fail(c, "--set: bad max-events '%s' (0 to 255)", v);
			s->p.max_events = (uint8_t)num;
		} else if (!strcmp(kv, "periodic")) {
			if ((per_len = cli_parse_hex(v, s->per, sizeof(s->per))) < 0)
				return cli_fail(c, "--set: bad periodic data '%s'", v);
		} else if (!strcmp(kv, "periodic-interval")) {
			/* Periodic_Advertising_Interval: 0x0006 to 0xFFFF units of
			 * 1.25 ms (Vol 4, Part E, 7.8.61). */
			if (cli_parse_seconds(v, 81918.75, &per_ms) || per_ms < 7.5)
				return cli_fail(c, "--set: bad periodic-interval '%s' (ms, 7.5 to "
						   "81918.75)", v);
		} else {
			return cli_fail(c, "--set: unknown key '%s'", kv);
		}
	}
	if (per_len >= 0 || per_ms > 0) {
		nonconn = true; /* periodic rides a non-connectable, non-scannable set */
		s->periodic.data = s->per;
		s->periodic.data_len = per_len > 0 ? (size_t)per_len : 0;
		s->periodic.interval_min = (uint16_t)(per_ms > 0 ? per_ms / 1.25 : 0);
		s->p.periodic = &s->periodic;
	}
	s->p.adv.kind = nonconn ? BH_GAP_ADV_NONCONN : BH_GAP_ADV_CONN;
	int rc = nonconn ? 0 : bh_ad_add_flags(&b, BH_AD_FLAG_LE_GENERAL | BH_AD_FLAG_NO_BREDR);
	if (!rc && s->name[0])
		rc = bh_ad_add_name(&b, s->name, true);
	if (!rc && mfr_len >= 0)
		rc = bh_ad_add_manufacturer(&b, company, mfr, (size_t)mfr_len);
	if (!rc && raw_len > 0) {
		if (b.len + (size_t)raw_len > sizeof(s->data))
			rc = BH_ENOSPACE;
		else
			memcpy(s->data + b.len, raw, (size_t)raw_len), b.len += (size_t)raw_len;
	}
	/* Padding: manufacturer data of the reserved test company 0xffff,
	 * split in structures of at most 255 bytes. */
	while (!rc && size > b.len + 4) {
		size_t n = size - b.len - 4;
		static const uint8_t pad[251];
		rc = bh_ad_add_manufacturer(&b, 0xffff, pad, n > 251 ? 251 : n);
	}
	if (rc)
		return cli_fail(c, "--set: advertising data does not fit: %s", bh_strerror(rc));
	s->p.adv.data = s->data;
	s->p.adv.data_len = b.len;
	s->p.adv.on_stopped = set_stopped;
	s->p.adv.ctx = s;
	return 0;
}

int cli_advertise_sets(struct cli *c, char **specs, int n, uint8_t phy, double timeout)
{
	struct set_ui *sets = calloc((size_t)n, sizeof(*sets));
	if (!sets)
		return cli_fail(c, "out of memory");
	int rc = 0;
	for (int i = 0; i < n && !rc; i++) {
		sets[i].c = c;
		sets[i].idx = i;
		rc = parse_set(c, &sets[i], specs[i], phy, timeout);
	}
	if (!rc && n > 1 && !bh_gap_extended_built())
		rc = cli_fail(c, "%d advertising sets: extended advertising is not in this build "
			      "(-Dext_adv=false: one legacy set only)", n);
	if (rc) {
		free(sets);
		return rc;
	}
	struct bh_host *h = cli_open_host(c, NULL);
	if (!h) {
		free(sets);
		return 1;
	}
	struct bh_gap *gap = bh_host_gap(h);
	unsigned timeouts = cli_cmd_timeouts(c);
	for (int i = 0; i < n && !rc; i++) {
		struct set_ui *s = &sets[i];
		rc = bh_gap_adv_set_start(gap, &s->p, &s->handle, set_started, s);
		if (rc) {
			rc = cli_fail(c, "cannot start set %d: %s%s", i + 1, bh_strerror(rc),
				      rc != BH_ENOTSUP || bh_gap_uses_extended(gap) ? ""
				      : bh_gap_extended_built()
					      ? " (this controller has no extended advertising: one legacy set only)"
					      : " (extended advertising is not in this build, -Dext_adv=false: one legacy set only)");
			break;
		}
		bh_loop_run_until(bh_host_loop(h), &s->started, 5000);
		if (!s->started || s->start_st) {
			rc = cli_fail(c, "set %d did not start: %s", i + 1,
				      bh_strerror(s->started ? s->start_st : BH_ETIMEDOUT));
			break;
		}
		char a[BH_ADDR_STRLEN];
		bh_addr own = bh_gap_adv_set_address(gap, s->handle);
		if (c->json) {
			struct json j;
			json_begin(&j, stdout);
			json_str(&j, "event", "set_started");
			json_int(&j, "set", s->handle);
			json_str(&j, "address", bh_addr_str(&own, a));
			json_str(&j, "name", s->name);
			json_int(&j, "data_len", (long long)s->p.adv.data_len);
			json_end(&j);
		} else {
			printf("set %u advertising as %s%s%s (%zu bytes%s%s)\n", s->handle,
			       bh_addr_str(&own, a), s->name[0] ? ": " : "", s->name,
			       s->p.adv.data_len, s->p.primary_phy == BH_GAP_PHY_CODED ? ", Coded PHY" : "",
			       s->p.periodic ? ", periodic" : "");
		}
		fflush(stdout);
	}
	/* Serve until every set has ended, an interrupt, or a lost controller. */
	while (!rc && !c->interrupted) {
		bool all = true;
		for (int i = 0; i < n; i++)
			all &= sets[i].stopped;
		if (all)
			break;
		bool tick = false;
		int w = bh_host_wait(h, BH_HOST_NO_LINK, &tick, 200);
		if (bh_host_lost(h) || (w && w != BH_ECANCELLED && w != BH_ETIMEDOUT)) {
			rc = cli_fail(c, "advertising ended: %s",
				      bh_strerror(bh_host_lost(h) ? bh_host_lost(h) : w));
			break;
		}
	}
	for (int i = 0; i < n; i++)
		if (bh_gap_adv_set_active(gap, sets[i].handle))
			bh_gap_adv_set_stop(gap, sets[i].handle);
	for (int i = 0; !rc && i < n; i++)
		if (sets[i].stopped && sets[i].stop_st != BH_OK && sets[i].stop_st != BH_ETIMEDOUT)
			rc = cli_fail(c, "set %u stopped: %s", sets[i].handle,
				      bh_strerror(sets[i].stop_st));
	if (!rc && cli_cmd_timeouts(c) != timeouts)
		rc = cli_fail(c, "advertising stopped: the controller stopped answering");
	rc = cli_finish(c, rc);
	free(sets);
	return rc;
}
