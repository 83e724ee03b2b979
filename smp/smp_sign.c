/* The ATT data signing algorithm (Vol 3, Part H, 2.4.5) and the CSRK
 * counters of bonds: what Signed Write Commands are signed and verified
 * with. A build with -Dsigned_write=false has smp_sign_off.c instead. */
#include "smp_internal.h"

#include <blehost/bh_bytes.h>
#include <blehost/bh_crypto.h>
#include <blehost/bh_libcrypto.h>

#include <string.h>

int bh_smp_sign_raw(const uint8_t csrk[16], uint32_t counter, const uint8_t *msg, size_t len,
		    uint8_t sig[12])
{
	/* M || SignCounter taken as one MSO-first number: the wire octets
	 * reversed as a whole; the key likewise. */
	uint8_t wire[1024 + 4], m[1024 + 4], key[16], mac[16];
	if (len > 1024 || (len && !msg))
		return BH_EINVAL;
	if (len)
		memcpy(wire, msg, len);
	bh_put32(wire + len, counter);
	bh_swap(m, wire, len + 4);
	bh_swap(key, csrk, 16);
	int rc = bh_aes_cmac(key, m, len + 4, mac);
	memset(key, 0, sizeof(key));
	if (rc)
		return rc;
	bh_put32(sig, counter);
	bh_swap(sig + 4, mac, 8); /* MSB_64, sent LSO first */
	return 0;
}

/* A changed sign counter must be kept before it is used or trusted. */
static int smp_keep_counter(struct bh_smp *smp, const struct bh_bond *b)
{
	return smp->port.save_bond && !smp->port.save_bond(smp->port.ctx, b) ? BH_EIO : 0;
}

int bh_smp_sign(struct bh_smp *smp, uint16_t handle, const uint8_t *msg, size_t len,
		uint8_t sig[12])
{
	struct smp_conn *c = smp_conn_find(smp, handle);
	struct bh_bond *b = smp_scratch(smp);
	if (!c)
		return BH_ENOTFOUND;
	if (!b)
		return BH_ENOMEM;
	if (!smp->port.get_bond || !smp->port.get_bond(smp->port.ctx, &c->peer, b) ||
	    !b->local_csrk.valid)
		return BH_ENOTFOUND;
	if (b->local_csrk.sign_counter == UINT32_MAX)
		return BH_ESECURITY; /* counter exhausted: a new CSRK is needed */
	int rc = bh_smp_sign_raw(b->local_csrk.key, b->local_csrk.sign_counter, msg, len, sig);
	if (rc)
		return rc;
	b->local_csrk.sign_counter++;
	return smp_keep_counter(smp, b);
}

int bh_smp_verify(struct bh_smp *smp, uint16_t handle, const uint8_t *msg, size_t len,
		  const uint8_t sig[12])
{
	struct smp_conn *c = smp_conn_find(smp, handle);
	struct bh_bond *b = smp_scratch(smp);
	uint8_t expect[12];
	if (!c)
		return BH_ENOTFOUND;
	if (!b)
		return BH_ENOMEM;
	if (!smp->port.get_bond || !smp->port.get_bond(smp->port.ctx, &c->peer, b) ||
	    !b->peer_csrk.valid)
		return BH_ENOTFOUND;
	uint32_t cnt = bh_get32(sig);
	/* Counters only grow; UINT32_MAX cannot be followed so is never valid. */
	if (cnt < b->peer_csrk.sign_counter || cnt == UINT32_MAX)
		return BH_EPERM; /* replayed or stale */
	int rc = bh_smp_sign_raw(b->peer_csrk.key, cnt, msg, len, expect);
	if (rc)
		return rc;
	if (bh_ct_memcmp(expect, sig, 12) != 0) /* libcrypto is loaded: it made expect */
		return BH_ESECURITY;
	b->peer_csrk.sign_counter = cnt + 1;
	return smp_keep_counter(smp, b);
}
