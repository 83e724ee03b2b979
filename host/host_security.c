/* SMP wiring: the bond store (or in-memory bonds), the resolving list of
 * peer IRKs, our local identity, and security raised on a GATT client's
 * behalf. */
#include "host_internal.h"

#include <blehost/bh_crypto.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- bonds ---- */

struct bh_bond *host_mem_bond(struct bh_host *h, const bh_addr *id)
{
	for (unsigned i = 0; i < h->n_mem_bonds; i++)
		if (bh_addr_eq(&h->mem_bonds[i].identity, id))
			return &h->mem_bonds[i];
	return NULL;
}

bool host_resolve(struct bh_host *h, const bh_addr *rpa, bh_addr *identity)
{
	if (!bh_addr_is_random(rpa) || bh_addr_random_kind(rpa) != BH_RANDOM_RPA)
		return false;
	return h->resolver && bh_resolver_find(h->resolver, rpa, identity, NULL) == BH_OK;
}

bool host_bond_lookup(struct bh_host *h, const bh_addr *peer, struct bh_bond *out)
{
	bh_addr id = *peer;
	host_resolve(h, peer, &id);
	if (h->store)
		return bh_bond_store_find(h->store, &id, out) == BH_OK;
	const struct bh_bond *m = host_mem_bond(h, &id);
	if (m)
		*out = *m;
	return m;
}

/* Without a store: the in-memory table, which grows with the bonds made
 * (1, 2, 4, ... up to HOST_MEM_BONDS entries) instead of holding the
 * maximum from start. */
static bh_status mem_save(struct bh_host *h, const struct bh_bond *b)
{
	struct bh_bond *m = host_mem_bond(h, &b->identity);
	if (m) {
		*m = *b;
		return BH_OK;
	}
	if (h->n_mem_bonds >= HOST_MEM_BONDS)
		return BH_ENOSPACE;
	if (h->n_mem_bonds == h->cap_mem_bonds) {
		unsigned cap = h->cap_mem_bonds ? 2 * h->cap_mem_bonds : 1;
		if (cap > HOST_MEM_BONDS)
			cap = HOST_MEM_BONDS;
		struct bh_bond *t = realloc(h->mem_bonds, cap * sizeof(*t));
		if (!t)
			return BH_ENOMEM;
		h->mem_bonds = t;
		h->cap_mem_bonds = cap;
	}
	h->mem_bonds[h->n_mem_bonds++] = *b;
	return BH_OK;
}

bool host_bond_save(struct bh_host *h, const struct bh_bond *b)
{
	char a[BH_ADDR_STRLEN];
	bh_status rs = b->has_irk && h->resolver
			       ? bh_resolver_add(h->resolver, &b->identity, b->irk)
			       : BH_OK;
	if (rs == BH_ENOMEM || rs == BH_ENOSPACE)
		host_log(h, BH_LOG_ERROR,
			 "cannot keep the IRK of %s: %s; its private addresses are not resolved "
			 "until the next start",
			 bh_addr_str(&b->identity, a), bh_strerror(rs));
	bh_status st = h->store ? bh_bond_store_save(h->store, b) : mem_save(h, b);
	if (st) {
		host_log(h, BH_LOG_ERROR,
			 "could not save the bond of %s: %s; it lasts only as long as the link",
			 bh_addr_str(&b->identity, a), bh_strerror(st));
	}
	return !st;
}

/* A bond whose IRK cannot be kept for want of memory would be a stranger
 * at its next private address, and a new pairing would replace it: the
 * start fails instead, as memory may be back at the next. Past the
 * resolver's HOST_MAX_IRKS it would fail at every start: the rest are
 * said and left unresolved. An IRK the resolver refuses as invalid (an
 * identity that is not public or static) could never resolve anything. */
static int load_irk(void *ctx, const struct bh_bond *b)
{
	struct bh_host *h = ctx;
	bh_status st = b->has_irk ? bh_resolver_add(h->resolver, &b->identity, b->irk) : BH_OK;
	if (st == BH_ENOMEM) {
		h->load_status = st;
		return 1;
	}
	if (st == BH_ENOSPACE && h->load_status != BH_ENOSPACE) {
		h->load_status = st;
		host_log(h, BH_LOG_ERROR, "more than %u bonded peers with IRKs: the rest are "
			 "not resolved", (unsigned)HOST_MAX_IRKS);
	}
	return 0;
}

