/* fake_ctrl: a scripted controller for fault-injection tests. The test
 * listens on its own unix socket; a blehost host opened with transport
 * "unix:PATH" connects to it and runs its real H4 transport and whole stack
 * against us. We answer the bring-up the way btvirt does (answers taken from
 * tests/pcap/gatt23-central.btsnoop), acknowledge every ACL packet with
 * Number Of Completed Packets, and let the test inject faults: stop
 * answering chosen commands, send any event, open a connection, close the
 * transport in the middle of anything.
 *
 * The socket is watched by the host's bh_loop, so every wait below runs the
 * host too. Every wait is bounded. Buffers passed in are copied. */
#ifndef BH_TEST_FAKE_CTRL_H
#define BH_TEST_FAKE_CTRL_H

#include <blehost/loop.h>

struct bh_gattc;

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAKE_CONN_HANDLE 0x0040

struct fake;

/* Creates a listening socket under a fresh /tmp directory. NULL on error. */
struct fake *fake_new(void);
/* The same controller as an H4 UART on a pty: fake_transport() is
 * "KIND:/dev/pts/N" + opts (kind "serial" or "h4", opts ",115200,..."),
 * fake_accept watches the master. NULL on error. */
struct fake *fake_new_pty(const char *kind, const char *opts);
/* "unix:PATH" for bh_host_config.transport. */
const char *fake_transport(const struct fake *f);
/* Accepts the host's connection (it connected in bh_host_new) and watches
 * it on loop. 0 or -1. */
int fake_accept(struct fake *f, struct bh_loop *loop);
/* Closes the connection to the host (the host sees its transport lost). */
void fake_close_link(struct fake *f);
/* Closes everything and removes the socket. NULL ok. */
void fake_free(struct fake *f);

/* Commands with this opcode get no answer at all from now on (0: none). */
void fake_mute(struct fake *f, uint16_t opcode);
/* How many commands with opcode the host sent so far (0: all commands). */
unsigned fake_cmd_count(const struct fake *f, uint16_t opcode);

/* Sends an HCI event (code, parameters). 0 or -1. */
int fake_event(struct fake *f, uint8_t code, const uint8_t *params, uint8_t len);
/* LE Connection Complete for FAKE_CONN_HANDLE; central = the host's role. */
int fake_connect(struct fake *f, bool central);

/* Sends one L2CAP frame (cid, payload) on FAKE_CONN_HANDLE. */
int fake_l2cap(struct fake *f, uint16_t cid, const uint8_t *payload, size_t len);
/* Pops the oldest L2CAP frame the host sent on cid, running the loop until
 * one arrives or ms pass. Returns the payload length (copied to out, cut at
 * cap) or -1. */
int fake_recv(struct fake *f, uint16_t cid, uint8_t *out, size_t cap, unsigned ms);

/* Several links: LE Connection Complete for any handle (the peer address
 * ends in the handle's low byte), and an L2CAP frame on it. */
int fake_connect_handle(struct fake *f, uint16_t handle, bool central);
int fake_l2cap_to(struct fake *f, uint16_t handle, uint16_t cid, const uint8_t *payload,
		  size_t len);
/* Answers ATT requests on this link by itself, as a tiny server: Exchange
 * MTU (23), discovery of one service (Heart Rate 0x0001-0x0004 with a
 * notifying characteristic, value 0x0003, CCCD 0x0004), Read and Read Blob
 * ("ok"), Write, anything else Request Not Supported. Its frames are not
 * queued for fake_recv. */
void fake_att_autoreply(struct fake *f, uint16_t handle);
void fake_att_autoreply_stop(struct fake *f, uint16_t handle);

/* Faults armed on a link: on the next L2CAP frame the host sends on
 * `handle` (any channel), or the next command with `opcode` (handle 0),
 * the controller fails with kind. One at a time; fake_fired() says whether
 * it went off. */
enum fake_fault { FAKE_DISCONNECT = 1, FAKE_CLOSE, FAKE_HWERROR,
		  FAKE_SILENCE, /* nothing more from the controller (no events, no
				 * ACL), the socket stays open: fake_heal ends it */
		  FAKE_DROP, /* one command is lost: no answer to it, all else goes on */
		  FAKE_ACL_LOST, /* one ACL packet from the host is lost over the air:
				  * Number Of Completed Packets for it, but the
				  * peer (the autoreply server, fake_recv) never
				  * gets it */
		  FAKE_ACL_LOST_IN, /* the peer's next ACL packet to the host is lost */
		  FAKE_FRAG_LOST_IN /* fake_fault_after only: the n-th ACL packet
				     * the peer sends the host from now on is
				     * lost, a start or a continuation
				     * (fake_set_acl_fragment) alike */ };
