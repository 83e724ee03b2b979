/* The hostile tests' fixture and main(): see hostile.h. */
#include "hostile.h"

#include <blehost/att.h>
#include <blehost/gap.h>
#include <blehost/hci.h>
#include <blehost/smp.h>

#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <unistd.h>

/* The link's security level as the victim's SMP reports it, kept at its
 * highest: "never encrypted" must hold at every event, not just the last. */
static void sample_security(struct victim *v, uint16_t handle)
{
	if (!v->h)
		return;
	struct bh_security s = bh_smp_security(bh_host_smp(v->h), handle);
	if (s.level > v->max_level)
		v->max_level = (uint8_t)s.level;
	v->bonded |= s.bonded;
}

static void ev_connected(void *ctx, uint16_t handle, bool central, const bh_addr *peer)
{
	struct victim *v = ctx;
	(void)central;
	v->peer = *peer;
	v->connected++;
	v->conn = handle;
	sample_security(v, handle);
}

static void ev_disconnected(void *ctx, uint16_t handle, uint8_t reason)
{
	struct victim *v = ctx;
	(void)handle;
	v->disconnected++;
	v->disc_reason = reason;
}

static void ev_encryption(void *ctx, uint16_t handle, bh_status st, bool enabled)
{
	struct victim *v = ctx;
	sample_security(v, handle);
	if (st == BH_OK && enabled)
		v->enc_on++;
	else
		v->enc_fail++;
}

static void ev_paired(void *ctx, uint16_t handle, bh_status st, bool bonded)
{
	struct victim *v = ctx;
	sample_security(v, handle);
	v->bonded |= bonded;
	v->pair_status = st;
	if (st == BH_OK)
		v->paired++;
	else
		v->pair_failed++;
}

static void ev_fatal(void *ctx, bh_status reason)
{
	struct victim *v = ctx;
	v->fatal++;
	fprintf(stderr, "victim: fatal %s\n", bh_strerror(reason));
}

static void ev_log(void *ctx, enum bh_log_level lvl, const char *layer, const char *msg)
{
	(void)ctx;
	if (lvl <= BH_LOG_WARN || getenv("HOSTILE_VERBOSE"))
		fprintf(stderr, "  [victim %s] %s\n", layer, msg);
}

static struct bh_host *new_host_traced(struct bh_loop *loop, void *ctx, uint64_t seed,
				       const char *store, bool random_addr, const char *transport,
				       const char *trace)
{
	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.loop = loop;
	cfg.transport = transport;
	cfg.trace_path = trace;
	cfg.seeded = true;
	cfg.seed = seed;
	cfg.store_dir = store;
	cfg.use_random_address = random_addr;
	cfg.eatt_bearers = hx_victim_eatt;
	cfg.log_level = getenv("HOSTILE_VERBOSE") ? BH_LOG_DEBUG : BH_LOG_WARN;
	struct bh_host_events ev = {
		.ctx = ctx,
		.connected = ev_connected,
		.disconnected = ev_disconnected,
		.encryption_changed = ev_encryption,
		.pairing_complete = ev_paired,
		.fatal = ev_fatal,
		.log = ev_log,
	};
	char err[256] = "";
	struct bh_host *h = bh_host_new(&cfg, &ev, err, sizeof(err));
	if (!h) {
		fprintf(stderr, "cannot create host: %s\n", err);
		return NULL;
	}
	if (bh_host_start_sync(h, 5000)) {
		bh_host_free(h);
		return NULL;
	}
	return h;
}

static struct bh_host *new_host_cfg(struct bh_loop *loop, void *ctx, uint64_t seed,
				    const char *store, bool random_addr)
{
	return new_host_traced(loop, ctx, seed, store, random_addr, NULL, NULL);
}

struct bh_host *hx_victim_host(struct bh_loop *loop, struct victim *v, const char *transport,
			       const char *trace, const char *store)
{
	v->h = new_host_traced(loop, v, 7, store, false, transport, trace);
	/* Let what the host does after bring-up finish before the next step,
	 * so live and replay see the same order (as tests/live does). */
	if (v->h)
		bh_host_run_for(v->h, 20);
	return v->h;
}

static struct bh_host *new_host(struct bh_loop *loop, void *ctx, uint64_t seed)
{
	return new_host_cfg(loop, ctx, seed, "", false);
}

