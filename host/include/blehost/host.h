/* blehost host object: the composition root that owns a transport, the run
 * loop, and one instance of every layer (HCI, L2CAP, ATT bearers, GATT server
 * and clients, SMP, GAP), and wires their ports together.
 *
 * This is the only place where layers meet. Applications create one host,
 * reach each layer through the accessors below, and either run the host's
 * loop (bh_host_run, or the blocking helpers in this header) or drive it from
 * their own loop with bh_loop_pollfds()/bh_loop_dispatch().
 *
 * Several hosts can live in one process (a central and a peripheral in one
 * test): there is no global state.
 */
#ifndef BH_HOST_H
#define BH_HOST_H

#include <blehost/bh_addr.h>
#include <blehost/bh_env.h>
#include <blehost/bh_err.h>
#include <blehost/bh_uuid.h>
#include <blehost/gap.h>
#include <blehost/loop.h>

struct bh_chipset_report;
struct bh_uart_baud_report;

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bh_host;
struct bh_hci;
struct bh_l2cap;
struct bh_att;
struct bh_gap;
struct bh_smp;
struct bh_gatts;
struct bh_gattc;
struct bh_transport;
struct bh_smp_oob;

enum bh_io_cap_preset {
	BH_IO_DISPLAY_ONLY = 0x00,
	BH_IO_DISPLAY_YES_NO = 0x01,
	BH_IO_KEYBOARD_ONLY = 0x02,
	BH_IO_NO_INPUT_NO_OUTPUT = 0x03,
	BH_IO_KEYBOARD_DISPLAY = 0x04,
};

