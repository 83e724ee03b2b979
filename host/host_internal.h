/* Internal state of the host object, shared by the host source files that wire
 * the layers together. Not installed. */
#ifndef BH_HOST_INTERNAL_H
#define BH_HOST_INTERNAL_H

#include <blehost/att.h>
#include <blehost/bond_store.h>
#include <blehost/chipset.h>
#include <blehost/gap.h>
#include <blehost/gatt.h>
#include <blehost/hci.h>
#include <blehost/host.h>
#include <blehost/host_link.h>
#include <blehost/l2cap.h>
#include <blehost/privacy.h>
#include <blehost/smp.h>
#include <blehost/transport.h>

#define HOST_MEM_BONDS 8
/* Bonded peers whose private addresses the host resolves itself (the
 * controller's resolving list holds HOST_RL_MAX at most); the table grows
 * with use. */
#define HOST_MAX_IRKS 4096
#define HOST_RL_MAX 16
#define HOST_REFUSED_MAX 4
#define HOST_REFUSED_RETRY_MS 100

/* Per-connection state that belongs to no single layer: the ATT bearer and
 * GATT client of the link, and the glue callbacks' contexts. */
struct host_conn;
struct host_eatt {
	bool used;
	uint16_t cid;
	struct bh_att *att;
	struct bh_att_port port;
	struct host_conn *c;
	unsigned sent, served;
	bool sending; /* inside the bearer's port.send */
};

struct host_conn {
	bool used;
	uint16_t handle;
	bool central;
	bh_addr peer, identity;
	struct bh_host *h;
	struct bh_att *att;
	struct bh_gattc *gattc;
	/* A GATT client request waits for security to be raised. */
	void (*sec_done)(void *ctx, bh_status st);
	void *sec_done_ctx;
	enum bh_sec_level sec_wanted;
	/* A pairing is running on the link (we sent a Pairing Request or
	 * Response and pairing_complete has not come yet). */
	bool pairing_active;
	/* The bond's CCCD values are in the server for this link (only once
	 * the link is encrypted with the bond's key). */
	bool cccd_restored;
	/* bh_host_conn_update in progress (host_link.c), and its parameters
	 * for the L2CAP fallback; an LE Set PHY command out. */
	enum { HOST_UPD_NONE, HOST_UPD_LL, HOST_UPD_L2CAP } upd_state;
	struct bh_gap_conn_params upd;
	bh_status upd_result;  /* of the last one, for the _sync helper */
	bh_status upd_swallow; /* a failure already reported (host_link.c) */
	/* Central: parameters a peripheral asked for over L2CAP and we
	 * accepted while our own update was running: applied after it. */
	bool l2_upd_queued;
	struct bh_gap_conn_params l2_upd;
	bool phy_pending;      /* LE Set PHY sent, PHY Update Complete not yet in */
	bh_status phy_result;
	/* The ports of att and gattc, past the state above so that it sits at
	 * small offsets (x86-64: one octet below 128, four from there on). */
	struct bh_att_port att_port;
	struct bh_gattc_port gattc_port;
	struct bh_gattc_events gattc_events;
	/* EATT (host_eatt.c): enhanced bearers, and the bearer whose request
	 * the GATT server is answering right now (NULL: the fixed one). */
	struct host_eatt eatt[BH_HOST_EATT_MAX];
	unsigned eatt_rr;
	bool eatt_started;
	struct bh_att *serving;
};

/* A blocking helper's wait (host_sync.c). It lives in the host, not in the
 * helper's stack frame nor in a connection: a layer callback that comes
 * after the helper gave up (loop quit, timeout) lands here harmlessly, and
 * the link dying completes it. Free when neither the helper nor a pending
 * callback holds it. */
#define HOST_WAITERS 8
#define HOST_NO_LINK BH_HOST_NO_LINK
enum host_wait_kind { HOST_WAIT_OP, HOST_WAIT_PAIR, HOST_WAIT_FLAG };
struct host_waiter {
	bool helper;     /* a helper is waiting on it */
	bool cb_pending; /* a layer still holds it as a callback context */
	bool done;
	enum host_wait_kind kind;
	bh_status status;
	uint16_t link;   /* the connection it depends on, or HOST_NO_LINK */
	uint16_t handle; /* result: connection or attribute handle */
	uint8_t *out;    /* the helper's buffer (NULL once it gave up) */
	size_t cap, len;
	bool *flag;      /* HOST_WAIT_FLAG: the caller's flag, set on loss too */
	struct bh_host *h;
};

