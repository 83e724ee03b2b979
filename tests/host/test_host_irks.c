/* The host's resolver of bonded peers' IRKs at its limits, through whole
 * hosts on the fake controller (tests/faults) and a real bond store.
 *
 * - A store with more bonds with IRKs than the resolver holds
 *   (HOST_MAX_IRKS, two past it so that "said once" means something):
 *   the start succeeds, the limit is logged exactly once, the peers loaded
 *   first resolve and the ones past the limit do not, and the store is
 *   byte for byte what it was (a start never rewrites bonds it could not
 *   resolve).
 * - A real pairing (LE legacy Just Works, played by the fake's peer,
 *   which distributes its identity) whose new IRK the resolver cannot
 *   take, full or unable to grow its table: the IRK is said to be lost
 *   until the next start, the pairing still bonds and the bond is saved;
 *   the next start resolves it.
 *
 * The big store is written with the bond codec straight to files (no
 * fsync per bond, which would take seconds), once for the whole program. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <blehost/blehost.h>
#include <blehost/gap.h>
#include <blehost/privacy.h>
#include <blehost/smp_crypto.h>

#include "bond_codec.h"
#include "fail_alloc.h"
#include "fake_host.h"
#include "host_internal.h" /* HOST_MAX_IRKS */

#define N_BONDS (HOST_MAX_IRKS + 2)
#define LIMIT_LINE "bonded peers with IRKs: the rest are not resolved"
#define KEEP_LINE "cannot keep the IRK of "

/* ---- the store ---- */

static char big_store[64]; /* N_BONDS bonds with IRKs and the local identity */
static char hash_dir[64];  /* the Database Hash file, out of the stores */

static void bond_for(unsigned i, struct bh_bond *b)
{
	memset(b, 0, sizeof(*b));
	b->identity.type = BH_ADDR_PUBLIC;
	b->identity.val[0] = (uint8_t)i;
	b->identity.val[1] = (uint8_t)(i >> 8);
	b->identity.val[5] = 0xa0;
	b->has_irk = true;
	memset(b->irk, 0x5a, 16);
	b->irk[0] = (uint8_t)i;
	b->irk[1] = (uint8_t)(i >> 8);
	b->central_ltk.valid = true;
	b->central_ltk.key_size = 16;
	memset(b->central_ltk.ltk, 0x42, 16);
}

static void write_file(const char *dir, const char *name, const char *data, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void make_big_store(void)
{
	/* In memory where there is a tmpfs: thousands of opens per pass over
	 * the store cost several times more on a disk shared with a busy
	 * build. */
	bool shm = access("/dev/shm", W_OK | X_OK) == 0;
	strcpy(big_store, shm ? "/dev/shm/bh-host-irks-XXXXXX" : "/tmp/bh-host-irks-XXXXXX");
	strcpy(hash_dir, "/tmp/bh-host-irks-hash-XXXXXX");
	assert_non_null(mkdtemp(big_store));
	assert_non_null(mkdtemp(hash_dir));
	static char buf[BH_BOND_FILE_MAX];
	size_t len;
	struct bh_local_identity id = { .irk = { 0x11, 0x22 },
					.static_addr = { BH_ADDR_RANDOM, { 1, 2, 3, 4, 5, 0xc1 } } };
	assert_true(bh_local_identity_encode(&id, buf, sizeof(buf), &len));
	write_file(big_store, "local_identity", buf, len);
	static struct bh_bond b;
	for (unsigned i = 0; i < N_BONDS; i++) {
		bond_for(i, &b);
		assert_true(bh_bond_encode(&b, buf, sizeof(buf), &len));
		char name[32];
		snprintf(name, sizeof(name), "%02x%02x%02x%02x%02x%02x-public.bond",
			 b.identity.val[5], b.identity.val[4], b.identity.val[3],
			 b.identity.val[2], b.identity.val[1], b.identity.val[0]);
		write_file(big_store, name, buf, len);
	}
}

/* Every entry of a directory, with its contents. */
struct entry {
	char name[256];
	char *data;
	size_t len;
	struct stat st; /* a rewrite with the same bytes is a new inode */
};
struct snapshot {
	struct entry *e;
	size_t n;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static struct snapshot take_snapshot(const char *dir)
{
	struct snapshot s = { calloc(N_BONDS + 16, sizeof(struct entry)), 0 };
	assert_non_null(s.e);
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		assert_true(s.n < N_BONDS + 16);
		struct entry *e = &s.e[s.n++];
		snprintf(e->name, sizeof(e->name), "%s", de->d_name);
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		FILE *fp = fopen(path, "rb");
		assert_non_null(fp);
		static char buf[BH_BOND_FILE_MAX];
		e->len = fread(buf, 1, sizeof(buf), fp);
		assert_int_equal(fstat(fileno(fp), &e->st), 0);
		fclose(fp);
		e->data = malloc(e->len + 1);
		assert_non_null(e->data);
		memcpy(e->data, buf, e->len);
	}
	closedir(d);
	qsort(s.e, s.n, sizeof(s.e[0]), by_name);
	return s;
}

static void free_snapshot(struct snapshot *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->e[i].data);
	free(s->e);
}

