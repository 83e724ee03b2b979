/* blehost GAP: advertising data (AD) codec, scanning, advertising, own
 * addresses and privacy, and LE connections (central and peripheral).
 *
 * Sans-I/O: HCI commands leave through port.hci_cmd() (same shape as
 * bh_hci_cmd()); HCI events come in through bh_gap_on_event() and
 * bh_gap_on_le_meta(); time comes from env->now(), randomness from
 * env->random(). Timers: bh_gap_next_deadline() / bh_gap_on_timeout().
 *
 * Legacy or extended HCI commands are chosen once per controller, from its
 * supported-commands bitmap and LE features (port.info()): extended when
 * LE Extended Advertising is a feature and the extended advertising,
 * scanning and create-connection commands are all supported, because the
 * Core Specification forbids mixing the two families (Vol 4, Part E, 3.1.1).
 *
 * Buffer ownership: every pointer handed to a callback (device records,
 * connection records, AD views) is borrowed for the duration of the
 * callback. Every buffer passed into an API call (AD data, filters) is
 * copied before the call returns; the caller keeps ownership.
 */
#ifndef BH_GAP_H
#define BH_GAP_H

#include <blehost/bh_addr.h>
#include <blehost/bh_env.h>
#include <blehost/bh_err.h>
#include <blehost/bh_uuid.h>
#include <blehost/hci.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------------
 * Advertising data (Core Specification Supplement, Part A; format in
 * Vol 3, Part C, 11). Pure functions on byte arrays.
 * ---------------------------------------------------------------------- */

#define BH_AD_LEGACY_MAX 31  /* legacy advertising / scan response payload */
#define BH_AD_EXT_MAX 1650   /* largest extended advertising payload */

enum bh_ad_type {
	BH_AD_FLAGS = 0x01,
	BH_AD_UUID16_INCOMPLETE = 0x02,
	BH_AD_UUID16_COMPLETE = 0x03,
	BH_AD_UUID32_INCOMPLETE = 0x04,
	BH_AD_UUID32_COMPLETE = 0x05,
	BH_AD_UUID128_INCOMPLETE = 0x06,
	BH_AD_UUID128_COMPLETE = 0x07,
	BH_AD_NAME_SHORT = 0x08,
	BH_AD_NAME_COMPLETE = 0x09,
	BH_AD_TX_POWER = 0x0a,
	BH_AD_CLASS_OF_DEVICE = 0x0d,
	BH_AD_SP_HASH_C192 = 0x0e,
	BH_AD_SP_RAND_R192 = 0x0f,
	BH_AD_SM_TK = 0x10,
	BH_AD_SM_OOB_FLAGS = 0x11,
	BH_AD_CONN_INTERVAL_RANGE = 0x12,
	BH_AD_SOLICIT16 = 0x14,
	BH_AD_SOLICIT128 = 0x15,
	BH_AD_SERVICE_DATA16 = 0x16,
	BH_AD_PUBLIC_TARGET = 0x17,
	BH_AD_RANDOM_TARGET = 0x18,
	BH_AD_APPEARANCE = 0x19,
	BH_AD_ADV_INTERVAL = 0x1a,
	BH_AD_LE_BDADDR = 0x1b,
	BH_AD_LE_ROLE = 0x1c,
	BH_AD_SOLICIT32 = 0x1f,
	BH_AD_SERVICE_DATA32 = 0x20,
	BH_AD_SERVICE_DATA128 = 0x21,
	BH_AD_LE_SC_CONFIRM = 0x22,
	BH_AD_LE_SC_RANDOM = 0x23,
	BH_AD_URI = 0x24,
	BH_AD_LE_FEATURES = 0x27,
	BH_AD_RSI = 0x2e,
	BH_AD_ADV_INTERVAL_LONG = 0x2f,
	BH_AD_BROADCAST_NAME = 0x30,
	BH_AD_MANUFACTURER = 0xff,
};

/* Flags AD bits (Supplement, Part A, 1.3). */
enum {
	BH_AD_FLAG_LE_LIMITED = 0x01,
	BH_AD_FLAG_LE_GENERAL = 0x02,
	BH_AD_FLAG_NO_BREDR = 0x04,
};

/* Bits of struct bh_ad.present: which single-valued fields were seen. */
enum {
	BH_AD_HAS_FLAGS = 1u << 0,
	BH_AD_HAS_NAME = 1u << 1,
	BH_AD_HAS_TX_POWER = 1u << 2,
	BH_AD_HAS_APPEARANCE = 1u << 3,
	BH_AD_HAS_CLASS = 1u << 4,
	BH_AD_HAS_SM_TK = 1u << 5,
	BH_AD_HAS_SM_OOB_FLAGS = 1u << 6,
	BH_AD_HAS_CONN_INTERVAL = 1u << 7,
	BH_AD_HAS_ADV_INTERVAL = 1u << 8,
	BH_AD_HAS_LE_BDADDR = 1u << 9,
	BH_AD_HAS_LE_ROLE = 1u << 10,
	BH_AD_HAS_URI = 1u << 11,
	BH_AD_HAS_LE_FEATURES = 1u << 12,
	BH_AD_HAS_SP_HASH = 1u << 13,
	BH_AD_HAS_SP_RAND = 1u << 14,
	BH_AD_HAS_SC_CONFIRM = 1u << 15,
	BH_AD_HAS_SC_RANDOM = 1u << 16,
	BH_AD_HAS_RSI = 1u << 17,
	BH_AD_HAS_BROADCAST_NAME = 1u << 18,
};

#define BH_AD_MAX_UUIDS 16
#define BH_AD_MAX_SOLICIT 8
#define BH_AD_MAX_SVC_DATA 8
#define BH_AD_MAX_MFR 8
#define BH_AD_MAX_TARGETS 4
#define BH_AD_MAX_OTHER 8

struct bh_ad_uuid {
	bh_uuid uuid;
	uint8_t ad_type; /* which list it came from: complete/incomplete, size */
};
struct bh_ad_svc_data {
	bh_uuid uuid;
	const uint8_t *data; /* borrowed from the parsed buffer */
	uint16_t len;
};
struct bh_ad_mfr {
	uint16_t company; /* Bluetooth SIG company identifier */
	const uint8_t *data; /* bytes after the company id, borrowed */
	uint16_t len;
};
struct bh_ad_raw {
	uint8_t type;
	const uint8_t *data; /* borrowed */
	uint16_t len;
};

/* One parsed AD payload. Pointers borrow from the bytes given to
 * bh_ad_parse(); they stay valid while those bytes do. When a list is full
 * further entries are dropped and `overflow` is set. */
