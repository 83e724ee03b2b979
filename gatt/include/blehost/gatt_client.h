/* blehost GATT client: one object per connection.
 *
 * Discovery (Vol 3, Part G, 4.4 to 4.7) builds a service tree that callers
 * walk or query; reads and writes (4.8, 4.9), notifications and indications
 * (4.10, 4.11) with one callback per characteristic; the attribute cache
 * (2.5.2): export/import as a blob, Service Changed handling and the
 * Database Hash check (7.3).
 *
 * The client never talks to the bearer directly: it goes through struct
 * bh_gattc_port, whose request/cancel/command/mtu have the shapes of
 * bh_att_request/bh_att_cancel/bh_att_send_command/bh_att_mtu. The owner of
 * the connection forwards notifications/indications (bh_gattc_on_notification)
 * and the disconnect (bh_gattc_disconnected).
 *
 * Procedures run one at a time, in the order they were started (one ATT
 * request outstanding per client). Every started operation (the function
 * returned 0) completes exactly once through its callback: with its result,
 * an error (BH_ATT_ERROR(code) for the peer's Error Response, BH_EPROTO when
 * the peer broke a procedure rule, BH_EMALFORMED when a response did not
 * decode), a timeout (BH_ETIMEDOUT from the bearer), the disconnect
 * (BH_EDISCONNECTED or the reason given) or BH_ECANCELLED. A function that
 * returns an error never calls its callback. Transaction timeouts belong to
 * the bearer (30 s); the client has no timer of its own. After one, the
 * bearer is dead (Vol 3, Part F, 3.3.3): every operation started later
 * returns BH_ETIMEDOUT, as the ones pending then completed, until the link
 * goes (then BH_EDISCONNECTED).
 *
 * Buffer ownership: every buffer passed into an API call is copied before the
 * call returns. Pointers handed to callbacks (values, results) are borrowed
 * for the duration of the callback. Tree entries returned by the query
 * functions stay valid until the next discovery, import or Service Changed
 * re-discovery completes; do not keep them across those.
 *
 * Callbacks may start new operations; they must not free the client.
 * Some run before the call that caused them returns: bh_gattc_cancel's
 * (BH_ECANCELLED), and an operation's own when the bearer refuses its
 * request at once (out of memory; the starting call then still returns
 * 0). There too they may start or cancel operations:
 * a cancel finishes only the operations there when it started, and an
 * operation started from a callback waits until that callback returns.
 */
#ifndef BH_GATT_CLIENT_H
#define BH_GATT_CLIENT_H

#include <blehost/att.h>
#include <blehost/bh_env.h>
#include <blehost/bh_err.h>
#include <blehost/bh_pool.h>
#include <blehost/bh_uuid.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bh_gattc;

/* Characteristic properties (Vol 3, Part G, 3.3.1.1). */
enum {
	BH_GATT_PROP_BROADCAST = 0x01,
	BH_GATT_PROP_READ = 0x02,
	BH_GATT_PROP_WRITE_NO_RSP = 0x04,
	BH_GATT_PROP_WRITE = 0x08,
	BH_GATT_PROP_NOTIFY = 0x10,
	BH_GATT_PROP_INDICATE = 0x20,
	BH_GATT_PROP_SIGNED_WRITE = 0x40,
	BH_GATT_PROP_EXT_PROPS = 0x80,
};

/* ---- The service tree --------------------------------------------------- */

/* Entries are kept sorted by handle. Indices link them: a service's
 * characteristics are chrs[first_chr .. first_chr + n_chrs), a
 * characteristic's descriptors descs[first_desc .. first_desc + n_descs). */
struct bh_gattc_service {
	uint16_t start, end; /* handle range of the service */
	bh_uuid uuid;
	bool primary;        /* false: secondary, found only as an included service */
	uint16_t first_chr, n_chrs;
	uint16_t first_incl, n_incls;
};

/* An Include declaration (3.2) inside the service whose range holds `handle`. */
struct bh_gattc_include {
	uint16_t handle;     /* of the include declaration */
	uint16_t start, end; /* the included service's range */
	bh_uuid uuid;        /* the included service's UUID */
};

