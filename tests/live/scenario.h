/* Scenarios: blehost talking to blehost, either live (every role on its own
 * virtual controller, all hosts sharing one loop, each writing a trace) or as
 * a replay of one role against the trace it recorded.
 *
 * A scenario is a list of roles. Role 0 is the central: it drives the
 * scenario with the blocking helpers. Other roles are peripherals: their
 * setup runs first, then they react to events. In replay, only one role
 * runs; the central's steps are the same calls, so its replay checks the
 * exact packets the live run produced. */
#ifndef BH_TEST_SCENARIO_H
#define BH_TEST_SCENARIO_H

#include "demo_db.h"
#include <blehost/host.h>

#include <stdio.h>

#define SC_MAX_ROLES 4

struct sc;

struct sc_role {
	struct sc *sc;
	int index;
	struct bh_host *h;
	struct bh_host_config cfg;
	struct demo_handles dh;
	char name[32];
	/* What the role saw. */
	unsigned connected, disconnected, encrypted, paired, pair_failed;
	uint8_t last_disconnect_reason;
	bh_status last_pair_status;
	bool last_bonded; /* the last pairing_complete's bonded */
	uint32_t passkey_shown;
	bool passkey_shown_valid;
	unsigned notifications, indications, subscriptions, requests;
	uint8_t last_notified[32];
	unsigned notify_target;
	struct {
		uint16_t conn;
		unsigned sent;
	} streams[SC_MAX_ROLES]; /* one notification stream per subscribed link */
	unsigned n_streams;
	long notify_timer;
	unsigned indicate_sent;
	uint16_t conn;
	char store_dir[64]; /* its bond store; empty: bonds in memory only */
	bool no_restart; /* advertising is not restarted by GAP after a disconnect */
	bool wrong_passkey; /* types the passkey plus one */
	bool silent_user;   /* never answers a passkey request */
	bool refuse_pairing; /* the agent refuses a peer's pairing request */
	bool oob;            /* holds the other role's OOB data */
	uint8_t oob_r[16], oob_c[16]; /* this role's own SC OOB values */
	/* L2CAP credit-based channel seen by this role. */
	uint16_t coc_cid;
	bool coc_open, coc_closed;
	bh_status coc_status;
	unsigned coc_sdus;
	uint8_t coc_last[512];
	size_t coc_last_len;
};

struct sc {
	const char *name;
	bool live;
	int replay_role;   /* -1 live */
	const char *trace; /* replay: the trace file */
	const char *trace_dir; /* live: where traces go */
	struct bh_loop *loop;
	int n_roles;
	struct sc_role roles[SC_MAX_ROLES];
	int failures;
	const struct scenario *s;
	/* Values a live run learns and a replay must reuse (from NAME.meta). */
	uint32_t passkey;
	uint8_t oob_r[2][16], oob_c[2][16]; /* roles 0 and 1's OOB values (replay: from meta) */
};

#define CHECK(sc, cond)                                                                  \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);  \
			(sc)->failures++;                                                \
		}                                                                        \
	} while (0)
#define CHECK_OK(sc, expr)                                                               \
	do {                                                                             \
		int rc_ = (expr);                                                        \
		if (rc_ != 0) {                                                          \
			fprintf(stderr, "FAIL %s:%d: %s -> %s\n", __FILE__, __LINE__, #expr, \
				bh_strerror(rc_));                                       \
			(sc)->failures++;                                                \
		}                                                                        \
	} while (0)

/* Whether role i runs in this process (always live; in replay only the
 * replayed one). */
bool sc_runs(const struct sc *sc, int i);
/* Creates and starts role i's host (live: $BLEHOST_TRANSPORT with a trace;
 * replay: the trace). Returns 0 or fails the scenario. */
int sc_start_role(struct sc *sc, int i);
/* Peripheral helpers: the demo database and advertising under role->name. */
int sc_peripheral_setup(struct sc *sc, int i);
/* (Re)starts role i's advertising with the scenario's data. */
int sc_advertise(struct sc *sc, int i);
/* Central helpers. */
int sc_find(struct sc *sc, const char *name, bh_addr *out);
/* Role 0 finds role `role` by scanning and connects: the link's handle, or
 * 0 (the scenario failed). */
uint16_t sc_connect(struct sc *sc, int role);
/* The same from another central role. */
int sc_find_from(struct sc *sc, int role, const char *name, bh_addr *out);
/* Is role i a peripheral in this scenario? */
bool sc_is_peripheral(const struct sc *sc, int i);
void sc_wait(struct sc *sc, unsigned ms);
/* Runs the loop until *flag or ms pass. */
void sc_wait_for(struct sc *sc, const bool *flag, unsigned ms);
bool sc_wait_count(struct sc *sc, const unsigned *count, unsigned want, unsigned ms);

struct scenario {
	const char *name;
	int n_roles;
	/* Fills roles' cfg before they start (IO caps, MTU, ...). */
	void (*configure)(struct sc *sc);
	/* The central's steps (role 0). */
	void (*central)(struct sc *sc);
	/* A peripheral's reaction to a disconnection (may be NULL). It runs in
	 * the peripheral's own event, so its replay sends the same packets. */
	void (*peripheral_disconnected)(struct sc *sc, struct sc_role *r);
	/* Roles 1..n_peripherals are peripherals (0 means n_roles - 1); the
	 * roles after them are extra centrals that the central's steps drive.
	 * Extra centrals write no trace: only roles that act on their own
	 * events can be replayed alone. */
	int n_peripherals;
	void (*peripheral_connected)(struct sc *sc, struct sc_role *r);
	/* A peripheral got an ATT request (before serving it). */
	void (*peripheral_request)(struct sc *sc, struct sc_role *r, const uint8_t *pdu, size_t len);
};

/* Bond scenarios (scenarios_bond.c). */
void sc_bond_cccd(struct sc *sc);
void sc_cfg_bond_store(struct sc *sc);
void sc_bond_repair_cccd(struct sc *sc);
void sc_cfg_central_store(struct sc *sc);
void sc_bond_repair_cache(struct sc *sc);
void sc_bond_save_fails(struct sc *sc);

extern const struct scenario scenarios[];
extern const unsigned n_scenarios;

#endif
