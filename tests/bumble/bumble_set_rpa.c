/* Live on two Bumble virtual controllers (with-bumble.sh, BUMBLE_ARGS=
 * --ext-adv): a running advertising set follows GAP's RPA rotation.
 * Host P has privacy and rpa_timeout_ms 1 s; it starts two sets, one on
 * GAP's own address (an RPA) and one with a random static address of its
 * own. Host O scans and tells the sets apart by their data. O must see the
 * first set at three or more addresses (two changes at least), each an RPA
 * that P's IRK (read from the local_identity file of P's bond store)
 * resolves, none of them P's identity; and the second set at its static
 * address only. The first set starts on an RPA of its own, not GAP's
 * current one. A gap/ that leaves running sets on the address they
 * started with (86f4ccb) fails: one address for the first set.
 *
 * usage: bumble_set_rpa (BUMBLE_T0, BUMBLE_T1 from with-bumble.sh) */
#include "bumble_host.h"

#include <blehost/bond_store.h>
#include <blehost/gap.h>
#include <blehost/privacy.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAIL(...) do { fprintf(stderr, "bumble_set_rpa: " __VA_ARGS__); fputc('\n', stderr); \
		       return 1; } while (0)

#define ROTATE_MS 1000u
#define WANT 3    /* addresses seen for the rotating set: two changes */
#define SEEN_MAX 32

struct set {
	uint8_t handle;
	bool started;
	bh_status start_st;
	uint8_t data[31];
	size_t len;
};

struct seen {
	const struct set *rot, *fixed;
	bh_addr rot_addr[SEEN_MAX];
	unsigned n_rot;
	bh_addr fixed_addr; /* what the static set must be seen at */
	unsigned fixed_ok, fixed_bad;
	bh_addr bad; /* the static set seen elsewhere */
};

static bool same_data(const struct bh_gap_device *d, const struct set *s)
{
	return d->adv_len == s->len && !memcmp(d->adv_data, s->data, s->len);
}

static void on_device(void *ctx, const struct bh_gap_device *d)
{
	struct seen *sn = ctx;
	if (same_data(d, sn->rot)) {
		for (unsigned i = 0; i < sn->n_rot; i++)
			if (bh_addr_eq(&sn->rot_addr[i], &d->addr))
				return;
		if (sn->n_rot < SEEN_MAX)
			sn->rot_addr[sn->n_rot++] = d->addr;
	} else if (same_data(d, sn->fixed)) {
		if (bh_addr_eq(&d->addr, &sn->fixed_addr)) {
			sn->fixed_ok++;
		} else {
			sn->fixed_bad++;
			sn->bad = d->addr;
		}
	}
}

static void scan_done(void *ctx, bh_status st)
{
	(void)ctx;
	(void)st;
}

static void started(void *ctx, bh_status st)
{
	struct set *s = ctx;
	s->started = true;
	s->start_st = st;
}

static struct bh_host *open_host(struct bh_loop *loop, const char *t, const char *store,
				 uint64_t seed)
{
	struct bh_host_config cfg;
	bumble_host_config(&cfg, loop, t, seed);
	cfg.db_hash_dir = "";
	if (*store) { /* P: its identity in a store, the IRK read back from it */
		cfg.store_dir = store;
		cfg.use_random_address = false;
		cfg.privacy = true;
		cfg.rpa_timeout_ms = ROTATE_MS;
	}
	return bumble_host_start(&cfg, "bumble_set_rpa");
}

static int start_set(struct bh_loop *loop, struct bh_gap *g, struct set *s, const char *name,
		     uint8_t sid, const bh_addr *own)
{
	struct bh_ad_builder b;
	bh_ad_build_init(&b, s->data, sizeof(s->data));
	bh_ad_add_name(&b, name, true);
	s->len = b.len;
	struct bh_gap_adv_set_params p = {
		.adv = { .kind = BH_GAP_ADV_NONCONN, .data = s->data, .data_len = s->len,
			 .interval_min = 0x20, .interval_max = 0x20 },
		.extended_pdu = true,
		.sid = sid,
	};
	if (own)
		p.addr = *own;
	if (bh_gap_adv_set_start(g, &p, &s->handle, started, s))
		FAIL("set %s not started", name);
	bh_loop_run_until(loop, &s->started, 5000);
	if (!s->started || s->start_st)
		FAIL("set %s: %s", name, bh_strerror(s->start_st));
	return 0;
}

static int read_irk(const char *store, uint8_t irk[16], bh_addr *identity)
{
	struct bh_bond_store *st;
	struct bh_local_identity id;
	if (bh_bond_store_open(store, &st))
		FAIL("cannot open %s", store);
	bh_status rc = bh_bond_store_local_identity_get(st, &id);
	bh_bond_store_close(st);
	if (rc)
		FAIL("no local_identity in %s: %s", store, bh_strerror(rc));
	memcpy(irk, id.irk, 16);
	*identity = id.static_addr;
	return 0;
}