struct bh_host_config {
	const char *transport;   /* spec; NULL: $BLEHOST_TRANSPORT */
	const char *trace_path;  /* NULL: no trace; .pcap → pcap 201, else btsnoop */
	const char *store_dir;   /* bond store dir; NULL: default; "" : no store */
	enum bh_log_level log_level;
	bool seeded;             /* deterministic randomness (tests, recordings) */
	uint64_t seed;
	uint16_t att_mtu;        /* local ATT MTU offered; default 517 */
	unsigned max_connections; /* default 8 */
	uint8_t io_cap;          /* enum bh_io_cap_preset; default NoInputNoOutput */
	bool bondable;           /* default true */
	bool mitm;               /* ask for MITM protection */
	bool sc_only;            /* Secure Connections only */
	bool legacy_only;        /* never offer Secure Connections */
	uint8_t min_key_size;    /* default 16 (7..16) */
	uint8_t max_key_size;    /* offered in pairing; default 16 (min..16) */
	bool debug_keys;         /* accept the SC debug key pair */
	/* Let a pairing replace a bond with a weaker one (unauthenticated over
	 * authenticated, legacy over Secure Connections, a shorter key). Off:
	 * such a pairing fails with BH_EDOWNGRADE (a spoofer of a bonded
	 * device's address cannot take its bond over with Just Works). */
	bool allow_bond_downgrade;
	/* Start a new local identity (IRK, static address): the current
	 * local_identity file, valid or not, is kept aside. Without it a
	 * damaged identity file makes bh_host_new fail (never replaced). */
	bool new_identity;
	bool auto_security;      /* GATT client raises security and retries once; default true */
	bool use_random_address; /* advertise/scan/connect with our random static address */
	bool privacy;            /* use resolvable private addresses made from our IRK
				    (rotated every rpa_timeout_ms); peers resolve them
				    with the IRK we distribute when pairing */
	/* How long one private address (RPA, or NRPA with bh_gap) is used
	 * before the next, for GAP's own address and for every advertising
	 * set that took it: T_GAP(private_addr_int), Core Vol 3, Part C,
	 * 10.7.1.2 and Appendix A (15 minutes recommended). 0: the default,
	 * 15 minutes. Else BH_HOST_RPA_TIMEOUT_MIN_MS to _MAX_MS (1 s to 1
	 * hour, the range of LE Set Resolvable Private Address Timeout, Vol 4,
	 * Part E, 7.8.45, which every controller version accepts): bh_host_new
	 * refuses anything else. The host makes its RPAs itself (the
	 * controller's resolving list holds peers' IRKs only), so the value
	 * is never sent to the controller. Shorter means harder to track and
	 * more address changes (each pauses scanning and re-enables the
	 * advertising sets for a moment). */
	unsigned rpa_timeout_ms;
	/* Run on this loop instead of a new one (several hosts in one thread,
	 * e.g. a central and a peripheral in one test). Not owned. */
	struct bh_loop *loop;
	/* Idle controller check: when the controller has sent nothing for this
	 * long, the host sends it a harmless command (Read Local Version
	 * Information). A controller that does not answer within the HCI
	 * command timeout (2 s) is recovered with a Reset, and reported through
	 * events.fatal if that fails too, so a controller that goes silent
	 * while nothing is pending (a server waiting for peers, a client
	 * waiting for notifications) is noticed within this + 4 s. 0: the
	 * default, 5000 ms; BH_HOST_NO_IDLE_CHECK: never. */
	unsigned idle_check_ms;
	/* Connection parameters a peer may ask for when it starts a parameter
	 * update (LE Remote Connection Parameter Request, either role). Zero
	 * fields take the defaults, which accept what phones ask: interval
	 * 7.5 ms to 4 s, latency up to 499, supervision timeout 100 ms to 32 s.
	 * A request outside is refused (Unacceptable Connection Parameters);
	 * one that overlaps is narrowed to them. The outcome is reported by
	 * events.conn_updated. */
	struct {
		double interval_min_ms, interval_max_ms; /* multiples of 1.25 */
		uint16_t max_latency;
		unsigned timeout_min_ms, timeout_max_ms; /* multiples of 10 */
	} peer_conn_limits;
	/* Enhanced ATT (EATT, Core 5.2, Vol 3, Part G, 5.3.2): ATT bearers over
	 * L2CAP enhanced credit-based channels (SPSM 0x0027), only on an
	 * encrypted link. N > 0: as central we open N bearers (at most
	 * BH_HOST_EATT_MAX) once the link is encrypted, we accept up to N
	 * from a peer, and our GATT server has the Server Supported Features
	 * characteristic saying EATT. The GATT client spreads its requests
	 * over the unenhanced bearer and these; the server answers each
	 * request on the bearer it came on. 0 (default): off. A build with
	 * -Dl2cap_coc=false has no such channels: bh_host_new fails for N > 0. */
	unsigned eatt_bearers;
	/* Vendor bring-up before the standard init (<blehost/chipset.h>):
	 * NULL: on USB transports, by VID:PID then manufacturer; "auto": the
	 * same on any transport; "none": never; "realtek", "broadcom": force
	 * that driver. Firmware comes from $BLEHOST_FIRMWARE_PATH (':'-separated
	 * directories), then /lib/firmware. */
	const char *chipset;
	/* Where the GATT server's Database Hash is kept between runs (file
	 * gatt_db_hash): a start with the same database then serves the hash
	 * computed before, with no AES-CMAC and without loading libcrypto for
	 * it. A hash is taken from the file only for a database identical to
	 * the one it was computed for (the file holds the exact octets hashed,
	 * Vol 3, Part G, 7.3); a missing, damaged or unreadable file, or another
	 * database, means the hash is computed, and the file is replaced
	 * (atomically, mode 0600) once that succeeded. Failing to read or write
	 * it is logged, never an error. NULL (default): the bond store's
	 * directory, none when store_dir is "". "": none. Else this directory,
	 * also with store_dir "": a device without bonds then needs no
	 * libcrypto at all to start again. (Opening a bond store loads
	 * libcrypto anyway: its files are checked with SHA-256.) The directory
	 * is opened once, by bh_host_new (it must exist then: if it cannot be
	 * opened, that is logged and no file is kept), and the file is reached
	 * only through it (the bond store's through the store's): moved while
	 * the host runs, it is still the one read and written. */
	const char *db_hash_dir;
	/* A gatt_db_hash file's contents (the format db_hash_dir keeps) made
	 * when the program was built, for a database fixed at build time, as
	 * BTstack's compile_gatt.py puts the hash in its database: it is taken
	 * on the same terms as the file (only for the exact octets hashed),
	 * before the file is looked at, so even a first start computes no
	 * AES-CMAC and loads no libcrypto for the hash. A program makes it by
	 * building its database in a host with db_hash_dir set and asking for
	 * the hash once (bench/bench_db_hash.c does so at build time for the
	 * demo database); anything that does not match (the database changed
	 * since, or the bytes are damaged) means the file, then computing, as
	 * without it. Borrowed: it must outlive the host. NULL or length 0
	 * (default): none. */
	const uint8_t *db_hash_known;
	size_t db_hash_known_len;
};
#define BH_HOST_EATT_MAX 5
#define BH_HOST_NO_IDLE_CHECK 0xffffffffu
#define BH_HOST_RPA_TIMEOUT_MIN_MS 1000u
#define BH_HOST_RPA_TIMEOUT_MAX_MS 3600000u
void bh_host_config_default(struct bh_host_config *c);