static void assert_same(const struct snapshot *a, const struct snapshot *b)
{
	if (a->n != b->n)
		fail_msg("the store held %zu entries, now %zu", a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->e[i].name, b->e[i].name) || a->e[i].len != b->e[i].len ||
		    memcmp(a->e[i].data, b->e[i].data, a->e[i].len))
			fail_msg("%s changed", a->e[i].name);
		else if (a->e[i].st.st_ino != b->e[i].st.st_ino ||
			 a->e[i].st.st_mode != b->e[i].st.st_mode ||
			 a->e[i].st.st_mtim.tv_sec != b->e[i].st.st_mtim.tv_sec ||
			 a->e[i].st.st_mtim.tv_nsec != b->e[i].st.st_mtim.tv_nsec)
			fail_msg("%s was rewritten or its mode changed", a->e[i].name);
}

/* ---- a host on a store ---- */

struct fx {
	struct fake_host fh; /* first: the events' ctx */
	unsigned limit_lines, keep_lines;
	char keep_line[256];
	unsigned paired;
	bh_status pair_status;
	bool bonded;
};

static void ev_paired(void *ctx, uint16_t handle, bh_status st, bool bonded)
{
	struct fx *x = ctx;
	(void)handle;
	x->paired++;
	x->pair_status = st;
	x->bonded = bonded;
}

static void ev_log(void *ctx, enum bh_log_level lvl, const char *layer, const char *msg)
{
	struct fx *x = ctx;
	if (strstr(msg, LIMIT_LINE))
		x->limit_lines++;
	if (strstr(msg, KEEP_LINE)) {
		x->keep_lines++;
		snprintf(x->keep_line, sizeof(x->keep_line), "%s", msg);
	}
	if (lvl <= BH_LOG_ERROR || getenv("HOST_IRKS_VERBOSE"))
		fprintf(stderr, "  [host %s] %s\n", layer, msg);
}

static void fx_start(struct fx *x, const char *store)
{
	memset(x, 0, sizeof(*x));
	fake_host_init(&x->fh, "HOST_IRKS_VERBOSE", BH_LOG_ERROR);
	struct bh_host_config cfg;
	fake_host_config(&x->fh, &cfg, 5);
	cfg.store_dir = store;
	cfg.db_hash_dir = hash_dir;
	struct bh_host_events ev;
	fake_host_events(&x->fh, &ev);
	ev.log = ev_log;
	ev.pairing_complete = ev_paired;
	fake_host_start(&x->fh, &cfg, &ev);
	assert_int_equal(x->fh.ready, 1);
	assert_int_equal(x->fh.last_ready, BH_OK);
}

/* The identity the host gives a link from rpa (LE Connection Complete,
 * the host peripheral), then the link ends. */
static bh_addr link_identity(struct fx *x, uint16_t handle, const bh_addr *rpa)
{
	uint8_t cc[19] = { 0x01, 0x00, (uint8_t)handle, (uint8_t)(handle >> 8), 0x01, 0x01 };
	memcpy(cc + 6, rpa->val, 6);
	cc[12] = 0x28;
	cc[16] = 0x90;
	cc[17] = 0x01;
	unsigned before = x->fh.connected, gone = x->fh.disconnected;
	assert_int_equal(fake_event(x->fh.f, 0x3e, cc, sizeof(cc)), 0);
	for (int i = 0; i < 200 && x->fh.connected == before; i++)
		fake_run(x->fh.f, 5);
	assert_int_equal(x->fh.connected, before + 1);
	const struct bh_gap_conn *gc = bh_gap_conn_get(bh_host_gap(x->fh.h), handle);
	assert_non_null(gc);
	bh_addr id = gc->peer_identity;
	uint8_t dc[4] = { 0, (uint8_t)handle, (uint8_t)(handle >> 8), 0x13 };
	assert_int_equal(fake_event(x->fh.f, 0x05, dc, 4), 0);
	for (int i = 0; i < 200 && x->fh.disconnected == gone; i++)
		fake_run(x->fh.f, 5);
	assert_int_equal(x->fh.disconnected, gone + 1);
	return id;
}