static int run(struct bh_loop *loop, struct bh_host *p, struct bh_host *o, const char *store)
{
	struct bh_gap *gp = bh_host_gap(p);
	static struct set rot, fixed;
	static const bh_addr own = { BH_ADDR_RANDOM, { 0x14, 0xa9, 0x00, 0x00, 0x14, 0xc3 } };
	uint8_t irk[16];
	bh_addr identity;
	if (read_irk(store, irk, &identity) ||
	    start_set(loop, gp, &rot, "rpa14-rotates", 0, NULL) ||
	    start_set(loop, gp, &fixed, "rpa14-static", 1, &own))
		return 1;
	/* Its own RPA from the start, not the one GAP scans or connects from. */
	bh_addr first = bh_gap_adv_set_address(gp, rot.handle), gap_own = bh_gap_own_address(gp);
	char a[BH_ADDR_STRLEN];
	if (!bh_rpa_resolve(irk, &first) || !bh_rpa_resolve(irk, &gap_own))
		FAIL("set %s or GAP %s not on an RPA of P's identity", bh_addr_str(&first, a),
		     bh_addr_str(&gap_own, (char[BH_ADDR_STRLEN]){ 0 }));
	if (bh_addr_eq(&first, &gap_own))
		FAIL("the set started on GAP's own RPA %s", bh_addr_str(&first, a));

	static struct seen sn;
	sn = (struct seen){ .rot = &rot, .fixed = &fixed, .fixed_addr = own };
	/* all_reports: the same device's reports again, so the static set is
	 * seen at its address more than once while the other one moves. */
	struct bh_gap_scan_params sp = { .all_reports = true, .on_device = on_device,
					 .on_done = scan_done, .ctx = &sn };
	if (bh_gap_scan_start(bh_host_gap(o), &sp))
		FAIL("scan not started");
	/* Generous for a loaded CI machine: two rotations take 2 s. */
	bh_time_ms t0 = bh_now(bh_host_env(o));
	for (int k = 0; k < 200 && sn.n_rot < WANT; k++) {
		bool never = false;
		bh_loop_run_until(loop, &never, 100);
	}
	bh_time_ms took = bh_now(bh_host_env(o)) - t0;
	bh_gap_scan_stop(bh_host_gap(o));
	bool never = false;
	bh_loop_run_until(loop, &never, 200);

	for (unsigned i = 0; i < sn.n_rot; i++) {
		printf("rotating set seen at %s\n", bh_addr_str(&sn.rot_addr[i], a));
		if (!bh_rpa_resolve(irk, &sn.rot_addr[i]))
			FAIL("%s is not an RPA of P's identity", a);
		if (bh_addr_eq(&sn.rot_addr[i], &identity))
			FAIL("the set advertised P's identity address");
	}
	if (sn.n_rot < WANT)
		FAIL("the set on GAP's RPA was seen at %u address(es) in %llu ms, want %u "
		     "(rpa_timeout_ms %u)", sn.n_rot, (unsigned long long)took, WANT, ROTATE_MS);
	if (sn.fixed_bad)
		FAIL("the set with its own address was seen at %s", bh_addr_str(&sn.bad, a));
	if (!sn.fixed_ok)
		FAIL("the set with its own address was not seen");
	printf("%u RPAs of identity %s in %llu ms; the static set at %s %u times\n", sn.n_rot,
	       bh_addr_str(&identity, a), (unsigned long long)took,
	       bh_addr_str(&own, (char[BH_ADDR_STRLEN]){ 0 }), sn.fixed_ok);
	bh_gap_adv_set_stop(gp, rot.handle);
	bh_gap_adv_set_stop(gp, fixed.handle);
	bh_loop_run_until(loop, &never, 200);
	return 0;
}

/* The store holds local_identity only (db_hash_dir ""), maybe moved-aside
 * files: every entry goes. */
static void remove_store(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

int main(void)
{
	const char *t0 = getenv("BUMBLE_T0"), *t1 = getenv("BUMBLE_T1");
	if (!t0 || !t1) {
		fprintf(stderr, "usage: with-bumble.sh bumble_set_rpa\n");
		return 2;
	}
	const char *tmp = getenv("TMPDIR");
	char store[256];
	snprintf(store, sizeof(store), "%s/bumble-set-rpa.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(store)) {
		perror("bumble_set_rpa: mkdtemp");
		return 1;
	}
	struct bh_loop *loop = bh_loop_new();
	struct bh_host *p = loop ? open_host(loop, t0, store, 1) : NULL;
	struct bh_host *o = p ? open_host(loop, t1, "", 2) : NULL;
	int rc = o ? run(loop, p, o, store) : 1;
	bh_host_free(o);
	bh_host_free(p);
	bh_loop_free(loop);
	remove_store(store);
	if (!rc)
		printf("ok\n");
	return rc;
}
