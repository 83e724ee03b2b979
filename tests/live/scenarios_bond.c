/* Scenarios about what a host keeps with a bond: a bonded client's
 * subscriptions (CCCD values) on the peripheral, the GATT cache of the
 * peripheral's database on the central, across links and across a new
 * pairing. */
#include "scenario.h"

#include <blehost/bond_store.h>
#include <blehost/gatt.h>
#include <blehost/smp.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The central discovers the peripheral, subscribes to its Heart Rate
 * Measurement and receives notifications: the value handle, or 0. */
static uint16_t subscribe_hrm(struct sc *sc, uint16_t conn)
{
	struct sc_role *c = &sc->roles[0];
	CHECK_OK(sc, bh_host_discover_sync(c->h, conn));
	bh_uuid u = bh_uuid16(0x2a37);
	const struct bh_gattc_chr *hrm = bh_gattc_find_chr(bh_host_gattc(c->h, conn), NULL, &u);
	CHECK(sc, hrm != NULL);
	if (!hrm)
		return 0;
	uint16_t vh = hrm->value_handle;
	/* Notifications may already come while the subscription is written. */
	unsigned want = c->notifications + 20;
	CHECK_OK(sc, bh_host_subscribe_sync(c->h, conn, vh, false));
	CHECK(sc, sc_wait_count(sc, &c->notifications, want, 5000));
	return vh;
}

/* The value of the peripheral's CCCD of vh on its current link (live only:
 * the peripheral runs in this process). */
static uint16_t peripheral_cccd(struct sc *sc, uint16_t vh)
{
	struct sc_role *p = &sc->roles[1];
	return bh_gatts_cccd_value(bh_host_gatt_server(p->h), p->conn, vh);
}

/* A bonded client's subscriptions come back only on a link encrypted with
 * the bond's key: before that, anyone using its address is a stranger. */
void sc_bond_cccd(struct sc *sc)
{
	struct sc_role *c = &sc->roles[0];
	uint16_t conn = sc_connect(sc, 1);
	if (!conn)
		return;
	CHECK_OK(sc, bh_host_pair_sync(c->h, conn, 10000));
	sc_wait(sc, 100); /* key distribution finishes */
	uint16_t vh = subscribe_hrm(sc, conn);
	if (!vh)
		return;
	CHECK_OK(sc, bh_host_disconnect_sync(c->h, conn, 0x13, 3000));
	sc_wait(sc, 100); /* the peripheral keeps the CCCD with the bond */

	/* Reconnect without encryption: the peripheral holds no subscription. */
	conn = sc_connect(sc, 1);
	if (!conn)
		return;
	sc_wait(sc, 100);
	if (sc->live)
		CHECK(sc, peripheral_cccd(sc, vh) == 0);
	/* Encrypted with the bond's key: the subscription is back. */
	CHECK_OK(sc, bh_host_pair_sync(c->h, conn, 10000));
	sc_wait(sc, 100);
	if (sc->live)
		CHECK(sc, peripheral_cccd(sc, vh) == 1);
	CHECK_OK(sc, bh_host_disconnect_sync(c->h, conn, 0x13, 3000));
}

/* Role i keeps its bonds in a directory of its own, which the test reads
 * as another process would. */
static void store_dir_for(struct sc *sc, int i)
{
	sc->roles[0].cfg.auto_security = false;
	struct sc_role *r = &sc->roles[i];
	snprintf(r->store_dir, sizeof(r->store_dir), "/tmp/bh-live-store-XXXXXX");
	if (!mkdtemp(r->store_dir)) {
		fprintf(stderr, "FAIL: mkdtemp %s\n", r->store_dir);
		sc->failures++;
		r->store_dir[0] = '\0';
	}
}

void sc_cfg_bond_store(struct sc *sc) { store_dir_for(sc, 1); }

void sc_cfg_central_store(struct sc *sc) { store_dir_for(sc, 0); }

static void remove_store(struct sc_role *r)
{
	if (!r->store_dir[0])
		return;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", r->store_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", r->store_dir);
}

static int take_bond(void *ctx, const struct bh_bond *b)
{
	struct bh_bond **out = ctx;
	if (*out)
		**out = *b;
	*out = NULL; /* a second bond leaves it NULL: the caller sees two */
	return 0;
}

