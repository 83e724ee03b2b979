/* SMP core: instance and connections, PDU dispatch by state, the SMP timer
 * (3.4), Pairing Failed handling, the Repeated Attempts back-off (2.3.6),
 * encryption set-up over HCI and the public entry points. Role-specific
 * steps live in smp_initiator.c / smp_responder.c, the two pairing families
 * in smp_legacy.c / smp_sc.c, key distribution and signing in smp_keys.c. */
#include "smp_internal.h"

#include <blehost/bh_libcrypto.h>

#include <blehost/bh_bytes.h>
#include <blehost/hci.h>

#include <stdlib.h>
#include <string.h>

const char *smp_state_str(enum smp_state s)
{
	return bh_nth_name("idle\0wait-pairing-rsp\0wait-public-key\0wait-confirm\0wait-random\0"
			"wait-dhkey-check\0wait-encrypt\0key-distribution\0timed-out\0",
			s, "?");
}

const char *bh_sec_level_str(enum bh_sec_level l)
{
	return bh_nth_name("none\0encrypted\0authenticated\0sc-authenticated\0", l, "?");
}

void bh_smp_config_preset(struct bh_smp_config *cfg, enum bh_smp_agent agent)
{
	static const uint8_t io[] = {
		[BH_SMP_AGENT_NO_INPUT_NO_OUTPUT] = BH_SMP_IO_NO_INPUT_NO_OUTPUT,
		[BH_SMP_AGENT_DISPLAY_ONLY] = BH_SMP_IO_DISPLAY_ONLY,
		[BH_SMP_AGENT_DISPLAY_YES_NO] = BH_SMP_IO_DISPLAY_YES_NO,
		[BH_SMP_AGENT_KEYBOARD_ONLY] = BH_SMP_IO_KEYBOARD_ONLY,
		[BH_SMP_AGENT_KEYBOARD_DISPLAY] = BH_SMP_IO_KEYBOARD_DISPLAY,
	};
	memset(cfg, 0, sizeof(*cfg));
	cfg->io_cap = (unsigned)agent < sizeof(io) ? io[agent] : BH_SMP_IO_NO_INPUT_NO_OUTPUT;
	cfg->bonding = true;
	cfg->mitm = cfg->io_cap != BH_SMP_IO_NO_INPUT_NO_OUTPUT;
	cfg->sc_mode = BH_SMP_SC_PREFERRED;
	cfg->min_key_size = 16;
	cfg->max_key_size = 16;
	cfg->init_key_dist = SMP_DIST_BUILT;
	cfg->resp_key_dist = SMP_DIST_BUILT;
	cfg->timeout_ms = 30000;
	cfg->backoff_base_ms = 2000;
	cfg->backoff_max_ms = 64000;
	cfg->max_conns = 8;
}

static void normalize_config(struct bh_smp_config *c)
{
	if (c->min_key_size == 0 || c->min_key_size > 16)
		c->min_key_size = 16;
	if (c->min_key_size < 7)
		c->min_key_size = 7; /* 2.3.4: never below 56 bits */
	if (c->max_key_size == 0 || c->max_key_size > 16)
		c->max_key_size = 16;
	if (c->max_key_size < c->min_key_size)
		c->max_key_size = c->min_key_size;
	c->init_key_dist &= SMP_DIST_BUILT;
	c->resp_key_dist &= SMP_DIST_BUILT;
	if (!c->timeout_ms)
		c->timeout_ms = 30000;
	if (!c->backoff_base_ms)
		c->backoff_base_ms = 2000;
	if (c->backoff_max_ms < c->backoff_base_ms)
		c->backoff_max_ms = c->backoff_base_ms * 32;
	if (!c->max_conns)
		c->max_conns = 8;
}

