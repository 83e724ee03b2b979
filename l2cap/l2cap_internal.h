/* L2CAP internals shared by l2cap.c (object, connections, frames, fixed
 * channels, LE signaling) and l2cap_coc.c (LE credit-based channels).
 * Not installed. */
#ifndef BH_L2CAP_INTERNAL_H
#define BH_L2CAP_INTERNAL_H

#include <blehost/l2cap.h>

#include <blehost/bh_bytes.h>

#define L2_LOG(l2, lvl, ...) BH_LOGF((l2)->env, lvl, "l2cap", __VA_ARGS__)

#define SIG_HDR_LEN 4     /* code, identifier, length (Vol 3, Part A, 4) */
#define SIGQ_DEPTH 4      /* signaling frames held per connection after BH_EBUSY */
#define SIG_FRAME_MAX 32  /* our largest signaling frame is 4 + 4 + 10 */
#define COC_MPS_MIN 23
#define COC_MPS_MAX 65533
#define COC_MTU_MIN 23

struct l2_conn {
	bool in_use;
	/* port.acl_send said BH_L2CAP_NOW_FULL and bh_l2cap_acl_can_send has
	 * not come since: fixed channel PDUs are refused unbuilt. (Here: in
	 * the padding.) */
	bool acl_full;
	uint16_t handle;
	enum bh_l2cap_role role;
	uint8_t next_ident;
	/* Our Connection Parameter Update Request (peripheral), if pending. */
	bool param_pending;
	uint8_t param_ident;
	bh_time_ms param_deadline;
	/* Signaling frames waiting for room, in order (sigq, last). */
	unsigned sigq_head, sigq_count;
	uint8_t sigq_len[SIGQ_DEPTH];
	bool fixed_wants; /* send_fixed returned BH_EBUSY: tell port.can_send */
	/* Our ECFC reconfigure request (l2cap_ecfc.c), if pending. */
	bool reconf_pending;
	uint8_t reconf_ident, reconf_n;
	bh_time_ms reconf_deadline;
	uint16_t reconf_cids[BH_L2CAP_ECFC_MAX_CHANNELS];
	uint16_t reconf_old_mtu[BH_L2CAP_ECFC_MAX_CHANNELS], reconf_old_mps[BH_L2CAP_ECFC_MAX_CHANNELS];
	uint16_t reconf_mps;
	/* Last, so that the fields above sit at small offsets, which most
	 * instruction sets encode shorter (x86-64: one octet below 128). */
	uint8_t sigq[SIGQ_DEPTH][SIG_FRAME_MAX];
};

struct l2_chan {
	bool in_use;
	bool user_told; /* closed for the user (BH_EPROTO), awaiting the peer's response */
	enum bh_l2cap_chan_state state;
	uint16_t handle;
	uint16_t spsm, local_cid, peer_cid;
	uint16_t peer_mtu, peer_mps;
	uint16_t local_mtu, local_mps; /* what we receive: coc_mtu/mps unless ECFC set them */
	bool ecfc;          /* opened by ECFC: reconfigurable */
	uint8_t ecfc_slot;  /* position in our connection request */
	uint32_t tx_credits; /* what the peer gave us (checked against 65535) */
	uint16_t rx_credits; /* what we gave and the peer has not used */
	/* Our pending signaling request on this channel (connect/disconnect). */
	uint8_t ident;
	bh_time_ms deadline;
	/* Reassembly. */
	uint8_t *rx_buf;
	uint16_t rx_sdu_len, rx_len;
	bool rx_in_sdu;
	/* Segmentation: one SDU at a time. */
	uint8_t *tx_buf;
	uint16_t tx_len, tx_off;
	bool tx_active, tx_started;
};

/* What each frame uses first and the large members last, so that most
 * sit at small offsets (see struct l2_conn). */
struct bh_l2cap {
	struct l2_conn *conns;
	struct l2_chan *chans;
	/* Channels in use: the per-packet and per-pass walks of chans[] are
	 * skipped while there are none (the usual case: ATT on its fixed CID). */
	unsigned chans_in_use;
	/* Links in use: the per-pass deadline walk of conns[] stops once it
	 * has seen them all (one link sits in the first of eight slots). */
	unsigned conns_in_use;
	uint16_t *servers; /* registered SPSMs, 0 = free slot */
	uint8_t *frame;    /* scratch for outgoing frames: 4 + max(coc_mtu + 2, att_mtu) */
	const struct bh_env *env;
	struct bh_l2cap_config cfg;
	struct bh_l2cap_port port;
	struct bh_l2cap_stats stats;
};

