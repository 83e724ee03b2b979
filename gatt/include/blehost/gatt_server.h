/* blehost GATT server: the attribute database and the ATT server role
 * (Vol 3, Part G and Part F).
 *
 * The application describes services as tables of definitions (const static
 * arrays, or structs filled at run time: the server copies what it needs, so
 * a definition may be freed after bh_gatts_add_services() returns). The
 * server assigns handles, adds the GAP and GATT services itself, answers
 * every ATT request, keeps CCCDs per connection and the Database Hash.
 *
 * Sans-I/O: requests come in through bh_gatts_on_pdu(); responses,
 * notifications and indications leave through struct bh_gatts_port, which the
 * host wires to the ATT bearer (bh_att_respond, bh_att_notify,
 * bh_att_indicate, bh_att_mtu) and the link security to SMP.
 *
 * Buffer ownership: pointers given to callbacks are borrowed for the
 * duration of the callback. Every buffer passed into an API call is copied
 * before it returns (or the call fails and nothing was kept).
 */
#ifndef BH_GATT_SERVER_H
#define BH_GATT_SERVER_H

#include <blehost/bh_env.h>
#include <blehost/bh_err.h>
#include <blehost/bh_uuid.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Static initialisers for bh_uuid in const tables. BH_UUID128_INIT takes the
 * 16 octets little-endian, as on the wire. */
#define BH_UUID16_INIT(v) { 2, { (uint8_t)((v) & 0xff), (uint8_t)(((v) >> 8) & 0xff) } }
#define BH_UUID128_INIT(...) { 16, { __VA_ARGS__ } }

/* Characteristic properties (Vol 3, Part G, 3.3.1.1). */
#define BH_GATT_CHR_BROADCAST 0x01
#define BH_GATT_CHR_READ 0x02
#define BH_GATT_CHR_WRITE_NO_RSP 0x04
#define BH_GATT_CHR_WRITE 0x08
#define BH_GATT_CHR_NOTIFY 0x10
#define BH_GATT_CHR_INDICATE 0x20
#define BH_GATT_CHR_AUTH_SIGNED_WRITE 0x40
#define BH_GATT_CHR_EXT_PROPS 0x80
/* Extended properties (Vol 3, Part G, 3.3.3.1). Setting either (or the
 * EXT_PROPS property) adds the Characteristic Extended Properties descriptor. */
#define BH_GATT_CHR_EXT_RELIABLE_WRITE 0x0001
#define BH_GATT_CHR_EXT_WRITABLE_AUX 0x0002

/* Attribute permissions, one uint16_t for read and one for write.
 * 0 (BH_GATT_PERM_NONE) means "not permitted" (Read/Write Not Permitted).
 * Otherwise OPEN plus any requirements; the server checks them in the order
 * of the spec's errors: authentication (Insufficient Authentication when the
 * link is not encrypted or not MITM-authenticated), encryption, key size
 * (Encryption Key Size Too Short), then authorization (the chr's authorize
 * callback; Insufficient Authorization). */
#define BH_GATT_PERM_NONE 0x0000
#define BH_GATT_PERM_OPEN 0x0001
#define BH_GATT_PERM_ENCRYPT 0x0002 /* LE Security Mode 1 Level 2 */
#define BH_GATT_PERM_AUTHEN 0x0004  /* Level 3: encrypted and MITM-authenticated */
#define BH_GATT_PERM_SC 0x0008      /* Level 4: authenticated LE Secure Connections */
#define BH_GATT_PERM_AUTHOR 0x0010  /* ask the authorize callback */
/* In write_perm, with a write callback: prepared writes are authorized by the
 * application before they are queued (BlueZ's "prepare-authorize"). The first
 * Prepare Write Request of a queue for this attribute calls the write callback
 * with BH_GATT_WRITE_F_PREPARED | BH_GATT_WRITE_F_AUTHORIZE and that request's
 * offset and value, after every other check passed; nothing is to be written
 * then. BH_OK queues it; BH_ATT_ERROR(code) answers the Prepare Write Request
 * with that code (Insufficient Authorization to refuse) and the request's
 * handle (Vol 3, Part G, 4.9.4: authorization is checked when a Prepare Write
 * Request is received). Later parts for the same attribute in the same queue
 * are not asked again; the value comes at Execute Write as for any prepared
 * write. Without a write callback the bit does nothing. */