/* Role i's only bond, read from its store directory. */
static bool stored_bond_of(struct sc *sc, int i, struct bh_bond *out)
{
	struct bh_bond_store *st;
	if (bh_bond_store_open(sc->roles[i].store_dir, &st))
		return false;
	memset(out, 0, sizeof(*out));
	struct bh_bond *slot = out;
	bool read = bh_bond_store_load_all(st, take_bond, &slot) == BH_OK;
	bh_bond_store_close(st);
	return read && !slot && out->identity.type <= 1 && out->peripheral_ltk.valid;
}

static bool stored_bond(struct sc *sc, struct bh_bond *out) { return stored_bond_of(sc, 1, out); }

/* The host forgets its one bond (in memory), as a user would. */
static void forget_only_bond(struct sc *sc, struct bh_host *h)
{
	bh_addr ids[2];
	CHECK(sc, bh_host_bond_list(h, ids, 2) == 1);
	CHECK_OK(sc, bh_host_bond_remove_sync(h, &ids[0], 3000));
	CHECK(sc, bh_host_bond_list(h, ids, 2) == 0);
}

/* A bonded central that lost its bond pairs again with the same identity.
 * The peripheral's new bond has the new keys and the old bond's
 * subscriptions, in its file as soon as the pairing ends: a crash before
 * the link ends must not lose them. */
void sc_bond_repair_cccd(struct sc *sc)
{
	struct sc_role *c = &sc->roles[0], *p = &sc->roles[1];
	struct bh_bond *old = calloc(1, sizeof(*old)), *now = calloc(1, sizeof(*now));
	uint16_t conn = old && now ? sc_connect(sc, 1) : 0;
	uint16_t vh = 0;
	if (!conn)
		goto out;
	CHECK_OK(sc, bh_host_pair_sync(c->h, conn, 10000));
	sc_wait(sc, 100);
	vh = subscribe_hrm(sc, conn);
	CHECK_OK(sc, bh_host_disconnect_sync(c->h, conn, 0x13, 3000));
	sc_wait(sc, 100);
	if (sc->live) {
		CHECK(sc, stored_bond(sc, old));
		CHECK(sc, old->cccd_len > 0);
	}

	forget_only_bond(sc, c->h); /* the central forgets the peripheral */
	conn = sc_connect(sc, 1);
	if (!conn || !vh)
		goto out;
	CHECK_OK(sc, bh_host_pair_sync(c->h, conn, 10000));
	CHECK(sc, c->paired == 2); /* a new pairing, not an encryption from a bond */
	sc_wait(sc, 100);
	if (sc->live) {
		CHECK(sc, p->paired == 2);
		CHECK(sc, stored_bond(sc, now));
		CHECK(sc, bh_addr_eq(&now->identity, &old->identity));
		CHECK(sc, memcmp(now->peripheral_ltk.ltk, old->peripheral_ltk.ltk, 16) != 0);
		CHECK(sc, now->cccd_len == old->cccd_len &&
			      !memcmp(now->cccd, old->cccd, old->cccd_len));
		CHECK(sc, peripheral_cccd(sc, vh) == 1);
	}
	CHECK_OK(sc, bh_host_disconnect_sync(c->h, conn, 0x13, 3000));
out:
	free(old);
	free(now);
	remove_store(p);
}

/* The mirror of bond_repair_cccd: the peripheral lost its bond, the central
 * kept one with its GATT cache of the peripheral's database. They pair
 * again: the central's new bond has the new keys and the old cache, in its
 * file as soon as the pairing ends (the link's own save only comes when it
 * ends), and the next link starts from that cache and checks it against the
 * peer's Database Hash instead of discovering again. */
