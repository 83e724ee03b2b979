/* Bond store: the keys of bonded peers and our local identity, kept in a
 * directory, one file per peer identity address.
 *
 * This is the only module of smp/ that does I/O. The protocol code never
 * calls it: the host wires it in through a port. It is synchronous and not
 * thread-safe; one process owns a store directory at a time.
 *
 * Files: "<12 hex digits of the address, printed order>-<public|random>.bond"
 * and "local_identity". Each is text, "key=hex" lines, starting with a
 * version line and ending with "checksum=<SHA-256 of every preceding byte>",
 * so a torn or hand-edited file is detected. Saves are atomic: temporary file
 * in the same directory (".tmp-*"), fsync, rename over the old file, fsync
 * the directory. Directory mode 0700, files 0600. Keys are stored in wire
 * order (LSO first), like everything else in smp/.
 *
 * Buffers passed in are copied (written) before the call returns; bonds
 * handed to the load_all callback are borrowed for the callback's duration.
 */
#ifndef BH_BOND_STORE_H
#define BH_BOND_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bh_addr.h"
#include "bh_env.h"
#include "bh_err.h"

#define BH_BOND_CCCD_MAX 1024       /* opaque CCCD state set by the host */
#define BH_BOND_GATT_CACHE_MAX 8192 /* opaque GATT cache set by the host */

struct bh_bond_ltk {
	bool valid;
	uint8_t ltk[16];
	uint16_t ediv; /* 0 for Secure Connections */
	uint8_t rand[8]; /* zeros for Secure Connections */
	uint8_t key_size; /* 7..16 */
};

struct bh_bond_csrk {
	bool valid;
	uint8_t key[16];
	uint32_t sign_counter;
};

struct bh_bond {
	bh_addr identity; /* type BH_ADDR_PUBLIC or BH_ADDR_RANDOM (static) */
	bool has_irk;
	uint8_t irk[16]; /* peer's IRK */
	/* LTK we use when we are central: distributed by the peer. */
	struct bh_bond_ltk central_ltk;
	/* LTK we answer with when we are peripheral: the one we distributed.
	 * With Secure Connections one LTK serves both: set both to it. */
	struct bh_bond_ltk peripheral_ltk;
	bool authenticated; /* MITM protection was used */
	bool secure_connections;
	struct bh_bond_csrk local_csrk; /* ours: we sign with it */
	struct bh_bond_csrk peer_csrk;  /* the peer's: we verify with it */
	size_t cccd_len;
	uint8_t cccd[BH_BOND_CCCD_MAX];
	size_t gatt_cache_len;
	uint8_t gatt_cache[BH_BOND_GATT_CACHE_MAX];
};

/* Our identity, generated once and kept across runs. */
struct bh_local_identity {
	uint8_t irk[16];
	bh_addr static_addr; /* a random static address (type BH_ADDR_RANDOM) */
};

struct bh_bond_store;

/* A file that could not be loaded: its name (borrowed) and why
 * (BH_ECORRUPT: bad checksum, version, syntax or truncated; BH_EIO). */
typedef void (*bh_bond_store_skip_cb)(void *ctx, const char *name, bh_status why);

/* Opens (creating, mode 0700) the store in dir, or if dir is NULL in
 * $XDG_STATE_HOME/blehost, else $HOME/.local/state/blehost. Leftover
 * temporary files of an interrupted save are removed. BH_EIO if the
 * directory cannot be created or opened, BH_EINVAL if no dir can be found. */
bh_status bh_bond_store_open(const char *dir, struct bh_bond_store **out);
void bh_bond_store_close(struct bh_bond_store *st);
/* The directory in use (borrowed, valid until close). */
const char *bh_bond_store_dir(const struct bh_bond_store *st);

/* Where to report files that are skipped; NULL to ignore them. */
void bh_bond_store_set_skip_cb(struct bh_bond_store *st, bh_bond_store_skip_cb cb, void *ctx);

/* Calls fn for each valid bond (order unspecified); fn returns nonzero to
 * stop. Corrupt files are reported and skipped. Returns BH_OK, or BH_EIO if
 * the directory cannot be read, or BH_ENOMEM. */
bh_status bh_bond_store_load_all(struct bh_bond_store *st,
				 int (*fn)(void *ctx, const struct bh_bond *b), void *ctx);

/* BH_ENOTFOUND if no bond, BH_ECORRUPT (also reported) if its file is bad. */
bh_status bh_bond_store_find(struct bh_bond_store *st, const bh_addr *identity,
			     struct bh_bond *out);
/* Writes atomically, replacing any bond for the same identity. BH_EINVAL for a
 * bad bond (identity type not 0/1, cccd/gatt lengths over the max). */
bh_status bh_bond_store_save(struct bh_bond_store *st, const struct bh_bond *b);
/* BH_ENOTFOUND if there was none. */
bh_status bh_bond_store_delete(struct bh_bond_store *st, const bh_addr *identity);
/* Deletes every bond (not the local identity). */
bh_status bh_bond_store_clear(struct bh_bond_store *st);

/* BH_ENOTFOUND if never put, BH_ECORRUPT if the file is bad. */
bh_status bh_bond_store_local_identity_get(struct bh_bond_store *st, struct bh_local_identity *out);
bh_status bh_bond_store_local_identity_put(struct bh_bond_store *st,
					   const struct bh_local_identity *id);
/* Gets the local identity, or if there is none (or it is corrupt) makes one
 * from env (random IRK, random static address) and puts it. */
bh_status bh_bond_store_local_identity_ensure(struct bh_bond_store *st, const struct bh_env *env,
					      struct bh_local_identity *out);

/* TEST ONLY: called after each step of a save so a crash test can _exit()
 * there. Never set in production. */
enum bh_bond_save_step {
	BH_BOND_STEP_WRITTEN = 1, /* temp file written, not yet synced */
	BH_BOND_STEP_SYNCED = 2,  /* temp file fsynced */
	BH_BOND_STEP_RENAMED = 3, /* renamed over the old file, dir not yet synced */
	BH_BOND_STEP_DONE = 4,    /* directory synced */
};
void bh_bond_store_set_test_hook(struct bh_bond_store *st,
				 void (*hook)(void *ctx, enum bh_bond_save_step step), void *ctx);

#endif
