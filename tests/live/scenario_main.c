/* Runs a scenario live or replays one of its roles.
 *
 *   scenario list
 *   scenario live NAME TRACE_DIR          (needs BLEHOST_TRANSPORT, e.g. btvirt)
 *   scenario replay NAME ROLE TRACE_DIR   (ROLE 0 = central, 1.. = peripherals)
 *
 * Live runs write TRACE_DIR/NAME-ROLE.btsnoop for every role and
 * TRACE_DIR/NAME.meta with values a replay must reuse (a passkey typed by
 * the user). Exit status 0 when every check passed (and, for a replay, every
 * recorded packet matched). */
#include "scenario.h"

#include <blehost/att.h>
#include <blehost/gap.h>
#include <blehost/gatt.h>
#include <blehost/smp.h>

#include <stdlib.h>
#include <string.h>

static const char *const role_names[SC_MAX_ROLES] = { "central", "peripheral", "peripheral2",
						      "peripheral3" };

bool sc_runs(const struct sc *sc, int i) { return sc->live || sc->replay_role == i; }

bool sc_is_peripheral(const struct sc *sc, int i)
{
	int np = sc->s->n_peripherals ? sc->s->n_peripherals : sc->n_roles - 1;
	return i >= 1 && i <= np;
}

/* A role replays alone when everything it does follows from its own events
 * and steps: peripherals always; the central unless its steps also drive
 * extra centrals. */
static bool sc_replayable(const struct sc *sc, int i)
{
	if (i == 0)
		return !sc->s->n_peripherals || sc->s->n_peripherals == sc->n_roles - 1;
	return sc_is_peripheral(sc, i);
}

/* ---- events ---- */

static void ev_connected(void *ctx, uint16_t handle, bool central, const bh_addr *peer)
{
	struct sc_role *r = ctx;
	(void)central;
	(void)peer;
	r->connected++;
	r->conn = handle;
	if (sc_is_peripheral(r->sc, r->index) && r->sc->s->peripheral_connected)
		r->sc->s->peripheral_connected(r->sc, r);
}

static void ev_disconnected(void *ctx, uint16_t handle, uint8_t reason)
{
	struct sc_role *r = ctx;
	(void)handle;
	r->disconnected++;
	r->last_disconnect_reason = reason;
	if (sc_is_peripheral(r->sc, r->index) && r->sc->s->peripheral_disconnected)
		r->sc->s->peripheral_disconnected(r->sc, r);
}

static void ev_encryption(void *ctx, uint16_t handle, bh_status st, bool enabled)
{
	struct sc_role *r = ctx;
	(void)handle;
	if (st == BH_OK && enabled)
		r->encrypted++;
}

static void ev_paired(void *ctx, uint16_t handle, bh_status st, bool bonded)
{
	struct sc_role *r = ctx;
	(void)handle;
	r->last_bonded = bonded;
	r->last_pair_status = st;
	if (st == BH_OK)
		r->paired++;
	else
		r->pair_failed++;
}

static struct sc_role *central_waiting_passkey;

static void ev_passkey_display(void *ctx, uint16_t handle, uint32_t passkey)
{
	struct sc_role *r = ctx;
	(void)handle;
	r->passkey_shown = passkey;
	r->passkey_shown_valid = true;
	r->sc->passkey = passkey;
	if (central_waiting_passkey) {
		struct sc_role *c = central_waiting_passkey;
		central_waiting_passkey = NULL;
		bh_host_passkey_reply(c->h, c->conn, true, (passkey + (c->wrong_passkey ? 1 : 0)) % 1000000);
	}
}

static void ev_passkey_request(void *ctx, uint16_t handle)
{
	struct sc_role *r = ctx;
	r->conn = handle;
	if (r->silent_user)
		return;
	/* Live: the peripheral may show it a moment later. Replay: from meta. */
	if (r->sc->live && !r->sc->roles[1].passkey_shown_valid)
		central_waiting_passkey = r;
	else
		bh_host_passkey_reply(r->h, handle, true, (r->sc->passkey + (r->wrong_passkey ? 1 : 0)) % 1000000);
}

static void ev_confirm(void *ctx, uint16_t handle, uint32_t number)
{
	struct sc_role *r = ctx;
	r->passkey_shown = number;
	r->passkey_shown_valid = true;
	bh_host_confirm_reply(r->h, handle, true);
}

static bool ev_pairing_request(void *ctx, uint16_t handle)
{
	struct sc_role *r = ctx;
	(void)handle;
	return !r->refuse_pairing;
}