/* Application callbacks. Every member may be NULL. handle = connection. */
struct bh_host_events {
	void *ctx;
	void (*ready)(void *ctx, bh_status status);
	void (*fatal)(void *ctx, bh_status reason);
	void (*connected)(void *ctx, uint16_t handle, bool central, const bh_addr *peer);
	/* Only for a link reported connected: one the host refused (no
	 * memory, no room) ends unreported. Links lost with the controller
	 * (a reset to recover it, or fatal) end here too, reason 0x16
	 * (Connection Terminated by Local Host), before ready or fatal. */
	void (*disconnected)(void *ctx, uint16_t handle, uint8_t reason);
	void (*encryption_changed)(void *ctx, uint16_t handle, bh_status status, bool enabled);
	/* bonded: both sides asked for bonding and the keys were kept (in the
	 * bond store, or in memory without one). false when the keys last only
	 * as long as this link: no bonding, or the store could not keep them
	 * (a full disk, the store's directory gone; logged as an error). */
	void (*pairing_complete)(void *ctx, uint16_t handle, bh_status status, bool bonded);
	/* Agent. Replies go through bh_host_passkey_reply/bh_host_confirm_reply. */
	void (*passkey_display)(void *ctx, uint16_t handle, uint32_t passkey);
	void (*passkey_request)(void *ctx, uint16_t handle);
	void (*confirm_number)(void *ctx, uint16_t handle, uint32_t number);
	/* Out-of-band pairing data received from this peer by other means (an
	 * NFC tag, a QR code): fill *out (legacy: tk; Secure Connections: the
	 * peer's r and C, see bh_host_oob_local) and return true. NULL or
	 * false: no OOB data. */
	bool (*oob_request)(void *ctx, uint16_t handle, bool sc, struct bh_smp_oob *out);
	/* A peer asks to pair (authorization); return false to refuse it with
	 * Pairing Failed. NULL: accept. */
	bool (*pairing_request)(void *ctx, uint16_t handle);
	/* GATT client: a notification or indication on any connection. */
	void (*notification)(void *ctx, uint16_t handle, uint16_t attr, const uint8_t *value,
			     size_t len, bool indication);
	/* GATT server: a client wrote a CCCD (0 off, 1 notify, 2 indicate). */
	void (*subscription)(void *ctx, uint16_t handle, uint16_t value_handle, uint16_t value);
	/* GATT server: an indication completed (BH_OK when confirmed). */
	void (*indication_done)(void *ctx, uint16_t handle, uint16_t value_handle, bh_status st);
	/* Room again on the link after a notification, Write Command or
	 * Signed Write returned BH_EBUSY: send the next one now. */
	void (*can_send)(void *ctx, uint16_t handle);
	/* L2CAP credit-based channels (bh_host_coc_*). A channel is (handle,
	 * cid). opened: BH_OK, or why our connect failed. accept: a peer asks
	 * for a registered SPSM; return 0 to accept or an L2CAP result code
	 * (NULL: accept). closed: BH_OK when either side asked, else why. */
	uint16_t (*coc_accept)(void *ctx, uint16_t handle, uint16_t spsm, uint16_t peer_mtu);
	void (*coc_opened)(void *ctx, uint16_t handle, uint16_t cid, uint16_t spsm, bh_status st);
	void (*coc_sdu)(void *ctx, uint16_t handle, uint16_t cid, const uint8_t *sdu, size_t len);
	void (*coc_closed)(void *ctx, uint16_t handle, uint16_t cid, bh_status reason);
	/* The SDU given to bh_host_coc_send went out: the channel takes another.
	 * May run inside bh_host_coc_send (the SDU fit the credits); sending
	 * the next one from here is allowed. */
	void (*coc_can_send)(void *ctx, uint16_t handle, uint16_t cid);
	/* GATT server: an ATT request or command arrived (before it is served). */
	void (*att_request)(void *ctx, uint16_t handle, const uint8_t *pdu, size_t len);
	/* One line for the application's log (requests served, state changes). */
	void (*log)(void *ctx, enum bh_log_level lvl, const char *layer, const char *msg);
	/* A connection parameter update ended (LE Connection Update Complete,
	 * whoever started it: a peer's request accepted within
	 * cfg.peer_conn_limits, or our own). status BH_OK with the new
	 * parameters, or the controller's error with the unchanged ones. */
	void (*conn_updated)(void *ctx, uint16_t handle, bh_status status, double interval_ms,
			     uint16_t latency, unsigned timeout_ms);
};

