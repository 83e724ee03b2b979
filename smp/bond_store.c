/* Bond store in a directory: one checksummed text file per bond (format in
 * bond_codec.c), written atomically (temp file, fsync, rename, fsync dir) so
 * a crash at any point leaves either the old or the new file, never a torn
 * one. Every entry is checked before it is read (type, owner, mode) without
 * ever blocking, and a damaged entry is only ever renamed aside, never
 * overwritten or deleted: see the rules in bond_store.h. */

#include <blehost/bond_store.h>
#include <blehost/bh_file.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <blehost/bh_libcrypto.h>

#include "bond_codec.h"
#include <blehost/privacy.h>

#define LOCAL_NAME "local_identity"
#define TMP_PREFIX ".tmp-"
#define BOND_SUFFIX ".bond"
#define ASIDE_MAX 96 /* "NAME.<tag>-YYYYmmddTHHMMSSZ-N" */

struct bh_bond_store {
	char *dir;
	int dirfd;
	struct bh_bond_store_opts opts;
	void (*hook)(void *ctx, enum bh_bond_save_step step);
	void *hook_ctx;
};

/* ---- notices ---- */

/* The name of problem p in names (NUL-separated, from BH_STORE_CORRUPT on,
 * ending in an empty one), or dflt out of range: one string each instead of
 * a switch or a table of pointers. */
const char *bh_store_problem_str(enum bh_store_problem p)
{
	return bh_nth_name("corrupt (bad checksum, format, or truncated)\0"
			    "not a regular file (FIFO, socket, device or directory)\0"
			    "a symbolic link (never followed in a key store)\0"
			    "owned by another user\0"
			    "unreadable\0"
			    "accessible to other users\0"
			    "not a directory\0"
			    "replaced on request\0",
			    (unsigned)p - BH_STORE_CORRUPT, "damaged");
}

const char *bh_store_problem_tag(enum bh_store_problem p)
{
	return bh_nth_name("corrupt\0notregular\0symlink\0foreign\0unreadable\0laxmode\0"
			    "notdir\0old\0",
			    (unsigned)p - BH_STORE_CORRUPT, "damaged");
}

void bh_store_notice_str(const struct bh_store_notice *n, char *buf, size_t len)
{
	bool dir = !strcmp(n->name, ".");
	bool local = !strcmp(n->name, LOCAL_NAME);
	const char *what = dir ? "bond store directory" : local ? "identity file" : "bond file";
	const char *shown = dir ? "" : n->name, *sp = dir ? "" : " ";
	if (n->problem == BH_STORE_LAX_MODE) {
		snprintf(buf, len,
			 "%s%s%s was accessible to other users (mode %04o): %s %04o; consider its keys "
			 "exposed",
			 what, sp, shown, n->old_mode, n->status == BH_OK ? "tightened to" : "could not set",
			 n->new_mode);
		return;
	}
	char why[160];
	snprintf(why, sizeof(why), "%s%s%s", bh_store_problem_str(n->problem),
		 n->sys_errno ? ": " : "", n->sys_errno ? strerror(n->sys_errno) : "");
	const char *effect = dir ? ""
			     : local ? (n->moved_to
					? "; with a new identity, bonded peers must pair again"
					: "; our identity cannot be used")
				     : "; that peer must pair again";
	if (n->moved_to)
		snprintf(buf, len, "%s%s%s is %s: moved aside to %s (kept)%s", what, sp, shown, why,
			 n->moved_to, effect);
	else
		snprintf(buf, len, "%s%s%s is %s: not used, left in place%s", what, sp, shown, why,
			 effect);
}

static void notice(struct bh_bond_store *st, const struct bh_store_notice *n)
{
	if (st->opts.notice)
		st->opts.notice(st->opts.notice_ctx, n);
}

static bh_status problem_status(enum bh_store_problem p)
{
	switch (p) {
	case BH_STORE_CORRUPT: return BH_ECORRUPT;
	case BH_STORE_NOT_REGULAR:
	case BH_STORE_SYMLINK:
	case BH_STORE_FOREIGN_OWNER: return BH_EUNSAFE;
	default: return BH_EIO;
	}
}

/* ---- examining and reading one entry ---- */

