/* GAP internals shared by gap.c (object, command queue, events, timers,
 * addresses), gap_scan.c, gap_adv.c and gap_conn.c. Not installed. */
#ifndef BH_GAP_INTERNAL_H
#define BH_GAP_INTERNAL_H

#include <blehost/gap.h>

#include <blehost/bh_bytes.h>

/* Which procedure a queued command belongs to, so a failed step can drop
 * the rest of its own sequence without touching anyone else's. */
enum gap_proc { PROC_ADDR = 1, PROC_SCAN, PROC_ADV, PROC_CONN, PROC_MISC };

typedef void (*gap_done_fn)(struct bh_gap *gap, bh_status st, const uint8_t *ret, size_t len,
			    uintptr_t arg);

struct gap_cmd {
	uint16_t opcode;
	uint8_t len;
	uint8_t proc;
	gap_done_fn done;
	uintptr_t arg;
	uint8_t params[255];
};

#define GAP_CMDQ 48 /* a 1650-byte set with periodic data queues ~30 */
#define GAP_CMDQ_MIN 4 /* the ring's first size */

enum gap_scan_state { SCAN_IDLE, SCAN_STARTING, SCAN_ON, SCAN_STOPPING };
enum gap_adv_state { ADV_IDLE, ADV_STARTING, ADV_ON, ADV_STOPPING };
enum gap_init_state { INIT_IDLE, INIT_MATCHING, INIT_CREATING };
const char *gap_scan_state_str(enum gap_scan_state s);
const char *gap_adv_state_str(enum gap_adv_state s);
const char *gap_init_state_str(enum gap_init_state s);

/* A copy of a caller's scan filter in owned storage. */
struct gap_filter {
	bool set;
	bh_uuid uuids[8];
	size_t n_uuids;
	char name[32];
	bool has_name;
	bool use_min_rssi;
	int8_t min_rssi;
	bool has_addr;
	bool addr_any_type;
	bh_addr addr;
	uint8_t prefixes[64];
	size_t prefixes_len;
	bool prefix_all;
};

struct gap_seen {
	bool used;
	uint64_t stamp; /* for evicting the least recently updated entry */
	struct bh_gap_device dev;
	uint8_t *adv;   /* scan_data_max bytes each */
	uint8_t *rsp;
};

/* One extended-report chain being reassembled (per address and SID). */
struct gap_frag {
	bool used;
	bh_addr addr;
	uint8_t sid;
	bool scan_rsp;
	uint64_t stamp;
	bh_time_ms last;  /* when its latest fragment came */
	size_t len;       /* bytes kept in buf */
	size_t total;     /* bytes the chain carried so far */
	bool clipped;
	uint8_t *buf; /* scan_data_max bytes */
};

/* A chain given up (its slot was needed, or it went quiet): the rest of it,
 * should it still come, must not pass for a whole report. */
struct gap_dead_chain {
	bool used;
	bh_addr addr;
	uint8_t sid;
	bool scan_rsp;
	bh_time_ms at;
};

struct gap_conn_slot {
	bool used;
	bool from_adv;    /* peripheral link created by our advertising */
	uint8_t csa;      /* Channel Selection Algorithm + 1, 0 = not reported */
	uint8_t adv_handle; /* set that created it + 1, 0 = none */
	bool local_ctrl;  /* c.local is the controller's Local RPA (7.7.65.10) */
	bool upd_pending;
	bh_gap_done_cb upd_cb;
	void *upd_ctx;
	struct bh_gap_conn c;
};

/* A caller's completion for an accept-list command. */
struct gap_misc {
	bool used;
	bh_gap_done_cb cb;
	void *ctx;
};
#define GAP_MISC 8