/* Re-entry. Application callbacks come from the loop, except these, which
 * some calls run before they return (audit of session 19):
 *   bh_gattc_cancel, bh_att_cancel: the cancelled operations' completions
 *     (BH_ECANCELLED);
 *   bh_gatts_notify, _indicate, _notify_multiple, _changed with a
 *     callback-served value: its read callback;
 *   bh_host_coc_send (bh_l2cap_coc_send): coc_can_send, when the whole SDU
 *     went out at once;
 *   bh_host_passkey_reply, bh_host_confirm_reply refusing:
 *     pairing_complete with the failure;
 *   bh_host_free: every pending operation's completion (BH_ERESET).
 * Such a callback may call the API again: start an operation, cancel
 * (the call running finishes only what it had to when it started),
 * disconnect (a Disconnect command: the link ends later, from the loop),
 * send. It may not free the host, nor, in gatts' read callback, add or
 * remove services (BH_ESTATE). bh_host_free refuses itself only inside
 * the loop's callbacks; a callback run by one of these calls made from
 * outside the loop is not seen, so the rule is the application's there.
 * No call that sends runs events.disconnected or events.fatal: a write
 * the transport refuses (its peer gone) is a packet lost, and the loss is
 * handled by the loop at once (every link then ends, and each pending
 * operation completes with it). The exception is bh_host_start before the
 * controller was first up: a refused write ends the bring-up inside it
 * (events.fatal runs there; bh_host_free is refused there too). */

/* Opens the transport and creates every layer. NULL on failure with a message
 * in err that names the transport and what to try, or the configuration
 * field that is out of range (before anything is opened). */
struct bh_host *bh_host_new(const struct bh_host_config *cfg, const struct bh_host_events *ev,
			    char *err, size_t errlen);
/* Closes everything: pending operations complete with BH_ERESET first.
 * Not from inside one of the host's callbacks (an event, an operation's
 * completion, a log line): the layers that called it go on after it
 * returns. There it logs an error and frees nothing; end the loop instead
 * (bh_loop_quit(bh_host_loop(h))) and free once bh_host_run, or the
 * blocking helper that ran the loop, has returned. */