static bool ev_oob_request(void *ctx, uint16_t handle, bool sc_pairing, struct bh_smp_oob *out)
{
	struct sc_role *r = ctx;
	(void)handle;
	if (!r->oob || r->index > 1)
		return false;
	int other = r->index ? 0 : 1;
	const uint8_t *pr = r->sc->live ? r->sc->roles[other].oob_r : r->sc->oob_r[other];
	const uint8_t *pc = r->sc->live ? r->sc->roles[other].oob_c : r->sc->oob_c[other];
	if (sc_pairing) {
		memcpy(out->r, pr, 16);
		memcpy(out->c, pc, 16);
	} else {
		memcpy(out->tk, r->sc->live ? r->sc->roles[1].oob_r : r->sc->oob_r[1], 16);
	}
	return true;
}

static void ev_notification(void *ctx, uint16_t handle, uint16_t attr, const uint8_t *v,
			    size_t len, bool ind)
{
	struct sc_role *r = ctx;
	(void)handle;
	(void)attr;
	if (ind)
		r->indications++;
	else
		r->notifications++;
	memcpy(r->last_notified, v, len < sizeof(r->last_notified) ? len : sizeof(r->last_notified));
}

/* Peripherals: a stream of notifications when subscribed to Heart Rate (one
 * every 2 ms, value = sequence number, so the central can check order), and
 * three indications in a row on the demo indicate value. */
static void notify_tick(void *arg)
{
	struct sc_role *r = arg;
	r->notify_timer = 0;
	bool more = false;
	for (unsigned i = 0; i < r->n_streams; i++) {
		if (r->streams[i].sent >= r->notify_target)
			continue;
		uint8_t v[2] = { 0x00, (uint8_t)r->streams[i].sent };
		int rc = bh_gatts_notify(bh_host_gatt_server(r->h), r->streams[i].conn,
					 r->dh.heart_rate, v, 2, NULL);
		if (rc == BH_OK)
			r->streams[i].sent++;
		if (rc == BH_OK || rc == BH_EBUSY)
			more = true;
	}
	if (more) {
		struct bh_loop *l = bh_host_loop(r->h);
		r->notify_timer = bh_loop_timer_at(l, bh_loop_now(l) + 2, notify_tick, r);
	}
}

static void ev_subscription(void *ctx, uint16_t conn, uint16_t vh, uint16_t value)
{
	struct sc_role *r = ctx;
	r->subscriptions++;
	r->conn = conn;
	if (vh == r->dh.heart_rate && (value & 1) && r->n_streams < SC_MAX_ROLES) {
		r->streams[r->n_streams].conn = conn;
		r->streams[r->n_streams].sent = 0;
		r->n_streams++;
		if (!r->notify_timer)
			notify_tick(r);
	}
	if (vh == r->dh.indicate && (value & 2)) {
		uint8_t v = 1;
		r->indicate_sent = 1;
		bh_gatts_indicate(bh_host_gatt_server(r->h), conn, vh, &v, 1);
	}
}

static void ev_indication_done(void *ctx, uint16_t conn, uint16_t vh, bh_status st)
{
	struct sc_role *r = ctx;
	if (st == BH_OK && vh == r->dh.indicate && r->indicate_sent < 3) {
		uint8_t v = (uint8_t)++r->indicate_sent;
		bh_gatts_indicate(bh_host_gatt_server(r->h), conn, vh, &v, 1);
	}
}

/* L2CAP credit-based channels: peripherals echo every SDU back reversed. */
#define SC_SPSM 0x0080

static void ev_coc_opened(void *ctx, uint16_t handle, uint16_t cid, uint16_t spsm, bh_status st)
{
	struct sc_role *r = ctx;
	(void)spsm;
	r->conn = handle;
	r->coc_cid = cid;
	r->coc_status = st;
	r->coc_open = st == BH_OK;
}

static void ev_coc_sdu(void *ctx, uint16_t handle, uint16_t cid, const uint8_t *sdu, size_t len)
{
	struct sc_role *r = ctx;
	r->coc_sdus++;
	r->coc_last_len = len < sizeof(r->coc_last) ? len : sizeof(r->coc_last);
	memcpy(r->coc_last, sdu, r->coc_last_len);
	if (r->index > 0) {
		uint8_t rev[512];
		for (size_t i = 0; i < r->coc_last_len; i++)
			rev[i] = sdu[r->coc_last_len - 1 - i];
		int rc = bh_host_coc_send(r->h, handle, cid, rev, r->coc_last_len);
		if (rc)
			fprintf(stderr, "  [%s] echo: %s\n", role_names[r->index], bh_strerror(rc));
	}
}

