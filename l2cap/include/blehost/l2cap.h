/* blehost L2CAP (LE only): one object for all connections.
 *
 * - Fixed channels: ATT (CID 4) and SMP (CID 6) are passed up through
 *   port.fixed_rx; LE signaling (CID 5) is handled here.
 * - LE signaling (Vol 3, Part A, 4): Command Reject, Connection Parameter
 *   Update Request/Response (both roles), Disconnection Request/Response,
 *   LE Credit Based Connection Request/Response, Flow Control Credit.
 *   Our requests are retransmission-timed (RTX, 30 s): on expiry the
 *   request completes with BH_ETIMEDOUT.
 * - LE credit-based connection-oriented channels (Vol 3, Part A, 10.1 and
 *   3.4): SDUs are segmented into K-frames of at most the peer's MPS, sent as
 *   the peer's credits allow, reassembled on receive with the spec's checks,
 *   and credits are returned as we consume K-frames.
 *
 * Sans-I/O: frames come in through bh_l2cap_on_acl() and leave through
 * port.acl_send(); time comes from env->now().
 *
 * Buffer ownership: pointers given to port callbacks are borrowed for the
 * duration of the callback. Every buffer passed into an API call is copied
 * before the call returns (or the call fails and nothing was kept).
 */
#ifndef BH_L2CAP_H
#define BH_L2CAP_H

#include <blehost/bh_env.h>
#include <blehost/bh_err.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fixed LE channel identifiers (Vol 3, Part A, 2.1). */
#define BH_L2CAP_CID_ATT 0x0004
#define BH_L2CAP_CID_LE_SIGNALING 0x0005
#define BH_L2CAP_CID_SMP 0x0006
/* Dynamically allocated LE CIDs. */
#define BH_L2CAP_CID_DYN_MIN 0x0040
#define BH_L2CAP_CID_DYN_MAX 0x007f

#define BH_L2CAP_HDR_LEN 4
#define BH_L2CAP_SMP_MTU 65 /* Vol 3, Part H, 3.2 (LE Secure Connections) */
#define BH_L2CAP_SIG_MTU 23 /* MTU of the LE signaling channel we accept */
#define BH_L2CAP_RTX_MS 30000

/* LE signaling command codes (Vol 3, Part A, 4). */
enum bh_l2cap_sig_code {
	BH_L2CAP_COMMAND_REJECT = 0x01,
	BH_L2CAP_DISCONN_REQ = 0x06,
	BH_L2CAP_DISCONN_RSP = 0x07,
	BH_L2CAP_CONN_PARAM_REQ = 0x12,
	BH_L2CAP_CONN_PARAM_RSP = 0x13,
	BH_L2CAP_LE_CREDIT_CONN_REQ = 0x14,
	BH_L2CAP_LE_CREDIT_CONN_RSP = 0x15,
	BH_L2CAP_FLOW_CONTROL_CREDIT = 0x16,
	BH_L2CAP_CREDIT_CONN_REQ = 0x17, /* enhanced credit based (ECFC), 5.2 */
	BH_L2CAP_CREDIT_CONN_RSP = 0x18,
	BH_L2CAP_CREDIT_RECONF_REQ = 0x19,
	BH_L2CAP_CREDIT_RECONF_RSP = 0x1a,
};

/* Command Reject reasons (Vol 3, Part A, 4.1). */
enum {
	BH_L2CAP_REJ_NOT_UNDERSTOOD = 0x0000,
	BH_L2CAP_REJ_MTU_EXCEEDED = 0x0001,
	BH_L2CAP_REJ_INVALID_CID = 0x0002,
};

/* LE Credit Based Connection Response results (Vol 3, Part A, 4.23).
 * A refused or failed connect completes with BH_L2CAP_RESULT(result). */