void bh_host_free(struct bh_host *h);

/* Brings the controller up (HCI Reset and init). events.ready follows. */
int bh_host_start(struct bh_host *h);
/* Runs the loop until the controller is up. */
int bh_host_start_sync(struct bh_host *h, unsigned timeout_ms);

struct bh_loop *bh_host_loop(struct bh_host *h);
const struct bh_env *bh_host_env(const struct bh_host *h);
struct bh_hci *bh_host_hci(struct bh_host *h);
struct bh_l2cap *bh_host_l2cap(struct bh_host *h);
struct bh_gap *bh_host_gap(struct bh_host *h);
struct bh_smp *bh_host_smp(struct bh_host *h);
struct bh_gatts *bh_host_gatt_server(struct bh_host *h);
/* The connection's GATT client / ATT bearer, or NULL if no such connection. */
struct bh_gattc *bh_host_gattc(struct bh_host *h, uint16_t handle);
struct bh_att *bh_host_att(struct bh_host *h, uint16_t handle);
struct bh_transport *bh_host_transport(struct bh_host *h);
/* What vendor bring-up found and did, or NULL when it did not run (a
 * non-USB transport without config.chipset, unless a UART spec asks for
 * speed=N: the vendor must be known to change the speed). */
const struct bh_chipset_report *bh_host_chipset(const struct bh_host *h);
/* What the UART speed change did (a UART transport whose spec has speed=N),
 * or NULL when it did not run. */
const struct bh_uart_baud_report *bh_host_uart_baud(const struct bh_host *h);

/* Runs the loop until bh_loop_quit(bh_host_loop(h)). From inside one of
 * the loop's callbacks: BH_EBUSY at once (see the blocking helpers). */
int bh_host_run(struct bh_host *h);

/* Replay runs: whether the transport is a finished replay, and its verdict
 * (0 = every recorded host packet matched; report gets the mismatch). */
bool bh_host_replay_done(struct bh_host *h);
int bh_host_replay_result(struct bh_host *h, char *report, size_t len);

/* L2CAP credit-based channels (thin wrappers over bh_l2cap_coc_*): listen
 * on an SPSM, connect to a peer's, send one SDU at a time, close. */
int bh_host_coc_listen(struct bh_host *h, uint16_t spsm);
int bh_host_coc_connect(struct bh_host *h, uint16_t handle, uint16_t spsm, uint16_t *cid);
int bh_host_coc_send(struct bh_host *h, uint16_t handle, uint16_t cid, const uint8_t *sdu,
		     size_t len);
int bh_host_coc_close(struct bh_host *h, uint16_t handle, uint16_t cid);

/* EATT state of a connection: the open enhanced bearers, their MTU and
 * how many ATT requests each carried (sent as client, served as server).
 * BH_ENOTFOUND for an unknown connection. */
struct bh_host_eatt_info {
	unsigned bearers;
	struct {
		uint16_t cid, mtu;
		unsigned requests_sent, requests_served;
	} b[BH_HOST_EATT_MAX];
};
int bh_host_eatt_info(struct bh_host *h, uint16_t handle, struct bh_host_eatt_info *out);

/* Our Secure Connections OOB data (r, C = f4(PKx, PKx, r, 0)) to hand to
 * the peer out of band. Draws r from the host's random source. */
int bh_host_oob_local(struct bh_host *h, uint8_t r[16], uint8_t c[16]);

/* Agent replies. */
int bh_host_passkey_reply(struct bh_host *h, uint16_t handle, bool accept, uint32_t passkey);
int bh_host_confirm_reply(struct bh_host *h, uint16_t handle, bool accept);

