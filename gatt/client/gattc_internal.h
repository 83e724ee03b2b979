/* GATT client internals shared by gattc.c (engine), gattc_disc.c (tree and
 * discovery), gattc_rw.c (reads and writes), gattc_cache.c (cache) and
 * gattc_resub.c (re-subscription), or gattc_cache_off.c in their place. */
#ifndef BH_GATTC_INTERNAL_H
#define BH_GATTC_INTERNAL_H

#include <blehost/bh_bytes.h>
#include <blehost/bh_pool.h>
#include <blehost/gatt_client.h>

/* -Dsigned_write=false (BH_GATTC_NO_SIGNED_WRITE): bh_gattc_write_signed
 * refuses before building anything, and the compiler drops the rest. */
#ifdef BH_GATTC_NO_SIGNED_WRITE
#define GATTC_SIGNED_WRITE 0
#else
#define GATTC_SIGNED_WRITE 1
#endif

#define GATTC_MAX_ALLOW 16
#define GATTC_MAX_ITEMS 8
#define GATTC_MAX_MULT 32

enum gattc_op_kind {
	OP_DISCOVER,
	OP_READ,
	OP_READ_LONG,
	OP_READ_UUID,
	OP_READ_MULT,
	OP_READ_MULT_VAR,
	OP_WRITE,
	OP_WRITE_PREP, /* long and reliable writes */
	OP_MTU,
	OP_VALIDATE,
};
const char *gattc_op_kind_str(int kind);

enum gattc_op_state {
	OPS_QUEUED,
	OPS_RUNNING,      /* between steps: no request outstanding */
	OPS_WAIT_RSP,     /* a request is with the port */
	OPS_WAIT_SECURITY, /* the port is raising security */
};
const char *gattc_op_state_str(int state);

/* What a discovery op does. */
enum gattc_disc_what {
	DISC_FULL,       /* replace the tree */
	DISC_RANGE,      /* Service Changed: re-discover [lo, hi] */
	DISC_SERVICES,   /* all primary services only (replace) */
	DISC_SVC_UUID,   /* primary service by UUID (add) */
	DISC_INCLUDES,   /* includes of one service */
	DISC_CHRS,       /* characteristics of one service, optional UUID filter */
	DISC_DESCS,      /* descriptors of one characteristic */
};

enum gattc_disc_phase {
	PH_SVC,
	PH_SVC_UUID,
	PH_INCL,
	PH_INCL_UUID,
	PH_CHR,
	PH_DESC,
	PH_HASH,
	PH_DONE,
};
const char *gattc_disc_phase_str(int phase);

struct gattc_disc {
	uint8_t what, phase;
	unsigned flags;
	uint16_t lo, hi;      /* overall range */
	uint16_t cur;         /* next start handle in the current range */
	uint16_t range_end;   /* end of the current range */
	unsigned idx;         /* service/include/characteristic cursor */
	int last_chr;         /* chrs[] index of the last characteristic added, -1 */
	bh_uuid filter;
	bool has_filter;
	unsigned n_allow;
	bool hash_known;      /* validate: the hash read before re-discovery */
	bool rediscovered;
	/* The arrays last, here and in gattc_wr and gattc_op: the fields each
	 * step reads then sit at small offsets, which most instruction sets
	 * encode shorter (x86-64: one octet below 128, four from there on). */
	uint8_t hash[16];
	bh_uuid allow[GATTC_MAX_ALLOW];
};

struct gattc_item {
	uint16_t handle;
	uint16_t off; /* into op->buf */
	uint16_t len;
};

struct gattc_wr {
	unsigned n_items;
	unsigned item;      /* current item */
	uint16_t offset;    /* within the current item */
	uint16_t seg_len;   /* length of the outstanding prepare */
	bool prepared;      /* the server holds prepared values */
	bool executing;     /* Execute Write (flags 1) outstanding */
	bool cancelling;    /* Execute Write (flags 0) outstanding */
	bh_status final;    /* status to report after cancelling */
	uint16_t err_handle;
	bool is_cccd;       /* subscribe/unsubscribe */
	uint16_t sub_handle;
	bh_gattc_notify_cb sub_cb;
	void *sub_ctx;
	struct gattc_item items[GATTC_MAX_ITEMS];
};

struct gattc_op {
	struct gattc_op *next;
	struct bh_gattc *c;
	uint8_t kind, state;
	bool sec_retried;
	uint8_t sec_code;
	uint16_t sec_handle;
	bh_gattc_cb cb;
	void *ctx;
	size_t req_len;
	uint16_t handle;    /* read/write target */
	uint16_t start, end; /* read-by-UUID range */
	uint16_t mtu;       /* MTU exchange: what we offered */
	unsigned n_handles; /* read multiple */
	size_t buf_len;
	union {
		struct gattc_disc d;
		struct gattc_wr w;
	} u;
	bh_uuid uuid;       /* read-by-UUID type; after u, which every step reads */
	uint8_t req[BH_ATT_MAX_MTU];
	/* Last: an op's block holds only the part of buf its kind uses
	 * (gattc_op_new's buf_need), so the block a link's discovery made is
	 * not 512 bytes larger for a value it never holds. */
	uint8_t buf[BH_ATT_MAX_VALUE];
};
/* Bytes of buf every block has at least: small writes (a CCCD, a
 * command-sized value) fit the block made by the link's first op. */