/* A per-characteristic notification route (host_easy.c). The layer's
 * subscription holds a pointer to the slot, never to the caller: the slot
 * is freed on unsubscribe and when its link goes. */
#define HOST_SUBS 32
struct host_sub {
	bool used;
	uint16_t link, value_handle;
	bh_host_notify_fn fn;
	void *ctx;
	struct bh_host *h;
};

/* bh_host_scan_sync's collection (host_easy.c). Host-owned: reports that
 * arrive after the helper gave up (out == NULL) land here harmlessly. */
struct host_scan {
	bool running; /* GAP scan started and its on_done not yet come */
	bool done;
	bh_status status;
	struct bh_host_scan_result *out;
	size_t cap, n;
	unsigned stop_after;
};

/* Read through these, not the fields: built with -Dtrace=false
 * (BH_HOST_NO_TRACE) no replay transport and no trace writer can exist, so
 * time is never virtual and nothing is traced, and the constants let the
 * compiler drop those paths. */
#ifdef BH_HOST_NO_TRACE
#define HOST_VIRTUAL(h) ((void)(h), false)
#define HOST_TRACE(h) ((void)(h), (struct bh_trace_writer *)NULL)
#else
#define HOST_VIRTUAL(h) ((h)->virtual_time)
#define HOST_TRACE(h) ((h)->trace)
#endif

/* Around each of the host's loop callbacks (HOST_CB_ENTER first,
 * HOST_CB_LEAVE last, no return between). */
#define HOST_CB_ENTER(h) ((h)->cb_depth++)
/* A blocking helper (or bh_host_run) called while the loop runs one of
 * its callbacks: running the loop again there would process packets in
 * the middle of another's handling (the transport's parser, a layer's
 * half-done event) and out of order. Logs why; returns BH_EBUSY. */
int host_nested(struct bh_host *h);
#define HOST_CB_LEAVE(h) ((h)->cb_depth--)

struct bh_host {
	/* The loop, the layers, where bonds are kept, the links and the
	 * state most functions test first, then the events (their ctx), the
	 * configuration, env, the transport, the layers' ports and the tables:
	 * most instruction sets encode small offsets shorter (x86-64: one
	 * octet below 128, four from there on). */
	struct bh_loop *loop;
	bool own_loop;
	/* The host's loop callbacks running (nested through the blocking
	 * helpers), and bh_host_free running: the application's callbacks
	 * come only from inside these, so bh_host_free refuses to release
	 * what is below them on the stack (HOST_CB_*). */
	uint8_t cb_depth;
	bool freeing;
	/* A write to the transport failed while the controller was up: the
	 * loss is handled from the loop (loss_timer, host_lower.c), not inside
	 * the call that sent, where the layers that sent are still on the
	 * stack. `sending`: inside bh_transport_send. */
	bool sending;
	long loss_timer;
	struct bh_hci *hci;
	struct bh_l2cap *l2cap;
	struct bh_gap *gap;
	struct bh_smp *smp;
	struct bh_gatts *gatts;
	struct bh_bond_store *store;
	struct bh_bond *mem_bonds; /* when there is no store: up to HOST_MEM_BONDS */
	unsigned n_mem_bonds;
	unsigned cap_mem_bonds; /* entries allocated (grown on save) */
	struct bh_resolver *resolver;
	bh_status load_status; /* the start's load_irk: what stopped it */

	/* One slot per possible link; a slot's state is made when a link first
	 * needs it and kept (cleared, used = false) when the link goes, because
	 * GAP's late completions (host_link.c) still look at it. */
	struct host_conn **conns;
	unsigned max_conns;
	unsigned conns_in_use; /* slots with used set: per-pass walks stop there */
	/* Links refused (host_conn.c) whose Disconnect could not be queued:
	 * retried at refused_retry until it goes. */
	uint16_t refused[HOST_REFUSED_MAX];
	unsigned n_refused;
	bh_time_ms refused_retry;