static void store_notice(void *ctx, const struct bh_store_notice *n)
{
	char msg[512];
	bh_store_notice_str(n, msg, sizeof(msg));
	host_log(ctx, BH_LOG_WARN, "%s", msg);
}

/* Our identity could not be read: never replaced behind the user's back.
 * This runs while the host is made, just after the store opened dir, so
 * the path names the file; a message from a running host says which path
 * the directory had at start instead (host_dbhash.c), since the store
 * keeps working through its descriptor after a move. */
static void identity_error(struct bh_host *h, bh_status st, char *err, size_t errlen)
{
	const char *dir = bh_bond_store_dir(h->store);
	const char *crypto = st == BH_EIO ? bh_crypto_error() : NULL;
	if (crypto) /* the file may be perfect: only its checksum cannot be checked */
		snprintf(err, errlen, "cannot check the bond store %s: %s", dir, crypto);
	else if (st == BH_ECORRUPT || st == BH_EUNSAFE || st == BH_EIO)
		snprintf(err, errlen,
			 "our identity file %s/local_identity cannot be used (%s): refusing to start, "
			 "because a new identity would make every bonded peer stop recognising this "
			 "device. Restore the file from a backup, or start with --new-identity "
			 "(bh_host_config.new_identity) to keep it aside and make a new identity "
			 "(bonded peers must then pair again)",
			 dir, bh_strerror(st));
	else
		snprintf(err, errlen, "cannot read or create the local identity in %s: %s", dir,
			 bh_strerror(st));
}

/* ---- CCCD state with the bond ---- */

/* The bond's copy of a state takes the link's when they differ. */
static bool take_changed(uint8_t *dst, size_t *dst_len, const uint8_t *src, size_t len)
{
	if (len == *dst_len && !memcmp(src, dst, len))
		return false;
	memcpy(dst, src, len);
	*dst_len = len;
	return true;
}

/* Keeps what a bonded peer's link learned (its CCCD values, our GATT cache of
 * its database) in its bond: one read, and one atomic write only when
 * something changed. */
void host_save_conn_state(struct bh_host *h, struct host_conn *c, bool with_cache)
{
	/* Only a link encrypted with the bond's key speaks for the bonded
	 * peer: anyone else using its address (a spoofer, before or without
	 * encryption) must not change what is kept with the bond. */
	struct bh_security sec = h->smp ? bh_smp_security(h->smp, c->handle)
					: (struct bh_security){ 0 };
	if (sec.level < BH_SEC_ENCRYPTED || !sec.bonded)
		return;
	struct bh_bond *b = malloc(sizeof(*b));
	uint8_t *blob = malloc(BH_BOND_GATT_CACHE_MAX);
	if (!b || !blob || !host_bond_lookup(h, &c->identity, b))
		goto out;
	bool changed = false;
	size_t len = 0;
	if (bh_gatts_export_cccd(h->gatts, c->handle, blob, BH_BOND_CCCD_MAX, &len) == BH_OK)
		changed = take_changed(b->cccd, &b->cccd_len, blob, len);
	if (with_cache && c->gattc && bh_gattc_service_count(c->gattc)) {
		len = bh_gattc_export(c->gattc, blob, BH_BOND_GATT_CACHE_MAX);
		if (len)
			changed |= take_changed(b->gatt_cache, &b->gatt_cache_len, blob, len);
	}
	if (changed)
		host_bond_save(h, b);
out:
	free(blob);
	free(b);
}

void host_restore_gatt_cache(struct bh_host *h, struct host_conn *c)
{
	struct bh_bond *b = malloc(sizeof(*b));
	if (!b)
		return;
	if (host_bond_lookup(h, &c->identity, b) && b->gatt_cache_len &&
	    bh_gattc_import(c->gattc, b->gatt_cache, b->gatt_cache_len) != BH_OK)
		host_log(h, BH_LOG_WARN, "stored GATT cache of the peer is unusable: discovering again");
	free(b);
}

void host_restore_cccd(struct bh_host *h, struct host_conn *c)
{
	struct bh_bond *b = malloc(sizeof(*b));
	if (!b)
		return;
	if (host_bond_lookup(h, &c->identity, b) && b->cccd_len)
		bh_gatts_import_cccd(h->gatts, c->handle, b->cccd, b->cccd_len);
	free(b);
}