static bh_addr rpa_of(const uint8_t irk[16])
{
	static const uint8_t rnd[3] = { 0x12, 0x34, 0x56 };
	bh_addr rpa;
	assert_int_equal(bh_rpa_make(irk, rnd, &rpa), BH_OK);
	return rpa;
}

/* Does a link from an RPA of bond i's IRK come out as bond i? */
static bool resolves(struct fx *x, uint16_t handle, const struct bh_bond *b)
{
	bh_addr rpa = rpa_of(b->irk);
	bh_addr id = link_identity(x, handle, &rpa);
	if (bh_addr_eq(&id, &rpa))
		return false;
	assert_int_equal(id.type & 1, BH_ADDR_PUBLIC);
	assert_memory_equal(id.val, b->identity.val, 6);
	return true;
}

/* The store's own load order (unspecified, but the same for a directory
 * nobody changed): the host loads in it, so its first HOST_MAX_IRKS
 * bonds are the ones resolved. */
struct order {
	struct bh_bond *b;
	size_t n;
};

static int collect(void *ctx, const struct bh_bond *b)
{
	struct order *o = ctx;
	assert_true(o->n < N_BONDS);
	o->b[o->n++] = *b;
	return 0;
}

static struct order load_order(const char *dir)
{
	struct order o = { calloc(N_BONDS, sizeof(struct bh_bond)), 0 };
	assert_non_null(o.b);
	struct bh_bond_store *st;
	assert_int_equal(bh_bond_store_open(dir, &st), BH_OK);
	assert_int_equal(bh_bond_store_load_all(st, collect, &o), BH_OK);
	bh_bond_store_close(st);
	assert_int_equal(o.n, N_BONDS);
	return o;
}

/* ---- cases ---- */

static void start_past_irk_limit(void **state)
{
	(void)state;
	struct snapshot before = take_snapshot(big_store);
	assert_int_equal(before.n, N_BONDS + 1);
	struct order o = load_order(big_store);
	static struct fx x;
	fx_start(&x, big_store);
	assert_int_equal(x.limit_lines, 1);
	assert_int_equal(bh_host_bond_list(x.fh.h, NULL, 0), N_BONDS);
	/* The first and the last within the limit resolve; both past it
	 * stay their private addresses. */
	assert_true(resolves(&x, 0x40, &o.b[0]));
	assert_true(resolves(&x, 0x41, &o.b[HOST_MAX_IRKS - 1]));
	assert_false(resolves(&x, 0x42, &o.b[HOST_MAX_IRKS]));
	assert_false(resolves(&x, 0x43, &o.b[HOST_MAX_IRKS + 1]));
	fake_host_fini(&x.fh);
	struct snapshot after = take_snapshot(big_store);
	assert_same(&before, &after);
	free_snapshot(&before);
	free_snapshot(&after);
	free(o.b);
}

/* The bond of a peer just paired, as SMP hands it to the host. */
static void new_bond(struct bh_bond *b)
{
	bond_for(0xbeef, b);
	b->identity.val[5] = 0xb0;
}

static bool in_store(const char *dir, const struct bh_bond *b)
{
	struct bh_bond_store *st;
	assert_int_equal(bh_bond_store_open(dir, &st), BH_OK);
	static struct bh_bond got;
	bool found = bh_bond_store_find(st, &b->identity, &got) == BH_OK;
	bh_bond_store_close(st);
	if (found)
		assert_memory_equal(got.irk, b->irk, 16);
	return found;
}

static void smp_to_host(struct fx *x, uint16_t handle, const uint8_t *pdu, size_t len)
{
	assert_int_equal(fake_l2cap_to(x->fh.f, handle, 0x0006, pdu, len), 0);
}