/* One advertising set of bh_gap_adv_set_start (handle = index + 1). */
struct gap_adv_set {
	enum gap_adv_state state;
	struct bh_gap_adv_set_params p;  /* data pointers into the buffers below */
	struct bh_gap_periodic_params per;
	uint8_t *data, *rsp, *per_data;  /* BH_AD_EXT_MAX each, allocated on first use */
	bh_gap_done_cb cb;
	void *cb_ctx;
	bh_addr own;
	bool legacy; /* fell back to bh_gap_adv_start (handle 0) */
	bool own_from_gap; /* own is a GAP RPA/NRPA: re-addressed at each rotation */
	bool readdr;  /* its re-addressing (disable, address, enable) is queued */
	bh_addr next; /* the address that re-addressing writes */
	/* own before the re-addressing under way: until its enable is
	 * answered, a link reported from the set came from this one (the
	 * connection took the set before the disable). After the host ended
	 * a run (late), that run's address. */
	bh_addr prev;
	/* A re-addressing's enable has gone out since the set started. A
	 * connection that took the set before a disable may be reported after
	 * that enable, which the controller then obeyed: a Terminated from
	 * here on is followed by a disable so the set is surely off. */
	bool reenabled;
	/* The host ended a run of this handle (a stop, a refused re-enable)
	 * and no Terminated has come since: one may still, reporting a
	 * connection or a Duration that ended that run just before its
	 * disable, and it cannot be told from the next run's own. A
	 * Terminated of the next run is followed by a disable as well. */
	bool late;
	uint8_t readdr_fails; /* refused re-addressings in a row */
	bh_time_ms until; /* when its Duration (timeout_ms) ends */
	uint32_t seq; /* start order, to tell which set is one too many */
};

/* One periodic advertising sync (established, or the pending create). */
struct gap_sync {
	bool used, established;
	uint16_t handle;
	struct bh_gap_sync_params p;
	uint8_t *buf; /* BH_AD_EXT_MAX, reassembly of Data_Status "more" */
	size_t len;
	bool clipped, dropping;
};
#define GAP_SYNCS 4

struct bh_gap {
	/* env, the command queue and the own address first, used by almost
	 * every function; the port and configuration after them, then each
	 * procedure's state, the largest members last: most instruction sets
	 * encode small offsets shorter (x86-64: one octet below 128, four from
	 * there on). */
	const struct bh_env *env;

	/* command queue: one command in flight at a time. A ring of q_cap
	 * entries made on first use, doubled up to GAP_CMDQ as a burst needs,
	 * and freed when GAP is idle (nothing queued, in flight or reserved by
	 * gap_cmd_reserve). */
	struct gap_cmd *q;
	unsigned q_head, q_len, q_cap;
	unsigned q_hold; /* reserved, not queued yet; released by the next
			    answer that comes from the loop */
	bool inflight;
	gap_done_fn inflight_done;
	uintptr_t inflight_arg;
	bool kicking;

	int ext; /* -1 undecided, 0 legacy, 1 extended */
	uint16_t ext_adv_max; /* 0 = not read yet */

	/* own address */
	enum bh_gap_own_addr own_kind;
	bh_addr rand_addr;   /* the random address in use, or the next one */
	bool rand_valid;     /* rand_addr generated (and never dropped) */
	bool rand_in_ctrl;   /* and written with LE Set Random Address */
	bh_time_ms rpa_deadline;
	bh_gap_done_cb addr_cb;
	void *addr_ctx;
	bool rotating;

	struct bh_gap_port port;
	struct bh_gap_config cfg;

	/* scanning */
	enum gap_scan_state scan_state;
	struct bh_gap_scan_params scan;
	struct gap_filter scan_filter;
	bh_status scan_stop_reason;
	bh_time_ms scan_deadline;
	bool scan_internal; /* run by connect_match */
	struct gap_seen *seen;
	unsigned n_seen_slots;
	struct gap_frag *frags;
	struct gap_dead_chain *dead; /* reassembly_slots entries */
	uint64_t stamp;
	struct bh_gap_stats stats;