static void ev_coc_closed(void *ctx, uint16_t handle, uint16_t cid, bh_status reason)
{
	struct sc_role *r = ctx;
	(void)handle;
	(void)cid;
	r->coc_open = false;
	r->coc_closed = true;
	r->coc_status = reason;
}

static void ev_att_request(void *ctx, uint16_t handle, const uint8_t *pdu, size_t len)
{
	struct sc_role *r = ctx;
	r->conn = handle;
	r->requests++;
	if (sc_is_peripheral(r->sc, r->index) && r->sc->s->peripheral_request)
		r->sc->s->peripheral_request(r->sc, r, pdu, len);
}

static void ev_log(void *ctx, enum bh_log_level lvl, const char *layer, const char *msg)
{
	struct sc_role *r = ctx;
	fprintf(stderr, "  [%s %s] %s%s\n", role_names[r->index], layer,
		lvl == BH_LOG_ERROR ? "error: " : lvl == BH_LOG_WARN ? "warning: " : "", msg);
}

/* ---- roles ---- */

int sc_start_role(struct sc *sc, int i)
{
	struct sc_role *r = &sc->roles[i];
	char trace[512], transport[600], err[512] = "";
	if (sc->live) {
		snprintf(trace, sizeof(trace), "%s/%s-%s.btsnoop", sc->trace_dir, sc->name,
			 role_names[i]);
		r->cfg.trace_path = sc_replayable(sc, i) ? trace : NULL;
		r->cfg.loop = sc->loop;
	} else {
		snprintf(transport, sizeof(transport), "replay:%s/%s-%s.btsnoop", sc->trace_dir,
			 sc->name, role_names[i]);
		r->cfg.transport = transport;
	}
	r->cfg.seeded = true;
	r->cfg.seed = 100 + (uint64_t)i;
	r->cfg.store_dir = r->store_dir[0] ? r->store_dir : "";
	struct bh_host_events ev = {
		.ctx = r,
		.connected = ev_connected,
		.disconnected = ev_disconnected,
		.encryption_changed = ev_encryption,
		.pairing_complete = ev_paired,
		.passkey_display = ev_passkey_display,
		.passkey_request = ev_passkey_request,
		.confirm_number = ev_confirm,
		.pairing_request = ev_pairing_request,
		.oob_request = ev_oob_request,
		.notification = ev_notification,
		.subscription = ev_subscription,
		.indication_done = ev_indication_done,
		.coc_opened = ev_coc_opened,
		.coc_sdu = ev_coc_sdu,
		.coc_closed = ev_coc_closed,
		.att_request = ev_att_request,
		.log = ev_log,
	};
	r->h = bh_host_new(&r->cfg, &ev, err, sizeof(err));
	r->cfg.trace_path = NULL;
	r->cfg.transport = NULL;
	if (!r->h) {
		fprintf(stderr, "FAIL: %s: cannot create host: %s\n", role_names[i], err);
		sc->failures++;
		return -1;
	}
	int rc = bh_host_start_sync(r->h, 5000);
	if (rc) {
		fprintf(stderr, "FAIL: %s: bring-up: %s\n", role_names[i], bh_strerror(rc));
		sc->failures++;
		return -1;
	}
	/* Let what the host does after bring-up (its own address) finish, so a
	 * role replayed alone sees the order it saw next to the other roles. */
	sc_wait(sc, 20);
	/* Our OOB values, drawn at the same point live and in replay. */
	if (r->oob && bh_host_oob_local(r->h, r->oob_r, r->oob_c)) {
		sc->failures++;
		return -1;
	}
	if (i < 2) {
		memcpy(sc->oob_r[i], r->oob_r, 16);
		memcpy(sc->oob_c[i], r->oob_c, 16);
	}
	return 0;
}

int sc_peripheral_setup(struct sc *sc, int i)
{
	struct sc_role *r = &sc->roles[i];
	if (demo_db_add(bh_host_gatt_server(r->h), &r->dh)) {
		sc->failures++;
		return -1;
	}
	r->notify_target = 20;
	if (bh_host_coc_listen(r->h, SC_SPSM)) {
		sc->failures++;
		return -1;
	}
	int rc = sc_advertise(sc, i);
	/* Let the enable complete before the central looks for it. */
	sc_wait(sc, 20);
	return rc;
}