void fake_fault_on_frame(struct fake *f, uint16_t handle, enum fake_fault kind);
void fake_fault_on_command(struct fake *f, uint16_t opcode, enum fake_fault kind);
/* The same, for a command about a link: a FAKE_DISCONNECT ends `handle`. */
void fake_fault_on_link_command(struct fake *f, uint16_t opcode, uint16_t handle,
				enum fake_fault kind);
bool fake_fired(const struct fake *f);
/* The same after n packets from the host (commands and ACL packets,
 * counted from the call): the next one is not seen, the fault happens
 * instead; FAKE_DISCONNECT: it is served, then the link ends. The ACL
 * kinds count ACL packets only: FAKE_ACL_LOST loses the next one,
 * FAKE_ACL_LOST_IN serves it and loses the peer's next packet to the
 * host (its answer, if it has one). n < 0: none (what has not fired,
 * will not). */
void fake_fault_after(struct fake *f, long n, uint16_t handle, enum fake_fault kind);
/* The controller works again: it answers (after FAKE_SILENCE) and loses
 * nothing more (a FAKE_ACL_LOST_IN that fired with no packet yet to lose).
 * What it lost stays lost. */
void fake_heal(struct fake *f);
/* The ATT PDU a FAKE_ACL_LOST or FAKE_ACL_LOST_IN lost: its opcode, and
 * whether it went from the host (true) or to it. -1: none lost. */
int fake_lost_att(const struct fake *f, bool *from_host);
/* ATT PDUs (CID 4, any link) the host sent that reached the peer. */
unsigned fake_att_count(const struct fake *f);
/* The peer's frames reach the host in ACL packets of at most n octets (a
 * start, PB 0b10, then continuations, PB 0b01: Vol 4, Part E, 5.4.2), as a
 * controller whose link-layer PDUs are short delivers them. 0: each frame
 * in one packet (the default). */
void fake_set_acl_fragment(struct fake *f, unsigned n);
/* Does what a fault of this kind does on handle, now. */
void fake_fault_now(struct fake *f, uint16_t handle, enum fake_fault kind);

/* LE Create Connection succeeds at once: FAKE_CONN_HANDLE, peer
 * 66:55:44:33:22:11, served by the autoreply ATT server. */
void fake_accept_connects(struct fake *f);
/* The autoreply server has answered a Write Request (a CCCD write). */
bool fake_att_wrote(const struct fake *f);
/* The autoreply server answers Exchange MTU with mtu (0: 23, the default). */
void fake_set_att_mtu(struct fake *f, uint16_t mtu);
/* Handle Value Confirmations it got from the host. */
unsigned fake_att_confirms(const struct fake *f);

/* A different controller: the return parameters (after the status octet)
 * for opcode's Command Complete, replacing the btvirt answer (before the
 * host starts; up to 8); commands answered with Command Status (up to 8);
 * the LE features LE Read Remote Features reports for the peer. */
void fake_set_answer(struct fake *f, uint16_t opcode, const void *rp, uint8_t len);
void fake_set_async(struct fake *f, uint16_t opcode);
/* Supported Commands (Read Local Supported Commands): btvirt's plus these
 * BH_SUP_* bits. Before the host starts. */
void fake_add_commands(struct fake *f, const uint16_t *sup, size_t n);
void fake_set_remote_features(struct fake *f, const uint8_t features[8]);
/* ACL packets the host sent so far, and the largest payload among them. */
void fake_acl_stats(const struct fake *f, unsigned *packets, unsigned *max_len);
/* Commands go to fn first; it returns true when it answered (e.g. a
 * vendor chip model playing the bring-up, tests/chipset). NULL: none. */
typedef bool (*fake_cmd_hook)(void *ctx, struct fake *f, uint16_t opcode, const uint8_t *params,
			      size_t len);
void fake_set_command_hook(struct fake *f, fake_cmd_hook fn, void *ctx);

/* Runs the loop for ms. */
void fake_run(struct fake *f, unsigned ms);
/* Runs the loop until *flag or ms pass; returns *flag. */
bool fake_run_until(struct fake *f, const bool *flag, unsigned ms);

/* Sends raw bytes to the host as they are: one or more whole H4 packets
 * (type byte first), however malformed their contents. 0 or -1. */
int fake_raw(struct fake *f, const uint8_t *bytes, size_t len);
/* Parameters of the latest command with opcode the host sent (of the last
 * 16 commands), copied to out (cut at cap): their length, or -1. */
int fake_last_cmd(const struct fake *f, uint16_t opcode, uint8_t *out, size_t cap);

/* The next ATT PDU the host sends (fake_recv on CID 4), answering its own
 * MTU exchanges (23) on the way. Length or -1. */
int fake_att_next(struct fake *f, uint8_t *buf, size_t cap, unsigned ms);
/* The host still serves the link: a GATT read of handle 3 through g (the
 * host's client on FAKE_CONN_HANDLE) goes out as one Read Request, the
 * fake answers "ok", and the read completes once with it. */
bool fake_gatt_read_ok(struct fake *f, struct bh_gattc *g);

#endif
