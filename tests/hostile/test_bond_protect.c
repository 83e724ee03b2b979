/* Bond protection, live on btvirt (the CVE-2021-3436 class): a victim
 * peripheral holds an authenticated Secure Connections bond with a
 * well-behaved blehost central (numeric comparison, random static identity
 * kept in its own store). The evil peer then takes that identity as its
 * own address (LE Set Random Address) and tries every weaker pairing over
 * the bond: SC Just Works, legacy Just Works, legacy passkey, SC with a
 * shorter key. Each must get Pairing Failed with its reason before any key
 * moves, the victim's application must hear BH_EDOWNGRADE, and the bond
 * file must stay byte for byte. Finally the real central comes back (same
 * store, same identity) and re-encrypts from its bond: no new pairing, SC
 * authenticated, the protected value readable. The victim allows Just Works
 * by its own policy (mitm off), so only the downgrade rule can refuse.
 * The same with the victim as central (smp_bond_downgrade_refused_central):
 * the spoofer advertises with the bonded peripheral's identity and puts the
 * weaker pairing in its Pairing Response, where SC/legacy, the method and
 * the key size are only decided. */
#include "hostile.h"

#include <blehost/gap.h>
#include <blehost/hci.h>
#include <blehost/smp.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct party {
	struct bh_host *h;
	struct victim *v; /* the fixture's counters (victim only) */
	unsigned paired, failed, connected;
	bh_status last;
};

static void p_connected(void *ctx, uint16_t handle, bool central, const bh_addr *peer)
{
	struct party *p = ctx;
	(void)central;
	p->connected++;
	if (p->v) {
		p->v->conn = handle;
		p->v->peer = *peer;
		p->v->connected++;
	}
}

static void p_disconnected(void *ctx, uint16_t handle, uint8_t reason)
{
	struct party *p = ctx;
	(void)handle;
	if (p->v) {
		p->v->disconnected++;
		p->v->disc_reason = reason;
	}
}

static void p_paired(void *ctx, uint16_t handle, bh_status st, bool bonded)
{
	struct party *p = ctx;
	(void)handle;
	(void)bonded;
	p->last = st;
	if (st == BH_OK)
		p->paired++;
	else
		p->failed++;
}

/* Numeric comparison: both sides show the number; the test's user says yes. */
static void p_confirm(void *ctx, uint16_t handle, uint32_t number)
{
	struct party *p = ctx;
	(void)number;
	bh_host_confirm_reply(p->h, handle, true);
}

static void p_log(void *ctx, enum bh_log_level lvl, const char *layer, const char *msg)
{
	(void)ctx;
	if (lvl <= BH_LOG_WARN || getenv("HOSTILE_VERBOSE"))
		fprintf(stderr, "  [%s] %s\n", layer, msg);
}

/* good: the real device (asks for MITM protection; a random static
 * identity the spoofer can take). Else the victim (would take Just Works
 * and a 12-octet key by its own policy: only the downgrade rule refuses). */
static struct bh_host *party_host(struct bh_loop *loop, struct party *p, const char *store,
				  bool good, uint64_t seed)
{
	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.loop = loop;
	cfg.store_dir = store;
	cfg.seeded = true;
	cfg.seed = seed;
	cfg.io_cap = BH_IO_DISPLAY_YES_NO;
	cfg.mitm = good;
	cfg.min_key_size = 7;
	cfg.use_random_address = good;
	cfg.log_level = getenv("HOSTILE_VERBOSE") ? BH_LOG_DEBUG : BH_LOG_WARN;
	struct bh_host_events ev = {
		.ctx = p,
		.connected = p_connected,
		.disconnected = p_disconnected,
		.pairing_complete = p_paired,
		.confirm_number = p_confirm,
		.log = p_log,
	};
	char err[512] = "";
	p->h = bh_host_new(&cfg, &ev, err, sizeof(err));
	if (!p->h) {
		fprintf(stderr, "cannot create host: %s\n", err);
		return NULL;
	}
	if (bh_host_start_sync(p->h, 5000)) {
		bh_host_free(p->h);
		p->h = NULL;
	}
	return p->h;
}

