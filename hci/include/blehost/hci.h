/* blehost HCI layer: commands with flow control and timeouts, event dispatch,
 * controller bring-up, and LE ACL flow control, fragmentation and reassembly.
 *
 * Sans-I/O: packets come in through bh_hci_on_packet() and leave through
 * port.send(); time comes from env->now(). The layer never blocks.
 *
 * Buffer ownership: every pointer handed to a port callback is borrowed for
 * the duration of the callback. Every pointer passed into an API call is
 * copied before the call returns; the caller keeps ownership.
 */
#ifndef BH_HCI_H
#define BH_HCI_H

#include <blehost/bh_addr.h>
#include <blehost/bh_env.h>
#include <blehost/bh_err.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* H4 packet types (also used by transports and traces). */
enum bh_h4_type {
	BH_H4_CMD = 0x01,
	BH_H4_ACL = 0x02,
	BH_H4_SCO = 0x03,
	BH_H4_EVT = 0x04,
	BH_H4_ISO = 0x05,
};

#define BH_HCI_OP(ogf, ocf) ((uint16_t)(((ogf) << 10) | (ocf)))

/* Opcodes used across the stack (Vol 4, Part E, 7). */
enum {
	BH_HCI_DISCONNECT = BH_HCI_OP(0x01, 0x0006),
	BH_HCI_READ_REMOTE_VERSION = BH_HCI_OP(0x01, 0x001d),
	BH_HCI_SET_EVENT_MASK = BH_HCI_OP(0x03, 0x0001),
	BH_HCI_RESET = BH_HCI_OP(0x03, 0x0003),
	BH_HCI_SET_EVENT_MASK_PAGE_2 = BH_HCI_OP(0x03, 0x0063),
	BH_HCI_WRITE_LE_HOST_SUPPORT = BH_HCI_OP(0x03, 0x006d),
	BH_HCI_READ_LOCAL_VERSION = BH_HCI_OP(0x04, 0x0001),
	BH_HCI_READ_LOCAL_COMMANDS = BH_HCI_OP(0x04, 0x0002),
	BH_HCI_READ_LOCAL_FEATURES = BH_HCI_OP(0x04, 0x0003),
	BH_HCI_READ_BUFFER_SIZE = BH_HCI_OP(0x04, 0x0005),
	BH_HCI_READ_BD_ADDR = BH_HCI_OP(0x04, 0x0009),
	BH_HCI_READ_RSSI = BH_HCI_OP(0x05, 0x0005),
	BH_HCI_LE_SET_EVENT_MASK = BH_HCI_OP(0x08, 0x0001),
	BH_HCI_LE_READ_BUFFER_SIZE = BH_HCI_OP(0x08, 0x0002),
	BH_HCI_LE_READ_LOCAL_FEATURES = BH_HCI_OP(0x08, 0x0003),
	BH_HCI_LE_SET_RANDOM_ADDRESS = BH_HCI_OP(0x08, 0x0005),
	BH_HCI_LE_SET_ADV_PARAMS = BH_HCI_OP(0x08, 0x0006),
	BH_HCI_LE_READ_ADV_TX_POWER = BH_HCI_OP(0x08, 0x0007),
	BH_HCI_LE_SET_ADV_DATA = BH_HCI_OP(0x08, 0x0008),
	BH_HCI_LE_SET_SCAN_RSP_DATA = BH_HCI_OP(0x08, 0x0009),
	BH_HCI_LE_SET_ADV_ENABLE = BH_HCI_OP(0x08, 0x000a),
	BH_HCI_LE_SET_SCAN_PARAMS = BH_HCI_OP(0x08, 0x000b),
	BH_HCI_LE_SET_SCAN_ENABLE = BH_HCI_OP(0x08, 0x000c),
	BH_HCI_LE_CREATE_CONN = BH_HCI_OP(0x08, 0x000d),
	BH_HCI_LE_CREATE_CONN_CANCEL = BH_HCI_OP(0x08, 0x000e),
	BH_HCI_LE_READ_ACCEPT_LIST_SIZE = BH_HCI_OP(0x08, 0x000f),
	BH_HCI_LE_CLEAR_ACCEPT_LIST = BH_HCI_OP(0x08, 0x0010),
	BH_HCI_LE_ADD_TO_ACCEPT_LIST = BH_HCI_OP(0x08, 0x0011),
	BH_HCI_LE_REMOVE_FROM_ACCEPT_LIST = BH_HCI_OP(0x08, 0x0012),
	BH_HCI_LE_CONN_UPDATE = BH_HCI_OP(0x08, 0x0013),
	BH_HCI_LE_READ_REMOTE_FEATURES = BH_HCI_OP(0x08, 0x0016),
	BH_HCI_LE_ENCRYPT = BH_HCI_OP(0x08, 0x0017),
	BH_HCI_LE_RAND = BH_HCI_OP(0x08, 0x0018),
	BH_HCI_LE_ENABLE_ENCRYPTION = BH_HCI_OP(0x08, 0x0019),
	BH_HCI_LE_LTK_REPLY = BH_HCI_OP(0x08, 0x001a),
	BH_HCI_LE_LTK_NEG_REPLY = BH_HCI_OP(0x08, 0x001b),
	BH_HCI_LE_READ_SUPPORTED_STATES = BH_HCI_OP(0x08, 0x001c),
	BH_HCI_LE_REMOTE_CONN_PARAM_REPLY = BH_HCI_OP(0x08, 0x0020),
	BH_HCI_LE_REMOTE_CONN_PARAM_NEG_REPLY = BH_HCI_OP(0x08, 0x0021),
	BH_HCI_LE_SET_DATA_LENGTH = BH_HCI_OP(0x08, 0x0022),
	BH_HCI_LE_ADD_TO_RESOLVING_LIST = BH_HCI_OP(0x08, 0x0027),
	BH_HCI_LE_REMOVE_FROM_RESOLVING_LIST = BH_HCI_OP(0x08, 0x0028),
	BH_HCI_LE_CLEAR_RESOLVING_LIST = BH_HCI_OP(0x08, 0x0029),
	BH_HCI_LE_READ_RESOLVING_LIST_SIZE = BH_HCI_OP(0x08, 0x002a),
	BH_HCI_LE_SET_ADDR_RESOLUTION_ENABLE = BH_HCI_OP(0x08, 0x002d),
	BH_HCI_LE_SET_RPA_TIMEOUT = BH_HCI_OP(0x08, 0x002e),
	BH_HCI_LE_READ_MAX_DATA_LENGTH = BH_HCI_OP(0x08, 0x002f),
	BH_HCI_LE_WRITE_SUGG_DATA_LENGTH = BH_HCI_OP(0x08, 0x0024),
	BH_HCI_LE_READ_PHY = BH_HCI_OP(0x08, 0x0030),
	BH_HCI_LE_SET_DEFAULT_PHY = BH_HCI_OP(0x08, 0x0031),
	BH_HCI_LE_SET_PHY = BH_HCI_OP(0x08, 0x0032),
	BH_HCI_LE_SET_ADV_SET_RANDOM_ADDR = BH_HCI_OP(0x08, 0x0035),
	BH_HCI_LE_SET_EXT_ADV_PARAMS = BH_HCI_OP(0x08, 0x0036),
	BH_HCI_LE_SET_EXT_ADV_DATA = BH_HCI_OP(0x08, 0x0037),
	BH_HCI_LE_SET_EXT_SCAN_RSP_DATA = BH_HCI_OP(0x08, 0x0038),
	BH_HCI_LE_SET_EXT_ADV_ENABLE = BH_HCI_OP(0x08, 0x0039),
	BH_HCI_LE_READ_MAX_ADV_DATA_LEN = BH_HCI_OP(0x08, 0x003a),
	BH_HCI_LE_READ_NUM_ADV_SETS = BH_HCI_OP(0x08, 0x003b),
	BH_HCI_LE_REMOVE_ADV_SET = BH_HCI_OP(0x08, 0x003c),
	BH_HCI_LE_CLEAR_ADV_SETS = BH_HCI_OP(0x08, 0x003d),
	BH_HCI_LE_SET_PERIODIC_ADV_PARAMS = BH_HCI_OP(0x08, 0x003e),
	BH_HCI_LE_SET_PERIODIC_ADV_DATA = BH_HCI_OP(0x08, 0x003f),
	BH_HCI_LE_SET_PERIODIC_ADV_ENABLE = BH_HCI_OP(0x08, 0x0040),
	BH_HCI_LE_SET_EXT_SCAN_PARAMS = BH_HCI_OP(0x08, 0x0041),
	BH_HCI_LE_SET_EXT_SCAN_ENABLE = BH_HCI_OP(0x08, 0x0042),
	BH_HCI_LE_EXT_CREATE_CONN = BH_HCI_OP(0x08, 0x0043),
	BH_HCI_LE_PERIODIC_CREATE_SYNC = BH_HCI_OP(0x08, 0x0044),
	BH_HCI_LE_PERIODIC_CREATE_SYNC_CANCEL = BH_HCI_OP(0x08, 0x0045),
	BH_HCI_LE_PERIODIC_TERMINATE_SYNC = BH_HCI_OP(0x08, 0x0046),
	BH_HCI_LE_SET_PRIVACY_MODE = BH_HCI_OP(0x08, 0x004e),
	BH_HCI_LE_READ_BUFFER_SIZE_V2 = BH_HCI_OP(0x08, 0x0060),
};