static int advertise(struct bh_host *h)
{
	uint8_t adv[31];
	struct bh_ad_builder a;
	bh_ad_build_init(&a, adv, sizeof(adv));
	bh_ad_add_flags(&a, BH_AD_FLAG_LE_GENERAL | BH_AD_FLAG_NO_BREDR);
	bh_ad_add_name(&a, "victim", true);
	struct bh_gap_adv_params p = { .kind = BH_GAP_ADV_CONN, .data = adv, .data_len = a.len,
				       .restart_on_disconnect = true };
	return bh_gap_adv_start(bh_host_gap(h), &p, NULL, NULL);
}

void hx_victim_serve(struct victim *v)
{
	assert_int_equal(demo_db_add(bh_host_gatt_server(v->h), &v->dh), BH_OK);
	assert_int_equal(advertise(v->h), 0);
}

static const char *btvirt(void)
{
	const char *p = getenv("BTVIRT_SOCKET");
	return p ? p : "/tmp/bt-server-le";
}

static struct hx *hx_new(bool central, bool store)
{
	struct hx *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	x->central = central;
	x->loop = bh_loop_new();
	assert_non_null(x->loop);
	if (store) {
		strcpy(x->store, "/tmp/hostile-bonds-XXXXXX");
		assert_non_null(mkdtemp(x->store));
	}
	const char *trace = NULL;
	if (hx_record_dir && hx_case_name && hx_replay_case(hx_case_name)) {
		snprintf(x->trace_full, sizeof(x->trace_full), "%s/hostile-%s.full.btsnoop",
			 hx_record_dir, hx_case_name);
		trace = x->trace_full;
	}
	assert_non_null(hx_victim_host(x->loop, &x->v, NULL, trace, x->store));
	x->e = evil_open(btvirt(), x->loop);
	assert_non_null(x->e);
	return x;
}

unsigned hx_victim_eatt;

int hx_setup_peripheral(void **state)
{
	struct hx *x = hx_new(false, false);
	hx_victim_serve(&x->v);
	evil_run(x->e, 30);
	const bh_addr *va = &bh_hci_info(bh_host_hci(x->v.h))->bdaddr;
	assert_int_equal(evil_connect(x->e, va, 5000), 0);
	for (int i = 0; i < 50 && !x->v.connected; i++)
		evil_run(x->e, 20);
	assert_int_equal(x->v.connected, 1);
	*state = x;
	return 0;
}

int hx_setup_central(void **state)
{
	struct hx *x = hx_new(true, false);
	assert_int_equal(evil_advertise(x->e), 0);
	bh_addr a = evil_state(x->e)->addr;
	uint16_t conn = 0;
	int rc = bh_host_connect_sync(x->v.h, &a, 5000, &conn);
	if (rc)
		fprintf(stderr, "victim connect: %s\n", bh_strerror(rc));
	assert_int_equal(rc, 0);
	assert_int_equal(evil_wait_connected(x->e, 3000), 0);
	x->v.conn = conn;
	*state = x;
	return 0;
}

static bh_addr bonded_addr;

bh_addr hx_bonded_addr(const struct hx *x)
{
	(void)x;
	return bonded_addr;
}

int hx_setup_bonded(void **state)
{
	struct hx *x = hx_new(false, true);
	assert_int_equal(demo_db_add(bh_host_gatt_server(x->v.h), &x->v.dh), BH_OK);
	assert_int_equal(advertise(x->v.h), 0);
	bh_host_run_for(x->v.h, 30);
	struct victim good = { 0 };
	good.h = new_host_cfg(x->loop, &good, 9, "", true);
	assert_non_null(good.h);
	const bh_addr *va = &bh_hci_info(bh_host_hci(x->v.h))->bdaddr;
	uint16_t conn = 0;
	assert_int_equal(bh_host_connect_sync(good.h, va, 5000, &conn), 0);
	int rc = bh_host_pair_sync(good.h, conn, 10000);
	if (rc)
		fprintf(stderr, "bonding with the victim: %s\n", bh_strerror(rc));
	assert_int_equal(rc, 0);
	for (int i = 0; i < 100 && !x->v.paired; i++)
		bh_host_run_for(x->v.h, 20);
	assert_int_equal(x->v.paired, 1);
	uint8_t buf[64];
	size_t len = 0;
	assert_int_equal(bh_host_read_sync(good.h, conn, x->v.dh.encrypted, buf, sizeof(buf), &len),
			 0);
	assert_int_equal(len, 16); /* "encrypted secret" */
	/* The identity the victim bonded with, as its controller reported it. */
	bonded_addr = x->v.peer;
	bh_addr own = bh_gap_own_address(bh_host_gap(good.h));
	fprintf(stderr, "  bonded central: victim saw type %u %02x:%02x..:%02x, own type %u\n",
		bonded_addr.type, bonded_addr.val[5], bonded_addr.val[4], bonded_addr.val[0],
		own.type);
	assert_int_equal(bonded_addr.type, BH_ADDR_RANDOM);
	assert_int_equal(bh_host_disconnect_sync(good.h, conn, 0x13, 3000), 0);
	bh_host_run_for(good.h, 100);
	bh_host_free(good.h);
	x->v.paired = 0;
	x->v.enc_on = 0;
	x->v.connected = 0;
	*state = x;
	return 0;
}