/* l2cap.c */
struct l2_conn *l2_conn_find(struct bh_l2cap *l2, uint16_t handle);
/* port.acl_send for c's link; BH_L2CAP_NOW_FULL sets acl_full and is
 * returned as 0. */
int l2_acl_send(struct bh_l2cap *l2, struct l2_conn *c, const uint8_t *frame, size_t len);
/* Sends a signaling command (code, ident, data) on CID 5; holds it when the
 * link is busy. 0, or BH_EBUSY when it could neither go out nor be held. */
int l2_sig_send(struct bh_l2cap *l2, struct l2_conn *c, uint8_t code, uint8_t ident,
		const uint8_t *data, size_t len);
uint8_t l2_next_ident(struct l2_conn *c);

/* l2cap.c: signaling */
void l2_sig_on_frame(struct bh_l2cap *l2, struct l2_conn *c, const uint8_t *pdu, size_t len);
void l2_sig_reject(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident, uint16_t reason,
		   const uint8_t *data, size_t len);
void l2_sig_timeout(struct bh_l2cap *l2, struct l2_conn *c, bh_time_ms now);

/* l2cap_coc.c: signaling handlers return false when the command is
 * malformed (the caller sends Command Reject). */
bool l2_coc_on_conn_req(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			const uint8_t *d, size_t len);
void l2_coc_on_conn_rsp(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			const uint8_t *d, size_t len);
bool l2_coc_on_disconn_req(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			   const uint8_t *d, size_t len);
void l2_coc_on_disconn_rsp(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			   const uint8_t *d, size_t len);
void l2_coc_on_credits(struct bh_l2cap *l2, struct l2_conn *c, const uint8_t *d, size_t len);
/* Command Reject for one of our channel requests: true if it matched. */
bool l2_coc_on_reject(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident);
/* A K-frame for a dynamic CID: false if no channel has that CID. */
bool l2_coc_on_kframe(struct bh_l2cap *l2, struct l2_conn *c, uint16_t cid, const uint8_t *p,
		      size_t len);
void l2_coc_can_send(struct bh_l2cap *l2, struct l2_conn *c);
void l2_coc_conn_removed(struct bh_l2cap *l2, uint16_t handle);
void l2_coc_timeout(struct bh_l2cap *l2, bh_time_ms now);
bh_time_ms l2_coc_next_deadline(const struct bh_l2cap *l2);

/* l2cap_coc.c: channel table helpers shared with l2cap_ecfc.c */
struct l2_chan *l2_chan_by_local(struct bh_l2cap *l2, uint16_t handle, uint16_t cid);
struct l2_chan *l2_chan_by_peer(struct bh_l2cap *l2, uint16_t handle, uint16_t cid);
struct l2_chan *l2_chan_alloc(struct bh_l2cap *l2, uint16_t handle);
void l2_chan_free(struct bh_l2cap *l2, struct l2_chan *ch);
bool l2_server_known(const struct bh_l2cap *l2, uint16_t spsm);

/* l2cap_ecfc.c: enhanced credit-based flow control (4.25-4.28) */
bool l2_ecfc_on_conn_req(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			 const uint8_t *d, size_t len);
void l2_ecfc_on_conn_rsp(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			 const uint8_t *d, size_t len);
bool l2_ecfc_on_reconf_req(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			   const uint8_t *d, size_t len);
void l2_ecfc_on_reconf_rsp(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident,
			   const uint8_t *d, size_t len);
/* Command Reject for our ECFC connect or reconfigure: true if it matched. */
bool l2_ecfc_on_reject(struct bh_l2cap *l2, struct l2_conn *c, uint8_t ident);
/* Its reconfigure deadline (reconf_deadline) is read by bh_l2cap_next_deadline. */
void l2_ecfc_timeout(struct bh_l2cap *l2, bh_time_ms now);

#endif