struct bh_smp *bh_smp_new(const struct bh_smp_config *cfg, const struct bh_smp_port *port,
			  const struct bh_env *env)
{
	if (!cfg || !port || !env || !port->send || !port->hci_cmd)
		return NULL;
	struct bh_smp *smp = calloc(1, sizeof(*smp));
	if (!smp)
		return NULL;
	smp->cfg = *cfg;
	normalize_config(&smp->cfg);
	smp->port = *port;
	smp->env = env;
	smp->conns = calloc(smp->cfg.max_conns, sizeof(*smp->conns));
	if (!smp->conns ||
	    bh_pool_init(&smp->conn_pool, "smp-conn", sizeof(struct smp_conn),
			 smp->cfg.max_conns) != 0)
		goto fail;
	if (bh_pool_init(&smp->bond_pool, "smp-bond", sizeof(struct bh_bond),
			 smp->cfg.max_conns + 1) != 0) {
		bh_pool_destroy(&smp->conn_pool);
		goto fail;
	}
	/* Only the private key is drawn here, so the random source is read in
	 * the same order as ever (replayed traces stay byte-exact); its public
	 * key waits for the first pairing or OOB request (smp_own_pub). The
	 * point multiplication is what maps most of libcrypto's EC code and
	 * costs ~0.3 M instructions: a process that never pairs skips both. */
	if (smp->cfg.use_debug_keys) {
		memcpy(smp->priv, bh_smp_debug_priv, 32);
		memcpy(smp->pub, bh_smp_debug_pub, 64);
		smp->pub_ready = true;
	} else if (bh_smp_p256_keydraw(env, smp->priv) != BH_OK) {
		bh_pool_destroy(&smp->bond_pool);
		bh_pool_destroy(&smp->conn_pool);
		goto fail;
	}
	for (unsigned i = 0; i < SMP_CMD_SLOTS; i++)
		smp->cmds[i].smp = smp;
	return smp;
fail:
	free(smp->conns);
	free(smp);
	return NULL;
}

/* Slot i's link and its bond record back to their pools, no key material
 * left behind. */
static void conn_free(struct bh_smp *smp, unsigned i)
{
	struct smp_conn *c = smp->conns[i];
	if (c->bond) {
		memset(c->bond, 0, sizeof(*c->bond));
		bh_pool_free(&smp->bond_pool, c->bond);
	}
	memset(c, 0, sizeof(*c));
	bh_pool_free(&smp->conn_pool, c);
	smp->conns[i] = NULL;
	smp->nconns--;
}

void bh_smp_free(struct bh_smp *smp)
{
	if (!smp)
		return;
	for (unsigned i = 0; i < smp->cfg.max_conns; i++)
		if (smp->conns[i])
			conn_free(smp, i);
	if (smp->scratch)
		memset(smp->scratch, 0, sizeof(*smp->scratch));
	bh_pool_destroy(&smp->bond_pool);
	bh_pool_destroy(&smp->conn_pool);
	memset(smp->priv, 0, sizeof(smp->priv));
	free(smp->conns);
	free(smp);
}

void bh_smp_forget_cmds(struct bh_smp *smp, void (*forget)(void *ctx, void *cbctx), void *ctx)
{
	for (unsigned i = 0; i < SMP_CMD_SLOTS; i++) {
		forget(ctx, &smp->cmds[i]);
		smp->cmds[i].used = false;
	}
}

bool smp_own_pub(struct bh_smp *smp)
{
	if (smp->pub_ready)
		return true;
	bh_status st = bh_smp_p256_public(smp->priv, smp->pub);
	if (st != BH_OK) {
		SMP_LOG(smp, BH_LOG_ERROR, "own public key: %s",
			st == BH_ENOTSUP ? bh_libcrypto_error() : bh_strerror(st));
		return false;
	}
	smp->pub_ready = true;
	return true;
}

int bh_smp_sc_oob_local(struct bh_smp *smp, uint8_t r[16], uint8_t c[16])
{
	if (!smp_own_pub(smp))
		return BH_EIO;
	bh_random(smp->env, smp->oob_r, 16);
	if (bh_smp_f4(smp->pub, smp->pub, smp->oob_r, 0, smp->oob_c) != BH_OK)
		return BH_EIO;
	smp->oob_r_valid = true;
	memcpy(r, smp->oob_r, 16);
	memcpy(c, smp->oob_c, 16);
	return 0;
}

struct bh_bond *smp_conn_bond(struct bh_smp *smp, struct smp_conn *c)
{
	if (!c->bond) {
		c->bond = bh_pool_alloc(&smp->bond_pool);
		if (!c->bond)
			SMP_LOG(smp, BH_LOG_WARN, "0x%04x no memory for a bond record", c->handle);
	}
	return c->bond;
}

