#include <blehost/bh_file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* renameat */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void passed(bh_file_step_cb step, void *ctx, enum bh_file_step s)
{
	if (step)
		step(ctx, s);
}

/* The temp file is made through the directory's descriptor, never its
 * path: a directory moved while its store is open still gets it, beside the
 * old file. Candidate names differ by process and attempt; O_EXCL, not the
 * name, makes the file ours (the directory is private, and a crash's
 * leftovers are swept when the store opens). name: 64 octets. */
static int tmp_open(int dirfd, const char *prefix, char *name)
{
	size_t n = strlen(prefix);
	if (n + 7 > 64) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(name, prefix, n);
	name[n + 6] = '\0';
	for (unsigned attempt = 0; attempt < 32; attempt++) {
		unsigned long v = (unsigned long)getpid() * 2654435761u + attempt * 40503u;
		for (size_t i = n; i < n + 6; i++, v /= 26)
			name[i] = (char)('a' + v % 26);
		int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

bh_status bh_file_replace(int dirfd, const char *tmp_prefix, const char *name, const void *data,
			  size_t len, bh_file_step_cb step, void *ctx)
{
	char base[64];
	int fd = tmp_open(dirfd, tmp_prefix, base);
	if (fd < 0)
		return BH_EIO;
	const char *p = data;
	size_t done = 0;
	if (fchmod(fd, 0600) != 0) /* the umask may have taken bits of 0600 */
		goto fail;
	while (done < len) {
		ssize_t w = write(fd, p + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		done += (size_t)w;
	}
	passed(step, ctx, BH_FILE_WRITTEN);
	if (fsync(fd) != 0)
		goto fail;
	passed(step, ctx, BH_FILE_SYNCED);
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(dirfd, base, dirfd, name) != 0)
		goto fail;
	passed(step, ctx, BH_FILE_RENAMED);
	if (fsync(dirfd) != 0)
		return BH_EIO;
	passed(step, ctx, BH_FILE_DONE);
	return BH_OK;
fail:;
	int err = errno;
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, base, 0);
	errno = err;
	return BH_EIO;
}