#define BH_GATT_PERM_AUTHOR_PREPARE 0x0020
/* Minimum encryption key size 7..16 (implies ENCRYPT). */
#define BH_GATT_PERM_KEYSIZE(n) ((uint16_t)(((n) & 0x1f) << 8))
/* Shorthands in the style of CircuitPython's security modes. */
#define BH_GATT_PERM_ENC_NO_MITM (BH_GATT_PERM_OPEN | BH_GATT_PERM_ENCRYPT)
#define BH_GATT_PERM_ENC_MITM (BH_GATT_PERM_OPEN | BH_GATT_PERM_ENCRYPT | BH_GATT_PERM_AUTHEN)
#define BH_GATT_PERM_LESC_MITM (BH_GATT_PERM_ENC_MITM | BH_GATT_PERM_SC | BH_GATT_PERM_KEYSIZE(16))

/* Flags given to write callbacks. */
#define BH_GATT_WRITE_F_CMD 0x01      /* Write Command: no response will be sent */
#define BH_GATT_WRITE_F_SIGNED 0x02   /* Signed Write Command, signature verified */
#define BH_GATT_WRITE_F_PREPARED 0x04 /* part of an Execute Write */
#define BH_GATT_WRITE_F_AUTHORIZE 0x08 /* authorize a Prepare Write, write nothing
					  (BH_GATT_PERM_AUTHOR_PREPARE) */

/* Read callback: copy the value starting at offset into buf (at most cap
 * octets) and set *len. Return BH_OK or BH_ATT_ERROR(code), e.g.
 * BH_ATT_ERROR(BH_ATT_E_INVALID_OFFSET) when offset is past the value's end.
 * handle is the attribute's handle. */
typedef bh_status (*bh_gatt_read_fn)(void *user, uint16_t conn, uint16_t handle, uint16_t offset,
				     uint8_t *buf, size_t cap, size_t *len);
/* Write callback: value (borrowed) is to be written at offset. Return BH_OK
 * or BH_ATT_ERROR(code); for commands the error is dropped. */
typedef bh_status (*bh_gatt_write_fn)(void *user, uint16_t conn, uint16_t handle, uint16_t offset,
				      const uint8_t *value, size_t len, unsigned flags);
/* Authorization for attributes with BH_GATT_PERM_AUTHOR: BH_OK to allow,
 * anything else answers Insufficient Authorization. */
typedef bh_status (*bh_gatt_authorize_fn)(void *user, uint16_t conn, uint16_t handle, bool write);

/* A descriptor. Without read/write callbacks the stack holds its value
 * (initial value, max_len, fixed_len as for characteristics). The server
 * adds, in this order after the value: the CCCD (NOTIFY or INDICATE; one
 * value per connection), the Server Characteristic Configuration (BROADCAST;
 * read it with bh_gatts_get_value), Extended Properties, User Description,
 * Presentation Format, then these. Defining a CCCD (0x2902) or Extended
 * Properties (0x2900) here is BH_EINVAL. */
struct bh_gatt_dsc_def {
	bh_uuid uuid;
	uint16_t read_perm, write_perm;
	const void *initial;
	uint16_t initial_len;
	uint16_t max_len; /* 0: initial_len */
	bool fixed_len;
	bh_gatt_read_fn read;
	bh_gatt_write_fn write;
	void *user;
};

/* Characteristic Presentation Format value (Vol 3, Part G, 3.3.3.5). */
struct bh_gatt_presentation {
	uint8_t format;
	int8_t exponent;
	uint16_t unit;
	uint8_t name_space;
	uint16_t description;
};

/* A characteristic. The value is held by the stack (initial, initial_len,
 * max_len, fixed_len) unless read/write callbacks are given (one or both;
 * the other direction then uses the stack-held value). */