/* What is at name: 0 and *sb when it is a regular file of ours; ENOENT-ish
 * BH_ENOTFOUND; else the problem. Never opens anything. */
static int examine(struct bh_bond_store *st, const char *name, struct stat *sb, int *err)
{
	*err = 0;
	if (fstatat(st->dirfd, name, sb, AT_SYMLINK_NOFOLLOW) != 0) {
		*err = errno;
		return errno == ENOENT ? -1 : BH_STORE_UNREADABLE;
	}
	if (S_ISLNK(sb->st_mode))
		return BH_STORE_SYMLINK;
	if (!S_ISREG(sb->st_mode))
		return BH_STORE_NOT_REGULAR;
	if (sb->st_uid != geteuid())
		return BH_STORE_FOREIGN_OWNER;
	return 0;
}

static void tighten(struct bh_bond_store *st, int fd, const char *name, mode_t mode, mode_t want)
{
	if (!(mode & 077))
		return;
	struct bh_store_notice n = { .name = name, .problem = BH_STORE_LAX_MODE,
				     .old_mode = mode & 07777, .new_mode = want };
	n.status = fchmod(fd, want) == 0 ? BH_OK : BH_EIO;
	if (n.status)
		n.sys_errno = errno;
	notice(st, &n);
}

/* Reads a whole regular file of ours (at most BH_BOND_FILE_MAX) into a
 * malloc'd buffer. Returns 0, -1 (not there) or the problem. */
static int read_entry(struct bh_bond_store *st, const char *name, uint8_t **data, size_t *len,
		      int *err)
{
	struct stat sb, fsb;
	int pb = examine(st, name, &sb, err);
	if (pb)
		return pb;
	/* O_NONBLOCK: if the entry was swapped for a FIFO since lstat, opening
	 * it must not wait for a writer; O_NOFOLLOW: nor for a symlink. */
	int fd = openat(st->dirfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		*err = errno;
		return errno == ENOENT ? -1 : errno == ELOOP ? BH_STORE_SYMLINK : BH_STORE_UNREADABLE;
	}
	int rc = BH_STORE_UNREADABLE;
	uint8_t *p = NULL;
	if (fstat(fd, &fsb) != 0) {
		*err = errno;
		goto out;
	}
	if (!S_ISREG(fsb.st_mode) || fsb.st_ino != sb.st_ino || fsb.st_dev != sb.st_dev) {
		rc = BH_STORE_NOT_REGULAR; /* swapped between lstat and open */
		goto out;
	}
	if (fsb.st_uid != geteuid()) {
		rc = BH_STORE_FOREIGN_OWNER;
		goto out;
	}
	tighten(st, fd, name, fsb.st_mode, 0600);
	if (fsb.st_size > BH_BOND_FILE_MAX) {
		rc = BH_STORE_CORRUPT;
		goto out;
	}
	p = malloc((size_t)fsb.st_size + 1);
	if (!p) {
		*err = ENOMEM;
		goto out;
	}
	size_t got = 0;
	while (got < (size_t)fsb.st_size) {
		ssize_t n = read(fd, p + got, (size_t)fsb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			*err = errno;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != (size_t)fsb.st_size) {
		free(p);
		p = NULL;
		goto out;
	}
	*data = p;
	*len = got;
	rc = 0;
out:
	close(fd);
	return rc;
}

static void free_data(uint8_t *p, size_t len)
{
	bh_cleanse(p, len);
	free(p);
}

static void bond_name(const bh_addr *a, char name[32])
{
	snprintf(name, 32, "%02x%02x%02x%02x%02x%02x-%s" BOND_SUFFIX, a->val[5], a->val[4],
		 a->val[3], a->val[2], a->val[1], a->val[0], (a->type & 1) ? "random" : "public");
}

static bool is_bond_name(const char *n)
{
	size_t l = strlen(n), sl = strlen(BOND_SUFFIX);
	return n[0] != '.' && l > sl && strcmp(n + l - sl, BOND_SUFFIX) == 0;
}

static bh_status decode_bond(const uint8_t *d, size_t n, void *out)
{
	return bh_bond_decode(d, n, out);
}

static bh_status decode_identity(const uint8_t *d, size_t n, void *out)
{
	return bh_local_identity_decode(d, n, out);
}

/* Reads and decodes one entry. Returns 0, -1 (not there), -2 (out of
 * memory) or the problem. */
static int load_entry(struct bh_bond_store *st, const char *name,
		      bh_status (*decode)(const uint8_t *, size_t, void *), void *out, int *err)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int pb = read_entry(st, name, &data, &len, err);
	if (pb == BH_STORE_UNREADABLE && *err == ENOMEM)
		return -2;
	if (pb)
		return pb;
	bh_status rc = decode(data, len, out);
	free_data(data, len);
	if (rc == BH_EIO) {
		/* The checksum could not be computed (libcrypto missing): the file
		 * may be perfect. Unreadable, so nothing moves it aside on a load
		 * and a bond that was never damaged is not retired. */
		*err = bh_libcrypto_error() ? ENOPKG : EIO;
		return BH_STORE_UNREADABLE;
	}
	return rc == BH_ENOMEM ? -2 : rc != BH_OK ? BH_STORE_CORRUPT : 0;
}