struct bh_gattc_chr {
	uint16_t decl_handle, value_handle, end_handle;
	uint8_t props;        /* BH_GATT_PROP_* */
	bh_uuid uuid;
	uint16_t service;     /* index of the owning service */
	uint16_t first_desc, n_descs;
	uint16_t cccd_handle; /* Client Characteristic Configuration, 0 if none */
};

struct bh_gattc_desc {
	uint16_t handle;
	bh_uuid uuid;
	uint16_t chr; /* index of the owning characteristic */
};

/* Counts and indexed access; out-of-range indices give NULL. */
unsigned bh_gattc_service_count(const struct bh_gattc *c);
unsigned bh_gattc_chr_count(const struct bh_gattc *c);
unsigned bh_gattc_desc_count(const struct bh_gattc *c);
unsigned bh_gattc_include_count(const struct bh_gattc *c);
const struct bh_gattc_service *bh_gattc_service_at(const struct bh_gattc *c, unsigned i);
const struct bh_gattc_chr *bh_gattc_chr_at(const struct bh_gattc *c, unsigned i);
const struct bh_gattc_desc *bh_gattc_desc_at(const struct bh_gattc *c, unsigned i);
const struct bh_gattc_include *bh_gattc_include_at(const struct bh_gattc *c, unsigned i);

/* The first service with this UUID, or NULL. */
const struct bh_gattc_service *bh_gattc_find_service(const struct bh_gattc *c, const bh_uuid *u);
/* The first characteristic with this UUID, inside svc (NULL: anywhere). */
const struct bh_gattc_chr *bh_gattc_find_chr(const struct bh_gattc *c,
					     const struct bh_gattc_service *svc, const bh_uuid *u);
/* The first descriptor of chr with this UUID, or NULL. */
const struct bh_gattc_desc *bh_gattc_find_desc(const struct bh_gattc *c,
					       const struct bh_gattc_chr *chr, const bh_uuid *u);
/* The characteristic whose declaration, value or descriptor range holds handle. */
const struct bh_gattc_chr *bh_gattc_chr_by_handle(const struct bh_gattc *c, uint16_t handle);
const struct bh_gattc_service *bh_gattc_service_by_handle(const struct bh_gattc *c,
							  uint16_t handle);
/* Drops the whole tree (and the cached hash). BH_ESTATE while any operation
 * is queued or running (it may be walking the tree). */
int bh_gattc_clear(struct bh_gattc *c);

/* ---- Ports, config, lifetime -------------------------------------------- */

/* The owner of the connection wires these to the ATT bearer and SMP. */
struct bh_gattc_port {
	void *ctx;
	/* bh_att_request: queue a request PDU; cb(cbctx, ...) runs exactly
	 * once later unless this returns an error. Required. */
	int (*request)(void *ctx, const uint8_t *pdu, size_t len, bh_att_rsp_cb cb, void *cbctx);
	/* bh_att_cancel: requests issued with cbctx complete now (synchronously)
	 * with BH_ECANCELLED; their cb never runs again. Required. */
	void (*cancel)(void *ctx, void *cbctx);
	/* bh_att_send_command: Write Command / Signed Write Command. 0 or
	 * BH_EBUSY. Required for write-without-response and signed writes. */
	int (*command)(void *ctx, const uint8_t *pdu, size_t len);
	/* bh_att_mtu: the current ATT_MTU. Required. */
	uint16_t (*mtu)(void *ctx);
	/* Signed write (Vol 3, Part H, 2.4.5): fills out_sig with SignCounter
	 * (4 octets LE) then the 8-octet MAC over pdu[0..len) || SignCounter,
	 * using the local CSRK. Returns 0, or an error (BH_ESECURITY: no
	 * CSRK). May be NULL: signed writes then fail with BH_ENOTSUP. */
	int (*sign)(void *ctx, const uint8_t *pdu, size_t len, uint8_t out_sig[12]);
	/* A request failed with Insufficient Authentication (0x05), Insufficient
	 * Encryption (0x0f) or Encryption Key Size Too Short (0x0c). Return 0 to
	 * accept: then call done(done_ctx, status) exactly once later (BH_OK:
	 * the link's security was raised, and the request is retried once).
	 * Any other return declines; the operation completes with the ATT
	 * error. A report for an operation cancelled or disconnected meanwhile
	 * is ignored, but done must not be called after bh_gattc_free.
	 * May be NULL (never raise). */
	int (*raise_security)(void *ctx, uint8_t att_error,
			      void (*done)(void *done_ctx, bh_status status), void *done_ctx);
	/* A request failed with BH_ETIMEDOUT (Vol 3, Part F, 3.3.3): true
	 * when another bearer to the server is left (EATT: an enhanced
	 * bearer timed out, the unenhanced one serves on). Then only that
	 * operation fails and the client goes on; else (or NULL) the client
	 * is dead: everything queued fails and later calls return
	 * BH_ETIMEDOUT. */
	bool (*bearer_left)(void *ctx);
};