enum {
	BH_L2CAP_LE_SUCCESS = 0x0000,
	BH_L2CAP_LE_SPSM_NOT_SUPPORTED = 0x0002,
	BH_L2CAP_LE_NO_RESOURCES = 0x0004,
	BH_L2CAP_LE_INSUFF_AUTHENTICATION = 0x0005,
	BH_L2CAP_LE_INSUFF_AUTHORIZATION = 0x0006,
	BH_L2CAP_LE_INSUFF_ENC_KEY_SIZE = 0x0007,
	BH_L2CAP_LE_INSUFF_ENCRYPTION = 0x0008,
	BH_L2CAP_LE_INVALID_SOURCE_CID = 0x0009,
	BH_L2CAP_LE_SOURCE_CID_IN_USE = 0x000a,
	BH_L2CAP_LE_UNACCEPTABLE_PARAMS = 0x000b,
	BH_L2CAP_LE_INVALID_PARAMS = 0x000c, /* ECFC only */
};

/* L2CAP_CREDIT_BASED_CONNECTION_RSP (Vol 3, Part A, 4.26) uses the codes
 * above with "all" or "some" meaning: 0x0004, 0x0009 and 0x000a refuse only
 * some of the channels (their Destination CID is 0), the others all of them.
 * L2CAP_CREDIT_BASED_RECONFIGURE_RSP results (4.28): */
enum {
	BH_L2CAP_RECONF_SUCCESS = 0x0000,
	BH_L2CAP_RECONF_MTU_REDUCED = 0x0001,
	BH_L2CAP_RECONF_MPS_REDUCED = 0x0002, /* for more than one channel at a time */
	BH_L2CAP_RECONF_INVALID_CID = 0x0003,
	BH_L2CAP_RECONF_UNACCEPTABLE = 0x0004,
};

#define BH_L2CAP_ECFC_MAX_CHANNELS 5 /* per request (4.25) */
#define BH_L2CAP_ECFC_MTU_MIN 64
#define BH_L2CAP_ECFC_MPS_MIN 64

enum bh_l2cap_role { BH_L2CAP_CENTRAL = 0, BH_L2CAP_PERIPHERAL = 1 };

/* Connection parameters in controller units (Vol 3, Part A, 4.20):
 * interval 1.25 ms units (6..3200), latency in events (0..499),
 * supervision timeout 10 ms units (10..3200). */
struct bh_l2cap_conn_params {
	uint16_t interval_min, interval_max, latency, timeout;
};
/* Range checks of Vol 3, Part A, 4.20 plus the supervision-timeout rule
 * timeout * 10 ms > (1 + latency) * interval_max * 1.25 ms * 2. */
bool bh_l2cap_conn_params_valid(const struct bh_l2cap_conn_params *p);

/* LE credit-based channel states. */
enum bh_l2cap_chan_state {
	BH_L2CAP_CHAN_CLOSED = 0,
	BH_L2CAP_CHAN_WAIT_CONNECT_RSP, /* we sent the connection request */
	BH_L2CAP_CHAN_OPEN,
	BH_L2CAP_CHAN_WAIT_DISCONNECT_RSP, /* we sent the disconnection request */
};
const char *bh_l2cap_chan_state_str(enum bh_l2cap_chan_state s);

struct bh_l2cap_config {
	unsigned max_connections; /* default 8 */
	unsigned max_channels;    /* credit-based channels, all connections; default 8. A slot's
				   * two coc_mtu buffers are made by the first channel that uses
				   * it and kept until bh_l2cap_free (BH_ENOMEM, or No Resources
				   * to a peer, when they cannot be made) */
	unsigned max_servers;     /* registered SPSMs; default 4 */
	uint16_t att_mtu;         /* largest ATT PDU on CID 4 (both ways); default 517 */
	uint16_t coc_mtu;         /* our SDU limit for CoC (receive and send); default 512; >= 23 */
	uint16_t coc_mps;         /* our K-frame payload limit; default 247; 23..65533 */
	uint16_t coc_credits;     /* initial credits we grant; default 8 */
	unsigned rtx_ms;          /* signaling response timeout; default 30000 */
};
void bh_l2cap_config_default(struct bh_l2cap_config *c);