struct bh_gatt_chr_def {
	bh_uuid uuid;
	uint8_t props;      /* BH_GATT_CHR_* */
	uint16_t ext_props; /* BH_GATT_CHR_EXT_* */
	/* BH_GATT_PERM_*. 0 takes a default from props: OPEN when READ (for
	 * read_perm) or any write property (for write_perm) is set, else NONE.
	 * Writing the CCCD needs the value's read security (not authorization). */
	uint16_t read_perm, write_perm;
	const void *initial;
	uint16_t initial_len;
	uint16_t max_len; /* 0: initial_len; at most 512 */
	bool fixed_len;   /* the value is always max_len octets: a shorter write
			     replaces its first octets (Vol 3, Part F, 3.4.5.1),
			     a longer one is Invalid Attribute Value Length */
	bh_gatt_read_fn read;
	bh_gatt_write_fn write;
	bh_gatt_authorize_fn authorize;
	void *user;
	const char *user_desc; /* non-NULL: adds a User Description (0x2901),
				  writable when EXT_WRITABLE_AUX is set */
	const struct bh_gatt_presentation *format; /* non-NULL: adds 0x2904 */
	const struct bh_gatt_dsc_def *dscs;       /* custom descriptors */
	size_t num_dscs;
};

/* A service. includes point at definitions in the same add call or already
 * added (matched by address); include_handles name services already in the
 * database by their declaration handle (bindings whose definitions do not
 * outlive the add call). Each becomes an Include declaration (0x2802: start
 * handle, end group handle, and the UUID when it is 16-bit; Vol 3, Part G,
 * 3.2) after the service declaration, address includes first. */
struct bh_gatt_svc_def {
	bh_uuid uuid;
	bool secondary;
	const struct bh_gatt_svc_def *const *includes;
	size_t num_includes;
	const struct bh_gatt_chr_def *chrs;
	size_t num_chrs;
	const uint16_t *include_handles;
	size_t num_include_handles;
};

/* The link's security, as SMP knows it. */
struct bh_gatts_security {
	bool encrypted;
	bool authenticated;      /* MITM-protected key */
	bool secure_connections; /* key from LE Secure Connections pairing */
	uint8_t key_size;        /* 7..16 when encrypted */
	bool has_ltk;            /* a bond's key exists for the peer: on an
				    unencrypted link the server then answers
				    Insufficient Encryption rather than
				    Insufficient Authentication (Vol 3, Part C, 10.3.1) */
};

/* How the server talks to the ATT bearer and SMP; wired by the host. */
struct bh_gatts_port {
	void *ctx;
	/* The response (or Error Response) to the request of conn. Called
	 * exactly once per request, before bh_gatts_on_pdu() returns. */
	int (*respond)(void *ctx, uint16_t conn, const uint8_t *pdu, size_t len);
	/* Handle Value Notification: 0 or BH_EBUSY; *truncated set when the
	 * value was cut to MTU-3 (bh_att_notify). May return BH_GATTS_NOW_FULL
	 * instead of 0: sent, and the bearer has no room for the next one;
	 * bh_gatts_can_send must then follow when room returns, and until it
	 * does bh_gatts_notify answers BH_EBUSY for conn before any other
	 * check, without calling notify. */
	int (*notify)(void *ctx, uint16_t conn, uint16_t handle, const uint8_t *value, size_t len,
		      bool *truncated);
	/* Handle Value Indication; the host calls bh_gatts_indication_done()
	 * when the bearer completes it. 0 or an error (nothing outstanding then). */
	int (*indicate)(void *ctx, uint16_t conn, uint16_t handle, const uint8_t *value, size_t len);
	/* Multiple Handle Value Notification: tuples is the Handle Length
	 * Value Tuple List (two or more), at most MTU-1 octets
	 * (bh_att_notify_multiple). 0 or BH_EBUSY. NULL: never used (separate
	 * notifications go out instead). */
	int (*notify_multiple)(void *ctx, uint16_t conn, const uint8_t *tuples, size_t len);
	/* The connection's current ATT MTU. */
	uint16_t (*mtu)(void *ctx, uint16_t conn);
	/* The link's current security. NULL: unencrypted. */
	void (*security)(void *ctx, uint16_t conn, struct bh_gatts_security *out);
	/* Signed Write: verify the 12-octet signature over msg (opcode through
	 * value) with the peer's CSRK and sign counter. Return BH_OK (and say
	 * whether the CSRK came from authenticated pairing) or an error: the
	 * command is then dropped. NULL: signed writes are dropped. */
	bh_status (*verify_signed)(void *ctx, uint16_t conn, const uint8_t *msg, size_t len,
				   const uint8_t sig[12], bool *authenticated);
};

