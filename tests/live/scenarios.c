/* The scenarios: each drives the central (role 0) through a user-visible job
 * against blehost peripherals serving the demo database. */
#include "scenario.h"

#include <blehost/att.h>
#include <blehost/gap.h>
#include <blehost/gatt.h>
#include <blehost/hci.h>
#include <blehost/smp.h>

#include <string.h>

/* ---- bring-up only ---- */

static void bringup(struct sc *sc)
{
	const struct bh_hci_info *i = bh_hci_info(bh_host_hci(sc->roles[0].h));
	CHECK(sc, i->le_acl_mtu > 0);
	CHECK(sc, i->le_acl_credits > 0);
	CHECK(sc, i->le_features[0] & 0x01); /* LE Encryption */
}

/* ---- scanning: every advertised field, scan response merged ---- */

struct scan_seen {
	bool got;
	struct bh_gap_device dev;
	uint8_t adv[64], rsp[64];
	bool done;
};

static void seen(void *ctx, const struct bh_gap_device *d)
{
	struct scan_seen *s = ctx;
	if (!d->has_scan_rsp)
		return; /* wait for the merged record */
	s->dev = *d;
	memcpy(s->adv, d->adv_data, d->adv_len < 64 ? d->adv_len : 64);
	memcpy(s->rsp, d->rsp_data, d->rsp_len < 64 ? d->rsp_len : 64);
	bh_ad_parse(&s->dev.ad, s->adv, d->adv_len);
	bh_ad_parse_more(&s->dev.ad, s->rsp, d->rsp_len);
	s->got = true;
}

static void seen_done(void *ctx, bh_status st)
{
	(void)st;
	((struct scan_seen *)ctx)->done = true;
}

static void scan(struct sc *sc)
{
	struct scan_seen s = { 0 };
	bh_uuid hr = bh_uuid16(0x180d);
	struct bh_gap_scan_filter f = { .uuids = &hr, .n_uuids = 1, .name_substr = "demo-1" };
	struct bh_gap_scan_params p = { .active = true, .timeout_ms = 5000, .filter = &f,
					.on_device = seen, .on_done = seen_done, .ctx = &s };
	struct bh_gap *gap = bh_host_gap(sc->roles[0].h);
	CHECK_OK(sc, bh_gap_scan_start(gap, &p));
	sc_wait_for(sc, &s.got, 6000);
	CHECK(sc, s.got);
	if (!s.done)
		bh_gap_scan_stop(gap);
	sc_wait_for(sc, &s.done, 2000);
	if (!s.got)
		return;
	CHECK(sc, !strcmp(s.dev.name, "blehost-demo-1"));
	CHECK(sc, s.dev.connectable);
	CHECK(sc, s.dev.ad.flags == (BH_AD_FLAG_LE_GENERAL | BH_AD_FLAG_NO_BREDR));
	CHECK(sc, bh_ad_has_uuid(&s.dev.ad, &hr));
	const struct bh_ad_mfr *m = bh_ad_mfr_find(&s.dev.ad, 0xffff);
	CHECK(sc, m && m->len == 3 && m->data[0] == 0xbe && m->data[2] == '!');
	CHECK(sc, (s.dev.ad.present & BH_AD_HAS_TX_POWER) && s.dev.ad.tx_power == 0);
	if (sc->live) {
		const struct bh_hci_info *pi = bh_hci_info(bh_host_hci(sc->roles[1].h));
		CHECK(sc, bh_addr_eq(&s.dev.addr, &pi->bdaddr));
	}
	/* A filter that matches nothing finds nothing. */
	struct scan_seen none = { 0 };
	struct bh_gap_scan_filter f2 = { .name_substr = "no-such-device" };
	p.filter = &f2;
	p.timeout_ms = 300;
	p.ctx = &none;
	CHECK_OK(sc, bh_gap_scan_start(gap, &p));
	sc_wait_for(sc, &none.done, 2000);
	CHECK(sc, none.done && !none.got);
}

struct op_wait {
	bool done;
	unsigned calls;
	bh_status st;
};

static void op_done(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	(void)res;
	struct op_wait *w = ctx;
	w->calls++;
	w->st = st;
	w->done = true;
}

/* ---- GATT: every procedure against the demo database ---- */