struct bh_ad {
	uint32_t present; /* BH_AD_HAS_* */
	uint8_t flags;
	const uint8_t *name; /* not NUL-terminated */
	uint16_t name_len;
	bool name_complete;  /* Complete (0x09) rather than Shortened (0x08) */
	int8_t tx_power;     /* dBm */
	uint16_t appearance;
	uint32_t class_of_device;
	uint8_t sm_tk[16];
	uint8_t sm_oob_flags;
	uint16_t conn_interval_min, conn_interval_max; /* 1.25 ms units, 0xffff = none */
	uint32_t adv_interval; /* 0.625 ms units (from 0x1a or 0x2f) */
	bh_addr le_bdaddr;
	uint8_t le_role;
	const uint8_t *uri;  /* scheme code point (UTF-8) + rest, borrowed */
	uint16_t uri_len;
	const uint8_t *le_features; /* little-endian feature bits, borrowed */
	uint16_t le_features_len;
	uint8_t sp_hash[16], sp_rand[16];       /* Simple Pairing OOB C-192 / R-192 */
	uint8_t sc_confirm[16], sc_random[16];  /* LE Secure Connections OOB */
	uint8_t rsi[6];                         /* Resolvable Set Identifier */
	const uint8_t *broadcast_name;          /* UTF-8, 4..128 bytes, borrowed */
	uint16_t broadcast_name_len;

	struct bh_ad_uuid uuids[BH_AD_MAX_UUIDS]; /* service UUIDs, all sizes */
	uint8_t n_uuids;
	struct bh_ad_uuid solicit[BH_AD_MAX_SOLICIT];
	uint8_t n_solicit;
	struct bh_ad_svc_data svc_data[BH_AD_MAX_SVC_DATA];
	uint8_t n_svc_data;
	struct bh_ad_mfr mfr[BH_AD_MAX_MFR];
	uint8_t n_mfr;
	bh_addr targets[BH_AD_MAX_TARGETS]; /* public/random target addresses */
	uint8_t n_targets;
	struct bh_ad_raw other[BH_AD_MAX_OTHER]; /* unknown or unparsed types, raw */
	uint8_t n_other;

	uint16_t n_fields;    /* AD structures seen */
	uint16_t n_bad;       /* structures whose length did not fit their type (kept raw) */
	bool overflow;        /* some list was full */
	bool malformed;       /* a length ran past the end: parsing stopped there */
};

/* Parses an AD payload into *ad (cleared first). A zero length octet ends
 * the significant part (Vol 3, Part C, 11); a length past the end stops
 * parsing with ad->malformed set and BH_EMALFORMED returned, keeping what
 * was parsed before. A known type with a wrong size is counted in n_bad and
 * kept in `other`. Returns BH_OK or BH_EMALFORMED. */
int bh_ad_parse(struct bh_ad *ad, const uint8_t *data, size_t len);
/* Same, but adds to *ad without clearing it (scan response after the
 * advertisement: later single-valued fields win, lists are appended). */
int bh_ad_parse_more(struct bh_ad *ad, const uint8_t *data, size_t len);

/* Finds the first AD structure of a type: its data and length, or NULL. */
const uint8_t *bh_ad_find(const uint8_t *data, size_t len, uint8_t type, size_t *out_len);
/* Manufacturer data for a company id, or NULL. */
const struct bh_ad_mfr *bh_ad_mfr_find(const struct bh_ad *ad, uint16_t company);
/* Does the AD list this service UUID (any size, complete or not)? */
bool bh_ad_has_uuid(const struct bh_ad *ad, const bh_uuid *u);
const char *bh_ad_type_str(uint8_t type);

/* Builder: each call appends one AD structure or, if it does not fit in
 * `cap`, returns BH_ENOSPACE and leaves the buffer unchanged (never
 * truncates). The first error is also kept in b->err. */
struct bh_ad_builder {
	uint8_t *buf;
	size_t cap; /* BH_AD_LEGACY_MAX, or the controller's maximum for extended */
	size_t len;
	int err;
};
void bh_ad_build_init(struct bh_ad_builder *b, uint8_t *buf, size_t cap);
int bh_ad_add(struct bh_ad_builder *b, uint8_t type, const void *data, size_t len);
int bh_ad_add_flags(struct bh_ad_builder *b, uint8_t flags);
/* complete: Complete Local Name (0x09), else Shortened (0x08). */
int bh_ad_add_name(struct bh_ad_builder *b, const char *name, bool complete);
/* One list per UUID size present in u[0..n). BH_EINVAL on a bad UUID. */
int bh_ad_add_uuids(struct bh_ad_builder *b, const bh_uuid *u, size_t n, bool complete);
int bh_ad_add_appearance(struct bh_ad_builder *b, uint16_t appearance);
int bh_ad_add_tx_power(struct bh_ad_builder *b, int8_t dbm);
int bh_ad_add_manufacturer(struct bh_ad_builder *b, uint16_t company, const void *data,
			   size_t len);
int bh_ad_add_service_data(struct bh_ad_builder *b, const bh_uuid *u, const void *data,
			   size_t len);

/* ------------------------------------------------------------------------
 * The GAP object.
 * ---------------------------------------------------------------------- */

struct bh_gap;

/* Which kind of own address to use (Vol 6, Part B, 1.3). */
enum bh_gap_own_addr {
	BH_GAP_OWN_PUBLIC = 0,
	BH_GAP_OWN_STATIC = 1, /* random static, fixed for the object's life */
	BH_GAP_OWN_RPA = 2,    /* resolvable private, from port.make_rpa, rotated */
	BH_GAP_OWN_NRPA = 3,   /* non-resolvable private, rotated */
};

enum bh_gap_role { BH_GAP_ROLE_CENTRAL = 0, BH_GAP_ROLE_PERIPHERAL = 1 };

/* One LE connection. */
struct bh_gap_conn {
	uint16_t handle;
	enum bh_gap_role role;
	bh_addr peer;          /* as the controller reported it */
	bh_addr peer_identity; /* resolved identity, or == peer */
	bool peer_resolved;    /* peer was an RPA that resolve_rpa (or the controller) resolved */
	/* Our address on this link: the controller's Local RPA when the
	 * enhanced Connection Complete gives one (7.7.65.10); else, on a
	 * peripheral link, the address of the advertising that made it,
	 * even when reported after that advertising stopped and GAP's own
	 * address rotated (an anonymous run's NRPA); on a central link,
	 * GAP's own address. With extended commands an event that names no
	 * set (LE Connection Complete, Enhanced v1) gives the address of the
	 * one advertising set it can have come from, else handle 0's, until
	 * the set's Advertising Set Terminated says (conn_changed). */
	bh_addr local;
	uint16_t interval;     /* 1.25 ms units */
	uint16_t latency;      /* connection events */
	uint16_t supervision_timeout; /* 10 ms units */
	uint8_t features[8];   /* remote LE features */
	bool features_valid;
	/* Data Length Extension (LE Data Length Change, 7.7.65.7): octets
	 * and microseconds per LL data PDU in force; 27 / 328 until changed. */
	uint16_t max_tx_octets, max_tx_time, max_rx_octets, max_rx_time;
	uint8_t tx_phy, rx_phy; /* BH_GAP_PHY_1M, _2M, _CODED; 1M until changed */
};

