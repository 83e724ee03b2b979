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
 * so a torn or hand-edited file is detected (format: bond_codec.h). Saves are
 * atomic: temporary file in the same directory (".tmp-*"), fsync, rename over
 * the old file, fsync the directory. Keys are stored in wire order (LSO
 * first), like everything else in smp/.
 *
 * What the store trusts, and what it does with the rest:
 * - Nothing blocks. Every entry is examined with lstat first and opened with
 *   O_NONBLOCK | O_NOFOLLOW, then checked again with fstat: a FIFO, socket,
 *   device or directory where a file belongs is never read.
 * - Only regular files owned by our effective uid are read. A symlink is
 *   never followed (a key store whose files point elsewhere can be swapped
 *   under us) and a file owned by another user may have been planted: both
 *   are BH_EUNSAFE. The directory itself may be reached through a symlink
 *   (the caller chose that path) but must be owned by us: else open fails
 *   with BH_EUNSAFE.
 * - Lax permissions (group or others may read or write: a restore from a
 *   backup, a copy with cp) are tightened to 0700 (directory) and 0600
 *   (files) and reported. We tighten rather than refuse: the files are ours,
 *   refusing would not undo an exposure that already happened, and the
 *   notice tells the user to consider the keys exposed.
 * - A store file is never overwritten or deleted because it could not be
 *   read. A damaged entry (corrupt content, not a regular file, a symlink,
 *   foreign-owned) is only ever renamed aside, in the same directory, to
 *   "NAME.<why>-<UTC time>" (why: corrupt, notregular, symlink, foreign,
 *   unreadable, old), e.g. "local_identity.corrupt-20261204T151500Z", and
 *   reported with that name. Saves and deletes move a damaged entry aside
 *   before putting anything at its name; load_all and find do it too when
 *   move_aside is set (the host sets it; `blehost bonds list` does not).
 * - Our own identity is never replaced implicitly: local_identity_ensure
 *   creates one only when there is none; a damaged one is an error for the
 *   caller (the host refuses to start). local_identity_renew is the explicit
 *   way to start a new identity; it keeps the old file aside.
 * - Leftover temporary files of an interrupted save (regular, ours) are
 *   removed at open: the rename never happened, so the real file beside them
 *   is whole. Anything else with that prefix is reported and left alone.
 *
 * Buffers passed in are copied (written) before the call returns; bonds
 * handed to the load_all callback are borrowed for the callback's duration.
 */
#ifndef BH_BOND_STORE_H
#define BH_BOND_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <blehost/bh_addr.h>
#include <blehost/bh_env.h>
#include <blehost/bh_err.h>

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

/* What is wrong with one entry of the store. */
enum bh_store_problem {
	BH_STORE_CORRUPT = 1,   /* content: checksum, version, syntax, truncated, empty,
				   too big, or names another identity than its file name */
	BH_STORE_NOT_REGULAR,   /* a FIFO, socket, device or directory */
	BH_STORE_SYMLINK,       /* a symbolic link (never followed) */
	BH_STORE_FOREIGN_OWNER, /* owned by another user */
	BH_STORE_UNREADABLE,    /* the system refused to read it (EIO, EACCES ...) */
	BH_STORE_LAX_MODE,      /* group/others had access: tightened (a warning) */
	BH_STORE_NOT_DIRECTORY, /* the store path exists and is not a directory */
	BH_STORE_RETIRED,       /* a valid identity moved aside by local_identity_renew */
};
/* "corrupt", "not a regular file", ... Never NULL. */
const char *bh_store_problem_str(enum bh_store_problem p);
/* The tag used in names of moved-aside entries ("corrupt", "notregular"...). */
const char *bh_store_problem_tag(enum bh_store_problem p);

/* One thing the store found and what it did about it. */
struct bh_store_notice {
	const char *name;     /* entry in the directory; "." is the directory itself */
	enum bh_store_problem problem;
	bh_status status;     /* BH_ECORRUPT, BH_EUNSAFE, BH_EIO; BH_OK for a fixed mode */
	const char *moved_to; /* non-NULL: renamed aside to this name (kept) */
	unsigned old_mode, new_mode; /* BH_STORE_LAX_MODE */
	int sys_errno;        /* the errno behind BH_STORE_UNREADABLE, else 0 */
};
typedef void (*bh_bond_store_notice_cb)(void *ctx, const struct bh_store_notice *n);
/* One English line for a notice, e.g. "bond file X is corrupt (bad checksum,
 * format or truncated): moved aside to Y, kept; that peer must pair again". */
void bh_store_notice_str(const struct bh_store_notice *n, char *buf, size_t len);

