/* livepair: two blehost hosts in one process on btvirt, a central and a
 * peripheral serving the demo database, sharing one loop. Used by the live
 * benchmarks (bench_live.c) and the soak test (tests/soak/soak.c).
 *
 * Needs $BLEHOST_TRANSPORT (tests/harness/with-btvirt.sh sets it): every
 * host opens its own virtual controller.
 *
 * The peripheral can stream notifications and the central Write Commands
 * as fast as flow control allows. The host API has no "can send now" event
 * for the application, so the senders are loop sources that stay due while
 * they have something to send and retry after BH_EBUSY on the next loop
 * iteration (a busy poll; see README.md).
 */
#ifndef BH_BENCH_LIVEPAIR_H
#define BH_BENCH_LIVEPAIR_H

#include "demo_db.h"
#include <blehost/host.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lp;

struct lp_role {
	struct lp *lp;
	const char *name;
	struct bh_host *h;
	struct demo_handles dh; /* peripheral: its database's handles */
	uint16_t conn;          /* latest connection handle */
	unsigned connected, disconnected, subscriptions;
	/* Received. */
	uint64_t notifications, notify_bytes;
	uint64_t write_cmds, write_cmd_bytes;
	uint16_t last_seq; /* first two value bytes of the last notification */
	uint64_t seq_errors; /* notifications out of order */
	/* Streaming sender (notifications from a peripheral, Write Commands
	 * from a central): sends `target` values of `len` bytes. */
	bool sending;
	uint64_t target, sent, busy;
	size_t len;
	int send_error; /* first error other than BH_EBUSY; 0 none */
};

struct lp {
	struct bh_loop *loop;
	struct lp_role central, peripheral;
	bool verbose;
};

/* Creates the loop and both hosts (peripheral first, advertising the demo
 * database with restart on disconnect). central_mtu: the ATT MTU the
 * central offers (0 = default 517). Returns 0 or -1 with a message. */
int lp_open(struct lp *lp, uint16_t central_mtu);
void lp_close(struct lp *lp);
/* Central connects to the peripheral's public address; *conn = handle. */
int lp_connect(struct lp *lp, uint16_t *conn);
int lp_disconnect(struct lp *lp, uint16_t conn);
/* Runs the shared loop for ms, or until *count >= want (then true). */
void lp_run_for(struct lp *lp, unsigned ms);
bool lp_wait_count(struct lp *lp, const uint64_t *count, uint64_t want, unsigned ms);
/* Writes the CCCD of the peripheral's heart rate value (1 = notify, 0 =
 * off) from the central, with a Write Request. */
int lp_subscribe_hr(struct lp *lp, uint16_t conn, uint16_t value);
/* Starts streaming `n` values of `len` bytes: notifications of the heart
 * rate value from the peripheral, or Write Commands to the demo write
 * value from the central. Values carry a 16-bit sequence number first. */
void lp_stream_notify(struct lp *lp, uint64_t n, size_t len);
void lp_stream_write_cmd(struct lp *lp, uint16_t conn, uint64_t n, size_t len);
/* Stops both senders. */
void lp_stream_stop(struct lp *lp);
/* Monotonic seconds (bench code only; the layers never read clocks). */
double lp_seconds(void);
/* Bytes malloc'd and not freed now (mallinfo2 uordblks). */
size_t lp_heap_in_use(void);
/* Resident set size in bytes (from /proc/self/statm). */
size_t lp_rss(void);

#endif