/* ---- SMP port ---- */

static int smp_send(void *ctx, uint16_t handle, const uint8_t *pdu, size_t len)
{
	struct bh_host *h = ctx;
	struct host_conn *c = host_conn_find(h, handle);
	/* 0x01 Pairing Request, 0x02 Pairing Response: keys will follow the
	 * encryption, so an Encryption Change alone does not end the wait. */
	if (c && len && (pdu[0] == 0x01 || pdu[0] == 0x02))
		c->pairing_active = true;
	return bh_l2cap_send_fixed(h->l2cap, handle, BH_L2CAP_CID_SMP, pdu, len);
}

static int smp_hci_cmd(void *ctx, uint16_t opcode, const void *params, size_t len,
		       void (*cb)(void *, bh_status, const uint8_t *, size_t), void *cbctx)
{
	struct bh_host *h = ctx;
	return bh_hci_cmd(h->hci, opcode, params, len, cb, cbctx);
}

static bool smp_get_bond(void *ctx, const bh_addr *peer, struct bh_bond *out)
{
	return host_bond_lookup(ctx, peer, out);
}

/* The GATT state is a bond's tail: everything before cccd_len is keys. */
_Static_assert(offsetof(struct bh_bond, cccd) < offsetof(struct bh_bond, gatt_cache_len) &&
		       offsetof(struct bh_bond, gatt_cache) + BH_BOND_GATT_CACHE_MAX ==
			       sizeof(struct bh_bond),
	       "struct bh_bond: the CCCDs and GATT cache must stay last");

static bool smp_save_bond(void *ctx, const struct bh_bond *b)
{
	struct bh_host *h = ctx;
	/* A fresh pairing knows nothing of the GATT state kept with the old
	 * bond of the same identity: carry it over, under the new keys. */
	struct bh_bond *old = malloc(sizeof(*old));
	if (old && !b->cccd_len && !b->gatt_cache_len && host_bond_lookup(h, &b->identity, old) &&
	    (old->cccd_len || old->gatt_cache_len)) {
		memcpy(old, b, offsetof(struct bh_bond, cccd_len));
		b = old;
	}
	bool kept = host_bond_save(h, b);
	free(old);
	return kept;
}

void host_finish_raise(struct host_conn *c, bh_status st)
{
	if (!c->sec_done)
		return;
	void (*done)(void *, bh_status) = c->sec_done;
	c->sec_done = NULL;
	done(c->sec_done_ctx, st);
}

static void smp_pairing_complete(void *ctx, uint16_t handle, bh_status st, const struct bh_bond *b)
{
	struct bh_host *h = ctx;
	struct host_conn *c = host_conn_find(h, handle);
	if (c) {
		c->pairing_active = false;
		if (b && !bh_addr_eq(&b->identity, &c->identity) && b->has_irk)
			c->identity = b->identity;
		if (st != BH_OK)
			host_finish_raise(c, st);
	}
	if (st == BH_EDOWNGRADE)
		host_log(h, BH_LOG_WARN,
			 "conn 0x%04x: the stored bond was kept; to replace it with a weaker one, "
			 "remove it (blehost bonds clear ADDR) or allow downgrades "
			 "(--allow-bond-downgrade, bh_host_config.allow_bond_downgrade)",
			 handle);
	/* SMP's state: both sides asked for bonding and the bond was kept. */
	bool bonded = st == BH_OK && b && h->smp && bh_smp_security(h->smp, handle).bonded;
	host_waiters_pairing(h, handle, st);
	if (h->ev.pairing_complete)
		h->ev.pairing_complete(h->ev.ctx, handle, st, bonded);
}

static void smp_security_changed(void *ctx, uint16_t handle, const struct bh_security *sec)
{
	struct bh_host *h = ctx;
	struct host_conn *c = host_conn_find(h, handle);
	host_log(h, BH_LOG_INFO, "conn 0x%04x security %s key size %u", handle,
		 bh_sec_level_str(sec->level), sec->key_size);
	if (!c)
		return;
	if (!c->cccd_restored && sec->level >= BH_SEC_ENCRYPTED && sec->bonded) {
		c->cccd_restored = true;
		host_restore_cccd(h, c);
	}
	if (c->sec_done && sec->level >= c->sec_wanted)
		host_finish_raise(c, BH_OK);
	if (sec->level >= BH_SEC_ENCRYPTED)
		host_eatt_link_encrypted(h, c);
	/* Re-encryption from a bond completes a pairing wait too; during a
	 * pairing only pairing_complete does (after key distribution). */
	if (!c->pairing_active && sec->level >= BH_SEC_ENCRYPTED && sec->bonded)
		host_waiters_pairing(h, handle, BH_OK);
}