/* A bond file whose content names another identity than its file name
 * was moved or edited: corrupt. */
static int load_bond(struct bh_bond_store *st, const char *name, struct bh_bond *bd, int *err)
{
	int pb = load_entry(st, name, decode_bond, bd, err);
	if (pb)
		return pb;
	char want[32];
	bond_name(&bd->identity, want);
	return strcmp(want, name) ? BH_STORE_CORRUPT : 0;
}

static int load_identity(struct bh_bond_store *st, struct bh_local_identity *out, int *err)
{
	return load_entry(st, LOCAL_NAME, decode_identity, out, err);
}

/* ---- moving aside ---- */

/* Renames name to "name.<tag>-<UTC time>[-N]" (never over anything) and
 * reports it. true when moved. */
static bool move_aside(struct bh_bond_store *st, const char *name, const char *tag,
		       struct bh_store_notice *n)
{
	char stamp[32], to[ASIDE_MAX + 64];
	time_t t = time(NULL);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm))
		snprintf(stamp, sizeof(stamp), "%lld", (long long)t);
	for (int i = 1; i < 100; i++) {
		if (i == 1)
			snprintf(to, sizeof(to), "%s.%s-%s", name, tag, stamp);
		else
			snprintf(to, sizeof(to), "%s.%s-%s-%d", name, tag, stamp, i);
		int r = renameat2(st->dirfd, name, st->dirfd, to, RENAME_NOREPLACE);
		if (r != 0 && (errno == EINVAL || errno == ENOSYS)) {
			/* no RENAME_NOREPLACE on this file system: check, then rename */
			struct stat sb;
			if (fstatat(st->dirfd, to, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
				errno = EEXIST;
				r = -1;
			} else {
				r = renameat(st->dirfd, name, st->dirfd, to);
			}
		}
		if (r == 0) {
			fsync(st->dirfd);
			n->moved_to = to;
			notice(st, n);
			n->moved_to = NULL;
			return true;
		}
		if (errno != EEXIST)
			break;
	}
	n->sys_errno = errno;
	notice(st, n);
	return false;
}

/* Reports a damaged entry and, with move, renames it aside. BH_EIO when it
 * had to move and could not. */
static bh_status settle(struct bh_bond_store *st, const char *name, int pb, int err, bool move)
{
	struct bh_store_notice n = { .name = name, .problem = (enum bh_store_problem)pb,
				     .status = problem_status((enum bh_store_problem)pb),
				     .sys_errno = pb == BH_STORE_UNREADABLE ? err : 0 };
	if (move)
		return move_aside(st, name, bh_store_problem_tag(n.problem), &n) ? BH_OK : BH_EIO;
	notice(st, &n);
	return BH_OK;
}

static void report(struct bh_bond_store *st, const char *name, int pb, int err, bool aside)
{
	/* An unreadable file may be a passing I/O error: only a save moves it. */
	settle(st, name, pb, err, aside && pb != BH_STORE_UNREADABLE);
}

/* What a load of name means for the caller: BH_OK, BH_ENOTFOUND, BH_ENOMEM,
 * or the problem's status after reporting it (nothing of a damaged file is
 * left in out). */