/* Event codes (Vol 4, Part E, 7.7). */
enum {
	BH_HCI_EVT_DISCONN_COMPLETE = 0x05,
	BH_HCI_EVT_ENCRYPT_CHANGE = 0x08,
	BH_HCI_EVT_READ_REMOTE_VERSION_COMPLETE = 0x0c,
	BH_HCI_EVT_CMD_COMPLETE = 0x0e,
	BH_HCI_EVT_CMD_STATUS = 0x0f,
	BH_HCI_EVT_HARDWARE_ERROR = 0x10,
	BH_HCI_EVT_NUM_COMPLETED_PACKETS = 0x13,
	BH_HCI_EVT_DATA_BUFFER_OVERFLOW = 0x1a,
	BH_HCI_EVT_ENCRYPT_KEY_REFRESH_COMPLETE = 0x30,
	BH_HCI_EVT_LE_META = 0x3e,
	BH_HCI_EVT_ENCRYPT_CHANGE_V2 = 0x59,
	BH_HCI_EVT_VENDOR = 0xff,
};

/* LE Meta sub-events (Vol 4, Part E, 7.7.65). */
enum {
	BH_LE_CONN_COMPLETE = 0x01,
	BH_LE_ADV_REPORT = 0x02,
	BH_LE_CONN_UPDATE_COMPLETE = 0x03,
	BH_LE_READ_REMOTE_FEATURES_COMPLETE = 0x04,
	BH_LE_LTK_REQUEST = 0x05,
	BH_LE_REMOTE_CONN_PARAM_REQUEST = 0x06,
	BH_LE_DATA_LENGTH_CHANGE = 0x07,
	BH_LE_READ_LOCAL_P256_COMPLETE = 0x08,
	BH_LE_GENERATE_DHKEY_COMPLETE = 0x09,
	BH_LE_ENH_CONN_COMPLETE = 0x0a,
	BH_LE_DIRECTED_ADV_REPORT = 0x0b,
	BH_LE_PHY_UPDATE_COMPLETE = 0x0c,
	BH_LE_EXT_ADV_REPORT = 0x0d,
	BH_LE_PERIODIC_SYNC_ESTABLISHED = 0x0e,
	BH_LE_PERIODIC_ADV_REPORT = 0x0f,
	BH_LE_PERIODIC_SYNC_LOST = 0x10,
	BH_LE_SCAN_TIMEOUT = 0x11,
	BH_LE_ADV_SET_TERMINATED = 0x12,
	BH_LE_SCAN_REQ_RECEIVED = 0x13,
	BH_LE_CHANNEL_SEL_ALGO = 0x14,
	BH_LE_ENH_CONN_COMPLETE_V2 = 0x29,
};