#define GATTC_BUF_MIN 32

/* Tree entries with the bookkeeping callers do not see. */
struct gattc_svc {
	struct bh_gattc_service pub;
	bool fresh; /* found by the running discovery: its contents are next */
};
struct gattc_chr {
	struct bh_gattc_chr pub;
	bool fresh;
};

struct gattc_sub {
	uint16_t value_handle;
	uint16_t what; /* the CCCD value written */
	bh_gattc_notify_cb cb;
	void *ctx;
};

/* The members the engine and discovery use most come first and the large
 * ones (env, port, events, configuration, pool, statistics, allow-list)
 * last, so that most sit at small offsets (see struct gattc_disc). */
struct bh_gattc {
	struct gattc_op *cur;              /* the running operation */
	struct gattc_op *head, *tail;      /* queued, not started */
	bool kicking;
	bool connected;
	bool dead;                          /* the bearer timed out */
	bool disc_reported;
	struct gattc_op *sec_op;           /* waiting for raise_security */
	int cleanup_token;                 /* cbctx of fire-and-forget requests */

	/* The tree's arrays grow as discovery fills them (gattc_reserve), up
	 * to the configured maxima; cap_* is what each holds now. */
	struct gattc_svc *svcs;
	unsigned n_svcs, cap_svcs;
	struct gattc_chr *chrs;
	unsigned n_chrs, cap_chrs;
	struct bh_gattc_desc *descs;
	unsigned n_descs, cap_descs;
	struct bh_gattc_include *incls;
	unsigned n_incls, cap_incls;
	/* Grown as the app subscribes (gattc_reserve, up to max_subscriptions):
	 * most links subscribe to a few values, not to the maximum. */
	struct gattc_sub *subs;
	unsigned n_subs, cap_subs;
	bool has_hash;
	uint8_t hash[16];
	unsigned disc_flags; /* flags of the last full discovery, for re-discovery */
	unsigned n_allow;
	/* A result value outliving its op: only a long read's lives in its op
	 * (op->buf), so the link's first bh_gattc_read_long makes this
	 * (BH_ATT_MAX_VALUE bytes) and it is kept; most links never need it. */
	uint8_t *res_buf;
	/* gattc_resub.c; max_subscriptions entries, made by the link's first
	 * Service Changed (most links never see one) and kept: pending
	 * re-subscription writes point into it, so it never moves. */
	struct gattc_resub *resub;
	struct {                   /* gattc_features.c: one write at a time */
		bool busy;
		uint8_t bits;
		bh_gattc_cb cb;
		void *ctx;
	} csf;

	struct bh_env env;
	struct bh_gattc_port port;
	struct bh_gattc_events ev;
	struct bh_gattc_config cfg;
	struct bh_pool ops;
	struct bh_gattc_stats stats;
	bh_uuid allow[GATTC_MAX_ALLOW]; /* the last full discovery's allow-list */
};

/* Engine (gattc.c). */
/* A queued-to-be op whose buf holds buf_need bytes (at most
 * BH_ATT_MAX_VALUE): reads of a long value need all of it, writes their
 * value, read multiple its handles, the rest none. Fields before buf are
 * zeroed; NULL with *err BH_ENOMEM (pool exhausted, or no memory to make
 * or grow a block), or the client's state. */
struct gattc_op *gattc_op_new(struct bh_gattc *c, uint8_t kind, size_t buf_need, bh_gattc_cb cb,
			      void *ctx, int *err);
/* Appends to the queue and starts it when the client is idle. */
void gattc_op_submit(struct gattc_op *op);
/* Sends op->req (req_len), expecting its response opcode; tail call: op
 * may be gone. */
void gattc_send(struct gattc_op *op);
/* Sends opcode, start, end, then type16 when >= 0 and value (as
 * gattc_uuid_wire puts it) when not NULL: the handle-range requests. */
void gattc_send_range(struct gattc_op *op, uint8_t opcode, uint16_t start, uint16_t end,
		      int32_t type16, const bh_uuid *value);
/* Sends a Read Request for handle. */
void gattc_send_read(struct gattc_op *op, uint16_t handle);
/* Completes the running op; tail call. res may be NULL. */
void gattc_complete(struct gattc_op *op, bh_status st, const struct bh_gattc_result *res);
/* Sends a request whose answer nobody waits for (Execute Write cancel). */
void gattc_send_cleanup(struct bh_gattc *c, const uint8_t *pdu, size_t len);
int gattc_can_start(const struct bh_gattc *c);
uint16_t gattc_mtu(const struct bh_gattc *c);
void gattc_sub_remove(struct bh_gattc *c, uint16_t value_handle, bh_gattc_notify_cb cb,
		      void *ctx);