static void remove_store(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	char p[512];
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			unlink(p);
		}
	closedir(d);
	rmdir(dir);
}

/* A well-behaved blehost central connects to the victim peripheral afresh
 * and reads a characteristic: the victim still serves peers. */
static void fresh_peer_check(struct hx *x)
{
	struct victim good = { 0 };
	good.h = new_host(x->loop, &good, 8);
	assert_non_null(good.h);
	const bh_addr *va = &bh_hci_info(bh_host_hci(x->v.h))->bdaddr;
	uint16_t conn = 0;
	int rc = bh_host_connect_sync(good.h, va, 5000, &conn);
	if (rc)
		fprintf(stderr, "FAIL fresh connection to the victim: %s\n", bh_strerror(rc));
	assert_int_equal(rc, 0);
	uint8_t buf[32];
	size_t len = 0;
	rc = bh_host_read_sync(good.h, conn, x->v.dh.sensor_location, buf, sizeof(buf), &len);
	if (rc)
		fprintf(stderr, "FAIL fresh read from the victim: %s\n", bh_strerror(rc));
	assert_int_equal(rc, 0);
	assert_int_equal(len, 1);
	assert_int_equal(buf[0], 0x01);
	assert_int_equal(bh_host_disconnect_sync(good.h, conn, 0x13, 3000), 0);
	bh_host_run_for(good.h, 100);
	bh_host_free(good.h);
}

/* The victim central connects afresh to a well-behaved blehost peripheral
 * and reads a characteristic: the victim still works as a client. */
static void fresh_peripheral_check(struct hx *x)
{
	struct victim good = { 0 };
	good.h = new_host(x->loop, &good, 10);
	assert_non_null(good.h);
	assert_int_equal(demo_db_add(bh_host_gatt_server(good.h), &good.dh), BH_OK);
	assert_int_equal(advertise(good.h), 0);
	bh_host_run_for(good.h, 30);
	const bh_addr *ga = &bh_hci_info(bh_host_hci(good.h))->bdaddr;
	uint16_t conn = 0;
	int rc = bh_host_connect_sync(x->v.h, ga, 5000, &conn);
	if (rc)
		fprintf(stderr, "FAIL victim central: fresh connection: %s\n", bh_strerror(rc));
	assert_int_equal(rc, 0);
	uint8_t buf[32];
	size_t len = 0;
	rc = bh_host_read_sync(x->v.h, conn, good.dh.sensor_location, buf, sizeof(buf), &len);
	if (rc)
		fprintf(stderr, "FAIL victim central: fresh read: %s\n", bh_strerror(rc));
	assert_int_equal(rc, 0);
	assert_int_equal(len, 1);
	assert_int_equal(buf[0], 0x01);
	assert_int_equal(bh_host_disconnect_sync(x->v.h, conn, 0x13, 3000), 0);
	bh_host_run_for(good.h, 100);
	bh_host_free(good.h);
}