void sc_bond_repair_cache(struct sc *sc)
{
	struct sc_role *c = &sc->roles[0], *p = &sc->roles[1];
	struct bh_bond *old = calloc(1, sizeof(*old)), *now = calloc(1, sizeof(*now));
	uint16_t conn = old && now && sc->live ? sc_connect(sc, 1) : 0;
	if (!conn)
		goto out;
	CHECK_OK(sc, bh_host_pair_sync(c->h, conn, 10000));
	sc_wait(sc, 100);
	unsigned before = p->requests;
	CHECK_OK(sc, bh_host_discover_sync(c->h, conn));
	unsigned full = p->requests - before;
	CHECK_OK(sc, bh_host_disconnect_sync(c->h, conn, 0x13, 3000));
	sc_wait(sc, 100);
	CHECK(sc, stored_bond_of(sc, 0, old));
	CHECK(sc, old->gatt_cache_len > 0);

	forget_only_bond(sc, p->h); /* the peripheral forgets the central */
	conn = sc_connect(sc, 1);
	if (!conn)
		goto out;
	/* The central's bond would only re-encrypt, which the peripheral can no
	 * longer answer: a new pairing, as a user would start it. */
	CHECK_OK(sc, bh_smp_pair(bh_host_smp(c->h), conn, NULL));
	CHECK(sc, sc_wait_count(sc, &c->paired, 2, 10000));
	CHECK(sc, c->last_pair_status == BH_OK && c->last_bonded);
	sc_wait(sc, 100);
	CHECK(sc, p->paired == 2);
	CHECK(sc, stored_bond_of(sc, 0, now));
	CHECK(sc, bh_addr_eq(&now->identity, &old->identity));
	CHECK(sc, memcmp(now->central_ltk.ltk, old->central_ltk.ltk, 16) != 0);
	CHECK(sc, now->gatt_cache_len == old->gatt_cache_len &&
		      !memcmp(now->gatt_cache, old->gatt_cache, old->gatt_cache_len));
	CHECK_OK(sc, bh_host_disconnect_sync(c->h, conn, 0x13, 3000));
	sc_wait(sc, 100);

	/* The next link: the tree is there before any request, the new keys
	 * encrypt it, and the cache is only checked. */
	conn = sc_connect(sc, 1);
	if (!conn)
		goto out;
	CHECK(sc, bh_gattc_service_count(bh_host_gattc(c->h, conn)) > 0);
	CHECK_OK(sc, bh_host_pair_sync(c->h, conn, 10000));
	CHECK(sc, c->paired == 2 && p->paired == 2); /* from the bond: no pairing */
	before = p->requests;
	CHECK_OK(sc, bh_host_discover_sync(c->h, conn));
	fprintf(stderr, "  discovery: %u requests, the cache's check: %u\n", full,
		p->requests - before);
	CHECK(sc, p->requests - before < full);
	bh_uuid u = bh_uuid16(0x2a37);
	CHECK(sc, bh_gattc_find_chr(bh_host_gattc(c->h, conn), NULL, &u) != NULL);
	CHECK_OK(sc, bh_host_disconnect_sync(c->h, conn, 0x13, 3000));
out:
	free(old);
	free(now);
	remove_store(c);
}

/* Moves every entry of dir into aside (made here) and removes dir: the
 * host's descriptor of dir then names a deleted directory, in which no file
 * can be made, not even by root (a read-only directory would stop only
 * other users). */
static bool store_dir_deleted(const char *dir, const char *aside)
{
	int to = mkdir(aside, 0700) == 0 ? open(aside, O_RDONLY | O_DIRECTORY) : -1;
	DIR *d = to >= 0 ? opendir(dir) : NULL;
	bool moved = d != NULL;
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			moved &= renameat(dirfd(d), e->d_name, to, e->d_name) == 0;
	if (d)
		closedir(d);
	if (to >= 0)
		close(to);
	return moved && rmdir(dir) == 0;
}

/* The peripheral's store cannot keep the bond (its directory is deleted
 * while the host runs, so no file can be made in it): the pairing itself
 * succeeds, but the peripheral's link is not bonded, its application hears
 * bonded = false, and nothing is stored. The central, whose bonds are in
 * memory, is bonded. */
void sc_bond_save_fails(struct sc *sc)
{
	struct sc_role *c = &sc->roles[0], *p = &sc->roles[1];
	char aside[80];
	snprintf(aside, sizeof(aside), "%s.aside", p->store_dir);
	uint16_t conn = sc_connect(sc, 1);
	if (conn) {
		bool deleted = sc->live && store_dir_deleted(p->store_dir, aside);
		CHECK(sc, !sc->live || deleted);
		CHECK_OK(sc, bh_host_pair_sync(c->h, conn, 10000));
		sc_wait(sc, 100);
		CHECK(sc, c->paired == 1 && c->last_bonded);
		if (deleted) {
			CHECK(sc, p->paired == 1 && p->last_pair_status == BH_OK && !p->last_bonded);
			/* Encrypted, but not bonded: nothing of this link goes to the store. */
			struct bh_security ps = bh_smp_security(bh_host_smp(p->h), p->conn);
			CHECK(sc, ps.level >= BH_SEC_ENCRYPTED && !ps.bonded);
			/* Nor was the directory made again by its path. */
			CHECK(sc, rename(aside, p->store_dir) == 0);
			struct bh_bond *b = malloc(sizeof(*b));
			CHECK(sc, b && !stored_bond(sc, b));
			free(b);
		}
		CHECK_OK(sc, bh_host_disconnect_sync(c->h, conn, 0x13, 3000));
	}
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", p->store_dir, aside);
	if (p->store_dir[0] && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", p->store_dir);
}