/* The victim's one bond file: its name and bytes. */
static size_t bond_file(const char *dir, char *name, size_t ncap, uint8_t *buf, size_t cap)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	int files = 0;
	name[0] = '\0';
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "local_identity") ||
		    !strcmp(e->d_name, "gatt_db_hash")) /* the host's Database Hash */
			continue;
		files++;
		snprintf(name, ncap, "%s", e->d_name);
	}
	closedir(d);
	assert_int_equal(files, 1); /* the bond, and nothing moved aside */
	char p[600];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "rb");
	assert_non_null(f);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* The victim's bond file as it was, and the check that it still is. */
struct snap {
	char name[256];
	size_t n;
	uint8_t bytes[40000];
};
static struct snap g_before, g_now;

static void snap_take(const char *dir, struct snap *s)
{
	s->n = bond_file(dir, s->name, sizeof(s->name), s->bytes, sizeof(s->bytes));
}

static void expect_bond_unchanged(const char *dir)
{
	snap_take(dir, &g_now);
	assert_string_equal(g_before.name, g_now.name);
	assert_int_equal(g_now.n, g_before.n);
	assert_memory_equal(g_before.bytes, g_now.bytes, g_before.n); /* byte for byte */
}

/* The protected value (demo 04 needs encryption) reads, then the link ends. */
static void read_protected_and_leave(struct bh_host *h, uint16_t conn, uint16_t handle)
{
	uint8_t buf[64];
	size_t len = 0;
	assert_int_equal(bh_host_read_sync(h, conn, handle, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 16);
	assert_int_equal(bh_host_disconnect_sync(h, conn, 0x13, 3000), 0);
	bh_host_run_for(h, 100);
}

static void finish(struct bh_loop *loop, struct bh_host *a, struct bh_host *b, const char *d1,
		   const char *d2)
{
	bh_host_free(a);
	bh_host_free(b);
	bh_loop_free(loop);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", d1, d2);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", d1);
}

struct attempt {
	const char *what;
	uint8_t preq[7]; /* the spoofer's Pairing Request */
	uint8_t reason;  /* the Pairing Failed reason it must get */
};

static const struct attempt attempts[] = {
	/* IO NoInputNoOutput, bonding + SC: Just Works */
	{ "SC Just Works", { 0x01, 0x03, 0x00, 0x09, 16, 0x03, 0x03 }, 0x03 },
	/* bonding only: legacy Just Works */
	{ "legacy Just Works", { 0x01, 0x03, 0x00, 0x01, 16, 0x03, 0x03 }, 0x03 },
	/* KeyboardDisplay, bonding + MITM, no SC: legacy passkey */
	{ "legacy passkey", { 0x01, 0x04, 0x00, 0x05, 16, 0x03, 0x03 }, 0x03 },
	/* KeyboardDisplay, bonding + MITM + SC, 12-octet key: authenticated SC,
	 * only the key is shorter */
	{ "SC numeric comparison, 12-octet key", { 0x01, 0x04, 0x00, 0x0d, 12, 0x03, 0x03 },
	  0x06 },
};

