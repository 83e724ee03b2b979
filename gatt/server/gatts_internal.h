/* GATT server internals shared by the files of gatt/server/. Not installed. */
#ifndef BH_GATTS_INTERNAL_H
#define BH_GATTS_INTERNAL_H

#include <blehost/att.h>
#include <blehost/bh_bytes.h>
#include <blehost/gatt_server.h>

/* -Dsigned_write=false (BH_GATTS_NO_SIGNED_WRITE): a peer's Signed Write
 * Command is ignored as any unsupported command is (Vol 3, Part F, 3.3),
 * and a database cannot declare the property it could not serve. */
#ifdef BH_GATTS_NO_SIGNED_WRITE
#define GATTS_SIGNED_WRITE 0
#else
#define GATTS_SIGNED_WRITE 1
#endif

/* GATT attribute types (Vol 3, Part G, 3.4 and Assigned Numbers). */
#define GATTS_UUID_PRIMARY 0x2800
#define GATTS_UUID_SECONDARY 0x2801
#define GATTS_UUID_INCLUDE 0x2802
#define GATTS_UUID_CHR 0x2803
#define GATTS_UUID_EXT_PROPS 0x2900
#define GATTS_UUID_USER_DESC 0x2901
#define GATTS_UUID_CCCD 0x2902
#define GATTS_UUID_SCCD 0x2903
#define GATTS_UUID_FORMAT 0x2904
#define GATTS_UUID_AGG_FORMAT 0x2905
#define GATTS_UUID_GAP 0x1800
#define GATTS_UUID_GATT 0x1801
#define GATTS_UUID_DEVICE_NAME 0x2a00
#define GATTS_UUID_APPEARANCE 0x2a01
#define GATTS_UUID_PPCP 0x2a04
#define GATTS_UUID_SVC_CHANGED 0x2a05
#define GATTS_UUID_CSF 0x2b29
#define GATTS_UUID_DB_HASH 0x2b2a

#define GATTS_CSF_ROBUST_CACHING 0x01
#define GATTS_CSF_MULT_NTF 0x04 /* Multiple Handle Value Notifications */
#define GATTS_CSF_KNOWN_BITS 0x07 /* robust caching, EATT, multiple notifications */

/* A client's view of the database (Vol 3, Part G, 2.5.2.1). */
enum gatts_cache {
	GATTS_AWARE,            /* its cache, if any, matches the database */
	GATTS_UNAWARE,          /* the database changed since it looked */
	GATTS_UNAWARE_HASH_READ, /* read the hash: its next request makes it aware */
	GATTS_UNAWARE_TOLD,     /* got Database Out Of Sync: likewise */
};
const char *gatts_cache_str(enum gatts_cache c);

/* How an attribute's value is produced. */
enum gatts_kind {
	GATTS_K_DECL,     /* fixed bytes in val: service/include/chr decl, ext props, format */
	GATTS_K_VALUE,    /* characteristic value or custom descriptor (stack or callbacks) */
	GATTS_K_CCCD,     /* per connection */
	GATTS_K_CSF,      /* Client Supported Features, per connection */
	GATTS_K_DB_HASH,  /* computed */
	GATTS_K_SCCD,     /* Server Characteristic Configuration: one for all clients */
};
const char *gatts_kind_str(enum gatts_kind k);

struct gatts_attr {
	uint16_t handle;
	uint16_t end;       /* service declarations: last handle of the group */
	uint16_t chr_value; /* decl, descriptors, value: the characteristic's value handle */
	uint16_t cccd;      /* characteristic values: their CCCD's handle, 0 if none */
	bh_uuid type;
	uint8_t kind; /* enum gatts_kind */
	uint8_t props;
	uint16_t ext_props;
	uint16_t read_perm, write_perm;
	bool fixed_len;
	uint16_t len, max_len;
	uint8_t *val; /* owned; max_len octets */
	bh_gatt_read_fn read;
	bh_gatt_write_fn write;
	bh_gatt_authorize_fn authorize;
	void *user;
	const void *def; /* definition address, compared only */
};

struct gatts_cccd {
	uint16_t handle; /* the CCCD's handle */
	uint16_t value;
};

struct gatts_prep {
	uint16_t handle, offset, len;
	uint8_t data[BH_ATT_MAX_MTU - 5];
};

struct gatts_conn {
	bool used;
	uint16_t conn;
	struct gatts_cccd *cccd; /* max_cccds */
	unsigned ncccd;
	uint8_t csf;
	/* Robust caching (Vol 3, Part G, 2.5.2.1). */
	uint8_t cache; /* enum gatts_cache */
	/* One indication outstanding at a time. */
	bool ind_pending;
	bool ind_is_sc; /* it is a Service Changed indication */
	uint16_t ind_handle;
	/* A Service Changed range waiting for the outstanding indication. */
	bool sc_waiting;
	/* port.notify said BH_GATTS_NOW_FULL; cleared by bh_gatts_can_send. */
	bool ntf_full;
	uint16_t sc_start, sc_end;
	struct gatts_prep *prep; /* prepare_queue entries */
	unsigned nprep;
};

/* The members every request uses first and the large buffers last, so
 * that most sit at small offsets, which most instruction sets encode
 * shorter (x86-64: one octet below 128, four from there on). */