static void gatt_common(struct sc *sc, uint16_t want_mtu)
{
	struct sc_role *c = &sc->roles[0];
	struct bh_host *h = c->h;
	uint16_t conn = sc_connect(sc, 1);
	if (!conn)
		return;
	uint16_t mtu = 0;
	CHECK_OK(sc, bh_host_exchange_mtu_sync(h, conn, &mtu));
	CHECK(sc, mtu == want_mtu);
	CHECK_OK(sc, bh_host_discover_sync(h, conn));
	struct bh_gattc *g = bh_host_gattc(h, conn);
	bh_uuid u = bh_uuid16(0x180d);
	CHECK(sc, g && bh_gattc_find_service(g, &u));
	u = bh_uuid16(0x1800);
	CHECK(sc, g && bh_gattc_find_service(g, &u));
	bh_uuid demo;
	bh_uuid_parse(DEMO_SERVICE_UUID_STR, &demo);
	const struct bh_gattc_service *ds = g ? bh_gattc_find_service(g, &demo) : NULL;
	CHECK(sc, ds && ds->n_chrs == 6);
	if (!ds)
		return;
	const struct bh_gattc_chr *lc = bh_gattc_chr_at(g, ds->first_chr);
	const struct bh_gattc_chr *wc = bh_gattc_chr_at(g, ds->first_chr + 1);
	const struct bh_gattc_chr *ic = bh_gattc_chr_at(g, ds->first_chr + 2);
	const struct bh_gattc_chr *ec = bh_gattc_chr_at(g, ds->first_chr + 3);
	const struct bh_gattc_chr *ac = bh_gattc_chr_at(g, ds->first_chr + 4);
	u = bh_uuid16(0x2a37);
	const struct bh_gattc_chr *hrm = bh_gattc_find_chr(g, NULL, &u);
	CHECK(sc, hrm && hrm->cccd_handle);
	CHECK(sc, ic->cccd_handle);

	/* Read every readable characteristic. */
	static uint8_t buf[512];
	size_t len = 0;
	for (unsigned i = 0; i < bh_gattc_chr_count(g); i++) {
		const struct bh_gattc_chr *ch = bh_gattc_chr_at(g, i);
		if (!(ch->props & BH_GATT_PROP_READ) || ch == ec || ch == ac)
			continue; /* the secured ones are checked below */
		CHECK_OK(sc, bh_host_read_sync(h, conn, ch->value_handle, buf, sizeof(buf), &len));
	}
	/* Long read of the 300-byte value. */
	uint8_t expect[300];
	demo_long_value(expect);
	CHECK_OK(sc, bh_host_read_sync(h, conn, lc->value_handle, buf, sizeof(buf), &len));
	CHECK(sc, len == 300 && !memcmp(buf, expect, 300));
	/* Long write, then read it back. */
	uint8_t w[300];
	for (int i = 0; i < 300; i++)
		w[i] = (uint8_t)(255 - i);
	CHECK_OK(sc, bh_host_write_sync(h, conn, lc->value_handle, w, sizeof(w), true));
	CHECK_OK(sc, bh_host_read_sync(h, conn, lc->value_handle, buf, sizeof(buf), &len));
	CHECK(sc, len == 300 && !memcmp(buf, w, 300));
	/* Short write. */
	CHECK_OK(sc, bh_host_write_sync(h, conn, lc->value_handle, (const uint8_t *)"hi", 2, true));
	CHECK_OK(sc, bh_host_read_sync(h, conn, lc->value_handle, buf, sizeof(buf), &len));
	CHECK(sc, len == 2 && !memcmp(buf, "hi", 2));
	/* Write without response, read back. */
	CHECK_OK(sc, bh_host_write_sync(h, conn, wc->value_handle, (const uint8_t *)"cmd", 3, false));
	sc_wait(sc, 50);
	CHECK_OK(sc, bh_host_read_sync(h, conn, wc->value_handle, buf, sizeof(buf), &len));
	CHECK(sc, len == 3 && !memcmp(buf, "cmd", 3));
	/* Read by UUID, Read Multiple (fixed and variable), Reliable Write,
	 * through the client's own procedures. */
	struct op_wait ow = { 0 };
	bh_uuid dn = bh_uuid16(0x2a00);
	CHECK_OK(sc, bh_gattc_read_by_uuid(g, 1, 0xffff, &dn, op_done, &ow));
	sc_wait_for(sc, &ow.done, 3000);
	CHECK(sc, ow.calls == 1 && ow.st == BH_OK);
	const uint16_t two[2] = { 0x0003, 0x0005 }; /* Device Name, Appearance */
	memset(&ow, 0, sizeof(ow));
	CHECK_OK(sc, bh_gattc_read_multiple(g, two, 2, op_done, &ow));
	sc_wait_for(sc, &ow.done, 3000);
	CHECK(sc, ow.calls == 1 && ow.st == BH_OK);
	memset(&ow, 0, sizeof(ow));
	CHECK_OK(sc, bh_gattc_read_multiple_var(g, two, 2, op_done, &ow));
	sc_wait_for(sc, &ow.done, 3000);
	CHECK(sc, ow.calls == 1 && ow.st == BH_OK);
	struct bh_gattc_write_item items[2] = {
		{ lc->value_handle, (const uint8_t *)"reliable", 8 },
		{ wc->value_handle, (const uint8_t *)"both", 4 },
	};
	memset(&ow, 0, sizeof(ow));
	CHECK_OK(sc, bh_gattc_write_reliable(g, items, 2, op_done, &ow));
	sc_wait_for(sc, &ow.done, 3000);
	CHECK(sc, ow.calls == 1 && ow.st == BH_OK);
	CHECK_OK(sc, bh_host_read_sync(h, conn, lc->value_handle, buf, sizeof(buf), &len));
	CHECK(sc, len == 8 && !memcmp(buf, "reliable", 8));
	CHECK_OK(sc, bh_host_read_sync(h, conn, wc->value_handle, buf, sizeof(buf), &len));
	CHECK(sc, len == 4 && !memcmp(buf, "both", 4));
	/* Permissions before pairing: the encrypted value is refused. With
	 * auto-security off the error surfaces as the server gave it. */
	int rc = bh_host_read_sync(h, conn, ec->value_handle, buf, sizeof(buf), &len);
	CHECK(sc, rc == BH_ATT_ERROR(BH_ATT_E_INSUFF_AUTHENTICATION) ||
		      rc == BH_ATT_ERROR(BH_ATT_E_INSUFF_ENCRYPTION));
	/* Reading a handle beyond the database. */
	rc = bh_host_read_sync(h, conn, 0xfff0, buf, sizeof(buf), &len);
	CHECK(sc, rc == BH_ATT_ERROR(BH_ATT_E_INVALID_HANDLE));
	/* Notifications: 20 in order. */
	CHECK_OK(sc, bh_host_subscribe_sync(h, conn, hrm->value_handle, false));
	CHECK(sc, sc_wait_count(sc, &c->notifications, 20, 5000));
	CHECK(sc, c->last_notified[1] == 19);
	/* Indications: 3, each confirmed before the next. */
	CHECK_OK(sc, bh_host_subscribe_sync(h, conn, ic->value_handle, true));
	CHECK(sc, sc_wait_count(sc, &c->indications, 3, 5000));
	CHECK(sc, c->last_notified[0] == 3);
	CHECK_OK(sc, bh_host_disconnect_sync(h, conn, 0x13, 3000));
	/* Real controllers report 0x16 (terminated by local host); btvirt
	 * echoes the reason we gave. */
	CHECK(sc, c->disconnected == 1 &&
		      (c->last_disconnect_reason == 0x16 || c->last_disconnect_reason == 0x13));
	if (sc->live) {
		sc_wait(sc, 100);
		CHECK(sc, sc->roles[1].disconnected == 1);
		CHECK(sc, sc->roles[1].subscriptions >= 2);
	}
}

static void no_auto_security(struct sc *sc) { sc->roles[0].cfg.auto_security = false; }

static void gatt517(struct sc *sc) { gatt_common(sc, 517); }

static void configure_mtu23(struct sc *sc)
{
	no_auto_security(sc);
	sc->roles[0].cfg.att_mtu = 23;
}
static void gatt23(struct sc *sc) { gatt_common(sc, 23); }

/* ---- pairing: pair, check both sides, reconnect from the bond ---- */

static void pair_and_reconnect(struct sc *sc, enum bh_sec_level want)
{
	struct sc_role *c = &sc->roles[0];
	uint16_t conn = sc_connect(sc, 1);
	if (!conn)
		return;
	CHECK_OK(sc, bh_host_pair_sync(c->h, conn, 10000));
	struct bh_security s = bh_smp_security(bh_host_smp(c->h), conn);
	CHECK(sc, s.level >= want);
	CHECK(sc, s.key_size == 16);
	CHECK(sc, c->encrypted == 1);
	sc_wait(sc, 100); /* key distribution finishes */
	CHECK(sc, c->paired == 1);
	if (sc->live) {
		CHECK(sc, sc->roles[1].encrypted == 1);
		CHECK(sc, sc->roles[1].paired == 1);
	}
	/* The encrypted value is now readable. */
	bh_uuid demo;
	bh_uuid_parse(DEMO_SERVICE_UUID_STR, &demo);
	CHECK_OK(sc, bh_host_discover_sync(c->h, conn));
	const struct bh_gattc_service *ds = bh_gattc_find_service(bh_host_gattc(c->h, conn), &demo);
	uint16_t enc = ds ? bh_gattc_chr_at(bh_host_gattc(c->h, conn), ds->first_chr + 3)->value_handle : 0;
	uint8_t buf[64];
	size_t len = 0;
	CHECK_OK(sc, bh_host_read_sync(c->h, conn, enc, buf, sizeof(buf), &len));
	CHECK(sc, len == 16 && !memcmp(buf, "encrypted secret", 16));
	CHECK_OK(sc, bh_host_disconnect_sync(c->h, conn, 0x13, 3000));

	/* Reconnect: the bond re-encrypts without a new pairing. */
	conn = sc_connect(sc, 1);
	if (!conn)
		return;
	CHECK_OK(sc, bh_host_pair_sync(c->h, conn, 10000));
	s = bh_smp_security(bh_host_smp(c->h), conn);
	CHECK(sc, s.level >= want && s.bonded);
	CHECK(sc, c->encrypted == 2);
	CHECK(sc, c->paired == 1); /* no second pairing */
	if (sc->live) {
		sc_wait(sc, 50);
		CHECK(sc, sc->roles[1].encrypted == 2 && sc->roles[1].paired == 1);
	}
	CHECK_OK(sc, bh_host_disconnect_sync(c->h, conn, 0x13, 3000));
}