/* Notification/indication callback: value is borrowed. For an indication
 * the bearer confirms after this returns. */
typedef void (*bh_gattc_notify_cb)(void *ctx, uint16_t value_handle, const uint8_t *value,
				   size_t len, bool indication);

/* Events to the application. Every member may be NULL. */
struct bh_gattc_events {
	void *ctx;
	/* A notification/indication for a handle nobody subscribed to. */
	bh_gattc_notify_cb unsubscribed;
	/* A Service Changed indication invalidated [start, end] (widened to
	 * whole services); the client re-discovered the range with the flags
	 * and allow-list of the last full discovery (status BH_OK) or failed
	 * to (the tree then holds what was found). Tree entry pointers held
	 * before are stale. */
	void (*services_changed)(void *ctx, uint16_t start, uint16_t end, bh_status status);
	/* After a Service Changed re-discovery, each subscription that was in
	 * the range is found again by service and characteristic UUID (and
	 * their order among equal UUIDs), its CCCD is written with the same
	 * value and its notifications keep going to the same callback under
	 * new_handle. This reports each one once the write completes: BH_OK,
	 * BH_ENOTFOUND (the characteristic is gone, new_handle 0), BH_ENOTSUP
	 * (it lost its CCCD or the property), the re-discovery's error or the
	 * write's error, or BH_ENOMEM when the change could not be followed at
	 * all (no memory: reported before services_changed says so); on
	 * failure new_handle is 0 and the subscription is dropped. Built with
	 * -Dgatt_caching=false nothing is carried over: each subscription in
	 * the range stops routing at the indication and is reported here with
	 * BH_ENOTSUP (new_handle 0) once the re-discovery ends, before
	 * services_changed, for the application to subscribe again. */
	void (*resubscribed)(void *ctx, uint16_t old_handle, uint16_t new_handle,
			     bh_status status);
	/* The connection went away (bh_gattc_disconnected), after every pending
	 * operation completed. */
	void (*disconnected)(void *ctx, bh_status reason);
};

struct bh_gattc_config {
	unsigned max_ops;      /* operations started and not yet completed; default 16 */
	unsigned max_services; /* tree capacity; defaults 64 / 256 / 512 / 32 */
	unsigned max_chrs;
	unsigned max_descs;
	unsigned max_includes;
	unsigned max_subscriptions; /* default 32 */
};
void bh_gattc_config_default(struct bh_gattc_config *cfg);

/* NULL on allocation failure or a bad config (any size 0). port->request,
 * cancel and mtu are required. env, port and events are copied.
 * A build with -Dgatt_client=false still creates the object (the host makes
 * one per link) but every procedure, clear and import return BH_ENOTSUP
 * (logged with "(-Dgatt_client=false)") and send nothing; the tree stays
 * empty; notifications and indications go to events.unsubscribed (the ATT
 * bearer confirms indications itself). */
struct bh_gattc *bh_gattc_new(const struct bh_gattc_config *cfg, const struct bh_env *env,
			      const struct bh_gattc_port *port, const struct bh_gattc_events *events);
/* Completes every pending operation with BH_EDISCONNECTED (if not already
 * disconnected), then frees. NULL is ignored. */
void bh_gattc_free(struct bh_gattc *c);

