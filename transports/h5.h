/* H5, the Three-wire UART transport (Core Spec Vol 4, Part D), sans-I/O.
 *
 * Internal to transports/ (and its tests and fuzz target). Two pieces:
 *   1. the codec (h5_codec.c): SLIP framing, the 4-byte packet header and its
 *      checksum, the optional 16-bit data integrity check (CRC-CCITT);
 *   2. the link (h5_link.c): link establishment (SYNC / SYNC RESPONSE /
 *      CONFIG / CONFIG RESPONSE), sliding-window reliable delivery with
 *      acknowledgement and retransmission, pure acks, low-power messages.
 * Neither does I/O nor reads a clock: bytes come in through
 * bh_h5_link_rx, go out through port.write, and the caller gives the time.
 *
 * Buffers passed in are copied before the call returns; pointers handed to
 * port callbacks are borrowed for the callback.
 */
#ifndef BH_H5_H
#define BH_H5_H

#include <blehost/transport.h>

/* ---- 1. codec ---------------------------------------------------------- */

#define BH_H5_HDR_LEN 4
#define BH_H5_MAX_PAYLOAD 4095 /* 12-bit length field */
#define BH_H5_MAX_FRAME (BH_H5_HDR_LEN + BH_H5_MAX_PAYLOAD + 2)
/* Worst case on the wire: every byte escaped, plus two delimiters. */
#define BH_H5_MAX_WIRE (2 * BH_H5_MAX_FRAME + 2)

#define BH_H5_SLIP_END 0xc0
#define BH_H5_SLIP_ESC 0xdb

/* Packet types (Vol 4, Part D, 6.2 / 8). */
enum {
	BH_H5_ACK = 0,
	BH_H5_CMD = 1,
	BH_H5_ACL = 2,
	BH_H5_SCO = 3,
	BH_H5_EVT = 4,
	BH_H5_ISO = 5,
	BH_H5_VENDOR = 14,
	BH_H5_LINK_CTRL = 15,
};

struct bh_h5_pkt {
	uint8_t seq, ack;
	bool reliable, crc;
	uint8_t type;
	const uint8_t *payload; /* into the decoded frame */
	size_t len;
};

/* Header checksum: the value that makes the four header bytes sum to 0xff
 * modulo 256 (Vol 4, Part D, 7.2). */
uint8_t bh_h5_hdr_checksum(const uint8_t hdr[3]);
/* The data integrity check over header and payload: CRC-CCITT
 * (x^16 + x^12 + x^5 + 1, initial 0xffff) fed least significant bit first,
 * the result bit-reversed so it goes out most significant byte first. */
uint16_t bh_h5_crc(const uint8_t *data, size_t len);

/* Builds one SLIP-framed packet (delimiters included) into out (at least
 * BH_H5_MAX_WIRE bytes); returns its length, or 0 if len is too large. */
size_t bh_h5_encode(const struct bh_h5_pkt *p, const uint8_t *payload, size_t len, uint8_t *out);
/* Checks one decoded (unescaped) frame: header checksum, length field equal
 * to the frame length, CRC when flagged. BH_OK and *p (pointing into frame),
 * or BH_EMALFORMED. */
int bh_h5_parse(const uint8_t *frame, size_t len, struct bh_h5_pkt *p);

/* SLIP decoder: raw UART bytes in any chunks, unescaped frames out. Bytes
 * outside a frame, bad escapes and frames longer than BH_H5_MAX_FRAME are
 * dropped and counted; the buffer never grows past BH_H5_MAX_FRAME. */
typedef void (*bh_h5_frame_fn)(void *ctx, const uint8_t *frame, size_t len);
struct bh_h5_slip {
	uint8_t buf[BH_H5_MAX_FRAME];
	size_t have;
	bool in_frame, esc, bad;
	unsigned long frames, dropped;
};
void bh_h5_slip_init(struct bh_h5_slip *s);
void bh_h5_slip_feed(struct bh_h5_slip *s, const uint8_t *data, size_t len, bh_h5_frame_fn cb,
		     void *ctx);

/* ---- 2. link ----------------------------------------------------------- */

enum bh_h5_state {
	BH_H5_UNINITIALIZED = 0, /* sending SYNC */
	BH_H5_INITIALIZED,       /* synced, sending CONFIG */
	BH_H5_ACTIVE,            /* configured: HCI packets flow */
	BH_H5_FAILED,            /* gave up (see bh_h5_event) */
};
const char *bh_h5_state_str(enum bh_h5_state s);