	bool ready;
	bool ready_done;
	bh_status ready_status;
	bool fatal;
	bh_status fatal_reason;

	struct bh_host_events ev;
	struct bh_host_config cfg;
	struct bh_env env;
	struct bh_xrand xrand;

	struct bh_transport *transport;
	struct bh_transport_port transport_port;
	struct bh_trace_writer *trace;
	int transport_fds[8];
	int n_transport_fds;
	bool virtual_time;
	/* Replay: due time of a controller record held back because the host
	 * has not yet sent the packet recorded before it (BH_NEVER: none). */
	bh_time_ms replay_blocked_at;

	/* The layers' ports (the layers themselves are at the top). */
	struct bh_hci_port hci_port;
#ifdef BH_HOST_CHIPSET_OFF
	struct host_chipset_off *chipset_off; /* its reports; NULL: no bring-up */
#else
	struct bh_chipset *chipset; /* NULL: no vendor bring-up (host_chipset.c) */
	struct bh_uart_baud *uart_baud; /* UART speed change after it, or NULL */
#endif
	struct bh_l2cap_port l2cap_port;
	struct bh_gap_port gap_port;
	struct bh_smp_port smp_port;
	struct bh_gatts_port gatts_port;
	struct bh_gatts_events gatts_events;

	struct bh_local_identity ident;
	/* The Database Hash cache's directory (host_dbhash.c): its path at
	 * start, for messages (NULL: no cache), and its descriptor, ours with
	 * bh_host_config.db_hash_dir, else the bond store's. */
	char *db_hash_dir;
	int db_hash_dirfd;

	struct host_waiter waiters[HOST_WAITERS];
	/* The last link to go and why: a helper called on it afterwards gets
	 * this named error rather than "no such handle". */
	uint16_t lost_handle;
	bh_status lost_status;
	/* Idle controller check (host.c): time of the last packet from the
	 * controller or of the last stack timer, and whether a check command
	 * is out. */
	bh_time_ms last_rx;
	bool rx_seen; /* a packet came since last_rx was last brought up to date */
	bool idle_check_out;
	struct bh_host_link_events link_ev; /* host_link.c */
	/* Bonded peers with an IRK, for the controller's resolving list
	 * (host_privacy.c). */
	struct host_rl {
		struct bh_host *h;
		bh_addr identity;
		uint8_t irk[16];
		bool in_ctrl; /* queued or added; cleared on a failure */
	} rl[HOST_RL_MAX];
	unsigned n_rl;

	struct host_sub subs[HOST_SUBS];
	struct host_scan scan;
	/* Bond removal's LE Remove Device From Filter Accept List (host_easy.c). */
	struct {
		bool done;
		bh_status status;
	} accept_list;
};

/* host_privacy.c */
void host_privacy_load(struct bh_host *h);
bool host_privacy_in_controller(struct bh_host *h, const bh_addr *identity);
enum host_connect_how { HOST_CONNECT_DIRECT, HOST_CONNECT_SCAN };
/* How to reach addr: directly (*target, an identity type when the
 * controller resolves it), or SCAN: a bonded peer with an IRK that only the
 * host can resolve (identity first, then scanning for an RPA). */
enum host_connect_how host_privacy_target(struct bh_host *h, const bh_addr *addr, bh_addr *target);

/* host_link.c */
/* LE Connection Update Complete: true when host_link.c already handled
 * this failure (reported it, or went on over L2CAP): not reported again. */
bool host_link_conn_updated(struct bh_host *h, uint16_t handle, bh_status st);
/* bh_host_events.conn_updated for gc (none when NULL), in ms. */
void host_link_report(struct bh_host *h, const struct bh_gap_conn *gc, bh_status st);
void host_link_l2cap_result(void *ctx, uint16_t handle, bh_status st);
/* Central: apply parameters accepted from an L2CAP request. */
void host_link_l2cap_apply(struct bh_host *h, uint16_t handle, const struct bh_gap_conn_params *p);
void host_link_data_length(void *ctx, const struct bh_gap_conn *gc);
void host_link_phy(void *ctx, const struct bh_gap_conn *gc, bh_status st);

