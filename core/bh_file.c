#include <blehost/bh_file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void passed(bh_file_step_cb step, void *ctx, enum bh_file_step s)
{
	if (step)
		step(ctx, s);
}

bh_status bh_file_replace(const char *dir, int dirfd, const char *tmp_prefix, const char *name,
			  const void *data, size_t len, bh_file_step_cb step, void *ctx)
{
	size_t n = strlen(dir) + strlen(tmp_prefix) + sizeof("/XXXXXX");
	char *path = malloc(n);
	if (!path)
		return BH_ENOMEM;
	snprintf(path, n, "%s/%sXXXXXX", dir, tmp_prefix);
	int fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		free(path);
		return BH_EIO;
	}
	const char *base = strrchr(path, '/') + 1;
	const char *p = data;
	size_t done = 0;
	if (fchmod(fd, 0600) != 0)
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
	free(path);
	if (fsync(dirfd) != 0)
		return BH_EIO;
	passed(step, ctx, BH_FILE_DONE);
	return BH_OK;
fail:;
	int err = errno;
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, base, 0);
	free(path);
	errno = err;
	return BH_EIO;
}