struct bh_bond *smp_scratch(struct bh_smp *smp)
{
	if (!smp->scratch)
		smp->scratch = bh_pool_alloc(&smp->bond_pool);
	return smp->scratch;
}

struct smp_conn *smp_conn_find(const struct bh_smp *smp, uint16_t handle)
{
	for (unsigned i = 0; i < smp->cfg.max_conns; i++)
		if (smp->conns[i] && smp->conns[i]->handle == handle)
			return smp->conns[i];
	return NULL;
}

int bh_smp_conn_added(struct bh_smp *smp, uint16_t handle, bool central, const bh_addr *local,
		      const bh_addr *peer)
{
	if (!local || !peer)
		return BH_EINVAL;
	if (smp_conn_find(smp, handle))
		return BH_EEXIST;
	unsigned slot = smp->cfg.max_conns;
	for (unsigned i = 0; i < smp->cfg.max_conns; i++)
		if (!smp->conns[i]) {
			slot = i;
			break;
		}
	if (slot == smp->cfg.max_conns)
		return BH_ENOMEM;
	struct smp_conn *c = bh_pool_alloc(&smp->conn_pool);
	if (!c)
		return BH_ENOMEM;
	c->used = true;
	c->handle = handle;
	c->central = central;
	c->local = *local;
	c->peer = *peer;
	c->deadline = BH_NEVER;
	smp->conns[slot] = c;
	smp->nconns++;
	return 0;
}

int bh_smp_conn_local(struct bh_smp *smp, uint16_t handle, const bh_addr *local)
{
	struct smp_conn *c = smp_conn_find(smp, handle);
	if (!c)
		return BH_ENOTFOUND;
	c->local = *local;
	return 0;
}

static void forget_cmds(struct bh_smp *smp, uint16_t handle)
{
	for (unsigned i = 0; i < SMP_CMD_SLOTS; i++)
		if (smp->cmds[i].used && smp->cmds[i].handle == handle)
			smp->cmds[i].handle = 0xffff; /* completes into nothing */
}

void bh_smp_conn_removed(struct bh_smp *smp, uint16_t handle)
{
	for (unsigned i = 0; i < smp->cfg.max_conns; i++) {
		struct smp_conn *c = smp->conns[i];
		if (!c || c->handle != handle)
			continue;
		if (c->pairing || c->reencrypting)
			smp_abort(smp, c, BH_EDISCONNECTED);
		forget_cmds(smp, handle);
		conn_free(smp, i);
		return;
	}
}

/* ---- transmit ---- */

static bool tx_push(struct smp_conn *c, const uint8_t *pdu, size_t len)
{
	if (c->tx_count == SMP_TXQ || len > SMP_MAX_PDU)
		return false;
	unsigned i = (c->tx_head + c->tx_count) % SMP_TXQ;
	memcpy(c->txq[i].buf, pdu, len);
	c->txq[i].len = (uint8_t)len;
	c->tx_count++;
	return true;
}

static void tx_flush(struct bh_smp *smp, struct smp_conn *c)
{
	while (c->tx_count) {
		int rc = smp->port.send(smp->port.ctx, c->handle, c->txq[c->tx_head].buf,
					c->txq[c->tx_head].len);
		if (rc == BH_EBUSY)
			return;
		c->tx_head = (uint8_t)((c->tx_head + 1) % SMP_TXQ);
		c->tx_count--;
	}
}

void smp_send(struct bh_smp *smp, struct smp_conn *c, uint8_t code, const void *param, size_t n)
{
	uint8_t pdu[SMP_MAX_PDU];
	size_t len = n + 1;
	pdu[0] = code;
	memcpy(pdu + 1, param, n);
	SMP_LOG(smp, BH_LOG_DEBUG, "0x%04x > %s", c->handle, smp_code_str(code));
	/* 3.4: the timer restarts whenever an SMP command is queued. */
	if (c->pairing)
		smp_timer_restart(smp, c);
	/* Behind queued PDUs, or refused for now: queued in order. */
	if ((c->tx_count || smp->port.send(smp->port.ctx, c->handle, pdu, len) == BH_EBUSY) &&
	    !tx_push(c, pdu, len))
		SMP_LOG(smp, BH_LOG_WARN, "0x%04x tx queue full, PDU dropped", c->handle);
}