/* host_dbhash.c: the Database Hash cache file, the GATT server's
 * hash_lookup/hash_store (ctx: the host). init picks the directory
 * (bh_host_config.db_hash_dir), after the bond store opened. */
bool host_dbhash_lookup(void *ctx, const uint8_t *msg, size_t len, uint8_t hash[16]);
void host_dbhash_store(void *ctx, const uint8_t *msg, size_t len, const uint8_t hash[16]);
int host_dbhash_init(struct bh_host *h);
void host_dbhash_free(struct bh_host *h);

/* host.c */
/* Through BH_LOG_ON, as BH_LOGF: a level below -Dlog_level drops the call. */
#define host_log(h, lvl, ...)                               \
	do {                                                \
		if (BH_LOG_ON(lvl))                         \
			host_logf((h), (lvl), __VA_ARGS__); \
	} while (0)
void host_logf(struct bh_host *h, enum bh_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* host_lower.c: transport, trace and HCI plumbing. */
int host_lower_open(struct bh_host *h, char *err, size_t errlen);
void host_lower_close(struct bh_host *h);
void host_hci_port_init(struct bh_host *h);
/* The earliest deadline of the stack's own layers (not the transport, not
 * the application's timers), or BH_NEVER: of HCI, L2CAP, SMP and GAP; of
 * the ATT bearers; of both and the chipset driver (which wakes the loop by
 * its own source, host_chipset.c). */
bh_time_ms host_layers_deadline(struct bh_host *h);
bh_time_ms host_att_deadline(struct bh_host *h);
bh_time_ms host_stack_deadline(struct bh_host *h);
/* Times out the links' ATT bearers whose deadline is at or before now
 * (the stack's loop source runs them: one source for every layer). */
void host_att_timeouts(struct bh_host *h, bh_time_ms now);

/* host_conn.c: per-connection wiring (GAP, L2CAP, ATT, GATT). */
void host_conn_ports_init(struct bh_host *h);
/* Sends the Disconnects of refused links that could not go before. */
void host_refused_retry(struct bh_host *h, bh_time_ms now);
struct host_conn *host_conn_find(struct bh_host *h, uint16_t handle);
/* tell: each link's end goes to events.disconnected (not while freeing). */
void host_conn_drop_all(struct bh_host *h, bh_status reason, bool tell);
/* host_conn.c: what the fixed ATT bearer's port does, shared with EATT. */
void host_att_notification(struct host_conn *c, uint16_t attr, const uint8_t *v, size_t len,
			   bool ind);

/* host_eatt.c: EATT bearers over L2CAP ECFC channels on SPSM 0x0027. The
 * l2cap channel callbacks return true when the channel is an EATT one
 * (host_eatt_off.c has none: without channels nothing calls them). */
#define HOST_EATT_SPSM 0x0027
int host_eatt_init(struct bh_host *h);
uint16_t host_eatt_accept(struct bh_host *h, uint16_t handle);
bool host_eatt_opened(struct bh_host *h, uint16_t handle, uint16_t cid, uint16_t spsm,
		      bh_status st);
bool host_eatt_rx(struct bh_host *h, uint16_t handle, uint16_t cid, const uint8_t *sdu,
		  size_t len);
bool host_eatt_closed(struct bh_host *h, uint16_t handle, uint16_t cid, bh_status reason);
bool host_eatt_can_send(struct bh_host *h, uint16_t handle, uint16_t cid);
/* The link became encrypted: as central, open the bearers. */
void host_eatt_link_encrypted(struct bh_host *h, struct host_conn *c);
/* The bearer for the GATT client's next request, and the MTU every bearer
 * can carry. */
struct bh_att *host_eatt_pick(struct host_conn *c);
uint16_t host_eatt_mtu(struct host_conn *c);
void host_eatt_cancel(struct host_conn *c, void *cbctx);

/* host_sync.c: blocking helpers' waits. A link went (its waiters complete
 * with reason), the controller is lost (every waiter completes), a pairing
 * ended on a link (its pairing waiters complete with st). */
void host_waiters_link_lost(struct bh_host *h, uint16_t handle, bh_status reason,
			    uint8_t hci_reason);
void host_waiters_fatal(struct bh_host *h, bh_status reason);
void host_waiters_pairing(struct bh_host *h, uint16_t handle, bh_status st);
/* The blocking primitives host_easy.c builds on: connect to addr, or to
 * the first device matching `match` (then addr is unused), with parameters
 * (NULL: defaults) -- an address that is a bonded identity goes through
 * host_privacy_target (resolving list, else host resolution) --; and write a CCCD (what 0: unsubscribe) routing the
 * characteristic's notifications to ncb. */
/* Why a blocking call on this link cannot run: BH_OK (it is up), the
 * controller's loss, the named reason it went (BH_EDISCONNECTED), or
 * BH_ENOTFOUND (never was). */
int host_link_status(struct bh_host *h, uint16_t handle);
int host_connect_sync(struct bh_host *h, const bh_addr *addr,
		      const struct bh_gap_scan_filter *match,
		      const struct bh_gap_conn_params *params, unsigned timeout_ms,
		      uint16_t *handle);
int host_cccd_sync(struct bh_host *h, uint16_t handle, uint16_t value_handle, uint16_t what,
		   bh_gattc_notify_cb ncb, void *nctx);

/* host_easy.c: a link went; its notification routes end. */
void host_subs_link_lost(struct bh_host *h, uint16_t handle);

/* host_security.c: SMP, bonds, privacy. */
int host_security_init(struct bh_host *h, char *err, size_t errlen);
void host_security_free(struct bh_host *h);
void host_smp_port_init(struct bh_host *h);
/* Creates SMP once the controller is up (idempotent). */
int host_smp_create(struct bh_host *h);
/* The stored bond of a peer (resolving an RPA), if any. */
bool host_bond_lookup(struct bh_host *h, const bh_addr *peer, struct bh_bond *out);
/* The in-memory bond (no store) of an identity, or NULL. */
struct bh_bond *host_mem_bond(struct bh_host *h, const bh_addr *id);
/* Keeps b in the store (or in memory without one); false, logged, when it
 * could not be kept. */
bool host_bond_save(struct bh_host *h, const struct bh_bond *b);
bool host_resolve(struct bh_host *h, const bh_addr *rpa, bh_addr *identity);
/* The GATT client asks for more security on a link. */
int host_raise_security(struct host_conn *c, uint8_t att_error,
			void (*done)(void *done_ctx, bh_status status), void *done_ctx);
/* Its one answer, if one is owed (cleared before the call). */
void host_finish_raise(struct host_conn *c, bh_status st);
/* What a bonded peer's link learned (CCCD values, and with with_cache the
 * GATT client's tree) into its bond, written only when changed; and back. */
void host_save_conn_state(struct bh_host *h, struct host_conn *c, bool with_cache);
void host_restore_cccd(struct bh_host *h, struct host_conn *c);
void host_restore_gatt_cache(struct bh_host *h, struct host_conn *c);

/* host_chipset.c: vendor bring-up before the standard HCI init. */
int host_chipset_init(struct bh_host *h, char *err, size_t errlen);
void host_chipset_free(struct bh_host *h);
/* Starts bring-up if it applies; false: go straight to the HCI init. */
bool host_chipset_start(struct bh_host *h);
#ifdef BH_HOST_CHIPSET_OFF
/* host_chipset_off.c: nothing runs between its start and the HCI init. */
#define host_chipset_rx(h, type, pkt, len) ((void)(h), false)
#define host_chipset_lost(h, why) ((void)(h), (void)(why))
#define host_chipset_deadline(h) ((void)(h), BH_NEVER)
#else
/* A packet from the controller; true if bring-up took it. */
bool host_chipset_rx(struct bh_host *h, uint8_t type, const uint8_t *pkt, size_t len);
void host_chipset_lost(struct bh_host *h, bh_status why);
bh_time_ms host_chipset_deadline(struct bh_host *h);
#endif
/* host_lower.c: one packet to the controller, through the trace. */
int host_lower_send(struct bh_host *h, uint8_t type, const uint8_t *pkt, size_t len);
/* Drops a loss waiting to be handled from the loop (bh_host_free). */
void host_loss_cancel(struct bh_host *h);

#endif
