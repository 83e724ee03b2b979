/* The blocking helpers' cells of the fail-at-every-step matrix (suite
 * 'matrix'), on a real socket: a host with two links to fake_ctrl (the real
 * unix H4 transport and the whole stack). Each helper of host.h and
 * host_link.h runs on link A while the controller fails at the helper's first
 * packet (a Disconnection Complete for A, the transport closing, a Hardware
 * Error); helpers that make a link or scan run on a host without links, and
 * their first command fails (close, Hardware Error). Each cell must
 * give: the helper returns promptly (under CELL_BOUND_MS) with the named
 * error; after a disconnect the link is gone, a second call on it gets the
 * same named error, and link B still serves a read; after a controller loss
 * the host says why (bh_host_lost) and a helper on B gets that error too.
 * Silence is the replay matrix's (virtual time); here it would cost 30 s of
 * wall time per cell. Run under ASan with leak detection by sanitize.sh. */
#include "fake_ctrl.h"

#include <blehost/hci.h>
#include <blehost/bond_store.h>
#include <blehost/host.h>
#include <blehost/host_link.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LINK_A 0x0040
#define LINK_B 0x0041
#define CELL_BOUND_MS 1000

enum helper { H_CONNECT, H_MTU, H_DISCOVER, H_READ, H_WRITE, H_SUBSCRIBE, H_PAIR, H_WAIT,
	      H_CONNECT_PARAMS, H_CONNECT_MATCH, H_SCAN, H_CONN_UPDATE, H_SET_PHY, H_READ_UUID,
	      H_WRITE_UUID, H_SUBSCRIBE_CB, H_BOND_REMOVE, H_BOND_REMOVE_ALL, N_H };
static const char *const helper_names[N_H] = {
	"connect_sync", "exchange_mtu_sync", "discover_sync", "read_sync", "write_sync",
	"subscribe_sync", "pair_sync", "bh_host_wait", "connect_params_sync",
	"connect_match_sync", "scan_sync", "conn_update_sync", "set_phy_sync",
	"read_uuid_sync", "write_uuid_sync", "subscribe_cb_sync", "bond_remove_sync",
	"bond_remove_all_sync"
};

/* Helpers that run without a link (they make one, or scan): the first
 * command they send is faulted, and a disconnect has nothing to hit. */
static bool linkless(enum helper hp)
{
	return hp == H_CONNECT || hp == H_CONNECT_PARAMS || hp == H_CONNECT_MATCH || hp == H_SCAN;
}

/* The command each command-driven helper starts with (0: it starts with
 * an ATT/SMP frame on link A). */
static uint16_t first_command(enum helper hp)
{
	switch (hp) {
	case H_CONNECT:
	case H_CONNECT_PARAMS: return BH_HCI_LE_CREATE_CONN;
	case H_CONNECT_MATCH: /* it scans first */
	case H_SCAN: return 0x200c; /* LE Set Scan Enable */
	case H_CONN_UPDATE: return BH_HCI_LE_CONN_UPDATE;
	case H_SET_PHY: return BH_HCI_LE_SET_PHY;
	case H_BOND_REMOVE:
	case H_BOND_REMOVE_ALL: return BH_HCI_DISCONNECT; /* link A's peer is bonded */
	default: return 0;
	}
}
static const char *const fault_names[] = { "", "disconnect", "close", "hwerror" };

struct fx {
	struct bh_loop *loop;
	struct fake *f;
	struct bh_host *h;
	char store[32]; /* a bond store directory, or "" */
	unsigned connected;
	enum fake_fault later; /* H_WAIT: the fault a timer injects */
};

static void ev_connected(void *ctx, uint16_t handle, bool central, const bh_addr *peer)
{
	struct fx *x = ctx;
	(void)handle;
	(void)central;
	(void)peer;
	x->connected++;
}

static void ev_log(void *ctx, enum bh_log_level lvl, const char *layer, const char *msg)
{
	(void)ctx;
	if (getenv("MATRIX_VERBOSE") || lvl <= BH_LOG_ERROR)
		fprintf(stderr, "    [%s] %s\n", layer, msg);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* fake_connect_handle's peer on link A (FAKE_CONN_HANDLE: 66:55:44:33:22:11) */
static const bh_addr peer_a = { .type = 0, .val = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 } };

static void fx_free(struct fx *x)
{
	bh_host_free(x->h);
	fake_free(x->f);
	bh_loop_free(x->loop);
	if (x->store[0]) {
		char cmd[64];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", x->store);
		if (system(cmd))
			fprintf(stderr, "cannot remove %s\n", x->store);
	}
	free(x);
}