void bh_smp_on_can_send(struct bh_smp *smp, uint16_t handle)
{
	struct smp_conn *c = smp_conn_find(smp, handle);
	if (c)
		tx_flush(smp, c);
}

/* ---- end of a pairing ---- */

static bool is_auth_failure(uint8_t reason)
{
	/* Failures an attacker guessing values would cause (2.3.6). */
	return reason == BH_SMP_ERR_CONFIRM_VALUE_FAILED ||
	       reason == BH_SMP_ERR_DHKEY_CHECK_FAILED ||
	       reason == BH_SMP_ERR_NUMERIC_COMPARISON_FAILED ||
	       reason == BH_SMP_ERR_PASSKEY_ENTRY_FAILED;
}

static struct smp_backoff *backoff_find(struct bh_smp *smp, const bh_addr *peer)
{
	for (unsigned i = 0; i < SMP_BACKOFF_SLOTS; i++)
		if (smp->backoff[i].used && bh_addr_eq(&smp->backoff[i].peer, peer))
			return &smp->backoff[i];
	return NULL;
}

static void backoff_record(struct bh_smp *smp, const bh_addr *peer)
{
	struct smp_backoff *b = backoff_find(smp, peer);
	bh_time_ms now = bh_now(smp->env);
	if (!b) {
		/* Reuse a free slot, else the one whose wait ends first. */
		b = &smp->backoff[0];
		for (unsigned i = 0; i < SMP_BACKOFF_SLOTS; i++) {
			if (!smp->backoff[i].used) {
				b = &smp->backoff[i];
				break;
			}
			if (smp->backoff[i].until < b->until)
				b = &smp->backoff[i];
		}
		memset(b, 0, sizeof(*b));
		b->used = true;
		b->peer = *peer;
	}
	if (!b->interval_ms)
		b->interval_ms = smp->cfg.backoff_base_ms;
	else if (b->interval_ms < smp->cfg.backoff_max_ms / 2)
		b->interval_ms *= 2;
	else
		b->interval_ms = smp->cfg.backoff_max_ms;
	b->until = now + b->interval_ms;
}

bool smp_backoff_active(struct bh_smp *smp, const bh_addr *peer)
{
	struct smp_backoff *b = backoff_find(smp, peer);
	return b && bh_now(smp->env) < b->until;
}

static void backoff_clear(struct bh_smp *smp, const bh_addr *peer)
{
	struct smp_backoff *b = backoff_find(smp, peer);
	if (b)
		memset(b, 0, sizeof(*b));
}

static void wipe_pairing(struct smp_conn *c)
{
	c->pairing = false;
	c->deadline = BH_NEVER;
	c->user = SMP_USER_NONE;
	/* Clear every transient secret; keep link state and the tx queue. The
	 * bond record's keys go too, its block stays with the link. */
	struct bh_bond *bond = c->bond;
	size_t off = offsetof(struct smp_conn, initiator);
	size_t end = offsetof(struct smp_conn, txq);
	memset((uint8_t *)c + off, 0, end - off);
	if (bond)
		memset(bond, 0, sizeof(*bond));
	c->bond = bond;
}

void smp_abort(struct bh_smp *smp, struct smp_conn *c, bh_status status)
{
	bool owed = c->pairing || c->reencrypting;
	/* Failing after the new key is in use (key distribution): the link
	 * stays encrypted, but nothing was kept. Before that, the link keeps
	 * whatever key (and bond) it had. */
	if (c->pairing && c->state == SMP_ST_KEY_DIST)
		c->sec.bonded = false;
	if (bh_status_kind(status) == BH_KIND_SMP && is_auth_failure((uint8_t)bh_status_code(status)))
		backoff_record(smp, &c->peer);
	SMP_LOG(smp, BH_LOG_INFO, "0x%04x pairing ended in %s: %s", c->handle,
		smp_state_str(c->state), bh_strerror(status));
	if (c->state != SMP_ST_TIMED_OUT)
		c->state = SMP_ST_IDLE;
	c->reencrypting = false;
	wipe_pairing(c);
	if (owed && smp->port.pairing_complete)
		smp->port.pairing_complete(smp->port.ctx, c->handle, status, NULL);
}