/* PHYs (LE PHY Update Complete, 7.7.65.12; LE Set PHY bit masks 7.8.49). */
enum { BH_GAP_PHY_1M = 1, BH_GAP_PHY_2M = 2, BH_GAP_PHY_CODED = 3 };
enum { BH_GAP_PHY_MASK_1M = 1, BH_GAP_PHY_MASK_2M = 2, BH_GAP_PHY_MASK_CODED = 4 };
/* PHY_Options of LE Set PHY: coding preferred on the Coded PHY. */
enum { BH_GAP_CODED_ANY = 0, BH_GAP_CODED_S2 = 1, BH_GAP_CODED_S8 = 2 };

/* Connection parameters (Vol 4, Part E, 7.8.12). Zeroes mean defaults:
 * interval 30-50 ms, latency 0, timeout 4 s, scan 60/30 ms. */
struct bh_gap_conn_params {
	uint16_t interval_min, interval_max; /* 1.25 ms units, 0x0006..0x0c80 */
	uint16_t latency;                    /* 0..0x01f3 */
	uint16_t supervision_timeout;        /* 10 ms units, 0x000a..0x0c80 */
	uint16_t min_ce_len, max_ce_len;     /* 0.625 ms units */
	uint16_t scan_interval, scan_window; /* 0.625 ms units, while initiating */
};

/* What GAP asks of the host. hci_cmd, info are required; the rest may be NULL. */
struct bh_gap_port {
	void *ctx;
	/* Same contract as bh_hci_cmd(): queue a command; cb completes it once
	 * (unless an error is returned). GAP keeps one command in flight and
	 * always passes the gap object as cbctx, so the host can call
	 * bh_hci_cmd_forget(hci, gap) before bh_gap_free(). */
	int (*hci_cmd)(void *ctx, uint16_t opcode, const void *params, size_t len,
		       bh_hci_cmd_cb cb, void *cbctx);
	/* Controller facts after bring-up. */
	const struct bh_hci_info *(*info)(void *ctx);
	/* A connection exists (create per-connection L2CAP/ATT/SMP state here). */
	void (*connected)(void *ctx, const struct bh_gap_conn *conn);
	/* It is gone; reason is the HCI reason code. */
	void (*disconnected)(void *ctx, uint16_t handle, uint8_t reason);
	/* Parameters or remote features of a connection changed, or its local
	 * address: an Advertising Set Terminated that follows a connection
	 * event naming no set says which set, and so which address, the peer
	 * connected to (not when the event gave a Local RPA). */
	void (*conn_changed)(void *ctx, const struct bh_gap_conn *conn);
	/* LE Connection Update Complete (7.7.65.3), whoever started the update
	 * (our bh_gap_conn_update, a peer's request we accepted, or the
	 * central on its own): status BH_OK with the new parameters in conn,
	 * or the controller's error with the old ones. */
	void (*conn_updated)(void *ctx, const struct bh_gap_conn *conn, bh_status status);
	/* A peer asks for new connection parameters (LE Remote Connection
	 * Parameter Request, 7.7.65.6) and they fit the configured limits
	 * (bh_gap_config.peer_params): *p holds what GAP will reply (interval
	 * range and latency already narrowed to the limits). Return false to
	 * refuse (Unacceptable Connection Parameters), or change *p (a reply
	 * outside the limits or the specification's rules is refused). NULL:
	 * accept. */
	bool (*conn_param_request)(void *ctx, const struct bh_gap_conn *conn,
				   struct bh_gap_conn_params *p);
	/* Resolve a peer RPA to an identity with the known IRKs. */
	bool (*resolve_rpa)(void *ctx, const bh_addr *rpa, bh_addr *identity);
	/* Make a fresh RPA from the local IRK. Returns 0 or a bh_status. */
	int (*make_rpa)(void *ctx, bh_addr *out);
	/* LE Data Length Change: conn->max_* hold the new values. */
	void (*data_length_changed)(void *ctx, const struct bh_gap_conn *conn);
	/* LE PHY Update Complete, whoever started it: BH_OK with conn->tx_phy
	 * and rx_phy in force, or the controller's error. */
	void (*phy_updated)(void *ctx, const struct bh_gap_conn *conn, bh_status status);
};

/* What a peer may ask for in a connection parameter update (LE Remote
 * Connection Parameter Request, Vol 4, Part E, 7.7.65.6), in HCI units. A
 * zero field takes its default, which accepts what phones ask for: interval
 * 0x0006..0x0c80 (7.5 ms to 4 s), latency up to 0x01f3 (499), supervision
 * timeout 0x000a..0x0c80 (100 ms to 32 s). Requests whose interval range
 * misses [interval_min, interval_max], or whose timeout is outside
 * [timeout_min, timeout_max], are refused with Unacceptable Connection
 * Parameters (0x3B); otherwise the reply narrows the interval range and the
 * latency to the limits, provided the timeout still exceeds
 * (1 + latency) * interval_max * 2 (Vol 6, Part B, 4.5.2). */
struct bh_gap_conn_limits {
	uint16_t interval_min, interval_max; /* 1.25 ms units */
	uint16_t max_latency;                /* connection events */
	uint16_t timeout_min, timeout_max;   /* 10 ms units */
};

struct bh_gap_config {
	unsigned max_connections;   /* default 8; also bounded by the controller */
	unsigned max_seen;          /* seen-devices table size; default 64 */
	unsigned scan_data_max;     /* bytes kept per device for adv and for scan rsp; default 256 */
	unsigned reassembly_slots;  /* extended report chains in flight; default 4 */
	unsigned rpa_timeout_ms;    /* RPA/NRPA rotation; default 15 min */
	bool force_legacy;          /* never use extended commands (always so in a
				       build with -Dext_adv=false) */
	bool read_remote_features;  /* after each connection; default true */
	enum bh_gap_own_addr own_addr; /* default PUBLIC */
	struct bh_gap_conn_limits peer_params; /* see above; zeroes = defaults */
	unsigned reassembly_timeout_ms; /* an extended report chain idle this long
					   is abandoned; default 2000 */
	/* Data Length Extension off: by default, when both controllers support
	 * it (LE feature bit 5), GAP asks for the largest LL payload (251
	 * octets) on every new link with LE Set Data Length. */
	bool no_auto_data_length;
};
void bh_gap_config_default(struct bh_gap_config *c);

