/* LE credit-based channels (LE CoC and ECFC, hence EATT) of a build with
 * -Dl2cap_coc=false: the API links and returns BH_ENOTSUP, and a peer's
 * channel requests get the answer of a device with no such server
 * (Vol 3, Part A, 4.23 and 4.26: SPSM not supported). Fixed channels and
 * connection parameter updates stay in l2cap.c. */
#include "l2cap_internal.h"

#include <string.h>

#define OFF_MSG "LE credit-based channels are not in this build (-Dl2cap_coc=false)"

static int left_out(struct bh_l2cap *l2)
{
	if (l2)
		L2_LOG(l2, BH_LOG_WARN, OFF_MSG);
	return BH_ENOTSUP;
}

/* 4.22/4.23: every SPSM is unknown, so every request is refused with
 * result 0x0002 and the other fields 0. */
bool l2_coc_on_conn_req(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			const uint8_t *d, size_t len)
{
	(void)d;
	if (len != 10)
		return false;
	uint8_t rsp[10] = { 0 };
	bh_put16(rsp + 8, BH_L2CAP_LE_SPSM_NOT_SUPPORTED);
	(void)l2_sig_send(l2, c, BH_L2CAP_LE_CREDIT_CONN_RSP, ident, rsp, sizeof(rsp));
	return true;
}

/* 4.25/4.26: "All connections refused - SPSM not supported", one
 * Destination CID of 0 per Source CID asked for. */
bool l2_ecfc_on_conn_req(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			 const uint8_t *d, size_t len)
{
	(void)d;
	if (len < 8 || (len - 8) % 2 || len - 8 > 2 * BH_L2CAP_ECFC_MAX_CHANNELS)
		return false;
	uint8_t rsp[8 + 2 * BH_L2CAP_ECFC_MAX_CHANNELS] = { 0 };
	bh_put16(rsp + 6, BH_L2CAP_LE_SPSM_NOT_SUPPORTED);
	(void)l2_sig_send(l2, c, BH_L2CAP_CREDIT_CONN_RSP, ident, rsp, len);
	return true;
}

/* 4.6 / 4.1: no channel exists, so the CIDs are invalid. */
bool l2_coc_on_disconn_req(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			   const uint8_t *d, size_t len)
{
	if (len != 4)
		return false;
	l2_sig_reject(l2, c, ident, BH_L2CAP_REJ_INVALID_CID, d, len);
	return true;
}

/* 4.27/4.28: none of the CIDs names an open channel. */
bool l2_ecfc_on_reconf_req(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			   const uint8_t *d, size_t len)
{
	(void)d;
	if (len < 4 || (len - 4) % 2)
		return false;
	uint8_t rsp[2];
	bh_put16(rsp, BH_L2CAP_RECONF_INVALID_CID);
	(void)l2_sig_send(l2, c, BH_L2CAP_CREDIT_RECONF_RSP, ident, rsp, sizeof(rsp));
	return true;
}

/* We never send a request, so every response is unmatched. */
static void unmatched(struct bh_l2cap *l2)
{
	L2_LOG(l2, BH_LOG_INFO, "unexpected credit-based response dropped (-Dl2cap_coc=false)");
	l2->stats.sig_dropped++;
}

void l2_coc_on_conn_rsp(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			const uint8_t *d, size_t len)
{
	(void)c, (void)ident, (void)d, (void)len;
	unmatched(l2);
}

void l2_coc_on_disconn_rsp(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			   const uint8_t *d, size_t len)
{
	(void)c, (void)ident, (void)d, (void)len;
	unmatched(l2);
}

void l2_ecfc_on_conn_rsp(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			 const uint8_t *d, size_t len)
{
	(void)c, (void)ident, (void)d, (void)len;
	unmatched(l2);
}

void l2_ecfc_on_reconf_rsp(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			   const uint8_t *d, size_t len)
{
	(void)c, (void)ident, (void)d, (void)len;
	unmatched(l2);
}

/* Credits for a CID we do not have: ignored (4.24). */
void l2_coc_on_credits(struct bh_l2cap *l2, struct l2_conn *c, const uint8_t *d, size_t len)
{
	(void)c, (void)d, (void)len;
	l2->stats.sig_dropped++;
}

bool l2_coc_on_reject(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident)
{
	(void)l2, (void)c, (void)ident;
	return false;
}

bool l2_ecfc_on_reject(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident)
{
	(void)l2, (void)c, (void)ident;
	return false;
}

bool l2_coc_on_kframe(struct bh_l2cap *l2, struct l2_conn *c, uint16_t cid, const uint8_t *p,
		      size_t len)
{
	(void)l2, (void)c, (void)cid, (void)p, (void)len;
	return false;
}

void l2_coc_can_send(struct bh_l2cap *l2, struct l2_conn *c)
{
	(void)l2, (void)c;
}

void l2_coc_conn_removed(struct bh_l2cap *l2, uint16_t handle)
{
	(void)l2, (void)handle;
}

void l2_coc_timeout(struct bh_l2cap *l2, bh_time_ms now)
{
	(void)l2, (void)now;
}

void l2_ecfc_timeout(struct bh_l2cap *l2, bh_time_ms now)
{
	(void)l2, (void)now;
}

bh_time_ms l2_coc_next_deadline(const struct bh_l2cap *l2)
{
	(void)l2;
	return BH_NEVER;
}

int bh_l2cap_coc_register(struct bh_l2cap *l2, uint16_t spsm)
{
	(void)spsm;
	return left_out(l2);
}

int bh_l2cap_coc_unregister(struct bh_l2cap *l2, uint16_t spsm)
{
	(void)spsm;
	return left_out(l2);
}

int bh_l2cap_coc_connect(struct bh_l2cap *l2, uint16_t handle, uint16_t spsm, uint16_t *cid)
{
	(void)handle, (void)spsm;
	if (cid)
		*cid = 0;
	return left_out(l2);
}

int bh_l2cap_coc_send(struct bh_l2cap *l2, uint16_t handle, uint16_t cid, const uint8_t *sdu,
		      size_t len)
{
	(void)handle, (void)cid, (void)sdu, (void)len;
	return left_out(l2);
}

int bh_l2cap_coc_disconnect(struct bh_l2cap *l2, uint16_t handle, uint16_t cid)
{
	(void)handle, (void)cid;
	return left_out(l2);
}

int bh_l2cap_ecfc_connect(struct bh_l2cap *l2, uint16_t handle, uint16_t spsm, unsigned count,
			  uint16_t mtu, uint16_t cids[])
{
	(void)handle, (void)spsm, (void)mtu;
	if (cids)
		memset(cids, 0, sizeof(cids[0]) * (count <= BH_L2CAP_ECFC_MAX_CHANNELS ? count : 0));
	return left_out(l2);
}

int bh_l2cap_ecfc_reconfigure(struct bh_l2cap *l2, uint16_t handle, const uint16_t *cids,
			      unsigned count, uint16_t mtu, uint16_t mps)
{
	(void)handle, (void)cids, (void)count, (void)mtu, (void)mps;
	return left_out(l2);
}

int bh_l2cap_chan_info(const struct bh_l2cap *l2, uint16_t handle, uint16_t cid,
		       struct bh_l2cap_chan_info *out)
{
	(void)l2, (void)handle, (void)cid, (void)out;
	return BH_ENOTSUP;
}