static void cfg_jw(struct sc *sc) { (void)sc; }
static void pair_jw(struct sc *sc) { pair_and_reconnect(sc, BH_SEC_ENCRYPTED); }

static void cfg_legacy_jw(struct sc *sc) { sc->roles[0].cfg.legacy_only = true; }

/* ---- EATT: enhanced ATT bearers over ECFC once the link is encrypted ---- */

static void cfg_eatt(struct sc *sc)
{
	sc->roles[0].cfg.eatt_bearers = 2;
	sc->roles[1].cfg.eatt_bearers = 3;
}

static void csf_done(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	(void)res;
	*(bh_status *)ctx = st;
}

static void eatt(struct sc *sc)
{
	struct sc_role *c = &sc->roles[0];
	uint16_t conn = sc_connect(sc, 1);
	if (!conn)
		return;
	/* Unencrypted: no EATT (Vol 3, Part G, 5.3.2); GATT runs on CID 4. */
	CHECK_OK(sc, bh_host_discover_sync(c->h, conn));
	struct bh_host_eatt_info ci, pi;
	CHECK_OK(sc, bh_host_eatt_info(c->h, conn, &ci));
	CHECK(sc, ci.bearers == 0);
	/* The server says it supports EATT (Server Supported Features). */
	uint8_t buf[64];
	size_t len = 0;
	const struct bh_gattc_chr *ssf = NULL;
	bh_uuid u = bh_uuid16(0x2b3a);
	ssf = bh_gattc_find_chr(bh_host_gattc(c->h, conn), NULL, &u);
	CHECK(sc, ssf != NULL);
	if (ssf) {
		CHECK_OK(sc, bh_host_read_sync(c->h, conn, ssf->value_handle, buf, sizeof(buf), &len));
		CHECK(sc, len == 1 && (buf[0] & 1));
	}
	CHECK_OK(sc, bh_host_pair_sync(c->h, conn, 10000));
	/* Key distribution, then the ECFC request and response: poll, so a
	 * loaded machine only makes it slower. */
	for (int i = 0; i < 100; i++) {
		CHECK_OK(sc, bh_host_eatt_info(c->h, conn, &ci));
		if (ci.bearers == 2)
			break;
		sc_wait(sc, 50);
	}
	CHECK(sc, ci.bearers == 2);
	/* Reads rotate over the three bearers (CID 4 and two enhanced ones). */
	bh_uuid demo;
	bh_uuid_parse(DEMO_SERVICE_UUID_STR, &demo);
	const struct bh_gattc_service *ds = bh_gattc_find_service(bh_host_gattc(c->h, conn), &demo);
	uint16_t enc = ds ? bh_gattc_chr_at(bh_host_gattc(c->h, conn), ds->first_chr + 3)->value_handle : 0;
	for (int i = 0; i < 6; i++) {
		len = 0;
		CHECK_OK(sc, bh_host_read_sync(c->h, conn, enc, buf, sizeof(buf), &len));
		CHECK(sc, len == 16 && !memcmp(buf, "encrypted secret", 16));
	}
	CHECK_OK(sc, bh_host_discover_sync(c->h, conn));
	CHECK_OK(sc, bh_host_eatt_info(c->h, conn, &ci));
	for (unsigned i = 0; i < ci.bearers; i++) {
		printf("central EATT bearer 0x%04x MTU %u: %u requests sent\n", ci.b[i].cid,
		       ci.b[i].mtu, ci.b[i].requests_sent);
		CHECK(sc, ci.b[i].requests_sent >= 2);
		CHECK(sc, ci.b[i].mtu >= 64);
	}
	if (sc->live) {
		struct sc_role *p = &sc->roles[1];
		CHECK_OK(sc, bh_host_eatt_info(p->h, p->conn, &pi));
		CHECK(sc, pi.bearers == 2);
		for (unsigned i = 0; i < pi.bearers; i++) {
			printf("peripheral EATT bearer 0x%04x MTU %u: %u requests served\n",
			       pi.b[i].cid, pi.b[i].mtu, pi.b[i].requests_served);
			CHECK(sc, pi.b[i].requests_served == ci.b[i].requests_sent);
		}
	}
	/* Multiple Handle Value Notifications: the central declares support,
	 * subscribes to Heart Rate and Battery; the peripheral sends both
	 * values in one ATT 0x23 PDU and the central gets each. */
	bh_status csf = 1;
	CHECK_OK(sc, bh_gattc_set_client_features(bh_host_gattc(c->h, conn),
						  BH_GATTC_CSF_EATT | BH_GATTC_CSF_MULT_NTF,
						  csf_done, &csf));
	for (int i = 0; i < 100 && csf == 1; i++)
		sc_wait(sc, 50);
	CHECK(sc, csf == BH_OK);
	struct demo_handles *dh = &sc->roles[1].dh;
	CHECK_OK(sc, bh_host_subscribe_sync(c->h, conn, dh->battery, false));
	CHECK_OK(sc, bh_host_subscribe_sync(c->h, conn, dh->heart_rate, false));
	CHECK(sc, sc_wait_count(sc, &c->notifications, 20, 5000)); /* the Heart Rate stream */
	sc_wait(sc, 100);
	if (sc->live) {
		struct sc_role *p = &sc->roles[1];
		unsigned before = c->notifications;
		uint16_t both[2] = { dh->battery, dh->heart_rate };
		int n = bh_gatts_notify_multiple(bh_host_gatt_server(p->h), p->conn, both, 2);
		CHECK(sc, n == 2);
		CHECK(sc, sc_wait_count(sc, &c->notifications, before + 2, 3000));
		printf("multiple notification: %d values sent, central got %u\n", n,
		       c->notifications - before);
		/* The peripheral closes one bearer: the central drops it and its
		 * requests go over what is left. */
		CHECK_OK(sc, bh_host_coc_close(p->h, p->conn, pi.b[0].cid));
		for (int i = 0; i < 100; i++) {
			CHECK_OK(sc, bh_host_eatt_info(c->h, conn, &ci));
			if (ci.bearers == 1)
				break;
			sc_wait(sc, 50);
		}
		CHECK(sc, ci.bearers == 1);
		for (int i = 0; i < 4; i++) {
			len = 0;
			CHECK_OK(sc, bh_host_read_sync(c->h, conn, enc, buf, sizeof(buf), &len));
			CHECK(sc, len == 16 && !memcmp(buf, "encrypted secret", 16));
		}
		CHECK_OK(sc, bh_host_eatt_info(p->h, p->conn, &pi));
		CHECK(sc, pi.bearers == 1 && pi.b[0].requests_served >= 3);
	}
	CHECK_OK(sc, bh_host_disconnect_sync(c->h, conn, 0x13, 3000));
}