/* The next SMP PDU from the host: its code and length checked. */
static void smp_from_host(struct fx *x, uint8_t code, uint8_t *pdu, int len)
{
	uint8_t buf[80];
	int n = fake_recv(x->fh.f, 0x0006, buf, sizeof(buf), 2000);
	if (n != len || buf[0] != code)
		fail_msg("SMP: wanted code 0x%02x (%d octets), got %d octets, code 0x%02x", code,
			 len, n, n > 0 ? buf[0] : 0);
	memcpy(pdu, buf, (size_t)n);
}

/* LE legacy pairing, Just Works, played by the fake's peer as central on
 * a link from its public address: the host (peripheral) distributes its
 * LTK, the peer its identity (b's IRK and address) - a new bond with an
 * IRK, as any phone pairing makes (Vol 3, Part H, 2.3.5.5, 3.6). */
static void pair_legacy(struct fx *x, uint16_t handle, const struct bh_bond *b)
{
	assert_int_equal(fake_connect_handle(x->fh.f, handle, false), 0);
	for (int i = 0; i < 200 && !x->fh.connected; i++)
		fake_run(x->fh.f, 5);
	assert_int_equal(x->fh.connected, 1);
	const struct bh_gap_conn *gc = bh_gap_conn_get(bh_host_gap(x->fh.h), handle);
	assert_non_null(gc);
	bh_addr ia = gc->peer, ra = gc->local;

	/* NoInputNoOutput, no OOB, bonding without MITM or SC, 16 octets;
	 * the peer gives IdKey, the host EncKey. */
	const uint8_t preq[7] = { 0x01, 0x03, 0x00, 0x01, 16, 0x02, 0x01 };
	uint8_t pres[7], pdu[17], sconfirm[16];
	smp_to_host(x, handle, preq, 7);
	smp_from_host(x, 0x02, pres, 7);
	assert_int_equal(pres[5], 0x02); /* the peer's IRK wanted */
	assert_int_equal(pres[6], 0x01);
	static const uint8_t tk[16];
	uint8_t mrand[16], mconfirm[16], stk[16];
	memset(mrand, 0x3c, 16);
	assert_int_equal(bh_smp_c1(tk, mrand, preq, pres, ia.type & 1, ia.val, ra.type & 1,
				   ra.val, mconfirm), BH_OK);
	pdu[0] = 0x03;
	memcpy(pdu + 1, mconfirm, 16);
	smp_to_host(x, handle, pdu, 17);
	smp_from_host(x, 0x03, pdu, 17);
	memcpy(sconfirm, pdu + 1, 16);
	pdu[0] = 0x04;
	memcpy(pdu + 1, mrand, 16);
	smp_to_host(x, handle, pdu, 17);
	smp_from_host(x, 0x04, pdu, 17);
	uint8_t check[16];
	assert_int_equal(bh_smp_c1(tk, pdu + 1, preq, pres, ia.type & 1, ia.val, ra.type & 1,
				   ra.val, check), BH_OK);
	assert_memory_equal(check, sconfirm, 16);
	assert_int_equal(bh_smp_s1(tk, pdu + 1, mrand, stk), BH_OK);

	/* The link encrypts with the STK: LE Long Term Key Request with
	 * Rand and EDIV zero, the host's reply, Encryption Change. */
	uint8_t lr[13] = { 0x05, (uint8_t)handle, (uint8_t)(handle >> 8) };
	unsigned replies = fake_cmd_count(x->fh.f, 0x201a);
	assert_int_equal(fake_event(x->fh.f, 0x3e, lr, sizeof(lr)), 0);
	for (int i = 0; i < 200 && fake_cmd_count(x->fh.f, 0x201a) == replies; i++)
		fake_run(x->fh.f, 5);
	uint8_t reply[18];
	assert_int_equal(fake_last_cmd(x->fh.f, 0x201a, reply, sizeof(reply)), 18);
	assert_memory_equal(reply + 2, stk, 16);
	uint8_t ec[4] = { 0x00, (uint8_t)handle, (uint8_t)(handle >> 8), 0x01 };
	assert_int_equal(fake_event(x->fh.f, 0x08, ec, sizeof(ec)), 0);

	/* The host's keys (Encryption Information, Central Identification),
	 * then the peer's (Identity Information, Identity Address
	 * Information). */
	smp_from_host(x, 0x06, pdu, 17);
	smp_from_host(x, 0x07, pdu, 11);
	pdu[0] = 0x08;
	memcpy(pdu + 1, b->irk, 16);
	smp_to_host(x, handle, pdu, 17);
	pdu[0] = 0x09;
	pdu[1] = b->identity.type & 1;
	memcpy(pdu + 2, b->identity.val, 6);
	smp_to_host(x, handle, pdu, 8);
	for (int i = 0; i < 200 && !x->paired; i++)
		fake_run(x->fh.f, 5);
	assert_int_equal(x->paired, 1);
}