static bh_status outcome(struct bh_bond_store *st, const char *name, int pb, int err, void *out,
			 size_t outlen, bool aside)
{
	if (pb == -1)
		return BH_ENOTFOUND;
	if (pb == -2)
		return BH_ENOMEM;
	if (pb == 0)
		return BH_OK;
	bh_cleanse(out, outlen);
	report(st, name, pb, err, aside);
	return problem_status((enum bh_store_problem)pb);
}

/* Before anything is put at name: a valid file may be replaced, anything
 * else there is moved aside first. BH_OK when the name is free or valid. */
static bh_status make_room(struct bh_bond_store *st, const char *name, bool is_bond)
{
	int err = 0, pb;
	if (is_bond) {
		struct bh_bond *bd = malloc(sizeof(*bd));
		if (!bd)
			return BH_ENOMEM;
		pb = load_bond(st, name, bd, &err);
		bh_cleanse(bd, sizeof(*bd));
		free(bd);
	} else {
		struct bh_local_identity id;
		pb = load_identity(st, &id, &err);
		bh_cleanse(&id, sizeof(id));
	}
	if (pb == -2)
		return BH_ENOMEM;
	return pb <= 0 ? BH_OK : settle(st, name, pb, err, true);
}

/* ---- writing ---- */

static void hook(struct bh_bond_store *st, enum bh_bond_save_step step)
{
	if (st->hook)
		st->hook(st->hook_ctx, step);
}

static void on_step(void *ctx, enum bh_file_step step)
{
	hook(ctx, (enum bh_bond_save_step)step);
}

/* The atomic replace (bh_file_replace): a crash leaves the old file or the
 * new one; the crash tests stop at each step through st->hook. */
static bh_status write_atomic(struct bh_bond_store *st, const char *name, const char *data,
			      size_t len)
{
	_Static_assert(BH_FILE_WRITTEN == (int)BH_BOND_STEP_WRITTEN &&
			       BH_FILE_SYNCED == (int)BH_BOND_STEP_SYNCED &&
			       BH_FILE_RENAMED == (int)BH_BOND_STEP_RENAMED &&
			       BH_FILE_DONE == (int)BH_BOND_STEP_DONE,
		       "bond save steps are the file steps");
	return bh_file_replace(st->dirfd, TMP_PREFIX, name, data, len, on_step, st);
}

/* Puts the encoded file (buf, len; encoded false when encoding failed) at
 * name once make_room allows, then wipes buf (cap octets): nothing is moved
 * unless the new file could be made. */
static bh_status put_file(struct bh_bond_store *st, const char *name, bool is_bond, bool encoded,
			  char *buf, size_t cap, size_t len)
{
	bh_status rc = encoded ? BH_OK : BH_EIO;
	if (rc == BH_OK)
		rc = make_room(st, name, is_bond);
	if (rc == BH_OK)
		rc = write_atomic(st, name, buf, len);
	bh_cleanse(buf, cap);
	return rc;
}

/* A fresh directory stream: a dup()ed fd would share its offset with the
 * stream of an earlier listing and start at the end. */
static DIR *open_listing(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	DIR *dh = fdopendir(fd);
	if (!dh)
		close(fd);
	return dh;
}

/* ---- opening ---- */

/* mkdir -p with mode 0700 for every component we create. false with
 * errno set (ENOMEM: no copy of the path, nothing tried). */
static bool mkdirs(const char *dir)
{
	char *p = strdup(dir);
	if (!p) {
		errno = ENOMEM;
		return false;
	}
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			free(p);
			return false;
		}
		*s = '/';
	}
	bool ok = mkdir(p, 0700) == 0 || errno == EEXIST;
	free(p);
	return ok;
}

static char *default_dir(void)
{
	const char *base = getenv("XDG_STATE_HOME"), *sub = "/blehost";
	if (!base || base[0] != '/') { /* the XDG spec says relative paths are invalid */
		base = getenv("HOME");
		sub = "/.local/state/blehost";
		if (!base || !base[0])
			return NULL;
	}
	char *d;
	return asprintf(&d, "%s%s", base, sub) < 0 ? NULL : d;
}

/* A temp file is an interrupted save: the old file (if any) is still whole
 * beside it, so a regular temp file of ours is garbage. Anything else with
 * that name was not made by us: reported, left alone. */