static void smp_bond_downgrade_refused(void **state)
{
	(void)state;
	char vstore[] = "/tmp/bondprot-v-XXXXXX", gstore[] = "/tmp/bondprot-g-XXXXXX";
	assert_non_null(mkdtemp(vstore));
	assert_non_null(mkdtemp(gstore));
	struct bh_loop *loop = bh_loop_new();
	struct victim v = { 0 };
	struct party vp = { .v = &v }, gp = { 0 };
	assert_non_null(party_host(loop, &vp, vstore, false, 22));
	v.h = vp.h;
	hx_victim_serve(&v);
	bh_host_run_for(v.h, 30);
	const bh_addr va = bh_hci_info(bh_host_hci(v.h))->bdaddr;

	/* 1. The real central bonds: SC numeric comparison. */
	assert_non_null(party_host(loop, &gp, gstore, true, 21));
	uint16_t conn = 0;
	assert_int_equal(bh_host_connect_sync(gp.h, &va, 5000, &conn), 0);
	int rc = bh_host_pair_sync(gp.h, conn, 15000);
	if (rc)
		fprintf(stderr, "bonding: %s\n", bh_strerror(rc));
	assert_int_equal(rc, 0);
	for (int i = 0; i < 100 && !vp.paired; i++)
		bh_host_run_for(v.h, 20);
	assert_int_equal(vp.paired, 1);
	struct bh_security sec = bh_smp_security(bh_host_smp(v.h), v.conn);
	assert_int_equal(sec.level, BH_SEC_SC_AUTHENTICATED);
	const bh_addr id = v.peer; /* the central's identity, as the victim saw it */
	assert_int_equal(id.type, BH_ADDR_RANDOM);
	assert_int_equal(bh_host_disconnect_sync(gp.h, conn, 0x13, 3000), 0);
	bh_host_run_for(gp.h, 100);
	bh_host_free(gp.h);
	gp.h = NULL;

	snap_take(vstore, &g_before);
	fprintf(stderr, "  bond %s (%zu bytes) with %02X:..:%02X/random\n", g_before.name,
		g_before.n, id.val[5], id.val[0]);

	/* 2. The spoofer, with the bonded identity as its address, tries each
	 * weaker pairing on a fresh link. */
	struct evil *e = evil_open(getenv("BTVIRT_SOCKET") ? getenv("BTVIRT_SOCKET")
							  : "/tmp/bt-server-le",
				   loop);
	assert_non_null(e);
	assert_int_equal(evil_set_random_address(e, &id), 0);
	for (size_t i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++) {
		const struct attempt *a = &attempts[i];
		unsigned c0 = v.connected, d0 = v.disconnected, f0 = vp.failed;
		/* btvirt may fail a connection right after the last one ended
		 * (status 0x3e): try again, the victim advertises again */
		int crc = -1;
		for (int k = 0; k < 5 && crc; k++) {
			crc = evil_connect(e, &va, 5000);
			if (crc) {
				fprintf(stderr, "  evil connect: status 0x%02x, again\n",
					evil_state(e)->conn_status);
				evil_run(e, 200);
			}
		}
		assert_int_equal(crc, 0);
		for (int k = 0; k < 50 && v.connected == c0; k++)
			evil_run(e, 20);
		assert_int_equal(v.connected, c0 + 1);
		assert_true(bh_addr_eq(&v.peer, &id)); /* the victim sees the bonded address */
		if (i == 0) {
			/* Unencrypted, it subscribes (heart rate CCCD): what is kept
			 * with the bond must not change either. */
			uint8_t wr[5] = { 0x12, HX_LE16(v.dh.heart_rate + 1), 0x01, 0x00 }, wrsp[16];
			assert_int_equal(evil_l2cap(e, EVIL_CID_ATT, wr, sizeof(wr)), 0);
			int wn = evil_recv(e, EVIL_CID_ATT, wrsp, sizeof(wrsp), 2000);
			fprintf(stderr, "  spoofer's CCCD write -> %s\n",
				wn >= 1 && wrsp[0] == 0x13 ? "Write Response" : "refused");
		}
		assert_int_equal(evil_l2cap(e, EVIL_CID_SMP, a->preq, 7), 0);
		uint8_t rsp[80];
		int n = evil_recv(e, EVIL_CID_SMP, rsp, sizeof(rsp), 3000);
		for (int k = 0; k < 50 && vp.failed == f0; k++)
			evil_run(e, 20);
		fprintf(stderr, "  %-36s -> %s, victim: %s\n", a->what,
			n == 2 && rsp[0] == 0x05 ? bh_smp_reason_str(rsp[1]) : "no Pairing Failed",
			bh_strerror(vp.last));
		assert_int_equal(n, 2);
		assert_int_equal(rsp[0], 0x05); /* Pairing Failed, no Pairing Response */
		assert_int_equal(rsp[1], a->reason);
		assert_int_equal(vp.failed, f0 + 1);
		assert_int_equal(vp.last, BH_EDOWNGRADE);
		assert_int_equal(bh_smp_security(bh_host_smp(v.h), v.conn).level, BH_SEC_NONE);
		if (evil_disconnect(e, 0x13, 3000) != 0)
			fprintf(stderr, "evil disconnect failed: connected %d handle 0x%04x\n",
				evil_state(e)->connected, evil_state(e)->handle);
		assert_int_equal(evil_state(e)->connected, false);
		for (int k = 0; k < 50 && v.disconnected == d0; k++)
			evil_run(e, 20);
		assert_int_equal(v.disconnected, d0 + 1);
		expect_bond_unchanged(vstore);
		evil_run(e, 300); /* the victim advertises again */
	}
	evil_close(e);
	assert_int_equal(vp.paired, 1);

	/* 3. The real central is back: same store, same identity, re-encrypts
	 * from its bond (no pairing) and reads the protected value. */
	gp = (struct party){ 0 };
	assert_non_null(party_host(loop, &gp, gstore, true, 21));
	unsigned c0 = v.connected;
	assert_int_equal(bh_host_connect_sync(gp.h, &va, 5000, &conn), 0);
	for (int k = 0; k < 50 && v.connected == c0; k++)
		bh_host_run_for(gp.h, 20);
	assert_true(bh_addr_eq(&v.peer, &id));
	rc = bh_host_pair_sync(gp.h, conn, 10000);
	if (rc)
		fprintf(stderr, "re-encryption: %s\n", bh_strerror(rc));
	assert_int_equal(rc, 0);
	for (int k = 0; k < 20; k++)
		bh_host_run_for(gp.h, 10);
	sec = bh_smp_security(bh_host_smp(v.h), v.conn);
	fprintf(stderr, "  real central again: %s, key size %u, bonded %d, pairings %u/%u\n",
		bh_sec_level_str(sec.level), sec.key_size, sec.bonded, vp.paired, gp.paired);
	assert_int_equal(sec.level, BH_SEC_SC_AUTHENTICATED);
	assert_true(sec.bonded);
	assert_int_equal(vp.paired, 1); /* re-encrypted: neither side paired again */
	assert_int_equal(gp.paired, 0);
	read_protected_and_leave(gp.h, conn, v.dh.encrypted);
	expect_bond_unchanged(vstore);
	finish(loop, gp.h, v.h, vstore, gstore);
}