void smp_fail_status(struct bh_smp *smp, struct smp_conn *c, uint8_t reason, bh_status status)
{
	smp_send(smp, c, SMP_PAIRING_FAILED, &reason, 1);
	smp_abort(smp, c, status);
}

void smp_fail(struct bh_smp *smp, struct smp_conn *c, uint8_t reason)
{
	smp_fail_status(smp, c, reason, BH_SMP_REASON(reason));
}

void smp_pairing_done(struct bh_smp *smp, struct smp_conn *c)
{
	/* Last guard before the bond is replaced: a bond for this identity may
	 * have appeared (another link) since the features were exchanged. */
	struct bh_bond *b = smp_conn_bond(smp, c); /* made at key distribution */
	if (!b) {
		smp_fail_status(smp, c, BH_SMP_ERR_UNSPECIFIED, BH_ENOMEM);
		return;
	}
	if (c->bonding && smp_refuse_downgrade(smp, c, &b->identity))
		return;
	backoff_clear(smp, &c->peer);
	c->sec.bonded = c->bonding && (!smp->port.save_bond || smp->port.save_bond(smp->port.ctx, b));
	c->state = SMP_ST_IDLE;
	bool owed = c->pairing;
	c->pairing = false;
	c->deadline = BH_NEVER;
	if (owed && smp->port.pairing_complete)
		smp->port.pairing_complete(smp->port.ctx, c->handle, BH_OK, b);
	wipe_pairing(c);
}

void smp_timer_restart(struct bh_smp *smp, struct smp_conn *c)
{
	c->deadline = bh_now(smp->env) + smp->cfg.timeout_ms;
}

bh_time_ms bh_smp_next_deadline(const struct bh_smp *smp)
{
	/* Asked every loop pass: the walk stops after the links there are. */
	bh_time_ms d = BH_NEVER;
	for (unsigned i = 0, seen = 0; seen < smp->nconns && i < smp->cfg.max_conns; i++) {
		const struct smp_conn *c = smp->conns[i];
		if (!c)
			continue;
		seen++;
		if (c->deadline < d)
			d = c->deadline;
	}
	return d;
}

void bh_smp_on_timeout(struct bh_smp *smp)
{
	bh_time_ms now = bh_now(smp->env);
	for (unsigned i = 0; i < smp->cfg.max_conns; i++) {
		struct smp_conn *c = smp->conns[i];
		if (!c || c->deadline > now)
			continue;
		/* 3.4: no further SMP on this link until it is re-established. */
		c->state = SMP_ST_TIMED_OUT;
		c->tx_count = 0;
		smp_abort(smp, c, BH_ETIMEDOUT);
	}
}

bool smp_is_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

bool smp_bond_key(const struct bh_bond *b, const struct bh_bond_ltk *l, struct bh_security *sec,
		  uint8_t key[16])
{
	if (!l->valid || smp_is_zero(l->ltk, 16))
		return false;
	sec->level = smp_level_of(b->authenticated, b->secure_connections);
	sec->key_size = l->key_size;
	sec->sc = b->secure_connections;
	sec->bonded = true;
	memcpy(key, l->ltk, 16);
	if (l->key_size >= 7 && l->key_size < 16)
		memset(key + l->key_size, 0, 16 - l->key_size);
	return true;
}

uint32_t smp_random_passkey(struct bh_smp *smp)
{
	uint8_t b[4];
	bh_random(smp->env, b, 4);
	return bh_get32(b) % 1000000u;
}

/* ---- HCI ---- */

/* An HCI command of ours for link handle failed (what: "failed", "not
 * queued"): a pairing or re-encryption that waited for the encryption it
 * asked for ends. */
static void cmd_failed(struct bh_smp *smp, uint16_t handle, uint16_t op, bh_status status,
		       const char *what)
{
	SMP_LOG(smp, BH_LOG_WARN, "0x%04x HCI 0x%04x %s: %s", handle, op, what,
		bh_strerror(status));
	struct smp_conn *c = smp_conn_find(smp, handle);
	if (c && op == BH_HCI_LE_ENABLE_ENCRYPTION && (c->pairing || c->reencrypting))
		smp_abort(smp, c, status);
}