/* Application events; any may be NULL. */
struct bh_gatts_events {
	void *ctx;
	/* A client wrote a CCCD: value is 0, 1 (notify), 2 (indicate) or 3. */
	void (*subscription)(void *ctx, uint16_t conn, uint16_t value_handle, uint16_t value);
	/* An indication sent with bh_gatts_indicate() completed: BH_OK on
	 * confirmation, else BH_ETIMEDOUT/BH_EDISCONNECTED. */
	void (*indication_done)(void *ctx, uint16_t conn, uint16_t value_handle, bh_status st);
	/* Room again for notifications on conn after BH_EBUSY. */
	void (*can_send)(void *ctx, uint16_t conn);
};

struct bh_gatts_config {
	const char *device_name; /* GAP Device Name; default "blehost" */
	bool device_name_writable; /* peers may write it (then open write) */
	uint16_t appearance;
	bool ppcp_present; /* add Peripheral Preferred Connection Parameters */
	uint16_t ppcp_min_interval, ppcp_max_interval, ppcp_latency, ppcp_timeout;
	unsigned max_connections; /* default 8 */
	unsigned max_cccds;       /* per connection; default 32 */
	unsigned prepare_queue;   /* Prepare Write entries per connection; default 16 */
	/* Server Supported Features (0x2B3A, Vol 3, Part G, 7.4): 0 (default)
	 * adds no such characteristic; else it is added, read-only, with this
	 * value (bit 0: EATT supported) after the Database Hash. */
	uint8_t server_features;
	/* A cache of the Database Hash, for a device that starts again with
	 * the same database: the hash is then not computed (no AES-CMAC, and
	 * libcrypto is not loaded for it). Both NULL (default): no cache.
	 * When the server needs the hash (the first read of the characteristic,
	 * a bond's CCCD blob or bh_gatts_db_hash after the database changed), it
	 * builds msg, the exact octets the hash covers (Vol 3, Part G, 7.3: the
	 * handle, type and, for declarations, value of each attribute it lists,
	 * in handle order), and asks hash_lookup first: return true and fill
	 * hash (MSO first) only with a hash computed earlier for these same len
	 * octets, byte for byte; false (nothing known, or a different msg)
	 * makes the server compute it. After each successful computation
	 * hash_store gets msg and the new hash, to keep. msg is borrowed for the
	 * call. Either may be NULL. Neither may call back into the server. */
	void *hash_cache_ctx;
	bool (*hash_lookup)(void *ctx, const uint8_t *msg, size_t len, uint8_t hash[16]);
	void (*hash_store)(void *ctx, const uint8_t *msg, size_t len, const uint8_t hash[16]);
};
void bh_gatts_config_default(struct bh_gatts_config *c);

struct bh_gatts;

/* NULL on allocation failure or bad config. The GAP service starts at
 * handle 1, the GATT service follows it.
 * A build with -Dgatt_server=false has no database (not even GAP/GATT
 * services): bh_gatts_new still returns an object so connections work,
 * every ATT request of a peer is answered Request Not Supported (handle
 * 0x0000) and commands are ignored; add/remove, set/get value, notify,
 * indicate, changed and CCCD import/export return BH_ENOTSUP (logged with
 * "(-Dgatt_server=false)"); the handle lookups return 0. */
struct bh_gatts *bh_gatts_new(const struct bh_gatts_config *cfg, const struct bh_env *env,
			      const struct bh_gatts_port *port, const struct bh_gatts_events *ev);
void bh_gatts_free(struct bh_gatts *s);

/* ---- Database ------------------------------------------------------------ */

/* Adds n services (handles assigned in order, in the first gap that fits).
 * BH_EINVAL for a bad definition (GAP 0x1800 or GATT 0x1801 again, an unknown
 * include or an include handle that is not a service declaration, a value
 * longer than max_len, a reserved descriptor UUID),
 * BH_ENOSPACE when handles run out, BH_ENOMEM. Nothing is added on error.
 * A build with -Dsigned_write=false returns BH_ENOTSUP (logged with the
 * option) for a characteristic with BH_GATT_CHR_AUTH_SIGNED_WRITE: a
 * database must not declare what the server cannot serve; such a build
 * ignores a peer's Signed Write Command and never calls verify_signed.
 * After the first connection, adding sends Service Changed.
 * BH_ESTATE when called from a callback run by bh_gatts_on_pdu() (the
 * request being served holds attributes). */