/* Everything L2CAP tells the host. Any member except acl_send may be NULL. */
struct bh_l2cap_port {
	void *ctx;
	/* One whole L2CAP frame (basic header included) to the connection.
	 * 0, BH_EBUSY (no room: L2CAP keeps what it must and retries on
	 * bh_l2cap_acl_can_send) or another negative status. May return
	 * BH_L2CAP_NOW_FULL instead of 0: sent, and the link's queue is full
	 * now; bh_l2cap_acl_can_send must then follow when room returns, and
	 * until it does L2CAP refuses ATT and SMP PDUs with BH_EBUSY before
	 * building their frames. */
	int (*acl_send)(void *ctx, uint16_t handle, const uint8_t *frame, size_t len);
	/* A PDU on ATT (4) or SMP (6), header stripped, within the channel MTU. */
	void (*fixed_rx)(void *ctx, uint16_t handle, uint16_t cid, const uint8_t *pdu, size_t len);
	/* Room returned after bh_l2cap_send_fixed gave BH_EBUSY or
	 * bh_l2cap_send_fixed_flow BH_L2CAP_NOW_FULL. */
	void (*can_send)(void *ctx, uint16_t handle);
	/* Central: the peripheral asks for new parameters (already range
	 * checked). Return true to accept; NULL means accept. */
	bool (*conn_param_request)(void *ctx, uint16_t handle,
				   const struct bh_l2cap_conn_params *p);
	/* Central: apply accepted parameters (HCI LE Connection Update). */
	void (*conn_update)(void *ctx, uint16_t handle, const struct bh_l2cap_conn_params *p);
	/* Peripheral: result of bh_l2cap_conn_param_update: BH_OK (accepted),
	 * BH_L2CAP_RESULT(1) (rejected), BH_ENOTSUP (Command Reject),
	 * BH_ETIMEDOUT (RTX) or BH_EDISCONNECTED. */
	void (*conn_param_result)(void *ctx, uint16_t handle, bh_status result);

	/* --- LE credit-based channels; a channel is (handle, local cid). --- */
	/* A peer asks to connect to a registered SPSM. Return 0 to accept or an
	 * L2CAP result code (BH_L2CAP_LE_*) to refuse; NULL means accept. */
	uint16_t (*coc_accept)(void *ctx, uint16_t handle, uint16_t spsm, uint16_t peer_mtu);
	/* A channel opened (BH_OK; both directions) or our connect failed:
	 * BH_L2CAP_RESULT(result), BH_ETIMEDOUT, BH_EDISCONNECTED, BH_EMALFORMED
	 * (invalid response), BH_ENOTSUP (peer sent Command Reject). */
	void (*coc_connected)(void *ctx, uint16_t handle, uint16_t cid, uint16_t spsm,
			      bh_status status);
	/* One whole reassembled SDU. */
	void (*coc_rx)(void *ctx, uint16_t handle, uint16_t cid, const uint8_t *sdu, size_t len);
	/* An open channel closed: BH_OK (either side asked), BH_EPROTO (peer
	 * broke the credit/MPS/MTU rules: we disconnected it), BH_ETIMEDOUT,
	 * BH_EDISCONNECTED (link lost). The cid is free afterwards. */
	void (*coc_disconnected)(void *ctx, uint16_t handle, uint16_t cid, bh_status reason);
	/* The SDU given to bh_l2cap_coc_send has gone out entirely; the
	 * channel takes the next one. */
	void (*coc_can_send)(void *ctx, uint16_t handle, uint16_t cid);
	/* Enhanced credit-based channel cid was reconfigured. by_peer: the peer
	 * changed its MTU/MPS (status BH_OK; see bh_l2cap_chan_info). Else the
	 * outcome of our bh_l2cap_ecfc_reconfigure: BH_OK,
	 * BH_L2CAP_RESULT(BH_L2CAP_RECONF_*), BH_ENOTSUP (Command Reject) or
	 * BH_ETIMEDOUT; on failure our values stay as they were. */
	void (*ecfc_reconfigured)(void *ctx, uint16_t handle, uint16_t cid, bool by_peer,
				  bh_status status);
};

struct bh_l2cap;