/* Supported-commands bitmap positions (octet, bit) for commands the stack
 * chooses between (Vol 4, Part E, 6.27). Use with bh_hci_supports(). */
#define BH_HCI_SUP(octet, bit) ((uint16_t)((octet) * 8 + (bit)))
enum {
	BH_SUP_SET_EVENT_MASK_PAGE_2 = BH_HCI_SUP(22, 2),
	BH_SUP_WRITE_LE_HOST_SUPPORT = BH_HCI_SUP(24, 6),
	BH_SUP_LE_SET_EVENT_MASK = BH_HCI_SUP(25, 0),
	BH_SUP_LE_READ_BUFFER_SIZE = BH_HCI_SUP(25, 1),
	BH_SUP_LE_READ_LOCAL_FEATURES = BH_HCI_SUP(25, 2),
	BH_SUP_LE_READ_ACCEPT_LIST_SIZE = BH_HCI_SUP(26, 6),
	BH_SUP_LE_ENCRYPT = BH_HCI_SUP(27, 6),
	BH_SUP_LE_READ_RESOLVING_LIST_SIZE = BH_HCI_SUP(34, 6),
	BH_SUP_LE_SET_ADDR_RESOLUTION_ENABLE = BH_HCI_SUP(35, 1),
	BH_SUP_LE_SET_ADV_SET_RANDOM_ADDR = BH_HCI_SUP(36, 1),
	BH_SUP_LE_SET_EXT_ADV_PARAMS = BH_HCI_SUP(36, 2),
	BH_SUP_LE_SET_EXT_ADV_ENABLE = BH_HCI_SUP(36, 5),
	BH_SUP_LE_READ_MAX_ADV_DATA_LEN = BH_HCI_SUP(36, 6),
	BH_SUP_LE_READ_NUM_ADV_SETS = BH_HCI_SUP(36, 7),
	BH_SUP_LE_REMOVE_ADV_SET = BH_HCI_SUP(37, 0),
	BH_SUP_LE_SET_PERIODIC_ADV_PARAMS = BH_HCI_SUP(37, 2),
	BH_SUP_LE_SET_EXT_SCAN_PARAMS = BH_HCI_SUP(37, 5),
	BH_SUP_LE_SET_EXT_SCAN_ENABLE = BH_HCI_SUP(37, 6),
	BH_SUP_LE_EXT_CREATE_CONN = BH_HCI_SUP(37, 7),
	BH_SUP_LE_PERIODIC_CREATE_SYNC = BH_HCI_SUP(38, 0),
	BH_SUP_LE_SET_PRIVACY_MODE = BH_HCI_SUP(39, 2),
	BH_SUP_LE_READ_BUFFER_SIZE_V2 = BH_HCI_SUP(41, 5),
	BH_SUP_LE_CONN_UPDATE = BH_HCI_SUP(27, 2),
	BH_SUP_LE_SET_DATA_LENGTH = BH_HCI_SUP(33, 6),
	BH_SUP_LE_WRITE_SUGG_DATA_LENGTH = BH_HCI_SUP(34, 0),
	BH_SUP_LE_ADD_TO_RESOLVING_LIST = BH_HCI_SUP(34, 3),
	BH_SUP_LE_READ_MAX_DATA_LENGTH = BH_HCI_SUP(35, 3),
	BH_SUP_LE_SET_DEFAULT_PHY = BH_HCI_SUP(35, 5),
	BH_SUP_LE_SET_PHY = BH_HCI_SUP(35, 6),
};