static void cfg_passkey(struct sc *sc)
{
	sc->roles[0].cfg.io_cap = BH_IO_KEYBOARD_ONLY;
	sc->roles[0].cfg.mitm = true;
	sc->roles[1].cfg.io_cap = BH_IO_DISPLAY_ONLY;
	sc->roles[1].cfg.mitm = true;
}
static void pair_mitm(struct sc *sc) { pair_and_reconnect(sc, BH_SEC_AUTHENTICATED); }

static void cfg_legacy_passkey(struct sc *sc)
{
	cfg_passkey(sc);
	sc->roles[0].cfg.legacy_only = true;
}

static void cfg_numcmp(struct sc *sc)
{
	sc->roles[0].cfg.io_cap = BH_IO_DISPLAY_YES_NO;
	sc->roles[0].cfg.mitm = true;
	sc->roles[1].cfg.io_cap = BH_IO_DISPLAY_YES_NO;
	sc->roles[1].cfg.mitm = true;
}

static void cfg_sc_oob(struct sc *sc)
{
	sc->roles[0].oob = true;
	sc->roles[1].oob = true;
}

static void cfg_legacy_oob(struct sc *sc)
{
	cfg_sc_oob(sc);
	sc->roles[0].cfg.legacy_only = true;
}

/* ---- security raised on demand by the GATT client ---- */

static void security_retry(struct sc *sc)
{
	struct sc_role *c = &sc->roles[0];
	uint16_t conn = sc_connect(sc, 1);
	if (!conn)
		return;
	CHECK_OK(sc, bh_host_discover_sync(c->h, conn));
	struct bh_gattc *g = bh_host_gattc(c->h, conn);
	bh_uuid demo;
	bh_uuid_parse(DEMO_SERVICE_UUID_STR, &demo);
	const struct bh_gattc_service *ds = bh_gattc_find_service(g, &demo);
	CHECK(sc, ds != NULL);
	if (!ds)
		return;
	uint16_t enc = bh_gattc_chr_at(g, ds->first_chr + 3)->value_handle;
	uint16_t auth = bh_gattc_chr_at(g, ds->first_chr + 4)->value_handle;
	uint8_t buf[64];
	size_t len = 0;
	/* Not encrypted yet: the server refuses, the client pairs (Just Works)
	 * and retries once, transparently. */
	CHECK_OK(sc, bh_host_read_sync(c->h, conn, enc, buf, sizeof(buf), &len));
	CHECK(sc, len == 16 && !memcmp(buf, "encrypted secret", 16));
	CHECK(sc, c->encrypted == 1);
	/* Needs MITM: Just Works cannot give it, so the error surfaces. */
	int rc = bh_host_read_sync(c->h, conn, auth, buf, sizeof(buf), &len);
	CHECK(sc, rc == BH_ATT_ERROR(BH_ATT_E_INSUFF_AUTHENTICATION) || rc == BH_ESECURITY ||
		      bh_status_kind(rc) == BH_KIND_SMP);
	CHECK_OK(sc, bh_host_disconnect_sync(c->h, conn, 0x13, 3000));
}

/* ---- connection attempts that fail ---- */

static void connect_fail(struct sc *sc)
{
	struct bh_host *h = sc->roles[0].h;
	bh_addr nobody;
	bh_addr_parse("C0:DE:00:00:00:01/random", &nobody);
	uint16_t conn;
	/* A real controller keeps initiating until our timeout cancels it;
	 * btvirt fails at once with Connection Failed to be Established. */
	int rc = bh_host_connect_sync(h, &nobody, 500, &conn);
	CHECK(sc, rc == BH_ETIMEDOUT || rc == BH_HCI_STATUS(0x3e));
	/* The stack is usable afterwards: connect to the real peripheral. */
	conn = sc_connect(sc, 1);
	CHECK(sc, conn != 0);
	if (conn)
		CHECK_OK(sc, bh_host_disconnect_sync(h, conn, 0x13, 3000));
}

/* ---- several peripherals at once, separate CCCD state ---- */

static void multi(struct sc *sc)
{
	struct sc_role *c = &sc->roles[0];
	uint16_t conns[3] = { 0 };
	for (int i = 0; i < 3; i++) {
		conns[i] = sc_connect(sc, i + 1);
		if (!conns[i])
			return;
	}
	CHECK(sc, c->connected == 3);
	for (int i = 0; i < 3; i++) {
		uint8_t buf[64];
		size_t len = 0;
		CHECK_OK(sc, bh_host_discover_sync(c->h, conns[i]));
		bh_uuid u = bh_uuid16(0x2a29);
		struct bh_gattc *gi = bh_host_gattc(c->h, conns[i]);
		const struct bh_gattc_chr *m = gi ? bh_gattc_find_chr(gi, NULL, &u) : NULL;
		CHECK(sc, m != NULL);
		if (m)
			CHECK_OK(sc, bh_host_read_sync(c->h, conns[i], m->value_handle, buf, sizeof(buf), &len));
	}
	/* Subscribe on the second peripheral only. */
	bh_uuid u = bh_uuid16(0x2a37);
	struct bh_gattc *g1 = bh_host_gattc(c->h, conns[1]);
	const struct bh_gattc_chr *hrm = g1 ? bh_gattc_find_chr(g1, NULL, &u) : NULL;
	CHECK(sc, hrm != NULL);
	if (hrm) {
		CHECK_OK(sc, bh_host_subscribe_sync(c->h, conns[1], hrm->value_handle, false));
		CHECK(sc, sc_wait_count(sc, &c->notifications, 20, 5000));
	}
	if (sc->live) {
		CHECK(sc, sc->roles[1].subscriptions == 0);
		CHECK(sc, sc->roles[2].subscriptions == 1);
		CHECK(sc, sc->roles[3].subscriptions == 0);
	}
	for (int i = 0; i < 3; i++)
		CHECK_OK(sc, bh_host_disconnect_sync(c->h, conns[i], 0x13, 3000));
	CHECK(sc, c->disconnected == 3);
}

/* ---- privacy: a bonded peer recognised under a new RPA ---- */

static void cfg_privacy(struct sc *sc)
{
	sc->roles[1].cfg.privacy = true;
	sc->roles[1].no_restart = true;
}

/* The peripheral comes back under a fresh resolvable private address after
 * every disconnection (what RPA rotation does every 15 minutes). */
static void privacy_rotate(struct sc *sc, struct sc_role *r)
{
	int rc = bh_gap_set_own_address(bh_host_gap(r->h), BH_GAP_OWN_RPA, NULL, NULL, NULL);
	if (rc) {
		fprintf(stderr, "FAIL: new RPA: %s\n", bh_strerror(rc));
		sc->failures++;
		return;
	}
	sc_advertise(sc, r->index);
}