/* Creates GAP; port and env must outlive it. NULL on ENOMEM or bad config. */
struct bh_gap *bh_gap_new(const struct bh_gap_config *cfg, const struct bh_env *env,
			  const struct bh_gap_port *port);
/* Frees everything; pending operations complete with BH_ERESET first. A
 * command still in flight must have been forgotten by the HCI layer.
 * Called from a callback of bh_gap_reset or bh_gap_free, the rest of that
 * reset still runs (its callbacks too) and the object is freed when it
 * returns, so its caller must not use the object after. Not from any other
 * of GAP's callbacks: GAP goes on after they return (the host never does
 * it: bh_host_free refuses inside callbacks). */
void bh_gap_free(struct bh_gap *gap);

/* Inputs from the HCI layer (minimum lengths already checked; parsed with
 * bh_rd anyway). Malformed events are dropped. */
void bh_gap_on_event(struct bh_gap *gap, uint8_t code, const uint8_t *params, size_t len);
void bh_gap_on_le_meta(struct bh_gap *gap, uint8_t sub, const uint8_t *params, size_t len);
/* The controller was reset or lost: every operation ends with `reason`,
 * connections are dropped (disconnected() is not called: the host already
 * knows). Call it after the HCI layer has completed or forgotten GAP's
 * commands (bh_hci's fatal path does so first). The legacy/extended choice
 * is made again from the next controller's facts. Its callbacks (answers,
 * on_done, on_stopped, on_lost) cannot start anything anew: every start
 * from inside them is refused (BH_EBUSY; BH_ENOMEM where it is a single
 * command) and sends nothing; start again once the host is ready. Called
 * from one of them, it returns at once: the reset under way ends what is
 * left, with its own reason. */
void bh_gap_reset(struct bh_gap *gap, bh_status reason);

bh_time_ms bh_gap_next_deadline(const struct bh_gap *gap);
void bh_gap_on_timeout(struct bh_gap *gap);

/* Generic completion for commands GAP runs on the caller's behalf. */
typedef void (*bh_gap_done_cb)(void *ctx, bh_status status);

/* Extended commands in use (decided on first use once info() has facts)?
 * Never in a build with -Dext_adv=false: that build leaves the extended
 * advertising, scanning, connection and periodic sync code out and acts
 * as force_legacy on every controller (what needs extended commands
 * answers BH_ENOTSUP, and their events are ignored). */
bool bh_gap_uses_extended(struct bh_gap *gap);
/* Is the extended and periodic advertising code in this build
 * (-Dext_adv, default true)? Lets an application tell "not in this build"
 * from "this controller cannot" when bh_gap_uses_extended is false. */
bool bh_gap_extended_built(void);

/* ---- Addresses ---- */

/* Chooses the own address kind for later scanning, advertising and
 * connecting. STATIC: `addr` (random static, top bits 0b11) or NULL to
 * generate one. Sends LE Set Random Address when random. BH_ESTATE while
 * advertising, scanning or initiating, and while an advertising set whose
 * address came from GAP (bh_gap_adv_set_params.addr unset) is starting or
 * running, whatever the old and new kinds: such a set cannot follow a new
 * kind without a restart (its Own_Address_Type is a parameter the
 * controller refuses to change while it is enabled, Vol 4, Part E,
 * 7.8.53), and it must not keep advertising an RPA that no longer rotates
 * or the identity address after privacy was turned on. Stop those sets
 * (bh_gap_adv_set_stop), change the address, start them again. Sets given
 * their own address do not hold this up. */
int bh_gap_set_own_address(struct bh_gap *gap, enum bh_gap_own_addr kind, const bh_addr *addr,
			   bh_gap_done_cb cb, void *ctx);
/* Current own address: the public BD_ADDR, or the random one in use.
 * When a rotation found GAP's RPA/NRPA on the air nowhere (nothing
 * running from it, e.g. while anonymous advertising runs), the next one,
 * made then and written by the next scan, connection or advertising from
 * GAP's address (its rotation period starts with that use). After a
 * rotation whose LE Set Random Address the controller refused, the one
 * before it, which advertising and scanning go on from until the next
 * rotation (with extended commands handle 0 is then not re-addressed
 * either: LE Set Advertising Set Random Address is not sent). With
 * extended commands, when that write for handle 0 is refused instead,
 * handle 0 goes on from the one before and LE Set Random Address writes
 * it back for scanning and initiating, so this is the one before again
 * once the controller has taken it (were that refused too, scanning and
 * initiating would use the new one, this, and handle 0 the old one until
 * the next rotation; a link's bh_gap_conn.local says which). All zero
 * (type random) before GAP made its first random address
 * (bh_gap_config.own_addr random, nothing started yet). Never anonymous
 * advertising's NRPA. */
bh_addr bh_gap_own_address(const struct bh_gap *gap);

/* ---- Scanning ---- */

#define BH_GAP_RSSI_NA 127 /* RSSI not available */

/* Report filter; every set criterion must hold. All buffers are copied. */
struct bh_gap_scan_filter {
	const bh_uuid *uuids;  /* any of these service UUIDs (n_uuids <= 8) */
	size_t n_uuids;
	const char *name_substr; /* substring of the local name (<= 31 chars) */
	bool use_min_rssi;
	int8_t min_rssi;
	const bh_addr *addr;   /* only this device (type ignored if addr_any_type) */
	bool addr_any_type;
	/* _bleio prefixes: concatenated AD structures (len, type, bytes); a
	 * report matches if any (or, with prefix_match_all, every) prefix is
	 * the start of one of its AD structures. <= 64 bytes. */
	const uint8_t *prefixes;
	size_t prefixes_len;
	bool prefix_match_all;
};

/* A device seen while scanning: the latest advertisement merged with its
 * latest scan response. */
struct bh_gap_device {
	bh_addr addr;          /* as reported (type 2/3: resolved by the controller) */
	bh_addr identity;      /* resolved identity, or == addr */
	bool resolved;
	bool connectable, scannable, directed;
	bool legacy;           /* legacy PDU */
	bool last_was_scan_rsp; /* the report that triggered this callback */
	bool has_scan_rsp;
	bool incomplete;       /* truncated: the controller said so (Data_Status 0b10),
				  or the chain ran past BH_AD_EXT_MAX bytes; what
				  arrived is kept and parsed, the rest is missing */
	bool data_clipped;     /* more than scan_data_max bytes: the rest dropped */
	int8_t rssi;           /* dBm, BH_GAP_RSSI_NA = unknown */
	int8_t tx_power;       /* from the extended report header, 127 = n/a */
	uint8_t sid;           /* advertising SID, 0xff = none/legacy */
	uint8_t primary_phy, secondary_phy;
	uint16_t periodic_interval; /* 1.25 ms units, 0 = no periodic advertising */
	const uint8_t *adv_data; /* raw, borrowed */
	size_t adv_len;
	const uint8_t *rsp_data;
	size_t rsp_len;
	struct bh_ad ad;       /* parse of adv_data then rsp_data */
	char name[249];        /* local name, NUL-terminated ("" if none) */
	bh_time_ms last_seen;
};