static void smp_passkey_display(void *ctx, uint16_t handle, uint32_t passkey)
{
	struct bh_host *h = ctx;
	if (h->ev.passkey_display)
		h->ev.passkey_display(h->ev.ctx, handle, passkey);
}

static void smp_passkey_request(void *ctx, uint16_t handle)
{
	struct bh_host *h = ctx;
	if (h->ev.passkey_request)
		h->ev.passkey_request(h->ev.ctx, handle);
	else
		bh_smp_passkey_reply(h->smp, handle, false, 0);
}

static void smp_confirm_number(void *ctx, uint16_t handle, uint32_t number)
{
	struct bh_host *h = ctx;
	if (h->ev.confirm_number)
		h->ev.confirm_number(h->ev.ctx, handle, number);
	else
		bh_smp_confirm_reply(h->smp, handle, false);
}

static bool smp_oob_request(void *ctx, uint16_t handle, const bh_addr *peer, bool sc,
			    struct bh_smp_oob *out)
{
	struct bh_host *h = ctx;
	(void)peer;
	return h->ev.oob_request && h->ev.oob_request(h->ev.ctx, handle, sc, out);
}

int bh_host_oob_local(struct bh_host *h, uint8_t r[16], uint8_t c[16])
{
	return h->smp ? bh_smp_sc_oob_local(h->smp, r, c) : BH_ESTATE;
}

static bool smp_pairing_request(void *ctx, uint16_t handle, uint8_t io_cap, uint8_t authreq)
{
	struct bh_host *h = ctx;
	(void)io_cap;
	(void)authreq;
	return h->ev.pairing_request ? h->ev.pairing_request(h->ev.ctx, handle) : true;
}

void host_smp_port_init(struct bh_host *h)
{
	h->smp_port = (struct bh_smp_port){
		.ctx = h,
		.send = smp_send,
		.hci_cmd = smp_hci_cmd,
		.get_bond = smp_get_bond,
		.save_bond = smp_save_bond,
		.pairing_complete = smp_pairing_complete,
		.security_changed = smp_security_changed,
		.passkey_display = smp_passkey_display,
		.passkey_request = smp_passkey_request,
		.confirm_number = smp_confirm_number,
		.pairing_request = smp_pairing_request,
		.oob_request = smp_oob_request,
	};
}

int host_raise_security(struct host_conn *c, uint8_t att_error,
			void (*done)(void *done_ctx, bh_status status), void *done_ctx)
{
	struct bh_host *h = c->h;
	if (c->sec_done)
		return BH_EBUSY;
	struct bh_security cur = bh_smp_security(h->smp, c->handle);
	enum bh_sec_level want = BH_SEC_ENCRYPTED;
	/* An encrypted link that still gets Insufficient Authentication needs
	 * a MITM-protected key; an unencrypted one first needs encryption
	 * (servers answer 0x05 for both cases on an unencrypted link). */
	if (att_error == BH_ATT_E_INSUFF_AUTHENTICATION && cur.level >= BH_SEC_ENCRYPTED)
		want = BH_SEC_AUTHENTICATED;
	if (h->cfg.mitm && want < BH_SEC_AUTHENTICATED)
		want = BH_SEC_AUTHENTICATED;
	if (cur.level >= want && att_error != BH_ATT_E_ENC_KEY_SIZE_TOO_SHORT)
		return BH_ESECURITY; /* already there: the server wants more than we can give */
	c->sec_wanted = want;
	c->sec_done = done;
	c->sec_done_ctx = done_ctx;
	int rc = bh_smp_request_security(h->smp, c->handle, want);
	if (rc) {
		c->sec_done = NULL;
		return rc;
	}
	return 0;
}

/* ---- lifetime ---- */