/* ---- the victim is the central: the weaker pairing comes in the spoofer's
 * Pairing Response (SC or legacy, the method and the key size are decided
 * only there) ---- */

static const struct attempt responses[] = {
	{ "SC Just Works", { 0x02, 0x03, 0x00, 0x09, 16, 0, 0 }, 0x03 },
	{ "legacy Just Works", { 0x02, 0x03, 0x00, 0x01, 16, 0, 0 }, 0x03 },
	{ "legacy passkey", { 0x02, 0x04, 0x00, 0x05, 16, 0, 0 }, 0x03 },
	{ "SC numeric comparison, 12-octet key", { 0x02, 0x04, 0x00, 0x0d, 12, 0, 0 }, 0x06 },
};

static int connect_retry(struct bh_host *h, const bh_addr *a, uint16_t *conn)
{
	int rc = -1;
	for (int k = 0; k < 5 && rc; k++) {
		rc = bh_host_connect_sync(h, a, 5000, conn);
		if (rc) {
			fprintf(stderr, "  connect: %s, again\n", bh_strerror(rc));
			bh_host_run_for(h, 200);
		}
	}
	return rc;
}

static void serve(struct party *p, struct demo_handles *dh)
{
	struct victim tmp = { .h = p->h };
	hx_victim_serve(&tmp);
	*dh = tmp.dh;
}