static void privacy(struct sc *sc)
{
	struct sc_role *c = &sc->roles[0];
	bh_addr a1 = { 0 }, a2 = { 0 };
	uint16_t conn = 0;
	CHECK_OK(sc, sc_find(sc, sc->roles[1].name, &a1));
	CHECK(sc, bh_addr_is_random(&a1) && bh_addr_random_kind(&a1) == BH_RANDOM_RPA);
	CHECK_OK(sc, bh_host_connect_sync(c->h, &a1, 5000, &conn));
	if (!conn)
		return;
	CHECK_OK(sc, bh_host_pair_sync(c->h, conn, 10000));
	sc_wait(sc, 100);
	CHECK(sc, c->paired == 1);
	CHECK_OK(sc, bh_host_disconnect_sync(c->h, conn, 0x13, 3000));
	sc_wait(sc, 100);

	/* A new address: only the IRK from the bond says who it is. */
	CHECK_OK(sc, sc_find(sc, sc->roles[1].name, &a2));
	CHECK(sc, bh_addr_is_random(&a2) && bh_addr_random_kind(&a2) == BH_RANDOM_RPA);
	CHECK(sc, !bh_addr_eq(&a1, &a2));
	conn = 0;
	CHECK_OK(sc, bh_host_connect_sync(c->h, &a2, 5000, &conn));
	if (!conn)
		return;
	const struct bh_gap_conn *gc = bh_gap_conn_get(bh_host_gap(c->h), conn);
	CHECK(sc, gc && gc->peer_resolved);
	if (sc->live && gc) {
		const struct bh_hci_info *pi = bh_hci_info(bh_host_hci(sc->roles[1].h));
		CHECK(sc, !memcmp(gc->peer_identity.val, pi->bdaddr.val, 6));
	}
	CHECK_OK(sc, bh_host_pair_sync(c->h, conn, 10000));
	struct bh_security s = bh_smp_security(bh_host_smp(c->h), conn);
	CHECK(sc, s.level >= BH_SEC_ENCRYPTED && s.bonded);
	CHECK(sc, c->encrypted == 2 && c->paired == 1); /* re-encrypted, not paired again */
	CHECK_OK(sc, bh_host_disconnect_sync(c->h, conn, 0x13, 3000));
}

/* ---- L2CAP credit-based channel: SDUs both ways, segmented ---- */

static void coc(struct sc *sc)
{
	struct sc_role *c = &sc->roles[0];
	uint16_t conn = sc_connect(sc, 1);
	if (!conn)
		return;
	uint16_t cid = 0;
	CHECK_OK(sc, bh_host_coc_connect(c->h, conn, 0x0080, &cid));
	sc_wait_for(sc, &c->coc_open, 3000);
	CHECK(sc, c->coc_open && c->coc_cid == cid);
	if (!c->coc_open)
		return;
	static const size_t sizes[] = { 10, 300, 512 };
	for (unsigned k = 0; k < 3; k++) {
		uint8_t sdu[512];
		for (size_t i = 0; i < sizes[k]; i++)
			sdu[i] = (uint8_t)(i * 7 + k);
		unsigned before = c->coc_sdus;
		CHECK_OK(sc, bh_host_coc_send(c->h, conn, cid, sdu, sizes[k]));
		CHECK(sc, sc_wait_count(sc, &c->coc_sdus, before + 1, 3000));
		bool echoed = c->coc_last_len == sizes[k];
		for (size_t i = 0; echoed && i < sizes[k]; i++)
			echoed = c->coc_last[i] == sdu[sizes[k] - 1 - i];
		CHECK(sc, echoed);
	}
	/* Larger than the peer's MTU (512): refused locally. */
	uint8_t big[600] = { 0 };
	CHECK(sc, bh_host_coc_send(c->h, conn, cid, big, sizeof(big)) == BH_EINVAL);
	CHECK_OK(sc, bh_host_coc_close(c->h, conn, cid));
	sc_wait_for(sc, &c->coc_closed, 3000);
	CHECK(sc, c->coc_closed && c->coc_status == BH_OK);
	if (sc->live) {
		CHECK(sc, sc->roles[1].coc_sdus == 3);
		CHECK(sc, sc->roles[1].coc_closed);
	}
	CHECK_OK(sc, bh_host_disconnect_sync(c->h, conn, 0x13, 3000));
}

/* ---- one peripheral, three centrals at once, separate CCCD state ---- */

/* Legacy advertising stops when a central connects: advertise again until
 * three are connected. */
static void server3_advertise_now(void *arg)
{
	struct sc_role *r = arg;
	sc_advertise(r->sc, r->index);
}

static void server3_readvertise(struct sc *sc, struct sc_role *r)
{
	(void)sc;
	/* From the loop, not from inside GAP's own connection event; 5 ms
	 * later so no request of the new link lands in the same millisecond
	 * (replay time is ms-grained, see docs/architecture.md). */
	struct bh_loop *l = bh_host_loop(r->h);
	if (r->connected < 3)
		bh_loop_timer_at(l, bh_loop_now(l) + 5, server3_advertise_now, r);
}

static void server3(struct sc *sc)
{
	static const int centrals[3] = { 0, 2, 3 };
	uint16_t conns[3] = { 0 };
	for (int k = 0; k < 3; k++) {
		struct sc_role *c = &sc->roles[centrals[k]];
		bh_addr a;
		CHECK_OK(sc, sc_find_from(sc, centrals[k], sc->roles[1].name, &a));
		CHECK_OK(sc, bh_host_connect_sync(c->h, &a, 5000, &conns[k]));
		if (!conns[k])
			return;
		CHECK_OK(sc, bh_host_discover_sync(c->h, conns[k]));
	}
	/* Centrals 0 and 3 subscribe to Heart Rate, central 2 does not. */
	bh_uuid u = bh_uuid16(0x2a37);
	for (int k = 0; k < 3; k += 2) {
		struct sc_role *c = &sc->roles[centrals[k]];
		struct bh_gattc *g = bh_host_gattc(c->h, conns[k]);
		const struct bh_gattc_chr *hrm = g ? bh_gattc_find_chr(g, NULL, &u) : NULL;
		CHECK(sc, hrm != NULL);
		if (hrm)
			CHECK_OK(sc, bh_host_subscribe_sync(c->h, conns[k], hrm->value_handle, false));
	}
	CHECK(sc, sc_wait_count(sc, &sc->roles[0].notifications, 20, 5000));
	if (sc->live) {
		CHECK(sc, sc_wait_count(sc, &sc->roles[3].notifications, 20, 5000));
		CHECK(sc, sc->roles[2].notifications == 0);
		struct sc_role *p = &sc->roles[1];
		CHECK(sc, p->connected == 3);
		CHECK(sc, p->subscriptions == 2);
	}
	/* Each client reads on its own link while the others are connected. */
	for (int k = 0; k < 3; k++) {
		uint8_t buf[64];
		size_t len = 0;
		struct sc_role *c = &sc->roles[centrals[k]];
		u = bh_uuid16(0x2a29);
		struct bh_gattc *g = bh_host_gattc(c->h, conns[k]);
		const struct bh_gattc_chr *m = g ? bh_gattc_find_chr(g, NULL, &u) : NULL;
		if (m)
			CHECK_OK(sc, bh_host_read_sync(c->h, conns[k], m->value_handle, buf, sizeof(buf), &len));
		CHECK(sc, m && len == 15);
	}
	for (int k = 0; k < 3; k++)
		CHECK_OK(sc, bh_host_disconnect_sync(sc->roles[centrals[k]].h, conns[k], 0x13, 3000));
}