/* A store holding a bond with link A's peer. */
static int bonded_store(struct fx *x)
{
	snprintf(x->store, sizeof(x->store), "/tmp/bh-mx-XXXXXX");
	if (!mkdtemp(x->store)) {
		x->store[0] = 0;
		return -1;
	}
	struct bh_bond_store *st;
	if (bh_bond_store_open(x->store, &st))
		return -1;
	static struct bh_bond b;
	memset(&b, 0, sizeof(b));
	b.identity = peer_a;
	b.central_ltk.valid = true;
	b.central_ltk.key_size = 16;
	memset(b.central_ltk.ltk, 0x42, 16);
	int rc = bh_bond_store_save(st, &b);
	bh_bond_store_close(st);
	return rc;
}

/* A host up on a fake controller with links A and B (B answers ATT).
 * phy: the controller also has LE Set PHY (Command Status, then PHY
 * Update Complete) and the 2M PHY, as btvirt's answers lack them. */
static struct fx *fx_new(bool links, bool phy, bool bonded)
{
	char err[256] = "";
	struct fx *x = calloc(1, sizeof(*x));
	x->loop = bh_loop_new();
	x->f = fake_new();
	if (!x->loop || !x->f || (bonded && bonded_store(x)))
		goto fail;
	if (phy) {
		const uint16_t sup = BH_SUP_LE_SET_PHY;
		fake_add_commands(x->f, &sup, 1);
		/* Status, LE features: bits 0, 1, 3 | 8 (LE 2M PHY) */
		fake_set_answer(x->f, 0x2003, "\x00\x0b\x01\x00\x00\x00\x00\x00\x00", 9);
		fake_set_async(x->f, BH_HCI_LE_SET_PHY);
	}
	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.transport = fake_transport(x->f);
	cfg.loop = x->loop;
	cfg.seeded = true;
	cfg.seed = 7;
	cfg.store_dir = x->store;
	struct bh_host_events ev = { .ctx = x, .connected = ev_connected, .log = ev_log };
	x->h = bh_host_new(&cfg, &ev, err, sizeof(err));
	if (!x->h || fake_accept(x->f, x->loop) || bh_host_start_sync(x->h, 3000))
		goto fail;
	if (links) {
		fake_connect_handle(x->f, LINK_A, true);
		fake_connect_handle(x->f, LINK_B, true);
		for (int i = 0; i < 100 && x->connected < 2; i++)
			fake_run(x->f, 10);
		if (x->connected < 2)
			goto fail;
		fake_att_autoreply(x->f, LINK_B);
		fake_run(x->f, 50); /* the links' own set-up traffic */
	}
	return x;
fail:
	fprintf(stderr, "fixture failed: %s\n", err);
	fx_free(x);
	return NULL;
}

static void inject_later(void *arg)
{
	struct fx *x = arg;
	fake_fault_now(x->f, LINK_A, x->later);
}

static void on_notify(void *ctx, uint16_t handle, uint16_t value_handle, const uint8_t *value,
		      size_t len, bool indication)
{
	(void)ctx;
	(void)handle;
	(void)value_handle;
	(void)value;
	(void)len;
	(void)indication;
}

static int call(struct fx *x, enum helper hp, uint16_t link)
{
	static const bh_addr peer = { .type = 0, .val = { 0x99, 0x22, 0x33, 0x44, 0x55, 0x66 } };
	static const struct bh_host_conn_params cp = { .interval_min_ms = 30, .interval_max_ms = 30,
						       .supervision_timeout_ms = 2000 };
	const bh_uuid hr = bh_uuid16(0x2a37); /* the autoreply server's characteristic */
	const struct bh_gap_scan_filter match = { .name_substr = "nobody" };
	const struct bh_host_scan_opts so = { .duration_ms = 3000, .stop_after = 1 };
	struct bh_host_scan_result res[2];
	uint8_t v[8];
	size_t len;
	uint16_t u16;
	bool never = false;
	switch (hp) {
	case H_CONNECT_PARAMS: return bh_host_connect_params_sync(x->h, &peer, &cp, 3000, &u16);
	case H_CONNECT_MATCH:
		return bh_host_connect_match_sync(x->h, &match, &cp, 3000, &u16, NULL);
	case H_SCAN: return bh_host_scan_sync(x->h, &so, res, 2, &len);
	case H_CONN_UPDATE: return bh_host_conn_update_sync(x->h, link, &cp, 3000);
	case H_SET_PHY: return bh_host_set_phy_sync(x->h, link, BH_HOST_PHY_2M, 0, 3000);
	case H_READ_UUID: return bh_host_read_uuid_sync(x->h, link, &hr, v, sizeof(v), &len);
	case H_WRITE_UUID:
		return bh_host_write_uuid_sync(x->h, link, &hr, (const uint8_t *)"hi", 2, true);
	case H_BOND_REMOVE: return bh_host_bond_remove_sync(x->h, &peer_a, 3000);
	case H_BOND_REMOVE_ALL: return bh_host_bond_remove_all_sync(x->h, 3000);
	case H_SUBSCRIBE_CB:
		return bh_host_subscribe_cb_sync(x->h, link, 0x0003, false, on_notify, NULL);
	case H_CONNECT: return bh_host_connect_sync(x->h, &peer, 3000, &u16);
	case H_MTU: return bh_host_exchange_mtu_sync(x->h, link, &u16);
	case H_DISCOVER: return bh_host_discover_sync(x->h, link);
	case H_READ: return bh_host_read_sync(x->h, link, 0x0003, v, sizeof(v), &len);
	case H_WRITE: return bh_host_write_sync(x->h, link, 0x0003, (const uint8_t *)"hi", 2, true);
	case H_SUBSCRIBE: return bh_host_subscribe_sync(x->h, link, 0x0003, false);
	case H_PAIR: return bh_host_pair_sync(x->h, link, 5000);
	case H_WAIT: return bh_host_wait(x->h, link, &never, 5000);
	default: return BH_EINVAL;
	}
}