static void smp_bond_downgrade_refused_central(void **state)
{
	(void)state;
	char vstore[] = "/tmp/bondprot-v-XXXXXX", gstore[] = "/tmp/bondprot-g-XXXXXX";
	assert_non_null(mkdtemp(vstore));
	assert_non_null(mkdtemp(gstore));
	struct bh_loop *loop = bh_loop_new();
	struct victim v = { 0 };
	struct party vp = { .v = &v }, gp = { 0 };
	struct demo_handles gdh;
	assert_non_null(party_host(loop, &vp, vstore, false, 23));
	v.h = vp.h;

	/* 1. The victim bonds with the real peripheral: SC numeric comparison. */
	assert_non_null(party_host(loop, &gp, gstore, true, 24));
	serve(&gp, &gdh);
	bh_host_run_for(gp.h, 30);
	const bh_addr gid = bh_gap_own_address(bh_host_gap(gp.h));
	assert_int_equal(gid.type, BH_ADDR_RANDOM);
	uint16_t conn = 0;
	assert_int_equal(connect_retry(v.h, &gid, &conn), 0);
	int rc = bh_host_pair_sync(v.h, conn, 15000);
	if (rc)
		fprintf(stderr, "bonding: %s\n", bh_strerror(rc));
	assert_int_equal(rc, 0);
	assert_int_equal(vp.paired, 1);
	assert_int_equal(bh_smp_security(bh_host_smp(v.h), conn).level, BH_SEC_SC_AUTHENTICATED);
	assert_int_equal(bh_host_disconnect_sync(v.h, conn, 0x13, 3000), 0);
	bh_host_run_for(v.h, 100);
	bh_host_free(gp.h);
	gp.h = NULL;
	snap_take(vstore, &g_before);

	/* 2. The spoofer advertises with the bonded identity; the victim connects
	 * and pairs; the spoofer answers with a weaker Pairing Response. */
	struct evil *e = evil_open(getenv("BTVIRT_SOCKET") ? getenv("BTVIRT_SOCKET")
							  : "/tmp/bt-server-le",
				   loop);
	assert_non_null(e);
	assert_int_equal(evil_set_random_address(e, &gid), 0);
	for (size_t i = 0; i < sizeof(responses) / sizeof(responses[0]); i++) {
		const struct attempt *a = &responses[i];
		unsigned f0 = vp.failed, d0 = v.disconnected;
		assert_int_equal(evil_advertise(e), 0);
		assert_int_equal(connect_retry(v.h, &gid, &conn), 0);
		assert_int_equal(evil_wait_connected(e, 3000), 0);
		assert_int_equal(bh_smp_pair(bh_host_smp(v.h), conn, NULL), 0);
		uint8_t req[80], rsp[80];
		int n = evil_recv(e, EVIL_CID_SMP, req, sizeof(req), 3000);
		assert_int_equal(n, 7);
		assert_int_equal(req[0], 0x01);
		uint8_t pres[7];
		memcpy(pres, a->preq, 7);
		pres[5] = req[5] & 0x03; /* only what was asked for */
		pres[6] = req[6] & 0x03;
		assert_int_equal(evil_l2cap(e, EVIL_CID_SMP, pres, 7), 0);
		n = evil_recv(e, EVIL_CID_SMP, rsp, sizeof(rsp), 3000);
		for (int k = 0; k < 50 && vp.failed == f0; k++)
			evil_run(e, 20);
		fprintf(stderr, "  %-36s -> %s, victim: %s\n", a->what,
			n == 2 && rsp[0] == 0x05 ? bh_smp_reason_str(rsp[1]) : "no Pairing Failed",
			bh_strerror(vp.last));
		assert_int_equal(n, 2);
		assert_int_equal(rsp[0], 0x05); /* no Public Key, no Confirm */
		assert_int_equal(rsp[1], a->reason);
		assert_int_equal(vp.last, BH_EDOWNGRADE);
		assert_int_equal(bh_smp_security(bh_host_smp(v.h), conn).level, BH_SEC_NONE);
		assert_int_equal(evil_disconnect(e, 0x13, 3000), 0);
		for (int k = 0; k < 50 && v.disconnected == d0; k++)
			evil_run(e, 20);
		assert_int_equal(v.disconnected, d0 + 1);
		expect_bond_unchanged(vstore);
	}
	evil_close(e);

	/* 3. The real peripheral is back: the victim re-encrypts from its bond. */
	gp = (struct party){ 0 };
	assert_non_null(party_host(loop, &gp, gstore, true, 24));
	serve(&gp, &gdh);
	bh_host_run_for(gp.h, 30);
	assert_int_equal(connect_retry(v.h, &gid, &conn), 0);
	rc = bh_host_pair_sync(v.h, conn, 10000);
	if (rc)
		fprintf(stderr, "re-encryption: %s\n", bh_strerror(rc));
	assert_int_equal(rc, 0);
	struct bh_security sec = bh_smp_security(bh_host_smp(v.h), conn);
	fprintf(stderr, "  real peripheral again: %s, key size %u, bonded %d, pairings %u\n",
		bh_sec_level_str(sec.level), sec.key_size, sec.bonded, gp.paired);
	assert_int_equal(sec.level, BH_SEC_SC_AUTHENTICATED);
	assert_true(sec.bonded);
	assert_int_equal(gp.paired, 0); /* neither side paired again */
	assert_int_equal(vp.paired, 1);
	read_protected_and_leave(v.h, conn, gdh.encrypted);
	expect_bond_unchanged(vstore);
	finish(loop, gp.h, v.h, vstore, gstore);
}

const struct CMUnitTest hx_bond_tests[] = {
	cmocka_unit_test(smp_bond_downgrade_refused),
	cmocka_unit_test(smp_bond_downgrade_refused_central),
};
const size_t hx_n_bond_tests = sizeof(hx_bond_tests) / sizeof(hx_bond_tests[0]);