/* ---- Blocking helpers: run the loop until the operation completes. ----
 * They are thin wrappers over the asynchronous APIs of the layers. Each
 * returns promptly when its link goes (BH_EDISCONNECTED; called on a link
 * that already went: the same, or BH_ENOTFOUND for a handle never seen) or
 * the controller is lost (BH_ETRANSPORT, BH_EHWERROR, BH_ERESET after a
 * recovery). They keep no pointer into a connection across the loop, so
 * any callback may end the link while they wait. After an ATT transaction
 * timeout on a link (an answer not within 30 s: that call returns
 * BH_ETIMEDOUT) its bearer is dead (Vol 3, Part F, 3.3.3) and the host
 * disconnects it; until the link is gone, every GATT helper on it returns
 * BH_ETIMEDOUT as well, then the link's loss as above.
 *
 * They run the loop, so not from inside one of its callbacks (an event,
 * an operation's completion, posted work; of this host or of another on
 * the same loop): running it again there would handle packets in the
 * middle of another's handling, and out of order. There they return
 * BH_EBUSY at once, start nothing and log why; use the asynchronous call
 * (its completion callback) instead. */

/* Connects to addr as central. *handle receives the connection handle. */
int bh_host_connect_sync(struct bh_host *h, const bh_addr *addr, unsigned timeout_ms,
			 uint16_t *handle);
int bh_host_disconnect_sync(struct bh_host *h, uint16_t handle, uint8_t reason,
			    unsigned timeout_ms);
/* Exchanges MTU on the connection; *mtu receives the result. */
int bh_host_exchange_mtu_sync(struct bh_host *h, uint16_t handle, uint16_t *mtu);
/* Full discovery into the connection's GATT client. */
int bh_host_discover_sync(struct bh_host *h, uint16_t handle);
/* Reads the value at attr (long reads transparently). out receives up to cap
 * bytes; *len the value length. */
int bh_host_read_sync(struct bh_host *h, uint16_t handle, uint16_t attr, uint8_t *out,
		      size_t cap, size_t *len);
int bh_host_write_sync(struct bh_host *h, uint16_t handle, uint16_t attr, const uint8_t *val,
		       size_t len, bool with_response);
int bh_host_subscribe_sync(struct bh_host *h, uint16_t handle, uint16_t value_handle,
			   bool indicate);
/* Pairs (or re-encrypts with a bond) and waits for the result. */
int bh_host_pair_sync(struct bh_host *h, uint16_t handle, unsigned timeout_ms);
/* Runs the loop until *done becomes true (set it from your callbacks), the
 * timeout passes (BH_NEVER: none), the link `handle` goes (BH_HOST_NO_LINK:
 * watch no link) or the controller is lost. Returns BH_OK (*done),
 * BH_ETIMEDOUT, BH_ECANCELLED (bh_loop_quit), BH_EDISCONNECTED (the link
 * went; its HCI reason came through events.disconnected), or the
 * controller's loss (BH_ETRANSPORT, BH_EHWERROR, ...). On a loss *done is
 * set true as well. For waits with no operation of their own: a
 * subscription's notifications, a server that runs until stopped. */
#define BH_HOST_NO_LINK 0xffff
int bh_host_wait(struct bh_host *h, uint16_t handle, bool *done, bh_time_ms timeout_ms);
/* BH_OK while the controller is usable; after events.fatal, why it was
 * lost (which may be BH_ETIMEDOUT: it stopped answering, and the Reset
 * that should have recovered it was not answered either). Tells a loss
 * from a wait's own timeout. */
bh_status bh_host_lost(const struct bh_host *h);
/* Runs the loop for ms milliseconds (notifications arrive meanwhile).
 * From inside one of the loop's callbacks it returns at once. */
void bh_host_run_for(struct bh_host *h, unsigned ms);

/* ---- Conveniences: thin over the blocking helpers and the layers. ----
 * Every time is in milliseconds; they convert to the specification's units
 * inside. They follow the blocking helpers' rules above (link lost, loss of
 * the controller, no pointer kept across the loop). */

/* One device found by bh_host_scan_sync: the latest advertisement merged
 * with its latest scan response. `ad` is the parse of adv then rsp and
 * borrows them from this same struct: after copying the struct, call
 * bh_host_scan_result_ad() on the copy. */