int sc_advertise(struct sc *sc, int i)
{
	struct sc_role *r = &sc->roles[i];
	uint8_t adv[31], rsp[31];
	struct bh_ad_builder a, s;
	bh_ad_build_init(&a, adv, sizeof(adv));
	bh_ad_build_init(&s, rsp, sizeof(rsp));
	bh_uuid hr = bh_uuid16(0x180d);
	static const uint8_t mfr[] = { 0xbe, 0xef, (uint8_t)'!' };
	bh_ad_add_flags(&a, BH_AD_FLAG_LE_GENERAL | BH_AD_FLAG_NO_BREDR);
	bh_ad_add_uuids(&a, &hr, 1, true);
	bh_ad_add_manufacturer(&a, 0xffff, mfr, sizeof(mfr));
	bh_ad_add_tx_power(&a, 0);
	bh_ad_add_name(&s, r->name, true);
	struct bh_gap_adv_params p = {
		.kind = BH_GAP_ADV_CONN,
		.data = adv,
		.data_len = a.len,
		.scan_rsp = rsp,
		.scan_rsp_len = s.len,
		.restart_on_disconnect = !r->no_restart,
	};
	int rc = bh_gap_adv_start(bh_host_gap(r->h), &p, NULL, NULL);
	if (rc) {
		fprintf(stderr, "FAIL: %s: advertise: %s\n", role_names[i], bh_strerror(rc));
		sc->failures++;
		return -1;
	}
	return 0;
}

void sc_wait(struct sc *sc, unsigned ms)
{
	bool never = false;
	sc_wait_for(sc, &never, ms);
}

void sc_wait_for(struct sc *sc, const bool *flag, unsigned ms)
{
	struct sc_role *r = &sc->roles[sc->live ? 0 : sc->replay_role];
	if (!r->h) /* live: the central may not exist yet; any role's loop is the shared one */
		for (int i = 0; i < sc->n_roles && !r->h; i++)
			r = &sc->roles[i];
	if (r->h)
		bh_loop_run_until(bh_host_loop(r->h), flag, ms);
}

bool sc_wait_count(struct sc *sc, const unsigned *count, unsigned want, unsigned ms)
{
	for (unsigned waited = 0; *count < want && waited < ms; waited += 10)
		sc_wait(sc, 10);
	return *count >= want;
}

struct find_ctx {
	bool found;
	bh_addr addr;
	bool done;
};

static void found_dev(void *ctx, const struct bh_gap_device *d)
{
	struct find_ctx *f = ctx;
	if (!f->found) {
		f->found = true;
		f->addr = d->addr;
	}
}

static void scan_done(void *ctx, bh_status st)
{
	(void)st;
	((struct find_ctx *)ctx)->done = true;
}

int sc_find(struct sc *sc, const char *name, bh_addr *out)
{
	return sc_find_from(sc, 0, name, out);
}

uint16_t sc_connect(struct sc *sc, int role)
{
	bh_addr a;
	uint16_t conn = 0;
	if (sc_find(sc, sc->roles[role].name, &a)) {
		fprintf(stderr, "FAIL: %s not found by scanning\n", sc->roles[role].name);
		sc->failures++;
		return 0;
	}
	CHECK_OK(sc, bh_host_connect_sync(sc->roles[0].h, &a, 5000, &conn));
	return conn;
}

int sc_find_from(struct sc *sc, int role, const char *name, bh_addr *out)
{
	struct sc_role *c = &sc->roles[role];
	struct bh_gap_scan_filter f = { .name_substr = name };
	struct find_ctx fc = { 0 };
	struct bh_gap_scan_params p = { .active = true, .timeout_ms = 5000, .filter = &f,
					.on_device = found_dev, .on_done = scan_done, .ctx = &fc };
	int rc = bh_gap_scan_start(bh_host_gap(c->h), &p);
	if (rc)
		return rc;
	sc_wait_for(sc, &fc.found, 6000);
	if (!fc.done)
		bh_gap_scan_stop(bh_host_gap(c->h));
	sc_wait_for(sc, &fc.done, 2000);
	*out = fc.addr;
	return fc.found ? 0 : BH_ENOTFOUND;
}

/* ---- main ---- */

static const struct scenario *find_scenario(const char *name)
{
	for (unsigned i = 0; i < n_scenarios; i++)
		if (!strcmp(scenarios[i].name, name))
			return &scenarios[i];
	return NULL;
}