static void cmd_done(void *cbctx, bh_status status, const uint8_t *ret, size_t len)
{
	struct smp_cmd_slot *s = cbctx;
	struct bh_smp *smp = s->smp;
	uint16_t handle = s->handle, op = s->opcode;
	s->used = false;
	if (ret && len >= 1 && ret[0] != 0 && status == BH_OK)
		status = BH_HCI_STATUS(ret[0]);
	if (status == BH_OK)
		return;
	if (smp_conn_find(smp, handle)) /* else the link is gone: nothing to tell */
		cmd_failed(smp, handle, op, status, "failed");
}

void smp_hci(struct bh_smp *smp, uint16_t opcode, const uint8_t *p, size_t len)
{
	uint16_t handle = bh_get16(p);
	struct smp_cmd_slot *s = NULL;
	for (unsigned i = 0; i < SMP_CMD_SLOTS; i++)
		if (!smp->cmds[i].used) {
			s = &smp->cmds[i];
			break;
		}
	if (s) {
		s->used = true;
		s->handle = handle;
		s->opcode = opcode;
	}
	int rc = smp->port.hci_cmd(smp->port.ctx, opcode, p, len, s ? cmd_done : NULL, s);
	if (rc != 0) {
		if (s)
			s->used = false;
		cmd_failed(smp, handle, opcode, rc, "not queued");
	}
}

int smp_start_encryption(struct bh_smp *smp, struct smp_conn *c, const uint8_t key[16],
			 const uint8_t rand[8], uint16_t ediv)
{
	/* Vol 4, Part E, 7.8.24: handle, Random_Number, Encrypted_Diversifier, LTK. */
	uint8_t p[28];
	if (smp_is_zero(key, 16))
		return BH_ESECURITY; /* never install a zero key */
	bh_put16(p, c->handle);
	memcpy(p + 2, rand, 8);
	bh_put16(p + 10, ediv);
	memcpy(p + 12, key, 16);
	smp_hci(smp, BH_HCI_LE_ENABLE_ENCRYPTION, p, sizeof(p));
	memset(p, 0, sizeof(p));
	return 0;
}

void smp_encrypt_stk(struct bh_smp *smp, struct smp_conn *c)
{
	static const uint8_t zero8[8];
	if (smp_start_encryption(smp, c, c->stk, zero8, 0) != 0)
		smp_fail(smp, c, BH_SMP_ERR_UNSPECIFIED);
}

bool smp_stk_ready(struct bh_smp *smp, struct smp_conn *c)
{
	/* 2.3.4: shorten to the negotiated size by zeroing the top octets. */
	if (c->key_size < 16)
		memset(c->stk + c->key_size, 0, 16 - c->key_size);
	if (smp_is_zero(c->stk, 16)) {
		smp_fail(smp, c, BH_SMP_ERR_UNSPECIFIED);
		return false;
	}
	return true;
}

enum bh_sec_level smp_level_of(bool auth, bool sc)
{
	if (!auth)
		return BH_SEC_ENCRYPTED;
	return sc ? BH_SEC_SC_AUTHENTICATED : BH_SEC_AUTHENTICATED;
}

void bh_smp_on_encrypt_change(struct bh_smp *smp, uint16_t handle, uint8_t status, bool enabled)
{
	struct smp_conn *c = smp_conn_find(smp, handle);
	if (!c)
		return;
	if (status != 0 || !enabled) {
		c->encrypted = false;
		memset(&c->sec, 0, sizeof(c->sec));
		if (c->pairing || c->reencrypting)
			smp_abort(smp, c, status ? BH_HCI_STATUS(status) : BH_ESECURITY);
		else if (smp->port.security_changed)
			smp->port.security_changed(smp->port.ctx, handle, &c->sec);
		return;
	}
	c->encrypted = true;
	if (c->pairing && c->state == SMP_ST_WAIT_ENCRYPT) {
		c->sec.level = smp_level_of(c->auth, c->sc);
		c->sec.key_size = c->key_size;
		c->sec.sc = c->sc;
		c->sec.bonded = c->bonding;
		if (smp->port.security_changed)
			smp->port.security_changed(smp->port.ctx, handle, &c->sec);
		smp_keys_start(smp, c);
		return;
	}
	if (c->reencrypting) {
		c->sec = c->reenc_sec;
		c->reencrypting = false;
	}
	/* else: a peripheral answered an LTK request from a bond; sec was set
	 * in smp_resp_on_ltk_request. */
	if (smp->port.security_changed)
		smp->port.security_changed(smp->port.ctx, handle, &c->sec);
}