int host_security_init(struct bh_host *h, char *err, size_t errlen)
{
	h->resolver = bh_resolver_new(HOST_MAX_IRKS);
	if (!h->resolver)
		return BH_ENOMEM;
	if (h->cfg.store_dir && !*h->cfg.store_dir) {
		bh_random(&h->env, h->ident.irk, 16);
		bh_static_addr_generate(&h->env, &h->ident.static_addr);
	} else {
		/* The host owns the store: damaged bond files are moved aside
		 * (kept) so that a new pairing with that peer can be saved. */
		struct bh_bond_store_opts o = { .notice = store_notice, .notice_ctx = h,
						.move_aside = true };
		bh_status st = bh_bond_store_open_opts(h->cfg.store_dir, &o, &h->store);
		if (st) {
			snprintf(err, errlen, "cannot open the bond store %s: %s",
				 h->cfg.store_dir ? h->cfg.store_dir : "(default)", bh_strerror(st));
			return st;
		}
		h->load_status = BH_OK;
		st = bh_bond_store_load_all(h->store, load_irk, h);
		if (st || (st = h->load_status) == BH_ENOMEM) {
			snprintf(err, errlen, "cannot read the bonds in %s: %s",
				 bh_bond_store_dir(h->store), bh_strerror(st));
			return st;
		}
		st = h->cfg.new_identity
			     ? bh_bond_store_local_identity_renew(h->store, &h->env, &h->ident)
			     : bh_bond_store_local_identity_ensure(h->store, &h->env, &h->ident);
		if (st) {
			identity_error(h, st, err, errlen);
			return st;
		}
		char a[BH_ADDR_STRLEN]; /* written whole by bh_addr_str_bare */
		if (h->cfg.new_identity)
			host_log(h, BH_LOG_WARN,
				 "started a new identity (static address %s): bonded peers must pair again",
				 bh_addr_str_bare(&h->ident.static_addr, a));
	}
	return BH_OK;
}

/* SMP is created once the controller is up: the identity address it
 * distributes is our public address, which only bring-up tells. */
int host_smp_create(struct bh_host *h)
{
	if (h->smp)
		return BH_OK;
	struct bh_smp_config sc;
	bh_smp_config_preset(&sc, BH_SMP_AGENT_NO_INPUT_NO_OUTPUT);
	sc.io_cap = (enum bh_smp_io_cap)h->cfg.io_cap;
	sc.bonding = h->cfg.bondable;
	sc.mitm = h->cfg.mitm;
	sc.sc_mode = h->cfg.sc_only ? BH_SMP_SC_ONLY
				    : h->cfg.legacy_only ? BH_SMP_LEGACY_ONLY : BH_SMP_SC_PREFERRED;
	sc.min_key_size = h->cfg.min_key_size ? h->cfg.min_key_size : 16;
	sc.max_key_size = h->cfg.max_key_size ? h->cfg.max_key_size : 16;
	sc.allow_debug_keys = h->cfg.debug_keys;
	sc.allow_bond_downgrade = h->cfg.allow_bond_downgrade;
	sc.max_conns = h->max_conns;
	memcpy(sc.local_irk, h->ident.irk, 16);
	const bh_addr *pub = &bh_hci_info(h->hci)->bdaddr;
	static const uint8_t zero[6];
	sc.local_identity = h->cfg.use_random_address || !memcmp(pub->val, zero, 6)
				    ? h->ident.static_addr : *pub;
	host_smp_port_init(h);
	h->smp = bh_smp_new(&sc, &h->smp_port, &h->env);
	if (!h->smp) {
		host_log(h, BH_LOG_ERROR, "cannot create the SMP layer (key generation failed)");
		return BH_ENOMEM;
	}
	return BH_OK;
}

static void forget_hci(void *ctx, void *cbctx)
{
	bh_hci_cmd_forget(ctx, cbctx);
}

void host_security_free(struct bh_host *h)
{
	if (h->smp && h->hci)
		bh_smp_forget_cmds(h->smp, forget_hci, h->hci);
	bh_smp_free(h->smp);
	h->smp = NULL;
	bh_resolver_free(h->resolver);
	h->resolver = NULL;
	bh_bond_store_close(h->store);
	h->store = NULL;
	free(h->mem_bonds);
	h->mem_bonds = NULL;
	h->cap_mem_bonds = 0;
}