/* ---- the link drops in the middle of a procedure ---- */

/* The peripheral ends the link while the central's discovery is running. */
static void drop_after_three(struct sc *sc, struct sc_role *r, const uint8_t *pdu, size_t len)
{
	(void)sc;
	(void)pdu;
	(void)len;
	if (r->requests == 3)
		bh_gap_disconnect(bh_host_gap(r->h), r->conn, 0x13);
}

static void disconnect_mid(struct sc *sc)
{
	struct sc_role *c = &sc->roles[0];
	uint16_t conn = sc_connect(sc, 1);
	if (!conn)
		return;
	struct op_wait disc = { 0 }, rd = { 0 };
	struct bh_gattc *g = bh_host_gattc(c->h, conn);
	CHECK_OK(sc, bh_gattc_discover(g, NULL, 0, 0, op_done, &disc));
	CHECK_OK(sc, bh_gattc_read_long(g, 0x0003, op_done, &rd)); /* queued behind it */
	sc_wait_for(sc, &rd.done, 5000);
	CHECK(sc, disc.calls == 1 && disc.st == BH_EDISCONNECTED);
	CHECK(sc, rd.calls == 1 && rd.st == BH_EDISCONNECTED);
	CHECK(sc, c->disconnected == 1 && c->last_disconnect_reason == 0x13);
	CHECK(sc, bh_host_gattc(c->h, conn) == NULL);
	sc_wait(sc, 50);
	CHECK(sc, disc.calls == 1 && rd.calls == 1); /* exactly once */
	/* The stack carries on: a new connection works. */
	conn = sc_connect(sc, 1);
	CHECK(sc, conn != 0);
	if (conn) {
		uint16_t mtu;
		CHECK_OK(sc, bh_host_exchange_mtu_sync(c->h, conn, &mtu));
		CHECK_OK(sc, bh_host_disconnect_sync(c->h, conn, 0x13, 3000));
	}
}

/* ---- signed writes: a bonded peer writes without encrypting the link ---- */

static void signed_write(struct sc *sc)
{
	struct sc_role *c = &sc->roles[0];
	uint16_t conn = sc_connect(sc, 1);
	if (!conn)
		return;
	CHECK_OK(sc, bh_host_pair_sync(c->h, conn, 10000)); /* CSRKs distributed both ways */
	sc_wait(sc, 100);
	CHECK(sc, c->paired == 1);
	CHECK_OK(sc, bh_host_disconnect_sync(c->h, conn, 0x13, 3000));

	/* Reconnect and do not encrypt: only the signature can authorise it. */
	conn = sc_connect(sc, 1);
	if (!conn)
		return;
	CHECK_OK(sc, bh_host_discover_sync(c->h, conn));
	struct bh_gattc *g = bh_host_gattc(c->h, conn);
	bh_uuid demo;
	bh_uuid_parse(DEMO_SERVICE_UUID_STR, &demo);
	const struct bh_gattc_service *ds = g ? bh_gattc_find_service(g, &demo) : NULL;
	CHECK(sc, ds && ds->n_chrs == 6);
	if (!ds)
		return;
	const struct bh_gattc_chr *sw = bh_gattc_chr_at(g, ds->first_chr + 5);
	CHECK(sc, sw->props & BH_GATT_PROP_SIGNED_WRITE);
	/* A plain write on the unencrypted link is refused... */
	int rc = bh_host_write_sync(c->h, conn, sw->value_handle, (const uint8_t *)"plain", 5, true);
	CHECK(sc, rc == BH_ATT_ERROR(BH_ATT_E_INSUFF_AUTHENTICATION) ||
		      rc == BH_ATT_ERROR(BH_ATT_E_INSUFF_ENCRYPTION));
	/* ...a signed one is verified with the bond's CSRK and written (at MTU
	 * 23 a signed write carries 8 value octets at most). */
	CHECK_OK(sc, bh_gattc_write_signed(g, sw->value_handle, (const uint8_t *)"sign #1", 7));
	sc_wait(sc, 50);
	uint8_t buf[32];
	size_t len = 0;
	CHECK_OK(sc, bh_host_read_sync(c->h, conn, sw->value_handle, buf, sizeof(buf), &len));
	CHECK(sc, len == 7 && !memcmp(buf, "sign #1", 7));
	/* The sign counter moves on: a second one is accepted too. */
	CHECK_OK(sc, bh_gattc_write_signed(g, sw->value_handle, (const uint8_t *)"sign #2", 7));
	sc_wait(sc, 50);
	CHECK_OK(sc, bh_host_read_sync(c->h, conn, sw->value_handle, buf, sizeof(buf), &len));
	CHECK(sc, len == 7 && !memcmp(buf, "sign #2", 7));
	CHECK(sc, bh_smp_security(bh_host_smp(c->h), conn).level == BH_SEC_NONE);
	CHECK_OK(sc, bh_host_disconnect_sync(c->h, conn, 0x13, 3000));
}

/* ---- pairing that fails: the exact reason on both sides, link usable ---- */

static bh_status last_pair_failure;

static void pair_fails(struct sc *sc)
{
	struct sc_role *c = &sc->roles[0];
	uint16_t conn = sc_connect(sc, 1);
	if (!conn)
		return;
	int rc = bh_host_pair_sync(c->h, conn, 10000);
	last_pair_failure = rc;
	CHECK(sc, bh_status_kind(rc) == BH_KIND_SMP);
	CHECK(sc, c->pair_failed == 1 && c->paired == 0 && c->encrypted == 0);
	CHECK(sc, bh_smp_security(bh_host_smp(c->h), conn).level == BH_SEC_NONE);
	if (sc->live) {
		sc_wait(sc, 50);
		CHECK(sc, sc->roles[1].pair_failed == 1 && sc->roles[1].paired == 0);
		CHECK(sc, sc->roles[1].encrypted == 0);
		CHECK(sc, sc->roles[1].last_pair_status == rc); /* same reason both ways */
	}
	/* The link still serves what needs no security. */
	CHECK_OK(sc, bh_host_discover_sync(c->h, conn));
	bh_uuid u = bh_uuid16(0x2a29);
	const struct bh_gattc_chr *m = bh_gattc_find_chr(bh_host_gattc(c->h, conn), NULL, &u);
	uint8_t buf[32];
	size_t len = 0;
	CHECK(sc, m != NULL);
	if (m)
		CHECK_OK(sc, bh_host_read_sync(c->h, conn, m->value_handle, buf, sizeof(buf), &len));
	CHECK_OK(sc, bh_host_disconnect_sync(c->h, conn, 0x13, 3000));
}