void bh_smp_on_key_refresh(struct bh_smp *smp, uint16_t handle, uint8_t status)
{
	/* A refresh re-keys an encrypted link: the same as an Encryption Change
	 * with encryption on (Vol 4, Part E, 7.7.39). */
	bh_smp_on_encrypt_change(smp, handle, status, status == 0);
}

void bh_smp_on_ltk_request(struct bh_smp *smp, uint16_t handle, uint64_t rand, uint16_t ediv)
{
	struct smp_conn *c = smp_conn_find(smp, handle);
	if (!c) {
		/* Unknown link: still answer so the controller does not wait. */
		smp_ltk_answer(smp, handle, NULL);
		return;
	}
	smp_resp_on_ltk_request(smp, c, rand, ediv);
}

/* ---- PDU dispatch ---- */

void bh_smp_on_pdu(struct bh_smp *smp, uint16_t handle, const uint8_t *pdu, size_t len)
{
	struct smp_conn *c = smp_conn_find(smp, handle);
	struct smp_pdu p;

	if (!c || c->state == SMP_ST_TIMED_OUT)
		return; /* 3.4: after a timeout the link gets no more SMP */
	uint8_t err = smp_pdu_decode(pdu, len, &p);
	SMP_LOG(smp, BH_LOG_DEBUG, "0x%04x < %s in %s", handle, smp_code_str(p.code),
		smp_state_str(c->state));
	if (err) {
		/* A short Pairing Failed still ends the pairing, unanswered. */
		if (p.code == SMP_PAIRING_FAILED && len >= 1) {
			if (c->pairing)
				smp_abort(smp, c, BH_SMP_REASON(BH_SMP_ERR_UNSPECIFIED));
			return;
		}
		smp_fail(smp, c, err);
		return;
	}
	if (p.code == SMP_PAIRING_FAILED) {
		/* Never answer a Pairing Failed with one. */
		if (c->pairing)
			smp_abort(smp, c, BH_SMP_REASON(p.u.reason));
		return;
	}
	if (c->pairing)
		smp_timer_restart(smp, c);

	switch (p.code) {
	case SMP_PAIRING_REQ:
		if (c->central) {
			smp_fail(smp, c, BH_SMP_ERR_CMD_NOT_SUPPORTED);
			return;
		}
		if (c->state != SMP_ST_IDLE)
			break;
		smp_resp_on_pairing_req(smp, c, &p);
		return;
	case SMP_SECURITY_REQ:
		if (!c->central) {
			smp_fail(smp, c, BH_SMP_ERR_CMD_NOT_SUPPORTED);
			return;
		}
		/* 3.6.7: ignored while a pairing is already running. */
		if (c->pairing)
			return;
		smp_init_on_security_req(smp, c, &p);
		return;
	case SMP_PAIRING_RSP:
		if (c->state != SMP_ST_WAIT_PAIRING_RSP)
			break;
		smp_init_on_pairing_rsp(smp, c, &p);
		return;
	case SMP_PUBLIC_KEY:
		if (c->state != SMP_ST_WAIT_PUBKEY || !c->sc)
			break;
		smp_sc_on_public_key(smp, c, p.u.pubkey);
		return;
	case SMP_PAIRING_CONFIRM:
		if (c->state != SMP_ST_WAIT_CONFIRM)
			break;
		if (c->sc)
			smp_sc_on_confirm(smp, c, p.u.v16);
		else
			smp_legacy_on_confirm(smp, c, p.u.v16);
		return;
	case SMP_PAIRING_RANDOM:
		if (c->state != SMP_ST_WAIT_RANDOM)
			break;
		if (c->sc)
			smp_sc_on_random(smp, c, p.u.v16);
		else
			smp_legacy_on_random(smp, c, p.u.v16);
		return;
	case SMP_DHKEY_CHECK:
		if (c->state != SMP_ST_WAIT_DHKEY_CHECK)
			break;
		smp_sc_on_dhkey_check(smp, c, p.u.v16);
		return;
	case SMP_KEYPRESS:
		/* Informational; only meaningful while a passkey is typed. */
		if (c->pairing && c->method >= SMP_M_PK_INIT_INPUT &&
		    c->method <= SMP_M_PK_BOTH_INPUT)
			return;
		break;
	case SMP_ENC_INFO:
	case SMP_CENTRAL_IDENT:
	case SMP_IDENTITY_INFO:
	case SMP_IDENTITY_ADDR_INFO:
	case SMP_SIGNING_INFO:
		if (c->state != SMP_ST_KEY_DIST)
			break;
		smp_keys_on_pdu(smp, c, &p);
		return;
	}
	/* A known command that this state does not expect (3.3). */
	smp_fail(smp, c, BH_SMP_ERR_UNSPECIFIED);
}