struct bh_gap_scan_params {
	bool active;              /* send scan requests */
	uint16_t interval, window; /* 0.625 ms units; 0 = 0x0060 / 0x0030 */
	unsigned timeout_ms;       /* 0 = until bh_gap_scan_stop() */
	bool all_reports;          /* every report (controller duplicate filter off) */
	bool use_accept_list;      /* scanning filter policy 1 */
	/* PHYs to scan on (extended scanning only): BH_GAP_PHY_MASK_1M and/or
	 * BH_GAP_PHY_MASK_CODED; 0 = LE 1M. The Coded PHY needs extended
	 * scanning and the LE Coded PHY feature (BH_ENOTSUP otherwise). With
	 * both, interval and window apply to each. */
	uint8_t phys;
	const struct bh_gap_scan_filter *filter; /* NULL = everything */
	/* A device was first seen, or its data changed (or any report with
	 * all_reports). dev is borrowed. */
	void (*on_device)(void *ctx, const struct bh_gap_device *dev);
	/* Scanning ended: BH_OK (stopped), BH_ETIMEDOUT (timeout reached),
	 * BH_ERESET, or the controller's error. */
	void (*on_done)(void *ctx, bh_status reason);
	void *ctx;
};

/* Starts scanning (clears the seen-devices table). BH_EBUSY if already
 * scanning, BH_ENOSPACE if the filter is too large, BH_ESTATE from a
 * random own address while anonymous legacy advertising runs
 * (bh_gap_adv_params.anonymous). */
int bh_gap_scan_start(struct bh_gap *gap, const struct bh_gap_scan_params *p);
/* Stops; on_done(BH_OK) follows once the controller confirms. BH_ESTATE
 * when not scanning, or when the scan belongs to bh_gap_connect_match().
 * With GAP's command queue full (or no memory for it) the disable is sent
 * when there is room, tried again each second (bh_gap_next_deadline);
 * bh_gap_scanning stays true until then. */
int bh_gap_scan_stop(struct bh_gap *gap);
bool bh_gap_scanning(const struct bh_gap *gap);
/* The seen-devices table (valid until the next scan starts). It grows as
 * devices are seen (up to max_seen, then the stalest entry makes room) and
 * its memory is given back when the next scan starts: a returned device
 * pointer is valid until the next report is processed, so copy what must
 * be kept. */
size_t bh_gap_seen_count(const struct bh_gap *gap);
const struct bh_gap_device *bh_gap_seen_at(const struct bh_gap *gap, size_t i);
const struct bh_gap_device *bh_gap_seen_find(const struct bh_gap *gap, const bh_addr *addr);
/* Does a device pass a filter (exposed for tests and tools)? */
bool bh_gap_filter_match(const struct bh_gap_scan_filter *f, const struct bh_gap_device *dev);

/* ---- Advertising ---- */

enum bh_gap_adv_kind {
	BH_GAP_ADV_CONN = 0,          /* connectable undirected (ADV_IND) */
	BH_GAP_ADV_SCAN = 1,          /* scannable undirected (ADV_SCAN_IND) */
	BH_GAP_ADV_NONCONN = 2,       /* ADV_NONCONN_IND */
	BH_GAP_ADV_DIRECT_HIGH = 3,   /* directed, high duty (1.28 s max) */
	BH_GAP_ADV_DIRECT_LOW = 4,    /* directed, low duty */
};

struct bh_gap_adv_params {
	enum bh_gap_adv_kind kind;
	uint16_t interval_min, interval_max; /* 0.625 ms units; 0 = 0x00a0 (100 ms) */
	uint8_t channel_map;      /* 0 = all three */
	const uint8_t *data;      /* AD payload (copied) */
	size_t data_len;          /* > 31 needs extended advertising */
	const uint8_t *scan_rsp;
	size_t scan_rsp_len;
	unsigned timeout_ms;      /* 0 = until stopped */
	/* A fresh NRPA for this advertising, never GAP's address, and a new
	 * one each rpa_timeout_ms it runs (Vol 3, Part C, 10.7.1.2; a run
	 * shorter than that keeps one, as CircuitPython's anonymous
	 * advertising): disabled, the NRPA written (legacy: LE Set Random
	 * Address, a scan from the public address paused around it too and
	 * an initiation waited for; extended: LE Set Advertising Set Random
	 * Address), enabled again (extended: with what is left of its
	 * Duration, as after GAP's rotations), with on_stopped's rotation
	 * rules; a refused write leaves the old NRPA on until the next
	 * period. GAP's rotations leave it alone. With legacy commands it
	 * takes the controller's one random address (LE Set Random
	 * Address): it is refused (BH_ESTATE) while
	 * scanning or initiating, and while it starts or runs scanning and
	 * connecting from a random own address are refused (BH_ESTATE), as
	 * Vol 4, Part E, 7.8.4 refuses the write and the NRPA must not be
	 * linked to them; the first scan, connection or advertising from GAP's
	 * address after it ends writes that address again (a fresh one if its
	 * rotation came meanwhile; bh_gap_own_address tells it). */
	bool anonymous;
	/* Re-advertise, with these parameters, when a peripheral link it
	 * created ends. A restart refused as bh_gap_adv_start would refuse
	 * it (anonymous with legacy commands while scanning or initiating:
	 * BH_ESTATE, no command sent), finding no room, or refused by the
	 * controller is not retried: on_stopped gets the error, and no
	 * restart is pending any more. A start refused, at once or by the
	 * controller, leaves no restart pending either (not even for the link
	 * of the run before it). */
	bool restart_on_disconnect;
	bh_addr peer;             /* directed advertising target */
	/* Advertising stopped by itself: BH_ETIMEDOUT, BH_OK (a connection
	 * took it: see port.connected), or the controller's error. With an
	 * RPA or NRPA, each rotation disables the advertising, writes the new
	 * address and enables it again: a refused re-enable ends it here with
	 * the controller's status; a refused address write (LE Set Random
	 * Address, or LE Set Advertising Set Random Address; with extended
	 * commands a refused LE Set Random Address, scanning's, keeps handle
	 * 0 from taking the new one too) leaves it advertising from its old
	 * address (logged) until the next rotation, and links then have that
	 * one as their local address. A connection
	 * that took it just before the rotation's disable may be reported
	 * after any of those answers: the re-enable is then dropped if not
	 * sent yet, else followed by one more disable (sent before
	 * on_stopped), so the controller is off as the host says; the link's
	 * local address is the one before the rotation until the re-enable is
	 * answered, the new one after (the host cannot tell which the central
	 * saw). High duty directed advertising's timeout (Connection Complete
	 * 0x3C, BH_ETIMEDOUT here) follows the same rules as a connection,
	 * here and after bh_gap_adv_stop; with extended commands the
	 * controller may report that end twice (Connection Complete and
	 * Advertising Set Terminated), and the second, reaching a new run
	 * whose enable went out, is taken as that run's end (one more
	 * disable, on_stopped); and as the Connection Complete names no set
	 * (it may be a set's, bh_gap_adv_set_start, which it ends too),
	 * handle 0 ended by one is always disabled once more. It (and the
	 * start's cb, when the run ends before its enable was answered) may
	 * start advertising again: the new run is told nothing of the ended
	 * one's, and does not take its enable's answer as its own. */
	void (*on_stopped)(void *ctx, bh_status reason);
	void *ctx;
};