bh_status bh_gatts_add_services(struct bh_gatts *s, const struct bh_gatt_svc_def *defs, size_t n);
/* Removes the service whose declaration is at handle (the GAP and GATT
 * services cannot be removed: BH_EPERM). BH_ENOTFOUND otherwise. Services
 * that include it keep a stale include. Sends Service Changed. BH_ESTATE
 * from inside a request's callback, as for adding. */
bh_status bh_gatts_remove_service(struct bh_gatts *s, uint16_t svc_handle);

/* Handles of what a definition became (0 if not in the database). The
 * server compares def addresses only, so these work while the caller keeps
 * the same definition object. */
uint16_t bh_gatts_service_handle(const struct bh_gatts *s, const struct bh_gatt_svc_def *def);
uint16_t bh_gatts_value_handle(const struct bh_gatts *s, const struct bh_gatt_chr_def *def);
/* Forgets the definition addresses of the service added from def and of its
 * characteristics and descriptors (the attributes stay): for callers whose
 * definitions do not outlive the add call (language bindings), so a later
 * definition at a reused address is not taken for an old one. The handle
 * lookups above then no longer find them. */
void bh_gatts_forget_defs(struct bh_gatts *s, const struct bh_gatt_svc_def *def);
/* The CCCD handle for a characteristic value handle, or 0. */
uint16_t bh_gatts_cccd_handle(const struct bh_gatts *s, uint16_t value_handle);
/* The handle of a descriptor definition, or 0. */
uint16_t bh_gatts_dsc_handle(const struct bh_gatts *s, const struct bh_gatt_dsc_def *def);
/* The GATT service's Service Changed value handle. */
uint16_t bh_gatts_service_changed_handle(const struct bh_gatts *s);

/* The Database Hash (Vol 3, Part G, 7.3), most-significant octet first as
 * the spec prints it. (The characteristic carries it LSO first.) Returns
 * BH_OK, or why it cannot be computed, with out zeroed: BH_ENOTSUP when
 * libcrypto cannot be loaded (bh_crypto_error() names it), BH_ENOMEM. Until
 * it can, a client's read of the characteristic gets Unlikely Error and no
 * bonded client counts as change-aware. */
bh_status bh_gatts_db_hash(const struct bh_gatts *s, uint8_t out[16]);

/* Stack-held values. set: BH_EINVAL (len > max_len, != fixed length, no
 * stack-held value at handle), BH_ENOTFOUND. get copies at most cap octets. */
bh_status bh_gatts_set_value(struct bh_gatts *s, uint16_t handle, const void *value, size_t len);
bh_status bh_gatts_get_value(const struct bh_gatts *s, uint16_t handle, void *buf, size_t cap,
			     size_t *len);

/* ---- Connections ----------------------------------------------------------- */

/* A connection came up: CCCDs start cleared (import a bond's blob next).
 * BH_EEXIST, BH_ENOMEM (max_connections reached). */
bh_status bh_gatts_connected(struct bh_gatts *s, uint16_t conn);
/* The connection is gone: its state is dropped (export it first); an
 * outstanding indication completes with BH_EDISCONNECTED. */
void bh_gatts_disconnected(struct bh_gatts *s, uint16_t conn);

/* A request, command or signed write for conn (opcode first), at most the
 * MTU long. Every request is answered through port.respond exactly once
 * before this returns: malformed ones with Invalid PDU, unknown opcodes with
 * Request Not Supported, requests on a connection the server was not told
 * about with Unlikely Error. Commands are never answered (their errors are
 * dropped); unknown commands, responses and notifications are ignored.
 * Robust caching (Vol 3, Part G, 2.5.2.1): a change-unaware client that set
 * the Robust Caching feature gets Database Out Of Sync for its first request
 * (Read By Type of the Database Hash excepted) and its commands are ignored;
 * it becomes aware with its next request after that error or after reading
 * the hash, or when it confirms Service Changed. */