/* What bring-up learned about the controller. */
struct bh_hci_info {
	uint8_t hci_version;
	uint16_t hci_revision;
	uint8_t lmp_version;
	uint16_t manufacturer;
	uint16_t lmp_subversion;
	uint8_t commands[64];   /* supported-commands bitmap */
	uint8_t features[8];    /* LMP features page 0 */
	uint8_t le_features[8]; /* LE features */
	bh_addr bdaddr;         /* public address (zero if none) */
	uint16_t le_acl_mtu;    /* data bytes per ACL packet to the controller */
	uint16_t le_acl_credits; /* ACL packets the controller can buffer */
	uint16_t iso_mtu;
	uint8_t iso_credits;
	bool acl_shared_with_bredr; /* LE size was 0: BR/EDR buffers are used */
};

struct bh_hci_config {
	unsigned cmd_timeout_ms;   /* per command; default 2000 */
	unsigned max_connections;  /* connection table size; default 8 */
	unsigned tx_queue_depth;   /* whole L2CAP frames queued per connection; default 8 */
	unsigned rx_max_frame;     /* largest reassembled L2CAP frame incl. header; default 4 + 2048 */
	bool recover_on_timeout;   /* reset and re-init after a command timeout; default true */
};
/* Fills defaults. */
void bh_hci_config_default(struct bh_hci_config *c);