/* Creates the layer; cfg copied, env and port must outlive it. NULL on ENOMEM
 * or an invalid config. */
struct bh_l2cap *bh_l2cap_new(const struct bh_l2cap_config *cfg, const struct bh_env *env,
			      const struct bh_l2cap_port *port);
/* Frees everything; no callbacks run (call conn_removed first for those). */
void bh_l2cap_free(struct bh_l2cap *l2);

/* A new LE connection. 0, BH_EEXIST or BH_ENOMEM (table full). */
int bh_l2cap_conn_added(struct bh_l2cap *l2, uint16_t handle, enum bh_l2cap_role role);
/* The connection is gone: pending signaling completes with
 * BH_EDISCONNECTED, channels close with BH_EDISCONNECTED, exactly once. */
void bh_l2cap_conn_removed(struct bh_l2cap *l2, uint16_t handle);

/* One reassembled frame with its basic header. A length mismatch, an
 * unknown connection or an unknown CID is logged and dropped. */
void bh_l2cap_on_acl(struct bh_l2cap *l2, uint16_t handle, const uint8_t *frame, size_t len);
/* The connection's ACL queue has room again: L2CAP flushes held signaling
 * and K-frames, then tells the port (can_send, coc_can_send). */
void bh_l2cap_acl_can_send(struct bh_l2cap *l2, uint16_t handle);

bh_time_ms bh_l2cap_next_deadline(const struct bh_l2cap *l2);
void bh_l2cap_on_timeout(struct bh_l2cap *l2);

/* Sends pdu on fixed channel cid (ATT or SMP). 0, BH_EBUSY (retry on
 * port.can_send), BH_EINVAL (longer than the channel MTU or bad cid),
 * BH_ENOTFOUND (no such connection). */
int bh_l2cap_send_fixed(struct bh_l2cap *l2, uint16_t handle, uint16_t cid, const uint8_t *pdu,
			size_t len);
/* As bh_l2cap_send_fixed, but returns BH_L2CAP_NOW_FULL instead of 0 when
 * the PDU went and the link's queue is full with it: the next PDU would get
 * BH_EBUSY, and port.can_send follows when room returns. The layer above
 * can refuse its next PDU before building it. */
#define BH_L2CAP_NOW_FULL 1
int bh_l2cap_send_fixed_flow(struct bh_l2cap *l2, uint16_t handle, uint16_t cid,
			     const uint8_t *pdu, size_t len);

/* Peripheral: sends a Connection Parameter Update Request; the result
 * arrives on port.conn_param_result. 0, BH_EINVAL (params out of range),
 * BH_ESTATE (we are central), BH_EEXIST (one already pending),
 * BH_ENOTFOUND, BH_EBUSY (no room for the command now). */
int bh_l2cap_conn_param_update(struct bh_l2cap *l2, uint16_t handle,
			       const struct bh_l2cap_conn_params *p);

/* A build with -Dl2cap_coc=false leaves out LE credit-based channels (LE
 * CoC and ECFC, hence EATT: a host with eatt_bearers > 0 fails to start):
 * bh_l2cap_coc_*, bh_l2cap_ecfc_* and bh_l2cap_chan_info return BH_ENOTSUP
 * and log "(-Dl2cap_coc=false)"; a peer's LE Credit Based or Credit Based
 * Connection Request is refused with result 0x0002 (SPSM not supported), a
 * Credit Based Reconfigure Request with 0x0003 (invalid CID), a
 * Disconnection Request with Command Reject (invalid CID). */

/* Accept incoming credit-based connections on spsm (0x0001..0x00ff).
 * 0, BH_EINVAL, BH_EEXIST, BH_ENOMEM. */
int bh_l2cap_coc_register(struct bh_l2cap *l2, uint16_t spsm);
int bh_l2cap_coc_unregister(struct bh_l2cap *l2, uint16_t spsm);

/* Opens a channel to the peer's spsm; *cid receives our local cid, the
 * outcome arrives on port.coc_connected. 0, BH_EINVAL, BH_ENOTFOUND,
 * BH_ENOMEM (no free channel), BH_EBUSY (no room for the command now). */
