/* Loop sources the host cannot add, through whole hosts on the fake
 * controller (tests/faults): the add fails for real, in the loop, as its
 * source table cannot grow (tests/harness/fail_alloc.h, fail_size).
 *
 * The loop's source table starts at 8 entries and doubles; the test fills
 * it with sources of its own so that the add under test is the one that
 * must grow it, and fails exactly that allocation (its size is read off
 * a scratch loop's first table, not assumed). The host's own sources:
 * its transport's input source, the chipset's (when it has a chipset),
 * the stack's, one per EATT bearer, added in that order.
 *
 * - The chipset driver's source (host_chipset.c): bh_host_new fails with
 *   "out of memory", no host, no descriptor and no memory left behind; the
 *   same start with memory back brings a host with that chipset up.
 * - An EATT bearer's source (host_eatt.c): the peer's request was
 *   answered (the channel exists at L2CAP), then the bearer is refused
 *   and its channel closed with a Disconnection Request; the link stays,
 *   and the next request, memory back, opens a bearer.
 * - The same as central, on the channels the host asked for itself when
 *   the link was encrypted: of the two the peer accepts, the first
 *   becomes a bearer, the second's source cannot be added; that channel
 *   alone is closed, the link and the first bearer stay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <blehost/blehost.h>
#include <blehost/smp.h>

#include "fail_alloc.h"
#include "fake_host.h"

static int dummy;

static bh_time_ms dummy_deadline(void *arg)
{
	(void)arg;
	return BH_NEVER;
}

static void dummy_run(void *arg) { (void)arg; }

static void add_dummies(struct bh_loop *l, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(bh_loop_add_source(l, dummy_deadline, dummy_run, &dummy), 0);
}

/* The size of the source table once it grows from 8 entries to 16: twice
 * the first table's, which a scratch loop's first add allocates. */