enum bh_h5_event {
	BH_H5_EV_ACTIVE,       /* link established (again) */
	BH_H5_EV_PEER_RESET,   /* SYNC while active: the peer restarted, its state is gone */
	BH_H5_EV_SYNC_TIMEOUT, /* no SYNC RESPONSE / CONFIG RESPONSE in time: FAILED */
	BH_H5_EV_RETX_TIMEOUT, /* reliable packets never acknowledged: FAILED */
};
const char *bh_h5_event_str(enum bh_h5_event e);

struct bh_h5_link_port {
	/* One whole SLIP frame to put on the wire. A write error is the
	 * caller's to report; the link carries on (retransmission covers it). */
	void (*write)(void *ctx, const uint8_t *bytes, size_t len);
	/* One HCI packet from the peer, H4 type byte values. */
	void (*deliver)(void *ctx, uint8_t type, const uint8_t *pkt, size_t len);
	void (*event)(void *ctx, enum bh_h5_event ev);
	void *ctx;
};

struct bh_h5_cfg {
	uint8_t window;           /* 1..7 offered in CONFIG (default 4) */
	bool crc;                 /* offer the data integrity check (default true) */
	bh_time_ms sync_ms;       /* SYNC / CONFIG repeat period (default 100) */
	bh_time_ms establish_ms;  /* give up establishing after this (default 1500) */
	bh_time_ms retx_ms;       /* retransmission timeout (default 250) */
	unsigned max_retx;        /* rounds without progress before failing (default 20) */
};

/* Packets queued or in flight; more is BH_EBUSY. The host's own flow
 * control (command credits, controller ACL buffers) stays below it: UART
 * controllers have a few LE ACL buffers, not dozens. */
#define BH_H5_TXQ 32

struct bh_h5_txslot {
	uint8_t type;
	uint16_t len;
	uint8_t data[BH_H5_MAX_PAYLOAD];
};

struct bh_h5_stats {
	unsigned long rx_frames, rx_bad, rx_dup, rx_ooo, rx_delivered;
	unsigned long tx_reliable, tx_retx, tx_acks, peer_resets;
};

struct bh_h5_link {
	struct bh_h5_link_port port;
	struct bh_h5_cfg cfg;
	enum bh_h5_state state;
	struct bh_h5_slip slip;
	uint8_t tx_win;          /* negotiated window */
	bool tx_crc;             /* negotiated integrity check */
	uint8_t tx_seq;          /* seq of the next new reliable packet */
	uint8_t rx_ack;          /* next seq expected from the peer (our ack field) */
	bool ack_pending;
	unsigned q_head, q_len, q_sent; /* ring: first q_sent of q_len are in flight */
	struct bh_h5_txslot q[BH_H5_TXQ];
	bh_time_ms establish_start, next_ctrl, retx_at;
	unsigned retx_rounds;
	struct bh_h5_stats stats;
	uint8_t wire[BH_H5_MAX_WIRE];
};

/* cfg may be NULL (defaults). Starts link establishment at now: sends the
 * first SYNC. */
void bh_h5_link_init(struct bh_h5_link *l, const struct bh_h5_cfg *cfg,
		     const struct bh_h5_link_port *port, bh_time_ms now);
/* Raw bytes from the UART. Ends with a pure ack if a reliable packet
 * arrived and nothing else carried the acknowledgement. */
void bh_h5_link_rx(struct bh_h5_link *l, const uint8_t *data, size_t len, bh_time_ms now);
/* Queues one HCI packet (H4 type, pkt copied). Commands, ACL, events, ISO
 * and vendor packets are reliable; SCO is unreliable and sent only when
 * active. Queued packets wait for link establishment. BH_OK, BH_EBUSY (queue
 * full), BH_EINVAL (type or length), BH_ESTATE (FAILED). */
int bh_h5_link_send(struct bh_h5_link *l, uint8_t type, const uint8_t *pkt, size_t len,
		    bh_time_ms now);
bh_time_ms bh_h5_link_next_deadline(const struct bh_h5_link *l);
/* Runs what is due at now: SYNC/CONFIG repeats, retransmission, give-ups. */
void bh_h5_link_timeout(struct bh_h5_link *l, bh_time_ms now);

#endif