	/* advertising */
	enum gap_adv_state adv_state;
	struct bh_gap_adv_params adv;
	/* Advertising and scan response data, one block made by the first
	 * bh_gap_adv_start and grown to what later ones give (a central that
	 * never advertises has none); adv_rsp points into it. */
	uint8_t *adv_data;
	uint8_t *adv_rsp;
	size_t adv_cap;
	bh_gap_done_cb adv_cb;
	void *adv_cb_ctx;
	bh_status adv_stop_reason;
	bh_time_ms adv_deadline;
	bool adv_has_params; /* a restartable copy is stored */
	bool adv_restarting; /* the start under way is restart_on_disconnect's */
	bh_addr adv_own;     /* handle 0's address, once the controller took it */
	/* A rotation's re-enable is queued or out (adv_readdr): a link reported
	 * meanwhile took handle 0 before the rotation's disable, from adv_prev.
	 * Once it has been answered (adv_reenabled), a connection or
	 * Terminated is followed by one more disable: the controller may have
	 * obeyed the re-enable after the connection took the advertising. */
	bh_addr adv_prev;
	bool adv_readdr;
	bool adv_reenabled;
	/* The host ended a run (a stop, its own timeout, a refused re-enable)
	 * and no connection or Terminated has come since: one may still,
	 * from just before that run's disable, and cannot be told from the
	 * next run's own, so that one is followed by a disable too. */
	bool adv_late;

	/* initiating */
	enum gap_init_state init_state;
	bh_addr init_peer;
	bool init_accept_list;
	struct bh_gap_conn_params init_params;
	bh_gap_connect_cb init_cb;
	void *init_ctx;
	bh_time_ms init_deadline;
	bh_status init_cancel_reason; /* 0 = not cancelling */
	bool init_cmd_sent;

	struct gap_conn_slot *conns;
	struct gap_misc misc[GAP_MISC];

	/* advertising sets (gap_adv_sets.c) */
	struct gap_adv_set sets[BH_GAP_ADV_SETS_MAX];
	uint8_t ctrl_num_sets; /* LE Read Number of Supported Advertising Sets, 0 = unread */
	uint32_t set_seq;
	bool num_reading; /* a set's start is reading the number of sets */
	bool clearing;
	bh_gap_done_cb clear_cb;
	void *clear_ctx;
	bh_gap_adv_limits_cb lim_cb;
	void *lim_ctx;

	/* periodic advertising sync (gap_periodic.c) */
	struct gap_sync syncs[GAP_SYNCS];
	int sync_pending; /* index of the slot whose Create Sync is pending, -1 none */
	bool sync_cancelling;

	/* rand_addr before a rotation, restored if the controller refuses
	 * the new one (it stays the one on the air). */
	bh_addr rand_old;
	/* When handle 0's timeout_ms ends (BH_NEVER: none), from its enable. */
	bh_time_ms adv_until;
	/* bh_gap_reset is running: its callbacks queue no command (cmd_grow). */
	bool resetting;
	/* bh_gap_free was called inside a reset: the reset frees at its end. */
	bool free_owed;
};

/* gap.c */
int gap_cmd(struct bh_gap *gap, uint8_t proc, uint16_t op, const void *p, size_t len,
	    gap_done_fn done, uintptr_t arg);
/* Makes sure the next n gap_cmd calls find room (a procedure queues its
 * commands all or none). Returns 0, BH_EBUSY (the queue's bound,
 * GAP_CMDQ, leaves fewer than n free) or BH_ENOMEM (the room could not be
 * made). */
int gap_cmd_reserve(struct bh_gap *gap, unsigned n);
/* Drops queued (not yet sent) commands of a procedure; returns how many. */
unsigned gap_cmd_drop(struct bh_gap *gap, uint8_t proc);
/* Is the command queued with (done, arg) sent and not answered yet? */
bool gap_cmd_in_flight(const struct bh_gap *gap, gap_done_fn done, uintptr_t arg);
/* That command's answer, when it comes, goes to no handler: it is of a run
 * that ended, and a run started since (from a callback) must not take it. */
void gap_cmd_disown(struct bh_gap *gap, gap_done_fn done, uintptr_t arg);
bool gap_supports(struct bh_gap *gap, uint16_t sup);
uint8_t gap_own_type(const struct bh_gap *gap);
/* Queues LE Set Random Address if own address is random and not yet in
 * the controller (or stale). Returns 0 or BH_ENOMEM / make_rpa's error. */