static void meta_path(struct sc *sc, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s.meta", sc->trace_dir, sc->name);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "list")) {
		for (unsigned i = 0; i < n_scenarios; i++)
			printf("%s %d\n", scenarios[i].name, scenarios[i].n_roles);
		return 0;
	}
	struct sc sc = { .replay_role = -1 };
	const struct scenario *s = NULL;
	if (argc == 4 && !strcmp(argv[1], "live")) {
		sc.live = true;
		sc.trace_dir = argv[3];
	} else if (argc == 5 && !strcmp(argv[1], "replay")) {
		sc.replay_role = atoi(argv[3]);
		sc.trace_dir = argv[4];
	} else {
		fprintf(stderr, "usage: %s list | live NAME TRACE_DIR | replay NAME ROLE TRACE_DIR\n",
			argv[0]);
		return 2;
	}
	s = find_scenario(argv[2]);
	if (!s) {
		fprintf(stderr, "unknown scenario %s\n", argv[2]);
		return 2;
	}
	sc.name = s->name;
	sc.s = s;
	sc.n_roles = s->n_roles;
	if (!sc.live && (sc.replay_role < 0 || sc.replay_role >= sc.n_roles ||
			 !sc_replayable(&sc, sc.replay_role))) {
		fprintf(stderr, "role %d out of range\n", sc.replay_role);
		return 2;
	}
	char mp[512];
	meta_path(&sc, mp, sizeof(mp));
	if (!sc.live) {
		FILE *f = fopen(mp, "r");
		if (f) {
			if (fscanf(f, "passkey=%u\n", &sc.passkey) != 1)
				sc.passkey = 0;
			for (int k = 0; k < 2; k++) {
				for (int b = 0; b < 16; b++)
					if (fscanf(f, "%2hhx", &sc.oob_r[k][b]) != 1)
						break;
				for (int b = 0; b < 16; b++)
					if (fscanf(f, "%2hhx", &sc.oob_c[k][b]) != 1)
						break;
			}
			fclose(f);
		}
	}
	if (sc.live)
		sc.loop = bh_loop_new();
	for (int i = 0; i < sc.n_roles; i++) {
		sc.roles[i].sc = &sc;
		sc.roles[i].index = i;
		bh_host_config_default(&sc.roles[i].cfg);
		snprintf(sc.roles[i].name, sizeof(sc.roles[i].name), "blehost-demo-%d", i);
	}
	if (s->configure)
		s->configure(&sc);
	/* Peripherals first, so they advertise before the central scans. */
	for (int i = sc.n_roles - 1; i >= 0 && !sc.failures; i--)
		if (sc_runs(&sc, i))
			sc_start_role(&sc, i);
	for (int i = 1; i < sc.n_roles && !sc.failures; i++)
		if (sc_runs(&sc, i) && sc_is_peripheral(&sc, i))
			sc_peripheral_setup(&sc, i);
	if (!sc.failures && sc_runs(&sc, 0))
		s->central(&sc);
	if (sc.live) {
		sc_wait(&sc, 300); /* peripherals see the last disconnect */
		FILE *f = fopen(mp, "w");
		if (f) {
			fprintf(f, "passkey=%u\n", sc.passkey);
			for (int k = 0; k < 2; k++) {
				for (int b = 0; b < 16; b++)
					fprintf(f, "%02x", sc.oob_r[k][b]);
				fputc('\n', f);
				for (int b = 0; b < 16; b++)
					fprintf(f, "%02x", sc.oob_c[k][b]);
				fputc('\n', f);
			}
			fclose(f);
		}
	} else if (sc.roles[sc.replay_role].h) {
		struct sc_role *r = &sc.roles[sc.replay_role];
		bool done = false;
		for (int k = 0; k < 1000 && !bh_host_replay_done(r->h); k++)
			bh_loop_run_until(bh_host_loop(r->h), &done, 1000);
		char report[4096] = "";
		int rc = bh_host_replay_result(r->h, report, sizeof(report));
		if (rc) {
			fprintf(stderr, "FAIL: replay of %s-%s: %s\n%s\n", sc.name,
				role_names[sc.replay_role], bh_strerror(rc), report);
			sc.failures++;
		}
	}
	for (int i = 0; i < sc.n_roles; i++)
		bh_host_free(sc.roles[i].h);
	bh_loop_free(sc.loop);
	printf("scenario %s (%s): %s\n", sc.name,
	       sc.live ? "live" : role_names[sc.replay_role < 0 ? 0 : sc.replay_role],
	       sc.failures ? "FAILED" : "ok");
	return sc.failures ? 1 : 0;
}