/* One cell; 0 when it holds, else prints why and returns 1. */
static int cell(enum helper hp, enum fake_fault kind)
{
	struct fx *x = fx_new(!linkless(hp), hp == H_SET_PHY,
			      hp == H_BOND_REMOVE || hp == H_BOND_REMOVE_ALL);
	if (!x)
		return 1;
	const char *why = NULL;
	bh_status want = kind == FAKE_DISCONNECT ? BH_EDISCONNECTED
			 : kind == FAKE_CLOSE    ? BH_ETRANSPORT
						 : BH_EHWERROR;
	if (hp == H_SUBSCRIBE || hp == H_SUBSCRIBE_CB) {
		/* It needs the tree (the CCCD): discovered first, unharmed. */
		fake_att_autoreply(x->f, LINK_A);
		if (bh_host_discover_sync(x->h, LINK_A))
			printf("FAIL - subscribe_sync: discovery before it failed\n");
		fake_att_autoreply_stop(x->f, LINK_A);
	}
	if (first_command(hp))
		fake_fault_on_link_command(x->f, first_command(hp), LINK_A, kind);
	else if (hp == H_WAIT) {
		x->later = kind;
		bh_loop_timer_at(x->loop, bh_loop_now(x->loop) + 50, inject_later, x);
	} else
		fake_fault_on_frame(x->f, LINK_A, kind);
	long t0 = now_ms();
	int rc = call(x, hp, LINK_A);
	long dt = now_ms() - t0;
	static char buf[200];
	if (rc != want) {
		snprintf(buf, sizeof(buf), "returned %s, want %s", bh_strerror(rc), bh_strerror(want));
		why = buf;
	} else if (dt > CELL_BOUND_MS) {
		snprintf(buf, sizeof(buf), "took %ld ms (bound %d)", dt, CELL_BOUND_MS);
		why = buf;
	} else if (hp != H_WAIT && !fake_fired(x->f)) {
		why = "the helper sent nothing the fault could hit";
	} else if (kind == FAKE_DISCONNECT) {
		uint8_t v[8];
		size_t len = 0;
		if (bh_host_gattc(x->h, LINK_A))
			why = "link A still there";
		else if (call(x, hp, LINK_A) != BH_EDISCONNECTED)
			why = "a second call on the lost link does not say it went";
		else if (bh_host_read_sync(x->h, LINK_B, 0x0003, v, sizeof(v), &len) || len != 2 ||
			 memcmp(v, "ok", 2))
			why = "link B no longer serves a read";
	} else if (bh_host_lost(x->h) != want) {
		why = "bh_host_lost does not say why";
	} else if ((hp == H_BOND_REMOVE || hp == H_BOND_REMOVE_ALL) &&
		   bh_host_bond_list(x->h, NULL, 0) != 1) {
		why = "the bond went, though its peer was never disconnected";
	} else if (!linkless(hp) && call(x, H_READ, LINK_B) != want) {
		why = "a helper on link B does not get the controller's loss";
	}
	if (why)
		printf("FAIL - %s, fault %s: %s\n", helper_names[hp], fault_names[kind], why);
	fx_free(x);
	return why ? 1 : 0;
}

int main(void)
{
	unsigned cells = 0, ok = 0;
	for (int hp = 0; hp < N_H; hp++) {
		unsigned hc = 0, hk = 0;
		for (int k = FAKE_DISCONNECT; k <= FAKE_HWERROR; k++) {
			/* No link yet: a connect has nothing to lose but the controller. */
			/* Removing a bond ends the peer's link itself: a disconnect
			 * is its aim, not a fault. */
			if ((linkless((enum helper)hp) || hp == H_BOND_REMOVE ||
			     hp == H_BOND_REMOVE_ALL) && k == FAKE_DISCONNECT)
				continue;
			hc++;
			hk += cell((enum helper)hp, (enum fake_fault)k) == 0;
		}
		printf("matrix %s: %u cells run, %u ok\n", helper_names[hp], hc, hk);
		cells += hc;
		ok += hk;
	}
	printf("matrix helpers: %u cells run, %u ok\n", cells, ok);
	return ok == cells ? 0 : 1;
}