int gap_prepare_addr(struct bh_gap *gap, uint8_t proc);
int gap_new_random(struct bh_gap *gap, enum bh_gap_own_addr kind, bh_addr *out);
/* The GAP's own random address (rand_addr) made if there is none yet, with
 * its rotation clock started for an RPA or NRPA: every first user of it
 * (legacy or extended advertising, an advertising set, scanning,
 * connecting) comes here, so whoever makes it, it rotates. */
int gap_fresh_random(struct bh_gap *gap);
/* BH_LOGF under the layer name "gap": a level below -Dlog_level drops the
 * call. */
#define gap_log(gap, lvl, ...) BH_LOGF((gap)->env, (lvl), "gap", __VA_ARGS__)

/* One advertising PDU's worth of report, legacy or extended, reassembled. */
struct gap_report {
	bh_addr addr;
	bool connectable, scannable, directed, scan_rsp, legacy, truncated, clipped;
	int8_t rssi, tx_power;
	uint8_t sid, pphy, sphy;
	uint16_t periodic_interval;
	const uint8_t *data;
	size_t len;
};

/* gap_scan.c */
int gap_scan_init(struct bh_gap *gap);
void gap_scan_free(struct bh_gap *gap);
/* Into the seen-devices table, and to the caller when it is news. */
void gap_deliver(struct bh_gap *gap, const struct gap_report *r);
/* A peer's identity (*id) from the address it used: resolved by the
 * controller (types 2, 3) or by the host's IRKs (port.resolve_rpa), else the
 * address itself. Returns whether it was resolved. */
bool gap_identity(struct bh_gap *gap, const bh_addr *a, bh_addr *id);
void gap_scan_timeout(struct bh_gap *gap);
void gap_scan_reset(struct bh_gap *gap, bh_status reason);
/* Queues disable + enable around an address change while scanning. */
int gap_scan_queue_enable(struct bh_gap *gap, bool enable);
int gap_filter_copy(struct gap_filter *dst, const struct bh_gap_scan_filter *f);
bool gap_filter_match_int(const struct gap_filter *f, const struct bh_gap_device *dev);
int gap_scan_start_int(struct bh_gap *gap, const struct bh_gap_scan_params *p, bool internal);
/* Scan interval and window, scanning or initiating: 0 takes the default
 * (0x0060; 0x0030 or the interval if shorter); BH_EINVAL out of range. */
int gap_scan_timing(uint16_t *interval, uint16_t *window);
void gap_scan_stop_int(struct bh_gap *gap, bh_status reason);
/* A step of a start sequence queued by another file failed. */
void gap_scan_step_failed(struct bh_gap *gap, bh_status st);

/* gap_adv.c */
void gap_adv_on_conn(struct bh_gap *gap, struct gap_conn_slot *s);
void gap_adv_on_set_terminated(struct bh_gap *gap, const uint8_t *p, size_t len);
void gap_adv_on_directed_timeout(struct bh_gap *gap);
void gap_adv_on_disconnect(struct bh_gap *gap, bool from_adv);
void gap_adv_timeout(struct bh_gap *gap);
void gap_adv_reset(struct bh_gap *gap, bh_status reason);
int gap_adv_queue_enable(struct bh_gap *gap, bool enable);
bool gap_adv_directed(const struct bh_gap *gap);
void gap_adv_step_failed(struct bh_gap *gap, bh_status st);
/* The address a peripheral link from handle 0 came from: the one before a
 * rotation whose re-enable is not answered yet. */
void gap_adv_link_addr(const struct bh_gap *gap, bh_addr *out);

/* gap.c: extended command families, decided once per controller. Built
 * with -Dext_adv=false (BH_GAP_NO_EXT) every family is legacy on every
 * controller, as with force_legacy: the answers are constants, so the
 * compiler drops the extended paths, and the events only those paths make
 * the controller send are not dispatched (gap.c), so the linker drops
 * their handlers too. */