/* The link is gone: every pending and queued operation completes with
 * reason, exactly once and in order; subscriptions are dropped; then
 * events.disconnected runs. Later calls start nothing (BH_EDISCONNECTED).
 * The tree stays readable and exportable. Idempotent. */
void bh_gattc_disconnected(struct bh_gattc *c, bh_status reason);

/* A Handle Value Notification or Indication from the bearer. A Service
 * Changed indication (value handle of 0x2A05 in the tree) triggers
 * re-discovery of the range it names. Delivered synchronously, in order. */
void bh_gattc_on_notification(struct bh_gattc *c, uint16_t handle, const uint8_t *value,
			      size_t len, bool indication);

uint16_t bh_gattc_mtu(const struct bh_gattc *c);
bool bh_gattc_is_connected(const struct bh_gattc *c);

/* Round-trip accounting, for tests and for tuning. */
struct bh_gattc_stats {
	uint32_t requests;      /* ATT requests issued = round trips */
	uint32_t commands;      /* Write Commands and Signed Write Commands sent */
	uint32_t notifications; /* notifications received */
	uint32_t indications;   /* indications received */
	uint32_t security_retries;
	uint32_t ops_completed;
};
const struct bh_gattc_stats *bh_gattc_stats(const struct bh_gattc *c);
void bh_gattc_stats_reset(struct bh_gattc *c);
/* The operation pool, so tests can inject allocation failures. */
struct bh_pool *bh_gattc_op_pool(struct bh_gattc *c);

/* ---- Operations ---------------------------------------------------------- */

/* What an operation produced. Never NULL; fields not set are zero. */
struct bh_gattc_result {
	uint16_t handle;      /* the handle read/written; for an ATT error, the
			       * handle the Error Response named */
	const uint8_t *value; /* read value; read-by-UUID and read-multiple-
			       * variable: the raw list (see the helpers below) */
	size_t len;
	uint8_t elem_len;     /* read-by-UUID: length of each handle-value pair */
	bool rediscovered;    /* validate_cache: the tree was discovered anew */
};
typedef void (*bh_gattc_cb)(void *ctx, bh_status status, const struct bh_gattc_result *res);

/* Cancels every queued or running operation started with this ctx: each
 * completes with BH_ECANCELLED now. A long/reliable write that had
 * prepared values at the server is followed by an Execute Write Request
 * (flags 0) so the server drops them. Returns how many were cancelled. */
unsigned bh_gattc_cancel(struct bh_gattc *c, void *ctx);

/* Options for discovery. */
enum {
	BH_GATTC_DISC_INCLUDES = 0x01, /* also find included services */
	BH_GATTC_DISC_NO_DESCS = 0x02, /* skip descriptor discovery */
};

/* Full discovery: primary services (optionally only those whose UUID is in
 * allow[0..n_allow), at most 16), their included services (flag), their
 * characteristics and descriptors; then the Database Hash value when the
 * peer has one. Replaces the tree. Round trips are kept to what the
 * procedures require: characteristic discovery runs over runs of adjacent
 * services at once, descriptor discovery is skipped for empty ranges, and
 * every loop stops at the range end or 0xFFFF. On failure the tree holds
 * what was found before it (consistent, possibly incomplete); BH_ENOSPACE
 * when the tree's capacity (config) is exceeded. */
int bh_gattc_discover(struct bh_gattc *c, const bh_uuid *allow, unsigned n_allow, unsigned flags,
		      bh_gattc_cb cb, void *ctx);
/* Single procedures (4.4.1, 4.4.2, 4.5.1, 4.6.1, 4.6.2, 4.7.1). They add
 * what they find to the tree (by-UUID service discovery adds the service
 * range only); chr/desc discovery need the service/characteristic in the
 * tree first (BH_ENOTFOUND otherwise). */
int bh_gattc_discover_services(struct bh_gattc *c, bh_gattc_cb cb, void *ctx);
int bh_gattc_discover_service_uuid(struct bh_gattc *c, const bh_uuid *uuid, bh_gattc_cb cb,
				   void *ctx);
int bh_gattc_discover_includes(struct bh_gattc *c, uint16_t service_start, bh_gattc_cb cb,
			       void *ctx);