/* Starts advertising: parameters, data, scan response, enable. BH_EBUSY if
 * already advertising, BH_ENOSPACE if data does not fit (31 legacy, the
 * controller maximum extended), BH_ENOTSUP for > 31 bytes without
 * extended support, BH_EINVAL for a bad combination. cb reports the
 * enable result. */
int bh_gap_adv_start(struct bh_gap *gap, const struct bh_gap_adv_params *p, bh_gap_done_cb cb,
		     void *ctx);
/* Stops advertising (no on_stopped for a stop the caller asked for) and
 * cancels a pending restart_on_disconnect. BH_ESTATE if there is neither.
 * A connection (or high duty directed advertising's timeout) that ended
 * the advertising just before the stop's disable may be reported after
 * it: while no new advertising runs, or before the new one's enable went
 * out, it ends nothing; once a new run's enable went out it cannot be told
 * from that run's own, which it ends (on_stopped, BH_OK or BH_ETIMEDOUT;
 * Connection Complete 0x3C ends only a high duty directed run) with one
 * more disable so the controller is off as well. */
int bh_gap_adv_stop(struct bh_gap *gap);
bool bh_gap_advertising(const struct bh_gap *gap);

/* ---- Advertising sets (extended advertising, Vol 4, Part E, 7.8.52-7.8.63) ----
 *
 * Several sets advertise at once, each with its own parameters, data, scan
 * response, address, PHYs, duration and event limit, and optionally
 * periodic advertising. Sets take handles 1..BH_GAP_ADV_SETS_MAX; handle 0
 * belongs to bh_gap_adv_start(), which keeps working beside them. Without
 * extended advertising (a 4.2 controller, force_legacy, or a build with
 * -Dext_adv=false) one set can still run: it becomes legacy advertising
 * (handle 0, through bh_gap_adv_start) when it fits legacy PDUs and asks
 * nothing extended (own address, PHYs, periodic, max_events): BH_ENOTSUP
 * otherwise. */

#define BH_GAP_ADV_SETS_MAX 8

/* Periodic advertising on a set (7.8.61-7.8.63). The set must be
 * non-connectable and non-scannable, with extended PDUs. */
struct bh_gap_periodic_params {
	uint16_t interval_min, interval_max; /* 1.25 ms units, >= 0x0006; 0 = 0x0050 (100 ms) */
	bool include_tx_power;
	const uint8_t *data;                 /* copied; up to the controller's maximum */
	size_t data_len;
};

struct bh_gap_adv_set_params {
	/* kind, intervals, channel map, data, scan response, timeout_ms (at
	 * most 655350: the controller's Duration), peer for directed kinds,
	 * on_stopped(ctx). anonymous and restart_on_disconnect are not used
	 * by sets (an own address does what anonymous does). */
	struct bh_gap_adv_params adv;
	bool extended_pdu;   /* extended PDUs even when the data fits legacy ones
				(always when data > 31 bytes, a non-1M PHY or periodic) */
	uint8_t sid;         /* Advertising_SID 0..15 */
	uint8_t primary_phy; /* 0 = LE 1M, or BH_GAP_PHY_CODED */
	uint8_t secondary_phy; /* 0 = LE 1M, or 2M / Coded */
	int8_t tx_power;     /* dBm wanted; 0 = no preference (127 to the controller) */
	uint8_t max_events;  /* stop after this many advertising events; 0 = no limit */
	/* Own address for this set only (LE Set Advertising Set Random
	 * Address): a random static or non-resolvable one, kept as long as
	 * the set runs. Unset (type 0 and all zero): the GAP own address's
	 * kind, which bh_gap_set_own_address then refuses to change until the
	 * set stops; a public or static one is used as it is, an RPA or NRPA is
	 * made fresh for the set at start (not GAP's current one), and each
	 * rotation (rpa_timeout_ms) gives the running set a fresh one of the
	 * same kind: disable, LE Set Advertising Set Random Address, enable (the
	 * only order every version of Vol 4, Part E, 7.8.52 accepts), with
	 * what is left of timeout_ms; max_events counts again. Each set gets
	 * its own address rather than sharing GAP's new one, so sets running
	 * side by side cannot be linked through it (one more RPA per set).
	 * Its periodic advertising keeps running (it carries no address, and
	 * disabling it would lose every synchronised receiver). A refused
	 * disable or address write leaves the set running with its old
	 * address, logs a warning and tries again within a second (three
	 * times in a row, then at the next rotation); a refused enable leaves
	 * it off the air: on_stopped with the controller's error.
	 * bh_gap_adv_set_address tells the address in use (the old one until
	 * the re-addressing's enable is answered).
	 * A connection that took the set just before a re-addressing's disable
	 * may be reported (Advertising Set Terminated) after the controller
	 * answered that disable, the address and even the enable, which then
	 * put the set back on the air. The set ends once (on_stopped BH_OK,
	 * the link's local address the one it had before the re-addressing if
	 * the enable was not answered yet, else the new one: the host cannot
	 * tell which the central saw), and once the set has been re-addressed
	 * any Terminated is followed by one more disable of the set, sent
	 * before on_stopped, so the controller is surely off as the host
	 * says. A Terminated that reaches a set still starting, before its
	 * enable went out, is news of an earlier run of the handle and does
	 * not end the new run; one that comes later cannot be told from the
	 * new run's own, so after the host ended a run (a stop, a refused
	 * re-enable) the next run's Terminated, if none came in between, is
	 * followed by one more disable too. Max_Extended_Advertising_Events: the controller
	 * reports the events it sent only when the set ends, so a re-enable
	 * cannot subtract them; max_events bounds each stretch between
	 * rotations, not the set's whole run. */
	bh_addr addr;
	const struct bh_gap_periodic_params *periodic; /* NULL = none */
};