static void remove_leftovers(struct bh_bond_store *st)
{
	DIR *dh = open_listing(st->dirfd);
	if (!dh)
		return;
	struct dirent *e;
	while ((e = readdir(dh)) != NULL) {
		if (strncmp(e->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) != 0)
			continue;
		struct stat sb;
		int err;
		int pb = examine(st, e->d_name, &sb, &err);
		if (pb == 0)
			unlinkat(st->dirfd, e->d_name, 0);
		else if (pb > 0)
			report(st, e->d_name, pb, err, false);
	}
	closedir(dh);
}

/* The directory: ours (else BH_EUNSAFE), and private (tightened). */
static bh_status check_dir(struct bh_bond_store *st)
{
	struct stat sb;
	struct bh_store_notice n = { .name = "." };
	if (fstat(st->dirfd, &sb) != 0)
		return BH_EIO;
	if (sb.st_uid != geteuid()) {
		n.problem = BH_STORE_FOREIGN_OWNER;
		n.status = BH_EUNSAFE;
		notice(st, &n);
		return BH_EUNSAFE;
	}
	tighten(st, st->dirfd, ".", sb.st_mode, 0700);
	return BH_OK;
}

bh_status bh_bond_store_open_opts(const char *dir, const struct bh_bond_store_opts *opts,
				  struct bh_bond_store **out)
{
	if (!out)
		return BH_EINVAL;
	*out = NULL;
	char *d = dir ? strdup(dir) : default_dir();
	if (!d)
		return dir ? BH_ENOMEM : BH_EINVAL;
	if (!d[0]) {
		free(d);
		return BH_EINVAL;
	}
	struct bh_bond_store *st = calloc(1, sizeof(*st));
	if (!st) {
		free(d);
		return BH_ENOMEM;
	}
	if (opts)
		st->opts = *opts;
	st->dir = d;
	st->dirfd = -1;
	bh_status rc = BH_EIO;
	if (mkdirs(d))
		st->dirfd = open(d, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
	if (st->dirfd < 0 && errno == ENOMEM) {
		rc = BH_ENOMEM; /* says nothing of the directory */
	} else if (st->dirfd < 0) {
		struct stat sb;
		struct bh_store_notice n = { .name = ".", .problem = BH_STORE_UNREADABLE,
					     .status = BH_EIO, .sys_errno = errno };
		if (stat(d, &sb) == 0 && !S_ISDIR(sb.st_mode))
			n.problem = BH_STORE_NOT_DIRECTORY;
		notice(st, &n);
	} else {
		rc = check_dir(st);
	}
	if (rc != BH_OK) {
		bh_bond_store_close(st);
		return rc;
	}
	remove_leftovers(st);
	*out = st;
	return BH_OK;
}

bh_status bh_bond_store_open(const char *dir, struct bh_bond_store **out)
{
	return bh_bond_store_open_opts(dir, NULL, out);
}

void bh_bond_store_close(struct bh_bond_store *st)
{
	if (!st)
		return;
	if (st->dirfd >= 0)
		close(st->dirfd);
	free(st->dir);
	free(st);
}

const char *bh_bond_store_dir(const struct bh_bond_store *st)
{
	return st ? st->dir : NULL;
}

int bh_bond_store_dirfd(const struct bh_bond_store *st)
{
	return st ? st->dirfd : -1;
}

void bh_bond_store_set_notice_cb(struct bh_bond_store *st, bh_bond_store_notice_cb cb, void *ctx)
{
	if (!st)
		return;
	st->opts.notice = cb;
	st->opts.notice_ctx = ctx;
}

void bh_bond_store_set_test_hook(struct bh_bond_store *st,
				 void (*fn)(void *ctx, enum bh_bond_save_step step), void *ctx)
{
	if (!st)
		return;
	st->hook = fn;
	st->hook_ctx = ctx;
}

/* ---- bonds ---- */

bh_status bh_bond_store_load_all(struct bh_bond_store *st,
				 int (*fn)(void *ctx, const struct bh_bond *b), void *ctx)
{
	if (!st || !fn)
		return BH_EINVAL;
	struct bh_bond *bd = malloc(sizeof(*bd));
	if (!bd)
		return BH_ENOMEM;
	DIR *dh = open_listing(st->dirfd);
	if (!dh) {
		free(bd);
		return BH_EIO;
	}
	bh_status rc = BH_OK;
	struct dirent *e;
	while ((e = readdir(dh)) != NULL) {
		if (!is_bond_name(e->d_name))
			continue;
		int err;
		int pb = load_bond(st, e->d_name, bd, &err);
		if (pb == -1)
			continue; /* deleted meanwhile */
		if (pb == -2) {
			rc = BH_ENOMEM;
			break;
		}
		if (pb) {
			report(st, e->d_name, pb, err, st->opts.move_aside);
			continue;
		}
		if (fn(ctx, bd) != 0)
			break;
	}
	closedir(dh);
	bh_cleanse(bd, sizeof(*bd));
	free(bd);
	return rc;
}

/* "NAME.<tag>-<digit>...": a name move_aside gave. */
static bool is_aside_name(const char *n)
{
	static const enum bh_store_problem tags[] = {
		BH_STORE_CORRUPT, BH_STORE_NOT_REGULAR, BH_STORE_SYMLINK,
		BH_STORE_FOREIGN_OWNER, BH_STORE_UNREADABLE, BH_STORE_RETIRED,
	};
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		char pat[32];
		snprintf(pat, sizeof(pat), ".%s-", bh_store_problem_tag(tags[i]));
		const char *at = strstr(n, pat);
		if (at && at != n && at[strlen(pat)] >= '0' && at[strlen(pat)] <= '9')
			return true;
	}
	return false;
}

