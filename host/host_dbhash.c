/* The Database Hash cache file (bh_gatts_config.hash_lookup/hash_store,
 * bh_host_config.db_hash_dir): a device that starts again with the same
 * database serves the hash it computed last time, so it runs no AES-CMAC
 * and does not load libcrypto (~1.45 MB of RSS) for it.
 *
 * One file, HASH_NAME, little-endian:
 *   magic (8) | n (u32) | the n octets hashed | hash (16, MSO first) | CRC-32
 * The CRC-32 (over everything before it) is an integrity check against a
 * torn or damaged file, not a cryptographic one: it needs no libcrypto,
 * which is the point of the file. A hash is taken only when the n octets
 * equal the server's byte for byte, so the file can never make the server
 * serve a hash of another database. Anything else (missing, short, long,
 * damaged, not a regular file, unreadable, another database) means
 * "compute it"; the file is then replaced (temp file, fsync, rename, fsync
 * of the directory, mode 0600) only after the computation succeeded.
 * The directory is opened once, when the host is made (or is the bond
 * store's, by the store's descriptor), and the file is only ever reached
 * through that descriptor: a directory moved while the host runs is still
 * the one read and written, and never another one made at its old path.
 * The same bytes may also be built into the program
 * (bh_host_config.db_hash_known): they are checked the same way, first. */
#include "host_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <blehost/bh_bytes.h>
#include <blehost/bh_file.h>

#define HASH_NAME "gatt_db_hash"
#define HASH_MAGIC "bhdbhsh1"
#define HDR 12u   /* magic, n */
#define TRAILER 20u /* hash, CRC-32 */
/* The largest database's hashed octets (65,535 attributes, each at most
 * 4 + 19 octets) fit; a longer length field is damage. */
#define MSG_MAX (65535u * 23u)

static uint32_t crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

/* Reads exactly n octets at the start of fd; false on anything else. */
static bool read_all(int fd, uint8_t *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = read(fd, buf + done, n - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		done += (size_t)r;
	}
	return true;
}

/* Why a cache is not used, as an index (0: it is): a build that leaves
 * out info messages keeps none of the texts. */
static const char whys[][28] = { "not a regular file", "another database or damaged",
				 "unreadable", "damaged", "another database" };

/* Whether buf (size octets in HASH_NAME's format, from the file or built
 * in) holds the hash of exactly msg: 0 and the hash copied, else why not. */
static int cached_hash(const uint8_t *buf, size_t size, const uint8_t *msg, size_t len,
		       uint8_t hash[16])
{
	if (size != HDR + len + TRAILER)
		return 2; /* the length alone tells */
	if (memcmp(buf, HASH_MAGIC, 8) != 0 || bh_get32(buf + 8) != len ||
	    bh_get32(buf + size - 4) != crc32(buf, size - 4))
		return 4;
	if (memcmp(buf + HDR, msg, len) != 0)
		return 5;
	memcpy(hash, buf + HDR + len, 16);
	return 0;
}

/* The one warning of a cache that cannot be used, dir being the path the
 * directory had at start: it is reached through its descriptor, so after
 * a move that path may name nothing, or another directory, and the message
 * does not claim more. */
static void cache_warn(struct bh_host *h, const char *dir, const char *what, int err)
{
	host_log(h, BH_LOG_WARN, "database hash cache in the directory named %s at start: %s (%s)",
		 dir, what, strerror(err));
}

bool host_dbhash_lookup(void *ctx, const uint8_t *msg, size_t len, uint8_t hash[16])
{
	struct bh_host *h = ctx;
	if (len > MSG_MAX)
		return false;
	if (h->cfg.db_hash_known && h->cfg.db_hash_known_len) {
		int why = cached_hash(h->cfg.db_hash_known, h->cfg.db_hash_known_len, msg, len, hash);
		if (!why) {
			host_log(h, BH_LOG_DEBUG, "database hash built in");
			return true;
		}
		/* Also what a database that grew after start-up sees. */
		host_log(h, BH_LOG_INFO, "database hash built in: %s", whys[why - 1]);
	}
	if (!h->db_hash_dir)
		return false;
	/* Never blocks (a FIFO in its place), never follows a link. */
	int fd = openat(h->db_hash_dirfd, HASH_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		if (errno != ENOENT)
			cache_warn(h, h->db_hash_dir, HASH_NAME " unreadable, computing the hash",
				   errno);
		return false;
	}
	int why = 0;
	struct stat sb;
	size_t size = HDR + len + TRAILER;
	uint8_t *buf = NULL;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
		why = 1;
	else if ((uint64_t)sb.st_size != size)
		why = 2; /* not read: the length alone tells */
	else if (!(buf = malloc(size)) || !read_all(fd, buf, size))
		why = 3;
	else
		why = cached_hash(buf, size, msg, len, hash);
	close(fd);
	free(buf);
	if (why)
		host_log(h, BH_LOG_INFO,
			 "database hash cache in the directory named %s at start: %s: computing "
			 "the hash",
			 h->db_hash_dir, whys[why - 1]);
	else
		host_log(h, BH_LOG_DEBUG, "database hash from the directory named %s at start",
			 h->db_hash_dir);
	return !why;
}

void host_dbhash_store(void *ctx, const uint8_t *msg, size_t len, const uint8_t hash[16])
{
	struct bh_host *h = ctx;
	if (!h->db_hash_dir || len > MSG_MAX)
		return;
	size_t size = HDR + len + TRAILER;
	uint8_t *buf = malloc(size);
	int err = ENOMEM;
	if (buf) {
		memcpy(buf, HASH_MAGIC, 8);
		bh_put32(buf + 8, (uint32_t)len);
		memcpy(buf + HDR, msg, len);
		memcpy(buf + HDR + len, hash, 16);
		bh_put32(buf + size - 4, crc32(buf, size - 4));
		/* The temp name is one the bond store removes as a crash's
		 * leftover when it opens. */
		err = 0;
		if (bh_file_replace(h->db_hash_dirfd, ".tmp-" HASH_NAME "-", HASH_NAME, buf, size,
				    NULL, NULL))
			err = errno;
		free(buf);
	}
	/* The hash itself is fine: only the next start computes it again. */
	if (err)
		cache_warn(h, h->db_hash_dir, "not saved", err);
}

int host_dbhash_init(struct bh_host *h)
{
	const char *dir = h->cfg.db_hash_dir;
	int fd;
	if (dir) {
		if (!*dir)
			return BH_OK;
		/* Its own directory, opened once: a directory moved while the
		 * host runs is still the one read and written. */
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			/* Never an error: the hash is computed at each start. */
			cache_warn(h, dir, "cannot open it, the hash is not kept", errno);
			return BH_OK;
		}
	} else {
		/* With the bonds, through the store's descriptor: the file
		 * stays beside them wherever the store's directory goes. */
		if (!h->store)
			return BH_OK;
		dir = bh_bond_store_dir(h->store);
		fd = bh_bond_store_dirfd(h->store);
	}
	/* The path is kept only for messages. */
	h->db_hash_dir = strdup(dir);
	h->db_hash_dirfd = fd;
	if (!h->db_hash_dir && h->cfg.db_hash_dir)
		close(fd);
	return h->db_hash_dir ? BH_OK : BH_ENOMEM;
}

void host_dbhash_free(struct bh_host *h)
{
	/* Only a directory of its own: the store's descriptor is the store's. */
	if (h->db_hash_dir && h->cfg.db_hash_dir)
		close(h->db_hash_dirfd);
	free(h->db_hash_dir);
	h->db_hash_dir = NULL;
}