/* Starts a set: (Read Number of Supported Advertising Sets and Maximum
 * Advertising Data Length the first time), Remove (stale set), Set
 * Extended Advertising Parameters, Set Advertising Set Random Address,
 * periodic parameters/data/enable, data and scan response (fragmented
 * per 7.8.54 when longer than 251 bytes), Enable. *handle gets the set's
 * handle at once; cb gets the enable result (BH_ENOSPACE when the
 * controller has no room for another set or the data). Its on_stopped
 * reports the end the caller did not ask for: BH_OK a connection (see
 * port.connected), BH_ETIMEDOUT duration or max_events reached, or the
 * controller's error. High duty directed advertising's timeout may come
 * only as a Connection Complete with Advertising Timeout (0x3C), which
 * names no set: it ends every set running high duty directed advertising
 * whose enable went out (BH_ETIMEDOUT), each with one more disable, and
 * the set's Advertising Set Terminated coming too is taken as handle 0's
 * (bh_gap_adv_params.on_stopped). BH_EBUSY when all sets are in use. */
int bh_gap_adv_set_start(struct bh_gap *gap, const struct bh_gap_adv_set_params *p,
			 uint8_t *handle, bh_gap_done_cb cb, void *ctx);
/* Disables and removes one set (no on_stopped). BH_ESTATE if not running.
 * A connection reported after the stop (it took the set just before the
 * disable) is still the set's (bh_gap_conn_adv_handle, the local address
 * the set had), as is one reported after a refused re-enable ended the
 * set, until the handle's next Terminated; reported only once the handle
 * runs again (its enable out), it ends that run (see
 * bh_gap_adv_set_params.addr on late reports). */
int bh_gap_adv_set_stop(struct bh_gap *gap, uint8_t handle);
/* Disables and removes every set started here (LE Clear Advertising Sets
 * when bh_gap_adv_start is not using handle 0 too). cb when done. */
int bh_gap_adv_sets_clear(struct bh_gap *gap, bh_gap_done_cb cb, void *ctx);
bool bh_gap_adv_set_active(const struct bh_gap *gap, uint8_t handle);
/* The own address a set advertises from. */
bh_addr bh_gap_adv_set_address(const struct bh_gap *gap, uint8_t handle);

/* Controller limits: LE Read Number of Supported Advertising Sets and LE
 * Read Maximum Advertising Data Length (7.8.57, 7.8.58). BH_ENOTSUP
 * without extended advertising. */
typedef void (*bh_gap_adv_limits_cb)(void *ctx, bh_status st, unsigned num_sets,
				     unsigned max_data_len);
int bh_gap_adv_read_limits(struct bh_gap *gap, bh_gap_adv_limits_cb cb, void *ctx);

/* ---- Periodic advertising sync (scanner, 7.8.67-7.8.69, 7.7.65.14-16) ----
 * Synchronising needs scanning to run (bh_gap_scan_start), since the
 * controller finds the train from the extended advertisements. One Create
 * Sync may be pending at a time (7.8.67); established syncs stay until
 * terminated or lost. */

struct bh_gap_sync_info {
	uint16_t sync_handle;
	bh_addr addr;
	uint8_t sid, phy;
	uint16_t interval; /* 1.25 ms units */
};

struct bh_gap_periodic_report {
	uint16_t sync_handle;
	int8_t tx_power, rssi; /* 127 = not available */
	bool incomplete;       /* the controller truncated it, or it passed BH_AD_EXT_MAX */
	const uint8_t *data;   /* reassembled from every fragment, borrowed */
	size_t len;
};

struct bh_gap_sync_params {
	bh_addr addr;          /* advertiser (as reported while scanning) */
	uint8_t sid;           /* its Advertising_SID */
	uint16_t skip;         /* periodic events that may be skipped */
	unsigned timeout_ms;   /* Sync_Timeout, 100..163840; 0 = 2000 */
	/* Sync Established: BH_OK with info, or the controller's error (or
	 * BH_ECANCELLED after bh_gap_sync_cancel, BH_ERESET). */
	void (*on_sync)(void *ctx, bh_status st, const struct bh_gap_sync_info *info);
	void (*on_report)(void *ctx, const struct bh_gap_periodic_report *r);
	/* The sync ended by itself: BH_ETIMEDOUT (Sync Lost) or BH_ERESET. */
	void (*on_lost)(void *ctx, uint16_t sync_handle, bh_status reason);
	void *ctx;
};

/* LE Periodic Advertising Create Sync. BH_EBUSY while one is pending,
 * BH_ENOTSUP without extended advertising, BH_ENOSPACE when every sync
 * slot is in use. */
int bh_gap_sync_create(struct bh_gap *gap, const struct bh_gap_sync_params *p);
/* Create Sync Cancel: on_sync(BH_ECANCELLED) follows. BH_ESTATE if none. */
int bh_gap_sync_cancel(struct bh_gap *gap);
/* Terminate Sync (no on_lost). BH_ESTATE for an unknown handle. */
int bh_gap_sync_terminate(struct bh_gap *gap, uint16_t sync_handle);
size_t bh_gap_sync_count(const struct bh_gap *gap);

/* ---- Connections ---- */

/* Connection attempt result: conn is borrowed, NULL on failure. Status is
 * BH_OK, BH_ETIMEDOUT, BH_ECANCELLED or the controller's error. */
typedef void (*bh_gap_connect_cb)(void *ctx, bh_status status, const struct bh_gap_conn *conn);

/* Central: connect to `peer` (its type matters). params NULL = defaults;
 * timeout_ms 0 = none. One attempt at a time (BH_EBUSY). At the connection
 * limit: BH_HCI_STATUS(0x09). BH_ESTATE from a random own address while
 * anonymous legacy advertising runs (bh_gap_adv_params.anonymous); so
 * for the two below. */
int bh_gap_connect(struct bh_gap *gap, const bh_addr *peer, const struct bh_gap_conn_params *params,
		   unsigned timeout_ms, bh_gap_connect_cb cb, void *ctx);
/* Central: connect to any device on the filter accept list. */
int bh_gap_connect_accept_list(struct bh_gap *gap, const struct bh_gap_conn_params *params,
			       unsigned timeout_ms, bh_gap_connect_cb cb, void *ctx);
/* Central: scan (active) until a device matches `filter`, then connect to
 * it. The timeout covers both. */
int bh_gap_connect_match(struct bh_gap *gap, const struct bh_gap_scan_filter *filter,
			 const struct bh_gap_conn_params *params, unsigned timeout_ms,
			 bh_gap_connect_cb cb, void *ctx);