static size_t table16_size(void)
{
	struct bh_loop *l = bh_loop_new();
	assert_non_null(l);
	unsigned before = alloc_count;
	add_dummies(l, 1);
	assert_int_equal(alloc_count, before + 1);
	size_t size8 = alloc_log[(alloc_count - 1) % FAIL_ALLOC_LOG].n;
	bh_loop_free(l);
	assert_true(size8 >= 8 && size8 % 8 == 0);
	return 2 * size8;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* ---- the chipset driver's source ---- */

static void chipset_config(struct fake_host *fh, struct bh_host_config *cfg,
			   struct bh_host_events *ev)
{
	fake_host_init(fh, "HOST_SOURCES_VERBOSE", BH_LOG_ERROR);
	fake_host_config(fh, cfg, 9);
	/* A driver to run: "auto" picks the vendor at bring-up (the fake's
	 * is none the drivers know, so bring-up goes on as standard). */
	cfg->chipset = "auto";
	fake_host_events(fh, ev);
}

static void chipset_source_fails(void **state)
{
	(void)state;
#ifndef WITH_CHIPSET_SOURCE
	skip(); /* host_chipset_off.c: no driver, no source */
#endif
	size_t size16 = table16_size();
	/* Once, whole, so that what a first start sets up for good (the
	 * crypto library's tables) is not counted as left behind below. */
	struct fake_host fh;
	struct bh_host_config cfg;
	struct bh_host_events ev;
	chipset_config(&fh, &cfg, &ev);
	fake_host_start(&fh, &cfg, &ev);
	assert_non_null(bh_host_chipset(fh.h));
	fake_host_fini(&fh);

	/* Bytes in use around the whole failed start, fixture included: the
	 * host posts some of its frees to the loop, which runs them as it is
	 * freed. Exact, as main turned glibc's per-thread cache off. */
	size_t in_use = mallinfo2().uordblks;
	chipset_config(&fh, &cfg, &ev);
	/* 7 and the transport's make 8: the chipset's is the 9th. */
	add_dummies(fh.loop, 7);
	int fds = count_fds();
	char err[256] = "";
	failures = 0;
	fail_size = size16;
	fh.h = bh_host_new(&cfg, &ev, err, sizeof(err));
	fail_size = 0;
	if (fh.h)
		fail_msg("the chipset's source was not added, yet bh_host_new returned a host");
	/* Two: the stack's add, next, grew the table too (the chipset's
	 * failure went unseen). */
	if (failures != 1)
		fail_msg("%u additions to a full source table failed, not one", failures);
	assert_string_equal(err, "out of memory");
	assert_int_equal(count_fds(), fds);
	fake_host_fini(&fh);
	if (mallinfo2().uordblks != in_use)
		fail_msg("%zd bytes left allocated", (ssize_t)(mallinfo2().uordblks - in_use));

	/* Memory back: the same start, on a table as full. */
	chipset_config(&fh, &cfg, &ev);
	add_dummies(fh.loop, 7);
	fake_host_start(&fh, &cfg, &ev);
	assert_int_equal(fh.ready, 1);
	assert_int_equal(fh.last_ready, BH_OK);
	assert_non_null(bh_host_chipset(fh.h));
	fake_host_fini(&fh);
}

/* ---- an EATT bearer's source ---- */

#define LINK 0x0040
#define EATT_SPSM 0x0027
static const bh_addr fake_peer = { BH_ADDR_PUBLIC, { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 } };
static const uint8_t ltk_rand[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
#define LTK_EDIV 0x1234

/* A bond with the fake's peer: as peripheral the link encrypts from it
 * when the peer asks (LE Long Term Key Request), as central the host
 * encrypts with it (LE Enable Encryption). */
static void make_store(char *store, char *hash)
{
	if (*store) /* an earlier test's */
		fake_host_remove_dir(store);
	if (*hash)
		fake_host_remove_dir(hash);
	strcpy(store, "/tmp/bh-host-sources-XXXXXX");
	strcpy(hash, "/tmp/bh-host-sources-hash-XXXXXX");
	assert_non_null(mkdtemp(store));
	assert_non_null(mkdtemp(hash));
	struct bh_bond_store *st;
	assert_int_equal(bh_bond_store_open(store, &st), BH_OK);
	static struct bh_bond b;
	memset(&b, 0, sizeof(b));
	b.identity = fake_peer;
	b.peripheral_ltk.valid = true;
	b.peripheral_ltk.key_size = 16;
	b.peripheral_ltk.ediv = LTK_EDIV;
	memcpy(b.peripheral_ltk.rand, ltk_rand, 8);
	memset(b.peripheral_ltk.ltk, 0x42, 16);
	b.central_ltk = b.peripheral_ltk;
	assert_int_equal(bh_bond_store_save(st, &b), BH_OK);
	bh_bond_store_close(st);
}

/* Encryption Change (Vol 4, Part E, 7.7.8): on, and SMP has taken it. */
static void encryption_on(struct fake_host *fh)
{
	uint8_t ec[4] = { 0x00, (uint8_t)LINK, LINK >> 8, 0x01 };
	assert_int_equal(fake_event(fh->f, 0x08, ec, sizeof(ec)), 0);
	for (int i = 0; i < 200; i++) {
		if (bh_smp_security(bh_host_smp(fh->h), LINK).level >= BH_SEC_ENCRYPTED)
			break;
		fake_run(fh->f, 5);
	}
	assert_true(bh_smp_security(bh_host_smp(fh->h), LINK).level >= BH_SEC_ENCRYPTED);
}

/* The peer (the fake, central) connects and encrypts with the bond. */
static void connect_encrypted(struct fake_host *fh)
{
	assert_int_equal(fake_connect_handle(fh->f, LINK, false), 0);
	for (int i = 0; i < 200 && !fh->connected; i++)
		fake_run(fh->f, 5);
	assert_int_equal(fh->connected, 1);
	/* LE Long Term Key Request (Vol 4, Part E, 7.7.65.5). */
	uint8_t lr[13] = { 0x05, (uint8_t)LINK, LINK >> 8 };
	memcpy(lr + 3, ltk_rand, 8);
	lr[11] = (uint8_t)LTK_EDIV;
	lr[12] = LTK_EDIV >> 8;
	assert_int_equal(fake_event(fh->f, 0x3e, lr, sizeof(lr)), 0);
	for (int i = 0; i < 200 && !fake_cmd_count(fh->f, 0x201a); i++)
		fake_run(fh->f, 5);
	uint8_t reply[18];
	assert_int_equal(fake_last_cmd(fh->f, 0x201a, reply, sizeof(reply)), 18);
	encryption_on(fh);
}

/* L2CAP_CREDIT_BASED_CONNECTION_REQ for EATT with one Source CID; returns
 * the Destination CID of the answer (0: refused). */
static uint16_t eatt_request(struct fake_host *fh, uint8_t id, uint16_t scid)
{
	uint8_t req[14] = { 0x17, id, 10, 0, (uint8_t)EATT_SPSM, EATT_SPSM >> 8, 64, 0, 64, 0,
			    10, 0, (uint8_t)scid, (uint8_t)(scid >> 8) };
	assert_int_equal(fake_l2cap_to(fh->f, LINK, 0x0005, req, sizeof(req)), 0);
	uint8_t rsp[64];
	int n = fake_recv(fh->f, 0x0005, rsp, sizeof(rsp), 2000);
	assert_int_equal(n, 14);
	assert_int_equal(rsp[0], 0x18); /* L2CAP_CREDIT_BASED_CONNECTION_RSP */
	assert_int_equal(rsp[1], id);
	assert_int_equal(rsp[10] | rsp[11] << 8, 0x0000); /* all connections successful */
	return (uint16_t)(rsp[12] | rsp[13] << 8);
}

static unsigned bearers(struct fake_host *fh)
{
	struct bh_host_eatt_info info;
	assert_int_equal(bh_host_eatt_info(fh->h, LINK, &info), 0);
	return info.bearers;
}

/* A request whose bearer cannot get its loop source (the table's growth
 * fails): answered, then refused and closed, and the close completed. */
static void refused_request(struct fake_host *fh, size_t size16, uint8_t id, uint16_t scid)
{
	failures = 0;
	fail_size = size16;
	uint16_t dcid = eatt_request(fh, id, scid);
	fake_run(fh->f, 20);
	fail_size = 0;
	assert_int_equal(failures, 1);
	assert_int_not_equal(dcid, 0); /* L2CAP opened it; the host then refused it */
	assert_int_equal(bearers(fh), 0);
	/* L2CAP_DISCONNECTION_REQ for that channel (Vol 3, Part A, 4.6). */
	uint8_t dr[64];
	int n = fake_recv(fh->f, 0x0005, dr, sizeof(dr), 2000);
	assert_int_equal(n, 8);
	assert_int_equal(dr[0], 0x06);
	assert_int_equal(dr[4] | dr[5] << 8, scid); /* its DCID: the peer's CID */
	assert_int_equal(dr[6] | dr[7] << 8, dcid); /* its SCID: the host's */
	uint8_t drsp[8] = { 0x07, dr[1], 4, 0, dr[4], dr[5], dr[6], dr[7] };
	assert_int_equal(fake_l2cap_to(fh->f, LINK, 0x0005, drsp, sizeof(drsp)), 0);
	fake_run(fh->f, 20);
	assert_int_equal(fh->disconnected, 0);
}

static char store[64], hash[64]; /* removed by main, also after a failure */

/* A host with the bond store of make_store, two EATT bearers wanted, and
 * dummies sources of the test's in its loop before its own. */
static void eatt_host(struct fake_host *fh, unsigned seed, unsigned dummies)
{
	make_store(store, hash);
	fake_host_init(fh, "HOST_SOURCES_VERBOSE", BH_LOG_ERROR);
	struct bh_host_config cfg;
	fake_host_config(fh, &cfg, seed);
	cfg.store_dir = store;
	cfg.db_hash_dir = hash;
	cfg.eatt_bearers = 2;
	struct bh_host_events ev;
	fake_host_events(fh, &ev);
	add_dummies(fh->loop, dummies);
	fake_host_start(fh, &cfg, &ev);
}

static void eatt_source_fails(void **state)
{
	(void)state;
#ifndef WITH_EATT
	skip(); /* -Dl2cap_coc=false: no bearer can open */
#endif
	size_t size16 = table16_size();
	struct fake_host fh;
	/* 6, the transport's and the stack's make 8: the bearer's is the 9th. */
	eatt_host(&fh, 11, 6);
	connect_encrypted(&fh);

	refused_request(&fh, size16, 0x31, 0x0040);
	/* Bytes in use over a second refusal (the first gave the channel slot
	 * its buffers, which L2CAP keeps): the refused bearer keeps nothing
	 * (exact: see main). */
	size_t in_use = mallinfo2().uordblks;
	refused_request(&fh, size16, 0x32, 0x0042);
	if (mallinfo2().uordblks != in_use)
		fail_msg("%zd bytes left allocated", (ssize_t)(mallinfo2().uordblks - in_use));

	/* Memory back: the next request opens a bearer on the same link. */
	uint16_t dcid2 = eatt_request(&fh, 0x33, 0x0041);
	fake_run(fh.f, 20);
	assert_int_not_equal(dcid2, 0);
	assert_int_equal(bearers(&fh), 1);
	uint8_t dr[64];
	assert_int_equal(fake_recv(fh.f, 0x0005, dr, sizeof(dr), 100), -1); /* left open */
	fake_host_fini(&fh);
}

/* The host, central, encrypts the link with the bond. */
static void connect_encrypted_central(struct fake_host *fh)
{
	assert_int_equal(fake_connect_handle(fh->f, LINK, true), 0);
	for (int i = 0; i < 200 && !fh->connected; i++)
		fake_run(fh->f, 5);
	assert_int_equal(fh->connected, 1);
	assert_int_equal(bh_smp_request_security(bh_host_smp(fh->h), LINK, BH_SEC_ENCRYPTED), 0);
	/* LE Enable Encryption (Vol 4, Part E, 7.8.24): Command Status by the
	 * fake, then Encryption Change. */
	for (int i = 0; i < 200 && !fake_cmd_count(fh->f, 0x2019); i++)
		fake_run(fh->f, 5);
	assert_int_equal(fake_cmd_count(fh->f, 0x2019), 1);
	encryption_on(fh);
}

static void eatt_central_source_fails(void **state)
{
	(void)state;
#ifndef WITH_EATT
	skip(); /* -Dl2cap_coc=false: no bearer can open */
#endif
	size_t size16 = table16_size();
	struct fake_host fh;
	/* 5, the transport's and the stack's make 7: the first bearer's is the
	 * 8th, the second's the 9th. */
	eatt_host(&fh, 12, 5);
	connect_encrypted_central(&fh);

	/* L2CAP_CREDIT_BASED_CONNECTION_REQ for EATT, two Source CIDs (Vol 3,
	 * Part A, 4.25; Part G, 5.3.2). */
	uint8_t req[64];
	int n = fake_recv(fh.f, 0x0005, req, sizeof(req), 2000);
	assert_int_equal(n, 4 + 8 + 2 * 2);
	assert_int_equal(req[0], 0x17);
	assert_int_equal(req[4] | req[5] << 8, EATT_SPSM);
	uint16_t scid[2] = { (uint16_t)(req[12] | req[13] << 8), (uint16_t)(req[14] | req[15] << 8) };
	/* L2CAP_CREDIT_BASED_CONNECTION_RSP (4.26): both accepted, MTU 64,
	 * MPS 64, 10 credits, result 0, our CIDs 0x0050 and 0x0051. */
	const uint8_t rsp[] = { 0x18, req[1], 12, 0, 64, 0, 64, 0, 10, 0, 0, 0, 0x50, 0, 0x51, 0 };
	failures = 0;
	fail_size = size16;
	assert_int_equal(fake_l2cap_to(fh.f, LINK, 0x0005, rsp, sizeof(rsp)), 0);
	fake_run(fh.f, 20);
	fail_size = 0;
	assert_int_equal(failures, 1);

	/* The first is a bearer; the second is closed: L2CAP_DISCONNECTION_REQ
	 * (4.6), its DCID ours, its SCID the host's. */
	struct bh_host_eatt_info info;
	assert_int_equal(bh_host_eatt_info(fh.h, LINK, &info), 0);
	assert_int_equal(info.bearers, 1);
	assert_int_equal(info.b[0].cid, scid[0]);
	uint8_t dr[64];
	n = fake_recv(fh.f, 0x0005, dr, sizeof(dr), 2000);
	assert_int_equal(n, 8);
	assert_int_equal(dr[0], 0x06);
	assert_int_equal(dr[4] | dr[5] << 8, 0x0051);
	assert_int_equal(dr[6] | dr[7] << 8, scid[1]);
	uint8_t drsp[8] = { 0x07, dr[1], 4, 0, dr[4], dr[5], dr[6], dr[7] };
	assert_int_equal(fake_l2cap_to(fh.f, LINK, 0x0005, drsp, sizeof(drsp)), 0);
	fake_run(fh.f, 20);
	assert_int_equal(fake_recv(fh.f, 0x0005, dr, sizeof(dr), 100), -1); /* nothing more */
	assert_int_equal(fh.disconnected, 0);
	assert_int_equal(bh_host_eatt_info(fh.h, LINK, &info), 0);
	assert_int_equal(info.bearers, 1);
	assert_int_equal(info.b[0].cid, scid[0]);
	fake_host_fini(&fh);
}

int main(int argc, char **argv)
{
	(void)argc;
	/* Freed blocks that glibc keeps in its per-thread cache still count
	 * as in use (mallinfo2): without it the count is exact. */
	static const char tunable[] = "glibc.malloc.tcache_count=0";
	const char *t = getenv("GLIBC_TUNABLES");
	if (!t || !strstr(t, tunable)) {
		char all[512];
		snprintf(all, sizeof(all), "%s%s%s", t ? t : "", t ? ":" : "", tunable);
		setenv("GLIBC_TUNABLES", all, 1);
		execv("/proc/self/exe", argv);
		perror("execv");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(chipset_source_fails),
		cmocka_unit_test(eatt_source_fails),
		cmocka_unit_test(eatt_central_source_fails),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (*store)
		fake_host_remove_dir(store);
	if (*hash)
		fake_host_remove_dir(hash);
	return rc;
}