/* Everything the HCI layer tells the layer above. Any member may be NULL. */
struct bh_hci_port {
	void *ctx;
	/* Send one whole packet (without the H4 type byte) to the controller.
	 * Returns 0 or a negative bh_status (the transport is then treated as lost). */
	int (*send)(void *ctx, enum bh_h4_type type, const uint8_t *pkt, size_t len);
	/* Every event that is not Command Complete/Status, Number Of Completed
	 * Packets or LE Meta, after the HCI layer's own bookkeeping (for instance
	 * Disconnection Complete has already returned the connection's credits).
	 * The minimum length for the event code has been checked; events the
	 * layer does not know are passed on as they are. Hardware Error is
	 * passed on just before port.fatal. An event (or LE Meta sub-event)
	 * naming a connection handle that is not connected is dropped, except
	 * Disconnection Complete; so is a successful connection event for a
	 * handle already connected or out of range (see bh_hci_stats). */
	void (*event)(void *ctx, uint8_t code, const uint8_t *params, size_t len);
	/* LE Meta sub-events; params start after the sub-event code. Minimum
	 * length for the sub-event has been checked. */
	void (*le_meta)(void *ctx, uint8_t subevent, const uint8_t *params, size_t len);
	/* One complete, reassembled L2CAP frame (basic header included, its
	 * length field already checked against the data). */
	void (*acl)(void *ctx, uint16_t handle, const uint8_t *frame, size_t len);
	/* The connection's transmit queue has room again after BH_EBUSY (or
	 * after bh_hci_acl_send_flow said BH_HCI_ACL_NOW_FULL). */
	void (*acl_can_send)(void *ctx, uint16_t handle);
	/* Bring-up (bh_hci_start or recovery) finished: BH_OK or the error. */
	void (*ready)(void *ctx, bh_status result);
	/* The controller is unusable: hardware error, transport loss, failed
	 * recovery. Every pending command has already completed with an error
	 * and every connection has been dropped (no Disconnection Complete will
	 * come). The host may call bh_hci_start() again. */
	void (*fatal)(void *ctx, bh_status reason);
};

struct bh_hci;

/* Creates the layer; the port and env must outlive it. NULL on ENOMEM. */
struct bh_hci *bh_hci_new(const struct bh_hci_config *cfg, const struct bh_env *env,
			  const struct bh_hci_port *port);