/* Cancels the attempt; its callback gets BH_ECANCELLED (or BH_OK with the
 * connection if it completed first). BH_ESTATE when there is none. */
int bh_gap_connect_cancel(struct bh_gap *gap);
/* Disconnects with an HCI reason (0x13 user terminated is typical). The
 * end is reported through port.disconnected. */
int bh_gap_disconnect(struct bh_gap *gap, uint16_t handle, uint8_t reason);
/* LL connection update; cb(status) when LE Connection Update Complete arrives. */
int bh_gap_conn_update(struct bh_gap *gap, uint16_t handle, const struct bh_gap_conn_params *p,
		       bh_gap_done_cb cb, void *ctx);
/* Are these parameters (as a peer asks for them in any procedure, e.g. the
 * L2CAP Connection Parameter Update Request) valid and wholly inside
 * bh_gap_config.peer_params? */
bool bh_gap_peer_params_acceptable(const struct bh_gap *gap, const struct bh_gap_conn_params *p);
const struct bh_gap_conn *bh_gap_conn_get(const struct bh_gap *gap, uint16_t handle);
/* Channel Selection Algorithm of a link (LE Channel Selection Algorithm
 * event, 7.7.65.20): 1 or 2, 0 = not reported (legacy controllers use #1). */
uint8_t bh_gap_conn_csa(const struct bh_gap *gap, uint16_t handle);
/* The advertising set whose advertising created a peripheral link
 * (Enhanced Connection Complete v2 or Advertising Set Terminated; 0 for
 * bh_gap_adv_start's on extended commands), or 0xff when unknown or not
 * from advertising (legacy commands say neither). */
uint8_t bh_gap_conn_adv_handle(const struct bh_gap *gap, uint16_t handle);
size_t bh_gap_conn_count(const struct bh_gap *gap);
const struct bh_gap_conn *bh_gap_conn_at(const struct bh_gap *gap, size_t i);

/* Filter accept list. BH_ESTATE while it is in use (scanning with it,
 * initiating). */
int bh_gap_accept_list_add(struct bh_gap *gap, const bh_addr *a, bh_gap_done_cb cb, void *ctx);
int bh_gap_accept_list_remove(struct bh_gap *gap, const bh_addr *a, bh_gap_done_cb cb, void *ctx);
int bh_gap_accept_list_clear(struct bh_gap *gap, bh_gap_done_cb cb, void *ctx);

/* What GAP refused or gave up from the controller's advertising reports.
 * reports_rejected: LE (Extended) Advertising Report events whose
 * Num_Reports does not match their length (too many, too few, zero), or
 * with a report longer than its PDU allows: the whole event is dropped.
 * chains_abandoned: extended report chains ("more data to come") that never
 * finished: their slot was needed by another chain (reassembly_slots) or no
 * fragment came for reassembly_timeout_ms; nothing of them is shown, and
 * their late remainder is dropped too (chain_tails_dropped).
 * chains_truncated: chains delivered marked incomplete (Data_Status
 * "truncated", or more than BH_AD_EXT_MAX bytes). */
struct bh_gap_stats {
	unsigned reports_rejected, chains_abandoned, chain_tails_dropped, chains_truncated;
	/* Reports (or chains) dropped because no memory could be had for a
	 * seen-devices entry or a reassembly buffer (both made on first use). */
	unsigned reports_dropped_nomem;
};
void bh_gap_stats(const struct bh_gap *gap, struct bh_gap_stats *out);

/* ---- Link layer: data length and PHY (Core 5.0) ---- */

/* LE Set Data Length (7.8.33): tx_octets 27..251, tx_time_us 328..17040.
 * cb(status) reports the command; the values in force come with
 * port.data_length_changed (only if they changed). BH_ENOTSUP when the
 * controller lacks the command. */
int bh_gap_set_data_length(struct bh_gap *gap, uint16_t handle, uint16_t tx_octets,
			   uint16_t tx_time_us, bh_gap_done_cb cb, void *ctx);
/* LE Write Suggested Default Data Length (7.8.35) for new links. */
int bh_gap_set_default_data_length(struct bh_gap *gap, uint16_t tx_octets, uint16_t tx_time_us,
				   bh_gap_done_cb cb, void *ctx);
/* LE Set Default PHY (7.8.48): BH_GAP_PHY_MASK_* sets; 0 = no preference. */
int bh_gap_set_default_phy(struct bh_gap *gap, uint8_t tx_phys, uint8_t rx_phys,
			   bh_gap_done_cb cb, void *ctx);
/* LE Set PHY (7.8.49) on one link: BH_GAP_PHY_MASK_* sets (0 = no
 * preference), coded = BH_GAP_CODED_*. cb(status) reports the command
 * status; port.phy_updated the outcome. BH_ENOTSUP when the controller lacks
 * the command. */
int bh_gap_set_phy(struct bh_gap *gap, uint16_t handle, uint8_t tx_phys, uint8_t rx_phys,
		   uint8_t coded, bh_gap_done_cb cb, void *ctx);
const char *bh_gap_phy_str(uint8_t phy);

/* ---- Controller-based privacy: the resolving list (7.8.38-7.8.44) ---- */

/* LL Privacy feature and the resolving-list commands are there? */
bool bh_gap_has_resolving_list(struct bh_gap *gap);
/* The list may only change while nothing advertises, scans or initiates
 * (else the controller answers Command Disallowed through cb). Each
 * returns BH_ENOTSUP without the feature. identity: public (0) or random
 * static (1); IRKs LSB first, local_irk NULL = zeros (we make our own
 * RPAs). Once a peer is in the list and resolution is on, bh_gap_connect
 * may name it with type BH_ADDR_PUBLIC_ID / BH_ADDR_RANDOM_ID. */
int bh_gap_resolving_list_clear(struct bh_gap *gap, bh_gap_done_cb cb, void *ctx);
int bh_gap_resolving_list_add(struct bh_gap *gap, const bh_addr *identity,
			      const uint8_t peer_irk[16], const uint8_t local_irk[16],
			      bh_gap_done_cb cb, void *ctx);
/* LE Set Privacy Mode (7.8.77): device privacy (true) also accepts the
 * peer's identity address, for peers that stopped using RPAs. */
int bh_gap_set_privacy_mode(struct bh_gap *gap, const bh_addr *identity, bool device_mode,
			    bh_gap_done_cb cb, void *ctx);
int bh_gap_set_address_resolution(struct bh_gap *gap, bool enable, bh_gap_done_cb cb, void *ctx);

const char *bh_gap_role_str(enum bh_gap_role r);
const char *bh_gap_own_addr_str(enum bh_gap_own_addr k);

#endif