int bh_l2cap_coc_connect(struct bh_l2cap *l2, uint16_t handle, uint16_t spsm, uint16_t *cid);
/* Sends one SDU (copied). 0, BH_EBUSY (an SDU is still going out: wait for
 * coc_can_send), BH_EINVAL (longer than the peer's MTU or our coc_mtu),
 * BH_ESTATE (channel not open), BH_ENOTFOUND. */
int bh_l2cap_coc_send(struct bh_l2cap *l2, uint16_t handle, uint16_t cid, const uint8_t *sdu,
		      size_t len);
/* Starts closing an open channel (Disconnection Request); port.coc_disconnected
 * follows with BH_OK on the response or BH_ETIMEDOUT. 0, BH_ESTATE, BH_ENOTFOUND. */
int bh_l2cap_coc_disconnect(struct bh_l2cap *l2, uint16_t handle, uint16_t cid);

/* ---- Enhanced credit-based flow control (ECFC, Vol 3, Part A, 3.4, 4.25-4.28) ----
 * Channels opened this way are ordinary credit-based channels afterwards
 * (coc_send, coc_disconnect, coc_rx, ...); they also accept reconfiguration.
 * Incoming L2CAP_CREDIT_BASED_CONNECTION_REQs are served for SPSMs given to
 * bh_l2cap_coc_register (port.coc_accept decides once per request), with our
 * coc_mtu/coc_mps; both must be >= 64 for that, else the request is refused
 * with BH_L2CAP_LE_NO_RESOURCES. */

/* Opens count (1..5) channels to the peer's spsm in one request, offering
 * mtu (64..coc_mtu; 0 means coc_mtu) and our coc_mps (which must be >= 64).
 * cids[] receives our local CIDs; each outcome arrives on port.coc_connected,
 * in order (a channel the peer refused: BH_L2CAP_RESULT(result)). 0, BH_EINVAL,
 * BH_ENOTFOUND, BH_ENOMEM (not enough free channels), BH_EBUSY. */
int bh_l2cap_ecfc_connect(struct bh_l2cap *l2, uint16_t handle, uint16_t spsm, unsigned count,
			  uint16_t mtu, uint16_t cids[]);
/* Raises our receive MTU (never lowers it: 4.27) and sets our MPS on count
 * (1..5) open enhanced channels of one connection; MPS may only shrink for one
 * channel at a time. mtu <= coc_mtu, 64 <= mps <= coc_mps. The result arrives
 * per channel on port.ecfc_reconfigured. 0, BH_EINVAL, BH_ENOTFOUND (a cid is
 * not ours), BH_ESTATE (a channel is not an open enhanced one), BH_EEXIST
 * (one already pending on this connection), BH_EBUSY. */
int bh_l2cap_ecfc_reconfigure(struct bh_l2cap *l2, uint16_t handle, const uint16_t *cids,
			      unsigned count, uint16_t mtu, uint16_t mps);

/* Read-only channel information (for tests and tools). */
struct bh_l2cap_chan_info {
	enum bh_l2cap_chan_state state;
	uint16_t spsm, local_cid, peer_cid;
	uint16_t peer_mtu, peer_mps, tx_credits; /* credits the peer gave us */
	uint16_t rx_credits;                     /* credits we gave and the peer has left */
	bool enhanced;                           /* opened by ECFC */
	uint16_t local_mtu, local_mps;           /* what we receive */
};
int bh_l2cap_chan_info(const struct bh_l2cap *l2, uint16_t handle, uint16_t cid,
		       struct bh_l2cap_chan_info *out);

/* Counters for tests and diagnostics. */
struct bh_l2cap_stats {
	unsigned dropped_frames;   /* bad header, unknown conn/cid, oversize */
	unsigned sig_rejects_sent; /* Command Reject */
	unsigned sig_dropped;      /* unmatched responses, held commands lost */
};
const struct bh_l2cap_stats *bh_l2cap_stats(const struct bh_l2cap *l2);

#endif
