/* bench_db_hash DIR: writes DIR/gatt_db_hash, the Database Hash file of
 * the demo database as the bench peer serves it (bench_host_config, the
 * services of tools/demo_db_c.c), at build time, for
 * bh_host_config.db_hash_known: the way a program whose database is fixed
 * when it is built carries its hash, as BTstack's compile_gatt.py does.
 *
 * The file is made by the host itself, so its format and the octets hashed
 * cannot drift from what the host checks: a host on a pseudo-terminal that
 * nothing answers (bh_host_new opens the transport but sends nothing until
 * bh_host_start), the demo services added, the hash asked for once; the
 * host computes it and writes the file into its db_hash_dir.
 *
 * A build that cannot make it (no pseudo-terminals, no libcrypto, a build
 * without the GATT server) gets an empty file and a note on stderr: the
 * program then computes the hash when a client first reads it, as with no
 * hash built in. Exit 0 either way, 2 on usage. */
#include "bench_peer.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *make(const char *dir)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m) || !ptsname(m)) {
		if (m >= 0)
			close(m);
		return "no pseudo-terminal";
	}
	char spec[128];
	snprintf(spec, sizeof(spec), "serial:%s", ptsname(m));
	struct bh_host_config cfg;
	bench_host_config(&cfg, dir);
	cfg.transport = spec;
	cfg.log_level = BH_LOG_ERROR;
	char err[256];
	struct bh_host *h = bh_host_new(&cfg, NULL, err, sizeof(err));
	const char *why = NULL;
	struct demo_handles dh;
	uint8_t hash[16];
	if (!h)
		why = "no host";
	else if (demo_db_add(bh_host_gatt_server(h), &dh) != BH_OK)
		why = "the demo database cannot be added";
	else if (bh_gatts_db_hash(bh_host_gatt_server(h), hash) != BH_OK)
		why = "no hash (libcrypto?)";
	if (h)
		bh_host_free(h);
	close(m);
	return why;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/gatt_db_hash", argv[1]);
	const char *why = make(argv[1]);
	if (why || access(path, F_OK) != 0) {
		fprintf(stderr, "bench_db_hash: %s: no hash built in\n", why ? why : "no file");
		FILE *f = fopen(path, "w");
		if (!f)
			return 1;
		fclose(f);
	}
	return 0;
}
