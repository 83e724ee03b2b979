/* The notifying peer shared by bench_e2e and bench_notify_peer: a host on
 * $BLEHOST_TRANSPORT advertising the demo database under a given name that,
 * once the heart rate value is subscribed, sends LEN-byte notifications
 * (a 32-bit little-endian sequence number first, zeros after) as fast as
 * flow control allows, retrying on events.can_send. */
#ifndef BENCH_PEER_H
#define BENCH_PEER_H

#include <blehost/blehost.h>
#include "demo_db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bench_peer {
	struct bh_host *h;
	struct demo_handles dh;
	uint16_t conn;
	bool subscribed, gone;
	bool in_send; /* can_send may fire from inside bh_gatts_notify */
	size_t len;
	uint64_t limit; /* stop after this many; 0: no limit */
	uint64_t sent;
	/* The value sent, zeroed once: a notification writes only its
	 * sequence number, so the application's share of the per-notification
	 * figure stays four stores. */
	uint8_t value[512];
};

/* The config of every bench host: the default, no bond store, hash_dir as
 * bh_host_config.db_hash_dir (NULL: none, as with no store). */
void bench_host_config(struct bh_host_config *cfg, const char *hash_dir);

/* Brings up a host with cfg (NULL: bench_host_config's with no hash_dir)
 * and returns it, or NULL after saying why on stderr. who: prefix for the
 * message. */
struct bh_host *bench_start_host(const struct bh_host_events *ev, const char *who,
				 const struct bh_host_config *cfg);

/* Starts p (len 4..512 value bytes; limit as above) with cfg as for
 * bench_start_host (its db_hash_dir or db_hash_known keep the Database
 * Hash), adds the demo database and advertises as name, then prints
 * "peer ADDR" on stdout. Returns 0, or 1 after saying why on stderr. */
int bench_peer_start(struct bench_peer *p, const char *name, size_t len, uint64_t limit,
		     const struct bh_host_config *cfg);

#endif