struct bh_gatts {
	struct gatts_attr *attrs; /* sorted by handle */
	size_t nattrs, cap;
	struct gatts_conn *conns;
	bool in_request; /* the database must not move under a handler */
	bool any_connected; /* Service Changed only matters once a client saw the DB */
	bool hash_stale;  /* the database changed since hash was computed */
	uint16_t gap_end, gatt_start, gatt_end; /* the built-in services */
	uint16_t sc_handle, hash_handle;
	const struct bh_env *env;
	struct bh_gatts_config cfg;
	struct bh_gatts_port port;
	struct bh_gatts_events ev;
	uint8_t hash[16]; /* MSO first; read it through gatts_hash() */
	uint8_t *hash_msg; /* the hashed concatenation, reserved before a change commits */
	size_t hash_cap;
	uint8_t scratch[BH_ATT_MAX_MTU]; /* response under construction */
	uint8_t ntf_buf[BH_ATT_MAX_VALUE]; /* callback value for notify/indicate */
};

/* ---- gatts_db.c ---- */
struct gatts_attr *gatts_find(const struct bh_gatts *s, uint16_t handle);
/* Index of the first attribute with handle >= h (nattrs if none). */
size_t gatts_lower_bound(const struct bh_gatts *s, uint16_t h);
int32_t gatts_type16(const struct gatts_attr *a);
bool gatts_type_eq16(const struct gatts_attr *a, uint16_t t);
/* After a change: the hash is computed again when first needed (a read of
 * the Database Hash characteristic, a bond blob, bh_gatts_db_hash), so
 * building a database does not pay for AES-CMAC, and start-up does not load
 * libcrypto's providers for it. */
void gatts_invalidate_hash(struct bh_gatts *s);
/* Sets each value's cccd after a change (notify looks it up per packet). */
void gatts_index_cccds(struct bh_gatts *s);
/* The hash, computed first if stale; NULL (and *why, if given, the
 * failure) when it cannot be computed: callers must then act as if no hash
 * matched. */
const uint8_t *gatts_hash(const struct bh_gatts *s, bh_status *why);
/* Grows the hash buffer to hold the current database plus extra octets. */
bh_status gatts_reserve_hash(struct bh_gatts *s, size_t extra);
size_t gatts_hash_bytes(const struct gatts_attr *a);
bh_status gatts_add_builtin(struct bh_gatts *s);
void gatts_db_free(struct bh_gatts *s);

/* ---- gatts_access.c ---- */
/* NULL when s is NULL or has no such connection. */
struct gatts_conn *gatts_conn_find(const struct bh_gatts *s, uint16_t conn);
/* 0 when allowed, else the ATT error code. */
uint8_t gatts_check_read(struct bh_gatts *s, uint16_t conn, const struct gatts_attr *a);
uint8_t gatts_check_write(struct bh_gatts *s, uint16_t conn, const struct gatts_attr *a,
			  bool signed_ok, bool signed_mitm);
/* Reads the value from offset into buf (cap octets); 0 or an ATT error. */
uint8_t gatts_read_value(struct bh_gatts *s, uint16_t conn, struct gatts_attr *a, uint16_t offset,
			 uint8_t *buf, size_t cap, size_t *len);
/* Writes value at offset; 0 or an ATT error. */
uint8_t gatts_write_value(struct bh_gatts *s, uint16_t conn, struct gatts_attr *a, uint16_t offset,
			  const uint8_t *value, size_t len, unsigned flags);
uint16_t gatts_cccd_get(const struct gatts_conn *c, uint16_t cccd_handle);
uint16_t gatts_mtu(struct bh_gatts *s, uint16_t conn);
void gatts_respond(struct bh_gatts *s, uint16_t conn, const uint8_t *pdu, size_t len);
void gatts_error(struct bh_gatts *s, uint16_t conn, uint8_t op, uint16_t handle, uint8_t code);

/* ---- gatts_conn.c ---- */
void gatts_db_changed(struct bh_gatts *s, uint16_t start, uint16_t end);

/* ---- request handlers: gatts_find.c, gatts_rw.c ----
 * gatts_read_by_type also takes Read By Group Type, gatts_read Read Blob.
 * A handler returns 0 or the ATT error code to answer with; bh_gatts_on_pdu
 * sends the answer: the Error Response naming q->handle (set beforehand to
 * the request's first 16-bit field: its range's start, or the handle it
 * reads or writes), or the response the handler built in s->scratch
 * (q->rsp_len octets, of which the dispatcher writes the first, the
 * opcode; 0 for commands, which get none). */
struct gatts_req {
	const uint8_t *raw; /* the request as received */
	size_t raw_len;
	size_t rsp_len;
	uint16_t handle;
};
typedef uint8_t gatts_handler(struct bh_gatts *s, struct gatts_conn *c, const struct bh_att_pdu *p,
			      struct gatts_req *q);
gatts_handler gatts_find_info, gatts_find_by_type, gatts_read_by_type, gatts_read, gatts_read_mult,
	gatts_write_req, gatts_write_cmd, gatts_signed_write, gatts_prep_write, gatts_exec_write;

/* gatts_conn.c: port.notify for c; BH_GATTS_NOW_FULL sets c->ntf_full and
 * counts as sent. */
int gatts_port_notify(struct bh_gatts *s, struct gatts_conn *c, uint16_t handle,
		      const void *value, size_t len, bool *truncated);
/* gatts_conn.c: the value a notification of handle carries (stack-held,
 * given, or from the read callback into s->ntf_buf), and the attribute. */
bh_status gatts_ntf_value(struct bh_gatts *s, uint16_t conn, uint16_t handle, const void **value,
			  size_t *len, struct gatts_attr **out);

#endif