/* uuid NULL: all characteristics of the service. */
int bh_gattc_discover_chrs(struct bh_gattc *c, uint16_t service_start, const bh_uuid *uuid,
			   bh_gattc_cb cb, void *ctx);
int bh_gattc_discover_descs(struct bh_gattc *c, uint16_t value_handle, bh_gattc_cb cb, void *ctx);

/* Read (4.8.1): one Read Request; res->value is what the peer sent. */
int bh_gattc_read(struct bh_gattc *c, uint16_t handle, bh_gattc_cb cb, void *ctx);
/* Read Long (4.8.3): Read, then Read Blob from the current offset while
 * responses are full (ATT_MTU-1 octets), stopping at 512 octets. The
 * link's first one makes the 512-byte buffer its value is handed over in
 * (kept until bh_gattc_free): BH_ENOMEM if it cannot. */
int bh_gattc_read_long(struct bh_gattc *c, uint16_t handle, bh_gattc_cb cb, void *ctx);
/* Read Using Characteristic UUID (4.8.2) in [start, end]: the handle-value
 * pairs of the response; walk them with bh_gattc_result_pair(). */
int bh_gattc_read_by_uuid(struct bh_gattc *c, uint16_t start, uint16_t end, const bh_uuid *uuid,
			  bh_gattc_cb cb, void *ctx);
/* Read Multiple (4.8.4): res->value is the concatenated values. 2..32 handles. */
int bh_gattc_read_multiple(struct bh_gattc *c, const uint16_t *handles, unsigned n,
			   bh_gattc_cb cb, void *ctx);
/* Read Multiple Variable Length (4.8.5): walk with bh_gattc_result_tuple().
 * 2..32 handles. */
int bh_gattc_read_multiple_var(struct bh_gattc *c, const uint16_t *handles, unsigned n,
			       bh_gattc_cb cb, void *ctx);

/* Number of pairs/tuples in a read-by-UUID / read-multiple-variable result,
 * and the i-th one (false when i is out of range). A last tuple truncated by
 * the MTU yields the octets present. */
unsigned bh_gattc_result_pairs(const struct bh_gattc_result *res);
bool bh_gattc_result_pair(const struct bh_gattc_result *res, unsigned i, uint16_t *handle,
			  const uint8_t **value, size_t *len);
unsigned bh_gattc_result_tuples(const struct bh_gattc_result *res);
bool bh_gattc_result_tuple(const struct bh_gattc_result *res, unsigned i, const uint8_t **value,
			   size_t *len);

/* Write (4.9.3): a Write Request when len <= ATT_MTU-3, else the long
 * write below. len <= 512. */
int bh_gattc_write(struct bh_gattc *c, uint16_t handle, const uint8_t *value, size_t len,
		   bh_gattc_cb cb, void *ctx);
/* Write Long (4.9.4): Prepare Write per segment, each response checked to
 * echo handle, offset and value exactly (else Execute Write flags 0 and
 * BH_EPROTO), then Execute Write flags 1. len 1..512. */
int bh_gattc_write_long(struct bh_gattc *c, uint16_t handle, const uint8_t *value, size_t len,
			bh_gattc_cb cb, void *ctx);
/* Reliable Writes (4.9.5): every item prepared (checked as above), then one
 * Execute Write. At most 8 items, 512 octets in all. */
struct bh_gattc_write_item {
	uint16_t handle;
	const uint8_t *value;
	size_t len;
};
int bh_gattc_write_reliable(struct bh_gattc *c, const struct bh_gattc_write_item *items,
			    unsigned n, bh_gattc_cb cb, void *ctx);
/* Write Without Response (4.9.1): sent now, not queued behind requests.
 * 0, BH_EBUSY (no room: retry on can-send), BH_ENOSPACE (len > MTU-3),
 * BH_EDISCONNECTED. */
int bh_gattc_write_cmd(struct bh_gattc *c, uint16_t handle, const uint8_t *value, size_t len);
/* Signed Write Without Response (4.9.2): len <= MTU-15. Errors as above,
 * plus BH_ENOTSUP (no sign port) and the sign port's error. A build with
 * -Dsigned_write=false returns BH_ENOTSUP (logged with the option) before
 * any other check, and sends nothing. */