struct bh_bond_store_opts {
	bh_bond_store_notice_cb notice; /* NULL: notices are dropped */
	void *notice_ctx;
	/* load_all and find rename damaged bond files aside (else they only
	 * report them and leave them where they are). */
	bool move_aside;
};

/* Opens (creating, mode 0700) the store in dir, or if dir is NULL in
 * $XDG_STATE_HOME/blehost, else $HOME/.local/state/blehost. Leftover
 * temporary files of an interrupted save are removed (see above). BH_EIO if
 * the directory cannot be created or opened (or is not a directory),
 * BH_EUNSAFE if another user owns it, BH_EINVAL if no dir can be found. The
 * reason is also given to opts->notice. opts may be NULL. */
bh_status bh_bond_store_open_opts(const char *dir, const struct bh_bond_store_opts *opts,
				  struct bh_bond_store **out);
/* bh_bond_store_open_opts with no options. */
bh_status bh_bond_store_open(const char *dir, struct bh_bond_store **out);
void bh_bond_store_close(struct bh_bond_store *st);
/* Changes where notices go after open (NULL drops them). */
void bh_bond_store_set_notice_cb(struct bh_bond_store *st, bh_bond_store_notice_cb cb, void *ctx);
/* The directory's path as the store opened it (borrowed, valid until
 * close). The store works through the directory's descriptor, so after the
 * directory is moved this path may name nothing or another directory: a
 * message from a running program names it as the path at start. */
const char *bh_bond_store_dir(const struct bh_bond_store *st);
/* The store's directory descriptor (borrowed: never close it; valid until
 * close), -1 for NULL, for a file the host keeps beside the bonds (the
 * Database Hash cache): made through it, such a file stays with the bonds
 * when the directory is moved. The store's own entries are not to be
 * touched through it. */
int bh_bond_store_dirfd(const struct bh_bond_store *st);

/* Calls fn for each valid bond (order unspecified); fn returns nonzero to
 * stop. Damaged files are reported (and with move_aside renamed aside) and
 * skipped. Returns BH_OK, or BH_EIO if the directory cannot be read, or
 * BH_ENOMEM. */
bh_status bh_bond_store_load_all(struct bh_bond_store *st,
				 int (*fn)(void *ctx, const struct bh_bond *b), void *ctx);

/* Calls fn with the name of each entry kept aside ("NAME.<why>-<time>"), so
 * a person can be told where the damaged files went. BH_EIO if the directory
 * cannot be read. */
bh_status bh_bond_store_list_aside(struct bh_bond_store *st,
				   void (*fn)(void *ctx, const char *name), void *ctx);

/* BH_ENOTFOUND if no bond; BH_ECORRUPT, BH_EUNSAFE or BH_EIO (also
 * reported) if its file is damaged. */
bh_status bh_bond_store_find(struct bh_bond_store *st, const bh_addr *identity,
			     struct bh_bond *out);
/* Writes atomically, replacing any valid bond for the same identity; a
 * damaged file at that name is moved aside first (BH_EIO if it cannot be).
 * BH_EINVAL for a bad bond (identity type not 0/1, cccd/gatt lengths over
 * the max). */
bh_status bh_bond_store_save(struct bh_bond_store *st, const struct bh_bond *b);
/* Removes the bond of identity; a damaged file at that name is moved aside
 * instead (reported). BH_ENOTFOUND if there was none. */
bh_status bh_bond_store_delete(struct bh_bond_store *st, const bh_addr *identity);
/* Deletes every valid bond (not the local identity); damaged bond files are
 * moved aside instead (reported). */
bh_status bh_bond_store_clear(struct bh_bond_store *st);

/* BH_ENOTFOUND if never put; BH_ECORRUPT, BH_EUNSAFE or BH_EIO (reported)
 * if the file is damaged. */
bh_status bh_bond_store_local_identity_get(struct bh_bond_store *st, struct bh_local_identity *out);
bh_status bh_bond_store_local_identity_put(struct bh_bond_store *st,
					   const struct bh_local_identity *id);
/* Gets the local identity, or if there is none at all makes one from env
 * (random IRK, random static address) and puts it. A damaged identity is
 * returned as its error (BH_ECORRUPT, BH_EUNSAFE, BH_EIO) and left alone:
 * replacing it would make every bonded peer stop recognising us. */
bh_status bh_bond_store_local_identity_ensure(struct bh_bond_store *st, const struct bh_env *env,
					      struct bh_local_identity *out);

/* Starts a new identity on purpose: whatever is at "local_identity" (valid
 * or not) is renamed aside (reported; "old" when it was valid), then a new
 * one is made from env and put. Bonded peers must pair again. */
bh_status bh_bond_store_local_identity_renew(struct bh_bond_store *st, const struct bh_env *env,
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