#ifdef BH_GAP_NO_EXT
static inline bool gap_ext_adv(struct bh_gap *gap)
{
	(void)gap;
	return false;
}
static inline bool gap_ext_scan(struct bh_gap *gap)
{
	(void)gap;
	return false;
}
static inline bool gap_ext_conn(struct bh_gap *gap)
{
	(void)gap;
	return false;
}
#else
bool gap_ext_adv(struct bh_gap *gap);
bool gap_ext_scan(struct bh_gap *gap);
bool gap_ext_conn(struct bh_gap *gap);
#endif

/* gap.c: with extended commands, a rotation's LE Set Random Address was
 * taken and handle 0's LE Set Advertising Set Random Address refused:
 * the old address is written back before anything queued (scanning and
 * initiating follow handle 0 again), and is GAP's once taken. Built
 * without extended advertising there is no such write to refuse. */
#ifdef BH_GAP_NO_EXT
static inline void gap_addr_write_back(struct bh_gap *gap) { (void)gap; }
#else
void gap_addr_write_back(struct bh_gap *gap);
#endif

/* gap.c: gives a pending completion its one answer (the slot is cleared
 * first: the callback may start something new). */
void gap_answer(bh_gap_done_cb *slot, void *ctx, bh_status st);

/* gap_adv_sets.c */
/* The procedure a set's commands are queued under (handle = index + 1). */
#define PROC_SET(i) ((uint8_t)(16 + (i)))
/* A running set ended without the caller asking: state idle, on_stopped. */
void gap_set_ended(struct bh_gap *gap, unsigned i, bh_status reason);
void gap_sets_on_terminated(struct bh_gap *gap, const uint8_t *p, size_t len);
void gap_sets_reset(struct bh_gap *gap, bh_status reason);
void gap_sets_free(struct bh_gap *gap);
/* Queues LE Set Extended Advertising / Scan Response / Periodic
 * Advertising Data for d[0..n), fragmented per 7.8.54 and 7.8.62. */
int gap_queue_adv_data(struct bh_gap *gap, uint8_t proc, uint16_t op, uint8_t handle,
		       const uint8_t *d, size_t n, gap_done_fn done, uintptr_t arg);
/* Is a set starting or running with an address of GAP's own address kind
 * (not one the application gave it)? bh_gap_set_own_address refuses then.
 * Built without extended advertising every set is handle 0's legacy one,
 * which the caller checks itself. */
#ifdef BH_GAP_NO_EXT
static inline bool gap_sets_own_from_gap(const struct bh_gap *gap)
{
	(void)gap;
	return false;
}
#else
bool gap_sets_own_from_gap(const struct bh_gap *gap);
#endif
/* A set's own address for a peripheral link it created (handle 1..): the
 * one before a re-addressing still under way. */
bool gap_sets_own(const struct bh_gap *gap, uint8_t handle, bh_addr *out);

/* The one set a peripheral link reported by an event that names no set
 * can have come from (handle 1..): handle 0 idle with no link of its owed,
 * and one connectable set on, stopping, or with a link of its owed; 0 when
 * that is not so. Built without extended advertising there are no such
 * sets. */
#ifdef BH_GAP_NO_EXT
static inline uint8_t gap_sets_sole_source(struct bh_gap *gap)
{
	(void)gap;
	return 0;
}
#else
uint8_t gap_sets_sole_source(struct bh_gap *gap);
#endif

/* A Connection Complete with Advertising Timeout (0x3C): ends each set
 * running high duty directed advertising. Built without extended
 * advertising the one set is handle 0's, which gap_adv.c ends. */
#ifdef BH_GAP_NO_EXT
static inline void gap_sets_on_directed_timeout(struct bh_gap *gap) { (void)gap; }
#else
void gap_sets_on_directed_timeout(struct bh_gap *gap);
#endif

/* gap_adv_sets_rpa.c: a rotation of the GAP's RPA/NRPA re-addresses the
 * running sets whose address came from GAP. Built without extended
 * advertising there are no such sets (a set is then handle 0's, which
 * gap.c rotates). */
#ifdef BH_GAP_NO_EXT
static inline bool gap_sets_rotation_busy(const struct bh_gap *gap)
{
	(void)gap;
	return false;
}
static inline unsigned gap_sets_to_readdress(const struct bh_gap *gap)
{
	(void)gap;
	return 0;
}
static inline void gap_sets_readdress(struct bh_gap *gap) { (void)gap; }
#else
/* A set addressed by GAP still starting, or still being re-addressed:
 * rotate later. */