void bh_gatts_on_pdu(struct bh_gatts *s, uint16_t conn, const uint8_t *pdu, size_t len);
/* The bearer finished the indication sent through port.indicate. */
void bh_gatts_indication_done(struct bh_gatts *s, uint16_t conn, bh_status st);
/* The bearer has room again on conn. */
void bh_gatts_can_send(struct bh_gatts *s, uint16_t conn);
#define BH_GATTS_NOW_FULL 1

/* CCCD state of one peer as a small blob to store with the bond:
 * version, Client Supported Features, change-aware hash, CCCD values
 * (little-endian; BH_GATTS_CCCD_BLOB_MAX(max_cccds) octets at most).
 * export: BH_ENOSPACE if cap is too small (*len says what is needed).
 * import (after bh_gatts_connected): BH_EMALFORMED/BH_ECORRUPT for a bad
 * blob, BH_ENOSPACE for more CCCDs than max_cccds (state unchanged);
 * entries for handles that no longer hold a CCCD are dropped. A blob made
 * with another Database Hash (or by a change-unaware client) leaves the
 * client change-unaware and, when it is subscribed to Service Changed,
 * indicates the range 0x0001-0xFFFF at once (Part G, 7.1). */
#define BH_GATTS_CCCD_BLOB_MAX(n) (20u + 4u * (n))
bh_status bh_gatts_export_cccd(const struct bh_gatts *s, uint16_t conn, uint8_t *buf, size_t cap,
			       size_t *len);
bh_status bh_gatts_import_cccd(struct bh_gatts *s, uint16_t conn, const uint8_t *buf, size_t len);
/* The CCCD value conn wrote for value_handle (0 when unsubscribed). */
uint16_t bh_gatts_cccd_value(const struct bh_gatts *s, uint16_t conn, uint16_t value_handle);
/* Whether conn is change-aware (Vol 3, Part G, 2.5.2.1). */
bool bh_gatts_change_aware(const struct bh_gatts *s, uint16_t conn);

/* ---- Notifications and indications --------------------------------------- */

/* value NULL: send the stack-held value (or what the read callback gives:
 * it runs before these return, and there, as inside a request's callback,
 * bh_gatts_add_services and bh_gatts_remove_service return BH_ESTATE).
 * Indications go one at a time per connection; their value is cut to
 * MTU-3 here, notifications are cut by the bearer. BH_ENOTFOUND (conn, or
 * handle without a CCCD),
 * BH_ESTATE (conn not subscribed for that kind), BH_EBUSY (no room: wait
 * for events.can_send; or, for indications, one is outstanding on conn),
 * BH_EINVAL. A notification on a link known to have no room gets BH_EBUSY
 * before the handle is checked. *truncated (may be NULL) tells a notification was cut. */
bh_status bh_gatts_notify(struct bh_gatts *s, uint16_t conn, uint16_t value_handle,
			  const void *value, size_t len, bool *truncated);
bh_status bh_gatts_indicate(struct bh_gatts *s, uint16_t conn, uint16_t value_handle,
			    const void *value, size_t len);
/* Notifies the current values (stack-held or from the read callback) of n
 * value handles conn subscribed to for notifications. To a client that set
 * Multiple Handle Value Notifications (bit 2) in its Client Supported
 * Features they go as Multiple Handle Value Notifications (ATT 0x23, Vol 3,
 * Part F, 3.4.7.4; Part G, 4.10.2), packed in order into as few PDUs as the
 * MTU allows; a value too long to share a PDU, or one left alone at the end,
 * goes as an ordinary notification (cut to MTU-3). To any other client each
 * goes as an ordinary notification. Returns how many values were sent (n,
 * or fewer when the bearer said BH_EBUSY: send the rest after
 * events.can_send), or BH_ENOTFOUND / BH_ESTATE (a handle not notifiable or
 * not subscribed: nothing sent) / BH_EINVAL. */
int bh_gatts_notify_multiple(struct bh_gatts *s, uint16_t conn, const uint16_t *value_handles,
			     unsigned n);
/* bluez-peripheral's changed(): stores value (if stack-held and value is
 * not NULL) and notifies or indicates every subscribed connection. Returns
 * how many were sent (>= 0) or BH_ENOTFOUND/BH_EINVAL; *busy (may be NULL)
 * counts subscribed connections skipped because of BH_EBUSY. */
int bh_gatts_changed(struct bh_gatts *s, uint16_t value_handle, const void *value, size_t len,
		     unsigned *busy);

#endif