bh_status bh_bond_store_list_aside(struct bh_bond_store *st,
				   void (*fn)(void *ctx, const char *name), void *ctx)
{
	if (!st || !fn)
		return BH_EINVAL;
	DIR *dh = open_listing(st->dirfd);
	if (!dh)
		return BH_EIO;
	struct dirent *e;
	while ((e = readdir(dh)) != NULL)
		if (is_aside_name(e->d_name))
			fn(ctx, e->d_name);
	closedir(dh);
	return BH_OK;
}

bh_status bh_bond_store_find(struct bh_bond_store *st, const bh_addr *identity,
			     struct bh_bond *out)
{
	if (!st || !identity || !out)
		return BH_EINVAL;
	char name[32];
	bond_name(identity, name);
	int err;
	int pb = load_bond(st, name, out, &err);
	return outcome(st, name, pb, err, out, sizeof(*out), st->opts.move_aside);
}

bh_status bh_bond_store_save(struct bh_bond_store *st, const struct bh_bond *b)
{
	if (!st || !b || b->identity.type > BH_ADDR_RANDOM || b->cccd_len > BH_BOND_CCCD_MAX ||
	    b->gatt_cache_len > BH_BOND_GATT_CACHE_MAX)
		return BH_EINVAL;
	char name[32];
	bond_name(&b->identity, name);
	char *out = malloc(BH_BOND_FILE_MAX);
	if (!out)
		return BH_ENOMEM;
	/* Encoded (checksummed) first: a save that cannot be made must not
	 * have moved the bond it was to replace. */
	size_t len = 0;
	bool encoded = bh_bond_encode(b, out, BH_BOND_FILE_MAX, &len);
	bh_status rc = put_file(st, name, true, encoded, out, BH_BOND_FILE_MAX, len);
	free(out);
	return rc;
}

/* Removes a valid bond file; a damaged one is moved aside instead. */
static bh_status remove_bond(struct bh_bond_store *st, const char *name)
{
	struct bh_bond *bd = malloc(sizeof(*bd));
	if (!bd)
		return BH_ENOMEM;
	int err;
	int pb = load_bond(st, name, bd, &err);
	bh_cleanse(bd, sizeof(*bd));
	free(bd);
	if (pb == -1)
		return BH_ENOTFOUND;
	if (pb == -2)
		return BH_ENOMEM;
	if (pb)
		return settle(st, name, pb, err, true);
	if (unlinkat(st->dirfd, name, 0) != 0)
		return errno == ENOENT ? BH_ENOTFOUND : BH_EIO;
	return BH_OK;
}