bool gap_sets_rotation_busy(const struct bh_gap *gap);
/* How many sets a rotation now re-addresses (3 commands each). */
unsigned gap_sets_to_readdress(const struct bh_gap *gap);
/* Queues each such set's re-addressing, within room the caller reserved. */
void gap_sets_readdress(struct bh_gap *gap);
#endif

/* bh_gap_own_address into *out: a 7-octet bh_addr returned by value is
 * unpacked octet by octet at every call site. */
void gap_own_address(const struct bh_gap *gap, bh_addr *out);

/* gap_periodic.c */
void gap_on_sync_established(struct bh_gap *gap, const uint8_t *p, size_t len);
void gap_on_periodic_report(struct bh_gap *gap, const uint8_t *p, size_t len);
void gap_on_sync_lost(struct bh_gap *gap, const uint8_t *p, size_t len);
#ifdef BH_GAP_NO_EXT
/* bh_gap_sync_create answers BH_ENOTSUP before taking a slot or a buffer:
 * no sync ever exists, so there is nothing to end or free. */
static inline void gap_sync_reset(struct bh_gap *gap, bh_status reason)
{
	(void)gap, (void)reason;
}
static inline void gap_sync_free(struct bh_gap *gap) { (void)gap; }
#else
void gap_sync_reset(struct bh_gap *gap, bh_status reason);
void gap_sync_free(struct bh_gap *gap);
#endif

/* gap_conn.c */
void gap_on_conn_complete(struct bh_gap *gap, const uint8_t *p, size_t len, uint8_t sub);
void gap_on_disconn_complete(struct bh_gap *gap, const uint8_t *p, size_t len);
void gap_on_conn_update_complete(struct bh_gap *gap, const uint8_t *p, size_t len);
void gap_on_remote_features(struct bh_gap *gap, const uint8_t *p, size_t len);
void gap_on_csa(struct bh_gap *gap, const uint8_t *p, size_t len);
void gap_conn_timeout(struct bh_gap *gap);
void gap_conn_reset(struct bh_gap *gap, bh_status reason);
unsigned gap_conn_used(const struct bh_gap *gap);
/* connect_match found its device (called by gap_scan.c). */
void gap_conn_match_found(struct bh_gap *gap, const struct bh_gap_device *dev);
void gap_conn_match_scan_ended(struct bh_gap *gap, bh_status reason);
void gap_conn_step_failed(struct bh_gap *gap, bh_status st);
struct gap_conn_slot *gap_slot_find(const struct bh_gap *gap, uint16_t handle);
/* Fills defaults into *o from p (NULL: all defaults) and checks the ranges
 * and the timeout rule of Vol 4, Part E, 7.8.12. BH_OK or BH_EINVAL. */
int gap_params_fix(struct bh_gap_conn_params *o, const struct bh_gap_conn_params *p);

/* gap_report.c */
void gap_on_adv_report(struct bh_gap *gap, const uint8_t *p, size_t len);
void gap_on_ext_adv_report(struct bh_gap *gap, const uint8_t *p, size_t len);

/* gap.c: a command whose only completion is the caller's cb(status). */
int gap_misc_cmd(struct bh_gap *gap, uint16_t op, const void *params, size_t len,
		 bh_gap_done_cb cb, void *ctx);

/* gap_link.c */
void gap_on_data_length_change(struct bh_gap *gap, const uint8_t *p, size_t len);
void gap_on_phy_update_complete(struct bh_gap *gap, const uint8_t *p, size_t len);
/* A new link's LL defaults (27 octets, 1M), before port.connected. */
void gap_link_init(struct bh_gap_conn *c);
/* Remote features arrived: start Data Length Extension if both have it. */
void gap_link_features(struct bh_gap *gap, uint16_t handle);

/* gap_conn_param.c */
void gap_on_remote_conn_param_request(struct bh_gap *gap, const uint8_t *p, size_t len);

#endif