static void cfg_wrong_passkey(struct sc *sc)
{
	cfg_passkey(sc);
	sc->roles[0].wrong_passkey = true;
}

static void pair_wrong_passkey(struct sc *sc)
{
	pair_fails(sc);
	CHECK(sc, last_pair_failure == BH_SMP_REASON(BH_SMP_ERR_CONFIRM_VALUE_FAILED));
}

static void cfg_key_size(struct sc *sc)
{
	/* The peripheral accepts and offers at most 10 octets; we want 16. */
	sc->roles[1].cfg.min_key_size = 7;
	sc->roles[1].cfg.max_key_size = 10;
}

static void pair_key_size(struct sc *sc)
{
	pair_fails(sc);
	CHECK(sc, last_pair_failure == BH_SMP_REASON(BH_SMP_ERR_ENC_KEY_SIZE));
}

static void cfg_refused(struct sc *sc) { sc->roles[1].refuse_pairing = true; }

static void pair_refused(struct sc *sc)
{
	pair_fails(sc);
	CHECK(sc, last_pair_failure == BH_SMP_REASON(BH_SMP_ERR_PAIRING_NOT_SUPPORTED));
}

/* ---- every ATT request the server answers, as raw PDUs ---- */

struct raw_rsp {
	bool done;
	bh_status st;
	uint8_t pdu[600];
	size_t len;
};

static void raw_done(void *ctx, bh_status st, const uint8_t *rsp, size_t len)
{
	struct raw_rsp *r = ctx;
	r->st = st;
	r->len = rsp && len <= sizeof(r->pdu) ? len : 0;
	if (r->len)
		memcpy(r->pdu, rsp, r->len);
	r->done = true;
}

/* Sends one request on the connection's bearer and waits for its answer. */
static struct raw_rsp *raw(struct sc *sc, uint16_t conn, const uint8_t *req, size_t len)
{
	static struct raw_rsp r;
	memset(&r, 0, sizeof(r));
	struct bh_att *att = bh_host_att(sc->roles[0].h, conn);
	if (!att || bh_att_request(att, req, len, raw_done, &r)) {
		r.st = BH_EINVAL;
		return &r;
	}
	sc_wait_for(sc, &r.done, 3000);
	return &r;
}

static bool is_error(const struct raw_rsp *r, uint8_t req_op, uint8_t code)
{
	return r->st == BH_ATT_ERROR(code) && r->len == 5 && r->pdu[0] == BH_ATT_ERROR_RSP &&
	       r->pdu[1] == req_op && r->pdu[4] == code;
}

static void att_requests(struct sc *sc)
{
	struct sc_role *c = &sc->roles[0];
	uint16_t conn = sc_connect(sc, 1);
	if (!conn)
		return;
	uint16_t mtu = 0;
	CHECK_OK(sc, bh_host_exchange_mtu_sync(c->h, conn, &mtu));
	CHECK(sc, mtu == 517);
	CHECK_OK(sc, bh_host_discover_sync(c->h, conn));
	struct bh_gattc *g = bh_host_gattc(c->h, conn);
	bh_uuid demo;
	bh_uuid_parse(DEMO_SERVICE_UUID_STR, &demo);
	const struct bh_gattc_service *ds = bh_gattc_find_service(g, &demo);
	if (!ds) {
		CHECK(sc, ds != NULL);
		return;
	}
	uint16_t longh = bh_gattc_chr_at(g, ds->first_chr)->value_handle;
	uint16_t wcmd = bh_gattc_chr_at(g, ds->first_chr + 1)->value_handle;
	struct raw_rsp *r;

	/* Find Information over the GAP service. */
	r = raw(sc, conn, (const uint8_t[]){ 0x04, 0x01, 0x00, 0x05, 0x00 }, 5);
	CHECK(sc, r->st == BH_OK && r->pdu[0] == BH_ATT_FIND_INFO_RSP && r->pdu[1] == 1);
	/* Find By Type Value: the Heart Rate service by UUID. */
	r = raw(sc, conn, (const uint8_t[]){ 0x06, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28, 0x0d, 0x18 }, 9);
	CHECK(sc, r->st == BH_OK && r->pdu[0] == BH_ATT_FIND_BY_TYPE_RSP && r->len == 5);
	/* Read By Type: the Device Name by its UUID. */
	r = raw(sc, conn, (const uint8_t[]){ 0x08, 0x01, 0x00, 0xff, 0xff, 0x00, 0x2a }, 7);
	CHECK(sc, r->st == BH_OK && r->pdu[0] == BH_ATT_READ_BY_TYPE_RSP && r->len > 4);
	/* Read By Group Type with a group type that is not a service. */
	r = raw(sc, conn, (const uint8_t[]){ 0x10, 0x01, 0x00, 0xff, 0xff, 0x03, 0x28 }, 7);
	CHECK(sc, is_error(r, 0x10, BH_ATT_E_UNSUPPORTED_GROUP_TYPE));
	/* Read Multiple and Read Multiple Variable: Device Name + Appearance. */
	r = raw(sc, conn, (const uint8_t[]){ 0x0e, 0x03, 0x00, 0x05, 0x00 }, 5);
	CHECK(sc, r->st == BH_OK && r->pdu[0] == BH_ATT_READ_MULT_RSP && r->len == 1 + 7 + 2);
	r = raw(sc, conn, (const uint8_t[]){ 0x20, 0x03, 0x00, 0x05, 0x00 }, 5);
	CHECK(sc, r->st == BH_OK && r->pdu[0] == BH_ATT_READ_MULT_VAR_RSP && r->len == 1 + 2 + 7 + 2 + 2);
	/* Read Blob at the end of the 300-byte value (empty) and beyond it. */
	uint8_t blob[5] = { 0x0c, (uint8_t)longh, (uint8_t)(longh >> 8), 0x2c, 0x01 }; /* 300 */
	r = raw(sc, conn, blob, 5);
	CHECK(sc, r->st == BH_OK && r->pdu[0] == BH_ATT_READ_BLOB_RSP && r->len == 1);
	blob[3] = 0x2d; /* 301 */
	r = raw(sc, conn, blob, 5);
	CHECK(sc, is_error(r, 0x0c, BH_ATT_E_INVALID_OFFSET));
	/* Handle 0, and a handle past the database. */
	r = raw(sc, conn, (const uint8_t[]){ 0x0a, 0x00, 0x00 }, 3);
	CHECK(sc, is_error(r, 0x0a, BH_ATT_E_INVALID_HANDLE));
	r = raw(sc, conn, (const uint8_t[]){ 0x04, 0x10, 0x00, 0x01, 0x00 }, 5); /* start > end */
	CHECK(sc, is_error(r, 0x04, BH_ATT_E_INVALID_HANDLE));
	/* Prepare Write until the queue is full, then cancel; the queue then works. */
	uint8_t prep[8] = { 0x16, (uint8_t)longh, (uint8_t)(longh >> 8), 0, 0, 'a', 'b', 'c' };
	int accepted = 0;
	for (int i = 0; i < 40; i++) {
		prep[3] = (uint8_t)(i * 3);
		prep[4] = (uint8_t)((i * 3) >> 8);
		r = raw(sc, conn, prep, sizeof(prep));
		if (r->st != BH_OK)
			break;
		CHECK(sc, r->len == sizeof(prep) && !memcmp(r->pdu + 1, prep + 1, 7)); /* echoed */
		accepted++;
	}
	CHECK(sc, accepted == 32);
	CHECK(sc, is_error(r, 0x16, BH_ATT_E_PREPARE_QUEUE_FULL));
	r = raw(sc, conn, (const uint8_t[]){ 0x18, 0x00 }, 2); /* cancel all */
	CHECK(sc, r->st == BH_OK && r->pdu[0] == BH_ATT_EXEC_WRITE_RSP);
	prep[3] = prep[4] = 0;
	r = raw(sc, conn, prep, sizeof(prep));
	CHECK(sc, r->st == BH_OK);
	/* Execute with an offset past the value's end: Invalid Offset, nothing written. */
	uint8_t prep2[8] = { 0x16, (uint8_t)longh, (uint8_t)(longh >> 8), 0x00, 0x03, 'x', 'y', 'z' };
	r = raw(sc, conn, prep2, sizeof(prep2));
	CHECK(sc, r->st == BH_OK);
	r = raw(sc, conn, (const uint8_t[]){ 0x18, 0x01 }, 2);
	CHECK(sc, is_error(r, 0x18, BH_ATT_E_INVALID_OFFSET));
	/* Write Request, Write Command, then reads that see them. */
	uint8_t wr[6] = { 0x12, (uint8_t)longh, (uint8_t)(longh >> 8), 'o', 'k', '!' };
	r = raw(sc, conn, wr, sizeof(wr));
	CHECK(sc, r->st == BH_OK && r->pdu[0] == BH_ATT_WRITE_RSP);
	uint8_t rd[3] = { 0x0a, (uint8_t)longh, (uint8_t)(longh >> 8) };
	r = raw(sc, conn, rd, 3);
	CHECK(sc, r->st == BH_OK && r->len == 4 && !memcmp(r->pdu + 1, "ok!", 3));
	uint8_t cmd[5] = { 0x52, (uint8_t)wcmd, (uint8_t)(wcmd >> 8), 'h', 'i' };
	CHECK_OK(sc, bh_att_send_command(bh_host_att(c->h, conn), cmd, sizeof(cmd)));
	rd[1] = (uint8_t)wcmd;
	rd[2] = (uint8_t)(wcmd >> 8);
	r = raw(sc, conn, rd, 3);
	CHECK(sc, r->st == BH_OK && r->len == 3 && !memcmp(r->pdu + 1, "hi", 2));
	/* A request the server does not know (opcode 0x3f): Request Not Supported. */
	r = raw(sc, conn, (const uint8_t[]){ 0x3f, 0x00 }, 2);
	CHECK(sc, r->st == BH_EINVAL || is_error(r, 0x3f, BH_ATT_E_REQUEST_NOT_SUPPORTED));
	CHECK_OK(sc, bh_host_disconnect_sync(c->h, conn, 0x13, 3000));
}