/* ---- API ---- */

int bh_smp_pair(struct bh_smp *smp, uint16_t handle, const struct bh_smp_pair_opts *opts)
{
	struct smp_conn *c = smp_conn_find(smp, handle);
	if (!c)
		return BH_ENOTFOUND;
	if (!c->central || c->pairing || c->reencrypting || c->state != SMP_ST_IDLE)
		return BH_ESTATE;
	if (smp_backoff_active(smp, &c->peer))
		return BH_EPERM;
	return smp_init_pair(smp, c, opts ? opts->bonding : smp->cfg.bonding,
			     opts ? opts->mitm : smp->cfg.mitm);
}

int bh_smp_request_security(struct bh_smp *smp, uint16_t handle, enum bh_sec_level level)
{
	struct smp_conn *c = smp_conn_find(smp, handle);
	if (!c)
		return BH_ENOTFOUND;
	if (c->state == SMP_ST_TIMED_OUT)
		return BH_ESTATE;
	if (level == BH_SEC_NONE || (c->encrypted && c->sec.level >= level))
		return 0;
	if (c->pairing || c->reencrypting)
		return 0; /* already on its way */
	bool mitm = level >= BH_SEC_AUTHENTICATED;
	if (!c->central)
		return smp_resp_security_request(smp, c, level);
	if (!c->encrypted && smp_init_reencrypt(smp, c, mitm, level >= BH_SEC_SC_AUTHENTICATED))
		return 0;
	if (smp_backoff_active(smp, &c->peer))
		return BH_EPERM;
	return smp_init_pair(smp, c, smp->cfg.bonding, mitm || smp->cfg.mitm);
}

int bh_smp_passkey_reply(struct bh_smp *smp, uint16_t handle, bool accept, uint32_t passkey)
{
	struct smp_conn *c = smp_conn_find(smp, handle);
	if (!c || !c->pairing || c->user != SMP_USER_PASSKEY)
		return BH_ESTATE;
	c->user = SMP_USER_NONE;
	if (!accept || passkey > 999999) {
		smp_fail(smp, c, BH_SMP_ERR_PASSKEY_ENTRY_FAILED);
		return 0;
	}
	c->passkey = passkey;
	c->tk_ready = true;
	memset(c->tk, 0, 16); /* legacy: TK = passkey; SC uses the passkey's bits */
	bh_put32(c->tk, passkey);
	smp_confirm_ready(smp, c, (uint8_t)(0x80 | ((passkey >> c->round) & 1))); /* SC's z */
	return 0;
}

int bh_smp_confirm_reply(struct bh_smp *smp, uint16_t handle, bool accept)
{
	struct smp_conn *c = smp_conn_find(smp, handle);
	if (!c || !c->pairing || c->user != SMP_USER_CONFIRM)
		return BH_ESTATE;
	c->user = SMP_USER_NONE;
	smp_sc_confirm_reply(smp, c, accept);
	return 0;
}

struct bh_security bh_smp_security(const struct bh_smp *smp, uint16_t handle)
{
	struct bh_security s = { 0 };
	const struct smp_conn *c = smp_conn_find(smp, handle);
	if (c && c->encrypted)
		s = c->sec;
	return s;
}
