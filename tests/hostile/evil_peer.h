/* evil_peer: a hostile BLE peer for tests. It drives its own btvirt virtual
 * controller with raw H4 (no blehost layer involved on its side), so it can
 * put any bytes on the link: arbitrary ACL packet-boundary flags, L2CAP
 * lengths that lie, PDUs of any length on any channel.
 *
 * The victim is a blehost host in the same process. The evil peer's socket is
 * watched by the victim's bh_loop, so every wait below runs the victim's loop
 * too: while we wait for an answer, the victim gets to compute it. Every wait
 * is bounded by a timeout (no test can hang).
 *
 * Received traffic is kept: L2CAP frames (reassembled) in a queue popped with
 * evil_recv(), events in counters/fields of struct evil_state.
 *
 * Buffers passed in are copied before the call returns; pointers handed out
 * (evil_state) stay valid until evil_close(). */
#ifndef BH_TEST_EVIL_PEER_H
#define BH_TEST_EVIL_PEER_H

#include <blehost/bh_addr.h>
#include <blehost/loop.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* L2CAP fixed channels (Vol 3, Part A, 2.1). */
#define EVIL_CID_ATT 0x0004
#define EVIL_CID_SIG 0x0005
#define EVIL_CID_SMP 0x0006

/* ACL packet-boundary flags (Vol 4, Part E, 5.4.2) as they go in the header. */
#define EVIL_PB_START_NONFLUSH 0x0 /* host to controller: first, non-flushable */
#define EVIL_PB_CONT 0x1
#define EVIL_PB_START 0x2

struct evil;

/* What the controller told the evil peer so far. */
struct evil_state {
	bh_addr addr;              /* our public address (Read BD_ADDR) */
	bool connected;            /* LE Connection Complete, status 0, not yet disconnected */
	uint16_t handle;           /* our side's connection handle */
	uint8_t conn_status;       /* status of the last LE Connection Complete */
	unsigned conn_completes;   /* LE Connection Complete events seen */
	unsigned disconnects;      /* Disconnection Complete events for our link */
	uint8_t disc_reason;
	unsigned enc_changes;      /* Encryption Change events */
	uint8_t enc_status;        /* of the last one */
	bool enc_enabled;
	unsigned ltk_requests;     /* LE Long Term Key Request (we are peripheral) */
	unsigned acl_rx;           /* ACL packets received */
	unsigned acl_credits;      /* ACL packets the controller may take now */
	uint16_t acl_mtu;
};

/* Connects to the btvirt socket (a new virtual controller), registers the
 * socket with loop, sends HCI Reset, reads BD_ADDR and buffer size, unmasks
 * LE events. NULL on failure (message on stderr). */
struct evil *evil_open(const char *socket_path, struct bh_loop *loop);
/* If still connected: HCI Disconnect (reason 0x13) and a bounded wait for
 * Disconnection Complete. Then unwatches and closes the socket. NULL ok. */
void evil_close(struct evil *e);

const struct evil_state *evil_state(const struct evil *e);

/* Sends one HCI command and runs the loop until its Command Complete or
 * Command Status arrives. Returns the status octet (0 = success) or -1 on
 * timeout/socket error. rp (may be NULL) gets the Command Complete return
 * parameters, *rp_len their length. */
int evil_cmd(struct evil *e, uint16_t opcode, const void *params, uint8_t plen, uint8_t *rp,
	     size_t rp_cap, size_t *rp_len);

/* LE Set Random Address; later evil_connect() uses it as own address
 * (own address type random). 0 or -1. */
int evil_set_random_address(struct evil *e, const bh_addr *addr);
/* Connectable undirected advertising with our address (the random one if
 * evil_set_random_address was called); 0 or -1. */
int evil_advertise(struct evil *e);
/* LE Create Connection to a public address; waits (bounded) for LE
 * Connection Complete. 0 when connected. */
int evil_connect(struct evil *e, const bh_addr *peer, unsigned timeout_ms);
/* Runs the loop until connected (victim-initiated connections). */
int evil_wait_connected(struct evil *e, unsigned timeout_ms);
/* HCI Disconnect and a bounded wait for Disconnection Complete. */
int evil_disconnect(struct evil *e, uint8_t reason, unsigned timeout_ms);

/* One raw ACL data packet on our link: the given PB flag and exactly these
 * payload bytes (nothing is checked: the payload may contain any L2CAP
 * header or none). Waits for a controller buffer credit first (bounded).
 * 0 or -1. */
int evil_acl_raw(struct evil *e, uint8_t pb, const uint8_t *data, size_t len);
/* A well-formed L2CAP basic frame: header (length = len, cid) + payload. */
int evil_l2cap(struct evil *e, uint16_t cid, const uint8_t *payload, size_t len);

/* Pops the oldest received L2CAP frame on cid, running the loop until one
 * arrives or timeout_ms pass. Copies its payload (after the basic header) to
 * out (truncated to cap); returns the payload length, or -1 on timeout. */
int evil_recv(struct evil *e, uint16_t cid, uint8_t *out, size_t cap, unsigned timeout_ms);
/* Drops every queued frame; returns how many were dropped. */
unsigned evil_flush(struct evil *e);
/* Number of queued frames on cid (without waiting). */
unsigned evil_pending(const struct evil *e, uint16_t cid);

/* Runs the loop for ms (lets the victim react; collects traffic). */
void evil_run(struct evil *e, unsigned ms);
/* Runs the loop until *flag or timeout; returns *flag. */
bool evil_run_until(struct evil *e, const bool *flag, unsigned timeout_ms);

/* LE Enable Encryption (we are central) with an arbitrary key; waits for
 * Command Status. The outcome arrives as an Encryption Change or a
 * disconnect (see evil_wait_encryption). 0 or the HCI status, -1 on error. */
int evil_start_encryption(struct evil *e, uint64_t rand, uint16_t ediv, const uint8_t ltk[16]);
/* Runs the loop until an Encryption Change or disconnect newer than
 * enc_before/disc_before arrives; true when one did. */
bool evil_wait_encryption(struct evil *e, unsigned enc_before, unsigned disc_before,
			  unsigned timeout_ms);

#endif