bh_status bh_bond_store_delete(struct bh_bond_store *st, const bh_addr *identity)
{
	if (!st || !identity)
		return BH_EINVAL;
	char name[32];
	bond_name(identity, name);
	bh_status rc = remove_bond(st, name);
	if (rc == BH_OK && fsync(st->dirfd) != 0)
		rc = BH_EIO;
	return rc;
}

bh_status bh_bond_store_clear(struct bh_bond_store *st)
{
	if (!st)
		return BH_EINVAL;
	DIR *dh = open_listing(st->dirfd);
	if (!dh)
		return BH_EIO;
	bh_status rc = BH_OK;
	struct dirent *e;
	while ((e = readdir(dh)) != NULL) {
		if (!is_bond_name(e->d_name))
			continue;
		bh_status r = remove_bond(st, e->d_name);
		if (r != BH_OK && r != BH_ENOTFOUND)
			rc = r;
	}
	closedir(dh);
	if (fsync(st->dirfd) != 0)
		rc = BH_EIO;
	return rc;
}

/* ---- our identity ---- */

bh_status bh_bond_store_local_identity_get(struct bh_bond_store *st, struct bh_local_identity *out)
{
	if (!st || !out)
		return BH_EINVAL;
	int err;
	int pb = load_identity(st, out, &err);
	/* our identity is never moved implicitly */
	return outcome(st, LOCAL_NAME, pb, err, out, sizeof(*out), false);
}

bh_status bh_bond_store_local_identity_put(struct bh_bond_store *st,
					   const struct bh_local_identity *id)
{
	if (!st || !id || !bh_static_addr_valid(&id->static_addr))
		return BH_EINVAL;
	char mem[512];
	size_t len = 0;
	bool encoded = bh_local_identity_encode(id, mem, sizeof(mem), &len);
	return put_file(st, LOCAL_NAME, false, encoded, mem, sizeof(mem), len);
}

static bh_status draw_identity(const struct bh_env *env, struct bh_local_identity *out)
{
	bh_random(env, out->irk, 16);
	return bh_static_addr_generate(env, &out->static_addr);
}

static bh_status new_identity(struct bh_bond_store *st, const struct bh_env *env,
			      struct bh_local_identity *out)
{
	bh_status rc = draw_identity(env, out);
	if (rc == BH_OK)
		rc = bh_bond_store_local_identity_put(st, out);
	return rc;
}

bh_status bh_bond_store_local_identity_ensure(struct bh_bond_store *st, const struct bh_env *env,
					      struct bh_local_identity *out)
{
	if (!st || !env || !out)
		return BH_EINVAL;
	bh_status rc = bh_bond_store_local_identity_get(st, out);
	return rc == BH_ENOTFOUND ? new_identity(st, env, out) : rc;
}

bh_status bh_bond_store_local_identity_renew(struct bh_bond_store *st, const struct bh_env *env,
					     struct bh_local_identity *out)
{
	if (!st || !env || !out)
		return BH_EINVAL;
	struct stat sb;
	int err;
	int pb = load_identity(st, out, &err);
	bh_cleanse(out, sizeof(*out));
	if (pb == -2)
		return BH_ENOMEM;
	/* The new identity is made and encoded before the old one is moved:
	 * a renewal that cannot finish leaves the store as it was. */
	char mem[512];
	size_t len = 0;
	bh_status rc = draw_identity(env, out);
	if (rc == BH_OK && !bh_local_identity_encode(out, mem, sizeof(mem), &len))
		rc = BH_EIO;
	if (rc == BH_OK && (pb != -1 || examine(st, LOCAL_NAME, &sb, &err) != -1)) {
		enum bh_store_problem why = pb > 0 ? (enum bh_store_problem)pb : BH_STORE_RETIRED;
		struct bh_store_notice n = { .name = LOCAL_NAME, .problem = why,
					     .status = pb > 0 ? problem_status(why) : BH_OK };
		if (!move_aside(st, LOCAL_NAME, bh_store_problem_tag(why), &n))
			rc = BH_EIO;
	}
	if (rc == BH_OK)
		rc = write_atomic(st, LOCAL_NAME, mem, len);
	bh_cleanse(mem, sizeof(mem));
	if (rc != BH_OK)
		bh_cleanse(out, sizeof(*out));
	return rc;
}