int hx_teardown(void **state)
{
	struct hx *x = *state;
	if (!x)
		return 0;
	unsigned before = x->v.disconnected;
	if (evil_state(x->e)->connected) {
		assert_int_equal(evil_disconnect(x->e, 0x13, 3000), 0);
		for (int i = 0; i < 50 && x->v.disconnected == before; i++)
			evil_run(x->e, 20);
		assert_int_equal(x->v.disconnected, before + 1);
	}
	evil_close(x->e);
	assert_int_equal(x->v.fatal, 0);
	if (x->central)
		fresh_peripheral_check(x);
	else
		fresh_peer_check(x);
	bh_host_free(x->v.h);
	bh_loop_free(x->loop);
	if (x->store[0])
		remove_store(x->store);
	if (x->trace_full[0])
		unlink(x->trace_full);
	free(x);
	*state = NULL;
	return 0;
}

int hx_att(struct hx *x, const uint8_t *pdu, size_t len, uint8_t *rsp, size_t cap, unsigned ms)
{
	assert_int_equal(evil_l2cap(x->e, EVIL_CID_ATT, pdu, len), 0);
	return evil_recv(x->e, EVIL_CID_ATT, rsp, cap, ms);
}

int hx_smp(struct hx *x, const uint8_t *pdu, size_t len, uint8_t *rsp, size_t cap, unsigned ms)
{
	assert_int_equal(evil_l2cap(x->e, EVIL_CID_SMP, pdu, len), 0);
	return evil_recv(x->e, EVIL_CID_SMP, rsp, cap, ms);
}

void hx_expect_att_error(const uint8_t *rsp, int n, uint8_t req_opcode, uint16_t handle,
			 uint8_t code)
{
	if (n != 5 || rsp[0] != 0x01 || rsp[1] != req_opcode ||
	    (rsp[2] | rsp[3] << 8) != handle || rsp[4] != code) {
		fprintf(stderr, "FAIL: want Error Response (req 0x%02x handle 0x%04x code 0x%02x), got",
			req_opcode, handle, code);
		for (int i = 0; i < n && i < 16; i++)
			fprintf(stderr, " %02x", rsp[i]);
		fprintf(stderr, n < 0 ? " nothing\n" : "\n");
		fail();
	}
}

void hx_expect_link_alive(struct hx *x)
{
	evil_flush(x->e);
	uint8_t req[3] = { 0x0a, HX_LE16(x->v.dh.sensor_location) }, rsp[64];
	int n = hx_att(x, req, sizeof(req), rsp, sizeof(rsp), 2000);
	if (n != 2 || rsp[0] != 0x0b || rsp[1] != 0x01) {
		fprintf(stderr, "FAIL: the link no longer serves a plain Read Request (n=%d op=%02x)\n",
			n, n > 0 ? rsp[0] : 0);
		fail();
	}
}

int main(int argc, char **argv)
{
	struct {
		const struct CMUnitTest *t;
		size_t n;
	} groups[] = { { hx_l2cap_att_tests, hx_n_l2cap_att_tests },
		       { hx_smp_sig_tests, hx_n_smp_sig_tests },
		       { hx_bond_tests, hx_n_bond_tests },
		       { hx_ecfc_tests, hx_n_ecfc_tests } };
	const size_t ngroups = sizeof(groups) / sizeof(groups[0]);
	if (argc == 2 && !strcmp(argv[1], "list")) {
		for (size_t g = 0; g < ngroups; g++)
			for (size_t i = 0; i < groups[g].n; i++)
				printf("%s\n", groups[g].t[i].name);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "replay"))
		return hx_replay_main(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "replay-tampered"))
		return hx_replay_tampered_main(argv[2], argv[3], argv[4]);
	if (argc == 3)
		hx_record_dir = argv[2];
	else if (argc != 2) {
		fprintf(stderr, "usage: %s list | CASE|all [RECORD_DIR] | replay CASE TRACE | "
				"replay-tampered CASE TRACE TMPDIR\n",
			argv[0]);
		return 2;
	}
	int failed = 0, ran = 0;
	for (size_t g = 0; g < ngroups; g++)
		for (size_t i = 0; i < groups[g].n; i++) {
			if (strcmp(argv[1], "all") && strcmp(argv[1], groups[g].t[i].name))
				continue;
			struct CMUnitTest one[1] = { groups[g].t[i] };
			hx_case_name = groups[g].t[i].name;
			failed += _cmocka_run_group_tests(groups[g].t[i].name, one, 1, NULL, NULL);
			ran++;
		}
	if (!ran) {
		fprintf(stderr, "no such case: %s\n", argv[1]);
		return 2;
	}
	return failed ? 1 : 0;
}