/* ---- the SMP timeout: nobody types the passkey ---- */

static void cfg_timeout(struct sc *sc)
{
	cfg_passkey(sc);
	sc->roles[0].silent_user = true;
}

static void pair_timeout(struct sc *sc)
{
	struct sc_role *c = &sc->roles[0];
	uint16_t conn = sc_connect(sc, 1);
	if (!conn)
		return;
	/* Vol 3, Part H, 3.4: 30 seconds without the expected PDU end it. */
	int rc = bh_host_pair_sync(c->h, conn, 40000);
	CHECK(sc, rc == BH_ETIMEDOUT);
	CHECK(sc, c->pair_failed == 1 && c->encrypted == 0);
	if (sc->live) {
		sc_wait_count(sc, &sc->roles[1].pair_failed, 1, 5000);
		CHECK(sc, sc->roles[1].pair_failed == 1 && sc->roles[1].last_pair_status == BH_ETIMEDOUT);
	}
	/* No further SMP on this link until it reconnects... */
	CHECK(sc, bh_host_pair_sync(c->h, conn, 1000) != BH_OK);
	/* ...but ATT goes on. */
	uint16_t mtu;
	CHECK_OK(sc, bh_host_exchange_mtu_sync(c->h, conn, &mtu));
	CHECK_OK(sc, bh_host_disconnect_sync(c->h, conn, 0x13, 3000));
}

const struct scenario scenarios[] = {
	{ "bringup", 1, NULL, bringup },
	{ "scan", 2, NULL, scan },
	{ "gatt517", 2, no_auto_security, gatt517 },
	{ "gatt23", 2, configure_mtu23, gatt23 },
	{ "pair_sc_justworks", 2, cfg_jw, pair_jw },
	{ "eatt", 2, cfg_eatt, eatt, NULL },
	{ "pair_legacy_justworks", 2, cfg_legacy_jw, pair_jw },
	{ "pair_sc_passkey", 2, cfg_passkey, pair_mitm },
	{ "pair_legacy_passkey", 2, cfg_legacy_passkey, pair_mitm },
	{ "pair_sc_numeric", 2, cfg_numcmp, pair_mitm },
	{ "pair_sc_oob", 2, cfg_sc_oob, pair_mitm },
	{ "att_requests", 2, NULL, att_requests, NULL },
	{ "pair_fail_timeout", 2, cfg_timeout, pair_timeout, NULL },
	{ "pair_legacy_oob", 2, cfg_legacy_oob, pair_mitm },
	{ "security_retry", 2, NULL, security_retry },
	{ "connect_fail", 2, NULL, connect_fail },
	{ "multi", 4, NULL, multi },
	{ "privacy", 2, cfg_privacy, privacy, privacy_rotate },
	{ "coc", 2, NULL, coc, NULL },
	{ "server3", 4, NULL, server3, NULL, 1, server3_readvertise },
	{ "disconnect_mid", 2, NULL, disconnect_mid, NULL, 0, NULL, drop_after_three },
	{ "signed_write", 2, no_auto_security, signed_write, NULL },
	{ "pair_fail_passkey", 2, cfg_wrong_passkey, pair_wrong_passkey, NULL },
	{ "pair_fail_key_size", 2, cfg_key_size, pair_key_size, NULL },
	{ "pair_fail_refused", 2, cfg_refused, pair_refused, NULL },
	{ "bond_cccd", 2, no_auto_security, sc_bond_cccd, NULL },
	{ "bond_repair_cccd", 2, sc_cfg_bond_store, sc_bond_repair_cccd, NULL },
	{ "bond_save_fails", 2, sc_cfg_bond_store, sc_bond_save_fails, NULL },
	{ "bond_repair_cache", 2, sc_cfg_central_store, sc_bond_repair_cache, NULL },
};
const unsigned n_scenarios = sizeof(scenarios) / sizeof(scenarios[0]);