/* Per-kind handlers: start, and a response (status BH_OK with the decoded
 * PDU of the expected opcode, BH_ATT_ERROR(code) with the decoded Error
 * Response, or another error with pdu NULL). */
void gattc_disc_start(struct gattc_op *op);
void gattc_disc_rsp(struct gattc_op *op, bh_status st, const struct bh_att_pdu *pdu);
void gattc_rw_start(struct gattc_op *op);
void gattc_rw_rsp(struct gattc_op *op, bh_status st, const struct bh_att_pdu *pdu);
void gattc_validate_start(struct gattc_op *op);
void gattc_validate_rsp(struct gattc_op *op, bh_status st, const struct bh_att_pdu *pdu);
/* A running op is being torn down (cancel/disconnect): write ops send the
 * Execute Write cancel when the server holds prepared values. */
void gattc_rw_abort(struct gattc_op *op);
/* A discovery op ends (any status): the tree is made consistent again. */
void gattc_disc_finish(struct gattc_op *op, bh_status st);

/* Tree (gattc_disc.c). */
void gattc_tree_reindex(struct bh_gattc *c);
void gattc_tree_clear(struct bh_gattc *c);
const struct gattc_chr *gattc_find_chr16(const struct bh_gattc *c, uint16_t uuid16);
/* Makes room for `need` entries of `size` bytes in *arr (capacity *cap),
 * growing it geometrically (from 8) but never past max: BH_OK, BH_ENOSPACE
 * past max (the limit as configured), BH_ENOMEM when memory runs out (the
 * array is then unchanged). */
int gattc_reserve(void **arr, unsigned *cap, unsigned need, unsigned max, size_t size);
/* The tree's arrays and the subscription table. Each is a pointer followed
 * by its count and capacity in struct bh_gattc: a gattc_vec (gattc.c
 * asserts it). */
enum { GATTC_SVCS, GATTC_CHRS, GATTC_DESCS, GATTC_INCLS, GATTC_SUBS };
struct gattc_vec {
	void *p;
	unsigned n, cap;
};
/* Array `which` of c, and in *size the size of its entries. */
struct gattc_vec *gattc_vec(struct bh_gattc *c, unsigned which, size_t *size);
/* Appends a zeroed entry to array `which` (gattc_reserve's limits) and
 * returns it, or NULL with *rc set to gattc_reserve's error. */
void *gattc_add(struct bh_gattc *c, unsigned which, int *rc);
/* Starts a Service Changed re-discovery of [lo, hi] (gattc_cache.c). */
void gattc_service_changed(struct bh_gattc *c, const uint8_t *value, size_t len);
/* Converts an op into a full discovery and starts it (validate mismatch). */
void gattc_disc_begin_full(struct gattc_op *op, unsigned flags);

/* Re-subscription after Service Changed (gattc_resub.c). A subscription
 * is known by its service UUID and characteristic UUID (and their order
 * among equals), since its handles may have moved. Built with
 * -Dgatt_caching=false (gattc_cache_off.c) there is no re-subscription:
 * collect only unroutes the subscriptions in the range (callback NULL,
 * which no live subscription has) and apply drops and reports each. */
struct gattc_resub {
	struct bh_gattc *c;
	bool used, writing;
	bh_uuid svc_uuid, chr_uuid;
	uint16_t svc_nth, chr_nth;
	uint16_t old_handle, new_handle, what;
	bh_gattc_notify_cb cb;
	void *ctx;
};
/* Before [lo, hi] is dropped from the tree: subscriptions inside it leave
 * the routing table and wait, known by UUID. */
void gattc_resub_collect(struct bh_gattc *c, uint16_t lo, uint16_t hi);
/* After the re-discovery: each waiting subscription is found again and its
 * CCCD written (events.resubscribed reports each); a failed re-discovery
 * reports its status for each. */
void gattc_resub_apply(struct bh_gattc *c, bh_status disc_status);
/* Makes the re-subscription records if the link has none yet: BH_OK or
 * BH_ENOMEM. */
int gattc_resub_reserve(struct bh_gattc *c);
/* (gattc.c) A Service Changed that cannot be followed (no memory, or no
 * re-subscription in this build): each subscription inside [lo, hi] leaves
 * the routing table (its handle may now name another attribute) and is
 * reported lost with st (events.resubscribed, new handle 0). */
void gattc_resub_drop(struct bh_gattc *c, uint16_t lo, uint16_t hi, bh_status st);

/* The wire form of a UUID: 2 octets when on the Base UUID, else 16. */
size_t gattc_uuid_wire(const bh_uuid *u, uint8_t out[16]);

#endif