#define BH_HOST_SCAN_DATA_MAX 256
struct bh_host_scan_result {
	bh_addr addr;        /* as advertised: what to connect to */
	bh_addr identity;    /* resolved identity (a bonded peer's RPA), or == addr */
	char name[249];      /* local name, NUL-terminated ("" if none) */
	int8_t rssi;         /* dBm of the latest report, BH_HOST_RSSI_NA unknown */
	bool connectable;
	uint8_t adv[BH_HOST_SCAN_DATA_MAX], rsp[BH_HOST_SCAN_DATA_MAX];
	size_t adv_len, rsp_len;
	struct bh_ad ad;     /* every AD field: UUIDs, service and manufacturer data, ... */
	unsigned reports;    /* how many reports updated it */
};
#define BH_HOST_RSSI_NA 127

/* What bh_host_scan_sync looks for. Zeroes: active scan for 5 s, every
 * device. */
struct bh_host_scan_opts {
	unsigned duration_ms;    /* how long at most; 0: 5000 */
	bool passive;            /* no scan requests (no scan responses either) */
	/* Only devices matching it are kept (NULL: all); copied. See
	 * struct bh_gap_scan_filter: name substring, service UUIDs, minimum
	 * RSSI, one address, AD prefixes. */
	const struct bh_gap_scan_filter *filter;
	/* Stop as soon as this many devices matched (1: "scan until found");
	 * 0: scan for the whole duration. */
	unsigned stop_after;
};

/* Scans and collects the devices seen into out[0..cap), one entry per
 * address, updated by later reports. *n receives how many (never more
 * than cap: further devices are not kept). Returns BH_OK when the duration
 * ended or stop_after devices were found; BH_ETIMEDOUT when stop_after was
 * set and fewer were found in time (out and *n hold those); BH_EBUSY when
 * the host is already scanning; BH_EINVAL on a bad argument; the
 * controller's error or loss. */
int bh_host_scan_sync(struct bh_host *h, const struct bh_host_scan_opts *opts,
		      struct bh_host_scan_result *out, size_t cap, size_t *n);
/* Parses r's advertisement and scan response into *ad (pointers into r). */
void bh_host_scan_result_ad(const struct bh_host_scan_result *r, struct bh_ad *ad);

/* Connection parameters in milliseconds (Core Vol 4, Part E, 7.8.12 and
 * Vol 6, Part B, 4.5.1). A zero field takes the default: interval 30 to
 * 50 ms, latency 0, supervision timeout 4000 ms, scan 60/30 ms while
 * connecting. Intervals are rounded to the nearest 1.25 ms, the timeout to
 * 10 ms, scan times to 0.625 ms. */
struct bh_host_conn_params {
	double interval_min_ms, interval_max_ms; /* 7.5 .. 4000 */
	uint16_t latency;                        /* 0 .. 499 connection events */
	unsigned supervision_timeout_ms;         /* 100 .. 32000, and more than
						    (1 + latency) * interval_max_ms * 2 */
	double scan_interval_ms, scan_window_ms; /* 2.5 .. 10240, window <= interval */
};
/* The one ms->HCI-units converter: bh_host_connect_params_sync,
 * bh_host_connect_match_sync and bh_host_conn_update (host_link.h) all use
 * it, so one set of values is accepted everywhere. The rule: each value
 * is rounded to the nearest unit (1.25 ms, 10 ms, 0.625 ms), then checked
 * against the ranges above; zero fields take the defaults first
 * (interval_min alone: max(interval_min, 50 ms) as the maximum; interval_max
 * alone: min(30 ms, interval_max) as the minimum); then min <= max,
 * window <= scan interval, and supervision timeout > (1 + latency) *
 * interval_max * 2 (Vol 6, Part B, 4.5.2). Negative, NaN and infinite
 * values are refused. BH_OK, or BH_EINVAL with *out untouched. */