/* Completes every pending command with BH_ERESET (callbacks run), frees all.
 * Not from inside a port or command callback of the same bh_hci. */
void bh_hci_free(struct bh_hci *hci);

/* Starts (or restarts) bring-up: Reset, Read Local Version, Supported
 * Commands and Features, LE Read Local Features, Read BD_ADDR, LE Read Buffer
 * Size (v2 when supported; BR/EDR size when LE gives 0), Set Event Mask,
 * LE Set Event Mask, each chosen from the supported-commands bitmap.
 * port.ready is called when done. */
int bh_hci_start(struct bh_hci *hci);
bool bh_hci_is_ready(const struct bh_hci *hci);
const struct bh_hci_info *bh_hci_info(const struct bh_hci *hci);
/* Is the command at this BH_SUP_* position supported? */
bool bh_hci_supports(const struct bh_hci *hci, uint16_t sup_bit);
/* Is LE feature bit n set (Vol 6, Part B, 4.6)? */
bool bh_hci_le_feature(const struct bh_hci *hci, unsigned bit);

/* One packet from the transport (H4 type byte stripped). Never fails: bad
 * input is logged, counted in bh_hci_stats and dropped. Connection handles
 * are tracked from LE (Enhanced) Connection Complete with status 0 once the
 * layer is ready, until Disconnection Complete; ACL for any other handle is
 * dropped. ACL from the controller must use Packet_Boundary_Flag 0b10
 * (start) or 0b01 (continuation); a start may be shorter than the 4-byte
 * L2CAP basic header, whose length then bounds the frame once complete.
 * The reassembly buffer handed to port.acl is reused by the next packet
 * for the same handle. */
void bh_hci_on_packet(struct bh_hci *hci, enum bh_h4_type type, const uint8_t *pkt, size_t len);
/* The transport is gone: same as a fatal error with BH_ETRANSPORT. */
void bh_hci_on_transport_lost(struct bh_hci *hci);

/* Recovery (a command timed out, recover_on_timeout set): the timed-out
 * command completes with BH_ETIMEDOUT, every other pending or queued command
 * with BH_ERESET, all connections are dropped without Disconnection Complete,
 * then Reset and the bring-up run again and port.ready is called once more
 * (BH_OK) or port.fatal (the recovery failed). Commands queued while bring-up
 * runs are held until it ends. A timeout during bh_hci_start's own bring-up
 * is reported through port.ready (no recovery loop). */

/* Absolute time of the next timer, or BH_NEVER. */
bh_time_ms bh_hci_next_deadline(const struct bh_hci *hci);
/* Runs timers that are due at env->now(). */
void bh_hci_on_timeout(struct bh_hci *hci);

/* Command completion. status is BH_OK, BH_HCI_STATUS(code) when the
 * controller reported a non-zero status, BH_ETIMEDOUT, BH_ERESET or
 * BH_ETRANSPORT. For Command Complete, ret/len are the return parameters
 * (ret[0] is the status octet for nearly all commands). For Command Status
 * (commands that finish with a later event), ret is NULL and len 0. */
typedef void (*bh_hci_cmd_cb)(void *ctx, bh_status status, const uint8_t *ret, size_t len);

/* Queues a command; it is sent when the controller has a command credit
 * (Num_HCI_Command_Packets). cb may be NULL. Returns 0, BH_ENOMEM (queue
 * full), BH_EINVAL (params > 255) or BH_ESTATE (controller down). On an
 * error return cb is never called. */
int bh_hci_cmd(struct bh_hci *hci, uint16_t opcode, const void *params, size_t len,
	       bh_hci_cmd_cb cb, void *ctx);
/* Forgets the callbacks of queued and pending commands whose ctx matches
 * (the owner is going away); the commands themselves still run. */
void bh_hci_cmd_forget(struct bh_hci *hci, void *ctx);