int bh_gattc_write_signed(struct bh_gattc *c, uint16_t handle, const uint8_t *value, size_t len);

/* Exchange MTU (4.3.1): the bearer adopts the result; res->handle = the MTU. */
int bh_gattc_exchange_mtu(struct bh_gattc *c, uint16_t mtu, bh_gattc_cb cb, void *ctx);

/* Client Supported Features (Vol 3, Part G, 7.2): what this client
 * understands, written into the server's characteristic (0x2B29). */
enum {
	BH_GATTC_CSF_ROBUST_CACHING = 0x01,
	BH_GATTC_CSF_EATT = 0x02,
	BH_GATTC_CSF_MULT_NTF = 0x04, /* Multiple Handle Value Notifications */
};
/* Finds the characteristic (Read By Type over the whole database, no
 * discovery needed), then writes it with `bits` added to what it holds
 * (a server never lets a client clear a bit). res->handle is the
 * characteristic's value handle. BH_ENOTSUP: the server has none
 * (Attribute Not Found); BH_EBUSY: a previous call is still running;
 * BH_EINVAL: no bits, or bits beyond those above. */
int bh_gattc_set_client_features(struct bh_gattc *c, uint8_t bits, bh_gattc_cb cb, void *ctx);

/* Subscriptions (4.10, 4.11). */
enum {
	BH_GATTC_NOTIFY = 0x0001,   /* CCCD bit: notifications */
	BH_GATTC_INDICATE = 0x0002, /* CCCD bit: indications */
};
/* Writes the characteristic's CCCD (found by discovery) with `what` and
 * routes its notifications/indications to ncb from now on (so none racing
 * the write response are lost; if the write fails the route is removed).
 * BH_ENOTFOUND: no such characteristic value handle in the tree;
 * BH_ENOTSUP: no CCCD, or the property for `what` is missing;
 * BH_ENOMEM: subscription table or op pool full. */
int bh_gattc_subscribe(struct bh_gattc *c, uint16_t value_handle, uint16_t what,
		       bh_gattc_notify_cb ncb, void *nctx, bh_gattc_cb cb, void *ctx);
/* Stops routing to the subscriber now and writes 0 to the CCCD. */
int bh_gattc_unsubscribe(struct bh_gattc *c, uint16_t value_handle, bh_gattc_cb cb, void *ctx);

/* ---- Cache (2.5.2) -------------------------------------------------------- */
/* Built with -Dgatt_caching=false there is no cache: export gives 0 (size
 * 0), import returns BH_ENOTSUP, and validate_cache always discovers again
 * (res->rediscovered true). The Database Hash is still read by discovery. */

/* The size bh_gattc_export needs for the current tree. */
size_t bh_gattc_export_size(const struct bh_gattc *c);
/* Serialises the tree (and the Database Hash when known) into out, with a
 * checksum. Returns the blob length, or 0 (nothing written) when cap is too
 * small. */
size_t bh_gattc_export(const struct bh_gattc *c, uint8_t *out, size_t cap);
/* Replaces the tree with a blob from bh_gattc_export. BH_ECORRUPT when it
 * fails its integrity or consistency checks (the tree is then left
 * unchanged), BH_ENOSPACE when it exceeds the configured capacity,
 * BH_ESTATE while an operation is running. */
int bh_gattc_import(struct bh_gattc *c, const uint8_t *blob, size_t len);
/* Whether a Database Hash is known, and its value (wire order). */
bool bh_gattc_db_hash(const struct bh_gattc *c, uint8_t out[16]);
/* Checks an imported cache against the peer: reads the Database Hash
 * (Read By Type 0x2B2A); equal to the cached one: keep the tree
 * (res->rediscovered false). Different, no cached hash or an empty tree:
 * full discovery (flags as bh_gattc_discover, no allow-list). The peer has no
 * hash: keep the tree if it holds Service Changed (a bonded peer indicates
 * changes), else re-discover. */
int bh_gattc_validate_cache(struct bh_gattc *c, unsigned flags, bh_gattc_cb cb, void *ctx);

#endif
