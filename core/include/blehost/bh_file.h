/* Internal to libblehost (not installed): the one way the stores replace a
 * file (bond files, the local identity, the Database Hash cache). Nothing
 * but a complete, synced file is ever renamed to its name, and the rename
 * is made durable by syncing the directory, so a crash at any point leaves
 * the old file or the new one, never a torn one. */
#ifndef BH_FILE_H
#define BH_FILE_H

#include <blehost/bh_err.h>

#include <stddef.h>

/* The steps a replacement has passed; crash tests stop the process there. */
enum bh_file_step {
	BH_FILE_WRITTEN = 1, /* temp file written, not yet synced */
	BH_FILE_SYNCED = 2,  /* temp file fsynced */
	BH_FILE_RENAMED = 3, /* renamed over the old file, directory not yet synced */
	BH_FILE_DONE = 4,    /* directory synced */
};
typedef void (*bh_file_step_cb)(void *ctx, enum bh_file_step step);

/* Replaces `name` in the directory open as dirfd with len octets of data:
 * a temp file `tmp_prefix` plus 6 characters, mode 0600, written, fsynced,
 * renamed to `name`, then dirfd fsynced. Everything goes through dirfd, so
 * a directory renamed since it was opened is still the one written. On a
 * failure before the rename the temp file is removed and the old file is as
 * it was. step (may be NULL) is called after each step. BH_OK, or BH_EIO
 * with errno saying why. */
bh_status bh_file_replace(int dirfd, const char *tmp_prefix, const char *name, const void *data,
			  size_t len, bh_file_step_cb step, void *ctx);

#endif