int bh_host_conn_params_hci(const struct bh_host_conn_params *p, struct bh_gap_conn_params *out);
/* bh_host_connect_sync with these parameters (NULL: defaults). BH_EINVAL
 * for parameters out of range, before anything is sent. */
int bh_host_connect_params_sync(struct bh_host *h, const bh_addr *addr,
				const struct bh_host_conn_params *p, unsigned timeout_ms,
				uint16_t *handle);
/* Scans (actively) until a connectable device matches `match` (a name
 * substring, service UUIDs, ...; copied), then connects to it with p (NULL:
 * defaults). timeout_ms covers both: BH_ETIMEDOUT when nothing matched.
 * *peer (may be NULL) receives the address connected to. BH_EINVAL: no
 * filter, or p out of range. */
int bh_host_connect_match_sync(struct bh_host *h, const struct bh_gap_scan_filter *match,
			       const struct bh_host_conn_params *p, unsigned timeout_ms,
			       uint16_t *handle, bh_addr *peer);

/* The link's characteristic (value handle) or descriptor (handle) with this
 * UUID, discovering the peer's services first when the link has no tree
 * yet. svc NULL: in any service. BH_ENOTFOUND when the peer has none (or,
 * as for every helper, when there is no such link). */
int bh_host_find_chr_sync(struct bh_host *h, uint16_t handle, const bh_uuid *svc,
			  const bh_uuid *chr, uint16_t *value_handle);
int bh_host_find_desc_sync(struct bh_host *h, uint16_t handle, uint16_t value_handle,
			   const bh_uuid *desc, uint16_t *desc_handle);
/* bh_host_read_sync / bh_host_write_sync on the first characteristic with
 * this UUID (found as above). */
int bh_host_read_uuid_sync(struct bh_host *h, uint16_t handle, const bh_uuid *chr, uint8_t *out,
			   size_t cap, size_t *len);
int bh_host_write_uuid_sync(struct bh_host *h, uint16_t handle, const bh_uuid *chr,
			    const uint8_t *val, size_t len, bool with_response);

/* A notification or indication of one subscribed characteristic. value is
 * borrowed for the call; handle is the connection. */
typedef void (*bh_host_notify_fn)(void *ctx, uint16_t handle, uint16_t value_handle,
				  const uint8_t *value, size_t len, bool indication);
/* Subscribes (writes the CCCD) and routes this characteristic's
 * notifications (indicate: indications) to fn from now on, in addition to
 * events.notification. Subscribing again replaces fn. The route ends with
 * bh_host_unsubscribe_sync or the link. BH_ENOTFOUND: no such
 * characteristic in the discovered tree; BH_ENOTSUP: it cannot notify
 * (indicate) or has no CCCD; BH_ENOMEM: every route (32 per host) in use. */
int bh_host_subscribe_cb_sync(struct bh_host *h, uint16_t handle, uint16_t value_handle,
			      bool indicate, bh_host_notify_fn fn, void *ctx);
/* Stops the route at once and writes 0 to the CCCD. */
int bh_host_unsubscribe_sync(struct bh_host *h, uint16_t handle, uint16_t value_handle);

/* Removes a bond while the host runs: a link to that peer is disconnected
 * first (Remote User Terminated), then the bond leaves the store (or the
 * in-memory bonds), the host's resolving list and the controller's filter
 * accept list. peer: an identity address, or an RPA the host resolves.
 * BH_ENOTFOUND when there was no bond (links are still disconnected). */
int bh_host_bond_remove_sync(struct bh_host *h, const bh_addr *peer, unsigned timeout_ms);
/* The same for every bond; every link to a bonded peer is disconnected. */
int bh_host_bond_remove_all_sync(struct bh_host *h, unsigned timeout_ms);
/* Identity addresses of the bonds into out[0..cap); returns how many bonds
 * there are (may exceed cap), or a negative bh_status. */
int bh_host_bond_list(struct bh_host *h, bh_addr *out, size_t cap);

#endif