/* Queues one complete L2CAP frame (basic header included) for a connection;
 * it is fragmented to the controller's ACL size and sent as credits allow.
 * The bytes are copied. Returns 0, BH_EBUSY (queue full: wait for
 * acl_can_send), BH_ENOTFOUND (no such connection), BH_ENOMEM (the shared
 * transmit pool refused) or BH_EINVAL (len < 4, len > rx_max_frame, or the
 * basic header's length field does not match len - 4). */
int bh_hci_acl_send(struct bh_hci *hci, uint16_t handle, const uint8_t *frame, size_t len);
/* As bh_hci_acl_send, but returns BH_HCI_ACL_NOW_FULL instead of 0 when the
 * frame was queued and the link's queue is full with it: the next frame
 * would get BH_EBUSY, and acl_can_send follows when room returns, as after
 * BH_EBUSY. The layers above can then refuse their next PDU before building
 * it (the host's L2CAP port uses this). */
#define BH_HCI_ACL_NOW_FULL 1
int bh_hci_acl_send_flow(struct bh_hci *hci, uint16_t handle, const uint8_t *frame, size_t len);
bool bh_hci_acl_can_send(const struct bh_hci *hci, uint16_t handle);

/* Fault injection and diagnostics for tests.
 * events_dropped_short: events (or LE sub-events, or Number Of Completed
 * Packets lists) shorter than their fixed part; acl_dropped: ACL packets
 * dropped (unknown handle, bad header, bad boundary flag, continuation
 * without start, overrun, frame above rx_max_frame) plus partial frames
 * abandoned by a new start; tx_queue_high_water: most frames queued at once
 * over all connections.
 * What a misbehaving controller did, each dropped or ignored and the link
 * kept: acl_bad_boundary: ACL packets with Packet_Boundary_Flag 0b00 or
 * 0b11 (host-to-controller or BR/EDR only; also in acl_dropped);
 * events_unknown_handle: events, or Number Of Completed Packets entries,
 * naming a connection handle that is not connected (Disconnection Complete
 * is still passed on, every other such event is dropped); events_invalid:
 * a successful Connection Complete for a handle already connected or above
 * 0x0EFF (dropped); cmds_unexpected: Command Complete / Status matching no
 * command in flight (a duplicate, the wrong opcode: ignored, including its
 * Num_HCI_Command_Packets); credits_excess: packets reported completed
 * beyond those in flight on the handle (ignored).
 * acl_dropped_nomem: fragmented frames dropped because their reassembly
 * buffer (made on first use per link) could not be made or grown; also in
 * acl_dropped. The link carries on, the next frame is tried afresh. */
struct bh_hci_stats {
	unsigned cmds_sent, cmds_timed_out, events_dropped_short, acl_dropped;
	unsigned acl_credits_free, tx_queue_high_water, recoveries;
	unsigned acl_bad_boundary, events_unknown_handle, events_invalid, cmds_unexpected;
	unsigned credits_excess;
	unsigned acl_dropped_nomem;
};
void bh_hci_stats(const struct bh_hci *hci, struct bh_hci_stats *out);
/* Makes the command pool (cmd_allocs) and the ACL transmit pool (tx_allocs)
 * refuse allocations after that many more succeed; negative = never fail.
 * bh_hci_cmd then returns BH_ENOMEM, bh_hci_acl_send BH_ENOMEM. */
void bh_hci_fail_alloc(struct bh_hci *hci, long cmd_allocs, long tx_allocs);

/* Names from the Core Specification ("LE Set Scan Enable"), hex for a value
 * without one ("0x20ff", "0x77"), in a thread-local buffer valid until the
 * next call of the same function. A build without texts
 * (-Derror_text=false) gives the hex form for every value ("0x200c"). */
const char *bh_hci_opcode_str(uint16_t opcode);
const char *bh_hci_event_str(uint8_t code);
const char *bh_hci_le_subevent_str(uint8_t sub);

#endif