/* A pairing with the resolver full: the IRK is said lost, the bond is
 * still saved (the pairing bonded), its RPA does not resolve on this
 * start; the next start, the limit still reached, says the limit again. */
static void pairing_past_irk_limit(void **state)
{
	(void)state;
#ifndef WITH_SMP_LEGACY
	skip(); /* -Dsmp_legacy=false: the peer here pairs legacy */
#endif
	static struct fx x;
	fx_start(&x, big_store);
	static struct bh_bond b;
	new_bond(&b);
	assert_false(in_store(big_store, &b));
	pair_legacy(&x, 0x40, &b);
	assert_int_equal(x.pair_status, BH_OK);
	assert_true(x.bonded);
	assert_int_equal(x.keep_lines, 1);
	char a[BH_ADDR_STRLEN];
	assert_non_null(strstr(x.keep_line, bh_addr_str(&b.identity, a)));
	assert_non_null(strstr(x.keep_line, bh_strerror(BH_ENOSPACE)));
	assert_true(in_store(big_store, &b));
	assert_false(resolves(&x, 0x41, &b));
	fake_host_fini(&x.fh);
	struct bh_bond_store *st;
	assert_int_equal(bh_bond_store_open(big_store, &st), BH_OK);
	assert_int_equal(bh_bond_store_delete(st, &b.identity), BH_OK);
	bh_bond_store_close(st);
}

/* The size of the resolver's first table: a scratch resolver's first add
 * allocates it (not assumed: its entries are private). */
static size_t resolver_table_size(void)
{
	struct bh_resolver *r = bh_resolver_new(HOST_MAX_IRKS);
	assert_non_null(r);
	static struct bh_bond b;
	bond_for(1, &b);
	unsigned before = alloc_count;
	assert_int_equal(bh_resolver_add(r, &b.identity, b.irk), BH_OK);
	assert_int_equal(alloc_count, before + 1);
	size_t n = alloc_log[(alloc_count - 1) % FAIL_ALLOC_LOG].n;
	bh_resolver_free(r);
	return n;
}

static char small_store[64]; /* removed by main, also after a failure */

/* A pairing whose new IRK the resolver cannot take, its table unable to
 * grow (its first: no bond had an IRK): the IRK is said lost for want of
 * memory, the pairing still bonds and the bond is saved, and the next
 * start resolves it ("until the next start"). */
static void pairing_irk_no_memory(void **state)
{
	(void)state;
#ifndef WITH_SMP_LEGACY
	skip(); /* -Dsmp_legacy=false: the peer here pairs legacy */
#endif
	size_t table = resolver_table_size();
	strcpy(small_store, "/tmp/bh-host-irks-small-XXXXXX");
	assert_non_null(mkdtemp(small_store));
	static struct fx x;
	fx_start(&x, small_store);
	static struct bh_bond b;
	new_bond(&b);
	failures = 0;
	fail_size = table;
	pair_legacy(&x, 0x40, &b);
	fail_size = 0;
	assert_int_equal(failures, 1);
	assert_int_equal(x.pair_status, BH_OK);
	assert_true(x.bonded);
	assert_int_equal(x.keep_lines, 1);
	assert_non_null(strstr(x.keep_line, bh_strerror(BH_ENOMEM)));
	assert_true(in_store(small_store, &b));
	assert_false(resolves(&x, 0x41, &b));
	fake_host_fini(&x.fh);

	fx_start(&x, small_store);
	assert_int_equal(x.keep_lines, 0);
	assert_true(resolves(&x, 0x40, &b));
	fake_host_fini(&x.fh);
}

int main(void)
{
	make_big_store();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(start_past_irk_limit),
		cmocka_unit_test(pairing_past_irk_limit),
		cmocka_unit_test(pairing_irk_no_memory),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	fake_host_remove_dir(big_store);
	fake_host_remove_dir(hash_dir);
	if (*small_store)
		fake_host_remove_dir(small_store);
	return rc;
}
